/*
 * num.c: bounded decimal parsing.
 */
#include <limits.h>
#include <string.h>

#include "core/num.h"

enum ct_err
ct_num_parse_i64(const char *s, size_t len, long long min, long long max,
    long long *out)
{
	unsigned long long mag = 0, limit;
	int neg = 0;
	size_t i = 0, digits;

	if (s == NULL || len == 0)
		return CT_ERR_INVALID_PARAMETER;
	if (s[0] == '-') {
		if (min >= 0)
			return CT_ERR_INVALID_PARAMETER;
		neg = 1;
		i = 1;
	}
	digits = len - i;
	if (digits == 0 || digits > 19)
		return digits == 0 ? CT_ERR_INVALID_PARAMETER : CT_ERR_RANGE;
	if (s[i] == '0' && digits > 1)
		return CT_ERR_INVALID_PARAMETER;
	/* The magnitude of LLONG_MIN is one more than LLONG_MAX. */
	limit = neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
	for (; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return CT_ERR_INVALID_PARAMETER;
		d = (unsigned)(s[i] - '0');
		if (mag > (limit - d) / 10)
			return CT_ERR_RANGE;
		mag = mag * 10 + d;
	}
	if (neg) {
		long long v = mag == (unsigned long long)LLONG_MAX + 1 ?
		    LLONG_MIN : -(long long)mag;
		if (v < min || v > max)
			return CT_ERR_RANGE;
		*out = v;
	} else {
		if (mag > (unsigned long long)LLONG_MAX ||
		    (long long)mag < min || (long long)mag > max)
			return CT_ERR_RANGE;
		*out = (long long)mag;
	}
	return CT_OK;
}

enum ct_err
ct_num_parse_str(const char *s, long long min, long long max, long long *out)
{
	if (s == NULL)
		return CT_ERR_INVALID_PARAMETER;
	return ct_num_parse_i64(s, strlen(s), min, max, out);
}
