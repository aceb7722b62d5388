-- citus/functions.sql: the functions a Citus cluster runs whole on the
-- node that holds their org.  tools/migrate runs it after sql/functions/,
-- on a database with the citus extension only, each time (a function made
-- anew keeps its distribution, and one made for the first time gets it).
--
-- ct_apply_event, the webhook's one statement, by its p_org (the org the
-- program found the integration in): Citus sends the call itself to the
-- worker that holds the org's shards, where every statement of it runs
-- on local shards, and row-level security's pin is made and checked in
-- the worker's own backend.
--
-- The programs always give p_org.  Citus 13.2.2 ends the backend (signal
-- 11, and the server restarts every connection) when a distributed
-- function's distribution argument is NULL, given or left to its
-- default: on a cluster, never call ct_apply_event without p_org.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.pronamespace = 'public'::regnamespace AND p.proname = 'ct_apply_event' LOOP
        PERFORM create_distributed_function(f, 'p_org', colocate_with => 'contacts');
    END LOOP;
END
$$;
