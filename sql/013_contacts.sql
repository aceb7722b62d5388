-- 013_contacts.sql: contacts and leads a business can correct and fill,
-- alerts it can acknowledge, and tokens with a role.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

-- What a token may do (docs/API.md, "Dashboard API"): viewer reads,
-- editor also changes contacts and alerts, admin also manages
-- notifications and replays deliveries.  Tokens made before roles were
-- editors in all but name.
ALTER TABLE api_tokens
    ADD COLUMN role text NOT NULL DEFAULT 'editor'
        CHECK (role IN ('viewer', 'editor', 'admin'));

-- The sign-in returns the role and label with the org now (ct_token_auth).
DROP FUNCTION IF EXISTS ct_token_org(text);

-- The role of the dashboard's programs that write (contacts, the import,
-- alerts, notification destinations): calltrack_dashboard stays the
-- readers' role, which writes nothing.  Created without LOGIN, as the
-- others are; the installer grants LOGIN (and a password).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'calltrack_editor') THEN
        CREATE ROLE calltrack_editor NOLOGIN;
    END IF;
END
$$;

-- notes: a person's free text.  phone_display: the number as the org
-- reads it (national format for the org's country, international for
-- others), made by libphonenumber when the contact is written.
-- call_count and last_call_at: kept by the webhook path, so the list can
-- sort by them without counting calls.
ALTER TABLE contacts
    ADD COLUMN notes         text CHECK (length(notes) <= 4000),
    ADD COLUMN phone_display text CHECK (length(phone_display) BETWEEN 1 AND 64),
    ADD COLUMN call_count    int NOT NULL DEFAULT 0 CHECK (call_count >= 0),
    ADD COLUMN last_call_at  timestamptz;

UPDATE contacts c
   SET call_count = s.calls, last_call_at = s.last_at
  FROM (SELECT org_id, contact_id, count(*) AS calls,
               max(coalesce(started_at, first_event_at)) AS last_at
          FROM calls WHERE contact_id IS NOT NULL
         GROUP BY org_id, contact_id) s
 WHERE c.org_id = s.org_id AND c.id = s.contact_id;

-- Who acknowledged an alert: the token's label.
ALTER TABLE hot_lead_alerts
    ADD COLUMN acknowledged_by text CHECK (length(acknowledged_by) <= 200);

CREATE INDEX hot_lead_alerts_open ON hot_lead_alerts (org_id, created_at DESC, id)
    WHERE acknowledged_at IS NULL;

CREATE INDEX hot_lead_alerts_contact ON hot_lead_alerts (org_id, contact_id);

-- One row per change to a contact, by whoever made it: a token's label,
-- 'provider', 'import' or 'system' (the webhook path's own rules).
CREATE TABLE contact_history (
    org_id      uuid NOT NULL REFERENCES orgs (id),
    id          bigint GENERATED ALWAYS AS IDENTITY,
    contact_id  uuid NOT NULL,
    field       text NOT NULL CHECK (field IN ('phone', 'name', 'name_source', 'email',
                                               'lead_status', 'notes',
                                               'last_contacted_at')),
    old         text CHECK (length(old) <= 4000),
    new         text CHECK (length(new) <= 4000),
    at          timestamptz NOT NULL DEFAULT now(),
    by          text NOT NULL CHECK (length(by) BETWEEN 1 AND 200),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, contact_id) REFERENCES contacts (org_id, id)
);

CREATE INDEX contact_history_contact ON contact_history (org_id, contact_id, id);
