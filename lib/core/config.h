/*
 * config.h: configuration read once from the environment.
 *
 * Every setting is a row of one table in config.c (name, type, default,
 * bounds).  A program loads it before its first request; a bad value stops
 * the program with a message naming the variable.
 */
#ifndef CT_CONFIG_H
#define CT_CONFIG_H

#include <stddef.h>
#include "core/err.h"

struct ct_config {
	/* CALLTRACK_DB: libpq connection string; NULL lets PG* apply. */
	const char	*db;
	const char	*db_read;	/* CALLTRACK_DB_READ: a replica, for the
					   dashboard's reads; NULL: db */
	/* CALLTRACK_STATEMENT_TIMEOUT_MS: per statement, below nginx's
	 * fastcgi_read_timeout, itself below Retell's 10 s. */
	long long	 statement_timeout_ms;
	/* CALLTRACK_DB_CONNECT_TIMEOUT: seconds libpq waits to connect. */
	long long	 connect_timeout_s;
	/* CALLTRACK_WEBHOOK_BODY_LIMIT: bytes, the same as nginx's
	 * client_max_body_size on the webhook routes. */
	long long	 webhook_body_limit;
	/* CALLTRACK_API_BODY_LIMIT: bytes, for every other route. */
	long long	 api_body_limit;
	/* CALLTRACK_IMPORT_BODY_LIMIT: bytes of a contacts import (a CSV
	 * file), a little under nginx's client_max_body_size there. */
	long long	 import_body_limit;
	/* CALLTRACK_SESSION_BODY_LIMIT: bytes of a session PUT (the agent
	 * backend's conversation state), nginx's limit there a little over. */
	long long	 session_body_limit;
	/* CALLTRACK_INTEGRATION_TTL: seconds a worker reuses a looked-up
	 * integration before asking the database again. */
	long long	 integration_ttl_s;
	/* CALLTRACK_REJECTED_BODY_CAP: bytes of a rejected body kept, when
	 * its integration is known and its signature verified (else at most
	 * CT_HOOK_UNVERIFIED_CAP, hook.h). */
	long long	 rejected_body_cap;
	/* CALLTRACK_REJECTED_DAYS: rejected_events older than this many days
	 * are deleted by calltrack-admin sweep. */
	long long	 rejected_days;
	/* CALLTRACK_REFUSED_LIMIT: unverified refusals per client address
	 * and window that are answered and kept, per worker process; past
	 * it, 429 and nothing kept (refusal.h).  0: no limit. */
	long long	 refused_limit;
	/* CALLTRACK_REFUSED_WINDOW: that window, in seconds. */
	long long	 refused_window_s;
	const char	*spool_dir;	/* CALLTRACK_SPOOL_DIR; NULL: no spool */
	long long	 spool_max_mb;
	/* CALLTRACK_SPOOL_SECRET_MAX_AGE: seconds a worker's copy of an
	 * integration may still verify a webhook to spool while the database
	 * is away (0: never). */
	long long	 spool_secret_max_age_s;
	long long	 workers;	/* CALLTRACK_WORKERS: processes sharing
					   one inherited socket (systemd) */
	/* calltrack-notify (INSTALL, 4).  CALLTRACK_NOTIFY_BACKOFF_SCALE:
	 * the retry schedule's waits are divided by it (1: as docs/API.md
	 * says; tests make it short). */
	long long	 notify_backoff_scale;
	/* CALLTRACK_NOTIFY_ALLOW_PRIVATE: 1 lets a notification destination
	 * be, or resolve to, a loopback, private or link-local address
	 * (outbound.h), and a webhook be plain http:// (a test stack, a
	 * receiver on the same network). */
	long long	 notify_allow_private;
	/* CALLTRACK_NOTIFY_ALLOW_HTTP: 1 lets webhook and Slack URLs be
	 * http://, not only https://. */
	long long	 notify_allow_http;
	/* CALLTRACK_NOTIFY_CONCURRENCY: messages in flight at once. */
	long long	 notify_concurrency;
	/* CALLTRACK_NOTIFY_LEASE: seconds a claimed message is the
	 * sender's before another claim may take it (above the 10 s an
	 * attempt may take). */
	long long	 notify_lease_s;
	/* CALLTRACK_NOTIFY_POLL: seconds between looks for due messages
	 * when no NOTIFY came (retries are due without one). */
	long long	 notify_poll_s;
	/* CALLTRACK_DASHBOARD_URL: the page's address, for the links in
	 * Slack messages and mails; NULL: no link. */
	const char	*dashboard_url;
	/* The reconciler (calltrack-admin sweep; docs/ARCHITECTURE.md).
	 * CALLTRACK_VAPI_API_URL, CALLTRACK_RETELL_API_URL,
	 * CALLTRACK_TWILIO_API_URL: each provider's API base, https:// (the
	 * real ones by default; tests point them at a local server). */
	const char	*vapi_api_url;
	const char	*retell_api_url;
	const char	*twilio_api_url;
	/* CALLTRACK_CA_FILE: the certificates that verify a provider's
	 * (libcurl's CAINFO); NULL: the system's. */
	const char	*ca_file;
	/* CALLTRACK_RECONCILE_ALLOW_PRIVATE: 1 lets a provider's API be, or
	 * resolve to, a loopback or private address (a test's server);
	 * https:// is required all the same. */
	long long	 reconcile_allow_private;
	/* CALLTRACK_RECONCILE_PER_ORG, CALLTRACK_RECONCILE_PER_RUN: calls
	 * asked about per org and in all, per sweep. */
	long long	 reconcile_per_org;
	long long	 reconcile_per_run;
	/* CALLTRACK_RECONCILE_BUDGET: seconds after a sweep's first question
	 * past which it asks no more (each takes at most 5 s). */
	long long	 reconcile_budget_s;
};

/*
 * Fills cfg from the environment, applying the table's defaults and bounds.
 * On failure returns CT_ERR_INVALID_PARAMETER and writes a message naming
 * the variable (never its value, which may be a secret) into errbuf.
 * String settings point into the environment and live as long as it does.
 */
enum ct_err ct_config_load(struct ct_config *cfg, char *errbuf,
    size_t errlen) __attribute__((warn_unused_result));

/* The configuration loaded by the serve loop, for library modules. */
const struct ct_config *ct_config_get(void);

/* Installs cfg as the process configuration (the serve loop and tests). */
void ct_config_set(const struct ct_config *cfg);

#endif
