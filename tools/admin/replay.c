/*
 * replay.c: calltrack-admin replay.
 */
#include <stdio.h>
#include <unistd.h>

#include "admin.h"
#include "read/query.h"
#include "ops/replay.h"

/* A progress line on a terminal, every hundred events and at the end. */
static void
progress(long long done, long long total, void *arg)
{
	(void)arg;
	if (done % 100 == 0 || done == total)
		fprintf(stderr, "\rreplay: %lld/%lld", done, total);
}

/*
 * Applies kept events again through the current code (replay.h): the
 * parked ones (of every org), every event of one call, or every event of
 * one org, optionally within [--from, --to) of the call's time or
 * [--received-from, --received-to) of the event's arrival.  Prints
 * "replayed N: applied A, parked P; failed F"; exit 1 when one failed.
 */
int
adm_replay(const struct adm_args *a)
{
	struct ct_replay_filter f = { 0, NULL, NULL, NULL, NULL, NULL, NULL };
	struct ct_replay_counts c;
	int tty = isatty(2);
	enum ct_err err;

	f.parked = adm_opt(a, "--parked") != NULL;
	f.call = adm_opt(a, "--call");
	f.org = adm_opt(a, "--org");
	f.from = adm_opt(a, "--from");
	f.to = adm_opt(a, "--to");
	f.received_from = adm_opt(a, "--received-from");
	f.received_to = adm_opt(a, "--received-to");
	if (f.parked + (f.call != NULL) + (f.org != NULL) != 1)
		return adm_usage("replay takes one of --parked, --call CALL-ID, "
		    "--org ORG");
	if ((f.call != NULL && !ct_query_uuid(f.call)) ||
	    (f.org != NULL && !ct_query_uuid(f.org)))
		return adm_usage("--call and --org take ids");
	if (adm_library_setup(0) != 0)
		return ADM_FAIL;
	err = ct_replay_events(&f, &c, tty ? progress : NULL, NULL);
	if (tty && c.listed > 0)
		fputc('\n', stderr);
	if (err == CT_ERR_INTERNAL)
		return adm_fail("list the events", "a time is not a timestamp, "
		    "or the database refused the listing");
	if (err != CT_OK) {
		fprintf(stderr, "calltrack-admin: could not replay: the "
		    "database is unavailable\n");
		return ADM_FAIL;
	}
	printf("replayed %lld: applied %lld, parked %lld; failed %lld\n",
	    c.applied + c.parked + c.failed, c.applied, c.parked, c.failed);
	return c.failed == 0 ? ADM_OK : ADM_FAIL;
}
