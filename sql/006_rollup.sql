-- 006_rollup.sql: per-day call counts, so that the stats cards and the
-- list's total read a few hundred rows instead of every call of the range.
--
-- call_rollup holds, for each org, local day (in the org's time zone),
-- test flag, status, normalized end reason and direction, the sums the
-- dashboard shows; call_rollup_delta the changes not folded yet
-- (sql/functions/05_rollup.sql).
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

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
