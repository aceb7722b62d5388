/*
 * spool.c: calltrack-admin spool drain.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "ops/drain.h"

/* Says on stderr what became of a file the drain did not remove. */
static void
note(const char *name, const char *kind, const char *why, void *arg)
{
	(void)arg;
	if (strcmp(kind, "left") == 0)
		fprintf(stderr, "calltrack-admin: %s left (%s)\n", name, why);
	else
		fprintf(stderr, "calltrack-admin: %s %s (%s); kept as %s.%s\n",
		    name, kind, why, name, kind);
}

/*
 * Drains the spool (CALLTRACK_SPOOL_DIR, or --dir) through the library's
 * drain (drain.h); prints "drained N: applied A, duplicate D, parked P;
 * failed F; refused R; left L".  Exit 1 when the database could not be
 * reached: what is left stays for the next drain.
 */
int
adm_spool_drain(const struct adm_args *a)
{
	const char *dir = adm_opt(a, "--dir");
	struct ct_drain_counts c;
	enum ct_err err;

	if (dir == NULL)
		dir = getenv("CALLTRACK_SPOOL_DIR");
	if (dir == NULL || *dir == '\0')
		return adm_usage("spool drain needs CALLTRACK_SPOOL_DIR or --dir");
	if (adm_library_setup(1) != 0)
		return ADM_FAIL;
	if ((err = ct_drain_spool(dir, &c, note, NULL)) == CT_ERR_IO)
		return adm_fail("read the spool", strerror(errno));
	if (err != CT_OK)
		fprintf(stderr, "calltrack-admin: could not drain the spool: "
		    "the database is unavailable\n");
	printf("drained %ld: applied %ld, duplicate %ld, parked %ld; failed %ld; "
	    "refused %ld; left %ld\n", ct_drain_drained(&c), c.applied,
	    c.duplicate, c.parked, c.failed, c.refused, c.left);
	return err == CT_OK ? ADM_OK : ADM_FAIL;
}
