-- runner_access: who may read, update, delete or link which runner
-- (doc/auditing.md).  Its rows must be exactly what each user can actually do, for
-- every user, runner and action of the permission matrix fixture, whether
-- it is read whole, filtered by runner or filtered by user; and only
-- administrators, auditors and DBAs may read it.
BEGIN;
\ir matrix_fixture.psql
SELECT plan(16);

\ir enforced.psql

-- The view as a DBA reads it (no actor), whole and filtered: one statement
-- per runner and per user, so that each filter plans on its own.
CREATE TEMP TABLE whole AS
	SELECT runner_id, user_id, action FROM runner_policy.runner_access;
CREATE FUNCTION pg_temp.by_runner() RETURNS SETOF runner_policy.runner_access
LANGUAGE plpgsql AS $$
DECLARE r bigint;
BEGIN
	FOR r IN SELECT id FROM runner_policy.ci_runners LOOP
		RETURN QUERY EXECUTE format('SELECT * FROM runner_policy.runner_access WHERE runner_id = %s', r);
	END LOOP;
END $$;
CREATE FUNCTION pg_temp.by_user() RETURNS SETOF runner_policy.runner_access
LANGUAGE plpgsql AS $$
DECLARE u bigint;
BEGIN
	FOR u IN SELECT id FROM runner_policy.users LOOP
		RETURN QUERY EXECUTE format('SELECT * FROM runner_policy.runner_access WHERE user_id = %s', u);
	END LOOP;
END $$;
CREATE TEMP TABLE by_runner AS SELECT runner_id, user_id, action FROM pg_temp.by_runner();
CREATE TEMP TABLE by_user AS SELECT runner_id, user_id, action FROM pg_temp.by_user();
CREATE TEMP TABLE cases AS
	SELECT u.id AS user_id, r.id AS runner_id, a.action
	  FROM runner_policy.users u, runner_policy.ci_runners r,
		   unnest(ARRAY['read', 'update', 'delete', 'link']) AS a (action);
GRANT SELECT ON whole, by_runner, by_user, cases TO regress_matrix_app;
CREATE TEMP TABLE allowed (user_id bigint, runner_id bigint, action text);
GRANT ALL ON allowed TO regress_matrix_app;
GRANT SELECT ON runner_policy.runner_access TO regress_matrix_app;

\set actor_role regress_matrix_app
\ir as_role.psql

INSERT INTO allowed
	SELECT user_id, runner_id, action FROM cases c
	 WHERE pg_temp.enforced(c.user_id, c.runner_id, c.action);
SELECT runner_policy.reset_actor();

SELECT is((SELECT count(*) FROM cases), 504::bigint, '18 users, 7 runners, 4 actions');
SELECT cmp_ok((SELECT count(*) FROM allowed), '>', 100::bigint,
	'the fixture has plenty of both yes and no');
SELECT is((SELECT string_agg(format('%s %s runner %s', user_id, action, runner_id), ', ')
			 FROM ((SELECT * FROM allowed EXCEPT SELECT user_id, runner_id, action FROM whole)
				   UNION ALL
				   (SELECT user_id, runner_id, action FROM whole EXCEPT SELECT * FROM allowed)) d),
		  NULL, 'the whole view is exactly what each user can do (all 504 cases)');
SELECT is((SELECT string_agg(format('%s %s runner %s', user_id, action, runner_id), ', ')
			 FROM ((SELECT * FROM allowed EXCEPT SELECT user_id, runner_id, action FROM by_runner)
				   UNION ALL
				   (SELECT user_id, runner_id, action FROM by_runner EXCEPT SELECT * FROM allowed)) d),
		  NULL, 'filtered by runner, each runner: the same');
SELECT is((SELECT string_agg(format('%s %s runner %s', user_id, action, runner_id), ', ')
			 FROM ((SELECT * FROM allowed EXCEPT SELECT user_id, runner_id, action FROM by_user)
				   UNION ALL
				   (SELECT user_id, runner_id, action FROM by_user EXCEPT SELECT * FROM allowed)) d),
		  NULL, 'filtered by user, each user: the same');
SELECT is((SELECT count(*) FROM whole), (SELECT count(*) FROM (SELECT DISTINCT * FROM whole) d),
	'no row twice');

-- Who may read it.
SELECT runner_policy.act_as(1);
SELECT is((SELECT count(*) FROM runner_policy.runner_access WHERE runner_id = 1002),
		  (SELECT count(*) FROM allowed WHERE runner_id = 1002), 'an administrator reads it');
SELECT runner_policy.act_as(2);
SELECT is((SELECT count(*) FROM runner_policy.runner_access WHERE user_id = 13),
		  (SELECT count(*) FROM allowed WHERE user_id = 13), 'an auditor reads it');
SELECT is((SELECT array_agg(action ORDER BY action) FROM runner_policy.runner_access
			WHERE runner_id = 1002 AND user_id = 32),
		  ARRAY['read'], 'a user who maintains a project linked to a runner reads it, no more');
SELECT runner_policy.act_as(13);
SELECT throws_ok('SELECT * FROM runner_policy.runner_access WHERE runner_id = 1002', '42501',
	'permission denied to read runner_access', 'a maintainer does not');
SELECT throws_ok('SELECT runner_policy.runners_of_user(1)', '42501',
	'permission denied to read runner_access', 'nor through its functions');
SELECT runner_policy.reset_actor();
SELECT throws_ok('SELECT * FROM runner_policy.runner_access WHERE user_id = 1', '42501',
	'permission denied to read runner_access', 'the application role with no actor does not');
SELECT throws_ok('SELECT runner_policy.users_of_runner(1002)', '42501',
	'permission denied to read runner_access', 'nor through its functions');
RESET ROLE;
GRANT EXECUTE ON FUNCTION runner_policy.explain_access(bigint, bigint, text) TO regress_matrix_app;
SET ROLE regress_matrix_app;
SELECT is((SELECT count(*) FROM runner_policy.runner_access),
		  (SELECT count(*) FROM allowed), 'a role that may run explain_access() does, with no actor');
RESET ROLE;
REVOKE SELECT ON runner_policy.runner_access FROM regress_matrix_app;
SET ROLE regress_matrix_app;
SELECT runner_policy.act_as(1);
SELECT throws_ok('SELECT * FROM runner_policy.runner_access', '42501',
	'permission denied for view runner_access', 'the view is granted by the DBA');
RESET ROLE;
SELECT ok(NOT has_table_privilege('public', 'runner_policy.runner_access', 'SELECT'),
	'not to PUBLIC');
SELECT * FROM finish();
ROLLBACK;
