-- 11_notify_admin.sql: managing an org's notification destinations and
-- reading their deliveries (docs/API.md, "Notifications (admin)").
--
-- Two layers.  The functions that take an org (ct_notify_destinations,
-- ct_notify_add, ct_notify_set, ct_notify_remove, ct_notify_queue_test,
-- ct_notify_deliveries, ct_notify_retry) run as their caller, under the
-- policies: calltrack-admin calls them as the owner, by org; for any
-- other role they see nothing but the pinned org.  The functions that
-- take a token's hash (ct_notify_*_by_token) are dashboard-notify's:
-- each pins the org of a live admin token (ct_notify_admin_pin) and
-- calls the one above, in one statement and one transaction.  Neither
-- ever returns a secret: secret, secret_next and smtp_password are
-- written here and read by the sender alone.
--
-- Re-applied by every migrate, after the numbered migrations, in one
-- transaction with the other files of sql/functions/ (sql/README.md):
-- each function, view, trigger and policy is defined here and nowhere
-- else.  A change of signature or return type also needs a numbered
-- migration that drops the old one.

-- The org of a live token of role admin, pinned for this transaction
-- (ct_pin_token); NULL, and nothing pinned, for any other token.
CREATE OR REPLACE FUNCTION ct_notify_admin_pin(p_hash text) RETURNS uuid
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_org uuid;
    v_role text;
BEGIN
    SELECT t.org_id, t.role INTO v_org, v_role FROM ct_token_auth(p_hash) t;
    IF v_org IS NULL OR v_role IS DISTINCT FROM 'admin'
       OR ct_pin_token(p_hash) IS DISTINCT FROM v_org THEN
        RETURN NULL;
    END IF;
    RETURN v_org;
END
$$;

-- A destination's URL as it is shown: a Slack incoming-webhook URL is
-- itself the credential, so only its scheme, host, first segment and the
-- next one's first character are shown
-- (https://hooks.slack.com/services/T…/…); the others as stored (a
-- webhook's holds no user or password, an SMTP server's neither).
CREATE OR REPLACE FUNCTION ct_notify_target(p_kind text, p_url text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN p_kind = 'slack'
        THEN COALESCE(substring(p_url FROM '^[A-Za-z]+://[^/?#]+/(?:services/)?[^/?#]?'),
                      substring(p_url FROM '^[A-Za-z]+://[^/?#]+') || '/') || '…/…'
        ELSE p_url END
$$;

-- One destination as the API shows it: by its columns, none of them a
-- secret (the caller may not read those).
CREATE OR REPLACE FUNCTION ct_notify_destination_json(p_id uuid, p_kind text, p_url text,
    p_events text[], p_mail_to text[], p_mail_from text, p_smtp_user text, p_enabled boolean,
    p_created_at timestamptz)
RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT jsonb_build_object('id', p_id, 'kind', p_kind)
        || CASE WHEN p_kind = 'email'
                THEN jsonb_build_object('smtp_url', p_url, 'to', to_jsonb(p_mail_to),
                                        'from', p_mail_from, 'smtp_user', p_smtp_user)
                ELSE jsonb_build_object('url', ct_notify_target(p_kind, p_url)) END
        || jsonb_build_object('events', to_jsonb(p_events), 'enabled', p_enabled,
                              'created_at', ct_iso(p_created_at))
$$;

-- An org's destinations, oldest first: {"notifications": [...]}.
CREATE OR REPLACE FUNCTION ct_notify_destinations(p_org uuid) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT jsonb_build_object('notifications', COALESCE(jsonb_agg(
                   ct_notify_destination_json(d.id, d.kind, d.url, d.events, d.mail_to, d.mail_from,
                                              d.smtp_user, d.enabled, d.created_at)
                   ORDER BY d.created_at, d.id), '[]'))
          FROM notification_destinations d
         WHERE d.org_id = p_org);
END
$$;

-- The most destinations an org may have.
CREATE OR REPLACE FUNCTION ct_notify_destinations_max() RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 100 $$;

-- Adds a destination to p_org, as checked by the caller (lib/read/notify.c)
-- and by the table's constraints, and returns it as the API shows it;
-- {"error": "limit"} when the org has ct_notify_destinations_max()
-- already.  p_secret (a webhook's) and p_smtp_password are written, never
-- returned.
CREATE OR REPLACE FUNCTION ct_notify_add(p_org uuid, p_kind text, p_url text, p_events text[],
    p_secret text, p_mail_to text[], p_mail_from text, p_smtp_user text, p_smtp_password text)
RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v record;
BEGIN
    IF (SELECT count(*) FROM notification_destinations d WHERE d.org_id = p_org)
       >= ct_notify_destinations_max() THEN
        RETURN jsonb_build_object('error', 'limit');
    END IF;
    -- The row, then its JSON: Citus takes no function but an immutable
    -- one in the RETURNING of a statement that writes.
    INSERT INTO notification_destinations AS x (org_id, kind, url, events, secret, mail_to,
                                                mail_from, smtp_user, smtp_password)
    VALUES (p_org, p_kind, p_url, p_events, p_secret, p_mail_to, p_mail_from, p_smtp_user,
            p_smtp_password)
    RETURNING x.id, x.kind, x.url, x.events, x.mail_to, x.mail_from, x.smtp_user, x.enabled,
              x.created_at INTO v;
    RETURN ct_notify_destination_json(v.id, v.kind, v.url, v.events, v.mail_to, v.mail_from,
                                      v.smtp_user, v.enabled, v.created_at);
END
$$;

-- Changes a destination's events and whether it is enabled (a NULL leaves
-- either as it is); returns it, or NULL when p_org has no such one.
CREATE OR REPLACE FUNCTION ct_notify_set(p_org uuid, p_id uuid, p_events text[], p_enabled boolean)
RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v record;
BEGIN
    UPDATE notification_destinations x
       SET events = COALESCE(p_events, x.events), enabled = COALESCE(p_enabled, x.enabled)
     WHERE x.org_id = p_org AND x.id = p_id
    RETURNING x.id, x.kind, x.url, x.events, x.mail_to, x.mail_from, x.smtp_user, x.enabled,
              x.created_at INTO v;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN ct_notify_destination_json(v.id, v.kind, v.url, v.events, v.mail_to, v.mail_from,
                                      v.smtp_user, v.enabled, v.created_at);
END
$$;

-- Removes a destination, and with it (014's foreign keys cascade) every
-- message to it, pending or not, and their attempts.  True when there was
-- one.
CREATE OR REPLACE FUNCTION ct_notify_remove(p_org uuid, p_id uuid) RETURNS boolean
    LANGUAGE plpgsql
    AS $$
BEGIN
    DELETE FROM notification_destinations d WHERE d.org_id = p_org AND d.id = p_id;
    RETURN FOUND;
END
$$;

-- One message as the delivery log shows it, from its row and its attempts
-- (p_attempts, as the callers read them: its latest 50, oldest first,
-- each {at, status, error}); next_attempt_at only while it is pending.
-- It reads no table: on a Citus cluster a function that did would run
-- inside the query of the message's shard, where no other query may run
-- (sql/032_citus_reads.sql).
CREATE OR REPLACE FUNCTION ct_notify_delivery_json(p_id uuid, p_destination uuid, p_event text,
    p_call uuid, p_webhook_id text, p_state text, p_next timestamptz, p_created timestamptz,
    p_attempts jsonb)
RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT jsonb_build_object(
        'id', p_id, 'destination_id', p_destination, 'event', p_event, 'call_id', p_call,
        'webhook_id', p_webhook_id, 'state', p_state,
        'next_attempt_at', CASE WHEN p_state = 'pending' THEN ct_iso(p_next) END,
        'created_at', ct_iso(p_created),
        'attempts', COALESCE(p_attempts, '[]'))
$$;

-- One message of p_org, or NULL.
CREATE OR REPLACE FUNCTION ct_notify_delivery(p_org uuid, p_id uuid) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
BEGIN
    RETURN (
        SELECT ct_notify_delivery_json(m.id, m.destination_id, m.event, m.call_id, m.webhook_id,
                                       m.state, m.next_attempt_at, m.created_at, t.attempts)
          FROM notifications m
          LEFT JOIN LATERAL (
              SELECT jsonb_agg(jsonb_build_object('at', ct_iso(a.at), 'status', a.status,
                                                  'error', a.error) ORDER BY a.id) AS attempts
                FROM (SELECT a.id, a.at, a.status, a.error FROM notification_attempts a
                       WHERE a.org_id = p_org AND a.notification_id = m.id
                       ORDER BY a.id DESC LIMIT 50) a) t ON true
         WHERE m.org_id = p_org AND m.id = p_id);
END
$$;

-- Queues one 'test' message to a destination (its subject a fresh uuid,
-- so each is a message of its own) and wakes the sender, in the caller's
-- transaction; returns the message, or NULL when p_org has no such
-- destination.  A disabled destination's test waits until it is enabled.
CREATE OR REPLACE FUNCTION ct_notify_queue_test(p_org uuid, p_id uuid) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_id uuid;
BEGIN
    INSERT INTO notifications (org_id, destination_id, event, subject)
    SELECT d.org_id, d.id, 'test', gen_random_uuid()::text
      FROM notification_destinations d
     WHERE d.org_id = p_org AND d.id = p_id
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('calltrack_notify', '');
    RETURN ct_notify_delivery(p_org, v_id);
END
$$;

-- A page of p_org's messages, newest first (created_at DESC, then id, as
-- 014's and 017's indexes hold them), of one destination and one state
-- when given, after the row of the cursor (its created_at in microseconds
-- since the epoch, and its id): {"deliveries": [...], "next_cursor"}.
-- NULL when p_destination names no destination of p_org.  The statement
-- is made for the filters given, so that each uses its index.
CREATE OR REPLACE FUNCTION ct_notify_deliveries(p_org uuid, p_destination uuid, p_state text,
    p_limit int, p_after_us bigint, p_after_id uuid)
RETURNS jsonb
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    v_after timestamptz;
    v_rows jsonb;
    v_next text;
BEGIN
    IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 100
       OR (p_state IS NOT NULL AND p_state NOT IN ('pending', 'delivered', 'failed'))
       OR ((p_after_us IS NULL) <> (p_after_id IS NULL)) THEN
        RAISE EXCEPTION 'invalid delivery page' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_destination IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM notification_destinations d
            WHERE d.org_id = p_org AND d.id = p_destination) THEN
        RETURN NULL;
    END IF;
    IF p_after_us IS NOT NULL THEN
        v_after := timestamptz 'epoch' + p_after_us * interval '1 microsecond';
    END IF;
    EXECUTE format(
        'WITH page AS (SELECT m.id, m.destination_id, m.event, m.call_id, m.webhook_id, m.state,'
        '                     m.next_attempt_at, m.created_at'
        '                FROM notifications m WHERE m.org_id = $1 %s %s %s'
        '               ORDER BY m.created_at DESC, m.id LIMIT $6)'
        ' SELECT COALESCE(jsonb_agg(ct_notify_delivery_json(p.id, p.destination_id, p.event,'
        '            p.call_id, p.webhook_id, p.state, p.next_attempt_at, p.created_at, t.attempts)'
        '            ORDER BY p.created_at DESC, p.id), ''[]''),'
        '        CASE WHEN count(*) = $6 THEN'
        '            (SELECT (extract(epoch FROM l.created_at) * 1000000)::bigint || ''.'' || l.id'
        '               FROM page l ORDER BY l.created_at, l.id DESC LIMIT 1) END'
        '   FROM page p'
        '   LEFT JOIN LATERAL ('
        '       SELECT jsonb_agg(jsonb_build_object(''at'', ct_iso(a.at), ''status'', a.status,'
        '                                           ''error'', a.error) ORDER BY a.id) AS attempts'
        '         FROM (SELECT a.id, a.at, a.status, a.error FROM notification_attempts a'
        '                WHERE a.org_id = $1 AND a.notification_id = p.id'
        '                ORDER BY a.id DESC LIMIT 50) a) t ON true',
        CASE WHEN p_destination IS NOT NULL THEN 'AND m.destination_id = $2' ELSE '' END,
        CASE WHEN p_state IS NOT NULL THEN 'AND m.state = $3' ELSE '' END,
        CASE WHEN v_after IS NOT NULL
             THEN 'AND m.created_at <= $4 AND (m.created_at < $4 OR m.id > $5)' ELSE '' END)
       INTO v_rows, v_next
       USING p_org, p_destination, p_state, v_after, p_after_id, p_limit;
    RETURN jsonb_build_object('deliveries', v_rows, 'next_cursor', v_next);
END
$$;

-- Tries a failed message again now: pending, due at once, the sender
-- woken; its attempts so far stay counted, so one more failure fails it
-- again.  Returns the message; {"error": "conflict", "state": …} when it
-- is not failed; NULL when p_org has no such message.
CREATE OR REPLACE FUNCTION ct_notify_retry(p_org uuid, p_id uuid) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_state text;
BEGIN
    UPDATE notifications m SET state = 'pending', next_attempt_at = now()
     WHERE m.org_id = p_org AND m.id = p_id AND m.state = 'failed'
    RETURNING m.state INTO v_state;
    IF v_state IS NULL THEN
        SELECT m.state INTO v_state FROM notifications m WHERE m.org_id = p_org AND m.id = p_id;
        RETURN CASE WHEN v_state IS NOT NULL
                    THEN jsonb_build_object('error', 'conflict', 'state', v_state) END;
    END IF;
    PERFORM pg_notify('calltrack_notify', '');
    RETURN ct_notify_delivery(p_org, p_id);
END
$$;

-- dashboard-notify's: each pins the org of a live admin token and answers
-- for it alone; {"error": "forbidden"} for any other token.

CREATE OR REPLACE FUNCTION ct_notify_list_by_token(p_hash text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_org uuid := ct_notify_admin_pin(p_hash);
BEGIN
    IF v_org IS NULL THEN
        RETURN jsonb_build_object('error', 'forbidden');
    END IF;
    RETURN ct_notify_destinations(v_org);
END
$$;

CREATE OR REPLACE FUNCTION ct_notify_add_by_token(p_hash text, p_kind text, p_url text,
    p_events text[], p_secret text, p_mail_to text[], p_mail_from text, p_smtp_user text,
    p_smtp_password text)
RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_org uuid := ct_notify_admin_pin(p_hash);
BEGIN
    IF v_org IS NULL THEN
        RETURN jsonb_build_object('error', 'forbidden');
    END IF;
    RETURN ct_notify_add(v_org, p_kind, p_url, p_events, p_secret, p_mail_to, p_mail_from,
                         p_smtp_user, p_smtp_password);
END
$$;

CREATE OR REPLACE FUNCTION ct_notify_set_by_token(p_hash text, p_id uuid, p_events text[],
    p_enabled boolean)
RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_org uuid := ct_notify_admin_pin(p_hash);
BEGIN
    IF v_org IS NULL THEN
        RETURN jsonb_build_object('error', 'forbidden');
    END IF;
    RETURN ct_notify_set(v_org, p_id, p_events, p_enabled);
END
$$;

CREATE OR REPLACE FUNCTION ct_notify_remove_by_token(p_hash text, p_id uuid) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_org uuid := ct_notify_admin_pin(p_hash);
BEGIN
    IF v_org IS NULL THEN
        RETURN jsonb_build_object('error', 'forbidden');
    END IF;
    RETURN CASE WHEN ct_notify_remove(v_org, p_id)
                THEN jsonb_build_object('id', p_id, 'deleted', true) END;
END
$$;

CREATE OR REPLACE FUNCTION ct_notify_test_by_token(p_hash text, p_id uuid) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_org uuid := ct_notify_admin_pin(p_hash);
BEGIN
    IF v_org IS NULL THEN
        RETURN jsonb_build_object('error', 'forbidden');
    END IF;
    RETURN ct_notify_queue_test(v_org, p_id);
END
$$;

CREATE OR REPLACE FUNCTION ct_notify_deliveries_by_token(p_hash text, p_destination uuid,
    p_state text, p_limit int, p_after_us bigint, p_after_id uuid)
RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_org uuid := ct_notify_admin_pin(p_hash);
BEGIN
    IF v_org IS NULL THEN
        RETURN jsonb_build_object('error', 'forbidden');
    END IF;
    RETURN ct_notify_deliveries(v_org, p_destination, p_state, p_limit, p_after_us, p_after_id);
END
$$;

CREATE OR REPLACE FUNCTION ct_notify_retry_by_token(p_hash text, p_id uuid) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_org uuid := ct_notify_admin_pin(p_hash);
BEGIN
    IF v_org IS NULL THEN
        RETURN jsonb_build_object('error', 'forbidden');
    END IF;
    RETURN ct_notify_retry(v_org, p_id);
END
$$;

REVOKE ALL ON FUNCTION ct_notify_admin_pin(text),
    ct_notify_destinations(uuid),
    ct_notify_add(uuid, text, text, text[], text, text[], text, text, text),
    ct_notify_set(uuid, uuid, text[], boolean),
    ct_notify_remove(uuid, uuid),
    ct_notify_delivery_json(uuid, uuid, text, uuid, text, text, timestamptz, timestamptz, jsonb),
    ct_notify_delivery(uuid, uuid),
    ct_notify_queue_test(uuid, uuid),
    ct_notify_deliveries(uuid, uuid, text, int, bigint, uuid),
    ct_notify_retry(uuid, uuid),
    ct_notify_list_by_token(text),
    ct_notify_add_by_token(text, text, text, text[], text, text[], text, text, text),
    ct_notify_set_by_token(text, uuid, text[], boolean),
    ct_notify_remove_by_token(text, uuid),
    ct_notify_test_by_token(text, uuid),
    ct_notify_deliveries_by_token(text, uuid, text, int, bigint, uuid),
    ct_notify_retry_by_token(text, uuid)
    FROM PUBLIC;

-- dashboard-notify's role: the functions by token, and what they call
-- (which run under the policies, for the pinned org alone).
GRANT EXECUTE ON FUNCTION ct_notify_admin_pin(text),
    ct_notify_destinations(uuid),
    ct_notify_add(uuid, text, text, text[], text, text[], text, text, text),
    ct_notify_set(uuid, uuid, text[], boolean),
    ct_notify_remove(uuid, uuid),
    ct_notify_delivery_json(uuid, uuid, text, uuid, text, text, timestamptz, timestamptz, jsonb),
    ct_notify_delivery(uuid, uuid),
    ct_notify_queue_test(uuid, uuid),
    ct_notify_deliveries(uuid, uuid, text, int, bigint, uuid),
    ct_notify_retry(uuid, uuid),
    ct_notify_list_by_token(text),
    ct_notify_add_by_token(text, text, text, text[], text, text[], text, text, text),
    ct_notify_set_by_token(text, uuid, text[], boolean),
    ct_notify_remove_by_token(text, uuid),
    ct_notify_test_by_token(text, uuid),
    ct_notify_deliveries_by_token(text, uuid, text, int, bigint, uuid),
    ct_notify_retry_by_token(text, uuid),
    ct_current_org(), ct_iso(timestamptz)
    TO calltrack_editor;
