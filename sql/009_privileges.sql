-- 009_privileges.sql: the org a transaction sees is pinned only by a
-- verified credential (sql/functions/01_base.sql), and each kind of
-- program has the least it needs (sql/functions/08_security.sql).
--
-- Here: pgcrypto, the dashboard programs' role, the pin's key, and what a
-- database of before this layout had that it must not keep (the policies
-- that read a secret by slug or a token by hash, the functions that took
-- an org from their caller, and the webhooks' role's reading of
-- integrations and tokens).
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

-- hmac() and gen_random_bytes(); a trusted extension (PostgreSQL 13 and
-- later): the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- The pin functions run as the owner and look credentials up before any
-- org is pinned: under FORCE ROW LEVEL SECURITY only an owner that
-- bypasses it finds them (INSTALL, 3).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles
                    WHERE rolname = current_user AND (rolsuper OR rolbypassrls)) THEN
        RAISE EXCEPTION 'the role that runs the migrations must have BYPASSRLS';
    END IF;
END
$$;

-- The role the dashboard programs connect as.  Created without LOGIN, as
-- calltrack_app is; the installer grants LOGIN (and a password).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'calltrack_dashboard') THEN
        CREATE ROLE calltrack_dashboard NOLOGIN;
    END IF;
END
$$;

-- The pin's key: one row of random bytes, readable by the owner only.
-- Replicas have the same key, so a pin made there checks there.
CREATE TABLE pin_key (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    key     bytea NOT NULL CHECK (length(key) = 32)
);

INSERT INTO pin_key (key) VALUES (gen_random_bytes(32));

REVOKE ALL ON pin_key FROM PUBLIC, calltrack_app, calltrack_dashboard;

-- What a database of before this layout had.  The lookups by slug and by
-- hash are SECURITY DEFINER functions' now.
DROP POLICY IF EXISTS by_slug ON integrations;
DROP POLICY IF EXISTS by_hash ON api_tokens;
DROP POLICY IF EXISTS by_hash_touch ON api_tokens;

-- The functions that took the org from their caller: now they take the
-- credential (the slug, the token's hash) and pin its org themselves.

DROP FUNCTION IF EXISTS ct_apply_event(
    uuid, text, text, text, text, text, bytea, text, text, text, text, text, boolean,
    bigint, text, text, text, text, text, text, text, boolean, text, text,
    int, text, text, text, text, text, text, text, int, text[], text, text);

DROP FUNCTION IF EXISTS ct_record_rejection(uuid, text, text, int, text, text, text, text, text, bytea,
                                  bigint, text, boolean);

DROP FUNCTION IF EXISTS ct_calls_page(uuid, text, text[], text[], text[], text[], text[], text[], text[],
                            text, text, int, int, boolean, text, boolean, int, int, text, uuid);

DROP FUNCTION IF EXISTS ct_calls_csv(uuid, text, text[], text[], text[], text[], text[], text[], text[],
                           text, text, int, int, boolean, text, boolean, int);

DROP FUNCTION IF EXISTS ct_call_detail(uuid, uuid);

DROP FUNCTION IF EXISTS ct_stats(uuid, text, text, text, boolean);

DROP FUNCTION IF EXISTS ct_range_reversed(uuid, text, text);

-- The webhooks (calltrack_app): their integration through
-- ct_integration_lookup only; no tokens.
REVOKE ALL ON integrations, api_tokens FROM calltrack_app;
