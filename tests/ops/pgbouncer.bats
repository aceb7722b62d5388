#!/usr/bin/env bats
# Run by tests/ops/pgbouncer after the suites it replays: the programs
# were behind pgbouncer all along, on one server connection.

load ../bats/helpers

@test "pgbouncer: every program's statements went through one server connection per role" {
	local p
	for p in vapi-hook retell-hook twilio-status dashboard-calls dashboard-stats dashboard-notify dashboard-import dashboard-contacts dashboard-ingest dashboard-sessions; do
		req GET "/healthz/$p"
		expect 200
	done
	# Twenty workers, one server connection per role: pgbouncer's.
	[ "$(psql -X -At -c "SELECT count(*) FROM pg_stat_activity WHERE usename = 'calltrack_app'")" -eq 1 ]
	[ "$(psql -X -At -c "SELECT count(*) FROM pg_stat_activity WHERE usename = 'calltrack_dashboard'")" -eq 1 ]
	[ "$(psql -X -At -c "SELECT count(*) FROM pg_stat_activity WHERE usename = 'calltrack_editor'")" -eq 1 ]
}
