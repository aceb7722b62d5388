#!/usr/bin/env bats
# Nobody can fill the database: an unverified refusal keeps 4 KB of its
# body; an address whose requests keep being refused meets a cheap 429
# and nothing more is kept, while valid deliveries from the same address
# are never limited; nginx's limit_req stands behind it; the sweeper
# deletes old rejections.  Every load here is bounded and on loopback.

load helpers

setup_file() {
	make_fixture_org
	export W=$BATS_FILE_TMPDIR
	RT=$(cat "$CALLTRACK_STACK/run/runtime-dir")
	export RT
}

teardown() {
	[ -z "${LIMIT_NGINX:-}" ] ||
	    nginx -p "$LIMIT_NGINX" -c "$LIMIT_NGINX/nginx.conf" -s stop 2>/dev/null || true
}

# vapi-hook as the stack runs it (two workers, default settings), with
# counts that start afresh for the suites after this one.
teardown_file() {
	env -u CALLTRACK_REFUSED_LIMIT -u CALLTRACK_REFUSED_WINDOW \
	    "$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" vapi-hook 3>&-
}

# One row of rejected_events for an integration id: size, kept, truncated, hash.
kept_row() {	# INTEGRATION REASON
	psql -X -At -c "SELECT body_size, length(body), body_truncated, body_sha256
	    FROM rejected_events WHERE integration_id = '$1' AND reason = '$2'
	    ORDER BY id DESC LIMIT 1"
}

rows() {	# SQL condition on rejected_events
	psql -X -At -c "SELECT count(*) FROM rejected_events WHERE $1"
}

@test "an unknown slug, a failed signature, a wrong content type: 4 KB kept, with the whole size and SHA-256" {
	local f=$W/20k.json sum want
	{ printf '{"message":{"type":"status-update","status":"queued","call":{"id":"cap-1"},"x":"'
	  head -c 20000 /dev/zero | tr '\0' 'x'; printf '"}}'; } >"$f"
	sum=$(sha256sum <"$f" | cut -d' ' -f1)
	want="$(stat -c %s "$f")|4096|t|$sum"
	req POST "/hooks/vapi/nope-$SUF" -H 'Content-Type: application/json' --data-binary @"$f"
	expect 404 unknown_integration
	[ "$(kept_row "nope-$SUF" unknown_integration)" = "$want" ]
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H 'x-vapi-secret: not-the-secret' --data-binary @"$f"
	expect 401 invalid_signature
	[ "$(kept_row "vapi-$SUF" invalid_signature)" = "$want" ]
	req POST "/hooks/retell/retell-$SUF" -H 'Content-Type: application/json' --data-binary @"$f"
	expect 401 missing_signature
	[ "$(kept_row "retell-$SUF" missing_signature)" = "$want" ]
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H 'X-Twilio-Signature: AAAAAAAAAAAAAAAAAAAAAAAAAAA=' --data-binary @"$f"
	expect 401 invalid_signature
	[ "$(kept_row "twilio-$SUF" invalid_signature)" = "$want" ]
	# Refused before the handler, never verified either.
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: text/plain' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary @"$f"
	expect 415 unsupported_media_type
	[ "$(kept_row "vapi-$SUF" unsupported_media_type)" = "$want" ]
}

@test "a verified body that does not map keeps the configured cap (64 KB)" {
	local f=$W/100k.json sum
	{ printf '{"message":{"type":"status-update","call":{"id":"cap-2"},"x":"'
	  head -c 100000 /dev/zero | tr '\0' 'y'; } >"$f"	# truncated JSON
	sum=$(sha256sum <"$f" | cut -d' ' -f1)
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary @"$f"
	expect 400 malformed_body
	[ "$(kept_row "vapi-$SUF" malformed_body)" = "$(stat -c %s "$f")|65536|t|$sum" ]
	# Under the cap, the whole body.
	printf '{"message":{"type":"status-update","call":{}}}' >"$f"
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary @"$f"
	expect 400 missing_call_id
	[ "$(kept_row "vapi-$SUF" missing_call_id)" = "$(stat -c %s "$f")|$(stat -c %s "$f")|f|$(sha256sum <"$f" | cut -d' ' -f1)" ]
}

@test "nginx: every webhook route has limit_req; past its rate, 429 with the API's JSON and Retry-After" {
	local conf=$RT/nginx/calltrack.conf port=$CALLTRACK_SPARE_PORT user="" i codes=""
	for p in vapi retell twilio; do
		sed -n "\|location ^~ /hooks/$p/ {|,/}/p" "$conf" | grep -q 'limit_req zone=calltrack_hooks'
	done
	grep -q '^ *limit_req_status 429;' "$conf"
	# The same server block in an nginx of its own, its rate lowered to
	# one request a minute and no burst: the second request is over it.
	LIMIT_NGINX=$RT/limit-nginx
	rm -rf "$LIMIT_NGINX" && mkdir -p "$LIMIT_NGINX/tmp"
	[ "$(id -u)" -eq 0 ] && { user="user nobody nogroup;"; chown nobody: "$LIMIT_NGINX/tmp"; }
	sed -e 's|rate=[0-9]*r/s|rate=1r/m|' -e 's| burst=[0-9]* nodelay;|;|' -e "s|listen 127.0.0.1:[0-9]*;|listen 127.0.0.1:$port;|" \
	    "$conf" >"$LIMIT_NGINX/calltrack.conf"
	grep -q 'rate=1r/m' "$LIMIT_NGINX/calltrack.conf"
	cat >"$LIMIT_NGINX/nginx.conf" <<EOF
$user
pid $LIMIT_NGINX/nginx.pid;
error_log $LIMIT_NGINX/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $LIMIT_NGINX/tmp/body;
    fastcgi_temp_path $LIMIT_NGINX/tmp/fcgi;
    proxy_temp_path $LIMIT_NGINX/tmp/proxy;
    uwsgi_temp_path $LIMIT_NGINX/tmp/uwsgi;
    scgi_temp_path $LIMIT_NGINX/tmp/scgi;
    include $LIMIT_NGINX/calltrack.conf;
}
EOF
	export LIMIT_NGINX
	nginx -p "$LIMIT_NGINX" -c "$LIMIT_NGINX/nginx.conf" -e "$LIMIT_NGINX/error.log" 3>&-
	for i in 1 2 3; do
		CALLTRACK_URL=http://127.0.0.1:$port req GET "/hooks/vapi/vapi-$SUF"
		codes="$codes $CODE"
	done
	# The first reaches the program (a GET: 405); the rest stop at nginx.
	[ "$codes" = " 405 429 429" ]
	expect 429 rate_limited
	grep -qx 'Content-Type: application/json' <<<"$HEADERS"
	grep -qE '^Retry-After: [0-9]+$' <<<"$HEADERS"
	# The stack's own nginx, at its real rate, lets the same through.
	req GET "/hooks/vapi/vapi-$SUF"
	expect 405 method_not_allowed
}

@test "a flood of 300 refused requests meets 429 past the limit and rejected_events stops growing; 2,000 valid deliveries from the same address all get 200" {
	local flood=$W/flood.pool valid=$W/valid.pool before after i n
	# One worker, so that the limit is exact (each worker counts for
	# itself), and a window longer than the test, so that none ends
	# while it runs.
	STACK_WORKERS=1 CALLTRACK_REFUSED_LIMIT=30 CALLTRACK_REFUSED_WINDOW=3600 \
	    "$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" vapi-hook 3>&-
	# Half to a slug that does not exist, half with a wrong secret.
	: >"$flood"
	for i in $(seq 300); do
		local body="{\"message\":{\"type\":\"status-update\",\"status\":\"queued\",\"call\":{\"id\":\"flood-$i\"}}}"
		if [ $((i % 2)) = 0 ]; then
			printf '/hooks/vapi/flood-%s\nx-vapi-secret: %s\n%d\n%s\n' "$SUF" "$VAPI_SECRET" "${#body}" "$body"
		else
			printf '/hooks/vapi/vapi-%s\nx-vapi-secret: wrong-%d\n%d\n%s\n' "$SUF" "$i" "${#body}" "$body"
		fi >>"$flood"
	done
	local cond="(integration_id = 'flood-$SUF' AND reason = 'unknown_integration') OR
	    (integration_id = 'vapi-$SUF' AND reason = 'invalid_signature')"
	before=$(rows "$cond")
	run python3 "$CALLTRACK_ROOT/tests/faults/fire.py" "$CALLTRACK_URL" "$flood" 8 "$W/flood.out"
	echo "$output"
	[ "$status" -eq 0 ]
	# The first 30 are answered and kept as ever; the other 270 are 429,
	# with nothing kept.
	[ "$(grep -cE ' (401 invalid_signature|404 unknown_integration)$' "$W/flood.out")" = 30 ]
	[ "$(grep -c ' 429 rate_limited$' "$W/flood.out")" = 270 ]
	after=$(rows "$cond")
	[ "$after" -eq $((before + 30)) ]
	# A 429 in the API's shape, with Retry-After, and its log line.
	req POST "/hooks/vapi/flood-$SUF" -H 'Content-Type: application/json' --data '{}'
	expect 429 rate_limited
	grep -qx 'Content-Type: application/json' <<<"$HEADERS"
	n=$(sed -n 's/^Retry-After: \([0-9]*\)$/\1/p' <<<"$HEADERS")
	[ "$n" -ge 1 ] && [ "$n" -le 3600 ]
	grep -qE "status=429 code=rate_limited .*detail=\"refused as unknown_integration past the address's limit\"" \
	    "$CALLTRACK_STACK/log/vapi-hook.log"
	# 2,000 valid signed deliveries at full speed from the same address,
	# which is over its limit: every one is processed.
	python3 "$CALLTRACK_ROOT/tests/bench/prepare.py" vapi-pool distinct 2000 1 "$VAPI_SECRET" \
	    "/hooks/vapi/vapi-$SUF" "$valid"
	run python3 "$CALLTRACK_ROOT/tests/faults/fire.py" "$CALLTRACK_URL" "$valid" 16 "$W/valid.out"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.status | keys | join(",")' <<<"$output")" = 200 ]
	[ "$(jq -r '.status["200"]' <<<"$output")" = 2000 ]
	[ "$(grep -c ' 200 applied$' "$W/valid.out")" = 2000 ]
	local prefix
	prefix=$(grep -o 'fault-[0-9a-f]*-' "$valid" | head -1)
	[ "$(psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$ORG'
	    AND provider_call_id LIKE '$prefix%'")" = 2000 ]
	# A verified body that does not map is a verified request: answered
	# 400 and kept, not limited.
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data '{"message":{"type":"status-update","call":{}}}'
	expect 400 missing_call_id
	# The address is still over its limit for refusals, and nothing more
	# of them is kept.
	for i in $(seq 20); do
		req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
		    -H 'x-vapi-secret: still-wrong' --data '{}'
		expect 429 rate_limited
	done
	[ "$(rows "$cond")" -eq "$after" ]
}

@test "calltrack-admin sweep deletes rejected_events older than CALLTRACK_REJECTED_DAYS, in batches, and keeps the rest" {
	local tag=sweep-$SUF
	# 12,000 old rows: more than two batches of 5,000.
	psql -X -q -c "INSERT INTO rejected_events (integration_id, received_at, http_status, reason)
	    SELECT '$tag-old', now() - interval '31 days' - make_interval(secs => i), 404, 'unknown_integration'
	      FROM generate_series(1, 12000) i"
	psql -X -q -c "INSERT INTO rejected_events (integration_id, received_at, http_status, reason)
	    VALUES ('$tag-recent', now() - interval '29 days', 404, 'unknown_integration'),
	           ('$tag-new', now(), 404, 'unknown_integration')"
	run "$CALLTRACK_ADMIN" sweep
	[ "$status" -eq 0 ]
	[[ "$(grep '^closed ' <<<"$output")" =~ ^closed\ [0-9]+\ stuck\ calls\;\ folded\ [0-9]+\ rollup\ changes\;\ pruned\ ([0-9]+)\ rejected\ requests$ ]]
	[ "${BASH_REMATCH[1]}" -ge 12000 ]
	[ "$(rows "integration_id = '$tag-old'")" = 0 ]
	[ "$(rows "integration_id IN ('$tag-recent', '$tag-new')")" = 2 ]
	# A shorter retention, from the setting.
	CALLTRACK_REJECTED_DAYS=7 run "$CALLTRACK_ADMIN" sweep
	[ "$status" -eq 0 ]
	[ "$(rows "integration_id = '$tag-recent'")" = 0 ]
	[ "$(rows "integration_id = '$tag-new'")" = 1 ]
	# A bad setting stops it, naming the variable.
	CALLTRACK_REJECTED_DAYS=0 run "$CALLTRACK_ADMIN" sweep
	[ "$status" -eq 1 ]
	[[ "$output" == *CALLTRACK_REJECTED_DAYS* ]]
}
