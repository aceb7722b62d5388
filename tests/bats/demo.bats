#!/usr/bin/env bats
# The demo: what `make run` (tools/stack start with demo data) writes and
# prints when it starts again on another port or zone, the month of calls
# it loads once (tools/demo-fill), README's signed callbacks against it,
# and tools/gen-calls' data holding together, run after run.
#
# The stack here is a second one of its own (PostgreSQL, the programs,
# nginx) in a throwaway directory, on two free loopback ports in turn;
# each start is bounded in time, and the stack is stopped after the file.
# Its first start has CALLTRACK_DEMO=0 (no calls), its second fills the
# demo org; the harness's own stack is never filled.

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
	demo_start "$BATS_FILE_TMPDIR/start1.out" CALLTRACK_PORT="$P1" CALLTRACK_DEMO_TZ=Europe/London \
	    CALLTRACK_DEMO=0 || { cat "$BATS_FILE_TMPDIR/start1.out" >&2; return 1; }
	cp "$DEMO_DIR/demo.env" "$BATS_FILE_TMPDIR/demo1.env"
	demo_sql "SELECT count(*) FROM calls" >"$BATS_FILE_TMPDIR/calls1"
	# The second start: another port, CALLTRACK_DEMO_TZ empty (as good as
	# unset), the machine's zone as TZ says; the demo month loaded.
	demo_start "$BATS_FILE_TMPDIR/start2.out" CALLTRACK_PORT="$P2" CALLTRACK_DEMO_TZ= TZ=America/Chicago \
	    CALLTRACK_DEMO=1 || { cat "$BATS_FILE_TMPDIR/start2.out" >&2; return 1; }
	# What the fill left, before any test adds a call: the org's count,
	# and the time after which every call and event is a test's.
	demo_sql "SELECT count(*) FROM calls WHERE org_id = '$(demo_org)'" >"$BATS_FILE_TMPDIR/calls2"
	demo_sql "SELECT now()" >"$BATS_FILE_TMPDIR/filled_at"
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
demo_org() { env_value "$DEMO_DIR/demo.env" CALLTRACK_ORG; }

@test "a second start on another port prints and writes that port's URLs, and keeps the token and secrets" {
	local out1=$BATS_FILE_TMPDIR/start1.out out2=$BATS_FILE_TMPDIR/start2.out name
	grep -qF "Dashboard      http://127.0.0.1:$P1/" "$out1"
	grep -qF "Dashboard      http://127.0.0.1:$P2/" "$out2"
	grep -qF "Twilio         http://127.0.0.1:$P2/hooks/twilio/twilio-demo" "$out2"
	# Nothing the second start printed or wrote names the first port.
	run grep -c "127.0.0.1:$P1" "$out2" "$DEMO_DIR/demo.env"
	[ "$output" = "$out2:0
$DEMO_DIR/demo.env:0" ]
	for name in CALLTRACK_URL CALLTRACK_PUBLIC_URL CALLTRACK_VAPI_URL CALLTRACK_RETELL_URL CALLTRACK_TWILIO_URL; do
		[[ $(env_value "$DEMO_DIR/demo.env" $name) == "http://127.0.0.1:$P2"* ]]
		[[ $(env_value "$BATS_FILE_TMPDIR/demo1.env" $name) == "http://127.0.0.1:$P1"* ]]
	done
	for name in CALLTRACK_TOKEN CALLTRACK_ORG CALLTRACK_VAPI_SECRET CALLTRACK_RETELL_KEY CALLTRACK_TWILIO_TOKEN; do
		[ -n "$(env_value "$DEMO_DIR/demo.env" $name)" ]
		[ "$(env_value "$DEMO_DIR/demo.env" $name)" = "$(env_value "$BATS_FILE_TMPDIR/demo1.env" $name)" ]
	done
	# The admin command, in a shell that sourced demo.env, prints the URL
	# the stack serves.
	run bash -c '. "$1" && o=$("$CALLTRACK_ADMIN" org create "URL test") &&
	    "$CALLTRACK_ADMIN" integration create "$o" --provider vapi \
	    --id "vapi-url-$RANDOM" --secret s3cret-url-test 2>/dev/null' _ "$DEMO_DIR/demo.env"
	[ "$status" -eq 0 ]
	[[ $output == "http://127.0.0.1:$P2/hooks/vapi/vapi-url-"* ]]
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

# ---- the demo month: tools/demo-fill at the second start ----

# When the second start ended: a call or event of the fill came before,
# one of a test after.
filled_at() { cat "$BATS_FILE_TMPDIR/filled_at"; }

@test "CALLTRACK_DEMO=0: the org, its integrations and token, and no calls; another value stops the start" {
	[ "$(cat "$BATS_FILE_TMPDIR/calls1")" = 0 ]
	run grep -c '^demo-fill:' "$BATS_FILE_TMPDIR/start1.out"
	[ "$output" = 0 ]
	grep -qF "Token          $(env_value "$BATS_FILE_TMPDIR/demo1.env" CALLTRACK_TOKEN)" "$BATS_FILE_TMPDIR/start1.out"
	[ "$(demo_sql "SELECT count(*) FROM integrations WHERE org_id = '$(demo_org)'")" = 3 ]
	run demo_start "$BATS_TEST_TMPDIR/bad.out" CALLTRACK_PORT="$P1" CALLTRACK_DEMO=yes
	[ "$status" -eq 1 ]
	grep -qF "CALLTRACK_DEMO=yes: 1 fills the demo org with a month of calls, 0 does not" "$BATS_TEST_TMPDIR/bad.out"
	run curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P2/healthz"
	[ "$output" = 200 ]
}

@test "the fill says in one line how many calls it loaded, and the database has that many" {
	local out=$BATS_FILE_TMPDIR/start2.out n
	run grep -c '^demo-fill:' "$out"
	[ "$output" = 1 ]
	n=$(sed -n 's/^demo-fill: loaded \([0-9][0-9]*\) calls into Demo Clinic, the last 30 days in America\/Chicago: .*/\1/p' "$out")
	[ -n "$n" ] || { cat "$out" >&2; return 1; }
	[ "$n" -ge 1000 ]
	[ "$n" = "$(cat "$BATS_FILE_TMPDIR/calls2")" ]
	# It came before the banner, which still says how to use the stack.
	grep -qF "Dashboard      http://127.0.0.1:$P2/" "$out"
}

@test "the fill's callbacks arrived as real events: signed, through nginx, applied by the demo's integrations, mapped as their scenarios say" {
	local org copies calls want got ids
	org=$(demo_org)
	calls=$(jq '.calls | length' "$FIX/manifest.json")
	got=$(demo_sql "SELECT count(*) FROM calls WHERE org_id = '$org' AND first_event_at <= '$(filled_at)' AND provider_call_id NOT LIKE 'gen-%'")
	copies=$((got / calls))
	[ "$copies" -ge 1 ] && [ $((copies * calls)) = "$got" ]
	# Each provider's deliveries, every one kept and by the demo's own
	# integration: applied, or recorded (a message of no call state).
	run demo_sql "SELECT provider || ' ' || integration_id || ' ' || outcome || ' ' || count(*)
	    FROM call_events WHERE org_id = '$org' AND received_at <= '$(filled_at)'
	    GROUP BY provider, integration_id, outcome ORDER BY 1"
	# Recorded: the messages of no call state (the fixtures' ".ignored."
	# ones) and a Vapi hang, which is a stalled assistant, not an end.
	want=$(jq -r --argjson k "$copies" '[.deliveries[] | {p: .provider, o: (if .file | test("[.](ignored|hang)[.]") then "recorded" else "applied" end)}]
	    | group_by(.p + .o)[] | "\(.[0].p) \(.[0].p)-demo \(.[0].o) \(length * $k)"' "$FIX/manifest.json")
	[ "$output" = "$want" ] || { echo "got: $output"; echo "want: $want"; return 1; } >&2
	[ "$(demo_sql "SELECT count(*) FROM rejected_events WHERE org_id = '$org' AND received_at <= '$(filled_at)'")" = 0 ]
	# Every call of them has its events, linked.
	[ "$(demo_sql "SELECT count(*) FROM calls c WHERE c.org_id = '$org' AND first_event_at <= '$(filled_at)' AND c.provider_call_id NOT LIKE 'gen-%'
	    AND NOT EXISTS (SELECT 1 FROM call_events e WHERE e.org_id = c.org_id AND e.call_id = c.id
	                    AND e.outcome = 'applied' AND e.integration_id = c.provider || '-demo')")" = 0 ]
	# nginx answered each of them 200.
	[ "$(grep -cE '"POST /hooks/(vapi/vapi|retell/retell|twilio/twilio)-demo HTTP/1.1" 200 .*"calltrack-demo-fill"$' \
	    "$DEMO_DIR/log/nginx-access.log")" = "$(jq --argjson k "$copies" '.deliveries | length * $k' "$FIX/manifest.json")" ]
	# What the mapping made of them is what the fixtures expect, copy
	# for copy: statuses, bookings, test calls.
	got=$(demo_sql "SELECT provider || ' ' || status || ' ' || booking_status || ' ' || is_test_call || ' ' || count(*)
	    FROM calls WHERE org_id = '$org' AND first_event_at <= '$(filled_at)' AND provider_call_id NOT LIKE 'gen-%'
	    GROUP BY provider, status, booking_status, is_test_call ORDER BY 1")
	# A scenario that does not name a booking or a test flag expects the
	# call's defaults: not_requested, false.
	want=$(jq -r --argjson k "$copies" '[.calls[] | "\(.provider) \(.expected.status) \(.expected.booking_status // "not_requested") \(.expected.is_test_call // false)"]
	    | group_by(.)[] | "\(.[0]) \(length * $k)"' "$FIX/manifest.json" | LC_ALL=C sort)
	[ "$(LC_ALL=C sort <<<"$got")" = "$want" ] || { echo "got: $got"; echo "want: $want"; return 1; } >&2
	# Each copy's id is new, of its provider's shape: none is a fixture's.
	ids=$(jq -r '.calls[].provider_call_id' "$FIX/manifest.json" | sed "s/.*/'&'/" | paste -sd, -)
	[ "$(demo_sql "SELECT count(*) FROM calls WHERE org_id = '$org' AND first_event_at <= '$(filled_at)' AND provider_call_id NOT LIKE 'gen-%'
	    AND (provider_call_id IN ($ids)
	         OR NOT provider_call_id ~ CASE provider
	            WHEN 'vapi' THEN '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\$'
	            WHEN 'retell' THEN '^call_[0-9a-f]{27}\$' ELSE '^CA[0-9a-f]{32}\$' END)")" = 0 ]
}

@test "the month: the org's last 30 days, nothing in the future, in its business hours; the dashboard's 30 days hold all of it" {
	local org tz
	org=$(demo_org)
	tz=$(demo_sql "SELECT timezone FROM orgs WHERE id = '$org'")
	[ "$tz" = America/Chicago ]
	q() { demo_sql "SELECT $1 FROM calls c WHERE c.org_id = '$org' AND c.first_event_at <= '$(filled_at)' ${2:+AND $2}"; }
	# Inside today and the 29 days before, in the org's zone; nothing
	# started or ended after now.
	[ "$(q "count(*)" "c.call_at < ((now() AT TIME ZONE '$tz')::date - 29)::timestamp AT TIME ZONE '$tz'")" = 0 ]
	[ "$(q "count(*)" "greatest(c.started_at, c.ended_at, c.call_at) > now()")" = 0 ]
	# Spread over the month, not a day of it.
	[ "$(q "count(DISTINCT (c.call_at AT TIME ZONE '$tz')::date)")" -ge 20 ]
	[ "$(q "min(c.call_at) < now() - interval '25 days' AND max(c.call_at) > now() - interval '4 days'")" = t ]
	# In business hours of the org's zone: the generated Monday to Friday
	# 8:00 to 18:00 and Saturday 9:00 to 13:00, the callbacks on weekdays
	# between 9:00 and 17:00 (a quarter-hour either side).
	[ "$(q "count(*)" "c.provider_call_id LIKE 'gen-%' AND NOT (
	    (extract(isodow FROM c.call_at AT TIME ZONE '$tz') <= 5 AND extract(hour FROM c.call_at AT TIME ZONE '$tz') BETWEEN 8 AND 17)
	    OR (extract(isodow FROM c.call_at AT TIME ZONE '$tz') = 6 AND extract(hour FROM c.call_at AT TIME ZONE '$tz') BETWEEN 9 AND 12))")" = 0 ]
	[ "$(q "count(*)" "c.provider_call_id NOT LIKE 'gen-%' AND NOT (
	    extract(isodow FROM c.call_at AT TIME ZONE '$tz') <= 5 AND extract(hour FROM c.call_at AT TIME ZONE '$tz') BETWEEN 8 AND 17)")" = 0 ]
	# The dashboard's default range (the last 30 days) counts every call
	# of the month but the test calls, which it leaves out by default.
	run curl -sS -H "Authorization: Bearer $(env_value "$DEMO_DIR/demo.env" CALLTRACK_TOKEN)" "http://127.0.0.1:$P2/api/stats"
	[ "$(jq .total_calls <<<"$output")" = "$(q "count(*)" "NOT c.is_test_call")" ]
}

@test "the month has hot leads and failed bookings, by callback and generated, and the mix of a real one" {
	local org tok
	org=$(demo_org)
	q() { demo_sql "SELECT $1 FROM calls c WHERE c.org_id = '$org' AND c.first_event_at <= '$(filled_at)' ${2:+AND $2}"; }
	for kind in "LIKE 'gen-%'" "NOT LIKE 'gen-%'"; do
		[ "$(q "count(*)" "c.provider_call_id $kind AND c.booking_status = 'attempted_failed'")" -gt 0 ]
		[ "$(q "count(*)" "c.provider_call_id $kind AND c.booking_status = 'confirmed'")" -gt 0 ]
		[ "$(q "count(*)" "c.provider_call_id $kind AND EXISTS (SELECT 1 FROM hot_lead_alerts a
		    WHERE a.org_id = c.org_id AND a.call_id = c.id)")" -gt 0 ]
	done
	[ "$(q "count(DISTINCT c.provider)")" = 3 ]
	[ "$(q "count(DISTINCT c.status)")" -ge 7 ]
	[ "$(q "count(DISTINCT c.direction)")" = 3 ]
	[ "$(q "count(DISTINCT c.sentiment)")" = 3 ]
	[ "$(q "count(DISTINCT c.end_call_reason)")" -ge 7 ]
	# Callers around them: named and not, each with its calls counted.
	[ "$(demo_sql "SELECT count(*) FILTER (WHERE name IS NULL) > 0 AND count(*) FILTER (WHERE name IS NOT NULL) > 100
	    FROM contacts WHERE org_id = '$org'")" = t ]
	[ "$(demo_sql "SELECT count(*) FROM contacts ct WHERE ct.org_id = '$org' AND ct.call_count <>
	    (SELECT count(*) FROM calls c WHERE c.org_id = ct.org_id AND c.contact_id = ct.id)
	    AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.org_id = ct.org_id AND c.contact_id = ct.id
	                    AND c.first_event_at > '$(filled_at)')")" = 0 ]
	# The dashboard shows them.
	tok=$(env_value "$DEMO_DIR/demo.env" CALLTRACK_TOKEN)
	run curl -sS -H "Authorization: Bearer $tok" "http://127.0.0.1:$P2/api/stats"
	[ "$(jq '.hot_leads > 0 and .booking.attempted_failed > 0 and .booking.confirmed > 0' <<<"$output")" = true ]
}

@test "demo-fill again before its generator ran (a start stopped halfway): the same callbacks, each kept once" {
	local org vsec rkey ttok base=http://127.0.0.1:$P2 out
	vsec=$(openssl rand -hex 16) rkey=key_$(openssl rand -hex 16) ttok=$(openssl rand -hex 16)
	a() { (. "$DEMO_DIR/demo.env" && "$CALLTRACK_ADMIN" "$@"); }
	org=$(a org create "Refill $RANDOM" --timezone America/Chicago)
	printf '%s\n' "$vsec" | a integration create "$org" --provider vapi --id "vapi-refill-$$" --secret - >/dev/null
	printf '%s\n' "$rkey" | a integration create "$org" --provider retell --id "retell-refill-$$" --secret - >/dev/null
	printf '%s\n' "$ttok" | a integration create "$org" --provider twilio --id "twilio-refill-$$" --secret - \
	    --public-url "$base/hooks/twilio/twilio-refill-$$" >/dev/null
	fill() {
		(. "$DEMO_DIR/demo.env" && CALLTRACK_ORG=$org CALLTRACK_VAPI_URL=$base/hooks/vapi/vapi-refill-$$ \
		    CALLTRACK_VAPI_SECRET=$vsec CALLTRACK_RETELL_URL=$base/hooks/retell/retell-refill-$$ \
		    CALLTRACK_RETELL_KEY=$rkey CALLTRACK_TWILIO_URL=$base/hooks/twilio/twilio-refill-$$ \
		    CALLTRACK_TWILIO_TOKEN=$ttok timeout 120 "$CALLTRACK_ROOT/tools/demo-fill" --copies 2 --calls 0)
	}
	local calls hooks recorded
	calls=$(($(jq '.calls | length' "$FIX/manifest.json") * 2))
	hooks=$(($(jq '.deliveries | length' "$FIX/manifest.json") * 2))
	run fill
	[ "$status" -eq 0 ]
	[[ $output == "demo-fill: loaded $calls calls into Refill "*": $calls from $hooks signed webhooks through nginx, 0 generated" ]]
	run fill
	[ "$status" -eq 0 ]
	[[ $output == "demo-fill: loaded 0 calls into Refill "*": 0 from $hooks signed webhooks through nginx, 0 generated" ]]
	# Answered 200 each time, and kept once: a duplicate adds no event.
	[ "$(grep -cE "\"POST /hooks/(vapi/vapi|retell/retell|twilio/twilio)-refill-$$ HTTP/1.1\" 200 " \
	    "$DEMO_DIR/log/nginx-access.log")" = $((hooks * 2)) ]
	[ "$(demo_sql "SELECT count(*) FROM calls WHERE org_id = '$org'")" = "$calls" ]
	recorded=$(($(jq '[.deliveries[] | select(.file | test("[.](ignored|hang)[.]"))] | length' "$FIX/manifest.json") * 2))
	[ "$(demo_sql "SELECT string_agg(outcome || ' ' || n, ', ' ORDER BY outcome) FROM (SELECT outcome, count(*) n
	    FROM call_events WHERE org_id = '$org' GROUP BY outcome) x")" = "applied $((hooks - recorded)), recorded $recorded" ]
}

@test "a start of the running stack, and one after a stop, load nothing twice and do not fail" {
	local org before out
	org=$(demo_org)
	before=$(demo_sql "SELECT count(*) FROM calls WHERE org_id = '$org'")
	for step in running stopped; do
		out=$BATS_TEST_TMPDIR/start-$step.out
		if [ $step = stopped ]; then
			timeout 60 "$CALLTRACK_ROOT/tools/stack" stop "$DEMO_DIR" >/dev/null 2>&1 3>&-
		fi
		demo_start "$out" CALLTRACK_PORT="$P2" CALLTRACK_DEMO_TZ=America/Chicago || { cat "$out" >&2; return 1; }
		grep -qxF "demo-fill: Demo Clinic already has its month of calls ($before): none loaded" "$out" ||
		    { cat "$out" >&2; return 1; }
		[ "$(demo_sql "SELECT count(*) FROM calls WHERE org_id = '$org'")" = "$before" ]
		run curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P2/healthz"
		[ "$output" = 200 ]
	done
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

@test "gen-calls twice: the second run adds nothing and succeeds, a larger COUNT adds the rest; in the org's own business hours" {
	local org snap
	org=$("$CALLTRACK_ADMIN" org create "Twice $RANDOM" --timezone Asia/Tokyo)
	q() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
	# What a run leaves: calls, alerts, callers, their call counts, the
	# per-day counts, and each call as it is.
	snap() {
		q "SELECT (SELECT count(*) FROM calls WHERE org_id = '$org'),
		          (SELECT count(*) FROM hot_lead_alerts WHERE org_id = '$org'),
		          (SELECT count(*) || ' ' || sum(call_count) FROM contacts WHERE org_id = '$org'),
		          (SELECT sum(calls) FROM call_rollup WHERE org_id = '$org'),
		          (SELECT md5(string_agg(concat_ws(' ', provider_call_id, status, call_at, lead_score, contact_id),
		                                 ',' ORDER BY provider_call_id)) FROM calls WHERE org_id = '$org')"
	}
	run timeout 120 "$CALLTRACK_ROOT/tools/gen-calls" "$org" 400 30
	[ "$status" -eq 0 ]
	[ "$output" = "gen-calls: added 400 calls, 0 were there already" ]
	snap=$(snap)
	[[ $snap == "400|"* ]]
	run timeout 120 "$CALLTRACK_ROOT/tools/gen-calls" "$org" 400 30
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ "$output" = "gen-calls: added 0 calls, 400 were there already" ]
	[ "$(snap)" = "$snap" ]
	run timeout 120 "$CALLTRACK_ROOT/tools/gen-calls" "$org" 500 30
	[ "$status" -eq 0 ]
	[ "$output" = "gen-calls: added 100 calls, 400 were there already" ]
	# The per-day counts and the callers' counts take the new calls in.
	[ "$(q "SELECT sum(calls) FROM call_rollup WHERE org_id = '$org'")" = 500 ]
	[ "$(q "SELECT sum(call_count) FROM contacts WHERE org_id = '$org'")" = \
	  "$(q "SELECT count(*) FROM calls WHERE org_id = '$org' AND contact_id IS NOT NULL")" ]
	# The org's zone, not the machine's: Monday to Friday 8:00 to 18:00,
	# Saturday 9:00 to 13:00 in Tokyo; today and the 29 days before it;
	# nothing after now.
	[ "$(q "SELECT count(*) FROM calls WHERE org_id = '$org' AND NOT (
	    (extract(isodow FROM call_at AT TIME ZONE 'Asia/Tokyo') <= 5 AND extract(hour FROM call_at AT TIME ZONE 'Asia/Tokyo') BETWEEN 8 AND 17)
	    OR (extract(isodow FROM call_at AT TIME ZONE 'Asia/Tokyo') = 6 AND extract(hour FROM call_at AT TIME ZONE 'Asia/Tokyo') BETWEEN 9 AND 12))")" = 0 ]
	[ "$(q "SELECT count(*) FROM calls WHERE org_id = '$org' AND (greatest(started_at, ended_at, call_at) > now()
	    OR call_at < ((now() AT TIME ZONE 'Asia/Tokyo')::date - 29)::timestamp AT TIME ZONE 'Asia/Tokyo')")" = 0 ]
	# Arguments out of bounds are refused before anything is written.
	for args in "$org 0" "$org 10000001" "$org 10 0" "$org 10 3661" "not-an-org 10" "$org 1e3"; do
		run "$CALLTRACK_ROOT/tools/gen-calls" $args
		[ "$status" -eq 2 ] || { echo "$args: $status $output" >&2; return 1; }
	done
	[ "$(q "SELECT count(*) FROM calls WHERE org_id = '$org'")" = 500 ]
}
