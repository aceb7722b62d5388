# helpers.bash: shared by the bats suites.  tests/run exports
# CALLTRACK_URL (the stack's nginx), CALLTRACK_ADMIN, CALLTRACK_STACK,
# CALLTRACK_FIXTURES and the PG* variables of the stack's database.

VAPI_SECRET=vapi-test-secret-4f9c2b7e
VAPI_HMAC_KEY=vapi-hmac-test-key-91d3
RETELL_KEY=key_test_2f6b8d1e4a9c7b3e5d0f1a2b
TWILIO_TOKEN=9f3c1a7e5b2d4c6e8a0b1c2d3e4f5a6b
TWILIO_PUBLIC_URL=https://calls.example.com/hooks/twilio/twilio-test
FIX=$CALLTRACK_FIXTURES

# Creates an org with one integration per scheme, named with a suffix of
# this file's own so that suites never share rows.  Exports ORG, SUF and
# TOKEN.
make_fixture_org() {
	SUF=$(openssl rand -hex 4)
	ORG=$("$CALLTRACK_ADMIN" org create "Test org $SUF")
	TOKEN=$("$CALLTRACK_ADMIN" token create "$ORG" --label bats)
	"$CALLTRACK_ADMIN" integration create "$ORG" --provider vapi --id "vapi-$SUF" \
	    --secret "$VAPI_SECRET" >/dev/null
	"$CALLTRACK_ADMIN" integration create "$ORG" --provider vapi --id "vapihmac-$SUF" \
	    --secret "$VAPI_HMAC_KEY" --vapi-auth hmac >/dev/null
	"$CALLTRACK_ADMIN" integration create "$ORG" --provider retell --id "retell-$SUF" \
	    --secret "$RETELL_KEY" >/dev/null
	"$CALLTRACK_ADMIN" integration create "$ORG" --provider twilio --id "twilio-$SUF" \
	    --secret "$TWILIO_TOKEN" --public-url "$TWILIO_PUBLIC_URL" >/dev/null
	export ORG SUF TOKEN
}

# req METHOD PATH [curl args...]: sets CODE, BODY and HEADERS.
req() {
	local method=$1 path=$2 hf bf
	shift 2
	hf=$(mktemp) bf=$(mktemp)
	CODE=$(curl -sS -o "$bf" -D "$hf" -w '%{http_code}' -X "$method" "$@" "$CALLTRACK_URL$path")
	BODY=$(cat "$bf")
	HEADERS=$(tr -d '\r' <"$hf")
	rm -f "$hf" "$bf"
}

# The JSON error code of the last response.
err_code() { jq -r '.error.code' <<<"$BODY"; }

# Asserts the last response: status and, for errors, the docs/API.md shape.
expect() {
	local want=$1 code=${2:-}
	if [ "$CODE" != "$want" ]; then
		echo "expected HTTP $want, got $CODE: $BODY" >&2
		return 1
	fi
	if [ -n "$code" ]; then
		[ "$(err_code)" = "$code" ] || { echo "expected error $code, got: $BODY" >&2; return 1; }
		[ "$(jq -r '.error.message | type' <<<"$BODY")" = string ] ||
		    { echo "error without a message: $BODY" >&2; return 1; }
	fi
}

# Signing at send time, over the exact bytes of a file.
retell_sig() {	# FILE [KEY [TS_MS]]
	local ts=${3:-$(date +%s%3N)}
	printf 'v=%s,d=%s' "$ts" "$( { cat "$1"; printf '%s' "$ts"; } |
	    openssl dgst -sha256 -hmac "${2:-$RETELL_KEY}" -r | cut -d' ' -f1)"
}
# "X-Twilio-Signature: …" for a form body and the URL Twilio called, by
# the fixtures' own signer (an implementation independent of calltrack's).
twilio_sig() {	# FILE URL [TOKEN]
	/usr/bin/python3 "$CALLTRACK_FIXTURES/tools/sign.py" twilio "$1" --url "$2" \
	    --token "${3:-$TWILIO_TOKEN}"
}
vapi_hmac_sig() {	# FILE TS
	{ printf '%s.' "$2"; cat "$1"; } | openssl dgst -sha256 -hmac "$VAPI_HMAC_KEY" -r | cut -d' ' -f1
}

# Counts rows of rejected_events for an integration id and reason.
rejections() {	# INTEGRATION REASON
	psql -X -At -c "SELECT count(*) FROM rejected_events WHERE integration_id = '$1' AND reason = '$2'"
}

# After tests/faults/fire.py sent POOL (its summary in $output, a line
# per request in OUT) while something failed: only 200, 202 and 503 were
# answered, never 500 or 504; and once the spool is drained, every request
# answered 200 or 202 is a call of ORG, none acknowledged and lost.
every_2xx_is_a_call() {	# POOL OUT
	local prefix ids want
	[ "$(jq -r '.status | keys - ["200", "202", "503"] | length' <<<"$output")" = 0 ]
	CALLTRACK_SPOOL_DIR=$(cat "$CALLTRACK_STACK/run/runtime-dir")/spool "$CALLTRACK_ADMIN" spool drain
	prefix=$(grep -o -m1 'fault-[0-9a-f]*-' "$1")
	ids=$(awk -v p="$prefix" '$2 == 200 || $2 == 202 { printf "%s%s%s", s, p, $1; s = "," }' "$2")
	want=$(awk '$2 == 200 || $2 == 202' "$2" | wc -l)
	[ "$want" -gt 0 ]
	[ "$(psql -X -At -c "SELECT count(*) FROM calls WHERE org_id = '$ORG'
	    AND provider_call_id = ANY ('{$ids}'::text[])")" = "$want" ]
}

# The stack's PostgreSQL, stopped and started again with the options it
# was started with (its socket directory among them).  fd 3 is bats' and
# must not stay open in the server, or bats waits for it forever.
pg_ctl_() {
	local data
	data=$(cat "$CALLTRACK_STACK/run/runtime-dir")/pg
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$data" "$@"
	else
		/usr/lib/postgresql/15/bin/pg_ctl -D "$data" "$@"
	fi
}
pg_down() { pg_ctl_ -m fast -w stop >/dev/null; }
pg_up() {
	pg_ctl_ status >/dev/null 2>&1 && return 0
	local opts
	opts=$(head -n1 "$(cat "$CALLTRACK_STACK/run/runtime-dir")/pg/postmaster.opts")
	pg_ctl_ -w -l "$CALLTRACK_STACK/log/postgres.log" \
	    -o "$(sed -e 's|^[^ ]* ||' -e 's|"||g' -e 's|-D [^ ]* ||' <<<"$opts")" start >/dev/null 3>&-
}
