/*
 * refusal.h: how often each client address was refused, per process.
 *
 * A webhook request refused before it proved itself (unknown slug, a
 * signature that does not verify, a wrong method or content type) is
 * counted against its client address (REMOTE_ADDR).  Past
 * CALLTRACK_REFUSED_LIMIT refusals in CALLTRACK_REFUSED_WINDOW seconds the
 * address's further refusals are answered 429 and not kept, so that a
 * flood cannot fill rejected_events.  A request whose signature verifies
 * is never counted nor limited.
 *
 * The table is a fixed array of CT_REFUSAL_SLOTS entries in each worker
 * process (no sharing, no allocation): a program with N workers lets an
 * address through up to N times the limit.  IPv6 addresses count by
 * their /64, what one host is usually given.  When the table is full, a
 * new address takes the slot of the oldest window among the few it may
 * use; nginx's limit_req stands behind it.
 */
#ifndef CT_REFUSAL_H
#define CT_REFUSAL_H

#include <stdint.h>

#define CT_REFUSAL_SLOTS	1024
#define CT_REFUSAL_PROBES	8	/* slots an address may use */
#define CT_REFUSAL_KEY_LEN	9	/* family byte, then 4 or 8 address bytes */

/* One address's count in its current window. */
struct ct_refusal_slot {
	unsigned char	 key[CT_REFUSAL_KEY_LEN];	/* key[0] == 0: free */
	long long	 start;		/* the window's first second */
	long long	 count;		/* refusals in it, up to limit + 1 */
};

struct ct_refusal_table {
	struct ct_refusal_slot	 slots[CT_REFUSAL_SLOTS];
	long long		 limit;		/* refusals per window; 0: none */
	long long		 window;	/* seconds */
	uint32_t		 seed;		/* of the slot hash */
};

/*
 * Empties t and sets its limit (refusals answered per address and window,
 * 0 for no limit), its window in seconds (at least 1) and the hash seed.
 */
void ct_refusal_init(struct ct_refusal_table *t, long long limit,
    long long window, uint32_t seed);

/*
 * Counts one refusal of the client address addr (an IPv4 or IPv6 address
 * in text, as REMOTE_ADDR gives it) at time now, in seconds of any clock
 * that does not go back.  Returns 0 when the refusal is within the limit
 * (answer it and keep it as usual), else the seconds until the address's
 * window ends, at least 1 (answer 429 with that Retry-After, keep
 * nothing).  An addr that is NULL or not an address is never limited.
 */
long long ct_refusal_note(struct ct_refusal_table *t, const char *addr,
    long long now);

/*
 * The calling process's table, set up on first use from
 * CALLTRACK_REFUSED_LIMIT and CALLTRACK_REFUSED_WINDOW with a random seed.
 * It is static storage of the process; never freed.
 */
struct ct_refusal_table *ct_refusal_process(void);

#endif
