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

static const char *const role_names[] = {
	[CT_ROLE_VIEWER] = "viewer",
	[CT_ROLE_EDITOR] = "editor",
	[CT_ROLE_ADMIN] = "admin",
};

const char *
ct_role_name(enum ct_role role)
{
	if (role < CT_ROLE_VIEWER || role > CT_ROLE_ADMIN)
		return "?";
	return role_names[role];
}

bool
ct_role_parse(const char *name, enum ct_role *role)
{
	int i;

	for (i = CT_ROLE_VIEWER; i <= CT_ROLE_ADMIN; i++)
		if (name != NULL && strcmp(name, role_names[i]) == 0) {
			*role = (enum ct_role)i;
			return true;
		}
	return false;
}

enum ct_err
ct_auth_bearer(struct ct_request *req, struct ct_auth *a)
{
	const char *h = ct_http_param(req, "HTTP_AUTHORIZATION");
	const char *params[1];
	enum ct_err err;
	PGresult *r;

	memset(a, 0, sizeof(*a));
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return CT_ERR_MISSING_TOKEN;
	h += 7;
	while (*h == ' ')
		h++;
	if (*h == '\0')
		return CT_ERR_MISSING_TOKEN;
	if (!ct_auth_token_valid(h))
		return CT_ERR_BAD_TOKEN;
	ct_crypto_sha256_hex(h, strlen(h), a->hash);
	params[0] = a->hash;
	if ((err = ct_db_exec(&r, "SELECT org_id, role, label, country FROM "
	    "ct_token_auth($1)", 1, params, NULL, NULL, NULL)) != CT_OK) {
		memset(a, 0, sizeof(*a));
		return err;
	}
	if (PQntuples(r) != 1 || PQnfields(r) != 4 || PQgetisnull(r, 0, 0) ||
	    !ct_role_parse(PQgetvalue(r, 0, 1), &a->role)) {
		PQclear(r);
		memset(a, 0, sizeof(*a));
		return CT_ERR_BAD_TOKEN;
	}
	snprintf(a->org, sizeof(a->org), "%s", PQgetvalue(r, 0, 0));
	snprintf(a->label, sizeof(a->label), "%s", PQgetvalue(r, 0, 2));
	snprintf(a->country, sizeof(a->country), "%s", PQgetvalue(r, 0, 3));
	PQclear(r);
	snprintf(req->org, sizeof(req->org), "%s", a->org);
	return CT_OK;
}

enum ct_err
ct_auth_require(struct ct_request *req, const struct ct_auth *a,
    enum ct_role need)
{
	if (a->role >= need)
		return CT_OK;
	ct_http_set_detail(req, "a %s token may not %s %s (needs %s)",
	    ct_role_name(a->role), req->method_name ? req->method_name : "?",
	    req->path, ct_role_name(need));
	return CT_ERR_FORBIDDEN;
}
