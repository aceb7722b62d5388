/*
 * outbound.h: requests calltrack makes to other hosts, bounded like the
 * ones it answers (docs/STYLE.md, 15): libcurl limited to the schemes a
 * caller names, connect and total timeouts, no redirects, no proxy from
 * the environment, the response read up to a cap, and the address
 * actually connected to checked against the allowed ranges (a name that
 * resolves to a private address is refused at the socket, not only a
 * literal in the URL).
 *
 * One struct ct_outbound per request in flight, its easy handle reused
 * from one request to the next.  The address check is a pure function,
 * for the management side to refuse a literal address when a destination
 * is made.
 */
#ifndef CT_OUTBOUND_H
#define CT_OUTBOUND_H

#include <stdbool.h>
#include <stddef.h>

#include <sys/socket.h>

#include <curl/curl.h>

#include "core/err.h"

/* Seconds a request may take to connect, and in all. */
#define CT_OUTBOUND_TIMEOUT_S	10
/* Bytes of a response kept; past it the transfer stops (the status, read
 * before the body, still counts). */
#define CT_OUTBOUND_BODY_MAX	(64 * 1024)

/* What an address is, for the guard. */
enum ct_addr_class {
	CT_ADDR_PUBLIC = 0,
	CT_ADDR_LOOPBACK,	/* 127/8, ::1 */
	CT_ADDR_PRIVATE,	/* RFC 1918, 100.64/10, fc00::/7, fec0::/10 */
	CT_ADDR_LINK_LOCAL,	/* 169.254/16, fe80::/10 */
	CT_ADDR_METADATA,	/* 169.254.169.254, fd00:ec2::254 */
	CT_ADDR_UNSPECIFIED,	/* 0/8, :: */
	CT_ADDR_MULTICAST,	/* 224/4, ff00::/8 */
	CT_ADDR_BROADCAST,	/* 255.255.255.255 */
	CT_ADDR_RESERVED,	/* documentation, benchmarking, 240/4, Teredo,
				   IPv4-compatible, not IPv4 or IPv6 */
	CT_ADDR__MAX
};

/*
 * Classifies the address sa (AF_INET or AF_INET6; salen its size).  An
 * IPv6 address that carries an IPv4 one (IPv4-mapped ::ffff:0:0/96,
 * NAT64 64:ff9b::/96, 6to4 2002::/16) is classified by the IPv4 address it
 * carries.  Any other family, or a short salen, is CT_ADDR_RESERVED.
 */
enum ct_addr_class ct_outbound_addr_class(const struct sockaddr *sa,
    size_t salen);

/* The class's name as the attempt's error says it ("loopback"); a static
 * string. */
const char *ct_outbound_class_name(enum ct_addr_class c);

/*
 * True when a request may connect to an address of class c: public
 * always; loopback, private and link-local only with allow_private
 * (CALLTRACK_NOTIFY_ALLOW_PRIVATE=1); metadata, unspecified, multicast,
 * broadcast and reserved never.
 */
bool ct_outbound_class_allowed(enum ct_addr_class c, bool allow_private);

/*
 * Checks a URL's host when it is a literal address (IPv4 dotted quad, or
 * IPv6 with or without brackets): CT_OK when it is not a literal or its
 * class is allowed, else CT_ERR_INVALID_PARAMETER.  *cls (may be NULL)
 * receives the class (CT_ADDR_PUBLIC for a name).  A name is checked when
 * it is connected to.
 */
enum ct_err ct_outbound_host_check(const char *host, bool allow_private,
    enum ct_addr_class *cls) __attribute__((warn_unused_result));

/* One outgoing request and what came back. */
struct ct_outbound {
	CURL		*easy;		/* reused by each ct_outbound_prepare */
	bool		 allow_private;
	/* The response body, up to CT_OUTBOUND_BODY_MAX bytes (not NUL-
	 * terminated), and whether more came. */
	unsigned char	*resp;
	size_t		 resp_len;
	size_t		 resp_cap;	/* bytes resp holds */
	bool		 resp_truncated;
	/* Set when the guard refused to connect: the address and its class. */
	char		 refused[80];
	char		 errbuf[CURL_ERROR_SIZE];
};

/*
 * Makes o's easy handle and response buffer.  Returns CT_OK or
 * CT_ERR_NOMEM; ct_outbound_free releases them either way.
 */
enum ct_err ct_outbound_init(struct ct_outbound *o)
    __attribute__((warn_unused_result));

/*
 * Readies o's handle for one request to url: the handle is reset (its
 * connections and DNS cache are kept), then limited to the comma-separated
 * protocols ("https", "smtp,smtps"), the timeouts, no redirects, no proxy,
 * the address guard and the response cap.  The caller adds the method,
 * headers and body, then runs the handle (easy or multi).  url is copied
 * by libcurl.  Returns CT_OK or CT_ERR_INTERNAL.
 */
enum ct_err ct_outbound_prepare(struct ct_outbound *o, const char *url,
    const char *protocols, bool allow_private)
    __attribute__((warn_unused_result));

/*
 * Writes what became of the request that ended with rc (and the status
 * the server answered, 0 if none) into out, for the attempt's error:
 * printable ASCII only (everything else as \xNN), at most outlen - 1
 * bytes, with each of the NULL-terminated redact strings (the URL, the
 * secrets, the password) replaced by "[redacted]" first.  Empty when the
 * request succeeded with a 2xx (or SMTP 2xx) answer.
 */
void ct_outbound_describe(const struct ct_outbound *o, CURLcode rc,
    long status, const char *const *redact, char *out, size_t outlen);

/* True when the request that ended with rc counts as an answer: it
 * completed, or stopped only because the response passed the cap. */
bool ct_outbound_answered(const struct ct_outbound *o, CURLcode rc);

/*
 * As ct_outbound_init, with a response buffer of cap bytes (at least 1;
 * a provider's call object needs more than a receiver's reply).
 */
enum ct_err ct_outbound_init_cap(struct ct_outbound *o, size_t cap)
    __attribute__((warn_unused_result));

/* Releases o's handle and buffer; o may be zeroed or already freed. */
void ct_outbound_free(struct ct_outbound *o);

#endif
