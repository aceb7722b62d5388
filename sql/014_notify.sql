-- 014_notify.sql: notifications (docs/API.md, "Notifications").  The
-- transaction that stores an event writes what it causes to send (the
-- outbox, notifications); calltrack-notify delivers it and keeps every
-- try (notification_attempts).
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

-- The local hour of the daily digest.
ALTER TABLE orgs
    ADD COLUMN digest_hour int NOT NULL DEFAULT 8 CHECK (digest_hour BETWEEN 0 AND 23);

-- Where an org's messages go.  url: the webhook's or Slack's URL, or for
-- email the SMTP server's (smtp:// or smtps://, without user or
-- password).  The secrets (secret, secret_next: the Standard Webhooks
-- signing keys, whsec_…; smtp_password) are read by the sender alone and
-- never shown after creation.
CREATE TABLE notification_destinations (
    org_id          uuid NOT NULL REFERENCES orgs (id),
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    kind            text NOT NULL CHECK (kind IN ('webhook', 'slack', 'email')),
    url             text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    events          text[] NOT NULL
                    CHECK (cardinality(events) BETWEEN 1 AND 6
                           AND events <@ ARRAY['call.hot_lead', 'call.booking_failed',
                                               'call.missed', 'call.negative_sentiment',
                                               'call.stuck', 'digest.daily']),
    secret          text CHECK (length(secret) BETWEEN 8 AND 512),
    secret_next     text CHECK (length(secret_next) BETWEEN 8 AND 512),
    smtp_user       text CHECK (length(smtp_user) <= 320),
    smtp_password   text CHECK (length(smtp_password) <= 512),
    mail_from       text CHECK (length(mail_from) <= 320),
    mail_to         text[] CHECK (cardinality(mail_to) BETWEEN 1 AND 20),
    enabled         boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    CHECK (kind <> 'webhook' OR secret IS NOT NULL),
    CHECK ((kind = 'email') = (mail_to IS NOT NULL))
);

-- The outbox: one message per destination, event and subject (the call's
-- id, the digest's local day, a test's own id), so a duplicate delivery or
-- a later event of the same call never notifies twice.  webhook_id is the
-- same on every attempt.
CREATE TABLE notifications (
    org_id          uuid NOT NULL REFERENCES orgs (id),
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    destination_id  uuid NOT NULL,
    event           text NOT NULL
                    CHECK (event IN ('call.hot_lead', 'call.booking_failed', 'call.missed',
                                     'call.negative_sentiment', 'call.stuck',
                                     'digest.daily', 'test')),
    subject         text NOT NULL CHECK (length(subject) BETWEEN 1 AND 100),
    call_id         uuid,
    -- What the message says beyond the call (the digest's figures).
    data            jsonb,
    webhook_id      text NOT NULL DEFAULT 'msg_' || replace(gen_random_uuid()::text, '-', '')
                    CHECK (length(webhook_id) BETWEEN 1 AND 100),
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, destination_id, event, subject),
    FOREIGN KEY (org_id, destination_id)
        REFERENCES notification_destinations (org_id, id) ON DELETE CASCADE
);

-- The sender's claim: what is due, oldest first.
CREATE INDEX notifications_due ON notifications (next_attempt_at)
    WHERE state = 'pending';

CREATE INDEX notifications_org ON notifications (org_id, created_at DESC, id);

-- Every try: its time, the HTTP status or SMTP reply code, the error
-- (escaped, without secrets), how long it took.
CREATE TABLE notification_attempts (
    org_id          uuid NOT NULL REFERENCES orgs (id),
    id              bigint GENERATED ALWAYS AS IDENTITY,
    notification_id uuid NOT NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    status          int CHECK (status BETWEEN 0 AND 999),
    error           text CHECK (length(error) <= 1000),
    duration_ms     int CHECK (duration_ms >= 0),
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, notification_id)
        REFERENCES notifications (org_id, id) ON DELETE CASCADE
);

CREATE INDEX notification_attempts_message ON notification_attempts (org_id, notification_id, id);
