-- doc/permissions.md, runner_policy.authorize(project_id, scope) for every kind
-- of actor, through the forge's application role.  pg_temp.allowed(project)
-- lists the scopes granted, in the order read_api, api, read_repository,
-- write_repository, read_registry, write_registry, write_releases.
BEGIN;
\ir matrix_fixture.psql
SELECT plan(71);
\set actor_role regress_matrix_app
\ir as_role.psql

\set all_scopes '''{read_api,api,read_repository,write_repository,read_registry,write_registry,write_releases}''::text[]'
\set read_scopes '''{read_api,read_repository,read_registry}''::text[]'
\set none '''{}''::text[]'

-- admin: everything on any existing project, nothing on a missing one.
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is(pg_temp.allowed(100), :all_scopes, 'admin: every scope on a private project');
SELECT is(pg_temp.allowed(102), :all_scopes, 'admin: every scope on a project of another group');
SELECT is(pg_temp.allowed(104), :all_scopes, 'admin: every scope on a public project');
SELECT is(pg_temp.allowed(999), :none, 'admin: nothing on a project that does not exist');

-- auditor: reads everywhere, writes nowhere.
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is(pg_temp.allowed(100), :read_scopes, 'auditor: read scopes on a private project');
SELECT is(pg_temp.allowed(102), :read_scopes, 'auditor: read scopes on any private project');
SELECT is(pg_temp.allowed(104), :read_scopes, 'auditor: read scopes, no write, on a public project');

-- user with no membership: reads public and internal projects only.
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is(pg_temp.allowed(100), :none, 'no membership: nothing on a private project');
SELECT is(pg_temp.allowed(104), :read_scopes, 'no membership: read scopes on a public project');
SELECT is(pg_temp.allowed(105), :read_scopes, 'no membership: read scopes on an internal project');

-- users directly on 100: reading needs reporter+, writing developer+.
SELECT runner_policy.act_as(10) \g /dev/null
SELECT is(pg_temp.allowed(100), :none, 'project guest: nothing on its private project');
SELECT is(pg_temp.allowed(104), :read_scopes, 'project guest: read scopes on a public project');
SELECT runner_policy.act_as(11) \g /dev/null
SELECT is(pg_temp.allowed(100), :read_scopes, 'project reporter: read scopes only');
SELECT is(pg_temp.allowed(101), :none, 'project reporter: nothing on a private project it is not in');
SELECT runner_policy.act_as(12) \g /dev/null
SELECT is(pg_temp.allowed(100), :all_scopes, 'project developer: every scope');
SELECT is(pg_temp.allowed(104), :read_scopes, 'project developer: read scopes only on a public project it is not in');
SELECT runner_policy.act_as(13) \g /dev/null
SELECT is(pg_temp.allowed(100), :all_scopes, 'project maintainer: every scope');
SELECT runner_policy.act_as(14) \g /dev/null
SELECT is(pg_temp.allowed(107), :all_scopes, 'project owner: every scope');
SELECT is(pg_temp.allowed(103), :none, 'project owner: nothing on a private project of the group above');

-- users through group acme, inherited by every project below.
SELECT runner_policy.act_as(20) \g /dev/null
SELECT is(pg_temp.allowed(100), :none, 'group guest: nothing on a project below');
SELECT runner_policy.act_as(21) \g /dev/null
SELECT is(pg_temp.allowed(100), :read_scopes, 'group reporter: read scopes on a project two groups below');
SELECT is(pg_temp.allowed(103), :read_scopes, 'group reporter: read scopes on a project of the group');
SELECT runner_policy.act_as(22) \g /dev/null
SELECT is(pg_temp.allowed(101), :all_scopes, 'group developer: every scope on a project below');
SELECT is(pg_temp.allowed(102), :none, 'group developer: nothing on a project of another group');
SELECT runner_policy.act_as(23) \g /dev/null
SELECT is(pg_temp.allowed(103), :all_scopes, 'group maintainer: every scope');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT is(pg_temp.allowed(107), :all_scopes, 'group owner: every scope');
SELECT runner_policy.act_as(30) \g /dev/null
SELECT is(pg_temp.allowed(104), :all_scopes, 'developer of a public project: every scope on it');
SELECT runner_policy.act_as(31) \g /dev/null
SELECT is(pg_temp.allowed(101), :all_scopes, 'owner of platform: every scope on a project of platform');
SELECT is(pg_temp.allowed(103), :none, 'owner of platform: nothing on a project of acme above');

-- instance tokens and runners: nothing, even on public projects.
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT is(pg_temp.allowed(100), :none, 'instance token (of an admin): nothing on a private project');
SELECT is(pg_temp.allowed(104), :none, 'instance token: nothing on a public project');
SELECT runner_policy.authenticate(:'inst_runners') \g /dev/null
SELECT is(pg_temp.allowed(104), :none, 'instance token with read_runners: nothing');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT is(pg_temp.allowed(100), :none, 'runner: nothing on its owner project');
SELECT is(pg_temp.allowed(104), :none, 'runner: nothing on a public project');

-- job token (job 5009 of 100, user 12 developer of 100 and 107; 107 and
-- 101 let 100 in): read_* and write_registry on its project, read_* on the
-- scope-linked projects its user may read, nothing else.
SELECT runner_policy.authenticate(:'job_dev') \g /dev/null
SELECT is(pg_temp.allowed(100), '{read_api,read_repository,read_registry,write_registry}'::text[],
	'job token: read scopes and write_registry on its own project');
SELECT is(pg_temp.allowed(107), :read_scopes, 'job token: read scopes on a project that lets its project in');
SELECT is(pg_temp.allowed(101), :none, 'job token: nothing on a scope-linked project its user may not read');
SELECT is(pg_temp.allowed(104), :none, 'job token: nothing on a public project that does not let it in');
SELECT is(pg_temp.allowed(103), :none, 'job token: nothing on another project');
-- job 5001 of 100, user 24 (group owner): the same shape, its user reads 101 too
SELECT runner_policy.authenticate(:'job_owner') \g /dev/null
SELECT is(pg_temp.allowed(100), '{read_api,read_repository,read_registry,write_registry}'::text[],
	'job token of a group owner: still no api, write_repository or write_releases on its project');
SELECT is(pg_temp.allowed(101), :read_scopes, 'job token of a group owner: read scopes on a scope-linked project');
SELECT is(pg_temp.allowed(103), :none, 'job token of a group owner: nothing on a project its user owns that does not let it in');
-- job 5010 of 106, user 12 who has no access to 106
SELECT runner_policy.authenticate(:'job_stranger') \g /dev/null
SELECT is(pg_temp.allowed(106), :none, 'job token: nothing on its own project when its user may not read it');
SELECT is(pg_temp.allowed(104), :none, 'job token: nothing on a public project');

-- extended job token: exactly its scopes, intersected with its user's rights.
SELECT runner_policy.authenticate(:'ext_read_api') \g /dev/null
SELECT is(pg_temp.allowed(100), '{read_api}'::text[], 'extended job token {read_api}: read_api on its project');
SELECT is(pg_temp.allowed(103), '{read_api}'::text[], 'extended job token {read_api}: read_api on another project of its user');
SELECT is(pg_temp.allowed(104), '{read_api}'::text[], 'extended job token {read_api}: read_api on a public project');
SELECT is(pg_temp.allowed(102), :none, 'extended job token {read_api}: nothing where its user has nothing');
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT is(pg_temp.allowed(100), '{api}'::text[], 'extended job token {api}: api only (api does not imply read_api)');
SELECT is(pg_temp.allowed(104), :none, 'extended job token {api}: no api where its user is not a developer');
SELECT runner_policy.authenticate(:'ext_other') \g /dev/null
SELECT is(pg_temp.allowed(100), '{read_repository,write_registry}'::text[], 'extended job token {read_repository,write_registry}: those two');
SELECT is(pg_temp.allowed(104), '{read_repository}'::text[], 'extended job token: on a public project only the read one');
SELECT runner_policy.authenticate(:'ext_dev') \g /dev/null
SELECT is(pg_temp.allowed(100), '{read_api,api}'::text[], 'extended job token {read_api,api} of a developer: both');
SELECT is(pg_temp.allowed(101), :none, 'extended job token of a developer: nothing where its user has nothing');
SELECT is(pg_temp.allowed(104), '{read_api}'::text[], 'extended job token of a developer: read_api, not api, on a public project');

-- no actor: nothing.
SELECT runner_policy.reset_actor() \g /dev/null
SELECT is(pg_temp.allowed(100), :none, 'no actor: nothing on a private project');
SELECT is(pg_temp.allowed(104), :none, 'no actor: nothing on a public project');

-- Each answer is one call: a single scope, true or false.
SELECT runner_policy.act_as(11) \g /dev/null
SELECT is(runner_policy.authorize(100, 'read_repository'), true, 'reporter: authorize(100, read_repository) is true');
SELECT is(runner_policy.authorize(100, 'write_repository'), false, 'reporter: authorize(100, write_repository) is false');
SELECT is(runner_policy.authorize(999, 'read_api'), false, 'authorize on a project that does not exist is false');

-- Bad input: 22023, for every actor.
SELECT throws_ok($$SELECT runner_policy.authorize(NULL, 'read_api')$$, '22023', 'project_id must not be null', 'NULL project');
SELECT throws_ok($$SELECT runner_policy.authorize(100, NULL)$$, '22023', 'scope must not be null', 'NULL scope');
SELECT throws_ok($$SELECT runner_policy.authorize(100, 'admin')$$, '22023', 'unrecognized scope "admin"', 'unknown scope');
SELECT throws_ok($$SELECT runner_policy.authorize(100, 'read_runners')$$, '22023', 'unrecognized scope "read_runners"',
	'an instance token scope is not a project scope');
SELECT throws_ok($$SELECT runner_policy.authorize(100, 'READ_API')$$, '22023', 'unrecognized scope "READ_API"', 'scopes are case-sensitive');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT throws_ok($$SELECT runner_policy.authorize(100, 'write')$$, '22023', 'unrecognized scope "write"', 'unknown scope with no actor');
SELECT runner_policy.authenticate(:'job_dev') \g /dev/null
SELECT throws_ok($$SELECT runner_policy.authorize(100, '')$$, '22023', 'unrecognized scope ""', 'empty scope for a job token');

-- authorize() follows membership changes at once (the next statement).
SELECT runner_policy.act_as(13) \g /dev/null
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (100, 3, 20);
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is(pg_temp.allowed(100), :read_scopes, 'a user made reporter reads at once');
SELECT runner_policy.act_as(13) \g /dev/null
UPDATE runner_policy.project_members SET access_level = 30 WHERE project_id = 100 AND user_id = 3;
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is(pg_temp.allowed(100), :all_scopes, 'made developer, writes at once');
SELECT runner_policy.act_as(13) \g /dev/null
DELETE FROM runner_policy.project_members WHERE project_id = 100 AND user_id = 3;
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is(pg_temp.allowed(100), :none, 'removed, nothing at once');
-- a scope link removed by the target's maintainer closes the door at once
SELECT runner_policy.act_as(13) \g /dev/null
DELETE FROM runner_policy.ci_job_token_scope_links WHERE source_project_id = 100 AND target_project_id = 107;
SELECT runner_policy.authenticate(:'job_dev') \g /dev/null
SELECT is(pg_temp.allowed(107), :none, 'job token: nothing on 107 once 107 no longer lets 100 in');

SELECT runner_policy.reset_actor() \g /dev/null
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
