#!/usr/bin/env bats
# Zero-downtime swap: under a steady load on all five routes, vapi-hook is
# rebuilt with a visible change (its version) and swapped in
# (tools/stack swap, what `make swap` runs).  No request fails, the new
# build answers, and the other four programs keep their processes.

load ../bats/helpers

setup_file() {
	make_fixture_org
}

# Builds vapi-hook again as VERSION into DIR, reusing the stack's build
# (only the object that carries the version is compiled again).
rebuild() {	# DIR VERSION
	mkdir -p "$1"
	cp -rp "$CALLTRACK_BUILD/lib" "$CALLTRACK_BUILD/gen" "$1/"
	rm -f "$1/lib/core/serve.o" "$1/lib/libcalltrack.a"
	make -s -C "$CALLTRACK_ROOT" BUILD="$1" VERSION="$2" SANITIZE="${CALLTRACK_SANITIZE:-}" \
	    "$1/cgi-bin/vapi-hook" >/dev/null
}

@test "swap vapi-hook under load on all five routes: 0 failed requests, new build live, others untouched" {
	local W=$BATS_FILE_TMPDIR version=swap-$(openssl rand -hex 4) lua pids_before pids_after p f
	local secs=8
	lua=$CALLTRACK_ROOT/tests/bench/load.lua
	rebuild "$W/build" "$version"
	python3 "$CALLTRACK_ROOT/tests/bench/prepare.py" vapi 4000 "$W/vapi.json"
	python3 "$CALLTRACK_ROOT/tests/bench/prepare.py" retell 3000 "$RETELL_KEY" "/hooks/retell/retell-$SUF" "$W/retell.pool"
	python3 "$CALLTRACK_ROOT/tests/bench/prepare.py" twilio 3000 "$TWILIO_TOKEN" "$TWILIO_PUBLIC_URL" \
	    "$W/twilio.pool" "/hooks/twilio/twilio-$SUF"
	pids_before=$(for p in retell-hook twilio-status dashboard-calls dashboard-stats dashboard-notify dashboard-import dashboard-ingest dashboard-sessions; do
		sort "$CALLTRACK_STACK/run/$p.pid"; done | tr '\n' ' ')
	local old_vapi
	old_vapi=$(tr '\n' ' ' <"$CALLTRACK_STACK/run/vapi-hook.pid")

	# The load: wrk on each route, four connections each, bounded in time.
	BENCH_OUT=$W/vapi.out wrk -t1 -c4 -d${secs}s -s "$lua" "$CALLTRACK_URL/hooks/vapi/vapi-$SUF" \
	    -- vapi "/hooks/vapi/vapi-$SUF" "$VAPI_SECRET" "$W/vapi.json" >/dev/null 2>&1 3>&- &
	BENCH_OUT=$W/retell.out wrk -t1 -c4 -d${secs}s -s "$lua" "$CALLTRACK_URL/" \
	    -- pool "$W/retell.pool" 1 >/dev/null 2>&1 3>&- &
	BENCH_OUT=$W/twilio.out wrk -t1 -c4 -d${secs}s -s "$lua" "$CALLTRACK_URL/" \
	    -- pool "$W/twilio.pool" 1 >/dev/null 2>&1 3>&- &
	BENCH_OUT=$W/calls.out wrk -t1 -c4 -d${secs}s -s "$lua" -H "Authorization: Bearer $TOKEN" \
	    "$CALLTRACK_URL/api/calls?limit=10" -- get >/dev/null 2>&1 3>&- &
	BENCH_OUT=$W/stats.out wrk -t1 -c4 -d${secs}s -s "$lua" -H "Authorization: Bearer $TOKEN" \
	    "$CALLTRACK_URL/api/stats" -- get >/dev/null 2>&1 3>&- &
	sleep 3
	CALLTRACK_BUILD=$W/build "$CALLTRACK_ROOT/tools/stack" swap "$CALLTRACK_STACK" vapi-hook 3>&-
	wait

	for f in vapi retell twilio calls stats; do
		[ -s "$W/$f.out" ] || { echo "no figures for $f"; return 1; }
		echo "$f: $(cat "$W/$f.out")"
		[ "$(jq '.requests' "$W/$f.out")" -gt 20 ]
		[ "$(jq '.errors | .connect + .read + .write + .status + .timeout' "$W/$f.out")" -eq 0 ]
	done
	# The new build answers; the old workers are gone; the others are the
	# same processes as before.
	req GET /healthz/vapi-hook
	expect 200
	[ "$(jq -r .version <<<"$BODY")" = "$version" ]
	for p in $old_vapi; do ! kill -0 "$p" 2>/dev/null; done
	pids_after=$(for p in retell-hook twilio-status dashboard-calls dashboard-stats dashboard-notify dashboard-import dashboard-ingest dashboard-sessions; do
		sort "$CALLTRACK_STACK/run/$p.pid"; done | tr '\n' ' ')
	[ "$pids_before" = "$pids_after" ]
	for p in $pids_after; do kill -0 "$p"; done
	# Every webhook answered 2xx was written (and at most the four that
	# were in flight when wrk stopped counting besides).
	local n done
	n=$(psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$ORG' AND provider = 'vapi'
	    AND provider_call_id LIKE 'bench-%'")
	done=$(jq '.requests' "$W/vapi.out")
	[ "$n" -ge "$done" ] && [ "$n" -le $((done + 4)) ]
}
