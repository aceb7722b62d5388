-- 09_contacts.sql: contacts and alerts, read and changed (docs/API.md
-- "Contacts and leads", "Alerts"), and the rules every writer of a
-- contact keeps (docs/DATA-MODEL.md "contacts", "contact_history").
--
-- - Every change to a contact is a row of contact_history, written by the
--   triggers below whoever makes it (the API, the import, the webhook
--   path, an administrator's UPDATE): a statement names who it is in
--   contacts.changed_by (a token's label, 'provider', 'import' or
--   'system'), and a statement that does not is 'system'.  A transaction
--   setting would do the same, but only the pin's two functions call
--   set_config (tests/sql/07_privileges.sql), and one webhook
--   transaction writes as 'provider' (the name) and then as 'system' (the
--   lead): the name belongs to the statement, not to the transaction.
-- - An automatic change moves a lead only forward (ct_lead_next).
-- - call_count and last_call_at follow the calls linked to a contact (a
--   trigger on calls), however the link is made.
-- - The functions the programs call take the token's hash and pin its org
--   (ct_pin_token); ct_contact_apply and ct_contact_add take the org
--   already pinned, for the import to call once a row.
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.

-- ---- The lead ----

-- The lead status an automatic change leaves: booked on a confirmed
-- booking (from any status but booked, lost included), contacted once a
-- call completes (from new only), else as it was.  Only forward along
-- new → contacted → qualified → booked; a lost lead moves only to booked.
-- A person (the API, an import) sets any status; this is the webhook
-- path's rule alone.
CREATE OR REPLACE FUNCTION ct_lead_next(p_old text, p_completed boolean, p_confirmed boolean)
RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE
        WHEN p_confirmed AND p_old IN ('new', 'contacted', 'qualified', 'lost') THEN 'booked'
        WHEN p_completed AND p_old = 'new' THEN 'contacted'
        ELSE p_old END
$$;

-- ---- The history ----

-- Each field of a contact its history follows that OLD and NEW hold
-- differently, as one row by p_by.  name_source has a row only when the
-- name stays (a person confirming a provider's name): with a new name,
-- the name's row says who set it.  Returns the rows written.
CREATE OR REPLACE FUNCTION ct_contact_history_rows(o contacts, n contacts, p_by text) RETURNS int
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_rows int;
BEGIN
    INSERT INTO contact_history (org_id, contact_id, field, old, new, by)
    SELECT n.org_id, n.id, f.field, f.old, f.new, p_by
      FROM (VALUES (1, 'phone', o.phone, n.phone),
                   (2, 'name', o.name, n.name),
                   (3, 'name_source', CASE WHEN o.name IS NOT DISTINCT FROM n.name THEN o.name_source END,
                                      CASE WHEN o.name IS NOT DISTINCT FROM n.name THEN n.name_source END),
                   (4, 'email', o.email, n.email),
                   (5, 'lead_status', o.lead_status, n.lead_status),
                   (6, 'notes', o.notes, n.notes),
                   (7, 'last_contacted_at', ct_iso(o.last_contacted_at), ct_iso(n.last_contacted_at)))
           AS f(ord, field, old, new)
     WHERE f.old IS DISTINCT FROM f.new
     ORDER BY f.ord;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END
$$;

-- BEFORE UPDATE of a contact.  Fired twice: first as 'named', only for a
-- statement that sets changed_by (UPDATE OF), which writes the rows by
-- that name and leaves '' for the second; then for every update that
-- changes a field or carries a name, which writes the rows of a statement
-- that named no one (by 'system') and clears changed_by.  A change of a
-- field also sets updated_at.
CREATE OR REPLACE FUNCTION ct_contact_history() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_by text := 'system';
BEGIN
    IF TG_ARGV[0] = 'named' THEN
        v_by := COALESCE(NULLIF(NEW.changed_by, ''), 'system');
    ELSIF NEW.changed_by = '' THEN
        NEW.changed_by := NULL;
        RETURN NEW;
    END IF;
    -- As rows of contacts: on a Citus cluster, of the shard's type.
    IF ct_contact_history_rows(ROW(OLD.*)::contacts, ROW(NEW.*)::contacts, v_by) > 0 THEN
        NEW.updated_at := now();
    END IF;
    NEW.changed_by := CASE WHEN TG_ARGV[0] = 'named' THEN '' END;
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER contacts_history_named BEFORE UPDATE OF changed_by ON contacts
    FOR EACH ROW
    WHEN ((OLD.phone, OLD.name, OLD.name_source, OLD.email, OLD.lead_status, OLD.notes,
           OLD.last_contacted_at)
          IS DISTINCT FROM (NEW.phone, NEW.name, NEW.name_source, NEW.email, NEW.lead_status,
                            NEW.notes, NEW.last_contacted_at))
    EXECUTE FUNCTION ct_contact_history('named');

CREATE OR REPLACE TRIGGER contacts_history_rest BEFORE UPDATE ON contacts
    FOR EACH ROW
    WHEN (NEW.changed_by IS NOT NULL
          OR (OLD.phone, OLD.name, OLD.name_source, OLD.email, OLD.lead_status, OLD.notes,
              OLD.last_contacted_at)
             IS DISTINCT FROM (NEW.phone, NEW.name, NEW.name_source, NEW.email, NEW.lead_status,
                               NEW.notes, NEW.last_contacted_at))
    EXECUTE FUNCTION ct_contact_history('rest');

-- AFTER INSERT of contacts, once a statement: what each new contact
-- starts with, from nothing, by the name its statement gave (the
-- history's rows need the contact to exist, so this cannot be a BEFORE
-- trigger; changed_by stays on the new row until its first update clears
-- it, and no one reads it).  A lead that starts new has no row for it.
-- One INSERT for the statement's contacts, through arrays as the ends'
-- triggers (04_search.sql) and for the same reason; each contact's rows
-- in the order of its fields.
CREATE OR REPLACE FUNCTION ct_contact_created() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_orgs uuid[];
    v_ids uuid[];
    v_fields text[];
    v_new text[];
    v_by text[];
BEGIN
    SELECT array_agg(n.org_id ORDER BY n.id, f.ord), array_agg(n.id ORDER BY n.id, f.ord),
           array_agg(f.field ORDER BY n.id, f.ord), array_agg(f.new ORDER BY n.id, f.ord),
           array_agg(COALESCE(NULLIF(n.changed_by, ''), 'system') ORDER BY n.id, f.ord)
      INTO v_orgs, v_ids, v_fields, v_new, v_by
      FROM new_contacts n,
           LATERAL (VALUES (1, 'phone', n.phone), (2, 'name', n.name), (3, 'email', n.email),
                           (4, 'lead_status', NULLIF(n.lead_status, 'new')), (5, 'notes', n.notes),
                           (6, 'last_contacted_at', ct_iso(n.last_contacted_at)))
           AS f(ord, field, new)
     WHERE f.new IS NOT NULL;
    IF v_ids IS NOT NULL THEN
        INSERT INTO contact_history (org_id, contact_id, field, old, new, by)
        SELECT o, i, f, NULL, v, b FROM unnest(v_orgs, v_ids, v_fields, v_new, v_by) u(o, i, f, v, b);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER contacts_history_created AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_contacts
    FOR EACH STATEMENT EXECUTE FUNCTION ct_contact_created();

-- ---- The counts ----

-- AFTER INSERT or UPDATE of a call: its contact's call_count and
-- last_call_at (the latest start, or first event, of its calls).  A call
-- counts once, for the contact it is linked to, whenever the link is
-- made; a call linked to another contact moves its count.  Runs as the
-- writer, under the policies.
CREATE OR REPLACE FUNCTION ct_contact_calls() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_new timestamptz := COALESCE(NEW.started_at, NEW.first_event_at);
    v_old timestamptz;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        v_old := COALESCE(OLD.started_at, OLD.first_event_at);
        IF OLD.contact_id IS NOT DISTINCT FROM NEW.contact_id THEN
            -- The same contact, another start.
            UPDATE contacts ct SET last_call_at = CASE
                       WHEN ct.last_call_at IS NULL OR v_new >= ct.last_call_at THEN v_new
                       WHEN v_old >= ct.last_call_at THEN
                           (SELECT max(COALESCE(k.started_at, k.first_event_at)) FROM calls k
                             WHERE k.org_id = NEW.org_id AND k.contact_id = NEW.contact_id)
                       ELSE ct.last_call_at END
             WHERE ct.org_id = NEW.org_id AND ct.id = NEW.contact_id;
            RETURN NULL;
        END IF;
        IF OLD.contact_id IS NOT NULL THEN
            UPDATE contacts ct SET call_count = GREATEST(ct.call_count - 1, 0),
                   last_call_at = (SELECT max(COALESCE(k.started_at, k.first_event_at)) FROM calls k
                                    WHERE k.org_id = OLD.org_id AND k.contact_id = OLD.contact_id)
             WHERE ct.org_id = OLD.org_id AND ct.id = OLD.contact_id;
        END IF;
    END IF;
    IF NEW.contact_id IS NOT NULL THEN
        UPDATE contacts ct SET call_count = ct.call_count + 1,
               last_call_at = GREATEST(ct.last_call_at, v_new)
         WHERE ct.org_id = NEW.org_id AND ct.id = NEW.contact_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER calls_contact_counts AFTER INSERT ON calls
    FOR EACH ROW WHEN (NEW.contact_id IS NOT NULL) EXECUTE FUNCTION ct_contact_calls();

CREATE OR REPLACE TRIGGER calls_contact_counts_update AFTER UPDATE OF contact_id, started_at ON calls
    FOR EACH ROW
    WHEN (OLD.contact_id IS DISTINCT FROM NEW.contact_id
          OR (NEW.contact_id IS NOT NULL AND OLD.started_at IS DISTINCT FROM NEW.started_at))
    EXECUTE FUNCTION ct_contact_calls();

-- A hot-lead alert carries its call's time, test flag and agent (035),
-- for the stats' count of a range's alerts from the alerts' own index
-- (ct_stats, ct_digest_figures).  BEFORE INSERT of an alert, or its move
-- to another call (ct_legs_merge): the call's, read by its key.  Runs as
-- the writer, under the policies.
CREATE OR REPLACE FUNCTION ct_alert_call_fill() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    SELECT c.call_at, c.is_test_call, c.agent_id INTO NEW.call_at, NEW.is_test, NEW.agent_id
      FROM calls c WHERE c.org_id = NEW.org_id AND c.id = NEW.call_id;
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER hot_lead_alerts_call BEFORE INSERT OR UPDATE OF call_id ON hot_lead_alerts
    FOR EACH ROW EXECUTE FUNCTION ct_alert_call_fill();

-- AFTER UPDATE of a call whose time, test flag or agent changed: its
-- alert's copies, if it has an alert (one at most: its key).
CREATE OR REPLACE FUNCTION ct_alert_call_moved() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    UPDATE hot_lead_alerts a
       SET call_at = NEW.call_at, is_test = NEW.is_test_call, agent_id = NEW.agent_id
     WHERE a.org_id = NEW.org_id AND a.call_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER calls_alert_moved AFTER UPDATE ON calls
    FOR EACH ROW
    WHEN (OLD.call_at IS DISTINCT FROM NEW.call_at OR OLD.is_test_call IS DISTINCT FROM NEW.is_test_call
          OR OLD.agent_id IS DISTINCT FROM NEW.agent_id)
    EXECUTE FUNCTION ct_alert_call_moved();

-- ---- The list's total ----

-- contact_counts (031) follows the contacts by deltas in
-- contact_count_delta: a new contact adds one to its group (org, lead
-- status, named), a removed one takes one from it, and a contact whose
-- lead status changes, or which gains or loses its name, moves from one
-- group to the other.  New and removed contacts are counted once a
-- statement, as a row per group (an import of 1,000 is five rows), through
-- arrays as the ends' triggers (04_search.sql) and for the same reason.
-- Runs as the writer, under the policies.
CREATE OR REPLACE FUNCTION ct_contacts_counted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_orgs uuid[];
    v_leads text[];
    v_named boolean[];
    v_n int[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(g.org_id), array_agg(g.lead_status), array_agg(g.named), array_agg(g.n)
          INTO v_orgs, v_leads, v_named, v_n
          FROM (SELECT n.org_id, n.lead_status, n.name IS NOT NULL AS named, count(*)::int AS n
                  FROM new_contacts n GROUP BY 1, 2, 3) g;
    ELSE
        SELECT array_agg(g.org_id), array_agg(g.lead_status), array_agg(g.named), array_agg(g.n)
          INTO v_orgs, v_leads, v_named, v_n
          FROM (SELECT o.org_id, o.lead_status, o.name IS NOT NULL AS named, -count(*)::int AS n
                  FROM old_contacts o GROUP BY 1, 2, 3) g;
    END IF;
    IF v_orgs IS NOT NULL THEN
        INSERT INTO contact_count_delta (org_id, lead_status, named, contacts)
        SELECT * FROM unnest(v_orgs, v_leads, v_named, v_n);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER contacts_counted AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_contacts
    FOR EACH STATEMENT EXECUTE FUNCTION ct_contacts_counted();

CREATE OR REPLACE TRIGGER contacts_uncounted AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_contacts
    FOR EACH STATEMENT EXECUTE FUNCTION ct_contacts_counted();

CREATE OR REPLACE FUNCTION ct_contact_recounted() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO contact_count_delta (org_id, lead_status, named, contacts)
    VALUES (OLD.org_id, OLD.lead_status, OLD.name IS NOT NULL, -1),
           (NEW.org_id, NEW.lead_status, NEW.name IS NOT NULL, 1);
    RETURN NULL;
END
$$;

-- Most updates (a call counted, a note) move no contact between groups.
CREATE OR REPLACE TRIGGER contacts_recounted AFTER UPDATE ON contacts
    FOR EACH ROW
    WHEN (OLD.lead_status IS DISTINCT FROM NEW.lead_status
          OR (OLD.name IS NULL) <> (NEW.name IS NULL))
    EXECUTE FUNCTION ct_contact_recounted();

-- Moves every delta the caller can see into contact_counts, as
-- ct_rollup_fold does the calls' (05_rollup.sql): the sweeper's, across
-- orgs.  Returns how many deltas it folded.
CREATE OR REPLACE FUNCTION ct_contact_counts_fold() RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
    n bigint;
BEGIN
    WITH d AS (DELETE FROM contact_count_delta RETURNING *),
    g AS (
        SELECT org_id, lead_status, named, sum(contacts)::bigint AS contacts
          FROM d GROUP BY 1, 2, 3
    ), up AS (
        INSERT INTO contact_counts AS c SELECT * FROM g
         WHERE EXISTS (SELECT 1 FROM orgs o WHERE o.id = g.org_id)
        ON CONFLICT (org_id, lead_status, named) DO UPDATE SET
            contacts = c.contacts + EXCLUDED.contacts
        RETURNING 1
    )
    SELECT count(*) INTO n FROM d;
    -- Groups whose contacts all moved elsewhere.
    DELETE FROM contact_counts WHERE contacts = 0;
    RETURN n;
END
$$;

REVOKE EXECUTE ON FUNCTION ct_contact_counts_fold() FROM PUBLIC;

-- ---- Changing a contact (the API and the import) ----

-- Applies a validated change to contact p_id of the org pinned for this
-- transaction, as p_actor (a token's label, or 'import'): each field
-- named in p_fields ('name', 'email', 'lead_status', 'notes') takes its
-- value, NULL clearing it; a name is p_name_source's ('manual'), and a
-- NULL name clears its source too, so that a provider may fill it again.
-- Each changed field is one history row; nothing is written when nothing
-- changes.  Returns 'updated', 'unchanged', 'not_found' (no such contact
-- in the pinned org, or no org pinned), or the name of the field refused:
-- 'name' (a placeholder, or over 200 characters), 'email' (over 320),
-- 'lead_status' (none of the five), 'notes' (over 4,000).  The caller
-- checks the rest of a field's shape (lib/read/contacts.c).
CREATE OR REPLACE FUNCTION ct_contact_apply(p_id uuid, p_actor text, p_fields text[],
    p_name text DEFAULT NULL, p_email text DEFAULT NULL, p_lead_status text DEFAULT NULL,
    p_notes text DEFAULT NULL, p_name_source text DEFAULT 'manual')
RETURNS text
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_org uuid := ct_current_org();
    v_name text := btrim(p_name);
    k contacts;
    n contacts;
BEGIN
    IF 'name' = ANY (p_fields) AND v_name IS NOT NULL
       AND (NOT ct_is_real_name(v_name) OR length(v_name) > 200) THEN
        RETURN 'name';
    ELSIF 'email' = ANY (p_fields) AND length(p_email) > 320 THEN
        RETURN 'email';
    ELSIF 'lead_status' = ANY (p_fields) AND p_lead_status IS DISTINCT FROM 'new'
          AND p_lead_status IS DISTINCT FROM 'contacted' AND p_lead_status IS DISTINCT FROM 'qualified'
          AND p_lead_status IS DISTINCT FROM 'booked' AND p_lead_status IS DISTINCT FROM 'lost' THEN
        RETURN 'lead_status';
    ELSIF 'notes' = ANY (p_fields) AND length(p_notes) > 4000 THEN
        RETURN 'notes';
    END IF;
    SELECT * INTO k FROM contacts c WHERE c.org_id = v_org AND c.id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'not_found';
    END IF;
    n := k;
    IF 'name' = ANY (p_fields) THEN
        n.name := v_name;
        n.name_source := CASE WHEN v_name IS NOT NULL THEN p_name_source END;
    END IF;
    IF 'email' = ANY (p_fields) THEN n.email := p_email; END IF;
    IF 'lead_status' = ANY (p_fields) THEN n.lead_status := p_lead_status; END IF;
    IF 'notes' = ANY (p_fields) THEN n.notes := p_notes; END IF;
    IF (n.name, n.name_source, n.email, n.lead_status, n.notes)
       IS NOT DISTINCT FROM (k.name, k.name_source, k.email, k.lead_status, k.notes) THEN
        RETURN 'unchanged';
    END IF;
    UPDATE contacts c SET name = n.name, name_source = n.name_source, email = n.email,
                          lead_status = n.lead_status, notes = n.notes, changed_by = p_actor
     WHERE c.org_id = v_org AND c.id = p_id;
    RETURN 'updated';
END
$$;

-- Adds a contact for p_phone (E.164, read by the caller with the org's
-- country; p_display its display form) to the org pinned for this
-- transaction, as p_actor, with what else is given (a name is
-- p_name_source's; the lead starts new unless given).  Returns the
-- contact's id and 'created', or the existing contact's id and 'exists'
-- (nothing changed), or a NULL id and the field refused: 'phone' (not
-- E.164) or those of ct_contact_apply.
CREATE OR REPLACE FUNCTION ct_contact_add(p_phone text, p_display text, p_actor text,
    p_name text DEFAULT NULL, p_email text DEFAULT NULL, p_lead_status text DEFAULT NULL,
    p_name_source text DEFAULT 'manual',
    OUT contact_id uuid, OUT result text)
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_org uuid := ct_current_org();
    v_name text := btrim(p_name);
BEGIN
    IF p_phone IS NULL OR p_phone !~ '^\+[1-9][0-9]{1,14}$' THEN
        result := 'phone';
    ELSIF v_name IS NOT NULL AND (NOT ct_is_real_name(v_name) OR length(v_name) > 200) THEN
        result := 'name';
    ELSIF length(p_email) > 320 THEN
        result := 'email';
    ELSIF p_lead_status IS NOT NULL
          AND p_lead_status NOT IN ('new', 'contacted', 'qualified', 'booked', 'lost') THEN
        result := 'lead_status';
    ELSIF v_org IS NULL THEN
        result := 'not_found';
    END IF;
    IF result IS NOT NULL THEN
        RETURN;
    END IF;
    INSERT INTO contacts AS c (org_id, phone, phone_display, name, name_source, email,
                               lead_status, changed_by)
    VALUES (v_org, p_phone, CASE WHEN length(p_display) BETWEEN 1 AND 64 THEN p_display END,
            v_name, CASE WHEN v_name IS NOT NULL THEN p_name_source END, p_email,
            COALESCE(p_lead_status, 'new'), p_actor)
    ON CONFLICT (org_id, phone) DO NOTHING
    RETURNING c.id INTO contact_id;
    IF contact_id IS NOT NULL THEN
        result := 'created';
        RETURN;
    END IF;
    SELECT c.id INTO contact_id FROM contacts c WHERE c.org_id = v_org AND c.phone = p_phone;
    result := 'exists';
END
$$;

-- ---- What the API answers ----
--
-- A query passes its rows to these as ROW(k.*)::contacts (and
-- ::hot_lead_alerts): on a Citus cluster the query runs on the org's
-- shard, where a row has the shard's type, which no function takes.

-- One contact as the API shows it (docs/API.md "Contacts and leads").
-- phone_display is NULL when the contact has none stored yet (one the
-- webhook path made): the program makes it, with the org's country.
CREATE OR REPLACE FUNCTION ct_contact_json(k contacts) RETURNS json
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT json_build_object(
        'id', k.id, 'phone_number', k.phone, 'phone_display', k.phone_display,
        'name', k.name, 'name_source', k.name_source, 'email', k.email,
        'lead_status', k.lead_status, 'lead_score', k.lead_score,
        'last_contacted_at', ct_iso(k.last_contacted_at), 'call_count', k.call_count,
        'last_call_at', ct_iso(k.last_call_at), 'notes', k.notes,
        'created_at', ct_iso(k.created_at), 'updated_at', ct_iso(k.updated_at))
$$;

-- One hot-lead alert as the API shows it (docs/API.md "Alerts"), the
-- caller's name resolved now, from the call's contact (w).
CREATE OR REPLACE FUNCTION ct_alert_json(a hot_lead_alerts, w calls_with_caller_names) RETURNS json
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT json_build_object(
        'id', a.id, 'type', 'hot_lead', 'call_id', a.call_id, 'contact_id', a.contact_id,
        'caller_name', w.resolved_caller_name, 'phone_number', w.phone_number,
        'score', a.score, 'reasons', a.reasons, 'created_at', ct_iso(a.created_at),
        'acknowledged_at', ct_iso(a.acknowledged_at), 'acknowledged_by', a.acknowledged_by)
$$;

-- The WHERE clause of the contact list over contacts k, for the filters
-- given: $1 the org, $2 the digits of q (anywhere in the number), $3 its
-- words (ILIKE-escaped; both through ct_search_where, 04_search.sql), $4
-- the lead statuses; has_name is written in.
CREATE OR REPLACE FUNCTION ct_contacts_where(p_digits text, p_words text[], p_lead_status text[],
    p_has_name boolean)
RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE
    w text := 'k.org_id = $1';
BEGIN
    w := w || ct_search_where(p_digits, p_words, 'k.id');
    IF p_lead_status IS NOT NULL THEN w := w || ' AND k.lead_status = ANY ($4)'; END IF;
    IF p_has_name THEN w := w || ' AND k.name IS NOT NULL'; END IF;
    IF NOT p_has_name THEN w := w || ' AND k.name IS NULL'; END IF;
    RETURN w;
END
$$;

-- The sort expression of an allow-listed sort name, as its index has it
-- (sql/015_contacts_api.sql), and the type of its values.
CREATE OR REPLACE FUNCTION ct_contacts_sort_expr(p_sort text, OUT expr text, OUT type text)
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE p_sort
               WHEN 'last_contacted_at' THEN 'COALESCE(k.last_contacted_at, ''-infinity''::timestamptz)'
               WHEN 'lead_score' THEN 'k.lead_score'
               WHEN 'name' THEN 'COALESCE(lower(k.name), '''')'
               WHEN 'created_at' THEN 'k.created_at'
               WHEN 'call_count' THEN 'k.call_count' END,
           CASE p_sort
               WHEN 'last_contacted_at' THEN 'timestamptz'
               WHEN 'lead_score' THEN 'int'
               WHEN 'name' THEN 'text'
               WHEN 'created_at' THEN 'timestamptz'
               WHEN 'call_count' THEN 'int' END
$$;

-- One page of the contact list: {"contacts", "total", "next" (the last
-- row's "<sort value>|<id>" when the page is full), "country" (the org's,
-- for the program's display numbers)}, or NULL for a revoked or unknown
-- token.  A search is counted up to 1,001 matches, as the call list's.
CREATE OR REPLACE FUNCTION ct_contacts_page(p_token_hash text, p_digits text, p_words text[],
    p_lead_status text[], p_has_name boolean, p_sort text, p_desc boolean, p_limit int,
    p_offset int, p_after_value text, p_after_id uuid)
RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid;
    v_country text;
    v_sort record := ct_contacts_sort_expr(p_sort);
    v_dir text := CASE WHEN p_desc THEN 'DESC' ELSE 'ASC' END;
    v_where text;
    v_total bigint;
    v_rows json;
    v_next text;
BEGIN
    IF v_sort.expr IS NULL OR p_limit NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'invalid sort or limit' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The org of a live token, pinned for this transaction (ct_pin_token);
    -- a revoked or unknown token sees nothing.
    v_org := ct_pin_token(p_token_hash);
    IF v_org IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT o.default_country INTO v_country FROM orgs o WHERE o.id = v_org;
    v_where := ct_contacts_where(p_digits, p_words, p_lead_status, p_has_name);
    -- The total: without a search, the kept counts (folded or not); a
    -- search is counted up to 1,001.
    IF p_digits IS NULL AND p_words IS NULL THEN
        SELECT COALESCE(sum(c.contacts), 0) INTO v_total
          FROM (SELECT n.lead_status, n.named, n.contacts FROM contact_counts n
                 WHERE n.org_id = v_org
                UNION ALL
                SELECT d.lead_status, d.named, d.contacts FROM contact_count_delta d
                 WHERE d.org_id = v_org) c
         WHERE (p_lead_status IS NULL OR c.lead_status = ANY (p_lead_status))
           AND (p_has_name IS NULL OR c.named = p_has_name);
    ELSE
        EXECUTE 'SELECT count(*) FROM (SELECT 1 FROM contacts k WHERE ' || v_where
                || ' LIMIT 1001) x'
           INTO v_total
           USING v_org, p_digits, p_words, p_lead_status;
    END IF;
    EXECUTE format(
        'WITH page AS (SELECT ROW(k.*)::contacts AS c, %1$s AS sort_value FROM contacts k'
        ' WHERE %2$s %3$s'
        ' ORDER BY %1$s %4$s, k.id %4$s LIMIT $7 OFFSET $8)'
        ' SELECT COALESCE(json_agg(ct_contact_json(c) ORDER BY sort_value %4$s, (c).id %4$s), ''[]''),'
        ' (SELECT CASE WHEN count(*) = $7 THEN'
        '   (SELECT %6$s || ''|'' || (p.c).id FROM page p'
        '     ORDER BY p.sort_value %5$s, (p.c).id %5$s LIMIT 1) END FROM page)'
        ' FROM page',
        v_sort.expr, v_where,
        CASE WHEN p_after_id IS NOT NULL
             THEN format('AND (%s, k.id) %s ($5::%s, $6)', v_sort.expr,
                         CASE WHEN p_desc THEN '<' ELSE '>' END, v_sort.type)
             ELSE '' END,
        v_dir, CASE WHEN p_desc THEN 'ASC' ELSE 'DESC' END,
        CASE WHEN v_sort.type = 'timestamptz'
             THEN 'CASE WHEN p.sort_value = ''-infinity'' THEN ''-infinity'' ELSE'
                  ' to_char(p.sort_value AT TIME ZONE ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.US"Z"'') END'
             ELSE 'p.sort_value::text' END)
       INTO v_rows, v_next
       USING v_org, p_digits, p_words, p_lead_status, p_after_value, p_after_id, p_limit,
             COALESCE(p_offset, 0);
    RETURN json_build_object('contacts', v_rows, 'total', v_total, 'next', v_next,
                             'country', v_country);
END
$$;

-- Every matching contact as one CSV line each (without its display
-- number: the program adds that cell, made with the org's country when
-- the contact has none stored), at most p_cap lines, in the list's order.
-- Nothing for a revoked or unknown token.
CREATE OR REPLACE FUNCTION ct_contacts_csv(p_token_hash text, p_digits text, p_words text[],
    p_lead_status text[], p_has_name boolean, p_sort text, p_desc boolean, p_cap int)
RETURNS TABLE (line text, phone text, phone_display text, country text)
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid;
    v_country text;
    v_sort record := ct_contacts_sort_expr(p_sort);
    v_dir text := CASE WHEN p_desc THEN 'DESC' ELSE 'ASC' END;
BEGIN
    IF v_sort.expr IS NULL THEN
        RAISE EXCEPTION 'invalid sort' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The org of a live token, pinned for this transaction (ct_pin_token);
    -- a revoked or unknown token sees nothing.
    v_org := ct_pin_token(p_token_hash);
    IF v_org IS NULL THEN
        RETURN;
    END IF;
    SELECT o.default_country INTO v_country FROM orgs o WHERE o.id = v_org;
    RETURN QUERY EXECUTE format(
        'SELECT concat_ws('','', ct_csv(k.id::text), ct_csv(k.phone), ct_csv(k.name),'
        ' ct_csv(k.name_source), ct_csv(k.email), ct_csv(k.lead_status), ct_csv(k.lead_score::text),'
        ' ct_csv(ct_iso(k.last_contacted_at)), ct_csv(k.call_count::text), ct_csv(ct_iso(k.last_call_at)),'
        ' ct_csv(ct_iso(k.created_at)), ct_csv(ct_iso(k.updated_at)), ct_csv(k.notes)),'
        ' k.phone, k.phone_display, $6'
        ' FROM contacts k WHERE %s ORDER BY %s %s, k.id %s LIMIT $5',
        ct_contacts_where(p_digits, p_words, p_lead_status, p_has_name),
        v_sort.expr, v_dir, v_dir)
       USING v_org, p_digits, p_words, p_lead_status, p_cap, v_country;
END
$$;

-- The contact k of org p_org in full: the contact, its calls (newest
-- first, at most 100, in the call list's shape), its hot-lead alerts
-- (newest first, at most 100), its history (oldest first, its latest
-- 1,000 changes) and the org's country.
CREATE OR REPLACE FUNCTION ct_contact_full(p_org uuid, k contacts) RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT (ct_contact_json(k)::jsonb || jsonb_build_object(
            'calls', (SELECT COALESCE(json_agg(ct_call_summary(x.w) ORDER BY (x.w).call_at DESC,
                                                                               (x.w).id DESC), '[]')
                        FROM (SELECT w FROM calls_with_caller_names w
                               WHERE w.org_id = p_org AND w.contact_id = k.id
                               ORDER BY w.call_at DESC, w.id DESC LIMIT 100) x),
            'alerts', (SELECT COALESCE(json_agg(ct_alert_json(x.a, x.w) ORDER BY (x.a).created_at DESC,
                                                                                (x.a).id DESC), '[]')
                         FROM (SELECT ROW(a.*)::hot_lead_alerts AS a, w FROM hot_lead_alerts a
                                 JOIN calls_with_caller_names w ON w.org_id = a.org_id AND w.id = a.call_id
                                WHERE a.org_id = p_org AND a.contact_id = k.id
                                ORDER BY a.created_at DESC, a.id DESC LIMIT 100) x),
            'history', (SELECT COALESCE(json_agg(json_build_object('field', h.field, 'old', h.old,
                                                                   'new', h.new, 'at', ct_iso(h.at),
                                                                   'by', h.by) ORDER BY h.id), '[]')
                          FROM (SELECT * FROM contact_history h
                                 WHERE h.org_id = p_org AND h.contact_id = k.id
                                 ORDER BY h.id DESC LIMIT 1000) h),
            'country', (SELECT o.default_country FROM orgs o WHERE o.id = p_org)))::json);
END
$$;

-- GET /api/contacts/<id>: ct_contact_full, or NULL when the token's org
-- has no such contact (or the token is revoked or unknown).
CREATE OR REPLACE FUNCTION ct_contact_detail(p_token_hash text, p_id uuid) RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid;
    k contacts;
BEGIN
    -- The org of a live token, pinned for this transaction (ct_pin_token);
    -- a revoked or unknown token sees nothing.
    v_org := ct_pin_token(p_token_hash);
    IF v_org IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT * INTO k FROM contacts c WHERE c.org_id = v_org AND c.id = p_id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN ct_contact_full(v_org, k);
END
$$;

-- The org, role and label of a live token, its org pinned for this
-- transaction; no row for a revoked or unknown token.  What the writing
-- functions below start with: the label names the change.
CREATE OR REPLACE FUNCTION ct_contacts_signin(p_token_hash text,
    OUT org_id uuid, OUT role text, OUT label text)
    RETURNS SETOF record
    LANGUAGE plpgsql
    AS $$
BEGIN
    SELECT t.org_id, t.role, t.label INTO org_id, role, label FROM ct_token_auth(p_token_hash) t;
    IF org_id IS NULL OR ct_pin_token(p_token_hash) IS DISTINCT FROM org_id THEN
        RETURN;
    END IF;
    RETURN NEXT;
END
$$;

-- PATCH /api/contacts/<id>: ct_contact_apply by the token's label; the
-- contact as it now is, with the org's country; {"error": "<field>"}
-- for a field refused, "forbidden" for a token that may not write,
-- "token" for a revoked or unknown one; NULL when the org has no such
-- contact.
CREATE OR REPLACE FUNCTION ct_contact_patch(p_token_hash text, p_id uuid, p_fields text[],
    p_name text, p_email text, p_lead_status text, p_notes text)
RETURNS json
    LANGUAGE plpgsql
    AS $$
DECLARE
    s record;
    v_result text;
    k contacts;
BEGIN
    SELECT * INTO s FROM ct_contacts_signin(p_token_hash);
    IF s.org_id IS NULL THEN
        RETURN json_build_object('error', 'token');
    ELSIF s.role NOT IN ('editor', 'admin') THEN
        RETURN json_build_object('error', 'forbidden');
    END IF;
    v_result := ct_contact_apply(p_id, s.label, p_fields, p_name, p_email, p_lead_status, p_notes);
    IF v_result = 'not_found' THEN
        RETURN NULL;
    ELSIF v_result NOT IN ('updated', 'unchanged') THEN
        RETURN json_build_object('error', v_result);
    END IF;
    SELECT * INTO k FROM contacts c WHERE c.org_id = s.org_id AND c.id = p_id;
    RETURN (ct_contact_json(k)::jsonb || jsonb_build_object('country',
        (SELECT o.default_country FROM orgs o WHERE o.id = s.org_id)))::json;
END
$$;

-- POST /api/contacts: ct_contact_add by the token's label; the new
-- contact with the org's country; {"conflict": "<id>"} when the number
-- has a contact; errors as ct_contact_patch's.
CREATE OR REPLACE FUNCTION ct_contact_create(p_token_hash text, p_phone text, p_display text,
    p_name text, p_email text, p_lead_status text)
RETURNS json
    LANGUAGE plpgsql
    AS $$
DECLARE
    s record;
    r record;
    k contacts;
BEGIN
    SELECT * INTO s FROM ct_contacts_signin(p_token_hash);
    IF s.org_id IS NULL THEN
        RETURN json_build_object('error', 'token');
    ELSIF s.role NOT IN ('editor', 'admin') THEN
        RETURN json_build_object('error', 'forbidden');
    END IF;
    SELECT * INTO r FROM ct_contact_add(p_phone, p_display, s.label, p_name, p_email, p_lead_status);
    IF r.result = 'exists' THEN
        RETURN json_build_object('conflict', r.contact_id);
    ELSIF r.result <> 'created' THEN
        RETURN json_build_object('error', r.result);
    END IF;
    SELECT * INTO k FROM contacts c WHERE c.org_id = s.org_id AND c.id = r.contact_id;
    RETURN (ct_contact_json(k)::jsonb || jsonb_build_object('country',
        (SELECT o.default_country FROM orgs o WHERE o.id = s.org_id)))::json;
END
$$;

-- The default country of the token's org (ISO 3166 alpha-2), with which
-- the program reads a number; NULL for a revoked or unknown token.
CREATE OR REPLACE FUNCTION ct_org_country(p_token_hash text) RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid := ct_pin_token(p_token_hash);
BEGIN
    RETURN (SELECT o.default_country FROM orgs o WHERE o.id = v_org);
END
$$;

-- GET /api/alerts: one page of the org's hot-lead alerts, newest first,
-- open (not acknowledged), acknowledged or all: {"alerts", "next" (the
-- last row's "<created_at>|<id>" when the page is full)}, or NULL for a
-- revoked or unknown token.
CREATE OR REPLACE FUNCTION ct_alerts_page(p_token_hash text, p_state text, p_limit int,
    p_after_value text, p_after_id uuid)
RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid;
    v_rows json;
    v_next text;
BEGIN
    IF p_state IS NULL OR p_state NOT IN ('open', 'acknowledged', 'all')
       OR p_limit NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'invalid state or limit' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The org of a live token, pinned for this transaction (ct_pin_token);
    -- a revoked or unknown token sees nothing.
    v_org := ct_pin_token(p_token_hash);
    IF v_org IS NULL THEN
        RETURN NULL;
    END IF;
    -- The state written in, so that the open alerts' partial index serves.
    EXECUTE format(
        'WITH page AS (SELECT ROW(a.*)::hot_lead_alerts AS a, w FROM hot_lead_alerts a'
        '   JOIN calls_with_caller_names w ON w.org_id = a.org_id AND w.id = a.call_id'
        '  WHERE a.org_id = $1 %s %s ORDER BY a.created_at DESC, a.id DESC LIMIT $4)'
        ' SELECT COALESCE(json_agg(ct_alert_json(p.a, p.w) ORDER BY (p.a).created_at DESC,'
        '                          (p.a).id DESC), ''[]''),'
        ' CASE WHEN count(*) = $4 THEN (SELECT to_char((q.a).created_at AT TIME ZONE ''UTC'','
        '     ''YYYY-MM-DD"T"HH24:MI:SS.US"Z"'') || ''|'' || (q.a).id FROM page q'
        '     ORDER BY (q.a).created_at, (q.a).id LIMIT 1) END'
        ' FROM page p',
        CASE p_state WHEN 'open' THEN 'AND a.acknowledged_at IS NULL'
                     WHEN 'acknowledged' THEN 'AND a.acknowledged_at IS NOT NULL'
                     ELSE '' END,
        CASE WHEN p_after_id IS NOT NULL
             THEN 'AND (a.created_at, a.id) < ($2::timestamptz, $3)' ELSE '' END)
       INTO v_rows, v_next
       USING v_org, p_after_value, p_after_id, p_limit;
    RETURN json_build_object('alerts', v_rows, 'next', v_next);
END
$$;

-- POST /api/alerts/<id>/acknowledge: the alert, acknowledged now by the
-- token's label unless it was already (then as it was: the first
-- acknowledgement stays); NULL when the org has no such alert; errors as
-- ct_contact_patch's.
CREATE OR REPLACE FUNCTION ct_alert_acknowledge(p_token_hash text, p_id uuid) RETURNS json
    LANGUAGE plpgsql
    AS $$
DECLARE
    s record;
BEGIN
    SELECT * INTO s FROM ct_contacts_signin(p_token_hash);
    IF s.org_id IS NULL THEN
        RETURN json_build_object('error', 'token');
    ELSIF s.role NOT IN ('editor', 'admin') THEN
        RETURN json_build_object('error', 'forbidden');
    END IF;
    UPDATE hot_lead_alerts a SET acknowledged_at = now(), acknowledged_by = s.label
     WHERE a.org_id = s.org_id AND a.id = p_id AND a.acknowledged_at IS NULL;
    RETURN (SELECT ct_alert_json(ROW(a.*)::hot_lead_alerts, w) FROM hot_lead_alerts a
              JOIN calls_with_caller_names w ON w.org_id = a.org_id AND w.id = a.call_id
             WHERE a.org_id = s.org_id AND a.id = p_id);
END
$$;

-- ---- Who may run what ----

GRANT EXECUTE ON FUNCTION ct_lead_next(text, boolean, boolean),
    ct_contact_history_rows(contacts, contacts, text)
    TO calltrack_app, calltrack_editor;

REVOKE ALL ON FUNCTION
    ct_contact_apply(uuid, text, text[], text, text, text, text, text),
    ct_contact_add(text, text, text, text, text, text, text),
    ct_contacts_page(text, text, text[], text[], boolean, text, boolean, int, int, text, uuid),
    ct_contacts_csv(text, text, text[], text[], boolean, text, boolean, int),
    ct_contact_full(uuid, contacts),
    ct_contact_detail(text, uuid),
    ct_contacts_signin(text),
    ct_contact_patch(text, uuid, text[], text, text, text, text),
    ct_contact_create(text, text, text, text, text, text),
    ct_org_country(text),
    ct_alerts_page(text, text, int, text, uuid),
    ct_alert_acknowledge(text, uuid)
    FROM PUBLIC, calltrack_app, calltrack_dashboard;

GRANT EXECUTE ON FUNCTION
    ct_contact_apply(uuid, text, text[], text, text, text, text, text),
    ct_contact_add(text, text, text, text, text, text, text),
    ct_contacts_page(text, text, text[], text[], boolean, text, boolean, int, int, text, uuid),
    ct_contacts_csv(text, text, text[], text[], boolean, text, boolean, int),
    ct_contact_full(uuid, contacts),
    ct_contact_detail(text, uuid),
    ct_contacts_signin(text),
    ct_contact_patch(text, uuid, text[], text, text, text, text),
    ct_contact_create(text, text, text, text, text, text),
    ct_org_country(text),
    ct_alerts_page(text, text, int, text, uuid),
    ct_alert_acknowledge(text, uuid),
    -- What those call.
    ct_current_org(), ct_iso(timestamptz), ct_csv(text), ct_is_real_name(text),
    ct_contact_json(contacts), ct_alert_json(hot_lead_alerts, calls_with_caller_names),
    ct_call_summary(calls_with_caller_names),
    ct_contacts_where(text, text[], text[], boolean), ct_contacts_sort_expr(text),
    ct_fold(text), ct_name_suffixes(text), ct_phone_suffixes(text), ct_like_unescape(text),
    ct_search_where(text, text[], text), ct_search_words(text[], boolean),
    ct_search_word(text, int)
    TO calltrack_editor;
