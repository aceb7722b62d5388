/*
 * phone.h: customer numbers normalized to E.164 with the org's country.
 */
#ifndef CT_PHONE_H
#define CT_PHONE_H

#include <stdbool.h>

#include <stddef.h>
#include "core/err.h"

#define CT_PHONE_E164_MAX 17	/* '+', 15 digits, NUL */

/*
 * Normalizes raw (as a provider sent it) to E.164 in out, reading national
 * numbers with the rules of country (ISO 3166 alpha-2, e.g. "US").
 * Separators (space, '(', ')', '-', '.', '/') are dropped; "tel:" is
 * stripped; "+" or the international prefix "00" (or "011" in North
 * America) starts an international number of 8 to 15 digits; a national
 * number is read with the country's calling code, trunk prefix and length.
 * Returns CT_OK, or CT_ERR_INVALID_PARAMETER when raw is no phone number
 * (empty, "Anonymous", "client:...", "sip:...", letters, wrong length) or
 * the country is not known.  out is "" unless CT_OK.
 */
enum ct_err ct_phone_e164(const char *raw, const char *country,
    char out[CT_PHONE_E164_MAX]) __attribute__((warn_unused_result));

/* Returns true when country is an ISO code this module can read, else false. */
bool ct_phone_country_known(const char *country);

/*
 * Writes the display form of e164 (an E.164 number, "+15555550142") into
 * out (size bytes), as the org of country (ISO 3166 alpha-2) reads it:
 * national format for a number of that country, international for any
 * other.  Returns the length written (without the NUL), or 0 (out "", when
 * size allows) when e164 is not E.164 or out is too small.  This plain
 * version writes the E.164 number itself; libphonenumber's formatting
 * replaces it.
 */
size_t ct_phone_display(const char *e164, const char *country, char *out,
    size_t size);

#endif
