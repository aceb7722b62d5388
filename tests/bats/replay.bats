#!/usr/bin/env bats
# The raw log is complete: an org's calls and contacts rebuilt from its
# call_events alone (calltrack-admin replay), with the sessions the
# agent's backend stored, equal the live ones, apart from the times of
# the writes themselves (the calls of two legs folded as they were, each
# with its legs); replay repairs parked events once the code can apply
# them, and replaying twice changes nothing.

load helpers
load manifest

setup_file() {
	make_fixture_org
	replay_provider vapi >/dev/null
	replay_provider retell >/dev/null
	replay_provider twilio >/dev/null
	replay_legs >/dev/null
}

# The fixtures' calls are another suite's to replay next.
teardown_file() {
	forget_legs
}

# Statement by statement (from standard input, not -c): a Citus cluster
# takes no DDL in a string of several commands.
sql() { psql -X -q -v ON_ERROR_STOP=1 -At -f - <<<"$1"; }

# The org's calls and contacts without their ids and write times, in a
# stable order, as text.
snapshot() {
	sql "SELECT string_agg(x::text, E'\n' ORDER BY x::text) FROM (
	       SELECT c.provider, c.provider_call_id, c.integration_id, c.direction, c.status,
	              c.status_source, c.ended_reason, c.end_call_reason, c.phone_number, c.phone_raw,
	              c.agent_number, k.phone AS contact_phone, k.name AS contact_name,
	              c.is_test_call, c.started_at, c.ended_at, c.duration_seconds, c.cost,
	              c.recording_url, c.transcript, c.summary, c.sentiment, c.booking_status,
	              c.booking_evidence, c.lead_score, c.metadata, c.provider_sequence,
	              c.transfer_destination, c.lead_reasons, c.agent_id, c.agent_name, c.agent_version,
	              c.analysis, c.success, c.success_raw, c.cost_breakdown, c.transferred,
	              c.final_report_at IS NOT NULL AS final_report,
	              (SELECT a.score FROM hot_lead_alerts a WHERE a.org_id = c.org_id AND a.call_id = c.id) AS alert,
	              (SELECT string_agg(l.provider || ':' || l.provider_call_id || ':' || (l.seen_at IS NOT NULL)
	                                 || ':' || COALESCE(l.sequence::text, '-'), ',' ORDER BY l.provider, l.provider_call_id)
	                 FROM call_legs l WHERE l.org_id = c.org_id AND l.call_id = c.id) AS legs,
	              (SELECT string_agg(s.provider || ':' || s.synced_to_dashboard, ',')
	                 FROM call_sessions s WHERE s.org_id = c.org_id AND s.call_id = c.id) AS sessions
	         FROM calls c LEFT JOIN contacts k ON k.org_id = c.org_id AND k.id = c.contact_id
	        WHERE c.org_id = '$ORG') x"
}
contacts() {
	sql "SELECT string_agg(x::text, E'\n' ORDER BY x::text) FROM (
	       SELECT phone, name, name_source, lead_status, lead_score FROM contacts
	        WHERE org_id = '$ORG') x"
}

@test "rebuild check: calls and contacts rebuilt from call_events alone equal the live ones" {
	local before_calls before_contacts n
	before_calls=$(snapshot)
	before_contacts=$(contacts)
	n=$(sql "SELECT count(*) FROM calls WHERE org_id = '$ORG'")
	[ "$n" -gt 10 ]
	# Twilio's callbacks and the agent's webhooks made one call here.
	[ "$(sql "SELECT count(*) FROM call_events e JOIN call_legs l ON l.org_id = e.org_id
	    AND l.call_id = e.call_id AND l.provider = 'retell'
	    WHERE e.org_id = '$ORG' AND e.provider = 'twilio'")" -gt 0 ]
	# Everything but the raw log goes, and the sessions the agent's
	# backend stored (its input, as the events are the providers') wait
	# for their calls again.
	sql "UPDATE call_events SET call_id = NULL WHERE org_id = '$ORG';
	     DELETE FROM hot_lead_alerts WHERE org_id = '$ORG';
	     UPDATE call_sessions SET call_id = NULL, synced_to_dashboard = false WHERE org_id = '$ORG';
	     DELETE FROM calls WHERE org_id = '$ORG';
	     DELETE FROM contacts WHERE org_id = '$ORG';" >/dev/null
	[ "$(sql "SELECT count(*) FROM calls WHERE org_id = '$ORG'")" = 0 ]
	[ "$(sql "SELECT count(*) FROM call_legs WHERE org_id = '$ORG'")" = 0 ]
	run "$CALLTRACK_ADMIN" replay --org "$ORG"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(sql "SELECT count(*) FROM calls WHERE org_id = '$ORG'")" = "$n" ]
	diff <(echo "$before_calls") <(snapshot)
	diff <(echo "$before_contacts") <(contacts)
	# Every event is linked to its call again.
	[ "$(sql "SELECT count(*) FROM call_events WHERE org_id = '$ORG' AND call_id IS NULL")" = 0 ]
	# And once more: the same.
	run "$CALLTRACK_ADMIN" replay --org "$ORG"
	[ "$status" -eq 0 ]
	diff <(echo "$before_calls") <(snapshot)
}

@test "replay --parked: a parked event applies once the code can take it; its row and time stay" {
	local reason id at
	reason=$(printf 'x%.0s' $(seq 250))
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' -H "x-vapi-secret: $VAPI_SECRET" \
	    --data "{\"message\":{\"type\":\"end-of-call-report\",\"endedReason\":\"$reason\",\"call\":{\"id\":\"parked-1\"}}}"
	expect 202
	[ "$(jq -r .outcome <<<"$BODY")" = parked ]
	read -r id at < <(sql "SELECT id, received_at FROM call_events WHERE org_id = '$ORG'
	    AND provider_call_id = 'parked-1'" | tr '|' ' ')
	# Nothing can apply it yet: it stays parked.
	run "$CALLTRACK_ADMIN" replay --parked
	[[ "$output" == *"applied 0, parked "* ]]
	[ "$(sql "SELECT outcome FROM call_events WHERE org_id = '$ORG' AND id = $id")" = parked ]
	# The fix: end codes up to 300 characters.
	sql "ALTER TABLE calls DROP CONSTRAINT calls_ended_reason_check;
	     ALTER TABLE calls ADD CONSTRAINT calls_ended_reason_check CHECK (length(ended_reason) <= 300)" >/dev/null
	run "$CALLTRACK_ADMIN" replay --parked
	echo "$output"
	[[ "$output" == *"applied 1,"* ]] || [[ "$output" == *"applied "[1-9]* ]]
	[ "$(sql "SELECT outcome || ' ' || (error IS NULL) FROM call_events WHERE org_id = '$ORG' AND id = $id")" = "applied true" ]
	[ "$(sql "SELECT received_at FROM call_events WHERE org_id = '$ORG' AND id = $id")" = "$at" ]
	[ "$(sql "SELECT length(ended_reason) FROM calls WHERE org_id = '$ORG' AND provider_call_id = 'parked-1'")" = 250 ]
	# One call's events.
	local call
	call=$(sql "SELECT id FROM calls WHERE org_id = '$ORG' AND provider_call_id = 'parked-1'")
	run "$CALLTRACK_ADMIN" replay --call "$call"
	[ "$status" -eq 0 ]
	[ "$output" = "replayed 1: applied 1, parked 0; failed 0" ]
	# The schema as it was, for the other suites.
	sql "DELETE FROM hot_lead_alerts WHERE org_id = '$ORG' AND call_id = '$call';
	     UPDATE call_events SET call_id = NULL WHERE org_id = '$ORG' AND call_id = '$call';
	     DELETE FROM calls WHERE org_id = '$ORG' AND id = '$call';
	     ALTER TABLE calls DROP CONSTRAINT calls_ended_reason_check;
	     ALTER TABLE calls ADD CONSTRAINT calls_ended_reason_check CHECK (length(ended_reason) <= 200)" >/dev/null
}
