/*
 * dashboard-import: POST /api/contacts/import, a CSV file of contacts
 * (an editor's token), with a body limit of its own
 * (CALLTRACK_IMPORT_BODY_LIMIT).
 */
#include "read/import.h"
#include "core/serve.h"
#include "ingest/phone.h"

static const char *const content_types[] = { "text/csv", NULL };

static const struct ct_endpoint endpoint = {
	.name = "dashboard-import",
	.methods = CT_METHOD_POST,
	.content_types = content_types,
	.limit = CT_LIMIT_IMPORT,
	.handle = ct_import_contacts,
	.init = ct_phone_init,
};

int
main(void)
{
	return ct_serve(&endpoint);
}
