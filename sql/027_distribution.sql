-- 027_distribution.sql: how each table spreads over a Citus cluster, and
-- the one foreign key Citus would refuse.
--
-- ct_distribution names every table of the schema and what it becomes
-- on a cluster (sql/citus/tables.sql, INSTALL "Beyond one machine"):
--
-- - distributed: an org's data, sharded by org_id, every such table
--   co-located with contacts, so that an org's rows of all of them are on
--   one node and a statement of one org runs there;
-- - reference: read before the org is known (an integration by its slug,
--   a token by its hash) or by every node (the pin's key), copied whole
--   to every node;
-- - local: kept on the coordinator only (the migrations' record, and
--   refused requests, whose org may be unknown).
--
-- On one PostgreSQL the table is only read by tests/sql/06_distribution.sql,
-- which holds the schema to the rules this needs.  A new table gets its
-- row in the migration that makes it.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

CREATE TABLE ct_distribution (
    relname  name PRIMARY KEY,
    kind     text NOT NULL CHECK (kind IN ('distributed', 'reference', 'local'))
);

INSERT INTO ct_distribution (relname, kind) VALUES
    ('orgs', 'reference'), ('integrations', 'reference'), ('api_tokens', 'reference'),
    ('pin_key', 'reference'),
    ('contacts', 'distributed'), ('calls', 'distributed'), ('call_events', 'distributed'),
    ('call_sessions', 'distributed'), ('hot_lead_alerts', 'distributed'),
    ('call_rollup', 'distributed'), ('call_rollup_delta', 'distributed'),
    ('call_event_duplicates', 'distributed'), ('contact_name_trigrams', 'distributed'),
    ('contact_phone_suffixes', 'distributed'),
    ('contact_history', 'distributed'), ('notification_destinations', 'distributed'),
    ('notifications', 'distributed'), ('notification_attempts', 'distributed'),
    ('call_analysis_values', 'distributed'), ('reconcile_attempts', 'distributed'),
    ('call_legs', 'distributed'),
    ('rejected_events', 'local'), ('schema_migrations', 'local'),
    ('ct_distribution', 'local');

-- A session's call is cleared when the call goes (022's ON DELETE SET
-- NULL (call_id)).  Citus takes no SET NULL on a key that holds the
-- distribution column; the one place that removes a call, the fold of two
-- calls into one (ct_legs_fold), moves the call's session to the call
-- that stays before it removes the other.
ALTER TABLE call_sessions
    DROP CONSTRAINT call_sessions_org_id_call_id_fkey,
    ADD FOREIGN KEY (org_id, call_id) REFERENCES calls (org_id, id);
