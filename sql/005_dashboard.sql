-- 005_dashboard.sql: what the dashboard reads, and the indexes that keep
-- it fast at a million calls per org.
--
-- Every function pins the org for its transaction (row-level security)
-- and filters by it in its own WHERE clause as well.

-- The time a call is listed, filtered and counted under: when it started,
-- else when it ended (Twilio sends no start), else when its first
-- callback came (queued and ringing calls).
ALTER TABLE calls ADD COLUMN call_at timestamptz
    GENERATED ALWAYS AS (COALESCE(started_at, ended_at, first_event_at)) STORED;

DROP INDEX calls_org_started;
-- The list's order, covering what the filters test, so that a page and
-- its total are index-only scans however many calls an org has.
CREATE INDEX calls_org_call_at ON calls (org_id, call_at DESC, id DESC)
    INCLUDE (is_test_call, status, direction, booking_status, sentiment,
             end_call_reason, duration_seconds, cost, contact_id);
CREATE INDEX calls_org_duration ON calls (org_id, (COALESCE(duration_seconds, -1)) DESC, id DESC)
    INCLUDE (is_test_call);
CREATE INDEX calls_org_cost ON calls (org_id, (COALESCE(cost, -1)) DESC, id DESC)
    INCLUDE (is_test_call);
-- Digits of a search match the end of the customer's number, however it
-- was written ("555-0142", "(415) 555-0142", "+14155550142"): a prefix of
-- the reversed number, a B-tree range.  The reversed number is stored,
-- and the range is written with leakproof operators, because row-level
-- security lets only leakproof conditions reach an index (LIKE and
-- reverse() are not).
ALTER TABLE calls ADD COLUMN phone_reversed text
    GENERATED ALWAYS AS (reverse(phone_number)) STORED;
CREATE INDEX calls_phone_suffix ON calls (org_id, phone_reversed text_pattern_ops);
CREATE INDEX hot_lead_alerts_org_created ON hot_lead_alerts (org_id, created_at DESC);

-- The view again, with the columns added since 001 (c.* is expanded when
-- a view is made).
DROP VIEW calls_with_caller_names;
CREATE VIEW calls_with_caller_names WITH (security_invoker = true) AS
SELECT c.*,
       COALESCE(ct.name, c.phone_number, 'Unknown') AS resolved_caller_name,
       CASE WHEN ct.name IS NOT NULL THEN 'contact'
            WHEN c.phone_number IS NOT NULL THEN 'phone'
            ELSE 'unknown' END AS name_source,
       ct.email AS contact_email,
       ct.lead_status AS contact_lead_status,
       ct.lead_score AS contact_lead_score
  FROM calls c
  LEFT JOIN contacts ct ON ct.org_id = c.org_id AND ct.id = c.contact_id;
GRANT SELECT ON calls_with_caller_names TO calltrack_app;

-- A time as the API writes it: UTC, milliseconds, "Z".
CREATE FUNCTION ct_iso(t timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

-- The start of a range bound: a date is midnight of that day in tz, a
-- date-time is itself.
CREATE FUNCTION ct_bound(p text, p_tz text) RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN length(p) = 10 THEN p::date::timestamp AT TIME ZONE p_tz
                      ELSE p::timestamptz END $$;

-- One call as the list shows it (docs/API.md "GET /api/calls").
CREATE FUNCTION ct_call_summary(v calls_with_caller_names) RETURNS json
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT json_build_object(
        'id', v.id, 'provider', v.provider, 'provider_call_id', v.provider_call_id,
        'direction', v.direction, 'status', v.status, 'status_source', v.status_source,
        'ended_reason', v.ended_reason, 'end_call_reason', v.end_call_reason,
        'caller_name', v.resolved_caller_name, 'name_source', v.name_source,
        'phone_number', v.phone_number, 'agent_number', v.agent_number,
        'contact_id', v.contact_id, 'lead_status', v.contact_lead_status,
        'lead_score', v.lead_score,
        'started_at', ct_iso(v.started_at), 'ended_at', ct_iso(v.ended_at),
        'call_at', ct_iso(v.call_at), 'duration_seconds', v.duration_seconds,
        'cost', v.cost, 'sentiment', v.sentiment, 'summary', v.summary,
        'booking_status', v.booking_status, 'is_test_call', v.is_test_call,
        'recording_url', v.recording_url)
$$;

-- The WHERE clause of a call search, for EXECUTE … USING with the
-- parameters numbered as in ct_calls_page; only conditions for the
-- parameters given are added, so each query plans for what it asks.
CREATE FUNCTION ct_calls_where(p_digits text, p_words text[], p_status text[],
    p_direction text[], p_booking text[], p_sentiment text[], p_lead_status text[],
    p_end_reason text[], p_from text, p_to text, p_min_dur int, p_max_dur int,
    p_include_test boolean)
RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE
    w text := 'v.org_id = $1';
    i int;
BEGIN
    IF NOT p_include_test THEN w := w || ' AND NOT v.is_test_call'; END IF;
    IF p_digits IS NOT NULL THEN
        w := w || ' AND v.phone_reversed ~>=~ reverse($2)'
                 || ' AND v.phone_reversed ~<~ (reverse($2) || '':'')';
    END IF;
    IF p_words IS NOT NULL THEN
        FOR i IN 1 .. cardinality(p_words) LOOP
            w := w || format(' AND v.contact_id IN (SELECT k.id FROM contacts k WHERE k.org_id = $1'
                             ' AND k.name ILIKE ''%%'' || $3[%s] || ''%%'')', i);
        END LOOP;
    END IF;
    IF p_status IS NOT NULL THEN w := w || ' AND v.status = ANY ($4)'; END IF;
    IF p_direction IS NOT NULL THEN w := w || ' AND v.direction = ANY ($5)'; END IF;
    IF p_booking IS NOT NULL THEN w := w || ' AND v.booking_status = ANY ($6)'; END IF;
    IF p_sentiment IS NOT NULL THEN
        w := w || ' AND (v.sentiment = ANY ($7) OR (v.sentiment IS NULL AND ''unknown'' = ANY ($7)))';
    END IF;
    IF p_lead_status IS NOT NULL THEN w := w || ' AND v.contact_lead_status = ANY ($8)'; END IF;
    IF p_end_reason IS NOT NULL THEN w := w || ' AND v.end_call_reason = ANY ($9)'; END IF;
    IF p_from IS NOT NULL THEN w := w || ' AND v.call_at >= $10'; END IF;
    IF p_to IS NOT NULL THEN w := w || ' AND v.call_at < $11'; END IF;
    IF p_min_dur IS NOT NULL THEN w := w || ' AND v.duration_seconds >= $12'; END IF;
    IF p_max_dur IS NOT NULL THEN w := w || ' AND v.duration_seconds <= $13'; END IF;
    RETURN w;
END
$$;

-- The sort expression for an allow-listed sort name.
CREATE FUNCTION ct_calls_sort_expr(p_sort text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE p_sort
        WHEN 'started_at' THEN 'v.call_at'
        WHEN 'duration' THEN 'COALESCE(v.duration_seconds, -1)'
        WHEN 'cost' THEN 'COALESCE(v.cost, -1)'
    END
$$;

-- One page of calls: {"calls": [...], "total": n, "next": "<value>|<id>"}.
-- p_sort is started_at, duration or cost; the page is either keyset (after
-- the row p_after_value/p_after_id) or p_offset rows in.
CREATE FUNCTION ct_calls_page(p_org uuid, p_digits text, p_words text[], p_status text[],
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
    -- The total reads calls alone (an index-only scan of the covering
    -- index) unless a filter needs the contact.
    EXECUTE 'SELECT count(*) FROM ' || CASE WHEN p_lead_status IS NULL THEN 'calls'
                                            ELSE 'calls_with_caller_names' END
            || ' v WHERE ' || v_where
       INTO v_total
       USING p_org, p_digits, p_words, p_status, p_direction, p_booking, p_sentiment,
             p_lead_status, p_end_reason, v_from, v_to, p_min_dur, p_max_dur;
    -- The page's ids first, from calls alone (an index-only scan of the
    -- covering index when the filters allow it), then the 25 rows in full.
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

-- True when [p_from, p_to) is empty or reversed in the org's zone.
CREATE FUNCTION ct_range_reversed(p_org uuid, p_from text, p_to text) RETURNS boolean
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_tz text;
BEGIN
    PERFORM set_config('calltrack.org_id', p_org::text, true);
    SELECT o.timezone INTO v_tz FROM orgs o WHERE o.id = p_org;
    RETURN ct_bound(p_from, v_tz) >= ct_bound(p_to, v_tz);
END
$$;

-- RFC 4180: a field in quotes when it holds a comma, quote, CR or LF,
-- quotes doubled.
CREATE FUNCTION ct_csv(v text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN v IS NULL THEN ''
                      WHEN v ~ '[",\r\n]' THEN '"' || replace(v, '"', '""') || '"'
                      ELSE v END $$;

-- Every matching call as one CSV line each (no header), newest first, at
-- most p_cap lines.
CREATE FUNCTION ct_calls_csv(p_org uuid, p_digits text, p_words text[], p_status text[],
    p_direction text[], p_booking text[], p_sentiment text[], p_lead_status text[],
    p_end_reason text[], p_from text, p_to text, p_min_dur int, p_max_dur int,
    p_include_test boolean, p_sort text, p_desc boolean, p_cap int)
RETURNS SETOF text
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_tz text;
    v_sort text := ct_calls_sort_expr(p_sort);
    v_dir text := CASE WHEN p_desc THEN 'DESC' ELSE 'ASC' END;
BEGIN
    IF v_sort IS NULL THEN
        RAISE EXCEPTION 'invalid sort' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM set_config('calltrack.org_id', p_org::text, true);
    SELECT o.timezone INTO v_tz FROM orgs o WHERE o.id = p_org;
    RETURN QUERY EXECUTE format(
        'SELECT concat_ws('','', ct_csv(v.id::text), ct_csv(ct_iso(v.call_at)),'
        ' ct_csv(v.provider), ct_csv(v.direction), ct_csv(v.status),'
        ' ct_csv(v.resolved_caller_name), ct_csv(v.name_source), ct_csv(v.phone_number),'
        ' ct_csv(v.duration_seconds::text), ct_csv(v.cost::text), ct_csv(v.booking_status),'
        ' ct_csv(v.sentiment), ct_csv(v.end_call_reason), ct_csv(v.ended_reason),'
        ' ct_csv(v.is_test_call::text), ct_csv(v.summary))'
        ' FROM calls_with_caller_names v WHERE %s ORDER BY %s %s, v.id %s LIMIT $14',
        ct_calls_where(p_digits, p_words, p_status, p_direction, p_booking, p_sentiment,
                       p_lead_status, p_end_reason, p_from, p_to, p_min_dur, p_max_dur,
                       p_include_test),
        v_sort, v_dir, v_dir)
       USING p_org, p_digits, p_words, p_status, p_direction, p_booking, p_sentiment,
             p_lead_status, p_end_reason, ct_bound(p_from, v_tz), ct_bound(p_to, v_tz),
             p_min_dur, p_max_dur, p_cap;
END
$$;

-- One call in full, or NULL when the org has no such call: the list row,
-- the transcript, the metadata, the booking evidence, the hot-lead alert
-- and the timeline of raw events, oldest first.
CREATE FUNCTION ct_call_detail(p_org uuid, p_id uuid) RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v calls_with_caller_names;
BEGIN
    PERFORM set_config('calltrack.org_id', p_org::text, true);
    SELECT * INTO v FROM calls_with_caller_names c WHERE c.org_id = p_org AND c.id = p_id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT (ct_call_summary(v)::jsonb || jsonb_build_object(
        'transcript', v.transcript,
        'metadata', v.metadata,
        'booking_evidence', v.booking_evidence,
        'transfer_destination', v.transfer_destination,
        'lead_reasons', v.lead_reasons,
        'contact_email', v.contact_email,
        'hot_lead_alert', (SELECT json_build_object('score', a.score, 'reasons', a.reasons,
                                   'created_at', ct_iso(a.created_at),
                                   'acknowledged_at', ct_iso(a.acknowledged_at))
                             FROM hot_lead_alerts a WHERE a.org_id = p_org AND a.call_id = v.id),
        'events', (SELECT COALESCE(json_agg(json_build_object(
                              'type', e.event_type, 'received_at', ct_iso(e.received_at),
                              'outcome', e.outcome, 'error', e.error)
                          ORDER BY e.received_at, e.id), '[]')
                     FROM call_events e WHERE e.org_id = p_org AND e.call_id = v.id)))::json);
END
$$;

-- The stats cards over [p_from, p_to) (dates are days in p_tz), test
-- calls included only when asked (docs/API.md "GET /api/stats").
CREATE FUNCTION ct_stats(p_org uuid, p_from text, p_to text, p_tz text, p_include_test boolean)
RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_tz text;
    v_from timestamptz;
    v_to timestamptz;
    v_first date;
    v_last date;
    r json;
BEGIN
    PERFORM set_config('calltrack.org_id', p_org::text, true);
    SELECT COALESCE(p_tz, o.timezone) INTO v_tz FROM orgs o WHERE o.id = p_org;
    v_to := COALESCE(ct_bound(p_to, v_tz),
                     ((now() AT TIME ZONE v_tz)::date + 1)::timestamp AT TIME ZONE v_tz);
    v_from := COALESCE(ct_bound(p_from, v_tz),
                       ((v_to AT TIME ZONE v_tz)::date - 30)::timestamp AT TIME ZONE v_tz);
    IF v_from >= v_to THEN
        RETURN json_build_object('error', 'from');
    END IF;
    v_first := (v_from AT TIME ZONE v_tz)::date;
    v_last := ((v_to - interval '1 microsecond') AT TIME ZONE v_tz)::date;
    -- Only columns of the covering index: the range is one index-only
    -- scan, however many calls the org has.
    WITH c AS MATERIALIZED (
        SELECT v.id, v.call_at, v.status, v.duration_seconds, v.cost, v.sentiment,
               v.booking_status, v.end_call_reason,
               (v.status IN ('completed', 'in-progress')) AS answered
          FROM calls v
         WHERE v.org_id = p_org AND v.call_at >= v_from AND v.call_at < v_to
           AND (p_include_test OR NOT v.is_test_call)
    ), totals AS (
        SELECT count(*) AS total, count(*) FILTER (WHERE answered) AS answered,
               avg(duration_seconds) FILTER (WHERE answered AND duration_seconds IS NOT NULL) AS avg_dur,
               COALESCE(sum(cost), 0) AS cost,
               count(*) FILTER (WHERE sentiment = 'positive') AS s_pos,
               count(*) FILTER (WHERE sentiment = 'neutral') AS s_neu,
               count(*) FILTER (WHERE sentiment = 'negative') AS s_neg,
               count(*) FILTER (WHERE sentiment IS NULL) AS s_unk,
               count(*) FILTER (WHERE booking_status = 'confirmed') AS b_conf,
               count(*) FILTER (WHERE booking_status = 'attempted_failed') AS b_fail,
               count(*) FILTER (WHERE booking_status = 'not_requested') AS b_none
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
                        LEFT JOIN (SELECT status, count(*) AS n FROM c GROUP BY status) k
                          ON k.status = s),
        'avg_duration_seconds', COALESCE(round(t.avg_dur), 0),
        'total_cost', round(t.cost, 4),
        'sentiment', json_build_object('positive', t.s_pos, 'neutral', t.s_neu,
                                       'negative', t.s_neg, 'unknown', t.s_unk),
        'booking', json_build_object('confirmed', t.b_conf, 'attempted_failed', t.b_fail,
                                     'not_requested', t.b_none,
                                     'conversion_rate', CASE WHEN t.answered > 0
                                         THEN round(t.b_conf::numeric / t.answered, 4) ELSE 0 END),
        'hot_leads', (SELECT count(*) FROM hot_lead_alerts a
                        JOIN calls k ON k.org_id = a.org_id AND k.id = a.call_id
                       WHERE a.org_id = p_org AND k.call_at >= v_from AND k.call_at < v_to
                         AND (p_include_test OR NOT k.is_test_call)),
        'end_call_reasons', (SELECT COALESCE(json_agg(json_build_object('reason', reason, 'calls', n)
                                                      ORDER BY n DESC, reason), '[]')
                               FROM (SELECT end_call_reason AS reason, count(*) AS n FROM c
                                      WHERE end_call_reason IS NOT NULL GROUP BY 1) x),
        'daily', (SELECT json_agg(json_build_object('date', d::date, 'calls', COALESCE(x.calls, 0),
                                                    'answered', COALESCE(x.answered, 0),
                                                    'booked', COALESCE(x.booked, 0)) ORDER BY d)
                    FROM generate_series(v_first, v_last, interval '1 day') d
                    LEFT JOIN (SELECT (call_at AT TIME ZONE v_tz)::date AS day, count(*) AS calls,
                                      count(*) FILTER (WHERE answered) AS answered,
                                      count(*) FILTER (WHERE booking_status = 'confirmed') AS booked
                                 FROM c GROUP BY 1) x ON x.day = d::date),
        'recent_activity', (SELECT COALESCE(json_agg(a ORDER BY (a->>'at') DESC), '[]') FROM (
              (SELECT json_build_object('type', 'hot_lead', 'at', ct_iso(h.created_at),
                                        'call_id', w.id, 'caller_name', w.resolved_caller_name,
                                        'phone_number', w.phone_number, 'score', h.score) AS a
                 FROM hot_lead_alerts h
                 JOIN calls_with_caller_names w ON w.org_id = h.org_id AND w.id = h.call_id
                WHERE h.org_id = p_org AND w.call_at >= v_from AND w.call_at < v_to
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

GRANT EXECUTE ON FUNCTION ct_iso(timestamptz), ct_bound(text, text),
    ct_call_summary(calls_with_caller_names),
    ct_calls_where(text, text[], text[], text[], text[], text[], text[], text[], text, text,
                   int, int, boolean),
    ct_calls_sort_expr(text),
    ct_calls_page(uuid, text, text[], text[], text[], text[], text[], text[], text[], text, text,
                  int, int, boolean, text, boolean, int, int, text, uuid),
    ct_csv(text), ct_range_reversed(uuid, text, text),
    ct_calls_csv(uuid, text, text[], text[], text[], text[], text[], text[], text[], text, text,
                 int, int, boolean, text, boolean, int),
    ct_call_detail(uuid, uuid),
    ct_stats(uuid, text, text, text, boolean)
    TO calltrack_app;
