#!/usr/bin/env bats
# The cluster itself (tests/citus/run, make check-citus): an org's rows
# are on one worker, the webhook's statement is sent whole to it, and a
# worker stopped under load loses nothing: the webhooks of the org it
# holds answer 202 (spooled) or 503, never 500 or 504, and once it is back
# and the spool drained, every delivery answered 200 or 202 is a call.
# Bounded: 2,000 requests at 8 connections, loopback only.

load ../bats/helpers

setup_file() {
	make_fixture_org
	export W=$BATS_FILE_TMPDIR
	export RTDIR=$(cat "$CALLTRACK_STACK/run/runtime-dir")
}

count() { psql -X -At -c "$1"; }

# The directory of the worker that holds ORG's shard of calls.
org_worker() {
	dirname "$(count "SELECT n.nodename FROM pg_dist_placement p
	    JOIN pg_dist_node n ON n.groupid = p.groupid
	    WHERE p.shardid = get_shard_id_for_distribution_column('calls', '$ORG')")"
}

worker_ctl() {	# DIR pg_ctl-arguments...
	local d=$1
	shift
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$d/pg" "$@"
	else
		/usr/lib/postgresql/15/bin/pg_ctl -D "$d/pg" "$@"
	fi
}

@test "the org's rows are on one worker, and its webhook's statement is routed there" {
	local d
	d=$(org_worker)
	[ -d "$d/pg" ]
	case " $CITUS_WORKER_DIRS " in *" $d "*) ;; *) false ;; esac
	# One shard of each co-located table holds the org, on that worker.
	[ "$(count "SELECT count(DISTINCT n.nodename) FROM pg_dist_shard s
	    JOIN pg_dist_placement p ON p.shardid = s.shardid JOIN pg_dist_node n ON n.groupid = p.groupid
	    WHERE s.logicalrelid IN ('calls'::regclass, 'call_events'::regclass, 'contacts'::regclass)
	      AND get_shard_id_for_distribution_column(s.logicalrelid, '$ORG') = s.shardid")" = 1 ]
}

@test "the webhook's statement runs whole on the org's worker (Citus's plan: one task there, the function inside)" {
	local node plan
	node=$(count "SELECT n.nodename FROM pg_dist_placement p JOIN pg_dist_node n ON n.groupid = p.groupid
	    WHERE p.shardid = get_shard_id_for_distribution_column('calls', '$ORG')")
	plan=$(psql -X -At -c "EXPLAIN (COSTS OFF) SELECT outcome, call_id, error FROM ct_apply_event(
	    p_integration => 'vapi-$SUF', p_provider => 'vapi', p_provider_call_id => 'route-1',
	    p_event_type => 'status-update', p_dedup_key => 'route-1', p_payload => '\x7b7d',
	    p_content_type => 'application/json', p_mode => 'apply', p_org => '$ORG')")
	echo "$plan"
	grep -q '^Custom Scan (Citus Adaptive)' <<<"$plan"
	grep -q 'Task Count: 1' <<<"$plan"
	grep -q "Node: host=$node port=5432 dbname=calltrack" <<<"$plan"
	grep -q 'Function Scan on ct_apply_event' <<<"$plan"
}

@test "a webhook through nginx lands on the org's worker: the call's row is in the shard there" {
	local d shard
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' -H "x-vapi-secret: $VAPI_SECRET" \
	    --data '{"message":{"type":"status-update","status":"queued","call":{"id":"route-2"}}}'
	expect 200
	d=$(org_worker)
	shard=$(count "SELECT 'calls_' || get_shard_id_for_distribution_column('calls', '$ORG')")
	[ "$(psql -X -At -h "$d/run" -U postgres -d calltrack -c "SELECT count(*) FROM $shard
	    WHERE org_id = '$ORG' AND provider_call_id = 'route-2'")" = 1 ]
}

@test "a worker stopped under load: 200, 202 or 503 only; after it is back and the spool drained, every 2xx is a call" {
	local d
	d=$(org_worker)
	python3 "$CALLTRACK_ROOT/tests/bench/prepare.py" vapi-pool distinct 2000 1 "$VAPI_SECRET" \
	    "/hooks/vapi/vapi-$SUF" "$W/stop.pool"
	( sleep 1; worker_ctl "$d" -m immediate -w stop >/dev/null 2>&1; sleep 3
	  env -u CALLTRACK_TEST_RUN bash -c "$(declare -f worker_ctl); worker_ctl \"$d\" -l \"$d/postgres.log\" -w -t 60 start" >/dev/null 2>&1 ) 3>&- &
	run python3 "$CALLTRACK_ROOT/tests/faults/fire.py" "$CALLTRACK_URL" "$W/stop.pool" 8 "$W/stop.out"
	wait
	echo "$output"
	# The answers by status, kept for a look after the run (TEST_KEEP=1).
	echo "$output" >"$CALLTRACK_STACK/log/cluster-worker-stopped.json"
	worker_ctl "$d" status >/dev/null
	every_2xx_is_a_call "$W/stop.pool" "$W/stop.out"
	# Some were refused or spooled while the worker was away.
	[ "$(jq -r '[.status["202"], .status["503"]] | map(. // 0) | add' <<<"$output")" -gt 0 ]
	req GET /healthz/vapi-hook
	expect 200
}
