/*
 * phone.c: E.164 normalization.
 *
 * The table gives, per country, its calling code, whether national numbers
 * carry a leading trunk '0' that E.164 drops, and the length range of the
 * national significant number (ITU-T E.164 national plans).  Italy keeps
 * its leading 0 (no trunk prefix); NANP countries share code 1 and also
 * accept 11 digits starting with 1.
 */
#include <string.h>
#include <strings.h>

#include "ingest/phone.h"

struct country {
	const char	*iso;
	const char	*cc;		/* calling code digits */
	int		 trunk0;	/* national form starts with '0' */
	int		 min, max;	/* national significant number length */
};

static const struct country countries[] = {
	{ "US", "1", 0, 10, 10 }, { "CA", "1", 0, 10, 10 },
	{ "PR", "1", 0, 10, 10 }, { "GB", "44", 1, 9, 10 },
	{ "IE", "353", 1, 7, 9 }, { "DE", "49", 1, 6, 11 },
	{ "FR", "33", 1, 9, 9 },  { "ES", "34", 0, 9, 9 },
	{ "IT", "39", 0, 6, 11 }, { "NL", "31", 1, 9, 9 },
	{ "BE", "32", 1, 8, 9 },  { "CH", "41", 1, 9, 9 },
	{ "AT", "43", 1, 4, 13 }, { "PT", "351", 0, 9, 9 },
	{ "SE", "46", 1, 7, 9 },  { "NO", "47", 0, 8, 8 },
	{ "DK", "45", 0, 8, 8 },  { "FI", "358", 1, 5, 10 },
	{ "PL", "48", 0, 9, 9 },  { "AU", "61", 1, 9, 9 },
	{ "NZ", "64", 1, 8, 10 }, { "MX", "52", 0, 10, 10 },
	{ "BR", "55", 1, 10, 11 }, { "AR", "54", 1, 10, 10 },
	{ "IN", "91", 1, 10, 10 }, { "ZA", "27", 1, 9, 9 },
	{ "JP", "81", 1, 9, 10 }, { "SG", "65", 0, 8, 8 },
	{ "AE", "971", 1, 8, 9 }, { "IL", "972", 1, 8, 9 },
};

static const struct country *
find_country(const char *iso)
{
	size_t i;

	if (iso == NULL)
		return NULL;
	for (i = 0; i < sizeof(countries) / sizeof(countries[0]); i++)
		if (strcasecmp(countries[i].iso, iso) == 0)
			return &countries[i];
	return NULL;
}

bool
ct_phone_country_known(const char *country)
{
	return find_country(country) != NULL;
}

enum ct_err
ct_phone_e164(const char *raw, const char *country,
    char out[CT_PHONE_E164_MAX])
{
	const struct country *c = find_country(country);
	char digits[32];
	size_t n = 0, cclen;
	int plus = 0;
	const char *p = raw;

	out[0] = '\0';
	if (raw == NULL || c == NULL)
		return CT_ERR_INVALID_PARAMETER;
	if (strncasecmp(p, "tel:", 4) == 0)
		p += 4;
	for (; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9') {
			if (n == sizeof(digits) - 1)
				return CT_ERR_INVALID_PARAMETER;
			digits[n++] = *p;
		} else if (*p == '+' && n == 0 && !plus) {
			plus = 1;
		} else if (strchr(" ()-./\t", *p) == NULL) {
			/* Letters ("Anonymous", "client:x", "sip:x"), a
			 * second '+', an extension: not a number we keep. */
			return CT_ERR_INVALID_PARAMETER;
		}
	}
	digits[n] = '\0';
	if (!plus) {
		/* International prefixes dialled in place of '+'. */
		if (n > 2 && strncmp(digits, "00", 2) == 0) {
			memmove(digits, digits + 2, n - 1);
			n -= 2;
			plus = 1;
		} else if (n > 3 && strcmp(c->cc, "1") == 0 &&
		    strncmp(digits, "011", 3) == 0) {
			memmove(digits, digits + 3, n - 2);
			n -= 3;
			plus = 1;
		}
	}
	if (plus) {
		if (n < 8 || n > 15 || digits[0] == '0')
			return CT_ERR_INVALID_PARAMETER;
		out[0] = '+';
		memcpy(out + 1, digits, n + 1);
		return CT_OK;
	}
	cclen = strlen(c->cc);
	/* National number with the country code in front, no '+'. */
	if (strcmp(c->cc, "1") == 0 && n == 11 && digits[0] == '1') {
		memmove(digits, digits + 1, n);
		n--;
	} else if (c->trunk0) {
		if (n < 2 || digits[0] != '0')
			return CT_ERR_INVALID_PARAMETER;
		memmove(digits, digits + 1, n);
		n--;
	}
	if ((int)n < c->min || (int)n > c->max || n + cclen > 15)
		return CT_ERR_INVALID_PARAMETER;
	/* NANP: area code and exchange never start with 0 or 1. */
	if (strcmp(c->cc, "1") == 0 &&
	    (digits[0] < '2' || digits[3] < '2'))
		return CT_ERR_INVALID_PARAMETER;
	out[0] = '+';
	memcpy(out + 1, c->cc, cclen);
	memcpy(out + 1 + cclen, digits, n + 1);
	return CT_OK;
}

size_t
ct_phone_display(const char *e164, const char *country, char *out,
    size_t size)
{
	size_t n = e164 != NULL ? strlen(e164) : 0;

	/* What libphonenumber's national and international formats replace:
	 * until then, the number as stored. */
	(void)country;
	if (size > 0)
		out[0] = '\0';
	if (n < 3 || n > CT_PHONE_E164_MAX - 1 || e164[0] != '+' ||
	    e164[1] < '1' || e164[1] > '9' ||
	    strspn(e164 + 1, "0123456789") != n - 1 || n >= size)
		return 0;
	memcpy(out, e164, n + 1);
	return n;
}
