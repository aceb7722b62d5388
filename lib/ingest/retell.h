/*
 * retell.h: Retell call webhooks (providers.md §2).
 */
#ifndef CT_RETELL_H
#define CT_RETELL_H

#include "ingest/event.h"
#include "ingest/hook.h"

/*
 * Maps one Retell webhook (len bytes of body) to a call event, with the
 * org's settings in ctx; a pure function.  call_started, call_ended and
 * call_analyzed change the call; other events are recorded only.  Returns
 * CT_OK, CT_ERR_MALFORMED_BODY or CT_ERR_MISSING_CALL_ID; in every case the
 * caller frees ev with ct_call_event_free().
 */
enum ct_err ct_retell_map(const char *body, size_t len,
    const struct ct_map_ctx *ctx, struct ct_call_event *ev)
    __attribute__((warn_unused_result));

/* retell-hook's part of the webhook pipeline. */
extern const struct ct_hook_provider ct_retell_hook;

#endif
