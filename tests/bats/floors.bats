#!/usr/bin/env bats
# The library's floors (Makefile): a lower floor never includes a higher
# one, and every library header is included by its floor's path.

ROOT=${CALLTRACK_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
FLOORS="core ingest read ops notify"

rank() {	# FLOOR: its place in FLOORS, from 0
	local i=0 f
	for f in $FLOORS; do
		[ "$f" = "$1" ] && { echo $i; return; }
		i=$((i + 1))
	done
	echo 99
}

@test "every library module sits in a floor, and only there" {
	run find "$ROOT/lib" -maxdepth 1 \( -name '*.[ch]' -o -name '*.cc' \)
	[ -z "$output" ]
	for d in "$ROOT"/lib/*/; do
		d=$(basename "$d")
		[ "$d" = data ] && continue
		[ "$(rank "$d")" != 99 ] || { echo "lib/$d is no floor"; return 1; }
	done
}

@test "no floor includes a floor above it" {
	local f floor inc target bad=""
	for f in "$ROOT"/lib/*/*.[ch] "$ROOT"/lib/*/*.cc; do
		floor=$(basename "$(dirname "$f")")
		[ "$floor" = data ] && continue
		while read -r inc; do
			target=${inc%%/*}
			if [ "$(rank "$target")" -gt "$(rank "$floor")" ]; then
				bad="$bad ${f#$ROOT/}:$inc"
			fi
		done < <(grep -ho '^#include "[a-z]*/[a-z_]*\.h"' "$f" | sed 's/#include "//; s/"$//')
	done
	[ -z "$bad" ] || { echo "upward includes:$bad"; return 1; }
}

@test "library headers are included by their floor's path" {
	local names
	names=$(ls "$ROOT"/lib/*/*.h | xargs -n1 basename | sed 's/\.h$//' | paste -sd'|')
	[ -n "$names" ]
	run grep -rnE "^#include \"($names)\.h\"" "$ROOT"/lib "$ROOT"/cgi-bin "$ROOT"/tools \
	    "$ROOT"/tests/bench "$ROOT"/tests/fuzz "$ROOT"/tests/unit
	[ -z "$output" ]
}
