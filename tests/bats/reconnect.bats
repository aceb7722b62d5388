#!/usr/bin/env bats
# A worker that lost its database answers 503 (with Retry-After), or
# spools a verified webhook, until the database is back, then reconnects
# by itself: no restart of the program.

load helpers

setup_file() {
	make_fixture_org
}

teardown() {
	# Whatever happened, leave the database running for the other suites.
	pg_up
}

post() {	# BODY-ID
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" \
	    --data "{\"message\":{\"type\":\"status-update\",\"status\":\"queued\",\"call\":{\"id\":\"$1\"}}}"
}

@test "database down: 503 with Retry-After or spooled; back up: the same workers answer, idle ones too" {
	local pids_before pids_after spooled_ids=""
	post before-outage
	expect 200
	for i in 1 2 3 4; do
		req GET /api/stats -H "Authorization: Bearer $TOKEN"
		expect 200
	done
	pids_before=$(sort "$CALLTRACK_STACK/run/vapi-hook.pid" | tr '\n' ' ')
	pg_down
	# Every worker sees the outage (two workers, several requests): the
	# dashboard answers 503, a webhook is spooled when its worker has the
	# integration's secrets at hand (spool.bats) and 503 when not.
	for i in 1 2 3 4; do
		req GET /api/stats -H "Authorization: Bearer $TOKEN"
		expect 503 unavailable
		grep -qx 'Retry-After: 5' <<<"$HEADERS"
		post "during-outage-$i"
		if [ "$CODE" = 503 ]; then
			expect 503 unavailable
			grep -qx 'Retry-After: 5' <<<"$HEADERS"
		else
			expect 202
			[ "$(jq -r .outcome <<<"$BODY")" = spooled ]
			spooled_ids="$spooled_ids during-outage-$i
"
		fi
	done
	pg_up
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
	# What was spooled goes in; nothing was lost.
	CALLTRACK_SPOOL_DIR=$(cat "$CALLTRACK_STACK/run/runtime-dir")/spool "$CALLTRACK_ADMIN" spool drain >/dev/null
	[ "$(psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$ORG'
	    AND provider_call_id LIKE 'during-outage-%'")" = "$(grep -c . <<<"$spooled_ids" || true)" ]
}
