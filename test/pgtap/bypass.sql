-- Attempts to get around the invariants: a hostile search_path, direct calls
-- of the trigger functions, switching triggers off, a role that cannot see
-- the rows the checks read.  Each is refused or does not matter.
BEGIN;
\ir fixture.psql
SELECT plan(16);

-- A role that may insert and delete links but read nothing else still gets
-- the checks right: they read the tables as their owner.
CREATE ROLE regress_linker;
GRANT USAGE ON SCHEMA runner_policy TO regress_linker;
GRANT SELECT, INSERT, DELETE ON runner_policy.ci_runner_projects TO regress_linker;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA runner_policy TO regress_linker;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO regress_linker;
\set actor_role regress_linker
\ir as_role.psql
SELECT runner_policy.act_as(1) \g /dev/null
SELECT throws_ok($$SELECT count(*) FROM runner_policy.ci_runners$$, '42501', NULL,
	'the linker cannot read runners');
SELECT lives_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1003, 101)$$,
	'it can still subscribe a project to a runner it cannot read');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1001, 101)$$,
	'23514', 'cannot link group runner 1001 to project 101', 'and is refused for the right reason');
SELECT throws_ok($$DELETE FROM runner_policy.ci_runner_projects WHERE runner_id = 1002 AND project_id = 100$$,
	'23514', 'cannot unlink runner 1002 from its owner project 100', 'it cannot remove an owner link it cannot see the owner of');
SELECT runner_policy.reset_actor() \g /dev/null
RESET ROLE;

-- A search_path that puts a hostile "=" in front of pg_catalog's.
CREATE SCHEMA regress_evil;
CREATE FUNCTION regress_evil.always(bigint, bigint) RETURNS boolean
	LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR regress_evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = regress_evil.always);
CREATE TABLE regress_evil.ci_runners (id bigint, runner_type smallint, sharding_key_id bigint);
SET LOCAL search_path = regress_evil, pg_catalog, public;
SELECT throws_ok($$DELETE FROM runner_policy.ci_runner_projects WHERE runner_id = 1002 AND project_id = 100$$,
	'23514', 'cannot unlink runner 1002 from its owner project 100', 'a hostile search_path does not unlock the owner link');
SELECT throws_ok($$UPDATE runner_policy.ci_runners SET sharding_key_id = 102 WHERE id = 1002$$,
	'23514', NULL, 'nor the owner');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1001, 101)$$,
	'23514', 'cannot link group runner 1001 to project 101', 'nor a link of the wrong kind');
RESET search_path;

-- The trigger functions refuse to run outside a trigger.
SELECT throws_ok($$SELECT runner_policy.ci_runners_guard()$$, '39P01',
	'function "ci_runners_guard" was not called by trigger manager', 'direct call of a guard');
SELECT throws_ok($$SELECT runner_policy.ci_runner_projects_guard()$$, '39P01', NULL, 'direct call of the link guard');

-- The application role cannot switch the triggers off, nor run the repairs.
SET ROLE regress_forge_app;
SELECT runner_policy.act_as(1) \g /dev/null
SELECT throws_ok($$SET session_replication_role = replica$$, '42501', NULL,
	'it cannot turn triggers off with session_replication_role');
SELECT throws_ok($$ALTER TABLE runner_policy.ci_runner_projects DISABLE TRIGGER ci_runner_projects_guard$$,
	'42501', NULL, 'nor with ALTER TABLE');
SELECT throws_ok($$DROP TRIGGER ci_runners_guard ON runner_policy.ci_runners$$, '42501', NULL,
	'nor drop a trigger');
SELECT throws_ok($$SELECT runner_policy.backfill_owners()$$, '42501', NULL,
	'backfill_owners() is not for the application role');
SELECT throws_ok($$SELECT runner_policy.ci_runners_guard()$$, '42501', NULL,
	'the trigger functions are not executable by it at all');
SELECT runner_policy.reset_actor() \g /dev/null
RESET ROLE;

-- Strings are data: a description full of SQL is stored as written.
SELECT lives_ok($$INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description)
	VALUES (3000, 3, 101, $d$'); DELETE FROM runner_policy.ci_runner_projects; --$d$)$$,
	'a hostile description is just a description');
SELECT is((SELECT count(*) FROM runner_policy.ci_runner_projects), 6::bigint,
	'and deleted nothing');
SELECT * FROM finish();
ROLLBACK;
