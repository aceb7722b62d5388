-- 035_alert_call_at.sql: a hot-lead alert carries its call's time, test
-- flag and agent (issue 18).
--
-- The stats count the alerts of a range by their calls' times, test
-- flags and agents.  They looked up each alert's call for them: one
-- probe of calls an alert, 52 of the 62 ms of 30 days' stats at a million
-- calls, and most of a year's (make bench's profiles).  The alert now
-- carries the three, kept with its call by triggers
-- (sql/functions/09_contacts.sql: filled as the alert is made or moved to
-- another call, updated as the call's change), and the count reads its
-- own index.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

ALTER TABLE hot_lead_alerts
    ADD COLUMN call_at timestamptz,
    ADD COLUMN is_test boolean NOT NULL DEFAULT false,
    ADD COLUMN agent_id text;

UPDATE hot_lead_alerts a
   SET call_at = c.call_at, is_test = c.is_test_call, agent_id = c.agent_id
  FROM calls c
 WHERE c.org_id = a.org_id AND c.id = a.call_id;

CREATE INDEX hot_lead_alerts_call_at ON hot_lead_alerts (org_id, call_at)
    INCLUDE (is_test, agent_id);
