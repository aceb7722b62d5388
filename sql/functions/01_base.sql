-- 01_base.sql: the org pin, the status order, the merge rule.
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.

-- The org pinned for this transaction, or NULL when none is: an empty or
-- missing setting matches no row.
CREATE OR REPLACE FUNCTION ct_current_org() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('calltrack.org_id', true), '')::uuid $$;

GRANT EXECUTE ON FUNCTION ct_current_org() TO calltrack_app;

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
