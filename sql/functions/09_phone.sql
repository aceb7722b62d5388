-- 09_phone.sql: what the programs need to read a number as an org does.
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.

-- The default country of a live dashboard token's org, by the token's
-- SHA-256 (hex), or NULL: the country a number typed in a search is read
-- in (ct_phone_digits, lib/ingest/phone.h), so that "020 7946 0018" in a
-- British org finds +442079460018.  It looks the token up itself, as
-- ct_token_org does, and pins nothing; it notes no use (the sign-in did).
CREATE OR REPLACE FUNCTION ct_token_country(p_hash text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
    SELECT o.default_country
      FROM api_tokens t JOIN orgs o ON o.id = t.org_id
     WHERE t.token_hash = p_hash AND t.revoked_at IS NULL
$$;

REVOKE ALL ON FUNCTION ct_token_country(text) FROM PUBLIC, calltrack_app;
GRANT EXECUTE ON FUNCTION ct_token_country(text) TO calltrack_dashboard;
