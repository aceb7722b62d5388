/*
 * phonenumber.cc: phone.h over libphonenumber, the tree's only C++.
 *
 * Each function of phone.h is defined here with C linkage and catches
 * every exception at its entry (an allocation in std::string, anything
 * libphonenumber throws), so none reaches C.  What libphonenumber is given
 * has been bounded and checked first: at most CT_PHONE_RAW_MAX bytes, no
 * letters (it reads vanity letters as digits), no extension (cut off
 * here).  PhoneNumberUtil is a singleton made on first use and never
 * freed; its default logger discards its messages.
 */
#include <cstring>
#include <new>
#include <string>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

/* err.h names a function after its struct (ct_err_info), which C allows
 * and g++'s -Wshadow reports as hiding the struct's constructor. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#include "ingest/phone.h"
#pragma GCC diagnostic pop

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace {

const char separators[] = " \t()-./";

/* The metadata, loaded on first use (libphonenumber makes it once). */
const PhoneNumberUtil *
util()
{
	return PhoneNumberUtil::GetInstance();
}

/* s's length when it is at most max bytes, else max + 1. */
size_t
bounded_len(const char *s, size_t max)
{
	return strnlen(s, max + 1);
}

bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * The region libphonenumber knows country by, upper case, into region;
 * false when country is not two ASCII letters or has no metadata.
 */
bool
region_of(const char *country, std::string &region)
{
	char r[3];

	if (country == NULL || bounded_len(country, 2) != 2)
		return false;
	for (int i = 0; i < 2; i++) {
		char c = country[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < 'A' || c > 'Z')
			return false;
		r[i] = c;
	}
	r[2] = '\0';
	region = r;
	return util()->GetCountryCodeForRegion(region) != 0;
}

/* Whether s starts with the ASCII word w, in any case. */
bool
starts_with_word(const char *s, const char *w)
{
	for (; *w != '\0'; s++, w++) {
		char c = *s;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != *w)
			return false;
	}
	return true;
}

/*
 * Whether s (what follows a number) is an extension: one of its markers,
 * optional spaces, 1 to 10 digits, optional spaces, the end.
 */
bool
is_extension(const char *s)
{
	/* Longest first, so "ext." is not read as "ext" and a '.'. */
	static const char *const markers[] = { ";ext=", "extension", "ext.",
	    "ext", "x", "#" };
	const size_t nmarkers = sizeof(markers) / sizeof(markers[0]);
	size_t i, n = 0;

	for (i = 0; i < nmarkers && !starts_with_word(s, markers[i]); i++)
		;
	if (i == nmarkers)
		return false;
	s += strlen(markers[i]);
	while (*s == ' ' || *s == '\t')
		s++;
	while (is_digit(*s)) {
		s++;
		n++;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0' && n >= 1 && n <= 10;
}

/*
 * The number part of raw, checked by the rules of phone.h, into number;
 * false when raw is no number by them.
 */
bool
number_part(const char *raw, std::string &number)
{
	const char *p = raw;
	size_t digits = 0;
	bool plus = false;

	if (bounded_len(raw, CT_PHONE_RAW_MAX) > CT_PHONE_RAW_MAX)
		return false;
	if (starts_with_word(p, "tel:"))
		p += 4;
	const char *start = p;
	for (; *p != '\0'; p++) {
		if (is_digit(*p))
			digits++;
		else if (*p == '+' && digits == 0 && !plus)
			plus = true;
		else if (strchr(separators, *p) == NULL)
			break;
	}
	if (digits == 0 || (*p != '\0' && !is_extension(p)))
		return false;
	number.assign(start, (size_t)(p - start));
	return true;
}

/* The E.164 form of raw in country, into e164; false when there is none. */
bool
e164_of(const char *raw, const char *country, std::string &e164)
{
	const PhoneNumberUtil *u = util();
	std::string region, number;
	PhoneNumber pn;

	if (raw == NULL || !region_of(country, region) ||
	    !number_part(raw, number))
		return false;
	if (u->Parse(number, region, &pn) != PhoneNumberUtil::NO_PARSING_ERROR)
		return false;
	if (u->IsPossibleNumberWithReason(pn) != PhoneNumberUtil::IS_POSSIBLE)
		return false;
	u->Format(pn, PhoneNumberUtil::E164, &e164);
	/* What the schema's CHECK takes: '+', a non-zero digit, at most 15. */
	if (e164.size() < 3 || e164.size() > CT_PHONE_E164_MAX - 1 ||
	    e164[0] != '+' || e164[1] == '0')
		return false;
	for (size_t i = 1; i < e164.size(); i++)
		if (!is_digit(e164[i]))
			return false;
	return true;
}

/* Copies s into out (size bytes) when it fits; its length, else 0 and "". */
size_t
copy_out(const std::string &s, char *out, size_t size)
{
	if (size == 0)
		return 0;
	if (s.size() >= size) {
		out[0] = '\0';
		return 0;
	}
	memcpy(out, s.c_str(), s.size() + 1);
	return s.size();
}

}  // namespace

extern "C" enum ct_err
ct_phone_init(void)
{
	/* libphonenumber compiles its regular expressions on first use and
	 * keeps them: a number of each form read here, before the fork, has
	 * the workers share them as well as the metadata. */
	static const char *const forms[] = { "(555) 123-4567",
	    "+44 20 7946 0018", "tel:+1-555-123-4567;ext=89" };
	char out[CT_PHONE_DISPLAY_MAX];

	try {
		if (util() == NULL)
			return CT_ERR_INTERNAL;
		for (const char *f : forms) {
			std::string e164;

			if (!e164_of(f, "US", e164))
				return CT_ERR_INTERNAL;
			(void)ct_phone_display(e164.c_str(), "US", out,
			    sizeof(out));
			(void)ct_phone_display(e164.c_str(), "GB", out,
			    sizeof(out));
		}
		return CT_OK;
	} catch (...) {
		return CT_ERR_INTERNAL;
	}
}

extern "C" bool
ct_phone_country_known(const char *country)
{
	try {
		std::string region;

		return region_of(country, region);
	} catch (...) {
		return false;
	}
}

extern "C" enum ct_err
ct_phone_e164(const char *raw, const char *country,
    char out[CT_PHONE_E164_MAX])
{
	out[0] = '\0';
	try {
		std::string e164;

		if (!e164_of(raw, country, e164))
			return CT_ERR_INVALID_PARAMETER;
		memcpy(out, e164.c_str(), e164.size() + 1);
		return CT_OK;
	} catch (const std::bad_alloc &) {
		out[0] = '\0';
		return CT_ERR_NOMEM;
	} catch (...) {
		out[0] = '\0';
		return CT_ERR_INTERNAL;
	}
}

extern "C" size_t
ct_phone_display(const char *e164, const char *country, char *out,
    size_t size)
{
	if (size > 0)
		out[0] = '\0';
	try {
		const PhoneNumberUtil *u = util();
		std::string region, form;
		PhoneNumber pn;
		size_t n;

		if (e164 == NULL || (n = bounded_len(e164, CT_PHONE_E164_MAX)) < 3 ||
		    n > CT_PHONE_E164_MAX - 1 || e164[0] != '+' || e164[1] == '0')
			return 0;
		for (size_t i = 1; i < n; i++)
			if (!is_digit(e164[i]))
				return 0;
		if (u->Parse(e164, "ZZ", &pn) != PhoneNumberUtil::NO_PARSING_ERROR)
			return 0;
		bool home = region_of(country, region) &&
		    u->GetCountryCodeForRegion(region) == pn.country_code();
		u->Format(pn, home ? PhoneNumberUtil::NATIONAL :
		    PhoneNumberUtil::INTERNATIONAL, &form);
		if (form.empty() || form.size() > CT_PHONE_DISPLAY_MAX - 1)
			return 0;
		return copy_out(form, out, size);
	} catch (...) {
		if (size > 0)
			out[0] = '\0';
		return 0;
	}
}

extern "C" size_t
ct_phone_digits(const char *raw, const char *country, char *out,
    size_t size)
{
	if (size > 0)
		out[0] = '\0';
	try {
		std::string typed, e164;

		if (raw == NULL || bounded_len(raw, CT_PHONE_RAW_MAX) >
		    CT_PHONE_RAW_MAX)
			return 0;
		for (const char *p = raw; *p != '\0'; p++)
			if (is_digit(*p))
				typed += *p;
		if (typed.empty() || typed.size() > CT_PHONE_E164_MAX - 2)
			return 0;
		/* A full number whose E.164 form does not end with what was
		 * typed (a trunk prefix, an international prefix): that form's
		 * digits.  Otherwise what was typed, which matches at least
		 * as many numbers. */
		if (e164_of(raw, country, e164)) {
			std::string full = e164.substr(1);

			if (full.size() < typed.size() ||
			    full.compare(full.size() - typed.size(),
			    typed.size(), typed) != 0)
				return copy_out(full, out, size);
		}
		return copy_out(typed, out, size);
	} catch (...) {
		if (size > 0)
			out[0] = '\0';
		return 0;
	}
}
