-- 006_rollup.sql: per-day call counts, so that the stats cards and the
-- list's total read a few hundred rows instead of every call of the range.
--
-- call_rollup holds, for each org, local day (in the org's time zone),
-- test flag, status, normalized end reason and direction, the sums the
-- dashboard shows.  Writers never touch it: a trigger on calls appends the change
-- of each call to call_rollup_delta (minus the old row, plus the new), an
-- insert that takes no lock another webhook waits for.  ct_rollup_fold()
-- moves the deltas into call_rollup in one transaction; the sweeper runs
-- it every minute.  A reader sums both tables in one statement, so it
-- sees every committed call exactly once whether or not it was folded.
--
-- The rollup answers only questions in whole days of the org's own time
-- zone; any other range, time zone or filter is counted from calls.

CREATE TABLE call_rollup (
    org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    day         date NOT NULL,
    is_test     boolean NOT NULL,
    status      text NOT NULL,
    -- '' for calls without one (a key column cannot be NULL).
    end_reason  text NOT NULL,
    direction   text NOT NULL,
    calls       int NOT NULL,
    -- Answered calls with a duration, and the sum of their durations.
    dur_n       int NOT NULL,
    dur_sum     bigint NOT NULL,
    cost_sum    numeric NOT NULL,
    s_pos       int NOT NULL,
    s_neu       int NOT NULL,
    s_neg       int NOT NULL,
    b_conf      int NOT NULL,
    b_fail      int NOT NULL,
    PRIMARY KEY (org_id, day, is_test, status, end_reason, direction)
);

CREATE TABLE call_rollup_delta (LIKE call_rollup);
ALTER TABLE call_rollup_delta ALTER COLUMN org_id SET NOT NULL;
CREATE INDEX call_rollup_delta_org_day ON call_rollup_delta (org_id, day);
-- Groups emptied by a fold, for it to remove.
CREATE INDEX call_rollup_empty ON call_rollup (org_id) WHERE calls = 0;

ALTER TABLE call_rollup ENABLE ROW LEVEL SECURITY;
ALTER TABLE call_rollup FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON call_rollup USING (org_id = ct_current_org());
ALTER TABLE call_rollup_delta ENABLE ROW LEVEL SECURITY;
ALTER TABLE call_rollup_delta FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON call_rollup_delta USING (org_id = ct_current_org())
    WITH CHECK (org_id = ct_current_org());
GRANT SELECT ON call_rollup TO calltrack_app;
GRANT SELECT, INSERT ON call_rollup_delta TO calltrack_app;

-- One call's contribution, times p_sign (1 or -1), as a rollup row.
CREATE FUNCTION ct_rollup_row(c calls, p_sign int) RETURNS call_rollup
    LANGUAGE sql STABLE
    AS $$
    SELECT ROW(c.org_id, (c.call_at AT TIME ZONE o.timezone)::date, c.is_test_call,
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
               CASE c.booking_status WHEN 'attempted_failed' THEN p_sign ELSE 0 END)::call_rollup
      FROM orgs o WHERE o.id = c.org_id
$$;

CREATE FUNCTION ct_rollup_track() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO call_rollup_delta SELECT r.* FROM ct_rollup_row(OLD, -1) r;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO call_rollup_delta SELECT r.* FROM ct_rollup_row(NEW, 1) r;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER calls_rollup AFTER INSERT OR DELETE ON calls
    FOR EACH ROW EXECUTE FUNCTION ct_rollup_track();
-- Most updates (a transcript, a summary) change nothing counted.
CREATE TRIGGER calls_rollup_update AFTER UPDATE ON calls
    FOR EACH ROW
    WHEN ((OLD.call_at, OLD.is_test_call, OLD.status, OLD.end_call_reason, OLD.duration_seconds,
           OLD.cost, OLD.sentiment, OLD.booking_status, OLD.direction)
          IS DISTINCT FROM
          (NEW.call_at, NEW.is_test_call, NEW.status, NEW.end_call_reason, NEW.duration_seconds,
           NEW.cost, NEW.sentiment, NEW.booking_status, NEW.direction))
    EXECUTE FUNCTION ct_rollup_track();

-- Moves every delta the caller can see into call_rollup; returns how many
-- deltas it folded.  Concurrent folds each take distinct deltas (DELETE
-- skips rows another fold removed), and a reader sees a fold whole or
-- not at all.
CREATE FUNCTION ct_rollup_fold() RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
    n bigint;
BEGIN
    WITH d AS (DELETE FROM call_rollup_delta RETURNING *),
    g AS (
        SELECT org_id, day, is_test, status, end_reason, direction, sum(calls)::int,
               sum(dur_n)::int, sum(dur_sum)::bigint, sum(cost_sum), sum(s_pos)::int,
               sum(s_neu)::int, sum(s_neg)::int, sum(b_conf)::int, sum(b_fail)::int
          FROM d GROUP BY 1, 2, 3, 4, 5, 6
    ), up AS (
        INSERT INTO call_rollup AS r SELECT * FROM g
         WHERE EXISTS (SELECT 1 FROM orgs o WHERE o.id = g.org_id)
        ON CONFLICT (org_id, day, is_test, status, end_reason, direction) DO UPDATE SET
            calls = r.calls + EXCLUDED.calls, dur_n = r.dur_n + EXCLUDED.dur_n,
            dur_sum = r.dur_sum + EXCLUDED.dur_sum, cost_sum = r.cost_sum + EXCLUDED.cost_sum,
            s_pos = r.s_pos + EXCLUDED.s_pos, s_neu = r.s_neu + EXCLUDED.s_neu,
            s_neg = r.s_neg + EXCLUDED.s_neg, b_conf = r.b_conf + EXCLUDED.b_conf,
            b_fail = r.b_fail + EXCLUDED.b_fail
        RETURNING 1
    )
    SELECT count(*) INTO n FROM d;
    -- Groups whose calls all moved elsewhere.
    DELETE FROM call_rollup WHERE calls = 0;
    RETURN n;
END
$$;

-- The org's rollup recomputed from its calls (after its time zone
-- changes: the days move).  Blocks new deltas while it runs, so none is
-- counted under the old zone.
CREATE FUNCTION ct_rollup_rebuild(p_org uuid) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    LOCK TABLE call_rollup_delta IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM call_rollup_delta WHERE org_id = p_org;
    DELETE FROM call_rollup WHERE org_id = p_org;
    INSERT INTO call_rollup
    SELECT r.org_id, r.day, r.is_test, r.status, r.end_reason, r.direction, sum(r.calls),
           sum(r.dur_n), sum(r.dur_sum), sum(r.cost_sum), sum(r.s_pos), sum(r.s_neu),
           sum(r.s_neg), sum(r.b_conf), sum(r.b_fail)
      FROM calls c, LATERAL ct_rollup_row(c, 1) r
     WHERE c.org_id = p_org
     GROUP BY 1, 2, 3, 4, 5, 6;
END
$$;

CREATE FUNCTION ct_rollup_org_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM ct_rollup_rebuild(NEW.id);
    RETURN NULL;
END
$$;

CREATE TRIGGER orgs_rollup AFTER UPDATE OF timezone ON orgs
    FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone)
    EXECUTE FUNCTION ct_rollup_org_changed();

-- The calls there already.
DO $$
DECLARE o uuid;
BEGIN
    FOR o IN SELECT id FROM orgs LOOP
        PERFORM ct_rollup_rebuild(o);
    END LOOP;
END
$$;

-- The counts of [p_first, p_last] (local days of the org's zone), folded
-- or not, grouped as the rollup is.
CREATE FUNCTION ct_counts_rolled(p_org uuid, p_first date, p_last date, p_include_test boolean)
RETURNS TABLE (day date, status text, end_reason text, direction text, calls bigint,
               dur_n bigint, dur_sum numeric, cost_sum numeric, s_pos bigint, s_neu bigint,
               s_neg bigint, b_conf bigint, b_fail bigint)
    LANGUAGE sql STABLE
    AS $$
    SELECT r.day, r.status, r.end_reason, r.direction, sum(r.calls), sum(r.dur_n),
           sum(r.dur_sum), sum(r.cost_sum), sum(r.s_pos), sum(r.s_neu), sum(r.s_neg),
           sum(r.b_conf), sum(r.b_fail)
      FROM (SELECT * FROM call_rollup
             WHERE org_id = p_org AND day BETWEEN COALESCE(p_first, '-infinity') AND
                   COALESCE(p_last, 'infinity') AND (p_include_test OR NOT is_test)
            UNION ALL
            SELECT * FROM call_rollup_delta
             WHERE org_id = p_org AND day BETWEEN COALESCE(p_first, '-infinity') AND
                   COALESCE(p_last, 'infinity') AND (p_include_test OR NOT is_test)) r
     GROUP BY 1, 2, 3, 4
    HAVING sum(r.calls) <> 0
$$;

-- The same counts from calls themselves, for any range and zone.
CREATE FUNCTION ct_counts_live(p_org uuid, p_from timestamptz, p_to timestamptz, p_tz text,
    p_include_test boolean)
RETURNS TABLE (day date, status text, end_reason text, direction text, calls bigint,
               dur_n bigint, dur_sum numeric, cost_sum numeric, s_pos bigint, s_neu bigint,
               s_neg bigint, b_conf bigint, b_fail bigint)
    LANGUAGE sql STABLE
    AS $$
    SELECT (v.call_at AT TIME ZONE p_tz)::date, v.status, COALESCE(v.end_call_reason, ''),
           COALESCE(v.direction, ''), count(*),
           count(*) FILTER (WHERE v.status IN ('completed', 'in-progress')
                              AND v.duration_seconds IS NOT NULL),
           COALESCE(sum(v.duration_seconds) FILTER (WHERE v.status IN ('completed', 'in-progress')), 0),
           COALESCE(sum(v.cost), 0),
           count(*) FILTER (WHERE v.sentiment = 'positive'),
           count(*) FILTER (WHERE v.sentiment = 'neutral'),
           count(*) FILTER (WHERE v.sentiment = 'negative'),
           count(*) FILTER (WHERE v.booking_status = 'confirmed'),
           count(*) FILTER (WHERE v.booking_status = 'attempted_failed')
      FROM calls v
     WHERE v.org_id = p_org AND v.call_at >= COALESCE(p_from, '-infinity')
       AND v.call_at < COALESCE(p_to, 'infinity') AND (p_include_test OR NOT v.is_test_call)
     GROUP BY 1, 2, 3, 4
$$;

-- True when t is NULL or midnight in tz.
CREATE FUNCTION ct_is_midnight(t timestamptz, tz text) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT t IS NULL OR (t AT TIME ZONE tz)::time = '00:00' $$;

-- The list's total.  From the rollup when every filter is one it keeps
-- (status, end reason and direction, the range in whole days of the org's
-- zone, and at most one of sentiment and booking), else counted from
-- calls.
CREATE FUNCTION ct_calls_total(p_org uuid, p_where text, p_digits text, p_words text[],
    p_status text[], p_direction text[], p_booking text[], p_sentiment text[],
    p_lead_status text[], p_end_reason text[], p_from timestamptz, p_to timestamptz,
    p_min_dur int, p_max_dur int, p_include_test boolean, p_tz text, p_rollup boolean)
RETURNS bigint
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_total bigint;
BEGIN
    IF p_rollup AND p_digits IS NULL AND p_words IS NULL AND p_lead_status IS NULL
       AND p_min_dur IS NULL AND p_max_dur IS NULL
       AND (p_booking IS NULL OR p_sentiment IS NULL)
       AND ct_is_midnight(p_from, p_tz) AND ct_is_midnight(p_to, p_tz) THEN
        SELECT COALESCE(sum(CASE
                   WHEN p_sentiment IS NOT NULL THEN
                       CASE WHEN 'positive' = ANY (p_sentiment) THEN c.s_pos ELSE 0 END
                       + CASE WHEN 'neutral' = ANY (p_sentiment) THEN c.s_neu ELSE 0 END
                       + CASE WHEN 'negative' = ANY (p_sentiment) THEN c.s_neg ELSE 0 END
                       + CASE WHEN 'unknown' = ANY (p_sentiment)
                              THEN c.calls - c.s_pos - c.s_neu - c.s_neg ELSE 0 END
                   WHEN p_booking IS NOT NULL THEN
                       CASE WHEN 'confirmed' = ANY (p_booking) THEN c.b_conf ELSE 0 END
                       + CASE WHEN 'attempted_failed' = ANY (p_booking) THEN c.b_fail ELSE 0 END
                       + CASE WHEN 'not_requested' = ANY (p_booking)
                              THEN c.calls - c.b_conf - c.b_fail ELSE 0 END
                   ELSE c.calls END), 0)
          INTO v_total
          FROM ct_counts_rolled(p_org, (p_from AT TIME ZONE p_tz)::date,
                                ((p_to AT TIME ZONE p_tz)::date - 1), p_include_test) c
         WHERE (p_status IS NULL OR c.status = ANY (p_status))
           AND (p_end_reason IS NULL OR c.end_reason = ANY (p_end_reason))
           AND (p_direction IS NULL OR c.direction = ANY (p_direction));
        RETURN v_total;
    END IF;
    -- The total reads calls alone (an index-only scan of the covering
    -- index) unless a filter needs the contact.
    EXECUTE 'SELECT count(*) FROM ' || CASE WHEN p_lead_status IS NULL THEN 'calls'
                                            ELSE 'calls_with_caller_names' END
            || ' v WHERE ' || p_where
       INTO v_total
       USING p_org, p_digits, p_words, p_status, p_direction, p_booking, p_sentiment,
             p_lead_status, p_end_reason, p_from, p_to, p_min_dur, p_max_dur;
    RETURN v_total;
END
$$;

CREATE OR REPLACE FUNCTION ct_calls_page(p_org uuid, p_digits text, p_words text[], p_status text[],
    p_direction text[], p_booking text[], p_sentiment text[], p_lead_status text[],
    p_end_reason text[], p_from text, p_to text, p_min_dur int, p_max_dur int,
    p_include_test boolean, p_sort text, p_desc boolean, p_limit int, p_offset int,
    p_after_value text, p_after_id uuid)
RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_tz text;
    v_from timestamptz;
    v_to timestamptz;
    v_where text;
    v_sort text := ct_calls_sort_expr(p_sort);
    v_dir text := CASE WHEN p_desc THEN 'DESC' ELSE 'ASC' END;
    v_cmp text := CASE WHEN p_desc THEN '<' ELSE '>' END;
    v_total bigint;
    v_rows json;
    v_next text;
BEGIN
    IF v_sort IS NULL OR p_limit NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'invalid sort or limit' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM set_config('calltrack.org_id', p_org::text, true);
    SELECT o.timezone INTO v_tz FROM orgs o WHERE o.id = p_org;
    v_from := ct_bound(p_from, v_tz);
    v_to := ct_bound(p_to, v_tz);
    IF v_from >= v_to THEN
        RETURN json_build_object('error', 'from');
    END IF;
    v_where := ct_calls_where(p_digits, p_words, p_status, p_direction, p_booking,
                              p_sentiment, p_lead_status, p_end_reason, p_from, p_to,
                              p_min_dur, p_max_dur, p_include_test);
    v_total := ct_calls_total(p_org, v_where, p_digits, p_words, p_status, p_direction,
                              p_booking, p_sentiment, p_lead_status, p_end_reason, v_from,
                              v_to, p_min_dur, p_max_dur, p_include_test, v_tz, true);
    -- The page's ids first, from calls alone (an index-only scan of the
    -- covering index when the filters allow it), then the rows in full.
    EXECUTE format(
        'WITH ids AS (SELECT v.id, %1$s AS sort_value FROM %7$s v WHERE %2$s %3$s'
        ' ORDER BY %1$s %4$s, v.id %4$s LIMIT $16 OFFSET $17),'
        ' page AS (SELECT w AS v, ids.sort_value FROM ids'
        '   JOIN calls_with_caller_names w ON w.org_id = $1 AND w.id = ids.id)'
        ' SELECT COALESCE(json_agg(ct_call_summary(v) ORDER BY sort_value %4$s, (v).id %4$s), ''[]''),'
        ' (SELECT CASE WHEN count(*) = $16 THEN'
        '   (SELECT %6$s || ''|'' || (p.v).id FROM page p'
        '     ORDER BY p.sort_value %5$s, (p.v).id %5$s LIMIT 1) END FROM page)'
        ' FROM page',
        v_sort, v_where,
        CASE WHEN p_after_id IS NOT NULL
             THEN format('AND (%s, v.id) %s ($14::%s, $15)', v_sort, v_cmp,
                         CASE p_sort WHEN 'started_at' THEN 'timestamptz'
                                     WHEN 'duration' THEN 'int' ELSE 'numeric' END)
             ELSE '' END,
        v_dir, CASE WHEN p_desc THEN 'ASC' ELSE 'DESC' END,
        CASE WHEN p_sort = 'started_at'
             THEN 'to_char(p.sort_value AT TIME ZONE ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.US"Z"'')'
             ELSE 'p.sort_value::text' END,
        CASE WHEN p_lead_status IS NULL THEN 'calls' ELSE 'calls_with_caller_names' END)
       INTO v_rows, v_next
       USING p_org, p_digits, p_words, p_status, p_direction, p_booking, p_sentiment,
             p_lead_status, p_end_reason, v_from, v_to, p_min_dur, p_max_dur,
             p_after_value, p_after_id, p_limit, COALESCE(p_offset, 0);
    RETURN json_build_object('calls', v_rows, 'total', v_total, 'next', v_next);
END
$$;

-- The stats cards over [p_from, p_to) (dates are days in p_tz), test
-- calls included only when asked (docs/API.md "GET /api/stats").  The counts
-- come from the rollup when the range is whole days of the org's zone.
CREATE OR REPLACE FUNCTION ct_stats(p_org uuid, p_from text, p_to text, p_tz text,
    p_include_test boolean)
RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org_tz text;
    v_tz text;
    v_from timestamptz;
    v_to timestamptz;
    v_first date;
    v_last date;
    v_rolled boolean;
    r json;
BEGIN
    PERFORM set_config('calltrack.org_id', p_org::text, true);
    SELECT o.timezone INTO v_org_tz FROM orgs o WHERE o.id = p_org;
    v_tz := COALESCE(p_tz, v_org_tz);
    v_to := COALESCE(ct_bound(p_to, v_tz),
                     ((now() AT TIME ZONE v_tz)::date + 1)::timestamp AT TIME ZONE v_tz);
    v_from := COALESCE(ct_bound(p_from, v_tz),
                       ((v_to AT TIME ZONE v_tz)::date - 30)::timestamp AT TIME ZONE v_tz);
    IF v_from >= v_to THEN
        RETURN json_build_object('error', 'from');
    END IF;
    v_first := (v_from AT TIME ZONE v_tz)::date;
    v_last := ((v_to - interval '1 microsecond') AT TIME ZONE v_tz)::date;
    v_rolled := v_tz = v_org_tz AND ct_is_midnight(v_from, v_tz) AND ct_is_midnight(v_to, v_tz);
    WITH c AS MATERIALIZED (
        SELECT * FROM ct_counts_rolled(p_org, v_first, v_last, p_include_test) WHERE v_rolled
        UNION ALL
        SELECT * FROM ct_counts_live(p_org, v_from, v_to, v_tz, p_include_test) WHERE NOT v_rolled
    ), totals AS (
        SELECT COALESCE(sum(calls), 0) AS total,
               COALESCE(sum(calls) FILTER (WHERE status IN ('completed', 'in-progress')), 0) AS answered,
               sum(dur_sum) / NULLIF(sum(dur_n), 0) AS avg_dur,
               COALESCE(sum(cost_sum), 0) AS cost,
               COALESCE(sum(s_pos), 0) AS s_pos, COALESCE(sum(s_neu), 0) AS s_neu,
               COALESCE(sum(s_neg), 0) AS s_neg,
               COALESCE(sum(calls - s_pos - s_neu - s_neg), 0) AS s_unk,
               COALESCE(sum(b_conf), 0) AS b_conf, COALESCE(sum(b_fail), 0) AS b_fail,
               COALESCE(sum(calls - b_conf - b_fail), 0) AS b_none
          FROM c
    )
    SELECT json_build_object(
        'range', json_build_object('from', ct_iso(v_from), 'to', ct_iso(v_to), 'tz', v_tz),
        'total_calls', t.total,
        'answered_calls', t.answered,
        'answer_rate', CASE WHEN t.total > 0 THEN round(t.answered::numeric / t.total, 4) ELSE 0 END,
        'by_status', (SELECT json_object_agg(s, COALESCE(n, 0))
                        FROM unnest(ARRAY['queued', 'ringing', 'in-progress', 'completed', 'busy',
                                          'no-answer', 'failed', 'canceled', 'voicemail']) s
                        LEFT JOIN (SELECT status, sum(calls) AS n FROM c GROUP BY status) k
                          ON k.status = s),
        'avg_duration_seconds', COALESCE(round(t.avg_dur), 0),
        'total_cost', round(t.cost, 4),
        'sentiment', json_build_object('positive', t.s_pos, 'neutral', t.s_neu,
                                       'negative', t.s_neg, 'unknown', t.s_unk),
        'booking', json_build_object('confirmed', t.b_conf, 'attempted_failed', t.b_fail,
                                     'not_requested', t.b_none,
                                     'conversion_rate', CASE WHEN t.answered > 0
                                         THEN round(t.b_conf::numeric / t.answered, 4) ELSE 0 END),
        -- An alert is raised when its call's events arrive, never before
        -- the call starts: a day's margin for the providers' clocks keeps
        -- the scan to the range's alerts.
        'hot_leads', (SELECT count(*) FROM hot_lead_alerts a
                        JOIN calls k ON k.org_id = a.org_id AND k.id = a.call_id
                       WHERE a.org_id = p_org AND a.created_at >= v_from - interval '1 day'
                         AND k.call_at >= v_from AND k.call_at < v_to
                         AND (p_include_test OR NOT k.is_test_call)),
        'end_call_reasons', (SELECT COALESCE(json_agg(json_build_object('reason', reason, 'calls', n)
                                                      ORDER BY n DESC, reason), '[]')
                               FROM (SELECT end_reason AS reason, sum(calls) AS n FROM c
                                      WHERE end_reason <> '' GROUP BY 1 HAVING sum(calls) > 0) x),
        'daily', (SELECT json_agg(json_build_object('date', d::date, 'calls', COALESCE(x.calls, 0),
                                                    'answered', COALESCE(x.answered, 0),
                                                    'booked', COALESCE(x.booked, 0)) ORDER BY d)
                    FROM generate_series(v_first, v_last, interval '1 day') d
                    LEFT JOIN (SELECT day, sum(calls) AS calls,
                                      sum(calls) FILTER (WHERE status IN ('completed', 'in-progress')) AS answered,
                                      sum(b_conf) AS booked
                                 FROM c GROUP BY 1) x ON x.day = d::date),
        'recent_activity', (SELECT COALESCE(json_agg(a ORDER BY (a->>'at') DESC), '[]') FROM (
              (SELECT json_build_object('type', 'hot_lead', 'at', ct_iso(h.created_at),
                                        'call_id', w.id, 'caller_name', w.resolved_caller_name,
                                        'phone_number', w.phone_number, 'score', h.score) AS a
                 FROM hot_lead_alerts h
                 JOIN calls_with_caller_names w ON w.org_id = h.org_id AND w.id = h.call_id
                WHERE h.org_id = p_org AND h.created_at >= v_from - interval '1 day'
                  AND w.call_at >= v_from AND w.call_at < v_to
                  AND (p_include_test OR NOT w.is_test_call)
                ORDER BY h.created_at DESC LIMIT 10)
              UNION ALL
              (SELECT json_build_object('type', 'completed_call', 'at', ct_iso(w.call_at),
                                        'call_id', w.id, 'caller_name', w.resolved_caller_name,
                                        'phone_number', w.phone_number,
                                        'duration_seconds', w.duration_seconds)
                 FROM calls_with_caller_names w
                WHERE w.org_id = p_org AND w.call_at >= v_from AND w.call_at < v_to
                  AND (p_include_test OR NOT w.is_test_call) AND w.status = 'completed'
                ORDER BY w.call_at DESC, w.id DESC LIMIT 10)) r
              (a)))
      INTO r
      FROM totals t;
    RETURN r;
END
$$;

GRANT EXECUTE ON FUNCTION ct_rollup_row(calls, int), ct_rollup_track(),
    ct_counts_rolled(uuid, date, date, boolean),
    ct_counts_live(uuid, timestamptz, timestamptz, text, boolean),
    ct_is_midnight(timestamptz, text),
    ct_calls_total(uuid, text, text, text[], text[], text[], text[], text[], text[], text[],
                   timestamptz, timestamptz, int, int, boolean, text, boolean)
    TO calltrack_app;
