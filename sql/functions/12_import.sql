-- 12_import.sql: the contacts import (POST /api/contacts/import,
-- dashboard-import), by the token's hash, as the dashboard writers' role
-- under row-level security.
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.
--
-- The program reads and checks the file (lib/read/import.c): every number
-- is E.164 already, each number is on one row only, names are no
-- placeholders, emails look like ones, lead statuses are the five.  It
-- sends the rows in batches, all in one transaction: a database failure in
-- any batch leaves the file unapplied.

-- Applies one batch of an import for the token's org: row i of the batch
-- is p_phones[i] (E.164), p_names[i], p_emails[i], p_leads[i] (NULL: the
-- file leaves that field as it is) and p_displays[i] (the number as the
-- org reads it, for a new contact; NULL when not known).  A new number is
-- a new contact; a known one gets what the file gives it.  A name from
-- the file is a manual one.  Each statement names itself 'import'
-- (contacts.changed_by), so the history triggers (09_contacts.sql) write
-- one contact_history row by 'import' for every field that changes, and
-- for what a new contact starts with; a row that changes nothing adds
-- none.  A row whose name
-- the database refuses (ct_is_real_name, which knows more letters than
-- the program) is left out whole, and its position returned in refused.
-- The numbers of one batch are distinct (the program keeps the last row
-- of each).  Returns the counts; all NULL for a token that is not live.
--
-- Its statements are planned generically, as the webhook's are
-- (ct_apply_event_once, 03_ingest.sql): an import is most often a new
-- org's, whose contacts the statistics do not know yet.  A custom plan
-- then takes the org's contacts for one row and reads them all for each
-- of the batch's numbers (the second import of 100,000 rows in make bench
-- ran past the statement timeout on its first batch); the generic plan
-- looks each number up by the unique key (tests/sql/15_new_org_plans.sql).
-- On one PostgreSQL only, as the webhook's (below the function).
CREATE OR REPLACE FUNCTION ct_import_contacts(p_hash text, p_phones text[],
    p_names text[], p_emails text[], p_leads text[], p_displays text[],
    OUT created int, OUT updated int, OUT unchanged int, OUT refused int[])
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
    AS $$
DECLARE
    v_org uuid := ct_pin_token(p_hash);
BEGIN
    IF v_org IS NULL THEN
        RETURN;
    END IF;
    SELECT COALESCE(array_agg(u.n ORDER BY u.n), '{}') INTO refused
      FROM unnest(p_names) WITH ORDINALITY AS u(name, n)
     WHERE u.name IS NOT NULL
       AND NOT (ct_is_real_name(u.name) AND length(u.name) <= 200);

    -- New numbers.  A contact another transaction made meanwhile is
    -- left to the update below (ON CONFLICT waits for that transaction),
    -- which finds the new ones as they are: unchanged.
    WITH input AS (
        SELECT u.* FROM unnest(p_phones, p_names, p_emails, p_leads, p_displays)
                        WITH ORDINALITY AS u(phone, name, email, lead_status, display, n)
         WHERE u.n <> ALL (refused)
    ), ins AS (
        INSERT INTO contacts AS c (org_id, phone, phone_display, name, name_source, email,
                                   lead_status, changed_by)
        SELECT v_org, i.phone, i.display, i.name,
               CASE WHEN i.name IS NOT NULL THEN 'manual' END, i.email,
               COALESCE(i.lead_status, 'new'), 'import'
          FROM input i
         WHERE NOT EXISTS (SELECT 1 FROM contacts k WHERE k.org_id = v_org AND k.phone = i.phone)
        ON CONFLICT (org_id, phone) DO NOTHING
        RETURNING c.id, c.phone
    )
    SELECT count(*) INTO created FROM ins;

    -- Every number now has its contact: locked, compared, changed where
    -- the file differs (the new ones do not, and are taken off the
    -- unchanged).
    WITH input AS (
        SELECT u.* FROM unnest(p_phones, p_names, p_emails, p_leads)
                        WITH ORDINALITY AS u(phone, name, email, lead_status, n)
         WHERE u.n <> ALL (refused)
    ), cur AS (
        SELECT c.id, c.name AS o_name, c.name_source AS o_source, c.email AS o_email,
               c.lead_status AS o_lead,
               COALESCE(i.name, c.name) AS n_name,
               CASE WHEN i.name IS NOT NULL THEN 'manual' ELSE c.name_source END AS n_source,
               COALESCE(i.email, c.email) AS n_email,
               COALESCE(i.lead_status, c.lead_status) AS n_lead
          FROM input i
          JOIN contacts c ON c.org_id = v_org AND c.phone = i.phone
           FOR UPDATE OF c
    ), chg AS (
        SELECT * FROM cur
         WHERE (o_name, o_source, o_email, o_lead) IS DISTINCT FROM (n_name, n_source, n_email, n_lead)
    ), upd AS (
        UPDATE contacts c
           SET name = chg.n_name, name_source = chg.n_source, email = chg.n_email,
               lead_status = chg.n_lead, updated_at = now(), changed_by = 'import'
          FROM chg
         WHERE c.org_id = v_org AND c.id = chg.id
        RETURNING c.id
    )
    SELECT (SELECT count(*) FROM upd),
           (SELECT count(*) FROM cur) - (SELECT count(*) FROM upd) - created
      INTO updated, unchanged;
END
$$;

REVOKE ALL ON FUNCTION ct_import_contacts(text, text[], text[], text[], text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ct_import_contacts(text, text[], text[], text[], text[], text[]) TO calltrack_editor;

-- Its generic plans, on one PostgreSQL (why not on a cluster:
-- ct_apply_event_once, 03_ingest.sql).
DO $$
BEGIN
    IF NOT ct_on_citus() THEN
        ALTER FUNCTION ct_import_contacts(text, text[], text[], text[], text[], text[])
            SET plan_cache_mode = force_generic_plan;
    END IF;
END
$$;
