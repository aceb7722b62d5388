/*
 * test_http.c: a request's parameters and headers, its content type, the
 * body read under its bounds, and the error body of API.md, under plain
 * CGI (the body from stdin, the response to stdout).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/delivery.h"
#include "core/http.h"
#include "suites.h"

/* ---- parameters and headers ---- */

static void
test_http_param(void)
{
	static const char *const vars[] = { "QUERY_STRING=a=1&b=2",
	    "REQUEST_METHOD=POST", "EMPTY=", "HTTP_X_VAPI_SECRET=s3cret",
	    NULL };
	static const struct { const char *name, *want; } t[] = {
		{ "QUERY_STRING", "a=1&b=2" },
		{ "REQUEST_METHOD", "POST" },
		{ "EMPTY", "" },
		{ "HTTP_X_VAPI_SECRET", "s3cret" },
		/* A name is matched whole and with its case. */
		{ "QUERY", NULL },
		{ "QUERY_STRING_", NULL },
		{ "query_string", NULL },
		{ "MISSING", NULL },
		{ "", NULL },
	};
	struct ct_request req;
	size_t i;

	memset(&req, 0, sizeof(req));
	req.envp = envp_new(vars);
	CU_ASSERT_PTR_NOT_NULL_FATAL(req.envp);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *got = ct_http_param(&req, t[i].name);

		if (t[i].want == NULL) {
			CU_ASSERT_PTR_NULL(got);
		} else {
			ASSERT_STR_EQ(got, t[i].want);
		}
	}
	envp_free(req.envp);
	/* No parameters at all: nothing is found, nothing crashes. */
	req.envp = NULL;
	CU_ASSERT_PTR_NULL(ct_http_param(&req, "QUERY_STRING"));
	CU_ASSERT_PTR_NULL(ct_http_header(&req, "x-vapi-secret"));
	CU_ASSERT_FALSE(ct_http_content_type_is(&req, "application/json"));
}

static void
test_http_header(void)
{
	char n64[65], n65[66], v64[5 + 64 + 3], v65[5 + 65 + 3];
	const char *vars[] = { "HTTP_X_VAPI_SECRET=s3cret",
	    "HTTP_X_RETELL_SIGNATURE=v=1,d=ab", "HTTP_AUTHORIZATION=Bearer t",
	    "CONTENT_TYPE=application/json", v64, v65, NULL };
	static const struct { const char *name, *want; } t[] = {
		{ "x-vapi-secret", "s3cret" },
		{ "X-Vapi-Secret", "s3cret" },
		{ "X-VAPI-SECRET", "s3cret" },
		{ "x-retell-signature", "v=1,d=ab" },
		{ "authorization", "Bearer t" },
		/* CGI keeps the content type outside HTTP_*. */
		{ "content-type", NULL },
		{ "x-vapi", NULL },
		{ "", NULL },
	};
	struct ct_request req;
	size_t i;

	/* A 64-byte name is found; one of 65 never is, even when the
	 * parameter exists. */
	memset(n64, 'A', 64);
	n64[64] = '\0';
	memset(n65, 'A', 65);
	n65[65] = '\0';
	snprintf(v64, sizeof(v64), "HTTP_%s=1", n64);
	snprintf(v65, sizeof(v65), "HTTP_%s=2", n65);
	memset(&req, 0, sizeof(req));
	req.envp = envp_new(vars);
	CU_ASSERT_PTR_NOT_NULL_FATAL(req.envp);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *got = ct_http_header(&req, t[i].name);

		if (t[i].want == NULL) {
			CU_ASSERT_PTR_NULL(got);
		} else {
			ASSERT_STR_EQ(got, t[i].want);
		}
	}
	n64[0] = 'a';		/* any case */
	ASSERT_STR_EQ(ct_http_header(&req, n64), "1");
	CU_ASSERT_PTR_NULL(ct_http_header(&req, n65));
	envp_free(req.envp);
}

static void
test_http_content_type(void)
{
	static const struct { const char *ct, *type; int want; } t[] = {
		{ "CONTENT_TYPE=application/json", "application/json", 1 },
		{ "CONTENT_TYPE=Application/JSON", "application/json", 1 },
		{ "CONTENT_TYPE=application/json; charset=utf-8",
		    "application/json", 1 },
		{ "CONTENT_TYPE=application/json ; charset=utf-8",
		    "application/json", 1 },
		{ "CONTENT_TYPE=application/json\t;charset=utf-8",
		    "application/json", 1 },
		{ "CONTENT_TYPE=application/x-www-form-urlencoded",
		    "application/x-www-form-urlencoded", 1 },
		{ "CONTENT_TYPE=application/jsonx", "application/json", 0 },
		{ "CONTENT_TYPE=application/json-patch+json",
		    "application/json", 0 },
		{ "CONTENT_TYPE=application/jso", "application/json", 0 },
		{ "CONTENT_TYPE=text/plain", "application/json", 0 },
		{ "CONTENT_TYPE=", "application/json", 0 },
		{ "CONTENT_TYPE=;application/json", "application/json", 0 },
		{ NULL, "application/json", 0 },
	};
	struct ct_request req;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *vars[2] = { t[i].ct, NULL };

		memset(&req, 0, sizeof(req));
		req.envp = envp_new(vars);
		CU_ASSERT_PTR_NOT_NULL_FATAL(req.envp);
		CU_ASSERT_EQUAL(ct_http_content_type_is(&req, t[i].type),
		    t[i].want);
		envp_free(req.envp);
	}
}

/* ---- the body ---- */

static void
test_http_read_body(void)
{
	static const char bytes[] = "0123456789abcdefXYZ";	/* 19 */
	static const struct {
		const char	*length;	/* CONTENT_LENGTH, NULL: absent */
		size_t		 available;	/* bytes on stdin */
		size_t		 limit;
		enum ct_err	 want;
		size_t		 got;		/* body_len */
	} t[] = {
		{ NULL, 19, 16, CT_OK, 0 },		/* absent means 0 */
		{ "", 19, 16, CT_OK, 0 },
		{ "0", 19, 16, CT_OK, 0 },
		{ "5", 19, 16, CT_OK, 5 },
		{ "16", 19, 16, CT_OK, 16 },		/* the limit */
		{ "17", 19, 16, CT_ERR_TOO_LARGE, 0 },	/* limit + 1 */
		{ "1048576", 19, 16, CT_ERR_TOO_LARGE, 0 },
		{ "0", 0, 0, CT_OK, 0 },		/* a zero limit */
		{ "1", 19, 0, CT_ERR_TOO_LARGE, 0 },
		{ "abc", 19, 16, CT_ERR_BAD_REQUEST, 0 },
		{ "12abc", 19, 16, CT_ERR_BAD_REQUEST, 0 },
		{ " 5", 19, 16, CT_ERR_BAD_REQUEST, 0 },
		{ "+5", 19, 16, CT_ERR_BAD_REQUEST, 0 },
		{ "05", 19, 16, CT_ERR_BAD_REQUEST, 0 },
		{ "0x10", 19, 16, CT_ERR_BAD_REQUEST, 0 },
		{ "-1", 19, 16, CT_ERR_BAD_REQUEST, 0 },
		{ "-0", 19, 16, CT_ERR_BAD_REQUEST, 0 },
		/* Past any size: too large, not malformed, nothing read. */
		{ "99999999999999999999999", 19, 16, CT_ERR_TOO_LARGE, 0 },
		{ "18446744073709551617", 19, 16, CT_ERR_TOO_LARGE, 0 },
		{ "9223372036854775807", 19, 16, CT_ERR_TOO_LARGE, 0 },
		/* The body ends before its stated length. */
		{ "10", 3, 16, CT_ERR_IO, 3 },
		{ "1", 0, 16, CT_ERR_IO, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char var[64];
		const char *vars[2] = { NULL, NULL };
		struct ct_request req;
		enum ct_err err;

		if (t[i].length != NULL) {
			snprintf(var, sizeof(var), "CONTENT_LENGTH=%s",
			    t[i].length);
			vars[0] = var;
		}
		memset(&req, 0, sizeof(req));
		req.envp = envp_new(vars);
		CU_ASSERT_PTR_NOT_NULL_FATAL(req.envp);
		CU_ASSERT_EQUAL_FATAL(stdin_from(bytes, t[i].available), 0);
		err = ct_http_read_body(&req, t[i].limit);
		CU_ASSERT_EQUAL(err, t[i].want);
		if (err != t[i].want)
			fprintf(stderr, "read_body case %zu (%s): got %d\n", i,
			    t[i].length ? t[i].length : "absent", err);
		if (t[i].want == CT_OK || t[i].want == CT_ERR_IO) {
			/* Exactly the stated bytes, NUL-terminated. */
			CU_ASSERT_PTR_NOT_NULL_FATAL(req.body);
			CU_ASSERT_EQUAL(req.body_len, t[i].got);
			CU_ASSERT_EQUAL(memcmp(req.body, bytes, t[i].got), 0);
			CU_ASSERT_EQUAL(req.body[req.body_len], '\0');
			if (t[i].want == CT_OK) {
				CU_ASSERT_EQUAL(stdin_offset(), (long)t[i].got);
			}
		} else {
			/* Refused before a byte was read or allocated. */
			CU_ASSERT_PTR_NULL(req.body);
			CU_ASSERT_EQUAL(req.body_len, 0);
			CU_ASSERT_EQUAL(stdin_offset(), 0);
		}
		free(req.body);
		envp_free(req.envp);
	}
	stdin_restore();
}

/* A body with a NUL inside is read whole: its length is the header's. */
static void
test_http_read_body_binary(void)
{
	static const char bytes[] = { 'a', '\0', 'b', '\n', '\xff' };
	const char *vars[] = { "CONTENT_LENGTH=5", NULL };
	struct ct_request req;

	memset(&req, 0, sizeof(req));
	req.envp = envp_new(vars);
	CU_ASSERT_PTR_NOT_NULL_FATAL(req.envp);
	CU_ASSERT_EQUAL_FATAL(stdin_from(bytes, sizeof(bytes)), 0);
	CU_ASSERT_EQUAL(ct_http_read_body(&req, 5), CT_OK);
	CU_ASSERT_EQUAL(req.body_len, 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(req.body);
	CU_ASSERT_EQUAL(memcmp(req.body, bytes, 5), 0);
	free(req.body);
	envp_free(req.envp);
	stdin_restore();
}

/* ---- the error body ---- */

/* Runs ct_http_send_error under plain CGI and returns what it wrote. */
static char *
send_error(struct ct_request *req, enum ct_err err, const char *parameter,
    const char *message, size_t *len)
{
	struct capture c;

	if (capture_start(&c, 1) != 0)
		return NULL;
	ct_http_send_error(req, err, parameter, message);
	return capture_end(&c, len);
}

static void
test_http_send_error(void)
{
	static const struct {
		enum ct_err	 err;
		unsigned	 allow;
		const char	*parameter, *message;
		int		 status;
		const char	*code, *want_message, *extra, *extra_value;
	} t[] = {
		{ CT_ERR_MALFORMED_BODY, CT_METHOD_POST, NULL, NULL, 400,
		    "malformed_body", "the request body could not be parsed",
		    NULL, NULL },
		{ CT_ERR_INVALID_PARAMETER, CT_METHOD_GET, "limit",
		    "limit must be between 1 and 100", 400, "invalid_parameter",
		    "limit must be between 1 and 100", NULL, NULL },
		{ CT_ERR_BAD_SIGNATURE, CT_METHOD_POST, NULL, NULL, 401,
		    "invalid_signature", "the request signature does not match",
		    NULL, NULL },
		{ CT_ERR_METHOD, CT_METHOD_POST, NULL, NULL, 405,
		    "method_not_allowed", "method not allowed", "Allow", "POST" },
		{ CT_ERR_METHOD, CT_METHOD_GET, NULL, NULL, 405,
		    "method_not_allowed", "method not allowed", "Allow", "GET" },
		{ CT_ERR_METHOD, CT_METHOD_GET | CT_METHOD_POST, NULL, NULL, 405,
		    "method_not_allowed", "method not allowed", "Allow",
		    "GET, POST" },
		{ CT_ERR_TOO_LARGE, CT_METHOD_POST, NULL, NULL, 413,
		    "payload_too_large", "the request body is too large", NULL,
		    NULL },
		{ CT_ERR_DB_UNAVAILABLE, CT_METHOD_POST, NULL, NULL, 503,
		    "unavailable",
		    "the service is temporarily unavailable, retry later",
		    "Retry-After", "5" },
		/* Internal failures say no more than "internal error". */
		{ CT_ERR_NOMEM, CT_METHOD_POST, NULL, NULL, 500,
		    "internal_error", "internal error", NULL, NULL },
		{ (enum ct_err)999, CT_METHOD_POST, NULL, NULL, 500,
		    "internal_error", "internal error", NULL, NULL },
		/* A message is JSON-escaped, never able to break the body. */
		{ CT_ERR_INVALID_PARAMETER, CT_METHOD_GET, "q\"x",
		    "bad \"value\"\n\\ </script>", 400, "invalid_parameter",
		    "bad \"value\"\n\\ </script>", NULL, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ct_request req;
		struct response r;
		json_object *o, *e = NULL;
		char *out, val[64], clen[32];
		size_t len;

		memset(&req, 0, sizeof(req));
		req.allow = t[i].allow;
		out = send_error(&req, t[i].err, t[i].parameter, t[i].message,
		    &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(out);
		CU_ASSERT_EQUAL_FATAL(response_parse(out, len, &r), 0);
		CU_ASSERT_EQUAL(r.status, t[i].status);
		CU_ASSERT_EQUAL(req.status, t[i].status);
		ASSERT_STR_EQ(req.code, t[i].code);
		CU_ASSERT_TRUE(response_header(&r, "Content-Type", val,
		    sizeof(val)));
		ASSERT_STR_EQ(val, "application/json");
		CU_ASSERT_TRUE(response_header(&r, "Cache-Control", val,
		    sizeof(val)));
		ASSERT_STR_EQ(val, "no-store");
		CU_ASSERT_TRUE(response_header(&r, "Content-Length", val,
		    sizeof(val)));
		snprintf(clen, sizeof(clen), "%zu", r.body_len);
		ASSERT_STR_EQ(val, clen);
		if (t[i].extra != NULL) {
			CU_ASSERT_TRUE(response_header(&r, t[i].extra, val,
			    sizeof(val)));
			ASSERT_STR_EQ(val, t[i].extra_value);
		} else {
			CU_ASSERT_FALSE(response_header(&r, "Allow", val,
			    sizeof(val)));
			CU_ASSERT_FALSE(response_header(&r, "Retry-After", val,
			    sizeof(val)));
		}
		/* {"error":{"code":…,"message":…[,"parameter":…]}}, nothing
		 * else. */
		o = response_json(&r);
		CU_ASSERT_PTR_NOT_NULL_FATAL(o);
		CU_ASSERT_EQUAL(json_object_object_length(o), 1);
		CU_ASSERT_TRUE(json_object_object_get_ex(o, "error", &e));
		CU_ASSERT_EQUAL(json_object_object_length(e),
		    t[i].parameter ? 3 : 2);
		ASSERT_STR_EQ(json_str(o, "error", "code"), t[i].code);
		ASSERT_STR_EQ(json_str(o, "error", "message"),
		    t[i].want_message);
		if (t[i].parameter != NULL) {
			ASSERT_STR_EQ(json_str(o, "error", "parameter"),
			    t[i].parameter);
		}
		json_object_put(o);
		free(out);
	}
}

/* What ct_http_set_detail records stays in the request, cut to fit. */
static void
test_http_detail(void)
{
	struct ct_request req;
	char big[400];
	struct capture c;
	char *out;
	size_t len;

	memset(&req, 0, sizeof(req));
	ct_http_set_detail(&req, "sql %s %d", "42601", 7);
	ASSERT_STR_EQ(req.detail, "sql 42601 7");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ct_http_set_detail(&req, "%s", big);
	CU_ASSERT_EQUAL(strlen(req.detail), sizeof(req.detail) - 1);
	/* The detail is never part of the response. */
	ct_http_set_detail(&req, "secret-detail-42");
	CU_ASSERT_EQUAL_FATAL(capture_start(&c, 1), 0);
	ct_http_send_error(&req, CT_ERR_INTERNAL, NULL, NULL);
	out = capture_end(&c, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_PTR_NULL(strstr(out, "secret-detail-42"));
	free(out);
}

/* A streamed response: status and headers first, no Content-Length. */
static void
test_http_stream(void)
{
	struct ct_request req;
	struct response r;
	struct capture c;
	char *out, val[64];
	size_t len;

	memset(&req, 0, sizeof(req));
	CU_ASSERT_EQUAL_FATAL(capture_start(&c, 1), 0);
	ct_http_begin(&req, 200, "text/csv; charset=utf-8",
	    "X-Row-Cap: 10\r\n");
	ct_http_write(&req, "a,b\r\n", 5);
	ct_http_write(&req, "1,2\r\n", 5);
	out = capture_end(&c, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_EQUAL_FATAL(response_parse(out, len, &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL(req.status, 200);
	CU_ASSERT_FALSE(response_header(&r, "Content-Length", val, sizeof(val)));
	CU_ASSERT_TRUE(response_header(&r, "X-Row-Cap", val, sizeof(val)));
	ASSERT_STR_EQ(val, "10");
	CU_ASSERT_EQUAL(r.body_len, 10);
	CU_ASSERT_EQUAL(memcmp(r.body, "a,b\r\n1,2\r\n", 10), 0);
	free(out);
}

/* A media type compared as HTTP says: case-insensitive, parameters and
 * trailing blanks aside. */
static void
test_media_type(void)
{
	static const struct { const char *ct, *type; bool is; } t[] = {
		{ "application/json", "application/json", true },
		{ "Application/JSON; charset=utf-8", "application/json", true },
		{ "application/json \t; x=1", "application/json", true },
		{ "application/jsonx", "application/json", false },
		{ "application/jso", "application/json", false },
		{ "", "application/json", false },
		{ NULL, "application/json", false },
	};
	struct ct_delivery d = { "", 0, NULL, "", "unit" };
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL(ct_media_type_is(t[i].ct, t[i].type), t[i].is);
		d.content_type = t[i].ct;
		CU_ASSERT_EQUAL(ct_delivery_type_is(&d, t[i].type), t[i].is);
	}
}

/* A content type stored as text only when it is text. */
static void
test_content_type_text(void)
{
	static const struct { const char *in; int kept; } t[] = {
		{ "application/json", 1 },
		{ "application/json; charset=utf-8", 1 },
		{ "application/json; name=\xc3\xa9", 1 },
		{ "application/json; charset=\xff", 0 },
		{ "application/json; x=\x01", 0 },
		{ "application/json\x7f", 0 },
		{ "", 1 },
	};
	char big[400];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CU_ASSERT_EQUAL(ct_content_type_text(t[i].in) != NULL, t[i].kept);
	CU_ASSERT_PTR_NULL(ct_content_type_text(NULL));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CU_ASSERT_PTR_NULL(ct_content_type_text(big));
	big[255] = '\0';
	CU_ASSERT_PTR_NOT_NULL(ct_content_type_text(big));
}

int
suite_http(void)
{
	static const struct test_case t[] = {
		{ "CGI parameters by exact name", test_http_param },
		{ "headers in any case, names capped at 64", test_http_header },
		{ "content type before parameters, any case",
		    test_http_content_type },
		{ "body read within its bounds", test_http_read_body },
		{ "body with a NUL read whole", test_http_read_body_binary },
		{ "error body of API.md with Allow and Retry-After",
		    test_http_send_error },
		{ "detail stays out of the response", test_http_detail },
		{ "streamed response", test_http_stream },
		{ NULL, NULL } };
	return add_suite("http", t);
}

int
suite_delivery(void)
{
	static const struct test_case t[] = {
		{ "media types as HTTP compares them", test_media_type },
		{ "a content type is stored only as text", test_content_type_text },
		{ NULL, NULL } };
	return add_suite("delivery", t);
}
