/*
 * retell.c: Retell authentication and event identification.
 */
#include <time.h>

#include "retell.h"

/* x-retell-signature: "v=<ms>,d=<hex>" keyed by the API key (§2.6). */
static enum ct_err
retell_verify(const struct ct_request *req, const struct ct_integration *in)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ct_sig_retell(req->body, req->body_len,
	    ct_http_header(req, "x-retell-signature"),
	    (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, &in->secrets);
}

/*
 * Every event is {"event": …, "call": {"call_id": …}}.  Retell retries a
 * delivery with the same body, so the bytes identify it.  Kept, parked,
 * until Retell's events are mapped to call state.
 */
static enum ct_err
retell_map(const struct ct_request *req, const struct ct_map_ctx *ctx,
    struct ct_call_event *ev)
{
	(void)ctx;
	return ct_hook_identify_json(req, CT_PROVIDER_RETELL, "event",
	    "call.call_id", ev);
}

const struct ct_hook_provider ct_retell_hook = {
	.provider = CT_PROVIDER_RETELL,
	.route = "/hooks/retell/",
	.verify = retell_verify,
	.map = retell_map,
};
