#!/usr/bin/env bats
# The spool: while the database is away, a verified webhook is written to
# disk and answered 202 "spooled"; `calltrack-admin spool drain` applies it
# later through the same mapping and statement, once; past the spool's
# cap, or without the integration's secrets at hand, the answer is 503.
# A file that is not exactly what the programs write, or whose integration
# is gone, disabled, of another org or provider, is never applied: the
# drain keeps it aside as NAME.refused beside NAME.reason.

load helpers

RTDIR=$(cat "$CALLTRACK_STACK/run/runtime-dir")
SPOOL=$RTDIR/spool

setup_file() {
	make_fixture_org
	# One worker per webhook program, so that the one the test warms is
	# the one that answers during the outage.
	for p in vapi-hook retell-hook twilio-status; do
		STACK_WORKERS=1 "$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" "$p" 3>&-
	done
}

# Whatever a test did, the next one finds the database running (and the
# server keeps none of bats' descriptors, or bats waits for it).
teardown() {
	pg_up 3>&- 4>&-
}

teardown_file() {
	pg_up 3>&- 4>&-
	for p in vapi-hook retell-hook twilio-status; do
		"$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" "$p" 3>&-
	done
}

vapi() {	# CALL-ID
	vapi_to "vapi-$SUF" "$1"
}

vapi_to() {	# SLUG CALL-ID [CONTENT-TYPE]
	req POST "/hooks/vapi/$1" -H "Content-Type: ${3:-application/json}" \
	    -H "x-vapi-secret: $VAPI_SECRET" \
	    --data "{\"message\":{\"type\":\"status-update\",\"status\":\"in-progress\",\"call\":{\"id\":\"$2\",\"customer\":{\"number\":\"+14155550199\"}}}}"
}

spooled() { find "$SPOOL" -maxdepth 1 -name '*.spool' | wc -l; }
refused() { find "$SPOOL" -maxdepth 1 -name '*.spool.refused' | wc -l; }
drain() { run env CALLTRACK_SPOOL_DIR="$SPOOL" "$CALLTRACK_ADMIN" spool drain; echo "$output"; }
calls_of() {	# ORG [CALL-ID-LIKE]
	psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$1' AND provider_call_id LIKE '${2:-%}'"
}

@test "database down: verified webhooks are spooled (202), drained once when it is back" {
	local f=$FIX/retell/no-booking.2.call_ended.json tw=$FIX/twilio/inbound-completed.form modes
	rm -f "$SPOOL"/*
	# Each program looks its integration up once while the database is up.
	vapi spool-warm
	expect 200
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' \
	    -H "x-retell-signature: $(retell_sig "$FIX/retell/no-booking.1.call_started.json")" \
	    --data-binary "@$FIX/retell/no-booking.1.call_started.json"
	expect 200
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H "$(twilio_sig "$FIX/twilio/outbound-busy.form" "$TWILIO_PUBLIC_URL")" \
	    --data-binary "@$FIX/twilio/outbound-busy.form"
	expect 200

	pg_down
	vapi spool-1
	expect 202
	[ "$(jq -r .outcome <<<"$BODY")" = spooled ]
	vapi spool-2
	expect 202
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' \
	    -H "x-retell-signature: $(retell_sig "$f")" --data-binary "@$f"
	expect 202
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H "$(twilio_sig "$tw" "$TWILIO_PUBLIC_URL")" --data-binary "@$tw"
	expect 202
	# A bad signature is still refused, spool or not.
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' -H 'x-vapi-secret: wrong' \
	    --data '{"message":{"type":"status-update","status":"queued","call":{"id":"spool-bad"}}}'
	expect 401 invalid_signature
	[ "$(spooled)" -eq 4 ]
	# Each file is whole: the header, then exactly the body's bytes.
	for s in "$SPOOL"/*.spool; do
		head -1 "$s" | grep -qx 'calltrack-spool 2'
	done
	modes=$(stat -c %a "$SPOOL"/*.spool | sort -u)
	grep -l "integration: retell-$SUF" "$SPOOL"/*.spool | xargs tail -c "$(wc -c <"$f")" | cmp - "$f"
	mkdir -p "$BATS_FILE_TMPDIR/copy" && cp "$SPOOL"/*.spool "$BATS_FILE_TMPDIR/copy/"

	# Draining while the database is still away leaves everything.
	run env CALLTRACK_SPOOL_DIR="$SPOOL" "$CALLTRACK_ADMIN" spool drain
	[ "$status" -eq 1 ]
	[ "$(spooled)" -eq 4 ]

	pg_up
	# Each file was readable by the programs' group, which the sweeper
	# joins, and not writable by it (nginx/systemd); the stack's umask is
	# 022.
	[ "$modes" = 640 ]
	run env CALLTRACK_SPOOL_DIR="$SPOOL" "$CALLTRACK_ADMIN" spool drain
	[ "$status" -eq 0 ]
	[ "$output" = "drained 4: applied 4, duplicate 0, parked 0; failed 0; refused 0; left 0" ]
	[ "$(spooled)" -eq 0 ]
	[ "$(psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$ORG'
	    AND provider_call_id IN ('spool-1', 'spool-2')")" = 2 ]
	[ "$(psql -X -At -c "SELECT status FROM calls WHERE org_id = '$ORG' AND provider = 'twilio'
	    AND provider_call_id = 'CA5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d'")" = completed ]
	[ "$(psql -X -At -c "SELECT count(*) FROM call_events WHERE org_id = '$ORG'
	    AND integration_id = 'retell-$SUF' AND event_type = 'call_ended'")" = 1 ]
	# What waited in the spool is marked so (GET /api/ingest counts it);
	# what came live is not.
	[ "$(psql -X -At -c "SELECT count(*) FROM call_events WHERE org_id = '$ORG' AND spooled")" = 4 ]
	[ "$(psql -X -At -c "SELECT spooled FROM call_events WHERE org_id = '$ORG'
	    AND provider_call_id = 'spool-warm'")" = f ]

	# The same files drained again: duplicates, nothing changes.
	local events
	events=$(psql -X -At -c "SELECT count(*) FROM call_events WHERE org_id = '$ORG'")
	cp "$BATS_FILE_TMPDIR/copy/"*.spool "$SPOOL/"
	run env CALLTRACK_SPOOL_DIR="$SPOOL" "$CALLTRACK_ADMIN" spool drain
	[ "$output" = "drained 4: applied 0, duplicate 4, parked 0; failed 0; refused 0; left 0" ]
	[ "$(psql -X -At -c "SELECT count(*) FROM call_events WHERE org_id = '$ORG'")" = "$events" ]
}

@test "no secrets at hand, or the spool full: 503, nothing spooled" {
	rm -f "$SPOOL"/*
	# An integration this worker has never looked up.
	"$CALLTRACK_ADMIN" integration create "$ORG" --provider vapi --id "vapi2-$SUF" \
	    --secret "$VAPI_SECRET" >/dev/null
	pg_down
	req POST "/hooks/vapi/vapi2-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" \
	    --data '{"message":{"type":"status-update","status":"queued","call":{"id":"spool-unknown"}}}'
	expect 503 unavailable
	[ "$(spooled)" -eq 0 ]
	pg_up
	# A cap of 1 MB, and a 1.5 MB webhook.
	CALLTRACK_SPOOL_MAX_MB=1 STACK_WORKERS=1 "$CALLTRACK_ROOT/tools/stack" restart-program \
	    "$CALLTRACK_STACK" vapi-hook 3>&-
	vapi spool-warm-2
	expect 200
	pg_down
	python3 -c 'import json; print(json.dumps({"message": {"type": "end-of-call-report",
	    "call": {"id": "spool-big"}, "transcript": "x" * 1500000}}))' >"$BATS_FILE_TMPDIR/big.json"
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary "@$BATS_FILE_TMPDIR/big.json"
	expect 503 unavailable
	vapi spool-small
	expect 202
	[ "$(spooled)" -eq 1 ]
	pg_up
	run env CALLTRACK_SPOOL_DIR="$SPOOL" "$CALLTRACK_ADMIN" spool drain
	[ "$output" = "drained 1: applied 1, duplicate 0, parked 0; failed 0; refused 0; left 0" ]
}

# A victim org with a Vapi integration of its own: what another tenant
# sends must never reach it.
make_victim() {
	VICTIM=$("$CALLTRACK_ADMIN" org create "Victim org $SUF")
	"$CALLTRACK_ADMIN" integration create "$VICTIM" --provider vapi --id "victim-$SUF" \
	    --secret "victim-secret-$SUF" >/dev/null
}

@test "the spool cannot cross tenants: an injected content type is not stored, a file that is not ours is refused" {
	rm -f "$SPOOL"/*
	make_victim
	vapi spool-tenant-warm
	expect 200
	# The old header block split a line at 299 bytes and let a repeated key
	# win: "integration: victim-…" would start a header line of its own.
	local pad ctype
	pad=$(printf 'a%.0s' $(seq 265))
	ctype="application/json; x=${pad}integration: victim-$SUF"
	pg_down
	vapi_to "vapi-$SUF" spool-inject-1 "$ctype"
	expect 202
	[ "$(spooled)" -eq 1 ]
	# Only the allow-listed media type is kept, and the header is ours.
	f=$(find "$SPOOL" -maxdepth 1 -name '*.spool')
	grep -qx 'content-type: application/json' "$f"
	grep -qx "integration: vapi-$SUF" "$f"
	grep -qx "org: $ORG" "$f"
	[ "$(grep -c "victim" "$f")" = 0 ]

	# Files the programs never write: an over-long line, a repeated key,
	# the right shape naming the victim's integration with another org.
	local body='{"message":{"type":"status-update","status":"in-progress","call":{"id":"spool-inject-2"}}}'
	hdr() {	# INTEGRATION ORG CONTENT-TYPE [EXTRA-LINE]
		printf 'calltrack-spool 2\nprovider: vapi\nintegration: %s\norg: %s\ncontent-type: %s\n%sreceived-at: 2026-01-02T03:04:05Z\nlength: %d\n\n%s' \
		    "$1" "$2" "$3" "${4:-}" "${#body}" "$body"
	}
	hdr "vapi-$SUF" "$ORG" "$ctype" >"$SPOOL/0000000000001-0000001-000001.spool"
	hdr "vapi-$SUF" "$ORG" application/json "integration: victim-$SUF
" >"$SPOOL/0000000000001-0000001-000002.spool"
	hdr "victim-$SUF" "$ORG" application/json >"$SPOOL/0000000000001-0000001-000003.spool"
	pg_up
	drain
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "drained 1: applied 1, duplicate 0, parked 0; failed 0; refused 3; left 0" ]
	# The victim has nothing; the tenant's own request reached its own org.
	[ "$(calls_of "$VICTIM")" = 0 ]
	[ "$(calls_of "$ORG" spool-inject-1)" = 1 ]
	[ "$(calls_of "$ORG" spool-inject-2)" = 0 ]
	# Each refused file is kept aside with why, and said so.
	[ "$(refused)" -eq 3 ]
	[ "$(spooled)" -eq 0 ]
	grep -qx 'refused: header line too long' "$SPOOL/0000000000001-0000001-000001.spool.reason"
	grep -qx 'refused: repeated header key' "$SPOOL/0000000000001-0000001-000002.spool.reason"
	grep -qx 'refused: integration belongs to another org' "$SPOOL/0000000000001-0000001-000003.spool.reason"
	grep -q '0000000000001-0000001-000003.spool refused (integration belongs to another org); kept as 0000000000001-0000001-000003.spool.refused' <<<"$output"
	# A second drain leaves them be.
	drain
	[ "${lines[-1]}" = "drained 0: applied 0, duplicate 0, parked 0; failed 0; refused 0; left 0" ]
	[ "$(refused)" -eq 3 ]
}

@test "the drain connects with CALLTRACK_DB, as calltrack_app, when it is set" {
	rm -f "$SPOOL"/*
	vapi spool-role-warm
	expect 200
	pg_down
	vapi spool-role-1
	expect 202
	pg_up
	mkdir -p "$BATS_FILE_TMPDIR/role" && cp "$SPOOL"/*.spool "$BATS_FILE_TMPDIR/role/"
	psql -X -q -c "ALTER SYSTEM SET log_connections = on" -c "SELECT pg_reload_conf()" >/dev/null
	for _ in $(seq 50); do
		[ "$(psql -X -At -c 'SHOW log_connections')" = on ] && break
		sleep 0.1
	done
	# The administrator's settings name a role that does not exist: only
	# CALLTRACK_DB can have connected.
	run env CALLTRACK_SPOOL_DIR="$SPOOL" PGUSER=no_such_role \
	    CALLTRACK_ADMIN_DB="host=$PGHOST dbname=calltrack user=no_such_role" \
	    CALLTRACK_DB="host=$PGHOST dbname=calltrack user=calltrack_app" \
	    "$CALLTRACK_ADMIN" spool drain
	psql -X -q -c "ALTER SYSTEM RESET log_connections" -c "SELECT pg_reload_conf()" >/dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "drained 1: applied 1, duplicate 0, parked 0; failed 0; refused 0; left 0" ]
	[ "$(calls_of "$ORG" spool-role-1)" = 1 ]
	grep -E 'connection authorized: user=calltrack_app database=calltrack application_name=calltrack-admin\[[0-9]+\]' \
	    "$CALLTRACK_STACK/log/postgres.log"
	# Without CALLTRACK_DB, the administrator's connection, as before.
	cp "$BATS_FILE_TMPDIR/role/"*.spool "$SPOOL/"
	run env -u CALLTRACK_DB CALLTRACK_SPOOL_DIR="$SPOOL" \
	    CALLTRACK_ADMIN_DB="host=$PGHOST dbname=calltrack user=no_such_role" "$CALLTRACK_ADMIN" spool drain
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q 'no_such_role' <<<"$output"
	[ "$(spooled)" -eq 1 ]
	run env -u CALLTRACK_DB CALLTRACK_SPOOL_DIR="$SPOOL" "$CALLTRACK_ADMIN" spool drain
	[ "$status" -eq 0 ]
	[ "$output" = "drained 1: applied 0, duplicate 1, parked 0; failed 0; refused 0; left 0" ]
}

@test "disabled, then the database away: not spooled once the worker saw it (404), nor past CALLTRACK_SPOOL_SECRET_MAX_AGE (503); what it spooled before it knew is refused by the drain" {
	rm -f "$SPOOL"/*
	local i
	for i in 3 4 5; do
		"$CALLTRACK_ADMIN" integration create "$ORG" --provider vapi --id "vapi$i-$SUF" \
		    --secret "$VAPI_SECRET" >/dev/null
	done
	# The worker looks vapi3 up again after its disable (the tests' TTL is
	# 0), then the database goes: its last copy says disabled.
	vapi_to "vapi3-$SUF" spool-dis-warm-3
	expect 200
	"$CALLTRACK_ADMIN" integration disable "vapi3-$SUF"
	vapi_to "vapi3-$SUF" spool-dis-3a
	expect 404 unknown_integration
	pg_down
	vapi_to "vapi3-$SUF" spool-dis-3b
	expect 404 unknown_integration
	[ "$(spooled)" -eq 0 ]
	pg_up

	# vapi4 is disabled while the worker still holds an enabled copy, and
	# the database goes before the worker could know: the copy verifies
	# the request to spool, and the drain refuses it.
	vapi_to "vapi4-$SUF" spool-dis-warm-4
	expect 200
	"$CALLTRACK_ADMIN" integration disable "vapi4-$SUF"
	pg_down
	vapi_to "vapi4-$SUF" spool-dis-4
	expect 202
	[ "$(spooled)" -eq 1 ]
	pg_up
	drain
	[ "${lines[-1]}" = "drained 0: applied 0, duplicate 0, parked 0; failed 0; refused 1; left 0" ]
	[ "$(calls_of "$ORG" spool-dis-4)" = 0 ]
	grep -qx 'refused: integration is disabled' "$SPOOL"/*.spool.reason

	# With a copy older than CALLTRACK_SPOOL_SECRET_MAX_AGE nothing is
	# verified: 503, not spooled.
	CALLTRACK_SPOOL_SECRET_MAX_AGE=1 STACK_WORKERS=1 "$CALLTRACK_ROOT/tools/stack" restart-program \
	    "$CALLTRACK_STACK" vapi-hook 3>&-
	vapi_to "vapi5-$SUF" spool-dis-warm-5
	expect 200
	"$CALLTRACK_ADMIN" integration disable "vapi5-$SUF"
	pg_down
	sleep 2
	vapi_to "vapi5-$SUF" spool-dis-5
	expect 503 unavailable
	[ "$(spooled)" -eq 0 ]
	pg_up
	drain
	[ "${lines[-1]}" = "drained 0: applied 0, duplicate 0, parked 0; failed 0; refused 0; left 0" ]
	[ "$(calls_of "$ORG" 'spool-dis-_')" = 0 ]
	[ "$(calls_of "$ORG" 'spool-dis-3_')" = 0 ]
	STACK_WORKERS=1 "$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" vapi-hook 3>&-
}

@test "a look again after a failed signature checks disabled again: the rotated secret of a disabled integration is refused (404)" {
	"$CALLTRACK_ADMIN" integration create "$ORG" --provider vapi --id "vapi6-$SUF" \
	    --secret "$VAPI_SECRET" >/dev/null
	CALLTRACK_INTEGRATION_TTL=3600 STACK_WORKERS=1 "$CALLTRACK_ROOT/tools/stack" restart-program \
	    "$CALLTRACK_STACK" vapi-hook 3>&-
	vapi_to "vapi6-$SUF" spool-refresh-warm
	expect 200
	"$CALLTRACK_ADMIN" integration rotate "vapi6-$SUF" --secret "rotated-secret-$SUF"
	"$CALLTRACK_ADMIN" integration disable "vapi6-$SUF"
	# The cached copy knows only the old secret: the new one fails it,
	# the integration is looked up again, and found disabled.
	req POST "/hooks/vapi/vapi6-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: rotated-secret-$SUF" \
	    --data '{"message":{"type":"status-update","status":"queued","call":{"id":"spool-refresh-1"}}}'
	expect 404 unknown_integration
	[ "$(calls_of "$ORG" spool-refresh-1)" = 0 ]
	STACK_WORKERS=1 "$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" vapi-hook 3>&-
}

@test "unknown slugs do not evict the secrets a spool needs" {
	rm -f "$SPOOL"/*
	local i
	# As many integrations as a worker keeps (32), each looked up once,
	# with a TTL long enough that nothing expires during the test.
	for i in $(seq 32); do
		"$CALLTRACK_ADMIN" integration create "$ORG" --provider vapi --id "evict$i-$SUF" \
		    --secret "$VAPI_SECRET" >/dev/null
	done
	CALLTRACK_INTEGRATION_TTL=3600 STACK_WORKERS=1 "$CALLTRACK_ROOT/tools/stack" restart-program \
	    "$CALLTRACK_STACK" vapi-hook 3>&-
	for i in $(seq 32); do
		vapi_to "evict$i-$SUF" "spool-evict-warm-$i"
		expect 200
	done
	# Each unknown slug looked up would, before, have evicted the oldest
	# valid one.  (A refusal limit may answer some with 429 without a
	# look; one look is enough to evict.)
	local looked=0
	for i in $(seq 100); do
		vapi_to "nosuch$i-$SUF" "spool-evict-unknown-$i"
		[ "$CODE" = 404 ] || [ "$CODE" = 429 ]
		[ "$CODE" = 429 ] || looked=$((looked + 1))
	done
	[ "$looked" -ge 1 ]
	pg_down
	for i in $(seq 32); do
		vapi_to "evict$i-$SUF" "spool-evict-$i"
		expect 202
	done
	[ "$(spooled)" -eq 32 ]
	pg_up
	drain
	[ "${lines[-1]}" = "drained 32: applied 32, duplicate 0, parked 0; failed 0; refused 0; left 0" ]
	STACK_WORKERS=1 "$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" vapi-hook 3>&-
}
