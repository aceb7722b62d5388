#!/usr/bin/env bats
# Faults, each bounded in time and on loopback: duplicate storms, races on
# one new call, PostgreSQL killed under load, a table locked under load, a
# worker killed in the middle of a request, slow clients beside real
# traffic.  Run by `make check-faults` (tests/run with FAULTS=1).

load ../bats/helpers

setup_file() {
	make_fixture_org
	export W=$BATS_FILE_TMPDIR
	export RTDIR=$(cat "$CALLTRACK_STACK/run/runtime-dir")
}

teardown() {
	pg_up
}

pool() {	# KIND N COPIES NAME
	python3 "$CALLTRACK_ROOT/tests/bench/prepare.py" vapi-pool "$1" "$2" "$3" "$VAPI_SECRET" \
	    "/hooks/vapi/vapi-$SUF" "$W/$4.pool"
}
fire() {	# NAME CONNS -> $W/NAME.out (per request), prints the summary
	python3 "$CALLTRACK_ROOT/tests/faults/fire.py" "$CALLTRACK_URL" "$W/$1.pool" "$2" "$W/$1.out"
}
count() { psql -X -At -c "$1"; }

@test "duplicate storm: 1,000 events x 10 copies, shuffled, 64 connections: 1,000 events, all 2xx" {
	pool storm 1000 10 storm
	run fire storm 64
	echo "$output"
	[ "$(jq -r '.status | keys | join(",")' <<<"$output")" = 200 ]
	[ "$(jq -r '.status["200"]' <<<"$output")" = 10000 ]
	[ "$(grep -c ' applied$' "$W/storm.out")" = 1000 ]
	[ "$(grep -c ' duplicate$' "$W/storm.out")" = 9000 ]
	[ "$(count "SELECT count(*) FROM call_events WHERE org_id = '$ORG' AND provider_call_id LIKE 'fault-%'")" = 1000 ]
	[ "$(count "SELECT count(*) FROM calls WHERE org_id = '$ORG' AND provider_call_id LIKE 'fault-%'")" = 1000 ]
}

@test "same-id race: 64 deliveries of one new call at once, for 100 calls: one row each, all 2xx" {
	pool race 100 64 race
	run fire race 64
	echo "$output"
	[ "$(jq -r '.status | keys | join(",")' <<<"$output")" = 200 ]
	[ "$(grep -c ' applied$' "$W/race.out")" = 6400 ]
	local ids
	ids=$(head -c 300 "$W/race.pool" | grep -o 'fault-[0-9a-f]*-' | head -1)
	[ "$(count "SELECT count(*) FROM calls WHERE org_id = '$ORG' AND provider_call_id LIKE '$ids%'")" = 100 ]
	[ "$(count "SELECT count(*) FROM call_events WHERE org_id = '$ORG' AND provider_call_id LIKE '$ids%'")" = 6400 ]
	# Every call ended in the furthest state any of its events carried.
	[ "$(count "SELECT count(*) FROM calls WHERE org_id = '$ORG' AND provider_call_id LIKE '$ids%'
	    AND status <> 'in-progress'")" = 0 ]
}

# Sends NAME's pool at 8 connections while ACTION runs in the
# background, then checks: only 200, 202 and 503 (never 500 or 504); after
# the spool is drained, every request answered 200 or 202 has its call.
under_load() {	# NAME ACTION...
	local name=$1
	shift
	( sleep 1; "$@"; sleep 2
	  for _ in $(seq 20); do pg_up 2>/dev/null && break; sleep 0.5; done ) 3>&- &
	run fire "$name" 8
	wait
	echo "$output"
	every_2xx_is_a_call "$W/$name.pool" "$W/$name.out"
	# The workers came back by themselves.
	req GET /healthz/vapi-hook
	expect 200
}

kill_postmaster() { kill -KILL "$(head -1 "$RTDIR/pg/postmaster.pid")"; }
stop_immediate() { pg_ctl_ -m immediate -w stop >/dev/null 2>&1; }

@test "kill -9 of PostgreSQL under load: every 2xx is kept (database or spool), the rest 503, no 500 or 504" {
	pool distinct 4000 1 killpg
	under_load killpg kill_postmaster
}

@test "pg_ctl restart -m immediate under load: the same" {
	pool distinct 4000 1 immediate
	under_load immediate stop_immediate
}

@test "calls locked for 20 s: webhooks answer 202 (spooled) or 503 within the timeout, never 504; back within 2 s" {
	vapi_post() {
		req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
		    -H "x-vapi-secret: $VAPI_SECRET" \
		    --data "{\"message\":{\"type\":\"status-update\",\"status\":\"queued\",\"call\":{\"id\":\"$1\"}}}"
	}
	vapi_post lock-warm
	expect 200
	psql -X -q -c "BEGIN; LOCK TABLE calls IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(20); COMMIT;" 3>&- &
	local locker=$! t0 t1 i
	sleep 0.5
	for i in 1 2 3; do
		t0=$(date +%s%N)
		vapi_post "lock-$i"
		t1=$(date +%s%N)
		echo "lock-$i: $CODE in $(( (t1 - t0) / 1000000 )) ms"
		[ "$CODE" = 202 ] || [ "$CODE" = 503 ]
		[ $(( (t1 - t0) / 1000000 )) -lt 8000 ]
	done
	wait "$locker"
	t0=$(date +%s%N)
	vapi_post lock-after
	expect 200
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 2000 ]
	CALLTRACK_SPOOL_DIR=$RTDIR/spool "$CALLTRACK_ADMIN" spool drain >/dev/null
}

@test "kill -9 of a worker in the middle of a request: 502 from nginx (JSON), nothing partial, the resend is one row" {
	local f=$W/victim.json worker others
	echo '{"message":{"type":"status-update","status":"queued","call":{"id":"victim-1"}}}' >"$f"
	psql -X -q -c "BEGIN; LOCK TABLE calls IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT;" 3>&- &
	local locker=$!
	sleep 0.3
	curl -s -o "$W/victim.out" -w '%{http_code}' -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary "@$f" \
	    "$CALLTRACK_URL/hooks/vapi/vapi-$SUF" >"$W/victim.code" 3>&- &
	local client=$!
	sleep 0.7
	# The worker waiting on the lock for this request: its connection's
	# application_name carries its pid.
	worker=$(psql -X -At -c "SELECT substring(application_name FROM '^vapi-hook\[([0-9]+)\]$')
	    FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name LIKE 'vapi-hook[%'" | head -1)
	[ -n "$worker" ]
	others=$(grep -vx "$worker" "$CALLTRACK_STACK/run/vapi-hook.pid" | tr '\n' ' ')
	kill -KILL "$worker"
	wait "$client"
	wait "$locker"
	echo "victim: $(cat "$W/victim.code") $(cat "$W/victim.out")"
	[ "$(cat "$W/victim.code")" = 502 ]
	[ "$(jq -r .error.code "$W/victim.out")" = unavailable ]
	# Nothing partial: the statement the worker sent either never ran or
	# ran whole (the event with its call), in one transaction.
	local calls events
	calls=$(count "SELECT count(*) FROM calls WHERE org_id = '$ORG' AND provider_call_id = 'victim-1'")
	events=$(count "SELECT count(*) FROM call_events WHERE org_id = '$ORG' AND provider_call_id = 'victim-1'")
	[ "$calls" = "$events" ] && [ "$calls" -le 1 ]
	# The other workers serve the resend, alone.
	for w in $others; do kill -0 "$w"; done
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' -H "x-vapi-secret: $VAPI_SECRET" \
	    --data-binary "@$f"
	expect 200
	[[ "$(jq -r .outcome <<<"$BODY")" =~ ^(applied|duplicate)$ ]]
	[ "$(count "SELECT count(*) FROM calls WHERE org_id = '$ORG' AND provider_call_id = 'victim-1'")" = 1 ]
	[ "$(count "SELECT count(*) FROM call_events WHERE org_id = '$ORG' AND provider_call_id = 'victim-1'")" = 1 ]
	"$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" vapi-hook 3>&-
}

@test "200 slow clients trickling bytes beside real traffic: real traffic sees no error, nginx closes the slow ones" {
	python3 - "$CALLTRACK_URL" >"$W/slow.out" 2>&1 <<'PY' &
import socket, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
socks = []
for i in range(200):
    s = socket.create_connection((u.hostname, u.port), timeout=30)
    s.sendall(b'POST /hooks/vapi/slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n')
    socks.append(s)
closed = 0
deadline = time.time() + 20
while time.time() < deadline and closed < len(socks):
    for s in socks:
        if s is None:
            continue
        try:
            s.sendall(b'X')
        except OSError:
            pass
    time.sleep(3)
    closed = 0
    for i, s in enumerate(socks):
        try:
            s.setblocking(False)
            s.recv(1)          # an answer (408) or the end: nginx is done
            closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
print("closed", closed)
PY
	local slow=$!
	sleep 1
	pool distinct 300 1 beside
	run fire beside 4
	echo "$output"
	[ "$(jq -r '.status | keys | join(",")' <<<"$output")" = 200 ]
	wait "$slow"
	cat "$W/slow.out"
	# nginx's header timeout (8 s) closed every one of them.
	grep -qx 'closed 200' "$W/slow.out"
}
