/*
 * event.h: one provider callback, normalized.
 *
 * A provider's mapping (vapi.c, retell.c, twilio.c) turns the verified
 * bytes into a struct ct_call_event, a pure function of the bytes and the
 * org's settings; ct_event_apply then writes it with one statement.
 */
#ifndef CT_EVENT_H
#define CT_EVENT_H

#include <stdbool.h>

#include <stddef.h>

#include <json-c/json.h>

#include "core/err.h"
#include "core/form.h"
#include "core/delivery.h"
#include "ingest/analysis.h"
#include "ingest/integration.h"
#include "ingest/phone.h"
#include "ingest/reason.h"

struct ct_booking;

#define CT_TIME_MAX 40
#define CT_AGENT_FIELD_MAX 200

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
	/* The identifying field whose NUL refused the body (a static
	 * string naming it, for the error), or NULL. */
	const char		*bad_field;
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
	int			 transferred;	/* the event shows a transfer */
	/* The agent that handled the call (Vapi's assistant, Retell's
	 * agent), each at most CT_AGENT_FIELD_MAX bytes, or NULL. */
	const char		*agent_id;
	const char		*agent_name;
	char			 agent_version[CT_AGENT_FIELD_MAX + 1];
	char			*analysis;	/* JSON object, owned */
	int			 success;	/* -1 unknown, 0, 1 */
	char			 success_raw[CT_SUCCESS_RAW_MAX + 1];
	char			*cost_breakdown;	/* JSON, owned */
	/* The Twilio call the event names besides its own id, a CallSid
	 * (ct_call_sid_valid) or NULL: an agent's call.transport.callSid,
	 * call.phoneCallProviderId or telephony_identifier.twilio_call_sid,
	 * a Twilio child leg's ParentCallSid.  The legs of one call find
	 * each other by it (sql/functions/15_legs.sql). */
	const char		*linked_call_sid;
	/* Why something the event carries was not kept (a static
	 * sentence, stored as the event's error and logged), or NULL. */
	const char		*note;
	/* What the borrowed strings above point into. */
	json_object		*root;
	struct ct_form		 form;
};

/* Sets every field to "unknown". */
void ct_call_event_init(struct ct_call_event *ev);

/*
 * Sets the agent's id and name (borrowed; one over CT_AGENT_FIELD_MAX
 * bytes is none) and its version from v, a string or an integer (Retell
 * sends a number), copied.
 */
void ct_event_set_agent(struct ct_call_event *ev, const char *id,
    const char *name, json_object *version);

/* Frees what the event owns; the event is then unknown again. */
void ct_call_event_free(struct ct_call_event *ev);

/*
 * Copies an ISO 8601 date-time (YYYY-MM-DDTHH:MM:SS, optional fraction of
 * up to 9 digits, optional Z, ±HH:MM or ±HHMM) into out; returns true, or false
 * and leaves out "" when s is not one.  The check is calendar-exact: a day
 * the month has (leap years by the Gregorian rule, years 0001 to 9999),
 * hours 00-23, minutes 00-59, an offset of at most 14:00.  Second 60 is
 * accepted only where a leap second can be, 23:59:60 UTC on a month's
 * last day (RFC 3339 section 5.6 allows it, and PostgreSQL and timegm read
 * it as the next day's first second): a provider's clock that shows one
 * keeps its time, and a :60 anywhere else is no time at all.
 */
bool ct_time_iso(const char *s, char out[CT_TIME_MAX]);

/* Returns true when s is exactly a day of the calendar, YYYY-MM-DD (years
 * 0001 to 9999, leap years by the Gregorian rule), else false. */
bool ct_time_date(const char *s);

/* Returns the milliseconds since the epoch of a time ct_time_iso accepts,
 * or -1. */
long long ct_time_epoch_ms(const char *iso);

/* Formats milliseconds since the epoch as ISO 8601 UTC into out; returns true,
 * or false when out of range. */
bool ct_time_from_ms(long long ms, char out[CT_TIME_MAX]);

/* Returns true when s is a Twilio CallSid: "CA" and 32 lowercase hex
 * digits, as Twilio makes them; else false (NULL included). */
bool ct_call_sid_valid(const char *s);

/*
 * Sets the Twilio call the event names (borrowed) when sid is a CallSid;
 * one that is not is not linked, and the event's note says so when it
 * has none yet (the call is stored all the same).  NULL or "" names none.
 */
void ct_event_link_call_sid(struct ct_call_event *ev, const char *sid);

/* Formats a non-negative finite cost into ev->cost; returns true or false. */
bool ct_event_set_cost(struct ct_call_event *ev, double usd);

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
 * The parameters of the one statement a webhook sends, each with the name
 * ct_apply_event gives it (sql/functions/03_ingest.sql).  The statement
 * binds them by name (p_integration => $1, ...), so the function's own order does
 * not matter, and a name the function does not have fails the statement
 * (and the unit test that compares the two lists).  A new parameter is one
 * row here and one argument there.  The statement names the integration,
 * never the org: the database pins the integration's org itself
 * (ct_pin_integration, sql/functions/01_base.sql).
 */
#define CT_EVENT_PARAMS(X) \
	X(INTEGRATION, "p_integration") \
	X(PROVIDER, "p_provider") \
	X(CALL_ID, "p_provider_call_id") \
	X(EVENT_TYPE, "p_event_type") \
	X(DEDUP_KEY, "p_dedup_key") \
	X(PAYLOAD, "p_payload") \
	X(CONTENT_TYPE, "p_content_type") \
	X(MODE, "p_mode") \
	X(ERROR, "p_error") \
	X(STATUS_ANSWERED, "p_status_answered") \
	X(STATUS_UNANSWERED, "p_status_unanswered") \
	X(ANSWERED, "p_answered") \
	X(SEQUENCE, "p_sequence") \
	X(ENDED_REASON, "p_ended_reason") \
	X(END_CALL_REASON, "p_end_call_reason") \
	X(DIRECTION, "p_direction") \
	X(PHONE_NUMBER, "p_phone_number") \
	X(PHONE_RAW, "p_phone_raw") \
	X(AGENT_NUMBER, "p_agent_number") \
	X(CUSTOMER_NAME, "p_customer_name") \
	X(IS_TEST_CALL, "p_is_test_call") \
	X(STARTED_AT, "p_started_at") \
	X(ENDED_AT, "p_ended_at") \
	X(DURATION_SECONDS, "p_duration_seconds") \
	X(COST, "p_cost") \
	X(RECORDING_URL, "p_recording_url") \
	X(TRANSCRIPT, "p_transcript") \
	X(SUMMARY, "p_summary") \
	X(SENTIMENT, "p_sentiment") \
	X(BOOKING_STATUS, "p_booking_status") \
	X(BOOKING_EVIDENCE, "p_booking_evidence") \
	X(LEAD_SCORE, "p_lead_score") \
	X(LEAD_REASONS, "p_lead_reasons") \
	X(METADATA, "p_metadata") \
	X(TRANSFER_DESTINATION, "p_transfer_destination") \
	X(TRANSFERRED, "p_transferred") \
	X(AGENT_ID, "p_agent_id") \
	X(AGENT_NAME, "p_agent_name") \
	X(AGENT_VERSION, "p_agent_version") \
	X(ANALYSIS, "p_analysis") \
	X(SUCCESS, "p_success") \
	X(SUCCESS_RAW, "p_success_raw") \
	X(COST_BREAKDOWN, "p_cost_breakdown") \
	X(LINKED_CALL_SID, "p_linked_call_sid") \
	X(ORG, "p_org")

enum ct_event_param {
#define CT_EP_ENUM(id, name) CT_EP_##id,
	CT_EVENT_PARAMS(CT_EP_ENUM)
#undef CT_EP_ENUM
	CT_EP__MAX
};
#define CT_EVENT_NPARAMS CT_EP__MAX

/* The name of each parameter, by enum ct_event_param. */
extern const char *const ct_event_param_names[CT_EP__MAX];

/*
 * Returns the statement: "SELECT outcome, call_id, error FROM ct_apply_event(
 * p_integration => $1, p_provider => $2, ...)", one placeholder per parameter
 * in the order of enum ct_event_param.  A static string, made once.
 */
const char *ct_event_apply_sql(void);

struct ct_event_params {
	const char	*values[CT_EVENT_NPARAMS];
	int		 lengths[CT_EVENT_NPARAMS];
	int		 formats[CT_EVENT_NPARAMS];	/* 1: binary (payload) */
	char		 seq[24], dur[24], score[8];
};

/*
 * Fills p with the parameters of ct_event_apply_sql() for ev, mapped from
 * delivery d.  The values point into d, in, ev and p.
 */
void ct_event_params(const struct ct_delivery *d,
    const struct ct_integration *in, const struct ct_call_event *ev,
    struct ct_event_params *p);

/*
 * Writes the event with one statement (ct_apply_event): the raw bytes of
 * d's body, deduplicated by ev->dedup_key, then the call, contact, lead
 * and alert.  On CT_OK, outcome is "applied", "recorded", "duplicate" or
 * "parked", call_id the call's id or "", and, when why is not NULL, why
 * (why_size bytes, NUL-terminated, cut to fit) says why a parked event
 * was parked, or is "".
 */
enum ct_err ct_event_apply(const struct ct_delivery *d,
    const struct ct_integration *in, const struct ct_call_event *ev,
    char outcome[16], char call_id[37], char *why, size_t why_size)
    __attribute__((warn_unused_result));

#endif
