-- Tokens (doc/tokens.md): issued once as plaintext, stored as digests,
-- every bad token refused with one message that echoes nothing.
BEGIN;
\ir fixture.psql
SELECT plan(46);
GRANT EXECUTE ON FUNCTION runner_policy.issue_job_token(bigint, text[]) TO regress_forge_app;
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (100, 2, 40), (102, 3, 40);
\set actor_role regress_forge_app
\ir as_role.psql

-- Issue one of each kind.
SELECT runner_policy.act_as(1) \g /dev/null
SELECT runner_policy.issue_instance_token('{read_runners,read_jobs}', now() + interval '1 day', 'dashboard') AS instance_token \gset
SELECT runner_policy.issue_job_token(5001) AS job_token \gset
SELECT runner_policy.issue_job_token(5001, '{read_api}') AS extended_token \gset
SELECT runner_policy.reset_runner_token(1002) AS runner_token \gset

SELECT matches(:'instance_token'::text, '^rpi_[0-9a-f]{64}$', 'an instance token is its prefix and 256 random bits in hex');
SELECT matches(:'job_token'::text, '^rpj_[0-9a-f]{64}$', 'a job token has its own prefix');
SELECT matches(:'extended_token'::text, '^rpx_[0-9a-f]{64}$', 'an extended job token has its own prefix');
SELECT matches(:'runner_token'::text, '^rpr_[0-9a-f]{64}$', 'a runner token has its own prefix');
SELECT isnt(runner_policy.issue_instance_token('{read_runners}', now() + interval '1 day'), :'instance_token',
	'every token is new');

-- Only digests are stored; the plaintext is in no row of any table.
RESET ROLE;
SELECT results_eq($$SELECT kind, user_id, job_id, scopes FROM runner_policy.tokens ORDER BY id$$,
	$$VALUES ('instance_token', 1::bigint, NULL::bigint, '{read_runners,read_jobs}'::text[]),
			 ('job_token', 2, 5001, '{}'),
			 ('extended_job_token', 2, 5001, '{read_api}'),
			 ('instance_token', 1, NULL, '{read_runners}')$$,
	'the tokens table holds kind, user, job and scopes');
SELECT ok((SELECT digest = sha256(convert_to(:'instance_token', 'UTF8'))
		   FROM runner_policy.tokens WHERE description = 'dashboard'),
	'and the SHA-256 digest of the token, not the token');
SELECT is((SELECT token_digest FROM runner_policy.ci_runners WHERE id = 1002),
	sha256(convert_to(:'runner_token', 'UTF8')), 'a runner stores only the digest of its token');
SELECT is_empty(format($$
	SELECT 1 FROM runner_policy.users t WHERE t::text ~ %1$L
	UNION ALL SELECT 1 FROM runner_policy.namespaces t WHERE t::text ~ %1$L
	UNION ALL SELECT 1 FROM runner_policy.projects t WHERE t::text ~ %1$L
	UNION ALL SELECT 1 FROM runner_policy.ci_runners t WHERE t::text ~ %1$L
	UNION ALL SELECT 1 FROM runner_policy.ci_runner_projects t WHERE t::text ~ %1$L
	UNION ALL SELECT 1 FROM runner_policy.ci_builds t WHERE t::text ~ %1$L
	UNION ALL SELECT 1 FROM runner_policy.tokens t WHERE t::text ~ %1$L
	UNION ALL SELECT 1 FROM runner_policy.tokens t WHERE encode(t.digest, 'escape') ~ %1$L$$,
	substr(:'instance_token', 5, 16) || '|' || substr(:'job_token', 5, 16) || '|' ||
	substr(:'extended_token', 5, 16) || '|' || substr(:'runner_token', 5, 16)),
	'no table holds any part of a plaintext token');
SELECT max(id) AS last_token_id FROM runner_policy.tokens \gset
SET ROLE regress_forge_app;

-- Each kind authenticates as what it is.
SELECT is(runner_policy.authenticate(:'instance_token'), 'instance_token', 'instance token');
SELECT results_eq($$SELECT kind, user_id, scopes FROM runner_policy.current_actor()$$,
	$$VALUES ('instance_token'::text, 1::bigint, '{read_runners,read_jobs}'::text[])$$,
	'current_actor() shows the token''s kind, user and scopes');
SELECT is(runner_policy.authenticate(:'job_token'), 'job_token', 'job token');
SELECT is(runner_policy.authenticate(:'extended_token'), 'extended_job_token', 'extended job token');
SELECT is(runner_policy.authenticate(:'runner_token'), 'runner', 'runner token');
SELECT results_eq($$SELECT id FROM runner_policy.ci_runners$$, $$VALUES (1002::bigint)$$,
	'a runner sees its own row only');

-- Every bad token: one error, one message, nothing echoed, no actor left.
SELECT throws_ok($$SELECT runner_policy.authenticate(NULL)$$, '28000', 'invalid token', 'NULL');
SELECT throws_ok($$SELECT runner_policy.authenticate('')$$, '28000', 'invalid token', 'empty');
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', repeat('rpi_', 50000)),
	'28000', 'invalid token', '200 kB');
SELECT throws_ok($$SELECT runner_policy.authenticate($t$rpi_'); DELETE FROM runner_policy.tokens; --$t$)$$,
	'28000', 'invalid token', 'SQL text');
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', left(:'instance_token', 67)),
	'28000', 'invalid token', 'a real token cut short by one character');
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)',
		left(:'instance_token', 30) || translate(substr(:'instance_token', 31, 1), '0123456789abcdef', '123456789abcdef0')
		|| substr(:'instance_token', 32)),
	'28000', 'invalid token', 'a real token with one character changed');
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', 'rpj_' || substr(:'instance_token', 5)),
	'28000', 'invalid token', 'a real instance token presented as a job token');
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', 'rpi_' || substr(:'runner_token', 5)),
	'28000', 'invalid token', 'a real runner token presented as an instance token');
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', upper(:'instance_token')),
	'28000', 'invalid token', 'tokens are case-sensitive');
SELECT throws_ok($$SELECT runner_policy.authenticate('rpi_x', NULL)$$, '22023', 'is_local must not be null',
	'is_local must be given');
SELECT is((SELECT kind FROM runner_policy.current_actor()), NULL, 'a failed attempt leaves no actor');

-- The token functions refuse what they must.
SELECT runner_policy.act_as(2) \g /dev/null
SELECT throws_ok($$SELECT runner_policy.issue_instance_token('{read_runners}', now() + interval '1 day')$$,
	'42501', 'only administrators can issue instance tokens', 'a plain user cannot issue an instance token');
SELECT runner_policy.act_as(1) \g /dev/null
SELECT throws_ok($$SELECT runner_policy.issue_instance_token('{read_runners}', NULL)$$,
	'22023', 'an instance token must expire', 'an instance token must expire');
SELECT throws_ok($$SELECT runner_policy.issue_instance_token('{read_runners}', now() - interval '1 second')$$,
	'22023', 'expires_at must be a finite time in the future', 'not in the past');
SELECT throws_ok($$SELECT runner_policy.issue_instance_token('{api}', now() + interval '1 day')$$,
	'22023', 'invalid scope "api" for an instance token', 'instance tokens read only');
SELECT throws_ok($$SELECT runner_policy.issue_instance_token('{}', now() + interval '1 day')$$,
	'22023', 'an instance token needs at least one scope', 'at least one scope');
SELECT throws_ok($$SELECT runner_policy.issue_job_token(5000)$$,
	'55000', 'job 5000 is not running', 'no job token for a finished job');
SELECT throws_ok($$SELECT runner_policy.issue_job_token(424242)$$,
	'23503', 'job 424242 does not exist', 'no job token for an unknown job');
SELECT throws_ok($$SELECT runner_policy.issue_job_token(5001, '{read_runners}')$$,
	'22023', 'invalid scope "read_runners" for an extended job token', 'job token scopes are project scopes');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT throws_ok($$SELECT runner_policy.reset_runner_token(1002)$$,
	'42501', 'permission denied to reset the token of runner 1002', 'only who may update a runner resets its token');
SELECT throws_ok(format('SELECT runner_policy.revoke_token(%s)', :'last_token_id'),
	'42501', NULL, 'bob cannot revoke a token he cannot even see');

-- Revoked, expired, reset: dead at once, also for a session already in.
SELECT runner_policy.act_as(2) \g /dev/null
SELECT runner_policy.authenticate(:'runner_token') \g /dev/null
SELECT runner_policy.act_as(2) \g /dev/null
SELECT runner_policy.reset_runner_token(1002) AS new_runner_token \gset
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', :'runner_token'),
	'28000', 'invalid token', 'the old runner token stops working');
SELECT is(runner_policy.authenticate(:'new_runner_token'), 'runner', 'the new one works');
SELECT runner_policy.authenticate(:'extended_token') \g /dev/null
SELECT lives_ok($$SELECT count(*) FROM runner_policy.ci_builds$$, 'the extended token reads jobs');
RESET ROLE;
SELECT runner_policy.act_as(2) \g /dev/null
SELECT lives_ok(format('SELECT runner_policy.revoke_token(%s)',
		(SELECT id FROM runner_policy.tokens WHERE kind = 'extended_job_token')),
	'alice revokes her own token');
SELECT runner_policy.reset_actor() \g /dev/null
SET ROLE regress_forge_app;
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', :'extended_token'),
	'28000', 'invalid token', 'a revoked token is dead');
SELECT runner_policy.authenticate(:'instance_token') \g /dev/null
RESET ROLE;
UPDATE runner_policy.tokens SET expires_at = now() - interval '1 second' WHERE description = 'dashboard';
SET ROLE regress_forge_app;
SELECT throws_ok($$SELECT count(*) FROM runner_policy.ci_runners$$,
	'28000', 'invalid token', 'an expired token dies also for the session already using it');
SELECT is((SELECT kind FROM runner_policy.current_actor()), NULL, 'and the session has no actor after it');

-- Nobody writes tokens by hand, not even an administrator actor.
SELECT runner_policy.act_as(1) \g /dev/null
SELECT throws_ok($$INSERT INTO runner_policy.tokens (kind, digest, user_id, scopes, expires_at)
	VALUES ('instance_token', sha256('rpi_mine'), 1, '{read_runners}', now() + interval '1 day')$$,
	'42501', 'new row violates row-level security policy for table "tokens"', 'no token row is written by hand');
SELECT throws_ok($$UPDATE runner_policy.ci_runners SET token_digest = sha256('rpr_mine') WHERE id = 1003$$,
	'42501', 'cannot set the token of runner 1003 directly', 'no runner token digest is set by hand');
SELECT is((SELECT count(*) FROM runner_policy.tokens WHERE expires_at > now() + interval '10 years'), 0::bigint,
	'and no token was extended by hand');
SELECT runner_policy.reset_actor() \g /dev/null
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
