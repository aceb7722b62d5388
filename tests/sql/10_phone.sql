-- 10_phone.sql: the sign-in (ct_token_auth) gives the dashboard the
-- country its org reads numbers in, by a live token's hash, and to no
-- other role.
BEGIN;
SELECT plan(7);

INSERT INTO orgs (id, name, default_country) VALUES
    ('00000000-0000-0000-0000-0000000010a1', 'Org GB', 'GB'),
    ('00000000-0000-0000-0000-0000000010b2', 'Org US', 'US');
INSERT INTO api_tokens (org_id, token_hash) VALUES
    ('00000000-0000-0000-0000-0000000010a1', repeat('1a', 32)),
    ('00000000-0000-0000-0000-0000000010b2', repeat('1b', 32));
INSERT INTO api_tokens (org_id, token_hash, revoked_at) VALUES
    ('00000000-0000-0000-0000-0000000010a1', repeat('1c', 32), now());

SET LOCAL ROLE calltrack_dashboard;
SELECT is((SELECT country FROM ct_token_auth(repeat('1a', 32))), 'GB', 'a token names its org''s country');
SELECT is((SELECT country FROM ct_token_auth(repeat('1b', 32))), 'US', 'another org''s token, its own');
SELECT is((SELECT country FROM ct_token_auth(repeat('1c', 32))), NULL, 'a revoked token names none');
SELECT is((SELECT country FROM ct_token_auth(repeat('1d', 32))), NULL, 'an unknown token names none');
SELECT is((SELECT count(*)::int FROM calls), 0, 'and it pins no org');
RESET ROLE;

SELECT ok(NOT has_function_privilege('calltrack_app', 'ct_token_auth(text)', 'EXECUTE'),
    'the webhooks'' role may not call it');
SELECT ok(NOT has_function_privilege('public', 'ct_token_auth(text)', 'EXECUTE'),
    'nor may PUBLIC');

SELECT * FROM finish();
ROLLBACK;
