/*
 * dashboard-stats: GET /api/stats, and GET /api/me (the token's org and role).
 */
#include "read/dashboard.h"
#include "core/serve.h"

static const struct ct_endpoint endpoint = {
	.name = "dashboard-stats",
	.methods = CT_METHOD_GET,
	.content_types = NULL,
	.limit = CT_LIMIT_API,
	.reader = 1,
	.handle = ct_dashboard_stats,
};

int
main(void)
{
	return ct_serve(&endpoint);
}
