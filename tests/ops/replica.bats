#!/usr/bin/env bats
# A read replica: a real streaming standby of the test cluster
# (pg_basebackup), CALLTRACK_DB_READ pointing the dashboard programs at
# it.  Reads are served there, writes always go to CALLTRACK_DB.

load ../bats/helpers

pg() {	# as the server's owner
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A standby's max_connections may not be below the primary's (200).
start_replica() {
	pg /usr/lib/postgresql/15/bin/pg_ctl -D "$REP/data" -l "$REP/postgres.log" -w -t 60 \
	    -o "-c listen_addresses='' -c unix_socket_directories='$REP/run' -c hot_standby=on -c max_connections=200" \
	    start >/dev/null 3>&-
}

setup_file() {
	make_fixture_org
	RT=$(cat "$CALLTRACK_STACK/run/runtime-dir")
	REP=$RT/replica
	rm -rf "$REP" && mkdir -p "$REP/run"
	[ "$(id -u)" -eq 0 ] && chown -R postgres: "$REP"
	chmod 0700 "$REP"
	pg /usr/lib/postgresql/15/bin/pg_basebackup -h "$RT/run" -U postgres -D "$REP/data" -R \
	    -X stream -c fast >/dev/null
	chmod 0755 "$REP"
	start_replica
	export RT REP
	CALLTRACK_DB_READ="host=$REP/run dbname=calltrack user=calltrack_dashboard" \
	    "$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" dashboard-calls 3>&-
	CALLTRACK_DB_READ="host=$REP/run dbname=calltrack user=calltrack_dashboard" \
	    "$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" dashboard-stats 3>&-
	# The webhook too is given the replica: it must not use it.
	CALLTRACK_DB_READ="host=$REP/run dbname=calltrack user=calltrack_app" \
	    "$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" vapi-hook 3>&-
}

teardown_file() {
	local p
	for p in dashboard-calls dashboard-stats vapi-hook; do
		"$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" "$p" 3>&-
	done
	pg /usr/lib/postgresql/15/bin/pg_ctl -D "$REP/data" -m immediate -w stop >/dev/null 2>&1 || true
}

on_replica() { psql -X -At -h "$REP/run" -c "$1"; }

post_call() {	# ID NUMBER
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" \
	    --data "{\"message\":{\"type\":\"status-update\",\"status\":\"in-progress\",\"call\":{\"id\":\"$1\",\"customer\":{\"number\":\"$2\"}}}}"
}

# The list's total for calls whose number ends in DIGITS.
listed() {	# DIGITS
	req GET "/api/calls?q=$1" -H "Authorization: Bearer $TOKEN"
	expect 200
	jq .total <<<"$BODY"
}

@test "the replica is a streaming standby" {
	[ "$(on_replica 'SELECT pg_is_in_recovery()')" = t ]
	[ "$(psql -X -At -c "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" -ge 1 ]
}

@test "webhooks write to the primary; the dashboard reads what replication brings" {
	post_call rep-1 +14155550871
	expect 200
	for _ in $(seq 50); do [ "$(listed 5550871)" = 1 ] && break; sleep 0.1; done
	[ "$(listed 5550871)" = 1 ]
	# The dashboard's connections are on the replica, none on the primary.
	[ "$(on_replica "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'dashboard-calls[%'")" -ge 1 ]
	[ "$(psql -X -At -c "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'dashboard-%'")" = 0 ]
	[ "$(psql -X -At -c "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'vapi-hook[%'")" -ge 1 ]
}

@test "with replay paused the dashboard does not see a new call; resumed, it does" {
	on_replica 'SELECT pg_wal_replay_pause()' >/dev/null
	post_call rep-2 +14155550872
	expect 200
	[ "$(psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$ORG' AND provider_call_id = 'rep-2'")" = 1 ]
	sleep 0.3
	[ "$(listed 5550872)" = 0 ]
	req GET /api/stats -H "Authorization: Bearer $TOKEN"
	expect 200
	on_replica 'SELECT pg_wal_replay_resume()' >/dev/null
	for _ in $(seq 50); do [ "$(listed 5550872)" = 1 ] && break; sleep 0.1; done
	[ "$(listed 5550872)" = 1 ]
}

@test "health of a dashboard program checks its replica" {
	req GET /healthz/dashboard-stats
	expect 200
	pg /usr/lib/postgresql/15/bin/pg_ctl -D "$REP/data" -m fast -w stop >/dev/null
	req GET /healthz/dashboard-stats
	expect 503
	[ "$(jq -r .database <<<"$BODY")" = unreachable ]
	req GET /healthz/vapi-hook
	expect 200
	start_replica
	for _ in $(seq 50); do req GET /healthz/dashboard-stats; [ "$CODE" = 200 ] && break; sleep 0.1; done
	expect 200
}
