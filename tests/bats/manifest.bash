# manifest.bash: replaying tests/fixtures/manifest.json against the stack
# and checking each call's expected fields in the database.

MANIFEST=$CALLTRACK_FIXTURES/manifest.json

# The state of one call (by provider and call id, in org $ORG) as JSON,
# with the manifest's field names.
call_state() {	# PROVIDER CALL-ID
	psql -X -At -v ON_ERROR_STOP=1 -v org="$ORG" -v prov="$1" -v id="$2" <<'SQL'
SELECT json_build_object(
    'status', c.status, 'direction', c.direction,
    'ended_reason', c.ended_reason, 'end_call_reason', c.end_call_reason,
    'phone_number', c.phone_number, 'phone_raw', c.phone_raw,
    'agent_number', c.agent_number, 'contact_name', ct.name,
    'caller_name', v.resolved_caller_name, 'name_source', v.name_source,
    'started_at', to_char(c.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'ended_at', to_char(c.ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'duration_seconds', c.duration_seconds, 'is_test_call', c.is_test_call,
    'booking_status', c.booking_status, 'sentiment', c.sentiment,
    'summary_present', c.summary IS NOT NULL, 'transcript_present', c.transcript IS NOT NULL,
    'recording_url', c.recording_url, 'cost', c.cost,
    'transfer_destination', c.transfer_destination,
    'last_sequence_number', c.provider_sequence,
    'agent_id', c.agent_id, 'agent_name', c.agent_name, 'agent_version', c.agent_version,
    'analysis', c.analysis, 'success', c.success, 'success_raw', c.success_raw,
    'cost_breakdown', c.cost_breakdown, 'transferred', c.transferred)
  FROM calls c
  JOIN calls_with_caller_names v ON v.org_id = c.org_id AND v.id = c.id
  LEFT JOIN contacts ct ON ct.org_id = c.org_id AND ct.id = c.contact_id
 WHERE c.org_id = :'org' AND c.provider = :'prov' AND c.provider_call_id = :'id'
SQL
}

# Prints one line per expected field that the actual state does not match
# (durations within 1 s, costs within a millionth); nothing when all do.
diff_expected() {	# EXPECTED-JSON ACTUAL-JSON
	jq -rn --argjson e "$1" --argjson a "${2:-null}" '
	  if $a == null then "no such call" else
	  $e | to_entries[] | .key as $k | .value as $want | $a[$k] as $have |
	  select(
	    if $k == "duration_seconds" and $want != null and $have != null
	      then (($want - $have) | fabs) > 1
	    elif $k == "cost" and $want != null and $have != null
	      then (($want - $have) | fabs) > 0.000001
	    else $want != $have end) |
	  "\($k): want \($want | tojson), have \($have | tojson)" end'
}

# Sends every delivery of PROVIDER in the manifest's order, each twice:
# the first must get the expected status, the second must be a duplicate.
replay_provider() {	# PROVIDER
	local d file ctype code second
	while read -r d; do
		file=$CALLTRACK_FIXTURES/$(jq -r .file <<<"$d")
		ctype=$(jq -r .content_type <<<"$d")
		for attempt in 1 2; do
			case $1 in
			vapi) req POST "/hooks/vapi/vapi-$SUF" -H "Content-Type: $ctype" \
			    -H "x-vapi-secret: $VAPI_SECRET" --data-binary @"$file" ;;
			retell) req POST "/hooks/retell/retell-$SUF" -H "Content-Type: $ctype" \
			    -H "x-retell-signature: $(retell_sig "$file")" --data-binary @"$file" ;;
			twilio) req POST "/hooks/twilio/twilio-$SUF" -H "Content-Type: $ctype" \
			    -H "$(twilio_sig "$file" "$(jq -r .url <<<"$d")")" --data-binary @"$file" ;;
			esac
			case $(jq -r .expect_http <<<"$d") in
			2xx) [[ "$CODE" == 2?? ]] || { echo "$file: HTTP $CODE $BODY"; return 1; } ;;
			*) [ "$CODE" = "$(jq -r .expect_http <<<"$d")" ] || { echo "$file: HTTP $CODE"; return 1; } ;;
			esac
			if [ "$attempt" = 2 ] && [[ "$CODE" == 2?? ]]; then
				second=$(jq -r .outcome <<<"$BODY")
				[ "$second" = duplicate ] || { echo "$file: resent, got $second"; return 1; }
			fi
		done
	done < <(jq -c --arg p "$1" '.deliveries | map(select(.provider == $p)) | sort_by(.order)[]' "$MANIFEST")
}

# Checks every call of PROVIDER in the manifest; prints the mismatches.
check_provider() {	# PROVIDER
	local c id bad=0 out
	while read -r c; do
		id=$(jq -r .provider_call_id <<<"$c")
		out=$(diff_expected "$(jq -c .expected <<<"$c")" "$(call_state "$1" "$id")")
		if [ -n "$out" ]; then
			echo "$(jq -r .scenario <<<"$c") ($id):"
			sed 's/^/    /' <<<"$out"
			bad=1
		fi
	done < <(jq -c --arg p "$1" '.calls[] | select(.provider == $p)' "$MANIFEST")
	return "$bad"
}
