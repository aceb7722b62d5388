/*
 * test_notify.c: what a notification destination may be (read/notify.h),
 * and the routes and delivery-log parameters of /api/notifications
 * (read/destinations.h).  Tables of cases: every refusal the API and
 * calltrack-admin notify add answer with a 400 or an exit 2, and the
 * values beside each that are taken.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "read/destinations.h"
#include "read/notify.h"
#include "suites.h"

struct url_case {
	enum ct_notify_kind	 kind;
	const char		*url;
	int			 allow_private;
	int			 ok;
};

static void
test_url(void)
{
	static const struct url_case t[] = {
		{ CT_NOTIFY_WEBHOOK, "https://hooks.example.com/in", 0, 1 },
		{ CT_NOTIFY_WEBHOOK, "HTTPS://hooks.example.com:8443/a?b=c#d", 0, 1 },
		{ CT_NOTIFY_WEBHOOK, "https://hooks.example.com./in", 0, 1 },
		{ CT_NOTIFY_WEBHOOK, "https://8.8.8.8/in", 0, 1 },
		{ CT_NOTIFY_WEBHOOK, "https://[2606:4700::1111]/in", 0, 1 },
		{ CT_NOTIFY_WEBHOOK, "https://a.example/%41", 0, 1 },
		/* Scheme. */
		{ CT_NOTIFY_WEBHOOK, "http://hooks.example.com/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "http://hooks.example.com/in", 1, 1 },
		{ CT_NOTIFY_WEBHOOK, "ftp://hooks.example.com/in", 1, 0 },
		{ CT_NOTIFY_WEBHOOK, "hooks.example.com/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https:/hooks.example.com", 0, 0 },
		{ CT_NOTIFY_SLACK, "https://hooks.slack.com/services/T/B/X", 0, 1 },
		{ CT_NOTIFY_SLACK, "http://hooks.slack.com/services/T/B/X", 1, 0 },
		{ CT_NOTIFY_EMAIL, "smtp://mail.example.com:587", 0, 1 },
		{ CT_NOTIFY_EMAIL, "smtps://mail.example.com/", 0, 1 },
		{ CT_NOTIFY_EMAIL, "https://mail.example.com", 0, 0 },
		{ CT_NOTIFY_EMAIL, "smtp://mail.example.com/inbox", 0, 0 },
		{ CT_NOTIFY_EMAIL, "smtp://user:pw@mail.example.com", 0, 0 },
		/* User and password. */
		{ CT_NOTIFY_WEBHOOK, "https://user:pw@hooks.example.com/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://user@hooks.example.com/in", 1, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://hooks.example.com/in@x", 0, 1 },
		/* Characters. */
		{ CT_NOTIFY_WEBHOOK, "https://hooks.example.com/a b", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://hooks.example.com/a\r\nX: y", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://hooks.example.com/a\tb", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://hooks.example.com/\x7f", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://hooks.example.com/caf\xc3\xa9", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://hooks.example.com/<x>", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://hooks.example.com/%4", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://hooks.example.com/%zz", 0, 0 },
		/* Hosts and ports. */
		{ CT_NOTIFY_WEBHOOK, "https:///in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://-bad.example.com/", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://a..example.com/", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://hooks.example.com:0/", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://hooks.example.com:65536/", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://hooks.example.com:/", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://hooks.example.com:443x/", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://[::1/", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://[nothex]/", 1, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://[2606:4700::1111]x/", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://[2606:4700::1111]:443/", 0, 1 },
		/* Addresses that are not public, and names of this machine. */
		{ CT_NOTIFY_WEBHOOK, "https://127.0.0.1/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://127.0.0.1/in", 1, 1 },
		{ CT_NOTIFY_WEBHOOK, "https://127.1/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://2130706433/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://0x7f.0.0.1/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://0177.0.0.1/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://127.0.0.1./in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://0.0.0.0/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://10.1.2.3/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://172.16.0.1/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://172.32.0.1/in", 0, 1 },
		{ CT_NOTIFY_WEBHOOK, "https://192.168.1.1/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://100.100.100.200/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://169.254.169.254/latest", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://224.0.0.1/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://255.255.255.255/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://[::1]/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://[::]/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://[::ffff:10.0.0.1]/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://[::ffff:8.8.8.8]/in", 0, 1 },
		{ CT_NOTIFY_WEBHOOK, "https://[::ffff:127.0.0.1]:8443/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://[64:ff9b::a9fe:a9fe]/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://[2002:c0a8:101::1]/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://[fe80::1]/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://[fd00:ec2::254]/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://[ff02::1]/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://[fe80::1%25eth0]/in", 1, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://localhost/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://LOCALHOST./in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://api.localhost/in", 0, 0 },
		{ CT_NOTIFY_WEBHOOK, "https://localhost/in", 1, 1 },
		{ CT_NOTIFY_WEBHOOK, "https://notlocalhost/in", 0, 1 },
		{ CT_NOTIFY_EMAIL, "smtp://127.0.0.1:2525", 0, 0 },
		{ CT_NOTIFY_EMAIL, "smtp://127.0.0.1:2525", 1, 1 },
		{ CT_NOTIFY_SLACK, "https://[::ffff:169.254.169.254]/", 0, 0 },
		{ 0, "https://hooks.example.com/in", 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int got = ct_notify_url_check(t[i].kind, t[i].url,
		    t[i].allow_private) == CT_OK;

		if (got != t[i].ok)
			fprintf(stderr, "url case %zu (%s): got %d\n", i,
			    t[i].url, got);
		CU_ASSERT_EQUAL(got, t[i].ok);
	}
}

/* The length bound: 2,048 bytes taken, 2,049 not, a long one not. */
static void
test_url_length(void)
{
	size_t n;
	char *u = malloc(100001);

	CU_ASSERT_FATAL(u != NULL);
	for (n = 2048; n <= 2049; n++) {
		memset(u, 'a', n);
		memcpy(u, "https://hooks.example.com/", 26);
		u[n] = '\0';
		CU_ASSERT_EQUAL(ct_notify_url_check(CT_NOTIFY_WEBHOOK, u, 0) ==
		    CT_OK, n == 2048);
	}
	memset(u, 'a', 100000);
	memcpy(u, "https://hooks.example.com/", 26);
	u[100000] = '\0';
	CU_ASSERT_EQUAL(ct_notify_url_check(CT_NOTIFY_WEBHOOK, u, 1),
	    CT_ERR_INVALID_PARAMETER);
	free(u);
}

static void
test_addr_public(void)
{
	static const struct { int family; const char *a; int pub; } t[] = {
		{ AF_INET, "8.8.8.8", 1 }, { AF_INET, "1.1.1.1", 1 },
		{ AF_INET, "100.63.255.255", 1 }, { AF_INET, "100.64.0.1", 0 },
		{ AF_INET, "100.127.255.255", 0 }, { AF_INET, "100.128.0.0", 1 },
		{ AF_INET, "169.253.1.1", 1 }, { AF_INET, "169.254.0.1", 0 },
		{ AF_INET, "172.15.255.255", 1 }, { AF_INET, "172.31.255.255", 0 },
		{ AF_INET, "192.0.2.1", 0 }, { AF_INET, "198.18.0.1", 0 },
		{ AF_INET, "198.19.255.255", 0 }, { AF_INET, "198.20.0.1", 1 },
		{ AF_INET, "223.255.255.255", 1 }, { AF_INET, "240.0.0.1", 0 },
		{ AF_INET6, "2606:4700::1111", 1 }, { AF_INET6, "::1", 0 },
		{ AF_INET6, "::", 0 }, { AF_INET6, "::ffff:1.1.1.1", 1 },
		{ AF_INET6, "::ffff:192.168.0.1", 0 }, { AF_INET6, "fc00::1", 0 },
		{ AF_INET6, "fec0::1", 0 }, { AF_INET6, "2001:db8::1", 0 },
		{ AF_INET6, "2001::1", 0 }, { AF_INET6, "100::1", 0 },
		{ AF_INET6, "64:ff9b::808:808", 1 }, { AF_INET6, "2002:808:808::1", 1 },
		{ AF_INET6, "64:ff9b:1::1", 0 },
	};
	unsigned char b[16];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_FATAL(inet_pton(t[i].family, t[i].a, b) == 1);
		if (ct_notify_addr_public(t[i].family, b) != (t[i].pub != 0))
			fprintf(stderr, "address %s: wrong\n", t[i].a);
		CU_ASSERT_EQUAL(ct_notify_addr_public(t[i].family, b),
		    t[i].pub != 0);
	}
	CU_ASSERT_FALSE(ct_notify_addr_public(AF_UNIX, b));
}

static void
test_address(void)
{
	static const struct { const char *a; int ok; } t[] = {
		{ "ops@example.com", 1 }, { "a.b+tag@mail.example.co.uk", 1 },
		{ "o'brien@example.com", 1 }, { "x@localhost", 1 },
		{ "", 0 }, { "@example.com", 0 }, { "ops@", 0 },
		{ "ops", 0 }, { ".ops@example.com", 0 }, { "ops.@example.com", 0 },
		{ "o..ps@example.com", 0 }, { "ops@example..com", 0 },
		{ "ops@example.com.", 0 }, { "ops@-example.com", 0 },
		{ "o ps@example.com", 0 }, { "ops@exa mple.com", 0 },
		{ "ops@example.com\r\nBcc: x@example.com", 0 },
		{ "ops\n@example.com", 0 }, { "\"ops\"@example.com", 0 },
		{ "Ops <ops@example.com>", 0 }, { "ops@[127.0.0.1]", 0 },
		{ "a@b@example.com", 0 },
	};
	char local[80], big[300];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (ct_notify_address_valid(t[i].a) != (t[i].ok != 0))
			fprintf(stderr, "address case %s: wrong\n", t[i].a);
		CU_ASSERT_EQUAL(ct_notify_address_valid(t[i].a), t[i].ok != 0);
	}
	memset(local, 'a', 65);
	memcpy(local + 65, "@example.com", 13);
	CU_ASSERT_FALSE(ct_notify_address_valid(local));
	memcpy(local + 64, "@example.com", 13);
	CU_ASSERT_TRUE(ct_notify_address_valid(local));
	memset(big, 'a', sizeof(big));
	memcpy(big, "a@", 2);
	for (i = 60; i < 250; i += 60)
		big[i] = '.';
	big[255] = '\0';
	CU_ASSERT_FALSE(ct_notify_address_valid(big));
	CU_ASSERT_FALSE(ct_notify_address_valid(NULL));
}

static void
test_events(void)
{
	static const char *const all[] = { "call.hot_lead",
	    "call.booking_failed", "call.missed", "call.negative_sentiment",
	    "call.stuck", "digest.daily" };
	struct ct_notify_dest d;
	size_t i;

	memset(&d, 0, sizeof(d));
	for (i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(ct_notify_event_add(&d, all[i]), CT_OK);
	CU_ASSERT_EQUAL(d.nevents, 6);
	memset(&d, 0, sizeof(d));
	CU_ASSERT_EQUAL(ct_notify_event_add(&d, "call.missed"), CT_OK);
	CU_ASSERT_EQUAL(ct_notify_event_add(&d, "call.missed"),
	    CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_notify_event_add(&d, "test"),
	    CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_notify_event_add(&d, "CALL.MISSED"),
	    CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_notify_event_add(&d, NULL),
	    CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(d.nevents, 1);
	CU_ASSERT_FALSE(ct_notify_event_known(""));
}

/* Parses body as POST /api/notifications does; returns the error and the
 * field it names ("" when none). */
static enum ct_err
post(const char *body, char bad_out[80])
{
	struct ct_notify_dest d;
	json_object *o;
	const char *bad = NULL;
	enum ct_err err;

	bad_out[0] = '\0';
	if (ct_json_parse(body, strlen(body), &o) != CT_OK)
		return CT_ERR_MALFORMED_BODY;
	err = ct_notify_dest_from_json(o, &d, false, &bad);
	if (bad != NULL)
		snprintf(bad_out, 80, "%s", bad);
	json_object_put(o);
	return err;
}

static void
test_from_json(void)
{
	static const struct { const char *body; const char *bad; } t[] = {
		{ "{\"kind\":\"webhook\",\"url\":\"https://h.example.com/x\","
		  "\"events\":[\"call.hot_lead\"]}", "" },
		{ "{\"kind\":\"slack\",\"url\":\"https://hooks.slack.com/services/T/B/X\","
		  "\"events\":[\"digest.daily\",\"call.stuck\"]}", "" },
		{ "{\"kind\":\"email\",\"smtp_url\":\"smtp://mail.example.com\","
		  "\"to\":[\"a@example.com\"],\"from\":\"ct@example.com\","
		  "\"smtp_user\":\"ct\",\"smtp_password\":\"pw pw\","
		  "\"events\":[\"call.missed\"]}", "" },
		{ "{\"kind\":\"fax\",\"url\":\"https://h.example.com\","
		  "\"events\":[\"call.missed\"]}", "kind" },
		{ "{\"url\":\"https://h.example.com\",\"events\":[\"call.missed\"]}",
		  "kind" },
		{ "{\"kind\":1,\"url\":\"https://h.example.com\"}", "kind" },
		{ "{\"kind\":\"webhook\",\"url\":\"https://h.example.com\","
		  "\"events\":[\"call.missed\"],\"secret\":\"mine\"}", "secret" },
		{ "{\"kind\":\"webhook\",\"url\":\"https://h.example.com\","
		  "\"events\":[\"call.missed\"],\"a\\u0001b\":1}", "body" },
		{ "{\"kind\":\"webhook\",\"events\":[\"call.missed\"]}", "url" },
		{ "{\"kind\":\"webhook\",\"url\":\"https://10.0.0.1/\","
		  "\"events\":[\"call.missed\"]}", "url" },
		{ "{\"kind\":\"webhook\",\"url\":\"https://h.example.com/\\u0000\","
		  "\"events\":[\"call.missed\"]}", "url" },
		{ "{\"kind\":\"webhook\",\"url\":[\"https://h.example.com\"],"
		  "\"events\":[\"call.missed\"]}", "url" },
		{ "{\"kind\":\"webhook\",\"url\":\"https://h.example.com\","
		  "\"smtp_url\":\"smtp://m.example.com\",\"events\":[\"call.missed\"]}",
		  "smtp_url" },
		{ "{\"kind\":\"webhook\",\"url\":\"https://h.example.com\","
		  "\"to\":[\"a@example.com\"],\"events\":[\"call.missed\"]}", "to" },
		{ "{\"kind\":\"webhook\",\"url\":\"https://h.example.com\"}",
		  "events" },
		{ "{\"kind\":\"webhook\",\"url\":\"https://h.example.com\","
		  "\"events\":[]}", "events" },
		{ "{\"kind\":\"webhook\",\"url\":\"https://h.example.com\","
		  "\"events\":\"call.missed\"}", "events" },
		{ "{\"kind\":\"webhook\",\"url\":\"https://h.example.com\","
		  "\"events\":[\"call.missed\",\"call.missed\"]}", "events" },
		{ "{\"kind\":\"webhook\",\"url\":\"https://h.example.com\","
		  "\"events\":[\"call.missed\",\"test\"]}", "events" },
		{ "{\"kind\":\"webhook\",\"url\":\"https://h.example.com\","
		  "\"events\":[\"call.missed\",7]}", "events" },
		{ "{\"kind\":\"email\",\"url\":\"https://h.example.com\","
		  "\"to\":[\"a@example.com\"],\"events\":[\"call.missed\"]}", "url" },
		{ "{\"kind\":\"email\",\"smtp_url\":\"smtp://m.example.com\","
		  "\"events\":[\"call.missed\"]}", "to" },
		{ "{\"kind\":\"email\",\"smtp_url\":\"smtp://m.example.com\","
		  "\"to\":[],\"events\":[\"call.missed\"]}", "to" },
		{ "{\"kind\":\"email\",\"smtp_url\":\"smtp://m.example.com\","
		  "\"to\":\"a@example.com\",\"events\":[\"call.missed\"]}", "to" },
		{ "{\"kind\":\"email\",\"smtp_url\":\"smtp://m.example.com\","
		  "\"to\":[\"a@example.com\\r\\nBcc: b@example.com\"],"
		  "\"events\":[\"call.missed\"]}", "to" },
		{ "{\"kind\":\"email\",\"smtp_url\":\"smtp://m.example.com\","
		  "\"to\":[\"a@example.com\",\"A@example.com\"],"
		  "\"events\":[\"call.missed\"]}", "to" },
		{ "{\"kind\":\"email\",\"smtp_url\":\"smtp://m.example.com\","
		  "\"to\":[\"a@example.com\"],\"from\":\"x\\ny@example.com\","
		  "\"events\":[\"call.missed\"]}", "from" },
		{ "{\"kind\":\"email\",\"smtp_url\":\"smtp://m.example.com\","
		  "\"to\":[\"a@example.com\"],\"smtp_user\":\"\","
		  "\"events\":[\"call.missed\"]}", "smtp_user" },
		{ "{\"kind\":\"email\",\"smtp_url\":\"smtp://m.example.com\","
		  "\"to\":[\"a@example.com\"],\"smtp_password\":\"a\\r\\nb\","
		  "\"events\":[\"call.missed\"]}", "smtp_password" },
		{ "{\"kind\":\"email\",\"smtp_url\":\"smtp://m.example.com\","
		  "\"to\":[\"a@example.com\"],\"smtp_password\":null,"
		  "\"events\":[\"call.missed\"]}", "smtp_password" },
	};
	char bad[80];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum ct_err err = post(t[i].body, bad);

		if (strcmp(bad, t[i].bad) != 0)
			fprintf(stderr, "body case %zu: named '%s'\n", i, bad);
		ASSERT_STR_EQ(bad, t[i].bad);
		CU_ASSERT_EQUAL(err, t[i].bad[0] ? CT_ERR_INVALID_PARAMETER :
		    CT_OK);
	}
	CU_ASSERT_EQUAL(post("[]", bad), CT_ERR_MALFORMED_BODY);
	CU_ASSERT_EQUAL(post("\"webhook\"", bad), CT_ERR_MALFORMED_BODY);
}

/* Twenty-one recipients, and 10,000 events, are refused. */
static void
test_from_json_bounds(void)
{
	size_t n = 10000 * 4 + 200, o, i;
	char *b = malloc(n), bad[80];

	CU_ASSERT_FATAL(b != NULL);
	o = (size_t)snprintf(b, n, "{\"kind\":\"email\",\"smtp_url\":"
	    "\"smtp://m.example.com\",\"events\":[\"call.missed\"],\"to\":[");
	for (i = 0; i < 21; i++)
		o += (size_t)snprintf(b + o, n - o, "%s\"r%zu@example.com\"",
		    i ? "," : "", i);
	snprintf(b + o, n - o, "]}");
	CU_ASSERT_EQUAL(post(b, bad), CT_ERR_INVALID_PARAMETER);
	ASSERT_STR_EQ(bad, "to");
	o = (size_t)snprintf(b, n, "{\"kind\":\"webhook\",\"url\":"
	    "\"https://h.example.com\",\"events\":[");
	for (i = 0; i < 10000; i++)
		o += (size_t)snprintf(b + o, n - o, "%s\"a\"", i ? "," : "");
	snprintf(b + o, n - o, "]}");
	CU_ASSERT_EQUAL(post(b, bad), CT_ERR_INVALID_PARAMETER);
	ASSERT_STR_EQ(bad, "events");
	free(b);
}

static void
test_patch(void)
{
	static const struct { const char *body; const char *bad; int enabled;
	    size_t nevents; } t[] = {
		{ "{}", "", -1, 0 },
		{ "{\"enabled\":false}", "", 0, 0 },
		{ "{\"enabled\":true,\"events\":[\"call.stuck\"]}", "", 1, 1 },
		{ "{\"enabled\":\"yes\"}", "enabled", -1, 0 },
		{ "{\"enabled\":1}", "enabled", -1, 0 },
		{ "{\"events\":[]}", "events", -1, 0 },
		{ "{\"url\":\"https://h.example.com\"}", "url", -1, 0 },
		{ "{\"kind\":\"slack\"}", "kind", -1, 0 },
	};
	struct ct_notify_patch p;
	json_object *o;
	const char *bad;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_FATAL(ct_json_parse(t[i].body, strlen(t[i].body),
		    &o) == CT_OK);
		bad = NULL;
		CU_ASSERT_EQUAL(ct_notify_patch_from_json(o, &p, &bad),
		    t[i].bad[0] ? CT_ERR_INVALID_PARAMETER : CT_OK);
		ASSERT_STR_EQ(bad ? bad : "", t[i].bad);
		if (!t[i].bad[0]) {
			CU_ASSERT_EQUAL(p.enabled, t[i].enabled);
			CU_ASSERT_EQUAL(p.dest.nevents, t[i].nevents);
		}
		json_object_put(o);
	}
}

static void
test_text_array(void)
{
	const char *items[] = { "a@example.com", "o\"q\\@example.com", "" };
	char *s = ct_notify_text_array(items, 3);

	ASSERT_STR_EQ(s, "{\"a@example.com\",\"o\\\"q\\\\@example.com\",\"\"}");
	free(s);
	s = ct_notify_text_array(items, 0);
	ASSERT_STR_EQ(s, "{}");
	free(s);
}

static void
test_secret(void)
{
	char a[CT_NOTIFY_SECRET_LEN + 1], b[CT_NOTIFY_SECRET_LEN + 1];

	CU_ASSERT_EQUAL_FATAL(ct_notify_secret_new(a), CT_OK);
	CU_ASSERT_EQUAL_FATAL(ct_notify_secret_new(b), CT_OK);
	CU_ASSERT_EQUAL(strlen(a), 50);
	CU_ASSERT_EQUAL(strncmp(a, "whsec_", 6), 0);
	/* Base64 of 32 bytes: 43 characters and one '='. */
	CU_ASSERT_EQUAL(strspn(a + 6, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	    "opqrstuvwxyz0123456789+/"), 43);
	CU_ASSERT_EQUAL(a[49], '=');
	CU_ASSERT_NOT_EQUAL(strcmp(a, b), 0);
}

static void
test_kind(void)
{
	enum ct_notify_kind k;

	CU_ASSERT_TRUE(ct_notify_kind_parse("email", &k));
	CU_ASSERT_EQUAL(k, CT_NOTIFY_EMAIL);
	ASSERT_STR_EQ(ct_notify_kind_name(k), "email");
	CU_ASSERT_FALSE(ct_notify_kind_parse("Email", &k));
	CU_ASSERT_FALSE(ct_notify_kind_parse(NULL, &k));
	ASSERT_STR_EQ(ct_notify_kind_name(0), "?");
}

int
suite_notify(void)
{
	static const struct test_case t[] = {
		{ "urls: scheme, host, port, characters, private addresses",
		    test_url },
		{ "urls: 2,048 bytes at most", test_url_length },
		{ "addresses: public or not, IPv4 inside IPv6 too",
		    test_addr_public },
		{ "mail addresses of a sane shape, no CR or LF", test_address },
		{ "events: known, once each", test_events },
		{ "POST bodies: every refusal names its field", test_from_json },
		{ "POST bodies: 21 recipients, 10,000 events", test_from_json_bounds },
		{ "PATCH bodies: events and enabled only", test_patch },
		{ "text[] literals quote and escape", test_text_array },
		{ "webhook secrets: whsec_ and 32 random bytes", test_secret },
		{ "kinds", test_kind },
		{ NULL, NULL }
	};

	return add_suite("notify", t);
}

static void
test_route(void)
{
	static const struct { const char *path; enum ct_destinations_route r;
	    unsigned methods; const char *id; } t[] = {
		{ "/api/notifications", CT_ROUTE_LIST,
		    CT_METHOD_GET | CT_METHOD_POST, "" },
		{ "/api/notifications/", CT_ROUTE_LIST,
		    CT_METHOD_GET | CT_METHOD_POST, "" },
		{ "/api/notifications/0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0",
		    CT_ROUTE_ONE, CT_METHOD_PATCH | CT_METHOD_DELETE,
		    "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" },
		{ "/api/notifications/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/test",
		    CT_ROUTE_TEST, CT_METHOD_POST,
		    "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" },
		{ "/api/notifications/deliveries", CT_ROUTE_DELIVERIES,
		    CT_METHOD_GET, "" },
		{ "/api/notifications/deliveries/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/retry",
		    CT_ROUTE_RETRY, CT_METHOD_POST,
		    "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" },
		{ "/api/notificationsx", CT_ROUTE_NONE, 0, "" },
		{ "/api/notifications/nope", CT_ROUTE_NONE, 0, "" },
		{ "/api/notifications/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/",
		    CT_ROUTE_NONE, 0, "" },
		{ "/api/notifications/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/tests",
		    CT_ROUTE_NONE, 0, "" },
		{ "/api/notifications/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0x",
		    CT_ROUTE_NONE, 0, "" },
		{ "/api/notifications/deliveries/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
		    CT_ROUTE_NONE, 0, "" },
		{ "/api/notifications/deliveries/x/retry", CT_ROUTE_NONE, 0, "" },
		{ "/api/calls", CT_ROUTE_NONE, 0, "" },
		{ "", CT_ROUTE_NONE, 0, "" },
	};
	unsigned methods;
	char id[37];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CU_ASSERT_EQUAL(ct_destinations_route(t[i].path, &methods, id),
		    t[i].r);
		CU_ASSERT_EQUAL(methods, t[i].methods);
		ASSERT_STR_EQ(id, t[i].id);
	}
}

static void
test_deliveries_query(void)
{
	static const struct { const char *q; const char *bad; } t[] = {
		{ "", "" },
		{ "state=failed&limit=100&other=1", "" },
		{ "destination=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "" },
		{ "cursor=1767225600123456.0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "" },
		{ "cursor=0.0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "" },
		{ "destination=x", "destination" },
		{ "state=lost", "state" },
		{ "state=", "state" },
		{ "limit=0", "limit" },
		{ "limit=101", "limit" },
		{ "limit=1e2", "limit" },
		{ "cursor=abc", "cursor" },
		{ "cursor=-1.0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "cursor" },
		{ "cursor=9007199254740992.0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
		    "cursor" },
		{ "cursor=1.0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0x", "cursor" },
		{ "cursor=.0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "cursor" },
		{ "state=%zz", "query" },
	};
	struct ct_deliveries_query q;
	const char *bad;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		bad = NULL;
		CU_ASSERT_EQUAL(ct_deliveries_query_parse(t[i].q, &q, &bad),
		    t[i].bad[0] ? CT_ERR_INVALID_PARAMETER : CT_OK);
		ASSERT_STR_EQ(bad ? bad : "", t[i].bad);
		ct_deliveries_query_free(&q);
	}
	CU_ASSERT_EQUAL(ct_deliveries_query_parse("state=failed&limit=7&cursor="
	    "1767225600123456.0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", &q, &bad),
	    CT_OK);
	ASSERT_STR_EQ(q.state, "failed");
	CU_ASSERT_EQUAL(q.limit, 7);
	ASSERT_STR_EQ(q.after_us, "1767225600123456");
	ASSERT_STR_EQ(q.after_id, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
	CU_ASSERT_PTR_NULL(q.destination);
	ct_deliveries_query_free(&q);
	CU_ASSERT_EQUAL(ct_deliveries_query_parse(NULL, &q, &bad), CT_OK);
	CU_ASSERT_EQUAL(q.limit, CT_DELIVERIES_LIMIT_DEFAULT);
	ct_deliveries_query_free(&q);
}

int
suite_destinations(void)
{
	static const struct test_case t[] = {
		{ "routes: paths, their methods and ids", test_route },
		{ "the delivery log's parameters", test_deliveries_query },
		{ NULL, NULL }
	};

	return add_suite("destinations", t);
}
