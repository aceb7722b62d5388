/*
 * test_drain.c: the spool drained into the database (drain.h): a
 * directory holding an applied, a duplicate, a refused and a
 * never-applicable file, the counts, and what is left on disk.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/db.h"
#include "ops/drain.h"
#include "suites.h"

static char dr_org[37], dr_other[37];
static char dr_integration[CT_INTEGRATION_ID_MAX + 1];
static char dr_dir[256];

static int
drain_db_init(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dr_dir, sizeof(dr_dir), "%s/ct-drain-test.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dr_dir) == NULL)
		return -1;
	return admin_org_create(dr_org, NULL) != 0 ||
	    admin_org_create(dr_other, NULL) != 0 ||
	    admin_integration_create(dr_org, "vapi", "vapi-secret-drain",
	    dr_integration) != 0 ? -1 : 0;
}

/* Removes the test's directory and everything in it. */
static int
drain_db_clean(void)
{
	dir_remove(dr_dir);
	return 0;
}

/* Writes dir/name as the programs write a spool file. */
static int
spool_file(const char *name, const char *org, const char *body, size_t len)
{
	char path[512];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dr_dir, name);
	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	fprintf(f, "calltrack-spool 2\nprovider: vapi\nintegration: %s\n"
	    "org: %s\ncontent-type: application/json\n"
	    "received-at: 2026-01-07T17:20:00Z\nlength: %zu\n\n",
	    dr_integration, org, len);
	ok = fwrite(body, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* 1 when dir/name exists. */
static int
exists(const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dr_dir, name);
	return stat(path, &st) == 0;
}

/* The first line of dir/name, into out. */
static void
first_line(const char *name, char *out, size_t outlen)
{
	char path[512];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dr_dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fgets(out, (int)outlen, f) != NULL)
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/* What the drain said of each file it did not remove. */
static char noted_buf[1024];

static void
note(const char *name, const char *kind, const char *why, void *arg)
{
	size_t n = strlen(noted_buf);

	(void)arg;
	snprintf(noted_buf + n, sizeof(noted_buf) - n, "%s %s %s\n", name,
	    kind, why);
}

static void
test_drain_directory(void)
{
	static const char unmappable[] = "{\"message\":{}}";
	struct ct_drain_counts c;
	const char *v[2] = { dr_org, NULL };
	char *body, n[16], line[200];
	size_t len;

	body = fixture_read("vapi/inbound-booking-failed.end-of-call-report.json",
	    &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	/* Listed by name: applied, then its duplicate, then the others. */
	CU_ASSERT_EQUAL_FATAL(spool_file("01-applied.spool", dr_org, body, len),
	    0);
	CU_ASSERT_EQUAL_FATAL(spool_file("02-duplicate.spool", dr_org, body,
	    len), 0);
	CU_ASSERT_EQUAL_FATAL(spool_file("03-refused.spool", dr_other, body,
	    len), 0);
	CU_ASSERT_EQUAL_FATAL(spool_file("04-never.spool", dr_org, unmappable,
	    sizeof(unmappable) - 1), 0);
	free(body);
	noted_buf[0] = '\0';
	CU_ASSERT_EQUAL(ct_drain_spool(dr_dir, &c, note, NULL), CT_OK);
	CU_ASSERT_EQUAL(c.applied, 1);
	CU_ASSERT_EQUAL(c.duplicate, 1);
	CU_ASSERT_EQUAL(c.parked, 0);
	CU_ASSERT_EQUAL(c.refused, 1);
	CU_ASSERT_EQUAL(c.failed, 1);
	CU_ASSERT_EQUAL(c.left, 0);
	CU_ASSERT_EQUAL(ct_drain_drained(&c), 2);
	/* The applied and the duplicate are gone; the others kept aside with
	 * their reasons, and nothing else is listed. */
	CU_ASSERT_FALSE(exists("01-applied.spool"));
	CU_ASSERT_FALSE(exists("02-duplicate.spool"));
	CU_ASSERT_FALSE(exists("03-refused.spool"));
	CU_ASSERT_TRUE(exists("03-refused.spool.refused"));
	first_line("03-refused.spool.reason", line, sizeof(line));
	ASSERT_STR_EQ(line, "refused: integration belongs to another org");
	CU_ASSERT_FALSE(exists("04-never.spool"));
	CU_ASSERT_TRUE(exists("04-never.spool.failed"));
	first_line("04-never.spool.reason", line, sizeof(line));
	CU_ASSERT_EQUAL(strncmp(line, "failed: ", 8), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(noted_buf, "03-refused.spool refused "));
	CU_ASSERT_PTR_NOT_NULL(strstr(noted_buf, "04-never.spool failed "));
	/* One event and one call in the org; none in the other. */
	CU_ASSERT_EQUAL(admin_exec("SELECT count(*) FROM call_events WHERE "
	    "org_id = $1", 1, v, n, sizeof(n)), 0);
	ASSERT_STR_EQ(n, "1");
	CU_ASSERT_EQUAL(admin_exec("SELECT count(*) FROM calls WHERE "
	    "org_id = $1", 1, v, n, sizeof(n)), 0);
	ASSERT_STR_EQ(n, "1");
	v[0] = dr_other;
	CU_ASSERT_EQUAL(admin_exec("SELECT count(*) FROM call_events WHERE "
	    "org_id = $1", 1, v, n, sizeof(n)), 0);
	ASSERT_STR_EQ(n, "0");
	/* A second drain finds nothing. */
	CU_ASSERT_EQUAL(ct_drain_spool(dr_dir, &c, NULL, NULL), CT_OK);
	CU_ASSERT_EQUAL(ct_drain_drained(&c) + c.refused + c.failed + c.left, 0);
}

/* The database away: the file stays, counted left. */
static void
test_drain_db_unavailable(void)
{
	struct ct_drain_counts c;
	struct capture cap;
	char *body, *log;
	size_t len;

	body = fixture_read("vapi/inbound-completed.6.end-of-call-report.json",
	    &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_EQUAL_FATAL(spool_file("05-later.spool", dr_org, body, len),
	    0);
	free(body);
	config_with_db("host=/nonexistent/calltrack-unit dbname=calltrack");
	CU_ASSERT_EQUAL(capture_start(&cap, 2), 0);
	CU_ASSERT_EQUAL(ct_drain_spool(dr_dir, &c, NULL, NULL),
	    CT_ERR_DB_UNAVAILABLE);
	log = capture_end(&cap, &len);
	free(log);
	CU_ASSERT_EQUAL(config_reload(), 0);
	ct_db_close();
	CU_ASSERT_EQUAL(c.left, 1);
	CU_ASSERT_EQUAL(ct_drain_drained(&c), 0);
	CU_ASSERT_TRUE(exists("05-later.spool"));
	/* Back: it drains. */
	CU_ASSERT_EQUAL(ct_drain_spool(dr_dir, &c, NULL, NULL), CT_OK);
	CU_ASSERT_EQUAL(c.applied, 1);
	CU_ASSERT_FALSE(exists("05-later.spool"));
}

/* A directory that cannot be read. */
static void
test_drain_no_directory(void)
{
	struct ct_drain_counts c;

	CU_ASSERT_EQUAL(ct_drain_spool("/nonexistent/calltrack-spool", &c, NULL,
	    NULL), CT_ERR_IO);
}

int
suite_drain_db(void)
{
	static const struct test_case t[] = {
		{ "an applied, a duplicate, a refused and a never-applicable "
		    "file", test_drain_directory },
		{ "the database away leaves the file", test_drain_db_unavailable },
		{ "a directory that cannot be read", test_drain_no_directory },
		{ NULL, NULL } };
	return add_suite_with("drain-db", drain_db_init, drain_db_clean, t);
}
