-- 026_apply_event_error.sql: ct_apply_event (and ct_apply_event_once)
-- answer why a parked event was parked, beside its outcome and call, so
-- the webhook's log line can say it without a second round trip.  A
-- return type changed: the old functions go, and sql/functions/03_ingest.sql
-- makes them anew.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

DROP FUNCTION IF EXISTS ct_apply_event_once(
    uuid, text, text, text, text, text, bytea, text, text, text, text, text, boolean,
    bigint, text, text, text, text, text, text, text, boolean, text, text,
    int, text, text, text, text, text, text, text, int, text[], text, text,
    boolean, text, text, text, text, boolean, text, text, text);
DROP FUNCTION IF EXISTS ct_apply_event(
    text, text, text, text, text, bytea, text, text, text, text, text, boolean,
    bigint, text, text, text, text, text, text, text, boolean, text, text,
    int, text, text, text, text, text, text, text, int, text[], text, text,
    boolean, text, text, text, text, boolean, text, text, text);
