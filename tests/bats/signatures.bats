#!/usr/bin/env bats
# Each provider's signature scheme end to end: what is accepted, what is
# not, rotation, replay windows, and Twilio behind a TLS terminator.

load helpers

setup_file() {
	make_fixture_org
}

@test "vapi: the static secret is accepted, stored, and a duplicate changes nothing" {
	local f=$FIX/vapi/inbound-completed.3.status-update.in-progress.json
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "X-Vapi-Secret: $VAPI_SECRET" --data-binary @"$f"
	expect 200
	[ "$(jq -r .outcome <<<"$BODY")" = applied ]
	[[ "$(jq -r .call_id <<<"$BODY")" =~ ^[0-9a-f-]{36}$ ]]
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary @"$f"
	expect 200
	[ "$(jq -r .outcome <<<"$BODY")" = duplicate ]
	# Kept byte for byte: the stored payload hashes like the file.
	run psql -X -At -c "SELECT count(*), min(event_type), min(provider_call_id),
	    min(encode(sha256(payload), 'hex'))
	    FROM call_events WHERE integration_id = 'vapi-$SUF'"
	[ "$output" = "1|status-update|019b94d2-6a1f-7c3e-9b2d-4f8a1e6c0d21|$(openssl dgst -sha256 -r "$f" | cut -d' ' -f1)" ]
}

@test "vapi: the HMAC credential is verified over timestamp.body with a 5-minute window" {
	local f=$FIX/vapi/outbound-no-answer.1.status-update.queued.json now
	now=$(date +%s)
	req POST "/hooks/vapi/vapihmac-$SUF" -H 'Content-Type: application/json' -H "x-timestamp: $now" \
	    -H "x-signature: $(vapi_hmac_sig "$f" "$now")" --data-binary @"$f"
	expect 200
	# Milliseconds are accepted too: the unit is not documented.
	f=$FIX/vapi/outbound-no-answer.2.status-update.ringing.json
	req POST "/hooks/vapi/vapihmac-$SUF" -H 'Content-Type: application/json' -H "x-timestamp: ${now}000" \
	    -H "x-signature: $(vapi_hmac_sig "$f" "${now}000")" --data-binary @"$f"
	expect 200
	f=$FIX/vapi/outbound-no-answer.3.status-update.ended.json
	req POST "/hooks/vapi/vapihmac-$SUF" -H 'Content-Type: application/json' -H "x-timestamp: $((now - 301))" \
	    -H "x-signature: $(vapi_hmac_sig "$f" "$((now - 301))")" --data-binary @"$f"
	expect 401 stale_timestamp
	req POST "/hooks/vapi/vapihmac-$SUF" -H 'Content-Type: application/json' -H "x-timestamp: $((now + 400))" \
	    -H "x-signature: $(vapi_hmac_sig "$f" "$((now + 400))")" --data-binary @"$f"
	expect 401 stale_timestamp
	req POST "/hooks/vapi/vapihmac-$SUF" -H 'Content-Type: application/json' -H "x-timestamp: $now" \
	    -H "x-signature: $(vapi_hmac_sig "$f" "$((now + 1))")" --data-binary @"$f"
	expect 401 invalid_signature
	# The static header means nothing to an HMAC integration.
	req POST "/hooks/vapi/vapihmac-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_HMAC_KEY" --data-binary @"$f"
	expect 401 missing_signature
}

@test "retell: v=ms,d=hex over the raw body, 5 minutes either way" {
	local f=$FIX/retell/booking-succeeded.1.call_started.json now
	now=$(date +%s%3N)
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' \
	    -H "x-retell-signature: $(retell_sig "$f" "$RETELL_KEY" "$now")" --data-binary @"$f"
	expect 200
	f=$FIX/retell/booking-succeeded.2.call_ended.json
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' \
	    -H "x-retell-signature: $(retell_sig "$f" "$RETELL_KEY" $((now - 301000)))" --data-binary @"$f"
	expect 401 stale_timestamp
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' \
	    -H "x-retell-signature: $(retell_sig "$f" "$RETELL_KEY" $((now + 301000)))" --data-binary @"$f"
	expect 401 stale_timestamp
	# The published vector is five minutes old by now: refused as stale.
	f=$FIX/retell/booking-succeeded.1.call_started.json
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' \
	    -H "x-retell-signature: v=1770000000000,d=d7651c345f7958fe237b4e761012eed6fadba68569b7f46dfd23aea6dcc48570" \
	    --data-binary @"$f"
	expect 401 stale_timestamp
}

@test "retell: a rotated key is accepted beside the old one until it is retired" {
	local f=$FIX/retell/no-booking.1.call_started.json new=key_rotated_9a8b7c6d5e4f
	"$CALLTRACK_ADMIN" integration rotate "retell-$SUF" --secret "$new"
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' \
	    -H "x-retell-signature: $(retell_sig "$f" "$new")" --data-binary @"$f"
	expect 200
	f=$FIX/retell/no-booking.2.call_ended.json
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' \
	    -H "x-retell-signature: $(retell_sig "$f" "$RETELL_KEY")" --data-binary @"$f"
	expect 200
	"$CALLTRACK_ADMIN" integration retire-secret "retell-$SUF"
	f=$FIX/retell/no-booking.3.call_analyzed.json
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' \
	    -H "x-retell-signature: $(retell_sig "$f" "$RETELL_KEY")" --data-binary @"$f"
	expect 401 invalid_signature
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' \
	    -H "x-retell-signature: $(retell_sig "$f" "$new")" --data-binary @"$f"
	expect 200
}

@test "twilio: verified against the stored public https URL behind the proxy" {
	# nginx sees http://127.0.0.1:<port>/hooks/twilio/twilio-<suffix>;
	# Twilio signed https://calls.example.com/hooks/twilio/twilio-test.
	local f=$FIX/twilio/outbound-completed.4.completed.form
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H 'X-Twilio-Signature: 6Ya6Jj6TThlr2q3SjAt0J1ORuMU=' --data-binary @"$f"
	expect 200
	[ "$(jq -r .outcome <<<"$BODY")" = applied ]
	# One changed byte fails.
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H 'X-Twilio-Signature: 6Ya6Jj6TThlr2q3SjAt0J1ORuMU=' \
	    --data-binary "$(sed 's/CallDuration=73/CallDuration=74/' "$f")"
	expect 401 invalid_signature
	run psql -X -At -c "SELECT event_type, provider_call_id FROM call_events WHERE integration_id = 'twilio-$SUF'"
	[ "$output" = "completed|CA0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e" ]
}

@test "twilio: the signature made with :443 is accepted too" {
	local body='CallSid=CA0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e&CallStatus=completed&CallDuration=73&From=%2B14155550102&To=%2B14155550176&Timestamp=Tue%2C%2006%20Jan%202026%2019%3A46%3A33%20%2B0000&Direction=outbound-api'
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H 'X-Twilio-Signature: DZS9B57IP0aHFJv5yAKnfR7rpNc=' --data-binary "$body"
	expect 200
}

@test "twilio: a JSON body is verified through bodySHA256 in the query string" {
	local body='{"CallSid":"CA0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e","CallStatus":"completed"}'
	local q=bodySHA256=01772b6df57982015a1ad153ec6c072b06b5fe605dc22fbdcaa45f1cbf1e1eb2
	req POST "/hooks/twilio/twilio-$SUF?$q" -H 'Content-Type: application/json' \
	    -H 'X-Twilio-Signature: DepMY0av+sUDOtw2GKqQmInNA9I=' --data-binary "$body"
	expect 200
	req POST "/hooks/twilio/twilio-$SUF?$q" -H 'Content-Type: application/json' \
	    -H 'X-Twilio-Signature: DepMY0av+sUDOtw2GKqQmInNA9I=' --data-binary "${body% }"' '
	expect 401 invalid_signature
}
