/*
 * serve.c: the FastCGI accept loop with its plain-CGI fallback.
 *
 * SIGTERM is blocked while a request is handled and unblocked only around
 * FCGX_Accept_r, which was initialised with FCGI_FAIL_ACCEPT_ON_INTR: a
 * worker told to stop finishes the request in hand and then exits, and an
 * idle worker leaves accept() at once.  This is what lets a program be
 * replaced without failing the requests it is answering.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fcgiapp.h>

#include "config.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "serve.h"

extern char **environ;

static volatile sig_atomic_t stop_requested;

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
	FCGX_ShutdownPending();
}

static enum ct_method
method_of(const char *m)
{
	if (m == NULL)
		return CT_METHOD_OTHER;
	if (strcmp(m, "GET") == 0)
		return CT_METHOD_GET;
	if (strcmp(m, "POST") == 0)
		return CT_METHOD_POST;
	return CT_METHOD_OTHER;
}

/* Takes nginx's $request_id when it is plain hex, else makes one. */
static void
set_request_id(struct ct_request *req)
{
	const char *given = ct_http_param(req, "REQUEST_ID");
	unsigned char rnd[8];

	if (given != NULL && strlen(given) >= 8 &&
	    strlen(given) < sizeof(req->id) &&
	    strspn(given, "0123456789abcdef") == strlen(given)) {
		memcpy(req->id, given, strlen(given) + 1);
		return;
	}
	if (ct_crypto_random(rnd, sizeof(rnd)) != CT_OK)
		memset(rnd, 0, sizeof(rnd));
	ct_crypto_hex(rnd, sizeof(rnd), req->id);
}

/*
 * The path without its query string: nginx's DOCUMENT_URI, else the path
 * of REQUEST_URI, else SCRIPT_NAME + PATH_INFO as plain CGI gives it.
 */
static void
set_path(struct ct_request *req)
{
	const char *uri = ct_http_param(req, "DOCUMENT_URI");
	const char *script, *info;
	size_t n;

	req->query = ct_http_param(req, "QUERY_STRING");
	if (req->query == NULL)
		req->query = "";
	if (uri == NULL && (uri = ct_http_param(req, "REQUEST_URI")) != NULL) {
		n = strcspn(uri, "?");
		if ((req->path_buf = strndup(uri, n)) != NULL)
			uri = req->path_buf;
	}
	if (uri == NULL) {
		script = ct_http_param(req, "SCRIPT_NAME");
		info = ct_http_param(req, "PATH_INFO");
		n = (script ? strlen(script) : 0) + (info ? strlen(info) : 0);
		if ((req->path_buf = malloc(n + 1)) != NULL) {
			snprintf(req->path_buf, n + 1, "%s%s",
			    script ? script : "", info ? info : "");
			uri = req->path_buf;
		}
	}
	req->path = uri ? uri : "";
}

static int
content_type_ok(const struct ct_endpoint *ep, struct ct_request *req)
{
	const char *const *t;

	for (t = ep->content_types; t != NULL && *t != NULL; t++)
		if (ct_http_content_type_is(req, *t))
			return 1;
	return 0;
}

static long long
elapsed_us(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - since->tv_sec) * 1000000 +
	    (now.tv_nsec - since->tv_nsec) / 1000;
}

/* Runs one request through the endpoint; every path ends in a response. */
static void
handle_one(const struct ct_endpoint *ep, struct ct_request *req)
{
	const struct ct_config *cfg = ct_config_get();
	enum ct_err err = CT_OK;
	size_t limit;

	clock_gettime(CLOCK_MONOTONIC, &req->started);
	req->method_name = ct_http_param(req, "REQUEST_METHOD");
	req->method = method_of(req->method_name);
	req->allow = ep->methods;
	set_request_id(req);
	set_path(req);

	limit = (size_t)(ep->limit == CT_LIMIT_WEBHOOK ?
	    cfg->webhook_body_limit : cfg->api_body_limit);
	/* The body is read (within the limit) before the content type is
	 * judged, so that a refused request can be kept with its bytes. */
	if ((req->method & ep->methods) == 0)
		err = CT_ERR_METHOD;
	else if (ep->content_types != NULL &&
	    (err = ct_http_read_body(req, limit)) == CT_OK &&
	    !content_type_ok(ep, req))
		err = CT_ERR_CONTENT_TYPE;
	if (err != CT_OK) {
		if (ep->reject != NULL)
			ep->reject(req, err, ep->ctx);
	} else {
		err = ep->handle(req, ep->ctx);
	}
	if (err != CT_OK)
		ct_http_send_error(req, err, NULL, NULL);
	ct_log_request(req->id, req->method_name, req->path, req->status,
	    req->code, elapsed_us(&req->started), req->detail);
}

static void
request_reset(struct ct_request *req)
{
	free(req->body);
	free(req->path_buf);
	memset(req, 0, sizeof(*req));
}

static int
serve_cgi(const struct ct_endpoint *ep)
{
	struct ct_request req;

	memset(&req, 0, sizeof(req));
	req.envp = environ;
	handle_one(ep, &req);
	request_reset(&req);
	ct_db_close();
	return 0;
}

static int
serve_fastcgi(const struct ct_endpoint *ep)
{
	FCGX_Request fcgx;
	sigset_t stopset;
	struct sigaction sa;

	sigemptyset(&stopset);
	sigaddset(&stopset, SIGTERM);
	sigaddset(&stopset, SIGINT);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: accept() must see EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* nginx may close a connection mid-answer; that is not fatal. */
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_BLOCK, &stopset, NULL);

	if (FCGX_Init() != 0 ||
	    FCGX_InitRequest(&fcgx, 0, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		ct_log_msg(NULL, "could not initialise FastCGI");
		return 1;
	}
	for (;;) {
		struct ct_request req;
		int rc;

		sigprocmask(SIG_UNBLOCK, &stopset, NULL);
		rc = stop_requested ? -1 : FCGX_Accept_r(&fcgx);
		sigprocmask(SIG_BLOCK, &stopset, NULL);
		if (rc < 0)
			break;
		memset(&req, 0, sizeof(req));
		req.fcgx = &fcgx;
		req.envp = fcgx.envp;
		handle_one(ep, &req);
		request_reset(&req);
		FCGX_Finish_r(&fcgx);
		if (stop_requested)
			break;
	}
	ct_db_close();
	ct_log_msg(NULL, "stopping");
	return 0;
}

int
ct_serve(const struct ct_endpoint *ep)
{
	struct ct_config cfg;
	char err[200];

	ct_log_init(ep->name);
	if (ct_config_load(&cfg, err, sizeof(err)) != CT_OK) {
		ct_log_msg(NULL, "%s", err);
		return 1;
	}
	ct_config_set(&cfg);
	if (FCGX_IsCGI())
		return serve_cgi(ep);
	return serve_fastcgi(ep);
}
