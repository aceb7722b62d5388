#!/usr/bin/env bats
# The programs run as plain CGI (request in the environment, body on
# stdin), as on shared hosting; and the checks nginx does not make for them.

load helpers

setup_file() {
	make_fixture_org
	export CALLTRACK_DB="host=$PGHOST dbname=calltrack user=calltrack_app"
	# The dashboard programs' own role (INSTALL, 3).
	export CALLTRACK_DASHBOARD_DB="host=$PGHOST dbname=calltrack user=calltrack_dashboard"
}

cgi() {	# PROGRAM METHOD PATH [CONTENT_TYPE [CONTENT_LENGTH]] < body
	env -i PATH="$PATH" CALLTRACK_DB="$CALLTRACK_DB" REQUEST_METHOD="$2" \
	    SCRIPT_NAME="$3" CONTENT_TYPE="${4:-}" CONTENT_LENGTH="${5:-}" \
	    HTTP_X_VAPI_SECRET="${CGI_SECRET:-}" "$CALLTRACK_BUILD/cgi-bin/$1" \
	    2>>"$BATS_FILE_TMPDIR/cgi.log"	# the log, apart from the response
}

# A dashboard program run as Apache runs it behind INSTALL's .htaccess
# ("Shared hosting"): the client's URI in REQUEST_URI, the program in
# SCRIPT_NAME, the API path in PATH_INFO, and, with CGIPassAuth On (or the
# rewrite rule that copies the header), the Authorization header in
# HTTP_AUTHORIZATION when AUTH is given.
apache_cgi() {	# PROGRAM PATH QUERY [AUTH]
	local auth=()
	[ -z "${4:-}" ] || auth=(HTTP_AUTHORIZATION="$4")
	env -i PATH="$PATH" CALLTRACK_DB="$CALLTRACK_DASHBOARD_DB" GATEWAY_INTERFACE=CGI/1.1 \
	    SERVER_PROTOCOL=HTTP/1.1 SERVER_SOFTWARE=Apache REQUEST_METHOD=GET \
	    SCRIPT_NAME="/cgi-bin/$1" PATH_INFO="$2" QUERY_STRING="$3" \
	    REQUEST_URI="$2${3:+?$3}" "${auth[@]}" "$CALLTRACK_BUILD/cgi-bin/$1" \
	    </dev/null 2>>"$BATS_FILE_TMPDIR/cgi.log"
}

# The body of a CGI response in $output: what follows the blank line.
cgi_body() { sed '1,/^\r\{0,1\}$/d' <<<"$output"; }

@test "plain CGI: a signed Vapi event is taken" {
	local f=$FIX/vapi/outbound-busy.1.status-update.queued.json
	CGI_SECRET=$VAPI_SECRET run cgi vapi-hook POST "/hooks/vapi/vapi-$SUF" application/json \
	    "$(wc -c <"$f")" <"$f"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Status: 200 OK"* ]]
	[[ "$output" == *'"outcome":"applied"'* ]]
}

# A webhook program run as Apache runs it: SCRIPT_NAME, PATH_INFO and the
# client's REQUEST_URI (none when the rewrite goes to the program itself).
apache_hook() {	# PATH_INFO REQUEST_URI < body
	env -i PATH="$PATH" CALLTRACK_DB="$CALLTRACK_DB" GATEWAY_INTERFACE=CGI/1.1 \
	    SERVER_PROTOCOL=HTTP/1.1 REQUEST_METHOD=POST SCRIPT_NAME=/cgi-bin/vapi-hook \
	    PATH_INFO="$1" ${2:+REQUEST_URI="$2"} CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="$(wc -c <"$F")" HTTP_X_VAPI_SECRET="$VAPI_SECRET" \
	    "$CALLTRACK_BUILD/cgi-bin/vapi-hook" <"$F" 2>>"$BATS_FILE_TMPDIR/cgi.log"
}

@test "plain CGI routes as INSTALL says: the integration from PATH_INFO, or under any prefix" {
	F=$FIX/vapi/outbound-busy.1.status-update.queued.json
	# /cgi-bin/vapi-hook/<integration>: PATH_INFO names it.
	run apache_hook "/vapi-$SUF" ""
	[[ "${lines[0]}" == "Status: 200 OK"* ]]
	# A site under /~acme/: the route after the prefix names it.
	run apache_hook "/vapi-$SUF" "/~acme/hooks/vapi/vapi-$SUF"
	[[ "${lines[0]}" == "Status: 200 OK"* ]]
	run apache_hook "" "/~acme/hooks/vapi/vapi-$SUF"
	[[ "${lines[0]}" == "Status: 200 OK"* ]]
	# An integration that does not exist is still a 404, however named.
	run apache_hook "/vapi-nope-$SUF" ""
	[[ "${lines[0]}" == "Status: 404"* ]]
	run apache_hook "/a/b" ""
	[[ "${lines[0]}" == "Status: 404"* ]]
}

@test "plain CGI: the program itself refuses a body over its limit (413)" {
	run cgi vapi-hook POST "/hooks/vapi/vapi-$SUF" application/json 16777217 </dev/null
	[[ "${lines[0]}" == "Status: 413 Payload Too Large"* ]]
	run cgi vapi-hook POST "/hooks/vapi/vapi-$SUF" application/json 99999999999999999999999 </dev/null
	[[ "${lines[0]}" == "Status: 413"* ]]
}

@test "plain CGI: a malformed or short CONTENT_LENGTH is a 400" {
	run cgi vapi-hook POST "/hooks/vapi/vapi-$SUF" application/json abc </dev/null
	[[ "${lines[0]}" == "Status: 400"* ]]
	run cgi vapi-hook POST "/hooks/vapi/vapi-$SUF" application/json -5 </dev/null
	[[ "${lines[0]}" == "Status: 400"* ]]
	run bash -c "printf '{}' | env -i CALLTRACK_DB='$CALLTRACK_DB' REQUEST_METHOD=POST \
	    SCRIPT_NAME=/hooks/vapi/vapi-$SUF CONTENT_TYPE=application/json CONTENT_LENGTH=100 \
	    '$CALLTRACK_BUILD/cgi-bin/vapi-hook' 2>/dev/null"
	[[ "${lines[0]}" == "Status: 400"* ]]
	[[ "$output" == *'"code":"bad_request"'* ]]
}

@test "plain CGI: method, content type and token checks hold without nginx" {
	run cgi twilio-status GET "/hooks/twilio/twilio-$SUF" </dev/null
	[[ "${lines[0]}" == "Status: 405"* ]]
	[[ "$output" == *"Allow: POST"* ]]
	run cgi retell-hook POST "/hooks/retell/retell-$SUF" text/plain 2 <<<'{}'
	[[ "${lines[0]}" == "Status: 415"* ]]
	run cgi dashboard-stats GET /api/stats </dev/null
	[[ "${lines[0]}" == "Status: 401"* ]]
	[[ "$output" == *'"code":"missing_token"'* ]]
	run cgi dashboard-contacts PATCH /api/contacts/00000000-0000-0000-0000-000000000000 text/plain 2 <<<'{}'
	[[ "${lines[0]}" == "Status: 415"* ]]
	run cgi dashboard-contacts PUT /api/contacts </dev/null
	[[ "${lines[0]}" == "Status: 405"* ]]
	[[ "$output" == *"Allow: GET, POST, PATCH"* ]]
	run cgi dashboard-contacts GET /api/contacts </dev/null
	[[ "${lines[0]}" == "Status: 401"* ]]
	[[ "$output" == *'"code":"missing_token"'* ]]
}

@test "plain CGI: with the database down a webhook gets 503 with Retry-After" {
	local f=$FIX/vapi/outbound-busy.2.end-of-call-report.json
	CALLTRACK_DB="host=/nonexistent dbname=x" CGI_SECRET=$VAPI_SECRET \
	    run cgi vapi-hook POST "/hooks/vapi/vapi-$SUF" application/json "$(wc -c <"$f")" <"$f"
	[[ "${lines[0]}" == "Status: 503"* ]]
	[[ "$output" == *"Retry-After: 5"* ]]
	[[ "$output" == *'"code":"unavailable"'* ]]
	[[ "$output" != *"nonexistent"* ]]
	# The reason is in the log, for operators.
	grep -q "could not connect to the database" "$BATS_FILE_TMPDIR/cgi.log"
}

@test "a bad setting stops the program before its first request" {
	run env -i CALLTRACK_STATEMENT_TIMEOUT_MS=forever REQUEST_METHOD=GET \
	    "$CALLTRACK_BUILD/cgi-bin/dashboard-calls" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"CALLTRACK_STATEMENT_TIMEOUT_MS"* ]]
	[[ "$output" != *"Status:"* ]]
}

@test "plain CGI as under Apache: the bearer token in HTTP_AUTHORIZATION reads the org's calls; no token is a 401" {
	local f=$FIX/vapi/outbound-busy.1.status-update.queued.json
	CGI_SECRET=$VAPI_SECRET run cgi vapi-hook POST "/hooks/vapi/vapi-$SUF" application/json \
	    "$(wc -c <"$f")" <"$f"
	[[ "${lines[0]}" == "Status: 200 OK"* ]]
	run apache_cgi dashboard-calls /api/calls "include_test=true&limit=100" "Bearer $TOKEN"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Status: 200 OK"* ]]
	# Exactly this org's calls, as the database has them.
	[ "$(cgi_body | jq -r '[.calls[].id] | sort | join(" ")')" = \
	    "$(psql -X -At -c "SELECT string_agg(id::text, ' ' ORDER BY id::text) FROM calls WHERE org_id = '$ORG'")" ]
	[ "$(cgi_body | jq '.calls | length')" -ge 1 ]
	run apache_cgi dashboard-stats /api/stats "from=2020-01-01&to=2030-01-01&include_test=true" "Bearer $TOKEN"
	[[ "${lines[0]}" == "Status: 200 OK"* ]]
	[ "$(cgi_body | jq .total_calls)" -ge 1 ]
	# Without the header (Apache's default: no CGIPassAuth) a 401.
	run apache_cgi dashboard-calls /api/calls "limit=5"
	[[ "${lines[0]}" == "Status: 401"* ]]
	[ "$(cgi_body | jq -r .error.code)" = missing_token ]
	run apache_cgi dashboard-stats /api/stats ""
	[[ "${lines[0]}" == "Status: 401"* ]]
	[ "$(cgi_body | jq -r .error.code)" = missing_token ]
	# A token of no org is refused the same way over CGI.
	run apache_cgi dashboard-calls /api/calls "limit=5" "Bearer ct_${TOKEN#ct_}x"
	[[ "${lines[0]}" == "Status: 401"* ]]
}

@test "plain CGI as under Apache: dashboard-ingest, as the editors' role, answers the org's ingestion health; no token is a 401" {
	local f=$FIX/vapi/outbound-busy.1.status-update.queued.json
	CGI_SECRET=$VAPI_SECRET run cgi vapi-hook POST "/hooks/vapi/vapi-$SUF" application/json \
	    "$(wc -c <"$f")" <"$f"
	[[ "${lines[0]}" == "Status: 200 OK"* ]]
	CALLTRACK_DASHBOARD_DB="host=$PGHOST dbname=calltrack user=calltrack_editor" \
	    run apache_cgi dashboard-ingest /api/ingest "" "Bearer $TOKEN"
	[[ "${lines[0]}" == "Status: 200 OK"* ]]
	[ "$(cgi_body | jq -r '[.integrations[].id] | sort | join(" ")')" = \
	    "$(psql -X -At -c "SELECT string_agg(id, ' ' ORDER BY id) FROM integrations WHERE org_id = '$ORG'")" ]
	[ "$(cgi_body | jq --arg i "vapi-$SUF" '.integrations[] | select(.id == $i) | .deliveries.applied')" -ge 1 ]
	CALLTRACK_DASHBOARD_DB="host=$PGHOST dbname=calltrack user=calltrack_editor" \
	    run apache_cgi dashboard-ingest /api/ingest/deliveries "limit=1" "Bearer $TOKEN"
	[[ "${lines[0]}" == "Status: 200 OK"* ]]
	[ "$(cgi_body | jq '.deliveries | length')" = 1 ]
	CALLTRACK_DASHBOARD_DB="host=$PGHOST dbname=calltrack user=calltrack_editor" \
	    run apache_cgi dashboard-ingest /api/ingest ""
	[[ "${lines[0]}" == "Status: 401"* ]]
	[ "$(cgi_body | jq -r .error.code)" = missing_token ]
}

# As under Apache (INSTALL's .htaccess): the client's URI in REQUEST_URI.
@test "plain CGI: dashboard-notify lists and adds an admin's destinations as its own role; no token is a 401" {
	local t out
	t=$("$CALLTRACK_ADMIN" token create "$ORG" --role admin 2>/dev/null)
	run env -i PATH="$PATH" CALLTRACK_DB="host=$PGHOST dbname=calltrack user=calltrack_editor" \
	    REQUEST_METHOD=GET SCRIPT_NAME=/cgi-bin/dashboard-notify PATH_INFO=/api/notifications \
	    REQUEST_URI=/api/notifications HTTP_AUTHORIZATION="Bearer $t" "$CALLTRACK_BUILD/cgi-bin/dashboard-notify" </dev/null
	[[ "${lines[0]}" == "Status: 200 OK"* ]]
	[ "$(cgi_body | jq -c .)" = '{"notifications":[]}' ]
	out='{"kind":"slack","url":"https://hooks.slack.com/services/T1/B1/cgi","events":["call.missed"]}'
	run env -i PATH="$PATH" CALLTRACK_DB="host=$PGHOST dbname=calltrack user=calltrack_editor" \
	    REQUEST_METHOD=POST SCRIPT_NAME=/cgi-bin/dashboard-notify PATH_INFO=/api/notifications \
	    REQUEST_URI=/api/notifications CONTENT_TYPE=application/json CONTENT_LENGTH=${#out} HTTP_AUTHORIZATION="Bearer $t" \
	    "$CALLTRACK_BUILD/cgi-bin/dashboard-notify" <<<"$out"
	[[ "${lines[0]}" == "Status: 201 Created"* ]]
	[ "$(cgi_body | jq -r .url)" = 'https://hooks.slack.com/services/T…/…' ]
	run cgi dashboard-notify GET /api/notifications </dev/null
	[[ "${lines[0]}" == "Status: 401"* ]]
	[[ "$output" == *'"code":"missing_token"'* ]]
}

# dashboard-import run as Apache runs it (INSTALL's rewrite rule), as the
# dashboard writers' role, the CSV file on stdin.
import_cgi() {	# FILE [AUTH]
	local auth=()
	[ -z "${2:-}" ] || auth=(HTTP_AUTHORIZATION="$2")
	env -i PATH="$PATH" CALLTRACK_DB="host=$PGHOST dbname=calltrack user=calltrack_editor" \
	    GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 REQUEST_METHOD=POST \
	    SCRIPT_NAME=/cgi-bin/dashboard-import PATH_INFO=/api/contacts/import \
	    REQUEST_URI=/api/contacts/import CONTENT_TYPE=text/csv CONTENT_LENGTH="$(wc -c <"$1")" \
	    "${auth[@]}" "$CALLTRACK_BUILD/cgi-bin/dashboard-import" <"$1" 2>>"$BATS_FILE_TMPDIR/cgi.log"
}

@test "plain CGI: the contacts import takes an editor's file, refuses a viewer's (403) and none (401)" {
	local f=$BATS_TEST_TMPDIR/c.csv editor viewer
	printf 'phone,name\r\n+15552340001,Cgi Person\r\n' >"$f"
	editor=$("$CALLTRACK_ADMIN" token create "$ORG" --label cgi-editor --role editor 2>/dev/null)
	viewer=$("$CALLTRACK_ADMIN" token create "$ORG" --label cgi-viewer --role viewer 2>/dev/null)
	run import_cgi "$f"
	[[ "${lines[0]}" == "Status: 401"* ]]
	run import_cgi "$f" "Bearer $viewer"
	[[ "${lines[0]}" == "Status: 403"* ]]
	[ "$(cgi_body | jq -r .error.code)" = forbidden ]
	[ "$(psql -X -At -c "SELECT count(*) FROM contacts WHERE org_id = '$ORG' AND phone = '+15552340001'")" = 0 ]
	run import_cgi "$f" "Bearer $editor"
	[[ "${lines[0]}" == "Status: 200 OK"* ]]
	[ "$(cgi_body | jq -c '[.created, .updated, .unchanged, (.rejected | length)]')" = '[1,0,0,0]' ]
	[ "$(psql -X -At -c "SELECT name FROM contacts WHERE org_id = '$ORG' AND phone = '+15552340001'")" = "Cgi Person" ]
}

@test "plain CGI as under Apache: dashboard-contacts, as the writers' role, lists the org's contacts" {
	local f=$FIX/vapi/outbound-busy.1.status-update.queued.json
	CGI_SECRET=$VAPI_SECRET run cgi vapi-hook POST "/hooks/vapi/vapi-$SUF" application/json \
	    "$(wc -c <"$f")" <"$f"
	CALLTRACK_DASHBOARD_DB="host=$PGHOST dbname=calltrack user=calltrack_editor" \
	    run apache_cgi dashboard-contacts /api/contacts "limit=100" "Bearer $TOKEN"
	[[ "${lines[0]}" == "Status: 200 OK"* ]]
	[ "$(cgi_body | jq -r '[.contacts[].id] | sort | join(" ")')" = \
	    "$(psql -X -At -c "SELECT string_agg(id::text, ' ' ORDER BY id::text) FROM contacts WHERE org_id = '$ORG'")" ]
	CALLTRACK_DASHBOARD_DB="host=$PGHOST dbname=calltrack user=calltrack_editor" \
	    run apache_cgi dashboard-contacts /api/alerts "" ""
	[[ "${lines[0]}" == "Status: 401"* ]]
}

# As Apache runs it for a site under /~acme/ (INSTALL's rewrite to the
# program): the client's URI keeps the prefix, PATH_INFO is the API path.
@test "plain CGI as under Apache, a site under /~acme/: a dashboard program routes by PATH_INFO" {
	local p
	for p in /api/calls /api/stats /api/me; do
		run env -i PATH="$PATH" CALLTRACK_DB="$CALLTRACK_DASHBOARD_DB" GATEWAY_INTERFACE=CGI/1.1 \
		    SERVER_PROTOCOL=HTTP/1.1 REQUEST_METHOD=GET QUERY_STRING=limit=1 \
		    SCRIPT_NAME=/~acme/cgi-bin/dashboard PATH_INFO=$p REQUEST_URI="/~acme$p?limit=1" \
		    HTTP_AUTHORIZATION="Bearer $TOKEN" \
		    "$CALLTRACK_BUILD/cgi-bin/$([ "$p" = /api/calls ] && echo dashboard-calls || echo dashboard-stats)" \
		    </dev/null 2>>"$BATS_FILE_TMPDIR/cgi.log"
		[[ "${lines[0]}" == "Status: 200 OK"* ]] || { echo "$p: $output"; return 1; }
	done
	# The client's URI alone, without the rewrite's PATH_INFO, does not
	# name an API path: a 404, as before.
	run env -i PATH="$PATH" CALLTRACK_DB="$CALLTRACK_DASHBOARD_DB" REQUEST_METHOD=GET \
	    SCRIPT_NAME=/~acme/cgi-bin/dashboard-calls REQUEST_URI=/~acme/api/calls \
	    HTTP_AUTHORIZATION="Bearer $TOKEN" "$CALLTRACK_BUILD/cgi-bin/dashboard-calls" </dev/null 2>/dev/null
	[[ "${lines[0]}" == "Status: 404"* ]]
}

# dashboard-sessions run as Apache runs it, as the dashboard writers'
# role, the session on stdin.
session_cgi() {	# PROVIDER CALL-ID FILE [AUTH]
	local auth=()
	[ -z "${4:-}" ] || auth=(HTTP_AUTHORIZATION="$4")
	env -i PATH="$PATH" CALLTRACK_DB="host=$PGHOST dbname=calltrack user=calltrack_editor" \
	    GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 REQUEST_METHOD=PUT \
	    SCRIPT_NAME=/cgi-bin/dashboard-sessions PATH_INFO="/api/sessions/$1/$2" \
	    REQUEST_URI="/api/sessions/$1/$2" CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="$(wc -c <"$3")" "${auth[@]}" "$CALLTRACK_BUILD/cgi-bin/dashboard-sessions" \
	    <"$3" 2>>"$BATS_FILE_TMPDIR/cgi.log"
}

@test "plain CGI as under Apache: dashboard-sessions, as the writers' role, stores an editor's session and merges it into the call; none is a 401" {
	local f=$FIX/vapi/outbound-busy.2.end-of-call-report.json s=$BATS_TEST_TMPDIR/s.json id
	printf '%s\n' '{"conversation_state": {"bookingAttempted": true, "via": "cgi"}}' >"$s"
	CGI_SECRET=$VAPI_SECRET run cgi vapi-hook POST "/hooks/vapi/vapi-$SUF" application/json \
	    "$(wc -c <"$f")" <"$f"
	[[ "${lines[0]}" == "Status: 200 OK"* ]]
	id=$(jq -r .message.call.id "$f")
	run session_cgi vapi "$id" "$s" "Bearer $TOKEN"
	[[ "${lines[0]}" == "Status: 200 OK"* ]]
	[ "$(cgi_body | jq -r '"\(.session.provider_call_id) \(.session.synced_to_dashboard)"')" = "$id true" ]
	[ "$(psql -X -At -c "SELECT booking_status || ' ' || (analysis->>'via') FROM calls
	    WHERE org_id = '$ORG' AND provider_call_id = '$id'")" = "attempted_failed cgi" ]
	run session_cgi vapi "$id" "$s"
	[[ "${lines[0]}" == "Status: 401"* ]]
	[ "$(cgi_body | jq -r .error.code)" = missing_token ]
}
