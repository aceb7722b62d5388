/*
 * test_csv.c: the RFC 4180 reader, table-driven: each vector is a file and
 * the records it reads as (fields joined by '|', each record's line), or
 * the fault and the line it is refused with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/csv.h"
#include "suites.h"

/*
 * Reads len bytes at buf with lim (NULL: defaults) into out: each record
 * as "<line>:<field>|<field>…" followed by '\n'.  Returns the fault (NONE
 * when the whole file was read) and its line in *line.
 */
static enum ct_csv_fault
read_all(const char *buf, size_t len, const struct ct_csv_limits *lim,
    char *out, size_t outlen, long *line)
{
	struct ct_csv c;
	enum ct_csv_fault f = CT_CSV_FAULT_NONE;
	size_t o = 0, i;
	bool more = false;

	out[0] = '\0';
	*line = 0;
	if (ct_csv_open(&c, buf, len, lim) != CT_OK) {
		f = c.fault;
		*line = c.fault_line;
		ct_csv_close(&c);
		return f;
	}
	while (ct_csv_next(&c, &more) == CT_OK && more) {
		o += (size_t)snprintf(out + o, outlen - o, "%ld:", c.line);
		for (i = 0; i < c.nfields && o < outlen; i++) {
			CU_ASSERT_EQUAL(strlen(c.fields[i]), c.lens[i]);
			o += (size_t)snprintf(out + o, outlen - o, "%s%s",
			    i ? "|" : "", c.fields[i]);
		}
		if (o < outlen)
			o += (size_t)snprintf(out + o, outlen - o, "\n");
	}
	f = c.fault;
	*line = c.fault_line;
	ct_csv_close(&c);
	return f;
}

struct vector {
	const char	*name;
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	const char	*want;		/* the records, or NULL */
	enum ct_csv_fault fault;
	long		 line;		/* of the fault */
};

#define V(n, in, want) { n, in, sizeof(in) - 1, want, CT_CSV_FAULT_NONE, 0 }
#define F(n, in, fault, line) { n, in, sizeof(in) - 1, NULL, fault, line }

static void
test_csv_vectors(void)
{
	static const struct vector v[] = {
		V("CRLF", "phone,name\r\n+15552345678,Ann\r\n",
		    "1:phone|name\n2:+15552345678|Ann\n"),
		V("LF", "phone,name\n1,a\n2,b\n", "1:phone|name\n2:1|a\n3:2|b\n"),
		V("lone CR", "phone\r1\r2", "1:phone\n2:1\n3:2\n"),
		V("mixed line ends", "a\r\nb\nc\rd", "1:a\n2:b\n3:c\n4:d\n"),
		V("last line without an end", "a,b\n1,2", "1:a|b\n2:1|2\n"),
		V("UTF-8 BOM", "\xef\xbb\xbfphone,name\n1,Zo\xc3\xab\n",
		    "1:phone|name\n2:1|Zo\xc3\xab\n"),
		V("a BOM alone", "\xef\xbb\xbf", ""),
		V("empty", "", ""),
		V("only empty lines", "\n\r\n\r\n", ""),
		V("empty lines count", "h\n\n\r\nx\n\ny", "1:h\n4:x\n6:y\n"),
		V("empty lines first", "\n\nphone\n1", "3:phone\n4:1\n"),
		V("quoted comma", "\"a,b\",c\n", "1:a,b|c\n"),
		V("doubled quotes", "\"he said \"\"hi\"\"\",x\n",
		    "1:he said \"hi\"|x\n"),
		V("a quote alone", "\"\"\"\"\n", "1:\"\n"),
		V("quoted empty", "\"\",\"\"\n", "1:|\n"),
		V("newlines inside quotes count",
		    "n,note\n1,\"one\r\ntwo\nthree\"\n2,x\n",
		    "1:n|note\n2:1|one\r\ntwo\nthree\n5:2|x\n"),
		V("empty fields", ",,\n", "1:||\n"),
		V("a trailing comma at the end", "a,b,", "1:a|b|\n"),
		V("spaces kept", " a , b \n", "1: a | b \n"),
		V("quoted field at the end of the file", "a,\"b\"", "1:a|b\n"),
		V("a comma in the last quoted field", "x\n\"1,2\"\r\n",
		    "1:x\n2:1,2\n"),
		V("multi-byte text", "\xe6\x9d\x8e,\xf0\x9f\x93\x9e\n",
		    "1:\xe6\x9d\x8e|\xf0\x9f\x93\x9e\n"),
		F("UTF-16 LE BOM", "\xff\xfep\0h\0", CT_CSV_FAULT_UTF16, 1),
		F("UTF-16 BE BOM", "\xfe\xff\0p\0h", CT_CSV_FAULT_UTF16, 1),
		F("UTF-16 without a BOM", "p\0h\0o\0", CT_CSV_FAULT_NUL, 1),
		F("a NUL on line 3", "a\nb\r\nc\0d\n", CT_CSV_FAULT_NUL, 3),
		F("binary", "\x7f" "ELF\x02\x01\x01\0\0\0", CT_CSV_FAULT_NUL, 1),
		F("C3 28", "a\n\xc3\x28\n", CT_CSV_FAULT_UTF8, 2),
		F("overlong C0 AF", "a\nb\n\xc0\xaf", CT_CSV_FAULT_UTF8, 3),
		F("surrogate ED A0 80", "\xed\xa0\x80", CT_CSV_FAULT_UTF8, 1),
		F("F5 and beyond", "a,\xf5\x80\x80\x80", CT_CSV_FAULT_UTF8, 1),
		F("a cut sequence", "a,\xe6\x9d", CT_CSV_FAULT_UTF8, 1),
		F("Latin-1", "name\nJos\xe9\n", CT_CSV_FAULT_UTF8, 2),
		F("unterminated quote", "a\n\"b\nc\nd", CT_CSV_FAULT_UNTERMINATED, 2),
		F("unterminated at the end", "a,\"", CT_CSV_FAULT_UNTERMINATED, 1),
		F("a quote inside an unquoted field", "a\nab\"c\n",
		    CT_CSV_FAULT_STRAY_QUOTE, 2),
		F("a space before a quote", "a, \"b\"\n", CT_CSV_FAULT_STRAY_QUOTE, 1),
		F("text after the closing quote", "\"a\"b,c\n",
		    CT_CSV_FAULT_AFTER_QUOTE, 1),
		F("a space after the closing quote", "x\n\"a\" ,c\n",
		    CT_CSV_FAULT_AFTER_QUOTE, 2),
	};
	char out[512];
	size_t i;
	long line;
	enum ct_csv_fault f;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		f = read_all(v[i].in, v[i].len, NULL, out, sizeof(out), &line);
		if (f != v[i].fault || (v[i].want != NULL &&
		    strcmp(out, v[i].want) != 0) ||
		    (v[i].want == NULL && line != v[i].line))
			fprintf(stderr, "\ncsv vector \"%s\": fault %d line %ld, "
			    "read:\n%s", v[i].name, (int)f, line, out);
		CU_ASSERT_EQUAL(f, v[i].fault);
		if (v[i].want != NULL)
			ASSERT_STR_EQ(out, v[i].want);
		else
			CU_ASSERT_EQUAL(line, v[i].line);
	}
}

static void
test_csv_limits(void)
{
	struct ct_csv_limits lim = { 3, 4, 2 };
	char out[256];
	long line;

	/* At each bound: read. */
	CU_ASSERT_EQUAL(read_all("a,b,c\nabcd,\"ab\"\"c\",\n", 20, &lim, out,
	    sizeof(out), &line), CT_CSV_FAULT_NONE);
	ASSERT_STR_EQ(out, "1:a|b|c\n2:abcd|ab\"c|\n");
	/* One past each. */
	CU_ASSERT_EQUAL(read_all("x\na,b,c,d\n", 10, &lim, out, sizeof(out),
	    &line), CT_CSV_FAULT_FIELDS);
	CU_ASSERT_EQUAL(line, 2);
	CU_ASSERT_EQUAL(read_all("x\nabcde\n", 8, &lim, out, sizeof(out),
	    &line), CT_CSV_FAULT_FIELD_LENGTH);
	CU_ASSERT_EQUAL(line, 2);
	CU_ASSERT_EQUAL(read_all("\"ab\"\"cd\"", 8, &lim, out, sizeof(out),
	    &line), CT_CSV_FAULT_FIELD_LENGTH);
	CU_ASSERT_EQUAL(read_all("\"ab\r\ncd\"", 8, &lim, out, sizeof(out),
	    &line), CT_CSV_FAULT_FIELD_LENGTH);
	CU_ASSERT_EQUAL(read_all("a\nb\n\nc\n", 7, &lim, out, sizeof(out),
	    &line), CT_CSV_FAULT_RECORDS);
	CU_ASSERT_EQUAL(line, 4);
	/* Empty lines are no records: two records and any number of them. */
	CU_ASSERT_EQUAL(read_all("a\n\n\n\nb\n\n\n", 9, &lim, out, sizeof(out),
	    &line), CT_CSV_FAULT_NONE);
}

static void
test_csv_defaults(void)
{
	/* 100,000 columns: refused at the 65th, without reading them all. */
	size_t n = 200000, i;
	char *wide = malloc(n + 1), *tall;
	struct ct_csv c;
	bool more;

	CU_ASSERT_FATAL(wide != NULL);
	for (i = 0; i < n; i += 2) {
		wide[i] = 'x';
		wide[i + 1] = ',';
	}
	wide[n] = '\0';
	CU_ASSERT_EQUAL(ct_csv_open(&c, wide, n, NULL), CT_OK);
	CU_ASSERT_EQUAL(ct_csv_next(&c, &more), CT_ERR_MALFORMED_BODY);
	CU_ASSERT_EQUAL(c.fault, CT_CSV_FAULT_FIELDS);
	CU_ASSERT_EQUAL(c.fault_line, 1);
	CU_ASSERT_FALSE(more);
	/* Refused stays refused. */
	CU_ASSERT_EQUAL(ct_csv_next(&c, &more), CT_ERR_MALFORMED_BODY);
	ct_csv_close(&c);
	ct_csv_close(&c);
	/* 64 columns are read. */
	CU_ASSERT_EQUAL(ct_csv_open(&c, wide, 127, NULL), CT_OK);
	CU_ASSERT_EQUAL(ct_csv_next(&c, &more), CT_OK);
	CU_ASSERT_TRUE(more);
	CU_ASSERT_EQUAL(c.nfields, 64);
	ct_csv_close(&c);
	free(wide);
	/* A field of 4,096 bytes is read, one of 4,097 is not. */
	tall = malloc(4098);
	CU_ASSERT_FATAL(tall != NULL);
	memset(tall, 'y', 4097);
	CU_ASSERT_EQUAL(ct_csv_open(&c, tall, 4096, NULL), CT_OK);
	CU_ASSERT_EQUAL(ct_csv_next(&c, &more), CT_OK);
	CU_ASSERT_EQUAL(c.lens[0], 4096);
	ct_csv_close(&c);
	CU_ASSERT_EQUAL(ct_csv_open(&c, tall, 4097, NULL), CT_OK);
	CU_ASSERT_EQUAL(ct_csv_next(&c, &more), CT_ERR_MALFORMED_BODY);
	CU_ASSERT_EQUAL(c.fault, CT_CSV_FAULT_FIELD_LENGTH);
	ct_csv_close(&c);
	free(tall);
}

static void
test_csv_records_default(void)
{
	/* A header and 200,000 rows are read; one more row is not. */
	size_t rows = CT_CSV_RECORDS_MAX + 1, len = rows * 2, i, got = 0;
	char *buf = malloc(len);
	struct ct_csv c;
	bool more = false;
	enum ct_err err;

	CU_ASSERT_FATAL(buf != NULL);
	for (i = 0; i < rows; i++) {
		buf[2 * i] = '1';
		buf[2 * i + 1] = '\n';
	}
	CU_ASSERT_EQUAL(ct_csv_open(&c, buf, len - 2, NULL), CT_OK);
	while ((err = ct_csv_next(&c, &more)) == CT_OK && more)
		got++;
	CU_ASSERT_EQUAL(err, CT_OK);
	CU_ASSERT_EQUAL(got, CT_CSV_RECORDS_MAX);
	ct_csv_close(&c);
	got = 0;
	CU_ASSERT_EQUAL(ct_csv_open(&c, buf, len, NULL), CT_OK);
	while ((err = ct_csv_next(&c, &more)) == CT_OK && more)
		got++;
	CU_ASSERT_EQUAL(err, CT_ERR_MALFORMED_BODY);
	CU_ASSERT_EQUAL(c.fault, CT_CSV_FAULT_RECORDS);
	CU_ASSERT_EQUAL(c.fault_line, (long)rows);
	CU_ASSERT_EQUAL(got, CT_CSV_RECORDS_MAX);
	ct_csv_close(&c);
	free(buf);
}

static void
test_csv_misuse(void)
{
	struct ct_csv_limits zero = { 0, 1, 1 };
	struct ct_csv c;
	bool more;
	int f;

	CU_ASSERT_EQUAL(ct_csv_open(&c, "a", 1, &zero), CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_csv_next(&c, &more), CT_ERR_INVALID_PARAMETER);
	ct_csv_close(&c);
	for (f = 0; f <= CT_CSV_FAULT__MAX; f++)
		CU_ASSERT(ct_csv_fault_message((enum ct_csv_fault)f)[0] != '\0');
	CU_ASSERT(strstr(ct_csv_fault_message(CT_CSV_FAULT_UTF16), "UTF-16") !=
	    NULL);
}

int
suite_csv(void)
{
	static const struct test_case t[] = {
		{ "RFC 4180 vectors: records, lines, refusals", test_csv_vectors },
		{ "fields, field length and records at and past their limits",
		    test_csv_limits },
		{ "the default limits: 64 columns, 4,096 bytes",
		    test_csv_defaults },
		{ "the default limit: a header and 200,000 rows",
		    test_csv_records_default },
		{ "a bad limit, a reader not open, every fault's message",
		    test_csv_misuse },
		{ NULL, NULL } };
	return add_suite("csv", t);
}
