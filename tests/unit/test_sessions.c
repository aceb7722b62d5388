/*
 * test_sessions.c: the session PUT's route and body (read/sessions.h).
 */
#include <stdlib.h>
#include <string.h>

#include "read/sessions.h"
#include "suites.h"

static void
test_session_route(void)
{
	static const struct { const char *path, *provider, *id; } t[] = {
		{ "/api/sessions/vapi/019bd5f2-3e4f-7051-a6c7-7e8f9a0b1c23", "vapi",
		    "019bd5f2-3e4f-7051-a6c7-7e8f9a0b1c23" },
		{ "/api/sessions/retell/call_3c5e7a9b1d4f6c8e0a2b4d6f8c0", "retell",
		    "call_3c5e7a9b1d4f6c8e0a2b4d6f8c0" },
		{ "/api/sessions/twilio/CA3c1e5a7b9d0f2e4a6c8b0d2f4e6a8c05", "twilio",
		    "CA3c1e5a7b9d0f2e4a6c8b0d2f4e6a8c05" },
		{ "/api/sessions/vapi/a.b:c_d-e", "vapi", "a.b:c_d-e" },
		{ "/api/sessions/vonage/x", NULL, NULL },
		{ "/api/sessions/vapi/", NULL, NULL },
		{ "/api/sessions/vapi", NULL, NULL },
		{ "/api/sessions/", NULL, NULL },
		{ "/api/sessions/vapi/a/b", NULL, NULL },
		{ "/api/sessions/vapi/a%2Fb", NULL, NULL },
		{ "/api/sessions/vapi/a b", NULL, NULL },
		{ "/api/sessions/vapix/a", NULL, NULL },
		{ "/api/sessions/VAPI/a", NULL, NULL },
		{ "/api/session/vapi/a", NULL, NULL },
		{ "/api/calls/x", NULL, NULL },
	};
	struct ct_session_route r;
	char path[400];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL(ct_session_route_parse(t[i].path, &r),
		    t[i].provider != NULL);
		if (t[i].provider != NULL) {
			ASSERT_STR_EQ(r.provider, t[i].provider);
			ASSERT_STR_EQ(r.provider_call_id, t[i].id);
		}
	}
	CU_ASSERT_FALSE(ct_session_route_parse(NULL, &r));
	/* 200 bytes of id is one; 201 is none. */
	snprintf(path, sizeof(path), "/api/sessions/vapi/%0200d", 7);
	CU_ASSERT_TRUE(ct_session_route_parse(path, &r));
	CU_ASSERT_EQUAL(strlen(r.provider_call_id), 200);
	snprintf(path, sizeof(path), "/api/sessions/vapi/%0201d", 7);
	CU_ASSERT_FALSE(ct_session_route_parse(path, &r));
}

static void
test_session_body(void)
{
	static const struct { const char *body, *bad, *state; } t[] = {
		{ "{\"conversation_state\":{\"bookingAttempted\":true,\"n\":[1,2]}}",
		    NULL, "{\"bookingAttempted\":true,\"n\":[1,2]}" },
		{ "{\"conversation_state\":{}}", NULL, "{}" },
		{ " {\"conversation_state\" : {\"a\":\"\\u00e9\"}}\n", NULL,
		    "{\"a\":\"\xc3\xa9\"}" },
		{ "not json", "body", NULL },
		{ "", "body", NULL },
		{ "[]", "body", NULL },
		{ "\"conversation_state\"", "body", NULL },
		{ "{\"conversation_state\":{}} trailing", "body", NULL },
		{ "{\"conversation_state\":{},}", "body", NULL },
		{ "{}", "conversation_state", NULL },
		{ "{\"conversation_state\":null}", "conversation_state", NULL },
		{ "{\"conversation_state\":[1]}", "conversation_state", NULL },
		{ "{\"conversation_state\":\"{}\"}", "conversation_state", NULL },
		{ "{\"conversation_state\":{\"a\":\"x\\u0000y\"}}",
		    "conversation_state", NULL },
		{ "{\"conversation_state\":{},\"extra\":1}", "extra", NULL },
		{ "{\"state\":{}}", "state", NULL },
		{ "{\"bad key!\":{}}", "body", NULL },
	};
	char *state, badbuf[72];
	const char *bad;
	enum ct_err err;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err = ct_session_parse(t[i].body, strlen(t[i].body), &state, &bad,
		    badbuf, sizeof(badbuf));
		if (t[i].bad == NULL) {
			CU_ASSERT_EQUAL(err, CT_OK);
			ASSERT_STR_EQ(state, t[i].state);
		} else {
			CU_ASSERT_EQUAL(err, CT_ERR_INVALID_PARAMETER);
			ASSERT_STR_EQ(bad, t[i].bad);
			CU_ASSERT_PTR_NULL(state);
		}
		free(state);
	}
}

/* Nesting past the parser's depth is no JSON calltrack reads. */
static void
test_session_deep(void)
{
	char body[512], *state, badbuf[72];
	const char *bad;
	size_t n = 0;
	int i;

	n += (size_t)snprintf(body + n, sizeof(body) - n, "{\"conversation_state\":");
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "{\"a\":");
	n += (size_t)snprintf(body + n, sizeof(body) - n, "1");
	for (i = 0; i < 41; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "}");
	CU_ASSERT_EQUAL(ct_session_parse(body, n, &state, &bad, badbuf,
	    sizeof(badbuf)), CT_ERR_INVALID_PARAMETER);
	ASSERT_STR_EQ(bad, "body");
}

int
suite_sessions(void)
{
	static const struct test_case t[] = {
		{ "the session route: provider and call id", test_session_route },
		{ "the session body: one object, conversation_state an object",
		    test_session_body },
		{ "a session nested past the parser's depth", test_session_deep },
		{ NULL, NULL } };
	return add_suite("sessions", t);
}
