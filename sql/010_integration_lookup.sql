-- 010_integration_lookup.sql: ct_integration_lookup no longer returns the
-- org's time zone and hot-lead threshold, which no program read (the
-- webhook statement reads them in the database).  A function's result
-- type changes only through a drop; sql/functions/02_lookup.sql makes it
-- again in the same migrate run.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

DROP FUNCTION IF EXISTS ct_integration_lookup(text);
