-- 031_contact_counts.sql: the number of an org's contacts by lead status
-- and by whether they have a name, for the contact list's total (issue
-- 14, item 8).
--
-- The list's first page has no search, and its total counted every
-- contact of the org: at 250,000 contacts an index scan of 35 ms for one
-- number, where the page itself takes 2.  contact_counts holds the count
-- of each (org, lead status, named) group; contact_count_delta the
-- changes not folded yet, appended by the triggers on contacts and moved
-- into contact_counts by the sweeper (ct_contact_counts_fold,
-- sql/functions/09_contacts.sql), as call_rollup_delta is for the calls.
-- A new contact then appends a row and takes no lock another webhook
-- waits for.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

CREATE TABLE contact_counts (
    org_id       uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    lead_status  text NOT NULL,
    named        boolean NOT NULL,
    contacts     bigint NOT NULL,
    PRIMARY KEY (org_id, lead_status, named)
);

CREATE TABLE contact_count_delta (
    org_id       uuid NOT NULL,
    lead_status  text NOT NULL,
    named        boolean NOT NULL,
    contacts     int NOT NULL
);

CREATE INDEX contact_count_delta_org ON contact_count_delta (org_id);

INSERT INTO contact_counts
SELECT org_id, lead_status, name IS NOT NULL, count(*)
  FROM contacts
 GROUP BY 1, 2, 3;

INSERT INTO ct_distribution (relname, kind) VALUES
    ('contact_counts', 'distributed'), ('contact_count_delta', 'distributed');

-- The ends of a new contact's name and number are made once a statement
-- by one trigger, contacts_ends (sql/functions/04_search.sql), in place
-- of a trigger a row for each.
DROP TRIGGER IF EXISTS contacts_name_suffixes ON contacts;
DROP TRIGGER IF EXISTS contacts_phone_suffixes ON contacts;
