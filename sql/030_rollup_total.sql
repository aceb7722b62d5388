-- 030_rollup_total.sql: the org's counts over all its days, for the
-- calls list's total (issue 18, item 2).
--
-- The list's first page has no range, and its total summed every day of
-- call_rollup: at a year and a half of calls, 35,000 rows for one
-- number.  call_rollup_total is call_rollup without the day, folded from
-- the same deltas in the same statement (ct_rollup_fold), so that the
-- total of all days is a few dozen rows.  It holds what call_rollup
-- holds, day by day summed: the same groups, the same measures.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

CREATE TABLE call_rollup_total (
    org_id        uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    is_test       boolean NOT NULL,
    status        text NOT NULL,
    end_reason    text NOT NULL,
    direction     text NOT NULL,
    agent_id      text NOT NULL,
    calls         bigint NOT NULL,
    dur_n         bigint NOT NULL,
    dur_sum       bigint NOT NULL,
    cost_sum      numeric NOT NULL,
    s_pos         bigint NOT NULL,
    s_neu         bigint NOT NULL,
    s_neg         bigint NOT NULL,
    b_conf        bigint NOT NULL,
    b_fail        bigint NOT NULL,
    succ_n        bigint NOT NULL,
    succ_true     bigint NOT NULL,
    cp_transport  numeric NOT NULL,
    cp_stt        numeric NOT NULL,
    cp_llm        numeric NOT NULL,
    cp_tts        numeric NOT NULL,
    cp_platform   numeric NOT NULL,
    cp_other      numeric NOT NULL,
    PRIMARY KEY (org_id, is_test, status, end_reason, direction, agent_id)
);

INSERT INTO call_rollup_total
SELECT org_id, is_test, status, end_reason, direction, agent_id, sum(calls), sum(dur_n),
       sum(dur_sum), sum(cost_sum), sum(s_pos), sum(s_neu), sum(s_neg), sum(b_conf),
       sum(b_fail), sum(succ_n), sum(succ_true), sum(cp_transport), sum(cp_stt), sum(cp_llm),
       sum(cp_tts), sum(cp_platform), sum(cp_other)
  FROM call_rollup
 GROUP BY org_id, is_test, status, end_reason, direction, agent_id
HAVING sum(calls) <> 0;

INSERT INTO ct_distribution (relname, kind) VALUES ('call_rollup_total', 'distributed');
