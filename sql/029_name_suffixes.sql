-- 029_name_suffixes.sql: a name search that stays fast when a word is
-- common (issue 18, item 1).
--
-- A contact's folded name (ct_fold, sql/functions/04_search.sql) is kept
-- as the ends of each of its words, at most 16 characters of each:
-- "maria lopez" is kept as maria, aria, ria, ia, a, lopez, opez, pez, ez
-- and z.  A search's word occurs in the name exactly when it begins one
-- of those ends, so a search is one range of a B-tree per word, with no
-- second look at the names (the trigrams it replaces gave every contact
-- with the word's three-letter pieces, each then checked against its
-- name).  Words are split where a search splits them (space, tab, CR,
-- LF: lib/read/query.c), so a search's word, which holds none of those,
-- occurs in the name only within one word of it.  A word of more than 16
-- characters is looked up by its first 16 and then checked against the
-- name.
--
-- Two indexes: by the end, for a search that starts from the word (a
-- rare name: its few contacts, then their calls), and by the contact,
-- for one that starts from the calls (a common name: the newest calls,
-- each asked whether its contact has the word).
--
-- The ends are made here by the same expression ct_fold has (a numbered
-- migration never calls a function of sql/functions/, which on a fresh
-- database does not exist yet).
--
-- calls_org_contact covers is_test_call, so that a search's capped total
-- counts a contact's calls from the index alone.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

CREATE TABLE contact_name_suffixes (
    org_id      uuid NOT NULL,
    suffix      text NOT NULL,
    contact_id  uuid NOT NULL,
    FOREIGN KEY (org_id, contact_id) REFERENCES contacts (org_id, id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX contact_name_suffixes_key
    ON contact_name_suffixes (org_id, suffix text_pattern_ops, contact_id);
CREATE INDEX contact_name_suffixes_contact
    ON contact_name_suffixes (org_id, contact_id, suffix text_pattern_ops);

INSERT INTO contact_name_suffixes (org_id, suffix, contact_id)
SELECT DISTINCT k.org_id, left(substr(w, i), 16), k.id
  FROM contacts k,
       LATERAL (SELECT lower(regexp_replace(normalize(
           replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
               translate(k.name, 'ÐðØøĐđĦħıĸĿŀŁłŉŊŋŦŧſ', 'ddooddhhikllllnnntts'),
               'Æ', 'ae'), 'æ', 'ae'), 'Œ', 'oe'), 'œ', 'oe'), 'ß', 'ss'), 'ẞ', 'ss'),
               'Þ', 'th'), 'þ', 'th'), 'Ĳ', 'ij'), 'ĳ', 'ij'),
           NFD), '[\u0300-\u036f]', '', 'g')) AS n) f,
       regexp_split_to_table(f.n, '[ \t\r\n]+') w,
       generate_series(1, length(w)) i
 WHERE k.name IS NOT NULL AND w <> '';

-- What kept the trigrams, and the trigrams.
DROP TRIGGER IF EXISTS contacts_trigrams ON contacts;
DROP TRIGGER IF EXISTS contacts_trigrams_update ON contacts;
DROP FUNCTION IF EXISTS ct_contact_trigrams();
DROP FUNCTION IF EXISTS ct_search_where(text, text[]);
DROP FUNCTION IF EXISTS ct_words_trigrams(text[]);
DROP FUNCTION IF EXISTS ct_trigrams(text);
DROP TABLE contact_name_trigrams;

UPDATE ct_distribution SET relname = 'contact_name_suffixes' WHERE relname = 'contact_name_trigrams';

DROP INDEX calls_org_contact;
CREATE INDEX calls_org_contact ON calls (org_id, contact_id, call_at DESC, id DESC)
    INCLUDE (is_test_call);
