/*
 * twilio.h: Twilio Voice status callbacks (providers.md §3).
 */
#ifndef CT_TWILIO_H
#define CT_TWILIO_H

#include <stdbool.h>

#include "ingest/event.h"
#include "ingest/hook.h"

/*
 * Maps one status callback (len bytes of body, form-encoded, or JSON when
 * json is set) to a call event, with the org's settings in ctx; a pure
 * function.  Returns CT_OK, CT_ERR_MALFORMED_BODY (bad form or JSON, no
 * CallStatus) or CT_ERR_MISSING_CALL_ID; in every case the caller frees ev
 * with ct_call_event_free().
 */
enum ct_err ct_twilio_map(const char *body, size_t len, int json,
    const struct ct_map_ctx *ctx, struct ct_call_event *ev)
    __attribute__((warn_unused_result));

/* Converts Twilio's RFC 2822 Timestamp to ISO 8601 in out; true or false. */
bool ct_twilio_time(const char *s, char out[CT_TIME_MAX]);

/* twilio-status's part of the webhook pipeline. */
extern const struct ct_hook_provider ct_twilio_hook;

#endif
