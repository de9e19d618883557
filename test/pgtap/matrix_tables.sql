-- doc/permissions.md, "Other tables": who reads and writes projects, namespaces,
-- users and token rows, for every kind of actor, through the forge's
-- application role.  Members and job token scope links: matrix_members.sql.
BEGIN;
\ir matrix_fixture.psql
SELECT plan(146);
-- Jobs are not this file's business: take them off their runners.  A probe
-- that deletes projects 100 and 103 in one statement deletes runner 1002,
-- whose ON DELETE SET NULL on job 5000 (of 103) re-checks the job's project,
-- already gone, because the job was inserted by this same transaction (an
-- artifact of the fixture, not a rule of the extension).
UPDATE runner_policy.ci_builds SET runner_id = NULL;
\set actor_role regress_matrix_app
\ir as_role.psql
SELECT pg_temp.tables_digest() AS digest_before \gset

\set projects 'SELECT ARRAY(SELECT id FROM runner_policy.projects ORDER BY id)'
\set namespaces 'SELECT ARRAY(SELECT id FROM runner_policy.namespaces ORDER BY id)'
\set users 'SELECT ARRAY(SELECT id FROM runner_policy.users ORDER BY id)'
\set tokens 'SELECT ARRAY(SELECT kind || '':'' || user_id || '':'' || coalesce(job_id::text, ''-'') FROM runner_policy.tokens ORDER BY id)'
\set all_users '''{1,2,3,4,6,10,11,12,13,14,20,21,22,23,24,30,31,32}''::bigint[]'
\set upd_projects 'SELECT pg_temp.would($$UPDATE runner_policy.projects SET name = name RETURNING id$$)'
\set del_projects 'SELECT pg_temp.would($$DELETE FROM runner_policy.projects RETURNING id$$)'
\set upd_namespaces 'SELECT pg_temp.would($$UPDATE runner_policy.namespaces SET name = name RETURNING id$$)'
\set del_namespaces 'SELECT pg_temp.would($$DELETE FROM runner_policy.namespaces RETURNING id$$)'
\set ins_project 'INSERT INTO runner_policy.projects (namespace_id, name) VALUES (12, ''new'')'
\set ins_namespace 'INSERT INTO runner_policy.namespaces (parent_id, name) VALUES (11, ''sub'')'
\set ins_user 'INSERT INTO runner_policy.users (username) VALUES (''newcomer'')'
\set rls_projects 'new row violates row-level security policy for table "projects"'
\set rls_namespaces 'new row violates row-level security policy for table "namespaces"'
\set rls_users 'new row violates row-level security policy for table "users"'
\set rls_tokens 'new row violates row-level security policy for table "tokens"'

-- ---------------------------------------------------------------------
-- Read projects and namespaces: public ones by any actor, internal ones by
-- users (and extended job tokens reading the API as their user), private
-- ones by members guest+ (direct or inherited), admins and auditors.
-- Public: namespace 30, project 104.  Internal: namespace 31, project 105.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is((:projects), '{100,101,102,103,104,105,106,107}'::bigint[], 'admin reads every project');
SELECT is((:namespaces), '{10,11,12,13,20,30,31}'::bigint[], 'admin reads every namespace');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is((:projects), '{100,101,102,103,104,105,106,107}'::bigint[], 'auditor reads every project');
SELECT is((:namespaces), '{10,11,12,13,20,30,31}'::bigint[], 'auditor reads every namespace');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT is((:projects), '{104}'::bigint[], 'instance token (of an admin) reads public projects only');
SELECT is((:namespaces), '{30}'::bigint[], 'instance token reads public namespaces only');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT is((:projects), '{104}'::bigint[], 'runner reads public projects only, not even those it serves');
SELECT is((:namespaces), '{30}'::bigint[], 'runner reads public namespaces only');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is((:projects), '{104,105}'::bigint[], 'user with no membership: public and internal projects');
SELECT is((:namespaces), '{30,31}'::bigint[], 'user with no membership: public and internal namespaces');
SELECT runner_policy.act_as(10) \g /dev/null
SELECT is((:projects), '{100,104,105,107}'::bigint[], 'project guest: its private projects too');
SELECT is((:namespaces), '{30,31}'::bigint[], 'project guest: not the private groups above its projects');
SELECT runner_policy.act_as(14) \g /dev/null
SELECT is((:projects), '{100,104,105,107}'::bigint[], 'project owner: the same projects');
SELECT runner_policy.act_as(20) \g /dev/null
SELECT is((:projects), '{100,101,103,104,105,107}'::bigint[], 'group guest: every project below its group (inherited)');
SELECT is((:namespaces), '{10,11,12,13,30,31}'::bigint[], 'group guest: its group and every sub-group');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT is((:projects), '{100,101,103,104,105,107}'::bigint[], 'group owner: the same projects');
SELECT runner_policy.act_as(30) \g /dev/null
SELECT is((:namespaces), '{13,30,31}'::bigint[], 'member of a sub-group: that group, not its parent');
SELECT runner_policy.act_as(31) \g /dev/null
SELECT is((:projects), '{100,101,104,105,107}'::bigint[], 'owner of platform: projects below it');
SELECT is((:namespaces), '{11,12,13,30,31}'::bigint[], 'owner of platform: platform and below, not acme');
SELECT runner_policy.act_as(32) \g /dev/null
SELECT is((:projects), '{103,104,105}'::bigint[], 'maintainer of 103: 103, public and internal projects');
-- plain job token: public projects, its own project and those that let its
-- project in (if its user may read them); no internal ones.
SELECT runner_policy.authenticate(:'job_dev') \g /dev/null
SELECT is((:projects), '{100,104,107}'::bigint[], 'job token: its project, a scope-linked project its user reads, public ones');
SELECT is((:namespaces), '{30}'::bigint[], 'job token: public namespaces');
SELECT runner_policy.authenticate(:'job_owner') \g /dev/null
SELECT is((:projects), '{100,101,104,107}'::bigint[], 'job token of a group owner: its project and both scope-linked projects');
SELECT runner_policy.authenticate(:'job_stranger') \g /dev/null
SELECT is((:projects), '{104}'::bigint[], 'job token whose user may not read its project: public ones only');
-- extended job token: as its user with read_api or api, else public only.
SELECT runner_policy.authenticate(:'ext_read_api') \g /dev/null
SELECT is((:projects), '{100,101,103,104,105,107}'::bigint[], 'extended job token with read_api reads projects as its user');
SELECT is((:namespaces), '{10,11,12,13,30,31}'::bigint[], 'extended job token with read_api reads groups as its user');
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT is((:projects), '{100,101,103,104,105,107}'::bigint[], 'extended job token with api reads projects as its user');
SELECT runner_policy.authenticate(:'ext_other') \g /dev/null
SELECT is((:projects), '{104}'::bigint[], 'extended job token without read_api/api: public projects only');
SELECT is((:namespaces), '{30}'::bigint[], 'extended job token without read_api/api: public namespaces only');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT is((:projects), '{}'::bigint[], 'no actor reads no project');
SELECT is((:namespaces), '{}'::bigint[], 'no actor reads no namespace');

-- ---------------------------------------------------------------------
-- Projects: created and deleted by admins and by group owners inside their
-- group, updated by their maintainers+.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is(pg_temp.would_count(:'ins_project'), 1::bigint, 'admin creates a project');
SELECT is((:upd_projects), '{100,101,102,103,104,105,106,107}'::text[], 'admin updates every project');
SELECT is((:del_projects), '{100,101,102,103,104,105,106,107}'::text[], 'admin deletes every project');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT throws_ok(:'ins_project', '42501', :'rls_projects', 'auditor cannot create a project');
SELECT is((:upd_projects), '{}'::text[], 'auditor updates no project');
SELECT is((:del_projects), '{}'::text[], 'auditor deletes no project');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT throws_ok(:'ins_project', '42501', :'rls_projects', 'user with no membership cannot create a project');
SELECT is((:upd_projects), '{}'::text[], 'user with no membership updates no project (not even public ones)');
SELECT is((:del_projects), '{}'::text[], 'user with no membership deletes no project');
SELECT runner_policy.act_as(12) \g /dev/null
SELECT is((:upd_projects), '{}'::text[], 'project developer updates no project');
SELECT runner_policy.act_as(13) \g /dev/null
SELECT throws_ok(:'ins_project', '42501', :'rls_projects', 'project maintainer cannot create a project');
SELECT is((:upd_projects), '{100,107}'::text[], 'project maintainer updates its projects');
SELECT is((:del_projects), '{}'::text[], 'project maintainer deletes no project');
SELECT runner_policy.act_as(14) \g /dev/null
SELECT is((:upd_projects), '{100,107}'::text[], 'project owner updates its projects');
SELECT is((:del_projects), '{}'::text[], 'project owner deletes no project (group owners do)');
SELECT runner_policy.act_as(22) \g /dev/null
SELECT is((:upd_projects), '{}'::text[], 'group developer updates no project');
SELECT runner_policy.act_as(23) \g /dev/null
SELECT throws_ok(:'ins_project', '42501', :'rls_projects', 'group maintainer cannot create a project');
SELECT is((:upd_projects), '{100,101,103,107}'::text[], 'group maintainer updates the projects below (inherited)');
SELECT is((:del_projects), '{}'::text[], 'group maintainer deletes no project');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT is(pg_temp.would_count(:'ins_project'), 1::bigint, 'group owner creates a project in a sub-group');
SELECT throws_ok($$INSERT INTO runner_policy.projects (namespace_id, name) VALUES (20, 'new')$$,
	'42501', :'rls_projects', 'group owner cannot create a project in another group');
SELECT is((:upd_projects), '{100,101,103,107}'::text[], 'group owner updates the projects below');
SELECT is((:del_projects), '{100,101,103,107}'::text[], 'group owner deletes the projects below');
SELECT runner_policy.act_as(31) \g /dev/null
SELECT is(pg_temp.would_count(:'ins_project'), 1::bigint, 'owner of platform creates a project in ci below it');
SELECT is((:del_projects), '{100,101,107}'::text[], 'owner of platform deletes the projects below platform');
SELECT runner_policy.act_as(32) \g /dev/null
SELECT is((:upd_projects), '{103}'::text[], 'maintainer of 103 updates 103');
SELECT is((:del_projects), '{}'::text[], 'maintainer of 103 deletes nothing');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT throws_ok(:'ins_project', '42501', :'rls_projects', 'instance token cannot create a project');
SELECT is((:upd_projects), '{}'::text[], 'instance token updates no project');
SELECT runner_policy.authenticate(:'job_owner') \g /dev/null
SELECT throws_ok(:'ins_project', '42501', :'rls_projects', 'job token cannot create a project');
SELECT is((:upd_projects), '{}'::text[], 'job token updates no project');
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT throws_ok(:'ins_project', '42501', :'rls_projects', 'extended job token cannot create a project');
SELECT is((:upd_projects), '{}'::text[], 'extended job token updates no project');
SELECT is((:del_projects), '{}'::text[], 'extended job token deletes no project');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT throws_ok(:'ins_project', '42501', :'rls_projects', 'runner cannot create a project');
SELECT is((:upd_projects), '{}'::text[], 'runner updates no project');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT throws_ok(:'ins_project', '42501', :'rls_projects', 'no actor cannot create a project');
SELECT is((:del_projects), '{}'::text[], 'no actor deletes no project');

-- ---------------------------------------------------------------------
-- Namespaces: created and deleted by admins and by group owners inside
-- their group (a sub-group), changed by their owners.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is(pg_temp.would_count($$INSERT INTO runner_policy.namespaces (name) VALUES ('root')$$), 1::bigint,
	'admin creates a top-level group');
SELECT is((:upd_namespaces), '{10,11,12,13,20,30,31}'::text[], 'admin changes every namespace');
SELECT is((:del_namespaces), '{10,11,12,13,20,30,31}'::text[], 'admin deletes every namespace');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT throws_ok(:'ins_namespace', '42501', :'rls_namespaces', 'auditor cannot create a group');
SELECT is((:upd_namespaces), '{}'::text[], 'auditor changes no namespace');
SELECT is((:del_namespaces), '{}'::text[], 'auditor deletes no namespace');
SELECT runner_policy.act_as(13) \g /dev/null
SELECT throws_ok(:'ins_namespace', '42501', :'rls_namespaces', 'project maintainer cannot create a group');
SELECT is((:upd_namespaces), '{}'::text[], 'project maintainer changes no namespace');
SELECT runner_policy.act_as(23) \g /dev/null
SELECT throws_ok(:'ins_namespace', '42501', :'rls_namespaces', 'group maintainer cannot create a sub-group');
SELECT is((:upd_namespaces), '{}'::text[], 'group maintainer changes no namespace');
SELECT is((:del_namespaces), '{}'::text[], 'group maintainer deletes no namespace');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT is(pg_temp.would_count(:'ins_namespace'), 1::bigint, 'group owner creates a sub-group inside its group');
SELECT throws_ok($$INSERT INTO runner_policy.namespaces (name) VALUES ('root')$$,
	'42501', :'rls_namespaces', 'group owner cannot create a top-level group');
SELECT throws_ok($$INSERT INTO runner_policy.namespaces (parent_id, name) VALUES (20, 'x')$$,
	'42501', :'rls_namespaces', 'group owner cannot create a group in another group');
SELECT is((:upd_namespaces), '{10,11,12,13}'::text[], 'group owner changes its group and the sub-groups');
SELECT is((:del_namespaces), '{11,12,13}'::text[], 'group owner deletes the groups inside its group');
SELECT runner_policy.act_as(31) \g /dev/null
SELECT is(pg_temp.would_count(:'ins_namespace'), 1::bigint, 'owner of platform creates a sub-group of platform');
SELECT is(pg_temp.would($$UPDATE runner_policy.namespaces SET name = name WHERE id <> 11 RETURNING id$$), '{12,13}'::text[],
	'owner of platform changes the groups below platform');
SELECT lives_ok($$SELECT pg_temp.would($q$UPDATE runner_policy.namespaces SET name = 'platform2' WHERE id = 11 RETURNING id$q$)$$,
	'owner of platform renames platform (its parent acme is not its own)');
SELECT throws_ok($$UPDATE runner_policy.namespaces SET parent_id = 20 WHERE id = 12$$, '42501',
	'permission denied to move a group into namespace 20',
	'owner of platform cannot move a sub-group under a group it does not own');
SELECT is((:del_namespaces), '{12,13}'::text[], 'owner of platform deletes the groups inside platform');
SELECT runner_policy.act_as(30) \g /dev/null
SELECT is((:upd_namespaces), '{}'::text[], 'maintainer of a group changes nothing');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT throws_ok(:'ins_namespace', '42501', :'rls_namespaces', 'instance token cannot create a group');
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT throws_ok(:'ins_namespace', '42501', :'rls_namespaces', 'extended job token (of a group owner) cannot create a group');
SELECT is((:upd_namespaces), '{}'::text[], 'extended job token changes no namespace');
SELECT runner_policy.authenticate(:'runner_1001') \g /dev/null
SELECT is((:upd_namespaces), '{}'::text[], 'runner changes no namespace');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT throws_ok(:'ins_namespace', '42501', :'rls_namespaces', 'no actor cannot create a group');
SELECT is((:del_namespaces), '{}'::text[], 'no actor deletes no namespace');

-- ---------------------------------------------------------------------
-- Users: read by every actor acting for a user; written by admins only.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is((:users), :all_users, 'admin reads every user');
SELECT is(pg_temp.would_count(:'ins_user'), 1::bigint, 'admin creates a user');
SELECT is(pg_temp.would($$UPDATE runner_policy.users SET state = 'blocked' WHERE id = 3 RETURNING id$$), '{3}'::text[],
	'admin blocks a user');
SELECT is(pg_temp.would($$DELETE FROM runner_policy.users WHERE id = 3 RETURNING id$$), '{3}'::text[], 'admin deletes a user');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is((:users), :all_users, 'auditor reads every user');
SELECT throws_ok(:'ins_user', '42501', :'rls_users', 'auditor cannot create a user');
SELECT is(pg_temp.would($$UPDATE runner_policy.users SET auditor = false RETURNING id$$), '{}'::text[], 'auditor changes no user');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is((:users), :all_users, 'user with no membership reads every user');
SELECT runner_policy.act_as(13) \g /dev/null
SELECT throws_ok(:'ins_user', '42501', :'rls_users', 'maintainer cannot create a user');
SELECT is(pg_temp.would($$UPDATE runner_policy.users SET admin = true WHERE id = 13 RETURNING id$$), '{}'::text[],
	'a user cannot make itself an admin');
SELECT is(pg_temp.would($$DELETE FROM runner_policy.users RETURNING id$$), '{}'::text[], 'maintainer deletes no user');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT is(pg_temp.would($$UPDATE runner_policy.users SET state = 'blocked' WHERE id IN (20, 21, 22, 23) RETURNING id$$), '{}'::text[],
	'group owner cannot block its members');
SELECT runner_policy.authenticate(:'job_dev') \g /dev/null
SELECT is((:users), :all_users, 'job token reads every user');
SELECT runner_policy.authenticate(:'ext_other') \g /dev/null
SELECT is((:users), :all_users, 'extended job token reads every user');
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT throws_ok(:'ins_user', '42501', :'rls_users', 'extended job token with api cannot create a user');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT is((:users), '{}'::bigint[], 'instance token reads no user');
SELECT is(pg_temp.would($$UPDATE runner_policy.users SET username = username RETURNING id$$), '{}'::text[], 'instance token changes no user');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT is((:users), '{}'::bigint[], 'runner reads no user');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT is((:users), '{}'::bigint[], 'no actor reads no user');
SELECT throws_ok(:'ins_user', '42501', :'rls_users', 'no actor cannot create a user');

-- ---------------------------------------------------------------------
-- Token rows: admins and the token's own user (as a user actor) read them;
-- nobody writes them directly, admins included.
-- ---------------------------------------------------------------------
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is((:tokens), ARRAY['instance_token:1:-', 'instance_token:1:-', 'instance_token:1:-', 'instance_token:6:-',
	'job_token:12:5009', 'job_token:12:5010', 'job_token:24:5001', 'extended_job_token:24:5001',
	'extended_job_token:24:5001', 'extended_job_token:24:5001', 'extended_job_token:12:5009'], 'admin reads every token row');
SELECT throws_ok($$INSERT INTO runner_policy.tokens (kind, digest, user_id, expires_at)
	VALUES ('instance_token', '\x00', 1, now() + interval '1 day')$$, '42501', :'rls_tokens', 'admin cannot mint a token row');
SELECT is(pg_temp.would_count($$UPDATE runner_policy.tokens SET expires_at = NULL, scopes = '{read_runners,read_jobs}'$$), 0::bigint,
	'admin cannot change token rows');
SELECT is(pg_temp.would_count($$DELETE FROM runner_policy.tokens$$), 0::bigint, 'admin cannot delete token rows');
SELECT runner_policy.act_as(6) \g /dev/null
SELECT is(array_length((:tokens), 1), 11, 'the other admin reads every token row too');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is((:tokens), '{}'::text[], 'auditor reads no token row');
SELECT runner_policy.act_as(12) \g /dev/null
SELECT is((:tokens), '{job_token:12:5009,job_token:12:5010,extended_job_token:12:5009}'::text[], 'a user reads its own tokens');
SELECT is(pg_temp.would_count($$UPDATE runner_policy.tokens SET scopes = '{api}'$$), 0::bigint, 'and cannot change them');
SELECT is(pg_temp.would_count($$DELETE FROM runner_policy.tokens$$), 0::bigint, 'nor delete them');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT is((:tokens), '{job_token:24:5001,extended_job_token:24:5001,extended_job_token:24:5001,extended_job_token:24:5001}'::text[],
	'another user reads its own tokens only');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is((:tokens), '{}'::text[], 'a user without tokens reads none');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT is((:tokens), '{}'::text[], 'instance token (of an admin) reads no token row');
SELECT runner_policy.authenticate(:'job_dev') \g /dev/null
SELECT is((:tokens), '{}'::text[], 'job token reads no token row, not even its own');
SELECT runner_policy.authenticate(:'ext_read_api') \g /dev/null
SELECT is((:tokens), '{}'::text[], 'extended job token reads no token row');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT is((:tokens), '{}'::text[], 'runner reads no token row');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT is((:tokens), '{}'::text[], 'no actor reads no token row');

-- Refusals as real statements change nothing.
SELECT runner_policy.act_as(13) \g /dev/null
SELECT lives_ok($$UPDATE runner_policy.users SET admin = true WHERE id = 13$$, 'maintainer: UPDATE of its own admin flag runs');
SELECT lives_ok($$DELETE FROM runner_policy.projects$$, 'maintainer: DELETE of projects runs');
SELECT lives_ok($$UPDATE runner_policy.namespaces SET name = 'mine'$$, 'maintainer: UPDATE of groups runs');
SELECT runner_policy.act_as(1) \g /dev/null
SELECT lives_ok($$UPDATE runner_policy.tokens SET revoked_at = NULL$$, 'admin: UPDATE of token rows runs');
SELECT is(pg_temp.tables_digest(), :'digest_before', 'no refusal or probe changed any table');

-- Permitted creations are real, and reading follows at the next statement:
-- the owner of acme creates a sub-group of platform and a project in it.
SELECT runner_policy.act_as(24) \g /dev/null
-- Their ids come from the identity sequences.
:ins_namespace RETURNING id AS new_group \gset
SELECT ok(:new_group > 9000, 'group owner creates a sub-group of platform');
INSERT INTO runner_policy.projects (namespace_id, name) VALUES (:new_group, 'new') RETURNING id AS new_project \gset
SELECT ok(:new_project > 9000, 'group owner creates a project in it');
SELECT is((:projects), ARRAY[100,101,103,104,105,107,:new_project]::bigint[], 'the group owner reads the new project');
SELECT is((:namespaces), ARRAY[10,11,12,13,30,31,:new_group]::bigint[], 'and the new group');
SELECT runner_policy.act_as(21) \g /dev/null
SELECT is((:projects), ARRAY[100,101,103,104,105,107,:new_project]::bigint[], 'a reporter of acme reads it too (inherited)');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is((:projects), '{104,105}'::bigint[], 'a user with no membership does not (private)');
-- With RETURNING, as an application creates rows: the new row must be
-- readable, although the reach was computed before the row existed.
SELECT runner_policy.act_as(24) \g /dev/null
SELECT lives_ok($q$SELECT pg_temp.would($$INSERT INTO runner_policy.projects (namespace_id, name) VALUES (12, 'new') RETURNING id$$)$q$,
	'group owner creates a project with RETURNING id');
SELECT lives_ok($q$SELECT pg_temp.would($$INSERT INTO runner_policy.namespaces (parent_id, name) VALUES (11, 'sub') RETURNING id$$)$q$,
	'group owner creates a sub-group with RETURNING id');

SELECT runner_policy.reset_actor() \g /dev/null
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
