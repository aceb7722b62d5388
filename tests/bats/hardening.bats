#!/usr/bin/env bats
# The binaries are hardened as Debian builds its packages: position
# independent (ASLR), read-only relocations bound at start (full RELRO),
# stack canaries, and glibc's checked string and memory functions
# (_FORTIFY_SOURCE).  Read from each binary's own ELF headers and symbols.

BINS="cgi-bin/vapi-hook cgi-bin/retell-hook cgi-bin/twilio-status
      cgi-bin/dashboard-calls cgi-bin/dashboard-stats cgi-bin/dashboard-notify \
      cgi-bin/dashboard-import cgi-bin/dashboard-contacts cgi-bin/dashboard-ingest
      cgi-bin/dashboard-sessions
      tools/calltrack-admin tools/calltrack-notify"

# Runs CHECK (a function) over every program and the admin command.
each() {	# CHECK
	local b
	for b in $BINS; do
		[ -x "$CALLTRACK_BUILD/$b" ] || { echo "missing: $CALLTRACK_BUILD/$b"; return 1; }
		"$1" "$CALLTRACK_BUILD/$b" || { echo "$b: $1 failed"; return 1; }
	done
}

pie() { LC_ALL=C readelf -hW "$1" | grep -Eq '^ *Type: +DYN'; }
relro() { LC_ALL=C readelf -lW "$1" | grep -q GNU_RELRO; }
bind_now() {
	LC_ALL=C readelf -dW "$1" | grep -Eq '\(BIND_NOW\)|\(FLAGS\).*BIND_NOW' &&
	    LC_ALL=C readelf -dW "$1" | grep -Eq '\(FLAGS_1\).*NOW'
}
canary() { LC_ALL=C readelf -sW --dyn-syms "$1" | grep -q ' __stack_chk_fail'; }
fortified() { LC_ALL=C readelf -sW --dyn-syms "$1" | grep -Eq ' __[a-z]+_chk(@|$| )'; }

@test "hardening: every program and the admin command is a PIE" {
	each pie
}

@test "hardening: full RELRO (a GNU_RELRO segment, bound now)" {
	each relro
	each bind_now
}

@test "hardening: stack protector (-fstack-protector-strong)" {
	each canary
}

@test "hardening: _FORTIFY_SOURCE's checked functions are linked in" {
	# The sanitizer build leaves _FORTIFY_SOURCE out: ASan's interceptors
	# and glibc's checked variants do not mix.
	[ -z "${CALLTRACK_SANITIZE:-}" ] || skip "a sanitizer build (no _FORTIFY_SOURCE)"
	each fortified
}
