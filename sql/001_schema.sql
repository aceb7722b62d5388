-- 001_schema.sql: calltrack's tables, constraints and indexes.
--
-- Every table that belongs to a customer carries org_id and every primary
-- and unique key of such a table starts with it, so the schema can be
-- sharded by org (docs/DATA-MODEL.md).  integrations and api_tokens are
-- looked up before the org is known (by webhook slug, by token hash); they
-- are small and would be reference tables on a distributed PostgreSQL.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).
-- The two functions here are the ones a CHECK constraint below calls: a
-- table cannot exist before them, so they are defined with it.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The role the five programs connect as: neither owner nor superuser, so
-- row-level security always applies to it.  Created without LOGIN; the
-- installer grants LOGIN (and a password where one is needed).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'calltrack_app') THEN
        CREATE ROLE calltrack_app NOLOGIN;
    END IF;
END
$$;

-- True when tz names a time zone PostgreSQL knows.  Declared immutable for
-- use in a CHECK: the zone database changes only with a package upgrade.
CREATE FUNCTION ct_is_timezone(tz text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE STRICT
    AS $$
BEGIN
    PERFORM now() AT TIME ZONE tz;
    RETURN true;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN false;
END
$$;

-- True when name is a real person's or business's name: not empty, not a
-- placeholder a provider or an old system puts where a name is missing,
-- not a phone number (no letters and at least 7 digits).
CREATE FUNCTION ct_is_real_name(name text) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
    SELECT btrim(name) <> ''
       AND lower(btrim(name)) NOT IN (
            'unknown', 'unknown caller', 'unknown name', 'anonymous',
            'private', 'private caller', 'private number', 'restricted',
            'unavailable', 'wireless caller', 'n/a', 'na', 'none', 'null',
            'undefined', 'caller', 'inbound', 'outbound', 'web', 'customer')
       AND NOT (name !~ '[[:alpha:]]'
                AND length(regexp_replace(name, '[^0-9]', '', 'g')) >= 7)
$$;

GRANT EXECUTE ON FUNCTION ct_is_timezone(text), ct_is_real_name(text) TO calltrack_app;

CREATE TABLE orgs (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                text NOT NULL
                        CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    default_country     text NOT NULL DEFAULT 'US'
                        CHECK (default_country ~ '^[A-Z]{2}$'),
    timezone            text NOT NULL DEFAULT 'UTC'
                        CHECK (ct_is_timezone(timezone)),
    hot_lead_threshold  int NOT NULL DEFAULT 70
                        CHECK (hot_lead_threshold BETWEEN 0 AND 100),
    booking_tools       text[] NOT NULL
                        DEFAULT ARRAY['book_appointment', 'book_service'],
    -- Stuck-call limits: minutes without an event before the sweeper
    -- closes a call that was never answered / that was answered.
    stuck_unanswered_minutes int NOT NULL DEFAULT 15
                        CHECK (stuck_unanswered_minutes BETWEEN 1 AND 10080),
    stuck_answered_minutes   int NOT NULL DEFAULT 240
                        CHECK (stuck_answered_minutes BETWEEN 1 AND 10080),
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
    org_id          uuid NOT NULL REFERENCES orgs (id),
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    -- SHA-256 of the token, lowercase hex; the token itself is never stored.
    token_hash      text NOT NULL CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    label           text CHECK (length(label) <= 200),
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    revoked_at      timestamptz,
    PRIMARY KEY (org_id, id)
);

CREATE UNIQUE INDEX api_tokens_token_hash_key ON api_tokens (token_hash);

CREATE TABLE integrations (
    -- The last segment of the webhook URL.
    id              text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
    org_id          uuid NOT NULL REFERENCES orgs (id),
    provider        text NOT NULL CHECK (provider IN ('vapi', 'retell', 'twilio')),
    -- The secret that signs the provider's callbacks, and a second one
    -- accepted during a rotation.
    secret          text NOT NULL CHECK (length(secret) BETWEEN 8 AND 512),
    secret_next     text CHECK (length(secret_next) BETWEEN 8 AND 512),
    -- The exact public URL the provider calls (Twilio signs it).
    public_url      text CHECK (public_url ~ '^https?://[^[:space:]]+$'
                                AND length(public_url) <= 1024),
    -- Vapi: 'secret' (x-vapi-secret header) or 'hmac' (HMAC credential).
    vapi_auth       text NOT NULL DEFAULT 'secret'
                    CHECK (vapi_auth IN ('secret', 'hmac')),
    hmac_algorithm  text NOT NULL DEFAULT 'sha256'
                    CHECK (hmac_algorithm IN ('sha1', 'sha256', 'sha512')),
    hmac_encoding   text NOT NULL DEFAULT 'hex'
                    CHECK (hmac_encoding IN ('hex', 'base64')),
    hmac_prefix     text NOT NULL DEFAULT '' CHECK (length(hmac_prefix) <= 32),
    created_at      timestamptz NOT NULL DEFAULT now(),
    disabled_at     timestamptz,
    UNIQUE (org_id, id),
    CHECK (provider <> 'twilio' OR public_url IS NOT NULL)
);

CREATE TABLE contacts (
    org_id              uuid NOT NULL REFERENCES orgs (id),
    id                  uuid NOT NULL DEFAULT gen_random_uuid(),
    phone               text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{1,14}$'),
    name                text CHECK (ct_is_real_name(name) AND length(name) <= 200),
    name_source         text CHECK (name_source IN ('provider', 'manual')),
    email               text CHECK (length(email) <= 320),
    lead_status         text NOT NULL DEFAULT 'new'
                        CHECK (lead_status IN ('new', 'contacted', 'qualified',
                                               'booked', 'lost')),
    lead_score          int NOT NULL DEFAULT 0 CHECK (lead_score BETWEEN 0 AND 100),
    last_contacted_at   timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, phone),
    CHECK (name IS NULL OR name_source IS NOT NULL)
);

CREATE TABLE calls (
    org_id              uuid NOT NULL REFERENCES orgs (id),
    id                  uuid NOT NULL DEFAULT gen_random_uuid(),
    provider            text NOT NULL CHECK (provider IN ('vapi', 'retell', 'twilio')),
    -- The provider's own id: never invented.
    provider_call_id    text NOT NULL
                        CHECK (length(provider_call_id) BETWEEN 1 AND 200),
    integration_id      text,
    direction           text CHECK (direction IN ('inbound', 'outbound', 'web')),
    status              text NOT NULL DEFAULT 'queued'
                        CHECK (status IN ('queued', 'ringing', 'in-progress',
                                          'completed', 'busy', 'no-answer',
                                          'failed', 'canceled', 'voicemail')),
    status_source       text NOT NULL DEFAULT 'provider'
                        CHECK (status_source IN ('provider', 'sweeper')),
    -- The provider's end code, verbatim, and the normalized reason.
    ended_reason        text CHECK (length(ended_reason) <= 200),
    end_call_reason     text CHECK (end_call_reason IN (
                            'customer_hangup', 'agent_hangup', 'no_answer',
                            'busy', 'voicemail', 'transfer', 'timeout',
                            'error', 'canceled', 'other')),
    phone_number        text CHECK (phone_number ~ '^\+[1-9][0-9]{1,14}$'),
    phone_raw           text CHECK (length(phone_raw) <= 200),
    agent_number        text CHECK (length(agent_number) <= 200),
    contact_id          uuid,
    is_test_call        boolean NOT NULL DEFAULT false,
    started_at          timestamptz,
    ended_at            timestamptz,
    duration_seconds    int CHECK (duration_seconds >= 0),
    cost                numeric(14, 6) CHECK (cost >= 0),
    recording_url       text,
    transcript          text,
    summary             text,
    sentiment           text CHECK (sentiment IN ('positive', 'neutral', 'negative')),
    booking_status      text NOT NULL DEFAULT 'not_requested'
                        CHECK (booking_status IN ('confirmed', 'attempted_failed',
                                                  'not_requested')),
    -- The tool call that decided booking_status, for the call's detail.
    booking_evidence    jsonb,
    lead_score          int CHECK (lead_score BETWEEN 0 AND 100),
    metadata            jsonb,
    -- The provider's ordering of its callbacks (Twilio SequenceNumber,
    -- Retell's event rank), so a late lower one changes nothing.
    provider_sequence   bigint,
    first_event_at      timestamptz NOT NULL DEFAULT now(),
    last_event_at       timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, provider, provider_call_id),
    FOREIGN KEY (org_id, contact_id) REFERENCES contacts (org_id, id)
);

CREATE INDEX calls_org_contact ON calls (org_id, contact_id);

-- The sweeper's scan: only calls that are still open.
CREATE INDEX calls_open ON calls (org_id, last_event_at)
    WHERE status IN ('queued', 'ringing', 'in-progress');

CREATE TABLE call_events (
    org_id              uuid NOT NULL REFERENCES orgs (id),
    id                  bigint GENERATED ALWAYS AS IDENTITY,
    integration_id      text NOT NULL,
    provider            text NOT NULL CHECK (provider IN ('vapi', 'retell', 'twilio')),
    provider_call_id    text NOT NULL
                        CHECK (length(provider_call_id) BETWEEN 1 AND 200),
    call_id             uuid,
    event_type          text NOT NULL CHECK (length(event_type) BETWEEN 1 AND 100),
    dedup_key           text NOT NULL CHECK (length(dedup_key) BETWEEN 1 AND 300),
    received_at         timestamptz NOT NULL DEFAULT now(),
    content_type        text,
    payload             bytea NOT NULL,
    outcome             text NOT NULL CHECK (outcome IN ('applied', 'duplicate', 'parked')),
    error               text,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, dedup_key)
);

CREATE INDEX call_events_call ON call_events (org_id, call_id, received_at);

CREATE INDEX call_events_parked ON call_events (org_id, received_at)
    WHERE outcome = 'parked';

-- What could not be attributed or trusted, for forensics and replay.
-- org_id is NULL when the integration was unknown.
CREATE TABLE rejected_events (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id              uuid REFERENCES orgs (id),
    integration_id      text CHECK (length(integration_id) <= 200),
    provider            text,
    received_at         timestamptz NOT NULL DEFAULT now(),
    http_status         int NOT NULL CHECK (http_status BETWEEN 400 AND 599),
    reason              text NOT NULL,
    detail              text,
    method              text,
    path                text,
    content_type        text,
    body                bytea,
    body_size           bigint NOT NULL DEFAULT 0,
    body_sha256         text,
    body_truncated      boolean NOT NULL DEFAULT false
);

CREATE INDEX rejected_events_org ON rejected_events (org_id, received_at);

CREATE TABLE call_sessions (
    org_id              uuid NOT NULL,
    call_id             uuid NOT NULL,
    conversation_state  jsonb NOT NULL DEFAULT '{}',
    retell_data         jsonb,
    synced_to_dashboard boolean NOT NULL DEFAULT false,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, call_id),
    FOREIGN KEY (org_id, call_id) REFERENCES calls (org_id, id)
);

CREATE TABLE hot_lead_alerts (
    org_id              uuid NOT NULL,
    id                  uuid NOT NULL DEFAULT gen_random_uuid(),
    call_id             uuid NOT NULL,
    contact_id          uuid,
    score               int NOT NULL CHECK (score BETWEEN 0 AND 100),
    reasons             text[] NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL DEFAULT now(),
    acknowledged_at     timestamptz,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, call_id),
    FOREIGN KEY (org_id, call_id) REFERENCES calls (org_id, id),
    FOREIGN KEY (org_id, contact_id) REFERENCES contacts (org_id, id)
);
