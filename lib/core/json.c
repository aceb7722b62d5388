/*
 * json.c: strict JSON parsing with json-c.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"

int
ct_utf8_valid(const char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t i = 0;

	while (i < len) {
		unsigned c, need, min, cp, k;
		uint64_t w;

		/* Eight ASCII bytes at a time: a report is mostly ASCII. */
		if (len - i >= sizeof(w)) {
			memcpy(&w, p + i, sizeof(w));
			if ((w & UINT64_C(0x8080808080808080)) == 0) {
				i += sizeof(w);
				continue;
			}
		}
		if ((c = p[i]) < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1; min = 0x80; cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2; min = 0x800; cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3; min = 0x10000; cp = c & 0x07;
		} else {
			return 0;	/* continuation, C0/C1, F5..FF */
		}
		if (len - i <= need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		/* Overlong forms, UTF-16 surrogates, beyond Unicode. */
		if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		i += need + 1;
	}
	return 1;
}

/*
 * json-c 0.16 accepts single-quoted strings even in strict mode: refuse a
 * quote other than '"' outside a string before json-c sees the text.
 */
static int
quotes_strict(const char *buf, size_t len)
{
	int in_string = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '\'') {
			return 0;
		}
	}
	return 1;
}

/*
 * Does every number in v have a finite value?  json-c takes the tokens NaN
 * and Infinity even in strict mode, and a literal past a double's range
 * (1e999) as infinity: none is a number of RFC 8259's.
 */
static int
finite_numbers(json_object *v)
{
	size_t i, n;

	switch (json_object_get_type(v)) {
	case json_type_double:
		return isfinite(json_object_get_double(v));
	case json_type_array:
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			if (!finite_numbers(json_object_array_get_idx(v, i)))
				return 0;
		return 1;
	case json_type_object: {
		json_object_object_foreach(v, key, val) {
			(void)key;
			if (!finite_numbers(val))
				return 0;
		}
		return 1;
	}
	default:
		return 1;
	}
}

enum ct_err
ct_json_parse(const char *buf, size_t len, json_object **out)
{
	json_tokener *tok;
	json_object *obj;
	size_t end;

	*out = NULL;
	/* json-c's own UTF-8 check lets overlong forms through. */
	if (len > 0x7fffffff || memchr(buf, '\0', len) != NULL ||
	    !ct_utf8_valid(buf, len) || !quotes_strict(buf, len))
		return CT_ERR_MALFORMED_BODY;
	if ((tok = json_tokener_new_ex(CT_JSON_MAX_DEPTH)) == NULL)
		return CT_ERR_NOMEM;
	/* Strict, without json-c's own UTF-8 pass: ct_utf8_valid() above
	 * refused all that one would, and more. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		/* A value cut short reports "continue": that is malformed. */
		json_object_put(obj);
		json_tokener_free(tok);
		return CT_ERR_MALFORMED_BODY;
	}
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	for (; end < len; end++) {
		if (strchr(" \t\r\n", buf[end]) == NULL) {
			json_object_put(obj);
			return CT_ERR_MALFORMED_BODY;
		}
	}
	/* The nesting is at most CT_JSON_MAX_DEPTH: so is the walk. */
	if (!finite_numbers(obj)) {
		json_object_put(obj);
		return CT_ERR_MALFORMED_BODY;
	}
	*out = obj;
	return CT_OK;
}

json_object *
ct_json_path(json_object *obj, const char *path)
{
	char step[64];
	const char *p = path;

	while (obj != NULL && *p != '\0') {
		size_t n = strcspn(p, ".");

		if (n >= sizeof(step))
			return NULL;
		memcpy(step, p, n);
		step[n] = '\0';
		if (!json_object_is_type(obj, json_type_object) ||
		    !json_object_object_get_ex(obj, step, &obj))
			return NULL;
		p += n;
		if (*p == '.')
			p++;
	}
	return obj;
}

/* Does the JSON string s hold a NUL (\u0000) before its end? */
static int
holds_nul(json_object *s)
{
	return strlen(json_object_get_string(s)) !=
	    (size_t)json_object_get_string_len(s);
}

const char *
ct_json_path_str(json_object *obj, const char *path)
{
	obj = ct_json_path(obj, path);
	if (obj == NULL || !json_object_is_type(obj, json_type_string) ||
	    json_object_get_string_len(obj) == 0 || holds_nul(obj))
		return NULL;
	return json_object_get_string(obj);
}

enum ct_err
ct_json_path_key(json_object *obj, const char *path, const char **out)
{
	*out = NULL;
	obj = ct_json_path(obj, path);
	if (obj == NULL || !json_object_is_type(obj, json_type_string) ||
	    json_object_get_string_len(obj) == 0)
		return CT_OK;
	if (holds_nul(obj))
		return CT_ERR_MALFORMED_BODY;
	*out = json_object_get_string(obj);
	return CT_OK;
}

bool
ct_json_holds_nul(json_object *obj)
{
	size_t i, n;

	if (obj == NULL)
		return 0;
	switch (json_object_get_type(obj)) {
	case json_type_string:
		return holds_nul(obj);
	case json_type_array:
		n = json_object_array_length(obj);
		for (i = 0; i < n; i++)
			if (ct_json_holds_nul(json_object_array_get_idx(obj, i)))
				return 1;
		return 0;
	case json_type_object: {
		json_object_object_foreach(obj, key, v) {
			(void)key;
			if (ct_json_holds_nul(v))
				return 1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

bool
ct_json_path_has_nul(json_object *obj, const char *path)
{
	obj = ct_json_path(obj, path);
	return obj != NULL && json_object_is_type(obj, json_type_string) &&
	    holds_nul(obj);
}

bool
ct_json_path_number(json_object *obj, const char *path, double *out)
{
	const char *s;
	char *end;
	double v;

	obj = ct_json_path(obj, path);
	if (obj == NULL)
		return 0;
	if (json_object_is_type(obj, json_type_int) ||
	    json_object_is_type(obj, json_type_double)) {
		v = json_object_get_double(obj);
	} else if (json_object_is_type(obj, json_type_string)) {
		s = json_object_get_string(obj);
		/* Digits, sign, point, exponent only: no "inf", "nan", hex. */
		if (*s == '\0' || strspn(s, "0123456789+-.eE") != strlen(s))
			return 0;
		v = strtod(s, &end);
		if (*end != '\0')
			return 0;
	} else {
		return 0;
	}
	if (!isfinite(v))
		return 0;
	*out = v;
	return 1;
}

int
ct_json_truthy(json_object *v)
{
	const char *s;

	if (v == NULL)
		return -1;
	if (json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v) ? 1 : 0;
	if (json_object_is_type(v, json_type_int))
		return json_object_get_int64(v) == 1 ? 1 :
		    json_object_get_int64(v) == 0 ? 0 : -1;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0 ||
	    strcasecmp(s, "yes") == 0)
		return 1;
	if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0 ||
	    strcasecmp(s, "no") == 0)
		return 0;
	return -1;
}

const char *
ct_json_first_str(json_object *obj, const char *const *paths)
{
	const char *s;

	for (; *paths != NULL; paths++)
		if ((s = ct_json_path_str(obj, *paths)) != NULL)
			return s;
	return NULL;
}

bool
ct_json_any_truthy(json_object *obj, const char *const *paths)
{
	for (; *paths != NULL; paths++)
		if (ct_json_truthy(ct_json_path(obj, *paths)) == 1)
			return 1;
	return 0;
}
