-- 12_import.sql: ct_import_contacts, a batch of the contacts import, as
-- the dashboard writers' role: new and known numbers, what changes and
-- its history, the same batch again, a name the database refuses, another
-- org untouched, a token that is not live.
BEGIN;
SELECT plan(20);

INSERT INTO orgs (id, name, default_country) VALUES
    ('00000000-0000-0000-0000-0000000012a1', 'Import A', 'US'),
    ('00000000-0000-0000-0000-0000000012b2', 'Import B', 'GB');
INSERT INTO api_tokens (org_id, token_hash, role, revoked_at) VALUES
    ('00000000-0000-0000-0000-0000000012a1', repeat('1a', 32), 'editor', NULL),
    ('00000000-0000-0000-0000-0000000012a1', repeat('1c', 32), 'editor', now()),
    ('00000000-0000-0000-0000-0000000012b2', repeat('1b', 32), 'editor', NULL);
-- A's known contact, with a provider's name; B's contact of the same number.
INSERT INTO contacts (org_id, id, phone, name, name_source, email, lead_status) VALUES
    ('00000000-0000-0000-0000-0000000012a1', '00000000-0000-0000-0000-00000012c0a1',
     '+15552345601', 'Ann From Provider', 'provider', NULL, 'contacted'),
    ('00000000-0000-0000-0000-0000000012b2', '00000000-0000-0000-0000-00000012c0b2',
     '+15552345601', 'Bob B', 'manual', 'bob@example.com', 'qualified');

SET LOCAL ROLE calltrack_editor;

SELECT is((SELECT country FROM ct_token_auth(repeat('1a', 32))), 'US', 'the sign-in gives the country of the token''s org');
SELECT is((SELECT country FROM ct_token_auth(repeat('1b', 32))), 'GB', 'and of another token''s org');
SELECT is((SELECT count(*)::int FROM ct_token_auth(repeat('1c', 32))), 0, 'a revoked token has none');

-- One known number (a new name and email), two new ones (one with only
-- its number), one whose name the database refuses.
SELECT results_eq(
    $$SELECT created, updated, unchanged, refused FROM ct_import_contacts(repeat('1a', 32),
        ARRAY['+15552345601', '+15552345602', '+15552345603', '+15552345604'],
        ARRAY['Ann Lee', 'Bo Chen', NULL, 'Unknown'],
        ARRAY['ann@example.com', NULL, NULL, NULL],
        ARRAY[NULL, 'booked', NULL, NULL],
        ARRAY[NULL, NULL, NULL, NULL]::text[])$$,
    $$VALUES (2, 1, 0, ARRAY[4])$$,
    'two created, one updated, the placeholder refused');

RESET ROLE;

SELECT results_eq(
    $$SELECT name, name_source, email, lead_status FROM contacts
       WHERE org_id = '00000000-0000-0000-0000-0000000012a1' ORDER BY phone$$,
    $$VALUES ('Ann Lee', 'manual', 'ann@example.com', 'contacted'),
             ('Bo Chen', 'manual', NULL, 'booked'),
             (NULL, NULL, NULL, 'new')$$,
    'the known contact has the file''s name (now manual) and email, its lead as it was; '
    'the new ones what the file gave them');
SELECT is((SELECT count(*)::int FROM contacts WHERE phone = '+15552345604'), 0,
    'the refused row made nothing');
SELECT results_eq(
    $$SELECT field, old, new, by FROM contact_history
       WHERE contact_id = '00000000-0000-0000-0000-00000012c0a1' AND by = 'import' ORDER BY id$$,
    $$VALUES ('name', 'Ann From Provider', 'Ann Lee', 'import'),
             ('email', NULL, 'ann@example.com', 'import')$$,
    'each changed field of the known contact is one history row by import');
SELECT results_eq(
    $$SELECT h.field, h.old, h.new, h.by FROM contact_history h
        JOIN contacts c ON c.org_id = h.org_id AND c.id = h.contact_id
       WHERE c.org_id = '00000000-0000-0000-0000-0000000012a1' AND c.phone <> '+15552345601'
       ORDER BY c.phone, h.id$$,
    $$VALUES ('phone', NULL, '+15552345602', 'import'),
             ('name', NULL, 'Bo Chen', 'import'),
             ('lead_status', NULL, 'booked', 'import'),
             ('phone', NULL, '+15552345603', 'import')$$,
    'a new contact has a row for each field it starts with, by import');
SELECT ok(EXISTS (SELECT 1 FROM contact_name_suffixes t
                   WHERE t.contact_id = '00000000-0000-0000-0000-00000012c0a1' AND t.suffix = 'lee')
          AND NOT EXISTS (SELECT 1 FROM contact_name_suffixes t
                   WHERE t.contact_id = '00000000-0000-0000-0000-00000012c0a1' AND t.suffix LIKE 'pro%'),
    'the name search follows the new name');
SELECT results_eq(
    $$SELECT name, email, lead_status FROM contacts WHERE org_id = '00000000-0000-0000-0000-0000000012b2'$$,
    $$VALUES ('Bob B', 'bob@example.com', 'qualified')$$,
    'the other org''s contact of the same number is untouched');

-- The same batch again: nothing changes, no history.
CREATE TEMP TABLE history_before ON COMMIT DROP AS
    SELECT count(*)::int AS n FROM contact_history
     WHERE org_id = '00000000-0000-0000-0000-0000000012a1';
SET LOCAL ROLE calltrack_editor;
SELECT results_eq(
    $$SELECT created, updated, unchanged, refused FROM ct_import_contacts(repeat('1a', 32),
        ARRAY['+15552345601', '+15552345602', '+15552345603', '+15552345604'],
        ARRAY['Ann Lee', 'Bo Chen', NULL, 'Unknown'],
        ARRAY['ann@example.com', NULL, NULL, NULL],
        ARRAY[NULL, 'booked', NULL, NULL],
        ARRAY[NULL, NULL, NULL, NULL]::text[])$$,
    $$VALUES (0, 0, 3, ARRAY[4])$$,
    'the same batch again: all unchanged');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM contact_history
            WHERE org_id = '00000000-0000-0000-0000-0000000012a1'),
          (SELECT n FROM history_before),
    'and no history row more');

-- Cells left empty leave fields as they are; a lead status set by hand.
SET LOCAL ROLE calltrack_editor;
SELECT results_eq(
    $$SELECT created, updated, unchanged FROM ct_import_contacts(repeat('1a', 32),
        ARRAY['+15552345602'], ARRAY[NULL]::text[], ARRAY[NULL]::text[], ARRAY['lost'],
        ARRAY[NULL]::text[])$$,
    $$VALUES (0, 1, 0)$$,
    'only the lead status changes');
RESET ROLE;
SELECT results_eq(
    $$SELECT name, name_source, lead_status FROM contacts WHERE phone = '+15552345602'$$,
    $$VALUES ('Bo Chen', 'manual', 'lost')$$,
    'the name stays');

-- Another org's token writes its own org only.
SET LOCAL ROLE calltrack_editor;
SELECT results_eq(
    $$SELECT created, updated, unchanged FROM ct_import_contacts(repeat('1b', 32),
        ARRAY['+15552345601', '+15552345602'], ARRAY['Bob Renamed', 'Bo Chen'],
        ARRAY[NULL, NULL]::text[], ARRAY[NULL, NULL]::text[], ARRAY[NULL, NULL]::text[])$$,
    $$VALUES (1, 1, 0)$$,
    'org B: its known number updated, the other created in B');
RESET ROLE;
SELECT results_eq(
    $$SELECT org_id::text, name FROM contacts WHERE phone IN ('+15552345601', '+15552345602')
       ORDER BY org_id, phone$$,
    $$VALUES ('00000000-0000-0000-0000-0000000012a1', 'Ann Lee'),
             ('00000000-0000-0000-0000-0000000012a1', 'Bo Chen'),
             ('00000000-0000-0000-0000-0000000012b2', 'Bob Renamed'),
             ('00000000-0000-0000-0000-0000000012b2', 'Bo Chen')$$,
    'org A''s contacts are as they were');

-- A token that is not live: nothing, and no counts.
SET LOCAL ROLE calltrack_editor;
SELECT results_eq(
    $$SELECT created, updated, unchanged, refused FROM ct_import_contacts(repeat('1c', 32),
        ARRAY['+15552345699'], ARRAY['X Y'], ARRAY[NULL]::text[], ARRAY[NULL]::text[],
        ARRAY[NULL]::text[])$$,
    $$VALUES (NULL::int, NULL::int, NULL::int, NULL::int[])$$,
    'a revoked token: no counts');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM contacts WHERE phone = '+15552345699'), 0,
    'and no contact');

-- What the writers' role may and may not do outside the functions.
SELECT ok(NOT has_table_privilege('calltrack_editor', 'api_tokens', 'SELECT')
          AND NOT has_table_privilege('calltrack_editor', 'integrations', 'SELECT')
          AND NOT has_table_privilege('calltrack_editor', 'call_events', 'SELECT')
          AND NOT has_table_privilege('calltrack_editor', 'contacts', 'DELETE')
          AND NOT has_table_privilege('calltrack_editor', 'contact_history', 'UPDATE')
          AND NOT has_table_privilege('calltrack_editor', 'contact_history', 'DELETE'),
    'the writers'' role reads no token, integration or raw event, deletes no contact, '
    'rewrites no history');
SELECT ok(NOT has_function_privilege('calltrack_app', 'ct_import_contacts(text, text[], text[], text[], text[], text[])', 'EXECUTE')
          AND NOT has_function_privilege('calltrack_dashboard', 'ct_import_contacts(text, text[], text[], text[], text[], text[])', 'EXECUTE'),
    'only the writers'' role may import');

SELECT * FROM finish();
ROLLBACK;
