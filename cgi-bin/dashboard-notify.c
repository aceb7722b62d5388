/*
 * dashboard-notify: an org's notification destinations and their
 * deliveries, for an admin token (docs/API.md, "Notifications (admin)"):
 * GET and POST /api/notifications, PATCH and DELETE
 * /api/notifications/<id>, POST /api/notifications/<id>/test,
 * GET /api/notifications/deliveries and
 * POST /api/notifications/deliveries/<id>/retry.
 */
#include "read/destinations.h"
#include "core/serve.h"

static const char *const json_only[] = { "application/json", NULL };

static const struct ct_endpoint endpoint = {
	.name = "dashboard-notify",
	.methods = CT_METHOD_GET | CT_METHOD_POST | CT_METHOD_PATCH |
	    CT_METHOD_DELETE,
	.content_types = json_only,
	.limit = CT_LIMIT_API,
	.handle = ct_destinations_handle,
};

int
main(void)
{
	return ct_serve(&endpoint);
}
