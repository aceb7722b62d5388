-- 06_distribution.sql: the schema keeps what a Citus cluster needs to
-- spread it by org (sql/citus/tables.sql, INSTALL "Beyond one machine"),
-- checked on one PostgreSQL, where no Citus is there to refuse it:
-- every table is classified in ct_distribution (027), the distributed
-- ones by org_id with every unique key and every foreign key between them
-- leading with it, nothing pointing from a reference or local table into
-- a distributed one, no foreign key action Citus refuses, no trigger on a
-- reference table, and identity columns only where Citus takes them.
BEGIN;
SELECT plan(11);

SELECT set_eq(
    $$SELECT c.relname FROM pg_class c
       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                            AND d.objid = c.oid AND d.deptype = 'e')$$,
    $$SELECT relname FROM ct_distribution$$,
    'every table is classified in ct_distribution, and no other');

SELECT is_empty(
    $$SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
         AND a.attname = 'org_id' AND a.attnotnull
         AND c.relname NOT IN (SELECT relname FROM ct_distribution
                                WHERE kind IN ('distributed', 'reference'))$$,
    'every table whose rows all have an org is distributed or a reference table');

SELECT is_empty(
    $$SELECT d.relname FROM ct_distribution d
       WHERE d.kind = 'distributed'
         AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                          WHERE a.attrelid = d.relname::regclass AND a.attname = 'org_id'
                            AND a.attnotnull)$$,
    'every distributed table has a NOT NULL org_id to shard by');

SELECT is_empty(
    $$SELECT i.relname FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = x.indkey[0]
      WHERE x.indisunique
        AND c.relname IN (SELECT relname FROM ct_distribution WHERE kind = 'distributed')
        AND a.attname <> 'org_id'$$,
    'every unique index of a distributed table starts with org_id');

SELECT is_empty(
    $$SELECT k.conname FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1]
       JOIN pg_attribute b ON b.attrelid = r.oid AND b.attnum = k.confkey[1]
      WHERE k.contype = 'f'
        AND c.relname IN (SELECT relname FROM ct_distribution WHERE kind = 'distributed')
        AND r.relname IN (SELECT relname FROM ct_distribution WHERE kind = 'distributed')
        AND (a.attname <> 'org_id' OR b.attname <> 'org_id')$$,
    'every foreign key between distributed tables leads with org_id on both sides (co-located)');

SELECT is_empty(
    $$SELECT k.conname FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
      WHERE k.contype = 'f'
        AND c.relname IN (SELECT relname FROM ct_distribution WHERE kind IN ('reference', 'local'))
        AND r.relname IN (SELECT relname FROM ct_distribution WHERE kind = 'distributed')$$,
    'no reference or local table points into a distributed one');

SELECT is_empty(
    $$SELECT k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
      WHERE k.contype = 'f' AND k.confdeltype IN ('n', 'd')
        AND c.relname IN (SELECT relname FROM ct_distribution WHERE kind = 'distributed')$$,
    'no foreign key of a distributed table sets NULL or a default on delete (Citus refuses it)');

SELECT is_empty(
    $$SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      WHERE NOT t.tgisinternal
        AND c.relname IN (SELECT relname FROM ct_distribution WHERE kind = 'reference')$$,
    'no trigger on a reference table (it would fire on every node''s copy)');

SELECT is_empty(
    $$SELECT c.relname || '.' || a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      WHERE c.relname IN (SELECT relname FROM ct_distribution WHERE kind IN ('distributed', 'reference'))
        AND a.attidentity <> '' AND a.atttypid <> 'bigint'::regtype$$,
    'an identity column of a distributed or reference table is a bigint (what Citus takes)');

-- Whether the database is a cluster's is one constant that migrate
-- writes, and nothing else asks the catalog.
SELECT is(ct_on_citus(), false, 'ct_on_citus() is false on one PostgreSQL');
SELECT is_empty(
    $$SELECT p.proname FROM pg_proc p
       WHERE p.pronamespace = 'public'::regnamespace
         AND p.prosrc ~ '(pg_extension|citus\.version|to_regproc)'
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')$$,
    'no function asks the catalog whether Citus is there (ct_on_citus() says it)');

SELECT * FROM finish();
ROLLBACK;
