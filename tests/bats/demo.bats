#!/usr/bin/env bats
# The demo: what `make run` (tools/stack start with demo data) writes and
# prints when it starts again on another port or zone, README's signed
# callbacks against it, and tools/gen-calls' data holding together.
#
# The stack here is a second one of its own (PostgreSQL, the programs,
# nginx) in a throwaway directory, on two free loopback ports in turn;
# each start is bounded in time, and the stack is stopped after the file.

load helpers

bats_require_minimum_version 1.5.0

free_port() {
	local p
	for _ in $(seq 200); do
		p=$((20000 + RANDOM % 20000))
		[ "$p" != "${CALLTRACK_URL##*:}" ] || continue
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	return 1
}

# tools/stack start of the demo stack; fd 3 (bats') stays out of the
# servers it starts, or bats would wait for them.
demo_start() {	# OUTPUT-FILE [VAR=VALUE...]
	local out=$1
	shift
	env "$@" STACK_FAST=1 STACK_WORKERS=1 timeout 180 "$CALLTRACK_ROOT/tools/stack" start "$DEMO_DIR" \
	    >"$out" 2>&1 3>&-
}

setup_file() {
	DEMO_DIR=$BATS_FILE_TMPDIR/stack
	P1=$(free_port) P2=$(free_port)
	while [ "$P2" = "$P1" ]; do P2=$(free_port); done
	export DEMO_DIR P1 P2
	mkdir -p "$DEMO_DIR"
	demo_start "$BATS_FILE_TMPDIR/start1.out" CALLTRACK_PORT="$P1" CALLTRACK_DEMO_TZ=Europe/London ||
	    { cat "$BATS_FILE_TMPDIR/start1.out" >&2; return 1; }
	cp "$DEMO_DIR/demo.env" "$BATS_FILE_TMPDIR/demo1.env"
	# The second start: another port, CALLTRACK_DEMO_TZ empty (as good as
	# unset), the machine's zone as TZ says.
	demo_start "$BATS_FILE_TMPDIR/start2.out" CALLTRACK_PORT="$P2" CALLTRACK_DEMO_TZ= TZ=America/Chicago ||
	    { cat "$BATS_FILE_TMPDIR/start2.out" >&2; return 1; }
}

teardown_file() {
	local rt
	rt=$(cat "$DEMO_DIR/run/runtime-dir" 2>/dev/null || true)
	timeout 60 "$CALLTRACK_ROOT/tools/stack" stop "$DEMO_DIR" >/dev/null 2>&1 3>&- || true
	rm -rf "$DEMO_DIR"
	case $rt in /tmp/calltrack-*) rm -rf "$rt" ;; esac
}

# A query in the demo stack's database (its demo.env's PG* variables).
demo_sql() {
	(. "$DEMO_DIR/demo.env" && psql -X -At -c "$1")
}
env_value() { sed -n "s/^$2=//p" "$1"; }

@test "a second start on another port prints and writes that port's URLs, and keeps the token and secrets" {
	local out1=$BATS_FILE_TMPDIR/start1.out out2=$BATS_FILE_TMPDIR/start2.out name
	grep -qF "Dashboard      http://127.0.0.1:$P1/" "$out1"
	grep -qF "Dashboard      http://127.0.0.1:$P2/" "$out2"
	grep -qF "Twilio         http://127.0.0.1:$P2/hooks/twilio/twilio-demo" "$out2"
	# Nothing the second start printed or wrote names the first port.
	run grep -c "127.0.0.1:$P1" "$out2" "$DEMO_DIR/demo.env"
	[ "$output" = "$out2:0
$DEMO_DIR/demo.env:0" ]
	for name in CALLTRACK_URL CALLTRACK_VAPI_URL CALLTRACK_RETELL_URL CALLTRACK_TWILIO_URL; do
		[[ $(env_value "$DEMO_DIR/demo.env" $name) == "http://127.0.0.1:$P2"* ]]
		[[ $(env_value "$BATS_FILE_TMPDIR/demo1.env" $name) == "http://127.0.0.1:$P1"* ]]
	done
	for name in CALLTRACK_TOKEN CALLTRACK_ORG CALLTRACK_VAPI_SECRET CALLTRACK_RETELL_KEY CALLTRACK_TWILIO_TOKEN; do
		[ -n "$(env_value "$DEMO_DIR/demo.env" $name)" ]
		[ "$(env_value "$DEMO_DIR/demo.env" $name)" = "$(env_value "$BATS_FILE_TMPDIR/demo1.env" $name)" ]
	done
	# One demo org, its token still good on the new port.
	[ "$(demo_sql "SELECT count(*) FROM orgs WHERE name = 'Demo Clinic'")" = 1 ]
	run curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(env_value "$DEMO_DIR/demo.env" CALLTRACK_TOKEN)" \
	    "http://127.0.0.1:$P2/api/stats"
	[ "$output" = 200 ]
	[ "$(stat -c %a "$DEMO_DIR/demo.env")" = 600 ]
}

@test "the demo Twilio integration's public URL follows the port: signed for the new URL 200, for the old 401" {
	local f=$FIX/twilio/outbound-no-answer.form url old tok
	url=$(env_value "$DEMO_DIR/demo.env" CALLTRACK_TWILIO_URL)
	old=$(env_value "$BATS_FILE_TMPDIR/demo1.env" CALLTRACK_TWILIO_URL)
	tok=$(env_value "$DEMO_DIR/demo.env" CALLTRACK_TWILIO_TOKEN)
	[ "$(demo_sql "SELECT public_url FROM integrations WHERE id = 'twilio-demo'")" = "$url" ]
	run curl -sS -o /dev/null -w '%{http_code}' -X POST "$url" \
	    -H "$(CALLTRACK_SIGN_SECRET=$tok "$CALLTRACK_ROOT/tools/sign" twilio "$f" --url "$old")" \
	    -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$f"
	[ "$output" = 401 ]
	run curl -sS -o /dev/null -w '%{http_code}' -X POST "$url" \
	    -H "$(CALLTRACK_SIGN_SECRET=$tok "$CALLTRACK_ROOT/tools/sign" twilio "$f" --url "$url")" \
	    -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$f"
	[ "$output" = 200 ]
}

@test "the demo org's zone: CALLTRACK_DEMO_TZ at one start, the machine's (TZ) at the next, each printed" {
	local org
	org=$(env_value "$DEMO_DIR/demo.env" CALLTRACK_ORG)
	grep -qF "Time zone      Europe/London, from CALLTRACK_DEMO_TZ" "$BATS_FILE_TMPDIR/start1.out"
	grep -qF "Time zone      America/Chicago, the machine's (from TZ)" "$BATS_FILE_TMPDIR/start2.out"
	[ "$(demo_sql "SELECT timezone FROM orgs WHERE id = '$org'")" = America/Chicago ]
	run curl -sS -H "Authorization: Bearer $(env_value "$DEMO_DIR/demo.env" CALLTRACK_TOKEN)" \
	    "http://127.0.0.1:$P2/api/stats"
	[ "$(jq -r .range.tz <<<"$output")" = America/Chicago ]
}

@test "a CALLTRACK_DEMO_TZ that is not a zone stops the start before it changes anything" {
	local org before
	org=$(env_value "$DEMO_DIR/demo.env" CALLTRACK_ORG)
	before=$(md5sum <"$DEMO_DIR/demo.env")
	run demo_start "$BATS_TEST_TMPDIR/bad.out" CALLTRACK_PORT="$P1" CALLTRACK_DEMO_TZ=Mars/Olympus
	[ "$status" -eq 1 ]
	grep -qF "CALLTRACK_DEMO_TZ=Mars/Olympus is not a time zone" "$BATS_TEST_TMPDIR/bad.out"
	run demo_start "$BATS_TEST_TMPDIR/bad.out" CALLTRACK_PORT="$P1" CALLTRACK_DEMO_TZ=../../../etc/passwd
	[ "$status" -eq 1 ]
	[ "$(md5sum <"$DEMO_DIR/demo.env")" = "$before" ]
	[ "$(demo_sql "SELECT timezone FROM orgs WHERE id = '$org'")" = America/Chicago ]
	run curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P2/healthz"
	[ "$output" = 200 ]
}

# The shell blocks of README's "Signing a callback by hand", in order.
readme_blocks() {
	awk '/^### Signing a callback by hand/ { on = 1; next }
	     on && /^##/ { exit }
	     on && /^```sh$/ { inblock = 1; next }
	     inblock && /^```$/ { inblock = 0; print "# --"; next }
	     inblock { print }' "$CALLTRACK_ROOT/README.md"
}

@test "README's signed Retell and Twilio callbacks, run as written against the demo stack, are accepted" {
	local work=$BATS_TEST_TMPDIR/readme org
	readme_blocks >"$BATS_TEST_TMPDIR/readme.sh"
	grep -q 'tools/sign retell' "$BATS_TEST_TMPDIR/readme.sh"
	grep -q 'tools/sign twilio "$f" --url "$CALLTRACK_TWILIO_URL"' "$BATS_TEST_TMPDIR/readme.sh"
	grep -q 'tools/sign twilio-json' "$BATS_TEST_TMPDIR/readme.sh"
	# A checkout of its own: var/ is the demo stack, the rest the tree's.
	mkdir -p "$work"
	ln -s "$CALLTRACK_ROOT/tools" "$CALLTRACK_ROOT/tests" "$work/"
	ln -s "$DEMO_DIR" "$work/var"
	run bash -c "cd '$work' && env -u CALLTRACK_SIGN_SECRET sh '$BATS_TEST_TMPDIR/readme.sh'"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^{"ok":true,"call_id":"[0-9a-f-]*","outcome":"applied"}$' <<<"$output")" = 3 ] ||
	    { echo "$output" >&2; return 1; }
	org=$(env_value "$DEMO_DIR/demo.env" CALLTRACK_ORG)
	[ "$(demo_sql "SELECT status || ' ' || booking_status FROM calls WHERE org_id = '$org'
	    AND provider_call_id = 'call_8e41c7a2d9f0b3e5c1a7d2f4e6b'")" = "completed confirmed" ]
	[ "$(demo_sql "SELECT status FROM calls WHERE org_id = '$org'
	    AND provider_call_id = 'CA1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f'")" = busy ]
	[ "$(demo_sql "SELECT status || ' ' || duration_seconds FROM calls WHERE org_id = '$org'
	    AND provider_call_id = 'CA0123456789abcdef0123456789abcdef'")" = "completed 40" ]
}

# ---- tools/gen-calls, into a throwaway org of the harness's database ----

@test "gen-calls: bookings only on answered calls, never on a voicemail; hot leads among the booked" {
	local org
	org=$("$CALLTRACK_ADMIN" org create "Generated $RANDOM")
	run timeout 300 "$CALLTRACK_ROOT/tools/gen-calls" "$org" 3000 30
	[ "$status" -eq 0 ]
	q() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
	[ "$(q "SELECT count(*) FROM calls WHERE org_id = '$org'")" = 3000 ]
	# There is something to check: each kind of call is there.
	[ "$(q "SELECT count(*) > 0 FROM calls WHERE org_id = '$org' AND status = 'voicemail'")" = t ]
	[ "$(q "SELECT count(*) > 0 FROM calls WHERE org_id = '$org' AND booking_status = 'confirmed'")" = t ]
	[ "$(q "SELECT count(*) > 0 FROM calls WHERE org_id = '$org' AND booking_status = 'attempted_failed'")" = t ]
	# No voicemail with a booking, confirmed or tried.
	[ "$(q "SELECT count(*) FROM calls WHERE org_id = '$org' AND booking_status <> 'not_requested'
	    AND (status = 'voicemail' OR end_call_reason IS NOT DISTINCT FROM 'voicemail')")" = 0 ]
	# No booking on a call that was never answered, nor on one still live.
	[ "$(q "SELECT count(*) FROM calls WHERE org_id = '$org' AND booking_status <> 'not_requested'
	    AND (started_at IS NULL OR status <> 'completed' OR duration_seconds IS NULL
	         OR duration_seconds = 0)")" = 0 ]
	# Every booking has its tool's evidence, of the outcome it says.
	[ "$(q "SELECT count(*) FROM calls WHERE org_id = '$org' AND booking_status <> 'not_requested'
	    AND (booking_evidence IS NULL OR (booking_evidence->>'successful')::boolean
	         IS DISTINCT FROM (booking_status = 'confirmed'))")" = 0 ]
	# Hot leads (a score at the org's threshold or above) among the
	# booked: some, and more than among those not booked.
	[ "$(q "SELECT count(*) > 0 FROM calls c JOIN orgs o ON o.id = c.org_id WHERE c.org_id = '$org'
	    AND c.booking_status = 'confirmed' AND c.lead_score >= o.hot_lead_threshold")" = t ]
	[ "$(q "SELECT avg((c.lead_score >= o.hot_lead_threshold)::int) FILTER (WHERE booking_status = 'confirmed')
	     > avg((c.lead_score >= o.hot_lead_threshold)::int) FILTER (WHERE booking_status = 'not_requested')
	    FROM calls c JOIN orgs o ON o.id = c.org_id WHERE c.org_id = '$org' AND c.lead_score IS NOT NULL")" = t ]
	# Each hot lead has its alert, as the dashboard counts them; no other
	# call has one, and no test call.
	[ "$(q "SELECT count(*) FROM calls c JOIN orgs o ON o.id = c.org_id
	    LEFT JOIN hot_lead_alerts a ON a.org_id = c.org_id AND a.call_id = c.id
	    WHERE c.org_id = '$org' AND (coalesce(c.lead_score >= o.hot_lead_threshold, false)
	          AND NOT c.is_test_call) <> (a.id IS NOT NULL)")" = 0 ]
	[ "$(q "SELECT count(*) > 0 FROM hot_lead_alerts WHERE org_id = '$org'")" = t ]
	# A caller whose booking was confirmed is a booked lead.
	[ "$(q "SELECT count(*) FROM contacts ct WHERE ct.org_id = '$org' AND ct.lead_status <> 'booked'
	    AND EXISTS (SELECT 1 FROM calls c WHERE c.org_id = ct.org_id AND c.contact_id = ct.id
	                AND c.booking_status = 'confirmed')")" = 0 ]
	[ "$(q "SELECT count(*) FROM contacts ct WHERE ct.org_id = '$org' AND ct.lead_status = 'booked'
	    AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.org_id = ct.org_id AND c.contact_id = ct.id
	                    AND c.booking_status = 'confirmed')")" = 0 ]
	# What the dashboard shows agrees: hot leads counted.
	local tok
	tok=$("$CALLTRACK_ADMIN" token create "$org")
	req GET /api/stats -H "Authorization: Bearer $tok"
	expect 200
	[ "$(jq '.hot_leads > 0 and .booking.confirmed > 0' <<<"$BODY")" = true ]
}
