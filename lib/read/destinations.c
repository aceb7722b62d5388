/*
 * destinations.c: dashboard-notify's routes (destinations.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/db.h"
#include "core/json.h"
#include "core/num.h"
#include "read/auth.h"
#include "read/destinations.h"
#include "read/notify.h"
#include "read/query.h"

#define PREFIX "/api/notifications"
#define CURSOR_US_MAX 9007199254740991LL	/* 2^53 - 1: exact in SQL's
						   interval arithmetic */

/* Copies a UUID of s (36 bytes, then end or '/') into id, lower case. */
static bool
take_uuid(const char *s, char id[37])
{
	size_t i;

	if (strlen(s) < 36 || (s[36] != '\0' && s[36] != '/'))
		return false;
	memcpy(id, s, 36);
	id[36] = '\0';
	if (!ct_query_uuid(id))
		return false;
	for (i = 0; i < 36; i++)
		id[i] = (char)tolower((unsigned char)id[i]);
	return true;
}

enum ct_destinations_route
ct_destinations_route(const char *path, unsigned *methods, char id[37])
{
	size_t n = strlen(PREFIX);
	const char *p;

	*methods = 0;
	id[0] = '\0';
	if (path == NULL || strncmp(path, PREFIX, n) != 0)
		return CT_ROUTE_NONE;
	p = path + n;
	if (strcmp(p, "") == 0 || strcmp(p, "/") == 0) {
		*methods = CT_METHOD_GET | CT_METHOD_POST;
		return CT_ROUTE_LIST;
	}
	if (strcmp(p, "/deliveries") == 0 || strcmp(p, "/deliveries/") == 0) {
		*methods = CT_METHOD_GET;
		return CT_ROUTE_DELIVERIES;
	}
	if (strncmp(p, "/deliveries/", 12) == 0) {
		if (!take_uuid(p + 12, id) || strcmp(p + 48, "/retry") != 0) {
			id[0] = '\0';
			return CT_ROUTE_NONE;
		}
		*methods = CT_METHOD_POST;
		return CT_ROUTE_RETRY;
	}
	if (p[0] != '/' || !take_uuid(p + 1, id)) {
		id[0] = '\0';
		return CT_ROUTE_NONE;
	}
	if (p[37] == '\0') {
		*methods = CT_METHOD_PATCH | CT_METHOD_DELETE;
		return CT_ROUTE_ONE;
	}
	if (strcmp(p + 37, "/test") == 0) {
		*methods = CT_METHOD_POST;
		return CT_ROUTE_TEST;
	}
	id[0] = '\0';
	return CT_ROUTE_NONE;
}

static const char *const states[] = { "pending", "delivered", "failed",
    NULL };

#define BAD(name) do { *bad = (name); return CT_ERR_INVALID_PARAMETER; } while (0)

enum ct_err
ct_deliveries_query_parse(const char *query, struct ct_deliveries_query *q,
    const char **bad)
{
	const char *v, *dot;
	long long n;
	size_t i;
	enum ct_err err;

	memset(q, 0, sizeof(*q));
	q->limit = CT_DELIVERIES_LIMIT_DEFAULT;
	*bad = NULL;
	if (query == NULL)
		query = "";
	if ((err = ct_form_parse(query, strlen(query), CT_FORM_MAX_PAIRS,
	    &q->form)) != CT_OK) {
		if (err == CT_ERR_NOMEM)
			return err;
		BAD("query");
	}
	if ((v = ct_form_get(&q->form, "destination")) != NULL) {
		if (!ct_query_uuid(v))
			BAD("destination");
		q->destination = v;
	}
	if ((v = ct_form_get(&q->form, "state")) != NULL) {
		for (i = 0; states[i] != NULL; i++)
			if (strcmp(v, states[i]) == 0)
				break;
		if (states[i] == NULL)
			BAD("state");
		q->state = states[i];
	}
	if ((v = ct_form_get(&q->form, "limit")) != NULL) {
		if (ct_num_parse_str(v, 1, CT_DELIVERIES_LIMIT_MAX, &n) != CT_OK)
			BAD("limit");
		q->limit = (int)n;
	}
	if ((v = ct_form_get(&q->form, "cursor")) != NULL) {
		/* "<microseconds since the epoch>.<id>", as next_cursor. */
		if ((dot = strchr(v, '.')) == NULL ||
		    ct_num_parse_i64(v, (size_t)(dot - v), 0, CURSOR_US_MAX,
		    &n) != CT_OK || !ct_query_uuid(dot + 1))
			BAD("cursor");
		snprintf(q->after_us, sizeof(q->after_us), "%lld", n);
		memcpy(q->after_id, dot + 1, 37);
	}
	return CT_OK;
}

void
ct_deliveries_query_free(struct ct_deliveries_query *q)
{
	ct_form_free(&q->form);
	memset(q, 0, sizeof(*q));
}

/* Answers a 400 naming the parameter, named in the log line too. */
static enum ct_err
bad_parameter(struct ct_request *req, const char *name)
{
	ct_http_set_detail(req, "invalid %s", name);
	return ct_http_bad_parameter(req, name);
}

/*
 * Runs one of 11_notify_admin.sql's functions by token and reads its
 * jsonb into *out (the caller puts it).  NULL is CT_ERR_NOT_FOUND;
 * {"error": …} is CT_ERR_FORBIDDEN (the token is no admin's any more),
 * or CT_ERR_CONFLICT with *conflict set to the word ("conflict",
 * "limit").
 */
static enum ct_err
run(const char *sql, int n, const char *const *v, json_object **out,
    const char **conflict)
{
	const char *e;
	enum ct_err err;
	PGresult *r;

	*out = NULL;
	if ((err = ct_db_exec(&r, sql, n, v, NULL, NULL, NULL)) != CT_OK)
		return err;
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0)) {
		PQclear(r);
		return CT_ERR_NOT_FOUND;
	}
	err = ct_json_parse(PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0),
	    out);
	PQclear(r);
	if (err != CT_OK)
		return CT_ERR_INTERNAL;
	if ((e = ct_json_path_str(*out, "error")) == NULL)
		return CT_OK;
	err = strcmp(e, "forbidden") == 0 ? CT_ERR_FORBIDDEN :
	    strcmp(e, "limit") == 0 ? CT_ERR_CONFLICT :
	    strcmp(e, "conflict") == 0 ? CT_ERR_CONFLICT : CT_ERR_INTERNAL;
	if (conflict != NULL)
		*conflict = strcmp(e, "limit") == 0 ? "limit" : "conflict";
	json_object_put(*out);
	*out = NULL;
	return err;
}

/* Sends what run() answered, or returns its error for the loop. */
static enum ct_err
answer(struct ct_request *req, int status, enum ct_err err, json_object *o,
    const char *conflict)
{
	if (err == CT_ERR_CONFLICT && conflict != NULL &&
	    strcmp(conflict, "limit") == 0) {
		ct_http_send_error(req, CT_ERR_CONFLICT, NULL,
		    "an org has at most 100 notification destinations");
		return CT_OK;
	}
	if (err == CT_ERR_CONFLICT) {
		ct_http_send_error(req, CT_ERR_CONFLICT, NULL,
		    "only a failed delivery can be retried");
		return CT_OK;
	}
	if (err != CT_OK)
		return err;
	ct_http_send_json(req, status, o);
	json_object_put(o);
	return CT_OK;
}

/* The request body as one JSON value (the caller puts it). */
static enum ct_err
body_json(struct ct_request *req, json_object **out)
{
	*out = NULL;
	if (req->body == NULL || req->body_len == 0)
		return CT_ERR_MALFORMED_BODY;
	return ct_json_parse(req->body, req->body_len, out);
}

static enum ct_err
list(struct ct_request *req, const struct ct_auth *a)
{
	const char *v[1] = { a->hash };
	json_object *o;
	enum ct_err err;

	err = run("SELECT ct_notify_list_by_token($1)", 1, v, &o, NULL);
	return answer(req, 200, err, o, NULL);
}

static enum ct_err
create(struct ct_request *req, const struct ct_auth *a)
{
	char secret[CT_NOTIFY_SECRET_LEN + 1] = "";
	struct ct_notify_dest d;
	const char *bad, *v[9], *conflict = NULL;
	char *events = NULL, *to = NULL;
	json_object *body = NULL, *o = NULL;
	const char *id;
	enum ct_err err;

	if ((err = body_json(req, &body)) != CT_OK)
		return err;
	err = ct_notify_dest_from_json(body, &d,
	    ct_config_get()->notify_allow_private != 0, &bad);
	if (err == CT_ERR_INVALID_PARAMETER) {
		err = bad_parameter(req, bad);
		goto out_body;
	}
	if (err != CT_OK)
		goto out_body;
	if (d.kind == CT_NOTIFY_WEBHOOK &&
	    (err = ct_notify_secret_new(secret)) != CT_OK)
		goto out_body;
	events = ct_notify_text_array(d.events, d.nevents);
	to = d.nto > 0 ? ct_notify_text_array(d.to, d.nto) : NULL;
	if (events == NULL || (d.nto > 0 && to == NULL)) {
		err = CT_ERR_NOMEM;
		goto out_arrays;
	}
	v[0] = a->hash;
	v[1] = ct_notify_kind_name(d.kind);
	v[2] = d.url;
	v[3] = events;
	v[4] = secret[0] ? secret : NULL;
	v[5] = to;
	v[6] = d.from;
	v[7] = d.smtp_user;
	v[8] = d.smtp_password;
	err = run("SELECT ct_notify_add_by_token($1, $2, $3, $4, $5, $6, $7, "
	    "$8, $9)", 9, v, &o, &conflict);
	if (err == CT_OK) {
		id = ct_json_path_str(o, "id");
		ct_http_set_detail(req, "destination %s added (%s)",
		    id ? id : "?", v[1]);
		/* Shown this once: only the sender reads it again. */
		if (secret[0])
			json_object_object_add(o, "secret",
			    json_object_new_string(secret));
	}
	err = answer(req, 201, err, o, conflict);
out_arrays:
	free(events);
	free(to);
	explicit_bzero(secret, sizeof(secret));
out_body:
	json_object_put(body);
	return err;
}

static enum ct_err
patch(struct ct_request *req, const struct ct_auth *a, const char *id)
{
	struct ct_notify_patch p;
	const char *bad, *v[4];
	json_object *body = NULL, *o = NULL;
	char *events = NULL;
	enum ct_err err;

	if ((err = body_json(req, &body)) != CT_OK)
		return err;
	if ((err = ct_notify_patch_from_json(body, &p, &bad)) != CT_OK) {
		if (err == CT_ERR_INVALID_PARAMETER)
			err = bad_parameter(req, bad);
		goto out;
	}
	if (p.dest.nevents > 0 && (events = ct_notify_text_array(p.dest.events,
	    p.dest.nevents)) == NULL) {
		err = CT_ERR_NOMEM;
		goto out;
	}
	v[0] = a->hash;
	v[1] = id;
	v[2] = events;
	v[3] = p.enabled < 0 ? NULL : p.enabled ? "t" : "f";
	err = run("SELECT ct_notify_set_by_token($1, $2, $3, $4)", 4, v, &o,
	    NULL);
	if (err == CT_OK)
		ct_http_set_detail(req, "destination %s changed", id);
	err = answer(req, 200, err, o, NULL);
out:
	free(events);
	json_object_put(body);
	return err;
}

/* DELETE, test and retry: a function of the token and the id. */
static enum ct_err
by_id(struct ct_request *req, const struct ct_auth *a, const char *sql,
    const char *id, int status, const char *what)
{
	const char *v[2] = { a->hash, id }, *conflict = NULL, *mid;
	json_object *o;
	enum ct_err err;

	err = run(sql, 2, v, &o, &conflict);
	if (err == CT_OK) {
		mid = ct_json_path_str(o, "id");
		ct_http_set_detail(req, "%s %s", what, mid ? mid : id);
	}
	return answer(req, status, err, o, conflict);
}

static enum ct_err
deliveries(struct ct_request *req, const struct ct_auth *a)
{
	struct ct_deliveries_query q;
	const char *bad, *v[6];
	char limit[8];
	json_object *o;
	enum ct_err err;

	if ((err = ct_deliveries_query_parse(req->query, &q, &bad)) != CT_OK) {
		if (err == CT_ERR_INVALID_PARAMETER)
			err = bad_parameter(req, bad);
		ct_deliveries_query_free(&q);
		return err;
	}
	snprintf(limit, sizeof(limit), "%d", q.limit);
	v[0] = a->hash;
	v[1] = q.destination;
	v[2] = q.state;
	v[3] = limit;
	v[4] = q.after_us[0] ? q.after_us : NULL;
	v[5] = q.after_id[0] ? q.after_id : NULL;
	err = run("SELECT ct_notify_deliveries_by_token($1, $2, $3, $4, $5, "
	    "$6)", 6, v, &o, NULL);
	ct_deliveries_query_free(&q);
	return answer(req, 200, err, o, NULL);
}

enum ct_err
ct_destinations_handle(struct ct_request *req, const void *ctx)
{
	enum ct_destinations_route route;
	struct ct_auth a;
	unsigned methods;
	char id[37];
	enum ct_err err;

	(void)ctx;
	if ((err = ct_auth_bearer(req, &a)) != CT_OK)
		return err;
	/* Every route is an admin's: a viewer or editor changes nothing. */
	if ((err = ct_auth_require(req, &a, CT_ROLE_ADMIN)) != CT_OK)
		return err;
	if ((route = ct_destinations_route(req->path, &methods, id)) ==
	    CT_ROUTE_NONE)
		return CT_ERR_NOT_FOUND;
	if ((req->method & methods) == 0) {
		req->allow = methods;
		return CT_ERR_METHOD;
	}
	switch (route) {
	case CT_ROUTE_LIST:
		return req->method == CT_METHOD_GET ? list(req, &a) :
		    create(req, &a);
	case CT_ROUTE_ONE:
		if (req->method == CT_METHOD_PATCH)
			return patch(req, &a, id);
		return by_id(req, &a, "SELECT ct_notify_remove_by_token($1, $2)",
		    id, 200, "destination removed");
	case CT_ROUTE_TEST:
		return by_id(req, &a, "SELECT ct_notify_test_by_token($1, $2)",
		    id, 202, "test queued");
	case CT_ROUTE_DELIVERIES:
		return deliveries(req, &a);
	case CT_ROUTE_RETRY:
		return by_id(req, &a, "SELECT ct_notify_retry_by_token($1, $2)",
		    id, 202, "retry of");
	default:
		return CT_ERR_NOT_FOUND;
	}
}
