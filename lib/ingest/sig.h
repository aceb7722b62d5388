/*
 * sig.h: the providers' signature schemes, each implemented once.
 *
 * Pure functions: the caller hands in the received bytes, the header values,
 * the integration's secrets (two during a rotation) and the clock.  Every
 * comparison is constant-time; timestamped schemes accept a timestamp at
 * most CT_SIG_WINDOW_S seconds away in either direction.
 */
#ifndef CT_SIG_H
#define CT_SIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/form.h"

#define CT_SIG_WINDOW_S 300
#define CT_SIG_MAX_SECRETS 2

/* The integration's secrets: secrets[0] current, secrets[1] during a
 * rotation; NULL entries are skipped. */
struct ct_sig_secrets {
	const char	*s[CT_SIG_MAX_SECRETS];
};

/*
 * Vapi's static secret: the header x-vapi-secret carries the secret itself
 * (providers.md §1.8).  header is its value or NULL.  Returns CT_OK,
 * CT_ERR_MISSING_SIGNATURE or CT_ERR_BAD_SIGNATURE.  No trimming: a value
 * with a trailing space is wrong.
 */
enum ct_err ct_sig_vapi_secret(const char *header,
    const struct ct_sig_secrets *secrets) __attribute__((warn_unused_result));

/*
 * Vapi's Bearer credential (BearerAuthenticationPlan, providers.md §1.8
 * and §8): the configured header carries "Bearer <secret>" (the scheme in
 * any case, spaces after it allowed) when prefixed, else the secret alone.
 * header is its value or NULL.  Returns CT_OK, CT_ERR_MISSING_SIGNATURE or
 * CT_ERR_BAD_SIGNATURE.
 */
enum ct_err ct_sig_vapi_bearer(const char *header, bool prefixed,
    const struct ct_sig_secrets *secrets) __attribute__((warn_unused_result));

enum ct_sig_encoding { CT_SIG_HEX, CT_SIG_BASE64 };

/* Vapi's HMAC credential settings (HMACAuthenticationPlan). */
struct ct_sig_vapi_hmac {
	enum ct_digest		 algorithm;	/* default CT_SHA256 */
	enum ct_sig_encoding	 encoding;	/* default CT_SIG_HEX */
	const char		*prefix;	/* e.g. "sha256=", or "" */
	bool			 body_only;	/* payload "{body}", not the
						   default "{timestamp}.{body}" */
	bool			 secret_base64;	/* the secret is Base64 of the
						   key's bytes (secretIsBase64) */
};

/*
 * Vapi's HMAC: signature = prefix || encode(HMAC(key, payload)), where the
 * payload is "{timestamp}.{body}" (the default) or "{body}" alone, and the
 * key is the secret's bytes, or what its Base64 decodes to.  With the
 * timestamp in the payload, the timestamp header is required and used
 * verbatim; Vapi does not document its unit, so a value above 10^11 is
 * read as milliseconds, else as seconds, for the freshness check against
 * now (seconds since the epoch).  With "{body}" alone the timestamp is not
 * signed, so it is neither required nor checked (the deliveries' dedup
 * keys still make a replayed one change nothing).  A secret that is not
 * Base64 when it should be verifies nothing (CT_ERR_BAD_SIGNATURE).
 */
enum ct_err ct_sig_vapi_hmac(const struct ct_sig_vapi_hmac *plan,
    const char *body, size_t len, const char *sig_header,
    const char *ts_header, long long now,
    const struct ct_sig_secrets *secrets) __attribute__((warn_unused_result));

/*
 * Retell: header "v=<ms>,d=<64 lowercase hex>", digest = HMAC-SHA256(API
 * key, body || decimal ms) (providers.md §2.6).  Uppercase hex is refused,
 * as Retell's hardened Python SDK does; "d=" before "v=" is refused, as both
 * SDKs do.  now_ms is the clock in milliseconds.
 */
enum ct_err ct_sig_retell(const char *body, size_t len, const char *header,
    long long now_ms, const struct ct_sig_secrets *secrets)
    __attribute__((warn_unused_result));

/*
 * Twilio: Base64(HMAC-SHA1(auth token, URL || sorted name+value pairs))
 * (providers.md §3.3).  public_url is the integration's stored URL;
 * query is the query string received (without '?', may be NULL), appended
 * when public_url has none.  The URL is tried as given with its port
 * removed and with the scheme's default port, as Twilio's validators do.
 * With form != NULL the pairs are appended (names sorted bytewise, each
 * distinct value of a repeated name in sorted order), by their lengths, so
 * a decoded NUL is signed like any byte.  When the URL carries
 * bodySHA256 the signature covers the URL alone and the SHA-256 of body
 * (hex, either case) must equal it, compared in constant time; form is
 * then ignored.  A body that is not a form (form == NULL) is refused
 * (CT_ERR_BAD_SIGNATURE) unless the URL carries bodySHA256: the signature
 * alone would not cover it.
 */
enum ct_err ct_sig_twilio(const char *public_url, const char *query,
    const struct ct_form *form, const char *body, size_t len,
    const char *header, const struct ct_sig_secrets *secrets)
    __attribute__((warn_unused_result));

/*
 * Builds the string Twilio signs for one URL form and the pairs (exposed for
 * tests).  Returns a malloc'd string the caller frees, or NULL on ENOMEM.
 * Pairs are used by their lengths: a value holding a NUL is signed whole
 * (ct_sig_twilio signs the whole payload, not up to its first NUL).
 */
char *ct_sig_twilio_payload(const char *url, const struct ct_form *form);

#endif
