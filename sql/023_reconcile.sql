-- 023_reconcile.sql: reconciliation (docs/API.md "Reconciliation"): an
-- integration's provider API key, and each time calltrack asked a
-- provider for a call.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

-- The provider's API key (Vapi's private key, Retell's API key, Twilio's
-- auth token) and, for Twilio, the Account SID it belongs to.  Read by
-- the administrator's role alone: the programs' roles are granted no
-- column of it (sql/functions/08_security.sql), and no answer shows it.
ALTER TABLE integrations
    ADD COLUMN api_key text CHECK (length(api_key) BETWEEN 8 AND 512),
    ADD COLUMN api_account_sid text CHECK (api_account_sid ~ '^AC[0-9a-fA-F]{32}$'),
    ADD COLUMN api_key_set_at timestamptz;

-- One question to a provider about one call, and what came of it:
--   recovered   the answer applied (or was the same answer again)
--   not_found   the provider does not know the call (404): the sweeper's
--   rate_limited 429; not again before retry_at
--   failed      anything else (the error says what), tried again later,
--               three times at most
CREATE TABLE reconcile_attempts (
    org_id          uuid NOT NULL REFERENCES orgs (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    call_id         uuid NOT NULL,
    integration_id  text NOT NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    http_status     int CHECK (http_status BETWEEN 0 AND 999),
    outcome         text NOT NULL
                    CHECK (outcome IN ('recovered', 'not_found', 'rate_limited', 'failed')),
    error           text CHECK (length(error) <= 1000),
    retry_at        timestamptz,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, call_id) REFERENCES calls (org_id, id) ON DELETE CASCADE
);

CREATE INDEX reconcile_attempts_call ON reconcile_attempts (org_id, call_id, at);

CREATE INDEX reconcile_attempts_org_at ON reconcile_attempts (org_id, at);
