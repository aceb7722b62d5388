/*
 * main.c: runs the CUnit suites, pure or database, and prints
 * "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "core/config.h"
#include "core/db.h"
#include "suites.h"

char *
fixture_read(const char *rel, size_t *len)
{
	const char *dir = getenv("CALLTRACK_FIXTURES");
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir :
	    "tests/fixtures", rel);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

int
add_suite_with(const char *name, CU_InitializeFunc init, CU_CleanupFunc clean,
    const struct test_case *cases)
{
	CU_pSuite s = CU_add_suite(name, init, clean);

	if (s == NULL)
		return -1;
	for (; cases->name != NULL; cases++)
		if (CU_add_test(s, cases->name, cases->fn) == NULL)
			return -1;
	return 0;
}

int
add_suite(const char *name, const struct test_case *cases)
{
	return add_suite_with(name, NULL, NULL, cases);
}

/* The suites without a database, and those that need one. */
static int (*const pure_suites[])(void) = { suite_err, suite_num,
    suite_config, suite_crypto, suite_form, suite_json, suite_phone,
    suite_sig, suite_log, suite_hook, suite_auth, suite_vapi, suite_retell,
    suite_twilio, suite_query, suite_refusal, suite_http, suite_integration, suite_event,
    suite_serve, suite_dashboard, suite_crypto_equal, suite_spool, suite_reason, suite_booking,
    suite_lead, suite_delivery, suite_notify, suite_destinations,
    suite_csv, suite_import, suite_contacts,
    suite_outbound, suite_notify_message, suite_analysis, suite_ingestion,
    suite_reconcile, suite_sessions, NULL };
static int (*const db_suites[])(void) = { suite_db, suite_integration_db,
    suite_event_db, suite_dashboard_db, suite_serve_db, suite_drain_db,
    suite_replay_db, NULL };

static int
usage(void)
{
	fprintf(stderr, "usage: unit-tests [pure | db]\n"
	    "  pure  the suites that need no database (the default)\n"
	    "  db    the suites that use the database CALLTRACK_DB names\n");
	return 2;
}

/*
 * Runs the pure suites, or the database suites, and prints
 * "unit: N passed, N failed" (the database pass: "unit-db: …").  Without
 * CALLTRACK_DB the database suites are not run, and the line says how many
 * tests that leaves out.
 */
int
main(int argc, char **argv)
{
	int (*const *suites)(void) = pure_suites;
	const char *label = "unit";
	unsigned run, failed, total;
	struct ct_config cfg;
	char err[200];
	int db = 0;

	if (argc > 2)
		return usage();
	if (argc == 2 && strcmp(argv[1], "db") == 0) {
		db = 1;
		suites = db_suites;
		label = "unit-db";
	} else if (argc == 2 && strcmp(argv[1], "pure") != 0) {
		return usage();
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (; *suites != NULL; suites++)
		if ((*suites)() != 0) {
			fprintf(stderr, "could not register a suite\n");
			CU_cleanup_registry();
			return 2;
		}
	if (db && !db_configured()) {
		total = CU_get_registry()->uiNumberOfTests;
		printf("%s: not run: CALLTRACK_DB is not set (%u tests in %u "
		    "suites need a database)\n", label, total,
		    CU_get_registry()->uiNumberOfSuites);
		printf("\n%s: 0 passed, 0 failed, %u not run\n", label, total);
		CU_cleanup_registry();
		return 0;
	}
	if (db) {
		/* As a program does: the settings once, from the environment. */
		if (ct_config_load(&cfg, err, sizeof(err)) != CT_OK) {
			fprintf(stderr, "%s\n", err);
			CU_cleanup_registry();
			return 2;
		}
		ct_config_set(&cfg);
		ct_db_configure("unit-tests", 0);
	}
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	run = CU_get_number_of_tests_run();
	failed = CU_get_number_of_tests_failed();
	/* A suite whose set-up failed ran none of its tests: a failure. */
	printf("\n%s: %u passed, %u failed\n", label, run - failed,
	    failed + CU_get_number_of_suites_failed());
	CU_cleanup_registry();
	if (db) {
		ct_db_close();
		admin_close();
	}
	return failed + CU_get_number_of_suites_failed() == 0 ? 0 : 1;
}
