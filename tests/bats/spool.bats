#!/usr/bin/env bats
# The spool: while the database is away, a verified webhook is written to
# disk and answered 202 "spooled"; `calltrack-admin spool drain` applies it
# later through the same mapping and statement, once; past the spool's
# cap, or without the integration's secrets at hand, the answer is 503.

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

teardown_file() {
	pg_up
	for p in vapi-hook retell-hook twilio-status; do
		"$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" "$p" 3>&-
	done
}

vapi() {	# CALL-ID
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" \
	    --data "{\"message\":{\"type\":\"status-update\",\"status\":\"in-progress\",\"call\":{\"id\":\"$1\",\"customer\":{\"number\":\"+14155550199\"}}}}"
}

spooled() { find "$SPOOL" -maxdepth 1 -name '*.spool' | wc -l; }

@test "database down: verified webhooks are spooled (202), drained once when it is back" {
	local f=$FIX/retell/no-booking.2.call_ended.json tw=$FIX/twilio/inbound-completed.form modes
	rm -f "$SPOOL"/*.spool "$SPOOL"/*.failed
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
		head -1 "$s" | grep -qx 'calltrack-spool 1'
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
	[ "$output" = "drained 4: applied 4, duplicate 0, parked 0; failed 0; left 0" ]
	[ "$(spooled)" -eq 0 ]
	[ "$(psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$ORG'
	    AND provider_call_id IN ('spool-1', 'spool-2')")" = 2 ]
	[ "$(psql -X -At -c "SELECT status FROM calls WHERE org_id = '$ORG' AND provider = 'twilio'
	    AND provider_call_id = 'CA5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d'")" = completed ]
	[ "$(psql -X -At -c "SELECT count(*) FROM call_events WHERE org_id = '$ORG'
	    AND integration_id = 'retell-$SUF' AND event_type = 'call_ended'")" = 1 ]

	# The same files drained again: duplicates, nothing changes.
	local events
	events=$(psql -X -At -c "SELECT count(*) FROM call_events WHERE org_id = '$ORG'")
	cp "$BATS_FILE_TMPDIR/copy/"*.spool "$SPOOL/"
	run env CALLTRACK_SPOOL_DIR="$SPOOL" "$CALLTRACK_ADMIN" spool drain
	[ "$output" = "drained 4: applied 0, duplicate 4, parked 0; failed 0; left 0" ]
	[ "$(psql -X -At -c "SELECT count(*) FROM call_events WHERE org_id = '$ORG'")" = "$events" ]
}

@test "no secrets at hand, or the spool full: 503, nothing spooled" {
	rm -f "$SPOOL"/*.spool
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
	[ "$output" = "drained 1: applied 1, duplicate 0, parked 0; failed 0; left 0" ]
}
