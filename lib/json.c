/*
 * json.c: strict JSON parsing with json-c.
 */
#include <string.h>

#include "json.h"

enum ct_err
ct_json_parse(const char *buf, size_t len, json_object **out)
{
	json_tokener *tok;
	json_object *obj;
	size_t end;

	*out = NULL;
	if (len > 0x7fffffff || memchr(buf, '\0', len) != NULL)
		return CT_ERR_MALFORMED_BODY;
	if ((tok = json_tokener_new_ex(CT_JSON_MAX_DEPTH)) == NULL)
		return CT_ERR_NOMEM;
	json_tokener_set_flags(tok,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
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
	*out = obj;
	return CT_OK;
}

const char *
ct_json_path_str(json_object *obj, const char *path)
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
	if (obj == NULL || !json_object_is_type(obj, json_type_string) ||
	    json_object_get_string_len(obj) == 0)
		return NULL;
	return json_object_get_string(obj);
}
