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
#define CT_QUERY_CSV_CAP 1000000
#define CT_QUERY_STATS_DAYS_MAX 36525	/* a stats range: 100 years */
#define CT_QUERY_INGEST_DAYS_MAX 366	/* an ingestion range: a year */
#define CT_QUERY_TIME_MAX 40		/* an ISO 8601 time and NUL */
#define CT_QUERY_AGENTS_MAX 20		/* agent ids in one filter */
#define CT_QUERY_ANALYSIS_MAX 3		/* analysis.<key>=<value> filters */
#define CT_QUERY_ANALYSIS_VALUE_MAX 200	/* bytes of such a value */

struct ct_calls_query {
	char		*digits;	/* digits of q (≥ 3), or NULL */
	int		 digits_plus;	/* q's number began with '+' */
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

/* GET /api/contacts (docs/API.md "Contacts and leads"). */
struct ct_contacts_query {
	char		*digits;	/* as in struct ct_calls_query */
	int		 digits_plus;
	char		*words;
	char		*lead_status;	/* text[] literal */
	int		 has_name;	/* 1, 0, or -1 when not given */
	const char	*sort;		/* last_contacted_at | lead_score |
					   name | created_at | call_count */
	int		 desc;
	int		 limit;
	long long	 page;		/* 1-based; 0 with a cursor */
	char		*after_value;	/* from the cursor, or NULL */
	char		 after_id[37];	/* "" without a cursor */
	int		 csv;
	struct ct_form	 form;
};

/* GET /api/alerts. */
struct ct_alerts_query {
	const char	*state;		/* open | acknowledged | all */
	int		 limit;
	char		*after_value;	/* the cursor's time, or NULL */
	char		 after_id[37];	/* "" without a cursor */
	struct ct_form	 form;
};

struct ct_stats_query {
	const char	*from, *to, *tz;	/* NULL when absent */
	int		 include_test;
	char		*agent;		/* text[] literal of agent ids, or NULL */
	const char	*group_by;	/* "agent" or NULL */
	struct ct_form	 form;
};

/* GET /api/ingest: the range, the last 24 hours by default. */
struct ct_ingest_query {
	const char	*from, *to;	/* date or ISO date-time, or NULL */
	struct ct_form	 form;
};

/* GET /api/ingest/deliveries. */
struct ct_ingest_deliveries_query {
	const char	*integration;	/* a slug, or NULL */
	const char	*outcome;	/* applied, recorded, parked, duplicate,
					   rejected, or NULL */
	const char	*call_id;	/* a UUID, or NULL */
	int		 limit;
	char		 after_at[CT_QUERY_TIME_MAX];	/* "" without a cursor */
	char		 after_kind[2];	/* "e", "d" or "r"; "" without */
	char		 after_id[24];	/* decimal; "" without */
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
/* The same of GET /api/ingest and GET /api/ingest/deliveries. */
extern const struct ct_query_param ct_query_ingest[];
extern const struct ct_query_param ct_query_ingest_deliveries[];

/* The parameters of GET /api/contacts and GET /api/alerts. */
extern const struct ct_query_param ct_query_contacts[];
extern const struct ct_query_param ct_query_alerts[];

/*
 * Parses the query string of GET /api/calls into q.  Returns CT_OK, or
 * CT_ERR_INVALID_PARAMETER with *bad naming the parameter (a static
 * string).  The caller frees q with ct_calls_query_free() either way.
 */
enum ct_err ct_calls_query_parse(const char *query, struct ct_calls_query *q,
    const char **bad) __attribute__((warn_unused_result));
void ct_calls_query_free(struct ct_calls_query *q);

/*
 * Reads the number of a parsed search (q->digits) in the org's country
 * (ISO 3166 alpha-2), so that it matches the end of a stored E.164
 * number: a full national number loses its trunk prefix, an international
 * prefix turns into the calling code ("020 7946 0018" in GB:
 * "442079460018"), a fragment stays as typed (ct_phone_digits).  Does
 * nothing when q has no digits or country is unknown.  q keeps owning
 * q->digits, which may be replaced.  Returns CT_OK or CT_ERR_NOMEM.
 */
enum ct_err ct_calls_query_phone(struct ct_calls_query *q,
    const char *country) __attribute__((warn_unused_result));

/* The same for a search of GET /api/contacts. */
enum ct_err ct_contacts_query_phone(struct ct_contacts_query *q,
    const char *country) __attribute__((warn_unused_result));

/* The same for GET /api/stats; a range (both bounds given) spans at most
 * CT_QUERY_STATS_DAYS_MAX days, else it is a bad "to". */
enum ct_err ct_stats_query_parse(const char *query, struct ct_stats_query *q,
    const char **bad) __attribute__((warn_unused_result));
void ct_stats_query_free(struct ct_stats_query *q);

/* The same for GET /api/ingest: a range spans at most
 * CT_QUERY_INGEST_DAYS_MAX days, else it is a bad "to". */
enum ct_err ct_ingest_query_parse(const char *query, struct ct_ingest_query *q,
    const char **bad) __attribute__((warn_unused_result));
void ct_ingest_query_free(struct ct_ingest_query *q);

/* The same for GET /api/ingest/deliveries (limit 25 by default, at most
 * CT_QUERY_LIMIT_MAX). */
enum ct_err ct_ingest_deliveries_query_parse(const char *query,
    struct ct_ingest_deliveries_query *q, const char **bad)
    __attribute__((warn_unused_result));
void ct_ingest_deliveries_query_free(struct ct_ingest_deliveries_query *q);

/*
 * Reads a delivery's id, "e<id>" (an event), "d<id>" (a duplicate
 * delivery) or "r<id>" (a refused request), the id a decimal from 1 to
 * 2^63 - 1 without a sign or leading zero, into *kind ('e', 'd' or 'r')
 * and id (its decimal digits, NUL-terminated).  Returns true when s is
 * exactly one, else false.
 */
bool ct_query_delivery_id(const char *s, char *kind, char id[24]);

/*
 * Makes the next_cursor of a deliveries page from the last row's
 * "<received_at>|<kind>|<id>" (as ct_ingest_deliveries writes it):
 * base64url, as the calls' cursors.  Returns a malloc'd string, or NULL
 * when next is not of that shape or memory ran out.
 */
char *ct_query_delivery_cursor(const char *next);

/*
 * The same for GET /api/contacts (q as for the calls; sort
 * last_contacted_at by default, desc) and GET /api/alerts (state open by
 * default; the cursor newest first).  The caller frees q with the
 * matching _free() either way.
 */
enum ct_err ct_contacts_query_parse(const char *query,
    struct ct_contacts_query *q, const char **bad)
    __attribute__((warn_unused_result));
void ct_contacts_query_free(struct ct_contacts_query *q);
enum ct_err ct_alerts_query_parse(const char *query, struct ct_alerts_query *q,
    const char **bad) __attribute__((warn_unused_result));
void ct_alerts_query_free(struct ct_alerts_query *q);

/*
 * Makes the next_cursor of a page: the sort, the order, the last row's
 * sort value (of any length) and id, base64url-encoded.  Returns a
 * malloc'd string or NULL.
 */
char *ct_query_cursor(const char *sort, int desc, const char *value,
    const char *id);

/* Returns true when s is a UUID in its text form, else false. */
bool ct_query_uuid(const char *s);

/* Returns true when tz names a zone of the system's time zone database (a
 * TZif file, not a directory or a text file beside the zones), else false. */
bool ct_query_timezone(const char *tz);

#endif
