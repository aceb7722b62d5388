/*
 * query.h: the dashboard's query parameters, validated.
 *
 * Pure functions from a query string to a struct of values the SQL
 * functions take as parameters.  Each endpoint declares its parameters as
 * one table (kcgi's struct kvalid): a row names a parameter, its validator,
 * its bounds and where its value goes, and the parse walks the table, so
 * a value reaches the struct only through its row's validator.  The first
 * bad value is reported by name, for a 400 that names it.  Unknown
 * parameters are ignored; of a repeated one, the first counts.
 */
#ifndef CT_QUERY_H
#define CT_QUERY_H

#include <stdbool.h>

#include "core/err.h"
#include "core/form.h"

#define CT_QUERY_LIMIT_DEFAULT 25
#define CT_QUERY_LIMIT_MAX 100
#define CT_QUERY_PAGE_MAX 100000
#define CT_QUERY_CSV_CAP 100000
#define CT_QUERY_STATS_DAYS_MAX 36525	/* a stats range: 100 years */
#define CT_QUERY_AGENTS_MAX 20		/* agent ids in one filter */
#define CT_QUERY_ANALYSIS_MAX 3		/* analysis.<key>=<value> filters */
#define CT_QUERY_ANALYSIS_VALUE_MAX 200	/* bytes of such a value */

struct ct_calls_query {
	char		*digits;	/* digits of q (≥ 3), or NULL */
	char		*words;		/* text[] literal of q's words (ILIKE-
					   escaped), or NULL */
	char		*status, *direction, *booking, *sentiment;
	char		*lead_status, *end_reason;	/* text[] literals */
	const char	*from, *to;	/* date or ISO date-time, or NULL */
	char		 min_dur[24], max_dur[24];	/* "" when absent */
	int		 include_test;
	const char	*sort;		/* started_at | duration | cost */
	int		 desc;
	int		 limit;
	long long	 page;		/* 1-based; 0 with a cursor */
	char		*after_value;	/* from the cursor, or NULL */
	char		 after_id[37];	/* "" without a cursor */
	int		 csv;
	char		*agent;		/* text[] literal of agent ids, or NULL */
	const char	*success;	/* "t", "f" or NULL */
	char		*analysis;	/* text[] literal: key, value, ... */
	int		 n_analysis;	/* analysis.<key> filters, at most
					   CT_QUERY_ANALYSIS_MAX */
	struct ct_form	 form;		/* owns the decoded strings */
};

struct ct_stats_query {
	const char	*from, *to, *tz;	/* NULL when absent */
	int		 include_test;
	char		*agent;		/* text[] literal of agent ids, or NULL */
	const char	*group_by;	/* "agent" or NULL */
	struct ct_form	 form;
};

/*
 * One parameter: its name, its validator, its bounds (a number's range, or
 * the most bytes a text may have), the words it may be (or NULL), and the
 * offset in the query struct where its value goes.  The validator checks
 * v (a decoded value, NUL-free) and stores it at q + off; it returns CT_OK,
 * CT_ERR_INVALID_PARAMETER or CT_ERR_NOMEM.  What it allocates is freed
 * with the struct.  A name that ends in ".*" is a family: every parameter
 * named <prefix>.<key> goes through the validator, as v = "<key>=<value>",
 * and a bad one is reported under the prefix.
 */
struct ct_query_param {
	const char		*name;
	enum ct_err		(*valid)(const struct ct_query_param *p,
				    const char *v, void *q);
	long long		 min, max;
	const char *const	*allowed;
	size_t			 off;
};

/* The parameters of GET /api/calls and GET /api/stats, each table ended
 * by a row whose name is NULL. */
extern const struct ct_query_param ct_query_calls[];
extern const struct ct_query_param ct_query_stats[];

/*
 * Parses the query string of GET /api/calls into q.  Returns CT_OK, or
 * CT_ERR_INVALID_PARAMETER with *bad naming the parameter (a static
 * string).  The caller frees q with ct_calls_query_free() either way.
 */
enum ct_err ct_calls_query_parse(const char *query, struct ct_calls_query *q,
    const char **bad) __attribute__((warn_unused_result));
void ct_calls_query_free(struct ct_calls_query *q);

/* The same for GET /api/stats; a range (both bounds given) spans at most
 * CT_QUERY_STATS_DAYS_MAX days, else it is a bad "to". */
enum ct_err ct_stats_query_parse(const char *query, struct ct_stats_query *q,
    const char **bad) __attribute__((warn_unused_result));
void ct_stats_query_free(struct ct_stats_query *q);

/*
 * Makes the next_cursor of a page: the sort, the order, the last row's
 * sort value and id, base64url-encoded.  Returns a malloc'd string or NULL.
 */
char *ct_query_cursor(const char *sort, int desc, const char *value,
    const char *id);

/* Returns true when s is a UUID in its text form, else false. */
bool ct_query_uuid(const char *s);

/* Returns true when tz names a zone of the system's time zone database (a
 * TZif file, not a directory or a text file beside the zones), else false. */
bool ct_query_timezone(const char *tz);

#endif
