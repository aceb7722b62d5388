/*
 * replay.h: kept events applied again through the current mapping.
 *
 * `calltrack-admin replay` lists the events kept in call_events by a
 * filter and hands each to ct_hook_reapply, oldest first, over the
 * library's own connection (db.h).  Listing spans orgs, so that connection
 * must be the administrator's (a role that bypasses row-level security):
 * as the programs' role nothing is listed.  Replaying twice gives the
 * calls replaying once gives.
 */
#ifndef CT_REPLAY_H
#define CT_REPLAY_H

#include "core/err.h"
#include "ingest/hook.h"

/* Which kept events to replay.  Exactly one of parked, call and org is set
 * (ct_replay_events refuses anything else).  The times are PostgreSQL
 * timestamptz literals, each NULL for no bound: from and to bound the
 * call's time (when it started, else its first event) to [from, to), so
 * an event of no call is left out when either is set; received_from and
 * received_to bound when the event itself arrived. */
struct ct_replay_filter {
	int		 parked;	/* the parked events of every org */
	const char	*call;		/* a call id: its events */
	const char	*org;		/* an org id: its events */
	const char	*from, *to;
	const char	*received_from, *received_to;
};

/* What a replay did.  listed = applied + parked + failed + the events not
 * reached (the database went away). */
struct ct_replay_counts {
	long long	 listed;
	long long	 applied;	/* applied, or unchanged by the replay */
	long long	 parked;	/* still refused by the mapping's values */
	long long	 failed;	/* gone, unmapped or of no known provider */
};

/* Called after each event with how many are done of how many listed. */
typedef void (*ct_replay_progress_fn)(long long done, long long total,
    void *arg);

/*
 * Returns the webhook pipeline of provider ("vapi", "retell", "twilio"),
 * a static object, or NULL for any other name.
 */
const struct ct_hook_provider *ct_replay_provider(const char *provider);

/*
 * Replays the events filter selects, oldest received first, into *counts
 * (zeroed first); progress (may be NULL) is called with arg after each.
 * Returns CT_OK once every listed event was tried (some may have failed:
 * see counts->failed); CT_ERR_INVALID_PARAMETER when the filter does not name
 * exactly one of parked, call and org or names a malformed id;
 * CT_ERR_DB_UNAVAILABLE when the database went away (the counts say how
 * far it got); CT_ERR_INTERNAL when the listing failed (a bad time);
 * CT_ERR_NOMEM.
 */
enum ct_err ct_replay_events(const struct ct_replay_filter *filter,
    struct ct_replay_counts *counts, ct_replay_progress_fn progress,
    void *arg) __attribute__((warn_unused_result));

#endif
