#!/usr/bin/env bats
# Tokens have a role (docs/API.md, "Dashboard API"): viewer, editor or
# admin; calltrack-admin sets it and lists it, and GET /api/me says it.
# Every write of the contacts API is refused to a viewer (below); what
# each role may write elsewhere is held by the suites of those routes.

load helpers
load contacts

admin() { "$CALLTRACK_ADMIN" "$@"; }

setup_file() {
	ORG=$("$CALLTRACK_ADMIN" org create "Roles org" --country GB --timezone Europe/London)
	export ORG
}

@test "token create takes --role; the default is editor; token list shows each" {
	local v e a
	v=$(admin token create "$ORG" --label reader --role viewer 2>/dev/null)
	e=$(admin token create "$ORG" --label writer 2>/dev/null)
	a=$(admin token create "$ORG" --label boss --role admin 2>/dev/null)
	run admin token list "$ORG"
	[ "$status" -eq 0 ]
	[ "$(head -n1 <<<"$output")" = "$(printf 'id\tlabel\trole\tcreated\tlast used\tstate')" ]
	grep -qP '\treader\tviewer\t' <<<"$output"
	grep -qP '\twriter\teditor\t' <<<"$output"
	grep -qP '\tboss\tadmin\t' <<<"$output"
	run psql -X -At -c "SELECT role FROM api_tokens WHERE org_id = '$ORG' ORDER BY label"
	[ "$output" = "$(printf 'admin\nviewer\neditor')" ]
}

@test "token create refuses a role that is none, with exit 2 and nothing made" {
	local before
	before=$(psql -X -At -c "SELECT count(*) FROM api_tokens WHERE org_id = '$ORG'")
	run admin token create "$ORG" --role owner
	[ "$status" -eq 2 ]
	[[ "$output" == *"--role"* ]]
	run admin token create "$ORG" --role ""
	[ "$status" -eq 2 ]
	[ "$(psql -X -At -c "SELECT count(*) FROM api_tokens WHERE org_id = '$ORG'")" = "$before" ]
}

@test "GET /api/me names the token's org, role and label" {
	local t role
	for role in viewer editor admin; do
		t=$(admin token create "$ORG" --label "me-$role" --role "$role" 2>/dev/null)
		req GET /api/me -H "Authorization: Bearer $t"
		expect 200
		[ "$(jq -r '.token.role' <<<"$BODY")" = "$role" ]
		[ "$(jq -r '.token.label' <<<"$BODY")" = "me-$role" ]
		[ "$(jq -r '.org.id' <<<"$BODY")" = "$ORG" ]
		[ "$(jq -r '.org.name, .org.country, .org.timezone' <<<"$BODY")" = "$(printf 'Roles org\nGB\nEurope/London')" ]
	done
}

@test "GET /api/me: a token without a label is named by its id; no secret in the answer" {
	local t id
	t=$(admin token create "$ORG" --role viewer 2>/dev/null)
	id=$(psql -X -At -c "SELECT id FROM api_tokens WHERE token_hash = '$(printf '%s' "$t" | openssl dgst -sha256 -r | cut -d' ' -f1)'")
	req GET /api/me -H "Authorization: Bearer $t"
	expect 200
	[ "$(jq -r '.token.label' <<<"$BODY")" = "token $id" ]
	[[ "$BODY" != *"$t"* ]]
	[[ "$BODY" != *token_hash* ]]
}

@test "GET /api/me without a token, or with a revoked one, is 401" {
	local t id
	req GET /api/me
	expect 401 missing_token
	t=$(admin token create "$ORG" --label gone 2>/dev/null)
	id=$(psql -X -At -c "SELECT id FROM api_tokens WHERE org_id = '$ORG' AND label = 'gone'")
	admin token revoke "$id"
	req GET /api/me -H "Authorization: Bearer $t"
	expect 401 invalid_token
}

@test "a method the program does not take is 405, its Allow header listing what it does take" {
	req PATCH /api/calls -H "Authorization: Bearer $(admin token create "$ORG" 2>/dev/null)"
	expect 405 method_not_allowed
	grep -qx 'Allow: GET' <<<"$HEADERS"
	req DELETE /hooks/vapi/none
	expect 405 method_not_allowed
	grep -qx 'Allow: POST' <<<"$HEADERS"
}

@test "the contacts import: a viewer's token is 403 and changes nothing, its log line says why; an editor's and an admin's import" {
	local f=$BATS_TEST_TMPDIR/r.csv role t
	printf 'phone,name\n+447700900555,Role Person\n' >"$f"
	t=$(admin token create "$ORG" --label imp-viewer --role viewer 2>/dev/null)
	req POST /api/contacts/import -H "Authorization: Bearer $t" -H 'Content-Type: text/csv' --data-binary @"$f"
	expect 403 forbidden
	[ "$(psql -X -At -c "SELECT count(*) FROM contacts WHERE org_id = '$ORG' AND phone = '+447700900555'")" = 0 ]
	grep -E 'path="/api/contacts/import" status=403 code=forbidden .*detail="a viewer token may not POST /api/contacts/import \(needs editor\)"' \
	    "$CALLTRACK_STACK/log/dashboard-import.log"
	for role in editor admin; do
		t=$(admin token create "$ORG" --label "imp-$role" --role "$role" 2>/dev/null)
		req POST /api/contacts/import -H "Authorization: Bearer $t" -H 'Content-Type: text/csv' --data-binary @"$f"
		expect 200
	done
	# A GB org reads the national form with its country.
	printf 'phone,name\n07700 900555,Role Person\n' >"$f"
	req POST /api/contacts/import -H "Authorization: Bearer $t" -H 'Content-Type: text/csv' --data-binary @"$f"
	expect 200
	[ "$(jq -c '[.created, .updated, .unchanged]' <<<"$BODY")" = '[0,0,1]' ]
}

# One write with token $V, refused: 403 forbidden, and one more log line
# of dashboard-contacts naming the role, the method and the path.
refused() {	# METHOD PATH BODY
	local log=$CALLTRACK_STACK/log/dashboard-contacts.log n
	n=$(grep -cF "method=$1 path=\"$2\" status=403 code=forbidden org=$ORG" "$log" || true)
	req "$1" "$2" -H "Authorization: Bearer $V" -H 'Content-Type: application/json' --data-binary "$3"
	expect 403 forbidden
	[ "$(grep -F "method=$1 path=\"$2\" status=403 code=forbidden org=$ORG" "$log" |
	    grep -cF "detail=\"a viewer token may not $1 $2 (needs editor)\"")" -eq $((n + 1)) ] ||
	    { echo "no log line for $1 $2"; tail -3 "$log"; return 1; }
}

@test "a viewer's every write to contacts and alerts is 403 forbidden, changes nothing, and its log line says so" {
	local e c a before
	V=$(admin token create "$ORG" --label "read only" --role viewer 2>/dev/null)
	e=$(admin token create "$ORG" --label "desk" --role editor 2>/dev/null)
	TOK=$e api POST /api/contacts '{"phone":"020 7946 0100","name":"Role Target"}'
	expect 201
	c=$(jq -r .id <<<"$BODY")
	a=$(psql -X -q -At -c "WITH k AS (INSERT INTO calls (org_id, provider, provider_call_id, status,
	        phone_number, contact_id, lead_score) VALUES ('$ORG', 'vapi', 'roles-1', 'completed',
	        '+442079460100', '$c', 90) RETURNING org_id, id, contact_id)
	    INSERT INTO hot_lead_alerts (org_id, call_id, contact_id, score)
	    SELECT org_id, id, contact_id, 90 FROM k RETURNING id")
	before=$(org_rows "$ORG")
	refused POST /api/contacts '{"phone":"020 7946 0101","name":"Viewer Made"}'
	refused PATCH "/api/contacts/$c" '{"name":"Viewer Was Here","notes":"x","lead_status":"lost"}'
	refused PATCH "/api/contacts/$c" '{"name":null}'
	refused POST "/api/alerts/$a/acknowledge" '{}'
	# Refused before the body is read or the contact looked for.
	refused PATCH "/api/contacts/$c" '{"nonsense":'
	refused PATCH /api/contacts/00000000-0000-0000-0000-000000000000 '{"name":"Nobody"}'
	[ "$(org_rows "$ORG")" = "$before" ]
	# What a viewer may: every GET.
	for p in /api/contacts "/api/contacts/$c" /api/alerts "/api/contacts?format=csv"; do
		TOK=$V api GET "$p"
		expect 200
	done
	# An editor and an admin may write.
	TOK=$e api PATCH "/api/contacts/$c" '{"notes":"by the desk"}'
	expect 200
	TOK=$(admin token create "$ORG" --label chief --role admin 2>/dev/null) api POST "/api/alerts/$a/acknowledge" '{}'
	expect 200
	[ "$(jq -r .acknowledged_by <<<"$BODY")" = chief ]
}
