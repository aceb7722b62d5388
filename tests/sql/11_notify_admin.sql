-- 11_notify_admin.sql: what dashboard-notify's role may do with
-- notification destinations (sql/functions/11_notify_admin.sql,
-- 08_security.sql): an admin token's org only; no secret ever read back;
-- a viewer's or editor's token changes nothing; removing a destination
-- takes its messages and their attempts; a retry is for a failed message
-- only; the delivery log reads by its indexes.
BEGIN;

INSERT INTO orgs (id, name) VALUES
    ('00000000-0000-0000-0000-0000000011a1', 'n11 Org A'),
    ('00000000-0000-0000-0000-0000000011b2', 'n11 Org B');
-- Token hashes: A admin, A editor, A viewer, B admin.
INSERT INTO api_tokens (org_id, token_hash, role) VALUES
    ('00000000-0000-0000-0000-0000000011a1', repeat('1a', 32), 'admin'),
    ('00000000-0000-0000-0000-0000000011a1', repeat('1e', 32), 'editor'),
    ('00000000-0000-0000-0000-0000000011a1', repeat('1f', 32), 'viewer'),
    ('00000000-0000-0000-0000-0000000011b2', repeat('1b', 32), 'admin');
-- Org B's destination, with a message that failed after two attempts.
INSERT INTO notification_destinations (org_id, id, kind, url, events, secret) VALUES
    ('00000000-0000-0000-0000-0000000011b2', '00000000-0000-0000-0000-00000000d0b2', 'webhook',
     'https://b.example.com/in', ARRAY['call.missed'], 'whsec_orgbsecretorgbsecret');
INSERT INTO notifications (org_id, id, destination_id, event, subject, state, attempts) VALUES
    ('00000000-0000-0000-0000-0000000011b2', '00000000-0000-0000-0000-00000000e0b2',
     '00000000-0000-0000-0000-00000000d0b2', 'call.missed', 'b-1', 'failed', 2);

-- A statement's plan, as text.
CREATE FUNCTION pg_temp.plan_of(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; r text := '';
BEGIN
    FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || p_sql LOOP r := r || l || E'\n'; END LOOP;
    RETURN r;
END $$;

SET LOCAL ROLE calltrack_editor;
SELECT plan(48);

-- ---- The secrets: written, never read ----
SELECT ok(NOT has_column_privilege('calltrack_editor', 'notification_destinations', c, 'SELECT'),
    format('calltrack_editor cannot select notification_destinations.%s', c))
  FROM unnest(ARRAY['secret', 'secret_next', 'smtp_password']) c;
SELECT ok(has_column_privilege('calltrack_editor', 'notification_destinations', c, 'INSERT'),
    format('but may insert notification_destinations.%s', c))
  FROM unnest(ARRAY['secret', 'smtp_password']) c;
SELECT ok(NOT has_column_privilege('calltrack_editor', 'notification_destinations', 'secret', 'UPDATE')
          AND NOT has_column_privilege('calltrack_editor', 'notification_destinations', 'url', 'UPDATE'),
    'nor change a secret or a URL once made');
SELECT ok(NOT has_table_privilege('calltrack_editor', 'notification_attempts', 'INSERT')
          AND NOT has_table_privilege('calltrack_editor', 'notifications', 'DELETE')
          AND NOT has_column_privilege('calltrack_editor', 'notifications', 'attempts', 'UPDATE'),
    'nor write attempts, delete messages or reset their count');
SELECT ct_pin_token(repeat('1a', 32)) \g /dev/null
SELECT throws_ok('SELECT secret FROM notification_destinations', '42501', NULL,
    'selecting the secret is refused');
SELECT throws_ok('SELECT smtp_password FROM notification_destinations', '42501', NULL,
    'selecting the SMTP password is refused');
SELECT throws_ok('SELECT * FROM notification_destinations', '42501', NULL,
    'selecting every column is refused');

-- ---- An admin token: its org's destinations ----
SELECT is(ct_notify_list_by_token(repeat('1a', 32)), '{"notifications": []}'::jsonb,
    'org A has no destination yet');
SELECT ct_notify_add_by_token(repeat('1a', 32), 'webhook', 'https://a.example.com/in',
    ARRAY['call.hot_lead', 'call.missed'], 'whsec_orgasecretorgasecret', NULL, NULL, NULL, NULL) AS added \gset
SELECT is(:'added'::jsonb - 'id' - 'created_at',
    '{"kind": "webhook", "url": "https://a.example.com/in", "events": ["call.hot_lead", "call.missed"],
      "enabled": true}'::jsonb, 'an added webhook is shown without its secret');
SELECT ok(:'added' NOT LIKE '%whsec_%', 'the secret is nowhere in the answer');
SELECT ct_notify_add_by_token(repeat('1a', 32), 'email', 'smtp://mail.example.com:587',
    ARRAY['digest.daily'], NULL, ARRAY['ops@example.com'], 'ct@example.com', 'ct', 'pw-not-shown')
    ->> 'id' AS email_id \gset
SELECT ct_notify_add_by_token(repeat('1a', 32), 'slack', 'https://hooks.slack.com/services/T0AB/B0CD/secretpart',
    ARRAY['call.stuck'], NULL, NULL, NULL, NULL, NULL) ->> 'id' AS slack_id \gset
SELECT is(jsonb_array_length(ct_notify_list_by_token(repeat('1a', 32)) -> 'notifications'), 3,
    'org A lists its three destinations');
SELECT is((SELECT n FROM jsonb_array_elements(ct_notify_list_by_token(repeat('1a', 32)) -> 'notifications') n
            WHERE n ->> 'id' = :'email_id') - 'id' - 'created_at',
    '{"kind": "email", "smtp_url": "smtp://mail.example.com:587", "to": ["ops@example.com"],
      "from": "ct@example.com", "smtp_user": "ct", "events": ["digest.daily"], "enabled": true}'::jsonb,
    'an email destination shows its server, recipients, sender and user, not its password');
SELECT is((SELECT n ->> 'url' FROM jsonb_array_elements(ct_notify_list_by_token(repeat('1a', 32)) -> 'notifications') n
            WHERE n ->> 'id' = :'slack_id'),
    'https://hooks.slack.com/services/T…/…', 'a Slack URL is shown with its path masked');
SELECT ok(ct_notify_list_by_token(repeat('1a', 32))::text !~ '(whsec_|pw-not-shown|secretpart|B0CD)',
    'no secret, password or Slack path in the list');
SELECT is(ct_notify_target('slack', 'https://hooks.slack.com'), 'https://hooks.slack.com/…/…',
    'a Slack URL without a path is masked too');
SELECT is(ct_notify_list_by_token(repeat('1b', 32)) #>> '{notifications,0,id}',
    '00000000-0000-0000-0000-00000000d0b2', 'org B''s admin sees org B''s destination alone');

-- ---- Another role's token, another org's rows: nothing ----
SELECT is(ct_notify_list_by_token(r), '{"error": "forbidden"}'::jsonb,
    format('a token of role %s lists nothing', t.role))
  FROM (VALUES (repeat('1e', 32), 'editor'), (repeat('1f', 32), 'viewer'), (repeat('00', 32), 'none')) t(r, role);
SELECT is(ct_notify_add_by_token(repeat('1e', 32), 'webhook', 'https://e.example.com/', ARRAY['call.missed'],
          'whsec_editorseditors', NULL, NULL, NULL, NULL), '{"error": "forbidden"}'::jsonb,
    'an editor''s token adds nothing');
SELECT is(ct_notify_remove_by_token(repeat('1f', 32), :'email_id'), '{"error": "forbidden"}'::jsonb,
    'a viewer''s token removes nothing');
SELECT is(ct_notify_test_by_token(repeat('1e', 32), :'email_id'), '{"error": "forbidden"}'::jsonb,
    'an editor''s token queues no test');
SELECT is(ct_notify_set_by_token(repeat('1f', 32), :'email_id', NULL, false), '{"error": "forbidden"}'::jsonb,
    'a viewer''s token disables nothing');
SELECT ct_pin_token(repeat('1a', 32)) \g /dev/null
SELECT is((SELECT count(*)::int FROM notification_destinations WHERE enabled), 3,
    'org A still has its three destinations, all enabled');
SELECT is(ct_notify_set_by_token(repeat('1a', 32), '00000000-0000-0000-0000-00000000d0b2', NULL, false), NULL,
    'org A''s admin cannot disable org B''s destination');
SELECT is(ct_notify_remove_by_token(repeat('1a', 32), '00000000-0000-0000-0000-00000000d0b2'), NULL,
    'nor remove it');
SELECT is(ct_notify_test_by_token(repeat('1a', 32), '00000000-0000-0000-0000-00000000d0b2'), NULL,
    'nor queue a test to it');
SELECT is(ct_notify_retry_by_token(repeat('1a', 32), '00000000-0000-0000-0000-00000000e0b2'), NULL,
    'nor retry its message');
SELECT is(ct_notify_deliveries_by_token(repeat('1a', 32), '00000000-0000-0000-0000-00000000d0b2', NULL, 25,
          NULL, NULL), NULL, 'nor read its deliveries');
SELECT is(ct_notify_deliveries_by_token(repeat('1a', 32), NULL, NULL, 25, NULL, NULL) -> 'deliveries',
    '[]'::jsonb, 'org A''s log holds nothing of org B''s');
SELECT is(ct_notify_delivery('00000000-0000-0000-0000-0000000011b2', '00000000-0000-0000-0000-00000000e0b2'),
    NULL, 'a helper given org B finds nothing while org A is pinned');
SELECT throws_ok($$SELECT ct_notify_add('00000000-0000-0000-0000-0000000011b2', 'webhook',
    'https://x.example.com/', ARRAY['call.missed'], 'whsec_sneakysneaky', NULL, NULL, NULL, NULL)$$,
    '42501', NULL, 'nor adds a destination to org B');

-- ---- Tests, retries, the log ----
SELECT ct_notify_test_by_token(repeat('1a', 32), (:'added'::jsonb ->> 'id')::uuid) AS queued \gset
SELECT is(:'queued'::jsonb - 'id' - 'webhook_id' - 'created_at' - 'next_attempt_at',
    jsonb_build_object('destination_id', (:'added'::jsonb ->> 'id')::uuid, 'event', 'test', 'call_id', NULL,
                       'state', 'pending', 'attempts', '[]'::jsonb),
    'a test is one pending message of event test');
SELECT is(ct_notify_retry_by_token(repeat('1a', 32), (:'queued'::jsonb ->> 'id')::uuid),
    '{"error": "conflict", "state": "pending"}'::jsonb, 'a pending message is not retried');
RESET ROLE;
UPDATE notifications SET state = 'failed', attempts = 7, next_attempt_at = now() - interval '1 day'
 WHERE id = ((:'queued'::jsonb ->> 'id')::uuid)::uuid;
INSERT INTO notification_attempts (org_id, notification_id, status, error)
SELECT org_id, id, 503, 'http 503' FROM notifications WHERE id = ((:'queued'::jsonb ->> 'id')::uuid)::uuid;
SET LOCAL ROLE calltrack_editor;
SELECT is((ct_notify_retry_by_token(repeat('1a', 32), (:'queued'::jsonb ->> 'id')::uuid) -> 'attempts' -> 0) - 'at',
    '{"error": "http 503", "status": 503}'::jsonb, 'a failed message is retried, its attempt shown');
RESET ROLE;
SELECT ok((SELECT state = 'pending' AND next_attempt_at <= now() AND attempts = 7 FROM notifications
            WHERE id = ((:'queued'::jsonb ->> 'id')::uuid)::uuid),
    'and is pending again, due now, its attempts still counted');
SET LOCAL ROLE calltrack_editor;
SELECT ct_notify_test_by_token(repeat('1a', 32), (:'added'::jsonb ->> 'id')::uuid) \g /dev/null
SELECT ct_notify_test_by_token(repeat('1a', 32), :'email_id') \g /dev/null
SELECT is(jsonb_array_length(ct_notify_deliveries_by_token(repeat('1a', 32), NULL, NULL, 25, NULL, NULL)
          -> 'deliveries'), 3, 'the log holds org A''s three messages');
SELECT ct_notify_deliveries_by_token(repeat('1a', 32), NULL, NULL, 2, NULL, NULL) ->> 'next_cursor' AS cur \gset
SELECT is(jsonb_array_length(ct_notify_deliveries_by_token(repeat('1a', 32), NULL, NULL, 2,
              split_part(:'cur', '.', 1)::bigint, split_part(:'cur', '.', 2)::uuid) -> 'deliveries'), 1,
    'a page of two, then the cursor''s page of the third');
SELECT is(jsonb_array_length(ct_notify_deliveries_by_token(repeat('1a', 32), :'email_id', 'pending', 25, NULL,
              NULL) -> 'deliveries'), 1, 'by destination and state');

-- ---- Removed: the destination, its messages and their attempts ----
SELECT is(ct_notify_remove_by_token(repeat('1a', 32), (:'added'::jsonb ->> 'id')::uuid),
    jsonb_build_object('id', (:'added'::jsonb ->> 'id')::uuid, 'deleted', true), 'a destination is removed');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM notifications WHERE destination_id = ((:'added'::jsonb ->> 'id')::uuid)::uuid), 0,
    'its messages are gone, pending and failed');
SELECT is((SELECT count(*)::int FROM notification_attempts
            WHERE notification_id = ((:'queued'::jsonb ->> 'id')::uuid)::uuid), 0, 'and their attempts');
SELECT is((SELECT count(*)::int FROM notifications WHERE org_id = '00000000-0000-0000-0000-0000000011b2'), 1,
    'org B''s message is untouched');

-- ---- The log's indexes ----
SET LOCAL enable_seqscan = off;
SELECT matches(
    pg_temp.plan_of($$SELECT id FROM notifications m
        WHERE m.org_id = '00000000-0000-0000-0000-0000000011a1' AND m.state = 'failed'
        ORDER BY m.created_at DESC, m.id LIMIT 25$$),
    'Index (Only )?Scan using notifications_state_log', 'the log by state reads its index');
SELECT matches(
    pg_temp.plan_of($$SELECT id FROM notifications m
        WHERE m.org_id = '00000000-0000-0000-0000-0000000011a1'
          AND m.destination_id = '00000000-0000-0000-0000-00000000d0b2'
        ORDER BY m.created_at DESC, m.id LIMIT 25$$),
    'Index (Only )?Scan using notifications_destination_log', 'the log by destination reads its index');

SELECT * FROM finish();
ROLLBACK;
