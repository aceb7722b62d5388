#!/usr/bin/env bats
# Ingestion health (docs/API.md "Ingestion health"), against the real
# stack: every figure of GET /api/ingest from deliveries sent here, the
# deliveries list with each filter and its cursor, a delivery's detail
# (the body for an admin token only), the replay of a parked delivery,
# and one org never seeing another's deliveries or the unknown slugs'.

load helpers

# Statement by statement (from standard input, not -c): a Citus cluster
# takes no DDL in a string of several commands.
sql() { psql -X -q -v ON_ERROR_STOP=1 -At -f - <<<"$1"; }

setup_file() {
	make_fixture_org
	ADMIN_TOKEN=$("$CALLTRACK_ADMIN" token create "$ORG" --label boss --role admin 2>/dev/null)
	VIEWER_TOKEN=$("$CALLTRACK_ADMIN" token create "$ORG" --label reader --role viewer 2>/dev/null)
	ORG2=$("$CALLTRACK_ADMIN" org create "Other org $SUF")
	TOKEN2=$("$CALLTRACK_ADMIN" token create "$ORG2" --label other --role admin 2>/dev/null)
	"$CALLTRACK_ADMIN" integration create "$ORG2" --provider vapi --id "vapi2-$SUF" \
	    --secret "$VAPI_SECRET" >/dev/null
	export ADMIN_TOKEN VIEWER_TOKEN ORG2 TOKEN2
}

# The events parked here wait for a fix no later suite makes: replay.bats
# replays every org's parked events after widening the end code's column,
# and must be able to narrow it again.
teardown_file() {
	sql "DELETE FROM call_events WHERE org_id IN ('$ORG', '$ORG2') AND outcome = 'parked'"
}

# POSTs a Vapi message to SLUG (default this org's), signed unless SECRET
# is given.
vapi() {	# JSON [SLUG [SECRET]]
	req POST "/hooks/vapi/${2:-vapi-$SUF}" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: ${3:-$VAPI_SECRET}" --data "$1"
}
status_update() {	# CALL-ID STATUS [MORE-JSON]
	vapi "{\"message\":{\"type\":\"status-update\",\"status\":\"$2\"${3:+,$3},\"call\":{\"id\":\"$1\"}}}"
}
# An end-of-call-report the mapping parks today: an end code longer than
# calls.ended_reason takes (200 characters).
parkable() {	# CALL-ID
	vapi "{\"message\":{\"type\":\"end-of-call-report\",\"endedReason\":\"$(printf 'x%.0s' $(seq 250))\",\"call\":{\"id\":\"$1\"}}}"
}
api() {	# PATH [TOKEN [curl args...]]
	local path=$1 tok=${2:-$TOKEN}
	shift 2 2>/dev/null || shift
	req GET "$path" -H "Authorization: Bearer $tok" "$@"
}
# The org's integration SLUG in the last GET /api/ingest.
integ() { jq -c --arg i "$1" '.integrations[] | select(.id == $i)' <<<"$BODY"; }
# The id of this org's event of CALL-ID and TYPE, as the list names it.
event_id() {	# CALL-ID TYPE
	echo "e$(sql "SELECT id FROM call_events WHERE org_id = '$ORG' AND provider_call_id = '$1'
	    AND event_type = '$2' ORDER BY id LIMIT 1")"
}

@test "GET /api/ingest: an integration's deliveries by outcome, its rejections by reason, its last delivery and its rejection rate" {
	local spool=$BATS_TEST_TMPDIR/spool body
	status_update ing-1 queued
	expect 200
	[ "$(jq -r .outcome <<<"$BODY")" = applied ]
	status_update ing-1 queued
	[ "$(jq -r .outcome <<<"$BODY")" = duplicate ]
	vapi '{"message":{"type":"transcript","transcript":"hello","call":{"id":"ing-1"}}}'
	[ "$(jq -r .outcome <<<"$BODY")" = recorded ]
	parkable ing-park-1
	expect 202
	[ "$(jq -r .outcome <<<"$BODY")" = parked ]
	# Refused on the org's own slug: the org's business.
	status_update ing-1 ringing
	expect 200
	vapi '{"message":{}}' "vapi-$SUF" wrong
	expect 401 invalid_signature
	vapi '{"message":{}}' "vapi-$SUF" wrong
	expect 401 invalid_signature
	vapi '{"message":{"type":"status-update","call":{"id":"ing-1"}' "vapi-$SUF"
	expect 400 malformed_body
	# A delivery that waited in the spool, drained: one file as the
	# programs write it.
	mkdir -p "$spool"
	body='{"message":{"type":"status-update","status":"queued","call":{"id":"ing-spooled"}}}'
	printf 'calltrack-spool 2\nprovider: vapi\nintegration: vapi-%s\norg: %s\ncontent-type: application/json\nreceived-at: %s\nlength: %d\n\n%s' \
	    "$SUF" "$ORG" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${#body}" "$body" >"$spool/$(date +%s%3N)-1-1.spool"
	# As the drain runs in production: the programs' role.
	CALLTRACK_DB="host=$PGHOST dbname=calltrack user=calltrack_app" \
	    run "$CALLTRACK_ADMIN" spool drain --dir "$spool"
	[ "$output" = "drained 1: applied 1, duplicate 0, parked 0; failed 0; refused 0; left 0" ]

	api /api/ingest
	expect 200
	# ing-1 queued, ringing and the spooled one applied; the transcript
	# recorded; one duplicate; one parked; three refused of eight.
	[ "$(integ "vapi-$SUF" | jq -c '.deliveries')" = \
	    '{"applied":3,"recorded":1,"duplicate":1,"parked":1,"spooled":1}' ]
	[ "$(integ "vapi-$SUF" | jq -c '.rejections')" = '{"invalid_signature":2,"malformed_body":1}' ]
	[ "$(integ "vapi-$SUF" | jq -c '[.rejected, .total, .rejection_rate, .rejections_high, .silent]')" = \
	    '[3,9,0.3333,true,false]' ]
	[ "$(integ "vapi-$SUF" | jq -r .last_delivery_at)" = \
	    "$(sql "SELECT ct_iso(max(at)) FROM (
	        SELECT received_at AS at FROM call_events WHERE org_id = '$ORG' AND integration_id = 'vapi-$SUF'
	        UNION ALL SELECT received_at FROM call_event_duplicates WHERE org_id = '$ORG' AND integration_id = 'vapi-$SUF'
	        UNION ALL SELECT received_at FROM rejected_events WHERE org_id = '$ORG' AND integration_id = 'vapi-$SUF') x")" ]
	# Only what came through the spool is marked so.
	[ "$(sql "SELECT string_agg(provider_call_id, ',') FROM call_events WHERE org_id = '$ORG' AND spooled")" = ing-spooled ]
	# Every integration of the org, each with its figures; one that never
	# delivered is neither silent nor rejecting.
	[ "$(jq -r '[.integrations[].id] | join(" ")' <<<"$BODY")" = \
	    "$(sql "SELECT string_agg(id, ' ' ORDER BY id) FROM integrations WHERE org_id = '$ORG'")" ]
	[ "$(integ "retell-$SUF" | jq -c '[.total, .last_delivery_at, .silent, .rejections_high]')" = '[0,null,false,false]' ]
	[ "$(jq -r '.range.to' <<<"$BODY")" \> "$(jq -r '.range.from' <<<"$BODY")" ]
}

@test "a parked delivery's log line says why it was parked, escaped as every detail is" {
	local log=$CALLTRACK_STACK/log/vapi-hook.log n
	local line="integration=vapi-$SUF event=\"end-of-call-report\" outcome=parked"
	n=$(grep -cF "$line" "$log" || true)
	parkable ing-park-log
	expect 202
	[ "$(jq -r .outcome <<<"$BODY")" = parked ]
	# The reason the event keeps, which has quotes.
	[ "$(sql "SELECT error FROM call_events WHERE org_id = '$ORG'
	    AND provider_call_id = 'ing-park-log'")" = \
	    'new row for relation "calls" violates check constraint "calls_ended_reason_check"' ]
	# The line is written once the answer is sent.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ "$(grep -cF "$line" "$log")" -gt "$n" ] && break
		sleep 0.2
	done
	run grep -F "$line" "$log"
	[ "${#lines[@]}" -eq $((n + 1)) ]
	# Escaped as the log escapes every detail (\x22 for a quote): what a
	# value made the database say never breaks the line's fields.
	[[ "${lines[-1]}" == *' detail="new row for relation \x22calls\x22 violates check constraint \x22calls_ended_reason_check\x22"' ]] ||
	    { echo "${lines[-1]}"; return 1; }
}

@test "GET /api/ingest: an integration that delivered before but nothing in 24 hours is silent; a range takes the figures with it" {
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H "$(twilio_sig "$FIX/twilio/outbound-busy.form" "$TWILIO_PUBLIC_URL")" \
	    --data-binary "@$FIX/twilio/outbound-busy.form"
	expect 200
	api /api/ingest
	[ "$(integ "twilio-$SUF" | jq -c '[.deliveries.applied, .silent]')" = '[1,false]' ]
	# Two days ago.
	sql "UPDATE call_events SET received_at = now() - interval '2 days'
	     WHERE org_id = '$ORG' AND integration_id = 'twilio-$SUF'"
	api /api/ingest
	[ "$(integ "twilio-$SUF" | jq -c '[.deliveries.applied, .total, .silent]')" = '[0,0,true]' ]
	[ "$(integ "twilio-$SUF" | jq -r .last_delivery_at)" = \
	    "$(sql "SELECT ct_iso(max(received_at)) FROM call_events WHERE org_id = '$ORG'
	        AND integration_id = 'twilio-$SUF'")" ]
	api "/api/ingest?from=$(date -u -d '3 days ago' +%Y-%m-%dT%H:%M:%SZ)&to=$(date -u -d '1 day ago' +%Y-%m-%dT%H:%M:%SZ)"
	expect 200
	[ "$(integ "twilio-$SUF" | jq -c '[.deliveries.applied, .silent]')" = '[1,true]' ]
	# The range is validated as /api/stats validates its own.
	api "/api/ingest?from=2026-02-30"
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = from ]
	api "/api/ingest?from=2026-03-02&to=2026-03-01"
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = from ]
	api "/api/ingest?from=2020-01-01&to=2026-01-01"
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = to ]
}

@test "GET /api/ingest: a call open past a small stuck limit, the calls the sweeper closed, a Vapi call ended without its end-of-call-report" {
	local stuck ended
	sql "UPDATE orgs SET stuck_answered_minutes = 2 WHERE id = '$ORG'"
	status_update ing-stuck in-progress
	expect 200
	stuck=$(jq -r .call_id <<<"$BODY")
	api /api/ingest
	[ "$(jq '.open_past_limit | length' <<<"$BODY")" = 0 ]
	sql "UPDATE calls SET last_event_at = now() - interval '3 minutes' WHERE org_id = '$ORG' AND id = '$stuck'"
	api /api/ingest
	[ "$(jq -c '.open_past_limit | map([.call_id, .provider, .provider_call_id, .status, .limit_minutes])' <<<"$BODY")" = \
	    "[[\"$stuck\",\"vapi\",\"ing-stuck\",\"in-progress\",2]]" ]
	[ "$(jq .open_past_limit_total <<<"$BODY")" = 1 ]
	[ "$(jq .closed_by_sweeper <<<"$BODY")" = 0 ]

	# Ended by the provider a moment ago: not missing yet.
	status_update ing-ended ended '"endedReason":"customer-ended-call"'
	expect 200
	ended=$(jq -r .call_id <<<"$BODY")
	api /api/ingest
	[ "$(jq '.missing_final_report | length' <<<"$BODY")" = 0 ]
	# Eleven minutes ago: missing, with the report it waits for.
	sql "UPDATE calls SET ended_at = now() - interval '11 minutes' WHERE org_id = '$ORG' AND id = '$ended'"
	api /api/ingest
	[ "$(jq -c '.missing_final_report | map([.call_id, .provider, .provider_call_id, .final_report])' <<<"$BODY")" = \
	    "[[\"$ended\",\"vapi\",\"ing-ended\",\"end-of-call-report\"]]" ]
	[ "$(jq -r '.missing_final_report[0].ended_at' <<<"$BODY")" = \
	    "$(sql "SELECT ct_iso(ended_at) FROM calls WHERE org_id = '$ORG' AND id = '$ended'")" ]
	[ "$(jq .missing_final_report_total <<<"$BODY")" = 1 ]

	# The sweeper closes the stuck call: counted, no longer open, and not
	# a call missing its report (the sweeper's close is not the provider's).
	run "$CALLTRACK_ADMIN" sweep
	[ "$status" -eq 0 ]
	api /api/ingest
	[ "$(jq -c '[.closed_by_sweeper, .open_past_limit_total, .missing_final_report_total]' <<<"$BODY")" = '[1,0,1]' ]
	[ "$(sql "SELECT status_source FROM calls WHERE org_id = '$ORG' AND id = '$stuck'")" = sweeper ]

	# The report comes: no longer missing.
	vapi '{"message":{"type":"end-of-call-report","endedReason":"customer-ended-call","call":{"id":"ing-ended"}}}'
	expect 200
	api /api/ingest
	[ "$(jq .missing_final_report_total <<<"$BODY")" = 0 ]
	sql "UPDATE orgs SET stuck_answered_minutes = 240 WHERE id = '$ORG'"
}

# Every delivery id of this org, newest first, as the list orders them.
all_ids() {
	sql "SELECT string_agg(k || id, ' ' ORDER BY received_at DESC, k DESC, id DESC) FROM (
	       SELECT 'e' AS k, id, received_at FROM call_events WHERE org_id = '$ORG'
	       UNION ALL SELECT 'd', id, received_at FROM call_event_duplicates WHERE org_id = '$ORG'
	       UNION ALL SELECT 'r', id, received_at FROM rejected_events WHERE org_id = '$ORG') x"
}

# Pages through PATH (a query already there) LIMIT at a time, and prints
# the ids; NEW, when set, is sent after the first page.
pages() {	# PATH LIMIT [NEW]
	local cur="" ids=() n=0
	while :; do
		api "$1&limit=$2${cur:+&cursor=$cur}"
		expect 200 || return 1
		ids+=($(jq -r '.deliveries[].id' <<<"$BODY"))
		[ "$(jq '.deliveries | length' <<<"$BODY")" -le "$2" ]
		cur=$(jq -r '.next_cursor // empty' <<<"$BODY")
		[ -n "$cur" ] || break
		n=$((n + 1))
		[ "$n" -lt 200 ] || return 1
		if [ "$n" = 1 ] && [ -n "${3:-}" ]; then status_update "$3" queued; fi
	done
	echo "${ids[*]}"
}

@test "GET /api/ingest/deliveries: the three kinds newest first, each filter, and a cursor that holds while deliveries arrive" {
	local all got call
	status_update ing-list queued
	status_update ing-list queued
	call=$(jq -r .call_id <<<"$BODY")
	all=$(all_ids)
	api "/api/ingest/deliveries?limit=100"
	expect 200
	[ "$(jq -r '[.deliveries[].id] | join(" ")' <<<"$BODY")" = "$all" ]
	[ "$(jq -r .limit <<<"$BODY")" = 100 ]
	# Each delivery says what it is.
	[ "$(jq -c '[.deliveries[] | select(.id | startswith("r"))][0] | [.outcome, .event_type, .call_id]' <<<"$BODY")" = \
	    '["rejected",null,null]' ]
	[ "$(jq -r '[.deliveries[] | select(.id | startswith("d"))][0] | .duplicate_of' <<<"$BODY")" = \
	    "$(event_id ing-list status-update)" ]
	[ "$(jq -c "[.deliveries[] | select(.id == \"$(event_id ing-list status-update)\")][0] | [.integration_id, .provider, .event_type, .outcome, .call_id, .size]" <<<"$BODY")" = \
	    "[\"vapi-$SUF\",\"vapi\",\"status-update\",\"applied\",\"$call\",$(sql "SELECT octet_length(payload) FROM call_events WHERE org_id = '$ORG' AND id = $(event_id ing-list status-update | tr -d e)")]" ]

	# The cursor: pages of 2 give the whole list once; a delivery that
	# arrives meanwhile comes before the cursor, and moves nothing after it.
	got=$(pages "/api/ingest/deliveries?x=1" 2 ing-during)
	[ "$got" = "$all" ]
	[ "$(all_ids)" = "$(event_id ing-during status-update) $all" ]

	# Filters.
	api "/api/ingest/deliveries?integration=twilio-$SUF&limit=100"
	[ "$(jq -r '[.deliveries[].id] | join(" ")' <<<"$BODY")" = \
	    "$(sql "SELECT string_agg('e' || id, ' ' ORDER BY received_at DESC, id DESC) FROM call_events
	        WHERE org_id = '$ORG' AND integration_id = 'twilio-$SUF'")" ]
	for o in applied recorded parked duplicate rejected; do
		api "/api/ingest/deliveries?outcome=$o&limit=100"
		expect 200
		[ "$(jq -r "[.deliveries[] | select(.outcome != \"$o\")] | length" <<<"$BODY")" = 0 ]
		[ "$(jq '.deliveries | length' <<<"$BODY")" = "$(sql "SELECT CASE '$o'
		    WHEN 'duplicate' THEN (SELECT count(*) FROM call_event_duplicates WHERE org_id = '$ORG')
		    WHEN 'rejected' THEN (SELECT count(*) FROM rejected_events WHERE org_id = '$ORG')
		    ELSE (SELECT count(*) FROM call_events WHERE org_id = '$ORG' AND outcome = '$o') END")" ]
		[ "$(jq '.deliveries | length' <<<"$BODY")" -ge 1 ]
	done
	got=$(pages "/api/ingest/deliveries?outcome=rejected" 1)
	[ "$got" = "$(sql "SELECT string_agg('r' || id, ' ' ORDER BY received_at DESC, id DESC) FROM rejected_events WHERE org_id = '$ORG'")" ]
	api "/api/ingest/deliveries?call_id=$call&limit=100"
	[ "$(jq -r '[.deliveries[].id] | sort | join(" ")' <<<"$BODY")" = \
	    "$(sql "SELECT string_agg(x, ' ' ORDER BY x) FROM (
	        SELECT 'e' || id AS x FROM call_events WHERE org_id = '$ORG' AND call_id = '$call'
	        UNION ALL SELECT 'd' || d.id FROM call_event_duplicates d JOIN call_events e
	          ON e.org_id = d.org_id AND e.id = d.event_id WHERE d.org_id = '$ORG' AND e.call_id = '$call') y")" ]
	api "/api/ingest/deliveries?call_id=$call&outcome=duplicate"
	[ "$(jq '.deliveries | length' <<<"$BODY")" = 1 ]

	# What is not valid is a 400 naming it.
	for bad in outcome=nope outcome=Applied limit=0 limit=101 limit=-1 integration=a%2Fb \
	    call_id=42 cursor=bm90LWEtY3Vyc29y "cursor=$(printf 'deliveries|desc|2026-01-01T00:00:00.000000Z|x1' | base64 -w0 | tr '+/' '-_' | tr -d =)"; do
		api "/api/ingest/deliveries?$bad"
		expect 400 invalid_parameter
		[ "$(jq -r .error.parameter <<<"$BODY")" = "${bad%%=*}" ]
	done
}

@test "GET /api/ingest/deliveries/<id>: the bytes as received for an admin token only; invalid UTF-8 in Base64" {
	local id r f=$BATS_TEST_TMPDIR/u.json
	status_update ing-detail queued
	id=$(event_id ing-detail status-update)
	api "/api/ingest/deliveries/$id" "$ADMIN_TOKEN"
	expect 200
	[ "$(jq -r .body <<<"$BODY")" = '{"message":{"type":"status-update","status":"queued","call":{"id":"ing-detail"}}}' ]
	[ "$(jq -c '[.id, .body_encoding, .content_type, .outcome, .provider_call_id]' <<<"$BODY")" = \
	    "[\"$id\",\"utf-8\",\"application/json\",\"applied\",\"ing-detail\"]" ]
	for t in "$TOKEN" "$VIEWER_TOKEN"; do
		api "/api/ingest/deliveries/$id" "$t"
		expect 200
		[ "$(jq -c '[has("body"), has("body_encoding"), .id, .outcome]' <<<"$BODY")" = "[false,false,\"$id\",\"applied\"]" ]
		[[ "$BODY" != *'\"message\"'* ]]
	done
	# A refused body that is not UTF-8: kept byte for byte, given in Base64.
	printf '{"message":{"type":"status-update","call":{"id":"u\xc3\x28"}}}' >"$f"
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' -H "x-vapi-secret: $VAPI_SECRET" \
	    --data-binary @"$f"
	expect 400 malformed_body
	r=r$(sql "SELECT max(id) FROM rejected_events WHERE org_id = '$ORG'")
	api "/api/ingest/deliveries/$r" "$ADMIN_TOKEN"
	expect 200
	[ "$(jq -c '[.outcome, .error, .http_status, .body_encoding, .body_truncated, .size]' <<<"$BODY")" = \
	    "[\"rejected\",\"malformed_body\",400,\"base64\",false,$(wc -c <"$f")]" ]
	jq -r .body <<<"$BODY" | base64 -d | cmp - "$f"
	api "/api/ingest/deliveries/$r" "$VIEWER_TOKEN"
	[ "$(jq 'has("body")' <<<"$BODY")" = false ]
	# A duplicate names its event; its own bytes were not kept.
	status_update ing-detail queued
	r=d$(sql "SELECT max(id) FROM call_event_duplicates WHERE org_id = '$ORG'")
	api "/api/ingest/deliveries/$r" "$ADMIN_TOKEN"
	expect 200
	[ "$(jq -c '[.outcome, .duplicate_of, .body, .body_kept]' <<<"$BODY")" = "[\"duplicate\",\"$id\",null,false]" ]
	# No such delivery: 404.
	api /api/ingest/deliveries/e999999999 "$ADMIN_TOKEN"
	expect 404 not_found
}

@test "POST /api/ingest/deliveries/<id>/replay: an admin applies a parked delivery once the data can take it; anything else is 409, another role 403" {
	local id at call
	parkable ing-park-2
	expect 202
	id=$(event_id ing-park-2 end-of-call-report)
	at=$(sql "SELECT received_at FROM call_events WHERE org_id = '$ORG' AND id = ${id#e}")
	for t in "$TOKEN" "$VIEWER_TOKEN"; do
		req POST "/api/ingest/deliveries/$id/replay" -H "Authorization: Bearer $t"
		expect 403 forbidden
	done
	grep -q "may not POST /api/ingest/deliveries/$id/replay (needs admin)" "$CALLTRACK_STACK/log/dashboard-ingest.log"
	# Nothing can apply it yet: still parked.
	req POST "/api/ingest/deliveries/$id/replay" -H "Authorization: Bearer $ADMIN_TOKEN"
	expect 200
	[ "$(jq -c '[.id, .outcome, .call_id]' <<<"$BODY")" = "[\"$id\",\"parked\",null]" ]
	# The fix: end codes up to 300 characters.  Today's mapping, applied
	# again from the page, takes it; the kept row keeps its id and time.
	sql "ALTER TABLE calls DROP CONSTRAINT calls_ended_reason_check;
	     ALTER TABLE calls ADD CONSTRAINT calls_ended_reason_check CHECK (length(ended_reason) <= 300)"
	req POST "/api/ingest/deliveries/$id/replay" -H "Authorization: Bearer $ADMIN_TOKEN"
	expect 200
	call=$(sql "SELECT id FROM calls WHERE org_id = '$ORG' AND provider_call_id = 'ing-park-2'")
	[ "$(jq -c '[.id, .outcome, .call_id]' <<<"$BODY")" = "[\"$id\",\"applied\",\"$call\"]" ]
	[ "$(sql "SELECT outcome || ' ' || (error IS NULL) || ' ' || (call_id = '$call') FROM call_events
	    WHERE org_id = '$ORG' AND id = ${id#e}")" = "applied true true" ]
	[ "$(sql "SELECT received_at FROM call_events WHERE org_id = '$ORG' AND id = ${id#e}")" = "$at" ]
	[ "$(sql "SELECT count(*) FROM call_events WHERE org_id = '$ORG' AND provider_call_id = 'ing-park-2'")" = 1 ]
	# Once: it is not parked any more.
	req POST "/api/ingest/deliveries/$id/replay" -H "Authorization: Bearer $ADMIN_TOKEN"
	expect 409 conflict
	[ "$(sql "SELECT count(*) FROM calls WHERE org_id = '$ORG' AND provider_call_id = 'ing-park-2'")" = 1 ]
	# An applied event, a refused request, a duplicate: 409.
	req POST "/api/ingest/deliveries/$(event_id ing-1 status-update)/replay" -H "Authorization: Bearer $ADMIN_TOKEN"
	expect 409 conflict
	req POST "/api/ingest/deliveries/r$(sql "SELECT max(id) FROM rejected_events WHERE org_id = '$ORG'")/replay" \
	    -H "Authorization: Bearer $ADMIN_TOKEN"
	expect 409 conflict
	req POST "/api/ingest/deliveries/d$(sql "SELECT max(id) FROM call_event_duplicates WHERE org_id = '$ORG'")/replay" \
	    -H "Authorization: Bearer $ADMIN_TOKEN"
	expect 409 conflict
	# Methods: GET reads, POST replays.
	req GET "/api/ingest/deliveries/$id/replay" -H "Authorization: Bearer $ADMIN_TOKEN"
	expect 405 method_not_allowed
	grep -qx 'Allow: POST' <<<"$HEADERS"
	req POST /api/ingest -H "Authorization: Bearer $ADMIN_TOKEN"
	expect 405 method_not_allowed
	grep -qx 'Allow: GET' <<<"$HEADERS"
	req GET /api/ingest
	expect 401 missing_token
	# The schema as it was, for the other suites.
	sql "DELETE FROM hot_lead_alerts WHERE org_id = '$ORG' AND call_id = '$call';
	     UPDATE call_events SET call_id = NULL WHERE org_id = '$ORG' AND call_id = '$call';
	     DELETE FROM calls WHERE org_id = '$ORG' AND id = '$call';
	     ALTER TABLE calls DROP CONSTRAINT calls_ended_reason_check;
	     ALTER TABLE calls ADD CONSTRAINT calls_ended_reason_check CHECK (length(ended_reason) <= 200)"
}

@test "one org never sees another's deliveries, nor the rejections of unknown slugs, which stay the operator's" {
	local e2 r2 p2 ru before
	vapi '{"message":{"type":"status-update","status":"queued","call":{"id":"ing-other"}}}' "vapi2-$SUF"
	expect 200
	e2=e$(sql "SELECT max(id) FROM call_events WHERE org_id = '$ORG2'")
	vapi '{"message":{}}' "vapi2-$SUF" wrong
	expect 401 invalid_signature
	r2=r$(sql "SELECT max(id) FROM rejected_events WHERE org_id = '$ORG2'")
	vapi "{\"message\":{\"type\":\"end-of-call-report\",\"endedReason\":\"$(printf 'y%.0s' $(seq 250))\",\"call\":{\"id\":\"ing-other-park\"}}}" "vapi2-$SUF"
	expect 202
	p2=e$(sql "SELECT id FROM call_events WHERE org_id = '$ORG2' AND outcome = 'parked'")
	before=$(figure_unknown)
	vapi '{"message":{}}' "nope-$SUF"
	expect 404 unknown_integration
	ru=r$(sql "SELECT max(id) FROM rejected_events WHERE integration_id = 'nope-$SUF'")
	[ "$(sql "SELECT org_id IS NULL FROM rejected_events WHERE id = ${ru#r}")" = t ]
	# The operator counts it.
	[ "$(figure_unknown)" -eq $((before + 1)) ]

	api "/api/ingest/deliveries?limit=100" "$ADMIN_TOKEN"
	[ "$(jq -r '[.deliveries[].id] | join(" ")' <<<"$BODY")" = "$(all_ids)" ]
	[ "$(jq -r "[.deliveries[] | select(.integration_id != \"vapi-$SUF\" and .integration_id != \"vapihmac-$SUF\" and .integration_id != \"retell-$SUF\" and .integration_id != \"twilio-$SUF\")] | length" <<<"$BODY")" = 0 ]
	api "/api/ingest/deliveries?outcome=rejected&integration=nope-$SUF" "$ADMIN_TOKEN"
	[ "$(jq '.deliveries | length' <<<"$BODY")" = 0 ]
	api "/api/ingest/deliveries?integration=vapi2-$SUF" "$ADMIN_TOKEN"
	[ "$(jq '.deliveries | length' <<<"$BODY")" = 0 ]
	api /api/ingest "$ADMIN_TOKEN"
	[ "$(jq -r '[.integrations[].id | select(. == "vapi2-'"$SUF"'" or . == "nope-'"$SUF"'")] | length' <<<"$BODY")" = 0 ]
	for d in "$e2" "$r2" "$p2" "$ru"; do
		api "/api/ingest/deliveries/$d" "$ADMIN_TOKEN"
		expect 404 not_found
	done
	req POST "/api/ingest/deliveries/$p2/replay" -H "Authorization: Bearer $ADMIN_TOKEN"
	expect 404 not_found
	[ "$(sql "SELECT outcome FROM call_events WHERE org_id = '$ORG2' AND id = ${p2#e}")" = parked ]
	# The other org sees its own, and none of this one's.
	api "/api/ingest/deliveries/$e2" "$TOKEN2"
	expect 200
	[ "$(jq -r .body <<<"$BODY")" = '{"message":{"type":"status-update","status":"queued","call":{"id":"ing-other"}}}' ]
	api "/api/ingest/deliveries?limit=100" "$TOKEN2"
	[ "$(jq -r '[.deliveries[].id] | sort | join(" ")' <<<"$BODY")" = "$(echo "$e2 $p2 $r2" | tr ' ' '\n' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')" ]
}

# How many requests to unknown slugs calltrack-admin stats ingest counts
# in the last hour.
figure_unknown() {
	"$CALLTRACK_ADMIN" stats ingest --since '1 hour' | awk '$1 == "rejected" && $2 == "unknown_integration" { n = $3 } END { print n + 0 }'
}
