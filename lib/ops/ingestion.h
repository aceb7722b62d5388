/*
 * ingestion.h: ingestion health for an org's dashboard (docs/API.md
 * "Ingestion health"), the handler of dashboard-ingest.
 *
 * GET /api/ingest, GET /api/ingest/deliveries and GET
 * /api/ingest/deliveries/<id> read through SQL functions pinned to the
 * token's org (sql/functions/14_ingest_health.sql); the body of a
 * delivery goes to an admin token only.  POST
 * /api/ingest/deliveries/<id>/replay (admin) applies a parked event again
 * by the current mapping: the bytes come from ct_ingest_payload, which
 * checks the token's role and org in SQL; the provider's mapping runs
 * here, as it does for a webhook; ct_ingest_replay writes the result
 * through ct_apply_event's replay path, again checking the token, the org
 * and that the event is still parked, under the row's lock.  It lives in
 * lib/ops beside the operator's replay (replay.h), whose pipelines it
 * uses.
 */
#ifndef CT_INGESTION_H
#define CT_INGESTION_H

#include "core/err.h"
#include "core/http.h"

/* Each list of GET /api/ingest (calls open past their limit, calls
 * missing their final report) holds at most this many rows; the answer
 * counts them all. */
#define CT_INGESTION_LIST_MAX 100

/* The endpoint handler of dashboard-ingest: the four routes above.  A
 * method a route does not take is 405 with its Allow header. */
enum ct_err ct_ingestion_handle(struct ct_request *req, const void *ctx);

#endif
