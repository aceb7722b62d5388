/*
 * booking.c: booking outcome and its evidence.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "ingest/booking.h"
#include "core/json.h"

#define EVIDENCE_RESULT_MAX 500

bool
ct_booking_is_tool(const char *name, const char *const *tools, size_t n)
{
	size_t i;

	for (i = 0; name != NULL && i < n; i++)
		if (strcmp(name, tools[i]) == 0)
			return 1;
	return 0;
}

bool
ct_booking_result_ok(const char *content, int successful)
{
	json_object *o = NULL, *v;
	const char *p;
	int ok = 1;

	if (successful == 0 || content == NULL)
		return 0;
	for (p = content; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';)
		p++;
	if (strncasecmp(p, "error", 5) == 0)
		return 0;
	if (*p == '{' && ct_json_parse(content, strlen(content), &o) == CT_OK &&
	    json_object_is_type(o, json_type_object)) {
		if ((v = ct_json_path(o, "success")) != NULL &&
		    ct_json_truthy(v) == 0)
			ok = 0;
		if ((v = ct_json_path(o, "ok")) != NULL &&
		    ct_json_truthy(v) == 0)
			ok = 0;
		if ((v = ct_json_path(o, "error")) != NULL &&
		    !(json_object_is_type(v, json_type_string) &&
		    json_object_get_string_len(v) == 0) &&
		    !(json_object_is_type(v, json_type_boolean) &&
		    !json_object_get_boolean(v)))
			ok = 0;
		if ((p = ct_json_path_str(o, "status")) != NULL &&
		    (strcasecmp(p, "error") == 0 || strcasecmp(p, "failed") == 0 ||
		    strcasecmp(p, "failure") == 0))
			ok = 0;
	}
	json_object_put(o);
	return ok;
}

/* Returns at most max bytes of s, not cutting a UTF-8 character. */
static size_t
utf8_prefix(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (s[n] != '\0')
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	return n;
}

void
ct_booking_add(struct ct_booking *b, const char *tool, const char *call_id,
    const char *content, int successful)
{
	int ok = ct_booking_result_ok(content, successful);
	json_object *e;
	char *s;

	b->invocations++;
	b->succeeded += ok;
	if (b->evidence_is_success)	/* the first success decided it */
		return;
	if ((e = json_object_new_object()) == NULL)
		return;
	json_object_object_add(e, "tool", json_object_new_string(tool));
	if (call_id != NULL)
		json_object_object_add(e, "tool_call_id",
		    json_object_new_string(call_id));
	json_object_object_add(e, "successful", json_object_new_boolean(ok));
	if (content != NULL)
		json_object_object_add(e, "result", json_object_new_string_len(
		    content, (int)utf8_prefix(content, EVIDENCE_RESULT_MAX)));
	else
		json_object_object_add(e, "result", NULL);
	s = strdup(json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN));
	json_object_put(e);
	if (s != NULL) {
		free(b->evidence);
		b->evidence = s;
		b->evidence_is_success = ok;
	}
}

const char *
ct_booking_status(const struct ct_booking *b)
{
	if (b->succeeded > 0)
		return "confirmed";
	return b->invocations > 0 ? "attempted_failed" : "not_requested";
}

void
ct_booking_free(struct ct_booking *b)
{
	free(b->evidence);
	memset(b, 0, sizeof(*b));
}
