-- The write-path guards: a finished job is final, a move needs
-- owner rights on both sides, trees are at most 20 levels deep at any size,
-- a refusal about a hidden row names nothing, and the extension writes who
-- and when (doc/permissions.md, doc/invariants.md and doc/errors.md).  Through the forge's application
-- role, except where a superuser or a legacy load is the point.
BEGIN;
\ir matrix_fixture.psql

-- Set-up as the superuser: a group of p_maintainer (13) of her own, and a
-- second group of platform_owner (31).
INSERT INTO runner_policy.namespaces (id, parent_id, name) VALUES
	(40, NULL, 'mine'), (41, NULL, 'theirs');
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level) VALUES
	(40, 13, 50), (41, 31, 50);
-- A chain of 20 levels (200 at the top, 219 at level 20), and a group with
-- one sub-group (300, 301).
INSERT INTO runner_policy.namespaces (id, parent_id, name)
	SELECT 200, NULL, 'level-1';
DO $$
BEGIN
	FOR i IN 201 .. 219 LOOP
		INSERT INTO runner_policy.namespaces (id, parent_id, name)
			VALUES (i, i - 1, 'level-' || (i - 199));
	END LOOP;
END
$$;
INSERT INTO runner_policy.namespaces (id, parent_id, name) VALUES
	(300, NULL, 'pair'), (301, 300, 'pair-sub');
-- docs_maintainer (32) reads runner 1002 (linked to docs, 103) and public
-- project 104, but not this link between them.
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1002, 104);
-- The ids the tests use for "deepest group" paths.
CREATE FUNCTION pg_temp.path_of(g bigint) RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER AS $$
	SELECT traversal_ids FROM runner_policy.namespaces WHERE id = g
$$;
CREATE FUNCTION pg_temp.sound() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER AS $$
	SELECT count(*) FROM runner_policy.check_invariants()
$$;
GRANT EXECUTE ON FUNCTION pg_temp.path_of(bigint), pg_temp.sound() TO regress_matrix_app;

SELECT plan(56);
\set actor_role regress_matrix_app
\ir as_role.psql
\set rls_links 'new row violates row-level security policy for table "ci_runner_projects"'
\set rls_ns_links 'new row violates row-level security policy for table "ci_runner_namespaces"'
\set rls_runners 'new row violates row-level security policy for table "ci_runners"'
\set rls_namespaces 'new row violates row-level security policy for table "namespaces"'

-- ---------------------------------------------------------------------
-- 1. A finished job is final for everyone but a superuser.
-- ---------------------------------------------------------------------
-- The attack: a maintainer cancels job 5009; the runner that ran it sets it
-- back to running, and its extended job token would authenticate again.
SELECT is(runner_policy.authenticate(:'ext_dev'), 'extended_job_token', 'the extended job token of running job 5009 authenticates');
SELECT runner_policy.act_as(13) \g /dev/null
SELECT lives_ok($$UPDATE runner_policy.ci_builds SET status = 'canceled', finished_at = now() WHERE id = 5009$$,
	'a maintainer cancels job 5009');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT throws_ok($$UPDATE runner_policy.ci_builds SET status = 'running', finished_at = NULL WHERE id = 5009$$,
	'55000', 'cannot change the status of finished job 5009',
	'the runner that ran it cannot set it back to running');
SELECT throws_ok($$UPDATE runner_policy.ci_builds SET status = 'success' WHERE id = 5009$$,
	'55000', 'cannot change the status of finished job 5009',
	'nor report another final status');
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', :'ext_dev'), '28000', 'invalid token',
	'the extended job token stays dead');
SELECT runner_policy.act_as(1) \g /dev/null
SELECT throws_ok($$UPDATE runner_policy.ci_builds SET status = 'running' WHERE id = 5000$$,
	'55000', 'cannot change the status of finished job 5000',
	'an administrator cannot revive a finished job either');
SELECT throws_ok($$UPDATE runner_policy.ci_builds SET status = 'failed' WHERE id = 5002$$,
	'55000', 'cannot change the status of finished job 5002',
	'nor change one final status into another');
SELECT is(pg_temp.would_count($$UPDATE runner_policy.ci_builds SET finished_at = now() WHERE id = 5000$$), 1::bigint,
	'an administrator still changes other columns of a finished job');
-- Forward only: a job never goes back to the queue.
SELECT throws_ok($$UPDATE runner_policy.ci_builds SET status = 'pending', runner_id = NULL WHERE id = 5001$$,
	'55000', 'cannot move job 5001 back from running to pending',
	'a running job does not go back to pending');
SELECT throws_ok($$UPDATE runner_policy.ci_builds SET status = 'created' WHERE id = 5004$$,
	'55000', 'cannot move job 5004 back from pending to created',
	'a pending job does not go back to created');
SELECT is(pg_temp.would_count($$UPDATE runner_policy.ci_builds SET status = 'pending' WHERE id = 5012$$), 1::bigint,
	'a created job is queued');
SELECT is(pg_temp.would_count($$UPDATE runner_policy.ci_builds SET status = 'canceled' WHERE id = 5012$$), 1::bigint,
	'a created job is canceled (a step forward may skip steps)');
SELECT results_eq($$SELECT status FROM runner_policy.ci_builds WHERE id IN (5000, 5001, 5002, 5004, 5009) ORDER BY id$$,
	$$VALUES ('success'::text), ('running'), ('success'), ('pending'), ('canceled')$$,
	'nothing changed');
SELECT runner_policy.reset_actor() \g /dev/null
RESET ROLE;
SELECT lives_ok($$UPDATE runner_policy.ci_builds SET status = 'failed' WHERE id = 5002$$,
	'a superuser repairs a finished job by hand');
UPDATE runner_policy.ci_builds SET status = 'running', finished_at = NULL WHERE id = 5009;
SET ROLE regress_matrix_app;
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', :'ext_dev'), '28000', 'invalid token',
	'even set back to running by a superuser, job 5009 does not bring its tokens back');

-- ---------------------------------------------------------------------
-- 2. A move needs owner rights on the group it leaves and the one it enters.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(13) \g /dev/null
SELECT throws_ok($$UPDATE runner_policy.projects SET namespace_id = 40 WHERE id = 100$$,
	'42501', 'permission denied to move a project out of its group',
	'a maintainer cannot carry her project into a group she owns');
SELECT results_eq($$SELECT namespace_id FROM runner_policy.projects WHERE id = 100$$, $$VALUES (12::bigint)$$,
	'the project stays in its group');
SELECT runner_policy.act_as(31) \g /dev/null
SELECT throws_ok($$UPDATE runner_policy.namespaces SET parent_id = 41 WHERE id = 11$$,
	'42501', 'permission denied to move a group out of its group',
	'a group owner cannot take his group out of a parent he does not own');
SELECT throws_ok($$UPDATE runner_policy.namespaces SET parent_id = NULL WHERE id = 11$$,
	'42501', 'permission denied to move a group out of its group',
	'nor to the top level');
SELECT throws_ok($$UPDATE runner_policy.namespaces SET parent_id = 20 WHERE id = 12$$,
	'42501', 'permission denied to move a group into namespace 20',
	'nor into a group he does not own');
SELECT is(pg_temp.would_count($$UPDATE runner_policy.namespaces SET parent_id = 41 WHERE id = 12$$), 1::bigint,
	'he moves a sub-group of his group into his other group');
SELECT is(pg_temp.would_count($$UPDATE runner_policy.projects SET namespace_id = 41 WHERE id = 101$$), 1::bigint,
	'and a project of his group');
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is(pg_temp.would_count($$UPDATE runner_policy.projects SET namespace_id = 40 WHERE id = 100$$), 1::bigint,
	'an administrator moves any project');

-- ---------------------------------------------------------------------
-- 3. At most 20 levels, and every tree operation works at that depth.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is(cardinality(pg_temp.path_of(219)), 20, 'a group at level 20');
SELECT is(pg_temp.would_count($$UPDATE runner_policy.namespaces SET parent_id = 218 WHERE id = 301$$), 1::bigint,
	'a leaf moves to level 20');
SELECT is(pg_temp.would_count($$UPDATE runner_policy.namespaces SET parent_id = 300 WHERE id = 201$$), 1::bigint,
	'the 19 levels under level 1 move under another group, to levels 2 to 20');
SELECT is(pg_temp.would_count($$INSERT INTO runner_policy.projects (namespace_id, name) VALUES (219, 'deep')$$), 1::bigint,
	'a project is created at level 20');
SELECT throws_ok($$INSERT INTO runner_policy.namespaces (parent_id, name) VALUES (219, 'level-21')$$,
	'23514', 'cannot nest a group 21 levels deep', 'no group at level 21');
SELECT throws_ok($$UPDATE runner_policy.namespaces SET parent_id = 218 WHERE id = 300$$,
	'23514', 'cannot move namespace 300 that deep',
	'no move that puts a sub-group at level 21');
SELECT lives_ok($$UPDATE runner_policy.namespaces SET parent_id = NULL WHERE id = 210$$,
	'levels 11 to 20 move to the top');
SELECT is(pg_temp.path_of(219), ARRAY[210,211,212,213,214,215,216,217,218,219]::bigint[],
	'the deepest group has its new path');
SELECT is(pg_temp.sound(), 0::bigint, 'check_invariants() finds nothing');
SELECT lives_ok($$DELETE FROM runner_policy.namespaces WHERE id = 200$$, 'a tree of 10 levels is deleted');

-- A legacy tree, loaded deeper with triggers off, moves without exhausting
-- the stack (it used to fail with "stack depth limit exceeded").
RESET ROLE;
SET LOCAL session_replication_role = replica;
INSERT INTO runner_policy.namespaces (id, parent_id, name, traversal_ids)
	SELECT 10000 + i, CASE WHEN i = 0 THEN NULL ELSE 10000 + i - 1 END, 'legacy-' || i,
		   ARRAY(SELECT 10000 + k FROM generate_series(0, i) k)::bigint[]
	  FROM generate_series(0, 1499) i;
SET LOCAL session_replication_role = origin;
SET ROLE regress_matrix_app;
SELECT runner_policy.act_as(1) \g /dev/null
SELECT lives_ok($$UPDATE runner_policy.namespaces SET parent_id = NULL WHERE id = 10001$$,
	'a legacy chain of 1499 groups moves up to the top level');
SELECT is(cardinality(pg_temp.path_of(11499)), 1499, 'its deepest group is at level 1499');
SELECT is((pg_temp.path_of(11499))[1:2], ARRAY[10001, 10002]::bigint[], 'under its new root');
SELECT throws_ok($$UPDATE runner_policy.namespaces SET parent_id = 10000 WHERE id = 10001$$,
	'23514', 'cannot move namespace 10001 that deep', 'but it does not move deeper');

-- ---------------------------------------------------------------------
-- 4. A refusal about a row the actor cannot read names nothing.
-- ---------------------------------------------------------------------
-- nobody (3) reads none of these runners and projects
SELECT runner_policy.act_as(3) \g /dev/null
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1003, 102)$$,
	'42501', :'rls_links', 'an existing hidden link is not named');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1001, 104)$$,
	'42501', :'rls_links', 'a hidden group runner is not named');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_namespaces (runner_id, namespace_id) VALUES (1004, 11)$$,
	'42501', :'rls_ns_links', 'nor the owner namespace of a hidden group runner');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (3, 102)$$,
	'42501', :'rls_runners', 'a hidden owner project is not named');
SELECT runner_policy.act_as(32) \g /dev/null
SELECT is(ARRAY(SELECT id FROM runner_policy.ci_runners WHERE id = 1002)
		  || ARRAY(SELECT id FROM runner_policy.projects WHERE id = 104)
		  || ARRAY(SELECT project_id FROM runner_policy.ci_runner_projects WHERE runner_id = 1002 ORDER BY 1),
	'{1002,104,103}'::bigint[], 'docs_maintainer reads runner 1002 and project 104, not their link');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1002, 104)$$,
	'42501', :'rls_links', 'so a duplicate of that link is not named either');
SELECT runner_policy.act_as(31) \g /dev/null
SELECT throws_ok($$INSERT INTO runner_policy.namespaces (parent_id, name) VALUES (424242, 'x')$$,
	'42501', :'rls_namespaces', 'a missing parent group is as hidden as any other');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1002, 424242)$$,
	'42501', :'rls_links', 'with no actor, a missing project is not named');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_namespaces (runner_id, namespace_id) VALUES (1005, 10)$$,
	'42501', :'rls_ns_links', 'nor a hidden runner');
RESET ROLE;
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1003, 102)$$,
	'23505', 'runner 1003 is already linked to project 102', 'a superuser gets the full message');

-- ---------------------------------------------------------------------
-- 5. The extension writes who and when; actors do not choose ids.
-- ---------------------------------------------------------------------
SET ROLE regress_matrix_app;
SELECT runner_policy.act_as(13) \g /dev/null
SELECT results_eq($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id, created_by_id, created_at)
		VALUES (3, 100, 1, '2000-01-01') RETURNING created_by_id, created_at = now(), id > 100000$$,
	$$VALUES (13::bigint, true, true)$$,
	'a new runner was created by the acting user, now, with an id from the sequence');
SELECT runner_policy.act_as(12) \g /dev/null
SELECT throws_ok($$INSERT INTO runner_policy.ci_builds (id, project_id, user_id) VALUES (1, 100, 12)$$,
	'42501', 'permission denied to choose the id of a new row in ci_builds',
	'a developer cannot take id 1 of ci_builds');
SELECT throws_ok($$INSERT INTO runner_policy.ci_builds (id, project_id, user_id) VALUES (100002, 100, 12)$$,
	'42501', 'permission denied to choose the id of a new row in ci_builds',
	'nor the next id the sequence will give');
SELECT is(pg_temp.would($$INSERT INTO runner_policy.ci_builds (project_id, user_id, created_at) VALUES (100, 12, '2000-01-01')
		RETURNING created_at = now() AND id > 100000$$), '{true}'::text[],
	'the developer creates a job with the id the sequence gives, created now');
SELECT runner_policy.act_as(1) \g /dev/null
SELECT throws_ok($$UPDATE runner_policy.ci_builds SET id = 1 WHERE id = 5004$$,
	'42501', 'permission denied to change the id of a row in ci_builds',
	'an administrator cannot change an id');
SELECT results_eq($$UPDATE runner_policy.ci_runners SET created_at = '2000-01-01', created_by_id = 3 WHERE id = 1001
		RETURNING created_at > '2000-01-01', created_by_id$$,
	$$VALUES (true, 24::bigint)$$, 'an update keeps who and when');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT results_eq($$UPDATE runner_policy.ci_runners SET contacted_at = now() + interval '1 day' WHERE id = 1002
		RETURNING contacted_at <= clock_timestamp()$$,
	$$VALUES (true)$$, 'a runner''s contacted_at is clamped to now');
SELECT runner_policy.reset_actor() \g /dev/null
RESET ROLE;
SELECT results_eq($$INSERT INTO runner_policy.ci_builds (id, project_id, status, created_at) VALUES (7000, 100, 'success', '2020-01-01')
		RETURNING id, created_at = '2020-01-01'$$,
	$$VALUES (7000::bigint, true)$$, 'a migration (the superuser) loads ids and history');
SELECT results_eq($$UPDATE runner_policy.ci_runners SET contacted_at = now() + interval '1 day' WHERE id = 1000
		RETURNING contacted_at <= clock_timestamp()$$,
	$$VALUES (true)$$, 'but not a contacted_at in the future');

SELECT * FROM finish();
ROLLBACK;
