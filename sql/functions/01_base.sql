-- 01_base.sql: the org pin, the status order, the merge rule.
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.

-- The pin.
--
-- Before 009, every function pinned the org it was given with a bare
-- set_config('calltrack.org_id', …), and the policies trusted that
-- setting, so any session of the programs' role could read or write any
-- org by setting it.  Now:
--
-- - The pin is calltrack.pin = '<org>:<mac>', where mac is an HMAC, under
--   a key only the owner can read (pin_key), of the org, the backend's pid
--   and the transaction's start: a value seen in one transaction or
--   session is refused in any other, and none can be made without the
--   key.  Only two SECURITY DEFINER functions make one, each from a
--   credential: ct_pin_integration (a webhook's integration slug) and
--   ct_pin_token (a dashboard token's SHA-256).  ct_current_org() checks
--   the pin; the policies compare with (SELECT ct_current_org()), an
--   InitPlan run once per statement, so index scans are unchanged.
-- - The functions the programs call take the credential, not the org:
--   ct_apply_event and ct_record_rejection the slug, the dashboard's the
--   token's hash.  Helpers that still take an org (ct_apply_event_once,
--   ct_calls_total, ct_counts_*) run as the caller, under the policies:
--   any org but the pinned one shows them nothing.
-- - calltrack_dashboard, the dashboard programs' role, reads what the
--   dashboard shows and nothing else: no integrations, no raw payloads,
--   no writes.  calltrack_app, the webhooks' role, reads integrations
--   only through ct_integration_lookup.  Neither reads api_tokens.
-- - What spans orgs (ct_sweep, ct_rollup_fold, ct_rollup_rebuild,
--   ct_ingest_stats, calltrack-admin) is the owner's alone: it bypasses
--   row-level security.

-- The MAC of a pin of p_org, under p_key, for this backend and this
-- transaction: of '<org>:<backend pid>:<transaction start>', the time
-- written as seconds since the epoch, which no session setting changes.
-- Only the owner may call it, and only the owner can read the key it
-- needs.
--
-- On a Citus cluster (sql/citus/tables.sql) a statement of the transaction
-- runs on the worker that holds its shard, in a backend of the worker's,
-- so the pin names what the coordinator and its workers share there: the
-- coordinator backend's global pid (citus_backend_gpid(), the same on
-- every node that works for it) and the distributed transaction's number
-- and start (get_current_transaction_id()).  A transaction that is not
-- distributed yet has number 0: ct_pin_set makes it one before it makes
-- a pin, and a MAC for number 0 is none (NULL), which matches no row.
-- Whether it is on a cluster is ct_on_citus(), the constant tools/migrate
-- writes: the webhook's path asks no catalog.
CREATE OR REPLACE FUNCTION ct_pin_mac(p_org uuid, p_key bytea) RETURNS bytea
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
    AS $$
DECLARE
    v_bind text;
BEGIN
    IF NOT ct_on_citus() THEN
        v_bind := pg_backend_pid()::text || ':' || extract(epoch FROM now())::text;
    ELSE
        SELECT citus_backend_gpid()::text || ':' || t.transaction_number::text || ':'
               || extract(epoch FROM t.transaction_stamp)::text
          INTO v_bind
          FROM get_current_transaction_id() t
         WHERE t.transaction_number <> 0;
    END IF;
    RETURN hmac(convert_to(p_org::text || ':' || v_bind, 'UTF8'), p_key, 'sha256');
END
$$;

REVOKE ALL ON FUNCTION ct_pin_mac(uuid, bytea) FROM PUBLIC;

-- The org pinned for this transaction by ct_pin_integration or
-- ct_pin_token, or NULL: no pin, a malformed one, or one made for another
-- org, backend or transaction (or by anything but those two) matches no
-- row.  The policies call it once per statement and table, so it is
-- cheap: no regular expression, no query with parameters (each would
-- cost more than the rest together).  The MACs are compared over all
-- their bits (XOR, then a count), so the time taken does not depend on
-- where they differ.  Parallel restricted: a parallel worker has a pid of
-- its own.
CREATE OR REPLACE FUNCTION ct_current_org() RETURNS uuid
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE
    v_pin text := current_setting('calltrack.pin', true);
    v_key bytea;
BEGIN
    -- '<org, lowercase>:<64 hex digits>'.
    IF length(v_pin) IS DISTINCT FROM 101
       OR translate(v_pin, '0123456789abcdef', '0000000000000000')
          <> '00000000-0000-0000-0000-000000000000:' || repeat('0', 64) THEN
        RETURN NULL;
    END IF;
    SELECT k.key INTO v_key FROM pin_key k;
    IF bit_count(('x' || right(v_pin, 64))::bit(256)
                 # ('x' || encode(ct_pin_mac(left(v_pin, 36)::uuid, v_key), 'hex'))::bit(256)) = 0 THEN
        RETURN left(v_pin, 36)::uuid;
    END IF;
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION ct_current_org() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ct_current_org() TO calltrack_app, calltrack_dashboard;

-- Pins p_org (NULL: clears the pin) for the rest of the transaction; the
-- owner's alone, called by the two functions below.  SET LOCAL rather than
-- set_config(): on a Citus cluster, with citus.propagate_set_commands =
-- 'local', Citus sends it to every worker the transaction uses.  A Citus
-- transaction is first made distributed, so that it has the number the
-- pin is made for (ct_pin_mac) and every worker it reads from takes part
-- in it, pin included.  On one PostgreSQL neither step is taken.
CREATE OR REPLACE FUNCTION ct_pin_set(p_org uuid) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
    AS $$
DECLARE
    v_key bytea;
BEGIN
    IF p_org IS NOT NULL AND ct_on_citus() THEN
        SET LOCAL citus.propagate_set_commands = 'local';
        -- A query of the org's shard may query the org's other tables
        -- (a policy reads the pin's key; a call's summary its legs).
        -- Citus refuses that unless told: every table is co-located by
        -- org, so such a query runs on the same node, in the same
        -- transaction, and sees what the outer one sees.
        SET LOCAL citus.allow_nested_distributed_execution = on;
        -- A distributed transaction, with its number, at no cost: an
        -- empty intermediate result (a file of this node's, dropped at
        -- the transaction's end), which needs one.  No row is touched,
        -- so no placement is used by this role before the caller's.
        PERFORM create_intermediate_result('calltrack_pin', 'SELECT 1 WHERE false');
    END IF;
    SELECT k.key INTO v_key FROM pin_key k;
    EXECUTE format('SET LOCAL calltrack.pin = %L', CASE WHEN p_org IS NULL THEN ''
        ELSE p_org::text || ':' || COALESCE(encode(ct_pin_mac(p_org, v_key), 'hex'), '') END);
END
$$;

REVOKE ALL ON FUNCTION ct_pin_set(uuid) FROM PUBLIC;

-- Pins the org of the integration named by a webhook slug for the rest of
-- the transaction and returns it; an unknown slug (or NULL) clears the
-- pin and returns NULL.  The webhooks' role only: the slug is what the
-- program verified the request's signature for.
CREATE OR REPLACE FUNCTION ct_pin_integration(p_slug text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE
    v_org uuid;
BEGIN
    SELECT i.org_id INTO v_org FROM integrations i WHERE i.id = p_slug;
    PERFORM ct_pin_set(v_org);
    RETURN v_org;
END
$$;

REVOKE ALL ON FUNCTION ct_pin_integration(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ct_pin_integration(text) TO calltrack_app;

-- Pins the org of a live (not revoked) dashboard token, by the token's
-- SHA-256 (hex), for the rest of the transaction and returns it; any
-- other hash clears the pin and returns NULL.  The dashboard's role only.
CREATE OR REPLACE FUNCTION ct_pin_token(p_hash text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
DECLARE
    v_org uuid;
BEGIN
    SELECT t.org_id INTO v_org FROM api_tokens t
     WHERE t.token_hash = p_hash AND t.revoked_at IS NULL;
    PERFORM ct_pin_set(v_org);
    RETURN v_org;
END
$$;

REVOKE ALL ON FUNCTION ct_pin_token(text) FROM PUBLIC, calltrack_app;
GRANT EXECUTE ON FUNCTION ct_pin_token(text) TO calltrack_dashboard, calltrack_editor;

-- Order of call statuses: a status never moves to a lower rank.
CREATE OR REPLACE FUNCTION ct_status_rank(status text) RETURNS int
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
    SELECT CASE status
        WHEN 'queued' THEN 0
        WHEN 'ringing' THEN 1
        WHEN 'in-progress' THEN 2
        ELSE 3
    END
$$;

GRANT EXECUTE ON FUNCTION ct_status_rank(text) TO calltrack_app;

-- How a value of an event merges into what the call already has: an event
-- at least as late as the call's latest replaces what it carries; an older
-- one only fills what is still unknown.  Neither ever sets NULL.
CREATE OR REPLACE FUNCTION ct_merge(p_late boolean, p_new anyelement, p_old anyelement)
RETURNS anyelement
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN p_late THEN COALESCE(p_new, p_old) ELSE COALESCE(p_old, p_new) END $$;

GRANT EXECUTE ON FUNCTION ct_merge(boolean, anyelement, anyelement) TO calltrack_app;
