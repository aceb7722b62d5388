-- 028_apply_event_org.sql: the webhook's statement names the org the
-- program found the integration in (p_org), the argument a Citus cluster
-- sends the whole statement by, to the node that holds the org
-- (sql/citus/functions.sql).  A signature changed: the old function goes,
-- and sql/functions/03_ingest.sql makes it anew.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

DROP FUNCTION IF EXISTS ct_apply_event(
    text, text, text, text, text, bytea, text, text, text, text, text, boolean,
    bigint, text, text, text, text, text, text, text, boolean, text, text,
    int, text, text, text, text, text, text, text, int, text[], text, text,
    boolean, text, text, text, text, boolean, text, text, text);
