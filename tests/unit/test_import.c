/*
 * test_import.c: the contacts import's pure half: each cell's checks, and
 * the plan a file makes (rows to apply, rows refused with their lines and
 * codes, files refused whole).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/import.h"
#include "suites.h"

static void
test_import_names(void)
{
	static const struct {
		const char		*name;
		enum ct_import_code	 want;
	} t[] = {
		{ "Maria L\xc3\xb3pez", CT_IMPORT_OK },
		{ "Zo\xc3\xab O'Brien-\xc5\x81ukasz \xe6\x9d\x8e \xf0\x9f\x93\x9e", CT_IMPORT_OK },
		{ "R2-D2", CT_IMPORT_OK },
		{ "Apt 5551234 Smith", CT_IMPORT_OK },	/* digits and letters */
		{ "Unknown Caller", CT_IMPORT_INVALID_NAME },
		{ "UNKNOWN", CT_IMPORT_INVALID_NAME },
		{ "anonymous", CT_IMPORT_INVALID_NAME },
		{ "N/A", CT_IMPORT_INVALID_NAME },
		{ "Wireless Caller", CT_IMPORT_INVALID_NAME },
		{ "+1 (415) 555-0100", CT_IMPORT_INVALID_NAME },
		{ "4155550100", CT_IMPORT_INVALID_NAME },
		{ "123456", CT_IMPORT_OK },		/* 6 digits: no number */
		{ "Ann\tLee", CT_IMPORT_INVALID_NAME },
		{ "Ann\nLee", CT_IMPORT_INVALID_NAME },
		{ "Ann\x7f", CT_IMPORT_INVALID_NAME },
		{ "Ann\xc2\x85", CT_IMPORT_INVALID_NAME },	/* NEL, a C1 */
		{ "\xe2\x80\xae" "eeL nnA", CT_IMPORT_INVALID_NAME },	/* RLO */
		{ "Ann \xe2\x80\xaa" "Lee", CT_IMPORT_INVALID_NAME },	/* LRE */
		{ "Ann \xe2\x81\xa6" "Lee", CT_IMPORT_INVALID_NAME },	/* LRI */
		{ "Ann \xe2\x81\xa9" "Lee", CT_IMPORT_INVALID_NAME },	/* PDI */
		{ "Ann \xe2\x80\x8f" "Lee", CT_IMPORT_OK },	/* RLM: a mark */
		{ "", CT_IMPORT_INVALID_NAME },
	};
	char long_name[802];
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum ct_import_code c = ct_import_check_name(t[i].name,
		    strlen(t[i].name), &why);

		if (c != t[i].want)
			fprintf(stderr, "\nname \"%s\": %d\n", t[i].name, c);
		CU_ASSERT_EQUAL(c, t[i].want);
		CU_ASSERT((c == CT_IMPORT_OK) == (why == NULL));
	}
	/* 200 characters, of two bytes each: 400 bytes, a name; 201: not. */
	for (i = 0; i < 200; i++)
		memcpy(long_name + 2 * i, "\xc3\xa9", 2);
	CU_ASSERT_EQUAL(ct_import_check_name(long_name, 400, &why), CT_IMPORT_OK);
	memcpy(long_name + 400, "\xc3\xa9", 2);
	CU_ASSERT_EQUAL(ct_import_check_name(long_name, 402, &why),
	    CT_IMPORT_INVALID_NAME);
	CU_ASSERT(strstr(why, "200") != NULL);
}

static void
test_import_emails(void)
{
	static const struct {
		const char		*email;
		enum ct_import_code	 want;
	} t[] = {
		{ "maria@example.com", CT_IMPORT_OK },
		{ "maria.lopez+leads@mail.example.co.uk", CT_IMPORT_OK },
		{ "j\xc3\xb6rg@b\xc3\xbc" "cher.de", CT_IMPORT_OK },
		{ "maria", CT_IMPORT_INVALID_EMAIL },
		{ "@example.com", CT_IMPORT_INVALID_EMAIL },
		{ "maria@", CT_IMPORT_INVALID_EMAIL },
		{ "maria@example", CT_IMPORT_INVALID_EMAIL },
		{ "maria@@example.com", CT_IMPORT_INVALID_EMAIL },
		{ "a@b@example.com", CT_IMPORT_INVALID_EMAIL },
		{ "maria lopez@example.com", CT_IMPORT_INVALID_EMAIL },
		{ "<maria@example.com>", CT_IMPORT_INVALID_EMAIL },
		{ "maria@example..com", CT_IMPORT_INVALID_EMAIL },
		{ "maria@.example.com", CT_IMPORT_INVALID_EMAIL },
		{ "maria@example.com.", CT_IMPORT_INVALID_EMAIL },
		{ ".maria@example.com", CT_IMPORT_INVALID_EMAIL },
		{ "ma..ria@example.com", CT_IMPORT_INVALID_EMAIL },
		{ "maria@-example.com", CT_IMPORT_INVALID_EMAIL },
		{ "maria@example-.com", CT_IMPORT_INVALID_EMAIL },
		{ "mar\tia@example.com", CT_IMPORT_INVALID_EMAIL },
		{ "maria@exa\xc2\x85mple.com", CT_IMPORT_INVALID_EMAIL },
	};
	char big[400];
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum ct_import_code c = ct_import_check_email(t[i].email,
		    strlen(t[i].email), &why);

		if (c != t[i].want)
			fprintf(stderr, "\nemail \"%s\": %d\n", t[i].email, c);
		CU_ASSERT_EQUAL(c, t[i].want);
	}
	/* A local part of 65 bytes; an address of 321. */
	memset(big, 'a', sizeof(big));
	memcpy(big + 65, "@example.com", 12);
	CU_ASSERT_EQUAL(ct_import_check_email(big, 77, &why),
	    CT_IMPORT_INVALID_EMAIL);
	memcpy(big + 60, "@", 1);
	memset(big + 61, 'b', 250);
	memcpy(big + 311, ".example", 8);	/* labels over 63 bytes */
	CU_ASSERT_EQUAL(ct_import_check_email(big, 319, &why),
	    CT_IMPORT_INVALID_EMAIL);
	CU_ASSERT_EQUAL(ct_import_check_email(big, 321, &why),
	    CT_IMPORT_INVALID_EMAIL);
	CU_ASSERT(strstr(why, "320") != NULL);
}

static void
test_import_lead_status(void)
{
	const char *c, *why;

	CU_ASSERT_EQUAL(ct_import_check_lead_status("Booked", 6, &c, &why),
	    CT_IMPORT_OK);
	ASSERT_STR_EQ(c, "booked");
	CU_ASSERT_EQUAL(ct_import_check_lead_status("LOST", 4, &c, &why),
	    CT_IMPORT_OK);
	ASSERT_STR_EQ(c, "lost");
	CU_ASSERT_EQUAL(ct_import_check_lead_status("hot", 3, &c, &why),
	    CT_IMPORT_INVALID_LEAD_STATUS);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_EQUAL(ct_import_check_lead_status("new ", 4, &c, &why),
	    CT_IMPORT_INVALID_LEAD_STATUS);
	ASSERT_STR_EQ(ct_import_code_name(CT_IMPORT_SUPERSEDED), "superseded");
	ASSERT_STR_EQ(ct_import_code_name(CT_IMPORT_INVALID_LEAD_STATUS),
	    "invalid_lead_status");
}

/* Makes a plan of the NUL-terminated file f in a US org. */
static enum ct_err
plan_of(const char *f, struct ct_import_plan *p)
{
	return ct_import_plan_make(p, f, strlen(f), "US");
}

static void
test_import_plan_rows(void)
{
	static const char f[] =
	    "\xef\xbb\xbf Phone ,NAME,Email,Lead_Status,notes\r\n"	/* 1 */
	    "(555) 234-5678,Ann Lee,ann@example.com,New,x\r\n"		/* 2 */
	    "+15552345679,\"Lee, Bo\",,booked,\r\n"			/* 3 */
	    "\r\n"							/* 4 */
	    ",,,,\r\n"							/* 5 */
	    "\"+1 555 234 5678\",\"Ann\r\nLee\",,,\r\n"			/* 6-7 */
	    "555.234.5678,  Ann B. Lee  ,,,\r\n"			/* 8 */
	    "not a number,Zed,,,\r\n"					/* 9 */
	    ",Nobody,,,\r\n"						/* 10 */
	    "+15552345670,Unknown Caller,,,\r\n"			/* 11 */
	    "+15552345671,Ok,not-an-email,,\r\n"			/* 12 */
	    "+15552345672,Ok2,,maybe\r\n"				/* 13 */
	    "+15552345673\r\n"						/* 14 */
	    "+442079460018,Brit,,,\r\n";				/* 15 */
	struct ct_import_plan p;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(plan_of(f, &p), CT_OK);
	CU_ASSERT(p.has[0] && p.has[1] && p.has[2] && p.has[3]);
	/* Rows 2 to 15 but the two empty ones. */
	CU_ASSERT_EQUAL(p.read, 11);
	CU_ASSERT_EQUAL_FATAL(p.nrows, 4);
	CU_ASSERT_EQUAL(p.rows[0].line, 3);
	ASSERT_STR_EQ(p.rows[0].phone, "+15552345679");
	ASSERT_STR_EQ(p.rows[0].name, "Lee, Bo");
	CU_ASSERT_PTR_NULL(p.rows[0].email);
	ASSERT_STR_EQ(p.rows[0].lead_status, "booked");
	/* The last row of +15552345678 counts, trimmed. */
	CU_ASSERT_EQUAL(p.rows[1].line, 8);
	ASSERT_STR_EQ(p.rows[1].phone, "+15552345678");
	ASSERT_STR_EQ(p.rows[1].name, "Ann B. Lee");
	CU_ASSERT_PTR_NULL(p.rows[1].lead_status);
	/* A row with its phone alone: nothing else changes. */
	CU_ASSERT_EQUAL(p.rows[2].line, 14);
	CU_ASSERT_PTR_NULL(p.rows[2].name);
	CU_ASSERT_PTR_NULL(p.rows[2].email);
	ASSERT_STR_EQ(p.rows[3].phone, "+442079460018");
	CU_ASSERT_EQUAL_FATAL(p.nrejects, 7);
	{
		static const struct { long line; enum ct_import_code code;
		    long by; } want[] = {
			{ 2, CT_IMPORT_SUPERSEDED, 8 },
			{ 6, CT_IMPORT_INVALID_NAME, 0 },	/* a line end */
			{ 9, CT_IMPORT_INVALID_PHONE, 0 },
			{ 10, CT_IMPORT_INVALID_PHONE, 0 },
			{ 11, CT_IMPORT_INVALID_NAME, 0 },
			{ 12, CT_IMPORT_INVALID_EMAIL, 0 },
			{ 13, CT_IMPORT_INVALID_LEAD_STATUS, 0 },
		};

		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			CU_ASSERT_EQUAL(p.rejects[i].line, want[i].line);
			CU_ASSERT_EQUAL(p.rejects[i].code, want[i].code);
			CU_ASSERT_EQUAL(p.rejects[i].by, want[i].by);
			CU_ASSERT_PTR_NOT_NULL(p.rejects[i].message);
		}
	}
	/* Row 6 had the number too, and was refused for its own reason:
	 * row 2 is superseded by row 8, the last, which counts. */
	ct_import_plan_free(&p);
	ct_import_plan_free(&p);
}

static void
test_import_plan_last_row_refused(void)
{
	/* The last row of a number is refused: the number is left as it is,
	 * and the earlier valid rows are superseded. */
	static const char f[] = "phone,email\n"
	    "+15552345678,a@example.com\n"
	    "5552345678,b@example.com\n"
	    "(555) 234-5678,bad\n";
	struct ct_import_plan p;

	CU_ASSERT_EQUAL_FATAL(plan_of(f, &p), CT_OK);
	CU_ASSERT_EQUAL(p.nrows, 0);
	CU_ASSERT_EQUAL_FATAL(p.nrejects, 3);
	CU_ASSERT_EQUAL(p.rejects[0].line, 2);
	CU_ASSERT_EQUAL(p.rejects[0].code, CT_IMPORT_SUPERSEDED);
	CU_ASSERT_EQUAL(p.rejects[0].by, 4);
	CU_ASSERT_EQUAL(p.rejects[1].line, 3);
	CU_ASSERT_EQUAL(p.rejects[1].code, CT_IMPORT_SUPERSEDED);
	CU_ASSERT_EQUAL(p.rejects[1].by, 4);
	CU_ASSERT_EQUAL(p.rejects[2].line, 4);
	CU_ASSERT_EQUAL(p.rejects[2].code, CT_IMPORT_INVALID_EMAIL);
	/* A refusal the database makes afterwards joins them, by line. */
	ct_import_plan_free(&p);
	CU_ASSERT_EQUAL_FATAL(plan_of("phone,name\n+15552345678,A\n"
	    "+15552345679,B\n", &p), CT_OK);
	CU_ASSERT_EQUAL(ct_import_plan_refuse(&p, 1, CT_IMPORT_INVALID_NAME,
	    "x"), CT_OK);
	CU_ASSERT_EQUAL(ct_import_plan_refuse(&p, 2, CT_IMPORT_INVALID_NAME,
	    "x"), CT_ERR_INTERNAL);
	CU_ASSERT_EQUAL(p.nrejects, 1);
	CU_ASSERT_EQUAL(p.rejects[0].line, 3);
	ct_import_plan_free(&p);
}

static void
test_import_plan_refused_files(void)
{
	static const struct {
		const char	*file;
		size_t		 len;		/* 0: strlen */
		enum ct_err	 err;
		const char	*parameter;
		const char	*message_has;
	} t[] = {
		{ "name,email\nAnn,a@example.com\n", 0, CT_ERR_INVALID_PARAMETER,
		    "phone", "phone" },
		{ "", 0, CT_ERR_INVALID_PARAMETER, "phone", "empty" },
		{ "\n\n", 0, CT_ERR_INVALID_PARAMETER, "phone", "empty" },
		{ "phone,Phone\n1,2\n", 0, CT_ERR_INVALID_PARAMETER, "phone",
		    "twice" },
		{ "phone,name, NAME \n1,2,3\n", 0, CT_ERR_INVALID_PARAMETER,
		    "name", "twice" },
		{ "phone\n+15552345678\n\"open\n", 0, CT_ERR_MALFORMED_BODY,
		    NULL, "line 3" },
		{ "phone\nab\"c\n", 0, CT_ERR_MALFORMED_BODY, NULL, "line 2" },
		{ "\xff\xfep\0h\0o\0n\0e\0", 12, CT_ERR_MALFORMED_BODY, NULL,
		    "UTF-16" },
		{ "p\0h\0o\0n\0e\0", 10, CT_ERR_MALFORMED_BODY, NULL, "NUL" },
		{ "phone\nJos\xe9\n", 0, CT_ERR_MALFORMED_BODY, NULL, "line 2" },
	};
	struct ct_import_plan p;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t len = t[i].len ? t[i].len : strlen(t[i].file);

		CU_ASSERT_EQUAL(ct_import_plan_make(&p, t[i].file, len, "US"),
		    t[i].err);
		if (t[i].parameter != NULL)
			ASSERT_STR_EQ(p.parameter, t[i].parameter);
		else
			CU_ASSERT_PTR_NULL(p.parameter);
		if (strstr(p.message, t[i].message_has) == NULL)
			fprintf(stderr, "\nfile %zu: \"%s\"\n", i, p.message);
		CU_ASSERT(strstr(p.message, t[i].message_has) != NULL);
		CU_ASSERT_EQUAL(p.nrows, 0);
		ct_import_plan_free(&p);
	}
}

static void
test_import_plan_many(void)
{
	/* 20,000 numbers, each twice: the second of each counts. */
	size_t n = 20000, i, o = 0, cap = n * 2 * 20 + 16;
	char *f = malloc(cap);
	struct ct_import_plan p;

	CU_ASSERT_FATAL(f != NULL);
	o += (size_t)snprintf(f + o, cap - o, "phone\n");
	for (i = 0; i < 2 * n; i++)
		o += (size_t)snprintf(f + o, cap - o, "+1555%07zu\n",
		    2000000 + i % n);
	CU_ASSERT_EQUAL_FATAL(ct_import_plan_make(&p, f, o, "US"), CT_OK);
	CU_ASSERT_EQUAL(p.read, 2 * n);
	CU_ASSERT_EQUAL(p.nrows, n);
	CU_ASSERT_EQUAL(p.nrejects, n);
	CU_ASSERT_EQUAL(p.rows[0].line, (long)n + 2);
	CU_ASSERT_EQUAL(p.rejects[n - 1].line, (long)n + 1);
	CU_ASSERT_EQUAL(p.rejects[n - 1].by, 2 * (long)n + 1);
	ct_import_plan_free(&p);
	free(f);
}

int
suite_import(void)
{
	static const struct test_case t[] = {
		{ "names: placeholders, numbers, controls, bidi, length",
		    test_import_names },
		{ "emails: shape and length", test_import_emails },
		{ "lead statuses in any case", test_import_lead_status },
		{ "a plan: columns, rows, the last of a number, refusals by line",
		    test_import_plan_rows },
		{ "a number whose last row is refused is left as it is",
		    test_import_plan_last_row_refused },
		{ "files refused whole: no phone column, a column twice, not CSV",
		    test_import_plan_refused_files },
		{ "20,000 numbers twice over", test_import_plan_many },
		{ NULL, NULL } };
	return add_suite("import", t);
}
