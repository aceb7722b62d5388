/*
 * test_phone.c: phone numbers through libphonenumber (lib/ingest/phone.h).
 */
#include <stdio.h>
#include <string.h>

#include "ingest/phone.h"
#include "suites.h"

struct vector {
	const char	*raw, *cc, *want;	/* want NULL: refused */
};

static void
check_e164(const struct vector *t, size_t n)
{
	char out[CT_PHONE_E164_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		enum ct_err e;

		memset(out, 'x', sizeof(out));
		e = ct_phone_e164(t[i].raw, t[i].cc, out);
		if (t[i].want == NULL) {
			if (e != CT_ERR_INVALID_PARAMETER || out[0] != '\0')
				fprintf(stderr, "phone: %s in %s: taken as %s\n",
				    t[i].raw, t[i].cc, out);
			CU_ASSERT_EQUAL(e, CT_ERR_INVALID_PARAMETER);
			CU_ASSERT_STRING_EQUAL(out, "");
		} else {
			if (e != CT_OK || strcmp(out, t[i].want) != 0)
				fprintf(stderr, "phone: %s in %s: %s, not %s\n",
				    t[i].raw, t[i].cc, e == CT_OK ? out :
				    "refused", t[i].want);
			CU_ASSERT_EQUAL(e, CT_OK);
			CU_ASSERT_STRING_EQUAL(out, t[i].want);
		}
	}
}

#define CHECK_E164(t) check_e164((t), sizeof(t) / sizeof((t)[0]))

/* The vectors of the hand-written table this module replaced, with what
 * libphonenumber decides where the two differ. */
static void
test_phone_table(void)
{
	static const struct vector t[] = {
		/* The fixtures' rules (default country US). */
		{ "+14155550123", "US", "+14155550123" },
		{ "(415) 555-0123", "US", "+14155550123" },
		{ "415.555.0123", "US", "+14155550123" },
		{ "4155550123", "US", "+14155550123" },
		{ "14155550123", "US", "+14155550123" },
		{ "1 (415) 555-0123", "US", "+14155550123" },
		{ "+44 20 7946 0958", "US", "+442079460958" },
		{ "011 44 20 7946 0958", "US", "+442079460958" },
		{ "tel:+14155550123", "US", "+14155550123" },
		{ "Anonymous", "US", NULL },
		{ "client:alice", "US", NULL },
		{ "sip:alice@example.com", "US", NULL },
		{ "", "US", NULL },
		{ "555-0142", "US", NULL },		/* 7 digits */
		/* The old table refused an area code starting with 0;
		 * libphonenumber's possibility is the length alone. */
		{ "0123456789", "US", "+10123456789" },
		{ "+0123456789", "US", NULL },
		{ "+1234567", "US", NULL },		/* 7 digits */
		{ "+1234567890123456", "US", NULL },	/* 16 digits */
		/* The old table refused an extension; it is cut off now. */
		{ "+1 415 555 0123 ext 5", "US", "+14155550123" },
		{ "++14155550123", "US", NULL },
		/* Other countries' national numbers. */
		{ "020 7946 0958", "GB", "+442079460958" },
		{ "07700 900123", "GB", "+447700900123" },
		{ "0044 20 7946 0958", "GB", "+442079460958" },
		{ "030 123456", "DE", "+4930123456" },
		{ "06 12 34 56 78", "FR", "+33612345678" },
		{ "612 345 678", "ES", "+34612345678" },
		{ "06 1234 5678", "IT", "+390612345678" },
		{ "0412 345 678", "AU", "+61412345678" },
		{ "4155550123", "CA", "+14155550123" },
		{ "4155550123", "XX", NULL },		/* unknown country */
		{ "4155550123", NULL, NULL },
	};
	char out[CT_PHONE_E164_MAX];

	CHECK_E164(t);
	CU_ASSERT_EQUAL(ct_phone_e164(NULL, "US", out), CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_STRING_EQUAL(out, "");
}

/* How a US org's callers' numbers arrive, and what is no full number. */
static void
test_phone_forms(void)
{
	static const struct vector t[] = {
		{ "(555) 123-4567", "US", "+15551234567" },
		{ "5551234567", "US", "+15551234567" },
		{ "1-555-123-4567", "US", "+15551234567" },
		{ "+1 555 123 4567", "US", "+15551234567" },
		{ "555.123.4567", "US", "+15551234567" },
		{ "TEL:+1-555-123-4567", "us", "+15551234567" },
		/* A bare local number: IS_POSSIBLE_LOCAL_ONLY. */
		{ "5550142", "US", NULL },
		{ "555-0142", "US", NULL },
		/* A British number, at home and from a US org. */
		{ "020 7946 0018", "GB", "+442079460018" },
		{ "020 7946 0018", "US", NULL },	/* 11 digits: too long */
		{ "+44 20 7946 0018", "US", "+442079460018" },
		{ "011 44 20 7946 0018", "US", "+442079460018" },
		{ "00 44 20 7946 0018", "DE", "+442079460018" },
		{ "Anonymous", "US", NULL },
		{ "anonymous", "GB", NULL },
		{ "client:abc", "US", NULL },
		{ "sip:+15551234567@sip.example.com", "US", NULL },
		{ "sip:alice@example.com", "US", NULL },
		{ "restricted", "US", NULL },
		/* Letters: libphonenumber would dial a vanity number. */
		{ "1-800-FLOWERS", "US", NULL },
		{ "555-CALL-NOW", "US", NULL },
		{ "+1 555 123 4567 a", "US", NULL },
		{ "tel:+1 555 123 4567 tel:", "US", NULL },
		/* 16 digits, and 15. */
		{ "+1234567890123456", "US", NULL },
		{ "1234567890123456", "US", NULL },
		{ "+86 123 4567 8901", "US", "+8612345678901" },
		/* Characters no number has. */
		{ "+1 555 123\n4567", "US", NULL },
		{ "+1 555 123 4567;", "US", NULL },
		{ "+1 555 123 4567,", "US", NULL },
		{ "*67 555 123 4567", "US", NULL },
		{ "555 123 + 4567", "US", NULL },
		{ "+", "US", NULL },
		{ "()", "US", NULL },
	};

	CHECK_E164(t);
}

/* An extension is cut off; what is not one refuses the number. */
static void
test_phone_extensions(void)
{
	static const struct vector t[] = {
		{ "+1 555 123 4567 ext. 89", "US", "+15551234567" },
		{ "+1 555 123 4567 ext 89", "US", "+15551234567" },
		{ "+1 555 123 4567 EXT.89", "US", "+15551234567" },
		{ "(555) 123-4567 extension 89", "US", "+15551234567" },
		{ "555-123-4567 x89", "US", "+15551234567" },
		{ "555-123-4567x89", "US", "+15551234567" },
		{ "555-123-4567 #89", "US", "+15551234567" },
		{ "tel:+1-555-123-4567;ext=89", "US", "+15551234567" },
		{ "020 7946 0018 x 2", "GB", "+442079460018" },
		{ "555-123-4567 x", "US", NULL },		/* no digits */
		{ "555-123-4567 ext. 8a", "US", NULL },
		{ "555-123-4567 x 12345678901", "US", NULL },	/* 11 digits */
		{ "555-123-4567 ext 89 ext 90", "US", NULL },
		{ "x89", "US", NULL },
		{ "ext. 5551234567", "US", NULL },
		{ "555 x 123 4567", "US", NULL },
	};

	CHECK_E164(t);
}

/* At most CT_PHONE_RAW_MAX bytes are read. */
static void
test_phone_bounds(void)
{
	char raw[CT_PHONE_RAW_MAX + 2], out[CT_PHONE_E164_MAX], d[32];

	/* 64 bytes: the number and separators. */
	memset(raw, ' ', sizeof(raw));
	memcpy(raw, "+1 555 123 4567", 15);
	raw[CT_PHONE_RAW_MAX] = '\0';
	CU_ASSERT_EQUAL(ct_phone_e164(raw, "US", out), CT_OK);
	CU_ASSERT_STRING_EQUAL(out, "+15551234567");
	CU_ASSERT_EQUAL(ct_phone_digits(raw, "US", d, sizeof(d)), 11);
	/* 65 bytes: refused before it is parsed. */
	raw[CT_PHONE_RAW_MAX] = ' ';
	raw[CT_PHONE_RAW_MAX + 1] = '\0';
	CU_ASSERT_EQUAL(ct_phone_e164(raw, "US", out), CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(ct_phone_digits(raw, "US", d, sizeof(d)), 0);
	CU_ASSERT_STRING_EQUAL(d, "");
	CU_ASSERT_EQUAL(ct_phone_display("+15551234567    ", "US", d,
	    sizeof(d)), 0);
}

static void
test_phone_countries(void)
{
	CU_ASSERT_EQUAL(ct_phone_init(), CT_OK);
	CU_ASSERT_EQUAL(ct_phone_init(), CT_OK);	/* once is enough */
	CU_ASSERT_TRUE(ct_phone_country_known("US"));
	CU_ASSERT_TRUE(ct_phone_country_known("GB"));
	CU_ASSERT_TRUE(ct_phone_country_known("de"));
	/* Beyond the 30 of the old table. */
	CU_ASSERT_TRUE(ct_phone_country_known("JM"));
	CU_ASSERT_TRUE(ct_phone_country_known("KE"));
	CU_ASSERT_FALSE(ct_phone_country_known("XX"));
	CU_ASSERT_FALSE(ct_phone_country_known("ZZ"));	/* libphonenumber's unknown */
	CU_ASSERT_FALSE(ct_phone_country_known("USA"));
	CU_ASSERT_FALSE(ct_phone_country_known("U"));
	CU_ASSERT_FALSE(ct_phone_country_known("U1"));
	CU_ASSERT_FALSE(ct_phone_country_known(""));
	CU_ASSERT_FALSE(ct_phone_country_known("001"));
	CU_ASSERT_FALSE(ct_phone_country_known(NULL));
}

static void
test_phone_display(void)
{
	static const struct { const char *e164, *cc, *want; } t[] = {
		/* In the org's country: its national format. */
		{ "+15551234567", "US", "(555) 123-4567" },
		{ "+15551234567", "CA", "(555) 123-4567" },	/* NANP */
		{ "+442079460018", "GB", "020 7946 0018" },
		{ "+33612345678", "fr", "06 12 34 56 78" },
		/* Elsewhere: the international format. */
		{ "+442079460018", "US", "+44 20 7946 0018" },
		{ "+15551234567", "GB", "+1 555-123-4567" },
		{ "+442079460018", "XX", "+44 20 7946 0018" },
		{ "+442079460018", NULL, "+44 20 7946 0018" },
		/* Not E.164 numbers. */
		{ NULL, "US", "" },
		{ "", "US", "" },
		{ "+", "US", "" },
		{ "+1", "US", "" },
		{ "15551234567", "US", "" },
		{ "+1 555 123 4567", "US", "" },
		{ "+1555123456789012", "US", "" },	/* 16 digits */
		{ "+05551234567", "US", "" },
		{ "+99912345678", "US", "" },		/* no such code */
		{ "Anonymous", "US", "" },
	};
	char out[CT_PHONE_DISPLAY_MAX], small[8];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n;

		memset(out, 'x', sizeof(out));
		n = ct_phone_display(t[i].e164, t[i].cc, out, sizeof(out));
		if (strcmp(out, t[i].want) != 0)
			fprintf(stderr, "phone: display of %s in %s: '%s'\n",
			    t[i].e164 ? t[i].e164 : "NULL",
			    t[i].cc ? t[i].cc : "NULL", out);
		CU_ASSERT_STRING_EQUAL(out, t[i].want);
		CU_ASSERT_EQUAL(n, strlen(t[i].want));
	}
	/* A form that does not fit is not cut short. */
	memset(small, 'x', sizeof(small));
	CU_ASSERT_EQUAL(ct_phone_display("+15551234567", "US", small,
	    sizeof(small)), 0);
	CU_ASSERT_STRING_EQUAL(small, "");
	CU_ASSERT_EQUAL(ct_phone_display("+15551234567", "US", small, 0), 0);
	CU_ASSERT_EQUAL(small[0], '\0');
}

static void
test_phone_digits(void)
{
	static const struct { const char *raw, *cc, *want; } t[] = {
		/* A full number already ends its E.164 form. */
		{ "(555) 555-0142", "US", "5555550142" },
		{ "1-555-555-0142", "US", "15555550142" },
		{ "+1 555 555 0142", "US", "15555550142" },
		/* A fragment keeps its digits. */
		{ "555-0142", "US", "5550142" },
		{ "0142", "US", "0142" },
		{ "79460018", "GB", "79460018" },
		/* A trunk or an international prefix is no part of E.164. */
		{ "020 7946 0018", "GB", "442079460018" },
		{ "0044 20 7946 0018", "GB", "442079460018" },
		{ "011 44 20 7946 0018", "US", "442079460018" },
		{ "030 123456", "DE", "4930123456" },
		/* Not a full number of the org's country: as typed. */
		{ "020 7946 0018", "US", "02079460018" },
		{ "020 7946 0018", "XX", "02079460018" },
		{ "020 7946 0018", NULL, "02079460018" },
		/* No digits, or too many. */
		{ "", "US", "" },
		{ "()-", "US", "" },
		{ "1234567890123456", "US", "" },
		{ NULL, "US", "" },
	};
	char out[32], small[4];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n;

		memset(out, 'x', sizeof(out));
		n = ct_phone_digits(t[i].raw, t[i].cc, out, sizeof(out));
		if (strcmp(out, t[i].want) != 0)
			fprintf(stderr, "phone: digits of %s in %s: '%s'\n",
			    t[i].raw ? t[i].raw : "NULL",
			    t[i].cc ? t[i].cc : "NULL", out);
		CU_ASSERT_STRING_EQUAL(out, t[i].want);
		CU_ASSERT_EQUAL(n, strlen(t[i].want));
	}
	memset(small, 'x', sizeof(small));
	CU_ASSERT_EQUAL(ct_phone_digits("5550142", "US", small, sizeof(small)), 0);
	CU_ASSERT_STRING_EQUAL(small, "");
}

int
suite_phone(void)
{
	static const struct test_case t[] = {
		{ "E.164 normalization table", test_phone_table },
		{ "a US org's forms, local numbers, letters, lengths",
		    test_phone_forms },
		{ "extensions", test_phone_extensions },
		{ "input bounded before parsing", test_phone_bounds },
		{ "init and known countries", test_phone_countries },
		{ "display in the org's country and another",
		    test_phone_display },
		{ "search digits", test_phone_digits },
		{ NULL, NULL } };
	return add_suite("phone", t);
}
