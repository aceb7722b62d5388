-- 15_new_org_plans.sql: a new org's first webhooks find their call and
-- contact by the unique keys, on a table whose statistics know only the
-- orgs already there.  The planner's estimate for an org it has no
-- statistics for is one row, whichever index starts with org_id; a
-- custom plan then takes any such index (calls_org_contact, say) and
-- reads every row the new org has by then, thousands within its first
-- hour.  ct_apply_event_once plans its statements generically
-- (sql/functions/03_ingest.sql), and a generic plan, which cannot lean
-- on the org's value, takes the key that names the whole lookup.  The
-- contacts import (ct_import_contacts, 12_import.sql), most often a new
-- org's, does the same for a batch's known numbers.
BEGIN;
SELECT plan(9);

INSERT INTO orgs (id, name) VALUES
    ('00000000-0000-0000-0000-0000000015a1', 'Plans old'),
    ('00000000-0000-0000-0000-0000000015b2', 'Plans new');

-- The org already there: 6,000 calls of 1,500 callers, in the statistics.
INSERT INTO contacts (org_id, phone, name, name_source)
SELECT '00000000-0000-0000-0000-0000000015a1', '+1415555' || lpad(i::text, 4, '0'), 'Caller ' || i, 'provider'
  FROM generate_series(1, 1500) i;
INSERT INTO calls (org_id, provider, provider_call_id, status, contact_id, phone_number, first_event_at,
                   success)
SELECT '00000000-0000-0000-0000-0000000015a1', (ARRAY['vapi', 'retell', 'twilio'])[1 + i % 3],
       'old-' || i, 'completed', k.id, k.phone, now() - make_interval(mins => i), i % 2 = 0
  FROM generate_series(1, 6000) i
  JOIN contacts k ON k.org_id = '00000000-0000-0000-0000-0000000015a1'
                 AND k.phone = '+1415555' || lpad((1 + i % 1500)::text, 4, '0');
ANALYZE calls;
ANALYZE contacts;
-- The new org's first 2,000 calls, after the statistics were taken.
INSERT INTO contacts (org_id, phone, name, name_source)
SELECT '00000000-0000-0000-0000-0000000015b2', '+1415556' || lpad(i::text, 4, '0'), 'New ' || i, 'provider'
  FROM generate_series(1, 500) i;
INSERT INTO calls (org_id, provider, provider_call_id, status, contact_id, phone_number, first_event_at)
SELECT '00000000-0000-0000-0000-0000000015b2', 'vapi', 'new-' || i, 'completed', k.id, k.phone,
       now() - make_interval(mins => i)
  FROM generate_series(1, 2000) i
  JOIN contacts k ON k.org_id = '00000000-0000-0000-0000-0000000015b2'
                 AND k.phone = '+1415556' || lpad((1 + i % 500)::text, 4, '0');

PREPARE call_by_key(uuid, text, text) AS
    SELECT id FROM calls WHERE org_id = $1 AND provider = $2 AND provider_call_id = $3;
PREPARE contact_by_phone(uuid, text) AS
    SELECT id FROM contacts WHERE org_id = $1 AND phone = $2;
-- The import's lookup of a batch's known numbers (ct_import_contacts).
PREPARE import_known(uuid, text[]) AS
    SELECT c.id FROM unnest($2) WITH ORDINALITY AS u(phone, n)
      JOIN contacts c ON c.org_id = $1 AND c.phone = u.phone FOR UPDATE OF c;

-- The plan of an EXECUTE, as text.
CREATE FUNCTION pg_temp.plan_of(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    l text;
    r text := '';
BEGIN
    FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || p_sql LOOP r := r || l || E'\n'; END LOOP;
    RETURN r;
END
$$;

-- What the test stands on: with custom plans (PostgreSQL's choice for a
-- statement's first runs), the new org's lookups miss their keys.
SET LOCAL plan_cache_mode = force_custom_plan;
SELECT ok(pg_temp.plan_of($$EXECUTE call_by_key('00000000-0000-0000-0000-0000000015b2', 'vapi', 'new-7')$$)
          NOT LIKE '%calls_org_id_provider_provider_call_id_key%',
          'custom plan: a new org''s call lookup does not take the unique key (the hazard)');
SELECT ok(pg_temp.plan_of($$EXECUTE import_known('00000000-0000-0000-0000-0000000015b2',
                                                 ARRAY['+14155560007', '+14155560008'])$$)
          NOT LIKE '%Index Cond: ((org_id = %) AND (phone = u.phone))%',
          'custom plan: the import reads all the new org''s contacts for a batch (the hazard)');

-- ct_apply_event_once's own settings, as it runs with them.
SELECT is((SELECT array_agg(c) FROM pg_proc p, unnest(p.proconfig) c
            WHERE p.proname = 'ct_apply_event_once'),
          ARRAY['plan_cache_mode=force_generic_plan'],
          'ct_apply_event_once plans its statements generically');
DO $$
BEGIN
    PERFORM set_config(split_part(c, '=', 1), split_part(c, '=', 2), true)
       FROM pg_proc p, unnest(p.proconfig) c WHERE p.proname = 'ct_apply_event_once';
END
$$;
SELECT ok(pg_temp.plan_of($$EXECUTE call_by_key('00000000-0000-0000-0000-0000000015b2', 'vapi', 'new-7')$$)
          LIKE '%Index Cond: ((org_id = $1) AND (provider = $2) AND (provider_call_id = $3))%',
          'with them, the new org''s call is found by its whole key');
SELECT ok(pg_temp.plan_of($$EXECUTE contact_by_phone('00000000-0000-0000-0000-0000000015b2', '+14155560007')$$)
          LIKE '%Index Cond: ((org_id = $1) AND (phone = $2))%',
          'with them, the new org''s contact is found by its number');

-- The import plans the same way.
SELECT is((SELECT array_agg(c ORDER BY c) FROM pg_proc p, unnest(p.proconfig) c
            WHERE p.proname = 'ct_import_contacts'),
          ARRAY['plan_cache_mode=force_generic_plan', 'search_path=pg_catalog, public'],
          'ct_import_contacts plans its statements generically');
SELECT ok(pg_temp.plan_of($$EXECUTE import_known('00000000-0000-0000-0000-0000000015b2',
                                                 ARRAY['+14155560007', '+14155560008'])$$)
          LIKE '%Index Cond: ((org_id = $1) AND (phone = u.phone))%',
          'with it, each number of a batch is looked up by the unique key');

-- And a webhook of the new org finds its call: the event lands on the
-- call already there, not on a new one.
INSERT INTO integrations (id, org_id, provider, secret) VALUES
    ('plans-vapi', '00000000-0000-0000-0000-0000000015b2', 'vapi', 'secret-plans');
SET LOCAL plan_cache_mode = auto;
SET LOCAL ROLE calltrack_app;
SELECT is((SELECT outcome FROM ct_apply_event('plans-vapi', 'vapi', 'new-7', 'status-update',
                                              'plans-1', convert_to('{}', 'UTF8'), 'application/json',
                                              'update', p_status_answered => 'in-progress')),
          'applied', 'a new org''s event is applied');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM calls WHERE org_id = '00000000-0000-0000-0000-0000000015b2'
                                              AND provider_call_id = 'new-7'),
          1, 'to the call it names, still one');

SELECT * FROM finish();
ROLLBACK;
