/*
 * integration.h: the integration a webhook URL names, with its org.
 */
#ifndef CT_INTEGRATION_H
#define CT_INTEGRATION_H

#include <stdbool.h>

#include "core/err.h"
#include "ingest/sig.h"

#define CT_INTEGRATION_ID_MAX 64
#define CT_INTEGRATION_MAX_TOOLS 16

enum ct_provider { CT_PROVIDER_VAPI, CT_PROVIDER_RETELL, CT_PROVIDER_TWILIO };

/* How a Vapi integration's callbacks prove themselves (providers.md §1.8):
 * the legacy x-vapi-secret header, a Bearer credential, an HMAC one. */
enum ct_vapi_auth { CT_VAPI_SECRET, CT_VAPI_BEARER, CT_VAPI_HMAC };

#define CT_HEADER_NAME_MAX 64

struct ct_integration {
	char			 id[CT_INTEGRATION_ID_MAX + 1];
	char			 org_id[37];
	enum ct_provider	 provider;
	struct ct_sig_secrets	 secrets;	/* current, and rotation */
	const char		*public_url;	/* NULL when not set */
	enum ct_vapi_auth	 vapi_auth;
	/* Bearer: the header, and whether it carries "Bearer " first. */
	char			 bearer_header[CT_HEADER_NAME_MAX + 1];
	bool			 bearer_prefix;
	/* HMAC: the plan, and the headers of the signature and timestamp. */
	struct ct_sig_vapi_hmac	 hmac;
	char			 hmac_signature_header[CT_HEADER_NAME_MAX + 1];
	char			 hmac_timestamp_header[CT_HEADER_NAME_MAX + 1];
	int			 disabled;
	char			 default_country[3];
	char			*booking_tools[CT_INTEGRATION_MAX_TOOLS];
	size_t			 n_booking_tools;
	int			 stale;		/* kept from before a failed
						   look (the database away) */
};

/* Returns "vapi", "retell" or "twilio". */
const char *ct_provider_name(enum ct_provider p);

/* Returns true when id is a valid integration slug ([A-Za-z0-9_-]{1,64}). */
bool ct_integration_id_valid(const char *id);

/*
 * Finds the integration id in *out.  A worker reuses what it looked up for
 * CALLTRACK_INTEGRATION_TTL seconds (configuration, not request state:
 * webhooks then cost one database round trip); refresh forces a new look,
 * as after a signature failure, so a rotated secret works at once.
 * Returns CT_OK, CT_ERR_UNKNOWN_INTEGRATION (no such id; a disabled one is
 * returned with disabled set) or CT_ERR_DB_UNAVAILABLE.  Only an
 * integration that exists takes one of the worker's slots: a slug that is
 * not found never displaces one that is.
 *
 * When the database cannot be reached, the copy of the last look is
 * returned with stale set if it is younger than
 * CALLTRACK_SPOOL_SECRET_MAX_AGE seconds (disabled as it was then).  A stale copy may verify a
 * request only to spool it (the drain checks the integration again before
 * it applies anything); every other use must refuse it.
 * *out stays valid until the next call.
 */
enum ct_err ct_integration_get(const char *id, int refresh,
    const struct ct_integration **out) __attribute__((warn_unused_result));

/*
 * Says whether in may take a request of provider (and, when org is not
 * NULL, one recorded for org): returns NULL when it may, else why not, a
 * fixed sentence ("integration is disabled", "integration is for another
 * provider", "integration belongs to another org").  Checked after every
 * look that may have changed in, and before a spooled request is applied.
 */
const char *ct_integration_refusal(const struct ct_integration *in,
    enum ct_provider provider, const char *org);

#endif
