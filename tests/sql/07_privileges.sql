-- 07_privileges.sql: the org a transaction sees can be pinned only from a
-- credential (a webhook's integration slug, a dashboard token's hash),
-- never by a setting a session writes itself; the dashboard's role reads
-- no secret and writes nothing; the pin's key is the owner's alone.
--
-- Not one transaction, unlike the other files: a pin seen in one
-- transaction must be refused in the next, so the fixtures are committed
-- (under ids of their own) and removed at the end.  Each block that
-- tests something commits, so that pgTAP keeps its results.

-- Removes the fixtures (run first too, after an interrupted run).
CREATE FUNCTION pg_temp.cleanup() RETURNS void LANGUAGE sql AS $$
    DELETE FROM call_event_duplicates WHERE org_id IN (SELECT id FROM orgs WHERE name LIKE 'p7 %');
    DELETE FROM call_events WHERE org_id IN (SELECT id FROM orgs WHERE name LIKE 'p7 %');
    DELETE FROM hot_lead_alerts WHERE org_id IN (SELECT id FROM orgs WHERE name LIKE 'p7 %');
    DELETE FROM calls WHERE org_id IN (SELECT id FROM orgs WHERE name LIKE 'p7 %');
    DELETE FROM call_rollup_delta WHERE org_id IN (SELECT id FROM orgs WHERE name LIKE 'p7 %');
    DELETE FROM call_rollup WHERE org_id IN (SELECT id FROM orgs WHERE name LIKE 'p7 %');
    DELETE FROM call_rollup_total WHERE org_id IN (SELECT id FROM orgs WHERE name LIKE 'p7 %');
    DELETE FROM contacts WHERE org_id IN (SELECT id FROM orgs WHERE name LIKE 'p7 %');
    DELETE FROM contact_count_delta WHERE org_id IN (SELECT id FROM orgs WHERE name LIKE 'p7 %');
    DELETE FROM contact_counts WHERE org_id IN (SELECT id FROM orgs WHERE name LIKE 'p7 %');
    DELETE FROM rejected_events WHERE org_id IN (SELECT id FROM orgs WHERE name LIKE 'p7 %')
        OR integration_id LIKE 'p7-%';
    DELETE FROM api_tokens WHERE org_id IN (SELECT id FROM orgs WHERE name LIKE 'p7 %');
    DELETE FROM integrations WHERE org_id IN (SELECT id FROM orgs WHERE name LIKE 'p7 %');
    DELETE FROM orgs WHERE name LIKE 'p7 %';
$$;
SELECT pg_temp.cleanup() \g /dev/null

-- Org A (the one the credentials name) and org B (the other tenant).
INSERT INTO orgs (id, name) VALUES
    ('00000000-0000-0000-0000-0000000007a1', 'p7 Org A'),
    ('00000000-0000-0000-0000-0000000007b2', 'p7 Org B');
INSERT INTO integrations (id, org_id, provider, secret) VALUES
    ('p7-a', '00000000-0000-0000-0000-0000000007a1', 'vapi', 'secret-aaaa-p7'),
    ('p7-b', '00000000-0000-0000-0000-0000000007b2', 'vapi', 'secret-bbbb-p7');
-- Token hashes: A live, A revoked, B live.
INSERT INTO api_tokens (org_id, token_hash, revoked_at) VALUES
    ('00000000-0000-0000-0000-0000000007a1', repeat('7a', 32), NULL),
    ('00000000-0000-0000-0000-0000000007a1', repeat('7c', 32), now()),
    ('00000000-0000-0000-0000-0000000007b2', repeat('7b', 32), NULL);
INSERT INTO contacts (org_id, id, phone, name, name_source) VALUES
    ('00000000-0000-0000-0000-0000000007a1', '00000000-0000-0000-0000-00000007c0a1', '+14155557101', 'Ann Seven', 'manual'),
    ('00000000-0000-0000-0000-0000000007b2', '00000000-0000-0000-0000-00000007c0b2', '+14155557102', 'Bob Seven', 'manual');
INSERT INTO calls (org_id, id, provider, provider_call_id, contact_id, phone_number, status, started_at) VALUES
    ('00000000-0000-0000-0000-0000000007a1', '00000000-0000-0000-0000-0000007ca11a', 'vapi', 'p7-a-1',
     '00000000-0000-0000-0000-00000007c0a1', '+14155557101', 'completed', now() - interval '1 hour'),
    ('00000000-0000-0000-0000-0000000007b2', '00000000-0000-0000-0000-0000007ca11b', 'vapi', 'p7-b-1',
     '00000000-0000-0000-0000-00000007c0b2', '+14155557102', 'completed', now() - interval '1 hour');
INSERT INTO call_events (org_id, integration_id, provider, provider_call_id, call_id, event_type,
                         dedup_key, payload, outcome) VALUES
    ('00000000-0000-0000-0000-0000000007a1', 'p7-a', 'vapi', 'p7-a-1', '00000000-0000-0000-0000-0000007ca11a',
     'end-of-call-report', 'p7-ka', '\x7b7d', 'applied'),
    ('00000000-0000-0000-0000-0000000007b2', 'p7-b', 'vapi', 'p7-b-1', '00000000-0000-0000-0000-0000007ca11b',
     'end-of-call-report', 'p7-kb', '\x7b7d', 'applied');

-- How many rows a statement changed, run as the caller.
CREATE FUNCTION pg_temp.changed(p_sql text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE n int;
BEGIN
    EXECUTE p_sql;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
-- A statement's plan, as text.
CREATE FUNCTION pg_temp.plan_of(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; r text := '';
BEGIN
    FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || p_sql LOOP r := r || l || E'\n'; END LOOP;
    RETURN r;
END $$;
-- The rows of an export: ct_calls_csv opens two cursors, the one it
-- returns and "calls_csv_rest", each read to its end, then closed, so
-- that the next export may open them again.
CREATE FUNCTION pg_temp.cursor_rows(c refcursor) RETURNS int LANGUAGE plpgsql AS $$
DECLARE n int := 0; r record; rest refcursor := 'calls_csv_rest';
BEGIN
    LOOP
        FETCH c INTO r;
        EXIT WHEN NOT FOUND;
        n := n + 1;
    END LOOP;
    CLOSE c;
    LOOP
        FETCH rest INTO r;
        EXIT WHEN NOT FOUND;
        n := n + 1;
    END LOOP;
    CLOSE rest;
    RETURN n;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.cursor_rows(refcursor) TO PUBLIC;
-- A pin for p_org made with the real key for backend p_pid in this
-- transaction, the way ct_pin_mac makes one (run as the owner).
CREATE FUNCTION pg_temp.pin_for(p_org uuid, p_pid int) RETURNS text LANGUAGE sql AS $$
    SELECT p_org::text || ':' || encode(hmac(convert_to(p_org::text || ':' || p_pid::text || ':'
                                                        || extract(epoch FROM now())::text, 'UTF8'),
                                             k.key, 'sha256'), 'hex')
      FROM pin_key k
$$;
-- ct_apply_event's first eight parameters, for a new event of p_slug.
CREATE FUNCTION pg_temp.apply(p_slug text, p_call text) RETURNS text LANGUAGE sql AS $$
    SELECT outcome FROM ct_apply_event(p_slug, 'vapi', p_call, 'status-update', p_call,
                                       '\x7b7d', 'application/json', 'apply',
                                       p_status_unanswered => 'queued')
$$;

SELECT plan(80);

-- ---- The roles and the key ----
SELECT ok(NOT rolsuper AND NOT rolbypassrls, 'the dashboard''s role is neither superuser nor bypasses RLS')
  FROM pg_roles WHERE rolname = 'calltrack_dashboard';
SELECT ok(NOT pg_has_role('calltrack_dashboard', 'calltrack_app', 'USAGE')
          AND NOT pg_has_role('calltrack_app', 'calltrack_dashboard', 'USAGE'),
    'neither program role has the other''s rights');
SELECT ok(NOT rolsuper AND NOT rolbypassrls, 'the dashboard writers'' role is neither superuser nor bypasses RLS')
  FROM pg_roles WHERE rolname = 'calltrack_editor';
SELECT ok(NOT pg_has_role('calltrack_editor', 'calltrack_app', 'USAGE')
          AND NOT pg_has_role('calltrack_editor', 'calltrack_dashboard', 'USAGE')
          AND NOT pg_has_role('calltrack_dashboard', 'calltrack_editor', 'USAGE')
          AND NOT pg_has_role('calltrack_app', 'calltrack_editor', 'USAGE'),
    'the writers'' role has no other program role''s rights, nor they its');
SELECT is((SELECT count(*)::int FROM pin_key), 1, 'the pin''s key is one row');
SELECT ok(NOT has_table_privilege(r, 'pin_key', 'SELECT') AND NOT has_table_privilege(r, 'pin_key', 'UPDATE')
          AND NOT has_function_privilege(r, 'ct_pin_mac(uuid, bytea)', 'EXECUTE'),
    format('%s can neither read the pin''s key nor make a MAC with it', r))
  FROM unnest(ARRAY['calltrack_app', 'calltrack_dashboard', 'public']) r;

BEGIN;
SET LOCAL ROLE calltrack_app;
SELECT throws_ok('SELECT key FROM pin_key', '42501', NULL, 'the webhooks'' role cannot read the pin''s key');
SET LOCAL ROLE calltrack_dashboard;
SELECT throws_ok('SELECT key FROM pin_key', '42501', NULL, 'the dashboard''s role cannot read the pin''s key');
SELECT throws_ok($$SELECT ct_pin_mac('00000000-0000-0000-0000-0000000007b2', '\x00')$$, '42501', NULL,
    'nor make a MAC with it');
COMMIT;

-- ---- Only a credential pins an org ----
SELECT is_empty(
    $$SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = 'public' AND p.prosrc ~* 'set_config'
         AND p.proname NOT IN ('ct_pin_integration', 'ct_pin_token')
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')$$,
    'no function but ct_pin_integration and ct_pin_token calls set_config');
SELECT is_empty(
    $$SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = 'public' AND p.prosecdef
         AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')$$,
    'every SECURITY DEFINER function sets its search_path');
SELECT is_empty(
    $$SELECT tablename || '.' || policyname FROM pg_policies
       WHERE schemaname = 'public'
         AND (COALESCE(qual, '') || COALESCE(with_check, '')) ~ 'current_setting'$$,
    'no policy reads a setting directly');
SELECT is_empty(
    $$SELECT tablename || '.' || policyname FROM pg_policies
       WHERE schemaname = 'public' AND policyname <> 'org_isolation'$$,
    'the by-slug and by-hash policies are gone: one policy per table');
SELECT is_empty(
    $$SELECT tablename FROM pg_policies
       WHERE schemaname = 'public'
         AND regexp_replace(COALESCE(qual, '') || COALESCE(with_check, ''),
                            '\( SELECT ct_current_org\(\) AS ct_current_org\)', '', 'g') ~ 'ct_current_org'$$,
    'every policy checks the pin in a subquery (once per statement)');

-- A bare setting, the old way: nothing of org B, read or written.
BEGIN;
SET LOCAL ROLE calltrack_app;
SELECT set_config('calltrack.org_id', '00000000-0000-0000-0000-0000000007b2', true) \g /dev/null
SELECT is((SELECT count(*)::int FROM calls), 0, 'calltrack.org_id set to org B: no calls');
SELECT is((SELECT count(*)::int FROM contacts), 0, 'calltrack.org_id set to org B: no contacts');
SELECT is((SELECT count(*)::int FROM call_events), 0, 'calltrack.org_id set to org B: no events');
SELECT throws_ok('SELECT id FROM integrations', '42501', NULL,
    'the webhooks'' role cannot read integrations at all');
SELECT set_config('calltrack.integration_id', 'p7-b', true) \g /dev/null
SELECT throws_ok('SELECT secret FROM integrations', '42501', NULL,
    'nor org B''s secret by naming its slug');
SELECT is(pg_temp.changed($$UPDATE calls SET summary = 'touched'$$), 0,
    'calltrack.org_id set to org B: an UPDATE changes no call');
SELECT is(pg_temp.changed($$UPDATE contacts SET email = 'x@example.com'$$), 0,
    'calltrack.org_id set to org B: an UPDATE changes no contact');
SELECT throws_ok($$INSERT INTO calls (org_id, provider, provider_call_id)
    VALUES ('00000000-0000-0000-0000-0000000007b2', 'vapi', 'p7-sneaky')$$, '42501', NULL,
    'calltrack.org_id set to org B: no call can be added to it');
SELECT throws_ok($$INSERT INTO call_events (org_id, integration_id, provider, provider_call_id,
    event_type, dedup_key, payload, outcome) VALUES ('00000000-0000-0000-0000-0000000007b2', 'p7-b',
    'vapi', 'x', 'x', 'p7-sneaky', '\x00', 'applied')$$, '42501', NULL,
    'calltrack.org_id set to org B: no event can be added to it');
COMMIT;

-- A forged pin: the right shape, a made-up MAC.
BEGIN;
SET LOCAL ROLE calltrack_app;
SELECT set_config('calltrack.pin', '00000000-0000-0000-0000-0000000007b2:' || repeat('0', 64), true) \g /dev/null
SELECT is(ct_current_org(), NULL, 'a forged pin names no org');
SELECT is((SELECT count(*)::int FROM calls), 0, 'a forged pin sees no calls');
SELECT is((SELECT count(*)::int FROM contacts), 0, 'a forged pin sees no contacts');
SELECT is((SELECT count(*)::int FROM call_events), 0, 'a forged pin sees no events');
SELECT is(pg_temp.changed($$UPDATE calls SET summary = 'touched'$$), 0, 'a forged pin changes no call');
SELECT throws_ok($$INSERT INTO contacts (org_id, phone)
    VALUES ('00000000-0000-0000-0000-0000000007b2', '+14155557199')$$, '42501', NULL,
    'a forged pin adds no contact');
SELECT set_config('calltrack.pin', 'not a pin', true) \g /dev/null
SELECT is(ct_current_org(), NULL, 'a malformed pin names no org (and is no error)');
COMMIT;

-- Pins made with the real key (as the owner), to show what binds a pin.
BEGIN;
SELECT pg_temp.pin_for('00000000-0000-0000-0000-0000000007b2', pg_backend_pid()) AS good,
       pg_temp.pin_for('00000000-0000-0000-0000-0000000007b2', pg_backend_pid() + 1) AS other_backend,
       '00000000-0000-0000-0000-0000000007b2:'
           || right(pg_temp.pin_for('00000000-0000-0000-0000-0000000007a1', pg_backend_pid()), 64) AS other_org
\gset
SET LOCAL ROLE calltrack_app;
SELECT set_config('calltrack.pin', :'good', true) \g /dev/null
SELECT is(ct_current_org(), '00000000-0000-0000-0000-0000000007b2'::uuid,
    'a pin made with the key for this backend and transaction holds (control)');
SELECT set_config('calltrack.pin', :'other_backend', true) \g /dev/null
SELECT is(ct_current_org(), NULL, 'a pin made for another backend is refused');
SELECT set_config('calltrack.pin', :'other_org', true) \g /dev/null
SELECT is(ct_current_org(), NULL, 'another org''s MAC under org B''s id is refused');
COMMIT;

-- A pin captured in one transaction, replayed in the next.
BEGIN;
SET LOCAL ROLE calltrack_app;
SELECT ct_pin_integration('p7-b') AS pinned_org \gset
SELECT current_setting('calltrack.pin') AS captured \gset
COMMIT;
BEGIN;
SET LOCAL ROLE calltrack_app;
SELECT is(:'pinned_org'::uuid, '00000000-0000-0000-0000-0000000007b2'::uuid,
    'ct_pin_integration pins the org of the slug it is given');
SELECT set_config('calltrack.pin', :'captured', true) \g /dev/null
SELECT is(ct_current_org(), NULL, 'a pin captured in one transaction is refused in the next');
SELECT is((SELECT count(*)::int FROM calls), 0, 'and sees no calls there');
COMMIT;
-- Set for the session, it is refused in every later transaction too.
SELECT set_config('calltrack.pin', :'captured', false) \g /dev/null
SET ROLE calltrack_app;
SELECT is((SELECT count(*)::int FROM calls), 0, 'a captured pin set for the whole session sees nothing');
RESET ROLE;
SELECT set_config('calltrack.pin', '', false) \g /dev/null

-- Pinned from a slug: that org only, whatever else is set.
BEGIN;
SET LOCAL ROLE calltrack_app;
SELECT ct_pin_integration('p7-a') \g /dev/null
SELECT current_setting('calltrack.pin') AS same \gset
SELECT set_config('calltrack.pin', '', true) \g /dev/null
SELECT set_config('calltrack.pin', :'same', true) \g /dev/null
SELECT is(ct_current_org(), '00000000-0000-0000-0000-0000000007a1'::uuid,
    'within its own transaction the pin holds');
SELECT set_config('calltrack.org_id', '00000000-0000-0000-0000-0000000007b2', true) \g /dev/null
SELECT results_eq('SELECT provider_call_id FROM calls', ARRAY['p7-a-1'],
    'pinned to org A with calltrack.org_id set to org B: org A''s call only');
SELECT results_eq('SELECT name FROM contacts', ARRAY['Ann Seven'], 'and org A''s contact only');
SELECT results_eq('SELECT dedup_key FROM call_events', ARRAY['p7-ka'], 'and org A''s events only');
SELECT is(pg_temp.changed($$UPDATE calls SET summary = 'touched' WHERE id = '00000000-0000-0000-0000-0000007ca11b'$$),
    0, 'org B''s call cannot be changed by its id');
SELECT is(pg_temp.apply('p7-a', 'p7-a-2'), 'applied', 'a webhook event is applied from its slug');
SELECT is((SELECT org_id FROM calls WHERE provider_call_id = 'p7-a-2'),
    '00000000-0000-0000-0000-0000000007a1'::uuid, 'into the slug''s org');
SELECT throws_ok($$SELECT pg_temp.apply('p7-nope', 'p7-x')$$, 'P0002', NULL,
    'an unknown slug applies nothing');
SELECT throws_ok($$SELECT outcome FROM ct_apply_event_once('00000000-0000-0000-0000-0000000007b2', 'p7-b',
    'vapi', 'p7-b-2', 'status-update', 'p7-b-2', '\x7b7d', 'application/json', 'apply')$$, '42501', NULL,
    'the helper that takes an org writes nothing into another than the pinned one');
SELECT lives_ok($$SELECT ct_record_rejection(true, 'p7-b', 'vapi', 401, 'invalid_signature', NULL,
    'POST', NULL, 'application/json', '\x7b7d', 2, NULL, false)$$, 'a rejection is kept');
COMMIT;
SELECT is((SELECT org_id FROM rejected_events WHERE integration_id = 'p7-b'),
    '00000000-0000-0000-0000-0000000007b2'::uuid,
    'with the org of the slug it names, from the database, not the program');

-- ---- The dashboard's functions: the token's org, nothing else ----
BEGIN;
SET LOCAL ROLE calltrack_dashboard;
SELECT is((SELECT json_agg(c->>'provider_call_id')::text
             FROM json_array_elements(ct_calls_page(repeat('7a', 32), NULL, NULL, NULL, NULL, NULL, NULL,
                 NULL, NULL, NULL, NULL, NULL, NULL, true, 'started_at', true, 25, 0, NULL, NULL)->'calls') c),
    '["p7-a-2", "p7-a-1"]', 'the list of token A is org A''s calls');
SELECT is((ct_calls_page(repeat('7a', 32), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
              NULL, NULL, true, 'started_at', true, 25, 0, NULL, NULL)->>'total')::int, 2,
    'and counts org A''s calls');
SELECT ok(ct_call_detail(repeat('7a', 32), '00000000-0000-0000-0000-0000007ca11b') IS NULL,
    'token A does not see org B''s call by its id');
SELECT ok(ct_call_detail(repeat('7a', 32), '00000000-0000-0000-0000-0000007ca11a') IS NOT NULL,
    'token A sees its own call (control)');
SELECT is(pg_temp.cursor_rows(ct_calls_csv(repeat('7a', 32), NULL, NULL, NULL, NULL, NULL, NULL,
              NULL, NULL, NULL, NULL, NULL, NULL, true, 'started_at', true, 100)), 2,
    'the CSV of token A is org A''s calls');
SELECT is((ct_stats(repeat('7a', 32), NULL, NULL, NULL, true)->>'total_calls')::int, 2,
    'the stats of token A count org A''s calls');
SELECT is(ct_calls_total('00000000-0000-0000-0000-0000000007b2', 'v.org_id = $1', NULL, NULL, NULL,
              NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true, 'UTC', false), 0::bigint,
    'pinned by token A, a helper given org B counts nothing');
-- Revoked: nothing.
SELECT ok(ct_calls_page(repeat('7c', 32), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
              NULL, NULL, true, 'started_at', true, 25, 0, NULL, NULL) IS NULL,
    'a revoked token gets no list');
SELECT ok(ct_call_detail(repeat('7c', 32), '00000000-0000-0000-0000-0000007ca11a') IS NULL,
    'a revoked token gets no call');
SELECT is(pg_temp.cursor_rows(ct_calls_csv(repeat('7c', 32), NULL, NULL, NULL, NULL, NULL, NULL,
              NULL, NULL, NULL, NULL, NULL, NULL, true, 'started_at', true, 100)), 0,
    'a revoked token gets no CSV');
SELECT ok(ct_stats(repeat('7c', 32), NULL, NULL, NULL, true) IS NULL, 'a revoked token gets no stats');
SELECT is(ct_range_reversed(repeat('7c', 32), '2026-01-01', '2026-02-01'), NULL,
    'a revoked token gets no answer on a range');
SELECT is((SELECT count(*)::int FROM ct_token_auth(repeat('7c', 32))), 0, 'a revoked token signs in to no org');
SELECT is(ct_pin_token(repeat('7a', 32)), '00000000-0000-0000-0000-0000000007a1'::uuid,
    'a live token pins its org');
SELECT is(ct_pin_token(repeat('7c', 32)), NULL, 'a revoked one pins none');
SELECT is((SELECT count(*)::int FROM calls), 0, 'and clears the pin it replaces');
COMMIT;

-- ---- The dashboard's role: no secrets, no writes ----
BEGIN;
SET LOCAL ROLE calltrack_dashboard;
SELECT ct_pin_token(repeat('7a', 32)) \g /dev/null
SELECT throws_ok('SELECT secret FROM integrations', '42501', NULL,
    'the dashboard''s role cannot read an integration''s secret');
SELECT throws_ok('SELECT count(*) FROM integrations', '42501', NULL,
    'nor select from integrations at all');
SELECT throws_ok($$SELECT * FROM ct_integration_lookup('p7-a')$$, '42501', NULL,
    'nor execute ct_integration_lookup');
SELECT throws_ok($$SELECT ct_pin_integration('p7-b')$$, '42501', NULL,
    'nor pin an org from a slug');
SELECT throws_ok('SELECT token_hash FROM api_tokens', '42501', NULL, 'nor read token hashes');
SELECT throws_ok('SELECT payload FROM call_events', '42501', NULL, 'nor raw payloads');
SELECT throws_ok($$INSERT INTO calls (org_id, provider, provider_call_id)
    VALUES ('00000000-0000-0000-0000-0000000007a1', 'vapi', 'p7-dash')$$, '42501', NULL,
    'nor add a call, even to its own org');
SELECT throws_ok($$UPDATE calls SET summary = 'x'$$, '42501', NULL, 'nor change one');
SELECT throws_ok($$SELECT pg_temp.apply('p7-a', 'p7-dash')$$, '42501', NULL,
    'nor apply a webhook event');
COMMIT;

-- ---- The webhooks' role: no tokens, no dashboard ----
BEGIN;
SET LOCAL ROLE calltrack_app;
SELECT throws_ok('SELECT token_hash FROM api_tokens', '42501', NULL,
    'the webhooks'' role cannot read token hashes');
SELECT throws_ok($$SELECT ct_pin_token(repeat('7b', 32))$$, '42501', NULL,
    'nor pin an org from a token');
SELECT throws_ok($$SELECT ct_stats(repeat('7b', 32), NULL, NULL, NULL, true)$$, '42501', NULL,
    'nor run the dashboard''s functions');
SELECT throws_ok('SELECT ct_sweep()', '42501', NULL, 'nor the sweeper''s, which span orgs');
COMMIT;

-- ---- Indexes still serve under the policies ----
BEGIN;
SET LOCAL ROLE calltrack_dashboard;
SET LOCAL enable_seqscan = off;
SELECT ct_pin_token(repeat('7a', 32)) \g /dev/null
SELECT matches(pg_temp.plan_of('SELECT id FROM calls ORDER BY call_at DESC, id DESC LIMIT 25'),
    '(?s)InitPlan.*Index (Only )?Scan using calls_org_call_at.*Index Cond: \(org_id = \$0\)',
    'the policy alone is an index condition on calls, its pin checked once (InitPlan)');
COMMIT;

SELECT * FROM finish();
SELECT pg_temp.cleanup() \g /dev/null
