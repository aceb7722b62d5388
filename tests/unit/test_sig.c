/*
 * test_sig.c: crypto primitives and every vector of
 * tests/fixtures/signatures.md, for Vapi, Retell and Twilio.
 */
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/form.h"
#include "ingest/sig.h"
#include "suites.h"

#define VAPI_SECRET "vapi-test-secret-4f9c2b7e"
#define VAPI_HMAC_KEY "vapi-hmac-test-key-91d3"
#define RETELL_KEY "key_test_2f6b8d1e4a9c7b3e5d0f1a2b"
#define TWILIO_TOKEN "9f3c1a7e5b2d4c6e8a0b1c2d3e4f5a6b"

static const char vapi_body[] = "{\"message\":{\"type\":\"status-update\","
    "\"status\":\"in-progress\",\"call\":{\"id\":"
    "\"019b94d2-6a1f-7c3e-9b2d-4f8a1e6c0d21\"}}}";
static const char retell_body[] = "{\"event\":\"call_started\",\"call\":"
    "{\"call_id\":\"call_8e41c7a2d9f0b3e5c1a7d2f4e6b\",\"call_type\":"
    "\"phone_call\"}}";

/* ---- crypto ---- */

static void
test_crypto_hmac_and_encodings(void)
{
	unsigned char mac[CT_CRYPTO_MAX_MD];
	char hex[2 * CT_CRYPTO_MAX_MD + 1], b64[100];
	size_t n;

	/* RFC 4231 test case 2. */
	CU_ASSERT_EQUAL_FATAL(ct_crypto_hmac(CT_SHA256, "Jefe", 4,
	    "what do ya want ", 16, "for nothing?", 12, mac, &n), CT_OK);
	CU_ASSERT_EQUAL(n, 32);
	ct_crypto_hex(mac, n, hex);
	CU_ASSERT_STRING_EQUAL(hex, "5bdcc146bf60754e6a042426089575c75a003f0"
	    "89d2739839dec58b964ec3843");
	ct_crypto_base64((const unsigned char *)"any carnal pleas", 16, b64);
	CU_ASSERT_STRING_EQUAL(b64, "YW55IGNhcm5hbCBwbGVhcw==");
	ct_crypto_sha256_hex("", 0, hex);
	CU_ASSERT_STRING_EQUAL(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e"
	    "4649b934ca495991b7852b855");
	/* An empty key is refused rather than silently accepted. */
	CU_ASSERT_NOT_EQUAL(ct_crypto_hmac(CT_SHA256, "", 0, "x", 1, NULL, 0,
	    mac, &n), CT_OK);
}

static void
test_crypto_equal(void)
{
	CU_ASSERT_TRUE(ct_crypto_equal("abc", 3, "abc", 3));
	CU_ASSERT_FALSE(ct_crypto_equal("abc", 3, "abd", 3));
	CU_ASSERT_FALSE(ct_crypto_equal("abc", 3, "abcd", 4));
	CU_ASSERT_FALSE(ct_crypto_equal("abc", 3, "ab", 2));
	CU_ASSERT_TRUE(ct_crypto_equal("", 0, "", 0));
}

/* ---- Vapi ---- */

static void
test_vapi_secret(void)
{
	struct ct_sig_secrets one = { { VAPI_SECRET, NULL } };
	struct ct_sig_secrets two = { { "old-secret-123", VAPI_SECRET } };

	CU_ASSERT_EQUAL(ct_sig_vapi_secret(VAPI_SECRET, &one), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_vapi_secret(VAPI_SECRET " ", &one),
	    CT_ERR_BAD_SIGNATURE);		/* trailing space: not trimmed */
	CU_ASSERT_EQUAL(ct_sig_vapi_secret("not-the-right-secret", &one),
	    CT_ERR_BAD_SIGNATURE);
	CU_ASSERT_EQUAL(ct_sig_vapi_secret(NULL, &one),
	    CT_ERR_MISSING_SIGNATURE);
	CU_ASSERT_EQUAL(ct_sig_vapi_secret("", &one), CT_ERR_MISSING_SIGNATURE);
	/* Rotation: either secret is accepted. */
	CU_ASSERT_EQUAL(ct_sig_vapi_secret(VAPI_SECRET, &two), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_vapi_secret("old-secret-123", &two), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_vapi_secret("Bearer " VAPI_SECRET, &one),
	    CT_ERR_BAD_SIGNATURE);
}

static void
test_vapi_hmac_vectors(void)
{
	struct ct_sig_secrets k = { { VAPI_HMAC_KEY, NULL } };
	struct ct_sig_vapi_hmac v2 = { CT_SHA256, CT_SIG_HEX, "", false, false };
	struct ct_sig_vapi_hmac v3 = { CT_SHA256, CT_SIG_BASE64, "sha256=", false,
	    false };
	struct ct_sig_vapi_hmac v4 = { CT_SHA512, CT_SIG_HEX, "", false, false };
	size_t len = strlen(vapi_body), flen;
	long long now = 1770000000;
	char *file;

	/* V2 */
	CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&v2, vapi_body, len,
	    "cc84231f8bf99e1d42c284804bbb2f695aa410207b64b216964c84f278b4dd0a",
	    "1770000000", now, &k), CT_OK);
	/* V3 */
	CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&v3, vapi_body, len,
	    "sha256=zIQjH4v5nh1CwoSAS7svaVqkECB7ZLIWlkyE8ni03Qo=",
	    "1770000000", now, &k), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&v3, vapi_body, len,
	    "zIQjH4v5nh1CwoSAS7svaVqkECB7ZLIWlkyE8ni03Qo=",
	    "1770000000", now, &k), CT_ERR_BAD_SIGNATURE);	/* no prefix */
	/* V4 */
	CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&v4, vapi_body, len,
	    "c29f4a8fa10817fe020254df64fc564fa67ae25d71d27f6fe2b94bfc2e1cb6e3"
	    "e4da9fe3080e04811df3cde2f07c135b29bbbaa88836034933c508e8e6d42c9a",
	    "1770000000", now, &k), CT_OK);
	/* V5: a whole fixture file. */
	file = fixture_read("vapi/inbound-completed.3.status-update.in-progress.json",
	    &flen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(file);
	CU_ASSERT_EQUAL(flen, 2929);
	CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&v2, file, flen,
	    "995e455d73966c948cbbced92bea0d94a77443c018e2a6fe07dcd8c8dca09f36",
	    "1770000000", now, &k), CT_OK);
	/* One byte less and it fails. */
	CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&v2, file, flen - 1,
	    "995e455d73966c948cbbced92bea0d94a77443c018e2a6fe07dcd8c8dca09f36",
	    "1770000000", now, &k), CT_ERR_BAD_SIGNATURE);
	free(file);
}

/*
 * Every combination of Vapi's HMAC plan (providers.md §1.8): algorithm,
 * signature encoding, payload format and secret encoding, made with
 * openssl over vapi_body at x-timestamp 1770000000:
 *   printf '1770000000.%s' "$body" | openssl dgst -sha256 \
 *       -hmac vapi-hmac-test-key-91d3 -r            (text secret, hex)
 *   ... | openssl dgst -sha512 -mac HMAC -macopt hexkey:8f1e…eff0 -binary \
 *       | base64                                    (Base64 secret, base64)
 * and with the body alone for the "{body}" payload.  The Base64 secret is
 * VAPI_HMAC_B64, whose bytes are the hexkey above.
 */
#define VAPI_HMAC_B64 "jx4tPEtaaXiHlqW0w9Lh8AESIzRFVmd4iZqrvM3e7/A="

static const struct {
	enum ct_digest		 md;
	enum ct_sig_encoding	 enc;
	bool			 body_only;
	bool			 secret_base64;
	const char		*sig;
} vapi_plans[] = {
	{ CT_SHA1, CT_SIG_HEX, false, false,
	      "820639caf8ef71fc27b86850f1b18cd634ea93c1" },
	{ CT_SHA1, CT_SIG_BASE64, false, false,
	      "ggY5yvjvcfwnuGhQ8bGM1jTqk8E=" },
	{ CT_SHA1, CT_SIG_HEX, false, true,
	      "f1f48822d354a35d13a1b816ac1a3634fdf76b00" },
	{ CT_SHA1, CT_SIG_BASE64, false, true,
	      "8fSIItNUo10TobgWrBo2NP33awA=" },
	{ CT_SHA1, CT_SIG_HEX, true, false,
	      "3924c9af8c272f67c449917af142b952b8ad4bbe" },
	{ CT_SHA1, CT_SIG_BASE64, true, false,
	      "OSTJr4wnL2fESZF68UK5UritS74=" },
	{ CT_SHA1, CT_SIG_HEX, true, true,
	      "bde6247b8fd8711e90f94252e08258dc2fe5b67e" },
	{ CT_SHA1, CT_SIG_BASE64, true, true,
	      "veYke4/YcR6Q+UJS4IJY3C/ltn4=" },
	{ CT_SHA256, CT_SIG_HEX, false, false,
	      "cc84231f8bf99e1d42c284804bbb2f695aa410207b64b216964c84f2"
	      "78b4dd0a" },
	{ CT_SHA256, CT_SIG_BASE64, false, false,
	      "zIQjH4v5nh1CwoSAS7svaVqkECB7ZLIWlkyE8ni03Qo=" },
	{ CT_SHA256, CT_SIG_HEX, false, true,
	      "090af525737116ccfdd9a8b1972f2ae387a65540e4312fc2561beea0"
	      "a6bfbf11" },
	{ CT_SHA256, CT_SIG_BASE64, false, true,
	      "CQr1JXNxFsz92aixly8q44emVUDkMS/CVhvuoKa/vxE=" },
	{ CT_SHA256, CT_SIG_HEX, true, false,
	      "d6e5b77e422b578ffef0e38606ec83dc7e3808fff4f7682911da88af"
	      "de72b923" },
	{ CT_SHA256, CT_SIG_BASE64, true, false,
	      "1uW3fkIrV4/+8OOGBuyD3H44CP/092gpEdqIr95yuSM=" },
	{ CT_SHA256, CT_SIG_HEX, true, true,
	      "1e7cd110d25557c0cc9200dd1d17836c31aa9ce084d8adeb49a34085"
	      "ffdf9bdc" },
	{ CT_SHA256, CT_SIG_BASE64, true, true,
	      "HnzRENJVV8DMkgDdHReDbDGqnOCE2K3rSaNAhf/fm9w=" },
	{ CT_SHA512, CT_SIG_HEX, false, false,
	      "c29f4a8fa10817fe020254df64fc564fa67ae25d71d27f6fe2b94bfc"
	      "2e1cb6e3e4da9fe3080e04811df3cde2f07c135b29bbbaa888360349"
	      "33c508e8e6d42c9a" },
	{ CT_SHA512, CT_SIG_BASE64, false, false,
	      "wp9Kj6EIF/4CAlTfZPxWT6Z64l1x0n9v4rlL/C4ctuPk2p/jCA4EgR3z"
	      "zeLwfBNbKbu6qIg2A0kzxQjo5tQsmg==" },
	{ CT_SHA512, CT_SIG_HEX, false, true,
	      "e389367356dae60f0f67994728efe9b78fa9223f414c4358d5f0e942"
	      "649a59dbd1495cc7524ee17fb7f9c5dc2885c0239fb770af2871598f"
	      "25546eeff38c6310" },
	{ CT_SHA512, CT_SIG_BASE64, false, true,
	      "44k2c1ba5g8PZ5lHKO/pt4+pIj9BTENY1fDpQmSaWdvRSVzHUk7hf7f5"
	      "xdwohcAjn7dwryhxWY8lVG7v84xjEA==" },
	{ CT_SHA512, CT_SIG_HEX, true, false,
	      "66d3bc368897aa388170fff6e72222040307204125db831b674bea04"
	      "7f193c09d6bcbadc4fa23e47f8ba250e703785cf48ced4d05fce6f16"
	      "ee999363ca94e73b" },
	{ CT_SHA512, CT_SIG_BASE64, true, false,
	      "ZtO8NoiXqjiBcP/25yIiBAMHIEEl24MbZ0vqBH8ZPAnWvLrcT6I+R/i6"
	      "JQ5wN4XPSM7U0F/ObxbumZNjypTnOw==" },
	{ CT_SHA512, CT_SIG_HEX, true, true,
	      "7f31349610f4b1364ea616888086597ec853dbd56150e0189f5920e4"
	      "24ba84ed22e4d733c904358487ede040f7f5c0daafcfb1db905e1f85"
	      "eafb20fc45ccabac" },
	{ CT_SHA512, CT_SIG_BASE64, true, true,
	      "fzE0lhD0sTZOphaIgIZZfshT29VhUOAYn1kg5CS6hO0i5NczyQQ1hIft"
	      "4ED39cDar8+x25BeH4Xq+yD8RcyrrA==" },
};

#define N_PLANS (sizeof(vapi_plans) / sizeof(vapi_plans[0]))

static void
test_vapi_hmac_plans(void)
{
	struct ct_sig_secrets text = { { VAPI_HMAC_KEY, NULL } };
	struct ct_sig_secrets b64 = { { VAPI_HMAC_B64, NULL } };
	struct ct_sig_secrets rotated = { { "old-secret-123", VAPI_HMAC_B64 } };
	size_t len = strlen(vapi_body), i, j;
	long long now = 1770000000;
	char prefixed[200];

	CU_ASSERT_EQUAL(N_PLANS, 24);
	for (i = 0; i < N_PLANS; i++) {
		struct ct_sig_vapi_hmac plan = { vapi_plans[i].md,
		    vapi_plans[i].enc, "", vapi_plans[i].body_only,
		    vapi_plans[i].secret_base64 };
		const struct ct_sig_secrets *k = vapi_plans[i].secret_base64 ?
		    &b64 : &text;

		CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&plan, vapi_body, len,
		    vapi_plans[i].sig, "1770000000", now, k), CT_OK);
		/* One byte less of the body, and it fails. */
		CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&plan, vapi_body, len - 1,
		    vapi_plans[i].sig, "1770000000", now, k),
		    CT_ERR_BAD_SIGNATURE);
		/* Under every other plan, it fails. */
		for (j = 0; j < N_PLANS; j++) {
			struct ct_sig_vapi_hmac other = { vapi_plans[j].md,
			    vapi_plans[j].enc, "", vapi_plans[j].body_only,
			    vapi_plans[j].secret_base64 };

			if (j == i)
				continue;
			CU_ASSERT_NOT_EQUAL(ct_sig_vapi_hmac(&other, vapi_body,
			    len, vapi_plans[i].sig, "1770000000", now,
			    vapi_plans[j].secret_base64 ? &b64 : &text), CT_OK);
		}
		/* With a prefix: required, and then verified after it. */
		plan.prefix = "sha=";
		snprintf(prefixed, sizeof(prefixed), "sha=%s",
		    vapi_plans[i].sig);
		CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&plan, vapi_body, len,
		    prefixed, "1770000000", now, k), CT_OK);
		CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&plan, vapi_body, len,
		    vapi_plans[i].sig, "1770000000", now, k),
		    CT_ERR_BAD_SIGNATURE);
		plan.prefix = "";
		if (vapi_plans[i].body_only) {
			/* The timestamp is not signed: not needed, not checked. */
			CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&plan, vapi_body, len,
			    vapi_plans[i].sig, NULL, now, k), CT_OK);
			CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&plan, vapi_body, len,
			    vapi_plans[i].sig, "1", now, k), CT_OK);
		} else {
			CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&plan, vapi_body, len,
			    vapi_plans[i].sig, NULL, now, k),
			    CT_ERR_MISSING_SIGNATURE);
			CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&plan, vapi_body, len,
			    vapi_plans[i].sig, "1770000000", now + 301, k),
			    CT_ERR_STALE_TIMESTAMP);
		}
		if (vapi_plans[i].secret_base64) {
			/* A Base64 secret read as text signs something else. */
			plan.secret_base64 = false;
			CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&plan, vapi_body, len,
			    vapi_plans[i].sig, "1770000000", now, &b64),
			    CT_ERR_BAD_SIGNATURE);
			plan.secret_base64 = true;
			/* Rotation: the new secret verifies beside the old. */
			CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&plan, vapi_body, len,
			    vapi_plans[i].sig, "1770000000", now, &rotated),
			    CT_OK);
		}
	}
}

/* A secret that should be Base64 and is not verifies nothing. */
static void
test_vapi_hmac_bad_base64(void)
{
	struct ct_sig_secrets k = { { "not base64!", NULL } };
	struct ct_sig_vapi_hmac plan = { CT_SHA256, CT_SIG_HEX, "", false,
	    true };

	CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&plan, vapi_body, strlen(vapi_body),
	    "cc84231f8bf99e1d42c284804bbb2f695aa410207b64b216964c84f278b4dd0a",
	    "1770000000", 1770000000, &k), CT_ERR_BAD_SIGNATURE);
}

static void
test_vapi_bearer(void)
{
	struct ct_sig_secrets one = { { VAPI_SECRET, NULL } };
	struct ct_sig_secrets two = { { "old-secret-123", VAPI_SECRET } };

	CU_ASSERT_EQUAL(ct_sig_vapi_bearer("Bearer " VAPI_SECRET, true, &one),
	    CT_OK);
	CU_ASSERT_EQUAL(ct_sig_vapi_bearer("bearer   " VAPI_SECRET, true,
	    &one), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_vapi_bearer(VAPI_SECRET, true, &one),
	    CT_ERR_BAD_SIGNATURE);		/* the prefix is required */
	CU_ASSERT_EQUAL(ct_sig_vapi_bearer("Basic " VAPI_SECRET, true, &one),
	    CT_ERR_BAD_SIGNATURE);
	CU_ASSERT_EQUAL(ct_sig_vapi_bearer("Bearer ", true, &one),
	    CT_ERR_MISSING_SIGNATURE);
	CU_ASSERT_EQUAL(ct_sig_vapi_bearer("Bearer " VAPI_SECRET "x", true,
	    &one), CT_ERR_BAD_SIGNATURE);
	CU_ASSERT_EQUAL(ct_sig_vapi_bearer(NULL, true, &one),
	    CT_ERR_MISSING_SIGNATURE);
	/* A custom header without the prefix carries the secret alone. */
	CU_ASSERT_EQUAL(ct_sig_vapi_bearer(VAPI_SECRET, false, &one), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_vapi_bearer("Bearer " VAPI_SECRET, false, &one),
	    CT_ERR_BAD_SIGNATURE);
	CU_ASSERT_EQUAL(ct_sig_vapi_bearer("", false, &one),
	    CT_ERR_MISSING_SIGNATURE);
	/* Rotation. */
	CU_ASSERT_EQUAL(ct_sig_vapi_bearer("Bearer old-secret-123", true, &two),
	    CT_OK);
	CU_ASSERT_EQUAL(ct_sig_vapi_bearer("Bearer " VAPI_SECRET, true, &two),
	    CT_OK);
}

static void
test_vapi_hmac_window(void)
{
	struct ct_sig_secrets k = { { VAPI_HMAC_KEY, NULL } };
	struct ct_sig_vapi_hmac v2 = { CT_SHA256, CT_SIG_HEX, "", false, false };
	const char *sig =
	    "cc84231f8bf99e1d42c284804bbb2f695aa410207b64b216964c84f278b4dd0a";
	size_t len = strlen(vapi_body);

	CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&v2, vapi_body, len, sig,
	    "1770000000", 1770000300, &k), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&v2, vapi_body, len, sig,
	    "1770000000", 1770000301, &k), CT_ERR_STALE_TIMESTAMP);
	CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&v2, vapi_body, len, sig,
	    "1770000000", 1769999699, &k), CT_ERR_STALE_TIMESTAMP);
	CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&v2, vapi_body, len, sig,
	    NULL, 1770000000, &k), CT_ERR_MISSING_SIGNATURE);
	CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&v2, vapi_body, len, NULL,
	    "1770000000", 1770000000, &k), CT_ERR_MISSING_SIGNATURE);
	CU_ASSERT_EQUAL(ct_sig_vapi_hmac(&v2, vapi_body, len, sig,
	    "17700x0000", 1770000000, &k), CT_ERR_BAD_SIGNATURE);
}

/* ---- Retell ---- */

static void
test_retell_vectors(void)
{
	struct ct_sig_secrets k = { { RETELL_KEY, NULL } };
	struct ct_sig_secrets rot = { { "key_old_000000000000", RETELL_KEY } };
	const char *h = "v=1770000000000,d=9ef3023dbf43a64da3f5cdb544d4db31add0a2"
	    "d6730c05de2596f1afb5040b0d";
	size_t len = strlen(retell_body), flen;
	char *file;

	/* R1 and its clock table. */
	CU_ASSERT_EQUAL(ct_sig_retell(retell_body, len, h, 1770000000000LL, &k),
	    CT_OK);
	CU_ASSERT_EQUAL(ct_sig_retell(retell_body, len, h, 1770000300000LL, &k),
	    CT_OK);
	CU_ASSERT_EQUAL(ct_sig_retell(retell_body, len, h, 1770000300001LL, &k),
	    CT_ERR_STALE_TIMESTAMP);
	CU_ASSERT_EQUAL(ct_sig_retell(retell_body, len, h, 1769999699999LL, &k),
	    CT_ERR_STALE_TIMESTAMP);
	CU_ASSERT_EQUAL(ct_sig_retell(retell_body, len, h, 1770000000000LL,
	    &rot), CT_OK);
	/* Uppercase hex refused (documented choice), order swapped refused. */
	CU_ASSERT_EQUAL(ct_sig_retell(retell_body, len,
	    "v=1770000000000,d=9EF3023DBF43A64DA3F5CDB544D4DB31ADD0A2D6730C05DE"
	    "2596F1AFB5040B0D", 1770000000000LL, &k), CT_ERR_BAD_SIGNATURE);
	CU_ASSERT_EQUAL(ct_sig_retell(retell_body, len,
	    "d=9ef3023dbf43a64da3f5cdb544d4db31add0a2d6730c05de2596f1afb5040b0d,"
	    "v=1770000000000", 1770000000000LL, &k), CT_ERR_BAD_SIGNATURE);
	CU_ASSERT_EQUAL(ct_sig_retell(retell_body, len, NULL, 1770000000000LL,
	    &k), CT_ERR_MISSING_SIGNATURE);
	CU_ASSERT_EQUAL(ct_sig_retell(retell_body, len, "v=1770000000000,d=00",
	    1770000000000LL, &k), CT_ERR_BAD_SIGNATURE);
	/* R2 and R3: whole files; a trailing newline added fails. */
	file = fixture_read("retell/booking-succeeded.1.call_started.json", &flen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(file);
	CU_ASSERT_EQUAL(ct_sig_retell(file, flen, "v=1770000000000,d=d7651c345f"
	    "7958fe237b4e761012eed6fadba68569b7f46dfd23aea6dcc48570",
	    1770000000000LL, &k), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_retell(file, flen - 1, "v=1770000000000,d=d7651c"
	    "345f7958fe237b4e761012eed6fadba68569b7f46dfd23aea6dcc48570",
	    1770000000000LL, &k), CT_ERR_BAD_SIGNATURE);
	free(file);
	file = fixture_read("retell/booking-succeeded.2.call_ended.json", &flen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(file);
	CU_ASSERT_EQUAL(flen, 20386);
	CU_ASSERT_EQUAL(ct_sig_retell(file, flen, "v=1770000000000,d=764c294fc7"
	    "ad2f93a07ebeb8fc6e43c86d2e2dc0f312317c4758cf4eef853b1a",
	    1770000000000LL, &k), CT_OK);
	free(file);
}

/* ---- Twilio ---- */

static struct ct_form
form_of(const char *body)
{
	struct ct_form f;

	CU_ASSERT_EQUAL(ct_form_parse(body, strlen(body), CT_FORM_MAX_PAIRS,
	    &f), CT_OK);
	return f;
}

static void
test_twilio_published_vectors(void)
{
	struct ct_sig_secrets k = { { "12345", NULL } };
	struct ct_form f = form_of("CallSid=CA1234567890ABCDE&Caller=%2B14158675309"
	    "&Digits=1234&From=%2B14158675309&To=%2B18005551212");
	struct ct_form dup = form_of("Sid=CA123&SidAccount=AC123&Digits=5678"
	    "&Digits=1234&Digits=1234");
	const char *url = "https://mycompany.com/myapp.php?foo=1&bar=2";
	const char *json = "{\"property\": \"value\", \"boolean\": true}";
	char *payload;

	payload = ct_sig_twilio_payload(url, &f);
	CU_ASSERT_STRING_EQUAL(payload, "https://mycompany.com/myapp.php?foo=1&"
	    "bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From"
	    "+14158675309To+18005551212");
	free(payload);
	CU_ASSERT_EQUAL(ct_sig_twilio(url, NULL, &f, NULL, 0,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8=", &k), CT_OK);
	/* Signed with :443 added; the validator adds the default port. */
	CU_ASSERT_EQUAL(ct_sig_twilio(url, NULL, &f, NULL, 0,
	    "kvajT1Ptam85bY51eRf/AJRuM3w=", &k), CT_OK);
	/* A URL with a non-default port validates a port-less signature. */
	CU_ASSERT_EQUAL(ct_sig_twilio("https://mycompany.com:1234/myapp.php?foo=1"
	    "&bar=2", NULL, &f, NULL, 0, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", &k), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_twilio("http://mycompany.com:1234/myapp.php?foo=1"
	    "&bar=2", NULL, &f, NULL, 0, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=", &k), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_twilio("http://mycompany.com/myapp.php?foo=1"
	    "&bar=2", NULL, &f, NULL, 0, "0ZXoZLH/DfblKGATFgpif+LLRf4=", &k), CT_OK);
	/* http vs https must fail. */
	CU_ASSERT_EQUAL(ct_sig_twilio("http://mycompany.com/myapp.php?foo=1"
	    "&bar=2", NULL, &f, NULL, 0, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", &k),
	    CT_ERR_BAD_SIGNATURE);
	/* Repeated names: each distinct value once, sorted. */
	CU_ASSERT_EQUAL(ct_sig_twilio(url, NULL, &dup, NULL, 0,
	    "IK+Dwps556ElfBT0I3Rgjkr1wJU=", &k), CT_OK);
	/* JSON body with bodySHA256: URL only, and the body's hash. */
	CU_ASSERT_EQUAL(ct_sig_twilio("https://mycompany.com/myapp.php?foo=1&bar=2"
	    "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632"
	    "f96e6620", NULL, NULL, json, strlen(json),
	    "a9nBmqA0ju/hNViExpshrM61xv4=", &k), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_twilio("https://mycompany.com/myapp.php?foo=1&bar=2"
	    "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632"
	    "f96e6620", NULL, NULL, json, strlen(json) - 1,
	    "a9nBmqA0ju/hNViExpshrM61xv4=", &k), CT_ERR_BAD_SIGNATURE);
	ct_form_free(&f);
	ct_form_free(&dup);
}

static void
test_twilio_own_vectors(void)
{
	struct ct_sig_secrets k = { { TWILIO_TOKEN, NULL } };
	struct ct_sig_secrets rot = { { "0000000000000000", TWILIO_TOKEN } };
	const char *url = "https://calls.example.com/hooks/twilio/twilio-test";
	const char *t2 = "CallSid=CA0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e&CallStatus="
	    "completed&CallDuration=73&From=%2B14155550102&To=%2B14155550176&"
	    "Timestamp=Tue%2C%2006%20Jan%202026%2019%3A46%3A33%20%2B0000&"
	    "Direction=outbound-api";
	const char *t4 = "{\"CallSid\":\"CA0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e\","
	    "\"CallStatus\":\"completed\"}";
	struct ct_form f = form_of(t2), f5, f3;
	size_t flen;
	char *file;

	/* T2, signed without and with :443. */
	CU_ASSERT_EQUAL(ct_sig_twilio(url, NULL, &f, NULL, 0,
	    "gqqHI2yr2fft3j8jehkRapfJuc0=", &k), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_twilio(url, NULL, &f, NULL, 0,
	    "DZS9B57IP0aHFJv5yAKnfR7rpNc=", &k), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_twilio(url, NULL, &f, NULL, 0,
	    "gqqHI2yr2fft3j8jehkRapfJuc0=", &rot), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_twilio(url, NULL, &f, NULL, 0, NULL, &k),
	    CT_ERR_MISSING_SIGNATURE);
	/* A different path fails. */
	CU_ASSERT_EQUAL(ct_sig_twilio("https://calls.example.com/hooks/twilio/x",
	    NULL, &f, NULL, 0, "gqqHI2yr2fft3j8jehkRapfJuc0=", &k),
	    CT_ERR_BAD_SIGNATURE);
	/* The received query string is appended when the stored URL has none. */
	CU_ASSERT_EQUAL(ct_sig_twilio(url, "tenant=acme", &f, NULL, 0,
	    "gqqHI2yr2fft3j8jehkRapfJuc0=", &k), CT_ERR_BAD_SIGNATURE);
	ct_form_free(&f);
	/* T3: the whole fixture file. */
	file = fixture_read("twilio/outbound-completed.4.completed.form", &flen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(file);
	while (flen > 0 && (file[flen - 1] == '\n' || file[flen - 1] == '\r'))
		file[--flen] = '\0';
	CU_ASSERT_EQUAL(ct_form_parse(file, flen, CT_FORM_MAX_PAIRS, &f3), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_twilio(url, NULL, &f3, NULL, 0,
	    "6Ya6Jj6TThlr2q3SjAt0J1ORuMU=", &k), CT_OK);
	ct_form_free(&f3);
	free(file);
	/* T4: JSON with bodySHA256 in the received query. */
	CU_ASSERT_EQUAL(ct_sig_twilio(url, "bodySHA256=01772b6df57982015a1ad153ec6"
	    "c072b06b5fe605dc22fbdcaa45f1cbf1e1eb2", NULL, t4, strlen(t4),
	    "DepMY0av+sUDOtw2GKqQmInNA9I=", &k), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_twilio(url, "bodySHA256=01772B6DF57982015A1AD153EC6"
	    "C072B06B5FE605DC22FBDCAA45F1CBF1E1EB2", NULL, t4, strlen(t4),
	    "DepMY0av+sUDOtw2GKqQmInNA9I=", &k), CT_ERR_BAD_SIGNATURE);
	/* T5: query in the stored URL, '+', UTF-8, apostrophe, empty value. */
	f5 = form_of("CallSid=CA9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b&CallStatus="
	    "completed&FromCity=S%C3%A3o+Paulo&CallerName=ZO%C3%8B+O%27BRIEN&"
	    "ForwardedFrom=&Direction=inbound");
	CU_ASSERT_EQUAL(ct_sig_twilio(
	    "https://calls.example.com/hooks/twilio/twilio-test?tenant=acme",
	    "ignored=1", &f5, NULL, 0, "ZLFCWhl/aKb5e+BU/jUYpHJ/Ngg=", &k), CT_OK);
	/* The same with the query arriving on the request instead. */
	CU_ASSERT_EQUAL(ct_sig_twilio(url, "tenant=acme", &f5, NULL, 0,
	    "ZLFCWhl/aKb5e+BU/jUYpHJ/Ngg=", &k), CT_OK);
	/* One parameter changed: fails. */
	free(f5.pairs[0].value);
	f5.pairs[0].value = strdup("CA9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4c");
	f5.pairs[0].value_len = strlen(f5.pairs[0].value);
	CU_ASSERT_EQUAL(ct_sig_twilio(url, "tenant=acme", &f5, NULL, 0,
	    "ZLFCWhl/aKb5e+BU/jUYpHJ/Ngg=", &k), CT_ERR_BAD_SIGNATURE);
	ct_form_free(&f5);
}

/*
 * A JSON body is authenticated only through bodySHA256: without it the
 * signature covers the URL alone (computed here with openssl over the
 * URL), which one leaked signature would replay with any body.
 */
static void
test_twilio_json_needs_body_hash(void)
{
	struct ct_sig_secrets k = { { TWILIO_TOKEN, NULL } };
	const char *url = "https://calls.example.com/hooks/twilio/twilio-test";
	const char *t4 = "{\"CallSid\":\"CA0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e\","
	    "\"CallStatus\":\"completed\"}";
	const char *other = "{\"CallSid\":\"CAforged\",\"CallStatus\":"
	    "\"completed\"}";
	struct ct_form empty = { NULL, 0 };

	/* The URL alone, signed right: a form of no pairs verifies, a body
	 * that is not a form does not, whatever it is. */
	CU_ASSERT_EQUAL(ct_sig_twilio(url, NULL, &empty, "", 0,
	    "4qlK1kPMrIvjn9c7ps0hk+dcJ0k=", &k), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_twilio(url, NULL, NULL, t4, strlen(t4),
	    "4qlK1kPMrIvjn9c7ps0hk+dcJ0k=", &k), CT_ERR_BAD_SIGNATURE);
	CU_ASSERT_EQUAL(ct_sig_twilio(url, NULL, NULL, other, strlen(other),
	    "4qlK1kPMrIvjn9c7ps0hk+dcJ0k=", &k), CT_ERR_BAD_SIGNATURE);
	CU_ASSERT_EQUAL(ct_sig_twilio(url, NULL, NULL, "", 0,
	    "4qlK1kPMrIvjn9c7ps0hk+dcJ0k=", &k), CT_ERR_BAD_SIGNATURE);
	CU_ASSERT_EQUAL(ct_sig_twilio(url, NULL, NULL, NULL, 0,
	    "4qlK1kPMrIvjn9c7ps0hk+dcJ0k=", &k), CT_ERR_BAD_SIGNATURE);
	/* T4 with its hash: accepted; another body under the same signed
	 * URL: refused. */
	CU_ASSERT_EQUAL(ct_sig_twilio(url, "bodySHA256=01772b6df57982015a1ad153ec6"
	    "c072b06b5fe605dc22fbdcaa45f1cbf1e1eb2", NULL, t4, strlen(t4),
	    "DepMY0av+sUDOtw2GKqQmInNA9I=", &k), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_twilio(url, "bodySHA256=01772b6df57982015a1ad153ec6"
	    "c072b06b5fe605dc22fbdcaa45f1cbf1e1eb2", NULL, other, strlen(other),
	    "DepMY0av+sUDOtw2GKqQmInNA9I=", &k), CT_ERR_BAD_SIGNATURE);
	/* The hash in capitals, signed as sent: the same hash. */
	CU_ASSERT_EQUAL(ct_sig_twilio(url, "bodySHA256=01772B6DF57982015A1AD153EC6"
	    "C072B06B5FE605DC22FBDCAA45F1CBF1E1EB2", NULL, t4, strlen(t4),
	    "b6lI8RhhHoRM+UDWfIXguLuvtL0=", &k), CT_OK);
	/* A hash one digit short, or of zeros, each signed right. */
	CU_ASSERT_EQUAL(ct_sig_twilio(url, "bodySHA256=01772b6df57982015a1ad153ec6"
	    "c072b06b5fe605dc22fbdcaa45f1cbf1e1eb", NULL, t4, strlen(t4),
	    "muMp4BwUNCuYshOEhHWVPUG6f2s=", &k), CT_ERR_BAD_SIGNATURE);
	CU_ASSERT_EQUAL(ct_sig_twilio(url, "bodySHA256=0000000000000000000000000"
	    "000000000000000000000000000000000000000", NULL, t4, strlen(t4),
	    "kalenl8X04wzamHHuczZEaDnBEI=", &k), CT_ERR_BAD_SIGNATURE);
}

/*
 * Twilio signs decoded values, NULs included (HMAC computed with Python's
 * hmac over the bytes): a value holding one is signed whole, not up to its
 * NUL, so it verifies, and the mapping then judges it.
 */
static void
test_twilio_nul_is_signed(void)
{
	struct ct_sig_secrets k = { { TWILIO_TOKEN, NULL } };
	const char *url = "https://calls.example.com/hooks/twilio/twilio-test";
	char n1[] = "CallSid", v1[] = "a\0b", n2[] = "CallStatus",
	    v2[] = "completed";
	struct ct_form_pair pairs[2] = {
		{ n1, 7, v1, 3 }, { n2, 10, v2, 9 } };
	struct ct_form f = { pairs, 2 };

	CU_ASSERT_EQUAL(ct_sig_twilio(url, NULL, &f, NULL, 0,
	    "qvbh9BrAjaeOf42m9C86qUDI6wE=", &k), CT_OK);
	/* The signature of the value cut at its NUL is another one. */
	CU_ASSERT_EQUAL(ct_sig_twilio(url, NULL, &f, NULL, 0,
	    "HW7Pzy3eiiDnrX6/Cs7M+TOMbCk=", &k), CT_ERR_BAD_SIGNATURE);
	pairs[0].value_len = 1;
	CU_ASSERT_EQUAL(ct_sig_twilio(url, NULL, &f, NULL, 0,
	    "HW7Pzy3eiiDnrX6/Cs7M+TOMbCk=", &k), CT_OK);
	CU_ASSERT_EQUAL(ct_sig_twilio(url, NULL, &f, NULL, 0,
	    "qvbh9BrAjaeOf42m9C86qUDI6wE=", &k), CT_ERR_BAD_SIGNATURE);
}

int
suite_crypto(void)
{
	static const struct test_case t[] = {
		{ "HMAC, hex, Base64, SHA-256", test_crypto_hmac_and_encodings },
		{ "constant-time equality", test_crypto_equal },
		{ NULL, NULL } };
	return add_suite("crypto", t);
}

int
suite_sig(void)
{
	static const struct test_case t[] = {
		{ "Vapi static secret (V1)", test_vapi_secret },
		{ "Vapi HMAC vectors (V2-V5)", test_vapi_hmac_vectors },
		{ "Vapi HMAC timestamp window", test_vapi_hmac_window },
		{ "Vapi HMAC: every plan, made with openssl", test_vapi_hmac_plans },
		{ "Vapi HMAC: a Base64 secret that is not", test_vapi_hmac_bad_base64 },
		{ "Vapi Bearer credential", test_vapi_bearer },
		{ "Retell vectors and window (R1-R3)", test_retell_vectors },
		{ "Twilio published vectors (T1)", test_twilio_published_vectors },
		{ "Twilio own vectors (T2-T5)", test_twilio_own_vectors },
		{ "Twilio JSON only with bodySHA256",
		    test_twilio_json_needs_body_hash },
		{ "Twilio values holding a NUL are signed whole",
		    test_twilio_nul_is_signed },
		{ NULL, NULL } };
	return add_suite("sig", t);
}
