-- doc/permissions.md, the "read jobs (ci_builds)" row of the permission matrix
-- and the job rules below it (created and cancelled by developers+, taken
-- and reported by runners, deleted by admins), for every kind of actor,
-- through the forge's application role.
BEGIN;
\ir matrix_fixture.psql
SELECT plan(110);
\set actor_role regress_matrix_app
\ir as_role.psql
SELECT pg_temp.tables_digest() AS digest_before \gset

\set jobs 'SELECT ARRAY(SELECT id FROM runner_policy.ci_builds ORDER BY id)'
\set all_jobs '''{5000,5001,5002,5003,5004,5005,5006,5007,5008,5009,5010,5011,5012}''::bigint[]'
-- the jobs of 100 and 107, and of acme's projects 100, 101, 103, 107
\set jobs_100_107 '''{5001,5004,5009,5012}''::bigint[]'
\set jobs_acme '''{5000,5001,5003,5004,5005,5008,5009,5012}''::bigint[]'
-- a job of project 100 in the acting user's own name
\set ins 'INSERT INTO runner_policy.ci_builds (project_id, user_id, status) SELECT 100, user_id, ''pending'' FROM runner_policy.current_actor()'
\set cancel 'SELECT pg_temp.would($$UPDATE runner_policy.ci_builds SET status = ''canceled'', finished_at = now() WHERE status IN (''created'', ''pending'', ''running'') RETURNING id$$)'
\set del 'SELECT pg_temp.would($$DELETE FROM runner_policy.ci_builds RETURNING id$$)'
\set rls 'new row violates row-level security policy for table "ci_builds"'

-- ---------------------------------------------------------------------
-- Read jobs.  admin, auditor: every job.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is((:jobs), :all_jobs, 'admin reads every job');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is((:jobs), :all_jobs, 'auditor reads every job');

-- instance read token: with read_jobs (of an admin) every job; without, none.
SELECT runner_policy.authenticate(:'inst_jobs') \g /dev/null
SELECT is((:jobs), :all_jobs, 'instance token with read_jobs reads every job');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT is((:jobs), :all_jobs, 'instance token with both scopes reads every job');
SELECT runner_policy.authenticate(:'inst_runners') \g /dev/null
SELECT is((:jobs), '{}'::bigint[], 'instance token with read_runners only reads no job');

-- user: reporter+ of the job's project, direct or inherited.
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is((:jobs), '{}'::bigint[], 'user with no membership reads no job (not even of a public project)');
SELECT runner_policy.act_as(10) \g /dev/null
SELECT is((:jobs), '{}'::bigint[], 'project guest reads no job');
SELECT runner_policy.act_as(11) \g /dev/null
SELECT is((:jobs), :jobs_100_107, 'project reporter reads the jobs of its projects');
SELECT runner_policy.act_as(12) \g /dev/null
SELECT is((:jobs), :jobs_100_107, 'project developer reads the jobs of its projects');
SELECT runner_policy.act_as(13) \g /dev/null
SELECT is((:jobs), :jobs_100_107, 'project maintainer reads the jobs of its projects');
SELECT runner_policy.act_as(14) \g /dev/null
SELECT is((:jobs), :jobs_100_107, 'project owner reads the jobs of its projects');
SELECT runner_policy.act_as(20) \g /dev/null
SELECT is((:jobs), '{}'::bigint[], 'group guest reads no job');
SELECT runner_policy.act_as(21) \g /dev/null
SELECT is((:jobs), :jobs_acme, 'group reporter reads the jobs of every project below');
SELECT runner_policy.act_as(22) \g /dev/null
SELECT is((:jobs), :jobs_acme, 'group developer reads the jobs of every project below');
SELECT runner_policy.act_as(23) \g /dev/null
SELECT is((:jobs), :jobs_acme, 'group maintainer reads the jobs of every project below');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT is((:jobs), :jobs_acme, 'group owner reads the jobs of every project below');
SELECT runner_policy.act_as(30) \g /dev/null
SELECT is((:jobs), '{5007}'::bigint[], 'developer of a public project reads its jobs');
SELECT runner_policy.act_as(31) \g /dev/null
SELECT is((:jobs), '{5001,5003,5004,5005,5009,5012}'::bigint[], 'owner of platform reads its projects'' jobs, not those of 104 it guests');
SELECT runner_policy.act_as(32) \g /dev/null
SELECT is((:jobs), '{5000,5008}'::bigint[], 'maintainer of 103 reads the jobs of 103');

-- job token: its own job only (and only if its user may read it).
SELECT runner_policy.authenticate(:'job_dev') \g /dev/null
SELECT is((:jobs), '{5009}'::bigint[], 'job token reads its own job, not the other jobs of its project');
SELECT runner_policy.authenticate(:'job_owner') \g /dev/null
SELECT is((:jobs), '{5001}'::bigint[], 'job token of a group owner reads its own job only');
SELECT runner_policy.authenticate(:'job_stranger') \g /dev/null
SELECT is((:jobs), '{}'::bigint[], 'job token whose user may not read its project reads nothing');

-- extended job token: as its user, with read_api.
SELECT runner_policy.authenticate(:'ext_read_api') \g /dev/null
SELECT is((:jobs), :jobs_acme, 'extended job token with read_api reads as its user');
SELECT runner_policy.authenticate(:'ext_dev') \g /dev/null
SELECT is((:jobs), :jobs_100_107, 'extended job token with read_api of a developer reads as that developer');
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT is((:jobs), '{}'::bigint[], 'extended job token with api only reads no job (api is not read_api)');
SELECT runner_policy.authenticate(:'ext_other') \g /dev/null
SELECT is((:jobs), '{}'::bigint[], 'extended job token without read_api reads no job');

-- runner actor: the pending jobs it may pick up, and its own jobs.
SELECT runner_policy.authenticate(:'runner_1000') \g /dev/null
SELECT is((:jobs), '{5004,5005,5007,5008,5011}'::bigint[], 'instance runner: pending jobs of shared-runner projects, and its own');
SELECT runner_policy.authenticate(:'runner_1001') \g /dev/null
SELECT is((:jobs), '{5003,5004,5005}'::bigint[], 'group runner: pending jobs of projects below its group, and its own');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT is((:jobs), '{5000,5001,5004,5005,5008,5009}'::bigint[], 'project runner: pending jobs of its linked projects, and its own');
SELECT runner_policy.authenticate(:'runner_1003') \g /dev/null
SELECT is((:jobs), '{5002,5006}'::bigint[], 'project runner 1003: pending of 102 (not created 5012 of 107), and its own');

-- no actor: nothing.
SELECT runner_policy.reset_actor() \g /dev/null
SELECT is((:jobs), '{}'::bigint[], 'no actor reads no job');

-- ---------------------------------------------------------------------
-- Create jobs: developers+ of the project, without a runner.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is(pg_temp.would_count(:'ins'), 1::bigint, 'admin creates a job');
SELECT is(pg_temp.would_count($$INSERT INTO runner_policy.ci_builds (project_id, runner_id, status) VALUES (100, 1002, 'running')$$),
	1::bigint, 'admin creates a job on a runner');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT throws_ok(:'ins', '42501', :'rls', 'auditor cannot create a job');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT throws_ok(:'ins', '42501', :'rls', 'instance token cannot create a job');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT throws_ok(:'ins', '42501', :'rls', 'user with no membership cannot create a job');
SELECT runner_policy.act_as(10) \g /dev/null
SELECT throws_ok(:'ins', '42501', :'rls', 'project guest cannot create a job');
SELECT runner_policy.act_as(11) \g /dev/null
SELECT throws_ok(:'ins', '42501', :'rls', 'project reporter cannot create a job');
SELECT runner_policy.act_as(12) \g /dev/null
SELECT is(pg_temp.would_count(:'ins'), 1::bigint, 'project developer creates a job');
SELECT throws_ok($$INSERT INTO runner_policy.ci_builds (project_id, user_id, runner_id) VALUES (100, 12, 1002)$$,
	'42501', :'rls', 'project developer cannot create a job on a runner');
SELECT throws_ok($$INSERT INTO runner_policy.ci_builds (project_id, user_id) VALUES (100, 13)$$,
	'42501', :'rls', 'project developer cannot create a job in another''s name');
SELECT throws_ok($$INSERT INTO runner_policy.ci_builds (project_id, user_id, status) VALUES (100, 12, 'running')$$,
	'42501', :'rls', 'project developer cannot create a running job');
SELECT throws_ok($$INSERT INTO runner_policy.ci_builds (project_id, user_id) VALUES (101, 12)$$,
	'42501', :'rls', 'project developer cannot create a job in another project');
SELECT runner_policy.act_as(13) \g /dev/null
SELECT is(pg_temp.would_count(:'ins'), 1::bigint, 'project maintainer creates a job');
SELECT runner_policy.act_as(14) \g /dev/null
SELECT is(pg_temp.would_count(:'ins'), 1::bigint, 'project owner creates a job');
SELECT runner_policy.act_as(20) \g /dev/null
SELECT throws_ok(:'ins', '42501', :'rls', 'group guest cannot create a job');
SELECT runner_policy.act_as(21) \g /dev/null
SELECT throws_ok(:'ins', '42501', :'rls', 'group reporter cannot create a job');
SELECT runner_policy.act_as(22) \g /dev/null
SELECT is(pg_temp.would_count(:'ins'), 1::bigint, 'group developer (inherited) creates a job');
SELECT runner_policy.act_as(23) \g /dev/null
SELECT is(pg_temp.would_count(:'ins'), 1::bigint, 'group maintainer (inherited) creates a job');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT is(pg_temp.would_count(:'ins'), 1::bigint, 'group owner (inherited) creates a job');
SELECT runner_policy.act_as(30) \g /dev/null
SELECT throws_ok(:'ins', '42501', :'rls', 'developer of 104 cannot create a job in 100');
SELECT is(pg_temp.would_count($$INSERT INTO runner_policy.ci_builds (project_id, user_id) VALUES (104, 30)$$), 1::bigint,
	'developer of 104 creates a job in 104');
SELECT runner_policy.authenticate(:'job_dev') \g /dev/null
SELECT throws_ok(:'ins', '42501', :'rls', 'job token cannot create a job');
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT throws_ok(:'ins', '42501', :'rls', 'extended job token with api cannot create a job');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT throws_ok(:'ins', '42501', :'rls', 'runner actor cannot create a job');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT throws_ok(:'ins', '42501', :'rls', 'no actor cannot create a job');

-- ---------------------------------------------------------------------
-- Cancel jobs (status 'canceled', finished_at): developers+ of the project.
-- The unfinished jobs are 5001 5004 5009 5012 (100, 107), 5005 (101),
-- 5006 (102), 5007 (104), 5008 (103), 5010 (106).
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is((:cancel), '{5001,5004,5005,5006,5007,5008,5009,5010,5012}'::text[], 'admin cancels any job');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is((:cancel), '{}'::text[], 'auditor cancels no job');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT is((:cancel), '{}'::text[], 'instance token cancels no job');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is((:cancel), '{}'::text[], 'user with no membership cancels no job');
SELECT runner_policy.act_as(10) \g /dev/null
SELECT is((:cancel), '{}'::text[], 'project guest cancels no job');
SELECT runner_policy.act_as(11) \g /dev/null
SELECT is((:cancel), '{}'::text[], 'project reporter cancels no job');
SELECT runner_policy.act_as(12) \g /dev/null
SELECT is((:cancel), '{5001,5004,5009,5012}'::text[], 'project developer cancels the jobs of its projects');
SELECT runner_policy.act_as(13) \g /dev/null
SELECT is((:cancel), '{5001,5004,5009,5012}'::text[], 'project maintainer cancels the jobs of its projects');
SELECT runner_policy.act_as(14) \g /dev/null
SELECT is((:cancel), '{5001,5004,5009,5012}'::text[], 'project owner cancels the jobs of its projects');
SELECT runner_policy.act_as(20) \g /dev/null
SELECT is((:cancel), '{}'::text[], 'group guest cancels no job');
SELECT runner_policy.act_as(21) \g /dev/null
SELECT is((:cancel), '{}'::text[], 'group reporter cancels no job');
SELECT runner_policy.act_as(22) \g /dev/null
SELECT is((:cancel), '{5001,5004,5005,5008,5009,5012}'::text[], 'group developer cancels the jobs of projects below');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT is((:cancel), '{5001,5004,5005,5008,5009,5012}'::text[], 'group owner cancels the jobs of projects below');
SELECT runner_policy.act_as(32) \g /dev/null
SELECT is((:cancel), '{5008}'::text[], 'maintainer of 103 cancels the jobs of 103');
SELECT runner_policy.authenticate(:'job_dev') \g /dev/null
SELECT is((:cancel), '{}'::text[], 'job token cancels no job, not even its own');
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT is((:cancel), '{}'::text[], 'extended job token with api cancels no job');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT is((:cancel), '{}'::text[], 'no actor cancels no job');

-- A developer changes nothing else of a job.
SELECT runner_policy.act_as(12) \g /dev/null
SELECT throws_ok($$UPDATE runner_policy.ci_builds SET status = 'success' WHERE id = 5009$$,
	'42501', 'a user may only cancel a job', 'developer cannot set another status');
SELECT throws_ok($$UPDATE runner_policy.ci_builds SET status = 'pending' WHERE id = 5012$$,
	'42501', 'a user may only cancel a job', 'developer cannot queue a job by hand');
SELECT throws_ok($$UPDATE runner_policy.ci_builds SET user_id = 13 WHERE id = 5004$$,
	'42501', 'a user may not change user_id of a job', 'developer cannot change who triggered a job');
SELECT throws_ok($$UPDATE runner_policy.ci_builds SET runner_id = 1002 WHERE id = 5004$$,
	'42501', 'a user may not change runner_id of a job', 'developer cannot assign a job to a runner');
SELECT throws_ok($$UPDATE runner_policy.ci_builds SET project_id = 107 WHERE id = 5004$$,
	'42501', 'a user may not change project_id of a job', 'developer cannot move a job');
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is(pg_temp.would($$UPDATE runner_policy.ci_builds SET status = 'success', runner_id = 1003 WHERE id = 5004 RETURNING id$$),
	'{5004}'::text[], 'admin changes any column of a job');

-- ---------------------------------------------------------------------
-- Delete jobs: admins only.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is((:del), '{5000,5001,5002,5003,5004,5005,5006,5007,5008,5009,5010,5011,5012}'::text[], 'admin deletes any job');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is((:del), '{}'::text[], 'auditor deletes no job');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT is((:del), '{}'::text[], 'instance token deletes no job');
SELECT runner_policy.act_as(12) \g /dev/null
SELECT is((:del), '{}'::text[], 'project developer deletes no job');
SELECT runner_policy.act_as(14) \g /dev/null
SELECT is((:del), '{}'::text[], 'project owner deletes no job');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT is((:del), '{}'::text[], 'group owner deletes no job');
SELECT runner_policy.authenticate(:'job_dev') \g /dev/null
SELECT is((:del), '{}'::text[], 'job token deletes no job');
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT is((:del), '{}'::text[], 'extended job token deletes no job');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT is((:del), '{}'::text[], 'runner actor deletes no job, not even its own');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT is((:del), '{}'::text[], 'no actor deletes no job');

-- ---------------------------------------------------------------------
-- Runner actor: takes a pending job it may pick up (runner_id = itself,
-- status 'running'), reports status/started_at/finished_at of its own.
-- ---------------------------------------------------------------------
\set take 'UPDATE runner_policy.ci_builds SET runner_id = %s, status = ''running'', started_at = now() WHERE id = %s RETURNING id'
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT is(pg_temp.would(format(:'take', 1002, 5004)), '{5004}'::text[], 'project runner takes a pending job of its owner project');
SELECT is(pg_temp.would(format(:'take', 1002, 5008)), '{5008}'::text[], 'project runner takes a pending job of a linked project');
SELECT is(pg_temp.would(format(:'take', 1002, 5006)), '{}'::text[], 'project runner cannot take a job of a project it is not linked to');
SELECT is(pg_temp.would(format(:'take', 1002, 5012)), '{}'::text[], 'nor a job that is not pending');
SELECT throws_ok(format(:'take', 1003, 5004), '42501', 'runner 1002 may take jobs only for itself',
	'project runner cannot hand a job to another runner');
SELECT throws_ok($$UPDATE runner_policy.ci_builds SET status = 'canceled' WHERE id = 5004$$, '42501', :'rls',
	'project runner cannot change a pending job without taking it');
SELECT is(pg_temp.would($$UPDATE runner_policy.ci_builds SET status = 'success', finished_at = now() WHERE id = 5009 RETURNING id$$),
	'{5009}'::text[], 'project runner reports the status of its own job');
SELECT is(pg_temp.would($$UPDATE runner_policy.ci_builds SET status = 'failed' WHERE id = 5002 RETURNING id$$),
	'{}'::text[], 'project runner cannot report on another runner''s job');
SELECT throws_ok($$UPDATE runner_policy.ci_builds SET project_id = 101 WHERE id = 5009$$,
	'42501', 'a runner may not change project_id of a job', 'project runner cannot move its job');
SELECT throws_ok($$UPDATE runner_policy.ci_builds SET user_id = 3 WHERE id = 5009$$,
	'42501', 'a runner may not change user_id of a job', 'project runner cannot change who triggered its job');
SELECT throws_ok($$UPDATE runner_policy.ci_builds SET runner_id = NULL, status = 'pending' WHERE id = 5009$$,
	'42501', :'rls', 'project runner cannot give its job away');
SELECT runner_policy.authenticate(:'runner_1000') \g /dev/null
SELECT is(pg_temp.would(format(:'take', 1000, 5007)), '{5007}'::text[], 'instance runner takes a pending job of a shared-runner project');
SELECT is(pg_temp.would(format(:'take', 1000, 5006)), '{}'::text[], 'instance runner cannot take a job of a project without shared runners');
SELECT runner_policy.authenticate(:'runner_1001') \g /dev/null
SELECT is(pg_temp.would(format(:'take', 1001, 5005)), '{5005}'::text[], 'group runner takes a pending job of a project below its group');
SELECT is(pg_temp.would(format(:'take', 1001, 5008)), '{}'::text[], 'group runner cannot take a job of a project above its group');
SELECT is(pg_temp.tables_digest(), :'digest_before', 'no refusal or probe so far changed any table');

-- Taken for real: the job is the runner's own, and no other runner sees it.
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT lives_ok(format(:'take', 1002, 5004), 'project runner takes job 5004');
SELECT is((:jobs), '{5000,5001,5004,5005,5008,5009}'::bigint[], 'it still reads 5004, now as its own job');
SELECT runner_policy.authenticate(:'runner_1001') \g /dev/null
SELECT is((:jobs), '{5003,5005}'::bigint[], 'the group runner no longer sees 5004');
SELECT runner_policy.act_as(13) \g /dev/null
SELECT lives_ok($$UPDATE runner_policy.ci_builds SET status = 'canceled', finished_at = now() WHERE id = 5004$$,
	'the project maintainer cancels it');
SELECT results_eq($$SELECT runner_id, status FROM runner_policy.ci_builds WHERE id = 5004$$,
	$$VALUES (1002::bigint, 'canceled'::text)$$, 'and sees it canceled on runner 1002');

SELECT runner_policy.reset_actor() \g /dev/null
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
