-- 15_legs.sql: one call for its Twilio and agent legs, and the agent
-- backend's session state (docs/API.md "One call, all its legs",
-- "Session state from the agent's backend"; docs/DATA-MODEL.md "The
-- legs of a call").
--
-- A call over Twilio handled by a Vapi or Retell agent reaches calltrack
-- twice: Twilio's status callbacks (CallSid) and the agent provider's
-- webhooks, which name the Twilio call.  call_legs maps every provider
-- call id to its call; the webhook's one statement (ct_apply_event_once,
-- 03_ingest.sql) finds the call through it (ct_legs_find), folds two
-- calls that turn out to be one (ct_legs_fold), and records the event's
-- legs (ct_legs_attach).  Every event that names a leg first takes an
-- advisory lock on it, in one order, so that of two events of one call
-- arriving at once on two workers the second finds what the first made.
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.

-- The advisory lock of leg (p_provider, p_id) of org p_org: a 64-bit hash
-- of the three, so that two legs share a lock only by a collision (which
-- makes them wait for each other, nothing worse).
CREATE OR REPLACE FUNCTION ct_leg_key(p_org uuid, p_provider text, p_id text) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT hashtextextended('calltrack.leg:' || p_org::text || ':' || p_provider || ':' || p_id, 0) $$;

-- p when it is a Twilio CallSid ("CA" and 32 lowercase hex digits, as
-- Twilio makes them), else NULL: a leg names only a CallSid.
CREATE OR REPLACE FUNCTION ct_call_sid(p text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN p ~ '^CA[0-9a-f]{32}$' THEN p END $$;

-- A booking status's rank: confirmed over attempted_failed over
-- not_requested (a session's booking raises a call's, never lowers it).
CREATE OR REPLACE FUNCTION ct_booking_rank(p text) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE p WHEN 'confirmed' THEN 2 WHEN 'attempted_failed' THEN 1 ELSE 0 END $$;

-- Finds the call of an event of leg (p_provider, p_id) of org p_org that
-- names the Twilio call p_sid (a CallSid, or NULL), for ct_apply_event_once,
-- in its transaction:
--  1. takes the advisory locks of the event's own leg and of p_sid, in
--     the order of their keys (every webhook does, so none waits for
--     another in a circle);
--  2. looks both up in call_legs (the own leg, for a call written before
--     its legs were, also in calls);
--  3. when both are calls and differ, folds them into one (ct_legs_fold),
--     unless each has an agent leg of its own: two agent calls are never
--     one, and the event keeps to its own (refused says why);
--  4. locks the call's row, and looks again should a fold of another
--     transaction have removed it in the meantime.
-- Returns the call (NULL: none yet), whether a Twilio leg and an agent
-- leg of it have had events of their own applied (the precedence of
-- docs/DATA-MODEL.md "The legs of a call"), the own leg's latest
-- sequence, and the sid to record as a leg of the call (NULL when there
-- is none or it was refused).
CREATE OR REPLACE FUNCTION ct_legs_find(p_org uuid, p_provider text, p_id text, p_sid text,
    OUT call_id uuid, OUT twilio_seen boolean, OUT agent_seen boolean, OUT sequence bigint,
    OUT sid text, OUT refused text)
    LANGUAGE plpgsql
    AS $$
DECLARE
    k bigint;
    i int;
    v_call uuid;
    v_own uuid;
    v_seq bigint;
    v_linked uuid;
    v_sid text;
BEGIN
    v_sid := CASE WHEN p_provider = 'twilio' AND p_sid = p_id THEN NULL ELSE ct_call_sid(p_sid) END;
    FOR k IN SELECT DISTINCT x FROM unnest(ARRAY[ct_leg_key(p_org, p_provider, p_id),
                                                 ct_leg_key(p_org, 'twilio', v_sid)]) x
              WHERE x IS NOT NULL ORDER BY 1 LOOP
        PERFORM pg_advisory_xact_lock(k);
    END LOOP;
    FOR i IN 1 .. 3 LOOP
        v_call := NULL;
        v_own := NULL;
        SELECT l.call_id, l.sequence INTO v_own, v_seq FROM call_legs l
         WHERE l.org_id = p_org AND l.provider = p_provider AND l.provider_call_id = p_id;
        IF v_own IS NULL THEN
            SELECT c.id, c.provider_sequence INTO v_own, v_seq FROM calls c
             WHERE c.org_id = p_org AND c.provider = p_provider AND c.provider_call_id = p_id;
        END IF;
        v_linked := NULL;
        IF v_sid IS NOT NULL THEN
            SELECT l.call_id INTO v_linked FROM call_legs l
             WHERE l.org_id = p_org AND l.provider = 'twilio' AND l.provider_call_id = v_sid;
        END IF;
        IF v_linked IS NOT NULL AND v_linked IS DISTINCT FROM v_own
           AND (p_provider <> 'twilio'
                OR EXISTS (SELECT 1 FROM call_legs l WHERE l.org_id = p_org AND l.call_id = v_own
                              AND l.provider <> 'twilio'))
           AND EXISTS (SELECT 1 FROM call_legs l WHERE l.org_id = p_org AND l.call_id = v_linked
                          AND l.provider <> 'twilio') THEN
            refused := 'the twilio call ' || v_sid || ' is another agent call''s: not linked';
            v_sid := NULL;
            v_linked := NULL;
        END IF;
        IF v_own IS NOT NULL AND v_linked IS NOT NULL AND v_own <> v_linked THEN
            -- Both legs made a call of their own (they came at once, or
            -- the agent named the Twilio call only in a later event).
            v_call := ct_legs_fold(p_org, v_own, v_linked);
        ELSE
            v_call := COALESCE(v_own, v_linked);
            IF v_call IS NOT NULL THEN
                PERFORM 1 FROM calls c WHERE c.org_id = p_org AND c.id = v_call FOR UPDATE;
                IF NOT FOUND THEN
                    v_call := NULL;
                    CONTINUE;	-- folded away by another transaction
                END IF;
            END IF;
        END IF;
        EXIT;
    END LOOP;
    call_id := v_call;
    sequence := v_seq;
    sid := v_sid;
    twilio_seen := false;
    agent_seen := false;
    IF v_call IS NOT NULL THEN
        SELECT COALESCE(bool_or(l.provider = 'twilio'), false),
               COALESCE(bool_or(l.provider <> 'twilio'), false)
          INTO twilio_seen, agent_seen
          FROM call_legs l
         WHERE l.org_id = p_org AND l.call_id = v_call AND l.seen_at IS NOT NULL;
    END IF;
END
$$;

-- Records an applied event's legs on call p_call of org p_org: its own
-- (seen, with its latest sequence) and the Twilio call it names (p_sid,
-- as ct_legs_find returned it).  The call of an agent leg is the agent's:
-- a call a Twilio callback made takes the agent's provider, call id and
-- integration when the agent leg joins it, whichever came first
-- (p_known: the call was there before the event; one it made is its own
-- leg's already).
CREATE OR REPLACE FUNCTION ct_legs_attach(p_org uuid, p_call uuid, p_provider text, p_id text,
    p_integration text, p_sid text, p_sequence bigint, p_known boolean)
RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO call_legs AS l (org_id, provider, provider_call_id, call_id, sequence, seen_at)
    VALUES (p_org, p_provider, p_id, p_call, p_sequence, now())
    ON CONFLICT (org_id, provider, provider_call_id) DO UPDATE
       SET sequence = GREATEST(l.sequence, EXCLUDED.sequence),
           seen_at = COALESCE(l.seen_at, EXCLUDED.seen_at)
     WHERE (l.sequence, l.seen_at) IS DISTINCT FROM
           (GREATEST(l.sequence, EXCLUDED.sequence), COALESCE(l.seen_at, EXCLUDED.seen_at));
    IF p_sid IS NOT NULL THEN
        INSERT INTO call_legs (org_id, provider, provider_call_id, call_id)
        VALUES (p_org, 'twilio', p_sid, p_call)
        ON CONFLICT (org_id, provider, provider_call_id) DO NOTHING;
    END IF;
    IF p_provider <> 'twilio' AND p_known THEN
        UPDATE calls k SET provider = p_provider, provider_call_id = p_id,
                           integration_id = p_integration
         WHERE k.org_id = p_org AND k.id = p_call AND k.provider = 'twilio';
    END IF;
END
$$;

-- Folds calls p_a and p_b of org p_org, two legs of one call, into one
-- and returns the one that stays: the agent's (the call with an agent
-- leg), else the older.  Its fields are merged as the legs' events would
-- have set them one after the other (docs/DATA-MODEL.md "The legs of a
-- call"): the Twilio side's lifecycle (status, times, the carrier's
-- duration) over the agent's, the agent's everything else, neither ever
-- erasing a value, the status never moving backwards.  What pointed at
-- the other moves to it: events, legs, sessions; of two hot-lead alerts
-- the acknowledged (else the older) stays, of two messages to one
-- destination for one event the one sent (else the survivor's).  The
-- other call's contact counts it no more, and it is removed.
-- SECURITY DEFINER: the webhooks' role may not remove a call; this only
-- folds two calls of the org pinned for the transaction.
CREATE OR REPLACE FUNCTION ct_legs_fold(p_org uuid, p_a uuid, p_b uuid) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE
    a calls;
    b calls;
    k calls;
    d calls;
    v_agent_a boolean;
    v_agent_b boolean;
    v_life_d boolean;
    v_status_d boolean;
    v_alert uuid;
BEGIN
    IF p_org IS NULL OR p_org IS DISTINCT FROM ct_current_org() THEN
        RAISE EXCEPTION 'no org pinned for the fold' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_a = p_b THEN
        RETURN p_a;
    END IF;
    PERFORM 1 FROM calls c WHERE c.org_id = p_org AND c.id IN (p_a, p_b) ORDER BY c.id FOR UPDATE;
    SELECT * INTO a FROM calls c WHERE c.org_id = p_org AND c.id = p_a;
    SELECT * INTO b FROM calls c WHERE c.org_id = p_org AND c.id = p_b;
    IF a.id IS NULL OR b.id IS NULL THEN
        RETURN COALESCE(a.id, b.id);
    END IF;
    v_agent_a := EXISTS (SELECT 1 FROM call_legs l WHERE l.org_id = p_org AND l.call_id = a.id
                            AND l.provider <> 'twilio');
    v_agent_b := EXISTS (SELECT 1 FROM call_legs l WHERE l.org_id = p_org AND l.call_id = b.id
                            AND l.provider <> 'twilio');
    IF (v_agent_b AND NOT v_agent_a)
       OR (v_agent_a = v_agent_b AND (b.first_event_at, b.id) < (a.first_event_at, a.id)) THEN
        k := b;
        d := a;
    ELSE
        k := a;
        d := b;
    END IF;
    -- The other call's lifecycle wins when it holds the Twilio leg's
    -- events and the survivor none.
    v_life_d := EXISTS (SELECT 1 FROM call_legs l WHERE l.org_id = p_org AND l.call_id = d.id
                           AND l.provider = 'twilio' AND l.seen_at IS NOT NULL)
                AND NOT EXISTS (SELECT 1 FROM call_legs l WHERE l.org_id = p_org AND l.call_id = k.id
                                   AND l.provider = 'twilio' AND l.seen_at IS NOT NULL);
    v_status_d := ct_status_rank(d.status) > ct_status_rank(k.status)
        OR (ct_status_rank(d.status) = 3 AND ct_status_rank(k.status) = 3
            AND (k.status_source, d.status_source) <> ('provider', 'sweeper')
            AND (v_life_d OR (k.status_source, d.status_source) = ('sweeper', 'provider')));

    UPDATE call_events e SET call_id = k.id WHERE e.org_id = p_org AND e.call_id = d.id;
    UPDATE call_legs l SET call_id = k.id WHERE l.org_id = p_org AND l.call_id = d.id;
    UPDATE call_sessions s SET call_id = k.id WHERE s.org_id = p_org AND s.call_id = d.id;

    SELECT x.id INTO v_alert FROM hot_lead_alerts x
     WHERE x.org_id = p_org AND x.call_id IN (k.id, d.id)
     ORDER BY x.acknowledged_at IS NULL, x.created_at, x.id LIMIT 1;
    DELETE FROM hot_lead_alerts x
     WHERE x.org_id = p_org AND x.call_id IN (k.id, d.id) AND x.id <> v_alert;
    UPDATE hot_lead_alerts x SET call_id = k.id
     WHERE x.org_id = p_org AND x.id = v_alert AND x.call_id <> k.id;

    DELETE FROM notifications n USING notifications o
     WHERE n.org_id = p_org AND o.org_id = p_org
       AND n.destination_id = o.destination_id AND n.event = o.event
       AND ((n.call_id = k.id AND o.call_id = d.id AND n.state = 'pending' AND o.state <> 'pending')
            OR (n.call_id = d.id AND o.call_id = k.id
                AND NOT (o.state = 'pending' AND n.state <> 'pending')));
    UPDATE notifications n SET call_id = k.id, subject = k.id::text
     WHERE n.org_id = p_org AND n.call_id = d.id;

    -- Its contact counts it no more (09_contacts.sql's trigger), then it goes.
    UPDATE calls c SET contact_id = NULL
     WHERE c.org_id = p_org AND c.id = d.id AND c.contact_id IS NOT NULL;
    DELETE FROM calls c WHERE c.org_id = p_org AND c.id = d.id;

    UPDATE calls c SET
        status = CASE WHEN v_status_d THEN d.status ELSE k.status END,
        status_source = CASE WHEN v_status_d THEN d.status_source ELSE k.status_source END,
        ended_reason = CASE WHEN v_status_d AND k.status_source = 'sweeper' THEN d.ended_reason
                            ELSE COALESCE(k.ended_reason, d.ended_reason) END,
        end_call_reason = CASE WHEN v_status_d AND k.status_source = 'sweeper' THEN d.end_call_reason
                               ELSE COALESCE(k.end_call_reason, d.end_call_reason) END,
        direction = COALESCE(k.direction, d.direction),
        phone_number = COALESCE(k.phone_number, d.phone_number),
        phone_raw = COALESCE(k.phone_raw, d.phone_raw),
        agent_number = COALESCE(k.agent_number, d.agent_number),
        contact_id = COALESCE(k.contact_id, d.contact_id),
        is_test_call = k.is_test_call OR d.is_test_call,
        started_at = CASE WHEN v_life_d THEN COALESCE(d.started_at, k.started_at)
                          ELSE COALESCE(k.started_at, d.started_at) END,
        ended_at = CASE WHEN v_life_d THEN COALESCE(d.ended_at, k.ended_at)
                        ELSE COALESCE(k.ended_at, d.ended_at) END,
        duration_seconds = CASE WHEN v_life_d THEN COALESCE(d.duration_seconds, k.duration_seconds)
                                ELSE COALESCE(k.duration_seconds, d.duration_seconds) END,
        cost = COALESCE(k.cost, d.cost),
        recording_url = COALESCE(k.recording_url, d.recording_url),
        transcript = COALESCE(k.transcript, d.transcript),
        summary = COALESCE(k.summary, d.summary),
        sentiment = COALESCE(k.sentiment, d.sentiment),
        booking_status = CASE WHEN k.booking_status = 'not_requested' THEN d.booking_status
                              ELSE k.booking_status END,
        booking_evidence = CASE WHEN k.booking_status = 'not_requested'
                                THEN COALESCE(d.booking_evidence, k.booking_evidence)
                                ELSE COALESCE(k.booking_evidence, d.booking_evidence) END,
        lead_score = COALESCE(k.lead_score, d.lead_score),
        lead_reasons = CASE WHEN k.lead_score IS NOT NULL THEN k.lead_reasons ELSE d.lead_reasons END,
        metadata = COALESCE(k.metadata, d.metadata),
        provider_sequence = GREATEST(k.provider_sequence, d.provider_sequence),
        transfer_destination = COALESCE(k.transfer_destination, d.transfer_destination),
        agent_id = COALESCE(k.agent_id, d.agent_id),
        agent_name = COALESCE(k.agent_name, d.agent_name),
        agent_version = COALESCE(k.agent_version, d.agent_version),
        analysis = CASE WHEN k.analysis IS NULL THEN d.analysis
                        WHEN d.analysis IS NULL THEN k.analysis
                        WHEN octet_length((d.analysis || k.analysis)::text) > 131072 THEN k.analysis
                        ELSE d.analysis || k.analysis END,
        success = COALESCE(k.success, d.success),
        success_raw = COALESCE(k.success_raw, d.success_raw),
        cost_breakdown = COALESCE(k.cost_breakdown, d.cost_breakdown),
        transferred = k.transferred OR d.transferred,
        final_report_at = LEAST(k.final_report_at, d.final_report_at),
        first_event_at = LEAST(k.first_event_at, d.first_event_at),
        last_event_at = GREATEST(k.last_event_at, d.last_event_at)
     WHERE c.org_id = p_org AND c.id = k.id;
    RETURN k.id;
END
$$;

-- Merges the sessions of call p_call of org p_org into it once the call
-- has its final report (Vapi's end-of-call-report, Retell's
-- call_analyzed), whichever came first; called by every applied event
-- and every session PUT, and idempotent.  A session is the call's when
-- one of the call's legs names it.  appointmentBooked: true makes the
-- booking confirmed, bookingAttempted: true attempted_failed, with the
-- evidence {"source": "session", ...}, only ever raising the call's
-- booking; every other top-level string, number or boolean (a key of
-- the analysis filter's shape, a string of at most 1,000 characters, at
-- most 200 of them) fills the analysis where it has no such key, so
-- that whichever of the report and the session came first the report's
-- own keys hold.  The session is then synced_to_dashboard.
CREATE OR REPLACE FUNCTION ct_session_merge(p_org uuid, p_call uuid) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    s record;
    v_booking text;
    v_add jsonb;
    v_status text;
    v_evidence jsonb;
    v_analysis jsonb;
BEGIN
    UPDATE call_sessions x SET call_id = p_call
      FROM call_legs l
     WHERE l.org_id = p_org AND l.call_id = p_call AND x.org_id = p_org
       AND x.provider = l.provider AND x.provider_call_id = l.provider_call_id
       AND x.call_id IS DISTINCT FROM p_call;
    IF NOT EXISTS (SELECT 1 FROM calls k WHERE k.org_id = p_org AND k.id = p_call
                      AND k.final_report_at IS NOT NULL) THEN
        RETURN;
    END IF;
    FOR s IN SELECT x.provider, x.provider_call_id, x.conversation_state AS st
               FROM call_sessions x WHERE x.org_id = p_org AND x.call_id = p_call
              ORDER BY x.updated_at, x.provider, x.provider_call_id LOOP
        v_booking := CASE WHEN s.st->'appointmentBooked' = 'true'::jsonb THEN 'confirmed'
                          WHEN s.st->'bookingAttempted' = 'true'::jsonb THEN 'attempted_failed' END;
        SELECT jsonb_object_agg(j.key, j.value) INTO v_add
          FROM (SELECT j.key, j.value FROM jsonb_each(s.st) j
                 WHERE jsonb_typeof(j.value) IN ('string', 'number', 'boolean')
                   AND j.key NOT IN ('appointmentBooked', 'bookingAttempted')
                   AND j.key ~ '^[A-Za-z0-9_]{1,64}$'
                   AND (jsonb_typeof(j.value) <> 'string' OR length(j.value #>> '{}') <= 1000)
                 ORDER BY j.key LIMIT 200) j;
        -- The call's values, then the new ones worked out here, then the
        -- row: on a Citus cluster a write may hold no function but an
        -- immutable one in a CASE (jsonb_build_object is stable).
        SELECT o.booking_status, o.booking_evidence, o.analysis
          INTO v_status, v_evidence, v_analysis
          FROM calls o WHERE o.org_id = p_org AND o.id = p_call FOR UPDATE;
        IF ct_booking_rank(v_booking) > ct_booking_rank(v_status) THEN
            v_status := v_booking;
            v_evidence := jsonb_build_object('source', 'session',
                                             'appointmentBooked', s.st->'appointmentBooked',
                                             'bookingAttempted', s.st->'bookingAttempted');
        END IF;
        v_analysis := CASE WHEN v_add IS NULL THEN v_analysis
                           WHEN v_analysis IS NULL THEN v_add
                           WHEN octet_length((v_add || v_analysis)::text) > 131072 THEN v_analysis
                           ELSE v_add || v_analysis END;
        UPDATE calls k SET booking_status = v_status, booking_evidence = v_evidence,
                           analysis = v_analysis
         WHERE k.org_id = p_org AND k.id = p_call
           AND (k.booking_status, k.booking_evidence, k.analysis) IS DISTINCT FROM
               (v_status, v_evidence, v_analysis);
        UPDATE call_sessions x SET synced_to_dashboard = true
         WHERE x.org_id = p_org AND x.provider = s.provider
           AND x.provider_call_id = s.provider_call_id AND NOT x.synced_to_dashboard;
    END LOOP;
END
$$;

-- PUT /api/sessions/<provider>/<provider_call_id>: stores the
-- conversation state p_state (a JSON object's text, checked by
-- dashboard-sessions) for the org of a live editor's (or admin's) token,
-- replacing what an earlier PUT stored, and merges it into the call when
-- the call has its final report (ct_session_merge), with the lead and
-- the notifications that change makes (as a webhook's would).  A session
-- may come before its call: it waits, keyed by the provider call id, for
-- the call's first event.  Returns the session: {"provider",
-- "provider_call_id", "call_id", "synced_to_dashboard", "updated_at"};
-- {"error": "token"} for a revoked or unknown token, "forbidden" for a
-- viewer's, "not_found" for a provider call id that is another org's
-- call (and not this org's) or not a provider's, "conversation_state"
-- for a state that is no object.  SECURITY DEFINER: the editors' role
-- writes no call; this writes the one call the session names, in the
-- token's org.
CREATE OR REPLACE FUNCTION ct_session_put(p_token_hash text, p_provider text,
    p_provider_call_id text, p_state text)
RETURNS json
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE
    v_org uuid;
    v_role text;
    v_state jsonb;
    v_call uuid;
    i int;
    v_old calls;
    v_new calls;
BEGIN
    SELECT t.org_id, t.role INTO v_org, v_role FROM api_tokens t
     WHERE t.token_hash = p_token_hash AND t.revoked_at IS NULL;
    IF v_org IS NULL OR ct_pin_token(p_token_hash) IS DISTINCT FROM v_org THEN
        RETURN json_build_object('error', 'token');
    ELSIF v_role NOT IN ('editor', 'admin') THEN
        RETURN json_build_object('error', 'forbidden');
    END IF;
    IF p_provider IS NULL OR p_provider NOT IN ('vapi', 'retell', 'twilio')
       OR p_provider_call_id IS NULL OR length(p_provider_call_id) NOT BETWEEN 1 AND 200 THEN
        RETURN json_build_object('error', 'not_found');
    END IF;
    BEGIN
        v_state := p_state::jsonb;
    EXCEPTION WHEN data_exception THEN
        RETURN json_build_object('error', 'conversation_state');
    END;
    IF jsonb_typeof(v_state) IS DISTINCT FROM 'object' THEN
        RETURN json_build_object('error', 'conversation_state');
    END IF;
    -- In step with the leg's webhooks (ct_legs_find), and under the
    -- call's row lock, so that of the final report and the session the
    -- later always finds the earlier.
    PERFORM pg_advisory_xact_lock(ct_leg_key(v_org, p_provider, p_provider_call_id));
    FOR i IN 1 .. 3 LOOP
        SELECT l.call_id INTO v_call FROM call_legs l
         WHERE l.org_id = v_org AND l.provider = p_provider AND l.provider_call_id = p_provider_call_id;
        EXIT WHEN v_call IS NULL;
        SELECT * INTO v_old FROM calls k WHERE k.org_id = v_org AND k.id = v_call FOR UPDATE;
        EXIT WHEN v_old.id IS NOT NULL;
        v_call := NULL;	-- folded away meanwhile: look again
    END LOOP;
    IF v_call IS NULL AND EXISTS (SELECT 1 FROM call_legs l
                                   WHERE l.provider = p_provider
                                     AND l.provider_call_id = p_provider_call_id
                                     AND l.org_id <> v_org) THEN
        RETURN json_build_object('error', 'not_found');
    END IF;
    INSERT INTO call_sessions AS x (org_id, provider, provider_call_id, call_id,
                                    conversation_state, synced_to_dashboard, updated_at)
    VALUES (v_org, p_provider, p_provider_call_id, v_call, v_state, false, now())
    ON CONFLICT (org_id, provider, provider_call_id) DO UPDATE
       SET conversation_state = EXCLUDED.conversation_state,
           call_id = COALESCE(EXCLUDED.call_id, x.call_id),
           synced_to_dashboard = false, updated_at = EXCLUDED.updated_at;
    IF v_call IS NOT NULL THEN
        PERFORM ct_session_merge(v_org, v_call);
        SELECT * INTO v_new FROM calls k WHERE k.org_id = v_org AND k.id = v_call;
        IF v_new.contact_id IS NOT NULL
           AND v_new.booking_status IS DISTINCT FROM v_old.booking_status THEN
            UPDATE contacts ct SET
                lead_status = ct_lead_next(ct.lead_status, v_new.status = 'completed',
                                           v_new.booking_status = 'confirmed'),
                changed_by = 'system'
             WHERE ct.org_id = v_org AND ct.id = v_new.contact_id;
        END IF;
        PERFORM ct_notify_call(v_org, v_old, v_new, false);
    END IF;
    RETURN (SELECT json_build_object('provider', x.provider, 'provider_call_id', x.provider_call_id,
                                     'call_id', x.call_id,
                                     'synced_to_dashboard', x.synced_to_dashboard,
                                     'updated_at', ct_iso(x.updated_at))
              FROM call_sessions x
             WHERE x.org_id = v_org AND x.provider = p_provider
               AND x.provider_call_id = p_provider_call_id);
END
$$;

-- The call's legs, as GET /api/calls/<id> shows them: every provider
-- call id of it, [{"provider", "provider_call_id"}], by provider and id
-- (a call written before its legs: its own id).
CREATE OR REPLACE FUNCTION ct_call_legs_json(p_org uuid, p_call uuid, p_provider text, p_id text)
RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT COALESCE((SELECT json_agg(json_build_object('provider', l.provider,
                                                           'provider_call_id', l.provider_call_id)
                                         ORDER BY l.provider, l.provider_call_id)
                           FROM call_legs l WHERE l.org_id = p_org AND l.call_id = p_call),
                        json_build_array(json_build_object('provider', p_provider,
                                                           'provider_call_id', p_id))));
END
$$;

-- The call's session, as GET /api/calls/<id> shows it, or NULL: the one
-- last written of those its legs name, {"provider", "provider_call_id",
-- "conversation_state", "synced_to_dashboard", "updated_at"}.
CREATE OR REPLACE FUNCTION ct_call_session_json(p_org uuid, p_call uuid) RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT json_build_object('provider', s.provider, 'provider_call_id', s.provider_call_id,
                                 'conversation_state', s.conversation_state,
                                 'synced_to_dashboard', s.synced_to_dashboard,
                                 'updated_at', ct_iso(s.updated_at))
          FROM call_legs l
          JOIN call_sessions s ON s.org_id = l.org_id AND s.provider = l.provider
                              AND s.provider_call_id = l.provider_call_id
         WHERE l.org_id = p_org AND l.call_id = p_call
         ORDER BY s.updated_at DESC, s.provider, s.provider_call_id
         LIMIT 1);
END
$$;

REVOKE ALL ON FUNCTION ct_legs_fold(uuid, uuid, uuid),
    ct_session_put(text, text, text, text) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION ct_leg_key(uuid, text, text), ct_call_sid(text), ct_booking_rank(text),
    ct_legs_find(uuid, text, text, text), ct_legs_attach(uuid, uuid, text, text, text, text, bigint, boolean),
    ct_legs_fold(uuid, uuid, uuid), ct_session_merge(uuid, uuid)
    TO calltrack_app;

GRANT EXECUTE ON FUNCTION ct_session_put(text, text, text, text) TO calltrack_editor;

GRANT EXECUTE ON FUNCTION ct_call_legs_json(uuid, uuid, text, text), ct_call_session_json(uuid, uuid)
    TO calltrack_dashboard;
