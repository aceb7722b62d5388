-- 10_agents.sql: agents, analysis, success and cost by part
-- (sql/018_agents.sql, sql/functions/13_agents.sql): the merge of an
-- event's fields, the analysis values kept for the filter, the filters'
-- plans under row-level security (index-driven), and the per-agent
-- rollup against a live count.
BEGIN;
SELECT plan(17);

INSERT INTO orgs (id, name) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'Org A'),
    ('00000000-0000-0000-0000-0000000000b2', 'Org B');
INSERT INTO api_tokens (org_id, token_hash) VALUES
    ('00000000-0000-0000-0000-0000000000a1', repeat('a', 64));
INSERT INTO calls (org_id, id, provider, provider_call_id, status, started_at, agent_id, analysis,
                   success, cost_breakdown, booking_status)
SELECT '00000000-0000-0000-0000-0000000000a1', ('00000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid,
       'vapi', 'ag-' || i, (ARRAY['completed', 'no-answer', 'in-progress'])[1 + i % 3],
       '2026-01-05 12:00+00'::timestamptz + i * interval '10 minutes',
       (ARRAY['asst-a', 'asst-b', NULL])[1 + i % 3],
       jsonb_build_object('urgency', (ARRAY['high', 'low', 'low', 'low', 'low', 'low'])[1 + i % 6], 'score', i % 10,
                          'vip', i % 4 = 0, 'nested', jsonb_build_object('x', 1)),
       (ARRAY[true, false, NULL])[1 + i % 3],
       jsonb_build_object('transport', 0.01, 'llm', i / 1000.0, 'tts', 0, 'stt', 0,
                          'platform', 0.1, 'other', 0),
       (ARRAY['confirmed', 'attempted_failed', 'not_requested'])[1 + i % 3]
  FROM generate_series(1, 3000) i;
-- Another org's call with the same analysis: never a match of org A's.
INSERT INTO calls (org_id, provider, provider_call_id, status, agent_id, analysis)
VALUES ('00000000-0000-0000-0000-0000000000b2', 'vapi', 'other-org', 'completed', 'asst-a',
        '{"urgency": "high"}');
ANALYZE calls, call_analysis_values;

-- The analysis values: top-level scalars as text, nothing nested.
SELECT set_eq(
    $$SELECT key, value FROM call_analysis_values
       WHERE org_id = '00000000-0000-0000-0000-0000000000a1'
         AND call_id = '00000000-0000-0000-0000-000000000004'$$,
    $$VALUES ('urgency', 'low'), ('score', '4'), ('vip', 'true')$$,
    'a call''s top-level scalars are kept as text; objects are not');
UPDATE calls SET analysis = '{"urgency": "none"}'
 WHERE org_id = '00000000-0000-0000-0000-0000000000a1' AND provider_call_id = 'ag-4';
SELECT set_eq(
    $$SELECT key, value FROM call_analysis_values
       WHERE org_id = '00000000-0000-0000-0000-0000000000a1'
         AND call_id = '00000000-0000-0000-0000-000000000004'$$,
    $$VALUES ('urgency', 'none')$$,
    'a changed analysis replaces its values');
SELECT throws_ok(
    $$INSERT INTO calls (org_id, provider, provider_call_id, analysis)
      VALUES ('00000000-0000-0000-0000-0000000000a1', 'vapi', 'arr', '[1]')$$,
    '23514', NULL, 'an analysis is an object');

-- The merge: keys added, the later value winning, none erased; an older
-- event yields; transferred never goes back; absent values are kept.
SELECT ct_apply_agent_fields('00000000-0000-0000-0000-0000000000a1',
    '00000000-0000-0000-0000-000000000001', true, NULL, NULL, 'Ava', NULL,
    '{"urgency": "medium", "follow_up": "sms"}', NULL, NULL, NULL) \g /dev/null
SELECT is((SELECT analysis FROM calls WHERE provider_call_id = 'ag-1'),
    '{"urgency": "medium", "follow_up": "sms", "score": 1, "vip": false, "nested": {"x": 1}}'::jsonb,
    'a later analysis adds and replaces keys, and erases none');
SELECT is((SELECT agent_id || ' ' || agent_name FROM calls WHERE provider_call_id = 'ag-1'),
    'asst-b Ava', 'a value the event does not carry is kept');
SELECT ct_apply_agent_fields('00000000-0000-0000-0000-0000000000a1',
    '00000000-0000-0000-0000-000000000001', false, true, 'asst-z', NULL, NULL,
    '{"urgency": "old", "first": 1}', true, 'Pass', NULL) \g /dev/null
SELECT is((SELECT analysis->>'urgency' || ' ' || (analysis->>'first') || ' ' || agent_id || ' ' || transferred
             FROM calls WHERE provider_call_id = 'ag-1'),
    'medium 1 asst-b true', 'an older event fills gaps only; the transfer is marked');
SELECT ct_apply_agent_fields('00000000-0000-0000-0000-0000000000a1',
    '00000000-0000-0000-0000-000000000001', true, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL) \g /dev/null
SELECT ok((SELECT transferred FROM calls WHERE provider_call_id = 'ag-1'), 'transferred stays true');
SELECT throws_ok(
    $$SELECT ct_apply_agent_fields('00000000-0000-0000-0000-0000000000a1',
        '00000000-0000-0000-0000-000000000001', true, NULL, NULL, NULL, NULL, '{"x":', NULL, NULL, NULL)$$,
    '22P02', NULL, 'a malformed analysis is a data exception (the event parks)');

-- The filters' fragments.
SELECT is(ct_calls_where_agents('{a}', true, '{urgency,high}', 18),
    ' AND v.agent_id = ANY ($18) AND v.success = $19 AND v.id IN (SELECT a.call_id FROM '
    'call_analysis_values a WHERE a.org_id = $1 AND a.key = $20[1] AND a.value = $20[2])',
    'agent, success and one analysis filter over their placeholders');
SELECT throws_ok($$SELECT ct_calls_where_agents(NULL, NULL, '{a,b,c,d,e,f,g,h}', 14)$$,
    '22023', NULL, 'more than three analysis filters are refused');

-- The plans, as the dashboard's role under the policies: each filter
-- reaches its index (sequential scans off, so a usable index is used).
CREATE FUNCTION pg_temp.plan(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; p text := '';
BEGIN
    FOR r IN EXECUTE 'EXPLAIN ' || q LOOP p := p || r || E'\n'; END LOOP;
    RETURN p;
END $$;
SET LOCAL enable_seqscan = off;
SET LOCAL ROLE calltrack_dashboard;
SELECT ct_pin_token(repeat('a', 64)) \g /dev/null
SELECT matches(pg_temp.plan($$SELECT v.id FROM calls v WHERE v.org_id = '00000000-0000-0000-0000-0000000000a1'
    AND v.id IN (SELECT a.call_id FROM call_analysis_values a
                  WHERE a.org_id = '00000000-0000-0000-0000-0000000000a1' AND a.key = 'urgency'
                    AND a.value = 'high')$$),
    'call_analysis_values_pkey',
    'analysis.<key>=<value> is an index scan of call_analysis_values under RLS');
SELECT matches(pg_temp.plan($$SELECT count(*) FROM calls v WHERE v.org_id = '00000000-0000-0000-0000-0000000000a1'
    AND v.agent_id = ANY ('{asst-a}')$$),
    'calls_org_agent', 'agent= reaches calls_org_agent under RLS');
SELECT matches(pg_temp.plan($$SELECT count(*) FROM calls v WHERE v.org_id = '00000000-0000-0000-0000-0000000000a1'
    AND v.success = false$$),
    'calls_org_success', 'success= reaches calls_org_success under RLS');
SELECT is((ct_calls_page(repeat('a', 64), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                         NULL, NULL, true, 'started_at', true, 100, 0, NULL, NULL, NULL, NULL,
                         '{urgency,high}')->>'total')::int,
    500, 'the list finds org A''s calls of the value, and none of org B''s');
SELECT is((ct_calls_page(repeat('a', 64), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                         NULL, NULL, true, 'started_at', true, 100, 0, NULL, NULL, '{asst-a}', false,
                         '{vip,true}')->>'total')::int,
    (SELECT count(*)::int FROM calls WHERE agent_id = 'asst-a' AND success = false
        AND analysis->>'vip' = 'true'),
    'the filters together, counted right');

-- The per-agent figures from the rollup equal a live count.
SELECT results_eq(
    $$SELECT x->'agent'->>'id', (x->>'calls')::int, (x->>'success_rate')::numeric
        FROM json_array_elements(ct_stats(repeat('a', 64), '2026-01-01', '2026-02-01', NULL, true,
                                          NULL, 'agent')->'by_agent') x ORDER BY 1$$,
    $$SELECT agent_id, count(*)::int,
             round(count(*) FILTER (WHERE success)::numeric / NULLIF(count(success), 0), 4)
        FROM calls WHERE agent_id IS NOT NULL GROUP BY 1 ORDER BY 1$$,
    'by_agent: each agent''s calls and success rate, as counted live');
SELECT is(ct_stats(repeat('a', 64), '2026-01-01', '2026-02-01', NULL, true, NULL, NULL)->'cost_by_part'->>'llm',
    (SELECT round(sum((cost_breakdown->>'llm')::numeric), 6)::text FROM calls),
    'cost_by_part sums the parts');

SELECT * FROM finish();
ROLLBACK;
