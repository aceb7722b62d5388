-- citus/shards.sql: the grants a Citus cluster's shards need and Citus
-- does not make.  tools/migrate runs it on a database with the citus
-- extension only, after sql/functions/ and citus/functions.sql, each time,
-- in a transaction of its own: it runs its statements on the workers over
-- connections of their own (run_command_on_placements), which must not
-- wait for the grants the definitions' transaction made there.
--
-- A role granted INSERT on some columns of a distributed table only (the
-- editors on contacts, the webhooks and the sender on notifications, the
-- sender on notification_attempts: sql/functions/08_security.sql) is
-- refused on the shard.  Citus 13.2.2 copies the column grants to the
-- shards, but sends an INSERT to a shard with every column named, the
-- defaults filled in, and a role without INSERT on those columns is
-- refused there.  So each such role gets INSERT on the table's shard
-- placements, and on them only: the statement a role sends is still
-- checked, column by column, against the distributed table itself, on the
-- node that plans it, before it reaches a shard (tests/citus/01_cluster.sql
-- shows an editor's INSERT and UPDATE of call_count refused).
--
-- A shard made later (a rebalance, a shard split) has none of these
-- grants until migrate runs again (INSTALL, "Beyond one machine").
DO $$
DECLARE
    r record;
    v_failed text;
BEGIN
    FOR r IN
        SELECT DISTINCT p.logicalrelid AS rel, pg_get_userbyid(x.grantee) AS role
          FROM pg_dist_partition p
          JOIN pg_attribute a ON a.attrelid = p.logicalrelid AND a.attnum > 0 AND NOT a.attisdropped
         CROSS JOIN LATERAL aclexplode(a.attacl) x
         WHERE x.privilege_type = 'INSERT' AND x.grantee <> 0
           AND NOT has_table_privilege(x.grantee, p.logicalrelid, 'INSERT')
         ORDER BY 1, 2
    LOOP
        SELECT string_agg(c.nodename || ':' || c.shardid || ': ' || c.result, '; ') INTO v_failed
          FROM run_command_on_placements(r.rel, format('GRANT INSERT ON %%s TO %I', r.role)) c
         WHERE NOT c.success;
        IF v_failed IS NOT NULL THEN
            RAISE EXCEPTION 'citus/shards.sql: INSERT on the shards of % to %: %', r.rel, r.role, v_failed;
        END IF;
    END LOOP;
END
$$;
