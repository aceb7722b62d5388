#!/usr/bin/env bats
# calltrack-admin notify: an org's notification destinations from the
# command line, checked by the rules the API checks them by
# (lib/read/notify.c): what it prints, what it refuses, its exit codes.

load helpers

admin() { "$CALLTRACK_ADMIN" "$@"; }

setup_file() {
	# The routes queue and retry messages; the sender would send them
	# while the tests look at their state: it is stopped for this file.
	"$CALLTRACK_ROOT/tools/stack" stop-program "$CALLTRACK_STACK" notify >/dev/null 2>&1 3>&-
	ORG=$("$CALLTRACK_ADMIN" org create "Notify admin org")
	export ORG
}

teardown_file() {
	"$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" notify >/dev/null 2>&1 3>&- || true
}

# The number of destinations of the org.
dests() { psql -X -At -c "SELECT count(*) FROM notification_destinations WHERE org_id = '$ORG'"; }

@test "notify add webhook: the id, then the signing secret, shown once; only the sender's columns hold it" {
	local out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err id secret
	admin notify add "$ORG" --kind webhook --url https://hooks.example.com/ct \
	    --events call.hot_lead,call.missed >"$out" 2>"$err"
	[ "$(wc -l <"$out")" -eq 2 ]
	id=$(sed -n 1p "$out") secret=$(sed -n 2p "$out")
	[[ "$id" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]]
	# whsec_ and the base64 of 32 random bytes.
	[[ "$secret" =~ ^whsec_[A-Za-z0-9+/]{43}=$ ]]
	[ "$(printf '%s' "${secret#whsec_}" | base64 -d | wc -c)" -eq 32 ]
	grep -q 'shown only this once' "$err"
	[ -z "$(grep -F "$secret" "$err")" ]
	[ "$(psql -X -At -c "SELECT kind, url, array_to_string(events, ','), secret = '$secret'
	    FROM notification_destinations WHERE id = '$id'")" = \
	    "webhook|https://hooks.example.com/ct|call.hot_lead,call.missed|t" ]
	run admin notify list "$ORG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$id"$'\twebhook\thttps://hooks.example.com/ct\tcall.hot_lead,call.missed\tenabled\t'* ]]
	[[ "$output" != *whsec_* ]]
}

@test "notify add: every event by default; slack and email print the id alone, no secret" {
	local id
	run admin notify add "$ORG" --kind slack --url https://hooks.slack.com/services/T0AAA/B0BBB/cccsecret
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	id=${lines[0]}
	[ "$(psql -X -At -c "SELECT array_to_string(events, ','), secret IS NULL FROM notification_destinations
	    WHERE id = '$id'")" = \
	    "call.hot_lead,call.booking_failed,call.missed,call.negative_sentiment,call.stuck,digest.daily|t" ]
	run admin notify list "$ORG"
	[[ "$output" == *"$id"$'\tslack\thttps://hooks.slack.com/services/T…/…\t'* ]]
	[[ "$output" != *cccsecret* ]]
	[[ "$output" != *B0BBB* ]]
}

@test "notify add email: the password from standard input, kept for the sender, never listed" {
	local id
	id=$(printf 'hunter2-smtp\n' | admin notify add "$ORG" --kind email --url smtps://mail.example.com:465 \
	    --to ops@example.com,desk@example.org --from calltrack@example.com --smtp-user ct \
	    --smtp-password - --events digest.daily)
	[ "$(psql -X -At -c "SELECT url, array_to_string(mail_to, ','), mail_from, smtp_user, smtp_password
	    FROM notification_destinations WHERE id = '$id'")" = \
	    "smtps://mail.example.com:465|ops@example.com,desk@example.org|calltrack@example.com|ct|hunter2-smtp" ]
	run admin notify list "$ORG"
	[[ "$output" == *"$id"$'\temail\tsmtps://mail.example.com:465 to ops@example.com,desk@example.org\tdigest.daily\t'* ]]
	[[ "$output" != *hunter2* ]]
	# Without a password on standard input: nothing made.
	local before
	before=$(dests)
	run admin notify add "$ORG" --kind email --url smtp://mail.example.com --to a@example.com \
	    --smtp-password - </dev/null
	[ "$status" -eq 1 ]
	[ "$(dests)" = "$before" ]
}

@test "notify add refuses what the API refuses, with exit 2 naming the option, and makes nothing" {
	local before
	before=$(dests)
	while IFS='|' read -r want args; do
		# shellcheck disable=SC2086
		run admin notify add "$ORG" $args
		[ "$status" -eq 2 ] || { echo "exit $status for: $args"; return 1; }
		[[ "${lines[0]}" == *"$want"* ]] || { echo "no $want in: ${lines[0]}"; return 1; }
	done <<'EOF'
--kind|--kind fax --url https://hooks.example.com/
--kind|--url https://hooks.example.com/
--url|--kind webhook
--url|--kind webhook --url http://hooks.example.com/
--url|--kind webhook --url https://127.0.0.1/in
--url|--kind webhook --url https://169.254.169.254/latest/meta-data
--url|--kind webhook --url https://[::1]/in
--url|--kind webhook --url https://[::ffff:10.0.0.1]/in
--url|--kind webhook --url https://localhost/in
--url|--kind webhook --url https://user:pw@hooks.example.com/
--url|--kind slack --url http://hooks.slack.com/services/T/B/X
--url|--kind email --url https://mail.example.com --to a@example.com
--events|--kind webhook --url https://hooks.example.com/ --events call.missed,call.missed
--events|--kind webhook --url https://hooks.example.com/ --events call.everything
--events|--kind webhook --url https://hooks.example.com/ --events test
--to|--kind webhook --url https://hooks.example.com/ --to a@example.com
--to|--kind email --url smtp://mail.example.com
--to|--kind email --url smtp://mail.example.com --to not-an-address
--from|--kind email --url smtp://mail.example.com --to a@example.com --from nobody
--smtp-user|--kind webhook --url https://hooks.example.com/ --smtp-user u
EOF
	# A URL or address with a line break in it.
	run admin notify add "$ORG" --kind webhook --url $'https://hooks.example.com/a\r\nX-Injected: 1'
	[ "$status" -eq 2 ]
	run admin notify add "$ORG" --kind email --url smtp://mail.example.com --to $'a@example.com\r\nBcc: b@example.com'
	[ "$status" -eq 2 ]
	run admin notify add "$ORG" --kind email --url smtp://mail.example.com \
	    --to "$(seq -f 'r%g@example.com' 1 21 | paste -sd,)"
	[ "$status" -eq 2 ]
	run admin notify add "$ORG" --kind webhook --url "https://hooks.example.com/$(head -c 2030 /dev/zero | tr '\0' a)"
	[ "$status" -eq 2 ]
	[ "$(dests)" = "$before" ]
	run admin notify add 00000000-0000-0000-0000-000000000000 --kind webhook --url https://hooks.example.com/
	[ "$status" -eq 1 ]
	[ "$output" = "calltrack-admin: could not add the destination: no such org" ]
	run admin notify add nonsense --kind webhook --url https://hooks.example.com/
	[ "$status" -eq 2 ]
}

@test "CALLTRACK_NOTIFY_ALLOW_PRIVATE=1 lets a destination be plain http:// and a private address" {
	local id
	run env CALLTRACK_NOTIFY_ALLOW_PRIVATE=1 "$CALLTRACK_ADMIN" notify add "$ORG" --kind webhook \
	    --url http://127.0.0.1:9/hook --events call.stuck
	[ "$status" -eq 0 ]
	id=${lines[0]}
	[ "$(psql -X -At -c "SELECT url FROM notification_destinations WHERE id = '$id'")" = http://127.0.0.1:9/hook ]
	# A value that is not 0 or 1 stops the command, as it stops the programs.
	run env CALLTRACK_NOTIFY_ALLOW_PRIVATE=2 "$CALLTRACK_ADMIN" notify add "$ORG" --kind webhook \
	    --url http://127.0.0.1:9/hook
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid setting CALLTRACK_NOTIFY_ALLOW_PRIVATE"* ]]
}

@test "notify test queues one test message; notify deliveries lists it, by state too" {
	local id m
	id=$(admin notify add "$ORG" --kind slack --url https://hooks.slack.com/services/T1/B1/x --events call.missed)
	run admin notify test "$id"
	[ "$status" -eq 0 ]
	m=${lines[0]}
	[ "$(psql -X -At -c "SELECT destination_id, event, state FROM notifications WHERE id = '$m'")" = \
	    "$id|test|pending" ]
	run admin notify deliveries "$ORG"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(printf 'id\tdestination\tevent\tstate\tattempts\tnext attempt\tlast status\tlast error\tcreated')" ]
	[[ "$output" == *"$m"$'\t'"$id"$'\ttest\tpending\t0\t'* ]]
	# Failed after an attempt: its last status and error.
	psql -X -q -c "UPDATE notifications SET state = 'failed', attempts = 7 WHERE id = '$m';
	    INSERT INTO notification_attempts (org_id, notification_id, status, error)
	    SELECT org_id, id, 404, 'http 404' FROM notifications WHERE id = '$m'"
	run admin notify deliveries "$ORG" --state failed
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == "$m"$'\t'"$id"$'\ttest\tfailed\t7\t-\t404\thttp 404\t'* ]]
	run admin notify deliveries "$ORG" --state pending
	[[ "$output" != *"$m"* ]]
	run admin notify deliveries "$ORG" --state lost
	[ "$status" -eq 2 ]
	run admin notify test 00000000-0000-0000-0000-000000000000
	[ "$status" -eq 1 ]
	[ "$output" = "calltrack-admin: could not queue a test: no such destination" ]
}

@test "notify remove: the destination, its messages and their attempts go; an unknown id is exit 1" {
	local id m
	id=$(admin notify add "$ORG" --kind slack --url https://hooks.slack.com/services/T2/B2/x --events call.missed)
	m=$(admin notify test "$id")
	psql -X -q -c "INSERT INTO notification_attempts (org_id, notification_id, status, error)
	    SELECT org_id, id, 500, 'http 500' FROM notifications WHERE id = '$m'"
	run admin notify remove "$id"
	[ "$status" -eq 0 ]
	[ "$(psql -X -At -c "SELECT (SELECT count(*) FROM notification_destinations WHERE id = '$id')
	    + (SELECT count(*) FROM notifications WHERE destination_id = '$id')
	    + (SELECT count(*) FROM notification_attempts WHERE notification_id = '$m')")" = 0 ]
	run admin notify remove "$id"
	[ "$status" -eq 1 ]
	[ "$output" = "calltrack-admin: could not remove the destination: no such destination" ]
	run admin notify remove nonsense
	[ "$status" -eq 2 ]
	run admin notify list 00000000-0000-0000-0000-000000000000
	[ "$status" -eq 1 ]
	[ "$output" = "calltrack-admin: could not list destinations: no such org" ]
}

@test "help lists the notify commands" {
	run admin help
	[[ "$output" == *"notify add ORG --kind webhook|slack|email --url URL"* ]]
	[[ "$output" == *"notify deliveries ORG [--state pending|delivered|failed]"* ]]
}
