/*
 * query.c: dashboard query parameters, declared as tables.
 *
 * Each endpoint's parameters are one table (ct_query_calls,
 * ct_query_stats): a row names a parameter, its validator, its bounds and
 * where its value goes.  The parse walks the table, so a value reaches the
 * query struct, and from there SQL, only through its row's validator.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/event.h"
#include "ingest/phone.h"
#include "core/json.h"
#include "core/num.h"
#include "read/query.h"

#define Q_MAX 200		/* longest search */
#define LIST_MAX 200		/* longest comma list */
#define CURSOR_MAX 300		/* longest cursor, base64url */
/* Longest contact cursor, decoded: a name's 200 characters, lower-cased
 * (which may lengthen a character's UTF-8), with the sort, order and id;
 * and base64url. */
#define CONTACTS_CURSOR_MAX 2048
#define CONTACTS_CURSOR_B64 (CONTACTS_CURSOR_MAX * 4 / 3)
#define DURATION_MAX 10000000	/* seconds, min_duration and max_duration */
#define AGENTS_LIST_MAX 2000	/* longest agent list */

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

/* Where row p's value goes in the query struct q. */
#define DEST(p, q, type) ((type *)(void *)((char *)(q) + (p)->off))

/*
 * A comma list of at most p->max bytes whose every item is in p->allowed,
 * as a text[] literal (the items need no quoting), malloc'd into the
 * char * at p->off.
 */
static enum ct_err
valid_list(const struct ct_query_param *prm, const char *v, void *q)
{
	const char *p = v;
	size_t o = 0, len = strlen(v);
	char *lit;

	if (len == 0 || len > (size_t)prm->max)
		return CT_ERR_INVALID_PARAMETER;
	if ((lit = malloc(len + 3)) == NULL)
		return CT_ERR_NOMEM;
	lit[o++] = '{';
	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		if (!allowed(p, n, prm->allowed)) {
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
	*DEST(prm, q, char *) = lit;
	return CT_OK;
}

/*
 * Splits q (at most max bytes of UTF-8) into its phone digits and its
 * words, into *digits_out and *words_out (malloc'd, or left NULL), and
 * whether the number began with '+' into *plus_out (when not NULL).  A
 * token with a letter is a word (ILIKE wildcards escaped, then quoted for
 * a text[] literal); the digits of the other tokens together are a phone
 * number to look for, when there are 3 to 15 (read in the org's country
 * later: ct_calls_query_phone).  An empty q searches nothing.
 */
static enum ct_err
split_search(const char *q, size_t max, char **digits_out, char **words_out,
    int *plus_out)
{
	size_t len = strlen(q), i, nd = 0, o = 1;
	char *words, *digits;
	const char *p = q;

	if (len == 0)
		return CT_OK;
	/* The words go to the database as text, which must be UTF-8. */
	if (len > max || !ct_utf8_valid(q, len))
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
			if (nd == 0 && n > 0 && p[0] == '+' &&
			    plus_out != NULL)
				*plus_out = 1;
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
		*words_out = words;
	} else {
		free(words);
	}
	if (nd >= 3 && nd <= 15) {
		*digits_out = digits;
	} else {
		free(digits);
		if (nd > 15)
			return CT_ERR_INVALID_PARAMETER;
	}
	return CT_OK;
}

/* q of GET /api/calls (split_search), into the struct ct_calls_query. */
static enum ct_err
valid_search(const struct ct_query_param *prm, const char *q, void *qv)
{
	struct ct_calls_query *out = qv;

	return split_search(q, (size_t)prm->max, &out->digits, &out->words,
	    &out->digits_plus);
}

/* q of GET /api/contacts, the same, into the struct ct_contacts_query. */
static enum ct_err
valid_contacts_search(const struct ct_query_param *prm, const char *q,
    void *qv)
{
	struct ct_contacts_query *out = qv;

	return split_search(q, (size_t)prm->max, &out->digits, &out->words,
	    &out->digits_plus);
}

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *
ct_query_cursor(const char *sort, int desc, const char *value, const char *id)
{
	size_t size = strlen(sort) + strlen(value) + strlen(id) + 8;
	char *raw, *out;
	int n;
	size_t i, o = 0;
	unsigned acc = 0, bits = 0;

	if ((raw = malloc(size)) == NULL)
		return NULL;
	n = snprintf(raw, size, "%s|%s|%s|%s", sort, desc ? "desc" : "asc",
	    value, id);
	if (n < 0 || (size_t)n >= size ||
	    (out = malloc((size_t)n * 4 / 3 + 4)) == NULL) {
		free(raw);
		return NULL;
	}
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
	free(raw);
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

bool
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


/* A date (YYYY-MM-DD, a day of the calendar) or an ISO 8601 date-time,
 * both from 1970 on (ct_time_iso's calendar). */
static int
date_or_time(const char *v)
{
	char buf[CT_TIME_MAX];

	if (strlen(v) == 10)
		return ct_time_date(v) && strncmp(v, "1970", 4) >= 0;
	return ct_time_iso(v, buf) && ct_time_epoch_ms(v) >= 0;
}

/* A range bound (date_or_time), borrowed into the const char * at
 * p->off. */
static enum ct_err
valid_time(const struct ct_query_param *p, const char *v, void *q)
{
	if (!date_or_time(v))
		return CT_ERR_INVALID_PARAMETER;
	*DEST(p, q, const char *) = v;
	return CT_OK;
}

/* An integer in [p->min, p->max] (no more than an int holds) into the int
 * at p->off. */
static enum ct_err
valid_int(const struct ct_query_param *p, const char *v, void *q)
{
	long long n;

	if (ct_num_parse_str(v, p->min, p->max, &n) != CT_OK)
		return CT_ERR_INVALID_PARAMETER;
	*DEST(p, q, int) = (int)n;
	return CT_OK;
}

/* The same into the long long at p->off. */
static enum ct_err
valid_llong(const struct ct_query_param *p, const char *v, void *q)
{
	long long n;

	if (ct_num_parse_str(v, p->min, p->max, &n) != CT_OK)
		return CT_ERR_INVALID_PARAMETER;
	*DEST(p, q, long long) = n;
	return CT_OK;
}

/* An integer in [p->min, p->max], written in decimal into the char[24] at
 * p->off (the text SQL takes). */
static enum ct_err
valid_decimal(const struct ct_query_param *p, const char *v, void *q)
{
	long long n;

	if (ct_num_parse_str(v, p->min, p->max, &n) != CT_OK)
		return CT_ERR_INVALID_PARAMETER;
	snprintf(DEST(p, q, char), 24, "%lld", n);
	return CT_OK;
}

/* true or 1, false or 0, into the int at p->off. */
static enum ct_err
valid_bool(const struct ct_query_param *p, const char *v, void *q)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*DEST(p, q, int) = 1;
	else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*DEST(p, q, int) = 0;
	else
		return CT_ERR_INVALID_PARAMETER;
	return CT_OK;
}

/* One word of p->allowed, whose static copy goes into the const char * at
 * p->off. */
static enum ct_err
valid_word(const struct ct_query_param *p, const char *v, void *q)
{
	const char *const *w;

	for (w = p->allowed; *w != NULL; w++) {
		if (strcmp(v, *w) == 0) {
			*DEST(p, q, const char *) = *w;
			return CT_OK;
		}
	}
	return CT_ERR_INVALID_PARAMETER;
}

/* One word of p->allowed, whose index goes into the int at p->off. */
static enum ct_err
valid_choice(const struct ct_query_param *p, const char *v, void *q)
{
	int i;

	for (i = 0; p->allowed[i] != NULL; i++) {
		if (strcmp(v, p->allowed[i]) == 0) {
			*DEST(p, q, int) = i;
			return CT_OK;
		}
	}
	return CT_ERR_INVALID_PARAMETER;
}

/* A zone of the time zone database, borrowed into the const char * at
 * p->off. */
static enum ct_err
valid_tz(const struct ct_query_param *p, const char *v, void *q)
{
	if (!ct_query_timezone(v))
		return CT_ERR_INVALID_PARAMETER;
	*DEST(p, q, const char *) = v;
	return CT_OK;
}

/*
 * A cost as the list sorts it: a decimal that numeric(14, 6) holds, at
 * most 8 digits before the point and 6 after, or -1 (no cost).
 */
static int
cost_value(const char *v)
{
	size_t i = 0, n;

	if (strcmp(v, "-1") == 0)
		return 1;
	n = strspn(v, "0123456789");
	if (n == 0 || n > 8)
		return 0;
	i = n;
	if (v[i] == '.') {
		n = strspn(v + i + 1, "0123456789");
		if (n == 0 || n > 6)
			return 0;
		i += 1 + n;
	}
	return v[i] == '\0';
}

/* Is value a value of the sort's column, in the shape the page wrote it? */
static int
sort_value(const char *sort, const char *value)
{
	char buf[CT_TIME_MAX];
	long long n;

	if (strcmp(sort, "started_at") == 0)
		return strlen(value) != 10 && ct_time_iso(value, buf) &&
		    ct_time_epoch_ms(value) >= 0;
	if (strcmp(sort, "duration") == 0)	/* -1: no duration */
		return ct_num_parse_str(value, -1, 100000000, &n) == CT_OK;
	return cost_value(value);
}

/*
 * Takes a cursor c (at most max characters) apart into raw (size bytes):
 * "sort|order|value|id", base64url-encoded, of the given sort and order,
 * its id a UUID.  Points *value and *id into raw; 1 when it is one, else 0.
 */
static int
cursor_split(const char *c, size_t max, const char *sort, int desc,
    char *raw, size_t size, char **value, char **id)
{
	char want[40];
	int n;

	if (strlen(c) > max || (n = unb64url(c, raw, size)) < 0 ||
	    memchr(raw, '\0', (size_t)n) != NULL)
		return 0;
	snprintf(want, sizeof(want), "%s|%s|", sort, desc ? "desc" : "asc");
	if (strncmp(raw, want, strlen(want)) != 0)
		return 0;
	*value = raw + strlen(want);
	if ((*id = strrchr(*value, '|')) == NULL)
		return 0;
	*(*id)++ = '\0';
	return ct_query_uuid(*id);
}

/*
 * A cursor of the sort and order the rows above set (cursor_split), its
 * value of the sort's shape: into after_value (malloc'd) and after_id of
 * the struct ct_calls_query.
 */
static enum ct_err
valid_cursor(const struct ct_query_param *p, const char *c, void *qv)
{
	struct ct_calls_query *q = qv;
	char raw[256], *value, *id;

	if (!cursor_split(c, (size_t)p->max, q->sort, q->desc, raw, sizeof(raw),
	    &value, &id) || !sort_value(q->sort, value))
		return CT_ERR_INVALID_PARAMETER;
	if ((q->after_value = strdup(value)) == NULL)
		return CT_ERR_NOMEM;
	memcpy(q->after_id, id, 37);
	q->page = 0;
	return CT_OK;
}

/* An integration's slug, borrowed into the const char * at p->off. */
static enum ct_err
valid_slug(const struct ct_query_param *p, const char *v, void *q)
{
	if (!ct_integration_id_valid(v))
		return CT_ERR_INVALID_PARAMETER;
	*DEST(p, q, const char *) = v;
	return CT_OK;
}

/* A UUID, borrowed into the const char * at p->off. */
static enum ct_err
valid_uuid(const struct ct_query_param *p, const char *v, void *q)
{
	if (!ct_query_uuid(v))
		return CT_ERR_INVALID_PARAMETER;
	*DEST(p, q, const char *) = v;
	return CT_OK;
}

bool
ct_query_delivery_id(const char *s, char *kind, char id[24])
{
	long long n;
	size_t len;

	if (s == NULL || (s[0] != 'e' && s[0] != 'd' && s[0] != 'r'))
		return false;
	len = strlen(s + 1);
	/* Digits only, no sign, no leading zero: one spelling per id. */
	if (len == 0 || len > 19 || s[1] == '0' ||
	    strspn(s + 1, "0123456789") != len ||
	    ct_num_parse_str(s + 1, 1, 9223372036854775807LL, &n) != CT_OK)
		return false;
	*kind = s[0];
	snprintf(id, 24, "%lld", n);
	return true;
}

/* A time as ct_ingest_deliveries writes a cursor's: ISO 8601 UTC with
 * microseconds, "YYYY-MM-DDTHH:MM:SS.ffffffZ", from 1970 on. */
static int
cursor_time(const char *v)
{
	char buf[CT_TIME_MAX];

	return strlen(v) == 27 && v[26] == 'Z' && ct_time_iso(v, buf) &&
	    ct_time_epoch_ms(v) >= 0;
}

char *
ct_query_delivery_cursor(const char *next)
{
	char at[CT_QUERY_TIME_MAX], id[32], kind, nid[24];
	const char *bar1, *bar2;

	if (next == NULL || (bar1 = strchr(next, '|')) == NULL ||
	    (size_t)(bar1 - next) >= sizeof(at) ||
	    (bar2 = strchr(bar1 + 1, '|')) == NULL || bar2 != bar1 + 2 ||
	    strlen(bar2 + 1) + 2 > sizeof(id))
		return NULL;
	memcpy(at, next, (size_t)(bar1 - next));
	at[bar1 - next] = '\0';
	snprintf(id, sizeof(id), "%c%s", bar1[1], bar2 + 1);
	if (!cursor_time(at) || !ct_query_delivery_id(id, &kind, nid))
		return NULL;
	return ct_query_cursor("deliveries", 1, at, id);
}

/*
 * "deliveries|desc|<time>|<delivery id>", base64url-encoded, as
 * ct_query_delivery_cursor makes it: into after_at, after_kind and
 * after_id of the struct ct_ingest_deliveries_query.
 */
static enum ct_err
valid_delivery_cursor(const struct ct_query_param *p, const char *c, void *qv)
{
	static const char want[] = "deliveries|desc|";
	struct ct_ingest_deliveries_query *q = qv;
	char raw[256], *value, *id, kind;
	int n;

	if (strlen(c) > (size_t)p->max ||
	    (n = unb64url(c, raw, sizeof(raw))) < 0 ||
	    memchr(raw, '\0', (size_t)n) != NULL ||
	    strncmp(raw, want, sizeof(want) - 1) != 0)
		return CT_ERR_INVALID_PARAMETER;
	value = raw + sizeof(want) - 1;
	if ((id = strrchr(value, '|')) == NULL)
		return CT_ERR_INVALID_PARAMETER;
	*id++ = '\0';
	if (!cursor_time(value) ||
	    !ct_query_delivery_id(id, &kind, q->after_id))
		return CT_ERR_INVALID_PARAMETER;
	memcpy(q->after_at, value, 28);	/* cursor_time: 27 and NUL */
	q->after_kind[0] = kind;
	q->after_kind[1] = '\0';
	return CT_OK;
}

/* A time as the pages write a sort value: ISO 8601 date-time, 1970 on. */
static int
time_value(const char *value)
{
	char buf[CT_TIME_MAX];

	return strlen(value) != 10 && ct_time_iso(value, buf) &&
	    ct_time_epoch_ms(value) >= 0;
}

/* Is value a value of the contact sort's column, in the shape the page
 * wrote it?  A contact never contacted sorts as -infinity; a name is its
 * lower-cased text, which may hold any character. */
static int
contacts_sort_value(const char *sort, const char *value)
{
	long long n;

	if (strcmp(sort, "last_contacted_at") == 0)
		return strcmp(value, "-infinity") == 0 || time_value(value);
	if (strcmp(sort, "created_at") == 0)
		return time_value(value);
	if (strcmp(sort, "lead_score") == 0)
		return ct_num_parse_str(value, 0, 100, &n) == CT_OK;
	if (strcmp(sort, "call_count") == 0)
		return ct_num_parse_str(value, 0, 2147483647, &n) == CT_OK;
	return ct_utf8_valid(value, strlen(value));	/* name */
}

/* The cursor of GET /api/contacts: as valid_cursor, of a contact sort,
 * into the struct ct_contacts_query. */
static enum ct_err
valid_contacts_cursor(const struct ct_query_param *p, const char *c,
    void *qv)
{
	struct ct_contacts_query *q = qv;
	char raw[CONTACTS_CURSOR_MAX], *value, *id;

	if (!cursor_split(c, (size_t)p->max, q->sort, q->desc, raw, sizeof(raw),
	    &value, &id) || !contacts_sort_value(q->sort, value))
		return CT_ERR_INVALID_PARAMETER;
	if ((q->after_value = strdup(value)) == NULL)
		return CT_ERR_NOMEM;
	memcpy(q->after_id, id, 37);
	q->page = 0;
	return CT_OK;
}

/* The cursor of GET /api/alerts: newest first, by creation time. */
static enum ct_err
valid_alerts_cursor(const struct ct_query_param *p, const char *c, void *qv)
{
	struct ct_alerts_query *q = qv;
	char raw[256], *value, *id;

	if (!cursor_split(c, (size_t)p->max, "created_at", 1, raw, sizeof(raw),
	    &value, &id) || !time_value(value))
		return CT_ERR_INVALID_PARAMETER;
	if ((q->after_value = strdup(value)) == NULL)
		return CT_ERR_NOMEM;
	memcpy(q->after_id, id, 37);
	return CT_OK;
}

/*
 * A comma list of at most CT_QUERY_AGENTS_MAX agent ids (letters, digits
 * and "_.:-", 1 to 200 each; Vapi's are UUIDs, Retell's "agent_…"), as a
 * text[] literal of quoted items (so that none reads as NULL), malloc'd
 * into the char * at p->off.
 */
static enum ct_err
valid_ids(const struct ct_query_param *prm, const char *v, void *q)
{
	static const char idchars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_.:-";
	size_t len = strlen(v), o = 0, n;
	const char *p = v;
	char *lit;
	int items = 0;

	if (len == 0 || len > (size_t)prm->max)
		return CT_ERR_INVALID_PARAMETER;
	/* Each item gains two quotes and loses at most its comma. */
	if ((lit = malloc(3 * len + 3)) == NULL)
		return CT_ERR_NOMEM;
	lit[o++] = '{';
	for (;;) {
		n = strcspn(p, ",");
		if (n == 0 || n > 200 || strspn(p, idchars) != n ||
		    ++items > CT_QUERY_AGENTS_MAX) {
			free(lit);
			return CT_ERR_INVALID_PARAMETER;
		}
		if (items > 1)
			lit[o++] = ',';
		lit[o++] = '"';
		memcpy(lit + o, p, n);
		o += n;
		lit[o++] = '"';
		p += n;
		if (*p == '\0')
			break;
		p++;		/* the comma; a trailing one is an empty item */
	}
	lit[o++] = '}';
	lit[o] = '\0';
	*DEST(prm, q, char *) = lit;
	return CT_OK;
}

/* true or false, as "t" or "f" into the const char * at p->off. */
static enum ct_err
valid_tristate(const struct ct_query_param *p, const char *v, void *q)
{
	if (strcmp(v, "true") == 0)
		*DEST(p, q, const char *) = "t";
	else if (strcmp(v, "false") == 0)
		*DEST(p, q, const char *) = "f";
	else
		return CT_ERR_INVALID_PARAMETER;
	return CT_OK;
}

/*
 * One analysis.<key>=<value> filter, given as "<key>=<value>": the key
 * [A-Za-z0-9_]{1,64}, the value 1 to p->max bytes of UTF-8; at most
 * CT_QUERY_ANALYSIS_MAX of them, appended to the text[] literal analysis
 * of the struct ct_calls_query as two quoted items.
 */
static enum ct_err
valid_analysis(const struct ct_query_param *p, const char *kv, void *qv)
{
	static const char keychars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_";
	struct ct_calls_query *q = qv;
	size_t k = strcspn(kv, "="), vlen, old, o, i;
	const char *val;
	char *lit;

	if (k == 0 || k > 64 || strspn(kv, keychars) != k || kv[k] != '=')
		return CT_ERR_INVALID_PARAMETER;
	val = kv + k + 1;
	vlen = strlen(val);
	if (vlen == 0 || vlen > (size_t)p->max || !ct_utf8_valid(val, vlen) ||
	    q->n_analysis >= CT_QUERY_ANALYSIS_MAX)
		return CT_ERR_INVALID_PARAMETER;
	for (i = 0; i < vlen; i++)
		if ((unsigned char)val[i] < 0x20 || val[i] == 0x7f)
			return CT_ERR_INVALID_PARAMETER;
	old = q->analysis != NULL ? strlen(q->analysis) : 0;
	/* The key's and the value's quotes, a comma each, the value's
	 * quotes and backslashes escaped: at most 2 * vlen + k + 8 more. */
	if ((lit = realloc(q->analysis, old + k + 2 * vlen + 9)) == NULL)
		return CT_ERR_NOMEM;
	q->analysis = lit;
	if (old == 0) {
		lit[0] = '{';
		o = 1;
	} else {
		o = old - 1;	/* over the closing brace */
		lit[o++] = ',';
	}
	lit[o++] = '"';
	memcpy(lit + o, kv, k);
	o += k;
	lit[o++] = '"';
	lit[o++] = ',';
	lit[o++] = '"';
	for (i = 0; i < vlen; i++) {
		if (val[i] == '"' || val[i] == '\\')
			lit[o++] = '\\';
		lit[o++] = val[i];
	}
	lit[o++] = '"';
	lit[o++] = '}';
	lit[o] = '\0';
	q->n_analysis++;
	return CT_OK;
}

static const char *const sorts[] = { "started_at", "duration", "cost", NULL };
static const char *const orders[] = { "asc", "desc", NULL };
static const char *const formats[] = { "json", "csv", NULL };
static const char *const group_bys[] = { "agent", NULL };

#define CALLS(field) offsetof(struct ct_calls_query, field)
#define STATS(field) offsetof(struct ct_stats_query, field)

/*
 * GET /api/calls.  Rows are checked in this order, and a validator may
 * read what the rows above it stored: the cursor belongs to one sort and
 * order.
 */
const struct ct_query_param ct_query_calls[] = {
	{ "q", valid_search, 0, Q_MAX, NULL, 0 },
	{ "status", valid_list, 0, LIST_MAX, statuses, CALLS(status) },
	{ "direction", valid_list, 0, LIST_MAX, directions, CALLS(direction) },
	{ "booking_status", valid_list, 0, LIST_MAX, bookings, CALLS(booking) },
	{ "sentiment", valid_list, 0, LIST_MAX, sentiments, CALLS(sentiment) },
	{ "lead_status", valid_list, 0, LIST_MAX, lead_statuses,
	    CALLS(lead_status) },
	{ "end_call_reason", valid_list, 0, LIST_MAX, end_reasons,
	    CALLS(end_reason) },
	{ "from", valid_time, 0, 0, NULL, CALLS(from) },
	{ "to", valid_time, 0, 0, NULL, CALLS(to) },
	{ "min_duration", valid_decimal, 0, DURATION_MAX, NULL,
	    CALLS(min_dur) },
	{ "max_duration", valid_decimal, 0, DURATION_MAX, NULL,
	    CALLS(max_dur) },
	{ "include_test", valid_bool, 0, 1, NULL, CALLS(include_test) },
	{ "sort", valid_word, 0, 0, sorts, CALLS(sort) },
	{ "order", valid_choice, 0, 1, orders, CALLS(desc) },
	{ "limit", valid_int, 1, CT_QUERY_LIMIT_MAX, NULL, CALLS(limit) },
	{ "page", valid_llong, 1, CT_QUERY_PAGE_MAX, NULL, CALLS(page) },
	{ "cursor", valid_cursor, 0, CURSOR_MAX, NULL, 0 },
	{ "format", valid_choice, 0, 1, formats, CALLS(csv) },
	{ "agent", valid_ids, 0, AGENTS_LIST_MAX, NULL, CALLS(agent) },
	{ "success", valid_tristate, 0, 0, NULL, CALLS(success) },
	{ "analysis.*", valid_analysis, 0, CT_QUERY_ANALYSIS_VALUE_MAX, NULL, 0 },
	{ NULL, NULL, 0, 0, NULL, 0 }
};

static const char *const contact_sorts[] = { "last_contacted_at",
    "lead_score", "name", "created_at", "call_count", NULL };
static const char *const alert_states[] = { "open", "acknowledged", "all",
    NULL };

#define CONTACTS(field) offsetof(struct ct_contacts_query, field)
#define ALERTS(field) offsetof(struct ct_alerts_query, field)

/* GET /api/contacts.  As for the calls, the cursor's row comes after the
 * sort's and the order's. */
const struct ct_query_param ct_query_contacts[] = {
	{ "q", valid_contacts_search, 0, Q_MAX, NULL, 0 },
	{ "lead_status", valid_list, 0, LIST_MAX, lead_statuses,
	    CONTACTS(lead_status) },
	{ "has_name", valid_bool, 0, 1, NULL, CONTACTS(has_name) },
	{ "sort", valid_word, 0, 0, contact_sorts, CONTACTS(sort) },
	{ "order", valid_choice, 0, 1, orders, CONTACTS(desc) },
	{ "limit", valid_int, 1, CT_QUERY_LIMIT_MAX, NULL, CONTACTS(limit) },
	{ "page", valid_llong, 1, CT_QUERY_PAGE_MAX, NULL, CONTACTS(page) },
	{ "cursor", valid_contacts_cursor, 0, CONTACTS_CURSOR_B64, NULL, 0 },
	{ "format", valid_choice, 0, 1, formats, CONTACTS(csv) },
	{ NULL, NULL, 0, 0, NULL, 0 }
};

/* GET /api/alerts. */
const struct ct_query_param ct_query_alerts[] = {
	{ "state", valid_word, 0, 0, alert_states, ALERTS(state) },
	{ "limit", valid_int, 1, CT_QUERY_LIMIT_MAX, NULL, ALERTS(limit) },
	{ "cursor", valid_alerts_cursor, 0, CURSOR_MAX, NULL, 0 },
	{ NULL, NULL, 0, 0, NULL, 0 }
};

/* GET /api/stats. */
const struct ct_query_param ct_query_stats[] = {
	{ "from", valid_time, 0, 0, NULL, STATS(from) },
	{ "to", valid_time, 0, 0, NULL, STATS(to) },
	{ "tz", valid_tz, 0, 0, NULL, STATS(tz) },
	{ "include_test", valid_bool, 0, 1, NULL, STATS(include_test) },
	{ "agent", valid_ids, 0, AGENTS_LIST_MAX, NULL, STATS(agent) },
	{ "group_by", valid_word, 0, 0, group_bys, STATS(group_by) },
	{ NULL, NULL, 0, 0, NULL, 0 }
};

#define INGEST(field) offsetof(struct ct_ingest_query, field)
#define DELIVERIES(field) offsetof(struct ct_ingest_deliveries_query, field)

static const char *const delivery_outcomes[] = { "applied", "recorded",
    "parked", "duplicate", "rejected", NULL };

/* GET /api/ingest. */
const struct ct_query_param ct_query_ingest[] = {
	{ "from", valid_time, 0, 0, NULL, INGEST(from) },
	{ "to", valid_time, 0, 0, NULL, INGEST(to) },
	{ NULL, NULL, 0, 0, NULL, 0 }
};

/* GET /api/ingest/deliveries. */
const struct ct_query_param ct_query_ingest_deliveries[] = {
	{ "integration", valid_slug, 0, 0, NULL, DELIVERIES(integration) },
	{ "outcome", valid_word, 0, 0, delivery_outcomes, DELIVERIES(outcome) },
	{ "call_id", valid_uuid, 0, 0, NULL, DELIVERIES(call_id) },
	{ "limit", valid_int, 1, CT_QUERY_LIMIT_MAX, NULL, DELIVERIES(limit) },
	{ "cursor", valid_delivery_cursor, 0, CURSOR_MAX, NULL, 0 },
	{ NULL, NULL, 0, 0, NULL, 0 }
};

/* The length of a family's prefix ("analysis." of "analysis.*"), or 0
 * when name is no family. */
static size_t
family(const char *name)
{
	size_t n = strlen(name);

	return n > 2 && strcmp(name + n - 2, ".*") == 0 ? n - 1 : 0;
}

/* A family's name for a 400: its prefix without the dot, a static
 * string (the families are the tables' rows). */
static const char *
family_name(const char *name)
{
	if (strcmp(name, "analysis.*") == 0)
		return "analysis";
	return name;
}

/*
 * Names the parameter of the first pair of query that does not decode (a
 * bad escape or a NUL), when it is one of table's; else "query".
 */
static const char *
undecodable(const char *query, const struct ct_query_param *table)
{
	const char *p = query;
	const struct ct_query_param *row;
	char name[32], *value;
	size_t seg, eq, len;
	enum ct_err err;

	for (; *p != '\0'; p += seg + (p[seg] == '&')) {
		seg = strcspn(p, "&");
		eq = strcspn(p, "=&");
		if (eq >= sizeof(name) ||
		    ct_form_decode(p, eq, 1, name, &len) != CT_OK)
			continue;
		for (row = table; row->name != NULL; row++)
			if (strcmp(row->name, name) == 0 || (family(row->name) &&
			    strncmp(row->name, name, family(row->name)) == 0))
				break;
		if (row->name == NULL || eq == seg ||
		    (value = malloc(seg - eq)) == NULL)
			continue;
		err = ct_form_decode(p + eq + 1, seg - eq - 1, 1, value, &len);
		free(value);
		if (err != CT_OK)
			return family(row->name) ? family_name(row->name) :
			    row->name;
	}
	return "query";
}

/* Every parameter of p's family through its validator, as
 * "<key>=<value>"; the first error stops it. */
static enum ct_err
walk_family(const struct ct_query_param *p, const struct ct_form *form,
    void *q)
{
	size_t pre = family(p->name), i, kl, vl;
	enum ct_err err;
	char *kv;

	for (i = 0; i < form->n; i++) {
		const struct ct_form_pair *f = &form->pairs[i];

		if (f->name_len <= pre || strncmp(f->name, p->name, pre) != 0)
			continue;
		kl = f->name_len - pre;
		vl = f->value_len;
		/* A key that holds '=' would split wrongly: it is no key. */
		if (memchr(f->name + pre, '=', kl) != NULL)
			return CT_ERR_INVALID_PARAMETER;
		if ((kv = malloc(kl + vl + 2)) == NULL)
			return CT_ERR_NOMEM;
		memcpy(kv, f->name + pre, kl);
		kv[kl] = '=';
		memcpy(kv + kl + 1, f->value, vl);
		kv[kl + 1 + vl] = '\0';
		err = p->valid(p, kv, q);
		free(kv);
		if (err != CT_OK)
			return err;
	}
	return CT_OK;
}

/*
 * Parses query into form and walks table over it: each present parameter
 * through its row's validator into q.  Returns CT_OK, CT_ERR_NOMEM, or
 * CT_ERR_INVALID_PARAMETER with *bad the row's name.
 */
static enum ct_err
walk(const struct ct_query_param *table, const char *query,
    struct ct_form *form, void *q, const char **bad)
{
	const struct ct_query_param *p;
	const char *v;
	enum ct_err err;

	if (query == NULL)
		query = "";
	if ((err = ct_form_parse(query, strlen(query), CT_FORM_MAX_PAIRS,
	    form)) != CT_OK) {
		if (err == CT_ERR_NOMEM)
			return err;
		*bad = undecodable(query, table);
		return CT_ERR_INVALID_PARAMETER;
	}
	for (p = table; p->name != NULL; p++) {
		if (family(p->name) > 0) {
			if ((err = walk_family(p, form, q)) != CT_OK) {
				if (err == CT_ERR_NOMEM)
					return err;
				*bad = family_name(p->name);
				return CT_ERR_INVALID_PARAMETER;
			}
			continue;
		}
		if ((v = ct_form_get(form, p->name)) == NULL)
			continue;
		if ((err = p->valid(p, v, q)) != CT_OK) {
			if (err == CT_ERR_NOMEM)
				return err;
			*bad = p->name;
			return CT_ERR_INVALID_PARAMETER;
		}
	}
	return CT_OK;
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

/* Milliseconds since the epoch of a range bound (a date: its midnight
 * UTC, within a day of its midnight in any zone). */
static long long
bound_ms(const char *v)
{
	char t[CT_TIME_MAX];

	if (strlen(v) != 10)
		return ct_time_epoch_ms(v);
	snprintf(t, sizeof(t), "%.10sT00:00:00Z", v);
	return ct_time_epoch_ms(t);
}

#define BAD(name) do { *bad = (name); return CT_ERR_INVALID_PARAMETER; } while (0)

enum ct_err
ct_calls_query_parse(const char *query, struct ct_calls_query *q,
    const char **bad)
{
	long long lo, hi;
	enum ct_err err;

	memset(q, 0, sizeof(*q));
	*bad = NULL;
	q->sort = "started_at";
	q->desc = 1;
	q->limit = CT_QUERY_LIMIT_DEFAULT;
	q->page = 1;
	if ((err = walk(ct_query_calls, query, &q->form, q, bad)) != CT_OK)
		return err;
	/* What one value means beside another. */
	if (reversed(q->from, q->to))
		BAD("from");
	if (q->min_dur[0] != '\0' && q->max_dur[0] != '\0' &&
	    ct_num_parse_str(q->min_dur, 0, DURATION_MAX, &lo) == CT_OK &&
	    ct_num_parse_str(q->max_dur, 0, DURATION_MAX, &hi) == CT_OK &&
	    hi < lo)
		BAD("max_duration");
	if (q->after_value != NULL && ct_form_get(&q->form, "page") != NULL)
		BAD("cursor");	/* one way of paging at a time */
	return CT_OK;
}

/* A search's digits (*digits, malloc'd; plus: it began with '+') read in
 * the org's country: ct_calls_query_phone and ct_contacts_query_phone. */
static enum ct_err
search_phone(char **digits, int plus, const char *country)
{
	char raw[CT_PHONE_E164_MAX], out[CT_PHONE_E164_MAX], *d;

	if (*digits == NULL || strlen(*digits) > CT_PHONE_E164_MAX - 2)
		return CT_OK;
	snprintf(raw, sizeof(raw), "%s%s", plus ? "+" : "", *digits);
	if (ct_phone_digits(raw, country, out, sizeof(out)) < 3 ||
	    strcmp(out, *digits) == 0)
		return CT_OK;
	if ((d = strdup(out)) == NULL)
		return CT_ERR_NOMEM;
	free(*digits);
	*digits = d;
	return CT_OK;
}

enum ct_err
ct_calls_query_phone(struct ct_calls_query *q, const char *country)
{
	return search_phone(&q->digits, q->digits_plus, country);
}

enum ct_err
ct_contacts_query_phone(struct ct_contacts_query *q, const char *country)
{
	return search_phone(&q->digits, q->digits_plus, country);
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
	free(q->agent);
	free(q->analysis);
	ct_form_free(&q->form);
	memset(q, 0, sizeof(*q));
}

enum ct_err
ct_contacts_query_parse(const char *query, struct ct_contacts_query *q,
    const char **bad)
{
	enum ct_err err;

	memset(q, 0, sizeof(*q));
	*bad = NULL;
	q->has_name = -1;
	q->sort = "last_contacted_at";
	q->desc = 1;
	q->limit = CT_QUERY_LIMIT_DEFAULT;
	q->page = 1;
	if ((err = walk(ct_query_contacts, query, &q->form, q, bad)) != CT_OK)
		return err;
	if (q->after_value != NULL && ct_form_get(&q->form, "page") != NULL)
		BAD("cursor");	/* one way of paging at a time */
	return CT_OK;
}

void
ct_contacts_query_free(struct ct_contacts_query *q)
{
	free(q->digits);
	free(q->words);
	free(q->lead_status);
	free(q->after_value);
	ct_form_free(&q->form);
	memset(q, 0, sizeof(*q));
}

enum ct_err
ct_alerts_query_parse(const char *query, struct ct_alerts_query *q,
    const char **bad)
{
	memset(q, 0, sizeof(*q));
	*bad = NULL;
	q->state = "open";
	q->limit = CT_QUERY_LIMIT_DEFAULT;
	return walk(ct_query_alerts, query, &q->form, q, bad);
}

void
ct_alerts_query_free(struct ct_alerts_query *q)
{
	free(q->after_value);
	ct_form_free(&q->form);
	memset(q, 0, sizeof(*q));
}

/* Is the file at path a zone, a TZif file (RFC 8536), and not one of the
 * directories and text files beside the zones? */
static int
tzif(const char *path)
{
	char magic[4];
	struct stat st;
	ssize_t n = -1;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		n = read(fd, magic, sizeof(magic));
	close(fd);
	return n == (ssize_t)sizeof(magic) && memcmp(magic, "TZif", 4) == 0;
}

bool
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
	return tzif(path);
}

enum ct_err
ct_stats_query_parse(const char *query, struct ct_stats_query *q,
    const char **bad)
{
	enum ct_err err;

	memset(q, 0, sizeof(*q));
	*bad = NULL;
	if ((err = walk(ct_query_stats, query, &q->form, q, bad)) != CT_OK)
		return err;
	if (reversed(q->from, q->to))
		BAD("from");
	/* The answer has a row a day: a range of a million days is a
	 * statement that cannot finish in time. */
	if (q->from != NULL && q->to != NULL && bound_ms(q->to) -
	    bound_ms(q->from) > CT_QUERY_STATS_DAYS_MAX * 86400000LL)
		BAD("to");
	return CT_OK;
}

void
ct_stats_query_free(struct ct_stats_query *q)
{
	free(q->agent);
	ct_form_free(&q->form);
	memset(q, 0, sizeof(*q));
}

enum ct_err
ct_ingest_query_parse(const char *query, struct ct_ingest_query *q,
    const char **bad)
{
	enum ct_err err;

	memset(q, 0, sizeof(*q));
	*bad = NULL;
	if ((err = walk(ct_query_ingest, query, &q->form, q, bad)) != CT_OK)
		return err;
	if (reversed(q->from, q->to))
		BAD("from");
	/* Every figure is counted over the range: a year at most. */
	if (q->from != NULL && q->to != NULL && bound_ms(q->to) -
	    bound_ms(q->from) > CT_QUERY_INGEST_DAYS_MAX * 86400000LL)
		BAD("to");
	return CT_OK;
}

void
ct_ingest_query_free(struct ct_ingest_query *q)
{
	ct_form_free(&q->form);
	memset(q, 0, sizeof(*q));
}

enum ct_err
ct_ingest_deliveries_query_parse(const char *query, struct ct_ingest_deliveries_query *q,
    const char **bad)
{
	memset(q, 0, sizeof(*q));
	*bad = NULL;
	q->limit = CT_QUERY_LIMIT_DEFAULT;
	return walk(ct_query_ingest_deliveries, query, &q->form, q, bad);
}

void
ct_ingest_deliveries_query_free(struct ct_ingest_deliveries_query *q)
{
	ct_form_free(&q->form);
	memset(q, 0, sizeof(*q));
}
