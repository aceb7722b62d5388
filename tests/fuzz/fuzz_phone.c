/*
 * fuzz_phone.c: libFuzzer target for phone numbers (lib/ingest/phone.h):
 * the input read as a caller's number, a search's number and a stored
 * E.164 number, in a US and a British org, across the C++ boundary.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/phone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const countries[] = { "US", "GB", "de", "XX" };
	char e164[CT_PHONE_E164_MAX], out[CT_PHONE_DISPLAY_MAX];
	char *s = malloc(size + 1);
	size_t i, n;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (i = 0; i < sizeof(countries) / sizeof(countries[0]); i++) {
		if (ct_phone_e164(s, countries[i], e164) == CT_OK) {
			/* What is kept is E.164, and displays. */
			if (e164[0] != '+' || strlen(e164) > 16 ||
			    ct_phone_display(e164, countries[i], out,
			    sizeof(out)) == 0)
				abort();
		} else if (e164[0] != '\0') {
			abort();
		}
		n = ct_phone_digits(s, countries[i], out, sizeof(out));
		if (n != strlen(out) || n > 15)
			abort();
		n = ct_phone_display(s, countries[i], out, sizeof(out));
		if (n != strlen(out))
			abort();
	}
	(void)ct_phone_country_known(s);
	free(s);
	return 0;
}
