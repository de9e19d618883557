-- actor_lifetime: how long an actor lasts.  is_local ends with the
-- transaction, committed or not; an actor set in a transaction that aborts
-- is undone like a SET; a savepoint rollback undoes what came after it;
-- DISCARD ALL and a failed authentication end any actor for good.
\set VERBOSITY terse
SET search_path = pg_catalog;
INSERT INTO runner_policy.users (id, username, admin) VALUES
	(9001, 'regress_ann', false), (9002, 'regress_ben', false), (9003, 'regress_root', true);
CREATE ROLE regress_lifetime_app;
GRANT USAGE ON SCHEMA runner_policy TO regress_lifetime_app;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO regress_lifetime_app;
SET ROLE regress_lifetime_app;
CREATE TEMP VIEW actor AS SELECT kind, user_id FROM runner_policy.current_actor();

-- is_local outside a transaction block ends with its own statement, and
-- says so, as SET LOCAL does.
SELECT runner_policy.act_as(9001, is_local => true);
SELECT * FROM actor;
-- The default is is_local => true: fail closed, an actor is never left
-- behind for the next request on the connection.
SELECT runner_policy.act_as(9001);
SELECT * FROM actor;
BEGIN;
SELECT runner_policy.act_as(9001);
SELECT * FROM actor;
COMMIT;
SELECT * FROM actor;
-- ... inside one, with the transaction.
BEGIN;
SELECT runner_policy.act_as(9001, true);
SELECT * FROM actor;
COMMIT;
SELECT * FROM actor;
BEGIN;
SELECT runner_policy.act_as(9001, true);
SELECT 1 / 0;
ROLLBACK;
SELECT * FROM actor;

-- A session actor outlives its transaction, unless that aborts.
BEGIN;
SELECT runner_policy.act_as(9001, false);
ROLLBACK;
SELECT * FROM actor;
SELECT runner_policy.act_as(9002, false);
BEGIN;
SELECT runner_policy.act_as(9001, false);
SELECT 1 / 0;
ROLLBACK;
SELECT * FROM actor;
BEGIN;
SELECT runner_policy.act_as(9001, false);
SAVEPOINT s1;
SELECT runner_policy.act_as(9003, false);
ROLLBACK TO SAVEPOINT s1;
SELECT * FROM actor;
SAVEPOINT s2;
SELECT runner_policy.act_as(9003, true);
RELEASE SAVEPOINT s2;
SELECT * FROM actor;
COMMIT;
-- the local actor went with the transaction; nothing older comes back
SELECT * FROM actor;

-- DISCARD ALL, which session poolers send between clients, ends any actor.
SELECT runner_policy.act_as(9002, false);
DISCARD ALL;
SELECT kind, user_id FROM runner_policy.current_actor();

-- A failed authentication ends the actor before it, and a rollback does not
-- bring it back.
SELECT runner_policy.act_as(9002, false);
BEGIN;
SAVEPOINT s;
SELECT runner_policy.authenticate('rpi_not_a_token', false);
ROLLBACK TO SAVEPOINT s;
SELECT kind, user_id FROM runner_policy.current_actor();
COMMIT;

-- reset_actor() ends it too, and is not undone by a rollback either.
SELECT runner_policy.act_as(9002, false);
BEGIN;
SELECT runner_policy.reset_actor();
ROLLBACK;
SELECT kind, user_id FROM runner_policy.current_actor();

RESET ROLE;
DELETE FROM runner_policy.users WHERE id IN (9001, 9002, 9003);
REVOKE ALL ON FUNCTION runner_policy.act_as(bigint, boolean) FROM regress_lifetime_app;
REVOKE USAGE ON SCHEMA runner_policy FROM regress_lifetime_app;
DROP ROLE regress_lifetime_app;
