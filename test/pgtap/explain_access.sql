-- explain_access(): why a user may or may not read, update, delete or link
-- a runner (doc/auditing.md).  Its yes and no must agree with what each user
-- can actually do, for every user, runner and action of the permission
-- matrix fixture; its words name the membership that decides.
BEGIN;
\ir matrix_fixture.psql
SELECT plan(12);
GRANT EXECUTE ON FUNCTION runner_policy.explain_access(bigint, bigint, text) TO regress_matrix_app;

\ir enforced.psql
CREATE TEMP TABLE cases AS
	SELECT u.id AS user_id, r.id AS runner_id, a.action
	  FROM runner_policy.users u, runner_policy.ci_runners r,
		   unnest(ARRAY['read', 'update', 'delete', 'link']) AS a (action);
GRANT SELECT ON cases TO regress_matrix_app;

\set actor_role regress_matrix_app
\ir as_role.psql

SELECT is((SELECT count(*) FROM cases), 504::bigint, '18 users, 7 runners, 4 actions');
SELECT is(
	(SELECT string_agg(format('%s %s runner %s: explain says %s', c.user_id, c.action, c.runner_id,
							  runner_policy.explain_access(c.user_id, c.runner_id, c.action)), E'\n')
	   FROM cases c
	  WHERE (runner_policy.explain_access(c.user_id, c.runner_id, c.action) LIKE 'yes:%')
			IS DISTINCT FROM pg_temp.enforced(c.user_id, c.runner_id, c.action)),
	NULL, 'explain_access() agrees with enforcement on all 504 cases');
SELECT is((SELECT count(*) FROM cases c
		    WHERE runner_policy.explain_access(c.user_id, c.runner_id, c.action) LIKE 'yes:%'),
		  (SELECT count(*) FROM cases c WHERE pg_temp.enforced(c.user_id, c.runner_id, c.action)),
		  'as many yes as enforced');
SELECT cmp_ok((SELECT count(*) FROM cases c WHERE pg_temp.enforced(c.user_id, c.runner_id, c.action)),
			  '>', 100::bigint, 'and the fixture has plenty of both');

-- The words.
SELECT is(runner_policy.explain_access(13, 1002, 'read'),
	'yes: p_maintainer is maintainer (40) of project 100 (acme/platform/ci/api), which owns runner 1002',
	'a direct membership on the owner project');
SELECT is(runner_policy.explain_access(23, 1002, 'update'),
	'yes: g_maintainer is maintainer (40) of group 10 (acme), which contains project 100 (acme/platform/ci/api), which owns runner 1002',
	'an inherited membership names the group');
SELECT is(runner_policy.explain_access(32, 1002, 'read'),
	'yes: docs_maintainer is maintainer (40) of project 103 (acme/docs), which is linked to runner 1002',
	'a link to a project the user maintains');
SELECT is(runner_policy.explain_access(32, 1002, 'update'),
	'no: docs_maintainer is not maintainer (40) or more of project 100 (acme/platform/ci/api), which owns runner 1002',
	'what is missing');
SELECT is(runner_policy.explain_access(1, 1000, 'delete'),
	'yes: root is an administrator, who may delete every runner', 'an administrator');
SELECT is(runner_policy.explain_access(4, 1002, 'read'),
	'no: blocked is blocked, and a blocked user may do nothing', 'a blocked user');
SELECT throws_ok($$SELECT runner_policy.explain_access(1, 1000, 'own')$$, '22023',
	'unrecognized action "own"', 'an unknown action');
RESET ROLE;
REVOKE EXECUTE ON FUNCTION runner_policy.explain_access(bigint, bigint, text) FROM regress_matrix_app;
SET ROLE regress_matrix_app;
SELECT throws_ok($$SELECT runner_policy.explain_access(1, 1000, 'read')$$, '42501',
	'permission denied for function explain_access', 'not for PUBLIC');
SELECT * FROM finish();
ROLLBACK;
