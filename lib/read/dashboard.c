/*
 * dashboard.c: the dashboard API: a bearer token names one org, the query
 * is validated in C, and one SQL function answers, given the token's
 * SHA-256: it pins the token's org itself (ct_pin_token,
 * sql/010_privileges.sql), so no org the program names is ever trusted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/auth.h"
#include "read/csv.h"
#include "read/dashboard.h"
#include "core/db.h"
#include "core/json.h"
#include "read/query.h"

static const char *
opt(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

/* The parameters ct_calls_page and ct_calls_csv share, $1 to $16; $1 is
 * the token's hash. */
static int
filter_params(const struct ct_calls_query *q, const char *hash,
    const char **v)
{
	v[0] = hash;
	v[1] = q->digits;
	v[2] = q->words;
	v[3] = q->status;
	v[4] = q->direction;
	v[5] = q->booking;
	v[6] = q->sentiment;
	v[7] = q->lead_status;
	v[8] = q->end_reason;
	v[9] = q->from;
	v[10] = q->to;
	v[11] = opt(q->min_dur);
	v[12] = opt(q->max_dur);
	v[13] = q->include_test ? "t" : "f";
	v[14] = q->sort;
	v[15] = q->desc ? "t" : "f";
	return 16;
}

/*
 * Parses the JSON a SQL function returned into *out.  A NULL result is
 * CT_ERR_NOT_FOUND; a top-level "error" names a parameter the database
 * found wrong (a range reversed in the org's zone): CT_ERR_INVALID_PARAMETER
 * with *bad set.
 */
static enum ct_err
sql_json(PGresult *r, json_object **out, const char **bad)
{
	const char *e;

	*out = NULL;
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0))
		return CT_ERR_NOT_FOUND;
	if (ct_json_parse(PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0),
	    out) != CT_OK)
		return CT_ERR_INTERNAL;
	if ((e = ct_json_path_str(*out, "error")) != NULL) {
		*bad = strcmp(e, "to") == 0 ? "to" : "from";
		json_object_put(*out);
		*out = NULL;
		return CT_ERR_INVALID_PARAMETER;
	}
	return CT_OK;
}

static enum ct_err
calls_page(struct ct_request *req, const char *hash,
    const struct ct_calls_query *q)
{
	const char *v[23], *next, *bad = NULL;
	char limit[8], offset[24];
	json_object *page;
	enum ct_err err;
	PGresult *r;
	int n = filter_params(q, hash, v);

	snprintf(limit, sizeof(limit), "%d", q->limit);
	snprintf(offset, sizeof(offset), "%lld",
	    q->page > 0 ? (q->page - 1) * q->limit : 0);
	v[n++] = limit;
	v[n++] = offset;
	v[n++] = q->after_value;
	v[n++] = q->after_id[0] ? q->after_id : NULL;
	v[n++] = q->agent;
	v[n++] = q->success;
	v[n++] = q->analysis;
	if ((err = ct_db_exec(&r, "SELECT ct_calls_page($1, $2, $3, $4, $5, $6,"
	    " $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,"
	    " $21, $22, $23)", n, v, NULL, NULL, NULL)) != CT_OK)
		return err;
	err = sql_json(r, &page, &bad);
	PQclear(r);
	if (err == CT_ERR_INVALID_PARAMETER)
		return ct_http_bad_parameter(req, bad);
	/* No page at all: the token was revoked since the sign-in. */
	if (err != CT_OK)
		return err == CT_ERR_NOT_FOUND ? CT_ERR_BAD_TOKEN : err;
	/* A search is counted up to one past CT_SEARCH_COUNT_CAP
	 * (ct_calls_total, sql/008_name_search.sql). */
	if (q->digits != NULL || q->words != NULL) {
		int64_t total = json_object_get_int64(
		    json_object_object_get(page, "total"));
		int capped = total > CT_SEARCH_COUNT_CAP;

		if (capped)
			json_object_object_add(page, "total",
			    json_object_new_int64(CT_SEARCH_COUNT_CAP));
		json_object_object_add(page, "total_capped",
		    json_object_new_boolean(capped));
	}
	json_object_object_add(page, "limit", json_object_new_int(q->limit));
	json_object_object_add(page, "page", q->page > 0 ?
	    json_object_new_int64(q->page) : NULL);
	if ((next = ct_json_path_str(page, "next")) != NULL) {
		/* "<sort value>|<id>" of the last row. */
		const char *bar = strrchr(next, '|');
		char *value = bar ? strndup(next, (size_t)(bar - next)) : NULL;
		char *cur = value ? ct_query_cursor(q->sort, q->desc, value,
		    bar + 1) : NULL;

		json_object_object_add(page, "next_cursor", cur ?
		    json_object_new_string(cur) : NULL);
		free(value);
		free(cur);
	} else {
		json_object_object_add(page, "next_cursor", NULL);
	}
	json_object_object_del(page, "next");
	ct_http_send_json(req, 200, page);
	json_object_put(page);
	return CT_OK;
}

static const char csv_header[] = "id,call_at,provider,direction,status,"
    "caller_name,name_source,phone_number,duration_seconds,cost,"
    "booking_status,sentiment,end_call_reason,ended_reason,is_test_call,"
    "summary\r\n";

/* The header's columns, the cursor's (ct_calls_csv). */
#define CSV_COLUMNS 16

struct csv_state {
	struct ct_request	*req;
	long			 rows;
	int			 begun;		/* the status went out */
	char			*line;		/* a row's cells, reused */
	size_t			 size;
	enum ct_err		 failed;	/* a row not written, and why */
};

/* The status, the headers and the header row. */
static void
csv_begin(struct csv_state *s)
{
	char extra[160];

	snprintf(extra, sizeof(extra), "Content-Disposition: attachment; "
	    "filename=\"calls.csv\"\r\nX-Row-Cap: %d\r\n", CT_QUERY_CSV_CAP);
	ct_http_begin(s->req, 200, "text/csv; charset=utf-8", extra);
	ct_http_write(s->req, csv_header, sizeof(csv_header) - 1);
	s->begun = 1;
}

/*
 * One call's line, its cells made here (ct_csv_cell) into a buffer kept
 * for the next row, grown to the longest row and no further, so that an
 * export's memory does not grow with its rows.  Each row's line break is
 * written before the next row, and the last one only once the query has
 * ended well: an export cut short ends in the middle of its last line, as
 * no complete one does.
 */
static int
csv_row(PGresult *row, void *arg)
{
	struct csv_state *s = arg;
	size_t need = 2, o = 0;
	int i;

	if (PQnfields(row) != CSV_COLUMNS) {
		s->failed = CT_ERR_INTERNAL;
		return 1;
	}
	for (i = 0; i < CSV_COLUMNS; i++)
		need += 2 * (size_t)PQgetlength(row, 0, i) + 5;
	if (need > s->size) {
		char *grown = realloc(s->line, need);

		if (grown == NULL) {
			s->failed = CT_ERR_NOMEM;
			return 1;
		}
		s->line = grown;
		s->size = need;
	}
	if (!s->begun)
		csv_begin(s);
	else
		s->line[o++] = '\r', s->line[o++] = '\n';
	for (i = 0; i < CSV_COLUMNS; i++) {
		if (i > 0)
			s->line[o++] = ',';
		if (!PQgetisnull(row, 0, i))
			o += ct_csv_cell(PQgetvalue(row, 0, i), s->line + o,
			    s->size - o);
	}
	ct_http_write(s->req, s->line, o);
	s->rows++;
	return 0;
}

/*
 * Every matching row as CSV, streamed as the database makes it
 * (ct_db_stream_cursor over ct_calls_csv's two cursors), at most
 * CT_QUERY_CSV_CAP rows (stated in X-Row-Cap).  The status goes out with
 * the first row, so a query that fails before it is an error answer like
 * any other (503 while the database is away).  One that fails after it
 * cannot change the status any more: the response is broken off
 * (ct_http_abort) rather than ended, so that a client never takes part of
 * the calls for all of them (over FastCGI an incomplete transfer; under
 * plain CGI a body whose last line has no line break), and the log line
 * says so.  A row the program cannot write (no memory for its cells)
 * breaks the export off the same way.
 */
static enum ct_err
calls_csv(struct ct_request *req, const char *hash,
    const struct ct_calls_query *q)
{
	/* The export's first rows, then the rest (ct_calls_csv). */
	static const char *const cursors[] = { "calls_csv", "calls_csv_rest",
	    NULL };
	struct csv_state s = { req, 0, 0, NULL, 0, CT_OK };
	const char *v[20];
	char cap[16];
	enum ct_err err;
	PGresult *r;
	int n = filter_params(q, hash, v);

	snprintf(cap, sizeof(cap), "%d", CT_QUERY_CSV_CAP);
	v[n++] = cap;
	v[n++] = q->agent;
	v[n++] = q->success;
	v[n++] = q->analysis;
	/* A reversed range is found before the first byte goes out. */
	if (q->from != NULL && q->to != NULL) {
		const char *b[3] = { hash, q->from, q->to };

		if ((err = ct_db_exec(&r, "SELECT ct_range_reversed($1, $2, $3)",
		    3, b, NULL, NULL, NULL)) != CT_OK)
			return err;
		n = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		PQclear(r);
		if (n)
			return ct_http_bad_parameter(req, "from");
	}
	err = ct_db_stream_cursor("SELECT ct_calls_csv($1, $2, $3, $4, $5, $6,"
	    " $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,"
	    " $20)", 20, v, cursors, csv_row, &s);
	free(s.line);
	if (err == CT_OK)
		err = s.failed;
	if (err != CT_OK && !s.begun)
		return err;
	if (err != CT_OK) {
		req->code = ct_err_info(err)->code;
		ct_http_set_detail(req, "csv export stopped after %ld rows by %s;"
		    " the response was broken off", s.rows, s.failed != CT_OK ?
		    "a row it could not write" : "a database error");
		ct_http_abort(req);
		return CT_OK;	/* the status went out with the first row */
	}
	if (!s.begun)
		csv_begin(&s);
	else
		ct_http_write(req, "\r\n", 2);
	ct_http_set_detail(req, "csv %ld rows", s.rows);
	return CT_OK;
}

static enum ct_err
call_detail(struct ct_request *req, const char *hash, const char *id)
{
	const char *v[2] = { hash, id }, *bad = NULL;
	json_object *call;
	enum ct_err err;
	PGresult *r;

	/* Another org's call is not found, the same as no call at all. */
	if (!ct_query_uuid(id))
		return CT_ERR_NOT_FOUND;
	if ((err = ct_db_exec(&r, "SELECT ct_call_detail($1, $2)", 2, v, NULL,
	    NULL, NULL)) != CT_OK)
		return err;
	err = sql_json(r, &call, &bad);
	PQclear(r);
	if (err != CT_OK)
		return err;
	ct_http_send_json(req, 200, call);
	json_object_put(call);
	return CT_OK;
}

enum ct_err
ct_dashboard_calls(struct ct_request *req, const void *ctx)
{
	struct ct_calls_query q;
	struct ct_auth a;
	const char *bad, *hash = a.hash;
	enum ct_err err;

	(void)ctx;
	if ((err = ct_auth_bearer(req, &a)) != CT_OK)
		return err;
	if (strncmp(req->path, "/api/calls/", 11) == 0 && req->path[11] != '\0')
		return call_detail(req, hash, req->path + 11);
	if (strcmp(req->path, "/api/calls") != 0 &&
	    strcmp(req->path, "/api/calls/") != 0)
		return CT_ERR_NOT_FOUND;
	err = ct_calls_query_parse(req->query, &q, &bad);
	if (err == CT_ERR_INVALID_PARAMETER)
		err = ct_http_bad_parameter(req, bad);
	/* A search's number is read in the org's country, so "020 7946 0018"
	 * in a British org finds +442079460018. */
	else if (err == CT_OK && (q.digits == NULL ||
	    (err = ct_calls_query_phone(&q, a.country)) == CT_OK))
		err = q.csv ? calls_csv(req, hash, &q) : calls_page(req, hash, &q);
	ct_calls_query_free(&q);
	return err;
}

/* GET /api/me: the token's org and role, so the page shows what the
 * role allows and nothing else. */
static enum ct_err
me(struct ct_request *req, const struct ct_auth *a)
{
	const char *v[1] = { a->hash };
	json_object *o;
	const char *bad;
	enum ct_err err;
	PGresult *r;

	if ((err = ct_db_exec(&r, "SELECT ct_me($1)", 1, v, NULL, NULL,
	    NULL)) != CT_OK)
		return err;
	err = sql_json(r, &o, &bad);
	PQclear(r);
	if (err != CT_OK)
		return err == CT_ERR_NOT_FOUND ? CT_ERR_BAD_TOKEN : err;
	ct_http_send_json(req, 200, o);
	json_object_put(o);
	return CT_OK;
}

/* GET /api/agents: every agent the org's calls name (include_test as
 * the list takes it). */
static enum ct_err
agents(struct ct_request *req, const struct ct_auth *a)
{
	struct ct_form form;
	const char *v[2] = { a->hash, "f" }, *bad, *t;
	json_object *o;
	enum ct_err err;
	PGresult *r;

	if ((err = ct_form_parse(req->query ? req->query : "",
	    req->query ? strlen(req->query) : 0, CT_FORM_MAX_PAIRS, &form)) !=
	    CT_OK)
		return err == CT_ERR_NOMEM ? err :
		    ct_http_bad_parameter(req, "query");
	if ((t = ct_form_get(&form, "include_test")) != NULL) {
		if (strcmp(t, "true") == 0) {
			v[1] = "t";
		} else if (strcmp(t, "false") != 0) {
			ct_form_free(&form);
			return ct_http_bad_parameter(req, "include_test");
		}
	}
	ct_form_free(&form);
	if ((err = ct_db_exec(&r, "SELECT ct_agents($1, $2)", 2, v, NULL, NULL,
	    NULL)) != CT_OK)
		return err;
	err = sql_json(r, &o, &bad);
	PQclear(r);
	if (err != CT_OK)
		return err == CT_ERR_NOT_FOUND ? CT_ERR_BAD_TOKEN : err;
	ct_http_send_json(req, 200, o);
	json_object_put(o);
	return CT_OK;
}

enum ct_err
ct_dashboard_stats(struct ct_request *req, const void *ctx)
{
	struct ct_stats_query q;
	struct ct_auth a;
	const char *bad, *v[7];
	json_object *stats;
	enum ct_err err;
	PGresult *r;

	(void)ctx;
	if ((err = ct_auth_bearer(req, &a)) != CT_OK)
		return err;
	if (strcmp(req->path, "/api/me") == 0)
		return me(req, &a);
	if (strcmp(req->path, "/api/agents") == 0)
		return agents(req, &a);
	if ((err = ct_stats_query_parse(req->query, &q, &bad)) != CT_OK) {
		if (err == CT_ERR_INVALID_PARAMETER)
			err = ct_http_bad_parameter(req, bad);
		ct_stats_query_free(&q);
		return err;
	}
	v[0] = a.hash;
	v[1] = q.from;
	v[2] = q.to;
	v[3] = q.tz;
	v[4] = q.include_test ? "t" : "f";
	v[5] = q.agent;
	v[6] = q.group_by;
	err = ct_db_exec(&r, "SELECT ct_stats($1, $2, $3, $4, $5, $6, $7)", 7, v,
	    NULL, NULL, NULL);
	ct_stats_query_free(&q);
	if (err != CT_OK)
		return err;
	err = sql_json(r, &stats, &bad);
	PQclear(r);
	if (err == CT_ERR_INVALID_PARAMETER)
		return ct_http_bad_parameter(req, bad);
	/* No stats at all: the token was revoked since the sign-in. */
	if (err != CT_OK)
		return err == CT_ERR_NOT_FOUND ? CT_ERR_BAD_TOKEN : err;
	/* by_agent answers group_by=agent only. */
	if (json_object_object_get(stats, "by_agent") == NULL)
		json_object_object_del(stats, "by_agent");
	ct_http_send_json(req, 200, stats);
	json_object_put(stats);
	return CT_OK;
}
