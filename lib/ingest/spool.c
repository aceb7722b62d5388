/*
 * spool.c: verified webhooks on local disk while the database is away.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "core/num.h"
#include "ingest/spool.h"

#define MAGIC "calltrack-spool 2\n"
#define SUFFIX ".spool"
/* The longest header line the writer makes is "integration: " and a
 * 64-byte slug; anything longer is not ours. */
#define LINE_MAX_LEN 96

static const char *const media_types[] = {
	"application/json", "application/x-www-form-urlencoded", NULL
};

static int
has_suffix(const char *name)
{
	size_t n = strlen(name), k = strlen(SUFFIX);

	return n > k && strcmp(name + n - k, SUFFIX) == 0 && name[0] != '.';
}

/* ---- the shapes of the header's values ---- */

static bool
provider_valid(const char *s)
{
	return strcmp(s, "vapi") == 0 || strcmp(s, "retell") == 0 ||
	    strcmp(s, "twilio") == 0;
}

/* A UUID as PostgreSQL prints it: lower-case hex, 8-4-4-4-12. */
static bool
org_valid(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isdigit((unsigned char)s[i]) &&
		    (s[i] < 'a' || s[i] > 'f')) {
			return 0;
		}
	}
	return 1;
}

static bool
media_valid(const char *s)
{
	const char *const *m;

	for (m = media_types; *m != NULL; m++)
		if (strcmp(s, *m) == 0)
			return 1;
	return 0;
}

/* Two digits at s in [lo, hi]. */
static int
two_digits(const char *s, int lo, int hi)
{
	int v;

	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
		return 0;
	v = (s[0] - '0') * 10 + (s[1] - '0');
	return v >= lo && v <= hi;
}

/* "YYYY-MM-DDTHH:MM:SSZ", as the writer's strftime makes it. */
static bool
received_valid(const char *s)
{
	return strlen(s) == 20 && strspn(s, "0123456789") == 4 &&
	    s[4] == '-' && two_digits(s + 5, 1, 12) && s[7] == '-' &&
	    two_digits(s + 8, 1, 31) && s[10] == 'T' &&
	    two_digits(s + 11, 0, 23) && s[13] == ':' &&
	    two_digits(s + 14, 0, 59) && s[16] == ':' &&
	    two_digits(s + 17, 0, 60) && s[19] == 'Z';
}

static bool
length_valid(const char *s)
{
	long long n;

	return ct_num_parse_str(s, 0, CT_SPOOL_BODY_MAX, &n) == CT_OK;
}

enum key { K_PROVIDER, K_INTEGRATION, K_ORG, K_CTYPE, K_RECEIVED, K_LENGTH,
    K__MAX };

/* The header's keys, in the order the writer puts them. */
static const struct {
	const char	*name;
	bool		(*valid)(const char *);
	size_t		 offset, size;	/* the field of struct ct_spooled;
					   size 0: length */
	const char	*bad, *missing;
} keys[K__MAX] = {
	{ "provider", provider_valid, offsetof(struct ct_spooled, provider),
	    sizeof(((struct ct_spooled *)0)->provider),
	    "invalid provider", "no provider" },
	{ "integration", ct_integration_id_valid,
	    offsetof(struct ct_spooled, integration),
	    sizeof(((struct ct_spooled *)0)->integration),
	    "invalid integration", "no integration" },
	{ "org", org_valid, offsetof(struct ct_spooled, org),
	    sizeof(((struct ct_spooled *)0)->org), "invalid org", "no org" },
	{ "content-type", media_valid,
	    offsetof(struct ct_spooled, content_type),
	    sizeof(((struct ct_spooled *)0)->content_type),
	    "content type not accepted", "no content type" },
	{ "received-at", received_valid,
	    offsetof(struct ct_spooled, received_at),
	    sizeof(((struct ct_spooled *)0)->received_at),
	    "invalid received-at", "no received-at" },
	{ "length", length_valid, 0, 0, "invalid length", "no length" },
};

const char *
ct_spool_media_type(const char *content_type)
{
	const char *const *m;

	for (m = media_types; *m != NULL; m++)
		if (ct_media_type_is(content_type, *m))
			return *m;
	return NULL;
}

/* ---- writing ---- */

/* Bytes of spool files in dir, or -1. */
static long long
spool_bytes(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	long long sum = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (has_suffix(e->d_name) &&
		    fstatat(dirfd(d), e->d_name, &st, 0) == 0)
			sum += st.st_size;
	closedir(d);
	return sum;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

enum ct_err
ct_spool_write(const struct ct_delivery *d, const struct ct_integration *in)
{
	const struct ct_config *cfg = ct_config_get();
	static unsigned long long counter;
	const char *provider = ct_provider_name(in->provider);
	const char *media = ct_spool_media_type(d->content_type);
	char tmp[4200], final[4200], head[512], when[24];
	struct timespec now;
	struct tm tm;
	long long used;
	int fd, dfd, n, saved;

	if (cfg->spool_dir == NULL)
		return CT_ERR_DB_UNAVAILABLE;
	/* Only what the reader takes back: never a value as sent. */
	if (media == NULL || !provider_valid(provider) ||
	    !ct_integration_id_valid(in->id) || !org_valid(in->org_id) ||
	    (long long)d->body_len > CT_SPOOL_BODY_MAX) {
		ct_log_msg(d->log_id, "not spooled: %s", media == NULL ?
		    "content type not accepted" : "not a spool file's fields");
		return CT_ERR_DB_UNAVAILABLE;
	}
	used = spool_bytes(cfg->spool_dir);
	if (used < 0 || used + (long long)d->body_len + (long long)sizeof(head) >
	    cfg->spool_max_mb * 1024 * 1024) {
		ct_log_msg(d->log_id, used < 0 ? "spool directory unreadable" :
		    "spool full: not spooled");
		return CT_ERR_DB_UNAVAILABLE;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(head, sizeof(head), MAGIC "provider: %s\nintegration: %s\n"
	    "org: %s\ncontent-type: %s\nreceived-at: %s\nlength: %zu\n\n",
	    provider, in->id, in->org_id, media, when, d->body_len);
	if (n < 0 || (size_t)n >= sizeof(head))
		return CT_ERR_DB_UNAVAILABLE;
	counter++;
	/* Names sort in arrival order: milliseconds, then pid and count. */
	if (snprintf(tmp, sizeof(tmp), "%s/.tmp-%ld-%llu", cfg->spool_dir,
	    (long)getpid(), counter) >= (int)sizeof(tmp) ||
	    snprintf(final, sizeof(final), "%s/%013lld-%07ld-%06llu" SUFFIX,
	    cfg->spool_dir, (long long)now.tv_sec * 1000 +
	    now.tv_nsec / 1000000, (long)getpid(), counter % 1000000) >=
	    (int)sizeof(final)) {
		ct_log_msg(d->log_id, "could not spool: the directory's name is "
		    "too long");
		return CT_ERR_DB_UNAVAILABLE;
	}
	/* Readable by the group: the sweeper, a user of its own in the
	 * programs' group, drains the spool (nginx/systemd); the umask
	 * still decides. */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) < 0)
		goto fail;
	if (write_all(fd, head, (size_t)n) != 0 ||
	    write_all(fd, d->body, d->body_len) != 0 || fsync(fd) != 0)
		goto fail_close;
	if (close(fd) != 0)
		goto fail_unlink;
	if (rename(tmp, final) != 0)
		goto fail_unlink;
	/* The rename itself is durable once the directory is synced. */
	if ((dfd = open(cfg->spool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return CT_OK;
fail_close:
	saved = errno;
	close(fd);
	errno = saved;
fail_unlink:
	saved = errno;
	unlink(tmp);
	errno = saved;
fail:
	ct_log_msg(d->log_id, "could not spool: %s", strerror(errno));
	return CT_ERR_DB_UNAVAILABLE;
}

/* ---- reading ---- */

/*
 * Reads one header line into buf (NUL-terminated, without its newline).
 * Returns NULL, or why the line is refused; *io is set on a read error.
 */
static const char *
read_line(FILE *f, char *buf, size_t size, int *io)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF) {
		if (c == '\n') {
			buf[n] = '\0';
			return NULL;
		}
		if (c < 0x20 || c == 0x7f)
			return "control character in the header";
		if (n + 1 >= size)
			return "header line too long";
		buf[n++] = (char)c;
	}
	*io = ferror(f) != 0;
	return "header cut short";
}

/* Takes one "key: value" line into out; returns NULL or why not. */
static const char *
take_line(const char *line, struct ct_spooled *out, unsigned *seen,
    long long *length)
{
	const char *colon = strchr(line, ':'), *v;
	size_t k, klen;

	if (colon == NULL || colon[1] != ' ')
		return "header line without a key";
	klen = (size_t)(colon - line);
	v = colon + 2;
	for (k = 0; k < K__MAX; k++)
		if (strlen(keys[k].name) == klen &&
		    strncmp(line, keys[k].name, klen) == 0)
			break;
	if (k == K__MAX)
		return "unknown header key";
	if (*seen & (1u << k))
		return "repeated header key";
	*seen |= 1u << k;
	if (!keys[k].valid(v))
		return keys[k].bad;
	if (keys[k].size == 0)
		return ct_num_parse_str(v, 0, CT_SPOOL_BODY_MAX, length) ==
		    CT_OK ? NULL : keys[k].bad;
	if (strlen(v) >= keys[k].size)
		return keys[k].bad;
	memcpy((char *)out + keys[k].offset, v, strlen(v) + 1);
	return NULL;
}

enum ct_err
ct_spool_read(const char *path, struct ct_spooled *out, const char **why)
{
	FILE *f;
	char line[LINE_MAX_LEN + 2];
	const char *bad = NULL;
	unsigned seen = 0;
	long long length = -1;
	enum ct_err err = CT_ERR_MALFORMED_BODY;
	int io = 0;
	size_t k;

	memset(out, 0, sizeof(*out));
	*why = "could not read the file";
	if ((f = fopen(path, "rb")) == NULL)
		return CT_ERR_IO;
	if ((bad = read_line(f, line, sizeof(line), &io)) != NULL)
		goto refuse;
	if (strcmp(line, "calltrack-spool 2") != 0) {
		bad = strncmp(line, "calltrack-spool ", 16) == 0 ?
		    "a spool format this version does not read" :
		    "not a spool file";
		goto refuse;
	}
	for (;;) {
		if ((bad = read_line(f, line, sizeof(line), &io)) != NULL)
			goto refuse;
		if (line[0] == '\0')
			break;
		if ((bad = take_line(line, out, &seen, &length)) != NULL)
			goto refuse;
	}
	for (k = 0; k < K__MAX; k++)
		if (!(seen & (1u << k))) {
			bad = keys[k].missing;
			goto refuse;
		}
	if ((out->body = malloc((size_t)length + 1)) == NULL) {
		err = CT_ERR_NOMEM;
		bad = "out of memory";
		goto refuse;
	}
	if (fread(out->body, 1, (size_t)length, f) != (size_t)length) {
		io = ferror(f) != 0;
		bad = "body shorter than its length";
		goto refuse;
	}
	if (getc(f) != EOF) {
		bad = "body longer than its length";
		goto refuse;
	}
	if (ferror(f)) {
		io = 1;
		goto refuse;
	}
	out->body[length] = '\0';
	out->body_len = (size_t)length;
	fclose(f);
	*why = NULL;
	return CT_OK;
refuse:
	fclose(f);
	ct_spooled_free(out);
	if (io)
		return CT_ERR_IO;
	*why = bad;
	return err;
}

void
ct_spooled_free(struct ct_spooled *s)
{
	free(s->body);
	s->body = NULL;
	s->body_len = 0;
}

/* ---- setting aside ---- */

enum ct_err
ct_spool_set_aside(const char *dir, const char *name, const char *kind,
    const char *why)
{
	char from[4200], to[4300], reason[4300], tmp[4300], text[256];
	size_t i;
	int fd, n;

	if (!has_suffix(name) || strchr(name, '/') != NULL ||
	    (strcmp(kind, "refused") != 0 && strcmp(kind, "failed") != 0))
		return CT_ERR_IO;
	if (snprintf(from, sizeof(from), "%s/%s", dir, name) >= (int)sizeof(from))
		return CT_ERR_IO;
	snprintf(to, sizeof(to), "%s.%s", from, kind);
	snprintf(reason, sizeof(reason), "%s.reason", from);
	/* Dot names are never listed. */
	snprintf(tmp, sizeof(tmp), "%s/.reason-%s", dir, name);
	n = snprintf(text, sizeof(text), "%s: %s", kind, why ? why : "");
	if (n < 0)
		return CT_ERR_IO;
	if ((size_t)n >= sizeof(text) - 1)
		n = (int)sizeof(text) - 2;
	/* One line an operator can cat. */
	for (i = 0; i < (size_t)n; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			text[i] = '?';
	text[n++] = '\n';
	/* The reason is written first and put in place last, so that a
	 * failure changes nothing, and a reason is never lost nor overwritten
	 * for a file that was not there. */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0)
		return CT_ERR_IO;
	if (write_all(fd, text, (size_t)n) != 0) {
		close(fd);
		goto fail;
	}
	if (close(fd) != 0 || rename(from, to) != 0)
		goto fail;
	if (rename(tmp, reason) != 0)
		goto fail;
	return CT_OK;
fail:
	n = errno;
	unlink(tmp);
	errno = n;
	return CT_ERR_IO;
}

/* ---- listing ---- */

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

long
ct_spool_list(const char *dir, char ***names)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL, **nv;
	long n = 0, cap = 0;

	*names = NULL;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (!has_suffix(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, (size_t)cap * sizeof(*v))) == NULL)
				break;
			v = nv;
		}
		if ((v[n] = strdup(e->d_name)) == NULL)
			break;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(v, (size_t)n, sizeof(*v), by_name);
	*names = v;
	return n;
}

void
ct_spool_list_free(char **names, long n)
{
	long i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
