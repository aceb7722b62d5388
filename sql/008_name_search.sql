-- 008_name_search.sql: searching callers by part of their name through an
-- index, under row-level security.
--
-- Row-level security lets only leakproof conditions reach an index, and
-- ILIKE is not one, so a name search would read every contact of the org.
-- Each contact's name is also kept as its three-letter pieces (trigrams,
-- of the lower-cased name); a search word of three letters or more first
-- finds the contacts that have all of its trigrams, by equality (which is
-- leakproof), and ILIKE then checks those few (sql/functions/04_search.sql).
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

CREATE TABLE contact_name_trigrams (
    org_id      uuid NOT NULL,
    trigram     text NOT NULL,
    contact_id  uuid NOT NULL,
    PRIMARY KEY (org_id, trigram, contact_id),
    FOREIGN KEY (org_id, contact_id) REFERENCES contacts (org_id, id) ON DELETE CASCADE
);

CREATE INDEX contact_name_trigrams_contact ON contact_name_trigrams (org_id, contact_id);
