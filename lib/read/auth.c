/*
 * auth.c: bearer tokens to orgs.
 */
#include <string.h>
#include <strings.h>

#include "read/auth.h"
#include "core/crypto.h"
#include "core/db.h"

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool
ct_auth_token_valid(const char *token)
{
	size_t plen = strlen(CT_TOKEN_PREFIX), n = strlen(token);

	return n > plen && n <= CT_TOKEN_MAX &&
	    strncmp(token, CT_TOKEN_PREFIX, plen) == 0 &&
	    strspn(token + plen, b64url) == n - plen;
}

enum ct_err
ct_auth_token_new(char token[48], char hash[65])
{
	unsigned char rnd[32];
	size_t i, o;
	unsigned bits = 0, acc = 0;

	if (ct_crypto_random(rnd, sizeof(rnd)) != CT_OK)
		return CT_ERR_INTERNAL;
	memcpy(token, CT_TOKEN_PREFIX, 3);
	o = 3;
	for (i = 0; i < sizeof(rnd); i++) {
		acc = (acc << 8) | rnd[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			token[o++] = b64url[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		token[o++] = b64url[(acc << (6 - bits)) & 63];
	token[o] = '\0';
	ct_crypto_sha256_hex(token, o, hash);
	return CT_OK;
}

enum ct_err
ct_auth_bearer(const struct ct_request *req, char org_id[37], char hash[65])
{
	const char *h = ct_http_param(req, "HTTP_AUTHORIZATION");
	const char *params[1];
	enum ct_err err;
	PGresult *r;

	org_id[0] = hash[0] = '\0';
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return CT_ERR_MISSING_TOKEN;
	h += 7;
	while (*h == ' ')
		h++;
	if (*h == '\0')
		return CT_ERR_MISSING_TOKEN;
	if (!ct_auth_token_valid(h))
		return CT_ERR_BAD_TOKEN;
	ct_crypto_sha256_hex(h, strlen(h), hash);
	params[0] = hash;
	if ((err = ct_db_exec(&r, "SELECT ct_token_org($1)", 1, params, NULL,
	    NULL, NULL)) != CT_OK) {
		hash[0] = '\0';
		return err;
	}
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0)) {
		PQclear(r);
		hash[0] = '\0';
		return CT_ERR_BAD_TOKEN;
	}
	snprintf(org_id, 37, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return CT_OK;
}
