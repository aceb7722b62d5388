#!/usr/bin/env bats
# Every rejection of the shared pipeline, through the real nginx, for each
# of the five programs, with the JSON error body of docs/API.md.

load helpers

setup_file() {
	make_fixture_org
}

VAPI_FILE=$CALLTRACK_FIXTURES/vapi/inbound-completed.1.status-update.queued.json

@test "a wrong method gets 405 with Allow, from each webhook program" {
	for p in "vapi/vapi-$SUF" "retell/retell-$SUF" "twilio/twilio-$SUF"; do
		req GET "/hooks/$p"
		expect 405 method_not_allowed
		grep -qx 'Allow: POST' <<<"$HEADERS"
		req PUT "/hooks/$p" -H 'Content-Type: application/json' --data '{}'
		expect 405 method_not_allowed
	done
}

@test "a wrong method gets 405 with Allow: GET, from each dashboard program" {
	for p in /api/calls /api/calls/00000000-0000-0000-0000-000000000000 /api/stats /api/alerts; do
		req POST "$p" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data '{}'
		expect 405 method_not_allowed
		grep -qx 'Allow: GET' <<<"$HEADERS"
	done
	# A route that writes names what it takes.
	req PATCH /api/contacts -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data '{}'
	expect 405 method_not_allowed
	grep -qx 'Allow: GET, POST' <<<"$HEADERS"
	req POST /api/contacts/00000000-0000-0000-0000-000000000000 -H "Authorization: Bearer $TOKEN" \
	    -H 'Content-Type: application/json' --data '{}'
	grep -qx 'Allow: GET, PATCH' <<<"$HEADERS"
	req GET /api/alerts/00000000-0000-0000-0000-000000000000/acknowledge -H "Authorization: Bearer $TOKEN"
	grep -qx 'Allow: POST' <<<"$HEADERS"
	req DELETE /api/contacts/00000000-0000-0000-0000-000000000000 -H "Authorization: Bearer $TOKEN"
	expect 405 method_not_allowed
	grep -qx 'Allow: GET, POST, PATCH' <<<"$HEADERS"
}

@test "a wrong content type gets 415, from each webhook program" {
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: text/plain' -H "x-vapi-secret: $VAPI_SECRET" \
	    --data-binary @"$VAPI_FILE"
	expect 415 unsupported_media_type
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/x-www-form-urlencoded' --data 'a=1'
	expect 415 unsupported_media_type
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: text/xml' --data '<x/>'
	expect 415 unsupported_media_type
	# Parameters after the media type are fine; the type decides.
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json; charset=utf-8' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary @"$VAPI_FILE"
	[ "$CODE" = 202 ] || [ "$CODE" = 200 ]
}

@test "a body over 16 MB gets 413 on the webhook routes, 64 KB elsewhere" {
	local big=$BATS_FILE_TMPDIR/big
	head -c $((16 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$big"
	for p in "vapi/vapi-$SUF" "retell/retell-$SUF" "twilio/twilio-$SUF"; do
		req POST "/hooks/$p" -H 'Content-Type: application/json' --data-binary @"$big"
		expect 413 payload_too_large
	done
	head -c $((64 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$big"
	req GET /api/calls -H "Authorization: Bearer $TOKEN" --data-binary @"$big"
	expect 413 payload_too_large
}

@test "a 1 MB body fits under the webhook limit" {
	local f=$BATS_FILE_TMPDIR/mb.json
	{ printf '{"message":{"type":"transcript","call":{"id":"big-1"},"transcript":"'
	  head -c $((1024 * 1024)) /dev/zero | tr '\0' 'a'
	  printf '"}}'; } >"$f"
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary @"$f"
	expect 200
}

@test "an unknown integration gets 404, from each webhook program" {
	for p in vapi/no-such-one retell/no-such-one twilio/no-such-one; do
		req POST "/hooks/$p" -H 'Content-Type: application/json' --data '{}'
		expect 404 unknown_integration
	done
	[ "$(rejections no-such-one unknown_integration)" -ge 3 ]
}

@test "an integration on another provider's route gets 404" {
	req POST "/hooks/retell/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-retell-signature: $(retell_sig "$VAPI_FILE")" --data-binary @"$VAPI_FILE"
	expect 404 unknown_integration
}

@test "a disabled integration gets 404" {
	local body='{"message":{"type":"status-update","status":"queued","call":{"id":"disable-me"}}}'
	"$CALLTRACK_ADMIN" integration create "$ORG" --provider vapi --id "off-$SUF" --secret "$VAPI_SECRET" >/dev/null
	req POST "/hooks/vapi/off-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary "$body"
	expect 200
	"$CALLTRACK_ADMIN" integration disable "off-$SUF"
	req POST "/hooks/vapi/off-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary "${body/queued/ringing}"
	expect 404 unknown_integration
}

@test "malformed paths and unknown routes get JSON 404s" {
	req POST "/hooks/vapi/" -H 'Content-Type: application/json' --data '{}'
	expect 404 unknown_integration
	req POST "/hooks/vapi/a/b" -H 'Content-Type: application/json' --data '{}'
	expect 404 unknown_integration
	req POST "/hooks/nope/x" -H 'Content-Type: application/json' --data '{}'
	expect 404 not_found
	req GET "/api/nothing"
	expect 404 not_found
}

@test "a bad or missing signature gets 401 from each webhook program, and is kept" {
	local rf=$FIX/retell/booking-succeeded.1.call_started.json
	local tf=$FIX/twilio/outbound-completed.4.completed.form
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H 'x-vapi-secret: not-the-right-secret' --data-binary @"$VAPI_FILE"
	expect 401 invalid_signature
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' --data-binary @"$VAPI_FILE"
	expect 401 missing_signature
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' \
	    -H "x-retell-signature: $(retell_sig "$rf" key_wrong_000000000000)" --data-binary @"$rf"
	expect 401 invalid_signature
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' --data-binary @"$rf"
	expect 401 missing_signature
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H 'X-Twilio-Signature: AAAAAAAAAAAAAAAAAAAAAAAAAAA=' --data-binary @"$tf"
	expect 401 invalid_signature
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: application/x-www-form-urlencoded' \
	    --data-binary @"$tf"
	expect 401 missing_signature
	[ "$(rejections "vapi-$SUF" invalid_signature)" -ge 1 ]
	[ "$(rejections "retell-$SUF" invalid_signature)" -ge 1 ]
	[ "$(rejections "twilio-$SUF" missing_signature)" -ge 1 ]
	# Kept with the org it was aimed at, and the body's bytes.
	run psql -X -At -c "SELECT org_id, body_size, length(body) FROM rejected_events
	    WHERE integration_id = 'twilio-$SUF' AND reason = 'invalid_signature' LIMIT 1"
	[ "$output" = "$ORG|672|672" ]
}

@test "a missing, malformed, unknown or revoked token gets 401 from each dashboard program" {
	local id
	for p in /api/calls /api/calls/00000000-0000-0000-0000-000000000000 /api/stats \
	    /api/contacts /api/contacts/00000000-0000-0000-0000-000000000000 /api/alerts; do
		req GET "$p"
		expect 401 missing_token
		req GET "$p" -H 'Authorization: Basic dXNlcjpwYXNz'
		expect 401 missing_token
		req GET "$p" -H "Authorization: Bearer ct_$(openssl rand -hex 20)"
		expect 401 invalid_token
		req GET "$p" -H "Authorization: Bearer ' OR 1=1 --"
		expect 401 invalid_token
	done
	local t2
	t2=$("$CALLTRACK_ADMIN" token create "$ORG" --label revoke-me)
	req GET /api/stats -H "Authorization: Bearer $t2"
	[ "$CODE" != 401 ]
	id=$(psql -X -At -c "SELECT id FROM api_tokens WHERE label = 'revoke-me' AND org_id = '$ORG'")
	"$CALLTRACK_ADMIN" token revoke "$id"
	req GET /api/stats -H "Authorization: Bearer $t2"
	expect 401 invalid_token
}

@test "a valid token is accepted, case-insensitive scheme, and its use is noted" {
	req GET /api/stats -H "Authorization: bearer $TOKEN"
	[ "$CODE" != 401 ]
	run psql -X -At -c "SELECT last_used_at IS NOT NULL FROM api_tokens WHERE label = 'bats' AND org_id = '$ORG'"
	[ "$output" = t ]
}

@test "malformed JSON and a missing call id get 400 and are kept" {
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data '{"message":{"type":"status-update"'
	expect 400 malformed_body
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data '{"message":{"type":"status-update","call":{}}}'
	expect 400 missing_call_id
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H "X-Twilio-Signature: x" --data 'CallSid=%zz'
	expect 401 invalid_signature
	[ "$(rejections "vapi-$SUF" malformed_body)" -ge 1 ]
	[ "$(rejections "vapi-$SUF" missing_call_id)" -ge 1 ]
}

@test "error bodies carry no internal detail and logs carry no secrets" {
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H 'x-vapi-secret: wrong' --data-binary @"$VAPI_FILE"
	run grep -ciE 'sql|postgres|select|/work|\.c:' <<<"$BODY"
	[ "$output" = 0 ]
	! grep -rq "$VAPI_SECRET" "$CALLTRACK_STACK/log/"
	! grep -rq "$RETELL_KEY" "$CALLTRACK_STACK/log/"
	! grep -rq "$TOKEN" "$CALLTRACK_STACK/log/"
}

@test "each request is one log line of key=value fields: program, org, integration, event, outcome" {
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H 'x-vapi-secret: wrong' --data-binary @"$VAPI_FILE"
	run grep -E "^calltrack vapi-hook\[[0-9]+\] id=[0-9a-f]{32} method=POST path=\"/hooks/vapi/vapi-$SUF\" status=401 code=invalid_signature org=$ORG integration=vapi-$SUF event=\"-\" outcome=- us=[0-9]+ detail=" \
	    "$CALLTRACK_STACK/log/vapi-hook.log"
	[ "$status" -eq 0 ]
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary @"$VAPI_FILE"
	expect 200
	run grep -E "^calltrack vapi-hook\[[0-9]+\] id=[0-9a-f]{32} method=POST path=\"/hooks/vapi/vapi-$SUF\" status=200 code=- org=$ORG integration=vapi-$SUF event=\"[a-z-]+\" outcome=(applied|duplicate) us=[0-9]+ detail=\"\"$" \
	    "$CALLTRACK_STACK/log/vapi-hook.log"
	[ "$status" -eq 0 ]
	req GET /api/stats -H "Authorization: Bearer $TOKEN"
	run grep -E "^calltrack dashboard-stats\[[0-9]+\] id=[0-9a-f]{32} method=GET path=\"/api/stats\" status=200 code=- org=$ORG integration=- event=\"-\" outcome=- us=[0-9]+" \
	    "$CALLTRACK_STACK/log/dashboard-stats.log"
	[ "$status" -eq 0 ]
}

@test "an unknown, a disabled and another provider's integration get one 404, which says what was looked for" {
	local dis="vapidis-$SUF" a b c
	"$CALLTRACK_ADMIN" integration create "$ORG" --provider vapi --id "$dis" --secret "$VAPI_SECRET" >/dev/null
	"$CALLTRACK_ADMIN" integration disable "$dis" >/dev/null
	req POST "/hooks/vapi/nope-$SUF" -H 'Content-Type: application/json' -H "x-vapi-secret: $VAPI_SECRET" \
	    --data-binary @"$VAPI_FILE"
	expect 404 unknown_integration
	a=$BODY
	req POST "/hooks/vapi/$dis" -H 'Content-Type: application/json' -H "x-vapi-secret: $VAPI_SECRET" \
	    --data-binary @"$VAPI_FILE"
	expect 404 unknown_integration
	b=$BODY
	# The Retell integration's id on the Vapi route.
	req POST "/hooks/vapi/retell-$SUF" -H 'Content-Type: application/json' -H "x-vapi-secret: $VAPI_SECRET" \
	    --data-binary @"$VAPI_FILE"
	expect 404 unknown_integration
	c=$BODY
	[ "$a" = "$b" ] && [ "$b" = "$c" ]
	jq -e '.error.message | test("/hooks/<provider>/<integration id>")' <<<"$a"
}
