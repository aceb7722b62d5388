-- 008_name_search.sql: searching callers by part of their name through an
-- index, under row-level security.
--
-- Row-level security lets only leakproof conditions reach an index, and
-- ILIKE is not one, so a name search read every contact of the org.  Each
-- contact's name is also kept as its three-letter pieces (trigrams, of
-- the lower-cased name); a search word of three letters or more first
-- finds the contacts that have all of its trigrams, by equality (which is
-- leakproof), and ILIKE then checks those few.

-- The distinct three-character pieces of lower(t); none when shorter.
CREATE FUNCTION ct_trigrams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT COALESCE(array_agg(DISTINCT substr(l, i, 3)), '{}')
      FROM (SELECT lower(t) AS l) x, generate_series(1, length(x.l) - 2) i
$$;

-- A search word as the program sends it (ILIKE wildcards escaped with a
-- backslash) back to its plain text.
CREATE FUNCTION ct_like_unescape(w text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT regexp_replace(w, '\\(.)', '\1', 'g') $$;

CREATE TABLE contact_name_trigrams (
    org_id      uuid NOT NULL,
    trigram     text NOT NULL,
    contact_id  uuid NOT NULL,
    PRIMARY KEY (org_id, trigram, contact_id),
    FOREIGN KEY (org_id, contact_id) REFERENCES contacts (org_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_name_trigrams_contact ON contact_name_trigrams (org_id, contact_id);
ALTER TABLE contact_name_trigrams ENABLE ROW LEVEL SECURITY;
ALTER TABLE contact_name_trigrams FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON contact_name_trigrams USING (org_id = ct_current_org())
    WITH CHECK (org_id = ct_current_org());
GRANT SELECT, INSERT, DELETE ON contact_name_trigrams TO calltrack_app;

CREATE FUNCTION ct_contact_trigrams() RETURNS trigger
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
CREATE TRIGGER contacts_trigrams AFTER INSERT ON contacts
    FOR EACH ROW WHEN (NEW.name IS NOT NULL) EXECUTE FUNCTION ct_contact_trigrams();
CREATE TRIGGER contacts_trigrams_update AFTER UPDATE OF name ON contacts
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION ct_contact_trigrams();

-- The contacts there already.
INSERT INTO contact_name_trigrams (org_id, trigram, contact_id)
SELECT c.org_id, g, c.id FROM contacts c, unnest(ct_trigrams(c.name)) g
 WHERE c.name IS NOT NULL;

-- ct_calls_where of 005, with each word of three letters or more looked
-- up by its trigrams first.
CREATE OR REPLACE FUNCTION ct_calls_where(p_digits text, p_words text[], p_status text[],
    p_direction text[], p_booking text[], p_sentiment text[], p_lead_status text[],
    p_end_reason text[], p_from text, p_to text, p_min_dur int, p_max_dur int,
    p_include_test boolean)
RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE
    w text := 'v.org_id = $1';
    i int;
BEGIN
    IF NOT p_include_test THEN w := w || ' AND NOT v.is_test_call'; END IF;
    IF p_digits IS NOT NULL THEN
        w := w || ' AND v.phone_reversed ~>=~ reverse($2)'
                 || ' AND v.phone_reversed ~<~ (reverse($2) || '':'')';
    END IF;
    IF p_words IS NOT NULL THEN
        FOR i IN 1 .. cardinality(p_words) LOOP
            IF cardinality(ct_trigrams(ct_like_unescape(p_words[i]))) > 0 THEN
                w := w || format(' AND v.contact_id IN (SELECT k.id FROM contacts k'
                                 ' WHERE k.org_id = $1 AND k.id IN (SELECT t.contact_id'
                                 '   FROM contact_name_trigrams t WHERE t.org_id = $1'
                                 '    AND t.trigram = ANY (ct_trigrams(ct_like_unescape($3[%1$s])))'
                                 '  GROUP BY t.contact_id HAVING count(*) ='
                                 '   cardinality(ct_trigrams(ct_like_unescape($3[%1$s]))))'
                                 ' AND k.name ILIKE ''%%'' || $3[%1$s] || ''%%'')', i);
            ELSE
                w := w || format(' AND v.contact_id IN (SELECT k.id FROM contacts k WHERE k.org_id = $1'
                                 ' AND k.name ILIKE ''%%'' || $3[%s] || ''%%'')', i);
            END IF;
        END LOOP;
    END IF;
    IF p_status IS NOT NULL THEN w := w || ' AND v.status = ANY ($4)'; END IF;
    IF p_direction IS NOT NULL THEN w := w || ' AND v.direction = ANY ($5)'; END IF;
    IF p_booking IS NOT NULL THEN w := w || ' AND v.booking_status = ANY ($6)'; END IF;
    IF p_sentiment IS NOT NULL THEN
        w := w || ' AND (v.sentiment = ANY ($7) OR (v.sentiment IS NULL AND ''unknown'' = ANY ($7)))';
    END IF;
    IF p_lead_status IS NOT NULL THEN w := w || ' AND v.contact_lead_status = ANY ($8)'; END IF;
    IF p_end_reason IS NOT NULL THEN w := w || ' AND v.end_call_reason = ANY ($9)'; END IF;
    IF p_from IS NOT NULL THEN w := w || ' AND v.call_at >= $10'; END IF;
    IF p_to IS NOT NULL THEN w := w || ' AND v.call_at < $11'; END IF;
    IF p_min_dur IS NOT NULL THEN w := w || ' AND v.duration_seconds >= $12'; END IF;
    IF p_max_dur IS NOT NULL THEN w := w || ' AND v.duration_seconds <= $13'; END IF;
    RETURN w;
END
$$;

GRANT EXECUTE ON FUNCTION ct_trigrams(text), ct_like_unescape(text), ct_contact_trigrams()
    TO calltrack_app;
