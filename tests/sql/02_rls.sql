-- 02_rls.sql: row-level security, as the programs' role sees it.  The org
-- is pinned the only way there is (ct_pin_integration, from a webhook's
-- slug); 07_privileges.sql shows that nothing else pins one.
BEGIN;

-- Fixtures, written by the owner before switching roles.
INSERT INTO orgs (id, name) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'Org A'),
    ('00000000-0000-0000-0000-0000000000b2', 'Org B');
INSERT INTO integrations (id, org_id, provider, secret) VALUES
    ('rls-a', '00000000-0000-0000-0000-0000000000a1', 'vapi', 'secret-aaaa'),
    ('rls-b', '00000000-0000-0000-0000-0000000000b2', 'vapi', 'secret-bbbb');
INSERT INTO api_tokens (org_id, token_hash) VALUES
    ('00000000-0000-0000-0000-0000000000a1', repeat('a', 64)),
    ('00000000-0000-0000-0000-0000000000b2', repeat('b', 64));
INSERT INTO api_tokens (org_id, token_hash, revoked_at) VALUES
    ('00000000-0000-0000-0000-0000000000a1', repeat('c', 64), now());
INSERT INTO contacts (org_id, id, phone, name, name_source) VALUES
    ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-00000000c0a1', '+14155550101', 'Ann A', 'provider'),
    ('00000000-0000-0000-0000-0000000000b2', '00000000-0000-0000-0000-00000000c0b2', '+14155550102', 'Bob B', 'provider');
INSERT INTO calls (org_id, id, provider, provider_call_id, contact_id, phone_number) VALUES
    ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000ca11a', 'vapi', 'a-1',
     '00000000-0000-0000-0000-00000000c0a1', '+14155550101'),
    ('00000000-0000-0000-0000-0000000000b2', '00000000-0000-0000-0000-0000000ca11b', 'vapi', 'b-1',
     '00000000-0000-0000-0000-00000000c0b2', '+14155550102');
INSERT INTO call_events (org_id, integration_id, provider, provider_call_id, event_type, dedup_key, payload, outcome) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'rls-a', 'vapi', 'a-1', 'status-update', 'ka', '\x7b7d', 'applied'),
    ('00000000-0000-0000-0000-0000000000b2', 'rls-b', 'vapi', 'b-1', 'status-update', 'kb', '\x7b7d', 'applied');
INSERT INTO call_sessions (org_id, provider, provider_call_id, call_id) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'vapi', 'a-1', '00000000-0000-0000-0000-0000000ca11a'),
    ('00000000-0000-0000-0000-0000000000b2', 'vapi', 'b-1', '00000000-0000-0000-0000-0000000ca11b');
INSERT INTO call_legs (org_id, provider, provider_call_id, call_id) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'vapi', 'a-1', '00000000-0000-0000-0000-0000000ca11a'),
    ('00000000-0000-0000-0000-0000000000b2', 'vapi', 'b-1', '00000000-0000-0000-0000-0000000ca11b'),
    ('00000000-0000-0000-0000-0000000000b2', 'twilio', 'CA0000000000000000000000000000b2b2',
     '00000000-0000-0000-0000-0000000ca11b');
INSERT INTO hot_lead_alerts (org_id, call_id, score) VALUES
    ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000ca11a', 80),
    ('00000000-0000-0000-0000-0000000000b2', '00000000-0000-0000-0000-0000000ca11b', 90);
INSERT INTO rejected_events (org_id, http_status, reason) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 401, 'invalid_signature'),
    ('00000000-0000-0000-0000-0000000000b2', 401, 'invalid_signature'),
    (NULL, 404, 'unknown_integration');

SET LOCAL ROLE calltrack_app;
SELECT plan(63);

-- The role itself.
SELECT ok(NOT rolsuper AND NOT rolbypassrls, 'the programs'' role is neither superuser nor bypasses RLS')
  FROM pg_roles WHERE rolname = 'calltrack_app';
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v')
                         AND pg_get_userbyid(c.relowner) = 'calltrack_app'),
    'the programs'' role owns no table');

-- Every table with org_id has RLS enabled and forced.
SELECT ok(c.relrowsecurity AND c.relforcerowsecurity, format('RLS enabled and forced on %s', c.relname))
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind = 'r'
   AND (EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id'
                  AND NOT a.attisdropped) OR c.relname = 'orgs')
 ORDER BY c.relname;
SELECT is((SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relrowsecurity AND c.relforcerowsecurity),
    24, 'twenty-four org tables are forced');

-- The view runs with the caller's rights.
SELECT ok('security_invoker=true' = ANY (c.reloptions), 'calls_with_caller_names is security_invoker')
  FROM pg_class c WHERE c.relname = 'calls_with_caller_names';

-- With no org pinned, nothing is visible.
SELECT is((SELECT count(*)::int FROM orgs), 0, 'no org setting: no orgs');
SELECT is((SELECT count(*)::int FROM calls), 0, 'no org setting: no calls');
SELECT is((SELECT count(*)::int FROM contacts), 0, 'no org setting: no contacts');
SELECT is((SELECT count(*)::int FROM calls_with_caller_names), 0, 'no org setting: the view is empty');
SELECT throws_ok('SELECT count(*) FROM integrations', '42501', NULL,
    'integrations are not readable at all (only through ct_integration_lookup)');
SELECT throws_ok('SELECT count(*) FROM api_tokens', '42501', NULL, 'nor are tokens');
SELECT set_config('calltrack.pin', '', true) \g /dev/null
SELECT is((SELECT count(*)::int FROM calls), 0, 'an empty pin sees no calls');
SELECT is((SELECT count(*)::int FROM call_events), 0, 'an empty pin sees no events');

-- Pinned to org A (from its integration's slug): exactly org A.
SELECT is(ct_pin_integration('rls-a'), '00000000-0000-0000-0000-0000000000a1'::uuid,
    'a slug pins its integration''s org');
SELECT results_eq($$SELECT provider_call_id FROM calls$$, ARRAY['a-1'], 'org A sees its call only');
SELECT results_eq($$SELECT name FROM contacts$$, ARRAY['Ann A'], 'org A sees its contact only');
SELECT results_eq($$SELECT resolved_caller_name FROM calls_with_caller_names$$, ARRAY['Ann A'],
    'the view resolves org A''s caller name and nothing of org B');
SELECT is((SELECT count(*)::int FROM call_events), 1, 'org A sees its events only');
SELECT is((SELECT count(*)::int FROM call_sessions), 1, 'org A sees its sessions only');
SELECT results_eq($$SELECT provider_call_id FROM call_legs$$, ARRAY['a-1'], 'org A sees its legs only');
SELECT is((SELECT count(*)::int FROM hot_lead_alerts), 1, 'org A sees its alerts only');
SELECT is((SELECT count(DISTINCT contact_id)::int FROM contact_phone_suffixes), 1,
    'org A sees its contact''s number''s ends only');
SELECT is((SELECT count(*)::int FROM rejected_events), 1, 'org A sees its rejected events only');
SELECT is((SELECT count(*)::int FROM orgs), 1, 'org A sees itself only');
SELECT is((SELECT count(*)::int FROM calls WHERE id = '00000000-0000-0000-0000-0000000ca11b'), 0,
    'org B''s call cannot be found by id');

-- Writes into another org are refused; updates cannot reach it.
SELECT throws_ok($$INSERT INTO calls (org_id, provider, provider_call_id) VALUES
    ('00000000-0000-0000-0000-0000000000b2', 'vapi', 'sneaky')$$, '42501', NULL,
    'org A cannot insert a call for org B');
SELECT throws_ok($$INSERT INTO contacts (org_id, phone) VALUES
    ('00000000-0000-0000-0000-0000000000b2', '+14155550199')$$, '42501', NULL,
    'org A cannot insert a contact for org B');
SELECT throws_ok($$INSERT INTO call_legs (org_id, provider, provider_call_id, call_id) VALUES
    ('00000000-0000-0000-0000-0000000000b2', 'twilio', 'CA000000000000000000000000000000b2',
     '00000000-0000-0000-0000-0000000ca11b')$$, '42501', NULL,
    'org A cannot add a leg to a call of org B');
UPDATE calls SET summary = 'touched';
SELECT is((SELECT count(*)::int FROM calls WHERE summary = 'touched'), 1, 'an UPDATE reaches org A''s rows only');
SELECT throws_ok($$DELETE FROM call_events$$, '42501', NULL, 'the raw event log cannot be deleted from');
SELECT throws_ok($$UPDATE call_events SET payload = '\x00'$$, '42501', NULL,
    'a raw event''s payload cannot be changed');

-- Lookups before the org is known.
SELECT is(ct_pin_integration('nope'), NULL, 'an unknown slug pins no org');
SELECT is((SELECT count(*)::int FROM calls), 0, 'and clears the pin it replaces');
SELECT is((SELECT org_id FROM ct_integration_lookup('rls-b')), '00000000-0000-0000-0000-0000000000b2'::uuid,
    'an integration is found by its slug');
SELECT is((SELECT count(*)::int FROM ct_integration_lookup('nope')), 0, 'an unknown slug finds nothing');
SET LOCAL ROLE calltrack_dashboard;
SELECT is((SELECT org_id FROM ct_token_auth(repeat('a', 64))), '00000000-0000-0000-0000-0000000000a1'::uuid, 'a token hash names its org');
SELECT is((SELECT count(*)::int FROM ct_token_auth(repeat('c', 64))), 0, 'a revoked token names no org');
SELECT is((SELECT count(*)::int FROM ct_token_auth(repeat('d', 64))), 0, 'an unknown token names no org');
SELECT throws_ok('SELECT count(*) FROM api_tokens', '42501', NULL,
    'the dashboard''s role reads no token either (ct_token_auth looks it up)');
SET LOCAL ROLE calltrack_app;

-- A rejection of an unknown integration is kept without an org.
SELECT lives_ok($$SELECT ct_record_rejection(true, 'ghost', 'vapi', 404, 'unknown_integration', NULL,
    'POST', NULL, 'application/json', '\x7b7d', 2, NULL, false)$$,
    'a rejection with no org is kept by the programs'' role');

SELECT * FROM finish();
ROLLBACK;
