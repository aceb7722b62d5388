/*
 * reconcile.h: a lost final report fetched back from the provider.
 *
 * calltrack-admin sweep asks each provider about the calls that are about
 * to be closed as stuck, that the sweeper closed, or that ended without
 * their final report 10 minutes ago (ct_reconcile_due,
 * sql/functions/16_reconcile.sql), over HTTPS through outbound.h: Vapi
 * GET /call/{id}, Retell GET /v2/get-call/{call_id}, Twilio GET
 * /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json.  The answer is
 * wrapped as the webhook that provider sends (Vapi's call as the
 * end-of-call report's message, Retell's as call_analyzed, Twilio's call
 * resource as a status callback), mapped by that webhook's own mapping,
 * and written by ct_event_apply as an event of type "reconciled", kept
 * under a key of its bytes: the same answer twice is one event.  Every
 * question is recorded (ct_reconcile_record) with its status and an
 * escaped, bounded error; what the provider cannot answer is left to the
 * sweeper.
 *
 * The wrapping is pure (unit-tested); ct_reconcile_run does the I/O over
 * the library's connection (db.h), which must be the administrator's: the
 * keys are read by it alone.
 */
#ifndef CT_RECONCILE_H
#define CT_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/err.h"
#include "ingest/integration.h"

/* Seconds a question may take to connect, and in all. */
#define CT_RECONCILE_TIMEOUT_S	5
/* Bytes of an answer read; a longer one is refused. */
#define CT_RECONCILE_BODY_MAX	(4 * 1024 * 1024)
/* The longest call id or base URL asked with. */
#define CT_RECONCILE_ID_MAX	200
#define CT_RECONCILE_URL_MAX	1024
/* Seconds a 429 may keep a call waiting, and the wait without a
 * Retry-After calltrack can read. */
#define CT_RECONCILE_RETRY_MAX	86400
#define CT_RECONCILE_RETRY_DEFAULT 60

/*
 * Writes the URL that asks provider p about call_id into out (outlen
 * bytes): base (https://…, no trailing '/' needed) followed by the
 * provider's path; Twilio's names account_sid (AC and 32 hex digits).
 * The id must be 1 to CT_RECONCILE_ID_MAX bytes of [A-Za-z0-9._-] (no id
 * a provider gives needs escaping; anything else is refused rather than
 * sent).  Returns CT_OK or CT_ERR_INVALID_PARAMETER.
 */
enum ct_err ct_reconcile_url(enum ct_provider p, const char *base,
    const char *call_id, const char *account_sid, char *out, size_t outlen)
    __attribute__((warn_unused_result));

/*
 * Turns the provider's answer (len bytes) about call_id into the body of
 * the webhook that provider sends, for its mapping: *out (malloc'd,
 * NUL-terminated, the caller frees it) and *outlen.  *final is set when
 * the answer is the call's final report (Vapi's ended call, Retell's call
 * with its analysis, Twilio's call in a final status).  The answer must
 * be a JSON object that names call_id (Vapi "id", Retell "call_id",
 * Twilio "sid") and, for Twilio, account_sid ("account_sid"), with a
 * status.  Else returns CT_ERR_MALFORMED_BODY with *why, a static
 * sentence for the attempt's error; CT_ERR_NOMEM.
 */
enum ct_err ct_reconcile_wrap(enum ct_provider p, const char *answer,
    size_t len, const char *call_id, const char *account_sid, char **out,
    size_t *outlen, bool *final, const char **why)
    __attribute__((warn_unused_result));

/*
 * Returns the seconds a Retry-After value asks to wait (RFC 9110 10.2.3:
 * delay-seconds, or an HTTP-date, read against now), from 1 to
 * CT_RECONCILE_RETRY_MAX; CT_RECONCILE_RETRY_DEFAULT when value is NULL
 * or neither.
 */
long ct_reconcile_retry_after(const char *value, time_t now);

/* What a run did. */
struct ct_reconcile_counts {
	long long	 due;		/* calls listed */
	long long	 asked;		/* questions sent */
	long long	 recovered;	/* answers applied (or the same again) */
	long long	 not_found;	/* 404: left to the sweeper */
	long long	 rate_limited;	/* 429 */
	long long	 failed;	/* every other failure */
	long long	 skipped;	/* not asked: the budget spent, or the
					   provider hung or limited this run */
};

/*
 * Asks the providers about the calls due (at most
 * CALLTRACK_RECONCILE_PER_ORG an org and CALLTRACK_RECONCILE_PER_RUN in
 * all), one at a time, asking no more once CALLTRACK_RECONCILE_BUDGET
 * seconds have passed, nor of a provider that timed out or could not be
 * reached this run, nor of an integration that answered 429.  Fills
 * *counts (zeroed first).  Returns CT_OK once every listed call was seen;
 * CT_ERR_DB_UNAVAILABLE or CT_ERR_INTERNAL when the database failed (the
 * counts say how far it got); CT_ERR_NOMEM.
 */
enum ct_err ct_reconcile_run(struct ct_reconcile_counts *counts)
    __attribute__((warn_unused_result));

#endif
