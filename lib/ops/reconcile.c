/*
 * reconcile.c: a lost final report fetched back from the provider
 * (reconcile.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/json.h"
#include "core/log.h"
#include "core/num.h"
#include "core/outbound.h"
#include "ingest/event.h"
#include "ingest/hook.h"
#include "ops/reconcile.h"
#include "ops/replay.h"

static bool
id_ok(const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > CT_RECONCILE_ID_MAX)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") == n && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static bool
account_ok(const char *s)
{
	return s != NULL && strlen(s) == 34 && s[0] == 'A' && s[1] == 'C' &&
	    strspn(s + 2, "0123456789abcdefABCDEF") == 32;
}

enum ct_err
ct_reconcile_url(enum ct_provider p, const char *base, const char *call_id,
    const char *account_sid, char *out, size_t outlen)
{
	size_t n;
	int w;

	if (base == NULL || strncmp(base, "https://", 8) != 0 ||
	    (n = strlen(base)) > CT_RECONCILE_URL_MAX || !id_ok(call_id) ||
	    strpbrk(base, " \t\r\n?#") != NULL)
		return CT_ERR_INVALID_PARAMETER;
	while (n > 8 && base[n - 1] == '/')
		n--;
	switch (p) {
	case CT_PROVIDER_VAPI:
		w = snprintf(out, outlen, "%.*s/call/%s", (int)n, base, call_id);
		break;
	case CT_PROVIDER_RETELL:
		w = snprintf(out, outlen, "%.*s/v2/get-call/%s", (int)n, base,
		    call_id);
		break;
	case CT_PROVIDER_TWILIO:
		if (!account_ok(account_sid))
			return CT_ERR_INVALID_PARAMETER;
		w = snprintf(out, outlen,
		    "%.*s/2010-04-01/Accounts/%s/Calls/%s.json", (int)n, base,
		    account_sid, call_id);
		break;
	default:
		return CT_ERR_INVALID_PARAMETER;
	}
	return w > 0 && (size_t)w < outlen ? CT_OK : CT_ERR_INVALID_PARAMETER;
}

/* Adds obj's member key to dst under the same name, shared. */
static void
copy_member(json_object *dst, json_object *obj, const char *key)
{
	json_object *v;

	if (json_object_object_get_ex(obj, key, &v) && v != NULL)
		json_object_object_add(dst, key, json_object_get(v));
}

/* Adds the string form of obj's member key (a string or a number) to dst
 * as name; nothing when absent, null or empty. */
static void
copy_param(json_object *dst, json_object *obj, const char *key,
    const char *name)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
		return;
	if (!json_object_is_type(v, json_type_string) &&
	    !json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double))
		return;
	if ((s = json_object_get_string(v)) == NULL || *s == '\0')
		return;
	json_object_object_add(dst, name, json_object_new_string(s));
}

/* Vapi: the call object as the end-of-call-report's message (providers.md
 * §1.5, §1.6), or a status-update while the call is not over. */
static json_object *
wrap_vapi(json_object *call, const char *status, bool *final)
{
	static const char *const report[] = { "endedReason", "artifact",
	    "analysis", "cost", "costs", "costBreakdown", "startedAt",
	    "endedAt", "customer", "phoneNumber", "assistant", "destination",
	    "assistantVersion", NULL };
	json_object *root, *msg;
	size_t i;

	*final = strcmp(status, "ended") == 0;
	if ((root = json_object_new_object()) == NULL)
		return NULL;
	if ((msg = json_object_new_object()) == NULL) {
		json_object_put(root);
		return NULL;
	}
	json_object_object_add(root, "message", msg);
	json_object_object_add(msg, "type", json_object_new_string(*final ?
	    "end-of-call-report" : "status-update"));
	if (!*final)
		json_object_object_add(msg, "status",
		    json_object_new_string(status));
	json_object_object_add(msg, "call", json_object_get(call));
	for (i = 0; report[i] != NULL; i++)
		copy_member(msg, call, report[i]);
	return root;
}

/* Retell: the call object as the webhook's (§2): call_analyzed once it
 * ended with its analysis, call_ended before that, call_started while it
 * goes on. */
static json_object *
wrap_retell(json_object *call, const char *status, bool *final)
{
	json_object *root, *analysis;
	const char *event;

	*final = false;
	if (strcmp(status, "ended") == 0 || strcmp(status, "not_connected") == 0 ||
	    strcmp(status, "error") == 0) {
		*final = json_object_object_get_ex(call, "call_analysis",
		    &analysis) && json_object_is_type(analysis,
		    json_type_object);
		event = *final ? "call_analyzed" : "call_ended";
	} else {
		event = "call_started";
	}
	if ((root = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(root, "event", json_object_new_string(event));
	json_object_object_add(root, "call", json_object_get(call));
	return root;
}

/* Twilio: the call resource as a status callback's parameters (§3), in a
 * JSON object, which the status mapping reads as it reads a form. */
static json_object *
wrap_twilio(json_object *call, const char *status, bool *final)
{
	static const char *const finals[] = { "completed", "busy",
	    "no-answer", "failed", "canceled", NULL };
	json_object *root;
	size_t i;

	*final = false;
	for (i = 0; finals[i] != NULL; i++)
		if (strcmp(status, finals[i]) == 0)
			*final = true;
	if ((root = json_object_new_object()) == NULL)
		return NULL;
	copy_param(root, call, "sid", "CallSid");
	copy_param(root, call, "account_sid", "AccountSid");
	copy_param(root, call, "status", "CallStatus");
	copy_param(root, call, "from", "From");
	copy_param(root, call, "to", "To");
	copy_param(root, call, "direction", "Direction");
	copy_param(root, call, "caller_name", "CallerName");
	copy_param(root, call, "answered_by", "AnsweredBy");
	if (*final) {
		/* The final callback's time is the call's end, its
		 * CallDuration the call's duration. */
		copy_param(root, call, "duration", "CallDuration");
		copy_param(root, call, "end_time", "Timestamp");
	}
	return root;
}

enum ct_err
ct_reconcile_wrap(enum ct_provider p, const char *answer, size_t len,
    const char *call_id, const char *account_sid, char **out, size_t *outlen,
    bool *final, const char **why)
{
	static const char *const id_key[] = { "id", "call_id", "sid" };
	static const char *const status_key[] = { "status", "call_status",
	    "status" };
	json_object *call = NULL, *root = NULL;
	const char *id, *status, *acct, *s;
	enum ct_err err;

	*out = NULL;
	*outlen = 0;
	*final = false;
	*why = NULL;
	if ((unsigned)p > CT_PROVIDER_TWILIO || call_id == NULL)
		return CT_ERR_INVALID_PARAMETER;
	if ((err = ct_json_parse(answer, len, &call)) != CT_OK) {
		if (err == CT_ERR_MALFORMED_BODY)
			*why = "the answer is not JSON";
		return err;
	}
	err = CT_ERR_MALFORMED_BODY;
	if (!json_object_is_type(call, json_type_object)) {
		*why = "the answer is not a call object";
		goto put;
	}
	if (ct_json_path_key(call, id_key[p], &id) != CT_OK || id == NULL) {
		*why = "the answer names no call";
		goto put;
	}
	if (strcmp(id, call_id) != 0) {
		*why = "the answer names another call";
		goto put;
	}
	if (p == CT_PROVIDER_TWILIO) {
		acct = ct_json_path_str(call, "account_sid");
		if (acct == NULL || account_sid == NULL ||
		    strcmp(acct, account_sid) != 0) {
			*why = "the answer belongs to another account";
			goto put;
		}
	}
	if (ct_json_path_key(call, status_key[p], &status) != CT_OK ||
	    status == NULL || strlen(status) > 100) {
		*why = "the answer has no status";
		goto put;
	}
	if (p == CT_PROVIDER_VAPI)
		root = wrap_vapi(call, status, final);
	else if (p == CT_PROVIDER_RETELL)
		root = wrap_retell(call, status, final);
	else
		root = wrap_twilio(call, status, final);
	if (root == NULL) {
		err = CT_ERR_NOMEM;
		goto put;
	}
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL || (*out = strdup(s)) == NULL) {
		err = CT_ERR_NOMEM;
		goto put;
	}
	*outlen = strlen(*out);
	err = CT_OK;
put:
	if (err != CT_OK)
		*final = false;
	json_object_put(root);
	json_object_put(call);
	return err;
}

long
ct_reconcile_retry_after(const char *value, time_t now)
{
	long long n;
	time_t t;

	if (value == NULL)
		return CT_RECONCILE_RETRY_DEFAULT;
	while (*value == ' ' || *value == '\t')
		value++;
	if (*value >= '0' && *value <= '9') {
		char buf[24];
		size_t k = strcspn(value, " \t\r\n");

		if (k == 0 || k >= sizeof(buf))
			return k == 0 ? CT_RECONCILE_RETRY_DEFAULT :
			    CT_RECONCILE_RETRY_MAX;
		memcpy(buf, value, k);
		buf[k] = '\0';
		if (ct_num_parse_str(buf, 0, 0x7fffffffffffLL, &n) != CT_OK)
			/* All digits, past any bound: as long as allowed. */
			return strspn(buf, "0123456789") == k ?
			    CT_RECONCILE_RETRY_MAX : CT_RECONCILE_RETRY_DEFAULT;
	} else {
		if ((t = curl_getdate(value, NULL)) == -1)
			return CT_RECONCILE_RETRY_DEFAULT;
		n = (long long)t - (long long)now;
	}
	if (n < 1)
		return 1;
	return n > CT_RECONCILE_RETRY_MAX ? CT_RECONCILE_RETRY_MAX : (long)n;
}

/* ---- The run ---- */

/* One question in flight: the Retry-After its answer carried. */
struct asking {
	char	 retry_after[64];
};

/* libcurl's header callback: keeps Retry-After. */
static size_t
header_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct asking *q = arg;
	size_t n = size * nmemb, k = sizeof("Retry-After:") - 1, v;

	if (n > k && strncasecmp(data, "Retry-After:", k) == 0) {
		v = n - k;
		if (v >= sizeof(q->retry_after))
			v = sizeof(q->retry_after) - 1;
		memcpy(q->retry_after, data + k, v);
		q->retry_after[v] = '\0';
		q->retry_after[strcspn(q->retry_after, "\r\n")] = '\0';
	}
	return n;
}

static const char record_sql[] =
    "SELECT ct_reconcile_record($1::uuid, $2::uuid, $3, $4::int, $5, $6, "
    "$7::int, $8::boolean)";

/* Records one attempt and logs it (the error escaped; no key). */
static enum ct_err
record(const char *org, const char *call, const char *integration,
    long status, const char *outcome, const char *error, long retry,
    bool final)
{
	char st[16], rs[24], esc[1024];
	const char *params[8];
	enum ct_err err;
	PGresult *r;

	snprintf(st, sizeof(st), "%ld", status);
	snprintf(rs, sizeof(rs), "%ld", retry);
	esc[0] = '\0';
	if (error != NULL)
		ct_log_escape(esc, sizeof(esc), error, strlen(error));
	params[0] = org;
	params[1] = call;
	params[2] = integration;
	params[3] = st;
	params[4] = outcome;
	params[5] = esc[0] != '\0' ? esc : NULL;
	params[6] = retry > 0 ? rs : NULL;
	params[7] = final ? "t" : "f";
	ct_log_msg("reconcile", "call=%s integration=%s status=%ld outcome=%s"
	    "%s%s", call, integration, status, outcome, esc[0] ? " error=" :
	    "", esc);
	err = ct_db_exec(&r, record_sql, 8, params, NULL, NULL, NULL);
	if (err == CT_OK)
		PQclear(r);
	return err;
}

/* Applies a wrapped answer as a "reconciled" event of integration.  On
 * CT_OK, *why is NULL when it applied (or was the same answer again),
 * else why it did not. */
static enum ct_err
apply_answer(const char *integration, const char *provider,
    const char *call_id, const char *body, size_t len, const char **why)
{
	const struct ct_hook_provider *hp = ct_replay_provider(provider);
	const struct ct_integration *in;
	struct ct_call_event ev;
	struct ct_map_ctx mctx;
	struct ct_delivery d;
	char outcome[16], got[37], hash[65];
	enum ct_err err;

	*why = NULL;
	if (hp == NULL) {
		*why = "no mapping for the provider";
		return CT_OK;
	}
	if ((err = ct_integration_get(integration, 1, &in)) != CT_OK) {
		if (err == CT_ERR_UNKNOWN_INTEGRATION) {
			*why = "the integration is gone";
			return CT_OK;
		}
		return err;
	}
	if (in->stale)
		return CT_ERR_DB_UNAVAILABLE;
	if (ct_integration_refusal(in, hp->provider, NULL) != NULL) {
		*why = ct_integration_refusal(in, hp->provider, NULL);
		return CT_OK;
	}
	d.body = body;
	d.body_len = len;
	d.content_type = "application/json";
	d.query = "";
	d.log_id = "reconcile";
	mctx.country = in->default_country;
	mctx.booking_tools = (const char *const *)in->booking_tools;
	mctx.n_booking_tools = in->n_booking_tools;
	if ((err = hp->map(&d, &mctx, &ev)) != CT_OK) {
		ct_call_event_free(&ev);
		if (err == CT_ERR_NOMEM)
			return err;
		*why = "the answer does not map as a webhook of its provider";
		return CT_OK;
	}
	if (ev.provider_call_id == NULL ||
	    strcmp(ev.provider_call_id, call_id) != 0) {
		ct_call_event_free(&ev);
		*why = "the answer names another call";
		return CT_OK;
	}
	/* Of its own type, and known by its bytes: the same answer twice is
	 * one event. */
	ev.event_type = "reconciled";
	ct_crypto_sha256_hex(body, len, hash);
	snprintf(ev.dedup_key, sizeof(ev.dedup_key), "reconciled:%s", hash);
	err = ct_event_apply(&d, in, &ev, outcome, got, NULL, 0);
	ct_call_event_free(&ev);
	if (err != CT_OK) {
		if (ct_err_http_status(err) >= 500)
			return err;
		*why = "the answer did not apply";
		return CT_OK;
	}
	if (strcmp(outcome, "parked") == 0)
		*why = "the answer was parked: a value it carries was refused";
	return CT_OK;
}

/* The integrations that answered 429 this run, asked no more. */
#define LIMITED_MAX 64

struct run {
	struct ct_outbound	 o;
	const struct ct_config	*cfg;
	bool			 down[3];	/* by provider: hung or away */
	char			 limited[LIMITED_MAX][CT_INTEGRATION_ID_MAX + 1];
	size_t			 n_limited;
};

static bool
is_limited(const struct run *run, const char *integration)
{
	size_t i;

	for (i = 0; i < run->n_limited; i++)
		if (strcmp(run->limited[i], integration) == 0)
			return true;
	return false;
}

static enum ct_provider
provider_of(const char *s)
{
	return strcmp(s, "vapi") == 0 ? CT_PROVIDER_VAPI :
	    strcmp(s, "retell") == 0 ? CT_PROVIDER_RETELL : CT_PROVIDER_TWILIO;
}

/* Asks about one call (row i of due) and records what came of it. */
static enum ct_err
ask(struct run *run, PGresult *due, int i, struct ct_reconcile_counts *c)
{
	const char *org = PQgetvalue(due, i, 0), *call = PQgetvalue(due, i, 1);
	const char *integration = PQgetvalue(due, i, 2);
	const char *provider = PQgetvalue(due, i, 3);
	const char *pcid = PQgetvalue(due, i, 4), *key = PQgetvalue(due, i, 5);
	const char *account = PQgetisnull(due, i, 6) ? NULL :
	    PQgetvalue(due, i, 6);
	enum ct_provider p = provider_of(provider);
	const char *base = p == CT_PROVIDER_VAPI ? run->cfg->vapi_api_url :
	    p == CT_PROVIDER_RETELL ? run->cfg->retell_api_url :
	    run->cfg->twilio_api_url;
	const char *redact[3] = { key, NULL, NULL };
	struct curl_slist *hdrs = NULL;
	struct asking q;
	char url[CT_RECONCILE_URL_MAX + 400], auth[600], desc[640];
	const char *why = NULL;
	char *body = NULL;
	size_t body_len;
	long status = 0, retry;
	bool final;
	CURLcode rc;
	CURL *h;
	enum ct_err err;

	if (run->down[p] || is_limited(run, integration)) {
		c->skipped++;
		return CT_OK;
	}
	if (p == CT_PROVIDER_TWILIO && account == NULL)
		return c->failed++, record(org, call, integration, 0, "failed",
		    "no Account SID: set one with integration set-api-key "
		    "--account-sid", 0, false);
	if (ct_reconcile_url(p, base, pcid, account, url, sizeof(url)) !=
	    CT_OK)
		return c->failed++, record(org, call, integration, 0, "failed",
		    "the call cannot be asked for: its id or the provider's "
		    "API URL is not one calltrack sends", 0, false);
	memset(&q, 0, sizeof(q));
	if (ct_outbound_prepare(&run->o, url, "https",
	    run->cfg->reconcile_allow_private != 0) != CT_OK)
		return CT_ERR_INTERNAL;
	h = run->o.easy;
	rc = CURLE_OK;
#define SET(opt, v) do { if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, v); } while (0)
	SET(CURLOPT_CONNECTTIMEOUT, (long)CT_RECONCILE_TIMEOUT_S);
	SET(CURLOPT_TIMEOUT, (long)CT_RECONCILE_TIMEOUT_S);
	SET(CURLOPT_HTTPGET, 1L);
	SET(CURLOPT_USERAGENT, "calltrack-reconcile");
	SET(CURLOPT_HEADERFUNCTION, header_cb);
	SET(CURLOPT_HEADERDATA, &q);
	if (run->cfg->ca_file != NULL)
		SET(CURLOPT_CAINFO, run->cfg->ca_file);
	if (p == CT_PROVIDER_TWILIO) {
		/* HTTP basic auth, AccountSid:AuthToken. */
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SET(CURLOPT_USERNAME, account);
		SET(CURLOPT_PASSWORD, key);
	} else {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
		if ((hdrs = curl_slist_append(NULL, auth)) == NULL) {
			ct_crypto_cleanse(auth, sizeof(auth));
			return CT_ERR_NOMEM;
		}
		SET(CURLOPT_HTTPHEADER, hdrs);
	}
#undef SET
	if (rc == CURLE_OK) {
		c->asked++;
		rc = curl_easy_perform(h);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	} else {
		status = 0;
	}
	/* The header list holds the key: gone before anything else. */
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	ct_crypto_cleanse(auth, sizeof(auth));

	if (!ct_outbound_answered(&run->o, rc) || run->o.refused[0] != '\0') {
		if (rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_COULDNT_CONNECT) {
			/* A provider that hangs or is away costs a run one
			 * timeout, not one per call. */
			run->down[p] = true;
		}
		if (rc == CURLE_OPERATION_TIMEDOUT && run->o.refused[0] == '\0')
			snprintf(desc, sizeof(desc), "timed out after %d s",
			    CT_RECONCILE_TIMEOUT_S);
		else
			ct_outbound_describe(&run->o, rc, status, redact, desc,
			    sizeof(desc));
		c->failed++;
		return record(org, call, integration, status, "failed", desc, 0,
		    false);
	}
	if (status == 404) {
		c->not_found++;
		return record(org, call, integration, status, "not_found",
		    "the provider does not know the call", 0, false);
	}
	if (status == 429) {
		retry = ct_reconcile_retry_after(q.retry_after[0] ?
		    q.retry_after : NULL, time(NULL));
		if (run->n_limited < LIMITED_MAX)
			snprintf(run->limited[run->n_limited++],
			    sizeof(run->limited[0]), "%s", integration);
		else
			run->down[p] = true;
		c->rate_limited++;
		snprintf(desc, sizeof(desc), "rate limited: asked to wait %ld s",
		    retry);
		return record(org, call, integration, status, "rate_limited",
		    desc, retry, false);
	}
	if (status < 200 || status >= 300) {
		ct_outbound_describe(&run->o, rc, status, redact, desc,
		    sizeof(desc));
		c->failed++;
		return record(org, call, integration, status, "failed", desc, 0,
		    false);
	}
	if (run->o.resp_truncated) {
		c->failed++;
		snprintf(desc, sizeof(desc), "the answer passed %d bytes",
		    CT_RECONCILE_BODY_MAX);
		return record(org, call, integration, status, "failed", desc, 0,
		    false);
	}
	err = ct_reconcile_wrap(p, (const char *)run->o.resp, run->o.resp_len,
	    pcid, account, &body, &body_len, &final, &why);
	if (err == CT_ERR_NOMEM)
		return err;
	if (err != CT_OK) {
		c->failed++;
		return record(org, call, integration, status, "failed",
		    why != NULL ? why : "the answer is not a call", 0, false);
	}
	err = apply_answer(integration, provider, pcid, body, body_len, &why);
	free(body);
	if (err != CT_OK)
		return err;
	if (why != NULL) {
		c->failed++;
		return record(org, call, integration, status, "failed", why, 0,
		    false);
	}
	c->recovered++;
	return record(org, call, integration, status, "recovered", NULL, 0,
	    final);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum ct_err
ct_reconcile_run(struct ct_reconcile_counts *c)
{
	static const char due_sql[] = "SELECT org_id, call_id, integration_id,"
	    " provider, provider_call_id, api_key, account_sid FROM"
	    " ct_reconcile_due($1::int, $2::int)";
	struct run *run;
	char per_org[24], per_run[24];
	const char *params[2] = { per_org, per_run };
	PGresult *due;
	enum ct_err err;
	double start;
	int i, n;

	memset(c, 0, sizeof(*c));
	if ((run = calloc(1, sizeof(*run))) == NULL)
		return CT_ERR_NOMEM;
	run->cfg = ct_config_get();
	if (run->cfg->reconcile_per_run == 0 || run->cfg->reconcile_per_org == 0) {
		free(run);
		return CT_OK;
	}
	snprintf(per_org, sizeof(per_org), "%lld", run->cfg->reconcile_per_org);
	snprintf(per_run, sizeof(per_run), "%lld", run->cfg->reconcile_per_run);
	if ((err = ct_db_exec(&due, due_sql, 2, params, NULL, NULL, NULL)) !=
	    CT_OK) {
		free(run);
		return err;
	}
	n = PQntuples(due);
	c->due = n;
	if (n > 0 && (err = ct_outbound_init_cap(&run->o,
	    CT_RECONCILE_BODY_MAX)) != CT_OK)
		goto clear;
	start = now_s();
	for (i = 0; i < n; i++) {
		if (now_s() - start >= (double)run->cfg->reconcile_budget_s) {
			c->skipped += n - i;
			break;
		}
		if ((err = ask(run, due, i, c)) != CT_OK)
			goto clear;
	}
	err = CT_OK;
clear:
	/* The keys are in the result: cleared before it goes. */
	for (i = 0; i < n; i++)
		ct_crypto_cleanse(PQgetvalue(due, i, 5),
		    (size_t)PQgetlength(due, i, 5));
	PQclear(due);
	ct_outbound_free(&run->o);
	free(run);
	return err;
}
