/*
 * spool.h: verified webhooks kept on local disk while the database cannot
 * take them.
 *
 * A webhook whose signature checked out but whose event could not be
 * written (the database unreachable or too slow) is written to
 * CALLTRACK_SPOOL_DIR, one file per request, fsync'd and renamed into
 * place, and answered 202 "spooled".  `calltrack-admin spool drain` (and
 * the sweeper) applies the files through the same mapping and statement
 * as a live request; the dedup keys make a second drain of the same file
 * change nothing.  Past CALLTRACK_SPOOL_MAX_MB of files, or with no
 * directory configured, nothing is spooled and the webhook gets 503.
 *
 * A file, NAME.spool: "calltrack-spool 2\n", then exactly six
 * "key: value\n" lines in this order:
 *
 *   provider: vapi | retell | twilio
 *   integration: the slug ([A-Za-z0-9_-]{1,64})
 *   org: the integration's org, a lower-case UUID
 *   content-type: application/json | application/x-www-form-urlencoded
 *   received-at: YYYY-MM-DDTHH:MM:SSZ
 *   length: the body's size in bytes, at most CT_SPOOL_BODY_MAX
 *
 * then an empty line and exactly length bytes of the raw body.  Only the
 * request's media type is kept, lower-cased and without parameters, never
 * the header as sent.  The reader takes the keys in any order but refuses
 * a line without its newline or longer than a header line can be, a
 * control character, an unknown, repeated or missing key, a value not of
 * its key's shape, a body shorter or longer than its length, and a file of
 * another format (format 1 kept no org: such files are refused too).
 *
 * The drain never applies a refused file, nor one whose integration is
 * gone, disabled, of another org or of another provider: it keeps it aside
 * as NAME.spool.refused, beside NAME.spool.reason (one line, "refused:
 * WHY"), and says so.  A file whose body can never apply is kept as
 * NAME.spool.failed beside its NAME.spool.reason ("failed: CODE").
 * Neither is listed again; an operator reads, then removes or renames
 * them.
 */
#ifndef CT_SPOOL_H
#define CT_SPOOL_H

#include <stddef.h>

#include "core/err.h"
#include "core/delivery.h"
#include "ingest/integration.h"

/* The largest body a spool file holds: CALLTRACK_WEBHOOK_BODY_LIMIT's
 * upper bound. */
#define CT_SPOOL_BODY_MAX (64LL * 1024 * 1024)

/* One spooled request, as read back.  Every field has its key's shape. */
struct ct_spooled {
	char	 provider[8];
	char	 integration[CT_INTEGRATION_ID_MAX + 1];
	char	 org[37];
	char	 content_type[40];
	char	 received_at[24];
	char	*body;			/* NUL-terminated, owned */
	size_t	 body_len;
};

/*
 * Returns the spooled form of content_type's media type:
 * "application/json" or "application/x-www-form-urlencoded" (a static
 * string), or NULL for any other content type.
 */
const char *ct_spool_media_type(const char *content_type);

/*
 * Writes d's body with in's provider, slug and org and d's media type to
 * the spool.  Returns CT_OK once the file is durable, else
 * CT_ERR_DB_UNAVAILABLE (no spool, spool full, a content type or field
 * that a spool file cannot hold, or the write failed: the caller answers
 * 503); after a failure no file of it is left, whole or partial.
 */
enum ct_err ct_spool_write(const struct ct_delivery *d,
    const struct ct_integration *in) __attribute__((warn_unused_result));

/*
 * Reads the spool file at path into out (freed with ct_spooled_free, also
 * after a failure).  Returns CT_OK; CT_ERR_MALFORMED_BODY when the file is
 * not exactly a spool file, with *why set to a fixed sentence saying what
 * is wrong (never a value from the file); CT_ERR_IO when it cannot be
 * opened or read (*why: "could not read the file"); CT_ERR_NOMEM.
 */
enum ct_err ct_spool_read(const char *path, struct ct_spooled *out,
    const char **why) __attribute__((warn_unused_result));

/* Frees what ct_spool_read allocated in s; safe to repeat. */
void ct_spooled_free(struct ct_spooled *s);

/*
 * Keeps the spool file name of dir aside so that it is never applied or
 * listed again: renames NAME to NAME.<kind> and puts beside it NAME.reason,
 * one line "<kind>: <why>\n" (control characters replaced).  kind is
 * "refused" or "failed".  Returns CT_OK, or CT_ERR_IO with errno set: then
 * NAME was not moved (it stays in the spool, for the next drain to refuse
 * again), unless only the reason could not be put in place.
 */
enum ct_err ct_spool_set_aside(const char *dir, const char *name,
    const char *kind, const char *why) __attribute__((warn_unused_result));

/*
 * Lists the spool files of dir (NAME.spool, not the temporary, refused or
 * failed ones), oldest first: *names gets a malloc'd array of n malloc'd
 * names (file names, not paths).  Returns n, or -1 when dir cannot be
 * read.  Free with ct_spool_list_free.
 */
long ct_spool_list(const char *dir, char ***names);

/* Frees what ct_spool_list returned. */
void ct_spool_list_free(char **names, long n);

#endif
