/*
 * fuzz_twilio.c: libFuzzer target for the Twilio mapping, as a form body
 * and, when the input starts with '{', as Twilio's JSON body.
 */
#include <stddef.h>
#include <stdint.h>

#include "ingest/event.h"
#include "ingest/twilio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ct_map_ctx ctx = { "US", NULL, 0 };
	struct ct_call_event ev;

	(void)ct_twilio_map((const char *)data, size, size > 0 && data[0] == '{',
	    &ctx, &ev);
	ct_call_event_free(&ev);
	return 0;
}
