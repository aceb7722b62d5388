/*
 * twilio.h: Twilio Voice status callbacks (providers.md §3).
 */
#ifndef CT_TWILIO_H
#define CT_TWILIO_H

#include "hook.h"

/* twilio-status's part of the webhook pipeline. */
extern const struct ct_hook_provider ct_twilio_hook;

#endif
