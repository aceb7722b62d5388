-- 10_notify.sql: notifications (docs/API.md "Notifications"): what an
-- event writes to the outbox, in the event's own transaction; the daily
-- digest; and what calltrack-notify, the sender, claims, sends and
-- records.
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.

-- ---- What events write ----

-- True when a call is a missed one (docs/API.md): an inbound call that
-- ended no-answer, busy, voicemail or failed, or whose caller hung up
-- within 10 seconds.  NULL for a call of no state (a row of nulls).
CREATE OR REPLACE FUNCTION ct_notify_missed(c calls) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT c.direction = 'inbound'
           AND (c.status IN ('no-answer', 'busy', 'voicemail', 'failed')
                OR (c.end_call_reason = 'customer_hangup' AND c.duration_seconds < 10))
$$;

-- Writes the messages one applied event causes, called by
-- ct_apply_event_once (03_ingest.sql) once the call's new state p_new is
-- known; p_old is its state before the event (a row of nulls for a new
-- call), p_alerted whether the event raised the call's hot-lead alert.
-- An event notifies what it makes true: the hot-lead alert, the booking
-- becoming attempted_failed, the call becoming missed, a completed call's
-- sentiment becoming negative.  One message per enabled destination
-- subscribed to the event; the outbox's unique key (destination, event,
-- call) keeps a duplicate delivery or a later event from writing a second.
-- A test call never notifies.  When the event makes nothing true, no
-- statement is run; when it does and the org has no destination, one
-- probe of the destinations' primary key.  Written work wakes the sender
-- (NOTIFY, delivered when the transaction commits).
CREATE OR REPLACE FUNCTION ct_notify_call(p_org uuid, p_old calls, p_new calls, p_alerted boolean)
RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_events text[] := '{}';
    n int;
BEGIN
    IF p_new.id IS NULL OR p_new.is_test_call THEN
        RETURN;
    END IF;
    IF p_alerted THEN
        v_events := v_events || 'call.hot_lead'::text;
    END IF;
    IF p_new.booking_status = 'attempted_failed'
       AND p_old.booking_status IS DISTINCT FROM 'attempted_failed' THEN
        v_events := v_events || 'call.booking_failed'::text;
    END IF;
    IF COALESCE(ct_notify_missed(p_new), false) AND NOT COALESCE(ct_notify_missed(p_old), false) THEN
        v_events := v_events || 'call.missed'::text;
    END IF;
    IF p_new.status = 'completed' AND p_new.sentiment = 'negative'
       AND NOT (p_old.status IS NOT DISTINCT FROM 'completed'
                AND p_old.sentiment IS NOT DISTINCT FROM 'negative') THEN
        v_events := v_events || 'call.negative_sentiment'::text;
    END IF;
    IF cardinality(v_events) = 0 THEN
        RETURN;
    END IF;
    INSERT INTO notifications (org_id, destination_id, event, subject, call_id)
    SELECT p_org, d.id, e.event, p_new.id::text, p_new.id
      FROM notification_destinations d, unnest(v_events) AS e (event)
     WHERE d.org_id = p_org AND d.enabled AND e.event = ANY (d.events)
    ON CONFLICT (org_id, destination_id, event, subject) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM pg_notify('calltrack_notify', '');
    END IF;
END
$$;

REVOKE ALL ON FUNCTION ct_notify_call(uuid, calls, calls, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ct_notify_call(uuid, calls, calls, boolean) TO calltrack_app;
GRANT EXECUTE ON FUNCTION ct_notify_missed(calls) TO calltrack_app;

-- Writes call.stuck for the calls the sweeper closed (ct_sweep,
-- 07_ops.sql), in its transaction: p_orgs[i] is the org of p_calls[i]
-- (test calls left out by the caller).  Returns the number of messages
-- written.  The owner's, as the sweep is.
CREATE OR REPLACE FUNCTION ct_notify_stuck(p_orgs uuid[], p_calls uuid[]) RETURNS int
    LANGUAGE plpgsql
    AS $$
DECLARE
    n int;
BEGIN
    IF p_calls IS NULL OR cardinality(p_calls) = 0 THEN
        RETURN 0;
    END IF;
    INSERT INTO notifications (org_id, destination_id, event, subject, call_id)
    SELECT k.org_id, d.id, 'call.stuck', k.call_id::text, k.call_id
      FROM unnest(p_orgs, p_calls) AS k (org_id, call_id)
      JOIN notification_destinations d
        ON d.org_id = k.org_id AND d.enabled AND 'call.stuck' = ANY (d.events)
    ON CONFLICT (org_id, destination_id, event, subject) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM pg_notify('calltrack_notify', '');
    END IF;
    RETURN n;
END
$$;

REVOKE ALL ON FUNCTION ct_notify_stuck(uuid[], uuid[]) FROM PUBLIC, calltrack_app;

-- ---- The daily digest ----

-- One local day of an org, as data.digest says it: the day, its figures
-- (those of GET /api/stats for that day, test calls left out), its hot
-- leads and its failed bookings (the first 50 of each, oldest first).
CREATE OR REPLACE FUNCTION ct_notify_digest_data(p_org uuid, p_tz text, p_day date) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_from timestamptz := p_day::timestamp AT TIME ZONE p_tz;
    v_to timestamptz := (p_day + 1)::timestamp AT TIME ZONE p_tz;
    v_fig jsonb;
    v jsonb;
BEGIN
    -- The figures first, from the counts alone, then the alerts and
    -- calls: in one statement with them, on a Citus cluster the counts'
    -- own query would run inside the statement's query of a shard, where
    -- it may not query another table.
    WITH c AS MATERIALIZED (
        SELECT * FROM ct_counts_live(p_org, v_from, v_to, p_tz, false)
    ), t AS (
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
    SELECT jsonb_build_object(
            'total_calls', t.total,
            'answered_calls', t.answered,
            'answer_rate', CASE WHEN t.total > 0 THEN round(t.answered::numeric / t.total, 4) ELSE 0 END,
            'by_status', (SELECT jsonb_object_agg(s, COALESCE(n, 0))
                            FROM unnest(ARRAY['queued', 'ringing', 'in-progress', 'completed', 'busy',
                                              'no-answer', 'failed', 'canceled', 'voicemail']) s
                            LEFT JOIN (SELECT status, sum(calls) AS n FROM c GROUP BY status) k
                              ON k.status = s),
            'avg_duration_seconds', COALESCE(round(t.avg_dur), 0),
            'total_cost', round(t.cost, 4),
            'sentiment', jsonb_build_object('positive', t.s_pos, 'neutral', t.s_neu,
                                            'negative', t.s_neg, 'unknown', t.s_unk),
            'booking', jsonb_build_object('confirmed', t.b_conf, 'attempted_failed', t.b_fail,
                                          'not_requested', t.b_none,
                                          'conversion_rate', CASE WHEN t.answered > 0
                                              THEN round(t.b_conf::numeric / t.answered, 4) ELSE 0 END))
      INTO v_fig
      FROM t;
    SELECT jsonb_build_object(
        'day', p_day::text,
        'tz', p_tz,
        'range', jsonb_build_object('from', ct_iso(v_from), 'to', ct_iso(v_to)),
        'figures', v_fig || jsonb_build_object(
            'hot_leads', (SELECT count(*) FROM hot_lead_alerts a
                           WHERE a.org_id = p_org AND a.call_at >= v_from AND a.call_at < v_to
                             AND NOT a.is_test)),
        'hot_leads', (SELECT COALESCE(jsonb_agg(x.o ORDER BY x.at, x.id), '[]') FROM (
              SELECT jsonb_build_object('call_id', w.id, 'caller_name', w.resolved_caller_name,
                                        'phone_number', w.phone_number, 'score', h.score,
                                        'at', ct_iso(w.call_at)) AS o, w.call_at AS at, w.id
                FROM hot_lead_alerts h
                JOIN calls_with_caller_names w ON w.org_id = h.org_id AND w.id = h.call_id
               WHERE h.org_id = p_org AND h.created_at >= v_from - interval '1 day'
                 AND w.call_at >= v_from AND w.call_at < v_to AND NOT w.is_test_call
               ORDER BY w.call_at, w.id LIMIT 50) x),
        'failed_bookings', (SELECT COALESCE(jsonb_agg(x.o ORDER BY x.at, x.id), '[]') FROM (
              SELECT jsonb_build_object('call_id', w.id, 'caller_name', w.resolved_caller_name,
                                        'phone_number', w.phone_number,
                                        'at', ct_iso(w.call_at)) AS o, w.call_at AS at, w.id
                FROM calls_with_caller_names w
               WHERE w.org_id = p_org AND w.call_at >= v_from AND w.call_at < v_to
                 AND w.booking_status = 'attempted_failed' AND NOT w.is_test_call
               ORDER BY w.call_at, w.id LIMIT 50) x))
      INTO v;
    RETURN v;
END
$$;

-- Writes each org's digest.daily once its local clock at p_now has
-- reached its digest_hour: one message per enabled destination subscribed
-- to it, whose subject is the org's local date, so that the outbox's
-- unique key makes it once a local day whatever p_now the sender passes
-- (a repeated hour when clocks go back, a skipped one when they go
-- forward: the first call at or after the hour writes it).  The figures
-- are yesterday's, local.  The sender calls it every minute; returns the
-- number of messages written.
CREATE OR REPLACE FUNCTION ct_notify_digests(p_now timestamptz) RETURNS int
    LANGUAGE plpgsql
    AS $$
DECLARE
    r record;
    v_data jsonb;
    n int;
    v_total int := 0;
BEGIN
    FOR r IN
        -- From the destinations, joined to their org: on a Citus cluster
        -- a reference table (orgs) is no outer side of a correlated query.
        SELECT DISTINCT o.id, o.timezone, (p_now AT TIME ZONE o.timezone)::date AS day
          FROM notification_destinations d JOIN orgs o ON o.id = d.org_id
         WHERE d.enabled AND 'digest.daily' = ANY (d.events)
           AND extract(hour FROM p_now AT TIME ZONE o.timezone) >= o.digest_hour
           AND NOT EXISTS (SELECT 1 FROM notifications m
                            WHERE m.org_id = d.org_id AND m.destination_id = d.id
                              AND m.event = 'digest.daily'
                              AND m.subject = ((p_now AT TIME ZONE o.timezone)::date)::text)
         ORDER BY o.id
    LOOP
        v_data := ct_notify_digest_data(r.id, r.timezone, r.day - 1);
        INSERT INTO notifications (org_id, destination_id, event, subject, data)
        SELECT r.id, d.id, 'digest.daily', r.day::text, v_data
          FROM notification_destinations d
         WHERE d.org_id = r.id AND d.enabled AND 'digest.daily' = ANY (d.events)
        ON CONFLICT (org_id, destination_id, event, subject) DO NOTHING;
        GET DIAGNOSTICS n = ROW_COUNT;
        v_total := v_total + n;
    END LOOP;
    IF v_total > 0 THEN
        PERFORM pg_notify('calltrack_notify', '');
    END IF;
    RETURN v_total;
END
$$;

-- ---- What the sender sends ----

-- The body of one message (docs/API.md "Delivery"), made when it is sent
-- so that names are current: {"type", "timestamp" (when the event
-- happened), "data"}; a call's message carries data.call (the item of
-- GET /api/calls), data.contact and, once raised, data.alert; the digest
-- data.digest; a test message data.test.
CREATE OR REPLACE FUNCTION ct_notify_body(p_org uuid, p_id uuid) RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT json_build_object(
            'type', n.event,
            'timestamp', to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
            'data', CASE
                WHEN n.event = 'digest.daily' THEN json_build_object('digest', n.data)
                WHEN n.call_id IS NULL THEN json_build_object('test', COALESCE(n.data, '{}'::jsonb))
                ELSE json_build_object(
                    'call', (SELECT ct_call_summary(v) FROM calls_with_caller_names v
                              WHERE v.org_id = n.org_id AND v.id = n.call_id),
                    'contact', (SELECT json_build_object('id', ct.id, 'name', ct.name,
                                                         'phone', ct.phone,
                                                         'phone_display', ct.phone_display,
                                                         'email', ct.email,
                                                         'lead_status', ct.lead_status,
                                                         'lead_score', ct.lead_score)
                                  FROM calls k JOIN contacts ct
                                    ON ct.org_id = k.org_id AND ct.id = k.contact_id
                                 WHERE k.org_id = n.org_id AND k.id = n.call_id),
                    'alert', (SELECT json_build_object('score', a.score, 'reasons', a.reasons,
                                                       'created_at', ct_iso(a.created_at))
                                FROM hot_lead_alerts a
                               WHERE a.org_id = n.org_id AND a.call_id = n.call_id))
                END)::text
          FROM notifications n
         WHERE n.org_id = p_org AND n.id = p_id);
END
$$;

-- Claims up to p_limit due messages for one sender, at most one per
-- destination, none of a destination in p_busy (those the sender has in
-- flight) or of one another sender has in flight, none of a disabled
-- destination.  The oldest due message of each destination is a
-- candidate, so a destination with a long backlog never hides another's
-- behind it.  Each claimed message is leased for p_lease_s seconds
-- (leased_until, and next_attempt_at pushed as far), its attempt counted,
-- and the lease is committed before the sender tries: two senders never
-- hold one message at once (FOR UPDATE SKIP LOCKED), nor two messages of
-- one destination (a transaction-scoped advisory lock per destination
-- while the lease is checked and taken), and a sender that dies
-- mid-attempt leaves the message to the next claim after the lease, with
-- the same webhook_id.  Returns what sending needs: the destination with
-- its secrets, and the body (ct_notify_body).  The sender's alone.
CREATE OR REPLACE FUNCTION ct_notify_claim(p_limit int, p_lease_s int, p_busy uuid[])
RETURNS TABLE (org_id uuid, id uuid, attempt int, destination_id uuid, kind text, url text,
               secret text, secret_next text, smtp_user text, smtp_password text,
               mail_from text, mail_to text, event text, webhook_id text, body text)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
    r record;
    v_busy uuid[] := COALESCE(p_busy, '{}');
    v_n int := 0;
    v_attempt int;
    v_body text;
BEGIN
    IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 1000
       OR p_lease_s IS NULL OR p_lease_s NOT BETWEEN 1 AND 86400 THEN
        RAISE EXCEPTION 'invalid claim: % messages, % s lease', p_limit, p_lease_s
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR r IN
        SELECT x.org_id, x.id, x.destination_id
          FROM (SELECT DISTINCT ON (m.org_id, m.destination_id)
                       m.org_id, m.id, m.destination_id, m.next_attempt_at
                  FROM notifications m
                 WHERE m.state = 'pending' AND m.next_attempt_at <= now()
                   AND m.destination_id <> ALL (v_busy)
                 ORDER BY m.org_id, m.destination_id, m.next_attempt_at, m.id) x
          JOIN notification_destinations d
            ON d.org_id = x.org_id AND d.id = x.destination_id AND d.enabled
         ORDER BY x.next_attempt_at, x.id
    LOOP
        -- Another claim of this destination in progress: skip it.
        CONTINUE WHEN NOT pg_try_advisory_xact_lock(7406358, hashtext(r.destination_id::text));
        -- Another sender's message of this destination in flight.
        CONTINUE WHEN EXISTS (SELECT 1 FROM notifications b
                               WHERE b.org_id = r.org_id AND b.destination_id = r.destination_id
                                 AND b.state = 'pending' AND b.leased_until IS NOT NULL
                                 AND b.leased_until > now());
        UPDATE notifications m
           SET leased_until = now() + make_interval(secs => p_lease_s),
               next_attempt_at = now() + make_interval(secs => p_lease_s),
               attempts = m.attempts + 1
         WHERE m.org_id = r.org_id AND m.id = r.id AND m.state = 'pending'
           AND m.next_attempt_at <= now()
           AND m.id = (SELECT k.id FROM notifications k
                        WHERE k.org_id = r.org_id AND k.id = r.id FOR UPDATE SKIP LOCKED)
        RETURNING m.attempts INTO v_attempt;
        CONTINUE WHEN v_attempt IS NULL;
        -- The body in a statement of its own: inside the query below, on a
        -- Citus cluster it would run on the shard of notifications, where
        -- it may not read calls, contacts and alerts.
        v_body := ct_notify_body(r.org_id, r.id);
        RETURN QUERY
            SELECT m.org_id, m.id, v_attempt, d.id, d.kind, d.url, d.secret, d.secret_next,
                   d.smtp_user, d.smtp_password, d.mail_from, array_to_json(d.mail_to)::text,
                   m.event, m.webhook_id, v_body
              FROM notifications m
              JOIN notification_destinations d
                ON d.org_id = m.org_id AND d.id = m.destination_id
             WHERE m.org_id = r.org_id AND m.id = r.id;
        v_n := v_n + 1;
        v_attempt := NULL;
        EXIT WHEN v_n >= p_limit;
    END LOOP;
END
$$;

-- The retry schedule (docs/API.md "Delivery"): after the nth failed
-- attempt, the next comes this many seconds later; after the seventh,
-- the message is failed.
CREATE OR REPLACE FUNCTION ct_notify_backoff(p_attempt int) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (ARRAY[30, 120, 600, 3600, 21600, 86400])[p_attempt] $$;

-- Records the attempt p_attempt of message p_id (its time, the HTTP
-- status or SMTP reply code, the error, already escaped by the sender,
-- bounded here too, and how long it took), then: delivered when p_ok;
-- else tried again after the schedule's wait (divided by p_scale, for
-- tests; about: give or take 10%), or failed after the last attempt.  A
-- result for an attempt that is no longer the message's latest (its
-- lease ran out and another claim took it) is kept as an attempt and
-- changes nothing else.  Returns the message's state.  The sender's alone.
CREATE OR REPLACE FUNCTION ct_notify_result(p_org uuid, p_id uuid, p_attempt int, p_ok boolean,
    p_status int, p_error text, p_duration_ms int, p_scale int)
RETURNS text
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_state text;
    v_wait int;
    -- Values, not calls: Citus takes no function but an immutable one
    -- inside a CASE of a statement that writes (and a time plus an
    -- interval is only stable: it depends on the session's zone).
    v_now timestamptz := now();
    v_jitter float8 := 0.9 + random() * 0.2;
    v_next timestamptz;
BEGIN
    IF p_scale IS NULL OR p_scale NOT BETWEEN 1 AND 1000000 THEN
        RAISE EXCEPTION 'invalid backoff scale: %', p_scale USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO notification_attempts (org_id, notification_id, status, error, duration_ms)
    VALUES (p_org, p_id, CASE WHEN p_status BETWEEN 0 AND 999 THEN p_status END,
            left(p_error, 1000), GREATEST(p_duration_ms, 0));
    v_wait := ct_notify_backoff(p_attempt);
    v_next := v_now + make_interval(secs => v_wait::float8 / p_scale * v_jitter);
    UPDATE notifications m
       SET state = CASE WHEN p_ok THEN 'delivered'
                        WHEN v_wait IS NULL THEN 'failed' ELSE 'pending' END,
           delivered_at = CASE WHEN p_ok THEN v_now ELSE m.delivered_at END,
           next_attempt_at = CASE WHEN p_ok OR v_wait IS NULL THEN m.next_attempt_at
                                  ELSE v_next END,
           leased_until = NULL
     WHERE m.org_id = p_org AND m.id = p_id AND m.attempts = p_attempt AND m.state = 'pending'
    RETURNING m.state INTO v_state;
    IF v_state IS NULL THEN
        SELECT m.state INTO v_state FROM notifications m WHERE m.org_id = p_org AND m.id = p_id;
    END IF;
    RETURN v_state;
END
$$;

REVOKE ALL ON FUNCTION ct_notify_digest_data(uuid, text, date), ct_notify_digests(timestamptz),
    ct_notify_body(uuid, uuid), ct_notify_claim(int, int, uuid[]),
    ct_notify_result(uuid, uuid, int, boolean, int, text, int, int)
    FROM PUBLIC, calltrack_app, calltrack_dashboard;

GRANT EXECUTE ON FUNCTION ct_notify_digest_data(uuid, text, date), ct_notify_digests(timestamptz),
    ct_notify_body(uuid, uuid), ct_notify_claim(int, int, uuid[]),
    ct_notify_result(uuid, uuid, int, boolean, int, text, int, int),
    ct_notify_backoff(int), ct_iso(timestamptz),
    ct_call_summary(calls_with_caller_names),
    ct_counts_live(uuid, timestamptz, timestamptz, text, boolean)
    TO calltrack_notify;
