/*
 * vapi-hook: POST /hooks/vapi/<integration>, Vapi's server messages.
 */
#include "core/serve.h"
#include "ingest/phone.h"
#include "ingest/vapi.h"

static const char *const content_types[] = { "application/json", NULL };

static const struct ct_endpoint endpoint = {
	.name = "vapi-hook",
	.methods = CT_METHOD_POST,
	.content_types = content_types,
	.limit = CT_LIMIT_WEBHOOK,
	.handle = ct_hook_handle,
	.reject = ct_hook_reject,
	.ctx = &ct_vapi_hook,
	.init = ct_phone_init,	/* numbers: its metadata before the fork */
};

int
main(void)
{
	return ct_serve(&endpoint);
}
