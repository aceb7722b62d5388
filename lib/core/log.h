/*
 * log.h: one line per request outcome to stderr.
 *
 * Lines read "calltrack <program>[pid] <request id> <fields...>".  Every
 * value is escaped (control characters, quotes and backslashes as \xNN), so
 * a request cannot forge a log line.  Bodies and secrets are never logged.
 */
#ifndef CT_LOG_H
#define CT_LOG_H

#include <stddef.h>

/* Sets the program name printed on every line (a static string). */
void ct_log_init(const char *program);

/*
 * Writes the escaped form of the len bytes at s into out (of outlen bytes,
 * always NUL-terminated, cut with "..." when too long).  Returns out.
 */
char *ct_log_escape(char *out, size_t outlen, const char *s, size_t len);

/*
 * What one request's log line says; NULL fields print as "-".  Everything
 * a client chose (path, event type, detail) is escaped.
 */
struct ct_log_line {
	const char	*request_id;	/* nginx's $request_id */
	const char	*method;
	const char	*path;		/* the query string is cut off: it may
					   carry tokens */
	int		 status;
	const char	*code;		/* the error code, or NULL */
	const char	*org;		/* the org's id, once known */
	const char	*integration;	/* the webhook's integration slug */
	const char	*event;		/* the provider's event type */
	const char	*outcome;	/* applied, duplicate, parked */
	long long	 usec;
	const char	*detail;	/* for operators, never sent */
};

/*
 * Logs one request outcome as one line of key=value fields (README.md
 * "Logs"):
 *   calltrack vapi-hook[812] id=… method=POST path="/hooks/vapi/x"
 *     status=200 code=- org=… integration=x event="end-of-call-report"
 *     outcome=applied us=1834 detail="…"
 */
void ct_log_request(const struct ct_log_line *l);

/* Logs a free-form message for operators, printf-style, escaped. */
void ct_log_msg(const char *request_id, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
