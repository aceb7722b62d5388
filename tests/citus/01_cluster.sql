-- 01_cluster.sql: the schema as Citus spread it (tests/citus/run).
BEGIN;
SELECT plan(3);

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

SELECT * FROM finish();
ROLLBACK;
