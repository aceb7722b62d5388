/*
 * fuzz_form.c: libFuzzer target for the form parser and the Twilio string
 * to sign built from what it parsed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/form.h"
#include "ingest/sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_form form;

	if (ct_form_parse((const char *)data, size, CT_FORM_MAX_PAIRS, &form) ==
	    CT_OK) {
		free(ct_sig_twilio_payload("https://example.com/x", &form));
		ct_form_free(&form);
	}
	return 0;
}
