-- 015_contacts_api.sql: what the contacts API and the webhook path's
-- contact history need of the tables: who is making a change, a contact's
-- number reversed for the search, and the indexes that keep the contact
-- list, its search and one contact's page index-driven at hundreds of
-- thousands of contacts in one org (docs/DATA-MODEL.md, "contacts").
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

-- changed_by: who the statement that writes a contact is, named by the
-- statement itself (a token's label, 'provider', 'import' or 'system').
-- The history trigger (sql/functions/09_contacts.sql) writes it into
-- contact_history with every field the statement changes; it is a
-- statement's word, not a fact the row keeps.  phone_reversed: the number
-- backwards, so that the digits of a search match its end through an
-- index (as calls.phone_reversed does).
ALTER TABLE contacts
    ADD COLUMN changed_by     text CHECK (length(changed_by) <= 200),
    ADD COLUMN phone_reversed text GENERATED ALWAYS AS (reverse(phone)) STORED;

-- The list's sorts, each with the id after it for a stable keyset (one
-- index serves both orders).  A contact never contacted sorts as the
-- earliest; a contact without a name as the empty name.
CREATE INDEX contacts_org_last_contacted
    ON contacts (org_id, (COALESCE(last_contacted_at, '-infinity'::timestamptz)), id);

CREATE INDEX contacts_org_lead_score ON contacts (org_id, lead_score, id);

CREATE INDEX contacts_org_name ON contacts (org_id, (COALESCE(lower(name), '')), id);

CREATE INDEX contacts_org_created ON contacts (org_id, created_at, id);

CREATE INDEX contacts_org_call_count ON contacts (org_id, call_count, id);

CREATE INDEX contacts_phone_suffix ON contacts (org_id, phone_reversed text_pattern_ops);

-- The lead status filter, and the list's total under it (with has_name,
-- read from the index too).
CREATE INDEX contacts_org_lead_status ON contacts (org_id, lead_status) INCLUDE (name);

-- A contact's calls, newest first, without a sort (its page shows 100).
DROP INDEX calls_org_contact;

CREATE INDEX calls_org_contact ON calls (org_id, contact_id, call_at DESC, id DESC);

-- The counts 013 made, made again: calls written between 013 and the
-- trigger that keeps them now (sql/functions/09_contacts.sql).
UPDATE contacts c
   SET call_count = s.calls, last_call_at = s.last_at
  FROM (SELECT org_id, contact_id, count(*) AS calls,
               max(coalesce(started_at, first_event_at)) AS last_at
          FROM calls WHERE contact_id IS NOT NULL
         GROUP BY org_id, contact_id) s
 WHERE c.org_id = s.org_id AND c.id = s.contact_id
   AND (c.call_count, c.last_call_at) IS DISTINCT FROM (s.calls, s.last_at);

-- A contact's history goes with the contact, as its name trigrams do (an
-- erasure, a rebuild from the raw log).
ALTER TABLE contact_history
    DROP CONSTRAINT contact_history_org_id_contact_id_fkey,
    ADD CONSTRAINT contact_history_org_id_contact_id_fkey
        FOREIGN KEY (org_id, contact_id) REFERENCES contacts (org_id, id) ON DELETE CASCADE;
