/*
 * stats.c: calltrack-admin stats ingest.
 */
#include <stdio.h>
#include <stdlib.h>

#include "admin.h"
#include "ingest/spool.h"

/*
 * Ingestion over the last INTERVAL (a PostgreSQL interval: "1 hour",
 * "24h", "7 days"; default 1 hour), one figure a line as "what key n":
 *   window 2026-11-21T07:00:00Z 2026-11-21T08:00:00Z
 *   events vapi/applied 1180
 *   duplicate vapi 41
 *   rejected invalid_signature 3
 *   swept failed 2
 *   spooled pending 0       (with CALLTRACK_SPOOL_DIR: files not yet drained)
 */
int
adm_stats_ingest(const struct adm_args *a)
{
	const char *since = adm_opt(a, "--since"), *params[1], *spool;
	PGresult *r;
	int i;

	params[0] = since != NULL ? since : "1 hour";
	if ((r = adm_run("read the window", "SELECT to_char((now() - "
	    "$1::interval) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	    "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
	    1, params)) == NULL)
		return ADM_USAGE;
	printf("window %s %s\n", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
	PQclear(r);
	if ((r = adm_run("sum up ingestion", "SELECT what, key, n FROM "
	    "ct_ingest_stats(now() - $1::interval, now())", 1, params)) == NULL)
		return ADM_FAIL;
	for (i = 0; i < PQntuples(r); i++)
		printf("%s %s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		    PQgetvalue(r, i, 2));
	PQclear(r);
	/* What waits on disk for the database (this host's spool). */
	spool = getenv("CALLTRACK_SPOOL_DIR");
	if (spool != NULL && *spool != '\0') {
		char **names;
		long n = ct_spool_list(spool, &names);

		if (n >= 0) {
			printf("spooled pending %ld\n", n);
			ct_spool_list_free(names, n);
		}
	}
	return ADM_OK;
}
