/*
 * sig.c: Vapi, Retell and Twilio signature verification.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/num.h"
#include "ingest/sig.h"

/* Encoded HMAC of the largest digest: 128 hex digits or 88 Base64. */
#define ENCODED_MAX (2 * CT_CRYPTO_MAX_MD + 1)

static enum ct_err
encode_hmac(enum ct_digest md, enum ct_sig_encoding enc, const void *key,
    size_t keylen, const void *m1, size_t l1, const void *m2, size_t l2,
    char *out)
{
	unsigned char mac[CT_CRYPTO_MAX_MD];
	size_t maclen;
	enum ct_err err;

	if ((err = ct_crypto_hmac(md, key, keylen, m1, l1, m2, l2, mac,
	    &maclen)) != CT_OK)
		return err;
	if (enc == CT_SIG_HEX)
		ct_crypto_hex(mac, maclen, out);
	else
		ct_crypto_base64(mac, maclen, out);
	return CT_OK;
}

/* Compares value with every configured secret (so timing does not tell
 * which one matched): CT_OK or CT_ERR_BAD_SIGNATURE. */
static enum ct_err
any_secret(const char *value, const struct ct_sig_secrets *secrets)
{
	int ok = 0, i;

	for (i = 0; i < CT_SIG_MAX_SECRETS; i++)
		if (secrets->s[i] != NULL)
			ok |= ct_crypto_equal(value, strlen(value),
			    secrets->s[i], strlen(secrets->s[i]));
	return ok ? CT_OK : CT_ERR_BAD_SIGNATURE;
}

enum ct_err
ct_sig_vapi_secret(const char *header, const struct ct_sig_secrets *secrets)
{
	if (header == NULL || *header == '\0')
		return CT_ERR_MISSING_SIGNATURE;
	return any_secret(header, secrets);
}

enum ct_err
ct_sig_vapi_bearer(const char *header, bool prefixed,
    const struct ct_sig_secrets *secrets)
{
	if (header == NULL || *header == '\0')
		return CT_ERR_MISSING_SIGNATURE;
	if (prefixed) {
		if (strncasecmp(header, "Bearer ", 7) != 0)
			return CT_ERR_BAD_SIGNATURE;
		header += 7;
		while (*header == ' ')
			header++;
		if (*header == '\0')
			return CT_ERR_MISSING_SIGNATURE;
	}
	return any_secret(header, secrets);
}

/* Returns CT_OK when |ts - now| <= window, both in the same unit. */
static enum ct_err
fresh(long long ts, long long now, long long window)
{
	long long d = ts > now ? ts - now : now - ts;

	return d <= window ? CT_OK : CT_ERR_STALE_TIMESTAMP;
}

enum ct_err
ct_sig_vapi_hmac(const struct ct_sig_vapi_hmac *plan, const char *body,
    size_t len, const char *sig_header, const char *ts_header, long long now,
    const struct ct_sig_secrets *secrets)
{
	char expect[ENCODED_MAX + 32], dot_ts[32];
	const char *prefix = plan->prefix ? plan->prefix : "";
	size_t plen = strlen(prefix), tslen = 0;
	long long ts;
	int ok = 0, i;

	if (sig_header == NULL || *sig_header == '\0' ||
	    (!plan->body_only && ts_header == NULL))
		return CT_ERR_MISSING_SIGNATURE;
	if (!plan->body_only) {
		tslen = strlen(ts_header);
		if (ct_num_parse_i64(ts_header, tslen, 0, 9999999999999LL,
		    &ts) != CT_OK)
			return CT_ERR_BAD_SIGNATURE;
		if (ts > 100000000000LL ? fresh(ts, now * 1000,
		    CT_SIG_WINDOW_S * 1000LL) != CT_OK : fresh(ts, now,
		    CT_SIG_WINDOW_S) != CT_OK)
			return CT_ERR_STALE_TIMESTAMP;
		/* "{timestamp}.{body}": the timestamp text, a dot, the body. */
		memcpy(dot_ts, ts_header, tslen);
		dot_ts[tslen++] = '.';
	}
	if (strlen(sig_header) < plen ||
	    strncmp(sig_header, prefix, plen) != 0)
		return CT_ERR_BAD_SIGNATURE;
	for (i = 0; i < CT_SIG_MAX_SECRETS; i++) {
		unsigned char key[512];
		const void *k = secrets->s[i];
		size_t klen;
		enum ct_err err;

		if (secrets->s[i] == NULL)
			continue;
		klen = strlen(secrets->s[i]);
		if (plan->secret_base64) {
			if (ct_crypto_base64_decode(secrets->s[i], klen, key,
			    sizeof(key), &klen) != CT_OK)
				continue;
			k = key;
		}
		err = encode_hmac(plan->algorithm, plan->encoding, k, klen,
		    dot_ts, tslen, body, len, expect);
		if (plan->secret_base64)
			ct_crypto_cleanse(key, sizeof(key));
		if (err != CT_OK)
			return err;
		ok |= ct_crypto_equal(sig_header + plen,
		    strlen(sig_header + plen), expect, strlen(expect));
	}
	return ok ? CT_OK : CT_ERR_BAD_SIGNATURE;
}

enum ct_err
ct_sig_retell(const char *body, size_t len, const char *header,
    long long now_ms, const struct ct_sig_secrets *secrets)
{
	char expect[ENCODED_MAX];
	const char *comma, *digest;
	long long ts;
	size_t tslen, i;
	int ok = 0, k;

	if (header == NULL || *header == '\0')
		return CT_ERR_MISSING_SIGNATURE;
	if (strncmp(header, "v=", 2) != 0 ||
	    (comma = strchr(header + 2, ',')) == NULL ||
	    strncmp(comma, ",d=", 3) != 0)
		return CT_ERR_BAD_SIGNATURE;
	tslen = (size_t)(comma - (header + 2));
	if (ct_num_parse_i64(header + 2, tslen, 0, 9999999999999999LL, &ts) !=
	    CT_OK)
		return CT_ERR_BAD_SIGNATURE;
	digest = comma + 3;
	if (strlen(digest) != 64)
		return CT_ERR_BAD_SIGNATURE;
	for (i = 0; i < 64; i++)
		if (!((digest[i] >= '0' && digest[i] <= '9') ||
		    (digest[i] >= 'a' && digest[i] <= 'f')))
			return CT_ERR_BAD_SIGNATURE;
	if (fresh(ts, now_ms, CT_SIG_WINDOW_S * 1000LL) != CT_OK)
		return CT_ERR_STALE_TIMESTAMP;
	for (k = 0; k < CT_SIG_MAX_SECRETS; k++) {
		enum ct_err err;

		if (secrets->s[k] == NULL)
			continue;
		if ((err = encode_hmac(CT_SHA256, CT_SIG_HEX, secrets->s[k],
		    strlen(secrets->s[k]), body, len, header + 2, tslen,
		    expect)) != CT_OK)
			return err;
		ok |= ct_crypto_equal(digest, 64, expect, strlen(expect));
	}
	return ok ? CT_OK : CT_ERR_BAD_SIGNATURE;
}

/* ---- Twilio ---- */

static int
pair_cmp(const void *a, const void *b)
{
	const struct ct_form_pair *x = *(const struct ct_form_pair *const *)a;
	const struct ct_form_pair *y = *(const struct ct_form_pair *const *)b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = memcmp(x->name, y->name, n);

	if (c == 0 && x->name_len != y->name_len)
		return x->name_len < y->name_len ? -1 : 1;
	if (c != 0)
		return c;
	n = x->value_len < y->value_len ? x->value_len : y->value_len;
	c = memcmp(x->value, y->value, n);
	if (c == 0 && x->value_len != y->value_len)
		return x->value_len < y->value_len ? -1 : 1;
	return c;
}

/* The string Twilio signs and its length (a value may hold a NUL). */
static char *
payload_of(const char *url, const struct ct_form *form, size_t *len)
{
	const struct ct_form_pair **sorted = NULL;
	size_t total = strlen(url) + 1, i, o;
	char *out;

	if (form != NULL && form->n > 0) {
		if ((sorted = calloc(form->n, sizeof(*sorted))) == NULL)
			return NULL;
		for (i = 0; i < form->n; i++) {
			sorted[i] = &form->pairs[i];
			total += form->pairs[i].name_len +
			    form->pairs[i].value_len;
		}
		qsort(sorted, form->n, sizeof(*sorted), pair_cmp);
	}
	if ((out = malloc(total)) == NULL) {
		free(sorted);
		return NULL;
	}
	o = strlen(url);
	memcpy(out, url, o);
	for (i = 0; form != NULL && i < form->n; i++) {
		const struct ct_form_pair *p = sorted[i];

		/* Twilio's validators use each distinct value once. */
		if (i > 0 && pair_cmp(&sorted[i - 1], &sorted[i]) == 0)
			continue;
		memcpy(out + o, p->name, p->name_len);
		o += p->name_len;
		memcpy(out + o, p->value, p->value_len);
		o += p->value_len;
	}
	out[o] = '\0';
	free(sorted);
	*len = o;
	return out;
}

char *
ct_sig_twilio_payload(const char *url, const struct ct_form *form)
{
	size_t len;

	return payload_of(url, form, &len);
}

/*
 * Writes url without its port (want_port 0) or with the scheme's default
 * port when it has none (want_port 1) into out.  Returns 0, or -1 when the
 * URL is not http(s)://host... or does not fit.
 */
static int
url_port_form(const char *url, int want_port, char *out, size_t outlen)
{
	const char *host, *end, *colon;
	const char *defport;
	size_t hostlen;
	int n;

	if (strncasecmp(url, "https://", 8) == 0) {
		host = url + 8;
		defport = "443";
	} else if (strncasecmp(url, "http://", 7) == 0) {
		host = url + 7;
		defport = "80";
	} else {
		return -1;
	}
	end = host + strcspn(host, "/?#");
	colon = memchr(host, ':', (size_t)(end - host));
	hostlen = (size_t)((colon ? colon : end) - host);
	if (want_port && colon != NULL)		/* keep the port it has */
		n = snprintf(out, outlen, "%s", url);
	else if (want_port)
		n = snprintf(out, outlen, "%.*s:%s%s", (int)(host - url +
		    (long)hostlen), url, defport, end);
	else
		n = snprintf(out, outlen, "%.*s%s", (int)(host - url +
		    (long)hostlen), url, end);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* Returns the value of query parameter name in url (decoded into buf), or
 * NULL when absent. */
static const char *
url_query_param(const char *url, const char *name, char *buf, size_t buflen)
{
	const char *q = strchr(url, '?');
	size_t nlen = strlen(name);

	while (q != NULL) {
		const char *seg = q + 1, *segend = seg + strcspn(seg, "&#");
		size_t outlen;

		if ((size_t)(segend - seg) > nlen && seg[nlen] == '=' &&
		    strncmp(seg, name, nlen) == 0 &&
		    (size_t)(segend - seg - (long)nlen - 1) < buflen &&
		    ct_form_decode(seg + nlen + 1, (size_t)(segend - seg -
		    (long)nlen - 1), 0, buf, &outlen) == CT_OK)
			return buf;
		q = *segend == '&' ? segend : NULL;
	}
	return NULL;
}

enum ct_err
ct_sig_twilio(const char *public_url, const char *query,
    const struct ct_form *form, const char *body, size_t len,
    const char *header, const struct ct_sig_secrets *secrets)
{
	char url[2048], variant[2100], expect[ENCODED_MAX], bodyhash[65];
	char hashbuf[129];
	const char *want_hash;
	size_t plen;
	int ok = 0, v, k, n;

	if (header == NULL || *header == '\0')
		return CT_ERR_MISSING_SIGNATURE;
	if (public_url == NULL)
		return CT_ERR_BAD_SIGNATURE;
	if (strchr(public_url, '?') == NULL && query != NULL && *query != '\0')
		n = snprintf(url, sizeof(url), "%s?%s", public_url, query);
	else
		n = snprintf(url, sizeof(url), "%s", public_url);
	if (n < 0 || (size_t)n >= sizeof(url))
		return CT_ERR_BAD_SIGNATURE;
	want_hash = url_query_param(url, "bodySHA256", hashbuf,
	    sizeof(hashbuf));
	if (want_hash != NULL) {
		size_t i;

		/* JSON body: the URL alone is signed, the body by its hash
		 * (hex, either case). */
		if (strlen(want_hash) != 64)
			return CT_ERR_BAD_SIGNATURE;
		for (i = 0; i < 64; i++)
			hashbuf[i] = (char)tolower((unsigned char)hashbuf[i]);
		ct_crypto_sha256_hex(body ? body : "", len, bodyhash);
		if (!ct_crypto_equal(hashbuf, 64, bodyhash, 64))
			return CT_ERR_BAD_SIGNATURE;
		form = NULL;
	} else if (form == NULL) {
		/* Without bodySHA256 the signature covers the URL alone, not
		 * the body; Twilio signs no timestamp, so one signature seen
		 * once would verify any body forever. */
		return CT_ERR_BAD_SIGNATURE;
	}
	for (v = 0; v < 2; v++) {
		char *payload;

		if (url_port_form(url, v, variant, sizeof(variant)) != 0)
			return CT_ERR_BAD_SIGNATURE;
		if ((payload = payload_of(variant, form, &plen)) == NULL)
			return CT_ERR_NOMEM;
		for (k = 0; k < CT_SIG_MAX_SECRETS; k++) {
			if (secrets->s[k] == NULL)
				continue;
			if (encode_hmac(CT_SHA1, CT_SIG_BASE64, secrets->s[k],
			    strlen(secrets->s[k]), payload, plen, NULL, 0,
			    expect) != CT_OK) {
				free(payload);
				return CT_ERR_INTERNAL;
			}
			ok |= ct_crypto_equal(header, strlen(header), expect,
			    strlen(expect));
		}
		free(payload);
	}
	return ok ? CT_OK : CT_ERR_BAD_SIGNATURE;
}
