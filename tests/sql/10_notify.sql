-- 10_notify.sql: the outbox (sql/functions/10_notify.sql).  What an
-- applied event writes, once per destination, event and call, as the
-- webhooks' role; the sweeper's call.stuck; the digest at the local hour
-- across a change of clocks; the sender's claim, lease and retry
-- schedule, as the sender's role.
BEGIN;
INSERT INTO orgs (id, name, hot_lead_threshold, timezone) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'Org A', 70, 'America/New_York'),
    ('00000000-0000-0000-0000-0000000000b2', 'Org B', 70, 'UTC');
INSERT INTO integrations (id, org_id, provider, secret) VALUES
    ('nt-a', '00000000-0000-0000-0000-0000000000a1', 'vapi', 'secret-aaaa'),
    ('nt-b', '00000000-0000-0000-0000-0000000000b2', 'vapi', 'secret-bbbb');
-- Org A: one webhook for everything, one Slack for hot leads only, one
-- disabled email.  Org B: none.
INSERT INTO notification_destinations (org_id, id, kind, url, events, secret, mail_to, enabled) VALUES
    ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-00000000d001', 'webhook',
     'https://hooks.example.com/a',
     ARRAY['call.hot_lead', 'call.booking_failed', 'call.missed', 'call.negative_sentiment',
           'call.stuck', 'digest.daily'], 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', NULL, true),
    ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-00000000d002', 'slack',
     'https://hooks.slack.com/services/T/B/x', ARRAY['call.hot_lead'], NULL, NULL, true),
    ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-00000000d003', 'email',
     'smtp://mail.example.com', ARRAY['call.hot_lead'], NULL, ARRAY['a@example.com'], false);

CREATE FUNCTION pg_temp.ev(p_int text, p_call text, p_key text, p_mode text DEFAULT 'apply',
    p_status text DEFAULT NULL, p_answered boolean DEFAULT false, p_end text DEFAULT NULL,
    p_dur int DEFAULT NULL, p_sentiment text DEFAULT NULL, p_booking text DEFAULT NULL,
    p_score int DEFAULT NULL, p_test boolean DEFAULT NULL, p_direction text DEFAULT 'inbound',
    p_started text DEFAULT NULL)
RETURNS text LANGUAGE sql AS $$
    SELECT outcome FROM ct_apply_event(
        p_integration => p_int,
        p_provider => 'vapi', p_provider_call_id => p_call, p_event_type => 'test',
        p_dedup_key => p_key, p_payload => convert_to('{"k":"' || p_key || '"}', 'UTF8'),
        p_content_type => 'application/json', p_mode => p_mode,
        p_status_answered => p_status, p_status_unanswered => p_status,
        p_answered => p_answered, p_end_call_reason => p_end, p_duration_seconds => p_dur,
        p_sentiment => p_sentiment, p_booking_status => p_booking, p_lead_score => p_score,
        p_lead_reasons => CASE WHEN p_score IS NOT NULL THEN ARRAY['asked for a quote'] END,
        p_is_test_call => p_test, p_direction => p_direction, p_phone_number => '+15555550142',
        p_started_at => p_started)
$$;
-- The messages of a call, as "event@destination" sorted (the owner reads
-- every org).
CREATE FUNCTION pg_temp.msgs(p_call text) RETURNS text LANGUAGE sql SECURITY DEFINER AS $$
    SELECT COALESCE(string_agg(n.event || '@' || right(n.destination_id::text, 4), ' '
                               ORDER BY n.event, n.destination_id), '')
      FROM notifications n JOIN calls c ON c.org_id = n.org_id AND c.id = n.call_id
     WHERE c.provider_call_id = p_call
$$;
GRANT EXECUTE ON FUNCTION pg_temp.msgs(text) TO calltrack_app, calltrack_notify;

SELECT plan(47);

SET LOCAL ROLE calltrack_app;

-- Each event type, once.
SELECT is(pg_temp.ev('nt-a', 'hot', 'hot-1', p_status => 'in-progress', p_answered => true), 'applied',
    'a call starts');
SELECT is(pg_temp.msgs('hot'), '', 'a call in progress notifies nothing');
SELECT is(pg_temp.ev('nt-a', 'hot', 'hot-2', p_status => 'completed', p_answered => true,
                     p_score => 85, p_sentiment => 'positive'), 'applied', 'its report scores it 85');
SELECT is(pg_temp.msgs('hot'), 'call.hot_lead@d001 call.hot_lead@d002',
    'a hot lead notifies each enabled destination subscribed to it, not the disabled one');
SELECT is(pg_temp.ev('nt-a', 'hot', 'hot-2', p_status => 'completed', p_answered => true, p_score => 85),
    'duplicate', 'the same report again is a duplicate');
SELECT is(pg_temp.ev('nt-a', 'hot', 'hot-3', p_status => 'completed', p_answered => true, p_score => 90),
    'applied', 'a later report scores it again');
SELECT is(pg_temp.msgs('hot'), 'call.hot_lead@d001 call.hot_lead@d002',
    'neither a duplicate nor a later event notifies again');

SELECT is(pg_temp.ev('nt-a', 'book', 'book-1', p_status => 'completed', p_answered => true,
                     p_booking => 'attempted_failed'), 'applied', 'a failed booking');
SELECT is(pg_temp.msgs('book'), 'call.booking_failed@d001', 'notifies call.booking_failed');

SELECT is(pg_temp.ev('nt-a', 'noans', 'noans-1', p_status => 'no-answer'), 'applied', 'an inbound call not answered');
SELECT is(pg_temp.msgs('noans'), 'call.missed@d001', 'is missed');
SELECT is(pg_temp.ev('nt-a', 'out', 'out-1', p_status => 'no-answer', p_direction => 'outbound'), 'applied',
    'an outbound call not answered');
SELECT is(pg_temp.msgs('out'), '', 'is not missed');
SELECT is(pg_temp.ev('nt-a', 'short', 'short-1', p_status => 'completed', p_answered => true,
                     p_end => 'customer_hangup', p_dur => 6), 'applied', 'a caller who hangs up after 6 s');
SELECT is(pg_temp.msgs('short'), 'call.missed@d001', 'is missed');
SELECT is(pg_temp.ev('nt-a', 'long', 'long-1', p_status => 'completed', p_answered => true,
                     p_end => 'customer_hangup', p_dur => 10), 'applied', 'one who hangs up after 10 s');
SELECT is(pg_temp.msgs('long'), '', 'is not');

SELECT is(pg_temp.ev('nt-a', 'neg', 'neg-1', p_status => 'in-progress', p_answered => true,
                     p_sentiment => 'negative'), 'applied', 'a negative call still in progress');
SELECT is(pg_temp.msgs('neg'), '', 'notifies nothing yet');
SELECT is(pg_temp.ev('nt-a', 'neg', 'neg-2', p_status => 'completed', p_answered => true,
                     p_sentiment => 'negative'), 'applied', 'it completes');
SELECT is(pg_temp.msgs('neg'), 'call.negative_sentiment@d001', 'a completed negative call notifies');

SELECT is(pg_temp.ev('nt-a', 'test', 'test-1', p_status => 'no-answer', p_score => 99,
                     p_booking => 'attempted_failed', p_test => true), 'applied', 'a test call, hot, failed and missed');
SELECT is(pg_temp.msgs('test'), '', 'never notifies');

SELECT is(pg_temp.ev('nt-a', 'park', 'park-1', p_status => 'completed', p_answered => true, p_score => 99,
                     p_started => 'not a time'), 'parked', 'an event that cannot be applied is parked');
SELECT is(pg_temp.msgs('park'), '', 'and notifies nothing: its work rolled back with it');

SELECT is(pg_temp.ev('nt-b', 'bhot', 'bhot-1', p_status => 'completed', p_answered => true, p_score => 99),
    'applied', 'a hot lead of an org without destinations');
SELECT is(pg_temp.msgs('bhot'), '', 'writes nothing');
SELECT throws_ok('SELECT secret FROM notification_destinations', '42501', NULL,
    'the webhooks'' role reads no destination''s secret');
SELECT throws_ok('SELECT * FROM ct_notify_claim(1, 60, NULL)', '42501', NULL,
    'nor claims messages');
RESET ROLE;

-- The sweeper's transaction.
INSERT INTO calls (org_id, provider, provider_call_id, status, last_event_at, is_test_call) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'vapi', 'stuck', 'ringing', now() - interval '1 day', false),
    ('00000000-0000-0000-0000-0000000000a1', 'vapi', 'stuck-test', 'ringing', now() - interval '1 day', true);
SELECT ok(ct_sweep() >= 2, 'the sweeper closes the stuck calls');
SELECT is(pg_temp.msgs('stuck') || '|' || pg_temp.msgs('stuck-test'), 'call.stuck@d001|',
    'a call the sweeper closed notifies call.stuck, a test call does not');

-- The digest at 08:00 New York time, across the start of daylight saving
-- time (2026-03-08, 02:00 EST becomes 03:00 EDT).
SET LOCAL ROLE calltrack_notify;
SELECT is(ct_notify_digests('2026-03-07 12:59+00'), 0, '07:59 EST: no digest yet');
SELECT is(ct_notify_digests('2026-03-07 13:00+00'), 1, '08:00 EST: the digest of 2026-03-07');
SELECT is(ct_notify_digests('2026-03-07 23:00+00'), 0, 'once that day');
SELECT is(ct_notify_digests('2026-03-08 11:59+00'), 0, '07:59 EDT (12:59 by last week''s offset): none');
SELECT is(ct_notify_digests('2026-03-08 12:00+00'), 1, '08:00 EDT: the digest of 2026-03-08');
SELECT results_eq($$SELECT subject, data->>'day' FROM notifications WHERE event = 'digest.daily'
                      AND org_id = '00000000-0000-0000-0000-0000000000a1' ORDER BY 1$$,
    $$VALUES ('2026-03-07', '2026-03-06'), ('2026-03-08', '2026-03-07')$$,
    'one a local day, each of the day before');

-- The claim: at most one message per destination, leased; a backlog of
-- one destination (ten messages older than any other) hides no other's.
RESET ROLE;
INSERT INTO notifications (org_id, destination_id, event, subject, next_attempt_at, created_at)
SELECT '00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-00000000d001', 'test',
       'backlog-' || g, now() - interval '1 hour', now() - interval '1 hour'
  FROM generate_series(1, 10) g;
SET LOCAL ROLE calltrack_notify;
CREATE TEMP TABLE c1 AS
    SELECT * FROM ct_notify_claim(1, 60, ARRAY['00000000-0000-0000-0000-00000000d001']::uuid[]);
SELECT results_eq($$SELECT count(*)::int, min(right(destination_id::text, 4)) FROM c1$$,
    $$VALUES (1, 'd002')$$,
    'with the backlogged destination in flight, a claim of one takes the other destination''s message');
CREATE TEMP TABLE c2 AS SELECT * FROM ct_notify_claim(100, 60, NULL);
SELECT results_eq($$SELECT count(*)::int, min(right(destination_id::text, 4)), min(event) FROM c2$$,
    $$VALUES (1, 'd001', 'test')$$,
    'the next claim takes one message of the other, its oldest: the first has one in flight');
CREATE TEMP TABLE claimed AS SELECT * FROM c1 UNION ALL SELECT * FROM c2;
SELECT is((SELECT count(*)::int FROM ct_notify_claim(100, 60, NULL)), 0,
    'a second claim takes none: each destination has one in flight');
SELECT ok((SELECT bool_and(n.leased_until > now() AND n.next_attempt_at = n.leased_until AND n.attempts = 1)
             FROM claimed c JOIN notifications n ON n.org_id = c.org_id AND n.id = c.id),
    'a claimed message is leased and its attempt counted');
SELECT ok((SELECT bool_and(body::jsonb->>'type' = event AND body::jsonb ? 'data')
             AND bool_or(body::jsonb->'data'->'call'->>'provider_call_id' = 'hot') FROM claimed),
    'each comes with its body, a call''s with the call');
-- The retry schedule: after the first failure about 30 s (scaled 1),
-- after the seventh, failed.
CREATE TEMP TABLE one AS SELECT * FROM claimed WHERE kind = 'slack';
SELECT is(ct_notify_result(o.org_id, o.id, 1, false, 500, 'http 500', 12, 1), 'pending',
    'a failed attempt leaves the message pending') FROM one o;
SELECT ok((SELECT n.next_attempt_at BETWEEN now() + interval '27 s' AND now() + interval '33 s'
                  AND n.leased_until IS NULL
             FROM one o JOIN notifications n ON n.org_id = o.org_id AND n.id = o.id),
    'to be tried again about 30 s later');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM one o JOIN notification_attempts a
             ON a.org_id = o.org_id AND a.notification_id = o.id AND a.status = 500), 1,
    'the attempt is kept with its status');
UPDATE notifications n SET attempts = 7 FROM one o WHERE n.org_id = o.org_id AND n.id = o.id;
SET LOCAL ROLE calltrack_notify;
SELECT is(ct_notify_result(o.org_id, o.id, 7, false, NULL, 'timed out', 10000, 1), 'failed',
    'the seventh failed attempt is the last') FROM one o;
SELECT is(ct_notify_result(o.org_id, o.id, 1, true, 200, NULL, 3, 1), 'delivered',
    'a success delivers') FROM claimed o WHERE kind = 'webhook';
SELECT * FROM finish();
ROLLBACK;
