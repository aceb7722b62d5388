/*
 * dashboard.h: the dashboard API's handlers (docs/API.md "Dashboard API").
 */
#ifndef CT_DASHBOARD_H
#define CT_DASHBOARD_H

#include "core/err.h"
#include "core/http.h"

/*
 * A search (q) counts its matches up to this many; past it, the list says
 * "total": CT_SEARCH_COUNT_CAP with "total_capped": true.
 */
#define CT_SEARCH_COUNT_CAP 1000

/* GET /api/calls (JSON or CSV) and GET /api/calls/<id>. */
enum ct_err ct_dashboard_calls(struct ct_request *req, const void *ctx);

/* GET /api/stats, GET /api/me (the token's org and role) and
 * GET /api/agents (every agent the org's calls name). */
enum ct_err ct_dashboard_stats(struct ct_request *req, const void *ctx);

#endif
