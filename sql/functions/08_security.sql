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

ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;

ALTER TABLE orgs FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS org_isolation ON orgs;
CREATE POLICY org_isolation ON orgs
    USING (id = (SELECT ct_current_org())) WITH CHECK (id = (SELECT ct_current_org()));

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['api_tokens', 'integrations', 'contacts', 'calls',
                             'call_events', 'call_sessions', 'hot_lead_alerts',
                             'contact_history', 'notification_destinations',
                             'notifications', 'notification_attempts']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS org_isolation ON %I', t);
        EXECUTE format('CREATE POLICY org_isolation ON %I USING (org_id = (SELECT ct_current_org())) '
                       'WITH CHECK (org_id = (SELECT ct_current_org()))', t);
    END LOOP;
END
$$;

-- rejected_events: an org reads its own; rows of unknown integrations
-- (org_id NULL) are written with no org pinned and read by administrators.
ALTER TABLE rejected_events ENABLE ROW LEVEL SECURITY;

ALTER TABLE rejected_events FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS org_isolation ON rejected_events;
CREATE POLICY org_isolation ON rejected_events
    USING (org_id = (SELECT ct_current_org()))
    WITH CHECK (org_id IS NOT DISTINCT FROM (SELECT ct_current_org()));




ALTER TABLE call_rollup ENABLE ROW LEVEL SECURITY;

ALTER TABLE call_rollup FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS org_isolation ON call_rollup;
CREATE POLICY org_isolation ON call_rollup USING (org_id = (SELECT ct_current_org()));

ALTER TABLE call_rollup_delta ENABLE ROW LEVEL SECURITY;

ALTER TABLE call_rollup_delta FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS org_isolation ON call_rollup_delta;
CREATE POLICY org_isolation ON call_rollup_delta USING (org_id = (SELECT ct_current_org()))
    WITH CHECK (org_id = (SELECT ct_current_org()));

ALTER TABLE call_event_duplicates ENABLE ROW LEVEL SECURITY;

ALTER TABLE call_event_duplicates FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS org_isolation ON call_event_duplicates;
CREATE POLICY org_isolation ON call_event_duplicates USING (org_id = (SELECT ct_current_org()))
    WITH CHECK (org_id = (SELECT ct_current_org()));

ALTER TABLE contact_name_trigrams ENABLE ROW LEVEL SECURITY;

ALTER TABLE contact_name_trigrams FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS org_isolation ON contact_name_trigrams;
CREATE POLICY org_isolation ON contact_name_trigrams USING (org_id = (SELECT ct_current_org()))
    WITH CHECK (org_id = (SELECT ct_current_org()));

GRANT USAGE ON SCHEMA public TO calltrack_app;

GRANT SELECT ON orgs TO calltrack_app;


GRANT SELECT, INSERT, UPDATE ON contacts, calls, call_sessions, hot_lead_alerts
    TO calltrack_app;

-- The raw log is append-only: rows are added, only their outcome changes.
GRANT SELECT, INSERT ON call_events TO calltrack_app;

GRANT UPDATE (outcome, error, call_id) ON call_events TO calltrack_app;

GRANT SELECT, INSERT ON rejected_events TO calltrack_app;

GRANT SELECT ON call_rollup TO calltrack_app;

GRANT SELECT, INSERT ON call_rollup_delta TO calltrack_app;

GRANT SELECT, INSERT ON call_event_duplicates TO calltrack_app;

GRANT SELECT, INSERT, DELETE ON contact_name_trigrams TO calltrack_app;

-- The dashboard (calltrack_dashboard): what its functions read, and no
-- more.  No integrations, no tokens (ct_token_auth and ct_pin_token look
-- them up), no raw payloads, no writes.
GRANT USAGE ON SCHEMA public TO calltrack_dashboard;

GRANT SELECT ON orgs, calls, contacts, hot_lead_alerts, call_rollup, call_rollup_delta,
    contact_name_trigrams
    TO calltrack_dashboard;

GRANT SELECT (org_id, id, call_id, event_type, received_at, outcome, error) ON call_events
    TO calltrack_dashboard;

-- The dashboard's writers (calltrack_editor): contacts, the import,
-- alerts, notification destinations.  Each grant below names what its
-- route writes; it reads no integration, no token and no raw payload.
GRANT USAGE ON SCHEMA public TO calltrack_editor;

-- call_analysis_values (018): the webhook path keeps it by a trigger on
-- calls; the dashboard's list reads it for analysis.<key>=<value>.
ALTER TABLE call_analysis_values ENABLE ROW LEVEL SECURITY;

ALTER TABLE call_analysis_values FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS org_isolation ON call_analysis_values;
CREATE POLICY org_isolation ON call_analysis_values USING (org_id = (SELECT ct_current_org()))
    WITH CHECK (org_id = (SELECT ct_current_org()));

GRANT SELECT, INSERT, DELETE ON call_analysis_values TO calltrack_app;

GRANT SELECT ON call_analysis_values TO calltrack_dashboard;
