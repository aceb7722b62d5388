/*
 * event.c: the normalized call event and its one-statement write.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "booking.h"
#include "db.h"
#include "event.h"
#include "lead.h"
#include "log.h"

void
ct_call_event_init(struct ct_call_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->mode = CT_EVENT_APPLY;
	ev->sequence = -1;
	ev->is_test_call = -1;
	ev->duration_seconds = -1;
	ev->lead_score = -1;
}

void
ct_call_event_free(struct ct_call_event *ev)
{
	if (ev == NULL)
		return;
	free(ev->booking_evidence);
	free(ev->lead_reasons);
	free(ev->metadata);
	json_object_put(ev->root);
	ct_form_free(&ev->form);
	ct_call_event_init(ev);
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

int
ct_time_iso(const char *s, char out[CT_TIME_MAX])
{
	size_t n, i = 19;

	out[0] = '\0';
	if (s == NULL || (n = strlen(s)) < 19 || n >= CT_TIME_MAX)
		return 0;
	/* YYYY-MM-DDTHH:MM:SS */
	if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
	    !digits(s + 8, 2) || (s[10] != 'T' && s[10] != ' ') ||
	    !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) ||
	    s[16] != ':' || !digits(s + 17, 2))
		return 0;
	if (s[5] > '1' || (s[5] == '1' && s[6] > '2') || s[11] > '2' ||
	    s[14] > '5' || s[17] > '6')
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
		if (n - i == 6 && digits(s + i + 1, 2) && s[i + 3] == ':' &&
		    digits(s + i + 4, 2))
			i += 6;
		else if (n - i == 5 && digits(s + i + 1, 4))
			i += 5;
		else
			return 0;
	}
	if (i != n)
		return 0;
	memcpy(out, s, n + 1);
	return 1;
}

static int
num2(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
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

int
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

int
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

void
ct_event_params(const char *body, size_t body_len, const char *content_type,
    const struct ct_integration *in, const struct ct_call_event *ev,
    struct ct_event_params *p)
{
	const char **v = p->values;

	memset(p->lengths, 0, sizeof(p->lengths));
	memset(p->formats, 0, sizeof(p->formats));
	snprintf(p->seq, sizeof(p->seq), "%lld", ev->sequence);
	snprintf(p->dur, sizeof(p->dur), "%lld", ev->duration_seconds);
	snprintf(p->score, sizeof(p->score), "%d", ev->lead_score);
	v[0] = in->id;
	v[1] = ct_provider_name(in->provider);
	v[CT_EVENT_P_CALL_ID] = ev->provider_call_id;
	v[3] = ev->event_type;
	v[CT_EVENT_P_DEDUP_KEY] = ev->dedup_key;
	/* The raw bytes, sent as binary. */
	v[CT_EVENT_P_PAYLOAD] = body;
	p->lengths[CT_EVENT_P_PAYLOAD] = (int)body_len;
	p->formats[CT_EVENT_P_PAYLOAD] = 1;
	v[6] = content_type;
	v[CT_EVENT_P_MODE] = modes[ev->mode];
	v[8] = NULL;		/* the error of a parked event: none */
	v[9] = ev->status_answered;
	v[10] = ev->status_unanswered;
	v[11] = ev->answered ? "t" : "f";
	v[12] = ev->sequence >= 0 ? p->seq : NULL;
	v[13] = opt(ev->ended_reason);
	v[14] = ev->end_call_reason;
	v[15] = ev->direction;
	v[CT_EVENT_P_PHONE] = opt(ev->phone_number);
	v[CT_EVENT_P_PHONE_RAW] = opt(ev->phone_raw);
	v[18] = opt(ev->agent_number);
	v[19] = opt(ev->customer_name);
	v[20] = ev->is_test_call < 0 ? NULL : ev->is_test_call ? "t" : "f";
	v[21] = opt(ev->started_at);
	v[22] = opt(ev->ended_at);
	v[23] = ev->duration_seconds >= 0 ? p->dur : NULL;
	v[24] = opt(ev->cost);
	v[25] = opt(ev->recording_url);
	v[26] = opt(ev->transcript);
	v[27] = opt(ev->summary);
	v[28] = ev->sentiment;
	v[29] = ev->booking_status;
	v[30] = ev->booking_evidence;
	v[31] = ev->lead_score >= 0 ? p->score : NULL;
	v[32] = ev->lead_reasons;
	v[33] = ev->metadata;
	v[34] = opt(ev->transfer_destination);
}

enum ct_err
ct_event_apply(const struct ct_request *req, const struct ct_integration *in,
    const struct ct_call_event *ev, char outcome[16], char call_id[37])
{
	struct ct_event_params p;
	enum ct_err err;
	PGresult *r;

	outcome[0] = call_id[0] = '\0';
	ct_event_params(req->body, req->body_len,
	    ct_http_param(req, "CONTENT_TYPE"), in, ev, &p);
	err = ct_db_exec(&r, CT_EVENT_APPLY_SQL, CT_EVENT_NPARAMS, p.values,
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
	PQclear(r);
	return CT_OK;
}
