/*
 * hook.h: the webhook pipeline shared by vapi-hook, retell-hook and
 * twilio-status.
 *
 * A request is resolved to its integration by the slug in its path,
 * verified against the integration's secrets, mapped to a call event, and
 * written (raw event and call) in one statement.
 * Whatever is refused with a 4xx is kept in rejected_events.
 */
#ifndef CT_HOOK_H
#define CT_HOOK_H

#include "err.h"
#include "event.h"
#include "http.h"
#include "integration.h"

/* A provider's part of the pipeline. */
struct ct_hook_provider {
	enum ct_provider	 provider;
	const char		*route;		/* "/hooks/vapi/" */
	/* Verifies the request's signature; CT_OK or a 401 error. */
	enum ct_err		(*verify)(const struct ct_request *req,
				    const struct ct_integration *in);
	/* Turns the verified body into a call event (which the pipeline
	 * frees); CT_OK or a 400 error. */
	enum ct_err		(*map)(const struct ct_request *req,
				    const struct ct_map_ctx *ctx,
				    struct ct_call_event *ev);
};

/* The endpoint handler for a webhook program; ctx is its provider. */
enum ct_err ct_hook_handle(struct ct_request *req, const void *ctx);

/* The endpoint's reject function: keeps a request refused before the
 * handler ran (405, 413, 415) in rejected_events. */
void ct_hook_reject(struct ct_request *req, enum ct_err err, const void *ctx);

/* Returns the integration slug of path under route ("/hooks/vapi/"), or
 * NULL when path is not route followed by one valid slug.  The result
 * points into path. */
const char *ct_hook_slug(const char *path, const char *route);

#endif
