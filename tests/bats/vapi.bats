#!/usr/bin/env bats
# vapi-hook end to end: nginx → vapi-hook → PostgreSQL, checked in the
# database.  Every Vapi scenario of the manifest, then what the fixtures
# leave out.

load helpers
load manifest

setup_file() {
	make_fixture_org
}

# Sends a Vapi body given as a string.
vapi() {
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary "$1"
}

# A minimal end-of-call-report for call ID with extra "message" members.
report() {	# ID EXTRA-JSON-MEMBERS
	printf '{"message":{"type":"end-of-call-report","timestamp":%s,"endedReason":"customer-ended-call","call":{"id":"%s","type":"inboundPhoneCall"%s},%s}}' \
	    "$RANDOM$RANDOM" "$1" "${3:-}" "$2"
}

state() { call_state vapi "$1"; }
field() { jq -r ".$2" <<<"$(state "$1")"; }

@test "every Vapi scenario of the manifest, each delivery sent twice, lands as expected" {
	replay_provider vapi
	check_provider vapi
}

@test "a status-update creates the call at once: queued shows before anything else" {
	vapi '{"message":{"type":"status-update","status":"queued","timestamp":1,"call":{"id":"early-1","type":"outboundPhoneCall","customer":{"number":"+14155550999"}}}}'
	expect 200
	[ "$(field early-1 status)" = queued ]
	[ "$(field early-1 phone_number)" = +14155550999 ]
}

@test "other message types are recorded, answered 200, and change nothing" {
	vapi '{"message":{"type":"status-update","status":"ringing","timestamp":2,"call":{"id":"other-1"}}}'
	local before; before=$(state other-1)
	for t in speech-update conversation-update transcript hang tool-calls assistant-request; do
		vapi "{\"message\":{\"type\":\"$t\",\"timestamp\":3,\"call\":{\"id\":\"other-1\"},\"status\":\"started\"}}"
		expect 200
		[ "$(jq -r .outcome <<<"$BODY")" = recorded ]
	done
	[ "$(state other-1)" = "$before" ]
	run psql -X -At -c "SELECT count(*) FROM call_events e JOIN calls c ON c.org_id = e.org_id AND c.id = e.call_id
	    WHERE c.provider_call_id = 'other-1' AND e.org_id = '$ORG'"
	[ "$output" = 7 ]
}

@test "fields sent as JSON null are unknown, not errors" {
	vapi "$(report null-1 '"cost":null,"startedAt":null,"endedAt":null,"analysis":null,"artifact":null,"customer":null,"phoneNumber":null,"durationSeconds":null' ',"customer":null')"
	expect 200
	[ "$(field null-1 status)" = completed ]	# customer-ended-call, in Vapi's table
	[ "$(field null-1 cost)" = null ]
	[ "$(field null-1 phone_number)" = null ]
	[ "$(field null-1 caller_name)" = Unknown ]
	[ "$(field null-1 name_source)" = unknown ]
	[ "$(field null-1 duration_seconds)" = 0 ]
}

@test "numbers sent as strings are read" {
	vapi "$(report str-1 '"cost":"0.42","durationSeconds":"31.6","startedAt":"2026-02-01T10:00:00Z","endedAt":"2026-02-01T10:00:31.600Z"')"
	expect 200
	[ "$(field str-1 cost)" = 0.42 ]
	[ "$(field str-1 duration_seconds)" = 32 ]
	[ "$(field str-1 status)" = completed ]
}

@test "malformed values are unknown; the rest of the report still applies" {
	vapi "$(report bad-1 '"cost":"a lot","startedAt":"yesterday","endedAt":"2026-02-01T10:00:31Z","analysis":{"summary":"ok","structuredData":{"sentiment":"ecstatic"}}')"
	expect 200
	[ "$(field bad-1 cost)" = null ]		# not a number
	[ "$(field bad-1 started_at)" = null ]	# not a time
	[ "$(field bad-1 sentiment)" = null ]	# not one of the three
	[ "$(field bad-1 summary_present)" = true ]
	[ "$(field bad-1 ended_at)" = 2026-02-01T10:00:31.000Z ]
}

@test "placeholder and phone-shaped names never become a caller's name" {
	local n=0 name
	for name in 'Unknown Caller' 'unknown' 'Anonymous' '' '   ' '+1 (415) 555-0100' '4155550100' 'Wireless Caller' 'N/A' 'outbound'; do
		n=$((n + 1))
		vapi "$(report "ph-$n" '"startedAt":"2026-02-01T10:00:00Z"' ",\"customer\":{\"number\":\"(415) 555-02$(printf %02d $n)\",\"name\":$(jq -Rn --arg s "$name" '$s')}")"
		expect 200
		[ "$(field "ph-$n" contact_name)" = null ]
		[ "$(field "ph-$n" caller_name)" = "+141555502$(printf %02d $n)" ]
		[ "$(field "ph-$n" name_source)" = phone ]
	done
}

@test "a caller's number is read by libphonenumber in the org's country; what is no full number stays raw" {
	local n=0 raw want gb
	while IFS='|' read -r raw want; do
		n=$((n + 1))
		vapi "$(report "lpn-$n" '"startedAt":"2026-02-01T10:00:00Z"' ",\"customer\":{\"number\":$(jq -Rn --arg s "$raw" '$s')}")"
		expect 200
		[ "$(field "lpn-$n" phone_number)" = "$want" ] || { echo "$raw: $(field "lpn-$n" phone_number)"; return 1; }
		[ "$(field "lpn-$n" phone_raw)" = "$raw" ]
	done <<'EOF'
(555) 123-4567|+15551234567
1-555-123-4567|+15551234567
+1 555 123 4567 ext. 89|+15551234567
+44 20 7946 0018|+442079460018
555-0142|null
020 7946 0018|null
1-800-FLOWERS|null
client:abc|null
EOF
	# A British org reads a national number with its trunk 0.
	gb=$("$CALLTRACK_ADMIN" org create "British org $SUF" --country GB --timezone Europe/London)
	"$CALLTRACK_ADMIN" integration create "$gb" --provider vapi --id "vapigb-$SUF" \
	    --secret "$VAPI_SECRET" >/dev/null
	req POST "/hooks/vapi/vapigb-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" \
	    --data-binary "$(report gb-1 '"startedAt":"2026-02-01T10:00:00Z"' ',"customer":{"number":"020 7946 0018"}')"
	expect 200
	[ "$(ORG=$gb field gb-1 phone_number)" = +442079460018 ]
}

@test "unicode names are stored exactly and read back live" {
	local name="Zoë O'Brien-Łukasz 李 📞"
	vapi "$(report uni-1 '"startedAt":"2026-02-01T10:00:00Z"' ",\"customer\":{\"number\":\"+447700900123\",\"name\":$(jq -Rn --arg s "$name" '$s')}")"
	expect 200
	[ "$(field uni-1 contact_name)" = "$name" ]
	[ "$(field uni-1 caller_name)" = "$name" ]
	psql -X -q -c "UPDATE contacts SET name = 'Zoe Renamed', name_source = 'manual'
	    WHERE org_id = '$ORG' AND phone = '+447700900123'"
	[ "$(field uni-1 caller_name)" = "Zoe Renamed" ]
}

@test "the six deliveries of a call in every one of their 720 orders end the same" {
	local files=() bodies=() id orders n=0 perm i args out expected
	local base=$CALLTRACK_FIXTURES/vapi/inbound-completed
	for i in 1 2 3 4 5 6; do files+=("$(ls "$base.$i".*.json)"); done
	for f in "${files[@]}"; do bodies+=("$(cat "$f")"); done
	id=019b94d2-6a1f-7c3e-9b2d-4f8a1e6c0d21
	permute() { local p=$1 rest=$2 x; [ -z "${rest// /}" ] && { echo "$p"; return; }
		for x in $rest; do permute "$p $x" "$(sed "s/\b$x\b//" <<<"$rest")"; done; }
	orders=$(permute "" "0 1 2 3 4 5")
	[ "$(wc -l <<<"$orders")" = 720 ]
	mkdir -p "$BATS_FILE_TMPDIR/perm"
	while read -r perm; do
		n=$((n + 1))
		args=()
		for i in $perm; do
			# Vapi's static secret does not sign the body: each order
			# gets a call id of its own.
			printf '%s\n' "${bodies[$i]//$id/perm-$n}" >"$BATS_FILE_TMPDIR/perm/$n.$i"
			args+=(-s -o /dev/null -w '%{http_code} '
			    -H 'Content-Type: application/json' -H "x-vapi-secret: $VAPI_SECRET"
			    --data-binary @"$BATS_FILE_TMPDIR/perm/$n.$i" "$CALLTRACK_URL/hooks/vapi/vapi-$SUF" --next)
		done
		out=$(curl "${args[@]:0:${#args[@]}-1}")
		[ "$out" = "200 200 200 200 200 200 " ] || { echo "order $perm: $out"; return 1; }
	done <<<"$orders"
	# (The recording URL names the call, whose id each order replaced.)
	expected=$(jq -c '.calls[] | select(.provider_call_id == "019b94d2-6a1f-7c3e-9b2d-4f8a1e6c0d21")
	    | .expected | del(.recording_url)' "$MANIFEST")
	run psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$ORG' AND provider_call_id LIKE 'perm-%'
	    AND status = 'completed' AND ended_reason = 'customer-ended-call' AND end_call_reason = 'customer_hangup'
	    AND booking_status = 'confirmed' AND duration_seconds = 44 AND direction = 'inbound'
	    AND started_at = '2026-01-06T17:02:12.950Z' AND ended_at = '2026-01-06T17:02:56.850Z'
	    AND summary IS NOT NULL AND transcript IS NOT NULL AND sentiment = 'positive'"
	[ "$output" = 720 ]
	# And one of them in full against the manifest.
	out=$(diff_expected "$expected" "$(state perm-360)")
	[ -z "$out" ] || { echo "$out"; return 1; }
}

@test "a late ringing after the final report changes nothing" {
	local f=$CALLTRACK_FIXTURES/vapi/outbound-busy.2.end-of-call-report.json
	vapi "$(sed 's/019b951c-71a4-7e95-b3d0-1c7e4a9f2b84/late-1/' "$f")"
	expect 200
	local before; before=$(state late-1)
	vapi '{"message":{"type":"status-update","status":"ringing","timestamp":5,"call":{"id":"late-1"}}}'
	vapi '{"message":{"type":"status-update","status":"in-progress","timestamp":6,"call":{"id":"late-1","startedAt":"2026-01-06T18:20:40Z"}}}'
	expect 200
	[ "$(field late-1 status)" = busy ]
	[ "$(jq -c 'del(.started_at)' <<<"$(state late-1)")" = "$(jq -c 'del(.started_at)' <<<"$before")" ]
}

@test "a confirmed booking with a high score raises one hot-lead alert and books the lead" {
	local f=$CALLTRACK_FIXTURES/vapi/inbound-completed.6.end-of-call-report.json
	vapi "$(sed 's/019b94d2-6a1f-7c3e-9b2d-4f8a1e6c0d21/hot-1/; s/+14155550123/+14155550888/g' "$f")"
	expect 200
	run psql -X -At -c "SELECT a.score >= 70, array_length(a.reasons, 1) > 0, ct.lead_status
	    FROM hot_lead_alerts a JOIN calls c ON c.org_id = a.org_id AND c.id = a.call_id
	    JOIN contacts ct ON ct.org_id = a.org_id AND ct.id = a.contact_id
	    WHERE c.org_id = '$ORG' AND c.provider_call_id = 'hot-1'"
	[ "$output" = "t|t|booked" ]
	run psql -X -At -c "SELECT booking_evidence->>'tool', booking_evidence->>'successful'
	    FROM calls WHERE org_id = '$ORG' AND provider_call_id = 'hot-1'"
	[ "$output" = "book_appointment|true" ]
}

@test "a 1 MB transcript in a several-megabyte report is taken whole" {
	local f=$BATS_FILE_TMPDIR/big-report.json t
	t=$(head -c 1048576 /dev/zero | tr '\0' 'x')
	{ printf '{"message":{"type":"end-of-call-report","timestamp":9,"endedReason":"customer-ended-call",'
	  printf '"startedAt":"2026-02-01T10:00:00Z","endedAt":"2026-02-01T10:20:00Z",'
	  printf '"artifact":{"transcript":"%s","messages":[{"role":"user","message":"%s"}]},' "$t" "$t"
	  printf '"transcript":"%s","call":{"id":"big-1","type":"inboundPhoneCall"}}}' "$t"; } >"$f"
	[ "$(wc -c <"$f")" -gt 3000000 ]
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary @"$f"
	expect 200
	run psql -X -At -c "SELECT length(transcript), duration_seconds FROM calls
	    WHERE org_id = '$ORG' AND provider_call_id = 'big-1'"
	[ "$output" = "1048576|1200" ]
}
