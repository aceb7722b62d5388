/*
 * http.c: request parameters, body reading and responses.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/delivery.h"
#include "core/http.h"
#include "core/num.h"

const char *
ct_http_param(const struct ct_request *req, const char *name)
{
	if (req->envp == NULL)
		return NULL;
	return FCGX_GetParam(name, req->envp);
}

const char *
ct_http_header(const struct ct_request *req, const char *name)
{
	char var[5 + 64 + 1];
	size_t i, n = strlen(name);

	if (n == 0 || n > 64)
		return NULL;
	memcpy(var, "HTTP_", 5);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		var[5 + i] = c == '-' ? '_' : (char)toupper(c);
	}
	var[5 + n] = '\0';
	return ct_http_param(req, var);
}

bool
ct_http_content_type_is(const struct ct_request *req, const char *type)
{
	return ct_media_type_is(ct_http_param(req, "CONTENT_TYPE"), type);
}

/* Reads up to len bytes from the request's input; returns the count. */
static size_t
read_input(struct ct_request *req, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		size_t want = len - got > 65536 ? 65536 : len - got;
		int n;

		if (req->fcgx != NULL) {
			n = FCGX_GetStr(buf + got, (int)want, req->fcgx->in);
		} else {
			n = (int)fread(buf + got, 1, want, stdin);
		}
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

enum ct_err
ct_http_read_body(struct ct_request *req, size_t limit)
{
	const char *cl = ct_http_param(req, "CONTENT_LENGTH");
	long long n = 0;
	enum ct_err err;

	if (cl != NULL && *cl != '\0') {
		/* Parse against a wide bound first, so that a number just
		 * over the limit is "too large", not "malformed". */
		err = ct_num_parse_str(cl, 0, 0x7fffffffffffLL, &n);
		if (err == CT_ERR_RANGE)
			return CT_ERR_TOO_LARGE;
		if (err != CT_OK)
			return CT_ERR_BAD_REQUEST;
		if ((unsigned long long)n > limit)
			return CT_ERR_TOO_LARGE;
	}
	if ((req->body = malloc((size_t)n + 1)) == NULL)
		return CT_ERR_NOMEM;
	req->body_len = read_input(req, req->body, (size_t)n);
	req->body[req->body_len] = '\0';
	if (req->body_len != (size_t)n)
		return CT_ERR_IO;
	return CT_OK;
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default:  return status < 400 ? "OK" : "Error";
	}
}

static void
put(struct ct_request *req, const char *s, size_t len)
{
	if (req->fcgx != NULL)
		FCGX_PutStr(s, (int)len, req->fcgx->out);
	else
		fwrite(s, 1, len, stdout);
}

void
ct_http_send(struct ct_request *req, int status, const char *ctype,
    const char *extra_headers, const char *body, size_t len)
{
	char head[512];
	int n;

	n = snprintf(head, sizeof(head),
	    "Status: %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
	    "%s\r\n", status, reason(status), ctype, len,
	    extra_headers ? extra_headers : "");
	if (n > 0)
		put(req, head, (size_t)n < sizeof(head) ? (size_t)n :
		    sizeof(head) - 1);
	put(req, body, len);
	if (req->fcgx == NULL)
		fflush(stdout);
	req->status = status;
}

void
ct_http_begin(struct ct_request *req, int status, const char *ctype,
    const char *extra_headers)
{
	char head[512];
	int n;

	n = snprintf(head, sizeof(head),
	    "Status: %d %s\r\nContent-Type: %s\r\n"
	    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
	    "%s\r\n", status, reason(status), ctype,
	    extra_headers ? extra_headers : "");
	if (n > 0)
		put(req, head, (size_t)n < sizeof(head) ? (size_t)n :
		    sizeof(head) - 1);
	req->status = status;
}

void
ct_http_write(struct ct_request *req, const char *buf, size_t len)
{
	put(req, buf, len);
}

void
ct_http_abort(struct ct_request *req)
{
	/* An 8-byte FastCGI record header of version 0 (FCGI_VERSION_1 is
	 * the only one there is). */
	static const unsigned char broken[8];

	if (req->fcgx == NULL) {
		/*
		 * Plain CGI: the web server ends the response when the program
		 * exits, and no byte on stdout can make it do otherwise.  What
		 * was written goes out, and nothing more: no closing line, so
		 * the body does not end as a finished one does.
		 */
		fflush(stdout);
		return;
	}
	/*
	 * FastCGI: the response must end without FCGI_END_REQUEST, and a
	 * connection closed early is not enough: nginx without
	 * fastcgi_keep_conn takes the close for the end of the response and
	 * sends the final chunk.  A record it cannot parse is an upstream
	 * error, which makes nginx drop the client's connection before that
	 * chunk ("upstream sent unsupported FastCGI protocol version" in its
	 * error log), so that the client sees an incomplete transfer (curl:
	 * exit code 18).  What was buffered goes first, as whole records;
	 * libfcgi has no call for this, and ipcFd is the request's
	 * connection.  FCGX_Finish_r then finds the connection shut and only
	 * closes it (SIGPIPE is ignored).
	 */
	FCGX_FFlush(req->fcgx->out);
	if (req->fcgx->ipcFd >= 0) {
		if (write(req->fcgx->ipcFd, broken, sizeof(broken)) < 0) {
			/* the server is gone already: nothing to tell it */
		}
		shutdown(req->fcgx->ipcFd, SHUT_RDWR);
	}
}

void
ct_http_send_json(struct ct_request *req, int status, json_object *obj)
{
	size_t len;
	const char *s = json_object_to_json_string_length(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	ct_http_send(req, status, "application/json", NULL, s, len);
}

/* Writes the Allow header of a 405 for the methods in bits into buf. */
static const char *
allow_header(unsigned bits, char *buf, size_t size)
{
	static const struct { unsigned bit; const char *name; } m[] = {
		{ CT_METHOD_GET, "GET" }, { CT_METHOD_POST, "POST" },
		{ CT_METHOD_PUT, "PUT" }, { CT_METHOD_PATCH, "PATCH" },
		{ CT_METHOD_DELETE, "DELETE" },
	};
	size_t i, o;

	o = (size_t)snprintf(buf, size, "Allow:");
	for (i = 0; i < sizeof(m) / sizeof(m[0]) && o < size; i++)
		if (bits & m[i].bit)
			o += (size_t)snprintf(buf + o, size - o, "%s %s",
			    o > 6 ? "," : "", m[i].name);
	if (o < size)
		snprintf(buf + o, size - o, "\r\n");
	return buf;
}

void
ct_http_send_error(struct ct_request *req, enum ct_err err,
    const char *parameter, const char *message)
{
	const struct ct_err_info *info = ct_err_info(err);
	json_object *root = json_object_new_object(), *e = NULL;
	const char *extra = NULL;
	char allow[64];
	size_t len;
	const char *s;

	if (root != NULL && (e = json_object_new_object()) != NULL) {
		json_object_object_add(e, "code",
		    json_object_new_string(info->code));
		json_object_object_add(e, "message",
		    json_object_new_string(message ? message : info->message));
		if (parameter != NULL)
			json_object_object_add(e, "parameter",
			    json_object_new_string(parameter));
		json_object_object_add(root, "error", e);
	}
	if (info->http_status == 405)
		extra = allow_header(req->allow, allow, sizeof(allow));
	else if (info->http_status == 503)
		extra = "Retry-After: 5\r\n";
	s = root ? json_object_to_json_string_length(root,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len) :
	    NULL;
	if (s == NULL) {
		s = "{\"error\":{\"code\":\"internal_error\","
		    "\"message\":\"internal error\"}}";
		len = strlen(s);
	}
	ct_http_send(req, info->http_status, "application/json", extra, s,
	    len);
	req->code = info->code;
	json_object_put(root);
}

enum ct_err
ct_http_bad_parameter(struct ct_request *req, const char *name)
{
	char msg[96];

	snprintf(msg, sizeof(msg), "the value of %s is not valid", name);
	ct_http_send_error(req, CT_ERR_INVALID_PARAMETER, name, msg);
	return CT_OK;
}

void
ct_http_set_detail(struct ct_request *req, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req->detail, sizeof(req->detail), fmt, ap);
	va_end(ap);
}
