-- 018_agents.sql: the agent that handled a call, what its analysis found,
-- whether it succeeded, what each part of it cost, and whether it was
-- transferred (docs/API.md "Agents, analysis and the whole call").
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

-- agent_*: Vapi's assistant, Retell's agent.  analysis: an object, at
-- most 64 KB (the webhook path bounds it; here, a wall behind it).
-- success: the evaluation read as a pass or a fail (docs/DATA-MODEL.md),
-- success_raw what the provider said.  cost_breakdown: USD by part.
-- transferred: a transfer was bridged (Retell's transfer events).
ALTER TABLE calls
    ADD COLUMN agent_id       text CHECK (length(agent_id) BETWEEN 1 AND 200),
    ADD COLUMN agent_name     text CHECK (length(agent_name) BETWEEN 1 AND 200),
    ADD COLUMN agent_version  text CHECK (length(agent_version) BETWEEN 1 AND 200),
    ADD COLUMN analysis       jsonb CHECK (jsonb_typeof(analysis) = 'object'
                                           AND octet_length(analysis::text) <= 131072),
    ADD COLUMN success        boolean,
    ADD COLUMN success_raw    text CHECK (length(success_raw) BETWEEN 1 AND 200),
    ADD COLUMN cost_breakdown jsonb CHECK (jsonb_typeof(cost_breakdown) = 'object'),
    ADD COLUMN transferred    boolean NOT NULL DEFAULT false;

-- The list filtered by agent or by success, in its own order.  Not
-- partial for success: the planner reads success = false as NOT success,
-- which it does not take to imply success IS NOT NULL.
CREATE INDEX calls_org_agent ON calls (org_id, agent_id, call_at DESC, id DESC)
    WHERE agent_id IS NOT NULL;

CREATE INDEX calls_org_success ON calls (org_id, success, call_at DESC, id DESC);

-- analysis.<key>=<value> finds its calls here.  Row-level security lets
-- only leakproof conditions reach an index, and jsonb's @> is not one (a
-- GIN index on analysis is never used under the policies); equality of
-- text is.  Each top-level scalar of a call's analysis is one row (its
-- text: a string as it is, a number or boolean as JSON writes it), kept
-- by a trigger on calls (sql/functions/13_agents.sql).
CREATE TABLE call_analysis_values (
    org_id      uuid NOT NULL,
    key         text NOT NULL CHECK (key ~ '^[A-Za-z0-9_]{1,64}$'),
    value       text NOT NULL CHECK (length(value) <= 200),
    call_id     uuid NOT NULL,
    PRIMARY KEY (org_id, key, value, call_id),
    FOREIGN KEY (org_id, call_id) REFERENCES calls (org_id, id) ON DELETE CASCADE
);

CREATE INDEX call_analysis_values_call ON call_analysis_values (org_id, call_id);

-- The per-day counts by agent too, with the success and cost-by-part
-- sums, so that by-agent figures, the funnel and the cost by part stay
-- reads of the rollup ('' for calls without an agent: a key column).
ALTER TABLE call_rollup
    ADD COLUMN agent_id     text NOT NULL DEFAULT '',
    ADD COLUMN succ_n       int NOT NULL DEFAULT 0,
    ADD COLUMN succ_true    int NOT NULL DEFAULT 0,
    ADD COLUMN cp_transport numeric NOT NULL DEFAULT 0,
    ADD COLUMN cp_stt       numeric NOT NULL DEFAULT 0,
    ADD COLUMN cp_llm       numeric NOT NULL DEFAULT 0,
    ADD COLUMN cp_tts       numeric NOT NULL DEFAULT 0,
    ADD COLUMN cp_platform  numeric NOT NULL DEFAULT 0,
    ADD COLUMN cp_other     numeric NOT NULL DEFAULT 0;

ALTER TABLE call_rollup DROP CONSTRAINT call_rollup_pkey,
    ADD PRIMARY KEY (org_id, day, is_test, status, end_reason, direction, agent_id);

ALTER TABLE call_rollup_delta
    ADD COLUMN agent_id     text NOT NULL DEFAULT '',
    ADD COLUMN succ_n       int NOT NULL DEFAULT 0,
    ADD COLUMN succ_true    int NOT NULL DEFAULT 0,
    ADD COLUMN cp_transport numeric NOT NULL DEFAULT 0,
    ADD COLUMN cp_stt       numeric NOT NULL DEFAULT 0,
    ADD COLUMN cp_llm       numeric NOT NULL DEFAULT 0,
    ADD COLUMN cp_tts       numeric NOT NULL DEFAULT 0,
    ADD COLUMN cp_platform  numeric NOT NULL DEFAULT 0,
    ADD COLUMN cp_other     numeric NOT NULL DEFAULT 0;

-- Signatures that change: the webhook's statement takes the new fields,
-- the list and the stats their filters, the counts return the new sums.
DROP FUNCTION IF EXISTS ct_apply_event_once(
    uuid, text, text, text, text, text, bytea, text, text, text, text, text, boolean,
    bigint, text, text, text, text, text, text, text, boolean, text, text,
    int, text, text, text, text, text, text, text, int, text[], text, text);
DROP FUNCTION IF EXISTS ct_apply_event(
    text, text, text, text, text, bytea, text, text, text, text, text, boolean,
    bigint, text, text, text, text, text, text, text, boolean, text, text,
    int, text, text, text, text, text, text, text, int, text[], text, text);
DROP FUNCTION IF EXISTS ct_calls_where(text, text[], text[], text[], text[], text[], text[],
    text[], text, text, int, int, boolean);
DROP FUNCTION IF EXISTS ct_calls_total(uuid, text, text, text[], text[], text[], text[], text[],
    text[], text[], timestamptz, timestamptz, int, int, boolean, text, boolean);
DROP FUNCTION IF EXISTS ct_calls_page(text, text, text[], text[], text[], text[], text[], text[],
    text[], text, text, int, int, boolean, text, boolean, int, int, text, uuid);
DROP FUNCTION IF EXISTS ct_calls_csv(text, text, text[], text[], text[], text[], text[], text[],
    text[], text, text, int, int, boolean, text, boolean, int);
DROP FUNCTION IF EXISTS ct_stats(text, text, text, text, boolean);
DROP FUNCTION IF EXISTS ct_counts_rolled(uuid, date, date, boolean);
DROP FUNCTION IF EXISTS ct_counts_live(uuid, timestamptz, timestamptz, text, boolean);
