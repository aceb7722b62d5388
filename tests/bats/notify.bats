#!/usr/bin/env bats
# Notifications end to end (docs/API.md "Notifications"): webhooks through
# nginx and the programs write the outbox, calltrack-notify delivers it to
# real receivers on 127.0.0.1 (tests/notify/receiver.py, an HTTP server;
# tests/notify/smtp.py, aiosmtpd), and every attempt is kept.  The stack's
# sender runs with the harness's settings (tests/run: private addresses
# and http allowed, the backoff divided by 100,000); the tests that need a
# sender of their own (killed, two at once, SIGTERM, the SSRF refusals)
# stop it and start it again after.
#
# Waits are bounded loops on a state (a row, a request received), never an
# assertion on how long something took.

load helpers

NOTIFY_BIN=$CALLTRACK_BUILD/tools/calltrack-notify
WH_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
WH_NEXT=whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD
SMTP_USER=clinic-mailer
SMTP_PASSWORD=smtp-pa55word-7c1e9a

free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

setup_file() {
	# Its senders reach the loopback receivers over http, as the stack's
	# does (tests/run's STACK_NOTIFY_*); the SSRF test runs one without.
	export CALLTRACK_NOTIFY_ALLOW_PRIVATE=1 CALLTRACK_NOTIFY_ALLOW_HTTP=1
	make_fixture_org
	psql -X -q -c "UPDATE orgs SET hot_lead_threshold = 50 WHERE id = '$ORG'"
	RPORT=$(free_port)
	SPORT=$(free_port)
	RLOG=$BATS_FILE_TMPDIR/received.jsonl
	SLOG=$BATS_FILE_TMPDIR/mail.jsonl
	# fd 3 is bats': the servers must not keep it open.
	/usr/bin/python3 "$CALLTRACK_ROOT/tests/notify/receiver.py" serve "$RPORT" "$RLOG" \
	    >"$BATS_FILE_TMPDIR/receiver.out" 2>&1 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/receiver.pid"
	/usr/bin/python3 "$CALLTRACK_ROOT/tests/notify/smtp.py" "$SPORT" "$SLOG" \
	    "$SMTP_USER:$SMTP_PASSWORD" >"$BATS_FILE_TMPDIR/smtp.out" 2>&1 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/smtp.pid"
	for _ in $(seq 100); do
		(exec 4<>"/dev/tcp/127.0.0.1/$RPORT") 2>/dev/null &&
		    (exec 4<>"/dev/tcp/127.0.0.1/$SPORT") 2>/dev/null && break
		sleep 0.1
	done
	export RPORT SPORT RLOG SLOG
}

teardown_file() {
	# Nothing of this file is sent after it: its destinations go quiet.
	psql -X -q -c "UPDATE notification_destinations SET enabled = false
	    WHERE org_id IN (SELECT id FROM orgs WHERE name LIKE 'Test org $SUF%' OR name LIKE 'Notify $SUF%')" || true
	kill "$(cat "$BATS_FILE_TMPDIR/receiver.pid")" "$(cat "$BATS_FILE_TMPDIR/smtp.pid")" 2>/dev/null || true
	stack_sender_up
}

teardown() {
	if [ -n "${SENDER_PIDS:-}" ]; then
		kill -9 $SENDER_PIDS 2>/dev/null || true
		wait $SENDER_PIDS 2>/dev/null || true
	fi
	SENDER_PIDS=
}

stack_sender_up() {
	"$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" notify >/dev/null 2>&1 3>&- || true
}
stack_sender_down() {
	"$CALLTRACK_ROOT/tools/stack" stop-program "$CALLTRACK_STACK" notify >/dev/null 2>&1 3>&-
}

# A sender of the test's own, with the harness's settings and any
# NAME=VALUE given; its pid is added to SENDER_PIDS, its log is
# $BATS_FILE_TMPDIR/sender.log.
sender() {
	env CALLTRACK_DB="host=$PGHOST dbname=calltrack user=calltrack_notify" "$@" \
	    "$NOTIFY_BIN" >>"$BATS_FILE_TMPDIR/sender.log" 2>&1 3>&- &
	LAST_SENDER=$!
	SENDER_PIDS="${SENDER_PIDS:-} $LAST_SENDER"
}

q() { psql -X -At -q -v ON_ERROR_STOP=1 "$@"; }

# dest KIND URL EVENTS [ORG]: a destination (webhook: signed with both
# secrets, a rotation); prints its id.
dest() {
	q -v org="${4:-$ORG}" -v kind="$1" -v url="$2" -v ev="$3" -v sec="$WH_SECRET" -v nxt="$WH_NEXT" <<'SQL'
INSERT INTO notification_destinations (org_id, kind, url, events, secret, secret_next)
VALUES (:'org', :'kind', :'url', :'ev'::text[],
        CASE WHEN :'kind' = 'webhook' THEN :'sec' END, CASE WHEN :'kind' = 'webhook' THEN :'nxt' END)
RETURNING id;
SQL
}

# queue DEST [N]: N test messages to DEST (what POST …/test queues),
# and the sender woken.
queue() {
	q -v d="$1" -v n="${2:-1}" <<'SQL'
INSERT INTO notifications (org_id, destination_id, event, subject, data)
SELECT d.org_id, d.id, 'test', 'test-' || gen_random_uuid(), '{"test": true}'
  FROM notification_destinations d, generate_series(1, :n) WHERE d.id = :'d';
NOTIFY calltrack_notify;
SQL
}

url() { echo "http://127.0.0.1:$RPORT$1"; }

# Requests received at paths starting with PREFIX.
received() { jq -c --arg p "$1" 'select(.path | startswith($p))' "$RLOG"; }
received_n() { received "$1" | wc -l; }

# wait_until SECONDS COMMAND...: runs COMMAND every 0.1 s until it
# succeeds, at most SECONDS.
wait_until() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	"$@"
}

# ge N COMMAND...: COMMAND prints a number of at least N (run anew each
# time wait_until asks).
ge() {
	local n=$1
	shift
	[ "$("$@")" -ge "$n" ]
}

state_of() { q -c "SELECT string_agg(state, ' ' ORDER BY created_at, id) FROM notifications WHERE destination_id = '$1'"; }
all_in() {	# DEST STATE: every message of DEST is in STATE
	[ "$(q -c "SELECT count(*) FROM notifications WHERE destination_id = '$1' AND state <> '$2'")" = 0 ] &&
	    [ "$(q -c "SELECT count(*) FROM notifications WHERE destination_id = '$1'")" -gt 0 ]
}
attempts_of() { q -c "SELECT count(*) FROM notification_attempts a JOIN notifications n ON n.org_id = a.org_id AND n.id = a.notification_id WHERE n.destination_id = '$1'"; }
errors_of() { q -c "SELECT string_agg(coalesce(a.error, '-'), ' | ' ORDER BY a.id) FROM notification_attempts a JOIN notifications n ON n.org_id = a.org_id AND n.id = a.notification_id WHERE n.destination_id = '$1'"; }

vapi() {
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary "$1"
}
# An inbound end-of-call-report: report ID MEMBERS [CALL-MEMBERS]
report() {
	printf '{"message":{"type":"end-of-call-report","timestamp":%s,"endedReason":"customer-ended-call","call":{"id":"%s","type":"inboundPhoneCall","customer":{"number":"+15555550142","name":"María López"}%s},%s}}' \
	    "$RANDOM$RANDOM" "$1" "${3:-}" "$2"
}
HOT='"durationSeconds":200,"analysis":{"summary":"Wants to book a cleaning and asked the price; interested in availability","structuredData":{"sentiment":"positive"}}'

# The events of a call's messages, sorted.
events_of_call() {
	q -c "SELECT string_agg(n.event, ' ' ORDER BY n.event) FROM notifications n JOIN calls c ON c.org_id = n.org_id AND c.id = n.call_id
	      WHERE c.org_id = '$ORG' AND c.provider_call_id = '$1' AND n.destination_id = '$2'"
}
delivered_for() {	# DEST TYPE PROVIDER-CALL-ID: the receiver got it
	[ "$(received "/ok/$1/" | jq -r --arg t "$2" --arg c "$3" \
	    '.body | fromjson | select(.type == $t and .data.call.provider_call_id == $c) | .type' | head -1)" = "$2" ]
}

@test "every event type reaches a webhook, signed per Standard Webhooks with both secrets of a rotation" {
	local d
	d=$(dest webhook "$(url /ok/events/)" '{call.hot_lead,call.booking_failed,call.missed,call.negative_sentiment,call.stuck}')
	vapi "$(report n-hot "$HOT")"; expect 200
	vapi "$(report n-neg '"durationSeconds":100,"analysis":{"summary":"Complained","structuredData":{"sentiment":"negative"}}')"; expect 200
	vapi "$(report n-missed '"durationSeconds":4')"; expect 200
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' -H "x-vapi-secret: $VAPI_SECRET" \
	    --data-binary @"$FIX/vapi/inbound-booking-failed.end-of-call-report.json"
	expect 200
	# A call whose final report never came: the sweeper closes it.
	q -c "INSERT INTO calls (org_id, provider, provider_call_id, status, direction, last_event_at)
	      VALUES ('$ORG', 'vapi', 'n-stuck', 'ringing', 'inbound', now() - interval '1 day')"
	"$CALLTRACK_ADMIN" sweep >/dev/null
	[ "$(events_of_call n-hot "$d")" = call.hot_lead ]
	[ "$(events_of_call n-neg "$d")" = call.negative_sentiment ]
	[ "$(events_of_call n-missed "$d")" = call.missed ]
	[[ " $(events_of_call "$(jq -r .message.call.id "$FIX/vapi/inbound-booking-failed.end-of-call-report.json")" "$d") " == *" call.booking_failed "* ]]
	[ "$(events_of_call n-stuck "$d")" = call.stuck ]
	wait_until 20 all_in "$d" delivered
	delivered_for events call.hot_lead n-hot
	delivered_for events call.negative_sentiment n-neg
	delivered_for events call.missed n-missed
	delivered_for events call.stuck n-stuck
	# The body: the call as the list shows it, its contact, its alert.
	received /ok/events/ | jq -s -e '[.[] | .body | fromjson | select(.type == "call.hot_lead")] |
	    length == 1 and (.[0] | .data.call.caller_name == "María López" and .data.call.lead_score >= 50 and
	    .data.alert.score >= 50 and (.data.contact.id | length) == 36 and
	    (.timestamp | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")))' >/dev/null
	# Each signature verifies on its own, as the reference verifier checks.
	run /usr/bin/python3 "$CALLTRACK_ROOT/tests/notify/receiver.py" verify "$RLOG" /ok/events/ "$WH_SECRET"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$output" = "ok $(received_n /ok/events/)" ]
	run /usr/bin/python3 "$CALLTRACK_ROOT/tests/notify/receiver.py" verify "$RLOG" /ok/events/ "$WH_NEXT"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	# And a key that is neither does not.
	run /usr/bin/python3 "$CALLTRACK_ROOT/tests/notify/receiver.py" verify "$RLOG" /ok/events/ \
	    whsec_dGhpcyBpcyBub3QgdGhlIGtleSBhdCBhbGwh
	[ "$status" -ne 0 ]
}

@test "one message per destination, event and call: duplicate deliveries and later events do not notify again" {
	local d body
	d=$(dest webhook "$(url /ok/once/)" '{call.hot_lead}')
	body=$(report n-once "$HOT")
	vapi "$body"; expect 200
	vapi "$body"; expect 200
	[ "$(jq -r .outcome <<<"$BODY")" = duplicate ]
	vapi "$(report n-once "$HOT")"; expect 200	# a later report of the call
	[ "$(jq -r .outcome <<<"$BODY")" = applied ]
	[ "$(q -c "SELECT count(*) FROM notifications WHERE destination_id = '$d'")" = 1 ]
	wait_until 20 all_in "$d" delivered
	[ "$(received /ok/once/ | jq -r '.headers["webhook-id"]' | sort -u | wc -l)" = 1 ]
}

@test "test calls never notify" {
	local d
	d=$(dest webhook "$(url /ok/testcall/)" '{call.hot_lead,call.missed,call.negative_sentiment}')
	vapi "$(report n-test "$HOT" ',"metadata":{"is_test_call":true}')"; expect 200
	vapi "$(report n-test2 '"durationSeconds":3' ',"metadata":{"is_test_call":true}')"; expect 200
	[ "$(q -c "SELECT is_test_call FROM calls WHERE org_id = '$ORG' AND provider_call_id = 'n-test'")" = t ]
	[ "$(q -c "SELECT count(*) FROM notifications WHERE destination_id = '$d'")" = 0 ]
}

@test "a 500 is tried again, then delivered, with the same webhook-id; every attempt is kept" {
	local d
	d=$(dest webhook "$(url /fail-first/1/retry/)" '{call.stuck}')
	queue "$d"
	wait_until 20 all_in "$d" delivered
	[ "$(attempts_of "$d")" = 2 ]
	[ "$(q -c "SELECT string_agg(coalesce(a.status::text, '-'), ' ' ORDER BY a.id) FROM notification_attempts a
	          JOIN notifications n ON n.org_id = a.org_id AND n.id = a.notification_id WHERE n.destination_id = '$d'")" = "500 200" ]
	[[ "$(errors_of "$d")" == "status 500: try again later | -" ]]
	[ "$(received_n /fail-first/1/retry/)" = 2 ]
	[ "$(received /fail-first/1/retry/ | jq -r '.headers["webhook-id"]' | sort -u | wc -l)" = 1 ]
}

@test "after the last attempt a message is failed; a manual retry sends it again" {
	local d
	d=$(dest webhook "$(url /fail-first/7/giveup/)" '{call.stuck}')
	queue "$d"
	wait_until 60 all_in "$d" failed
	[ "$(attempts_of "$d")" = 7 ]
	[ "$(q -c "SELECT attempts FROM notifications WHERE destination_id = '$d'")" = 7 ]
	# What POST /api/notifications/deliveries/<id>/retry does.
	q -c "UPDATE notifications SET state = 'pending', next_attempt_at = now() WHERE destination_id = '$d'; NOTIFY calltrack_notify"
	wait_until 20 all_in "$d" delivered
	[ "$(attempts_of "$d")" = 8 ]
	[ "$(received /fail-first/7/giveup/ | jq -r '.headers["webhook-id"]' | sort -u | wc -l)" = 1 ]
}

@test "a receiver down for the whole run: every attempt fails and is kept, then the message is failed" {
	local d port
	port=$(free_port)	# nothing listens there
	d=$(dest webhook "http://127.0.0.1:$port/down" '{call.stuck}')
	queue "$d"
	wait_until 60 all_in "$d" failed
	[ "$(attempts_of "$d")" = 7 ]
	[ "$(q -c "SELECT count(*) FROM notification_attempts a JOIN notifications n ON n.org_id = a.org_id AND n.id = a.notification_id
	          WHERE n.destination_id = '$d' AND a.status IS NULL AND a.error LIKE 'Couldn''t connect%'")" = 7 ]
}

@test "a slow receiver holds one slot: webhooks answer and another org's messages go out while it sleeps" {
	local d other od i
	d=$(dest webhook "$(url /sleep/12/slow/)" '{call.stuck}')
	other=$("$CALLTRACK_ADMIN" org create "Notify $SUF other")
	od=$(dest webhook "$(url /ok/other/)" '{call.stuck}' "$other")
	queue "$d"
	wait_until 10 ge 1 received_n /sleep/12/slow/
	# The receiver is asleep on the first attempt: webhooks answer...
	for i in $(seq 20); do
		vapi "{\"message\":{\"type\":\"status-update\",\"status\":\"ringing\",\"timestamp\":$i,\"call\":{\"id\":\"n-slow-$i\"}}}"
		expect 200
	done
	# ...and another org's message is delivered...
	queue "$od"
	wait_until 10 all_in "$od" delivered
	# ...all before the slow attempt ended: it is not recorded yet.
	[ "$(attempts_of "$d")" = 0 ]
	# It ends at the 10 s timeout, bounded, and says so.
	wait_until 20 ge 1 attempts_of "$d"
	[[ "$(errors_of "$d")" == "timed out after 10 s"* ]]
	q -c "UPDATE notification_destinations SET enabled = false WHERE id = '$d'"
}

@test "a sender killed with kill -9 mid-attempt: after its lease the message is delivered, with the same webhook-id" {
	local d
	stack_sender_down
	d=$(dest webhook "$(url /sleep-first/1/6/kill/)" '{call.stuck}')
	queue "$d"
	sender
	wait_until 10 ge 1 received_n /sleep-first/1/6/kill/
	kill -9 "$LAST_SENDER"
	wait "$LAST_SENDER" 2>/dev/null || true
	[ "$(attempts_of "$d")" = 0 ]
	[ "$(state_of "$d")" = pending ]
	sender
	wait_until 40 all_in "$d" delivered
	[ "$(received_n /sleep-first/1/6/kill/)" = 2 ]
	[ "$(received /sleep-first/1/6/kill/ | jq -r '.headers["webhook-id"]' | sort -u | wc -l)" = 1 ]
	# The killed attempt was counted at its claim.
	[ "$(q -c "SELECT attempts FROM notifications WHERE destination_id = '$d'")" = 2 ]
	stack_sender_up
}

@test "two senders at once: each of 60 messages is received exactly once" {
	local d1 d2 d3 ids
	stack_sender_down
	d1=$(dest webhook "$(url /ok/two/a/)" '{call.stuck}')
	d2=$(dest webhook "$(url /ok/two/b/)" '{call.stuck}')
	d3=$(dest slack "$(url /ok/two/c/)" '{call.stuck}')
	queue "$d1" 20; queue "$d2" 20; queue "$d3" 20
	sender
	sender
	wait_until 60 all_in "$d1" delivered
	wait_until 60 all_in "$d2" delivered
	wait_until 60 all_in "$d3" delivered
	[ "$(received_n /ok/two/)" = 60 ]
	ids=$(received /ok/two/a/; received /ok/two/b/)
	[ "$(jq -r '.headers["webhook-id"]' <<<"$ids" | sort -u | wc -l)" = 40 ]
	[ "$(q -c "SELECT sum(attempts) FROM notifications WHERE destination_id IN ('$d1', '$d2', '$d3')")" = 60 ]
	stack_sender_up
}

@test "SIGTERM: the sender finishes the attempt in hand, records it and exits 0" {
	local d rc=0
	stack_sender_down
	d=$(dest webhook "$(url /sleep/2/term/)" '{call.stuck}')
	queue "$d"
	env CALLTRACK_DB="host=$PGHOST dbname=calltrack user=calltrack_notify" \
	    "$NOTIFY_BIN" >>"$BATS_FILE_TMPDIR/sender.log" 2>&1 3>&- &
	local pid=$!
	SENDER_PIDS=$pid
	wait_until 10 ge 1 received_n /sleep/2/term/
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	SENDER_PIDS=
	[ "$rc" -eq 0 ]
	[ "$(state_of "$d")" = delivered ]
	[ "$(attempts_of "$d")" = 1 ]
	stack_sender_up
}

digests_received() {
	received /ok/digest/ | jq -r '.body | fromjson | .data.digest.day' | grep -c '^2026-03-0[67]$'
}

@test "the daily digest: at 08:00 local time, once a local day, across the start of daylight saving time" {
	local org d
	org=$("$CALLTRACK_ADMIN" org create "Notify $SUF digest" --timezone America/New_York)
	d=$(dest webhook "$(url /ok/digest/)" '{digest.daily}' "$org")
	# 2026-03-08 02:00 EST becomes 03:00 EDT.
	for t in '2026-03-07 12:59+00' '2026-03-07 13:00+00' '2026-03-07 23:59+00' \
	    '2026-03-08 11:59+00' '2026-03-08 12:00+00' '2026-03-08 15:00+00'; do
		q -c "SELECT ct_notify_digests('$t')" >/dev/null
	done
	[ "$(q -c "SELECT string_agg(subject || '=' || (data->>'day'), ' ' ORDER BY subject)
	          FROM notifications WHERE destination_id = '$d' AND subject LIKE '2026-03-%'")" = \
	    "2026-03-07=2026-03-06 2026-03-08=2026-03-07" ]
	q -c "NOTIFY calltrack_notify"
	wait_until 20 ge 2 digests_received
	received /ok/digest/ | jq -s -e '[.[] | .body | fromjson | select(.data.digest.day == "2026-03-07")] |
	    length == 1 and (.[0] | .type == "digest.daily" and
	    (.data.digest.figures | has("total_calls") and has("booking") and has("hot_leads")) and
	    (.data.digest.hot_leads | type) == "array" and (.data.digest.failed_bookings | type) == "array")' >/dev/null
}

@test "Slack: the caller, the number, the score, the summary and a link to the call" {
	local d
	d=$(dest slack "$(url /ok/slack/)" '{call.hot_lead}')
	vapi "$(report n-slack "$HOT")"; expect 200
	wait_until 20 all_in "$d" delivered
	received /ok/slack/ | jq -e '.body | fromjson |
	    (.text | startswith("Hot lead: María López (")) and
	    (.blocks[0].text.text | contains("Score: ") and contains("Summary: Wants to book")) and
	    (.blocks[1].elements[0].url | test("#/calls/[0-9a-f-]{36}$"))' >/dev/null
	! received /ok/slack/ | jq -e '.headers | has("webhook-signature")' >/dev/null
}

@test "email over SMTP with AUTH: an RFC 5322 mail whose subject says what happened" {
	local d bad
	d=$(q -v org="$ORG" -v url="smtp://127.0.0.1:$SPORT" -v u="$SMTP_USER" -v p="$SMTP_PASSWORD" <<'SQL'
INSERT INTO notification_destinations (org_id, kind, url, events, smtp_user, smtp_password, mail_from, mail_to)
VALUES (:'org', 'email', :'url', '{call.hot_lead}', :'u', :'p', 'alerts@clinic.example',
        '{front@clinic.example,owner@clinic.example}') RETURNING id;
SQL
)
	vapi "$(report n-mail "$HOT")"; expect 200
	wait_until 20 all_in "$d" delivered
	[ "$(q -c "SELECT a.status FROM notification_attempts a JOIN notifications n ON n.org_id = a.org_id AND n.id = a.notification_id WHERE n.destination_id = '$d'")" = 250 ]
	run /usr/bin/python3 - "$SLOG" <<'PY'
import email, email.header, email.policy, json, sys
r = [json.loads(l) for l in open(sys.argv[1])][-1]
raw = r["data"]
m = email.message_from_string(raw, policy=email.policy.default)
assert "\n" not in raw.replace("\r\n", ""), "a bare LF"
assert all(len(l) <= 998 for l in raw.split("\r\n")), "a line over 998"
assert r["user"] == "clinic-mailer", r["user"]
assert r["rcpt_tos"] == ["front@clinic.example", "owner@clinic.example"], r["rcpt_tos"]
assert str(m["Subject"]).startswith("Hot lead: María López ("), m["Subject"]
assert "=?UTF-8?B?" in raw.split("\r\n\r\n")[0]
assert m["From"].addresses[0].addr_spec == "alerts@clinic.example"
assert [a.addr_spec for a in m["To"].addresses] == ["front@clinic.example", "owner@clinic.example"]
assert m["Date"].datetime is not None and m["Message-ID"].startswith("<msg_")
body = m.get_content()
assert "Caller: María López" in body and "Summary: Wants to book" in body, body
print("ok")
PY
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	# A wrong password: the server's refusal is the attempt's error, the
	# password is nowhere.
	bad=$(q -v org="$ORG" -v url="smtp://127.0.0.1:$SPORT" -v u="$SMTP_USER" <<'SQL'
INSERT INTO notification_destinations (org_id, kind, url, events, smtp_user, smtp_password, mail_from, mail_to)
VALUES (:'org', 'email', :'url', '{call.stuck}', :'u', 'wr0ng-pa55word-d41d8', 'alerts@clinic.example',
        '{front@clinic.example}') RETURNING id;
SQL
)
	queue "$bad"
	wait_until 30 ge 1 attempts_of "$bad"
	[ "$(q -c "SELECT count(*) FROM notification_attempts a JOIN notifications n ON n.org_id = a.org_id AND n.id = a.notification_id
	          WHERE n.destination_id = '$bad' AND a.status IS DISTINCT FROM 250 AND a.error <> ''")" -ge 1 ]
	[ "$(state_of "$bad")" != delivered ]
	q -c "UPDATE notification_destinations SET enabled = false WHERE id = '$bad'"
}

@test "bad receivers cost one bounded attempt each: a 10 MB body, a redirect, invalid UTF-8, a closed connection" {
	local big redir utf close
	big=$(dest webhook "$(url /big/x/)" '{call.stuck}')
	redir=$(dest webhook "$(url /redirect/x/)" '{call.stuck}')
	utf=$(dest webhook "$(url /badutf8/x/)" '{call.stuck}')
	close=$(dest webhook "$(url /close/x/)" '{call.stuck}')
	for d in "$big" "$redir" "$utf" "$close"; do queue "$d"; done
	wait_until 20 all_in "$big" delivered
	[ "$(attempts_of "$big")" = 1 ]
	for d in "$redir" "$utf" "$close"; do wait_until 20 ge 1 attempts_of "$d"; done
	[[ "$(errors_of "$redir")" == "status 302: redirects are not followed"* ]]
	[ "$(received_n /ok/redirected)" = 0 ]
	[[ "$(errors_of "$utf")" == 'status 500: \xff\xfe bad \xc3( \x1b[31m\x0d\x0aX-Injected: 1'* ]]
	[ -n "$(errors_of "$close")" ]
	q -c "UPDATE notification_destinations SET enabled = false WHERE id IN ('$redir', '$utf', '$close')"
	# Nothing of it reached a log line unescaped: printable ASCII only,
	# and no line of the receiver's own.
	! grep -aqP '[^\x20-\x7e]' "$CALLTRACK_STACK/log/notify.log"
	! grep -aq '^X-Injected' "$CALLTRACK_STACK/log/notify.log"
}

@test "SSRF: without the setting, loopback is refused at the socket, by address or by a name that resolves to it" {
	local lit name mapped plain
	stack_sender_down
	lit=$(dest webhook "https://127.0.0.1:$RPORT/ok/ssrf/lit" '{call.stuck}')
	name=$(dest webhook "https://localhost:$RPORT/ok/ssrf/name" '{call.stuck}')
	mapped=$(dest webhook "https://[::ffff:127.0.0.1]:$RPORT/ok/ssrf/mapped" '{call.stuck}')
	plain=$(dest webhook "http://hooks.example.com/ok/ssrf/plain" '{call.stuck}')
	for d in "$lit" "$name" "$mapped" "$plain"; do queue "$d"; done
	# One attempt each (the real schedule: the next is 30 s away).
	run env CALLTRACK_DB="host=$PGHOST dbname=calltrack user=calltrack_notify" \
	    CALLTRACK_NOTIFY_ALLOW_PRIVATE=0 CALLTRACK_NOTIFY_ALLOW_HTTP=0 CALLTRACK_NOTIFY_BACKOFF_SCALE=1 \
	    timeout 60 "$NOTIFY_BIN" --once 3>&-
	[ "$status" -eq 0 ]
	[ "$(errors_of "$lit")" = "address not allowed: 127.0.0.1 is loopback" ]
	[[ "$(errors_of "$name")" == "address not allowed: "*" is loopback" ]]
	[ "$(errors_of "$mapped")" = "address not allowed: ::ffff:127.0.0.1 is loopback" ]
	[ "$(errors_of "$plain")" = "scheme not allowed" ]
	[ "$(received_n /ok/ssrf/)" = 0 ]
	q -c "UPDATE notification_destinations SET enabled = false WHERE id IN ('$lit', '$name', '$mapped', '$plain')"
	stack_sender_up
}

@test "secrets and passwords appear in no log and no attempt" {
	local s
	for s in "${WH_SECRET#whsec_}" "${WH_NEXT#whsec_}" "$SMTP_PASSWORD" wr0ng-pa55word-d41d8; do
		! grep -aqF -- "$s" "$CALLTRACK_STACK"/log/notify.log "$CALLTRACK_STACK"/log/vapi-hook.log \
		    "$BATS_FILE_TMPDIR"/sender.log
		[ "$(q -v s="$s" <<<"SELECT count(*) FROM notification_attempts WHERE strpos(error, :'s') > 0")" = 0 ]
	done
	# Nor a destination's URL (a Slack URL is itself a secret).
	! grep -aqF -- "/ok/slack/" "$CALLTRACK_STACK/log/notify.log"
}

@test "the systemd unit: systemd-analyze finds no error and rates it well hardened; a user and a role of its own" {
	command -v systemd-analyze >/dev/null
	local u=$CALLTRACK_ROOT/nginx/systemd/calltrack-notify.service out
	out=$(systemd-analyze verify "$u" 2>&1 | grep -v 'Command /usr/local/[a-z/-]* is not executable' || true)
	[ -z "$out" ] || { echo "$out"; return 1; }
	run systemd-analyze security --offline=true --threshold=20 "$u"
	[ "$status" -eq 0 ]
	grep -qx 'User=calltrack-notify' "$u"
	grep -qx 'EnvironmentFile=/etc/calltrack/notify.env' "$u"
	[ "$(q -c "SELECT rolbypassrls AND NOT rolsuper FROM pg_roles WHERE rolname = 'calltrack_notify'")" = t ]
}
