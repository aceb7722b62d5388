-- 09_rejected_retention.sql: ct_prune_rejected deletes rejected_events
-- older than the retention, a batch at a time and the oldest first, and
-- keeps the rest.  "Now" is 2020-03-01, so rows the stack keeps today are
-- never old here.
BEGIN;
SELECT plan(11);

INSERT INTO orgs (id, name) VALUES ('00000000-0000-0000-0000-0000000009a1', 'Org R');

-- Seven old rows (of an org and of unknown integrations), one exactly 30
-- days old, three recent.
INSERT INTO rejected_events (org_id, integration_id, provider, received_at, http_status, reason)
SELECT CASE WHEN i % 2 = 0 THEN '00000000-0000-0000-0000-0000000009a1'::uuid END,
       'pgtap-old-' || i, 'vapi', '2020-01-01 00:00+00'::timestamptz + make_interval(days => i),
       401, 'invalid_signature'
  FROM generate_series(1, 7) i;
INSERT INTO rejected_events (org_id, integration_id, provider, received_at, http_status, reason)
VALUES (NULL, 'pgtap-edge', 'vapi', '2020-01-31 00:00+00', 404, 'unknown_integration');
INSERT INTO rejected_events (org_id, integration_id, provider, received_at, http_status, reason)
SELECT '00000000-0000-0000-0000-0000000009a1', 'pgtap-new-' || i, 'retell',
       '2020-02-15 00:00+00'::timestamptz + make_interval(days => i), 400, 'malformed_body'
  FROM generate_series(1, 3) i;

SELECT is(ct_prune_rejected(30, 5, '2020-03-01 00:00+00'), 5, 'a first batch deletes five old rows');
SELECT is((SELECT string_agg(integration_id, ',' ORDER BY integration_id) FROM rejected_events
            WHERE integration_id LIKE 'pgtap-old-%'), 'pgtap-old-6,pgtap-old-7',
    'the oldest go first');
SELECT is(ct_prune_rejected(30, 5, '2020-03-01 00:00+00'), 2, 'the next batch deletes the rest');
SELECT is(ct_prune_rejected(30, 5, '2020-03-01 00:00+00'), 0, 'then nothing is left to delete');
SELECT is((SELECT count(*)::int FROM rejected_events WHERE integration_id LIKE 'pgtap-old-%'), 0,
    'every row older than the retention is gone, with an org or without');
SELECT is((SELECT count(*)::int FROM rejected_events WHERE integration_id LIKE 'pgtap-new-%'), 3,
    'recent rows stay');
SELECT is((SELECT count(*)::int FROM rejected_events WHERE integration_id = 'pgtap-edge'), 1,
    'a row exactly as old as the retention stays');
SELECT is(ct_prune_rejected(29, 5000, '2020-03-01 00:00+00'), 1,
    'a shorter retention reaches further (the 30-day-old row)');
SELECT throws_ok($$SELECT ct_prune_rejected(0)$$, '22023', NULL, 'a retention under a day is refused');
SELECT throws_ok($$SELECT ct_prune_rejected(30, 0)$$, '22023', NULL, 'an empty batch is refused');

-- The programs keep rejections and never delete them.
SET LOCAL ROLE calltrack_app;
SELECT throws_ok($$SELECT ct_prune_rejected(30)$$, '42501', NULL,
    'the program role cannot prune');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
