/*
 * contacts.c: the contacts and alerts API.  A bearer token names one
 * org; the query is checked against its table (lib/read/query.c) and a
 * write's body against the fields below, in C, before one SQL function
 * answers, given the token's SHA-256: it pins the token's org itself and
 * names the change by the token's label (sql/functions/09_contacts.sql).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/auth.h"
#include "read/contacts.h"
#include "read/csv.h"
#include "read/dashboard.h"
#include "core/db.h"
#include "core/json.h"
#include "ingest/phone.h"
#include "read/query.h"

/* ---- Bodies ---- */

/* The code point at s (well-formed UTF-8, ct_utf8_valid) into *cp;
 * returns its length in bytes. */
static size_t
code_point(const unsigned char *s, unsigned *cp)
{
	size_t n, k;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	*cp = s[0] & (0x7f >> n);
	for (k = 1; k < n; k++)
		*cp = *cp << 6 | (s[k] & 0x3f);
	return n;
}

#define TEXT_LINES	(1 << 0)	/* tab, CR and LF allowed */
#define TEXT_NAME	(1 << 1)	/* no override, isolate or U+FFFD */

/*
 * Is s (len bytes) well-formed UTF-8 of at most max characters, with no
 * control character (C0, DEL, C1: but tab and line breaks with
 * TEXT_LINES)?  With TEXT_NAME, also no bidirectional override or isolate
 * (which make a name read as another) and no U+FFFD, the character json-c
 * puts for an escaped lone surrogate (\ud800): no name holds it.
 */
static int
text_ok(const char *s, size_t len, size_t max, int flags)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, chars = 0;
	unsigned cp;

	if (!ct_utf8_valid(s, len))
		return 0;
	while (i < len) {
		i += code_point(p + i, &cp);
		if (++chars > max)
			return 0;
		if ((cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) &&
		    !((flags & TEXT_LINES) &&
		    (cp == '\t' || cp == '\n' || cp == '\r')))
			return 0;
		if ((flags & TEXT_NAME) && ((cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfffd))
			return 0;
	}
	return 1;
}

static int
valid_name(const char *s, size_t len)
{
	return text_ok(s, len, CT_CONTACT_NAME_MAX, TEXT_NAME);
}

static int
valid_notes(const char *s, size_t len)
{
	return text_ok(s, len, CT_CONTACT_NOTES_MAX, TEXT_LINES);
}

static int
valid_phone(const char *s, size_t len)
{
	return len > 0 && len <= CT_CONTACT_PHONE_MAX &&
	    text_ok(s, len, CT_CONTACT_PHONE_MAX, 0);
}

static int
valid_lead_status(const char *s, size_t len)
{
	static const char *const statuses[] = { "new", "contacted",
	    "qualified", "booked", "lost", NULL };
	const char *const *w;

	for (w = statuses; *w != NULL; w++)
		if (strlen(*w) == len && memcmp(s, *w, len) == 0)
			return 1;
	return 0;
}

/*
 * An address as people write one (RFC 5321's shape, without its quoted
 * and bracketed forms): a local part of 1 to 64 bytes, no space, no
 * control character, none of "(),:;<>[\]@, no dot at either end nor two
 * together; then '@' and a domain of at least two labels of 1 to 63
 * letters, digits, hyphens (not at either end) or non-ASCII letters (an
 * internationalized name), 255 bytes at most.
 */
static int
valid_email(const char *s, size_t len)
{
	const char *at, *p, *label;
	size_t local, n, labels = 0;

	if (!text_ok(s, len, CT_CONTACT_EMAIL_MAX, 0) ||
	    (at = strrchr(s, '@')) == NULL)
		return 0;
	local = (size_t)(at - s);
	if (local == 0 || local > CT_CONTACT_EMAIL_LOCAL_MAX || s[0] == '.' ||
	    at[-1] == '.')
		return 0;
	for (p = s; p < at; p++)
		if ((unsigned char)*p <= ' ' || strchr("\"(),:;<>[\\]@", *p) ||
		    (p[0] == '.' && p[1] == '.'))
			return 0;
	if (strlen(at + 1) == 0 || strlen(at + 1) > 255)
		return 0;
	for (label = at + 1; ; label = p + 1) {
		n = strcspn(label, ".");
		if (n == 0 || n > 63 || label[0] == '-' || label[n - 1] == '-')
			return 0;
		for (p = label; p < label + n; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' ||
			    (unsigned char)*p >= 0x80))
				return 0;
		labels++;
		if (label[n] == '\0')
			break;
		p = label + n;
	}
	return labels >= 2;
}

/* The fields a body may name: its bit, whether null is a value, its
 * check, and where its value goes. */
static const struct field {
	const char	*name;
	unsigned	 bit;
	int		 nullable;
	int		(*valid)(const char *s, size_t len);
	size_t		 off;
} fields[] = {
	{ "phone", CT_CONTACT_PHONE, 0, valid_phone,
	    offsetof(struct ct_contact_change, phone) },
	{ "name", CT_CONTACT_NAME, 1, valid_name,
	    offsetof(struct ct_contact_change, name) },
	{ "email", CT_CONTACT_EMAIL, 1, valid_email,
	    offsetof(struct ct_contact_change, email) },
	{ "lead_status", CT_CONTACT_LEAD_STATUS, 0, valid_lead_status,
	    offsetof(struct ct_contact_change, lead_status) },
	{ "notes", CT_CONTACT_NOTES, 1, valid_notes,
	    offsetof(struct ct_contact_change, notes) },
	{ NULL, 0, 0, NULL, 0 }
};

struct span {
	const char	*at;
	size_t		 len;
};

/*
 * The members' names of the JSON object in buf (well-formed, no NUL), as
 * written, quotes included: the first max into keys.  Returns how many
 * there are.  json-c keeps the last of two members of one name; counting
 * them as written finds the second.
 */
static size_t
member_names(const char *buf, size_t len, struct span *keys, size_t max)
{
	size_t i, j, start, n = 0;
	int depth = 0;

	for (i = 0; i < len; i++) {
		switch (buf[i]) {
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			depth--;
			break;
		case '"':
			start = i;
			for (i++; i < len && buf[i] != '"'; i++)
				if (buf[i] == '\\')
					i++;
			for (j = i + 1; j < len && strchr(" \t\r\n", buf[j]) &&
			    buf[j] != '\0'; j++)
				;
			if (depth == 1 && j < len && buf[j] == ':') {
				if (n < max) {
					keys[n].at = buf + start;
					keys[n].len = i + 1 - start;
				}
				n++;
			}
			break;
		default:
			break;
		}
	}
	return n;
}

/* The field given twice among the members written, or NULL. */
static const char *
given_twice(const char *buf, size_t len)
{
	struct span keys[CT_CONTACT_KEYS_MAX];
	size_t n = member_names(buf, len, keys, CT_CONTACT_KEYS_MAX), i;
	unsigned seen = 0;
	const struct field *f;
	json_object *k;

	if (n > CT_CONTACT_KEYS_MAX)
		return "body";
	for (i = 0; i < n; i++) {
		if (ct_json_parse(keys[i].at, keys[i].len, &k) != CT_OK)
			return "body";
		for (f = fields; f->name != NULL; f++)
			if (json_object_is_type(k, json_type_string) &&
			    strcmp(json_object_get_string(k), f->name) == 0)
				break;
		json_object_put(k);
		if (f->name == NULL)
			continue;
		if (seen & f->bit)
			return f->name;
		seen |= f->bit;
	}
	return NULL;
}

/* A member's name as a parameter to name: itself when a plain word. */
static const char *
member_word(const char *key)
{
	size_t n = strlen(key);

	return n > 0 && n <= 64 && strspn(key,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") ==
	    n ? key : "body";
}

#define BAD_FIELD(name) do { *bad = (name); return CT_ERR_INVALID_PARAMETER; } while (0)

enum ct_err
ct_contact_change_parse(const char *body, size_t len, unsigned allowed,
    unsigned required, struct ct_contact_change *c, const char **bad)
{
	const struct field *f;
	const char *twice, *s;
	size_t slen;
	enum ct_err err;

	memset(c, 0, sizeof(*c));
	*bad = NULL;
	if ((err = ct_json_parse(body, len, &c->root)) == CT_ERR_NOMEM)
		return err;
	if (err != CT_OK || !json_object_is_type(c->root, json_type_object))
		BAD_FIELD("body");
	json_object_object_foreach(c->root, key, v) {
		for (f = fields; f->name != NULL; f++)
			if (strcmp(key, f->name) == 0)
				break;
		if (f->name == NULL || (f->bit & allowed) == 0)
			BAD_FIELD(member_word(key));
		if (v == NULL) {	/* null */
			if (!f->nullable)
				BAD_FIELD(f->name);
			c->given |= f->bit;
			continue;
		}
		if (!json_object_is_type(v, json_type_string))
			BAD_FIELD(f->name);
		s = json_object_get_string(v);
		slen = (size_t)json_object_get_string_len(v);
		if (strlen(s) != slen || !f->valid(s, slen))
			BAD_FIELD(f->name);
		*(const char **)(void *)((char *)c + f->off) = s;
		c->given |= f->bit;
	}
	if ((twice = given_twice(body, len)) != NULL)
		BAD_FIELD(twice);
	for (f = fields; f->name != NULL; f++)
		if ((f->bit & required) && !(c->given & f->bit))
			BAD_FIELD(f->name);
	return CT_OK;
}

void
ct_contact_change_free(struct ct_contact_change *c)
{
	json_object_put(c->root);
	memset(c, 0, sizeof(*c));
}

/* ---- Answers ---- */

/* The JSON a SQL function returned, into *out; NULL is CT_ERR_NOT_FOUND. */
static enum ct_err
sql_json(PGresult *r, json_object **out)
{
	*out = NULL;
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0))
		return CT_ERR_NOT_FOUND;
	return ct_json_parse(PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0),
	    out) == CT_OK ? CT_OK : CT_ERR_INTERNAL;
}

/*
 * A top-level "error" of a writing function's answer, as the error the
 * request gets: a token revoked since the sign-in, a role that may not
 * write, or a field the database refused (a 400 sent here).  CT_OK when
 * there is none.
 */
static enum ct_err
sql_refusal(struct ct_request *req, json_object *o, int *answered)
{
	static const char *const known[] = { "phone", "name", "email",
	    "lead_status", "notes", NULL };
	const char *e = ct_json_path_str(o, "error");
	const char *const *k;

	*answered = 0;
	if (e == NULL)
		return CT_OK;
	if (strcmp(e, "token") == 0)
		return CT_ERR_BAD_TOKEN;
	if (strcmp(e, "forbidden") == 0) {
		ct_http_set_detail(req, "the database refused the token's role");
		return CT_ERR_FORBIDDEN;
	}
	for (k = known; *k != NULL; k++)
		if (strcmp(e, *k) == 0) {
			ct_http_set_detail(req, "%s refused by the database", *k);
			*answered = 1;
			return ct_http_bad_parameter(req, *k);
		}
	return CT_ERR_INTERNAL;
}

/* The display number of a contact the database has none stored for (the
 * webhook path makes contacts), made with the org's country. */
static void
fill_display(json_object *contact, const char *country)
{
	char buf[CT_CONTACT_PHONE_MAX];
	json_object *d;
	const char *phone;

	if (!json_object_object_get_ex(contact, "phone_display", &d) || d != NULL)
		return;
	phone = ct_json_path_str(contact, "phone_number");
	if (phone != NULL && ct_phone_display(phone, country, buf,
	    sizeof(buf)) > 0)
		json_object_object_add(contact, "phone_display",
		    json_object_new_string(buf));
}

/* Takes "country" off o into country (size bytes; "" when none). */
static void
take_country(json_object *o, char *country, size_t size)
{
	const char *c = ct_json_path_str(o, "country");

	snprintf(country, size, "%s", c ? c : "");
	json_object_object_del(o, "country");
}

/* Sends contact o (the org's country in it) with status. */
static enum ct_err
send_contact(struct ct_request *req, int status, json_object *o)
{
	char country[8];

	take_country(o, country, sizeof(country));
	fill_display(o, country);
	ct_http_send_json(req, status, o);
	return CT_OK;
}

/* "<value>|<id>" of a page's last row, as the page's next_cursor. */
static void
add_cursor(json_object *page, const char *sort, int desc)
{
	const char *next = ct_json_path_str(page, "next"), *bar;
	char *value = NULL, *cur = NULL;

	if (next != NULL && (bar = strrchr(next, '|')) != NULL &&
	    (value = strndup(next, (size_t)(bar - next))) != NULL)
		cur = ct_query_cursor(sort, desc, value, bar + 1);
	json_object_object_add(page, "next_cursor", cur ?
	    json_object_new_string(cur) : NULL);
	json_object_object_del(page, "next");
	free(value);
	free(cur);
}

/* ---- Routes ---- */

/* The parameters ct_contacts_page and ct_contacts_csv share, $1 to $7. */
static int
filter_params(const struct ct_contacts_query *q, const char *hash,
    const char **v)
{
	v[0] = hash;
	v[1] = q->digits;
	v[2] = q->words;
	v[3] = q->lead_status;
	v[4] = q->has_name < 0 ? NULL : q->has_name ? "t" : "f";
	v[5] = q->sort;
	v[6] = q->desc ? "t" : "f";
	return 7;
}

static enum ct_err
contacts_page(struct ct_request *req, const char *hash,
    const struct ct_contacts_query *q)
{
	const char *v[11];
	char limit[8], offset[24], country[8];
	json_object *page, *list;
	enum ct_err err;
	PGresult *r;
	size_t i;
	int n = filter_params(q, hash, v);

	snprintf(limit, sizeof(limit), "%d", q->limit);
	snprintf(offset, sizeof(offset), "%lld",
	    q->page > 0 ? (q->page - 1) * q->limit : 0);
	v[n++] = limit;
	v[n++] = offset;
	v[n++] = q->after_value;
	v[n++] = q->after_id[0] ? q->after_id : NULL;
	if ((err = ct_db_exec(&r, "SELECT ct_contacts_page($1, $2, $3, $4, $5,"
	    " $6, $7, $8, $9, $10, $11)", n, v, NULL, NULL, NULL)) != CT_OK)
		return err;
	err = sql_json(r, &page);
	PQclear(r);
	/* No page at all: the token was revoked since the sign-in. */
	if (err != CT_OK)
		return err == CT_ERR_NOT_FOUND ? CT_ERR_BAD_TOKEN : err;
	take_country(page, country, sizeof(country));
	if ((list = json_object_object_get(page, "contacts")) != NULL &&
	    json_object_is_type(list, json_type_array))
		for (i = 0; i < json_object_array_length(list); i++)
			fill_display(json_object_array_get_idx(list, i), country);
	/* A search is counted up to one past CT_SEARCH_COUNT_CAP. */
	if (q->digits != NULL || q->words != NULL) {
		int64_t total = json_object_get_int64(
		    json_object_object_get(page, "total"));
		int capped = total > CT_SEARCH_COUNT_CAP;

		if (capped)
			json_object_object_add(page, "total",
			    json_object_new_int64(CT_SEARCH_COUNT_CAP));
		json_object_object_add(page, "total_capped",
		    json_object_new_boolean(capped));
	}
	json_object_object_add(page, "limit", json_object_new_int(q->limit));
	json_object_object_add(page, "page", q->page > 0 ?
	    json_object_new_int64(q->page) : NULL);
	add_cursor(page, q->sort, q->desc);
	ct_http_send_json(req, 200, page);
	json_object_put(page);
	return CT_OK;
}

static const char csv_header[] = "id,phone_number,name,name_source,email,"
    "lead_status,lead_score,last_contacted_at,call_count,last_call_at,"
    "created_at,updated_at,notes,phone_display\r\n";

struct csv_state {
	struct ct_request	*req;
	long			 rows;
	int			 begun;		/* the status went out */
};

static void
csv_begin(struct csv_state *s)
{
	char extra[160];

	snprintf(extra, sizeof(extra), "Content-Disposition: attachment; "
	    "filename=\"contacts.csv\"\r\nX-Row-Cap: %d\r\n", CT_CONTACTS_CSV_CAP);
	ct_http_begin(s->req, 200, "text/csv; charset=utf-8", extra);
	ct_http_write(s->req, csv_header, sizeof(csv_header) - 1);
	s->begun = 1;
}

/*
 * One row: the line the database made and the display number's cell,
 * made here when the contact has none stored.  As the calls' export does
 * (lib/read/dashboard.c), a row's line break is written before the next
 * row, and the last one only once the query has ended well.
 */
static int
csv_row(PGresult *row, void *arg)
{
	struct csv_state *s = arg;
	char display[CT_CONTACT_PHONE_MAX], cell[2 * CT_CONTACT_PHONE_MAX + 4];
	const char *d = PQgetisnull(row, 0, 2) ? NULL : PQgetvalue(row, 0, 2);
	size_t n;

	if (d == NULL && ct_phone_display(PQgetvalue(row, 0, 1),
	    PQgetvalue(row, 0, 3), display, sizeof(display)) > 0)
		d = display;
	n = ct_csv_cell(d, cell, sizeof(cell));
	if (!s->begun)
		csv_begin(s);
	else
		ct_http_write(s->req, "\r\n", 2);
	ct_http_write(s->req, PQgetvalue(row, 0, 0),
	    (size_t)PQgetlength(row, 0, 0));
	ct_http_write(s->req, ",", 1);
	ct_http_write(s->req, cell, n);
	s->rows++;
	return 0;
}

/*
 * Every matching contact as CSV, streamed, at most CT_CONTACTS_CSV_CAP rows:
 * as the calls' export, the status goes out with the first row, and a
 * query that fails after it breaks the response off (ct_http_abort).
 */
static enum ct_err
contacts_csv(struct ct_request *req, const char *hash,
    const struct ct_contacts_query *q)
{
	struct csv_state s = { req, 0, 0 };
	const char *v[8];
	char cap[16];
	enum ct_err err;
	int n = filter_params(q, hash, v);

	snprintf(cap, sizeof(cap), "%d", CT_CONTACTS_CSV_CAP);
	v[n++] = cap;
	err = ct_db_stream("SELECT line, phone, phone_display, country FROM"
	    " ct_contacts_csv($1, $2, $3, $4, $5, $6, $7, $8)", n, v, csv_row,
	    &s);
	if (err != CT_OK && !s.begun)
		return err;
	if (err != CT_OK) {
		req->code = ct_err_info(err)->code;
		ct_http_set_detail(req, "csv export stopped after %ld rows by a "
		    "database error; the response was broken off", s.rows);
		ct_http_abort(req);
		return CT_OK;
	}
	if (!s.begun)
		csv_begin(&s);
	else
		ct_http_write(req, "\r\n", 2);
	ct_http_set_detail(req, "csv %ld rows", s.rows);
	return CT_OK;
}

static enum ct_err
contacts_list(struct ct_request *req, const struct ct_auth *a)
{
	struct ct_contacts_query q;
	const char *bad;
	enum ct_err err;

	err = ct_contacts_query_parse(req->query, &q, &bad);
	if (err == CT_ERR_INVALID_PARAMETER)
		err = ct_http_bad_parameter(req, bad);
	/* A number is read in the org's country, as the calls' search does:
	 * "020 7946 0018" in a British org finds +44 20 7946 0018. */
	else if (err == CT_OK &&
	    (err = ct_contacts_query_phone(&q, a->country)) == CT_OK)
		err = q.csv ? contacts_csv(req, a->hash, &q) :
		    contacts_page(req, a->hash, &q);
	ct_contacts_query_free(&q);
	return err;
}

static enum ct_err
contact_detail(struct ct_request *req, const struct ct_auth *a,
    const char *id)
{
	const char *v[2] = { a->hash, id };
	json_object *o;
	enum ct_err err;
	PGresult *r;

	if ((err = ct_db_exec(&r, "SELECT ct_contact_detail($1, $2)", 2, v,
	    NULL, NULL, NULL)) != CT_OK)
		return err;
	err = sql_json(r, &o);
	PQclear(r);
	if (err != CT_OK)
		return err;
	err = send_contact(req, 200, o);
	json_object_put(o);
	return err;
}

/* The text[] literal of the fields c gives (their names need no quotes). */
static void
given_fields(const struct ct_contact_change *c, char *out, size_t size)
{
	const struct field *f;
	size_t o = 0;

	o += (size_t)snprintf(out, size, "{");
	for (f = fields; f->name != NULL && o < size; f++)
		if (c->given & f->bit)
			o += (size_t)snprintf(out + o, size - o, "%s%s",
			    o > 1 ? "," : "", f->name);
	if (o < size)
		snprintf(out + o, size - o, "}");
}

/* Answers a write's JSON: its refusal, a missing contact, or the contact
 * with status. */
static enum ct_err
written(struct ct_request *req, PGresult *r, int status)
{
	json_object *o;
	enum ct_err err;
	int answered;

	err = sql_json(r, &o);
	PQclear(r);
	if (err != CT_OK)
		return err;
	if ((err = sql_refusal(req, o, &answered)) != CT_OK || answered) {
		json_object_put(o);
		return err;
	}
	err = send_contact(req, status, o);
	json_object_put(o);
	return err;
}

static enum ct_err
contact_patch(struct ct_request *req, const struct ct_auth *a,
    const char *id)
{
	struct ct_contact_change c;
	char given[64];
	const char *v[7], *bad;
	enum ct_err err;
	PGresult *r;

	err = ct_contact_change_parse(req->body, req->body_len,
	    CT_CONTACT_PATCH_FIELDS, 0, &c, &bad);
	if (err == CT_ERR_INVALID_PARAMETER)
		err = ct_http_bad_parameter(req, bad);
	if (err != CT_OK || req->status != 0) {
		ct_contact_change_free(&c);
		return err;
	}
	given_fields(&c, given, sizeof(given));
	v[0] = a->hash;
	v[1] = id;
	v[2] = given;
	v[3] = c.name;
	v[4] = c.email;
	v[5] = c.lead_status;
	v[6] = c.notes;
	err = ct_db_exec(&r, "SELECT ct_contact_patch($1, $2, $3, $4, $5, $6,"
	    " $7)", 7, v, NULL, NULL, NULL);
	ct_contact_change_free(&c);
	if (err != CT_OK)
		return err;
	ct_http_set_detail(req, "contact %s: %s", id, given);
	return written(req, r, 200);
}

/* The 409 of a number that has a contact: the error, and its id. */
static enum ct_err
conflict(struct ct_request *req, const char *contact_id)
{
	const struct ct_err_info *info = ct_err_info(CT_ERR_CONFLICT);
	json_object *root = json_object_new_object(), *e = json_object_new_object();

	if (root == NULL || e == NULL) {
		json_object_put(root);
		json_object_put(e);
		return CT_ERR_NOMEM;
	}
	json_object_object_add(e, "code", json_object_new_string(info->code));
	json_object_object_add(e, "message", json_object_new_string(
	    "a contact with this phone number exists already"));
	json_object_object_add(e, "parameter", json_object_new_string("phone"));
	json_object_object_add(e, "contact_id",
	    json_object_new_string(contact_id));
	json_object_object_add(root, "error", e);
	ct_http_send_json(req, info->http_status, root);
	req->code = info->code;
	json_object_put(root);
	return CT_OK;
}

static enum ct_err
contact_create(struct ct_request *req, const struct ct_auth *a)
{
	struct ct_contact_change c;
	char country[8] = "", e164[CT_PHONE_E164_MAX];
	char display[CT_CONTACT_PHONE_MAX];
	const char *v[6], *bad, *other;
	json_object *o;
	enum ct_err err;
	PGresult *r;

	err = ct_contact_change_parse(req->body, req->body_len,
	    CT_CONTACT_POST_FIELDS, CT_CONTACT_PHONE, &c, &bad);
	if (err == CT_ERR_INVALID_PARAMETER)
		err = ct_http_bad_parameter(req, bad);
	if (err != CT_OK || req->status != 0)
		goto done;
	/* The number is read with the org's country. */
	v[0] = a->hash;
	if ((err = ct_db_exec(&r, "SELECT ct_org_country($1)", 1, v, NULL, NULL,
	    NULL)) != CT_OK)
		goto done;
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		snprintf(country, sizeof(country), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (country[0] == '\0') {
		err = CT_ERR_BAD_TOKEN;	/* revoked since the sign-in */
		goto done;
	}
	if (ct_phone_e164(c.phone, country, e164) != CT_OK) {
		ct_http_set_detail(req, "not a phone number in %s", country);
		err = ct_http_bad_parameter(req, "phone");
		goto done;
	}
	v[1] = e164;
	v[2] = ct_phone_display(e164, country, display, sizeof(display)) > 0 ?
	    display : NULL;
	v[3] = c.name;
	v[4] = c.email;
	v[5] = c.lead_status;
	if ((err = ct_db_exec(&r, "SELECT ct_contact_create($1, $2, $3, $4, $5,"
	    " $6)", 6, v, NULL, NULL, NULL)) != CT_OK)
		goto done;
	if ((err = sql_json(r, &o)) != CT_OK) {
		PQclear(r);
		goto done;
	}
	if ((other = ct_json_path_str(o, "conflict")) != NULL) {
		PQclear(r);
		ct_http_set_detail(req, "the number has contact %s", other);
		err = conflict(req, other);
		json_object_put(o);
		goto done;
	}
	json_object_put(o);
	err = written(req, r, 201);
	if (err == CT_OK && req->status == 201)
		ct_http_set_detail(req, "contact created");
done:
	ct_contact_change_free(&c);
	return err;
}

static enum ct_err
alerts_list(struct ct_request *req, const struct ct_auth *a)
{
	struct ct_alerts_query q;
	const char *v[5], *bad;
	char limit[8];
	json_object *page;
	enum ct_err err;
	PGresult *r;

	if ((err = ct_alerts_query_parse(req->query, &q, &bad)) != CT_OK) {
		if (err == CT_ERR_INVALID_PARAMETER)
			err = ct_http_bad_parameter(req, bad);
		ct_alerts_query_free(&q);
		return err;
	}
	snprintf(limit, sizeof(limit), "%d", q.limit);
	v[0] = a->hash;
	v[1] = q.state;
	v[2] = limit;
	v[3] = q.after_value;
	v[4] = q.after_id[0] ? q.after_id : NULL;
	err = ct_db_exec(&r, "SELECT ct_alerts_page($1, $2, $3, $4, $5)", 5, v,
	    NULL, NULL, NULL);
	if (err == CT_OK) {
		err = sql_json(r, &page);
		PQclear(r);
		if (err == CT_ERR_NOT_FOUND)
			err = CT_ERR_BAD_TOKEN;
	}
	if (err == CT_OK) {
		json_object_object_add(page, "limit", json_object_new_int(q.limit));
		add_cursor(page, "created_at", 1);
		ct_http_send_json(req, 200, page);
		json_object_put(page);
	}
	ct_alerts_query_free(&q);
	return err;
}

static enum ct_err
alert_acknowledge(struct ct_request *req, const struct ct_auth *a,
    const char *id)
{
	struct ct_contact_change c;
	const char *v[2] = { a->hash, id }, *bad;
	json_object *o;
	enum ct_err err;
	PGresult *r;
	int answered;

	/* No body, or an object without members. */
	if (req->body_len > 0) {
		err = ct_contact_change_parse(req->body, req->body_len, 0, 0, &c,
		    &bad);
		if (err == CT_ERR_INVALID_PARAMETER)
			err = ct_http_bad_parameter(req, bad);
		ct_contact_change_free(&c);
		if (err != CT_OK || req->status != 0)
			return err;
	}
	if ((err = ct_db_exec(&r, "SELECT ct_alert_acknowledge($1, $2)", 2, v,
	    NULL, NULL, NULL)) != CT_OK)
		return err;
	err = sql_json(r, &o);
	PQclear(r);
	if (err != CT_OK)
		return err;
	if ((err = sql_refusal(req, o, &answered)) == CT_OK && !answered) {
		ct_http_set_detail(req, "alert %s acknowledged", id);
		ct_http_send_json(req, 200, o);
	}
	json_object_put(o);
	return err;
}

/* A method the route does not take: 405, Allow naming what it does. */
static enum ct_err
not_allowed(struct ct_request *req, unsigned methods)
{
	req->allow = methods;
	return CT_ERR_METHOD;
}

/* Does path start with prefix, followed by an id and then exactly rest?
 * The id (up to 36 characters) goes into id. */
static int
route_id(const char *path, const char *prefix, const char *rest, char id[37])
{
	size_t n = strlen(prefix), m;

	if (strncmp(path, prefix, n) != 0)
		return 0;
	path += n;
	m = strcspn(path, "/");
	if (m == 0 || m > 36 || strcmp(path + m, rest) != 0)
		return 0;
	memcpy(id, path, m);
	id[m] = '\0';
	return 1;
}

enum ct_err
ct_dashboard_contacts(struct ct_request *req, const void *ctx)
{
	struct ct_auth a;
	char id[37];
	enum ct_err err;
	const char *p = req->path;
	enum ct_method m = req->method;

	(void)ctx;
	if ((err = ct_auth_bearer(req, &a)) != CT_OK)
		return err;
	if (strcmp(p, "/api/contacts") == 0 || strcmp(p, "/api/contacts/") == 0) {
		if (m == CT_METHOD_GET)
			return contacts_list(req, &a);
		if (m != CT_METHOD_POST)
			return not_allowed(req, CT_METHOD_GET | CT_METHOD_POST);
		if ((err = ct_auth_require(req, &a, CT_ROLE_EDITOR)) != CT_OK)
			return err;
		return contact_create(req, &a);
	}
	if (strcmp(p, "/api/alerts") == 0 || strcmp(p, "/api/alerts/") == 0)
		return m == CT_METHOD_GET ? alerts_list(req, &a) :
		    not_allowed(req, CT_METHOD_GET);
	if (route_id(p, "/api/contacts/", "", id)) {
		if (m != CT_METHOD_GET && m != CT_METHOD_PATCH)
			return not_allowed(req, CT_METHOD_GET | CT_METHOD_PATCH);
		if (m == CT_METHOD_PATCH &&
		    (err = ct_auth_require(req, &a, CT_ROLE_EDITOR)) != CT_OK)
			return err;
		/* Another org's contact is not found, as no contact is. */
		if (!ct_query_uuid(id))
			return CT_ERR_NOT_FOUND;
		return m == CT_METHOD_GET ? contact_detail(req, &a, id) :
		    contact_patch(req, &a, id);
	}
	if (route_id(p, "/api/alerts/", "/acknowledge", id)) {
		if (m != CT_METHOD_POST)
			return not_allowed(req, CT_METHOD_POST);
		if ((err = ct_auth_require(req, &a, CT_ROLE_EDITOR)) != CT_OK)
			return err;
		if (!ct_query_uuid(id))
			return CT_ERR_NOT_FOUND;
		return alert_acknowledge(req, &a, id);
	}
	return CT_ERR_NOT_FOUND;
}
