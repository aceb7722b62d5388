-- 020_vapi_auth.sql: Vapi's credentials as they are today
-- (providers.md §1.8, §8): a Bearer credential (its header, default
-- Authorization, with or without the "Bearer " prefix) beside the legacy
-- x-vapi-secret header, and an HMAC credential whose headers, payload
-- format and secret encoding are configurable.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

ALTER TABLE integrations DROP CONSTRAINT integrations_vapi_auth_check,
    ADD CONSTRAINT integrations_vapi_auth_check
        CHECK (vapi_auth IN ('secret', 'bearer', 'hmac')),
    ADD COLUMN bearer_header text NOT NULL DEFAULT 'authorization'
        CHECK (bearer_header ~ '^[A-Za-z0-9-]{1,64}$'),
    ADD COLUMN bearer_prefix boolean NOT NULL DEFAULT true,
    ADD COLUMN hmac_signature_header text NOT NULL DEFAULT 'x-signature'
        CHECK (hmac_signature_header ~ '^[A-Za-z0-9-]{1,64}$'),
    ADD COLUMN hmac_timestamp_header text NOT NULL DEFAULT 'x-timestamp'
        CHECK (hmac_timestamp_header ~ '^[A-Za-z0-9-]{1,64}$'),
    ADD COLUMN hmac_payload text NOT NULL DEFAULT '{timestamp}.{body}'
        CHECK (hmac_payload IN ('{timestamp}.{body}', '{body}')),
    ADD COLUMN hmac_secret_base64 boolean NOT NULL DEFAULT false;

-- The lookup returns the new columns: a changed result type.
DROP FUNCTION IF EXISTS ct_integration_lookup(text);
