/*
 * event.h: one provider callback, normalized.
 *
 * A provider's mapping (vapi.c, retell.c, twilio.c) turns the verified
 * bytes into a struct ct_call_event, a pure function of the bytes and the
 * org's settings; ct_event_apply then writes it with one statement.
 */
#ifndef CT_EVENT_H
#define CT_EVENT_H

#include <stddef.h>

#include <json-c/json.h>

#include "err.h"
#include "form.h"
#include "http.h"
#include "integration.h"
#include "phone.h"
#include "reason.h"

struct ct_booking;

#define CT_TIME_MAX 40

enum ct_event_mode {
	CT_EVENT_APPLY,		/* change the call */
	CT_EVENT_RECORD,	/* log it and link it; it carries no call state */
};

/* What a mapping needs of the org. */
struct ct_map_ctx {
	const char		*country;	/* default country, ISO code */
	const char *const	*booking_tools;
	size_t			 n_booking_tools;
};

struct ct_call_event {
	/* Identity. */
	const char		*provider_call_id;
	const char		*event_type;
	char			 dedup_key[80];
	enum ct_event_mode	 mode;
	/* Status: the status if the call was answered and if it was not
	 * (equal unless the end code's meaning depends on it); NULL when
	 * the event says nothing of the status. */
	const char		*status_answered;
	const char		*status_unanswered;
	int			 answered;	/* the event shows an answer */
	long long		 sequence;	/* provider order, -1 none */
	const char		*ended_reason;	/* verbatim */
	const char		*end_call_reason;
	const char		*direction;
	char			 phone_number[CT_PHONE_E164_MAX];
	const char		*phone_raw;
	char			 agent_number[CT_PHONE_E164_MAX];
	const char		*customer_name;
	int			 is_test_call;	/* -1 unknown, 0, 1 */
	char			 started_at[CT_TIME_MAX];	/* ISO 8601 or "" */
	char			 ended_at[CT_TIME_MAX];
	long long		 duration_seconds;	/* -1 unknown */
	char			 cost[32];	/* decimal USD or "" */
	const char		*recording_url;
	const char		*transcript;
	const char		*summary;
	const char		*sentiment;	/* positive|neutral|negative */
	const char		*booking_status;
	char			*booking_evidence;	/* JSON, owned */
	int			 lead_score;	/* -1 not scored */
	char			*lead_reasons;	/* PostgreSQL array, owned */
	char			*metadata;	/* JSON, owned */
	const char		*transfer_destination;
	/* What the borrowed strings above point into. */
	json_object		*root;
	struct ct_form		 form;
};

/* Sets every field to "unknown". */
void ct_call_event_init(struct ct_call_event *ev);

/* Frees what the event owns; the event is then unknown again. */
void ct_call_event_free(struct ct_call_event *ev);

/*
 * Copies an ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS, optional fraction,
 * optional Z or ±HH:MM) into out; returns 1, or 0 and leaves out "" when s
 * is not one.
 */
int ct_time_iso(const char *s, char out[CT_TIME_MAX]);

/* Returns the milliseconds since the epoch of a time ct_time_iso accepts,
 * or -1. */
long long ct_time_epoch_ms(const char *iso);

/* Formats milliseconds since the epoch as ISO 8601 UTC into out; returns 1,
 * or 0 when out of range. */
int ct_time_from_ms(long long ms, char out[CT_TIME_MAX]);

/* Formats a non-negative finite cost into ev->cost; returns 1 or 0. */
int ct_event_set_cost(struct ct_call_event *ev, double usd);

/*
 * Sets the customer's number (raw as sent, and E.164 when it reads as one
 * with country) and the agent's number (E.164, or none).
 */
void ct_event_numbers(struct ct_call_event *ev, const char *customer,
    const char *agent, const char *country);

/*
 * Sets the status pair, ended_reason (code, verbatim) and end_call_reason
 * from a provider's end code, through its table or by shape.
 */
void ct_event_set_end(struct ct_call_event *ev, const struct ct_reason *table,
    size_t n, const char *code);

/* Returns "positive", "neutral" or "negative" for s in any case, else NULL
 * (Retell's "Unknown" included). */
const char *ct_event_sentiment(const char *s);

/*
 * Sets the booking outcome and its evidence from b (taking the evidence),
 * then the lead score and its reasons from what the event carries.
 */
void ct_event_finish(struct ct_call_event *ev, struct ct_booking *b);

/*
 * Sets duration_seconds when unknown: from the start and end times when
 * both are known, else 0 when the call was never answered (no start).
 */
void ct_event_default_duration(struct ct_call_event *ev);

/*
 * The one statement a webhook sends, and its parameters.  It names the
 * integration, never the org: the database pins the integration's org
 * itself (ct_pin_integration, sql/010_privileges.sql).
 */
#define CT_EVENT_NPARAMS 35
#define CT_EVENT_APPLY_SQL "SELECT outcome, call_id FROM ct_apply_event(" \
	"$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, " \
	"$16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, " \
	"$29, $30, $31, $32, $33, $34, $35)"
/* Where in the values some parameters are, for those who replace them
 * (a replay, the benchmark's script). */
#define CT_EVENT_P_CALL_ID	2
#define CT_EVENT_P_DEDUP_KEY	4
#define CT_EVENT_P_PAYLOAD	5
#define CT_EVENT_P_MODE		7
#define CT_EVENT_P_PHONE	16
#define CT_EVENT_P_PHONE_RAW	17

struct ct_event_params {
	const char	*values[CT_EVENT_NPARAMS];
	int		 lengths[CT_EVENT_NPARAMS];
	int		 formats[CT_EVENT_NPARAMS];	/* 1: binary ($6) */
	char		 seq[24], dur[24], score[8];
};

/*
 * Fills p with the parameters of CT_EVENT_APPLY_SQL for ev, whose raw
 * request was body (body_len bytes) of content_type.  The values point
 * into body, in, ev and p.
 */
void ct_event_params(const char *body, size_t body_len,
    const char *content_type, const struct ct_integration *in,
    const struct ct_call_event *ev, struct ct_event_params *p);

/*
 * Writes the event with one statement (ct_apply_event): the raw bytes of
 * req's body, deduplicated by ev->dedup_key, then the call, contact, lead
 * and alert.  On CT_OK, outcome is "applied", "duplicate" or "parked" and
 * call_id the call's id or "".
 */
enum ct_err ct_event_apply(const struct ct_request *req,
    const struct ct_integration *in, const struct ct_call_event *ev,
    char outcome[16], char call_id[37]) __attribute__((warn_unused_result));

#endif
