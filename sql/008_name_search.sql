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

-- 001's pg_trgm index on contacts.name can never serve the programs (ILIKE
-- is not leakproof) and costs every contact insert a GIN update under
-- the relation's extension lock (make bench's lock-wait log): gone.
DROP INDEX contacts_name_trgm;

-- The contacts there already.
INSERT INTO contact_name_trigrams (org_id, trigram, contact_id)
SELECT c.org_id, g, c.id FROM contacts c, unnest(ct_trigrams(c.name)) g
 WHERE c.name IS NOT NULL;

-- The trigrams of all of a search's words (as the program sends them:
-- ILIKE-escaped), each once.
CREATE FUNCTION ct_words_trigrams(p_words text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT COALESCE(array_agg(DISTINCT g), '{}')
      FROM unnest(p_words) w, unnest(ct_trigrams(ct_like_unescape(w))) g
$$;

-- ct_calls_where of 005, with the contacts a search's words name looked
-- up by their trigrams first.
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
        -- One look at the contacts for all the words: those that have
        -- every trigram of every word, then ILIKE for each word.
        w := w || ' AND v.contact_id IN (SELECT k.id FROM contacts k WHERE k.org_id = $1';
        IF cardinality(ct_words_trigrams(p_words)) > 0 THEN
            w := w || ' AND k.id IN (SELECT t.contact_id FROM contact_name_trigrams t'
                   || ' WHERE t.org_id = $1 AND t.trigram = ANY (ct_words_trigrams($3))'
                   || ' GROUP BY t.contact_id HAVING count(*) = cardinality(ct_words_trigrams($3)))';
        END IF;
        FOR i IN 1 .. cardinality(p_words) LOOP
            w := w || format(' AND k.name ILIKE ''%%'' || $3[%s] || ''%%''', i);
        END LOOP;
        w := w || ')';
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

GRANT EXECUTE ON FUNCTION ct_trigrams(text), ct_like_unescape(text), ct_words_trigrams(text[]),
    ct_contact_trigrams()
    TO calltrack_app;

ALTER FUNCTION ct_calls_total(uuid, text, text, text[], text[], text[], text[], text[], text[],
    text[], timestamptz, timestamptz, int, int, boolean, text, boolean)
    RENAME TO ct_calls_total_exact;

-- The list's total, as 006 counts it, except for a search (q): a broad
-- search can match a large part of an org, and counting every match
-- would cost what the page itself does not.  A search is counted up to
-- 1,001 matches; the program reports more than 1,000 as 1,000 with
-- "total_capped": true (lib/dashboard.c).
CREATE OR REPLACE FUNCTION ct_calls_total(p_org uuid, p_where text, p_digits text, p_words text[],
    p_status text[], p_direction text[], p_booking text[], p_sentiment text[],
    p_lead_status text[], p_end_reason text[], p_from timestamptz, p_to timestamptz,
    p_min_dur int, p_max_dur int, p_include_test boolean, p_tz text, p_rollup boolean)
RETURNS bigint
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_total bigint;
BEGIN
    IF p_digits IS NULL AND p_words IS NULL THEN
        RETURN ct_calls_total_exact(p_org, p_where, p_digits, p_words, p_status, p_direction,
            p_booking, p_sentiment, p_lead_status, p_end_reason, p_from, p_to, p_min_dur,
            p_max_dur, p_include_test, p_tz, p_rollup);
    END IF;
    EXECUTE 'SELECT count(*) FROM (SELECT 1 FROM '
            || CASE WHEN p_lead_status IS NULL THEN 'calls' ELSE 'calls_with_caller_names' END
            || ' v WHERE ' || p_where || ' LIMIT 1001) x'
       INTO v_total
       USING p_org, p_digits, p_words, p_status, p_direction, p_booking, p_sentiment,
             p_lead_status, p_end_reason, p_from, p_to, p_min_dur, p_max_dur;
    RETURN v_total;
END
$$;

GRANT EXECUTE ON FUNCTION ct_calls_total(uuid, text, text, text[], text[], text[], text[], text[],
    text[], text[], timestamptz, timestamptz, int, int, boolean, text, boolean) TO calltrack_app;
