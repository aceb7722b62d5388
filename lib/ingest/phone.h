/*
 * phone.h: customer numbers normalized to E.164 with the org's country.
 *
 * A plain C face on libphonenumber (lib/ingest/phonenumber.cc, the only
 * C++ of the tree): no C++ type shows here and no exception crosses it.
 * Every function refuses input longer than CT_PHONE_RAW_MAX bytes before
 * it is parsed.  A country is an ISO 3166 alpha-2 code ("US", "gb"),
 * either case; one libphonenumber has no metadata for is unknown.
 */
#ifndef CT_PHONE_H
#define CT_PHONE_H

#include <stdbool.h>

#include <stddef.h>
#include "core/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CT_PHONE_E164_MAX 17	/* '+', 15 digits, NUL */
#define CT_PHONE_RAW_MAX 64	/* the longest text read as a number */
#define CT_PHONE_DISPLAY_MAX 65	/* a display form and its NUL */

/*
 * Loads libphonenumber's metadata (its one PhoneNumberUtil) and has it
 * compile the regular expressions that reading and showing a number use,
 * so that a process which forks its workers afterwards shares those pages
 * with them (struct ct_endpoint's init).  Every other function loads what
 * it needs on first use when this was not called.  Returns CT_OK, or
 * CT_ERR_INTERNAL when libphonenumber could not be loaded.  What it loads
 * lives until the process ends.
 */
enum ct_err ct_phone_init(void) __attribute__((warn_unused_result));

/*
 * Normalizes raw (as a provider sent it) to E.164 in out, reading a
 * national number with the rules of country (the org's default country).
 * A leading "tel:" is stripped.  What is left may hold digits, a '+'
 * before the first digit, and the separators space, tab, '(', ')', '-',
 * '.' and '/'; any other character, a letter above all, refuses it
 * ("Anonymous", "client:alice", "sip:…", a vanity 1-800-FLOWERS, which
 * libphonenumber would read as digits).  The one exception is an
 * extension at the end: "ext", "ext.", "extension", "x", "#" or ";ext="
 * (either case) and its digits, e.g. "+1 555 123 4567 ext. 89": the number
 * is kept without it, since a call is made to the number and the
 * extension is dialled after it answers.  libphonenumber then parses the
 * number with country's calling code, trunk prefix and international
 * prefix ("00", "011"), and keeps it only when it is possible for its
 * country: IS_POSSIBLE, not IS_POSSIBLE_LOCAL_ONLY (a bare "555-0142" is
 * no full number), so too short, too long (16 digits) and an unknown
 * calling code are refused.  A possible number need not be assigned:
 * libphonenumber checks its length, not its ranges.
 * Returns CT_OK, or CT_ERR_INVALID_PARAMETER when raw is NULL, no number
 * by those rules, longer than CT_PHONE_RAW_MAX bytes, or country is not
 * known; CT_ERR_NOMEM or CT_ERR_INTERNAL when libphonenumber failed.  out
 * is "" unless CT_OK.
 */
enum ct_err ct_phone_e164(const char *raw, const char *country,
    char out[CT_PHONE_E164_MAX]) __attribute__((warn_unused_result));

/* Returns true when country is an ISO code libphonenumber reads numbers
 * of, else false. */
bool ct_phone_country_known(const char *country);

/*
 * Writes e164 (an E.164 number, '+' and 2 to 15 digits) as the org reads
 * it into out (size bytes): libphonenumber's national format when the
 * number's calling code is country's ("(555) 123-4567" in a US org,
 * "020 7946 0018" in a GB one), its international format otherwise
 * ("+44 20 7946 0018" in a US org).  Returns the length written (at most
 * CT_PHONE_DISPLAY_MAX - 1), or 0 with out "" (when size > 0) when e164 is
 * not a number libphonenumber parses, or the form does not fit in size.
 */
size_t ct_phone_display(const char *e164, const char *country, char *out,
    size_t size);

/*
 * The digits a number typed in a search should match at the end of a
 * stored E.164 number, into out (size bytes).  raw's digits are taken as
 * they are (any other character is a separator), unless raw is a full
 * number of country (ct_phone_e164 takes it) whose E.164 digits do not end
 * with them: then those digits.  So "(555) 555-0142" in a US org is
 * "5555550142" (the end of +15555550142 already), "020 7946 0018" in a GB
 * org "442079460018" (the trunk 0 is no part of +442079460018), and the
 * fragment "555-0142" "5550142".  Returns the number of digits written,
 * or 0 with out "" (when size > 0) when raw has no digit, more than 15,
 * is longer than CT_PHONE_RAW_MAX bytes, or the digits do not fit.
 */
size_t ct_phone_digits(const char *raw, const char *country, char *out,
    size_t size);

#ifdef __cplusplus
}
#endif

#endif
