-- 04_events.sql: the raw event log and its deduplication.
BEGIN;
INSERT INTO orgs (id, name) VALUES ('00000000-0000-0000-0000-0000000000a1', 'Org A');
INSERT INTO integrations (id, org_id, provider, secret) VALUES
    ('ev-a', '00000000-0000-0000-0000-0000000000a1', 'vapi', 'secret-aaaa');
SET LOCAL ROLE calltrack_app;
SELECT plan(6);

SELECT is((SELECT outcome FROM ct_record_event('00000000-0000-0000-0000-0000000000a1', 'ev-a', 'vapi',
    'call-1', 'status-update', 'k1', '\x7b7d', 'application/json', 'parked', 'why')),
    'parked', 'a new event is recorded with the outcome given');
SELECT is((SELECT outcome FROM ct_record_event('00000000-0000-0000-0000-0000000000a1', 'ev-a', 'vapi',
    'call-1', 'status-update', 'k1', '\x7b7d', 'application/json', 'parked', 'why')),
    'duplicate', 'the same dedup key again is a duplicate');
SELECT set_config('calltrack.org_id', '00000000-0000-0000-0000-0000000000a1', true) \g /dev/null
SELECT is((SELECT count(*)::int FROM call_events), 1, 'a duplicate adds no row');
SELECT is((SELECT payload FROM call_events), '\x7b7d'::bytea, 'the payload is kept byte for byte');
SELECT is((SELECT outcome FROM ct_record_event('00000000-0000-0000-0000-0000000000a1', 'ev-a', 'vapi',
    'call-1', 'status-update', 'k2', '\x7b7d', 'application/json', 'parked', 'why')),
    'parked', 'another dedup key is another event');
SELECT throws_ok($$SELECT * FROM ct_record_event('00000000-0000-0000-0000-0000000000a1', 'ev-a', 'vapi',
    'call-1', 'status-update', 'k3', '\x7b7d', 'application/json', 'maybe', NULL)$$, '23514', NULL,
    'an outcome outside the list is refused');

SELECT * FROM finish();
ROLLBACK;
