/*
 * json.h: the one way calltrack parses JSON from outside.
 */
#ifndef CT_JSON_H
#define CT_JSON_H

#include <stdbool.h>

#include <stddef.h>
#include <json-c/json.h>

#include "core/err.h"

#define CT_JSON_MAX_DEPTH 32

/*
 * Parses exactly len bytes of buf as one JSON value with json-c in strict
 * mode, UTF-8 strictly validated, double quotes only, nesting at most CT_JSON_MAX_DEPTH deep.  Trailing
 * white space is allowed, anything else after the value is not, nor is an
 * embedded NUL.  On CT_OK the caller owns *out (json_object_put); on
 * CT_ERR_MALFORMED_BODY or CT_ERR_NOMEM *out is NULL.
 */
enum ct_err ct_json_parse(const char *buf, size_t len, json_object **out)
    __attribute__((warn_unused_result));

/*
 * Returns 1 when the len bytes at buf are well-formed UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), else 0.
 */
int ct_utf8_valid(const char *buf, size_t len);

/*
 * Returns the string at the dotted path (e.g. "message.call.id") inside obj,
 * or NULL when any step is missing or the leaf is not a non-empty string.
 * A string holding a NUL (\u0000) is NULL too: no C string holds it whole,
 * and its text cut at the NUL is not what was sent.  The string belongs to
 * obj.
 */
const char *ct_json_path_str(json_object *obj, const char *path);

/*
 * Reads a string that identifies something (a call id, an event type, an
 * input of a dedup key) at path: *out is the string, or NULL when it is
 * missing, empty or not a string (as ct_json_path_str).  Returns CT_OK, or
 * CT_ERR_MALFORMED_BODY when it is a string holding a NUL: read as a C
 * string, "a\u0000b" and "a\u0000c" would name one thing.
 */
enum ct_err ct_json_path_key(json_object *obj, const char *path,
    const char **out) __attribute__((warn_unused_result));

/* Returns true when the value at path is a string holding a NUL, else false. */
bool ct_json_path_has_nul(json_object *obj, const char *path);

/*
 * Returns true when obj or any value inside it (at most CT_JSON_MAX_DEPTH
 * deep, as ct_json_parse allows) is a string holding a NUL, else false: such a
 * value cannot go into a jsonb column, which refuses \u0000.
 */
bool ct_json_holds_nul(json_object *obj);

/*
 * Returns the value at the dotted path inside obj (any type), or NULL when
 * a step is missing or the value is JSON null.  It belongs to obj.
 */
json_object *ct_json_path(json_object *obj, const char *path);

/*
 * Reads a number at path: a JSON number, or a string holding one (as
 * providers sometimes send), finite.  Returns true and sets *out, else false.
 */
bool ct_json_path_number(json_object *obj, const char *path, double *out);

/*
 * Reads a truthy flag: true, 1, "true", "1", "yes" (any case) → 1; false,
 * 0, "false", "0", "no" → 0; anything else or missing → -1.
 */
int ct_json_truthy(json_object *v);

/* The first non-empty string at any of the paths (NULL-terminated list),
 * or NULL. */
const char *ct_json_first_str(json_object *obj, const char *const *paths);

/* Returns true when the value at any of the paths (NULL-terminated) is
 * truthy (ct_json_truthy), else false. */
bool ct_json_any_truthy(json_object *obj, const char *const *paths);

#endif
