/*
 * serve.c: the FastCGI accept loop with its plain-CGI fallback.
 *
 * SIGTERM and SIGINT are blocked except inside ppoll(), where a worker
 * waits for its listening socket to become readable: the signal can only
 * arrive there, so it is never lost between a check and a wait.  A worker
 * told to stop finishes the request in hand, then takes every connection
 * already queued on its socket (a drain: poll with no wait) and exits.
 * Several workers share one socket, so a worker woken for a connection
 * another one took would block in accept(): the listening socket is
 * non-blocking, that accept() fails with EAGAIN and the worker goes back
 * to waiting.  (A connection accept() returns is blocking again: Linux
 * does not pass O_NONBLOCK on.)  No signal interrupts a worker between
 * accept() and the request's first bytes, where libfcgi would drop the
 * connection it had just taken and nginx would answer 502.  This is what
 * lets a program be replaced while nginx keeps sending it requests,
 * without failing one (make swap, INSTALL).
 */
#define _GNU_SOURCE		/* ppoll */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <malloc.h>

#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/log.h"
#include "core/serve.h"

extern char **environ;

/* The build, as `make VERSION=…` named it (git describe by default). */
#ifndef CT_VERSION
#define CT_VERSION "dev"
#endif

static volatile sig_atomic_t stop_requested;

/* Bodies larger than this are allocated and given back apart. */
#define TRIM_AFTER (128 * 1024)

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/*
 * Waits until the listening socket (fd 0) has a connection queued, with
 * the stop signals open only while waiting.  Returns 1 when one is queued,
 * 0 when none is and the worker must stop, -1 on a poll error.  Once a
 * stop was asked for, only looks (no wait): the drain.
 */
static int
wait_connection(const sigset_t *waitmask)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	int n;

	for (;;) {
		if (stop_requested)
			return poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN);
		n = ppoll(&pfd, 1, NULL, waitmask);
		if (n > 0 && (pfd.revents & POLLIN))
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
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
	if (strcmp(m, "PUT") == 0)
		return CT_METHOD_PUT;
	if (strcmp(m, "PATCH") == 0)
		return CT_METHOD_PATCH;
	if (strcmp(m, "DELETE") == 0)
		return CT_METHOD_DELETE;
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
 * Under plain CGI a PATH_INFO of /api/... is the path itself: Apache's
 * rewrite to the program carries it there (INSTALL, 8), while
 * REQUEST_URI keeps the prefix of a site under /~acme/.
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
	if (uri == NULL && req->fcgx == NULL &&
	    (info = ct_http_param(req, "PATH_INFO")) != NULL &&
	    strncmp(info, "/api/", 5) == 0)
		uri = info;
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

/*
 * The health check: nginx's /healthz/<program> locations set the FastCGI
 * parameter CALLTRACK_HEALTH (a client cannot: its headers arrive as
 * HTTP_*).  One cheap statement over the program's own connection, so a
 * worker that cannot reach its database says so.
 */
static int
is_health(struct ct_request *req)
{
	const char *h = ct_http_param(req, "CALLTRACK_HEALTH");

	return h != NULL && strcmp(h, "1") == 0;
}

static void
health(const struct ct_endpoint *ep, struct ct_request *req)
{
	char body[256];
	PGresult *r = NULL;
	int ok = ct_db_exec(&r, "SELECT 1", 0, NULL, NULL, NULL, NULL) ==
	    CT_OK;

	PQclear(r);
	snprintf(body, sizeof(body), "{\"program\":\"%s\",\"version\":\"%s\","
	    "\"status\":\"%s\",\"database\":\"%s\"}\n", ep->name, CT_VERSION,
	    ok ? "ok" : "unavailable", ok ? "ok" : "unreachable");
	req->code = ok ? NULL : "unavailable";
	ct_http_send(req, ok ? 200 : 503, "application/json",
	    ok ? NULL : "Retry-After: 5\r\n", body, strlen(body));
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
	    cfg->webhook_body_limit : ep->limit == CT_LIMIT_IMPORT ?
	    cfg->import_body_limit : ep->limit == CT_LIMIT_SESSION ?
	    cfg->session_body_limit : cfg->api_body_limit);
	/* The body is read (within the limit) before the content type is
	 * judged, so that a refused request can be kept with its bytes. */
	if (is_health(req) && req->method == CT_METHOD_GET)
		health(ep, req);
	else if ((req->method & ep->methods) == 0)
		err = CT_ERR_METHOD;
	else if (ep->content_types != NULL &&
	    (req->method & CT_METHODS_WITH_BODY) != 0 &&
	    (err = ct_http_read_body(req, limit)) == CT_OK &&
	    !content_type_ok(ep, req))
		err = CT_ERR_CONTENT_TYPE;
	if (req->status != 0) {
		/* answered above */
	} else if (err != CT_OK) {
		if (ep->reject != NULL)
			ep->reject(req, err, ep->ctx);
	} else {
		err = ep->handle(req, ep->ctx);
	}
	if (err != CT_OK)
		ct_http_send_error(req, err, NULL, NULL);
	{
		struct ct_log_line l = {
			.request_id = req->id, .method = req->method_name,
			.path = req->path, .status = req->status,
			.code = req->code, .org = req->org,
			.integration = req->integration, .event = req->event,
			.outcome = req->outcome,
			.usec = elapsed_us(&req->started),
			.detail = req->detail,
		};
		ct_log_request(&l);
	}
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
	sigset_t stopset, waitmask;
	struct sigaction sa;
	int flags;

	sigemptyset(&stopset);
	sigaddset(&stopset, SIGTERM);
	sigaddset(&stopset, SIGINT);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: ppoll() must see EINTR */
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* nginx may close a connection mid-answer; that is not fatal. */
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_BLOCK, &stopset, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);

	flags = fcntl(0, F_GETFL);
	if (flags < 0 || fcntl(0, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    FCGX_Init() != 0 || FCGX_InitRequest(&fcgx, 0, 0) != 0) {
		ct_log_msg(NULL, "could not initialise FastCGI");
		return 1;
	}
	for (;;) {
		struct ct_request req;
		int rc, big;

		if ((rc = wait_connection(&waitmask)) <= 0) {
			if (rc < 0)
				ct_log_msg(NULL, "poll on the listening socket failed");
			break;
		}
		rc = FCGX_Accept_r(&fcgx);
		if (rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR)
			continue;	/* another worker took it */
		if (rc < 0) {
			ct_log_msg(NULL, "accept on the listening socket failed");
			break;
		}
		memset(&req, 0, sizeof(req));
		req.fcgx = &fcgx;
		req.envp = fcgx.envp;
		handle_one(ep, &req);
		big = req.body_len > TRIM_AFTER;
		request_reset(&req);
		FCGX_Finish_r(&fcgx);
		/* What a large request needed goes back to the system, so a
		 * worker's memory stays that of an ordinary one. */
		if (big)
			malloc_trim(0);
	}
	ct_db_close();
	ct_log_msg(NULL, "stopping");
	return 0;
}

static volatile sig_atomic_t child_exited;

static void
on_child(int sig)
{
	(void)sig;
	child_exited = 1;
}

static pid_t
spawn_worker(const struct ct_endpoint *ep, const sigset_t *mask)
{
	pid_t pid = fork();

	if (pid == 0) {
		signal(SIGCHLD, SIG_DFL);
		sigprocmask(SIG_SETMASK, mask, NULL);
		_exit(serve_fastcgi(ep));
	}
	if (pid < 0)
		ct_log_msg(NULL, "could not start a worker");
	return pid;
}

/*
 * CALLTRACK_WORKERS > 1: the process forks that many workers, which share
 * the socket it was given (systemd passes one socket to one process), and
 * replaces any that dies (after a second, when it died young).  SIGTERM
 * is passed on; each worker finishes and drains as above, and the
 * supervisor exits when all have.
 */
static int
supervise(const struct ct_endpoint *ep, int n)
{
	pid_t pids[64];
	time_t born[64];
	sigset_t block, orig, wait_mask;
	struct sigaction sa;
	int i, status;
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_child;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &orig);
	wait_mask = orig;
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGCHLD);
	for (i = 0; i < n; i++) {
		pids[i] = spawn_worker(ep, &orig);
		born[i] = time(NULL);
	}
	while (!stop_requested) {
		sigsuspend(&wait_mask);
		if (!child_exited)
			continue;
		child_exited = 0;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < n && pids[i] != pid; i++)
				;
			if (i == n || stop_requested)
				continue;
			ct_log_msg(NULL, "worker %ld ended (status %d); "
			    "starting another", (long)pid, status);
			if (time(NULL) - born[i] < 1)
				sleep(1);
			pids[i] = spawn_worker(ep, &orig);
			born[i] = time(NULL);
		}
	}
	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	while (waitpid(-1, &status, 0) > 0 || errno == EINTR)
		;
	return 0;
}

int
ct_serve(const struct ct_endpoint *ep)
{
	struct ct_config cfg;
	char err[200];

	ct_log_init(ep->name);
	ct_db_configure(ep->name, ep->reader);
	if (ct_config_load(&cfg, err, sizeof(err)) != CT_OK) {
		ct_log_msg(NULL, "%s", err);
		return 1;
	}
	ct_config_set(&cfg);
	/* Before the fork, so the workers share what it loads. */
	if (ep->init != NULL && ep->init() != CT_OK) {
		ct_log_msg(NULL, "could not initialise the program");
		return 1;
	}
	if (FCGX_IsCGI())
		return serve_cgi(ep);
	/* A fixed threshold: glibc would otherwise raise it to the largest
	 * block freed, and keep large bodies' memory in the heap.  Set before
	 * the fork: mallopt consolidates the heap's free chunks, which in a
	 * worker would write to (and so copy) pages it shares with the
	 * parent, those of what init loaded among them. */
	mallopt(M_MMAP_THRESHOLD, TRIM_AFTER);
	if (cfg.workers > 1)
		return supervise(ep, (int)cfg.workers);
	return serve_fastcgi(ep);
}
