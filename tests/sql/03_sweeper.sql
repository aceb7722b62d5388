-- 03_sweeper.sql: ct_sweep closes what is stuck, and nothing else.
BEGIN;
SELECT plan(12);

INSERT INTO orgs (id, name, stuck_unanswered_minutes, stuck_answered_minutes) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'Org A', 10, 60),
    ('00000000-0000-0000-0000-0000000000b2', 'Org B', 30, 60);

-- "now" for every call below is 2026-03-01 12:00 UTC.
INSERT INTO calls (org_id, provider, provider_call_id, status, last_event_at) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'vapi', 'queued-old',   'queued',      '2026-03-01 11:49+00'),
    ('00000000-0000-0000-0000-0000000000a1', 'vapi', 'ringing-old',  'ringing',     '2026-03-01 11:40+00'),
    ('00000000-0000-0000-0000-0000000000a1', 'vapi', 'queued-fresh', 'queued',      '2026-03-01 11:55+00'),
    ('00000000-0000-0000-0000-0000000000a1', 'vapi', 'live-old',     'in-progress', '2026-03-01 10:30+00'),
    ('00000000-0000-0000-0000-0000000000a1', 'vapi', 'live-fresh',   'in-progress', '2026-03-01 11:30+00'),
    ('00000000-0000-0000-0000-0000000000a1', 'vapi', 'done-old',     'completed',   '2026-01-01 00:00+00'),
    ('00000000-0000-0000-0000-0000000000b2', 'vapi', 'b-queued',     'queued',      '2026-03-01 11:45+00');

SELECT is(ct_sweep('2026-03-01 12:00+00'), 3, 'three stuck calls are closed');
SELECT is((SELECT status FROM calls WHERE provider_call_id = 'queued-old'), 'failed',
    'a queued call never answered becomes failed');
SELECT is((SELECT status FROM calls WHERE provider_call_id = 'ringing-old'), 'failed',
    'a ringing call never answered becomes failed');
SELECT is((SELECT status FROM calls WHERE provider_call_id = 'live-old'), 'completed',
    'an answered call becomes completed');
SELECT results_eq($$SELECT DISTINCT ended_reason, status_source FROM calls
                    WHERE provider_call_id IN ('queued-old', 'ringing-old', 'live-old')$$,
    $$VALUES ('no-final-report', 'sweeper')$$, 'swept calls say why and who closed them');
SELECT is((SELECT ended_at FROM calls WHERE provider_call_id = 'live-old'), '2026-03-01 10:30+00'::timestamptz,
    'a swept call ends at its last event');
SELECT is((SELECT status FROM calls WHERE provider_call_id = 'queued-fresh'), 'queued',
    'a queued call inside its limit is left alone');
SELECT is((SELECT status FROM calls WHERE provider_call_id = 'live-fresh'), 'in-progress',
    'a live call inside its limit is left alone');
SELECT is((SELECT status FROM calls WHERE provider_call_id = 'b-queued'), 'queued',
    'each org''s own limit applies (org B allows 30 minutes)');
SELECT is((SELECT status_source FROM calls WHERE provider_call_id = 'done-old'), 'provider',
    'a finished call is never touched');
SELECT is(ct_sweep('2026-03-01 12:00+00'), 0, 'a second sweep closes nothing more');
-- A late provider report still wins over the sweeper.
UPDATE calls SET status = 'completed', status_source = 'provider', ended_reason = 'customer-ended-call'
 WHERE provider_call_id = 'queued-old';
SELECT is((SELECT status_source FROM calls WHERE provider_call_id = 'queued-old'), 'provider',
    'a provider''s final report replaces the sweeper''s status');

SELECT * FROM finish();
ROLLBACK;
