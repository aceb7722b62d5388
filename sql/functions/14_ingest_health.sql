-- 14_ingest_health.sql: ingestion health for an org's dashboard
-- (docs/API.md "Ingestion health"): what arrived, what was refused, what
-- is missing, and the replay of a parked delivery.
--
-- The reads run as their caller (calltrack_editor, dashboard-ingest's
-- role), pinned to the token's org (ct_pin_token) under the policies, and
-- see no raw body: the role is not granted call_events.payload nor
-- rejected_events.body.  Three functions run as the owner, each taking
-- the token's hash and checking in SQL that it is a live admin token of
-- the row's org before it touches a body: ct_ingest_payload (the bytes,
-- for the detail and for the mapping), ct_ingest_replay (applies a parked
-- event again through ct_apply_event's replay path) and
-- ct_ingest_event_sizes (the lengths alone, of the pinned org's events).
--
-- A delivery is one of three rows, each named by a letter and its id:
-- e<id> an event kept in call_events (applied, recorded or parked), d<id>
-- a duplicate delivery of one (call_event_duplicates), r<id> a refused
-- request of one of the org's integrations (rejected_events with the
-- org's id; those of unknown slugs belong to no org and are the
-- operator's, calltrack-admin stats ingest).
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.

-- The calls still open past their org's stuck limit at p_now (the ones
-- ct_sweep would close), through calls_open.
--
-- This and the next are PL/pgSQL, not SQL: Citus plans no SQL function
-- that reads a distributed table with a parameter ("parameterized
-- queries for SQL functions referencing distributed tables are not
-- supported"), and ct_ingest_summary calls both with its org.
-- tests/sql/10_ingest_health.sql counts the scans of each index they
-- are to use.
CREATE OR REPLACE FUNCTION ct_ingest_open_past_limit(p_org uuid, p_now timestamptz)
RETURNS TABLE (call_id uuid, provider text, provider_call_id text, status text,
               last_event_at timestamptz, limit_minutes int)
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT c.id, c.provider, c.provider_call_id, c.status, c.last_event_at,
           CASE WHEN c.status = 'in-progress' THEN o.stuck_answered_minutes
                ELSE o.stuck_unanswered_minutes END
      FROM orgs o
      JOIN calls c ON c.org_id = o.id
     WHERE o.id = p_org AND c.org_id = p_org
       AND c.status IN ('queued', 'ringing', 'in-progress')
       AND c.last_event_at < p_now - make_interval(mins => LEAST(o.stuck_unanswered_minutes,
                                                                 o.stuck_answered_minutes))
       AND c.last_event_at < p_now - make_interval(mins =>
               CASE WHEN c.status = 'in-progress' THEN o.stuck_answered_minutes
                    ELSE o.stuck_unanswered_minutes END);
END
$$;

-- The calls of Vapi and Retell that the provider ended in [p_from, p_to)
-- (by its own end time when it gave one, else the time of the event that
-- ended the call) and that have no final report, through the partial
-- index calls_awaiting_final_report.  Twilio's final report is its final
-- status callback, the one that ends the call: none of its calls can be
-- ended and lack it.
CREATE OR REPLACE FUNCTION ct_ingest_missing_final_report(p_org uuid, p_from timestamptz,
                                                          p_to timestamptz)
RETURNS TABLE (call_id uuid, provider text, provider_call_id text, status text,
               ended_at timestamptz)
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT c.id, c.provider, c.provider_call_id, c.status, COALESCE(c.ended_at, c.last_event_at)
      FROM calls c
     WHERE c.org_id = p_org AND c.final_report_at IS NULL AND c.provider IN ('vapi', 'retell')
       AND c.status NOT IN ('queued', 'ringing', 'in-progress') AND c.status_source = 'provider'
       AND COALESCE(c.ended_at, c.last_event_at) >= p_from
       AND COALESCE(c.ended_at, c.last_event_at) < p_to;
END
$$;

-- A range of GET /api/ingest in the org's zone: [p_from, p_to), the last
-- 24 hours by default; from alone runs to now, to alone starts 24 hours
-- before it.
CREATE OR REPLACE FUNCTION ct_ingest_range(p_from text, p_to text, p_tz text,
    OUT r_from timestamptz, OUT r_to timestamptz)
    LANGUAGE sql STABLE
    AS $$
    SELECT COALESCE(ct_bound(p_from, p_tz),
                    COALESCE(ct_bound(p_to, p_tz), now()) - interval '24 hours'),
           COALESCE(ct_bound(p_to, p_tz), now())
$$;

-- GET /api/ingest for the org of a live token: per integration, its
-- deliveries in the range by outcome (and how many came through the
-- spool), its rejections by reason, its last delivery ever, whether it is
-- silent (nothing in the last 24 hours, though it has delivered before)
-- and its rejection rate (rejections over all its deliveries in the
-- range; high past 5%); the calls open past the stuck limits now, the
-- calls the sweeper closed in the range (by their last change, as
-- calltrack-admin stats ingest counts them), and the calls that ended in
-- the range more than 10 minutes ago without their final report, each
-- list at most p_list rows with the count of all.  NULL for a revoked or
-- unknown token; {"error": "from"} for an empty or reversed range.
CREATE OR REPLACE FUNCTION ct_ingest_summary(p_token_hash text, p_from text, p_to text,
                                             p_list int DEFAULT 100)
RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid;
    v_tz text;
    v_from timestamptz;
    v_to timestamptz;
    v_now timestamptz := now();
    v_missing_to timestamptz;
    v_ints text[];
    v_rej json;
    v_rej_last json;
    v_rec json;
BEGIN
    IF p_list NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'invalid list size' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The org of a live token, pinned for this transaction (ct_pin_token);
    -- a revoked or unknown token sees nothing.
    v_org := ct_pin_token(p_token_hash);
    IF v_org IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT o.timezone INTO v_tz FROM orgs o WHERE o.id = v_org;
    SELECT r.r_from, r.r_to INTO v_from, v_to FROM ct_ingest_range(p_from, p_to, v_tz) r;
    IF v_from >= v_to THEN
        RETURN json_build_object('error', 'from');
    END IF;
    v_missing_to := LEAST(v_to, v_now - interval '10 minutes');
    -- On a Citus cluster rejected_events stays on the coordinator
    -- (ct_distribution), and a statement may not join it to a distributed
    -- table; nor may a function that reads one run inside a query of a
    -- shard.  So the rejections and the reconciliation are read first,
    -- each in a statement of its own, and the last statement takes them
    -- as values (sql/032_citus_reads.sql).  On one PostgreSQL the same.
    v_ints := ARRAY(SELECT i.id FROM integrations i WHERE i.org_id = v_org ORDER BY i.id);
    SELECT json_object_agg(x.integration_id, json_build_object('by_reason', x.by_reason,
                                                               'n', x.n))
      INTO v_rej
      FROM (SELECT r.integration_id, json_object_agg(r.reason, r.n ORDER BY r.reason) AS by_reason,
                   sum(r.n) AS n
              FROM (SELECT r.integration_id, r.reason, count(*) AS n
                      FROM rejected_events r
                     WHERE r.org_id = v_org AND r.received_at >= v_from AND r.received_at < v_to
                     GROUP BY r.integration_id, r.reason) r
             GROUP BY r.integration_id) x;
    -- Each integration's last rejection ever: the end of an index.
    SELECT json_object_agg(x.id, (SELECT max(r.received_at) FROM rejected_events r
                                   WHERE r.org_id = v_org AND r.integration_id = x.id))
      INTO v_rej_last
      FROM unnest(v_ints) x(id);
    v_rec := ct_ingest_reconciles(v_org, v_from, v_to);
    RETURN (
    WITH ints AS (
        SELECT i.id, i.provider, i.disabled_at, i.api_key_set_at
          FROM integrations i WHERE i.org_id = v_org
    ), ev AS (
        SELECT e.integration_id,
               count(*) FILTER (WHERE e.outcome = 'applied') AS applied,
               count(*) FILTER (WHERE e.outcome = 'recorded') AS recorded,
               count(*) FILTER (WHERE e.outcome = 'parked') AS parked,
               count(*) FILTER (WHERE e.spooled) AS spooled,
               count(*) AS n
          FROM call_events e
         WHERE e.org_id = v_org AND e.received_at >= v_from AND e.received_at < v_to
         GROUP BY e.integration_id
    ), dup AS (
        SELECT d.integration_id, count(*) AS n
          FROM call_event_duplicates d
         WHERE d.org_id = v_org AND d.received_at >= v_from AND d.received_at < v_to
         GROUP BY d.integration_id
    ), rej AS (
        SELECT i.id, v_rej -> i.id -> 'by_reason' AS by_reason,
               (v_rej -> i.id ->> 'n')::bigint AS n,
               (v_rej_last ->> i.id)::timestamptz AS last_at,
               v_rec -> i.id AS rec
          FROM ints i
    ), per AS (
        SELECT i.id, i.provider, i.disabled_at, i.api_key_set_at, rej.rec,
               COALESCE(ev.applied, 0) AS applied, COALESCE(ev.recorded, 0) AS recorded,
               COALESCE(ev.parked, 0) AS parked, COALESCE(ev.spooled, 0) AS spooled,
               COALESCE(dup.n, 0) AS duplicate, rej.by_reason, COALESCE(rej.n, 0) AS rejected,
               COALESCE(ev.n, 0) + COALESCE(dup.n, 0) + COALESCE(rej.n, 0) AS total,
               -- Its last delivery ever, of each kind: the end of an index.
               GREATEST(
                   (SELECT max(e.received_at) FROM call_events e
                     WHERE e.org_id = v_org AND e.integration_id = i.id),
                   (SELECT max(d.received_at) FROM call_event_duplicates d
                     WHERE d.org_id = v_org AND d.integration_id = i.id),
                   rej.last_at) AS last_at
          FROM ints i
          JOIN rej ON rej.id = i.id
          LEFT JOIN ev ON ev.integration_id = i.id
          LEFT JOIN dup ON dup.integration_id = i.id
    )
    SELECT json_build_object(
        'range', json_build_object('from', ct_iso(v_from), 'to', ct_iso(v_to)),
        'integrations', (SELECT COALESCE(json_agg(json_build_object(
                'id', p.id, 'provider', p.provider, 'disabled', p.disabled_at IS NOT NULL,
                'last_delivery_at', ct_iso(p.last_at),
                'deliveries', json_build_object('applied', p.applied, 'recorded', p.recorded,
                                                'duplicate', p.duplicate, 'parked', p.parked,
                                                'spooled', p.spooled),
                'rejections', COALESCE(p.by_reason, '{}'::json),
                'rejected', p.rejected,
                'total', p.total,
                'silent', p.last_at IS NOT NULL AND p.last_at < v_now - interval '24 hours',
                'rejection_rate', CASE WHEN p.total > 0
                                       THEN round(p.rejected::numeric / p.total, 4) ELSE 0 END,
                'rejections_high', p.total > 0 AND p.rejected::numeric / p.total > 0.05,
                'reconcile', json_build_object(
                    'api_key_set', p.api_key_set_at IS NOT NULL,
                    'attempted', COALESCE((p.rec ->> 'attempted')::bigint, 0),
                    'recovered', COALESCE((p.rec ->> 'recovered')::bigint, 0),
                    'failed', COALESCE((p.rec ->> 'failed')::bigint, 0)))
              ORDER BY p.id), '[]') FROM per p),
        'open_past_limit', (SELECT COALESCE(json_agg(json_build_object(
                'call_id', o.call_id, 'provider', o.provider,
                'provider_call_id', o.provider_call_id, 'status', o.status,
                'last_event_at', ct_iso(o.last_event_at), 'limit_minutes', o.limit_minutes)
              ORDER BY o.last_event_at, o.call_id), '[]')
              FROM (SELECT * FROM ct_ingest_open_past_limit(v_org, v_now) x
                     ORDER BY x.last_event_at, x.call_id LIMIT p_list) o),
        'open_past_limit_total', (SELECT count(*) FROM ct_ingest_open_past_limit(v_org, v_now)),
        'closed_by_sweeper', (SELECT count(*) FROM calls c
                               WHERE c.org_id = v_org AND c.status_source = 'sweeper'
                                 AND c.updated_at >= v_from AND c.updated_at < v_to),
        'missing_final_report', (SELECT COALESCE(json_agg(json_build_object(
                'call_id', m.call_id, 'provider', m.provider,
                'provider_call_id', m.provider_call_id, 'status', m.status,
                'ended_at', ct_iso(m.ended_at),
                'final_report', CASE m.provider WHEN 'vapi' THEN 'end-of-call-report'
                                                ELSE 'call_analyzed' END)
              ORDER BY m.ended_at DESC, m.call_id), '[]')
              FROM (SELECT * FROM ct_ingest_missing_final_report(v_org, v_from, v_missing_to) x
                     ORDER BY x.ended_at DESC, x.call_id LIMIT p_list) m),
        'missing_final_report_total',
            (SELECT count(*) FROM ct_ingest_missing_final_report(v_org, v_from, v_missing_to)),
        'list_limit', p_list));
END
$$;

-- The lengths of the pinned org's events p_ids (the deliveries' sizes),
-- and nothing of another org's: the dashboard's role reads no payload.
CREATE OR REPLACE FUNCTION ct_ingest_event_sizes(p_ids bigint[])
RETURNS TABLE (id bigint, size int)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
        SELECT e.id, octet_length(e.payload) FROM call_events e
         WHERE e.org_id = ct_current_org() AND e.id = ANY (p_ids[1:1000]);
END
$$;

-- One delivery as the list shows it.
CREATE OR REPLACE FUNCTION ct_ingest_delivery_json(p_kind text, p_id bigint, p_integration text,
    p_provider text, p_received_at timestamptz, p_event_type text, p_outcome text, p_error text,
    p_size bigint, p_call_id uuid, p_spooled boolean, p_duplicate_of bigint)
RETURNS json
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT json_build_object('id', p_kind || p_id, 'integration_id', p_integration,
        'provider', p_provider, 'received_at', ct_iso(p_received_at), 'event_type', p_event_type,
        'outcome', p_outcome, 'error', p_error, 'size', p_size, 'call_id', p_call_id,
        'spooled', p_spooled, 'duplicate_of', 'e' || p_duplicate_of)
$$;

-- GET /api/ingest/deliveries for the org of a live token: its deliveries
-- newest first, one list over the three kinds, ordered by (received_at,
-- kind, id) descending, at most p_limit; after the cursor (p_after_at,
-- p_after_kind, p_after_id) when given.  A new delivery sorts before any
-- cursor, so paging on is stable while deliveries arrive.  Filters: the
-- integration, the outcome (applied, recorded, parked: events; duplicate;
-- rejected) and the call (a call's events and their duplicates; no
-- rejection names a call).  "next" is "<received_at>|<kind>|<id>" of the
-- last row when the page is full.  NULL for a revoked or unknown token.
CREATE OR REPLACE FUNCTION ct_ingest_deliveries(p_token_hash text, p_integration text,
    p_outcome text, p_call_id uuid, p_limit int, p_after_at timestamptz, p_after_kind text,
    p_after_id bigint)
RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid;
    v_sql text := '';
    v_branch text;
    v_kind text;
    v_rows json;
    v_next text;
BEGIN
    IF p_limit NOT BETWEEN 1 AND 1000
       OR (p_outcome IS NOT NULL AND p_outcome NOT IN ('applied', 'recorded', 'parked',
                                                        'duplicate', 'rejected'))
       OR (p_after_at IS NULL) <> (p_after_kind IS NULL)
       OR (p_after_kind IS NOT NULL AND (p_after_kind NOT IN ('e', 'd', 'r') OR p_after_id IS NULL))
    THEN
        RAISE EXCEPTION 'invalid deliveries query' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_org := ct_pin_token(p_token_hash);
    IF v_org IS NULL THEN
        RETURN NULL;
    END IF;
    -- Each kind's newest p_limit rows after the cursor, from its own index
    -- ((org_id, received_at, id), or by integration), then the page of
    -- the three together.  Past the cursor, a row of kind k is one with
    -- (received_at, id) < (at, b): b is the cursor's id for the cursor's
    -- own kind, 0 (an earlier time) for a kind that sorts above it and
    -- the largest id (the same time) for one that sorts below it.
    FOREACH v_kind IN ARRAY ARRAY['e', 'd', 'r'] LOOP
        CONTINUE WHEN v_kind = 'e' AND p_outcome IN ('duplicate', 'rejected');
        CONTINUE WHEN v_kind = 'd' AND p_outcome IS DISTINCT FROM 'duplicate' AND p_outcome IS NOT NULL;
        CONTINUE WHEN v_kind = 'r' AND (p_outcome IS DISTINCT FROM 'rejected' AND p_outcome IS NOT NULL
                                        OR p_call_id IS NOT NULL);
        v_branch := CASE v_kind
            WHEN 'e' THEN
                'SELECT ''e'' AS kind, x.id, x.integration_id, x.provider, x.received_at,'
                ' x.event_type, x.outcome, x.error, NULL::bigint AS size, x.call_id, x.spooled,'
                ' NULL::bigint AS dup_of'
                ' FROM call_events x WHERE x.org_id = $1'
                || CASE WHEN p_integration IS NOT NULL THEN ' AND x.integration_id = $2' ELSE '' END
                || CASE WHEN p_outcome IS NOT NULL THEN ' AND x.outcome = $3' ELSE '' END
                || CASE WHEN p_call_id IS NOT NULL THEN ' AND x.call_id = $4' ELSE '' END
            WHEN 'd' THEN
                'SELECT ''d'' AS kind, x.id, x.integration_id, k.provider, x.received_at,'
                ' k.event_type, ''duplicate''::text AS outcome, NULL::text AS error,'
                ' NULL::bigint AS size, k.call_id, false AS spooled, k.id AS dup_of'
                ' FROM call_event_duplicates x'
                ' JOIN call_events k ON k.org_id = x.org_id AND k.id = x.event_id'
                ' WHERE x.org_id = $1'
                || CASE WHEN p_integration IS NOT NULL THEN ' AND x.integration_id = $2' ELSE '' END
                || CASE WHEN p_call_id IS NOT NULL THEN ' AND k.call_id = $4' ELSE '' END
            ELSE
                'SELECT ''r'' AS kind, x.id, x.integration_id, x.provider, x.received_at,'
                ' NULL::text AS event_type, ''rejected''::text AS outcome, x.reason AS error,'
                ' x.body_size AS size, NULL::uuid AS call_id, false AS spooled,'
                ' NULL::bigint AS dup_of'
                ' FROM rejected_events x WHERE x.org_id = $1'
                || CASE WHEN p_integration IS NOT NULL THEN ' AND x.integration_id = $2' ELSE '' END
            END;
        IF p_after_at IS NOT NULL THEN
            v_branch := v_branch || format(' AND (x.received_at, x.id) < ($6, %s)',
                CASE WHEN v_kind = p_after_kind THEN '$7'
                     WHEN v_kind > p_after_kind THEN '0'
                     ELSE '9223372036854775807' END);
        END IF;
        v_branch := '(' || v_branch || ' ORDER BY x.received_at DESC, x.id DESC LIMIT $5)';
        v_sql := v_sql || CASE WHEN v_sql = '' THEN '' ELSE ' UNION ALL ' END || v_branch;
    END LOOP;
    EXECUTE format(
        'WITH page AS (SELECT * FROM (%s) u ORDER BY received_at DESC, kind DESC, id DESC LIMIT $5),'
        ' sizes AS (SELECT s.id, s.size FROM ct_ingest_event_sizes('
        '   ARRAY(SELECT p.id FROM page p WHERE p.kind = ''e'')) s)'
        ' SELECT COALESCE(json_agg(ct_ingest_delivery_json(p.kind, p.id, p.integration_id,'
        '   p.provider, p.received_at, p.event_type, p.outcome, p.error,'
        '   CASE p.kind WHEN ''e'' THEN (SELECT s.size FROM sizes s WHERE s.id = p.id)'
        '               ELSE p.size END,'
        '   p.call_id, p.spooled, p.dup_of)'
        '   ORDER BY p.received_at DESC, p.kind DESC, p.id DESC), ''[]''),'
        ' (SELECT to_char(l.received_at AT TIME ZONE ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.US"Z"'')'
        '         || ''|'' || l.kind || ''|'' || l.id'
        '    FROM page l WHERE (SELECT count(*) FROM page) = $5'
        '   ORDER BY l.received_at, l.kind, l.id LIMIT 1)'
        ' FROM page p', v_sql)
       INTO v_rows, v_next
       USING v_org, p_integration, p_outcome, p_call_id, p_limit, p_after_at, p_after_id;
    RETURN json_build_object('deliveries', v_rows, 'next', v_next);
END
$$;

-- GET /api/ingest/deliveries/<id> for the org of a live token: the
-- delivery as the list shows it, with what else is known of it (its
-- content type; a rejection's HTTP status and whether its body was cut;
-- whether a body is kept at all), never the body itself
-- (ct_ingest_payload gives it to an admin).  NULL when the org has no
-- such delivery.
CREATE OR REPLACE FUNCTION ct_ingest_delivery(p_token_hash text, p_kind text, p_id bigint)
RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid;
    v json;
BEGIN
    v_org := ct_pin_token(p_token_hash);
    IF v_org IS NULL OR p_kind NOT IN ('e', 'd', 'r') OR p_id IS NULL THEN
        RETURN NULL;
    END IF;
    IF p_kind = 'e' THEN
        SELECT (ct_delivery_json::jsonb || jsonb_build_object(
                    'content_type', e.content_type, 'body_kept', true, 'body_truncated', false,
                    'provider_call_id', e.provider_call_id))::json
          INTO v
          FROM call_events e,
               ct_ingest_delivery_json('e', e.id, e.integration_id, e.provider, e.received_at,
                   e.event_type, e.outcome, e.error,
                   (SELECT s.size FROM ct_ingest_event_sizes(ARRAY[e.id]) s), e.call_id,
                   e.spooled, NULL) ct_delivery_json
         WHERE e.org_id = v_org AND e.id = p_id;
    ELSIF p_kind = 'd' THEN
        SELECT (ct_delivery_json::jsonb || jsonb_build_object(
                    'content_type', NULL, 'body_kept', false, 'body_truncated', false,
                    'provider_call_id', k.provider_call_id))::json
          INTO v
          FROM call_event_duplicates d
          JOIN call_events k ON k.org_id = d.org_id AND k.id = d.event_id,
               ct_ingest_delivery_json('d', d.id, d.integration_id, k.provider, d.received_at,
                   k.event_type, 'duplicate', NULL, NULL, k.call_id, false, k.id) ct_delivery_json
         WHERE d.org_id = v_org AND d.id = p_id;
    ELSE
        SELECT (ct_delivery_json::jsonb || jsonb_build_object(
                    'content_type', r.content_type, 'http_status', r.http_status,
                    'body_kept', r.body_sha256 IS NOT NULL,
                    'body_truncated', r.body_truncated))::json
          INTO v
          FROM rejected_events r,
               ct_ingest_delivery_json('r', r.id, r.integration_id, r.provider, r.received_at,
                   NULL, 'rejected', r.reason, r.body_size, NULL, false, NULL) ct_delivery_json
         WHERE r.org_id = v_org AND r.id = p_id;
    END IF;
    RETURN v;
END
$$;

-- The admin token of p_token_hash: its org, or NULL for any other token
-- (revoked, unknown, viewer or editor).  The owner's, for the two
-- functions below.
CREATE OR REPLACE FUNCTION ct_ingest_admin_org(p_token_hash text) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
    SELECT t.org_id FROM api_tokens t
     WHERE t.token_hash = p_token_hash AND t.revoked_at IS NULL AND t.role = 'admin'
$$;

-- The bytes a delivery of the org of a live admin token was received
-- with (an event's payload, or what was kept of a refused request's
-- body, and whether that was cut), with what the mapping needs to apply
-- an event again: its integration, provider, content type, outcome and
-- the org's country and booking tools (as a JSON array).  No row for any
-- other token, another org's delivery, or a duplicate (whose bytes are
-- its event's).
CREATE OR REPLACE FUNCTION ct_ingest_payload(p_token_hash text, p_kind text, p_id bigint)
RETURNS TABLE (body bytea, truncated boolean, content_type text, integration_id text,
               provider text, outcome text, default_country text, booking_tools text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE
    v_org uuid := ct_ingest_admin_org(p_token_hash);
BEGIN
    IF v_org IS NULL THEN
        RETURN;
    END IF;
    IF p_kind = 'e' THEN
        RETURN QUERY SELECT e.payload, false, e.content_type, e.integration_id, e.provider,
                            e.outcome, o.default_country, array_to_json(o.booking_tools)::text
                       FROM call_events e JOIN orgs o ON o.id = e.org_id
                      WHERE e.org_id = v_org AND e.id = p_id;
    ELSIF p_kind = 'r' THEN
        RETURN QUERY SELECT COALESCE(r.body, ''::bytea), r.body_truncated, r.content_type,
                            r.integration_id, r.provider, 'rejected'::text, NULL::text, NULL::text
                       FROM rejected_events r
                      WHERE r.org_id = v_org AND r.id = p_id;
    END IF;
END
$$;

-- POST /api/ingest/deliveries/e<id>/replay: applies the parked event
-- p_event_id of the org of a live admin token again, with the values the
-- current mapping made of its bytes (dashboard-ingest runs the mapping,
-- on the bytes ct_ingest_payload gave it), through ct_apply_event's
-- replay path: the kept row keeps its id, key and arrival with the new
-- outcome.  The row is locked first, so of two replays at once the second
-- finds it applied.  The integration, provider, key, bytes and content
-- type are the row's own, never the caller's; the integration must still
-- be the org's.  Returns the new outcome and call; 'not_parked' (the row
-- is not parked) or 'no_integration' (its integration is gone or another
-- org's) and nothing changed; no row for any other token or another org's
-- event.
CREATE OR REPLACE FUNCTION ct_ingest_replay(p_token_hash text, p_event_id bigint,
    p_provider_call_id text, p_event_type text, p_mode text,
    p_status_answered text DEFAULT NULL,
    p_status_unanswered text DEFAULT NULL,
    p_answered boolean DEFAULT false,
    p_sequence bigint DEFAULT NULL,
    p_ended_reason text DEFAULT NULL,
    p_end_call_reason text DEFAULT NULL,
    p_direction text DEFAULT NULL,
    p_phone_number text DEFAULT NULL,
    p_phone_raw text DEFAULT NULL,
    p_agent_number text DEFAULT NULL,
    p_customer_name text DEFAULT NULL,
    p_is_test_call boolean DEFAULT NULL,
    p_started_at text DEFAULT NULL,
    p_ended_at text DEFAULT NULL,
    p_duration_seconds int DEFAULT NULL,
    p_cost text DEFAULT NULL,
    p_recording_url text DEFAULT NULL,
    p_transcript text DEFAULT NULL,
    p_summary text DEFAULT NULL,
    p_sentiment text DEFAULT NULL,
    p_booking_status text DEFAULT NULL,
    p_booking_evidence text DEFAULT NULL,
    p_lead_score int DEFAULT NULL,
    p_lead_reasons text[] DEFAULT NULL,
    p_metadata text DEFAULT NULL,
    p_transfer_destination text DEFAULT NULL,
    p_transferred boolean DEFAULT NULL,
    p_agent_id text DEFAULT NULL,
    p_agent_name text DEFAULT NULL,
    p_agent_version text DEFAULT NULL,
    p_analysis text DEFAULT NULL,
    p_success boolean DEFAULT NULL,
    p_success_raw text DEFAULT NULL,
    p_cost_breakdown text DEFAULT NULL,
    p_linked_call_sid text DEFAULT NULL)
RETURNS TABLE (new_outcome text, new_call_id uuid)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE
    v_org uuid := ct_ingest_admin_org(p_token_hash);
    ev call_events%ROWTYPE;
BEGIN
    IF v_org IS NULL THEN
        RETURN;
    END IF;
    IF p_mode IS NULL OR p_mode NOT IN ('apply', 'record') THEN
        RAISE EXCEPTION 'invalid mode' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO ev FROM call_events e WHERE e.org_id = v_org AND e.id = p_event_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF ev.outcome <> 'parked' THEN
        RETURN QUERY SELECT 'not_parked'::text, ev.call_id;
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM integrations i
                    WHERE i.id = ev.integration_id AND i.org_id = v_org
                      AND i.provider = ev.provider) THEN
        RETURN QUERY SELECT 'no_integration'::text, NULL::uuid;
        RETURN;
    END IF;
    RETURN QUERY SELECT a.outcome, a.call_id FROM ct_apply_event(
        p_integration => ev.integration_id, p_provider => ev.provider,
        p_provider_call_id => p_provider_call_id, p_event_type => p_event_type,
        p_dedup_key => ev.dedup_key, p_payload => ev.payload, p_content_type => ev.content_type,
        p_mode => 'replay-' || p_mode,
        p_status_answered => p_status_answered, p_status_unanswered => p_status_unanswered,
        p_answered => p_answered, p_sequence => p_sequence, p_ended_reason => p_ended_reason,
        p_end_call_reason => p_end_call_reason, p_direction => p_direction,
        p_phone_number => p_phone_number, p_phone_raw => p_phone_raw,
        p_agent_number => p_agent_number, p_customer_name => p_customer_name,
        p_is_test_call => p_is_test_call, p_started_at => p_started_at,
        p_ended_at => p_ended_at, p_duration_seconds => p_duration_seconds, p_cost => p_cost,
        p_recording_url => p_recording_url, p_transcript => p_transcript,
        p_summary => p_summary, p_sentiment => p_sentiment,
        p_booking_status => p_booking_status, p_booking_evidence => p_booking_evidence,
        p_lead_score => p_lead_score, p_lead_reasons => p_lead_reasons,
        p_metadata => p_metadata, p_transfer_destination => p_transfer_destination,
        p_transferred => p_transferred, p_agent_id => p_agent_id, p_agent_name => p_agent_name,
        p_agent_version => p_agent_version, p_analysis => p_analysis, p_success => p_success,
        p_success_raw => p_success_raw, p_cost_breakdown => p_cost_breakdown,
        p_linked_call_sid => p_linked_call_sid) a;
END
$$;

-- The owner's helpers are no one else's; dashboard-ingest's role runs the
-- readers and the three that check an admin token themselves.
REVOKE ALL ON FUNCTION ct_ingest_admin_org(text), ct_ingest_event_sizes(bigint[]),
    ct_ingest_payload(text, text, bigint),
    ct_ingest_replay(text, bigint, text, text, text, text, text, boolean, bigint, text, text,
                     text, text, text, text, text, boolean, text, text, int, text, text, text,
                     text, text, text, text, int, text[], text, text, boolean, text, text, text,
                     text, boolean, text, text, text),
    ct_ingest_summary(text, text, text, int),
    ct_ingest_deliveries(text, text, text, uuid, int, timestamptz, text, bigint),
    ct_ingest_delivery(text, text, bigint),
    ct_ingest_open_past_limit(uuid, timestamptz),
    ct_ingest_missing_final_report(uuid, timestamptz, timestamptz),
    ct_ingest_range(text, text, text)
    FROM PUBLIC;

GRANT EXECUTE ON FUNCTION ct_ingest_event_sizes(bigint[]),
    ct_ingest_payload(text, text, bigint),
    ct_ingest_replay(text, bigint, text, text, text, text, text, boolean, bigint, text, text,
                     text, text, text, text, text, boolean, text, text, int, text, text, text,
                     text, text, text, text, int, text[], text, text, boolean, text, text, text,
                     text, boolean, text, text, text),
    ct_ingest_summary(text, text, text, int),
    ct_ingest_deliveries(text, text, text, uuid, int, timestamptz, text, bigint),
    ct_ingest_delivery(text, text, bigint),
    ct_ingest_open_past_limit(uuid, timestamptz),
    ct_ingest_missing_final_report(uuid, timestamptz, timestamptz),
    ct_ingest_range(text, text, text),
    ct_ingest_delivery_json(text, bigint, text, text, timestamptz, text, text, text, bigint, uuid,
                            boolean, bigint),
    -- What those call.
    ct_current_org(), ct_iso(timestamptz), ct_bound(text, text)
    TO calltrack_editor;
