/*
 * serve.h: the accept loop every program hands its endpoint to.
 */
#ifndef CT_SERVE_H
#define CT_SERVE_H

#include <stddef.h>

#include "core/err.h"
#include "core/http.h"

enum ct_body_limit { CT_LIMIT_API, CT_LIMIT_WEBHOOK, CT_LIMIT_IMPORT,
    CT_LIMIT_SESSION };

/* What a program accepts and the function that answers it. */
struct ct_endpoint {
	const char		*name;		/* program name, for logs */
	unsigned		 methods;	/* CT_METHOD_* bits */
	const char *const	*content_types;	/* NULL-terminated; NULL when
						   no body is accepted; they
						   and the limit apply to
						   CT_METHODS_WITH_BODY */
	enum ct_body_limit	 limit;		/* which configured limit */
	/*
	 * Answers one request whose method, content type and body were
	 * checked.  Either sends a response and returns CT_OK, or returns an
	 * error for the loop to answer with the JSON error of docs/API.md.
	 */
	enum ct_err		(*handle)(struct ct_request *req,
				    const void *ctx);
	/*
	 * Optional: keeps a request the loop refused before the handler ran
	 * (405, 413, 415, unreadable body), as webhooks keep every 4xx.
	 */
	void			(*reject)(struct ct_request *req,
				    enum ct_err err, const void *ctx);
	const void		*ctx;
	int			 reader;	/* only reads: may use a replica
						   (CALLTRACK_DB_READ) */
	/*
	 * Optional: run once, after the configuration is loaded and before
	 * the first request or the workers' fork, so that what it loads
	 * (libphonenumber's metadata: ct_phone_init) is shared by every
	 * worker.  An error stops the program (exit status 1).
	 */
	enum ct_err		(*init)(void);
};

/*
 * Serves ep until SIGTERM or SIGINT: over FastCGI on fd 0 (as spawn-fcgi
 * and systemd hand it over), or, when fd 0 is not a socket, exactly one
 * plain-CGI request from the environment and stdin.  Loads the
 * configuration first and exits 1 if it is invalid, then runs ep->init
 * (when set) and exits 1 if it fails.  Returns the process
 * exit status.  Nothing from one request survives into the next.
 */
int ct_serve(const struct ct_endpoint *ep);

#endif
