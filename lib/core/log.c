/*
 * log.c: escaped single-line logging to stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

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

static const char *
or_dash(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

void
ct_log_request(const struct ct_log_line *l)
{
	char m[24], p[320], ev[96], in[96], org[48], oc[24], d[400];

	ct_log_escape(m, sizeof(m), l->method, l->method ? strlen(l->method) : 0);
	ct_log_escape(p, sizeof(p), l->path, l->path ? strcspn(l->path, "?") : 0);
	ct_log_escape(ev, sizeof(ev), l->event, l->event ? strlen(l->event) : 0);
	ct_log_escape(in, sizeof(in), l->integration,
	    l->integration ? strlen(l->integration) : 0);
	ct_log_escape(org, sizeof(org), l->org, l->org ? strlen(l->org) : 0);
	ct_log_escape(oc, sizeof(oc), l->outcome, l->outcome ? strlen(l->outcome) : 0);
	ct_log_escape(d, sizeof(d), l->detail, l->detail ? strlen(l->detail) : 0);
	fprintf(stderr, "calltrack %s[%ld] id=%s method=%s path=\"%s\" status=%d "
	    "code=%s org=%s integration=%s event=\"%s\" outcome=%s us=%lld "
	    "detail=\"%s\"\n", program_name, (long)getpid(),
	    or_dash(l->request_id), m, p, l->status, or_dash(l->code),
	    or_dash(l->org ? org : NULL), or_dash(l->integration ? in : NULL),
	    or_dash(l->event ? ev : NULL), or_dash(l->outcome ? oc : NULL), l->usec,
	    l->detail ? d : "");
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
