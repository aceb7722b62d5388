/*
 * outbound.c: bounded outgoing requests over libcurl, and the address
 * guard.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/log.h"
#include "core/outbound.h"

static const char *const class_names[CT_ADDR__MAX] = {
	[CT_ADDR_PUBLIC] = "public",
	[CT_ADDR_LOOPBACK] = "loopback",
	[CT_ADDR_PRIVATE] = "private",
	[CT_ADDR_LINK_LOCAL] = "link-local",
	[CT_ADDR_METADATA] = "a cloud metadata address",
	[CT_ADDR_UNSPECIFIED] = "unspecified",
	[CT_ADDR_MULTICAST] = "multicast",
	[CT_ADDR_BROADCAST] = "broadcast",
	[CT_ADDR_RESERVED] = "reserved",
};

const char *
ct_outbound_class_name(enum ct_addr_class c)
{
	return (unsigned)c < CT_ADDR__MAX ? class_names[c] : "reserved";
}

bool
ct_outbound_class_allowed(enum ct_addr_class c, bool allow_private)
{
	switch (c) {
	case CT_ADDR_PUBLIC:
		return true;
	case CT_ADDR_LOOPBACK:
	case CT_ADDR_PRIVATE:
	case CT_ADDR_LINK_LOCAL:
		return allow_private;
	default:
		return false;
	}
}

/* An IPv4 address, a in host order (RFC 6890's special-purpose table). */
static enum ct_addr_class
class_v4(uint32_t a)
{
	uint8_t b0 = a >> 24, b1 = (a >> 16) & 0xff, b2 = (a >> 8) & 0xff;

	if (a == 0xa9fea9feU)			/* 169.254.169.254 */
		return CT_ADDR_METADATA;
	if (a == 0xffffffffU)
		return CT_ADDR_BROADCAST;
	if (b0 == 0)				/* 0/8: "this network" */
		return CT_ADDR_UNSPECIFIED;
	if (b0 == 127)
		return CT_ADDR_LOOPBACK;
	if (b0 == 10 || (b0 == 172 && (b1 & 0xf0) == 16) ||
	    (b0 == 192 && b1 == 168) || (b0 == 100 && (b1 & 0xc0) == 64))
		return CT_ADDR_PRIVATE;		/* RFC 1918, RFC 6598 */
	if (b0 == 169 && b1 == 254)
		return CT_ADDR_LINK_LOCAL;
	if (b0 >= 224 && b0 <= 239)
		return CT_ADDR_MULTICAST;
	if (b0 >= 240)				/* 240/4 */
		return CT_ADDR_RESERVED;
	if ((b0 == 192 && b1 == 0 && (b2 == 0 || b2 == 2)) ||
	    (b0 == 198 && (b1 & 0xfe) == 18) ||	/* 198.18/15 */
	    (b0 == 198 && b1 == 51 && b2 == 100) ||
	    (b0 == 203 && b1 == 0 && b2 == 113) ||
	    (b0 == 192 && b1 == 88 && b2 == 99))
		return CT_ADDR_RESERVED;
	return CT_ADDR_PUBLIC;
}

static uint32_t
v4_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static enum ct_addr_class
class_v6(const uint8_t *p)
{
	static const uint8_t zero[16];
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const uint8_t metadata[16] = { 0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0x02, 0x54 };

	if (memcmp(p, zero, 16) == 0)
		return CT_ADDR_UNSPECIFIED;
	if (memcmp(p, zero, 15) == 0 && p[15] == 1)
		return CT_ADDR_LOOPBACK;
	if (memcmp(p, metadata, 16) == 0)
		return CT_ADDR_METADATA;
	/* Addresses that carry an IPv4 one are what they carry. */
	if (memcmp(p, mapped, 12) == 0 || memcmp(p, nat64, 12) == 0)
		return class_v4(v4_at(p + 12));
	if (p[0] == 0x20 && p[1] == 0x02)	/* 6to4 */
		return class_v4(v4_at(p + 2));
	if (memcmp(p, zero, 12) == 0)		/* IPv4-compatible, deprecated */
		return CT_ADDR_RESERVED;
	if (p[0] == 0xff)
		return CT_ADDR_MULTICAST;
	if (p[0] == 0xfe && (p[1] & 0xc0) == 0x80)
		return CT_ADDR_LINK_LOCAL;
	if ((p[0] & 0xfe) == 0xfc || (p[0] == 0xfe && (p[1] & 0xc0) == 0xc0))
		return CT_ADDR_PRIVATE;		/* ULA; site-local */
	if ((p[0] == 0x20 && p[1] == 0x01 && p[2] == 0x0d && p[3] == 0xb8) ||
	    (p[0] == 0x20 && p[1] == 0x01 && p[2] == 0 && p[3] == 0) ||
	    (p[0] == 0x01 && memcmp(p + 1, zero, 7) == 0))
		return CT_ADDR_RESERVED;	/* documentation, Teredo, discard */
	return CT_ADDR_PUBLIC;
}

enum ct_addr_class
ct_outbound_addr_class(const struct sockaddr *sa, size_t salen)
{
	if (sa == NULL)
		return CT_ADDR_RESERVED;
	if (sa->sa_family == AF_INET && salen >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)
		    (const void *)sa;

		return class_v4(ntohl(in->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6 &&
	    salen >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)
		    (const void *)sa;

		return class_v6(in6->sin6_addr.s6_addr);
	}
	return CT_ADDR_RESERVED;
}

enum ct_err
ct_outbound_host_check(const char *host, bool allow_private,
    enum ct_addr_class *cls)
{
	struct in_addr a4;
	struct in6_addr a6;
	char buf[64];
	size_t n;
	enum ct_addr_class c = CT_ADDR_PUBLIC;

	if (host == NULL)
		return CT_ERR_INVALID_PARAMETER;
	n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (n < sizeof(buf)) {
		memcpy(buf, host, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET, buf, &a4) == 1)
			c = class_v4(ntohl(a4.s_addr));
		else if (inet_pton(AF_INET6, buf, &a6) == 1)
			c = class_v6(a6.s6_addr);
	}
	if (cls != NULL)
		*cls = c;
	return ct_outbound_class_allowed(c, allow_private) ? CT_OK :
	    CT_ERR_INVALID_PARAMETER;
}

/* libcurl's socket opener: the guard, at the address about to be
 * connected to (after DNS, for every address libcurl tries). */
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct ct_outbound *o = arg;
	enum ct_addr_class c;

	(void)purpose;
	c = ct_outbound_addr_class(&addr->addr, addr->addrlen);
	if (!ct_outbound_class_allowed(c, o->allow_private)) {
		char host[INET6_ADDRSTRLEN] = "?";
		const void *p = NULL;

		if (addr->family == AF_INET)
			p = &((const struct sockaddr_in *)(const void *)
			    &addr->addr)->sin_addr;
		else if (addr->family == AF_INET6)
			p = &((const struct sockaddr_in6 *)(const void *)
			    &addr->addr)->sin6_addr;
		if (p == NULL || inet_ntop(addr->family, p, host,
		    sizeof(host)) == NULL)
			snprintf(host, sizeof(host), "?");
		snprintf(o->refused, sizeof(o->refused), "%s is %s", host,
		    ct_outbound_class_name(c));
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

/* The response, kept up to the cap; past it the transfer stops. */
static size_t
write_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct ct_outbound *o = arg;
	size_t n = size * nmemb, room = o->resp_cap - o->resp_len;

	if (n > room) {
		memcpy(o->resp + o->resp_len, data, room);
		o->resp_len += room;
		o->resp_truncated = true;
		return 0;	/* CURLE_WRITE_ERROR: enough */
	}
	memcpy(o->resp + o->resp_len, data, n);
	o->resp_len += n;
	return n;
}

enum ct_err
ct_outbound_init(struct ct_outbound *o)
{
	return ct_outbound_init_cap(o, CT_OUTBOUND_BODY_MAX);
}

enum ct_err
ct_outbound_init_cap(struct ct_outbound *o, size_t cap)
{
	memset(o, 0, sizeof(*o));
	if (cap == 0 || (o->resp = malloc(cap)) == NULL)
		return CT_ERR_NOMEM;
	o->resp_cap = cap;
	if ((o->easy = curl_easy_init()) == NULL)
		return CT_ERR_NOMEM;
	return CT_OK;
}

void
ct_outbound_free(struct ct_outbound *o)
{
	if (o->easy != NULL)
		curl_easy_cleanup(o->easy);
	free(o->resp);
	o->easy = NULL;
	o->resp = NULL;
}

enum ct_err
ct_outbound_prepare(struct ct_outbound *o, const char *url,
    const char *protocols, bool allow_private)
{
	CURL *h = o->easy;
	CURLcode rc = CURLE_OK;

	curl_easy_reset(h);
	o->allow_private = allow_private;
	o->resp_len = 0;
	o->resp_truncated = false;
	o->refused[0] = '\0';
	o->errbuf[0] = '\0';
#define SET(opt, v) do { if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, v); } while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, protocols);
	SET(CURLOPT_REDIR_PROTOCOLS_STR, protocols);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_MAXREDIRS, 0L);
	/* No proxy from the environment: the guard checks what we connect
	 * to, which a proxy would hide. */
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_NOPROXY, "*");
	SET(CURLOPT_CONNECTTIMEOUT, (long)CT_OUTBOUND_TIMEOUT_S);
	SET(CURLOPT_TIMEOUT, (long)CT_OUTBOUND_TIMEOUT_S);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_OPENSOCKETFUNCTION, open_socket);
	SET(CURLOPT_OPENSOCKETDATA, o);
	SET(CURLOPT_WRITEFUNCTION, write_body);
	SET(CURLOPT_WRITEDATA, o);
	SET(CURLOPT_ERRORBUFFER, o->errbuf);
	SET(CURLOPT_USERAGENT, "calltrack-notify");
#undef SET
	return rc == CURLE_OK ? CT_OK : CT_ERR_INTERNAL;
}

bool
ct_outbound_answered(const struct ct_outbound *o, CURLcode rc)
{
	return rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && o->resp_truncated);
}

/* Replaces every occurrence of each redact string in s (NUL-terminated,
 * of size cap) by "[redacted]", in place, cut to fit. */
static void
redact_all(char *s, size_t cap, const char *const *redact)
{
	static const char mark[] = "[redacted]";
	size_t i;

	for (i = 0; redact != NULL && redact[i] != NULL; i++) {
		size_t k = strlen(redact[i]);
		char *p;

		if (k < 4)	/* too short to be a secret; would mangle */
			continue;
		while ((p = strstr(s, redact[i])) != NULL) {
			size_t tail = strlen(p + k);
			size_t at = (size_t)(p - s);

			if (at + sizeof(mark) - 1 + tail + 1 > cap)
				tail = cap - 1 - at - (sizeof(mark) - 1);
			memmove(p + sizeof(mark) - 1, p + k, tail);
			memcpy(p, mark, sizeof(mark) - 1);
			p[sizeof(mark) - 1 + tail] = '\0';
		}
	}
}

void
ct_outbound_describe(const struct ct_outbound *o, CURLcode rc, long status,
    const char *const *redact, char *out, size_t outlen)
{
	char raw[640], snippet[200];
	size_t n;

	raw[0] = '\0';
	if (o->refused[0] != '\0') {
		snprintf(raw, sizeof(raw), "address not allowed: %s",
		    o->refused);
	} else if (!ct_outbound_answered(o, rc)) {
		switch (rc) {
		case CURLE_OPERATION_TIMEDOUT:
			snprintf(raw, sizeof(raw), "timed out after %d s: %s",
			    CT_OUTBOUND_TIMEOUT_S, o->errbuf);
			break;
		case CURLE_UNSUPPORTED_PROTOCOL:
			snprintf(raw, sizeof(raw), "scheme not allowed");
			break;
		case CURLE_COULDNT_RESOLVE_HOST:
			snprintf(raw, sizeof(raw), "could not resolve the host");
			break;
		default:
			snprintf(raw, sizeof(raw), "%s: %s",
			    curl_easy_strerror(rc), o->errbuf);
			break;
		}
	} else if (status >= 300 && status < 400) {
		snprintf(raw, sizeof(raw), "status %ld: redirects are not "
		    "followed", status);
	} else if (status < 200 || status >= 300) {
		n = o->resp_len < 120 ? o->resp_len : 120;
		memcpy(snippet, o->resp, n);
		snippet[n] = '\0';
		/* A NUL in the body ends the snippet: it is a sample. */
		snprintf(raw, sizeof(raw), "status %ld%s%s%s", status,
		    n > 0 ? ": " : "", snippet,
		    o->resp_len > 120 || o->resp_truncated ? "..." : "");
	}
	redact_all(raw, sizeof(raw), redact);
	ct_log_escape(out, outlen, raw, strlen(raw));
}
