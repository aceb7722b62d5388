-- 11_legs.sql: the legs of a call (sql/functions/15_legs.sql), as the
-- webhooks' role writes them.  Two calls of one Twilio call folded into
-- the agent's: Twilio's lifecycle, the agent's everything else, its
-- events, legs and session moved, one hot-lead alert and one message per
-- destination and event kept, its contact and the rollup counting it
-- once; a second agent call naming the same Twilio call is not folded;
-- the fold is for the pinned org only; a session raises a booking and
-- fills the analysis, never more.
BEGIN;
INSERT INTO orgs (id, name, hot_lead_threshold) VALUES
    ('00000000-0000-0000-0000-0000000011a1', 'Legs A', 70),
    ('00000000-0000-0000-0000-0000000011b2', 'Legs B', 70);
INSERT INTO integrations (id, org_id, provider, secret, public_url) VALUES
    ('lg-vapi', '00000000-0000-0000-0000-0000000011a1', 'vapi', 'secret-aaaa', NULL),
    ('lg-twilio', '00000000-0000-0000-0000-0000000011a1', 'twilio', 'secret-aaaa',
     'https://calls.example.com/hooks/twilio/lg-twilio'),
    ('lg-vapi-b', '00000000-0000-0000-0000-0000000011b2', 'vapi', 'secret-bbbb', NULL);
INSERT INTO notification_destinations (org_id, id, kind, url, events, secret) VALUES
    ('00000000-0000-0000-0000-0000000011a1', '00000000-0000-0000-0000-00000000d011', 'webhook',
     'https://hooks.example.com/legs', ARRAY['call.hot_lead', 'call.booking_failed'],
     'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');

-- One event of org A: the agent's (lg-vapi) or Twilio's (lg-twilio).
CREATE FUNCTION pg_temp.ev(p_int text, p_call text, p_key text, p_sid text DEFAULT NULL,
    p_status text DEFAULT NULL, p_answered boolean DEFAULT false, p_seq bigint DEFAULT NULL,
    p_started text DEFAULT NULL, p_ended text DEFAULT NULL, p_dur int DEFAULT NULL,
    p_reason text DEFAULT NULL, p_booking text DEFAULT NULL, p_score int DEFAULT NULL,
    p_transcript text DEFAULT NULL, p_type text DEFAULT 'test', p_analysis text DEFAULT NULL)
RETURNS text LANGUAGE sql AS $$
    SELECT outcome FROM ct_apply_event(
        p_integration => p_int,
        p_provider => CASE WHEN p_int LIKE '%twilio' THEN 'twilio' ELSE 'vapi' END,
        p_provider_call_id => p_call, p_event_type => p_type,
        p_dedup_key => p_key, p_payload => convert_to('{"k":"' || p_key || '"}', 'UTF8'),
        p_content_type => 'application/json', p_mode => 'apply',
        p_status_answered => p_status, p_status_unanswered => p_status,
        p_answered => p_answered, p_sequence => p_seq, p_started_at => p_started,
        p_ended_at => p_ended, p_duration_seconds => p_dur, p_ended_reason => p_reason,
        p_booking_status => p_booking, p_lead_score => p_score,
        p_lead_reasons => CASE WHEN p_score IS NOT NULL THEN ARRAY['asked to book'] END,
        p_transcript => p_transcript, p_direction => 'inbound', p_phone_number => '+14155550511',
        p_analysis => p_analysis, p_linked_call_sid => p_sid)
$$;
-- A call of org A by one of its legs, as the owner sees it.
CREATE FUNCTION pg_temp.call(p_provider text, p_id text) RETURNS calls
    LANGUAGE sql SECURITY DEFINER AS $$
    SELECT c.* FROM calls c JOIN call_legs l ON l.org_id = c.org_id AND l.call_id = c.id
     WHERE l.org_id = '00000000-0000-0000-0000-0000000011a1' AND l.provider = p_provider
       AND l.provider_call_id = p_id
$$;
GRANT EXECUTE ON FUNCTION pg_temp.call(text, text) TO calltrack_app;

SELECT plan(28);

SET LOCAL ROLE calltrack_app;

-- The agent's first event names no Twilio call; Twilio's callbacks make
-- a call of their own.
SELECT is(pg_temp.ev('lg-vapi', 'lg-agent-1', 'lg-k1', p_status => 'in-progress', p_answered => true,
                     p_seq => 3, p_started => '2026-02-02T10:00:03.200Z'), 'applied',
    'the agent leg starts a call');
SELECT is(pg_temp.ev('lg-twilio', 'CA00000000000000000000000000000aa1', 'lg-k2', p_status => 'completed',
                     p_answered => true, p_seq => 2, p_ended => '2026-02-02T10:01:05Z', p_dur => 62,
                     p_reason => 'completed'), 'applied',
    'Twilio''s completed callback makes another');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM calls WHERE org_id = '00000000-0000-0000-0000-0000000011a1'), 2,
    'two calls so far');
SELECT is((SELECT call_count FROM contacts WHERE org_id = '00000000-0000-0000-0000-0000000011a1'), 2,
    'their contact counts both');
-- What the Twilio call caused: an acknowledged alert and a delivered
-- message (a made-up past, to see what a fold keeps).
INSERT INTO hot_lead_alerts (org_id, call_id, score, acknowledged_at, acknowledged_by)
SELECT org_id, id, 75, now(), 'bats' FROM calls WHERE provider_call_id = 'CA00000000000000000000000000000aa1';
INSERT INTO notifications (org_id, destination_id, event, subject, call_id, state)
SELECT org_id, '00000000-0000-0000-0000-00000000d011', 'call.hot_lead', id::text, id, 'delivered'
  FROM calls WHERE provider_call_id = 'CA00000000000000000000000000000aa1';
-- The agent's session, stored before the call's report.
INSERT INTO call_sessions (org_id, provider, provider_call_id, conversation_state)
VALUES ('00000000-0000-0000-0000-0000000011a1', 'twilio', 'CA00000000000000000000000000000aa1',
        '{"bookingAttempted": true, "stage": "closing", "urgency": "from the session", "slots": [1]}');
SET LOCAL ROLE calltrack_app;

-- The agent's report names the Twilio call: one call.
SELECT is(pg_temp.ev('lg-vapi', 'lg-agent-1', 'lg-k3', p_sid => 'CA00000000000000000000000000000aa1',
                     p_status => 'completed', p_answered => true, p_seq => 6,
                     p_started => '2026-02-02T10:00:03.200Z', p_ended => '2026-02-02T10:01:04.480Z',
                     p_dur => 61, p_reason => 'customer-ended-call', p_booking => 'not_requested',
                     p_score => 90, p_transcript => 'AI: hello', p_type => 'end-of-call-report',
                     p_analysis => '{"urgency": "high"}'), 'applied',
    'the report that names the Twilio call applies');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM calls WHERE org_id = '00000000-0000-0000-0000-0000000011a1'), 1,
    'the two calls are one');
SELECT is((pg_temp.call('twilio', 'CA00000000000000000000000000000aa1')).id,
          (pg_temp.call('vapi', 'lg-agent-1')).id, 'both legs find it');
SELECT is((SELECT provider || ' ' || provider_call_id || ' ' || integration_id FROM calls
            WHERE org_id = '00000000-0000-0000-0000-0000000011a1'),
    'vapi lg-agent-1 lg-vapi', 'it is the agent''s call');
SELECT is((SELECT string_agg(status || ' ' || duration_seconds || ' ' || ct_iso(ended_at) || ' '
                             || ct_iso(started_at), '') FROM calls
            WHERE org_id = '00000000-0000-0000-0000-0000000011a1'),
    'completed 62 2026-02-02T10:01:05.000Z 2026-02-02T10:00:03.200Z',
    'Twilio''s end and carrier duration, the agent''s start');
SELECT is((SELECT ended_reason || ' ' || transcript || ' ' || lead_score FROM calls
            WHERE org_id = '00000000-0000-0000-0000-0000000011a1'),
    'customer-ended-call AI: hello 90', 'the agent''s end reason, transcript and score');
SELECT is((SELECT count(*)::int FROM call_events e JOIN calls c ON c.org_id = e.org_id AND c.id = e.call_id
            WHERE e.org_id = '00000000-0000-0000-0000-0000000011a1'), 3,
    'every event of both legs points at it');
SELECT is((SELECT call_count FROM contacts WHERE org_id = '00000000-0000-0000-0000-0000000011a1'), 1,
    'the contact counts it once');
SELECT is((SELECT sum(calls)::int FROM call_rollup_delta WHERE org_id = '00000000-0000-0000-0000-0000000011a1'),
    1, 'the rollup counts it once');
SELECT is((SELECT count(*)::int || ' ' || bool_and(acknowledged_at IS NOT NULL) FROM hot_lead_alerts
            WHERE org_id = '00000000-0000-0000-0000-0000000011a1'), '1 true',
    'one hot-lead alert, the acknowledged one');
SELECT is((SELECT string_agg(event || ' ' || state || ' ' || (subject = call_id::text), ',' ORDER BY event)
             FROM notifications WHERE org_id = '00000000-0000-0000-0000-0000000011a1'
              AND call_id = (pg_temp.call('vapi', 'lg-agent-1')).id),
    'call.booking_failed pending true,call.hot_lead delivered true',
    'one message per event: the hot lead sent already, not again; the session''s failed booking');
SELECT is((SELECT booking_status || ' ' || (booking_evidence->>'source') || ' ' || analysis::text FROM calls
            WHERE org_id = '00000000-0000-0000-0000-0000000011a1'),
    'attempted_failed session {"stage": "closing", "urgency": "high"}',
    'the session merged with the report: its booking raised, its analysis filling what the report left');
SELECT is((SELECT synced_to_dashboard::text || ' ' || (call_id = (pg_temp.call('vapi', 'lg-agent-1')).id)
             FROM call_sessions WHERE org_id = '00000000-0000-0000-0000-0000000011a1'), 'true true',
    'the session is the call''s, synced');

-- A late Twilio ringing moves nothing back; a second agent call naming
-- the same Twilio call stays a call of its own.
SET LOCAL ROLE calltrack_app;
SELECT is(pg_temp.ev('lg-twilio', 'CA00000000000000000000000000000aa1', 'lg-k4', p_status => 'ringing',
                     p_seq => 0), 'applied', 'a late ringing applies');
SELECT is((pg_temp.call('vapi', 'lg-agent-1')).status, 'completed', 'and moves nothing back');
SELECT is(pg_temp.ev('lg-vapi', 'lg-agent-2', 'lg-k5', p_sid => 'CA00000000000000000000000000000aa1',
                     p_status => 'in-progress', p_answered => true), 'applied',
    'another agent call naming it applies');
SELECT isnt((pg_temp.call('vapi', 'lg-agent-2')).id, (pg_temp.call('vapi', 'lg-agent-1')).id,
    'as a call of its own');
RESET ROLE;
SELECT is((SELECT error FROM call_events WHERE dedup_key = 'lg-k5'),
    'the twilio call CA00000000000000000000000000000aa1 is another agent call''s: not linked',
    'its event says why');
SET LOCAL ROLE calltrack_app;
-- A linked id that is no CallSid links nothing.
SELECT is(pg_temp.ev('lg-vapi', 'lg-agent-3', 'lg-k6', p_sid => 'CA-not-a-sid', p_status => 'queued'),
    'applied', 'an event naming no CallSid applies');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM call_legs WHERE org_id = '00000000-0000-0000-0000-0000000011a1'
              AND call_id = (pg_temp.call('vapi', 'lg-agent-3')).id), 1, 'with its own leg only');

-- The fold is the pinned org's alone.
SET LOCAL ROLE calltrack_app;
SELECT set_config('calltrack.pin', '', true) \g /dev/null
SELECT throws_ok($$SELECT ct_legs_fold('00000000-0000-0000-0000-0000000011a1',
    gen_random_uuid(), gen_random_uuid())$$, '42501', NULL, 'no pin, no fold');
SELECT ct_pin_integration('lg-vapi-b') \g /dev/null
SELECT throws_ok($$SELECT ct_legs_fold('00000000-0000-0000-0000-0000000011a1',
    gen_random_uuid(), gen_random_uuid())$$, '42501', NULL, 'nor a fold of another org than the pinned');
SELECT throws_ok($$DELETE FROM calls$$, '42501', NULL, 'the webhooks'' role still removes no call itself');
SELECT throws_ok($$UPDATE call_legs SET call_id = gen_random_uuid()$$, '42501', NULL,
    'nor moves a leg');

SELECT * FROM finish();
ROLLBACK;
