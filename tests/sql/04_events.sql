-- 04_events.sql: ct_apply_event, the one-statement write of a callback:
-- dedup, ordering, never erasing, contacts and names, leads and alerts,
-- parking what cannot be applied.  Run as the programs' role.
BEGIN;
INSERT INTO orgs (id, name, hot_lead_threshold) VALUES ('00000000-0000-0000-0000-0000000000a1', 'Org A', 70);
INSERT INTO integrations (id, org_id, provider, secret) VALUES
    ('ev-a', '00000000-0000-0000-0000-0000000000a1', 'vapi', 'secret-aaaa');

-- One event of org A's vapi integration; only what a test sets is passed.
CREATE FUNCTION pg_temp.ev(p_call text, p_key text, p_mode text DEFAULT 'apply',
    p_sa text DEFAULT NULL, p_su text DEFAULT NULL, p_answered boolean DEFAULT false,
    p_seq bigint DEFAULT NULL, p_reason text DEFAULT NULL, p_phone text DEFAULT NULL,
    p_name text DEFAULT NULL, p_started text DEFAULT NULL, p_ended text DEFAULT NULL,
    p_summary text DEFAULT NULL, p_booking text DEFAULT NULL, p_score int DEFAULT NULL,
    p_test boolean DEFAULT NULL, p_direction text DEFAULT NULL)
RETURNS text LANGUAGE sql AS $$
    SELECT outcome FROM ct_apply_event(
        p_integration => 'ev-a',
        p_provider => 'vapi', p_provider_call_id => p_call, p_event_type => 'test',
        p_dedup_key => p_key, p_payload => convert_to('{"k":"' || p_key || '"}', 'UTF8'),
        p_content_type => 'application/json', p_mode => p_mode,
        p_error => CASE WHEN p_mode = 'park' THEN 'not mapped' END,
        p_status_answered => COALESCE(p_sa, p_su), p_status_unanswered => COALESCE(p_su, p_sa),
        p_answered => p_answered, p_sequence => p_seq, p_ended_reason => p_reason,
        p_phone_number => p_phone, p_phone_raw => p_phone, p_customer_name => p_name,
        p_started_at => p_started, p_ended_at => p_ended, p_summary => p_summary,
        p_booking_status => p_booking, p_lead_score => p_score,
        p_lead_reasons => CASE WHEN p_score IS NOT NULL THEN ARRAY['booking confirmed'] END,
        p_is_test_call => p_test, p_direction => p_direction)
$$;
CREATE FUNCTION pg_temp.col(p_call text, p_col text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v text;
BEGIN
    EXECUTE format('SELECT %I::text FROM calls WHERE provider_call_id = $1', p_col) INTO v USING p_call;
    RETURN v;
END $$;

SET LOCAL ROLE calltrack_app;
SELECT plan(41);

-- Dedup and the first callback.
SELECT is(pg_temp.ev('c1', 'c1-q', p_su => 'queued', p_seq => 1, p_phone => '+14155550123',
                     p_name => 'Unknown Caller', p_direction => 'inbound'),
    'applied', 'the first callback is applied');
-- The event pinned its integration's org for the transaction; again, to
-- read what it wrote.
SELECT ct_pin_integration('ev-a') \g /dev/null
SELECT is(pg_temp.col('c1', 'status'), 'queued', 'a queued call exists from its first callback');
SELECT is(pg_temp.ev('c1', 'c1-q', p_su => 'queued', p_seq => 1), 'duplicate', 'the same key again is a duplicate');
SELECT is((SELECT count(*)::int FROM call_events WHERE provider_call_id = 'c1'), 1, 'a duplicate adds no event');
SELECT is((SELECT name FROM contacts WHERE phone = '+14155550123'), NULL,
    'a placeholder name does not become the contact''s name');
SELECT is((SELECT resolved_caller_name || '/' || name_source FROM calls_with_caller_names
            WHERE provider_call_id = 'c1'), '+14155550123/phone', 'without a name the caller is the phone number');

-- Forward only.
SELECT is(pg_temp.ev('c1', 'c1-r', p_su => 'ringing', p_seq => 2, p_phone => '+14155550123',
                     p_name => 'Maria Gonzalez'), 'applied', 'ringing is applied');
SELECT is((SELECT resolved_caller_name || '/' || name_source FROM calls_with_caller_names
            WHERE provider_call_id = 'c1'), 'Maria Gonzalez/contact', 'a real name fills the contact');
SELECT is(pg_temp.ev('c1', 'c1-q2', p_su => 'queued', p_seq => 1), 'applied', 'a late queued is taken in');
SELECT is(pg_temp.col('c1', 'status'), 'ringing', 'but the status does not move back');
SELECT is(pg_temp.ev('c1', 'c1-ip', p_su => 'in-progress', p_seq => 3, p_answered => true,
                     p_started => '2026-01-06T17:02:12.950Z'), 'applied', 'in-progress is applied');
SELECT is(pg_temp.col('c1', 'started_at'), '2026-01-06 17:02:12.95+00', 'the start time is kept');

-- The final report, the lead and the alert.
SELECT is(pg_temp.ev('c1', 'c1-eocr', p_sa => 'completed', p_su => 'failed', p_seq => 6,
                     p_reason => 'customer-ended-call', p_ended => '2026-01-06T17:02:56.850Z',
                     p_summary => 'Booked a cleaning.', p_booking => 'confirmed', p_score => 85,
                     p_phone => '+14155550123', p_name => 'Anonymous'),
    'applied', 'the final report is applied');
SELECT is(pg_temp.col('c1', 'status'), 'completed', 'an answered call with an unmapped-by-answer code is completed');
SELECT is((SELECT name FROM contacts WHERE phone = '+14155550123'), 'Maria Gonzalez',
    'a later placeholder never replaces a real name');
SELECT is((SELECT lead_status FROM contacts WHERE phone = '+14155550123'), 'booked',
    'a confirmed booking makes the lead booked');
SELECT is((SELECT last_contacted_at FROM contacts WHERE phone = '+14155550123'),
    '2026-01-06 17:02:56.85+00'::timestamptz, 'a completed call sets last_contacted_at');
SELECT is((SELECT score FROM hot_lead_alerts a JOIN calls c ON c.id = a.call_id WHERE c.provider_call_id = 'c1'),
    85, 'a score over the threshold raises a hot-lead alert');
SELECT is((SELECT lead_score FROM contacts WHERE phone = '+14155550123'), 85, 'the contact takes the score');

-- A late, older event fills gaps and erases nothing.
SELECT is(pg_temp.ev('c1', 'c1-ended', p_sa => 'failed', p_seq => 5, p_reason => 'pipeline-error',
                     p_summary => NULL, p_booking => 'not_requested'),
    'applied', 'a late ended status-update is taken in');
SELECT is(pg_temp.col('c1', 'status') || '/' || pg_temp.col('c1', 'ended_reason') || '/' ||
          pg_temp.col('c1', 'summary') || '/' || pg_temp.col('c1', 'booking_status'),
    'completed/customer-ended-call/Booked a cleaning./confirmed',
    'an older event does not replace the final report''s values');
SELECT is(pg_temp.ev('c1', 'c1-eocr-again', p_sa => 'completed', p_seq => 6, p_score => 85),
    'applied', 'the report again under another key');
SELECT is((SELECT count(*)::int FROM hot_lead_alerts), 1, 'still one alert for the call');

-- Unanswered calls and the end codes whose meaning depends on an answer.
SELECT is(pg_temp.ev('c2', 'c2-eocr', p_sa => 'completed', p_su => 'failed', p_seq => 6,
                     p_reason => 'some-new-code'), 'applied', 'a report of a never-answered call');
SELECT is(pg_temp.col('c2', 'status'), 'failed', 'an unknown code on a never-answered call is failed');

-- The sweeper's status yields to the provider.
SELECT is(pg_temp.ev('c3', 'c3-r', p_su => 'ringing', p_seq => 2), 'applied', 'a ringing call');
UPDATE calls SET status = 'failed', status_source = 'sweeper', ended_reason = 'no-final-report'
 WHERE provider_call_id = 'c3';
SELECT is(pg_temp.ev('c3', 'c3-eocr', p_su => 'no-answer', p_seq => 6, p_reason => 'customer-did-not-answer'),
    'applied', 'the late final report arrives');
SELECT is(pg_temp.col('c3', 'status') || '/' || pg_temp.col('c3', 'status_source') || '/' ||
          pg_temp.col('c3', 'ended_reason'), 'no-answer/provider/customer-did-not-answer',
    'the provider''s report replaces the sweeper''s status');

-- Lead status moves: completed makes a new lead contacted; voicemail does not.
SELECT is(pg_temp.ev('c4', 'c4', p_sa => 'completed', p_seq => 6, p_answered => true,
                     p_phone => '+14155550124', p_booking => 'not_requested', p_score => 10),
    'applied', 'a completed call without booking');
SELECT is((SELECT lead_status FROM contacts WHERE phone = '+14155550124'), 'contacted', 'new becomes contacted');
SELECT is(pg_temp.ev('c5', 'c5', p_sa => 'voicemail', p_seq => 6, p_phone => '+14155550125'),
    'applied', 'a voicemail');
SELECT is((SELECT lead_status FROM contacts WHERE phone = '+14155550125'), 'new', 'a voicemail leaves the lead new');

-- Test calls are kept but raise no alert; web calls have no contact.
SELECT is(pg_temp.ev('c6', 'c6', p_sa => 'completed', p_seq => 6, p_score => 99, p_test => true,
                     p_direction => 'web'), 'applied', 'a test web call');
SELECT is((SELECT count(*)::int FROM hot_lead_alerts a JOIN calls c ON c.id = a.call_id
            WHERE c.provider_call_id = 'c6'), 0, 'a test call raises no alert');
SELECT is(pg_temp.col('c6', 'contact_id'), NULL, 'a call without a number has no contact');

-- A name is live: renaming the contact renames every call.
UPDATE contacts SET name = 'María González', name_source = 'manual' WHERE phone = '+14155550123';
SELECT is((SELECT resolved_caller_name FROM calls_with_caller_names WHERE provider_call_id = 'c1'),
    'María González', 'the view shows the renamed contact');
SELECT is(pg_temp.ev('c1', 'c1-name', p_su => 'ringing', p_seq => 2, p_phone => '+14155550123',
                     p_name => 'Maria G'), 'applied', 'a provider name after a manual one');
SELECT is((SELECT name FROM contacts WHERE phone = '+14155550123'), 'María González',
    'a provider never overwrites a manual name');

-- What cannot be applied is parked, never lost.
SELECT is(pg_temp.ev('c7', 'c7', p_sa => 'completed', p_seq => 6, p_started => 'yesterday-ish'),
    'parked', 'a value the schema refuses parks the event');
SELECT is((SELECT outcome || '/' || (error IS NOT NULL)::text || '/' || (call_id IS NULL)::text
             FROM call_events WHERE dedup_key = 'c7'), 'parked/true/true',
    'the parked event is kept with its error and no call');
SELECT is(pg_temp.ev('c8', 'c8', p_mode => 'park') || '/' || pg_temp.ev('c1', 'c1-speech', p_mode => 'record'),
    'parked/recorded', 'park mode parks; record mode records');

SELECT * FROM finish();
ROLLBACK;
