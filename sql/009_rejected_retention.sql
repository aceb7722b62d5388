-- 009_rejected_retention.sql: rejected_events is kept for a while, not
-- for ever.  calltrack-admin sweep deletes rows older than
-- CALLTRACK_REJECTED_DAYS, one batch per statement, so that a large
-- backlog never becomes one long transaction holding its locks and WAL.
-- (007's rejected_events_received index serves the search by age.)

-- Deletes up to p_batch rejected_events older than p_days days before
-- p_now, the oldest first, and returns how many it deleted; the caller
-- repeats while a whole batch went.  Rows another transaction holds are
-- left for the next call.  The administrator's call (the programs cannot
-- delete): every org's rows, and those of unknown integrations.
CREATE FUNCTION ct_prune_rejected(p_days int, p_batch int DEFAULT 5000,
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
