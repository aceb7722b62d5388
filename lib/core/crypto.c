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

enum ct_err
ct_crypto_base64_decode(const char *in, unsigned char *out, size_t size,
    size_t *outlen)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = strlen(in), body, pad = 0, need;
	int n;

	*outlen = 0;
	if (len == 0 || len % 4 != 0 || len > 4096)
		return CT_ERR_INVALID_PARAMETER;
	if (in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	body = len - pad;
	if (strspn(in, alphabet) != body)
		return CT_ERR_INVALID_PARAMETER;
	need = len / 4 * 3;
	if (need - pad > size)
		return CT_ERR_INVALID_PARAMETER;
	{
		unsigned char tmp[3072];

		if ((n = EVP_DecodeBlock(tmp, (const unsigned char *)in,
		    (int)len)) < 0 || (size_t)n != need) {
			OPENSSL_cleanse(tmp, sizeof(tmp));
			return CT_ERR_INVALID_PARAMETER;
		}
		memcpy(out, tmp, need - pad);
		OPENSSL_cleanse(tmp, sizeof(tmp));
	}
	*outlen = need - pad;
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
