-- 011_calls_total.sql: the list's total is one function, ct_calls_total
-- (sql/functions/06_dashboard.sql); the exact count it wrapped is folded
-- into it.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

DROP FUNCTION IF EXISTS ct_calls_total_exact(uuid, text, text, text[], text[], text[], text[],
    text[], text[], text[], timestamptz, timestamptz, int, int, boolean, text, boolean);
