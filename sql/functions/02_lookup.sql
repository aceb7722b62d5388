
-- The integration named by a webhook slug with its org's settings, or no
-- row: the only way the webhooks' role reads an integration (it holds the
-- secrets).  Pins nothing; ct_apply_event pins for itself.
CREATE OR REPLACE FUNCTION ct_integration_lookup(p_id text)
RETURNS TABLE (id text, org_id uuid, provider text, secret text,
               secret_next text, public_url text, vapi_auth text,
               hmac_algorithm text, hmac_encoding text, hmac_prefix text,
               disabled boolean, default_country text, booking_tools text[],
               bearer_header text, bearer_prefix boolean,
               hmac_signature_header text, hmac_timestamp_header text,
               hmac_payload text, hmac_secret_base64 boolean)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
    SELECT i.id, i.org_id, i.provider, i.secret, i.secret_next,
           i.public_url, i.vapi_auth, i.hmac_algorithm, i.hmac_encoding,
           i.hmac_prefix, i.disabled_at IS NOT NULL, o.default_country,
           o.booking_tools, i.bearer_header, i.bearer_prefix,
           i.hmac_signature_header, i.hmac_timestamp_header, i.hmac_payload,
           i.hmac_secret_base64
      FROM integrations i JOIN orgs o ON o.id = i.org_id
     WHERE i.id = p_id
$$;

REVOKE ALL ON FUNCTION ct_integration_lookup(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ct_integration_lookup(text) TO calltrack_app;

-- The org, role and label of a live dashboard token, by the token's
-- SHA-256 (hex), and its org's default country, or no row: the
-- dashboard's sign-in.  The label names the token in a contact's history
-- (the token's id when it has none); the country is the one a number
-- typed in a search or a form is read in (ct_phone_e164, ct_phone_digits:
-- "020 7946 0018" in a British org is +442079460018).  Notes
-- the use at most once a minute, so reads stay reads, and never on a read
-- replica (which cannot write; the primary sees the token's use whenever a
-- dashboard reads there).
CREATE OR REPLACE FUNCTION ct_token_auth(p_hash text,
    OUT org_id uuid, OUT role text, OUT label text, OUT country text)
    RETURNS SETOF record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE
    v_used timestamptz;
BEGIN
    SELECT t.org_id, t.role, COALESCE(NULLIF(t.label, ''), 'token ' || t.id::text),
           o.default_country, t.last_used_at
      INTO org_id, role, label, country, v_used
      FROM api_tokens t JOIN orgs o ON o.id = t.org_id
     WHERE t.token_hash = p_hash AND t.revoked_at IS NULL;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF (v_used IS NULL OR v_used < now() - interval '1 minute') AND NOT pg_is_in_recovery() THEN
        UPDATE api_tokens SET last_used_at = now() WHERE token_hash = p_hash;
    END IF;
    RETURN NEXT;
END
$$;

REVOKE ALL ON FUNCTION ct_token_auth(text) FROM PUBLIC, calltrack_app;
GRANT EXECUTE ON FUNCTION ct_token_auth(text) TO calltrack_dashboard, calltrack_editor;
