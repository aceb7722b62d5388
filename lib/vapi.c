/*
 * vapi.c: Vapi authentication and message identification.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "json.h"
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
	json_object *root;
	const char *type, *id;
	char hash[65];
	enum ct_err err;

	if ((err = ct_json_parse(req->body, req->body_len, &root)) != CT_OK)
		return err;
	type = ct_json_path_str(root, "message.type");
	id = ct_json_path_str(root, "message.call.id");
	if (type == NULL || strlen(type) >= sizeof(ev->event_type)) {
		json_object_put(root);
		return CT_ERR_MALFORMED_BODY;
	}
	if (id == NULL || strlen(id) >= sizeof(ev->provider_call_id)) {
		json_object_put(root);
		return CT_ERR_MISSING_CALL_ID;
	}
	snprintf(ev->event_type, sizeof(ev->event_type), "%s", type);
	snprintf(ev->provider_call_id, sizeof(ev->provider_call_id), "%s", id);
	ct_crypto_sha256_hex(req->body, req->body_len, hash);
	snprintf(ev->dedup_key, sizeof(ev->dedup_key), "vapi:%s", hash);
	json_object_put(root);
	return CT_OK;
}

const struct ct_hook_provider ct_vapi_hook = {
	.provider = CT_PROVIDER_VAPI,
	.route = "/hooks/vapi/",
	.verify = vapi_verify,
	.identify = vapi_identify,
};
