#!/usr/bin/env bats
# /api/notifications (docs/API.md, "Notifications (admin)"): every route
# of dashboard-notify, and every refusal: a 400 naming its field, 403 for a
# viewer's or editor's token with nothing changed, 404 for another org's
# destination or delivery, the webhook's secret shown once and never again
# (nor in any log), a retry of a message that is not failed 409, a removed
# destination's deliveries dropped.

load helpers

admin() { "$CALLTRACK_ADMIN" "$@"; }

setup_file() {
	# The routes queue and retry messages; the sender would send them
	# while the tests look at their state: it is stopped for this file.
	"$CALLTRACK_ROOT/tools/stack" stop-program "$CALLTRACK_STACK" notify >/dev/null 2>&1 3>&-
	ORG=$("$CALLTRACK_ADMIN" org create "Notify API org")
	ADMIN_T=$("$CALLTRACK_ADMIN" token create "$ORG" --label notify-admin --role admin 2>/dev/null)
	EDITOR_T=$("$CALLTRACK_ADMIN" token create "$ORG" --label notify-editor --role editor 2>/dev/null)
	VIEWER_T=$("$CALLTRACK_ADMIN" token create "$ORG" --label notify-viewer --role viewer 2>/dev/null)
	OTHER=$("$CALLTRACK_ADMIN" org create "Notify API other org")
	OTHER_T=$("$CALLTRACK_ADMIN" token create "$OTHER" --role admin 2>/dev/null)
	export ORG ADMIN_T EDITOR_T VIEWER_T OTHER OTHER_T
}

teardown_file() {
	"$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" notify >/dev/null 2>&1 3>&- || true
}

# api METHOD PATH [JSON [TOKEN]]: as the admin unless TOKEN is given.
api() {
	local args=(-H "Authorization: Bearer ${4:-$ADMIN_T}")
	[ -z "${3:-}" ] || args+=(-H 'Content-Type: application/json' --data-binary "$3")
	req "$1" "$2" "${args[@]}"
}

# A new webhook destination of the org; sets DEST and SECRET.
new_webhook() {
	api POST /api/notifications "{\"kind\":\"webhook\",\"url\":\"https://hooks.example.com/${1:-in}\",\"events\":[\"call.hot_lead\"]}"
	expect 201
	DEST=$(jq -r .id <<<"$BODY") SECRET=$(jq -r .secret <<<"$BODY")
}

# The org's destinations and messages, as one line (what a refusal must not change).
state() {
	psql -X -At -c "SELECT (SELECT string_agg(id || kind || url || array_to_string(events, ',') || enabled, ';' ORDER BY id)
	    FROM notification_destinations WHERE org_id = '$ORG') || '/' ||
	    (SELECT count(*) || max(state) FROM notifications WHERE org_id = '$ORG')"
}

@test "POST webhook: 201, the destination and its secret (whsec_, 32 random bytes); GET lists it without" {
	api POST /api/notifications '{"kind":"webhook","url":"https://hooks.example.com/in","events":["call.hot_lead","call.missed"]}'
	expect 201
	grep -q '^HTTP/1.1 201 Created' <<<"$HEADERS"
	[ "$(jq -r '.kind, .url, (.events | join(",")), .enabled' <<<"$BODY")" = \
	    "$(printf 'webhook\nhttps://hooks.example.com/in\ncall.hot_lead,call.missed\ntrue')" ]
	local id secret
	id=$(jq -r .id <<<"$BODY") secret=$(jq -r .secret <<<"$BODY")
	[[ "$secret" =~ ^whsec_[A-Za-z0-9+/]{43}=$ ]]
	[ "$(printf '%s' "${secret#whsec_}" | base64 -d | wc -c)" -eq 32 ]
	[ "$(psql -X -At -c "SELECT secret FROM notification_destinations WHERE id = '$id'")" = "$secret" ]
	api GET /api/notifications
	expect 200
	[ "$(jq -r --arg id "$id" '.notifications[] | select(.id == $id) | .url' <<<"$BODY")" = https://hooks.example.com/in ]
	[ "$(jq -r --arg id "$id" '.notifications[] | select(.id == $id) | keys | join(",")' <<<"$BODY")" = \
	    "created_at,enabled,events,id,kind,url" ]
	[[ "$BODY" != *"$secret"* ]]
	[[ "$BODY" != *whsec_* ]]
}

@test "the secret is shown once and never again: not in GET, PATCH, test, deliveries, errors or any log" {
	new_webhook once
	local s=$SECRET
	api GET /api/notifications; [[ "$BODY" != *"$s"* ]]
	api PATCH "/api/notifications/$DEST" '{"enabled":false}'; expect 200; [[ "$BODY" != *"$s"* ]]
	api POST "/api/notifications/$DEST/test" '{}'; expect 202; [[ "$BODY" != *"$s"* ]]
	api GET /api/notifications/deliveries; expect 200; [[ "$BODY" != *"$s"* ]]
	api PATCH "/api/notifications/$DEST" '{"secret":"x"}'; expect 400; [[ "$BODY" != *"$s"* ]]
	api DELETE "/api/notifications/$DEST"; expect 200; [[ "$BODY" != *"$s"* ]]
	# Every log of the stack: the programs', nginx's, PostgreSQL's.
	[ -z "$(grep -rlF "$s" "$CALLTRACK_STACK/log/")" ]
	[ -z "$(grep -rlF "${s#whsec_}" "$CALLTRACK_STACK/log/")" ]
}

@test "POST slack: its URL shown with the path masked; email: server, recipients, sender and user, never the password" {
	api POST /api/notifications '{"kind":"slack","url":"https://hooks.slack.com/services/T0SLACK/B0SLACK/slacksecretpart","events":["digest.daily"]}'
	expect 201
	[ "$(jq -r '.url' <<<"$BODY")" = 'https://hooks.slack.com/services/T…/…' ]
	[ "$(jq -r 'has("secret")' <<<"$BODY")" = false ]
	api POST /api/notifications '{"kind":"email","smtp_url":"smtps://mail.example.com:465","to":["ops@example.com","desk@example.org"],"from":"ct@example.com","smtp_user":"ct","smtp_password":"smtp-hunter2","events":["call.missed","call.stuck"]}'
	expect 201
	local id
	id=$(jq -r .id <<<"$BODY")
	[ "$(jq -c '{smtp_url, to, from, smtp_user, events}' <<<"$BODY")" = \
	    '{"smtp_url":"smtps://mail.example.com:465","to":["ops@example.com","desk@example.org"],"from":"ct@example.com","smtp_user":"ct","events":["call.missed","call.stuck"]}' ]
	[ "$(psql -X -At -c "SELECT smtp_password FROM notification_destinations WHERE id = '$id'")" = smtp-hunter2 ]
	api GET /api/notifications
	[[ "$BODY" != *slacksecretpart* ]]
	[[ "$BODY" != *B0SLACK* ]]
	[[ "$BODY" != *hunter2* ]]
	[[ "$BODY" == *'https://hooks.slack.com/services/T…/…'* ]]
	[ -z "$(grep -rlF hunter2 "$CALLTRACK_STACK/log/")" ]
	[ -z "$(grep -rlF slacksecretpart "$CALLTRACK_STACK/log/")" ]
}

@test "POST refusals: each a 400 invalid_parameter naming its field, nothing made" {
	local before body want
	before=$(state)
	while IFS='|' read -r want body; do
		api POST /api/notifications "$body"
		[ "$CODE" = 400 ] || { echo "HTTP $CODE for $body: $BODY"; return 1; }
		[ "$(jq -r '.error.code + " " + .error.parameter' <<<"$BODY")" = "invalid_parameter $want" ] ||
		    { echo "for $body: $BODY"; return 1; }
	done <<'EOF'
kind|{"kind":"fax","url":"https://hooks.example.com/","events":["call.missed"]}
kind|{"url":"https://hooks.example.com/","events":["call.missed"]}
url|{"kind":"webhook","events":["call.missed"]}
url|{"kind":"webhook","url":"http://hooks.example.com/","events":["call.missed"]}
url|{"kind":"webhook","url":"ftp://hooks.example.com/","events":["call.missed"]}
url|{"kind":"webhook","url":"not a url","events":["call.missed"]}
url|{"kind":"webhook","url":"https://user:pw@hooks.example.com/","events":["call.missed"]}
url|{"kind":"webhook","url":"https://hooks.example.com/a\tb","events":["call.missed"]}
url|{"kind":"webhook","url":"https://127.0.0.1/","events":["call.missed"]}
url|{"kind":"webhook","url":"https://10.0.0.7:8443/","events":["call.missed"]}
url|{"kind":"webhook","url":"https://192.168.1.1/","events":["call.missed"]}
url|{"kind":"webhook","url":"https://169.254.169.254/latest/meta-data/","events":["call.missed"]}
url|{"kind":"webhook","url":"https://0.0.0.0/","events":["call.missed"]}
url|{"kind":"webhook","url":"https://224.0.0.251/","events":["call.missed"]}
url|{"kind":"webhook","url":"https://[::1]/","events":["call.missed"]}
url|{"kind":"webhook","url":"https://[fe80::1]/","events":["call.missed"]}
url|{"kind":"webhook","url":"https://[::ffff:10.0.0.1]/","events":["call.missed"]}
url|{"kind":"webhook","url":"https://localhost/","events":["call.missed"]}
url|{"kind":"webhook","url":42,"events":["call.missed"]}
url|{"kind":"slack","url":"http://hooks.slack.com/services/T/B/X","events":["call.missed"]}
url|{"kind":"slack","url":"https://u@hooks.slack.com/services/T/B/X","events":["call.missed"]}
smtp_url|{"kind":"email","smtp_url":"https://mail.example.com","to":["a@example.com"],"events":["call.missed"]}
smtp_url|{"kind":"email","smtp_url":"smtp://user:pw@mail.example.com","to":["a@example.com"],"events":["call.missed"]}
smtp_url|{"kind":"email","smtp_url":"smtp://127.0.0.1:25","to":["a@example.com"],"events":["call.missed"]}
smtp_url|{"kind":"webhook","url":"https://hooks.example.com/","smtp_url":"smtp://m.example.com","events":["call.missed"]}
url|{"kind":"email","url":"smtp://mail.example.com","to":["a@example.com"],"events":["call.missed"]}
events|{"kind":"webhook","url":"https://hooks.example.com/"}
events|{"kind":"webhook","url":"https://hooks.example.com/","events":[]}
events|{"kind":"webhook","url":"https://hooks.example.com/","events":"call.missed"}
events|{"kind":"webhook","url":"https://hooks.example.com/","events":["call.missed","call.missed"]}
events|{"kind":"webhook","url":"https://hooks.example.com/","events":["call.unknown"]}
events|{"kind":"webhook","url":"https://hooks.example.com/","events":["test"]}
events|{"kind":"webhook","url":"https://hooks.example.com/","events":[null]}
to|{"kind":"webhook","url":"https://hooks.example.com/","to":["a@example.com"],"events":["call.missed"]}
to|{"kind":"email","smtp_url":"smtp://mail.example.com","events":["call.missed"]}
to|{"kind":"email","smtp_url":"smtp://mail.example.com","to":[],"events":["call.missed"]}
to|{"kind":"email","smtp_url":"smtp://mail.example.com","to":["not-an-address"],"events":["call.missed"]}
to|{"kind":"email","smtp_url":"smtp://mail.example.com","to":["a@example.com\r\nBcc: b@example.com"],"events":["call.missed"]}
to|{"kind":"email","smtp_url":"smtp://mail.example.com","to":["a@example.com","a@example.com"],"events":["call.missed"]}
from|{"kind":"email","smtp_url":"smtp://mail.example.com","to":["a@example.com"],"from":"x\ny@example.com","events":["call.missed"]}
from|{"kind":"slack","url":"https://hooks.slack.com/services/T/B/X","from":"a@example.com","events":["call.missed"]}
smtp_user|{"kind":"email","smtp_url":"smtp://mail.example.com","to":["a@example.com"],"smtp_user":"a\r\nb","events":["call.missed"]}
smtp_password|{"kind":"email","smtp_url":"smtp://mail.example.com","to":["a@example.com"],"smtp_password":"","events":["call.missed"]}
smtp_password|{"kind":"webhook","url":"https://hooks.example.com/","smtp_password":"pw","events":["call.missed"]}
secret|{"kind":"webhook","url":"https://hooks.example.com/","events":["call.missed"],"secret":"whsec_mine"}
enabled|{"kind":"webhook","url":"https://hooks.example.com/","events":["call.missed"],"enabled":false}
EOF
	# Twenty-one recipients, a URL of 2,049 bytes.
	api POST /api/notifications "$(jq -nc '{kind:"email",smtp_url:"smtp://mail.example.com",events:["call.missed"],
	    to:[range(21) | "r\(.)@example.com"]}')"
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = to ]
	api POST /api/notifications "$(jq -nc --arg u "https://hooks.example.com/$(head -c 2023 /dev/zero | tr '\0' a)" \
	    '{kind:"webhook",url:$u,events:["call.missed"]}')"
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = url ]
	api POST /api/notifications "$(jq -nc --arg u "https://hooks.example.com/$(head -c 2022 /dev/zero | tr '\0' a)" \
	    '{kind:"slack",url:$u,events:["call.missed"]}')"
	expect 201
	api DELETE "/api/notifications/$(jq -r .id <<<"$BODY")"
	# Not JSON, not an object, no body.
	api POST /api/notifications '{"kind":'
	expect 400 malformed_body
	api POST /api/notifications '["webhook"]'
	expect 400 malformed_body
	req POST /api/notifications -H "Authorization: Bearer $ADMIN_T" -H 'Content-Type: application/json'
	expect 400 malformed_body
	req POST /api/notifications -H "Authorization: Bearer $ADMIN_T" -H 'Content-Type: text/plain' --data '{}'
	expect 415 unsupported_media_type
	[ "$(state)" = "$before" ]
}

@test "PATCH: events and enabled change; any other field is a 400 naming it" {
	new_webhook patch
	api PATCH "/api/notifications/$DEST" '{"events":["call.stuck","digest.daily"],"enabled":false}'
	expect 200
	[ "$(jq -r '(.events | join(",")) + " " + (.enabled | tostring)' <<<"$BODY")" = "call.stuck,digest.daily false" ]
	[ "$(psql -X -At -c "SELECT array_to_string(events, ','), enabled FROM notification_destinations WHERE id = '$DEST'")" = \
	    "call.stuck,digest.daily|f" ]
	api PATCH "/api/notifications/$DEST" '{"enabled":true}'
	expect 200
	[ "$(jq -r '(.events | join(",")) + " " + (.enabled | tostring)' <<<"$BODY")" = "call.stuck,digest.daily true" ]
	local before want body
	before=$(state)
	while IFS='|' read -r want body; do
		api PATCH "/api/notifications/$DEST" "$body"
		[ "$(jq -r '.error.code + " " + .error.parameter' <<<"$BODY")" = "invalid_parameter $want" ] ||
		    { echo "for $body: HTTP $CODE $BODY"; return 1; }
	done <<'EOF'
url|{"url":"https://elsewhere.example.com/"}
kind|{"kind":"slack"}
secret|{"secret":"whsec_x"}
enabled|{"enabled":"no"}
events|{"events":[]}
events|{"events":["call.missed","call.missed"]}
EOF
	[ "$(state)" = "$before" ]
	api PATCH /api/notifications/00000000-0000-0000-0000-000000000000 '{"enabled":false}'
	expect 404 not_found
}

@test "viewer and editor tokens: 403 forbidden on every route, nothing changes, the refusal is logged" {
	new_webhook roles
	local m t before
	api POST "/api/notifications/$DEST/test" '{}'
	m=$(jq -r .id <<<"$BODY")
	psql -X -q -c "UPDATE notifications SET state = 'failed', attempts = 7 WHERE id = '$m'"
	before=$(state)
	for t in "$VIEWER_T" "$EDITOR_T"; do
		api GET /api/notifications "" "$t"; expect 403 forbidden
		api POST /api/notifications '{"kind":"webhook","url":"https://hooks.example.com/x","events":["call.missed"]}' "$t"
		expect 403 forbidden
		api PATCH "/api/notifications/$DEST" '{"enabled":false}' "$t"; expect 403 forbidden
		api DELETE "/api/notifications/$DEST" "" "$t"; expect 403 forbidden
		api POST "/api/notifications/$DEST/test" '{}' "$t"; expect 403 forbidden
		api GET /api/notifications/deliveries "" "$t"; expect 403 forbidden
		api POST "/api/notifications/deliveries/$m/retry" '{}' "$t"; expect 403 forbidden
	done
	[ "$(state)" = "$before" ]
	grep -q 'status=403 code=forbidden .*detail="a viewer token may not DELETE /api/notifications/' \
	    "$CALLTRACK_STACK/log/dashboard-notify.log"
	grep -q 'detail="an\? editor token may not POST /api/notifications/deliveries/' \
	    "$CALLTRACK_STACK/log/dashboard-notify.log"
	# No token, or a bad one: 401.
	req GET /api/notifications; expect 401 missing_token
	req GET /api/notifications -H 'Authorization: Bearer ct_nope'; expect 401 invalid_token
}

@test "another org's destination or delivery is 404 on every route; its rows stay as they were" {
	new_webhook mine
	local m theirs tm before
	api POST "/api/notifications/$DEST/test" '{}'
	m=$(jq -r .id <<<"$BODY")
	psql -X -q -c "UPDATE notifications SET state = 'failed', attempts = 7 WHERE id = '$m'"
	before=$(state)
	api PATCH "/api/notifications/$DEST" '{"enabled":false}' "$OTHER_T"; expect 404 not_found
	api DELETE "/api/notifications/$DEST" "" "$OTHER_T"; expect 404 not_found
	api POST "/api/notifications/$DEST/test" '{}' "$OTHER_T"; expect 404 not_found
	api POST "/api/notifications/deliveries/$m/retry" '{}' "$OTHER_T"; expect 404 not_found
	api GET "/api/notifications/deliveries?destination=$DEST" "" "$OTHER_T"; expect 404 not_found
	api GET /api/notifications "" "$OTHER_T"; expect 200
	[ "$(jq '.notifications | length' <<<"$BODY")" = 0 ]
	api GET /api/notifications/deliveries "" "$OTHER_T"; expect 200
	[ "$(jq '.deliveries | length' <<<"$BODY")" = 0 ]
	[ "$(state)" = "$before" ]
	# Unknown ids, and paths of no route.
	api DELETE /api/notifications/00000000-0000-0000-0000-000000000000; expect 404 not_found
	api POST /api/notifications/00000000-0000-0000-0000-000000000000/test '{}'; expect 404 not_found
	api POST /api/notifications/deliveries/00000000-0000-0000-0000-000000000000/retry '{}'; expect 404 not_found
	api GET /api/notifications/not-an-id; expect 404 not_found
	api POST "/api/notifications/$DEST/tests" '{}'; expect 404 not_found
	# A route with a method it does not take: 405 with its own methods.
	api GET "/api/notifications/$DEST"; expect 405 method_not_allowed
	grep -qx 'Allow: PATCH, DELETE' <<<"$HEADERS"
	api PUT /api/notifications '{}'; expect 405 method_not_allowed
}

@test "POST …/test: 202 with one pending message of event test, a fresh subject each time; the sender is woken" {
	new_webhook test
	api POST "/api/notifications/$DEST/test" '{}'
	expect 202
	grep -q '^HTTP/1.1 202 Accepted' <<<"$HEADERS"
	local m1 m2
	m1=$(jq -r .id <<<"$BODY")
	[ "$(jq -r '.destination_id + " " + .event + " " + .state + " " + (.attempts | length | tostring)' <<<"$BODY")" = \
	    "$DEST test pending 0" ]
	[[ "$(jq -r .webhook_id <<<"$BODY")" =~ ^msg_[0-9a-f]{32}$ ]]
	# No body at all, as long as it says JSON (a POST without a content
	# type is 415, as everywhere).
	req POST "/api/notifications/$DEST/test" -H "Authorization: Bearer $ADMIN_T" -H 'Content-Type: application/json'
	expect 202
	m2=$(jq -r .id <<<"$BODY")
	[ "$m1" != "$m2" ]
	[ "$(psql -X -At -c "SELECT count(DISTINCT subject) FROM notifications WHERE destination_id = '$DEST' AND event = 'test'")" = 2 ]
	# A listener on calltrack_notify hears of it, in the same transaction
	# as the message (psql reports the notification after its statement).
	run psql -X -c "LISTEN calltrack_notify" -c "SELECT ct_notify_queue_test('$ORG', '$DEST') IS NOT NULL"
	[[ "$output" == *'Asynchronous notification "calltrack_notify"'* ]]
}

@test "GET …/deliveries: newest first, by destination and state, a page at a time by cursor; attempts shown" {
	new_webhook log
	local d1=$DEST i ids page all=""
	for i in 1 2 3 4 5; do api POST "/api/notifications/$d1/test" '{}'; done
	new_webhook log2
	api POST "/api/notifications/$DEST/test" '{}'
	local other=$(jq -r .id <<<"$BODY")
	# One of d1's failed, with two attempts.
	local failed
	failed=$(psql -X -At -c "SELECT id FROM notifications WHERE destination_id = '$d1' ORDER BY created_at LIMIT 1")
	psql -X -q -c "UPDATE notifications SET state = 'failed', attempts = 7 WHERE id = '$failed';
	    INSERT INTO notification_attempts (org_id, notification_id, status, error) VALUES
	    ('$ORG', '$failed', NULL, 'timed out after 10 s'), ('$ORG', '$failed', 502, 'http 502')"
	api GET "/api/notifications/deliveries?destination=$d1&limit=2"
	expect 200
	[ "$(jq '.deliveries | length' <<<"$BODY")" = 2 ]
	while :; do
		all+=$(jq -r '.deliveries[].id' <<<"$BODY")$'\n'
		page=$(jq -r '.next_cursor // empty' <<<"$BODY")
		[ -n "$page" ] || break
		api GET "/api/notifications/deliveries?destination=$d1&limit=2&cursor=$page"
		expect 200
	done
	[ "$(grep -c . <<<"$all")" = 5 ]
	[ "$(grep . <<<"$all")" = "$(psql -X -At -c "SELECT id FROM notifications WHERE destination_id = '$d1'
	    ORDER BY created_at DESC, id")" ]
	[[ "$all" != *"$other"* ]]
	api GET "/api/notifications/deliveries?state=failed&destination=$d1"
	expect 200
	[ "$(jq -r '[.deliveries[].id] | join(" ")' <<<"$BODY")" = "$failed" ]
	[ "$(jq -c '.deliveries[0] | {state, next_attempt_at, attempts: [.attempts[] | {status, error}]}' <<<"$BODY")" = \
	    '{"state":"failed","next_attempt_at":null,"attempts":[{"status":null,"error":"timed out after 10 s"},{"status":502,"error":"http 502"}]}' ]
	[ "$(jq -r '.deliveries[0] | keys | join(",")' <<<"$BODY")" = \
	    "attempts,call_id,created_at,destination_id,event,id,next_attempt_at,state,webhook_id" ]
	api GET "/api/notifications/deliveries?state=pending&destination=$DEST"
	[ "$(jq -r '[.deliveries[].id] | join(" ")' <<<"$BODY")" = "$other" ]
	# Bad parameters: a 400 naming each.
	local want q
	while IFS='|' read -r want q; do
		api GET "/api/notifications/deliveries?$q"
		[ "$(jq -r '.error.code + " " + .error.parameter' <<<"$BODY")" = "invalid_parameter $want" ] ||
		    { echo "for $q: HTTP $CODE $BODY"; return 1; }
	done <<'EOF'
state|state=lost
limit|limit=0
limit|limit=101
destination|destination=nope
cursor|cursor=abc
cursor|cursor=1.00000000-0000-0000-0000-00000000000x
EOF
}

@test "POST …/retry: a failed message is pending again and due now (202); any other is 409 conflict" {
	new_webhook retry
	local m
	api POST "/api/notifications/$DEST/test" '{}'
	m=$(jq -r .id <<<"$BODY")
	api POST "/api/notifications/deliveries/$m/retry" '{}'
	expect 409 conflict
	psql -X -q -c "UPDATE notifications SET state = 'delivered' WHERE id = '$m'"
	api POST "/api/notifications/deliveries/$m/retry" '{}'
	expect 409 conflict
	[ "$(psql -X -At -c "SELECT state FROM notifications WHERE id = '$m'")" = delivered ]
	psql -X -q -c "UPDATE notifications SET state = 'failed', attempts = 7, next_attempt_at = now() - interval '2 days' WHERE id = '$m'"
	api POST "/api/notifications/deliveries/$m/retry" '{}'
	expect 202
	[ "$(jq -r .state <<<"$BODY")" = pending ]
	[ "$(psql -X -At -c "SELECT state, next_attempt_at <= now(), next_attempt_at > now() - interval '1 minute'
	    FROM notifications WHERE id = '$m'")" = "pending|t|t" ]
	api POST "/api/notifications/deliveries/$m/retry" '{}'
	expect 409 conflict
}

@test "DELETE: 200, the destination gone with its deliveries, pending or not, and their attempts" {
	new_webhook gone
	local m1 m2
	api POST "/api/notifications/$DEST/test" '{}'; m1=$(jq -r .id <<<"$BODY")
	api POST "/api/notifications/$DEST/test" '{}'; m2=$(jq -r .id <<<"$BODY")
	psql -X -q -c "UPDATE notifications SET state = 'failed', attempts = 7 WHERE id = '$m2';
	    INSERT INTO notification_attempts (org_id, notification_id, status, error) VALUES ('$ORG', '$m2', 500, 'x')"
	api DELETE "/api/notifications/$DEST"
	expect 200
	[ "$(jq -c . <<<"$BODY")" = "{\"id\":\"$DEST\",\"deleted\":true}" ]
	[ "$(psql -X -At -c "SELECT (SELECT count(*) FROM notification_destinations WHERE id = '$DEST')
	    + (SELECT count(*) FROM notifications WHERE id IN ('$m1', '$m2'))
	    + (SELECT count(*) FROM notification_attempts WHERE notification_id IN ('$m1', '$m2'))")" = 0 ]
	api GET /api/notifications
	[[ "$BODY" != *"$DEST"* ]]
	api DELETE "/api/notifications/$DEST"
	expect 404 not_found
}

@test "an org has at most 100 destinations: the 101st is 409" {
	local org t i
	org=$(admin org create "Notify limit org")
	t=$(admin token create "$org" --role admin 2>/dev/null)
	psql -X -q -c "INSERT INTO notification_destinations (org_id, kind, url, events)
	    SELECT '$org', 'slack', 'https://hooks.slack.com/services/T/B/' || g, ARRAY['call.missed']
	      FROM generate_series(1, 100) g"
	api POST /api/notifications '{"kind":"slack","url":"https://hooks.slack.com/services/T/B/101","events":["call.missed"]}' "$t"
	expect 409 conflict
	[ "$(psql -X -At -c "SELECT count(*) FROM notification_destinations WHERE org_id = '$org'")" = 100 ]
}

@test "healthz: dashboard-notify answers and connects as calltrack_editor" {
	req GET /healthz/dashboard-notify
	expect 200
	[ "$(jq -r '.program + " " + .status' <<<"$BODY")" = "dashboard-notify ok" ]
	[ "$(psql -X -At -c "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity
	    WHERE application_name LIKE 'dashboard-notify[%'")" = calltrack_editor ]
}
