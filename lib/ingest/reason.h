/*
 * reason.h: providers' end codes to canonical statuses.
 *
 * The tables are data (the TSV files in lib/data/) that tools/gen-reasons turns into
 * sorted C arrays at build time.  A code not in its table is mapped by its
 * shape (docs/DATA-MODEL.md "Status") and still kept verbatim by the caller.
 */
#ifndef CT_REASON_H
#define CT_REASON_H

#include <stddef.h>

struct ct_reason {
	const char	*code;
	const char	*status_answered;	/* status if the call was answered */
	const char	*status_unanswered;	/* status if it never was */
	const char	*end_call_reason;	/* NULL: not asserted */
};

extern const struct ct_reason ct_vapi_reasons[];
extern const size_t ct_vapi_reasons_n;
extern const struct ct_reason ct_retell_reasons[];
extern const size_t ct_retell_reasons_n;

/* Returns the row of code in table (n rows, sorted; may be NULL and 0),
 * or NULL. */
const struct ct_reason *ct_reason_find(const struct ct_reason *table,
    size_t n, const char *code);

/*
 * Maps code through table, or by its shape when the table does not know
 * it, into *out (whose strings are static).  The shape rules, first match
 * wins: "error", "fault" or "fail" → failed; "voicemail"; "busy";
 * "no-answer", "no_answer", "did-not-answer" → no-answer; "cancel" →
 * canceled; "forward" or "transfer" → completed with end reason transfer;
 * otherwise completed if the call was answered, else failed.
 */
void ct_reason_map(const struct ct_reason *table, size_t n, const char *code,
    struct ct_reason *out);

#endif
