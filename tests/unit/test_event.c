/*
 * test_event.c: the normalized call event's helpers (times, cost,
 * sentiment, duration, end codes) and the parameters of the one statement
 * a webhook sends; against the database, that statement applied: a mapped
 * event applied, then a duplicate, the call row it makes, a record-only
 * event, a parked one, and the database away.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/db.h"
#include "ingest/event.h"
#include "read/query.h"
#include "ingest/reason.h"
#include "suites.h"
#include "ingest/vapi.h"

/* ---- pure ---- */

static void
test_time_from_ms(void)
{
	static const struct { long long ms; int ok; const char *want; } t[] = {
		{ 0, 1, "1970-01-01T00:00:00.000Z" },
		{ 1, 1, "1970-01-01T00:00:00.001Z" },
		{ 999, 1, "1970-01-01T00:00:00.999Z" },
		{ 1767718932950LL, 1, "2026-01-06T17:02:12.950Z" },
		{ 951782400000LL, 1, "2000-02-29T00:00:00.000Z" },
		/* The last millisecond of 9999, and the bounds around. */
		{ 253402300799999LL, 1, "9999-12-31T23:59:59.999Z" },
		{ 253402300800000LL, 0, "" },
		{ -1, 0, "" },
		{ LLONG_MIN, 0, "" },
		{ LLONG_MAX, 0, "" },
	};
	char out[CT_TIME_MAX];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(out, 'x', sizeof(out));
		CU_ASSERT_EQUAL(ct_time_from_ms(t[i].ms, out), t[i].ok);
		ASSERT_STR_EQ(out, t[i].want);
		/* What it writes reads back to the same instant. */
		if (t[i].ok) {
			CU_ASSERT_EQUAL(ct_time_epoch_ms(out), t[i].ms);
		}
	}
}

static void
test_time_iso(void)
{
	static const struct { const char *in; int ok; long long ms; } t[] = {
		{ "2026-01-06T17:02:12.123456789Z", 1, 1767718932123LL },
		{ "2026-01-06T17:02:12.1234567890Z", 0, -1 },	/* 10 digits */
		{ "2026-01-06T22:32:12+05:30", 1, 1767718932000LL },
		{ "2026-01-06T22:32:12+0530", 1, 1767718932000LL },
		{ "2026-01-06T17:02:12z", 1, 1767718932000LL },
		{ "2026-01-06T17:02:12+05", 0, -1 },
		{ "2026-01-06T17:02:12+05:3", 0, -1 },
		{ "2026-01-06T30:02:12Z", 0, -1 },
		{ "2026-01-06T17:60:12Z", 0, -1 },
		{ "2026-01-06X17:02:12Z", 0, -1 },
		{ "2026/01/06T17:02:12Z", 0, -1 },
		{ "20260106T170212Z", 0, -1 },
		{ "2026-01-06T17:02:12.000000000+05:30xxxxxxxx", 0, -1 },
	};
	char out[CT_TIME_MAX];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL(ct_time_iso(t[i].in, out), t[i].ok);
		/* Accepted: copied as sent; refused: out is "". */
		ASSERT_STR_EQ(out, t[i].ok ? t[i].in : "");
		CU_ASSERT_EQUAL(ct_time_epoch_ms(t[i].in), t[i].ms);
	}
	CU_ASSERT_EQUAL(ct_time_epoch_ms(NULL), -1);
}

static void
test_event_set_cost(void)
{
	static const struct { double usd; int ok; const char *want; } t[] = {
		{ 0, 1, "0.000000" },
		{ 0.2173, 1, "0.217300" },
		{ 12.5, 1, "12.500000" },
		{ 0.0000004, 1, "0.000000" },
		{ 1e9, 1, "1000000000.000000" },
		{ 1e9 + 1, 0, NULL },
		{ -0.000001, 0, NULL },
		{ -1, 0, NULL },
		{ NAN, 0, NULL },
		{ INFINITY, 0, NULL },
		{ -INFINITY, 0, NULL },
	};
	struct ct_call_event ev;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ct_call_event_init(&ev);
		snprintf(ev.cost, sizeof(ev.cost), "before");
		CU_ASSERT_EQUAL(ct_event_set_cost(&ev, t[i].usd), t[i].ok);
		/* A refused cost leaves what was there. */
		ASSERT_STR_EQ(ev.cost, t[i].ok ? t[i].want : "before");
		ct_call_event_free(&ev);
	}
}

static void
test_event_sentiment(void)
{
	static const struct { const char *in, *want; } t[] = {
		{ "positive", "positive" },
		{ "Positive", "positive" },
		{ "NEGATIVE", "negative" },
		{ "Neutral", "neutral" },
		{ "Unknown", NULL },		/* Retell's */
		{ "mixed", NULL },
		{ "", NULL },
		{ "positive ", NULL },
		{ "pos", NULL },
		{ NULL, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *got = ct_event_sentiment(t[i].in);

		if (t[i].want == NULL) {
			CU_ASSERT_PTR_NULL(got);
		} else {
			ASSERT_STR_EQ(got, t[i].want);
		}
	}
}

static void
test_event_default_duration(void)
{
	static const struct {
		long long	 dur;
		const char	*start, *end;
		long long	 want;
	} t[] = {
		/* Known: kept, whatever the times say. */
		{ 44, "2026-01-06T17:02:12Z", "2026-01-06T17:12:12Z", 44 },
		{ 0, "", "", 0 },
		/* Never answered (no start): 0. */
		{ -1, "", "", 0 },
		{ -1, "", "2026-01-06T17:02:12Z", 0 },
		/* From the times, rounded to the nearest second. */
		{ -1, "2026-01-06T17:02:12.950Z", "2026-01-06T17:02:57.450Z", 45 },
		{ -1, "2026-01-06T17:02:12.950Z", "2026-01-06T17:02:57.449Z", 44 },
		{ -1, "2026-01-06T17:02:12Z", "2026-01-06T17:02:12Z", 0 },
		{ -1, "2026-01-06T17:02:12Z", "2026-01-06T18:02:12+01:00", 0 },
		{ -1, "2026-01-06T17:02:12Z", "2026-01-06T18:02:12Z", 3600 },
		/* An end before the start, or no end: still unknown. */
		{ -1, "2026-01-06T17:02:12Z", "2026-01-06T17:02:11Z", -1 },
		{ -1, "2026-01-06T17:02:12Z", "", -1 },
	};
	struct ct_call_event ev;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ct_call_event_init(&ev);
		ev.duration_seconds = t[i].dur;
		snprintf(ev.started_at, sizeof(ev.started_at), "%s", t[i].start);
		snprintf(ev.ended_at, sizeof(ev.ended_at), "%s", t[i].end);
		ct_event_default_duration(&ev);
		CU_ASSERT_EQUAL(ev.duration_seconds, t[i].want);
	}
}

static void
test_event_set_end(void)
{
	static const char retell_manual[] = "manual_stopped";
	static const struct {
		const struct ct_reason	*table;
		const size_t		*n;
		const char		*code;
		const char		*answered, *unanswered, *reason;
	} t[] = {
		{ ct_vapi_reasons, &ct_vapi_reasons_n, "customer-ended-call",
		    "completed", "completed", "customer_hangup" },
		{ ct_vapi_reasons, &ct_vapi_reasons_n, "assistant-forwarded-call",
		    "completed", "completed", "transfer" },
		{ ct_vapi_reasons, &ct_vapi_reasons_n, "customer-did-not-answer",
		    "no-answer", "no-answer", "no_answer" },
		{ ct_vapi_reasons, &ct_vapi_reasons_n, "customer-busy",
		    "busy", "busy", "busy" },
		{ ct_vapi_reasons, &ct_vapi_reasons_n, "silence-timed-out",
		    "completed", "completed", "timeout" },
		{ ct_vapi_reasons, &ct_vapi_reasons_n, "voicemail",
		    "voicemail", "voicemail", "voicemail" },
		/* What the answer decides: Retell's manual stop. */
		{ ct_retell_reasons, &ct_retell_reasons_n, retell_manual,
		    "completed", "canceled", "canceled" },
		/* Not in the table: by shape. */
		{ ct_vapi_reasons, &ct_vapi_reasons_n, "brand-new-upstream-error",
		    "failed", "failed", "error" },
		{ ct_vapi_reasons, &ct_vapi_reasons_n, "call-was-transferred-away",
		    "completed", "completed", "transfer" },
		{ ct_vapi_reasons, &ct_vapi_reasons_n, "something-new",
		    "completed", "failed", NULL },
		/* No table at all (Twilio): every code by shape. */
		{ NULL, NULL, "busy", "busy", "busy", "busy" },
		{ NULL, NULL, "no-answer", "no-answer", "no-answer", "no_answer" },
		{ NULL, NULL, "canceled", "canceled", "canceled", "canceled" },
		/* No code: answered or not decides, no reason asserted. */
		{ ct_vapi_reasons, &ct_vapi_reasons_n, NULL,
		    "completed", "failed", NULL },
	};
	struct ct_call_event ev;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ct_call_event_init(&ev);
		ct_event_set_end(&ev, t[i].table, t[i].n ? *t[i].n : 0,
		    t[i].code);
		/* The code is kept verbatim, as sent. */
		CU_ASSERT_PTR_EQUAL(ev.ended_reason, t[i].code);
		ASSERT_STR_EQ(ev.status_answered, t[i].answered);
		ASSERT_STR_EQ(ev.status_unanswered, t[i].unanswered);
		if (t[i].reason == NULL) {
			CU_ASSERT_PTR_NULL(ev.end_call_reason);
		} else {
			ASSERT_STR_EQ(ev.end_call_reason, t[i].reason);
		}
	}
}

/* The statement binds each named parameter once, "name => $i" for the
 * i-th, and every name is a distinct p_ name. */
static void
test_event_sql_arity(void)
{
	const char *sql = ct_event_apply_sql();
	char want[96];
	size_t i, j;

	CU_ASSERT_PTR_NOT_NULL_FATAL(strstr(sql, "ct_apply_event("));
	for (i = 0; i < CT_EVENT_NPARAMS; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(ct_event_param_names[i]);
		CU_ASSERT_EQUAL(strncmp(ct_event_param_names[i], "p_", 2), 0);
		snprintf(want, sizeof(want), "%s => $%zu%c",
		    ct_event_param_names[i], i + 1,
		    i + 1 < CT_EVENT_NPARAMS ? ',' : ')');
		CU_ASSERT_PTR_NOT_NULL(strstr(sql, want));
		for (j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(ct_event_param_names[i],
			    ct_event_param_names[j]);
	}
	CU_ASSERT_PTR_NULL(strchr(strchr(sql, ')') + 1, '$'));
}

/* A delivery of no body, no content type. */
static const struct ct_delivery empty_delivery = { "", 0, NULL, "", "unit" };

static const struct ct_integration params_in = {
	.id = "vapi-params", .org_id = "0b5d3f7e-1c2a-4e6b-9d8f-a1b2c3d4e5f6",
	.provider = CT_PROVIDER_RETELL,
};

/* Every parameter from every field of a full event. */
static void
test_event_params_full(void)
{
	static const char body[] = "{\"a\":1}\0tail";
	static const char *const want[CT_EVENT_NPARAMS] = {
		"vapi-params", "retell",
		"call-1", "call_ended", "call-1:ended", NULL /* body */,
		"application/json", "apply", NULL /* no error */, "completed",
		"canceled", "t", "6", "manual_stopped", "canceled", "outbound",
		"+14155550123", "(415) 555-0123", "+14155550100", "Maria Lopez",
		"f", "2026-01-06T17:02:12.950Z", "2026-01-06T17:02:57.450Z",
		"45", "0.217300", "https://example.com/r.wav", "User: hello",
		"a short call", "positive", "confirmed", "{\"tool\":\"book\"}",
		"85", "{\"tried to book\"}", "{\"m\":1}", "+14155550999",
		"t", "asst-1", "Ava", "7", "{\"urgency\":\"high\"}", "t", "8/10",
		"{\"transport\":0.010000}", "CA0123456789abcdef0123456789abcdef",
		"0b5d3f7e-1c2a-4e6b-9d8f-a1b2c3d4e5f6" /* the integration's org */,
	};
	struct ct_call_event ev;
	struct ct_delivery d = { NULL, 0, NULL, "", "unit" };
	struct ct_event_params p;
	json_object *ver;
	size_t i;

	ct_call_event_init(&ev);
	ev.provider_call_id = "call-1";
	ev.event_type = "call_ended";
	snprintf(ev.dedup_key, sizeof(ev.dedup_key), "call-1:ended");
	ev.status_answered = "completed";
	ev.status_unanswered = "canceled";
	ev.answered = 1;
	ev.sequence = 6;
	ev.ended_reason = "manual_stopped";
	ev.end_call_reason = "canceled";
	ev.direction = "outbound";
	snprintf(ev.phone_number, sizeof(ev.phone_number), "+14155550123");
	ev.phone_raw = "(415) 555-0123";
	snprintf(ev.agent_number, sizeof(ev.agent_number), "+14155550100");
	ev.customer_name = "Maria Lopez";
	ev.is_test_call = 0;
	snprintf(ev.started_at, sizeof(ev.started_at), "2026-01-06T17:02:12.950Z");
	snprintf(ev.ended_at, sizeof(ev.ended_at), "2026-01-06T17:02:57.450Z");
	ev.duration_seconds = 45;
	CU_ASSERT_TRUE(ct_event_set_cost(&ev, 0.2173));
	ev.recording_url = "https://example.com/r.wav";
	ev.transcript = "User: hello";
	ev.summary = "a short call";
	ev.sentiment = "positive";
	ev.booking_status = "confirmed";
	ev.booking_evidence = strdup("{\"tool\":\"book\"}");
	ev.lead_score = 85;
	ev.lead_reasons = strdup("{\"tried to book\"}");
	ev.metadata = strdup("{\"m\":1}");
	ev.transfer_destination = "+14155550999";
	ev.transferred = 1;
	ver = json_object_new_int(7);
	ct_event_set_agent(&ev, "asst-1", "Ava", ver);
	json_object_put(ver);
	ev.analysis = strdup("{\"urgency\":\"high\"}");
	ev.success = 1;
	snprintf(ev.success_raw, sizeof(ev.success_raw), "8/10");
	ev.cost_breakdown = strdup("{\"transport\":0.010000}");
	ct_event_link_call_sid(&ev, "CA0123456789abcdef0123456789abcdef");
	memset(&p, 0x5a, sizeof(p));
	d.body = body;
	d.body_len = sizeof(body) - 1;
	d.content_type = "application/json";
	ct_event_params(&d, &params_in, &ev, &p);
	for (i = 0; i < CT_EVENT_NPARAMS; i++) {
		if (i == CT_EP_PAYLOAD || i == CT_EP_ERROR)
			continue;
		ASSERT_STR_EQ(p.values[i], want[i]);
		if (p.values[i] == NULL || strcmp(p.values[i], want[i]) != 0)
			fprintf(stderr, "event param %s: %s\n", ct_event_param_names[i],
			    p.values[i] ? p.values[i] : "NULL");
		/* Text parameters: no length, text format. */
		CU_ASSERT_EQUAL(p.lengths[i], 0);
		CU_ASSERT_EQUAL(p.formats[i], 0);
	}
	/* The payload: the raw bytes, NUL and all, in binary. */
	CU_ASSERT_PTR_EQUAL(p.values[CT_EP_PAYLOAD], body);
	CU_ASSERT_EQUAL(p.lengths[CT_EP_PAYLOAD], (int)sizeof(body) - 1);
	CU_ASSERT_EQUAL(p.formats[CT_EP_PAYLOAD], 1);
	CU_ASSERT_PTR_NULL(p.values[CT_EP_ERROR]);
	ct_call_event_free(&ev);
}

/* An event that says little: the rest is NULL, never "" or -1. */
static void
test_event_params_empty(void)
{
	struct ct_call_event ev;
	struct ct_event_params p;
	size_t i;

	ct_call_event_init(&ev);
	ev.provider_call_id = "call-2";
	ev.event_type = "transcript";
	snprintf(ev.dedup_key, sizeof(ev.dedup_key), "k2");
	ev.mode = CT_EVENT_RECORD;
	ev.phone_raw = "";		/* empty strings are no values */
	ev.customer_name = "";
	ev.recording_url = "";
	memset(&p, 0x5a, sizeof(p));
	ct_event_params(&empty_delivery, &params_in, &ev, &p);
	ASSERT_STR_EQ(p.values[CT_EP_CALL_ID], "call-2");
	ASSERT_STR_EQ(p.values[CT_EP_EVENT_TYPE], "transcript");
	ASSERT_STR_EQ(p.values[CT_EP_DEDUP_KEY], "k2");
	CU_ASSERT_EQUAL(p.lengths[CT_EP_PAYLOAD], 0);
	CU_ASSERT_PTR_NULL(p.values[CT_EP_CONTENT_TYPE]);		/* no content type */
	ASSERT_STR_EQ(p.values[CT_EP_MODE], "record");
	ASSERT_STR_EQ(p.values[CT_EP_ANSWERED], "f");		/* not answered */
	/* The org is the integration's, always given. */
	ASSERT_STR_EQ(p.values[CT_EP_ORG], params_in.org_id);
	for (i = CT_EP_ERROR; i < CT_EVENT_NPARAMS; i++) {
		if (i == CT_EP_ANSWERED || i == CT_EP_ORG)
			continue;
		CU_ASSERT_PTR_NULL(p.values[i]);
		if (p.values[i] != NULL)
			fprintf(stderr, "event param %s: %s\n", ct_event_param_names[i],
			    p.values[i]);
	}
	/* Zero is a value: a first sequence, a zero duration, a zero score;
	 * a test call is "t". */
	ev.sequence = 0;
	ev.duration_seconds = 0;
	ev.lead_score = 0;
	ev.is_test_call = 1;
	ct_event_params(&empty_delivery, &params_in, &ev, &p);
	ASSERT_STR_EQ(p.values[CT_EP_SEQUENCE], "0");
	ASSERT_STR_EQ(p.values[CT_EP_DURATION_SECONDS], "0");
	ASSERT_STR_EQ(p.values[CT_EP_LEAD_SCORE], "0");
	ASSERT_STR_EQ(p.values[CT_EP_IS_TEST_CALL], "t");
	ct_call_event_free(&ev);
}

/* A CallSid is "CA" and 32 lowercase hex digits; anything else names no
 * Twilio call, and the event says so without losing a note it has. */
static void
test_event_call_sid(void)
{
	static const struct { const char *s; int ok; } t[] = {
		{ "CA0123456789abcdef0123456789abcdef", 1 },
		{ "CAa2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7", 1 },
		{ "CA0123456789ABCDEF0123456789ABCDEF", 0 },	/* not Twilio's */
		{ "CA0123456789abcdef0123456789abcde", 0 },	/* 31 digits */
		{ "CA0123456789abcdef0123456789abcdef0", 0 },	/* 33 */
		{ "ca0123456789abcdef0123456789abcdef", 0 },
		{ "AC0123456789abcdef0123456789abcdef", 0 },	/* an account */
		{ "CA0123456789abcdef0123456789abcdeg", 0 },
		{ "CA0123456789abcdef 123456789abcdef", 0 },
		{ "CA", 0 },
		{ "", 0 },
		{ "not a sid", 0 },
		{ NULL, 0 },
	};
	struct ct_call_event ev;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL(ct_call_sid_valid(t[i].s), t[i].ok);
		ct_call_event_init(&ev);
		ct_event_link_call_sid(&ev, t[i].s);
		if (t[i].ok) {
			CU_ASSERT_PTR_EQUAL(ev.linked_call_sid, t[i].s);
			CU_ASSERT_PTR_NULL(ev.note);
		} else {
			CU_ASSERT_PTR_NULL(ev.linked_call_sid);
			/* None named is no mistake; a wrong one is noted. */
			if (t[i].s == NULL || *t[i].s == '\0') {
				CU_ASSERT_PTR_NULL(ev.note);
			} else {
				ASSERT_STR_EQ(ev.note, "the twilio call sid named is "
				    "not a CallSid: not linked");
			}
		}
	}
	ct_call_event_init(&ev);
	ev.note = "analysis not stored: it is not an object";
	ct_event_link_call_sid(&ev, "CA-junk");
	ASSERT_STR_EQ(ev.note, "analysis not stored: it is not an object");
	CU_ASSERT_PTR_NULL(ev.linked_call_sid);
}

int
suite_event(void)
{
	static const struct test_case t[] = {
		{ "milliseconds to ISO 8601 within 1970-9999", test_time_from_ms },
		{ "ISO 8601 fractions and offsets", test_time_iso },
		{ "cost bounds", test_event_set_cost },
		{ "sentiment words", test_event_sentiment },
		{ "default duration", test_event_default_duration },
		{ "end codes through a table or by shape", test_event_set_end },
		{ "the statement's parameter count", test_event_sql_arity },
		{ "every parameter of a full event", test_event_params_full },
		{ "unknown fields are NULL parameters", test_event_params_empty },
		{ "a Twilio CallSid, and one that is not", test_event_call_sid },
		{ NULL, NULL } };
	return add_suite("event", t);
}

/* ---- against the database ---- */

static char ev_org[37];
static char ev_integration[CT_INTEGRATION_ID_MAX + 1];

static int
event_db_init(void)
{
	return admin_org_create(ev_org, NULL) != 0 ||
	    admin_integration_create(ev_org, "vapi", "vapi-secret-event",
	    ev_integration) != 0 ? -1 : 0;
}

/* Maps a Vapi fixture as the program does, into ev and a delivery whose
 * body it is (both freed with event_done). */
static int
map_fixture(const char *rel, const struct ct_integration *in,
    struct ct_delivery *req, struct ct_call_event *ev)
{
	struct ct_map_ctx ctx = { in->default_country,
	    (const char *const *)in->booking_tools, in->n_booking_tools };
	char *body;

	memset(req, 0, sizeof(*req));
	req->content_type = "application/json";
	req->query = "";
	req->log_id = "unit";
	ct_call_event_init(ev);
	if ((body = fixture_read(rel, &req->body_len)) == NULL)
		return -1;
	req->body = body;
	return ct_vapi_map(req->body, req->body_len, &ctx, ev) == CT_OK ? 0 : -1;
}

static void
event_done(struct ct_delivery *req, struct ct_call_event *ev)
{
	ct_call_event_free(ev);
	free((char *)req->body);
}

static void
test_event_apply_then_duplicate(void)
{
	const struct ct_integration *in = NULL;
	struct ct_delivery req;
	struct ct_call_event ev;
	char outcome[16], call_id[37], again[37], sha[65];
	const char *v[3];
	PGresult *r;

	CU_ASSERT_EQUAL_FATAL(ct_integration_get(ev_integration, 1, &in), CT_OK);
	CU_ASSERT_EQUAL_FATAL(map_fixture(
	    "vapi/inbound-completed.6.end-of-call-report.json", in, &req, &ev),
	    0);
	CU_ASSERT_EQUAL_FATAL(ev.mode, CT_EVENT_APPLY);
	CU_ASSERT_EQUAL_FATAL(ct_event_apply(&req, in, &ev, outcome, call_id,
	    NULL, 0), CT_OK);
	ASSERT_STR_EQ(outcome, "applied");
	CU_ASSERT_TRUE(ct_query_uuid(call_id));
	/* The same delivery again: a duplicate of the same call, changing
	 * nothing. */
	CU_ASSERT_EQUAL(ct_event_apply(&req, in, &ev, outcome, again, NULL, 0),
	    CT_OK);
	ASSERT_STR_EQ(outcome, "duplicate");
	ASSERT_STR_EQ(again, call_id);

	/* The call, as the dashboard will show it. */
	v[0] = ev_org;
	v[1] = call_id;
	v[2] = ev.transcript;
	r = admin_query("SELECT c.status, c.ended_reason, c.end_call_reason, "
	    "c.direction, c.phone_number, c.agent_number, c.is_test_call::text, "
	    "to_char(c.started_at AT TIME ZONE 'UTC', "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), c.duration_seconds::text, "
	    "c.cost::text, c.sentiment, c.booking_status, c.lead_score::text, "
	    "c.provider, c.provider_call_id, c.integration_id, "
	    "c.booking_evidence::text, c.transcript = $3, ct.name, "
	    "ct.lead_status, (SELECT count(*) FROM hot_lead_alerts a "
	    "WHERE a.org_id = c.org_id AND a.call_id = c.id)::text "
	    "FROM calls c LEFT JOIN contacts ct ON ct.org_id = c.org_id AND "
	    "ct.id = c.contact_id WHERE c.org_id = $1 AND c.id = $2", 3, v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	ASSERT_STR_EQ(PQgetvalue(r, 0, 0), "completed");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 1), "customer-ended-call");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 2), "customer_hangup");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 3), "inbound");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 4), "+14155550123");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 5), "+14155550100");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 6), "false");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 7), "2026-01-06T17:02:12.950Z");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 8), "44");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 9), "0.217300");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 10), "positive");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 11), "confirmed");
	CU_ASSERT_EQUAL(atoi(PQgetvalue(r, 0, 12)), ev.lead_score);
	ASSERT_STR_EQ(PQgetvalue(r, 0, 13), "vapi");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 14), "019b94d2-6a1f-7c3e-9b2d-4f8a1e6c0d21");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 15), ev_integration);
	CU_ASSERT_PTR_NOT_NULL(strstr(PQgetvalue(r, 0, 16), "BSD-88213"));
	ASSERT_STR_EQ(PQgetvalue(r, 0, 17), "t");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 18), "Maria Gonzalez");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 19), "booked");
	/* A hot lead (the org's threshold is 70), alerted once. */
	CU_ASSERT(ev.lead_score >= 70);
	ASSERT_STR_EQ(PQgetvalue(r, 0, 20), "1");
	PQclear(r);

	/* One raw event, its bytes exactly as received. */
	ct_crypto_sha256_hex(req.body, req.body_len, sha);
	v[1] = ev.dedup_key;
	r = admin_query("SELECT count(*)::text, min(outcome), "
	    "min(encode(sha256(payload), 'hex')), min(content_type), "
	    "min(call_id::text), min(event_type) FROM call_events "
	    "WHERE org_id = $1 AND dedup_key = $2", 2, v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	ASSERT_STR_EQ(PQgetvalue(r, 0, 0), "1");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 1), "applied");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 2), sha);
	ASSERT_STR_EQ(PQgetvalue(r, 0, 3), "application/json");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 4), call_id);
	ASSERT_STR_EQ(PQgetvalue(r, 0, 5), "end-of-call-report");
	PQclear(r);
	event_done(&req, &ev);
}

/* A message that carries no call state is logged and linked to its call,
 * and changes nothing. */
static void
test_event_record_only(void)
{
	const struct ct_integration *in = NULL;
	struct ct_delivery req;
	struct ct_call_event ev;
	char outcome[16], call_id[37], before[64], after[64];
	const char *v[2] = { ev_org, "019b94d2-6a1f-7c3e-9b2d-4f8a1e6c0d21" };

	CU_ASSERT_EQUAL_FATAL(ct_integration_get(ev_integration, 1, &in), CT_OK);
	CU_ASSERT_EQUAL_FATAL(admin_exec("SELECT updated_at::text || status "
	    "FROM calls WHERE org_id = $1 AND provider_call_id = $2", 2, v,
	    before, sizeof(before)), 0);
	CU_ASSERT_EQUAL_FATAL(map_fixture(
	    "vapi/inbound-completed.4.speech-update.ignored.json", in, &req,
	    &ev), 0);
	CU_ASSERT_EQUAL_FATAL(ev.mode, CT_EVENT_RECORD);
	CU_ASSERT_EQUAL(ct_event_apply(&req, in, &ev, outcome, call_id, NULL,
	    0), CT_OK);
	ASSERT_STR_EQ(outcome, "recorded");
	CU_ASSERT_TRUE(ct_query_uuid(call_id));
	CU_ASSERT_EQUAL(admin_exec("SELECT updated_at::text || status FROM "
	    "calls WHERE org_id = $1 AND provider_call_id = $2", 2, v, after,
	    sizeof(after)), 0);
	CU_ASSERT_TRUE(before[0] != '\0');
	ASSERT_STR_EQ(after, before);
	event_done(&req, &ev);
}

/* A value the schema refuses: the raw event is kept, parked with the
 * reason, which the statement answers too, and no call is made of it. */
static void
test_event_parked(void)
{
	const struct ct_integration *in = NULL;
	struct ct_delivery req;
	struct ct_call_event ev;
	char outcome[16], call_id[37], suf[17], pcid[64], n[16], why[200];
	const char *v[2];
	PGresult *r;

	CU_ASSERT_EQUAL_FATAL(ct_integration_get(ev_integration, 1, &in), CT_OK);
	CU_ASSERT_EQUAL_FATAL(map_fixture(
	    "vapi/outbound-busy.2.end-of-call-report.json", in, &req, &ev), 0);
	unique_suffix(suf);
	snprintf(pcid, sizeof(pcid), "parked-%s", suf);
	ev.provider_call_id = pcid;
	snprintf(ev.dedup_key, sizeof(ev.dedup_key), "parked:%s", suf);
	ev.direction = "sideways";	/* not a direction */
	CU_ASSERT_EQUAL_FATAL(ct_event_apply(&req, in, &ev, outcome, call_id,
	    why, sizeof(why)), CT_OK);
	ASSERT_STR_EQ(outcome, "parked");
	ASSERT_STR_EQ(call_id, "");
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "calls_direction_check"));
	v[0] = ev_org;
	v[1] = ev.dedup_key;
	r = admin_query("SELECT outcome, left(error, 199), call_id IS NULL, "
	    "length(payload) FROM call_events WHERE org_id = $1 AND "
	    "dedup_key = $2", 2, v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	ASSERT_STR_EQ(PQgetvalue(r, 0, 0), "parked");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 1), why);
	ASSERT_STR_EQ(PQgetvalue(r, 0, 2), "t");
	CU_ASSERT_EQUAL(atol(PQgetvalue(r, 0, 3)), (long)req.body_len);
	PQclear(r);
	v[1] = pcid;
	CU_ASSERT_EQUAL(admin_exec("SELECT count(*) FROM calls WHERE org_id = "
	    "$1 AND provider_call_id = $2", 2, v, n, sizeof(n)), 0);
	ASSERT_STR_EQ(n, "0");
	/* A fabricated event whose raw bytes map well: left parked, a later
	 * `calltrack-admin replay --parked` of another suite would apply it. */
	v[1] = ev.dedup_key;
	CU_ASSERT_EQUAL(admin_exec("WITH gone AS (DELETE FROM call_events WHERE "
	    "org_id = $1 AND dedup_key = $2 RETURNING 1) SELECT count(*) FROM gone",
	    2, v, n, sizeof(n)), 0);
	ASSERT_STR_EQ(n, "1");
	event_done(&req, &ev);
}

/* The database away: a 503 for the caller (which spools), nothing kept
 * half-written. */
static void
test_event_db_unavailable(void)
{
	const struct ct_integration *in = NULL;
	struct ct_delivery req;
	struct ct_call_event ev;
	char outcome[16] = "x", call_id[37] = "x", n[16];
	const char *v[2];
	struct capture c;
	size_t len;
	char *log;

	CU_ASSERT_EQUAL_FATAL(ct_integration_get(ev_integration, 1, &in), CT_OK);
	CU_ASSERT_EQUAL_FATAL(map_fixture(
	    "vapi/outbound-voicemail.end-of-call-report.json", in, &req, &ev),
	    0);
	config_with_db("host=/nonexistent/calltrack-unit dbname=calltrack");
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	CU_ASSERT_EQUAL(ct_event_apply(&req, in, &ev, outcome, call_id, NULL,
	    0), CT_ERR_DB_UNAVAILABLE);
	log = capture_end(&c, &len);
	CU_ASSERT_PTR_NOT_NULL(log);
	if (log != NULL)
		CU_ASSERT_PTR_NOT_NULL(strstr(log,
		    "could not connect to the database"));
	free(log);
	ASSERT_STR_EQ(outcome, "");
	ASSERT_STR_EQ(call_id, "");
	CU_ASSERT_EQUAL(config_reload(), 0);
	ct_db_close();
	v[0] = ev_org;
	v[1] = ev.dedup_key;
	CU_ASSERT_EQUAL(admin_exec("SELECT count(*) FROM call_events WHERE "
	    "org_id = $1 AND dedup_key = $2", 2, v, n, sizeof(n)), 0);
	ASSERT_STR_EQ(n, "0");
	event_done(&req, &ev);
}

/*
 * The C side and the SQL side name the same parameters: every name the
 * statement binds is an argument of the one ct_apply_event, and every
 * argument of it is bound.  A parameter renamed or added on one side
 * only fails here before it fails a webhook.
 */
static void
test_event_params_named_as_sql(void)
{
	char names[4096], *save = NULL, *tok;
	int i, n = 0, seen[CT_EVENT_NPARAMS] = { 0 };

	/* Its input arguments, "p_integration text, p_provider text, ...";
	 * exactly one ct_apply_event, or the count below fails. */
	CU_ASSERT_EQUAL_FATAL(admin_exec("SELECT string_agg("
	    "pg_get_function_identity_arguments(oid), ' ; ') FROM pg_proc "
	    "WHERE proname = 'ct_apply_event'", 0, NULL, names, sizeof(names)),
	    0);
	for (tok = strtok_r(names, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		tok += strspn(tok, " ");
		tok[strcspn(tok, " ")] = '\0';
		n++;
		for (i = 0; i < CT_EVENT_NPARAMS; i++)
			if (strcmp(tok, ct_event_param_names[i]) == 0)
				break;
		CU_ASSERT(i < CT_EVENT_NPARAMS);
		if (i == CT_EVENT_NPARAMS)
			fprintf(stderr, "the statement does not bind %s\n", tok);
		else
			seen[i]++;
	}
	CU_ASSERT_EQUAL(n, CT_EVENT_NPARAMS);
	for (i = 0; i < CT_EVENT_NPARAMS; i++) {
		CU_ASSERT_EQUAL(seen[i], 1);
		if (seen[i] != 1)
			fprintf(stderr, "ct_apply_event has no %s\n",
			    ct_event_param_names[i]);
	}
}

int
suite_event_db(void)
{
	static const struct test_case t[] = {
		{ "a mapped event applied, then a duplicate",
		    test_event_apply_then_duplicate },
		{ "a record-only event changes no call", test_event_record_only },
		{ "a refused value parks the event", test_event_parked },
		{ "the database away", test_event_db_unavailable },
		{ "the statement's parameters are ct_apply_event's, by name",
		    test_event_params_named_as_sql },
		{ NULL, NULL } };
	return add_suite_with("event-db", event_db_init, NULL, t);
}
