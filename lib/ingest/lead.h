/*
 * lead.h: how hot a caller is, from one call.
 */
#ifndef CT_LEAD_H
#define CT_LEAD_H

#include <stddef.h>

#define CT_LEAD_MAX_REASONS 8

struct ct_lead {
	int		 score;				/* 0..100 */
	const char	*reasons[CT_LEAD_MAX_REASONS];	/* static strings */
	size_t		 n;
};

/*
 * Scores a call from 0 to 100, deterministically, and says why:
 *   booking confirmed +40; booking tried and failed +30 (the caller wanted
 *   it);
 *   sentiment positive +20, neutral +5, negative -15;
 *   duration >= 180 s +15, >= 60 s +10, >= 20 s +5;
 *   +5 for each kind of intent the transcript or summary shows (asked to
 *   book or schedule, asked about price, asked about availability, said
 *   they are interested), at most +20;
 * clamped to 0..100.  Any argument may be NULL (duration < 0: unknown).
 * A call with no transcript, no summary and no duration scores 0.
 */
void ct_lead_score(const char *transcript, const char *summary,
    const char *sentiment, long long duration_seconds,
    const char *booking_status, struct ct_lead *out);

/*
 * Writes the reasons as a PostgreSQL text[] literal into a malloc'd
 * string the caller frees; NULL on ENOMEM.
 */
char *ct_lead_reasons_array(const struct ct_lead *lead);

#endif
