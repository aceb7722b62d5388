/*
 * cost.c: a call's cost by part, through the table of part names.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/cost.h"

const char *const ct_cost_part_names[CT_COST__MAX] = {
	[CT_COST_TRANSPORT] = "transport",
	[CT_COST_STT] = "stt",
	[CT_COST_LLM] = "llm",
	[CT_COST_TTS] = "tts",
	[CT_COST_PLATFORM] = "platform",
	[CT_COST_OTHER] = "other",
};

/* Does name match pattern: itself, "*", "prefix*" or "*suffix"? */
static int
matches(const char *pattern, const char *name)
{
	size_t p = strlen(pattern), n = strlen(name);

	if (strcmp(pattern, "*") == 0)
		return 1;
	if (p > 0 && pattern[p - 1] == '*')
		return n >= p - 1 && strncmp(pattern, name, p - 1) == 0;
	if (pattern[0] == '*')
		return n >= p - 1 && strcmp(name + n - (p - 1), pattern + 1) == 0;
	return 0;
}

static int
part_index(const char *part)
{
	int i;

	for (i = 0; part != NULL && i < CT_COST__MAX; i++)
		if (strcmp(part, ct_cost_part_names[i]) == 0)
			return i;
	return -1;
}

int
ct_cost_part_of(const char *source, const char *name)
{
	size_t i;

	if (source == NULL || name == NULL)
		return -1;
	for (i = 0; i < ct_cost_names_n; i++)
		if (strcmp(ct_cost_names[i].source, source) == 0 &&
		    strcmp(ct_cost_names[i].name, name) == 0)
			return part_index(ct_cost_names[i].part);
	for (i = 0; i < ct_cost_names_n; i++)
		if (strcmp(ct_cost_names[i].source, source) == 0 &&
		    strchr(ct_cost_names[i].name, '*') != NULL &&
		    matches(ct_cost_names[i].name, name))
			return part_index(ct_cost_names[i].part);
	return -1;
}

void
ct_cost_add(struct ct_cost_breakdown *b, const char *source,
    const char *name, json_object *value, double scale)
{
	int part = ct_cost_part_of(source, name);
	double v;

	if (part < 0 || value == NULL)
		return;
	/* Only a number is a cost: "0.42" and "NaN" as strings are not. */
	if (!json_object_is_type(value, json_type_double) &&
	    !json_object_is_type(value, json_type_int)) {
		b->dropped++;
		return;
	}
	v = json_object_get_double(value) * scale;
	if (!isfinite(v) || v < 0 || v > CT_COST_PART_MAX_USD) {
		b->dropped++;
		return;
	}
	b->usd[part] += v;
	b->read++;
}

char *
ct_cost_json(const struct ct_cost_breakdown *b)
{
	char buf[512];
	size_t o = 0;
	int i, n;

	if (b->read == 0)
		return NULL;
	buf[o++] = '{';
	for (i = 0; i < CT_COST__MAX; i++) {
		/* At most 6 parts of at most 1e6 each: 7 digits, 6 decimals. */
		n = snprintf(buf + o, sizeof(buf) - o, "%s\"%s\":%.6f",
		    i > 0 ? "," : "", ct_cost_part_names[i], b->usd[i]);
		if (n < 0 || (size_t)n >= sizeof(buf) - o)
			return NULL;
		o += (size_t)n;
	}
	if (o + 2 > sizeof(buf))
		return NULL;
	buf[o++] = '}';
	buf[o] = '\0';
	return strdup(buf);
}
