/*
 * message.c: the signature, the text, the Slack message and the mail of a
 * notification.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/json.h"
#include "notify/message.h"

/* ---- A growable buffer ---- */

struct buf {
	char	*p;
	size_t	 len, cap;
	int	 nomem;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->nomem)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *p;

		while (b->len + n + 1 > cap)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->nomem = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
buf_fmt(struct buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* ---- Standard Webhooks ---- */

/* One "v1,<signature>" for the key in secret, appended at out. */
static enum ct_err
sign_one(const char *secret, const char *id, long long ts, const char *body,
    size_t len, char *out)
{
	unsigned char key[64], mac[CT_CRYPTO_MAX_MD];
	char head[160];
	size_t keylen, maclen;
	int n;
	enum ct_err err;

	if (secret == NULL || strncmp(secret, "whsec_", 6) != 0)
		return CT_ERR_INVALID_PARAMETER;
	if (ct_crypto_base64_decode(secret + 6, strlen(secret + 6), key,
	    sizeof(key), &keylen) != CT_OK || keylen == 0)
		return CT_ERR_INVALID_PARAMETER;
	n = snprintf(head, sizeof(head), "%s.%lld.", id, ts);
	if (n < 0 || (size_t)n >= sizeof(head))
		return CT_ERR_INVALID_PARAMETER;
	err = ct_crypto_hmac(CT_SHA256, key, keylen, head, (size_t)n, body, len,
	    mac, &maclen);
	memset(key, 0, sizeof(key));
	if (err != CT_OK)
		return err;
	memcpy(out, "v1,", 3);
	ct_crypto_base64(mac, maclen, out + 3);
	return CT_OK;
}

enum ct_err
ct_notify_sign(const char *secret, const char *secret_next, const char *id,
    long long ts, const char *body, size_t len, char *out)
{
	enum ct_err err;
	size_t n;

	out[0] = '\0';
	if ((err = sign_one(secret, id, ts, body, len, out)) != CT_OK)
		return err;
	if (secret_next != NULL && *secret_next != '\0') {
		n = strlen(out);
		out[n] = ' ';
		if ((err = sign_one(secret_next, id, ts, body, len,
		    out + n + 1)) != CT_OK) {
			out[0] = '\0';
			return err;
		}
	}
	return CT_OK;
}

/* ---- The text ---- */

/* Appends s to b with control characters as spaces, at most max bytes,
 * cut between characters (s is valid UTF-8: ct_json_parse checked it). */
static void
add_clean(struct buf *b, const char *s, size_t max)
{
	size_t n = strlen(s), i;
	char c;

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		c = s[i];
		if ((unsigned char)c < 0x20 || c == 0x7f)
			c = ' ';
		buf_add(b, &c, 1);
	}
	if (n < strlen(s))
		buf_str(b, "...");
}

/* The string at path, or NULL. */
static const char *
str_at(json_object *o, const char *path)
{
	return ct_json_path_str(o, path);
}

/* The integer at path, or -1. */
static long long
int_at(json_object *o, const char *path)
{
	double d;

	return ct_json_path_number(o, path, &d) && d >= 0 && d < 1e15 ?
	    (long long)d : -1;
}

/* "Maria López (+1 555-555-0142)", or the number alone when the name is
 * only the number, or "an unknown caller". */
static void
add_who(struct buf *b, json_object *call, json_object *contact)
{
	const char *name = str_at(call, "caller_name");
	const char *src = str_at(call, "name_source");
	const char *phone = str_at(contact, "phone_display");

	if (phone == NULL)
		phone = str_at(call, "phone_number");
	if (name != NULL && src != NULL && strcmp(src, "contact") == 0) {
		add_clean(b, name, 120);
		if (phone != NULL) {
			buf_str(b, " (");
			add_clean(b, phone, 40);
			buf_str(b, ")");
		}
	} else if (phone != NULL) {
		add_clean(b, phone, 40);
	} else {
		buf_str(b, "an unknown caller");
	}
}

static void
add_call_lines(struct buf *b, const char *type, json_object *data)
{
	json_object *call = ct_json_path(data, "call");
	json_object *contact = ct_json_path(data, "contact");
	json_object *reasons = ct_json_path(data, "alert.reasons");
	const char *s;
	long long score;
	size_t i;

	buf_str(b, "Caller: ");
	add_who(b, call, contact);
	buf_str(b, "\n");
	if (strcmp(type, "call.hot_lead") == 0) {
		score = int_at(data, "alert.score");
		if (score < 0)
			score = int_at(call, "lead_score");
		if (score >= 0)
			buf_fmt(b, "Score: %lld", score);
		if (reasons != NULL && json_object_is_type(reasons,
		    json_type_array)) {
			for (i = 0; i < json_object_array_length(reasons) &&
			    i < 5; i++) {
				json_object *r = json_object_array_get_idx(
				    reasons, i);

				if (!json_object_is_type(r, json_type_string))
					continue;
				buf_str(b, i == 0 ? (score >= 0 ? " (" : "(") :
				    ", ");
				add_clean(b, json_object_get_string(r), 120);
				if (i + 1 == json_object_array_length(reasons) ||
				    i == 4)
					buf_str(b, ")");
			}
		}
		buf_str(b, "\n");
	}
	if ((s = str_at(call, "status")) != NULL) {
		buf_str(b, "Status: ");
		add_clean(b, s, 40);
		if ((s = str_at(call, "end_call_reason")) != NULL) {
			buf_str(b, ", ended by ");
			add_clean(b, s, 40);
		}
		if ((s = str_at(call, "ended_reason")) != NULL) {
			buf_str(b, " (");
			add_clean(b, s, 100);
			buf_str(b, ")");
		}
		buf_str(b, "\n");
	}
	if ((score = int_at(call, "duration_seconds")) >= 0)
		buf_fmt(b, "Duration: %lld s\n", score);
	if ((s = str_at(call, "booking_status")) != NULL &&
	    strcmp(s, "attempted_failed") == 0)
		buf_str(b, "Booking: attempted, and it failed\n");
	if ((s = str_at(call, "sentiment")) != NULL) {
		buf_str(b, "Sentiment: ");
		add_clean(b, s, 20);
		buf_str(b, "\n");
	}
	if ((s = str_at(call, "call_at")) != NULL) {
		buf_str(b, "When: ");
		add_clean(b, s, 40);
		buf_str(b, "\n");
	}
	if ((s = str_at(call, "summary")) != NULL) {
		buf_str(b, "Summary: ");
		add_clean(b, s, 1500);
		buf_str(b, "\n");
	}
}

static void
add_digest_list(struct buf *b, json_object *list, const char *title,
    int with_score)
{
	size_t i, n;

	if (list == NULL || !json_object_is_type(list, json_type_array) ||
	    (n = json_object_array_length(list)) == 0)
		return;
	buf_str(b, title);
	for (i = 0; i < n && i < 20; i++) {
		json_object *e = json_object_array_get_idx(list, i);
		const char *name = str_at(e, "caller_name");
		const char *phone = str_at(e, "phone_number");

		buf_str(b, "\n- ");
		add_clean(b, name ? name : phone ? phone : "an unknown caller",
		    120);
		if (phone != NULL && name != NULL && strcmp(name, phone) != 0) {
			buf_str(b, " (");
			add_clean(b, phone, 40);
			buf_str(b, ")");
		}
		if (with_score && int_at(e, "score") >= 0)
			buf_fmt(b, ", score %lld", int_at(e, "score"));
	}
	if (n > 20)
		buf_fmt(b, "\n- and %zu more", n - 20);
	buf_str(b, "\n");
}

static void
add_digest_lines(struct buf *b, json_object *d)
{
	buf_fmt(b, "Calls: %lld, answered %lld\n",
	    int_at(d, "figures.total_calls"), int_at(d, "figures.answered_calls"));
	buf_fmt(b, "Bookings: %lld confirmed, %lld failed\n",
	    int_at(d, "figures.booking.confirmed"),
	    int_at(d, "figures.booking.attempted_failed"));
	buf_fmt(b, "Hot leads: %lld\n", int_at(d, "figures.hot_leads"));
	add_digest_list(b, ct_json_path(d, "hot_leads"), "Hot leads of the day:",
	    1);
	add_digest_list(b, ct_json_path(d, "failed_bookings"),
	    "Failed bookings:", 0);
}

/* Copies at most cap - 1 bytes of b into dst, cut between characters. */
static void
copy_out(char *dst, size_t cap, const struct buf *b)
{
	size_t n = b->len < cap - 1 ? b->len : cap - 1;

	while (n < b->len && n > 0 && ((unsigned char)b->p[n] & 0xc0) == 0x80)
		n--;
	if (n > 0)
		memcpy(dst, b->p, n);
	dst[n] = '\0';
}

enum ct_err
ct_notify_describe(const char *body, size_t len, const char *dashboard_url,
    struct ct_notify_text *t)
{
	struct buf subj = { 0 }, text = { 0 };
	json_object *root = NULL, *data;
	const char *type, *id;
	enum ct_err err = CT_ERR_MALFORMED_BODY;

	memset(t, 0, sizeof(*t));
	if (ct_json_parse(body, len, &root) != CT_OK)
		return CT_ERR_MALFORMED_BODY;
	if ((type = str_at(root, "type")) == NULL ||
	    (data = ct_json_path(root, "data")) == NULL)
		goto cleanup_root;
	if (strncmp(type, "call.", 5) == 0) {
		json_object *call = ct_json_path(data, "call");

		buf_str(&subj, strcmp(type, "call.hot_lead") == 0 ? "Hot lead: " :
		    strcmp(type, "call.booking_failed") == 0 ? "Booking failed: " :
		    strcmp(type, "call.missed") == 0 ? "Missed call: " :
		    strcmp(type, "call.negative_sentiment") == 0 ?
		    "Negative call: " : strcmp(type, "call.stuck") == 0 ?
		    "Call without a final report: " : "Call: ");
		add_who(&subj, call, ct_json_path(data, "contact"));
		add_call_lines(&text, type, data);
		id = str_at(call, "id");
		if (dashboard_url != NULL && *dashboard_url != '\0' &&
		    id != NULL && strlen(id) <= 64)
			snprintf(t->link, sizeof(t->link), "%s#/calls/%s",
			    dashboard_url, id);
	} else if (strcmp(type, "digest.daily") == 0) {
		json_object *d = ct_json_path(data, "digest");
		const char *day = str_at(d, "day");

		buf_str(&subj, "Daily digest for ");
		add_clean(&subj, day ? day : "yesterday", 20);
		buf_fmt(&subj, ": %lld calls, %lld hot leads, %lld failed "
		    "bookings", int_at(d, "figures.total_calls"),
		    int_at(d, "figures.hot_leads"),
		    int_at(d, "figures.booking.attempted_failed"));
		add_digest_lines(&text, d);
		if (dashboard_url != NULL && *dashboard_url != '\0')
			snprintf(t->link, sizeof(t->link), "%s", dashboard_url);
	} else if (strcmp(type, "test") == 0) {
		buf_str(&subj, "Test message from calltrack");
		buf_str(&text, "This is a test message from calltrack: this "
		    "destination receives its notifications.\n");
	} else {
		buf_str(&subj, "calltrack: ");
		add_clean(&subj, type, 40);
	}
	if (subj.nomem || text.nomem) {
		err = CT_ERR_NOMEM;
		goto cleanup_bufs;
	}
	if (subj.len > 0)
		copy_out(t->subject, sizeof(t->subject), &subj);
	if (text.len > 0)
		copy_out(t->text, sizeof(t->text), &text);
	err = CT_OK;
cleanup_bufs:
	free(subj.p);
	free(text.p);
cleanup_root:
	json_object_put(root);
	return err;
}

/* ---- Slack ---- */

/* Appends s with Slack's control characters escaped (its "Formatting
 * text for app surfaces": &, <, > as HTML entities). */
static void
add_mrkdwn(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '&')
			buf_str(b, "&amp;");
		else if (*s == '<')
			buf_str(b, "&lt;");
		else if (*s == '>')
			buf_str(b, "&gt;");
		else
			buf_add(b, s, 1);
	}
}

enum ct_err
ct_notify_slack(const struct ct_notify_text *t, char **out)
{
	struct buf m = { 0 };
	json_object *root, *blocks, *section, *text;
	const char *s;
	enum ct_err err = CT_ERR_NOMEM;

	*out = NULL;
	/* A section's text is at most 3,000 characters. */
	buf_str(&m, "*");
	add_mrkdwn(&m, t->subject);
	buf_str(&m, "*\n");
	add_mrkdwn(&m, t->text);
	if (m.nomem)
		goto cleanup_buf;
	if (m.len > 2900) {
		m.len = 2900;
		while (m.len > 0 && ((unsigned char)m.p[m.len] & 0xc0) == 0x80)
			m.len--;
		m.p[m.len] = '\0';
	}
	root = json_object_new_object();
	blocks = json_object_new_array();
	section = json_object_new_object();
	text = json_object_new_object();
	if (root == NULL || blocks == NULL || section == NULL || text == NULL) {
		json_object_put(root);
		json_object_put(blocks);
		json_object_put(section);
		json_object_put(text);
		goto cleanup_buf;
	}
	json_object_object_add(root, "text", json_object_new_string(t->subject));
	json_object_object_add(text, "type", json_object_new_string("mrkdwn"));
	json_object_object_add(text, "text", json_object_new_string(m.p));
	json_object_object_add(section, "type", json_object_new_string("section"));
	json_object_object_add(section, "text", text);
	json_object_array_add(blocks, section);
	if (t->link[0] != '\0') {
		json_object *actions = json_object_new_object();
		json_object *elements = json_object_new_array();
		json_object *button = json_object_new_object();
		json_object *label = json_object_new_object();

		json_object_object_add(label, "type",
		    json_object_new_string("plain_text"));
		json_object_object_add(label, "text",
		    json_object_new_string("Open the call"));
		json_object_object_add(button, "type",
		    json_object_new_string("button"));
		json_object_object_add(button, "text", label);
		json_object_object_add(button, "url",
		    json_object_new_string(t->link));
		json_object_array_add(elements, button);
		json_object_object_add(actions, "type",
		    json_object_new_string("actions"));
		json_object_object_add(actions, "elements", elements);
		json_object_array_add(blocks, actions);
	}
	json_object_object_add(root, "blocks", blocks);
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s != NULL && (*out = strdup(s)) != NULL)
		err = CT_OK;
	json_object_put(root);
cleanup_buf:
	free(m.p);
	return err;
}

/* ---- Mail ---- */

int
ct_notify_addr_ok(const char *a)
{
	size_t n, at = 0, i;

	if (a == NULL || (n = strlen(a)) == 0 || n > CT_NOTIFY_ADDR_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)a[i];

		if (c <= 0x20 || c >= 0x7f || strchr("<>()[],;:\\\"", c) != NULL)
			return 0;
		if (c == '@') {
			if (at != 0)
				return 0;
			at = i;
		}
	}
	return at > 0 && at < n - 1;
}

enum ct_err
ct_notify_recipients(const char *to_json, char rcpt[][CT_NOTIFY_ADDR_MAX + 1],
    int *n)
{
	json_object *arr = NULL;
	size_t i;
	enum ct_err err = CT_ERR_INVALID_PARAMETER;

	*n = 0;
	if (to_json == NULL || ct_json_parse(to_json, strlen(to_json), &arr) !=
	    CT_OK)
		return CT_ERR_INVALID_PARAMETER;
	if (!json_object_is_type(arr, json_type_array) ||
	    json_object_array_length(arr) == 0 ||
	    json_object_array_length(arr) > CT_NOTIFY_RCPT_MAX)
		goto cleanup;
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		const char *s = json_object_get_string(e);

		if (!json_object_is_type(e, json_type_string) ||
		    !ct_notify_addr_ok(s))
			goto cleanup;
		snprintf(rcpt[i], CT_NOTIFY_ADDR_MAX + 1, "%s", s);
	}
	*n = (int)i;
	err = CT_OK;
cleanup:
	json_object_put(arr);
	return err;
}

int
ct_notify_header_words(const char *s, char *out, size_t outlen)
{
	size_t n = strlen(s), i, o = 0, chunk;
	int ascii = 1;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			ascii = 0;
	if (ascii) {
		if (n + 1 > outlen)
			return -1;
		memcpy(out, s, n + 1);
		return (int)n;
	}
	/* "=?UTF-8?B?" + at most 52 Base64 characters (39 bytes) + "?=" is
	 * 64 characters, inside RFC 2047's 75, and with "Subject: " before
	 * the first one inside RFC 5322's 78. */
	for (i = 0; i < n; i += chunk) {
		char enc[64];

		chunk = n - i < 39 ? n - i : 39;
		while (i + chunk < n && chunk > 0 &&
		    ((unsigned char)s[i + chunk] & 0xc0) == 0x80)
			chunk--;
		ct_crypto_base64((const unsigned char *)s + i, chunk, enc);
		if (o + 3 + 10 + strlen(enc) + 2 + 1 > outlen)
			return -1;
		if (i > 0) {
			memcpy(out + o, "\r\n ", 3);
			o += 3;
		}
		o += (size_t)snprintf(out + o, outlen - o, "=?UTF-8?B?%s?=", enc);
	}
	out[o] = '\0';
	return (int)o;
}

/* Appends text as quoted-printable (RFC 2045, 6.7): CRLF for each \n,
 * lines of at most 76 characters with soft breaks. */
static void
add_qp(struct buf *b, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;
	const char *p;

	for (p = text; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		char enc[3];
		size_t w;
		int plain = (c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && p[1] != '\n' && p[1] != '\0');

		if (c == '\n') {
			buf_str(b, "\r\n");
			col = 0;
			continue;
		}
		w = plain ? 1 : 3;
		if (col + w > 75) {
			buf_str(b, "=\r\n");
			col = 0;
		}
		if (plain) {
			buf_add(b, (const char *)&c, 1);
		} else {
			enc[0] = '=';
			enc[1] = hex[c >> 4];
			enc[2] = hex[c & 15];
			buf_add(b, enc, 3);
		}
		col += w;
	}
	if (col > 0)
		buf_str(b, "\r\n");
}

enum ct_err
ct_notify_email(const struct ct_notify_text *t, const char *from,
    char rcpt[][CT_NOTIFY_ADDR_MAX + 1], int n, const char *message_id,
    time_t now, char **out, size_t *outlen)
{
	struct buf m = { 0 };
	char date[64], subject[1200];
	const char *domain;
	struct tm tm;
	int i;

	*out = NULL;
	*outlen = 0;
	if (!ct_notify_addr_ok(from) || n < 1)
		return CT_ERR_INVALID_PARAMETER;
	domain = strchr(from, '@') + 1;
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm) == 0)
		return CT_ERR_INTERNAL;
	if (ct_notify_header_words(t->subject, subject, sizeof(subject)) < 0)
		return CT_ERR_INTERNAL;
	buf_fmt(&m, "Date: %s\r\n", date);
	buf_fmt(&m, "Message-ID: <%s@%s>\r\n", message_id, domain);
	buf_fmt(&m, "From: calltrack <%s>\r\n", from);
	buf_str(&m, "To: ");
	for (i = 0; i < n; i++)
		buf_fmt(&m, "%s<%s>", i > 0 ? ",\r\n " : "", rcpt[i]);
	buf_str(&m, "\r\nSubject: ");
	buf_str(&m, subject);
	buf_str(&m, "\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "Auto-Submitted: auto-generated\r\n\r\n");
	add_qp(&m, t->text);
	if (t->link[0] != '\0') {
		buf_str(&m, "\r\n");
		add_qp(&m, t->link);
	}
	if (m.nomem) {
		free(m.p);
		return CT_ERR_NOMEM;
	}
	*out = m.p;
	*outlen = m.len;
	return CT_OK;
}
