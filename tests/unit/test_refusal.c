/*
 * test_refusal.c: the per-process table of refused client addresses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/err.h"
#include "ingest/refusal.h"
#include "suites.h"

static struct ct_refusal_table t;

/* Notes n refusals of addr at now; returns how many were over. */
static int
note_n(const char *addr, int n, long long now)
{
	int i, over = 0;

	for (i = 0; i < n; i++)
		over += ct_refusal_note(&t, addr, now) != 0;
	return over;
}

static void
test_refusal_limit_and_window(void)
{
	ct_refusal_init(&t, 30, 60, 1);
	/* The first 30 in the window are within the limit, the rest over. */
	CU_ASSERT_EQUAL(note_n("192.0.2.1", 30, 1000), 0);
	CU_ASSERT_EQUAL(ct_refusal_note(&t, "192.0.2.1", 1000), 60);
	CU_ASSERT_EQUAL(note_n("192.0.2.1", 500, 1010), 500);
	/* Retry-After is what is left of the window, at least 1. */
	CU_ASSERT_EQUAL(ct_refusal_note(&t, "192.0.2.1", 1059), 1);
	/* A new window starts afresh. */
	CU_ASSERT_EQUAL(note_n("192.0.2.1", 30, 1060), 0);
	CU_ASSERT_EQUAL(note_n("192.0.2.1", 1, 1060), 1);
	/* Another address has its own count. */
	CU_ASSERT_EQUAL(note_n("192.0.2.2", 30, 1060), 0);
	CU_ASSERT_EQUAL(note_n("198.51.100.7", 31, 1060), 1);
}

static void
test_refusal_addresses(void)
{
	ct_refusal_init(&t, 2, 60, 7);
	/* IPv6 counts by its /64: one host's addresses share one count. */
	CU_ASSERT_EQUAL(note_n("2001:db8:1:2::1", 2, 5), 0);
	CU_ASSERT_EQUAL(note_n("2001:db8:1:2:ffff::9", 1, 5), 1);
	CU_ASSERT_EQUAL(note_n("2001:db8:1:3::1", 2, 5), 0);
	/* An IPv4-mapped IPv6 address is its IPv4 address. */
	CU_ASSERT_EQUAL(note_n("203.0.113.5", 2, 5), 0);
	CU_ASSERT_EQUAL(note_n("::ffff:203.0.113.5", 1, 5), 1);
	/* Not an address (plain CGI without REMOTE_ADDR, junk): never
	 * limited. */
	CU_ASSERT_EQUAL(note_n(NULL, 10, 5), 0);
	CU_ASSERT_EQUAL(note_n("", 10, 5), 0);
	CU_ASSERT_EQUAL(note_n("localhost", 10, 5), 0);
	CU_ASSERT_EQUAL(note_n("1.2.3.4.5", 10, 5), 0);
	CU_ASSERT_EQUAL(note_n("fe80::1%eth0", 10, 5), 0);
	CU_ASSERT_EQUAL(note_n(
	    "0000:0000:0000:0000:0000:0000:0000:0000:0000:0000", 10, 5), 0);
}

static void
test_refusal_off(void)
{
	/* Limit 0: no refusal is ever over. */
	ct_refusal_init(&t, 0, 60, 3);
	CU_ASSERT_EQUAL(note_n("192.0.2.1", 10000, 5), 0);
}

static void
test_refusal_table_is_bounded(void)
{
	char addr[32];
	int i, over = 0;

	/* Far more addresses than slots: the table stays its size, every
	 * new address gets a slot (the oldest window gives way), and each
	 * still gets its limit. */
	ct_refusal_init(&t, 3, 60, 11);
	for (i = 0; i < 20 * CT_REFUSAL_SLOTS; i++) {
		snprintf(addr, sizeof(addr), "10.%d.%d.%d", (i >> 16) & 255,
		    (i >> 8) & 255, i & 255);
		over += note_n(addr, 3, 100 + i / 1000);
	}
	CU_ASSERT_EQUAL(over, 0);
	/* The address noted last is still counted: one more is its 4th. */
	CU_ASSERT_NOT_EQUAL(ct_refusal_note(&t, addr, 100 + (i - 1) / 1000), 0);
}

static void
test_refusal_settings(void)
{
	struct ct_config c;
	char err[200];

	unsetenv("CALLTRACK_REFUSED_LIMIT");
	unsetenv("CALLTRACK_REFUSED_WINDOW");
	unsetenv("CALLTRACK_REJECTED_DAYS");
	CU_ASSERT_EQUAL_FATAL(ct_config_load(&c, err, sizeof(err)), CT_OK);
	CU_ASSERT_EQUAL(c.refused_limit, 30);
	CU_ASSERT_EQUAL(c.refused_window_s, 60);
	CU_ASSERT_EQUAL(c.rejected_days, 30);
	setenv("CALLTRACK_REFUSED_WINDOW", "0", 1);
	CU_ASSERT_EQUAL(ct_config_load(&c, err, sizeof(err)),
	    CT_ERR_INVALID_PARAMETER);
	CU_ASSERT(strstr(err, "CALLTRACK_REFUSED_WINDOW") != NULL);
	unsetenv("CALLTRACK_REFUSED_WINDOW");
	setenv("CALLTRACK_REJECTED_DAYS", "0", 1);
	CU_ASSERT_EQUAL(ct_config_load(&c, err, sizeof(err)),
	    CT_ERR_INVALID_PARAMETER);
	unsetenv("CALLTRACK_REJECTED_DAYS");
	/* The 429 is the API's error, with its own stable code. */
	CU_ASSERT_EQUAL(ct_err_http_status(CT_ERR_RATE_LIMITED), 429);
	CU_ASSERT_STRING_EQUAL(ct_err_info(CT_ERR_RATE_LIMITED)->code,
	    "rate_limited");
}

int
suite_refusal(void)
{
	static const struct test_case cases[] = {
		{ "limit per address and window", test_refusal_limit_and_window },
		{ "IPv4, IPv6 by /64, mapped, not an address",
		    test_refusal_addresses },
		{ "limit 0 is no limit", test_refusal_off },
		{ "a fixed table under many addresses",
		    test_refusal_table_is_bounded },
		{ "settings and the 429 error", test_refusal_settings },
		{ NULL, NULL } };

	return add_suite("refusal", cases);
}
