/*
 * common.c: what every command of calltrack-admin shares (admin.h): the
 * administrator's connection, one statement, secrets from standard input,
 * the library's set-up, and the messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/num.h"

static PGconn *conn;
static char secret_buf[600];

int
adm_usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "calltrack-admin: %s\n", why);
	adm_usage_print(stderr);
	return ADM_USAGE;
}

int
adm_fail(const char *what, const char *why)
{
	fprintf(stderr, "calltrack-admin: could not %s: %s\n", what, why);
	return ADM_FAIL;
}

int
adm_connect(void)
{
	const char *dsn = getenv("CALLTRACK_ADMIN_DB");

	if (conn != NULL)
		return 0;
	conn = PQconnectdb(dsn && *dsn ? dsn : "");
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "calltrack-admin: could not connect to the "
		    "database: %s", PQerrorMessage(conn));
		PQfinish(conn);
		conn = NULL;
		return -1;
	}
	return 0;
}

void
adm_disconnect(void)
{
	if (conn != NULL)
		PQfinish(conn);
	conn = NULL;
	ct_db_close();
}

PGresult *
adm_run(const char *what, const char *sql, int n, const char *const *params)
{
	ExecStatusType st;
	const char *msg;
	PGresult *r;

	if (adm_connect() != 0)
		return NULL;
	r = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	st = PQresultStatus(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	adm_fail(what, msg ? msg : PQerrorMessage(conn));
	PQclear(r);
	return NULL;
}

long long
adm_rows_changed(PGresult *r)
{
	long long n;

	return ct_num_parse_str(PQcmdTuples(r), 0, 0x7fffffff, &n) == CT_OK ?
	    n : -1;
}

const char *
adm_secret_arg(const char *v)
{
	size_t n;

	if (v == NULL || strcmp(v, "-") != 0)
		return v;
	if (fgets(secret_buf, sizeof(secret_buf), stdin) == NULL)
		return NULL;
	n = strcspn(secret_buf, "\r\n");
	secret_buf[n] = '\0';
	return secret_buf;
}

int
adm_secret_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0, i;

	if (n < 8 || n > 512)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || s[i] == 0x7f)
			return 0;
	return 1;
}

int
adm_one_of(const char *v, const char *const *allowed)
{
	for (; *allowed != NULL; allowed++)
		if (strcmp(v, *allowed) == 0)
			return 1;
	return 0;
}

int
adm_library_setup(int programs_role)
{
	const char *admin_db = getenv("CALLTRACK_ADMIN_DB");
	const char *db = getenv("CALLTRACK_DB");
	struct ct_config cfg;
	char err[200];

	/* The drain needs nothing the programs' role lacks (the apply
	 * statement pins each event's org itself); everything else reads
	 * across orgs, as the administrator. */
	if (!programs_role || db == NULL || *db == '\0') {
		if (admin_db != NULL && *admin_db != '\0')
			setenv("CALLTRACK_DB", admin_db, 1);
		else
			unsetenv("CALLTRACK_DB");
	}
	ct_log_init("calltrack-admin");
	if (ct_config_load(&cfg, err, sizeof(err)) != CT_OK) {
		adm_fail("read the configuration", err);
		return -1;
	}
	ct_config_set(&cfg);
	ct_db_configure("calltrack-admin", 0);
	return 0;
}

int
adm_org_known(const char *what, const char *org)
{
	PGresult *r;
	int n;

	if ((r = adm_run(what, "SELECT 1 FROM orgs WHERE id = $1", 1,
	    &org)) == NULL)
		return ADM_FAIL;
	n = PQntuples(r);
	PQclear(r);
	return n == 1 ? ADM_OK : adm_fail(what, "no such org");
}
