/*
 * test_parse.c: form, JSON, phone numbers, webhook slugs and tokens.
 */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "crypto.h"
#include "form.h"
#include "hook.h"
#include "json.h"
#include "phone.h"
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

/* ---- phone ---- */

static void
test_phone_table(void)
{
	static const struct { const char *raw, *cc, *want; } t[] = {
		/* The fixtures' rules (default country US). */
		{ "+14155550123", "US", "+14155550123" },
		{ "(415) 555-0123", "US", "+14155550123" },
		{ "415.555.0123", "US", "+14155550123" },
		{ "4155550123", "US", "+14155550123" },
		{ "14155550123", "US", "+14155550123" },
		{ "1 (415) 555-0123", "US", "+14155550123" },
		{ "+44 20 7946 0958", "US", "+442079460958" },
		{ "011 44 20 7946 0958", "US", "+442079460958" },
		{ "tel:+14155550123", "US", "+14155550123" },
		{ "Anonymous", "US", NULL },
		{ "client:alice", "US", NULL },
		{ "sip:alice@example.com", "US", NULL },
		{ "", "US", NULL },
		{ "555-0142", "US", NULL },		/* 7 digits */
		{ "0123456789", "US", NULL },		/* area code 0 */
		{ "+0123456789", "US", NULL },
		{ "+1234567", "US", NULL },		/* 7 digits */
		{ "+1234567890123456", "US", NULL },	/* 16 digits */
		{ "+1 415 555 0123 ext 5", "US", NULL },
		{ "++14155550123", "US", NULL },
		/* Other countries' national numbers. */
		{ "020 7946 0958", "GB", "+442079460958" },
		{ "07700 900123", "GB", "+447700900123" },
		{ "0044 20 7946 0958", "GB", "+442079460958" },
		{ "030 123456", "DE", "+4930123456" },
		{ "06 12 34 56 78", "FR", "+33612345678" },
		{ "612 345 678", "ES", "+34612345678" },
		{ "06 1234 5678", "IT", "+390612345678" },
		{ "0412 345 678", "AU", "+61412345678" },
		{ "4155550123", "CA", "+14155550123" },
		{ "4155550123", "XX", NULL },		/* unknown country */
		{ "4155550123", NULL, NULL },
	};
	char out[CT_PHONE_E164_MAX];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum ct_err e = ct_phone_e164(t[i].raw, t[i].cc, out);

		if (t[i].want == NULL) {
			CU_ASSERT_EQUAL(e, CT_ERR_INVALID_PARAMETER);
			CU_ASSERT_STRING_EQUAL(out, "");
		} else {
			CU_ASSERT_EQUAL(e, CT_OK);
			CU_ASSERT_STRING_EQUAL(out, t[i].want);
		}
	}
	CU_ASSERT_EQUAL(ct_phone_e164(NULL, "US", out), CT_ERR_INVALID_PARAMETER);
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

int
suite_json(void)
{
	static const struct test_case t[] = {
		{ "strict parsing table", test_json_strict },
		{ "depth limit and embedded NUL", test_json_depth_and_nul },
		{ "dotted paths", test_json_path },
		{ NULL, NULL } };
	return add_suite("json", t);
}

int
suite_phone(void)
{
	static const struct test_case t[] = {
		{ "E.164 normalization table", test_phone_table },
		{ NULL, NULL } };
	return add_suite("phone", t);
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

#include "query.h"

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

int
suite_query(void)
{
	static const struct test_case t[] = {
		{ "search words and digits, escaped, within bounds",
		    test_query_search_bounds },
		{ NULL, NULL } };
	return add_suite("query", t);
}
