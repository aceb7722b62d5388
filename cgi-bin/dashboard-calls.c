/*
 * dashboard-calls: GET /api/calls (JSON or CSV) and GET /api/calls/<id>.
 */
#include "read/dashboard.h"
#include "core/serve.h"
#include "ingest/phone.h"

static const struct ct_endpoint endpoint = {
	.name = "dashboard-calls",
	.methods = CT_METHOD_GET,
	.content_types = NULL,
	.limit = CT_LIMIT_API,
	.reader = 1,
	.handle = ct_dashboard_calls,
	.init = ct_phone_init,	/* numbers: its metadata before the fork */
};

int
main(void)
{
	return ct_serve(&endpoint);
}
