-- 08_security.sql: row-level security and the programs' roles' grants.
--
-- RLS is enabled and forced on every org table, so even the owner is
-- filtered unless it is a superuser or has BYPASSRLS (the administrator's
-- role).  Policies compare with the org of the transaction's pin, checked
-- once per statement ((SELECT ct_current_org()), sql/functions/01_base.sql);
-- no pin matches nothing.  What a program looks up before it knows the
-- org (an integration by slug, a token by hash) it looks up through a
-- SECURITY DEFINER function, never a policy.  calltrack_app is the
-- webhooks' role, calltrack_dashboard the dashboard's: it reads what the
-- dashboard shows and writes nothing.
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.

-- Row-level security on an org's table, with its one policy: p_using and
-- p_check, where $pin stands for the pinned org.  On one PostgreSQL that
-- is (SELECT ct_current_org()), an InitPlan run once per statement;
-- Citus takes no subquery in a policy of a distributed or reference
-- table, and there it is the call, evaluated where the shard is.
CREATE OR REPLACE FUNCTION ct_org_policy(p_table regclass, p_using text, p_check text)
RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_pin text := CASE WHEN ct_on_citus() THEN 'ct_current_org()' ELSE '(SELECT ct_current_org())' END;
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', p_table);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', p_table);
    EXECUTE format('DROP POLICY IF EXISTS org_isolation ON %s', p_table);
    EXECUTE format('CREATE POLICY org_isolation ON %s USING (%s) WITH CHECK (%s)', p_table,
                   replace(p_using, '$pin', v_pin), replace(p_check, '$pin', v_pin));
END
$$;

REVOKE ALL ON FUNCTION ct_org_policy(regclass, text, text) FROM PUBLIC;

SELECT ct_org_policy('orgs', 'id = $pin', 'id = $pin');

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['api_tokens', 'integrations', 'contacts', 'calls',
                             'call_events', 'call_sessions', 'hot_lead_alerts',
                             'contact_history', 'notification_destinations',
                             'notifications', 'notification_attempts']
    LOOP
        PERFORM ct_org_policy(t::regclass, 'org_id = $pin', 'org_id = $pin');
    END LOOP;
END
$$;

-- rejected_events: an org reads its own; rows of unknown integrations
-- (org_id NULL) are written with no org pinned and read by administrators.
SELECT ct_org_policy('rejected_events', 'org_id = $pin', 'org_id IS NOT DISTINCT FROM $pin');

SELECT ct_org_policy('call_rollup', 'org_id = $pin', 'org_id = $pin');

SELECT ct_org_policy('call_rollup_total', 'org_id = $pin', 'org_id = $pin');

SELECT ct_org_policy('call_rollup_delta', 'org_id = $pin', 'org_id = $pin');

SELECT ct_org_policy('call_event_duplicates', 'org_id = $pin', 'org_id = $pin');

SELECT ct_org_policy('contact_name_suffixes', 'org_id = $pin', 'org_id = $pin');

SELECT ct_org_policy('contact_phone_suffixes', 'org_id = $pin', 'org_id = $pin');

SELECT ct_org_policy('contact_counts', 'org_id = $pin', 'org_id = $pin');

SELECT ct_org_policy('contact_count_delta', 'org_id = $pin', 'org_id = $pin');

GRANT USAGE ON SCHEMA public TO calltrack_app;

GRANT SELECT ON orgs TO calltrack_app;


GRANT SELECT, INSERT, UPDATE ON contacts, calls, call_sessions, hot_lead_alerts
    TO calltrack_app;

-- The raw log is append-only: rows are added, only their outcome changes.
GRANT SELECT, INSERT ON call_events TO calltrack_app;

GRANT UPDATE (outcome, error, call_id) ON call_events TO calltrack_app;

GRANT SELECT, INSERT ON rejected_events TO calltrack_app;

GRANT SELECT ON call_rollup, call_rollup_total TO calltrack_app;

GRANT SELECT, INSERT ON call_rollup_delta TO calltrack_app;

GRANT SELECT, INSERT ON call_event_duplicates TO calltrack_app;

GRANT SELECT, INSERT, DELETE ON contact_name_suffixes TO calltrack_app;

GRANT SELECT, INSERT ON contact_phone_suffixes TO calltrack_app;

-- A new contact, or a lead moved on, is counted (09_contacts.sql).
GRANT INSERT ON contact_count_delta TO calltrack_app;

-- The dashboard (calltrack_dashboard): what its functions read, and no
-- more.  No integrations, no tokens (ct_token_auth and ct_pin_token look
-- them up), no raw payloads, no writes.
GRANT USAGE ON SCHEMA public TO calltrack_dashboard;

GRANT SELECT ON orgs, calls, contacts, hot_lead_alerts, call_rollup, call_rollup_total,
    call_rollup_delta, contact_name_suffixes, contact_phone_suffixes
    TO calltrack_dashboard;

GRANT SELECT (org_id, id, call_id, event_type, received_at, outcome, error) ON call_events
    TO calltrack_dashboard;

-- The dashboard's writers (calltrack_editor): contacts, the import,
-- alerts, notification destinations.  Each grant below names what its
-- route writes; it reads no integration, no token and no raw payload.
GRANT USAGE ON SCHEMA public TO calltrack_editor;

-- Notification destinations and their deliveries (dashboard-notify, by
-- an admin token; 11_notify_admin.sql): a destination's columns but its
-- secrets (secret, secret_next, smtp_password are written, never read
-- back: only the sender reads them), its events and enabled flag
-- changed, the destination removed (its messages and their attempts go
-- with it, by 014's cascades, which run as the owner); a test message
-- added, a failed one made pending again; the attempts read.
GRANT SELECT (org_id, id, kind, url, events, mail_to, mail_from, smtp_user, enabled, created_at),
    INSERT (org_id, kind, url, events, secret, mail_to, mail_from, smtp_user, smtp_password),
    UPDATE (events, enabled), DELETE
    ON notification_destinations TO calltrack_editor;

GRANT SELECT (org_id, id, destination_id, event, call_id, webhook_id, state, next_attempt_at,
              created_at),
    INSERT (org_id, destination_id, event, subject), UPDATE (state, next_attempt_at)
    ON notifications TO calltrack_editor;

GRANT SELECT (org_id, notification_id, id, at, status, error) ON notification_attempts
    TO calltrack_editor;

-- The contacts' writers: dashboard-contacts (GET, PATCH and POST of
-- /api/contacts, /api/alerts) and dashboard-import (POST
-- /api/contacts/import, sql/functions/12_import.sql).  A contact's list,
-- page and CSV read contacts, their calls (through the view), alerts,
-- history and name ends, and the org's country; a change writes the
-- fields a person may set and the name of who set them (changed_by), and
-- the triggers write its history and name ends, as the caller; an alert
-- is acknowledged.  The webhooks' writes of a contact are history too.
GRANT EXECUTE ON FUNCTION ct_current_org() TO calltrack_editor;

GRANT SELECT (id, default_country) ON orgs TO calltrack_editor;

GRANT SELECT ON contacts, calls, hot_lead_alerts, contact_history, contact_name_suffixes,
    contact_phone_suffixes, calls_with_caller_names
    TO calltrack_editor;

GRANT INSERT (org_id, phone, phone_display, name, name_source, email, lead_status, changed_by)
    ON contacts TO calltrack_editor;

GRANT UPDATE (name, name_source, email, lead_status, notes, changed_by, updated_at) ON contacts
    TO calltrack_editor;

GRANT INSERT ON contact_history TO calltrack_editor, calltrack_app;

GRANT INSERT, DELETE ON contact_name_suffixes TO calltrack_editor;

GRANT INSERT ON contact_phone_suffixes TO calltrack_editor;

GRANT SELECT ON contact_counts TO calltrack_editor;

GRANT SELECT, INSERT ON contact_count_delta TO calltrack_editor;

GRANT UPDATE (acknowledged_at, acknowledged_by) ON hot_lead_alerts TO calltrack_editor;

-- Notifications (10_notify.sql).  The webhooks (calltrack_app) write what
-- an event notifies: they find the org's destinations subscribed to it
-- (neither target nor secret) and add messages to the outbox.
GRANT SELECT (org_id, id, events, enabled) ON notification_destinations TO calltrack_app;

-- The outbox's unique key is read to skip a message already there (ON
-- CONFLICT names it).
GRANT SELECT (org_id, destination_id, event, subject), INSERT (org_id, destination_id, event, subject, call_id)
    ON notifications TO calltrack_app;

-- The sender (calltrack_notify, BYPASSRLS: it spans orgs) reads the
-- destinations with their secrets, the outbox, and what a message says
-- (calls, contacts, alerts, the org's zone); it writes the digests, the
-- messages' state and their attempts, and nothing else.
GRANT USAGE ON SCHEMA public TO calltrack_notify;

GRANT SELECT ON notification_destinations, notifications, orgs, calls, contacts,
    hot_lead_alerts, calls_with_caller_names
    TO calltrack_notify;

GRANT INSERT (org_id, destination_id, event, subject, data) ON notifications TO calltrack_notify;

GRANT UPDATE (state, attempts, next_attempt_at, leased_until, delivered_at) ON notifications
    TO calltrack_notify;

GRANT INSERT (org_id, notification_id, status, error, duration_ms) ON notification_attempts
    TO calltrack_notify;

-- call_analysis_values (018): the webhook path keeps it by a trigger on
-- calls; the dashboard's list reads it for analysis.<key>=<value>.
SELECT ct_org_policy('call_analysis_values', 'org_id = $pin', 'org_id = $pin');

GRANT SELECT, INSERT, DELETE ON call_analysis_values TO calltrack_app;

GRANT SELECT ON call_analysis_values TO calltrack_dashboard;

-- Ingestion health (dashboard-ingest, as calltrack_editor; sql/functions/
-- 14_ingest_health.sql): what the org's deliveries were and what became
-- of its calls, never a raw body (no call_events.payload, no
-- rejected_events.body or detail: an admin token gets a body through
-- ct_ingest_payload) and no integration's secrets.  The drain marks what
-- came through the spool.
GRANT SELECT (id, timezone, stuck_unanswered_minutes, stuck_answered_minutes) ON orgs
    TO calltrack_editor;

GRANT SELECT ON call_event_duplicates TO calltrack_editor;

GRANT SELECT (org_id, id, provider, created_at, disabled_at) ON integrations TO calltrack_editor;

GRANT SELECT (org_id, id, provider, provider_call_id, status, status_source, ended_at,
              last_event_at, updated_at, final_report_at) ON calls TO calltrack_editor;

GRANT SELECT (org_id, id, integration_id, provider, provider_call_id, call_id, event_type,
              received_at, content_type, outcome, error, spooled) ON call_events
    TO calltrack_editor;

GRANT SELECT (org_id, id, integration_id, provider, received_at, http_status, reason,
              content_type, body_size, body_sha256, body_truncated) ON rejected_events
    TO calltrack_editor;

GRANT UPDATE (spooled) ON call_events TO calltrack_app;

-- Reconciliation (023, sql/functions/16_reconcile.sql): the sweeper asks
-- as the administrator, who reads the integrations' API keys; no program
-- role is granted api_key or api_account_sid.  Ingestion health reads
-- whether a key is set and the org's attempts.
SELECT ct_org_policy('reconcile_attempts', 'org_id = $pin', 'org_id = $pin');

GRANT SELECT (org_id, id, provider, created_at, disabled_at, api_key_set_at) ON integrations
    TO calltrack_editor;

GRANT SELECT (org_id, id, call_id, integration_id, at, http_status, outcome) ON reconcile_attempts
    TO calltrack_editor;

-- The legs of a call (022; sql/functions/15_legs.sql): the webhook path
-- finds a call through them and records each event's; the dashboard's
-- detail lists them, with the session the agent's backend stored
-- (dashboard-sessions writes it through ct_session_put, as the owner).
SELECT ct_org_policy('call_legs', 'org_id = $pin', 'org_id = $pin');

GRANT SELECT, INSERT, UPDATE (sequence, seen_at) ON call_legs TO calltrack_app;

GRANT SELECT ON call_legs, call_sessions TO calltrack_dashboard;
