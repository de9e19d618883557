-- The actor (doc/actors.md): with none, no rows and no writes; no setting,
-- table write, shadow object or internal function makes a session one.
BEGIN;
\ir fixture.psql
SELECT plan(24);
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (100, 2, 40);
UPDATE runner_policy.users SET state = 'blocked' WHERE id = 3;
CREATE ROLE regress_dashboard;
GRANT USAGE ON SCHEMA runner_policy TO regress_dashboard;
GRANT SELECT ON ALL TABLES IN SCHEMA runner_policy TO regress_dashboard;
GRANT ALL ON ALL TABLES IN SCHEMA pg_temp TO regress_dashboard;
GRANT ALL ON ALL SEQUENCES IN SCHEMA pg_temp TO regress_dashboard;
\set actor_role regress_forge_app
\ir as_role.psql

-- Rows of every table and the queue view, as one number.
CREATE FUNCTION pg_temp.visible_rows() RETURNS bigint LANGUAGE sql AS $$
	SELECT (SELECT count(*) FROM runner_policy.users) + (SELECT count(*) FROM runner_policy.namespaces)
		 + (SELECT count(*) FROM runner_policy.projects) + (SELECT count(*) FROM runner_policy.project_members)
		 + (SELECT count(*) FROM runner_policy.group_members) + (SELECT count(*) FROM runner_policy.ci_runners)
		 + (SELECT count(*) FROM runner_policy.ci_runner_projects) + (SELECT count(*) FROM runner_policy.ci_runner_namespaces)
		 + (SELECT count(*) FROM runner_policy.ci_builds) + (SELECT count(*) FROM runner_policy.ci_job_token_scope_links)
		 + (SELECT count(*) FROM runner_policy.tokens) + (SELECT count(*) FROM runner_policy.runner_queue_status)
$$;

-- No actor: nothing to see, nothing to write.
SELECT is((SELECT kind FROM runner_policy.current_actor()), NULL, 'a new session has no actor');
SELECT is(pg_temp.visible_rows(), 0::bigint, 'with no actor every table and the queue view show no rows');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type) VALUES (1)$$,
	'42501', 'new row violates row-level security policy for table "ci_runners"', 'no insert without an actor');
SELECT throws_ok($$INSERT INTO runner_policy.projects (namespace_id, name) VALUES (10, 'x')$$,
	'42501', NULL, 'nor into any other table');
RESET ROLE;
SELECT pg_temp.tables_digest() AS digest_before \gset
SET ROLE regress_forge_app;
UPDATE runner_policy.ci_runners SET description = 'mine';
DELETE FROM runner_policy.ci_runner_projects;
DELETE FROM runner_policy.users;
RESET ROLE;
SELECT is(pg_temp.tables_digest(), :'digest_before', 'updates and deletes without an actor change nothing');
SET ROLE regress_forge_app;

-- No setting makes an actor: the extension reads none, and reserves its prefix.
SELECT throws_ok($$SET runner_policy.actor = 'user'$$, '42602', NULL, 'SET runner_policy.* is refused');
SELECT throws_ok($$SELECT set_config('runner_policy.user_id', '1', false)$$, '42602', NULL, 'so is set_config()');
SET application_name = 'runner_policy user 1';
SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE;
SELECT is(pg_temp.visible_rows(), 0::bigint, 'other settings do not make an actor');

-- Not even replaying every setting a session had while it was an admin actor.
SELECT runner_policy.act_as(1) \g /dev/null
CREATE TEMP TABLE admin_settings AS
	SELECT name, setting FROM pg_settings WHERE context IN ('user', 'superuser-backend') AND name <> 'role';
SELECT runner_policy.reset_actor() \g /dev/null
DO $$
DECLARE s record;
BEGIN
	FOR s IN SELECT * FROM admin_settings LOOP
		BEGIN
			PERFORM set_config(s.name, s.setting, false);
		EXCEPTION WHEN OTHERS THEN NULL;
		END;
	END LOOP;
END $$;
SELECT is(pg_temp.visible_rows(), 0::bigint, 'replaying an admin session''s settings makes no actor');

-- Objects a session can create do not stand in for the extension's.
CREATE TEMP TABLE tokens (id bigint, kind text, digest bytea, user_id bigint, job_id bigint,
	scopes text[], expires_at timestamptz, revoked_at timestamptz);
INSERT INTO pg_temp.tokens VALUES (1, 'instance_token', sha256(convert_to('rpi_' || repeat('0', 64), 'UTF8')),
	1, NULL, '{read_runners}', now() + interval '1 day', NULL);
SET search_path = pg_temp, public, pg_catalog;
SELECT throws_ok(format('SELECT runner_policy.authenticate(%L)', 'rpi_' || repeat('0', 64)),
	'28000', 'invalid token', 'a token table of its own authenticates nobody');
RESET search_path;

-- The policy core's functions answer; they never make an actor.
SELECT is(runner_policy.reach('runner_read_ids'), '{}'::bigint[], 'reach() with no actor is empty');
SELECT is(runner_policy.reach_all('admin'), NULL, 'reach_all() with no actor is NULL');
SELECT is(runner_policy.authorize(103, 'read_api'), false, 'authorize() with no actor is false');
SELECT is((SELECT count(*) FROM runner_policy.runner_queue_counts()), 0::bigint,
	'runner_queue_counts() shows no runner with no actor');
SELECT throws_ok($$SELECT runner_policy.reach('everything')$$, '22023', 'unrecognized reach set "everything"',
	'reach() knows its sets');
SELECT is((SELECT kind FROM runner_policy.current_actor()), NULL, 'and still no actor');

-- act_as: the trusted application role only, never for a blocked user.
SELECT is(runner_policy.act_as(2), 'user', 'the application role acts as alice');
SELECT results_eq($$SELECT kind, user_id, token_id, scopes FROM runner_policy.current_actor()$$,
	$$VALUES ('user'::text, 2::bigint, NULL::bigint, NULL::text[])$$, 'current_actor() says so');
SELECT isnt(pg_temp.visible_rows(), 0::bigint, 'and she sees rows');
SELECT throws_ok($$SELECT runner_policy.act_as(3)$$, '28000', 'cannot act as user 3', 'nobody acts as a blocked user');
SELECT throws_ok($$SELECT runner_policy.act_as(424242)$$, '28000', 'cannot act as user 424242', 'nor as an unknown one');
SELECT is((SELECT kind FROM runner_policy.current_actor()), NULL, 'a refused act_as leaves no actor');
SELECT throws_ok($$SELECT runner_policy.act_as(NULL)$$, '22023', 'user_id must not be null', 'act_as needs a user');
RESET ROLE;
SET ROLE regress_dashboard;
SELECT throws_ok($$SELECT runner_policy.act_as(1)$$, '42501', 'permission denied for function act_as',
	'a role without the grant cannot act as anyone');
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
