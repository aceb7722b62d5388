#!/usr/bin/env bats
# The dashboard API end to end: GET /api/calls, /api/calls/<id>, /api/stats
# through nginx, with calls from the fixtures and calls made here.

load helpers
load manifest

setup_file() {
	make_fixture_org
	replay_provider vapi >/dev/null
	replay_provider retell >/dev/null
	replay_provider twilio >/dev/null
	# A second org, with its own token and one call of its own.
	ORG_B=$("$CALLTRACK_ADMIN" org create "Other org $SUF")
	TOKEN_B=$("$CALLTRACK_ADMIN" token create "$ORG_B")
	sql "INSERT INTO contacts (org_id, phone, name, name_source) VALUES
	     ('$ORG_B', '+14155550123', 'Secret Sam', 'manual')"
	B_CALL=$(psql -X -q -At -c "INSERT INTO calls (org_id, provider, provider_call_id, status,
	     phone_number, contact_id, started_at, summary)
	     SELECT '$ORG_B', 'vapi', 'b-secret', 'completed', '+14155550123', id,
	            '2026-01-06T12:00:00Z', 'org B only' FROM contacts WHERE org_id = '$ORG_B'
	     RETURNING id")
	export ORG_B TOKEN_B B_CALL
}

sql() { psql -X -q -v ON_ERROR_STOP=1 -c "$1" >/dev/null; }

# GET with org A's token (or $TOK); extra arguments are query parameters,
# each URL-encoded.
get() {	# PATH [name=value ...]
	local path=$1 a=()
	shift
	for kv in "$@"; do a+=(--data-urlencode "$kv"); done
	req GET "$path" -G -H "Authorization: Bearer ${TOK:-$TOKEN}" "${a[@]}"
}
total() { jq -r .total <<<"$BODY"; }
names() { jq -r '[.calls[].caller_name] | join(",")' <<<"$BODY"; }

# A call of org A made directly, for what the fixtures do not cover.
mkcall() {	# ID STATUS STARTED [column=value SQL fragments...]
	local id=$1 status=$2 started=NULL cols="" vals=""
	[ -z "$3" ] || started="'$3'"
	shift 3
	for cv in "$@"; do cols+=", ${cv%%=*}"; vals+=", ${cv#*=}"; done
	# INSERT … SELECT: a value may be a subquery (a contact's id), which a
	# Citus cluster takes there and not in VALUES.
	sql "INSERT INTO calls (org_id, provider, provider_call_id, status, started_at$cols)
	     SELECT '$ORG', 'vapi', '$id', '$status', $started::timestamptz$vals"
}

@test "the list hides test calls unless asked, and lists live calls" {
	get /api/calls limit=100
	expect 200
	local shown=$(total)
	[ "$(jq '[.calls[] | select(.is_test_call)] | length' <<<"$BODY")" = 0 ]
	get /api/calls limit=100 include_test=true
	[ "$(total)" -gt "$shown" ]
	[ "$(jq '[.calls[] | select(.is_test_call)] | length' <<<"$BODY")" = 4 ]	# web calls, Vapi's websocket one among them
	mkcall live-q queued "" "first_event_at=now()"
	mkcall live-ip in-progress "2026-01-08T10:00:00Z"
	get /api/calls status=queued,in-progress limit=100
	[[ "$(jq -r '[.calls[].provider_call_id] | sort | join(",")' <<<"$BODY")" == *"live-ip,live-q"* ]]
}

@test "search: digits match the number in any format, words the name" {
	local q
	for q in '555-0123' '(415) 555-0123' '+14155550123' '4155550123' '1 415 555 0123'; do
		get /api/calls "q=$q"
		expect 200
		[ "$(names)" = "Maria Gonzalez" ] || { echo "q=$q: $(names)"; return 1; }
	done
	get /api/calls q=gonz
	[ "$(names)" = "Maria Gonzalez" ]
	get /api/calls q=MARIA
	[ "$(names)" = "Maria Gonzalez" ]
	get /api/calls "q=maria 0123"
	[ "$(names)" = "Maria Gonzalez" ]
	get /api/calls "q=maria 0199"
	[ "$(total)" = 0 ]
	# Names with accents, found with or without the case of the accent.
	sql "INSERT INTO contacts (org_id, phone, name, name_source) VALUES ('$ORG', '+14155550942', 'José López-Ñúñez', 'manual')"
	mkcall acc-1 completed "2026-01-09T10:00:00Z" "phone_number='+14155550942'" \
	    "contact_id=(SELECT id FROM contacts WHERE org_id = '$ORG' AND phone = '+14155550942')"
	for q in 'lópez' 'LÓPEZ' 'ñúñ' 'José'; do
		get /api/calls "q=$q"
		[[ "$(names)" == *"José López-Ñúñez"* ]] || { echo "q=$q: $(names)"; return 1; }
	done
	# The fixtures' Retell caller by the number written three ways.
	for q in '555-0142' '(415) 555-0142' '+14155550142'; do
		get /api/calls "q=$q"
		[ "$(total)" -ge 1 ]
	done
	# Wildcards are text.
	get /api/calls q=%
	[ "$(total)" = 0 ]
	get /api/calls q=_
	[ "$(total)" = 0 ]
}

@test "search as people type it: words without their accents, both ways; digits anywhere in the number" {
	local q n
	for n in "+13125550187|Chloé Orzełowska" "+13125550188|Chloe Orzelowska" "+442079467301|Renée Dvořák"; do
		sql "INSERT INTO contacts (org_id, phone, name, name_source) VALUES ('$ORG', '${n%%|*}', '${n#*|}', 'manual')"
		mkcall "typed-${n:1:12}" completed "2026-01-09T11:00:00Z" "phone_number='${n%%|*}'" \
		    "contact_id=(SELECT id FROM contacts WHERE org_id = '$ORG' AND phone = '${n%%|*}')"
	done
	# Without the accent, or with one the name does not have, any case.
	for q in chloe chloé CHLOÉ orzelowska orzełowska 'chloe orzeł' 'ORZEŁ chloé'; do
		get /api/calls "q=$q" limit=100
		expect 200
		[ "$(jq -r '[.calls[].caller_name] | sort | join(",")' <<<"$BODY")" = \
		    "Chloe Orzelowska,Chloé Orzełowska" ] || { echo "q=$q: $(names)"; return 1; }
	done
	for q in renee rénee dvorak DVOŘÁK 'renée dvor'; do
		get /api/calls "q=$q"
		[ "$(names)" = "Renée Dvořák" ] || { echo "q=$q: $(names)"; return 1; }
	done
	# The search test's caller (above), by the name without its accents.
	for q in lopez 'jose nunez' 'JOSE LOPEZ-NUNEZ'; do
		get /api/calls "q=$q"
		[[ "$(names)" == *"José López-Ñúñez"* ]] || { echo "q=$q: $(names)"; return 1; }
	done
	get /api/calls q=orzelowskax
	[ "$(total)" = 0 ]
	# Digits: the leading ones (an area code, the country's code), the
	# middle ones, and still the end.
	for q in '312' '(312) 555' '+1 312' '1312555' '5550187' '555018'; do
		get /api/calls "q=$q" limit=100
		[[ ",$(names)," == *",Chloé Orzełowska,"* ]] || { echo "q=$q: $(names)"; return 1; }
	done
	for q in '2079' '+44 20 79' '4420794673' '7946 73' '467301'; do
		get /api/calls "q=$q" limit=100
		[[ ",$(names)," == *",Renée Dvořák,"* ]] || { echo "q=$q: $(names)"; return 1; }
	done
	get /api/calls "q=5550187 chloe"
	[ "$(names)" = "Chloé Orzełowska" ]
	get /api/calls "q=5550187 renee"
	[ "$(total)" = 0 ]
}

@test "search: the calls a search finds are those a plain scan of every call finds, folded, strpos" {
	local q digits words want got n
	# DIGITS|WORDS: fragments, so that the org's country changes nothing.
	for q in '415|' '555|' '0142|' '1415555|' '2079|' '5550|' '|lopez' '|chloé' '|maria' \
	    '|ñ' '415|gonz' '|orz' '555|orzelowska' '312|chloe'; do
		digits=${q%%|*} words=${q#*|}
		want=$(psql -X -At -c "SELECT COALESCE(string_agg(c.id::text, ',' ORDER BY c.id::text), '')
		    FROM calls c LEFT JOIN contacts k ON k.org_id = c.org_id AND k.id = c.contact_id
		    WHERE c.org_id = '$ORG' AND NOT c.is_test_call
		      AND ('$digits' = '' OR strpos(replace(c.phone_number, '+', ''), '$digits') > 0)
		      AND ('$words' = '' OR strpos(ct_fold(k.name), ct_fold('$words')) > 0)")
		n=$(tr ',' '\n' <<<"$want" | grep -c . || true)
		[ "$n" -le 100 ] || { echo "q=$q: $n calls, more than a page"; return 1; }
		get /api/calls "q=$digits $words" limit=100
		expect 200
		got=$(jq -r '[.calls[].id] | sort | join(",")' <<<"$BODY")
		[ "$got" = "$want" ] || { echo "q=$q: got $got, want $want"; return 1; }
		[ "$(total)" = "$n" ]
	done
}

@test "search: a number typed as the org dials it is read in the org's country" {
	local q gb tok
	# A US org: a British number with the US's international prefix.
	sql "INSERT INTO contacts (org_id, phone, name, name_source) VALUES ('$ORG', '+442079460958', 'Wren Abroad', 'manual')"
	mkcall intl-1 completed "2026-01-09T10:30:00Z" "phone_number='+442079460958'" \
	    "contact_id=(SELECT id FROM contacts WHERE org_id = '$ORG' AND phone = '+442079460958')"
	for q in '011 44 20 7946 0958' '+44 20 7946 0958' '7946 0958'; do
		get /api/calls "q=$q"
		expect 200
		[ "$(names)" = "Wren Abroad" ] || { echo "q=$q: $(names)"; return 1; }
	done
	# A British org: its national number, trunk 0 and all.
	gb=$("$CALLTRACK_ADMIN" org create "British org $SUF" --country GB --timezone Europe/London)
	tok=$("$CALLTRACK_ADMIN" token create "$gb")
	sql "INSERT INTO contacts (org_id, phone, name, name_source) VALUES ('$gb', '+442079460018', 'Harriet Hale', 'manual')"
	sql "INSERT INTO calls (org_id, provider, provider_call_id, status, started_at, phone_number, contact_id)
	     SELECT '$gb', 'vapi', 'gb-1', 'completed', '2026-01-09T10:00:00Z', phone, id
	       FROM contacts WHERE org_id = '$gb'"
	for q in '020 7946 0018' '(020) 7946-0018' '0044 20 7946 0018' '+44 20 7946 0018' '7946 0018'; do
		TOK=$tok get /api/calls "q=$q"
		expect 200
		[ "$(names)" = "Harriet Hale" ] || { echo "q=$q: $(names)"; return 1; }
	done
	# The same number read as a US org reads it is not a full number.
	get /api/calls "q=020 7946 0018"
	[ "$(total)" = 0 ]
	# The CSV export reads it the same way.
	req GET "/api/calls?format=csv&q=020+7946+0018" -H "Authorization: Bearer $tok"
	expect 200
	[[ "$BODY" == *',Harriet Hale,contact,+442079460018,'* ]]
}

@test "filters, alone and together" {
	get /api/calls status=busy limit=100
	[ "$(jq -r '[.calls[].status] | unique | join(",")' <<<"$BODY")" = busy ]
	get /api/calls status=busy,no-answer limit=100
	[ "$(jq -r '[.calls[].status] | unique | join(",")' <<<"$BODY")" = "busy,no-answer" ]
	get /api/calls direction=inbound limit=100
	[ "$(jq -r '[.calls[].direction] | unique | join(",")' <<<"$BODY")" = inbound ]
	get /api/calls booking_status=attempted_failed
	[ "$(jq -r '[.calls[].caller_name] | sort | join(",")' <<<"$BODY")" = "Hannah Lee,Priya Patel" ]
	get /api/calls booking_status=confirmed direction=inbound provider=ignored
	[ "$(jq -r '[.calls[].caller_name] | sort | join(",")' <<<"$BODY")" = "Daniel Kim,Maria Gonzalez" ] ||
	    { echo "$BODY" | jq -c '[.calls[] | [.caller_name, .provider, .direction, .booking_status]]'; return 1; }
	get /api/calls sentiment=unknown status=no-answer limit=100
	[ "$(total)" -ge 2 ]
	get /api/calls sentiment=negative
	[ "$(jq -r '[.calls[].sentiment] | unique | join(",")' <<<"$BODY")" = negative ]
	get /api/calls end_call_reason=transfer
	[ "$(names)" = "Olivia Chen,Grace Okafor" ]
	get /api/calls lead_status=booked limit=100
	[ "$(jq -r '[.calls[].lead_status] | unique | join(",")' <<<"$BODY")" = booked ]
	get /api/calls min_duration=40 max_duration=100 limit=100
	[ "$(jq '[.calls[] | select(.duration_seconds < 40 or .duration_seconds > 100)] | length' <<<"$BODY")" = 0 ]
	[ "$(total)" -ge 2 ]
	get /api/calls from=2026-01-07 to=2026-01-08 limit=100
	[ "$(jq -r '[.calls[].call_at[0:10]] | unique | join(",")' <<<"$BODY")" = 2026-01-07 ]
	get /api/calls from=2026-01-07T16:00:00Z to=2026-01-07T17:00:00Z
	[ "$(names)" = "Olivia Chen" ]
	get /api/calls status=completed direction=outbound sentiment=positive include_test=true
	[ "$(names)" = "Lena Fischer" ]
}

@test "sorting by an allow-listed column, both ways" {
	get /api/calls sort=duration order=desc limit=100
	jq -e '[.calls[].duration_seconds // -1] | . == (sort | reverse)' <<<"$BODY"
	get /api/calls sort=duration order=asc limit=100
	jq -e '[.calls[].duration_seconds // -1] | . == sort' <<<"$BODY"
	get /api/calls sort=cost limit=100
	jq -e '[.calls[].cost // -1] | . == (sort | reverse)' <<<"$BODY"
	get /api/calls sort=started_at order=asc limit=100
	jq -e '[.calls[].call_at] | . == sort' <<<"$BODY"
}

@test "page paging, and cursor paging that stays stable while calls arrive" {
	local all first second c ids
	get /api/calls limit=100
	all=$(jq -r '[.calls[].id] | join(" ")' <<<"$BODY")
	get /api/calls limit=3 page=2
	[ "$(jq -r '[.calls[].id] | join(" ")' <<<"$BODY")" = "$(cut -d' ' -f4-6 <<<"$all")" ]
	get /api/calls limit=3
	first=$(jq -r '[.calls[].id] | join(" ")' <<<"$BODY")
	c=$(jq -r .next_cursor <<<"$BODY")
	# A newer call arrives between two pages: the next page neither
	# repeats nor skips a call.
	mkcall newest completed "2026-12-31T23:59:59Z"
	get /api/calls limit=3 "cursor=$c"
	expect 200
	second=$(jq -r '[.calls[].id] | join(" ")' <<<"$BODY")
	[ "$first $second" = "$(cut -d' ' -f1-6 <<<"$all")" ]
	# Walking every page by cursor visits every call once.
	ids=""
	c=""
	while :; do
		if [ -n "$c" ]; then get /api/calls limit=4 "cursor=$c"; else get /api/calls limit=4; fi
		ids+=" $(jq -r '[.calls[].id] | join(" ")' <<<"$BODY")"
		c=$(jq -r '.next_cursor // empty' <<<"$BODY")
		[ -n "$c" ] || break
	done
	get /api/calls limit=100
	[ "$(wc -w <<<"$ids")" = "$(total)" ]
	[ "$(tr ' ' '\n' <<<"$ids" | sed '/^$/d' | sort | uniq -d | wc -l)" = 0 ]
	# A cursor of another sort is refused.
	get /api/calls sort=duration "cursor=$c"
	[ -z "$c" ] || expect 400 invalid_parameter
}

@test "CSV: the same filters, RFC 4180 quoting, the row cap in a header" {
	sql "INSERT INTO contacts (org_id, phone, name, name_source) VALUES
	     ('$ORG', '+14155550911', 'Doe, \"Jim\" Jr.', 'manual')"
	mkcall csv-1 completed "2026-01-09T11:00:00Z" "phone_number='+14155550911'" \
	    "summary=E'Line one, with a comma\nline \"two\"'" \
	    "contact_id=(SELECT id FROM contacts WHERE org_id = '$ORG' AND phone = '+14155550911')"
	req GET "/api/calls?format=csv&q=Jim" -H "Authorization: Bearer $TOKEN"
	expect 200
	grep -qi '^Content-Type: text/csv' <<<"$HEADERS"
	grep -qx 'X-Row-Cap: 1000000' <<<"$HEADERS"
	[[ "$BODY" == "id,call_at,provider,"* ]]
	[[ "$BODY" == *',"Doe, ""Jim"" Jr.",contact,+14155550911,'* ]]
	[[ "$BODY" == *$'"Line one, with a comma\nline ""two"""'* ]]
	# Same filters as the JSON list: as many rows as its total.
	get /api/calls direction=outbound include_test=true
	local n=$(total)
	req GET "/api/calls?format=csv&direction=outbound&include_test=true" -H "Authorization: Bearer $TOKEN"
	[ "$(tr -d '\r' <<<"$BODY" | grep -c '^[0-9a-f]\{8\}-')" = "$n" ]
}

@test "a renamed contact is renamed in the next list" {
	get /api/calls q=Osei
	[ "$(names)" = "Kevin Osei" ]
	sql "UPDATE contacts SET name = 'Kevin O. Mensah', name_source = 'manual'
	     WHERE org_id = '$ORG' AND phone = '+14155550156'"
	get /api/calls q=Mensah
	[ "$(names)" = "Kevin O. Mensah" ]
}

@test "one call in full: transcript, metadata, evidence, alert, timeline oldest first" {
	get /api/calls q=Maria
	local id=$(jq -r '.calls[0].id' <<<"$BODY")
	get "/api/calls/$id"
	expect 200
	jq -e '.transcript | length > 100' <<<"$BODY"
	jq -e '.booking_evidence.tool == "book_appointment" and .booking_evidence.successful' <<<"$BODY"
	jq -e '.hot_lead_alert.score >= 70' <<<"$BODY"
	jq -e '[.events[].type] == ["status-update","status-update","status-update","speech-update","status-update","end-of-call-report"]' <<<"$BODY"
	jq -e '[.events[].received_at] == ([.events[].received_at] | sort)' <<<"$BODY"
	get /api/calls q=Lena include_test=true
	get "/api/calls/$(jq -r '.calls[0].id' <<<"$BODY")"
	jq -e '.metadata.is_test_call == true' <<<"$BODY"
}

@test "a call that does not exist, a malformed id and another org's call are all 404" {
	get /api/calls/00000000-0000-0000-0000-000000000000
	expect 404 not_found
	get /api/calls/not-a-uuid
	expect 404 not_found
	get "/api/calls/$B_CALL"
	expect 404 not_found
	TOK=$TOKEN_B get "/api/calls/$B_CALL"
	expect 200
}

@test "tenant isolation: org B's token finds, counts and reveals nothing of org A" {
	local p
	for p in "q=Maria" "q=+14155550123" "status=completed" "booking_status=confirmed" \
	    "include_test=true" "format=csv"; do
		TOK=$TOKEN_B get /api/calls "$p"
		expect 200
		[[ "$BODY" != *"Maria"* && "$BODY" != *"Gonzalez"* && "$BODY" != *"$ORG"* ]]
	done
	TOK=$TOKEN_B get /api/calls include_test=true
	[ "$(total)" = 1 ]
	[ "$(names)" = "Secret Sam" ]
	# Every call id of org A is a 404 for org B.
	for id in $(psql -X -At -c "SELECT id FROM calls WHERE org_id = '$ORG'"); do
		TOK=$TOKEN_B get "/api/calls/$id"
		[ "$CODE" = 404 ] || { echo "org B saw $id"; return 1; }
	done
	TOK=$TOKEN_B get /api/stats from=2025-01-01 to=2027-01-01 include_test=true
	[ "$(jq .total_calls <<<"$BODY")" = 1 ]
	# And org A never sees org B's caller under the shared number.
	get /api/calls q=Secret
	[ "$(total)" = 0 ]
}

@test "SQL in any parameter is a 400 or the same answer as a harmless value" {
	local inj p harmless
	for inj in "';DROP TABLE calls;--" "1 OR 1=1" "\" OR \"\"=\"" "1); SELECT pg_sleep(5);--" \
	    "completed' OR 'a'='a" "\\' UNION SELECT * FROM api_tokens --"; do
		for p in q status direction booking_status sentiment lead_status end_call_reason \
		    from to min_duration max_duration include_test sort order limit page cursor format; do
			get /api/calls "$p=$inj"
			if [ "$CODE" = 400 ]; then
				[ "$(jq -r .error.parameter <<<"$BODY")" = "$p" ] || { echo "$p: $BODY"; return 1; }
			else
				[ "$CODE" = 200 ] || { echo "$p=$inj: HTTP $CODE"; return 1; }
				[ "$p" = q ] || { echo "$p=$inj accepted"; return 1; }
				[ "$(total)" = 0 ]	# as harmless text matching nothing
			fi
		done
		for p in from to tz include_test; do
			get /api/stats "$p=$inj"
			expect 400 invalid_parameter
		done
	done
	run psql -X -At -c "SELECT count(*) > 0 FROM calls"
	[ "$output" = t ]
}

@test "every bad parameter is a 400 naming it; unknown parameters are ignored" {
	local kv
	for kv in limit=0 limit=101 limit=abc page=0 page=-1 from=2026-02-30 to=yesterday \
	    min_duration=-5 max_duration=1e3 include_test=maybe sort=caller order=up format=xml \
	    status=done direction=sideways booking_status=maybe sentiment=happy lead_status=hot \
	    end_call_reason=bored cursor=%%%; do
		get /api/calls "$kv"
		expect 400 invalid_parameter
		[ "$(jq -r .error.parameter <<<"$BODY")" = "${kv%%=*}" ] || { echo "$kv: $BODY"; return 1; }
	done
	get /api/calls from=2026-02-01 to=2026-01-01
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = from ]
	get /api/calls min_duration=50 max_duration=10
	[ "$(jq -r .error.parameter <<<"$BODY")" = max_duration ]
	get /api/stats tz=Mars/Olympus
	[ "$(jq -r .error.parameter <<<"$BODY")" = tz ]
	get /api/stats from=2026-13-01
	[ "$(jq -r .error.parameter <<<"$BODY")" = from ]
	get /api/stats from=2026-03-10 to=2026-03-01
	[ "$(jq -r .error.parameter <<<"$BODY")" = from ]
	get /api/calls color=blue limit=2
	expect 200
}

@test "stats: hand-computed figures over a small set, days across a DST change" {
	local o t b
	o=$("$CALLTRACK_ADMIN" org create "Stats $SUF" --timezone America/New_York)
	t=$("$CALLTRACK_ADMIN" token create "$o")
	# 2026-03-08 is the spring-forward day in New York (EST -5 → EDT -4).
	sql "INSERT INTO contacts (org_id, phone, name, name_source) VALUES ('$o', '+14155550301', 'Ada Stats', 'manual');
	     INSERT INTO calls (org_id, provider, provider_call_id, status, started_at, duration_seconds, cost,
	                        sentiment, booking_status, end_call_reason, is_test_call, phone_number, contact_id)
	     SELECT '$o', 'vapi', x.id, x.status, x.at::timestamptz, x.dur, x.cost, x.sent, x.book, x.why, x.test,
	            '+14155550301', (SELECT id FROM contacts WHERE org_id = '$o')
	       FROM (VALUES
	        ('s1', 'completed', '2026-03-08T04:30:00Z', 100, 0.10, 'positive', 'confirmed', 'customer_hangup', false),
	        ('s2', 'no-answer', '2026-03-08T05:30:00Z', 0, 0.00, NULL, 'not_requested', 'no_answer', false),
	        ('s3', 'completed', '2026-03-09T03:30:00Z', 200, 0.30, 'negative', 'attempted_failed', 'agent_hangup', false),
	        ('s4', 'voicemail', '2026-03-09T04:30:00Z', 30, 0.05, 'neutral', 'not_requested', 'voicemail', false),
	        ('s5', 'completed', '2026-03-08T15:00:00Z', 999, 9.99, 'positive', 'confirmed', 'customer_hangup', true))
	            AS x(id, status, at, dur, cost, sent, book, why, test);
	     INSERT INTO hot_lead_alerts (org_id, call_id, contact_id, score)
	     SELECT '$o', id, contact_id, 88 FROM calls WHERE org_id = '$o' AND provider_call_id = 's1'"
	TOK=$t get /api/stats from=2026-03-07 to=2026-03-10
	expect 200
	b=$BODY
	jq -e '.range == {"from":"2026-03-07T05:00:00.000Z","to":"2026-03-10T04:00:00.000Z","tz":"America/New_York"}' <<<"$b"
	jq -e '.total_calls == 4 and .answered_calls == 2 and .answer_rate == 0.5' <<<"$b"
	jq -e '.by_status.completed == 2 and .by_status["no-answer"] == 1 and .by_status.voicemail == 1' <<<"$b"
	jq -e '.avg_duration_seconds == 150 and .total_cost == 0.45' <<<"$b"
	jq -e '.sentiment == {"positive":1,"neutral":1,"negative":1,"unknown":1}' <<<"$b"
	jq -e '.booking == {"confirmed":1,"attempted_failed":1,"not_requested":2,"conversion_rate":0.5}' <<<"$b"
	jq -e '.hot_leads == 1' <<<"$b"
	jq -e '.end_call_reasons[0] == {"reason":"agent_hangup","calls":1} and (.end_call_reasons | length) == 4' <<<"$b"
	# 04:30Z on the 8th is 23:30 EST on the 7th; 03:30Z on the 9th is
	# 23:30 EDT on the 8th.
	jq -e '.daily == [{"date":"2026-03-07","calls":1,"answered":1,"booked":1},
	                  {"date":"2026-03-08","calls":2,"answered":1,"booked":0},
	                  {"date":"2026-03-09","calls":1,"answered":0,"booked":0}]' <<<"$b"
	jq -e '[.recent_activity[].type] | sort == ["completed_call","completed_call","hot_lead"]' <<<"$b"
	jq -e '[.recent_activity[].caller_name] | unique == ["Ada Stats"]' <<<"$b"
	# The test call counts only when asked, in every figure.
	TOK=$t get /api/stats from=2026-03-07 to=2026-03-10 include_test=true
	jq -e '.total_calls == 5 and .total_cost == 10.44 and .booking.confirmed == 2' <<<"$BODY"
	# The same days read in UTC.
	TOK=$t get /api/stats from=2026-03-07 to=2026-03-10 tz=UTC
	jq -e '[.daily[].calls] == [0,2,2]' <<<"$BODY"
	# Without a range: the last 30 days, ending today in the zone.
	TOK=$t get /api/stats
	jq -e '(.daily | length) == 30 and .total_calls == 0' <<<"$BODY"
}

@test "days and times that do not exist are a 400 naming the bound, on the list and the stats" {
	local v p
	for v in 2026-01-99 2026-02-30 2025-02-29 2026-13-01 2026-00-10 \
	    2026-02-30T10:00:00Z 2025-02-29T00:00:00Z 2026-13-01T00:00:00Z 2026-01-06T24:00:00Z \
	    2026-01-06T12:60:00Z 2026-01-06T12:00:61Z 2026-01-06T12:00:60Z \
	    2026-01-06T12:00:00+14:30 2026-01-06T12:00:00-15:00 2026-01-06T12:00:00+05:60; do
		for p in from to; do
			get /api/calls "$p=$v"
			expect 400 invalid_parameter || { echo "calls $p=$v"; return 1; }
			[ "$(jq -r .error.parameter <<<"$BODY")" = "$p" ] || { echo "calls $p=$v: $BODY"; return 1; }
			get /api/stats "$p=$v"
			expect 400 invalid_parameter || { echo "stats $p=$v"; return 1; }
			[ "$(jq -r .error.parameter <<<"$BODY")" = "$p" ] || { echo "stats $p=$v: $BODY"; return 1; }
		done
	done
	# What exists still answers: a leap day, a leap second, +14:00.
	for v in 2024-02-29 2024-02-29T12:00:00Z 2016-12-31T23:59:60Z 2026-01-06T12:00:00+14:00; do
		get /api/calls "from=$v"
		expect 200
		get /api/stats "from=$v"
		expect 200
	done
	# A stats range has a row a day: a hundred years at most.
	get /api/stats from=1970-01-01 to=9999-12-31
	expect 400 invalid_parameter
	[ "$(jq -r .error.parameter <<<"$BODY")" = to ]
	get /api/calls from=1970-01-01 to=9999-12-31
	expect 200
}

# A cursor as the list writes one: sort|order|value|id, base64url.
cursor() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }

@test "a cursor whose value is not of its sort's shape is a 400 on cursor" {
	local id=00000000-0000-0000-0000-000000000000 c
	for c in "cost|desc|1.2.3|$id" "cost|desc|1e5|$id" "cost|desc|123456789012|$id" "cost|desc||$id" \
	    "cost|desc|0.1234567|$id" "cost|desc|0.42|not-a-uuid"; do
		get /api/calls sort=cost "cursor=$(cursor "$c")"
		expect 400 invalid_parameter || { echo "$c"; return 1; }
		[ "$(jq -r .error.parameter <<<"$BODY")" = cursor ]
	done
	for c in "duration|desc|1.5|$id" "duration|desc|99999999999|$id" "duration|desc|-7|$id"; do
		get /api/calls sort=duration "cursor=$(cursor "$c")"
		expect 400 invalid_parameter || { echo "$c"; return 1; }
		[ "$(jq -r .error.parameter <<<"$BODY")" = cursor ]
	done
	for c in "started_at|desc|2026-02-30T00:00:00.000000Z|$id" "started_at|desc|2026-01-06T24:00:00Z|$id" \
	    "started_at|desc|1.2.3|$id"; do
		get /api/calls "cursor=$(cursor "$c")"
		expect 400 invalid_parameter || { echo "$c"; return 1; }
		[ "$(jq -r .error.parameter <<<"$BODY")" = cursor ]
	done
	# Well-formed values page on.
	get /api/calls sort=cost "cursor=$(cursor "cost|desc|0.420000|$id")"
	expect 200
	get /api/calls sort=duration order=asc "cursor=$(cursor "duration|asc|-1|$id")"
	expect 200
}

# Sends every value of the array values as PATH?NAME=value (and the rest of
# the query, SUFFIX) through one curl, and fails on a 5xx, or on a 400 that
# names another parameter.  Counts requests in n.
sweep() {	# PATH NAME SUFFIX
	local d=$BATS_TEST_TMPDIR/sweep i args=() codes
	mkdir -p "$d"
	for i in "${!values[@]}"; do
		args+=(-o "$d/$i" "$CALLTRACK_URL$1?$2=${values[$i]}$3")
	done
	mapfile -t codes < <(curl -sS --globoff -H "Authorization: Bearer $TOKEN" -w '%{http_code}\n' "${args[@]}")
	[ "${#codes[@]}" = "${#values[@]}" ] || { echo "$1 $2: ${#codes[@]} answers"; return 1; }
	for i in "${!values[@]}"; do
		n=$((n + 1))
		[ "${codes[$i]}" -lt 500 ] ||
		    { echo "$1 $2=${values[$i]:0:40}$3: HTTP ${codes[$i]} $(cat "$d/$i")"; return 1; }
		[ "${codes[$i]}" != 400 ] || grep -qF "\"parameter\":\"$2\"" "$d/$i" ||
		    { echo "$1 $2=${values[$i]:0:40}$3: $(cat "$d/$i")"; return 1; }
	done
}

@test "every parameter of /api/calls and /api/stats, given hostile values, is never a 5xx" {
	local p n=0 huge vast
	huge=$(head -c 6000 /dev/zero | tr '\0' '9')
	vast=$(head -c 20000 /dev/zero | tr '\0' 'a')
	# Already URL-encoded: empty, huge, NUL, not UTF-8, control, out of
	# range, negative, wrong types, SQL, bad escapes, edges of the calendar.
	local values=("" "$huge" "$vast" "%00" "a%00b" "%FF" "%C0%AF" "%ED%A0%80" "a%C3%28b" "%01" "%0D%0A"
	    "-1" "-0" "-99999999999999999999" "99999999999999999999" "2147483648" "1.5" "1e309" "NaN" "true"
	    "%5B%5D" "%7B%22a%22%3A1%7D" "%27%3B+DROP+TABLE+calls%3B--" "%5C" "%22" "%25" "%7B%7D" "a,,b"
	    "0" "9999-12-31" "0001-01-01" "1969-12-31" "2026-02-30" "2026-01-06T24:00:00Z"
	    "9999-12-31T23:59:59-14:00" "9999-12-31T23:59:59%2B14:00" "1970-01-01T00:00:00%2B14:00"
	    "America" "leapseconds" "..%2F..%2Fetc%2Fpasswd" "%zz" "%")
	for p in q status direction booking_status sentiment lead_status end_call_reason from to \
	    min_duration max_duration include_test sort order limit page cursor format; do
		sweep /api/calls "$p" ""
		sweep /api/calls "$p" "&format=csv"
	done
	for p in from to tz include_test; do
		sweep /api/stats "$p" ""
	done
	# And as the far end of the widest range a bound can open.
	sweep /api/stats to "&from=1970-01-01"
	echo "$n requests" >&3
	# A CSV answer goes out as 200 before its rows: none was cut short
	# by an error of the database.
	! grep -q 'cut short' "$CALLTRACK_STACK/log/dashboard-calls.log"
}
