/*
 * vapi.c: Vapi authentication and the mapping of server messages
 * (providers.md §1) to call events.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ingest/analysis.h"
#include "ingest/booking.h"
#include "ingest/cost.h"
#include "core/crypto.h"
#include "core/json.h"
#include "ingest/vapi.h"

/* status-update statuses in the order a call goes through them (§1.4);
 * the end-of-call-report comes after all of them. */
static const struct {
	const char	*vapi;
	const char	*status;	/* NULL: from endedReason */
	int		 sequence;
} statuses[] = {
	{ "scheduled", "queued", 0 },
	{ "queued", "queued", 1 },
	{ "ringing", "ringing", 2 },
	{ "in-progress", "in-progress", 3 },
	{ "forwarding", "in-progress", 4 },
	{ "ended", NULL, 5 },
};
#define SEQUENCE_REPORT 6

/*
 * Vapi sends the static secret in x-vapi-secret, a Bearer credential in its
 * header, or, with an HMAC credential, a signature and a timestamp in
 * theirs (providers.md §1.8, §8); the integration says which, and names
 * the headers.
 */
static enum ct_err
vapi_verify(const struct ct_request *req, const struct ct_integration *in)
{
	switch (in->vapi_auth) {
	case CT_VAPI_HMAC:
		return ct_sig_vapi_hmac(&in->hmac, req->body, req->body_len,
		    ct_http_header(req, in->hmac_signature_header),
		    ct_http_header(req, in->hmac_timestamp_header),
		    (long long)time(NULL), &in->secrets);
	case CT_VAPI_BEARER:
		return ct_sig_vapi_bearer(ct_http_header(req,
		    in->bearer_header), in->bearer_prefix, &in->secrets);
	case CT_VAPI_SECRET:
		break;
	}
	return ct_sig_vapi_secret(ct_http_header(req, "x-vapi-secret"),
	    &in->secrets);
}

/* The first non-empty string at any of the paths. */
#define FIRST(o, ...) \
	ct_json_first_str((o), (const char *const[]){ __VA_ARGS__, NULL })

/* Refuses the body as malformed, naming its field. */
#define REFUSE(ev, field) \
	do { (ev)->bad_field = (field); return CT_ERR_MALFORMED_BODY; } while (0)

/*
 * The delivery's identity: call id, type, status and timestamp (Vapi sends
 * no event id, §4), hashed to a bounded key; without a timestamp, the
 * bytes themselves.
 */
static void
dedup_key(json_object *msg, const char *id, const char *type,
    const char *status, const char *body, size_t len, char out[80])
{
	json_object *ts = ct_json_path(msg, "timestamp");
	char hash[65], buf[512];
	int n = -1;

	if (ts != NULL)
		n = snprintf(buf, sizeof(buf), "%s%c%s%c%s%c%s", id, 0, type, 0,
		    status ? status : "", 0, json_object_get_string(ts));
	/* An identity too long for buf would be cut, and two that differ
	 * past the cut would be one: those are known by their bytes. */
	if (n < 0 || (size_t)n >= sizeof(buf))
		ct_crypto_sha256_hex(body, len, hash);
	else
		ct_crypto_sha256_hex(buf, (size_t)n, hash);
	snprintf(out, 80, "vapi:%s", hash);
}

static const char *
direction_of(const char *type)
{
	if (type == NULL)
		return NULL;
	if (strcmp(type, "inboundPhoneCall") == 0)
		return "inbound";
	if (strcmp(type, "outboundPhoneCall") == 0)
		return "outbound";
	if (strcmp(type, "webCall") == 0 ||
	    strcmp(type, "vapi.websocketCall") == 0)
		return "web";
	return NULL;
}

/* Per-call metadata: Vapi's Call has none, so it travels in the
 * assistant's (§1.5); the first present is kept. */
static json_object *
metadata_of(json_object *msg)
{
	static const char *const paths[] = { "call.metadata",
	    "call.assistantOverrides.metadata", "assistant.metadata",
	    "call.assistant.metadata" };
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		json_object *m = ct_json_path(msg, paths[i]);

		if (m != NULL && json_object_is_type(m, json_type_object))
			return m;
	}
	return NULL;
}

/* The truthy is_test_call flags of the fixtures README. */
static const char *const test_flags[] = { "call.metadata.is_test_call",
    "call.assistantOverrides.metadata.is_test_call",
    "assistant.metadata.is_test_call", "call.assistant.metadata.is_test_call",
    NULL };

/* Booking-tool invocations in artifact.messages and their results. */
static void
booking_of(json_object *messages, const struct ct_map_ctx *ctx,
    struct ct_booking *b)
{
	size_t i, j, k, n;

	if (messages == NULL || !json_object_is_type(messages, json_type_array))
		return;
	n = json_object_array_length(messages);
	for (i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(messages, i);
		json_object *calls = ct_json_path(m, "toolCalls");
		const char *role = ct_json_path_str(m, "role");

		if (role == NULL || strcmp(role, "tool_calls") != 0 ||
		    calls == NULL || !json_object_is_type(calls,
		    json_type_array))
			continue;
		for (j = 0; j < json_object_array_length(calls); j++) {
			json_object *tc = json_object_array_get_idx(calls, j);
			const char *name = ct_json_path_str(tc, "function.name");
			const char *id = ct_json_path_str(tc, "id");
			const char *result = NULL;

			if (!ct_booking_is_tool(name, ctx->booking_tools,
			    ctx->n_booking_tools))
				continue;
			/* Its result follows it in the same list. */
			for (k = i + 1; id != NULL && k < n && result == NULL;
			    k++) {
				json_object *r = json_object_array_get_idx(
				    messages, k);
				const char *rid = ct_json_path_str(r,
				    "toolCallId");
				json_object *res;

				if (rid == NULL || strcmp(rid, id) != 0)
					continue;
				res = ct_json_path(r, "result");
				/* A result holding a NUL is no text. */
				result = res == NULL ||
				    ct_json_path_has_nul(r, "result") ? NULL :
				    json_object_is_type(res, json_type_string) ?
				    json_object_get_string(res) :
				    json_object_to_json_string_ext(res,
				    JSON_C_TO_STRING_PLAIN);
			}
			ct_booking_add(b, name, id, result, -1);
		}
	}
}

/*
 * The Twilio call of a call Twilio carries (§1.5, §8): call.transport
 * names it (provider "twilio", callSid), the deprecated
 * call.phoneCallProviderId did before, for phoneCallProvider "twilio".
 * Another transport (a web call's "daily", "vapi.sip", Vonage) names
 * none.
 */
static void
twilio_leg(json_object *msg, struct ct_call_event *ev)
{
	const char *transport = ct_json_path_str(msg, "call.transport.provider");
	const char *old = ct_json_path_str(msg, "call.phoneCallProvider");
	const char *sid = NULL;

	if (transport != NULL && strcmp(transport, "twilio") == 0)
		sid = ct_json_path_str(msg, "call.transport.callSid");
	if (sid == NULL && (transport == NULL || strcmp(transport, "twilio") == 0) &&
	    old != NULL && strcmp(old, "twilio") == 0)
		sid = ct_json_path_str(msg, "call.phoneCallProviderId");
	ct_event_link_call_sid(ev, sid);
}

/* What every status-update and report says of the call itself. */
static void
call_fields(json_object *msg, const struct ct_map_ctx *ctx,
    struct ct_call_event *ev)
{
	json_object *meta;
	const char *agent, *dest;

	ev->direction = direction_of(ct_json_path_str(msg, "call.type"));
	agent = FIRST(msg, "phoneNumber.number", "call.phoneNumber.number");
	ct_event_numbers(ev, FIRST(msg, "call.customer.number",
	    "customer.number"), agent, ctx->country);
	ev->customer_name = FIRST(msg, "call.customer.name", "customer.name");
	ev->is_test_call = (ev->direction != NULL &&
	    strcmp(ev->direction, "web") == 0) ||
	    ct_json_any_truthy(msg, test_flags);
	ct_time_iso(FIRST(msg, "startedAt", "call.startedAt"),
	    ev->started_at);
	ct_time_iso(FIRST(msg, "endedAt", "call.endedAt"),
	    ev->ended_at);
	if (ev->started_at[0] != '\0')
		ev->answered = 1;
	/* The assistant: the call names it, or the message carries its
	 * config (§1.2, §1.5); assistantVersion came in 2026-07 (§8). */
	ct_event_set_agent(ev, FIRST(msg, "call.assistantId", "assistant.id",
	    "call.assistant.id"), FIRST(msg, "assistant.name",
	    "call.assistant.name"), ct_json_path(msg, "assistantVersion") ?
	    ct_json_path(msg, "assistantVersion") :
	    ct_json_path(msg, "call.assistantVersion"));
	dest = FIRST(msg, "destination.number", "destination.sipUri", "call.destination.number");
	ev->transfer_destination = dest;
	twilio_leg(msg, ev);
	/* jsonb refuses \u0000: metadata holding one is dropped. */
	if ((meta = metadata_of(msg)) != NULL && !ct_json_holds_nul(meta))
		ev->metadata = strdup(json_object_to_json_string_ext(meta,
		    JSON_C_TO_STRING_PLAIN));
}

/*
 * The analysis: structuredData's keys at the top level, the other parts
 * under names of their own (§1.6, §8); and the success evaluation read on
 * the assistant's rubric.
 */
static void
analysis_fields(json_object *msg, struct ct_call_event *ev)
{
	const struct ct_analysis_part parts[] = {
		{ NULL, ct_json_path(msg, "analysis.structuredData") },
		{ "structuredDataMulti",
		    ct_json_path(msg, "analysis.structuredDataMulti") },
		{ "structuredOutputs",
		    ct_json_path(msg, "artifact.structuredOutputs") },
		{ "scorecards", ct_json_path(msg, "artifact.scorecards") },
	};
	const char *rubric = FIRST(msg,
	    "assistant.analysisPlan.successEvaluationPlan.rubric",
	    "assistant.analysisPlan.successEvaluationRubric",
	    "call.assistant.analysisPlan.successEvaluationPlan.rubric",
	    "call.assistant.analysisPlan.successEvaluationRubric");
	const char *why;

	ev->analysis = ct_analysis_build(parts, sizeof(parts) /
	    sizeof(parts[0]), &why);
	if (why != NULL)
		ev->note = why;
	ev->success = ct_success_eval(ct_json_path(msg,
	    "analysis.successEvaluation"), rubric, ev->success_raw);
}

/*
 * The cost by part: the typed costs[] (§8) when the report has them, else
 * the costBreakdown object.
 */
static void
cost_fields(json_object *msg, struct ct_call_event *ev)
{
	struct ct_cost_breakdown b;
	json_object *costs = ct_json_path(msg, "costs");
	json_object *bd;
	size_t i;

	memset(&b, 0, sizeof(b));
	if (costs == NULL)
		costs = ct_json_path(msg, "call.costs");
	if (json_object_is_type(costs, json_type_array)) {
		for (i = 0; i < json_object_array_length(costs); i++) {
			json_object *c = json_object_array_get_idx(costs, i);

			ct_cost_add(&b, "vapi-costs", ct_json_path_str(c, "type"),
			    ct_json_path(c, "cost"), 1);
		}
	}
	if (b.read == 0 && b.dropped == 0) {
		if ((bd = ct_json_path(msg, "costBreakdown")) == NULL)
			bd = ct_json_path(msg, "call.costBreakdown");
		if (json_object_is_type(bd, json_type_object)) {
			json_object_object_foreach(bd, key, v)
				ct_cost_add(&b, "vapi-breakdown", key, v, 1);
		}
	}
	ev->cost_breakdown = ct_cost_json(&b);
	if (b.dropped > 0 && ev->note == NULL)
		ev->note = "a cost part was dropped: not a number, negative "
		    "or over 1e6 USD";
}

/* What only the end-of-call-report carries (§1.6). */
static void
report_fields(json_object *msg, const struct ct_map_ctx *ctx,
    struct ct_call_event *ev)
{
	struct ct_booking booking = { 0, 0, NULL, 0 };
	json_object *messages;
	double v;

	if (ct_json_path_number(msg, "durationSeconds", &v) && v >= 0 &&
	    v < 1e7)
		ev->duration_seconds = llround(v);
	ct_event_default_duration(ev);
	if (ct_json_path_number(msg, "cost", &v) ||
	    ct_json_path_number(msg, "call.cost", &v))
		ct_event_set_cost(ev, v);
	/* The stable URLs of artifact.recording first; recordingUrl is
	 * deprecated, and the presigned URLs expire (§8). */
	ev->recording_url = FIRST(msg, "artifact.recording.mono.combinedUrl",
	    "artifact.recording.stereoUrl", "artifact.recordingUrl",
	    "recordingUrl");
	ev->transcript = FIRST(msg, "artifact.transcript", "transcript");
	ev->summary = FIRST(msg, "analysis.summary", "summary");
	ev->sentiment = ct_event_sentiment(ct_json_path_str(msg,
	    "analysis.structuredData.sentiment"));
	messages = ct_json_path(msg, "artifact.messages");
	if (messages == NULL)
		messages = ct_json_path(msg, "messages");
	analysis_fields(msg, ev);
	cost_fields(msg, ev);
	booking_of(messages, ctx, &booking);
	ct_event_finish(ev, &booking);
	ct_booking_free(&booking);
}

/* Status and end reason from the endedReason (table, else shape). */
static void
ended(json_object *msg, struct ct_call_event *ev)
{
	ct_event_set_end(ev, ct_vapi_reasons, ct_vapi_reasons_n,
	    FIRST(msg, "endedReason", "call.endedReason"));
}

enum ct_err
ct_vapi_map(const char *body, size_t len, const struct ct_map_ctx *ctx,
    struct ct_call_event *ev)
{
	json_object *msg;
	const char *type, *id, *status = NULL;
	size_t i;
	enum ct_err err;

	ct_call_event_init(ev);
	if ((err = ct_json_parse(body, len, &ev->root)) != CT_OK)
		return err;
	msg = ct_json_path(ev->root, "message");
	if (msg == NULL || !json_object_is_type(msg, json_type_object))
		return CT_ERR_MALFORMED_BODY;
	/* What names the call and the delivery holds no NUL (json.h). */
	if (ct_json_path_key(msg, "type", &type) != CT_OK)
		REFUSE(ev, "message.type");
	if (type == NULL || strlen(type) > 100)
		return CT_ERR_MALFORMED_BODY;
	if (ct_json_path_key(msg, "call.id", &id) != CT_OK)
		REFUSE(ev, "message.call.id");
	if (id == NULL || strlen(id) > 200)
		return CT_ERR_MISSING_CALL_ID;
	if (strcmp(type, "status-update") == 0 &&
	    ct_json_path_key(msg, "status", &status) != CT_OK)
		REFUSE(ev, "message.status");
	if (ct_json_path_has_nul(msg, "timestamp"))
		REFUSE(ev, "message.timestamp");
	ev->provider_call_id = id;
	ev->event_type = type;
	dedup_key(msg, id, type, status, body, len, ev->dedup_key);

	if (strcmp(type, "end-of-call-report") == 0) {
		ev->sequence = SEQUENCE_REPORT;
		call_fields(msg, ctx, ev);
		ended(msg, ev);
		report_fields(msg, ctx, ev);
		return CT_OK;
	}
	if (status == NULL) {
		/* transcript, speech-update, conversation-update, tool-calls,
		 * …: kept in the log, the call unchanged (docs/API.md).  So is
		 * hang: the assistant stalled (a slow model, voice or tool),
		 * which is no hang-up, and the call goes on (§8). */
		ev->mode = CT_EVENT_RECORD;
		return CT_OK;
	}
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (strcmp(status, statuses[i].vapi) == 0)
			break;
	if (i == sizeof(statuses) / sizeof(statuses[0])) {
		/* not-found, deletion-failed or a status yet to come: not a
		 * step of the call's life (§1.4). */
		ev->mode = CT_EVENT_RECORD;
		return CT_OK;
	}
	ev->sequence = statuses[i].sequence;
	call_fields(msg, ctx, ev);
	if (statuses[i].status != NULL) {
		ev->status_answered = ev->status_unanswered = statuses[i].status;
		if (statuses[i].sequence >= 3)
			ev->answered = 1;
	} else {
		ended(msg, ev);
	}
	return CT_OK;
}

static enum ct_err
vapi_map(const struct ct_delivery *d, const struct ct_map_ctx *ctx,
    struct ct_call_event *ev)
{
	return ct_vapi_map(d->body, d->body_len, ctx, ev);
}

const struct ct_hook_provider ct_vapi_hook = {
	.provider = CT_PROVIDER_VAPI,
	.route = "/hooks/vapi/",
	.verify = vapi_verify,
	.map = vapi_map,
};
