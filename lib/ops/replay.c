/*
 * replay.c: kept events applied again (replay.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/db.h"
#include "read/query.h"
#include "ops/replay.h"
#include "ingest/retell.h"
#include "ingest/twilio.h"
#include "ingest/vapi.h"

/* The events a filter selects, oldest received first.  $1 parked, $2 the
 * call, $3 the org, $4/$5 the call's time, $6/$7 the event's arrival. */
static const char list_sql[] =
    "SELECT e.org_id, e.id FROM call_events e"
    " LEFT JOIN calls c ON c.org_id = e.org_id AND c.id = e.call_id"
    " WHERE ($1::boolean IS NULL OR e.outcome = 'parked')"
    " AND ($2::uuid IS NULL OR e.call_id = $2)"
    " AND ($3::uuid IS NULL OR e.org_id = $3)"
    " AND ($4::timestamptz IS NULL OR"
    "  COALESCE(c.started_at, c.first_event_at) >= $4)"
    " AND ($5::timestamptz IS NULL OR"
    "  COALESCE(c.started_at, c.first_event_at) < $5)"
    " AND ($6::timestamptz IS NULL OR e.received_at >= $6)"
    " AND ($7::timestamptz IS NULL OR e.received_at < $7)"
    " ORDER BY e.received_at, e.id";

/* One kept event, as ct_hook_reapply needs it. */
static const char event_sql[] =
    "SELECT integration_id, provider, COALESCE(content_type, ''),"
    " dedup_key, payload FROM call_events WHERE org_id = $1 AND id = $2";

const struct ct_hook_provider *
ct_replay_provider(const char *provider)
{
	if (provider == NULL)
		return NULL;
	if (strcmp(provider, "vapi") == 0)
		return &ct_vapi_hook;
	if (strcmp(provider, "retell") == 0)
		return &ct_retell_hook;
	if (strcmp(provider, "twilio") == 0)
		return &ct_twilio_hook;
	return NULL;
}

/*
 * Applies the kept event id of org again; *outcome gets its outcome on
 * CT_OK.  CT_ERR_NOT_FOUND when the row is gone (or its payload does not
 * read back), CT_ERR_UNKNOWN_INTEGRATION for a provider no pipeline has,
 * else what ct_hook_reapply returned.
 */
static enum ct_err
replay_one(const char *org, const char *id, char outcome[16])
{
	const char *params[2] = { org, id };
	const struct ct_hook_provider *p;
	char ctype[160], key[301], integration[CT_INTEGRATION_ID_MAX + 1];
	struct ct_delivery d;
	unsigned char *body = NULL;
	char *copy;
	size_t body_len = 0;
	enum ct_err err;
	PGresult *r;

	outcome[0] = '\0';
	if ((err = ct_db_exec(&r, event_sql, 2, params, NULL, NULL, NULL)) !=
	    CT_OK)
		return err;
	if (PQntuples(r) != 1) {
		err = CT_ERR_NOT_FOUND;
		goto clear;
	}
	snprintf(integration, sizeof(integration), "%s", PQgetvalue(r, 0, 0));
	snprintf(ctype, sizeof(ctype), "%s", PQgetvalue(r, 0, 2));
	snprintf(key, sizeof(key), "%s", PQgetvalue(r, 0, 3));
	if ((p = ct_replay_provider(PQgetvalue(r, 0, 1))) == NULL) {
		err = CT_ERR_UNKNOWN_INTEGRATION;
		goto clear;
	}
	/* A bytea in text form: "\x" and hex digits. */
	body = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 4),
	    &body_len);
	if (body == NULL) {
		err = CT_ERR_NOMEM;
		goto clear;
	}
	/* The mappers read a NUL-terminated body. */
	if ((copy = malloc(body_len + 1)) == NULL) {
		err = CT_ERR_NOMEM;
		goto unescaped;
	}
	memcpy(copy, body, body_len);
	copy[body_len] = '\0';
	d.body = copy;
	d.body_len = body_len;
	d.content_type = ctype[0] != '\0' ? ctype : NULL;
	d.query = "";
	d.log_id = "replay";
	err = ct_hook_reapply(p, integration, &d, key, outcome);
	free(copy);
unescaped:
	PQfreemem(body);
clear:
	PQclear(r);
	return err;
}

enum ct_err
ct_replay_events(const struct ct_replay_filter *f,
    struct ct_replay_counts *counts, ct_replay_progress_fn progress,
    void *arg)
{
	const char *params[7];
	char outcome[16];
	enum ct_err err;
	PGresult *ids;
	int i, n;

	memset(counts, 0, sizeof(*counts));
	if ((f->parked != 0) + (f->call != NULL) + (f->org != NULL) != 1 ||
	    (f->call != NULL && !ct_query_uuid(f->call)) ||
	    (f->org != NULL && !ct_query_uuid(f->org)))
		return CT_ERR_INVALID_PARAMETER;
	params[0] = f->parked ? "t" : NULL;
	params[1] = f->call;
	params[2] = f->org;
	params[3] = f->from;
	params[4] = f->to;
	params[5] = f->received_from;
	params[6] = f->received_to;
	if ((err = ct_db_exec(&ids, list_sql, 7, params, NULL, NULL, NULL)) !=
	    CT_OK)
		return err;
	n = PQntuples(ids);
	counts->listed = n;
	for (i = 0; i < n; i++) {
		err = replay_one(PQgetvalue(ids, i, 0), PQgetvalue(ids, i, 1),
		    outcome);
		if (err == CT_OK && strcmp(outcome, "parked") == 0)
			counts->parked++;
		else if (err == CT_OK)
			counts->applied++;
		else if (ct_err_http_status(err) >= 500)
			goto clear;
		else
			counts->failed++;
		if (progress != NULL)
			progress(i + 1, n, arg);
	}
	err = CT_OK;
clear:
	PQclear(ids);
	return err;
}
