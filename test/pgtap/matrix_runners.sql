-- doc/permissions.md, the ci_runners rows of the permission matrix: who reads
-- which runner, and who updates and deletes it, for every kind of actor,
-- through the forge's application role (row-level security applies).
-- Registering runners and the runner actor's own writes: matrix_register.sql.
BEGIN;
\ir matrix_fixture.psql
SELECT plan(107);
-- A running job of the admin (1), on 102, for tokens acting as an admin:
-- the matrix's token columns must hold even when the user may do anything.
INSERT INTO runner_policy.ci_builds (id, project_id, user_id, status) VALUES (5100, 102, 1, 'running');
\set actor_role regress_matrix_app
\ir as_role.psql
SELECT runner_policy.issue_job_token(5100) AS job_admin \gset
SELECT runner_policy.issue_job_token(5100, '{api}') AS ext_admin_api \gset
SELECT runner_policy.issue_job_token(5100, '{read_repository}') AS ext_admin_other \gset
SELECT pg_temp.tables_digest() AS digest_before \gset

\set runners 'SELECT ARRAY(SELECT id FROM runner_policy.ci_runners ORDER BY id)'
\set upd 'SELECT pg_temp.would($$UPDATE runner_policy.ci_runners SET paused = paused RETURNING id$$)'
\set del 'SELECT pg_temp.would($$DELETE FROM runner_policy.ci_runners RETURNING id$$)'

-- ---------------------------------------------------------------------
-- Read: admin and auditor read every runner, of every type.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is((:runners), '{1000,1001,1002,1003,1004,1005,1006}'::bigint[], 'admin reads every runner');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is((:runners), '{1000,1001,1002,1003,1004,1005,1006}'::bigint[], 'auditor reads every runner');

-- Read: instance read token.  With read_runners (of an admin) every runner;
-- with read_jobs only, none.
SELECT runner_policy.authenticate(:'inst_runners') \g /dev/null
SELECT is((:runners), '{1000,1001,1002,1003,1004,1005,1006}'::bigint[], 'instance token with read_runners reads every runner');
SELECT runner_policy.authenticate(:'inst_jobs') \g /dev/null
SELECT is((:runners), '{}'::bigint[], 'instance token with read_jobs only reads no runner');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT is((:runners), '{1000,1001,1002,1003,1004,1005,1006}'::bigint[], 'instance token with both scopes reads every runner');

-- Read, user: any active user reads the instance runner; below maintainer,
-- nothing else, directly on the project or through a group.
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is((:runners), '{1000}'::bigint[], 'user with no membership reads the instance runner only');
SELECT runner_policy.act_as(10) \g /dev/null
SELECT is((:runners), '{1000}'::bigint[], 'project guest: instance runner only');
SELECT runner_policy.act_as(11) \g /dev/null
SELECT is((:runners), '{1000}'::bigint[], 'project reporter: instance runner only');
SELECT runner_policy.act_as(12) \g /dev/null
SELECT is((:runners), '{1000}'::bigint[], 'project developer: instance runner only');
SELECT runner_policy.act_as(20) \g /dev/null
SELECT is((:runners), '{1000}'::bigint[], 'group guest: instance runner only');
SELECT runner_policy.act_as(21) \g /dev/null
SELECT is((:runners), '{1000}'::bigint[], 'group reporter: instance runner only');
SELECT runner_policy.act_as(22) \g /dev/null
SELECT is((:runners), '{1000}'::bigint[], 'group developer: instance runner only');

-- Read, user maintainer+ directly on 100 and 107: project runners linked to
-- them (1002 owned by 100, 1003 owned by 102 but linked to 107), and the
-- group runners of every group above them (1001 of 11, 1006 of 10), not
-- those of other groups (1004) nor 1005 (linked to 101 only).
SELECT runner_policy.act_as(13) \g /dev/null
SELECT is((:runners), '{1000,1001,1002,1003,1006}'::bigint[], 'project maintainer: linked project runners and group runners above');
SELECT runner_policy.act_as(14) \g /dev/null
SELECT is((:runners), '{1000,1001,1002,1003,1006}'::bigint[], 'project owner: the same as a maintainer');

-- Read, user maintainer+ of group acme (10), inherited: the group runners of
-- acme and its sub-groups, every project runner linked to a project below.
SELECT runner_policy.act_as(23) \g /dev/null
SELECT is((:runners), '{1000,1001,1002,1003,1005,1006}'::bigint[], 'group maintainer (inherited): runners of its groups and projects');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT is((:runners), '{1000,1001,1002,1003,1005,1006}'::bigint[], 'group owner (inherited): the same');

-- Read, group runner of G: a maintainer of a sub-group of G with no
-- project (30, of 13 under 11) is neither maintainer of G or an ancestor
-- nor of a project in G's subtree.
SELECT runner_policy.act_as(30) \g /dev/null
SELECT is((:runners), '{1000}'::bigint[], 'maintainer of an empty sub-group does not read the group runner above');
-- Owner of platform (11): its group runner, 1006 of acme because projects
-- it maintains are in acme's subtree, runners linked to its projects.
SELECT runner_policy.act_as(31) \g /dev/null
SELECT is((:runners), '{1000,1001,1002,1003,1005,1006}'::bigint[], 'owner of a sub-group: group runners above its projects too');

-- Read project runner R: maintainer of a project R is linked to, not its
-- owner (32, of 103): reads 1002, and 1006 of acme above 103.
SELECT runner_policy.act_as(32) \g /dev/null
SELECT is((:runners), '{1000,1002,1006}'::bigint[], 'maintainer of a linked (not owner) project reads the runner');

-- Read: a blocked user cannot be acted as at all.
SELECT throws_ok($$SELECT runner_policy.act_as(4)$$, '28000', 'cannot act as user 4', 'a blocked user cannot be acted as');

-- Read: job token, whatever its user may, reads no runner.
SELECT runner_policy.authenticate(:'job_owner') \g /dev/null
SELECT is((:runners), '{}'::bigint[], 'job token (of a group owner) reads no runner');
SELECT runner_policy.authenticate(:'job_dev') \g /dev/null
SELECT is((:runners), '{}'::bigint[], 'job token (of a developer) reads no runner');

SELECT runner_policy.authenticate(:'job_admin') \g /dev/null
SELECT is((:runners), '{}'::bigint[], 'job token of an admin reads no runner');
SELECT is(ARRAY(SELECT id FROM runner_policy.ci_builds), '{5100}'::bigint[], 'and of the jobs only its own');

-- Read: extended job token reads as its user (24, group owner); the
-- instance runner only with read_api or api.
SELECT runner_policy.authenticate(:'ext_read_api') \g /dev/null
SELECT is((:runners), '{1000,1001,1002,1003,1005,1006}'::bigint[], 'extended job token with read_api reads as its user');
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT is((:runners), '{1000,1001,1002,1003,1005,1006}'::bigint[], 'extended job token with api reads as its user');
SELECT runner_policy.authenticate(:'ext_other') \g /dev/null
SELECT is((:runners), '{1001,1002,1003,1005,1006}'::bigint[], 'extended job token without read_api/api: not the instance runner');
SELECT runner_policy.authenticate(:'ext_dev') \g /dev/null
SELECT is((:runners), '{1000}'::bigint[], 'extended job token of a developer: the instance runner only');

-- ... and of an admin: every group and project runner, the instance
-- runner only with read_api or api.
SELECT runner_policy.authenticate(:'ext_admin_api') \g /dev/null
SELECT is((:runners), '{1000,1001,1002,1003,1004,1005,1006}'::bigint[], 'extended job token of an admin with api reads every runner');
SELECT is(ARRAY(SELECT id FROM runner_policy.ci_builds), '{}'::bigint[], 'and no job (api is not read_api)');
SELECT runner_policy.authenticate(:'ext_admin_other') \g /dev/null
SELECT is(ARRAY(SELECT id FROM runner_policy.ci_builds), '{}'::bigint[], 'extended job token of an admin without read_api reads no job');
SELECT is((:runners), '{1001,1002,1003,1004,1005,1006}'::bigint[], 'extended job token of an admin without read_api/api: not the instance runner');

-- Read: a runner reads its own row only.
SELECT runner_policy.authenticate(:'runner_1000') \g /dev/null
SELECT is((:runners), '{1000}'::bigint[], 'instance runner actor reads itself only');
SELECT runner_policy.authenticate(:'runner_1001') \g /dev/null
SELECT is((:runners), '{1001}'::bigint[], 'group runner actor reads itself only');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT is((:runners), '{1002}'::bigint[], 'project runner actor reads itself only');

-- Read: no actor, no rows.
SELECT runner_policy.reset_actor() \g /dev/null
SELECT is((:runners), '{}'::bigint[], 'no actor reads no runner');

-- ---------------------------------------------------------------------
-- The runner queue view shows one row per runner the actor reads.
-- ---------------------------------------------------------------------
\set queue 'SELECT runner_id, running_jobs, pending_jobs FROM runner_policy.runner_queue_status ORDER BY runner_id'
SELECT runner_policy.act_as(2) \g /dev/null
SELECT results_eq(:'queue', $$VALUES (1000::bigint, 0::bigint, 4::bigint), (1001, 0, 2), (1002, 2, 3),
	(1003, 0, 1), (1004, 1, 1), (1005, 0, 1), (1006, 0, 3)$$, 'runner_queue_status for the auditor: every runner, with counts');
SELECT runner_policy.act_as(13) \g /dev/null
SELECT results_eq(:'queue', $$VALUES (1000::bigint, 0::bigint, 4::bigint), (1001, 0, 2), (1002, 2, 3),
	(1003, 0, 1), (1006, 0, 3)$$, 'runner_queue_status for a project maintainer: the runners it reads');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT results_eq(:'queue', $$VALUES (1002::bigint, 2::bigint, 3::bigint)$$, 'runner_queue_status for a runner: itself');
SELECT runner_policy.authenticate(:'job_dev') \g /dev/null
SELECT is_empty(:'queue', 'runner_queue_status for a job token: nothing');

-- ---------------------------------------------------------------------
-- Update / delete.  UPDATE ... SET paused = paused and DELETE, rolled back
-- (pg_temp.would): the ids an actor may update or delete.
-- ---------------------------------------------------------------------
-- admin: every runner, the instance runner included.
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is((:upd), '{1000,1001,1002,1003,1004,1005,1006}'::text[], 'admin updates every runner');
SELECT is((:del), '{1000,1001,1002,1003,1004,1005,1006}'::text[], 'admin deletes every runner');

-- auditor: reads everything, changes nothing.
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is((:upd), '{}'::text[], 'auditor updates no runner');
SELECT is((:del), '{}'::text[], 'auditor deletes no runner');

-- instance read tokens: never.
SELECT runner_policy.authenticate(:'inst_runners') \g /dev/null
SELECT is((:upd), '{}'::text[], 'instance token (read_runners) updates no runner');
SELECT is((:del), '{}'::text[], 'instance token (read_runners) deletes no runner');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT is((:upd), '{}'::text[], 'instance token (both scopes) updates no runner');
SELECT is((:del), '{}'::text[], 'instance token (both scopes) deletes no runner');

-- user below maintainer, or with no membership: nothing.
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is((:upd), '{}'::text[], 'user with no membership updates no runner');
SELECT is((:del), '{}'::text[], 'user with no membership deletes no runner');
SELECT runner_policy.act_as(10) \g /dev/null
SELECT is((:upd), '{}'::text[], 'project guest updates no runner');
SELECT is((:del), '{}'::text[], 'project guest deletes no runner');
SELECT runner_policy.act_as(11) \g /dev/null
SELECT is((:upd), '{}'::text[], 'project reporter updates no runner');
SELECT is((:del), '{}'::text[], 'project reporter deletes no runner');
SELECT runner_policy.act_as(12) \g /dev/null
SELECT is((:upd), '{}'::text[], 'project developer updates no runner');
SELECT is((:del), '{}'::text[], 'project developer deletes no runner');
SELECT runner_policy.act_as(20) \g /dev/null
SELECT is((:upd), '{}'::text[], 'group guest updates no runner');
SELECT is((:del), '{}'::text[], 'group guest deletes no runner');
SELECT runner_policy.act_as(21) \g /dev/null
SELECT is((:upd), '{}'::text[], 'group reporter updates no runner');
SELECT is((:del), '{}'::text[], 'group reporter deletes no runner');
SELECT runner_policy.act_as(22) \g /dev/null
SELECT is((:upd), '{}'::text[], 'group developer updates no runner');
SELECT is((:del), '{}'::text[], 'group developer deletes no runner');

-- Update/delete R (project): maintainer+ of R's owner project.  Directly on
-- 100 and 107: 1002 (owned by 100); not 1003 (only linked to 107); no
-- group runner (owner of a project is not owner of a group).
SELECT runner_policy.act_as(13) \g /dev/null
SELECT is((:upd), '{1002}'::text[], 'project maintainer updates the runner its project owns');
SELECT is((:del), '{1002}'::text[], 'project maintainer deletes the runner its project owns');
SELECT runner_policy.act_as(14) \g /dev/null
SELECT is((:upd), '{1002}'::text[], 'project owner updates the runner its project owns, no group runner');
SELECT is((:del), '{1002}'::text[], 'project owner deletes the runner its project owns, no group runner');

-- Maintainer of a project 1002 is only linked to (32, of 103): nothing.
SELECT runner_policy.act_as(32) \g /dev/null
SELECT is((:upd), '{}'::text[], 'maintainer of a linked (not owner) project updates no runner');
SELECT is((:del), '{}'::text[], 'maintainer of a linked (not owner) project deletes no runner');

-- Inherited maintainer of acme: the project runners owned below (1002 of
-- 100, 1005 of 101), but no group runner (those need an owner).
SELECT runner_policy.act_as(23) \g /dev/null
SELECT is((:upd), '{1002,1005}'::text[], 'group maintainer updates project runners owned below, no group runner');
SELECT is((:del), '{1002,1005}'::text[], 'group maintainer deletes project runners owned below, no group runner');

-- Update/delete group runner: owner of its namespace or an ancestor.
-- Owner of acme (10): 1006 (of 10) and 1001 (of 11, below); not 1004.
SELECT runner_policy.act_as(24) \g /dev/null
SELECT is((:upd), '{1001,1002,1005,1006}'::text[], 'group owner updates the group runners of its groups and project runners below');
SELECT is((:del), '{1001,1002,1005,1006}'::text[], 'group owner deletes the same');
-- Owner of platform (11): 1001, not 1006 of acme above it.
SELECT runner_policy.act_as(31) \g /dev/null
SELECT is((:upd), '{1001,1002,1005}'::text[], 'owner of a sub-group: not the group runner of the group above');
SELECT is((:del), '{1001,1002,1005}'::text[], 'owner of a sub-group deletes the same');
-- Maintainer of an empty sub-group: nothing.
SELECT runner_policy.act_as(30) \g /dev/null
SELECT is((:upd), '{}'::text[], 'maintainer of an empty sub-group updates no runner');
SELECT is((:del), '{}'::text[], 'maintainer of an empty sub-group deletes no runner');

-- job token: never, even of a group owner or of an admin.
SELECT runner_policy.authenticate(:'job_owner') \g /dev/null
SELECT is((:upd), '{}'::text[], 'job token updates no runner');
SELECT is((:del), '{}'::text[], 'job token deletes no runner');
SELECT runner_policy.authenticate(:'job_admin') \g /dev/null
SELECT is((:upd), '{}'::text[], 'job token of an admin updates no runner');
SELECT is((:del), '{}'::text[], 'job token of an admin deletes no runner');

-- extended job token: as its user with api, never the instance runner;
-- without api nothing.
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT is((:upd), '{1001,1002,1005,1006}'::text[], 'extended job token with api updates as its user (group owner)');
SELECT is((:del), '{1001,1002,1005,1006}'::text[], 'extended job token with api deletes as its user (group owner)');
-- ... of an admin: every group and project runner, never the instance runner.
SELECT runner_policy.authenticate(:'ext_admin_api') \g /dev/null
SELECT is((:upd), '{1001,1002,1003,1004,1005,1006}'::text[], 'extended job token with api of an admin: all but the instance runner');
SELECT is((:del), '{1001,1002,1003,1004,1005,1006}'::text[], 'extended job token with api of an admin deletes all but the instance runner');
SELECT runner_policy.authenticate(:'ext_admin_other') \g /dev/null
SELECT is((:upd), '{}'::text[], 'extended job token without api of an admin updates no runner');
SELECT runner_policy.authenticate(:'ext_read_api') \g /dev/null
SELECT is((:upd), '{}'::text[], 'extended job token with read_api only updates no runner');
SELECT is((:del), '{}'::text[], 'extended job token with read_api only deletes no runner');
SELECT runner_policy.authenticate(:'ext_other') \g /dev/null
SELECT is((:upd), '{}'::text[], 'extended job token without api updates no runner');
SELECT is((:del), '{}'::text[], 'extended job token without api deletes no runner');
SELECT runner_policy.authenticate(:'ext_dev') \g /dev/null
SELECT is((:upd), '{}'::text[], 'extended job token with api of a developer updates no runner');
SELECT is((:del), '{}'::text[], 'extended job token with api of a developer deletes no runner');

-- runner actor: updates its own row (only contacted_at, matrix_register.sql),
-- deletes nothing.
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT is((:upd), '{1002}'::text[], 'runner actor updates only its own row');
SELECT is((:del), '{}'::text[], 'runner actor deletes no runner, not even itself');
SELECT runner_policy.authenticate(:'runner_1000') \g /dev/null
SELECT is((:upd), '{1000}'::text[], 'instance runner actor updates only its own row');
SELECT is((:del), '{}'::text[], 'instance runner actor deletes nothing');

-- no actor: nothing.
SELECT runner_policy.reset_actor() \g /dev/null
SELECT is((:upd), '{}'::text[], 'no actor updates no runner');
SELECT is((:del), '{}'::text[], 'no actor deletes no runner');

-- The same refusals as real statements: they change no row.
SELECT runner_policy.act_as(2) \g /dev/null
SELECT lives_ok($$UPDATE runner_policy.ci_runners SET description = 'hacked', locked = true$$, 'auditor: UPDATE runs');
SELECT lives_ok($$DELETE FROM runner_policy.ci_runners$$, 'auditor: DELETE runs');
SELECT runner_policy.act_as(13) \g /dev/null
SELECT lives_ok($$UPDATE runner_policy.ci_runners SET description = 'hacked' WHERE id IN (1000, 1001, 1003, 1005)$$,
	'project maintainer: UPDATE of runners it does not manage runs');
SELECT lives_ok($$DELETE FROM runner_policy.ci_runners WHERE id <> 1002$$,
	'project maintainer: DELETE of runners it does not manage runs');
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT lives_ok($$UPDATE runner_policy.ci_runners SET paused = true WHERE id = 1000$$,
	'extended job token: UPDATE of the instance runner runs');
SELECT lives_ok($$DELETE FROM runner_policy.ci_runners WHERE runner_type = 1$$,
	'extended job token: DELETE of the instance runner runs');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT lives_ok($$DELETE FROM runner_policy.ci_runners$$, 'no actor: DELETE runs');
SELECT is(pg_temp.tables_digest(), :'digest_before', 'and no table changed');

-- A permitted update is real: the maintainer pauses its project's runner
-- and sees it, an auditor sees it too.
SELECT runner_policy.act_as(13) \g /dev/null
SELECT is(pg_temp.would_count($$UPDATE runner_policy.ci_runners SET paused = true WHERE id = 1002$$), 1::bigint,
	'project maintainer pauses runner 1002 (one row)');
UPDATE runner_policy.ci_runners SET paused = true WHERE id = 1002;
SELECT runner_policy.act_as(2) \g /dev/null
SELECT results_eq($$SELECT id FROM runner_policy.ci_runners WHERE paused$$, ARRAY[1002::bigint],
	'and the auditor sees runner 1002 paused, and no other');

SELECT runner_policy.reset_actor() \g /dev/null
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
