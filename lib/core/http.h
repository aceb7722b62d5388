/*
 * http.h: one request and its response, over FastCGI or plain CGI.
 *
 * A struct ct_request lives for exactly one request: the serve loop fills
 * it, the endpoint's handler reads it and answers through it, and the loop
 * frees everything in it before the next accept.
 */
#ifndef CT_HTTP_H
#define CT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "core/err.h"

enum ct_method {
	CT_METHOD_OTHER = 0,
	CT_METHOD_GET = 1 << 0,
	CT_METHOD_POST = 1 << 1,
	CT_METHOD_PUT = 1 << 2,
	CT_METHOD_PATCH = 1 << 3,
	CT_METHOD_DELETE = 1 << 4,
};

/* The methods whose requests carry a body the endpoint's content types
 * and limit apply to. */
#define CT_METHODS_WITH_BODY (CT_METHOD_POST | CT_METHOD_PUT | CT_METHOD_PATCH)

struct ct_request {
	FCGX_Request	*fcgx;		/* NULL under plain CGI */
	char		**envp;		/* the request's parameters */
	enum ct_method	 method;
	const char	*method_name;
	unsigned	 allow;		/* the endpoint's methods, for 405 */
	const char	*path;		/* without the query string */
	const char	*query;		/* without '?', "" when none */
	char		*body;		/* NUL-terminated, owned */
	size_t		 body_len;
	char		 id[33];	/* request id for the log */
	struct timespec	 started;
	/* What the response said, for the log line. */
	int		 status;
	const char	*code;
	char		 detail[200];	/* operators only, never sent */
	/* What the log line says of the request, once known. */
	char		 org[37];
	char		 integration[65];
	char		 event[64];
	char		 outcome[16];
	char		*path_buf;	/* owned storage behind path */
};

/*
 * Returns the request parameter name (a CGI variable such as "QUERY_STRING"
 * or "HTTP_X_VAPI_SECRET"), or NULL.  The string belongs to the request.
 */
const char *ct_http_param(const struct ct_request *req, const char *name);

/*
 * Returns the value of request header name, given as sent ("x-vapi-secret",
 * any case), or NULL.  Names longer than 64 bytes are never found.
 */
const char *ct_http_header(const struct ct_request *req, const char *name);

/* Returns true when the request's media type (before any ';') equals
 * type, compared case-insensitively (ct_media_type_is). */
bool ct_http_content_type_is(const struct ct_request *req, const char *type);

/*
 * Reads the body: CONTENT_LENGTH is parsed with bounds [0, limit] (absent
 * means 0), then exactly that many bytes are read.  Returns CT_OK,
 * CT_ERR_TOO_LARGE (nothing read), CT_ERR_BAD_REQUEST (bad length) or
 * CT_ERR_IO (the body ended early).
 */
enum ct_err ct_http_read_body(struct ct_request *req, size_t limit)
    __attribute__((warn_unused_result));

/*
 * Sends a response: the status, the content type, any extra header lines
 * (each ending in "\r\n", may be NULL) and len bytes of body.
 */
void ct_http_send(struct ct_request *req, int status, const char *ctype,
    const char *extra_headers, const char *body, size_t len);

/*
 * Starts a response whose length is not known in advance (a stream): the
 * status, content type and extra header lines.  The body follows with
 * ct_http_write.
 */
void ct_http_begin(struct ct_request *req, int status, const char *ctype,
    const char *extra_headers);

/* Writes len bytes of a streamed body. */
void ct_http_write(struct ct_request *req, const char *buf, size_t len);

/*
 * Ends a streamed response that could not be finished, so that it cannot
 * pass for a complete one: over FastCGI the connection is broken off and
 * nginx drops the client's before the final chunk; under plain CGI what
 * was written is flushed and nothing more is (the server ends the
 * response).  Nothing may be written to req afterwards.
 */
void ct_http_abort(struct ct_request *req);

/* Sends obj serialized as JSON with status; does not take obj. */
void ct_http_send_json(struct ct_request *req, int status, json_object *obj);

/*
 * Sends the JSON error body of docs/API.md for err:
 * {"error":{"code":…,"message":…[,"parameter":…]}}, with Allow on 405 and
 * Retry-After on 503.  message may be NULL for the table's fixed message;
 * when given it must be safe for a client (no internal detail).
 */
void ct_http_send_error(struct ct_request *req, enum ct_err err,
    const char *parameter, const char *message);

/*
 * Answers 400 invalid_parameter naming name (a query parameter or a body
 * field): "the value of <name> is not valid".  Returns CT_OK, the request
 * being answered, so a handler may return it.
 */
enum ct_err ct_http_bad_parameter(struct ct_request *req, const char *name);

/* Records detail for the request's log line (operators only). */
void ct_http_set_detail(struct ct_request *req, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
