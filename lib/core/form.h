/*
 * form.h: a strict, bounded parser for application/x-www-form-urlencoded.
 *
 * A pure function of its input: '+' is a space, %XX is a byte, keys may
 * repeat, values may be empty.  An invalid escape, a decoded NUL, or more
 * pairs than allowed is an error, never a guess.
 */
#ifndef CT_FORM_H
#define CT_FORM_H

#include <stddef.h>
#include "core/err.h"

#define CT_FORM_MAX_PAIRS 256

struct ct_form_pair {
	char	*name;		/* decoded, NUL-terminated */
	size_t	 name_len;
	char	*value;		/* decoded, NUL-terminated, may be "" */
	size_t	 value_len;
};

struct ct_form {
	struct ct_form_pair	*pairs;
	size_t			 n;
};

/*
 * Parses len bytes of body into form (pairs in the order sent).  Empty
 * segments ("a=1&&b=2") are skipped; a segment without '=' is a name with an
 * empty value.  Returns CT_OK, CT_ERR_MALFORMED_BODY (bad escape, NUL, more
 * than max_pairs pairs) or CT_ERR_NOMEM.  On success the caller owns form
 * and frees it with ct_form_free(); on failure form is empty.
 */
enum ct_err ct_form_parse(const char *body, size_t len, size_t max_pairs,
    struct ct_form *form) __attribute__((warn_unused_result));

/* Returns the first value of name, or NULL when absent. */
const char *ct_form_get(const struct ct_form *form, const char *name);

/* Frees what ct_form_parse allocated; a zeroed or freed form is a no-op. */
void ct_form_free(struct ct_form *form);

/*
 * Percent-decodes len bytes of s into out (at least len+1 bytes), '+' as
 * space when plus_is_space.  Writes the decoded length to *outlen.  Returns
 * CT_OK or CT_ERR_MALFORMED_BODY on an invalid escape or a decoded NUL.
 */
enum ct_err ct_form_decode(const char *s, size_t len, int plus_is_space,
    char *out, size_t *outlen) __attribute__((warn_unused_result));

#endif
