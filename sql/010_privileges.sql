-- 010_privileges.sql: the org a transaction sees is pinned only by a
-- verified credential, and each kind of program has the least it needs.
--
-- Until now every function pinned the org it was given with a bare
-- set_config('calltrack.org_id', …), and the policies trusted that
-- setting, so any session of the programs' role could read or write any
-- org by setting it.  Now:
--
-- - The pin is calltrack.pin = '<org>:<mac>', where mac is an HMAC, under
--   a key only the owner can read (pin_key), of the org, the backend's pid
--   and the transaction's start: a value seen in one transaction or
--   session is refused in any other, and none can be made without the
--   key.  Only two SECURITY DEFINER functions make one, each from a
--   credential: ct_pin_integration (a webhook's integration slug) and
--   ct_pin_token (a dashboard token's SHA-256).  ct_current_org() checks
--   the pin; the policies compare with (SELECT ct_current_org()), an
--   InitPlan run once per statement, so index scans are unchanged.
-- - The functions the programs call take the credential, not the org:
--   ct_apply_event and ct_record_rejection the slug, the dashboard's the
--   token's hash.  Helpers that still take an org (ct_apply_event_once,
--   ct_calls_total, ct_counts_*) run as the caller, under the policies:
--   any org but the pinned one shows them nothing.
-- - calltrack_dashboard, the dashboard programs' role, reads what the
--   dashboard shows and nothing else: no integrations, no raw payloads,
--   no writes.  calltrack_app, the webhooks' role, reads integrations
--   only through ct_integration_lookup.  Neither reads api_tokens.
-- - What spans orgs (ct_sweep, ct_rollup_fold, ct_rollup_rebuild,
--   ct_ingest_stats, calltrack-admin) is the owner's alone: it bypasses
--   row-level security.

-- hmac() and gen_random_bytes(); a trusted extension (PostgreSQL 13 and
-- later): the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- The pin functions run as the owner and look credentials up before any
-- org is pinned: under FORCE ROW LEVEL SECURITY only an owner that
-- bypasses it finds them (INSTALL, 3).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles
                    WHERE rolname = current_user AND (rolsuper OR rolbypassrls)) THEN
        RAISE EXCEPTION 'the role that runs the migrations must have BYPASSRLS';
    END IF;
END
$$;

-- The role the dashboard programs connect as.  Created without LOGIN, as
-- calltrack_app is; the installer grants LOGIN (and a password).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'calltrack_dashboard') THEN
        CREATE ROLE calltrack_dashboard NOLOGIN;
    END IF;
END
$$;

-- The pin's key: one row of random bytes, readable by the owner only.
-- Replicas have the same key, so a pin made there checks there.
CREATE TABLE pin_key (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    key     bytea NOT NULL CHECK (length(key) = 32)
);
INSERT INTO pin_key (key) VALUES (gen_random_bytes(32));
REVOKE ALL ON pin_key FROM PUBLIC, calltrack_app, calltrack_dashboard;

-- The MAC of a pin of p_org, under p_key, for this backend and this
-- transaction.  The time is written as seconds since the epoch, which no
-- session setting changes.  Its names are bound here (a SQL-standard
-- body), and it is inlined where it is called; only the owner may call
-- it, and only the owner can read the key it needs.
CREATE FUNCTION ct_pin_mac(p_org uuid, p_key bytea) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL RESTRICTED
    RETURN hmac(convert_to(p_org::text || ':' || pg_backend_pid()::text || ':'
                           || extract(epoch FROM now())::text, 'UTF8'), p_key, 'sha256');
REVOKE ALL ON FUNCTION ct_pin_mac(uuid, bytea) FROM PUBLIC;

-- The org pinned for this transaction by ct_pin_integration or
-- ct_pin_token, or NULL: no pin, a malformed one, or one made for another
-- org, backend or transaction (or by anything but those two) matches no
-- row.  The policies call it once per statement and table, so it is
-- cheap: no regular expression, no query with parameters (each would
-- cost more than the rest together).  The MACs are compared over all
-- their bits (XOR, then a count), so the time taken does not depend on
-- where they differ.  Parallel restricted: a parallel worker has a pid of
-- its own.
CREATE OR REPLACE FUNCTION ct_current_org() RETURNS uuid
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE
    v_pin text := current_setting('calltrack.pin', true);
    v_key bytea;
BEGIN
    -- '<org, lowercase>:<64 hex digits>'.
    IF length(v_pin) IS DISTINCT FROM 101
       OR translate(v_pin, '0123456789abcdef', '0000000000000000')
          <> '00000000-0000-0000-0000-000000000000:' || repeat('0', 64) THEN
        RETURN NULL;
    END IF;
    SELECT k.key INTO v_key FROM pin_key k;
    IF bit_count(('x' || right(v_pin, 64))::bit(256)
                 # ('x' || encode(ct_pin_mac(left(v_pin, 36)::uuid, v_key), 'hex'))::bit(256)) = 0 THEN
        RETURN left(v_pin, 36)::uuid;
    END IF;
    RETURN NULL;
END
$$;

-- Pins the org of the integration named by a webhook slug for the rest of
-- the transaction and returns it; an unknown slug (or NULL) clears the
-- pin and returns NULL.  The webhooks' role only: the slug is what the
-- program verified the request's signature for.
CREATE FUNCTION ct_pin_integration(p_slug text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE
    v_org uuid;
    v_key bytea;
BEGIN
    SELECT i.org_id INTO v_org FROM integrations i WHERE i.id = p_slug;
    SELECT k.key INTO v_key FROM pin_key k;
    PERFORM set_config('calltrack.pin', CASE WHEN v_org IS NULL THEN ''
        ELSE v_org::text || ':' || encode(ct_pin_mac(v_org, v_key), 'hex') END, true);
    RETURN v_org;
END
$$;

-- Pins the org of a live (not revoked) dashboard token, by the token's
-- SHA-256 (hex), for the rest of the transaction and returns it; any
-- other hash clears the pin and returns NULL.  The dashboard's role only.
CREATE FUNCTION ct_pin_token(p_hash text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE
    v_org uuid;
    v_key bytea;
BEGIN
    SELECT t.org_id INTO v_org FROM api_tokens t
     WHERE t.token_hash = p_hash AND t.revoked_at IS NULL;
    SELECT k.key INTO v_key FROM pin_key k;
    PERFORM set_config('calltrack.pin', CASE WHEN v_org IS NULL THEN ''
        ELSE v_org::text || ':' || encode(ct_pin_mac(v_org, v_key), 'hex') END, true);
    RETURN v_org;
END
$$;

-- The policies: the checked pin, once per statement.  The lookups by slug
-- and by hash are the SECURITY DEFINER functions' now.
DROP POLICY by_slug ON integrations;
DROP POLICY by_hash ON api_tokens;
DROP POLICY by_hash_touch ON api_tokens;
ALTER POLICY org_isolation ON orgs
    USING (id = (SELECT ct_current_org())) WITH CHECK (id = (SELECT ct_current_org()));
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['api_tokens', 'integrations', 'contacts', 'calls', 'call_events',
                             'call_sessions', 'hot_lead_alerts', 'call_rollup_delta',
                             'call_event_duplicates', 'contact_name_trigrams']
    LOOP
        EXECUTE format('ALTER POLICY org_isolation ON %I USING (org_id = (SELECT ct_current_org()))'
                       ' WITH CHECK (org_id = (SELECT ct_current_org()))', t);
    END LOOP;
END
$$;
ALTER POLICY org_isolation ON call_rollup USING (org_id = (SELECT ct_current_org()));
ALTER POLICY org_isolation ON rejected_events
    USING (org_id = (SELECT ct_current_org()))
    WITH CHECK (org_id IS NOT DISTINCT FROM (SELECT ct_current_org()));

-- The integration named by a webhook slug with its org's settings, or no
-- row: the only way the webhooks' role reads an integration (it holds the
-- secrets).  Pins nothing; ct_apply_event pins for itself.
CREATE OR REPLACE FUNCTION ct_integration_lookup(p_id text)
RETURNS TABLE (id text, org_id uuid, provider text, secret text,
               secret_next text, public_url text, vapi_auth text,
               hmac_algorithm text, hmac_encoding text, hmac_prefix text,
               disabled boolean, default_country text, timezone text,
               hot_lead_threshold int, booking_tools text[])
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
    SELECT i.id, i.org_id, i.provider, i.secret, i.secret_next,
           i.public_url, i.vapi_auth, i.hmac_algorithm, i.hmac_encoding,
           i.hmac_prefix, i.disabled_at IS NOT NULL, o.default_country,
           o.timezone, o.hot_lead_threshold, o.booking_tools
      FROM integrations i JOIN orgs o ON o.id = i.org_id
     WHERE i.id = p_id
$$;

-- The org of a live dashboard token, by the token's SHA-256 (hex), or
-- NULL: the dashboard's sign-in.  Notes the use at most once a minute, so
-- reads stay reads, and never on a read replica (which cannot write; the
-- primary sees the token's use whenever a dashboard reads there).
CREATE OR REPLACE FUNCTION ct_token_org(p_hash text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE
    v_org uuid;
    v_used timestamptz;
BEGIN
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

-- ---- The webhooks ----

-- ct_apply_event_once of 004 (under 007's name), without its own pin: the
-- org is the one ct_apply_event pinned from the integration, and the
-- policies refuse any other p_org.
CREATE OR REPLACE FUNCTION ct_apply_event_once(
    p_org uuid, p_integration text, p_provider text, p_provider_call_id text,
    p_event_type text, p_dedup_key text, p_payload bytea, p_content_type text,
    p_mode text,
    p_error text DEFAULT NULL,
    p_status_answered text DEFAULT NULL,
    p_status_unanswered text DEFAULT NULL,
    p_answered boolean DEFAULT false,
    p_sequence bigint DEFAULT NULL,
    p_ended_reason text DEFAULT NULL,
    p_end_call_reason text DEFAULT NULL,
    p_direction text DEFAULT NULL,
    p_phone_number text DEFAULT NULL,
    p_phone_raw text DEFAULT NULL,
    p_agent_number text DEFAULT NULL,
    p_customer_name text DEFAULT NULL,
    p_is_test_call boolean DEFAULT NULL,
    p_started_at text DEFAULT NULL,
    p_ended_at text DEFAULT NULL,
    p_duration_seconds int DEFAULT NULL,
    p_cost text DEFAULT NULL,
    p_recording_url text DEFAULT NULL,
    p_transcript text DEFAULT NULL,
    p_summary text DEFAULT NULL,
    p_sentiment text DEFAULT NULL,
    p_booking_status text DEFAULT NULL,
    p_booking_evidence text DEFAULT NULL,
    p_lead_score int DEFAULT NULL,
    p_lead_reasons text[] DEFAULT NULL,
    p_metadata text DEFAULT NULL,
    p_transfer_destination text DEFAULT NULL)
RETURNS TABLE (outcome text, call_id uuid)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
    v_event bigint;
    v_call uuid;
    v_contact uuid;
    v_name text;
    v_threshold int;
    v_started timestamptz;
    v_ended timestamptz;
    v_cost numeric;
    v_evidence jsonb;
    v_metadata jsonb;
    c calls%ROWTYPE;
BEGIN
    -- The raw event first; a second delivery of the same event stops here.
    INSERT INTO call_events AS e (org_id, integration_id, provider, provider_call_id,
                                  event_type, dedup_key, payload, content_type,
                                  outcome, error)
    VALUES (p_org, p_integration, p_provider, p_provider_call_id, p_event_type,
            p_dedup_key, p_payload, p_content_type,
            CASE WHEN p_mode = 'park' THEN 'parked' ELSE 'applied' END,
            CASE WHEN p_mode = 'park' THEN p_error END)
    ON CONFLICT (org_id, dedup_key) DO NOTHING
    RETURNING e.id INTO v_event;
    IF v_event IS NULL THEN
        RETURN QUERY SELECT 'duplicate'::text, e.call_id FROM call_events e
                      WHERE e.org_id = p_org AND e.dedup_key = p_dedup_key;
        RETURN;
    END IF;

    IF p_mode = 'park' THEN
        RETURN QUERY SELECT 'parked'::text, NULL::uuid;
        RETURN;
    END IF;

    IF p_mode = 'record' THEN
        SELECT k.id INTO v_call FROM calls k
         WHERE k.org_id = p_org AND k.provider = p_provider
           AND k.provider_call_id = p_provider_call_id;
        UPDATE call_events e SET call_id = v_call WHERE e.org_id = p_org AND e.id = v_event;
        RETURN QUERY SELECT 'applied'::text, v_call;
        RETURN;
    END IF;

    BEGIN
        -- Values that must be cast are cast here, inside the block, so
        -- that a malformed one parks the event instead of losing it.
        v_started := p_started_at::timestamptz;
        v_ended := p_ended_at::timestamptz;
        v_cost := p_cost::numeric;
        v_evidence := p_booking_evidence::jsonb;
        v_metadata := p_metadata::jsonb;

        -- The contact: one per phone number; a real provider name fills an
        -- empty name or replaces an earlier provider name, never a manual one.
        v_name := CASE WHEN ct_is_real_name(p_customer_name) THEN btrim(p_customer_name) END;
        IF p_phone_number IS NOT NULL THEN
            INSERT INTO contacts AS ct (org_id, phone, name, name_source)
            VALUES (p_org, p_phone_number, v_name, CASE WHEN v_name IS NOT NULL THEN 'provider' END)
            ON CONFLICT (org_id, phone) DO UPDATE
               SET name = CASE WHEN ct.name_source = 'manual' OR EXCLUDED.name IS NULL
                               THEN ct.name ELSE EXCLUDED.name END,
                   name_source = CASE WHEN ct.name_source = 'manual' OR EXCLUDED.name IS NULL
                                      THEN ct.name_source ELSE 'provider' END,
                   updated_at = CASE WHEN EXCLUDED.name IS DISTINCT FROM ct.name
                                      AND ct.name_source IS DISTINCT FROM 'manual'
                                      AND EXCLUDED.name IS NOT NULL
                                     THEN now() ELSE ct.updated_at END
            RETURNING ct.id INTO v_contact;
        END IF;

        -- The call.
        INSERT INTO calls AS k (org_id, provider, provider_call_id, integration_id,
                                direction, status, ended_reason, end_call_reason,
                                phone_number, phone_raw, agent_number, contact_id,
                                is_test_call, started_at, ended_at, duration_seconds, cost,
                                recording_url, transcript, summary, sentiment,
                                booking_status, booking_evidence, lead_score, lead_reasons,
                                metadata, provider_sequence, transfer_destination)
        VALUES (p_org, p_provider, p_provider_call_id, p_integration,
                p_direction,
                COALESCE(CASE WHEN p_answered THEN p_status_answered ELSE p_status_unanswered END,
                         'queued'),
                p_ended_reason, p_end_call_reason,
                p_phone_number, p_phone_raw, p_agent_number, v_contact,
                COALESCE(p_is_test_call, false), v_started, v_ended, p_duration_seconds,
                v_cost, p_recording_url, p_transcript, p_summary, p_sentiment,
                COALESCE(p_booking_status, 'not_requested'), v_evidence, p_lead_score,
                p_lead_reasons, v_metadata, p_sequence, p_transfer_destination)
        ON CONFLICT (org_id, provider, provider_call_id) DO NOTHING
        RETURNING k.id INTO v_call;

        IF v_call IS NULL THEN
            -- Known call: merge under a row lock.
            SELECT * INTO c FROM calls k
             WHERE k.org_id = p_org AND k.provider = p_provider
               AND k.provider_call_id = p_provider_call_id
               FOR UPDATE;
            v_call := c.id;
            DECLARE
                v_late boolean := p_sequence IS NULL OR c.provider_sequence IS NULL
                                  OR p_sequence >= c.provider_sequence;
                v_answered boolean := p_answered OR c.started_at IS NOT NULL
                                      OR c.status = 'in-progress'
                                      OR (c.status = 'completed' AND c.status_source = 'provider');
                v_new text := CASE WHEN v_answered THEN p_status_answered
                                   ELSE p_status_unanswered END;
                v_take boolean;
            BEGIN
                v_take := v_new IS NOT NULL AND (
                    ct_status_rank(v_new) > ct_status_rank(c.status)
                    OR (ct_status_rank(v_new) = 3 AND ct_status_rank(c.status) = 3
                        AND (c.status_source = 'sweeper' OR v_late)));
                UPDATE calls k SET
                    status = CASE WHEN v_take THEN v_new ELSE k.status END,
                    status_source = CASE WHEN v_take THEN 'provider' ELSE k.status_source END,
                    ended_reason = CASE WHEN v_take AND p_ended_reason IS NOT NULL THEN p_ended_reason
                                        WHEN k.status_source = 'sweeper' AND v_take THEN NULL
                                        ELSE COALESCE(k.ended_reason, p_ended_reason) END,
                    end_call_reason = CASE WHEN v_take AND p_end_call_reason IS NOT NULL
                                           THEN p_end_call_reason
                                           ELSE COALESCE(k.end_call_reason, p_end_call_reason) END,
                    direction = ct_merge(v_late, p_direction, k.direction),
                    phone_number = ct_merge(v_late, p_phone_number, k.phone_number),
                    phone_raw = ct_merge(v_late, p_phone_raw, k.phone_raw),
                    agent_number = ct_merge(v_late, p_agent_number, k.agent_number),
                    contact_id = ct_merge(v_late, v_contact, k.contact_id),
                    is_test_call = k.is_test_call OR COALESCE(p_is_test_call, false),
                    started_at = ct_merge(v_late, v_started, k.started_at),
                    -- The sweeper's end time is a guess: a provider's wins.
                    ended_at = ct_merge(v_late OR k.status_source = 'sweeper', v_ended, k.ended_at),
                    duration_seconds = ct_merge(v_late, p_duration_seconds, k.duration_seconds),
                    cost = ct_merge(v_late, v_cost, k.cost),
                    recording_url = ct_merge(v_late, p_recording_url, k.recording_url),
                    transcript = ct_merge(v_late, p_transcript, k.transcript),
                    summary = ct_merge(v_late, p_summary, k.summary),
                    sentiment = ct_merge(v_late, p_sentiment, k.sentiment),
                    -- Always set (default not_requested): only a late
                    -- enough event may change it.
                    booking_status = CASE WHEN p_booking_status IS NOT NULL AND v_late
                                          THEN p_booking_status ELSE k.booking_status END,
                    booking_evidence = ct_merge(v_late, v_evidence, k.booking_evidence),
                    lead_score = ct_merge(v_late, p_lead_score, k.lead_score),
                    lead_reasons = ct_merge(v_late, p_lead_reasons, k.lead_reasons),
                    metadata = ct_merge(v_late, v_metadata, k.metadata),
                    transfer_destination = ct_merge(v_late, p_transfer_destination, k.transfer_destination),
                    provider_sequence = GREATEST(k.provider_sequence, p_sequence),
                    last_event_at = GREATEST(k.last_event_at, now())
                 WHERE k.org_id = p_org AND k.id = c.id;
            END;
        END IF;

        SELECT * INTO c FROM calls k WHERE k.org_id = p_org AND k.id = v_call;

        -- The lead: contacted once a call completes, booked on a confirmed
        -- booking; the score is the best any call gave.
        IF c.contact_id IS NOT NULL THEN
            UPDATE contacts ct SET
                last_contacted_at = CASE WHEN c.status = 'completed'
                    THEN GREATEST(ct.last_contacted_at, COALESCE(c.ended_at, c.started_at, now()))
                    ELSE ct.last_contacted_at END,
                lead_status = CASE
                    WHEN c.booking_status = 'confirmed' AND ct.lead_status IN ('new', 'contacted', 'qualified')
                        THEN 'booked'
                    WHEN c.status = 'completed' AND ct.lead_status = 'new' THEN 'contacted'
                    ELSE ct.lead_status END,
                lead_score = GREATEST(ct.lead_score, COALESCE(c.lead_score, 0))
             WHERE ct.org_id = p_org AND ct.id = c.contact_id;
        END IF;

        -- At most one hot-lead alert per call, never for a test call.
        IF c.lead_score IS NOT NULL AND NOT c.is_test_call THEN
            SELECT o.hot_lead_threshold INTO v_threshold FROM orgs o WHERE o.id = p_org;
            IF c.lead_score >= v_threshold THEN
                INSERT INTO hot_lead_alerts (org_id, call_id, contact_id, score, reasons)
                VALUES (p_org, c.id, c.contact_id, c.lead_score, COALESCE(c.lead_reasons, '{}'))
                ON CONFLICT (org_id, call_id) DO NOTHING;
            END IF;
        END IF;

        UPDATE call_events e SET call_id = v_call WHERE e.org_id = p_org AND e.id = v_event;
        RETURN QUERY SELECT 'applied'::text, v_call;
    EXCEPTION WHEN data_exception OR integrity_constraint_violation THEN
        -- Keep the event, parked with the reason, for a later replay.
        UPDATE call_events e SET outcome = 'parked', error = left(SQLERRM, 500)
         WHERE e.org_id = p_org AND e.id = v_event;
        RETURN QUERY SELECT 'parked'::text, NULL::uuid;
    END;
END
$$;

DROP FUNCTION ct_apply_event(
    uuid, text, text, text, text, text, bytea, text, text, text, text, text, boolean,
    bigint, text, text, text, text, text, text, text, boolean, text, text,
    int, text, text, text, text, text, text, text, int, text[], text, text);

-- One callback, one round trip, one transaction (007's, which see): the
-- raw event, the call, its contact, lead and alert, all in the org of
-- the integration p_integration names, pinned here from the slug.  An
-- unknown slug changes nothing (no_data_found).
CREATE FUNCTION ct_apply_event(
    p_integration text, p_provider text, p_provider_call_id text,
    p_event_type text, p_dedup_key text, p_payload bytea, p_content_type text,
    p_mode text,
    p_error text DEFAULT NULL,
    p_status_answered text DEFAULT NULL,
    p_status_unanswered text DEFAULT NULL,
    p_answered boolean DEFAULT false,
    p_sequence bigint DEFAULT NULL,
    p_ended_reason text DEFAULT NULL,
    p_end_call_reason text DEFAULT NULL,
    p_direction text DEFAULT NULL,
    p_phone_number text DEFAULT NULL,
    p_phone_raw text DEFAULT NULL,
    p_agent_number text DEFAULT NULL,
    p_customer_name text DEFAULT NULL,
    p_is_test_call boolean DEFAULT NULL,
    p_started_at text DEFAULT NULL,
    p_ended_at text DEFAULT NULL,
    p_duration_seconds int DEFAULT NULL,
    p_cost text DEFAULT NULL,
    p_recording_url text DEFAULT NULL,
    p_transcript text DEFAULT NULL,
    p_summary text DEFAULT NULL,
    p_sentiment text DEFAULT NULL,
    p_booking_status text DEFAULT NULL,
    p_booking_evidence text DEFAULT NULL,
    p_lead_score int DEFAULT NULL,
    p_lead_reasons text[] DEFAULT NULL,
    p_metadata text DEFAULT NULL,
    p_transfer_destination text DEFAULT NULL)
RETURNS TABLE (outcome text, call_id uuid)
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_org uuid;
    r record;
    v_old bigint;
    v_outcome text;
    v_error text;
    v_call uuid;
BEGIN
    -- The integration's org, pinned for this transaction: every row below
    -- is that org's, and the policies refuse any other.
    v_org := ct_pin_integration(p_integration);
    IF v_org IS NULL THEN
        RAISE EXCEPTION 'no such integration' USING ERRCODE = 'no_data_found';
    END IF;
    IF p_mode IN ('replay-apply', 'replay-record') THEN
        -- An event already kept, applied to its call again by the current
        -- code (calltrack-admin replay).  The kept row steps aside while
        -- the event is applied as new, then takes back its key with the
        -- new outcome: its id and received_at stay.
        UPDATE call_events e SET dedup_key = left(p_dedup_key, 280) || ' (replay)'
         WHERE e.org_id = v_org AND e.dedup_key = p_dedup_key
        RETURNING e.id INTO v_old;
        IF v_old IS NULL THEN
            RAISE EXCEPTION 'no such event to replay' USING ERRCODE = 'no_data_found';
        END IF;
        SELECT * INTO r FROM ct_apply_event_once(v_org, p_integration, p_provider,
            p_provider_call_id, p_event_type, p_dedup_key, p_payload, p_content_type,
            substr(p_mode, 8), p_error, p_status_answered, p_status_unanswered, p_answered,
            p_sequence, p_ended_reason, p_end_call_reason, p_direction, p_phone_number,
            p_phone_raw, p_agent_number, p_customer_name, p_is_test_call, p_started_at,
            p_ended_at, p_duration_seconds, p_cost, p_recording_url, p_transcript, p_summary,
            p_sentiment, p_booking_status, p_booking_evidence, p_lead_score, p_lead_reasons,
            p_metadata, p_transfer_destination);
        DELETE FROM call_events e WHERE e.org_id = v_org AND e.dedup_key = p_dedup_key
        RETURNING e.outcome, e.error, e.call_id INTO v_outcome, v_error, v_call;
        UPDATE call_events e SET dedup_key = p_dedup_key, outcome = v_outcome, error = v_error,
                                 call_id = COALESCE(v_call, e.call_id)
         WHERE e.org_id = v_org AND e.id = v_old;
        RETURN QUERY SELECT r.outcome, r.call_id;
        RETURN;
    END IF;
    SELECT * INTO r FROM ct_apply_event_once(v_org, p_integration, p_provider,
        p_provider_call_id, p_event_type, p_dedup_key, p_payload, p_content_type, p_mode,
        p_error, p_status_answered, p_status_unanswered, p_answered, p_sequence,
        p_ended_reason, p_end_call_reason, p_direction, p_phone_number, p_phone_raw,
        p_agent_number, p_customer_name, p_is_test_call, p_started_at, p_ended_at,
        p_duration_seconds, p_cost, p_recording_url, p_transcript, p_summary, p_sentiment,
        p_booking_status, p_booking_evidence, p_lead_score, p_lead_reasons, p_metadata,
        p_transfer_destination);
    IF r.outcome = 'duplicate' THEN
        INSERT INTO call_event_duplicates (org_id, event_id)
        SELECT e.org_id, e.id FROM call_events e
         WHERE e.org_id = v_org AND e.dedup_key = p_dedup_key;
    END IF;
    RETURN QUERY SELECT r.outcome, r.call_id;
END
$$;

DROP FUNCTION ct_record_rejection(uuid, text, text, int, text, text, text, text, text, bytea,
                                  bigint, text, boolean);

-- Keeps a refused request for forensics.  With p_attributed the row
-- belongs to the org of the integration p_integration names (pinned from
-- the slug); without it, or when the slug is unknown, to no org
-- (administrators read those).  The body is stored up to the caller's
-- cap.  Returns nothing: a row of no org is not readable back.
CREATE FUNCTION ct_record_rejection(p_attributed boolean, p_integration text, p_provider text,
                                    p_http_status int, p_reason text, p_detail text,
                                    p_method text, p_path text, p_content_type text,
                                    p_body bytea, p_body_size bigint,
                                    p_body_sha256 text, p_truncated boolean)
RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_org uuid;
BEGIN
    v_org := ct_pin_integration(CASE WHEN p_attributed THEN p_integration END);
    INSERT INTO rejected_events (org_id, integration_id, provider, http_status, reason,
                                 detail, method, path, content_type, body, body_size,
                                 body_sha256, body_truncated)
    VALUES (v_org, p_integration, p_provider, p_http_status, p_reason, p_detail,
            p_method, p_path, p_content_type, p_body, p_body_size, p_body_sha256,
            p_truncated);
END
$$;

-- ---- The dashboard ----
--
-- Each function takes the SHA-256 (hex) of the request's bearer token
-- where it took the org, pins the token's org, and answers NULL (no rows:
-- ct_calls_csv) for a revoked or unknown token; the rest is the live
-- definition of 005 or 006 as it was.

DROP FUNCTION ct_range_reversed(uuid, text, text);
DROP FUNCTION ct_calls_page(uuid, text, text[], text[], text[], text[], text[], text[], text[],
                            text, text, int, int, boolean, text, boolean, int, int, text, uuid);
DROP FUNCTION ct_calls_csv(uuid, text, text[], text[], text[], text[], text[], text[], text[],
                           text, text, int, int, boolean, text, boolean, int);
DROP FUNCTION ct_call_detail(uuid, uuid);
DROP FUNCTION ct_stats(uuid, text, text, text, boolean);

-- True when [p_from, p_to) is empty or reversed in the org's zone (005).
CREATE FUNCTION ct_range_reversed(p_token_hash text, p_from text, p_to text) RETURNS boolean
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid;
    v_tz text;
BEGIN
    -- The org of a live token, pinned for this transaction (ct_pin_token);
    -- a revoked or unknown token sees nothing.
    v_org := ct_pin_token(p_token_hash);
    IF v_org IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT o.timezone INTO v_tz FROM orgs o WHERE o.id = v_org;
    RETURN ct_bound(p_from, v_tz) >= ct_bound(p_to, v_tz);
END
$$;

-- One page of calls (006).
CREATE FUNCTION ct_calls_page(p_token_hash text, p_digits text, p_words text[], p_status text[],
    p_direction text[], p_booking text[], p_sentiment text[], p_lead_status text[],
    p_end_reason text[], p_from text, p_to text, p_min_dur int, p_max_dur int,
    p_include_test boolean, p_sort text, p_desc boolean, p_limit int, p_offset int,
    p_after_value text, p_after_id uuid)
RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid;
    v_tz text;
    v_from timestamptz;
    v_to timestamptz;
    v_where text;
    v_sort text := ct_calls_sort_expr(p_sort);
    v_dir text := CASE WHEN p_desc THEN 'DESC' ELSE 'ASC' END;
    v_cmp text := CASE WHEN p_desc THEN '<' ELSE '>' END;
    v_total bigint;
    v_rows json;
    v_next text;
BEGIN
    IF v_sort IS NULL OR p_limit NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'invalid sort or limit' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The org of a live token, pinned for this transaction (ct_pin_token);
    -- a revoked or unknown token sees nothing.
    v_org := ct_pin_token(p_token_hash);
    IF v_org IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT o.timezone INTO v_tz FROM orgs o WHERE o.id = v_org;
    v_from := ct_bound(p_from, v_tz);
    v_to := ct_bound(p_to, v_tz);
    IF v_from >= v_to THEN
        RETURN json_build_object('error', 'from');
    END IF;
    v_where := ct_calls_where(p_digits, p_words, p_status, p_direction, p_booking,
                              p_sentiment, p_lead_status, p_end_reason, p_from, p_to,
                              p_min_dur, p_max_dur, p_include_test);
    v_total := ct_calls_total(v_org, v_where, p_digits, p_words, p_status, p_direction,
                              p_booking, p_sentiment, p_lead_status, p_end_reason, v_from,
                              v_to, p_min_dur, p_max_dur, p_include_test, v_tz, true);
    -- The page's ids first, from calls alone (an index-only scan of the
    -- covering index when the filters allow it), then the rows in full.
    EXECUTE format(
        'WITH ids AS (SELECT v.id, %1$s AS sort_value FROM %7$s v WHERE %2$s %3$s'
        ' ORDER BY %1$s %4$s, v.id %4$s LIMIT $16 OFFSET $17),'
        ' page AS (SELECT w AS v, ids.sort_value FROM ids'
        '   JOIN calls_with_caller_names w ON w.org_id = $1 AND w.id = ids.id)'
        ' SELECT COALESCE(json_agg(ct_call_summary(v) ORDER BY sort_value %4$s, (v).id %4$s), ''[]''),'
        ' (SELECT CASE WHEN count(*) = $16 THEN'
        '   (SELECT %6$s || ''|'' || (p.v).id FROM page p'
        '     ORDER BY p.sort_value %5$s, (p.v).id %5$s LIMIT 1) END FROM page)'
        ' FROM page',
        v_sort, v_where,
        CASE WHEN p_after_id IS NOT NULL
             THEN format('AND (%s, v.id) %s ($14::%s, $15)', v_sort, v_cmp,
                         CASE p_sort WHEN 'started_at' THEN 'timestamptz'
                                     WHEN 'duration' THEN 'int' ELSE 'numeric' END)
             ELSE '' END,
        v_dir, CASE WHEN p_desc THEN 'ASC' ELSE 'DESC' END,
        CASE WHEN p_sort = 'started_at'
             THEN 'to_char(p.sort_value AT TIME ZONE ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.US"Z"'')'
             ELSE 'p.sort_value::text' END,
        CASE WHEN p_lead_status IS NULL THEN 'calls' ELSE 'calls_with_caller_names' END)
       INTO v_rows, v_next
       USING v_org, p_digits, p_words, p_status, p_direction, p_booking, p_sentiment,
             p_lead_status, p_end_reason, v_from, v_to, p_min_dur, p_max_dur,
             p_after_value, p_after_id, p_limit, COALESCE(p_offset, 0);
    RETURN json_build_object('calls', v_rows, 'total', v_total, 'next', v_next);
END
$$;

-- Every matching call as one CSV line each, newest first, at most p_cap lines (005).
CREATE FUNCTION ct_calls_csv(p_token_hash text, p_digits text, p_words text[], p_status text[],
    p_direction text[], p_booking text[], p_sentiment text[], p_lead_status text[],
    p_end_reason text[], p_from text, p_to text, p_min_dur int, p_max_dur int,
    p_include_test boolean, p_sort text, p_desc boolean, p_cap int)
RETURNS SETOF text
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid;
    v_tz text;
    v_sort text := ct_calls_sort_expr(p_sort);
    v_dir text := CASE WHEN p_desc THEN 'DESC' ELSE 'ASC' END;
BEGIN
    IF v_sort IS NULL THEN
        RAISE EXCEPTION 'invalid sort' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The org of a live token, pinned for this transaction (ct_pin_token);
    -- a revoked or unknown token sees nothing.
    v_org := ct_pin_token(p_token_hash);
    IF v_org IS NULL THEN
        RETURN;
    END IF;
    SELECT o.timezone INTO v_tz FROM orgs o WHERE o.id = v_org;
    RETURN QUERY EXECUTE format(
        'SELECT concat_ws('','', ct_csv(v.id::text), ct_csv(ct_iso(v.call_at)),'
        ' ct_csv(v.provider), ct_csv(v.direction), ct_csv(v.status),'
        ' ct_csv(v.resolved_caller_name), ct_csv(v.name_source), ct_csv(v.phone_number),'
        ' ct_csv(v.duration_seconds::text), ct_csv(v.cost::text), ct_csv(v.booking_status),'
        ' ct_csv(v.sentiment), ct_csv(v.end_call_reason), ct_csv(v.ended_reason),'
        ' ct_csv(v.is_test_call::text), ct_csv(v.summary))'
        ' FROM calls_with_caller_names v WHERE %s ORDER BY %s %s, v.id %s LIMIT $14',
        ct_calls_where(p_digits, p_words, p_status, p_direction, p_booking, p_sentiment,
                       p_lead_status, p_end_reason, p_from, p_to, p_min_dur, p_max_dur,
                       p_include_test),
        v_sort, v_dir, v_dir)
       USING v_org, p_digits, p_words, p_status, p_direction, p_booking, p_sentiment,
             p_lead_status, p_end_reason, ct_bound(p_from, v_tz), ct_bound(p_to, v_tz),
             p_min_dur, p_max_dur, p_cap;
END
$$;

-- One call in full, or NULL when the org has no such call (005).
CREATE FUNCTION ct_call_detail(p_token_hash text, p_id uuid) RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid;
    v calls_with_caller_names;
BEGIN
    -- The org of a live token, pinned for this transaction (ct_pin_token);
    -- a revoked or unknown token sees nothing.
    v_org := ct_pin_token(p_token_hash);
    IF v_org IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT * INTO v FROM calls_with_caller_names c WHERE c.org_id = v_org AND c.id = p_id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT (ct_call_summary(v)::jsonb || jsonb_build_object(
        'transcript', v.transcript,
        'metadata', v.metadata,
        'booking_evidence', v.booking_evidence,
        'transfer_destination', v.transfer_destination,
        'lead_reasons', v.lead_reasons,
        'contact_email', v.contact_email,
        'hot_lead_alert', (SELECT json_build_object('score', a.score, 'reasons', a.reasons,
                                   'created_at', ct_iso(a.created_at),
                                   'acknowledged_at', ct_iso(a.acknowledged_at))
                             FROM hot_lead_alerts a WHERE a.org_id = v_org AND a.call_id = v.id),
        'events', (SELECT COALESCE(json_agg(json_build_object(
                              'type', e.event_type, 'received_at', ct_iso(e.received_at),
                              'outcome', e.outcome, 'error', e.error)
                          ORDER BY e.received_at, e.id), '[]')
                     FROM call_events e WHERE e.org_id = v_org AND e.call_id = v.id)))::json);
END
$$;

-- The stats cards (006).
CREATE FUNCTION ct_stats(p_token_hash text, p_from text, p_to text, p_tz text,
    p_include_test boolean)
RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid;
    v_org_tz text;
    v_tz text;
    v_from timestamptz;
    v_to timestamptz;
    v_first date;
    v_last date;
    v_rolled boolean;
    r json;
BEGIN
    -- The org of a live token, pinned for this transaction (ct_pin_token);
    -- a revoked or unknown token sees nothing.
    v_org := ct_pin_token(p_token_hash);
    IF v_org IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT o.timezone INTO v_org_tz FROM orgs o WHERE o.id = v_org;
    v_tz := COALESCE(p_tz, v_org_tz);
    v_to := COALESCE(ct_bound(p_to, v_tz),
                     ((now() AT TIME ZONE v_tz)::date + 1)::timestamp AT TIME ZONE v_tz);
    v_from := COALESCE(ct_bound(p_from, v_tz),
                       ((v_to AT TIME ZONE v_tz)::date - 30)::timestamp AT TIME ZONE v_tz);
    IF v_from >= v_to THEN
        RETURN json_build_object('error', 'from');
    END IF;
    v_first := (v_from AT TIME ZONE v_tz)::date;
    v_last := ((v_to - interval '1 microsecond') AT TIME ZONE v_tz)::date;
    v_rolled := v_tz = v_org_tz AND ct_is_midnight(v_from, v_tz) AND ct_is_midnight(v_to, v_tz);
    WITH c AS MATERIALIZED (
        SELECT * FROM ct_counts_rolled(v_org, v_first, v_last, p_include_test) WHERE v_rolled
        UNION ALL
        SELECT * FROM ct_counts_live(v_org, v_from, v_to, v_tz, p_include_test) WHERE NOT v_rolled
    ), totals AS (
        SELECT COALESCE(sum(calls), 0) AS total,
               COALESCE(sum(calls) FILTER (WHERE status IN ('completed', 'in-progress')), 0) AS answered,
               sum(dur_sum) / NULLIF(sum(dur_n), 0) AS avg_dur,
               COALESCE(sum(cost_sum), 0) AS cost,
               COALESCE(sum(s_pos), 0) AS s_pos, COALESCE(sum(s_neu), 0) AS s_neu,
               COALESCE(sum(s_neg), 0) AS s_neg,
               COALESCE(sum(calls - s_pos - s_neu - s_neg), 0) AS s_unk,
               COALESCE(sum(b_conf), 0) AS b_conf, COALESCE(sum(b_fail), 0) AS b_fail,
               COALESCE(sum(calls - b_conf - b_fail), 0) AS b_none
          FROM c
    )
    SELECT json_build_object(
        'range', json_build_object('from', ct_iso(v_from), 'to', ct_iso(v_to), 'tz', v_tz),
        'total_calls', t.total,
        'answered_calls', t.answered,
        'answer_rate', CASE WHEN t.total > 0 THEN round(t.answered::numeric / t.total, 4) ELSE 0 END,
        'by_status', (SELECT json_object_agg(s, COALESCE(n, 0))
                        FROM unnest(ARRAY['queued', 'ringing', 'in-progress', 'completed', 'busy',
                                          'no-answer', 'failed', 'canceled', 'voicemail']) s
                        LEFT JOIN (SELECT status, sum(calls) AS n FROM c GROUP BY status) k
                          ON k.status = s),
        'avg_duration_seconds', COALESCE(round(t.avg_dur), 0),
        'total_cost', round(t.cost, 4),
        'sentiment', json_build_object('positive', t.s_pos, 'neutral', t.s_neu,
                                       'negative', t.s_neg, 'unknown', t.s_unk),
        'booking', json_build_object('confirmed', t.b_conf, 'attempted_failed', t.b_fail,
                                     'not_requested', t.b_none,
                                     'conversion_rate', CASE WHEN t.answered > 0
                                         THEN round(t.b_conf::numeric / t.answered, 4) ELSE 0 END),
        -- An alert is raised when its call's events arrive, never before
        -- the call starts: a day's margin for the providers' clocks keeps
        -- the scan to the range's alerts.
        'hot_leads', (SELECT count(*) FROM hot_lead_alerts a
                        JOIN calls k ON k.org_id = a.org_id AND k.id = a.call_id
                       WHERE a.org_id = v_org AND a.created_at >= v_from - interval '1 day'
                         AND k.call_at >= v_from AND k.call_at < v_to
                         AND (p_include_test OR NOT k.is_test_call)),
        'end_call_reasons', (SELECT COALESCE(json_agg(json_build_object('reason', reason, 'calls', n)
                                                      ORDER BY n DESC, reason), '[]')
                               FROM (SELECT end_reason AS reason, sum(calls) AS n FROM c
                                      WHERE end_reason <> '' GROUP BY 1 HAVING sum(calls) > 0) x),
        'daily', (SELECT json_agg(json_build_object('date', d::date, 'calls', COALESCE(x.calls, 0),
                                                    'answered', COALESCE(x.answered, 0),
                                                    'booked', COALESCE(x.booked, 0)) ORDER BY d)
                    FROM generate_series(v_first, v_last, interval '1 day') d
                    LEFT JOIN (SELECT day, sum(calls) AS calls,
                                      sum(calls) FILTER (WHERE status IN ('completed', 'in-progress')) AS answered,
                                      sum(b_conf) AS booked
                                 FROM c GROUP BY 1) x ON x.day = d::date),
        'recent_activity', (SELECT COALESCE(json_agg(a ORDER BY (a->>'at') DESC), '[]') FROM (
              (SELECT json_build_object('type', 'hot_lead', 'at', ct_iso(h.created_at),
                                        'call_id', w.id, 'caller_name', w.resolved_caller_name,
                                        'phone_number', w.phone_number, 'score', h.score) AS a
                 FROM hot_lead_alerts h
                 JOIN calls_with_caller_names w ON w.org_id = h.org_id AND w.id = h.call_id
                WHERE h.org_id = v_org AND h.created_at >= v_from - interval '1 day'
                  AND w.call_at >= v_from AND w.call_at < v_to
                  AND (p_include_test OR NOT w.is_test_call)
                ORDER BY h.created_at DESC LIMIT 10)
              UNION ALL
              (SELECT json_build_object('type', 'completed_call', 'at', ct_iso(w.call_at),
                                        'call_id', w.id, 'caller_name', w.resolved_caller_name,
                                        'phone_number', w.phone_number,
                                        'duration_seconds', w.duration_seconds)
                 FROM calls_with_caller_names w
                WHERE w.org_id = v_org AND w.call_at >= v_from AND w.call_at < v_to
                  AND (p_include_test OR NOT w.is_test_call) AND w.status = 'completed'
                ORDER BY w.call_at DESC, w.id DESC LIMIT 10)) r
              (a)))
      INTO r
      FROM totals t;
    RETURN r;
END
$$;

-- ---- Who may do what ----
--
-- PostgreSQL lets PUBLIC execute every new function: what pins an org,
-- reads a secret or writes a call is taken back from PUBLIC and given to
-- the one role that needs it.

-- The webhooks (calltrack_app): their integration through
-- ct_integration_lookup only; no tokens.
REVOKE ALL ON integrations, api_tokens FROM calltrack_app;
REVOKE EXECUTE ON FUNCTION ct_pin_integration(text), ct_integration_lookup(text),
    ct_apply_event(
        text, text, text, text, text, bytea, text, text, text, text, text, boolean,
        bigint, text, text, text, text, text, text, text, boolean, text, text,
        int, text, text, text, text, text, text, text, int, text[], text, text),
    ct_apply_event_once(
        uuid, text, text, text, text, text, bytea, text, text, text, text, text, boolean,
        bigint, text, text, text, text, text, text, text, boolean, text, text,
        int, text, text, text, text, text, text, text, int, text[], text, text),
    ct_record_rejection(boolean, text, text, int, text, text, text, text, text, bytea,
                        bigint, text, boolean)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ct_pin_integration(text), ct_integration_lookup(text),
    ct_apply_event(
        text, text, text, text, text, bytea, text, text, text, text, text, boolean,
        bigint, text, text, text, text, text, text, text, boolean, text, text,
        int, text, text, text, text, text, text, text, int, text[], text, text),
    ct_apply_event_once(
        uuid, text, text, text, text, text, bytea, text, text, text, text, text, boolean,
        bigint, text, text, text, text, text, text, text, boolean, text, text,
        int, text, text, text, text, text, text, text, int, text[], text, text),
    ct_record_rejection(boolean, text, text, int, text, text, text, text, text, bytea,
                        bigint, text, boolean)
    TO calltrack_app;

-- The dashboard (calltrack_dashboard): what its functions read, and no
-- more.  No integrations, no tokens (ct_token_org and ct_pin_token look
-- them up), no raw payloads, no writes.
GRANT USAGE ON SCHEMA public TO calltrack_dashboard;
GRANT SELECT ON orgs, calls, contacts, hot_lead_alerts, call_rollup, call_rollup_delta,
    contact_name_trigrams, calls_with_caller_names
    TO calltrack_dashboard;
GRANT SELECT (org_id, id, call_id, event_type, received_at, outcome, error) ON call_events
    TO calltrack_dashboard;
REVOKE EXECUTE ON FUNCTION ct_pin_token(text), ct_token_org(text),
    ct_range_reversed(text, text, text),
    ct_calls_page(text, text, text[], text[], text[], text[], text[], text[], text[], text, text,
                  int, int, boolean, text, boolean, int, int, text, uuid),
    ct_calls_csv(text, text, text[], text[], text[], text[], text[], text[], text[], text, text,
                 int, int, boolean, text, boolean, int),
    ct_call_detail(text, uuid),
    ct_stats(text, text, text, text, boolean)
    FROM PUBLIC, calltrack_app;
GRANT EXECUTE ON FUNCTION ct_pin_token(text), ct_token_org(text),
    ct_range_reversed(text, text, text),
    ct_calls_page(text, text, text[], text[], text[], text[], text[], text[], text[], text, text,
                  int, int, boolean, text, boolean, int, int, text, uuid),
    ct_calls_csv(text, text, text[], text[], text[], text[], text[], text[], text[], text, text,
                 int, int, boolean, text, boolean, int),
    ct_call_detail(text, uuid),
    ct_stats(text, text, text, text, boolean),
    -- What those call, which PUBLIC may run too.
    ct_current_org(), ct_iso(timestamptz), ct_bound(text, text),
    ct_call_summary(calls_with_caller_names),
    ct_calls_where(text, text[], text[], text[], text[], text[], text[], text[], text, text,
                   int, int, boolean),
    ct_calls_sort_expr(text), ct_csv(text), ct_is_midnight(timestamptz, text),
    ct_calls_total(uuid, text, text, text[], text[], text[], text[], text[], text[], text[],
                   timestamptz, timestamptz, int, int, boolean, text, boolean),
    ct_calls_total_exact(uuid, text, text, text[], text[], text[], text[], text[], text[],
                         text[], timestamptz, timestamptz, int, int, boolean, text, boolean),
    ct_counts_rolled(uuid, date, date, boolean),
    ct_counts_live(uuid, timestamptz, timestamptz, text, boolean),
    ct_trigrams(text), ct_like_unescape(text), ct_words_trigrams(text[])
    TO calltrack_dashboard;

-- What spans orgs is the owner's (the sweeper and calltrack-admin, which
-- bypass row-level security).
REVOKE EXECUTE ON FUNCTION ct_sweep(timestamptz), ct_rollup_fold(), ct_rollup_rebuild(uuid),
    ct_ingest_stats(timestamptz, timestamptz)
    FROM PUBLIC, calltrack_app;
