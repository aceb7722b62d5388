/*
 * drain.c: the spool applied to the database (drain.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ops/drain.h"
#include "ingest/hook.h"
#include "ops/replay.h"
#include "ingest/spool.h"

/* Says what became of a file not removed. */
static void
noted(ct_drain_note_fn note, void *arg, const char *name, const char *kind,
    const char *why)
{
	if (note != NULL)
		note(name, kind, why, arg);
}

/*
 * Applies the spool file path.  Returns what ct_hook_replay returned, or
 * CT_ERR_UNKNOWN_INTEGRATION for a file that is not exactly a spool file or
 * names no known provider, CT_ERR_IO or CT_ERR_NOMEM when it could not be
 * read; *why says why not (a static string).
 */
static enum ct_err
drain_one(const char *path, char outcome[16], const char **why)
{
	const struct ct_hook_provider *p;
	struct ct_delivery d;
	struct ct_spooled sp;
	enum ct_err err;

	outcome[0] = '\0';
	err = ct_spool_read(path, &sp, why);
	if (err == CT_ERR_IO || err == CT_ERR_NOMEM) {
		ct_spooled_free(&sp);
		return err;
	}
	if (err != CT_OK) {
		/* Not a file the programs write: never applied. */
		ct_spooled_free(&sp);
		return CT_ERR_UNKNOWN_INTEGRATION;
	}
	d.body = sp.body;
	d.body_len = sp.body_len;
	d.content_type = sp.content_type;
	d.query = "";
	d.log_id = "spool";
	*why = NULL;
	if ((p = ct_replay_provider(sp.provider)) == NULL) {
		err = CT_ERR_UNKNOWN_INTEGRATION;
		*why = "no such provider";
	} else {
		err = ct_hook_replay(p, sp.integration, sp.org, &d, outcome, why);
	}
	ct_spooled_free(&sp);
	if (*why == NULL)
		*why = ct_err_info(err)->code;
	return err;
}

long
ct_drain_drained(const struct ct_drain_counts *c)
{
	return c->applied + c->duplicate + c->parked;
}

enum ct_err
ct_drain_spool(const char *dir, struct ct_drain_counts *counts,
    ct_drain_note_fn note, void *arg)
{
	enum ct_err err = CT_OK;
	char **names;
	long n, i;

	memset(counts, 0, sizeof(*counts));
	if ((n = ct_spool_list(dir, &names)) < 0)
		return CT_ERR_IO;
	for (i = 0; i < n; i++) {
		char path[4200], outcome[16];
		const char *why = "", *kind;
		enum ct_err e;

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]) >= sizeof(path)) {
			noted(note, arg, names[i], "left", "path too long");
			counts->left++;
			continue;
		}
		e = drain_one(path, outcome, &why);
		if (e == CT_ERR_IO || e == CT_ERR_NOMEM) {
			noted(note, arg, names[i], "left", why);
			counts->left++;
			continue;
		}
		if (e == CT_OK) {
			/* A message that carries no call state is counted
			 * with the applied: it is in the database as it is. */
			if (strcmp(outcome, "applied") == 0 ||
			    strcmp(outcome, "recorded") == 0)
				counts->applied++;
			else if (strcmp(outcome, "duplicate") == 0)
				counts->duplicate++;
			else
				counts->parked++;
			/* In the database now; a file that stays would only
			 * be a duplicate next time. */
			if (unlink(path) != 0)
				noted(note, arg, names[i], "left",
				    "could not remove the file");
			continue;
		}
		if (ct_err_http_status(e) >= 500) {
			counts->left += n - i;
			err = CT_ERR_DB_UNAVAILABLE;
			break;
		}
		kind = e == CT_ERR_UNKNOWN_INTEGRATION ? "refused" : "failed";
		if (ct_spool_set_aside(dir, names[i], kind, why) != CT_OK) {
			noted(note, arg, names[i], "left",
			    "could not keep it aside");
			counts->left++;
			continue;
		}
		noted(note, arg, names[i], kind, why);
		if (e == CT_ERR_UNKNOWN_INTEGRATION)
			counts->refused++;
		else
			counts->failed++;
	}
	ct_spool_list_free(names, n);
	return err;
}
