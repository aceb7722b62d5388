/*
 * token.c: calltrack-admin token create, token revoke, token list.
 */
#include <stdio.h>

#include "admin.h"
#include "read/auth.h"
#include "read/query.h"

/* Creates a dashboard token of an org, with a role (--role, default
 * editor: docs/API.md's table).  Standard output gets the token
 * alone, shown this once (only its hash is kept), so that scripts can take
 * it as `$(calltrack-admin token create ORG)`; standard error gets its id,
 * which token revoke takes. */
int
adm_token_create(const struct adm_args *a)
{
	const char *org = a->pos[0], *role = adm_opt(a, "--role"), *params[4];
	char token[48], hash[65];
	enum ct_role parsed;
	PGresult *r;

	if (!ct_query_uuid(org))
		return adm_usage("token create needs an ORG id");
	if (role == NULL)
		role = "editor";
	if (!ct_role_parse(role, &parsed))
		return adm_usage("token create: --role is viewer, editor or admin");
	if (ct_auth_token_new(token, hash) != CT_OK)
		return adm_fail("create a token", "no random bytes");
	params[0] = org;
	params[1] = hash;
	params[2] = adm_opt(a, "--label");
	params[3] = ct_role_name(parsed);
	if (adm_org_known("create the token", org) != ADM_OK)
		return ADM_FAIL;
	if ((r = adm_run("create the token", "INSERT INTO api_tokens (org_id, "
	    "token_hash, label, role) VALUES ($1, $2, $3, $4) RETURNING id", 4,
	    params)) == NULL)
		return ADM_FAIL;
	printf("%s\n", token);
	fflush(stdout);
	fprintf(stderr, "calltrack-admin: token id %s (token revoke takes it); "
	    "the token above is shown only this once\n", PQgetvalue(r, 0, 0));
	PQclear(r);
	return ADM_OK;
}

/* Revokes a token by its id (token list shows it). */
int
adm_token_revoke(const struct adm_args *a)
{
	const char *params[1] = { a->pos[0] };
	PGresult *r;
	long long n;

	if (!ct_query_uuid(a->pos[0]))
		return adm_usage("token revoke: the TOKEN-ID is malformed (a "
		    "UUID, as token list and token create show it)");
	/* LEAST keeps the first revocation (NULL: none yet); not COALESCE,
	 * where a Citus cluster takes no now(). */
	if ((r = adm_run("revoke the token", "UPDATE api_tokens SET revoked_at "
	    "= LEAST(revoked_at, now()) WHERE id = $1", 1, params)) == NULL)
		return ADM_FAIL;
	n = adm_rows_changed(r);
	PQclear(r);
	if (n != 1)
		return adm_fail("revoke the token", "no such token");
	return ADM_OK;
}

/* Lists an org's tokens, oldest first, under a header line; an org that
 * does not exist is a failure, not an empty list. */
int
adm_token_list(const struct adm_args *a)
{
	const char *params[1] = { a->pos[0] };
	PGresult *r;
	int i;

	if (!ct_query_uuid(a->pos[0]))
		return adm_usage("token list needs an ORG id");
	if ((r = adm_run("list tokens", "SELECT t.id, COALESCE(t.label, ''), "
	    "t.role, t.created_at, COALESCE(t.last_used_at::text, '-'), "
	    "CASE WHEN t.revoked_at IS NULL THEN 'active' ELSE 'revoked' END "
	    "FROM orgs o LEFT JOIN api_tokens t ON t.org_id = o.id "
	    "WHERE o.id = $1 ORDER BY t.created_at, t.id", 1, params)) == NULL)
		return ADM_FAIL;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return adm_fail("list tokens", "no such org");
	}
	printf("id\tlabel\trole\tcreated\tlast used\tstate\n");
	for (i = 0; i < PQntuples(r); i++) {
		if (PQgetisnull(r, i, 0))
			continue;	/* the org, without a token */
		printf("%s\t%s\t%s\t%s\t%s\t%s\n", PQgetvalue(r, i, 0),
		    PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
		    PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
		    PQgetvalue(r, i, 5));
	}
	PQclear(r);
	return ADM_OK;
}
