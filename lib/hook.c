/*
 * hook.c: resolve, verify, identify, record.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "crypto.h"
#include "db.h"
#include "hook.h"
#include "spool.h"
#include "log.h"

const char *
ct_hook_slug(const char *path, const char *route)
{
	size_t n = strlen(route);

	if (path == NULL || strncmp(path, route, n) != 0)
		return NULL;
	return ct_integration_id_valid(path + n) ? path + n : NULL;
}

/*
 * Keeps a refused request in rejected_events: why, and the body up to the
 * configured cap (signature headers are not kept: Vapi's is the secret).
 * in may be NULL when the integration is unknown.  Failure to keep it is
 * logged; the client still gets its 4xx.
 */
static void
record_rejection(struct ct_request *req, const struct ct_hook_provider *p,
    const struct ct_integration *in, const char *slug, enum ct_err err)
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
	if (keep > (size_t)cfg->rejected_body_cap)
		keep = (size_t)cfg->rejected_body_cap;
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
	params[8] = ct_http_param(req, "CONTENT_TYPE");
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

void
ct_hook_reject(struct ct_request *req, enum ct_err err, const void *ctx)
{
	const struct ct_hook_provider *p = ctx;
	const struct ct_integration *in = NULL;
	const char *slug = ct_hook_slug(req->path, p->route);

	/* Attribute it to its org when the path names a known integration. */
	if (slug != NULL && ct_integration_get(slug, 0, &in) != CT_OK)
		in = NULL;
	record_rejection(req, p, in, slug, err);
}

/*
 * Writes a mapped event and answers: 200 applied or duplicate (with the
 * call's id when there is one), 202 parked.
 */
static enum ct_err
write_event(struct ct_request *req, const struct ct_integration *in,
    const struct ct_call_event *ev)
{
	char outcome[16], call_id[37];
	json_object *resp;
	enum ct_err err;

	err = ct_event_apply(req, in, ev, outcome, call_id);
	if (err == CT_ERR_DB_UNAVAILABLE) {
		/* Verified, but the database cannot take it now: keep it on
		 * disk for the drain rather than lose it. */
		if ((err = ct_spool_write(req, ct_provider_name(in->provider),
		    in->id)) != CT_OK)
			return err;
		snprintf(outcome, sizeof(outcome), "spooled");
		call_id[0] = '\0';
	} else if (err != CT_OK) {
		return err;
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
    struct ct_request *req, char outcome[16])
{
	const struct ct_integration *in;
	struct ct_call_event ev;
	struct ct_map_ctx mctx;
	char call_id[37];
	enum ct_err err;

	outcome[0] = '\0';
	if ((err = ct_integration_get(integration, 1, &in)) != CT_OK)
		return err;
	if (in->stale)
		return CT_ERR_DB_UNAVAILABLE;
	if (in->provider != p->provider)
		return CT_ERR_UNKNOWN_INTEGRATION;
	map_ctx(in, &mctx);
	err = p->map(req, &mctx, &ev);
	if (err == CT_OK)
		err = ct_event_apply(req, in, &ev, outcome, call_id);
	ct_call_event_free(&ev);
	return err;
}

enum ct_err
ct_hook_reapply(const struct ct_hook_provider *p, const char *integration,
    struct ct_request *req, const char *dedup_key, char outcome[16])
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
	if ((err = p->map(req, &mctx, &ev)) == CT_OK) {
		ct_event_params(req->body, req->body_len,
		    ct_http_param(req, "CONTENT_TYPE"), in, &ev, &prm);
		/* The event keeps the key it was kept under. */
		prm.values[CT_EVENT_P_DEDUP_KEY] = dedup_key;
		prm.values[CT_EVENT_P_MODE] = ev.mode == CT_EVENT_RECORD ?
		    "replay-record" : "replay-apply";
		err = ct_db_exec(&r, CT_EVENT_APPLY_SQL, CT_EVENT_NPARAMS,
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
	const char *slug = ct_hook_slug(req->path, p->route);
	struct ct_call_event ev;
	struct ct_map_ctx mctx;
	enum ct_err err;

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
		err = p->verify(req, in);
	}
	if (err != CT_OK)
		goto refuse;
	map_ctx(in, &mctx);
	err = p->map(req, &mctx, &ev);
	if (ev.event_type != NULL)
		snprintf(req->event, sizeof(req->event), "%s", ev.event_type);
	if (err == CT_OK)
		err = write_event(req, in, &ev);
	ct_call_event_free(&ev);
	if (err == CT_OK || ct_err_http_status(err) >= 500)
		return err;
refuse:
	record_rejection(req, p, in, slug, err);
	return err;
}
