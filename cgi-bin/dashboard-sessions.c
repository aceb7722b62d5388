/*
 * dashboard-sessions: PUT /api/sessions/<provider>/<provider_call_id>,
 * the agent backend's session state.
 */
#include "read/sessions.h"
#include "core/serve.h"

static const char *const json_only[] = { "application/json", NULL };

static const struct ct_endpoint endpoint = {
	.name = "dashboard-sessions",
	.methods = CT_METHOD_PUT,
	.content_types = json_only,
	.limit = CT_LIMIT_SESSION,
	.reader = 0,
	.handle = ct_dashboard_sessions,
};

int
main(void)
{
	return ct_serve(&endpoint);
}
