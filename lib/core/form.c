/*
 * form.c: x-www-form-urlencoded parsing.
 */
#include <stdlib.h>
#include <string.h>

#include "core/form.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum ct_err
ct_form_decode(const char *s, size_t len, int plus_is_space, char *out,
    size_t *outlen)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3)	/* "%" or "%X" at the end */
				return CT_ERR_MALFORMED_BODY;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return CT_ERR_MALFORMED_BODY;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if (c == '\0')
			return CT_ERR_MALFORMED_BODY;
		out[o++] = c;
	}
	out[o] = '\0';
	*outlen = o;
	return CT_OK;
}

void
ct_form_free(struct ct_form *form)
{
	size_t i;

	if (form == NULL)
		return;
	for (i = 0; i < form->n; i++) {
		free(form->pairs[i].name);
		free(form->pairs[i].value);
	}
	free(form->pairs);
	form->pairs = NULL;
	form->n = 0;
}

static enum ct_err
decode_dup(const char *s, size_t len, char **out, size_t *outlen)
{
	enum ct_err err;

	if ((*out = malloc(len + 1)) == NULL)
		return CT_ERR_NOMEM;
	if ((err = ct_form_decode(s, len, 1, *out, outlen)) != CT_OK) {
		free(*out);
		*out = NULL;
	}
	return err;
}

enum ct_err
ct_form_parse(const char *body, size_t len, size_t max_pairs,
    struct ct_form *form)
{
	const char *p = body, *end = body + len;
	enum ct_err err = CT_OK;

	form->pairs = NULL;
	form->n = 0;
	if (max_pairs > CT_FORM_MAX_PAIRS)
		max_pairs = CT_FORM_MAX_PAIRS;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *seg_end = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(seg_end - p));
		struct ct_form_pair *pair;

		if (seg_end == p) {		/* empty segment */
			p = seg_end + 1;
			continue;
		}
		if (form->n == max_pairs) {
			err = CT_ERR_MALFORMED_BODY;
			goto fail;
		}
		if (form->n == 0) {
			form->pairs = calloc(max_pairs, sizeof(*form->pairs));
			if (form->pairs == NULL) {
				err = CT_ERR_NOMEM;
				goto fail;
			}
		}
		pair = &form->pairs[form->n];
		if (eq == NULL)
			eq = seg_end;
		if ((err = decode_dup(p, (size_t)(eq - p), &pair->name,
		    &pair->name_len)) != CT_OK)
			goto fail;
		form->n++;
		if (eq == seg_end)
			err = decode_dup("", 0, &pair->value, &pair->value_len);
		else
			err = decode_dup(eq + 1, (size_t)(seg_end - eq - 1),
			    &pair->value, &pair->value_len);
		if (err != CT_OK)
			goto fail;
		p = seg_end + 1;
	}
	return CT_OK;
fail:
	ct_form_free(form);
	return err;
}

const char *
ct_form_get(const struct ct_form *form, const char *name)
{
	size_t i;

	for (i = 0; i < form->n; i++)
		if (strcmp(form->pairs[i].name, name) == 0)
			return form->pairs[i].value;
	return NULL;
}
