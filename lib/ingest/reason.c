/*
 * reason.c: end-code lookup and the shape rules for unknown codes.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/reason.h"

static int
cmp(const void *key, const void *row)
{
	return strcmp(key, ((const struct ct_reason *)row)->code);
}

const struct ct_reason *
ct_reason_find(const struct ct_reason *table, size_t n, const char *code)
{
	/* No table (a provider without one): every code goes by its shape;
	 * bsearch must not see a NULL array, even an empty one. */
	if (code == NULL || table == NULL || n == 0)
		return NULL;
	return bsearch(code, table, n, sizeof(*table), cmp);
}

void
ct_reason_map(const struct ct_reason *table, size_t n, const char *code,
    struct ct_reason *out)
{
	static const struct {
		const char *needle, *status, *reason;
	} shapes[] = {
		{ "error", "failed", "error" },
		{ "fault", "failed", "error" },
		{ "fail", "failed", "error" },
		{ "voicemail", "voicemail", "voicemail" },
		{ "busy", "busy", "busy" },
		{ "no-answer", "no-answer", "no_answer" },
		{ "no_answer", "no-answer", "no_answer" },
		{ "did-not-answer", "no-answer", "no_answer" },
		{ "cancel", "canceled", "canceled" },
		{ "forward", "completed", "transfer" },
		{ "transfer", "completed", "transfer" },
	};
	const struct ct_reason *row = ct_reason_find(table, n, code);
	size_t i;

	if (row != NULL) {
		*out = *row;
		return;
	}
	out->code = code;
	for (i = 0; code != NULL && i < sizeof(shapes) / sizeof(shapes[0]);
	    i++) {
		if (strstr(code, shapes[i].needle) != NULL) {
			out->status_answered = shapes[i].status;
			out->status_unanswered = shapes[i].status;
			out->end_call_reason = shapes[i].reason;
			return;
		}
	}
	out->status_answered = "completed";
	out->status_unanswered = "failed";
	out->end_call_reason = NULL;
}
