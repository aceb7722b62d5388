/*
 * import.c: the contacts import: the plan (pure) and its handler.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "read/auth.h"
#include "read/csv.h"
#include "read/import.h"
#include "core/db.h"
#include "core/json.h"

static const char *const code_names[CT_IMPORT__MAX] = {
	[CT_IMPORT_OK] = "ok",
	[CT_IMPORT_INVALID_PHONE] = "invalid_phone",
	[CT_IMPORT_INVALID_NAME] = "invalid_name",
	[CT_IMPORT_INVALID_EMAIL] = "invalid_email",
	[CT_IMPORT_INVALID_LEAD_STATUS] = "invalid_lead_status",
	[CT_IMPORT_SUPERSEDED] = "superseded",
};

const char *
ct_import_code_name(enum ct_import_code c)
{
	if ((unsigned)c >= CT_IMPORT__MAX)
		return "invalid";
	return code_names[c];
}

/* What a name that is none says, as ct_is_real_name (sql/001_schema.sql)
 * lists them: compared in lower case. */
static const char *const placeholders[] = {
	"unknown", "unknown caller", "unknown name", "anonymous", "private",
	"private caller", "private number", "restricted", "unavailable",
	"wireless caller", "n/a", "na", "none", "null", "undefined", "caller",
	"inbound", "outbound", "web", "customer",
};

enum ct_import_code
ct_import_check_name(const char *s, size_t len, const char **why)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, chars = 0, digits = 0;
	int letter = 0, other = 0;
	char lower[32];

	*why = NULL;
	for (i = 0; i < len; i++) {
		unsigned c = p[i];

		if ((c & 0xc0) != 0x80)
			chars++;
		if (c < 0x20 || c == 0x7f ||
		    (c == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f)) {
			*why = "the name has a control character";
			return CT_IMPORT_INVALID_NAME;
		}
		/* U+202A-U+202E (E2 80 AA-AE), U+2066-U+2069 (E2 81 A6-A9). */
		if (c == 0xe2 && i + 2 < len &&
		    ((p[i + 1] == 0x80 && p[i + 2] >= 0xaa && p[i + 2] <= 0xae) ||
		    (p[i + 1] == 0x81 && p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9))) {
			*why = "the name has a bidirectional control character";
			return CT_IMPORT_INVALID_NAME;
		}
		if (c >= '0' && c <= '9')
			digits++;
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
			letter = 1;
		else if (c >= 0x80)
			other = 1;
	}
	if (chars > CT_IMPORT_NAME_MAX) {
		*why = "the name is longer than 200 characters";
		return CT_IMPORT_INVALID_NAME;
	}
	if (len == 0) {
		*why = "the name is empty";
		return CT_IMPORT_INVALID_NAME;
	}
	if (len < sizeof(lower)) {
		for (i = 0; i < len; i++)
			lower[i] = (char)((p[i] >= 'A' && p[i] <= 'Z') ?
			    p[i] | 0x20 : p[i]);
		lower[len] = '\0';
		for (i = 0; i < sizeof(placeholders) / sizeof(placeholders[0]);
		    i++)
			if (strcmp(lower, placeholders[i]) == 0) {
				*why = "the name is a placeholder, not a name";
				return CT_IMPORT_INVALID_NAME;
			}
	}
	/* Letters of other scripts are letters too: the database, which
	 * knows them, has the last word on those (ct_import_contacts). */
	if (!letter && !other && digits >= 7) {
		*why = "the name is a phone number, not a name";
		return CT_IMPORT_INVALID_NAME;
	}
	return CT_IMPORT_OK;
}

enum ct_import_code
ct_import_check_email(const char *s, size_t len, const char **why)
{
	const char *at = memchr(s, '@', len), *d, *end = s + len, *label;
	size_t i;

	*why = "the email does not look like one (name@example.com)";
	if (len > CT_IMPORT_EMAIL_MAX) {
		*why = "the email is longer than 320 characters";
		return CT_IMPORT_INVALID_EMAIL;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7f || strchr("()<>[]\\,;:\"", c) != NULL)
			return CT_IMPORT_INVALID_EMAIL;
		/* C1 controls (C2 80-9F). */
		if (c == 0xc2 && i + 1 < len &&
		    (unsigned char)s[i + 1] <= 0x9f)
			return CT_IMPORT_INVALID_EMAIL;
	}
	if (at == NULL || at == s || at - s > 64 ||
	    memchr(at + 1, '@', (size_t)(end - at - 1)) != NULL)
		return CT_IMPORT_INVALID_EMAIL;
	/* The local part: no dot first, last or twice over. */
	if (s[0] == '.' || at[-1] == '.')
		return CT_IMPORT_INVALID_EMAIL;
	for (d = s; d + 1 < at; d++)
		if (d[0] == '.' && d[1] == '.')
			return CT_IMPORT_INVALID_EMAIL;
	/* The domain: two labels or more, each 1 to 63 bytes, no hyphen
	 * first or last. */
	d = at + 1;
	if (end - d < 3 || end - d > 255 || memchr(d, '.', (size_t)(end - d)) ==
	    NULL)
		return CT_IMPORT_INVALID_EMAIL;
	for (label = d; label <= end; ) {
		const char *dot = memchr(label, '.', (size_t)(end - label));
		const char *stop = dot ? dot : end;

		if (stop == label || stop - label > 63 || label[0] == '-' ||
		    stop[-1] == '-')
			return CT_IMPORT_INVALID_EMAIL;
		if (dot == NULL)
			break;
		label = dot + 1;
	}
	*why = NULL;
	return CT_IMPORT_OK;
}

enum ct_import_code
ct_import_check_lead_status(const char *s, size_t len,
    const char **canonical, const char **why)
{
	static const char *const statuses[] = {
		"new", "contacted", "qualified", "booked", "lost",
	};
	size_t i;

	*canonical = NULL;
	*why = NULL;
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (strlen(statuses[i]) == len &&
		    strncasecmp(s, statuses[i], len) == 0) {
			*canonical = statuses[i];
			return CT_IMPORT_OK;
		}
	*why = "lead_status must be one of new, contacted, qualified, booked, "
	    "lost";
	return CT_IMPORT_INVALID_LEAD_STATUS;
}

/* ---- the plan ---- */

enum { COL_PHONE, COL_NAME, COL_EMAIL, COL_LEAD, COLS };

static const char *const col_names[COLS] = {
	"phone", "name", "email", "lead_status"
};

/* The numbers seen so far: open addressing over the E.164 digits as an
 * integer (15 digits at most, never 0), to the index of the row that has
 * the number last (-1: that row was refused for its own reason). */
struct numbers {
	uint64_t	*keys;
	long		*rows;
	long		*lines;		/* of that last row */
	size_t		 cap, n;
};

static uint64_t
number_key(const char *e164)
{
	uint64_t k = 0;

	for (e164++; *e164 != '\0'; e164++)
		k = k * 10 + (uint64_t)(*e164 - '0');
	return k;
}

static size_t
slot_of(const struct numbers *s, uint64_t k)
{
	/* A multiplicative hash (Fibonacci hashing) over a power of two. */
	size_t i = (size_t)((k * 0x9e3779b97f4a7c15ULL) >> 20) & (s->cap - 1);

	while (s->keys[i] != 0 && s->keys[i] != k)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static void
numbers_free(struct numbers *s)
{
	free(s->keys);
	free(s->rows);
	free(s->lines);
	memset(s, 0, sizeof(*s));
}

static enum ct_err
numbers_grow(struct numbers *s)
{
	struct numbers g = { NULL, NULL, NULL, s->cap ? s->cap * 2 : 1024, 0 };
	size_t i, j;

	g.keys = calloc(g.cap, sizeof(*g.keys));
	g.rows = calloc(g.cap, sizeof(*g.rows));
	g.lines = calloc(g.cap, sizeof(*g.lines));
	if (g.keys == NULL || g.rows == NULL || g.lines == NULL) {
		numbers_free(&g);
		return CT_ERR_NOMEM;
	}
	for (i = 0; i < s->cap; i++)
		if (s->keys[i] != 0) {
			j = slot_of(&g, s->keys[i]);
			g.keys[j] = s->keys[i];
			g.rows[j] = s->rows[i];
			g.lines[j] = s->lines[i];
			g.n++;
		}
	numbers_free(s);
	*s = g;
	return CT_OK;
}


static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/* The cell of column col of the reader's record, trimmed; "" when the
 * file has no such column or the record no such cell. */
static const char *
cell(const struct ct_csv *c, const int *col, int which, size_t *len)
{
	const char *s;

	*len = 0;
	if (col[which] < 0 || (size_t)col[which] >= c->nfields)
		return "";
	s = c->fields[col[which]];
	*len = c->lens[col[which]];
	trim(&s, len);
	return s;
}

/* A copy of len bytes at s in the plan's arena, or NULL when full (which
 * cannot be: the arena is as large as the file). */
static const char *
keep(struct ct_import_plan *p, const char *s, size_t len)
{
	char *d;

	if (p->arena_size - p->arena_used < len + 1)
		return NULL;
	d = p->arena + p->arena_used;
	memcpy(d, s, len);
	d[len] = '\0';
	p->arena_used += len + 1;
	return d;
}

static enum ct_err
add_reject(struct ct_import_plan *p, long line, enum ct_import_code code,
    const char *message, long by)
{
	struct ct_import_reject *r;

	if (p->nrejects == p->rejects_cap) {
		size_t cap = p->rejects_cap ? p->rejects_cap * 2 : 64;

		if ((r = realloc(p->rejects, cap * sizeof(*r))) == NULL)
			return CT_ERR_NOMEM;
		p->rejects = r;
		p->rejects_cap = cap;
	}
	r = &p->rejects[p->nrejects++];
	r->line = line;
	r->code = code;
	r->message = message;
	r->by = by;
	return CT_OK;
}

static enum ct_err
add_row(struct ct_import_plan *p, struct ct_import_row **row)
{
	struct ct_import_row *r;

	if (p->nrows == p->rows_cap) {
		size_t cap = p->rows_cap ? p->rows_cap * 2 : 256;

		if ((r = realloc(p->rows, cap * sizeof(*r))) == NULL)
			return CT_ERR_NOMEM;
		p->rows = r;
		p->rows_cap = cap;
	}
	*row = &p->rows[p->nrows++];
	memset(*row, 0, sizeof(**row));
	return CT_OK;
}

/* A file refused whole, for a fault of the reader. */
static enum ct_err
not_csv(struct ct_import_plan *p, const struct ct_csv *c)
{
	if (c->fault == CT_CSV_FAULT_UTF16 || c->fault == CT_CSV_FAULT_NUL)
		snprintf(p->message, sizeof(p->message), "%s",
		    ct_csv_fault_message(c->fault));
	else
		snprintf(p->message, sizeof(p->message), "line %ld: %s",
		    c->fault_line, ct_csv_fault_message(c->fault));
	return CT_ERR_MALFORMED_BODY;
}

/* The header: which field holds which column. */
static enum ct_err
read_header(struct ct_import_plan *p, const struct ct_csv *c, int *col)
{
	size_t i, len;
	const char *s;
	int k;

	for (k = 0; k < COLS; k++)
		col[k] = -1;
	for (i = 0; i < c->nfields; i++) {
		s = c->fields[i];
		len = c->lens[i];
		trim(&s, &len);
		for (k = 0; k < COLS; k++) {
			if (strlen(col_names[k]) != len ||
			    strncasecmp(s, col_names[k], len) != 0)
				continue;
			if (col[k] >= 0) {
				p->parameter = col_names[k];
				snprintf(p->message, sizeof(p->message),
				    "the header names the column %s twice",
				    col_names[k]);
				return CT_ERR_INVALID_PARAMETER;
			}
			col[k] = (int)i;
		}
	}
	for (k = 0; k < COLS; k++)
		p->has[k] = col[k] >= 0;
	if (col[COL_PHONE] < 0) {
		p->parameter = "phone";
		snprintf(p->message, sizeof(p->message), "the header row has no "
		    "phone column (the first row names the columns: phone, "
		    "name, email, lead_status)");
		return CT_ERR_INVALID_PARAMETER;
	}
	return CT_OK;
}

/*
 * Checks the record's cells other than the phone into row: *code is the
 * first cell refused, with *why, or CT_IMPORT_OK.  CT_OK, or
 * CT_ERR_INTERNAL should the arena be full (it cannot be).
 */
static enum ct_err
check_cells(struct ct_import_plan *p, const struct ct_csv *c, const int *col,
    struct ct_import_row *row, enum ct_import_code *code, const char **why)
{
	const char *s;
	size_t len;

	*why = NULL;
	s = cell(c, col, COL_NAME, &len);
	if (len > 0) {
		if ((*code = ct_import_check_name(s, len, why)) != CT_IMPORT_OK)
			return CT_OK;
		if ((row->name = keep(p, s, len)) == NULL)
			return CT_ERR_INTERNAL;
	}
	s = cell(c, col, COL_EMAIL, &len);
	if (len > 0) {
		if ((*code = ct_import_check_email(s, len, why)) != CT_IMPORT_OK)
			return CT_OK;
		if ((row->email = keep(p, s, len)) == NULL)
			return CT_ERR_INTERNAL;
	}
	s = cell(c, col, COL_LEAD, &len);
	*code = len > 0 ? ct_import_check_lead_status(s, len, &row->lead_status,
	    why) : CT_IMPORT_OK;
	return CT_OK;
}

static bool
all_empty(const struct ct_csv *c)
{
	size_t i, len;
	const char *s;

	for (i = 0; i < c->nfields; i++) {
		s = c->fields[i];
		len = c->lens[i];
		trim(&s, &len);
		if (len > 0)
			return false;
	}
	return true;
}

/* One data record into the plan. */
static enum ct_err
plan_record(struct ct_import_plan *p, const struct ct_csv *c, const int *col,
    const char *country, struct numbers *seen)
{
	struct ct_import_row row, *r;
	enum ct_import_code code;
	char raw[CT_PHONE_RAW_MAX + 1];
	const char *s, *why;
	enum ct_err err;
	size_t len, slot;
	uint64_t key;

	memset(&row, 0, sizeof(row));
	row.line = c->line;
	s = cell(c, col, COL_PHONE, &len);
	if (len == 0)
		return add_reject(p, row.line, CT_IMPORT_INVALID_PHONE,
		    "the phone is empty", 0);
	if (len > CT_PHONE_RAW_MAX)
		return add_reject(p, row.line, CT_IMPORT_INVALID_PHONE,
		    "the phone is not a number", 0);
	memcpy(raw, s, len);
	raw[len] = '\0';
	err = ct_phone_e164(raw, country, row.phone);
	if (err == CT_ERR_INVALID_PARAMETER)
		return add_reject(p, row.line, CT_IMPORT_INVALID_PHONE,
		    "the phone is not a number of the org's country, nor one "
		    "in international form (+ and the country code)", 0);
	if (err != CT_OK)
		return err;
	(void)ct_phone_display(row.phone, country, row.display,
	    sizeof(row.display));
	if ((err = check_cells(p, c, col, &row, &code, &why)) != CT_OK)
		return err;
	/* The last row of a number is the one that counts. */
	if (seen->n * 2 >= seen->cap && (err = numbers_grow(seen)) != CT_OK)
		return err;
	key = number_key(row.phone);
	slot = slot_of(seen, key);
	if (seen->keys[slot] != 0) {
		long prev = seen->rows[slot];

		if (prev >= 0) {
			/* by: the number's key, made the line of its last
			 * row once every row is read. */
			if ((err = add_reject(p, p->rows[prev].line,
			    CT_IMPORT_SUPERSEDED, "a later row has the same "
			    "number", (long)key)) != CT_OK)
				return err;
			p->rows[prev].line = 0;		/* dropped */
		}
	} else {
		seen->keys[slot] = key;
		seen->n++;
	}
	seen->lines[slot] = row.line;
	if (code != CT_IMPORT_OK) {
		seen->rows[slot] = -1;
		return add_reject(p, row.line, code, why, 0);
	}
	if ((err = add_row(p, &r)) != CT_OK)
		return err;
	*r = row;
	seen->rows[slot] = (long)(p->nrows - 1);
	return CT_OK;
}

static int
by_line(const void *a, const void *b)
{
	const struct ct_import_reject *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

void
ct_import_plan_sort(struct ct_import_plan *p)
{
	if (p->nrejects > 1)
		qsort(p->rejects, p->nrejects, sizeof(*p->rejects), by_line);
}

enum ct_err
ct_import_plan_make(struct ct_import_plan *p, const char *csv, size_t len,
    const char *country)
{
	static const struct ct_csv_limits lim = {
		CT_CSV_FIELDS_MAX, CT_CSV_FIELD_MAX, CT_IMPORT_ROWS_MAX + 1
	};
	struct numbers seen = { NULL, NULL, NULL, 0, 0 };
	struct ct_csv c;
	int col[COLS];
	enum ct_err err;
	size_t i, o;
	bool more;

	memset(p, 0, sizeof(*p));
	if ((err = ct_csv_open(&c, csv, len, &lim)) != CT_OK) {
		if (err == CT_ERR_MALFORMED_BODY)
			err = not_csv(p, &c);
		goto close;
	}
	if ((err = ct_csv_next(&c, &more)) != CT_OK) {
		err = not_csv(p, &c);
		goto close;
	}
	if (!more) {
		p->parameter = "phone";
		snprintf(p->message, sizeof(p->message), "the file is empty: "
		    "its first row names the columns (phone, name, email, "
		    "lead_status)");
		err = CT_ERR_INVALID_PARAMETER;
		goto close;
	}
	if ((err = read_header(p, &c, col)) != CT_OK)
		goto close;
	/* Every cell kept is shorter than its bytes in the file and the
	 * separator after it. */
	p->arena_size = len + 1;
	if ((p->arena = malloc(p->arena_size)) == NULL) {
		err = CT_ERR_NOMEM;
		goto close;
	}
	while ((err = ct_csv_next(&c, &more)) == CT_OK && more) {
		if (all_empty(&c))
			continue;
		p->read++;
		if ((err = plan_record(p, &c, col, country, &seen)) != CT_OK)
			goto close;
	}
	if (err != CT_OK) {
		err = not_csv(p, &c);
		goto close;
	}
	for (i = 0; i < p->nrejects; i++)
		if (p->rejects[i].code == CT_IMPORT_SUPERSEDED)
			p->rejects[i].by = seen.lines[slot_of(&seen,
			    (uint64_t)p->rejects[i].by)];
	/* The superseded rows out, the others in their order. */
	for (i = 0, o = 0; i < p->nrows; i++)
		if (p->rows[i].line != 0)
			p->rows[o++] = p->rows[i];
	p->nrows = o;
	ct_import_plan_sort(p);
close:
	if (err != CT_OK)
		p->nrows = p->nrejects = 0;	/* nothing of it applies */
	numbers_free(&seen);
	ct_csv_close(&c);
	return err;
}

enum ct_err
ct_import_plan_refuse(struct ct_import_plan *p, size_t i,
    enum ct_import_code code, const char *message)
{
	if (i >= p->nrows)
		return CT_ERR_INTERNAL;
	return add_reject(p, p->rows[i].line, code, message, 0);
}

void
ct_import_plan_free(struct ct_import_plan *p)
{
	free(p->rows);
	free(p->rejects);
	free(p->arena);
	p->rows = NULL;
	p->rejects = NULL;
	p->arena = NULL;
	p->nrows = p->nrejects = p->rows_cap = p->rejects_cap = 0;
	p->arena_used = p->arena_size = 0;
}

/* ---- the handler ---- */

/* A growing buffer for a batch's array parameters. */
struct buf {
	char	*s;
	size_t	 len, cap;
};

static enum ct_err
buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->cap - b->len < n + 1) {
		size_t cap = b->cap ? b->cap : 4096;
		char *t;

		while (cap - b->len < n + 1)
			cap *= 2;
		if ((t = realloc(b->s, cap)) == NULL)
			return CT_ERR_NOMEM;
		b->s = t;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return CT_OK;
}

/*
 * Appends one element of a text[] literal: NULL, or the value in double
 * quotes with '"' and '\' escaped (PostgreSQL's array input syntax).
 */
static enum ct_err
buf_element(struct buf *b, const char *v)
{
	const char *p, *q;
	enum ct_err err;

	if (b->len > 1 && (err = buf_put(b, ",", 1)) != CT_OK)
		return err;
	if (v == NULL)
		return buf_put(b, "NULL", 4);
	if ((err = buf_put(b, "\"", 1)) != CT_OK)
		return err;
	for (p = v; *p != '\0'; p = q) {
		q = p + strcspn(p, "\"\\");
		if ((err = buf_put(b, p, (size_t)(q - p))) != CT_OK)
			return err;
		if (*q != '\0') {
			char esc[2] = { '\\', *q };

			if ((err = buf_put(b, esc, 2)) != CT_OK)
				return err;
			q++;
		}
	}
	return buf_put(b, "\"", 1);
}

struct counts {
	long long	created, updated, unchanged;
};

/*
 * Reads a batch's refused positions ("{3,17}", 1-based within the batch
 * that starts at row off, n rows long) into the plan's rejects.
 */
static enum ct_err
refused_rows(struct ct_import_plan *p, const char *list, size_t off, size_t n)
{
	const char *s = list;
	enum ct_err err;
	char *end;
	long k;

	if (*s++ != '{')
		return CT_ERR_INTERNAL;
	while (*s != '}' && *s != '\0') {
		k = strtol(s, &end, 10);
		if (end == s || k < 1 || (size_t)k > n)
			return CT_ERR_INTERNAL;
		if ((err = ct_import_plan_refuse(p, off + (size_t)k - 1,
		    CT_IMPORT_INVALID_NAME, "the name is a placeholder or a "
		    "phone number, not a name")) != CT_OK)
			return err;
		s = *end == ',' ? end + 1 : end;
	}
	return *s == '}' ? CT_OK : CT_ERR_INTERNAL;
}

/* One batch: rows [off, off + n) in one statement. */
static enum ct_err
apply_batch(const char *hash, struct ct_import_plan *p, size_t off, size_t n,
    struct buf *a, struct counts *k)
{
	const char *v[6];
	enum ct_err err = CT_OK;
	PGresult *r;
	size_t i, j;

	for (j = 0; j < 5; j++) {
		a[j].len = 0;
		if ((err = buf_put(&a[j], "{", 1)) != CT_OK)
			return err;
	}
	for (i = off; i < off + n && err == CT_OK; i++) {
		const struct ct_import_row *row = &p->rows[i];

		if ((err = buf_element(&a[0], row->phone)) != CT_OK ||
		    (err = buf_element(&a[1], row->name)) != CT_OK ||
		    (err = buf_element(&a[2], row->email)) != CT_OK ||
		    (err = buf_element(&a[3], row->lead_status)) != CT_OK)
			return err;
		err = buf_element(&a[4], row->display[0] ? row->display :
		    NULL);
	}
	for (j = 0; j < 5 && err == CT_OK; j++)
		err = buf_put(&a[j], "}", 1);
	if (err != CT_OK)
		return err;
	v[0] = hash;
	for (j = 0; j < 5; j++)
		v[j + 1] = a[j].s;
	if ((err = ct_db_exec(&r, "SELECT created, updated, unchanged, refused "
	    "FROM ct_import_contacts($1, $2, $3, $4, $5, $6)", 6, v, NULL, NULL,
	    NULL)) != CT_OK)
		return err;
	/* No counts: the token was revoked since the sign-in. */
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0)) {
		PQclear(r);
		return CT_ERR_BAD_TOKEN;
	}
	k->created += atoll(PQgetvalue(r, 0, 0));
	k->updated += atoll(PQgetvalue(r, 0, 1));
	k->unchanged += atoll(PQgetvalue(r, 0, 2));
	err = refused_rows(p, PQgetvalue(r, 0, 3), off, n);
	PQclear(r);
	return err;
}

/* Every row of the plan, in one transaction: all of them or none.  Past
 * CT_IMPORT_DEADLINE_S seconds from started, none, and the database is
 * said to be too slow. */
static enum ct_err
apply(const char *hash, struct ct_import_plan *p, struct counts *k,
    const struct timespec *started)
{
	struct timespec now;
	struct buf a[5];
	enum ct_err err;
	size_t off, n;

	memset(a, 0, sizeof(a));
	memset(k, 0, sizeof(*k));
	if (p->nrows == 0)
		return CT_OK;
	if ((err = ct_db_begin()) != CT_OK)
		return err;
	for (off = 0; off < p->nrows; off += n) {
		n = p->nrows - off < CT_IMPORT_BATCH ? p->nrows - off :
		    CT_IMPORT_BATCH;
		if ((err = apply_batch(hash, p, off, n, a, k)) != CT_OK)
			goto rollback;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - started->tv_sec > CT_IMPORT_DEADLINE_S) {
			err = CT_ERR_DB_UNAVAILABLE;
			goto rollback;
		}
	}
	err = ct_db_commit();
	goto free;
rollback:
	ct_db_rollback();
free:
	for (n = 0; n < 5; n++)
		free(a[n].s);
	return err;
}

/* The answer: the counts and the first CT_IMPORT_REJECTED_MAX refused
 * rows, by line. */
static enum ct_err
answer(struct ct_request *req, const struct ct_import_plan *p,
    const struct counts *k)
{
	json_object *o = json_object_new_object(), *list, *e;
	size_t i, shown;
	char msg[96];

	if (o == NULL || (list = json_object_new_array()) == NULL) {
		json_object_put(o);
		return CT_ERR_NOMEM;
	}
	json_object_object_add(o, "created", json_object_new_int64(k->created));
	json_object_object_add(o, "updated", json_object_new_int64(k->updated));
	json_object_object_add(o, "unchanged",
	    json_object_new_int64(k->unchanged));
	shown = p->nrejects < CT_IMPORT_REJECTED_MAX ? p->nrejects :
	    CT_IMPORT_REJECTED_MAX;
	for (i = 0; i < shown; i++) {
		const struct ct_import_reject *r = &p->rejects[i];

		if ((e = json_object_new_object()) == NULL)
			break;
		json_object_object_add(e, "line", json_object_new_int64(r->line));
		json_object_object_add(e, "code",
		    json_object_new_string(ct_import_code_name(r->code)));
		if (r->code == CT_IMPORT_SUPERSEDED)
			snprintf(msg, sizeof(msg), "line %ld has the same number "
			    "and is the one that counts", r->by);
		json_object_object_add(e, "message", json_object_new_string(
		    r->code == CT_IMPORT_SUPERSEDED ? msg : r->message));
		json_object_array_add(list, e);
	}
	json_object_object_add(o, "rejected", list);
	json_object_object_add(o, "rejected_more",
	    json_object_new_int64((int64_t)(p->nrejects - shown)));
	ct_http_send_json(req, 200, o);
	json_object_put(o);
	return CT_OK;
}

enum ct_err
ct_import_contacts(struct ct_request *req, const void *ctx)
{
	struct ct_import_plan plan;
	struct counts k;
	struct ct_auth a;
	enum ct_err err;

	(void)ctx;
	memset(&plan, 0, sizeof(plan));
	if ((err = ct_auth_bearer(req, &a)) != CT_OK)
		return err;
	if (strcmp(req->path, "/api/contacts/import") != 0)
		return CT_ERR_NOT_FOUND;
	if ((err = ct_auth_require(req, &a, CT_ROLE_EDITOR)) != CT_OK)
		return err;
	/* The file's numbers are read in the org's country (the sign-in's). */
	err = ct_import_plan_make(&plan, req->body, req->body_len, a.country);
	if (err == CT_ERR_MALFORMED_BODY || err == CT_ERR_INVALID_PARAMETER) {
		ct_http_set_detail(req, "file refused: %s", plan.message);
		ct_http_send_error(req, err, plan.parameter, plan.message);
		err = CT_OK;
		goto done;
	}
	if (err != CT_OK)
		goto done;
	if ((err = apply(a.hash, &plan, &k, &req->started)) != CT_OK) {
		/* Nothing of the file was applied: a failure of the database
		 * is the client's to retry, and a retry applies it once. */
		if (err == CT_ERR_INTERNAL)
			err = CT_ERR_DB_UNAVAILABLE;
		ct_http_set_detail(req, "import of %zu rows rolled back: %s",
		    plan.read, ct_err_info(err)->code);
		goto done;
	}
	ct_import_plan_sort(&plan);
	ct_http_set_detail(req, "import: %zu rows, %lld created, %lld updated, "
	    "%lld unchanged, %zu rejected", plan.read, k.created, k.updated,
	    k.unchanged, plan.nrejects);
	err = answer(req, &plan, &k);
done:
	ct_import_plan_free(&plan);
	return err;
}
