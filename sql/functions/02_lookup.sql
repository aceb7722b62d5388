-- 02_lookup.sql: what a program looks up before it knows the org: an
-- integration by its webhook slug, a token by its hash.
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.

-- The integration named by a webhook slug with its org's settings, or no
-- row.  Pins the slug, then the org, for the rest of the transaction.
CREATE OR REPLACE FUNCTION ct_integration_lookup(p_id text)
RETURNS TABLE (id text, org_id uuid, provider text, secret text,
               secret_next text, public_url text, vapi_auth text,
               hmac_algorithm text, hmac_encoding text, hmac_prefix text,
               disabled boolean, default_country text, timezone text,
               hot_lead_threshold int, booking_tools text[])
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_org uuid;
BEGIN
    PERFORM set_config('calltrack.integration_id', p_id, true);
    SELECT i.org_id INTO v_org FROM integrations i WHERE i.id = p_id;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM set_config('calltrack.org_id', v_org::text, true);
    RETURN QUERY
        SELECT i.id, i.org_id, i.provider, i.secret, i.secret_next,
               i.public_url, i.vapi_auth, i.hmac_algorithm, i.hmac_encoding,
               i.hmac_prefix, i.disabled_at IS NOT NULL, o.default_country,
               o.timezone, o.hot_lead_threshold, o.booking_tools
          FROM integrations i JOIN orgs o ON o.id = i.org_id
         WHERE i.id = p_id;
END
$$;

GRANT EXECUTE ON FUNCTION ct_integration_lookup(text) TO calltrack_app;

-- A token's org.  On a read replica (the dashboard's CALLTRACK_DB_READ)
-- last_used_at is left alone: a replica cannot write, and the primary
-- sees the token's use whenever a dashboard reads there.
CREATE OR REPLACE FUNCTION ct_token_org(p_hash text) RETURNS uuid
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_org uuid;
    v_used timestamptz;
BEGIN
    PERFORM set_config('calltrack.token_hash', p_hash, true);
    SELECT t.org_id, t.last_used_at INTO v_org, v_used
      FROM api_tokens t
     WHERE t.token_hash = p_hash AND t.revoked_at IS NULL;
    IF v_org IS NOT NULL AND (v_used IS NULL OR v_used < now() - interval '1 minute')
       AND NOT pg_is_in_recovery() THEN
        UPDATE api_tokens SET last_used_at = now() WHERE token_hash = p_hash;
    END IF;
    RETURN v_org;
END
$$;

GRANT EXECUTE ON FUNCTION ct_token_org(text) TO calltrack_app;
