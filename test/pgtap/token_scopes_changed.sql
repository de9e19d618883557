-- A token is the scopes it was issued with: when its stored scopes are
-- changed (here by the superuser between two statements of a session that
-- keeps the token's actor), the token is invalid at the session's next
-- statement, with the error of a revoked token, and authenticating again
-- gives the new scopes (src/credentials.c, actor_still_valid).  Another
-- session changing them: test/specs/iso_token_scopes_changed.spec.
BEGIN;
\ir fixture.psql
SELECT plan(24);
GRANT EXECUTE ON FUNCTION runner_policy.issue_job_token(bigint, text[]) TO regress_forge_app;
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (100, 2, 40);
\set actor_role regress_forge_app
\ir as_role.psql

SELECT runner_policy.act_as(1) \g /dev/null
SELECT runner_policy.issue_instance_token('{read_runners,read_jobs}', now() + interval '1 day', 'scopes dashboard') AS instance_token \gset
SELECT runner_policy.issue_job_token(5001) AS job_token \gset
SELECT runner_policy.issue_job_token(5001, '{read_api}') AS extended_token \gset

-- An instance token narrowed: from read_runners and read_jobs to read_jobs.
SELECT is(runner_policy.authenticate(:'instance_token', false), 'instance_token', 'the dashboard token authenticates');
SELECT is((SELECT count(*) FROM runner_policy.ci_runners), 4::bigint, 'and reads every runner');
RESET ROLE;
UPDATE runner_policy.tokens SET scopes = '{read_jobs}' WHERE description = 'scopes dashboard';
SET ROLE regress_forge_app;
SELECT throws_ok($$SELECT count(*) FROM runner_policy.ci_runners$$,
	'28000', 'invalid token', 'a token whose scopes were narrowed is invalid at the next statement');
SELECT is((SELECT kind FROM runner_policy.current_actor()), NULL, 'and the session has no actor after it');
SELECT is((SELECT count(*) FROM runner_policy.ci_runners), 0::bigint, 'so it reads no runner');
RESET ROLE;
SELECT results_eq($$SELECT scopes, revoked_at FROM runner_policy.tokens WHERE description = 'scopes dashboard'$$,
	$$VALUES ('{read_jobs}'::text[], NULL::timestamptz)$$,
	'the token itself is left as it was changed: not revoked');
SET ROLE regress_forge_app;
SELECT is(runner_policy.authenticate(:'instance_token', false), 'instance_token', 'authenticating again works');
SELECT results_eq($$SELECT kind, user_id, scopes FROM runner_policy.current_actor()$$,
	$$VALUES ('instance_token'::text, 1::bigint, '{read_jobs}'::text[])$$,
	'current_actor() shows the new scopes');
SELECT is((SELECT count(*) FROM runner_policy.ci_runners), 0::bigint, 'the token no longer reads runners');
SELECT is((SELECT count(*) FROM runner_policy.ci_builds), 4::bigint, 'and still reads jobs');

-- Widened again: as much a change.
RESET ROLE;
UPDATE runner_policy.tokens SET scopes = '{read_jobs,read_runners}' WHERE description = 'scopes dashboard';
SET ROLE regress_forge_app;
SELECT throws_ok($$SELECT count(*) FROM runner_policy.ci_builds$$,
	'28000', 'invalid token', 'a token whose scopes were widened is invalid at the next statement');
SELECT is(runner_policy.authenticate(:'instance_token', false), 'instance_token', 'authenticating again works');
SELECT results_eq($$SELECT scopes FROM runner_policy.current_actor()$$,
	$$VALUES ('{read_runners,read_jobs}'::text[])$$, 'with the widened scopes');
SELECT is((SELECT count(*) FROM runner_policy.ci_runners), 4::bigint, 'which read every runner again');

-- The same scopes written again, in another order, are no change.
RESET ROLE;
UPDATE runner_policy.tokens SET scopes = '{read_runners,read_jobs}' WHERE description = 'scopes dashboard';
SET ROLE regress_forge_app;
SELECT is((SELECT count(*) FROM runner_policy.ci_runners), 4::bigint,
	'the same scopes written again leave the token valid');

-- An extended job token widened from read_api to read_api and api.
SELECT is(runner_policy.authenticate(:'extended_token', false), 'extended_job_token', 'the extended job token authenticates');
SELECT results_eq($$SELECT runner_policy.authorize(100, 'read_api'), runner_policy.authorize(100, 'api')$$,
	$$VALUES (true, false)$$, 'it reads the API of its project, and may not write it');
RESET ROLE;
UPDATE runner_policy.tokens SET scopes = '{read_api,api}' WHERE kind = 'extended_job_token';
SET ROLE regress_forge_app;
SELECT throws_ok($$SELECT runner_policy.authorize(100, 'api')$$,
	'28000', 'invalid token', 'an extended job token whose scopes changed is invalid at the next statement');
SELECT is(runner_policy.authenticate(:'extended_token', false), 'extended_job_token', 'authenticating again works');
SELECT results_eq($$SELECT runner_policy.authorize(100, 'read_api'), runner_policy.authorize(100, 'api')$$,
	$$VALUES (true, true)$$, 'and it has the new scopes');

-- A plain job token (stored scopes empty) given a scope.
SELECT is(runner_policy.authenticate(:'job_token', false), 'job_token', 'the job token authenticates');
RESET ROLE;
UPDATE runner_policy.tokens SET scopes = '{read_api}' WHERE kind = 'job_token';
SET ROLE regress_forge_app;
SELECT throws_ok($$SELECT count(*) FROM runner_policy.ci_builds$$,
	'28000', 'invalid token', 'a job token whose scopes changed is invalid at the next statement');
SELECT is(runner_policy.authenticate(:'job_token', false), 'job_token', 'authenticating again works');
SELECT results_eq($$SELECT kind, scopes FROM runner_policy.current_actor()$$,
	$$VALUES ('job_token'::text, '{read_api}'::text[])$$, 'current_actor() shows the new scopes');

SELECT * FROM finish();
ROLLBACK;
