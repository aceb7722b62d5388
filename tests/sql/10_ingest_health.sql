-- 10_ingest_health.sql: what ingestion health keeps and reads
-- (sql/021_ingest_health.sql, sql/functions/14_ingest_health.sql): the
-- final report, the spooled mark and the duplicates' integration as the
-- webhooks' role writes them; what dashboard-ingest's role may and may
-- not read; the admin check of the functions that run as the owner; and
-- the plans, index-driven under the policies.
BEGIN;
SELECT plan(35);

-- A statement's plan, as text.
CREATE FUNCTION pg_temp.plan_of(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; r text := '';
BEGIN
    FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || p_sql LOOP r := r || l || E'\n'; END LOOP;
    RETURN r;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.plan_of(text) TO PUBLIC;

-- Fixtures, by the owner: org A (admin, editor and viewer tokens) and B.
INSERT INTO orgs (id, name) VALUES
    ('00000000-0000-0000-0000-0000000010a1', 'ih Org A'),
    ('00000000-0000-0000-0000-0000000010b2', 'ih Org B');
INSERT INTO integrations (id, org_id, provider, secret, public_url) VALUES
    ('ih-a', '00000000-0000-0000-0000-0000000010a1', 'vapi', 'secret-aaaa-ih', NULL),
    ('ih-r', '00000000-0000-0000-0000-0000000010a1', 'retell', 'secret-rrrr-ih', NULL),
    ('ih-t', '00000000-0000-0000-0000-0000000010a1', 'twilio', 'secret-tttt-ih', 'https://x.example/t'),
    ('ih-b', '00000000-0000-0000-0000-0000000010b2', 'vapi', 'secret-bbbb-ih', NULL);
INSERT INTO api_tokens (org_id, token_hash, role) VALUES
    ('00000000-0000-0000-0000-0000000010a1', repeat('1a', 32), 'admin'),
    ('00000000-0000-0000-0000-0000000010a1', repeat('1e', 32), 'editor'),
    ('00000000-0000-0000-0000-0000000010a1', repeat('1f', 32), 'viewer'),
    ('00000000-0000-0000-0000-0000000010b2', repeat('1b', 32), 'admin');

-- ---- What the webhooks' role writes ----
SET LOCAL ROLE calltrack_app;
SELECT outcome FROM ct_apply_event('ih-a', 'vapi', 'ih-1', 'status-update', 'ih-k1', '\x7b7d',
    'application/json', 'apply', p_status_answered => 'completed',
    p_status_unanswered => 'completed') \g /dev/null
SELECT outcome FROM ct_apply_event('ih-r', 'retell', 'ih-2', 'call_ended', 'ih-k2', '\x7b7d',
    'application/json', 'apply', p_status_answered => 'completed',
    p_status_unanswered => 'completed') \g /dev/null
SELECT outcome FROM ct_apply_event('ih-t', 'twilio', 'ih-3', 'completed', 'ih-k3', '\x7b7d',
    'application/x-www-form-urlencoded', 'apply', p_status_answered => 'completed',
    p_status_unanswered => 'completed') \g /dev/null
RESET ROLE;
SELECT is((SELECT count(*)::int FROM calls WHERE org_id = '00000000-0000-0000-0000-0000000010a1'
            AND final_report_at IS NULL), 3, 'an ended call has no final report yet');
SET LOCAL ROLE calltrack_app;
SELECT outcome FROM ct_apply_event('ih-a', 'vapi', 'ih-1', 'end-of-call-report', 'ih-k4', '\x7b7d',
    'application/json', 'apply') \g /dev/null
SELECT outcome FROM ct_apply_event('ih-r', 'retell', 'ih-2', 'call_analyzed', 'ih-k5', '\x7b7d',
    'application/json', 'apply') \g /dev/null
RESET ROLE;
SELECT is((SELECT string_agg(provider_call_id, ',' ORDER BY provider_call_id) FROM calls
            WHERE org_id = '00000000-0000-0000-0000-0000000010a1' AND final_report_at IS NOT NULL),
    'ih-1,ih-2', 'Vapi''s end-of-call-report and Retell''s call_analyzed are the final reports');
SELECT is((SELECT final_report_at FROM calls WHERE org_id = '00000000-0000-0000-0000-0000000010a1'
            AND provider_call_id = 'ih-3'), NULL, 'Twilio has none beyond its final status');

SET LOCAL ROLE calltrack_app;
SELECT is((SELECT outcome FROM ct_apply_event('ih-a', 'vapi', 'ih-5', 'status-update', 'ih-k6',
    '\x7b7d', 'application/json', 'spool-apply', p_status_unanswered => 'queued')), 'applied',
    'the drain''s mode applies as a live one');
SELECT is((SELECT outcome FROM ct_apply_event('ih-a', 'vapi', 'ih-5', 'status-update', 'ih-k6',
    '\x7b7d', 'application/json', 'spool-apply', p_status_unanswered => 'queued')), 'duplicate',
    'and deduplicates as a live one');
SELECT is((SELECT outcome FROM ct_apply_event('ih-a', 'vapi', 'ih-5', 'transcript', 'ih-k7',
    '\x7b7d', 'application/json', 'spool-record')), 'recorded', 'a spooled record is recorded');
RESET ROLE;
SELECT is((SELECT string_agg(dedup_key, ',' ORDER BY dedup_key) FROM call_events
            WHERE org_id = '00000000-0000-0000-0000-0000000010a1' AND spooled), 'ih-k6,ih-k7',
    'what the drain applied is marked spooled, nothing else');
SELECT is((SELECT integration_id FROM call_event_duplicates
            WHERE org_id = '00000000-0000-0000-0000-0000000010a1'), 'ih-a',
    'a duplicate delivery names its integration');
INSERT INTO call_events (org_id, integration_id, provider, provider_call_id, event_type, dedup_key,
                         payload, outcome, error) VALUES
    ('00000000-0000-0000-0000-0000000010a1', 'ih-a', 'vapi', 'ih-6', 'end-of-call-report', 'ih-k8',
     '\x7b226122', 'parked', 'a reason'),
    ('00000000-0000-0000-0000-0000000010b2', 'ih-b', 'vapi', 'ih-7', 'end-of-call-report', 'ih-k9',
     '\x7b7d', 'parked', 'b reason');
INSERT INTO rejected_events (org_id, integration_id, provider, http_status, reason, body, body_size,
                             body_sha256) VALUES
    ('00000000-0000-0000-0000-0000000010a1', 'ih-a', 'vapi', 401, 'invalid_signature', '\x41', 1, 'x'),
    (NULL, 'ih-nope', 'vapi', 404, 'unknown_integration', '\x42', 1, 'y');

SELECT (SELECT id FROM call_events WHERE dedup_key = 'ih-k4') AS k4,
       (SELECT id FROM call_events WHERE dedup_key = 'ih-k8') AS k8,
       (SELECT id FROM call_events WHERE dedup_key = 'ih-k9') AS k9 \gset

-- ---- What dashboard-ingest's role may read ----
SET LOCAL ROLE calltrack_editor;
SELECT throws_ok('SELECT payload FROM call_events LIMIT 1', '42501', NULL, 'no raw payload');
SELECT throws_ok('SELECT body FROM rejected_events LIMIT 1', '42501', NULL, 'no refused body');
SELECT throws_ok('SELECT detail FROM rejected_events LIMIT 1', '42501', NULL,
    'no operator''s detail of a refusal');
SELECT throws_ok('SELECT secret FROM integrations LIMIT 1', '42501', NULL, 'no integration''s secret');
SELECT throws_ok($$SELECT ct_pin_integration('ih-a')$$, '42501', NULL, 'no pin from a slug');
SELECT throws_ok($$SELECT * FROM ct_apply_event('ih-a', 'vapi', 'x', 'x', 'x', '\x7b7d', NULL, 'apply')$$,
    '42501', NULL, 'no webhook statement of its own');
SELECT throws_ok('SELECT ct_ingest_admin_org(repeat(''1a'', 32))', '42501', NULL,
    'nor the owner''s helper');
SELECT is((SELECT (ct_ingest_summary(repeat('1e', 32), NULL, NULL)->'integrations')::text IS NOT NULL),
    true, 'an editor token reads the summary');
SELECT ok(ct_ingest_summary(repeat('99', 32), NULL, NULL) IS NULL, 'an unknown token reads nothing');
SELECT is((SELECT json_array_length(ct_ingest_deliveries(repeat('1f', 32), NULL, 'parked', NULL, 25,
                                                         NULL, NULL, NULL)->'deliveries')),
    1, 'a viewer token lists its org''s parked delivery, not the other org''s');
SELECT is((SELECT json_array_length(ct_ingest_deliveries(repeat('1f', 32), NULL, 'rejected', NULL,
                                                         25, NULL, NULL, NULL)->'deliveries')),
    1, 'and its org''s rejection, not the unknown slug''s');
SELECT is((SELECT count(*)::int FROM ct_ingest_payload(repeat('1e', 32), 'e',
            :k8)), 0,
    'an editor token gets no body');
SELECT is((SELECT encode(body, 'hex') FROM ct_ingest_payload(repeat('1a', 32), 'e',
            :k8)), '7b226122',
    'an admin token gets the bytes as received');
SELECT is((SELECT count(*)::int FROM ct_ingest_payload(repeat('1b', 32), 'e',
            :k8)), 0,
    'another org''s admin token gets nothing');
SELECT is((SELECT count(*)::int FROM ct_ingest_replay(repeat('1e', 32),
            :k8, 'ih-6', 'end-of-call-report',
            'apply')), 0, 'an editor token replays nothing');
SELECT is((SELECT count(*)::int FROM ct_ingest_replay(repeat('1a', 32),
            :k9, 'ih-7', 'end-of-call-report',
            'apply')), 0, 'an admin token replays nothing of another org');
SELECT is((SELECT new_outcome FROM ct_ingest_replay(repeat('1a', 32),
            :k4, 'ih-1', 'end-of-call-report',
            'apply')), 'not_parked', 'an applied event is not replayed');
SELECT is((SELECT new_outcome FROM ct_ingest_replay(repeat('1a', 32),
            :k8, 'ih-6', 'end-of-call-report',
            'apply', p_ended_reason => 'customer-ended-call', p_status_answered => 'completed',
            p_status_unanswered => 'completed')), 'applied', 'a parked one is, once');
SELECT is((SELECT new_outcome FROM ct_ingest_replay(repeat('1a', 32),
            :k8, 'ih-6', 'end-of-call-report',
            'apply')), 'not_parked', 'and not twice');
RESET ROLE;
SELECT is((SELECT outcome || ' ' || (call_id IS NOT NULL) FROM call_events WHERE dedup_key = 'ih-k8'),
    'applied true', 'the kept row took the new outcome and its call');
SELECT is((SELECT final_report_at IS NOT NULL FROM calls
            WHERE org_id = '00000000-0000-0000-0000-0000000010a1' AND provider_call_id = 'ih-6'),
    true, 'and the replayed report is the call''s final report');
SELECT is((SELECT outcome FROM call_events WHERE dedup_key = 'ih-k9'), 'parked',
    'the other org''s parked event is untouched');

-- ---- The plans: index-driven under the policies ----
SET LOCAL ROLE calltrack_editor;
SET LOCAL enable_seqscan = off;
SELECT ct_pin_token(repeat('1e', 32)) \g /dev/null
-- The two readers are PL/pgSQL (a Citus cluster plans no SQL function of
-- a distributed table with a parameter), so EXPLAIN shows only a
-- function scan: their statements' own plans are shown by the scans of
-- each index this transaction counts (pg_stat_get_xact_numscans) across
-- one call.
CREATE FUNCTION pg_temp.scans_during(p_index regclass, p_sql text) RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    v_before bigint := pg_stat_get_xact_numscans(p_index);
BEGIN
    EXECUTE p_sql;
    RETURN pg_stat_get_xact_numscans(p_index) - v_before;
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.scans_during(regclass, text) TO PUBLIC;
SELECT cmp_ok(pg_temp.scans_during('calls_awaiting_final_report',
        $$SELECT count(*) FROM ct_ingest_missing_final_report(
            '00000000-0000-0000-0000-0000000010a1', now() - interval '1 day', now())$$),
    '>', 0::bigint,
    'calls missing their final report: the partial index of exactly those');
SELECT cmp_ok(pg_temp.scans_during('calls_open',
        $$SELECT count(*) FROM ct_ingest_open_past_limit(
            '00000000-0000-0000-0000-0000000010a1', now())$$),
    '>', 0::bigint,
    'calls open past their limit: the open calls'' index');
SELECT matches(pg_temp.plan_of($$SELECT max(received_at) FROM call_events
        WHERE org_id = '00000000-0000-0000-0000-0000000010a1' AND integration_id = 'ih-a'$$),
    'Index Only Scan( Backward)? using call_events_integration',
    'an integration''s last delivery: the end of an index');
SELECT matches(pg_temp.plan_of($$SELECT count(*) FROM calls c
        WHERE c.org_id = '00000000-0000-0000-0000-0000000010a1' AND c.status_source = 'sweeper'
          AND c.updated_at >= now() - interval '1 day' AND c.updated_at < now()$$),
    'Index Only Scan using calls_swept_org', 'the calls the sweeper closed in a range');
SELECT matches(pg_temp.plan_of($$SELECT x.id FROM call_events x
        WHERE x.org_id = '00000000-0000-0000-0000-0000000010a1' AND (x.received_at, x.id) < (now(), 5)
        ORDER BY x.received_at DESC, x.id DESC LIMIT 25$$),
    'Index Only Scan Backward using call_events_org_received',
    'a deliveries page after its cursor: backwards along an index');

SELECT * FROM finish();
ROLLBACK;
