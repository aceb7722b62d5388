/*
 * refusal.c: the per-process table of refused client addresses.
 */
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/config.h"
#include "core/crypto.h"
#include "ingest/refusal.h"

/*
 * The table key of a client address: 4 and the IPv4 address, or 6 and the
 * first 64 bits of an IPv6 address (an IPv4-mapped one counts as IPv4).
 * Returns 0, or -1 when addr is not an address.
 */
static int
addr_key(const char *addr, unsigned char key[CT_REFUSAL_KEY_LEN])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };
	unsigned char a6[16];
	struct in_addr a4;

	memset(key, 0, CT_REFUSAL_KEY_LEN);
	if (addr == NULL || strlen(addr) >= INET6_ADDRSTRLEN)
		return -1;
	if (inet_pton(AF_INET, addr, &a4) == 1) {
		key[0] = 4;
		memcpy(key + 1, &a4.s_addr, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, a6) != 1)
		return -1;
	if (memcmp(a6, mapped, sizeof(mapped)) == 0) {
		key[0] = 4;
		memcpy(key + 1, a6 + 12, 4);
	} else {
		key[0] = 6;
		memcpy(key + 1, a6, 8);
	}
	return 0;
}

/* FNV-1a over the key, from a seeded basis. */
static uint32_t
key_hash(uint32_t seed, const unsigned char key[CT_REFUSAL_KEY_LEN])
{
	uint32_t h = 2166136261u ^ seed;
	size_t i;

	for (i = 0; i < CT_REFUSAL_KEY_LEN; i++) {
		h ^= key[i];
		h *= 16777619u;
	}
	return h;
}

/* A slot a new address may take: free, or its window is over. */
static int
reusable(const struct ct_refusal_table *t, const struct ct_refusal_slot *s,
    long long now)
{
	return s->key[0] == 0 || now < s->start || now - s->start >= t->window;
}

void
ct_refusal_init(struct ct_refusal_table *t, long long limit, long long window,
    uint32_t seed)
{
	memset(t, 0, sizeof(*t));
	t->limit = limit > 0 ? limit : 0;
	t->window = window > 0 ? window : 1;
	t->seed = seed;
}

long long
ct_refusal_note(struct ct_refusal_table *t, const char *addr, long long now)
{
	unsigned char key[CT_REFUSAL_KEY_LEN];
	struct ct_refusal_slot *s = NULL, *victim = NULL, *c;
	uint32_t h;
	size_t i;

	if (t->limit == 0 || addr_key(addr, key) != 0)
		return 0;
	h = key_hash(t->seed, key);
	for (i = 0; i < CT_REFUSAL_PROBES; i++) {
		c = &t->slots[(h + i) % CT_REFUSAL_SLOTS];
		if (c->key[0] != 0 && memcmp(c->key, key, sizeof(key)) == 0) {
			s = c;
			break;
		}
		/* Else the first reusable slot, or the oldest window. */
		if (victim == NULL || (!reusable(t, victim, now) &&
		    (reusable(t, c, now) || c->start < victim->start)))
			victim = c;
	}
	if (s == NULL) {
		s = victim;
		memcpy(s->key, key, sizeof(key));
		s->start = now;
		s->count = 0;
	} else if (now < s->start || now - s->start >= t->window) {
		s->start = now;
		s->count = 0;
	}
	/* Saturates: past the limit, only "over" matters. */
	if (s->count <= t->limit)
		s->count++;
	if (s->count <= t->limit)
		return 0;
	return s->start + t->window - now > 0 ? s->start + t->window - now : 1;
}

struct ct_refusal_table *
ct_refusal_process(void)
{
	static struct ct_refusal_table table;
	static pid_t owner;
	const struct ct_config *cfg;
	uint32_t seed;

	/* A worker forked from a process that used the table starts its
	 * own: counts are per process. */
	if (owner != getpid()) {
		cfg = ct_config_get();
		if (ct_crypto_random((unsigned char *)&seed, sizeof(seed)) !=
		    CT_OK)
			seed = (uint32_t)getpid();
		ct_refusal_init(&table, cfg->refused_limit,
		    cfg->refused_window_s, seed);
		owner = getpid();
	}
	return &table;
}
