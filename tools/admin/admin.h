/*
 * admin.h: what the files of calltrack-admin share.
 *
 * main.c holds the one dispatch table (a row per command: noun, verb, the
 * options it takes, its usage) and parses every command's arguments with
 * it; each other file is one noun and its verbs.  common.c is the rest:
 * the administrator's connection, one statement, secrets, messages.
 */
#ifndef CT_ADMIN_H
#define CT_ADMIN_H

#include <stdio.h>

#include <libpq-fe.h>

/* Exit status: done, failed (could not), usage error. */
#define ADM_OK		0
#define ADM_FAIL	1
#define ADM_USAGE	2

/* The most options and positional arguments a command takes. */
#define ADM_OPTS_MAX	24
#define ADM_ARGS_MAX	2

/* One option of a command: its name ("--label") and whether a value
 * follows it (else it is a flag, whose value reads "t" when given). */
struct adm_opt {
	const char	*name;
	int		 has_value;
};

/* A command's arguments once parsed against its row: the positional ones
 * in order, then each option's value by its index in the row's options
 * (NULL when not given).  The strings are argv's. */
struct adm_args {
	const char	*cmd;		/* "token create", for messages */
	int		 npos;
	const char	*pos[ADM_ARGS_MAX];
	const char	*val[ADM_OPTS_MAX];
	const struct adm_opt *opts;
};

/* A command: the row of the dispatch table that runs it. */
struct adm_command {
	const char	*noun;
	const char	*verb;		/* NULL: the noun alone ("sweep") */
	int		(*run)(const struct adm_args *a);
	int		 min_args, max_args;	/* positional */
	const struct adm_opt *opts;	/* {NULL, 0}-terminated, or NULL */
	const char	*usage;		/* after "calltrack-admin NOUN VERB" */
};

/* Returns the value of option name in a, or NULL when it was not given
 * (or the command takes no such option). */
const char *adm_opt(const struct adm_args *a, const char *name);

/* Prints "calltrack-admin: WHY" (when not NULL) and the usage to stderr;
 * returns ADM_USAGE. */
int adm_usage(const char *why);
/* ADM_OK when org (a uuid) is an org; else prints "could not WHAT: no
 * such org" (or the database's error) and returns ADM_FAIL.  Asked apart
 * from the statement that needs the org: on a Citus cluster orgs is a
 * reference table, which an INSERT … SELECT … RETURNING or an outer join
 * with an org's distributed rows cannot start from. */
int adm_org_known(const char *what, const char *org);
/* Prints the usage, generated from the dispatch table, to f. */
void adm_usage_print(FILE *f);

/* Prints "calltrack-admin: could not WHAT: WHY" to stderr; returns
 * ADM_FAIL. */
int adm_fail(const char *what, const char *why);

/* Connects to the administrator's database (CALLTRACK_ADMIN_DB, else
 * libpq's PG*), once; 0, or -1 with a message printed. */
int adm_connect(void);
/* Closes that connection, if made. */
void adm_disconnect(void);

/* Runs one parameterized statement on the administrator's connection
 * (made first if need be).  On failure prints "could not WHAT:" with the
 * server's primary message and returns NULL; else the caller PQclears the
 * result. */
PGresult *adm_run(const char *what, const char *sql, int n,
    const char *const *params);
/* Returns how many rows an INSERT, UPDATE or DELETE changed, or -1. */
long long adm_rows_changed(PGresult *r);

/* Returns v, or when v is "-" the first line of standard input (in a
 * static buffer), or NULL when that cannot be read. */
const char *adm_secret_arg(const char *v);
/* 1 when s is 8 to 512 printable characters without spaces. */
int adm_secret_ok(const char *s);
/* 1 when v is one of the NULL-terminated allowed. */
int adm_one_of(const char *v, const char *const *allowed);

/* Points the library's configuration and connection (config.h, db.h) at
 * the administrator's database (CALLTRACK_ADMIN_DB, else PG*), or with
 * programs_role, at CALLTRACK_DB when that is set; 0, or -1 with a
 * message printed. */
int adm_library_setup(int programs_role);

/* The commands, one file per noun. */
int adm_org_create(const struct adm_args *a);
int adm_org_list(const struct adm_args *a);
int adm_token_create(const struct adm_args *a);
int adm_token_revoke(const struct adm_args *a);
int adm_token_list(const struct adm_args *a);
int adm_integration_create(const struct adm_args *a);
int adm_integration_update(const struct adm_args *a);
int adm_integration_list(const struct adm_args *a);
int adm_integration_rotate(const struct adm_args *a);
int adm_integration_retire_secret(const struct adm_args *a);
int adm_integration_disable(const struct adm_args *a);
int adm_integration_enable(const struct adm_args *a);
int adm_integration_set_api_key(const struct adm_args *a);
int adm_sweep(const struct adm_args *a);
int adm_stats_ingest(const struct adm_args *a);
int adm_spool_drain(const struct adm_args *a);
int adm_replay(const struct adm_args *a);
int adm_notify_add(const struct adm_args *a);
int adm_notify_list(const struct adm_args *a);
int adm_notify_remove(const struct adm_args *a);
int adm_notify_test(const struct adm_args *a);
int adm_notify_deliveries(const struct adm_args *a);

#endif
