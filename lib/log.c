/*
 * log.c: escaped single-line logging to stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char *program_name = "calltrack";

void
ct_log_init(const char *program)
{
	program_name = program;
}

char *
ct_log_escape(char *out, size_t outlen, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (outlen == 0)
		return out;
	if (s == NULL) {
		snprintf(out, outlen, "-");
		return out;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';

		if (o + (plain ? 1 : 4) + 4 > outlen) {
			if (o + 4 <= outlen)
				memcpy(out + o, "...", 3), o += 3;
			break;
		}
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

void
ct_log_request(const char *request_id, const char *method, const char *path,
    int status, const char *code, long long usec, const char *detail)
{
	char m[24], p[320], d[400];

	ct_log_escape(m, sizeof(m), method, method ? strlen(method) : 0);
	ct_log_escape(p, sizeof(p), path, path ? strcspn(path, "?") : 0);
	ct_log_escape(d, sizeof(d), detail, detail ? strlen(detail) : 0);
	fprintf(stderr, "calltrack %s[%ld] %s %s \"%s\" %d %s %lldus \"%s\"\n",
	    program_name, (long)getpid(), request_id ? request_id : "-",
	    m, p, status, code ? code : "-", usec, d);
	fflush(stderr);
}

void
ct_log_msg(const char *request_id, const char *fmt, ...)
{
	char raw[512], esc[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	ct_log_escape(esc, sizeof(esc), raw, strlen(raw));
	fprintf(stderr, "calltrack %s[%ld] %s %s\n", program_name,
	    (long)getpid(), request_id ? request_id : "-", esc);
	fflush(stderr);
}
