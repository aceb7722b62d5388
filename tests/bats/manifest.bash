# manifest.bash: replaying tests/fixtures/manifest.json against the stack
# and checking each call's expected fields in the database.

MANIFEST=$CALLTRACK_FIXTURES/manifest.json

# The state of the call of one leg (by provider and call id, in org $ORG:
# the call's own id, or another leg of it) as JSON, with the manifest's
# field names.
call_state() {	# PROVIDER CALL-ID
	psql -X -At -v ON_ERROR_STOP=1 -v org="$ORG" -v prov="$1" -v id="$2" <<'SQL'
SELECT json_build_object(
    'provider', c.provider, 'provider_call_id', c.provider_call_id,
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
    'cost_breakdown', c.cost_breakdown, 'transferred', c.transferred,
    'booking_evidence_source', c.booking_evidence->>'source',
    'legs', (SELECT json_agg(json_build_object('provider', l.provider,
                                               'provider_call_id', l.provider_call_id)
                             ORDER BY l.provider, l.provider_call_id)
               FROM call_legs l WHERE l.org_id = c.org_id AND l.call_id = c.id),
    'session_synced', (SELECT bool_and(s.synced_to_dashboard) FROM call_sessions s
                        WHERE s.org_id = c.org_id AND s.call_id = c.id))
  FROM calls c
  JOIN calls_with_caller_names v ON v.org_id = c.org_id AND v.id = c.id
  LEFT JOIN contacts ct ON ct.org_id = c.org_id AND ct.id = c.contact_id
 WHERE c.org_id = :'org'
   AND c.id = COALESCE((SELECT l.call_id FROM call_legs l WHERE l.org_id = :'org'
                          AND l.provider = :'prov' AND l.provider_call_id = :'id'),
                       (SELECT k.id FROM calls k WHERE k.org_id = :'org'
                          AND k.provider = :'prov' AND k.provider_call_id = :'id'))
SQL
}

# The call keys of the scenarios the per-provider replays leave out: one
# call of two providers' deliveries (a Twilio leg and an agent leg), or
# of an agent backend's session; replay_legs sends them.
composite_keys() {
	jq -c '[(.deliveries | group_by(.call_key)[] | select(map(.provider) | unique | length > 1)
	         | .[0].call_key), (.sessions // [])[].call_key] | unique' "$MANIFEST"
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
	done < <(jq -c --arg p "$1" --argjson skip "$(composite_keys)" \
	    '.deliveries | map(select(.provider == $p and (.call_key as $k | $skip | index($k) | not)))
	     | sort_by(.order)[]' "$MANIFEST")
}

# Sends the deliveries and sessions of the composite scenarios (their legs
# from two providers, their sessions) in the manifest's order, across
# providers, each twice: the first must get the expected status, the
# second must be a duplicate (a session PUT again is stored again, 200).
# A session goes with $TOKEN, an editor's.
replay_legs() {
	local d file ctype
	while read -r d; do
		file=$CALLTRACK_FIXTURES/$(jq -r .file <<<"$d")
		ctype=$(jq -r .content_type <<<"$d")
		for attempt in 1 2; do
			case $(jq -r '.method + " " + .provider' <<<"$d") in
			"PUT "*) req PUT "$(jq -r .path <<<"$d")" -H "Content-Type: $ctype" \
			    -H "Authorization: Bearer $TOKEN" --data-binary @"$file" ;;
			*vapi) req POST "/hooks/vapi/vapi-$SUF" -H "Content-Type: $ctype" \
			    -H "x-vapi-secret: $VAPI_SECRET" --data-binary @"$file" ;;
			*retell) req POST "/hooks/retell/retell-$SUF" -H "Content-Type: $ctype" \
			    -H "x-retell-signature: $(retell_sig "$file")" --data-binary @"$file" ;;
			*twilio) req POST "/hooks/twilio/twilio-$SUF" -H "Content-Type: $ctype" \
			    -H "$(twilio_sig "$file" "$(jq -r .url <<<"$d")")" --data-binary @"$file" ;;
			esac
			case $(jq -r .expect_http <<<"$d") in
			2xx) [[ "$CODE" == 2?? ]] || { echo "$file: HTTP $CODE $BODY"; return 1; } ;;
			*) [ "$CODE" = "$(jq -r .expect_http <<<"$d")" ] || { echo "$file: HTTP $CODE $BODY"; return 1; } ;;
			esac
			if [ "$attempt" = 2 ] && [ "$(jq -r .method <<<"$d")" = POST ]; then
				[ "$(jq -r .outcome <<<"$BODY")" = duplicate ] ||
				    { echo "$file: resent, got $BODY"; return 1; }
			fi
		done
	done < <(jq -c --argjson keys "$(composite_keys)" \
	    '[.deliveries[], (.sessions // [])[]] | map(select(.call_key as $k | $keys | index($k)))
	     | sort_by(.order)[]' "$MANIFEST")
}

# Checks every call of PROVIDER in the manifest (every composite one with
# PROVIDER "legs"), each found by every leg it names; prints the
# mismatches.
check_provider() {	# PROVIDER
	local c id bad=0 out leg
	while read -r c; do
		id=$(jq -r .provider_call_id <<<"$c")
		for leg in "$(jq -r .provider <<<"$c"):$id" \
		    $(jq -r '.expected.legs // [] | .[] | "\(.provider):\(.provider_call_id)"' <<<"$c"); do
			out=$(diff_expected "$(jq -c .expected <<<"$c")" "$(call_state ${leg%%:*} ${leg#*:})")
			if [ -n "$out" ]; then
				echo "$(jq -r .scenario <<<"$c") ($id, by ${leg%%:*} ${leg#*:}):"
				sed 's/^/    /' <<<"$out"
				bad=1
			fi
		done
	done < <(jq -c --arg p "$1" --argjson keys "$(composite_keys)" \
	    '.calls[] | select(.call_key as $k | ($keys | index($k)) as $i
	                       | if $p == "legs" then $i != null else .provider == $p and $i == null end)' \
	    "$MANIFEST")
	return "$bad"
}

# Removes org $ORG's calls of the composite scenarios (their legs go with
# them, their sessions wait for a call again), so that another suite's
# org may replay them: a session PUT for a provider call id another org
# has is a 404.
forget_legs() {
	local ids
	ids=$(jq -r --argjson keys "$(composite_keys)" \
	    '[.calls[] | select(.call_key as $k | $keys | index($k)) | .expected.legs[].provider_call_id]
	     | map("'"'"'" + . + "'"'"'") | join(",")' "$MANIFEST")
	psql -X -q -v ON_ERROR_STOP=1 -c "
	    CREATE TEMP TABLE gone AS SELECT DISTINCT call_id FROM call_legs
	     WHERE org_id = '$ORG' AND provider_call_id IN ($ids);
	    DELETE FROM hot_lead_alerts WHERE org_id = '$ORG' AND call_id IN (SELECT call_id FROM gone);
	    UPDATE call_events SET call_id = NULL WHERE org_id = '$ORG' AND call_id IN (SELECT call_id FROM gone);
	    UPDATE call_sessions SET call_id = NULL WHERE org_id = '$ORG' AND call_id IN (SELECT call_id FROM gone);
	    DELETE FROM calls WHERE org_id = '$ORG' AND id IN (SELECT call_id FROM gone);" >/dev/null
}
