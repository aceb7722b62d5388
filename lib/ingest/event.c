/*
 * event.c: the normalized call event and its one-statement write.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ingest/booking.h"
#include "core/db.h"
#include "core/json.h"
#include "ingest/event.h"
#include "ingest/lead.h"
#include "core/log.h"

void
ct_call_event_init(struct ct_call_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->mode = CT_EVENT_APPLY;
	ev->sequence = -1;
	ev->is_test_call = -1;
	ev->duration_seconds = -1;
	ev->lead_score = -1;
	ev->success = -1;
}

void
ct_call_event_free(struct ct_call_event *ev)
{
	if (ev == NULL)
		return;
	free(ev->booking_evidence);
	free(ev->lead_reasons);
	free(ev->metadata);
	free(ev->analysis);
	free(ev->cost_breakdown);
	json_object_put(ev->root);
	ct_form_free(&ev->form);
	ct_call_event_init(ev);
}

void
ct_event_set_agent(struct ct_call_event *ev, const char *id,
    const char *name, json_object *version)
{
	const char *s = NULL;

	if (id != NULL && strlen(id) <= CT_AGENT_FIELD_MAX)
		ev->agent_id = id;
	if (name != NULL && strlen(name) <= CT_AGENT_FIELD_MAX)
		ev->agent_name = name;
	ev->agent_version[0] = '\0';
	if (json_object_is_type(version, json_type_int))
		snprintf(ev->agent_version, sizeof(ev->agent_version), "%lld",
		    (long long)json_object_get_int64(version));
	else if (json_object_is_type(version, json_type_string) &&
	    !ct_json_path_has_nul(version, ""))
		s = json_object_get_string(version);
	if (s != NULL && strlen(s) <= CT_AGENT_FIELD_MAX)
		snprintf(ev->agent_version, sizeof(ev->agent_version), "%s", s);
}

static int
digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int
num2(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Days in month m (1 to 12) of year y, by the Gregorian leap-year rule. */
static int
month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* Is s a day of the calendar, YYYY-MM-DD, followed by anything? */
static int
date_prefix(const char *s)
{
	int y, m;

	if (!digits(s, 4) || s[4] != '-' ||
	    !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2))
		return 0;
	y = num2(s) * 100 + num2(s + 2);
	m = num2(s + 5);
	/* Year 0 is no year of PostgreSQL's (1 BC comes before 1 AD). */
	return y >= 1 && m >= 1 && m <= 12 && num2(s + 8) >= 1 &&
	    num2(s + 8) <= month_days(y, m);
}

bool
ct_time_date(const char *s)
{
	return s != NULL && strlen(s) == 10 && date_prefix(s);
}

/*
 * Second 60 is a leap second, which RFC 3339 (section 5.7) puts at
 * 23:59:60 UTC on the last day of a month; anywhere else it is no time.
 * off is the zone's offset in minutes east of UTC.
 */
static int
leap_second(const char *s, int off)
{
	struct tm tm, utc;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = num2(s) * 100 + num2(s + 2) - 1900;
	tm.tm_mon = num2(s + 5) - 1;
	tm.tm_mday = num2(s + 8);
	tm.tm_hour = num2(s + 11);
	tm.tm_min = num2(s + 14);
	tm.tm_sec = 59;
	t = timegm(&tm) - (time_t)off * 60;
	if (gmtime_r(&t, &utc) == NULL || utc.tm_hour != 23 ||
	    utc.tm_min != 59)
		return 0;
	t += 1;
	return gmtime_r(&t, &utc) != NULL && utc.tm_mday == 1;
}

bool
ct_time_iso(const char *s, char out[CT_TIME_MAX])
{
	size_t n, i = 19;
	int off = 0;

	out[0] = '\0';
	if (s == NULL || (n = strlen(s)) < 19 || n >= CT_TIME_MAX)
		return 0;
	/* YYYY-MM-DDTHH:MM:SS, a day of the calendar and a time of day. */
	if (!date_prefix(s) || (s[10] != 'T' && s[10] != ' ') ||
	    !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) ||
	    s[16] != ':' || !digits(s + 17, 2))
		return 0;
	if (num2(s + 11) > 23 || num2(s + 14) > 59 || num2(s + 17) > 60)
		return 0;
	if (s[i] == '.') {
		size_t f = ++i;

		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == f || i - f > 9)
			return 0;
	}
	if (s[i] == 'Z' || s[i] == 'z') {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		const char *z = s + i + 1;

		if (n - i == 6 && digits(z, 2) && z[2] == ':' &&
		    digits(z + 3, 2))
			off = num2(z) * 60 + num2(z + 3);
		else if (n - i == 5 && digits(z, 4))
			off = num2(z) * 60 + num2(z + 2);
		else
			return 0;
		/* No zone is further than 14 hours from UTC (Kiribati's
		 * +14:00); PostgreSQL refuses minutes past 59. */
		if (num2(z + (z[2] == ':' ? 3 : 2)) > 59 || off > 14 * 60)
			return 0;
		if (s[i] == '-')
			off = -off;
		i = n;
	}
	if (i != n || (num2(s + 17) == 60 && !leap_second(s, off)))
		return 0;
	memcpy(out, s, n + 1);
	return 1;
}

long long
ct_time_epoch_ms(const char *iso)
{
	char ok[CT_TIME_MAX];
	struct tm tm;
	const char *p;
	long long ms = 0, scale = 100;
	int off = 0;
	time_t t;

	if (!ct_time_iso(iso, ok))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = num2(ok) * 100 + num2(ok + 2) - 1900;
	tm.tm_mon = num2(ok + 5) - 1;
	tm.tm_mday = num2(ok + 8);
	tm.tm_hour = num2(ok + 11);
	tm.tm_min = num2(ok + 14);
	tm.tm_sec = num2(ok + 17);
	p = ok + 19;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			ms += (*p - '0') * scale;
	if (*p == '+' || *p == '-')
		off = (*p == '-' ? -1 : 1) * (num2(p + 1) * 3600 +
		    num2(p + (p[3] == ':' ? 4 : 3)) * 60);
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	return ((long long)t - off) * 1000 + ms;
}

bool
ct_time_from_ms(long long ms, char out[CT_TIME_MAX])
{
	time_t secs;
	struct tm tm;
	char buf[96];
	int n;

	out[0] = '\0';
	/* 1970 to 9999: what PostgreSQL and ISO years both hold. */
	if (ms < 0 || ms > 253402300799999LL)
		return 0;
	secs = (time_t)(ms / 1000);
	if (gmtime_r(&secs, &tm) == NULL)
		return 0;
	/* A wide buffer: the compiler cannot know the year has 4 digits. */
	n = snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));

	if (n < 0 || n >= CT_TIME_MAX)
		return 0;
	memcpy(out, buf, (size_t)n + 1);
	return 1;
}

bool
ct_call_sid_valid(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 34 || s[0] != 'C' || s[1] != 'A')
		return false;
	for (i = 2; i < 34; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

void
ct_event_link_call_sid(struct ct_call_event *ev, const char *sid)
{
	if (sid == NULL || *sid == '\0')
		return;
	if (ct_call_sid_valid(sid)) {
		ev->linked_call_sid = sid;
		return;
	}
	ev->linked_call_sid = NULL;
	if (ev->note == NULL)
		ev->note = "the twilio call sid named is not a CallSid: not linked";
}

bool
ct_event_set_cost(struct ct_call_event *ev, double usd)
{
	if (!isfinite(usd) || usd < 0 || usd > 1e9)
		return 0;
	snprintf(ev->cost, sizeof(ev->cost), "%.6f", usd);
	return 1;
}

void
ct_event_numbers(struct ct_call_event *ev, const char *customer,
    const char *agent, const char *country)
{
	ev->phone_raw = customer;
	/* "Anonymous", "client:…", "sip:…" and the like are no numbers. */
	if (ct_phone_e164(customer, country, ev->phone_number) != CT_OK)
		ev->phone_number[0] = '\0';
	if (ct_phone_e164(agent, country, ev->agent_number) != CT_OK)
		ev->agent_number[0] = '\0';
}

void
ct_event_set_end(struct ct_call_event *ev, const struct ct_reason *table,
    size_t n, const char *code)
{
	struct ct_reason r;

	ct_reason_map(table, n, code ? code : "", &r);
	ev->ended_reason = code;
	ev->status_answered = r.status_answered;
	ev->status_unanswered = r.status_unanswered;
	ev->end_call_reason = r.end_call_reason;
}

const char *
ct_event_sentiment(const char *s)
{
	static const char *const known[] = { "positive", "neutral",
	    "negative" };
	size_t i;

	for (i = 0; s != NULL && i < 3; i++)
		if (strcasecmp(s, known[i]) == 0)
			return known[i];
	return NULL;
}

void
ct_event_finish(struct ct_call_event *ev, struct ct_booking *b)
{
	struct ct_lead lead;

	ev->booking_status = ct_booking_status(b);
	free(ev->booking_evidence);
	ev->booking_evidence = b->evidence;
	b->evidence = NULL;
	ct_lead_score(ev->transcript, ev->summary, ev->sentiment,
	    ev->duration_seconds, ev->booking_status, &lead);
	ev->lead_score = lead.score;
	free(ev->lead_reasons);
	ev->lead_reasons = ct_lead_reasons_array(&lead);
}

void
ct_event_default_duration(struct ct_call_event *ev)
{
	long long a, b;

	if (ev->duration_seconds >= 0)
		return;
	if (ev->started_at[0] == '\0') {
		ev->duration_seconds = 0;	/* never answered */
		return;
	}
	a = ct_time_epoch_ms(ev->started_at);
	b = ct_time_epoch_ms(ev->ended_at);
	if (a >= 0 && b >= a)
		ev->duration_seconds = (b - a + 500) / 1000;
}

static const char *
opt(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

static const char *const modes[] = { "apply", "record" };

const char *const ct_event_param_names[CT_EP__MAX] = {
#define CT_EP_NAME(id, name) [CT_EP_##id] = name,
	CT_EVENT_PARAMS(CT_EP_NAME)
#undef CT_EP_NAME
};

const char *
ct_event_apply_sql(void)
{
	static char sql[2048];
	size_t o, i;
	int n;

	if (sql[0] != '\0')
		return sql;
	o = (size_t)snprintf(sql, sizeof(sql),
	    "SELECT outcome, call_id, error FROM ct_apply_event(");
	for (i = 0; i < CT_EP__MAX; i++) {
		n = snprintf(sql + o, sizeof(sql) - o, "%s%s => $%zu",
		    i > 0 ? ", " : "", ct_event_param_names[i], i + 1);
		/* The buffer holds every name: a new one that overflows it
		 * is a build's mistake, found by the first statement. */
		if (n < 0 || (size_t)n >= sizeof(sql) - o - 1)
			abort();
		o += (size_t)n;
	}
	sql[o++] = ')';
	sql[o] = '\0';
	return sql;
}

void
ct_event_params(const struct ct_delivery *d,
    const struct ct_integration *in, const struct ct_call_event *ev,
    struct ct_event_params *p)
{
	const char **v = p->values;

	memset(p->lengths, 0, sizeof(p->lengths));
	memset(p->formats, 0, sizeof(p->formats));
	snprintf(p->seq, sizeof(p->seq), "%lld", ev->sequence);
	snprintf(p->dur, sizeof(p->dur), "%lld", ev->duration_seconds);
	snprintf(p->score, sizeof(p->score), "%d", ev->lead_score);
	v[CT_EP_INTEGRATION] = in->id;
	v[CT_EP_PROVIDER] = ct_provider_name(in->provider);
	v[CT_EP_CALL_ID] = ev->provider_call_id;
	v[CT_EP_EVENT_TYPE] = ev->event_type;
	v[CT_EP_DEDUP_KEY] = ev->dedup_key;
	v[CT_EP_PAYLOAD] = d->body;		/* the raw bytes, sent as binary */
	p->lengths[CT_EP_PAYLOAD] = (int)d->body_len;
	p->formats[CT_EP_PAYLOAD] = 1;
	v[CT_EP_CONTENT_TYPE] = ct_content_type_text(d->content_type);
	v[CT_EP_MODE] = modes[ev->mode];
	/* An applied event's error says what of it was not kept. */
	v[CT_EP_ERROR] = ev->note;
	v[CT_EP_STATUS_ANSWERED] = ev->status_answered;
	v[CT_EP_STATUS_UNANSWERED] = ev->status_unanswered;
	v[CT_EP_ANSWERED] = ev->answered ? "t" : "f";
	v[CT_EP_SEQUENCE] = ev->sequence >= 0 ? p->seq : NULL;
	v[CT_EP_ENDED_REASON] = opt(ev->ended_reason);
	v[CT_EP_END_CALL_REASON] = ev->end_call_reason;
	v[CT_EP_DIRECTION] = ev->direction;
	v[CT_EP_PHONE_NUMBER] = opt(ev->phone_number);
	v[CT_EP_PHONE_RAW] = opt(ev->phone_raw);
	v[CT_EP_AGENT_NUMBER] = opt(ev->agent_number);
	v[CT_EP_CUSTOMER_NAME] = opt(ev->customer_name);
	v[CT_EP_IS_TEST_CALL] = ev->is_test_call < 0 ? NULL : ev->is_test_call ? "t" : "f";
	v[CT_EP_STARTED_AT] = opt(ev->started_at);
	v[CT_EP_ENDED_AT] = opt(ev->ended_at);
	v[CT_EP_DURATION_SECONDS] = ev->duration_seconds >= 0 ? p->dur : NULL;
	v[CT_EP_COST] = opt(ev->cost);
	v[CT_EP_RECORDING_URL] = opt(ev->recording_url);
	v[CT_EP_TRANSCRIPT] = opt(ev->transcript);
	v[CT_EP_SUMMARY] = opt(ev->summary);
	v[CT_EP_SENTIMENT] = ev->sentiment;
	v[CT_EP_BOOKING_STATUS] = ev->booking_status;
	v[CT_EP_BOOKING_EVIDENCE] = ev->booking_evidence;
	v[CT_EP_LEAD_SCORE] = ev->lead_score >= 0 ? p->score : NULL;
	v[CT_EP_LEAD_REASONS] = ev->lead_reasons;
	v[CT_EP_METADATA] = ev->metadata;
	v[CT_EP_TRANSFER_DESTINATION] = opt(ev->transfer_destination);
	v[CT_EP_TRANSFERRED] = ev->transferred ? "t" : NULL;
	v[CT_EP_AGENT_ID] = opt(ev->agent_id);
	v[CT_EP_AGENT_NAME] = opt(ev->agent_name);
	v[CT_EP_AGENT_VERSION] = opt(ev->agent_version);
	v[CT_EP_ANALYSIS] = ev->analysis;
	v[CT_EP_SUCCESS] = ev->success < 0 ? NULL : ev->success ? "t" : "f";
	v[CT_EP_SUCCESS_RAW] = opt(ev->success_raw);
	v[CT_EP_COST_BREAKDOWN] = ev->cost_breakdown;
	v[CT_EP_LINKED_CALL_SID] = ev->linked_call_sid;
	/* The org the integration was found in: on a Citus cluster the
	 * statement runs whole on the node that holds it (sql/citus/). */
	v[CT_EP_ORG] = opt(in->org_id);
}

enum ct_err
ct_event_apply(const struct ct_delivery *d, const struct ct_integration *in,
    const struct ct_call_event *ev, char outcome[16], char call_id[37],
    char *why, size_t why_size)
{
	struct ct_event_params p;
	enum ct_err err;
	PGresult *r;

	outcome[0] = call_id[0] = '\0';
	if (why != NULL && why_size > 0)
		why[0] = '\0';
	ct_event_params(d, in, ev, &p);
	err = ct_db_exec(&r, ct_event_apply_sql(), CT_EVENT_NPARAMS, p.values,
	    p.lengths, p.formats, NULL);
	if (err != CT_OK)
		return err;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return CT_ERR_INTERNAL;
	}
	snprintf(outcome, 16, "%s", PQgetvalue(r, 0, 0));
	if (!PQgetisnull(r, 0, 1))
		snprintf(call_id, 37, "%s", PQgetvalue(r, 0, 1));
	if (why != NULL && why_size > 0 && !PQgetisnull(r, 0, 2))
		snprintf(why, why_size, "%s", PQgetvalue(r, 0, 2));
	PQclear(r);
	return CT_OK;
}
