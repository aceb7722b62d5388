#!/usr/bin/env bats
# Reconciliation end to end: a call whose final report never came is
# asked of its provider by calltrack-admin sweep, through the real
# outbound path (libcurl, HTTPS verified against a test CA), from a real
# local server that answers as the providers' APIs do
# (tests/peers/providers.py, built from tests/fixtures/).  The test CA and
# the server's certificate for 127.0.0.1 are made here with openssl, for
# this run only.  Only this file's sweeps may reach loopback
# (CALLTRACK_RECONCILE_ALLOW_PRIVATE=1); https is required all the same.

load helpers

VAPI_API_KEY=vapi-private-key-7d1e9c3b5a
RETELL_API_KEY=key_retell_api_4c8e2a6f0b
TWILIO_API_TOKEN=twilio-auth-token-2b9d4f6a8c
TWILIO_ACCOUNT=AC8b1d3f5a7c9e0b2d4f6a8c0e2b4d6f8a

free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_server() {	# NAME PORT CERT KEY
	PROVIDERS_VAPI_KEY=$VAPI_API_KEY PROVIDERS_RETELL_KEY=$RETELL_API_KEY \
	PROVIDERS_TWILIO_TOKEN=$TWILIO_API_TOKEN \
	    /usr/bin/python3 "$CALLTRACK_ROOT/tests/peers/providers.py" serve "$2" "$3" "$4" \
	    "$CALLTRACK_FIXTURES" "$CTL" "$BATS_FILE_TMPDIR/$1.log" \
	    >"$BATS_FILE_TMPDIR/$1.out" 2>&1 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/$1.pid"
}

setup_file() {
	make_fixture_org
	PKI=$BATS_FILE_TMPDIR/pki CTL=$BATS_FILE_TMPDIR/control
	mkdir -p "$PKI" "$CTL"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.pem" \
	    -days 2 -subj /CN=calltrack-test-ca 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout "$PKI/srv.key" -out "$PKI/srv.csr" \
	    -subj /CN=127.0.0.1 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$PKI/ext"
	openssl x509 -req -in "$PKI/srv.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
	    -CAcreateserial -out "$PKI/srv.pem" -days 2 -extfile "$PKI/ext" 2>/dev/null
	# A certificate no CA of the test's signed.
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/bad.key" -out "$PKI/bad.pem" \
	    -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
	PPORT=$(free_port)
	BPORT=$(free_port)
	start_server good "$PPORT" "$PKI/srv.pem" "$PKI/srv.key"
	start_server bad "$BPORT" "$PKI/bad.pem" "$PKI/bad.key"
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$PPORT") 2>/dev/null &&
		    (exec 3<>"/dev/tcp/127.0.0.1/$BPORT") 2>/dev/null && break
		sleep 0.1
	done
	"$CALLTRACK_ADMIN" integration set-api-key "vapi-$SUF" --api-key - <<<"$VAPI_API_KEY" >/dev/null
	"$CALLTRACK_ADMIN" integration set-api-key "retell-$SUF" --api-key - <<<"$RETELL_API_KEY" >/dev/null
	# Twilio's Account SID: the one its callbacks carry (no --account-sid).
	"$CALLTRACK_ADMIN" integration set-api-key "twilio-$SUF" --api-key - <<<"$TWILIO_API_TOKEN" \
	    >/dev/null 2>&1
	export PKI CTL PPORT BPORT
}

teardown_file() {
	kill "$(cat "$BATS_FILE_TMPDIR/good.pid")" "$(cat "$BATS_FILE_TMPDIR/bad.pid")" 2>/dev/null || true
	# Nothing of this file is asked for after it.
	psql -X -q -c "UPDATE integrations SET api_key = NULL, api_key_set_at = NULL
	    WHERE org_id IN (SELECT id FROM orgs WHERE name LIKE 'Test org $SUF%' OR name LIKE 'Recon $SUF%')" || true
}

# One sweep, pointed at the local server (or BASE), bounded.
sweep() {
	local base=${BASE:-https://127.0.0.1:$PPORT}
	run env CALLTRACK_VAPI_API_URL="$base" CALLTRACK_RETELL_API_URL="$base" \
	    CALLTRACK_TWILIO_API_URL="$base" CALLTRACK_CA_FILE="$PKI/ca.pem" \
	    CALLTRACK_RECONCILE_ALLOW_PRIVATE=1 timeout 120 "$CALLTRACK_ADMIN" sweep
	echo "$output" >>"$BATS_FILE_TMPDIR/sweeps.out"
}

control() { printf '%s\n' "$2" >"$CTL/$1"; }	# CALL-ID WHAT

vapi_hook() {	# FILE [SLUG]
	req POST "/hooks/vapi/${2:-vapi-$SUF}" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary @"$1"
	expect 200
}
retell_hook() {	# FILE [SLUG]
	req POST "/hooks/retell/${2:-retell-$SUF}" -H 'Content-Type: application/json' \
	    -H "x-retell-signature: $(retell_sig "$1")" --data-binary @"$1"
	expect 200
}
twilio_hook() {	# FILE
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H "$(twilio_sig "$1" "$TWILIO_PUBLIC_URL")" --data-binary @"$1"
	expect 200
}

# The call of provider id in org (default ORG), and its attempts.
col() {	# PROVIDER CALL-ID COLUMN [ORG]
	psql -X -At -c "SELECT $3 FROM calls WHERE org_id = '${4:-$ORG}' AND provider = '$1'
	    AND provider_call_id = '$2'"
}
attempts() {	# CALL-ID
	psql -X -At -c "SELECT a.outcome || '|' || COALESCE(a.http_status, 0) || '|' || COALESCE(a.error, '')
	    FROM reconcile_attempts a JOIN calls c ON c.org_id = a.org_id AND c.id = a.call_id
	    WHERE c.org_id = '$ORG' AND c.provider_call_id = '$1' ORDER BY a.id"
}
# Makes an open call stuck: its last event a day ago.
stick() { psql -X -q -c "UPDATE calls SET last_event_at = now() - interval '1 day'
    WHERE org_id = '${2:-$ORG}' AND provider_call_id = '$1'"; }
# A stuck call of our own (no webhook needed), for the bad answers.
stuck_call() {	# PROVIDER ID [INTEGRATION]
	psql -X -q -c "INSERT INTO calls (org_id, provider, provider_call_id, integration_id, status,
	    last_event_at) VALUES ('$ORG', '$1', '$2', '${3:-$1-$SUF}', 'ringing', now() - interval '1 day')"
}

VAPI_ID=019b94d2-6a1f-7c3e-9b2d-4f8a1e6c0d21

@test "a Vapi call whose end-of-call report never came is reconciled to its real transcript, cost and booking" {
	local f=$FIX/vapi/inbound-completed
	vapi_hook "$f.1.status-update.queued.json"
	vapi_hook "$f.2.status-update.ringing.json"
	vapi_hook "$f.3.status-update.in-progress.json"
	stick "$VAPI_ID"
	control "$VAPI_ID" "fixture vapi/inbound-completed.6.end-of-call-report.json"
	sweep
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[[ "$output" == *"reconciled: asked "*", recovered "[1-9]* ]]
	[ "$(col vapi "$VAPI_ID" status)" = completed ]
	[ "$(col vapi "$VAPI_ID" status_source)" = provider ]
	[ "$(col vapi "$VAPI_ID" transcript)" = "$(jq -r .message.artifact.transcript "$f.6.end-of-call-report.json")" ]
	[ "$(col vapi "$VAPI_ID" "cost::float8")" = "$(jq -r .message.cost "$f.6.end-of-call-report.json")" ]
	[ -n "$(col vapi "$VAPI_ID" booking_status)" ]
	[ "$(col vapi "$VAPI_ID" "final_report_at IS NOT NULL")" = t ]
	[ "$(attempts "$VAPI_ID")" = "recovered|200|" ]
	run psql -X -At -c "SELECT event_type, outcome FROM call_events WHERE org_id = '$ORG'
	    AND provider_call_id = '$VAPI_ID' AND event_type = 'reconciled'"
	[ "$output" = "reconciled|applied" ]
}

@test "the reconciled call and the same call from real webhooks end identical, field by field" {
	local org2 f=$FIX/vapi/inbound-completed a b
	org2=$("$CALLTRACK_ADMIN" org create "Recon $SUF twin")
	"$CALLTRACK_ADMIN" integration create "$org2" --provider vapi --id "vapitwin-$SUF" \
	    --secret "$VAPI_SECRET" >/dev/null
	for n in 1.status-update.queued 2.status-update.ringing 3.status-update.in-progress \
	    6.end-of-call-report; do
		vapi_hook "$f.$n.json" "vapitwin-$SUF"
	done
	# Every column but the ids and the times of receipt.
	local q="SELECT (to_jsonb(c) - ARRAY['id', 'org_id', 'integration_id', 'contact_id',
	    'first_event_at', 'last_event_at', 'updated_at', 'final_report_at', 'created_at'])::text
	    FROM calls c WHERE provider = 'vapi' AND provider_call_id = '$VAPI_ID' AND org_id ="
	a=$(psql -X -At -c "$q '$ORG'")
	b=$(psql -X -At -c "$q '$org2'")
	[ -n "$a" ]
	[ "$a" = "$b" ] || { diff <(jq -S . <<<"$a") <(jq -S . <<<"$b"); return 1; }
}

@test "the same answer twice is one event" {
	# The call is no longer due: asked again by hand, its answer is a duplicate.
	psql -X -q -c "UPDATE calls SET status_source = 'sweeper', updated_at = now()
	    WHERE org_id = '$ORG' AND provider_call_id = '$VAPI_ID'"
	psql -X -q -c "DELETE FROM reconcile_attempts WHERE org_id = '$ORG'"
	sweep
	[ "$status" -eq 0 ]
	run psql -X -At -c "SELECT count(*) FROM call_events WHERE org_id = '$ORG'
	    AND provider_call_id = '$VAPI_ID' AND event_type = 'reconciled'"
	[ "$output" = 1 ]
	run psql -X -At -c "SELECT count(*) FROM call_event_duplicates d JOIN call_events e
	    ON e.org_id = d.org_id AND e.id = d.event_id WHERE e.org_id = '$ORG'
	    AND e.event_type = 'reconciled'"
	[ "$output" -ge 1 ]
	[ "$(attempts "$VAPI_ID")" = "recovered|200|" ]
}

@test "a Retell not_connected call missing its call_analyzed is reconciled" {
	local id=call_6c8e0a2b4d6f8a0c2e4b6d8f0a3
	retell_hook "$FIX/retell/not-connected.1.call_ended.json"
	[ "$(col retell "$id" "final_report_at IS NULL")" = t ]
	# Ended long ago by the provider's clock; received 15 minutes ago.
	psql -X -q -c "UPDATE calls SET last_event_at = now() - interval '15 minutes'
	    WHERE org_id = '$ORG' AND provider_call_id = '$id'"
	control "$id" "fixture retell/not-connected.2.call_analyzed.json"
	sweep
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$(attempts "$id")" = "recovered|200|" ]
	[ "$(col retell "$id" "final_report_at IS NOT NULL")" = t ]
	[ "$(col retell "$id" summary)" = "The call was not answered." ]
	run psql -X -At -c "SELECT outcome FROM call_events WHERE org_id = '$ORG'
	    AND provider_call_id = '$id' AND event_type = 'reconciled'"
	[ "$output" = applied ]
}

@test "a Twilio call stuck at ringing is reconciled to no-answer, with the callbacks' Account SID" {
	local id=CA2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a ring=$BATS_FILE_TMPDIR/ringing.form
	sed -e 's/CallStatus=no-answer/CallStatus=ringing/' -e 's/SequenceNumber=2/SequenceNumber=1/' \
	    -e 's/&CallDuration=0//' -e 's/&Duration=0//' "$FIX/twilio/outbound-no-answer.form" >"$ring"
	twilio_hook "$ring"
	[ "$(col twilio "$id" status)" = ringing ]
	stick "$id"
	control "$id" "fixture twilio/outbound-no-answer.form"
	sweep
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$(attempts "$id")" = "recovered|200|" ]
	[ "$(col twilio "$id" status)" = no-answer ]
	[ "$(col twilio "$id" status_source)" = provider ]
	grep -q "GET /2010-04-01/Accounts/$TWILIO_ACCOUNT/Calls/$id.json auth=ok" "$BATS_FILE_TMPDIR/good.log"
}

@test "a provider that does not know the call (404): the sweeper closes it as today, and it is not asked again" {
	stuck_call vapi "v404-$SUF"
	control "v404-$SUF" "status 404"
	sweep
	[ "$(attempts "v404-$SUF")" = "not_found|404|the provider does not know the call" ]
	[ "$(col vapi "v404-$SUF" "status || ' ' || status_source || ' ' || ended_reason")" = "failed sweeper no-final-report" ]
	sweep
	[ "$(attempts "v404-$SUF" | wc -l)" = 1 ]
}

@test "a rate-limited provider: Retry-After is kept, and the integration is asked no more in that run" {
	stuck_call retell "r429a-$SUF"
	stuck_call retell "r429b-$SUF"
	control "r429a-$SUF" "status 429 7200"
	control "r429b-$SUF" "status 429 7200"
	sweep
	[ "$status" -eq 0 ]
	# One question: the second call waits for the next run.
	[ "$(( $(attempts "r429a-$SUF" | wc -l) + $(attempts "r429b-$SUF" | wc -l) ))" = 1 ]
	run psql -X -At -c "SELECT outcome, retry_at > now() + interval '7100 seconds'
	    FROM reconcile_attempts WHERE org_id = '$ORG' AND outcome = 'rate_limited'"
	[ "$output" = "rate_limited|t" ]
	# The one asked is not asked again before its time.
	# (A day back by UTC's clock, in immutable steps: a cluster's UPDATE
	# takes no stable function of a column.)
	psql -X -q -c "UPDATE reconcile_attempts SET at = ((at AT TIME ZONE 'UTC') - interval '1 day') AT TIME ZONE 'UTC'
	    WHERE org_id = '$ORG' AND outcome = 'rate_limited'"
	control "r429b-$SUF" "status 404"
	control "r429a-$SUF" "status 404"
	sweep
	run psql -X -At -c "SELECT count(*) FROM reconcile_attempts WHERE org_id = '$ORG'
	    AND outcome = 'rate_limited'"
	[ "$output" = 1 ]
	run psql -X -At -c "SELECT count(*) FROM reconcile_attempts a
	    JOIN calls c ON c.org_id = a.org_id AND c.id = a.call_id
	    WHERE c.org_id = '$ORG' AND c.provider_call_id LIKE 'r429_-$SUF'"
	[ "$output" = 2 ]
}

@test "a provider that hangs costs the run one timeout: the other calls are left, the sweep ends" {
	local i
	for i in 1 2 3; do
		stuck_call vapi "vhang$i-$SUF"
		control "vhang$i-$SUF" hang
	done
	sweep
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[[ "$output" == *"skipped "[1-9]* ]]
	run psql -X -At -c "SELECT a.outcome || '|' || a.error FROM reconcile_attempts a
	    JOIN calls c ON c.org_id = a.org_id AND c.id = a.call_id
	    WHERE c.org_id = '$ORG' AND c.provider_call_id LIKE 'vhang_-$SUF'"
	[ "$output" = "failed|timed out after 5 s" ]
	# The sweeper closed them all, as without reconciliation.
	run psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$ORG'
	    AND provider_call_id LIKE 'vhang_-$SUF' AND status_source = 'sweeper'"
	[ "$output" = 3 ]
	# Nothing of this test hangs a later one.
	for i in 1 2 3; do control "vhang$i-$SUF" "status 404"; done
	sweep
}

@test "each bad answer is a bounded failure in the attempt's error, and the call is not changed by it" {
	local w
	stuck_call vapi "vbad1-$SUF"; control "vbad1-$SUF" notjson
	stuck_call vapi "vbad2-$SUF"; control "vbad2-$SUF" wrongshape
	stuck_call vapi "vbad3-$SUF"; control "vbad3-$SUF" huge
	stuck_call vapi "vbad4-$SUF"; control "vbad4-$SUF" "wrongid vapi/outbound-busy.2.end-of-call-report.json"
	stuck_call vapi "vbad5-$SUF"; control "vbad5-$SUF" "redirect https://example.org/call/x"
	stuck_call vapi "vbad6-$SUF"; control "vbad6-$SUF" "status 500"
	stuck_call twilio "CAbad7$SUF"; control "CAbad7$SUF" "otheraccount twilio/outbound-no-answer.form"
	sweep
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$(attempts "vbad1-$SUF")" = "failed|200|the answer is not JSON" ]
	[ "$(attempts "vbad2-$SUF")" = "failed|200|the answer is not a call object" ]
	[ "$(attempts "vbad3-$SUF")" = "failed|200|the answer passed 4194304 bytes" ]
	[ "$(attempts "vbad4-$SUF")" = "failed|200|the answer names another call" ]
	[[ "$(attempts "vbad5-$SUF")" == "failed|302|status 302: redirects are not followed"* ]]
	[[ "$(attempts "vbad6-$SUF")" == "failed|500|status 500"* ]]
	# The Twilio answer names the call, but of another account.
	[ "$(attempts "CAbad7$SUF")" = "failed|200|the answer belongs to another account" ]
	[ "$(col twilio "CAbad7$SUF" "status_source || ' ' || status")" = "sweeper failed" ]
	# Closed by the sweeper as today; no answer reached any of them.
	for w in vbad1 vbad2 vbad3 vbad4 vbad5 vbad6; do
		[ "$(col vapi "$w-$SUF" "status_source || ' ' || status")" = "sweeper failed" ]
		[ "$(col vapi "$w-$SUF" "transcript IS NULL")" = t ]
	done
	run psql -X -At -c "SELECT count(*) FROM call_events WHERE org_id = '$ORG'
	    AND provider_call_id LIKE 'vbad_-$SUF'"
	[ "$output" = 0 ]
}

@test "a certificate that does not verify is a failure, and the key is not sent over it" {
	stuck_call retell "rtls-$SUF"
	control "rtls-$SUF" "fixture retell/not-connected.2.call_analyzed.json"
	BASE=https://127.0.0.1:$BPORT sweep
	[ "$status" -eq 0 ]
	[[ "$(attempts "rtls-$SUF")" == "failed|0|"*certificate* ]] ||
	    [[ "$(attempts "rtls-$SUF")" == "failed|0|"*"SSL"* ]]
	! grep -q "rtls-$SUF" "$BATS_FILE_TMPDIR/bad.log"
}

@test "http:// is refused even for the test's loopback server" {
	stuck_call retell "rhttp-$SUF"
	control "rhttp-$SUF" "fixture retell/not-connected.2.call_analyzed.json"
	BASE=http://127.0.0.1:$PPORT sweep
	[[ "$(attempts "rhttp-$SUF")" == "failed|0|the call cannot be asked for"* ]]
}

@test "without the loopback setting, the outbound guard refuses the local server" {
	stuck_call retell "rguard-$SUF"
	control "rguard-$SUF" "fixture retell/not-connected.2.call_analyzed.json"
	run env CALLTRACK_RETELL_API_URL="https://127.0.0.1:$PPORT" CALLTRACK_CA_FILE="$PKI/ca.pem" \
	    CALLTRACK_VAPI_API_URL="https://127.0.0.1:$PPORT" \
	    CALLTRACK_TWILIO_API_URL="https://127.0.0.1:$PPORT" \
	    timeout 120 "$CALLTRACK_ADMIN" sweep
	[ "$status" -eq 0 ]
	[[ "$(attempts "rguard-$SUF")" == "failed|0|address not allowed: 127.0.0.1 is loopback" ]]
}

@test "GET /api/ingest shows per integration whether a key is set and its reconciliations" {
	req GET /api/ingest -H "Authorization: Bearer $TOKEN"
	expect 200
	[ "$(jq -r --arg i "vapi-$SUF" '.integrations[] | select(.id == $i) | .reconcile.api_key_set' <<<"$BODY")" = true ]
	[ "$(jq -r --arg i "vapihmac-$SUF" '.integrations[] | select(.id == $i) | .reconcile.api_key_set' <<<"$BODY")" = false ]
	[ "$(jq -r --arg i "vapi-$SUF" '.integrations[] | select(.id == $i) | .reconcile.recovered' <<<"$BODY")" -ge 1 ]
	[ "$(jq -r --arg i "vapi-$SUF" '.integrations[] | select(.id == $i) | .reconcile.failed' <<<"$BODY")" -ge 6 ]
	[[ "$BODY" != *"$VAPI_API_KEY"* ]]
	run "$CALLTRACK_ADMIN" integration list "$ORG"
	[[ "$output" == *"vapi-$SUF"*"set"* ]]
	[[ "$output" != *"$VAPI_API_KEY"* ]]
}

@test "the keys never appear in the stack's logs, the sweeps' output or the attempts" {
	local k
	for k in "$VAPI_API_KEY" "$RETELL_API_KEY" "$TWILIO_API_TOKEN"; do
		! grep -rqF -- "$k" "$CALLTRACK_STACK/log/" "$BATS_FILE_TMPDIR/sweeps.out"
		run psql -X -At -c "SELECT count(*) FROM reconcile_attempts WHERE position('$k' IN COALESCE(error, '')) > 0"
		[ "$output" = 0 ]
	done
}

@test "set-api-key --clear removes the key: the integration's calls are the sweeper's alone" {
	run "$CALLTRACK_ADMIN" integration set-api-key "retell-$SUF" --clear
	[ "$status" -eq 0 ]
	run psql -X -At -c "SELECT api_key IS NULL AND api_key_set_at IS NULL FROM integrations
	    WHERE id = 'retell-$SUF'"
	[ "$output" = t ]
	stuck_call retell "rclear-$SUF"
	control "rclear-$SUF" "fixture retell/not-connected.2.call_analyzed.json"
	sweep
	[ -z "$(attempts "rclear-$SUF")" ]
	[ "$(col retell "rclear-$SUF" status_source)" = sweeper ]
	run "$CALLTRACK_ADMIN" integration set-api-key "retell-$SUF" --api-key short
	[ "$status" -eq 2 ]
	run "$CALLTRACK_ADMIN" integration set-api-key "retell-$SUF" --api-key - --account-sid "$TWILIO_ACCOUNT" <<<"$RETELL_API_KEY"
	[ "$status" -eq 1 ]
}
