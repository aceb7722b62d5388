#!/usr/bin/env bats
# The contacts API end to end (docs/API.md "Contacts and leads"): POST
# and GET /api/contacts, GET and PATCH /api/contacts/<id>, through nginx
# and dashboard-contacts, with contacts the webhook path made from signed
# Vapi events and contacts made here.

load helpers
load contacts

setup_file() {
	make_fixture_org
	# A second org, with a contact of its own under a number org A has too.
	ORG_B=$("$CALLTRACK_ADMIN" org create "Other org $SUF")
	TOKEN_B=$("$CALLTRACK_ADMIN" token create "$ORG_B" --label other)
	B_CONTACT=$(psql -X -q -At -c "INSERT INTO contacts (org_id, phone, name, name_source)
	    VALUES ('$ORG_B', '+14155550101', 'Secret Sam', 'manual') RETURNING id")
	export ORG_B TOKEN_B B_CONTACT
}

# The shape of a contact (docs/API.md), its keys sorted.
SHAPE='["call_count","created_at","email","id","last_call_at","last_contacted_at","lead_score","lead_status","name","name_source","notes","phone_display","phone_number","updated_at"]'

@test "POST: a number in any format, read with the org's country; 201 with the contact in the API's shape" {
	api POST /api/contacts '{"phone":"(415) 555-0101","name":"Ann Post","email":"ann@example.com","lead_status":"qualified"}'
	expect 201
	[ "$(jq -c 'keys' <<<"$BODY")" = "$SHAPE" ]
	jq -e '.phone_number == "+14155550101" and .name == "Ann Post" and .name_source == "manual"
	    and .email == "ann@example.com" and .lead_status == "qualified" and .call_count == 0
	    and .lead_score == 0 and .notes == null and .last_call_at == null' <<<"$BODY"
	# The display number shows the national digits, however it is formatted.
	[[ "$(jq -r .phone_display <<<"$BODY" | tr -cd 0-9)" == *4155550101 ]]
	local id=$(jq -r .id <<<"$BODY")
	[ "$(sqlv "SELECT phone || ' ' || name || ' ' || name_source FROM contacts WHERE org_id = '$ORG' AND id = '$id'")" = \
	    "+14155550101 Ann Post manual" ]
	# Only name, email and lead status are given: the rest are a new contact's.
	api POST /api/contacts '{"phone":"415.555.0102"}'
	expect 201
	jq -e '.phone_number == "+14155550102" and .name == null and .name_source == null and .lead_status == "new"' <<<"$BODY"
	# A British org reads a British national number.
	local gb t
	gb=$("$CALLTRACK_ADMIN" org create "GB org $SUF" --country GB)
	t=$("$CALLTRACK_ADMIN" token create "$gb" --label gb)
	TOK=$t api POST /api/contacts '{"phone":"020 7946 0018","name":"Nigel Post"}'
	expect 201
	[ "$(jq -r .phone_number <<<"$BODY")" = "+442079460018" ]
	[[ "$(jq -r .phone_display <<<"$BODY" | tr -cd 0-9)" == *2079460018 ]]
}

@test "POST: a number that has a contact is 409 conflict with its contact_id, and changes nothing" {
	local id before
	api POST /api/contacts '{"phone":"+14155550103","name":"First Owner"}'
	expect 201
	id=$(jq -r .id <<<"$BODY")
	before=$(org_rows "$ORG")
	for phone in '+1 415-555-0103' '4155550103' '(415) 555-0103'; do
		api POST /api/contacts "{\"phone\":\"$phone\",\"name\":\"Second Owner\"}"
		expect 409 conflict
		[ "$(jq -r .error.contact_id <<<"$BODY")" = "$id" ]
	done
	[ "$(org_rows "$ORG")" = "$before" ]
	# Org B's contact under its own number is no conflict of org A's.
	TOK=$TOKEN_B api POST /api/contacts '{"phone":"+14155550103"}'
	expect 201
	[ "$(jq -r .id <<<"$BODY")" != "$id" ]
}

@test "POST: a number that cannot be one is 400 on phone; the phone is required; the other fields are checked" {
	local before body
	before=$(org_rows "$ORG")
	for phone in '' 'hello' '123' '+0123456789' 'client:abc' 'sip:ann@example.com' \
	    "$(printf '4%.0s' $(seq 70))"; do
		api POST /api/contacts "{\"phone\":\"$phone\"}"
		expect 400 invalid_parameter
		[ "$(jq -r .error.parameter <<<"$BODY")" = phone ] || { echo "$phone: $BODY"; return 1; }
	done
	for body in '{}' '{"name":"No Number"}' '{"phone":4155550104}' '{"phone":null}' '{"phone":["+14155550104"]}'; do
		api POST /api/contacts "$body"
		expect 400 invalid_parameter
		[ "$(jq -r .error.parameter <<<"$BODY")" = phone ] || { echo "$body: $BODY"; return 1; }
	done
	api POST /api/contacts '{"phone":"+14155550104","notes":"not a field of a new contact"}'
	[ "$(jq -r .error.parameter <<<"$BODY")" = notes ]
	api POST /api/contacts '{"phone":"+14155550104","name":"Unknown Caller"}'
	[ "$(jq -r .error.parameter <<<"$BODY")" = name ]
	api POST /api/contacts '{"phone":"+14155550104","email":"not-an-email"}'
	[ "$(jq -r .error.parameter <<<"$BODY")" = email ]
	api POST /api/contacts '{"phone":"+14155550104","lead_status":"hot"}'
	[ "$(jq -r .error.parameter <<<"$BODY")" = lead_status ]
	[ "$(org_rows "$ORG")" = "$before" ]
}

@test "GET /api/contacts/<id>: the contact, its calls newest first in the /api/calls shape, its alerts, its history oldest first" {
	local n=+14155550110 id keys_list keys_detail
	AT=2026-01-05T09:00:00.000Z vapi_event booked ct-detail-1 "$n" "Dora Detail"
	AT=2026-01-07T09:00:00.000Z vapi_event booked ct-detail-2 "$n" "Dora Detail"
	vapi_event busy ct-detail-3 "$n" "Dora Detail"
	id=$(contact_of "$n")
	api GET "/api/contacts/$id"
	expect 200
	[ "$(jq -c '[keys[] | select(. != "calls" and . != "alerts" and . != "history")]' <<<"$BODY")" = "$SHAPE" ]
	jq -e '.name == "Dora Detail" and .name_source == "provider" and .lead_status == "booked"
	    and .call_count == 3' <<<"$BODY"
	# Newest first, as the database orders them; each as the call list has it.
	[ "$(jq -r '[.calls[].provider_call_id] | join(",")' <<<"$BODY")" = \
	    "$(sqlv "SELECT string_agg(provider_call_id, ',' ORDER BY call_at DESC, id DESC) FROM calls
	             WHERE org_id = '$ORG' AND contact_id = '$id'")" ]
	keys_detail=$(jq -c '.calls[0] | keys' <<<"$BODY")
	qget /api/calls q=+14155550110
	keys_list=$(jq -c '.calls[0] | keys' <<<"$BODY")
	[ "$keys_detail" = "$keys_list" ]
	api GET "/api/contacts/$id"
	# Its hot-lead alerts: the two booked calls raised one each.
	[ "$(jq '.alerts | length' <<<"$BODY")" = 2 ]
	jq -e '[.alerts[] | .type == "hot_lead" and .contact_id == "'"$id"'" and .caller_name == "Dora Detail"
	    and .score >= 70] | all' <<<"$BODY"
	# The history: what the provider said and what the webhook path's own
	# rules did, oldest first.
	jq -e '[.history[] | keys == ["at","by","field","new","old"]] | all' <<<"$BODY"
	jq -e '.history[0] == (.history[0] | .field = "phone" | .old = null | .new = "+14155550110" | .by = "provider")' <<<"$BODY"
	[ "$(jq -r '[.history[] | .field + ":" + .by] | join(",")' <<<"$BODY")" = \
	    "phone:provider,name:provider,lead_status:system,last_contacted_at:system,last_contacted_at:system" ]
	jq -e '[.history[].at] == ([.history[].at] | sort)' <<<"$BODY"
	[ "$(jq -r '.history[2].old + ">" + .history[2].new' <<<"$BODY")" = "new>booked" ]
}

@test "GET /api/contacts/<id>: at most 100 calls, the newest" {
	local n=+14155550111 id
	api POST /api/contacts "{\"phone\":\"$n\",\"name\":\"Many Calls\"}"
	id=$(jq -r .id <<<"$BODY")
	sqlv "INSERT INTO calls (org_id, provider, provider_call_id, status, phone_number, contact_id, started_at)
	      SELECT '$ORG', 'vapi', 'many-' || i, 'completed', '$n', '$id', '2026-01-01T00:00:00Z'::timestamptz + i * interval '1 minute'
	        FROM generate_series(1, 105) i" >/dev/null
	api GET "/api/contacts/$id"
	expect 200
	[ "$(jq '.calls | length' <<<"$BODY")" = 100 ]
	[ "$(jq -r '.calls[0].provider_call_id, .calls[99].provider_call_id' <<<"$BODY" | tr '\n' ' ')" = "many-105 many-6 " ]
	[ "$(jq .call_count <<<"$BODY")" = 105 ]
}

@test "another org's contact, a missing one and a malformed id are 404, on GET and PATCH alike" {
	local p
	for p in "$B_CONTACT" 00000000-0000-0000-0000-000000000000 not-a-uuid "$B_CONTACT/x" "'; DROP TABLE contacts; --"; do
		api GET "/api/contacts/$(jq -rn --arg p "$p" '$p | @uri')"
		expect 404 not_found
		api PATCH "/api/contacts/$(jq -rn --arg p "$p" '$p | @uri')" '{"name":"Taken Over"}'
		expect 404 not_found
	done
	[ "$(sqlv "SELECT name FROM contacts WHERE id = '$B_CONTACT'")" = "Secret Sam" ]
	TOK=$TOKEN_B api GET "/api/contacts/$B_CONTACT"
	expect 200
	# Org B's list shows nothing of org A's, under the number they share.
	TOK=$TOKEN_B qget /api/contacts q=4155550101
	[ "$(jq -r '[.contacts[].name] | join(",")' <<<"$BODY")" = "Secret Sam" ]
}

@test "PATCH: each changed field is one history row by the token's label, an unchanged value none; 200 with the contact as it now is" {
	local id
	api POST /api/contacts '{"phone":"+14155550120","name":"Pat Before","email":"pat@example.com"}'
	id=$(jq -r .id <<<"$BODY")
	api PATCH "/api/contacts/$id" '{"name":"Pat After","notes":"prefers mornings\nnever Fridays"}'
	expect 200
	jq -e '.name == "Pat After" and .name_source == "manual" and .notes == "prefers mornings\nnever Fridays"
	    and .email == "pat@example.com"' <<<"$BODY"
	[ "$(jq -c 'keys' <<<"$BODY")" = "$SHAPE" ]
	local answer=$BODY
	api GET "/api/contacts/$id"
	[ "$(jq -cS 'del(.calls, .alerts, .history)' <<<"$BODY")" = "$(jq -cS . <<<"$answer")" ]
	[ "$(history_of "$id" | tail -n +4)" = "$(printf '%s\n' "name|Pat Before|Pat After|bats" \
	    "notes|-|prefers mornings" "never Fridays|bats")" ]
	# The same values again: nothing changes, nothing is written.
	local rows=$(sqlv "SELECT count(*) FROM contact_history WHERE org_id = '$ORG' AND contact_id = '$id'")
	local updated=$(jq -r .updated_at <<<"$answer")
	api PATCH "/api/contacts/$id" '{"name":"Pat After","notes":"prefers mornings\nnever Fridays","email":"pat@example.com"}'
	expect 200
	[ "$(jq -r .updated_at <<<"$BODY")" = "$updated" ]
	api PATCH "/api/contacts/$id" '{}'
	expect 200
	[ "$(sqlv "SELECT count(*) FROM contact_history WHERE org_id = '$ORG' AND contact_id = '$id'")" = "$rows" ]
	# Two fields, two rows; null clears.
	api PATCH "/api/contacts/$id" '{"lead_status":"lost","email":null,"notes":"x"}'
	jq -e '.lead_status == "lost" and .email == null and .notes == "x"' <<<"$BODY"
	[ "$(sqlv "SELECT count(*) FROM contact_history WHERE org_id = '$ORG' AND contact_id = '$id'")" = $((rows + 3)) ]
	[ "$(history_of "$id" | tail -4)" = "$(printf '%s\n' "email|pat@example.com|-|bats" \
	    "lead_status|new|lost|bats" "notes|prefers mornings" "never Fridays|x|bats")" ]
	# Another token names itself.
	local t2=$("$CALLTRACK_ADMIN" token create "$ORG" --label "front desk")
	TOK=$t2 api PATCH "/api/contacts/$id" '{"lead_status":"qualified"}'
	expect 200
	[ "$(history_of "$id" | tail -1)" = "lead_status|lost|qualified|front desk" ]
}

@test "PATCH: a provider never overwrites a manual name; \"name\": null removes it and a provider may fill it again" {
	local n=+14155550121 id
	vapi_event queued ct-names-1 "$n" "Prov One"
	id=$(contact_of "$n")
	api PATCH "/api/contacts/$id" '{"name":"Manual Name"}'
	expect 200
	jq -e '.name == "Manual Name" and .name_source == "manual"' <<<"$BODY"
	vapi_event queued ct-names-2 "$n" "Prov Two"
	api GET "/api/contacts/$id"
	jq -e '.name == "Manual Name" and .name_source == "manual"' <<<"$BODY"
	api PATCH "/api/contacts/$id" '{"name":null}'
	expect 200
	jq -e '.name == null and .name_source == null' <<<"$BODY"
	vapi_event queued ct-names-3 "$n" "Prov Three"
	api GET "/api/contacts/$id"
	jq -e '.name == "Prov Three" and .name_source == "provider"' <<<"$BODY"
	[ "$(history_of "$id" | grep '^name')" = "$(printf '%s\n' "name|-|Prov One|provider" \
	    "name|Prov One|Manual Name|bats" "name|Manual Name|-|bats" "name|-|Prov Three|provider")" ]
	# A person confirming the provider's name makes it theirs: its source
	# is one row.
	api PATCH "/api/contacts/$id" '{"name":"Prov Three"}'
	jq -e '.name_source == "manual"' <<<"$BODY"
	[ "$(history_of "$id" | tail -1)" = "name_source|provider|manual|bats" ]
}

@test "PATCH: placeholders, long or hidden-character names, bad emails, statuses and notes are 400 naming the field; nothing changes" {
	local id before body want
	api POST /api/contacts '{"phone":"+14155550122","name":"Val Id"}'
	id=$(jq -r .id <<<"$BODY")
	before=$(org_rows "$ORG")
	while IFS='|' read -r want body; do
		api PATCH "/api/contacts/$id" "$body"
		expect 400 invalid_parameter
		[ "$(jq -r .error.parameter <<<"$BODY")" = "$want" ] || { echo "$body: $BODY"; return 1; }
	done <<EOF
name|{"name":"Unknown Caller"}
name|{"name":"unknown"}
name|{"name":"  Anonymous "}
name|{"name":""}
name|{"name":"   "}
name|{"name":"+1 (415) 555-0122"}
name|{"name":"4155550122"}
name|{"name":"$(printf 'a%.0s' $(seq 201))"}
name|{"name":"Ann\u0000Lee"}
name|{"name":"Ann\u0007Lee"}
name|{"name":"Ann\nLee"}
name|{"name":"Ann\u007fLee"}
name|{"name":"Ann\u0085Lee"}
name|{"name":"Ann\u202eeeL"}
name|{"name":"Ann\u2066Lee\u2069"}
name|{"name":"Ann\ud800Lee"}
name|{"name":7}
name|{"name":{"first":"Ann"}}
email|{"email":"not-an-email"}
email|{"email":"a@b"}
email|{"email":"@example.com"}
email|{"email":"ann@"}
email|{"email":"ann lee@example.com"}
email|{"email":"ann@exa mple.com"}
email|{"email":"ann@@example.com"}
email|{"email":"ann@-example.com"}
email|{"email":"ann..lee@example.com"}
email|{"email":"$(printf 'a%.0s' $(seq 310))@example.com"}
email|{"email":""}
email|{"email":true}
lead_status|{"lead_status":"hot"}
lead_status|{"lead_status":null}
lead_status|{"lead_status":"New"}
notes|{"notes":"$(printf 'n%.0s' $(seq 4001))"}
notes|{"notes":"a\u0000b"}
notes|{"notes":"a\u001bb"}
notes|{"notes":42}
EOF
	[ "$(org_rows "$ORG")" = "$before" ]
	# At the bounds: 200 characters (of two bytes each), 4,000 of notes, an
	# address of 320, accents and scripts other than Latin.
	api PATCH "/api/contacts/$id" "{\"name\":\"$(printf 'é%.0s' $(seq 200))\",\"notes\":\"$(printf 'ñ%.0s' $(seq 4000))\"}"
	expect 200
	api PATCH "/api/contacts/$id" "{\"email\":\"$(printf 'a%.0s' $(seq 64))@$(printf 'b%.0s' $(seq 63)).$(printf 'c%.0s' $(seq 63)).$(printf 'd%.0s' $(seq 63)).$(printf 'e%.0s' $(seq 60)).io\"}"
	expect 200
	[ "$(sqlv "SELECT length(email) FROM contacts WHERE id = '$id'")" = 320 ]
	api PATCH "/api/contacts/$id" '{"name":"  Zoë O’Brien-Nakamura 中村 ","email":"zoe.o+leads@例え.jp"}'
	expect 200
	jq -e '.name == "Zoë O’Brien-Nakamura 中村" and .email == "zoe.o+leads@例え.jp"' <<<"$BODY"
}

@test "PATCH: an unknown field, a field given twice, a body that is not one JSON object: 400 naming it" {
	local id before body want
	api POST /api/contacts '{"phone":"+14155550123","name":"Shape Check"}'
	id=$(jq -r .id <<<"$BODY")
	before=$(org_rows "$ORG")
	while IFS='|' read -r want body; do
		api PATCH "/api/contacts/$id" "$body"
		expect 400 invalid_parameter
		[ "$(jq -r .error.parameter <<<"$BODY")" = "$want" ] || { echo "$body: $BODY"; return 1; }
	done <<'EOF'
phone|{"phone":"+14155550199"}
nmae|{"nmae":"Typo"}
lead_score|{"lead_score":99}
name_source|{"name_source":"provider"}
body|{"a b":1}
name|{"name":"One","name":"Two"}
name|{"name":"One","na\u006de":"Two"}
notes|{"notes":"a","email":null,"notes":"b"}
body|[]
body|[{"name":"In An Array"}]
body|null
body|"name"
body|{"name":"Cut
body|{"name":"Trailing"}x
body|{"name":"Two"}{"name":"Documents"}
body|{'name':'Single Quotes'}
EOF
	req PATCH "/api/contacts/$id" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json'
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = body ]
	req PATCH "/api/contacts/$id" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/plain' --data '{"name":"X"}'
	expect 415 unsupported_media_type
	[ "$(org_rows "$ORG")" = "$before" ]
}

@test "GET /api/contacts: q's digits match the number in any format, its words the name, case-insensitively, anywhere" {
	local q
	api POST /api/contacts '{"phone":"+14155550942","name":"José López-Ñúñez"}'
	api POST /api/contacts '{"phone":"+14155550943","name":"Grace Hopper"}'
	for q in '555-0942' '(415) 555-0942' '+14155550942' '4155550942' '1 415 555 0942' '0942'; do
		qget /api/contacts "q=$q"
		expect 200
		[ "$(jq -r '[.contacts[].name] | join(",")' <<<"$BODY")" = "José López-Ñúñez" ] || { echo "q=$q: $BODY"; return 1; }
	done
	for q in 'lópez' 'LÓPEZ' 'ñúñ' 'José' 'jos' 'lópez-ñ' 'josé 0942'; do
		qget /api/contacts "q=$q"
		[ "$(jq -r '[.contacts[].name] | join(",")' <<<"$BODY")" = "José López-Ñúñez" ] || { echo "q=$q: $BODY"; return 1; }
	done
	qget /api/contacts q=hopper
	[ "$(jq -r '[.contacts[].name] | join(",")' <<<"$BODY")" = "Grace Hopper" ]
	jq -e '.total == 1 and .total_capped == false' <<<"$BODY"
	qget /api/contacts "q=josé 0943"
	[ "$(jq .total <<<"$BODY")" = 0 ]
	# Wildcards are text; org B's contact is not found.
	for q in % _ 'Secret' 'Sam'; do
		qget /api/contacts "q=$q"
		[ "$(jq .total <<<"$BODY")" = 0 ] || { echo "q=$q: $BODY"; return 1; }
	done
	qget /api/contacts "q=$(printf '1%.0s' $(seq 16))"
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = q ]
	# A number is read in the org's country, as the calls' search reads it:
	# a British national number, with its trunk 0, finds +44 20 7946 0018.
	local gb t
	gb=$("$CALLTRACK_ADMIN" org create "GB search $SUF" --country GB)
	t=$("$CALLTRACK_ADMIN" token create "$gb" --label gb-search)
	TOK=$t api POST /api/contacts '{"phone":"+442079460018","name":"Nigel Search"}'
	expect 201
	for q in '020 7946 0018' '02079460018' '+44 20 7946 0018' '7946 0018'; do
		TOK=$t qget /api/contacts "q=$q"
		expect 200
		[ "$(jq -r '[.contacts[].name] | join(",")' <<<"$BODY")" = "Nigel Search" ] || { echo "q=$q: $BODY"; return 1; }
	done
	# A changed name is found by its new words at once (the ends of its words follow).
	api PATCH "/api/contacts/$(contact_of +14155550943)" '{"name":"Amazing Grace Brewster"}'
	qget /api/contacts q=brewster
	[ "$(jq -r '[.contacts[].name] | join(",")' <<<"$BODY")" = "Amazing Grace Brewster" ]
	qget /api/contacts q=hopper
	[ "$(jq .total <<<"$BODY")" = 0 ]
}

@test "GET /api/contacts: q as people type it: words without their accents, both ways; digits anywhere in the number; the contacts a plain scan finds" {
	local q want got digits words n
	api POST /api/contacts '{"phone":"+13125550187","name":"Chloé Orzełowska"}'
	expect 201
	api POST /api/contacts '{"phone":"+13125550188","name":"Chloe Orzelowska"}'
	api POST /api/contacts '{"phone":"+442079467301","name":"Renée Dvořák"}'
	for q in chloe chloé CHLOÉ orzelowska orzełowska 'chloe orzeł'; do
		qget /api/contacts "q=$q"
		expect 200
		[ "$(jq -r '[.contacts[].name] | sort | join(",")' <<<"$BODY")" = \
		    "Chloe Orzelowska,Chloé Orzełowska" ] || { echo "q=$q: $BODY"; return 1; }
	done
	for q in renee dvorak DVOŘÁK 'renée dvor'; do
		qget /api/contacts "q=$q"
		[ "$(jq -r '[.contacts[].name] | join(",")' <<<"$BODY")" = "Renée Dvořák" ] || { echo "q=$q: $BODY"; return 1; }
	done
	# The caller of the test above, without the name's accents.
	for q in lopez 'jose nunez'; do
		qget /api/contacts "q=$q"
		[[ "$(jq -r '[.contacts[].name] | join(",")' <<<"$BODY")" == *"José López-Ñúñez"* ]] ||
		    { echo "q=$q: $BODY"; return 1; }
	done
	# Leading digits (an area code, the country's code), middle ones, the end.
	for q in '312' '(312) 555' '+1 312' '1312555' '555018' '0187'; do
		qget /api/contacts "q=$q" limit=100
		[[ "$(jq -r '[.contacts[].name] | join(",")' <<<"$BODY")" == *"Chloé Orzełowska"* ]] ||
		    { echo "q=$q: $BODY"; return 1; }
	done
	for q in '2079' '+44 20 79' '7946 73'; do
		qget /api/contacts "q=$q" limit=100
		[[ "$(jq -r '[.contacts[].name] | join(",")' <<<"$BODY")" == *"Renée Dvořák"* ]] ||
		    { echo "q=$q: $BODY"; return 1; }
	done
	# The same contacts as a plain scan of the org's contacts finds.
	for q in '415|' '555|' '0942|' '1312|' '2079|' '|lopez' '|chloé' '|orz' '|ñ' '555|orzelowska' '312|chloe'; do
		digits=${q%%|*} words=${q#*|}
		want=$(sqlv "SELECT COALESCE(string_agg(k.id::text, ',' ORDER BY k.id::text), '') FROM contacts k
		    WHERE k.org_id = '$ORG'
		      AND ('$digits' = '' OR strpos(replace(k.phone, '+', ''), '$digits') > 0)
		      AND ('$words' = '' OR strpos(ct_fold(k.name), ct_fold('$words')) > 0)")
		n=$(tr ',' '\n' <<<"$want" | grep -c . || true)
		[ "$n" -le 100 ] || { echo "q=$q: $n contacts, more than a page"; return 1; }
		qget /api/contacts "q=$digits $words" limit=100
		expect 200
		got=$(jq -r '[.contacts[].id] | sort | join(",")' <<<"$BODY")
		[ "$got" = "$want" ] || { echo "q=$q: got $got, want $want"; return 1; }
		[ "$(jq .total <<<"$BODY")" = "$n" ]
	done
}

@test "GET /api/contacts: lead_status is a comma list, has_name true or false; bad values are 400 naming them" {
	local got want
	api POST /api/contacts '{"phone":"+14155550130","lead_status":"lost"}'
	api POST /api/contacts '{"phone":"+14155550131","name":"Bea Booked","lead_status":"booked"}'
	qget /api/contacts lead_status=lost,booked limit=100
	expect 200
	got=$(jq -r '[.contacts[].id] | sort | join(",")' <<<"$BODY")
	want=$(sqlv "SELECT string_agg(id::text, ',' ORDER BY id::text) FROM contacts
	             WHERE org_id = '$ORG' AND lead_status IN ('lost', 'booked')")
	[ "$got" = "$want" ]
	[ "$(jq .total <<<"$BODY")" = "$(sqlv "SELECT count(*) FROM contacts WHERE org_id = '$ORG' AND lead_status IN ('lost', 'booked')")" ]
	qget /api/contacts has_name=false limit=100
	jq -e '[.contacts[].name == null] | all and length > 0' <<<"$BODY"
	[ "$(jq .total <<<"$BODY")" = "$(sqlv "SELECT count(*) FROM contacts WHERE org_id = '$ORG' AND name IS NULL")" ]
	qget /api/contacts has_name=true lead_status=booked limit=100
	jq -e '[.contacts[] | .name != null and .lead_status == "booked"] | all and length > 0' <<<"$BODY"
	for p in lead_status=hot lead_status=new, lead_status= has_name=maybe sort=phone order=up \
	    limit=0 limit=101 limit=x page=0 format=xml; do
		qget /api/contacts "$p"
		expect 400 invalid_parameter
		[ "$(jq -r .error.parameter <<<"$BODY")" = "${p%%=*}" ] || { echo "$p: $BODY"; return 1; }
	done
}

@test "GET /api/contacts: every sort, both ways, in the database's order; last_contacted_at desc by default" {
	local sort expr order vals
	# Some contacted, some scored, some with calls: the random values drawn
	# first, then written as constants (a Citus cluster takes no volatile
	# function in an UPDATE of a distributed table).
	vals=$(sqlv "SELECT string_agg(format('(%L::uuid, %L::timestamptz, %s)', id,
	                 now() - (random() * interval '10 days'), (random() * 100)::int), ', ')
	               FROM contacts WHERE org_id = '$ORG' AND random() < 0.6")
	[ -z "$vals" ] || sqlv "UPDATE contacts k SET last_contacted_at = v.at, lead_score = v.score
	        FROM (VALUES $vals) v (id, at, score)
	       WHERE k.org_id = '$ORG' AND k.id = v.id" >/dev/null
	for sort in last_contacted_at lead_score name created_at call_count; do
		case $sort in
		last_contacted_at) expr="COALESCE(last_contacted_at, '-infinity')" ;;
		name) expr="COALESCE(lower(name), '')" ;;
		*) expr=$sort ;;
		esac
		for order in desc asc; do
			qget /api/contacts "sort=$sort" "order=$order" limit=100
			expect 200
			[ "$(jq -r '[.contacts[].id] | join(",")' <<<"$BODY")" = \
			    "$(sqlv "SELECT string_agg(id::text, ',' ORDER BY $expr $order, id $order) FROM
			             (SELECT * FROM contacts WHERE org_id = '$ORG' ORDER BY $expr $order, id $order LIMIT 100) x")" ] ||
			    { echo "sort=$sort order=$order"; return 1; }
		done
	done
	qget /api/contacts limit=100
	local default=$BODY
	qget /api/contacts sort=last_contacted_at order=desc limit=100
	[ "$(jq -c .contacts <<<"$BODY")" = "$(jq -c .contacts <<<"$default")" ]
}

@test "GET /api/contacts: cursor pages stay stable while contacts arrive; page numbers; limit" {
	local all walked cursor i=0 sort
	# Both sorts put a new contact first (its name sorts after every
	# other): a walk from the top never meets one.
	for sort in created_at name; do
		qget /api/contacts "sort=$sort" limit=100
		all=$(jq -r '[.contacts[].id] | join(",")' <<<"$BODY")
		walked="" cursor=""
		while :; do
			if [ -z "$cursor" ]; then qget /api/contacts "sort=$sort" limit=3
			else qget /api/contacts "sort=$sort" limit=3 "cursor=$cursor"; fi
			expect 200
			walked+=$(jq -r '[.contacts[].id] | join(",")' <<<"$BODY"),
			cursor=$(jq -r '.next_cursor // empty' <<<"$BODY")
			[ -n "$cursor" ] || break
			# A new contact between two pages changes neither.
			i=$((i + 1))
			api POST /api/contacts "{\"phone\":\"+1415555$(printf '%04d' $((7000 + i)))\",\"name\":\"Zz Arrival $(printf '%03d' $i)\"}"
			expect 201
		done
		[ "$(sed 's/,,*/,/g; s/^,//; s/,$//' <<<"$walked")" = "$all" ] || { echo "sort=$sort: $walked vs $all"; return 1; }
	done
	# A cursor of one sort is no cursor of another; with page, one or the other.
	qget /api/contacts sort=name limit=2
	cursor=$(jq -r .next_cursor <<<"$BODY")
	qget /api/contacts sort=created_at "cursor=$cursor"
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = cursor ]
	qget /api/contacts sort=name "cursor=$cursor" page=2
	[ "$(jq -r .error.parameter <<<"$BODY")" = cursor ]
	qget /api/contacts "cursor=bm90IGEgY3Vyc29y"
	[ "$(jq -r .error.parameter <<<"$BODY")" = cursor ]
	# Pages: the second page of two is the list's third and fourth.
	qget /api/contacts sort=created_at limit=100
	all=$(jq -r '[.contacts[2:4][].id] | join(",")' <<<"$BODY")
	qget /api/contacts sort=created_at limit=2 page=2
	[ "$(jq -r '[.contacts[].id] | join(",")' <<<"$BODY")" = "$all" ]
	jq -e '.limit == 2 and .page == 2 and (.total | type) == "number"' <<<"$BODY"
	qget /api/contacts
	jq -e '.limit == 25 and .page == 1 and (.contacts | length) <= 25' <<<"$BODY"
}

@test "GET /api/contacts?format=csv: the same filters, every row, formula cells neutralized" {
	local csv n
	api POST /api/contacts '{"phone":"+14155550140","name":"=HYPERLINK(\"http://x.example\",\"Click\")","email":"csv@example.com"}'
	expect 201
	api PATCH "/api/contacts/$(jq -r .id <<<"$BODY")" '{"notes":"@SUM(1+1)\n-2, with a comma"}'
	expect 200
	req GET "/api/contacts?format=csv&q=hyperlink" -H "Authorization: Bearer $TOKEN"
	expect 200
	grep -qi '^Content-Type: text/csv' <<<"$HEADERS"
	grep -q 'filename="contacts.csv"' <<<"$HEADERS"
	csv=$(tr -d '\r' <<<"$BODY")
	[ "$(head -1 <<<"$csv")" = "id,phone_number,name,name_source,email,lead_status,lead_score,last_contacted_at,call_count,last_call_at,created_at,updated_at,notes,phone_display" ]
	[[ "$csv" == *',+14155550140,"'"'"'=HYPERLINK(""http://x.example"",""Click"")",manual,csv@example.com,'* ]]
	[[ "$csv" == *'"'"'"'@SUM(1+1)'* ]]
	# As many rows as the JSON list's total, for the same filter.
	qget /api/contacts lead_status=new,qualified
	n=$(jq .total <<<"$BODY")
	req GET "/api/contacts?format=csv&lead_status=new,qualified" -H "Authorization: Bearer $TOKEN"
	[ "$(tr -d '\r' <<<"$BODY" | grep -c '^[0-9a-f]\{8\}-')" = "$n" ]
	# Every row ends with its display number (rows of one line: no notes).
	req GET "/api/contacts?format=csv&has_name=false" -H "Authorization: Bearer $TOKEN"
	[ "$(tr -d '\r' <<<"$BODY" | grep -c '^[0-9a-f]\{8\}-')" -gt 0 ]
	[ "$(tr -d '\r' <<<"$BODY" | grep '^[0-9a-f]\{8\}-' | grep -cvE ',[^,]*[0-9]{4}"?$')" = 0 ]
	# Org B's export holds nothing of org A's.
	req GET "/api/contacts?format=csv" -H "Authorization: Bearer $TOKEN_B"
	[[ "$BODY" != *HYPERLINK* ]]
	[[ "$BODY" == *"Secret Sam"* ]]
}

@test "a renamed contact is renamed at once in every call: list, search, CSV, recent activity, alerts" {
	local n=+14155550150 id at
	at=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%S.000Z)
	AT=$at vapi_event booked ct-rename-1 "$n" "Quentin Oldname"
	id=$(contact_of "$n")
	qget /api/calls q=Oldname
	[ "$(jq -r '[.calls[].caller_name] | join(",")' <<<"$BODY")" = "Quentin Oldname" ]
	api PATCH "/api/contacts/$id" '{"name":"Quentin Newname"}'
	expect 200
	qget /api/calls q=Newname
	[ "$(jq -r '[.calls[].caller_name] | join(",")' <<<"$BODY")" = "Quentin Newname" ]
	qget /api/calls q=Oldname
	[ "$(jq .total <<<"$BODY")" = 0 ]
	qget /api/calls q=+14155550150
	[ "$(jq -r '[.calls[].caller_name] | unique | join(",")' <<<"$BODY")" = "Quentin Newname" ]
	req GET "/api/calls?format=csv&q=$n" -H "Authorization: Bearer $TOKEN"
	[[ "$BODY" == *"Quentin Newname"* && "$BODY" != *Oldname* ]]
	qget /api/stats
	jq -e '[.recent_activity[] | select(.phone_number == "+14155550150") | .caller_name] as $n
	    | ($n | length) >= 1 and ($n | all(. == "Quentin Newname"))' <<<"$BODY"
	qget /api/alerts
	jq -e '[.alerts[] | select(.contact_id == "'"$id"'") | .caller_name] as $n
	    | ($n | length) == 1 and ($n | all(. == "Quentin Newname"))' <<<"$BODY"
	# The ends of the name's words are the new name's.
	[ "$(sqlv "SELECT string_agg(suffix, ',' ORDER BY suffix) FROM contact_name_suffixes
	           WHERE org_id = '$ORG' AND contact_id = '$id'")" = \
	    "$(sqlv "SELECT string_agg(t, ',' ORDER BY t) FROM unnest(ct_name_suffixes('Quentin Newname')) t")" ]
}

@test "the webhook path counts each call once, when a later event links it too; last_call_at is the latest start" {
	local n=+14155550160 id
	# A call whose first event has no number, then one that has it.
	vapi_event queued ct-count-1 ""
	[ "$(sqlv "SELECT contact_id IS NULL FROM calls WHERE org_id = '$ORG' AND provider_call_id = 'ct-count-1'")" = t ]
	AT=2026-01-10T10:00:00.000Z vapi_event booked ct-count-1 "$n" "Carl Count"
	id=$(contact_of "$n")
	api GET "/api/contacts/$id"
	jq -e '.call_count == 1 and .last_call_at == "2026-01-10T10:00:00.000Z"' <<<"$BODY"
	# The same event again is a duplicate: still one.
	AT=2026-01-10T10:00:00.000Z vapi_event booked ct-count-1 "$n" "Carl Count"
	[ "$(jq -r .outcome <<<"$BODY")" = duplicate ]
	AT=2026-01-08T10:00:00.000Z vapi_event booked ct-count-2 "$n" "Carl Count"
	api GET "/api/contacts/$id"
	jq -e '.call_count == 2 and .last_call_at == "2026-01-10T10:00:00.000Z"' <<<"$BODY"
	AT=2026-01-12T10:00:00.000Z vapi_event booked ct-count-3 "$n" "Carl Count"
	api GET "/api/contacts/$id"
	jq -e '.call_count == 3 and .last_call_at == "2026-01-12T10:00:00.000Z"' <<<"$BODY"
	[ "$(jq .call_count <<<"$BODY")" = "$(sqlv "SELECT count(*) FROM calls WHERE org_id = '$ORG' AND contact_id = '$id'")" ]
}

@test "the webhook path moves a lead only forward: a lost lead is booked by a confirmed booking, a busy call moves nothing" {
	local n=+14155550170 id
	vapi_event busy ct-lead-1 "$n" "Lou Lead"
	id=$(contact_of "$n")
	api GET "/api/contacts/$id"
	[ "$(jq -r .lead_status <<<"$BODY")" = new ]
	api PATCH "/api/contacts/$id" '{"lead_status":"lost"}'
	vapi_event busy ct-lead-2 "$n" "Lou Lead"
	api GET "/api/contacts/$id"
	[ "$(jq -r .lead_status <<<"$BODY")" = lost ]
	vapi_event booked ct-lead-3 "$n" "Lou Lead"
	api GET "/api/contacts/$id"
	[ "$(jq -r .lead_status <<<"$BODY")" = booked ]
	[ "$(history_of "$id" | grep '^lead_status')" = "$(printf '%s\n' "lead_status|new|lost|bats" "lead_status|lost|booked|system")" ]
	# A person moves it back; a later completed call does not move it on.
	api PATCH "/api/contacts/$id" '{"lead_status":"contacted"}'
	vapi_event busy ct-lead-4 "$n" "Lou Lead"
	api GET "/api/contacts/$id"
	[ "$(jq -r .lead_status <<<"$BODY")" = contacted ]
}
