-- 025_search_fold.sql: a search as people type it (issue 22, item 8).
--
-- Names: a contact's trigrams are of its folded name (lower case, accents
-- and the other marks of Latin letters gone: ct_fold in
-- sql/functions/04_search.sql), as a search's words' are, so "lopez"
-- finds "López" and "lópez" finds "Lopez".  The trigrams kept so far are
-- of the lower-cased name only; they are made again here, by the same
-- expression ct_fold has (a numbered migration never calls a function of
-- functions/, which on a fresh database does not exist yet; on a fresh
-- database there are no contacts to fold).
--
-- Numbers: each contact's number's digits are kept as their ends of 3
-- digits or more (contact_phone_suffixes); a search's digits begin one of
-- those ends wherever they occur in the number, so "415", "415555" and
-- "2079" find +14155550142 and +442079460018.  The ends are looked up as a
-- range of a B-tree (~>=~ and ~<~, leakproof: row-level security lets
-- them reach the index), as the reversed number was for its end alone.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

DELETE FROM contact_name_trigrams;
INSERT INTO contact_name_trigrams (org_id, trigram, contact_id)
SELECT DISTINCT k.org_id, substr(f.n, i, 3), k.id
  FROM contacts k,
       LATERAL (SELECT lower(regexp_replace(normalize(
           replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
               translate(k.name, 'ÐðØøĐđĦħıĸĿŀŁłŉŊŋŦŧſ', 'ddooddhhikllllnnntts'),
               'Æ', 'ae'), 'æ', 'ae'), 'Œ', 'oe'), 'œ', 'oe'), 'ß', 'ss'), 'ẞ', 'ss'),
               'Þ', 'th'), 'þ', 'th'), 'Ĳ', 'ij'), 'ĳ', 'ij'),
           NFD), '[\u0300-\u036f]', '', 'g')) AS n) f,
       generate_series(1, length(f.n) - 2) i
 WHERE k.name IS NOT NULL;

CREATE TABLE contact_phone_suffixes (
    org_id      uuid NOT NULL,
    suffix      text NOT NULL,
    contact_id  uuid NOT NULL,
    FOREIGN KEY (org_id, contact_id) REFERENCES contacts (org_id, id) ON DELETE CASCADE
);

-- One row per end of a number (unique), found by a range of its digits.
CREATE UNIQUE INDEX contact_phone_suffixes_key
    ON contact_phone_suffixes (org_id, suffix text_pattern_ops, contact_id);
CREATE INDEX contact_phone_suffixes_contact ON contact_phone_suffixes (org_id, contact_id);

INSERT INTO contact_phone_suffixes (org_id, suffix, contact_id)
SELECT DISTINCT k.org_id, substr(d.digits, i), k.id
  FROM contacts k,
       LATERAL (SELECT regexp_replace(k.phone, '[^0-9]', '', 'g') AS digits) d,
       generate_series(1, length(d.digits) - 2) i;
