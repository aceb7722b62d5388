-- 13_agents.sql: the agent that handled a call, its analysis, success,
-- cost by part and transfer (docs/API.md "Agents, analysis and the whole
-- call"): how the webhook path merges them, how analysis.<key>=<value>
-- finds calls under row-level security, the list's filters and
-- GET /api/agents.
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.

-- Merges what one event says of the call's agent, analysis, success,
-- cost by part and transfer into call p_call (ct_apply_event_once calls
-- it, in its transaction).  A value the event does not carry is kept;
-- one it carries replaces the old when the event is not older than what
-- the call has seen (p_late, ct_merge).  The analysis is merged key by
-- key (jsonb ||), the later event's value of a key winning; no key is
-- ever removed.  transferred only ever becomes true.  The casts are
-- here, inside the caller's block, so a malformed value parks the event.
CREATE OR REPLACE FUNCTION ct_apply_agent_fields(p_org uuid, p_call uuid, p_late boolean,
    p_transferred boolean, p_agent_id text, p_agent_name text, p_agent_version text,
    p_analysis text, p_success boolean, p_success_raw text, p_cost_breakdown text)
RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_analysis jsonb := p_analysis::jsonb;
    v_cost jsonb := p_cost_breakdown::jsonb;
BEGIN
    IF p_transferred IS NULL AND p_agent_id IS NULL AND p_agent_name IS NULL
       AND p_agent_version IS NULL AND v_analysis IS NULL AND p_success IS NULL
       AND p_success_raw IS NULL AND v_cost IS NULL THEN
        RETURN;
    END IF;
    UPDATE calls k SET
        agent_id = n.agent_id, agent_name = n.agent_name, agent_version = n.agent_version,
        analysis = n.analysis, success = n.success, success_raw = n.success_raw,
        cost_breakdown = n.cost_breakdown, transferred = n.transferred
      FROM (SELECT ct_merge(p_late, p_agent_id, o.agent_id) AS agent_id,
                   ct_merge(p_late, p_agent_name, o.agent_name) AS agent_name,
                   ct_merge(p_late, p_agent_version, o.agent_version) AS agent_version,
                   CASE WHEN v_analysis IS NULL THEN o.analysis
                        WHEN o.analysis IS NULL THEN v_analysis
                        -- Three reports of 64 KB could outgrow the
                        -- column's bound: the keys it has stay.
                        WHEN octet_length((o.analysis || v_analysis)::text) > 131072
                            THEN o.analysis
                        WHEN p_late THEN o.analysis || v_analysis
                        ELSE v_analysis || o.analysis END AS analysis,
                   ct_merge(p_late, p_success, o.success) AS success,
                   ct_merge(p_late, p_success_raw, o.success_raw) AS success_raw,
                   ct_merge(p_late, v_cost, o.cost_breakdown) AS cost_breakdown,
                   o.transferred OR COALESCE(p_transferred, false) AS transferred
              FROM calls o WHERE o.org_id = p_org AND o.id = p_call) n
     WHERE k.org_id = p_org AND k.id = p_call
       AND (k.agent_id, k.agent_name, k.agent_version, k.analysis, k.success, k.success_raw,
            k.cost_breakdown, k.transferred)
           IS DISTINCT FROM
           (n.agent_id, n.agent_name, n.agent_version, n.analysis, n.success, n.success_raw,
            n.cost_breakdown, n.transferred);
END
$$;

-- The top-level scalars of a call's analysis as call_analysis_values
-- rows, kept in step with the column: a string as it is, a number or a
-- boolean as JSON writes it; keys of the filter's shape and values of
-- at most 200 characters only (a filter can ask for nothing else), at
-- most 200 of them.
CREATE OR REPLACE FUNCTION ct_analysis_values_sync() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM call_analysis_values a WHERE a.org_id = OLD.org_id AND a.call_id = OLD.id;
    END IF;
    IF NEW.analysis IS NOT NULL THEN
        INSERT INTO call_analysis_values (org_id, key, value, call_id)
        SELECT NEW.org_id, e.key, e.v, NEW.id
          FROM (SELECT j.key, CASE jsonb_typeof(j.value) WHEN 'string' THEN j.value #>> '{}'
                                                        ELSE j.value::text END AS v
                  FROM jsonb_each(NEW.analysis) j
                 WHERE jsonb_typeof(j.value) IN ('string', 'number', 'boolean')
                   AND j.key ~ '^[A-Za-z0-9_]{1,64}$') e
         WHERE length(e.v) <= 200
         LIMIT 200
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER calls_analysis_values AFTER INSERT ON calls
    FOR EACH ROW WHEN (NEW.analysis IS NOT NULL)
    EXECUTE FUNCTION ct_analysis_values_sync();

CREATE OR REPLACE TRIGGER calls_analysis_values_update AFTER UPDATE OF analysis ON calls
    FOR EACH ROW WHEN (OLD.analysis IS DISTINCT FROM NEW.analysis)
    EXECUTE FUNCTION ct_analysis_values_sync();

-- The list's conditions on agent, success and analysis (ct_calls_where
-- appends them), over the placeholders $p_at (agent ids, text[]),
-- $p_at+1 (success) and $p_at+2 (the analysis filters as a text[] of
-- key, value, key, value ...): each analysis filter is an equality on
-- call_analysis_values, which is leakproof and so reaches its index under
-- row-level security, where jsonb's @> could not.
CREATE OR REPLACE FUNCTION ct_calls_where_agents(p_agent text[], p_success boolean,
    p_analysis text[], p_at int)
RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE
    w text := '';
    i int;
BEGIN
    IF p_agent IS NOT NULL THEN w := w || format(' AND v.agent_id = ANY ($%s)', p_at); END IF;
    IF p_success IS NOT NULL THEN w := w || format(' AND v.success = $%s', p_at + 1); END IF;
    IF p_analysis IS NOT NULL THEN
        IF cardinality(p_analysis) > 6 OR cardinality(p_analysis) % 2 <> 0 THEN
            RAISE EXCEPTION 'invalid analysis filter' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        FOR i IN 1 .. cardinality(p_analysis) / 2 LOOP
            w := w || format(' AND v.id IN (SELECT a.call_id FROM call_analysis_values a'
                             ' WHERE a.org_id = $1 AND a.key = $%1$s[%2$s] AND a.value = $%1$s[%3$s])',
                             p_at + 2, 2 * i - 1, 2 * i);
        END LOOP;
    END IF;
    RETURN w;
END
$$;

-- GET /api/agents: every agent the org's calls name (test calls only
-- with p_include_test), with its latest name, version and provider, its
-- calls and its last call; from the rollup, then one index probe per
-- agent.  NULL for a revoked or unknown token.
CREATE OR REPLACE FUNCTION ct_agents(p_token_hash text, p_include_test boolean) RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid;
BEGIN
    v_org := ct_pin_token(p_token_hash);
    IF v_org IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN json_build_object('agents', (
        SELECT COALESCE(json_agg(json_build_object(
                   'id', g.agent_id, 'name', l.agent_name, 'version', l.agent_version,
                   'provider', l.provider, 'calls', g.calls, 'last_call_at', ct_iso(l.call_at))
                   ORDER BY g.calls DESC, g.agent_id), '[]')
          FROM (SELECT c.agent_id, sum(c.calls) AS calls
                  FROM ct_counts_rolled(v_org, NULL, NULL, p_include_test) c
                 WHERE c.agent_id <> ''
                 GROUP BY 1 HAVING sum(c.calls) > 0
                 ORDER BY 2 DESC, 1 LIMIT 500) g
          LEFT JOIN LATERAL (
                SELECT k.agent_name, k.agent_version, k.provider, k.call_at FROM calls k
                 WHERE k.org_id = v_org AND k.agent_id = g.agent_id
                   AND (p_include_test OR NOT k.is_test_call)
                 ORDER BY k.call_at DESC, k.id DESC LIMIT 1) l ON true));
END
$$;

GRANT EXECUTE ON FUNCTION ct_apply_agent_fields(uuid, uuid, boolean, boolean, text, text, text,
    text, boolean, text, text), ct_analysis_values_sync() TO calltrack_app;

REVOKE EXECUTE ON FUNCTION ct_agents(text, boolean) FROM PUBLIC, calltrack_app;

GRANT EXECUTE ON FUNCTION ct_agents(text, boolean),
    ct_calls_where_agents(text[], boolean, text[], int)
    TO calltrack_dashboard;

GRANT EXECUTE ON FUNCTION ct_calls_where_agents(text[], boolean, text[], int) TO calltrack_app;
