/*
 * retell.c: Retell authentication and the mapping of call webhooks
 * (providers.md §2) to call events.
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
#include "ingest/retell.h"

/* The first non-empty string at any of the paths. */
#define FIRST(o, ...) \
	ct_json_first_str((o), (const char *const[]){ __VA_ARGS__, NULL })

/* Refuses the body as malformed, naming its field. */
#define REFUSE(ev, field) \
	do { (ev)->bad_field = (field); return CT_ERR_MALFORMED_BODY; } while (0)

/* The events of a call, in order: call_analyzed ⊇ call_ended ⊇
 * call_started (§2.1); a call that never connected has no call_started. */
static const struct {
	const char	*event;
	int		 sequence;
} lifecycle[] = {
	{ "call_started", 1 },
	{ "call_ended", 2 },
	{ "call_analyzed", 3 },
};

/* The transfer events (§2.1, §8): full call data and the destination,
 * while the call is connected; bridged and ended say the transfer
 * happened. */
static const struct {
	const char	*event;
	int		 transferred;
} transfers[] = {
	{ "transfer_started", 0 },
	{ "transfer_bridged", 1 },
	{ "transfer_cancelled", 0 },
	{ "transfer_ended", 1 },
};

/* The truthy is_test_call flags of the fixtures README. */
static const char *const test_flags[] = { "metadata.is_test_call",
    "retell_llm_dynamic_variables.is_test_call", NULL };

/* x-retell-signature: "v=<ms>,d=<hex>" keyed by the API key (§2.6). */
static enum ct_err
retell_verify(const struct ct_request *req, const struct ct_integration *in)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ct_sig_retell(req->body, req->body_len,
	    ct_http_header(req, "x-retell-signature"),
	    (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, &in->secrets);
}

/* Reads a millisecond timestamp at path into out as ISO 8601. */
static void
time_ms(json_object *call, const char *path, char out[CT_TIME_MAX])
{
	double ms;

	if (ct_json_path_number(call, path, &ms) && ms >= 0 && ms < 1e15)
		ct_time_from_ms((long long)ms, out);
}

/* Booking-tool invocations in transcript_with_tool_calls and their
 * results (§2.3), paired by tool_call_id. */
static void
booking_of(json_object *entries, const struct ct_map_ctx *ctx,
    struct ct_booking *b)
{
	size_t i, k, n;

	if (entries == NULL || !json_object_is_type(entries, json_type_array))
		return;
	n = json_object_array_length(entries);
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(entries, i);
		const char *role = ct_json_path_str(e, "role");
		const char *name = ct_json_path_str(e, "name");
		const char *id = ct_json_path_str(e, "tool_call_id");
		const char *content = NULL;
		int successful = -1;

		if (role == NULL || strcmp(role, "tool_call_invocation") != 0 ||
		    !ct_booking_is_tool(name, ctx->booking_tools,
		    ctx->n_booking_tools))
			continue;
		/* Its result follows it in the same list. */
		for (k = i + 1; id != NULL && k < n; k++) {
			json_object *r = json_object_array_get_idx(entries, k);
			const char *rrole = ct_json_path_str(r, "role");
			const char *rid = ct_json_path_str(r, "tool_call_id");

			if (rrole == NULL || strcmp(rrole, "tool_call_result") ||
			    rid == NULL || strcmp(rid, id) != 0)
				continue;
			content = ct_json_path_str(r, "content");
			if (content == NULL)
				content = "";
			successful = ct_json_truthy(ct_json_path(r,
			    "successful"));
			break;
		}
		ct_booking_add(b, name, id, content, successful);
	}
}

/* What every lifecycle event says of the call itself (§2.2). */
static void
call_fields(json_object *call, const struct ct_map_ctx *ctx,
    struct ct_call_event *ev)
{
	const char *type = ct_json_path_str(call, "call_type");
	const char *dir = ct_json_path_str(call, "direction");
	const char *from = ct_json_path_str(call, "from_number");
	const char *to = ct_json_path_str(call, "to_number");
	const char *dest, *status;
	json_object *meta;
	int web = type != NULL && strcmp(type, "web_call") == 0;

	if (web)
		ev->direction = "web";
	else if (dir != NULL && strcmp(dir, "inbound") == 0)
		ev->direction = "inbound";
	else if (dir != NULL && strcmp(dir, "outbound") == 0)
		ev->direction = "outbound";
	/* The customer is the caller on inbound calls, the callee on
	 * outbound ones; the agent is the other leg. */
	if (ev->direction != NULL && strcmp(ev->direction, "inbound") == 0)
		ct_event_numbers(ev, from, to, ctx->country);
	else if (ev->direction != NULL && strcmp(ev->direction, "outbound") == 0)
		ct_event_numbers(ev, to, from, ctx->country);
	/* Retell has no name field: a name is what the business passed in
	 * (fixtures README policy). */
	ev->customer_name = FIRST(call,
	    "retell_llm_dynamic_variables.customer_name",
	    "collected_dynamic_variables.customer_name",
	    "metadata.customer_name");
	ev->is_test_call = web || ct_json_any_truthy(call, test_flags);
	time_ms(call, "start_timestamp", ev->started_at);
	time_ms(call, "end_timestamp", ev->ended_at);
	/* A call that never connected has no start (§2.2, §8), whatever a
	 * timestamp says. */
	if ((status = ct_json_path_str(call, "call_status")) != NULL &&
	    strcmp(status, "not_connected") == 0)
		ev->started_at[0] = '\0';
	if (ev->started_at[0] != '\0')
		ev->answered = 1;
	ct_event_set_agent(ev, ct_json_path_str(call, "agent_id"),
	    ct_json_path_str(call, "agent_name"),
	    ct_json_path(call, "agent_version"));
	if ((dest = ct_json_path_str(call, "transfer_destination")) != NULL)
		ev->transfer_destination = dest;
	/* The Twilio call of a call over Twilio (§2.2, §8). */
	ct_event_link_call_sid(ev, ct_json_path_str(call,
	    "telephony_identifier.twilio_call_sid"));
	/* jsonb refuses \u0000: metadata holding one is dropped. */
	if ((meta = ct_json_path(call, "metadata")) != NULL &&
	    json_object_is_type(meta, json_type_object) &&
	    !ct_json_holds_nul(meta))
		ev->metadata = strdup(json_object_to_json_string_ext(meta,
		    JSON_C_TO_STRING_PLAIN));
}

/* The analysis, success and cost by part of call_analyzed (§2.2, §2.4). */
static void
analysis_fields(json_object *call, struct ct_call_event *ev)
{
	const struct ct_analysis_part parts[] = {
		{ NULL, ct_json_path(call, "call_analysis.custom_analysis_data") },
	};
	struct ct_cost_breakdown b;
	json_object *costs;
	const char *why;
	size_t i;

	ev->analysis = ct_analysis_build(parts, 1, &why);
	if (why != NULL)
		ev->note = why;
	ev->success = ct_success_eval(ct_json_path(call,
	    "call_analysis.call_successful"), NULL, ev->success_raw);
	memset(&b, 0, sizeof(b));
	costs = ct_json_path(call, "call_cost.product_costs");
	for (i = 0; json_object_is_type(costs, json_type_array) &&
	    i < json_object_array_length(costs); i++) {
		json_object *c = json_object_array_get_idx(costs, i);

		/* Cents (§2.2). */
		ct_cost_add(&b, "retell", ct_json_path_str(c, "product"),
		    ct_json_path(c, "cost"), 0.01);
	}
	ev->cost_breakdown = ct_cost_json(&b);
	if (b.dropped > 0 && ev->note == NULL)
		ev->note = "a cost part was dropped: not a number, negative "
		    "or over 1e6 USD";
}

/* What call_ended and call_analyzed add: the end, the recording, the
 * transcript with its tool calls, cost, and (analyzed) the analysis. */
static void
ended_fields(json_object *call, const struct ct_map_ctx *ctx,
    struct ct_call_event *ev)
{
	struct ct_booking booking = { 0, 0, NULL, 0 };
	double v;

	ct_event_set_end(ev, ct_retell_reasons, ct_retell_reasons_n,
	    ct_json_path_str(call, "disconnection_reason"));
	if (ct_json_path_number(call, "duration_ms", &v) && v >= 0 && v < 1e10)
		ev->duration_seconds = llround(v / 1000.0);
	if (ev->started_at[0] == '\0')
		ev->duration_seconds = 0;	/* never connected */
	ct_event_default_duration(ev);
	/* Retell reports cents (§2.2). */
	if (ct_json_path_number(call, "call_cost.combined_cost", &v))
		ct_event_set_cost(ev, v / 100.0);
	ev->recording_url = ct_json_path_str(call, "recording_url");
	ev->transcript = ct_json_path_str(call, "transcript");
	ev->summary = ct_json_path_str(call, "call_analysis.call_summary");
	ev->sentiment = ct_event_sentiment(ct_json_path_str(call,
	    "call_analysis.user_sentiment"));
	analysis_fields(call, ev);
	booking_of(ct_json_path(call, "transcript_with_tool_calls"), ctx,
	    &booking);
	ct_event_finish(ev, &booking);
	ct_booking_free(&booking);
}

enum ct_err
ct_retell_map(const char *body, size_t len, const struct ct_map_ctx *ctx,
    struct ct_call_event *ev)
{
	json_object *call;
	const char *event, *id, *status;
	char buf[320], hash[65];
	size_t i;
	int n;
	enum ct_err err;

	ct_call_event_init(ev);
	if ((err = ct_json_parse(body, len, &ev->root)) != CT_OK)
		return err;
	/* What names the call and the delivery holds no NUL (json.h). */
	if (ct_json_path_key(ev->root, "event", &event) != CT_OK)
		REFUSE(ev, "event");
	if (event != NULL && strncmp(event, "chat_", 5) == 0 &&
	    strlen(event) <= 100) {
		/* A chat agent's events carry a chat, not a call (§2.1, §8):
		 * kept in the log under the chat's id, and nothing more. */
		if (ct_json_path_key(ev->root, "chat.chat_id", &id) != CT_OK)
			REFUSE(ev, "chat.chat_id");
		if (id == NULL || strlen(id) > 200)
			return CT_ERR_MISSING_CALL_ID;
		ev->provider_call_id = id;
		ev->event_type = event;
		ct_crypto_sha256_hex(body, len, hash);
		snprintf(ev->dedup_key, sizeof(ev->dedup_key), "retell:%s", hash);
		ev->mode = CT_EVENT_RECORD;
		return CT_OK;
	}
	call = ct_json_path(ev->root, "call");
	if (event == NULL || strlen(event) > 100 || call == NULL ||
	    !json_object_is_type(call, json_type_object))
		return CT_ERR_MALFORMED_BODY;
	if (ct_json_path_key(call, "call_id", &id) != CT_OK)
		REFUSE(ev, "call.call_id");
	if (id == NULL || strlen(id) > 200)
		return CT_ERR_MISSING_CALL_ID;
	ev->provider_call_id = id;
	ev->event_type = event;
	for (i = 0; i < sizeof(lifecycle) / sizeof(lifecycle[0]); i++)
		if (strcmp(event, lifecycle[i].event) == 0)
			break;
	if (i == sizeof(lifecycle) / sizeof(lifecycle[0])) {
		/* transcript_updated (many per call), transfer_* (a call may
		 * be transferred more than once), …: known by their bytes. */
		ct_crypto_sha256_hex(body, len, hash);
		snprintf(ev->dedup_key, sizeof(ev->dedup_key), "retell:%s", hash);
		for (i = 0; i < sizeof(transfers) / sizeof(transfers[0]); i++)
			if (strcmp(event, transfers[i].event) == 0)
				break;
		if (i == sizeof(transfers) / sizeof(transfers[0])) {
			/* Kept in the log, the call unchanged. */
			ev->mode = CT_EVENT_RECORD;
			return CT_OK;
		}
		/* A transfer: the call is connected, and marked transferred
		 * once one is bridged.  Ranked with call_started, so that a
		 * late one changes nothing an ended call says. */
		ev->sequence = lifecycle[0].sequence;
		call_fields(call, ctx, ev);
		ev->status_answered = ev->status_unanswered = "in-progress";
		ev->answered = 1;
		ev->transferred = transfers[i].transferred;
		return CT_OK;
	}
	/* One of each lifecycle event per call: (call_id, event) is its
	 * identity, whatever a retry changes (§4). */
	n = snprintf(buf, sizeof(buf), "%s%c%s", id, 0, event);
	ct_crypto_sha256_hex(buf, (size_t)n, hash);
	snprintf(ev->dedup_key, sizeof(ev->dedup_key), "retell:%s", hash);
	ev->sequence = lifecycle[i].sequence;
	call_fields(call, ctx, ev);
	if (lifecycle[i].sequence == 1) {
		status = ct_json_path_str(call, "call_status");
		if (status != NULL && strcmp(status, "registered") == 0) {
			ev->status_answered = ev->status_unanswered = "queued";
		} else {
			ev->status_answered = ev->status_unanswered =
			    "in-progress";
			ev->answered = 1;
		}
		return CT_OK;
	}
	ended_fields(call, ctx, ev);
	return CT_OK;
}

static enum ct_err
retell_map(const struct ct_delivery *d, const struct ct_map_ctx *ctx,
    struct ct_call_event *ev)
{
	return ct_retell_map(d->body, d->body_len, ctx, ev);
}

const struct ct_hook_provider ct_retell_hook = {
	.provider = CT_PROVIDER_RETELL,
	.route = "/hooks/retell/",
	.verify = retell_verify,
	.map = retell_map,
};
