/*
 * vapi.c: Vapi authentication and message identification.
 */
#include <time.h>

#include "vapi.h"

/*
 * Vapi sends either the static secret in x-vapi-secret or, with an HMAC
 * credential, x-signature over "{timestamp}.{body}" with x-timestamp
 * (providers.md §1.8); the integration says which.
 */
static enum ct_err
vapi_verify(const struct ct_request *req, const struct ct_integration *in)
{
	if (in->vapi_hmac)
		return ct_sig_vapi_hmac(&in->hmac, req->body, req->body_len,
		    ct_http_header(req, "x-signature"),
		    ct_http_header(req, "x-timestamp"), (long long)time(NULL),
		    &in->secrets);
	return ct_sig_vapi_secret(ct_http_header(req, "x-vapi-secret"),
	    &in->secrets);
}

/*
 * Every server message is {"message": {"type": …, "call": {"id": …}}}.
 * Vapi sends no event id, so a delivery is known by its bytes.
 */
static enum ct_err
vapi_identify(const struct ct_request *req, struct ct_hook_event *ev)
{
	return ct_hook_identify_json(req, CT_PROVIDER_VAPI, "message.type",
	    "message.call.id", ev);
}

const struct ct_hook_provider ct_vapi_hook = {
	.provider = CT_PROVIDER_VAPI,
	.route = "/hooks/vapi/",
	.verify = vapi_verify,
	.identify = vapi_identify,
};
