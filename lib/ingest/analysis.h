/*
 * analysis.h: what a provider's post-call analysis says of a call: the
 * analysis object (bounded) and success, read as a pass or a fail
 * (docs/DATA-MODEL.md "Analysis and success").
 *
 * Pure functions of their input: no I/O.
 */
#ifndef CT_ANALYSIS_H
#define CT_ANALYSIS_H

#include <stddef.h>

#include <json-c/json.h>

#define CT_ANALYSIS_MAX_BYTES 65536	/* serialized */
#define CT_ANALYSIS_MAX_DEPTH 16
#define CT_SUCCESS_RAW_MAX 200		/* bytes of the raw value kept */

/* One part of an analysis: its value, and the key it is stored under, or
 * NULL when its own keys go to the top level (it must be an object). */
struct ct_analysis_part {
	const char	*key;
	json_object	*value;		/* borrowed; NULL: absent */
};

/*
 * Builds the analysis of a call from n parts: each part with a NULL key
 * must be an object, whose keys go to the top level; a part with a key
 * must be an object or an array, stored under that key (after the top
 * level's, so it wins).  A part of the wrong type is left out.  The
 * whole is left out when it is over CT_ANALYSIS_MAX_BYTES serialized,
 * nests deeper than CT_ANALYSIS_MAX_DEPTH or holds a NUL (jsonb refuses
 * \u0000).  Returns the JSON text (malloc'd, the caller frees), or NULL
 * when nothing is left; *why is then a static sentence saying why when
 * something was left out, else NULL.
 */
char *ct_analysis_build(const struct ct_analysis_part *parts, size_t n,
    const char **why);

/* Returns how deep v nests: a scalar is 0, an empty object or array 1,
 * each level inside one more; at most limit + 1 is counted. */
int ct_analysis_depth(json_object *v, int limit);

/*
 * Reads a success evaluation as a pass (1), a fail (0) or unknown (-1),
 * and copies the raw value as text (at most CT_SUCCESS_RAW_MAX bytes, cut
 * on a UTF-8 boundary) into raw ("" when v is NULL or not a scalar).
 * rubric is the rubric the value was made with (Vapi's
 * analysisPlan.successEvaluationRubric, e.g. "NumericScale"), or NULL;
 * the rule is in docs/DATA-MODEL.md.
 */
int ct_success_eval(json_object *v, const char *rubric,
    char raw[CT_SUCCESS_RAW_MAX + 1]);

/* The same rule for a value given as text. */
int ct_success_text(const char *s, const char *rubric);

#endif
