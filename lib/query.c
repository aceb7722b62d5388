/*
 * query.c: dashboard query parameters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "num.h"
#include "query.h"

#define Q_MAX 200		/* longest search */

static const char *const statuses[] = { "queued", "ringing", "in-progress",
    "completed", "busy", "no-answer", "failed", "canceled", "voicemail",
    NULL };
static const char *const directions[] = { "inbound", "outbound", "web",
    NULL };
static const char *const bookings[] = { "confirmed", "attempted_failed",
    "not_requested", NULL };
static const char *const sentiments[] = { "positive", "neutral",
    "negative", "unknown", NULL };
static const char *const lead_statuses[] = { "new", "contacted",
    "qualified", "booked", "lost", NULL };
static const char *const end_reasons[] = { "customer_hangup",
    "agent_hangup", "no_answer", "busy", "voicemail", "transfer", "timeout",
    "error", "canceled", "other", NULL };

static int
allowed(const char *v, size_t n, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == n && strncmp(v, *list, n) == 0)
			return 1;
	return 0;
}

/*
 * A comma list whose every item is in list, as a text[] literal (the
 * items need no quoting).  NULL and CT_OK when absent.
 */
static enum ct_err
comma_list(const char *v, const char *const *list, char **out)
{
	const char *p = v;
	size_t o = 0, len;
	char *lit;

	*out = NULL;
	if (v == NULL)
		return CT_OK;
	len = strlen(v);
	if (len == 0 || len > 200 || (lit = malloc(len + 3)) == NULL)
		return CT_ERR_INVALID_PARAMETER;
	lit[o++] = '{';
	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		if (!allowed(p, n, list)) {
			free(lit);
			return CT_ERR_INVALID_PARAMETER;
		}
		memcpy(lit + o, p, n);
		o += n;
		p += n;
		if (*p == ',') {
			lit[o++] = ',';
			p++;
			if (*p == '\0') {	/* a trailing comma */
				free(lit);
				return CT_ERR_INVALID_PARAMETER;
			}
		}
	}
	lit[o++] = '}';
	lit[o] = '\0';
	*out = lit;
	return CT_OK;
}

/* A date (YYYY-MM-DD, a real day) or an ISO 8601 date-time. */
static int
date_or_time(const char *v)
{
	char buf[CT_TIME_MAX];
	int y, m, d, n = 0;
	static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };

	if (strlen(v) == 10) {
		if (sscanf(v, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
		    v[4] != '-' || v[7] != '-' ||
		    strspn(v, "0123456789-") != 10 || y < 1970 || m < 1 ||
		    m > 12 || d < 1 || d > days[m - 1] || (m == 2 && d == 29 &&
		    !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
			return 0;
		return 1;
	}
	return ct_time_iso(v, buf) && ct_time_epoch_ms(v) >= 0;
}

/*
 * Both bounds of one form: is from at or after to?  (A date and a
 * date-time are compared by the database, in the org's zone.)
 */
static int
reversed(const char *from, const char *to)
{
	if (from == NULL || to == NULL)
		return 0;
	if (strlen(from) == 10 && strlen(to) == 10)
		return strcmp(from, to) >= 0;
	if (strlen(from) != 10 && strlen(to) != 10)
		return ct_time_epoch_ms(from) >= ct_time_epoch_ms(to);
	return 0;
}

static int
boolean(const char *v, int *out)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*out = 1;
	else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*out = 0;
	else
		return 0;
	return 1;
}

/*
 * Splits q into its phone digits and its words.  A token with a letter is
 * a word (ILIKE wildcards escaped, then quoted for a text[] literal); the
 * digits of the other tokens together are a phone number to look for, when
 * there are at least 3.
 */
static enum ct_err
search(const char *q, struct ct_calls_query *out)
{
	size_t len = strlen(q), i, nd = 0, o = 1;
	char *words, *digits;
	const char *p = q;

	if (len > Q_MAX)
		return CT_ERR_INVALID_PARAMETER;
	/* At most 4 bytes a character (a backslash, escaped twice) and 3 a
	 * word (its quotes and a comma; a word has a character), braces and
	 * NUL: 7 * len + 3. */
	if ((words = malloc(7 * len + 3)) == NULL ||
	    (digits = malloc(len + 1)) == NULL) {
		free(words);
		return CT_ERR_NOMEM;
	}
	words[0] = '{';
	while (*p != '\0') {
		size_t n;
		int letter = 0;

		p += strspn(p, " \t\r\n");
		n = strcspn(p, " \t\r\n");
		for (i = 0; i < n; i++)
			if (!((p[i] >= '0' && p[i] <= '9') ||
			    strchr("+-().#/", p[i]) != NULL))
				letter = 1;
		if (letter) {
			if (o > 1)
				words[o++] = ',';
			words[o++] = '"';
			for (i = 0; i < n; i++) {
				/* ILIKE's escape is a backslash; in the
				 * literal, quotes and backslashes are
				 * escaped again. */
				if (p[i] == '%' || p[i] == '_') {
					words[o++] = '\\';
					words[o++] = '\\';
				} else if (p[i] == '\\') {
					memcpy(words + o, "\\\\\\\\", 4);
					o += 4;
					continue;
				} else if (p[i] == '"') {
					words[o++] = '\\';
				}
				words[o++] = p[i];
			}
			words[o++] = '"';
		} else {
			for (i = 0; i < n; i++)
				if (p[i] >= '0' && p[i] <= '9')
					digits[nd++] = p[i];
		}
		p += n;
	}
	words[o++] = '}';
	words[o] = '\0';
	digits[nd] = '\0';
	if (o > 2) {
		out->words = words;
	} else {
		free(words);
	}
	if (nd >= 3 && nd <= 15) {
		out->digits = digits;
	} else {
		free(digits);
		if (nd > 15)
			return CT_ERR_INVALID_PARAMETER;
	}
	return CT_OK;
}

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *
ct_query_cursor(const char *sort, int desc, const char *value, const char *id)
{
	char raw[256];
	char *out;
	int n = snprintf(raw, sizeof(raw), "%s|%s|%s|%s", sort,
	    desc ? "desc" : "asc", value, id);
	size_t i, o = 0;
	unsigned acc = 0, bits = 0;

	if (n < 0 || (size_t)n >= sizeof(raw) ||
	    (out = malloc((size_t)n * 4 / 3 + 4)) == NULL)
		return NULL;
	for (i = 0; i < (size_t)n; i++) {
		acc = (acc << 8) | (unsigned char)raw[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64url[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[o++] = b64url[(acc << (6 - bits)) & 63];
	out[o] = '\0';
	return out;
}

/* Decodes base64url; returns the length, or -1. */
static int
unb64url(const char *in, char *out, size_t outlen)
{
	unsigned acc = 0, bits = 0;
	size_t o = 0;
	const char *p;

	for (; *in != '\0'; in++) {
		if ((p = strchr(b64url, *in)) == NULL)
			return -1;
		acc = (acc << 6) | (unsigned)(p - b64url);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= outlen)
				return -1;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return (int)o;
}

int
ct_query_uuid(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (strchr("0123456789abcdefABCDEF", s[i]) == NULL) {
			return 0;
		}
	}
	return 1;
}

/* "sort|order|value|id" of this sort and order, its value of the sort's
 * type. */
static enum ct_err
cursor(const char *c, struct ct_calls_query *q)
{
	char raw[256], want[32], *value, *id;
	long long n;

	if (strlen(c) > 300 || unb64url(c, raw, sizeof(raw)) < 0)
		return CT_ERR_INVALID_PARAMETER;
	snprintf(want, sizeof(want), "%s|%s|", q->sort, q->desc ? "desc" : "asc");
	if (strncmp(raw, want, strlen(want)) != 0)
		return CT_ERR_INVALID_PARAMETER;
	value = raw + strlen(want);
	if ((id = strrchr(value, '|')) == NULL)
		return CT_ERR_INVALID_PARAMETER;
	*id++ = '\0';
	if (!ct_query_uuid(id))
		return CT_ERR_INVALID_PARAMETER;
	if (strcmp(q->sort, "started_at") == 0 ? !date_or_time(value) ||
	    strlen(value) == 10 : strcmp(q->sort, "duration") == 0 ?
	    ct_num_parse_str(value, -1, 100000000, &n) != CT_OK :
	    strspn(value, "-0123456789.") != strlen(value) || *value == '\0')
		return CT_ERR_INVALID_PARAMETER;
	if ((q->after_value = strdup(value)) == NULL)
		return CT_ERR_NOMEM;
	memcpy(q->after_id, id, 37);
	return CT_OK;
}

#define BAD(name) do { *bad = (name); return CT_ERR_INVALID_PARAMETER; } while (0)

enum ct_err
ct_calls_query_parse(const char *query, struct ct_calls_query *q,
    const char **bad)
{
	const struct ct_form *f = &q->form;
	const char *v;
	long long n, lo = -1, hi = -1;
	enum ct_err err;

	memset(q, 0, sizeof(*q));
	*bad = NULL;
	q->sort = "started_at";
	q->desc = 1;
	q->limit = CT_QUERY_LIMIT_DEFAULT;
	q->page = 1;
	if (ct_form_parse(query ? query : "", query ? strlen(query) : 0,
	    CT_FORM_MAX_PAIRS, &q->form) != CT_OK)
		BAD("query");
	if ((v = ct_form_get(f, "q")) != NULL && *v != '\0' &&
	    (err = search(v, q)) != CT_OK) {
		if (err == CT_ERR_NOMEM)
			return err;
		BAD("q");
	}
	if (comma_list(ct_form_get(f, "status"), statuses, &q->status))
		BAD("status");
	if (comma_list(ct_form_get(f, "direction"), directions, &q->direction))
		BAD("direction");
	if (comma_list(ct_form_get(f, "booking_status"), bookings, &q->booking))
		BAD("booking_status");
	if (comma_list(ct_form_get(f, "sentiment"), sentiments, &q->sentiment))
		BAD("sentiment");
	if (comma_list(ct_form_get(f, "lead_status"), lead_statuses,
	    &q->lead_status))
		BAD("lead_status");
	if (comma_list(ct_form_get(f, "end_call_reason"), end_reasons,
	    &q->end_reason))
		BAD("end_call_reason");
	if ((q->from = ct_form_get(f, "from")) != NULL && !date_or_time(q->from))
		BAD("from");
	if ((q->to = ct_form_get(f, "to")) != NULL && !date_or_time(q->to))
		BAD("to");
	if (reversed(q->from, q->to))
		BAD("from");
	if ((v = ct_form_get(f, "min_duration")) != NULL) {
		if (ct_num_parse_str(v, 0, 10000000, &lo) != CT_OK)
			BAD("min_duration");
		snprintf(q->min_dur, sizeof(q->min_dur), "%lld", lo);
	}
	if ((v = ct_form_get(f, "max_duration")) != NULL) {
		if (ct_num_parse_str(v, 0, 10000000, &hi) != CT_OK ||
		    (lo >= 0 && hi < lo))
			BAD("max_duration");
		snprintf(q->max_dur, sizeof(q->max_dur), "%lld", hi);
	}
	if ((v = ct_form_get(f, "include_test")) != NULL &&
	    !boolean(v, &q->include_test))
		BAD("include_test");
	if ((v = ct_form_get(f, "sort")) != NULL) {
		if (strcmp(v, "started_at") != 0 && strcmp(v, "duration") != 0 &&
		    strcmp(v, "cost") != 0)
			BAD("sort");
		q->sort = v;
	}
	if ((v = ct_form_get(f, "order")) != NULL) {
		if (strcmp(v, "desc") != 0 && strcmp(v, "asc") != 0)
			BAD("order");
		q->desc = strcmp(v, "desc") == 0;
	}
	if ((v = ct_form_get(f, "limit")) != NULL) {
		if (ct_num_parse_str(v, 1, CT_QUERY_LIMIT_MAX, &n) != CT_OK)
			BAD("limit");
		q->limit = (int)n;
	}
	if ((v = ct_form_get(f, "page")) != NULL &&
	    ct_num_parse_str(v, 1, CT_QUERY_PAGE_MAX, &q->page) != CT_OK)
		BAD("page");
	if ((v = ct_form_get(f, "cursor")) != NULL) {
		if (ct_form_get(f, "page") != NULL)
			BAD("cursor");	/* one way of paging at a time */
		if ((err = cursor(v, q)) != CT_OK) {
			if (err == CT_ERR_NOMEM)
				return err;
			BAD("cursor");
		}
		q->page = 0;
	}
	if ((v = ct_form_get(f, "format")) != NULL) {
		if (strcmp(v, "json") != 0 && strcmp(v, "csv") != 0)
			BAD("format");
		q->csv = strcmp(v, "csv") == 0;
	}
	return CT_OK;
}

void
ct_calls_query_free(struct ct_calls_query *q)
{
	free(q->digits);
	free(q->words);
	free(q->status);
	free(q->direction);
	free(q->booking);
	free(q->sentiment);
	free(q->lead_status);
	free(q->end_reason);
	free(q->after_value);
	ct_form_free(&q->form);
	memset(q, 0, sizeof(*q));
}

int
ct_query_timezone(const char *tz)
{
	char path[128];
	size_t n = tz ? strlen(tz) : 0;

	/* Area/Location names only: no "..", no leading '/', no spaces. */
	if (n == 0 || n > 64 || tz[0] == '/' || tz[0] == '.' ||
	    strstr(tz, "..") != NULL ||
	    strspn(tz, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789/_+-") != n)
		return 0;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	return access(path, R_OK) == 0;
}

enum ct_err
ct_stats_query_parse(const char *query, struct ct_stats_query *q,
    const char **bad)
{
	const char *v;

	memset(q, 0, sizeof(*q));
	*bad = NULL;
	if (ct_form_parse(query ? query : "", query ? strlen(query) : 0,
	    CT_FORM_MAX_PAIRS, &q->form) != CT_OK)
		BAD("query");
	if ((q->from = ct_form_get(&q->form, "from")) != NULL &&
	    !date_or_time(q->from))
		BAD("from");
	if ((q->to = ct_form_get(&q->form, "to")) != NULL &&
	    !date_or_time(q->to))
		BAD("to");
	if (reversed(q->from, q->to))
		BAD("from");
	if ((q->tz = ct_form_get(&q->form, "tz")) != NULL &&
	    !ct_query_timezone(q->tz))
		BAD("tz");
	if ((v = ct_form_get(&q->form, "include_test")) != NULL &&
	    !boolean(v, &q->include_test))
		BAD("include_test");
	return CT_OK;
}

void
ct_stats_query_free(struct ct_stats_query *q)
{
	ct_form_free(&q->form);
	memset(q, 0, sizeof(*q));
}
