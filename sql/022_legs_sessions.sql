-- 022_legs_sessions.sql: one call for its Twilio and agent legs, and the
-- agent backend's session state (docs/API.md "One call, all its legs",
-- "Session state from the agent's backend").
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

-- Every provider call id that belongs to a call: the call's own (its
-- agent's, or Twilio's CallSid for a call over Twilio alone), and each
-- Twilio CallSid a leg names (Vapi's call.transport.callSid, Retell's
-- telephony_identifier.twilio_call_sid, Twilio's ParentCallSid).  One
-- call per id and org: the key is what makes two legs find one call.
-- sequence: the provider's order of the leg's own callbacks (Twilio
-- SequenceNumber, Retell's and Vapi's event rank), so a late event of
-- one leg is judged against that leg alone.  seen_at: when an event of
-- the leg itself first applied; NULL while only another leg has named it.
CREATE TABLE call_legs (
    org_id              uuid NOT NULL REFERENCES orgs (id),
    provider            text NOT NULL CHECK (provider IN ('vapi', 'retell', 'twilio')),
    provider_call_id    text NOT NULL
                        CHECK (length(provider_call_id) BETWEEN 1 AND 200),
    call_id             uuid NOT NULL,
    sequence            bigint,
    seen_at             timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, provider, provider_call_id),
    -- A fold moves a call's legs to the call it joins before it removes
    -- the call; a call removed by hand (a test's cleanup) takes its legs.
    FOREIGN KEY (org_id, call_id) REFERENCES calls (org_id, id) ON DELETE CASCADE
);

CREATE INDEX call_legs_call ON call_legs (org_id, call_id);

-- A session PUT for a provider call id of another org is a 404, whatever
-- this org has (sql/functions/15_legs.sql, ct_session_put): the one
-- lookup across orgs, by the provider's own id.
CREATE INDEX call_legs_provider_call ON call_legs (provider, provider_call_id);

-- One leg per call there is: its own id.
INSERT INTO call_legs (org_id, provider, provider_call_id, call_id, sequence, seen_at, created_at)
SELECT org_id, provider, provider_call_id, id, provider_sequence, first_event_at, first_event_at
  FROM calls;

-- Sessions are keyed by the provider call id the agent's server names,
-- so that one may arrive before its call: call_id is set once the call
-- is known, and cleared if the call is removed.
ALTER TABLE call_sessions
    ADD COLUMN provider         text CHECK (provider IN ('vapi', 'retell', 'twilio')),
    ADD COLUMN provider_call_id text CHECK (length(provider_call_id) BETWEEN 1 AND 200);

UPDATE call_sessions s SET provider = c.provider, provider_call_id = c.provider_call_id
  FROM calls c WHERE c.org_id = s.org_id AND c.id = s.call_id;

ALTER TABLE call_sessions
    DROP CONSTRAINT call_sessions_pkey,
    DROP CONSTRAINT call_sessions_org_id_call_id_fkey;

ALTER TABLE call_sessions
    ALTER COLUMN provider SET NOT NULL,
    ALTER COLUMN provider_call_id SET NOT NULL,
    ALTER COLUMN call_id DROP NOT NULL,
    ADD PRIMARY KEY (org_id, provider, provider_call_id),
    ADD FOREIGN KEY (org_id, call_id) REFERENCES calls (org_id, id) ON DELETE SET NULL (call_id),
    ADD CHECK (jsonb_typeof(conversation_state) = 'object');

CREATE INDEX call_sessions_call ON call_sessions (org_id, call_id) WHERE call_id IS NOT NULL;

-- Signatures that change: the webhook's statement and the dashboard's
-- replay take the Twilio call an event names (p_linked_call_sid).
DROP FUNCTION IF EXISTS ct_apply_event_once(
    uuid, text, text, text, text, text, bytea, text, text, text, text, text, boolean,
    bigint, text, text, text, text, text, text, text, boolean, text, text,
    int, text, text, text, text, text, text, text, int, text[], text, text,
    boolean, text, text, text, text, boolean, text, text);
DROP FUNCTION IF EXISTS ct_apply_event(
    text, text, text, text, text, bytea, text, text, text, text, text, boolean,
    bigint, text, text, text, text, text, text, text, boolean, text, text,
    int, text, text, text, text, text, text, text, int, text[], text, text,
    boolean, text, text, text, text, boolean, text, text);
DROP FUNCTION IF EXISTS ct_ingest_replay(text, bigint, text, text, text, text, text, boolean,
    bigint, text, text, text, text, text, text, text, boolean, text, text, int, text, text,
    text, text, text, text, text, int, text[], text, text, boolean, text, text, text, text,
    boolean, text, text);
