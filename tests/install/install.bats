#!/usr/bin/env bats
# INSTALL as a test: the blocks it marks `[tested: KIND]`, run as written,
# in the document's order, in one root shell, against a PostgreSQL 15
# cluster made as Debian makes one (pg_createcluster: peer authentication
# on the local socket), then the installed programs as Apache runs them as
# CGI under a prefix (tests/install/apache-cgi reads the .htaccess block).
#
# What a test must change, and nothing else (each named where it is done):
#   S1 the cluster's socket directory and port: PGHOST and PGPORT in the
#      shell's environment (Debian's are /var/run/postgresql and 5432),
#      and /run/postgresql in a block's connection string;
#   S2 the staged install: DESTDIR in the environment of `make install`,
#      /usr/local/ read as $DESTDIR/usr/local/ in the commands after it,
#      and $DESTDIR/usr/local/bin on PATH;
#   S3 the build directory: BUILD in make's environment (CALLTRACK_BUILD);
#   S4 what an administrator types: one test secret on standard input,
#      for psql's \password prompts and each `--secret -`, and the
#      passwords in a PGPASSFILE (INSTALL: "or a ~/.pgpass line");
#   S5 the cluster's own pg_hba.conf and postgresql.conf (conf.d/) in place
#      of /etc/postgresql/15/main/, and pg_ctlcluster's reload in place of
#      systemctl's;
#   S6 HOME, the site owner's home (~/public_html/cgi-bin/ made as on a
#      host with a CGI-enabled directory), and in the .htaccess `host=…`
#      and `password=…` filled in;
#   S7 log_connections on in the cluster, to see which role each program
#      connected as (an observation, changing nothing INSTALL does).
# A block is run with its four-space indent removed, as a reader copies
# it.  Root only: the cluster and the peer authentication need the
# postgres user and root's runuser.

load ../bats/helpers

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "INSTALL's steps run as root"
	# A directory the postgres user can reach (bats' own is root's alone).
	IT=$(mktemp -d "${TMPDIR:-/tmp}/calltrack-install.XXXXXX")
	export IT
	chmod 0755 "$IT"
	# The test's secret and every role's password (S4).
	export PW=key_$(openssl rand -hex 16)
	export CLUSTER=ctinstall$$ D=$IT/stage HOMEDIR=$IT/home
	export PG_CLUSTER_CONF_ROOT=$IT/etc
	# tests/run's spare port, or one found free on loopback.
	IPORT=${CALLTRACK_SPARE_PORT:-}
	while [ -z "$IPORT" ] || (exec 3<>"/dev/tcp/127.0.0.1/$IPORT") 2>/dev/null; do
		IPORT=$((20000 + RANDOM % 20000))
	done
	export IPORT
	mkdir -p "$IT/etc" "$IT/run" "$IT/log" "$HOMEDIR/public_html/cgi-bin"
	chown postgres: "$IT/run" "$IT/log"
	# A cluster as `pg_createcluster 15 main` makes it, in the test's
	# directory, its socket and port its own (S1), listening on loopback.
	pg_createcluster 15 "$CLUSTER" -d "$IT/data" -s "$IT/run" -p "$IPORT" \
	    -l "$IT/log/postgresql.log" -o log_connections=on --start -- --no-sync >"$IT/log/createcluster.log" 2>&1 ||
	    { cat "$IT/log/createcluster.log" >&2; return 1; }
	export CONF=$IT/etc/15/$CLUSTER
}

teardown_file() {
	[ -n "${IT:-}" ] || return 0
	[ ! -d "${CONF:-/nonexistent}" ] || pg_dropcluster --stop 15 "$CLUSTER" >/dev/null 2>&1 || true
	[ "${TEST_KEEP:-0}" = 1 ] && echo "# kept $IT" >&3 || rm -rf "$IT"
}

# The marked blocks of INSTALL, one file each, NN.KIND, in order; a
# marker with no indented block under it is an error.
extract() {	# DIR
	awk -v dir="$1" '
	function close_block() { if (out != "") close(out); out = ""; inb = 0; pend = "" }
	/^\[tested: [^]]+\]$/ {
		if (want != "") { print "marker without a block: " want > "/dev/stderr"; exit 1 }
		close_block(); n++; want = substr($0, 10, length($0) - 10); next
	}
	{
		if (want != "") {
			if ($0 ~ /^$/) next
			if ($0 !~ /^    /) { print "marker without a block: " want > "/dev/stderr"; exit 1 }
			out = sprintf("%s/%02d.%s", dir, n, want); want = ""; inb = 1
		}
		if (inb) {
			if ($0 ~ /^[ \t]*$/) { pend = pend "\n"; next }
			if ($0 !~ /^    /) { close_block(); next }
			printf "%s%s\n", pend, substr($0, 5) > out; pend = ""
		}
	}
	END { if (want != "") { print "marker without a block: " want > "/dev/stderr"; exit 1 } }
	' "$CALLTRACK_ROOT/INSTALL"
}

# S1, S2: a shell block's text as the test runs it.
shell_block() {	# FILE
	sed -e "s|/run/postgresql|$IT/run|g" -e "s|/usr/local/|$D/usr/local/|g" "$1"
}

# The session: every block in order, each kind done as INSTALL's prose
# around it says.
session() {	# BLOCKS-DIR > script
	local f kind
	echo 'set -euo pipefail'
	for f in "$1"/*; do
		kind=${f##*/}
		kind=${kind#[0-9][0-9].}
		echo "echo '== INSTALL block ${f##*/}' >&2"
		case $kind in
		sh)	shell_block "$f" ;;
		installed)	echo "check_installed '$f'" ;;
		pg_hba.conf)	echo "add_pg_hba '$f'" ;;
		postgresql.conf)	echo "add_pg_conf '$f'" ;;
		.htaccess)	echo "put_htaccess '$f'" ;;
		nginx-cgi)	echo ": the nginx and fcgiwrap location: tests/bats/ops.bats runs it" ;;
		*)	echo "echo 'no way to run a block of kind $kind' >&2; exit 1" ;;
		esac
	done
}

# What the session calls for the blocks that are not commands.
helpers_for_session() {
	cat <<'EOF'
# "installs:": every path listed is there under DESTDIR.
check_installed() {
	local spec p n=0 missing=0
	spec=$(tr '\n' ' ' <"$1" | sed -e 's/,  */,/g' -e 's/{ */{/g' | tr ' ' '\n' | grep '^/' || true)
	for p in $spec; do
		case $p in *[!A-Za-z0-9/_.{},*-]*) echo "installed: a path of an odd shape: $p" >&2; return 1 ;; esac
		for q in $(eval "echo $D$p"); do
			n=$((n + 1))
			[ -e "$q" ] || { echo "installed: INSTALL lists ${q#$D}, make install made no such file" >&2; missing=1; }
		done
	done
	[ "$n" -ge 10 ] && [ "$missing" = 0 ]
}
# S5: the lines above Debian's own `local all all peer`, then a reload.
add_pg_hba() {
	local hba=$CONF/pg_hba.conf
	grep -qE '^local +all +all +peer' "$hba"
	awk -v add="$1" '/^local +all +all +peer/ && !done { while ((getline l < add) > 0) print l; done = 1 } { print }' \
	    "$hba" >"$hba.new" && cat "$hba.new" >"$hba" && rm "$hba.new"
	pg_ctlcluster 15 "$CLUSTER" reload
	# The server reads the file again on the signal, after this returns:
	# until then (a bounded wait) the owner's string is still refused.
	for _ in $(seq 100); do
		psql -X -w "host=$IT/run dbname=calltrack user=calltrack_owner" -Atc 'SELECT 1' \
		    >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "pg_hba.conf: calltrack_owner still cannot connect by password" >&2
	return 1
}
# S5: the settings in the cluster's conf.d, a reload (a restart for those
# read at start), each one in force.
add_pg_conf() {
	local name value names
	cp "$1" "$CONF/conf.d/calltrack.conf"
	# Every line read; one read at start only is "could not be applied"
	# until the restart below.
	[ "$(runuser -u postgres -- psql -XAtc "SELECT count(*) FROM pg_file_settings
	    WHERE error IS NOT NULL AND error <> 'setting could not be applied'")" = 0 ] ||
	    { echo "postgresql.conf: a line the server does not take" >&2; return 1; }
	sed -n 's/^\([a-z_]*\) *= *\([^ #]*\).*/\1 \2/p' "$1" >"$IT/settings"
	[ -s "$IT/settings" ]
	# A setting read at start only (shared_buffers) takes a restart, as
	# INSTALL says; the others a reload.
	names=$(awk '{ print $1 }' "$IT/settings" | paste -sd, -)
	if [ "$(echo "SELECT count(*) FROM pg_settings WHERE context = 'postmaster'
	              AND name = ANY (string_to_array(:'names', ','))" |
	        runuser -u postgres -- psql -XAt -v names="$names")" != 0 ]; then
		pg_ctlcluster 15 "$CLUSTER" restart
	else
		pg_ctlcluster 15 "$CLUSTER" reload
	fi
	# Each in force once the server has read the file again (bounded).
	while read -r name value; do
		for _ in $(seq 100); do
			got=$(runuser -u postgres -- psql -XAtc "SHOW $name")
			[ "$got" = "$value" ] && break
			sleep 0.1
		done
		[ "$got" = "$value" ] || { echo "postgresql.conf: $name is $got, INSTALL sets $value" >&2; return 1; }
	done <"$IT/settings"
}
# S6: the site's .htaccess, its placeholders filled in.
put_htaccess() {
	sed -e "s|host=…|host=$IT/run port=$PGPORT|g" -e "s|password=…|password=$PW|g" "$1" \
	    >~/public_html/.htaccess
	chmod 0640 ~/public_html/.htaccess
}
EOF
}

@test "INSTALL's marked blocks run as written: build, install with DESTDIR, the database on a Debian cluster, the admin commands, the CGI copy" {
	local blocks=$IT/blocks s=$IT/session.sh rc
	mkdir -p "$blocks"
	extract "$blocks"
	# The document's steps, in its order: a marker added or lost is seen.
	[ "$(ls "$blocks" | sed 's/^[0-9]*\.//' | tr '\n' ' ')" = \
	    "sh installed sh pg_hba.conf sh postgresql.conf sh sh .htaccess nginx-cgi " ]
	{ helpers_for_session; session "$blocks"; } >"$s"
	# S4: the passwords for libpq, as the administrator's ~/.pgpass has them.
	printf '*:*:calltrack:%s:%s\n' calltrack_owner "$PW" calltrack_app "$PW" \
	    calltrack_dashboard "$PW" calltrack_editor "$PW" calltrack_notify "$PW" >"$IT/pgpass"
	chmod 0600 "$IT/pgpass"
	# S1-S6 in the environment; no terminal (setsid), so psql's \password
	# reads its answers from standard input, as at a prompt.
	set +e
	"$CALLTRACK_ROOT/tests/install/typist" "$PW" | (cd "$CALLTRACK_ROOT" && setsid -w env -i \
	    PATH="$D/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
	    HOME="$HOMEDIR" LANG=C.UTF-8 PGHOST="$IT/run" PGPORT="$IPORT" PGPASSFILE="$IT/pgpass" \
	    DESTDIR="$D" BUILD="$CALLTRACK_BUILD" PG_CLUSTER_CONF_ROOT="$PG_CLUSTER_CONF_ROOT" \
	    CLUSTER="$CLUSTER" CONF="$CONF" IT="$IT" D="$D" PW="$PW" \
	    bash "$s") >"$IT/session.out" 2>"$IT/session.err"
	rc=${PIPESTATUS[1]}
	set -e
	[ "$rc" -eq 0 ] || { echo "session exit $rc"; tail -40 "$IT/session.err"; return 1; }
	# What section 7 printed: the token once, the three webhook paths.
	grep -E '^ct_[A-Za-z0-9_-]+$' "$IT/session.out" >"$IT/token"
	[ "$(wc -l <"$IT/token")" = 1 ]
	grep -qx /hooks/vapi/acme-vapi "$IT/session.out"
	grep -qx /hooks/retell/acme-retell "$IT/session.out"
	grep -qx https://calls.acme.example/hooks/twilio/acme-twilio "$IT/session.out"
	# ...and the token's id on standard error, for a revoke.
	grep -qE 'token id' "$IT/session.err"
}

@test "the database as INSTALL left it: the owner without CREATEROLE or superuser, the programs' roles by password, Debian's peer line kept" {
	[ -s "$IT/token" ] || { echo "the install did not complete (the first test)"; return 1; }
	local q="SELECT rolname, rolsuper, rolcreaterole, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname LIKE 'calltrack%' ORDER BY 1"
	[ "$(PGHOST=$IT/run PGPORT=$IPORT runuser -u postgres -- psql -XAt -F' ' -c "$q" | tr '\n' ';')" = \
	    "calltrack_app f f f t;calltrack_dashboard f f f t;calltrack_editor f f f t;calltrack_notify f f t t;calltrack_owner f f t t;" ]
	# Each role's connection string, as INSTALL gives it, by password.
	for r in owner app dashboard editor notify; do
		PGPASSFILE=$IT/pgpass psql -X -w "host=$IT/run port=$IPORT dbname=calltrack user=calltrack_$r" \
		    -Atc 'SELECT current_user' >/dev/null || { echo "calltrack_$r cannot connect"; return 1; }
	done
	# The postgres user still gets in by peer, and another Unix user's
	# string without a password is refused (scram, not peer or trust).
	PGHOST=$IT/run PGPORT=$IPORT runuser -u postgres -- psql -XAtc 'SELECT 1' >/dev/null
	! PGPASSFILE=/dev/null psql -X -w "host=$IT/run port=$IPORT dbname=calltrack user=calltrack_app" \
	    -c 'SELECT 1' 2>/dev/null
}

# A request to the site under PREFIX, as Apache gives it to the program.
site() {	# PREFIX METHOD URI [BODY] [-H 'Name: value']...
	local prefix=$1
	shift
	"$CALLTRACK_ROOT/tests/install/apache-cgi" "$HOMEDIR/public_html" "$prefix" "$@" \
	    2>>"$IT/cgi.log"
}
# The cluster's log shows PROGRAM's connections, each as ROLE (S7).
connected_as() {	# ROLE PROGRAM
	local all mine
	all=$(grep -c "connection authorized: .*application_name=$2\\[[0-9]*\\]\$" "$IT/log/postgresql.log" || true)
	mine=$(grep -c "connection authorized: user=$1 database=calltrack application_name=$2\\[[0-9]*\\]\$" \
	    "$IT/log/postgresql.log" || true)
	[ "$all" -ge 1 ] && [ "$mine" = "$all" ] ||
	    { echo "$2: $mine of $all connections as $1"; grep "application_name=$2" "$IT/log/postgresql.log"; return 1; }
}
status_line() { head -n1 <<<"$output" | tr -d '\r'; }
cgi_body() { sed '1,/^\r\{0,1\}$/d' <<<"$output"; }

@test "the installed webhooks as CGI under /~acme/: a signed callback of each provider is applied; an unknown integration is a 404" {
	[ -s "$IT/token" ] || { echo "the install did not complete (the first test)"; return 1; }
	local f
	f=$FIX/vapi/outbound-busy.1.status-update.queued.json
	run site /~acme/ POST /~acme/hooks/vapi/acme-vapi "$f" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $PW"
	[ "$(status_line)" = "Status: 200 OK" ] || { echo "$output"; tail -5 "$IT/cgi.log"; return 1; }
	[ "$(cgi_body | jq -r .outcome)" = applied ]
	# Retell, signed by tools/sign (README's way), at the site's root.
	f=$FIX/retell/booking-succeeded.1.call_started.json
	run site / POST /hooks/retell/acme-retell "$f" -H 'Content-Type: application/json' \
	    -H "$(CALLTRACK_SIGN_SECRET=$PW "$CALLTRACK_ROOT/tools/sign" retell "$f")"
	[ "$(status_line)" = "Status: 200 OK" ] || { echo "$output"; return 1; }
	# Twilio, signed for the public URL section 7 gave it.
	f=$FIX/twilio/outbound-busy.form
	run site /~acme/ POST /~acme/hooks/twilio/acme-twilio "$f" \
	    -H 'Content-Type: application/x-www-form-urlencoded' \
	    -H "$(CALLTRACK_SIGN_SECRET=$PW "$CALLTRACK_ROOT/tools/sign" twilio "$f" \
	        --url https://calls.acme.example/hooks/twilio/acme-twilio)"
	[ "$(status_line)" = "Status: 200 OK" ] || { echo "$output"; return 1; }
	# A wrong secret, and an integration that is not there.
	f=$FIX/vapi/outbound-busy.2.end-of-call-report.json
	run site /~acme/ POST /~acme/hooks/vapi/acme-vapi "$f" -H 'Content-Type: application/json' \
	    -H 'x-vapi-secret: wrong'
	[ "$(status_line)" = "Status: 401 Unauthorized" ]
	run site /~acme/ POST /~acme/hooks/vapi/acme-nope "$f" -H 'Content-Type: application/json' \
	    -H "x-vapi-secret: $PW"
	[[ "$(status_line)" == "Status: 404"* ]]
	[ "$(cgi_body | jq -r .error.code)" = unknown_integration ]
	# The events are in the installed database, under the org of section 7.
	[ "$(PGPASSFILE=$IT/pgpass psql -X -w "host=$IT/run port=$IPORT dbname=calltrack user=calltrack_owner" -Atc \
	    "SELECT string_agg(provider || ':' || outcome, ' ' ORDER BY provider) FROM call_events e
	      JOIN orgs o ON o.id = e.org_id WHERE o.name = 'Acme Dental'")" = \
	    "retell:applied twilio:applied vapi:applied" ]
	connected_as calltrack_app vapi-hook
	connected_as calltrack_app retell-hook
	connected_as calltrack_app twilio-status
}

@test "the installed dashboard as CGI under /~acme/ and at the root: the bearer token reads the org's calls as its own role; none is a 401" {
	[ -s "$IT/token" ] || { echo "the install did not complete (the first test)"; return 1; }
	local tok
	tok=$(cat "$IT/token")
	run site /~acme/ GET "/~acme/api/calls?include_test=true&limit=10" -H "Authorization: Bearer $tok"
	[ "$(status_line)" = "Status: 200 OK" ] || { echo "$output"; tail -5 "$IT/cgi.log"; return 1; }
	[ "$(cgi_body | jq '.calls | length')" = 3 ]
	run site / GET "/api/stats?from=2020-01-01&to=2040-01-01&include_test=true" -H "Authorization: Bearer $tok"
	[ "$(status_line)" = "Status: 200 OK" ] || { echo "$output"; return 1; }
	[ "$(cgi_body | jq .total_calls)" = 3 ]
	run site /~acme/ GET /~acme/api/me -H "Authorization: Bearer $tok"
	[ "$(status_line)" = "Status: 200 OK" ]
	run site /~acme/ GET /~acme/api/contacts -H "Authorization: Bearer $tok"
	[ "$(status_line)" = "Status: 200 OK" ] || { echo "$output"; return 1; }
	run site /~acme/ GET /~acme/api/ingest -H "Authorization: Bearer $tok"
	[ "$(status_line)" = "Status: 200 OK" ] || { echo "$output"; return 1; }
	# Each program connected as the role the .htaccess gives it (S7).
	connected_as calltrack_dashboard dashboard-calls
	connected_as calltrack_dashboard dashboard-stats
	connected_as calltrack_editor dashboard-contacts
	connected_as calltrack_editor dashboard-ingest
	run site /~acme/ GET /~acme/api/calls
	[[ "$(status_line)" == "Status: 401"* ]]
	[ "$(cgi_body | jq -r .error.code)" = missing_token ]
}
