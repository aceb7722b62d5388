-- 03_ingest.sql: one callback, one round trip, one transaction
-- (docs/DATA-MODEL.md "Writing a call"), and what is refused.
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.

-- A status never moves backwards (docs/DATA-MODEL.md "Status"): the last wall
-- behind the write path's own rule.  Terminal to terminal is allowed (a
-- provider's report replaces the sweeper's, the latest final report wins).
CREATE OR REPLACE FUNCTION ct_calls_status_guard() RETURNS trigger
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

CREATE OR REPLACE TRIGGER calls_status_guard BEFORE UPDATE ON calls
    FOR EACH ROW EXECUTE FUNCTION ct_calls_status_guard();

-- ---- The webhooks ----

-- A parked event's reason, as it is kept (at most 500 characters): the
-- database's message.  On a Citus cluster the statement ran on a shard,
-- whose names the message gives, the table's and the constraint's each
-- with the shard's number ("calls_102085", "calls_ended_reason_check_102085"):
-- the names without it are kept, so that the reason reads the same on
-- every deployment.
CREATE OR REPLACE FUNCTION ct_parked_reason(p_message text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT left(CASE WHEN ct_on_citus()
                     THEN regexp_replace(p_message, '"([a-z_]+)_[0-9]{6,}"', '"\1"', 'g')
                     ELSE p_message END, 500)
$$;
GRANT EXECUTE ON FUNCTION ct_parked_reason(text) TO calltrack_app;

-- ct_apply_event_once of 004 (under 007's name), without its own pin: the
-- org is the one ct_apply_event pinned from the integration, and the
-- policies refuse any other p_org.
--
-- Its statements, and the triggers they fire, are planned generically:
-- every one of them reads or writes by a key, and a generic plan takes
-- the key.  A custom plan (PostgreSQL's choice for a statement's first
-- runs in a connection, and for good when it looks cheaper) plans with
-- the org's value, and for an org newer than the table's statistics it
-- estimates one row under any index that begins with org_id: it took
-- calls_org_contact for the call's lookup and read all the new org's
-- calls (tests/sql/15_new_org_plans.sql).  On one PostgreSQL only: the
-- setting is made below the function, and not on a Citus cluster.
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
    p_transfer_destination text DEFAULT NULL,
    p_transferred boolean DEFAULT NULL,
    p_agent_id text DEFAULT NULL,
    p_agent_name text DEFAULT NULL,
    p_agent_version text DEFAULT NULL,
    p_analysis text DEFAULT NULL,
    p_success boolean DEFAULT NULL,
    p_success_raw text DEFAULT NULL,
    p_cost_breakdown text DEFAULT NULL,
    p_linked_call_sid text DEFAULT NULL)
RETURNS TABLE (outcome text, call_id uuid, error text)
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
    v_analysis jsonb;
    v_cost_parts jsonb;
    -- The call's final report (Vapi's end-of-call-report, Retell's
    -- call_analyzed): GET /api/ingest lists the calls still without one.
    v_final timestamptz := CASE WHEN (p_provider = 'vapi' AND p_event_type = 'end-of-call-report')
                                  OR (p_provider = 'retell' AND p_event_type = 'call_analyzed')
                                THEN now() END;
    v_later boolean := true;
    -- now() as a value: Citus takes no function but an immutable one
    -- inside a CASE or COALESCE of a statement that writes.
    v_now timestamptz := now();
    c calls%ROWTYPE;
    v_old calls%ROWTYPE;
    v_alerted boolean := false;
    -- The call's legs (sql/functions/15_legs.sql) and whose values win.
    lg record;
    v_agent_event boolean := p_provider <> 'twilio';
    v_created boolean := false;
    v_reason text;
BEGIN
    -- The raw event first; a second delivery of the same event stops here.
    INSERT INTO call_events AS e (org_id, integration_id, provider, provider_call_id,
                                  event_type, dedup_key, payload, content_type,
                                  outcome, error)
    VALUES (p_org, p_integration, p_provider, p_provider_call_id, p_event_type,
            p_dedup_key, p_payload, p_content_type,
            -- A searched CASE: Citus sends a simple one (CASE p_mode WHEN
            -- …) to the worker as a comparison of text with boolean.
            CASE WHEN p_mode = 'park' THEN 'parked' WHEN p_mode = 'record' THEN 'recorded'
                 ELSE 'applied' END,
            CASE WHEN p_mode IN ('park', 'apply') THEN p_error END)
    ON CONFLICT (org_id, dedup_key) DO NOTHING
    RETURNING e.id INTO v_event;
    IF v_event IS NULL THEN
        RETURN QUERY SELECT 'duplicate'::text, e.call_id, NULL::text FROM call_events e
                      WHERE e.org_id = p_org AND e.dedup_key = p_dedup_key;
        RETURN;
    END IF;

    IF p_mode = 'park' THEN
        RETURN QUERY SELECT 'parked'::text, NULL::uuid, p_error;
        RETURN;
    END IF;

    IF p_mode = 'record' THEN
        -- The call of the event's leg (a call written before its legs:
        -- by its own key).
        SELECT COALESCE(
                   (SELECT l.call_id FROM call_legs l
                     WHERE l.org_id = p_org AND l.provider = p_provider
                       AND l.provider_call_id = p_provider_call_id),
                   (SELECT k.id FROM calls k
                     WHERE k.org_id = p_org AND k.provider = p_provider
                       AND k.provider_call_id = p_provider_call_id))
          INTO v_call;
        UPDATE call_events e SET call_id = v_call WHERE e.org_id = p_org AND e.id = v_event;
        RETURN QUERY SELECT 'recorded'::text, v_call, NULL::text;
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

        -- The call the event's leg, or the Twilio call it names, already
        -- has (two such calls folded into one), under the legs' locks
        -- (sql/functions/15_legs.sql).
        SELECT * INTO lg FROM ct_legs_find(p_org, p_provider, p_provider_call_id, p_linked_call_sid);
        v_call := lg.call_id;

        -- The contact: one per phone number; a real provider name fills an
        -- empty name or replaces an earlier provider name, never a manual one.
        -- Its history names the provider (sql/functions/09_contacts.sql).
        -- Once the agent's leg is in, the name is the agent's: the Twilio
        -- leg's caller name (CNAM) changes it no more.
        v_name := CASE WHEN ct_is_real_name(p_customer_name)
                            AND (v_agent_event OR NOT lg.agent_seen)
                       THEN btrim(p_customer_name) END;
        IF p_phone_number IS NOT NULL THEN
            INSERT INTO contacts AS ct (org_id, phone, name, name_source, changed_by, updated_at)
            VALUES (p_org, p_phone_number, v_name, CASE WHEN v_name IS NOT NULL THEN 'provider' END,
                    'provider', now())
            ON CONFLICT (org_id, phone) DO UPDATE
               SET name = CASE WHEN ct.name_source = 'manual' OR EXCLUDED.name IS NULL
                               THEN ct.name ELSE EXCLUDED.name END,
                   name_source = CASE WHEN ct.name_source = 'manual' OR EXCLUDED.name IS NULL
                                      THEN ct.name_source ELSE 'provider' END,
                   changed_by = 'provider',
                   -- EXCLUDED's time, not now(): Citus takes only
                   -- immutable functions in a DO UPDATE SET.
                   updated_at = CASE WHEN EXCLUDED.name IS DISTINCT FROM ct.name
                                      AND ct.name_source IS DISTINCT FROM 'manual'
                                      AND EXCLUDED.name IS NOT NULL
                                     THEN EXCLUDED.updated_at ELSE ct.updated_at END
            RETURNING ct.id INTO v_contact;
        END IF;

        -- The call: a new one for an event no call has yet.
        IF v_call IS NULL THEN
            -- The agent's analysis and cost by part, for the new row (a
            -- known call's are cast by ct_apply_agent_fields, once).
            v_analysis := p_analysis::jsonb;
            v_cost_parts := p_cost_breakdown::jsonb;
            INSERT INTO calls AS k (org_id, provider, provider_call_id, integration_id,
                                    direction, status, ended_reason, end_call_reason,
                                    phone_number, phone_raw, agent_number, contact_id,
                                    is_test_call, started_at, ended_at, duration_seconds, cost,
                                    recording_url, transcript, summary, sentiment,
                                    booking_status, booking_evidence, lead_score, lead_reasons,
                                    metadata, provider_sequence, transfer_destination,
                                    final_report_at, agent_id, agent_name, agent_version,
                                    analysis, success, success_raw, cost_breakdown, transferred)
            VALUES (p_org, p_provider, p_provider_call_id, p_integration,
                    p_direction,
                    COALESCE(CASE WHEN p_answered THEN p_status_answered ELSE p_status_unanswered END,
                             'queued'),
                    p_ended_reason, p_end_call_reason,
                    p_phone_number, p_phone_raw, p_agent_number, v_contact,
                    COALESCE(p_is_test_call, false), v_started, v_ended, p_duration_seconds,
                    v_cost, p_recording_url, p_transcript, p_summary, p_sentiment,
                    COALESCE(p_booking_status, 'not_requested'), v_evidence, p_lead_score,
                    p_lead_reasons, v_metadata, p_sequence, p_transfer_destination, v_final,
                    p_agent_id, p_agent_name, p_agent_version, v_analysis, p_success,
                    p_success_raw, v_cost_parts, COALESCE(p_transferred, false))
            ON CONFLICT (org_id, provider, provider_call_id) DO NOTHING
            RETURNING k.id INTO v_call;
            v_created := v_call IS NOT NULL;
            IF v_call IS NULL THEN
                SELECT k.id INTO v_call FROM calls k
                 WHERE k.org_id = p_org AND k.provider = p_provider
                   AND k.provider_call_id = p_provider_call_id;
            END IF;
        END IF;

        IF NOT v_created THEN
            -- Known call: merge under a row lock.
            SELECT * INTO c FROM calls k WHERE k.org_id = p_org AND k.id = v_call FOR UPDATE;
            DECLARE
                -- Late: not older than what the event's own leg has seen.
                v_late boolean := p_sequence IS NULL OR lg.sequence IS NULL
                                  OR p_sequence >= lg.sequence;
                -- Which leg wins each field (docs/DATA-MODEL.md "The legs
                -- of a call"): the Twilio leg's lifecycle (status, times,
                -- the carrier's duration) over the agent's, the agent's
                -- everything else over the Twilio leg's.  The losing leg
                -- only fills what is still unknown.
                v_life boolean := v_late AND NOT (v_agent_event AND lg.twilio_seen);
                v_rest boolean := v_late AND NOT (NOT v_agent_event AND lg.agent_seen);
                v_reason boolean := NOT (NOT v_agent_event AND lg.agent_seen);
                v_answered boolean := p_answered OR c.started_at IS NOT NULL
                                      OR c.status = 'in-progress'
                                      OR (c.status = 'completed' AND c.status_source = 'provider');
                v_new text := CASE WHEN v_answered THEN p_status_answered
                                   ELSE p_status_unanswered END;
                v_take boolean;
            BEGIN
                v_later := v_rest;
                v_take := v_new IS NOT NULL AND (
                    ct_status_rank(v_new) > ct_status_rank(c.status)
                    OR (ct_status_rank(v_new) = 3 AND ct_status_rank(c.status) = 3
                        AND (c.status_source = 'sweeper' OR v_life)));
                UPDATE calls k SET
                    status = CASE WHEN v_take THEN v_new ELSE k.status END,
                    status_source = CASE WHEN v_take THEN 'provider' ELSE k.status_source END,
                    -- The end reasons are the agent's: it knows who hung up.
                    ended_reason = CASE WHEN v_take AND p_ended_reason IS NOT NULL
                                             AND (v_reason OR k.status_source = 'sweeper')
                                        THEN p_ended_reason
                                        WHEN v_agent_event AND lg.twilio_seen AND v_late
                                             AND p_ended_reason IS NOT NULL THEN p_ended_reason
                                        WHEN k.status_source = 'sweeper' AND v_take THEN NULL
                                        ELSE COALESCE(k.ended_reason, p_ended_reason) END,
                    end_call_reason = CASE WHEN v_take AND p_end_call_reason IS NOT NULL
                                                AND (v_reason OR k.status_source = 'sweeper')
                                           THEN p_end_call_reason
                                           WHEN v_agent_event AND lg.twilio_seen AND v_late
                                                AND p_end_call_reason IS NOT NULL
                                           THEN p_end_call_reason
                                           ELSE COALESCE(k.end_call_reason, p_end_call_reason) END,
                    direction = ct_merge(v_rest, p_direction, k.direction),
                    phone_number = ct_merge(v_rest, p_phone_number, k.phone_number),
                    phone_raw = ct_merge(v_rest, p_phone_raw, k.phone_raw),
                    agent_number = ct_merge(v_rest, p_agent_number, k.agent_number),
                    contact_id = ct_merge(v_rest, v_contact, k.contact_id),
                    is_test_call = k.is_test_call OR COALESCE(p_is_test_call, false),
                    started_at = ct_merge(v_life, v_started, k.started_at),
                    -- The sweeper's end time is a guess: a provider's wins.
                    ended_at = ct_merge(v_life OR k.status_source = 'sweeper', v_ended, k.ended_at),
                    duration_seconds = ct_merge(v_life, p_duration_seconds, k.duration_seconds),
                    cost = ct_merge(v_rest, v_cost, k.cost),
                    recording_url = ct_merge(v_rest, p_recording_url, k.recording_url),
                    transcript = ct_merge(v_rest, p_transcript, k.transcript),
                    summary = ct_merge(v_rest, p_summary, k.summary),
                    sentiment = ct_merge(v_rest, p_sentiment, k.sentiment),
                    -- Always set (default not_requested): only a late
                    -- enough event may change it.
                    booking_status = CASE WHEN p_booking_status IS NOT NULL AND v_rest
                                          THEN p_booking_status ELSE k.booking_status END,
                    booking_evidence = ct_merge(v_rest, v_evidence, k.booking_evidence),
                    lead_score = ct_merge(v_rest, p_lead_score, k.lead_score),
                    lead_reasons = ct_merge(v_rest, p_lead_reasons, k.lead_reasons),
                    metadata = ct_merge(v_rest, v_metadata, k.metadata),
                    transfer_destination = ct_merge(v_rest, p_transfer_destination, k.transfer_destination),
                    provider_sequence = GREATEST(k.provider_sequence, p_sequence),
                    final_report_at = COALESCE(k.final_report_at, v_final),
                    last_event_at = GREATEST(k.last_event_at, now())
                 WHERE k.org_id = p_org AND k.id = c.id;
            END;
        END IF;

        v_old := c;

        -- The event's legs, and the call the agent's once its leg is in
        -- (sql/functions/15_legs.sql).  A call this event made is already
        -- its own leg's.
        PERFORM ct_legs_attach(p_org, v_call, p_provider, p_provider_call_id, p_integration,
                               lg.sid, p_sequence, NOT v_created);

        -- The agent, analysis, success, cost by part and transfer
        -- (sql/functions/13_agents.sql).  A call this event made has them
        -- from its INSERT, as the merge into an empty row would set them:
        -- one version of the row, not two, and its triggers once.
        IF NOT v_created THEN
            PERFORM ct_apply_agent_fields(p_org, v_call, v_later, p_transferred, p_agent_id,
                                          p_agent_name, p_agent_version, p_analysis, p_success,
                                          p_success_raw, p_cost_breakdown);
        END IF;

        -- The agent backend's session, once the call has its final report
        -- (sql/functions/15_legs.sql).
        PERFORM ct_session_merge(p_org, v_call);

        SELECT * INTO c FROM calls k WHERE k.org_id = p_org AND k.id = v_call;

        -- The lead: only forward (ct_lead_next); the score is the best any
        -- call gave.  The webhook path's own rules: its history says 'system'.
        IF c.contact_id IS NOT NULL THEN
            UPDATE contacts ct SET
                last_contacted_at = CASE WHEN c.status = 'completed'
                    THEN GREATEST(ct.last_contacted_at, COALESCE(c.ended_at, c.started_at, v_now))
                    ELSE ct.last_contacted_at END,
                lead_status = ct_lead_next(ct.lead_status, c.status = 'completed',
                                           c.booking_status = 'confirmed'),
                lead_score = GREATEST(ct.lead_score, COALESCE(c.lead_score, 0)),
                changed_by = 'system'
             WHERE ct.org_id = p_org AND ct.id = c.contact_id;
        END IF;

        -- At most one hot-lead alert per call, never for a test call.
        IF c.lead_score IS NOT NULL AND NOT c.is_test_call THEN
            SELECT o.hot_lead_threshold INTO v_threshold FROM orgs o WHERE o.id = p_org;
            IF c.lead_score >= v_threshold THEN
                INSERT INTO hot_lead_alerts (org_id, call_id, contact_id, score, reasons)
                VALUES (p_org, c.id, c.contact_id, c.lead_score, COALESCE(c.lead_reasons, '{}'))
                ON CONFLICT (org_id, call_id) DO NOTHING;
                v_alerted := FOUND;
            END IF;
        END IF;

        -- What the event notifies (10_notify.sql).
        PERFORM ct_notify_call(p_org, v_old, c, v_alerted);

        UPDATE call_events e SET call_id = v_call,
                                 error = COALESCE(e.error, lg.refused)
         WHERE e.org_id = p_org AND e.id = v_event;
        RETURN QUERY SELECT 'applied'::text, v_call, NULL::text;
    EXCEPTION WHEN data_exception OR integrity_constraint_violation THEN
        -- Keep the event, parked with the reason, for a later replay.
        v_reason := ct_parked_reason(SQLERRM);
        UPDATE call_events e SET outcome = 'parked', error = v_reason
         WHERE e.org_id = p_org AND e.id = v_event;
        RETURN QUERY SELECT 'parked'::text, NULL::uuid, v_reason;
    END;
END
$$;

REVOKE ALL ON FUNCTION ct_apply_event_once(
    uuid, text, text, text, text, text, bytea, text, text, text, text, text, boolean,
    bigint, text, text, text, text, text, text, text, boolean, text, text,
    int, text, text, text, text, text, text, text, int, text[], text, text,
    boolean, text, text, text, text, boolean, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ct_apply_event_once(
    uuid, text, text, text, text, text, bytea, text, text, text, text, text, boolean,
    bigint, text, text, text, text, text, text, text, boolean, text, text,
    int, text, text, text, text, text, text, text, int, text[], text, text,
    boolean, text, text, text, text, boolean, text, text, text) TO calltrack_app;

-- The generic plans, on one PostgreSQL.  On a Citus cluster a generic
-- plan keeps the org a parameter of each statement, and Citus cannot plan
-- a subquery of a distributed table by a parameter inside a function
-- ("could not create distributed plan", from ct_legs_find's EXISTS): there
-- the statements keep PostgreSQL's own choice, their custom plans naming
-- the org, which Citus routes.  CREATE OR REPLACE above has just cleared
-- the setting; this makes it again.
DO $$
BEGIN
    IF NOT ct_on_citus() THEN
        EXECUTE format('ALTER FUNCTION %s SET plan_cache_mode = force_generic_plan',
                       (SELECT p.oid::regprocedure FROM pg_proc p
                         WHERE p.proname = 'ct_apply_event_once'
                           AND p.pronamespace = 'public'::regnamespace));
    END IF;
END
$$;

-- One callback, one round trip, one transaction (007's, which see): the
-- raw event, the call, its contact, lead and alert, all in the org of
-- the integration p_integration names, pinned here from the slug.  An
-- unknown slug changes nothing (no_data_found).  error is why a parked
-- event was parked (what call_events.error keeps), for the webhook's log
-- line; NULL for any other outcome.
CREATE OR REPLACE FUNCTION ct_apply_event(
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
    p_transfer_destination text DEFAULT NULL,
    p_transferred boolean DEFAULT NULL,
    p_agent_id text DEFAULT NULL,
    p_agent_name text DEFAULT NULL,
    p_agent_version text DEFAULT NULL,
    p_analysis text DEFAULT NULL,
    p_success boolean DEFAULT NULL,
    p_success_raw text DEFAULT NULL,
    p_cost_breakdown text DEFAULT NULL,
    p_linked_call_sid text DEFAULT NULL,
    p_org uuid DEFAULT NULL)
RETURNS TABLE (outcome text, call_id uuid, error text)
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_org uuid;
    r record;
    v_old bigint;
    v_outcome text;
    v_error text;
    v_call uuid;
    v_kept_integration text;
BEGIN
    -- The integration's org, pinned for this transaction: every row below
    -- is that org's, and the policies refuse any other.
    -- p_org, when given, is the org the program found the integration in
    -- (on a Citus cluster the node that holds it runs this call): any
    -- other is no such integration.
    v_org := ct_pin_integration(p_integration);
    IF v_org IS NULL OR v_org IS DISTINCT FROM COALESCE(p_org, v_org) THEN
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
            p_metadata, p_transfer_destination, p_transferred, p_agent_id, p_agent_name,
            p_agent_version, p_analysis, p_success, p_success_raw, p_cost_breakdown,
            p_linked_call_sid);
        DELETE FROM call_events e WHERE e.org_id = v_org AND e.dedup_key = p_dedup_key
        RETURNING e.outcome, e.error, e.call_id INTO v_outcome, v_error, v_call;
        UPDATE call_events e SET dedup_key = p_dedup_key, outcome = v_outcome, error = v_error,
                                 call_id = COALESCE(v_call, e.call_id)
         WHERE e.org_id = v_org AND e.id = v_old;
        RETURN QUERY SELECT r.outcome, r.call_id, r.error;
        RETURN;
    END IF;
    -- A delivery the drain applies from the spool ('spool-apply',
    -- 'spool-record') is applied as a live one and marked spooled.
    SELECT * INTO r FROM ct_apply_event_once(v_org, p_integration, p_provider,
        p_provider_call_id, p_event_type, p_dedup_key, p_payload, p_content_type,
        CASE WHEN p_mode IN ('spool-apply', 'spool-record') THEN substr(p_mode, 7) ELSE p_mode END,
        p_error, p_status_answered, p_status_unanswered, p_answered, p_sequence,
        p_ended_reason, p_end_call_reason, p_direction, p_phone_number, p_phone_raw,
        p_agent_number, p_customer_name, p_is_test_call, p_started_at, p_ended_at,
        p_duration_seconds, p_cost, p_recording_url, p_transcript, p_summary, p_sentiment,
        p_booking_status, p_booking_evidence, p_lead_score, p_lead_reasons, p_metadata,
        p_transfer_destination, p_transferred, p_agent_id, p_agent_name, p_agent_version,
        p_analysis, p_success, p_success_raw, p_cost_breakdown, p_linked_call_sid);
    IF r.outcome = 'duplicate' THEN
        -- The kept event's id, then the row: on a Citus cluster an INSERT
        -- … SELECT that Citus cannot send whole to the shard is a COPY,
        -- which row-level security does not allow.
        SELECT e.id, e.integration_id INTO v_old, v_kept_integration FROM call_events e
         WHERE e.org_id = v_org AND e.dedup_key = p_dedup_key;
        INSERT INTO call_event_duplicates (org_id, event_id, integration_id)
        VALUES (v_org, v_old, v_kept_integration);
    ELSIF p_mode IN ('spool-apply', 'spool-record') THEN
        UPDATE call_events e SET spooled = true
         WHERE e.org_id = v_org AND e.dedup_key = p_dedup_key;
    END IF;
    RETURN QUERY SELECT r.outcome, r.call_id, r.error;
END
$$;

REVOKE ALL ON FUNCTION ct_apply_event(
    text, text, text, text, text, bytea, text, text, text, text, text, boolean,
    bigint, text, text, text, text, text, text, text, boolean, text, text,
    int, text, text, text, text, text, text, text, int, text[], text, text,
    boolean, text, text, text, text, boolean, text, text, text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ct_apply_event(
    text, text, text, text, text, bytea, text, text, text, text, text, boolean,
    bigint, text, text, text, text, text, text, text, boolean, text, text,
    int, text, text, text, text, text, text, text, int, text[], text, text,
    boolean, text, text, text, text, boolean, text, text, text, uuid) TO calltrack_app;

-- Keeps a refused request for forensics.  With p_attributed the row
-- belongs to the org of the integration p_integration names (pinned from
-- the slug); without it, or when the slug is unknown, to no org
-- (administrators read those).  The body is stored up to the caller's
-- cap.  Returns nothing: a row of no org is not readable back.
CREATE OR REPLACE FUNCTION ct_record_rejection(p_attributed boolean, p_integration text, p_provider text,
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

REVOKE ALL ON FUNCTION ct_record_rejection(boolean, text, text, int, text, text, text, text, text,
    bytea, bigint, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ct_record_rejection(boolean, text, text, int, text, text, text, text, text,
    bytea, bigint, text, boolean) TO calltrack_app;
