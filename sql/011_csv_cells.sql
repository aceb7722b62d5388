-- 011_csv_cells.sql: CSV cells a spreadsheet cannot run.
--
-- Excel, LibreOffice and Google Sheets read a cell that starts with =, +,
-- -, @, a tab or a carriage return as a formula, and a caller chooses some
-- of what the export holds (Twilio's CallerName, a Vapi customer name):
-- "=HYPERLINK(...)" would run in the office that opens the file.  As
-- OWASP's "CSV Injection" page says, such a cell gets a single quote in
-- front (the spreadsheet shows the text, quote hidden) and is quoted.  A
-- cell that is only a number or a phone number (42, -3.5, +15551234567)
-- is no formula and stays as it is, so that numbers stay numbers.
-- Otherwise RFC 4180, as before: a field in quotes when it holds a comma,
-- quote, CR or LF, quotes doubled.
CREATE OR REPLACE FUNCTION ct_csv(v text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN v IS NULL THEN ''
                      WHEN v ~ '^[-=+@\t\r]' AND v !~ '^[-+]?[0-9]+(\.[0-9]+)?$'
                          THEN '"''' || replace(v, '"', '""') || '"'
                      WHEN v ~ '[",\r\n]' THEN '"' || replace(v, '"', '""') || '"'
                      ELSE v END $$;
