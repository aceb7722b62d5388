#!/usr/bin/env bats
# twilio-status end to end: nginx → twilio-status → PostgreSQL, signed at
# send time over the integration's public URL, checked in the database.

load helpers
load manifest

setup_file() {
	make_fixture_org
}

T=$CALLTRACK_FIXTURES/twilio

# Sends a form body (a file) signed for URL (default: the public URL).
twilio() {	# FILE [URL [TOKEN [QUERY]]]
	req POST "/hooks/twilio/twilio-$SUF${4:+?$4}" \
	    -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H "$(twilio_sig "$1" "${2:-$TWILIO_PUBLIC_URL}" "${3:-}")" --data-binary @"$1"
}

# Writes FILE with its CallSid replaced.
variant() {	# FILE NEW-SID [SED-EXPRESSION]
	local out=$BATS_FILE_TMPDIR/$2.$(basename "$1")
	sed -e "s/CallSid=CA[0-9a-f]\{32\}/CallSid=$2/" ${3:+-e "$3"} "$1" >"$out"
	echo "$out"
}

state() { call_state twilio "$1"; }
field() { jq -r ".$2" <<<"$(state "$1")"; }

@test "every Twilio scenario of the manifest, each callback sent twice, lands as expected" {
	replay_provider twilio
	check_provider twilio
}

@test "callbacks in reverse order end as in order; a late lower sequence changes nothing" {
	local i f
	for i in 4 3 2 1; do
		f=$(variant "$(ls "$T"/outbound-completed.$i.*.form)" CArev1)
		twilio "$f"; expect 200
	done
	[ "$(field CArev1 status)" = completed ]
	[ "$(field CArev1 duration_seconds)" = 73 ]
	[ "$(field CArev1 ended_at)" = 2026-01-06T19:46:33.000Z ]
	[ "$(field CArev1 last_sequence_number)" = 3 ]
	run psql -X -At -c "SELECT count(*) FROM call_events WHERE org_id = '$ORG' AND provider_call_id = 'CArev1'"
	[ "$output" = 4 ]
}

@test "a completed callback answered by a machine is voicemail" {
	local f
	f=$(variant "$T/outbound-completed.4.completed.form" CAmach1 's/SequenceNumber=3/SequenceNumber=3\&AnsweredBy=machine_end_beep/')
	twilio "$f"; expect 200
	[ "$(field CAmach1 status)" = voicemail ]
	[ "$(field CAmach1 end_call_reason)" = voicemail ]
}

@test "a signature made over the URL with :443 is accepted" {
	local f
	f=$(variant "$T/outbound-busy.form" CAport1)
	twilio "$f" "https://calls.example.com:443/hooks/twilio/twilio-test"
	expect 200
	[ "$(field CAport1 status)" = busy ]
}

@test "a stored URL without a query: the query the callback carries is signed too" {
	local f
	f=$(variant "$T/outbound-no-answer.form" CAquery1)
	twilio "$f" "$TWILIO_PUBLIC_URL?tenant=acme&x=1" "" "tenant=acme&x=1"
	expect 200
	[ "$(field CAquery1 status)" = no-answer ]
	# Signed without the query it carries: refused.
	f=$(variant "$T/outbound-no-answer.form" CAquery2)
	twilio "$f" "$TWILIO_PUBLIC_URL" "" "tenant=acme"
	expect 401 invalid_signature
}

@test "a wrong token is refused and kept" {
	local f
	f=$(variant "$T/outbound-failed.form" CAwrong1)
	twilio "$f" "$TWILIO_PUBLIC_URL" 00000000000000000000000000000000
	expect 401 invalid_signature
	[ "$(state CAwrong1)" = "" ]
	[ "$(rejections "twilio-$SUF" invalid_signature)" -ge 1 ]
}

@test "a non-ASCII CallerName on an inbound call names the contact, exactly" {
	local f
	f=$(variant "$T/inbound-completed.form" CAname1 's/&FromState=CA/\&FromState=CA\&CallerName=ZO%C3%8B+O%27BRIEN+%F0%9F%93%9E/')
	twilio "$f"; expect 200
	[ "$(field CAname1 contact_name)" = "ZOË O'BRIEN 📞" ]
	[ "$(field CAname1 name_source)" = contact ]
	# A placeholder from caller-ID lookup names nobody.
	f=$(variant "$T/inbound-completed.form" CAname2 's/&FromState=CA/\&FromState=CA\&CallerName=WIRELESS+CALLER/; s/From=%2B14155550131/From=%2B14155550132/; s/Caller=%2B14155550131/Caller=%2B14155550132/')
	twilio "$f"; expect 200
	[ "$(field CAname2 contact_name)" = null ]
	[ "$(field CAname2 caller_name)" = +14155550132 ]
}

@test "empty parameters and numberless callers are unknown, not errors" {
	local f
	f=$(variant "$T/inbound-completed.form" CAempty1 's/From=%2B14155550131/From=Anonymous/; s/&CallDuration=212/\&CallDuration=/; s/&ToState=CA/\&ToState=\&ForwardedFrom=/')
	twilio "$f"; expect 200
	[ "$(field CAempty1 status)" = completed ]
	[ "$(field CAempty1 phone_number)" = null ]
	[ "$(field CAempty1 phone_raw)" = Anonymous ]
	[ "$(field CAempty1 caller_name)" = Unknown ]
	f=$(variant "$T/inbound-completed.form" CAclient1 's/From=%2B14155550131/From=client%3Aalice/')
	twilio "$f"; expect 200
	[ "$(field CAclient1 phone_number)" = null ]
}

@test "a completed call makes a new lead contacted, at the callback's time" {
	local f
	f=$(variant "$T/inbound-completed.form" CAlead1 's/From=%2B14155550131/From=%2B14155550777/')
	twilio "$f"; expect 200
	run psql -X -At -c "SELECT lead_status, last_contacted_at = '2026-01-07T14:22:48Z'
	    FROM contacts WHERE org_id = '$ORG' AND phone = '+14155550777'"
	[ "$output" = "contacted|t" ]
}

@test "a form without CallSid is 400, with a bad escape is refused" {
	printf 'CallStatus=completed' >"$BATS_FILE_TMPDIR/nosid.form"
	twilio "$BATS_FILE_TMPDIR/nosid.form"
	expect 400 missing_call_id
	printf 'CallSid=CA1&CallStatus=%%zz' >"$BATS_FILE_TMPDIR/bad.form"
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H 'X-Twilio-Signature: x' --data-binary @"$BATS_FILE_TMPDIR/bad.form"
	expect 401 invalid_signature
}

# "X-Twilio-Signature: …" over a URL alone, as Twilio signs a JSON body.
url_sig() {	# URL
	printf 'X-Twilio-Signature: %s' "$(printf '%s' "$1" |
	    openssl dgst -sha1 -hmac "$TWILIO_TOKEN" -binary | base64)"
}

@test "a JSON body verifies only through bodySHA256: without it 401 and kept, a wrong hash 401, the right one 200" {
	local f=$BATS_TEST_TMPDIR/cb.json h wrong before
	printf '%s' '{"CallSid":"CAjson1","CallStatus":"completed","CallDuration":"12","Direction":"outbound-api","To":"+14155550190"}' >"$f"
	h=$(sha256sum <"$f" | cut -d' ' -f1)
	wrong=$(printf '{}' | sha256sum | cut -d' ' -f1)
	before=$(rejections "twilio-$SUF" invalid_signature)
	# A signature of the URL alone, as any JSON callback of this
	# integration without bodySHA256 carries: it covers no body.
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: application/json' \
	    -H "$(url_sig "$TWILIO_PUBLIC_URL")" --data-binary @"$f"
	expect 401 invalid_signature
	[ "$(state CAjson1)" = "" ]
	[ "$(rejections "twilio-$SUF" invalid_signature)" -eq $((before + 1)) ]
	run psql -X -At -c "SELECT count(*) FROM rejected_events WHERE integration_id = 'twilio-$SUF'
	    AND reason = 'invalid_signature' AND md5(body) = '$(md5sum <"$f" | cut -d' ' -f1)'"
	[ "$output" = 1 ]
	# The hash of another body, in a URL signed right.
	req POST "/hooks/twilio/twilio-$SUF?bodySHA256=$wrong" -H 'Content-Type: application/json' \
	    -H "$(url_sig "$TWILIO_PUBLIC_URL?bodySHA256=$wrong")" --data-binary @"$f"
	expect 401 invalid_signature
	[ "$(state CAjson1)" = "" ]
	[ "$(rejections "twilio-$SUF" invalid_signature)" -eq $((before + 2)) ]
	# The body's own hash.
	req POST "/hooks/twilio/twilio-$SUF?bodySHA256=$h" -H 'Content-Type: application/json' \
	    -H "$(url_sig "$TWILIO_PUBLIC_URL?bodySHA256=$h")" --data-binary @"$f"
	expect 200
	[ "$(field CAjson1 status)" = completed ]
	[ "$(field CAjson1 duration_seconds)" = 12 ]
}
