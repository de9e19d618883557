-- doc/permissions.md, writes to ci_runners beyond UPDATE/DELETE (matrix_runners.sql):
-- registering a runner (INSERT, the same rule as update), resetting its
-- token (whoever may update it), and what a runner actor may change of
-- itself, for every kind of actor, through the forge's application role.
BEGIN;
\ir matrix_fixture.psql
SELECT plan(89);
\set actor_role regress_matrix_app
\ir as_role.psql
SELECT pg_temp.tables_digest() AS digest_before \gset

\set ins_instance 'INSERT INTO runner_policy.ci_runners (runner_type) VALUES (1)'
\set ins_group 'INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (2, 11)'
\set ins_project 'INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (3, 100)'
\set rls 'new row violates row-level security policy for table "ci_runners"'

-- ---------------------------------------------------------------------
-- Register (INSERT).  Allowed ones are rolled back (pg_temp.would_count).
-- ---------------------------------------------------------------------
-- admin: any type.
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is(pg_temp.would_count(:'ins_instance'), 1::bigint, 'admin registers an instance runner');
SELECT is(pg_temp.would_count(:'ins_group'), 1::bigint, 'admin registers a group runner');
SELECT is(pg_temp.would_count(:'ins_project'), 1::bigint, 'admin registers a project runner');

-- auditor and instance read tokens: never.
SELECT runner_policy.act_as(2) \g /dev/null
SELECT throws_ok(:'ins_instance', '42501', :'rls', 'auditor cannot register an instance runner');
SELECT throws_ok(:'ins_group', '42501', :'rls', 'auditor cannot register a group runner');
SELECT throws_ok(:'ins_project', '42501', :'rls', 'auditor cannot register a project runner');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT throws_ok(:'ins_instance', '42501', :'rls', 'instance token cannot register an instance runner');
SELECT throws_ok(:'ins_group', '42501', :'rls', 'instance token cannot register a group runner');
SELECT throws_ok(:'ins_project', '42501', :'rls', 'instance token cannot register a project runner');

-- users below maintainer, or with no membership: nothing.
SELECT runner_policy.act_as(3) \g /dev/null
SELECT throws_ok(:'ins_instance', '42501', :'rls', 'user with no membership: no instance runner');
SELECT throws_ok(:'ins_group', '42501', :'rls', 'user with no membership: no group runner');
SELECT throws_ok(:'ins_project', '42501', :'rls', 'user with no membership: no project runner');
SELECT runner_policy.act_as(10) \g /dev/null
SELECT throws_ok(:'ins_group', '42501', :'rls', 'project guest: no group runner');
SELECT throws_ok(:'ins_project', '42501', :'rls', 'project guest: no project runner');
SELECT runner_policy.act_as(11) \g /dev/null
SELECT throws_ok(:'ins_group', '42501', :'rls', 'project reporter: no group runner');
SELECT throws_ok(:'ins_project', '42501', :'rls', 'project reporter: no project runner');
SELECT runner_policy.act_as(12) \g /dev/null
SELECT throws_ok(:'ins_group', '42501', :'rls', 'project developer: no group runner');
SELECT throws_ok(:'ins_project', '42501', :'rls', 'project developer: no project runner');
SELECT runner_policy.act_as(20) \g /dev/null
SELECT throws_ok(:'ins_group', '42501', :'rls', 'group guest: no group runner');
SELECT throws_ok(:'ins_project', '42501', :'rls', 'group guest: no project runner');
SELECT runner_policy.act_as(21) \g /dev/null
SELECT throws_ok(:'ins_group', '42501', :'rls', 'group reporter: no group runner');
SELECT throws_ok(:'ins_project', '42501', :'rls', 'group reporter: no project runner');
SELECT runner_policy.act_as(22) \g /dev/null
SELECT throws_ok(:'ins_group', '42501', :'rls', 'group developer: no group runner');
SELECT throws_ok(:'ins_project', '42501', :'rls', 'group developer: no project runner');

-- Project runner: maintainer+ of its owner project, direct or inherited.
-- Group runner: owner of its namespace or an ancestor.  Instance: admins.
SELECT runner_policy.act_as(13) \g /dev/null
SELECT throws_ok(:'ins_instance', '42501', :'rls', 'project maintainer: no instance runner');
SELECT throws_ok(:'ins_group', '42501', :'rls', 'project maintainer: no group runner');
SELECT is(pg_temp.would_count(:'ins_project'), 1::bigint, 'project maintainer registers a runner of its project');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (3, 101)$$,
	'42501', :'rls', 'project maintainer: no runner for a project it does not maintain');
SELECT runner_policy.act_as(14) \g /dev/null
SELECT throws_ok(:'ins_instance', '42501', :'rls', 'project owner: no instance runner');
SELECT throws_ok(:'ins_group', '42501', :'rls', 'project owner: no group runner');
SELECT is(pg_temp.would_count(:'ins_project'), 1::bigint, 'project owner registers a runner of its project');
SELECT runner_policy.act_as(23) \g /dev/null
SELECT throws_ok(:'ins_instance', '42501', :'rls', 'group maintainer: no instance runner');
SELECT throws_ok(:'ins_group', '42501', :'rls', 'group maintainer: no group runner (owners only)');
SELECT is(pg_temp.would_count(:'ins_project'), 1::bigint, 'group maintainer registers a runner of a project below (inherited)');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT throws_ok(:'ins_instance', '42501', :'rls', 'group owner: no instance runner');
SELECT is(pg_temp.would_count(:'ins_group'), 1::bigint, 'owner of acme registers a group runner of its sub-group platform');
SELECT is(pg_temp.would_count($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (2, 10)$$),
	1::bigint, 'owner of acme registers a group runner of acme');
SELECT is(pg_temp.would_count(:'ins_project'), 1::bigint, 'group owner registers a runner of a project below');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (2, 20)$$,
	'42501', :'rls', 'group owner: no group runner of another group');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (3, 102)$$,
	'42501', :'rls', 'group owner: no runner of a project outside its group');
SELECT runner_policy.act_as(31) \g /dev/null
SELECT is(pg_temp.would_count(:'ins_group'), 1::bigint, 'owner of platform registers a group runner of platform');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (2, 10)$$,
	'42501', :'rls', 'owner of platform: no group runner of acme above it');
SELECT is(pg_temp.would_count(:'ins_project'), 1::bigint, 'owner of platform registers a runner of a project below');
SELECT runner_policy.act_as(30) \g /dev/null
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (2, 13)$$,
	'42501', :'rls', 'maintainer (not owner) of a group: no group runner of it');

-- Registering with RETURNING, as an application does: the new row must be
-- readable before its owner link exists (the maintainer reads the runners
-- its projects own).
SELECT runner_policy.act_as(13) \g /dev/null
SELECT lives_ok($q$SELECT pg_temp.would($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (3, 100) RETURNING id$$)$q$,
	'project maintainer registers a runner of its project with RETURNING id');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT is(cardinality(pg_temp.would($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (2, 11) RETURNING id$$)),
	1, 'group owner registers a group runner with RETURNING id');

-- job token: never.
SELECT runner_policy.authenticate(:'job_owner') \g /dev/null
SELECT throws_ok(:'ins_instance', '42501', :'rls', 'job token: no instance runner');
SELECT throws_ok(:'ins_group', '42501', :'rls', 'job token (of a group owner): no group runner');
SELECT throws_ok(:'ins_project', '42501', :'rls', 'job token (of a group owner): no project runner');

-- extended job token: as its user with api, never an instance runner.
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT throws_ok(:'ins_instance', '42501', :'rls', 'extended job token with api: no instance runner');
SELECT is(pg_temp.would_count(:'ins_group'), 1::bigint, 'extended job token with api registers a group runner as its user');
SELECT is(pg_temp.would_count(:'ins_project'), 1::bigint, 'extended job token with api registers a project runner as its user');
SELECT runner_policy.authenticate(:'ext_read_api') \g /dev/null
SELECT throws_ok(:'ins_group', '42501', :'rls', 'extended job token with read_api: no group runner');
SELECT throws_ok(:'ins_project', '42501', :'rls', 'extended job token with read_api: no project runner');
SELECT runner_policy.authenticate(:'ext_other') \g /dev/null
SELECT throws_ok(:'ins_group', '42501', :'rls', 'extended job token without api: no group runner');
SELECT throws_ok(:'ins_project', '42501', :'rls', 'extended job token without api: no project runner');
SELECT runner_policy.authenticate(:'ext_dev') \g /dev/null
SELECT throws_ok(:'ins_project', '42501', :'rls', 'extended job token with api of a developer: no project runner');

-- runner actor and no actor: never.
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT throws_ok(:'ins_instance', '42501', :'rls', 'runner actor: no instance runner');
SELECT throws_ok(:'ins_project', '42501', :'rls', 'runner actor: no project runner');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT throws_ok(:'ins_instance', '42501', :'rls', 'no actor: no instance runner');
SELECT throws_ok(:'ins_group', '42501', :'rls', 'no actor: no group runner');
SELECT throws_ok(:'ins_project', '42501', :'rls', 'no actor: no project runner');
SELECT is(pg_temp.tables_digest(), :'digest_before', 'no refused or probed registration changed any table');

-- ---------------------------------------------------------------------
-- Runner actor: UPDATE only its own contacted_at; any other column 42501.
-- ---------------------------------------------------------------------
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT is(pg_temp.would($$UPDATE runner_policy.ci_runners SET contacted_at = now() RETURNING id$$), '{1002}'::text[],
	'runner actor sets contacted_at of itself, and of no other runner');
SELECT is(pg_temp.would($$UPDATE runner_policy.ci_runners SET contacted_at = now() WHERE id = 1003 RETURNING id$$), '{}'::text[],
	'runner actor cannot touch another runner');
SELECT throws_ok($$UPDATE runner_policy.ci_runners SET description = 'mine' WHERE id = 1002$$,
	'42501', 'a runner may not change description of runner 1002', 'runner actor cannot change its description');
SELECT throws_ok($$UPDATE runner_policy.ci_runners SET paused = true WHERE id = 1002$$,
	'42501', 'a runner may not change paused of runner 1002', 'runner actor cannot pause or unpause itself');
SELECT throws_ok($$UPDATE runner_policy.ci_runners SET locked = true WHERE id = 1002$$,
	'42501', 'a runner may not change locked of runner 1002', 'runner actor cannot lock itself');
SELECT throws_ok($$UPDATE runner_policy.ci_runners SET tag_list = '{gpu}' WHERE id = 1002$$,
	'42501', 'a runner may not change tag_list of runner 1002', 'runner actor cannot change its tags');
SELECT throws_ok($$UPDATE runner_policy.ci_runners SET contacted_at = now(), description = 'x' WHERE id = 1002$$,
	'42501', 'a runner may not change description of runner 1002', 'contacted_at with another column: refused whole');
SELECT throws_ok($$UPDATE runner_policy.ci_runners SET token_digest = '\x00' WHERE id = 1002$$,
	'42501', 'a runner may not change token_digest of runner 1002', 'runner actor cannot set its token digest');
SELECT is(pg_temp.tables_digest(), :'digest_before', 'the refused runner updates changed nothing');
UPDATE runner_policy.ci_runners SET contacted_at = now() - interval '1 minute' WHERE id = 1002;
SELECT runner_policy.act_as(2) \g /dev/null
SELECT results_eq($$SELECT runner_id FROM runner_policy.runner_queue_status WHERE online$$, ARRAY[1002::bigint],
	'after its contact the runner is online, and the only one');

-- ---------------------------------------------------------------------
-- reset_runner_token(): whoever may update the runner.
-- ---------------------------------------------------------------------
\set denied 'permission denied to reset the token of runner '
SELECT runner_policy.act_as(2) \g /dev/null
SELECT throws_ok($$SELECT runner_policy.reset_runner_token(1000)$$, '42501', :'denied' || '1000', 'auditor cannot reset a runner token');
SELECT runner_policy.authenticate(:'inst_both') \g /dev/null
SELECT throws_ok($$SELECT runner_policy.reset_runner_token(1002)$$, '42501', :'denied' || '1002', 'instance token cannot reset a runner token');
SELECT runner_policy.act_as(12) \g /dev/null
SELECT throws_ok($$SELECT runner_policy.reset_runner_token(1002)$$, '42501', :'denied' || '1002', 'project developer cannot');
SELECT runner_policy.act_as(13) \g /dev/null
SELECT throws_ok($$SELECT runner_policy.reset_runner_token(1003)$$, '42501', :'denied' || '1003',
	'project maintainer cannot reset a runner only linked to its project');
SELECT throws_ok($$SELECT runner_policy.reset_runner_token(1001)$$, '42501', :'denied' || '1001',
	'project maintainer cannot reset a group runner');
SELECT runner_policy.act_as(23) \g /dev/null
SELECT throws_ok($$SELECT runner_policy.reset_runner_token(1006)$$, '42501', :'denied' || '1006', 'group maintainer cannot reset a group runner');
SELECT runner_policy.act_as(31) \g /dev/null
SELECT throws_ok($$SELECT runner_policy.reset_runner_token(1006)$$, '42501', :'denied' || '1006',
	'owner of a sub-group cannot reset the group runner above');
SELECT runner_policy.authenticate(:'job_owner') \g /dev/null
SELECT throws_ok($$SELECT runner_policy.reset_runner_token(1006)$$, '42501', :'denied' || '1006', 'job token cannot');
SELECT runner_policy.authenticate(:'ext_read_api') \g /dev/null
SELECT throws_ok($$SELECT runner_policy.reset_runner_token(1006)$$, '42501', :'denied' || '1006', 'extended job token without api cannot');
SELECT runner_policy.authenticate(:'ext_api') \g /dev/null
SELECT throws_ok($$SELECT runner_policy.reset_runner_token(1000)$$, '42501', :'denied' || '1000',
	'extended job token with api cannot reset the instance runner');
SELECT matches(runner_policy.reset_runner_token(1006), '^rpr_[0-9a-f]{64}$', 'extended job token with api resets a group runner of its user');
SELECT runner_policy.authenticate(:'runner_1002') \g /dev/null
SELECT throws_ok($$SELECT runner_policy.reset_runner_token(1002)$$, '42501', :'denied' || '1002', 'a runner cannot reset its own token');
SELECT runner_policy.reset_actor() \g /dev/null
SELECT throws_ok($$SELECT runner_policy.reset_runner_token(1000)$$, '42501', :'denied' || '1000', 'no actor cannot');
SELECT runner_policy.act_as(24) \g /dev/null
SELECT matches(runner_policy.reset_runner_token(1001), '^rpr_[0-9a-f]{64}$', 'owner of acme resets the group runner of platform');
SELECT runner_policy.act_as(13) \g /dev/null
SELECT matches(runner_policy.reset_runner_token(1002), '^rpr_[0-9a-f]{64}$', 'project maintainer resets its project''s runner');
SELECT runner_policy.act_as(1) \g /dev/null
SELECT matches(runner_policy.reset_runner_token(1000), '^rpr_[0-9a-f]{64}$', 'admin resets the instance runner');

SELECT runner_policy.reset_actor() \g /dev/null
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
