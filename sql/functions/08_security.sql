-- 08_security.sql: row-level security and the program role's grants.
--
-- RLS is enabled and forced on every org table, so even the owner is
-- filtered unless it is a superuser or has BYPASSRLS (the administrator's
-- role).  Policies read the per-transaction setting calltrack.org_id; an
-- empty setting matches nothing.  Two narrow policies let the programs find
-- the one row they can name before the org is known: an integration by its
-- webhook slug, a token by its hash.
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
    USING (id = ct_current_org()) WITH CHECK (id = ct_current_org());

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['api_tokens', 'integrations', 'contacts', 'calls',
                             'call_events', 'call_sessions', 'hot_lead_alerts']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS org_isolation ON %I', t);
        EXECUTE format('CREATE POLICY org_isolation ON %I USING (org_id = ct_current_org()) '
                       'WITH CHECK (org_id = ct_current_org())', t);
    END LOOP;
END
$$;

-- rejected_events: an org reads its own; rows of unknown integrations
-- (org_id NULL) are written with no org pinned and read by administrators.
ALTER TABLE rejected_events ENABLE ROW LEVEL SECURITY;

ALTER TABLE rejected_events FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS org_isolation ON rejected_events;
CREATE POLICY org_isolation ON rejected_events
    USING (org_id = ct_current_org())
    WITH CHECK (org_id IS NOT DISTINCT FROM ct_current_org());

DROP POLICY IF EXISTS by_slug ON integrations;
CREATE POLICY by_slug ON integrations FOR SELECT
    USING (id = current_setting('calltrack.integration_id', true));

DROP POLICY IF EXISTS by_hash ON api_tokens;
CREATE POLICY by_hash ON api_tokens FOR SELECT
    USING (token_hash = current_setting('calltrack.token_hash', true));

DROP POLICY IF EXISTS by_hash_touch ON api_tokens;
CREATE POLICY by_hash_touch ON api_tokens FOR UPDATE
    USING (token_hash = current_setting('calltrack.token_hash', true));

ALTER TABLE call_rollup ENABLE ROW LEVEL SECURITY;

ALTER TABLE call_rollup FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS org_isolation ON call_rollup;
CREATE POLICY org_isolation ON call_rollup USING (org_id = ct_current_org());

ALTER TABLE call_rollup_delta ENABLE ROW LEVEL SECURITY;

ALTER TABLE call_rollup_delta FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS org_isolation ON call_rollup_delta;
CREATE POLICY org_isolation ON call_rollup_delta USING (org_id = ct_current_org())
    WITH CHECK (org_id = ct_current_org());

ALTER TABLE call_event_duplicates ENABLE ROW LEVEL SECURITY;

ALTER TABLE call_event_duplicates FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS org_isolation ON call_event_duplicates;
CREATE POLICY org_isolation ON call_event_duplicates USING (org_id = ct_current_org())
    WITH CHECK (org_id = ct_current_org());

ALTER TABLE contact_name_trigrams ENABLE ROW LEVEL SECURITY;

ALTER TABLE contact_name_trigrams FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS org_isolation ON contact_name_trigrams;
CREATE POLICY org_isolation ON contact_name_trigrams USING (org_id = ct_current_org())
    WITH CHECK (org_id = ct_current_org());

GRANT USAGE ON SCHEMA public TO calltrack_app;

GRANT SELECT ON orgs, integrations TO calltrack_app;

GRANT SELECT, UPDATE (last_used_at) ON api_tokens TO calltrack_app;

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
