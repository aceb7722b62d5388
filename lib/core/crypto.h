/*
 * crypto.h: the primitives the signature schemes and tokens are built on,
 * over OpenSSL's libcrypto.
 */
#ifndef CT_CRYPTO_H
#define CT_CRYPTO_H

#include <stdbool.h>

#include <stddef.h>
#include "core/err.h"

#define CT_CRYPTO_MAX_MD 64	/* SHA-512 */

enum ct_digest { CT_SHA1, CT_SHA256, CT_SHA512 };

/*
 * Computes HMAC(key, msg1 || msg2) with the digest into out (at least
 * CT_CRYPTO_MAX_MD bytes) and its length into *outlen.  msg2 may be NULL.
 * Returns CT_OK or CT_ERR_INTERNAL.
 */
enum ct_err ct_crypto_hmac(enum ct_digest md, const void *key, size_t keylen,
    const void *msg1, size_t len1, const void *msg2, size_t len2,
    unsigned char *out, size_t *outlen) __attribute__((warn_unused_result));

/* Writes the SHA-256 of data as 64 lowercase hex digits and a NUL to hex. */
void ct_crypto_sha256_hex(const void *data, size_t len, char hex[65]);

/*
 * Compares a and b without telling, by its time, where they differ or
 * whether their lengths do: each is hashed with SHA-256 and the two
 * fixed-length digests are compared in constant time.  Returns true when the
 * lengths and contents are equal, else false (also when hashing fails).
 * Either pointer may be NULL when its length is 0.
 */
bool ct_crypto_equal(const void *a, size_t alen, const void *b, size_t blen);

/* Writes len bytes as lowercase hex plus a NUL into out (2*len+1 bytes). */
void ct_crypto_hex(const unsigned char *in, size_t len, char *out);

/* Writes len bytes as padded standard Base64 plus a NUL into out
 * (4*((len+2)/3)+1 bytes). */
void ct_crypto_base64(const unsigned char *in, size_t len, char *out);

/*
 * Decodes len characters of padded or unpadded standard Base64 at in into
 * out (room for outcap bytes) and its length into *outlen.  Returns CT_OK,
 * or CT_ERR_INVALID_PARAMETER for any character outside the alphabet,
 * misplaced padding, a length no encoding has, or too little room.
 */
enum ct_err ct_crypto_base64_decode(const char *in, size_t len,
    unsigned char *out, size_t outcap, size_t *outlen)
    __attribute__((warn_unused_result));

/* Overwrites len bytes of buf with zeros in a way the compiler keeps. */
void ct_crypto_cleanse(void *buf, size_t len);

/* Fills buf with len cryptographically random bytes; CT_OK or
 * CT_ERR_INTERNAL. */
enum ct_err ct_crypto_random(unsigned char *buf, size_t len)
    __attribute__((warn_unused_result));

#endif
