/*
 * fuzz_sig.c: libFuzzer target for the signature checks.  The input is a
 * header value, a NUL, then a body: the header goes to each provider's
 * check (Retell's "v=…,d=…", Vapi's secret and HMAC, Twilio's Base64) with
 * the body it would cover.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/form.h"
#include "ingest/sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_sig_secrets secrets = { { "key_one", "key_two" } };
	struct ct_sig_secrets b64 = { { "a2V5X29uZQ==", "not base64" } };
	struct ct_sig_vapi_hmac plan = { CT_SHA256, CT_SIG_HEX, "sha256=",
	    false, false };
	struct ct_sig_vapi_hmac plan_b64 = { CT_SHA512, CT_SIG_BASE64, "",
	    true, true };
	const uint8_t *nul = memchr(data, 0, size);
	size_t hlen = nul ? (size_t)(nul - data) : size;
	const char *body = nul ? (const char *)nul + 1 : "";
	size_t blen = nul ? size - hlen - 1 : 0;
	char *header = malloc(hlen + 1);
	struct ct_form form;

	if (header == NULL)
		return 0;
	memcpy(header, data, hlen);
	header[hlen] = '\0';
	(void)ct_sig_retell(body, blen, header, 1767225600000LL, &secrets);
	(void)ct_sig_vapi_secret(header, &secrets);
	(void)ct_sig_vapi_hmac(&plan, body, blen, header, "1767225600",
	    1767225600LL, &secrets);
	(void)ct_sig_vapi_hmac(&plan_b64, body, blen, header, NULL,
	    1767225600LL, &b64);
	(void)ct_sig_vapi_bearer(header, true, &secrets);
	(void)ct_sig_vapi_bearer(header, false, &secrets);
	/* A JSON body: refused unless the query's bodySHA256 (the header's
	 * first 64 bytes, here) is the body's hash. */
	if (hlen >= 64) {
		char q[11 + 64 + 1] = "bodySHA256=";

		memcpy(q + 11, header, 64);
		q[75] = '\0';
		(void)ct_sig_twilio("https://calls.example.com/hooks/twilio/x",
		    q, NULL, body, blen, header + 64, &secrets);
	}
	(void)ct_sig_twilio("https://calls.example.com/hooks/twilio/x", NULL,
	    NULL, body, blen, header, &secrets);
	if (ct_form_parse(body, blen, CT_FORM_MAX_PAIRS, &form) == CT_OK) {
		(void)ct_sig_twilio("https://calls.example.com/hooks/twilio/x",
		    NULL, &form, body, blen, header, &secrets);
		ct_form_free(&form);
	}
	free(header);
	return 0;
}
