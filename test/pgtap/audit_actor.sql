-- Each audit log entry names the actor whose rights applied to its change.
-- The entry is written when the row's AFTER ROW trigger fires, at the end
-- of the statement, so the actor must not change while a statement writes
-- the extension's tables: act_as(), authenticate() and reset_actor() are
-- refused there (55000), at every door a row change comes through, and
-- work as before in a statement of their own.
BEGIN;
-- A lane's head moves when the transaction commits; these files never do,
-- so they move it at the end of every statement instead.
SET CONSTRAINTS runner_policy.audit_lanes_head IMMEDIATE;
\ir fixture.psql
SELECT plan(25);

CREATE FUNCTION pg_temp.mark() RETURNS bigint LANGUAGE sql AS $$
	SELECT coalesce(max(id), 0) FROM runner_policy.audit_log
$$;
CREATE FUNCTION pg_temp.actors_since(mark bigint)
RETURNS TABLE (action text, object_type text, object_id bigint, actor_user_id bigint)
LANGUAGE sql AS $$
	SELECT action, object_type, object_id, actor_user_id
	  FROM runner_policy.audit_log WHERE id > mark AND object_type = 'runner' ORDER BY id
$$;
-- a function that sets the actor and then writes, as an application's
-- stored procedure might: each statement in it is a statement of its own
CREATE FUNCTION pg_temp.as_user_register(user_id bigint, owner bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	new_id bigint;
BEGIN
	PERFORM runner_policy.act_as(user_id);
	INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (3, owner)
	RETURNING id INTO new_id;
	RETURN new_id;
END $$;
-- a loop over the rows a DELETE returned, which changes the actor in its
-- body: the DELETE has run to its end (and its entries are written) first
CREATE FUNCTION pg_temp.delete_then_act(runner bigint, then_user bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	FOR r IN DELETE FROM runner_policy.ci_runners WHERE id = runner RETURNING id LOOP
		PERFORM runner_policy.act_as(then_user);
	END LOOP;
END $$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pg_temp TO regress_forge_app;
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (102, 2, 40), (100, 3, 40);

\set actor_role regress_forge_app
\ir as_role.psql
SELECT runner_policy.act_as(1) \g /dev/null
SELECT runner_policy.reset_runner_token(1003) AS runner_token \gset
RESET ROLE;
SELECT pg_temp.tables_digest() AS digest_before, pg_temp.mark() AS m \gset
SET ROLE regress_forge_app;

-- The statements an admin (user 1) could use to have another user named.
SELECT throws_ok($$WITH d AS (DELETE FROM runner_policy.ci_runners WHERE id = 1003 RETURNING id)
				   SELECT runner_policy.act_as(3) FROM d$$,
	'55000', 'cannot change the actor inside a statement that writes the runner_policy tables',
	'act_as() over the rows of a data-modifying WITH is refused');
SELECT throws_ok($$DELETE FROM runner_policy.ci_runners WHERE id = 1003 RETURNING runner_policy.act_as(3)$$,
	'55000', 'cannot change the actor inside a statement that writes the runner_policy tables',
	'act_as() in the RETURNING list of a DELETE is refused');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (3, 102)
				   RETURNING runner_policy.act_as(3)$$,
	'55000', NULL, 'and of an INSERT');
SELECT throws_ok($$UPDATE runner_policy.ci_runners SET description = 'x' WHERE id = 1003
				   RETURNING runner_policy.reset_actor()$$,
	'55000', NULL, 'reset_actor() in the RETURNING list of an UPDATE is refused');
SELECT throws_ok(format($$DELETE FROM runner_policy.ci_runners WHERE id = 1003
						  RETURNING runner_policy.authenticate(%L)$$, :'runner_token'),
	'55000', NULL, 'authenticate() too');
SELECT throws_ok($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id, description)
				   SELECT 3, 102, runner_policy.act_as(3)$$,
	'55000', NULL, 'act_as() in the rows an INSERT ... SELECT writes is refused');
SELECT throws_ok($$WITH a AS (SELECT runner_policy.act_as(3) AS k),
						d AS (DELETE FROM runner_policy.ci_runners WHERE id = 1003 RETURNING id)
				   SELECT * FROM a, d$$,
	'55000', NULL, 'in any part of a statement that writes, whichever part runs first');
SELECT is((SELECT user_id FROM runner_policy.current_actor()), 1::bigint, 'the actor is still user 1');
RESET ROLE;
SELECT is(pg_temp.tables_digest(), :'digest_before', 'nothing was changed');
SELECT is(pg_temp.mark(), :m::bigint, 'and nothing written to the log');

-- Triggers: a trigger on a table of the extension, fired by a write or by
-- a cascade of foreign keys, runs inside the statement.
CREATE FUNCTION pg_temp.act_as_3() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM runner_policy.act_as(3);
	RETURN NULL;
END $$;
CREATE TRIGGER regress_act_as AFTER DELETE ON runner_policy.ci_runner_projects
	FOR EACH ROW EXECUTE FUNCTION pg_temp.act_as_3();
SET ROLE regress_forge_app;
SELECT throws_ok($$DELETE FROM runner_policy.ci_runners WHERE id = 1003$$,
	'55000', NULL, 'act_as() in a trigger fired by a foreign key cascade is refused');
SELECT throws_ok($$DELETE FROM runner_policy.projects WHERE id = 102$$,
	'55000', NULL, 'and in one fired by the rows the extension''s own triggers delete');
RESET ROLE;
DROP TRIGGER regress_act_as ON runner_policy.ci_runner_projects;

-- COPY FROM runs its WHERE clause and the triggers outside the executor.
SELECT throws_ok($$COPY runner_policy.users (username) FROM PROGRAM 'echo carol'
				   WHERE runner_policy.act_as(3) IS NOT NULL$$,
	'55000', NULL, 'act_as() in the WHERE clause of a COPY FROM is refused');
SELECT is(pg_temp.tables_digest(), :'digest_before', 'still nothing changed');
SELECT is(pg_temp.mark(), :m::bigint, 'and nothing written to the log');

-- Ordinary use: the actor set in a statement of its own.
SET ROLE regress_forge_app;
SELECT runner_policy.act_as(2) \g /dev/null
DELETE FROM runner_policy.ci_runners WHERE id = 1003;
SELECT runner_policy.act_as(1) \g /dev/null
DELETE FROM runner_policy.ci_runners WHERE id = 1000;
SELECT results_eq(format('SELECT * FROM pg_temp.actors_since(%s)', :m),
	$$VALUES ('delete', 'runner', 1003::bigint, 2::bigint), ('delete', 'runner', 1000, 1)$$,
	'act_as() as a statement of its own, then writes: each entry names its actor');

-- A function whose statements set the actor and then write: allowed.
SELECT pg_temp.mark() AS m \gset
SELECT pg_temp.as_user_register(3, 100) AS new_runner \gset
SELECT ok(:new_runner > 100000, 'a function may set the actor and then write');
SELECT results_eq(format('SELECT * FROM pg_temp.actors_since(%s)', :m),
	format($$VALUES ('register', 'runner', %s::bigint, 3::bigint)$$, :new_runner),
	'its write names the actor it set');
SELECT is((SELECT user_id FROM runner_policy.current_actor()), 3::bigint, 'and the actor stays set after it');

-- A loop over a DELETE's rows that changes the actor: the rows the DELETE
-- returned belong to the actor it ran as, so the loop's next fetch is
-- refused (a portal reads only for its own actor), and the DELETE goes back.
SELECT pg_temp.mark() AS m \gset
SELECT throws_ok(format('SELECT pg_temp.delete_then_act(%s, 1)', :new_runner), '55000', NULL,
	'a loop over a DELETE''s returned rows that changes the actor is refused at its next fetch');
SELECT ok(EXISTS (SELECT FROM runner_policy.ci_runners WHERE id = :new_runner),
	'the runner is still there');
SELECT is(pg_temp.mark(), :m::bigint, 'and nothing was written to the log');

-- Reading while changing the actor: no write, no refusal.
SELECT is((SELECT runner_policy.act_as(2) FROM runner_policy.ci_runners WHERE id = 1001), 'user',
	'act_as() in a statement that only reads the tables works');
SELECT is((SELECT user_id FROM runner_policy.current_actor()), 2::bigint, 'and sets the actor');

RESET ROLE;
SELECT is_empty($$SELECT * FROM runner_policy.verify_audit_log()$$, 'the log is intact');

SELECT * FROM finish();
ROLLBACK;
