#!/usr/bin/env bats
# tools/migrate: numbered migrations once, sql/functions/ every time, and an
# upgraded database ends with the schema of a fresh one.

load helpers

ROOT=${CALLTRACK_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}

setup_file() {
	export MIG_SUF=$(openssl rand -hex 4)
	export MIG_TMP=$(mktemp -d)
	chmod 0755 "$MIG_TMP"
}

teardown_file() {
	for d in fresh legacy; do
		psql -X -q -d postgres -c "DROP DATABASE IF EXISTS mig_${d}_$MIG_SUF" >/dev/null 2>&1 || true
	done
	rm -rf "$MIG_TMP"
}

# The schema of database $1, without pg_dump's per-run \restrict key.
schema() {
	pg_dump --schema-only -d "$1" | grep -vE '^\\(un)?restrict '
}

@test "a fresh database and one migrated at the last pre-split schema end identical" {
	local fresh=mig_fresh_$MIG_SUF legacy=mig_legacy_$MIG_SUF
	psql -X -q -d postgres -c "CREATE DATABASE $fresh" -c "CREATE DATABASE $legacy"
	tar -xzf "$ROOT/tests/migrate/schema-ee0c70d.tar.gz" -C "$MIG_TMP"
	( cd "$MIG_TMP" && PGDATABASE=$legacy sh migrate sql ) >/dev/null
	run env PGDATABASE=$legacy "$ROOT/tools/migrate" "$ROOT/sql"
	[ "$status" -eq 0 ]
	[[ "$output" == *"files of sql/functions"* ]]
	PGDATABASE=$fresh "$ROOT/tools/migrate" "$ROOT/sql" >/dev/null
	schema "$legacy" >"$MIG_TMP/legacy.sql"
	schema "$fresh" >"$MIG_TMP/fresh.sql"
	# Not a vacuous comparison: both hold the whole schema.
	grep -q 'CREATE FUNCTION public.ct_apply_event(' "$MIG_TMP/fresh.sql"
	grep -q 'CREATE POLICY org_isolation ON public.calls' "$MIG_TMP/fresh.sql"
	diff -u "$MIG_TMP/legacy.sql" "$MIG_TMP/fresh.sql"
}

@test "migrating again changes nothing and applies no numbered migration" {
	local fresh=mig_fresh_$MIG_SUF
	schema "$fresh" >"$MIG_TMP/before.sql"
	run env PGDATABASE=$fresh "$ROOT/tools/migrate" "$ROOT/sql"
	[ "$status" -eq 0 ]
	[[ "$output" == *"migrate: up to date"* ]]
	schema "$fresh" >"$MIG_TMP/after.sql"
	diff -u "$MIG_TMP/before.sql" "$MIG_TMP/after.sql"
}

@test "a definition that fails leaves every other one as it was" {
	local fresh=mig_fresh_$MIG_SUF bad
	bad=$(mktemp -d)
	cp -r "$ROOT/sql/." "$bad/"
	# An early file that would succeed, a later one that fails: all or none.
	printf 'CREATE FUNCTION ct_migrate_marker() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n' \
	    >"$bad/functions/00_marker.sql"
	printf 'SELECT 1/0;\n' >"$bad/functions/99_fails.sql"
	run env PGDATABASE=$fresh "$ROOT/tools/migrate" "$bad"
	rm -rf "$bad"
	[ "$status" -ne 0 ]
	run psql -X -At -d "$fresh" -c "SELECT count(*) FROM pg_proc WHERE proname = 'ct_migrate_marker'"
	[ "$output" = "0" ]
}

@test "each function, view and trigger has one definition in the tree" {
	# Numbered migrations define only what a table needs before it exists.
	run grep -lE '^CREATE (OR REPLACE )?(FUNCTION|VIEW|TRIGGER|POLICY)' "$ROOT"/sql/[0-9]*.sql
	[ "$output" = "$ROOT/sql/001_schema.sql" ]
	run grep -hoE '^CREATE (OR REPLACE )?FUNCTION [a-z_]+' "$ROOT"/sql/[0-9]*.sql
	[ "$(echo "$output" | awk '{print $NF}' | sort | tr '\n' ' ')" = "ct_is_real_name ct_is_timezone " ]
	# No name is created twice anywhere in sql/.
	run sh -c "grep -hoE '^CREATE (OR REPLACE )?(FUNCTION|VIEW|TRIGGER) [a-z_]+' '$ROOT'/sql/*.sql '$ROOT'/sql/functions/*.sql | awk '{print \$NF}' | sort | uniq -d"
	[ -z "$output" ]
}
