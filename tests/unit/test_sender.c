/*
 * test_sender.c: the outbound address guard (lib/core/outbound.h) with
 * vectors of every range, and the messages of a notification
 * (lib/notify/message.h): the Standard Webhooks vector, the text, Slack's
 * escaping, the mail's headers and body.
 */
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/crypto.h"
#include "core/outbound.h"
#include "notify/message.h"
#include "suites.h"

/* ---- the guard ---- */

static enum ct_addr_class
class_of(const char *literal)
{
	struct sockaddr_in in;
	struct sockaddr_in6 in6;

	memset(&in, 0, sizeof(in));
	memset(&in6, 0, sizeof(in6));
	if (inet_pton(AF_INET, literal, &in.sin_addr) == 1) {
		in.sin_family = AF_INET;
		return ct_outbound_addr_class((struct sockaddr *)&in, sizeof(in));
	}
	if (inet_pton(AF_INET6, literal, &in6.sin6_addr) == 1) {
		in6.sin6_family = AF_INET6;
		return ct_outbound_addr_class((struct sockaddr *)&in6,
		    sizeof(in6));
	}
	return CT_ADDR__MAX;
}

static void
test_addr_classes(void)
{
	static const struct { const char *a; enum ct_addr_class c; } v[] = {
		{ "93.184.216.34", CT_ADDR_PUBLIC },
		{ "8.8.8.8", CT_ADDR_PUBLIC },
		{ "127.0.0.1", CT_ADDR_LOOPBACK },
		{ "127.255.255.254", CT_ADDR_LOOPBACK },
		{ "10.0.0.1", CT_ADDR_PRIVATE },
		{ "172.16.0.1", CT_ADDR_PRIVATE },
		{ "172.31.255.255", CT_ADDR_PRIVATE },
		{ "172.32.0.1", CT_ADDR_PUBLIC },
		{ "192.168.1.1", CT_ADDR_PRIVATE },
		{ "100.64.0.1", CT_ADDR_PRIVATE },
		{ "169.254.1.1", CT_ADDR_LINK_LOCAL },
		{ "169.254.169.254", CT_ADDR_METADATA },
		{ "0.0.0.0", CT_ADDR_UNSPECIFIED },
		{ "0.1.2.3", CT_ADDR_UNSPECIFIED },
		{ "224.0.0.1", CT_ADDR_MULTICAST },
		{ "239.255.255.250", CT_ADDR_MULTICAST },
		{ "255.255.255.255", CT_ADDR_BROADCAST },
		{ "240.0.0.1", CT_ADDR_RESERVED },
		{ "192.0.2.1", CT_ADDR_RESERVED },
		{ "198.18.0.1", CT_ADDR_RESERVED },
		{ "2606:2800:220:1:248:1893:25c8:1946", CT_ADDR_PUBLIC },
		{ "::1", CT_ADDR_LOOPBACK },
		{ "::", CT_ADDR_UNSPECIFIED },
		{ "fe80::1", CT_ADDR_LINK_LOCAL },
		{ "febf::1", CT_ADDR_LINK_LOCAL },
		{ "fc00::1", CT_ADDR_PRIVATE },
		{ "fdff:ffff::1", CT_ADDR_PRIVATE },
		{ "fec0::1", CT_ADDR_PRIVATE },
		{ "fd00:ec2::254", CT_ADDR_METADATA },
		{ "ff02::1", CT_ADDR_MULTICAST },
		{ "2001:db8::1", CT_ADDR_RESERVED },
		{ "2001::1", CT_ADDR_RESERVED },
		/* IPv6 that carries IPv4 is what it carries. */
		{ "::ffff:127.0.0.1", CT_ADDR_LOOPBACK },
		{ "::ffff:10.1.2.3", CT_ADDR_PRIVATE },
		{ "::ffff:169.254.169.254", CT_ADDR_METADATA },
		{ "::ffff:8.8.8.8", CT_ADDR_PUBLIC },
		{ "64:ff9b::7f00:1", CT_ADDR_LOOPBACK },
		{ "2002:7f00:1::", CT_ADDR_LOOPBACK },
		{ "2002:808:808::", CT_ADDR_PUBLIC },
		{ "::127.0.0.1", CT_ADDR_RESERVED },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		enum ct_addr_class c = class_of(v[i].a);

		if (c != v[i].c)
			fprintf(stderr, "%s: %s, not %s\n", v[i].a,
			    ct_outbound_class_name(c),
			    ct_outbound_class_name(v[i].c));
		CU_ASSERT_EQUAL(c, v[i].c);
	}
	CU_ASSERT_EQUAL(ct_outbound_addr_class(NULL, 0), CT_ADDR_RESERVED);
}

static void
test_addr_allowed(void)
{
	CU_ASSERT_TRUE(ct_outbound_class_allowed(CT_ADDR_PUBLIC, false));
	CU_ASSERT_FALSE(ct_outbound_class_allowed(CT_ADDR_LOOPBACK, false));
	CU_ASSERT_FALSE(ct_outbound_class_allowed(CT_ADDR_PRIVATE, false));
	CU_ASSERT_FALSE(ct_outbound_class_allowed(CT_ADDR_LINK_LOCAL, false));
	CU_ASSERT_TRUE(ct_outbound_class_allowed(CT_ADDR_LOOPBACK, true));
	CU_ASSERT_TRUE(ct_outbound_class_allowed(CT_ADDR_PRIVATE, true));
	CU_ASSERT_TRUE(ct_outbound_class_allowed(CT_ADDR_LINK_LOCAL, true));
	/* Never, whatever the operator allows. */
	CU_ASSERT_FALSE(ct_outbound_class_allowed(CT_ADDR_METADATA, true));
	CU_ASSERT_FALSE(ct_outbound_class_allowed(CT_ADDR_UNSPECIFIED, true));
	CU_ASSERT_FALSE(ct_outbound_class_allowed(CT_ADDR_MULTICAST, true));
	CU_ASSERT_FALSE(ct_outbound_class_allowed(CT_ADDR_BROADCAST, true));
	CU_ASSERT_FALSE(ct_outbound_class_allowed(CT_ADDR_RESERVED, true));
}

static void
test_host_check(void)
{
	enum ct_addr_class c;

	CU_ASSERT_EQUAL(ct_outbound_host_check("hooks.example.com", false, &c),
	    CT_OK);
	CU_ASSERT_EQUAL(c, CT_ADDR_PUBLIC);
	CU_ASSERT_EQUAL(ct_outbound_host_check("127.0.0.1", false, &c),
	    CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(c, CT_ADDR_LOOPBACK);
	CU_ASSERT_EQUAL(ct_outbound_host_check("127.0.0.1", true, &c), CT_OK);
	CU_ASSERT_EQUAL(ct_outbound_host_check("[::1]", false, &c),
	    CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_outbound_host_check("[::ffff:192.168.0.1]", false,
	    &c), CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(c, CT_ADDR_PRIVATE);
	CU_ASSERT_EQUAL(ct_outbound_host_check("169.254.169.254", true, &c),
	    CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_outbound_host_check("93.184.216.34", false, NULL),
	    CT_OK);
	CU_ASSERT_EQUAL(ct_outbound_host_check(NULL, true, NULL),
	    CT_ERR_INVALID_PARAMETER);
}

static void
test_describe_redacts_and_escapes(void)
{
	struct ct_outbound o;
	const char *redact[] = { "s3cr3t-password", "https://hooks.slack.com/T/B/xyz",
	    NULL };
	char out[300];

	memset(&o, 0, sizeof(o));
	o.resp = (unsigned char *)"\xff\xfe bad \x1b[31m\r\nX: s3cr3t-password";
	o.resp_len = strlen((const char *)o.resp);
	ct_outbound_describe(&o, CURLE_OK, 500, redact, out, sizeof(out));
	CU_ASSERT_PTR_NULL(strstr(out, "s3cr3t-password"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "[redacted]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "status 500: \\xff\\xfe bad \\x1b"));
	CU_ASSERT_PTR_NULL(strchr(out, '\r'));
	CU_ASSERT_PTR_NULL(strchr(out, '\n'));
	ct_outbound_describe(&o, CURLE_OK, 302, redact, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "status 302: redirects are not followed");
	ct_outbound_describe(&o, CURLE_OK, 204, redact, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "");
	snprintf(o.refused, sizeof(o.refused), "127.0.0.1 is loopback");
	ct_outbound_describe(&o, CURLE_COULDNT_CONNECT, 0, redact, out,
	    sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "address not allowed: 127.0.0.1 is loopback");
	o.refused[0] = '\0';
	snprintf(o.errbuf, sizeof(o.errbuf), "Failed to connect to "
	    "https://hooks.slack.com/T/B/xyz");
	ct_outbound_describe(&o, CURLE_COULDNT_CONNECT, 0, redact, out,
	    sizeof(out));
	CU_ASSERT_PTR_NULL(strstr(out, "xyz"));
	/* A response that stopped at the cap is an answer; a write error
	 * of ours that is not is not. */
	o.resp_truncated = true;
	CU_ASSERT_TRUE(ct_outbound_answered(&o, CURLE_WRITE_ERROR));
	o.resp_truncated = false;
	CU_ASSERT_FALSE(ct_outbound_answered(&o, CURLE_WRITE_ERROR));
}

/* ---- messages ---- */

static void
test_base64_decode(void)
{
	unsigned char out[64];
	size_t n;

	CU_ASSERT_EQUAL(ct_crypto_base64_decode("YW55IGNhcm5hbCBwbGVhcw==", 24,
	    out, sizeof(out), &n), CT_OK);
	CU_ASSERT_EQUAL(n, 16);
	CU_ASSERT_EQUAL(memcmp(out, "any carnal pleas", 16), 0);
	CU_ASSERT_EQUAL(ct_crypto_base64_decode("YW55", 4, out, sizeof(out),
	    &n), CT_OK);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(ct_crypto_base64_decode("YW5", 3, out, sizeof(out),
	    &n), CT_OK);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(ct_crypto_base64_decode("Y", 1, out, sizeof(out), &n),
	    CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_crypto_base64_decode("YW5=", 4, out, sizeof(out),
	    &n), CT_OK);
	CU_ASSERT_EQUAL(ct_crypto_base64_decode("YW=5", 4, out, sizeof(out),
	    &n), CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_crypto_base64_decode("YW 5", 4, out, sizeof(out),
	    &n), CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_crypto_base64_decode("YW55YW55", 8, out, 5, &n),
	    CT_ERR_INVALID_PARAMETER);
}

static void
test_sign_vector(void)
{
	/* The Standard Webhooks specification's own test vector. */
	static const char body[] = "{\"test\": 2432232314}";
	char sig[CT_NOTIFY_SIG_MAX];

	CU_ASSERT_EQUAL_FATAL(ct_notify_sign(
	    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", NULL,
	    "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330LL, body,
	    strlen(body), sig), CT_OK);
	CU_ASSERT_STRING_EQUAL(sig,
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	/* A rotation: both, space-separated, the current first. */
	CU_ASSERT_EQUAL_FATAL(ct_notify_sign(
	    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	    "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
	    "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330LL, body,
	    strlen(body), sig), CT_OK);
	CU_ASSERT_STRING_EQUAL(sig,
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= "
	    "v1,78nXHjpFP0tVJQW5D0SBwmVyyW87BV/rL6MgfM/Bw44=");
	CU_ASSERT_EQUAL(ct_notify_sign("not-a-whsec-secret", NULL, "m", 1,
	    body, strlen(body), sig), CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_notify_sign("whsec_!!!!", NULL, "m", 1, body,
	    strlen(body), sig), CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_notify_sign("whsec_", NULL, "m", 1, body,
	    strlen(body), sig), CT_ERR_INVALID_PARAMETER);
}

static const char hot_body[] =
    "{\"type\":\"call.hot_lead\",\"timestamp\":\"2026-02-09T15:04:05Z\","
    "\"data\":{\"call\":{\"id\":\"0b6e5c1a-3f0e-4a8e-9c51-7d3a2c1b0e99\","
    "\"caller_name\":\"Mar\\u00eda L\\u00f3pez <b>&\",\"name_source\":\"contact\","
    "\"phone_number\":\"+15555550142\",\"status\":\"completed\","
    "\"summary\":\"Wants a quote\\nfor\\u0007 Tuesday\",\"lead_score\":85},"
    "\"contact\":{\"phone_display\":\"+1 555-555-0142\"},"
    "\"alert\":{\"score\":85,\"reasons\":[\"asked for a quote\"]}}}";

static void
test_describe(void)
{
	struct ct_notify_text t;

	CU_ASSERT_EQUAL_FATAL(ct_notify_describe(hot_body, strlen(hot_body),
	    "http://127.0.0.1:8080/", &t), CT_OK);
	CU_ASSERT_STRING_EQUAL(t.subject,
	    "Hot lead: Mar\xc3\xad" "a L\xc3\xb3pez <b>& (+1 555-555-0142)");
	CU_ASSERT_PTR_NOT_NULL(strstr(t.text, "Score: 85 (asked for a quote)\n"));
	/* The caller's words: a newline or a bell is a space. */
	CU_ASSERT_PTR_NOT_NULL(strstr(t.text, "Summary: Wants a quote for  Tuesday\n"));
	CU_ASSERT_STRING_EQUAL(t.link, "http://127.0.0.1:8080/#/calls/"
	    "0b6e5c1a-3f0e-4a8e-9c51-7d3a2c1b0e99");
	CU_ASSERT_EQUAL(ct_notify_describe("{\"type\":", 8, NULL, &t),
	    CT_ERR_MALFORMED_BODY);
	CU_ASSERT_EQUAL_FATAL(ct_notify_describe(hot_body, strlen(hot_body),
	    NULL, &t), CT_OK);
	CU_ASSERT_STRING_EQUAL(t.link, "");
}

static void
test_slack(void)
{
	struct ct_notify_text t;
	json_object *o = NULL;
	char *s = NULL;
	const char *text;

	CU_ASSERT_EQUAL_FATAL(ct_notify_describe(hot_body, strlen(hot_body),
	    "http://127.0.0.1:8080/", &t), CT_OK);
	CU_ASSERT_EQUAL_FATAL(ct_notify_slack(&t, &s), CT_OK);
	o = json_tokener_parse(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	text = json_object_get_string(json_object_object_get(o, "text"));
	CU_ASSERT_STRING_EQUAL(text, t.subject);
	text = json_object_get_string(json_object_object_get(
	    json_object_object_get(json_object_array_get_idx(
	    json_object_object_get(o, "blocks"), 0), "text"), "text"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "*Hot lead: Mar\xc3\xad" "a L\xc3\xb3pez "
	    "&lt;b&gt;&amp; (+1 555-555-0142)*\n"));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_object_get(
	    json_object_array_get_idx(json_object_object_get(
	    json_object_array_get_idx(json_object_object_get(o, "blocks"), 1),
	    "elements"), 0), "url")), t.link);
	json_object_put(o);
	free(s);
}

static void
test_recipients(void)
{
	char rcpt[CT_NOTIFY_RCPT_MAX][CT_NOTIFY_ADDR_MAX + 1];
	int n;

	CU_ASSERT_EQUAL(ct_notify_recipients("[\"a@x.example\",\"b@y.example\"]",
	    rcpt, &n), CT_OK);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_STRING_EQUAL(rcpt[1], "b@y.example");
	CU_ASSERT_EQUAL(ct_notify_recipients("[\"a@x.example\\r\\nBcc: "
	    "evil@z.example\"]", rcpt, &n), CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_notify_recipients("[\"<a@x.example>\"]", rcpt, &n),
	    CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_notify_recipients("[]", rcpt, &n),
	    CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(ct_notify_recipients("[\"nobody\"]", rcpt, &n),
	    CT_ERR_INVALID_PARAMETER);
	CU_ASSERT_FALSE(ct_notify_addr_ok("a@@x"));
	CU_ASSERT_FALSE(ct_notify_addr_ok("@x"));
	CU_ASSERT_TRUE(ct_notify_addr_ok("alerts+calls@clinic.example"));
}

static void
test_header_words(void)
{
	char out[400];

	CU_ASSERT_EQUAL(ct_notify_header_words("Plain subject", out,
	    sizeof(out)), 13);
	CU_ASSERT_STRING_EQUAL(out, "Plain subject");
	CU_ASSERT_TRUE(ct_notify_header_words("Hot lead: Mar\xc3\xad" "a", out,
	    sizeof(out)) > 0);
	CU_ASSERT_STRING_EQUAL(out, "=?UTF-8?B?SG90IGxlYWQ6IE1hcsOtYQ==?=");
}

/* Each line of the mail (CRLF-separated) is at most max characters. */
static int
lines_within(const char *m, size_t max)
{
	const char *p = m, *e;

	while ((e = strstr(p, "\r\n")) != NULL) {
		if ((size_t)(e - p) > max)
			return 0;
		p = e + 2;
	}
	return *p == '\0';
}

static void
test_email(void)
{
	struct ct_notify_text t;
	char rcpt[CT_NOTIFY_RCPT_MAX][CT_NOTIFY_ADDR_MAX + 1] = {
	    "a@clinic.example", "b@clinic.example" };
	char *m = NULL, *p;
	size_t len, i;

	CU_ASSERT_EQUAL_FATAL(ct_notify_describe(hot_body, strlen(hot_body),
	    "http://127.0.0.1:8080/", &t), CT_OK);
	/* A long summary, all non-ASCII: its QP lines still fit. */
	p = t.text + strlen(t.text);
	for (i = 0; i < 300; i++, p += 2)
		memcpy(p, "\xc3\xa9", 2);
	*p = '\0';
	CU_ASSERT_EQUAL_FATAL(ct_notify_email(&t, "alerts@clinic.example", rcpt,
	    2, "msg_2b8f", 1770649445, &m, &len), CT_OK);
	CU_ASSERT_EQUAL(strlen(m), len);
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "Date: Mon, 09 Feb 2026 15:04:05 +0000\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "Message-ID: <msg_2b8f@clinic.example>\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "From: calltrack <alerts@clinic.example>\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "To: <a@clinic.example>,\r\n <b@clinic.example>\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "Subject: =?UTF-8?B?"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "Content-Transfer-Encoding: quoted-printable\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "Caller: Mar=C3=ADa L=C3=B3pez"));
	CU_ASSERT_TRUE(lines_within(m, 76));
	/* No bare LF anywhere. */
	for (p = m; (p = strchr(p, '\n')) != NULL; p++)
		CU_ASSERT_TRUE(p > m && p[-1] == '\r');
	for (p = m; *p != '\0'; p++)
		CU_ASSERT_TRUE((unsigned char)*p < 0x80);
	free(m);
	CU_ASSERT_EQUAL(ct_notify_email(&t, "evil\r\nBcc: x@y", rcpt, 2, "m",
	    0, &m, &len), CT_ERR_INVALID_PARAMETER);
}

int
suite_outbound(void)
{
	static const struct test_case t[] = {
		{ "every address range classified", test_addr_classes },
		{ "what the operator may allow, and what never", test_addr_allowed },
		{ "literal hosts checked", test_host_check },
		{ "errors redacted and escaped", test_describe_redacts_and_escapes },
		{ NULL, NULL } };
	return add_suite("outbound", t);
}

int
suite_notify_message(void)
{
	static const struct test_case t[] = {
		{ "Base64 decoding", test_base64_decode },
		{ "Standard Webhooks vector and rotation", test_sign_vector },
		{ "the text of a hot lead", test_describe },
		{ "the Slack message", test_slack },
		{ "mail recipients", test_recipients },
		{ "RFC 2047 subjects", test_header_words },
		{ "the RFC 5322 mail", test_email },
		{ NULL, NULL } };
	return add_suite("notify message", t);
}
