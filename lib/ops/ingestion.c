/*
 * ingestion.c: ingestion health and the replay of a parked delivery
 * (ingestion.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/crypto.h"
#include "core/db.h"
#include "core/json.h"
#include "ingest/event.h"
#include "ingest/hook.h"
#include "ops/ingestion.h"
#include "ops/replay.h"
#include "read/auth.h"
#include "read/query.h"

#define ROUTE "/api/ingest"
#define DELIVERIES ROUTE "/deliveries"

/* Answers a 409 with a fixed sentence a client may read. */
static enum ct_err
conflict(struct ct_request *req, const char *message)
{
	ct_http_send_error(req, CT_ERR_CONFLICT, NULL, message);
	return CT_OK;
}

/*
 * Parses the one JSON value r holds into *out.  A NULL value is
 * CT_ERR_NOT_FOUND.  With bad not NULL, a top-level "error" names the
 * bound the database found wrong: CT_ERR_INVALID_PARAMETER with *bad set
 * (a delivery's own "error" is its reason, and is read with bad NULL).
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
	if (bad != NULL && (e = ct_json_path_str(*out, "error")) != NULL) {
		*bad = strcmp(e, "to") == 0 ? "to" : "from";
		json_object_put(*out);
		*out = NULL;
		return CT_ERR_INVALID_PARAMETER;
	}
	return CT_OK;
}

/* Runs sql with n text parameters and answers its one JSON value with 200.
 * No value at all: the token was revoked since the sign-in (not_found
 * says so otherwise). */
static enum ct_err
answer_json(struct ct_request *req, const char *sql, int n, const char **v,
    enum ct_err none)
{
	const char *bad = NULL;
	json_object *o;
	enum ct_err err;
	PGresult *r;

	if ((err = ct_db_exec(&r, sql, n, v, NULL, NULL, NULL)) != CT_OK)
		return err;
	err = sql_json(r, &o, &bad);
	PQclear(r);
	if (err == CT_ERR_INVALID_PARAMETER)
		return ct_http_bad_parameter(req, bad);
	if (err != CT_OK)
		return err == CT_ERR_NOT_FOUND ? none : err;
	ct_http_send_json(req, 200, o);
	json_object_put(o);
	return CT_OK;
}

/* GET /api/ingest. */
static enum ct_err
summary(struct ct_request *req, const struct ct_auth *a)
{
	struct ct_ingest_query q;
	const char *bad, *v[4];
	char list[8];
	enum ct_err err;

	if ((err = ct_ingest_query_parse(req->query, &q, &bad)) != CT_OK) {
		if (err == CT_ERR_INVALID_PARAMETER)
			err = ct_http_bad_parameter(req, bad);
		ct_ingest_query_free(&q);
		return err;
	}
	snprintf(list, sizeof(list), "%d", CT_INGESTION_LIST_MAX);
	v[0] = a->hash;
	v[1] = q.from;
	v[2] = q.to;
	v[3] = list;
	err = answer_json(req, "SELECT ct_ingest_summary($1, $2, $3, $4)", 4, v,
	    CT_ERR_BAD_TOKEN);
	ct_ingest_query_free(&q);
	return err;
}

/* GET /api/ingest/deliveries. */
static enum ct_err
deliveries(struct ct_request *req, const struct ct_auth *a)
{
	struct ct_ingest_deliveries_query q;
	const char *bad = NULL, *v[8], *next;
	char limit[8];
	json_object *page = NULL;
	enum ct_err err;
	PGresult *r;

	if ((err = ct_ingest_deliveries_query_parse(req->query, &q, &bad)) != CT_OK) {
		if (err == CT_ERR_INVALID_PARAMETER)
			err = ct_http_bad_parameter(req, bad);
		goto done;
	}
	snprintf(limit, sizeof(limit), "%d", q.limit);
	v[0] = a->hash;
	v[1] = q.integration;
	v[2] = q.outcome;
	v[3] = q.call_id;
	v[4] = limit;
	v[5] = q.after_at[0] ? q.after_at : NULL;
	v[6] = q.after_kind[0] ? q.after_kind : NULL;
	v[7] = q.after_id[0] ? q.after_id : NULL;
	if ((err = ct_db_exec(&r, "SELECT ct_ingest_deliveries($1, $2, $3, $4,"
	    " $5, $6, $7, $8)", 8, v, NULL, NULL, NULL)) != CT_OK)
		goto done;
	err = sql_json(r, &page, &bad);
	PQclear(r);
	/* No page at all: the token was revoked since the sign-in. */
	if (err != CT_OK) {
		if (err == CT_ERR_NOT_FOUND)
			err = CT_ERR_BAD_TOKEN;
		goto done;
	}
	next = ct_json_path_str(page, "next");
	if (next != NULL) {
		char *cur = ct_query_delivery_cursor(next);

		if (cur == NULL) {
			err = CT_ERR_INTERNAL;
			goto done;
		}
		json_object_object_add(page, "next_cursor",
		    json_object_new_string(cur));
		free(cur);
	} else {
		json_object_object_add(page, "next_cursor", NULL);
	}
	json_object_object_del(page, "next");
	json_object_object_add(page, "limit", json_object_new_int(q.limit));
	ct_http_send_json(req, 200, page);
done:
	json_object_put(page);
	ct_ingest_deliveries_query_free(&q);
	return err;
}

/* One row of ct_ingest_payload: the bytes (a malloc'd copy with a NUL
 * after them) and what the mapping needs. */
struct payload {
	char		*body;
	size_t		 len;
	int		 truncated;
	char		 content_type[256];
	char		 integration[CT_INTEGRATION_ID_MAX + 1];
	char		 provider[16];
	char		 outcome[16];
	char		 country[3];
	json_object	*tools;		/* a JSON array of strings, or NULL */
};

static void
payload_free(struct payload *p)
{
	free(p->body);
	json_object_put(p->tools);
	memset(p, 0, sizeof(*p));
}

/*
 * Reads delivery kind/id through ct_ingest_payload, which gives it only
 * to a live admin token of the delivery's org.  CT_ERR_NOT_FOUND when it
 * gives nothing.  Free p with payload_free either way.
 */
static enum ct_err
payload_get(const struct ct_auth *a, const char *kind, const char *id,
    struct payload *p)
{
	const char *v[3] = { a->hash, kind, id };
	unsigned char *bytes = NULL;
	size_t n = 0;
	enum ct_err err;
	PGresult *r;

	memset(p, 0, sizeof(*p));
	if ((err = ct_db_exec(&r, "SELECT body, truncated, content_type,"
	    " integration_id, provider, outcome, default_country, booking_tools"
	    " FROM ct_ingest_payload($1, $2, $3)", 3, v, NULL, NULL, NULL)) !=
	    CT_OK)
		return err;
	if (PQntuples(r) != 1 || PQnfields(r) != 8) {
		err = CT_ERR_NOT_FOUND;
		goto clear;
	}
	/* A bytea in text form: "\x" and hex digits. */
	if ((bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 0),
	    &n)) == NULL || (p->body = malloc(n + 1)) == NULL) {
		err = CT_ERR_NOMEM;
		goto clear;
	}
	memcpy(p->body, bytes, n);
	p->body[n] = '\0';
	p->len = n;
	p->truncated = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	snprintf(p->content_type, sizeof(p->content_type), "%s",
	    PQgetvalue(r, 0, 2));
	snprintf(p->integration, sizeof(p->integration), "%s",
	    PQgetvalue(r, 0, 3));
	snprintf(p->provider, sizeof(p->provider), "%s", PQgetvalue(r, 0, 4));
	snprintf(p->outcome, sizeof(p->outcome), "%s", PQgetvalue(r, 0, 5));
	snprintf(p->country, sizeof(p->country), "%s", PQgetvalue(r, 0, 6));
	if (!PQgetisnull(r, 0, 7) && ct_json_parse(PQgetvalue(r, 0, 7),
	    (size_t)PQgetlength(r, 0, 7), &p->tools) != CT_OK) {
		err = CT_ERR_INTERNAL;
		goto clear;
	}
clear:
	PQfreemem(bytes);
	PQclear(r);
	return err;
}

/*
 * Adds the bytes to a delivery's detail: as "body", text when they are
 * UTF-8 without a NUL ("body_encoding": "utf-8"), else standard Base64
 * ("body_encoding": "base64"), so nothing is lost or replaced.
 */
static enum ct_err
add_body(json_object *o, const struct payload *p)
{
	char *b64;

	if (ct_utf8_valid(p->body, p->len) &&
	    memchr(p->body, '\0', p->len) == NULL) {
		json_object_object_add(o, "body",
		    json_object_new_string_len(p->body, (int)p->len));
		json_object_object_add(o, "body_encoding",
		    json_object_new_string("utf-8"));
		return CT_OK;
	}
	if ((b64 = malloc(4 * ((p->len + 2) / 3) + 1)) == NULL)
		return CT_ERR_NOMEM;
	ct_crypto_base64((const unsigned char *)p->body, p->len, b64);
	json_object_object_add(o, "body", json_object_new_string(b64));
	json_object_object_add(o, "body_encoding",
	    json_object_new_string("base64"));
	free(b64);
	return CT_OK;
}

/* GET /api/ingest/deliveries/<id>: the body for an admin token only. */
static enum ct_err
detail(struct ct_request *req, const struct ct_auth *a, char kind,
    const char *id)
{
	const char k[2] = { kind, '\0' };
	const char *v[3] = { a->hash, k, id };
	struct payload p;
	json_object *o = NULL;
	enum ct_err err;
	PGresult *r;

	memset(&p, 0, sizeof(p));
	if ((err = ct_db_exec(&r, "SELECT ct_ingest_delivery($1, $2, $3)", 3,
	    v, NULL, NULL, NULL)) != CT_OK)
		return err;
	err = sql_json(r, &o, NULL);
	PQclear(r);
	/* Another org's delivery is not found, the same as none at all. */
	if (err != CT_OK)
		return err;
	if (a->role >= CT_ROLE_ADMIN && kind != 'd') {
		if ((err = payload_get(a, k, id, &p)) == CT_OK)
			err = add_body(o, &p);
		else if (err == CT_ERR_NOT_FOUND)
			err = CT_OK;	/* made a viewer since the sign-in */
		if (err != CT_OK)
			goto done;
	} else if (a->role >= CT_ROLE_ADMIN) {
		/* A duplicate's bytes were not kept: its event's were. */
		json_object_object_add(o, "body", NULL);
	}
	ct_http_send_json(req, 200, o);
done:
	payload_free(&p);
	json_object_put(o);
	return err;
}

/* The parameters ct_ingest_replay takes from the mapping: all of
 * ct_apply_event's but what it takes from the kept row itself. */
static int
replay_param(int i)
{
	return i != CT_EP_INTEGRATION && i != CT_EP_PROVIDER &&
	    i != CT_EP_DEDUP_KEY && i != CT_EP_PAYLOAD &&
	    i != CT_EP_CONTENT_TYPE && i != CT_EP_ERROR && i != CT_EP_ORG;
}

/*
 * Returns the statement: "SELECT new_outcome, new_call_id FROM
 * ct_ingest_replay(p_token_hash => $1, p_event_id => $2, p_provider_call_id
 * => $3, ...)", the mapped parameters by name in the order of enum
 * ct_event_param.  A static string, made once.
 */
static const char *
replay_sql(void)
{
	static char sql[2048];
	size_t o;
	int i, k = 3, n;

	if (sql[0] != '\0')
		return sql;
	o = (size_t)snprintf(sql, sizeof(sql), "SELECT new_outcome, new_call_id"
	    " FROM ct_ingest_replay(p_token_hash => $1, p_event_id => $2");
	for (i = 0; i < CT_EP__MAX; i++) {
		if (!replay_param(i))
			continue;
		n = snprintf(sql + o, sizeof(sql) - o, ", %s => $%d",
		    ct_event_param_names[i], k++);
		/* The buffer holds every name: one that overflows it is a
		 * build's mistake, found by the first replay. */
		if (n < 0 || (size_t)n >= sizeof(sql) - o - 1)
			abort();
		o += (size_t)n;
	}
	sql[o++] = ')';
	sql[o] = '\0';
	return sql;
}

/*
 * Maps the bytes of p by today's mapping of its provider, with the org's
 * settings as they are now, and writes the result with ct_ingest_replay;
 * outcome gets the new outcome ("applied", "recorded", "parked") or
 * "not_parked" / "no_integration", and call_id the call.  CT_ERR_NOT_FOUND
 * when the database gives no answer (no longer an admin token, or no such
 * event); a 4xx error when the bytes do not map.
 */
static enum ct_err
replay_write(const struct ct_auth *a, const char *id, const struct payload *p,
    char outcome[16], char call_id[37])
{
	const struct ct_hook_provider *hp = ct_replay_provider(p->provider);
	const char *v[2 + CT_EVENT_NPARAMS];
	struct ct_integration in;
	struct ct_event_params prm;
	struct ct_call_event ev;
	struct ct_map_ctx mctx;
	struct ct_delivery d;
	enum ct_err err;
	PGresult *r;
	size_t i, n;
	int k;

	outcome[0] = call_id[0] = '\0';
	if (hp == NULL)
		return CT_ERR_UNKNOWN_INTEGRATION;
	memset(&in, 0, sizeof(in));
	snprintf(in.id, sizeof(in.id), "%s", p->integration);
	snprintf(in.org_id, sizeof(in.org_id), "%s", a->org);
	in.provider = hp->provider;
	snprintf(in.default_country, sizeof(in.default_country), "%s",
	    p->country);
	n = p->tools != NULL && json_object_is_type(p->tools, json_type_array) ?
	    json_object_array_length(p->tools) : 0;
	for (i = 0; i < n && in.n_booking_tools < CT_INTEGRATION_MAX_TOOLS; i++) {
		json_object *t = json_object_array_get_idx(p->tools, i);

		if (json_object_is_type(t, json_type_string))
			in.booking_tools[in.n_booking_tools++] =
			    (char *)json_object_get_string(t);
	}
	mctx.country = in.default_country;
	mctx.booking_tools = (const char *const *)in.booking_tools;
	mctx.n_booking_tools = in.n_booking_tools;
	d.body = p->body;
	d.body_len = p->len;
	d.content_type = p->content_type[0] != '\0' ? p->content_type : NULL;
	d.query = "";
	d.log_id = "dashboard-replay";
	if ((err = hp->map(&d, &mctx, &ev)) != CT_OK)
		goto done;
	ct_event_params(&d, &in, &ev, &prm);
	v[0] = a->hash;
	v[1] = id;
	for (k = 0, n = 2; k < CT_EP__MAX; k++)
		if (replay_param(k))
			v[n++] = prm.values[k];
	if ((err = ct_db_exec(&r, replay_sql(), (int)n, v, NULL, NULL,
	    NULL)) != CT_OK)
		goto done;
	if (PQntuples(r) != 1) {
		err = CT_ERR_NOT_FOUND;
	} else {
		snprintf(outcome, 16, "%s", PQgetvalue(r, 0, 0));
		if (!PQgetisnull(r, 0, 1))
			snprintf(call_id, 37, "%s", PQgetvalue(r, 0, 1));
	}
	PQclear(r);
done:
	ct_call_event_free(&ev);
	return err;
}

/* POST /api/ingest/deliveries/<id>/replay (admin). */
static enum ct_err
replay(struct ct_request *req, const struct ct_auth *a, char kind,
    const char *id)
{
	char outcome[16], call_id[37], did[32];
	struct payload p;
	json_object *o;
	enum ct_err err;

	if ((err = ct_auth_require(req, a, CT_ROLE_ADMIN)) != CT_OK)
		return err;
	memset(&p, 0, sizeof(p));
	/* Only an event can be parked; a refused request never verified or
	 * mapped, and a duplicate is its event's. */
	if (kind == 'r')
		return conflict(req, "a refused request cannot be replayed: "
		    "only a parked delivery can");
	if (kind == 'd')
		return conflict(req, "a duplicate delivery cannot be replayed: "
		    "only a parked delivery can");
	if ((err = payload_get(a, "e", id, &p)) != CT_OK)
		goto done;
	if (strcmp(p.outcome, "parked") != 0) {
		err = conflict(req, "only a parked delivery can be replayed");
		goto done;
	}
	err = replay_write(a, id, &p, outcome, call_id);
	if (err != CT_OK && ct_err_http_status(err) < 500 &&
	    err != CT_ERR_NOT_FOUND) {
		ct_http_set_detail(req, "e%s does not map: %s", id,
		    ct_err_info(err)->code);
		err = conflict(req, "the delivery does not map");
		goto done;
	}
	if (err != CT_OK)
		goto done;
	if (strcmp(outcome, "not_parked") == 0) {
		err = conflict(req, "only a parked delivery can be replayed");
		goto done;
	}
	if (strcmp(outcome, "no_integration") == 0) {
		err = conflict(req, "the delivery's integration is gone");
		goto done;
	}
	snprintf(req->outcome, sizeof(req->outcome), "%s", outcome);
	snprintf(req->integration, sizeof(req->integration), "%s",
	    p.integration);
	snprintf(did, sizeof(did), "e%s", id);
	if ((o = json_object_new_object()) == NULL) {
		err = CT_ERR_NOMEM;
		goto done;
	}
	json_object_object_add(o, "id", json_object_new_string(did));
	json_object_object_add(o, "outcome", json_object_new_string(outcome));
	json_object_object_add(o, "call_id", call_id[0] ?
	    json_object_new_string(call_id) : NULL);
	ct_http_send_json(req, 200, o);
	json_object_put(o);
done:
	payload_free(&p);
	return err;
}

/* Refuses a method the route does not take: 405, Allow listing its own. */
static enum ct_err
method_for(struct ct_request *req, unsigned allow)
{
	req->allow = allow;
	return (req->method & allow) != 0 ? CT_OK : CT_ERR_METHOD;
}

enum ct_err
ct_ingestion_handle(struct ct_request *req, const void *ctx)
{
	const char *rest, *slash;
	char kind, id[24], seg[32];
	struct ct_auth a;
	enum ct_err err;
	size_t n;

	(void)ctx;
	if ((err = ct_auth_bearer(req, &a)) != CT_OK)
		return err;
	if (strcmp(req->path, ROUTE) == 0 || strcmp(req->path, ROUTE "/") == 0)
		return (err = method_for(req, CT_METHOD_GET)) != CT_OK ? err :
		    summary(req, &a);
	if (strcmp(req->path, DELIVERIES) == 0 ||
	    strcmp(req->path, DELIVERIES "/") == 0)
		return (err = method_for(req, CT_METHOD_GET)) != CT_OK ? err :
		    deliveries(req, &a);
	if (strncmp(req->path, DELIVERIES "/", sizeof(DELIVERIES)) != 0)
		return CT_ERR_NOT_FOUND;
	/* "<id>" or "<id>/replay"; an id that is not exactly one is no
	 * delivery (404), like another org's. */
	rest = req->path + sizeof(DELIVERIES);
	slash = strchr(rest, '/');
	n = slash ? (size_t)(slash - rest) : strlen(rest);
	if (n >= sizeof(seg))
		return CT_ERR_NOT_FOUND;
	memcpy(seg, rest, n);
	seg[n] = '\0';
	if (!ct_query_delivery_id(seg, &kind, id))
		return CT_ERR_NOT_FOUND;
	if (slash == NULL)
		return (err = method_for(req, CT_METHOD_GET)) != CT_OK ? err :
		    detail(req, &a, kind, id);
	if (strcmp(slash, "/replay") == 0)
		return (err = method_for(req, CT_METHOD_POST)) != CT_OK ? err :
		    replay(req, &a, kind, id);
	return CT_ERR_NOT_FOUND;
}
