-- doc/permissions.md, the "link R to project Q" and "unlink R from Q" rows of
-- the permission matrix, and who reads ci_runner_projects and
-- ci_runner_namespaces, for every kind of actor, through the forge's
-- application role.
BEGIN;
\ir matrix_fixture.psql
SELECT plan(87);
-- A running job of the admin (1), on 102: a token acting as an admin
-- still links nothing.
INSERT INTO runner_policy.ci_builds (id, project_id, user_id, status) VALUES (5100, 102, 1, 'running');
\set actor_role regress_matrix_app
\ir as_role.psql
SELECT runner_policy.issue_job_token(5100, '{api}') AS ext_admin_api \gset
SELECT pg_temp.tables_digest() AS digest_before \gset

-- Links as "runner>project".  Owner links: 1002>100, 1003>102, 1005>101;
-- the others: 9001 1002>101, 9002 1002>103, 9003 1003>107.
\set links 'SELECT ARRAY(SELECT runner_id || ''>'' || project_id FROM runner_policy.ci_runner_projects ORDER BY runner_id, project_id)'
\set nslinks 'SELECT ARRAY(SELECT runner_id || ''>'' || namespace_id FROM runner_policy.ci_runner_namespaces ORDER BY runner_id)'
\set unlink 'SELECT pg_temp.would($$DELETE FROM runner_policy.ci_runner_projects WHERE id IN (9001, 9002, 9003) RETURNING runner_id || ''>'' || project_id$$)'
-- R unlocked, linked to 100, 101, 103; Q = 107
\set link_1002_107 'INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1002, 107)'
-- R locked, linked to 101; Q = 107
\set link_1005_107 'INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1005, 107)'
-- R unlocked, owned by 102, linked to 107; Q = 100
\set link_1003_100 'INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1003, 100)'
-- Q = 106 (group other, outside acme)
\set link_1002_106 'INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1002, 106)'
\set rls 'new row violates row-level security policy for table "ci_runner_projects"'

-- ---------------------------------------------------------------------
-- Read links: admin, auditor, instance token with read_runners: all.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is((:links), '{1002>100,1002>101,1002>103,1003>102,1003>107,1005>101}'::text[], 'admin reads every link');
SELECT is((:nslinks), '{1001>11,1004>20,1006>10}'::text[], 'admin reads every namespace link');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is((:links), '{1002>100,1002>101,1002>103,1003>102,1003>107,1005>101}'::text[], 'auditor reads every link');
SELECT is((:nslinks), '{1001>11,1004>20,1006>10}'::text[], 'auditor reads every namespace link');
SELECT runner_policy.authenticate(:'inst_runners') \g /dev/null
SELECT is((:links), '{1002>100,1002>101,1002>103,1003>102,1003>107,1005>101}'::text[], 'instance token with read_runners reads every link');
SELECT is((:nslinks), '{1001>11,1004>20,1006>10}'::text[], 'instance token with read_runners reads every namespace link');
SELECT runner_policy.authenticate(:'inst_jobs') \g /dev/null
SELECT is((:links), '{}'::text[], 'instance token with read_jobs only reads no link');

-- Read links, users: links whose project they maintain or whose runner's
-- owner project they maintain; below maintainer nothing.
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is((:links), '{}'::text[], 'user with no membership reads no link');
SELECT runner_policy.act_as(12) \g /dev/null
SELECT is((:links), '{}'::text[], 'project developer reads no link');
SELECT runner_policy.act_as(22) \g /dev/null
SELECT is((:links), '{}'::text[], 'group developer reads no link');
SELECT runner_policy.act_as(13) \g /dev/null
SELECT is((:links), '{1002>100,1002>101,1002>103,1003>107}'::text[],
	'project maintainer of 100, 107: links of 1002 (owned by 100) and links to 107');
SELECT is((:nslinks), '{1001>11,1006>10}'::text[], 'and the namespace links of the group runners it reads');
SELECT runner_policy.act_as(14) \g /dev/null
SELECT is((:links), '{1002>100,1002>101,1002>103,1003>107}'::text[], 'project owner: the same');
SELECT runner_policy.act_as(23) \g /dev/null
SELECT is((:links), '{1002>100,1002>101,1002>103,1003>107,1005>101}'::text[], 'group maintainer (inherited): every link of its projects');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT is((:links), '{1002>100,1002>101,1002>103,1003>107,1005>101}'::text[], 'group owner (inherited): the same');
SELECT runner_policy.act_as(32) \g /dev/null
SELECT is((:links), '{1002>103}'::text[], 'maintainer of 103 only: the link to 103, not the other links of 1002');
SELECT runner_policy.act_as(30) \g /dev/null
SELECT is((:links), '{}'::text[], 'maintainer of an empty group reads no link');

-- Read links: job token none; extended job token as its user; runner none.
SELECT runner_policy.authenticate(:'job_owner') \g /dev/null
SELECT is((:links), '{}'::text[], 'job token reads no link');
SELECT is((:nslinks), '{}'::text[], 'job token reads no namespace link');
SELECT runner_policy.authenticate(:'ext_read_api') \g /dev/null
SELECT is((:links), '{1002>100,1002>101,1002>103,1003>107,1005>101}'::text[], 'extended job token reads links as its user');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT is((:links), '{}'::text[], 'runner actor reads no link, not even its own');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT is((:links), '{}'::text[], 'no actor reads no link');
SELECT is((:nslinks), '{}'::text[], 'no actor reads no namespace link');

-- ---------------------------------------------------------------------
-- Link R to Q.  admin: yes, a locked runner too.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is(pg_temp.would_count(:'link_1002_107'), 1::bigint, 'admin links 1002 to 107');
SELECT is(pg_temp.would_count(:'link_1005_107'), 1::bigint, 'admin links the locked runner 1005 to 107');
SELECT is(pg_temp.would_count(:'link_1002_106'), 1::bigint, 'admin links 1002 to a project of another group');

-- auditor, instance tokens: no.
SELECT runner_policy.act_as(2) \g /dev/null
SELECT throws_ok(:'link_1002_107', '42501', :'rls', 'auditor cannot link');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT throws_ok(:'link_1002_107', '42501', :'rls', 'instance token cannot link');

-- users: R unlocked, maintainer+ of Q and of a project R is linked to.
SELECT runner_policy.act_as(3) \g /dev/null
SELECT throws_ok(:'link_1002_107', '42501', :'rls', 'user with no membership cannot link');
SELECT runner_policy.act_as(10) \g /dev/null
SELECT throws_ok(:'link_1002_107', '42501', :'rls', 'project guest cannot link');
SELECT runner_policy.act_as(11) \g /dev/null
SELECT throws_ok(:'link_1002_107', '42501', :'rls', 'project reporter cannot link');
SELECT runner_policy.act_as(12) \g /dev/null
SELECT throws_ok(:'link_1002_107', '42501', :'rls', 'project developer cannot link');
SELECT runner_policy.act_as(20) \g /dev/null
SELECT throws_ok(:'link_1002_107', '42501', :'rls', 'group guest cannot link');
SELECT runner_policy.act_as(21) \g /dev/null
SELECT throws_ok(:'link_1002_107', '42501', :'rls', 'group reporter cannot link');
SELECT runner_policy.act_as(22) \g /dev/null
SELECT throws_ok(:'link_1002_107', '42501', :'rls', 'group developer cannot link');
SELECT runner_policy.act_as(13) \g /dev/null
SELECT is(pg_temp.would_count(:'link_1002_107'), 1::bigint, 'project maintainer of 100 and 107 links 1002 (linked to 100) to 107');
SELECT is(pg_temp.would_count(:'link_1003_100'), 1::bigint,
	'project maintainer links 1003 (not its own, but linked to 107) to 100');
SELECT throws_ok(:'link_1002_106', '42501', :'rls', 'project maintainer cannot link to a project it does not maintain');
SELECT runner_policy.act_as(14) \g /dev/null
SELECT is(pg_temp.would_count(:'link_1002_107'), 1::bigint, 'project owner links 1002 to 107');
SELECT runner_policy.act_as(23) \g /dev/null
SELECT is(pg_temp.would_count(:'link_1002_107'), 1::bigint, 'group maintainer (inherited) links 1002 to 107');
SELECT throws_ok(:'link_1005_107', '42501', :'rls', 'group maintainer cannot link the locked runner 1005');
SELECT throws_ok(:'link_1002_106', '42501', :'rls', 'group maintainer cannot link to a project outside its group');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT is(pg_temp.would_count(:'link_1002_107'), 1::bigint, 'group owner (inherited) links 1002 to 107');
SELECT throws_ok(:'link_1005_107', '42501', :'rls', 'group owner cannot link the locked runner 1005 either');
SELECT runner_policy.act_as(31) \g /dev/null
SELECT is(pg_temp.would_count(:'link_1002_107'), 1::bigint, 'owner of platform links 1002 to 107');
SELECT runner_policy.act_as(32) \g /dev/null
SELECT throws_ok(:'link_1002_107', '42501', :'rls', 'maintainer of 103 (linked to 1002) cannot link to 107 it does not maintain');
SELECT runner_policy.act_as(30) \g /dev/null
SELECT throws_ok(:'link_1002_107', '42501', :'rls', 'maintainer of an empty group cannot link');

-- job token, extended job token (even with api, even of a group owner),
-- runner, no actor: no.
SELECT runner_policy.authenticate(:'job_owner') \g /dev/null
SELECT throws_ok(:'link_1002_107', '42501', :'rls', 'job token cannot link');
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT throws_ok(:'link_1002_107', '42501', :'rls', 'extended job token with api cannot link');
SELECT runner_policy.authenticate(:'ext_read_api') \g /dev/null
SELECT throws_ok(:'link_1002_107', '42501', :'rls', 'extended job token with read_api cannot link');
SELECT runner_policy.authenticate(:'ext_admin_api') \g /dev/null
SELECT throws_ok(:'link_1002_107', '42501', :'rls', 'extended job token with api of an admin cannot link');
SELECT is((:unlink), '{}'::text[], 'extended job token with api of an admin unlinks nothing');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT throws_ok(:'link_1002_107', '42501', :'rls', 'runner actor cannot link itself');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT throws_ok(:'link_1002_107', '42501', :'rls', 'no actor cannot link');

-- ---------------------------------------------------------------------
-- Unlink R from Q (Q not owner): which of 9001 1002>101, 9002 1002>103,
-- 9003 1003>107 each actor would delete (rolled back).
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is((:unlink), '{1002>101,1002>103,1003>107}'::text[], 'admin unlinks anything');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is((:unlink), '{}'::text[], 'auditor unlinks nothing');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT is((:unlink), '{}'::text[], 'instance token unlinks nothing');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is((:unlink), '{}'::text[], 'user with no membership unlinks nothing');
SELECT runner_policy.act_as(10) \g /dev/null
SELECT is((:unlink), '{}'::text[], 'project guest unlinks nothing');
SELECT runner_policy.act_as(11) \g /dev/null
SELECT is((:unlink), '{}'::text[], 'project reporter unlinks nothing');
SELECT runner_policy.act_as(12) \g /dev/null
SELECT is((:unlink), '{}'::text[], 'project developer unlinks nothing');
SELECT runner_policy.act_as(20) \g /dev/null
SELECT is((:unlink), '{}'::text[], 'group guest unlinks nothing');
SELECT runner_policy.act_as(21) \g /dev/null
SELECT is((:unlink), '{}'::text[], 'group reporter unlinks nothing');
SELECT runner_policy.act_as(22) \g /dev/null
SELECT is((:unlink), '{}'::text[], 'group developer unlinks nothing');
-- 13 maintains 100 (owner of 1002) and 107 (Q of 1003>107, whose owner 102 it does not)
SELECT runner_policy.act_as(13) \g /dev/null
SELECT is((:unlink), '{1002>101,1002>103,1003>107}'::text[],
	'project maintainer: links of the runner its project owns, and links to its project');
SELECT runner_policy.act_as(14) \g /dev/null
SELECT is((:unlink), '{1002>101,1002>103,1003>107}'::text[], 'project owner: the same');
SELECT runner_policy.act_as(23) \g /dev/null
SELECT is((:unlink), '{1002>101,1002>103,1003>107}'::text[], 'group maintainer (inherited): the same');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT is((:unlink), '{1002>101,1002>103,1003>107}'::text[], 'group owner (inherited): the same');
-- 32 maintains 103 only: Q of 1002>103, neither Q nor owner of 1002>101
SELECT runner_policy.act_as(32) \g /dev/null
SELECT is((:unlink), '{1002>103}'::text[], 'maintainer of Q only: that link, not the other links of the runner');
SELECT runner_policy.act_as(30) \g /dev/null
SELECT is((:unlink), '{}'::text[], 'maintainer of an empty group unlinks nothing');
SELECT runner_policy.authenticate(:'job_owner') \g /dev/null
SELECT is((:unlink), '{}'::text[], 'job token unlinks nothing');
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT is((:unlink), '{}'::text[], 'extended job token with api unlinks nothing');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT is((:unlink), '{}'::text[], 'runner actor unlinks nothing');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT is((:unlink), '{}'::text[], 'no actor unlinks nothing');

-- The owner link is refused by the invariant, for the admin too.
SELECT runner_policy.act_as(13) \g /dev/null
SELECT throws_ok($$DELETE FROM runner_policy.ci_runner_projects WHERE runner_id = 1002 AND project_id = 100$$,
	'23514', 'cannot unlink runner 1002 from its owner project 100', 'project maintainer cannot remove the owner link');
SELECT runner_policy.act_as(1) \g /dev/null
SELECT throws_ok($$DELETE FROM runner_policy.ci_runner_projects WHERE runner_id = 1005$$,
	'23514', 'cannot unlink runner 1005 from its owner project 101', 'admin cannot remove the owner link');
-- Links are not moved: an UPDATE is refused or finds no row.
SELECT runner_policy.act_as(13) \g /dev/null
SELECT throws_ok($$UPDATE runner_policy.ci_runner_projects SET project_id = 107 WHERE id = 9001$$,
	'23514', 'cannot move the link of runner 1002 from project 101', 'project maintainer cannot move a link');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is(pg_temp.would($$UPDATE runner_policy.ci_runner_projects SET project_id = 107 RETURNING id$$), '{}'::text[],
	'auditor updates no link');

-- Refusals as real statements: nothing changes.
SELECT runner_policy.act_as(12) \g /dev/null
SELECT lives_ok($$DELETE FROM runner_policy.ci_runner_projects WHERE id IN (9001, 9002, 9003)$$, 'developer: DELETE of links runs');
SELECT runner_policy.act_as(32) \g /dev/null
SELECT lives_ok($$DELETE FROM runner_policy.ci_runner_projects WHERE id = 9001$$, 'maintainer of 103: DELETE of 1002>101 runs');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT lives_ok($$DELETE FROM runner_policy.ci_runner_projects$$, 'instance token: DELETE of links runs');
SELECT is(pg_temp.tables_digest(), :'digest_before', 'no refused link, unlink or probe changed any table');

-- Permitted writes are real, and reading follows them: 13 links 1002 to
-- 107, unlinks 1003 from 107, and no longer reads runner 1003.
SELECT runner_policy.act_as(13) \g /dev/null
SELECT lives_ok(:'link_1002_107', 'project maintainer links 1002 to 107');
SELECT lives_ok($$DELETE FROM runner_policy.ci_runner_projects WHERE runner_id = 1003 AND project_id = 107$$,
	'project maintainer unlinks 1003 from 107');
SELECT is((:links), '{1002>100,1002>101,1002>103,1002>107}'::text[], 'the maintainer reads its new link and not the removed one');
SELECT is(ARRAY(SELECT id FROM runner_policy.ci_runners ORDER BY id), '{1000,1001,1002,1006}'::bigint[],
	'and no longer reads runner 1003, now linked to none of its projects');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is((:links), '{1002>100,1002>101,1002>103,1002>107,1003>102,1005>101}'::text[], 'the auditor sees the same change');

SELECT runner_policy.reset_actor() \g /dev/null
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
