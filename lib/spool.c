/*
 * spool.c: verified webhooks on local disk while the database is away.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "spool.h"

#define MAGIC "calltrack-spool 1\n"
#define SUFFIX ".spool"

static int
has_suffix(const char *name)
{
	size_t n = strlen(name), k = strlen(SUFFIX);

	return n > k && strcmp(name + n - k, SUFFIX) == 0 && name[0] != '.';
}

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
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Header values are ours or checked; a newline would end the header. */
static const char *
one_line(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") == NULL ? s : "";
}

enum ct_err
ct_spool_write(const struct ct_request *req, const char *provider,
    const char *integration)
{
	const struct ct_config *cfg = ct_config_get();
	static unsigned long long counter;
	char tmp[4200], final[4200], head[512], when[40];
	struct timespec now;
	struct tm tm;
	long long used;
	int fd, dfd, n;

	if (cfg->spool_dir == NULL)
		return CT_ERR_DB_UNAVAILABLE;
	used = spool_bytes(cfg->spool_dir);
	if (used < 0 || used + (long long)req->body_len + (long long)sizeof(head) >
	    cfg->spool_max_mb * 1024 * 1024) {
		ct_log_msg(req->id, used < 0 ? "spool directory unreadable" :
		    "spool full: not spooled");
		return CT_ERR_DB_UNAVAILABLE;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(head, sizeof(head), MAGIC "provider: %s\nintegration: %s\n"
	    "content-type: %s\nreceived-at: %s\nlength: %zu\n\n",
	    one_line(provider), one_line(integration),
	    one_line(ct_http_param(req, "CONTENT_TYPE")), when, req->body_len);
	if (n < 0 || (size_t)n >= sizeof(head))
		return CT_ERR_DB_UNAVAILABLE;
	counter++;
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%ld-%llu", cfg->spool_dir,
	    (long)getpid(), counter);
	/* Names sort in arrival order: milliseconds, then pid and count. */
	snprintf(final, sizeof(final), "%s/%013lld-%07ld-%06llu" SUFFIX,
	    cfg->spool_dir, (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000,
	    (long)getpid(), counter % 1000000);
	/* Readable by the group: the sweeper, a user of its own in the
	 * programs' group, drains the spool (nginx/systemd); the umask
	 * still decides. */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) < 0)
		goto fail;
	if (write_all(fd, head, (size_t)n) != 0 ||
	    write_all(fd, req->body, req->body_len) != 0 || fsync(fd) != 0) {
		close(fd);
		unlink(tmp);
		goto fail;
	}
	close(fd);
	if (rename(tmp, final) != 0) {
		unlink(tmp);
		goto fail;
	}
	/* The rename itself is durable once the directory is synced. */
	if ((dfd = open(cfg->spool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return CT_OK;
fail:
	ct_log_msg(req->id, "could not spool: %s", strerror(errno));
	return CT_ERR_DB_UNAVAILABLE;
}

static int
header(const char *line, const char *key, char *out, size_t outlen)
{
	size_t k = strlen(key);

	if (strncmp(line, key, k) != 0 || line[k] != ':' || line[k + 1] != ' ')
		return 0;
	snprintf(out, outlen, "%s", line + k + 2);
	return 1;
}

int
ct_spool_read(const char *path, struct ct_spooled *out)
{
	FILE *f = fopen(path, "rb");
	char line[300], len[32] = "";
	unsigned long long n;
	char *end;

	memset(out, 0, sizeof(*out));
	if (f == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) == NULL || strcmp(line, MAGIC) != 0)
		goto bad;
	while (fgets(line, sizeof(line), f) != NULL && strcmp(line, "\n") != 0) {
		line[strcspn(line, "\n")] = '\0';
		if (!header(line, "provider", out->provider, sizeof(out->provider)) &&
		    !header(line, "integration", out->integration,
		    sizeof(out->integration)) &&
		    !header(line, "content-type", out->content_type,
		    sizeof(out->content_type)) &&
		    !header(line, "received-at", out->received_at,
		    sizeof(out->received_at)))
			header(line, "length", len, sizeof(len));
	}
	errno = 0;
	n = strtoull(len, &end, 10);
	if (len[0] == '\0' || *end != '\0' || errno != 0 || n > (64ULL << 20) ||
	    out->provider[0] == '\0' || out->integration[0] == '\0')
		goto bad;
	if ((out->body = malloc((size_t)n + 1)) == NULL ||
	    fread(out->body, 1, (size_t)n, f) != (size_t)n || fgetc(f) != EOF)
		goto bad;
	out->body[n] = '\0';
	out->body_len = (size_t)n;
	fclose(f);
	return 0;
bad:
	fclose(f);
	ct_spooled_free(out);
	return -1;
}

void
ct_spooled_free(struct ct_spooled *s)
{
	free(s->body);
	s->body = NULL;
}

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
