/*
 * crypto.c: HMAC, SHA-256, constant-time comparison, encodings.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "core/crypto.h"

static const char *
digest_name(enum ct_digest md)
{
	switch (md) {
	case CT_SHA1:
		return "SHA1";
	case CT_SHA256:
		return "SHA256";
	case CT_SHA512:
		return "SHA512";
	}
	return NULL;
}

enum ct_err
ct_crypto_hmac(enum ct_digest md, const void *key, size_t keylen,
    const void *msg1, size_t len1, const void *msg2, size_t len2,
    unsigned char *out, size_t *outlen)
{
	/* Fetched once per process: the algorithm table does not change. */
	static EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];
	const char *name = digest_name(md);
	size_t n = 0;
	int ok;

	if (name == NULL || key == NULL || keylen == 0)
		return CT_ERR_INTERNAL;
	if (mac == NULL && (mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return CT_ERR_INTERNAL;
	if ((ctx = EVP_MAC_CTX_new(mac)) == NULL)
		return CT_ERR_NOMEM;
	params[0] = OSSL_PARAM_construct_utf8_string("digest", (char *)name, 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = EVP_MAC_init(ctx, key, keylen, params) == 1 &&
	    EVP_MAC_update(ctx, msg1, len1) == 1 &&
	    (msg2 == NULL || EVP_MAC_update(ctx, msg2, len2) == 1) &&
	    EVP_MAC_final(ctx, out, &n, CT_CRYPTO_MAX_MD) == 1;
	EVP_MAC_CTX_free(ctx);
	if (!ok)
		return CT_ERR_INTERNAL;
	*outlen = n;
	return CT_OK;
}

void
ct_crypto_sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(data, len, md);
	ct_crypto_hex(md, sizeof(md), hex);
}

bool
ct_crypto_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	unsigned char da[SHA256_DIGEST_LENGTH], db[SHA256_DIGEST_LENGTH];
	unsigned int na = 0, nb = 0;
	int same;

	/*
	 * One side is often a stored secret (Vapi's x-vapi-secret is compared
	 * as it is sent), so a comparison that stopped at unequal lengths
	 * would tell a caller how long the secret is.  Both sides are hashed
	 * instead and the digests, always 32 bytes, compared with
	 * CRYPTO_memcmp: the time then depends on each input's own length,
	 * never on how the two relate.  The lengths are compared as well,
	 * without a branch, so that equal digests of different inputs (a
	 * SHA-256 collision) still do not pass.
	 */
	if (EVP_Digest(a, alen, da, &na, EVP_sha256(), NULL) != 1 ||
	    EVP_Digest(b, blen, db, &nb, EVP_sha256(), NULL) != 1 ||
	    na != sizeof(da) || nb != sizeof(db))
		return 0;
	same = CRYPTO_memcmp(da, db, sizeof(da)) == 0;
	return same & (alen == blen);
}

void
ct_crypto_hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

void
ct_crypto_base64(const unsigned char *in, size_t len, char *out)
{
	int n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);

	out[n < 0 ? 0 : n] = '\0';
}

/* The value of a Base64 character, or -1. */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

enum ct_err
ct_crypto_base64_decode(const char *in, size_t len, unsigned char *out,
    size_t outcap, size_t *outlen)
{
	unsigned long acc = 0;
	size_t i, o = 0, pad = 0;
	int bits = 0, v;

	*outlen = 0;
	/* Padding only at the end, up to two, and only to a multiple of 4. */
	while (pad < 2 && len > 0 && in[len - 1] == '=') {
		len--;
		pad++;
	}
	if (pad > 0 && (len + pad) % 4 != 0)
		return CT_ERR_INVALID_PARAMETER;
	if (len % 4 == 1)
		return CT_ERR_INVALID_PARAMETER;
	for (i = 0; i < len; i++) {
		if ((v = b64_value((unsigned char)in[i])) < 0)
			return CT_ERR_INVALID_PARAMETER;
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outcap)
				return CT_ERR_INVALID_PARAMETER;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	*outlen = o;
	return CT_OK;
}

void
ct_crypto_cleanse(void *buf, size_t len)
{
	OPENSSL_cleanse(buf, len);
}

enum ct_err
ct_crypto_random(unsigned char *buf, size_t len)
{
	if (len > 0x7fffffff || RAND_bytes(buf, (int)len) != 1)
		return CT_ERR_INTERNAL;
	return CT_OK;
}
