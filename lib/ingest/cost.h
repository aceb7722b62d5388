/*
 * cost.h: a call's cost by part, in USD (docs/DATA-MODEL.md "Cost by
 * part").
 *
 * Each provider names its parts its own way; lib/data/cost-parts.tsv maps
 * every name to one of calltrack's six parts, and the build turns it into
 * ct_cost_names (tools/gen-cost-parts).  Pure functions: no I/O.
 */
#ifndef CT_COST_H
#define CT_COST_H

#include <stddef.h>

#include <json-c/json.h>

#define CT_COST_PART_MAX_USD 1e6	/* a part above it is dropped */

enum ct_cost_part {
	CT_COST_TRANSPORT,
	CT_COST_STT,
	CT_COST_LLM,
	CT_COST_TTS,
	CT_COST_PLATFORM,
	CT_COST_OTHER,
	CT_COST__MAX
};

/* One line of lib/data/cost-parts.tsv: where a name is read, the name or
 * a pattern ("gpt_*", "*_tts", "*"), and its part (NULL: no cost). */
struct ct_cost_name {
	const char	*source;
	const char	*name;
	const char	*part;
};

extern const struct ct_cost_name ct_cost_names[];
extern const size_t ct_cost_names_n;

/* The sums by part, and how many parts were read and dropped. */
struct ct_cost_breakdown {
	double	usd[CT_COST__MAX];
	int	read;
	int	dropped;
};

/* The name of each part ("transport", "stt", ...), by enum ct_cost_part. */
extern const char *const ct_cost_part_names[CT_COST__MAX];

/*
 * Returns the part a provider's name of source maps to: an exact line
 * first, then the first pattern that matches, in the file's order; -1
 * when the table says it is no cost or knows nothing of it.
 */
int ct_cost_part_of(const char *source, const char *name);

/*
 * Adds one part, value (a JSON number) times scale (0.01 for cents), to b
 * under the part name maps to.  A value that is not a JSON number (a
 * string, "NaN"), is negative, or is over CT_COST_PART_MAX_USD once
 * scaled is dropped (counted in b->dropped); a name that maps to no part
 * is ignored.
 */
void ct_cost_add(struct ct_cost_breakdown *b, const char *source,
    const char *name, json_object *value, double scale);

/*
 * Returns the breakdown as a JSON object of the six parts in USD (six
 * decimals), malloc'd for the caller to free; NULL when no part was read.
 */
char *ct_cost_json(const struct ct_cost_breakdown *b);

#endif
