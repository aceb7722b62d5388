/*
 * sessions.h: the agent backend's session state over the dashboard API
 * (docs/API.md "Session state from the agent's backend"): the route and
 * the body of a PUT, checked here before any of it reaches SQL, and the
 * handler of dashboard-sessions.
 */
#ifndef CT_SESSIONS_H
#define CT_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "core/err.h"
#include "core/http.h"

#define CT_SESSION_ID_MAX 200		/* bytes of a provider call id */

/* The route of one session: its provider ("vapi", "retell", "twilio", a
 * static string) and the provider's call id. */
struct ct_session_route {
	const char	*provider;
	char		 provider_call_id[CT_SESSION_ID_MAX + 1];
};

/*
 * Reads path, "/api/sessions/<provider>/<provider_call_id>", into r: a
 * provider calltrack knows and an id of 1 to CT_SESSION_ID_MAX bytes of
 * letters, digits, '.', '_', ':' and '-' (every provider's call ids are;
 * nothing to decode).  Returns true, or false for any other path.
 */
bool ct_session_route_parse(const char *path, struct ct_session_route *r);

/*
 * Parses len bytes of body, a PUT's: one JSON object whose only member is
 * conversation_state, itself an object holding no NUL (jsonb refuses
 * \u0000).  On CT_OK *state is that object as compact JSON text, owned
 * by the caller (free).  Returns CT_ERR_INVALID_PARAMETER with *bad
 * naming what is wrong: "body" for a body that is not one JSON object,
 * or a member that is not a plain word; the member's name for one that
 * is not conversation_state (valid until the body is freed: *bad is
 * copied into badbuf, badlen bytes); "conversation_state" when it is
 * missing, given twice, not an object or holds a NUL.  CT_ERR_NOMEM.
 */
enum ct_err ct_session_parse(const char *body, size_t len, char **state,
    const char **bad, char *badbuf, size_t badlen)
    __attribute__((warn_unused_result));

/*
 * PUT /api/sessions/<provider>/<provider_call_id>: stores the session for
 * the token's org (an editor's or an admin's token; a viewer's is
 * CT_ERR_FORBIDDEN before the body is read), through ct_session_put
 * (sql/functions/15_legs.sql), and answers 200 with {"session": …}.  A
 * provider call id that is another org's call is CT_ERR_NOT_FOUND, as a
 * route of no provider is.
 */
enum ct_err ct_dashboard_sessions(struct ct_request *req, const void *ctx);

#endif
