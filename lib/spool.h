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
 * A file: "calltrack-spool 1\n", then "key: value" lines (provider,
 * integration, content-type, received-at, length), an empty line, and
 * exactly length bytes of the raw body.
 */
#ifndef CT_SPOOL_H
#define CT_SPOOL_H

#include <stddef.h>

#include "err.h"
#include "http.h"

/* One spooled request, as read back. */
struct ct_spooled {
	char	 provider[16];
	char	 integration[65];
	char	 content_type[128];
	char	 received_at[40];
	char	*body;			/* NUL-terminated, owned */
	size_t	 body_len;
};

/*
 * Writes req's body with its provider, integration and content type to
 * the spool.  Returns CT_OK once the file is durable, else
 * CT_ERR_DB_UNAVAILABLE (no spool, spool full, or the write failed: the
 * caller answers 503).
 */
enum ct_err ct_spool_write(const struct ct_request *req, const char *provider,
    const char *integration) __attribute__((warn_unused_result));

/*
 * Reads the spool file at path into out (freed with ct_spooled_free).
 * Returns 0, or -1 when the file is not a whole spool file.
 */
int ct_spool_read(const char *path, struct ct_spooled *out)
    __attribute__((warn_unused_result));

void ct_spooled_free(struct ct_spooled *s);

/*
 * Lists the spool files of dir, oldest first: *names gets a malloc'd
 * array of n malloc'd names (file names, not paths).  Returns n, or -1 when
 * dir cannot be read.  Free with ct_spool_list_free.
 */
long ct_spool_list(const char *dir, char ***names);

void ct_spool_list_free(char **names, long n);

#endif
