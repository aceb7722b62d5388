-- 01_cluster.sql: the schema as Citus spread it (tests/citus/run): the
-- tables as ct_distribution says, co-located, and the webhook's function
-- distributed by its org.  Routing itself is shown by cluster.bats, out
-- of a transaction block (where Citus sends a function call whole).
BEGIN;
SELECT plan(7);

SELECT set_eq(
    $$SELECT logicalrelid::regclass::name FROM pg_dist_partition WHERE partmethod = 'h'$$,
    $$SELECT relname FROM ct_distribution WHERE kind = 'distributed'$$,
    'every table ct_distribution calls distributed is distributed by hash');
SELECT set_eq(
    $$SELECT logicalrelid::regclass::name FROM pg_dist_partition WHERE partmethod = 'n' AND repmodel = 't'$$,
    $$SELECT relname FROM ct_distribution WHERE kind = 'reference'$$,
    'and every reference table is one');
SELECT is((SELECT count(DISTINCT colocationid)::int FROM pg_dist_partition WHERE partmethod = 'h'), 1,
    'the distributed tables are co-located');
SELECT is((SELECT column_to_column_name(p.logicalrelid, p.partkey) FROM pg_dist_partition p
            WHERE p.logicalrelid = 'calls'::regclass), 'org_id', 'calls are sharded by org_id');
SELECT is((SELECT (o.distribution_argument_index, o.colocationid)::text FROM pg_dist_object o
            WHERE o.objid = 'ct_apply_event'::regproc),
          (SELECT (44, p.colocationid)::text FROM pg_dist_partition p WHERE p.logicalrelid = 'calls'::regclass),
    'ct_apply_event is distributed by p_org (its 45th argument), co-located with the calls');

SELECT is(ct_on_citus(), true, 'ct_on_citus() is true on the coordinator');
SELECT is((SELECT count(*)::int FROM run_command_on_workers('SELECT public.ct_on_citus()')
            WHERE success AND result = 't'), 2,
    'and on both workers, where the policies call the pin''s functions');

SELECT * FROM finish();
ROLLBACK;
