/*
 * test_reconcile.c: the reconciler's pure parts (ops/reconcile.h): the
 * providers' URLs, an answer wrapped as its webhook (and mapped by it),
 * every bad answer refused with its reason, Retry-After read with bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "ingest/retell.h"
#include "ingest/twilio.h"
#include "ingest/vapi.h"
#include "ops/reconcile.h"

#define ACCT "AC8b1d3f5a7c9e0b2d4f6a8c0e2b4d6f8a"

static void
test_urls(void)
{
	char u[512];

	CU_ASSERT_EQUAL(ct_reconcile_url(CT_PROVIDER_VAPI, "https://api.vapi.ai",
	    "019b-x", NULL, u, sizeof(u)), CT_OK);
	CU_ASSERT_STRING_EQUAL(u, "https://api.vapi.ai/call/019b-x");
	CU_ASSERT_EQUAL(ct_reconcile_url(CT_PROVIDER_RETELL,
	    "https://api.retellai.com/", "call_1", NULL, u, sizeof(u)), CT_OK);
	CU_ASSERT_STRING_EQUAL(u, "https://api.retellai.com/v2/get-call/call_1");
	CU_ASSERT_EQUAL(ct_reconcile_url(CT_PROVIDER_TWILIO,
	    "https://api.twilio.com", "CA12", ACCT, u, sizeof(u)), CT_OK);
	CU_ASSERT_STRING_EQUAL(u, "https://api.twilio.com/2010-04-01/Accounts/"
	    ACCT "/Calls/CA12.json");
	/* https only; no id that needs escaping, or that climbs a path. */
	CU_ASSERT_EQUAL(ct_reconcile_url(CT_PROVIDER_VAPI, "http://api.vapi.ai",
	    "x", NULL, u, sizeof(u)), CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_reconcile_url(CT_PROVIDER_VAPI, "https://a",
	    "a/../b", NULL, u, sizeof(u)), CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_reconcile_url(CT_PROVIDER_VAPI, "https://a",
	    "..", NULL, u, sizeof(u)), CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_reconcile_url(CT_PROVIDER_VAPI, "https://a", "",
	    NULL, u, sizeof(u)), CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_reconcile_url(CT_PROVIDER_VAPI, "https://a?x=",
	    "a", NULL, u, sizeof(u)), CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_reconcile_url(CT_PROVIDER_TWILIO, "https://a", "CA1",
	    "AC12", u, sizeof(u)), CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_reconcile_url(CT_PROVIDER_VAPI, "https://a", "abc",
	    NULL, u, 10), CT_ERR_INVALID_PARAMETER);
}

/* A bad answer is refused with why. */
static void
refused(enum ct_provider p, const char *answer, const char *id,
    const char *why_want)
{
	char *out = NULL;
	size_t n;
	bool final = true;
	const char *why = NULL;

	CU_ASSERT_EQUAL(ct_reconcile_wrap(p, answer, strlen(answer), id, ACCT,
	    &out, &n, &final, &why), CT_ERR_MALFORMED_BODY);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_FALSE(final);
	CU_ASSERT_PTR_NOT_NULL_FATAL(why);
	CU_ASSERT_STRING_EQUAL(why, why_want);
}

static void
test_bad_answers(void)
{
	refused(CT_PROVIDER_VAPI, "<html>", "a", "the answer is not JSON");
	refused(CT_PROVIDER_VAPI, "[{\"id\":\"a\"}]", "a",
	    "the answer is not a call object");
	refused(CT_PROVIDER_VAPI, "{\"status\":\"ended\"}", "a",
	    "the answer names no call");
	refused(CT_PROVIDER_VAPI, "{\"id\":\"b\",\"status\":\"ended\"}", "a",
	    "the answer names another call");
	refused(CT_PROVIDER_VAPI, "{\"id\":\"a\\u0000\",\"status\":\"ended\"}",
	    "a", "the answer names no call");
	refused(CT_PROVIDER_VAPI, "{\"id\":\"a\"}", "a",
	    "the answer has no status");
	refused(CT_PROVIDER_RETELL, "{\"call_id\":\"b\"}", "a",
	    "the answer names another call");
	refused(CT_PROVIDER_TWILIO, "{\"sid\":\"CA1\",\"status\":\"busy\","
	    "\"account_sid\":\"ACffffffffffffffffffffffffffffffff\"}", "CA1",
	    "the answer belongs to another account");
	refused(CT_PROVIDER_TWILIO, "{\"sid\":\"CA1\",\"status\":\"busy\"}",
	    "CA1", "the answer belongs to another account");
}

/* The Vapi fixture's report as its call object (the report's fields on
 * the call), as GET /call/{id} returns it. */
static char *
vapi_call_of(const char *rel)
{
	json_object *root, *msg, *call, *v;
	size_t len;
	char *body = fixture_read(rel, &len), *s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	root = json_tokener_parse(body);
	free(body);
	CU_ASSERT_FATAL(json_object_object_get_ex(root, "message", &msg));
	CU_ASSERT_FATAL(json_object_object_get_ex(msg, "call", &call));
	json_object_object_foreach(msg, k, val) {
		if (strcmp(k, "call") != 0 && strcmp(k, "type") != 0 &&
		    !json_object_object_get_ex(call, k, &v))
			json_object_object_add(call, k, json_object_get(val));
	}
	json_object_object_add(call, "status", json_object_new_string("ended"));
	s = strdup(json_object_to_json_string(call));
	json_object_put(root);
	return s;
}

static void
test_vapi_wrap_maps(void)
{
	static const char id[] = "019b94d2-6a1f-7c3e-9b2d-4f8a1e6c0d21";
	struct ct_map_ctx ctx = { "US", NULL, 0 };
	struct ct_call_event ev;
	char *call = vapi_call_of("vapi/inbound-completed.6.end-of-call-report.json");
	char *out = NULL;
	size_t n;
	bool final = false;
	const char *why = NULL;

	CU_ASSERT_EQUAL_FATAL(ct_reconcile_wrap(CT_PROVIDER_VAPI, call,
	    strlen(call), id, NULL, &out, &n, &final, &why), CT_OK);
	CU_ASSERT_TRUE(final);
	CU_ASSERT_EQUAL(n, strlen(out));
	CU_ASSERT_EQUAL_FATAL(ct_vapi_map(out, n, &ctx, &ev), CT_OK);
	CU_ASSERT_STRING_EQUAL(ev.event_type, "end-of-call-report");
	CU_ASSERT_STRING_EQUAL(ev.provider_call_id, id);
	CU_ASSERT_PTR_NOT_NULL(ev.transcript);
	CU_ASSERT_DOUBLE_EQUAL(strtod(ev.cost, NULL), 0.2173, 1e-9);
	CU_ASSERT_EQUAL(ev.duration_seconds, 44);
	ct_call_event_free(&ev);
	free(out);
	free(call);
}

static void
test_retell_twilio_wrap(void)
{
	struct ct_map_ctx ctx = { "US", NULL, 0 };
	struct ct_call_event ev;
	static const char tw[] = "{\"sid\":\"CA1\",\"account_sid\":\"" ACCT "\","
	    "\"status\":\"no-answer\",\"from\":\"+14155550102\",\"to\":"
	    "\"+14155550161\",\"direction\":\"outbound-api\",\"duration\":\"0\","
	    "\"end_time\":\"Tue, 06 Jan 2026 20:01:00 +0000\",\"start_time\":null}";
	static const char rt[] = "{\"call_id\":\"call_1\",\"call_status\":"
	    "\"ongoing\",\"start_timestamp\":1767920000000}";
	char *out = NULL;
	size_t n;
	bool final = true;
	const char *why = NULL;

	CU_ASSERT_EQUAL_FATAL(ct_reconcile_wrap(CT_PROVIDER_TWILIO, tw,
	    strlen(tw), "CA1", ACCT, &out, &n, &final, &why), CT_OK);
	CU_ASSERT_TRUE(final);
	CU_ASSERT_EQUAL_FATAL(ct_twilio_map(out, n, 1, &ctx, &ev), CT_OK);
	CU_ASSERT_STRING_EQUAL(ev.status_unanswered, "no-answer");
	CU_ASSERT_STRING_EQUAL(ev.ended_at, "2026-01-06T20:01:00+00:00");
	CU_ASSERT_EQUAL(ev.duration_seconds, 0);
	ct_call_event_free(&ev);
	free(out);
	/* A call still going on is a call_started, not a final report. */
	CU_ASSERT_EQUAL_FATAL(ct_reconcile_wrap(CT_PROVIDER_RETELL, rt,
	    strlen(rt), "call_1", NULL, &out, &n, &final, &why), CT_OK);
	CU_ASSERT_FALSE(final);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"event\":\"call_started\""));
	CU_ASSERT_EQUAL_FATAL(ct_retell_map(out, n, &ctx, &ev), CT_OK);
	CU_ASSERT_STRING_EQUAL(ev.status_answered, "in-progress");
	ct_call_event_free(&ev);
	free(out);
}

static void
test_retry_after(void)
{
	CU_ASSERT_EQUAL(ct_reconcile_retry_after("120", 0), 120);
	CU_ASSERT_EQUAL(ct_reconcile_retry_after(" 7\r\n", 0), 7);
	CU_ASSERT_EQUAL(ct_reconcile_retry_after("0", 0), 1);
	CU_ASSERT_EQUAL(ct_reconcile_retry_after("99999999999999999999", 0),
	    CT_RECONCILE_RETRY_MAX);
	CU_ASSERT_EQUAL(ct_reconcile_retry_after("9999999", 0),
	    CT_RECONCILE_RETRY_MAX);
	CU_ASSERT_EQUAL(ct_reconcile_retry_after(NULL, 0),
	    CT_RECONCILE_RETRY_DEFAULT);
	CU_ASSERT_EQUAL(ct_reconcile_retry_after("soon", 0),
	    CT_RECONCILE_RETRY_DEFAULT);
	/* An HTTP-date, 90 s after now. */
	CU_ASSERT_EQUAL(ct_reconcile_retry_after(
	    "Thu, 01 Jan 1970 00:01:30 GMT", 0), 90);
	CU_ASSERT_EQUAL(ct_reconcile_retry_after(
	    "Thu, 01 Jan 1970 00:01:30 GMT", 1000), 1);
}

int
suite_reconcile(void)
{
	static const struct test_case t[] = {
		{ "each provider's URL; https only, ids that need no escaping",
		    test_urls },
		{ "each bad answer is refused with its reason", test_bad_answers },
		{ "a Vapi call object wraps as the report its webhook mapping "
		    "reads", test_vapi_wrap_maps },
		{ "Twilio's call resource maps as a status callback; Retell's "
		    "ongoing call as call_started", test_retell_twilio_wrap },
		{ "Retry-After: seconds or an HTTP-date, bounded",
		    test_retry_after },
		{ NULL, NULL } };
	return add_suite("reconcile", t);
}
