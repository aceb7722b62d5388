/*
 * db.c: lazy connection, reconnect, parameterized statements.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/db.h"
#include "core/log.h"

static PGconn *conn;
static const char *app_name = "calltrack";
static int is_reader;
static int in_tx;		/* a transaction is open (ct_db_begin) */
static int tx_lost;		/* and its connection was lost */

void
ct_db_configure(const char *program, int reader)
{
	app_name = program;
	is_reader = reader;
}

void
ct_db_close(void)
{
	if (conn != NULL)
		PQfinish(conn);
	conn = NULL;
	if (in_tx)
		tx_lost = 1;
}

static enum ct_err
connect_db(void)
{
	const struct ct_config *cfg = ct_config_get();
	char timeout[16], options[64], app[64];
	const char *keys[5], *vals[5];
	int n = 0;

	snprintf(timeout, sizeof(timeout), "%lld", cfg->connect_timeout_s);
	snprintf(options, sizeof(options), "-c statement_timeout=%lld",
	    cfg->statement_timeout_ms);
	/* The connection string first, so that the settings after it win
	 * over the same keywords inside it; without one, PG* apply. */
	if (is_reader && cfg->db_read != NULL) {
		keys[n] = "dbname";
		vals[n++] = cfg->db_read;
	} else if (cfg->db != NULL) {
		keys[n] = "dbname";
		vals[n++] = cfg->db;
	}
	keys[n] = "connect_timeout";
	vals[n++] = timeout;
	keys[n] = "options";
	vals[n++] = options;
	/* "vapi-hook[812]": the program and the worker's pid. */
	snprintf(app, sizeof(app), "%s[%ld]", app_name, (long)getpid());
	keys[n] = "application_name";
	vals[n++] = app;
	keys[n] = NULL;
	vals[n] = NULL;
	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		/* libpq's message names hosts, not secrets. */
		ct_log_msg(NULL, "could not connect to the database: %s",
		    conn ? PQerrorMessage(conn) : "out of memory");
		ct_db_close();
		return CT_ERR_DB_UNAVAILABLE;
	}
	return CT_OK;
}

static enum ct_err
ensure_connected(void)
{
	if (conn != NULL && PQstatus(conn) != CONNECTION_OK)
		ct_db_close();
	return conn == NULL ? connect_db() : CT_OK;
}

/*
 * Classifies a failed result r (may be NULL): logs it, and says what the
 * request gets.  A lost connection is dropped for the next request to
 * reconnect.
 */
static enum ct_err
failure(PGresult *r, char sqlstate[6])
{
	const char *code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) :
	    NULL;

	if (sqlstate != NULL)
		snprintf(sqlstate, 6, "%s", code ? code : "");
	ct_log_msg(NULL, "query failed: %s %s", code ? code : "-",
	    msg ? msg : PQerrorMessage(conn));
	/* Connection lost (class 08, admin shutdown 57P0x) or no result at
	 * all. */
	if (PQstatus(conn) != CONNECTION_OK || code == NULL ||
	    strncmp(code, "08", 2) == 0 || strncmp(code, "57P", 3) == 0) {
		ct_db_close();
		return CT_ERR_DB_UNAVAILABLE;
	}
	/* Statement timeout (57014) and lock timeout (55P03): too slow. */
	if (strcmp(code, "57014") == 0 || strcmp(code, "55P03") == 0)
		return CT_ERR_DB_UNAVAILABLE;
	return CT_ERR_INTERNAL;
}

enum ct_err
ct_db_exec(PGresult **res, const char *sql, int nparams,
    const char *const *values, const int *lengths, const int *formats,
    char sqlstate[6])
{
	ExecStatusType st;
	enum ct_err err;
	PGresult *r;
	int attempt, reused;

	*res = NULL;
	if (sqlstate != NULL)
		sqlstate[0] = '\0';
	/* A transaction whose connection is gone is gone with it: nothing
	 * may run on a new connection as if it were still open. */
	if (in_tx && (tx_lost || conn == NULL ||
	    PQstatus(conn) != CONNECTION_OK)) {
		ct_db_close();
		return CT_ERR_DB_UNAVAILABLE;
	}
	for (attempt = 0; attempt < 2; attempt++) {
		reused = conn != NULL;
		if ((err = ensure_connected()) != CT_OK)
			return err;
		r = PQexecParams(conn, sql, nparams, NULL, values, lengths,
		    formats, 0);
		st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			*res = r;
			return CT_OK;
		}
		err = failure(r, sqlstate);
		PQclear(r);
		/* A kept connection found dead (the server restarted since
		 * the last request) costs a reconnect, not the request: its
		 * transaction rolled back, so running it again is safe. */
		if (!(err == CT_ERR_DB_UNAVAILABLE && conn == NULL && reused) ||
		    in_tx)
			break;
	}
	return err;
}

enum ct_err
ct_db_begin(void)
{
	enum ct_err err;
	PGresult *r;

	if (in_tx)
		return CT_ERR_INTERNAL;	/* one at a time */
	if ((err = ct_db_exec(&r, "BEGIN", 0, NULL, NULL, NULL, NULL)) !=
	    CT_OK)
		return err;
	PQclear(r);
	in_tx = 1;
	tx_lost = 0;
	return CT_OK;
}

enum ct_err
ct_db_commit(void)
{
	enum ct_err err;
	PGresult *r;
	int committed;

	if (!in_tx)
		return CT_ERR_INTERNAL;
	err = ct_db_exec(&r, "COMMIT", 0, NULL, NULL, NULL, NULL);
	in_tx = 0;
	tx_lost = 0;
	if (err != CT_OK)
		return err;
	/* An aborted transaction's COMMIT succeeds, saying ROLLBACK. */
	committed = strcmp(PQcmdStatus(r), "COMMIT") == 0;
	PQclear(r);
	return committed ? CT_OK : CT_ERR_INTERNAL;
}

void
ct_db_rollback(void)
{
	PGresult *r;

	if (!in_tx)
		return;
	if (!tx_lost && conn != NULL &&
	    ct_db_exec(&r, "ROLLBACK", 0, NULL, NULL, NULL, NULL) == CT_OK)
		PQclear(r);
	in_tx = 0;
	tx_lost = 0;
}

/*
 * The results of one statement sent in single-row mode, to its end: rows
 * to each_row (counted in *rows) until it asks to stop.  Returns CT_OK or
 * the statement's failure.
 */
static enum ct_err
read_rows(int (*each_row)(PGresult *row, void *arg), void *arg, long *rows,
    int *stop)
{
	enum ct_err err = CT_OK;
	PGresult *r;

	if (!PQsetSingleRowMode(conn))
		return failure(NULL, NULL);
	while (conn != NULL && (r = PQgetResult(conn)) != NULL) {
		ExecStatusType st = PQresultStatus(r);

		if (st == PGRES_SINGLE_TUPLE) {
			(*rows)++;
			if (!*stop && each_row(r, arg) != 0)
				*stop = 1;
		} else if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK &&
		    st != PGRES_PIPELINE_ABORTED && err == CT_OK) {
			err = failure(r, NULL);	/* may close the connection */
		}
		PQclear(r);
	}
	return err;
}

enum ct_err
ct_db_stream(const char *sql, int nparams, const char *const *values,
    int (*each_row)(PGresult *row, void *arg), void *arg)
{
	enum ct_err err;
	long rows = 0;
	int stop = 0;

	if ((err = ensure_connected()) != CT_OK)
		return err;
	if (!PQsendQueryParams(conn, sql, nparams, NULL, values, NULL, NULL,
	    0)) {
		/* A kept connection found dead: reconnect once, as above. */
		(void)failure(NULL, NULL);
		if ((err = ensure_connected()) != CT_OK)
			return err;
		if (!PQsendQueryParams(conn, sql, nparams, NULL, values, NULL,
		    NULL, 0))
			return failure(NULL, NULL);
	}
	return read_rows(each_row, arg, &rows, &stop);
}

/*
 * In the open transaction: open_sql, then fetch_sql, sent together (one
 * round trip), fetch_sql's rows read as they come.  The connection
 * leaves pipeline mode on every path, or is closed.
 */
static enum ct_err
open_and_fetch(const char *open_sql, int nparams, const char *const *values,
    const char *fetch_sql, int (*each_row)(PGresult *row, void *arg),
    void *arg, long *rows, int *stop)
{
	enum ct_err err = CT_OK;
	int synced = 0;
	PGresult *r;

	if (!PQenterPipelineMode(conn))
		return failure(NULL, NULL);
	if (!PQsendQueryParams(conn, open_sql, nparams, NULL, values, NULL,
	    NULL, 0) || !PQsendQueryParams(conn, fetch_sql, 0, NULL, NULL,
	    NULL, NULL, 0) || !PQpipelineSync(conn)) {
		err = failure(NULL, NULL);
		ct_db_close();
		return err;
	}
	/* The opening's results, then the fetch's, each ending with a NULL;
	 * the sync's own result comes last. */
	while (conn != NULL && (r = PQgetResult(conn)) != NULL) {
		ExecStatusType st = PQresultStatus(r);

		if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK &&
		    err == CT_OK)
			err = failure(r, NULL);
		PQclear(r);
	}
	if (conn != NULL && err == CT_OK)
		err = read_rows(each_row, arg, rows, stop);
	else	/* the fetch was not run: its one result says so */
		while (conn != NULL && (r = PQgetResult(conn)) != NULL)
			PQclear(r);
	while (conn != NULL && !synced && (r = PQgetResult(conn)) != NULL) {
		synced = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
		PQclear(r);
	}
	if (conn != NULL && (!synced || !PQexitPipelineMode(conn))) {
		if (err == CT_OK)
			err = failure(NULL, NULL);
		ct_db_close();
	}
	return err;
}

enum ct_err
ct_db_stream_cursor(const char *open_sql, int nparams,
    const char *const *values, const char *const *cursors,
    int (*each_row)(PGresult *row, void *arg), void *arg)
{
	char fetch[96];
	enum ct_err err;
	long rows = 0, batch, before;
	int stop = 0;

	if (in_tx || cursors == NULL || cursors[0] == NULL)
		return CT_ERR_INTERNAL;	/* it is a transaction of its own */
	snprintf(fetch, sizeof(fetch), "FETCH FORWARD %d FROM %s",
	    CT_DB_FETCH_ROWS, *cursors);
	if ((err = ct_db_begin()) != CT_OK)
		return err;
	err = open_and_fetch(open_sql, nparams, values, fetch, each_row, arg,
	    &rows, &stop);
	batch = rows;
	while (err == CT_OK && !stop) {
		/* Less than a whole batch: this cursor is done, the next. */
		if (batch < CT_DB_FETCH_ROWS) {
			if (*++cursors == NULL)
				break;
			snprintf(fetch, sizeof(fetch), "FETCH FORWARD %d FROM %s",
			    CT_DB_FETCH_ROWS, *cursors);
		}
		if (conn == NULL) {
			err = CT_ERR_DB_UNAVAILABLE;
			break;
		}
		if (!PQsendQueryParams(conn, fetch, 0, NULL, NULL, NULL, NULL,
		    0)) {
			err = failure(NULL, NULL);
			break;
		}
		before = rows;
		err = read_rows(each_row, arg, &rows, &stop);
		batch = rows - before;
	}
	if (err != CT_OK) {
		ct_db_rollback();
		return err;
	}
	return ct_db_commit();
}
