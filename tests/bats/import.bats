#!/usr/bin/env bats
# The contacts import end to end (docs/API.md "POST /api/contacts/import"):
# nginx → dashboard-import → PostgreSQL, checked in the database.

load helpers

setup_file() {
	make_fixture_org
	# A second org with the same numbers, which no import of the first
	# may touch.
	ORG_B=$("$CALLTRACK_ADMIN" org create "Import other $SUF")
	TOKEN_B=$("$CALLTRACK_ADMIN" token create "$ORG_B" --label other 2>/dev/null)
	VIEWER=$("$CALLTRACK_ADMIN" token create "$ORG" --label reader --role viewer 2>/dev/null)
	export ORG_B TOKEN_B VIEWER
}

# import FILE [TOKEN [CONTENT-TYPE]]: POSTs the file's bytes.
import() {
	req POST /api/contacts/import -H "Authorization: Bearer ${2:-$TOKEN}" \
	    -H "Content-Type: ${3:-text/csv}" --data-binary @"$1"
}

q() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }

# The org's contacts and their history, one line each, for "nothing changed".
snapshot() {	# ORG
	q "SELECT count(*) || ' ' || coalesce(string_agg(phone || '|' || coalesce(name, '') || '|'
	       || coalesce(email, '') || '|' || lead_status, ',' ORDER BY phone), '')
	     FROM contacts WHERE org_id = '$1'"
	q "SELECT count(*) FROM contact_history WHERE org_id = '$1'"
}

# The rejected rows of the last answer as "line:code" words.
rejected() { jq -r '[.rejected[] | "\(.line):\(.code)"] | join(" ")' <<<"$BODY"; }
counts() { jq -c '[.created, .updated, .unchanged]' <<<"$BODY"; }

contact() {	# PHONE [ORG]: name|name_source|email|lead_status
	q "SELECT coalesce(name, '') || '|' || coalesce(name_source, '') || '|' || coalesce(email, '')
	       || '|' || lead_status FROM contacts WHERE org_id = '${2:-$ORG}' AND phone = '$1'"
}

@test "a BOM, CRLF line ends, quoted commas, quotes and line ends: each row read as written" {
	local f=$BATS_TEST_TMPDIR/a.csv
	printf '\xef\xbb\xbfPhone,Name,Email,Lead_Status,Notes\r\n' >"$f"
	printf '+15552340101,"Lee, Bo",bo@example.com,Qualified,"two\r\nlines, and ""quotes"""\r\n' >>"$f"
	printf '+15552340102,"Ann ""Annie"" Ortiz",,,\r\n' >>"$f"
	printf '+15552340103,Cy,cy@example.com,new,"one\nmore\nline"\r\n' >>"$f"
	printf '+15552340104,Dee,not-an-email,,\r\n' >>"$f"
	import "$f"
	expect 200
	[ "$(counts)" = '[3,0,0]' ]
	# The notes of line 2 span two lines and those of line 5 three: the
	# refused row starts on line 8.
	[ "$(rejected)" = "8:invalid_email" ]
	[ "$(jq -r '.rejected[0].message | length > 0' <<<"$BODY")" = true ]
	[ "$(jq .rejected_more <<<"$BODY")" = 0 ]
	[ "$(contact +15552340101)" = "Lee, Bo|manual|bo@example.com|qualified" ]
	[ "$(contact +15552340102)" = 'Ann "Annie" Ortiz|manual||new' ]
	[ "$(contact +15552340103)" = "Cy|manual|cy@example.com|new" ]
	[ "$(q "SELECT count(*) FROM contacts WHERE org_id = '$ORG' AND phone = '+15552340104'")" = 0 ]
}

@test "LF line ends and a last line without one" {
	local f=$BATS_TEST_TMPDIR/lf.csv
	printf 'name,phone\nEve Lf,+15552340201\nFay Lf,+15552340202' >"$f"
	import "$f"
	expect 200
	[ "$(counts)" = '[2,0,0]' ]
	[ "$(rejected)" = "" ]
	[ "$(contact +15552340202)" = "Fay Lf|manual||new" ]
}

@test "one number on several rows, in any format: the last row counts, the earlier are superseded with their lines" {
	local f=$BATS_TEST_TMPDIR/dup.csv
	{ printf 'phone,name\n'
	  printf '(555) 234-0301,First Form\n'		# 2
	  printf '+15552340302,Other\n'			# 3
	  printf '+15552340301,Second Form\n'		# 4
	  printf '555.234.0301,Third Form\n'		# 5
	  printf '1 555 234 0301,Last Form\n'; } >"$f"	# 6
	import "$f"
	expect 200
	[ "$(counts)" = '[2,0,0]' ]
	[ "$(rejected)" = "2:superseded 4:superseded 5:superseded" ]
	[[ "$(jq -r '.rejected[0].message' <<<"$BODY")" == *"line 6"* ]]
	[ "$(contact +15552340301)" = "Last Form|manual||new" ]
	[ "$(q "SELECT count(*) FROM contacts WHERE org_id = '$ORG' AND phone LIKE '+1555234030%'")" = 2 ]
}

@test "empty lines are skipped and counted: the lines of refused rows are the file's" {
	local f=$BATS_TEST_TMPDIR/blank.csv
	printf 'phone,name\r\n\r\n+15552340401,Gus\r\n\r\n\r\n,,\r\nnot a phone,Hal\r\n\n+15552340402,Unknown Caller\r\n' >"$f"
	import "$f"
	expect 200
	[ "$(counts)" = '[1,0,0]' ]
	[ "$(rejected)" = "7:invalid_phone 9:invalid_name" ]
}

@test "importing the same file again changes nothing: all unchanged, no history" {
	local f=$BATS_TEST_TMPDIR/again.csv before
	printf 'phone,name,email,lead_status\n+15552340501,Ida Again,ida@example.com,contacted\n+15552340502,,,\n(555) 234-0503,Jo Again,,lost\n' >"$f"
	import "$f"
	expect 200
	[ "$(counts)" = '[3,0,0]' ]
	before=$(snapshot "$ORG")
	import "$f"
	expect 200
	[ "$(counts)" = '[0,0,3]' ]
	[ "$(snapshot "$ORG")" = "$before" ]
	# What a new contact starts with, and then a change, each field one
	# history row by the import.
	printf 'phone,name,email\n+15552340501,Ida Changed,ida@example.com\n' >"$f"
	import "$f"
	[ "$(counts)" = '[0,1,0]' ]
	[ "$(q "SELECT string_agg(field || ':' || coalesce(old, '') || '>' || new || ':' || by, ' ' ORDER BY h.id)
	      FROM contact_history h JOIN contacts c ON c.org_id = h.org_id AND c.id = h.contact_id
	     WHERE c.org_id = '$ORG' AND c.phone = '+15552340501'")" = \
	    "phone:>+15552340501:import name:>Ida Again:import email:>ida@example.com:import lead_status:>contacted:import name:Ida Again>Ida Changed:import" ]
}

@test "a name the import changes is the caller's name of that contact's calls at once" {
	local f=$BATS_TEST_TMPDIR/rename.csv
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' -H "x-vapi-secret: $VAPI_SECRET" \
	    --data-binary '{"message":{"type":"end-of-call-report","timestamp":1,"endedReason":"customer-ended-call","call":{"id":"import-rename-1","type":"inboundPhoneCall","customer":{"number":"+15552340601","name":"Provider Name"}},"startedAt":"2026-02-01T10:00:00Z","endedAt":"2026-02-01T10:01:00Z"}}'
	expect 200
	req GET "/api/calls?q=5552340601&include_test=true" -H "Authorization: Bearer $TOKEN"
	expect 200
	[ "$(jq -r '.calls[0].caller_name' <<<"$BODY")" = "Provider Name" ]
	printf 'phone,name\n(555) 234-0601,Kim From Import\n' >"$f"
	import "$f"
	expect 200
	[ "$(counts)" = '[0,1,0]' ]
	req GET "/api/calls?q=5552340601&include_test=true" -H "Authorization: Bearer $TOKEN"
	expect 200
	[ "$(jq -r '.calls | length' <<<"$BODY")" = 1 ]
	[ "$(jq -r '.calls[0].caller_name + "|" + .calls[0].name_source' <<<"$BODY")" = "Kim From Import|contact" ]
	# The search finds the call by the new name, no longer by the old.
	req GET "/api/calls?q=Import&include_test=true" -H "Authorization: Bearer $TOKEN"
	[ "$(jq -r '[.calls[] | select(.phone_number == "+15552340601")] | length' <<<"$BODY")" = 1 ]
	req GET "/api/calls?q=Provider&include_test=true" -H "Authorization: Bearer $TOKEN"
	[ "$(jq -r '[.calls[] | select(.phone_number == "+15552340601")] | length' <<<"$BODY")" = 0 ]
	# A provider does not overwrite the import's (manual) name.
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' -H "x-vapi-secret: $VAPI_SECRET" \
	    --data-binary '{"message":{"type":"end-of-call-report","timestamp":2,"endedReason":"customer-ended-call","call":{"id":"import-rename-2","type":"inboundPhoneCall","customer":{"number":"+15552340601","name":"Provider Again"}}}}'
	expect 200
	[ "$(contact +15552340601 | cut -d'|' -f1-2)" = "Kim From Import|manual" ]
}

@test "each refused row has its line, its code and a message; the rest is applied" {
	local f=$BATS_TEST_TMPDIR/rej.csv
	{ printf 'phone,name,email,lead_status\n'
	  printf '12,Short Number,,\n'				# 2 invalid_phone
	  printf '+15552340701,Anonymous,,\n'			# 3 invalid_name
	  printf '+15552340702,5552340702,,\n'			# 4 invalid_name
	  printf '+15552340703,Ok Name,a@b,\n'			# 5 invalid_email
	  printf '+15552340704,Ok Name,,hot\n'			# 6 invalid_lead_status
	  printf '+15552340705,Good One,good@example.com,booked\n'	# 7
	  printf '+15552340705,Good Two,,\n'			# 8
	  printf '+15552340706,\xe2\x80\xaeevil,,\n'		# 9 invalid_name
	  printf 'sip:alice@example.com,Sip,,\n'; } >"$f"	# 10 invalid_phone
	import "$f"
	expect 200
	[ "$(counts)" = '[1,0,0]' ]
	[ "$(rejected)" = "2:invalid_phone 3:invalid_name 4:invalid_name 5:invalid_email 6:invalid_lead_status 7:superseded 9:invalid_name 10:invalid_phone" ]
	[ "$(jq '[.rejected[] | select((.message | type) == "string" and (.message | length) > 0)] | length' <<<"$BODY")" = 8 ]
	[ "$(contact +15552340705)" = "Good Two|manual||new" ]
	[ "$(q "SELECT count(*) FROM contacts WHERE org_id = '$ORG' AND phone BETWEEN '+15552340701' AND '+15552340704'")" = 0 ]
}

@test "more than 1,000 refused rows: the first 1,000 by line, and how many more" {
	local f=$BATS_TEST_TMPDIR/many.csv
	{ printf 'phone\n'; for i in $(seq 1 1203); do printf 'x%d\n' "$i"; done; } >"$f"
	import "$f"
	expect 200
	[ "$(jq '.rejected | length' <<<"$BODY")" = 1000 ]
	[ "$(jq '.rejected_more' <<<"$BODY")" = 203 ]
	[ "$(jq '.rejected[0].line, .rejected[999].line' <<<"$BODY" | tr '\n' ' ')" = "2 1001 " ]
}

@test "no phone column, or a column twice: 400 naming it, and nothing applied" {
	local f=$BATS_TEST_TMPDIR/nophone.csv before
	before=$(snapshot "$ORG")
	printf 'name,email,mobile\nLen,len@example.com,+15552340801\n' >"$f"
	import "$f"
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = phone ]
	printf 'phone,name,Name\n+15552340801,Len,Len2\n' >"$f"
	import "$f"
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = name ]
	: >"$f"
	import "$f"
	expect 400 invalid_parameter
	[ "$(snapshot "$ORG")" = "$before" ]
}

@test "not CSV (binary, UTF-16, 100,000 columns, an open quote, a quote inside a field): 400, and nothing applied" {
	local f=$BATS_TEST_TMPDIR/bad.csv before
	before=$(snapshot "$ORG")
	head -c 4096 /dev/urandom >"$f"
	printf 'phone\n+15552340901\n' >>"$f"
	import "$f"
	expect 400 malformed_body
	printf 'phone,name\n+15552340901,Mo\n' | iconv -f UTF-8 -t UTF-16 >"$f"	# with its BOM
	import "$f"
	expect 400 malformed_body
	[[ "$(jq -r .error.message <<<"$BODY")" == *UTF-16* ]]
	printf 'phone,name\n+15552340901,Mo\n' | iconv -f UTF-8 -t UTF-16LE >"$f"	# without
	import "$f"
	expect 400 malformed_body
	{ printf 'phone'; head -c 100000 /dev/zero | tr '\0' ','; printf '\n+15552340901\n'; } >"$f"
	import "$f"
	expect 400 malformed_body
	[[ "$(jq -r .error.message <<<"$BODY")" == *"line 1"* ]]
	printf 'phone,name\n+15552340901,Mo\n+15552340902,"Open\n' >"$f"
	import "$f"
	expect 400 malformed_body
	[[ "$(jq -r .error.message <<<"$BODY")" == *"line 3"* ]]
	printf 'phone,name\n+15552340901,Mo "the" Man\n' >"$f"
	import "$f"
	expect 400 malformed_body
	printf 'phone,name\n+15552340901,Jos\xe9\n' >"$f"	# Latin-1
	import "$f"
	expect 400 malformed_body
	[ "$(snapshot "$ORG")" = "$before" ]
}

@test "over 10 MB: 413 in the API's shape from the program, and past nginx's limit from nginx; nothing applied" {
	local f=$BATS_TEST_TMPDIR/big.csv before
	before=$(snapshot "$ORG")
	# 10 MB and one byte of valid rows.
	{ printf 'phone,name\n'; for i in $(seq 0 9999); do printf '+1555%07d,Big %d\n' $((3000000 + i)) "$i"; done; } >"$f"
	while [ "$(wc -c <"$f")" -le 10485760 ]; do cat "$f" "$f" >"$f.2"; mv "$f.2" "$f"; done
	head -c 10485761 "$f" >"$f.cut"
	import "$f.cut"
	expect 413 payload_too_large
	tail -n1 "$CALLTRACK_STACK/log/dashboard-import.log" | grep -q 'status=413 code=payload_too_large'
	# Past nginx's 11 MB, nginx's own answer, in the same shape.
	[ "$(wc -c <"$f")" -gt 11534336 ]
	import "$f"
	expect 413 payload_too_large
	[ "$(snapshot "$ORG")" = "$before" ]
}

@test "a viewer's token is 403, another content type 415, another method 405; nothing applied" {
	local f=$BATS_TEST_TMPDIR/v.csv before
	printf 'phone,name\n+15552341001,Ned Viewer\n' >"$f"
	before=$(snapshot "$ORG")
	import "$f" "$VIEWER"
	expect 403 forbidden
	grep -q 'path="/api/contacts/import" status=403 code=forbidden' "$CALLTRACK_STACK/log/dashboard-import.log"
	import "$f" "$TOKEN" application/json
	expect 415 unsupported_media_type
	req GET /api/contacts/import -H "Authorization: Bearer $TOKEN"
	expect 405 method_not_allowed
	grep -qx 'Allow: POST' <<<"$HEADERS"
	req POST /api/contacts/import -H 'Content-Type: text/csv' --data-binary @"$f"
	expect 401 missing_token
	[ "$(snapshot "$ORG")" = "$before" ]
}

@test "another org's contacts of the same numbers are untouched" {
	local f=$BATS_TEST_TMPDIR/orgs.csv before_b
	printf 'phone,name,lead_status\n+15552341101,Olga B,qualified\n' >"$f"
	import "$f" "$TOKEN_B"
	expect 200
	before_b=$(snapshot "$ORG_B")
	printf 'phone,name,email,lead_status\n+15552341101,Olga A,olga@example.com,lost\n+15552341102,Pia A,,\n' >"$f"
	import "$f"
	expect 200
	[ "$(counts)" = '[2,0,0]' ]
	[ "$(snapshot "$ORG_B")" = "$before_b" ]
	[ "$(contact +15552341101 "$ORG_B")" = "Olga B|manual||qualified" ]
	[ "$(contact +15552341101)" = "Olga A|manual|olga@example.com|lost" ]
}

@test "a database failure in the middle of a file applies none of it: 503, and a retry applies it once" {
	local f=$BATS_TEST_TMPDIR/fail.csv before i locker
	# The row after the first batch's 1,000 (CT_IMPORT_BATCH) is a
	# contact another transaction holds locked past the statement timeout.
	printf 'phone,name\n+15552349999,Locked Before\n' >"$f"
	import "$f"
	expect 200
	{ printf 'phone,name\n'
	  for i in $(seq 0 999); do printf '+1555%07d,Batch One %d\n' $((4000000 + i)) "$i"; done
	  printf '+15552349999,Locked After\n'; } >"$f"
	before=$(snapshot "$ORG")
	psql -X -q -c "BEGIN" -c "SELECT 1 FROM contacts WHERE org_id = '$ORG' AND phone = '+15552349999' FOR UPDATE" \
	    -c "SELECT pg_sleep(60)" -c "COMMIT" >/dev/null 2>&1 3>&- &
	for i in $(seq 100); do
		locker=$(q "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' AND state = 'active'")
		[ -n "$locker" ] && break
		sleep 0.1
	done
	[ -n "$locker" ]
	import "$f"
	q "SELECT pg_terminate_backend($locker)" >/dev/null
	wait
	tail -n 3 "$CALLTRACK_STACK/log/dashboard-import.log"
	expect 503 unavailable
	grep -q 'Retry-After: 5' <<<"$HEADERS"
	[ "$(snapshot "$ORG")" = "$before" ]
	import "$f"
	expect 200
	[ "$(counts)" = '[1000,1,0]' ]
	[ "$(contact +15552349999)" = "Locked After|manual||new" ]
}
