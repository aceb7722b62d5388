/*
 * retell.h: Retell call webhooks (providers.md §2).
 */
#ifndef CT_RETELL_H
#define CT_RETELL_H

#include "hook.h"

/* retell-hook's part of the webhook pipeline. */
extern const struct ct_hook_provider ct_retell_hook;

#endif
