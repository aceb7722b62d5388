/*
 * test_db.c: the process's one connection, against the real database: who
 * it connects as and with what settings, parameters passed apart from the
 * statement, each kind of failure mapped to its ct_err, the reconnect after
 * the server ended the backend, and rows streamed one at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/db.h"
#include "suites.h"

/* The first value of a one-row result of sql as the programs' role, into
 * out; CT_OK or the error. */
static enum ct_err
app_value(const char *sql, char *out, size_t outlen)
{
	enum ct_err err;
	PGresult *r;

	out[0] = '\0';
	if ((err = ct_db_exec(&r, sql, 0, NULL, NULL, NULL, NULL)) != CT_OK)
		return err;
	if (PQntuples(r) == 1 && PQnfields(r) >= 1)
		snprintf(out, outlen, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return CT_OK;
}

/* The backend serving this process's connection. */
static long
backend_pid(void)
{
	char pid[24];

	return app_value("SELECT pg_backend_pid()", pid, sizeof(pid)) ==
	    CT_OK ? atol(pid) : -1;
}

static void
test_db_connect(void)
{
	char want[64];
	PGresult *r;

	CU_ASSERT_EQUAL_FATAL(ct_db_exec(&r, "SELECT current_user, "
	    "current_setting('application_name'), (SELECT setting FROM "
	    "pg_settings WHERE name = 'statement_timeout'), (SELECT rolsuper "
	    "OR rolbypassrls FROM pg_roles WHERE rolname = current_user)", 0,
	    NULL, NULL, NULL, NULL), CT_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	/* The programs' role, named for the program and its pid. */
	ASSERT_STR_EQ(PQgetvalue(r, 0, 0), "calltrack_app");
	snprintf(want, sizeof(want), "unit-tests[%ld]", (long)getpid());
	ASSERT_STR_EQ(PQgetvalue(r, 0, 1), want);
	/* The configured statement timeout, set at connect. */
	snprintf(want, sizeof(want), "%lld",
	    ct_config_get()->statement_timeout_ms);
	ASSERT_STR_EQ(PQgetvalue(r, 0, 2), want);
	/* Row-level security applies to it: with no org pinned it sees no
	 * org at all, though the suites made several. */
	ASSERT_STR_EQ(PQgetvalue(r, 0, 3), "f");
	PQclear(r);
	/* Asked apart: on a Citus cluster a reference table (orgs) and a
	 * catalog view (pg_roles) are not read in one query. */
	CU_ASSERT_EQUAL_FATAL(ct_db_exec(&r, "SELECT count(*) FROM orgs", 0,
	    NULL, NULL, NULL, NULL), CT_OK);
	ASSERT_STR_EQ(PQgetvalue(r, 0, 0), "0");
	PQclear(r);
	/* One connection, kept: the same backend answers again. */
	CU_ASSERT_EQUAL(backend_pid(), backend_pid());
}

static void
test_db_parameters(void)
{
	static const char hostile[] = "'); DROP TABLE orgs; --";
	static const char bin[] = { 'a', '\0', 'b' };
	const char *v[3] = { hostile, "41", NULL };
	const char *bv[1] = { bin };
	const int blen[1] = { 3 }, bfmt[1] = { 1 };
	char n[24], ok[8];
	PGresult *r;

	CU_ASSERT_EQUAL_FATAL(ct_db_exec(&r, "SELECT $1::text, length($1), "
	    "$2::int + 1, $3::text IS NULL", 3, v, NULL, NULL, NULL), CT_OK);
	/* A value is data, never SQL: it comes back as it went. */
	ASSERT_STR_EQ(PQgetvalue(r, 0, 0), hostile);
	snprintf(n, sizeof(n), "%zu", strlen(hostile));
	ASSERT_STR_EQ(PQgetvalue(r, 0, 1), n);
	ASSERT_STR_EQ(PQgetvalue(r, 0, 2), "42");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 3), "t");		/* NULL is NULL */
	PQclear(r);
	/* A binary parameter with its length: the NUL inside is kept. */
	CU_ASSERT_EQUAL_FATAL(ct_db_exec(&r, "SELECT length($1::bytea), "
	    "encode($1::bytea, 'hex')", 1, bv, blen, bfmt, NULL), CT_OK);
	ASSERT_STR_EQ(PQgetvalue(r, 0, 0), "3");
	ASSERT_STR_EQ(PQgetvalue(r, 0, 1), "610062");
	PQclear(r);
	/* The tables are still there. */
	CU_ASSERT_EQUAL(app_value("SELECT to_regclass('orgs') IS NOT NULL", ok,
	    sizeof(ok)), CT_OK);
	ASSERT_STR_EQ(ok, "t");
}

static void
test_db_errors(void)
{
	static const struct {
		const char	*sql;
		const char	*param;
		enum ct_err	 want;
		const char	*sqlstate;
	} t[] = {
		{ "SELEC 1", NULL, CT_ERR_INTERNAL, "42601" },
		{ "SELECT * FROM no_such_table", NULL, CT_ERR_INTERNAL, "42P01" },
		{ "SELECT 1 / 0", NULL, CT_ERR_INTERNAL, "22012" },
		{ "SELECT $1::int", "abc", CT_ERR_INTERNAL, "22P02" },
		{ "SELECT $1::text", "\xff\xfe", CT_ERR_INTERNAL, "22021" },
		/* The programs' role may not write what it may only read. */
		{ "INSERT INTO orgs (name) VALUES ('x')", NULL, CT_ERR_INTERNAL,
		    "42501" },
		{ "DELETE FROM call_events", NULL, CT_ERR_INTERNAL, "42501" },
		{ "UPDATE integrations SET secret = 'x'", NULL, CT_ERR_INTERNAL,
		    "42501" },
	};
	size_t i;
	long pid = backend_pid();

	CU_ASSERT_FATAL(pid > 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *v[1] = { t[i].param };
		char state[6] = "xxxxx";
		struct capture c;
		PGresult *r = (PGresult *)1;
		enum ct_err err;
		size_t len;
		char *log;

		CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
		err = ct_db_exec(&r, t[i].sql, t[i].param ? 1 : 0, v, NULL,
		    NULL, state);
		log = capture_end(&c, &len);
		CU_ASSERT_EQUAL(err, t[i].want);
		CU_ASSERT_PTR_NULL(r);
		ASSERT_STR_EQ(state, t[i].sqlstate);
		/* The log line names the SQLSTATE, for the operator. */
		CU_ASSERT(log != NULL && strstr(log, t[i].sqlstate) != NULL);
		free(log);
	}
	/* An ordinary error keeps the connection: no reconnect. */
	CU_ASSERT_EQUAL(backend_pid(), pid);
}

/* Too slow is "unavailable" (a 503 to retry), and the connection stays. */
static void
test_db_timeouts(void)
{
	const char *v[1];
	char state[6], setting[24], want[24];
	struct capture c;
	PGresult *r;
	long pid = backend_pid();
	enum ct_err err;
	char *log;
	size_t len;

	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL_FATAL(app_value("SET statement_timeout = 100", setting,
	    sizeof(setting)), CT_OK);
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	err = ct_db_exec(&r, "SELECT pg_sleep(3)", 0, NULL, NULL, NULL, state);
	free(capture_end(&c, &len));
	CU_ASSERT_EQUAL(err, CT_ERR_DB_UNAVAILABLE);
	ASSERT_STR_EQ(state, "57014");
	CU_ASSERT_EQUAL(backend_pid(), pid);
	CU_ASSERT_EQUAL(app_value("RESET statement_timeout", setting,
	    sizeof(setting)), CT_OK);
	/* RESET goes back to the configured timeout, not the server's. */
	CU_ASSERT_EQUAL(app_value("SELECT setting FROM pg_settings WHERE "
	    "name = 'statement_timeout'", setting, sizeof(setting)), CT_OK);
	snprintf(want, sizeof(want), "%lld",
	    ct_config_get()->statement_timeout_ms);
	ASSERT_STR_EQ(setting, want);

	/* A lock held elsewhere: the lock timeout is "unavailable" too. */
	CU_ASSERT_EQUAL_FATAL(admin_exec("BEGIN", 0, NULL, NULL, 0), 0);
	if (admin_exec("LOCK TABLE call_sessions IN ACCESS EXCLUSIVE MODE", 0,
	    NULL, NULL, 0) == 0) {
		CU_ASSERT_EQUAL(app_value("SET lock_timeout = 100", setting,
		    sizeof(setting)), CT_OK);
		v[0] = "00000000-0000-0000-0000-000000000000";
		CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
		err = ct_db_exec(&r, "SELECT count(*) FROM call_sessions "
		    "WHERE org_id = $1", 1, v, NULL, NULL, state);
		log = capture_end(&c, &len);
		CU_ASSERT_EQUAL(err, CT_ERR_DB_UNAVAILABLE);
		ASSERT_STR_EQ(state, "55P03");
		CU_ASSERT(log != NULL && strstr(log, "55P03") != NULL);
		free(log);
		CU_ASSERT_EQUAL(app_value("RESET lock_timeout", setting,
		    sizeof(setting)), CT_OK);
	} else {
		CU_FAIL("could not take the lock");
	}
	CU_ASSERT_EQUAL(admin_exec("ROLLBACK", 0, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(backend_pid(), pid);
}

/* No database to reach: CT_ERR_DB_UNAVAILABLE at once, and back when it is
 * reachable again. */
static void
test_db_unreachable(void)
{
	char conninfo[1200], value[16], state[6] = "xxxxx";
	struct capture c;
	PGresult *r = (PGresult *)1;
	size_t len;
	char *log;

	config_with_db("host=/nonexistent/calltrack-unit dbname=calltrack");
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	CU_ASSERT_EQUAL(ct_db_exec(&r, "SELECT 1", 0, NULL, NULL, NULL, state),
	    CT_ERR_DB_UNAVAILABLE);
	CU_ASSERT_PTR_NULL(r);
	ASSERT_STR_EQ(state, "");
	/* Every query tries again; none hangs or exits. */
	CU_ASSERT_EQUAL(ct_db_exec(&r, "SELECT 1", 0, NULL, NULL, NULL, NULL),
	    CT_ERR_DB_UNAVAILABLE);
	log = capture_end(&c, &len);
	CU_ASSERT(log != NULL && strstr(log,
	    "could not connect to the database") != NULL);
	free(log);
	/* A role the server does not know: refused the same way, and the
	 * log line names no password. */
	CU_ASSERT_EQUAL_FATAL(config_reload(), 0);
	snprintf(conninfo, sizeof(conninfo), "%s user=no_such_role_unit "
	    "password=pw-must-not-be-logged", ct_config_get()->db);
	config_with_db(conninfo);
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	CU_ASSERT_EQUAL(ct_db_exec(&r, "SELECT 1", 0, NULL, NULL, NULL, NULL),
	    CT_ERR_DB_UNAVAILABLE);
	log = capture_end(&c, &len);
	CU_ASSERT(log != NULL && strstr(log, "no_such_role_unit") != NULL);
	CU_ASSERT(log != NULL && strstr(log, "pw-must-not-be-logged") == NULL);
	free(log);
	CU_ASSERT_EQUAL_FATAL(config_reload(), 0);
	ct_db_close();
	CU_ASSERT_EQUAL(app_value("SELECT 1", value, sizeof(value)), CT_OK);
	ASSERT_STR_EQ(value, "1");
}

/* The server ends the backend (a restart, a failover, an administrator):
 * the next statement reconnects and runs, the request does not fail. */
static void
test_db_reconnect(void)
{
	char pid[24], ok[8];
	const char *v[1] = { pid };
	struct capture c;
	size_t len;
	long before, after;

	before = backend_pid();
	CU_ASSERT_FATAL(before > 0);
	snprintf(pid, sizeof(pid), "%ld", before);
	/* Waits (up to 5 s) until the backend is gone. */
	CU_ASSERT_EQUAL_FATAL(admin_exec("SELECT pg_terminate_backend($1::int, "
	    "5000)", 1, v, ok, sizeof(ok)), 0);
	ASSERT_STR_EQ(ok, "t");
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	after = backend_pid();
	free(capture_end(&c, &len));
	CU_ASSERT(after > 0);
	CU_ASSERT(after != before);
	/* Twice over: each loss costs one reconnect. */
	snprintf(pid, sizeof(pid), "%ld", after);
	CU_ASSERT_EQUAL_FATAL(admin_exec("SELECT pg_terminate_backend($1::int, "
	    "5000)", 1, v, ok, sizeof(ok)), 0);
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	before = backend_pid();
	free(capture_end(&c, &len));
	CU_ASSERT(before > 0);
	CU_ASSERT(before != after);
}

static void
test_db_transaction(void)
{
	char pid[24], ok[8], v1[16];
	const char *v[1] = { pid };
	struct capture c;
	size_t len;
	long before, after;
	PGresult *r;

	/* Rolled back: a setting made inside is gone. */
	CU_ASSERT_EQUAL_FATAL(ct_db_begin(), CT_OK);
	CU_ASSERT_EQUAL(ct_db_begin(), CT_ERR_INTERNAL);	/* one at a time */
	CU_ASSERT_EQUAL(app_value("SELECT set_config('ct.t', 'in', true)", v1,
	    sizeof(v1)), CT_OK);
	ct_db_rollback();
	CU_ASSERT_EQUAL(app_value("SELECT coalesce(current_setting('ct.t', "
	    "true), '')", v1, sizeof(v1)), CT_OK);
	ASSERT_STR_EQ(v1, "");
	ct_db_rollback();			/* none open: a no-op */
	CU_ASSERT_EQUAL(ct_db_commit(), CT_ERR_INTERNAL);
	/* Committed: the transaction's own now() is one time. */
	CU_ASSERT_EQUAL_FATAL(ct_db_begin(), CT_OK);
	CU_ASSERT_EQUAL(ct_db_exec(&r, "SELECT 1", 0, NULL, NULL, NULL, NULL),
	    CT_OK);
	PQclear(r);
	CU_ASSERT_EQUAL(ct_db_commit(), CT_OK);
	/* A failed statement aborts it: its COMMIT is no commit. */
	CU_ASSERT_EQUAL_FATAL(ct_db_begin(), CT_OK);
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	CU_ASSERT_EQUAL(app_value("SELECT 1 / 0", v1, sizeof(v1)),
	    CT_ERR_INTERNAL);
	free(capture_end(&c, &len));
	CU_ASSERT_EQUAL(ct_db_commit(), CT_ERR_INTERNAL);
	/* The connection lost inside it: every later statement fails, none
	 * runs on a new connection, until the transaction is ended. */
	CU_ASSERT_EQUAL_FATAL(ct_db_begin(), CT_OK);
	before = backend_pid();
	CU_ASSERT_FATAL(before > 0);
	snprintf(pid, sizeof(pid), "%ld", before);
	CU_ASSERT_EQUAL_FATAL(admin_exec("SELECT pg_terminate_backend($1::int, "
	    "5000)", 1, v, ok, sizeof(ok)), 0);
	ASSERT_STR_EQ(ok, "t");
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	CU_ASSERT_EQUAL(app_value("SELECT 1", v1, sizeof(v1)),
	    CT_ERR_DB_UNAVAILABLE);
	CU_ASSERT_EQUAL(app_value("SELECT 1", v1, sizeof(v1)),
	    CT_ERR_DB_UNAVAILABLE);
	CU_ASSERT_EQUAL(ct_db_commit(), CT_ERR_DB_UNAVAILABLE);
	after = backend_pid();			/* over: a new connection */
	free(capture_end(&c, &len));
	CU_ASSERT(after > 0 && after != before);
}

struct rows {
	long	 n;
	long	 stop_after;	/* 0: never */
	int	 in_order;
	int	 one_each;
};

static int
each_row(PGresult *row, void *arg)
{
	struct rows *s = arg;

	s->n++;
	if (PQntuples(row) != 1)
		s->one_each = 0;
	else if (atol(PQgetvalue(row, 0, 0)) != s->n)
		s->in_order = 0;
	return s->stop_after > 0 && s->n >= s->stop_after;
}

static void
test_db_stream(void)
{
	const char *v[1] = { "2000" };
	struct rows s = { 0, 0, 1, 1 };
	struct capture c;
	size_t len;
	char *log;
	long pid = backend_pid();

	/* Every row, one at a time, in order. */
	CU_ASSERT_EQUAL(ct_db_stream("SELECT g, repeat('x', 100) FROM "
	    "generate_series(1, $1::int) g", 1, v, each_row, &s), CT_OK);
	CU_ASSERT_EQUAL(s.n, 2000);
	CU_ASSERT_TRUE(s.in_order);
	CU_ASSERT_TRUE(s.one_each);
	/* The reader stops: the rest is skipped, the connection is ready for
	 * the next statement. */
	memset(&s, 0, sizeof(s));
	s.stop_after = 3;
	s.in_order = s.one_each = 1;
	CU_ASSERT_EQUAL(ct_db_stream("SELECT g FROM generate_series(1, "
	    "$1::int) g", 1, v, each_row, &s), CT_OK);
	CU_ASSERT_EQUAL(s.n, 3);
	CU_ASSERT_EQUAL(backend_pid(), pid);
	/* No rows at all. */
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(ct_db_stream("SELECT 1 WHERE false", 0, NULL, each_row,
	    &s), CT_OK);
	CU_ASSERT_EQUAL(s.n, 0);
	/* An error after some rows: the rows that came, then the error. */
	memset(&s, 0, sizeof(s));
	s.in_order = s.one_each = 1;
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	CU_ASSERT_EQUAL(ct_db_stream("SELECT g, 10 / (3 - g) FROM "
	    "generate_series(1, 5) g", 0, NULL, each_row, &s), CT_ERR_INTERNAL);
	log = capture_end(&c, &len);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT(log != NULL && strstr(log, "22012") != NULL);
	free(log);
	/* A statement that fails at once. */
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	CU_ASSERT_EQUAL(ct_db_stream("SELEC 1", 0, NULL, each_row, &s),
	    CT_ERR_INTERNAL);
	free(capture_end(&c, &len));
	CU_ASSERT_EQUAL(s.n, 0);
	CU_ASSERT_EQUAL(backend_pid(), pid);
}

/* A stream on a connection the server ended never passes for an empty
 * result: it is "unavailable" or it reconnects; the next one runs. */
static void
test_db_stream_reconnect(void)
{
	const char *v[1] = { "5" };
	struct rows s = { 0, 0, 1, 1 };
	char pid[24], ok[8];
	const char *pv[1] = { pid };
	struct capture c;
	enum ct_err err;
	size_t len;

	snprintf(pid, sizeof(pid), "%ld", backend_pid());
	CU_ASSERT_EQUAL_FATAL(admin_exec("SELECT pg_terminate_backend($1::int, "
	    "5000)", 1, pv, ok, sizeof(ok)), 0);
	ASSERT_STR_EQ(ok, "t");
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	err = ct_db_stream("SELECT g FROM generate_series(1, $1::int) g", 1, v,
	    each_row, &s);
	free(capture_end(&c, &len));
	CU_ASSERT(err == CT_OK || err == CT_ERR_DB_UNAVAILABLE);
	CU_ASSERT_EQUAL(s.n, err == CT_OK ? 5 : 0);
	memset(&s, 0, sizeof(s));
	s.in_order = s.one_each = 1;
	CU_ASSERT_EQUAL(ct_db_stream("SELECT g FROM generate_series(1, "
	    "$1::int) g", 1, v, each_row, &s), CT_OK);
	CU_ASSERT_EQUAL(s.n, 5);
	CU_ASSERT_TRUE(s.in_order);
	/* And with no database at all: unavailable, no rows. */
	config_with_db("host=/nonexistent/calltrack-unit dbname=calltrack");
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	CU_ASSERT_EQUAL(ct_db_stream("SELECT 1", 0, NULL, each_row, &s),
	    CT_ERR_DB_UNAVAILABLE);
	free(capture_end(&c, &len));
	CU_ASSERT_EQUAL(s.n, 0);
	CU_ASSERT_EQUAL(config_reload(), 0);
	ct_db_close();
}

/* As each_row, and the second column must be "open": what the opening
 * statement set for the transaction. */
static int
each_open_row(PGresult *row, void *arg)
{
	struct rows *s = arg;

	if (PQnfields(row) < 2 || strcmp(PQgetvalue(row, 0, 1), "open") != 0)
		s->one_each = 0;
	return each_row(row, arg);
}

/*
 * Cursors opened and read a batch at a time, one after the other
 * (ct_db_stream_cursor): the rows in order, one at a time, in the transaction the opening statement
 * began (what it set is seen by every fetch, and is gone after); the
 * batches before an error further on reach the reader first, which a
 * function returning the set would never do; a failed opening is an error
 * with no rows, and the connection is ready for the next statement.
 */
static void
test_db_stream_cursor(void)
{
	/* Both cursors, each with a batch and part of another; the first
	 * alone, two batches exactly (the third fetch finds none); an error
	 * in the first cursor's second batch, and in the second cursor; a
	 * failed opening. */
	static const char *const both[] = { "unit_rows", "unit_rest", NULL };
	const char *ok4500[2] = { "4500", "0" }, *even[2] = { "4000", "0" },
	    *fail1000[2] = { "5000", "2500" }, *fail_rest[2] = { "5000", "3500" },
	    *bad[2] = { "-1", "0" };
	struct rows s = { 0, 0, 1, 1 };
	struct capture c;
	char out[64], pid_s[24];
	const char *pv[1] = { pid_s };
	enum ct_err err;
	size_t len;
	char *log;
	long pid;

	/* Rows 1 to n: the first 3,000 in unit_rows, the rest in
	 * unit_rest. */
	CU_ASSERT_EQUAL_FATAL(admin_exec("CREATE OR REPLACE FUNCTION "
	    "unit_cursor(n int, fail_at int) RETURNS refcursor LANGUAGE plpgsql "
	    "AS $f$ DECLARE c refcursor := 'unit_rows'; "
	    "r refcursor := 'unit_rest'; BEGIN "
	    "IF n < 0 THEN RAISE EXCEPTION 'no such rows'; END IF; "
	    "PERFORM set_config('calltrack.unit_cursor', 'open', true); "
	    "OPEN c FOR SELECT g, current_setting('calltrack.unit_cursor'), "
	    "100 / (fail_at - g) FROM generate_series(1, least(n, 3000)) g; "
	    "OPEN r FOR SELECT g, current_setting('calltrack.unit_cursor'), "
	    "100 / (fail_at - g) FROM generate_series(3001, n) g; RETURN c; END "
	    "$f$", 0, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL_FATAL(admin_exec("GRANT EXECUTE ON FUNCTION "
	    "unit_cursor(int, int) TO calltrack_app", 0, NULL, NULL, 0), 0);
	pid = backend_pid();
	/* Every row, in order, in the opening statement's transaction. */
	CU_ASSERT_EQUAL(ct_db_stream_cursor("SELECT unit_cursor($1::int, "
	    "$2::int)", 2, ok4500, both, each_open_row,
	    &s), CT_OK);
	CU_ASSERT_EQUAL(s.n, 4500);
	CU_ASSERT_TRUE(s.in_order);
	CU_ASSERT_TRUE(s.one_each);
	memset(&s, 0, sizeof(s));
	s.in_order = s.one_each = 1;
	CU_ASSERT_EQUAL(ct_db_stream_cursor("SELECT unit_cursor($1::int, "
	    "$2::int)", 2, even, both, each_open_row, &s), CT_OK);
	CU_ASSERT_EQUAL(s.n, 4000);
	CU_ASSERT_TRUE(s.in_order);
	CU_ASSERT_TRUE(s.one_each);
	/* The first cursor alone: two whole batches, a third that finds
	 * none, and the second cursor, empty. */
	memset(&s, 0, sizeof(s));
	s.in_order = s.one_each = 1;
	CU_ASSERT_EQUAL(ct_db_stream_cursor("SELECT unit_cursor($1::int, "
	    "$2::int)", 2, (const char *[]){ "2000", "0" }, both,
	    each_open_row, &s), CT_OK);
	CU_ASSERT_EQUAL(s.n, 2000);
	CU_ASSERT_TRUE(s.one_each);
	CU_ASSERT_EQUAL(app_value("SELECT coalesce(current_setting("
	    "'calltrack.unit_cursor', true), '')", out, sizeof(out)), CT_OK);
	ASSERT_STR_EQ(out, "");
	CU_ASSERT_EQUAL(backend_pid(), pid);
	/* An error at row 2500: the batch before it came first. */
	memset(&s, 0, sizeof(s));
	s.in_order = s.one_each = 1;
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	CU_ASSERT_EQUAL(ct_db_stream_cursor("SELECT unit_cursor($1::int, "
	    "$2::int)", 2, fail1000, both, each_row, &s),
	    CT_ERR_INTERNAL);
	log = capture_end(&c, &len);
	CU_ASSERT(log != NULL && strstr(log, "22012") != NULL);
	free(log);
	CU_ASSERT_EQUAL(s.n, CT_DB_FETCH_ROWS);
	CU_ASSERT_TRUE(s.in_order);
	CU_ASSERT_EQUAL(backend_pid(), pid);
	/* An error at row 3500, in the second cursor: every row of the
	 * first came first. */
	memset(&s, 0, sizeof(s));
	s.in_order = s.one_each = 1;
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	CU_ASSERT_EQUAL(ct_db_stream_cursor("SELECT unit_cursor($1::int, "
	    "$2::int)", 2, fail_rest, both, each_row, &s), CT_ERR_INTERNAL);
	log = capture_end(&c, &len);
	CU_ASSERT(log != NULL && strstr(log, "22012") != NULL);
	free(log);
	CU_ASSERT_EQUAL(s.n, 3000);
	CU_ASSERT_TRUE(s.in_order);
	CU_ASSERT_EQUAL(backend_pid(), pid);
	/* The opening fails: no rows, the fetch not run, the connection
	 * kept. */
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	CU_ASSERT_EQUAL(ct_db_stream_cursor("SELECT unit_cursor($1::int, "
	    "$2::int)", 2, bad, both, each_row, &s),
	    CT_ERR_INTERNAL);
	log = capture_end(&c, &len);
	CU_ASSERT(log != NULL && strstr(log, "no such rows") != NULL);
	free(log);
	CU_ASSERT_EQUAL(s.n, 0);
	CU_ASSERT_EQUAL(backend_pid(), pid);
	/* Not inside another transaction. */
	CU_ASSERT_EQUAL_FATAL(ct_db_begin(), CT_OK);
	CU_ASSERT_EQUAL(ct_db_stream_cursor("SELECT unit_cursor($1::int, "
	    "$2::int)", 2, ok4500, both, each_row, &s),
	    CT_ERR_INTERNAL);
	ct_db_rollback();
	/* The server ended the backend: unavailable or reconnected, never
	 * an empty export; the next one whole. */
	snprintf(pid_s, sizeof(pid_s), "%ld", backend_pid());
	CU_ASSERT_EQUAL_FATAL(admin_exec("SELECT pg_terminate_backend($1::int, "
	    "5000)", 1, pv, out, sizeof(out)), 0);
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	err = ct_db_stream_cursor("SELECT unit_cursor($1::int, $2::int)", 2,
	    ok4500, both, each_row, &s);
	free(capture_end(&c, &len));
	CU_ASSERT(err == CT_OK || err == CT_ERR_DB_UNAVAILABLE);
	CU_ASSERT_EQUAL(s.n, err == CT_OK ? 4500 : 0);
	memset(&s, 0, sizeof(s));
	s.in_order = s.one_each = 1;
	CU_ASSERT_EQUAL(ct_db_stream_cursor("SELECT unit_cursor($1::int, "
	    "$2::int)", 2, ok4500, both, each_row, &s),
	    CT_OK);
	CU_ASSERT_EQUAL(s.n, 4500);
	CU_ASSERT_TRUE(s.in_order);
	CU_ASSERT_EQUAL(admin_exec("DROP FUNCTION unit_cursor(int, int)", 0,
	    NULL, NULL, 0), 0);
}

int
suite_db(void)
{
	static const struct test_case t[] = {
		{ "connects as the programs' role", test_db_connect },
		{ "parameters are data", test_db_parameters },
		{ "SQL errors are internal, with their SQLSTATE", test_db_errors },
		{ "timeouts are unavailable", test_db_timeouts },
		{ "an unreachable database is unavailable", test_db_unreachable },
		{ "reconnect after the backend is terminated", test_db_reconnect },
		{ "rows streamed one at a time", test_db_stream },
		{ "a transaction: rolled back, committed, aborted, lost",
		    test_db_transaction },
		{ "a stream after the backend is terminated",
		    test_db_stream_reconnect },
		{ "a cursor opened and read a batch at a time",
		    test_db_stream_cursor },
		{ NULL, NULL } };
	return add_suite("db", t);
}
