/*
 * db.h: the process's one database connection.
 *
 * Connected lazily on the first query, with the configured statement and
 * connect timeouts.  A kept connection found dead when used (the server
 * restarted) is replaced at once and the statement run again; otherwise a
 * connection failure drops it for the next query to retry, and until the
 * database is back each query fails with CT_ERR_DB_UNAVAILABLE, which the
 * request answers with 503.
 */
#ifndef CT_DB_H
#define CT_DB_H

#include <libpq-fe.h>

#include "core/err.h"

/*
 * Names the program to the database (application_name) and says whether
 * it only reads: a reader connects to CALLTRACK_DB_READ when that is set
 * (a streaming replica), every other program to CALLTRACK_DB.
 */
void ct_db_configure(const char *program, int reader);

/*
 * Runs one parameterized statement (text parameters; lengths and formats
 * may be NULL, as for PQexecParams) and returns its result in *res for the
 * caller to PQclear.  Returns CT_OK for a command or tuples result;
 * CT_ERR_DB_UNAVAILABLE when the database cannot be reached, the
 * connection broke or the statement timed out; CT_ERR_INTERNAL for any
 * other SQL error (logged with its SQLSTATE, never sent to a client).
 * *res is NULL unless CT_OK.  When sqlstate is not NULL it receives the
 * five-character SQLSTATE of a failure ("" otherwise).
 */
enum ct_err ct_db_exec(PGresult **res, const char *sql, int nparams,
    const char *const *values, const int *lengths, const int *formats,
    char sqlstate[6]) __attribute__((warn_unused_result));

/*
 * Runs one parameterized statement and hands its rows to each_row one at a
 * time as they arrive (libpq's single-row mode), so a large result is never
 * held whole.  each_row returns 0 to go on, non-zero to skip the rest.
 * Errors as for ct_db_exec.
 */
enum ct_err ct_db_stream(const char *sql, int nparams,
    const char *const *values, int (*each_row)(PGresult *row, void *arg),
    void *arg) __attribute__((warn_unused_result));

/* The rows of one fetch of ct_db_stream_cursor. */
#define CT_DB_FETCH_ROWS 2000
/*
 * Runs open_sql, a parameterized statement that opens the cursors named
 * in cursors (constants of the caller's, the list ended by NULL), and
 * reads each to its end, one after the other, in a transaction of its
 * own, so that the cursors and what open_sql set for the transaction (the
 * org's pin) last while their rows are read.  The opening and the first
 * CT_DB_FETCH_ROWS rows are one round trip, each further batch one more;
 * the rows go to each_row one at a time as they arrive, as for
 * ct_db_stream, and the database makes no more of them than a batch
 * ahead, where a set-returning function makes all of its rows first.
 * each_row returns non-zero to stop.  Not inside ct_db_begin's
 * transaction.  Errors as for ct_db_exec; a failure after some rows comes
 * after them.
 */
enum ct_err ct_db_stream_cursor(const char *open_sql, int nparams,
    const char *const *values, const char *const *cursors,
    int (*each_row)(PGresult *row, void *arg), void *arg)
    __attribute__((warn_unused_result));
/*
 * Starts a transaction on the process's connection (connecting when need
 * be).  Until ct_db_commit or ct_db_rollback ends it, a statement is never
 * run again on a new connection: a connection lost inside it fails that
 * statement and every later one with CT_ERR_DB_UNAVAILABLE, and what the
 * transaction did is rolled back by the server.  The caller ends every
 * transaction it starts, on every path.  Errors as for ct_db_exec.
 */
enum ct_err ct_db_begin(void) __attribute__((warn_unused_result));

/*
 * Commits the open transaction.  Returns CT_OK only when the server
 * committed it; a transaction a failed statement aborted is rolled back,
 * and CT_ERR_INTERNAL returned.  The transaction is over either way.
 */
enum ct_err ct_db_commit(void) __attribute__((warn_unused_result));

/* Rolls the open transaction back, if any; the transaction is over. */
void ct_db_rollback(void);

/* Closes the connection (the next query reconnects).  Safe to repeat. */
void ct_db_close(void);

#endif
