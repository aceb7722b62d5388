/*
 * notify.c: the rules of a notification destination (notify.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/crypto.h"
#include "core/json.h"
#include "core/num.h"
#include "read/notify.h"

static const char *const kinds[] = {
	[CT_NOTIFY_WEBHOOK] = "webhook",
	[CT_NOTIFY_SLACK] = "slack",
	[CT_NOTIFY_EMAIL] = "email",
};

static const char *const events[] = { "call.hot_lead", "call.booking_failed",
    "call.missed", "call.negative_sentiment", "call.stuck", "digest.daily",
    NULL };

bool
ct_notify_kind_parse(const char *name, enum ct_notify_kind *kind)
{
	int i;

	for (i = CT_NOTIFY_WEBHOOK; i <= CT_NOTIFY_EMAIL; i++)
		if (name != NULL && strcmp(name, kinds[i]) == 0) {
			*kind = (enum ct_notify_kind)i;
			return true;
		}
	return false;
}

const char *
ct_notify_kind_name(enum ct_notify_kind kind)
{
	if (kind < CT_NOTIFY_WEBHOOK || kind > CT_NOTIFY_EMAIL)
		return "?";
	return kinds[kind];
}

bool
ct_notify_event_known(const char *name)
{
	const char *const *e;

	for (e = events; name != NULL && *e != NULL; e++)
		if (strcmp(name, *e) == 0)
			return true;
	return false;
}

enum ct_err
ct_notify_event_add(struct ct_notify_dest *d, const char *name)
{
	size_t i;

	if (!ct_notify_event_known(name) || d->nevents >= CT_NOTIFY_EVENTS_MAX)
		return CT_ERR_INVALID_PARAMETER;
	for (i = 0; i < d->nevents; i++)
		if (strcmp(d->events[i], name) == 0)
			return CT_ERR_INVALID_PARAMETER;
	d->events[d->nevents++] = name;
	return CT_OK;
}

/* Host name labels: 1 to 63 letters, digits, '-' or '_', not starting or
 * ending with '-', at most 253 bytes in all; one trailing dot allowed. */
static bool
host_name_valid(const char *s, size_t n)
{
	size_t i, label = 0;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return s[n - 1] != '-';
}

bool
ct_notify_address_valid(const char *a)
{
	static const char atext[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-";
	const char *at;
	size_t n, local, domain, i;

	if (a == NULL || (n = strlen(a)) == 0 || n > CT_NOTIFY_ADDRESS_MAX ||
	    (at = strrchr(a, '@')) == NULL)
		return false;
	local = (size_t)(at - a);
	if (local == 0 || local > 64 || a[0] == '.' || a[local - 1] == '.')
		return false;
	for (i = 0; i < local; i++) {
		if (a[i] == '.') {
			if (a[i + 1] == '.')
				return false;
		} else if (strchr(atext, a[i]) == NULL) {
			return false;
		}
	}
	/* The domain: host name labels, without a trailing dot. */
	domain = n - local - 1;
	return domain > 0 && at[domain] != '.' &&
	    host_name_valid(at + 1, domain);
}

enum ct_err
ct_notify_to_add(struct ct_notify_dest *d, const char *addr)
{
	size_t i;

	if (!ct_notify_address_valid(addr) || d->nto >= CT_NOTIFY_TO_MAX)
		return CT_ERR_INVALID_PARAMETER;
	for (i = 0; i < d->nto; i++)
		if (strcasecmp(d->to[i], addr) == 0)
			return CT_ERR_INVALID_PARAMETER;
	d->to[d->nto++] = addr;
	return CT_OK;
}

static bool
v4_public(const unsigned char *b)
{
	return !(b[0] == 0 ||				/* 0/8, "this network" */
	    b[0] == 10 ||				/* 10/8 */
	    (b[0] == 100 && (b[1] & 0xc0) == 64) ||	/* 100.64/10, shared */
	    b[0] == 127 ||				/* loopback */
	    (b[0] == 169 && b[1] == 254) ||		/* link-local, metadata */
	    (b[0] == 172 && (b[1] & 0xf0) == 16) ||	/* 172.16/12 */
	    (b[0] == 192 && b[1] == 0 && b[2] == 0) ||	/* 192.0.0/24 */
	    (b[0] == 192 && b[1] == 0 && b[2] == 2) ||	/* TEST-NET-1 */
	    (b[0] == 192 && b[1] == 88 && b[2] == 99) ||	/* 6to4 relays */
	    (b[0] == 192 && b[1] == 168) ||		/* 192.168/16 */
	    (b[0] == 198 && (b[1] & 0xfe) == 18) ||	/* 198.18/15 */
	    (b[0] == 198 && b[1] == 51 && b[2] == 100) ||	/* TEST-NET-2 */
	    (b[0] == 203 && b[1] == 0 && b[2] == 113) ||	/* TEST-NET-3 */
	    b[0] >= 224);		/* multicast, reserved, broadcast */
}

static bool
zero(const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

bool
ct_notify_addr_public(int family, const unsigned char *b)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };

	if (family == AF_INET)
		return v4_public(b);
	if (family != AF_INET6)
		return false;
	/* Those that carry an IPv4 address: ::ffff:a.b.c.d (mapped),
	 * ::a.b.c.d (compatible; :: and ::1 among them), 64:ff9b::/96
	 * (NAT64, RFC 6052), 2002::/16 (6to4, RFC 3056). */
	if (memcmp(b, mapped, 12) == 0 || zero(b, 12) ||
	    memcmp(b, nat64, 12) == 0)
		return v4_public(b + 12);
	if (b[0] == 0x20 && b[1] == 0x02)
		return v4_public(b + 2);
	return !((b[0] & 0xfe) == 0xfc ||		/* fc00::/7, unique local */
	    (b[0] == 0xfe && (b[1] & 0x80) == 0x80) ||	/* fe80::/10, fec0::/10 */
	    b[0] == 0xff ||				/* multicast */
	    zero(b, 8) ||				/* the rest of ::/64 */
	    (b[0] == 0x01 && b[1] == 0 && zero(b + 2, 6)) ||	/* discard */
	    (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) ||
							/* Teredo */
	    (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d &&
	     b[3] == 0xb8) ||				/* documentation */
	    (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b));
							/* NAT64 local use */
}

static bool
hex_digit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* RFC 3986 allows none of these anywhere in a URI. */
static bool
url_chars_valid(const char *url, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)url[i];

		if (c <= 0x20 || c >= 0x7f || strchr("\"<>\\^`{|}", c) != NULL)
			return false;
		if (c == '%' && (i + 2 >= n || !hex_digit(url[i + 1]) ||
		    !hex_digit(url[i + 2])))
			return false;
	}
	return true;
}

/* The host names that are the machine itself, whatever DNS says (RFC
 * 6761, 6.3). */
static bool
is_localhost(const char *h, size_t n)
{
	if (n > 0 && h[n - 1] == '.')
		n--;
	return (n == 9 && strncasecmp(h, "localhost", 9) == 0) ||
	    (n > 10 && strncasecmp(h + n - 10, ".localhost", 10) == 0);
}

/* Checks a host (a name, an IPv4 address, or [IPv6]) of n bytes. */
static enum ct_err
host_check(const char *h, size_t n, bool allow_private)
{
	unsigned char addr[16];
	char buf[256];
	struct in_addr v4;

	if (n == 0 || n >= sizeof(buf))
		return CT_ERR_INVALID_PARAMETER;
	if (h[0] == '[') {
		if (n < 3 || h[n - 1] != ']')
			return CT_ERR_INVALID_PARAMETER;
		memcpy(buf, h + 1, n - 2);
		buf[n - 2] = '\0';
		if (inet_pton(AF_INET6, buf, addr) != 1)
			return CT_ERR_INVALID_PARAMETER;
		return allow_private || ct_notify_addr_public(AF_INET6, addr) ?
		    CT_OK : CT_ERR_INVALID_PARAMETER;
	}
	if (!host_name_valid(h, n))
		return CT_ERR_INVALID_PARAMETER;
	/* A trailing dot would make no address of it here, and may to a
	 * resolver. */
	memcpy(buf, h, n);
	buf[h[n - 1] == '.' ? n - 1 : n] = '\0';
	/* inet_aton reads what the resolver would take for an address
	 * (127.1, 0x7f.0.0.1, 2130706433), not only dotted quads. */
	if (inet_aton(buf, &v4) != 0) {
		memcpy(addr, &v4.s_addr, 4);
		return allow_private || ct_notify_addr_public(AF_INET, addr) ?
		    CT_OK : CT_ERR_INVALID_PARAMETER;
	}
	if (!allow_private && is_localhost(h, n))
		return CT_ERR_INVALID_PARAMETER;
	return CT_OK;
}

enum ct_err
ct_notify_url_check(enum ct_notify_kind kind, const char *url,
    bool allow_private)
{
	const char *auth, *end, *port;
	size_t n, slen, alen, hlen;
	long long p;

	if (url == NULL || (n = strlen(url)) == 0 || n > CT_NOTIFY_URL_MAX ||
	    !url_chars_valid(url, n))
		return CT_ERR_INVALID_PARAMETER;
	if ((auth = strstr(url, "://")) == NULL)
		return CT_ERR_INVALID_PARAMETER;
	slen = (size_t)(auth - url);
	auth += 3;
	switch (kind) {
	case CT_NOTIFY_WEBHOOK:
		if (!(slen == 5 && strncasecmp(url, "https", 5) == 0) &&
		    !(allow_private && slen == 4 &&
		    strncasecmp(url, "http", 4) == 0))
			return CT_ERR_INVALID_PARAMETER;
		break;
	case CT_NOTIFY_SLACK:
		if (!(slen == 5 && strncasecmp(url, "https", 5) == 0))
			return CT_ERR_INVALID_PARAMETER;
		break;
	case CT_NOTIFY_EMAIL:
		if (!(slen == 4 && strncasecmp(url, "smtp", 4) == 0) &&
		    !(slen == 5 && strncasecmp(url, "smtps", 5) == 0))
			return CT_ERR_INVALID_PARAMETER;
		break;
	default:
		return CT_ERR_INVALID_PARAMETER;
	}
	alen = strcspn(auth, "/?#");
	end = auth + alen;
	/* A user or password never goes in the URL: it would be shown with
	 * it, and logged by whatever logs URLs. */
	if (alen == 0 || memchr(auth, '@', alen) != NULL)
		return CT_ERR_INVALID_PARAMETER;
	/* The port: after the last ':' outside an IPv6 literal's brackets. */
	port = NULL;
	if (auth[0] == '[') {
		const char *close = memchr(auth, ']', alen);

		if (close == NULL)
			return CT_ERR_INVALID_PARAMETER;
		if (close + 1 < end) {
			if (close[1] != ':')
				return CT_ERR_INVALID_PARAMETER;
			port = close + 1;
		}
		hlen = (size_t)(close + 1 - auth);
	} else {
		port = memchr(auth, ':', alen);
		hlen = port ? (size_t)(port - auth) : alen;
	}
	if (port != NULL && (ct_num_parse_i64(port + 1,
	    (size_t)(end - port - 1), 1, 65535, &p) != CT_OK))
		return CT_ERR_INVALID_PARAMETER;
	if (host_check(auth, hlen, allow_private) != CT_OK)
		return CT_ERR_INVALID_PARAMETER;
	/* An SMTP server is a host and a port, nothing more. */
	if (kind == CT_NOTIFY_EMAIL && !(*end == '\0' ||
	    (end[0] == '/' && end[1] == '\0')))
		return CT_ERR_INVALID_PARAMETER;
	return CT_OK;
}

/* Printable text of 1 to max bytes, valid UTF-8, no control character. */
static bool
text_valid(const char *s, size_t max)
{
	size_t n, i;

	if (s == NULL || (n = strlen(s)) == 0 || n > max ||
	    !ct_utf8_valid(s, n))
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

#define BAD(name) do { *bad = (name); return CT_ERR_INVALID_PARAMETER; } while (0)

enum ct_err
ct_notify_dest_check(const struct ct_notify_dest *d, bool allow_private,
    const char **bad)
{
	int email = d->kind == CT_NOTIFY_EMAIL;
	const char *url_name = email ? "smtp_url" : "url";
	size_t i, j;

	*bad = NULL;
	if (d->kind < CT_NOTIFY_WEBHOOK || d->kind > CT_NOTIFY_EMAIL)
		BAD("kind");
	if (ct_notify_url_check(d->kind, d->url, allow_private) != CT_OK)
		BAD(url_name);
	if (d->nevents == 0 || d->nevents > CT_NOTIFY_EVENTS_MAX)
		BAD("events");
	for (i = 0; i < d->nevents; i++) {
		if (!ct_notify_event_known(d->events[i]))
			BAD("events");
		for (j = 0; j < i; j++)
			if (strcmp(d->events[i], d->events[j]) == 0)
				BAD("events");
	}
	if (!email) {
		if (d->nto > 0)
			BAD("to");
		if (d->from != NULL)
			BAD("from");
		if (d->smtp_user != NULL)
			BAD("smtp_user");
		if (d->smtp_password != NULL)
			BAD("smtp_password");
		return CT_OK;
	}
	if (d->nto == 0 || d->nto > CT_NOTIFY_TO_MAX)
		BAD("to");
	for (i = 0; i < d->nto; i++)
		if (!ct_notify_address_valid(d->to[i]))
			BAD("to");
	if (d->from != NULL && !ct_notify_address_valid(d->from))
		BAD("from");
	if (d->smtp_user != NULL && !text_valid(d->smtp_user,
	    CT_NOTIFY_USER_MAX))
		BAD("smtp_user");
	if (d->smtp_password != NULL && !text_valid(d->smtp_password,
	    CT_NOTIFY_PASSWORD_MAX))
		BAD("smtp_password");
	return CT_OK;
}

/* The string of v, or NULL when v is not a string or holds a NUL. */
static const char *
json_text(json_object *v)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	if (s == NULL || strlen(s) != (size_t)json_object_get_string_len(v))
		return NULL;
	return s;
}

/* A member's name as a 400 may name it: short printable ASCII, else
 * "body" (the name is the client's own, and goes back to it and into the
 * log line). */
static const char *
member_name(const char *key)
{
	size_t n = strlen(key), i;

	if (n == 0 || n > 64)
		return "body";
	for (i = 0; i < n; i++)
		if ((unsigned char)key[i] <= 0x20 || (unsigned char)key[i] >= 0x7f)
			return "body";
	return key;
}

/* Reads the events array v into d. */
static enum ct_err
events_from_json(json_object *v, struct ct_notify_dest *d)
{
	size_t i, n;

	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) == 0 || n > CT_NOTIFY_EVENTS_MAX)
		return CT_ERR_INVALID_PARAMETER;
	for (i = 0; i < n; i++)
		if (ct_notify_event_add(d, json_text(
		    json_object_array_get_idx(v, i))) != CT_OK)
			return CT_ERR_INVALID_PARAMETER;
	return CT_OK;
}

static const char *const members[] = { "kind", "url", "smtp_url", "to",
    "from", "smtp_user", "smtp_password", "events", NULL };

/* Whether member m belongs to a destination of kind. */
static bool
member_of(const char *m, enum ct_notify_kind kind)
{
	if (strcmp(m, "kind") == 0 || strcmp(m, "events") == 0)
		return true;
	if (strcmp(m, "url") == 0)
		return kind != CT_NOTIFY_EMAIL;
	return kind == CT_NOTIFY_EMAIL;
}

enum ct_err
ct_notify_dest_from_json(json_object *body, struct ct_notify_dest *d,
    bool allow_private, const char **bad)
{
	const char *const *m;
	json_object *v;
	size_t i, n;

	memset(d, 0, sizeof(*d));
	*bad = NULL;
	if (!json_object_is_type(body, json_type_object))
		return CT_ERR_MALFORMED_BODY;
	json_object_object_foreach(body, key, val) {
		(void)val;
		for (m = members; *m != NULL; m++)
			if (strcmp(*m, key) == 0)
				break;
		if (*m == NULL)
			BAD(member_name(key));
	}
	if (!json_object_object_get_ex(body, "kind", &v) ||
	    !ct_notify_kind_parse(json_text(v), &d->kind))
		BAD("kind");
	for (m = members; *m != NULL; m++)
		if (json_object_object_get_ex(body, *m, NULL) &&
		    !member_of(*m, d->kind))
			BAD(*m);
	if (json_object_object_get_ex(body, d->kind == CT_NOTIFY_EMAIL ?
	    "smtp_url" : "url", &v) && (d->url = json_text(v)) == NULL)
		BAD(d->kind == CT_NOTIFY_EMAIL ? "smtp_url" : "url");
	if (!json_object_object_get_ex(body, "events", &v) ||
	    events_from_json(v, d) != CT_OK)
		BAD("events");
	if (json_object_object_get_ex(body, "to", &v)) {
		if (!json_object_is_type(v, json_type_array) ||
		    (n = json_object_array_length(v)) == 0 ||
		    n > CT_NOTIFY_TO_MAX)
			BAD("to");
		for (i = 0; i < n; i++)
			if (ct_notify_to_add(d, json_text(
			    json_object_array_get_idx(v, i))) != CT_OK)
				BAD("to");
	}
	if (json_object_object_get_ex(body, "from", &v) &&
	    (d->from = json_text(v)) == NULL)
		BAD("from");
	if (json_object_object_get_ex(body, "smtp_user", &v) &&
	    (d->smtp_user = json_text(v)) == NULL)
		BAD("smtp_user");
	if (json_object_object_get_ex(body, "smtp_password", &v) &&
	    (d->smtp_password = json_text(v)) == NULL)
		BAD("smtp_password");
	return ct_notify_dest_check(d, allow_private, bad);
}

enum ct_err
ct_notify_patch_from_json(json_object *body, struct ct_notify_patch *p,
    const char **bad)
{
	json_object *v;

	memset(p, 0, sizeof(*p));
	p->enabled = -1;
	*bad = NULL;
	if (!json_object_is_type(body, json_type_object))
		return CT_ERR_MALFORMED_BODY;
	json_object_object_foreach(body, key, val) {
		(void)val;
		if (strcmp(key, "events") != 0 && strcmp(key, "enabled") != 0)
			BAD(member_name(key));
	}
	if (json_object_object_get_ex(body, "events", &v) &&
	    events_from_json(v, &p->dest) != CT_OK)
		BAD("events");
	if (json_object_object_get_ex(body, "enabled", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			BAD("enabled");
		p->enabled = json_object_get_boolean(v) ? 1 : 0;
	}
	return CT_OK;
}

char *
ct_notify_text_array(const char *const *items, size_t n)
{
	size_t len = 3, i, o = 0;
	const char *s;
	char *out;

	for (i = 0; i < n; i++)
		len += 3 + 2 * strlen(items[i]);
	if ((out = malloc(len)) == NULL)
		return NULL;
	out[o++] = '{';
	for (i = 0; i < n; i++) {
		if (i > 0)
			out[o++] = ',';
		out[o++] = '"';
		for (s = items[i]; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\')
				out[o++] = '\\';
			out[o++] = *s;
		}
		out[o++] = '"';
	}
	out[o++] = '}';
	out[o] = '\0';
	return out;
}

enum ct_err
ct_notify_secret_new(char out[CT_NOTIFY_SECRET_LEN + 1])
{
	unsigned char rnd[CT_NOTIFY_SECRET_BYTES];

	if (ct_crypto_random(rnd, sizeof(rnd)) != CT_OK)
		return CT_ERR_INTERNAL;
	memcpy(out, "whsec_", 6);
	ct_crypto_base64(rnd, sizeof(rnd), out + 6);
	memset(rnd, 0, sizeof(rnd));
	return CT_OK;
}
