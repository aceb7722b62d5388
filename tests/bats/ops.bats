#!/usr/bin/env bats
# Operations: the health checks, and the programs as plain CGI behind
# nginx with fcgiwrap (shared hosting), answering as they do over FastCGI.

load helpers

setup_file() {
	make_fixture_org
	RT=$(cat "$CALLTRACK_STACK/run/runtime-dir")
	export RT
}

teardown() {
	# A test that stopped a program leaves it running again.
	local p
	for p in vapi-hook retell-hook twilio-status dashboard-calls dashboard-stats dashboard-notify dashboard-import dashboard-contacts dashboard-ingest dashboard-sessions; do
		[ -S "$RT/run/$p.sock" ] && [ -f "$CALLTRACK_STACK/run/$p.pid" ] ||
		    "$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" "$p"
	done
	[ -z "${CGI_NGINX:-}" ] || nginx -p "$CGI_NGINX" -c "$CGI_NGINX/nginx.conf" -s stop 2>/dev/null || true
	# fcgiwrap -c 2 forks two children that outlive their parent and do
	# not end on SIGTERM: they are killed by name of their socket.
	if [ -n "${CGI_WRAP_PID:-}" ]; then
		kill "$CGI_WRAP_PID" 2>/dev/null || true
		pkill -KILL -f "fcgiwrap .*$CGI_NGINX/fcgiwrap.sock" 2>/dev/null || true
		for _ in $(seq 50); do
			pgrep -f "fcgiwrap .*$CGI_NGINX/fcgiwrap.sock" >/dev/null || break
			sleep 0.1
		done
	fi
}

@test "health: each program checks its database; /healthz shows all of them" {
	local p n=0
	for p in vapi-hook retell-hook twilio-status dashboard-calls dashboard-stats dashboard-notify dashboard-import dashboard-contacts dashboard-ingest dashboard-sessions; do
		n=$((n + 1))
		req GET "/healthz/$p"
		expect 200
		[ "$(jq -r '.program + " " + .status + " " + .database' <<<"$BODY")" = "$p ok ok" ]
	done
	req GET /healthz
	expect 200
	[ "$(jq -r '[.[] | .status] | unique | join(",")' <<<"$BODY")" = ok ]
	[ "$(jq -r 'keys | length' <<<"$BODY")" = "$n" ]
	[ "$n" = "$(ls "$CALLTRACK_ROOT"/cgi-bin/*.c | wc -l)" ]
	# Only GET, and only nginx can ask: the parameter is not a header.
	req POST /healthz/vapi-hook
	[ "$CODE" = 403 ]
	req POST "/hooks/vapi/vapi-$SUF" -H 'Calltrack-Health: 1' -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data '{"message":{"type":"status-update","status":"queued","call":{"id":"health-h"}}}'
	expect 200
	[ "$(jq -r .outcome <<<"$BODY")" = applied ]
}

@test "roles: the dashboard's readers connect as calltrack_dashboard, its writers as calltrack_editor, the webhooks as calltrack_app" {
	local p want
	for p in vapi-hook retell-hook twilio-status dashboard-calls dashboard-stats dashboard-notify dashboard-import dashboard-contacts dashboard-ingest dashboard-sessions; do
		req GET "/healthz/$p"
		expect 200
		case $p in
		dashboard-calls | dashboard-stats) want=calltrack_dashboard ;;
		dashboard-*) want=calltrack_editor ;;
		*) want=calltrack_app ;;
		esac
		# Every connection of the program, none of another role.
		[ "$(psql -X -At -c "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity
		    WHERE application_name LIKE '$p[%'")" = "$want" ]
	done
}

@test "health: a program that is down is reported down, the others ok" {
	"$CALLTRACK_ROOT/tools/stack" stop-program "$CALLTRACK_STACK" retell-hook
	req GET /healthz/retell-hook
	expect 503
	[ "$(jq -r .status <<<"$BODY")" = down ]
	req GET /healthz
	expect 200
	[ "$(jq -r '."retell-hook".status' <<<"$BODY")" = down ]
	[ "$(jq -r '."vapi-hook".status' <<<"$BODY")" = ok ]
	"$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" retell-hook
	req GET /healthz/retell-hook
	expect 200
}

# An nginx of its own in front of fcgiwrap, configured as shared hosting
# would run the programs: one CGI process per request.
cgi_nginx() {
	CGI_NGINX=$RT/cgi-nginx
	rm -rf "$CGI_NGINX" && mkdir -p "$CGI_NGINX/tmp"
	local user="" port
	[ "$(id -u)" -eq 0 ] && { user="user nobody nogroup;"; chown nobody: "$CGI_NGINX/tmp"; }
	# fcgiwrap runs the programs; its socket must be writable by nginx.
	(umask 000; exec fcgiwrap -c 2 -s "unix:$CGI_NGINX/fcgiwrap.sock" </dev/null \
	    >>"$CGI_NGINX/fcgiwrap.log" 2>&1 3>&-) &
	CGI_WRAP_PID=$!
	for _ in $(seq 50); do [ -S "$CGI_NGINX/fcgiwrap.sock" ] && break; sleep 0.1; done
	port=$CALLTRACK_SPARE_PORT
	cat >"$CGI_NGINX/nginx.conf" <<EOF
$user
pid $CGI_NGINX/nginx.pid;
error_log $CGI_NGINX/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $CGI_NGINX/tmp/body;
    fastcgi_temp_path $CGI_NGINX/tmp/fcgi;
    proxy_temp_path $CGI_NGINX/tmp/proxy;
    uwsgi_temp_path $CGI_NGINX/tmp/uwsgi;
    scgi_temp_path $CGI_NGINX/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        client_max_body_size 16m;
$(install_cgi_location)
    }
}
EOF
	mkdir -p "$RT/cgi-bin"
	cp "$CALLTRACK_BUILD"/cgi-bin/* "$RT/cgi-bin/"
	chmod 0755 "$RT/cgi-bin" "$RT/cgi-bin"/*
	nginx -p "$CGI_NGINX" -c "$CGI_NGINX/nginx.conf" -e "$CGI_NGINX/error.log" 3>&-
	CGI_URL=http://127.0.0.1:$port
	export CGI_NGINX CGI_WRAP_PID CGI_URL
}

# INSTALL's nginx and fcgiwrap location ([tested: nginx-cgi]), as written,
# with the stack's paths for the programs, the database and fcgiwrap's
# socket.
install_cgi_location() {
	awk '/^\[tested: nginx-cgi\]$/ { on = 1; next }
	    on && /^    / { print substr($0, 5); seen = 1; next }
	    on && seen && !/^[ \t]*$/ { exit }' "$CALLTRACK_ROOT/INSTALL" |
	sed -e "s|/usr/local/lib/calltrack/|$RT/cgi-bin/|" \
	    -e "s|host=/run/postgresql dbname=calltrack user=\\\$role password=…|host=$RT/run dbname=calltrack user=\\\$role|" \
	    -e "s|unix:/run/fcgiwrap.socket|unix:$CGI_NGINX/fcgiwrap.sock|"
}

# Status and body of one request at a base URL.
answer() {	# URL-BASE PATH [curl args...]
	local base=$1 path=$2
	shift 2
	curl -sS -w '\n%{http_code}' "$@" "$base$path"
}

@test "plain CGI through nginx and fcgiwrap: the same answers as over FastCGI" {
	command -v fcgiwrap >/dev/null
	cgi_nginx
	local f=$FIX/vapi/inbound-completed.6.end-of-call-report.json a b
	# A new event through CGI is applied; the same bytes over FastCGI are
	# then a duplicate of it: one database, one event.
	a=$(answer "$CGI_URL" "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary "@$f")
	[ "$(tail -1 <<<"$a")" = 200 ]
	[ "$(head -1 <<<"$a" | jq -r .outcome)" = applied ]
	b=$(answer "$CALLTRACK_URL" "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" --data-binary "@$f")
	[ "$(head -1 <<<"$b" | jq -r .outcome)" = duplicate ]
	[ "$(head -1 <<<"$a" | jq -r .call_id)" = "$(head -1 <<<"$b" | jq -r .call_id)" ]
	# Refusals are the same, byte for byte.
	for args in "-H x-vapi-secret:wrong --data {}" "-X GET" "-H Content-Type:text/plain --data x"; do
		a=$(answer "$CGI_URL" "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' $args)
		b=$(answer "$CALLTRACK_URL" "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' $args)
		[ "$a" = "$b" ] || { echo "CGI: $a"; echo "FastCGI: $b"; return 1; }
	done
	# The dashboard reads the same, through either.
	for path in "/api/calls?limit=5" "/api/stats" "/api/calls?q=maria" "/api/calls?limit=0" \
	    "/api/contacts?limit=5" "/api/contacts?format=csv" "/api/alerts?state=all" "/api/contacts?sort=x"; do
		a=$(answer "$CGI_URL" "$path" -H "Authorization: Bearer $TOKEN")
		b=$(answer "$CALLTRACK_URL" "$path" -H "Authorization: Bearer $TOKEN")
		[ "$a" = "$b" ] || { echo "CGI: $a"; echo "FastCGI: $b"; return 1; }
	done
	a=$(answer "$CGI_URL" /api/calls)
	[ "$(tail -1 <<<"$a")" = 401 ]
	# And the notification destinations, as the writers' role.
	local admin_t
	admin_t=$("$CALLTRACK_ADMIN" token create "$ORG" --role admin 2>/dev/null)
	a=$(answer "$CGI_URL" /api/notifications -H "Authorization: Bearer $admin_t" \
	    -H 'Content-Type: application/json' \
	    --data '{"kind":"slack","url":"https://hooks.slack.com/services/T/B/ops","events":["call.missed"]}')
	[ "$(tail -1 <<<"$a")" = 201 ]
	for path in /api/notifications /api/notifications/deliveries "/api/notifications/deliveries?limit=0"; do
		a=$(answer "$CGI_URL" "$path" -H "Authorization: Bearer $admin_t")
		b=$(answer "$CALLTRACK_URL" "$path" -H "Authorization: Bearer $admin_t")
		[ "$a" = "$b" ] || { echo "CGI: $a"; echo "FastCGI: $b"; return 1; }
	done
	[[ "$(answer "$CGI_URL" /api/notifications -H "Authorization: Bearer $admin_t")" == *'services/T…/…'* ]]
}

# One figure of `calltrack-admin stats ingest`, 0 when absent.
figure() {	# WHAT KEY
	"$CALLTRACK_ADMIN" stats ingest --since '1 hour' | awk -v w="$1" -v k="$2" \
	    '$1 == w && $2 == k { n = $3 } END { print n + 0 }'
}

@test "stats ingest: events, duplicates, rejections and swept calls of a window" {
	local f=$FIX/vapi/outbound-busy.2.end-of-call-report.json ev dup rej swept
	ev=$(figure events vapi/applied); dup=$(figure duplicate vapi)
	rej=$(figure rejected invalid_signature); swept=$(figure swept failed)
	for i in 1 2 3; do
		req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
		    -H "x-vapi-secret: $VAPI_SECRET" --data-binary "@$f"
		expect 200
	done
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H 'x-vapi-secret: wrong' --data-binary "@$f"
	expect 401 invalid_signature
	# A call stuck in queued long enough for the sweeper.
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $VAPI_SECRET" \
	    --data '{"message":{"type":"status-update","status":"queued","call":{"id":"ops-stuck"}}}'
	psql -X -q -c "UPDATE calls SET last_event_at = now() - interval '1 day'
	    WHERE org_id = '$ORG' AND provider_call_id = 'ops-stuck'"
	"$CALLTRACK_ADMIN" sweep >/dev/null
	[ "$(figure events vapi/applied)" -eq $((ev + 2)) ]
	[ "$(figure duplicate vapi)" -eq $((dup + 2)) ]
	[ "$(figure rejected invalid_signature)" -eq $((rej + 1)) ]
	[ "$(figure swept failed)" -ge $((swept + 1)) ]
	run "$CALLTRACK_ADMIN" stats ingest --since 'not an interval'
	[ "$status" -eq 2 ]
	"$CALLTRACK_ADMIN" stats ingest | head -1 | grep -qE '^window [0-9T:Z-]+ [0-9T:Z-]+$'
}

@test "CALLTRACK_WORKERS: one process given the socket (as systemd does) runs N workers, replaces a dead one, stops them all" {
	local sock=$RT/run/vapi-hook.sock.sup parent kids kid user=()
	[ "$(id -u)" -eq 0 ] && user=(-u nobody -g nogroup)
	cp "$CALLTRACK_BUILD/cgi-bin/vapi-hook" "$RT/vapi-hook.sup"
	chmod 0755 "$RT/vapi-hook.sup"
	env CALLTRACK_WORKERS=3 CALLTRACK_DB="host=$RT/run dbname=calltrack user=calltrack_app" \
	    spawn-fcgi -s "$sock" -M 0666 -F 1 -P "$RT/sup.pid" "${user[@]}" -- "$RT/vapi-hook.sup" \
	    >/dev/null 3>&-
	parent=$(cat "$RT/sup.pid")
	for _ in $(seq 50); do [ "$(pgrep -P "$parent" | wc -l)" -eq 3 ] && break; sleep 0.1; done
	[ "$(pgrep -P "$parent" | wc -l)" -eq 3 ]
	# nginx now reaches them (the socket renamed over the program's).
	mv -f "$sock" "$RT/run/vapi-hook.sock"
	for i in 1 2 3 4 5 6; do
		req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' -H "x-vapi-secret: $VAPI_SECRET" \
		    --data "{\"message\":{\"type\":\"status-update\",\"status\":\"queued\",\"call\":{\"id\":\"sup-$i\"}}}"
		expect 200
	done
	kid=$(pgrep -P "$parent" | head -1)
	kill -KILL "$kid"
	for _ in $(seq 40); do
		kids=$(pgrep -P "$parent" | tr '\n' ' ')
		[ "$(wc -w <<<"$kids")" -eq 3 ] && [[ " $kids " != *" $kid "* ]] && break
		sleep 0.1
	done
	[ "$(wc -w <<<"$kids")" -eq 3 ]
	[[ " $kids " != *" $kid "* ]]
	req POST "/hooks/vapi/vapi-$SUF" -H 'Content-Type: application/json' -H "x-vapi-secret: $VAPI_SECRET" \
	    --data '{"message":{"type":"status-update","status":"queued","call":{"id":"sup-after"}}}'
	expect 200
	kill -TERM "$parent"
	for _ in $(seq 50); do kill -0 "$parent" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$parent" 2>/dev/null
	for kid in $kids; do ! kill -0 "$kid" 2>/dev/null; done
	"$CALLTRACK_ROOT/tools/stack" restart-program "$CALLTRACK_STACK" vapi-hook 3>&-
}

@test "systemd units: make install puts them in place; systemd-analyze finds no error and rates them well hardened; the sweeper is a user of its own" {
	command -v systemd-analyze >/dev/null
	local d=$BATS_TEST_TMPDIR/root u=$BATS_TEST_TMPDIR/units out
	make -s -C "$CALLTRACK_ROOT" install DESTDIR="$d" PREFIX=/usr/local >/dev/null
	mkdir -p "$u"
	cp "$d"/usr/local/share/calltrack/systemd/* "$u"/
	for p in vapi-hook retell-hook twilio-status dashboard-calls dashboard-stats dashboard-notify dashboard-import dashboard-contacts dashboard-ingest dashboard-sessions; do
		cp "$u/calltrack@.service" "$u/calltrack@$p.service"
		cp "$u/calltrack@.socket" "$u/calltrack@$p.socket"
	done
	# Every directive known and well formed; only the binaries, not
	# installed on this machine, are missing.
	out=$(cd "$u" && systemd-analyze verify ./calltrack@*-*.service ./calltrack@*-*.socket \
	    ./calltrack-sweep.service ./calltrack-sweep.timer 2>&1 |
	    grep -v 'Command /usr/local/[a-z/-]* is not executable' || true)
	[ -z "$out" ] || { echo "$out"; return 1; }
	# The hardening a network-facing C program wants, scored by systemd.
	run systemd-analyze security --offline=true --threshold=20 "$u/calltrack@vapi-hook.service"
	echo "$output" | tail -1
	[ "$status" -eq 0 ]
	for directive in 'User=calltrack' 'ProtectSystem=strict' 'NoNewPrivileges=yes' 'PrivateTmp=yes' \
	    'SystemCallFilter=@system-service' 'CapabilityBoundingSet=$' 'StandardInput=socket'; do
		grep -qE "^$directive" "$u/calltrack@.service" || { echo "missing $directive"; return 1; }
	done
	grep -q '^ListenStream=/run/calltrack/%i.sock' "$u/calltrack@.socket"
	# The sweeper is a user of its own, and the only unit given the
	# administrator's connection string; the programs get theirs, and the
	# dashboard programs their own role's, from /etc/calltrack/<program>.env.
	local prog_user sweep_user group named
	prog_user=$(sed -n 's/^User=//p' "$u/calltrack@.service")
	sweep_user=$(sed -n 's/^User=//p' "$u/calltrack-sweep.service")
	[ -n "$prog_user" ] && [ -n "$sweep_user" ]
	[ "$prog_user" != "$sweep_user" ] || { echo "the sweeper runs as the programs' user"; return 1; }
	named=$(cd "$u" && grep -l '^[^#]*/etc/calltrack/admin\.env' -- * | tr '\n' ' ')
	[ "$named" = "calltrack-sweep.service " ] || { echo "admin.env named in: $named"; return 1; }
	grep -qx 'EnvironmentFile=-/etc/calltrack/%i.env' "$u/calltrack@.service"
	# The spool: the programs' unit makes it, for their group, which the
	# sweeper joins; a spooled file is the group's to read, not to change.
	group=$(sed -n 's/^Group=//p' "$u/calltrack@.service")
	[ -n "$group" ]
	grep -qx "SupplementaryGroups=$group" "$u/calltrack-sweep.service"
	grep -qx 'StateDirectoryMode=0770' "$u/calltrack@.service"
	grep -qx 'UMask=0027' "$u/calltrack@.service"
	! grep -q '^StateDirectory=' "$u/calltrack-sweep.service"
	grep -qx 'ReadWritePaths=-/var/lib/calltrack/spool' "$u/calltrack-sweep.service"
	run systemd-analyze security --offline=true --threshold=20 "$u/calltrack-sweep.service"
	[ "$status" -eq 0 ]
	# The installed units name the installed programs.
	grep -q '^ExecStart=/usr/local/lib/calltrack/%i$' "$u/calltrack@.service"
	[ -x "$d/usr/local/lib/calltrack/vapi-hook" ]
}
