/*
 * test_contacts.c: the contacts API's pure parts: a write's body checked
 * field by field (lib/read/contacts.c), the CSV cell the export adds, the
 * display number's contract (lib/ingest/phone.c), and the query
 * parameters of GET /api/contacts and GET /api/alerts (lib/read/query.c).
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/phone.h"
#include "read/contacts.h"
#include "read/csv.h"
#include "read/query.h"
#include "suites.h"

#define BADP CT_ERR_INVALID_PARAMETER
#define PATCH CT_CONTACT_PATCH_FIELDS
#define POST CT_CONTACT_POST_FIELDS

/* One body, the fields it may and must carry, and what parsing it gives:
 * the error, the field named, the fields given. */
struct body_case {
	const char	*body;
	unsigned	 allowed, required;
	enum ct_err	 want;
	const char	*bad;
	unsigned	 given;
};

static void
test_body_table(void)
{
	static const struct body_case t[] = {
		/* What a PATCH may be. */
		{ "{}", PATCH, 0, CT_OK, NULL, 0 },
		{ " { \"name\" : \"Ann Lee\" } \n", PATCH, 0, CT_OK, NULL,
		    CT_CONTACT_NAME },
		{ "{\"name\":null,\"email\":null,\"notes\":null}", PATCH, 0,
		    CT_OK, NULL, CT_CONTACT_NAME | CT_CONTACT_EMAIL |
		    CT_CONTACT_NOTES },
		{ "{\"lead_status\":\"lost\",\"notes\":\"a\\tb\\r\\nc\"}", PATCH,
		    0, CT_OK, NULL, CT_CONTACT_LEAD_STATUS | CT_CONTACT_NOTES },
		{ "{\"name\":\"Zo\\u00eb \\u4e2d\\u6751\"}", PATCH, 0, CT_OK,
		    NULL, CT_CONTACT_NAME },
		{ "{\"email\":\"a.b+c@mail.example.co.uk\"}", PATCH, 0, CT_OK,
		    NULL, CT_CONTACT_EMAIL },
		{ "{\"email\":\"zoe@\\u4f8b\\u3048.jp\"}", PATCH, 0, CT_OK, NULL,
		    CT_CONTACT_EMAIL },
		/* Placeholders are the database's to refuse: a string of
		 * the right shape passes here. */
		{ "{\"name\":\"Unknown Caller\"}", PATCH, 0, CT_OK, NULL,
		    CT_CONTACT_NAME },
		/* Not one JSON object. */
		{ "", PATCH, 0, BADP, "body", 0 },
		{ "[]", PATCH, 0, BADP, "body", 0 },
		{ "null", PATCH, 0, BADP, "body", 0 },
		{ "\"name\"", PATCH, 0, BADP, "body", 0 },
		{ "{\"name\":\"a\"", PATCH, 0, BADP, "body", 0 },
		{ "{\"name\":\"a\"}x", PATCH, 0, BADP, "body", 0 },
		{ "{\"name\":\"a\"}{}", PATCH, 0, BADP, "body", 0 },
		{ "{'name':'a'}", PATCH, 0, BADP, "body", 0 },
		{ "{\"name\":\"a\xc3\x28\"}", PATCH, 0, BADP, "body", 0 },
		/* Members that are no field of the write, or twice. */
		{ "{\"nmae\":\"a\"}", PATCH, 0, BADP, "nmae", 0 },
		{ "{\"phone\":\"+14155550100\"}", PATCH, 0, BADP, "phone", 0 },
		{ "{\"notes\":\"x\"}", POST, 0, BADP, "notes", 0 },
		{ "{\"a b\":1}", PATCH, 0, BADP, "body", 0 },
		{ "{\"\":1}", PATCH, 0, BADP, "body", 0 },
		{ "{\"name\":\"a\",\"name\":\"b\"}", PATCH, 0, BADP, "name", 0 },
		{ "{\"name\":\"a\",\"na\\u006de\":\"b\"}", PATCH, 0, BADP, "name",
		    0 },
		{ "{\"email\":null,\"lead_status\":\"new\",\"email\":null}", PATCH,
		    0, BADP, "email", 0 },
		/* Wrong types. */
		{ "{\"name\":1}", PATCH, 0, BADP, "name", 0 },
		{ "{\"name\":[\"a\"]}", PATCH, 0, BADP, "name", 0 },
		{ "{\"name\":{\"first\":\"a\"}}", PATCH, 0, BADP, "name", 0 },
		{ "{\"notes\":true}", PATCH, 0, BADP, "notes", 0 },
		{ "{\"lead_status\":null}", PATCH, 0, BADP, "lead_status", 0 },
		{ "{\"phone\":null}", POST, 0, BADP, "phone", 0 },
		{ "{\"phone\":4155550100}", POST, 0, BADP, "phone", 0 },
		/* Names. */
		{ "{\"name\":\"a\\u0000b\"}", PATCH, 0, BADP, "name", 0 },
		{ "{\"name\":\"a\\u0001b\"}", PATCH, 0, BADP, "name", 0 },
		{ "{\"name\":\"a\\nb\"}", PATCH, 0, BADP, "name", 0 },
		{ "{\"name\":\"a\\tb\"}", PATCH, 0, BADP, "name", 0 },
		{ "{\"name\":\"a\\u007fb\"}", PATCH, 0, BADP, "name", 0 },
		{ "{\"name\":\"a\\u0085b\"}", PATCH, 0, BADP, "name", 0 },
		{ "{\"name\":\"a\\u202ab\"}", PATCH, 0, BADP, "name", 0 },
		{ "{\"name\":\"a\\u202eb\"}", PATCH, 0, BADP, "name", 0 },
		{ "{\"name\":\"a\\u2066b\"}", PATCH, 0, BADP, "name", 0 },
		{ "{\"name\":\"a\\u2069b\"}", PATCH, 0, BADP, "name", 0 },
		{ "{\"name\":\"a\\ud800b\"}", PATCH, 0, BADP, "name", 0 },
		{ "{\"name\":\"a\\u200fb\"}", PATCH, 0, CT_OK, NULL,
		    CT_CONTACT_NAME },
		/* Emails. */
		{ "{\"email\":\"\"}", PATCH, 0, BADP, "email", 0 },
		{ "{\"email\":\"ann\"}", PATCH, 0, BADP, "email", 0 },
		{ "{\"email\":\"ann@example\"}", PATCH, 0, BADP, "email", 0 },
		{ "{\"email\":\"@example.com\"}", PATCH, 0, BADP, "email", 0 },
		{ "{\"email\":\"ann@.example.com\"}", PATCH, 0, BADP, "email", 0 },
		{ "{\"email\":\"ann@example.com.\"}", PATCH, 0, BADP, "email", 0 },
		{ "{\"email\":\"ann@example-.com\"}", PATCH, 0, BADP, "email", 0 },
		{ "{\"email\":\".ann@example.com\"}", PATCH, 0, BADP, "email", 0 },
		{ "{\"email\":\"ann.@example.com\"}", PATCH, 0, BADP, "email", 0 },
		{ "{\"email\":\"a..b@example.com\"}", PATCH, 0, BADP, "email", 0 },
		{ "{\"email\":\"a b@example.com\"}", PATCH, 0, BADP, "email", 0 },
		{ "{\"email\":\"a<b>@example.com\"}", PATCH, 0, BADP, "email", 0 },
		{ "{\"email\":\"a@b@example.com\"}", PATCH, 0, BADP, "email", 0 },
		{ "{\"email\":\"a@exa_mple.com\"}", PATCH, 0, BADP, "email", 0 },
		{ "{\"email\":\"a@example.com\\n\"}", PATCH, 0, BADP, "email", 0 },
		/* Statuses and phones. */
		{ "{\"lead_status\":\"hot\"}", PATCH, 0, BADP, "lead_status", 0 },
		{ "{\"lead_status\":\"booked \"}", PATCH, 0, BADP, "lead_status",
		    0 },
		{ "{\"phone\":\"\"}", POST, 0, BADP, "phone", 0 },
		{ "{\"phone\":\"a\\u0000\"}", POST, 0, BADP, "phone", 0 },
		/* What a POST must carry. */
		{ "{\"name\":\"Ann\"}", POST, CT_CONTACT_PHONE, BADP, "phone",
		    0 },
		{ "{\"phone\":\"(415) 555-0100\",\"name\":\"Ann\"}", POST,
		    CT_CONTACT_PHONE, CT_OK, NULL,
		    CT_CONTACT_PHONE | CT_CONTACT_NAME },
		/* No field at all: an acknowledgement's body. */
		{ "{}", 0, 0, CT_OK, NULL, 0 },
		{ "{\"by\":\"x\"}", 0, 0, BADP, "by", 0 },
	};
	struct ct_contact_change c;
	const char *bad;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum ct_err err = ct_contact_change_parse(t[i].body,
		    strlen(t[i].body), t[i].allowed, t[i].required, &c, &bad);

		if (err != t[i].want || (bad == NULL) != (t[i].bad == NULL) ||
		    (bad != NULL && strcmp(bad, t[i].bad) != 0))
			fprintf(stderr, "body %s: %d %s\n", t[i].body, (int)err,
			    bad ? bad : "-");
		CU_ASSERT_EQUAL(err, t[i].want);
		if (t[i].bad == NULL) {
			CU_ASSERT_PTR_NULL(bad);
		} else {
			ASSERT_STR_EQ(bad, t[i].bad);
		}
		if (err == CT_OK)
			CU_ASSERT_EQUAL(c.given, t[i].given);
		ct_contact_change_free(&c);
	}
}

/* A JSON body holding one field of n repetitions of the UTF-8 unit. */
static char *
body_of(const char *field, const char *unit, size_t n, const char *tail)
{
	size_t len = strlen(field) + strlen(unit) * n + strlen(tail) + 16, i;
	char *b = malloc(len), *p;

	if (b == NULL)
		return NULL;
	p = b + snprintf(b, len, "{\"%s\":\"", field);
	for (i = 0; i < n; i++)
		p += snprintf(p, len - (size_t)(p - b), "%s", unit);
	snprintf(p, len - (size_t)(p - b), "%s\"}", tail);
	return b;
}

/* The bounds count characters, not bytes. */
static void
test_body_bounds(void)
{
	static const struct {
		const char	*field, *unit, *tail;
		size_t		 n;
		enum ct_err	 want;
	} t[] = {
		{ "name", "\xc3\xa9", "", CT_CONTACT_NAME_MAX, CT_OK },
		{ "name", "a", "", CT_CONTACT_NAME_MAX + 1, BADP },
		{ "name", "\xf0\x9f\x98\x80", "", CT_CONTACT_NAME_MAX, CT_OK },
		{ "notes", "\xc3\xb1", "", CT_CONTACT_NOTES_MAX, CT_OK },
		{ "notes", "n", "", CT_CONTACT_NOTES_MAX + 1, BADP },
		{ "email", "a", "@example.com", CT_CONTACT_EMAIL_LOCAL_MAX,
		    CT_OK },
		{ "email", "a", "@example.com", CT_CONTACT_EMAIL_LOCAL_MAX + 1,
		    BADP },
		{ "email", "a", "@example.com", 10000, BADP },
		{ "name", "a", "", 10000, BADP },
	};
	struct ct_contact_change c;
	const char *bad;
	size_t i;
	char *b;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(b = body_of(t[i].field, t[i].unit,
		    t[i].n, t[i].tail));
		CU_ASSERT_EQUAL(ct_contact_change_parse(b, strlen(b), PATCH, 0,
		    &c, &bad), t[i].want);
		if (t[i].want != CT_OK)
			ASSERT_STR_EQ(bad, t[i].field);
		ct_contact_change_free(&c);
		free(b);
	}
	/* Many members: too many to tell apart is the body's fault. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(b = body_of("notes", "n\",\"notes\":\"",
	    100, ""));
	CU_ASSERT_EQUAL(ct_contact_change_parse(b, strlen(b), PATCH, 0, &c,
	    &bad), BADP);
	ASSERT_STR_EQ(bad, "body");
	ct_contact_change_free(&c);
	free(b);
}

/* The export's cell, as ct_csv writes one (tests/sql/07_csv_cells.sql). */
static void
test_csv_cell(void)
{
	static const struct {
		const char	*v, *want;
	} t[] = {
		{ NULL, "" }, { "", "" }, { "plain", "plain" },
		{ "+15555550142", "+15555550142" }, { "-3.5", "-3.5" },
		{ "42", "42" }, { "+44 20 7946 0018", "\"'+44 20 7946 0018\"" },
		{ "(555) 555-0142", "(555) 555-0142" },
		{ "=1+1", "\"'=1+1\"" }, { "@SUM(A1)", "\"'@SUM(A1)\"" },
		{ "-", "\"'-\"" }, { "+", "\"'+\"" }, { "\tx", "\"'\tx\"" },
		{ "\rx", "\"'\rx\"" }, { "-1.", "\"'-1.\"" },
		{ "=\"x\"", "\"'=\"\"x\"\"\"" }, { "a,b", "\"a,b\"" },
		{ "a\"b", "\"a\"\"b\"" }, { "a\nb", "\"a\nb\"" },
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL(ct_csv_cell(t[i].v, out, sizeof(out)),
		    strlen(t[i].want));
		ASSERT_STR_EQ(out, t[i].want);
	}
	/* What does not fit is no cell. */
	CU_ASSERT_EQUAL(ct_csv_cell("=1+1", out, 7), 0);
	ASSERT_STR_EQ(out, "");
	CU_ASSERT_EQUAL(ct_csv_cell("=1+1", out, 8), 7);
}

/* The display number's contract, whichever formatting makes it: the
 * number's own digits at its end, only for E.164, and never past out. */
static void
test_phone_display(void)
{
	static const char *const bad[] = { "", "+", "15555550142", "+0123",
	    "+1555555014x", "+12345678901234567", NULL };
	char out[64], digits[64];
	size_t n, i, k;
	const char *const *b;

	n = ct_phone_display("+14155550142", "US", out, sizeof(out));
	CU_ASSERT(n > 0 && n == strlen(out));
	for (i = k = 0; out[i] != '\0'; i++)
		if (out[i] >= '0' && out[i] <= '9')
			digits[k++] = out[i];
	digits[k] = '\0';
	CU_ASSERT(k >= 10 && strcmp(digits + k - 10, "4155550142") == 0);
	CU_ASSERT(ct_phone_display("+442079460018", "US", out, sizeof(out)) > 0);
	for (b = bad; *b != NULL; b++) {
		CU_ASSERT_EQUAL(ct_phone_display(*b, "US", out, sizeof(out)), 0);
		ASSERT_STR_EQ(out, "");
	}
	CU_ASSERT_EQUAL(ct_phone_display(NULL, "US", out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(ct_phone_display("+14155550142", "US", out, 4), 0);
	ASSERT_STR_EQ(out, "");
}

struct query_case {
	const char	*query;
	enum ct_err	 want;
	const char	*bad;
};

static void
test_contacts_query(void)
{
	static const struct query_case t[] = {
		{ "", CT_OK, NULL },
		{ "q=maria+555&lead_status=new,lost&has_name=true", CT_OK, NULL },
		{ "sort=name&order=asc&limit=100&page=3&format=csv", CT_OK, NULL },
		{ "sort=call_count", CT_OK, NULL },
		{ "sort=lead_score", CT_OK, NULL },
		{ "sort=created_at", CT_OK, NULL },
		{ "sort=duration", BADP, "sort" },
		{ "lead_status=hot", BADP, "lead_status" },
		{ "lead_status=new,", BADP, "lead_status" },
		{ "has_name=yes", BADP, "has_name" },
		{ "limit=0", BADP, "limit" },
		{ "limit=101", BADP, "limit" },
		{ "page=0", BADP, "page" },
		{ "format=xml", BADP, "format" },
		{ "order=sideways", BADP, "order" },
		{ "q=1234567890123456", BADP, "q" },
		{ "cursor=x", BADP, "cursor" },
		{ "q=%ZZ", BADP, "q" },
	};
	struct ct_contacts_query q;
	const char *bad;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum ct_err err = ct_contacts_query_parse(t[i].query, &q, &bad);

		if (err != t[i].want)
			fprintf(stderr, "contacts \"%s\": %d %s\n", t[i].query,
			    (int)err, bad ? bad : "-");
		CU_ASSERT_EQUAL(err, t[i].want);
		if (t[i].bad == NULL) {
			CU_ASSERT_PTR_NULL(bad);
		} else {
			ASSERT_STR_EQ(bad, t[i].bad);
		}
		ct_contacts_query_free(&q);
	}
	CU_ASSERT_EQUAL(ct_contacts_query_parse("", &q, &bad), CT_OK);
	ASSERT_STR_EQ(q.sort, "last_contacted_at");
	CU_ASSERT(q.desc == 1 && q.limit == 25 && q.page == 1 && q.has_name == -1);
	ct_contacts_query_free(&q);
	CU_ASSERT_EQUAL(ct_contacts_query_parse("q=(415)+555-0123+ann&has_name=false"
	    "&lead_status=booked,lost", &q, &bad), CT_OK);
	ASSERT_STR_EQ(q.digits, "4155550123");
	ASSERT_STR_EQ(q.words, "{\"ann\"}");
	ASSERT_STR_EQ(q.lead_status, "{booked,lost}");
	CU_ASSERT_EQUAL(q.has_name, 0);
	ct_contacts_query_free(&q);
}

/* A cursor made for a page is taken back for the same sort and order
 * alone, whatever its value: a name of 200 four-byte characters too. */
static void
test_contacts_cursor(void)
{
	static const struct {
		const char	*sort, *value;
		int		 desc;
	} t[] = {
		{ "last_contacted_at", "2026-01-06T17:02:12.950000Z", 1 },
		{ "last_contacted_at", "-infinity", 0 },
		{ "created_at", "2026-01-06T17:02:12.950000Z", 1 },
		{ "lead_score", "85", 1 },
		{ "call_count", "2147483647", 0 },
		{ "name", "", 1 },
		{ "name", "maría | o'brien \"x\"", 0 },
	};
	const char *id = "0b3f6a52-6d8e-4c1e-9d9a-2f4b8c7e1a03", *bad;
	struct ct_contacts_query q;
	char query[4096], *cur, name[1024];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(cur = ct_query_cursor(t[i].sort,
		    t[i].desc, t[i].value, id));
		snprintf(query, sizeof(query), "sort=%s&order=%s&cursor=%s",
		    t[i].sort, t[i].desc ? "desc" : "asc", cur);
		CU_ASSERT_EQUAL(ct_contacts_query_parse(query, &q, &bad), CT_OK);
		ASSERT_STR_EQ(q.after_value, t[i].value);
		ASSERT_STR_EQ(q.after_id, id);
		CU_ASSERT_EQUAL(q.page, 0);
		ct_contacts_query_free(&q);
		/* The other order, or another sort: not its cursor. */
		snprintf(query, sizeof(query), "sort=%s&order=%s&cursor=%s",
		    t[i].sort, t[i].desc ? "asc" : "desc", cur);
		CU_ASSERT_EQUAL(ct_contacts_query_parse(query, &q, &bad), BADP);
		ct_contacts_query_free(&q);
		snprintf(query, sizeof(query), "cursor=%s&page=2", cur);
		CU_ASSERT_EQUAL(ct_contacts_query_parse(query, &q, &bad), BADP);
		ASSERT_STR_EQ(bad, "cursor");
		ct_contacts_query_free(&q);
		free(cur);
	}
	/* Values not of their sort's shape. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(cur = ct_query_cursor("lead_score", 1,
	    "101", id));
	snprintf(query, sizeof(query), "sort=lead_score&cursor=%s", cur);
	CU_ASSERT_EQUAL(ct_contacts_query_parse(query, &q, &bad), BADP);
	ct_contacts_query_free(&q);
	free(cur);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cur = ct_query_cursor("created_at", 1,
	    "-infinity", id));
	snprintf(query, sizeof(query), "sort=created_at&cursor=%s", cur);
	CU_ASSERT_EQUAL(ct_contacts_query_parse(query, &q, &bad), BADP);
	ct_contacts_query_free(&q);
	free(cur);
	/* The longest name. */
	for (i = 0; i < 200; i++)
		memcpy(name + 4 * i, "\xf0\x9f\x98\x80", 4);
	name[800] = '\0';
	CU_ASSERT_PTR_NOT_NULL_FATAL(cur = ct_query_cursor("name", 1, name, id));
	snprintf(query, sizeof(query), "sort=name&cursor=%s", cur);
	CU_ASSERT_EQUAL(ct_contacts_query_parse(query, &q, &bad), CT_OK);
	ASSERT_STR_EQ(q.after_value, name);
	ct_contacts_query_free(&q);
	free(cur);
}

static void
test_alerts_query(void)
{
	struct ct_alerts_query q;
	const char *bad, *id = "0b3f6a52-6d8e-4c1e-9d9a-2f4b8c7e1a03";
	char query[512], *cur;

	CU_ASSERT_EQUAL(ct_alerts_query_parse("", &q, &bad), CT_OK);
	ASSERT_STR_EQ(q.state, "open");
	CU_ASSERT_EQUAL(q.limit, 25);
	ct_alerts_query_free(&q);
	CU_ASSERT_EQUAL(ct_alerts_query_parse("state=all&limit=100", &q, &bad),
	    CT_OK);
	ASSERT_STR_EQ(q.state, "all");
	ct_alerts_query_free(&q);
	CU_ASSERT_EQUAL(ct_alerts_query_parse("state=closed", &q, &bad), BADP);
	ASSERT_STR_EQ(bad, "state");
	ct_alerts_query_free(&q);
	CU_ASSERT_EQUAL(ct_alerts_query_parse("limit=101", &q, &bad), BADP);
	ASSERT_STR_EQ(bad, "limit");
	ct_alerts_query_free(&q);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cur = ct_query_cursor("created_at", 1,
	    "2026-01-06T17:02:12.950000Z", id));
	snprintf(query, sizeof(query), "state=acknowledged&cursor=%s", cur);
	CU_ASSERT_EQUAL(ct_alerts_query_parse(query, &q, &bad), CT_OK);
	ASSERT_STR_EQ(q.after_value, "2026-01-06T17:02:12.950000Z");
	ASSERT_STR_EQ(q.after_id, id);
	ct_alerts_query_free(&q);
	free(cur);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cur = ct_query_cursor("created_at", 0,
	    "2026-01-06T17:02:12.950000Z", id));
	snprintf(query, sizeof(query), "cursor=%s", cur);
	CU_ASSERT_EQUAL(ct_alerts_query_parse(query, &q, &bad), BADP);
	ASSERT_STR_EQ(bad, "cursor");
	ct_alerts_query_free(&q);
	free(cur);
}

int
suite_contacts(void)
{
	static const struct test_case t[] = {
		{ "a write's body, field by field", test_body_table },
		{ "bounds in characters", test_body_bounds },
		{ "the export's CSV cell", test_csv_cell },
		{ "the display number's contract", test_phone_display },
		{ "GET /api/contacts parameters", test_contacts_query },
		{ "contact cursors", test_contacts_cursor },
		{ "GET /api/alerts parameters", test_alerts_query },
		{ NULL, NULL } };
	return add_suite("contacts", t);
}
