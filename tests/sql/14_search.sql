-- 14_search.sql: a search as people type it (sql/functions/04_search.sql,
-- sql/025_search_fold.sql): words match without their accents, both
-- ways, in the calls list and the contacts list; digits match anywhere in
-- the number, the end still among them; the triggers keep the ends of
-- the folded names' words and the number's ends; a search finds what a
-- naive scan of every name finds; and both go through their indexes
-- under row-level security.
BEGIN;
SELECT plan(28);

INSERT INTO orgs (id, name) VALUES
    ('00000000-0000-0000-0000-0000000014a1', 'Org A'),
    ('00000000-0000-0000-0000-0000000014b2', 'Org B');
INSERT INTO api_tokens (org_id, token_hash, label, role) VALUES
    ('00000000-0000-0000-0000-0000000014a1', repeat('4a', 32), 'desk', 'editor'),
    ('00000000-0000-0000-0000-0000000014b2', repeat('4b', 32), 'other', 'editor');
INSERT INTO contacts (org_id, phone, name, name_source) VALUES
    ('00000000-0000-0000-0000-0000000014a1', '+14155550142', 'María López', 'manual'),
    ('00000000-0000-0000-0000-0000000014a1', '+14155550143', 'Pedro Lopez', 'manual'),
    ('00000000-0000-0000-0000-0000000014a1', '+442079460018', 'Chloé Ærøe', 'manual'),
    ('00000000-0000-0000-0000-0000000014a1', '+12005550100', 'Chloe Straße', 'manual'),
    ('00000000-0000-0000-0000-0000000014a1', '+13125550187', NULL, NULL),
    ('00000000-0000-0000-0000-0000000014b2', '+14155550144', 'Bea López', 'manual');
INSERT INTO calls (org_id, provider, provider_call_id, status, started_at, phone_number, contact_id)
SELECT k.org_id, 'vapi', 'c14-' || k.phone, 'completed', '2026-01-10T10:00:00Z', k.phone, k.id
  FROM contacts k WHERE k.org_id IN ('00000000-0000-0000-0000-0000000014a1',
                                     '00000000-0000-0000-0000-0000000014b2');

-- The caller names of org A's calls, or its contacts' names ('-' for
-- none), that a search finds, sorted, as the dashboard's and the
-- contacts API's roles read them.
CREATE FUNCTION pg_temp.calls(p_digits text, p_words text[]) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
    SET LOCAL ROLE calltrack_dashboard;
    SELECT string_agg(c->>'caller_name', ',' ORDER BY c->>'caller_name') INTO r
      FROM json_array_elements(ct_calls_page(repeat('4a', 32), p_digits, p_words, NULL, NULL, NULL,
               NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, 'started_at', true, 100, 0,
               NULL, NULL)->'calls') c;
    RESET ROLE;
    RETURN COALESCE(r, '');
END $$;
CREATE FUNCTION pg_temp.contacts(p_digits text, p_words text[]) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
    SET LOCAL ROLE calltrack_editor;
    SELECT string_agg(COALESCE(c->>'name', '-'), ',' ORDER BY COALESCE(c->>'name', '-')) INTO r
      FROM json_array_elements(ct_contacts_page(repeat('4a', 32), p_digits, p_words, NULL, NULL,
               'name', false, 100, 0, NULL, NULL)->'contacts') c;
    RESET ROLE;
    RETURN COALESCE(r, '');
END $$;
-- A statement's plan, as text.
CREATE FUNCTION pg_temp.plan_of(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; r text := '';
BEGIN
    FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || p_sql LOOP r := r || l || E'\n'; END LOOP;
    RETURN r;
END $$;

-- ---- Folding ----
SELECT is(ct_fold('María LÓPEZ'), 'maria lopez', 'ct_fold: lower case, accents gone');
SELECT is(ct_fold('Chloé Ærøe Łukasz Straße Đorđe Þór İlkay'), 'chloe aeroe lukasz strasse dorde thor ilkay',
    'ct_fold: the Latin letters that do not decompose, and the ligatures');
SELECT is(ct_fold(U&'Chloe\0301'), 'chloe', 'ct_fold: a combining accent (decomposed input) goes too');
SELECT is((SELECT provolatile FROM pg_proc WHERE proname = 'ct_fold'), 'i', 'ct_fold is IMMUTABLE');
SELECT is((SELECT array_agg(t.suffix ORDER BY t.suffix) FROM contact_name_suffixes t JOIN contacts k
            ON k.org_id = t.org_id AND k.id = t.contact_id WHERE k.name = 'María López'),
          '{a,aria,ez,ia,lopez,maria,opez,pez,ria,z}',
          'a contact''s name is kept as the ends of its folded words');
SELECT is(ct_name_suffixes('Bartholomew-Fitzwilliamson'),
          (SELECT array_agg(DISTINCT left(substr('bartholomew-fitzwilliamson', i), 16))
             FROM generate_series(1, 26) i),
          'an end keeps at most 16 characters');
SELECT is((SELECT array_agg(s.suffix ORDER BY s.suffix) FROM contact_phone_suffixes s JOIN contacts k
            ON k.org_id = s.org_id AND k.id = s.contact_id WHERE k.phone = '+14155550142'),
          '{0142,14155550142,142,155550142,4155550142,50142,550142,5550142,55550142}',
          'a contact''s number is kept as its ends of 3 digits or more');

-- ---- Words, both ways, in both lists ----
SELECT is(pg_temp.calls(NULL, '{lopez}'), 'María López,Pedro Lopez', 'calls: "lopez" finds López and Lopez');
SELECT is(pg_temp.calls(NULL, '{lópez}'), 'María López,Pedro Lopez', 'calls: "lópez" finds Lopez and López');
SELECT is(pg_temp.calls(NULL, '{CHLOÉ}'), 'Chloe Straße,Chloé Ærøe', 'calls: "CHLOÉ" finds Chloe and Chloé');
SELECT is(pg_temp.calls(NULL, '{chloe,aeroe}'), 'Chloé Ærøe', 'calls: every word, each folded');
SELECT is(pg_temp.calls(NULL, '{strasse}'), 'Chloe Straße', 'calls: "strasse" finds Straße');
SELECT is(pg_temp.contacts(NULL, '{lopez}'), 'María López,Pedro Lopez', 'contacts: "lopez" finds both, not org B''s');
SELECT is(pg_temp.contacts(NULL, '{chloé}'), 'Chloe Straße,Chloé Ærøe', 'contacts: "chloé" finds both');

-- ---- Digits anywhere, the end still ----
SELECT is(pg_temp.calls('415', NULL), 'María López,Pedro Lopez', 'calls: an area code (leading digits)');
SELECT is(pg_temp.calls('1200', NULL), 'Chloe Straße', 'calls: "+1 200", the country code and the area code');
SELECT is(pg_temp.calls('2079', NULL), 'Chloé Ærøe', 'calls: middle digits');
SELECT is(pg_temp.calls('0142', NULL), 'María López', 'calls: the end of the number, as before');
SELECT is(pg_temp.calls('555', '{lopez}'), 'María López,Pedro Lopez', 'calls: digits and words together');
SELECT is(pg_temp.contacts('415555', NULL), 'María López,Pedro Lopez', 'contacts: leading digits, org A''s only');
SELECT is(pg_temp.contacts('3125', NULL), '-', 'contacts: a contact without a name, by its number''s start');
SELECT is(pg_temp.contacts('0018', NULL), 'Chloé Ærøe', 'contacts: the end, as before');

-- ---- The same calls as a naive scan of every name ----
-- More names, each with calls (some test calls): a word twice in a name,
-- a word longer than an end, one- and two-letter words, words in either
-- order, a word no name has.
INSERT INTO contacts (org_id, phone, name, name_source) VALUES
    ('00000000-0000-0000-0000-0000000014a1', '+14155550160', 'Ana Santana', 'manual'),
    ('00000000-0000-0000-0000-0000000014a1', '+14155550161', 'Bartholomew-Fitzwilliamson Jr', 'manual'),
    ('00000000-0000-0000-0000-0000000014a1', '+14155550162', 'Lo Wei', 'manual'),
    ('00000000-0000-0000-0000-0000000014a1', '+14155550163', 'Wei Lopes', 'manual'),
    ('00000000-0000-0000-0000-0000000014a1', '+14155550164', 'Zoë Ñúñez Ana', 'manual');
INSERT INTO calls (org_id, provider, provider_call_id, status, started_at, phone_number, contact_id,
                   is_test_call)
SELECT k.org_id, 'vapi', 'c14-' || k.phone || '-' || n, 'completed',
       '2026-01-11T10:00:00Z'::timestamptz + n * interval '1 hour', k.phone, k.id, n = 3
  FROM contacts k, generate_series(1, 3) n
 WHERE k.org_id = '00000000-0000-0000-0000-0000000014a1' AND k.name IS NOT NULL;
-- Org A's calls whose caller's folded name holds every folded word, by
-- LIKE over every row (the naive search), against the list's.
CREATE FUNCTION pg_temp.naive(p_words text[], p_test boolean) RETURNS text LANGUAGE sql AS $$
    SELECT COALESCE(string_agg(v.id::text, ',' ORDER BY v.id), '')
      FROM calls v JOIN contacts k ON k.org_id = v.org_id AND k.id = v.contact_id
     WHERE v.org_id = '00000000-0000-0000-0000-0000000014a1' AND (p_test OR NOT v.is_test_call)
       AND (SELECT bool_and(ct_fold(k.name) LIKE '%' || ct_fold(w) || '%') FROM unnest(p_words) w)
$$;
CREATE FUNCTION pg_temp.listed(p_words text[], p_test boolean, p_limit int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r json; ids text;
BEGIN
    SET LOCAL ROLE calltrack_dashboard;
    r := ct_calls_page(repeat('4a', 32), NULL, p_words, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                       NULL, NULL, NULL, p_test, 'started_at', true, p_limit, 0, NULL, NULL);
    RESET ROLE;
    SELECT COALESCE(string_agg(c->>'id', ',' ORDER BY c->>'id'), '') INTO ids
      FROM json_array_elements(r->'calls') c;
    RETURN ids || '|' || (r->>'total');
END $$;
SELECT is_empty($$
    SELECT w::text, t FROM unnest(ARRAY['{a}', '{ana}', '{an,santa}', '{santa,an}', '{lo}', '{lop}',
               '{wei,lo}', '{lo,wei}', '{fitzwilliamson}', '{bartholomew-fitzwilliamson}',
               '{bartholomew-fitzwilliamsonx}', '{zoe,nunez}', '{ÑÚÑ}', '{e}', '{z}', '{zzq}',
               '{chloe,zzq}', '{jr,fitz}']::text[]) w,
           unnest(ARRAY[false, true]) t
     WHERE pg_temp.listed(w::text[], t, 1000)
           <> pg_temp.naive(w::text[], t) || '|' ||
              (SELECT count(*) FROM regexp_split_to_table(NULLIF(pg_temp.naive(w::text[], t), ''), ',') x)$$,
    'every search finds the calls, and counts them, as a naive scan of every name does');
SELECT is(split_part(pg_temp.listed('{a}', true, 2), '|', 2),
          (SELECT count(*)::text FROM regexp_split_to_table(pg_temp.naive('{a}', true), ',') x),
          'a page of 2 still counts every call: a contact with the word twice is counted once');

-- ---- The indexes, under row-level security ----
ANALYZE contacts, calls, contact_name_suffixes, contact_phone_suffixes;
SELECT ct_pin_token(repeat('4a', 32)) \g /dev/null
SET LOCAL ROLE calltrack_editor;
SET LOCAL enable_seqscan = off;
SELECT matches(pg_temp.plan_of(format('SELECT k.id FROM contacts k WHERE %s',
        replace(replace(ct_contacts_where('415', NULL, NULL, NULL),
            '$1', '''00000000-0000-0000-0000-0000000014a1''::uuid'), '$2', '''415'''))),
    'Index (Only )?Scan using contact_phone_suffixes_key on contact_phone_suffixes',
    'the digits of a contacts search go through the number''s ends'' index');
SELECT matches(pg_temp.plan_of(format('SELECT v.id FROM calls v WHERE %s',
        replace(replace(ct_calls_where('415', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                                       NULL, NULL, true),
            '$1', '''00000000-0000-0000-0000-0000000014a1''::uuid'), '$2', '''415'''))),
    'Index (Only )?Scan using contact_phone_suffixes_key on contact_phone_suffixes',
    'the digits of a calls search go through the number''s ends'' index');
SELECT matches(pg_temp.plan_of(format('SELECT k.id FROM contacts k WHERE %s',
        replace(replace(ct_contacts_where(NULL, '{lópez}', NULL, NULL),
            '$1', '''00000000-0000-0000-0000-0000000014a1''::uuid'), '$3', '(''{lópez}''::text[])'))),
    '^(?!.*Seq Scan).*Index (Only )?Scan using contact_name_suffixes_',
    'the folded words of a search go through the indexes of the names'' ends');
RESET ROLE;

-- Past 1,000 calls the page walks the newest calls; a search of two
-- words takes its contacts as a list there (ct_calls_page).  Each word
-- alone is common, both together less so, and the page is the newest
-- calls of both, as the naive scan orders them.
INSERT INTO contacts (org_id, phone, name, name_source)
SELECT '00000000-0000-0000-0000-0000000014a1', '+1415556' || lpad(n::text, 4, '0'),
       (ARRAY['Quinn Ortega', 'Quinn Smith', 'Zed Ortega'])[1 + n % 3], 'manual'
  FROM generate_series(1, 1200) n;
INSERT INTO calls (org_id, provider, provider_call_id, status, started_at, phone_number, contact_id)
SELECT k.org_id, 'vapi', 'c14m-' || k.phone || '-' || n, 'completed',
       '2026-02-01T00:00:00Z'::timestamptz + (n * 1200 + right(k.phone, 4)::int) * interval '1 minute',
       k.phone, k.id
  FROM contacts k, generate_series(1, 3) n
 WHERE k.org_id = '00000000-0000-0000-0000-0000000014a1' AND k.phone LIKE '+1415556%';
CREATE FUNCTION pg_temp.page(p_words text[]) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r json;
BEGIN
    SET LOCAL ROLE calltrack_dashboard;
    r := ct_calls_page(repeat('4a', 32), NULL, p_words, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                       NULL, NULL, NULL, false, 'started_at', true, 25, 0, NULL, NULL);
    RESET ROLE;
    RETURN (SELECT string_agg(c->>'id', ',' ORDER BY n) FROM json_array_elements(r->'calls')
                   WITH ORDINALITY AS e(c, n)) || '|' || (r->>'total');
END $$;
SELECT is(pg_temp.page('{quinn,ortega}'),
          (SELECT string_agg(id::text, ',' ORDER BY call_at DESC, id DESC)
             FROM (SELECT v.id, v.call_at FROM calls v JOIN contacts k ON k.org_id = v.org_id AND k.id = v.contact_id
                    WHERE v.org_id = '00000000-0000-0000-0000-0000000014a1' AND NOT v.is_test_call
                      AND ct_fold(k.name) LIKE '%quinn%' AND ct_fold(k.name) LIKE '%ortega%'
                    ORDER BY v.call_at DESC, v.id DESC LIMIT 25) x) || '|1001',
          'two words past 1,000 calls: the newest calls of both, as the naive scan orders them, and the capped count');

SELECT * FROM finish();
ROLLBACK;
