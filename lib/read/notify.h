/*
 * notify.h: what a notification destination may be (docs/API.md,
 * "Notifications (admin)"), checked once for the API (dashboard-notify)
 * and the admin command (calltrack-admin notify add) alike.
 *
 * Pure functions: no I/O, no allocation unless said.  A destination is
 * checked when it is made; names in its URL are resolved and checked
 * again by the sender when it connects, which is the check that holds
 * (a name may resolve to anything later).
 */
#ifndef CT_NOTIFY_H
#define CT_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "core/err.h"

#define CT_NOTIFY_URL_MAX	2048	/* bytes of a url or smtp_url */
#define CT_NOTIFY_EVENTS_MAX	6	/* every event, once */
#define CT_NOTIFY_TO_MAX	20	/* recipients of an email */
#define CT_NOTIFY_ADDRESS_MAX	254	/* bytes of a mail address */
#define CT_NOTIFY_USER_MAX	320	/* bytes of smtp_user */
#define CT_NOTIFY_PASSWORD_MAX	512	/* bytes of smtp_password */
#define CT_NOTIFY_SECRET_BYTES	32	/* random bytes of a webhook secret */
/* "whsec_" and the base64 of CT_NOTIFY_SECRET_BYTES bytes. */
#define CT_NOTIFY_SECRET_LEN	(6 + 4 * ((CT_NOTIFY_SECRET_BYTES + 2) / 3))

enum ct_notify_kind {
	CT_NOTIFY_WEBHOOK = 1,
	CT_NOTIFY_SLACK,
	CT_NOTIFY_EMAIL
};

/*
 * A destination as it was asked for.  The strings are the caller's (a
 * parsed JSON body, argv) and must outlive the struct; NULL when not
 * given.  url is the webhook's or Slack's URL, or the SMTP server's.
 */
struct ct_notify_dest {
	enum ct_notify_kind	 kind;
	const char		*url;
	const char		*events[CT_NOTIFY_EVENTS_MAX];
	size_t			 nevents;
	const char		*to[CT_NOTIFY_TO_MAX];
	size_t			 nto;
	const char		*from;
	const char		*smtp_user;
	const char		*smtp_password;
};

/* Reads a kind's name ("webhook", "slack", "email") into *kind; true when
 * it is one, else false. */
bool ct_notify_kind_parse(const char *name, enum ct_notify_kind *kind);

/* Returns the kind's name, or "?" for none. */
const char *ct_notify_kind_name(enum ct_notify_kind kind);

/* Returns true when name is an event a destination may subscribe to
 * (call.hot_lead, call.booking_failed, call.missed,
 * call.negative_sentiment, call.stuck, digest.daily), else false. */
bool ct_notify_event_known(const char *name);

/*
 * Adds one event to d's list.  CT_OK, or CT_ERR_INVALID_PARAMETER when it
 * is unknown, already there, or one too many.  name stays the caller's.
 */
enum ct_err ct_notify_event_add(struct ct_notify_dest *d, const char *name)
    __attribute__((warn_unused_result));

/*
 * Adds one recipient to d's list.  CT_OK, or CT_ERR_INVALID_PARAMETER when
 * it is not a sane address (ct_notify_address_valid), already there, or
 * one too many.  addr stays the caller's.
 */
enum ct_err ct_notify_to_add(struct ct_notify_dest *d, const char *addr)
    __attribute__((warn_unused_result));

/*
 * Returns true when a is a mail address of a sane shape: local@domain,
 * at most CT_NOTIFY_ADDRESS_MAX bytes, the local part of RFC 5322's atext
 * and single dots (at most 64 bytes), the domain of host name labels;
 * no space, quote, comment or control character (no CR or LF).
 */
bool ct_notify_address_valid(const char *a);

/*
 * Returns true when the IP address at addr (4 bytes for AF_INET, 16 for
 * AF_INET6) is one a destination may reach without
 * CALLTRACK_NOTIFY_ALLOW_PRIVATE: not unspecified, loopback, private,
 * shared (100.64/10, where cloud metadata services live too), link-local
 * (169.254/16 and the metadata address 169.254.169.254), multicast,
 * broadcast, reserved or set aside for documentation; an IPv6 address
 * that carries an IPv4 one (mapped, compatible, NAT64, 6to4) is judged by
 * that.  Any other family is false.
 */
bool ct_notify_addr_public(int family, const unsigned char *addr);

/*
 * Checks url as kind's target: at most CT_NOTIFY_URL_MAX bytes of
 * printable ASCII (no space, no control character, no character RFC 3986
 * never allows, every '%' two hex digits); the scheme the kind takes
 * (webhook https, or http when allow_private; slack https; email smtp or
 * smtps, and no path); a host that is a name of valid labels, an IPv4
 * address in any form inet_aton reads, or a bracketed IPv6 one, and a
 * port 1 to 65535 if any; no user or password in it.  Without
 * allow_private, an address host must be public (ct_notify_addr_public),
 * and "localhost" and names under it are refused.  CT_OK or
 * CT_ERR_INVALID_PARAMETER.
 */
enum ct_err ct_notify_url_check(enum ct_notify_kind kind, const char *url,
    bool allow_private) __attribute__((warn_unused_result));

/*
 * Checks a whole destination as asked for: its URL (ct_notify_url_check),
 * at least one event, and for email one to CT_NOTIFY_TO_MAX recipients, a
 * sane from, an smtp_user and smtp_password of printable text within
 * their bounds; for webhook and slack none of those.  CT_OK, or
 * CT_ERR_INVALID_PARAMETER with *bad naming the field by its API name
 * ("url", "smtp_url", "events", "to", "from", "smtp_user",
 * "smtp_password"; a static string).
 */
enum ct_err ct_notify_dest_check(const struct ct_notify_dest *d,
    bool allow_private, const char **bad) __attribute__((warn_unused_result));

/*
 * Reads the JSON body of POST /api/notifications into d and checks it
 * (ct_notify_dest_check).  Every member must be one of the kind's
 * ("kind", "events", and "url" for webhook and slack, "smtp_url", "to",
 * "from", "smtp_user", "smtp_password" for email), of its type, strings
 * without NUL.  CT_OK, or CT_ERR_INVALID_PARAMETER with *bad naming the
 * field (a static string, or a member's name that belongs to body, which
 * must outlive its use), or CT_ERR_MALFORMED_BODY when body is not an
 * object.  d's strings belong to body.
 */
enum ct_err ct_notify_dest_from_json(json_object *body,
    struct ct_notify_dest *d, bool allow_private, const char **bad)
    __attribute__((warn_unused_result));

/* What PATCH /api/notifications/<id> changes: events when nevents > 0,
 * enabled when it is 0 or 1 (-1: unchanged). */
struct ct_notify_patch {
	struct ct_notify_dest	 dest;		/* its events only */
	int			 enabled;
};

/*
 * Reads the JSON body of PATCH /api/notifications/<id> into p: only
 * "events" (as for a new destination) and "enabled" (true or false).
 * CT_OK, CT_ERR_INVALID_PARAMETER with *bad naming the field, or
 * CT_ERR_MALFORMED_BODY when body is not an object.  p's strings belong
 * to body.
 */
enum ct_err ct_notify_patch_from_json(json_object *body,
    struct ct_notify_patch *p, const char **bad)
    __attribute__((warn_unused_result));

/*
 * Writes n strings as a PostgreSQL text[] literal ({"a","b"}, each quoted,
 * '"' and '\' escaped) into a malloc'd string for the caller to free, or
 * returns NULL when out of memory.
 */
char *ct_notify_text_array(const char *const *items, size_t n);

/*
 * Makes a new Standard Webhooks signing secret: "whsec_" and the base64 of
 * CT_NOTIFY_SECRET_BYTES bytes from the CSPRNG (ct_crypto_random), into
 * out.  CT_OK or CT_ERR_INTERNAL.
 */
enum ct_err ct_notify_secret_new(char out[CT_NOTIFY_SECRET_LEN + 1])
    __attribute__((warn_unused_result));

#endif
