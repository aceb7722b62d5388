/*
 * test_parse.c: form, JSON, webhook slugs and tokens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/auth.h"
#include "core/crypto.h"
#include "core/form.h"
#include "ingest/hook.h"
#include "core/json.h"
#include "suites.h"

/* ---- form ---- */

static void
test_form_decoding(void)
{
	struct ct_form f;
	const char *body = "a=1&b=hello+world&c=%41%2b%2F&d=&e&a=2&&f=S%C3%A3o";

	CU_ASSERT_EQUAL_FATAL(ct_form_parse(body, strlen(body), 64, &f), CT_OK);
	CU_ASSERT_EQUAL(f.n, 7);
	CU_ASSERT_STRING_EQUAL(ct_form_get(&f, "a"), "1");	/* first */
	CU_ASSERT_STRING_EQUAL(f.pairs[5].value, "2");		/* repeated */
	CU_ASSERT_STRING_EQUAL(ct_form_get(&f, "b"), "hello world");
	CU_ASSERT_STRING_EQUAL(ct_form_get(&f, "c"), "A+/");
	CU_ASSERT_STRING_EQUAL(ct_form_get(&f, "d"), "");
	CU_ASSERT_STRING_EQUAL(ct_form_get(&f, "e"), "");
	CU_ASSERT_STRING_EQUAL(ct_form_get(&f, "f"), "S\xc3\xa3o");
	CU_ASSERT_PTR_NULL(ct_form_get(&f, "zz"));
	ct_form_free(&f);
	ct_form_free(&f);	/* a freed form is a no-op */
}

static void
test_form_rejects(void)
{
	static const char *const bad[] = {
		"a=%", "a=%4", "a=%zz", "a=%4g", "%=1", "a=%00", "a%00b=1",
	};
	struct ct_form f;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(ct_form_parse(bad[i], strlen(bad[i]), 64, &f),
		    CT_ERR_MALFORMED_BODY);
		CU_ASSERT_EQUAL(f.n, 0);
		CU_ASSERT_PTR_NULL(f.pairs);
	}
	/* More pairs than allowed. */
	CU_ASSERT_EQUAL(ct_form_parse("a=1&b=2&c=3", 11, 2, &f),
	    CT_ERR_MALFORMED_BODY);
	/* Empty body: no pairs, not an error. */
	CU_ASSERT_EQUAL(ct_form_parse("", 0, 2, &f), CT_OK);
	CU_ASSERT_EQUAL(f.n, 0);
	ct_form_free(&f);
}

/* ---- json ---- */

static void
test_json_strict(void)
{
	static const struct { const char *in; enum ct_err want; } t[] = {
		{ "{\"a\":1}", CT_OK },
		{ "{\"a\":1}\n", CT_OK },
		{ "  {\"a\":[1,2,{\"b\":null}]}  ", CT_OK },
		{ "{\"a\":1", CT_ERR_MALFORMED_BODY },		/* truncated */
		{ "{\"a\":1}x", CT_ERR_MALFORMED_BODY },	/* trailing */
		{ "{\"a\":1}{}", CT_ERR_MALFORMED_BODY },
		{ "{'a':1}", CT_ERR_MALFORMED_BODY },		/* not strict */
		{ "{\"a\":1,}", CT_ERR_MALFORMED_BODY },
		{ "{\"a\":\"\xc3\x28\"}", CT_ERR_MALFORMED_BODY },	/* bad UTF-8 */
		{ "{\"a\":\"\xc0\xaf\"}", CT_ERR_MALFORMED_BODY },	/* overlong */
		{ "{\"a\":\"\xed\xa0\x80\"}", CT_ERR_MALFORMED_BODY },	/* surrogate */
		{ "{\"a\":\"\xf4\x90\x80\x80\"}", CT_ERR_MALFORMED_BODY },	/* > U+10FFFF */
		{ "{\"a\":\"\xe2\x82\"}", CT_ERR_MALFORMED_BODY },	/* cut short */
		{ "{\"a\":\"Zo\xc3\xab \xf0\x9f\x93\x9e it's\"}", CT_OK },
		{ "{\"a\\\"'\":1}", CT_OK },		/* quote inside a key */
		{ "", CT_ERR_MALFORMED_BODY },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json_object *o = NULL;

		CU_ASSERT_EQUAL(ct_json_parse(t[i].in, strlen(t[i].in), &o),
		    t[i].want);
		CU_ASSERT((o != NULL) == (t[i].want == CT_OK));
		json_object_put(o);
	}
}

/* ct_utf8_valid() reads ASCII eight bytes at a time: each bad sequence is
 * still refused, and each good one taken, at every offset from the start
 * and wherever it falls across an eight-byte step. */
static void
test_utf8_offsets(void)
{
	static const struct { const char *seq; int ok; } t[] = {
		{ "\xc3\xab", 1 }, { "\xf0\x9f\x93\x9e", 1 },
		{ "\xe2\x82\xac", 1 }, { "\xc3\x28", 0 }, { "\xc0\xaf", 0 },
		{ "\xed\xa0\x80", 0 }, { "\xf4\x90\x80\x80", 0 },
		{ "\x80", 0 }, { "\xff", 0 }, { "\xe2\x82", 0 },
	};
	char buf[64];
	size_t i, at, tail, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		for (at = 0; at < 20; at++) {
			for (tail = 0; tail < 10; tail++) {
				n = strlen(t[i].seq);
				memset(buf, 'a', sizeof(buf));
				memcpy(buf + at, t[i].seq, n);
				CU_ASSERT_EQUAL(ct_utf8_valid(buf, at + n + tail),
				    t[i].ok);
			}
		}
	}
}

static void
test_json_depth_and_nul(void)
{
	char deep[200];
	json_object *o = NULL;
	int i;

	/* 32 levels pass, 33 do not. */
	for (i = 0; i < 32; i++)
		deep[i] = '[';
	for (i = 0; i < 32; i++)
		deep[32 + i] = ']';
	CU_ASSERT_EQUAL(ct_json_parse(deep, 64, &o), CT_OK);
	json_object_put(o);
	for (i = 0; i < 33; i++)
		deep[i] = '[';
	for (i = 0; i < 33; i++)
		deep[33 + i] = ']';
	CU_ASSERT_EQUAL(ct_json_parse(deep, 66, &o), CT_ERR_MALFORMED_BODY);
	CU_ASSERT_EQUAL(ct_json_parse("{\"a\":1}\0", 8, &o),
	    CT_ERR_MALFORMED_BODY);
}

static void
test_json_path(void)
{
	json_object *o;
	const char *s = "{\"message\":{\"type\":\"end-of-call-report\",\"call\":"
	    "{\"id\":\"abc\",\"n\":5,\"e\":\"\"}}}";

	CU_ASSERT_EQUAL_FATAL(ct_json_parse(s, strlen(s), &o), CT_OK);
	CU_ASSERT_STRING_EQUAL(ct_json_path_str(o, "message.type"),
	    "end-of-call-report");
	CU_ASSERT_STRING_EQUAL(ct_json_path_str(o, "message.call.id"), "abc");
	CU_ASSERT_PTR_NULL(ct_json_path_str(o, "message.call.n"));   /* number */
	CU_ASSERT_PTR_NULL(ct_json_path_str(o, "message.call.e"));   /* empty */
	CU_ASSERT_PTR_NULL(ct_json_path_str(o, "message.nope.id"));
	CU_ASSERT_PTR_NULL(ct_json_path_str(o, "message.type.x"));
	json_object_put(o);
}

/* ---- hook ---- */

static void
test_hook_slug(void)
{
	CU_ASSERT_STRING_EQUAL(ct_hook_slug("/hooks/vapi/vapi-test",
	    "/hooks/vapi/"), "vapi-test");
	CU_ASSERT_STRING_EQUAL(ct_hook_slug("/hooks/vapi/A_b-9", "/hooks/vapi/"),
	    "A_b-9");
	CU_ASSERT_PTR_NULL(ct_hook_slug("/hooks/vapi/", "/hooks/vapi/"));
	CU_ASSERT_PTR_NULL(ct_hook_slug("/hooks/vapi/a/b", "/hooks/vapi/"));
	CU_ASSERT_PTR_NULL(ct_hook_slug("/hooks/vapi/a%20b", "/hooks/vapi/"));
	CU_ASSERT_PTR_NULL(ct_hook_slug("/hooks/vapi/..", "/hooks/vapi/"));
	CU_ASSERT_PTR_NULL(ct_hook_slug("/hooks/retell/x", "/hooks/vapi/"));
	CU_ASSERT_PTR_NULL(ct_hook_slug(NULL, "/hooks/vapi/"));
	/* A site under a prefix, as shared hosting serves it. */
	CU_ASSERT_STRING_EQUAL(ct_hook_slug("/~acme/hooks/vapi/vapi-test",
	    "/hooks/vapi/"), "vapi-test");
	CU_ASSERT_STRING_EQUAL(ct_hook_slug("/calls/hooks/vapi/x/hooks/vapi/y",
	    "/hooks/vapi/"), "y");
	CU_ASSERT_PTR_NULL(ct_hook_slug("/~acme/hooks/vapi/a/b", "/hooks/vapi/"));
	CU_ASSERT_PTR_NULL(ct_hook_slug("/cgi-bin/vapi-hook/x", "/hooks/vapi/"));
	CU_ASSERT_PTR_NULL(ct_hook_slug("/hooks/vapi/"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "/hooks/vapi/"));	/* 65 characters */
}

/* ---- auth ---- */

static void
test_auth_tokens(void)
{
	char a[48], b[48], ha[65], hb[65], check[65];

	CU_ASSERT_EQUAL_FATAL(ct_auth_token_new(a, ha), CT_OK);
	CU_ASSERT_EQUAL_FATAL(ct_auth_token_new(b, hb), CT_OK);
	CU_ASSERT_EQUAL(strlen(a), 3 + 43);
	CU_ASSERT_NSTRING_EQUAL(a, "ct_", 3);
	CU_ASSERT_STRING_NOT_EQUAL(a, b);
	CU_ASSERT_TRUE(ct_auth_token_valid(a));
	/* Only the SHA-256 of the token is stored. */
	ct_crypto_sha256_hex(a, strlen(a), check);
	CU_ASSERT_STRING_EQUAL(ha, check);
	CU_ASSERT_FALSE(ct_auth_token_valid("ct_"));
	CU_ASSERT_FALSE(ct_auth_token_valid("xx_abc"));
	CU_ASSERT_FALSE(ct_auth_token_valid("ct_abc def"));
	CU_ASSERT_FALSE(ct_auth_token_valid("ct_abc'--"));
	CU_ASSERT_FALSE(ct_auth_token_valid(""));
}

int
suite_form(void)
{
	static const struct test_case t[] = {
		{ "decoding, repeats, empties", test_form_decoding },
		{ "invalid escapes, NUL, limits", test_form_rejects },
		{ NULL, NULL } };
	return add_suite("form", t);
}

/* NaN and Infinity are tokens json-c takes even in strict mode, and a
 * literal past a double's range reads as infinity: none is JSON's. */
static void
test_json_finite(void)
{
	static const char *const bad[] = { "{\"a\":NaN}", "{\"a\":nan}",
	    "{\"a\":Infinity}", "{\"a\":-Infinity}", "[1e999]",
	    "{\"a\":[{\"b\":-1e400}]}", NULL };
	static const char *const good[] = { "{\"a\":1e308}", "[-1.5e-300]",
	    "{\"a\":\"NaN\"}", "[0]", NULL };
	json_object *o;
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		CU_ASSERT_EQUAL(ct_json_parse(bad[i], strlen(bad[i]), &o),
		    CT_ERR_MALFORMED_BODY);
		CU_ASSERT_PTR_NULL(o);
	}
	for (i = 0; good[i] != NULL; i++) {
		CU_ASSERT_EQUAL(ct_json_parse(good[i], strlen(good[i]), &o), CT_OK);
		json_object_put(o);
	}
}

int
suite_json(void)
{
	static const struct test_case t[] = {
		{ "strict parsing table", test_json_strict },
		{ "UTF-8 checked at every offset", test_utf8_offsets },
		{ "NaN, Infinity and 1e999 are no numbers", test_json_finite },
		{ "depth limit and embedded NUL", test_json_depth_and_nul },
		{ "dotted paths", test_json_path },
		{ NULL, NULL } };
	return add_suite("json", t);
}


int
suite_hook(void)
{
	static const struct test_case t[] = {
		{ "integration slug from the path", test_hook_slug },
		{ NULL, NULL } };
	return add_suite("hook", t);
}

int
suite_auth(void)
{
	static const struct test_case t[] = {
		{ "token shape and hash", test_auth_tokens },
		{ NULL, NULL } };
	return add_suite("auth", t);
}

/* ---- query ---- */

#include "read/query.h"

static void
test_query_search_bounds(void)
{
	/* Every worst case for the escaped word list: short and long, every
	 * character that needs escaping, each as its own word.  Run under
	 * AddressSanitizer this catches a buffer sized one byte short. */
	static const char *const qs[] = { "q=%25", "q=_", "q=%5C", "q=%22",
	    "q=%25+%25+%25", "q=a%5C%22%25_b", "q=%5C%5C%5C%5C",
	    "q=x+y+z+w+v" };
	struct ct_calls_query q;
	const char *bad;
	size_t i;

	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		CU_ASSERT_EQUAL(ct_calls_query_parse(qs[i], &q, &bad), CT_OK);
		CU_ASSERT_PTR_NOT_NULL(q.words);
		ct_calls_query_free(&q);
	}
	CU_ASSERT_EQUAL(ct_calls_query_parse("q=%25", &q, &bad), CT_OK);
	CU_ASSERT_STRING_EQUAL(q.words, "{\"\\\\%\"}");
	ct_calls_query_free(&q);
	CU_ASSERT_EQUAL(ct_calls_query_parse("q=(415)+555-0123", &q, &bad), CT_OK);
	CU_ASSERT_STRING_EQUAL(q.digits, "4155550123");
	CU_ASSERT_PTR_NULL(q.words);
	ct_calls_query_free(&q);
	CU_ASSERT_EQUAL(ct_calls_query_parse("limit=0", &q, &bad),
	    CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_STRING_EQUAL(bad, "limit");
	ct_calls_query_free(&q);
}

/* The number of a search, read in the org's country. */
static void
test_query_search_country(void)
{
	static const struct { const char *query, *cc, *want; } t[] = {
		{ "q=(555)+555-0142", "US", "5555550142" },
		{ "q=555-0142", "US", "5550142" },		/* a fragment */
		{ "q=020+7946+0018", "GB", "442079460018" },	/* trunk 0 */
		{ "q=020+7946+0018", "US", "02079460018" },
		{ "q=011+44+20+7946+0018", "US", "442079460018" },
		{ "q=%2B44+20+7946+0018", "US", "442079460018" },
		{ "q=07700+900123", "GB", "447700900123" },	/* longer */
		{ "q=Maria+020+7946+0018", "GB", "442079460018" },
		{ "q=020+7946+0018", NULL, "02079460018" },
		{ "q=020+7946+0018", "XX", "02079460018" },
	};
	struct ct_calls_query q;
	const char *bad;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(ct_calls_query_parse(t[i].query, &q, &bad),
		    CT_OK);
		CU_ASSERT_EQUAL(ct_calls_query_phone(&q, t[i].cc), CT_OK);
		if (q.digits == NULL || strcmp(q.digits, t[i].want) != 0)
			fprintf(stderr, "search \"%s\" in %s: %s\n", t[i].query,
			    t[i].cc ? t[i].cc : "NULL",
			    q.digits ? q.digits : "NULL");
		CU_ASSERT_PTR_NOT_NULL(q.digits);
		if (q.digits != NULL)
			CU_ASSERT_STRING_EQUAL(q.digits, t[i].want);
		ct_calls_query_free(&q);
	}
	/* Nothing to read without digits. */
	CU_ASSERT_EQUAL_FATAL(ct_calls_query_parse("q=Maria", &q, &bad), CT_OK);
	CU_ASSERT_EQUAL(ct_calls_query_phone(&q, "GB"), CT_OK);
	CU_ASSERT_PTR_NULL(q.digits);
	ct_calls_query_free(&q);
}

/* One query string and what parsing it gives: the error and the parameter
 * named. */
struct query_case {
	const char	*query;
	enum ct_err	 want;
	const char	*bad;
};

static void
check_calls(const struct query_case *t, size_t n)
{
	struct ct_calls_query q;
	const char *bad;
	size_t i;

	for (i = 0; i < n; i++) {
		enum ct_err err = ct_calls_query_parse(t[i].query, &q, &bad);

		if (err != t[i].want || (bad == NULL) != (t[i].bad == NULL) ||
		    (bad != NULL && strcmp(bad, t[i].bad) != 0))
			fprintf(stderr, "calls \"%s\": %d %s\n", t[i].query,
			    (int)err, bad ? bad : "-");
		CU_ASSERT_EQUAL(err, t[i].want);
		if (t[i].bad == NULL) {
			CU_ASSERT_PTR_NULL(bad);
		} else {
			CU_ASSERT_PTR_NOT_NULL(bad);
			if (bad != NULL)
				CU_ASSERT_STRING_EQUAL(bad, t[i].bad);
		}
		ct_calls_query_free(&q);
	}
}

static void
check_stats(const struct query_case *t, size_t n)
{
	struct ct_stats_query q;
	const char *bad;
	size_t i;

	for (i = 0; i < n; i++) {
		enum ct_err err = ct_stats_query_parse(t[i].query, &q, &bad);

		if (err != t[i].want || (bad == NULL) != (t[i].bad == NULL) ||
		    (bad != NULL && strcmp(bad, t[i].bad) != 0))
			fprintf(stderr, "stats \"%s\": %d %s\n", t[i].query,
			    (int)err, bad ? bad : "-");
		CU_ASSERT_EQUAL(err, t[i].want);
		if (t[i].bad == NULL) {
			CU_ASSERT_PTR_NULL(bad);
		} else {
			CU_ASSERT_PTR_NOT_NULL(bad);
			if (bad != NULL)
				CU_ASSERT_STRING_EQUAL(bad, t[i].bad);
		}
		ct_stats_query_free(&q);
	}
}

#define BADP CT_ERR_INVALID_PARAMETER

/* Range bounds that are no day or no time: refused before any SQL, by
 * name, on both endpoints. */
static void
test_query_calendar(void)
{
	static const struct query_case t[] = {
		{ "from=2026-01-31", CT_OK, NULL },
		{ "from=2024-02-29&to=2024-03-01", CT_OK, NULL },
		{ "from=2026-01-06T17:02:12Z", CT_OK, NULL },
		{ "from=2026-01-06T17:02:12%2B14:00", CT_OK, NULL },
		{ "from=2016-12-31T23:59:60Z", CT_OK, NULL },
		{ "from=2026-01-99", BADP, "from" },
		{ "from=2026-02-30", BADP, "from" },
		{ "from=2025-02-29", BADP, "from" },
		{ "from=2026-13-01", BADP, "from" },
		{ "from=1969-12-31", BADP, "from" },
		{ "from=0000-01-01", BADP, "from" },
		{ "to=2026-01-99T00:00:00Z", BADP, "to" },
		{ "to=2026-02-30T00:00:00Z", BADP, "to" },
		{ "to=2025-02-29T12:00:00Z", BADP, "to" },
		{ "to=2026-13-01T00:00:00Z", BADP, "to" },
		{ "to=2026-01-06T24:00:00Z", BADP, "to" },
		{ "to=2026-01-06T12:60:00Z", BADP, "to" },
		{ "to=2026-01-06T12:00:61Z", BADP, "to" },
		{ "to=2026-01-06T12:00:60Z", BADP, "to" },
		{ "to=2026-01-06T12:00:00%2B14:30", BADP, "to" },
		{ "to=2026-01-06T12:00:00-15:00", BADP, "to" },
		{ "to=2026-01-06T12:00:00%2B05:60", BADP, "to" },
		{ "to=1969-12-31T23:59:59Z", BADP, "to" },
		{ "from=2026-02-01&to=2026-01-01", BADP, "from" },
		{ "from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", BADP,
		    "from" },
	};

	static const struct query_case span[] = {
		/* A stats range has a row a day: 100 years at most. */
		{ "from=1970-01-01&to=2070-01-01", CT_OK, NULL },
		{ "from=1970-01-01&to=2070-01-02", BADP, "to" },
		{ "from=1970-01-01&to=9999-12-31", BADP, "to" },
		{ "from=1970-01-01T00:00:00Z&to=2070-01-01T00:00:00Z", CT_OK,
		    NULL },
		{ "from=1970-01-01T00:00:00Z&to=2070-01-01T00:00:01Z", BADP,
		    "to" },
		{ "from=1970-01-01", CT_OK, NULL },
		{ "to=9999-12-31", CT_OK, NULL },
	};
	struct ct_calls_query q;
	const char *bad;

	check_calls(t, sizeof(t) / sizeof(t[0]));
	check_stats(t, sizeof(t) / sizeof(t[0]));
	check_stats(span, sizeof(span) / sizeof(span[0]));
	/* The list pages through any range. */
	CU_ASSERT_EQUAL(ct_calls_query_parse("from=1970-01-01&to=9999-12-31",
	    &q, &bad), CT_OK);
	ct_calls_query_free(&q);
}

/* A cursor of the right sort and order, carrying value and id. */
static char *
cursor_of(const char *sort, int desc, const char *value, const char *id)
{
	char *c = ct_query_cursor(sort, desc, value, id);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	return c;
}

/* A cursor's value has its sort's shape, or the cursor is refused. */
static void
test_query_cursor_shapes(void)
{
	static const char id[] = "00000000-0000-0000-0000-000000000000";
	static const struct {
		const char	*sort;
		const char	*value;
		const char	*id;
		enum ct_err	 want;
	} t[] = {
		{ "cost", "0.420000", id, CT_OK },
		{ "cost", "0", id, CT_OK },
		{ "cost", "-1", id, CT_OK },
		{ "cost", "99999999.999999", id, CT_OK },
		{ "cost", "1.2.3", id, BADP },
		{ "cost", "1.", id, BADP },
		{ "cost", ".5", id, BADP },
		{ "cost", "-", id, BADP },
		{ "cost", "--1", id, BADP },
		{ "cost", "-2", id, BADP },
		{ "cost", "1e5", id, BADP },
		{ "cost", "123456789", id, BADP },
		{ "cost", "0.1234567", id, BADP },
		{ "cost", "", id, BADP },
		{ "duration", "312", id, CT_OK },
		{ "duration", "-1", id, CT_OK },
		{ "duration", "1.5", id, BADP },
		{ "duration", "-2", id, BADP },
		{ "duration", "100000001", id, BADP },
		{ "duration", "99999999999999999999", id, BADP },
		{ "started_at", "2026-01-06T17:02:12.950000Z", id, CT_OK },
		{ "started_at", "2026-02-30T00:00:00.000000Z", id, BADP },
		{ "started_at", "2026-01-06T24:00:00Z", id, BADP },
		{ "started_at", "2026-01-06", id, BADP },
		{ "started_at", "1.2.3", id, BADP },
		{ "cost", "0.42", "not-a-uuid", BADP },
		{ "cost", "0.42", "00000000-0000-0000-0000-00000000000g", BADP },
		{ "cost", "0.42", "", BADP },
	};
	struct ct_calls_query q;
	const char *bad;
	char query[512];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *c = cursor_of(t[i].sort, 1, t[i].value, t[i].id);
		enum ct_err err;

		snprintf(query, sizeof(query), "sort=%s&cursor=%s", t[i].sort,
		    c);
		err = ct_calls_query_parse(query, &q, &bad);
		if (err != t[i].want)
			fprintf(stderr, "cursor %s %s: %d\n", t[i].sort,
			    t[i].value, (int)err);
		CU_ASSERT_EQUAL(err, t[i].want);
		if (t[i].want == CT_OK) {
			CU_ASSERT_STRING_EQUAL(q.after_value, t[i].value);
			CU_ASSERT_STRING_EQUAL(q.after_id, t[i].id);
			CU_ASSERT_EQUAL(q.page, 0);
		} else {
			CU_ASSERT_STRING_EQUAL(bad, "cursor");
			CU_ASSERT_PTR_NULL(q.after_value);
		}
		ct_calls_query_free(&q);
		free(c);
	}
	/* Another sort's or order's cursor, a page beside it, bytes that
	 * are no base64url: refused as the cursor. */
	{
		char *c = cursor_of("cost", 1, "0.42", id);
		static const char *const around[][2] = {
		    { "sort=duration&cursor=", "" },
		    { "sort=cost&order=asc&cursor=", "" },
		    { "sort=cost&page=2&cursor=", "" },
		    { "sort=cost&cursor=", "%3D" },
		    { "sort=cost&cursor=", "%00" } };
		size_t k;

		for (k = 0; k < sizeof(around) / sizeof(around[0]); k++) {
			snprintf(query, sizeof(query), "%s%s%s", around[k][0],
			    c, around[k][1]);
			CU_ASSERT_EQUAL(ct_calls_query_parse(query, &q, &bad),
			    BADP);
			CU_ASSERT_STRING_EQUAL(bad, "cursor");
			ct_calls_query_free(&q);
		}
		free(c);
	}
}

/* Every row of both tables has a name and a validator; a value no row
 * takes (a control character, bytes that are not UTF-8, a NUL, 10 KB) is
 * refused by the row's name: nothing unvalidated reaches the struct. */
static void
test_query_tables(void)
{
	static const char *const hostile[] = { "%01", "%FF%FE", "%00", "",
	    "-1", "99999999999999999999", "%27%3B--", NULL };
	const struct ct_query_param *tables[] = { ct_query_calls,
	    ct_query_stats };
	char *query = malloc(10300);
	size_t t, h, rows = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(query);
	for (t = 0; t < 2; t++) {
		const struct ct_query_param *p;

		for (p = tables[t]; p->name != NULL; p++, rows++) {
			int family = strcmp(p->name, "analysis.*") == 0;
			const char *name = family ? "analysis" : p->name;

			CU_ASSERT_PTR_NOT_NULL(p->valid);
			for (h = 0; hostile[h] != NULL; h++) {
				const char *bad = NULL;
				enum ct_err err;

				/* A family's member: analysis.k=... */
				snprintf(query, 10300, "%s=%s",
				    family ? "analysis.k" : p->name,
				    hostile[h]);
				if (t == 0) {
					struct ct_calls_query q;

					err = ct_calls_query_parse(query, &q,
					    &bad);
					ct_calls_query_free(&q);
				} else {
					struct ct_stats_query q;

					err = ct_stats_query_parse(query, &q,
					    &bad);
					ct_stats_query_free(&q);
				}
				/* q takes text: a control character, an
				 * empty or a numeric search is a search. */
				if (strcmp(p->name, "q") == 0 && err == CT_OK)
					continue;
				/* An agent id and an analysis value are
				 * text matched exactly: "-1", digits, and
				 * (a value) quotes are text. */
				if (err == CT_OK && h >= 4 &&
				    (family || (strcmp(p->name, "agent") == 0 &&
				    h < 6)))
					continue;
				if (err != BADP || bad == NULL ||
				    strcmp(bad, name) != 0)
					fprintf(stderr, "%s: %d %s\n", query,
					    (int)err, bad ? bad : "-");
				CU_ASSERT_EQUAL(err, BADP);
				CU_ASSERT_PTR_NOT_NULL(bad);
				if (bad != NULL)
					CU_ASSERT_STRING_EQUAL(bad, name);
			}
			/* 10 KB of one letter. */
			snprintf(query, 10300, "%s=",
			    family ? "analysis.k" : p->name);
			{
				size_t n = strlen(query);

				memset(query + n, 'a', 10000);
				query[n + 10000] = '\0';
			}
			{
				const char *bad = NULL;
				enum ct_err err;

				if (t == 0) {
					struct ct_calls_query q;

					err = ct_calls_query_parse(query, &q,
					    &bad);
					ct_calls_query_free(&q);
				} else {
					struct ct_stats_query q;

					err = ct_stats_query_parse(query, &q,
					    &bad);
					ct_stats_query_free(&q);
				}
				CU_ASSERT_EQUAL(err, BADP);
				CU_ASSERT_PTR_NOT_NULL(bad);
				if (bad != NULL)
					CU_ASSERT_STRING_EQUAL(bad, name);
			}
		}
	}
	CU_ASSERT_EQUAL(rows, 21 + 6);
	free(query);
}

/* What today's callers rely on: defaults, values in place, the first bad
 * parameter named. */
static void
test_query_values(void)
{
	static const struct query_case t[] = {
		{ "", CT_OK, NULL },
		{ "color=blue&limit=2", CT_OK, NULL },
		{ "limit=0", BADP, "limit" },
		{ "limit=101", BADP, "limit" },
		{ "page=0", BADP, "page" },
		{ "page=100001", BADP, "page" },
		{ "min_duration=-5", BADP, "min_duration" },
		{ "max_duration=1e3", BADP, "max_duration" },
		{ "min_duration=50&max_duration=10", BADP, "max_duration" },
		{ "status=completed,", BADP, "status" },
		{ "status=,completed", BADP, "status" },
		{ "status=done", BADP, "status" },
		{ "sort=caller", BADP, "sort" },
		{ "order=up", BADP, "order" },
		{ "format=xml", BADP, "format" },
		{ "include_test=maybe", BADP, "include_test" },
		{ "q=%FF", BADP, "q" },
		{ "q=a%C3%28", BADP, "q" },
		{ "q=Jos%C3%A9", CT_OK, NULL },
		{ "from=%00", BADP, "from" },
		{ "limit=5&to=2026%zz", BADP, "to" },
		{ "a%zz=1", BADP, "query" },
	};
	struct ct_calls_query q;
	struct ct_stats_query sq;
	const char *bad;

	check_calls(t, sizeof(t) / sizeof(t[0]));
	CU_ASSERT_EQUAL(ct_calls_query_parse(NULL, &q, &bad), CT_OK);
	CU_ASSERT_STRING_EQUAL(q.sort, "started_at");
	CU_ASSERT_EQUAL(q.desc, 1);
	CU_ASSERT_EQUAL(q.limit, CT_QUERY_LIMIT_DEFAULT);
	CU_ASSERT_EQUAL(q.page, 1);
	CU_ASSERT_EQUAL(q.csv, 0);
	CU_ASSERT_EQUAL(q.include_test, 0);
	CU_ASSERT_STRING_EQUAL(q.min_dur, "");
	ct_calls_query_free(&q);
	CU_ASSERT_EQUAL(ct_calls_query_parse("status=busy,no-answer&sort=cost&"
	    "order=asc&limit=7&page=3&min_duration=5&max_duration=50&"
	    "include_test=1&format=csv&from=2026-01-01&to=2026-01-06T17:02:12Z&"
	    "lead_status=new", &q, &bad), CT_OK);
	CU_ASSERT_STRING_EQUAL(q.status, "{busy,no-answer}");
	CU_ASSERT_STRING_EQUAL(q.lead_status, "{new}");
	CU_ASSERT_STRING_EQUAL(q.sort, "cost");
	CU_ASSERT_EQUAL(q.desc, 0);
	CU_ASSERT_EQUAL(q.limit, 7);
	CU_ASSERT_EQUAL(q.page, 3);
	CU_ASSERT_STRING_EQUAL(q.min_dur, "5");
	CU_ASSERT_STRING_EQUAL(q.max_dur, "50");
	CU_ASSERT_EQUAL(q.include_test, 1);
	CU_ASSERT_EQUAL(q.csv, 1);
	CU_ASSERT_STRING_EQUAL(q.from, "2026-01-01");
	CU_ASSERT_STRING_EQUAL(q.to, "2026-01-06T17:02:12Z");
	CU_ASSERT_PTR_NULL(q.direction);
	ct_calls_query_free(&q);
	CU_ASSERT_EQUAL(ct_stats_query_parse("tz=America/New_York&"
	    "include_test=true&from=2026-03-07", &sq, &bad), CT_OK);
	CU_ASSERT_STRING_EQUAL(sq.tz, "America/New_York");
	CU_ASSERT_EQUAL(sq.include_test, 1);
	CU_ASSERT_STRING_EQUAL(sq.from, "2026-03-07");
	CU_ASSERT_PTR_NULL(sq.to);
	ct_stats_query_free(&sq);
	/* Zones: a TZif file of the database, not a directory, not a text
	 * file beside the zones, not a path out of it. */
	CU_ASSERT_EQUAL(ct_query_timezone("UTC"), 1);
	CU_ASSERT_EQUAL(ct_query_timezone("Europe/Berlin"), 1);
	CU_ASSERT_EQUAL(ct_query_timezone("America"), 0);
	CU_ASSERT_EQUAL(ct_query_timezone("leapseconds"), 0);
	CU_ASSERT_EQUAL(ct_query_timezone("Mars/Olympus"), 0);
	CU_ASSERT_EQUAL(ct_query_timezone("../../etc/passwd"), 0);
	CU_ASSERT_EQUAL(ct_query_timezone(""), 0);
	CU_ASSERT_EQUAL(ct_query_timezone(NULL), 0);
}

int
suite_query(void)
{
	static const struct test_case t[] = {
		{ "search words and digits, escaped, within bounds",
		    test_query_search_bounds },
		{ "a search's number read in the org's country",
		    test_query_search_country },
		{ "values, defaults and the first bad one named",
		    test_query_values },
		{ "range bounds are days and times of the calendar",
		    test_query_calendar },
		{ "a cursor's value has its sort's shape",
		    test_query_cursor_shapes },
		{ "every parameter is a row with a validator",
		    test_query_tables },
		{ NULL, NULL } };
	return add_suite("query", t);
}
