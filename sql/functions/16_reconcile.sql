-- 16_reconcile.sql: reconciliation (docs/API.md "Reconciliation",
-- docs/ARCHITECTURE.md "The reconciler"): which calls calltrack-admin
-- sweep asks their provider about, and what each question became.
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.

-- The Account SID a Twilio integration's status callbacks carried (the
-- newest that names one), for an integration given its auth token alone.
CREATE OR REPLACE FUNCTION ct_reconcile_twilio_account(p_integration text) RETURNS text
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT (regexp_match(convert_from(e.payload, 'UTF8'),
                             '(?:^|&)AccountSid=(AC[0-9a-fA-F]{32})(?:&|$)'))[1]
          FROM call_events e
         WHERE e.integration_id = p_integration AND e.provider = 'twilio'
           AND e.content_type ILIKE 'application/x-www-form-urlencoded%'
           AND octet_length(e.payload) < 65536
           AND position('AccountSid=AC' IN convert_from(e.payload, 'UTF8')) > 0
         ORDER BY e.received_at DESC
         LIMIT 1);
END
$$;

-- The calls a sweep asks their provider about, at most p_per_org of an
-- org and p_per_run in all, the longest waiting first: calls of an
-- enabled integration that holds an API key that are
--   stuck: open past the org's limit (the sweeper would close them next);
--   swept: closed by the sweeper in the last 7 days (a report replaces
--          the sweeper's guess);
--   missing: ended by the provider at least 10 minutes ago (its own end
--          time, else the event's) and still without their final report
--          (Vapi, Retell), received in the last 7 days.
-- A call is asked at most 3 times, a third of its stuck limit apart;
-- never again once the provider said it does not know it (404), nor
-- before the time a 429 named.  key and account are the integration's
-- (Twilio's account: the one set, else the one its callbacks carried).
-- The administrator's alone: it reads the keys.
CREATE OR REPLACE FUNCTION ct_reconcile_due(p_per_org int, p_per_run int,
                                            p_now timestamptz DEFAULT now())
RETURNS TABLE (org_id uuid, call_id uuid, integration_id text, provider text,
               provider_call_id text, api_key text, account_sid text, why text)
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
DECLARE
    r record;
BEGIN
    -- The Twilio account of an integration without one is looked up for
    -- each call after the query, in a statement of its own: inside the
    -- query, on a Citus cluster, it would run on a shard of calls, where
    -- no other distributed table may be read.
    FOR r IN
        WITH cand AS (
            SELECT c.org_id, c.id, c.integration_id, c.provider, c.provider_call_id,
                   i.api_key, i.api_account_sid,
                   CASE WHEN c.status IN ('queued', 'ringing', 'in-progress') THEN 'stuck'
                        WHEN c.status_source = 'sweeper' THEN 'swept'
                        ELSE 'missing' END AS why,
                   c.last_event_at,
                   make_interval(mins => GREATEST(1,
                       CASE WHEN c.status = 'in-progress' OR c.started_at IS NOT NULL
                            THEN o.stuck_answered_minutes
                            ELSE o.stuck_unanswered_minutes END / 3)) AS spread
              FROM calls c
              JOIN integrations i ON i.org_id = c.org_id AND i.id = c.integration_id
              JOIN orgs o ON o.id = c.org_id
             WHERE i.api_key IS NOT NULL AND i.disabled_at IS NULL
               AND c.provider = i.provider
               AND ((c.status IN ('queued', 'ringing', 'in-progress')
                     AND c.last_event_at < p_now - make_interval(mins =>
                             CASE WHEN c.status = 'in-progress' THEN o.stuck_answered_minutes
                                  ELSE o.stuck_unanswered_minutes END))
                 OR (c.status_source = 'sweeper' AND c.updated_at > p_now - interval '7 days'
                     AND c.status NOT IN ('queued', 'ringing', 'in-progress'))
                 OR (c.provider IN ('vapi', 'retell') AND c.final_report_at IS NULL
                     AND c.status NOT IN ('queued', 'ringing', 'in-progress')
                     AND c.status_source = 'provider'
                     AND COALESCE(c.ended_at, c.last_event_at) < p_now - interval '10 minutes'
                     AND c.last_event_at > p_now - interval '7 days'))
        ),
        asked AS (
            SELECT k.*, a.n, a.last_at, a.retry_at, a.gone
              FROM cand k
              LEFT JOIN LATERAL (
                  SELECT count(*) AS n, max(x.at) AS last_at, max(x.retry_at) AS retry_at,
                         bool_or(x.outcome = 'not_found') AS gone
                    FROM reconcile_attempts x
                   WHERE x.org_id = k.org_id AND x.call_id = k.id) a ON true
        ),
        ready AS (
            SELECT s.*, row_number() OVER (PARTITION BY s.org_id ORDER BY s.last_event_at, s.id) AS rn
              FROM asked s
             WHERE COALESCE(s.n, 0) < 3 AND NOT COALESCE(s.gone, false)
               AND (s.last_at IS NULL OR s.last_at <= p_now - s.spread)
               AND (s.retry_at IS NULL OR s.retry_at <= p_now)
        )
        SELECT d.org_id, d.id, d.integration_id, d.provider, d.provider_call_id, d.api_key,
               d.api_account_sid, d.why
          FROM ready d
         WHERE d.rn <= LEAST(GREATEST(p_per_org, 0), 10000)
         ORDER BY d.last_event_at, d.id
         LIMIT LEAST(GREATEST(p_per_run, 0), 100000)
    LOOP
        org_id := r.org_id;
        call_id := r.id;
        integration_id := r.integration_id;
        provider := r.provider;
        provider_call_id := r.provider_call_id;
        api_key := r.api_key;
        account_sid := CASE WHEN r.provider = 'twilio'
                            THEN COALESCE(r.api_account_sid, ct_reconcile_twilio_account(r.integration_id)) END;
        why := r.why;
        RETURN NEXT;
    END LOOP;
END
$$;

REVOKE ALL ON FUNCTION ct_reconcile_due(int, int, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION ct_reconcile_twilio_account(text) FROM PUBLIC;

-- Records one question to a provider about a call of p_org: its outcome,
-- the HTTP status (0: none came), the error (escaped by the caller; cut
-- to 1000 characters here), and for a 429 the seconds before the call may
-- be asked again (1 to 86400).  With p_final the answer was the call's
-- final report (Vapi's ended call, Retell's analyzed one), and the call
-- no longer misses it.  The administrator's alone.
CREATE OR REPLACE FUNCTION ct_reconcile_record(p_org uuid, p_call uuid, p_integration text,
                                               p_http_status int, p_outcome text,
                                               p_error text, p_retry_seconds int,
                                               p_final boolean)
RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    -- A value: Citus takes no function but an immutable one inside a
    -- CASE of a statement that writes.
    v_now timestamptz := now();
BEGIN
    INSERT INTO reconcile_attempts (org_id, call_id, integration_id, http_status, outcome,
                                    error, retry_at)
    VALUES (p_org, p_call, p_integration, LEAST(GREATEST(COALESCE(p_http_status, 0), 0), 999),
            p_outcome, left(p_error, 1000),
            CASE WHEN p_retry_seconds IS NOT NULL
                 THEN v_now + make_interval(secs => LEAST(GREATEST(p_retry_seconds, 1), 86400)) END);
    IF p_final AND p_outcome = 'recovered' THEN
        UPDATE calls c SET final_report_at = now()
         WHERE c.org_id = p_org AND c.id = p_call AND c.final_report_at IS NULL
           AND c.provider IN ('vapi', 'retell')
           AND c.status NOT IN ('queued', 'ringing', 'in-progress');
    END IF;
END
$$;

REVOKE ALL ON FUNCTION ct_reconcile_record(uuid, uuid, text, int, text, text, int, boolean)
    FROM PUBLIC;

-- What GET /api/ingest shows of the reconciliation of p_org's
-- integrations over [p_from, p_to), one member per integration that asked
-- anything: the questions asked, those that recovered a call, and those
-- that failed (not found included), {"<integration>": {"attempted": n,
-- "recovered": n, "failed": n}}, or NULL.  Whether an integration holds a
-- key is ct_ingest_summary's, from the integration itself.  The pinned
-- org's (the policies), as the dashboard's role reads it; a statement of
-- its own for ct_ingest_summary (sql/032_citus_reads.sql).
CREATE OR REPLACE FUNCTION ct_ingest_reconciles(p_org uuid, p_from timestamptz, p_to timestamptz)
RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT json_object_agg(x.integration_id, json_build_object(
                   'attempted', x.attempted, 'recovered', x.recovered, 'failed', x.failed)
                   ORDER BY x.integration_id)
          FROM (SELECT a.integration_id, count(*) AS attempted,
                       count(*) FILTER (WHERE a.outcome = 'recovered') AS recovered,
                       count(*) FILTER (WHERE a.outcome <> 'recovered') AS failed
                  FROM reconcile_attempts a
                 WHERE a.org_id = p_org AND a.at >= p_from AND a.at < p_to
                 GROUP BY a.integration_id) x);
END
$$;

REVOKE ALL ON FUNCTION ct_ingest_reconciles(uuid, timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ct_ingest_reconciles(uuid, timestamptz, timestamptz)
    TO calltrack_editor;
