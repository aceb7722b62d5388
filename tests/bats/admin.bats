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
	run admin token create "$org" --label ci
	[ "$status" -eq 0 ]
	tok=$output
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

@test "token create for an org that does not exist fails with exit 1" {
	run admin token create 00000000-0000-0000-0000-000000000000
	[ "$status" -eq 1 ]
	[[ "$output" == *"no such org"* ]]
}

@test "integration create prints the webhook URL; twilio needs its public URL" {
	local org
	org=$(admin org create "Hooks LLC")
	run admin integration create "$org" --provider vapi --secret s3cr3t-value --id "acme-vapi-$RANDOM"
	[ "$status" -eq 0 ]
	[[ "$output" == http*"/hooks/vapi/acme-vapi-"* ]]
	run admin integration create "$org" --provider retell --secret key_abcdefgh
	[ "$status" -eq 0 ]
	[[ "$output" =~ /hooks/retell/retell-[0-9a-f]{12}$ ]]
	run admin integration create "$org" --provider twilio --secret abcdefgh12345678
	[ "$status" -eq 2 ]
	[[ "$output" == *"--public-url"* ]]
	run admin integration create "$org" --provider twilio --secret abcdefgh12345678 \
	    --public-url https://calls.example.com/hooks/twilio/acme-tw --id "acme-tw-$RANDOM"
	[ "$status" -eq 0 ]
	[ "$output" = https://calls.example.com/hooks/twilio/acme-tw ]
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

@test "sweep prints how many stuck calls it closed" {
	local org
	org=$(admin org create "Sweep")
	psql -X -q -c "INSERT INTO calls (org_id, provider, provider_call_id, status, last_event_at)
	    VALUES ('$org', 'vapi', 'stuck-$RANDOM', 'ringing', now() - interval '1 day')"
	run admin sweep
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9]+$ ]]
	[ "$output" -ge 1 ]
	run psql -X -At -c "SELECT status, ended_reason FROM calls WHERE org_id = '$org'"
	[ "$output" = "failed|no-final-report" ]
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

@test "a database it cannot reach is exit 1 with a clear message" {
	CALLTRACK_ADMIN_DB="host=/nonexistent dbname=x connect_timeout=1" run admin sweep
	[ "$status" -eq 1 ]
	[[ "$output" == "calltrack-admin: could not connect to the database:"* ]]
}
