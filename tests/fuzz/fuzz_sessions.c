/*
 * fuzz_sessions.c: libFuzzer target for a session PUT's inputs: its body
 * (one object whose conversation_state is an object) and its route
 * (/api/sessions/<provider>/<provider_call_id>).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "read/sessions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_session_route r;
	char *s = malloc(size + 1), *state, badbuf[72];
	const char *bad;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ct_session_parse(s, size, &state, &bad, badbuf, sizeof(badbuf)) ==
	    CT_OK)
		free(state);
	(void)ct_session_route_parse(s, &r);
	free(s);
	return 0;
}
