/*
 * integration.c: calltrack-admin integration create, update, list, rotate,
 * retire-secret, disable, enable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "core/crypto.h"
#include "ingest/integration.h"
#include "read/query.h"

/* An option's value, or def when it was not given. */
static const char *
opt_or(const struct adm_args *a, const char *name, const char *def)
{
	const char *v = adm_opt(a, name);

	return v != NULL ? v : def;
}

/*
 * Prints where the provider is to send the integration's webhooks: the
 * public URL given, else CALLTRACK_PUBLIC_URL followed by the path, else
 * the path alone with a note on stderr (the host is wherever nginx serves
 * calltrack, which this command cannot know).
 */
static void
print_webhook_url(const char *url, const char *provider, const char *id)
{
	const char *base = getenv("CALLTRACK_PUBLIC_URL");
	size_t n;

	if (url != NULL) {
		printf("%s\n", url);
		return;
	}
	if (base != NULL && *base != '\0') {
		n = strlen(base);
		while (n > 0 && base[n - 1] == '/')
			n--;
		printf("%.*s/hooks/%s/%s\n", (int)n, base, provider, id);
		return;
	}
	printf("/hooks/%s/%s\n", provider, id);
	fflush(stdout);
	fprintf(stderr, "calltrack-admin: the webhook path above is relative to "
	    "wherever nginx serves calltrack (set CALLTRACK_PUBLIC_URL, such as "
	    "https://calls.example.com, to print the whole URL)\n");
}

/* Returns true when v is a header name calltrack can look up. */
static bool
header_name_ok(const char *v)
{
	size_t n = strlen(v);

	return n >= 1 && n <= CT_HEADER_NAME_MAX && strspn(v,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
	    == n;
}

/* Reads "on" / "off" into *out: true when v is one of them. */
static bool
on_off(const char *v, const char **out)
{
	if (v == NULL)
		return true;
	if (strcmp(v, "on") == 0 || strcmp(v, "off") == 0) {
		*out = strcmp(v, "on") == 0 ? "t" : "f";
		return true;
	}
	return false;
}

/*
 * Sets the Vapi credential options given (providers.md §1.8): the scheme,
 * the Bearer header and prefix, the HMAC's algorithm, encoding, prefix,
 * headers, payload and secret encoding; options not given keep their
 * value.  Header names are stored lower-case (headers match in any case).
 * Returns ADM_OK, or a usage or failure code with its message printed.
 */
static int
set_scheme(const struct adm_args *a, const char *id)
{
	static const char *const auths[] = { "secret", "bearer", "hmac",
	    NULL };
	static const char *const algos[] = { "sha1", "sha256", "sha512",
	    NULL };
	static const char *const encs[] = { "hex", "base64", NULL };
	static const char *const payloads[] = { "{timestamp}.{body}",
	    "{body}", NULL };
	static const char *const names[] = { "--bearer-header",
	    "--hmac-signature-header", "--hmac-timestamp-header" };
	const char *p[11] = { id };
	char lower[3][CT_HEADER_NAME_MAX + 1];
	size_t i, k;
	long long n;
	PGresult *r;

	p[1] = adm_opt(a, "--vapi-auth");
	p[2] = adm_opt(a, "--hmac-algorithm");
	p[3] = adm_opt(a, "--hmac-encoding");
	p[4] = adm_opt(a, "--hmac-prefix");
	p[8] = adm_opt(a, "--hmac-payload");
	if ((p[1] != NULL && !adm_one_of(p[1], auths)) ||
	    (p[2] != NULL && !adm_one_of(p[2], algos)) ||
	    (p[3] != NULL && !adm_one_of(p[3], encs)) ||
	    (p[8] != NULL && !adm_one_of(p[8], payloads)))
		return adm_usage("--vapi-auth (secret, bearer, hmac), "
		    "--hmac-algorithm (sha1, sha256, sha512), --hmac-encoding "
		    "(hex, base64) or --hmac-payload ('{timestamp}.{body}', "
		    "'{body}') has an unknown value");
	if (p[4] != NULL && strlen(p[4]) > 32)
		return adm_usage("--hmac-prefix is at most 32 characters");
	for (i = 0; i < 3; i++) {
		const char *v = adm_opt(a, names[i]);

		if (v == NULL)
			continue;
		if (!header_name_ok(v))
			return adm_usage("a header name is 1 to 64 letters, "
			    "digits or '-'");
		for (k = 0; v[k] != '\0'; k++)
			lower[i][k] = (char)(v[k] >= 'A' && v[k] <= 'Z' ?
			    v[k] + 32 : v[k]);
		lower[i][k] = '\0';
		p[i == 0 ? 5 : i + 5] = lower[i];
	}
	if (!on_off(adm_opt(a, "--bearer-prefix"), &p[9]) ||
	    !on_off(adm_opt(a, "--hmac-secret-base64"), &p[10]))
		return adm_usage("--bearer-prefix and --hmac-secret-base64 "
		    "take on or off");
	for (i = 1; i < 11 && p[i] == NULL; i++)
		;
	if (i == 11)
		return ADM_OK;
	/* A Base64 secret must be Base64, or nothing would verify. */
	if ((r = adm_run("set the integration's credential", "UPDATE "
	    "integrations SET vapi_auth = COALESCE($2, vapi_auth), "
	    "hmac_algorithm = COALESCE($3, hmac_algorithm), "
	    "hmac_encoding = COALESCE($4, hmac_encoding), "
	    "hmac_prefix = COALESCE($5, hmac_prefix), "
	    "bearer_header = COALESCE($6, bearer_header), "
	    "hmac_signature_header = COALESCE($7, hmac_signature_header), "
	    "hmac_timestamp_header = COALESCE($8, hmac_timestamp_header), "
	    "hmac_payload = COALESCE($9, hmac_payload), "
	    "bearer_prefix = COALESCE($10::boolean, bearer_prefix), "
	    "hmac_secret_base64 = COALESCE($11::boolean, hmac_secret_base64) "
	    "WHERE id = $1 AND provider = 'vapi' AND (NOT COALESCE($11::boolean, "
	    "hmac_secret_base64) OR (secret ~ '^[A-Za-z0-9+/]+={0,2}$' AND "
	    "length(secret) % 4 = 0 AND (secret_next IS NULL OR (secret_next ~ "
	    "'^[A-Za-z0-9+/]+={0,2}$' AND length(secret_next) % 4 = 0))))",
	    11, p)) == NULL)
		return ADM_FAIL;
	n = adm_rows_changed(r);
	PQclear(r);
	if (n != 1)
		return adm_fail("set the integration's credential", "no such "
		    "Vapi integration, or --hmac-secret-base64 on with a "
		    "secret that is not Base64");
	return ADM_OK;
}

/* Creates an integration of an org; prints its webhook URL. */
int
adm_integration_create(const struct adm_args *a)
{
	static const char *const providers[] = { "vapi", "retell", "twilio",
	    NULL };
	static const char *const auths[] = { "secret", "bearer", "hmac",
	    NULL };
	static const char *const algos[] = { "sha1", "sha256", "sha512",
	    NULL };
	static const char *const encs[] = { "hex", "base64", NULL };
	const char *org = a->pos[0], *provider = adm_opt(a, "--provider");
	const char *id = adm_opt(a, "--id"), *url = adm_opt(a, "--public-url");
	const char *auth = opt_or(a, "--vapi-auth", "secret");
	const char *algo = opt_or(a, "--hmac-algorithm", "sha256");
	const char *enc = opt_or(a, "--hmac-encoding", "hex");
	const char *prefix = opt_or(a, "--hmac-prefix", ""), *secret;
	const char *params[9];
	char slug[CT_INTEGRATION_ID_MAX + 1];
	PGresult *r;
	int rc;

	if (!ct_query_uuid(org))
		return adm_usage("integration create needs an ORG id");
	if (provider == NULL || !adm_one_of(provider, providers))
		return adm_usage("--provider must be vapi, retell or twilio");
	if (!adm_one_of(auth, auths) || !adm_one_of(algo, algos) ||
	    !adm_one_of(enc, encs))
		return adm_usage("--vapi-auth, --hmac-algorithm or "
		    "--hmac-encoding has an unknown value");
	if (!adm_secret_ok(secret = adm_secret_arg(adm_opt(a, "--secret"))))
		return adm_usage("--secret must be 8 to 512 printable characters "
		    "without spaces");
	if (strcmp(provider, "twilio") == 0 && url == NULL)
		return adm_usage("a twilio integration needs --public-url, the "
		    "exact URL Twilio calls");
	if (url != NULL && strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "http://", 7) != 0)
		return adm_usage("--public-url must start with https:// or "
		    "http://");
	if (id == NULL) {
		unsigned char rnd[6];
		char hex[13];

		if (ct_crypto_random(rnd, sizeof(rnd)) != CT_OK)
			return adm_fail("create the integration",
			    "no random bytes");
		ct_crypto_hex(rnd, sizeof(rnd), hex);
		snprintf(slug, sizeof(slug), "%s-%s", provider, hex);
		id = slug;
	}
	if (!ct_integration_id_valid(id))
		return adm_usage("--id must be 1 to 64 letters, digits, '-' or "
		    "'_'");
	params[0] = id;
	params[1] = org;
	params[2] = provider;
	params[3] = secret;
	params[4] = url;
	params[5] = auth;
	params[6] = algo;
	params[7] = enc;
	params[8] = prefix;
	if ((rc = adm_org_known("create the integration", org)) != ADM_OK)
		return rc;
	if ((r = adm_run("create the integration", "INSERT INTO integrations "
	    "(id, org_id, provider, secret, public_url, vapi_auth, "
	    "hmac_algorithm, hmac_encoding, hmac_prefix) VALUES ($1, $2, $3, "
	    "$4, $5, $6, $7, $8, $9)", 9, params)) == NULL)
		return ADM_FAIL;
	PQclear(r);
	if (strcmp(provider, "vapi") == 0 && (rc = set_scheme(a, id)) !=
	    ADM_OK) {
		/* Made, but not as asked: undo it rather than leave it half. */
		const char *v[1] = { id };

		PQclear(adm_run("undo the integration", "DELETE FROM "
		    "integrations WHERE id = $1", 1, v));
		return rc;
	}
	print_webhook_url(url, provider, id);
	return ADM_OK;
}

/* Changes a Vapi integration's credential options (set_scheme). */
int
adm_integration_update(const struct adm_args *a)
{
	if (!ct_integration_id_valid(a->pos[0]))
		return adm_usage("integration update needs an integration ID");
	return set_scheme(a, a->pos[0]);
}

/* Lists the integrations of every org, or of one, under a header line. */
int
adm_integration_list(const struct adm_args *a)
{
	const char *params[1] = { a->npos > 0 ? a->pos[0] : NULL };
	PGresult *r;
	int i;

	if (params[0] != NULL && !ct_query_uuid(params[0]))
		return adm_usage("integration list takes an ORG id");
	if (params[0] != NULL && adm_org_known("list integrations",
	    params[0]) != ADM_OK)
		return ADM_FAIL;
	/* Whether an API key is set, never the key. */
	if ((r = adm_run("list integrations", "SELECT id, org_id, provider, "
	    "created_at, COALESCE(disabled_at::text, '-'), CASE WHEN api_key "
	    "IS NULL THEN '-' ELSE 'set' END FROM integrations "
	    "WHERE $1::uuid IS NULL OR org_id = $1 ORDER BY created_at, id", 1,
	    params)) == NULL)
		return ADM_FAIL;
	printf("id\torg\tprovider\tcreated\tdisabled\tapi key\n");
	for (i = 0; i < PQntuples(r); i++)
		printf("%s\t%s\t%s\t%s\t%s\t%s\n", PQgetvalue(r, i, 0),
		    PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
		    PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
		    PQgetvalue(r, i, 5));
	PQclear(r);
	return ADM_OK;
}

/* Runs one UPDATE of the integration a names; nparams 1 or 2 (the
 * second: value).  ADM_OK when it changed one row, else says nowhy. */
static int
update_one(const struct adm_args *a, const char *sql, const char *value,
    const char *nowhy)
{
	const char *params[2] = { a->pos[0], value };
	PGresult *r;
	long long n;

	if (!ct_integration_id_valid(a->pos[0]))
		return adm_usage("the integration ID is malformed");
	if ((r = adm_run("update the integration", sql, value ? 2 : 1,
	    params)) == NULL)
		return ADM_FAIL;
	n = adm_rows_changed(r);
	PQclear(r);
	if (n != 1)
		return adm_fail("update the integration", nowhy);
	return ADM_OK;
}

/* Adds a new secret, accepted beside the old one until retire-secret. */
int
adm_integration_rotate(const struct adm_args *a)
{
	const char *secret;

	if (adm_opt(a, "--secret") == NULL)
		return adm_usage("integration rotate needs --secret S");
	if (!adm_secret_ok(secret = adm_secret_arg(adm_opt(a, "--secret"))))
		return adm_usage("--secret must be 8 to 512 printable "
		    "characters without spaces");
	return update_one(a, "UPDATE integrations SET secret_next = $2 "
	    "WHERE id = $1", secret, "no such integration");
}

/* Makes the rotated secret the only one. */
int
adm_integration_retire_secret(const struct adm_args *a)
{
	return update_one(a, "UPDATE integrations SET secret = secret_next, "
	    "secret_next = NULL WHERE id = $1 AND secret_next IS NOT NULL",
	    NULL, "no such integration, or no rotated secret to keep");
}

/* Disables an integration: its webhooks are refused from now on. */
int
adm_integration_disable(const struct adm_args *a)
{
	/* LEAST keeps the first time it was disabled (NULL: none yet); not
	 * COALESCE, where a Citus cluster takes no now(). */
	return update_one(a, "UPDATE integrations SET disabled_at = LEAST("
	    "disabled_at, now()) WHERE id = $1", NULL, "no such integration");
}

/* Enables a disabled integration again (the programs see it once their
 * cached copy expires, CALLTRACK_INTEGRATION_TTL). */
int
adm_integration_enable(const struct adm_args *a)
{
	return update_one(a, "UPDATE integrations SET disabled_at = NULL "
	    "WHERE id = $1", NULL, "no such integration");
}

/* 1 when s is a Twilio Account SID: AC and 32 hex digits. */
static int
account_sid_ok(const char *s)
{
	return s != NULL && strlen(s) == 34 && strncmp(s, "AC", 2) == 0 &&
	    strspn(s + 2, "0123456789abcdefABCDEF") == 32;
}

/*
 * Stores the provider API key the reconciler asks with (--api-key, "-"
 * reads it from standard input), or with --clear removes it.  A Twilio
 * key needs its Account SID: --account-sid, else the one the
 * integration's status callbacks carried (the reconciler looks again
 * when none came yet).  Prints what it did, never the key.
 */
int
adm_integration_set_api_key(const struct adm_args *a)
{
	const char *key = adm_opt(a, "--api-key");
	const char *sid = adm_opt(a, "--account-sid");
	const char *params[4];
	char found[40], provider[16];
	PGresult *r;
	int n, twilio;

	if (!ct_integration_id_valid(a->pos[0]))
		return adm_usage("the integration ID is malformed");
	if (adm_opt(a, "--clear") != NULL) {
		if (key != NULL || sid != NULL)
			return adm_usage("--clear takes no --api-key or "
			    "--account-sid");
		return update_one(a, "UPDATE integrations SET api_key = NULL, "
		    "api_account_sid = NULL, api_key_set_at = NULL WHERE id = "
		    "$1", NULL, "no such integration");
	}
	if (key == NULL)
		return adm_usage("integration set-api-key needs --api-key - "
		    "(or --clear)");
	if (!adm_secret_ok(key = adm_secret_arg(key)))
		return adm_usage("--api-key must be 8 to 512 printable "
		    "characters without spaces");
	if (sid != NULL && !account_sid_ok(sid))
		return adm_usage("--account-sid must be AC and 32 hex digits");
	/* The Account SID found first, each step a statement of its own:
	 * on a Citus cluster, integrations is a reference table, and an
	 * UPDATE of it takes no function but an immutable one inside a CASE
	 * or COALESCE, nor one that reads the distributed call_events. */
	params[0] = a->pos[0];
	if ((r = adm_run("set the API key", "SELECT provider, "
	    "api_account_sid FROM integrations WHERE id = $1", 1,
	    params)) == NULL)
		return ADM_FAIL;
	if (PQntuples(r) != 1 || (sid != NULL &&
	    strcmp(PQgetvalue(r, 0, 0), "twilio") != 0)) {
		PQclear(r);
		return adm_fail("set the API key", "no such integration, or "
		    "--account-sid for an integration that is not Twilio's");
	}
	snprintf(provider, sizeof(provider), "%s", PQgetvalue(r, 0, 0));
	twilio = strcmp(provider, "twilio") == 0;
	if (twilio && sid == NULL && !PQgetisnull(r, 0, 1) &&
	    strlen(PQgetvalue(r, 0, 1)) < sizeof(found)) {
		snprintf(found, sizeof(found), "%s", PQgetvalue(r, 0, 1));
		sid = found;
	}
	PQclear(r);
	if (twilio && sid == NULL) {
		if ((r = adm_run("set the API key", "SELECT "
		    "ct_reconcile_twilio_account($1)", 1, params)) == NULL)
			return ADM_FAIL;
		if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0) &&
		    account_sid_ok(PQgetvalue(r, 0, 0))) {
			snprintf(found, sizeof(found), "%s",
			    PQgetvalue(r, 0, 0));
			sid = found;
		}
		PQclear(r);
	}
	params[1] = key;
	params[2] = twilio ? sid : NULL;
	params[3] = provider;
	if ((r = adm_run("set the API key", "UPDATE integrations SET api_key "
	    "= $2, api_key_set_at = now(), api_account_sid = $3 WHERE id = $1 "
	    "AND provider = $4 RETURNING provider, "
	    "api_account_sid IS NOT NULL", 4, params)) == NULL)
		return ADM_FAIL;
	if ((n = PQntuples(r)) != 1) {
		PQclear(r);
		return adm_fail("set the API key", "no such integration, or "
		    "--account-sid for an integration that is not Twilio's");
	}
	printf("api key set for %s\n", a->pos[0]);
	if (strcmp(PQgetvalue(r, 0, 0), "twilio") == 0 &&
	    strcmp(PQgetvalue(r, 0, 1), "t") != 0)
		fprintf(stderr, "calltrack-admin: no Account SID yet: give "
		    "--account-sid, or the first status callback's is used\n");
	PQclear(r);
	return ADM_OK;
}
