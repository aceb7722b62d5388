/*
 * twilio-status: POST /hooks/twilio/<integration>, Twilio's Voice status
 * callbacks (form-encoded; JSON when the URL carries bodySHA256).
 */
#include "core/serve.h"
#include "ingest/phone.h"
#include "ingest/twilio.h"

static const char *const content_types[] = {
	"application/x-www-form-urlencoded", "application/json", NULL
};

static const struct ct_endpoint endpoint = {
	.name = "twilio-status",
	.methods = CT_METHOD_POST,
	.content_types = content_types,
	.limit = CT_LIMIT_WEBHOOK,
	.handle = ct_hook_handle,
	.reject = ct_hook_reject,
	.ctx = &ct_twilio_hook,
	.init = ct_phone_init,	/* numbers: its metadata before the fork */
};

int
main(void)
{
	return ct_serve(&endpoint);
}
