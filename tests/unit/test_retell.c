/*
 * test_retell.c: the Retell mapping over every fixture and its edges.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/event.h"
#include "ingest/retell.h"
#include "suites.h"

static const char *const tools[] = { "book_appointment", "book_service" };
static const struct ct_map_ctx ctx = { "US", tools, 2 };

static struct ct_call_event
map_file(const char *rel)
{
	struct ct_call_event ev;
	size_t len;
	char *body = fixture_read(rel, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL(ct_retell_map(body, len, &ctx, &ev), CT_OK);
	free(body);
	return ev;
}

static void
test_retell_analyzed(void)
{
	struct ct_call_event ev =
	    map_file("retell/booking-succeeded.3.call_analyzed.json");

	CU_ASSERT_EQUAL(ev.mode, CT_EVENT_APPLY);
	CU_ASSERT_STRING_EQUAL(ev.provider_call_id,
	    "call_8e41c7a2d9f0b3e5c1a7d2f4e6b");
	CU_ASSERT_EQUAL(ev.sequence, 3);
	CU_ASSERT_STRING_EQUAL(ev.status_answered, "completed");
	CU_ASSERT_STRING_EQUAL(ev.ended_reason, "user_hangup");
	CU_ASSERT_STRING_EQUAL(ev.end_call_reason, "customer_hangup");
	CU_ASSERT_STRING_EQUAL(ev.direction, "inbound");
	CU_ASSERT_STRING_EQUAL(ev.phone_number, "+14155550142");
	CU_ASSERT_STRING_EQUAL(ev.agent_number, "+14155550101");
	CU_ASSERT_STRING_EQUAL(ev.customer_name, "Daniel Kim");
	CU_ASSERT_STRING_EQUAL(ev.started_at, "2026-01-06T16:05:20.118Z");
	CU_ASSERT_STRING_EQUAL(ev.ended_at, "2026-01-06T16:05:49.568Z");
	CU_ASSERT_EQUAL(ev.duration_seconds, 29);
	CU_ASSERT_STRING_EQUAL(ev.cost, "0.056400");
	CU_ASSERT_STRING_EQUAL(ev.sentiment, "positive");
	CU_ASSERT_STRING_EQUAL(ev.booking_status, "confirmed");
	CU_ASSERT_EQUAL(ev.is_test_call, 0);
	CU_ASSERT(ev.lead_score >= 0);
	ct_call_event_free(&ev);
}

static void
test_retell_scenarios(void)
{
	static const struct {
		const char *file, *status, *direction, *booking;
		long long duration;
		int test;
	} t[] = {
		{ "retell/booking-failed.3.call_analyzed.json", "completed",
		    "outbound", "attempted_failed", 19, 0 },
		{ "retell/no-booking.3.call_analyzed.json", "completed",
		    "inbound", "not_requested", 15, 0 },
		{ "retell/voicemail.3.call_analyzed.json", "voicemail",
		    "outbound", "not_requested", 11, 0 },
		{ "retell/outbound-no-answer.2.call_analyzed.json", "no-answer",
		    "outbound", "not_requested", 0, 0 },
		{ "retell/webcall-test.2.call_ended.json", "completed", "web",
		    "not_requested", 10, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ct_call_event ev = map_file(t[i].file);
		const char *status = ev.answered ? ev.status_answered :
		    ev.status_unanswered;

		CU_ASSERT_STRING_EQUAL(status, t[i].status);
		CU_ASSERT_STRING_EQUAL(ev.direction, t[i].direction);
		CU_ASSERT_STRING_EQUAL(ev.booking_status, t[i].booking);
		CU_ASSERT_EQUAL(ev.duration_seconds, t[i].duration);
		CU_ASSERT_EQUAL(ev.is_test_call, t[i].test);
		ct_call_event_free(&ev);
	}
}

/* Agent, custom analysis, call_successful, product costs in cents. */
static void
test_retell_agents_analysis(void)
{
	struct ct_call_event ev =
	    map_file("retell/analysis-costs.3.call_analyzed.json");

	ASSERT_STR_EQ(ev.agent_id, "agent_7e1a3c5b9d2f4a6c8e0b1d3f5a");
	ASSERT_STR_EQ(ev.agent_name, "Harbor Auto Care Outbound");
	CU_ASSERT_STRING_EQUAL(ev.agent_version, "3");
	ASSERT_STR_EQ(ev.analysis, "{\"appointment_booked\":true,\"service\":"
	    "\"brake inspection\",\"urgency\":\"high\",\"callback_requested\":false}");
	CU_ASSERT_EQUAL(ev.success, 0);
	CU_ASSERT_STRING_EQUAL(ev.success_raw, "false");
	ASSERT_STR_EQ(ev.cost_breakdown, "{\"transport\":0.014000,\"stt\":0.000000,"
	    "\"llm\":0.007896,\"tts\":0.033840,\"platform\":0.014664,"
	    "\"other\":0.000000}");
	ct_call_event_free(&ev);
}

/* not_connected: no start, whatever a timestamp says; transfers applied
 * and marked; chat events recorded under the chat's id. */
static void
test_retell_today(void)
{
	static const char nc[] = "{\"event\":\"call_ended\",\"call\":{\"call_id\":"
	    "\"nc-1\",\"call_status\":\"not_connected\",\"start_timestamp\":"
	    "1767830565300,\"end_timestamp\":1767830566300,\"disconnection_reason\":"
	    "\"dial_no_answer\"}}";
	static const char chat[] = "{\"event\":\"chat_ended\",\"chat\":{\"chat_id\":"
	    "\"chat_1\"}}";
	static const char nochat[] = "{\"event\":\"chat_ended\",\"chat\":{}}";
	struct ct_call_event ev;

	CU_ASSERT_EQUAL(ct_retell_map(nc, strlen(nc), &ctx, &ev), CT_OK);
	CU_ASSERT_STRING_EQUAL(ev.started_at, "");
	CU_ASSERT_EQUAL(ev.answered, 0);
	ASSERT_STR_EQ(ev.status_unanswered, "no-answer");
	CU_ASSERT_EQUAL(ev.duration_seconds, 0);
	ct_call_event_free(&ev);
	ev = map_file("retell/not-connected.1.call_ended.json");
	ASSERT_STR_EQ(ev.status_unanswered, "failed");
	ct_call_event_free(&ev);
	ev = map_file("retell/transfer.3.transfer_bridged.json");
	CU_ASSERT_EQUAL(ev.mode, CT_EVENT_APPLY);
	CU_ASSERT_EQUAL(ev.transferred, 1);
	CU_ASSERT_EQUAL(ev.sequence, 1);
	ASSERT_STR_EQ(ev.status_answered, "in-progress");
	ASSERT_STR_EQ(ev.transfer_destination, "+14155550199");
	ct_call_event_free(&ev);
	ev = map_file("retell/transfer.2.transfer_started.json");
	CU_ASSERT_EQUAL(ev.transferred, 0);
	ct_call_event_free(&ev);
	CU_ASSERT_EQUAL(ct_retell_map(chat, strlen(chat), &ctx, &ev), CT_OK);
	CU_ASSERT_EQUAL(ev.mode, CT_EVENT_RECORD);
	ASSERT_STR_EQ(ev.provider_call_id, "chat_1");
	ct_call_event_free(&ev);
	CU_ASSERT_EQUAL(ct_retell_map(nochat, strlen(nochat), &ctx, &ev),
	    CT_ERR_MISSING_CALL_ID);
	ct_call_event_free(&ev);
}

static void
test_retell_started_and_others(void)
{
	struct ct_call_event ev =
	    map_file("retell/booking-succeeded.1.call_started.json");
	const char *tu = "{\"event\":\"transcript_updated\",\"call\":"
	    "{\"call_id\":\"c1\"}}";

	CU_ASSERT_STRING_EQUAL(ev.status_answered, "in-progress");
	CU_ASSERT_EQUAL(ev.sequence, 1);
	CU_ASSERT_PTR_NULL(ev.booking_status);	/* not known yet */
	ct_call_event_free(&ev);
	CU_ASSERT_EQUAL(ct_retell_map(tu, strlen(tu), &ctx, &ev), CT_OK);
	CU_ASSERT_EQUAL(ev.mode, CT_EVENT_RECORD);
	ct_call_event_free(&ev);
}

static void
test_retell_edges(void)
{
	static const struct { const char *body; enum ct_err want; } t[] = {
		{ "{}", CT_ERR_MALFORMED_BODY },
		{ "{\"event\":\"call_ended\"}", CT_ERR_MALFORMED_BODY },
		{ "{\"event\":\"call_ended\",\"call\":[]}", CT_ERR_MALFORMED_BODY },
		{ "{\"event\":\"call_ended\",\"call\":{}}", CT_ERR_MISSING_CALL_ID },
		{ "{\"event\":\"call_ended\",\"call\":{\"call_id\":7}}", CT_ERR_MISSING_CALL_ID },
		{ "{\"event\":\"call_ended\",\"call\":{\"call_id\":\"x\","
		  "\"start_timestamp\":\"soon\",\"call_cost\":{\"combined_cost\":null},"
		  "\"disconnection_reason\":null,\"transcript_with_tool_calls\":{}}}", CT_OK },
	};
	struct ct_call_event ev, a, b;
	const char *x = "{\"event\":\"call_ended\",\"call\":{\"call_id\":\"k\","
	    "\"recording_url\":\"https://a/1?sig=1\"}}";
	const char *y = "{\"event\":\"call_ended\",\"call\":{\"call_id\":\"k\","
	    "\"recording_url\":\"https://a/1?sig=2\"}}";
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL(ct_retell_map(t[i].body, strlen(t[i].body), &ctx,
		    &ev), t[i].want);
		ct_call_event_free(&ev);
	}
	/* (call_id, event) is the identity, whatever a retry changes. */
	CU_ASSERT_EQUAL(ct_retell_map(x, strlen(x), &ctx, &a), CT_OK);
	CU_ASSERT_EQUAL(ct_retell_map(y, strlen(y), &ctx, &b), CT_OK);
	CU_ASSERT_STRING_EQUAL(a.dedup_key, b.dedup_key);
	/* An unknown reason, never connected: failed; connected: completed. */
	CU_ASSERT_STRING_EQUAL(a.status_unanswered, "failed");
	CU_ASSERT_STRING_EQUAL(a.status_answered, "completed");
	ct_call_event_free(&a);
	ct_call_event_free(&b);
}

/* A NUL in the call id or the event refuses the body, naming the field;
 * in free text the field is dropped. */
static void
test_retell_nul(void)
{
	static const struct {
		const char	*body;
		enum ct_err	 want;
		const char	*field;
	} t[] = {
		{ "{\"event\":\"call_started\",\"call\":{\"call_id\":\"\\u0000x\"}}",
		    CT_ERR_MALFORMED_BODY, "call.call_id" },
		{ "{\"event\":\"call_started\",\"call\":{\"call_id\":\"a\\u0000b\"}}",
		    CT_ERR_MALFORMED_BODY, "call.call_id" },
		{ "{\"event\":\"call_started\\u0000\",\"call\":{\"call_id\":\"a\"}}",
		    CT_ERR_MALFORMED_BODY, "event" },
		{ "{\"event\":\"\\u0000\",\"call\":{\"call_id\":\"a\"}}",
		    CT_ERR_MALFORMED_BODY, "event" },
		{ "{\"event\":\"call_ended\",\"call\":{\"call_id\":\"a\","
		    "\"transcript\":\"Agent: hi\\u0000\",\"metadata\":{\"k\":"
		    "\"\\u0000\"},\"retell_llm_dynamic_variables\":{\"customer_name\":"
		    "\"Bo\\u0000b\"}}}", CT_OK, NULL },
	};
	struct ct_call_event ev;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL(ct_retell_map(t[i].body, strlen(t[i].body), &ctx,
		    &ev), t[i].want);
		if (t[i].field == NULL) {
			CU_ASSERT_PTR_NULL(ev.bad_field);
			CU_ASSERT_STRING_EQUAL(ev.provider_call_id, "a");
			CU_ASSERT_PTR_NULL(ev.transcript);
			CU_ASSERT_PTR_NULL(ev.metadata);
			CU_ASSERT_PTR_NULL(ev.customer_name);
		} else {
			CU_ASSERT_PTR_NOT_NULL(ev.bad_field);
			if (ev.bad_field != NULL)
				CU_ASSERT_STRING_EQUAL(ev.bad_field, t[i].field);
		}
		ct_call_event_free(&ev);
	}
}

/* The Twilio call of a call over Twilio: telephony_identifier's
 * twilio_call_sid (providers.md §2.2, §8), on every lifecycle event. */
static void
test_retell_twilio_leg(void)
{
	static const struct { const char *ident, *sid; int noted; } t[] = {
		{ "{\"twilio_call_sid\":\"CA0123456789abcdef0123456789abcdef\"}",
		    "CA0123456789abcdef0123456789abcdef", 0 },
		{ "{}", NULL, 0 },
		{ "null", NULL, 0 },
		{ "{\"twilio_call_sid\":\"\"}", NULL, 0 },
		{ "{\"twilio_call_sid\":\"CA012345\"}", NULL, 1 },
		{ "{\"twilio_call_sid\":\"SIP-8f2a\"}", NULL, 1 },
		{ "{\"twilio_call_sid\":7}", NULL, 0 },
	};
	char body[512];
	struct ct_call_event ev;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(body, sizeof(body), "{\"event\":\"call_started\","
		    "\"call\":{\"call_id\":\"call_leg%zu\",\"call_type\":"
		    "\"phone_call\",\"direction\":\"inbound\",\"call_status\":"
		    "\"ongoing\",\"telephony_identifier\":%s}}", i, t[i].ident);
		CU_ASSERT_EQUAL_FATAL(ct_retell_map(body, strlen(body), &ctx,
		    &ev), CT_OK);
		if (t[i].sid != NULL) {
			ASSERT_STR_EQ(ev.linked_call_sid, t[i].sid);
		} else {
			CU_ASSERT_PTR_NULL(ev.linked_call_sid);
		}
		CU_ASSERT_EQUAL(ev.note != NULL, t[i].noted);
		ct_call_event_free(&ev);
	}
	/* A call_ended and a call_analyzed name it as call_started does; a
	 * note of the analysis is kept over the link's. */
	ev = map_file("retell/legs-retell-agent-first.5.call_ended.json");
	ASSERT_STR_EQ(ev.linked_call_sid, "CA3c1e5a7b9d0f2e4a6c8b0d2f4e6a8c04");
	ct_call_event_free(&ev);
	ev = map_file("retell/legs-retell-agent-first.1.call_started.json");
	CU_ASSERT_PTR_NULL(ev.linked_call_sid);
	ct_call_event_free(&ev);
	ev = map_file("retell/session-after.3.call_analyzed.json");
	ASSERT_STR_EQ(ev.linked_call_sid, "CA3c1e5a7b9d0f2e4a6c8b0d2f4e6a8c06");
	CU_ASSERT_PTR_NULL(ev.note);
	ct_call_event_free(&ev);
}

int
suite_retell(void)
{
	static const struct test_case t[] = {
		{ "Retell call_analyzed in full", test_retell_analyzed },
		{ "Retell final events of every scenario", test_retell_scenarios },
		{ "Retell call_started and other events", test_retell_started_and_others },
		{ "Retell agent, custom analysis, success, product costs", test_retell_agents_analysis },
		{ "Retell not_connected, transfers, chat events", test_retell_today },
		{ "Retell malformed bodies and dedup keys", test_retell_edges },
		{ "Retell NUL in ids refused, in free text dropped",
		    test_retell_nul },
		{ "Retell names its Twilio call (telephony_identifier)",
		    test_retell_twilio_leg },
		{ NULL, NULL } };
	return add_suite("retell", t);
}
