-- 004_apply_event.sql: what the webhook's one statement writes beyond 001.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

ALTER TABLE calls ADD COLUMN transfer_destination text
    CHECK (length(transfer_destination) <= 300);

ALTER TABLE calls ADD COLUMN lead_reasons text[];
