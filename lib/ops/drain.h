/*
 * drain.h: the spool applied to the database.
 *
 * `calltrack-admin spool drain` (and the sweeper) hands every file of a
 * spool directory (spool.h), oldest first, to ct_hook_replay over the
 * library's own connection (db.h: the programs' role is enough, the apply
 * statement pins each event's org itself), and removes each file once its
 * event is in the database: applied, duplicate or parked.  A file that is
 * not exactly a spool file, or whose integration is gone, disabled, of
 * another org or of another provider, is never applied: it is kept aside
 * as NAME.refused beside NAME.reason.  A file whose body can never apply
 * (it does not map) is kept aside as NAME.failed.  When the database
 * cannot be reached the drain stops: what is left stays for the next one.
 */
#ifndef CT_DRAIN_H
#define CT_DRAIN_H

#include "core/err.h"

/* What a drain did with the files it listed. */
struct ct_drain_counts {
	long	 applied;
	long	 duplicate;
	long	 parked;
	long	 failed;	/* kept aside as NAME.failed */
	long	 refused;	/* kept aside as NAME.refused */
	long	 left;		/* still in the spool, for the next drain */
};

/*
 * Called for each file not drained: name is its file name, kind "refused"
 * or "failed" when it was kept aside as NAME.<kind>, "left" when it stays
 * in the spool; why is a fixed sentence or an error code (never a value
 * from the file).  Both strings live only for the call.
 */
typedef void (*ct_drain_note_fn)(const char *name, const char *kind,
    const char *why, void *arg);

/*
 * Drains the spool directory dir into *counts (zeroed first), calling note
 * (may be NULL) with arg for each file not removed.  Returns CT_OK once
 * every file was tried; CT_ERR_IO (errno set) when dir cannot be listed;
 * CT_ERR_DB_UNAVAILABLE when the database could not take an event (that
 * file and the rest are counted left, without a note each).  The library's
 * configuration (config.h) must be set.
 */
enum ct_err ct_drain_spool(const char *dir, struct ct_drain_counts *counts,
    ct_drain_note_fn note, void *arg) __attribute__((warn_unused_result));

/* Returns the number of files a drain removed: applied + duplicate +
 * parked. */
long ct_drain_drained(const struct ct_drain_counts *counts);

#endif
