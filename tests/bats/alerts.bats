#!/usr/bin/env bats
# The alerts API end to end (docs/API.md "Alerts"): GET /api/alerts and
# POST /api/alerts/<id>/acknowledge, through nginx and dashboard-contacts,
# with alerts the webhook path raised from signed Vapi events and alerts
# made here.

load helpers
load contacts

setup_file() {
	make_fixture_org
	# Seven alerts of org A, an hour apart, oldest first: the calls'
	# caller has no name yet, a number only.
	local c
	c=$(psql -X -q -At -c "INSERT INTO contacts (org_id, phone) VALUES ('$ORG', '+14155550180') RETURNING id")
	psql -X -q -v ON_ERROR_STOP=1 -c "
	    INSERT INTO calls (org_id, provider, provider_call_id, status, phone_number, contact_id, started_at, lead_score)
	    SELECT '$ORG', 'vapi', 'al-' || i, 'completed', '+14155550180', '$c', now() - (8 - i) * interval '1 hour', 70 + i
	      FROM generate_series(1, 7) i;
	    INSERT INTO hot_lead_alerts (org_id, call_id, contact_id, score, reasons, created_at)
	    SELECT org_id, id, contact_id, lead_score, '{long call,booking confirmed}', started_at
	      FROM calls WHERE org_id = '$ORG' AND provider_call_id LIKE 'al-%'" >/dev/null
	# Org B, with one alert of its own.
	ORG_B=$("$CALLTRACK_ADMIN" org create "Other org $SUF")
	TOKEN_B=$("$CALLTRACK_ADMIN" token create "$ORG_B" --label other)
	B_ALERT=$(psql -X -q -At -c "
	    WITH k AS (INSERT INTO calls (org_id, provider, provider_call_id, status, lead_score)
	               VALUES ('$ORG_B', 'vapi', 'b-alert', 'completed', 99) RETURNING org_id, id)
	    INSERT INTO hot_lead_alerts (org_id, call_id, score) SELECT org_id, id, 99 FROM k RETURNING id")
	export ORG_B TOKEN_B B_ALERT
}

alert_ids() { jq -r '[.alerts[].id] | join(",")' <<<"$BODY"; }

# The org's alerts, newest first, as the database has them.
db_alerts() {	# WHERE
	sqlv "SELECT string_agg(id::text, ',' ORDER BY created_at DESC, id DESC)
	        FROM hot_lead_alerts WHERE org_id = '$ORG' ${1:-}"
}

@test "GET /api/alerts: the open ones by default, newest first, in the API's shape" {
	api GET /api/alerts
	expect 200
	[ "$(alert_ids)" = "$(db_alerts 'AND acknowledged_at IS NULL')" ]
	[ "$(jq '.alerts | length' <<<"$BODY")" = 7 ]
	[ "$(jq -c '.alerts[0] | keys' <<<"$BODY")" = \
	    '["acknowledged_at","acknowledged_by","call_id","caller_name","contact_id","created_at","id","phone_number","reasons","score","type"]' ]
	jq -e '.alerts[0] | .type == "hot_lead" and .score == 77 and .reasons == ["long call","booking confirmed"]
	    and .phone_number == "+14155550180" and .acknowledged_at == null and .acknowledged_by == null' <<<"$BODY"
	jq -e '.limit == 25 and .next_cursor == null' <<<"$BODY"
	# The call and contact each names are the org's.
	[ "$(jq -r '.alerts[0].call_id' <<<"$BODY")" = "$(sqlv "SELECT id FROM calls WHERE org_id = '$ORG' AND provider_call_id = 'al-7'")" ]
}

@test "GET /api/alerts: caller_name is the contact's name now: its number while it has none, its new name once named" {
	local c
	api GET /api/alerts
	[ "$(jq -r '[.alerts[].caller_name] | unique | join(",")' <<<"$BODY")" = "+14155550180" ]
	c=$(contact_of +14155550180)
	api PATCH "/api/contacts/$c" '{"name":"Alma Alert"}'
	expect 200
	api GET /api/alerts
	[ "$(jq -r '[.alerts[].caller_name] | unique | join(",")' <<<"$BODY")" = "Alma Alert" ]
	api PATCH "/api/contacts/$c" '{"name":"Alma Renamed"}'
	api GET /api/alerts
	[ "$(jq -r '[.alerts[].caller_name] | unique | join(",")' <<<"$BODY")" = "Alma Renamed" ]
}

@test "GET /api/alerts: limit and cursor walk the alerts newest first, no alert twice, none left out" {
	local walked="" cursor=""
	while :; do
		if [ -z "$cursor" ]; then qget /api/alerts limit=3 state=all
		else qget /api/alerts limit=3 state=all "cursor=$cursor"; fi
		expect 200
		[ "$(jq .limit <<<"$BODY")" = 3 ]
		walked+=$(alert_ids),
		cursor=$(jq -r '.next_cursor // empty' <<<"$BODY")
		[ -n "$cursor" ] || break
	done
	[ "$(sed 's/,,*/,/g; s/^,//; s/,$//' <<<"$walked")" = "$(db_alerts)" ]
	for p in limit=0 limit=101 limit=two state=closed state= cursor=nope "cursor=$(printf 'x%.0s' $(seq 400))"; do
		qget /api/alerts "$p"
		expect 400 invalid_parameter
		[ "$(jq -r .error.parameter <<<"$BODY")" = "${p%%=*}" ] || { echo "$p: $BODY"; return 1; }
	done
}

@test "POST /api/alerts/<id>/acknowledge: 200 with the alert; again, 200 and nothing changes" {
	local a first
	a=$(sqlv "SELECT id FROM hot_lead_alerts WHERE org_id = '$ORG' ORDER BY created_at LIMIT 1")
	api POST "/api/alerts/$a/acknowledge" ''
	expect 200
	jq -e '.id == "'"$a"'" and .acknowledged_by == "bats" and (.acknowledged_at | type) == "string"' <<<"$BODY"
	first=$BODY
	[ "$(sqlv "SELECT acknowledged_by FROM hot_lead_alerts WHERE id = '$a'")" = bats ]
	# Again, by another token, with an empty object: the first stays.
	local t2=$("$CALLTRACK_ADMIN" token create "$ORG" --label "second desk")
	TOK=$t2 api POST "/api/alerts/$a/acknowledge" '{}'
	expect 200
	[ "$(jq -cS . <<<"$BODY")" = "$(jq -cS . <<<"$first")" ]
	[ "$(sqlv "SELECT acknowledged_by FROM hot_lead_alerts WHERE id = '$a'")" = bats ]
	# Open, acknowledged and all list it where it now belongs.
	qget /api/alerts state=open
	[[ "$(alert_ids)" != *"$a"* ]]
	[ "$(alert_ids)" = "$(db_alerts 'AND acknowledged_at IS NULL')" ]
	qget /api/alerts state=acknowledged
	[ "$(alert_ids)" = "$a" ]
	jq -e '.alerts[0].acknowledged_by == "bats"' <<<"$BODY"
	qget /api/alerts state=all
	[ "$(alert_ids)" = "$(db_alerts)" ]
}

@test "acknowledge: another org's alert, a missing one and a malformed id are 404 and change nothing; a body is {} or none" {
	local before a
	before=$(sqlv "SELECT acknowledged_at IS NULL FROM hot_lead_alerts WHERE id = '$B_ALERT'")
	for p in "$B_ALERT" 00000000-0000-0000-0000-000000000000 not-a-uuid; do
		api POST "/api/alerts/$p/acknowledge" '{}'
		expect 404 not_found
	done
	[ "$before" = t ]
	[ "$(sqlv "SELECT acknowledged_at IS NULL FROM hot_lead_alerts WHERE id = '$B_ALERT'")" = t ]
	TOK=$TOKEN_B api GET /api/alerts
	[ "$(alert_ids)" = "$B_ALERT" ]
	qget /api/alerts state=all
	[[ "$BODY" != *"$B_ALERT"* ]]
	# A body with members, or not an object, is refused; so is a body of
	# another type.
	a=$(sqlv "SELECT id FROM hot_lead_alerts WHERE org_id = '$ORG' AND acknowledged_at IS NULL ORDER BY created_at LIMIT 1")
	api POST "/api/alerts/$a/acknowledge" '{"by":"someone else"}'
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = by ]
	api POST "/api/alerts/$a/acknowledge" '[]'
	expect 400 invalid_parameter
	req POST "/api/alerts/$a/acknowledge" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/plain' --data '{}'
	expect 415 unsupported_media_type
	[ "$(sqlv "SELECT acknowledged_at IS NULL FROM hot_lead_alerts WHERE id = '$a'")" = t ]
	# Paths that are no route.
	api POST "/api/alerts/$a" '{}'
	expect 404 not_found
	api POST "/api/alerts/$a/acknowledge/x" '{}'
	expect 404 not_found
}

@test "an alert the webhook path raised lists with its call and contact" {
	local n=+14155550181 id
	vapi_event booked al-hook-1 "$n" "Hugo Hooked"
	id=$(contact_of "$n")
	qget /api/alerts
	jq -e '.alerts[0] | .contact_id == "'"$id"'" and .caller_name == "Hugo Hooked"
	    and .phone_number == "+14155550181" and .score >= 70' <<<"$BODY"
	[ "$(jq -r '.alerts[0].call_id' <<<"$BODY")" = "$(sqlv "SELECT id FROM calls WHERE org_id = '$ORG' AND provider_call_id = 'al-hook-1'")" ]
}
