-- 06_dashboard.sql: what the dashboard reads.  Every function pins the
-- org for its transaction (row-level security) and filters by it in its
-- own WHERE clause as well.
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.
--
-- The view is made anew each time (c.* is expanded when a view is made,
-- so a column added to calls reaches it only so); what takes its row type
-- follows it in this file.

-- Calls with the caller's name resolved live from the contact: the contact
-- name, else the phone number, else 'Unknown'.  Every dashboard read of
-- calls goes through this view; security_invoker keeps RLS in force.
DROP VIEW IF EXISTS calls_with_caller_names CASCADE;
CREATE VIEW calls_with_caller_names WITH (security_invoker = true) AS
SELECT c.*,
       COALESCE(ct.name, c.phone_number, 'Unknown') AS resolved_caller_name,
       CASE WHEN ct.name IS NOT NULL THEN 'contact'
            WHEN c.phone_number IS NOT NULL THEN 'phone'
            ELSE 'unknown' END AS name_source,
       ct.email AS contact_email,
       ct.lead_status AS contact_lead_status,
       ct.lead_score AS contact_lead_score
  FROM calls c
  LEFT JOIN contacts ct ON ct.org_id = c.org_id AND ct.id = c.contact_id;

GRANT SELECT ON calls_with_caller_names TO calltrack_app, calltrack_dashboard;

-- A time as the API writes it: UTC, milliseconds, "Z".
CREATE OR REPLACE FUNCTION ct_iso(t timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

-- The start of a range bound: a date is midnight of that day in tz, a
-- date-time is itself.
CREATE OR REPLACE FUNCTION ct_bound(p text, p_tz text) RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN length(p) = 10 THEN p::date::timestamp AT TIME ZONE p_tz
                      ELSE p::timestamptz END $$;

-- One call as the list shows it (docs/API.md "GET /api/calls").
CREATE OR REPLACE FUNCTION ct_call_summary(v calls_with_caller_names) RETURNS json
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT json_build_object(
        'id', v.id, 'provider', v.provider, 'provider_call_id', v.provider_call_id,
        'direction', v.direction, 'status', v.status, 'status_source', v.status_source,
        'ended_reason', v.ended_reason, 'end_call_reason', v.end_call_reason,
        'caller_name', v.resolved_caller_name, 'name_source', v.name_source,
        'phone_number', v.phone_number, 'agent_number', v.agent_number,
        'contact_id', v.contact_id, 'lead_status', v.contact_lead_status,
        'lead_score', v.lead_score,
        'started_at', ct_iso(v.started_at), 'ended_at', ct_iso(v.ended_at),
        'call_at', ct_iso(v.call_at), 'duration_seconds', v.duration_seconds,
        'cost', v.cost, 'sentiment', v.sentiment, 'summary', v.summary,
        'booking_status', v.booking_status, 'is_test_call', v.is_test_call,
        'recording_url', v.recording_url,
        'agent', CASE WHEN v.agent_id IS NOT NULL THEN json_build_object(
                     'id', v.agent_id, 'name', v.agent_name, 'version', v.agent_version) END,
        'success', v.success, 'cost_breakdown', v.cost_breakdown)
$$;

-- ct_calls_where of 005: a search's digits and words look up the calls'
-- contacts (ct_search_where, 04_search.sql).
CREATE OR REPLACE FUNCTION ct_calls_where(p_digits text, p_words text[], p_status text[],
    p_direction text[], p_booking text[], p_sentiment text[], p_lead_status text[],
    p_end_reason text[], p_from text, p_to text, p_min_dur int, p_max_dur int,
    p_include_test boolean, p_agent text[] DEFAULT NULL, p_success boolean DEFAULT NULL,
    p_analysis text[] DEFAULT NULL, p_at int DEFAULT 14)
RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE
    w text := 'v.org_id = $1';
BEGIN
    IF NOT p_include_test THEN w := w || ' AND NOT v.is_test_call'; END IF;
    IF p_digits IS NOT NULL OR p_words IS NOT NULL THEN
        -- The digits and the words, of the call's contact: a call's
        -- number is its contact's (one contact per number).
        w := w || ct_search_where(p_digits, p_words, 'v.contact_id');
    END IF;
    IF p_status IS NOT NULL THEN w := w || ' AND v.status = ANY ($4)'; END IF;
    IF p_direction IS NOT NULL THEN w := w || ' AND v.direction = ANY ($5)'; END IF;
    IF p_booking IS NOT NULL THEN w := w || ' AND v.booking_status = ANY ($6)'; END IF;
    IF p_sentiment IS NOT NULL THEN
        w := w || ' AND (v.sentiment = ANY ($7) OR (v.sentiment IS NULL AND ''unknown'' = ANY ($7)))';
    END IF;
    IF p_lead_status IS NOT NULL THEN w := w || ' AND v.contact_lead_status = ANY ($8)'; END IF;
    IF p_end_reason IS NOT NULL THEN w := w || ' AND v.end_call_reason = ANY ($9)'; END IF;
    IF p_from IS NOT NULL THEN w := w || ' AND v.call_at >= $10'; END IF;
    IF p_to IS NOT NULL THEN w := w || ' AND v.call_at < $11'; END IF;
    IF p_min_dur IS NOT NULL THEN w := w || ' AND v.duration_seconds >= $12'; END IF;
    IF p_max_dur IS NOT NULL THEN w := w || ' AND v.duration_seconds <= $13'; END IF;
    -- Agent, success and analysis, over $p_at on (sql/functions/13_agents.sql).
    w := w || ct_calls_where_agents(p_agent, p_success, p_analysis, p_at);
    RETURN w;
END
$$;

-- The sort expression for an allow-listed sort name.
CREATE OR REPLACE FUNCTION ct_calls_sort_expr(p_sort text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE p_sort
        WHEN 'started_at' THEN 'v.call_at'
        WHEN 'duration' THEN 'COALESCE(v.duration_seconds, -1)'
        WHEN 'cost' THEN 'COALESCE(v.cost, -1)'
    END
$$;

-- The list's total.  From the rollup when every filter is one it keeps
-- (status, end reason and direction, the range in whole days of the org's
-- zone, and at most one of sentiment and booking), else counted from
-- calls.  A search (q) can match a large part of an org, and counting
-- every match would cost what the page itself does not: it is counted up
-- to 1,001 matches, and the program reports more than 1,000 as 1,000 with
-- "total_capped": true (lib/read/dashboard.c).
CREATE OR REPLACE FUNCTION ct_calls_total(p_org uuid, p_where text, p_digits text, p_words text[],
    p_status text[], p_direction text[], p_booking text[], p_sentiment text[],
    p_lead_status text[], p_end_reason text[], p_from timestamptz, p_to timestamptz,
    p_min_dur int, p_max_dur int, p_include_test boolean, p_tz text, p_rollup boolean,
    p_agent text[] DEFAULT NULL, p_success boolean DEFAULT NULL, p_analysis text[] DEFAULT NULL)
RETURNS bigint
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_total bigint;
BEGIN
    IF p_rollup AND p_digits IS NULL AND p_words IS NULL AND p_lead_status IS NULL
       AND p_min_dur IS NULL AND p_max_dur IS NULL
       AND (p_booking IS NULL OR p_sentiment IS NULL)
       AND p_success IS NULL AND p_analysis IS NULL
       AND ct_is_midnight(p_from, p_tz) AND ct_is_midnight(p_to, p_tz) THEN
        SELECT COALESCE(sum(CASE
                   WHEN p_sentiment IS NOT NULL THEN
                       CASE WHEN 'positive' = ANY (p_sentiment) THEN c.s_pos ELSE 0 END
                       + CASE WHEN 'neutral' = ANY (p_sentiment) THEN c.s_neu ELSE 0 END
                       + CASE WHEN 'negative' = ANY (p_sentiment) THEN c.s_neg ELSE 0 END
                       + CASE WHEN 'unknown' = ANY (p_sentiment)
                              THEN c.calls - c.s_pos - c.s_neu - c.s_neg ELSE 0 END
                   WHEN p_booking IS NOT NULL THEN
                       CASE WHEN 'confirmed' = ANY (p_booking) THEN c.b_conf ELSE 0 END
                       + CASE WHEN 'attempted_failed' = ANY (p_booking) THEN c.b_fail ELSE 0 END
                       + CASE WHEN 'not_requested' = ANY (p_booking)
                              THEN c.calls - c.b_conf - c.b_fail ELSE 0 END
                   ELSE c.calls END), 0)
          INTO v_total
          FROM (SELECT r.status, r.end_reason, r.direction, r.agent_id, r.calls, r.s_pos,
                       r.s_neu, r.s_neg, r.b_conf, r.b_fail
                  FROM ct_rolled_rows(p_org, (p_from AT TIME ZONE p_tz)::date,
                                      ((p_to AT TIME ZONE p_tz)::date - 1), p_include_test) r
                 WHERE p_from IS NOT NULL OR p_to IS NOT NULL
                UNION ALL
                -- No range: every day, from the org's total.
                SELECT a.status, a.end_reason, a.direction, a.agent_id, a.calls, a.s_pos,
                       a.s_neu, a.s_neg, a.b_conf, a.b_fail
                  FROM ct_counts_all(p_org, p_include_test) a
                 WHERE p_from IS NULL AND p_to IS NULL) c
         WHERE (p_status IS NULL OR c.status = ANY (p_status))
           AND (p_end_reason IS NULL OR c.end_reason = ANY (p_end_reason))
           AND (p_direction IS NULL OR c.direction = ANY (p_direction))
           AND (p_agent IS NULL OR c.agent_id = ANY (p_agent));
        RETURN v_total;
    END IF;
    -- The total reads calls alone (an index-only scan of the covering
    -- index) unless a filter needs the contact; a search stops at 1,001.
    EXECUTE 'SELECT count(*) FROM (SELECT 1 FROM '
            || CASE WHEN p_lead_status IS NULL THEN 'calls' ELSE 'calls_with_caller_names' END
            || ' v WHERE ' || p_where
            || CASE WHEN p_digits IS NULL AND p_words IS NULL THEN '' ELSE ' LIMIT 1001' END
            || ') x'
       INTO v_total
       USING p_org, p_digits, p_words, p_status, p_direction, p_booking, p_sentiment,
             p_lead_status, p_end_reason, p_from, p_to, p_min_dur, p_max_dur,
             p_agent, p_success, p_analysis;
    RETURN v_total;
END
$$;

GRANT EXECUTE ON FUNCTION ct_calls_total(uuid, text, text, text[], text[], text[], text[], text[], text[], text[],
    timestamptz, timestamptz, int, int, boolean, text, boolean, text[], boolean, text[]) TO calltrack_app;

-- One page of calls (006).
CREATE OR REPLACE FUNCTION ct_calls_page(p_token_hash text, p_digits text, p_words text[], p_status text[],
    p_direction text[], p_booking text[], p_sentiment text[], p_lead_status text[],
    p_end_reason text[], p_from text, p_to text, p_min_dur int, p_max_dur int,
    p_include_test boolean, p_sort text, p_desc boolean, p_limit int, p_offset int,
    p_after_value text, p_after_id uuid, p_agent text[] DEFAULT NULL,
    p_success boolean DEFAULT NULL, p_analysis text[] DEFAULT NULL)
RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid;
    v_tz text;
    v_from timestamptz;
    v_to timestamptz;
    v_where text;
    v_sort text := ct_calls_sort_expr(p_sort);
    v_dir text := CASE WHEN p_desc THEN 'DESC' ELSE 'ASC' END;
    v_cmp text := CASE WHEN p_desc THEN '<' ELSE '>' END;
    v_total bigint;
    v_rows json;
    v_next text;
    v_from_calls text;
    v_contacts uuid[];
BEGIN
    IF v_sort IS NULL OR p_limit NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'invalid sort or limit' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The org of a live token, pinned for this transaction (ct_pin_token);
    -- a revoked or unknown token sees nothing.
    v_org := ct_pin_token(p_token_hash);
    IF v_org IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT o.timezone INTO v_tz FROM orgs o WHERE o.id = v_org;
    v_from := ct_bound(p_from, v_tz);
    v_to := ct_bound(p_to, v_tz);
    IF v_from >= v_to THEN
        RETURN json_build_object('error', 'from');
    END IF;
    -- A search by words is counted from its contacts: each once, then
    -- each one's calls that pass the other filters, up to 1,001.  Fewer,
    -- and the page reads those calls too, from their contacts; reading
    -- the org's newest calls for them instead could pass over every call
    -- of the org before it found none.  More, and they are common enough
    -- that the newest calls meet 25 of them soon.
    IF p_words IS NOT NULL THEN
        -- Two words or more (a name and a surname, most often, each of
        -- them common and both together rare): their contacts first, in
        -- one statement that reads each word's range of the ends once
        -- and joins them, and then the count and the page take those
        -- contacts as a list ($17 and $21).  The page's walk of the
        -- newest calls then asks a hash of them of each call, where it
        -- would ask the index of the ends once for each word and call,
        -- and pass over a hundred calls for each one it keeps.  Past
        -- 20,000 contacts the words are common together too, and the
        -- page asks the index as a one-word search does.  Words of one
        -- or two letters alone ("a o") begin the ends of most names: the
        -- join would read most of the index, so they are asked as before.
        IF cardinality(p_words) > 1
           AND (SELECT max(length(ct_fold(ct_like_unescape(w)))) FROM unnest(p_words) w) >= 3 THEN
            EXECUTE format('SELECT COALESCE(array_agg(x.contact_id), ''{}'')'
                           ' FROM (SELECT DISTINCT s.contact_id %s LIMIT 20001) x',
                           ct_search_words(p_words))
               INTO v_contacts
               USING v_org, p_digits, p_words;
            IF cardinality(v_contacts) > 20000 THEN
                v_contacts := NULL;
            END IF;
        END IF;
        -- The contacts, then each one's calls that pass the filters; with
        -- OFFSET 0 neither is pulled up into the outer statement, so the
        -- planner cannot turn it back into a walk of the calls.  %1$s is
        -- where the contacts' list is, when there is one.
        v_from_calls := format('(SELECT %s OFFSET 0) m, LATERAL (SELECT v.* FROM %s v'
                               ' WHERE v.contact_id = m.contact_id AND %%2$s OFFSET 0)',
                               CASE WHEN v_contacts IS NULL
                                    THEN 's.contact_id ' || ct_search_words(p_words, true)
                                    ELSE 'unnest($%1$s::uuid[]) AS contact_id' END,
                               CASE WHEN p_lead_status IS NULL THEN 'calls'
                                    ELSE 'calls_with_caller_names' END);
        EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %s v LIMIT 1001) x',
                       format(v_from_calls, 17,
                              ct_calls_where(p_digits, NULL, p_status, p_direction, p_booking,
                                             p_sentiment, p_lead_status, p_end_reason, p_from,
                                             p_to, p_min_dur, p_max_dur, p_include_test, p_agent,
                                             p_success, p_analysis, 14)))
           INTO v_total
           USING v_org, p_digits, p_words, p_status, p_direction, p_booking, p_sentiment,
                 p_lead_status, p_end_reason, v_from, v_to, p_min_dur, p_max_dur,
                 p_agent, p_success, p_analysis, v_contacts;
        IF v_total > 1000 THEN
            v_from_calls := NULL;
        END IF;
    ELSE
        -- The total's statement has its own placeholders: agent on from $14.
        v_where := ct_calls_where(p_digits, p_words, p_status, p_direction, p_booking,
                                  p_sentiment, p_lead_status, p_end_reason, p_from, p_to,
                                  p_min_dur, p_max_dur, p_include_test, p_agent, p_success,
                                  p_analysis, 14);
        v_total := ct_calls_total(v_org, v_where, p_digits, p_words, p_status, p_direction,
                                  p_booking, p_sentiment, p_lead_status, p_end_reason, v_from,
                                  v_to, p_min_dur, p_max_dur, p_include_test, v_tz, true,
                                  p_agent, p_success, p_analysis);
    END IF;
    v_where := ct_calls_where(p_digits,
                              CASE WHEN v_from_calls IS NULL AND v_contacts IS NULL THEN p_words END,
                              p_status, p_direction, p_booking,
                              p_sentiment, p_lead_status, p_end_reason, p_from, p_to,
                              p_min_dur, p_max_dur, p_include_test, p_agent, p_success,
                              p_analysis, 18)
               || CASE WHEN v_from_calls IS NULL AND v_contacts IS NOT NULL
                       THEN ' AND v.contact_id = ANY ($21)' ELSE '' END;
    v_from_calls := format(v_from_calls, 21, v_where);
    -- The page's ids first, from calls alone (an index-only scan of the
    -- covering index when the filters allow it), then the rows in full.
    EXECUTE format(
        'WITH ids AS (SELECT v.id, %1$s AS sort_value FROM %7$s v WHERE %2$s %3$s'
        ' ORDER BY %1$s %4$s, v.id %4$s LIMIT $16 OFFSET $17),'
        ' page AS (SELECT w AS v, ids.sort_value FROM ids'
        '   JOIN calls_with_caller_names w ON w.org_id = $1 AND w.id = ids.id)'
        ' SELECT COALESCE(json_agg(ct_call_summary(v) ORDER BY sort_value %4$s, (v).id %4$s), ''[]''),'
        ' (SELECT CASE WHEN count(*) = $16 THEN'
        '   (SELECT %6$s || ''|'' || (p.v).id FROM page p'
        '     ORDER BY p.sort_value %5$s, (p.v).id %5$s LIMIT 1) END FROM page)'
        ' FROM page',
        v_sort, v_where,
        CASE WHEN p_after_id IS NOT NULL
             THEN format('AND (%s, v.id) %s ($14::%s, $15)', v_sort, v_cmp,
                         CASE p_sort WHEN 'started_at' THEN 'timestamptz'
                                     WHEN 'duration' THEN 'int' ELSE 'numeric' END)
             ELSE '' END,
        v_dir, CASE WHEN p_desc THEN 'ASC' ELSE 'DESC' END,
        CASE WHEN p_sort = 'started_at'
             THEN 'to_char(p.sort_value AT TIME ZONE ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.US"Z"'')'
             ELSE 'p.sort_value::text' END,
        COALESCE(v_from_calls,
                 CASE WHEN p_lead_status IS NULL THEN 'calls' ELSE 'calls_with_caller_names' END))
       INTO v_rows, v_next
       USING v_org, p_digits, p_words, p_status, p_direction, p_booking, p_sentiment,
             p_lead_status, p_end_reason, v_from, v_to, p_min_dur, p_max_dur,
             p_after_value, p_after_id, p_limit, COALESCE(p_offset, 0),
             p_agent, p_success, p_analysis, v_contacts;
    RETURN json_build_object('calls', v_rows, 'total', v_total, 'next', v_next);
END
$$;

-- True when [p_from, p_to) is empty or reversed in the org's zone (005).
CREATE OR REPLACE FUNCTION ct_range_reversed(p_token_hash text, p_from text, p_to text) RETURNS boolean
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid;
    v_tz text;
BEGIN
    -- The org of a live token, pinned for this transaction (ct_pin_token);
    -- a revoked or unknown token sees nothing.
    v_org := ct_pin_token(p_token_hash);
    IF v_org IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT o.timezone INTO v_tz FROM orgs o WHERE o.id = v_org;
    RETURN ct_bound(p_from, v_tz) >= ct_bound(p_to, v_tz);
END
$$;

-- One CSV cell.  Excel, LibreOffice and Google Sheets read a cell that
-- starts with =, +, -, @, a tab or a carriage return as a formula, and a
-- caller chooses some of what the export holds (Twilio's CallerName, a Vapi customer name):
-- "=HYPERLINK(...)" would run in the office that opens the file.  As
-- OWASP's "CSV Injection" page says, such a cell gets a single quote in
-- front (the spreadsheet shows the text, quote hidden) and is quoted.  A
-- cell that is only a number or a phone number (42, -3.5, +15551234567)
-- is no formula and stays as it is, so that numbers stay numbers.
-- Otherwise RFC 4180: a field in quotes when it holds a comma,
-- quote, CR or LF, quotes doubled.
CREATE OR REPLACE FUNCTION ct_csv(v text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN v IS NULL THEN ''
                      WHEN v ~ '^[-=+@\t\r]' AND v !~ '^[-+]?[0-9]+(\.[0-9]+)?$'
                          THEN '"''' || replace(v, '"', '""') || '"'
                      WHEN v ~ '[",\r\n]' THEN '"' || replace(v, '"', '""') || '"'
                      ELSE v END $$;

-- The settings of a CSV export's transaction (ct_calls_csv below), set
-- before its first cursor is planned and again before the rest (p_rest):
-- a function of its own, as a STABLE one may not SET.
CREATE OR REPLACE FUNCTION ct_calls_csv_plan(p_rest boolean) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    SET LOCAL jit = off;
    IF p_rest THEN
        SET LOCAL cursor_tuple_fraction = 1;
        -- Enough for the hash of a large org's contacts in one batch,
        -- and fewer runs for the sort to merge (32 MB: 4.4 s to 4.0 s at
        -- the bench's big org).
        SET LOCAL work_mem = '32MB';
    END IF;
END
$$;

-- Every matching call for the CSV export, newest first, at most p_cap
-- rows, in two cursors over the calls' sixteen columns as text, in the
-- export's order (the header row of lib/read/dashboard.c): "calls_csv"
-- holds the first 2,000 (the program's first fetch, CT_DB_FETCH_ROWS) and
-- "calls_csv_rest" the ones after them.  The caller reads one, then the
-- other, in the same transaction, a batch at a time (dashboard-calls:
-- ct_db_stream_cursor), so the rows go out as the database makes them: a
-- function that returned them would make them all first.  The cells are
-- made by the caller (ct_csv_cell, lib/read/csv.c, as ct_csv above).
-- Returns the first cursor's name.  A revoked or unknown token opens two
-- cursors of no rows.
--
-- Two cursors, because the first rows and all of them want different
-- plans.  A cursor is planned for its first tenth (cursor_tuple_fraction)
-- and that is the list's own plan, the order's index and each call's
-- contact looked up by its key: rows at once, but a million lookups for
-- a million calls (6 s at the bench's big org, make bench).  Planned to
-- be read whole, the rest is the calls joined to a hash of the org's
-- contacts and sorted (4 s), which would hold back the first row until
-- the sort was done.  The head comes from the first plan and the rest,
-- the rows after its last one, from the second.  JIT is off for both: it
-- compiles a plan's expressions before the first row (170 ms there) and
-- did not win it back over a million rows.  The function is STABLE, so
-- both cursors and the boundary read one snapshot, that of the statement
-- that calls it: a call whose time changes meanwhile is in the export
-- once, where the snapshot has it.
CREATE OR REPLACE FUNCTION ct_calls_csv(p_token_hash text, p_digits text, p_words text[], p_status text[],
    p_direction text[], p_booking text[], p_sentiment text[], p_lead_status text[],
    p_end_reason text[], p_from text, p_to text, p_min_dur int, p_max_dur int,
    p_include_test boolean, p_sort text, p_desc boolean, p_cap int, p_agent text[] DEFAULT NULL,
    p_success boolean DEFAULT NULL, p_analysis text[] DEFAULT NULL)
RETURNS refcursor
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid;
    v_tz text;
    v_sort text := ct_calls_sort_expr(p_sort);
    v_dir text := CASE WHEN p_desc THEN 'DESC' ELSE 'ASC' END;
    v_cmp text := CASE WHEN p_desc THEN '<' ELSE '>' END;
    v_head int := LEAST(GREATEST(p_cap, 0), 2000);
    v_where text;
    v_select text;
    v_order text;
    c refcursor := 'calls_csv';
    c_rest refcursor := 'calls_csv_rest';
BEGIN
    IF v_sort IS NULL THEN
        RAISE EXCEPTION 'invalid sort' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The org of a live token, pinned for this transaction (ct_pin_token);
    -- a revoked or unknown token sees nothing.
    v_org := ct_pin_token(p_token_hash);
    IF v_org IS NULL THEN
        OPEN c FOR SELECT WHERE false;
        OPEN c_rest FOR SELECT WHERE false;
        RETURN c;
    END IF;
    SELECT o.timezone INTO v_tz FROM orgs o WHERE o.id = v_org;
    PERFORM ct_calls_csv_plan(false);
    v_where := ct_calls_where(p_digits, p_words, p_status, p_direction, p_booking, p_sentiment,
                              p_lead_status, p_end_reason, p_from, p_to, p_min_dur, p_max_dur,
                              p_include_test, p_agent, p_success, p_analysis, 15);
    v_select := 'SELECT v.id::text, ct_iso(v.call_at), v.provider, v.direction, v.status,'
        ' v.resolved_caller_name, v.name_source, v.phone_number, v.duration_seconds::text,'
        ' v.cost::text, v.booking_status, v.sentiment, v.end_call_reason, v.ended_reason,'
        ' v.is_test_call::text, v.summary FROM calls_with_caller_names v WHERE ' || v_where;
    v_order := format(' ORDER BY %s %s, v.id %s', v_sort, v_dir, v_dir);
    -- $1 to $13 the filters, $14 the cap, $15 to $17 the agent, success
    -- and analysis filters, $18 the head's rows.
    OPEN c FOR EXECUTE v_select || v_order || ' LIMIT $18'
       USING v_org, p_digits, p_words, p_status, p_direction, p_booking, p_sentiment,
             p_lead_status, p_end_reason, ct_bound(p_from, v_tz), ct_bound(p_to, v_tz),
             p_min_dur, p_max_dur, p_cap, p_agent, p_success, p_analysis, v_head;
    -- The rest: the rows after the head's last one (its key and id, read
    -- once), none when the head is all there is.
    PERFORM ct_calls_csv_plan(true);
    OPEN c_rest FOR EXECUTE v_select || format(' AND (%1$s, v.id) %2$s (SELECT %1$s, v.id'
        ' FROM calls_with_caller_names v WHERE %3$s ORDER BY %1$s %4$s, v.id %4$s'
        ' OFFSET GREATEST($18 - 1, 0) LIMIT 1)', v_sort, v_cmp, v_where, v_dir)
        || v_order || ' LIMIT GREATEST($14 - $18, 0)'
       USING v_org, p_digits, p_words, p_status, p_direction, p_booking, p_sentiment,
             p_lead_status, p_end_reason, ct_bound(p_from, v_tz), ct_bound(p_to, v_tz),
             p_min_dur, p_max_dur, p_cap, p_agent, p_success, p_analysis, v_head;
    RETURN c;
END
$$;

-- One call in full, or NULL when the org has no such call (005).
-- The signed-in token's org and role (GET /api/me), so the page shows
-- what the role allows; NULL for a revoked or unknown token.
CREATE OR REPLACE FUNCTION ct_me(p_token_hash text) RETURNS json
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_org uuid;
    v_role text;
    v_label text;
BEGIN
    SELECT t.org_id, t.role, t.label INTO v_org, v_role, v_label FROM ct_token_auth(p_token_hash) t;
    IF v_org IS NULL OR ct_pin_token(p_token_hash) IS DISTINCT FROM v_org THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT json_build_object(
        'org', json_build_object('id', o.id, 'name', o.name, 'country', o.default_country,
                                 'timezone', o.timezone),
        'token', json_build_object('role', v_role, 'label', v_label))
      FROM orgs o WHERE o.id = v_org);
END
$$;

CREATE OR REPLACE FUNCTION ct_call_detail(p_token_hash text, p_id uuid) RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid;
    v calls_with_caller_names;
BEGIN
    -- The org of a live token, pinned for this transaction (ct_pin_token);
    -- a revoked or unknown token sees nothing.
    v_org := ct_pin_token(p_token_hash);
    IF v_org IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT * INTO v FROM calls_with_caller_names c WHERE c.org_id = v_org AND c.id = p_id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT (ct_call_summary(v)::jsonb || jsonb_build_object(
        'transcript', v.transcript,
        'metadata', v.metadata,
        'booking_evidence', v.booking_evidence,
        'transfer_destination', v.transfer_destination,
        'transferred', v.transferred,
        'analysis', v.analysis,
        'success_raw', v.success_raw,
        'lead_reasons', v.lead_reasons,
        'contact_email', v.contact_email,
        -- Every provider call of it, and the agent backend's session
        -- (sql/functions/15_legs.sql).
        'legs', ct_call_legs_json(v_org, v.id, v.provider, v.provider_call_id),
        'session', ct_call_session_json(v_org, v.id),
        'hot_lead_alert', (SELECT json_build_object('score', a.score, 'reasons', a.reasons,
                                   'created_at', ct_iso(a.created_at),
                                   'acknowledged_at', ct_iso(a.acknowledged_at))
                             FROM hot_lead_alerts a WHERE a.org_id = v_org AND a.call_id = v.id),
        'events', (SELECT COALESCE(json_agg(json_build_object(
                              'type', e.event_type, 'received_at', ct_iso(e.received_at),
                              'outcome', e.outcome, 'error', e.error)
                          ORDER BY e.received_at, e.id), '[]')
                     FROM call_events e WHERE e.org_id = v_org AND e.call_id = v.id)))::json);
END
$$;

-- The stats cards (006).
CREATE OR REPLACE FUNCTION ct_stats(p_token_hash text, p_from text, p_to text, p_tz text,
    p_include_test boolean, p_agent text[] DEFAULT NULL, p_group_by text DEFAULT NULL)
RETURNS json
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_org uuid;
    v_org_tz text;
    v_tz text;
    v_from timestamptz;
    v_to timestamptz;
    v_first date;
    v_last date;
    v_rolled boolean;
    r json;
BEGIN
    -- The org of a live token, pinned for this transaction (ct_pin_token);
    -- a revoked or unknown token sees nothing.
    v_org := ct_pin_token(p_token_hash);
    IF v_org IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT o.timezone INTO v_org_tz FROM orgs o WHERE o.id = v_org;
    v_tz := COALESCE(p_tz, v_org_tz);
    v_to := COALESCE(ct_bound(p_to, v_tz),
                     ((now() AT TIME ZONE v_tz)::date + 1)::timestamp AT TIME ZONE v_tz);
    v_from := COALESCE(ct_bound(p_from, v_tz),
                       ((v_to AT TIME ZONE v_tz)::date - 30)::timestamp AT TIME ZONE v_tz);
    IF v_from >= v_to THEN
        RETURN json_build_object('error', 'from');
    END IF;
    v_first := (v_from AT TIME ZONE v_tz)::date;
    v_last := ((v_to - interval '1 microsecond') AT TIME ZONE v_tz)::date;
    v_rolled := v_tz = v_org_tz AND ct_is_midnight(v_from, v_tz) AND ct_is_midnight(v_to, v_tz);
    WITH c AS MATERIALIZED (
        SELECT * FROM (
            -- The rollup's rows as they are: every reading of them below
            -- sums them (ct_rolled_rows).
            SELECT * FROM ct_rolled_rows(v_org, v_first, v_last, p_include_test) WHERE v_rolled
            UNION ALL
            SELECT * FROM ct_counts_live(v_org, v_from, v_to, v_tz, p_include_test) WHERE NOT v_rolled
        ) a WHERE p_agent IS NULL OR a.agent_id = ANY (p_agent)
    ), totals AS (
        SELECT COALESCE(sum(calls), 0) AS total,
               COALESCE(sum(calls) FILTER (WHERE status IN ('completed', 'in-progress')), 0) AS answered,
               sum(dur_sum) / NULLIF(sum(dur_n), 0) AS avg_dur,
               COALESCE(sum(cost_sum), 0) AS cost,
               COALESCE(sum(s_pos), 0) AS s_pos, COALESCE(sum(s_neu), 0) AS s_neu,
               COALESCE(sum(s_neg), 0) AS s_neg,
               COALESCE(sum(calls - s_pos - s_neu - s_neg), 0) AS s_unk,
               COALESCE(sum(b_conf), 0) AS b_conf, COALESCE(sum(b_fail), 0) AS b_fail,
               COALESCE(sum(calls - b_conf - b_fail), 0) AS b_none,
               COALESCE(sum(cp_transport), 0) AS cp_transport, COALESCE(sum(cp_stt), 0) AS cp_stt,
               COALESCE(sum(cp_llm), 0) AS cp_llm, COALESCE(sum(cp_tts), 0) AS cp_tts,
               COALESCE(sum(cp_platform), 0) AS cp_platform,
               COALESCE(sum(cp_other), 0) AS cp_other
          FROM c
    )
    SELECT json_build_object(
        'range', json_build_object('from', ct_iso(v_from), 'to', ct_iso(v_to), 'tz', v_tz),
        'total_calls', t.total,
        'answered_calls', t.answered,
        'answer_rate', CASE WHEN t.total > 0 THEN round(t.answered::numeric / t.total, 4) ELSE 0 END,
        'by_status', (SELECT json_object_agg(s, COALESCE(n, 0))
                        FROM unnest(ARRAY['queued', 'ringing', 'in-progress', 'completed', 'busy',
                                          'no-answer', 'failed', 'canceled', 'voicemail']) s
                        LEFT JOIN (SELECT status, sum(calls) AS n FROM c GROUP BY status) k
                          ON k.status = s),
        'avg_duration_seconds', COALESCE(round(t.avg_dur), 0),
        'total_cost', round(t.cost, 4),
        'sentiment', json_build_object('positive', t.s_pos, 'neutral', t.s_neu,
                                       'negative', t.s_neg, 'unknown', t.s_unk),
        'booking', json_build_object('confirmed', t.b_conf, 'attempted_failed', t.b_fail,
                                     'not_requested', t.b_none,
                                     'conversion_rate', CASE WHEN t.answered > 0
                                         THEN round(t.b_conf::numeric / t.answered, 4) ELSE 0 END),
        -- An alert is raised when its call's events arrive, never before
        -- the call starts: a day's margin for the providers' clocks keeps
        -- the scan to the range's alerts.
        'funnel', json_build_object('calls', t.total, 'answered', t.answered,
                                    'booking_attempted', t.b_conf + t.b_fail,
                                    'confirmed', t.b_conf),
        'cost_by_part', json_build_object('transport', round(t.cp_transport, 6),
                                          'stt', round(t.cp_stt, 6), 'llm', round(t.cp_llm, 6),
                                          'tts', round(t.cp_tts, 6),
                                          'platform', round(t.cp_platform, 6),
                                          'other', round(t.cp_other, 6)),
        -- group_by=agent: the same figures for each agent (at most 500),
        -- its latest name by one index probe each.
        'by_agent', CASE WHEN p_group_by = 'agent' THEN (
            SELECT COALESCE(json_agg(json_build_object(
                       'agent', json_build_object('id', g.agent_id,
                           'name', (SELECT k.agent_name FROM calls k
                                     WHERE k.org_id = v_org AND k.agent_id = g.agent_id
                                     ORDER BY k.call_at DESC, k.id DESC LIMIT 1)),
                       'calls', g.total, 'answered_calls', g.answered,
                       'booking', json_build_object('confirmed', g.b_conf,
                           'attempted_failed', g.b_fail, 'not_requested', g.total - g.b_conf - g.b_fail,
                           'conversion_rate', CASE WHEN g.answered > 0
                               THEN round(g.b_conf::numeric / g.answered, 4) ELSE 0 END),
                       'avg_duration_seconds', COALESCE(round(g.dur_sum / NULLIF(g.dur_n, 0)), 0),
                       'total_cost', round(g.cost, 4),
                       'success_rate', CASE WHEN g.succ_n > 0
                           THEN round(g.succ_true::numeric / g.succ_n, 4) ELSE 0 END)
                       ORDER BY g.total DESC, g.agent_id), '[]')
              FROM (SELECT agent_id, sum(calls) AS total,
                           COALESCE(sum(calls) FILTER (WHERE status IN ('completed', 'in-progress')), 0)
                               AS answered,
                           sum(b_conf) AS b_conf, sum(b_fail) AS b_fail, sum(dur_sum) AS dur_sum,
                           sum(dur_n) AS dur_n, sum(cost_sum) AS cost, sum(succ_n) AS succ_n,
                           sum(succ_true) AS succ_true
                      FROM c WHERE agent_id <> '' GROUP BY 1 HAVING sum(calls) > 0
                     ORDER BY 2 DESC, 1 LIMIT 500) g) END,
        -- The range's alerts, by their calls' times, test flags and
        -- agents, which each alert carries (035): one range of their
        -- index, where a probe of calls for each alert took most of the
        -- stats' time (make bench).
        'hot_leads', (SELECT count(*) FROM hot_lead_alerts a
                       WHERE a.org_id = v_org AND a.call_at >= v_from AND a.call_at < v_to
                         AND (p_include_test OR NOT a.is_test)
                         AND (p_agent IS NULL OR a.agent_id = ANY (p_agent))),
        'end_call_reasons', (SELECT COALESCE(json_agg(json_build_object('reason', reason, 'calls', n)
                                                      ORDER BY n DESC, reason), '[]')
                               FROM (SELECT end_reason AS reason, sum(calls) AS n FROM c
                                      WHERE end_reason <> '' GROUP BY 1 HAVING sum(calls) > 0) x),
        'daily', (SELECT json_agg(json_build_object('date', d::date, 'calls', COALESCE(x.calls, 0),
                                                    'answered', COALESCE(x.answered, 0),
                                                    'booked', COALESCE(x.booked, 0)) ORDER BY d)
                    FROM generate_series(v_first, v_last, interval '1 day') d
                    LEFT JOIN (SELECT day, sum(calls) AS calls,
                                      sum(calls) FILTER (WHERE status IN ('completed', 'in-progress')) AS answered,
                                      sum(b_conf) AS booked
                                 FROM c GROUP BY 1) x ON x.day = d::date),
        'recent_activity', (SELECT COALESCE(json_agg(a ORDER BY (a->>'at') DESC), '[]') FROM (
              -- The newest alerts first, by the same test of the
              -- alerts' own copies: the ten found, the scan stops.
              (SELECT json_build_object('type', 'hot_lead', 'at', ct_iso(h.created_at),
                                        'call_id', w.id, 'caller_name', w.resolved_caller_name,
                                        'phone_number', w.phone_number, 'score', h.score) AS a
                 FROM (SELECT x.org_id, x.call_id, x.created_at, x.score FROM hot_lead_alerts x
                        WHERE x.org_id = v_org AND x.created_at >= v_from - interval '1 day'
                          AND x.call_at >= v_from AND x.call_at < v_to
                          AND (p_include_test OR NOT x.is_test)
                          AND (p_agent IS NULL OR x.agent_id = ANY (p_agent))
                        ORDER BY x.created_at DESC LIMIT 10) h
                 JOIN calls_with_caller_names w ON w.org_id = h.org_id AND w.id = h.call_id
                ORDER BY h.created_at DESC LIMIT 10)
              UNION ALL
              (SELECT json_build_object('type', 'completed_call', 'at', ct_iso(w.call_at),
                                        'call_id', w.id, 'caller_name', w.resolved_caller_name,
                                        'phone_number', w.phone_number,
                                        'duration_seconds', w.duration_seconds)
                 FROM calls_with_caller_names w
                WHERE w.org_id = v_org AND w.call_at >= v_from AND w.call_at < v_to
                  AND (p_include_test OR NOT w.is_test_call) AND w.status = 'completed'
                  AND (p_agent IS NULL OR w.agent_id = ANY (p_agent))
                ORDER BY w.call_at DESC, w.id DESC LIMIT 10)) r
              (a)))
      INTO r
      FROM totals t;
    RETURN r;
END
$$;

GRANT EXECUTE ON FUNCTION ct_iso(timestamptz), ct_bound(text, text),
    ct_call_summary(calls_with_caller_names),
    ct_calls_where(text, text[], text[], text[], text[], text[], text[], text[], text, text,
                   int, int, boolean, text[], boolean, text[], int),
    ct_calls_sort_expr(text), ct_csv(text)
    TO calltrack_app;

REVOKE EXECUTE ON FUNCTION ct_pin_token(text), ct_token_auth(text), ct_me(text),
    ct_range_reversed(text, text, text),
    ct_calls_page(text, text, text[], text[], text[], text[], text[], text[], text[], text, text,
                  int, int, boolean, text, boolean, int, int, text, uuid, text[], boolean, text[]),
    ct_calls_csv(text, text, text[], text[], text[], text[], text[], text[], text[], text, text,
                 int, int, boolean, text, boolean, int, text[], boolean, text[]),
    ct_call_detail(text, uuid),
    ct_stats(text, text, text, text, boolean, text[], text)
    FROM PUBLIC, calltrack_app;

GRANT EXECUTE ON FUNCTION ct_pin_token(text), ct_token_auth(text), ct_me(text),
    ct_range_reversed(text, text, text),
    ct_calls_page(text, text, text[], text[], text[], text[], text[], text[], text[], text, text,
                  int, int, boolean, text, boolean, int, int, text, uuid, text[], boolean, text[]),
    ct_calls_csv(text, text, text[], text[], text[], text[], text[], text[], text[], text, text,
                 int, int, boolean, text, boolean, int, text[], boolean, text[]),
    ct_call_detail(text, uuid),
    ct_stats(text, text, text, text, boolean, text[], text),
    -- What those call, which PUBLIC may run too.
    ct_current_org(), ct_iso(timestamptz), ct_bound(text, text),
    ct_call_summary(calls_with_caller_names),
    ct_calls_where(text, text[], text[], text[], text[], text[], text[], text[], text, text,
                   int, int, boolean, text[], boolean, text[], int),
    ct_calls_sort_expr(text), ct_csv(text), ct_calls_csv_plan(boolean),
    ct_is_midnight(timestamptz, text),
    ct_calls_total(uuid, text, text, text[], text[], text[], text[], text[], text[], text[],
                   timestamptz, timestamptz, int, int, boolean, text, boolean, text[], boolean,
                   text[]),
    ct_counts_rolled(uuid, date, date, boolean), ct_rolled_rows(uuid, date, date, boolean),
    ct_counts_live(uuid, timestamptz, timestamptz, text, boolean),
    ct_fold(text), ct_name_suffixes(text), ct_phone_suffixes(text), ct_like_unescape(text),
    ct_search_where(text, text[], text), ct_search_words(text[], boolean),
    ct_search_word(text, int)
    TO calltrack_dashboard;