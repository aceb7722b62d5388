-- 04_search.sql: the trigrams of contacts' names, kept by triggers, and
-- of a search's words.
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.

-- The distinct three-character pieces of lower(t); none when shorter.
CREATE OR REPLACE FUNCTION ct_trigrams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT COALESCE(array_agg(DISTINCT substr(l, i, 3)), '{}')
      FROM (SELECT lower(t) AS l) x, generate_series(1, length(x.l) - 2) i
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

-- The trigrams of all of a search's words (as the program sends them:
-- ILIKE-escaped), each once.
CREATE OR REPLACE FUNCTION ct_words_trigrams(p_words text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT COALESCE(array_agg(DISTINCT g), '{}')
      FROM unnest(p_words) w, unnest(ct_trigrams(ct_like_unescape(w))) g
$$;

GRANT EXECUTE ON FUNCTION ct_trigrams(text), ct_like_unescape(text), ct_words_trigrams(text[]),
    ct_contact_trigrams() TO calltrack_app;
