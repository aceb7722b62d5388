-- 13_reconcile.sql: reconciliation's rows and choices (sql/023_reconcile.sql,
-- sql/functions/16_reconcile.sql): no program role reads an API key;
-- which calls a sweep asks about, three times at most, never after a 404,
-- not before a 429's time; an attempt's error is bounded; a recovered
-- final report ends the call's missing one.
BEGIN;
SELECT plan(17);

INSERT INTO orgs (id, name) VALUES ('00000000-0000-0000-0000-0000000013a1', 'rc Org A');
INSERT INTO integrations (id, org_id, provider, secret, public_url) VALUES
    ('rc-v', '00000000-0000-0000-0000-0000000013a1', 'vapi', 'secret-vvvv-rc', NULL),
    ('rc-nokey', '00000000-0000-0000-0000-0000000013a1', 'vapi', 'secret-nnnn-rc', NULL),
    ('rc-t', '00000000-0000-0000-0000-0000000013a1', 'twilio', 'secret-tttt-rc', 'https://x.example/t');
UPDATE integrations SET api_key = 'vapi-private-key-rc', api_key_set_at = now() WHERE id = 'rc-v';
UPDATE integrations SET api_key = 'twilio-token-rc-0001', api_key_set_at = now() WHERE id = 'rc-t';

-- No program role may read a key.
SELECT ok(NOT has_column_privilege(r, 'integrations', 'api_key', 'SELECT')
          AND NOT has_column_privilege(r, 'integrations', 'api_account_sid', 'SELECT'),
          format('%s cannot read an API key', r))
  FROM unnest(ARRAY['calltrack_app', 'calltrack_editor', 'calltrack_dashboard',
                    'calltrack_notify']) r;

INSERT INTO calls (org_id, id, provider, provider_call_id, integration_id, status, status_source,
                   last_event_at, ended_at) VALUES
    -- Stuck (ringing for a day).
    ('00000000-0000-0000-0000-0000000013a1', '00000000-0000-0000-0013-000000000001', 'vapi',
     'rc-stuck', 'rc-v', 'ringing', 'provider', now() - interval '1 day', NULL),
    -- Ended 20 minutes ago, no final report.
    ('00000000-0000-0000-0000-0000000013a1', '00000000-0000-0000-0013-000000000002', 'vapi',
     'rc-missing', 'rc-v', 'completed', 'provider', now() - interval '20 minutes',
     now() - interval '20 minutes'),
    -- Ended 2 minutes ago: not yet.
    ('00000000-0000-0000-0000-0000000013a1', '00000000-0000-0000-0013-000000000003', 'vapi',
     'rc-recent', 'rc-v', 'completed', 'provider', now() - interval '2 minutes',
     now() - interval '2 minutes'),
    -- Stuck, but its integration has no key.
    ('00000000-0000-0000-0000-0000000013a1', '00000000-0000-0000-0013-000000000004', 'vapi',
     'rc-nokey', 'rc-nokey', 'ringing', 'provider', now() - interval '1 day', NULL),
    -- Twilio, stuck; its account from its callbacks.
    ('00000000-0000-0000-0000-0000000013a1', '00000000-0000-0000-0013-000000000005', 'twilio',
     'CArc', 'rc-t', 'ringing', 'provider', now() - interval '1 day', NULL);
INSERT INTO call_events (org_id, integration_id, provider, provider_call_id, event_type,
                         dedup_key, payload, content_type, outcome) VALUES
    ('00000000-0000-0000-0000-0000000013a1', 'rc-t', 'twilio', 'CArc', 'ringing', 'rc-k1',
     convert_to('CallSid=CArc&AccountSid=AC0123456789abcdef0123456789abcdef&CallStatus=ringing', 'UTF8'),
     'application/x-www-form-urlencoded', 'applied');

SELECT set_eq($$SELECT provider_call_id, why FROM ct_reconcile_due(10, 100)$$,
    $$VALUES ('rc-stuck', 'stuck'), ('rc-missing', 'missing'), ('CArc', 'stuck')$$,
    'stuck calls and calls missing their report 10 minutes after the end, of integrations with a key');
SELECT is((SELECT account_sid FROM ct_reconcile_due(10, 100) WHERE provider_call_id = 'CArc'),
    'AC0123456789abcdef0123456789abcdef', 'a Twilio account is the one its callbacks carried');
SELECT is((SELECT count(*)::int FROM ct_reconcile_due(1, 100)), 1, 'bounded per org');
SELECT is((SELECT count(*)::int FROM ct_reconcile_due(10, 2)), 2, 'bounded per run');

-- A 404: never asked again.
SELECT ct_reconcile_record('00000000-0000-0000-0000-0000000013a1',
    '00000000-0000-0000-0013-000000000001', 'rc-v', 404, 'not_found', 'status 404', NULL, false);
SELECT ok(NOT EXISTS (SELECT 1 FROM ct_reconcile_due(10, 100, now() + interval '1 day')
                       WHERE provider_call_id = 'rc-stuck'), 'a call the provider does not know is left');

-- A 429: not before its time.
SELECT ct_reconcile_record('00000000-0000-0000-0000-0000000013a1',
    '00000000-0000-0000-0013-000000000005', 'rc-t', 429, 'rate_limited', 'status 429', 7200, false);
SELECT ok(NOT EXISTS (SELECT 1 FROM ct_reconcile_due(10, 100, now() + interval '1 hour')
                       WHERE provider_call_id = 'CArc'), 'a rate-limited call waits for Retry-After');
SELECT ok(EXISTS (SELECT 1 FROM ct_reconcile_due(10, 100, now() + interval '3 hours')
                   WHERE provider_call_id = 'CArc'), 'and is asked once it has passed');

-- Failures: a third of the stuck limit apart, three at most.
SELECT ct_reconcile_record('00000000-0000-0000-0000-0000000013a1',
    '00000000-0000-0000-0013-000000000002', 'rc-v', 500, 'failed', repeat('x', 5000), NULL, false);
SELECT is((SELECT length(error) FROM reconcile_attempts
            WHERE call_id = '00000000-0000-0000-0013-000000000002'), 1000, 'an error is cut to 1000');
SELECT ok(NOT EXISTS (SELECT 1 FROM ct_reconcile_due(10, 100) WHERE provider_call_id = 'rc-missing'),
    'a failed call is not asked again at once');
SELECT ok(EXISTS (SELECT 1 FROM ct_reconcile_due(10, 100, now() + interval '2 days')
                   WHERE provider_call_id = 'rc-missing'), 'but later');
SELECT ct_reconcile_record('00000000-0000-0000-0000-0000000013a1',
    '00000000-0000-0000-0013-000000000002', 'rc-v', 500, 'failed', 'x', NULL, false);
SELECT ct_reconcile_record('00000000-0000-0000-0000-0000000013a1',
    '00000000-0000-0000-0013-000000000002', 'rc-v', 0, 'failed', 'x', NULL, false);
SELECT ok(NOT EXISTS (SELECT 1 FROM ct_reconcile_due(10, 100, now() + interval '2 days')
                       WHERE provider_call_id = 'rc-missing'), 'three tries, then the sweeper''s');

-- A recovered final report.
SELECT ct_reconcile_record('00000000-0000-0000-0000-0000000013a1',
    '00000000-0000-0000-0013-000000000003', 'rc-v', 200, 'recovered', NULL, NULL, true);
SELECT isnt((SELECT final_report_at FROM calls WHERE id = '00000000-0000-0000-0013-000000000003'),
    NULL, 'a recovered final report is the call''s');
SELECT is((ct_ingest_reconciles('00000000-0000-0000-0000-0000000013a1',
            now() - interval '1 hour', now() + interval '1 hour'))::jsonb,
    '{"rc-t": {"attempted": 1, "recovered": 0, "failed": 1},
      "rc-v": {"attempted": 5, "recovered": 1, "failed": 4}}'::jsonb,
    'the ingestion figures of an org''s integrations');
SELECT * FROM finish();
ROLLBACK;
