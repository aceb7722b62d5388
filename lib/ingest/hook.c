/*
 * hook.c: resolve, verify, identify, record.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "ingest/hook.h"
#include "core/log.h"
#include "ingest/refusal.h"
#include "ingest/spool.h"

const char *
ct_hook_slug(const char *path, const char *route)
{
	size_t n = strlen(route);
	const char *at, *last = NULL;

	if (path == NULL)
		return NULL;
	/* The route's last place in the path: a site under a prefix
	 * ("/~acme/hooks/vapi/<slug>", shared hosting) names it too. */
	for (at = strstr(path, route); at != NULL; at = strstr(at + 1, route))
		last = at;
	if (last == NULL)
		return NULL;
	return ct_integration_id_valid(last + n) ? last + n : NULL;
}

/*
 * The slug a request names: the last segment of its path under route or,
 * as plain CGI behind a rewrite to the program itself
 * ("/cgi-bin/vapi-hook/<slug>"), its PATH_INFO "/<slug>".
 */
static const char *
request_slug(const struct ct_request *req, const char *route)
{
	const char *slug = ct_hook_slug(req->path, route);
	const char *info;

	if (slug == NULL && req->fcgx == NULL &&
	    (info = ct_http_param(req, "PATH_INFO")) != NULL && info[0] == '/' &&
	    ct_integration_id_valid(info + 1))
		slug = info + 1;
	return slug;
}

/*
 * Keeps a refused request in rejected_events: why, and the body up to cap
 * bytes with the whole body's size and SHA-256 (signature headers are not
 * kept: Vapi's is the secret).  in may be NULL when the integration is
 * unknown.  Failure to keep it is logged; the client still gets its 4xx.
 */
static void
record_rejection(struct ct_request *req, const struct ct_hook_provider *p,
    const struct ct_integration *in, const char *slug, enum ct_err err,
    size_t cap)
{
	const struct ct_err_info *info = ct_err_info(err);
	const struct ct_config *cfg = ct_config_get();
	size_t keep = req->body_len;
	char status[8], size[24], hash[65], sid[CT_INTEGRATION_ID_MAX + 1];
	const char *params[13];
	int lengths[13] = { 0 }, formats[13] = { 0 };
	PGresult *r;

	if (info->http_status < 400 || info->http_status > 499)
		return;
	if (cap > (size_t)cfg->rejected_body_cap)
		cap = (size_t)cfg->rejected_body_cap;
	if (keep > cap)
		keep = cap;
	snprintf(status, sizeof(status), "%d", info->http_status);
	snprintf(size, sizeof(size), "%zu", req->body_len);
	ct_crypto_sha256_hex(req->body ? req->body : "", req->body_len, hash);
	/* An unknown slug is kept only when it has a slug's shape. */
	snprintf(sid, sizeof(sid), "%s", slug && ct_integration_id_valid(slug) ?
	    slug : "");
	/* Attributed to the integration's org (which the database looks up
	 * from the slug) only when the slug belongs to this route. */
	params[0] = in ? "t" : "f";
	params[1] = sid[0] ? sid : NULL;
	params[2] = ct_provider_name(p->provider);
	params[3] = status;
	params[4] = info->code;
	params[5] = req->detail[0] ? req->detail : NULL;
	params[6] = req->method_name;
	params[7] = NULL;	/* the path may hold an arbitrary slug */
	params[8] = ct_content_type_text(ct_http_param(req, "CONTENT_TYPE"));
	params[9] = req->body ? req->body : NULL;
	lengths[9] = (int)keep;
	formats[9] = 1;
	params[10] = size;
	params[11] = req->body ? hash : NULL;
	params[12] = keep < req->body_len ? "t" : "f";
	if (ct_db_exec(&r, "SELECT ct_record_rejection($1, $2, $3, $4, $5, $6,"
	    " $7, $8, $9, $10, $11, $12, $13)", 13, params, lengths, formats,
	    NULL) != CT_OK) {
		ct_log_msg(req->id, "could not keep a rejected request");
		return;
	}
	PQclear(r);
}

/*
 * Counts an unverified refusal (a 4xx err) against the client address.
 * Returns 0 when it is within the address's limit, else the seconds until
 * the address's window ends (the Retry-After of its 429).
 */
static long long
refusal_over(struct ct_request *req, enum ct_err err)
{
	struct timespec now;
	int status = ct_err_http_status(err);

	if (status < 400 || status > 499)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return ct_refusal_note(ct_refusal_process(),
	    ct_http_param(req, "REMOTE_ADDR"), (long long)now.tv_sec);
}

/*
 * Answers an unverified refusal past its address's limit: 429 with the
 * API's error body and Retry-After, nothing kept, the refusal it stands
 * for in the log line's detail.
 */
static void
send_rate_limited(struct ct_request *req, enum ct_err refused,
    long long retry_after)
{
	const struct ct_err_info *info = ct_err_info(CT_ERR_RATE_LIMITED);
	char body[256], extra[48];
	int n;

	n = snprintf(body, sizeof(body), "{\"error\":{\"code\":\"%s\","
	    "\"message\":\"%s\"}}", info->code, info->message);
	snprintf(extra, sizeof(extra), "Retry-After: %lld\r\n", retry_after);
	ct_http_set_detail(req, "refused as %s past the address's limit",
	    ct_err_info(refused)->code);
	ct_http_send(req, info->http_status, "application/json", extra, body,
	    n > 0 && (size_t)n < sizeof(body) ? (size_t)n : 0);
	req->code = info->code;
}

void
ct_hook_reject(struct ct_request *req, enum ct_err err, const void *ctx)
{
	const struct ct_hook_provider *p = ctx;
	const struct ct_integration *in = NULL;
	const char *slug = request_slug(req, p->route);

	/* Never verified: counted, and past the limit not kept (the serve
	 * loop still answers the 4xx). */
	if (refusal_over(req, err) != 0) {
		ct_http_set_detail(req, "not kept: past the address's limit");
		return;
	}
	/* Attribute it to its org when the path names a known integration. */
	if (slug != NULL && ct_integration_get(slug, 0, &in) != CT_OK)
		in = NULL;
	record_rejection(req, p, in, slug, err, CT_HOOK_UNVERIFIED_CAP);
}

/*
 * Writes a mapped event and answers: 200 applied or duplicate (with the
 * call's id when there is one), 202 parked (why, in the log line's
 * detail).
 */
static enum ct_err
write_event(struct ct_request *req, const struct ct_delivery *d,
    const struct ct_integration *in, const struct ct_call_event *ev)
{
	char outcome[16], call_id[37], why[sizeof(req->detail)];
	json_object *resp;
	enum ct_err err;

	/* What of the event was not kept (a bound), for the log line; the
	 * event's error says it too. */
	if (ev->note != NULL)
		ct_http_set_detail(req, "%s", ev->note);
	/* A stale copy (the database was away) verified it for the spool
	 * only: the drain checks the integration again before applying. */
	err = in->stale ? CT_ERR_DB_UNAVAILABLE :
	    ct_event_apply(d, in, ev, outcome, call_id, why, sizeof(why));
	if (err == CT_ERR_DB_UNAVAILABLE) {
		/* Verified, but the database cannot take it now: keep it on
		 * disk for the drain rather than lose it. */
		if ((err = ct_spool_write(d, in)) != CT_OK)
			return err;
		snprintf(outcome, sizeof(outcome), "spooled");
		call_id[0] = '\0';
	} else if (err != CT_OK) {
		return err;
	} else if (strcmp(outcome, "parked") == 0 && why[0] != '\0') {
		/* The statement's answer: no second round trip to ask. */
		ct_http_set_detail(req, "%s", why);
	}
	if ((resp = json_object_new_object()) == NULL)
		return CT_ERR_NOMEM;
	json_object_object_add(resp, "ok", json_object_new_boolean(1));
	if (call_id[0] != '\0')
		json_object_object_add(resp, "call_id",
		    json_object_new_string(call_id));
	json_object_object_add(resp, "outcome", json_object_new_string(outcome));
	snprintf(req->outcome, sizeof(req->outcome), "%s", outcome);
	ct_http_send_json(req, strcmp(outcome, "parked") == 0 ||
	    strcmp(outcome, "spooled") == 0 ? 202 : 200, resp);
	json_object_put(resp);
	return CT_OK;
}

/* The delivery a live request carries, for everything below the hook. */
static void
delivery_of(const struct ct_request *req, struct ct_delivery *d)
{
	d->body = req->body ? req->body : "";
	d->body_len = req->body_len;
	d->content_type = ct_http_param(req, "CONTENT_TYPE");
	d->query = req->query ? req->query : "";
	d->log_id = req->id;
}

/* The integration's settings for the mapping. */
static void
map_ctx(const struct ct_integration *in, struct ct_map_ctx *mctx)
{
	mctx->country = in->default_country;
	mctx->booking_tools = (const char *const *)in->booking_tools;
	mctx->n_booking_tools = in->n_booking_tools;
}

enum ct_err
ct_hook_replay(const struct ct_hook_provider *p, const char *integration,
    const char *org, const struct ct_delivery *d, char outcome[16],
    const char **why)
{
	const struct ct_integration *in;
	struct ct_event_params prm;
	struct ct_call_event ev;
	struct ct_map_ctx mctx;
	enum ct_err err;
	PGresult *r;

	outcome[0] = '\0';
	*why = NULL;
	if ((err = ct_integration_get(integration, 1, &in)) != CT_OK) {
		if (err == CT_ERR_UNKNOWN_INTEGRATION)
			*why = "integration is gone";
		return err;
	}
	if (in->stale)
		return CT_ERR_DB_UNAVAILABLE;
	/* The file was verified when it arrived; what it names must still
	 * be that org's integration, of this provider, and enabled. */
	if ((*why = ct_integration_refusal(in, p->provider, org)) != NULL)
		return CT_ERR_UNKNOWN_INTEGRATION;
	map_ctx(in, &mctx);
	if ((err = p->map(d, &mctx, &ev)) == CT_OK) {
		ct_event_params(d, in, &ev, &prm);
		/* Applied as a live request, and marked as having come through
		 * the spool (GET /api/ingest counts those). */
		prm.values[CT_EP_MODE] = ev.mode == CT_EVENT_RECORD ?
		    "spool-record" : "spool-apply";
		err = ct_db_exec(&r, ct_event_apply_sql(), CT_EVENT_NPARAMS,
		    prm.values, prm.lengths, prm.formats, NULL);
		if (err == CT_OK) {
			if (PQntuples(r) == 1)
				snprintf(outcome, 16, "%s", PQgetvalue(r, 0, 0));
			else
				err = CT_ERR_INTERNAL;
			PQclear(r);
		}
	}
	ct_call_event_free(&ev);
	return err;
}

enum ct_err
ct_hook_reapply(const struct ct_hook_provider *p, const char *integration,
    const struct ct_delivery *d, const char *dedup_key, char outcome[16])
{
	const struct ct_integration *in;
	struct ct_event_params prm;
	struct ct_call_event ev;
	struct ct_map_ctx mctx;
	enum ct_err err;
	PGresult *r;

	outcome[0] = '\0';
	if ((err = ct_integration_get(integration, 0, &in)) != CT_OK)
		return err;
	if (in->stale)
		return CT_ERR_DB_UNAVAILABLE;
	map_ctx(in, &mctx);
	if ((err = p->map(d, &mctx, &ev)) == CT_OK) {
		ct_event_params(d, in, &ev, &prm);
		/* The event keeps the key it was kept under. */
		prm.values[CT_EP_DEDUP_KEY] = dedup_key;
		prm.values[CT_EP_MODE] = ev.mode == CT_EVENT_RECORD ?
		    "replay-record" : "replay-apply";
		err = ct_db_exec(&r, ct_event_apply_sql(), CT_EVENT_NPARAMS,
		    prm.values, prm.lengths, prm.formats, NULL);
		if (err == CT_OK) {
			if (PQntuples(r) == 1)
				snprintf(outcome, 16, "%s", PQgetvalue(r, 0, 0));
			else
				err = CT_ERR_INTERNAL;
			PQclear(r);
		}
	}
	ct_call_event_free(&ev);
	return err;
}

enum ct_err
ct_hook_handle(struct ct_request *req, const void *ctx)
{
	const struct ct_hook_provider *p = ctx;
	const struct ct_integration *in = NULL;
	const char *slug = request_slug(req, p->route);
	const char *field = NULL;
	struct ct_delivery d;
	struct ct_call_event ev;
	struct ct_map_ctx mctx;
	enum ct_err err;
	long long wait;
	int verified = 0;

	if (slug == NULL) {
		err = CT_ERR_UNKNOWN_INTEGRATION;
		goto refuse;
	}
	snprintf(req->integration, sizeof(req->integration), "%s", slug);
	if ((err = ct_integration_get(slug, 0, &in)) != CT_OK)
		goto refuse;
	if (in->provider != p->provider || in->disabled) {
		ct_http_set_detail(req, "integration %s is %s", slug,
		    in->disabled ? "disabled" : "for another provider");
		/* Not attributed: the slug does not belong to this route. */
		in = NULL;
		err = CT_ERR_UNKNOWN_INTEGRATION;
		goto refuse;
	}
	snprintf(req->org, sizeof(req->org), "%s", in->org_id);
	if ((err = p->verify(req, in)) == CT_ERR_BAD_SIGNATURE) {
		/* The cached secrets may predate a rotation: look again. */
		if ((err = ct_integration_get(slug, 1, &in)) != CT_OK)
			goto refuse;
		/* It may have been disabled since the copy that failed. */
		err = ct_integration_refusal(in, p->provider, NULL) != NULL ?
		    CT_ERR_UNKNOWN_INTEGRATION : p->verify(req, in);
	}
	if (err != CT_OK)
		goto refuse;
	verified = 1;
	map_ctx(in, &mctx);
	delivery_of(req, &d);
	err = p->map(&d, &mctx, &ev);
	if (ev.event_type != NULL)
		snprintf(req->event, sizeof(req->event), "%s", ev.event_type);
	if (err == CT_OK)
		err = write_event(req, &d, in, &ev);
	field = ev.bad_field;
	ct_call_event_free(&ev);
	if (err == CT_OK || ct_err_http_status(err) >= 500)
		return err;
refuse:
	/* Only what never proved itself is limited: a verified request is
	 * answered and kept as ever, whatever its address did before. */
	if (!verified && (wait = refusal_over(req, err)) != 0) {
		send_rate_limited(req, err, wait);
		return CT_OK;
	}
	if (field != NULL) {
		/* The error names the body's field (a NUL in an id). */
		ct_http_set_detail(req, "%s holds a NUL", field);
		ct_http_send_error(req, err, field, NULL);
	}
	record_rejection(req, p, in, slug, err, verified ?
	    (size_t)ct_config_get()->rejected_body_cap : CT_HOOK_UNVERIFIED_CAP);
	return field != NULL ? CT_OK : err;
}
