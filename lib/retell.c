/*
 * retell.c: Retell authentication and event identification.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "json.h"
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
 * delivery with the same body, so the bytes identify it.
 */
static enum ct_err
retell_identify(const struct ct_request *req, struct ct_hook_event *ev)
{
	json_object *root;
	const char *type, *id;
	char hash[65];
	enum ct_err err;

	if ((err = ct_json_parse(req->body, req->body_len, &root)) != CT_OK)
		return err;
	type = ct_json_path_str(root, "event");
	id = ct_json_path_str(root, "call.call_id");
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
	snprintf(ev->dedup_key, sizeof(ev->dedup_key), "retell:%s", hash);
	json_object_put(root);
	return CT_OK;
}

const struct ct_hook_provider ct_retell_hook = {
	.provider = CT_PROVIDER_RETELL,
	.route = "/hooks/retell/",
	.verify = retell_verify,
	.identify = retell_identify,
};
