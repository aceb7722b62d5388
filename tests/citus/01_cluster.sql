-- 01_cluster.sql: the schema as Citus spread it (tests/citus/run): the
-- tables as ct_distribution says, co-located, and the webhook's function
-- distributed by its org.  Routing itself is shown by cluster.bats, out
-- of a transaction block (where Citus sends a function call whole).

-- The org of the column grants' test below, committed first: Citus
-- reaches the workers as each role over connections of that role, and an
-- editor's connection does not see the rows of the test's transaction
-- made over the owner's (removed again at the end).
INSERT INTO orgs (id, name) VALUES ('00000000-0000-0000-0000-00000000c1a1', 'Cluster org');
INSERT INTO api_tokens (org_id, token_hash, label, role) VALUES
    ('00000000-0000-0000-0000-00000000c1a1', repeat('c1', 32), 'desk', 'editor');

BEGIN;
SELECT plan(13);

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
-- On one PostgreSQL the webhook and the import plan generically
-- (tests/sql/15_new_org_plans.sql); not here, where a generic plan's
-- parameter cannot be routed from inside a function.
SELECT is((SELECT count(*)::int FROM pg_proc p, unnest(p.proconfig) c
            WHERE p.proname IN ('ct_apply_event_once', 'ct_import_contacts')
              AND c LIKE 'plan_cache_mode=%'), 0,
    'the webhook and the import keep custom plans on the cluster');
SELECT is((SELECT count(*)::int FROM run_command_on_workers(
              $$SELECT count(*) FROM pg_proc p, unnest(p.proconfig) c
                 WHERE p.proname IN ('ct_apply_event_once', 'ct_import_contacts')
                   AND c LIKE 'plan_cache_mode=%'$$)
            WHERE success AND result = '0'), 2,
    'and so on both workers, where they run');

-- Column grants on the shards (sql/citus/shards.sql): an editor adds a
-- contact by the columns it may set, and still may not set the others,
-- on insert or on update.
SET LOCAL citus.multi_shard_modify_mode = 'sequential';
SELECT ct_pin_token(repeat('c1', 32)) \g /dev/null
SET LOCAL ROLE calltrack_editor;
SELECT lives_ok($$INSERT INTO contacts (org_id, phone, name, name_source, changed_by)
    VALUES ('00000000-0000-0000-0000-00000000c1a1', '+14155550101', 'Ann Cluster', 'manual', 'desk')$$,
    'an editor adds a contact on the cluster, by the columns it may set');
SELECT throws_ok($$INSERT INTO contacts (org_id, phone, call_count)
    VALUES ('00000000-0000-0000-0000-00000000c1a1', '+14155550102', 5)$$,
    '42501', 'permission denied for table contacts', 'but not with a call count');
SELECT throws_ok($$UPDATE contacts SET call_count = 5
    WHERE org_id = '00000000-0000-0000-0000-00000000c1a1' AND phone = '+14155550101'$$,
    '42501', 'permission denied for table contacts', 'nor set one');
-- Read back as the editor: Citus reads a placement this transaction
-- changed only over the connection that changed it, which is the
-- editor's, not the owner's.  Read first, then compared: a query of one
-- shard is sent whole to its worker, pgTAP's call with it, and the
-- test's plan is not there.
SELECT name || ' ' || call_count AS ann FROM contacts
 WHERE org_id = '00000000-0000-0000-0000-00000000c1a1' AND phone = '+14155550101' \gset
SELECT is(:'ann'::text, 'Ann Cluster 0', 'the contact is there, its count untouched');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

DELETE FROM api_tokens WHERE org_id = '00000000-0000-0000-0000-00000000c1a1';
DELETE FROM orgs WHERE id = '00000000-0000-0000-0000-00000000c1a1';
