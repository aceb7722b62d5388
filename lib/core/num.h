/*
 * num.h: numbers parsed with explicit bounds, never with atoi.
 */
#ifndef CT_NUM_H
#define CT_NUM_H

#include <stddef.h>
#include "core/err.h"

/*
 * Parses the len bytes at s as a decimal integer in [min, max] into *out.
 * Accepts an optional leading '-' only when min < 0; no '+', no white space,
 * no leading zeros beyond a lone "0", at most 19 digits.  Returns CT_OK,
 * CT_ERR_INVALID_PARAMETER for anything that is not such a number, or
 * CT_ERR_RANGE when it is one but lies outside the bounds.  *out is written
 * only on CT_OK.
 */
enum ct_err ct_num_parse_i64(const char *s, size_t len, long long min,
    long long max, long long *out) __attribute__((warn_unused_result));

/* The same for a NUL-terminated string; NULL is CT_ERR_INVALID_PARAMETER. */
enum ct_err ct_num_parse_str(const char *s, long long min, long long max,
    long long *out) __attribute__((warn_unused_result));

#endif
