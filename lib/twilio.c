/*
 * twilio.c: Twilio authentication and callback identification.
 */
#include <stdio.h>
#include <string.h>

#include "form.h"
#include "json.h"
#include "twilio.h"

static int
is_form(const struct ct_request *req)
{
	return ct_http_content_type_is(req,
	    "application/x-www-form-urlencoded");
}

/*
 * X-Twilio-Signature over the integration's public URL (Twilio signs the
 * URL it called, which behind a TLS terminator is not what nginx sees)
 * plus the sorted form parameters, or the URL alone with bodySHA256 for
 * JSON bodies (§3.3).
 */
static enum ct_err
twilio_verify(const struct ct_request *req, const struct ct_integration *in)
{
	struct ct_form form = { NULL, 0 };
	enum ct_err err;

	if (is_form(req) && ct_form_parse(req->body, req->body_len,
	    CT_FORM_MAX_PAIRS, &form) != CT_OK)
		return CT_ERR_BAD_SIGNATURE;	/* cannot be what was signed */
	err = ct_sig_twilio(in->public_url, req->query, is_form(req) ? &form :
	    NULL, req->body, req->body_len,
	    ct_http_header(req, "x-twilio-signature"), &in->secrets);
	ct_form_free(&form);
	return err;
}

static enum ct_err
copy_ids(struct ct_call_event *ev, const char *sid, const char *status)
{
	if (sid == NULL || *sid == '\0' || strlen(sid) > 200)
		return CT_ERR_MISSING_CALL_ID;
	if (status != NULL && strlen(status) > 100)
		return CT_ERR_MALFORMED_BODY;
	ev->provider_call_id = sid;
	ev->event_type = status != NULL && *status != '\0' ? status :
	    "status-callback";
	return CT_OK;
}

/*
 * A callback names its call by CallSid; Twilio's retry repeats the body,
 * so the bytes identify a delivery.  Kept, parked, until Twilio's
 * callbacks are mapped to call state.
 */
static enum ct_err
twilio_map(const struct ct_request *req, const struct ct_map_ctx *ctx,
    struct ct_call_event *ev)
{
	enum ct_err err;

	(void)ctx;
	ct_call_event_init(ev);
	if (is_form(req)) {
		if ((err = ct_form_parse(req->body, req->body_len,
		    CT_FORM_MAX_PAIRS, &ev->form)) != CT_OK)
			return err;
		err = copy_ids(ev, ct_form_get(&ev->form, "CallSid"),
		    ct_form_get(&ev->form, "CallStatus"));
	} else {
		if ((err = ct_json_parse(req->body, req->body_len,
		    &ev->root)) != CT_OK)
			return err;
		err = copy_ids(ev, ct_json_path_str(ev->root, "CallSid"),
		    ct_json_path_str(ev->root, "CallStatus"));
	}
	if (err != CT_OK)
		return err;
	ct_hook_dedup_by_body(req, CT_PROVIDER_TWILIO, ev);
	ev->mode = CT_EVENT_PARK;
	ev->park_reason = ct_hook_unmapped;
	return CT_OK;
}

const struct ct_hook_provider ct_twilio_hook = {
	.provider = CT_PROVIDER_TWILIO,
	.route = "/hooks/twilio/",
	.verify = twilio_verify,
	.map = twilio_map,
};
