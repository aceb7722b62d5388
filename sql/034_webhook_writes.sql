-- 034_webhook_writes.sql: fewer writes per webhook (issue 18, item 3).
--
-- A call the event makes now carries the agent's fields in its INSERT,
-- and ct_legs_attach is told whether the call was there before the event
-- (a call the event made is its own leg's already): the old signature
-- goes here, and sql/functions/15_legs.sql makes the new one.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

DROP FUNCTION IF EXISTS ct_legs_attach(uuid, uuid, text, text, text, text, bigint);

-- The ends of contacts' names and numbers (sql/025_search_fold.sql,
-- sql/029_name_suffixes.sql) lose their foreign keys to contacts: every
-- row of theirs is made by a trigger from its contact's row, so the key
-- held by construction, and checking it cost a query a row, about 22 of
-- them for each new contact a webhook or an import makes (half the new
-- contact's INSERT).  Removing a contact removes its ends by a trigger
-- (contacts_ends_gone, sql/functions/04_search.sql), as the keys'
-- ON DELETE CASCADE did.
ALTER TABLE contact_name_suffixes DROP CONSTRAINT IF EXISTS contact_name_suffixes_org_id_contact_id_fkey;
ALTER TABLE contact_phone_suffixes DROP CONSTRAINT IF EXISTS contact_phone_suffixes_org_id_contact_id_fkey;
