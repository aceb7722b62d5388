-- 032_citus_reads.sql: two readers a Citus cluster could not run (issue
-- 19, item 3).
--
-- On a cluster a statement runs whole on the worker that holds its org's
-- shards, and a function it calls for each row runs there too, inside the
-- query of the shard, where Citus runs no other distributed query
-- ("cannot execute a distributed query from a query on a shard").  And
-- rejected_events stays on the coordinator (ct_distribution), which no
-- statement may join to a distributed table.
--
-- - ct_notify_delivery_json read a message's attempts itself, for each
--   message of the delivery log: it now takes them, read by its callers
--   in the same statement, and reads no table.
-- - ct_ingest_reconcile read one integration's reconciliation, for each
--   integration of GET /api/ingest: ct_ingest_reconciles reads the org's
--   in a statement of its own, and ct_ingest_summary reads the
--   rejections so too.
--
-- The signatures change, so the old functions go here; sql/functions/
-- makes the new ones.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

DROP FUNCTION IF EXISTS ct_notify_delivery_json(uuid, uuid, uuid, text, uuid, text, text,
                                                timestamptz, timestamptz);
DROP FUNCTION IF EXISTS ct_ingest_reconcile(uuid, text, timestamptz, timestamptz);
