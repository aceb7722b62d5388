-- 06_distribution.sql: the schema keeps the rule that lets it spread over
-- many database nodes by org (Citus, INSTALL "Beyond one machine"):
-- every table with an org is either distributed by org_id, with every
-- unique key and every foreign key between such tables leading with
-- org_id, or a small reference table read before the org is known.
BEGIN;
SELECT plan(4);

CREATE TEMP TABLE distributed (t name) ON COMMIT DROP;
INSERT INTO distributed VALUES ('calls'), ('call_events'), ('contacts'), ('call_sessions'),
    ('hot_lead_alerts'), ('call_rollup'), ('call_rollup_delta'), ('call_event_duplicates'),
    ('contact_name_trigrams'), ('contact_phone_suffixes'), ('contact_history'), ('notification_destinations'),
    ('notifications'), ('notification_attempts'), ('call_analysis_values'),
    ('reconcile_attempts'), ('call_legs');
-- Looked up by webhook slug or token hash, before any org is known.
CREATE TEMP TABLE reference (t name) ON COMMIT DROP;
INSERT INTO reference VALUES ('orgs'), ('integrations'), ('api_tokens');

SELECT set_eq(
    $$SELECT c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attname = 'org_id' AND a.attnotnull$$,
    $$SELECT t FROM distributed UNION SELECT t FROM reference WHERE t <> 'orgs'$$,
    'every table with an org is classified as distributed or reference');

SELECT is_empty(
    $$SELECT i.relname FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = x.indkey[0]
      WHERE x.indisunique AND c.relname IN (SELECT t FROM distributed) AND a.attname <> 'org_id'$$,
    'every unique index of a distributed table starts with org_id');

SELECT is_empty(
    $$SELECT k.conname FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1]
      WHERE k.contype = 'f' AND c.relname IN (SELECT t FROM distributed)
        AND r.relname IN (SELECT t FROM distributed) AND a.attname <> 'org_id'$$,
    'every foreign key between distributed tables starts with org_id (co-located)');

SELECT is_empty(
    $$SELECT k.conname FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
      WHERE k.contype = 'f' AND c.relname IN (SELECT t FROM reference)
        AND r.relname IN (SELECT t FROM distributed)$$,
    'no reference table points into a distributed one');

SELECT * FROM finish();
ROLLBACK;
