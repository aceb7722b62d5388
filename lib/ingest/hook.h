/*
 * hook.h: the webhook pipeline shared by vapi-hook, retell-hook and
 * twilio-status.
 *
 * A request is resolved to its integration by the slug in its path,
 * verified against the integration's secrets, mapped to a call event, and
 * written (raw event and call) in one statement.
 * Whatever is refused with a 4xx is kept in rejected_events: the body up
 * to CALLTRACK_REJECTED_BODY_CAP once the signature verified, else (an
 * unknown slug, a failed signature, a wrong method or content type) only
 * its first CT_HOOK_UNVERIFIED_CAP bytes, always with the whole body's
 * size and SHA-256.  Unverified refusals count against the client
 * address (refusal.h); past the limit they are answered 429 and not kept.
 * A request whose signature verifies is never limited.
 */
#ifndef CT_HOOK_H
#define CT_HOOK_H

#include "core/err.h"
#include "core/delivery.h"
#include "ingest/event.h"
#include "core/http.h"
#include "ingest/integration.h"

/* Bytes of an unverified refused body kept (and never more than
 * CALLTRACK_REJECTED_BODY_CAP). */
#define CT_HOOK_UNVERIFIED_CAP	4096

/* A provider's part of the pipeline. */
struct ct_hook_provider {
	enum ct_provider	 provider;
	const char		*route;		/* "/hooks/vapi/" */
	/* Verifies the request's signature; CT_OK or a 401 error. */
	enum ct_err		(*verify)(const struct ct_request *req,
				    const struct ct_integration *in);
	/* Turns a verified delivery into a call event (which the pipeline
	 * frees); CT_OK or a 400 error. */
	enum ct_err		(*map)(const struct ct_delivery *d,
				    const struct ct_map_ctx *ctx,
				    struct ct_call_event *ev);
};

/* The endpoint handler for a webhook program; ctx is its provider.  An
 * unverified refusal past its address's limit is answered 429 here, and
 * CT_OK returned (the request is answered). */
enum ct_err ct_hook_handle(struct ct_request *req, const void *ctx);

/* The endpoint's reject function: keeps a request refused before the
 * handler ran (405, 413, 415) in rejected_events, unless its address is
 * past the refusal limit (the caller still answers its 4xx). */
void ct_hook_reject(struct ct_request *req, enum ct_err err, const void *ctx);

/*
 * Applies a delivery that was verified before (a spooled one): the same
 * mapping and statement as a live request, with the integration looked up
 * afresh, and no signature check (it was checked when it arrived; Retell's
 * and Vapi's timestamps would have expired since); org is the org it was
 * verified for.  On CT_OK, outcome is applied, duplicate or parked, and
 * a new event is kept marked as spooled (call_events.spooled).
 * CT_ERR_UNKNOWN_INTEGRATION (with *why, a static sentence) means it must
 * never apply: the integration is gone, disabled, of another provider or
 * of another org than org.  Another 4xx error means it can never apply
 * (it does not map).
 */
enum ct_err ct_hook_replay(const struct ct_hook_provider *p,
    const char *integration, const char *org, const struct ct_delivery *d,
    char outcome[16], const char **why) __attribute__((warn_unused_result));

/*
 * Applies an event kept in call_events again, by the current mapping (a
 * fix repairs old calls): d carries its payload and content type, and
 * dedup_key the key it is kept under.  The kept row stays (its id and
 * received time) with the new outcome.  On CT_OK, outcome is applied or
 * parked.
 */
enum ct_err ct_hook_reapply(const struct ct_hook_provider *p,
    const char *integration, const struct ct_delivery *d, const char *dedup_key,
    char outcome[16]) __attribute__((warn_unused_result));

/* Returns the integration slug of path under route ("/hooks/vapi/"), or
 * NULL when path does not end in route followed by one valid slug (any
 * prefix may come before the route: a site under "/~acme/").  The result
 * points into path. */
const char *ct_hook_slug(const char *path, const char *route);

#endif
