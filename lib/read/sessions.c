/*
 * sessions.c: PUT /api/sessions/<provider>/<provider_call_id>
 * (sessions.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/db.h"
#include "core/json.h"
#include "read/auth.h"
#include "read/sessions.h"

#define PREFIX "/api/sessions/"

static const char *const providers[] = { "vapi", "retell", "twilio", NULL };

bool
ct_session_route_parse(const char *path, struct ct_session_route *r)
{
	static const char id_chars[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-";
	const char *p, *slash, *const *k;
	size_t n;

	memset(r, 0, sizeof(*r));
	if (path == NULL || strncmp(path, PREFIX, strlen(PREFIX)) != 0)
		return false;
	p = path + strlen(PREFIX);
	if ((slash = strchr(p, '/')) == NULL)
		return false;
	for (k = providers; *k != NULL; k++)
		if (strlen(*k) == (size_t)(slash - p) &&
		    strncmp(p, *k, (size_t)(slash - p)) == 0)
			break;
	if (*k == NULL)
		return false;
	p = slash + 1;
	n = strlen(p);
	if (n == 0 || n > CT_SESSION_ID_MAX || strspn(p, id_chars) != n)
		return false;
	r->provider = *k;
	memcpy(r->provider_call_id, p, n + 1);
	return true;
}

/* A member's name as a parameter to name: itself when a plain word. */
static const char *
member_word(const char *key, char *buf, size_t size)
{
	size_t n = strlen(key);

	if (n == 0 || n > 64 || n >= size || strspn(key,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != n)
		return "body";
	memcpy(buf, key, n + 1);
	return buf;
}

enum ct_err
ct_session_parse(const char *body, size_t len, char **state,
    const char **bad, char *badbuf, size_t badlen)
{
	json_object *root = NULL, *v = NULL;
	const char *s;
	enum ct_err err;

	*state = NULL;
	*bad = NULL;
	if ((err = ct_json_parse(body, len, &root)) == CT_ERR_NOMEM)
		return err;
	if (err != CT_OK || !json_object_is_type(root, json_type_object)) {
		*bad = "body";
		err = CT_ERR_INVALID_PARAMETER;
		goto done;
	}
	json_object_object_foreach(root, key, val) {
		if (strcmp(key, "conversation_state") != 0) {
			*bad = member_word(key, badbuf, badlen);
			err = CT_ERR_INVALID_PARAMETER;
			goto done;
		}
		v = val;
	}
	if (v == NULL || !json_object_is_type(v, json_type_object) ||
	    ct_json_holds_nul(v)) {
		*bad = "conversation_state";
		err = CT_ERR_INVALID_PARAMETER;
		goto done;
	}
	s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	if (s == NULL || (*state = strdup(s)) == NULL)
		err = CT_ERR_NOMEM;
done:
	json_object_put(root);
	return err;
}

/* Stores the session of route r for a's org, and answers it. */
static enum ct_err
session_put(struct ct_request *req, const struct ct_auth *a,
    const struct ct_session_route *r)
{
	char *state = NULL, badbuf[72];
	const char *v[4], *bad, *e;
	json_object *o = NULL, *out;
	enum ct_err err;
	PGresult *res;

	err = ct_session_parse(req->body, req->body_len, &state, &bad, badbuf,
	    sizeof(badbuf));
	if (err == CT_ERR_INVALID_PARAMETER)
		return ct_http_bad_parameter(req, bad);
	if (err != CT_OK)
		return err;
	v[0] = a->hash;
	v[1] = r->provider;
	v[2] = r->provider_call_id;
	v[3] = state;
	err = ct_db_exec(&res, "SELECT ct_session_put($1, $2, $3, $4)", 4, v,
	    NULL, NULL, NULL);
	free(state);
	if (err != CT_OK)
		return err;
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0) ||
	    ct_json_parse(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0),
	    &o) != CT_OK) {
		PQclear(res);
		return CT_ERR_INTERNAL;
	}
	PQclear(res);
	if ((e = ct_json_path_str(o, "error")) != NULL) {
		if (strcmp(e, "token") == 0)
			err = CT_ERR_BAD_TOKEN;	/* revoked since the sign-in */
		else if (strcmp(e, "forbidden") == 0)
			err = CT_ERR_FORBIDDEN;
		else if (strcmp(e, "not_found") == 0) {
			ct_http_set_detail(req, "session %s/%s: another org's call",
			    r->provider, r->provider_call_id);
			err = CT_ERR_NOT_FOUND;
		} else if (strcmp(e, "conversation_state") == 0)
			err = ct_http_bad_parameter(req, "conversation_state");
		else
			err = CT_ERR_INTERNAL;
		json_object_put(o);
		return err;
	}
	ct_http_set_detail(req, "session %s/%s stored, %s", r->provider,
	    r->provider_call_id, ct_json_path_str(o, "call_id") != NULL ?
	    "the call known" : "no call yet");
	if ((out = json_object_new_object()) == NULL) {
		json_object_put(o);
		return CT_ERR_NOMEM;
	}
	json_object_object_add(out, "session", o);
	ct_http_send_json(req, 200, out);
	json_object_put(out);
	return CT_OK;
}

enum ct_err
ct_dashboard_sessions(struct ct_request *req, const void *ctx)
{
	struct ct_session_route r;
	struct ct_auth a;
	enum ct_err err;

	(void)ctx;
	if ((err = ct_auth_bearer(req, &a)) != CT_OK)
		return err;
	if (!ct_session_route_parse(req->path, &r))
		return CT_ERR_NOT_FOUND;
	if (req->method != CT_METHOD_PUT) {
		req->allow = CT_METHOD_PUT;
		return CT_ERR_METHOD;
	}
	if ((err = ct_auth_require(req, &a, CT_ROLE_EDITOR)) != CT_OK)
		return err;
	return session_put(req, &a, &r);
}
