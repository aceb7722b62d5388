/*
 * support.c: what the suites share: a request's parameters, stdin from
 * bytes, stdout and stderr captured, a CGI response taken apart, and the
 * administrator's connection the database suites make their rows with.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "read/auth.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "suites.h"

char **
envp_new(const char *const *vars)
{
	size_t i, n = 0;
	char **e;

	while (vars[n] != NULL)
		n++;
	if ((e = calloc(n + 1, sizeof(*e))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if ((e[i] = strdup(vars[i])) == NULL) {
			envp_free(e);
			return NULL;
		}
	return e;
}

void
envp_free(char **envp)
{
	size_t i;

	for (i = 0; envp != NULL && envp[i] != NULL; i++)
		free(envp[i]);
	free(envp);
}

static int stdin_saved = -1;

int
stdin_from(const char *bytes, size_t len)
{
	FILE *f;

	if (stdin_saved < 0 && (stdin_saved = dup(0)) < 0)
		return -1;
	if ((f = tmpfile()) == NULL)
		return -1;
	if ((len > 0 && fwrite(bytes, 1, len, f) != len) || fflush(f) != 0 ||
	    dup2(fileno(f), 0) < 0) {
		fclose(f);
		return -1;
	}
	fclose(f);
	/* fd 0 shares the file's offset: back to its first byte, and
	 * nothing left in stdin's buffer from an earlier test. */
	__fpurge(stdin);
	clearerr(stdin);
	return lseek(0, 0, SEEK_SET) == 0 ? 0 : -1;
}

void
stdin_restore(void)
{
	if (stdin_saved < 0)
		return;
	dup2(stdin_saved, 0);
	__fpurge(stdin);
	clearerr(stdin);
}

long
stdin_offset(void)
{
	/* stdio's position: what was consumed, not what was buffered. */
	return ftell(stdin);
}

int
capture_start(struct capture *c, int fd)
{
	FILE *out = fd == 1 ? stdout : stderr;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	fflush(out);
	if ((c->f = tmpfile()) == NULL)
		return -1;
	if ((c->saved = dup(fd)) < 0 || dup2(fileno(c->f), fd) < 0) {
		if (c->saved >= 0)
			close(c->saved);
		fclose(c->f);
		c->f = NULL;
		return -1;
	}
	return 0;
}

char *
capture_end(struct capture *c, size_t *len)
{
	FILE *out = c->fd == 1 ? stdout : stderr;
	char *buf = NULL;
	long n;

	*len = 0;
	if (c->f == NULL)
		return NULL;
	fflush(out);
	dup2(c->saved, c->fd);
	close(c->saved);
	if (fseek(c->f, 0, SEEK_END) == 0 && (n = ftell(c->f)) >= 0 &&
	    fseek(c->f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, c->f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(c->f);
	c->f = NULL;
	return buf;
}

int
response_parse(char *raw, size_t len, struct response *r)
{
	char *end;

	memset(r, 0, sizeof(*r));
	if (raw == NULL || (end = strstr(raw, "\r\n\r\n")) == NULL ||
	    strncmp(raw, "Status: ", 8) != 0)
		return -1;
	r->status = atoi(raw + 8);
	r->headers = raw;
	*end = '\0';
	r->body = end + 4;
	r->body_len = len - (size_t)(r->body - raw);
	return 0;
}

int
response_header(const struct response *r, const char *name, char *out,
    size_t outlen)
{
	size_t n = strlen(name);
	const char *p = r->headers;

	while (p != NULL && *p != '\0') {
		const char *eol = strstr(p, "\r\n");
		size_t linelen = eol ? (size_t)(eol - p) : strlen(p);

		if (linelen > n + 1 && strncasecmp(p, name, n) == 0 &&
		    p[n] == ':') {
			const char *v = p + n + 1;
			size_t vlen = linelen - n - 1;

			while (vlen > 0 && *v == ' ')
				v++, vlen--;
			snprintf(out, outlen, "%.*s", (int)vlen, v);
			return 1;
		}
		p = eol ? eol + 2 : NULL;
	}
	return 0;
}

json_object *
response_json(const struct response *r)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;

	if (tok == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, r->body, (int)r->body_len);
	if (o != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != r->body_len)) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

const char *
json_str(json_object *o, const char *a, const char *b)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, a, &v))
		return NULL;
	if (b != NULL && !json_object_object_get_ex(v, b, &v))
		return NULL;
	return json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

void
unique_suffix(char out[17])
{
	unsigned char rnd[8];

	if (ct_crypto_random(rnd, sizeof(rnd)) != CT_OK)
		memset(rnd, 0, sizeof(rnd));
	ct_crypto_hex(rnd, sizeof(rnd), out);
}

/* ---- the database suites ---- */

static PGconn *admin;

int
db_configured(void)
{
	const char *db = getenv("CALLTRACK_DB");

	return db != NULL && *db != '\0';
}

PGconn *
admin_conn(void)
{
	if (admin != NULL && PQstatus(admin) == CONNECTION_OK)
		return admin;
	if (admin != NULL)
		PQfinish(admin);
	/* CALLTRACK_TEST_ADMIN_DB, else the PG* variables tests/run exports
	 * for psql: a role that makes orgs and reads every org's rows. */
	admin = PQconnectdb(getenv("CALLTRACK_TEST_ADMIN_DB") ?
	    getenv("CALLTRACK_TEST_ADMIN_DB") : "");
	if (admin == NULL || PQstatus(admin) != CONNECTION_OK) {
		fprintf(stderr, "unit-db: could not connect as administrator: "
		    "%s", admin ? PQerrorMessage(admin) : "out of memory\n");
		PQfinish(admin);
		admin = NULL;
	}
	return admin;
}

void
admin_close(void)
{
	PQfinish(admin);
	admin = NULL;
}

int
admin_exec(const char *sql, int n, const char *const *values, char *out,
    size_t outlen)
{
	PGconn *c = admin_conn();
	ExecStatusType st;
	PGresult *r;
	int rc = -1;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (c == NULL)
		return -1;
	r = PQexecParams(c, sql, n, NULL, values, NULL, NULL, 0);
	st = PQresultStatus(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		rc = 0;
		if (out != NULL && outlen > 0 && PQntuples(r) > 0 &&
		    PQnfields(r) > 0)
			snprintf(out, outlen, "%s", PQgetvalue(r, 0, 0));
	} else {
		fprintf(stderr, "unit-db: %s: %s", sql, PQerrorMessage(c));
	}
	PQclear(r);
	return rc;
}

PGresult *
admin_query(const char *sql, int n, const char *const *values)
{
	PGconn *c = admin_conn();
	PGresult *r;

	if (c == NULL)
		return NULL;
	r = PQexecParams(c, sql, n, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		fprintf(stderr, "unit-db: %s: %s%s", sql, PQerrorMessage(c),
		    PQresultStatus(r) == PGRES_TUPLES_OK ? "not one row\n" : "");
		PQclear(r);
		return NULL;
	}
	return r;
}

int
admin_org_create(char org[37], const char *booking_tools)
{
	const char *v[2];
	char name[40], suf[17];

	unique_suffix(suf);
	snprintf(name, sizeof(name), "unit %s", suf);
	v[0] = name;
	v[1] = booking_tools;
	return admin_exec("INSERT INTO orgs (name, booking_tools) VALUES ($1, "
	    "COALESCE($2::text[], ARRAY['book_appointment', 'book_service'])) "
	    "RETURNING id", 2, v, org, 37) == 0 && org[0] != '\0' ? 0 : -1;
}

int
admin_integration_create(const char *org, const char *provider,
    const char *secret, char id[CT_INTEGRATION_ID_MAX + 1])
{
	const char *v[5];
	char suf[17];

	unique_suffix(suf);
	snprintf(id, CT_INTEGRATION_ID_MAX + 1, "unit-%s-%s", provider, suf);
	v[0] = id;
	v[1] = org;
	v[2] = provider;
	v[3] = secret;
	v[4] = strcmp(provider, "twilio") == 0 ?
	    "https://calls.example.com/hooks/twilio/unit" : NULL;
	return admin_exec("INSERT INTO integrations (id, org_id, provider, "
	    "secret, public_url) VALUES ($1, $2, $3, $4, $5)", 5, v, NULL, 0);
}

int
admin_token_create(const char *org, char token[48])
{
	const char *v[2];
	char hash[65];

	if (ct_auth_token_new(token, hash) != CT_OK)
		return -1;
	v[0] = org;
	v[1] = hash;
	return admin_exec("INSERT INTO api_tokens (org_id, token_hash, label) "
	    "VALUES ($1, $2, 'unit')", 2, v, NULL, 0);
}

int
config_reload(void)
{
	struct ct_config c;
	char err[200];

	if (ct_config_load(&c, err, sizeof(err)) != CT_OK) {
		fprintf(stderr, "unit-db: %s\n", err);
		return -1;
	}
	ct_config_set(&c);
	return 0;
}

void
config_with_db(const char *conninfo)
{
	struct ct_config c = *ct_config_get();

	c.db = conninfo;
	ct_config_set(&c);
	ct_db_close();
}

void
config_with_ttl(long long seconds)
{
	struct ct_config c = *ct_config_get();

	c.integration_ttl_s = seconds;
	ct_config_set(&c);
}

void
dir_remove(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (d != NULL) {
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 &&
			    strcmp(e->d_name, "..") != 0)
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(path);
}
