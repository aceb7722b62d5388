-- 033_calls_csv_cursor.sql: the calls' CSV export opens a cursor (issue
-- 18, item 5).
--
-- ct_calls_csv was a PL/pgSQL function returning SETOF text, one line a
-- call.  Such a function's RETURN QUERY keeps its whole result before the
-- first row goes out, so an export of a million calls sent nothing until
-- the database had made all of them, and made each line's sixteen cells
-- with two regular expressions apiece.  It now opens a cursor of the
-- calls' columns, which dashboard-calls reads in the same transaction as
-- the rows come, making the cells itself (lib/read/csv.c).  The return
-- type changes, so the old function goes here and sql/functions/
-- 06_dashboard.sql makes the new one.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

DROP FUNCTION IF EXISTS ct_calls_csv(text, text, text[], text[], text[], text[], text[], text[],
    text[], text, text, int, int, boolean, text, boolean, int, text[], boolean, text[]);
