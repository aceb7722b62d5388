-- 16_contact_counts.sql: the contact list's total from the kept counts
-- (sql/031_contact_counts.sql, sql/functions/09_contacts.sql).  Every
-- way a contact is made, changed or removed leaves the counts and their
-- deltas equal to a count of the contacts, group by group; the fold keeps
-- them equal and empties the deltas; ct_contacts_page's total without a
-- search is the count, with each filter; a search is still counted from
-- the contacts.  And the history and the name's ends that the
-- once-a-statement triggers write for an import's batch are the rows a
-- trigger per contact wrote.
BEGIN;
SELECT plan(17);

INSERT INTO orgs (id, name, default_country) VALUES
    ('00000000-0000-0000-0000-0000000016a1', 'Counts A', 'US'),
    ('00000000-0000-0000-0000-0000000016b2', 'Counts B', 'US');
INSERT INTO api_tokens (org_id, token_hash, role) VALUES
    ('00000000-0000-0000-0000-0000000016a1', repeat('6a', 32), 'editor'),
    ('00000000-0000-0000-0000-0000000016b2', repeat('6b', 32), 'editor');

-- What the counts say, and what the contacts are, for both orgs.
CREATE TEMP VIEW t_kept AS
SELECT org_id, lead_status, named, sum(contacts)::bigint AS n
  FROM (SELECT org_id, lead_status, named, contacts FROM contact_counts
        UNION ALL
        SELECT org_id, lead_status, named, contacts FROM contact_count_delta) x
 WHERE org_id IN ('00000000-0000-0000-0000-0000000016a1', '00000000-0000-0000-0000-0000000016b2')
 GROUP BY 1, 2, 3
HAVING sum(contacts) <> 0;
CREATE TEMP VIEW t_real AS
SELECT org_id, lead_status, name IS NOT NULL AS named, count(*) AS n
  FROM contacts
 WHERE org_id IN ('00000000-0000-0000-0000-0000000016a1', '00000000-0000-0000-0000-0000000016b2')
 GROUP BY 1, 2, 3;
GRANT SELECT ON t_kept, t_real TO PUBLIC;

-- One statement of 300 contacts in A, a third without a name, and 20 in B.
INSERT INTO contacts (org_id, phone, name, name_source, lead_status)
SELECT '00000000-0000-0000-0000-0000000016a1', '+1415555' || lpad(i::text, 4, '0'),
       CASE WHEN i % 3 <> 0 THEN 'Caller ' || i END, CASE WHEN i % 3 <> 0 THEN 'provider' END,
       (ARRAY['new', 'contacted', 'qualified', 'booked', 'lost'])[1 + i % 5]
  FROM generate_series(1, 300) i;
INSERT INTO contacts (org_id, phone, name, name_source)
SELECT '00000000-0000-0000-0000-0000000016b2', '+1415556' || lpad(i::text, 4, '0'), 'B ' || i, 'manual'
  FROM generate_series(1, 20) i;
SELECT set_eq('SELECT * FROM t_kept', 'SELECT * FROM t_real',
              'contacts added in one statement are counted by their group');
SELECT cmp_ok((SELECT count(*) FROM contact_count_delta
                WHERE org_id = '00000000-0000-0000-0000-0000000016a1'), '<=', 10::bigint,
              'as one delta a group, not one a contact');

-- Changes: leads moved, names set and taken away, a note (no group moves).
UPDATE contacts SET lead_status = 'booked'
 WHERE org_id = '00000000-0000-0000-0000-0000000016a1' AND lead_status = 'new';
UPDATE contacts SET name = 'Named ' || phone, name_source = 'manual'
 WHERE org_id = '00000000-0000-0000-0000-0000000016a1' AND name IS NULL AND phone LIKE '%0';
UPDATE contacts SET name = NULL, name_source = NULL
 WHERE org_id = '00000000-0000-0000-0000-0000000016b2' AND phone LIKE '%1';
SELECT set_eq('SELECT * FROM t_kept', 'SELECT * FROM t_real',
              'a lead moved, a name set or taken away moves the contact between groups');
SELECT lives_ok($$UPDATE contacts SET notes = 'called back', call_count = call_count + 1
                   WHERE org_id = '00000000-0000-0000-0000-0000000016a1'$$, 'a note and a call');
SELECT is((SELECT count(*) FROM contact_count_delta d
            WHERE d.org_id = '00000000-0000-0000-0000-0000000016a1' AND d.contacts = 0), 0::bigint,
          'a change that moves no group adds no delta');

-- Removed contacts (the owner's; no program removes one).
DELETE FROM contacts WHERE org_id = '00000000-0000-0000-0000-0000000016a1' AND phone LIKE '%7';
SELECT set_eq('SELECT * FROM t_kept', 'SELECT * FROM t_real', 'removed contacts leave their groups');
SELECT is((SELECT count(*) FROM contact_name_suffixes s
            WHERE s.org_id = '00000000-0000-0000-0000-0000000016a1'
              AND NOT EXISTS (SELECT 1 FROM contacts k WHERE k.org_id = s.org_id AND k.id = s.contact_id))
          + (SELECT count(*) FROM contact_phone_suffixes s
              WHERE s.org_id = '00000000-0000-0000-0000-0000000016a1'
                AND NOT EXISTS (SELECT 1 FROM contacts k WHERE k.org_id = s.org_id AND k.id = s.contact_id)),
          0::bigint, 'and the ends of their names and numbers');

-- The fold, across orgs.
SELECT cmp_ok(ct_contact_counts_fold(), '>', 0::bigint, 'the fold takes the deltas');
SELECT is((SELECT count(*) FROM contact_count_delta
            WHERE org_id IN ('00000000-0000-0000-0000-0000000016a1',
                             '00000000-0000-0000-0000-0000000016b2')), 0::bigint,
          'and leaves none');
SELECT set_eq('SELECT org_id, lead_status, named, contacts FROM contact_counts
                WHERE org_id IN (''00000000-0000-0000-0000-0000000016a1'',
                                 ''00000000-0000-0000-0000-0000000016b2'')',
              'SELECT * FROM t_real', 'the folded counts are the contacts'' counts');

-- A's contacts through the API's writers, then the list's totals.
SET LOCAL ROLE calltrack_editor;
SELECT results_eq(
    $$SELECT created FROM ct_import_contacts(repeat('6a', 32),
        ARRAY['+15552345601', '+15552345602', '+15552345603'],
        ARRAY['Ann Lee', NULL, 'Cy Park'], ARRAY[NULL, NULL, NULL]::text[],
        ARRAY['qualified', NULL, 'lost'], ARRAY[NULL, NULL, NULL]::text[])$$,
    $$VALUES (3)$$, 'an import adds three');
SELECT is((ct_contacts_page(repeat('6a', 32), NULL, NULL, NULL, NULL, 'last_contacted_at', true,
                            25, 0, NULL, NULL)->>'total')::bigint,
          (SELECT count(*) FROM contacts WHERE org_id = '00000000-0000-0000-0000-0000000016a1'),
          'the total of the list is the org''s contacts, folded and not');
SELECT is((ct_contacts_page(repeat('6a', 32), NULL, NULL, ARRAY['lost', 'booked'], true,
                            'last_contacted_at', true, 25, 0, NULL, NULL)->>'total')::bigint,
          (SELECT count(*) FROM contacts WHERE org_id = '00000000-0000-0000-0000-0000000016a1'
              AND lead_status IN ('lost', 'booked') AND name IS NOT NULL),
          'with a lead-status filter and has_name=true');
SELECT is((ct_contacts_page(repeat('6a', 32), NULL, NULL, NULL, false,
                            'last_contacted_at', true, 25, 0, NULL, NULL)->>'total')::bigint,
          (SELECT count(*) FROM contacts WHERE org_id = '00000000-0000-0000-0000-0000000016a1'
              AND name IS NULL),
          'with has_name=false');
SELECT is((ct_contacts_page(repeat('6a', 32), NULL, ARRAY['caller'], NULL, NULL,
                            'last_contacted_at', true, 25, 0, NULL, NULL)->>'total')::bigint,
          (SELECT count(*) FROM contacts WHERE org_id = '00000000-0000-0000-0000-0000000016a1'
              AND name ILIKE '%caller%'),
          'a search is counted from the contacts');
RESET ROLE;

-- The once-a-statement triggers of the import's batch: each new contact
-- has its number, its name and its lead in its history, in that order,
-- by 'import', and the ends of its name and its number.
SELECT results_eq(
    $$SELECT k.phone, array_agg(h.field ORDER BY h.id), array_agg(DISTINCT h.by)
        FROM contacts k JOIN contact_history h ON h.org_id = k.org_id AND h.contact_id = k.id
       WHERE k.org_id = '00000000-0000-0000-0000-0000000016a1' AND k.phone LIKE '+1555234560%'
       GROUP BY k.phone ORDER BY k.phone$$,
    $$VALUES ('+15552345601', ARRAY['phone', 'name', 'lead_status'], ARRAY['import']),
             ('+15552345602', ARRAY['phone'], ARRAY['import']),
             ('+15552345603', ARRAY['phone', 'name', 'lead_status'], ARRAY['import'])$$,
    'each new contact''s history, field by field in order, by the import');
SELECT set_eq(
    $$SELECT s.contact_id, s.suffix FROM contact_name_suffixes s
        JOIN contacts k ON k.org_id = s.org_id AND k.id = s.contact_id
       WHERE k.org_id = '00000000-0000-0000-0000-0000000016a1'
      UNION ALL
      SELECT p.contact_id, p.suffix FROM contact_phone_suffixes p
        JOIN contacts k ON k.org_id = p.org_id AND k.id = p.contact_id
       WHERE k.org_id = '00000000-0000-0000-0000-0000000016a1'$$,
    $$SELECT k.id, s FROM contacts k, unnest(ct_name_suffixes(k.name)) s
       WHERE k.org_id = '00000000-0000-0000-0000-0000000016a1' AND k.name IS NOT NULL
      UNION ALL
      SELECT k.id, s FROM contacts k, unnest(ct_phone_suffixes(k.phone)) s
       WHERE k.org_id = '00000000-0000-0000-0000-0000000016a1'$$,
    'every contact''s name and number ends are kept, and no other');

SELECT * FROM finish();
ROLLBACK;
