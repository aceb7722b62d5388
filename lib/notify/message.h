/*
 * message.h: what a notification says and how each kind of destination is
 * sent it (docs/API.md "Notifications"): the Standard Webhooks signature,
 * the Slack message, the RFC 5322 mail.  Pure functions from the body the
 * database made (ct_notify_body) to bytes; no I/O.
 */
#ifndef CT_NOTIFY_MESSAGE_H
#define CT_NOTIFY_MESSAGE_H

#include <stddef.h>
#include <time.h>

#include "core/err.h"

/* Room for "v1,<44 characters>" twice, a space and a NUL. */
#define CT_NOTIFY_SIG_MAX	104
/* Longest subject and text, in bytes of UTF-8. */
#define CT_NOTIFY_SUBJECT_MAX	300
#define CT_NOTIFY_TEXT_MAX	6000
#define CT_NOTIFY_LINK_MAX	600
/* Recipients of one mail, at most (the destinations' CHECK says 20). */
#define CT_NOTIFY_RCPT_MAX	20
#define CT_NOTIFY_ADDR_MAX	320

/*
 * Writes the webhook-signature header's value for message id, sent at
 * Unix time ts with the len bytes of body: "v1,<Base64 of HMAC-SHA256
 * over '<id>.<ts>.<body>'>", keyed by the Base64 after "whsec_" in secret
 * (Standard Webhooks); with secret_next (a rotation; may be NULL) a second
 * signature after a space.  out has CT_NOTIFY_SIG_MAX bytes.  Returns
 * CT_OK, or CT_ERR_INVALID_PARAMETER for a secret that is not whsec_ and
 * Base64 of 1 to 64 bytes.
 */
enum ct_err ct_notify_sign(const char *secret, const char *secret_next,
    const char *id, long long ts, const char *body, size_t len, char *out)
    __attribute__((warn_unused_result));

/* What a message says to a person: a subject line, lines of text, and a
 * link to the call in the dashboard (empty when there is none).  UTF-8,
 * no control characters but the text's newlines. */
struct ct_notify_text {
	char	subject[CT_NOTIFY_SUBJECT_MAX + 1];
	char	text[CT_NOTIFY_TEXT_MAX + 1];
	char	link[CT_NOTIFY_LINK_MAX + 1];
};

/*
 * Fills t from the len bytes of body (the webhook body: {"type",
 * "timestamp", "data"}), with the call's link under dashboard_url
 * (CALLTRACK_DASHBOARD_URL; NULL: no link) as <dashboard_url>#/calls/<id>.
 * Names and summaries are the callers' words: control characters become
 * spaces and each is cut, at a character's boundary, to its bound.
 * Returns CT_OK, or CT_ERR_MALFORMED_BODY when body is not such JSON.
 */
enum ct_err ct_notify_describe(const char *body, size_t len,
    const char *dashboard_url, struct ct_notify_text *t)
    __attribute__((warn_unused_result));

/*
 * Makes the Slack incoming-webhook message for t: {"text": subject,
 * "blocks": [a section with the subject in bold and the text, a button to
 * the link when there is one]}, with Slack's mrkdwn characters (&, <, >)
 * escaped.  *out is malloc'd, NUL-terminated, the caller's to free.
 * Returns CT_OK or CT_ERR_NOMEM.
 */
enum ct_err ct_notify_slack(const struct ct_notify_text *t, char **out)
    __attribute__((warn_unused_result));

/*
 * Reads the JSON array of recipients to_json into rcpt (*n of them, at
 * most CT_NOTIFY_RCPT_MAX), each checked as a plain addr-spec (printable
 * ASCII, one @, none of the characters that would end or fold a header).
 * Returns CT_OK, or CT_ERR_INVALID_PARAMETER.
 */
enum ct_err ct_notify_recipients(const char *to_json,
    char rcpt[][CT_NOTIFY_ADDR_MAX + 1], int *n)
    __attribute__((warn_unused_result));

/* True when addr is such a plain addr-spec. */
int ct_notify_addr_ok(const char *addr);

/*
 * Makes the RFC 5322 mail for t from `from` to the n addresses rcpt,
 * dated now: Date, Message-ID (<message_id@the sender's domain>, the same
 * on every attempt), From, To, Subject (RFC 2047 encoded-words when not
 * ASCII), MIME-Version, a text/plain UTF-8 body in quoted-printable, CRLF
 * line ends, no line over 76 characters but a folded header's.  *out is
 * malloc'd (NUL-terminated; *outlen its length), the caller's to free.
 * Returns CT_OK, CT_ERR_INVALID_PARAMETER for a bad from, or
 * CT_ERR_NOMEM.
 */
enum ct_err ct_notify_email(const struct ct_notify_text *t, const char *from,
    char rcpt[][CT_NOTIFY_ADDR_MAX + 1], int n, const char *message_id,
    time_t now, char **out, size_t *outlen)
    __attribute__((warn_unused_result));

/*
 * Writes s (UTF-8) as a header value of RFC 2047 encoded-words ("=?UTF-8?B?
 * …?="), each at most 64 characters and cut only between characters,
 * separated by CRLF and a space; or s itself when it is printable ASCII.
 * Returns the length written, or -1 when outlen is too small.
 */
int ct_notify_header_words(const char *s, char *out, size_t outlen);

#endif
