-- 007_ops.sql: what operators ask of ingestion (calltrack-admin stats
-- ingest): every duplicate delivery is counted.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

-- One row per duplicate delivery: the event it repeated and when.  Only
-- inserted, so a storm of copies of one event never queues on a lock.
CREATE TABLE call_event_duplicates (
    org_id      uuid NOT NULL REFERENCES orgs (id),
    event_id    bigint NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (org_id, event_id) REFERENCES call_events (org_id, id)
);

CREATE INDEX call_event_duplicates_received ON call_event_duplicates (received_at);

CREATE INDEX call_event_duplicates_event ON call_event_duplicates (org_id, event_id);

CREATE INDEX rejected_events_received ON rejected_events (received_at);

CREATE INDEX call_events_received ON call_events (received_at);

CREATE INDEX calls_swept ON calls (updated_at) WHERE status_source = 'sweeper';
