/*
 * csv.c: the RFC 4180 reader, and the exports' cell (csv.h).
 */
#include <stdlib.h>
#include <string.h>

#include "read/csv.h"
#include "core/json.h"

static const char *const fault_messages[CT_CSV_FAULT__MAX] = {
	[CT_CSV_FAULT_NONE] = "the file is valid CSV",
	[CT_CSV_FAULT_UTF16] = "the file is UTF-16: save it as UTF-8 CSV",
	[CT_CSV_FAULT_NUL] = "the file holds NUL bytes: it is binary or "
	    "UTF-16, not UTF-8 CSV",
	[CT_CSV_FAULT_UTF8] = "the file is not UTF-8: save it as UTF-8 CSV",
	[CT_CSV_FAULT_UNTERMINATED] = "a quoted field is never closed",
	[CT_CSV_FAULT_STRAY_QUOTE] = "a quote inside a field that does not "
	    "start with one: quote the whole field and double the quote",
	[CT_CSV_FAULT_AFTER_QUOTE] = "text follows the closing quote of a "
	    "field",
	[CT_CSV_FAULT_FIELDS] = "a row has more than 64 columns",
	[CT_CSV_FAULT_FIELD_LENGTH] = "a field is longer than 4096 bytes",
	[CT_CSV_FAULT_RECORDS] = "the file has more than 200000 rows",
};

const char *
ct_csv_fault_message(enum ct_csv_fault fault)
{
	if ((unsigned)fault >= CT_CSV_FAULT__MAX)
		return "the file is not valid CSV";
	return fault_messages[fault];
}

static enum ct_err
refuse(struct ct_csv *c, enum ct_csv_fault fault, long line)
{
	c->fault = fault;
	c->fault_line = line;
	return CT_ERR_MALFORMED_BODY;
}

/* The length of the line end at p (CRLF 2, LF or CR 1), or 0. */
static size_t
eol_at(const char *p, size_t left)
{
	if (left == 0)
		return 0;
	if (p[0] == '\r')
		return left > 1 && p[1] == '\n' ? 2 : 1;
	return p[0] == '\n' ? 1 : 0;
}

/*
 * The whole buffer: no NUL, and UTF-8 line by line, so that the first
 * line that is not can be named (a line end is never part of a UTF-8
 * sequence: its bytes are below 0x80).
 */
static enum ct_err
check_bytes(struct ct_csv *c)
{
	const char *p = c->buf + c->pos, *end = c->buf + c->len, *nul;
	long line = 1;

	if ((nul = memchr(p, '\0', (size_t)(end - p))) != NULL) {
		const char *q = p;
		size_t e;

		while (q < nul) {
			if ((e = eol_at(q, (size_t)(nul - q))) > 0) {
				line++;
				q += e;
			} else {
				q++;
			}
		}
		return refuse(c, CT_CSV_FAULT_NUL, line);
	}
	while (p < end) {
		const char *q = p;
		size_t e;

		while (q < end && *q != '\r' && *q != '\n')
			q++;
		if (!ct_utf8_valid(p, (size_t)(q - p)))
			return refuse(c, CT_CSV_FAULT_UTF8, line);
		e = eol_at(q, (size_t)(end - q));
		p = q + e;
		line++;
	}
	return CT_OK;
}

enum ct_err
ct_csv_open(struct ct_csv *c, const char *buf, size_t len,
    const struct ct_csv_limits *lim)
{
	static const struct ct_csv_limits defaults = {
		CT_CSV_FIELDS_MAX, CT_CSV_FIELD_MAX, CT_CSV_RECORDS_MAX
	};

	memset(c, 0, sizeof(*c));
	c->buf = buf;
	c->len = len;
	c->cur_line = 1;
	c->lim = lim != NULL ? *lim : defaults;
	if (c->lim.fields == 0 || c->lim.field_len == 0 ||
	    c->lim.records == 0 || c->lim.fields > 1024 ||
	    c->lim.field_len > 1024 * 1024)
		return CT_ERR_INVALID_PARAMETER;
	if (len >= 2 && (((unsigned char)buf[0] == 0xff &&
	    (unsigned char)buf[1] == 0xfe) || ((unsigned char)buf[0] == 0xfe &&
	    (unsigned char)buf[1] == 0xff)))
		return refuse(c, CT_CSV_FAULT_UTF16, 1);
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		c->pos = 3;
	if (check_bytes(c) != CT_OK)
		return CT_ERR_MALFORMED_BODY;
	c->scratch = malloc(c->lim.fields * (c->lim.field_len + 1));
	c->fields = calloc(c->lim.fields, sizeof(*c->fields));
	c->lens = calloc(c->lim.fields, sizeof(*c->lens));
	if (c->scratch == NULL || c->fields == NULL || c->lens == NULL) {
		ct_csv_close(c);
		return CT_ERR_NOMEM;
	}
	return CT_OK;
}

void
ct_csv_close(struct ct_csv *c)
{
	free(c->scratch);
	free(c->fields);
	free(c->lens);
	c->scratch = NULL;
	c->fields = NULL;
	c->lens = NULL;
	c->nfields = 0;
}

/*
 * Reads one field at c->pos into out (room for lim.field_len bytes and a
 * NUL); sets *n to its length.  Leaves pos on the comma, the line end or
 * the end of the buffer after it.
 */
static enum ct_err
read_field(struct ct_csv *c, char *out, size_t *n)
{
	const char *b = c->buf;
	size_t o = 0, e;

	if (c->pos < c->len && b[c->pos] == '"') {
		long opened = c->cur_line;

		c->pos++;
		for (;;) {
			if (c->pos == c->len)
				return refuse(c, CT_CSV_FAULT_UNTERMINATED,
				    opened);
			if (b[c->pos] == '"') {
				if (c->pos + 1 < c->len && b[c->pos + 1] == '"') {
					c->pos += 2;
					if (o + 1 > c->lim.field_len)
						return refuse(c,
						    CT_CSV_FAULT_FIELD_LENGTH,
						    c->line);
					out[o++] = '"';
					continue;
				}
				c->pos++;
				break;
			}
			/* A line end inside quotes is the field's: kept
			 * as it is, and counted. */
			e = eol_at(b + c->pos, c->len - c->pos);
			if (e == 0)
				e = 1;
			else
				c->cur_line++;
			if (o + e > c->lim.field_len)
				return refuse(c, CT_CSV_FAULT_FIELD_LENGTH,
				    c->line);
			memcpy(out + o, b + c->pos, e);
			o += e;
			c->pos += e;
		}
		if (c->pos < c->len && b[c->pos] != ',' &&
		    eol_at(b + c->pos, c->len - c->pos) == 0)
			return refuse(c, CT_CSV_FAULT_AFTER_QUOTE, c->cur_line);
	} else {
		while (c->pos < c->len && b[c->pos] != ',' &&
		    b[c->pos] != '\r' && b[c->pos] != '\n') {
			if (b[c->pos] == '"')
				return refuse(c, CT_CSV_FAULT_STRAY_QUOTE,
				    c->cur_line);
			if (o + 1 > c->lim.field_len)
				return refuse(c, CT_CSV_FAULT_FIELD_LENGTH,
				    c->line);
			out[o++] = b[c->pos++];
		}
	}
	out[o] = '\0';
	*n = o;
	return CT_OK;
}

enum ct_err
ct_csv_next(struct ct_csv *c, bool *more)
{
	size_t e, n;
	char *out;

	*more = false;
	c->nfields = 0;
	if (c->fault != CT_CSV_FAULT_NONE)
		return CT_ERR_MALFORMED_BODY;
	if (c->scratch == NULL)
		return CT_ERR_INVALID_PARAMETER;	/* not open */
	/* Empty lines: skipped, counted. */
	while ((e = eol_at(c->buf + c->pos, c->len - c->pos)) > 0) {
		c->pos += e;
		c->cur_line++;
	}
	if (c->pos >= c->len)
		return CT_OK;
	if (c->records == c->lim.records)
		return refuse(c, CT_CSV_FAULT_RECORDS, c->cur_line);
	c->line = c->cur_line;
	out = c->scratch;
	for (;;) {
		if (c->nfields == c->lim.fields) {
			c->nfields = 0;
			return refuse(c, CT_CSV_FAULT_FIELDS, c->line);
		}
		if (read_field(c, out, &n) != CT_OK) {
			c->nfields = 0;
			return CT_ERR_MALFORMED_BODY;
		}
		c->fields[c->nfields] = out;
		c->lens[c->nfields] = n;
		c->nfields++;
		out += c->lim.field_len + 1;
		if (c->pos < c->len && c->buf[c->pos] == ',') {
			c->pos++;
			continue;
		}
		/* The record's line end, or the end of the buffer. */
		e = eol_at(c->buf + c->pos, c->len - c->pos);
		c->pos += e;
		if (e > 0)
			c->cur_line++;
		break;
	}
	c->records++;
	*more = true;
	return CT_OK;
}

size_t
ct_csv_cell(const char *v, char *out, size_t size)
{
	size_t n = v ? strlen(v) : 0, i, o = 0, need;
	int formula, quote;
	const char *p;

	if (size > 0)
		out[0] = '\0';
	if (n == 0)
		return 0;
	/* A number ([-+]digits[.digits]) is no formula. */
	p = v + (v[0] == '-' || v[0] == '+');
	i = strspn(p, "0123456789");
	if (i > 0 && p[i] == '.' && strspn(p + i + 1, "0123456789") > 0)
		i += 1 + strspn(p + i + 1, "0123456789");
	formula = strchr("=+-@\t\r", v[0]) != NULL && !(i > 0 && p[i] == '\0');
	quote = formula || strpbrk(v, "\",\r\n") != NULL;
	for (need = n, i = 0; i < n; i++)
		need += v[i] == '"';
	need += quote ? 2 + formula : 0;
	if (need + 1 > size)
		return 0;
	if (quote)
		out[o++] = '"';
	if (formula)
		out[o++] = '\'';
	for (i = 0; i < n; i++) {
		if (quote && v[i] == '"')
			out[o++] = '"';
		out[o++] = v[i];
	}
	if (quote)
		out[o++] = '"';
	out[o] = '\0';
	return o;
}
