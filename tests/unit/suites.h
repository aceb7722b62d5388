/*
 * suites.h: the CUnit suites of libcalltrack, one per module.
 */
#ifndef CT_TEST_SUITES_H
#define CT_TEST_SUITES_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "ingest/integration.h"

/* Each registers its suite with the CUnit registry; 0 on success. */
int suite_err(void);
int suite_num(void);
int suite_config(void);
int suite_crypto(void);
int suite_crypto_equal(void);
int suite_spool(void);
int suite_form(void);
int suite_json(void);
int suite_phone(void);
int suite_sig(void);
int suite_log(void);
int suite_hook(void);
int suite_auth(void);
int suite_vapi(void);
int suite_reason(void);
int suite_booking(void);
int suite_lead(void);
int suite_delivery(void);
int suite_retell(void);
int suite_twilio(void);
int suite_query(void);
int suite_refusal(void);
int suite_crypto_equal(void);
int suite_http(void);
int suite_integration(void);
int suite_event(void);
int suite_serve(void);
int suite_dashboard(void);
int suite_notify(void);
int suite_destinations(void);
int suite_csv(void);
int suite_import(void);
int suite_contacts(void);
int suite_outbound(void);
int suite_notify_message(void);
int suite_analysis(void);
int suite_ingestion(void);
int suite_reconcile(void);
int suite_sessions(void);

/*
 * The database suites: run by `unit-tests db` against the database
 * CALLTRACK_DB names (tests/run: the stack's, as the programs connect),
 * with rows made over the administrator's connection (PG*).
 */
int suite_db(void);
int suite_integration_db(void);
int suite_event_db(void);
int suite_dashboard_db(void);
int suite_serve_db(void);
int suite_drain_db(void);
int suite_replay_db(void);

/* Reads tests/fixtures/<rel> (or $CALLTRACK_FIXTURES/<rel>) into a malloc'd
 * buffer with a NUL after it; NULL when unreadable. */
char *fixture_read(const char *rel, size_t *len);

/* Adds the NULL-terminated {name, fn} table to a new suite called name. */
struct test_case {
	const char	*name;
	CU_TestFunc	 fn;
};
int add_suite(const char *name, const struct test_case *cases);

/* The same with a set-up run before the suite's first test and a tear-down
 * after its last (either may be NULL); a set-up that fails (non-zero)
 * fails the suite, and the pass with it. */
int add_suite_with(const char *name, CU_InitializeFunc init,
    CU_CleanupFunc clean, const struct test_case *cases);

/* Asserts that string a, which may be NULL, equals b. */
#define ASSERT_STR_EQ(a, b) do {					\
	const char *a_ = (a), *b_ = (b);				\
	CU_assertImplementation(a_ != NULL && b_ != NULL &&		\
	    strcmp(a_, b_) == 0, __LINE__, "ASSERT_STR_EQ(" #a ", " #b ")",	\
	    __FILE__, "", CU_FALSE);					\
} while (0)

/* ---- support.c ---- */

/* A request's parameters: a malloc'd NULL-terminated copy of vars
 * ("NAME=value" strings), freed with envp_free. */
char **envp_new(const char *const *vars);
void envp_free(char **envp);

/* Makes stdin read the len bytes at bytes from their start (a temporary
 * file on fd 0), as a plain-CGI program reads its body; 0 or -1. */
int stdin_from(const char *bytes, size_t len);
/* Gives fd 0 back what it was before the first stdin_from. */
void stdin_restore(void);
/* How many bytes of stdin have been read. */
long stdin_offset(void);

/* What fd 1 or 2 writes between capture_start and capture_end. */
struct capture {
	int	 fd;
	int	 saved;
	FILE	*f;
};
int capture_start(struct capture *c, int fd);
/* Ends the capture; returns what was written (malloc'd, NUL after it, the
 * caller frees) and its length in *len, or NULL. */
char *capture_end(struct capture *c, size_t *len);

/* A CGI response ("Status: …" headers, blank line, body) taken apart in
 * place: raw's memory is the caller's. */
struct response {
	int		 status;
	const char	*headers;
	const char	*body;
	size_t		 body_len;
};
int response_parse(char *raw, size_t len, struct response *r);
/* Copies the value of header name (any case) into out; 1 found, 0 not. */
int response_header(const struct response *r, const char *name, char *out,
    size_t outlen);
/* The body parsed as JSON, wholly (the caller puts it), or NULL. */
json_object *response_json(const struct response *r);
/* o[a] or o[a][b] when a string, else NULL; borrowed from o. */
const char *json_str(json_object *o, const char *a, const char *b);

/* Sixteen random hex digits, for names no other run uses. */
void unique_suffix(char out[17]);

/* 1 when CALLTRACK_DB is set: the database suites can run. */
int db_configured(void);
/* The administrator's connection (CALLTRACK_TEST_ADMIN_DB, else PG*),
 * made once; NULL with a message when it cannot be made. */
PGconn *admin_conn(void);
void admin_close(void);
/* Runs one parameterized statement as administrator; the first row's first
 * value goes into out (may be NULL).  0, or -1 with a message. */
int admin_exec(const char *sql, int n, const char *const *values, char *out,
    size_t outlen);
/* Runs one parameterized query as administrator and returns its one row
 * for the caller to PQclear; NULL, with a message, unless exactly one. */
PGresult *admin_query(const char *sql, int n, const char *const *values);
/* A new org (booking_tools a text[] literal, NULL for the default). */
int admin_org_create(char org[37], const char *booking_tools);
/* A new integration "unit-<provider>-<random>" of org, into id. */
int admin_integration_create(const char *org, const char *provider,
    const char *secret, char id[CT_INTEGRATION_ID_MAX + 1]);
/* A new dashboard token of org (only its hash is stored). */
int admin_token_create(const char *org, char token[48]);

/* The process configuration from the environment again; 0 or -1. */
int config_reload(void);
/* The process configuration with CALLTRACK_DB replaced (conninfo must
 * outlive its use), the connection closed so the next query uses it. */
void config_with_db(const char *conninfo);
/* The process configuration with CALLTRACK_INTEGRATION_TTL replaced. */
void config_with_ttl(long long seconds);

/* Removes the directory path and the files in it (not deeper). */
void dir_remove(const char *path);

#endif
