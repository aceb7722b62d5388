/*
 * test_serve.c: the serve loop as plain CGI runs it: one request from the
 * environment and stdin, checked (method, content type, body bounds)
 * before the endpoint's handler sees it, refused requests handed to the
 * endpoint's reject hook, every outcome answered and logged in one line
 * without the body, the query string or a secret; and, against the
 * database, the health check over the program's own connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/serve.h"
#include "suites.h"

static const char *const json_types[] = { "application/json", NULL };
static const int ctx_marker = 7;

/* What the handler and the reject hook saw of the last request. */
static struct {
	int		 handled, rejected;
	enum ct_err	 reject_err;
	const void	*ctx;
	char		 path[128], query[128], body[64], id[33];
	size_t		 body_len;
} seen;

static void
note(struct ct_request *req, const void *ctx)
{
	seen.ctx = ctx;
	snprintf(seen.path, sizeof(seen.path), "%s", req->path);
	snprintf(seen.query, sizeof(seen.query), "%s", req->query);
	snprintf(seen.id, sizeof(seen.id), "%s", req->id);
	seen.body_len = req->body_len;
	snprintf(seen.body, sizeof(seen.body), "%s",
	    req->body ? req->body : "(none)");
}

static enum ct_err
handle(struct ct_request *req, const void *ctx)
{
	seen.handled++;
	note(req, ctx);
	if (strcmp(req->path, "/fail") == 0)
		return CT_ERR_NOT_FOUND;
	ct_http_set_detail(req, "handled");
	ct_http_send(req, 200, "application/json", NULL, "{\"ok\":true}", 11);
	return CT_OK;
}

static void
reject(struct ct_request *req, enum ct_err err, const void *ctx)
{
	seen.rejected++;
	seen.reject_err = err;
	note(req, ctx);
}

static const struct ct_endpoint post_ep = {
	.name = "unit-post", .methods = CT_METHOD_POST,
	.content_types = json_types, .limit = CT_LIMIT_API,
	.handle = handle, .reject = reject, .ctx = &ctx_marker,
};

static const struct ct_endpoint get_ep = {
	.name = "unit-get", .methods = CT_METHOD_GET, .content_types = NULL,
	.limit = CT_LIMIT_API, .handle = handle,
};

/* The CGI variables a case may set; each is cleared after it. */
static const char *const cgi_vars[] = { "REQUEST_METHOD", "CONTENT_TYPE",
    "CONTENT_LENGTH", "SCRIPT_NAME", "PATH_INFO", "DOCUMENT_URI",
    "REQUEST_URI", "QUERY_STRING", "REQUEST_ID", "HTTP_X_VAPI_SECRET",
    "HTTP_CALLTRACK_HEALTH", "CALLTRACK_HEALTH", "CALLTRACK_API_BODY_LIMIT",
    "CALLTRACK_IMPORT_BODY_LIMIT", NULL };

struct served {
	int		 rc;
	char		*out, *log;
	size_t		 out_len, log_len;
	struct response	 r;
	int		 parsed;
};

/* Serves one plain-CGI request: vars ("NAME=value") in the environment,
 * body on stdin; what went to stdout and stderr into *s. */
static void
serve(const struct ct_endpoint *ep, const char *const *vars,
    const char *body, struct served *s)
{
	struct capture out, err;
	const char *const *v;
	char name[64];

	memset(s, 0, sizeof(*s));
	memset(&seen, 0, sizeof(seen));
	for (v = vars; *v != NULL; v++) {
		const char *eq = strchr(*v, '=');

		snprintf(name, sizeof(name), "%.*s", (int)(eq - *v), *v);
		setenv(name, eq + 1, 1);
	}
	if (stdin_from(body ? body : "", body ? strlen(body) : 0) != 0 ||
	    capture_start(&out, 1) != 0 || capture_start(&err, 2) != 0) {
		CU_FAIL("could not set up the request");
		return;
	}
	s->rc = ct_serve(ep);
	s->log = capture_end(&err, &s->log_len);
	s->out = capture_end(&out, &s->out_len);
	stdin_restore();
	for (v = cgi_vars; *v != NULL; v++)
		unsetenv(*v);
	s->parsed = s->out != NULL &&
	    response_parse(s->out, s->out_len, &s->r) == 0;
}

static void
served_free(struct served *s)
{
	free(s->out);
	free(s->log);
}

static void
test_serve_requests(void)
{
	static const char *const ok_post[] = { "REQUEST_METHOD=POST",
	    "CONTENT_TYPE=application/json; charset=utf-8",
	    "CONTENT_LENGTH=2", "SCRIPT_NAME=/hooks/vapi", "PATH_INFO=/x",
	    NULL };
	static const char *const get_on_post[] = { "REQUEST_METHOD=GET",
	    "DOCUMENT_URI=/hooks/vapi/x", NULL };
	static const char *const put[] = { "REQUEST_METHOD=PUT",
	    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=2", NULL };
	static const char *const no_method[] = { "CONTENT_LENGTH=2", NULL };
	static const char *const text[] = { "REQUEST_METHOD=POST",
	    "CONTENT_TYPE=text/plain", "CONTENT_LENGTH=2", NULL };
	static const char *const big[] = { "REQUEST_METHOD=POST",
	    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=17",
	    "CALLTRACK_API_BODY_LIMIT=16", NULL };
	static const char *const at_limit[] = { "REQUEST_METHOD=POST",
	    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=16",
	    "CALLTRACK_API_BODY_LIMIT=16", NULL };
	static const char *const bad_length[] = { "REQUEST_METHOD=POST",
	    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=2x", NULL };
	static const char *const short_body[] = { "REQUEST_METHOD=POST",
	    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=10", NULL };
	static const char *const fails[] = { "REQUEST_METHOD=POST",
	    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=2",
	    "DOCUMENT_URI=/fail", NULL };
	static const char *const get_ok[] = { "REQUEST_METHOD=GET",
	    "REQUEST_URI=/api/calls?limit=5", "QUERY_STRING=limit=5", NULL };
	static const char *const post_on_get[] = { "REQUEST_METHOD=POST",
	    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=2", NULL };
	static const struct {
		const struct ct_endpoint *ep;
		const char *const	*vars;
		const char		*body;
		int			 status;
		const char		*code, *allow;
		int			 handled;
		enum ct_err		 rejected;	/* CT_OK: not */
		const char		*path, *seen_body;
	} t[] = {
		{ &post_ep, ok_post, "{}", 200, NULL, NULL, 1, CT_OK,
		    "/hooks/vapi/x", "{}" },
		{ &post_ep, get_on_post, NULL, 405, "method_not_allowed", "POST",
		    0, CT_ERR_METHOD, "/hooks/vapi/x", "(none)" },
		{ &post_ep, put, "{}", 405, "method_not_allowed", "POST", 0,
		    CT_ERR_METHOD, "", "(none)" },
		{ &post_ep, no_method, "{}", 405, "method_not_allowed", "POST",
		    0, CT_ERR_METHOD, "", "(none)" },
		/* The body is read before the content type is judged, so a
		 * refused request is kept with its bytes. */
		{ &post_ep, text, "{}", 415, "unsupported_media_type", NULL, 0,
		    CT_ERR_CONTENT_TYPE, "", "{}" },
		{ &post_ep, big, "{\"a\":\"123456789\"}", 413,
		    "payload_too_large", NULL, 0, CT_ERR_TOO_LARGE, "",
		    "(none)" },
		{ &post_ep, at_limit, "{\"a\":\"12345678\"}", 200, NULL, NULL,
		    1, CT_OK, "", "{\"a\":\"12345678\"}" },
		{ &post_ep, bad_length, "{}", 400, "bad_request", NULL, 0,
		    CT_ERR_BAD_REQUEST, "", "(none)" },
		{ &post_ep, short_body, "{}", 400, "bad_request", NULL, 0,
		    CT_ERR_IO, "", "{}" },
		/* The handler's error is answered by the loop. */
		{ &post_ep, fails, "{}", 404, "not_found", NULL, 1, CT_OK,
		    "/fail", "{}" },
		/* No body accepted: none read; the path without its query. */
		{ &get_ep, get_ok, "ignored", 200, NULL, NULL, 1, CT_OK,
		    "/api/calls", "(none)" },
		{ &get_ep, post_on_get, "{}", 405, "method_not_allowed", "GET",
		    0, CT_OK, "", "(none)" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct served s;
		char val[64], want[32];
		json_object *o;

		serve(t[i].ep, t[i].vars, t[i].body, &s);
		CU_ASSERT_EQUAL(s.rc, 0);
		CU_ASSERT_TRUE_FATAL(s.parsed);
		CU_ASSERT_EQUAL(s.r.status, t[i].status);
		if (s.r.status != t[i].status)
			fprintf(stderr, "serve case %zu: status %d\n", i,
			    s.r.status);
		CU_ASSERT_EQUAL(seen.handled, t[i].handled);
		if (t[i].ep->reject != NULL) {
			CU_ASSERT_EQUAL(seen.rejected, t[i].rejected != CT_OK);
			CU_ASSERT_EQUAL(seen.reject_err, t[i].rejected);
		}
		if (seen.handled || seen.rejected) {
			CU_ASSERT_PTR_EQUAL(seen.ctx, t[i].ep->ctx);
			ASSERT_STR_EQ(seen.path, t[i].path);
			ASSERT_STR_EQ(seen.body, t[i].seen_body);
		}
		if (t[i].code != NULL) {
			o = response_json(&s.r);
			CU_ASSERT_PTR_NOT_NULL(o);
			ASSERT_STR_EQ(json_str(o, "error", "code"), t[i].code);
			json_object_put(o);
		}
		if (t[i].allow != NULL) {
			CU_ASSERT_TRUE(response_header(&s.r, "Allow", val,
			    sizeof(val)));
			ASSERT_STR_EQ(val, t[i].allow);
		}
		/* One log line with the program, the status and the code. */
		CU_ASSERT_PTR_NOT_NULL_FATAL(s.log);
		CU_ASSERT_EQUAL(strchr(s.log, '\n') - s.log + 1,
		    (long)s.log_len);
		snprintf(want, sizeof(want), "calltrack %s[", t[i].ep->name);
		CU_ASSERT_EQUAL(strncmp(s.log, want, strlen(want)), 0);
		snprintf(want, sizeof(want), " status=%d ", t[i].status);
		CU_ASSERT_PTR_NOT_NULL(strstr(s.log, want));
		snprintf(want, sizeof(want), " code=%s ",
		    t[i].code ? t[i].code : "-");
		CU_ASSERT_PTR_NOT_NULL(strstr(s.log, want));
		served_free(&s);
	}
}

static const char *const csv_types[] = { "text/csv", NULL };

static const struct ct_endpoint import_ep = {
	.name = "unit-import", .methods = CT_METHOD_POST,
	.content_types = csv_types, .limit = CT_LIMIT_IMPORT,
	.handle = handle,
};

/* An import's body limit is its own setting, not the API's. */
static void
test_serve_import_limit(void)
{
	static const char *const over[] = { "REQUEST_METHOD=POST",
	    "CONTENT_TYPE=text/csv", "CONTENT_LENGTH=1025",
	    "CALLTRACK_IMPORT_BODY_LIMIT=1024", "CALLTRACK_API_BODY_LIMIT=16",
	    NULL };
	static const char *const at[] = { "REQUEST_METHOD=POST",
	    "CONTENT_TYPE=text/csv", "CONTENT_LENGTH=1024",
	    "CALLTRACK_IMPORT_BODY_LIMIT=1024", "CALLTRACK_API_BODY_LIMIT=16",
	    NULL };
	static const char *const json_at[] = { "REQUEST_METHOD=POST",
	    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=1024",
	    "CALLTRACK_IMPORT_BODY_LIMIT=1024", "CALLTRACK_API_BODY_LIMIT=16",
	    NULL };
	char body[1026];
	struct served s;
	json_object *o;

	memset(body, 'a', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	serve(&import_ep, over, body, &s);
	CU_ASSERT_TRUE_FATAL(s.parsed);
	CU_ASSERT_EQUAL(s.r.status, 413);
	CU_ASSERT_EQUAL(seen.handled, 0);
	o = response_json(&s.r);
	ASSERT_STR_EQ(json_str(o, "error", "code"), "payload_too_large");
	json_object_put(o);
	served_free(&s);
	body[1024] = '\0';
	serve(&import_ep, at, body, &s);
	CU_ASSERT_TRUE_FATAL(s.parsed);
	CU_ASSERT_EQUAL(s.r.status, 200);
	CU_ASSERT_EQUAL(seen.handled, 1);
	CU_ASSERT_EQUAL(seen.body_len, 1024);
	served_free(&s);
	serve(&post_ep, json_at, body, &s);
	CU_ASSERT_TRUE_FATAL(s.parsed);
	CU_ASSERT_EQUAL(s.r.status, 413);
	served_free(&s);
}

/* The log line carries no body, no secret header, no query string. */
static void
test_serve_log_keeps_secrets(void)
{
	static const char *const vars[] = { "REQUEST_METHOD=POST",
	    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=26",
	    "DOCUMENT_URI=/hooks/vapi/x", "QUERY_STRING=token=ct_querysecret",
	    "REQUEST_URI=/hooks/vapi/x?token=ct_querysecret",
	    "HTTP_X_VAPI_SECRET=hdr-secret-value", NULL };
	struct served s;

	serve(&post_ep, vars, "{\"secret\":\"body-secret-1\"}", &s);
	CU_ASSERT_TRUE_FATAL(s.parsed);
	CU_ASSERT_EQUAL(s.r.status, 200);
	ASSERT_STR_EQ(seen.query, "token=ct_querysecret");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.log);
	CU_ASSERT_PTR_NOT_NULL(strstr(s.log, "path=\"/hooks/vapi/x\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(s.log, "detail=\"handled\""));
	CU_ASSERT_PTR_NULL(strstr(s.log, "body-secret-1"));
	CU_ASSERT_PTR_NULL(strstr(s.log, "hdr-secret-value"));
	CU_ASSERT_PTR_NULL(strstr(s.log, "ct_querysecret"));
	served_free(&s);
}

/* The path from DOCUMENT_URI, else REQUEST_URI's path, else SCRIPT_NAME
 * and PATH_INFO; the request id from nginx when it is hex. */
static void
test_serve_path_and_id(void)
{
	static const char *const doc[] = { "REQUEST_METHOD=GET",
	    "DOCUMENT_URI=/api/stats", "REQUEST_URI=/other?x=1",
	    "SCRIPT_NAME=/cgi", "PATH_INFO=/x",
	    "REQUEST_ID=0123456789abcdef0123456789abcdef", NULL };
	static const char *const uri[] = { "REQUEST_METHOD=GET",
	    "REQUEST_URI=/api/calls/abc?limit=1", "SCRIPT_NAME=/cgi",
	    "REQUEST_ID=not-hex!", NULL };
	static const char *const cgi[] = { "REQUEST_METHOD=GET",
	    "SCRIPT_NAME=/cgi-bin/dashboard-calls", "PATH_INFO=/api/calls",
	    "REQUEST_ID=abc", NULL };
	/* Apache's rewrite for a site under /~acme/ (INSTALL, 8). */
	static const char *const prefixed[] = { "REQUEST_METHOD=GET",
	    "SCRIPT_NAME=/~acme/cgi-bin/dashboard-calls", "PATH_INFO=/api/calls",
	    "REQUEST_URI=/~acme/api/calls?limit=1", "QUERY_STRING=limit=1", NULL };
	static const char *const hook[] = { "REQUEST_METHOD=GET",
	    "SCRIPT_NAME=/cgi-bin/vapi-hook", "PATH_INFO=/acme-vapi", NULL };
	struct served s;

	serve(&get_ep, doc, NULL, &s);
	CU_ASSERT_EQUAL(s.r.status, 200);
	ASSERT_STR_EQ(seen.path, "/api/stats");
	ASSERT_STR_EQ(seen.query, "");
	ASSERT_STR_EQ(seen.id, "0123456789abcdef0123456789abcdef");
	CU_ASSERT_PTR_NOT_NULL(s.log && strstr(s.log,
	    "id=0123456789abcdef0123456789abcdef "));
	served_free(&s);

	serve(&get_ep, uri, NULL, &s);
	ASSERT_STR_EQ(seen.path, "/api/calls/abc");
	/* Not hex (or too short): one of our own, 16 hex digits. */
	CU_ASSERT_EQUAL(strlen(seen.id), 16);
	CU_ASSERT_EQUAL(strspn(seen.id, "0123456789abcdef"), 16);
	served_free(&s);

	/* Plain CGI: a PATH_INFO of /api/... is the path. */
	serve(&get_ep, cgi, NULL, &s);
	ASSERT_STR_EQ(seen.path, "/api/calls");
	CU_ASSERT_EQUAL(strlen(seen.id), 16);
	served_free(&s);

	/* ...even when REQUEST_URI keeps the site's prefix. */
	serve(&get_ep, prefixed, NULL, &s);
	ASSERT_STR_EQ(seen.path, "/api/calls");
	ASSERT_STR_EQ(seen.query, "limit=1");
	served_free(&s);

	/* Any other PATH_INFO: SCRIPT_NAME and PATH_INFO, as before. */
	serve(&get_ep, hook, NULL, &s);
	ASSERT_STR_EQ(seen.path, "/cgi-bin/vapi-hook/acme-vapi");
	served_free(&s);
}

/* Only nginx sets CALLTRACK_HEALTH; a client's header of that name is
 * HTTP_CALLTRACK_HEALTH and reaches the handler like any request. */
static void
test_serve_health_not_from_client(void)
{
	static const char *const vars[] = { "REQUEST_METHOD=GET",
	    "HTTP_CALLTRACK_HEALTH=1", "DOCUMENT_URI=/api/calls", NULL };
	struct served s;

	serve(&get_ep, vars, NULL, &s);
	CU_ASSERT_EQUAL(s.r.status, 200);
	CU_ASSERT_EQUAL(seen.handled, 1);
	served_free(&s);
}

/* A bad setting stops the program before its first request, naming the
 * variable but not its value. */
static void
test_serve_bad_setting(void)
{
	static const char *const vars[] = { "REQUEST_METHOD=GET",
	    "CALLTRACK_API_BODY_LIMIT=lots-of-bytes", NULL };
	struct served s;

	serve(&get_ep, vars, NULL, &s);
	CU_ASSERT_EQUAL(s.rc, 1);
	CU_ASSERT_EQUAL(s.out_len, 0);
	CU_ASSERT_EQUAL(seen.handled, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.log);
	CU_ASSERT_PTR_NOT_NULL(strstr(s.log, "CALLTRACK_API_BODY_LIMIT"));
	CU_ASSERT_PTR_NULL(strstr(s.log, "lots-of-bytes"));
	served_free(&s);
}

/* The endpoint's init, and the order it ran in. */
static int init_calls, handled_at_init;

static enum ct_err
init_ok(void)
{
	init_calls++;
	handled_at_init = seen.handled;
	return CT_OK;
}

static enum ct_err
init_fails(void)
{
	init_calls++;
	return CT_ERR_INTERNAL;
}

/* init runs once before the first request; one that fails stops the
 * program before it answers anything. */
static void
test_serve_init(void)
{
	static const char *const vars[] = { "REQUEST_METHOD=GET", NULL };
	struct ct_endpoint ep = get_ep;
	struct served s;

	ep.init = init_ok;
	init_calls = 0;
	handled_at_init = -1;
	serve(&ep, vars, NULL, &s);
	CU_ASSERT_EQUAL(s.rc, 0);
	CU_ASSERT_EQUAL(init_calls, 1);
	CU_ASSERT_EQUAL(handled_at_init, 0);
	CU_ASSERT_EQUAL(seen.handled, 1);
	CU_ASSERT_TRUE(s.parsed && s.r.status == 200);
	served_free(&s);

	ep.init = init_fails;
	init_calls = 0;
	serve(&ep, vars, NULL, &s);
	CU_ASSERT_EQUAL(s.rc, 1);
	CU_ASSERT_EQUAL(init_calls, 1);
	CU_ASSERT_EQUAL(seen.handled, 0);
	CU_ASSERT_EQUAL(s.out_len, 0);
	CU_ASSERT_PTR_NOT_NULL(s.log && strstr(s.log, "could not initialise"));
	served_free(&s);
}

int
suite_serve(void)
{
	static const struct test_case t[] = {
		{ "requests checked before the handler", test_serve_requests },
		{ "an import's body limit is its own", test_serve_import_limit },
		{ "log line without body, secret or query",
		    test_serve_log_keeps_secrets },
		{ "path and request id", test_serve_path_and_id },
		{ "health is not a client's to ask",
		    test_serve_health_not_from_client },
		{ "a bad setting stops the program", test_serve_bad_setting },
		{ "init once before the first request, or the program stops",
		    test_serve_init },
		{ NULL, NULL } };
	return add_suite("serve", t);
}

/* ---- against the database ---- */

static int
serve_db_clean(void)
{
	ct_db_configure("unit-tests", 0);
	ct_log_init("calltrack");
	return config_reload();
}

static void
test_serve_health(void)
{
	static const char *const vars[] = { "REQUEST_METHOD=GET",
	    "CALLTRACK_HEALTH=1", "DOCUMENT_URI=/healthz/unit-get", NULL };
	const char *db = getenv("CALLTRACK_DB");
	char *saved = db ? strdup(db) : NULL, val[16];
	struct served s;
	json_object *o;

	CU_ASSERT_PTR_NOT_NULL_FATAL(saved);
	serve(&get_ep, vars, NULL, &s);
	CU_ASSERT_TRUE_FATAL(s.parsed);
	CU_ASSERT_EQUAL(s.r.status, 200);
	CU_ASSERT_EQUAL(seen.handled, 0);
	o = response_json(&s.r);
	ASSERT_STR_EQ(json_str(o, "program", NULL), "unit-get");
	ASSERT_STR_EQ(json_str(o, "status", NULL), "ok");
	ASSERT_STR_EQ(json_str(o, "database", NULL), "ok");
	json_object_put(o);
	served_free(&s);

	/* The program's database away: 503, to be retried. */
	setenv("CALLTRACK_DB", "host=/nonexistent/calltrack-unit dbname=x", 1);
	serve(&get_ep, vars, NULL, &s);
	setenv("CALLTRACK_DB", saved, 1);
	CU_ASSERT_TRUE_FATAL(s.parsed);
	CU_ASSERT_EQUAL(s.r.status, 503);
	CU_ASSERT_TRUE(response_header(&s.r, "Retry-After", val, sizeof(val)));
	o = response_json(&s.r);
	ASSERT_STR_EQ(json_str(o, "status", NULL), "unavailable");
	ASSERT_STR_EQ(json_str(o, "database", NULL), "unreachable");
	json_object_put(o);
	CU_ASSERT_PTR_NOT_NULL(s.log && strstr(s.log, " code=unavailable "));
	served_free(&s);
	free(saved);
}

int
suite_serve_db(void)
{
	static const struct test_case t[] = {
		{ "health check over the program's connection",
		    test_serve_health },
		{ NULL, NULL } };
	return add_suite_with("serve-db", NULL, serve_db_clean, t);
}
