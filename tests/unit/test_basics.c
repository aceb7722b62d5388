/*
 * test_basics.c: err, num, config, log and the constant-time comparison.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/log.h"
#include "core/num.h"
#include "suites.h"

/* ---- err: every value has a row, and the rows are docs/API.md's ---- */

/*
 * One row per value, indexed by the enum up to its CT_ERR__MAX sentinel:
 * a value added without a row here has a NULL code and fails the test.
 * same_as names the one value whose public code a row shares on purpose
 * (a client sees one code for what only operators tell apart); 0: none.
 */
static const struct {
	int		 status;
	const char	*code;
	enum ct_err	 same_as;
} err_rows[CT_ERR__MAX] = {
	[CT_OK] = { 200, "ok", 0 },
	[CT_ERR_BAD_REQUEST] = { 400, "bad_request", 0 },
	[CT_ERR_MALFORMED_BODY] = { 400, "malformed_body", 0 },
	[CT_ERR_MISSING_CALL_ID] = { 400, "missing_call_id", 0 },
	[CT_ERR_INVALID_PARAMETER] = { 400, "invalid_parameter", 0 },
	[CT_ERR_MISSING_SIGNATURE] = { 401, "missing_signature", 0 },
	[CT_ERR_BAD_SIGNATURE] = { 401, "invalid_signature", 0 },
	[CT_ERR_STALE_TIMESTAMP] = { 401, "stale_timestamp", 0 },
	[CT_ERR_MISSING_TOKEN] = { 401, "missing_token", 0 },
	[CT_ERR_BAD_TOKEN] = { 401, "invalid_token", 0 },
	[CT_ERR_NOT_FOUND] = { 404, "not_found", 0 },
	[CT_ERR_UNKNOWN_INTEGRATION] = { 404, "unknown_integration", 0 },
	[CT_ERR_METHOD] = { 405, "method_not_allowed", 0 },
	[CT_ERR_TOO_LARGE] = { 413, "payload_too_large", 0 },
	[CT_ERR_CONTENT_TYPE] = { 415, "unsupported_media_type", 0 },
	[CT_ERR_RATE_LIMITED] = { 429, "rate_limited", 0 },
	[CT_ERR_FORBIDDEN] = { 403, "forbidden", 0 },
	[CT_ERR_CONFLICT] = { 409, "conflict", 0 },
	[CT_ERR_NOMEM] = { 500, "internal_error", CT_ERR_INTERNAL },
	[CT_ERR_INTERNAL] = { 500, "internal_error", 0 },
	[CT_ERR_DB_UNAVAILABLE] = { 503, "unavailable", 0 },
	[CT_ERR_IO] = { 400, "bad_request", CT_ERR_BAD_REQUEST },
	[CT_ERR_RANGE] = { 400, "invalid_parameter", CT_ERR_INVALID_PARAMETER },
};

static void
test_err_table(void)
{
	int e;

	for (e = 0; e < CT_ERR__MAX; e++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(err_rows[e].code);
		CU_ASSERT_EQUAL(ct_err_http_status((enum ct_err)e),
		    err_rows[e].status);
		CU_ASSERT_STRING_EQUAL(ct_err_info((enum ct_err)e)->code,
		    err_rows[e].code);
	}
}

static void
test_err_codes_unique(void)
{
	int a, b;

	for (a = 0; a < CT_ERR__MAX; a++)
		for (b = a + 1; b < CT_ERR__MAX; b++) {
			const struct ct_err_info *x = ct_err_info((enum ct_err)a);
			const struct ct_err_info *y = ct_err_info((enum ct_err)b);

			if (strcmp(x->code, y->code) != 0)
				continue;
			/* Shared only where the table says so, and then
			 * with the same status: a code means one status. */
			CU_ASSERT((int)err_rows[a].same_as == b ||
			    (int)err_rows[b].same_as == a);
			CU_ASSERT_EQUAL(x->http_status, y->http_status);
		}
	/* An alias names a value that is not itself an alias. */
	for (a = 0; a < CT_ERR__MAX; a++)
		if (err_rows[a].same_as != 0) {
			CU_ASSERT_EQUAL(err_rows[err_rows[a].same_as].same_as, 0);
		}
}

static void
test_err_every_value_has_a_row(void)
{
	int e;

	for (e = 0; e < CT_ERR__MAX; e++) {
		const struct ct_err_info *i = ct_err_info((enum ct_err)e);
		size_t n;

		CU_ASSERT_PTR_NOT_NULL_FATAL(i->code);
		CU_ASSERT_PTR_NOT_NULL_FATAL(i->message);
		CU_ASSERT(i->code[0] != '\0');
		CU_ASSERT(strspn(i->code, "abcdefghijklmnopqrstuvwxyz_") ==
		    strlen(i->code));
		n = strlen(i->message);
		CU_ASSERT_FATAL(n > 0);
		/* An error is a 4xx or 5xx; only CT_OK is a 200. */
		if (e == CT_OK) {
			CU_ASSERT_EQUAL(i->http_status, 200);
		} else {
			CU_ASSERT(i->http_status >= 400 && i->http_status <= 599);
		}
		/* Public messages are lower case and carry no period. */
		CU_ASSERT(i->message[0] < 'A' || i->message[0] > 'Z');
		CU_ASSERT(i->message[n - 1] != '.');
	}
	/* Out-of-range values fall back to internal_error, never NULL. */
	CU_ASSERT_EQUAL(ct_err_http_status((enum ct_err)9999), 500);
	CU_ASSERT_EQUAL(ct_err_http_status((enum ct_err)-1), 500);
	CU_ASSERT_EQUAL(ct_err_http_status(CT_ERR__MAX), 500);
	CU_ASSERT_STRING_EQUAL(ct_err_info(CT_ERR__MAX)->code, "internal_error");
}

/* ---- num ---- */

static void
test_num_table(void)
{
	static const struct {
		const char *in; long long min, max; enum ct_err want; long long v;
	} t[] = {
		{ "0", 0, 10, CT_OK, 0 },
		{ "10", 0, 10, CT_OK, 10 },
		{ "11", 0, 10, CT_ERR_RANGE, 0 },
		{ "-1", 0, 10, CT_ERR_INVALID_PARAMETER, 0 },
		{ "-5", -10, 10, CT_OK, -5 },
		{ "-11", -10, 10, CT_ERR_RANGE, 0 },
		{ "", 0, 10, CT_ERR_INVALID_PARAMETER, 0 },
		{ "-", -10, 10, CT_ERR_INVALID_PARAMETER, 0 },
		{ "+1", 0, 10, CT_ERR_INVALID_PARAMETER, 0 },
		{ " 1", 0, 10, CT_ERR_INVALID_PARAMETER, 0 },
		{ "1 ", 0, 10, CT_ERR_INVALID_PARAMETER, 0 },
		{ "01", 0, 10, CT_ERR_INVALID_PARAMETER, 0 },
		{ "1e3", 0, 10000, CT_ERR_INVALID_PARAMETER, 0 },
		{ "0x10", 0, 100, CT_ERR_INVALID_PARAMETER, 0 },
		{ "9223372036854775807", 0, LLONG_MAX, CT_OK, LLONG_MAX },
		{ "9223372036854775808", 0, LLONG_MAX, CT_ERR_RANGE, 0 },
		{ "-9223372036854775808", LLONG_MIN, 0, CT_OK, LLONG_MIN },
		{ "-9223372036854775809", LLONG_MIN, 0, CT_ERR_RANGE, 0 },
		{ "99999999999999999999999", 0, LLONG_MAX, CT_ERR_RANGE, 0 },
		{ "16777216", 0, 16777216, CT_OK, 16777216 },
		{ "16777217", 0, 16777216, CT_ERR_RANGE, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		long long v = 12345;
		enum ct_err e = ct_num_parse_str(t[i].in, t[i].min, t[i].max, &v);

		CU_ASSERT_EQUAL(e, t[i].want);
		if (t[i].want == CT_OK) {
			CU_ASSERT_EQUAL(v, t[i].v);
		} else {
			CU_ASSERT_EQUAL(v, 12345);	/* untouched */
		}
	}
}

static void
test_num_embedded_nul_and_null(void)
{
	long long v;

	CU_ASSERT_EQUAL(ct_num_parse_i64("1\0002", 3, 0, 1000, &v),
	    CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_num_parse_str(NULL, 0, 1, &v),
	    CT_ERR_INVALID_PARAMETER);
	/* Only the given length is read. */
	CU_ASSERT_EQUAL(ct_num_parse_i64("123456", 2, 0, 1000, &v), CT_OK);
	CU_ASSERT_EQUAL(v, 12);
}

/* ---- config ---- */

static const char *const config_vars[] = {
	"CALLTRACK_DB", "CALLTRACK_STATEMENT_TIMEOUT_MS",
	"CALLTRACK_DB_CONNECT_TIMEOUT", "CALLTRACK_WEBHOOK_BODY_LIMIT",
	"CALLTRACK_API_BODY_LIMIT", "CALLTRACK_INTEGRATION_TTL",
	"CALLTRACK_REJECTED_BODY_CAP", "CALLTRACK_IMPORT_BODY_LIMIT",
	"CALLTRACK_SESSION_BODY_LIMIT", NULL
};

static void
config_clear(void)
{
	const char *const *v;

	for (v = config_vars; *v != NULL; v++)
		unsetenv(*v);
}

static void
test_config_defaults(void)
{
	struct ct_config c;
	char err[200];

	config_clear();
	CU_ASSERT_EQUAL_FATAL(ct_config_load(&c, err, sizeof(err)), CT_OK);
	CU_ASSERT_PTR_NULL(c.db);	/* libpq's PG* variables apply */
	CU_ASSERT_EQUAL(c.statement_timeout_ms, 5000);
	CU_ASSERT_EQUAL(c.connect_timeout_s, 2);
	CU_ASSERT_EQUAL(c.webhook_body_limit, 16 * 1024 * 1024);
	CU_ASSERT_EQUAL(c.api_body_limit, 64 * 1024);
	CU_ASSERT_EQUAL(c.import_body_limit, 10 * 1024 * 1024);
	CU_ASSERT_EQUAL(c.session_body_limit, 256 * 1024);
	CU_ASSERT_EQUAL(c.integration_ttl_s, 30);
	/* The statement timeout stays under nginx's 8 s read timeout. */
	CU_ASSERT(c.statement_timeout_ms < 8000);
}

static void
test_config_from_environment(void)
{
	struct ct_config c;
	char err[200];

	config_clear();
	setenv("CALLTRACK_DB", "host=/tmp dbname=x", 1);
	setenv("CALLTRACK_STATEMENT_TIMEOUT_MS", "2500", 1);
	setenv("CALLTRACK_INTEGRATION_TTL", "0", 1);
	CU_ASSERT_EQUAL_FATAL(ct_config_load(&c, err, sizeof(err)), CT_OK);
	CU_ASSERT_STRING_EQUAL(c.db, "host=/tmp dbname=x");
	CU_ASSERT_EQUAL(c.statement_timeout_ms, 2500);
	CU_ASSERT_EQUAL(c.integration_ttl_s, 0);
	config_clear();
}

static void
test_config_rejects_bad_values(void)
{
	static const struct { const char *var, *val; } bad[] = {
		{ "CALLTRACK_STATEMENT_TIMEOUT_MS", "abc" },
		{ "CALLTRACK_STATEMENT_TIMEOUT_MS", "10000" },	/* > 9 s */
		{ "CALLTRACK_STATEMENT_TIMEOUT_MS", "-1" },
		{ "CALLTRACK_WEBHOOK_BODY_LIMIT", "1e9" },
		{ "CALLTRACK_DB_CONNECT_TIMEOUT", "0" },
		{ "CALLTRACK_INTEGRATION_TTL", "30s" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ct_config c;
		char err[200] = "";

		config_clear();
		setenv(bad[i].var, bad[i].val, 1);
		CU_ASSERT_EQUAL(ct_config_load(&c, err, sizeof(err)),
		    CT_ERR_INVALID_PARAMETER);
		/* The message names the variable but never echoes it. */
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].var));
		CU_ASSERT_PTR_NULL(strstr(err, bad[i].val));
	}
	config_clear();
}

/* ---- log ---- */

static void
test_log_escape(void)
{
	static const struct { const char *in; size_t len; const char *out; } t[] = {
		{ "plain", 5, "plain" },
		{ "a\nb", 3, "a\\x0ab" },
		{ "q\"uote\\", 7, "q\\x22uote\\x5c" },
		{ "\x1b[31m", 5, "\\x1b[31m" },
		{ "nul\0x", 5, "nul\\x00x" },
		{ "\xc3\xa9", 2, "\\xc3\\xa9" },
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CU_ASSERT_STRING_EQUAL(ct_log_escape(out, sizeof(out), t[i].in,
		    t[i].len), t[i].out);
	/* Too long: cut, marked, still terminated within the buffer. */
	ct_log_escape(out, 12, "abcdefghijklmnopqrstuvwxyz", 26);
	CU_ASSERT(strlen(out) < 12);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "..."));
}

/* ---- crypto: secrets compared through fixed-length digests ---- */

static void
test_crypto_equal_vectors(void)
{
	static const struct {
		const char	*a;
		size_t		 alen;
		const char	*b;
		size_t		 blen;
		int		 equal;
	} t[] = {
		{ "vapi-test-secret-4f9c2b7e", 25, "vapi-test-secret-4f9c2b7e", 25, 1 },
		{ "vapi-test-secret-4f9c2b7e", 25, "vapi-test-secret-4f9c2b7f", 25, 0 },
		{ "vapi-test-secret-4f9c2b7e", 25, "Vapi-test-secret-4f9c2b7e", 25, 0 },
		/* A prefix of the secret, and the secret with more after it. */
		{ "vapi-test-secret-4f9c2b7e", 25, "vapi-test-secret", 16, 0 },
		{ "vapi-test-secret-4f9c2b7e", 25, "vapi-test-secret-4f9c2b7e ", 26, 0 },
		{ "", 0, "", 0, 1 },
		{ NULL, 0, "", 0, 1 },
		{ "", 0, "x", 1, 0 },
		{ "x", 1, "", 0, 0 },
		{ NULL, 0, "vapi-test-secret-4f9c2b7e", 25, 0 },
		/* The bytes count, not the C string: NUL inside, NUL after. */
		{ "ab\0c", 4, "ab\0d", 4, 0 },
		{ "ab\0c", 4, "ab\0c", 4, 1 },
		{ "abc", 3, "abc\0", 4, 0 },
	};
	char big1[1000], big2[1000];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL(ct_crypto_equal(t[i].a, t[i].alen, t[i].b,
		    t[i].blen), t[i].equal);
		/* Symmetric. */
		CU_ASSERT_EQUAL(ct_crypto_equal(t[i].b, t[i].blen, t[i].a,
		    t[i].alen), t[i].equal);
	}
	/* Longer than one SHA-256 block, differing in the last byte only. */
	memset(big1, 'k', sizeof(big1));
	memcpy(big2, big1, sizeof(big2));
	CU_ASSERT_TRUE(ct_crypto_equal(big1, sizeof(big1), big2, sizeof(big2)));
	big2[sizeof(big2) - 1] = 'l';
	CU_ASSERT_FALSE(ct_crypto_equal(big1, sizeof(big1), big2,
	    sizeof(big2)));
	CU_ASSERT_FALSE(ct_crypto_equal(big1, sizeof(big1), big1,
	    sizeof(big1) - 1));
}

int
suite_crypto_equal(void)
{
	static const struct test_case t[] = {
		{ "equal, different, different lengths, empty",
		    test_crypto_equal_vectors },
		{ NULL, NULL } };
	return add_suite("crypto-equal", t);
}

int
suite_err(void)
{
	static const struct test_case t[] = {
		{ "error table matches API.md", test_err_table },
		{ "every error value has a row", test_err_every_value_has_a_row },
		{ "codes are unique but for declared aliases",
		    test_err_codes_unique },
		{ NULL, NULL } };
	return add_suite("err", t);
}

int
suite_num(void)
{
	static const struct test_case t[] = {
		{ "bounded parsing table", test_num_table },
		{ "length, NUL and NULL", test_num_embedded_nul_and_null },
		{ NULL, NULL } };
	return add_suite("num", t);
}

int
suite_config(void)
{
	static const struct test_case t[] = {
		{ "defaults", test_config_defaults },
		{ "values from the environment", test_config_from_environment },
		{ "bad values stop the program", test_config_rejects_bad_values },
		{ NULL, NULL } };
	return add_suite("config", t);
}

int
suite_log(void)
{
	static const struct test_case t[] = {
		{ "escaping", test_log_escape },
		{ NULL, NULL } };
	return add_suite("log", t);
}
