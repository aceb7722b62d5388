#!/usr/bin/env bats
# Agents, analysis, success and cost by part end to end (docs/API.md
# "Agents, analysis and the whole call"): the fixtures' calls through the
# webhooks, then GET /api/calls, /api/calls/<id>, /api/stats and
# /api/agents through nginx.

load helpers
load manifest

VAPI_CALL=019b9a10-4c2e-7f31-9d5a-2e8b4f6a1c73
RETELL_CALL=call_5b7d9f1a3c5e7a9b1d3f5a7c9e2
VAPI_AGENT=6a2e9c41-7d3b-4f85-b0a6-1c9e4d2f8b57
RETELL_AGENT=agent_7e1a3c5b9d2f4a6c8e0b1d3f5a

setup_file() {
	make_fixture_org
	replay_provider vapi >/dev/null
	replay_provider retell >/dev/null
	replay_provider twilio >/dev/null
}

# GET with the org's token; extra arguments are query parameters, each
# URL-encoded.
get() {	# PATH [name=value ...]
	local path=$1 a=()
	shift
	for kv in "$@"; do a+=(--data-urlencode "$kv"); done
	req GET "$path" -G -H "Authorization: Bearer $TOKEN" "${a[@]}"
}
ids() { jq -r '[.calls[].provider_call_id] | sort | join(",")' <<<"$BODY"; }
call_id() {	# PROVIDER-CALL-ID: the call's id
	psql -X -At -c "SELECT id FROM calls WHERE org_id = '$ORG' AND provider_call_id = '$1'"
}
RANGE=(from=2025-01-01 to=2027-01-01 include_test=true)

@test "every call item carries its agent or null, and agent= filters the list" {
	get /api/calls limit=100 include_test=true
	expect 200
	[ "$(jq -r --arg id "$RETELL_CALL" '.calls[] | select(.provider_call_id == $id) | .agent | "\(.id) \(.name) \(.version)"' <<<"$BODY")" = \
	    "$RETELL_AGENT Harbor Auto Care Outbound 3" ]
	[ "$(jq -r --arg id "$VAPI_CALL" '.calls[] | select(.provider_call_id == $id) | .agent.version' <<<"$BODY")" = v12 ]
	# Twilio names no agent.
	[ "$(jq '[.calls[] | select(.provider == "twilio") | .agent] | unique' <<<"$BODY")" = '[
  null
]' ]
	get /api/calls agent="$RETELL_AGENT" include_test=true
	expect 200
	[ "$(ids)" = "$RETELL_CALL" ]
	[ "$(jq -r .total <<<"$BODY")" = 1 ]
	get /api/calls agent="$RETELL_AGENT,$VAPI_AGENT" include_test=true limit=100
	[ "$(jq '[.calls[].agent.id] | unique | length' <<<"$BODY")" = 2 ]
	[ "$(jq -r .total <<<"$BODY")" = "$(jq '.calls | length' <<<"$BODY")" ]
	get /api/calls agent=nobody
	expect 200
	[ "$(jq -r .total <<<"$BODY")" = 0 ]
	get /api/calls "agent=a,,b"
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = agent ]
	get /api/calls "agent=x'y"
	expect 400 invalid_parameter
}

@test "success= filters the list; each item says its success" {
	get /api/calls success=false include_test=true limit=100
	expect 200
	[[ ",$(ids)," == *",$RETELL_CALL,"* ]]
	[ "$(jq '[.calls[].success] | unique' <<<"$BODY" | tr -d ' \n')" = '[false]' ]
	get /api/calls success=true include_test=true limit=100
	[[ ",$(ids)," == *",$VAPI_CALL,"* ]]
	[ "$(jq '[.calls[].success] | unique' <<<"$BODY" | tr -d ' \n')" = '[true]' ]
	[ "$(jq -r .total <<<"$BODY")" = "$(jq '.calls | length' <<<"$BODY")" ]
	get /api/calls success=maybe
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = success ]
}

@test "analysis.<key>=<value> matches a top-level key exactly, up to three at once" {
	get /api/calls analysis.urgency=high include_test=true
	expect 200
	[ "$(ids)" = "$VAPI_CALL,$RETELL_CALL" ]
	[ "$(jq -r .total <<<"$BODY")" = 2 ]
	get /api/calls analysis.urgency=high analysis.service=whitening include_test=true
	[ "$(ids)" = "$VAPI_CALL" ]
	# Numbers and booleans match as JSON writes them.
	get /api/calls analysis.score=8 include_test=true
	[ "$(ids)" = "$VAPI_CALL" ]
	get /api/calls analysis.callback_requested=false include_test=true
	[ "$(ids)" = "$RETELL_CALL" ]
	# Exact: no prefix, no case folding, nothing nested.
	get /api/calls analysis.urgency=hig include_test=true
	[ "$(jq -r .total <<<"$BODY")" = 0 ]
	get /api/calls analysis.urgency=HIGH include_test=true
	[ "$(jq -r .total <<<"$BODY")" = 0 ]
	get /api/calls analysis.quality=92 include_test=true
	[ "$(jq -r .total <<<"$BODY")" = 0 ]
	get /api/calls analysis.urgency=high analysis.service=whitening analysis.score=8 include_test=true
	expect 200
	[ "$(ids)" = "$VAPI_CALL" ]
	# The export takes the same filters.
	get /api/calls format=csv analysis.urgency=high agent="$RETELL_AGENT" success=false include_test=true
	expect 200
	[ "$(tail -n +2 <<<"$BODY" | cut -d, -f1 | tr -d "\r")" = "$(call_id "$RETELL_CALL")" ]
	[ "$(tail -n +2 <<<"$BODY" | grep -c .)" = 1 ]
	get /api/calls analysis.urgency=high analysis.service=whitening analysis.score=8 analysis.new_patient=true
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = analysis ]
	get /api/calls analysis.bad-key=x
	expect 400 invalid_parameter
	get /api/calls "analysis.$(head -c 65 /dev/zero | tr '\0' k)=x"
	expect 400 invalid_parameter
	get /api/calls "analysis.urgency=$(head -c 201 /dev/zero | tr '\0' v)"
	expect 400 invalid_parameter
	get /api/calls "analysis.urgency="
	expect 400 invalid_parameter
}

@test "the detail carries agent, analysis, success, success_raw and cost by part" {
	get "/api/calls/$(call_id "$VAPI_CALL")"
	expect 200
	[ "$(jq -r .analysis.urgency <<<"$BODY")" = high ]
	[ "$(jq -r '.analysis.structuredOutputs["5f0c2a9e-8b1d-4e7a-9c3f-1a2b3c4d5e6f"].result' <<<"$BODY")" = book ]
	[ "$(jq -r .analysis.scorecards.quality.score <<<"$BODY")" = 92 ]
	[ "$(jq -r '"\(.success) \(.success_raw)"' <<<"$BODY")" = "true 8" ]
	[ "$(jq -r '.cost_breakdown | "\(.transport) \(.stt) \(.llm) \(.tts) \(.platform) \(.other)"' <<<"$BODY")" = \
	    "0.0196 0.0174 0.0239 0.0478 0.1086 0.002" ]
	[ "$(jq -r .agent.name <<<"$BODY")" = "Ava - Brightside Dental" ]
	get "/api/calls/$(call_id "$RETELL_CALL")"
	[ "$(jq -r '"\(.success) \(.success_raw)"' <<<"$BODY")" = "false false" ]
	# Cents in, dollars out.
	[ "$(jq -r .cost_breakdown.tts <<<"$BODY")" = 0.03384 ]
	[ "$(jq -r .cost_breakdown.transport <<<"$BODY")" = 0.014 ]
	get "/api/calls/$(call_id call_7d9f1b3c5e7a9c1e3b5d7f9a1c4)"
	[ "$(jq -r '"\(.transferred) \(.transfer_destination)"' <<<"$BODY")" = "true +14155550199" ]
}

@test "a later analysis adds keys, replaces values and never erases one" {
	local f=$BATS_FILE_TMPDIR/later.json
	# Another report of the call (a later timestamp: another delivery).
	jq '.message.timestamp += 1000 | .message.analysis.structuredData = {"urgency": "low", "follow_up": "sms"}' \
	    "$FIX/vapi/analysis-costs.end-of-call-report.json" >"$f"
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary @"$f"
	expect 200
	[ "$(jq -r .outcome <<<"$BODY")" = applied ]
	get "/api/calls/$(call_id "$VAPI_CALL")"
	[ "$(jq -c '.analysis | {urgency, follow_up, service, score}' <<<"$BODY")" = \
	    '{"urgency":"low","follow_up":"sms","service":"whitening","score":8}' ]
	# The filter follows the merged analysis.
	get /api/calls analysis.urgency=low include_test=true
	[ "$(ids)" = "$VAPI_CALL" ]
	get /api/calls analysis.urgency=high include_test=true
	[ "$(ids)" = "$RETELL_CALL" ]
}

@test "GET /api/agents lists every agent the org's calls name" {
	get /api/agents include_test=true
	expect 200
	[ "$(jq -r --arg a "$RETELL_AGENT" '.agents[] | select(.id == $a) | "\(.name) \(.version) \(.provider) \(.calls)"' <<<"$BODY")" = \
	    "Harbor Auto Care Outbound 3 retell 1" ]
	[ "$(jq -r --arg a "$VAPI_AGENT" '.agents[] | select(.id == $a) | .provider' <<<"$BODY")" = vapi ]
	[ "$(jq -r --arg a "$VAPI_AGENT" '.agents[] | select(.id == $a) | .last_call_at | test("^20[0-9-]+T[0-9:.]+Z$")' <<<"$BODY")" = true ]
	# The calls of every agent add up to the calls that name one.
	[ "$(jq '[.agents[].calls] | add' <<<"$BODY")" = \
	    "$(psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$ORG' AND agent_id IS NOT NULL")" ]
	# Test calls only when asked: the websocket call's assistant is counted once less.
	local with without
	with=$(jq --arg a "$VAPI_AGENT" '.agents[] | select(.id == $a) | .calls' <<<"$BODY")
	get /api/agents
	without=$(jq --arg a "$VAPI_AGENT" '.agents[] | select(.id == $a) | .calls' <<<"$BODY")
	[ "$without" -lt "$with" ]
	get /api/agents include_test=maybe
	expect 400 invalid_parameter
	req GET /api/agents
	expect 401
}

@test "stats: funnel and cost by part always, by_agent with group_by=agent, agent= filters" {
	get /api/stats "${RANGE[@]}"
	expect 200
	[ "$(jq '.funnel.calls == .total_calls and .funnel.answered == .answered_calls
	    and .funnel.booking_attempted == .booking.confirmed + .booking.attempted_failed
	    and .funnel.confirmed == .booking.confirmed' <<<"$BODY")" = true ]
	[ "$(jq '.funnel.calls >= .funnel.answered and .funnel.answered >= .funnel.booking_attempted
	    and .funnel.booking_attempted >= .funnel.confirmed and .funnel.confirmed > 0' <<<"$BODY")" = true ]
	[ "$(jq 'has("by_agent")' <<<"$BODY")" = false ]
	# The cost by part is the sum of every call's parts.
	[ "$(jq -r '.cost_by_part.tts' <<<"$BODY")" = \
	    "$(psql -X -At -c "SELECT round(sum((cost_breakdown->>'tts')::numeric), 6)::float8 FROM calls WHERE org_id = '$ORG'")" ]
	local all=$BODY
	get /api/stats "${RANGE[@]}" group_by=agent
	expect 200
	[ "$(jq --arg a "$RETELL_AGENT" '.by_agent[] | select(.agent.id == $a) |
	    .calls == 1 and .answered_calls == 1 and .booking.not_requested == 1
	    and .success_rate == 0 and .agent.name == "Harbor Auto Care Outbound"' <<<"$BODY")" = true ]
	[ "$(jq --arg a "$VAPI_AGENT" '.by_agent[] | select(.agent.id == $a) | .success_rate > 0' <<<"$BODY")" = true ]
	# by_agent's calls add up to the calls that name an agent.
	[ "$(jq '[.by_agent[].calls] | add' <<<"$BODY")" = \
	    "$(psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$ORG' AND agent_id IS NOT NULL")" ]
	# One agent's stats are its row of by_agent.
	local row
	row=$(jq -c --arg a "$RETELL_AGENT" '.by_agent[] | select(.agent.id == $a)' <<<"$BODY")
	get /api/stats "${RANGE[@]}" agent="$RETELL_AGENT"
	expect 200
	[ "$(jq -r .total_calls <<<"$BODY")" = "$(jq -r .calls <<<"$row")" ]
	[ "$(jq -r .booking.not_requested <<<"$BODY")" = "$(jq -r .booking.not_requested <<<"$row")" ]
	[ "$(jq -r .cost_by_part.tts <<<"$BODY")" = 0.03384 ]
	[ "$(jq -r .total_calls <<<"$BODY")" -lt "$(jq -r .total_calls <<<"$all")" ]
	# Counted from calls (another zone) or from the rollup, the same.
	local rolled live
	get /api/stats "${RANGE[@]}" group_by=agent
	rolled=$(jq -c '[.by_agent[] | {id: .agent.id, calls, answered_calls, booking, success_rate}]' <<<"$BODY")
	get /api/stats "${RANGE[@]}" group_by=agent tz=Pacific/Kiritimati
	live=$(jq -c '[.by_agent[] | {id: .agent.id, calls, answered_calls, booking, success_rate}]' <<<"$BODY")
	[ "$rolled" = "$live" ]
	get /api/stats group_by=contact
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = group_by ]
	get /api/stats agent=
	expect 400 invalid_parameter
}
