#!/usr/bin/env bats
# Vapi's credentials as they are today (providers.md §1.8, §8): Bearer in
# Authorization or a header of the integration's choosing, and HMAC with
# its headers, payload format, algorithm, encoding, prefix and secret
# encoding configurable, end to end through nginx and vapi-hook; set by
# calltrack-admin integration create and update.

load helpers

admin() { "$CALLTRACK_ADMIN" "$@"; }

setup_file() {
	make_fixture_org
}

F=$FIX/vapi/outbound-no-answer.1.status-update.queued.json

post() {	# SLUG HEADER...
	local slug=$1 h=()
	shift
	for x in "$@"; do h+=(-H "$x"); done
	req POST "/hooks/vapi/$slug" -H 'Content-Type: application/json' "${h[@]}" --data-binary @"$F"
}

@test "bearer: Authorization: Bearer <secret> is accepted; another secret, another scheme, or none is not" {
	admin integration create "$ORG" --provider vapi --id "bearer-$SUF" --secret "$VAPI_SECRET" \
	    --vapi-auth bearer >/dev/null
	post "bearer-$SUF" "Authorization: Bearer $VAPI_SECRET"
	expect 200
	post "bearer-$SUF" "authorization: bearer  $VAPI_SECRET"
	expect 200
	[ "$(jq -r .outcome <<<"$BODY")" = duplicate ]
	post "bearer-$SUF" "Authorization: Bearer not-$VAPI_SECRET"
	expect 401 invalid_signature
	post "bearer-$SUF" "Authorization: Basic $VAPI_SECRET"
	expect 401 invalid_signature
	post "bearer-$SUF" "x-vapi-secret: $VAPI_SECRET"
	expect 401 missing_signature
	[ "$(rejections "bearer-$SUF" invalid_signature)" = 2 ]
}

@test "bearer: a header of the integration's own, without the prefix, carries the secret alone" {
	admin integration create "$ORG" --provider vapi --id "custom-$SUF" --secret "$VAPI_SECRET" \
	    --vapi-auth bearer --bearer-header X-Calltrack-Key --bearer-prefix off >/dev/null
	[ "$(psql -X -At -c "SELECT bearer_header, bearer_prefix FROM integrations WHERE id = 'custom-$SUF'")" = "x-calltrack-key|f" ]
	post "custom-$SUF" "X-Calltrack-Key: $VAPI_SECRET"
	expect 200
	post "custom-$SUF" "X-Calltrack-Key: Bearer $VAPI_SECRET"
	expect 401 invalid_signature
	post "custom-$SUF" "Authorization: Bearer $VAPI_SECRET"
	expect 401 missing_signature
}

@test "hmac: headers, {body} payload, sha512, base64, a prefix and a Base64 secret, as configured" {
	local key=8f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0 b64 sig
	b64=$(printf '%s' "$key" | xxd -r -p | base64 -w0)
	admin integration create "$ORG" --provider vapi --id "hmacx-$SUF" --secret "$b64" \
	    --vapi-auth hmac --hmac-algorithm sha512 --hmac-encoding base64 --hmac-prefix 'v1=' \
	    --hmac-signature-header X-Hub-Signature --hmac-payload '{body}' \
	    --hmac-secret-base64 on >/dev/null
	sig=$(openssl dgst -sha512 -mac HMAC -macopt "hexkey:$key" -binary <"$F" | base64 -w0)
	post "hmacx-$SUF" "X-Hub-Signature: v1=$sig"
	expect 200
	# The prefix is part of it; the default header is not the configured one.
	post "hmacx-$SUF" "X-Hub-Signature: $sig"
	expect 401 invalid_signature
	post "hmacx-$SUF" "x-signature: v1=$sig"
	expect 401 missing_signature
	# The secret read as text signs something else.
	sig=$(openssl dgst -sha512 -hmac "$b64" -binary <"$F" | base64 -w0)
	post "hmacx-$SUF" "X-Hub-Signature: v1=$sig"
	expect 401 invalid_signature
}

@test "hmac: the timestamp header can be renamed, and {timestamp}.{body} stays checked for freshness" {
	local now sig
	admin integration create "$ORG" --provider vapi --id "hmact-$SUF" --secret "$VAPI_HMAC_KEY" \
	    --vapi-auth hmac --hmac-algorithm sha1 --hmac-timestamp-header X-Sent-At >/dev/null
	now=$(date +%s)
	sig=$({ printf '%s.' "$now"; cat "$F"; } | openssl dgst -sha1 -hmac "$VAPI_HMAC_KEY" -r | cut -d' ' -f1)
	post "hmact-$SUF" "X-Sent-At: $now" "x-signature: $sig"
	expect 200
	post "hmact-$SUF" "x-timestamp: $now" "x-signature: $sig"
	expect 401 missing_signature
	sig=$({ printf '%s.' "$((now - 400))"; cat "$F"; } | openssl dgst -sha1 -hmac "$VAPI_HMAC_KEY" -r | cut -d' ' -f1)
	post "hmact-$SUF" "X-Sent-At: $((now - 400))" "x-signature: $sig"
	expect 401 stale_timestamp
}

@test "integration update moves an integration to another credential; the old one is refused" {
	admin integration create "$ORG" --provider vapi --id "moving-$SUF" --secret "$VAPI_SECRET" >/dev/null
	post "moving-$SUF" "x-vapi-secret: $VAPI_SECRET"
	expect 200
	run admin integration update "moving-$SUF" --vapi-auth bearer
	[ "$status" -eq 0 ]
	post "moving-$SUF" "x-vapi-secret: $VAPI_SECRET"
	expect 401 missing_signature
	F=$FIX/vapi/outbound-no-answer.2.status-update.ringing.json
	post "moving-$SUF" "Authorization: Bearer $VAPI_SECRET"
	expect 200
}

@test "integration create and update refuse what cannot verify, and change nothing then" {
	run admin integration create "$ORG" --provider vapi --id "bad1-$SUF" --secret "$VAPI_SECRET" \
	    --vapi-auth oauth2
	[ "$status" -eq 2 ]
	run admin integration create "$ORG" --provider vapi --id "bad2-$SUF" --secret "$VAPI_SECRET" \
	    --vapi-auth bearer --bearer-header 'X Bad:Header'
	[ "$status" -eq 2 ]
	run admin integration create "$ORG" --provider vapi --id "bad3-$SUF" --secret "$VAPI_SECRET" \
	    --vapi-auth hmac --hmac-payload '{method}.{body}'
	[ "$status" -eq 2 ]
	run admin integration create "$ORG" --provider vapi --id "bad4-$SUF" --secret 'not-base64-secret!' \
	    --vapi-auth hmac --hmac-secret-base64 on
	[ "$status" -eq 1 ]
	[[ "$output" == *"Base64"* ]]
	[[ "$output" != *"not-base64-secret!"* ]]
	run admin integration create "$ORG" --provider vapi --id "bad5-$SUF" --secret "$VAPI_SECRET" \
	    --bearer-prefix maybe
	[ "$status" -eq 2 ]
	[ "$(psql -X -At -c "SELECT count(*) FROM integrations WHERE id LIKE 'bad_-$SUF'")" = 0 ]
	run admin integration update "vapi-$SUF" --hmac-secret-base64 on
	[ "$status" -eq 1 ]
	[ "$(psql -X -At -c "SELECT hmac_secret_base64 FROM integrations WHERE id = 'vapi-$SUF'")" = f ]
	run admin integration update "retell-$SUF" --vapi-auth bearer
	[ "$status" -eq 1 ]
	run admin integration update "nope-$SUF" --vapi-auth bearer
	[ "$status" -eq 1 ]
}
