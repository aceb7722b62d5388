/*
 * retell-hook: POST /hooks/retell/<integration>, Retell's call webhooks.
 */
#include "ingest/retell.h"
#include "core/serve.h"
#include "ingest/phone.h"

static const char *const content_types[] = { "application/json", NULL };

static const struct ct_endpoint endpoint = {
	.name = "retell-hook",
	.methods = CT_METHOD_POST,
	.content_types = content_types,
	.limit = CT_LIMIT_WEBHOOK,
	.handle = ct_hook_handle,
	.reject = ct_hook_reject,
	.ctx = &ct_retell_hook,
	.init = ct_phone_init,	/* numbers: its metadata before the fork */
};

int
main(void)
{
	return ct_serve(&endpoint);
}
