-- 18_csv_export.sql: ct_calls_csv's two cursors, the export's first
-- 2,000 rows ("calls_csv") and the rest ("calls_csv_rest"), read one after
-- the other as dashboard-calls reads them, against a plain query of the
-- same calls: every order and direction, with ties on the order's key
-- across the boundary (ten calls a minute), NULL durations and costs, a
-- filter, caps below and above the boundary, and a revoked token.
BEGIN;
SELECT plan(14);

INSERT INTO orgs (id, name, timezone) VALUES
    ('00000000-0000-0000-0000-0000000018a1', 'Export A', 'UTC'),
    ('00000000-0000-0000-0000-0000000018b2', 'Export B', 'UTC');
INSERT INTO api_tokens (org_id, token_hash, role, revoked_at) VALUES
    ('00000000-0000-0000-0000-0000000018a1', repeat('8a', 32), 'viewer', NULL),
    ('00000000-0000-0000-0000-0000000018a1', repeat('8c', 32), 'viewer', now());
INSERT INTO contacts (org_id, phone, name, name_source)
SELECT '00000000-0000-0000-0000-0000000018a1', '+1415555' || lpad(i::text, 4, '0'),
       'Caller ' || i, 'manual'
  FROM generate_series(1, 300) i;
-- 3,000 calls of A, ten to a minute; every fourth failed, every 13th
-- without a duration, every 11th without a cost; B's calls beside them.
INSERT INTO calls (org_id, provider, provider_call_id, status, started_at, duration_seconds, cost,
                   phone_number, contact_id)
SELECT o, 'vapi', 'export-' || i, CASE WHEN i % 4 = 0 THEN 'failed' ELSE 'completed' END,
       timestamptz '2026-03-01 12:00:00+00' - make_interval(mins => i / 10),
       CASE WHEN i % 13 <> 0 THEN i % 50 END, CASE WHEN i % 11 <> 0 THEN (i % 37) * 0.01 END,
       '+1415555' || lpad((i % 300 + 1)::text, 4, '0'),
       (SELECT k.id FROM contacts k WHERE k.org_id = o
           AND k.phone = '+1415555' || lpad((i % 300 + 1)::text, 4, '0'))
  FROM generate_series(1, 3000) i,
       unnest(ARRAY['00000000-0000-0000-0000-0000000018a1',
                    '00000000-0000-0000-0000-0000000018b2']::uuid[]) o;

-- The export's ids, both cursors read to their ends in turn; n_head is
-- the first cursor's share.
CREATE FUNCTION pg_temp.export(p_token text, p_sort text, p_desc boolean, p_cap int,
    p_status text[], OUT ids text[], OUT n_head int)
    LANGUAGE plpgsql AS $$
DECLARE
    c refcursor;
    r refcursor := 'calls_csv_rest';
    row record;
BEGIN
    ids := '{}';
    c := ct_calls_csv(p_token, NULL, NULL, p_status, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                      NULL, NULL, true, p_sort, p_desc, p_cap);
    LOOP
        FETCH c INTO row;
        EXIT WHEN NOT FOUND;
        ids := ids || row.id;
    END LOOP;
    n_head := cardinality(ids);
    LOOP
        FETCH r INTO row;
        EXIT WHEN NOT FOUND;
        ids := ids || row.id;
    END LOOP;
    CLOSE c;
    CLOSE r;
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.export(text, text, boolean, int, text[]) TO PUBLIC;
-- The same calls by a plain query, as the owner.
CREATE FUNCTION pg_temp.naive(p_sort text, p_desc boolean, p_cap int, p_status text[])
RETURNS text[] LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_key text := CASE p_sort WHEN 'started_at' THEN 'call_at'
                              WHEN 'duration' THEN 'COALESCE(duration_seconds, -1)'
                              WHEN 'cost' THEN 'COALESCE(cost, -1)' END;
    v_dir text := CASE WHEN p_desc THEN 'DESC' ELSE 'ASC' END;
    r text[];
BEGIN
    EXECUTE format('SELECT COALESCE(array_agg(id::text), ''{}'') FROM (SELECT id FROM calls'
                   ' WHERE org_id = ''00000000-0000-0000-0000-0000000018a1'''
                   ' AND ($2::text[] IS NULL OR status = ANY ($2))'
                   ' ORDER BY %s %s, id %s LIMIT $1) x', v_key, v_dir, v_dir)
       INTO r USING p_cap, p_status;
    RETURN r;
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.naive(text, boolean, int, text[]) TO PUBLIC;

SET LOCAL ROLE calltrack_dashboard;
SELECT is((pg_temp.export(repeat('8a', 32), 'started_at', true, 1000000, NULL)).ids,
          pg_temp.naive('started_at', true, 1000000, NULL),
          'newest first: every call once, in the order, ties across the boundary kept');
SELECT is((pg_temp.export(repeat('8a', 32), 'started_at', true, 1000000, NULL)).n_head, 2000,
          'the first cursor holds the first 2,000 rows, the second the rest');
SELECT is((pg_temp.export(repeat('8a', 32), 'started_at', false, 1000000, NULL)).ids,
          pg_temp.naive('started_at', false, 1000000, NULL), 'oldest first');
SELECT is((pg_temp.export(repeat('8a', 32), 'duration', true, 1000000, NULL)).ids,
          pg_temp.naive('duration', true, 1000000, NULL), 'longest first, no duration last');
SELECT is((pg_temp.export(repeat('8a', 32), 'duration', false, 1000000, NULL)).ids,
          pg_temp.naive('duration', false, 1000000, NULL), 'shortest first, no duration first');
SELECT is((pg_temp.export(repeat('8a', 32), 'cost', true, 1000000, NULL)).ids,
          pg_temp.naive('cost', true, 1000000, NULL), 'dearest first');
SELECT is((pg_temp.export(repeat('8a', 32), 'cost', false, 1000000, NULL)).ids,
          pg_temp.naive('cost', false, 1000000, NULL), 'cheapest first');
SELECT is(cardinality((pg_temp.export(repeat('8a', 32), 'started_at', true, 1000000, NULL)).ids), 3000,
          'A''s 3,000 calls, none of B''s');
SELECT is((pg_temp.export(repeat('8a', 32), 'started_at', true, 2100, NULL)).ids,
          pg_temp.naive('started_at', true, 2100, NULL), 'a cap past the boundary: the first 2,100');
SELECT is((pg_temp.export(repeat('8a', 32), 'started_at', true, 1500, NULL)).ids,
          pg_temp.naive('started_at', true, 1500, NULL), 'a cap before it: the first 1,500');
SELECT is((pg_temp.export(repeat('8a', 32), 'duration', true, 1000000, '{completed}')).ids,
          pg_temp.naive('duration', true, 1000000, '{completed}'),
          'a filter that passes more than the first cursor holds (2,250 calls)');
SELECT is((pg_temp.export(repeat('8a', 32), 'started_at', true, 1000000, '{failed}')).ids,
          pg_temp.naive('started_at', true, 1000000, '{failed}'),
          'a filter that passes fewer (750): the second cursor is empty');
SELECT is(cardinality((pg_temp.export(repeat('8c', 32), 'started_at', true, 1000000, NULL)).ids), 0,
          'a revoked token: both cursors empty');
RESET ROLE;
-- Both cursors and the boundary between them read one snapshot, that of
-- the statement calling the function, which a STABLE function's queries
-- share (a VOLATILE one takes a new snapshot for each): a call whose
-- time changes between them is neither in both nor in neither.
SELECT is((SELECT provolatile FROM pg_proc WHERE proname = 'ct_calls_csv'), 's',
          'ct_calls_csv is STABLE: its cursors share one snapshot');

SELECT * FROM finish();
ROLLBACK;
