#!/usr/bin/env bats
# One call for its Twilio and agent legs, and the agent backend's session
# state (docs/API.md "One call, all its legs", "Session state from the
# agent's backend"): the manifest's composite scenarios replayed field by
# field, the call once in every list and figure, 100 pairs of legs sent at
# once in both orders, and the bad input of each.

load helpers
load manifest

setup_file() {
	make_fixture_org
	# A second org, whose calls the first must never reach.
	ORG_B=$("$CALLTRACK_ADMIN" org create "Legs other $SUF")
	TOKEN_B=$("$CALLTRACK_ADMIN" token create "$ORG_B" --label bats-b)
	"$CALLTRACK_ADMIN" integration create "$ORG_B" --provider vapi --id "vapi-b-$SUF" \
	    --secret "$VAPI_SECRET" >/dev/null
	VIEWER=$("$CALLTRACK_ADMIN" token create "$ORG" --label viewer --role viewer)
	export ORG_B TOKEN_B VIEWER
}

# The fixtures' calls are another suite's to replay next.
teardown_file() {
	forget_legs
}

sql() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }

# The id of org $ORG's call of leg PROVIDER CALL-ID.
call_of() { sql "SELECT call_id FROM call_legs WHERE org_id = '$ORG' AND provider = '$1' AND provider_call_id = '$2'"; }

# GET with $TOKEN.
get() {	# PATH [name=value ...]
	local path=$1 a=() kv
	shift
	for kv in "$@"; do a+=(--data-urlencode "$kv"); done
	req GET "$path" -G -H "Authorization: Bearer $TOKEN" "${a[@]}"
}

# PUT a session: FILE (a body) for PROVIDER CALL-ID with TOKEN.
put_session() {	# PROVIDER CALL-ID FILE [TOKEN]
	req PUT "/api/sessions/$1/$2" -H "Authorization: Bearer ${4:-$TOKEN}" \
	    -H 'Content-Type: application/json' --data-binary @"$3"
}

vapi_file() {	# FILE [INTEGRATION]
	req POST "/hooks/vapi/${2:-vapi-$SUF}" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary @"$1"
}
twilio_file() {	# FILE
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H "$(twilio_sig "$1" "$TWILIO_PUBLIC_URL")" --data-binary @"$1"
}
retell_file() {	# FILE
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' \
	    -H "x-retell-signature: $(retell_sig "$1")" --data-binary @"$1"
}

@test "every composite scenario of the manifest (two providers' legs in either order, a session before and after the call), each delivery sent twice, lands as expected, found by each of its legs" {
	replay_legs
	check_provider legs
}

@test "the legs are one call everywhere: the list, the detail's legs, events and session, the stats, the contact and its lead" {
	local c id phone n
	while read -r c; do
		id=$(call_of "$(jq -r .provider <<<"$c")" "$(jq -r .provider_call_id <<<"$c")")
		[ -n "$id" ]
		phone=$(jq -r .expected.phone_number <<<"$c")
		# Listed once, by the caller's number.
		get /api/calls "q=$phone" include_test=true
		expect 200
		[ "$(jq -r '"\(.total) \(.calls[0].id)"' <<<"$BODY")" = "1 $id" ] || { echo "$phone: $BODY"; return 1; }
		# The detail: both legs, every event of both, the session.
		get "/api/calls/$id"
		expect 200
		[ "$(jq -c '.legs' <<<"$BODY")" = "$(jq -c .expected.legs <<<"$c")" ]
		n=$(jq --arg k "$(jq -r .call_key <<<"$c")" '[.deliveries[] | select(.call_key == $k)] | length' "$MANIFEST")
		[ "$(jq '.events | length' <<<"$BODY")" = "$n" ] || { echo "$id: events $BODY"; return 1; }
		[ "$(jq '[.events[] | select(.outcome != "applied")] | length' <<<"$BODY")" = 0 ]
		if jq -e --arg k "$(jq -r .call_key <<<"$c")" '[.sessions[] | select(.call_key == $k)] | length > 0' \
		    "$MANIFEST" >/dev/null; then
			[ "$(jq -r '.session.synced_to_dashboard' <<<"$BODY")" = true ]
			[ "$(jq -r '.session.conversation_state.bookingAttempted' <<<"$BODY")" = true ]
			[ "$(jq -r '.booking_evidence.source' <<<"$BODY")" = session ]
		else
			[ "$(jq -r '.session' <<<"$BODY")" = null ]
		fi
		# The contact counts the call once.
		[ "$(sql "SELECT call_count FROM contacts WHERE org_id = '$ORG' AND phone = '$phone'")" = 1 ]
	done < <(jq -c --argjson keys "$(composite_keys)" '.calls[] | select(.call_key as $k | $keys | index($k))' "$MANIFEST")
	# No call is left for a Twilio leg: each is its agent's call.
	[ "$(sql "SELECT count(*) FROM calls WHERE org_id = '$ORG' AND provider = 'twilio'")" = 0 ]
	# The figures of those days count six calls, one per scenario.
	get /api/stats from=2026-01-13 to=2026-01-21
	expect 200
	[ "$(jq -r '"\(.total_calls) \(.booking.confirmed) \(.booking.attempted_failed)"' <<<"$BODY")" = "6 3 2" ] ||
	    { echo "$BODY"; return 1; }
	# A confirmed booking, the session's included, books the lead.
	[ "$(sql "SELECT lead_status FROM contacts WHERE org_id = '$ORG' AND phone = '+14155550195'")" = booked ]
	[ "$(sql "SELECT lead_status FROM contacts WHERE org_id = '$ORG' AND phone = '+14155550189'")" = contacted ]
}

@test "a later session PUT replaces the state the detail shows; its booking raises the call's, never lowers it" {
	local id f=$BATS_FILE_TMPDIR/later.json
	id=$(call_of retell call_3c5e7a9b1d4f6c8e0a2b4d6f8c0)
	printf '%s\n' '{"conversation_state": {"appointmentBooked": false, "bookingAttempted": false, "note": "caller cancelled", "service": "x"}}' >"$f"
	put_session retell call_3c5e7a9b1d4f6c8e0a2b4d6f8c0 "$f"
	expect 200
	[ "$(jq -r '"\(.session.call_id) \(.session.synced_to_dashboard)"' <<<"$BODY")" = "$id true" ]
	get "/api/calls/$id"
	[ "$(jq -c .session.conversation_state <<<"$BODY")" = \
	    '{"note":"caller cancelled","service":"x","bookingAttempted":false,"appointmentBooked":false}' ]
	# The booking stays confirmed; a key the analysis has stays; a new one joins it.
	[ "$(jq -r '"\(.booking_status) \(.analysis.service) \(.analysis.note)"' <<<"$BODY")" = \
	    "confirmed diagnostic caller cancelled" ]
	[ "$(sql "SELECT count(*) FROM call_sessions WHERE org_id = '$ORG' AND provider = 'retell'
	    AND provider_call_id = 'call_3c5e7a9b1d4f6c8e0a2b4d6f8c0'")" = 1 ]
}

@test "a Twilio child leg joins its parent's call by ParentCallSid" {
	local parent child id f=$BATS_FILE_TMPDIR/child.form g=$BATS_FILE_TMPDIR/parent.json
	parent=CA$(openssl rand -hex 16) child=CA$(openssl rand -hex 16)
	jq --arg s "$parent" '.message.call.id = "legs-parent-1" | .message.call.transport.callSid = $s
	    | .message.call.phoneCallProviderId = $s' \
	    "$FIX/vapi/legs-vapi-agent-first.1.status-update.in-progress.json" >"$g"
	vapi_file "$g"
	expect 200
	sed -e "s/CallSid=CA[0-9a-f]*/CallSid=$child\&ParentCallSid=$parent/" \
	    "$FIX/twilio/legs-vapi-agent-first.4.in-progress.form" >"$f"
	twilio_file "$f"
	expect 200
	id=$(call_of vapi legs-parent-1)
	[ "$(jq -r .call_id <<<"$BODY")" = "$id" ]
	[ "$(sql "SELECT string_agg(provider || ':' || (seen_at IS NOT NULL), ',' ORDER BY provider, provider_call_id = '$child')
	    FROM call_legs WHERE org_id = '$ORG' AND call_id = '$id'")" = "twilio:false,twilio:true,vapi:true" ]
	[ "$(call_of twilio "$child")" = "$id" ] && [ "$(call_of twilio "$parent")" = "$id" ]
}

# ---- Bad input ----

@test "a CallSid that is not a CallSid: the call is stored and answered 200, linked to nothing, the event says why" {
	local f=$BATS_FILE_TMPDIR/bad.json g=$BATS_FILE_TMPDIR/bad.form sid
	for sid in 'CA1234' 'CA0123456789ABCDEF0123456789ABCDEF' "'; DROP TABLE call_legs; --" \
	    'CA0123456789abcdef0123456789abcdef0'; do
		jq --arg s "$sid" --arg id "legs-bad-$RANDOM" '.message.call.id = $id
		    | .message.call.transport.callSid = $s | .message.call.phoneCallProviderId = $s' \
		    "$FIX/vapi/legs-vapi-agent-first.2.end-of-call-report.json" >"$f"
		vapi_file "$f"
		expect 200
		[ "$(jq -r .outcome <<<"$BODY")" = applied ]
		[ "$(sql "SELECT string_agg(l.provider, ',') || ' ' || e.error FROM call_legs l, call_events e
		    WHERE l.org_id = '$ORG' AND l.call_id = '$(jq -r .call_id <<<"$BODY")'
		      AND e.org_id = l.org_id AND e.call_id = l.call_id GROUP BY e.error")" = \
		    "vapi the twilio call sid named is not a CallSid: not linked" ]
	done
	# Retell's, the same.
	jq '.call.call_id = "call_0badbadbadbadbadbadbadbadba" | .call.telephony_identifier.twilio_call_sid = "CAnope"' \
	    "$FIX/retell/legs-retell-twilio-first.4.call_started.json" >"$f"
	retell_file "$f"
	expect 200
	[ "$(sql "SELECT count(*) FROM call_legs WHERE org_id = '$ORG' AND call_id = '$(jq -r .call_id <<<"$BODY")'")" = 1 ]
	# A Twilio callback whose ParentCallSid is no CallSid is a call of its own.
	sed -e "s/CallSid=CA[0-9a-f]*/CallSid=CA$(openssl rand -hex 16)\&ParentCallSid=CA%27%3B--/" \
	    "$FIX/twilio/legs-vapi-agent-first.5.completed.form" >"$g"
	twilio_file "$g"
	expect 200
	[ "$(sql "SELECT provider || ' ' || count(*) OVER () FROM call_legs WHERE org_id = '$ORG'
	    AND call_id = '$(jq -r .call_id <<<"$BODY")'")" = "twilio 1" ]
	# Another agent call's Twilio call is not this one's: two calls, and
	# the second's event says so.
	jq '.message.call.id = "legs-second-agent"' \
	    "$FIX/vapi/legs-vapi-agent-first.2.end-of-call-report.json" >"$f"
	vapi_file "$f"
	expect 200
	[ "$(sql "SELECT error FROM call_events WHERE org_id = '$ORG' AND provider_call_id = 'legs-second-agent'")" = \
	    "the twilio call CA3c1e5a7b9d0f2e4a6c8b0d2f4e6a8c02 is another agent call's: not linked" ]
	[ "$(call_of twilio CA3c1e5a7b9d0f2e4a6c8b0d2f4e6a8c02)" = "$(call_of vapi 019bbce6-2d3e-7f40-9b5c-6d7e8f9a0b12)" ]
}

@test "a session PUT that is not JSON, not an object, over 256 KB, for another org's call or by a viewer: a clear 4xx, nothing stored" {
	local f=$BATS_FILE_TMPDIR/s.json before
	before=$(sql "SELECT count(*) FROM call_sessions")
	printf 'not json' >"$f"
	put_session vapi legs-s-1 "$f"
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = body ]
	printf '%s' '{"conversation_state": [1, 2]}' >"$f"
	put_session vapi legs-s-1 "$f"
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = conversation_state ]
	printf '%s' '{"conversation_state": {}, "state": {}}' >"$f"
	put_session vapi legs-s-1 "$f"
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = state ]
	printf '%s' '{"conversation_state": {"a": "x\u0000y"}}' >"$f"
	put_session vapi legs-s-1 "$f"
	expect 400 invalid_parameter
	# Over 256 KB: refused by the program (nginx takes a little more).
	{ printf '{"conversation_state": {"notes": "'; head -c 262144 /dev/zero | tr '\0' 'x'; printf '"}}'; } >"$f"
	put_session vapi legs-s-1 "$f"
	expect 413 payload_too_large
	# Far over: nginx's own 413, in the same shape.
	{ printf '{"conversation_state": {"notes": "'; head -c 400000 /dev/zero | tr '\0' 'x'; printf '"}}'; } >"$f"
	put_session vapi legs-s-1 "$f"
	expect 413 payload_too_large
	# Just under it is taken.
	{ printf '{"conversation_state": {"notes": "'; head -c 261000 /dev/zero | tr '\0' 'x'; printf '"}}'; } >"$f"
	put_session vapi legs-s-big "$f"
	expect 200
	[ "$(jq -r .session.call_id <<<"$BODY")" = null ]
	# A wrong type, a viewer, no token, a provider calltrack does not know,
	# a method that is not PUT.
	printf '%s' '{"conversation_state": {}}' >"$f"
	req PUT /api/sessions/vapi/legs-s-1 -H "Authorization: Bearer $TOKEN" \
	    -H 'Content-Type: text/plain' --data-binary @"$f"
	expect 415 unsupported_media_type
	put_session vapi legs-s-1 "$f" "$VIEWER"
	expect 403 forbidden
	req PUT /api/sessions/vapi/legs-s-1 -H 'Content-Type: application/json' --data-binary @"$f"
	expect 401 missing_token
	put_session vonage legs-s-1 "$f"
	expect 404 not_found
	put_session vapi "a%20b" "$f"
	expect 404 not_found
	req GET /api/sessions/vapi/legs-s-1 -H "Authorization: Bearer $TOKEN"
	expect 405 method_not_allowed
	[[ "$HEADERS" == *"Allow: PUT"* ]]
	# Nothing of those was stored; the one under the limit was.
	[ "$(sql "SELECT count(*) FROM call_sessions")" = $((before + 1)) ]
	[ "$(sql "SELECT count(*) FROM call_sessions WHERE provider_call_id = 'legs-s-1'")" = 0 ]
}

@test "a session PUT for another org's call is a 404 and touches nothing of it; the same id in its own org is its own" {
	local f=$BATS_FILE_TMPDIR/b.json g=$BATS_FILE_TMPDIR/s.json b_call before
	jq '.message.call.id = "legs-org-b-1" | del(.message.call.transport, .message.call.phoneCallProviderId)' \
	    "$FIX/vapi/session-before.3.end-of-call-report.json" >"$f"
	vapi_file "$f" "vapi-b-$SUF"
	expect 200
	b_call=$(jq -r .call_id <<<"$BODY")
	before=$(sql "SELECT booking_status || ' ' || COALESCE(analysis::text, '') FROM calls WHERE id = '$b_call'")
	cp "$FIX/sessions/session-before.1.put.json" "$g"
	put_session vapi legs-org-b-1 "$g"
	expect 404 not_found
	[ "$(jq -r .error.message <<<"$BODY")" = "not found" ]
	[ "$(sql "SELECT count(*) FROM call_sessions WHERE org_id = '$ORG' AND provider_call_id = 'legs-org-b-1'")" = 0 ]
	[ "$(sql "SELECT booking_status || ' ' || COALESCE(analysis::text, '') FROM calls WHERE id = '$b_call'")" = "$before" ]
	# Org B's own token stores it, and it merges into org B's call.
	put_session vapi legs-org-b-1 "$g" "$TOKEN_B"
	expect 200
	[ "$(jq -r .session.call_id <<<"$BODY")" = "$b_call" ]
	[ "$(sql "SELECT booking_status FROM calls WHERE id = '$b_call'")" = attempted_failed ]
}

# ---- At once ----

@test "100 Twilio and Vapi legs sent at once, in both orders, end as 100 calls of 2 legs, counted 100 in the stats and the contacts" {
	local W=$BATS_FILE_TMPDIR/race out
	mkdir -p "$W"
	make_fixture_org
	# Per pair: a Vapi status-update that names no Twilio call, Twilio's
	# completed callback, and the report that names it: sent over 24
	# connections, so that every pair's three run at once; half with
	# Twilio's first, half with the agent's first.
	python3 - "$W/race.pool" "$SUF" "$CALLTRACK_FIXTURES" "$VAPI_SECRET" "$TWILIO_TOKEN" \
	    "$TWILIO_PUBLIC_URL" <<'PY'
import hashlib, json, sys, urllib.parse
pool, suf, fix, vsec, ttok, turl = sys.argv[1:]
sys.path.insert(0, fix + '/tools')
import sign
status = json.load(open(fix + '/vapi/legs-vapi-twilio-first.4.status-update.in-progress.json'))
report = json.load(open(fix + '/vapi/legs-vapi-twilio-first.5.end-of-call-report.json'))
form = open(fix + '/twilio/legs-vapi-twilio-first.3.completed.form', 'rb').read()
out = open(pool, 'wb')
def add(path, header, body):
    out.write(b'%s\n%s\n%d\n' % (path.encode(), header.encode(), len(body)) + body + b'\n')
for i in range(100):
    sid = 'CA' + hashlib.sha256(('%s|%d' % (suf, i)).encode()).hexdigest()[:32]
    vid = 'race-%s-%03d' % (suf, i)
    phone = '+1415700%04d' % i
    s, r = json.loads(json.dumps(status)), json.loads(json.dumps(report))
    for m in (s['message'], r['message']):
        m['call']['id'] = vid
        m['call']['customer'] = m['customer'] = {'number': phone, 'name': 'Racer %03d' % i}
        m['call']['transport']['callSid'] = m['call']['phoneCallProviderId'] = sid
    for k in ('transport', 'phoneCallProviderId', 'phoneCallProvider'):
        del s['message']['call'][k]
    vs = ('/hooks/vapi/vapi-' + suf, 'x-vapi-secret: ' + vsec, json.dumps(s).encode())
    vr = ('/hooks/vapi/vapi-' + suf, 'x-vapi-secret: ' + vsec, json.dumps(r).encode())
    t = form.replace(b'CA3c1e5a7b9d0f2e4a6c8b0d2f4e6a8c01', sid.encode()).replace(
        urllib.parse.quote('+14155550184', safe='').encode(), urllib.parse.quote(phone, safe='').encode())
    tw = ('/hooks/twilio/twilio-' + suf, 'X-Twilio-Signature: ' + sign.twilio_header(turl, t, ttok), t)
    for p in ((tw, vs, vr) if i % 2 == 0 else (vs, vr, tw)):
        add(*p)
PY
	run python3 "$CALLTRACK_ROOT/tests/faults/fire.py" "$CALLTRACK_URL" "$W/race.pool" 24 "$W/race.out"
	echo "$output"
	[ "$status" -eq 0 ]
	# Every one answered 200 and applied: nothing parked, no 5xx.
	[ "$(awk '$2 != 200 || $3 != "applied"' "$W/race.out" | wc -l)" = 0 ] || { awk '$2 != 200 || $3 != "applied"' "$W/race.out" | head; return 1; }
	[ "$(sql "SELECT count(*) FROM calls WHERE org_id = '$ORG'")" = 100 ]
	[ "$(sql "SELECT count(*) FROM calls c WHERE c.org_id = '$ORG' AND c.provider = 'vapi'
	    AND (SELECT string_agg(l.provider || (l.seen_at IS NOT NULL), ',' ORDER BY l.provider) FROM call_legs l
	         WHERE l.org_id = c.org_id AND l.call_id = c.id) = 'twiliotrue,vapitrue'")" = 100 ]
	# Every event is linked to its call; each call has its three.
	[ "$(sql "SELECT count(*) FILTER (WHERE call_id IS NOT NULL AND outcome = 'applied') || ' ' || count(DISTINCT call_id)
	    FROM call_events WHERE org_id = '$ORG'")" = "300 100" ]
	# Twilio's lifecycle, the agent's report, whichever came first.
	[ "$(sql "SELECT string_agg(DISTINCT status || ' ' || duration_seconds || ' ' || ended_reason || ' ' || booking_status, ',')
	    FROM calls WHERE org_id = '$ORG'")" = "completed 62 customer-ended-call confirmed" ]
	# The figures: 100 calls, 100 contacts of one call each.
	get /api/stats from=2026-01-13 to=2026-01-14
	expect 200
	[ "$(jq -r '"\(.total_calls) \(.answered_calls) \(.booking.confirmed)"' <<<"$BODY")" = "100 100 100" ] || { echo "$BODY"; return 1; }
	get /api/calls include_test=true
	[ "$(jq -r .total <<<"$BODY")" = 100 ]
	[ "$(sql "SELECT count(*) || ' ' || sum(call_count) || ' ' || min(call_count) || ' ' || max(call_count)
	    FROM contacts WHERE org_id = '$ORG'")" = "100 100 1 1" ]
	# The rollup, once the sweeper's fold has run, says the same.
	sql "SELECT ct_rollup_fold()" >/dev/null
	[ "$(sql "SELECT sum(calls) FROM call_rollup WHERE org_id = '$ORG'")" = 100 ]
	[ "$(sql "SELECT count(*) FROM hot_lead_alerts WHERE org_id = '$ORG'")" = \
	    "$(sql "SELECT count(*) FROM calls WHERE org_id = '$ORG' AND lead_score >= 70")" ]
}
