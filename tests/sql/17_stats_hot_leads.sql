-- 17_stats_hot_leads.sql: ct_stats' hot-lead count and its recent hot
-- leads, which read the calls' times, test flags and agents from each
-- alert's own copies (sql/035_alert_call_at.sql, kept by the triggers of
-- sql/functions/09_contacts.sql), against a plain join of the same rows:
-- ranges of whole days (the rollup's) and of hours, test calls in and
-- out, an agent's filter, alerts of calls outside the range, and calls
-- changed after their alerts were raised.
BEGIN;
SELECT plan(17);

INSERT INTO orgs (id, name, timezone) VALUES
    ('00000000-0000-0000-0000-0000000017a1', 'Hot A', 'UTC'),
    ('00000000-0000-0000-0000-0000000017b2', 'Hot B', 'UTC');
INSERT INTO api_tokens (org_id, token_hash, role) VALUES
    ('00000000-0000-0000-0000-0000000017a1', repeat('7a', 32), 'viewer');

-- 600 calls over 60 days, every 7th a test call, three agents; an alert
-- for every third, raised an hour after its start.  B has the same, its
-- alerts none of A's business.
INSERT INTO calls (org_id, provider, provider_call_id, status, started_at, is_test_call, agent_id)
SELECT o, 'vapi', 'hot-' || i, 'completed',
       date_trunc('day', now()) - make_interval(hours => i * 60 * 24 / 600 + 1), i % 7 = 0,
       'agent-' || i % 3
  FROM generate_series(1, 600) i,
       unnest(ARRAY['00000000-0000-0000-0000-0000000017a1',
                    '00000000-0000-0000-0000-0000000017b2']::uuid[]) o;
INSERT INTO hot_lead_alerts (org_id, call_id, score, created_at)
SELECT k.org_id, k.id, 80, k.started_at + interval '1 hour'
  FROM calls k
 WHERE k.org_id IN ('00000000-0000-0000-0000-0000000017a1', '00000000-0000-0000-0000-0000000017b2')
   AND k.provider_call_id LIKE 'hot-%' AND substr(k.provider_call_id, 5)::int % 3 = 0;

-- The plain join: the org's alerts whose call is in [from, to), as the
-- owner (whatever the dashboard's role has pinned).
CREATE FUNCTION pg_temp.naive(p_from timestamptz, p_to timestamptz, p_test boolean, p_agent text[])
RETURNS TABLE (call_id uuid, created_at timestamptz)
    LANGUAGE sql SECURITY DEFINER AS $$
    SELECT a.call_id, a.created_at FROM hot_lead_alerts a
      JOIN calls k ON k.org_id = a.org_id AND k.id = a.call_id
     WHERE a.org_id = '00000000-0000-0000-0000-0000000017a1'
       AND k.call_at >= p_from AND k.call_at < p_to AND (p_test OR NOT k.is_test_call)
       AND (p_agent IS NULL OR k.agent_id = ANY (p_agent))
$$;
-- ct_stats as the dashboard calls it, for [p_from, p_to).
CREATE FUNCTION pg_temp.stats(p_from timestamptz, p_to timestamptz, p_test boolean, p_agent text[])
RETURNS json LANGUAGE sql AS $$
    SELECT ct_stats(repeat('7a', 32), to_char(p_from AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                    to_char(p_to AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), NULL, p_test, p_agent)
$$;
-- The recent hot leads of a stats answer, newest first.
CREATE FUNCTION pg_temp.recent(j json) RETURNS uuid[] LANGUAGE sql AS $$
    SELECT COALESCE(array_agg((e->>'call_id')::uuid ORDER BY e->>'at' DESC), '{}')
      FROM json_array_elements(j->'recent_activity') e WHERE e->>'type' = 'hot_lead'
$$;
CREATE FUNCTION pg_temp.naive_recent(p_from timestamptz, p_to timestamptz, p_test boolean, p_agent text[])
RETURNS uuid[] LANGUAGE sql SECURITY DEFINER AS $$
    SELECT COALESCE(array_agg(call_id ORDER BY created_at DESC), '{}')
      FROM (SELECT * FROM pg_temp.naive(p_from, p_to, p_test, p_agent)
             ORDER BY created_at DESC LIMIT 10) x
$$;

SET LOCAL ROLE calltrack_dashboard;
-- Whole days (the rolled path): the last 30, the last 60 with test calls,
-- one agent over the last 45.
SELECT is((pg_temp.stats(date_trunc('day', now()) - interval '29 days', date_trunc('day', now()) + interval '1 day', false, NULL)->>'hot_leads')::bigint,
          (SELECT count(*) FROM pg_temp.naive(date_trunc('day', now()) - interval '29 days', date_trunc('day', now()) + interval '1 day', false, NULL)),
          'the last 30 days: the alerts of the range''s calls, test calls out');
SELECT cmp_ok((SELECT count(*) FROM pg_temp.naive(date_trunc('day', now()) - interval '29 days', date_trunc('day', now()) + interval '1 day', false, NULL)),
              '>', 50::bigint, 'and there are enough of them to tell');
SELECT is((pg_temp.stats(date_trunc('day', now()) - interval '59 days', date_trunc('day', now()) + interval '1 day', true, NULL)->>'hot_leads')::bigint,
          (SELECT count(*) FROM pg_temp.naive(date_trunc('day', now()) - interval '59 days', date_trunc('day', now()) + interval '1 day', true, NULL)),
          'the last 60 days, test calls in');
SELECT is((pg_temp.stats(date_trunc('day', now()) - interval '44 days', date_trunc('day', now()) + interval '1 day', false, ARRAY['agent-1'])->>'hot_leads')::bigint,
          (SELECT count(*) FROM pg_temp.naive(date_trunc('day', now()) - interval '44 days', date_trunc('day', now()) + interval '1 day', false, ARRAY['agent-1'])),
          'one agent''s');
-- A range of hours in the middle (the live path), whose later calls'
-- alerts are raised after it ends, and earlier ones' before it begins.
SELECT is((pg_temp.stats(date_trunc('day', now()) - interval '20 days 5 hours', date_trunc('day', now()) - interval '10 days 3 hours', false, NULL)->>'hot_leads')::bigint,
          (SELECT count(*) FROM pg_temp.naive(date_trunc('day', now()) - interval '20 days 5 hours', date_trunc('day', now()) - interval '10 days 3 hours', false, NULL)),
          'a range of hours ten days back');
SELECT is((pg_temp.stats(date_trunc('day', now()) - interval '200 days', date_trunc('day', now()) - interval '100 days', true, NULL)->>'hot_leads')::bigint,
          0::bigint, 'a range with no calls has none');

SELECT is(pg_temp.recent(pg_temp.stats(date_trunc('day', now()) - interval '29 days', date_trunc('day', now()) + interval '1 day', false, NULL)),
          pg_temp.naive_recent(date_trunc('day', now()) - interval '29 days', date_trunc('day', now()) + interval '1 day', false, NULL),
          'the recent hot leads are the range''s ten newest alerts');
SELECT is(cardinality(pg_temp.recent(pg_temp.stats(date_trunc('day', now()) - interval '29 days', date_trunc('day', now()) + interval '1 day', false, NULL))),
          10, 'ten of them');
SELECT is(pg_temp.recent(pg_temp.stats(date_trunc('day', now()) - interval '44 days', date_trunc('day', now()) + interval '1 day', false, ARRAY['agent-2'])),
          pg_temp.naive_recent(date_trunc('day', now()) - interval '44 days', date_trunc('day', now()) + interval '1 day', false, ARRAY['agent-2']),
          'one agent''s');
SELECT is(pg_temp.recent(pg_temp.stats(date_trunc('day', now()) - interval '20 days 5 hours', date_trunc('day', now()) - interval '10 days 3 hours', true, NULL)),
          pg_temp.naive_recent(date_trunc('day', now()) - interval '20 days 5 hours', date_trunc('day', now()) - interval '10 days 3 hours', true, NULL),
          'a range ten days back: its own newest, not today''s');
SELECT is(pg_temp.recent(pg_temp.stats(date_trunc('day', now()) - interval '20 days 5 hours', date_trunc('day', now()) - interval '10 days 3 hours', true, NULL)),
          pg_temp.naive_recent(date_trunc('day', now()) - interval '20 days 5 hours', date_trunc('day', now()) - interval '10 days 3 hours', true, NULL),
          'the same again, once the plans are generic');
RESET ROLE;

-- The calls change after their alerts were raised: some of A's start 40
-- days earlier, some become test calls, some change agent; and an alert
-- moves to another call, as ct_legs_merge moves one (hot-600, 60 days
-- back, to hot-1, of yesterday, which had none).  Each alert's copies
-- follow its call.
UPDATE calls SET started_at = started_at - interval '40 days'
 WHERE org_id = '00000000-0000-0000-0000-0000000017a1' AND provider_call_id LIKE 'hot-%'
   AND substr(provider_call_id, 5)::int % 10 = 3;
UPDATE calls SET is_test_call = true
 WHERE org_id = '00000000-0000-0000-0000-0000000017a1' AND provider_call_id LIKE 'hot-%'
   AND substr(provider_call_id, 5)::int % 10 = 6;
UPDATE calls SET agent_id = 'agent-9'
 WHERE org_id = '00000000-0000-0000-0000-0000000017a1' AND provider_call_id LIKE 'hot-%'
   AND substr(provider_call_id, 5)::int % 10 = 9;
UPDATE hot_lead_alerts a SET call_id = (SELECT k.id FROM calls k
                                         WHERE k.org_id = a.org_id AND k.provider_call_id = 'hot-1')
 WHERE a.org_id = '00000000-0000-0000-0000-0000000017a1'
   AND a.call_id = (SELECT k.id FROM calls k WHERE k.org_id = a.org_id AND k.provider_call_id = 'hot-600');
SELECT is((SELECT count(*) FROM hot_lead_alerts a JOIN calls k ON k.org_id = a.org_id AND k.id = a.call_id
            WHERE (a.call_at, a.is_test, a.agent_id) IS DISTINCT FROM (k.call_at, k.is_test_call, k.agent_id)),
          0::bigint, 'every alert carries its call''s time, test flag and agent, the calls changed since');
SET LOCAL ROLE calltrack_dashboard;
SELECT is((pg_temp.stats(date_trunc('day', now()) - interval '29 days', date_trunc('day', now()) + interval '1 day', false, NULL)->>'hot_leads')::bigint,
          (SELECT count(*) FROM pg_temp.naive(date_trunc('day', now()) - interval '29 days', date_trunc('day', now()) + interval '1 day', false, NULL)),
          'the last 30 days once the calls changed: moved ones out, test ones out, the moved alert in');
SELECT is((pg_temp.stats(date_trunc('day', now()) - interval '89 days', date_trunc('day', now()) - interval '40 days', true, NULL)->>'hot_leads')::bigint,
          (SELECT count(*) FROM pg_temp.naive(date_trunc('day', now()) - interval '89 days', date_trunc('day', now()) - interval '40 days', true, NULL)),
          'the days the moved calls went to');
SELECT is((pg_temp.stats(date_trunc('day', now()) - interval '59 days', date_trunc('day', now()) + interval '1 day', false, ARRAY['agent-9'])->>'hot_leads')::bigint,
          (SELECT count(*) FROM pg_temp.naive(date_trunc('day', now()) - interval '59 days', date_trunc('day', now()) + interval '1 day', false, ARRAY['agent-9'])),
          'the agent the calls changed to');
SELECT cmp_ok((SELECT count(*) FROM pg_temp.naive(date_trunc('day', now()) - interval '59 days', date_trunc('day', now()) + interval '1 day', false, ARRAY['agent-9'])),
              '>', 5::bigint, 'and it has enough of them to tell');
RESET ROLE;
SELECT is((SELECT count(*) FROM hot_lead_alerts WHERE org_id = '00000000-0000-0000-0000-0000000017b2'),
          (SELECT count(*) FROM hot_lead_alerts WHERE org_id = '00000000-0000-0000-0000-0000000017a1'),
          'the other org''s alerts were there all along, and counted nowhere');

SELECT * FROM finish();
ROLLBACK;
