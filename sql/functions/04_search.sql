-- 04_search.sql: the ends of the words of contacts' folded names and the
-- ends of their numbers, kept by triggers; a search's words and digits,
-- and the conditions on contacts they make (sql/025_search_fold.sql,
-- sql/029_name_suffixes.sql).
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.

-- t as a search compares it: lower case, without accents, so that
-- "López", "LOPEZ" and "lopez" are one.  The letters of Latin-1 and Latin
-- Extended-A that do not decompose become their plain letters (ø o, ł l,
-- đ d, ...; æ ae, œ oe, ß ss, þ th, ĳ ij), then every combining mark of the
-- canonical decomposition (NFD: é is e and U+0301) goes.  IMMUTABLE, as
-- stored ends need (normalize() is; unaccent() is only STABLE, and an
-- extension).  sql/029_name_suffixes.sql made the ends kept before it
-- with this same expression: a change here needs a migration that makes
-- them again.
CREATE OR REPLACE FUNCTION ct_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT lower(regexp_replace(normalize(
           replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
               translate(t, 'ÐðØøĐđĦħıĸĿŀŁłŉŊŋŦŧſ', 'ddooddhhikllllnnntts'),
               'Æ', 'ae'), 'æ', 'ae'), 'Œ', 'oe'), 'œ', 'oe'), 'ß', 'ss'), 'ẞ', 'ss'),
               'Þ', 'th'), 'þ', 'th'), 'Ĳ', 'ij'), 'ĳ', 'ij'),
           NFD), '[\u0300-\u036f]', '', 'g'))
$$;

-- The ends of each word of ct_fold(t), at most 16 characters of each
-- ("maria lopez": maria, aria, ..., a, lopez, opez, ..., z), each once.
-- Words are split where a search splits them (lib/read/query.c).
CREATE OR REPLACE FUNCTION ct_name_suffixes(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT COALESCE(array_agg(DISTINCT left(substr(w, i), 16)), '{}')
      FROM regexp_split_to_table(ct_fold(t), '[ \t\r\n]+') w, generate_series(1, length(w)) i
     WHERE w <> ''
$$;

-- The ends of 3 digits or more of a number's digits ("+14155550142":
-- "14155550142", "4155550142", ..., "142"): digits occur anywhere in the
-- number when they begin one of them.
CREATE OR REPLACE FUNCTION ct_phone_suffixes(p text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT COALESCE(array_agg(DISTINCT substr(d, i)), '{}')
      FROM (SELECT regexp_replace(p, '[^0-9]', '', 'g') AS d) x,
           generate_series(1, length(x.d) - 2) i
$$;

-- A search word as the program sends it (ILIKE wildcards escaped with a
-- backslash) back to its plain text.
CREATE OR REPLACE FUNCTION ct_like_unescape(w text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT regexp_replace(w, '\\(.)', '\1', 'g') $$;

-- The ends of new contacts' names and numbers, once a statement: an
-- import of 1,000 rows is then one INSERT of their ends, not 1,000 calls
-- of a trigger, each with its own INSERT (issue 14, item 4: the import's
-- rows per second).  The rows are gathered into arrays, then inserted
-- from unnest: on a Citus cluster the trigger runs on the shard, and its
-- INSERT into a distributed table is then planned by Citus from that
-- node, which is sure to take an INSERT from a function of parameters
-- (the shape the triggers a row had, which ran on the cluster) and is
-- not known here to take one that reads the trigger's transition table.
CREATE OR REPLACE FUNCTION ct_contacts_ends_new() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_orgs uuid[];
    v_ends text[];
    v_ids uuid[];
BEGIN
    SELECT array_agg(n.org_id), array_agg(s), array_agg(n.id)
      INTO v_orgs, v_ends, v_ids
      FROM new_contacts n, unnest(ct_name_suffixes(n.name)) s
     WHERE n.name IS NOT NULL;
    IF v_ids IS NOT NULL THEN
        INSERT INTO contact_name_suffixes (org_id, suffix, contact_id)
        SELECT * FROM unnest(v_orgs, v_ends, v_ids);
    END IF;
    SELECT array_agg(n.org_id), array_agg(s), array_agg(n.id)
      INTO v_orgs, v_ends, v_ids
      FROM new_contacts n, unnest(ct_phone_suffixes(n.phone)) s;
    IF v_ids IS NOT NULL THEN
        INSERT INTO contact_phone_suffixes (org_id, suffix, contact_id)
        SELECT * FROM unnest(v_orgs, v_ends, v_ids);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER contacts_ends AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_contacts
    FOR EACH STATEMENT EXECUTE FUNCTION ct_contacts_ends_new();

-- A contact's name changed: its ends made again.
CREATE OR REPLACE FUNCTION ct_contact_name_suffixes() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    DELETE FROM contact_name_suffixes WHERE org_id = OLD.org_id AND contact_id = OLD.id;
    INSERT INTO contact_name_suffixes (org_id, suffix, contact_id)
    SELECT NEW.org_id, s, NEW.id FROM unnest(ct_name_suffixes(NEW.name)) s;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER contacts_name_suffixes_update AFTER UPDATE OF name ON contacts
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION ct_contact_name_suffixes();

-- A contact's number changed: its ends made again.  The programs' roles
-- never change a number (sql/functions/08_security.sql grants no UPDATE
-- of phone); the owner may.
CREATE OR REPLACE FUNCTION ct_contact_phone_suffixes() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    DELETE FROM contact_phone_suffixes WHERE org_id = OLD.org_id AND contact_id = OLD.id;
    INSERT INTO contact_phone_suffixes (org_id, suffix, contact_id)
    SELECT NEW.org_id, s, NEW.id FROM unnest(ct_phone_suffixes(NEW.phone)) s;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER contacts_phone_suffixes_update AFTER UPDATE OF phone ON contacts
    FOR EACH ROW WHEN (OLD.phone IS DISTINCT FROM NEW.phone)
    EXECUTE FUNCTION ct_contact_phone_suffixes();

-- A removed contact's ends go with it (the owner's alone: no program
-- removes a contact).  The ends have no foreign key to contacts
-- (sql/034_webhook_writes.sql), so this is what their ON DELETE CASCADE
-- was.
CREATE OR REPLACE FUNCTION ct_contact_ends_gone() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    DELETE FROM contact_name_suffixes WHERE org_id = OLD.org_id AND contact_id = OLD.id;
    DELETE FROM contact_phone_suffixes WHERE org_id = OLD.org_id AND contact_id = OLD.id;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER contacts_ends_gone AFTER DELETE ON contacts
    FOR EACH ROW EXECUTE FUNCTION ct_contact_ends_gone();

-- The conditions a search's digits and words make on p_col, a contact's
-- id ('v.contact_id' for the calls list, ct_calls_where in
-- sql/functions/06_dashboard.sql; 'k.id' for the contacts list,
-- ct_contacts_where in 09_contacts.sql): $1 the org, $2 the digits, $3
-- the words (ILIKE-escaped).  Only equality and ranges of a B-tree reach
-- an index under row-level security (~>=~ and ~<~ are leakproof):
-- - the digits begin one of the number's ends (contact_phone_suffixes),
--   so they occur anywhere in it;
-- - the words, ct_search_words.
-- The planner sees the words' values (the statement is planned with its
-- parameters): from a rare word it reads the word's few contacts and
-- then their calls; from a common one, the newest calls and, for each,
-- whether its contact has the word.
CREATE OR REPLACE FUNCTION ct_search_where(p_digits text, p_words text[], p_col text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE
    w text := '';
BEGIN
    IF p_digits IS NOT NULL THEN
        w := w || format(' AND %s IN (SELECT s.contact_id FROM contact_phone_suffixes s'
               ' WHERE s.org_id = $1 AND s.suffix ~>=~ $2 AND s.suffix ~<~ ($2 || '':''))', p_col);
    END IF;
    IF p_words IS NOT NULL AND cardinality(p_words) > 0 THEN
        w := w || format(' AND %s IN (SELECT s.contact_id %s)', p_col, ct_search_words(p_words));
    END IF;
    RETURN w;
END
$$;

-- The contacts whose names hold every word of p_words ($3, ILIKE-escaped),
-- as a FROM and WHERE over contact_name_suffixes s (the org $1): each
-- folded word begins one of the ends of the name's words, so it occurs
-- anywhere in the name.  The longest word finds the contacts (the
-- fewest), and each other word is asked of each of them by the index by
-- contact.  A word longer than the 16 characters an end keeps is looked
-- up by its first 16, and the name is then checked whole.  With
-- p_once, a contact comes once: by the first of its ends that the
-- longest word begins (a word may begin several: "a" begins both ends
-- "ana" and "a" of "ana").
CREATE OR REPLACE FUNCTION ct_search_words(p_words text[], p_once boolean DEFAULT false)
RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE
    w text;
    v_order int[];
    i int;
BEGIN
    -- The words, longest (folded) first.
    SELECT array_agg(n ORDER BY length(ct_fold(ct_like_unescape(p_words[n]))) DESC, n)
      INTO v_order FROM generate_subscripts(p_words, 1) n;
    w := format('FROM contact_name_suffixes s WHERE s.org_id = $1 AND %s',
                ct_search_word('s', v_order[1]));
    IF p_once THEN
        w := w || format(' AND NOT EXISTS (SELECT 1 FROM contact_name_suffixes s0'
               ' WHERE s0.org_id = $1 AND s0.contact_id = s.contact_id AND %s'
               ' AND s0.suffix ~<~ s.suffix)', ct_search_word('s0', v_order[1]));
    END IF;
    FOR i IN 2 .. cardinality(v_order) LOOP
        w := w || format(' AND EXISTS (SELECT 1 FROM contact_name_suffixes s%1$s'
               ' WHERE s%1$s.org_id = $1 AND s%1$s.contact_id = s.contact_id AND %2$s)',
               i, ct_search_word('s' || i, v_order[i]));
    END LOOP;
    -- The words longer than an end, against the whole name.
    FOR i IN 1 .. cardinality(v_order) LOOP
        IF length(ct_fold(ct_like_unescape(p_words[v_order[i]]))) > 16 THEN
            w := w || format(' AND EXISTS (SELECT 1 FROM contacts n WHERE n.org_id = $1'
                   ' AND n.id = s.contact_id'
                   ' AND strpos(ct_fold(n.name), ct_fold(ct_like_unescape($3[%s]))) > 0)',
                   v_order[i]);
        END IF;
    END LOOP;
    RETURN w;
END
$$;

-- The range of the ends of a name's words that word $3[p_n] begins, on
-- the contact_name_suffixes of alias p_alias: its first 16 folded
-- characters, then anything (U+10FFFF sorts after every character).
CREATE OR REPLACE FUNCTION ct_search_word(p_alias text, p_n int) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT format('%1$s.suffix ~>=~ left(ct_fold(ct_like_unescape($3[%2$s])), 16)'
                  ' AND %1$s.suffix ~<~ (left(ct_fold(ct_like_unescape($3[%2$s])), 16) || chr(1114111))',
                  p_alias, p_n)
$$;

GRANT EXECUTE ON FUNCTION ct_fold(text), ct_name_suffixes(text), ct_phone_suffixes(text),
    ct_like_unescape(text), ct_search_where(text, text[], text), ct_search_words(text[], boolean),
    ct_search_word(text, int),
    ct_contact_name_suffixes(), ct_contact_phone_suffixes() TO calltrack_app;
