/*
 * calltrack-admin: the administrator's command line.
 *
 *   calltrack-admin org create NAME [--country CC] [--timezone TZ]
 *   calltrack-admin token create ORG [--label L]
 *   calltrack-admin token revoke TOKEN-ID
 *   calltrack-admin token list ORG
 *   calltrack-admin integration create ORG --provider vapi|retell|twilio
 *       --secret S [--id SLUG] [--public-url URL] [--vapi-auth secret|hmac]
 *       [--hmac-algorithm sha1|sha256|sha512] [--hmac-encoding hex|base64]
 *       [--hmac-prefix P]
 *   calltrack-admin integration rotate ID --secret S
 *   calltrack-admin integration retire-secret ID
 *   calltrack-admin integration disable ID
 *   calltrack-admin sweep
 *   calltrack-admin stats ingest [--since INTERVAL]
 *   calltrack-admin spool drain [--dir DIR]
 *   calltrack-admin replay --parked | --call CALL-ID | --org ORG
 *       [--from TIME] [--to TIME]
 *
 * A secret given as "-" is read from the first line of standard input, so
 * it need not appear in the process list.  Connects with CALLTRACK_ADMIN_DB
 * (a libpq connection string) or libpq's PG* variables, as a role that
 * owns the schema and bypasses row-level security (every org is its
 * business); `spool drain` connects as the programs do, with CALLTRACK_DB,
 * when that is set.  Exit status: 0 done, 1 failed, 2 usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "auth.h"
#include "config.h"
#include "db.h"
#include "hook.h"
#include "log.h"
#include "retell.h"
#include "spool.h"
#include "twilio.h"
#include "vapi.h"
#include "crypto.h"
#include "integration.h"
#include "num.h"
#include "phone.h"
#include "query.h"

#define EXIT_USAGE 2

static const char usage_text[] =
    "usage: calltrack-admin org create NAME [--country CC] [--timezone TZ]\n"
    "       calltrack-admin token create ORG [--label L]\n"
    "       calltrack-admin token revoke TOKEN-ID\n"
    "       calltrack-admin token list ORG\n"
    "       calltrack-admin integration create ORG --provider vapi|retell|twilio\n"
    "           --secret S [--id SLUG] [--public-url URL] [--vapi-auth secret|hmac]\n"
    "           [--hmac-algorithm sha1|sha256|sha512] [--hmac-encoding hex|base64]\n"
    "           [--hmac-prefix P]\n"
    "       calltrack-admin integration rotate ID --secret S\n"
    "       calltrack-admin integration retire-secret ID\n"
    "       calltrack-admin integration disable ID\n"
    "       calltrack-admin sweep\n"
    "       calltrack-admin stats ingest [--since INTERVAL]\n"
    "       calltrack-admin spool drain [--dir DIR]\n"
    "           (connects with CALLTRACK_DB, the programs' role, when it is set)\n"
    "       calltrack-admin replay --parked | --call CALL-ID | --org ORG\n"
    "           [--from TIME] [--to TIME]\n";

static PGconn *conn;
static char secret_buf[600];

static int
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "calltrack-admin: %s\n", why);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static int
fail(const char *what, const char *why)
{
	fprintf(stderr, "calltrack-admin: could not %s: %s\n", what, why);
	return EXIT_FAILURE;
}

static int
db_connect(void)
{
	const char *dsn = getenv("CALLTRACK_ADMIN_DB");

	conn = PQconnectdb(dsn && *dsn ? dsn : "");
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "calltrack-admin: could not connect to the "
		    "database: %s", PQerrorMessage(conn));
		return -1;
	}
	return 0;
}

/*
 * Runs one parameterized statement.  On failure prints "could not WHAT:"
 * with the server's primary message and returns NULL; else the caller
 * PQclears the result.
 */
static PGresult *
run(const char *what, const char *sql, int n, const char *const *params)
{
	PGresult *r = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	const char *msg;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	fail(what, msg ? msg : PQerrorMessage(conn));
	PQclear(r);
	return NULL;
}

/* Returns how many rows an UPDATE changed, or -1. */
static long long
rows_changed(PGresult *r)
{
	long long n;

	return ct_num_parse_str(PQcmdTuples(r), 0, 0x7fffffff, &n) == CT_OK ?
	    n : -1;
}

/* Returns the value following option name in argv[i], advancing *i. */
static const char *
opt_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/* Reads a secret given as "-" from standard input's first line. */
static const char *
secret_arg(const char *v)
{
	size_t n;

	if (v == NULL || strcmp(v, "-") != 0)
		return v;
	if (fgets(secret_buf, sizeof(secret_buf), stdin) == NULL)
		return NULL;
	n = strcspn(secret_buf, "\r\n");
	secret_buf[n] = '\0';
	return secret_buf;
}

static int
secret_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0, i;

	if (n < 8 || n > 512)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
org_create(int argc, char **argv)
{
	const char *name = NULL, *country = "US", *tz = "UTC";
	const char *params[3];
	PGresult *r;
	int i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--country") == 0) {
			if ((country = opt_value(argc, argv, &i)) == NULL)
				return usage("--country needs a value");
		} else if (strcmp(argv[i], "--timezone") == 0) {
			if ((tz = opt_value(argc, argv, &i)) == NULL)
				return usage("--timezone needs a value");
		} else if (argv[i][0] == '-' || name != NULL) {
			return usage("unexpected argument to org create");
		} else {
			name = argv[i];
		}
	}
	if (name == NULL)
		return usage("org create needs a NAME");
	if (!ct_phone_country_known(country) || strlen(country) != 2 ||
	    country[0] < 'A' || country[0] > 'Z')
		return usage("--country must be an upper-case ISO 3166 code "
		    "calltrack can read numbers of (US, GB, DE, ...)");
	if (db_connect() != 0)
		return EXIT_FAILURE;
	params[0] = tz;
	if ((r = run("check the time zone", "SELECT ct_is_timezone($1)", 1,
	    params)) == NULL)
		return EXIT_FAILURE;
	if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
		PQclear(r);
		return usage("--timezone must be an IANA time zone, such as "
		    "America/New_York");
	}
	PQclear(r);
	params[0] = name;
	params[1] = country;
	params[2] = tz;
	if ((r = run("create the org", "INSERT INTO orgs (name, "
	    "default_country, timezone) VALUES ($1, $2, $3) RETURNING id", 3,
	    params)) == NULL)
		return EXIT_FAILURE;
	printf("%s\n", PQgetvalue(r, 0, 0));
	PQclear(r);
	return EXIT_SUCCESS;
}

static int
token_create(int argc, char **argv)
{
	const char *org = NULL, *label = NULL, *params[3];
	char token[48], hash[65];
	PGresult *r;
	int i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--label") == 0) {
			if ((label = opt_value(argc, argv, &i)) == NULL)
				return usage("--label needs a value");
		} else if (argv[i][0] == '-' || org != NULL) {
			return usage("unexpected argument to token create");
		} else {
			org = argv[i];
		}
	}
	if (org == NULL || !ct_query_uuid(org))
		return usage("token create needs an ORG id");
	if (ct_auth_token_new(token, hash) != CT_OK)
		return fail("create a token", "no random bytes");
	if (db_connect() != 0)
		return EXIT_FAILURE;
	params[0] = org;
	params[1] = hash;
	params[2] = label;
	if ((r = run("create the token", "INSERT INTO api_tokens (org_id, "
	    "token_hash, label) SELECT id, $2, $3 FROM orgs WHERE id = $1 "
	    "RETURNING id", 3, params)) == NULL)
		return EXIT_FAILURE;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return fail("create the token", "no such org");
	}
	PQclear(r);
	/* Shown once: only its hash is stored. */
	printf("%s\n", token);
	return EXIT_SUCCESS;
}

static int
token_revoke(int argc, char **argv)
{
	const char *params[1];
	PGresult *r;
	long long n;

	if (argc != 1 || !ct_query_uuid(argv[0]))
		return usage("token revoke needs a TOKEN-ID (see token list)");
	if (db_connect() != 0)
		return EXIT_FAILURE;
	params[0] = argv[0];
	if ((r = run("revoke the token", "UPDATE api_tokens SET revoked_at = "
	    "COALESCE(revoked_at, now()) WHERE id = $1", 1, params)) == NULL)
		return EXIT_FAILURE;
	n = rows_changed(r);
	PQclear(r);
	if (n != 1)
		return fail("revoke the token", "no such token");
	return EXIT_SUCCESS;
}

static int
token_list(int argc, char **argv)
{
	const char *params[1];
	PGresult *r;
	int i;

	if (argc != 1 || !ct_query_uuid(argv[0]))
		return usage("token list needs an ORG id");
	if (db_connect() != 0)
		return EXIT_FAILURE;
	params[0] = argv[0];
	if ((r = run("list tokens", "SELECT id, COALESCE(label, ''), "
	    "created_at, COALESCE(last_used_at::text, '-'), "
	    "CASE WHEN revoked_at IS NULL THEN 'active' ELSE 'revoked' END "
	    "FROM api_tokens WHERE org_id = $1 ORDER BY created_at", 1,
	    params)) == NULL)
		return EXIT_FAILURE;
	for (i = 0; i < PQntuples(r); i++)
		printf("%s\t%s\t%s\t%s\t%s\n", PQgetvalue(r, i, 0),
		    PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
		    PQgetvalue(r, i, 3), PQgetvalue(r, i, 4));
	PQclear(r);
	return EXIT_SUCCESS;
}

static int
one_of(const char *v, const char *const *allowed)
{
	for (; *allowed != NULL; allowed++)
		if (strcmp(v, *allowed) == 0)
			return 1;
	return 0;
}

static int
integration_create(int argc, char **argv)
{
	static const char *const providers[] = { "vapi", "retell", "twilio",
	    NULL };
	static const char *const auths[] = { "secret", "hmac", NULL };
	static const char *const algos[] = { "sha1", "sha256", "sha512",
	    NULL };
	static const char *const encs[] = { "hex", "base64", NULL };
	const char *org = NULL, *provider = NULL, *secret = NULL, *id = NULL;
	const char *url = NULL, *auth = "secret", *algo = "sha256";
	const char *enc = "hex", *prefix = "", *params[10], *base;
	char slug[CT_INTEGRATION_ID_MAX + 1];
	PGresult *r;
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], **dst = NULL;

		if (strcmp(a, "--provider") == 0)
			dst = &provider;
		else if (strcmp(a, "--secret") == 0)
			dst = &secret;
		else if (strcmp(a, "--id") == 0)
			dst = &id;
		else if (strcmp(a, "--public-url") == 0)
			dst = &url;
		else if (strcmp(a, "--vapi-auth") == 0)
			dst = &auth;
		else if (strcmp(a, "--hmac-algorithm") == 0)
			dst = &algo;
		else if (strcmp(a, "--hmac-encoding") == 0)
			dst = &enc;
		else if (strcmp(a, "--hmac-prefix") == 0)
			dst = &prefix;
		else if (a[0] == '-' || org != NULL)
			return usage("unexpected argument to integration "
			    "create");
		else
			org = a;
		if (dst != NULL && (*dst = opt_value(argc, argv, &i)) == NULL)
			return usage("an option needs a value");
	}
	if (org == NULL || !ct_query_uuid(org))
		return usage("integration create needs an ORG id");
	if (provider == NULL || !one_of(provider, providers))
		return usage("--provider must be vapi, retell or twilio");
	if (!one_of(auth, auths) || !one_of(algo, algos) || !one_of(enc, encs))
		return usage("--vapi-auth, --hmac-algorithm or --hmac-encoding "
		    "has an unknown value");
	if (!secret_ok(secret = secret_arg(secret)))
		return usage("--secret must be 8 to 512 printable characters "
		    "without spaces");
	if (strcmp(provider, "twilio") == 0 && url == NULL)
		return usage("a twilio integration needs --public-url, the "
		    "exact URL Twilio calls");
	if (url != NULL && strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "http://", 7) != 0)
		return usage("--public-url must start with https:// or http://");
	if (id == NULL) {
		unsigned char rnd[6];
		char hex[13];

		if (ct_crypto_random(rnd, sizeof(rnd)) != CT_OK)
			return fail("create the integration", "no random bytes");
		ct_crypto_hex(rnd, sizeof(rnd), hex);
		snprintf(slug, sizeof(slug), "%s-%s", provider, hex);
		id = slug;
	}
	if (!ct_integration_id_valid(id))
		return usage("--id must be 1 to 64 letters, digits, '-' or '_'");
	if (db_connect() != 0)
		return EXIT_FAILURE;
	params[0] = id;
	params[1] = org;
	params[2] = provider;
	params[3] = secret;
	params[4] = url;
	params[5] = auth;
	params[6] = algo;
	params[7] = enc;
	params[8] = prefix;
	if ((r = run("create the integration", "INSERT INTO integrations (id, "
	    "org_id, provider, secret, public_url, vapi_auth, hmac_algorithm, "
	    "hmac_encoding, hmac_prefix) SELECT $1, o.id, $3, $4, $5, $6, $7, "
	    "$8, $9 FROM orgs o WHERE o.id = $2 RETURNING id", 9,
	    params)) == NULL)
		return EXIT_FAILURE;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return fail("create the integration", "no such org");
	}
	PQclear(r);
	if (url != NULL) {
		printf("%s\n", url);
	} else {
		base = getenv("CALLTRACK_PUBLIC_URL");
		printf("%s/hooks/%s/%s\n", base && *base ? base :
		    "http://127.0.0.1:8080", provider, id);
	}
	return EXIT_SUCCESS;
}

/* rotate, retire-secret, disable: one UPDATE of one integration. */
static int
integration_update(const char *verb, int argc, char **argv)
{
	const char *params[2] = { NULL, NULL }, *sql;
	PGresult *r;
	long long n;
	int nparams = 1;

	if (argc < 1 || !ct_integration_id_valid(argv[0]))
		return usage("the integration ID is missing or malformed");
	params[0] = argv[0];
	if (strcmp(verb, "rotate") == 0) {
		if (argc != 3 || strcmp(argv[1], "--secret") != 0)
			return usage("integration rotate ID --secret S");
		if (!secret_ok(params[1] = secret_arg(argv[2])))
			return usage("--secret must be 8 to 512 printable "
			    "characters without spaces");
		nparams = 2;
		/* The new secret is accepted beside the old one. */
		sql = "UPDATE integrations SET secret_next = $2 WHERE id = $1";
	} else if (strcmp(verb, "retire-secret") == 0 && argc == 1) {
		/* The rotated secret becomes the only one. */
		sql = "UPDATE integrations SET secret = secret_next, "
		    "secret_next = NULL WHERE id = $1 AND secret_next IS NOT NULL";
	} else if (strcmp(verb, "disable") == 0 && argc == 1) {
		sql = "UPDATE integrations SET disabled_at = COALESCE("
		    "disabled_at, now()) WHERE id = $1";
	} else {
		return usage(NULL);
	}
	if (db_connect() != 0)
		return EXIT_FAILURE;
	if ((r = run("update the integration", sql, nparams, params)) == NULL)
		return EXIT_FAILURE;
	n = rows_changed(r);
	PQclear(r);
	if (n != 1)
		return fail("update the integration", strcmp(verb,
		    "retire-secret") == 0 ? "no such integration, or no "
		    "rotated secret to keep" : "no such integration");
	return EXIT_SUCCESS;
}

/*
 * The sweeper: closes stuck calls (prints how many), folds the per-day
 * counts, and deletes rejected_events older than CALLTRACK_REJECTED_DAYS,
 * SWEEP_BATCH rows a statement (each its own transaction), at most
 * SWEEP_BATCHES statements a run: a larger backlog goes over the next runs.
 */
#define SWEEP_BATCH	5000
#define SWEEP_BATCHES	1000

static int
sweep(int argc)
{
	struct ct_config cfg;
	char err[200], days[24], batch[16];
	const char *params[2] = { days, batch };
	long long n = SWEEP_BATCH;
	PGresult *r;
	int i;

	if (argc != 0)
		return usage("sweep takes no arguments");
	if (ct_config_load(&cfg, err, sizeof(err)) != CT_OK)
		return fail("read the configuration", err);
	if (db_connect() != 0)
		return EXIT_FAILURE;
	if ((r = run("sweep stuck calls", "SELECT ct_sweep()", 0, NULL)) ==
	    NULL)
		return EXIT_FAILURE;
	printf("%s\n", PQgetvalue(r, 0, 0));
	PQclear(r);
	/* The dashboard's per-day counts take in what changed since. */
	if ((r = run("fold the call counts", "SELECT ct_rollup_fold()", 0,
	    NULL)) == NULL)
		return EXIT_FAILURE;
	PQclear(r);
	snprintf(days, sizeof(days), "%lld", cfg.rejected_days);
	snprintf(batch, sizeof(batch), "%d", SWEEP_BATCH);
	for (i = 0; i < SWEEP_BATCHES && n == SWEEP_BATCH; i++) {
		if ((r = run("delete old rejected events", "SELECT "
		    "ct_prune_rejected($1::int, $2::int)", 2, params)) == NULL)
			return EXIT_FAILURE;
		if (ct_num_parse_str(PQgetvalue(r, 0, 0), 0, SWEEP_BATCH,
		    &n) != CT_OK)
			n = 0;
		PQclear(r);
	}
	return EXIT_SUCCESS;
}

/*
 * Ingestion over the last INTERVAL (a PostgreSQL interval: "1 hour",
 * "24h", "7 days"; default 1 hour), one figure a line as "what key n":
 *   window 2026-11-21T07:00:00Z 2026-11-21T08:00:00Z
 *   events vapi/applied 1180
 *   duplicate vapi 41
 *   rejected invalid_signature 3
 *   swept failed 2
 *   spooled pending 0       (with CALLTRACK_SPOOL_DIR: files not yet drained)
 */
static int
stats_ingest(int argc, char **argv)
{
	const char *params[1] = { "1 hour" }, *spool;
	PGresult *r;
	int i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--since") == 0) {
			if ((params[0] = opt_value(argc, argv, &i)) == NULL)
				return usage("--since needs an interval");
		} else {
			return usage("stats ingest takes --since INTERVAL");
		}
	}
	if (db_connect() != 0)
		return EXIT_FAILURE;
	if ((r = run("read the window", "SELECT to_char((now() - $1::interval) "
	    "AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	    "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
	    1, params)) == NULL)
		return EXIT_USAGE;
	printf("window %s %s\n", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
	PQclear(r);
	if ((r = run("sum up ingestion", "SELECT what, key, n FROM "
	    "ct_ingest_stats(now() - $1::interval, now())", 1, params)) == NULL)
		return EXIT_FAILURE;
	for (i = 0; i < PQntuples(r); i++)
		printf("%s %s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		    PQgetvalue(r, i, 2));
	PQclear(r);
	/* What waits on disk for the database (this host's spool). */
	spool = getenv("CALLTRACK_SPOOL_DIR");
	if (spool != NULL && *spool != '\0') {
		char **names;
		long n = ct_spool_list(spool, &names);

		if (n >= 0) {
			printf("spooled pending %ld\n", n);
			ct_spool_list_free(names, n);
		}
	}
	return EXIT_SUCCESS;
}

/* The library's own connection is the administrator's (drain, replay). */
static int
library_setup(void)
{
	const char *admin_db = getenv("CALLTRACK_ADMIN_DB");
	struct ct_config cfg;
	char err[200];

	if (admin_db != NULL && *admin_db != '\0')
		setenv("CALLTRACK_DB", admin_db, 1);
	else
		unsetenv("CALLTRACK_DB");
	ct_log_init("calltrack-admin");
	if (ct_config_load(&cfg, err, sizeof(err)) != CT_OK)
		return fail("read the configuration", err);
	ct_config_set(&cfg);
	return 0;
}

static const struct ct_hook_provider *
hook_of(const char *provider)
{
	if (strcmp(provider, "vapi") == 0)
		return &ct_vapi_hook;
	if (strcmp(provider, "retell") == 0)
		return &ct_retell_hook;
	if (strcmp(provider, "twilio") == 0)
		return &ct_twilio_hook;
	return NULL;
}

/*
 * The drain's connection: CALLTRACK_DB when it is set, as the programs
 * connect (the program role, calltrack_app: the apply statement pins each
 * event's org itself and needs nothing more); else, as before, the
 * administrator's (CALLTRACK_ADMIN_DB or PG*).
 */
static int
drain_setup(void)
{
	const char *db = getenv("CALLTRACK_DB");
	struct ct_config cfg;
	char err[200];

	if (db == NULL || *db == '\0') {
		if (library_setup() != 0)
			return -1;
	} else {
		ct_log_init("calltrack-admin");
		if (ct_config_load(&cfg, err, sizeof(err)) != CT_OK)
			return fail("read the configuration", err);
		ct_config_set(&cfg);
	}
	ct_db_configure("calltrack-admin", 0);
	return 0;
}

/*
 * Applies every file of the spool (CALLTRACK_SPOOL_DIR, or --dir), oldest
 * first, through the webhook programs' own mapping and statement, and
 * removes each once its event is in the database (applied, duplicate or
 * parked).  A file that is not exactly a spool file, or whose integration
 * is gone, disabled, of another org or of another provider, is never
 * applied: it is renamed *.refused beside *.reason and reported.  A file
 * whose body can never apply (it does not map) is renamed *.failed, also
 * beside *.reason.  Stops, exit 1, when the database cannot be reached:
 * what is left stays for the next drain.  Prints "drained N: applied A,
 * duplicate D, parked P; failed F; refused R; left L".
 */
static int
spool_drain(int argc, char **argv)
{
	const char *dir = getenv("CALLTRACK_SPOOL_DIR");
	long n, i, counts[5] = { 0 }, left = 0;
	char **names;
	int rc = EXIT_SUCCESS;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0) {
			int j = (int)i;

			if ((dir = opt_value(argc, argv, &j)) == NULL)
				return usage("--dir needs a directory");
			i = j;
		} else {
			return usage("spool drain takes --dir DIR");
		}
	}
	if (dir == NULL || *dir == '\0')
		return usage("spool drain needs CALLTRACK_SPOOL_DIR or --dir");
	if (drain_setup() != 0)
		return EXIT_FAILURE;
	if ((n = ct_spool_list(dir, &names)) < 0)
		return fail("read the spool", strerror(errno));
	for (i = 0; i < n; i++) {
		const struct ct_hook_provider *p;
		struct ct_spooled sp;
		struct ct_request req;
		char path[4200], ctype[160], outcome[16];
		char *envp[2] = { ctype, NULL };
		const char *why, *kind;
		enum ct_err e;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		memset(&req, 0, sizeof(req));
		if ((e = ct_spool_read(path, &sp, &why)) == CT_ERR_IO ||
		    e == CT_ERR_NOMEM) {
			fprintf(stderr, "calltrack-admin: could not read %s: %s; "
			    "left\n", names[i], why);
			left++;
			continue;
		}
		if (e == CT_OK) {
			p = hook_of(sp.provider);
			snprintf(ctype, sizeof(ctype), "CONTENT_TYPE=%s",
			    sp.content_type);
			snprintf(req.id, sizeof(req.id), "spool");
			req.envp = envp;
			req.body = sp.body;
			req.body_len = sp.body_len;
			e = p ? ct_hook_replay(p, sp.integration, sp.org, &req,
			    outcome) : CT_ERR_UNKNOWN_INTEGRATION;
			ct_spooled_free(&sp);
			why = req.detail[0] ? req.detail : ct_err_info(e)->code;
		} else {
			/* Not a file the programs write: never applied. */
			e = CT_ERR_UNKNOWN_INTEGRATION;
		}
		if (e == CT_OK) {
			counts[strcmp(outcome, "applied") == 0 ? 0 :
			    strcmp(outcome, "duplicate") == 0 ? 1 : 2]++;
			if (unlink(path) != 0)
				fprintf(stderr, "calltrack-admin: could not remove "
				    "%s: %s\n", names[i], strerror(errno));
			continue;
		}
		if (ct_err_http_status(e) >= 500) {
			fprintf(stderr, "calltrack-admin: could not drain the spool: "
			    "the database is unavailable\n");
			left += n - i;
			rc = EXIT_FAILURE;
			break;
		}
		kind = e == CT_ERR_UNKNOWN_INTEGRATION ? "refused" : "failed";
		if (ct_spool_set_aside(dir, names[i], kind, why) != CT_OK) {
			fprintf(stderr, "calltrack-admin: %s %s (%s); could not "
			    "keep it aside: %s; left\n", names[i], kind, why,
			    strerror(errno));
			left++;
			continue;
		}
		fprintf(stderr, "calltrack-admin: %s %s (%s); kept as %s.%s\n",
		    names[i], kind, why, names[i], kind);
		counts[e == CT_ERR_UNKNOWN_INTEGRATION ? 4 : 3]++;
	}
	ct_spool_list_free(names, n);
	printf("drained %ld: applied %ld, duplicate %ld, parked %ld; failed %ld; "
	    "refused %ld; left %ld\n", counts[0] + counts[1] + counts[2],
	    counts[0], counts[1], counts[2], counts[3], counts[4], left);
	return rc;
}

/*
 * Applies kept events again through the current code, oldest first: the
 * parked ones (of every org), every event of one call, or every event of
 * one org, optionally within [--from, --to) of their arrival.  Idempotent:
 * replaying twice gives the calls replaying once gives.  A progress line
 * on a terminal; at the end "replayed N: applied A, parked P; failed F".
 */
static int
replay(int argc, char **argv)
{
	const char *parked = NULL, *call = NULL, *org = NULL, *from = NULL,
	    *to = NULL, *params[5];
	long long counts[3] = { 0 };
	PGresult *ids, *r;
	int i, n, tty = isatty(2);

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--parked") == 0)
			parked = "t";
		else if (strcmp(a, "--call") == 0)
			call = opt_value(argc, argv, &i);
		else if (strcmp(a, "--org") == 0)
			org = opt_value(argc, argv, &i);
		else if (strcmp(a, "--from") == 0)
			from = opt_value(argc, argv, &i);
		else if (strcmp(a, "--to") == 0)
			to = opt_value(argc, argv, &i);
		else
			return usage("unknown replay option");
	}
	if ((parked != NULL) + (call != NULL) + (org != NULL) != 1)
		return usage("replay takes one of --parked, --call CALL-ID, --org ORG");
	if ((call != NULL && !ct_query_uuid(call)) ||
	    (org != NULL && !ct_query_uuid(org)))
		return usage("--call and --org take ids");
	if (db_connect() != 0 || library_setup() != 0)
		return EXIT_FAILURE;
	params[0] = parked;
	params[1] = call;
	params[2] = org;
	params[3] = from;
	params[4] = to;
	if ((ids = run("list the events", "SELECT org_id, id FROM call_events e"
	    " WHERE ($1::boolean IS NULL OR e.outcome = 'parked')"
	    " AND ($2::uuid IS NULL OR e.call_id = $2)"
	    " AND ($3::uuid IS NULL OR e.org_id = $3)"
	    " AND ($4::timestamptz IS NULL OR e.received_at >= $4)"
	    " AND ($5::timestamptz IS NULL OR e.received_at < $5)"
	    " ORDER BY e.received_at, e.id", 5, params)) == NULL)
		return EXIT_FAILURE;
	n = PQntuples(ids);
	for (i = 0; i < n; i++) {
		const struct ct_hook_provider *p;
		struct ct_request req;
		char ctype[160], outcome[16], key[301], integration[65];
		char *envp[2] = { ctype, NULL };
		const char *row[2] = { PQgetvalue(ids, i, 0), PQgetvalue(ids, i, 1) };
		enum ct_err e;

		r = PQexecParams(conn, "SELECT integration_id, provider,"
		    " COALESCE(content_type, ''), dedup_key, payload FROM call_events"
		    " WHERE org_id = $1 AND id = $2", 2, NULL, row, NULL, NULL, 1);
		if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
			PQclear(r);
			counts[2]++;
			continue;
		}
		snprintf(integration, sizeof(integration), "%.*s",
		    PQgetlength(r, 0, 0), PQgetvalue(r, 0, 0));
		snprintf(ctype, sizeof(ctype), "CONTENT_TYPE=%.*s",
		    PQgetlength(r, 0, 2), PQgetvalue(r, 0, 2));
		snprintf(key, sizeof(key), "%.*s", PQgetlength(r, 0, 3),
		    PQgetvalue(r, 0, 3));
		memset(&req, 0, sizeof(req));
		snprintf(req.id, sizeof(req.id), "replay");
		req.envp = envp;
		req.body_len = (size_t)PQgetlength(r, 0, 4);
		if ((req.body = malloc(req.body_len + 1)) == NULL) {
			PQclear(r);
			break;
		}
		memcpy(req.body, PQgetvalue(r, 0, 4), req.body_len);
		req.body[req.body_len] = '\0';
		{
			char provider[16];

			snprintf(provider, sizeof(provider), "%.*s",
			    PQgetlength(r, 0, 1), PQgetvalue(r, 0, 1));
			p = hook_of(provider);
		}
		PQclear(r);
		e = p ? ct_hook_reapply(p, integration, &req, key, outcome) :
		    CT_ERR_UNKNOWN_INTEGRATION;
		free(req.body);
		if (e == CT_OK && strcmp(outcome, "parked") != 0)
			counts[0]++;
		else if (e == CT_OK)
			counts[1]++;
		else if (ct_err_http_status(e) >= 500) {
			fprintf(stderr, "%scalltrack-admin: could not replay: the "
			    "database is unavailable\n", tty ? "\n" : "");
			PQclear(ids);
			return EXIT_FAILURE;
		} else
			counts[2]++;
		if (tty && (i % 100 == 99 || i == n - 1))
			fprintf(stderr, "\rreplay: %d/%d", i + 1, n);
	}
	if (tty && n > 0)
		fputc('\n', stderr);
	PQclear(ids);
	printf("replayed %lld: applied %lld, parked %lld; failed %lld\n",
	    counts[0] + counts[1] + counts[2], counts[0], counts[1], counts[2]);
	return counts[2] == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int
dispatch(int argc, char **argv)
{
	const char *noun, *verb;

	if (argc < 2)
		return usage(NULL);
	noun = argv[1];
	if (strcmp(noun, "sweep") == 0)
		return sweep(argc - 2);
	if (strcmp(noun, "replay") == 0)
		return replay(argc - 2, argv + 2);
	if (strcmp(noun, "-h") == 0 || strcmp(noun, "--help") == 0 ||
	    strcmp(noun, "help") == 0) {
		fputs(usage_text, stdout);
		return EXIT_SUCCESS;
	}
	if (argc < 3)
		return usage(NULL);
	verb = argv[2];
	argc -= 3;
	argv += 3;
	if (strcmp(noun, "org") == 0 && strcmp(verb, "create") == 0)
		return org_create(argc, argv);
	if (strcmp(noun, "token") == 0 && strcmp(verb, "create") == 0)
		return token_create(argc, argv);
	if (strcmp(noun, "token") == 0 && strcmp(verb, "revoke") == 0)
		return token_revoke(argc, argv);
	if (strcmp(noun, "token") == 0 && strcmp(verb, "list") == 0)
		return token_list(argc, argv);
	if (strcmp(noun, "integration") == 0 && strcmp(verb, "create") == 0)
		return integration_create(argc, argv);
	if (strcmp(noun, "integration") == 0)
		return integration_update(verb, argc, argv);
	if (strcmp(noun, "stats") == 0 && strcmp(verb, "ingest") == 0)
		return stats_ingest(argc, argv);
	if (strcmp(noun, "spool") == 0 && strcmp(verb, "drain") == 0)
		return spool_drain(argc, argv);
	return usage(NULL);
}

int
main(int argc, char **argv)
{
	int rc = dispatch(argc, argv);

	if (conn != NULL)
		PQfinish(conn);
	return rc;
}
