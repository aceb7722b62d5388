/*
 * test_vapi.c: the pure parts of turning a callback into a call event:
 * end-code tables and shapes, booking, the lead score, times, and the Vapi
 * mapping over every fixture.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/booking.h"
#include "ingest/event.h"
#include "core/json.h"
#include "ingest/lead.h"
#include "ingest/reason.h"
#include "suites.h"
#include "ingest/vapi.h"

static const char *const tools[] = { "book_appointment", "book_service" };
static const struct ct_map_ctx ctx = { "US", tools, 2 };

/* ---- reasons ---- */

/* Every row of the data file maps to what the file says. */
static void
check_table(const char *rel, const struct ct_reason *table, size_t n)
{
	size_t len, rows = 0;
	char *data = fixture_read(rel, &len), *line, *save = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	line = strtok_r(data, "\n", &save);		/* header */
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		char *f[7] = { 0 }, *p = line;
		const struct ct_reason *r;
		int i;

		for (i = 0; i < 7 && p != NULL; i++) {
			f[i] = p;
			if ((p = strchr(p, '\t')) != NULL)
				*p++ = '\0';
		}
		r = ct_reason_find(table, n, f[0]);
		CU_ASSERT_PTR_NOT_NULL(r);
		if (r == NULL)
			continue;
		rows++;
		if (strcmp(f[2], "canceled if never connected, else completed") == 0) {
			CU_ASSERT_STRING_EQUAL(r->status_unanswered, "canceled");
			CU_ASSERT_STRING_EQUAL(r->status_answered, "completed");
		} else {
			CU_ASSERT_STRING_EQUAL(r->status_answered, f[2]);
			CU_ASSERT_STRING_EQUAL(r->status_unanswered, f[2]);
		}
		if (f[3][0] == '\0') {
			CU_ASSERT_PTR_NULL(r->end_call_reason);
		} else {
			CU_ASSERT_STRING_EQUAL(r->end_call_reason, f[3]);
		}
	}
	CU_ASSERT_EQUAL(rows, n);
	free(data);
}

static void
test_reason_tables(void)
{
	CU_ASSERT_EQUAL(ct_vapi_reasons_n, 673);
	check_table("reference/vapi-ended-reasons.tsv", ct_vapi_reasons,
	    ct_vapi_reasons_n);
	check_table("reference/retell-disconnection-reasons.tsv",
	    ct_retell_reasons, ct_retell_reasons_n);
	CU_ASSERT_PTR_NULL(ct_reason_find(ct_vapi_reasons, ct_vapi_reasons_n,
	    "no-such-code"));
}

static void
test_reason_shapes(void)
{
	static const struct { const char *code, *answered, *unanswered, *why; } t[] = {
		{ "pipeline-error-new-vendor-500", "failed", "failed", "error" },
		{ "vapifault-something-new", "failed", "failed", "error" },
		{ "call.start.failed-x", "failed", "failed", "error" },
		{ "new-voicemail-detector", "voicemail", "voicemail", "voicemail" },
		{ "line-busy-2", "busy", "busy", "busy" },
		{ "customer-did-not-answer-again", "no-answer", "no-answer", "no_answer" },
		{ "dial_no_answer_v2", "no-answer", "no-answer", "no_answer" },
		{ "cancelled-by-user", "canceled", "canceled", "canceled" },
		{ "assistant-forwarded-call-v2", "completed", "completed", "transfer" },
		{ "warm_transfer_done", "completed", "completed", "transfer" },
		{ "hangup", "completed", "failed", NULL },
		{ "", "completed", "failed", NULL },
	};
	struct ct_reason r;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ct_reason_map(ct_vapi_reasons, ct_vapi_reasons_n, t[i].code, &r);
		CU_ASSERT_STRING_EQUAL(r.status_answered, t[i].answered);
		CU_ASSERT_STRING_EQUAL(r.status_unanswered, t[i].unanswered);
		if (t[i].why == NULL) {
			CU_ASSERT_PTR_NULL(r.end_call_reason);
		} else {
			CU_ASSERT_STRING_EQUAL(r.end_call_reason, t[i].why);
		}
	}
	/* "error" wins over "voicemail": first match. */
	ct_reason_map(ct_vapi_reasons, ct_vapi_reasons_n, "voicemail-error", &r);
	CU_ASSERT_STRING_EQUAL(r.status_answered, "failed");
}

/* ---- booking ---- */

static void
test_booking_results(void)
{
	static const struct { const char *content; int successful, ok; } t[] = {
		{ "{\"success\":true,\"id\":\"X\"}", -1, 1 },
		{ "{\"success\":false,\"error\":\"full\"}", -1, 0 },
		{ "{\"ok\":false}", -1, 0 },
		{ "{\"ok\":\"false\"}", -1, 0 },
		{ "{\"error\":\"no slot\"}", -1, 0 },
		{ "{\"error\":\"\"}", -1, 1 },
		{ "{\"error\":null}", -1, 1 },
		{ "{\"status\":\"FAILED\"}", -1, 0 },
		{ "{\"status\":\"confirmed\"}", -1, 1 },
		{ "Error: calendar unavailable", -1, 0 },
		{ "  error 500", -1, 0 },
		{ "Booked for Tuesday 10:00", -1, 1 },
		{ "{\"success\":true}", 0, 0 },		/* successful:false wins */
		{ NULL, -1, 0 },			/* no result at all */
		{ "{not json", -1, 1 },			/* plain text, no error */
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CU_ASSERT_EQUAL(ct_booking_result_ok(t[i].content,
		    t[i].successful), t[i].ok);
}

static void
test_booking_tristate(void)
{
	struct ct_booking b = { 0, 0, NULL, 0 };

	CU_ASSERT_STRING_EQUAL(ct_booking_status(&b), "not_requested");
	ct_booking_add(&b, "book_appointment", "t1", "{\"success\":false}", -1);
	CU_ASSERT_STRING_EQUAL(ct_booking_status(&b), "attempted_failed");
	CU_ASSERT_PTR_NOT_NULL(strstr(b.evidence, "\"t1\""));
	ct_booking_add(&b, "book_appointment", "t2", "{\"success\":true}", -1);
	CU_ASSERT_STRING_EQUAL(ct_booking_status(&b), "confirmed");
	CU_ASSERT_PTR_NOT_NULL(strstr(b.evidence, "\"t2\""));
	/* A later failure does not take the evidence from the success. */
	ct_booking_add(&b, "book_appointment", "t3", "error", -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.evidence, "\"t2\""));
	ct_booking_free(&b);
	CU_ASSERT_TRUE(ct_booking_is_tool("book_service", tools, 2));
	CU_ASSERT_FALSE(ct_booking_is_tool("get_business_hours", tools, 2));
	CU_ASSERT_FALSE(ct_booking_is_tool(NULL, tools, 2));
}

static void
test_booking_evidence_utf8(void)
{
	struct ct_booking b = { 0, 0, NULL, 0 };
	char big[1200];
	size_t i;

	/* 'é' is two bytes: a cut at 500 must not split one. */
	big[0] = 'x';
	for (i = 1; i + 1 < sizeof(big) - 1; i += 2) {
		big[i] = '\xc3';
		big[i + 1] = '\xa9';
	}
	big[i] = '\0';
	ct_booking_add(&b, "book_appointment", "t1", big, -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b.evidence);
	CU_ASSERT_TRUE(ct_utf8_valid(b.evidence, strlen(b.evidence)));
	ct_booking_free(&b);
}

/* ---- lead ---- */

static void
test_lead_score(void)
{
	struct ct_lead l;
	char *arr;

	ct_lead_score(NULL, NULL, NULL, -1, NULL, &l);
	CU_ASSERT_EQUAL(l.score, 0);
	CU_ASSERT_EQUAL(l.n, 0);
	ct_lead_score("User: I'd like to book an appointment. How much is it? "
	    "Is Tuesday available? I'm interested.", NULL, "positive", 200,
	    "confirmed", &l);
	CU_ASSERT_EQUAL(l.score, 40 + 20 + 15 + 20);
	ct_lead_score(NULL, "Caller was angry.", "negative", 10,
	    "not_requested", &l);
	CU_ASSERT_EQUAL(l.score, 0);		/* clamped */
	ct_lead_score(NULL, "wants to BOOK", "neutral", 61, "attempted_failed",
	    &l);
	CU_ASSERT_EQUAL(l.score, 30 + 5 + 10 + 5);
	CU_ASSERT_STRING_EQUAL(l.reasons[0], "tried to book");
	arr = ct_lead_reasons_array(&l);
	CU_ASSERT_STRING_EQUAL(arr, "{\"tried to book\",\"engaged call\","
	    "\"asked to book\"}");
	free(arr);
	/* Deterministic. */
	ct_lead_score("x", "y", "positive", 100, "confirmed", &l);
	CU_ASSERT_EQUAL(l.score, 70);
}

/*
 * The intents a naive scan finds: the text lower-cased whole, then
 * strstr for each phrase (lead.h's list, written out again here).
 */
static int
naive_intents(const char *text, const char *const *phrases)
{
	char *low;
	size_t i;
	int hit = 0;

	if (text == NULL)
		return 0;
	low = strdup(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(low);
	for (i = 0; low[i] != '\0'; i++)
		if (low[i] >= 'A' && low[i] <= 'Z')
			low[i] = (char)(low[i] - 'A' + 'a');
	for (; *phrases != NULL && !hit; phrases++)
		hit = strstr(low, *phrases) != NULL;
	free(low);
	return hit;
}

/* The one-pass scan finds the intents the naive scan finds, over random
 * texts made of the phrases' own letters, cut and mixed in case. */
static void
test_lead_scan(void)
{
	static const char *const intents[][5] = {
		{ "book", "appointment", "schedule", NULL },
		{ "price", "cost", "quote", "how much", NULL },
		{ "available", "availability", "opening", NULL },
		{ "interested", "sign up", "new patient", "new customer", NULL },
	};
	static const char *const why[] = { "asked to book",
	    "asked about price", "asked about availability",
	    "said they are interested" };
	static const char *const bits[] = { "Book", "APPOINT", "ment",
	    "sched", "ule", "PRICE", "co", "st", "quote", "how ", "much",
	    "Availab", "le", "ility", "open", "ing", "interest", "ed",
	    "sign", " up", "new ", "patient", "customer", "x", " ", "é" };
	unsigned seed = 20261202;
	int round;

	for (round = 0; round < 3000; round++) {
		char summary[64] = "", text[256] = "";
		struct ct_lead l;
		size_t i, k, want = 0;
		int n;

		for (n = (int)(rand_r(&seed) % 12); n > 0; n--)
			strcat(text, bits[rand_r(&seed) % (sizeof(bits) /
			    sizeof(bits[0]))]);
		for (n = (int)(rand_r(&seed) % 3); n > 0; n--)
			strcat(summary, bits[rand_r(&seed) % (sizeof(bits) /
			    sizeof(bits[0]))]);
		ct_lead_score(text, round % 2 ? summary : NULL, NULL, -1, NULL,
		    &l);
		for (i = 0, k = 0; i < 4; i++) {
			if (!naive_intents(text, intents[i]) &&
			    !naive_intents(round % 2 ? summary : NULL,
			    intents[i]))
				continue;
			want++;
			if (k < l.n && strcmp(l.reasons[k], why[i]) == 0)
				k++;
		}
		CU_ASSERT_EQUAL(l.score, (int)(5 * want));
		CU_ASSERT_EQUAL(l.n, want);
		CU_ASSERT_EQUAL(k, want);	/* the same intents, in order */
	}
}

/* ---- time ---- */

static void
test_times(void)
{
	static const struct { const char *in; int ok; long long ms; } t[] = {
		{ "2026-01-06T17:02:12.950Z", 1, 1767718932950LL },
		{ "2026-01-06T17:02:12Z", 1, 1767718932000LL },
		{ "2026-01-06T17:02:12", 1, 1767718932000LL },
		{ "2026-01-06T19:02:12.5+02:00", 1, 1767718932500LL },
		{ "2026-01-06T12:02:12-0500", 1, 1767718932000LL },
		{ "2026-01-06 17:02:12Z", 1, 1767718932000LL },
		{ "2026-13-06T17:02:12Z", 0, -1 },
		{ "2026-01-06T17:02", 0, -1 },
		{ "yesterday", 0, -1 },
		{ "2026-01-06T17:02:12.Z", 0, -1 },
		{ "2026-01-06T17:02:12Zjunk", 0, -1 },
		{ "", 0, -1 },
	};
	char out[CT_TIME_MAX];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL(ct_time_iso(t[i].in, out), t[i].ok);
		CU_ASSERT_EQUAL(ct_time_epoch_ms(t[i].in), t[i].ms);
	}
	CU_ASSERT_EQUAL(ct_time_iso(NULL, out), 0);
	CU_ASSERT_TRUE(ct_time_from_ms(1767718932950LL, out));
	CU_ASSERT_STRING_EQUAL(out, "2026-01-06T17:02:12.950Z");
	CU_ASSERT_FALSE(ct_time_from_ms(-1, out));
}

/* Calendar-exact: every field within the calendar and the clock, leap
 * years and leap seconds included; what PostgreSQL would refuse is refused
 * here, before any SQL. */
static void
test_times_calendar(void)
{
	static const struct { const char *in; int ok; long long ms; } t[] = {
		/* Days the month has, leap years by the Gregorian rule. */
		{ "2026-01-31T00:00:00Z", 1, 1769817600000LL },
		{ "2026-01-32T00:00:00Z", 0, -1 },
		{ "2026-01-99T00:00:00Z", 0, -1 },
		{ "2026-01-00T00:00:00Z", 0, -1 },
		{ "2026-02-28T12:00:00Z", 1, 1772280000000LL },
		{ "2026-02-29T12:00:00Z", 0, -1 },
		{ "2026-02-30T00:00:00Z", 0, -1 },
		{ "2024-02-29T00:00:00Z", 1, 1709164800000LL },
		{ "2025-02-29T00:00:00Z", 0, -1 },
		{ "2000-02-29T00:00:00Z", 1, 951782400000LL },	/* ÷400 */
		{ "1900-02-29T00:00:00Z", 0, -1 },		/* ÷100 */
		{ "2026-04-31T00:00:00Z", 0, -1 },
		{ "2026-04-30T23:59:59Z", 1, 1777593599000LL },
		{ "2026-00-10T00:00:00Z", 0, -1 },
		{ "2026-13-01T00:00:00Z", 0, -1 },
		{ "0000-01-01T00:00:00Z", 0, -1 },		/* no year 0 */
		/* The clock. */
		{ "2026-01-06T23:59:59Z", 1, 1767743999000LL },
		{ "2026-01-06T24:00:00Z", 0, -1 },
		{ "2026-01-06T30:00:00Z", 0, -1 },
		{ "2026-01-06T12:60:00Z", 0, -1 },
		{ "2026-01-06T12:00:61Z", 0, -1 },
		{ "2026-01-06T12:00:99Z", 0, -1 },
		/* Second 60 only as a leap second: 23:59:60 UTC at a
		 * month's end, read as the next day's first second. */
		{ "2016-12-31T23:59:60Z", 1, 1483228800000LL },
		{ "2016-12-31T18:59:60-05:00", 1, 1483228800000LL },
		{ "2015-06-30T23:59:60.5Z", 1, 1435708800500LL },
		{ "2026-01-06T12:00:60Z", 0, -1 },
		{ "2016-12-30T23:59:60Z", 0, -1 },
		{ "2016-12-31T23:59:60+01:00", 0, -1 },
		/* Offsets: at most 14 hours, minutes below 60. */
		{ "2026-01-06T17:02:12+14:00", 1, 1767668532000LL },
		{ "2026-01-06T17:02:12-14:00", 1, 1767769332000LL },
		{ "2026-01-06T17:02:12+1400", 1, 1767668532000LL },
		{ "2026-01-06T17:02:12+14:01", 0, -1 },
		{ "2026-01-06T17:02:12-15:00", 0, -1 },
		{ "2026-01-06T17:02:12+99:00", 0, -1 },
		{ "2026-01-06T17:02:12+05:60", 0, -1 },
		{ "2026-01-06T17:02:12+0560", 0, -1 },
		{ "2026-01-06T17:02:12+05:3", 0, -1 },
		/* Fractions of 1 to 9 digits. */
		{ "2026-01-06T17:02:12.123456789Z", 1, 1767718932123LL },
		{ "2026-01-06T17:02:12.1234567890Z", 0, -1 },
	};
	char out[CT_TIME_MAX];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (ct_time_iso(t[i].in, out) != t[i].ok)
			fprintf(stderr, "ct_time_iso(%s) is not %d\n", t[i].in,
			    t[i].ok);
		CU_ASSERT_EQUAL(ct_time_iso(t[i].in, out), t[i].ok);
		CU_ASSERT_EQUAL(ct_time_epoch_ms(t[i].in), t[i].ms);
		if (t[i].ok) {
			CU_ASSERT_STRING_EQUAL(out, t[i].in);
		} else {
			CU_ASSERT_STRING_EQUAL(out, "");
		}
	}
}

/* Dates alone: the same calendar. */
static void
test_dates_calendar(void)
{
	static const struct { const char *in; int ok; } t[] = {
		{ "2026-01-31", 1 }, { "2026-01-99", 0 }, { "2026-02-30", 0 },
		{ "2025-02-29", 0 }, { "2024-02-29", 1 }, { "2000-02-29", 1 },
		{ "2100-02-29", 0 }, { "2026-13-01", 0 }, { "2026-00-01", 0 },
		{ "2026-12-00", 0 }, { "0000-06-01", 0 }, { "9999-12-31", 1 },
		{ "2026-1-01", 0 }, { "2026-01-011", 0 }, { "2026/01/01", 0 },
		{ "+026-01-01", 0 }, { "", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CU_ASSERT_EQUAL(ct_time_date(t[i].in), t[i].ok);
	CU_ASSERT_EQUAL(ct_time_date(NULL), 0);
}

/* ---- the Vapi mapping ---- */

static struct ct_call_event
map_file(const char *rel, enum ct_err want)
{
	struct ct_call_event ev;
	size_t len;
	char *body = fixture_read(rel, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL(ct_vapi_map(body, len, &ctx, &ev), want);
	free(body);
	return ev;
}

static void
test_vapi_report(void)
{
	struct ct_call_event ev =
	    map_file("vapi/inbound-completed.6.end-of-call-report.json", CT_OK);

	CU_ASSERT_EQUAL(ev.mode, CT_EVENT_APPLY);
	CU_ASSERT_STRING_EQUAL(ev.provider_call_id,
	    "019b94d2-6a1f-7c3e-9b2d-4f8a1e6c0d21");
	CU_ASSERT_STRING_EQUAL(ev.status_answered, "completed");
	CU_ASSERT_STRING_EQUAL(ev.ended_reason, "customer-ended-call");
	CU_ASSERT_STRING_EQUAL(ev.end_call_reason, "customer_hangup");
	CU_ASSERT_STRING_EQUAL(ev.direction, "inbound");
	CU_ASSERT_STRING_EQUAL(ev.phone_number, "+14155550123");
	CU_ASSERT_STRING_EQUAL(ev.agent_number, "+14155550100");
	CU_ASSERT_STRING_EQUAL(ev.customer_name, "Maria Gonzalez");
	CU_ASSERT_EQUAL(ev.is_test_call, 0);
	CU_ASSERT_STRING_EQUAL(ev.started_at, "2026-01-06T17:02:12.950Z");
	CU_ASSERT_EQUAL(ev.duration_seconds, 44);
	CU_ASSERT_STRING_EQUAL(ev.cost, "0.217300");
	CU_ASSERT_STRING_EQUAL(ev.sentiment, "positive");
	CU_ASSERT_STRING_EQUAL(ev.booking_status, "confirmed");
	CU_ASSERT_PTR_NOT_NULL(strstr(ev.booking_evidence, "BSD-88213"));
	CU_ASSERT(ev.lead_score >= 70);
	CU_ASSERT_EQUAL(ev.sequence, 6);
	CU_ASSERT_PTR_NOT_NULL(ev.transcript);
	CU_ASSERT_PTR_NOT_NULL(ev.summary);
	ct_call_event_free(&ev);
}

/* Today's report (providers.md §8): the assistant, the analysis in its
 * parts, the success on its rubric, typed costs, the stable recording. */
static void
test_vapi_agents_analysis(void)
{
	struct ct_call_event ev =
	    map_file("vapi/analysis-costs.end-of-call-report.json", CT_OK);
	json_object *a = NULL;

	ASSERT_STR_EQ(ev.agent_id, "6a2e9c41-7d3b-4f85-b0a6-1c9e4d2f8b57");
	ASSERT_STR_EQ(ev.agent_name, "Ava - Brightside Dental");
	CU_ASSERT_STRING_EQUAL(ev.agent_version, "v12");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev.analysis);
	CU_ASSERT_EQUAL(ct_json_parse(ev.analysis, strlen(ev.analysis), &a), CT_OK);
	ASSERT_STR_EQ(ct_json_path_str(a, "urgency"), "high");
	CU_ASSERT_TRUE(json_object_get_boolean(ct_json_path(a,
	    "scorecards.quality.passed")));
	CU_ASSERT_PTR_NOT_NULL(ct_json_path(a,
	    "structuredOutputs.5f0c2a9e-8b1d-4e7a-9c3f-1a2b3c4d5e6f.result"));
	json_object_put(a);
	/* "8" on a NumericScale rubric. */
	CU_ASSERT_EQUAL(ev.success, 1);
	CU_ASSERT_STRING_EQUAL(ev.success_raw, "8");
	ASSERT_STR_EQ(ev.cost_breakdown, "{\"transport\":0.019600,\"stt\":0.017400,"
	    "\"llm\":0.023900,\"tts\":0.047800,\"platform\":0.108600,"
	    "\"other\":0.002000}");
	/* The stable URL, not the presigned one. */
	ASSERT_STR_EQ(ev.recording_url, "https://storage.vapi.ai/"
	    "019b9a10-4c2e-7f31-9d5a-2e8b4f6a1c73-mono.wav");
	CU_ASSERT_PTR_NULL(ev.note);
	ct_call_event_free(&ev);
	/* A websocket call is a web call, so a test call; hang is recorded. */
	ev = map_file("vapi/websocket-test.1.status-update.in-progress.json", CT_OK);
	CU_ASSERT_STRING_EQUAL(ev.direction, "web");
	CU_ASSERT_EQUAL(ev.is_test_call, 1);
	ct_call_event_free(&ev);
	ev = map_file("vapi/hang.2.hang.json", CT_OK);
	CU_ASSERT_EQUAL(ev.mode, CT_EVENT_RECORD);
	CU_ASSERT_PTR_NULL(ev.status_answered);
	ct_call_event_free(&ev);
}

static void
test_vapi_cost_breakdown_object(void)
{
	static const char body[] = "{\"message\":{\"type\":\"end-of-call-report\","
	    "\"call\":{\"id\":\"cb-1\"},\"costBreakdown\":{\"transport\":0.01,"
	    "\"stt\":0.02,\"llm\":0.03,\"tts\":0.04,\"vapi\":0.05,\"total\":0.15,"
	    "\"llmPromptTokens\":5120,\"analysisCostBreakdown\":{\"summary\":0.001}}}}";
	struct ct_call_event ev;

	CU_ASSERT_EQUAL(ct_vapi_map(body, strlen(body), &ctx, &ev), CT_OK);
	ASSERT_STR_EQ(ev.cost_breakdown, "{\"transport\":0.010000,\"stt\":0.020000,"
	    "\"llm\":0.030000,\"tts\":0.040000,\"platform\":0.050000,"
	    "\"other\":0.000000}");
	CU_ASSERT_PTR_NULL(ev.analysis);
	CU_ASSERT_EQUAL(ev.success, -1);
	ct_call_event_free(&ev);
}

static void
test_vapi_scenarios(void)
{
	static const struct {
		const char *file, *status, *direction, *booking;
		int test, answered;
	} t[] = {
		{ "vapi/outbound-no-answer.4.end-of-call-report.json", "no-answer",
		    "outbound", "not_requested", 0, 0 },
		{ "vapi/outbound-busy.2.end-of-call-report.json", "busy",
		    "outbound", "not_requested", 0, 0 },
		{ "vapi/webcall-test.2.end-of-call-report.json", "completed", "web",
		    "not_requested", 1, 1 },
		{ "vapi/outbound-test-metadata.2.end-of-call-report.json",
		    "completed", "outbound", "not_requested", 1, 1 },
		{ "vapi/outbound-voicemail.end-of-call-report.json", "voicemail",
		    "outbound", "not_requested", 0, 1 },
		{ "vapi/inbound-transferred.2.end-of-call-report.json", "completed",
		    "inbound", "not_requested", 0, 1 },
		{ "vapi/inbound-booking-failed.end-of-call-report.json", "completed",
		    "inbound", "attempted_failed", 0, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ct_call_event ev = map_file(t[i].file, CT_OK);

		CU_ASSERT_STRING_EQUAL(ev.status_answered, t[i].status);
		CU_ASSERT_STRING_EQUAL(ev.direction, t[i].direction);
		CU_ASSERT_STRING_EQUAL(ev.booking_status, t[i].booking);
		CU_ASSERT_EQUAL(ev.is_test_call, t[i].test);
		CU_ASSERT_EQUAL(ev.answered, t[i].answered);
		ct_call_event_free(&ev);
	}
}

static void
test_vapi_status_updates(void)
{
	static const struct { const char *file, *status; long long seq; int mode; } t[] = {
		{ "vapi/inbound-completed.1.status-update.queued.json", "queued", 1, CT_EVENT_APPLY },
		{ "vapi/inbound-completed.2.status-update.ringing.json", "ringing", 2, CT_EVENT_APPLY },
		{ "vapi/inbound-completed.3.status-update.in-progress.json", "in-progress", 3, CT_EVENT_APPLY },
		{ "vapi/inbound-completed.5.status-update.ended.json", "completed", 5, CT_EVENT_APPLY },
		{ "vapi/inbound-transferred.1.status-update.forwarding.json", "in-progress", 4, CT_EVENT_APPLY },
		{ "vapi/inbound-completed.4.speech-update.ignored.json", NULL, -1, CT_EVENT_RECORD },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ct_call_event ev = map_file(t[i].file, CT_OK);

		CU_ASSERT_EQUAL(ev.mode, t[i].mode);
		CU_ASSERT_EQUAL(ev.sequence, t[i].seq);
		if (t[i].status == NULL) {
			CU_ASSERT_PTR_NULL(ev.status_answered);
		} else {
			CU_ASSERT_STRING_EQUAL(ev.status_answered, t[i].status);
		}
		CU_ASSERT_EQUAL(strncmp(ev.dedup_key, "vapi:", 5), 0);
		CU_ASSERT_EQUAL(strlen(ev.dedup_key), 5 + 64);
		ct_call_event_free(&ev);
	}
}

static void
test_vapi_edges(void)
{
	static const struct { const char *body; enum ct_err want; } t[] = {
		{ "{}", CT_ERR_MALFORMED_BODY },
		{ "{\"message\":[]}", CT_ERR_MALFORMED_BODY },
		{ "{\"message\":{\"call\":{\"id\":\"x\"}}}", CT_ERR_MALFORMED_BODY },
		{ "{\"message\":{\"type\":\"status-update\"}}", CT_ERR_MISSING_CALL_ID },
		{ "{\"message\":{\"type\":\"status-update\",\"call\":{\"id\":5}}}", CT_ERR_MISSING_CALL_ID },
		{ "{\"message\":{\"type\":\"status-update\",\"call\":{\"id\":\"\"}}}", CT_ERR_MISSING_CALL_ID },
		{ "[1,2]", CT_ERR_MALFORMED_BODY },
		{ "{\"message\":{\"type\":\"status-update\",\"status\":\"not-found\",\"call\":{\"id\":\"x\"}}}", CT_OK },
	};
	struct ct_call_event ev;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL(ct_vapi_map(t[i].body, strlen(t[i].body), &ctx,
		    &ev), t[i].want);
		ct_call_event_free(&ev);
	}
	/* Same call, type, status and timestamp: the same key, whatever
	 * else differs (presigned URLs change on every retry). */
	{
		const char *a = "{\"message\":{\"type\":\"status-update\",\"status\":"
		    "\"ringing\",\"timestamp\":17,\"call\":{\"id\":\"k\"},\"u\":1}}";
		const char *b = "{\"message\":{\"type\":\"status-update\",\"status\":"
		    "\"ringing\",\"timestamp\":17,\"call\":{\"id\":\"k\"},\"u\":2}}";
		const char *c = "{\"message\":{\"type\":\"status-update\",\"status\":"
		    "\"ringing\",\"timestamp\":18,\"call\":{\"id\":\"k\"},\"u\":1}}";
		struct ct_call_event ea, eb, ec;

		CU_ASSERT_EQUAL(ct_vapi_map(a, strlen(a), &ctx, &ea), CT_OK);
		CU_ASSERT_EQUAL(ct_vapi_map(b, strlen(b), &ctx, &eb), CT_OK);
		CU_ASSERT_EQUAL(ct_vapi_map(c, strlen(c), &ctx, &ec), CT_OK);
		CU_ASSERT_STRING_EQUAL(ea.dedup_key, eb.dedup_key);
		CU_ASSERT_STRING_NOT_EQUAL(ea.dedup_key, ec.dedup_key);
		ct_call_event_free(&ea);
		ct_call_event_free(&eb);
		ct_call_event_free(&ec);
	}
}

/* One body, its mapping, the field its refusal names. */
struct nul_case {
	const char	*body;
	enum ct_err	 want;
	const char	*field;
};

/*
 * A NUL (\u0000) in what names the call or the delivery refuses the body
 * (400, naming the field): read as C strings, "a\u0000b" and "a\u0000c"
 * would be one call, and "\u0000x" no id at all.  In free text the field
 * is dropped, the call kept.
 */
static void
test_vapi_nul(void)
{
	static const struct nul_case t[] = {
		{ "{\"message\":{\"type\":\"status-update\",\"status\":\"queued\","
		    "\"call\":{\"id\":\"\\u0000x\"}}}", CT_ERR_MALFORMED_BODY,
		    "message.call.id" },
		{ "{\"message\":{\"type\":\"status-update\",\"status\":\"queued\","
		    "\"call\":{\"id\":\"a\\u0000b\"}}}", CT_ERR_MALFORMED_BODY,
		    "message.call.id" },
		{ "{\"message\":{\"type\":\"status-update\",\"status\":\"queued\","
		    "\"call\":{\"id\":\"a\\u0000c\"}}}", CT_ERR_MALFORMED_BODY,
		    "message.call.id" },
		{ "{\"message\":{\"type\":\"\\u0000\",\"call\":{\"id\":\"k\"}}}",
		    CT_ERR_MALFORMED_BODY, "message.type" },
		{ "{\"message\":{\"type\":\"end-of-call-report\\u0000x\","
		    "\"call\":{\"id\":\"k\"}}}", CT_ERR_MALFORMED_BODY,
		    "message.type" },
		{ "{\"message\":{\"type\":\"status-update\",\"status\":"
		    "\"ringing\\u0000x\",\"call\":{\"id\":\"k\"}}}",
		    CT_ERR_MALFORMED_BODY, "message.status" },
		{ "{\"message\":{\"type\":\"status-update\",\"status\":\"ringing\","
		    "\"timestamp\":\"17\\u00001\",\"call\":{\"id\":\"k\"}}}",
		    CT_ERR_MALFORMED_BODY, "message.timestamp" },
		/* A status of another type is not read: no key. */
		{ "{\"message\":{\"type\":\"transcript\",\"status\":\"a\\u0000\","
		    "\"call\":{\"id\":\"k\"}}}", CT_OK, NULL },
		/* A NUL in a name, a transcript, a summary: dropped. */
		{ "{\"message\":{\"type\":\"end-of-call-report\",\"endedReason\":"
		    "\"customer-ended-call\",\"artifact\":{\"transcript\":\"hi"
		    "\\u0000there\"},\"analysis\":{\"summary\":\"\\u0000\"},"
		    "\"call\":{\"id\":\"k\",\"metadata\":{\"n\":[\"x\\u0000\"]},"
		    "\"customer\":{\"name\":\"Ann\\u0000Lee\"}}}}", CT_OK, NULL },
	};
	struct ct_call_event ev;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL(ct_vapi_map(t[i].body, strlen(t[i].body), &ctx,
		    &ev), t[i].want);
		if (t[i].field == NULL) {
			CU_ASSERT_PTR_NULL(ev.bad_field);
		} else {
			CU_ASSERT_PTR_NOT_NULL(ev.bad_field);
			if (ev.bad_field != NULL)
				CU_ASSERT_STRING_EQUAL(ev.bad_field, t[i].field);
		}
		if (t[i].want == CT_OK && i == sizeof(t) / sizeof(t[0]) - 1) {
			CU_ASSERT_PTR_NULL(ev.customer_name);
			CU_ASSERT_PTR_NULL(ev.transcript);
			CU_ASSERT_PTR_NULL(ev.summary);
			CU_ASSERT_PTR_NULL(ev.metadata);
			CU_ASSERT_STRING_EQUAL(ev.provider_call_id, "k");
			CU_ASSERT_STRING_EQUAL(ev.status_answered, "completed");
		}
		ct_call_event_free(&ev);
	}
	/* Statuses too long for the key's buffer, differing only past it:
	 * two deliveries, not one. */
	{
		char a[1200], b[1200], st[601];
		struct ct_call_event ea, eb;

		memset(st, 'x', 600);
		st[600] = '\0';
		snprintf(a, sizeof(a), "{\"message\":{\"type\":\"status-update\","
		    "\"status\":\"%s1\",\"timestamp\":17,\"call\":{\"id\":"
		    "\"k\"}}}", st);
		snprintf(b, sizeof(b), "{\"message\":{\"type\":\"status-update\","
		    "\"status\":\"%s2\",\"timestamp\":17,\"call\":{\"id\":"
		    "\"k\"}}}", st);
		CU_ASSERT_EQUAL(ct_vapi_map(a, strlen(a), &ctx, &ea), CT_OK);
		CU_ASSERT_EQUAL(ct_vapi_map(b, strlen(b), &ctx, &eb), CT_OK);
		CU_ASSERT_STRING_NOT_EQUAL(ea.dedup_key, eb.dedup_key);
		ct_call_event_free(&ea);
		ct_call_event_free(&eb);
	}
}

/* The modules the mappings share, each a suite of its own (their cases
 * read provider payloads, so they live beside Vapi's). */
int
suite_reason(void)
{
	static const struct test_case t[] = {
		{ "every end code of both tables", test_reason_tables },
		{ "unknown codes by shape", test_reason_shapes },
		{ NULL, NULL } };
	return add_suite("reason", t);
}

int
suite_booking(void)
{
	static const struct test_case t[] = {
		{ "booking results", test_booking_results },
		{ "booking is tri-state with evidence", test_booking_tristate },
		{ "booking evidence stays UTF-8", test_booking_evidence_utf8 },
		{ NULL, NULL } };
	return add_suite("booking", t);
}

int
suite_lead(void)
{
	static const struct test_case t[] = {
		{ "lead score", test_lead_score },
		{ "lead score: one pass finds what a naive scan finds",
		    test_lead_scan },
		{ NULL, NULL } };
	return add_suite("lead", t);
}

/*
 * The Twilio call of a call Twilio carries (providers.md §1.5, §8):
 * call.transport.callSid, else the deprecated call.phoneCallProviderId;
 * another transport names none, and a CallSid that is not one is noted,
 * the call mapped all the same.
 */
static void
test_vapi_twilio_leg(void)
{
	static const struct { const char *call, *sid, *note; } t[] = {
		{ "\"transport\":{\"provider\":\"twilio\",\"callSid\":"
		    "\"CA0123456789abcdef0123456789abcdef\"}",
		    "CA0123456789abcdef0123456789abcdef", NULL },
		/* The newer one first, whatever the older says. */
		{ "\"phoneCallProvider\":\"twilio\",\"phoneCallProviderId\":"
		    "\"CAffffffffffffffffffffffffffffffff\",\"transport\":"
		    "{\"provider\":\"twilio\",\"callSid\":"
		    "\"CA0123456789abcdef0123456789abcdef\"}",
		    "CA0123456789abcdef0123456789abcdef", NULL },
		/* Before call.transport. */
		{ "\"phoneCallProvider\":\"twilio\",\"phoneCallProviderId\":"
		    "\"CAa2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7\"",
		    "CAa2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7", NULL },
		{ "\"transport\":{\"provider\":\"twilio\"},"
		    "\"phoneCallProvider\":\"twilio\",\"phoneCallProviderId\":"
		    "\"CAa2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7\"",
		    "CAa2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7", NULL },
		/* Not Twilio: a web call, Vapi's own SIP, Vonage. */
		{ "\"transport\":{\"provider\":\"daily\",\"callUrl\":"
		    "\"https://vapi.daily.co/x\"}", NULL, NULL },
		{ "\"transport\":{\"provider\":\"vapi.sip\",\"callSid\":"
		    "\"CA0123456789abcdef0123456789abcdef\"}", NULL, NULL },
		{ "\"transport\":{\"provider\":\"vapi.sip\"},"
		    "\"phoneCallProvider\":\"twilio\",\"phoneCallProviderId\":"
		    "\"CA0123456789abcdef0123456789abcdef\"", NULL, NULL },
		{ "\"phoneCallProvider\":\"vonage\",\"phoneCallProviderId\":"
		    "\"0f6e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b\"", NULL, NULL },
		{ "\"phoneCallProviderId\":\"CA0123456789abcdef0123456789abcdef\"",
		    NULL, NULL },
		/* Twilio, but no CallSid. */
		{ "\"transport\":{\"provider\":\"twilio\",\"callSid\":"
		    "\"CA1234\"}", NULL, "not a CallSid" },
		{ "\"transport\":{\"provider\":\"twilio\",\"callSid\":"
		    "\"CA0123456789ABCDEF0123456789ABCDEF\"}", NULL, "not a CallSid" },
		{ "\"phoneCallProvider\":\"twilio\",\"phoneCallProviderId\":"
		    "\"'; DROP TABLE calls; --\"", NULL, "not a CallSid" },
		{ "\"transport\":{\"provider\":\"twilio\",\"callSid\":42}",
		    NULL, NULL },
		{ "\"transport\":\"twilio\"", NULL, NULL },
	};
	char body[512];
	struct ct_call_event ev;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(body, sizeof(body), "{\"message\":{\"type\":"
		    "\"status-update\",\"status\":\"in-progress\",\"call\":"
		    "{\"id\":\"leg-%zu\",%s}}}", i, t[i].call);
		CU_ASSERT_EQUAL_FATAL(ct_vapi_map(body, strlen(body), &ctx, &ev),
		    CT_OK);
		CU_ASSERT_EQUAL(ev.mode, CT_EVENT_APPLY);
		CU_ASSERT_STRING_EQUAL(ev.status_answered, "in-progress");
		if (t[i].sid != NULL) {
			ASSERT_STR_EQ(ev.linked_call_sid, t[i].sid);
		} else {
			CU_ASSERT_PTR_NULL(ev.linked_call_sid);
		}
		if (t[i].note != NULL) {
			CU_ASSERT_PTR_NOT_NULL(ev.note != NULL ?
			    strstr(ev.note, t[i].note) : NULL);
		} else {
			CU_ASSERT_PTR_NULL(ev.note);
		}
		ct_call_event_free(&ev);
	}
	/* The fixtures: the report names the Twilio call as every
	 * status-update does; a web call names none. */
	ev = map_file("vapi/legs-vapi-twilio-first.5.end-of-call-report.json",
	    CT_OK);
	ASSERT_STR_EQ(ev.linked_call_sid, "CA3c1e5a7b9d0f2e4a6c8b0d2f4e6a8c01");
	ct_call_event_free(&ev);
	ev = map_file("vapi/inbound-completed.1.status-update.queued.json", CT_OK);
	ASSERT_STR_EQ(ev.linked_call_sid, "CA1f0e2d3c4b5a69788796a5b4c3d2e1f0");
	ct_call_event_free(&ev);
	ev = map_file("vapi/webcall-test.2.end-of-call-report.json", CT_OK);
	CU_ASSERT_PTR_NULL(ev.linked_call_sid);
	ct_call_event_free(&ev);
}

int
suite_vapi(void)
{
	static const struct test_case t[] = {
		{ "ISO 8601 times", test_times },
		{ "times are calendar-exact", test_times_calendar },
		{ "dates are calendar-exact", test_dates_calendar },
		{ "Vapi report of the full lifecycle", test_vapi_report },
		{ "Vapi assistant, analysis, success, costs, recording", test_vapi_agents_analysis },
		{ "Vapi costBreakdown read through the part table", test_vapi_cost_breakdown_object },
		{ "Vapi final reports of every scenario", test_vapi_scenarios },
		{ "Vapi status-updates and other types", test_vapi_status_updates },
		{ "Vapi malformed bodies and dedup keys", test_vapi_edges },
		{ "Vapi NUL in ids refused, in free text dropped", test_vapi_nul },
		{ "Vapi names its Twilio call (transport, phoneCallProviderId)",
		    test_vapi_twilio_leg },
		{ NULL, NULL } };
	return add_suite("vapi", t);
}
