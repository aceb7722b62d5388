#!/usr/bin/env bats
# Tenant isolation where connections are shared: two orgs' requests
# alternate over the same database connections (through pgbouncer with a
# single server connection, tests/ops/pgbouncer), while their server
# connections are killed under them and requests fail half way.  Nothing
# of one org ever shows in the other's answers.

load helpers

setup_file() {
	local o
	for o in A B; do
		make_fixture_org
		eval "ORG_$o=\$ORG TOKEN_$o=\$TOKEN SUF_$o=\$SUF"
	done
	export ORG_A ORG_B TOKEN_A TOKEN_B SUF_A SUF_B
}

# A new call of org O (A or B) through its Vapi webhook; its caller's name
# and number carry the org's letter.
call() {	# O N
	local suf org_name
	eval "suf=\$SUF_$1"
	org_name="Caller$1 N$2"
	req POST "/hooks/vapi/vapi-$suf" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" \
	    --data "{\"message\":{\"type\":\"status-update\",\"status\":\"in-progress\",\"timestamp\":$2,
	      \"call\":{\"id\":\"iso-$1-$2\",\"customer\":{\"number\":\"+1415555$( [ "$1" = A ] && echo 1 || echo 2 )$(printf %03d "$2")\",
	      \"name\":\"$org_name\"}}}}"
}

# Every caller and call id an org's answer shows belongs to that org.
own_only() {	# O
	local other
	other=$([ "$1" = A ] && echo B || echo A)
	! grep -q "Caller$other\|iso-$other-\|+1415555$([ "$other" = A ] && echo 1 || echo 2)" <<<"$BODY"
}

@test "alternating orgs on shared connections, with failures injected: no row crosses" {
	local i o tok bad=0 failures=0 killer
	# Server connections of the programs die at random while we work.
	( for _ in $(seq 40); do
		psql -X -q -At -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		    WHERE usename IN ('calltrack_app', 'calltrack_dashboard')
		      AND pid <> pg_backend_pid()" >/dev/null 2>&1
		sleep 0.15
	  done ) 3>&- &
	killer=$!
	for i in $(seq 1 60); do
		for o in A B; do
			eval "tok=\$TOKEN_$o"
			call "$o" "$i"
			# A webhook whose connection is killed twice over is
			# spooled (202, durable on disk) or refused (503): not in
			# the database now, and no other org's either way.
			case $CODE in
			200) ;;
			503) failures=$((failures + 1)) ;;
			202) [ "$(jq -r .outcome <<<"$BODY")" = spooled ] || { echo "webhook: $CODE $BODY"; bad=1; }
			     failures=$((failures + 1)) ;;
			*) echo "webhook: $CODE $BODY"; bad=1 ;;
			esac
			# A request that fails inside its transaction (a reversed range).
			req GET "/api/calls?from=2026-02-01&to=2026-01-01" -H "Authorization: Bearer $tok"
			[ "$CODE" = 400 ] || [ "$CODE" = 503 ] || { echo "reversed: $CODE $BODY"; bad=1; }
			req GET "/api/calls?limit=100&q=caller" -H "Authorization: Bearer $tok"
			case $CODE in
			200) own_only "$o" || { echo "org $o saw: $BODY"; bad=1; } ;;
			503) failures=$((failures + 1)) ;;
			*) echo "list: $CODE $BODY"; bad=1 ;;
			esac
			req GET "/api/stats" -H "Authorization: Bearer $tok"
			case $CODE in 200|503) ;; *) echo "stats: $CODE $BODY"; bad=1 ;; esac
		done
	done
	wait "$killer"
	[ "$bad" -eq 0 ]
	# Afterwards each org sees exactly its own calls, all of them that
	# were answered 200.
	for o in A B; do
		eval "tok=\$TOKEN_$o"
		req GET "/api/calls?limit=100&q=caller" -H "Authorization: Bearer $tok"
		expect 200
		own_only "$o"
		[ "$(jq '.total' <<<"$BODY")" -ge $((60 - failures)) ]
		[ "$(jq '.total' <<<"$BODY")" -le 60 ]
	done
	# Row-level security agrees, whatever the requests did.
	[ "$(psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$ORG_A' AND provider_call_id LIKE 'iso-B-%'")" = 0 ]
	[ "$(psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$ORG_B' AND provider_call_id LIKE 'iso-A-%'")" = 0 ]
}
