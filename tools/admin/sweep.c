/*
 * sweep.c: calltrack-admin sweep.
 */
#include <stdio.h>

#include "admin.h"
#include "core/config.h"
#include "core/num.h"
#include "ops/reconcile.h"

/*
 * Closes stuck calls, folds the per-day counts, and deletes rejected
 * requests older than CALLTRACK_REJECTED_DAYS, SWEEP_BATCH rows a
 * statement (each its own transaction), at most SWEEP_BATCHES statements a
 * run: a larger backlog goes over the next runs.
 */
#define SWEEP_BATCH	5000
#define SWEEP_BATCHES	1000

/* The first value of r as a count, 0 when it is not one. */
static long long
count_of(PGresult *r)
{
	long long n;

	return ct_num_parse_str(PQgetvalue(r, 0, 0), 0, 0x7fffffffffffLL,
	    &n) == CT_OK ? n : 0;
}

/* Asks the providers about the calls due (reconcile.h) before the sweeper
 * closes any; prints "reconciled: asked A, recovered R, not found N, rate
 * limited L, failed F, skipped S".  A failure is reported and the sweep
 * goes on: the sweeper closes what was not recovered, as without it. */
static void
reconcile(void)
{
	struct ct_reconcile_counts c;
	enum ct_err err;

	if (adm_library_setup(0) != 0) {
		fprintf(stderr, "calltrack-admin: could not reconcile: no "
		    "connection\n");
		return;
	}
	err = ct_reconcile_run(&c);
	printf("reconciled: asked %lld, recovered %lld, not found %lld, rate "
	    "limited %lld, failed %lld, skipped %lld\n", c.asked, c.recovered,
	    c.not_found, c.rate_limited, c.failed, c.skipped);
	if (err != CT_OK)
		fprintf(stderr, "calltrack-admin: could not reconcile every "
		    "call: %s\n", err == CT_ERR_DB_UNAVAILABLE ? "the database "
		    "is unavailable" : "the database refused a statement");
}

/* Reconciles, then sweeps; prints the reconciliation's line, then "closed
 * N stuck calls; folded M rollup changes; pruned K rejected requests". */
int
adm_sweep(const struct adm_args *a)
{
	struct ct_config cfg;
	char err[200], days[24], batch[16];
	const char *params[2] = { days, batch };
	long long closed, folded, pruned = 0, n = SWEEP_BATCH;
	PGresult *r;
	int i;

	(void)a;
	if (ct_config_load(&cfg, err, sizeof(err)) != CT_OK)
		return adm_fail("read the configuration", err);
	if (adm_connect() != 0)
		return ADM_FAIL;
	reconcile();
	if ((r = adm_run("sweep stuck calls", "SELECT ct_sweep()", 0, NULL)) ==
	    NULL)
		return ADM_FAIL;
	closed = count_of(r);
	PQclear(r);
	/* The dashboard's kept counts take in what changed since: the calls'
	 * per-day counts, and the contacts' by lead status. */
	if ((r = adm_run("fold the call counts", "SELECT ct_rollup_fold()", 0,
	    NULL)) == NULL)
		return ADM_FAIL;
	folded = count_of(r);
	PQclear(r);
	if ((r = adm_run("fold the contact counts",
	    "SELECT ct_contact_counts_fold()", 0, NULL)) == NULL)
		return ADM_FAIL;
	folded += count_of(r);
	PQclear(r);
	snprintf(days, sizeof(days), "%lld", cfg.rejected_days);
	snprintf(batch, sizeof(batch), "%d", SWEEP_BATCH);
	for (i = 0; i < SWEEP_BATCHES && n == SWEEP_BATCH; i++) {
		if ((r = adm_run("delete old rejected events", "SELECT "
		    "ct_prune_rejected($1::int, $2::int)", 2, params)) == NULL)
			return ADM_FAIL;
		n = count_of(r);
		if (n > SWEEP_BATCH)
			n = 0;
		pruned += n;
		PQclear(r);
	}
	printf("closed %lld stuck calls; folded %lld rollup changes; pruned "
	    "%lld rejected requests\n", closed, folded, pruned);
	return ADM_OK;
}
