/*
 * destinations.h: the routes of /api/notifications (docs/API.md,
 * "Notifications (admin)"), dashboard-notify's handler.
 *
 * An admin token only, for every route.  The destination is checked by
 * notify.h's rules; one SQL function per route answers, given the token's
 * hash (sql/functions/11_notify_admin.sql): it pins the token's org
 * itself, so another org's destination or message is never found.
 */
#ifndef CT_DESTINATIONS_H
#define CT_DESTINATIONS_H

#include <stdbool.h>

#include "core/err.h"
#include "core/form.h"
#include "core/http.h"

#define CT_DELIVERIES_LIMIT_DEFAULT 25
#define CT_DELIVERIES_LIMIT_MAX 100

/* Which route a path is. */
enum ct_destinations_route {
	CT_ROUTE_NONE = 0,
	CT_ROUTE_LIST,		/* /api/notifications: GET, POST */
	CT_ROUTE_ONE,		/* /api/notifications/<id>: PATCH, DELETE */
	CT_ROUTE_TEST,		/* /api/notifications/<id>/test: POST */
	CT_ROUTE_DELIVERIES,	/* /api/notifications/deliveries: GET */
	CT_ROUTE_RETRY		/* /api/notifications/deliveries/<id>/retry:
				   POST */
};

/*
 * Reads path into its route, the methods it takes (CT_METHOD_* bits) and
 * the id it names (a UUID, lower case; "" when none).  A path of no route,
 * or whose id is not a UUID, is CT_ROUTE_NONE.
 */
enum ct_destinations_route ct_destinations_route(const char *path,
    unsigned *methods, char id[37]);

/* GET /api/notifications/deliveries's parameters, validated. */
struct ct_deliveries_query {
	const char	*destination;	/* a UUID, or NULL */
	const char	*state;		/* pending | delivered | failed, or NULL */
	int		 limit;
	char		 after_us[24];	/* the cursor's time, "" without one */
	char		 after_id[37];	/* the cursor's id, "" without one */
	struct ct_form	 form;		/* owns the decoded strings */
};

/*
 * Parses the query string of GET /api/notifications/deliveries into q:
 * destination (a UUID), state, limit (1 to CT_DELIVERIES_LIMIT_MAX,
 * default CT_DELIVERIES_LIMIT_DEFAULT), cursor (a next_cursor as given:
 * "<microseconds since the epoch>.<id>").  Unknown parameters are
 * ignored.  CT_OK, CT_ERR_NOMEM, or CT_ERR_INVALID_PARAMETER with *bad
 * naming the parameter (a static string).  The caller frees q with
 * ct_deliveries_query_free() either way.
 */
enum ct_err ct_deliveries_query_parse(const char *query,
    struct ct_deliveries_query *q, const char **bad)
    __attribute__((warn_unused_result));
void ct_deliveries_query_free(struct ct_deliveries_query *q);

/* Every route of /api/notifications (the endpoint's handler). */
enum ct_err ct_destinations_handle(struct ct_request *req, const void *ctx);

#endif
