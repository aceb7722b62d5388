#!/usr/bin/env bats
# A worker that lost its database answers 503 (with Retry-After) until the
# database is back, then reconnects by itself: no restart of the program.

load helpers

setup_file() {
	make_fixture_org
}

pg_ctl_() {
	local bin=/usr/lib/postgresql/15/bin data
	data=$(cat "$CALLTRACK_STACK/run/runtime-dir")/pg
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$bin/pg_ctl" -D "$data" "$@"
	else
		"$bin/pg_ctl" -D "$data" "$@"
	fi
}

teardown() {
	# Whatever happened, leave the database running for the other suites.
	pg_ctl_ status >/dev/null 2>&1 || pg_ctl_ -w -l "$CALLTRACK_STACK/log/postgres.log" start >/dev/null 3>&-
}

post() {	# BODY-ID
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" \
	    --data "{\"message\":{\"type\":\"status-update\",\"status\":\"queued\",\"call\":{\"id\":\"$1\"}}}"
}

@test "database down: 503 with Retry-After; back up: the same workers answer, idle ones too" {
	local pids_before pids_after opts
	post before-outage
	expect 200
	for i in 1 2 3 4; do
		req GET /api/stats -H "Authorization: Bearer $TOKEN"
		expect 200
	done
	pids_before=$(sort "$CALLTRACK_STACK/run/vapi-hook.pid" | tr '\n' ' ')
	opts=$(head -n1 "$(cat "$CALLTRACK_STACK/run/runtime-dir")/pg/postmaster.opts")
	pg_ctl_ -m fast -w stop >/dev/null
	# Every worker sees the outage (two workers, several requests).
	for i in 1 2 3 4; do
		post "during-outage-$i"
		expect 503 unavailable
		grep -qx 'Retry-After: 5' <<<"$HEADERS"
	done
	# The same options as before; fd 3 is bats' and must not stay open
	# in the server, or bats waits for it forever.
	pg_ctl_ -w -l "$CALLTRACK_STACK/log/postgres.log" \
	    -o "$(sed -e 's|^[^ ]* ||' -e 's|"||g' -e 's|-D [^ ]* ||' <<<"$opts")" start >/dev/null 3>&-
	for i in 1 2 3 4; do
		post "after-outage-$i"
		expect 200
	done
	# The stats program's connections sat idle through the outage: found
	# dead when used, they are replaced without failing the request.
	for i in 1 2 3 4; do
		req GET /api/stats -H "Authorization: Bearer $TOKEN"
		expect 200
	done
	pids_after=$(sort "$CALLTRACK_STACK/run/vapi-hook.pid" | tr '\n' ' ')
	[ "$pids_before" = "$pids_after" ]
	for pid in $pids_after; do kill -0 "$pid"; done
}
