/*
 * fuzz_vapi.c: libFuzzer target for the Vapi mapping.  Feeds the input
 * straight into ct_vapi_map, as a delivery's body, and frees what it made.
 */
#include <stddef.h>
#include <stdint.h>

#include "ingest/event.h"
#include "ingest/vapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tools[] = { "book_appointment", "book_service" };
	static const struct ct_map_ctx ctx = { "US", tools, 2 };
	struct ct_call_event ev;

	(void)ct_vapi_map((const char *)data, size, &ctx, &ev);
	ct_call_event_free(&ev);
	return 0;
}
