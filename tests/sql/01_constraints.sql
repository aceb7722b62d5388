-- 01_constraints.sql: what the schema itself refuses.
BEGIN;
SELECT plan(29);

INSERT INTO orgs (id, name) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'Org A'),
    ('00000000-0000-0000-0000-0000000000b2', 'Org B');

-- E.164 on contacts and calls.
SELECT lives_ok($$INSERT INTO contacts (org_id, phone) VALUES
    ('00000000-0000-0000-0000-0000000000a1', '+14155550123')$$, 'an E.164 phone is accepted');
SELECT throws_ok($$INSERT INTO contacts (org_id, phone) VALUES
    ('00000000-0000-0000-0000-0000000000a1', '4155550123')$$, '23514', NULL, 'a national number is refused');
SELECT throws_ok($$INSERT INTO contacts (org_id, phone) VALUES
    ('00000000-0000-0000-0000-0000000000a1', '+0155550123')$$, '23514', NULL, 'a leading zero after + is refused');
SELECT throws_ok($$INSERT INTO contacts (org_id, phone) VALUES
    ('00000000-0000-0000-0000-0000000000a1', '+1234567890123456')$$, '23514', NULL, 'more than 15 digits is refused');
SELECT throws_ok($$INSERT INTO calls (org_id, provider, provider_call_id, phone_number) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'vapi', 'c-e164', 'Anonymous')$$, '23514', NULL,
    'a call phone_number must be E.164 or NULL');

-- One contact per phone per org; the same phone in another org is another contact.
SELECT throws_ok($$INSERT INTO contacts (org_id, phone) VALUES
    ('00000000-0000-0000-0000-0000000000a1', '+14155550123')$$, '23505', NULL, 'a phone is unique per org');
SELECT lives_ok($$INSERT INTO contacts (org_id, phone) VALUES
    ('00000000-0000-0000-0000-0000000000b2', '+14155550123')$$, 'the same phone in another org is fine');

-- Placeholder names are refused; real names, accents and apostrophes are kept.
SELECT throws_ok(format($$INSERT INTO contacts (org_id, phone, name, name_source) VALUES
    ('00000000-0000-0000-0000-0000000000a1', '+1415555%s', %L, 'provider')$$, 1000 + n, name),
    '23514', NULL, format('placeholder name %L is refused', name))
  FROM (VALUES (1, 'Unknown Caller'), (2, 'unknown'), (3, ''), (4, '   '), (5, 'ANONYMOUS'),
               (6, 'Wireless Caller'), (7, 'inbound'), (8, '+1 (415) 555-0142'), (9, 'N/A'))
       AS t(n, name);
SELECT lives_ok($$INSERT INTO contacts (org_id, phone, name, name_source) VALUES
    ('00000000-0000-0000-0000-0000000000a1', '+14155552000', 'Zoë O''Brien 📞', 'provider')$$,
    'a real name with accents, an apostrophe and an emoji is kept');
SELECT is((SELECT name FROM contacts WHERE phone = '+14155552000'), 'Zoë O''Brien 📞',
    'the name is stored exactly');
SELECT throws_ok($$INSERT INTO contacts (org_id, phone, name) VALUES
    ('00000000-0000-0000-0000-0000000000a1', '+14155552001', 'Ann')$$, '23514', NULL,
    'a name needs its source');

-- Calls: one row per provider call id per org; the id is never missing.
SELECT lives_ok($$INSERT INTO calls (org_id, provider, provider_call_id) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'vapi', 'call-1')$$, 'a call is recorded');
SELECT throws_ok($$INSERT INTO calls (org_id, provider, provider_call_id) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'vapi', 'call-1')$$, '23505', NULL,
    'a provider call id is unique per org and provider');
SELECT throws_ok($$INSERT INTO calls (org_id, provider, provider_call_id) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'vapi', NULL)$$, '23502', NULL,
    'provider_call_id is never NULL');

-- Status never moves backwards; terminal to terminal is allowed.
UPDATE calls SET status = 'in-progress' WHERE provider_call_id = 'call-1';
SELECT throws_ok($$UPDATE calls SET status = 'ringing' WHERE provider_call_id = 'call-1'$$,
    '23514', NULL, 'in-progress cannot go back to ringing');
UPDATE calls SET status = 'completed', status_source = 'sweeper' WHERE provider_call_id = 'call-1';
SELECT throws_ok($$UPDATE calls SET status = 'in-progress' WHERE provider_call_id = 'call-1'$$,
    '23514', NULL, 'completed cannot go back to in-progress');
SELECT lives_ok($$UPDATE calls SET status = 'voicemail', status_source = 'provider'
    WHERE provider_call_id = 'call-1'$$, 'a provider terminal status replaces the sweeper''s');
SELECT throws_ok($$INSERT INTO calls (org_id, provider, provider_call_id, status) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'vapi', 'call-2', 'transferred')$$, '23514', NULL,
    'there is no transferred status');

-- Integrations and tokens.
SELECT throws_ok($$INSERT INTO integrations (id, org_id, provider, secret) VALUES
    ('bad/slug', '00000000-0000-0000-0000-0000000000a1', 'vapi', 'secret-123')$$, '23514', NULL,
    'an integration id is a URL-safe slug');
SELECT throws_ok($$INSERT INTO integrations (id, org_id, provider, secret) VALUES
    ('tw-1', '00000000-0000-0000-0000-0000000000a1', 'twilio', 'secret-123')$$, '23514', NULL,
    'a twilio integration needs its public URL');
SELECT throws_ok($$INSERT INTO api_tokens (org_id, token_hash) VALUES
    ('00000000-0000-0000-0000-0000000000a1', 'ct_plaintext_token')$$, '23514', NULL,
    'only a SHA-256 hex digest is stored for a token');

SELECT * FROM finish();
ROLLBACK;
