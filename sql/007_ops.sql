-- 007_ops.sql: what operators ask of ingestion (calltrack-admin stats
-- ingest): every duplicate delivery is counted, and one function sums a
-- time window.

-- One row per duplicate delivery: the event it repeated and when.  Only
-- inserted, so a storm of copies of one event never queues on a lock.
CREATE TABLE call_event_duplicates (
    org_id      uuid NOT NULL REFERENCES orgs (id),
    event_id    bigint NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (org_id, event_id) REFERENCES call_events (org_id, id)
);
CREATE INDEX call_event_duplicates_received ON call_event_duplicates (received_at);
CREATE INDEX call_event_duplicates_event ON call_event_duplicates (org_id, event_id);
ALTER TABLE call_event_duplicates ENABLE ROW LEVEL SECURITY;
ALTER TABLE call_event_duplicates FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON call_event_duplicates USING (org_id = ct_current_org())
    WITH CHECK (org_id = ct_current_org());
GRANT SELECT, INSERT ON call_event_duplicates TO calltrack_app;
CREATE INDEX rejected_events_received ON rejected_events (received_at);
CREATE INDEX call_events_received ON call_events (received_at);
CREATE INDEX calls_swept ON calls (updated_at) WHERE status_source = 'sweeper';

-- ct_apply_event as 004 wrote it, under another name; the function the
-- programs call wraps it, counts a duplicate delivery, and replays a kept
-- event (p_mode 'replay-apply' or 'replay-record').
ALTER FUNCTION ct_apply_event(
    uuid, text, text, text, text, text, bytea, text, text, text, text, text, boolean,
    bigint, text, text, text, text, text, text, text, boolean, text, text,
    int, text, text, text, text, text, text, text, int, text[], text, text)
    RENAME TO ct_apply_event_once;

CREATE FUNCTION ct_apply_event(
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
DECLARE
    r record;
    v_old bigint;
    v_outcome text;
    v_error text;
    v_call uuid;
BEGIN
    IF p_mode IN ('replay-apply', 'replay-record') THEN
        -- An event already kept, applied to its call again by the current
        -- code (calltrack-admin replay).  The kept row steps aside while
        -- the event is applied as new, then takes back its key with the
        -- new outcome: its id and received_at stay.
        UPDATE call_events e SET dedup_key = left(p_dedup_key, 280) || ' (replay)'
         WHERE e.org_id = p_org AND e.dedup_key = p_dedup_key
        RETURNING e.id INTO v_old;
        IF v_old IS NULL THEN
            RAISE EXCEPTION 'no such event to replay' USING ERRCODE = 'no_data_found';
        END IF;
        SELECT * INTO r FROM ct_apply_event_once(p_org, p_integration, p_provider,
            p_provider_call_id, p_event_type, p_dedup_key, p_payload, p_content_type,
            substr(p_mode, 8), p_error, p_status_answered, p_status_unanswered, p_answered,
            p_sequence, p_ended_reason, p_end_call_reason, p_direction, p_phone_number,
            p_phone_raw, p_agent_number, p_customer_name, p_is_test_call, p_started_at,
            p_ended_at, p_duration_seconds, p_cost, p_recording_url, p_transcript, p_summary,
            p_sentiment, p_booking_status, p_booking_evidence, p_lead_score, p_lead_reasons,
            p_metadata, p_transfer_destination);
        DELETE FROM call_events e WHERE e.org_id = p_org AND e.dedup_key = p_dedup_key
        RETURNING e.outcome, e.error, e.call_id INTO v_outcome, v_error, v_call;
        UPDATE call_events e SET dedup_key = p_dedup_key, outcome = v_outcome, error = v_error,
                                 call_id = COALESCE(v_call, e.call_id)
         WHERE e.org_id = p_org AND e.id = v_old;
        RETURN QUERY SELECT r.outcome, r.call_id;
        RETURN;
    END IF;
    SELECT * INTO r FROM ct_apply_event_once(p_org, p_integration, p_provider,
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
         WHERE e.org_id = p_org AND e.dedup_key = p_dedup_key;
    END IF;
    RETURN QUERY SELECT r.outcome, r.call_id;
END
$$;

GRANT EXECUTE ON FUNCTION ct_apply_event(
    uuid, text, text, text, text, text, bytea, text, text, text, text, text, boolean,
    bigint, text, text, text, text, text, text, text, boolean, text, text,
    int, text, text, text, text, text, text, text, int, text[], text, text)
    TO calltrack_app;

-- Ingestion over [p_from, p_to), every org the caller may see (the
-- administrator: all): one row per figure, (what, key, n).
--   events    provider/outcome   events received
--   duplicate provider           duplicate deliveries
--   rejected  reason             requests refused and kept
--   swept     status             calls the sweeper closed (by last change)
CREATE FUNCTION ct_ingest_stats(p_from timestamptz, p_to timestamptz)
RETURNS TABLE (what text, key text, n bigint)
    LANGUAGE sql STABLE
    AS $$
    SELECT 'events', e.provider || '/' || e.outcome, count(*)
      FROM call_events e WHERE e.received_at >= p_from AND e.received_at < p_to
     GROUP BY 2
    UNION ALL
    SELECT 'duplicate', e.provider, count(*)
      FROM call_event_duplicates d
      JOIN call_events e ON e.org_id = d.org_id AND e.id = d.event_id
     WHERE d.received_at >= p_from AND d.received_at < p_to
     GROUP BY 2
    UNION ALL
    SELECT 'rejected', r.reason, count(*)
      FROM rejected_events r WHERE r.received_at >= p_from AND r.received_at < p_to
     GROUP BY 2
    UNION ALL
    SELECT 'swept', c.status, count(*)
      FROM calls c WHERE c.status_source = 'sweeper'
       AND c.updated_at >= p_from AND c.updated_at < p_to
     GROUP BY 2
    ORDER BY 1, 2
$$;

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
