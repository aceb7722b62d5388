/*
 * booking.h: did the agent book the appointment?
 *
 * A mapping feeds every booking-tool invocation it finds, with its result
 * if any, to one ct_booking; the outcome is tri-state (docs/DATA-MODEL.md):
 * confirmed when one succeeded, attempted_failed when some were made and
 * none succeeded, not_requested when none were made.
 */
#ifndef CT_BOOKING_H
#define CT_BOOKING_H

#include <stdbool.h>

#include <stddef.h>

struct ct_booking {
	int	 invocations;
	int	 succeeded;
	char	*evidence;	/* JSON of the deciding call, malloc'd */
	int	 evidence_is_success;
};

/* Returns true when name is one of the org's booking tools. */
bool ct_booking_is_tool(const char *name, const char *const *tools, size_t n);

/*
 * Judges a tool result (policy of the fixtures README): a failure when
 * successful is 0 (-1: not given), when there is no result (content
 * NULL), when the content is a JSON object with success:false, ok:false, a
 * non-empty error or status error|failed|failure, or when it is plain text
 * starting with "error" (any case).  Returns true for success, false for failure.
 */
bool ct_booking_result_ok(const char *content, int successful);

/*
 * Adds one invocation of tool (id call_id) with its result to b.  The
 * evidence kept is the first success, else the last failure.
 */
void ct_booking_add(struct ct_booking *b, const char *tool,
    const char *call_id, const char *content, int successful);

/* Returns "confirmed", "attempted_failed" or "not_requested". */
const char *ct_booking_status(const struct ct_booking *b);

/* Frees the evidence. */
void ct_booking_free(struct ct_booking *b);

#endif
