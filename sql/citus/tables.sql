-- citus/tables.sql: spreads the tables over a Citus cluster, once, as
-- ct_distribution (027) says.  tools/migrate runs it after the numbered
-- migrations and before sql/functions/, in a transaction of its own; on a
-- database without the citus extension, or whose tables are already
-- spread, it changes nothing.
--
-- Citus takes a table with its data, but not with what would tie it to
-- tables that are not spread yet, so the order is pg_dump's: first what
-- sql/functions/ makes again anyway (the views, and the functions that
-- take a view's row, go; the policies go), and every foreign key, kept
-- aside; then the reference tables and the distributed ones, each
-- co-located with contacts (by org_id); then the foreign keys again.
-- Triggers stay: citus.enable_unsafe_triggers, which tools/migrate sets,
-- lets a distributed table keep them, and each of ours touches only rows
-- of its own org, which are on the same node (the rule of
-- tests/sql/06_distribution.sql: no trigger on a reference table).
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';

DO $$
DECLARE
    r record;
    v_first name;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM ct_distribution d
                    WHERE d.kind <> 'local'
                      AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p
                                       WHERE p.logicalrelid = d.relname::regclass)) THEN
        RETURN;
    END IF;

    FOR r IN SELECT c.oid::regclass AS v FROM pg_class c
              WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'v'
                AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                   AND d.deptype = 'e') LOOP
        EXECUTE format('DROP VIEW IF EXISTS %s CASCADE', r.v);
    END LOOP;
    FOR r IN SELECT p.polname, p.polrelid::regclass AS t FROM pg_policy p
               JOIN pg_class c ON c.oid = p.polrelid
              WHERE c.relnamespace = 'public'::regnamespace LOOP
        EXECUTE format('DROP POLICY %I ON %s', r.polname, r.t);
    END LOOP;
    CREATE TEMP TABLE ct_fks ON COMMIT DROP AS
    SELECT k.conrelid::regclass AS t, k.conname, pg_get_constraintdef(k.oid) AS def
      FROM pg_constraint k
     WHERE k.contype = 'f' AND k.connamespace = 'public'::regnamespace;
    FOR r IN SELECT * FROM ct_fks LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.t, r.conname);
    END LOOP;

    FOR r IN SELECT d.relname FROM ct_distribution d
              WHERE d.kind = 'reference'
                AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p
                                 WHERE p.logicalrelid = d.relname::regclass)
              ORDER BY d.relname LOOP
        PERFORM create_reference_table(r.relname::regclass);
        PERFORM truncate_local_data_after_distributing_table(r.relname::regclass);
    END LOOP;
    -- contacts first: the others are co-located with it.
    FOR r IN SELECT d.relname FROM ct_distribution d
              WHERE d.kind = 'distributed'
                AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p
                                 WHERE p.logicalrelid = d.relname::regclass)
              ORDER BY d.relname <> 'contacts', d.relname LOOP
        IF r.relname = 'contacts' THEN
            PERFORM create_distributed_table('contacts', 'org_id');
        ELSE
            PERFORM create_distributed_table(r.relname::regclass, 'org_id',
                                             colocate_with => 'contacts');
        END IF;
        PERFORM truncate_local_data_after_distributing_table(r.relname::regclass);
    END LOOP;

    FOR r IN SELECT * FROM ct_fks LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', r.t, r.conname, r.def);
    END LOOP;
END
$$;
