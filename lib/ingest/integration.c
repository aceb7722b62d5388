/*
 * integration.c: integration lookup with a small per-worker cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/db.h"
#include "ingest/integration.h"

#define CACHE_SLOTS 32

struct slot {
	struct ct_integration	 in;
	time_t			 fetched;
	int			 used;
	/* Owned copies behind the pointers in `in`. */
	char			*secret, *secret_next, *public_url, *prefix;
};

static struct slot cache[CACHE_SLOTS];

const char *
ct_provider_name(enum ct_provider p)
{
	switch (p) {
	case CT_PROVIDER_VAPI:
		return "vapi";
	case CT_PROVIDER_RETELL:
		return "retell";
	case CT_PROVIDER_TWILIO:
		return "twilio";
	}
	return "unknown";
}

bool
ct_integration_id_valid(const char *id)
{
	size_t n;

	if (id == NULL)
		return 0;
	n = strlen(id);
	return n >= 1 && n <= CT_INTEGRATION_ID_MAX &&
	    strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_-") == n;
}

static void
slot_free(struct slot *s)
{
	size_t i;

	free(s->secret);
	free(s->secret_next);
	free(s->public_url);
	free(s->prefix);
	for (i = 0; i < s->in.n_booking_tools; i++)
		free(s->in.booking_tools[i]);
	memset(s, 0, sizeof(*s));
}

/*
 * Parses a PostgreSQL text[] in its text form ("{a,\"b c\"}") into at
 * most max malloc'd strings in out; returns how many, or -1 when it is
 * malformed (out is then empty).  NULL elements are skipped.
 */
static int
parse_array(const char *text, char **out, size_t max)
{
	const char *p = text;
	size_t n = 0, len = text ? strlen(text) : 0;
	char *buf;

	if (len < 2 || text[0] != '{' || text[len - 1] != '}' ||
	    (buf = malloc(len)) == NULL)
		return -1;
	p++;
	while (*p != '}') {
		size_t o = 0;
		int quoted = *p == '"';

		if (quoted) {
			for (p++; *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				if (*p == '\0')
					goto bad;
				buf[o++] = *p;
			}
			p++;
		} else {
			while (*p != ',' && *p != '}' && *p != '\0')
				buf[o++] = *p++;
		}
		buf[o] = '\0';
		if (*p != ',' && *p != '}')
			goto bad;
		if ((quoted || strcmp(buf, "NULL") != 0) && n < max &&
		    (out[n] = strdup(buf)) != NULL)
			n++;
		if (*p == ',')
			p++;
	}
	free(buf);
	return (int)n;
bad:
	while (n > 0)
		free(out[--n]);
	free(buf);
	return -1;
}

/* The value of column name in row 0 of r (ct_integration_lookup's
 * columns, read by name), or "" when r has no such column. */
static const char *
col(PGresult *r, const char *name)
{
	int c = PQfnumber(r, name);

	return c < 0 ? "" : PQgetvalue(r, 0, c);
}

static char *
dup_col(PGresult *r, const char *name)
{
	int c = PQfnumber(r, name);

	return c < 0 || PQgetisnull(r, 0, c) ? NULL :
	    strdup(PQgetvalue(r, 0, c));
}

/* Fills slot s from row 0 of r (the columns of ct_integration_lookup). */
static enum ct_err
slot_fill(struct slot *s, PGresult *r)
{
	const char *provider = col(r, "provider");
	const char *algo = col(r, "hmac_algorithm");
	struct ct_integration *in = &s->in;
	int tools;

	snprintf(in->id, sizeof(in->id), "%s", col(r, "id"));
	snprintf(in->org_id, sizeof(in->org_id), "%s", col(r, "org_id"));
	in->provider = strcmp(provider, "vapi") == 0 ? CT_PROVIDER_VAPI :
	    strcmp(provider, "retell") == 0 ? CT_PROVIDER_RETELL :
	    CT_PROVIDER_TWILIO;
	s->secret = dup_col(r, "secret");
	s->secret_next = dup_col(r, "secret_next");
	s->public_url = dup_col(r, "public_url");
	s->prefix = dup_col(r, "hmac_prefix");
	if (s->secret == NULL || s->prefix == NULL)
		return CT_ERR_NOMEM;
	tools = parse_array(col(r, "booking_tools"),
	    in->booking_tools, CT_INTEGRATION_MAX_TOOLS);
	in->n_booking_tools = tools < 0 ? 0 : (size_t)tools;
	in->secrets.s[0] = s->secret;
	in->secrets.s[1] = s->secret_next;
	in->public_url = s->public_url;
	in->vapi_auth = strcmp(col(r, "vapi_auth"), "hmac") == 0 ?
	    CT_VAPI_HMAC : strcmp(col(r, "vapi_auth"), "bearer") == 0 ?
	    CT_VAPI_BEARER : CT_VAPI_SECRET;
	snprintf(in->bearer_header, sizeof(in->bearer_header), "%s",
	    col(r, "bearer_header"));
	in->bearer_prefix = strcmp(col(r, "bearer_prefix"), "t") == 0;
	snprintf(in->hmac_signature_header, sizeof(in->hmac_signature_header),
	    "%s", col(r, "hmac_signature_header"));
	snprintf(in->hmac_timestamp_header, sizeof(in->hmac_timestamp_header),
	    "%s", col(r, "hmac_timestamp_header"));
	in->hmac.body_only = strcmp(col(r, "hmac_payload"), "{body}") == 0;
	in->hmac.secret_base64 = strcmp(col(r, "hmac_secret_base64"), "t") == 0;
	in->hmac.algorithm = strcmp(algo, "sha1") == 0 ? CT_SHA1 :
	    strcmp(algo, "sha512") == 0 ? CT_SHA512 : CT_SHA256;
	in->hmac.encoding = strcmp(col(r, "hmac_encoding"), "base64") == 0 ?
	    CT_SIG_BASE64 : CT_SIG_HEX;
	in->hmac.prefix = s->prefix;
	in->disabled = strcmp(col(r, "disabled"), "t") == 0;
	snprintf(in->default_country, sizeof(in->default_country), "%s",
	    col(r, "default_country"));
	return CT_OK;
}

enum ct_err
ct_integration_get(const char *id, int refresh,
    const struct ct_integration **out)
{
	const struct ct_config *cfg = ct_config_get();
	time_t now = time(NULL);
	struct slot *s = NULL, *oldest = &cache[0], fresh;
	const char *params[1] = { id };
	enum ct_err err;
	PGresult *r;
	size_t i;

	*out = NULL;
	if (!ct_integration_id_valid(id))
		return CT_ERR_UNKNOWN_INTEGRATION;
	for (i = 0; i < CACHE_SLOTS; i++) {
		if (cache[i].used && strcmp(cache[i].in.id, id) == 0)
			s = &cache[i];
		if (!cache[i].used || (oldest->used &&
		    cache[i].fetched < oldest->fetched))
			oldest = &cache[i];
	}
	if (s != NULL && !refresh && now - s->fetched < cfg->integration_ttl_s &&
	    now >= s->fetched) {
		s->in.stale = 0;
		*out = &s->in;
		return CT_OK;
	}
	if ((err = ct_db_exec(&r, "SELECT * FROM ct_integration_lookup($1)",
	    1, params, NULL, NULL, NULL)) != CT_OK) {
		/* Verified by a copy this old, a request may still be spooled
		 * (INSTALL: CALLTRACK_SPOOL_SECRET_MAX_AGE); nothing else. */
		if (err == CT_ERR_DB_UNAVAILABLE && s != NULL && now >= s->fetched &&
		    now - s->fetched < cfg->spool_secret_max_age_s) {
			s->in.stale = 1;
			*out = &s->in;
			return CT_OK;
		}
		return err;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		/* Gone: its copy goes too.  A slug never found takes no slot. */
		if (s != NULL)
			slot_free(s);
		return CT_ERR_UNKNOWN_INTEGRATION;
	}
	memset(&fresh, 0, sizeof(fresh));
	err = slot_fill(&fresh, r);
	PQclear(r);
	if (err != CT_OK) {
		slot_free(&fresh);
		return err;
	}
	if (s == NULL)
		s = oldest;
	slot_free(s);
	*s = fresh;
	s->used = 1;
	s->fetched = now;
	*out = &s->in;
	return CT_OK;
}

const char *
ct_integration_refusal(const struct ct_integration *in,
    enum ct_provider provider, const char *org)
{
	if (in->disabled)
		return "integration is disabled";
	if (in->provider != provider)
		return "integration is for another provider";
	if (org != NULL && strcmp(in->org_id, org) != 0)
		return "integration belongs to another org";
	return NULL;
}
