-- 016_notify_sender.sql: what calltrack-notify needs beside 014's outbox:
-- the lease of a message in flight, the index that finds a destination's
-- pending messages, and the sender's own role.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

-- Set when a sender claims the message (ct_notify_claim), until its
-- attempt's result is written: a message of a destination is in flight
-- while a lease of it runs, so each destination has at most one in
-- flight, and a sender that died mid-attempt leaves its message to be
-- tried again once the lease ends.
ALTER TABLE notifications
    ADD COLUMN leased_until timestamptz;

-- The messages in flight (a few): is one of this destination's?
CREATE INDEX notifications_leased ON notifications (org_id, destination_id)
    WHERE state = 'pending' AND leased_until IS NOT NULL;

-- The sender's role: it reads every org's outbox and the destinations'
-- secrets, and writes only the messages' state and their attempts
-- (sql/functions/08_security.sql).  BYPASSRLS, as it spans orgs; no
-- LOGIN, which the installer grants with a password (INSTALL, 3).  In
-- PostgreSQL 15 only a superuser creates a role that bypasses row-level
-- security: an owner that is not one needs the role made first.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'calltrack_notify') THEN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND rolsuper) THEN
            RAISE EXCEPTION 'the role calltrack_notify does not exist'
                USING HINT = 'create it first as a superuser: CREATE ROLE calltrack_notify LOGIN BYPASSRLS (INSTALL, 3)';
        END IF;
        CREATE ROLE calltrack_notify NOLOGIN BYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'calltrack_notify' AND rolbypassrls) THEN
        RAISE EXCEPTION 'the role calltrack_notify must have BYPASSRLS'
            USING HINT = 'as a superuser: ALTER ROLE calltrack_notify BYPASSRLS (INSTALL, 3)';
    END IF;
END
$$;
