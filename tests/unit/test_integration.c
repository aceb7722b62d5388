/*
 * test_integration.c: integration slugs and provider names, and, against
 * the database, the lookup a webhook starts with: every field filled, the
 * org's booking tools parsed from their text[] form, unknown and disabled
 * integrations, the per-worker cache within its TTL, a refresh after a
 * rotation, and the copy kept for when the database is away.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/db.h"
#include "ingest/integration.h"
#include "suites.h"

/* ---- pure ---- */

static void
test_integration_id_valid(void)
{
	char max[CT_INTEGRATION_ID_MAX + 2];
	static const struct { const char *id; int want; } t[] = {
		{ "vapi-test", 1 },
		{ "Retell_1", 1 },
		{ "a", 1 },
		{ "0-_", 1 },
		{ "", 0 },
		{ "has space", 0 },
		{ "dot.dot", 0 },
		{ "../etc", 0 },
		{ "slash/x", 0 },
		{ "quote'", 0 },
		{ "percent%20", 0 },
		{ "caf\xc3\xa9", 0 },
		{ "new\nline", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CU_ASSERT_EQUAL(ct_integration_id_valid(t[i].id), t[i].want);
	CU_ASSERT_EQUAL(ct_integration_id_valid(NULL), 0);
	/* Up to 64 characters. */
	memset(max, 'x', sizeof(max));
	max[CT_INTEGRATION_ID_MAX] = '\0';
	CU_ASSERT_EQUAL(ct_integration_id_valid(max), 1);
	max[CT_INTEGRATION_ID_MAX] = 'x';
	max[CT_INTEGRATION_ID_MAX + 1] = '\0';
	CU_ASSERT_EQUAL(ct_integration_id_valid(max), 0);
}

static void
test_provider_name(void)
{
	ASSERT_STR_EQ(ct_provider_name(CT_PROVIDER_VAPI), "vapi");
	ASSERT_STR_EQ(ct_provider_name(CT_PROVIDER_RETELL), "retell");
	ASSERT_STR_EQ(ct_provider_name(CT_PROVIDER_TWILIO), "twilio");
	ASSERT_STR_EQ(ct_provider_name((enum ct_provider)42), "unknown");
}

/* An invalid slug is refused before any database is asked: this runs
 * without one. */
static void
test_integration_get_invalid_slug(void)
{
	static const char *const bad[] = { "", "no such/one", "x'; --",
	    "a\tb" };
	const struct ct_integration *in = (const void *)1;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(ct_integration_get(bad[i], 0, &in),
		    CT_ERR_UNKNOWN_INTEGRATION);
		CU_ASSERT_PTR_NULL(in);
	}
}

int
suite_integration(void)
{
	static const struct test_case t[] = {
		{ "integration slugs", test_integration_id_valid },
		{ "provider names", test_provider_name },
		{ "an invalid slug is unknown without a query",
		    test_integration_get_invalid_slug },
		{ NULL, NULL } };
	return add_suite("integration", t);
}

/* ---- against the database ---- */

static char org[37], many_org[37];
static char vapi_id[CT_INTEGRATION_ID_MAX + 1];
static char twilio_id[CT_INTEGRATION_ID_MAX + 1];
static char hmac_id[CT_INTEGRATION_ID_MAX + 1];
static char many_id[CT_INTEGRATION_ID_MAX + 1];

/* The org's booking tools: text[]'s output quotes the elements with a
 * space, a quote, a comma, a backslash, a brace, the word NULL or nothing
 * at all; a real NULL element is not a tool. */
static const char tools_literal[] = "{book_appointment,\"book a slot\","
    "\"say \\\"hi\\\"\",\"a,b\",\"back\\\\slash\",\"{brace}\",\"NULL\",\"\","
    "NULL}";
static const char *const tools_want[] = { "book_appointment", "book a slot",
    "say \"hi\"", "a,b", "back\\slash", "{brace}", "NULL", "" };

static int
integration_db_init(void)
{
	const char *v[2];
	char many[600];
	size_t i, o;

	if (admin_org_create(org, tools_literal) != 0 ||
	    admin_integration_create(org, "vapi", "vapi-secret-0001",
	    vapi_id) != 0 ||
	    admin_integration_create(org, "twilio", "twilio-token-0001",
	    twilio_id) != 0 ||
	    admin_integration_create(org, "vapi", "vapi-hmac-key-0001",
	    hmac_id) != 0)
		return -1;
	/* The Vapi HMAC scheme's settings, a second secret mid-rotation,
	 * the org's country, zone and threshold. */
	v[0] = hmac_id;
	if (admin_exec("UPDATE integrations SET vapi_auth = 'hmac', "
	    "hmac_algorithm = 'sha512', hmac_encoding = 'base64', "
	    "hmac_prefix = 'sha512=', secret_next = 'vapi-hmac-key-0002' "
	    "WHERE id = $1", 1, v, NULL, 0) != 0)
		return -1;
	v[0] = org;
	if (admin_exec("UPDATE orgs SET default_country = 'GB', timezone = "
	    "'Europe/London', hot_lead_threshold = 55 WHERE id = $1", 1, v,
	    NULL, 0) != 0)
		return -1;
	/* An org with more tools than an integration holds. */
	o = (size_t)snprintf(many, sizeof(many), "{");
	for (i = 0; i < CT_INTEGRATION_MAX_TOOLS + 4; i++)
		o += (size_t)snprintf(many + o, sizeof(many) - o, "%stool_%zu",
		    i ? "," : "", i);
	snprintf(many + o, sizeof(many) - o, "}");
	if (admin_org_create(many_org, many) != 0 ||
	    admin_integration_create(many_org, "retell", "key_retell_0001",
	    many_id) != 0)
		return -1;
	/* Every look below asks the database, unless a test says. */
	config_with_ttl(0);
	return 0;
}

static int
integration_db_clean(void)
{
	return config_reload();
}

static void
test_integration_fields(void)
{
	const struct ct_integration *in = NULL;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(ct_integration_get(vapi_id, 0, &in), CT_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	ASSERT_STR_EQ(in->id, vapi_id);
	ASSERT_STR_EQ(in->org_id, org);
	CU_ASSERT_EQUAL(in->provider, CT_PROVIDER_VAPI);
	ASSERT_STR_EQ(in->secrets.s[0], "vapi-secret-0001");
	CU_ASSERT_PTR_NULL(in->secrets.s[1]);
	CU_ASSERT_PTR_NULL(in->public_url);
	CU_ASSERT_EQUAL(in->vapi_auth, CT_VAPI_SECRET);
	CU_ASSERT_EQUAL(in->disabled, 0);
	CU_ASSERT_EQUAL(in->stale, 0);
	ASSERT_STR_EQ(in->default_country, "GB");
	CU_ASSERT_EQUAL_FATAL(in->n_booking_tools,
	    sizeof(tools_want) / sizeof(tools_want[0]));
	for (i = 0; i < in->n_booking_tools; i++)
		ASSERT_STR_EQ(in->booking_tools[i], tools_want[i]);

	CU_ASSERT_EQUAL_FATAL(ct_integration_get(twilio_id, 0, &in), CT_OK);
	CU_ASSERT_EQUAL(in->provider, CT_PROVIDER_TWILIO);
	ASSERT_STR_EQ(in->public_url,
	    "https://calls.example.com/hooks/twilio/unit");
	ASSERT_STR_EQ(in->secrets.s[0], "twilio-token-0001");

	CU_ASSERT_EQUAL_FATAL(ct_integration_get(hmac_id, 0, &in), CT_OK);
	CU_ASSERT_EQUAL(in->vapi_auth, CT_VAPI_HMAC);
	ASSERT_STR_EQ(in->hmac_signature_header, "x-signature");
	ASSERT_STR_EQ(in->hmac_timestamp_header, "x-timestamp");
	CU_ASSERT_FALSE(in->hmac.body_only);
	CU_ASSERT_FALSE(in->hmac.secret_base64);
	CU_ASSERT_EQUAL(in->hmac.algorithm, CT_SHA512);
	CU_ASSERT_EQUAL(in->hmac.encoding, CT_SIG_BASE64);
	ASSERT_STR_EQ(in->hmac.prefix, "sha512=");
	ASSERT_STR_EQ(in->secrets.s[0], "vapi-hmac-key-0001");
	ASSERT_STR_EQ(in->secrets.s[1], "vapi-hmac-key-0002");
}

static void
test_integration_tools_capped(void)
{
	const struct ct_integration *in = NULL;
	char want[32];
	size_t i;

	CU_ASSERT_EQUAL_FATAL(ct_integration_get(many_id, 0, &in), CT_OK);
	CU_ASSERT_EQUAL(in->provider, CT_PROVIDER_RETELL);
	/* The first CT_INTEGRATION_MAX_TOOLS, in the org's order. */
	CU_ASSERT_EQUAL_FATAL(in->n_booking_tools, CT_INTEGRATION_MAX_TOOLS);
	for (i = 0; i < in->n_booking_tools; i++) {
		snprintf(want, sizeof(want), "tool_%zu", i);
		ASSERT_STR_EQ(in->booking_tools[i], want);
	}
}

static void
test_integration_unknown(void)
{
	const struct ct_integration *in = (const void *)1;
	char id[CT_INTEGRATION_ID_MAX + 1], suf[17];

	unique_suffix(suf);
	snprintf(id, sizeof(id), "unit-none-%s", suf);
	CU_ASSERT_EQUAL(ct_integration_get(id, 0, &in),
	    CT_ERR_UNKNOWN_INTEGRATION);
	CU_ASSERT_PTR_NULL(in);
	CU_ASSERT_EQUAL(ct_integration_get(id, 1, &in),
	    CT_ERR_UNKNOWN_INTEGRATION);
	CU_ASSERT_PTR_NULL(in);
}

static void
test_integration_disabled(void)
{
	const struct ct_integration *in = NULL;
	char id[CT_INTEGRATION_ID_MAX + 1];
	const char *v[1] = { id };

	CU_ASSERT_EQUAL_FATAL(admin_integration_create(org, "retell",
	    "key_retell_disabled", id), 0);
	CU_ASSERT_EQUAL_FATAL(ct_integration_get(id, 0, &in), CT_OK);
	CU_ASSERT_EQUAL(in->disabled, 0);
	CU_ASSERT_EQUAL_FATAL(admin_exec("UPDATE integrations SET disabled_at "
	    "= now() WHERE id = $1", 1, v, NULL, 0), 0);
	/* Returned, with disabled set: the caller answers 404 and keeps
	 * the rejection with the org. */
	CU_ASSERT_EQUAL_FATAL(ct_integration_get(id, 1, &in), CT_OK);
	CU_ASSERT_EQUAL(in->disabled, 1);
	ASSERT_STR_EQ(in->org_id, org);
}

/* Within the TTL a worker keeps what it looked up; a refresh (as after a
 * signature failure) sees a rotated secret at once. */
static void
test_integration_cache(void)
{
	const struct ct_integration *in = NULL;
	const char *v[2] = { NULL, vapi_id };

	config_with_ttl(3600);
	CU_ASSERT_EQUAL_FATAL(ct_integration_get(vapi_id, 1, &in), CT_OK);
	ASSERT_STR_EQ(in->secrets.s[0], "vapi-secret-0001");
	v[0] = "vapi-secret-0002";
	CU_ASSERT_EQUAL_FATAL(admin_exec("UPDATE integrations SET secret = $1 "
	    "WHERE id = $2", 2, v, NULL, 0), 0);
	CU_ASSERT_EQUAL_FATAL(ct_integration_get(vapi_id, 0, &in), CT_OK);
	ASSERT_STR_EQ(in->secrets.s[0], "vapi-secret-0001");	/* cached */
	CU_ASSERT_EQUAL_FATAL(ct_integration_get(vapi_id, 1, &in), CT_OK);
	ASSERT_STR_EQ(in->secrets.s[0], "vapi-secret-0002");	/* refreshed */
	CU_ASSERT_EQUAL(in->stale, 0);
	/* Another integration in between leaves the first one cached. */
	CU_ASSERT_EQUAL_FATAL(ct_integration_get(twilio_id, 0, &in), CT_OK);
	v[0] = "vapi-secret-0003";
	CU_ASSERT_EQUAL_FATAL(admin_exec("UPDATE integrations SET secret = $1 "
	    "WHERE id = $2", 2, v, NULL, 0), 0);
	CU_ASSERT_EQUAL_FATAL(ct_integration_get(vapi_id, 0, &in), CT_OK);
	ASSERT_STR_EQ(in->secrets.s[0], "vapi-secret-0002");
	/* A TTL of 0: every look asks the database. */
	config_with_ttl(0);
	CU_ASSERT_EQUAL_FATAL(ct_integration_get(vapi_id, 0, &in), CT_OK);
	ASSERT_STR_EQ(in->secrets.s[0], "vapi-secret-0003");
}

/* The database away: a copy looked up earlier still verifies a webhook
 * (marked stale, for the spool); one never looked up is a 503. */
static void
test_integration_stale_copy(void)
{
	const struct ct_integration *in = NULL;
	char id[CT_INTEGRATION_ID_MAX + 1], suf[17];
	struct capture c;
	enum ct_err err;
	size_t len;

	CU_ASSERT_EQUAL_FATAL(ct_integration_get(twilio_id, 1, &in), CT_OK);
	CU_ASSERT_EQUAL(in->stale, 0);
	config_with_db("host=/nonexistent/calltrack-unit dbname=calltrack");
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	err = ct_integration_get(twilio_id, 1, &in);
	free(capture_end(&c, &len));
	CU_ASSERT_EQUAL(err, CT_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT_EQUAL(in->stale, 1);
	ASSERT_STR_EQ(in->secrets.s[0], "twilio-token-0001");
	ASSERT_STR_EQ(in->org_id, org);
	unique_suffix(suf);
	snprintf(id, sizeof(id), "unit-never-%s", suf);
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	err = ct_integration_get(id, 0, &in);
	free(capture_end(&c, &len));
	CU_ASSERT_EQUAL(err, CT_ERR_DB_UNAVAILABLE);
	CU_ASSERT_PTR_NULL(in);
	/* Back: a fresh look, no longer stale. */
	CU_ASSERT_EQUAL_FATAL(config_reload(), 0);
	config_with_ttl(0);
	ct_db_close();
	CU_ASSERT_EQUAL_FATAL(ct_integration_get(twilio_id, 0, &in), CT_OK);
	CU_ASSERT_EQUAL(in->stale, 0);
}

int
suite_integration_db(void)
{
	static const struct test_case t[] = {
		{ "lookup fills every field", test_integration_fields },
		{ "booking tools capped", test_integration_tools_capped },
		{ "unknown integration", test_integration_unknown },
		{ "disabled integration", test_integration_disabled },
		{ "cache within the TTL, refresh after rotation",
		    test_integration_cache },
		{ "stale copy while the database is away",
		    test_integration_stale_copy },
		{ NULL, NULL } };
	return add_suite_with("integration-db", integration_db_init,
	    integration_db_clean, t);
}
