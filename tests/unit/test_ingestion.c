/*
 * test_ingestion.c: the parameters of GET /api/ingest and its deliveries
 * list, delivery ids and the deliveries' cursor (query.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/query.h"
#include "suites.h"

#define BADP CT_ERR_INVALID_PARAMETER

static void
test_delivery_ids(void)
{
	static const struct {
		const char	*s;
		int		 ok;
		char		 kind;
		const char	*id;
	} cases[] = {
		{ "e1", 1, 'e', "1" },
		{ "d42", 1, 'd', "42" },
		{ "r9223372036854775807", 1, 'r', "9223372036854775807" },
		{ "e", 0, 0, NULL },
		{ "e-1", 0, 0, NULL },
		{ "e+1", 0, 0, NULL },
		{ "e0", 0, 0, NULL },
		{ "e01", 0, 0, NULL },
		{ "r99999999999999999999", 0, 0, NULL },
		{ "r9223372036854775808", 0, 0, NULL },
		{ "x1", 0, 0, NULL },
		{ "E1", 0, 0, NULL },
		{ "e1 ", 0, 0, NULL },
		{ " e1", 0, 0, NULL },
		{ "e1x", 0, 0, NULL },
		{ "e1/replay", 0, 0, NULL },
		{ "", 0, 0, NULL },
	};
	char kind, id[24];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kind = 0;
		CU_ASSERT_EQUAL(ct_query_delivery_id(cases[i].s, &kind, id),
		    cases[i].ok);
		if (cases[i].ok) {
			CU_ASSERT_EQUAL(kind, cases[i].kind);
			ASSERT_STR_EQ(id, cases[i].id);
		}
	}
	CU_ASSERT_FALSE(ct_query_delivery_id(NULL, &kind, id));
	/* A NUL ends the string: what follows it is no part of an id, and
	 * the id before it is read as it is (the path never holds one). */
	CU_ASSERT_FALSE(ct_query_delivery_id("e\0" "1", &kind, id));
}

static void
test_deliveries_query(void)
{
	static const struct {
		const char	*query;
		enum ct_err	 err;
		const char	*bad;
	} cases[] = {
		{ "", CT_OK, NULL },
		{ "integration=acme-vapi&outcome=parked&limit=100", CT_OK, NULL },
		{ "call_id=00000000-0000-0000-0000-0000000000a1", CT_OK, NULL },
		{ "outcome=rejected", CT_OK, NULL },
		{ "outcome=nope", BADP, "outcome" },
		{ "outcome=", BADP, "outcome" },
		{ "outcome=Parked", BADP, "outcome" },
		{ "integration=a%2Fb", BADP, "integration" },
		{ "integration=", BADP, "integration" },
		{ "integration=%00", BADP, "integration" },
		{ "call_id=42", BADP, "call_id" },
		{ "limit=0", BADP, "limit" },
		{ "limit=101", BADP, "limit" },
		{ "limit=99999999999999999999", BADP, "limit" },
		{ "cursor=bm90LWEtY3Vyc29y", BADP, "cursor" },
		{ "cursor=%00", BADP, "cursor" },
		{ "cursor=!", BADP, "cursor" },
	};
	struct ct_ingest_deliveries_query q;
	const char *bad;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bad = NULL;
		CU_ASSERT_EQUAL(ct_ingest_deliveries_query_parse(cases[i].query, &q,
		    &bad), cases[i].err);
		if (cases[i].bad != NULL)
			ASSERT_STR_EQ(bad, cases[i].bad);
		ct_ingest_deliveries_query_free(&q);
	}
	CU_ASSERT_EQUAL_FATAL(ct_ingest_deliveries_query_parse(
	    "integration=acme-vapi&outcome=parked", &q, &bad), CT_OK);
	ASSERT_STR_EQ(q.integration, "acme-vapi");
	ASSERT_STR_EQ(q.outcome, "parked");
	CU_ASSERT_PTR_NULL(q.call_id);
	CU_ASSERT_EQUAL(q.limit, CT_QUERY_LIMIT_DEFAULT);
	ASSERT_STR_EQ(q.after_at, "");
	ct_ingest_deliveries_query_free(&q);
}

/* A cursor made of a page's "next" reads back as the same place. */
static void
test_deliveries_cursor(void)
{
	static const char *const bad_next[] = { "", "x", "2026-03-01T10:00:00.123456Z|e|",
	    "2026-03-01T10:00:00.123456Z|x|1", "2026-03-01T10:00:00.123456Z|e|0",
	    "2026-03-01T10:00:00.123456Z|ee|1", "2026-03-01T10:00:00Z|e|1",
	    "2026-02-30T10:00:00.123456Z|e|1", "2026-03-01T10:00:00.123456Z|e|-1",
	    "2026-03-01T10:00:00.123456Z|r|99999999999999999999", NULL };
	struct ct_ingest_deliveries_query q;
	char query[400], *cur;
	const char *bad;
	size_t i;

	cur = ct_query_delivery_cursor("2026-03-01T10:00:00.123456Z|d|42");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cur);
	snprintf(query, sizeof(query), "limit=5&cursor=%s", cur);
	free(cur);
	CU_ASSERT_EQUAL_FATAL(ct_ingest_deliveries_query_parse(query, &q, &bad), CT_OK);
	ASSERT_STR_EQ(q.after_at, "2026-03-01T10:00:00.123456Z");
	ASSERT_STR_EQ(q.after_kind, "d");
	ASSERT_STR_EQ(q.after_id, "42");
	CU_ASSERT_EQUAL(q.limit, 5);
	ct_ingest_deliveries_query_free(&q);
	for (i = 0; bad_next[i] != NULL; i++)
		CU_ASSERT_PTR_NULL(ct_query_delivery_cursor(bad_next[i]));
	CU_ASSERT_PTR_NULL(ct_query_delivery_cursor(NULL));
	/* A calls cursor is no deliveries cursor. */
	cur = ct_query_cursor("started_at", 1, "2026-03-01T10:00:00.123456Z",
	    "00000000-0000-0000-0000-0000000000a1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cur);
	snprintf(query, sizeof(query), "cursor=%s", cur);
	free(cur);
	CU_ASSERT_EQUAL(ct_ingest_deliveries_query_parse(query, &q, &bad), BADP);
	ct_ingest_deliveries_query_free(&q);
}

static void
test_ingest_query(void)
{
	static const struct {
		const char	*query;
		enum ct_err	 err;
		const char	*bad;
	} cases[] = {
		{ "", CT_OK, NULL },
		{ "from=2026-03-01", CT_OK, NULL },
		{ "from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z", CT_OK, NULL },
		{ "from=2025-03-01&to=2026-03-01", CT_OK, NULL },
		{ "from=2026-02-30", BADP, "from" },
		{ "to=yesterday", BADP, "to" },
		{ "from=2026-03-02&to=2026-03-01", BADP, "from" },
		{ "from=2026-03-01&to=2026-03-01", BADP, "from" },
		/* A year and a day at most. */
		{ "from=2024-03-01&to=2025-03-03", BADP, "to" },
		{ "from=%00", BADP, "from" },
	};
	struct ct_ingest_query q;
	const char *bad;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bad = NULL;
		CU_ASSERT_EQUAL(ct_ingest_query_parse(cases[i].query, &q, &bad),
		    cases[i].err);
		if (cases[i].bad != NULL)
			ASSERT_STR_EQ(bad, cases[i].bad);
		ct_ingest_query_free(&q);
	}
}

int
suite_ingestion(void)
{
	static const struct test_case t[] = {
		{ "a delivery id is e, d or r and one decimal spelling of a "
		    "positive bigint", test_delivery_ids },
		{ "the deliveries list's parameters, the first bad one named",
		    test_deliveries_query },
		{ "a deliveries cursor reads back as the page's last row",
		    test_deliveries_cursor },
		{ "the ingestion range is validated as the stats' is, a year "
		    "at most", test_ingest_query },
		{ NULL, NULL } };
	return add_suite("ingestion", t);
}
