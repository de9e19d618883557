-- doc/actors.md, doc/permissions.md and doc/tokens.md: the actor column headers of the permission
-- matrix.  No actor sees and writes nothing; blocked users are nobody; a
-- token is capped by its user's current rights and dies (28000, actor
-- cleared, at the next statement that touches a table) when its job leaves
-- 'running', when revoked, expired, or when its user is blocked.
BEGIN;
\ir matrix_fixture.psql
SELECT plan(73);
\set actor_role regress_matrix_app
\ir as_role.psql

\set runners 'SELECT ARRAY(SELECT id FROM runner_policy.ci_runners ORDER BY id)'
\set jobs 'SELECT ARRAY(SELECT id FROM runner_policy.ci_builds ORDER BY id)'
\set kind 'SELECT kind FROM runner_policy.current_actor()'
\set dead 'The token is unknown, expired or revoked, or its job has finished.'

-- ---------------------------------------------------------------------
-- No actor: every table shows no rows, every write is refused.
-- ---------------------------------------------------------------------
SELECT runner_policy.reset_actor() \g /dev/null
SELECT results_eq($$SELECT kind, user_id, token_id, scopes FROM runner_policy.current_actor()$$,
	$$VALUES (NULL::text, NULL::bigint, NULL::bigint, NULL::text[])$$, 'no actor: current_actor() is all NULL');
SELECT is((SELECT count(*) FROM runner_policy.users), 0::bigint, 'no actor: users shows no row');
SELECT is((SELECT count(*) FROM runner_policy.namespaces), 0::bigint, 'no actor: namespaces shows no row');
SELECT is((SELECT count(*) FROM runner_policy.projects), 0::bigint, 'no actor: projects shows no row');
SELECT is((SELECT count(*) FROM runner_policy.project_members), 0::bigint, 'no actor: project_members shows no row');
SELECT is((SELECT count(*) FROM runner_policy.group_members), 0::bigint, 'no actor: group_members shows no row');
SELECT is((SELECT count(*) FROM runner_policy.ci_runners), 0::bigint, 'no actor: ci_runners shows no row');
SELECT is((SELECT count(*) FROM runner_policy.ci_runner_projects), 0::bigint, 'no actor: ci_runner_projects shows no row');
SELECT is((SELECT count(*) FROM runner_policy.ci_runner_namespaces), 0::bigint, 'no actor: ci_runner_namespaces shows no row');
SELECT is((SELECT count(*) FROM runner_policy.ci_builds), 0::bigint, 'no actor: ci_builds shows no row');
SELECT is((SELECT count(*) FROM runner_policy.ci_job_token_scope_links), 0::bigint, 'no actor: ci_job_token_scope_links shows no row');
SELECT is((SELECT count(*) FROM runner_policy.tokens), 0::bigint, 'no actor: tokens shows no row');
SELECT is((SELECT count(*) FROM runner_policy.runner_queue_status), 0::bigint, 'no actor: runner_queue_status shows no row');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1002, 107)$$, '42501',
	'new row violates row-level security policy for table "ci_runner_projects"', 'no actor: INSERT refused (links)');
SELECT throws_ok($$INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level) VALUES (10, 3, 50)$$, '42501',
	'new row violates row-level security policy for table "group_members"', 'no actor: INSERT refused (group members)');
SELECT pg_temp.tables_digest() AS digest_before \gset
SELECT lives_ok($$
	UPDATE runner_policy.users SET admin = true;
	UPDATE runner_policy.namespaces SET name = 'x';
	UPDATE runner_policy.projects SET visibility = 'public';
	UPDATE runner_policy.project_members SET access_level = 50;
	UPDATE runner_policy.group_members SET access_level = 50;
	UPDATE runner_policy.ci_runners SET locked = true;
	UPDATE runner_policy.ci_builds SET status = 'canceled';
	UPDATE runner_policy.tokens SET revoked_at = NULL;
	DELETE FROM runner_policy.ci_job_token_scope_links;
	DELETE FROM runner_policy.ci_runner_projects WHERE id IN (9001, 9002, 9003);
	DELETE FROM runner_policy.ci_builds;
	DELETE FROM runner_policy.projects$$, 'no actor: UPDATE and DELETE of every table run');
SELECT is(pg_temp.tables_digest(), :'digest_before', 'no actor: and changed no row');

-- ---------------------------------------------------------------------
-- Blocked users: cannot be acted as; a failed act_as leaves no actor.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(13) \g /dev/null
SELECT throws_ok($$SELECT runner_policy.act_as(4)$$, '28000', 'cannot act as user 4', 'a blocked user cannot be acted as');
SELECT is((:kind), NULL, 'and the actor before it is gone');
SELECT throws_ok($$SELECT runner_policy.act_as(424242)$$, '28000', 'cannot act as user 424242', 'nor a user that does not exist');
-- Blocked while acted as: the next statement fails and ends the actor.
SELECT runner_policy.act_as(13) \g /dev/null
SELECT is((:runners), '{1000,1001,1002,1003,1006}'::bigint[], 'maintainer reads its runners');
RESET ROLE;
UPDATE runner_policy.users SET state = 'blocked' WHERE id = 13;
SET ROLE regress_matrix_app;
SELECT throws_ok(:'runners', '28000', 'the acting user is blocked or gone', 'blocked mid-session: the next statement fails');
SELECT is((:kind), NULL, 'and the actor is cleared');
SELECT is((:runners), '{}'::bigint[], 'so the session reads nothing');
RESET ROLE;
UPDATE runner_policy.users SET state = 'active' WHERE id = 13;
SET ROLE regress_matrix_app;

-- ---------------------------------------------------------------------
-- Instance read token: capped by its user's current rights (ops, 6).
-- ---------------------------------------------------------------------
SELECT is(runner_policy.authenticate(:'inst_ops'), 'instance_token', 'ops'' instance token authenticates');
SELECT is((:runners), '{1000,1001,1002,1003,1004,1005,1006}'::bigint[], 'while ops is an admin: every runner');
SELECT is(array_length((:jobs), 1), 13, 'while ops is an admin: every job');
RESET ROLE;
UPDATE runner_policy.users SET admin = false, auditor = true WHERE id = 6;
SET ROLE regress_matrix_app;
SELECT is((:runners), '{1000,1001,1002,1003,1004,1005,1006}'::bigint[], 'ops an auditor: still every runner');
SELECT is(array_length((:jobs), 1), 13, 'ops an auditor: still every job');
RESET ROLE;
UPDATE runner_policy.users SET auditor = false WHERE id = 6;
SET ROLE regress_matrix_app;
SELECT is((:runners), '{1000}'::bigint[], 'ops a plain user: the instance runner only, as ops');
SELECT is((:jobs), '{}'::bigint[], 'ops a plain user: no job');
RESET ROLE;
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (100, 6, 40);
SET ROLE regress_matrix_app;
SELECT is((:runners), '{1000,1001,1002,1006}'::bigint[], 'ops maintainer of 100: the runners a maintainer of 100 reads');
SELECT is((:jobs), '{5001,5004,5009}'::bigint[], 'ops maintainer of 100: the jobs of 100');
SELECT is(pg_temp.would($$UPDATE runner_policy.ci_runners SET paused = paused RETURNING id$$), '{}'::text[],
	'and still changes nothing: a read token never writes');
RESET ROLE;
UPDATE runner_policy.users SET state = 'blocked' WHERE id = 6;
SET ROLE regress_matrix_app;
SELECT throws_ok(:'runners', '28000', 'invalid token', 'ops blocked: the token dies at the next statement');
SELECT is((:kind), NULL, 'and the actor is cleared');
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', :'inst_ops'), '28000', 'invalid token',
	'a token of a blocked user does not authenticate');

-- ---------------------------------------------------------------------
-- Instance token revoked, or expired.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT id AS inst_runners_id FROM runner_policy.tokens WHERE kind = 'instance_token' AND scopes = '{read_runners}' \gset
SELECT id AS inst_both_id FROM runner_policy.tokens WHERE kind = 'instance_token' AND user_id = 1 AND scopes = '{read_runners,read_jobs}' \gset
SELECT id AS job_stranger_id FROM runner_policy.tokens WHERE kind = 'job_token' AND job_id = 5010 \gset
SELECT runner_policy.authenticate(:'inst_runners') \g /dev/null
SELECT is(array_length((:runners), 1), 7, 'instance token reads every runner');
RESET ROLE;
UPDATE runner_policy.tokens SET revoked_at = now() WHERE id = :inst_runners_id;
SET ROLE regress_matrix_app;
SELECT throws_ok(:'runners', '28000', 'invalid token', 'revoked: the token dies at the next statement');
SELECT is((:kind), NULL, 'and the actor is cleared');
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', :'inst_runners'), '28000', 'invalid token',
	'a revoked token does not authenticate');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT is(array_length((:jobs), 1), 13, 'instance token reads every job');
RESET ROLE;
UPDATE runner_policy.tokens SET expires_at = now() - interval '1 minute' WHERE id = :inst_both_id;
SET ROLE regress_matrix_app;
SELECT throws_ok(:'jobs', '28000', 'invalid token', 'expired: the token dies at the next statement');
SELECT is((:kind), NULL, 'and the actor is cleared');
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', :'inst_both'), '28000', 'invalid token',
	'an expired token does not authenticate');

-- revoke_token(): admins and the token's own user only.
SELECT runner_policy.act_as(2) \g /dev/null
SELECT throws_ok(format('SELECT runner_policy.revoke_token(%s)', :job_stranger_id), '42501',
	'permission denied to revoke token ' || :job_stranger_id, 'auditor cannot revoke a token');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT throws_ok(format('SELECT runner_policy.revoke_token(%s)', :job_stranger_id), '42501',
	'permission denied to revoke token ' || :job_stranger_id, 'another user cannot revoke a token');
SELECT runner_policy.authenticate(:'job_stranger') \g /dev/null
SELECT throws_ok(format('SELECT runner_policy.revoke_token(%s)', :job_stranger_id), '42501',
	'permission denied to revoke token ' || :job_stranger_id, 'a job token cannot revoke itself (only a user actor can)');
SELECT runner_policy.act_as(12) \g /dev/null
SELECT lives_ok(format('SELECT runner_policy.revoke_token(%s)', :job_stranger_id), 'the token''s own user revokes it');
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', :'job_stranger'), '28000', 'invalid token',
	'the revoked job token does not authenticate');

-- ---------------------------------------------------------------------
-- Job tokens die when their job leaves 'running'.
-- ---------------------------------------------------------------------
SELECT is(runner_policy.authenticate(:'job_dev'), 'job_token', 'job token of running job 5009 authenticates');
SELECT is((:jobs), '{5009}'::bigint[], 'and reads its job');
RESET ROLE;
UPDATE runner_policy.ci_builds SET status = 'success', finished_at = now() WHERE id = 5009;
SET ROLE regress_matrix_app;
SELECT throws_ok(:'jobs', '28000', 'invalid token', 'job finished: the token dies at the next statement');
SELECT is((:kind), NULL, 'and the actor is cleared');
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', :'job_dev'), '28000', 'invalid token',
	'the job token of a finished job does not authenticate');
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', :'ext_dev'), '28000', 'invalid token',
	'nor the extended job token of that job');
-- cancelled through the application by a developer: the same.
SELECT is(runner_policy.authenticate(:'ext_read_api'), 'extended_job_token', 'extended job token of running job 5001 authenticates');
SELECT runner_policy.act_as(22) \g /dev/null
SELECT lives_ok($$UPDATE runner_policy.ci_builds SET status = 'canceled', finished_at = now() WHERE id = 5001$$,
	'a developer cancels job 5001');
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', :'ext_read_api'), '28000', 'invalid token',
	'its extended job token no longer authenticates');
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', :'job_owner'), '28000', 'invalid token',
	'nor its job token');
SELECT throws_ok($$SELECT runner_policy.issue_job_token(5001)$$, '55000', 'job 5001 is not running',
	'and no new token is issued for it');

-- A job token's user blocked: the token dies too.
RESET ROLE;
UPDATE runner_policy.ci_builds SET status = 'running' WHERE id = 5012;
SET ROLE regress_matrix_app;
SELECT runner_policy.issue_job_token(5012, '{read_api}') AS ext_5012 \gset
SELECT is(runner_policy.authenticate(:'ext_5012'), 'extended_job_token', 'extended job token of job 5012 (user 12) authenticates');
SELECT is((:jobs), '{5001,5004,5009,5012}'::bigint[], 'and reads as user 12');
RESET ROLE;
UPDATE runner_policy.users SET state = 'blocked' WHERE id = 12;
SET ROLE regress_matrix_app;
SELECT throws_ok(:'jobs', '28000', 'invalid token', 'its user blocked: the token dies at the next statement');
SELECT is((:kind), NULL, 'and the actor is cleared');

-- ---------------------------------------------------------------------
-- Runner tokens: a reset (or a deleted runner) ends the old token.
-- ---------------------------------------------------------------------
SELECT is(runner_policy.authenticate(:'runner_1003'), 'runner', 'runner 1003 authenticates');
SELECT runner_policy.act_as(1) \g /dev/null
SELECT runner_policy.reset_runner_token(1003) AS runner_1003_new \gset
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', :'runner_1003'), '28000', 'invalid token',
	'the old runner token no longer authenticates');
SELECT is(runner_policy.authenticate(:'runner_1003_new'), 'runner', 'the new one does');
SELECT is((:runners), '{1003}'::bigint[], 'and reads runner 1003');
RESET ROLE;
DELETE FROM runner_policy.ci_runners WHERE id = 1003;
SET ROLE regress_matrix_app;
SELECT throws_ok(:'runners', '28000', 'invalid token', 'runner deleted: its actor dies at the next statement');
SELECT is((:kind), NULL, 'and the actor is cleared');

-- Unknown tokens of every kind: one error, and no actor.
SELECT runner_policy.act_as(1) \g /dev/null
SELECT throws_ok($$SELECT runner_policy.authenticate('rpx_' || repeat('0', 64))$$, '28000', 'invalid token', 'an unknown token');
SELECT is((:kind), NULL, 'a failed authentication ends the actor before it');

SELECT runner_policy.reset_actor() \g /dev/null
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
