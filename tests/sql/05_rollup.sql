-- 05_rollup.sql: the per-day counts (call_rollup and its deltas), and
-- the counts of all days (call_rollup_total), always equal what counting
-- the calls gives, before and after a fold, after
-- updates and deletes, across a DST change, in a half-hour zone and after
-- the org's zone changes; the list's total and the stats cards agree with
-- the live count.
BEGIN;
SELECT plan(18);

INSERT INTO orgs (id, name, timezone) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'Org A', 'America/New_York'),
    ('00000000-0000-0000-0000-0000000000b2', 'Org B', 'Asia/Kolkata');
-- The dashboard's functions take a token's hash.
INSERT INTO api_tokens (org_id, token_hash) VALUES
    ('00000000-0000-0000-0000-0000000000a1', repeat('a', 64)),
    ('00000000-0000-0000-0000-0000000000b2', repeat('b', 64));

-- 3,000 calls over 60 days around the March DST change, every status,
-- reason, sentiment, booking and direction, some without a start.
INSERT INTO calls (org_id, provider, provider_call_id, status, end_call_reason, direction,
                   sentiment, booking_status, duration_seconds, cost, is_test_call,
                   started_at, ended_at, first_event_at)
SELECT CASE WHEN i % 3 = 0 THEN '00000000-0000-0000-0000-0000000000b2'::uuid
            ELSE '00000000-0000-0000-0000-0000000000a1'::uuid END,
       'vapi', 'r-' || i,
       (ARRAY['queued', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer',
              'failed', 'canceled', 'voicemail'])[1 + i % 9],
       (ARRAY['customer_hangup', 'agent_hangup', 'no_answer', 'busy', NULL,
              'transfer', 'error'])[1 + i % 7],
       (ARRAY['inbound', 'outbound', 'web', NULL])[1 + i % 4],
       (ARRAY['positive', 'neutral', 'negative', NULL, NULL])[1 + i % 5],
       (ARRAY['confirmed', 'attempted_failed', 'not_requested'])[1 + i % 3],
       CASE WHEN i % 11 = 0 THEN NULL ELSE i % 700 END,
       CASE WHEN i % 13 = 0 THEN NULL ELSE (i % 97) / 100.0 END,
       i % 17 = 0,
       CASE WHEN i % 19 = 0 THEN NULL
            ELSE '2026-02-10 00:00+00'::timestamptz + (i * 1733 % 5184000) * interval '1 second' END,
       CASE WHEN i % 38 = 0 THEN '2026-03-08 06:59:59+00'::timestamptz END,
       '2026-02-09 23:30+00'::timestamptz + (i % 60) * interval '1 day'
  FROM generate_series(1, 3000) i;

-- The counts of every day, from the calls, as ct_counts_all groups them.
CREATE FUNCTION pg_temp.all_live(p_org uuid, p_include_test boolean)
RETURNS TABLE (status text, end_reason text, direction text, calls bigint, s_pos bigint,
               s_neu bigint, s_neg bigint, b_conf bigint, b_fail bigint, agent_id text)
    LANGUAGE sql AS $$
    SELECT l.status, l.end_reason, l.direction, sum(l.calls)::bigint, sum(l.s_pos)::bigint,
           sum(l.s_neu)::bigint, sum(l.s_neg)::bigint, sum(l.b_conf)::bigint,
           sum(l.b_fail)::bigint, l.agent_id
      FROM ct_counts_live(p_org, NULL, NULL, 'UTC', p_include_test) l
     GROUP BY l.status, l.end_reason, l.direction, l.agent_id
$$;

CREATE FUNCTION pg_temp.same(p_org uuid, p_include_test boolean) RETURNS boolean
    LANGUAGE sql AS $$
    SELECT NOT EXISTS (
        (SELECT * FROM ct_counts_rolled(p_org, NULL, NULL, p_include_test)
         EXCEPT ALL
         SELECT * FROM ct_counts_live(p_org, NULL, NULL, (SELECT timezone FROM orgs WHERE id = p_org),
                                      p_include_test))
        UNION ALL
        (SELECT * FROM ct_counts_live(p_org, NULL, NULL, (SELECT timezone FROM orgs WHERE id = p_org),
                                      p_include_test)
         EXCEPT ALL
         SELECT * FROM ct_counts_rolled(p_org, NULL, NULL, p_include_test)))
    -- and the counts of all days (call_rollup_total, 030) are the calls'.
    AND NOT EXISTS (
        (SELECT * FROM ct_counts_all(p_org, p_include_test)
         EXCEPT ALL
         SELECT * FROM pg_temp.all_live(p_org, p_include_test))
        UNION ALL
        (SELECT * FROM pg_temp.all_live(p_org, p_include_test)
         EXCEPT ALL
         SELECT * FROM ct_counts_all(p_org, p_include_test)))
$$;

SELECT ok(pg_temp.same('00000000-0000-0000-0000-0000000000a1', true)
          AND pg_temp.same('00000000-0000-0000-0000-0000000000a1', false),
    'unfolded deltas count every call of org A, by its local day');
SELECT ok(pg_temp.same('00000000-0000-0000-0000-0000000000b2', true),
    'and of org B, in a zone half an hour off the hour');
SELECT is(ct_rollup_fold(), 3000::bigint, 'a fold takes every delta');
SELECT is((SELECT count(*) FROM call_rollup_delta), 0::bigint, 'and leaves none');
SELECT ok(pg_temp.same('00000000-0000-0000-0000-0000000000a1', true)
          AND pg_temp.same('00000000-0000-0000-0000-0000000000a1', false)
          AND pg_temp.same('00000000-0000-0000-0000-0000000000b2', true),
    'folded counts are the same counts');

-- Changes on top of the folded counts: statuses move on, calls gain a
-- start (and so a day), sentiment, bookings, costs; some are deleted.
UPDATE calls SET status = 'completed', end_call_reason = 'customer_hangup', sentiment = 'positive',
                 booking_status = 'confirmed', cost = 1.5, duration_seconds = 120
 WHERE status IN ('queued', 'ringing', 'in-progress') AND provider_call_id LIKE 'r-%5';
UPDATE calls SET started_at = '2026-03-08 06:30+00' WHERE started_at IS NULL;
UPDATE calls SET is_test_call = true, direction = 'web' WHERE provider_call_id LIKE 'r-%77';
DELETE FROM calls WHERE provider_call_id LIKE 'r-%99';
SELECT ok(pg_temp.same('00000000-0000-0000-0000-0000000000a1', true)
          AND pg_temp.same('00000000-0000-0000-0000-0000000000a1', false)
          AND pg_temp.same('00000000-0000-0000-0000-0000000000b2', true),
    'updates and deletes over folded counts: still the same counts');
SELECT cmp_ok(ct_rollup_fold(), '>', 0::bigint, 'the changes are folded');
SELECT ok(pg_temp.same('00000000-0000-0000-0000-0000000000a1', true)
          AND pg_temp.same('00000000-0000-0000-0000-0000000000b2', false),
    'and after folding them');
SELECT is((SELECT count(*) FROM call_rollup WHERE calls = 0), 0::bigint,
    'a fold removes the groups it emptied');

SELECT set_eq('SELECT count(*) FROM call_rollup_delta', 'VALUES (0::bigint)', 'nothing pending');
UPDATE calls SET summary = 'a new summary', transcript = 'words' WHERE provider_call_id LIKE 'r-1%';
SELECT is((SELECT count(*) FROM call_rollup_delta), 0::bigint,
    'an update of nothing counted adds no delta');

-- The list's total, from the rollup and from the calls, for filters the
-- rollup keeps.
CREATE FUNCTION pg_temp.totals(p_status text[], p_direction text[], p_booking text[],
    p_sentiment text[], p_end_reason text[], p_from text, p_to text, p_test boolean)
RETURNS bigint[] LANGUAGE sql AS $$
    SELECT array_agg(ct_calls_total(o.id, ct_calls_where(NULL, NULL, p_status, p_direction, p_booking,
                                    p_sentiment, NULL, p_end_reason, p_from, p_to, NULL, NULL, p_test),
                                NULL, NULL, p_status, p_direction, p_booking, p_sentiment, NULL,
                                p_end_reason, ct_bound(p_from, o.timezone), ct_bound(p_to, o.timezone),
                                NULL, NULL, p_test, o.timezone, r) ORDER BY r DESC)
      FROM orgs o, (VALUES (true), (false)) v(r)
     WHERE o.id = '00000000-0000-0000-0000-0000000000a1'
$$;
SELECT is(pg_temp.totals(NULL, NULL, NULL, NULL, NULL, NULL, NULL, false),
    (SELECT ARRAY[count(*), count(*)] FROM calls
      WHERE org_id = '00000000-0000-0000-0000-0000000000a1' AND NOT is_test_call),
    'the unfiltered total is the same both ways');
SELECT ok(bool_and(t[1] = t[2] AND cardinality(t) = 2), 'each filter the rollup keeps gives the same total both ways')
  FROM (SELECT pg_temp.totals(s, d, b, se, er, f, tt, it) AS t FROM (VALUES
    ('{completed}'::text[], NULL::text[], NULL::text[], NULL::text[], NULL::text[], NULL, NULL, false),
    ('{completed,busy}', NULL, NULL, '{positive,unknown}', NULL, NULL, NULL, true),
    (NULL, '{inbound,web}', NULL, NULL, '{customer_hangup,error}', NULL, NULL, false),
    ('{completed,voicemail}', '{inbound}', NULL, '{positive}', NULL, NULL, NULL, false),
    (NULL, '{outbound}', '{confirmed}', NULL, NULL, '2026-02-20', '2026-03-20', true),
    (NULL, NULL, '{not_requested}', NULL, NULL, '2026-03-01', '2026-03-15', false),
    (NULL, NULL, '{confirmed,attempted_failed}', NULL, NULL, '2026-03-08', NULL, true),
    (NULL, NULL, NULL, '{unknown}', NULL, NULL, '2026-03-09', false),
    ('{in-progress}', NULL, NULL, NULL, NULL, '2026-03-08T05:00:00Z', NULL, false))
    AS v(s, d, b, se, er, f, tt, it)) x;

-- The stats cards: from the rollup in the org's zone, counted live when
-- the zone is another name for it.
CREATE FUNCTION pg_temp.stats(p_from text, p_to text, p_tz text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT ct_stats(repeat('a', 64), p_from, p_to, p_tz, false)::jsonb - 'range'
$$;
SELECT is(pg_temp.stats('2026-02-01', '2026-04-15', NULL),
          pg_temp.stats('2026-02-01', '2026-04-15', 'US/Eastern'),
    'the stats cards from the rollup equal the live count');
SELECT is(pg_temp.stats('2026-03-07', '2026-03-10', NULL),
          pg_temp.stats('2026-03-07', '2026-03-10', 'US/Eastern'),
    'across the DST change too');
SELECT cmp_ok((pg_temp.stats('2026-02-01', '2026-04-15', NULL)->>'total_calls')::int, '>', 1000,
    'and they count the calls');

-- A change of zone moves every call's day.
SELECT ct_org_set_timezone('00000000-0000-0000-0000-0000000000a1', 'Pacific/Chatham') \g /dev/null
SELECT ok(pg_temp.same('00000000-0000-0000-0000-0000000000a1', true),
    'after the org changes zone the counts are by the new local day');

-- The dashboard's role sees its own org's counts only.
SET LOCAL ROLE calltrack_dashboard;
SELECT ct_pin_token(repeat('b', 64)) \g /dev/null
SELECT is((SELECT count(*) FROM call_rollup WHERE org_id = '00000000-0000-0000-0000-0000000000a1'),
    0::bigint, 'another org''s counts are invisible');

SELECT * FROM finish();
ROLLBACK;
