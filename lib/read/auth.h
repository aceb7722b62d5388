/*
 * auth.h: dashboard bearer tokens.
 */
#ifndef CT_AUTH_H
#define CT_AUTH_H

#include <stdbool.h>

#include "core/err.h"
#include "core/http.h"

#define CT_TOKEN_PREFIX "ct_"
#define CT_TOKEN_MAX 128

/*
 * Reads "Authorization: Bearer <token>" (scheme in any case), and returns
 * the token's org in org_id and the token's SHA-256 (lowercase hex) in
 * hash: the credential the dashboard's SQL functions pin the org with.
 * Only the hash goes to the database.  Returns CT_OK, CT_ERR_MISSING_TOKEN
 * (no usable header), CT_ERR_BAD_TOKEN (malformed, unknown or revoked) or
 * CT_ERR_DB_UNAVAILABLE; org_id and hash are "" unless CT_OK.
 */
enum ct_err ct_auth_bearer(const struct ct_request *req, char org_id[37],
    char hash[65]) __attribute__((warn_unused_result));

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
