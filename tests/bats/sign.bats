#!/usr/bin/env bats
# tools/sign: the headers it prints are what each provider's scheme
# sends, so a callback it signed is accepted by the real programs behind
# nginx; and it never takes a secret from the command line.

load helpers

bats_require_minimum_version 1.5.0

SIGN=$CALLTRACK_ROOT/tools/sign

setup_file() {
	make_fixture_org
	# A Vapi HMAC credential with every option away from its default.
	"$CALLTRACK_ADMIN" integration create "$ORG" --provider vapi --id "vapih512-$SUF" \
	    --secret "$VAPI_HMAC_KEY" --vapi-auth hmac --hmac-algorithm sha512 \
	    --hmac-encoding base64 --hmac-prefix 'v1=' >/dev/null
}

# The status of one call of this file's org.
status_of() {	# PROVIDER CALL-ID
	psql -X -At -c "SELECT status FROM calls WHERE org_id = '$ORG' AND provider = '$1'
	    AND provider_call_id = '$2'"
}

# tools/sign with the secret in the environment; sets SIGNED (its output).
sign() {	# SECRET SCHEME FILE [OPTIONS...]
	local secret=$1
	shift
	SIGNED=$(CALLTRACK_SIGN_SECRET=$secret "$SIGN" "$@")
}

# The -H arguments for every header line of SIGNED but URL:.
headers() {
	local line
	HDR=()
	while IFS= read -r line; do
		[[ $line == URL:* ]] || HDR+=(-H "$line")
	done <<<"$SIGNED"
}

@test "a Retell body signed by tools/sign is accepted (200); signed with another key, 401" {
	local f=$FIX/retell/booking-succeeded.1.call_started.json
	sign "$RETELL_KEY" retell "$f"
	[[ $SIGNED =~ ^x-retell-signature:\ v=[0-9]{13},d=[0-9a-f]{64}$ ]]
	headers
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' "${HDR[@]}" \
	    --data-binary @"$f"
	expect 200
	[ "$(status_of retell call_8e41c7a2d9f0b3e5c1a7d2f4e6b)" = in-progress ]
	sign key_wrong_000000000000000000000000 retell "$f"
	headers
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' "${HDR[@]}" \
	    --data-binary @"$f"
	expect 401 invalid_signature
}

@test "a Twilio form signed by tools/sign for the public URL is accepted (200); for another URL, 401" {
	local f=$FIX/twilio/outbound-busy.form
	sign "$TWILIO_TOKEN" twilio "$f" --url "$TWILIO_PUBLIC_URL"
	[[ $SIGNED =~ ^X-Twilio-Signature:\ [A-Za-z0-9+/]{27}=$ ]]
	headers
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: application/x-www-form-urlencoded' \
	    "${HDR[@]}" --data-binary @"$f"
	expect 200
	[ "$(status_of twilio CA1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f)" = busy ]
	sign "$TWILIO_TOKEN" twilio "$FIX/twilio/outbound-failed.form" --url "$TWILIO_PUBLIC_URL/other"
	headers
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: application/x-www-form-urlencoded' \
	    "${HDR[@]}" --data-binary @"$FIX/twilio/outbound-failed.form"
	expect 401 invalid_signature
}

@test "a Twilio JSON body signed by tools/sign: the URL it prints carries bodySHA256, and is accepted (200)" {
	local f=$BATS_TEST_TMPDIR/cb.json url
	printf '%s' '{"CallSid":"CAsign0001","CallStatus":"completed","CallDuration":"31","Direction":"outbound-api","To":"+14155550191"}' >"$f"
	sign "$TWILIO_TOKEN" twilio-json "$f" --url "$TWILIO_PUBLIC_URL"
	url=$(sed -n 's/^URL: //p' <<<"$SIGNED")
	[ "$url" = "$TWILIO_PUBLIC_URL?bodySHA256=$(sha256sum <"$f" | cut -d' ' -f1)" ]
	[ "$(grep -c '^X-Twilio-Signature: ' <<<"$SIGNED")" = 1 ]
	headers
	req POST "/hooks/twilio/twilio-$SUF?${url#*\?}" -H 'Content-Type: application/json' \
	    "${HDR[@]}" --data-binary @"$f"
	expect 200
	[ "$(status_of twilio CAsign0001)" = completed ]
}

@test "a Vapi HMAC body signed by tools/sign is accepted (200), default and with --alg --encoding --prefix" {
	local f=$FIX/vapi/outbound-busy.1.status-update.queued.json
	local g=$FIX/vapi/outbound-busy.2.end-of-call-report.json
	sign "$VAPI_HMAC_KEY" vapi-hmac "$f"
	[[ $(sed -n 1p <<<"$SIGNED") =~ ^x-timestamp:\ [0-9]{10}$ ]]
	[[ $(sed -n 2p <<<"$SIGNED") =~ ^x-signature:\ [0-9a-f]{64}$ ]]
	headers
	req POST "/hooks/vapi/vapihmac-$SUF" -H 'Content-Type: application/json' "${HDR[@]}" \
	    --data-binary @"$f"
	expect 200
	[ "$(status_of vapi 019b951c-71a4-7e95-b3d0-1c7e4a9f2b84)" = queued ]
	# The sha512, base64, prefixed credential: its default-signed body is
	# refused, the body signed with its options accepted.
	sign "$VAPI_HMAC_KEY" vapi-hmac "$g"
	headers
	req POST "/hooks/vapi/vapih512-$SUF" -H 'Content-Type: application/json' "${HDR[@]}" \
	    --data-binary @"$g"
	expect 401 invalid_signature
	sign "$VAPI_HMAC_KEY" vapi-hmac "$g" --alg sha512 --encoding base64 --prefix 'v1='
	[[ $(sed -n 2p <<<"$SIGNED") =~ ^x-signature:\ v1=[A-Za-z0-9+/]{86}==$ ]]
	headers
	req POST "/hooks/vapi/vapih512-$SUF" -H 'Content-Type: application/json' "${HDR[@]}" \
	    --data-binary @"$g"
	expect 200
	[ "$(status_of vapi 019b951c-71a4-7e95-b3d0-1c7e4a9f2b84)" = busy ]
}

@test "tools/sign's vapi-bearer and vapi-hmac with every credential option are accepted by integrations set so" {
	local f=$FIX/vapi/outbound-busy.1.status-update.queued.json b64
	b64=$(head -c 32 /dev/urandom | base64 -w0)
	"$CALLTRACK_ADMIN" integration create "$ORG" --provider vapi --id "sgbear-$SUF" \
	    --secret "$VAPI_SECRET" --vapi-auth bearer --bearer-header X-Key --bearer-prefix off >/dev/null
	"$CALLTRACK_ADMIN" integration create "$ORG" --provider vapi --id "sghmac-$SUF" \
	    --secret "$b64" --vapi-auth hmac --hmac-payload '{body}' --hmac-secret-base64 on \
	    --hmac-signature-header X-Sig >/dev/null
	sign "$VAPI_SECRET" vapi-bearer "$f" --header X-Key --no-prefix
	[ "$SIGNED" = "X-Key: $VAPI_SECRET" ]
	headers
	req POST "/hooks/vapi/sgbear-$SUF" -H 'Content-Type: application/json' "${HDR[@]}" --data-binary @"$f"
	expect 200
	sign "$VAPI_SECRET" vapi-bearer "$f"
	[ "$SIGNED" = "Authorization: Bearer $VAPI_SECRET" ]
	sign "$b64" vapi-hmac "$f" --payload '{body}' --secret-base64 --signature-header X-Sig
	headers
	req POST "/hooks/vapi/sghmac-$SUF" -H 'Content-Type: application/json' "${HDR[@]}" --data-binary @"$f"
	expect 200
	# Without --secret-base64 the same secret signs something else.
	sign "$b64" vapi-hmac "$f" --payload '{body}' --signature-header X-Sig
	headers
	req POST "/hooks/vapi/sghmac-$SUF" -H 'Content-Type: application/json' "${HDR[@]}" --data-binary @"$f"
	expect 401 invalid_signature
	run -2 env CALLTRACK_SIGN_SECRET=x "$SIGN" vapi "$f" --no-prefix
	run -2 env CALLTRACK_SIGN_SECRET=x "$SIGN" vapi-bearer "$f" --payload '{body}'
}

@test "the Vapi static secret header, and output ready for curl -H @-" {
	local f=$FIX/vapi/outbound-voicemail.end-of-call-report.json
	run bash -c "CALLTRACK_SIGN_SECRET='$VAPI_SECRET' '$SIGN' vapi '$f' |
	    curl -sS -o /dev/null -w '%{http_code}' -X POST '$CALLTRACK_URL/hooks/vapi/vapi-$SUF' \
	    -H @- -H 'Content-Type: application/json' --data-binary @'$f'"
	[ "$status" -eq 0 ]
	[ "$output" = 200 ]
	[ "$(status_of vapi 019b95b5-8e3a-7c62-a7d9-4f1b8e2c6a27)" = voicemail ]
}

@test "--secret - reads the secret from standard input's first line" {
	local f=$FIX/retell/no-booking.1.call_started.json
	SIGNED=$(printf '%s\nsecond line\n' "$RETELL_KEY" | env -u CALLTRACK_SIGN_SECRET "$SIGN" retell "$f" --secret -)
	headers
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' "${HDR[@]}" \
	    --data-binary @"$f"
	expect 200
	# Standard input wins over the environment.
	SIGNED=$(printf '%s\n' "$RETELL_KEY" | CALLTRACK_SIGN_SECRET=key_wrong_0000000000 "$SIGN" retell "$f" --secret -)
	headers
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' "${HDR[@]}" \
	    --data-binary @"$f"
	expect 200
}

@test "a secret on the command line is refused (exit 2, nothing printed), in either spelling" {
	local f=$FIX/retell/no-booking.1.call_started.json
	run --separate-stderr env CALLTRACK_SIGN_SECRET="$RETELL_KEY" "$SIGN" retell "$f" --secret "$RETELL_KEY"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[[ $stderr == *"--secret takes only \"-\""* ]]
	run --separate-stderr "$SIGN" twilio "$FIX/twilio/outbound-busy.form" --url "$TWILIO_PUBLIC_URL" \
	    "--secret=$TWILIO_TOKEN"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	# No secret at all, or an empty one, is a usage error too.
	run --separate-stderr env -u CALLTRACK_SIGN_SECRET "$SIGN" retell "$f"
	[ "$status" -eq 2 ]
	[[ $stderr == *CALLTRACK_SIGN_SECRET* ]]
	run --separate-stderr bash -c "printf '\n' | '$SIGN' retell '$f' --secret -"
	[ "$status" -eq 2 ]
	# Twilio without --url cannot be signed.
	run --separate-stderr env CALLTRACK_SIGN_SECRET="$TWILIO_TOKEN" "$SIGN" twilio "$FIX/twilio/outbound-busy.form"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
}

@test "tools/sign agrees with the published vectors of tests/fixtures/signatures.md" {
	local body=$BATS_TEST_TMPDIR/t1.form v2=$BATS_TEST_TMPDIR/v2.json
	# T1: Twilio's own known answer.
	printf '%s' 'CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212' >"$body"
	sign 12345 twilio "$body" --url 'https://mycompany.com/myapp.php?foo=1&bar=2'
	[ "$SIGNED" = "X-Twilio-Signature: RSOYDt4T1cUTdK1PDd93/VVr8B8=" ]
	# R2: a whole fixture file at a fixed time.
	sign "$RETELL_KEY" retell "$FIX/retell/booking-succeeded.1.call_started.json" --ts 1770000000000
	[ "$SIGNED" = "x-retell-signature: v=1770000000000,d=d7651c345f7958fe237b4e761012eed6fadba68569b7f46dfd23aea6dcc48570" ]
	# V2 and V3: Vapi HMAC, hex, then base64 with a prefix.
	printf '%s' '{"message":{"type":"status-update","status":"in-progress","call":{"id":"019b94d2-6a1f-7c3e-9b2d-4f8a1e6c0d21"}}}' >"$v2"
	sign "$VAPI_HMAC_KEY" vapi-hmac "$v2" --ts 1770000000
	[ "$SIGNED" = "x-timestamp: 1770000000
x-signature: cc84231f8bf99e1d42c284804bbb2f695aa410207b64b216964c84f278b4dd0a" ]
	sign "$VAPI_HMAC_KEY" vapi-hmac "$v2" --ts 1770000000 --encoding base64 --prefix sha256=
	[ "$(sed -n 2p <<<"$SIGNED")" = "x-signature: sha256=zIQjH4v5nh1CwoSAS7svaVqkECB7ZLIWlkyE8ni03Qo=" ]
}
