/*
 * vapi.h: Vapi server messages (providers.md §1).
 */
#ifndef CT_VAPI_H
#define CT_VAPI_H

#include "ingest/event.h"
#include "ingest/hook.h"

/*
 * Maps one Vapi server message (len bytes of body) to a call event, with
 * the org's settings in ctx; a pure function.  status-update and
 * end-of-call-report change the call; other types, and statuses that are
 * not steps of a call, are recorded only.  Returns CT_OK,
 * CT_ERR_MALFORMED_BODY or CT_ERR_MISSING_CALL_ID; in every case the
 * caller frees ev with ct_call_event_free().
 */
enum ct_err ct_vapi_map(const char *body, size_t len,
    const struct ct_map_ctx *ctx, struct ct_call_event *ev)
    __attribute__((warn_unused_result));

/* vapi-hook's part of the webhook pipeline. */
extern const struct ct_hook_provider ct_vapi_hook;

#endif
