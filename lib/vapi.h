/*
 * vapi.h: Vapi server messages (providers.md §1).
 */
#ifndef CT_VAPI_H
#define CT_VAPI_H

#include "hook.h"

/* vapi-hook's part of the webhook pipeline. */
extern const struct ct_hook_provider ct_vapi_hook;

#endif
