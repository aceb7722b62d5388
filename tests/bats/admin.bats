#!/usr/bin/env bats
# calltrack-admin: what it prints, what it refuses, its exit codes.

load helpers

admin() { "$CALLTRACK_ADMIN" "$@"; }

@test "org create prints the new org's id" {
	run admin org create "Acme Dental" --country GB --timezone Europe/London
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]]
	run psql -X -At -c "SELECT name, default_country, timezone FROM orgs WHERE id = '$output'"
	[ "$output" = "Acme Dental|GB|Europe/London" ]
}

@test "org create refuses a bad country or time zone with exit 2" {
	run admin org create "X" --country usa
	[ "$status" -eq 2 ]
	[[ "$output" == *"--country"* ]]
	run admin org create "X" --timezone Mars/Olympus
	[ "$status" -eq 2 ]
	[[ "$output" == *"--timezone"* ]]
}

@test "token create prints the token once and stores only its SHA-256" {
	local org tok hash
	org=$(admin org create "Tokens Inc")
	tok=$(admin token create "$org" --label ci 2>/dev/null)
	[[ "$tok" =~ ^ct_[A-Za-z0-9_-]{43}$ ]]
	hash=$(printf '%s' "$tok" | openssl dgst -sha256 -r | cut -d' ' -f1)
	run psql -X -At -c "SELECT count(*) FROM api_tokens WHERE token_hash = '$hash' AND label = 'ci'"
	[ "$output" = 1 ]
	run psql -X -At -c "SELECT count(*) FROM api_tokens WHERE token_hash = '$tok'"
	[ "$output" = 0 ]
	run admin token list "$org"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ci"*"active"* ]]
	[[ "$output" != *"$tok"* ]]
}

@test "token create says the token's id, which token revoke takes; standard output is the token alone" {
	local org out err id
	org=$(admin org create "Token ids")
	out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
	admin token create "$org" --label ids >"$out" 2>"$err"
	[ "$(wc -l <"$out")" -eq 1 ]
	grep -qE '^ct_[A-Za-z0-9_-]{43}$' "$out"
	id=$(grep -oE 'token id [0-9a-f-]{36}' "$err" | cut -d' ' -f3)
	[ "$id" = "$(psql -X -At -c "SELECT id FROM api_tokens WHERE org_id = '$org' AND label = 'ids'")" ]
	grep -q 'shown only this once' "$err"
	run admin token revoke "$id"
	[ "$status" -eq 0 ]
	[ "$(psql -X -At -c "SELECT revoked_at IS NOT NULL FROM api_tokens WHERE id = '$id'")" = t ]
}

@test "token list has a header line; an unknown org is an error on stderr, exit 1" {
	local org
	org=$(admin org create "Token list")
	admin token create "$org" --label one >/dev/null 2>&1
	run admin token list "$org"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(printf 'id\tlabel\trole\tcreated\tlast used\tstate')" ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == *"one"*"active" ]]
	run admin token list 00000000-0000-0000-0000-000000000000
	[ "$status" -eq 1 ]
	[ "$output" = "calltrack-admin: could not list tokens: no such org" ]
	run bash -c "'$CALLTRACK_ADMIN' token list 00000000-0000-0000-0000-000000000000 2>/dev/null"
	[ -z "$output" ]
}

@test "token revoke: a malformed id is exit 2 and says so, an unknown one exit 1" {
	run admin token revoke nonsense
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == *"TOKEN-ID is malformed"* ]]
	[[ "$output" != *"needs a TOKEN-ID"* ]]
	run admin token revoke 00000000-0000-0000-0000-000000000000
	[ "$status" -eq 1 ]
	[ "$output" = "calltrack-admin: could not revoke the token: no such token" ]
}

@test "token create for an org that does not exist fails with exit 1" {
	run admin token create 00000000-0000-0000-0000-000000000000
	[ "$status" -eq 1 ]
	[[ "$output" == *"no such org"* ]]
}

@test "integration create prints the webhook URL; twilio needs its public URL" {
	local org
	org=$(admin org create "Hooks LLC")
	CALLTRACK_PUBLIC_URL=https://calls.example.com/ run admin integration create "$org" \
	    --provider vapi --secret s3cr3t-value --id "acme-vapi-$RANDOM"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^https://calls\.example\.com/hooks/vapi/acme-vapi-[0-9]+$ ]]
	CALLTRACK_PUBLIC_URL=https://calls.example.com run admin integration create "$org" \
	    --provider retell --secret key_abcdefgh
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^https://calls\.example\.com/hooks/retell/retell-[0-9a-f]{12}$ ]]
	run admin integration create "$org" --provider twilio --secret abcdefgh12345678
	[ "$status" -eq 2 ]
	[[ "$output" == *"--public-url"* ]]
	run admin integration create "$org" --provider twilio --secret abcdefgh12345678 \
	    --public-url https://calls.example.com/hooks/twilio/acme-tw --id "acme-tw-$RANDOM"
	[ "$status" -eq 0 ]
	[ "$output" = https://calls.example.com/hooks/twilio/acme-tw ]
}

@test "integration create without CALLTRACK_PUBLIC_URL prints the path and says it is relative, never a guessed host" {
	local org id=rel-$RANDOM out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
	org=$(admin org create "Relative")
	env -u CALLTRACK_PUBLIC_URL "$CALLTRACK_ADMIN" integration create "$org" --provider vapi \
	    --secret abcdefgh-rel --id "$id" >"$out" 2>"$err"
	[ "$(cat "$out")" = "/hooks/vapi/$id" ]
	grep -q 'relative to wherever nginx serves calltrack' "$err"
	grep -q CALLTRACK_PUBLIC_URL "$err"
	! grep -q '127.0.0.1' "$out" "$err"
	run admin help
	[[ "$output" == *CALLTRACK_PUBLIC_URL* ]]
}

@test "org list: a header, then id, name, country, zone and calls of each org" {
	local org
	org=$(admin org create "Listed $RANDOM" --country GB --timezone Europe/London)
	psql -X -q -c "INSERT INTO calls (org_id, provider, provider_call_id, status)
	    VALUES ('$org', 'vapi', 'listed-$RANDOM', 'completed')"
	run admin org list
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(printf 'id\tname\tcountry\tzone\tcalls')" ]
	grep -qP "^$org\tListed [0-9]+\tGB\tEurope/London\t1\$" <<<"$output"
	run admin org list extra
	[ "$status" -eq 2 ]
}

@test "integration list [ORG] and integration enable: a disabled integration enabled again" {
	local org other id=en-$RANDOM
	org=$(admin org create "Enable")
	other=$(admin org create "Enable other")
	admin integration create "$org" --provider vapi --secret abcdefgh-en --id "$id" >/dev/null 2>&1
	admin integration create "$other" --provider vapi --secret abcdefgh-en --id "o$id" >/dev/null 2>&1
	run admin integration list "$org"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(printf 'id\torg\tprovider\tcreated\tdisabled\tapi key')" ]
	[ "${#lines[@]}" -eq 2 ]
	grep -qP "^$id\t$org\tvapi\t[0-9-]+ [0-9:.+]+\t-\t-\$" <<<"$output"
	run admin integration list
	[[ "$output" == *"o$id"* ]] && [[ "$output" == *"$id"* ]]
	admin integration disable "$id"
	run admin integration list "$org"
	grep -qP "^$id\t.*\t[0-9-]+ [0-9:.+]+\t-\$" <<<"$output"
	[[ "${lines[1]}" != *$'\t-\t-' ]]
	run admin integration enable "$id"
	[ "$status" -eq 0 ]
	[ "$(psql -X -At -c "SELECT disabled_at IS NULL FROM integrations WHERE id = '$id'")" = t ]
	run admin integration enable "no-such-$id"
	[ "$status" -eq 1 ]
	run admin integration list 00000000-0000-0000-0000-000000000000
	[ "$status" -eq 1 ]
	[[ "$output" == *"no such org"* ]]
}

@test "integration create reads a secret given as - from standard input" {
	local org id=stdin-$RANDOM
	org=$(admin org create "Stdin Co")
	run bash -c "printf 'from-stdin-secret\n' | '$CALLTRACK_ADMIN' integration create $org --provider vapi --secret - --id $id"
	[ "$status" -eq 0 ]
	run psql -X -At -c "SELECT secret FROM integrations WHERE id = '$id'"
	[ "$output" = from-stdin-secret ]
}

@test "README's stdin forms: a Twilio token and a rotated secret given as -" {
	local org id=stdin-tw-$RANDOM
	org=$(admin org create "Stdin Twilio")
	run bash -c "printf 'twilio-token-from-stdin\n' | '$CALLTRACK_ADMIN' integration create $org \
	    --provider twilio --secret - --public-url https://calls.example.com/hooks/twilio/$id --id $id"
	[ "$status" -eq 0 ]
	run bash -c "printf 'rotated-from-stdin\n' | '$CALLTRACK_ADMIN' integration rotate $id --secret -"
	[ "$status" -eq 0 ]
	run psql -X -At -c "SELECT secret, secret_next FROM integrations WHERE id = '$id'"
	[ "$output" = "twilio-token-from-stdin|rotated-from-stdin" ]
	# Nothing on standard input is no secret at all.
	run bash -c "'$CALLTRACK_ADMIN' integration rotate $id --secret - </dev/null"
	[ "$status" -eq 2 ]
}

@test "integration create refuses bad input with exit 2" {
	local org
	org=$(admin org create "Bad Input")
	run admin integration create "$org" --provider skype --secret abcdefgh
	[ "$status" -eq 2 ]
	run admin integration create "$org" --provider vapi --secret short
	[ "$status" -eq 2 ]
	run admin integration create "$org" --provider vapi --secret abcdefgh --id 'bad/slug'
	[ "$status" -eq 2 ]
	run admin integration create not-a-uuid --provider vapi --secret abcdefgh
	[ "$status" -eq 2 ]
}

@test "a duplicate integration id fails with exit 1 and a clear message" {
	local org id=dup-$RANDOM
	org=$(admin org create "Dup")
	admin integration create "$org" --provider vapi --secret abcdefgh --id "$id" >/dev/null
	run admin integration create "$org" --provider vapi --secret abcdefgh --id "$id"
	[ "$status" -eq 1 ]
	[[ "$output" == "calltrack-admin: could not create the integration:"* ]]
}

@test "rotate keeps the old secret until retire-secret" {
	local org id=rot-$RANDOM
	org=$(admin org create "Rotate")
	admin integration create "$org" --provider vapi --secret old-secret-1 --id "$id" >/dev/null
	run admin integration retire-secret "$id"
	[ "$status" -eq 1 ]		# nothing rotated yet
	admin integration rotate "$id" --secret new-secret-2
	run psql -X -At -c "SELECT secret, secret_next FROM integrations WHERE id = '$id'"
	[ "$output" = "old-secret-1|new-secret-2" ]
	admin integration retire-secret "$id"
	run psql -X -At -c "SELECT secret, secret_next IS NULL FROM integrations WHERE id = '$id'"
	[ "$output" = "new-secret-2|t" ]
	run admin integration rotate no-such-integration --secret abcdefgh
	[ "$status" -eq 1 ]
}

@test "sweep says what it did: stuck calls closed, rollup changes folded, rejected requests pruned" {
	local org
	org=$(admin org create "Sweep")
	psql -X -q -c "INSERT INTO calls (org_id, provider, provider_call_id, status, last_event_at)
	    VALUES ('$org', 'vapi', 'stuck-$RANDOM', 'ringing', now() - interval '1 day')"
	psql -X -q -c "INSERT INTO rejected_events (integration_id, received_at, http_status, reason)
	    VALUES ('sweep-admin-$RANDOM', now() - interval '400 days', 404, 'unknown_integration')"
	run admin sweep
	[ "$status" -eq 0 ]
	grep -qE '^reconciled: asked [0-9]+, recovered [0-9]+, ' <<<"$output"
	[[ "$(grep '^closed ' <<<"$output")" =~ ^closed\ ([0-9]+)\ stuck\ calls\;\ folded\ ([0-9]+)\ rollup\ changes\;\ pruned\ ([0-9]+)\ rejected\ requests$ ]]
	[ "${BASH_REMATCH[1]}" -ge 1 ]
	[ "${BASH_REMATCH[2]}" -ge 1 ]
	[ "${BASH_REMATCH[3]}" -ge 1 ]
	run psql -X -At -c "SELECT status, ended_reason FROM calls WHERE org_id = '$org'"
	[ "$output" = "failed|no-final-report" ]
}

@test "replay --from/--to bound the call's time, --received-from/--received-to the event's arrival" {
	local org id=rp-$RANDOM f=$FIX/vapi/inbound-booking-failed.end-of-call-report.json
	org=$(admin org create "Replay window")
	admin integration create "$org" --provider vapi --secret "$VAPI_SECRET" --id "$id" >/dev/null 2>&1
	req POST "/hooks/vapi/$id" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary @"$f"
	expect 200
	# The call started 2026-01-07T17:12:04Z; the event arrived now.
	run admin replay --org "$org" --from 2026-01-07T00:00:00Z --to 2026-01-08T00:00:00Z
	[ "$status" -eq 0 ]
	[ "$output" = "replayed 1: applied 1, parked 0; failed 0" ]
	run admin replay --org "$org" --from 2026-01-08T00:00:00Z
	[ "$output" = "replayed 0: applied 0, parked 0; failed 0" ]
	run admin replay --org "$org" --to 2026-01-07T00:00:00Z
	[ "$output" = "replayed 0: applied 0, parked 0; failed 0" ]
	run admin replay --org "$org" --received-from "$(date -u -d '-1 hour' +%FT%TZ)"
	[ "$output" = "replayed 1: applied 1, parked 0; failed 0" ]
	run admin replay --org "$org" --received-to 2026-01-08T00:00:00Z
	[ "$output" = "replayed 0: applied 0, parked 0; failed 0" ]
	run admin replay --org "$org" --from yesterday-ish
	[ "$status" -eq 1 ]
	run admin help
	[[ "$output" == *"--received-from"* ]]
}

@test "usage errors exit 2 and say how to use it" {
	run admin
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: calltrack-admin"* ]]
	run admin frobnicate now
	[ "$status" -eq 2 ]
	run admin sweep extra
	[ "$status" -eq 2 ]
	run admin --help
	[ "$status" -eq 0 ]
}

@test "help prints the usage on stdout, exit 0; an unknown command prints it on stderr, exit 2" {
	run bash -c "'$CALLTRACK_ADMIN' help 2>/dev/null"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: calltrack-admin org create NAME"* ]]
	[[ "$output" == *"calltrack-admin integration enable ID"* ]]
	[[ "$output" == *"calltrack-admin org list"* ]]
	run bash -c "'$CALLTRACK_ADMIN' token frobnicate 2>&1 >/dev/null"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "calltrack-admin: unknown command" ]
	[[ "${lines[1]}" == "usage: calltrack-admin"* ]]
	run admin token create 00000000-0000-0000-0000-000000000000 --colour red
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == *"takes no option --colour"* ]]
}

@test "a database it cannot reach is exit 1 with a clear message" {
	CALLTRACK_ADMIN_DB="host=/nonexistent dbname=x connect_timeout=1" run admin sweep
	[ "$status" -eq 1 ]
	[[ "$output" == "calltrack-admin: could not connect to the database:"* ]]
}
