# contacts.bash: shared by the suites of the contacts and alerts API
# (contacts.bats, alerts.bats, roles.bats, hostile.bats).  Load after
# helpers.

# api METHOD PATH [JSON]: a request with $TOK (else $TOKEN); a JSON body
# is sent as application/json, byte for byte.
api() {
	local m=$1 p=$2
	if [ $# -ge 3 ]; then
		req "$m" "$p" -H "Authorization: Bearer ${TOK:-$TOKEN}" \
		    -H 'Content-Type: application/json' --data-binary "$3"
	else
		req "$m" "$p" -H "Authorization: Bearer ${TOK:-$TOKEN}"
	fi
}

# qget PATH [name=value ...]: GET with $TOK (else $TOKEN), each parameter
# URL-encoded.
qget() {
	local path=$1 a=() kv
	shift
	for kv in "$@"; do a+=(--data-urlencode "$kv"); done
	req GET "$path" -G -H "Authorization: Bearer ${TOK:-$TOKEN}" "${a[@]}"
}

# One value of the stack's database, as its administrator.
sqlv() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }

# vapi_event KIND CALL-ID NUMBER [NAME]: one signed Vapi event of org
# $ORG's integration, made from a fixture's: KIND queued (a status
# update), booked (an end-of-call report: completed, a confirmed booking,
# a hot lead) or busy (an end-of-call report, never answered).  NUMBER
# "" sends no customer; NAME "" no name.  $AT, when set, is the call's
# start (the booked report's).
vapi_event() {
	local kind=$1 id=$2 number=$3 name=${4:-} src f
	case $kind in
	queued) src=$FIX/vapi/inbound-completed.1.status-update.queued.json ;;
	booked) src=$FIX/vapi/inbound-completed.6.end-of-call-report.json ;;
	busy) src=$FIX/vapi/outbound-busy.2.end-of-call-report.json ;;
	*) echo "vapi_event: no kind $kind" >&2; return 1 ;;
	esac
	f=$(mktemp)
	jq --arg id "$id" --arg n "$number" --arg name "$name" --arg at "${AT:-}" '
	    (if $n == "" then null elif $name == "" then {number: $n}
	     else {number: $n, name: $name} end) as $c
	    | .message.call.id = $id | .message.customer = $c | .message.call.customer = $c
	    | if $at != "" and .message.startedAt != null then .message.startedAt = $at
	      | .message.endedAt = $at else . end' "$src" >"$f"
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary @"$f"
	rm -f "$f"
	[[ "$CODE" == 200 ]] || { echo "vapi_event $kind $id: $CODE $BODY" >&2; return 1; }
}

# The id of org $ORG's contact for NUMBER (E.164).
contact_of() { sqlv "SELECT id FROM contacts WHERE org_id = '$ORG' AND phone = '$1'"; }

# A contact's history as "field|old|new|by" lines, oldest first.
history_of() {
	sqlv "SELECT concat_ws('|', field, coalesce(old, '-'), coalesce(new, '-'), by)
	        FROM contact_history WHERE org_id = '$ORG' AND contact_id = '$1' ORDER BY id"
}

# Everything a write could change for org $1, as one text.
org_rows() {
	sqlv "SELECT concat_ws(E'\n',
	    (SELECT string_agg(c::text, E'\n' ORDER BY c.id) FROM contacts c WHERE c.org_id = '$1'),
	    (SELECT string_agg(h::text, E'\n' ORDER BY h.id) FROM contact_history h WHERE h.org_id = '$1'),
	    (SELECT string_agg(a::text, E'\n' ORDER BY a.id) FROM hot_lead_alerts a WHERE a.org_id = '$1'),
	    (SELECT string_agg(t::text, E'\n' ORDER BY t::text) FROM contact_name_suffixes t WHERE t.org_id = '$1'),
	    (SELECT string_agg(s::text, E'\n' ORDER BY s::text) FROM contact_phone_suffixes s WHERE s.org_id = '$1'))"
}
