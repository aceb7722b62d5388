/*
 * auth.h: dashboard bearer tokens and their roles.
 */
#ifndef CT_AUTH_H
#define CT_AUTH_H

#include <stdbool.h>

#include "core/err.h"
#include "core/http.h"

#define CT_TOKEN_PREFIX "ct_"
#define CT_TOKEN_MAX 128
#define CT_TOKEN_LABEL_MAX 201	/* the label's 200 characters and NUL */

/*
 * What a token may do (docs/API.md, "Dashboard API"), each role all that
 * the one before it may: viewer every GET, editor also contacts and
 * alerts, admin also notifications and replays.
 */
enum ct_role {
	CT_ROLE_VIEWER = 1,
	CT_ROLE_EDITOR,
	CT_ROLE_ADMIN
};

/* A signed-in request: the token's org, its hash (the credential the
 * dashboard's SQL functions pin the org with), its role, the label that
 * names it in a contact's history, and the org's default country (ISO
 * 3166 alpha-2), which numbers typed by its people are read in. */
struct ct_auth {
	char		org[37];
	char		hash[65];
	enum ct_role	role;
	char		label[CT_TOKEN_LABEL_MAX];
	char		country[3];
};

/*
 * Reads "Authorization: Bearer <token>" (scheme in any case) into a, and
 * notes the org in req->org for the request's log line.  Only the token's
 * hash goes to the database.  Returns CT_OK, CT_ERR_MISSING_TOKEN (no
 * usable header), CT_ERR_BAD_TOKEN (malformed, unknown or revoked) or
 * CT_ERR_DB_UNAVAILABLE; *a is zeroed unless CT_OK.
 */
enum ct_err ct_auth_bearer(struct ct_request *req, struct ct_auth *a)
    __attribute__((warn_unused_result));

/*
 * Returns CT_OK when a's role is need or above; otherwise
 * CT_ERR_FORBIDDEN, with the request's log detail naming the role and
 * what it asked for.  The caller changes nothing on a refusal.
 */
enum ct_err ct_auth_require(struct ct_request *req, const struct ct_auth *a,
    enum ct_role need) __attribute__((warn_unused_result));

/* Returns the role's name ("viewer", "editor", "admin"), or "?" for none. */
const char *ct_role_name(enum ct_role role);

/* Reads a role's name into *role.  Returns true when name is one, else false. */
bool ct_role_parse(const char *name, enum ct_role *role);

/*
 * Makes a new random token ("ct_" and 43 base64url characters) into token
 * (at least 47 bytes) and its SHA-256 hex into hash.  CT_OK or
 * CT_ERR_INTERNAL.
 */
enum ct_err ct_auth_token_new(char token[48], char hash[65])
    __attribute__((warn_unused_result));

/* Returns true when token has the shape of a calltrack token, else false. */
bool ct_auth_token_valid(const char *token);

#endif
