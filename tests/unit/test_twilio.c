/*
 * test_twilio.c: the Twilio mapping and its timestamps.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/event.h"
#include "suites.h"
#include "ingest/twilio.h"

static const struct ct_map_ctx ctx = { "US", NULL, 0 };

static void
test_twilio_time(void)
{
	static const struct { const char *in, *out; } t[] = {
		{ "Tue, 06 Jan 2026 19:46:33 +0000", "2026-01-06T19:46:33+00:00" },
		{ "06 Jan 2026 19:46:33 -0500", "2026-01-06T19:46:33-05:00" },
		{ "Wed, 7 Jan 2026 04:02:08 +0100", "2026-01-07T04:02:08+01:00" },
		{ "Tue, 06 Foo 2026 19:46:33 +0000", "" },
		{ "Tue, 06 Jan 2026 19:46:33", "" },
		{ "Tue, 06 Jan 2026 19:46:33 +0000 junk", "" },
		{ "2026-01-06T19:46:33Z", "" },
		{ "", "" },
	};
	char out[CT_TIME_MAX];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL(ct_twilio_time(t[i].in, out), t[i].out[0] != '\0');
		CU_ASSERT_STRING_EQUAL(out, t[i].out);
	}
	CU_ASSERT_EQUAL(ct_time_epoch_ms("2026-01-06T14:46:33-05:00"),
	    ct_time_epoch_ms("2026-01-06T19:46:33+00:00"));
}

static struct ct_call_event
map_file(const char *rel)
{
	struct ct_call_event ev;
	size_t len;
	char *body = fixture_read(rel, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL(ct_twilio_map(body, len, 0, &ctx, &ev), CT_OK);
	free(body);
	return ev;
}

static void
test_twilio_lifecycle(void)
{
	static const struct {
		const char *file, *status, *reason;
		long long seq, duration;
	} t[] = {
		{ "twilio/outbound-completed.1.initiated.form", "queued", NULL, 0, -1 },
		{ "twilio/outbound-completed.2.ringing.form", "ringing", NULL, 1, -1 },
		{ "twilio/outbound-completed.3.in-progress.form", "in-progress", NULL, 2, -1 },
		{ "twilio/outbound-completed.4.completed.form", "completed", "completed", 3, 73 },
		{ "twilio/outbound-busy.form", "busy", "busy", -2, 0 },
		{ "twilio/outbound-no-answer.form", "no-answer", "no-answer", -2, 0 },
		{ "twilio/outbound-failed.form", "failed", "failed", -2, 0 },
		{ "twilio/outbound-canceled.form", "canceled", "canceled", -2, 0 },
		{ "twilio/inbound-completed.form", "completed", "completed", 0, 212 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ct_call_event ev = map_file(t[i].file);

		CU_ASSERT_STRING_EQUAL(ev.status_answered, t[i].status);
		if (t[i].reason == NULL) {
			CU_ASSERT_PTR_NULL(ev.ended_reason);
			CU_ASSERT_STRING_EQUAL(ev.ended_at, "");
		} else {
			CU_ASSERT_STRING_EQUAL(ev.ended_reason, t[i].reason);
			CU_ASSERT_NOT_EQUAL(ev.ended_at[0], '\0');
		}
		if (t[i].seq >= 0)
			CU_ASSERT_EQUAL(ev.sequence, t[i].seq);
		CU_ASSERT_EQUAL(ev.duration_seconds, t[i].duration);
		CU_ASSERT_EQUAL(strncmp(ev.dedup_key, "twilio:", 7), 0);
		ct_call_event_free(&ev);
	}
}

static void
test_twilio_numbers_and_names(void)
{
	struct ct_call_event ev = map_file("twilio/inbound-completed.form");
	const char *anon = "CallSid=CA1&CallStatus=ringing&Direction=inbound&"
	    "From=Anonymous&To=%2B14155550102&CallerName=Ren%C3%A9e";
	const char *out = "CallSid=CA2&CallStatus=ringing&Direction=outbound-dial&"
	    "From=%2B14155550102&To=sip%3Abob%40example.com";

	CU_ASSERT_STRING_EQUAL(ev.direction, "inbound");
	CU_ASSERT_STRING_EQUAL(ev.phone_number, "+14155550131");
	CU_ASSERT_STRING_EQUAL(ev.agent_number, "+14155550102");
	CU_ASSERT_STRING_EQUAL(ev.ended_at, "2026-01-07T14:22:48+00:00");
	ct_call_event_free(&ev);
	CU_ASSERT_EQUAL(ct_twilio_map(anon, strlen(anon), 0, &ctx, &ev), CT_OK);
	CU_ASSERT_STRING_EQUAL(ev.phone_number, "");
	CU_ASSERT_STRING_EQUAL(ev.phone_raw, "Anonymous");
	CU_ASSERT_STRING_EQUAL(ev.customer_name, "Ren\xc3\xa9" "e");
	ct_call_event_free(&ev);
	CU_ASSERT_EQUAL(ct_twilio_map(out, strlen(out), 0, &ctx, &ev), CT_OK);
	CU_ASSERT_STRING_EQUAL(ev.direction, "outbound");
	CU_ASSERT_STRING_EQUAL(ev.phone_number, "");
	CU_ASSERT_PTR_NULL(ev.customer_name);	/* outbound: no CallerName */
	ct_call_event_free(&ev);
}

static void
test_twilio_edges(void)
{
	static const struct { const char *body; int json; enum ct_err want; } t[] = {
		{ "CallStatus=completed", 0, CT_ERR_MISSING_CALL_ID },
		{ "CallSid=CA1", 0, CT_ERR_MALFORMED_BODY },
		{ "CallSid=CA1&CallStatus=%zz", 0, CT_ERR_MALFORMED_BODY },
		{ "CallSid=&CallStatus=completed", 0, CT_ERR_MISSING_CALL_ID },
		{ "{\"CallSid\":\"CA1\",\"CallStatus\":\"completed\"}", 1, CT_OK },
		{ "[\"CallSid\"]", 1, CT_ERR_MALFORMED_BODY },
		{ "CallSid=CA1&CallStatus=teleported&SequenceNumber=x", 0, CT_OK },
	};
	struct ct_call_event ev;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL(ct_twilio_map(t[i].body, strlen(t[i].body),
		    t[i].json, &ctx, &ev), t[i].want);
		ct_call_event_free(&ev);
	}
	/* A machine answering a completed call: voicemail. */
	{
		const char *m = "CallSid=CA1&CallStatus=completed&AnsweredBy="
		    "machine_end_silence&CallDuration=20";

		CU_ASSERT_EQUAL(ct_twilio_map(m, strlen(m), 0, &ctx, &ev), CT_OK);
		CU_ASSERT_STRING_EQUAL(ev.status_answered, "voicemail");
		ct_call_event_free(&ev);
	}
}

/*
 * A NUL (%00 in a form, \u0000 in JSON) in CallSid, CallStatus or
 * SequenceNumber refuses the body, naming the parameter; "a%00b" and
 * "a%00c" are never one call.  In free text the parameter is dropped.
 */
static void
test_twilio_nul(void)
{
	static const struct {
		const char	*body;
		int		 json;
		enum ct_err	 want;
		const char	*field;
	} t[] = {
		{ "CallSid=%00x&CallStatus=completed", 0, CT_ERR_MALFORMED_BODY,
		    "CallSid" },
		{ "CallSid=a%00b&CallStatus=completed", 0, CT_ERR_MALFORMED_BODY,
		    "CallSid" },
		{ "CallSid=CA1&CallStatus=completed%00x", 0,
		    CT_ERR_MALFORMED_BODY, "CallStatus" },
		{ "CallSid=CA1&CallStatus=completed&SequenceNumber=1%002", 0,
		    CT_ERR_MALFORMED_BODY, "SequenceNumber" },
		{ "{\"CallSid\":\"a\\u0000b\",\"CallStatus\":\"completed\"}", 1,
		    CT_ERR_MALFORMED_BODY, "CallSid" },
		{ "{\"CallSid\":\"\\u0000x\",\"CallStatus\":\"completed\"}", 1,
		    CT_ERR_MALFORMED_BODY, "CallSid" },
		{ "{\"CallSid\":\"CA1\",\"CallStatus\":\"busy\\u0000\"}", 1,
		    CT_ERR_MALFORMED_BODY, "CallStatus" },
		/* A name that only begins like CallSid is another name. */
		{ "CallSid%00x=a&CallSid=CA1&CallStatus=completed", 0, CT_OK,
		    NULL },
		/* Free text: dropped. */
		{ "CallSid=CA1&CallStatus=completed&Direction=inbound&"
		    "From=%2B14155550101&CallerName=ZO%00E", 0, CT_OK, NULL },
		/* Still refused: a bad escape. */
		{ "CallSid=CA1&CallStatus=%zz", 0, CT_ERR_MALFORMED_BODY, NULL },
	};
	struct ct_call_event ev;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL(ct_twilio_map(t[i].body, strlen(t[i].body),
		    t[i].json, &ctx, &ev), t[i].want);
		if (t[i].field == NULL) {
			CU_ASSERT_PTR_NULL(ev.bad_field);
		} else {
			CU_ASSERT_PTR_NOT_NULL(ev.bad_field);
			if (ev.bad_field != NULL)
				CU_ASSERT_STRING_EQUAL(ev.bad_field, t[i].field);
		}
		if (t[i].want == CT_OK) {
			CU_ASSERT_STRING_EQUAL(ev.provider_call_id, "CA1");
			CU_ASSERT_PTR_NULL(ev.customer_name);
		}
		ct_call_event_free(&ev);
	}
}

/* A child leg names its parent (ParentCallSid): the parent's call is
 * its call too; a ParentCallSid that is not a CallSid links nothing. */
static void
test_twilio_parent(void)
{
	static const struct { const char *form, *sid; int noted; } t[] = {
		{ "CallSid=CA11111111111111111111111111111111&CallStatus=ringing"
		    "&ParentCallSid=CA0123456789abcdef0123456789abcdef",
		    "CA0123456789abcdef0123456789abcdef", 0 },
		{ "CallSid=CA11111111111111111111111111111111&CallStatus=ringing",
		    NULL, 0 },
		{ "CallSid=CA11111111111111111111111111111111&CallStatus=ringing"
		    "&ParentCallSid=", NULL, 0 },
		{ "CallSid=CA11111111111111111111111111111111&CallStatus=ringing"
		    "&ParentCallSid=CA12", NULL, 1 },
		{ "CallSid=CA11111111111111111111111111111111&CallStatus=ringing"
		    "&ParentCallSid=CA0123456789abcdef0123456789abcd%00f", NULL, 0 },
		{ "CallSid=CA11111111111111111111111111111111&CallStatus=completed"
		    "&CallDuration=5&ParentCallSid=AC0123456789abcdef0123456789abcdef",
		    NULL, 1 },
	};
	struct ct_call_event ev;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(ct_twilio_map(t[i].form, strlen(t[i].form),
		    0, &ctx, &ev), CT_OK);
		ASSERT_STR_EQ(ev.provider_call_id,
		    "CA11111111111111111111111111111111");
		if (t[i].sid != NULL) {
			ASSERT_STR_EQ(ev.linked_call_sid, t[i].sid);
		} else {
			CU_ASSERT_PTR_NULL(ev.linked_call_sid);
		}
		CU_ASSERT_EQUAL(ev.note != NULL, t[i].noted);
		ct_call_event_free(&ev);
	}
	/* JSON callbacks (bodySHA256) name it the same way. */
	{
		static const char json[] = "{\"CallSid\":"
		    "\"CA11111111111111111111111111111111\",\"CallStatus\":"
		    "\"in-progress\",\"ParentCallSid\":"
		    "\"CA0123456789abcdef0123456789abcdef\"}";

		CU_ASSERT_EQUAL_FATAL(ct_twilio_map(json, strlen(json), 1, &ctx,
		    &ev), CT_OK);
		ASSERT_STR_EQ(ev.linked_call_sid,
		    "CA0123456789abcdef0123456789abcdef");
		ct_call_event_free(&ev);
	}
	/* A call's own callbacks name no other. */
	ev = map_file("twilio/legs-vapi-twilio-first.3.completed.form");
	CU_ASSERT_PTR_NULL(ev.linked_call_sid);
	ASSERT_STR_EQ(ev.provider_call_id, "CA3c1e5a7b9d0f2e4a6c8b0d2f4e6a8c01");
	CU_ASSERT_EQUAL(ev.duration_seconds, 62);
	ct_call_event_free(&ev);
}

int
suite_twilio(void)
{
	static const struct test_case t[] = {
		{ "RFC 2822 timestamps", test_twilio_time },
		{ "Twilio callbacks of every fixture", test_twilio_lifecycle },
		{ "Twilio numbers, names and direction", test_twilio_numbers_and_names },
		{ "Twilio malformed callbacks", test_twilio_edges },
		{ "Twilio NUL in ids refused, in free text dropped",
		    test_twilio_nul },
		{ "Twilio child legs name their parent (ParentCallSid)",
		    test_twilio_parent },
		{ NULL, NULL } };
	return add_suite("twilio", t);
}
