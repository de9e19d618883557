-- doc/permissions.md, "Other tables": members lists (project_members,
-- group_members) and job token scope links, read and written by every kind
-- of actor, through the forge's application role.
BEGIN;
\ir matrix_fixture.psql
SELECT plan(108);
\set actor_role regress_matrix_app
\ir as_role.psql
SELECT pg_temp.tables_digest() AS digest_before \gset

\set pm 'SELECT ARRAY(SELECT project_id || '':'' || user_id FROM runner_policy.project_members ORDER BY project_id, user_id)'
\set gm 'SELECT ARRAY(SELECT namespace_id || '':'' || user_id FROM runner_policy.group_members ORDER BY namespace_id, user_id)'
\set sl 'SELECT ARRAY(SELECT source_project_id || ''>'' || target_project_id FROM runner_policy.ci_job_token_scope_links ORDER BY 1)'
\set all_pm '''{100:4,100:10,100:11,100:12,100:13,100:14,103:32,104:30,107:10,107:11,107:12,107:13,107:14}''::text[]'
\set pm_100_107 '''{100:4,100:10,100:11,100:12,100:13,100:14,104:30,107:10,107:11,107:12,107:13,107:14}''::text[]'
\set all_gm '''{10:20,10:21,10:22,10:23,10:24,11:31,13:30,30:31}''::text[]'
\set all_sl '''{100>101,100>107,102>100,102>106}''::text[]'
\set del_pm 'SELECT pg_temp.would($$DELETE FROM runner_policy.project_members RETURNING project_id || '':'' || user_id$$)'
\set del_gm 'SELECT pg_temp.would($$DELETE FROM runner_policy.group_members RETURNING namespace_id || '':'' || user_id$$)'
\set del_sl 'SELECT pg_temp.would($$DELETE FROM runner_policy.ci_job_token_scope_links RETURNING source_project_id || ''>'' || target_project_id$$)'
\set add_pm 'INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (%s, 3, %s)'
\set add_gm 'INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level) VALUES (%s, 3, %s)'
\set add_sl 'INSERT INTO runner_policy.ci_job_token_scope_links (source_project_id, target_project_id) VALUES (%s, %s)'
\set rls_pm 'new row violates row-level security policy for table "project_members"'
\set rls_gm 'new row violates row-level security policy for table "group_members"'
\set rls_sl 'new row violates row-level security policy for table "ci_job_token_scope_links"'

-- ---------------------------------------------------------------------
-- Members lists: readable by whoever reads the project or group.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is((:pm), :all_pm, 'admin reads every project member');
SELECT is((:gm), :all_gm, 'admin reads every group member');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is((:pm), :all_pm, 'auditor reads every project member');
SELECT is((:gm), :all_gm, 'auditor reads every group member');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is((:pm), '{104:30}'::text[], 'user with no membership: members of the public project');
SELECT is((:gm), '{30:31}'::text[], 'user with no membership: members of the public group');
SELECT runner_policy.act_as(10) \g /dev/null
SELECT is((:pm), :pm_100_107, 'project guest: members of its projects and of the public one');
SELECT is((:gm), '{30:31}'::text[], 'project guest: not the members of the private groups above');
SELECT runner_policy.act_as(20) \g /dev/null
SELECT is((:pm), :all_pm, 'group guest: members of every project below (and the public one)');
SELECT is((:gm), :all_gm, 'group guest: members of its group, sub-groups and the public group');
SELECT runner_policy.act_as(30) \g /dev/null
SELECT is((:gm), '{13:30,30:31}'::text[], 'member of a sub-group: that group''s members, not its parent''s');
SELECT runner_policy.act_as(31) \g /dev/null
SELECT is((:gm), '{11:31,13:30,30:31}'::text[], 'owner of platform: platform and below');
SELECT runner_policy.act_as(32) \g /dev/null
SELECT is((:pm), '{103:32,104:30}'::text[], 'maintainer of 103: members of 103 and of the public project');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT is((:pm), '{104:30}'::text[], 'instance token: members of the public project only');
SELECT is((:gm), '{30:31}'::text[], 'instance token: members of the public group only');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT is((:pm), '{104:30}'::text[], 'runner: members of the public project only');
SELECT runner_policy.authenticate(:'job_dev') \g /dev/null
SELECT is((:pm), :pm_100_107, 'job token: members of the projects it reads');
SELECT is((:gm), '{30:31}'::text[], 'job token: members of the public group');
SELECT runner_policy.authenticate(:'ext_read_api') \g /dev/null
SELECT is((:pm), :all_pm, 'extended job token with read_api: as its user');
SELECT is((:gm), :all_gm, 'extended job token with read_api: groups as its user');
SELECT runner_policy.authenticate(:'ext_other') \g /dev/null
SELECT is((:pm), '{104:30}'::text[], 'extended job token without read_api/api: public project only');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT is((:pm), '{}'::text[], 'no actor reads no project member');
SELECT is((:gm), '{}'::text[], 'no actor reads no group member');

-- ---------------------------------------------------------------------
-- Project members: maintainers+ add and remove members up to their own
-- level; admins anything.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is(pg_temp.would_count(format(:'add_pm', 102, 50)), 1::bigint, 'admin adds an owner anywhere');
SELECT is((:del_pm), '{100:4,100:10,100:11,100:12,100:13,100:14,103:32,104:30,107:10,107:11,107:12,107:13,107:14}'::text[],
	'admin removes any member');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT throws_ok(format(:'add_pm', 100, 10), '42501', :'rls_pm', 'auditor adds no member');
SELECT is((:del_pm), '{}'::text[], 'auditor removes no member');
SELECT runner_policy.act_as(11) \g /dev/null
SELECT throws_ok(format(:'add_pm', 100, 10), '42501', :'rls_pm', 'project reporter adds no member');
SELECT runner_policy.act_as(12) \g /dev/null
SELECT throws_ok(format(:'add_pm', 100, 10), '42501', :'rls_pm', 'project developer adds no member');
SELECT is((:del_pm), '{}'::text[], 'project developer removes no member');
SELECT runner_policy.act_as(13) \g /dev/null
SELECT is(pg_temp.would_count(format(:'add_pm', 100, 40)), 1::bigint, 'project maintainer adds a maintainer');
SELECT throws_ok(format(:'add_pm', 100, 50), '42501', :'rls_pm', 'project maintainer cannot add an owner (above its level)');
SELECT throws_ok(format(:'add_pm', 101, 10), '42501', :'rls_pm', 'project maintainer cannot add to a project it does not maintain');
SELECT is((:del_pm), '{100:4,100:10,100:11,100:12,100:13,107:10,107:11,107:12,107:13}'::text[],
	'project maintainer removes members up to maintainer of its projects, not owners');
SELECT is(pg_temp.would($$UPDATE runner_policy.project_members SET access_level = 40 WHERE project_id = 100 AND user_id = 12 RETURNING user_id$$),
	'{12}'::text[], 'project maintainer promotes a developer to maintainer');
SELECT throws_ok($$UPDATE runner_policy.project_members SET access_level = 50 WHERE project_id = 100 AND user_id = 12$$,
	'42501', :'rls_pm', 'project maintainer cannot promote anyone to owner');
SELECT is(pg_temp.would($$UPDATE runner_policy.project_members SET access_level = 10 WHERE user_id = 14 RETURNING user_id$$),
	'{}'::text[], 'project maintainer cannot demote an owner');
SELECT runner_policy.act_as(14) \g /dev/null
SELECT is(pg_temp.would_count(format(:'add_pm', 100, 50)), 1::bigint, 'project owner adds an owner');
SELECT is((:del_pm), '{100:4,100:10,100:11,100:12,100:13,100:14,107:10,107:11,107:12,107:13,107:14}'::text[],
	'project owner removes any member of its projects');
SELECT runner_policy.act_as(22) \g /dev/null
SELECT throws_ok(format(:'add_pm', 100, 10), '42501', :'rls_pm', 'group developer adds no project member');
SELECT runner_policy.act_as(23) \g /dev/null
SELECT is(pg_temp.would_count(format(:'add_pm', 103, 40)), 1::bigint, 'group maintainer (inherited) adds a maintainer to a project below');
SELECT throws_ok(format(:'add_pm', 103, 50), '42501', :'rls_pm', 'group maintainer cannot add an owner');
SELECT is((:del_pm), '{100:4,100:10,100:11,100:12,100:13,103:32,107:10,107:11,107:12,107:13}'::text[],
	'group maintainer removes members up to maintainer of the projects below');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT is(pg_temp.would_count(format(:'add_pm', 103, 50)), 1::bigint, 'group owner (inherited) adds an owner to a project below');
SELECT is((:del_pm), '{100:4,100:10,100:11,100:12,100:13,100:14,103:32,107:10,107:11,107:12,107:13,107:14}'::text[],
	'group owner removes any member of the projects below');
SELECT throws_ok(format(:'add_pm', 102, 10), '42501', :'rls_pm', 'group owner cannot add to a project of another group');
SELECT runner_policy.act_as(32) \g /dev/null
SELECT is((:del_pm), '{103:32}'::text[], 'maintainer of 103 removes members of 103 (itself)');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT throws_ok(format(:'add_pm', 100, 10), '42501', :'rls_pm', 'instance token adds no member');
SELECT runner_policy.authenticate(:'job_owner') \g /dev/null
SELECT throws_ok(format(:'add_pm', 100, 10), '42501', :'rls_pm', 'job token (of a group owner) adds no member');
SELECT is((:del_pm), '{}'::text[], 'job token removes no member');
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT throws_ok(format(:'add_pm', 100, 10), '42501', :'rls_pm', 'extended job token with api adds no member');
SELECT is((:del_pm), '{}'::text[], 'extended job token with api removes no member');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT throws_ok(format(:'add_pm', 100, 10), '42501', :'rls_pm', 'runner adds no member');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT throws_ok(format(:'add_pm', 100, 10), '42501', :'rls_pm', 'no actor adds no member');
SELECT is((:del_pm), '{}'::text[], 'no actor removes no member');

-- ---------------------------------------------------------------------
-- Group members: group owners add and remove members of their group (and
-- sub-groups) up to their own level; admins anything.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is(pg_temp.would_count(format(:'add_gm', 20, 50)), 1::bigint, 'admin adds a group owner anywhere');
SELECT is((:del_gm), '{10:20,10:21,10:22,10:23,10:24,11:31,13:30,30:31}'::text[], 'admin removes any group member');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT throws_ok(format(:'add_gm', 10, 10), '42501', :'rls_gm', 'auditor adds no group member');
SELECT is((:del_gm), '{}'::text[], 'auditor removes no group member');
SELECT runner_policy.act_as(13) \g /dev/null
SELECT throws_ok(format(:'add_gm', 12, 10), '42501', :'rls_gm', 'project maintainer adds no group member');
SELECT runner_policy.act_as(23) \g /dev/null
SELECT throws_ok(format(:'add_gm', 10, 10), '42501', :'rls_gm', 'group maintainer adds no group member (owners do)');
SELECT is((:del_gm), '{}'::text[], 'group maintainer removes no group member');
SELECT runner_policy.act_as(30) \g /dev/null
SELECT throws_ok(format(:'add_gm', 13, 10), '42501', :'rls_gm', 'maintainer of a sub-group adds no member to it');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT is(pg_temp.would_count(format(:'add_gm', 10, 50)), 1::bigint, 'group owner adds an owner to its group');
SELECT is(pg_temp.would_count(format(:'add_gm', 13, 40)), 1::bigint, 'group owner adds a member to a sub-group (inherited)');
SELECT throws_ok(format(:'add_gm', 20, 10), '42501', :'rls_gm', 'group owner adds no member to another group');
SELECT is((:del_gm), '{10:20,10:21,10:22,10:23,10:24,11:31,13:30}'::text[], 'group owner removes members of its group and sub-groups');
SELECT runner_policy.act_as(31) \g /dev/null
SELECT is(pg_temp.would_count(format(:'add_gm', 11, 50)), 1::bigint, 'owner of platform adds an owner to platform');
SELECT throws_ok(format(:'add_gm', 10, 10), '42501', :'rls_gm', 'owner of platform adds no member to acme above');
SELECT is((:del_gm), '{11:31,13:30}'::text[], 'owner of platform removes members of platform and below only');
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT throws_ok(format(:'add_gm', 10, 10), '42501', :'rls_gm', 'extended job token (of a group owner) adds no group member');
SELECT is((:del_gm), '{}'::text[], 'extended job token removes no group member');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT is((:del_gm), '{}'::text[], 'instance token removes no group member');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT throws_ok(format(:'add_gm', 10, 10), '42501', :'rls_gm', 'no actor adds no group member');

-- ---------------------------------------------------------------------
-- Job token scope links: admins and auditors read all, maintainers of
-- either project read theirs; admins and maintainers of the target write.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is((:sl), :all_sl, 'admin reads every scope link');
SELECT is(pg_temp.would_count(format(:'add_sl', 103, 104)), 1::bigint, 'admin adds any scope link');
SELECT is((:del_sl), '{100>101,100>107,102>100,102>106}'::text[], 'admin removes any scope link');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is((:sl), :all_sl, 'auditor reads every scope link');
SELECT throws_ok(format(:'add_sl', 103, 100), '42501', :'rls_sl', 'auditor adds no scope link');
SELECT is((:del_sl), '{}'::text[], 'auditor removes no scope link');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is((:sl), '{}'::text[], 'user with no membership reads no scope link');
SELECT runner_policy.act_as(12) \g /dev/null
SELECT is((:sl), '{}'::text[], 'project developer reads no scope link');
SELECT throws_ok(format(:'add_sl', 103, 100), '42501', :'rls_sl', 'project developer adds no scope link');
SELECT runner_policy.act_as(13) \g /dev/null
SELECT is((:sl), '{100>101,100>107,102>100}'::text[], 'project maintainer reads the scope links from and to its projects');
SELECT is(pg_temp.would_count(format(:'add_sl', 103, 100)), 1::bigint, 'project maintainer lets another project into its own');
SELECT throws_ok(format(:'add_sl', 100, 103), '42501', :'rls_sl', 'project maintainer cannot open another project to its own');
SELECT is((:del_sl), '{100>107,102>100}'::text[], 'project maintainer removes the scope links into its projects only');
SELECT runner_policy.act_as(14) \g /dev/null
SELECT is((:sl), '{100>101,100>107,102>100}'::text[], 'project owner reads the same');
SELECT runner_policy.act_as(23) \g /dev/null
SELECT is((:sl), '{100>101,100>107,102>100}'::text[], 'group maintainer (inherited) reads those of the projects below');
SELECT is((:del_sl), '{100>101,100>107,102>100}'::text[], 'group maintainer removes the scope links into projects below');
SELECT runner_policy.act_as(32) \g /dev/null
SELECT is((:sl), '{}'::text[], 'maintainer of 103 (in no scope link) reads none');
SELECT is(pg_temp.would_count(format(:'add_sl', 100, 103)), 1::bigint, 'maintainer of 103 lets 100 into 103');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT is((:sl), '{}'::text[], 'instance token reads no scope link');
SELECT throws_ok(format(:'add_sl', 103, 100), '42501', :'rls_sl', 'instance token adds no scope link');
SELECT runner_policy.authenticate(:'job_dev') \g /dev/null
SELECT is((:sl), '{}'::text[], 'job token reads no scope link, not even its project''s');
SELECT throws_ok(format(:'add_sl', 103, 100), '42501', :'rls_sl', 'job token adds no scope link');
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT is((:sl), '{}'::text[], 'extended job token reads no scope link');
SELECT throws_ok(format(:'add_sl', 103, 100), '42501', :'rls_sl', 'extended job token (of a group owner) adds no scope link');
SELECT is((:del_sl), '{}'::text[], 'extended job token removes no scope link');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT is((:sl), '{}'::text[], 'runner reads no scope link');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT is((:sl), '{}'::text[], 'no actor reads no scope link');
SELECT throws_ok(format(:'add_sl', 103, 100), '42501', :'rls_sl', 'no actor adds no scope link');

-- Refusals as real statements change nothing.
SELECT runner_policy.act_as(13) \g /dev/null
SELECT lives_ok($$DELETE FROM runner_policy.project_members WHERE access_level = 50$$, 'maintainer: DELETE of owners runs');
SELECT lives_ok($$DELETE FROM runner_policy.ci_job_token_scope_links WHERE target_project_id = 101$$,
	'maintainer: DELETE of a scope link into 101 runs');
SELECT runner_policy.act_as(23) \g /dev/null
SELECT lives_ok($$UPDATE runner_policy.group_members SET access_level = 50 WHERE user_id = 23$$,
	'group maintainer: UPDATE of its own group level runs');
SELECT is(pg_temp.tables_digest(), :'digest_before', 'no refusal or probe changed any table');

-- Permitted writes are real: the maintainer adds a member and sees it.
SELECT runner_policy.act_as(13) \g /dev/null
SELECT lives_ok(format(:'add_pm', 100, 30), 'project maintainer adds user 3 as developer of 100');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is(ARRAY(SELECT id FROM runner_policy.ci_builds ORDER BY id), '{5001,5004,5009}'::bigint[],
	'and user 3 reads the jobs of 100 at once');

SELECT runner_policy.reset_actor() \g /dev/null
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
