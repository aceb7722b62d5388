/*
 * fuzz_csv.c: libFuzzer target for the contacts import's CSV reader
 * (lib/read/csv.h): every record of the input with the default limits,
 * then again with small ones, checking what each record says of itself.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "read/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
read_all(const char *buf, size_t len, const struct ct_csv_limits *lim)
{
	struct ct_csv c;
	long last = 0;
	bool more;
	size_t i;

	if (ct_csv_open(&c, buf, len, lim) == CT_OK) {
		while (ct_csv_next(&c, &more) == CT_OK && more) {
			/* Lines only grow; fields are within their bounds and
			 * hold what their lengths say. */
			if (c.line <= last || c.nfields == 0 ||
			    c.nfields > c.lim.fields)
				abort();
			last = c.line;
			for (i = 0; i < c.nfields; i++)
				if (c.lens[i] > c.lim.field_len ||
				    strlen(c.fields[i]) != c.lens[i])
					abort();
		}
	}
	ct_csv_close(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ct_csv_limits small = { 3, 8, 4 };
	/* A copy of exactly size bytes, so that a read past them is seen. */
	char *buf = malloc(size ? size : 1);

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	read_all(buf, size, NULL);
	read_all(buf, size, &small);
	free(buf);
	return 0;
}
