-- Bad input gets its documented error (doc/errors.md; README "Errors") and
-- leaves every table as it was.  Run as the forge's application role.
BEGIN;
\ir fixture.psql
SELECT plan(33);
\set actor_role regress_forge_app
\ir as_role.psql
-- As an administrator, so that only the input decides.
SELECT runner_policy.act_as(1) \g /dev/null
SELECT pg_temp.tables_digest() AS digest_before \gset

-- Runners
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type) VALUES (NULL)$$,
	'22023', 'runner_type must not be null', 'NULL runner_type');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type) VALUES (4)$$,
	'22023', 'invalid runner_type 4', 'unknown runner_type 4');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type) VALUES (0)$$,
	'22023', 'invalid runner_type 0', 'unknown runner_type 0');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type) VALUES (-3)$$,
	'22023', 'invalid runner_type -3', 'negative runner_type');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type) VALUES ('project_type')$$,
	'22P02', NULL, 'runner_type by name is not a number');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (3, NULL)$$,
	'22023', 'a project runner needs an owner project', 'project runner without owner');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (2, NULL)$$,
	'22023', 'a group runner needs an owner namespace', 'group runner without owner');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (3, -100)$$,
	'22023', 'invalid project id -100', 'negative owner project');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (2, 0)$$,
	'22023', 'invalid namespace id 0', 'zero owner namespace');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (3, 424242)$$,
	'23503', 'project 424242 does not exist', 'unknown owner project');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (3, 10)$$,
	'23503', 'project 10 does not exist', 'a namespace id is not a project id');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (2, 424242)$$,
	'23503', 'namespace 424242 does not exist', 'unknown owner namespace');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (1, 100)$$,
	'22023', 'an instance runner cannot have an owner', 'instance runner with an owner');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id) VALUES (1002, 3, 100)$$,
	'42501', 'permission denied to choose the id of a new row in ci_runners', 'an actor does not choose a runner id');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (3, 100), (3, 424242)$$,
	'23503', 'project 424242 does not exist', 'one bad row refuses the whole statement');

-- Links
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (NULL, 101)$$,
	'22023', 'runner_id must not be null', 'NULL runner_id');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1002, NULL)$$,
	'22023', 'project_id must not be null', 'NULL project_id');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (-1002, 102)$$,
	'22023', 'invalid runner id -1002', 'negative runner_id');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1002, -102)$$,
	'22023', 'invalid project id -102', 'negative project_id');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (424242, 102)$$,
	'23503', 'runner 424242 does not exist', 'unknown runner');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1002, 424242)$$,
	'23503', 'project 424242 does not exist', 'unknown project');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1001, 102)$$,
	'23514', 'cannot link group runner 1001 to project 102', 'a group runner linked to a project');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1002, 101)$$,
	'23505', 'runner 1002 is already linked to project 101', 'duplicate link');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1002, 102), (1002, 102)$$,
	'23505', NULL, 'duplicate link within one statement');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1002, 100)$$,
	'23505', 'runner 1002 is already linked to project 100', 'duplicate owner link');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_namespaces (runner_id, namespace_id) VALUES (NULL, 11)$$,
	'22023', 'runner_id must not be null', 'NULL runner_id of a namespace link');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_namespaces (runner_id, namespace_id) VALUES (1001, NULL)$$,
	'22023', 'namespace_id must not be null', 'NULL namespace_id');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_namespaces (runner_id, namespace_id) VALUES (424242, 11)$$,
	'23503', 'runner 424242 does not exist', 'namespace link of an unknown runner');

-- Memberships and groups
SELECT throws_ok($$INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (100, 2, 35)$$,
	'22023', 'invalid access level 35', 'access level between the levels');
SELECT throws_ok($$INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level) VALUES (10, 2, NULL)$$,
	'22023', 'access_level must not be null', 'NULL access level');
SELECT throws_ok($$INSERT INTO runner_policy.namespaces (parent_id, name) VALUES (424242, 'x')$$,
	'23503', 'parent namespace 424242 does not exist', 'unknown parent group');
SELECT throws_ok($$UPDATE runner_policy.namespaces SET parent_id = 12 WHERE id = 10$$,
	'23514', 'cannot move namespace 10 under namespace 12', 'a group under its own subgroup');

SELECT is(pg_temp.tables_digest(), :'digest_before', 'no refused statement changed any table');
SELECT runner_policy.reset_actor() \g /dev/null
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
