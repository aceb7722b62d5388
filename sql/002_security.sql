-- 002_security.sql: row-level security and the program role's grants.
--
-- RLS is enabled and forced on every org table, so even the owner is
-- filtered unless it is a superuser or has BYPASSRLS (the administrator's
-- role).  Policies read the per-transaction setting calltrack.org_id; an
-- empty setting matches nothing.  Two narrow policies let the programs find
-- the one row they can name before the org is known: an integration by its
-- webhook slug, a token by its hash.

ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE orgs FORCE ROW LEVEL SECURITY;
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
        EXECUTE format('CREATE POLICY org_isolation ON %I USING (org_id = ct_current_org()) '
                       'WITH CHECK (org_id = ct_current_org())', t);
    END LOOP;
END
$$;

-- rejected_events: an org reads its own; rows of unknown integrations
-- (org_id NULL) are written with no org pinned and read by administrators.
ALTER TABLE rejected_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE rejected_events FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON rejected_events
    USING (org_id = ct_current_org())
    WITH CHECK (org_id IS NOT DISTINCT FROM ct_current_org());

CREATE POLICY by_slug ON integrations FOR SELECT
    USING (id = current_setting('calltrack.integration_id', true));
CREATE POLICY by_hash ON api_tokens FOR SELECT
    USING (token_hash = current_setting('calltrack.token_hash', true));
CREATE POLICY by_hash_touch ON api_tokens FOR UPDATE
    USING (token_hash = current_setting('calltrack.token_hash', true));

GRANT USAGE ON SCHEMA public TO calltrack_app;
GRANT SELECT ON orgs, integrations TO calltrack_app;
GRANT SELECT, UPDATE (last_used_at) ON api_tokens TO calltrack_app;
GRANT SELECT, INSERT, UPDATE ON contacts, calls, call_sessions, hot_lead_alerts
    TO calltrack_app;
-- The raw log is append-only: rows are added, only their outcome changes.
GRANT SELECT, INSERT ON call_events TO calltrack_app;
GRANT UPDATE (outcome, error, call_id) ON call_events TO calltrack_app;
GRANT SELECT, INSERT ON rejected_events TO calltrack_app;
GRANT SELECT ON calls_with_caller_names TO calltrack_app;
