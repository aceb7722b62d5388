/*
 * test_spool.c: the spool's files, written and read back on a real
 * directory: round trips, what the writer keeps of a content type, every
 * way a file can differ from what the writer makes (each refused), torn
 * files, a full disk, the spool's cap, setting a file aside, and the
 * setting that bounds how old a secret may verify a webhook to spool.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "ingest/integration.h"
#include "ingest/spool.h"
#include "suites.h"

#define ORG "0b6c1c1e-2d3f-4a5b-8c7d-9e0f1a2b3c4d"

static char dir[256];
static struct ct_config saved;

/* A fresh spool directory, installed in the configuration. */
static int
spool_begin(long long max_mb)
{
	struct ct_config c;
	const char *tmp = getenv("TMPDIR");

	saved = *ct_config_get();
	snprintf(dir, sizeof(dir), "%s/ct-spool-test.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	c = saved;
	c.spool_dir = dir;
	c.spool_max_mb = max_mb;
	ct_config_set(&c);
	return 0;
}

/* Removes the directory and everything in it; restores the settings. */
static void
spool_end(void)
{
	dir_remove(dir);
	ct_config_set(&saved);
}

/* Entries of the directory (any name), for "nothing is left". */
static int
entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* The only spool file's path in out; 0, or -1 unless exactly one. */
static int
only_file(char *out, size_t len)
{
	char **names;
	long n = ct_spool_list(dir, &names);
	int rc = -1;

	if (n == 1) {
		snprintf(out, len, "%s/%s", dir, names[0]);
		rc = 0;
	}
	if (n >= 0)
		ct_spool_list_free(names, n);
	return rc;
}

static void
integration_of(struct ct_integration *in, enum ct_provider p, const char *id,
    const char *org)
{
	memset(in, 0, sizeof(*in));
	in->provider = p;
	snprintf(in->id, sizeof(in->id), "%s", id);
	snprintf(in->org_id, sizeof(in->org_id), "%s", org);
}

/* A delivery with ctype (NULL: none) and body. */
static void
delivery_of(struct ct_delivery *d, const char *ctype, const char *body,
    size_t len)
{
	memset(d, 0, sizeof(*d));
	d->content_type = ctype;
	d->body = body;
	d->body_len = len;
	d->query = "";
	d->log_id = "unit";
}

static int
write_bytes(const char *path, const char *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int rc;

	if (f == NULL)
		return -1;
	rc = fwrite(p, 1, n, f) == n ? 0 : -1;
	return fclose(f) == 0 ? rc : -1;
}

/* Reads path whole into a malloc'd buffer. */
static char *
read_bytes(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long sz;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)sz + 1)) != NULL &&
	    fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
		free(buf);
		buf = NULL;
	}
	if (buf != NULL) {
		*n = (size_t)sz;
		buf[sz] = '\0';
	}
	fclose(f);
	return buf;
}

/* ---- round trips ---- */

static void
test_round_trip(void)
{
	static const struct {
		enum ct_provider provider;
		const char *name, *id, *ctype, *stored, *body;
		size_t len;
	} t[] = {
		{ CT_PROVIDER_VAPI, "vapi", "acme-vapi", "application/json",
		    "application/json", "{\"message\":{}}", 14 },
		{ CT_PROVIDER_RETELL, "retell", "r_1", "application/json; charset=utf-8",
		    "application/json", "{\"event\":\"call_ended\"}", 22 },
		{ CT_PROVIDER_TWILIO, "twilio", "tw", "application/x-www-form-urlencoded",
		    "application/x-www-form-urlencoded", "CallSid=CA1&CallStatus=busy", 27 },
		{ CT_PROVIDER_TWILIO, "twilio", "TW-2",
		    "Application/X-WWW-Form-Urlencoded ; charset=UTF-8",
		    "application/x-www-form-urlencoded", "a=b", 3 },
		{ CT_PROVIDER_VAPI, "vapi", "empty", "APPLICATION/JSON", "application/json",
		    "", 0 },
		/* The body is bytes: NUL, newlines, a line like a header. */
		{ CT_PROVIDER_VAPI, "vapi", "bytes", "application/json", "application/json",
		    "a\0b\n\nintegration: victim\n", 25 },
		{ CT_PROVIDER_VAPI, "vapi",
		    "a234567890123456789012345678901234567890123456789012345678901234",
		    "application/json", "application/json", "{}", 2 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ct_integration in;
		struct ct_delivery req;
		struct ct_spooled sp;
		char path[512];
		const char *why = "unset";

		CU_ASSERT_FATAL(spool_begin(16) == 0);
		integration_of(&in, t[i].provider, t[i].id, ORG);
		delivery_of(&req, t[i].ctype, t[i].body,
		    t[i].len);
		CU_ASSERT_STRING_EQUAL(ct_spool_media_type(req.content_type), t[i].stored);
		CU_ASSERT_EQUAL(ct_spool_write(&req, &in), CT_OK);
		CU_ASSERT_EQUAL(entries(), 1);	/* no temporary file left */
		CU_ASSERT_FATAL(only_file(path, sizeof(path)) == 0);
		CU_ASSERT_EQUAL(ct_spool_read(path, &sp, &why), CT_OK);
		CU_ASSERT_PTR_NULL(why);
		CU_ASSERT_STRING_EQUAL(sp.provider, t[i].name);
		CU_ASSERT_STRING_EQUAL(sp.integration, t[i].id);
		CU_ASSERT_STRING_EQUAL(sp.org, ORG);
		CU_ASSERT_STRING_EQUAL(sp.content_type, t[i].stored);
		CU_ASSERT_EQUAL(strlen(sp.received_at), 20);
		CU_ASSERT_EQUAL(sp.body_len, t[i].len);
		CU_ASSERT(sp.body != NULL && memcmp(sp.body, t[i].body, t[i].len) == 0 &&
		    sp.body[t[i].len] == '\0');
		ct_spooled_free(&sp);
		ct_spooled_free(&sp);	/* safe to repeat */
		spool_end();
	}
}

/* Names sort in arrival order, and only NAME.spool files are listed. */
static void
test_list(void)
{
	static const char *const others[] = { ".tmp-1-1", "x.spool.refused",
	    "x.spool.reason", "x.spool.failed", "notes.txt", ".spool" };
	struct ct_integration in;
	struct ct_delivery req;
	char path[512], **names;
	long n;
	size_t i;

	CU_ASSERT_FATAL(spool_begin(16) == 0);
	integration_of(&in, CT_PROVIDER_VAPI, "acme", ORG);
	delivery_of(&req, "application/json", "{}", 2);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(ct_spool_write(&req, &in), CT_OK);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, others[i]);
		CU_ASSERT(write_bytes(path, "x", 1) == 0);
	}
	n = ct_spool_list(dir, &names);
	CU_ASSERT_EQUAL(n, 3);
	for (i = 0; n == 3 && i < 2; i++)
		CU_ASSERT(strcmp(names[i], names[i + 1]) < 0);
	ct_spool_list_free(names, n);
	spool_end();
	CU_ASSERT_EQUAL(ct_spool_list("/nonexistent/spool", &names), -1);
}

/* ---- what the writer keeps of a request ---- */

/* The header as sent is never stored: only its allow-listed media type. */
static void
test_content_type_injection(void)
{
	struct ct_integration in;
	struct ct_delivery req;
	struct ct_spooled sp;
	char ctype[600], path[512], *raw;
	const char *why;
	size_t n;

	/* The attack on the old 300-byte reader: "integration: victim"
	 * would have begun a header line of its own. */
	snprintf(ctype, sizeof(ctype), "application/json; x=%0265dintegration: "
	    "victim-org", 0);
	CU_ASSERT_FATAL(spool_begin(16) == 0);
	integration_of(&in, CT_PROVIDER_VAPI, "tenant", ORG);
	delivery_of(&req, ctype, "{}", 2);
	CU_ASSERT_EQUAL(ct_spool_write(&req, &in), CT_OK);
	CU_ASSERT_FATAL(only_file(path, sizeof(path)) == 0);
	raw = read_bytes(path, &n);
	CU_ASSERT_FATAL(raw != NULL);
	CU_ASSERT_PTR_NULL(strstr(raw, "victim"));
	CU_ASSERT_PTR_NULL(strstr(raw, "x=0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(raw, "\ncontent-type: application/json\n"));
	free(raw);
	CU_ASSERT_EQUAL(ct_spool_read(path, &sp, &why), CT_OK);
	CU_ASSERT_STRING_EQUAL(sp.integration, "tenant");
	CU_ASSERT_STRING_EQUAL(sp.content_type, "application/json");
	ct_spooled_free(&sp);
	spool_end();
}

/* What a spool file cannot hold is not spooled, and leaves nothing. */
static void
test_write_refuses(void)
{
	static const struct {
		const char *ctype, *id, *org;
	} t[] = {
		{ "text/plain", "acme", ORG },
		{ "application/jsonx", "acme", ORG },
		{ "application/json\r\nintegration: victim", "acme", ORG },
		{ "application/json\nintegration: victim", "acme", ORG },
		{ "", "acme", ORG },
		{ NULL, "acme", ORG },
		{ "multipart/form-data; boundary=x", "acme", ORG },
		{ "application/json", "acme/../victim", ORG },
		{ "application/json", "", ORG },
		{ "application/json", "acme", "0B6C1C1E-2D3F-4A5B-8C7D-9E0F1A2B3C4D" },
		{ "application/json", "acme", "0b6c1c1e2d3f4a5b8c7d9e0f1a2b3c4d" },
		{ "application/json", "acme", "" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ct_integration in;
		struct ct_delivery req;

		CU_ASSERT_FATAL(spool_begin(16) == 0);
		integration_of(&in, CT_PROVIDER_VAPI, t[i].id, t[i].org);
		delivery_of(&req, t[i].ctype, "{}", 2);
		CU_ASSERT_EQUAL(ct_spool_write(&req, &in), CT_ERR_DB_UNAVAILABLE);
		CU_ASSERT_EQUAL(entries(), 0);
		spool_end();
	}
}

/* ---- every way a file differs from what the writer makes ---- */

#define MAGIC2 "calltrack-spool 2\n"
#define P "provider: vapi\n"
#define I "integration: acme-vapi\n"
#define O "org: " ORG "\n"
#define C "content-type: application/json\n"
#define R "received-at: 2026-01-02T03:04:05Z\n"
#define L "length: 2\n"
#define BODY "\n{}"

static void
test_read_refuses(void)
{
	static const struct {
		const char *text;
		size_t len;		/* 0: strlen(text) */
		const char *why;	/* NULL: read back */
	} t[] = {
		{ MAGIC2 P I O C R L BODY, 0, NULL },
		{ MAGIC2 L R C O I P BODY, 0, NULL },	/* any order */
		{ "", 0, "header cut short" },
		{ "calltrack-spool 2", 0, "header cut short" },
		{ MAGIC2 P I O C R L, 0, "header cut short" },
		{ MAGIC2 P I O C R "length: 2", 0, "header cut short" },
		{ MAGIC2 P I O C, 0, "header cut short" },
		{ "calltrack-spool 1\n" P I C R L BODY, 0,
		    "a spool format this version does not read" },
		{ "calltrack-spool 3\n" P I O C R L BODY, 0,
		    "a spool format this version does not read" },
		{ "GET / HTTP/1.1\n" P I O C R L BODY, 0, "not a spool file" },
		/* Repeated, unknown, missing keys. */
		{ MAGIC2 P I O C R L "integration: victim\n" BODY, 0,
		    "repeated header key" },
		{ MAGIC2 P I "integration: acme-vapi\n" O C R L BODY, 0,
		    "repeated header key" },
		{ MAGIC2 P P I O C R L BODY, 0, "repeated header key" },
		{ MAGIC2 P I O C R L "x-extra: 1\n" BODY, 0, "unknown header key" },
		{ MAGIC2 "Provider: vapi\n" I O C R L BODY, 0, "unknown header key" },
		{ MAGIC2 "provider : vapi\n" I O C R L BODY, 0, "unknown header key" },
		{ MAGIC2 "provider:vapi\n" I O C R L BODY, 0,
		    "header line without a key" },
		{ MAGIC2 "provider vapi\n" I O C R L BODY, 0,
		    "header line without a key" },
		{ MAGIC2 I O C R L BODY, 0, "no provider" },
		{ MAGIC2 P O C R L BODY, 0, "no integration" },
		{ MAGIC2 P I C R L BODY, 0, "no org" },
		{ MAGIC2 P I O R L BODY, 0, "no content type" },
		{ MAGIC2 P I O C L BODY, 0, "no received-at" },
		{ MAGIC2 P I O C R BODY, 0, "no length" },
		/* Lines: over-long, control characters, CRLF. */
		{ MAGIC2 P I O "content-type: application/json; x="
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "integration: victim\n" R L BODY, 0, "header line too long" },
		{ MAGIC2 P "integration: "
		    "a2345678901234567890123456789012345678901234567890123456789012345"
		    "6789012345678901234567890\n" O C R L BODY, 0, "header line too long" },
		{ MAGIC2 "provider: vapi\r\n" I O C R L BODY, 0,
		    "control character in the header" },
		{ MAGIC2 "provider: va\0pi\n" I O C R L BODY,
		    sizeof(MAGIC2 "provider: va\0pi\n" I O C R L BODY) - 1,
		    "control character in the header" },
		{ MAGIC2 P "integration: acme\tvapi\n" O C R L BODY, 0,
		    "control character in the header" },
		/* Values not of their key's shape. */
		{ MAGIC2 "provider: sms\n" I O C R L BODY, 0, "invalid provider" },
		{ MAGIC2 "provider: vapi \n" I O C R L BODY, 0, "invalid provider" },
		{ MAGIC2 "provider: \n" I O C R L BODY, 0, "invalid provider" },
		{ MAGIC2 P "integration: acme/vapi\n" O C R L BODY, 0,
		    "invalid integration" },
		{ MAGIC2 P "integration: "
		    "a2345678901234567890123456789012345678901234567890123456789012345\n"
		    O C R L BODY, 0, "invalid integration" },
		{ MAGIC2 P I "org: 0B6C1C1E-2D3F-4A5B-8C7D-9E0F1A2B3C4D\n" C R L BODY, 0,
		    "invalid org" },
		{ MAGIC2 P I "org: victim\n" C R L BODY, 0, "invalid org" },
		{ MAGIC2 P I "org: 0b6c1c1e-2d3f-4a5b-8c7d-9e0f1a2b3c4dd\n" C R L BODY, 0,
		    "invalid org" },
		{ MAGIC2 P I O "content-type: text/plain\n" R L BODY, 0,
		    "content type not accepted" },
		{ MAGIC2 P I O "content-type: application/json; charset=utf-8\n" R L
		    BODY, 0, "content type not accepted" },
		{ MAGIC2 P I O "content-type: Application/JSON\n" R L BODY, 0,
		    "content type not accepted" },
		{ MAGIC2 P I O C "received-at: yesterday\n" L BODY, 0,
		    "invalid received-at" },
		{ MAGIC2 P I O C "received-at: 2026-13-02T03:04:05Z\n" L BODY, 0,
		    "invalid received-at" },
		{ MAGIC2 P I O C "received-at: 2026-01-02 03:04:05Z\n" L BODY, 0,
		    "invalid received-at" },
		{ MAGIC2 P I O C "received-at: 2026-01-02T24:04:05Z\n" L BODY, 0,
		    "invalid received-at" },
		{ MAGIC2 P I O C R "length: -1\n" BODY, 0, "invalid length" },
		{ MAGIC2 P I O C R "length: +2\n" BODY, 0, "invalid length" },
		{ MAGIC2 P I O C R "length: 02\n" BODY, 0, "invalid length" },
		{ MAGIC2 P I O C R "length: 2 \n" BODY, 0, "invalid length" },
		{ MAGIC2 P I O C R "length: 0x2\n" BODY, 0, "invalid length" },
		{ MAGIC2 P I O C R "length: 67108865\n" BODY, 0, "invalid length" },
		{ MAGIC2 P I O C R "length: 99999999999999999999\n" BODY, 0,
		    "invalid length" },
		{ MAGIC2 P I O C R "length: \n" BODY, 0, "invalid length" },
		/* The body against its length. */
		{ MAGIC2 P I O C R "length: 3\n" BODY, 0, "body shorter than its length" },
		{ MAGIC2 P I O C R "length: 1\n" BODY, 0, "body longer than its length" },
		{ MAGIC2 P I O C R L BODY "\n", 0, "body longer than its length" },
		{ MAGIC2 P I O C R "length: 0\n\n", 0, NULL },
	};
	size_t i;

	CU_ASSERT_FATAL(spool_begin(16) == 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ct_spooled sp;
		char path[512];
		const char *why = "unset";
		size_t len = t[i].len ? t[i].len : strlen(t[i].text);
		enum ct_err e;

		snprintf(path, sizeof(path), "%s/case-%zu.spool", dir, i);
		CU_ASSERT_FATAL(write_bytes(path, t[i].text, len) == 0);
		e = ct_spool_read(path, &sp, &why);
		if (t[i].why == NULL) {
			CU_ASSERT_EQUAL(e, CT_OK);
			CU_ASSERT_PTR_NULL(why);
		} else {
			CU_ASSERT_EQUAL(e, CT_ERR_MALFORMED_BODY);
			CU_ASSERT_PTR_NULL(sp.body);
			CU_ASSERT(why != NULL && strcmp(why, t[i].why) == 0);
			if (why == NULL || strcmp(why, t[i].why) != 0)
				fprintf(stderr, "spool case %zu: got \"%s\", want "
				    "\"%s\"\n", i, why ? why : "(null)", t[i].why);
		}
		ct_spooled_free(&sp);
	}
	spool_end();
	{
		struct ct_spooled sp;
		const char *why = NULL;

		CU_ASSERT_EQUAL(ct_spool_read("/nonexistent/x.spool", &sp, &why),
		    CT_ERR_IO);
		CU_ASSERT_PTR_NOT_NULL(why);
	}
}

/* A torn file (cut anywhere, or with a byte more) is never read back. */
static void
test_torn_files(void)
{
	struct ct_integration in;
	struct ct_delivery req;
	struct ct_spooled sp;
	char path[512], torn[600], *raw, *more;
	const char *why;
	size_t n, k, refused = 0;

	CU_ASSERT_FATAL(spool_begin(16) == 0);
	integration_of(&in, CT_PROVIDER_RETELL, "retell-1", ORG);
	delivery_of(&req, "application/json",
	    "{\"event\":\"call_started\"}", 24);
	CU_ASSERT_EQUAL_FATAL(ct_spool_write(&req, &in), CT_OK);
	CU_ASSERT_FATAL(only_file(path, sizeof(path)) == 0);
	raw = read_bytes(path, &n);
	CU_ASSERT_FATAL(raw != NULL);
	snprintf(torn, sizeof(torn), "%s/torn", dir);
	/* Every prefix: the header cut anywhere, then the body short. */
	for (k = 0; k < n; k++) {
		CU_ASSERT_FATAL(write_bytes(torn, raw, k) == 0);
		if (ct_spool_read(torn, &sp, &why) == CT_ERR_MALFORMED_BODY)
			refused++;
		ct_spooled_free(&sp);
	}
	CU_ASSERT_EQUAL(refused, n);
	/* The body long. */
	more = malloc(n + 1);
	CU_ASSERT_FATAL(more != NULL);
	memcpy(more, raw, n);
	more[n] = '}';
	CU_ASSERT_FATAL(write_bytes(torn, more, n + 1) == 0);
	CU_ASSERT_EQUAL(ct_spool_read(torn, &sp, &why), CT_ERR_MALFORMED_BODY);
	CU_ASSERT_STRING_EQUAL(why, "body longer than its length");
	/* And whole, it reads. */
	CU_ASSERT_FATAL(write_bytes(torn, raw, n) == 0);
	CU_ASSERT_EQUAL(ct_spool_read(torn, &sp, &why), CT_OK);
	ct_spooled_free(&sp);
	free(more);
	free(raw);
	spool_end();
}

/* ---- a full disk, the cap ---- */

/* A write the file system refuses (RLIMIT_FSIZE, as a full disk would):
 * the error is returned and no file of it is left, whole or partial. */
static void
test_full_disk(void)
{
	struct ct_integration in;
	struct ct_delivery req;
	struct rlimit old, small;
	void (*prev)(int);
	char *body;
	size_t len = 64 * 1024;
	enum ct_err e;

	CU_ASSERT_FATAL(spool_begin(16) == 0);
	CU_ASSERT_FATAL((body = malloc(len)) != NULL);
	memset(body, 'x', len);
	integration_of(&in, CT_PROVIDER_VAPI, "acme", ORG);
	delivery_of(&req, "application/json", body,
	    len);
	CU_ASSERT_FATAL(getrlimit(RLIMIT_FSIZE, &old) == 0);
	small = old;
	small.rlim_cur = 4096;
	prev = signal(SIGXFSZ, SIG_IGN);
	CU_ASSERT_FATAL(setrlimit(RLIMIT_FSIZE, &small) == 0);
	e = ct_spool_write(&req, &in);
	CU_ASSERT_FATAL(setrlimit(RLIMIT_FSIZE, &old) == 0);
	signal(SIGXFSZ, prev);
	CU_ASSERT_EQUAL(e, CT_ERR_DB_UNAVAILABLE);
	CU_ASSERT_EQUAL(entries(), 0);
	/* With room again, the same write works. */
	CU_ASSERT_EQUAL(ct_spool_write(&req, &in), CT_OK);
	CU_ASSERT_EQUAL(entries(), 1);
	free(body);
	spool_end();
}

/* Past CALLTRACK_SPOOL_MAX_MB, or without a directory, nothing is
 * spooled. */
static void
test_cap(void)
{
	struct ct_integration in;
	struct ct_delivery req;
	struct ct_config c;
	char *body, **names;
	size_t len = 600 * 1024;
	long n;

	CU_ASSERT_FATAL(spool_begin(1) == 0);
	CU_ASSERT_FATAL((body = malloc(len)) != NULL);
	memset(body, 'x', len);
	integration_of(&in, CT_PROVIDER_VAPI, "acme", ORG);
	delivery_of(&req, "application/json", body,
	    len);
	CU_ASSERT_EQUAL(ct_spool_write(&req, &in), CT_OK);
	CU_ASSERT_EQUAL(ct_spool_write(&req, &in), CT_ERR_DB_UNAVAILABLE);
	n = ct_spool_list(dir, &names);
	CU_ASSERT_EQUAL(n, 1);
	ct_spool_list_free(names, n);
	CU_ASSERT_EQUAL(entries(), 1);
	/* A small one still fits under the cap. */
	req.body_len = 1024;
	CU_ASSERT_EQUAL(ct_spool_write(&req, &in), CT_OK);
	CU_ASSERT_EQUAL(entries(), 2);
	/* No directory: no spool. */
	c = *ct_config_get();
	c.spool_dir = NULL;
	ct_config_set(&c);
	CU_ASSERT_EQUAL(ct_spool_write(&req, &in), CT_ERR_DB_UNAVAILABLE);
	free(body);
	spool_end();
}

/* ---- setting a file aside ---- */

static void
test_set_aside(void)
{
	struct ct_integration in;
	struct ct_delivery req;
	char path[512], moved[600], reason[600], *text;
	char **names;
	const char *name;
	size_t n;
	long k;

	CU_ASSERT_FATAL(spool_begin(16) == 0);
	integration_of(&in, CT_PROVIDER_VAPI, "acme", ORG);
	delivery_of(&req, "application/json", "{}", 2);
	CU_ASSERT_EQUAL(ct_spool_write(&req, &in), CT_OK);
	CU_ASSERT_FATAL(only_file(path, sizeof(path)) == 0);
	name = strrchr(path, '/') + 1;
	/* Only spool files, only the two kinds. */
	CU_ASSERT_EQUAL(ct_spool_set_aside(dir, name, "applied", "x"), CT_ERR_IO);
	CU_ASSERT_EQUAL(ct_spool_set_aside(dir, "../x.spool", "refused", "x"),
	    CT_ERR_IO);
	CU_ASSERT_EQUAL(ct_spool_set_aside(dir, "notes.txt", "refused", "x"),
	    CT_ERR_IO);
	CU_ASSERT_EQUAL(entries(), 1);
	CU_ASSERT_EQUAL(ct_spool_set_aside(dir, name, "refused",
	    "integration is disabled\nrefused: forged"), CT_OK);
	k = ct_spool_list(dir, &names);
	CU_ASSERT_EQUAL(k, 0);
	ct_spool_list_free(names, k);
	snprintf(moved, sizeof(moved), "%s.refused", path);
	snprintf(reason, sizeof(reason), "%s.reason", path);
	CU_ASSERT_EQUAL(access(moved, F_OK), 0);
	text = read_bytes(reason, &n);
	CU_ASSERT_FATAL(text != NULL);
	/* One line, whatever the reason held. */
	CU_ASSERT_STRING_EQUAL(text, "refused: integration is disabled?refused: "
	    "forged\n");
	free(text);
	/* Gone meanwhile: an error; the reason already there stays, and no
	 * file is made up. */
	CU_ASSERT_EQUAL(ct_spool_set_aside(dir, name, "failed", "x"), CT_ERR_IO);
	text = read_bytes(reason, &n);
	CU_ASSERT(text != NULL && strncmp(text, "refused: ", 9) == 0);
	free(text);
	CU_ASSERT_EQUAL(entries(), 2);
	spool_end();
}

/* ---- the setting ---- */

static void
test_secret_max_age_setting(void)
{
	static const struct { const char *val; enum ct_err e; long long v; } t[] = {
		{ NULL, CT_OK, 3600 },
		{ "0", CT_OK, 0 },
		{ "86400", CT_OK, 86400 },
		{ "86401", CT_ERR_INVALID_PARAMETER, 0 },
		{ "-1", CT_ERR_INVALID_PARAMETER, 0 },
		{ "1h", CT_ERR_INVALID_PARAMETER, 0 },
	};
	const char *before = getenv("CALLTRACK_SPOOL_SECRET_MAX_AGE");
	char *keep = before ? strdup(before) : NULL;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ct_config c;
		char err[200] = "";

		if (t[i].val == NULL)
			unsetenv("CALLTRACK_SPOOL_SECRET_MAX_AGE");
		else
			setenv("CALLTRACK_SPOOL_SECRET_MAX_AGE", t[i].val, 1);
		CU_ASSERT_EQUAL(ct_config_load(&c, err, sizeof(err)), t[i].e);
		if (t[i].e == CT_OK) {
			CU_ASSERT_EQUAL(c.spool_secret_max_age_s, t[i].v);
		} else {
			CU_ASSERT_PTR_NOT_NULL(strstr(err,
			    "CALLTRACK_SPOOL_SECRET_MAX_AGE"));
		}
	}
	if (keep != NULL)
		setenv("CALLTRACK_SPOOL_SECRET_MAX_AGE", keep, 1);
	else
		unsetenv("CALLTRACK_SPOOL_SECRET_MAX_AGE");
	free(keep);
}

int
suite_spool(void)
{
	static const struct test_case t[] = {
		{ "round trip", test_round_trip },
		{ "listing", test_list },
		{ "content type injection", test_content_type_injection },
		{ "what a file cannot hold is not spooled", test_write_refuses },
		{ "every file unlike the writer's is refused", test_read_refuses },
		{ "torn files", test_torn_files },
		{ "a full disk leaves nothing", test_full_disk },
		{ "the cap", test_cap },
		{ "setting a file aside", test_set_aside },
		{ "CALLTRACK_SPOOL_SECRET_MAX_AGE", test_secret_max_age_setting },
		{ NULL, NULL } };
	return add_suite("spool", t);
}
