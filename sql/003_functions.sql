-- 003_functions.sql: what the programs and the admin command call.
--
-- Each function is one statement from C (one round trip) and pins the org
-- for its own transaction with set_config(..., true), so row-level
-- security filters everything it touches.  None is SECURITY DEFINER.

-- A status never moves backwards (docs/DATA-MODEL.md "Status"): the last wall
-- behind the write path's own rule.  Terminal to terminal is allowed (a
-- provider's report replaces the sweeper's, the latest final report wins).
CREATE FUNCTION ct_calls_status_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF ct_status_rank(NEW.status) < ct_status_rank(OLD.status) THEN
        RAISE EXCEPTION 'call status cannot move from % to %', OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER calls_status_guard BEFORE UPDATE ON calls
    FOR EACH ROW EXECUTE FUNCTION ct_calls_status_guard();

-- The integration named by a webhook slug with its org's settings, or no
-- row.  Pins the slug, then the org, for the rest of the transaction.
CREATE FUNCTION ct_integration_lookup(p_id text)
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

-- The org of a live dashboard token, by the token's SHA-256 (hex), or
-- NULL.  Notes the use at most once a minute, so reads stay reads.
CREATE FUNCTION ct_token_org(p_hash text) RETURNS uuid
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
    IF v_org IS NOT NULL AND (v_used IS NULL OR v_used < now() - interval '1 minute') THEN
        UPDATE api_tokens SET last_used_at = now() WHERE token_hash = p_hash;
    END IF;
    RETURN v_org;
END
$$;

-- Records one verified callback in the raw log.  A second delivery with
-- the same dedup key changes nothing and reports 'duplicate'.
CREATE FUNCTION ct_record_event(p_org uuid, p_integration text, p_provider text,
                                p_provider_call_id text, p_event_type text,
                                p_dedup_key text, p_payload bytea,
                                p_content_type text, p_outcome text, p_error text)
RETURNS TABLE (outcome text, event_id bigint, call_id uuid)
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM set_config('calltrack.org_id', p_org::text, true);
    INSERT INTO call_events AS e (org_id, integration_id, provider, provider_call_id,
                                  event_type, dedup_key, payload, content_type,
                                  outcome, error)
    VALUES (p_org, p_integration, p_provider, p_provider_call_id, p_event_type,
            p_dedup_key, p_payload, p_content_type, p_outcome, p_error)
    ON CONFLICT (org_id, dedup_key) DO NOTHING
    RETURNING e.id INTO v_id;
    IF v_id IS NULL THEN
        RETURN QUERY
            SELECT 'duplicate'::text, e.id, e.call_id
              FROM call_events e
             WHERE e.org_id = p_org AND e.dedup_key = p_dedup_key;
        RETURN;
    END IF;
    RETURN QUERY SELECT p_outcome, v_id, NULL::uuid;
END
$$;

-- Keeps a refused request for forensics.  p_org is NULL when the
-- integration was unknown; the body is stored up to the caller's cap.
-- Returns nothing: with no org pinned the new row is not readable back.
CREATE FUNCTION ct_record_rejection(p_org uuid, p_integration text, p_provider text,
                                    p_http_status int, p_reason text, p_detail text,
                                    p_method text, p_path text, p_content_type text,
                                    p_body bytea, p_body_size bigint,
                                    p_body_sha256 text, p_truncated boolean)
RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM set_config('calltrack.org_id', COALESCE(p_org::text, ''), true);
    INSERT INTO rejected_events (org_id, integration_id, provider, http_status, reason,
                                 detail, method, path, content_type, body, body_size,
                                 body_sha256, body_truncated)
    VALUES (p_org, p_integration, p_provider, p_http_status, p_reason, p_detail,
            p_method, p_path, p_content_type, p_body, p_body_size, p_body_sha256,
            p_truncated);
END
$$;

-- Closes calls whose final callback never came (docs/DATA-MODEL.md "Stuck
-- calls"): open calls whose last event is older than their org's limit
-- become 'failed' when never answered, 'completed' when answered, with
-- ended_reason 'no-final-report' and status_source 'sweeper'.  Sees what
-- the caller may see: every org for the administrator, the pinned org for
-- the program role.  Returns the number of calls closed.
CREATE FUNCTION ct_sweep(p_now timestamptz DEFAULT now()) RETURNS int
    LANGUAGE sql
    AS $$
    WITH closed AS (
        UPDATE calls c
           SET status = CASE WHEN c.status = 'in-progress' THEN 'completed'
                             ELSE 'failed' END,
               status_source = 'sweeper',
               ended_reason = 'no-final-report',
               ended_at = COALESCE(c.ended_at, c.last_event_at)
          FROM orgs o
         WHERE o.id = c.org_id
           AND c.status IN ('queued', 'ringing', 'in-progress')
           AND c.last_event_at < p_now - make_interval(mins =>
                   CASE WHEN c.status = 'in-progress' THEN o.stuck_answered_minutes
                        ELSE o.stuck_unanswered_minutes END)
        RETURNING 1)
    SELECT count(*)::int FROM closed
$$;

GRANT EXECUTE ON FUNCTION ct_current_org(), ct_is_timezone(text), ct_is_real_name(text),
    ct_status_rank(text), ct_integration_lookup(text), ct_token_org(text),
    ct_record_event(uuid, text, text, text, text, text, bytea, text, text, text),
    ct_record_rejection(uuid, text, text, int, text, text, text, text, text, bytea,
                        bigint, text, boolean),
    ct_sweep(timestamptz)
    TO calltrack_app;
