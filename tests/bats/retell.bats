#!/usr/bin/env bats
# retell-hook end to end: nginx → retell-hook → PostgreSQL, signatures
# computed at send time, checked in the database.

load helpers
load manifest

setup_file() {
	make_fixture_org
}

# Sends a Retell body (a file), signed now with the API key unless told.
retell() {	# FILE [SIGNATURE-HEADER-VALUE]
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' \
	    -H "x-retell-signature: ${2:-$(retell_sig "$1")}" --data-binary @"$1"
}

# Writes FILE with its call id replaced, into the test's directory.
variant() {	# FILE NEW-ID [SED-EXPRESSION]
	local out=$BATS_FILE_TMPDIR/$2.$(basename "$1")
	sed -e "s/call_[0-9a-f]\{27\}/$2/g" ${3:+-e "$3"} "$1" >"$out"
	echo "$out"
}

state() { call_state retell "$1"; }
field() { jq -r ".$2" <<<"$(state "$1")"; }
R=$CALLTRACK_FIXTURES/retell

@test "every Retell scenario of the manifest, each delivery sent twice, lands as expected" {
	replay_provider retell
	check_provider retell
}

@test "call_analyzed before call_ended, and call_started last, end the same" {
	local a e s
	s=$(variant "$R/booking-succeeded.1.call_started.json" order-1)
	e=$(variant "$R/booking-succeeded.2.call_ended.json" order-1)
	a=$(variant "$R/booking-succeeded.3.call_analyzed.json" order-1)
	retell "$a"; expect 200
	retell "$e"; expect 200
	retell "$s"; expect 200
	[ "$(field order-1 status)" = completed ]
	[ "$(field order-1 booking_status)" = confirmed ]
	[ "$(field order-1 sentiment)" = positive ]		# only call_analyzed has it
	[ "$(field order-1 summary_present)" = true ]
	[ "$(field order-1 duration_seconds)" = 29 ]
}

@test "a stale, a tampered and a wrongly keyed delivery are refused and kept" {
	local f=$R/voicemail.2.call_ended.json ts
	ts=$(( $(date +%s%3N) - 600000 ))
	retell "$f" "$(retell_sig "$f" "$RETELL_KEY" "$ts")"
	expect 401 stale_timestamp
	# Tampered: signed without the final newline, sent whole.
	head -c -1 "$f" >"$BATS_FILE_TMPDIR/cut.json"
	retell "$f" "$(retell_sig "$BATS_FILE_TMPDIR/cut.json")"
	expect 401 invalid_signature
	retell "$f" "$(retell_sig "$f" key_wrong_000000000000000000000000)"
	expect 401 invalid_signature
	run psql -X -At -c "SELECT count(*) FROM rejected_events WHERE integration_id = 'retell-$SUF'
	    AND reason IN ('stale_timestamp', 'invalid_signature')"
	[ "$output" -ge 3 ]
}

@test "the org's other booking tool counts; a tool not on the list does not" {
	local f
	f=$(variant "$R/booking-succeeded.3.call_analyzed.json" svc-1 's/book_appointment/book_service/g')
	retell "$f"; expect 200
	[ "$(field svc-1 booking_status)" = confirmed ]
	f=$(variant "$R/booking-succeeded.3.call_analyzed.json" other-1 's/book_appointment/book_table/g')
	retell "$f"; expect 200
	[ "$(field other-1 booking_status)" = not_requested ]
	# An org with its own tool names (the worker looks the org up again
	# on every request in the test stack).
	psql -X -q -c "UPDATE orgs SET booking_tools = '{book_table}' WHERE id = '$ORG'"
	f=$(variant "$R/booking-succeeded.3.call_analyzed.json" other-2 's/book_appointment/book_table/g')
	retell "$f"; expect 200
	[ "$(field other-2 booking_status)" = confirmed ]
	psql -X -q -c "UPDATE orgs SET booking_tools = DEFAULT WHERE id = '$ORG'"
}

@test "a booking retried until it succeeds is confirmed, with the success as evidence" {
	local body=$BATS_FILE_TMPDIR/retry.json
	jq -c '.call.call_id = "retry-1" | .call.transcript_with_tool_calls = [
	    {"role":"user","content":"Book me for Tuesday"},
	    {"role":"tool_call_invocation","tool_call_id":"t1","name":"book_appointment","arguments":"{}"},
	    {"role":"tool_call_result","tool_call_id":"t1","successful":true,"content":"{\"success\":false,\"error\":\"slot taken\"}"},
	    {"role":"tool_call_invocation","tool_call_id":"t2","name":"book_appointment","arguments":"{}"},
	    {"role":"tool_call_result","tool_call_id":"t2","successful":false,"content":"Error: timeout"},
	    {"role":"tool_call_invocation","tool_call_id":"t3","name":"book_appointment","arguments":"{}"},
	    {"role":"tool_call_result","tool_call_id":"t3","successful":true,"content":"{\"success\":true,\"id\":\"A-1\"}"}]' \
	    "$R/booking-failed.3.call_analyzed.json" >"$body"
	retell "$body"; expect 200
	[ "$(field retry-1 booking_status)" = confirmed ]
	run psql -X -At -c "SELECT booking_evidence->>'tool_call_id' FROM calls
	    WHERE org_id = '$ORG' AND provider_call_id = 'retry-1'"
	[ "$output" = t3 ]
}

@test "a booking whose tool failed reads attempted_failed, never not_requested" {
	local f
	f=$(variant "$R/booking-failed.3.call_analyzed.json" failed-1)
	retell "$f"; expect 200
	[ "$(field failed-1 booking_status)" = attempted_failed ]
	run psql -X -At -c "SELECT booking_evidence->>'successful' FROM calls
	    WHERE org_id = '$ORG' AND provider_call_id = 'failed-1'"
	[ "$output" = false ]
	# An invocation with no result at all is a failed attempt too.
	jq -c '.call.call_id = "noresult-1" | .call.transcript_with_tool_calls = [
	    {"role":"tool_call_invocation","tool_call_id":"t9","name":"book_appointment","arguments":"{}"}]' \
	    "$R/booking-failed.3.call_analyzed.json" >"$BATS_FILE_TMPDIR/nores.json"
	retell "$BATS_FILE_TMPDIR/nores.json"; expect 200
	[ "$(field noresult-1 booking_status)" = attempted_failed ]
}

@test "a call that never connected: no start, duration 0, the status of its reason" {
	local f
	for r in dial_failed:failed dial_busy:busy user_declined:busy invalid_destination:failed; do
		jq -c --arg r "${r%%:*}" '.call.call_id = "nc-" + $r | .call.disconnection_reason = $r' \
		    "$R/outbound-no-answer.1.call_ended.json" >"$BATS_FILE_TMPDIR/nc.json"
		retell "$BATS_FILE_TMPDIR/nc.json"; expect 200
		[ "$(field "nc-${r%%:*}" status)" = "${r#*:}" ]
		[ "$(field "nc-${r%%:*}" duration_seconds)" = 0 ]
		[ "$(field "nc-${r%%:*}" started_at)" = null ]
	done
	# manual_stopped: canceled if never connected, completed if it was.
	jq -c '.call.call_id = "ms-1" | .call.disconnection_reason = "manual_stopped"' \
	    "$R/outbound-no-answer.1.call_ended.json" >"$BATS_FILE_TMPDIR/ms1.json"
	retell "$BATS_FILE_TMPDIR/ms1.json"; expect 200
	[ "$(field ms-1 status)" = canceled ]
	jq -c '.call.call_id = "ms-2" | .call.disconnection_reason = "manual_stopped"' \
	    "$R/no-booking.2.call_ended.json" >"$BATS_FILE_TMPDIR/ms2.json"
	retell "$BATS_FILE_TMPDIR/ms2.json"; expect 200
	[ "$(field ms-2 status)" = completed ]
}

@test "transcript_updated and chat events are recorded and change nothing; late transfer events only mark the transfer" {
	local f before
	f=$(variant "$R/no-booking.2.call_ended.json" tu-1)
	retell "$f"; expect 200
	before=$(state tu-1)
	jq -c '.event = "transcript_updated" | .call.call_id = "tu-1" | .call.disconnection_reason = "dial_failed"' \
	    "$R/no-booking.2.call_ended.json" >"$BATS_FILE_TMPDIR/tu.json"
	retell "$BATS_FILE_TMPDIR/tu.json"; expect 200
	[ "$(jq -r .outcome <<<"$BODY")" = recorded ]
	# A chat agent's events carry a chat, not a call (providers.md §8).
	for e in chat_started chat_ended chat_analyzed; do
		jq -nc --arg e "$e" '{event: $e, chat: {chat_id: "chat_tu-1", chat_status: "ended", agent_id: "agent_x"}}' \
		    >"$BATS_FILE_TMPDIR/chat.json"
		retell "$BATS_FILE_TMPDIR/chat.json"; expect 200
		[ "$(jq -r .outcome <<<"$BODY")" = recorded ]
	done
	[ "$(state tu-1)" = "$before" ]
	run psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$ORG' AND provider_call_id = 'chat_tu-1'"
	[ "$output" = 0 ]
	# Transfer events: the call is marked transferred once one is bridged,
	# and an ended call keeps everything else (they rank with call_started).
	[ "$(field tu-1 transferred)" = false ]
	for e in transfer_started transfer_cancelled transfer_bridged transfer_ended; do
		jq -c --arg e "$e" '.event = $e | .call.call_id = "tu-1" | .call.disconnection_reason = "dial_failed"' \
		    "$R/no-booking.2.call_ended.json" >"$BATS_FILE_TMPDIR/tu.json"
		retell "$BATS_FILE_TMPDIR/tu.json"; expect 200
		[ "$(jq -r .outcome <<<"$BODY")" = applied ]
		[ "$(field tu-1 transferred)" = "$([ "$e" = transfer_bridged ] || [ "$e" = transfer_ended ] && echo true || echo false)" ]
	done
	[ "$(state tu-1 | jq -c 'del(.transferred)')" = "$(jq -c 'del(.transferred)' <<<"$before")" ]
}

@test "cost is read in cents and stored in dollars; Unknown sentiment is none" {
	jq -c '.call.call_id = "cents-1" | .call.call_cost.combined_cost = 123.4
	    | .call.call_analysis.user_sentiment = "Unknown"' \
	    "$R/no-booking.3.call_analyzed.json" >"$BATS_FILE_TMPDIR/c.json"
	retell "$BATS_FILE_TMPDIR/c.json"; expect 200
	[ "$(field cents-1 cost)" = 1.234 ]
	[ "$(field cents-1 sentiment)" = null ]
}
