#!/usr/bin/env bats
# Tokens have a role (docs/API.md, "Dashboard API"): viewer, editor or
# admin; calltrack-admin sets it and lists it, and GET /api/me says it.
# What each role may write is held by the suites of those routes.

load helpers

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
