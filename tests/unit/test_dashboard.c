/*
 * test_dashboard.c: the dashboard API's handlers, called as the serve loop
 * calls them (a request of CGI parameters, the response to stdout).  A
 * request without a usable bearer token is refused before any query; with
 * one, against the database, the token names exactly one org: its calls
 * listed, paged, filtered, exported as CSV and counted, another org's never
 * seen, and a bad parameter answered 400 naming it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/auth.h"
#include "core/crypto.h"
#include "read/csv.h"
#include "read/dashboard.h"
#include "ingest/event.h"
#include "read/query.h"
#include "suites.h"
#include "ingest/vapi.h"

typedef enum ct_err (*handler_fn)(struct ct_request *, const void *);

struct answer {
	enum ct_err	 err;		/* what the handler returned */
	char		*raw;		/* what it wrote */
	size_t		 len;
	struct response	 r;
	int		 parsed;
	json_object	*json;		/* the body, when JSON */
	char		 org[37];	/* the request's org, once known */
};

/* Calls handler h for GET path?query with authorization (a whole header
 * value, or NULL for none). */
static void
call(handler_fn h, const char *authorization, const char *path,
    const char *query, struct answer *a)
{
	char auth[256];
	const char *vars[3] = { "REQUEST_METHOD=GET", NULL, NULL };
	struct ct_request req;
	struct capture c;

	memset(a, 0, sizeof(*a));
	if (authorization != NULL) {
		snprintf(auth, sizeof(auth), "HTTP_AUTHORIZATION=%s",
		    authorization);
		vars[1] = auth;
	}
	memset(&req, 0, sizeof(req));
	req.envp = envp_new(vars);
	req.method = CT_METHOD_GET;
	req.method_name = "GET";
	req.allow = CT_METHOD_GET;
	req.path = path;
	req.query = query ? query : "";
	if (req.envp == NULL || capture_start(&c, 1) != 0) {
		CU_FAIL("could not set up the request");
		envp_free(req.envp);
		return;
	}
	a->err = h(&req, NULL);
	fflush(stdout);
	a->raw = capture_end(&c, &a->len);
	snprintf(a->org, sizeof(a->org), "%s", req.org);
	envp_free(req.envp);
	if (a->raw != NULL && a->len > 0 &&
	    response_parse(a->raw, a->len, &a->r) == 0) {
		a->parsed = 1;
		a->json = response_json(&a->r);
	}
}

static void
answer_free(struct answer *a)
{
	json_object_put(a->json);
	free(a->raw);
}

/* Asserts that the handler refused with err and wrote nothing (the loop
 * answers with the error body). */
#define ASSERT_REFUSED(a, want) do {					\
	CU_ASSERT_EQUAL((a).err, (want));				\
	CU_ASSERT_EQUAL((a).len, 0);					\
} while (0)

/* ---- without a database: refused before any query ---- */

static void
test_dashboard_no_token(void)
{
	static const struct { const char *auth; enum ct_err want; } t[] = {
		{ NULL, CT_ERR_MISSING_TOKEN },
		{ "", CT_ERR_MISSING_TOKEN },
		{ "Basic dXNlcjpwYXNz", CT_ERR_MISSING_TOKEN },
		{ "Bearer", CT_ERR_MISSING_TOKEN },
		{ "Bearer ", CT_ERR_MISSING_TOKEN },
		{ "Bearer    ", CT_ERR_MISSING_TOKEN },
		{ "Bearer not-a-token", CT_ERR_BAD_TOKEN },
		{ "Bearer ct_", CT_ERR_BAD_TOKEN },
		{ "Bearer ct_abc'--", CT_ERR_BAD_TOKEN },
		{ "Bearer ct_abc def", CT_ERR_BAD_TOKEN },
		{ "bearer xx_abcdef", CT_ERR_BAD_TOKEN },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct answer a;

		call(ct_dashboard_calls, t[i].auth, "/api/calls", "", &a);
		ASSERT_REFUSED(a, t[i].want);
		ASSERT_STR_EQ(a.org, "");
		answer_free(&a);
		call(ct_dashboard_stats, t[i].auth, "/api/stats", "", &a);
		ASSERT_REFUSED(a, t[i].want);
		answer_free(&a);
	}
}

int
suite_dashboard(void)
{
	static const struct test_case t[] = {
		{ "no usable token, no query", test_dashboard_no_token },
		{ NULL, NULL } };
	return add_suite("dashboard", t);
}

/* ---- against the database ---- */

static char org_a[37], org_b[37];
static char token_a[48], token_b[48], token_revoked[48];
static char bearer_a[64], bearer_b[64];
/* Org A's three calls (completed, no answer, busy) and org B's one. */
static char call_a[3][37], call_b[37];

static const char *const fixtures_a[3] = {
	"vapi/inbound-completed.6.end-of-call-report.json",
	"vapi/outbound-no-answer.4.end-of-call-report.json",
	"vapi/outbound-busy.2.end-of-call-report.json",
};

/* Applies a Vapi fixture to integration id as vapi-hook would. */
static int
apply_fixture(const char *id, const char *rel, char call_id[37])
{
	const struct ct_integration *in;
	struct ct_call_event ev;
	struct ct_map_ctx ctx;
	struct ct_delivery d = { NULL, 0, "application/json", "", "unit" };
	char outcome[16], *body;
	int rc = -1;

	if (ct_integration_get(id, 1, &in) != CT_OK)
		return -1;
	ctx.country = in->default_country;
	ctx.booking_tools = (const char *const *)in->booking_tools;
	ctx.n_booking_tools = in->n_booking_tools;
	ct_call_event_init(&ev);
	if ((body = fixture_read(rel, &d.body_len)) != NULL) {
		d.body = body;
		if (ct_vapi_map(d.body, d.body_len, &ctx, &ev) == CT_OK &&
		    ct_event_apply(&d, in, &ev, outcome, call_id, NULL, 0) == CT_OK &&
		    strcmp(outcome, "applied") == 0)
			rc = 0;
	}
	ct_call_event_free(&ev);
	free(body);
	return rc;
}

/* Back to the webhooks' role for the suites after this one. */
static int
dashboard_db_done(void)
{
	config_with_db(getenv("CALLTRACK_DB"));
	return 0;
}

static int
dashboard_db_init(void)
{
	char vapi_a[CT_INTEGRATION_ID_MAX + 1], vapi_b[CT_INTEGRATION_ID_MAX + 1];
	const char *v[1], *dsn;
	char hash[65];
	size_t i;

	if (admin_org_create(org_a, NULL) != 0 ||
	    admin_org_create(org_b, NULL) != 0 ||
	    admin_token_create(org_a, token_a) != 0 ||
	    admin_token_create(org_b, token_b) != 0 ||
	    admin_token_create(org_a, token_revoked) != 0 ||
	    admin_integration_create(org_a, "vapi", "vapi-secret-dash-a",
	    vapi_a) != 0 ||
	    admin_integration_create(org_b, "vapi", "vapi-secret-dash-b",
	    vapi_b) != 0)
		return -1;
	ct_crypto_sha256_hex(token_revoked, strlen(token_revoked), hash);
	v[0] = hash;
	if (admin_exec("UPDATE api_tokens SET revoked_at = now() WHERE "
	    "token_hash = $1", 1, v, NULL, 0) != 0)
		return -1;
	snprintf(bearer_a, sizeof(bearer_a), "Bearer %s", token_a);
	snprintf(bearer_b, sizeof(bearer_b), "Bearer %s", token_b);
	for (i = 0; i < 3; i++)
		if (apply_fixture(vapi_a, fixtures_a[i], call_a[i]) != 0)
			return -1;
	/* The same provider call id in another org: another call. */
	if (apply_fixture(vapi_b, fixtures_a[0], call_b) != 0)
		return -1;
	/* The handlers read as the dashboard programs do: their role reads
	 * what the dashboard shows and cannot write what setup wrote. */
	if ((dsn = getenv("CALLTRACK_TEST_DASHBOARD_DB")) == NULL) {
		fprintf(stderr, "unit-db: CALLTRACK_TEST_DASHBOARD_DB is not set\n");
		return -1;
	}
	config_with_db(dsn);
	return 0;
}

/* 1 when s is one of org A's call ids. */
static int
is_call_of_a(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < 3; i++)
		if (strcmp(s, call_a[i]) == 0)
			return 1;
	return 0;
}

static void
test_dashboard_tokens(void)
{
	char unknown[48], hash[65], bearer[64];
	struct answer a;

	CU_ASSERT_EQUAL_FATAL(ct_auth_token_new(unknown, hash), CT_OK);
	snprintf(bearer, sizeof(bearer), "Bearer %s", unknown);
	call(ct_dashboard_calls, bearer, "/api/calls", "", &a);
	ASSERT_REFUSED(a, CT_ERR_BAD_TOKEN);
	answer_free(&a);
	/* A token that was revoked, from the first request after. */
	CU_ASSERT_STRING_NOT_EQUAL(token_revoked, token_a);
	snprintf(bearer, sizeof(bearer), "Bearer %s", token_revoked);
	call(ct_dashboard_stats, bearer, "/api/stats", "", &a);
	ASSERT_REFUSED(a, CT_ERR_BAD_TOKEN);
	answer_free(&a);
	/* The scheme in any case; the org is the token's. */
	snprintf(bearer, sizeof(bearer), "bEaReR %s", token_a);
	call(ct_dashboard_calls, bearer, "/api/calls", "", &a);
	CU_ASSERT_EQUAL(a.err, CT_OK);
	CU_ASSERT_EQUAL(a.r.status, 200);
	ASSERT_STR_EQ(a.org, org_a);
	answer_free(&a);
}

static void
test_dashboard_list(void)
{
	struct answer a;
	json_object *calls;
	size_t i, n;

	call(ct_dashboard_calls, bearer_a, "/api/calls", "", &a);
	CU_ASSERT_EQUAL_FATAL(a.err, CT_OK);
	CU_ASSERT_EQUAL(a.r.status, 200);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a.json);
	CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(a.json, "calls", &calls));
	n = json_object_array_length(calls);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(a.json,
	    "total")), 3);
	CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(a.json,
	    "limit")), CT_QUERY_LIMIT_DEFAULT);
	CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(a.json,
	    "page")), 1);
	CU_ASSERT_PTR_NULL(json_object_object_get(a.json, "next_cursor"));
	for (i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(calls, i);

		CU_ASSERT_TRUE(is_call_of_a(json_str(c, "id", NULL)));
		ASSERT_STR_EQ(json_str(c, "provider", NULL), "vapi");
	}
	answer_free(&a);

	/* Org B sees its own one call, never A's. */
	call(ct_dashboard_calls, bearer_b, "/api/calls", "", &a);
	CU_ASSERT_EQUAL_FATAL(a.err, CT_OK);
	CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(a.json, "calls", &calls));
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(calls), 1);
	ASSERT_STR_EQ(json_str(json_object_array_get_idx(calls, 0), "id",
	    NULL), call_b);
	answer_free(&a);

	/* A filter: the busy call alone. */
	call(ct_dashboard_calls, bearer_a, "/api/calls", "status=busy", &a);
	CU_ASSERT_EQUAL_FATAL(a.err, CT_OK);
	CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(a.json,
	    "total")), 1);
	CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(a.json, "calls", &calls));
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(calls), 1);
	ASSERT_STR_EQ(json_str(json_object_array_get_idx(calls, 0), "id",
	    NULL), call_a[2]);
	ASSERT_STR_EQ(json_str(json_object_array_get_idx(calls, 0), "status",
	    NULL), "busy");
	answer_free(&a);

	/* A search says whether its count was capped. */
	call(ct_dashboard_calls, bearer_a, "/api/calls", "q=Maria", &a);
	CU_ASSERT_EQUAL_FATAL(a.err, CT_OK);
	CU_ASSERT_PTR_NOT_NULL(json_object_object_get(a.json, "total_capped"));
	CU_ASSERT_FALSE(json_object_get_boolean(json_object_object_get(a.json,
	    "total_capped")));
	CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(a.json,
	    "total")), 1);
	answer_free(&a);
}

/* Keyset pages: every call once, none twice, then no next cursor. */
static void
test_dashboard_cursor(void)
{
	char query[512], seen[3][37];
	const char *next;
	struct answer a;
	json_object *calls;
	size_t i, n = 0, pages = 0;

	snprintf(query, sizeof(query), "limit=2");
	for (;;) {
		call(ct_dashboard_calls, bearer_a, "/api/calls", query, &a);
		CU_ASSERT_EQUAL_FATAL(a.err, CT_OK);
		CU_ASSERT_EQUAL_FATAL(a.r.status, 200);
		CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(a.json, "calls",
		    &calls));
		pages++;
		for (i = 0; i < json_object_array_length(calls) && n < 3; i++)
			snprintf(seen[n++], sizeof(seen[0]), "%s",
			    json_str(json_object_array_get_idx(calls, i), "id",
			    NULL));
		next = json_str(a.json, "next_cursor", NULL);
		if (next == NULL || pages > 3) {
			answer_free(&a);
			break;
		}
		snprintf(query, sizeof(query), "limit=2&cursor=%s", next);
		answer_free(&a);
	}
	CU_ASSERT_EQUAL(pages, 2);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	for (i = 0; i < 3; i++)
		CU_ASSERT_TRUE(is_call_of_a(seen[i]));
	CU_ASSERT_STRING_NOT_EQUAL(seen[0], seen[1]);
	CU_ASSERT_STRING_NOT_EQUAL(seen[0], seen[2]);
	CU_ASSERT_STRING_NOT_EQUAL(seen[1], seen[2]);
}

/* A bad parameter is a 400 that names it; nothing else is sent. */
static void
test_dashboard_bad_parameters(void)
{
	static const struct {
		handler_fn	 h;
		const char	*path, *query, *param;
	} t[] = {
		{ ct_dashboard_calls, "/api/calls", "limit=0", "limit" },
		{ ct_dashboard_calls, "/api/calls", "limit=101", "limit" },
		{ ct_dashboard_calls, "/api/calls", "limit=1e1", "limit" },
		{ ct_dashboard_calls, "/api/calls", "sort=name", "sort" },
		{ ct_dashboard_calls, "/api/calls", "status=lost", "status" },
		{ ct_dashboard_calls, "/api/calls", "page=2&cursor=abc", "cursor" },
		{ ct_dashboard_calls, "/api/calls", "format=xml", "format" },
		/* Reversed in the org's zone: found by the database. */
		{ ct_dashboard_calls, "/api/calls",
		    "from=2026-02-01&to=2026-01-01", "from" },
		{ ct_dashboard_calls, "/api/calls",
		    "format=csv&from=2026-02-01&to=2026-01-01", "from" },
		{ ct_dashboard_stats, "/api/stats", "tz=Mars/Olympus_Mons", "tz" },
		{ ct_dashboard_stats, "/api/stats", "from=yesterday", "from" },
		{ ct_dashboard_stats, "/api/stats",
		    "from=2026-02-01&to=2026-01-01", "from" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct answer a;

		call(t[i].h, bearer_a, t[i].path, t[i].query, &a);
		CU_ASSERT_EQUAL(a.err, CT_OK);
		CU_ASSERT_TRUE_FATAL(a.parsed);
		CU_ASSERT_EQUAL(a.r.status, 400);
		ASSERT_STR_EQ(json_str(a.json, "error", "code"),
		    "invalid_parameter");
		ASSERT_STR_EQ(json_str(a.json, "error", "parameter"),
		    t[i].param);
		if (a.r.status != 400 || json_str(a.json, "error", "parameter")
		    == NULL || strcmp(json_str(a.json, "error", "parameter"),
		    t[i].param) != 0)
			fprintf(stderr, "dashboard case %s?%s: %.*s\n",
			    t[i].path, t[i].query, (int)a.len,
			    a.raw ? a.raw : "");
		answer_free(&a);
	}
}

static void
test_dashboard_detail(void)
{
	char path[96];
	struct answer a;
	json_object *events;

	snprintf(path, sizeof(path), "/api/calls/%s", call_a[0]);
	call(ct_dashboard_calls, bearer_a, path, "", &a);
	CU_ASSERT_EQUAL_FATAL(a.err, CT_OK);
	CU_ASSERT_EQUAL(a.r.status, 200);
	ASSERT_STR_EQ(json_str(a.json, "id", NULL), call_a[0]);
	ASSERT_STR_EQ(json_str(a.json, "status", NULL), "completed");
	CU_ASSERT_PTR_NOT_NULL(json_str(a.json, "transcript", NULL));
	CU_ASSERT_TRUE(json_object_object_get_ex(a.json, "events", &events));
	CU_ASSERT_EQUAL(json_object_array_length(events), 1);
	answer_free(&a);

	/* Another org's call is not found, like one that does not exist. */
	snprintf(path, sizeof(path), "/api/calls/%s", call_b);
	call(ct_dashboard_calls, bearer_a, path, "", &a);
	ASSERT_REFUSED(a, CT_ERR_NOT_FOUND);
	answer_free(&a);
	call(ct_dashboard_calls, bearer_a,
	    "/api/calls/00000000-0000-4000-8000-000000000000", "", &a);
	ASSERT_REFUSED(a, CT_ERR_NOT_FOUND);
	answer_free(&a);
	call(ct_dashboard_calls, bearer_a, "/api/calls/not-a-uuid", "", &a);
	ASSERT_REFUSED(a, CT_ERR_NOT_FOUND);
	answer_free(&a);
	call(ct_dashboard_calls, bearer_a, "/api/calls/x'; --", "", &a);
	ASSERT_REFUSED(a, CT_ERR_NOT_FOUND);
	answer_free(&a);
	call(ct_dashboard_calls, bearer_a, "/api/callsx", "", &a);
	ASSERT_REFUSED(a, CT_ERR_NOT_FOUND);
	answer_free(&a);
}

static void
test_dashboard_csv(void)
{
	struct answer a;
	char val[128], *line, *save = NULL;
	size_t rows = 0, i;
	int own = 0;

	call(ct_dashboard_calls, bearer_a, "/api/calls", "format=csv", &a);
	CU_ASSERT_EQUAL_FATAL(a.err, CT_OK);
	CU_ASSERT_TRUE_FATAL(a.parsed);
	CU_ASSERT_EQUAL(a.r.status, 200);
	CU_ASSERT_TRUE(response_header(&a.r, "Content-Type", val, sizeof(val)));
	ASSERT_STR_EQ(val, "text/csv; charset=utf-8");
	CU_ASSERT_TRUE(response_header(&a.r, "X-Row-Cap", val, sizeof(val)));
	snprintf(val + 64, 64, "%d", CT_QUERY_CSV_CAP);
	ASSERT_STR_EQ(val, val + 64);
	CU_ASSERT_TRUE(response_header(&a.r, "Content-Disposition", val,
	    sizeof(val)));
	CU_ASSERT_PTR_NOT_NULL(strstr(val, "attachment"));
	/* The header line, then one line per call of A, none of B. */
	CU_ASSERT_EQUAL(strncmp(a.r.body, "id,call_at,provider,", 20), 0);
	CU_ASSERT_PTR_NULL(strstr(a.r.body, call_b));
	for (line = strtok_r((char *)a.r.body, "\r\n", &save); line != NULL;
	    line = strtok_r(NULL, "\r\n", &save)) {
		rows++;
		for (i = 0; i < 3; i++)
			if (strncmp(line, call_a[i], 36) == 0)
				own++;
	}
	CU_ASSERT_EQUAL(rows, 4);
	CU_ASSERT_EQUAL(own, 3);
	answer_free(&a);
}

/*
 * The export's cells are made in C (ct_csv_cell); the database's ct_csv
 * is the rule they keep (tests/sql/07_csv_cells.sql).  Both over the same
 * 3,000 strings of the bytes that matter: formula starts, numbers,
 * quotes, commas, line ends, a multi-byte letter.
 */
static void
test_dashboard_csv_cells(void)
{
	static const char *const piece[] = { "=", "+", "-", "@", "\t", "\r",
	    "\n", "\"", ",", "0", "7", ".", "a", " ", "\xc3\xa9", "'" };
	unsigned seed = 12345;
	char in[64], want[160], got[160];
	const char *v[1] = { in };
	int i, k, n, same = 0;

	for (i = 0; i < 3000; i++) {
		in[0] = '\0';
		for (n = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 9,
		    k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			strcat(in, piece[(seed >> 16) % 16]);
		}
		if (admin_exec("SELECT ct_csv($1)", 1, v, want, sizeof(want)) !=
		    0)
			break;
		CU_ASSERT_EQUAL(ct_csv_cell(in, got, sizeof(got)),
		    strlen(want));
		same += strcmp(got, want) == 0;
	}
	CU_ASSERT_EQUAL(same, 3000);
}

static void
test_dashboard_stats(void)
{
	struct answer a;
	json_object *by;

	call(ct_dashboard_stats, bearer_a, "/api/stats",
	    "from=2026-01-01&to=2026-02-01", &a);
	CU_ASSERT_EQUAL_FATAL(a.err, CT_OK);
	CU_ASSERT_EQUAL(a.r.status, 200);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a.json);
	CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(a.json,
	    "total_calls")), 3);
	CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(a.json,
	    "answered_calls")), 1);
	CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(a.json, "by_status", &by));
	CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(by,
	    "completed")), 1);
	CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(by,
	    "busy")), 1);
	CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(by,
	    "no-answer")), 1);
	ASSERT_STR_EQ(json_str(a.json, "range", "tz"), "UTC");
	answer_free(&a);

	/* The other org counts its own one call; a range without calls
	 * counts none. */
	call(ct_dashboard_stats, bearer_b, "/api/stats",
	    "from=2026-01-01&to=2026-02-01&tz=America/New_York", &a);
	CU_ASSERT_EQUAL_FATAL(a.err, CT_OK);
	CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(a.json,
	    "total_calls")), 1);
	ASSERT_STR_EQ(json_str(a.json, "range", "tz"), "America/New_York");
	answer_free(&a);
	call(ct_dashboard_stats, bearer_a, "/api/stats",
	    "from=2025-01-01&to=2025-02-01", &a);
	CU_ASSERT_EQUAL_FATAL(a.err, CT_OK);
	CU_ASSERT_EQUAL(json_object_get_int(json_object_object_get(a.json,
	    "total_calls")), 0);
	answer_free(&a);
}

/* The database away: the handler says so, for the loop's 503. */
static void
test_dashboard_db_unavailable(void)
{
	struct answer a;
	struct capture c;
	size_t len;

	config_with_db("host=/nonexistent/calltrack-unit dbname=calltrack");
	CU_ASSERT_EQUAL(capture_start(&c, 2), 0);
	call(ct_dashboard_calls, bearer_a, "/api/calls", "", &a);
	free(capture_end(&c, &len));
	ASSERT_REFUSED(a, CT_ERR_DB_UNAVAILABLE);
	answer_free(&a);
	CU_ASSERT_EQUAL(config_reload(), 0);
}

int
suite_dashboard_db(void)
{
	static const struct test_case t[] = {
		{ "a token names one org", test_dashboard_tokens },
		{ "the list shows the org's calls only", test_dashboard_list },
		{ "keyset pages", test_dashboard_cursor },
		{ "a bad parameter is named", test_dashboard_bad_parameters },
		{ "a call's detail, not another org's", test_dashboard_detail },
		{ "CSV export", test_dashboard_csv },
		{ "CSV cells as the database's rule makes them",
		    test_dashboard_csv_cells },
		{ "stats", test_dashboard_stats },
		{ "the database away", test_dashboard_db_unavailable },
		{ NULL, NULL } };
	return add_suite_with("dashboard-db", dashboard_db_init, dashboard_db_done, t);
}
