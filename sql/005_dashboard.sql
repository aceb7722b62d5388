-- 005_dashboard.sql: the columns and indexes that keep the dashboard's
-- reads fast at a million calls per org.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

-- The time a call is listed, filtered and counted under: when it started,
-- else when it ended (Twilio sends no start), else when its first
-- callback came (queued and ringing calls).
ALTER TABLE calls ADD COLUMN call_at timestamptz
    GENERATED ALWAYS AS (COALESCE(started_at, ended_at, first_event_at)) STORED;

-- The list's order, covering what the filters test, so that a page and
-- its total are index-only scans however many calls an org has.
CREATE INDEX calls_org_call_at ON calls (org_id, call_at DESC, id DESC)
    INCLUDE (is_test_call, status, direction, booking_status, sentiment,
             end_call_reason, duration_seconds, cost, contact_id);

CREATE INDEX calls_org_duration ON calls (org_id, (COALESCE(duration_seconds, -1)) DESC, id DESC)
    INCLUDE (is_test_call);

CREATE INDEX calls_org_cost ON calls (org_id, (COALESCE(cost, -1)) DESC, id DESC)
    INCLUDE (is_test_call);

-- Digits of a search match the end of the customer's number, however it
-- was written ("555-0142", "(415) 555-0142", "+14155550142"): a prefix of
-- the reversed number, a B-tree range.  The reversed number is stored,
-- and the range is written with leakproof operators, because row-level
-- security lets only leakproof conditions reach an index (LIKE and
-- reverse() are not).
ALTER TABLE calls ADD COLUMN phone_reversed text
    GENERATED ALWAYS AS (reverse(phone_number)) STORED;

CREATE INDEX calls_phone_suffix ON calls (org_id, phone_reversed text_pattern_ops);

CREATE INDEX hot_lead_alerts_org_created ON hot_lead_alerts (org_id, created_at DESC);
