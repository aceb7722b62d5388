-- 07_ops.sql: what spans orgs: the sweeper and the ingest figures.
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.

-- Closes calls whose final callback never came (docs/DATA-MODEL.md "Stuck
-- calls"): open calls whose last event is older than their org's limit
-- become 'failed' when never answered, 'completed' when answered, with
-- ended_reason 'no-final-report' and status_source 'sweeper'.  Sees what
-- the caller may see: every org for the administrator, the pinned org for
-- the program role.  Each closed call that is not a test call notifies
-- call.stuck in the same transaction (ct_notify_stuck, 10_notify.sql).
-- Returns the number of calls closed.
CREATE OR REPLACE FUNCTION ct_sweep(p_now timestamptz DEFAULT now()) RETURNS int
    LANGUAGE plpgsql
    AS $$
DECLARE
    n int;
    v_orgs uuid[];
    v_calls uuid[];
BEGIN
    WITH closed AS (
        UPDATE calls c
           SET status = CASE WHEN c.status = 'in-progress' THEN 'completed'
                             ELSE 'failed' END,
               status_source = 'sweeper',
               ended_reason = 'no-final-report',
               ended_at = COALESCE(c.ended_at, c.last_event_at)
          FROM orgs o
         WHERE o.id = c.org_id
           AND c.status IN ('queued', 'ringing', 'in-progress')
           AND c.last_event_at < p_now - make_interval(mins =>
                   CASE WHEN c.status = 'in-progress' THEN o.stuck_answered_minutes
                        ELSE o.stuck_unanswered_minutes END)
        RETURNING c.org_id, c.id, c.is_test_call)
    SELECT count(*)::int, array_agg(k.org_id) FILTER (WHERE NOT k.is_test_call),
           array_agg(k.id) FILTER (WHERE NOT k.is_test_call)
      INTO n, v_orgs, v_calls
      FROM closed k;
    PERFORM ct_notify_stuck(v_orgs, v_calls);
    RETURN n;
END
$$;

-- The owner's alone (it spans orgs).
REVOKE EXECUTE ON FUNCTION ct_sweep(timestamptz) FROM PUBLIC, calltrack_app;

-- Ingestion over [p_from, p_to), every org the caller may see (the
-- administrator: all): one row per figure, (what, key, n).
--   events    provider/outcome   events received
--   duplicate provider           duplicate deliveries
--   rejected  reason             requests refused and kept
--   swept     status             calls the sweeper closed (by last change)
CREATE OR REPLACE FUNCTION ct_ingest_stats(p_from timestamptz, p_to timestamptz)
RETURNS TABLE (what text, key text, n bigint)
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
        SELECT 'events', e.provider || '/' || e.outcome, count(*)
          FROM call_events e WHERE e.received_at >= p_from AND e.received_at < p_to
         GROUP BY 2
        UNION ALL
        SELECT 'duplicate', e.provider, count(*)
          FROM call_event_duplicates d
          JOIN call_events e ON e.org_id = d.org_id AND e.id = d.event_id
         WHERE d.received_at >= p_from AND d.received_at < p_to
         GROUP BY 2
        UNION ALL
        SELECT 'rejected', r.reason, count(*)
          FROM rejected_events r WHERE r.received_at >= p_from AND r.received_at < p_to
         GROUP BY 2
        UNION ALL
        SELECT 'swept', c.status, count(*)
          FROM calls c WHERE c.status_source = 'sweeper'
           AND c.updated_at >= p_from AND c.updated_at < p_to
         GROUP BY 2
        ORDER BY 1, 2;
END
$$;

-- rejected_events is kept for a while, not for ever: calltrack-admin
-- sweep deletes rows older than CALLTRACK_REJECTED_DAYS, one batch per
-- statement, so that a large backlog never becomes one long transaction
-- holding its locks and WAL (007's rejected_events_received index serves
-- the search by age).
--
-- Deletes up to p_batch rejected_events older than p_days days before
-- p_now, the oldest first, and returns how many it deleted; the caller
-- repeats while a whole batch went.  Rows another transaction holds are
-- left for the next call.  The administrator's call (the programs cannot
-- delete): every org's rows, and those of unknown integrations.
CREATE OR REPLACE FUNCTION ct_prune_rejected(p_days int, p_batch int DEFAULT 5000,
                                  p_now timestamptz DEFAULT now())
RETURNS int
    LANGUAGE plpgsql
    AS $$
DECLARE
    n int;
BEGIN
    IF p_days IS NULL OR p_days < 1 OR p_days > 3650 THEN
        RAISE EXCEPTION 'invalid retention: % days', p_days
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'CALLTRACK_REJECTED_DAYS is a whole number from 1 to 3650';
    END IF;
    IF p_batch IS NULL OR p_batch < 1 OR p_batch > 100000 THEN
        RAISE EXCEPTION 'invalid batch size: %', p_batch
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    WITH old AS (
        SELECT id FROM rejected_events
         WHERE received_at < p_now - make_interval(days => p_days)
         ORDER BY received_at
         LIMIT p_batch
           FOR UPDATE SKIP LOCKED),
    gone AS (
        DELETE FROM rejected_events r USING old WHERE r.id = old.id
        RETURNING 1)
    SELECT count(*) INTO n FROM gone;
    RETURN n;
END
$$;

REVOKE ALL ON FUNCTION ct_prune_rejected(int, int, timestamptz) FROM PUBLIC;

REVOKE EXECUTE ON FUNCTION ct_ingest_stats(timestamptz, timestamptz) FROM PUBLIC, calltrack_app;
