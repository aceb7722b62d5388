/*
 * integration.h: the integration a webhook URL names, with its org.
 */
#ifndef CT_INTEGRATION_H
#define CT_INTEGRATION_H

#include "err.h"
#include "sig.h"

#define CT_INTEGRATION_ID_MAX 64
#define CT_INTEGRATION_MAX_TOOLS 16

enum ct_provider { CT_PROVIDER_VAPI, CT_PROVIDER_RETELL, CT_PROVIDER_TWILIO };

struct ct_integration {
	char			 id[CT_INTEGRATION_ID_MAX + 1];
	char			 org_id[37];
	enum ct_provider	 provider;
	struct ct_sig_secrets	 secrets;	/* current, and rotation */
	const char		*public_url;	/* NULL when not set */
	int			 vapi_hmac;	/* 1: HMAC, 0: secret header */
	struct ct_sig_vapi_hmac	 hmac;
	int			 disabled;
	char			 default_country[3];
	char			 timezone[64];
	int			 hot_lead_threshold;
	char			*booking_tools[CT_INTEGRATION_MAX_TOOLS];
	size_t			 n_booking_tools;
	int			 stale;		/* kept from before a failed
						   look (the database away) */
};

/* Returns "vapi", "retell" or "twilio". */
const char *ct_provider_name(enum ct_provider p);

/* Returns 1 when id is a valid integration slug ([A-Za-z0-9_-]{1,64}). */
int ct_integration_id_valid(const char *id);

/*
 * Finds the integration id in *out.  A worker reuses what it looked up for
 * CALLTRACK_INTEGRATION_TTL seconds (configuration, not request state:
 * webhooks then cost one database round trip); refresh forces a new look,
 * as after a signature failure, so a rotated secret works at once.
 * Returns CT_OK, CT_ERR_UNKNOWN_INTEGRATION (no such id; a disabled one is
 * returned with disabled set) or CT_ERR_DB_UNAVAILABLE.  When the database
 * cannot be reached, a copy looked up within the last day is returned
 * with stale set, so that a webhook can still be verified and spooled.
 * *out stays valid until the next call.
 */
enum ct_err ct_integration_get(const char *id, int refresh,
    const struct ct_integration **out) __attribute__((warn_unused_result));

#endif
