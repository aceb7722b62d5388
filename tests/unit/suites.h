/*
 * suites.h: the CUnit suites of libcalltrack, one per module.
 */
#ifndef CT_TEST_SUITES_H
#define CT_TEST_SUITES_H

#include <stddef.h>
#include <CUnit/CUnit.h>

/* Each registers its suite with the CUnit registry; 0 on success. */
int suite_err(void);
int suite_num(void);
int suite_config(void);
int suite_crypto(void);
int suite_form(void);
int suite_json(void);
int suite_phone(void);
int suite_sig(void);
int suite_log(void);
int suite_hook(void);
int suite_auth(void);
int suite_vapi(void);
int suite_retell(void);
int suite_twilio(void);
int suite_query(void);
int suite_spool(void);

/* Reads tests/fixtures/<rel> (or $CALLTRACK_FIXTURES/<rel>) into a malloc'd
 * buffer with a NUL after it; NULL when unreadable. */
char *fixture_read(const char *rel, size_t *len);

/* Adds the NULL-terminated {name, fn} table to a new suite called name. */
struct test_case {
	const char	*name;
	CU_TestFunc	 fn;
};
int add_suite(const char *name, const struct test_case *cases);

#endif
