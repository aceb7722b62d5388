/*
 * dashboard-ingest: GET /api/ingest, GET /api/ingest/deliveries,
 * GET /api/ingest/deliveries/<id> and POST
 * /api/ingest/deliveries/<id>/replay (admin): ingestion health.
 */
#include "core/serve.h"
#include "ops/ingestion.h"

static const struct ct_endpoint endpoint = {
	.name = "dashboard-ingest",
	.methods = CT_METHOD_GET | CT_METHOD_POST,
	.content_types = NULL,
	.limit = CT_LIMIT_API,
	.handle = ct_ingestion_handle,
};

int
main(void)
{
	return ct_serve(&endpoint);
}
