-- 05_rollup.sql: per-day call counts kept by triggers and folded by the
-- sweeper, and the counts read from them.
--
-- Writers never touch call_rollup: a trigger on calls appends the change
-- of each call to call_rollup_delta (minus the old row, plus the new), an
-- insert that takes no lock another webhook waits for.  ct_rollup_fold()
-- moves the deltas into call_rollup in one transaction; the sweeper runs
-- it every minute.  A reader sums both tables in one statement, so it
-- sees every committed call exactly once whether or not it was folded.
--
-- The rollup answers only questions in whole days of the org's own time
-- zone; any other range, time zone or filter is counted from calls.
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.

-- One call's contribution, times p_sign (1 or -1), as a rollup row, its
-- day in p_tz.  Reads no table: on a Citus cluster it runs where the
-- call's shard is, inside the query of that shard, which may not query
-- another table (ct_rollup_rebuild).
CREATE OR REPLACE FUNCTION ct_rollup_row_in(c calls, p_sign int, p_tz text) RETURNS call_rollup
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT ROW(c.org_id, (c.call_at AT TIME ZONE p_tz)::date, c.is_test_call,
               c.status, COALESCE(c.end_call_reason, ''), COALESCE(c.direction, ''), p_sign,
               CASE WHEN c.status IN ('completed', 'in-progress')
                         AND c.duration_seconds IS NOT NULL THEN p_sign ELSE 0 END,
               CASE WHEN c.status IN ('completed', 'in-progress')
                    THEN p_sign * COALESCE(c.duration_seconds, 0) ELSE 0 END,
               p_sign * COALESCE(c.cost, 0),
               CASE c.sentiment WHEN 'positive' THEN p_sign ELSE 0 END,
               CASE c.sentiment WHEN 'neutral' THEN p_sign ELSE 0 END,
               CASE c.sentiment WHEN 'negative' THEN p_sign ELSE 0 END,
               CASE c.booking_status WHEN 'confirmed' THEN p_sign ELSE 0 END,
               CASE c.booking_status WHEN 'attempted_failed' THEN p_sign ELSE 0 END,
               -- 018: by agent, success and cost by part.
               COALESCE(c.agent_id, ''),
               CASE WHEN c.success IS NOT NULL THEN p_sign ELSE 0 END,
               CASE WHEN c.success THEN p_sign ELSE 0 END,
               p_sign * COALESCE((c.cost_breakdown->>'transport')::numeric, 0),
               p_sign * COALESCE((c.cost_breakdown->>'stt')::numeric, 0),
               p_sign * COALESCE((c.cost_breakdown->>'llm')::numeric, 0),
               p_sign * COALESCE((c.cost_breakdown->>'tts')::numeric, 0),
               p_sign * COALESCE((c.cost_breakdown->>'platform')::numeric, 0),
               p_sign * COALESCE((c.cost_breakdown->>'other')::numeric, 0))::call_rollup
$$;

-- The same, its day in the zone of the call's org.
CREATE OR REPLACE FUNCTION ct_rollup_row(c calls, p_sign int) RETURNS call_rollup
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    RETURN (SELECT ct_rollup_row_in(c, p_sign, o.timezone) FROM orgs o WHERE o.id = c.org_id);
END
$$;

-- The row as a row of calls: on a Citus cluster the trigger fires on a
-- shard, whose rows have the shard's type (calls_102008).
CREATE OR REPLACE FUNCTION ct_rollup_track() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO call_rollup_delta SELECT r.* FROM ct_rollup_row(ROW(OLD.*)::calls, -1) r;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO call_rollup_delta SELECT r.* FROM ct_rollup_row(ROW(NEW.*)::calls, 1) r;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER calls_rollup AFTER INSERT OR DELETE ON calls
    FOR EACH ROW EXECUTE FUNCTION ct_rollup_track();

-- Most updates (a transcript, a summary) change nothing counted.
CREATE OR REPLACE TRIGGER calls_rollup_update AFTER UPDATE ON calls
    FOR EACH ROW
    WHEN ((OLD.call_at, OLD.is_test_call, OLD.status, OLD.end_call_reason, OLD.duration_seconds,
           OLD.cost, OLD.sentiment, OLD.booking_status, OLD.direction, OLD.agent_id, OLD.success,
           OLD.cost_breakdown)
          IS DISTINCT FROM
          (NEW.call_at, NEW.is_test_call, NEW.status, NEW.end_call_reason, NEW.duration_seconds,
           NEW.cost, NEW.sentiment, NEW.booking_status, NEW.direction, NEW.agent_id, NEW.success,
           NEW.cost_breakdown))
    EXECUTE FUNCTION ct_rollup_track();

-- Moves every delta the caller can see into call_rollup; returns how many
-- deltas it folded.  Concurrent folds each take distinct deltas (DELETE
-- skips rows another fold removed), and a reader sees a fold whole or
-- not at all.
CREATE OR REPLACE FUNCTION ct_rollup_fold() RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
    n bigint;
BEGIN
    WITH d AS (DELETE FROM call_rollup_delta RETURNING *),
    g AS (
        SELECT org_id, day, is_test, status, end_reason, direction, sum(calls)::int AS calls,
               sum(dur_n)::int AS dur_n, sum(dur_sum)::bigint AS dur_sum, sum(cost_sum) AS cost_sum,
               sum(s_pos)::int AS s_pos, sum(s_neu)::int AS s_neu, sum(s_neg)::int AS s_neg,
               sum(b_conf)::int AS b_conf, sum(b_fail)::int AS b_fail, agent_id,
               sum(succ_n)::int AS succ_n, sum(succ_true)::int AS succ_true,
               sum(cp_transport) AS cp_transport, sum(cp_stt) AS cp_stt, sum(cp_llm) AS cp_llm,
               sum(cp_tts) AS cp_tts, sum(cp_platform) AS cp_platform, sum(cp_other) AS cp_other
          FROM d GROUP BY 1, 2, 3, 4, 5, 6, agent_id
    ), up AS (
        INSERT INTO call_rollup AS r SELECT * FROM g
         WHERE EXISTS (SELECT 1 FROM orgs o WHERE o.id = g.org_id)
        ON CONFLICT (org_id, day, is_test, status, end_reason, direction, agent_id) DO UPDATE SET
            calls = r.calls + EXCLUDED.calls, dur_n = r.dur_n + EXCLUDED.dur_n,
            dur_sum = r.dur_sum + EXCLUDED.dur_sum, cost_sum = r.cost_sum + EXCLUDED.cost_sum,
            s_pos = r.s_pos + EXCLUDED.s_pos, s_neu = r.s_neu + EXCLUDED.s_neu,
            s_neg = r.s_neg + EXCLUDED.s_neg, b_conf = r.b_conf + EXCLUDED.b_conf,
            b_fail = r.b_fail + EXCLUDED.b_fail, succ_n = r.succ_n + EXCLUDED.succ_n,
            succ_true = r.succ_true + EXCLUDED.succ_true,
            cp_transport = r.cp_transport + EXCLUDED.cp_transport,
            cp_stt = r.cp_stt + EXCLUDED.cp_stt, cp_llm = r.cp_llm + EXCLUDED.cp_llm,
            cp_tts = r.cp_tts + EXCLUDED.cp_tts,
            cp_platform = r.cp_platform + EXCLUDED.cp_platform,
            cp_other = r.cp_other + EXCLUDED.cp_other
        RETURNING 1
    ), tot AS (
        -- The same deltas without their day (call_rollup_total, 030).
        INSERT INTO call_rollup_total AS t
        SELECT org_id, is_test, status, end_reason, direction, agent_id, sum(calls), sum(dur_n),
               sum(dur_sum), sum(cost_sum), sum(s_pos), sum(s_neu), sum(s_neg), sum(b_conf),
               sum(b_fail), sum(succ_n), sum(succ_true), sum(cp_transport), sum(cp_stt),
               sum(cp_llm), sum(cp_tts), sum(cp_platform), sum(cp_other)
          FROM g WHERE EXISTS (SELECT 1 FROM orgs o WHERE o.id = g.org_id)
         GROUP BY org_id, is_test, status, end_reason, direction, agent_id
        ON CONFLICT (org_id, is_test, status, end_reason, direction, agent_id) DO UPDATE SET
            calls = t.calls + EXCLUDED.calls, dur_n = t.dur_n + EXCLUDED.dur_n,
            dur_sum = t.dur_sum + EXCLUDED.dur_sum, cost_sum = t.cost_sum + EXCLUDED.cost_sum,
            s_pos = t.s_pos + EXCLUDED.s_pos, s_neu = t.s_neu + EXCLUDED.s_neu,
            s_neg = t.s_neg + EXCLUDED.s_neg, b_conf = t.b_conf + EXCLUDED.b_conf,
            b_fail = t.b_fail + EXCLUDED.b_fail, succ_n = t.succ_n + EXCLUDED.succ_n,
            succ_true = t.succ_true + EXCLUDED.succ_true,
            cp_transport = t.cp_transport + EXCLUDED.cp_transport,
            cp_stt = t.cp_stt + EXCLUDED.cp_stt, cp_llm = t.cp_llm + EXCLUDED.cp_llm,
            cp_tts = t.cp_tts + EXCLUDED.cp_tts,
            cp_platform = t.cp_platform + EXCLUDED.cp_platform,
            cp_other = t.cp_other + EXCLUDED.cp_other
        RETURNING 1
    )
    SELECT count(*) INTO n FROM d;
    -- Groups whose calls all moved elsewhere.
    DELETE FROM call_rollup WHERE calls = 0;
    DELETE FROM call_rollup_total WHERE calls = 0;
    RETURN n;
END
$$;

-- The org's rollup recomputed from its calls (after its time zone
-- changes: the days move).  Blocks new deltas while it runs, so none is
-- counted under the old zone.
CREATE OR REPLACE FUNCTION ct_rollup_rebuild(p_org uuid) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_tz text;
BEGIN
    LOCK TABLE call_rollup_delta IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM call_rollup_delta WHERE org_id = p_org;
    DELETE FROM call_rollup WHERE org_id = p_org;
    -- The org's zone read first, and each call's row made from it and the
    -- call's columns (ROW(c.*)): on a Citus cluster the statement runs on
    -- the shard, whose rows have the shard's type, and reads no other
    -- table there.
    SELECT o.timezone INTO v_tz FROM orgs o WHERE o.id = p_org;
    INSERT INTO call_rollup
    SELECT r.org_id, r.day, r.is_test, r.status, r.end_reason, r.direction, sum(r.calls),
           sum(r.dur_n), sum(r.dur_sum), sum(r.cost_sum), sum(r.s_pos), sum(r.s_neu),
           sum(r.s_neg), sum(r.b_conf), sum(r.b_fail), r.agent_id, sum(r.succ_n),
           sum(r.succ_true), sum(r.cp_transport), sum(r.cp_stt), sum(r.cp_llm),
           sum(r.cp_tts), sum(r.cp_platform), sum(r.cp_other)
      FROM calls c, LATERAL ct_rollup_row_in(ROW(c.*)::calls, 1, v_tz) r
     WHERE c.org_id = p_org
     GROUP BY 1, 2, 3, 4, 5, 6, r.agent_id;
    DELETE FROM call_rollup_total WHERE org_id = p_org;
    INSERT INTO call_rollup_total
    SELECT org_id, is_test, status, end_reason, direction, agent_id, sum(calls), sum(dur_n),
           sum(dur_sum), sum(cost_sum), sum(s_pos), sum(s_neu), sum(s_neg), sum(b_conf),
           sum(b_fail), sum(succ_n), sum(succ_true), sum(cp_transport), sum(cp_stt), sum(cp_llm),
           sum(cp_tts), sum(cp_platform), sum(cp_other)
      FROM call_rollup
     WHERE org_id = p_org
     GROUP BY org_id, is_test, status, end_reason, direction, agent_id;
END
$$;

-- Moves an org to another time zone, and its counts to the new local
-- days: the owner's (calltrack-admin, tools/stack).  Not a trigger on
-- orgs: on a Citus cluster orgs is a reference table, copied to every
-- node, and a trigger there would rebuild the counts once per copy, from
-- a node that does not hold them (sql/citus/tables.sql).
CREATE OR REPLACE FUNCTION ct_org_set_timezone(p_org uuid, p_tz text) RETURNS boolean
    LANGUAGE plpgsql
    AS $$
BEGIN
    UPDATE orgs SET timezone = p_tz WHERE id = p_org AND timezone IS DISTINCT FROM p_tz;
    IF NOT FOUND THEN
        RETURN EXISTS (SELECT 1 FROM orgs WHERE id = p_org);
    END IF;
    PERFORM ct_rollup_rebuild(p_org);
    RETURN true;
END
$$;

REVOKE ALL ON FUNCTION ct_org_set_timezone(uuid, text) FROM PUBLIC;

DROP TRIGGER IF EXISTS orgs_rollup ON orgs;

DROP FUNCTION IF EXISTS ct_rollup_org_changed();

-- The rollup's rows of [p_first, p_last] (local days of the org's zone),
-- folded (call_rollup) and not yet (call_rollup_delta), as they are: a
-- key may be in more than one row (a day's test calls and the others, a
-- delta not yet folded, a move's -1 and +1), so only sums of them are
-- counts.  A reader that sums them anyway (ct_stats, ct_calls_total)
-- reads these; grouping them first, as ct_counts_rolled does, hashed
-- every row once more to no end (a year of a million calls: 23,000 rows,
-- 90 ms of the stats' 190, make bench).  A SQL function of one statement,
-- inlined into the statement that reads it.
CREATE OR REPLACE FUNCTION ct_rolled_rows(p_org uuid, p_first date, p_last date, p_include_test boolean)
RETURNS TABLE (day date, status text, end_reason text, direction text, calls bigint,
               dur_n bigint, dur_sum numeric, cost_sum numeric, s_pos bigint, s_neu bigint,
               s_neg bigint, b_conf bigint, b_fail bigint, agent_id text, succ_n bigint,
               succ_true bigint, cp_transport numeric, cp_stt numeric, cp_llm numeric,
               cp_tts numeric, cp_platform numeric, cp_other numeric)
    LANGUAGE sql STABLE
    AS $$
    SELECT r.day, r.status, r.end_reason, r.direction, r.calls::bigint, r.dur_n::bigint,
           r.dur_sum::numeric, r.cost_sum, r.s_pos::bigint, r.s_neu::bigint, r.s_neg::bigint,
           r.b_conf::bigint, r.b_fail::bigint, r.agent_id, r.succ_n::bigint, r.succ_true::bigint,
           r.cp_transport, r.cp_stt, r.cp_llm, r.cp_tts, r.cp_platform, r.cp_other
      FROM call_rollup r
     WHERE r.org_id = p_org AND r.day BETWEEN COALESCE(p_first, '-infinity') AND
           COALESCE(p_last, 'infinity') AND (p_include_test OR NOT r.is_test)
    UNION ALL
    SELECT d.day, d.status, d.end_reason, d.direction, d.calls::bigint, d.dur_n::bigint,
           d.dur_sum::numeric, d.cost_sum, d.s_pos::bigint, d.s_neu::bigint, d.s_neg::bigint,
           d.b_conf::bigint, d.b_fail::bigint, d.agent_id, d.succ_n::bigint, d.succ_true::bigint,
           d.cp_transport, d.cp_stt, d.cp_llm, d.cp_tts, d.cp_platform, d.cp_other
      FROM call_rollup_delta d
     WHERE d.org_id = p_org AND d.day BETWEEN COALESCE(p_first, '-infinity') AND
           COALESCE(p_last, 'infinity') AND (p_include_test OR NOT d.is_test)
$$;

-- The counts of [p_first, p_last], folded or not, grouped as the rollup
-- is: one row a key, none whose calls sum to nothing.
CREATE OR REPLACE FUNCTION ct_counts_rolled(p_org uuid, p_first date, p_last date, p_include_test boolean)
RETURNS TABLE (day date, status text, end_reason text, direction text, calls bigint,
               dur_n bigint, dur_sum numeric, cost_sum numeric, s_pos bigint, s_neu bigint,
               s_neg bigint, b_conf bigint, b_fail bigint, agent_id text, succ_n bigint,
               succ_true bigint, cp_transport numeric, cp_stt numeric, cp_llm numeric,
               cp_tts numeric, cp_platform numeric, cp_other numeric)
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
        SELECT r.day, r.status, r.end_reason, r.direction, sum(r.calls)::bigint,
               sum(r.dur_n)::bigint, sum(r.dur_sum), sum(r.cost_sum), sum(r.s_pos)::bigint,
               sum(r.s_neu)::bigint, sum(r.s_neg)::bigint, sum(r.b_conf)::bigint,
               sum(r.b_fail)::bigint, r.agent_id, sum(r.succ_n)::bigint, sum(r.succ_true)::bigint,
               sum(r.cp_transport), sum(r.cp_stt), sum(r.cp_llm), sum(r.cp_tts),
               sum(r.cp_platform), sum(r.cp_other)
          FROM ct_rolled_rows(p_org, p_first, p_last, p_include_test) r
         GROUP BY 1, 2, 3, 4, r.agent_id
        HAVING sum(r.calls) <> 0;
END
$$;

-- The counts of all the org's days, folded or not (call_rollup_total and
-- the deltas), grouped as the rollup is but for the day.
CREATE OR REPLACE FUNCTION ct_counts_all(p_org uuid, p_include_test boolean)
RETURNS TABLE (status text, end_reason text, direction text, calls bigint, s_pos bigint,
               s_neu bigint, s_neg bigint, b_conf bigint, b_fail bigint, agent_id text)
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
        SELECT r.status, r.end_reason, r.direction, sum(r.calls)::bigint, sum(r.s_pos)::bigint,
               sum(r.s_neu)::bigint, sum(r.s_neg)::bigint, sum(r.b_conf)::bigint,
               sum(r.b_fail)::bigint, r.agent_id
          FROM (SELECT t.status, t.end_reason, t.direction, t.agent_id, t.calls, t.s_pos,
                       t.s_neu, t.s_neg, t.b_conf, t.b_fail
                  FROM call_rollup_total t
                 WHERE t.org_id = p_org AND (p_include_test OR NOT t.is_test)
                UNION ALL
                SELECT d.status, d.end_reason, d.direction, d.agent_id, d.calls, d.s_pos,
                       d.s_neu, d.s_neg, d.b_conf, d.b_fail
                  FROM call_rollup_delta d
                 WHERE d.org_id = p_org AND (p_include_test OR NOT d.is_test)) r
         GROUP BY 1, 2, 3, r.agent_id
        HAVING sum(r.calls) <> 0;
END
$$;

-- The same counts from calls themselves, for any range and zone.
CREATE OR REPLACE FUNCTION ct_counts_live(p_org uuid, p_from timestamptz, p_to timestamptz, p_tz text,
    p_include_test boolean)
RETURNS TABLE (day date, status text, end_reason text, direction text, calls bigint,
               dur_n bigint, dur_sum numeric, cost_sum numeric, s_pos bigint, s_neu bigint,
               s_neg bigint, b_conf bigint, b_fail bigint, agent_id text, succ_n bigint,
               succ_true bigint, cp_transport numeric, cp_stt numeric, cp_llm numeric,
               cp_tts numeric, cp_platform numeric, cp_other numeric)
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
        SELECT (v.call_at AT TIME ZONE p_tz)::date, v.status, COALESCE(v.end_call_reason, ''),
               COALESCE(v.direction, ''), count(*),
               count(*) FILTER (WHERE v.status IN ('completed', 'in-progress')
                                  AND v.duration_seconds IS NOT NULL),
               COALESCE(sum(v.duration_seconds) FILTER (WHERE v.status IN ('completed', 'in-progress')), 0)::numeric,
               COALESCE(sum(v.cost), 0),
               count(*) FILTER (WHERE v.sentiment = 'positive'),
               count(*) FILTER (WHERE v.sentiment = 'neutral'),
               count(*) FILTER (WHERE v.sentiment = 'negative'),
               count(*) FILTER (WHERE v.booking_status = 'confirmed'),
               count(*) FILTER (WHERE v.booking_status = 'attempted_failed'),
               COALESCE(v.agent_id, ''),
               count(*) FILTER (WHERE v.success IS NOT NULL), count(*) FILTER (WHERE v.success),
               COALESCE(sum((v.cost_breakdown->>'transport')::numeric), 0),
               COALESCE(sum((v.cost_breakdown->>'stt')::numeric), 0),
               COALESCE(sum((v.cost_breakdown->>'llm')::numeric), 0),
               COALESCE(sum((v.cost_breakdown->>'tts')::numeric), 0),
               COALESCE(sum((v.cost_breakdown->>'platform')::numeric), 0),
               COALESCE(sum((v.cost_breakdown->>'other')::numeric), 0)
          FROM calls v
         WHERE v.org_id = p_org AND v.call_at >= COALESCE(p_from, '-infinity')
           AND v.call_at < COALESCE(p_to, 'infinity') AND (p_include_test OR NOT v.is_test_call)
         GROUP BY 1, 2, 3, 4, 14;
END
$$;

-- True when t is NULL or midnight in tz.
CREATE OR REPLACE FUNCTION ct_is_midnight(t timestamptz, tz text) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT t IS NULL OR (t AT TIME ZONE tz)::time = '00:00' $$;

GRANT EXECUTE ON FUNCTION ct_rollup_row_in(calls, int, text), ct_rollup_row(calls, int),
    ct_rollup_track(), ct_rolled_rows(uuid, date, date, boolean),
    ct_counts_rolled(uuid, date, date, boolean), ct_counts_all(uuid, boolean),
    ct_counts_live(uuid, timestamptz, timestamptz, text, boolean),
    ct_is_midnight(timestamptz, text) TO calltrack_app;

-- What spans orgs is the owner's (the sweeper and calltrack-admin, which
-- bypass row-level security).
REVOKE EXECUTE ON FUNCTION ct_rollup_fold(), ct_rollup_rebuild(uuid) FROM PUBLIC, calltrack_app;
GRANT EXECUTE ON FUNCTION ct_rolled_rows(uuid, date, date, boolean),
    ct_counts_rolled(uuid, date, date, boolean), ct_counts_all(uuid, boolean),
    ct_counts_live(uuid, timestamptz, timestamptz, text, boolean),
    ct_is_midnight(timestamptz, text)
    TO calltrack_dashboard;
