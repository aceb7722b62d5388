-- 10_contacts.sql: the rules every writer of a contact keeps
-- (sql/functions/09_contacts.sql): a history row for every change, by
-- whoever made it; automatic changes move a lead only forward, a lost lead
-- only to booked; call_count and last_call_at follow the calls; a person's
-- change through ct_contact_apply and ct_contact_add; the writing
-- functions' own refusal of a viewer's token; what the writers' role may
-- not touch; and the indexes that serve the contact list, its search and
-- one contact's page.
BEGIN;
INSERT INTO orgs (id, name) VALUES
    ('00000000-0000-0000-0000-0000000010a1', 'Org A'),
    ('00000000-0000-0000-0000-0000000010b2', 'Org B');
INSERT INTO integrations (id, org_id, provider, secret) VALUES
    ('ct10-a', '00000000-0000-0000-0000-0000000010a1', 'vapi', 'secret-aaaa');
INSERT INTO api_tokens (org_id, token_hash, label, role, revoked_at) VALUES
    ('00000000-0000-0000-0000-0000000010a1', repeat('1e', 32), 'desk', 'editor', NULL),
    ('00000000-0000-0000-0000-0000000010a1', repeat('1f', 32), 'wall', 'viewer', NULL),
    ('00000000-0000-0000-0000-0000000010a1', repeat('1c', 32), 'gone', 'editor', now()),
    ('00000000-0000-0000-0000-0000000010b2', repeat('1b', 32), 'other', 'editor', NULL);
INSERT INTO contacts (org_id, id, phone, name, name_source) VALUES
    ('00000000-0000-0000-0000-0000000010b2', '00000000-0000-0000-0000-00000010c0b2', '+14155551099',
     'Bob Other', 'manual');

-- One event of org A's integration, applied as the webhooks' role (and
-- back to the owner, who reads what it wrote); only what a test sets is
-- passed.
CREATE FUNCTION pg_temp.ev(p_call text, p_key text, p_phone text DEFAULT NULL,
    p_name text DEFAULT NULL, p_status text DEFAULT NULL, p_started text DEFAULT NULL,
    p_booking text DEFAULT NULL, p_seq bigint DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v text;
BEGIN
    SET LOCAL ROLE calltrack_app;
    SELECT outcome INTO v FROM ct_apply_event(
        p_integration => 'ct10-a', p_provider => 'vapi', p_provider_call_id => p_call,
        p_event_type => 'test', p_dedup_key => p_key,
        p_payload => convert_to('{"k":"' || p_key || '"}', 'UTF8'),
        p_content_type => 'application/json', p_mode => 'apply',
        p_status_answered => COALESCE(p_status, 'queued'),
        p_status_unanswered => COALESCE(p_status, 'queued'),
        p_answered => p_started IS NOT NULL, p_sequence => p_seq,
        p_phone_number => p_phone, p_customer_name => p_name, p_started_at => p_started,
        p_ended_at => CASE WHEN p_status = 'completed' THEN p_started END,
        p_booking_status => p_booking);
    RESET ROLE;
    RETURN v;
END $$;
-- A contact's history as "field old>new by" lines, oldest first.
CREATE FUNCTION pg_temp.hist(p_phone text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(h.field || ' ' || COALESCE(h.old, '-') || '>' || COALESCE(h.new, '-')
                      || ' ' || h.by, E'\n' ORDER BY h.id)
      FROM contact_history h JOIN contacts c ON c.org_id = h.org_id AND c.id = h.contact_id
     WHERE c.org_id = '00000000-0000-0000-0000-0000000010a1' AND c.phone = p_phone
$$;
CREATE FUNCTION pg_temp.lead(p_phone text) RETURNS text LANGUAGE sql AS $$
    SELECT lead_status FROM contacts
     WHERE org_id = '00000000-0000-0000-0000-0000000010a1' AND phone = p_phone
$$;
CREATE FUNCTION pg_temp.counts(p_phone text) RETURNS text LANGUAGE sql AS $$
    SELECT call_count || ' ' || COALESCE(to_char(last_call_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), '-')
      FROM contacts WHERE org_id = '00000000-0000-0000-0000-0000000010a1' AND phone = p_phone
$$;
CREATE FUNCTION pg_temp.id_of(p_phone text) RETURNS uuid LANGUAGE sql AS $$
    SELECT id FROM contacts
     WHERE org_id = '00000000-0000-0000-0000-0000000010a1' AND phone = p_phone
$$;
-- A statement's plan, as text.
CREATE FUNCTION pg_temp.plan_of(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; r text := '';
BEGIN
    FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || p_sql LOOP r := r || l || E'\n'; END LOOP;
    RETURN r;
END $$;
-- The page statement of ct_contacts_page for a sort and filters, its
-- parameters written in as literals (org A).
CREATE FUNCTION pg_temp.list_sql(p_sort text, p_desc boolean, p_digits text DEFAULT NULL,
    p_words text[] DEFAULT NULL, p_lead text[] DEFAULT NULL) RETURNS text LANGUAGE sql AS $$
    SELECT format('SELECT k.id FROM contacts k WHERE %s ORDER BY %s %s, k.id %s LIMIT 25',
                  replace(replace(replace(replace(
                      ct_contacts_where(p_digits, p_words, p_lead, NULL),
                      '$1', '''00000000-0000-0000-0000-0000000010a1''::uuid'),
                      '$2', quote_nullable(p_digits)),
                      '$3', '(' || quote_nullable(p_words::text) || '::text[])'),
                      '$4', '(' || quote_nullable(p_lead::text) || '::text[])'),
                  s.expr, CASE WHEN p_desc THEN 'DESC' ELSE 'ASC' END,
                  CASE WHEN p_desc THEN 'DESC' ELSE 'ASC' END)
      FROM ct_contacts_sort_expr(p_sort) s
$$;

SELECT plan(67);

-- ---- The lead rule ----
SELECT is_empty($$
    SELECT old, completed, confirmed, want, ct_lead_next(old, completed, confirmed) AS got
      FROM (VALUES
        ('new', false, false, 'new'), ('new', true, false, 'contacted'),
        ('new', false, true, 'booked'), ('new', true, true, 'booked'),
        ('contacted', false, false, 'contacted'), ('contacted', true, false, 'contacted'),
        ('contacted', true, true, 'booked'),
        ('qualified', true, false, 'qualified'), ('qualified', true, true, 'booked'),
        ('booked', true, false, 'booked'), ('booked', true, true, 'booked'),
        ('booked', false, false, 'booked'),
        ('lost', false, false, 'lost'), ('lost', true, false, 'lost'),
        ('lost', false, true, 'booked'), ('lost', true, true, 'booked'))
           AS t(old, completed, confirmed, want)
     WHERE ct_lead_next(old, completed, confirmed) IS DISTINCT FROM want$$,
    'ct_lead_next: only forward along new, contacted, qualified, booked; lost only to booked');

-- ---- The webhook path's history ----
SELECT is(pg_temp.ev('w1', 'w1-a', '+14155551001', 'Ann Caller'), 'applied', 'a new caller''s first event');
SELECT is(pg_temp.hist('+14155551001'), E'phone ->+14155551001 provider\nname ->Ann Caller provider',
    'a contact the webhook path makes starts its history: number and name, by provider');
SELECT is(pg_temp.ev('w1', 'w1-a', '+14155551001', 'Ann Caller'), 'duplicate', 'the same event again');
SELECT is(pg_temp.ev('w1', 'w1-b', '+14155551001', 'Ann Caller'), 'applied', 'the same name again');
SELECT is((SELECT count(*)::int FROM contact_history h JOIN contacts c ON c.id = h.contact_id
            WHERE c.phone = '+14155551001'), 2, 'neither a duplicate nor an unchanged name adds a row');
SELECT is(pg_temp.ev('w1', 'w1-c', '+14155551001', 'Unknown Caller'), 'applied', 'a placeholder name');
SELECT is(pg_temp.ev('w1', 'w1-d', '+14155551001', 'Ann B. Caller'), 'applied', 'a new provider name');
SELECT is(pg_temp.hist('+14155551001'),
    E'phone ->+14155551001 provider\nname ->Ann Caller provider\nname Ann Caller>Ann B. Caller provider',
    'a placeholder changes nothing; a new provider name is one row by provider');
SELECT is(pg_temp.ev('w1', 'w1-e', '+14155551001', NULL, 'completed', '2026-01-05T10:00:00Z'), 'applied',
    'the call completes');
SELECT is((SELECT string_agg(field || ' ' || COALESCE(old, '-') || '>' || new || ' ' || by, E'\n' ORDER BY id)
             FROM contact_history WHERE contact_id = pg_temp.id_of('+14155551001') AND id >
                  (SELECT max(id) - 2 FROM contact_history WHERE contact_id = pg_temp.id_of('+14155551001'))),
    E'lead_status new>contacted system\nlast_contacted_at ->2026-01-05T10:00:00.000Z system',
    'a completed call moves the lead on and sets last contact, by system');
SELECT is((SELECT changed_by FROM contacts WHERE phone = '+14155551001'), NULL,
    'the name a statement gave does not stay on the row');

-- A manual name: the provider's names are no change.
SELECT ct_pin_token(repeat('1e', 32)) \g /dev/null
SET LOCAL ROLE calltrack_editor;
SELECT is(ct_contact_apply(pg_temp.id_of('+14155551001'), 'desk', '{name}', 'Ann Manual'), 'updated',
    'a person names the contact');
RESET ROLE;
SELECT is(pg_temp.ev('w1', 'w1-f', '+14155551001', 'Ann Provider Again'), 'applied', 'a provider sends another name');
SELECT is((SELECT name || ' ' || name_source FROM contacts WHERE phone = '+14155551001'), 'Ann Manual manual',
    'the manual name stays');
SELECT is((SELECT field || ' ' || old || '>' || new || ' ' || by FROM contact_history
            WHERE contact_id = pg_temp.id_of('+14155551001') ORDER BY id DESC LIMIT 1),
    'name Ann B. Caller>Ann Manual desk', 'and its history has no provider row after the person''s');

-- ---- Forward only, lost included ----
SELECT is(pg_temp.ev('l1', 'l1-a', '+14155551002', 'Lee Lost', 'busy'), 'applied', 'a lead''s first call');
UPDATE contacts SET lead_status = 'lost', changed_by = 'desk' WHERE phone = '+14155551002';
SELECT is(pg_temp.ev('l2', 'l2-a', '+14155551002', NULL, 'completed', '2026-01-06T10:00:00Z'), 'applied',
    'a completed call of a lost lead');
SELECT is(pg_temp.lead('+14155551002'), 'lost', 'a completed call does not move a lost lead');
SELECT is(pg_temp.ev('l3', 'l3-a', '+14155551002', NULL, 'completed', '2026-01-07T10:00:00Z', 'confirmed'),
    'applied', 'a confirmed booking of a lost lead');
SELECT is(pg_temp.lead('+14155551002'), 'booked', 'a confirmed booking books a lost lead');
SELECT is((SELECT string_agg(old || '>' || new || ' ' || by, ',' ORDER BY id) FROM contact_history
            WHERE contact_id = pg_temp.id_of('+14155551002') AND field = 'lead_status'),
    'new>lost desk,lost>booked system', 'each move one row, by who made it');
SELECT is(pg_temp.ev('l4', 'l4-a', '+14155551002', NULL, 'completed', '2026-01-08T10:00:00Z'), 'applied',
    'a later completed call of a booked lead');
SELECT is(pg_temp.lead('+14155551002'), 'booked', 'a booked lead never goes back to contacted');
UPDATE contacts SET lead_status = 'qualified' WHERE phone = '+14155551002';
SELECT is(pg_temp.ev('l5', 'l5-a', '+14155551002', NULL, 'completed', '2026-01-09T10:00:00Z'), 'applied',
    'a completed call of a qualified lead');
SELECT is(pg_temp.lead('+14155551002'), 'qualified', 'a qualified lead stays qualified');
SELECT is((SELECT by FROM contact_history WHERE contact_id = pg_temp.id_of('+14155551002')
            AND field = 'lead_status' AND new = 'qualified'), 'system',
    'a change whose statement names no one is the system''s');

-- ---- The counts ----
SELECT is(pg_temp.ev('n1', 'n1-a'), 'applied', 'a call whose first event has no number');
SELECT is(pg_temp.ev('n1', 'n1-b', '+14155551003', 'Nia Count', 'completed', '2026-01-10T10:00:00Z'),
    'applied', 'a later event of it has the number');
SELECT is(pg_temp.counts('+14155551003'), '1 2026-01-10 10:00', 'the call counts once, when it is linked');
SELECT is(pg_temp.ev('n1', 'n1-c', '+14155551003', NULL, 'completed', '2026-01-10T10:00:00Z'), 'applied',
    'another event of the same call');
SELECT is(pg_temp.ev('n2', 'n2-a', '+14155551003', NULL, 'completed', '2026-01-08T10:00:00Z'), 'applied',
    'an earlier call of the contact');
SELECT is(pg_temp.counts('+14155551003'), '2 2026-01-10 10:00',
    'each call once; an earlier call leaves the latest start');
SELECT is(pg_temp.ev('n2', 'n2-b', '+14155551004', NULL, 'completed', '2026-01-08T10:00:00Z', NULL, 9),
    'applied', 'a late event gives the call another number');
SELECT is(pg_temp.counts('+14155551003') || ' / ' || pg_temp.counts('+14155551004'),
    '1 2026-01-10 10:00 / 1 2026-01-08 10:00', 'a call linked to another contact moves its count');
SELECT is(pg_temp.ev('n1', 'n1-d', '+14155551003', NULL, 'completed', '2026-01-03T10:00:00Z', NULL, 10),
    'applied', 'a late event moves the only call''s start earlier');
SELECT is(pg_temp.counts('+14155551003'), '1 2026-01-03 10:00', 'last_call_at follows it down');
SELECT is_empty($$SELECT c.id FROM contacts c
    CROSS JOIN LATERAL (SELECT count(*)::int AS n, max(COALESCE(k.started_at, k.first_event_at)) AS at
                          FROM calls k WHERE k.org_id = c.org_id AND k.contact_id = c.id) x
    WHERE c.org_id = '00000000-0000-0000-0000-0000000010a1'
      AND (c.call_count, c.last_call_at) IS DISTINCT FROM (x.n, x.at)$$,
    'every contact''s count and last call are its calls''');

-- ---- A person's change, and the import's ----
SELECT ct_pin_token(repeat('1e', 32)) \g /dev/null
SET LOCAL ROLE calltrack_editor;
SELECT is(ct_contact_apply(pg_temp.id_of('+14155551003'), 'desk', '{name,email}', 'Nia Count', NULL),
    'updated', 'confirming a provider''s name is a change (of its source)');
SELECT is((SELECT field || ' ' || old || '>' || new FROM contact_history
            WHERE contact_id = pg_temp.id_of('+14155551003') ORDER BY id DESC LIMIT 1),
    'name_source provider>manual', 'one row, of the source alone');
SELECT is(ct_contact_apply(pg_temp.id_of('+14155551003'), 'desk', '{name,email}', 'Nia Count', NULL),
    'unchanged', 'the same values again change nothing');
SELECT is(ct_contact_apply(pg_temp.id_of('+14155551003'), 'desk', '{name}', ' Caller '), 'name',
    'a placeholder is refused, as the name');
SELECT is(ct_contact_apply('00000000-0000-0000-0000-00000010c0b2', 'desk', '{name}', 'Taken'), 'not_found',
    'another org''s contact is not found');
SELECT results_eq($$SELECT result FROM ct_contact_add('+14155551005', '(415) 555-1005', 'import', 'Ivy Import',
                                                      NULL, 'qualified')
                   UNION ALL
                   SELECT result FROM ct_contact_add('+14155551005', NULL, 'import', 'Ivy Again')
                   UNION ALL
                   SELECT result FROM ct_contact_add('4155551006', NULL, 'import')$$,
    ARRAY['created', 'exists', 'phone'], 'ct_contact_add: created, then the same number exists; E.164 only');
SELECT is(pg_temp.hist('+14155551005'),
    E'phone ->+14155551005 import\nname ->Ivy Import import\nlead_status ->qualified import',
    'an import''s contact starts its history by import');

-- ---- The writing functions refuse what the token may not ----
SELECT is(ct_contact_patch(repeat('1f', 32), pg_temp.id_of('+14155551005'), '{name}', 'Viewer Name',
                           NULL, NULL, NULL)::text, '{"error" : "forbidden"}', 'a viewer''s token may not change a contact');
SELECT is(ct_contact_create(repeat('1f', 32), '+14155551007', NULL, NULL, NULL, NULL)::text,
    '{"error" : "forbidden"}', 'nor add one');
SELECT is(ct_alert_acknowledge(repeat('1c', 32), '00000000-0000-0000-0000-000000000000')::text,
    '{"error" : "token"}', 'a revoked token acknowledges nothing');
SELECT ct_pin_token(repeat('1e', 32)) \g /dev/null
SELECT is((SELECT name FROM contacts WHERE phone = '+14155551005'), 'Ivy Import', 'and nothing changed');

-- ---- What the writers' role may not ----
SELECT throws_ok($$UPDATE contacts SET lead_score = 99$$, '42501', NULL,
    'the writers'' role cannot set a lead score (the webhook path''s)');
SELECT throws_ok($$UPDATE contacts SET phone = '+14155551098'$$, '42501', NULL, 'nor a number');
SELECT throws_ok($$UPDATE contacts SET call_count = 0$$, '42501', NULL, 'nor a call count');
SELECT throws_ok($$DELETE FROM contacts$$, '42501', NULL, 'nor delete a contact');
SELECT throws_ok($$DELETE FROM contact_history$$, '42501', NULL, 'nor a history row');
SELECT throws_ok($$UPDATE hot_lead_alerts SET score = 1$$, '42501', NULL, 'nor change an alert''s score');
SELECT throws_ok($$INSERT INTO calls (org_id, provider, provider_call_id)
    VALUES ('00000000-0000-0000-0000-0000000010a1', 'vapi', 'ct10-editor')$$, '42501', NULL, 'nor add a call');
SELECT throws_ok($$SELECT secret FROM integrations$$, '42501', NULL, 'nor read an integration');
SELECT throws_ok($$SELECT token_hash FROM api_tokens$$, '42501', NULL, 'nor a token');
SELECT throws_ok($$SELECT payload FROM call_events$$, '42501', NULL, 'nor a raw payload');
SELECT throws_ok($$SELECT booking_tools FROM orgs$$, '42501', NULL,
    'nor more of its org than its country, zone and stuck limits');
SELECT throws_ok($$SELECT ct_pin_integration('ct10-a')$$, '42501', NULL, 'nor pin an org from a slug');
SET LOCAL ROLE calltrack_dashboard;
SELECT throws_ok($$SELECT ct_contact_patch(repeat('1e', 32), '00000000-0000-0000-0000-000000000000', '{}',
    NULL, NULL, NULL, NULL)$$, '42501', NULL, 'the readers'' role cannot run the contacts API''s writes');
SET LOCAL ROLE calltrack_app;
SELECT throws_ok($$SELECT ct_contacts_page(repeat('1e', 32), NULL, NULL, NULL, NULL, 'name', true, 25, 0,
    NULL, NULL)$$, '42501', NULL, 'nor the webhooks'' role its reads');
SET LOCAL ROLE calltrack_editor;

-- ---- Indexes: the list's every sort, its search, one contact's page ----
-- (tests/scale/run shows them at 250,000 contacts; here, that each
-- statement can be served by its index at all, in order.)
RESET ROLE;
ANALYZE contacts, calls, contact_name_suffixes, contact_phone_suffixes;
SELECT ct_pin_token(repeat('1e', 32)) \g /dev/null
SET LOCAL ROLE calltrack_editor;
SET LOCAL enable_seqscan = off;
SET LOCAL enable_sort = off;
SELECT is_empty($$
    SELECT s || ' ' || d FROM unnest(ARRAY['last_contacted_at', 'lead_score', 'name', 'created_at', 'call_count']) s,
           unnest(ARRAY[true, false]) d
     WHERE pg_temp.plan_of(pg_temp.list_sql(s, d)) !~
           ('Index (Only )?Scan( Backward)? using contacts_org_'
            || CASE s WHEN 'last_contacted_at' THEN 'last_contacted' WHEN 'created_at' THEN 'created' ELSE s END)
        OR pg_temp.plan_of(pg_temp.list_sql(s, d)) ~ '\mSort\M'$$,
    'every sort, both ways, reads its own index in order (no sort step)');
SELECT matches(pg_temp.plan_of($$SELECT id FROM calls WHERE org_id = '00000000-0000-0000-0000-0000000010a1'
        AND contact_id = '00000000-0000-0000-0000-00000010c0b2' ORDER BY call_at DESC, id DESC LIMIT 100$$),
    '(?s)^Limit.*Index (Only )?Scan using calls_org_contact', 'a contact''s calls, newest first, in the index''s order');
SET LOCAL enable_sort = on;
SELECT matches(pg_temp.plan_of(replace(pg_temp.list_sql('last_contacted_at', true, '5551003'), 'ORDER BY', '--')),
    'Index (Only )?Scan using contact_phone_suffixes_key', 'the digits of a search go through the number''s ends'' index');
SELECT matches(pg_temp.plan_of(replace(pg_temp.list_sql('last_contacted_at', true, NULL, '{count}'), 'ORDER BY', '--')),
    'Index (Only )?Scan using contact_name_suffixes_', 'the words of a search go through the ends of the names'' words');

SELECT * FROM finish();
ROLLBACK;
