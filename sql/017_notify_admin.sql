-- 017_notify_admin.sql: the delivery log of docs/API.md ("GET
-- /api/notifications/deliveries"): an org's messages newest first (014's
-- notifications_org), or those of one destination, or those in one state,
-- a page at a time by a keyset cursor, so that an org with many messages
-- reads a page without scanning the others.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

CREATE INDEX notifications_destination_log
    ON notifications (org_id, destination_id, created_at DESC, id);

CREATE INDEX notifications_state_log
    ON notifications (org_id, state, created_at DESC, id);
