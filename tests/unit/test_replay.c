/*
 * test_replay.c: kept events applied again (replay.h): an org's calls
 * rebuilt from its call_events alone are the calls it had; the filters by
 * the call's time and by arrival; a filter that names nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/db.h"
#include "ops/replay.h"
#include "suites.h"
#include "ingest/vapi.h"

static char rp_org[37];
static char rp_integration[CT_INTEGRATION_ID_MAX + 1];

/* The events the suite's org receives, in order. */
static const char *const rp_fixtures[] = {
	"vapi/inbound-completed.1.status-update.queued.json",
	"vapi/inbound-completed.2.status-update.ringing.json",
	"vapi/inbound-completed.3.status-update.in-progress.json",
	"vapi/inbound-completed.5.status-update.ended.json",
	"vapi/inbound-completed.6.end-of-call-report.json",
	"vapi/inbound-booking-failed.end-of-call-report.json",
	NULL };

/* The org's calls without their ids and write times, as one text. */
static const char snapshot_sql[] =
    "SELECT COALESCE(string_agg(x::text, E'\\n' ORDER BY x::text), '') FROM ("
    " SELECT c.provider, c.provider_call_id, c.integration_id, c.direction,"
    " c.status, c.ended_reason, c.phone_number, c.started_at, c.ended_at,"
    " c.duration_seconds, c.cost, c.transcript, c.summary, c.sentiment,"
    " c.booking_status, c.lead_score FROM calls c WHERE c.org_id = $1) x";

static int
replay_db_init(void)
{
	char outcome[16];
	size_t i;

	if (admin_org_create(rp_org, NULL) != 0 ||
	    admin_integration_create(rp_org, "vapi", "vapi-secret-replay",
	    rp_integration) != 0)
		return -1;
	for (i = 0; rp_fixtures[i] != NULL; i++) {
		struct ct_delivery d = { NULL, 0, "application/json", "",
		    "unit" };
		const char *why;
		enum ct_err err;
		char *body;

		if ((body = fixture_read(rp_fixtures[i], &d.body_len)) == NULL)
			return -1;
		d.body = body;
		err = ct_hook_replay(&ct_vapi_hook, rp_integration, rp_org, &d,
		    outcome, &why);
		free(body);
		if (err != CT_OK)
			return -1;
	}
	return 0;
}

/* Replays f over the administrator's connection, as the admin command
 * does; the library's configuration is given back after. */
static enum ct_err
replay_as_admin(const struct ct_replay_filter *f, struct ct_replay_counts *c,
    ct_replay_progress_fn progress, void *arg)
{
	enum ct_err err;

	config_with_db(getenv("CALLTRACK_TEST_ADMIN_DB"));
	err = ct_replay_events(f, c, progress, arg);
	CU_ASSERT_EQUAL(config_reload(), 0);
	ct_db_close();
	return err;
}

static long long progress_calls, progress_last, progress_total;

static void
progress(long long done, long long total, void *arg)
{
	(void)arg;
	progress_calls++;
	progress_last = done;
	progress_total = total;
}

static void
test_replay_rebuilds_calls(void)
{
	struct ct_replay_filter f = { 0, NULL, rp_org, NULL, NULL, NULL, NULL };
	struct ct_replay_counts c;
	const char *v[1] = { rp_org };
	char *before = NULL, *after = NULL, n[16];
	PGresult *r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r = admin_query(snapshot_sql, 1, v));
	before = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(before);
	CU_ASSERT_EQUAL(admin_exec("SELECT count(*) FROM calls WHERE org_id = "
	    "$1", 1, v, n, sizeof(n)), 0);
	ASSERT_STR_EQ(n, "2");
	/* Everything but the raw log goes. */
	CU_ASSERT_EQUAL(admin_exec("UPDATE call_events SET call_id = NULL "
	    "WHERE org_id = $1", 1, v, NULL, 0), 0);
	CU_ASSERT_EQUAL(admin_exec("DELETE FROM hot_lead_alerts WHERE org_id = "
	    "$1", 1, v, NULL, 0), 0);
	CU_ASSERT_EQUAL(admin_exec("DELETE FROM call_sessions WHERE org_id = $1",
	    1, v, NULL, 0), 0);
	CU_ASSERT_EQUAL(admin_exec("DELETE FROM calls WHERE org_id = $1", 1, v,
	    NULL, 0), 0);
	CU_ASSERT_EQUAL(admin_exec("DELETE FROM contacts WHERE org_id = $1", 1,
	    v, NULL, 0), 0);
	progress_calls = 0;
	CU_ASSERT_EQUAL(replay_as_admin(&f, &c, progress, NULL), CT_OK);
	CU_ASSERT_EQUAL(c.listed, 6);
	CU_ASSERT_EQUAL(c.applied, 6);
	CU_ASSERT_EQUAL(c.parked, 0);
	CU_ASSERT_EQUAL(c.failed, 0);
	CU_ASSERT_EQUAL(progress_calls, 6);
	CU_ASSERT_EQUAL(progress_last, 6);
	CU_ASSERT_EQUAL(progress_total, 6);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r = admin_query(snapshot_sql, 1, v));
	after = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	ASSERT_STR_EQ(after, before);
	free(after);
	/* Twice is once. */
	CU_ASSERT_EQUAL(replay_as_admin(&f, &c, NULL, NULL), CT_OK);
	CU_ASSERT_EQUAL(c.applied, 6);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r = admin_query(snapshot_sql, 1, v));
	ASSERT_STR_EQ(PQgetvalue(r, 0, 0), before);
	PQclear(r);
	CU_ASSERT_EQUAL(admin_exec("SELECT count(*) FROM call_events WHERE "
	    "org_id = $1 AND call_id IS NULL", 1, v, n, sizeof(n)), 0);
	ASSERT_STR_EQ(n, "0");
	free(before);
}

/* --from/--to are the call's time (the fixtures' calls started on
 * 2026-01-06 and 2026-01-07); --received-* the events' arrival (now). */
static void
test_replay_filters(void)
{
	static const struct {
		const char *from, *to, *rfrom, *rto;
		long long listed;
	} t[] = {
		{ "2026-01-06T00:00:00Z", "2026-01-07T00:00:00Z", NULL, NULL, 5 },
		{ "2026-01-07T00:00:00Z", "2026-01-08T00:00:00Z", NULL, NULL, 1 },
		{ "2026-01-08T00:00:00Z", NULL, NULL, NULL, 0 },
		{ NULL, "2026-01-06T00:00:00Z", NULL, NULL, 0 },
		{ NULL, NULL, "2000-01-01T00:00:00Z", NULL, 6 },
		{ NULL, NULL, NULL, "2026-01-08T00:00:00Z", 0 },
		{ "2026-01-07T00:00:00Z", NULL, "2000-01-01T00:00:00Z", NULL, 1 },
	};
	struct ct_replay_counts c;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ct_replay_filter f = { 0, NULL, rp_org, t[i].from,
		    t[i].to, t[i].rfrom, t[i].rto };

		CU_ASSERT_EQUAL(replay_as_admin(&f, &c, NULL, NULL), CT_OK);
		CU_ASSERT_EQUAL(c.listed, t[i].listed);
		CU_ASSERT_EQUAL(c.applied, t[i].listed);
	}
}

/* A filter must name exactly one of parked, call and org, by a real id;
 * a time that is not one fails the listing. */
static void
test_replay_bad_filter(void)
{
	struct ct_replay_filter none = { 0, NULL, NULL, NULL, NULL, NULL, NULL };
	struct ct_replay_filter two = { 1, NULL, rp_org, NULL, NULL, NULL, NULL };
	struct ct_replay_filter bad = { 0, "not-a-uuid", NULL, NULL, NULL, NULL,
	    NULL };
	struct ct_replay_filter when = { 0, NULL, rp_org, "whenever", NULL,
	    NULL, NULL };
	struct ct_replay_counts c;
	struct capture cap;
	size_t len;

	CU_ASSERT_EQUAL(ct_replay_events(&none, &c, NULL, NULL),
	    CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_replay_events(&two, &c, NULL, NULL),
	    CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_replay_events(&bad, &c, NULL, NULL),
	    CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(capture_start(&cap, 2), 0);
	CU_ASSERT_EQUAL(replay_as_admin(&when, &c, NULL, NULL), CT_ERR_INTERNAL);
	free(capture_end(&cap, &len));
	CU_ASSERT_EQUAL(c.listed, 0);
	CU_ASSERT_PTR_NULL(ct_replay_provider("skype"));
	CU_ASSERT_PTR_EQUAL(ct_replay_provider("vapi"), &ct_vapi_hook);
}

int
suite_replay_db(void)
{
	static const struct test_case t[] = {
		{ "an org's calls rebuilt from its events are the same calls",
		    test_replay_rebuilds_calls },
		{ "--from/--to by the call's time, --received-* by arrival",
		    test_replay_filters },
		{ "a filter that names nothing, or a bad time",
		    test_replay_bad_filter },
		{ NULL, NULL } };
	return add_suite_with("replay-db", replay_db_init, NULL, t);
}
