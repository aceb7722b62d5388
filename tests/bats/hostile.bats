#!/usr/bin/env bats
# Hostile input against the real stack: every case gets its 4xx (never a
# 5xx), is kept in rejected_events, and the workers' memory stays flat;
# the contacts API's writes refuse what is not a contact's field, changing
# nothing.

load helpers
load contacts

setup_file() {
	make_fixture_org
}

# POSTs a body file, correctly signed for Vapi's static secret.
vapi_file() {
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary @"$1"
}

kept() {	# REASON: how many rejections of this org have it
	psql -X -At -c "SELECT count(*) FROM rejected_events WHERE integration_id = 'vapi-$SUF' AND reason = '$1'"
}

# Resident memory (kB) of the vapi-hook workers, summed.
rss() {
	local total=0 pid
	for pid in $(cat "$CALLTRACK_STACK/run/vapi-hook.pid"); do
		total=$((total + $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")))
	done
	echo "$total"
}

@test "truncated JSON, trailing garbage, a second document: 400, kept" {
	local f=$BATS_FILE_TMPDIR/b.json before
	before=$(kept malformed_body)
	printf '{"message":{"type":"status-update","call":{"id":"x"}' >"$f"
	vapi_file "$f"; expect 400 malformed_body
	printf '{"message":{"type":"status-update","call":{"id":"x"}}}garbage' >"$f"
	vapi_file "$f"; expect 400 malformed_body
	printf '{"message":{"type":"status-update","call":{"id":"x"}}}{}' >"$f"
	vapi_file "$f"; expect 400 malformed_body
	[ "$(kept malformed_body)" -eq $((before + 3)) ]
}

@test "nesting 33 deep and 100,000 deep: 400, and the worker lives on" {
	local f=$BATS_FILE_TMPDIR/deep.json pids
	pids=$(cat "$CALLTRACK_STACK/run/vapi-hook.pid")
	{ printf '{"message":{"type":"status-update","call":{"id":"x"},"deep":'
	  printf '[%.0s' $(seq 31); printf '1'; printf ']%.0s' $(seq 31); printf '}}'; } >"$f"
	vapi_file "$f"; expect 400 malformed_body
	{ printf '{"message":'; head -c 100000 /dev/zero | tr '\0' '['; } >"$f"
	vapi_file "$f"; expect 400 malformed_body
	head -c 100000 /dev/zero | tr '\0' '{' >"$f"
	vapi_file "$f"; expect 400 malformed_body
	for pid in $pids; do kill -0 "$pid"; done
}

@test "invalid UTF-8 (C3 28, overlong C0 AF, surrogate ED A0 80) and a NUL: 400, kept byte for byte" {
	local f=$BATS_FILE_TMPDIR/u.json seq
	for seq in '\xc3\x28' '\xc0\xaf' '\xed\xa0\x80' '\x00'; do
		printf '{"message":{"type":"status-update","call":{"id":"u'"$seq"'"}}}' >"$f"
		vapi_file "$f"
		expect 400 malformed_body
	done
	run psql -X -At -c "SELECT count(*) FROM rejected_events WHERE integration_id = 'vapi-$SUF'
	    AND reason = 'malformed_body' AND position('\xeda080'::bytea in body) > 0"
	[ "$output" -ge 1 ]
}

@test "a 10 KB signature header, a slug of control characters, a huge Content-Length" {
	local sig
	sig=$(head -c 10000 /dev/zero | tr '\0' 'a')
	# Over nginx's header buffers: refused by nginx, in the API's shape.
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $sig" --data '{"message":{"type":"x","call":{"id":"y"}}}'
	expect 431 header_too_large
	# Under them: a wrong secret like any other.
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: ${sig:0:4000}" --data '{"message":{"type":"x","call":{"id":"y"}}}'
	expect 401 invalid_signature
	req POST "/hooks/vapi/%01%02%0a" -H 'Content-Type: application/json' --data '{}'
	expect 404 unknown_integration
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H 'Content-Length: 99999999999999999999' --data '{}'
	[[ "$CODE" == 4?? ]]
}

@test "a signed body whose fields are all the wrong types is applied or parked, never a 5xx" {
	local f=$BATS_FILE_TMPDIR/types.json
	printf '%s' '{"message":{"type":"end-of-call-report","endedReason":17,"startedAt":[],"endedAt":{},
	  "cost":"NaN","durationSeconds":"-5","analysis":"x","artifact":{"messages":{"a":1},"transcript":7},
	  "call":{"id":"types-1","type":42,"customer":{"number":["+14155550123"],"name":{"first":"A"}}}}}' >"$f"
	vapi_file "$f"
	[[ "$CODE" == 20? ]]
	run psql -X -At -c "SELECT status, cost IS NULL, phone_number IS NULL FROM calls
	    WHERE org_id = '$ORG' AND provider_call_id = 'types-1'"
	[ "$output" = "failed|t|t" ]
}

@test "a signed body with \\u0000 in free text is applied without that field and kept byte for byte" {
	local f=$BATS_TEST_TMPDIR/nul.json
	printf '%s' '{"message":{"type":"status-update","status":"queued","call":{"id":"nul-1","customer":{"number":"+14155550177","name":"Ann\u0000Lee"}}}}' >"$f"
	vapi_file "$f"
	expect 200
	[ "$(jq -r .outcome <<<"$BODY")" = applied ]
	# The raw event is the exact bytes (jsonb would refuse \u0000).
	[ "$(psql -X -At -c "SELECT md5(payload) FROM call_events WHERE org_id = '$ORG'
	    AND provider_call_id = 'nul-1'")" = "$(md5sum <"$f" | cut -d' ' -f1)" ]
	# The name is dropped, not cut to "Ann".
	[ "$(psql -X -At -c "SELECT count(*) FROM contacts WHERE org_id = '$ORG' AND name IS NOT NULL
	    AND phone = '+14155550177'")" = 0 ]
	# Metadata holding one is dropped too (jsonb refuses it): the report
	# applies instead of being parked.
	printf '%s' '{"message":{"type":"end-of-call-report","endedReason":"customer-ended-call","call":{"id":"nul-2","metadata":{"note":"a\u0000b"}}}}' >"$f"
	vapi_file "$f"
	expect 200
	[ "$(jq -r .outcome <<<"$BODY")" = applied ]
	[ "$(psql -X -At -c "SELECT status || '|' || (metadata IS NULL) FROM calls WHERE org_id = '$ORG'
	    AND provider_call_id = 'nul-2'")" = "completed|true" ]
}

# Expects the last answer to be a 400 malformed_body naming FIELD, and one
# more such rejection of INTEGRATION kept, with its bytes, than BEFORE.
refused_nul() {	# FIELD INTEGRATION BEFORE FILE
	expect 400 malformed_body
	[ "$(jq -r .error.parameter <<<"$BODY")" = "$1" ] || { echo "$BODY"; return 1; }
	[ "$(rejections "$2" malformed_body)" -eq $(($3 + 1)) ]
	[ "$(psql -X -At -c "SELECT count(*) FROM rejected_events WHERE integration_id = '$2'
	    AND reason = 'malformed_body' AND detail = '$1 holds a NUL'
	    AND md5(body) = '$(md5sum <"$4" | cut -d' ' -f1)'")" = 1 ]
}

@test "vapi: a NUL in the call id, type or status is a 400 naming it, kept, and a\\u0000b never merges with a\\u0000c" {
	local f=$BATS_TEST_TMPDIR/id.json i=vapi-$SUF before id
	for id in '\u0000x' 'a\u0000b' 'a\u0000c'; do
		before=$(rejections "$i" malformed_body)
		printf '{"message":{"type":"status-update","status":"queued","call":{"id":"%s"}}}' "$id" >"$f"
		vapi_file "$f"
		refused_nul message.call.id "$i" "$before" "$f"
	done
	before=$(rejections "$i" malformed_body)
	printf '%s' '{"message":{"type":"status-update\u0000","status":"queued","call":{"id":"t-1"}}}' >"$f"
	vapi_file "$f"
	refused_nul message.type "$i" "$before" "$f"
	before=$(rejections "$i" malformed_body)
	printf '%s' '{"message":{"type":"status-update","status":"ringing\u0000x","call":{"id":"t-1"}}}' >"$f"
	vapi_file "$f"
	refused_nul message.status "$i" "$before" "$f"
	[ "$(psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$ORG'
	    AND provider_call_id IN ('', 'a', 't-1')")" = 0 ]
}

@test "retell: a NUL in the call id or the event is a 400 naming it, kept, never one call" {
	local f=$BATS_TEST_TMPDIR/id.json i=retell-$SUF before id
	for id in '\u0000x' 'a\u0000b' 'a\u0000c'; do
		before=$(rejections "$i" malformed_body)
		printf '{"event":"call_started","call":{"call_id":"%s","call_type":"phone_call"}}' "$id" >"$f"
		req POST "/hooks/retell/$i" -H 'Content-Type: application/json' \
		    -H "x-retell-signature: $(retell_sig "$f")" --data-binary @"$f"
		refused_nul call.call_id "$i" "$before" "$f"
	done
	before=$(rejections "$i" malformed_body)
	printf '%s' '{"event":"call_\u0000started","call":{"call_id":"r-1"}}' >"$f"
	req POST "/hooks/retell/$i" -H 'Content-Type: application/json' \
	    -H "x-retell-signature: $(retell_sig "$f")" --data-binary @"$f"
	refused_nul event "$i" "$before" "$f"
	[ "$(psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$ORG'
	    AND provider_call_id IN ('', 'a', 'r-1')")" = 0 ]
}

@test "twilio: %00 in CallSid, CallStatus or SequenceNumber, signed, is a 400 naming it, kept, never one call" {
	local f=$BATS_TEST_TMPDIR/id.form i=twilio-$SUF before body field
	for body in 'CallSid=%00x&CallStatus=completed' 'CallSid=a%00b&CallStatus=completed' \
	    'CallSid=a%00c&CallStatus=completed' 'CallSid=CAn1&CallStatus=completed%00' \
	    'CallSid=CAn1&CallStatus=completed&SequenceNumber=3%001'; do
		before=$(rejections "$i" malformed_body)
		printf '%s' "$body" >"$f"
		req POST "/hooks/twilio/$i" -H 'Content-Type: application/x-www-form-urlencoded' \
		    -H "$(twilio_sig "$f" "$TWILIO_PUBLIC_URL")" --data-binary @"$f"
		case $body in
		*SequenceNumber*) field=SequenceNumber ;;
		*completed%00*) field=CallStatus ;;
		*) field=CallSid ;;
		esac
		refused_nul "$field" "$i" "$before" "$f"
	done
	[ "$(psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$ORG'
	    AND provider_call_id IN ('', 'a', 'CAn1')")" = 0 ]
	# In free text it is dropped: the call applies, unnamed.
	printf '%s' 'CallSid=CAn2&CallStatus=completed&Direction=inbound&From=%2B14155550178&CallerName=ZO%00E' >"$f"
	req POST "/hooks/twilio/$i" -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H "$(twilio_sig "$f" "$TWILIO_PUBLIC_URL")" --data-binary @"$f"
	expect 200
	[ "$(psql -X -At -c "SELECT count(*) FROM contacts WHERE org_id = '$ORG' AND name IS NOT NULL
	    AND phone = '+14155550178'")" = 0 ]
}

@test "a chunked body over the limit: 413 from nginx, as JSON" {
	head -c 17000000 /dev/zero | tr '\0' 'x' >"$BATS_TEST_TMPDIR/big"
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary "@$BATS_TEST_TMPDIR/big"
	expect 413 payload_too_large
}

@test "CR or LF inside a header, ../ and %2e%2e in paths: 4xx, never a 5xx, nothing outside the routes" {
	local port=${CALLTRACK_URL##*:} answer
	# A bare CR in a header value, written raw.
	exec 5<>"/dev/tcp/127.0.0.1/$port"
	printf 'POST /hooks/vapi/vapi-%s HTTP/1.1\r\nHost: x\r\nX-Vapi-Secret: a\rInjected: b\r\nContent-Length: 2\r\n\r\n{}' "$SUF" >&5
	answer=$(timeout 10 head -1 <&5 | tr -d '\r')
	exec 5>&-
	[[ "$answer" == "HTTP/1.1 4"* ]]
	for path in "/hooks/vapi/../../etc/passwd" "/hooks/vapi/%2e%2e/%2e%2e/etc/passwd" \
	    "/hooks/vapi/..%2f..%2fapi%2fcalls" "/api/calls/..%2f..%2fetc%2fpasswd" "/%2e%2e/%2e%2e/etc/passwd"; do
		req GET "$path" --path-as-is
		[ "$CODE" -ge 400 ] && [ "$CODE" -lt 500 ] || { echo "$path: $CODE"; return 1; }
		! grep -q 'root:' <<<"$BODY"
	done
}

@test "the workers' memory stays flat under 300 hostile requests" {
	# AddressSanitizer holds freed memory in quarantine: in that build
	# LeakSanitizer, which checks every program at exit, stands for this.
	[ -z "${CALLTRACK_SANITIZE:-}" ] || skip "a sanitizer build (LeakSanitizer checks leaks there)"
	local f=$BATS_FILE_TMPDIR/m.json before after i
	{ printf '{"message":{"type":"status-update","call":{"id":"m"},"x":"'
	  head -c 200000 /dev/zero | tr '\0' 'x'; printf '"'; } >"$f"	# truncated, 200 KB
	for i in $(seq 20); do vapi_file "$f"; done	# warm up both workers
	before=$(rss)
	for i in $(seq 300); do
		curl -s -o /dev/null -X POST "$CALLTRACK_URL/hooks/vapi/vapi-$SUF" \
		    -H 'Content-Type: application/json' -H "x-vapi-secret: $VAPI_SECRET" --data-binary @"$f"
	done
	after=$(rss)
	echo "vapi-hook workers: ${before} kB before, ${after} kB after" >&3
	# Each request allocates its body and frees it: no growth beyond
	# allocator noise (1 MB for both workers).
	[ $((after - before)) -lt 1024 ]
}

@test "a content type that is not text (bytes FF, a control character) is no 5xx: signed, applied with none kept; unsigned, 401 and kept" {
	local ct n
	for ct in $'application/json; charset=\xff' $'application/json; x=\x01y'; do
		req POST "/hooks/vapi/vapi-$SUF" -H "Content-Type: $ct" -H "x-vapi-secret: $VAPI_SECRET" \
		    --data '{"message":{"type":"status-update","status":"queued","call":{"id":"ctype-bytes"}}}'
		[[ "$CODE" == 200 ]] || { echo "signed: HTTP $CODE $BODY"; return 1; }
		n=$(kept invalid_signature)
		req POST "/hooks/vapi/vapi-$SUF" -H "Content-Type: $ct" -H "x-vapi-secret: wrong-secret-0000" \
		    --data '{"message":{"type":"status-update","status":"queued","call":{"id":"ctype-bytes"}}}'
		[ "$CODE" = 401 ] || { echo "unsigned: HTTP $CODE"; return 1; }
		[ "$(kept invalid_signature)" -eq $((n + 1)) ]
	done
	[ "$(psql -X -At -c "SELECT count(*) FROM call_events WHERE org_id = '$ORG'
	    AND provider_call_id = 'ctype-bytes' AND content_type IS NULL")" -ge 1 ]
}

@test "ingestion health: a delivery id that is not exactly one (e, e-1, e0, e01, r99999999999999999999, a NUL, x1) is a 404, a hostile cursor a 400, never a 5xx" {
	local admin id path
	admin=$("$CALLTRACK_ADMIN" token create "$ORG" --role admin 2>/dev/null)
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' -H "x-vapi-secret: $VAPI_SECRET" \
	    --data '{"message":{"type":"status-update","status":"queued","call":{"id":"hostile-ids"}}}'
	expect 200
	id=$(psql -X -At -c "SELECT id FROM call_events WHERE org_id = '$ORG' AND provider_call_id = 'hostile-ids'")
	req GET "/api/ingest/deliveries/e$id" -H "Authorization: Bearer $admin"
	expect 200
	# A NUL in the path nginx refuses itself (400); the program never
	# sees it.
	for path in "e$id%00" "e%00$id"; do
		req GET "/api/ingest/deliveries/$path" -H "Authorization: Bearer $admin" --path-as-is
		[ "$CODE" = 400 ] || [ "$CODE" = 404 ] || { echo "GET $path: $CODE"; return 1; }
		req POST "/api/ingest/deliveries/$path/replay" -H "Authorization: Bearer $admin" --path-as-is
		[ "$CODE" = 400 ] || [ "$CODE" = 404 ] || { echo "POST $path: $CODE"; return 1; }
	done
	for path in e e-1 e+1 e0 "e0$id" r99999999999999999999 e9223372036854775808 \
	    "e$id%20" "%20e$id" x1 E1 "e${id}x" "e$id/" "e$id/replay/x" \
	    "$(head -c 300 /dev/zero | tr '\0' 9)"; do
		req GET "/api/ingest/deliveries/$path" -H "Authorization: Bearer $admin" --path-as-is
		expect 404 not_found || { echo "GET $path"; return 1; }
		# (nginx merges the slashes of "e1//replay" into a real route.)
		[[ "$path" != */ ]] || continue
		req POST "/api/ingest/deliveries/$path/replay" -H "Authorization: Bearer $admin" --path-as-is
		expect 404 not_found || { echo "POST $path/replay"; return 1; }
	done
	for path in "cursor=%00" "cursor=$(head -c 400 /dev/zero | tr '\0' A)" "cursor=ZGVsaXZlcmllc3xkZXNjfA" \
	    "cursor=$(printf 'deliveries|desc|2026-01-01T00:00:00.000000Z|r99999999999999999999' | base64 -w0 | tr '+/' '-_' | tr -d =)" \
	    "cursor=$(printf 'deliveries|desc|2026-01-01 00:00:00|e1' | base64 -w0 | tr '+/' '-_' | tr -d =)" \
	    "limit=99999999999999999999" "integration=%00" "call_id=%27%3B--" "outcome=applied%00"; do
		req GET "/api/ingest/deliveries?$path" -H "Authorization: Bearer $admin"
		expect 400 invalid_parameter || { echo "$path"; return 1; }
	done
}

@test "notification destinations: a 100,000-character URL, CR/LF in a URL, 10,000 events, private addresses: 4xx, never a 5xx, nothing made" {
	local t body n u e
	t=$("$CALLTRACK_ADMIN" token create "$ORG" --role admin 2>/dev/null)
	n=$(psql -X -At -c "SELECT count(*) FROM notification_destinations WHERE org_id = '$ORG'")
	post_dest() {
		printf '%s' "$1" >"$BATS_TEST_TMPDIR/d.json"
		req POST /api/notifications -H "Authorization: Bearer $t" -H 'Content-Type: application/json' \
		    --data-binary @"$BATS_TEST_TMPDIR/d.json"
	}
	# Past the API's body limit: nginx's 413, as JSON.
	post_dest "$(jq -nc --arg u "https://hooks.example.com/$(head -c 100000 /dev/zero | tr '\0' a)" \
	    '{kind:"webhook",url:$u,events:["call.missed"]}')"
	expect 413 payload_too_large
	# Within it, a URL of 50,000 characters is the program's 400.
	post_dest "$(jq -nc --arg u "https://hooks.example.com/$(head -c 50000 /dev/zero | tr '\0' a)" \
	    '{kind:"webhook",url:$u,events:["call.missed"]}')"
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = url ]
	for u in $'https://hooks.example.com/a\r\nX-Injected: 1' $'https://hooks.example.com/\n' \
	    https://127.0.0.1/ https://169.254.169.254/latest/meta-data/ 'https://[::1]/' \
	    'https://[::ffff:10.0.0.1]/' https://2130706433/ https://0x7f.1/; do
		post_dest "$(jq -nc --arg u "$u" '{kind:"webhook",url:$u,events:["call.missed"]}')"
		[ "$CODE" = 400 ] && [ "$(jq -r .error.parameter <<<"$BODY")" = url ] ||
		    { echo "for $u: HTTP $CODE $BODY"; return 1; }
	done
	# 10,000 events, short enough to fit the body limit.
	for e in '"a"' 0 '"call.missed"'; do
		body=$(jq -nc --argjson e "$e" '{kind:"webhook",url:"https://hooks.example.com/",
		    events:[range(if $e == "call.missed" then 4000 else 10000 end) | $e]}')
		[ "${#body}" -lt 65536 ]
		post_dest "$body"
		expect 400 invalid_parameter
		[ "$(jq -r .error.parameter <<<"$BODY")" = events ]
	done
	[ "$(psql -X -At -c "SELECT count(*) FROM notification_destinations WHERE org_id = '$ORG'")" = "$n" ]
	req GET /healthz/dashboard-notify
	expect 200
}

@test "the contacts import: binary, UTF-16, NUL, 100,000 columns, a 5,000-byte field, 200,001 rows, over 10 MB: 4xx, never a 5xx, nothing applied, the workers live on" {
	local f=$BATS_FILE_TMPDIR/imp.csv pids before i
	pids=$(cat "$CALLTRACK_STACK/run/dashboard-import.pid")
	before=$(psql -X -At -c "SELECT count(*) FROM contacts WHERE org_id = '$ORG'")
	imp() {
		req POST /api/contacts/import -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/csv' \
		    --data-binary @"$f"
		[ "$CODE" -ge 400 ] && [ "$CODE" -lt 500 ] || { echo "$1: $CODE $BODY"; return 1; }
	}
	head -c 65536 /dev/urandom >"$f"; imp binary
	printf 'phone,name\n+15552345678,A\n' | iconv -f UTF-8 -t UTF-16 >"$f"; imp utf-16
	printf 'phone,name\n+15552345678,A\0B\n' >"$f"; imp nul
	{ printf 'phone'; head -c 100000 /dev/zero | tr '\0' ','; printf '\n'; } >"$f"; imp columns
	{ printf 'phone,name\n+15552345678,'; head -c 5000 /dev/zero | tr '\0' 'n'; printf '\n'; } >"$f"; imp field
	{ printf 'phone\n'; for i in $(seq 200001); do echo 1; done; } >"$f"; imp rows
	[ "$(jq -r .error.code <<<"$BODY")" = malformed_body ]
	{ printf 'phone\n'; head -c 10485760 /dev/zero | tr '\0' '1'; } >"$f"; imp size
	[ "$CODE" = 413 ]
	# Control characters and an override in a name: the row is refused.
	printf 'phone,name\n+15552345678,"\xe2\x80\xae\x01\x7f"\n' >"$f"
	req POST /api/contacts/import -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/csv' \
	    --data-binary @"$f"
	[ "$CODE" = 200 ]
	[ "$(jq -r '.rejected[0].code' <<<"$BODY")" = invalid_name ]
	[ "$(psql -X -At -c "SELECT count(*) FROM contacts WHERE org_id = '$ORG'")" = "$before" ]
	for pid in $pids; do kill -0 "$pid"; done
}

# A write of the contacts API whose answer must be STATUS (4xx), never a
# 5xx; PARAM, when given, the field the 400 names.
contact_write() {	# STATUS PARAM METHOD PATH BODY-FILE
	req "$3" "$4" -H "Authorization: Bearer ${TOK:-$TOKEN}" -H 'Content-Type: application/json' \
	    --data-binary @"$5"
	[[ "$CODE" != 5?? ]] || { echo "5xx: $CODE $BODY"; return 1; }
	[ "$CODE" = "$1" ] || { echo "expected $1, got $CODE: $BODY"; return 1; }
	[ -z "$2" ] || [ "$(jq -r .error.parameter <<<"$BODY")" = "$2" ] || { echo "$BODY"; return 1; }
}

@test "contacts: a 1 MB body, a 10,000-character name, NUL, control characters, overrides, a 10,000-character email: 4xx, nothing changes" {
	local f=$BATS_TEST_TMPDIR/c.json id before esc
	api POST /api/contacts '{"phone":"+14155550190","name":"Hostile Target"}'
	expect 201
	id=$(jq -r .id <<<"$BODY")
	before=$(org_rows "$ORG")
	{ printf '{"name":"'; head -c 1048576 /dev/zero | tr '\0' a; printf '"}'; } >"$f"
	contact_write 413 "" PATCH "/api/contacts/$id" "$f"
	[ "$(jq -r .error.code <<<"$BODY")" = payload_too_large ]
	contact_write 413 "" POST /api/contacts "$f"
	{ printf '{"name":"'; head -c 10000 /dev/zero | tr '\0' a; printf '"}'; } >"$f"
	contact_write 400 name PATCH "/api/contacts/$id" "$f"
	{ printf '{"phone":"+14155550191","name":"'; head -c 10000 /dev/zero | tr '\0' a; printf '"}'; } >"$f"
	contact_write 400 name POST /api/contacts "$f"
	for esc in '\u0000' '\u0001' '\u0009' '\u000a' '\u000d' '\u001b' '\u001f' '\u007f' '\u0080' '\u009b' \
	    '\u202a' '\u202b' '\u202c' '\u202d' '\u202e' '\u2066' '\u2067' '\u2068' '\u2069' '\udc00' '\ud800\u0041'; do
		printf '{"name":"Ann%sLee"}' "$esc" >"$f"
		contact_write 400 name PATCH "/api/contacts/$id" "$f"
		printf '{"phone":"+14155550191","name":"Ann%sLee"}' "$esc" >"$f"
		contact_write 400 name POST /api/contacts "$f"
	done
	# A raw control byte in a string is the name's fault; a NUL byte or
	# bytes that are not UTF-8, the body's.
	printf '{"name":"Ann\001Lee"}' >"$f"
	contact_write 400 name PATCH "/api/contacts/$id" "$f"
	printf '{"name":"Ann\000Lee"}' >"$f"
	contact_write 400 body PATCH "/api/contacts/$id" "$f"
	printf '{"name":"Ann\xc3\x28Lee"}' >"$f"
	contact_write 400 body PATCH "/api/contacts/$id" "$f"
	{ printf '{"email":"'; head -c 10000 /dev/zero | tr '\0' a; printf '@example.com"}'; } >"$f"
	contact_write 400 email PATCH "/api/contacts/$id" "$f"
	{ printf '{"notes":"'; head -c 10000 /dev/zero | tr '\0' n; printf '"}'; } >"$f"
	contact_write 400 notes PATCH "/api/contacts/$id" "$f"
	[ "$(org_rows "$ORG")" = "$before" ]
}

@test "contacts: another org's contact is 404, a viewer is 403; arrays, deep nesting and duplicate keys are 400; no 5xx, the workers live on" {
	local f=$BATS_TEST_TMPDIR/c.json id other before pids v
	api POST /api/contacts '{"phone":"+14155550192","name":"Second Target"}'
	id=$(jq -r .id <<<"$BODY")
	other=$("$CALLTRACK_ADMIN" org create "Hostile other $SUF")
	TOK=$("$CALLTRACK_ADMIN" token create "$other") api POST /api/contacts '{"phone":"+14155550192","name":"Not Yours"}'
	other=$(jq -r .id <<<"$BODY")
	v=$("$CALLTRACK_ADMIN" token create "$ORG" --role viewer)
	pids=$(cat "$CALLTRACK_STACK/run/dashboard-contacts.pid")
	before=$(org_rows "$ORG")
	printf '{"name":"Took It"}' >"$f"
	contact_write 404 "" PATCH "/api/contacts/$other" "$f"
	TOK=$v contact_write 403 "" PATCH "/api/contacts/$id" "$f"
	for body in '[]' '[{"name":"In An Array"}]' '[1,2,3]' '"just a string"' '42' 'null' 'true'; do
		printf '%s' "$body" >"$f"
		contact_write 400 body PATCH "/api/contacts/$id" "$f"
		contact_write 400 body POST /api/contacts "$f"
	done
	# 31 levels in all: a field of the wrong type; past the parser's 32,
	# or 60,000 levels: not a body it reads.
	{ printf '{"name":'; printf '[%.0s' $(seq 30); printf '"x"'; printf ']%.0s' $(seq 30); printf '}'; } >"$f"
	contact_write 400 name PATCH "/api/contacts/$id" "$f"
	{ printf '{"notes":'; printf '{"a":%.0s' $(seq 40); printf '1'; printf '}%.0s' $(seq 40); printf '}'; } >"$f"
	contact_write 400 body PATCH "/api/contacts/$id" "$f"
	head -c 60000 /dev/zero | tr '\0' '[' >"$f"
	contact_write 400 body PATCH "/api/contacts/$id" "$f"
	{ printf '{"a":'; head -c 60000 /dev/zero | tr '\0' '{'; } >"$f"
	contact_write 400 body POST /api/contacts "$f"
	# Duplicate keys, as written or escaped, and thousands of them.
	printf '{"name":"First","name":"Second"}' >"$f"
	contact_write 400 name PATCH "/api/contacts/$id" "$f"
	printf '{"email":"a@example.com","\u0065mail":"b@example.com"}' >"$f"
	contact_write 400 email PATCH "/api/contacts/$id" "$f"
	printf '{"phone":"+14155550193","phone":"+14155550194"}' >"$f"
	contact_write 400 phone POST /api/contacts "$f"
	{ printf '{'; for i in $(seq 3000); do printf '"notes":"n",'; done; printf '"notes":"n"}'; } >"$f"
	contact_write 400 body PATCH "/api/contacts/$id" "$f"
	[ "$(org_rows "$ORG")" = "$before" ]
	for pid in $pids; do kill -0 "$pid"; done
}

# The analysis report of the fixtures under another call id, changed by a
# jq program, into FILE: another call, so it names no Twilio call (the
# fixture's is the fixture call's).
analysis_variant() {	# FILE ID JQ-PROGRAM
	jq --arg id "$2" ".message.call.id = \$id
	    | del(.message.call.transport, .message.call.phoneCallProviderId)
	    | del(.message.artifact.structuredOutputs, .message.artifact.scorecards) | $3" \
	    "$FIX/vapi/analysis-costs.end-of-call-report.json" >"$1"
}
# The call's analysis, cost by part and status, and its report's error.
analysis_state() {	# CALL-ID
	psql -X -At -F' ' -c "SELECT c.status, COALESCE(c.analysis::text, 'none'),
	    COALESCE(c.cost_breakdown->>'llm', 'none'), COALESCE(c.cost_breakdown->>'tts', 'none'),
	    e.outcome, COALESCE(e.error, 'none')
	    FROM calls c JOIN call_events e ON e.org_id = c.org_id AND e.call_id = c.id
	    WHERE c.org_id = '$ORG' AND c.provider_call_id = '$1'"
}

@test "an analysis that is not an object, of 1 MB, or 17 deep is not stored; the call lands, the event says why" {
	local f=$BATS_FILE_TMPDIR/an.json deep
	analysis_variant "$f" an-text '.message.analysis.structuredData = "a sentence"'
	vapi_file "$f"; expect 200
	run analysis_state an-text
	[[ "$output" == "completed none "*" applied analysis not stored: it is not an object" ]]
	analysis_variant "$f" an-array '.message.analysis.structuredData = [1, 2, 3]'
	vapi_file "$f"; expect 200
	[[ "$(analysis_state an-array)" == "completed none "*"it is not an object" ]]
	# 1 MB of analysis: the body is within the limit, the analysis is not.
	head -c 1000000 /dev/zero | tr '\0' 'x' >"$BATS_FILE_TMPDIR/mb"
	jq --arg id an-mb --rawfile big "$BATS_FILE_TMPDIR/mb" \
	    '.message.call.id = $id | .message.analysis.structuredData = {"notes": $big}
	    | del(.message.artifact.structuredOutputs, .message.artifact.scorecards)' \
	    "$FIX/vapi/analysis-costs.end-of-call-report.json" >"$f"
	vapi_file "$f"; expect 200
	[[ "$(analysis_state an-mb)" == "completed none "*"it is over 64 KB" ]]
	# 17 deep (under the parser's 32): not stored; 16 is.
	deep=$(printf '{"a":%.0s' $(seq 17); printf '1'; printf '}%.0s' $(seq 17))
	analysis_variant "$f" an-deep ".message.analysis.structuredData = $deep"
	vapi_file "$f"; expect 200
	[[ "$(analysis_state an-deep)" == "completed none "*"nests deeper than 16" ]]
	deep=$(printf '{"a":%.0s' $(seq 16); printf '1'; printf '}%.0s' $(seq 16))
	analysis_variant "$f" an-deep16 ".message.analysis.structuredData = $deep"
	vapi_file "$f"; expect 200
	[[ "$(analysis_state an-deep16)" == "completed {\"a\": {\"a\":"*" applied none" ]]
	# 1,000 deep is no JSON calltrack reads at all: a 400, kept.
	local before
	before=$(kept malformed_body)
	{ printf '{"message":{"type":"end-of-call-report","call":{"id":"an-1000"},"analysis":{"structuredData":'
	  printf '{"a":%.0s' $(seq 1000); printf '1'; printf '}%.0s' $(seq 1000); printf '}}}'; } >"$f"
	vapi_file "$f"; expect 400 malformed_body
	[ "$(kept malformed_body)" -eq $((before + 1)) ]
}

@test "a cost part negative, NaN, a string or 1e308 is dropped, the rest kept; bare NaN is a 400" {
	local f=$BATS_FILE_TMPDIR/cost.json before
	analysis_variant "$f" cost-bad '.message.costs = [
	    {"type": "model", "cost": -0.5}, {"type": "model", "cost": "NaN"},
	    {"type": "model", "cost": "0.25"}, {"type": "transport", "cost": 1e308},
	    {"type": "voice", "cost": 0.0478}]'
	vapi_file "$f"; expect 200
	[ "$(jq -r .outcome <<<"$BODY")" = applied ]
	[[ "$(analysis_state cost-bad)" == "completed "*" 0.000000 0.047800 applied a cost part was dropped"* ]]
	run psql -X -At -c "SELECT cost_breakdown->>'transport' FROM calls WHERE org_id = '$ORG' AND provider_call_id = 'cost-bad'"
	[ "$output" = 0.000000 ]
	# Retell's cents, the same bounds.
	jq '.call.call_id = "cost-retell" | .call.call_cost.product_costs = [
	    {"product": "elevenlabs_tts", "cost": -3}, {"product": "gpt_4_1_mini", "cost": 1e308},
	    {"product": "retell_platform", "cost": "1.5"}, {"product": "twilio", "cost": 140}]' \
	    "$FIX/retell/analysis-costs.3.call_analyzed.json" >"$f"
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' \
	    -H "x-retell-signature: $(retell_sig "$f")" --data-binary @"$f"
	expect 200
	run psql -X -At -F' ' -c "SELECT cost_breakdown->>'transport', cost_breakdown->>'llm', cost_breakdown->>'tts'
	    FROM calls WHERE org_id = '$ORG' AND provider_call_id = 'cost-retell'"
	[ "$output" = "1.400000 0.000000 0.000000" ]
	# The bare token NaN is no JSON (strict parsing): refused and kept.
	before=$(kept malformed_body)
	analysis_variant "$f" cost-nan '.message.costs = [{"type": "model", "cost": 12345}]'
	sed -i 's/12345/NaN/' "$f"
	vapi_file "$f"; expect 400 malformed_body
	[ "$(kept malformed_body)" -eq $((before + 1)) ]
	run psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$ORG' AND provider_call_id = 'cost-nan'"
	[ "$output" = 0 ]
}
