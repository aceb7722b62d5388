-- 012_recorded.sql: a message that carries no call state (Vapi's
-- speech-update, conversation-update, transcript; Retell's
-- transcript_updated, transfer_*) is kept with an outcome of its own,
-- 'recorded', instead of 'applied', which it never was.  Events kept
-- before keep theirs.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

ALTER TABLE call_events DROP CONSTRAINT call_events_outcome_check,
    ADD CONSTRAINT call_events_outcome_check
        CHECK (outcome IN ('applied', 'duplicate', 'parked', 'recorded'));
