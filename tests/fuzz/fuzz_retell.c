/*
 * fuzz_retell.c: libFuzzer target for the Retell mapping.  Feeds the input
 * straight into ct_retell_map, as a webhook's body, and frees what it made.
 */
#include <stddef.h>
#include <stdint.h>

#include "ingest/event.h"
#include "ingest/retell.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tools[] = { "book_appointment", "book_service" };
	static const struct ct_map_ctx ctx = { "US", tools, 2 };
	struct ct_call_event ev;

	(void)ct_retell_map((const char *)data, size, &ctx, &ev);
	ct_call_event_free(&ev);
	return 0;
}
