-- 04_search.sql: the trigrams of contacts' folded names and the ends of
-- their numbers, kept by triggers; a search's words and digits, and the
-- conditions on contacts they make (sql/025_search_fold.sql).
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
-- stored trigrams need (normalize() is; unaccent() is only STABLE, and an
-- extension).  sql/025_search_fold.sql made the trigrams kept before it
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

-- The distinct three-character pieces of ct_fold(t); none when shorter.
CREATE OR REPLACE FUNCTION ct_trigrams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT COALESCE(array_agg(DISTINCT substr(l, i, 3)), '{}')
      FROM (SELECT ct_fold(t) AS l) x, generate_series(1, length(x.l) - 2) i
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

CREATE OR REPLACE FUNCTION ct_contact_trigrams() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM contact_name_trigrams WHERE org_id = OLD.org_id AND contact_id = OLD.id;
    END IF;
    INSERT INTO contact_name_trigrams (org_id, trigram, contact_id)
    SELECT NEW.org_id, g, NEW.id FROM unnest(ct_trigrams(NEW.name)) g;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER contacts_trigrams AFTER INSERT ON contacts
    FOR EACH ROW WHEN (NEW.name IS NOT NULL) EXECUTE FUNCTION ct_contact_trigrams();

CREATE OR REPLACE TRIGGER contacts_trigrams_update AFTER UPDATE OF name ON contacts
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION ct_contact_trigrams();

-- The ends of a contact's number.  The programs' roles never change a
-- number (sql/functions/08_security.sql grants no UPDATE of phone); the
-- owner may.
CREATE OR REPLACE FUNCTION ct_contact_phone_suffixes() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM contact_phone_suffixes WHERE org_id = OLD.org_id AND contact_id = OLD.id;
    END IF;
    INSERT INTO contact_phone_suffixes (org_id, suffix, contact_id)
    SELECT NEW.org_id, s, NEW.id FROM unnest(ct_phone_suffixes(NEW.phone)) s;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER contacts_phone_suffixes AFTER INSERT ON contacts
    FOR EACH ROW EXECUTE FUNCTION ct_contact_phone_suffixes();

CREATE OR REPLACE TRIGGER contacts_phone_suffixes_update AFTER UPDATE OF phone ON contacts
    FOR EACH ROW WHEN (OLD.phone IS DISTINCT FROM NEW.phone)
    EXECUTE FUNCTION ct_contact_phone_suffixes();

-- The trigrams of all of a search's words (as the program sends them:
-- ILIKE-escaped), each once.
CREATE OR REPLACE FUNCTION ct_words_trigrams(p_words text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT COALESCE(array_agg(DISTINCT g), '{}')
      FROM unnest(p_words) w, unnest(ct_trigrams(ct_like_unescape(w))) g
$$;

-- The conditions on contacts k that a search's digits and words make, for
-- the calls list (ct_calls_where, sql/functions/06_dashboard.sql) and the
-- contacts list (ct_contacts_where, 09_contacts.sql): $1 the org, $2 the
-- digits, $3 the words (ILIKE-escaped).  Only equality and ranges of a
-- B-tree reach an index under row-level security: the digits begin one of
-- the number's ends (contact_phone_suffixes), so they occur anywhere in
-- it; a word's contacts have every folded trigram of every word, then
-- each folded word occurs in the folded name.
CREATE OR REPLACE FUNCTION ct_search_where(p_digits text, p_words text[]) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE
    w text := '';
    i int;
BEGIN
    IF p_digits IS NOT NULL THEN
        w := w || ' AND k.id IN (SELECT s.contact_id FROM contact_phone_suffixes s'
               || ' WHERE s.org_id = $1 AND s.suffix ~>=~ $2 AND s.suffix ~<~ ($2 || '':''))';
    END IF;
    IF p_words IS NOT NULL THEN
        IF cardinality(ct_words_trigrams(p_words)) > 0 THEN
            w := w || ' AND k.id IN (SELECT t.contact_id FROM contact_name_trigrams t'
                   || ' WHERE t.org_id = $1 AND t.trigram = ANY (ct_words_trigrams($3))'
                   || ' GROUP BY t.contact_id HAVING count(*) = cardinality(ct_words_trigrams($3)))';
        END IF;
        FOR i IN 1 .. cardinality(p_words) LOOP
            w := w || format(' AND strpos(ct_fold(k.name), ct_fold(ct_like_unescape($3[%s]))) > 0', i);
        END LOOP;
    END IF;
    RETURN w;
END
$$;

GRANT EXECUTE ON FUNCTION ct_fold(text), ct_trigrams(text), ct_phone_suffixes(text),
    ct_like_unescape(text), ct_words_trigrams(text[]), ct_search_where(text, text[]),
    ct_contact_trigrams(), ct_contact_phone_suffixes() TO calltrack_app;
