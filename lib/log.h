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
 * Logs one request outcome: method, path (without the query string, which
 * may carry tokens), status, error code (or "-"), duration in microseconds
 * and an optional detail for operators (never sent to a client).
 */
void ct_log_request(const char *request_id, const char *method,
    const char *path, int status, const char *code, long long usec,
    const char *detail);

/* Logs a free-form message for operators, printf-style, escaped. */
void ct_log_msg(const char *request_id, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
