/*
 * dashboard-contacts: GET, POST /api/contacts; GET, PATCH
 * /api/contacts/<id>; GET /api/alerts; POST /api/alerts/<id>/acknowledge.
 */
#include "read/contacts.h"
#include "core/serve.h"
#include "ingest/phone.h"

static const char *const json_only[] = { "application/json", NULL };

static const struct ct_endpoint endpoint = {
	.name = "dashboard-contacts",
	.methods = CT_METHOD_GET | CT_METHOD_POST | CT_METHOD_PATCH,
	.content_types = json_only,
	.limit = CT_LIMIT_API,
	.reader = 0,
	.handle = ct_dashboard_contacts,
	.init = ct_phone_init,
};

int
main(void)
{
	return ct_serve(&endpoint);
}
