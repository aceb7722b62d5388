/*
 * config.c: the settings table and its loader.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/num.h"

enum setting_type { SETTING_STRING, SETTING_INT };

struct setting {
	const char		*name;
	enum setting_type	 type;
	size_t			 offset;
	const char		*def;		/* NULL: unset */
	long long		 min, max;
};

#define OFF(f) offsetof(struct ct_config, f)

static const struct setting settings[] = {
	{ "CALLTRACK_DB", SETTING_STRING, OFF(db), NULL, 0, 0 },
	{ "CALLTRACK_DB_READ", SETTING_STRING, OFF(db_read), NULL, 0, 0 },
	{ "CALLTRACK_STATEMENT_TIMEOUT_MS", SETTING_INT,
	    OFF(statement_timeout_ms), "5000", 100, 9000 },
	{ "CALLTRACK_DB_CONNECT_TIMEOUT", SETTING_INT,
	    OFF(connect_timeout_s), "2", 1, 8 },
	{ "CALLTRACK_WEBHOOK_BODY_LIMIT", SETTING_INT,
	    OFF(webhook_body_limit), "16777216", 1024, 64 * 1024 * 1024 },
	{ "CALLTRACK_API_BODY_LIMIT", SETTING_INT,
	    OFF(api_body_limit), "65536", 0, 1024 * 1024 },
	{ "CALLTRACK_IMPORT_BODY_LIMIT", SETTING_INT,
	    OFF(import_body_limit), "10485760", 1024, 64 * 1024 * 1024 },
	{ "CALLTRACK_SESSION_BODY_LIMIT", SETTING_INT,
	    OFF(session_body_limit), "262144", 1024, 16 * 1024 * 1024 },
	{ "CALLTRACK_INTEGRATION_TTL", SETTING_INT,
	    OFF(integration_ttl_s), "30", 0, 3600 },
	{ "CALLTRACK_REJECTED_BODY_CAP", SETTING_INT,
	    OFF(rejected_body_cap), "65536", 0, 1024 * 1024 },
	{ "CALLTRACK_REJECTED_DAYS", SETTING_INT, OFF(rejected_days), "30", 1,
	    3650 },
	{ "CALLTRACK_REFUSED_LIMIT", SETTING_INT, OFF(refused_limit), "30", 0,
	    1000000 },
	{ "CALLTRACK_REFUSED_WINDOW", SETTING_INT, OFF(refused_window_s), "60",
	    1, 86400 },
	{ "CALLTRACK_WORKERS", SETTING_INT, OFF(workers), "1", 1, 64 },
	{ "CALLTRACK_SPOOL_DIR", SETTING_STRING, OFF(spool_dir), NULL, 0, 0 },
	{ "CALLTRACK_SPOOL_MAX_MB", SETTING_INT, OFF(spool_max_mb), "1024", 1,
	    1024 * 1024 },
	{ "CALLTRACK_SPOOL_SECRET_MAX_AGE", SETTING_INT,
	    OFF(spool_secret_max_age_s), "3600", 0, 86400 },
	{ "CALLTRACK_NOTIFY_BACKOFF_SCALE", SETTING_INT,
	    OFF(notify_backoff_scale), "1", 1, 1000000 },
	{ "CALLTRACK_NOTIFY_ALLOW_PRIVATE", SETTING_INT,
	    OFF(notify_allow_private), "0", 0, 1 },
	{ "CALLTRACK_NOTIFY_ALLOW_HTTP", SETTING_INT, OFF(notify_allow_http),
	    "0", 0, 1 },
	{ "CALLTRACK_NOTIFY_CONCURRENCY", SETTING_INT,
	    OFF(notify_concurrency), "8", 1, 64 },
	{ "CALLTRACK_NOTIFY_LEASE", SETTING_INT, OFF(notify_lease_s), "60", 11,
	    3600 },
	{ "CALLTRACK_NOTIFY_POLL", SETTING_INT, OFF(notify_poll_s), "5", 1,
	    60 },
	{ "CALLTRACK_DASHBOARD_URL", SETTING_STRING, OFF(dashboard_url), NULL,
	    0, 0 },
	{ "CALLTRACK_VAPI_API_URL", SETTING_STRING, OFF(vapi_api_url),
	    "https://api.vapi.ai", 0, 0 },
	{ "CALLTRACK_RETELL_API_URL", SETTING_STRING, OFF(retell_api_url),
	    "https://api.retellai.com", 0, 0 },
	{ "CALLTRACK_TWILIO_API_URL", SETTING_STRING, OFF(twilio_api_url),
	    "https://api.twilio.com", 0, 0 },
	{ "CALLTRACK_CA_FILE", SETTING_STRING, OFF(ca_file), NULL, 0, 0 },
	{ "CALLTRACK_RECONCILE_ALLOW_PRIVATE", SETTING_INT,
	    OFF(reconcile_allow_private), "0", 0, 1 },
	{ "CALLTRACK_RECONCILE_PER_ORG", SETTING_INT, OFF(reconcile_per_org),
	    "20", 0, 10000 },
	{ "CALLTRACK_RECONCILE_PER_RUN", SETTING_INT, OFF(reconcile_per_run),
	    "200", 0, 100000 },
	{ "CALLTRACK_RECONCILE_BUDGET", SETTING_INT, OFF(reconcile_budget_s),
	    "60", 1, 3600 },
};

static struct ct_config current;
static int current_set;

static enum ct_err
load(struct ct_config *cfg, char *errbuf, size_t errlen, int use_env)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		const struct setting *s = &settings[i];
		const char *v = use_env ? getenv(s->name) : NULL;
		char *field = (char *)cfg + s->offset;

		if (v == NULL || *v == '\0')
			v = s->def;
		if (s->type == SETTING_STRING) {
			memcpy(field, &v, sizeof(v));
			continue;
		}
		if (ct_num_parse_str(v, s->min, s->max,
		    (long long *)(void *)field) != CT_OK) {
			snprintf(errbuf, errlen,
			    "invalid setting %s: must be a whole number "
			    "from %lld to %lld", s->name, s->min, s->max);
			return CT_ERR_INVALID_PARAMETER;
		}
	}
	return CT_OK;
}

enum ct_err
ct_config_load(struct ct_config *cfg, char *errbuf, size_t errlen)
{
	return load(cfg, errbuf, errlen, 1);
}

const struct ct_config *
ct_config_get(void)
{
	if (!current_set) {
		char err[160];

		/* Library use before any program loaded its settings
		 * (unit tests): the environment if valid, else defaults. */
		if (load(&current, err, sizeof(err), 1) != CT_OK &&
		    load(&current, err, sizeof(err), 0) != CT_OK)
			abort();	/* the defaults are out of bounds */
		current_set = 1;
	}
	return &current;
}

void
ct_config_set(const struct ct_config *cfg)
{
	current = *cfg;
	current_set = 1;
}
