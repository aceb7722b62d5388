/*
 * fuzz_query.c: libFuzzer target for the dashboard's query strings
 * (GET /api/calls and GET /api/stats), cursors included.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "read/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_calls_query cq;
	struct ct_stats_query sq;
	const char *bad;
	char *s = malloc(size + 1);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* A search's number, read as a US and a British org read it. */
	if (ct_calls_query_parse(s, &cq, &bad) == CT_OK)
		(void)ct_calls_query_phone(&cq, size % 2 ? "US" : "GB");
	ct_calls_query_free(&cq);
	(void)ct_stats_query_parse(s, &sq, &bad);
	ct_stats_query_free(&sq);
	free(s);
	return 0;
}
