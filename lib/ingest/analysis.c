/*
 * analysis.c: a call's analysis, bounded, and its success read as a pass
 * or a fail.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "ingest/analysis.h"

int
ct_analysis_depth(json_object *v, int limit)
{
	int d, best = 0;
	size_t i, n;

	if (v == NULL)
		return 0;
	switch (json_object_get_type(v)) {
	case json_type_array:
		if (limit < 0)
			return 1;
		n = json_object_array_length(v);
		for (i = 0; i < n && best <= limit; i++)
			if ((d = ct_analysis_depth(json_object_array_get_idx(v,
			    i), limit - 1)) > best)
				best = d;
		return best + 1;
	case json_type_object: {
		if (limit < 0)
			return 1;
		json_object_object_foreach(v, key, val) {
			(void)key;
			if ((d = ct_analysis_depth(val, limit - 1)) > best)
				best = d;
			if (best > limit)
				break;
		}
		return best + 1;
	}
	default:
		return 0;
	}
}

char *
ct_analysis_build(const struct ct_analysis_part *parts, size_t n,
    const char **why)
{
	json_object *acc;
	const char *s;
	char *out = NULL;
	size_t i;

	*why = NULL;
	if ((acc = json_object_new_object()) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		json_object *v = parts[i].value;

		if (v == NULL)
			continue;
		if (parts[i].key == NULL) {
			if (!json_object_is_type(v, json_type_object)) {
				*why = "analysis not stored: it is not an object";
				continue;
			}
			json_object_object_foreach(v, key, val)
				json_object_object_add(acc, key,
				    json_object_get(val));
			continue;
		}
		if (!json_object_is_type(v, json_type_object) &&
		    !json_object_is_type(v, json_type_array)) {
			*why = "analysis not stored: a part of it is not an "
			    "object or an array";
			continue;
		}
		json_object_object_add(acc, parts[i].key, json_object_get(v));
	}
	if (json_object_object_length(acc) == 0)
		goto done;
	if (ct_analysis_depth(acc, CT_ANALYSIS_MAX_DEPTH) >
	    CT_ANALYSIS_MAX_DEPTH) {
		*why = "analysis not stored: it nests deeper than 16";
		goto done;
	}
	if (ct_json_holds_nul(acc)) {
		*why = "analysis not stored: it holds a NUL";
		goto done;
	}
	s = json_object_to_json_string_ext(acc, JSON_C_TO_STRING_PLAIN);
	if (s == NULL || strlen(s) > CT_ANALYSIS_MAX_BYTES) {
		*why = "analysis not stored: it is over 64 KB";
		goto done;
	}
	out = strdup(s);
done:
	json_object_put(acc);
	return out;
}

/* Words a rubric answers with (Vapi's PassFail, DescriptiveScale and
 * LikertScale; Retell's booleans as text), lower case. */
static const char *const pass_words[] = { "true", "yes", "pass", "passed",
    "success", "successful", "succeeded", "excellent", "very good", "good",
    "strongly agree", "agree", NULL };
static const char *const fail_words[] = { "false", "no", "fail", "failed",
    "failure", "unsuccessful", "fair", "poor", "very poor", "bad",
    "neutral", "neither agree nor disagree", "disagree",
    "strongly disagree", NULL };

static int
word_in(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* A finite, non-negative decimal number that is all of s; 1 and *out, or 0. */
static int
number(const char *s, double *out)
{
	char *end;

	if (!(isdigit((unsigned char)s[0]) || (s[0] == '.' &&
	    isdigit((unsigned char)s[1]))))
		return 0;
	*out = strtod(s, &end);
	return end != s && *end == '\0' && isfinite(*out);
}

/* A bare number read on its rubric's scale, or by its size without one. */
static int
scaled(double v, const char *rubric)
{
	if (rubric != NULL && strcmp(rubric, "NumericScale") == 0)
		return v >= 0 && v <= 10 ? v >= 7 : -1;
	if (rubric != NULL && strcmp(rubric, "PercentageScale") == 0)
		return v <= 100 ? v >= 70 : -1;
	if (rubric != NULL && strcmp(rubric, "LikertScale") == 0)
		return v >= 1 && v <= 5 ? v >= 4 : -1;
	if (rubric != NULL && strcmp(rubric, "PassFail") == 0)
		return v == 1 ? 1 : v == 0 ? 0 : -1;
	/* No rubric: a fraction of one, a 1-5 Likert point, a 1-10 scale,
	 * a percentage. */
	if (v == 0)
		return 0;
	if (v < 1)
		return v >= 0.7;
	if (v <= 5)
		return v >= 4;
	if (v <= 10)
		return v >= 7;
	if (v <= 100)
		return v >= 70;
	return -1;
}

int
ct_success_text(const char *s, const char *rubric)
{
	char buf[CT_SUCCESS_RAW_MAX + 1], *slash;
	size_t n, i;
	double a, b;

	if (s == NULL)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && (isspace((unsigned char)s[n - 1]) || s[n - 1] == '.' ||
	    s[n - 1] == '!'))
		n--;
	if (n == 0 || n > CT_SUCCESS_RAW_MAX)
		return -1;
	for (i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[n] = '\0';
	if (word_in(buf, pass_words))
		return 1;
	if (word_in(buf, fail_words))
		return 0;
	/* A letter grade, A to F, with an optional + or -. */
	if (buf[0] >= 'a' && buf[0] <= 'f' && (n == 1 || (n == 2 &&
	    (buf[1] == '+' || buf[1] == '-'))))
		return buf[0] <= 'c';
	/* A percentage. */
	if (buf[n - 1] == '%') {
		buf[n - 1] = '\0';
		if (!number(buf, &a) || a > 100)
			return -1;
		return a >= 70;
	}
	/* A point of a scale: "8/10", "4/5". */
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash = '\0';
		if (!number(buf, &a) || !number(slash + 1, &b) || b <= 0 ||
		    a > b)
			return -1;
		return a / b >= 0.7;
	}
	if (number(buf, &a))
		return scaled(a, rubric);
	return -1;
}

int
ct_success_eval(json_object *v, const char *rubric,
    char raw[CT_SUCCESS_RAW_MAX + 1])
{
	const char *s;
	size_t n;

	raw[0] = '\0';
	if (v == NULL)
		return -1;
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		snprintf(raw, CT_SUCCESS_RAW_MAX + 1, "%s",
		    json_object_get_boolean(v) ? "true" : "false");
		return json_object_get_boolean(v) ? 1 : 0;
	case json_type_int:
	case json_type_double:
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		snprintf(raw, CT_SUCCESS_RAW_MAX + 1, "%s", s ? s : "");
		if (!isfinite(json_object_get_double(v)) ||
		    json_object_get_double(v) < 0)
			return -1;
		return scaled(json_object_get_double(v), rubric);
	case json_type_string:
		s = json_object_get_string(v);
		n = (size_t)json_object_get_string_len(v);
		/* A NUL inside is no text: nothing of it is kept. */
		if (memchr(s, '\0', n) != NULL)
			return -1;
		if (n > CT_SUCCESS_RAW_MAX) {
			/* Cut on a character's first byte. */
			n = CT_SUCCESS_RAW_MAX;
			while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
				n--;
		}
		memcpy(raw, s, n);
		raw[n] = '\0';
		return ct_success_text(s, rubric);
	default:
		return -1;
	}
}
