-- core_hardening: what release 1.0 let a caller do to the policy core, and
-- must not any more: crash it with a statement that ends its own
-- actor, fool reach() with a variable, read rows through a cursor opened for
-- another actor, read queue counts of a hidden runner, and issue tokens
-- that live forever or carry a novel.
\set VERBOSITY terse
SET search_path = pg_catalog;

-- A forge with 20,000 public projects: the sets of a read token are large.
INSERT INTO runner_policy.users (id, username, admin) VALUES
	(7001, 'regress_core_admin', true), (7002, 'regress_core_maint', false),
	(7003, 'regress_core_other', false);
INSERT INTO runner_policy.namespaces (id, parent_id, name, visibility) VALUES
	(7001, NULL, 'core public', 'public'), (7002, NULL, 'core private', 'private');
INSERT INTO runner_policy.projects (id, namespace_id, name, visibility)
	SELECT p, 7001, 'public ' || p, 'public' FROM generate_series(700001, 720000) p;
INSERT INTO runner_policy.projects (id, namespace_id, name) VALUES
	(7101, 7002, 'mine'), (7102, 7002, 'hidden');
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES
	(7101, 7002, 40), (7102, 7003, 40);
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description) VALUES
	(7201, 3, 7101, 'my runner'), (7202, 3, 7102, 'hidden runner'), (7203, 1, NULL, 'shared');
INSERT INTO runner_policy.ci_builds (id, project_id, runner_id, status) VALUES
	(7301, 7101, 7201, 'running'), (7302, 7102, 7202, 'running'), (7303, 7102, 7202, 'running'),
	(7304, 7102, NULL, 'pending'), (7305, 7101, NULL, 'pending');

CREATE ROLE regress_core_dashboard;
GRANT USAGE ON SCHEMA runner_policy TO regress_core_dashboard;
GRANT SELECT ON ALL TABLES IN SCHEMA runner_policy TO regress_core_dashboard;
GRANT SELECT ON runner_policy.runner_queue_status TO regress_core_dashboard;
CREATE ROLE regress_core_app;
GRANT USAGE ON SCHEMA runner_policy TO regress_core_app;
GRANT SELECT ON ALL TABLES IN SCHEMA runner_policy TO regress_core_app;
GRANT SELECT ON runner_policy.runner_queue_status TO regress_core_app;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO regress_core_app;

SELECT runner_policy.act_as(7001, false);
SELECT runner_policy.issue_instance_token('{read_runners,read_jobs}', now() + interval '1 day') AS token \gset
SELECT runner_policy.reset_actor();

-- 1. A SELECT-only role ends its actor between two reach() calls of one
-- statement, twice.  Each array it was handed stays whole: the first holds
-- the 20,000 public projects, the second none (no actor).
SET ROLE regress_core_dashboard;
SELECT runner_policy.authenticate(:'token', false);
SELECT cardinality(a) AS first, (SELECT sum(x) FROM unnest(a) x) AS first_sum,
	   cardinality(b) AS second, cardinality(c) AS third,
	   (SELECT sum(x) FROM unnest(c) x) AS third_sum
  FROM (SELECT runner_policy.reach('projects_open') AS a,
			   runner_policy.reset_actor() AS r1,
			   runner_policy.reach('projects_open') AS b,
			   runner_policy.authenticate(:'token', false) AS again,
			   runner_policy.reach('projects_open') AS c,
			   runner_policy.reset_actor() AS r2
		OFFSET 0) s;
SELECT kind FROM runner_policy.current_actor();

-- 2. reach() with a name that changes from call to call (a PL/pgSQL
-- variable) answers for each name.
SELECT runner_policy.authenticate(:'token', false);
DO $$
DECLARE
	name text;
BEGIN
	FOREACH name IN ARRAY ARRAY['projects_open', 'runner_read_types', 'user_self'] LOOP
		RAISE NOTICE '% has % ids', name, cardinality(runner_policy.reach(name));
	END LOOP;
END $$;
SELECT runner_policy.reach(n) FROM (VALUES ('runner_read_types'), ('user_self'), ('runner_self')) v (n);
SELECT runner_policy.reach('everything');
SELECT runner_policy.reach(repeat('x', 1000));
SELECT runner_policy.reach(NULL);
SELECT runner_policy.reset_actor();
RESET ROLE;

-- 3. A cursor returns rows only to the actor it was opened for.
SET ROLE regress_core_app;
BEGIN;
SELECT runner_policy.act_as(7002);
DECLARE mine CURSOR FOR SELECT id, description FROM runner_policy.ci_runners ORDER BY id;
FETCH 1 FROM mine;
SELECT runner_policy.act_as(7003);
FETCH 1 FROM mine;
ROLLBACK;
-- ... also when the actor only ends, or is set again to the same user
BEGIN;
SELECT runner_policy.act_as(7002);
DECLARE mine CURSOR FOR SELECT id FROM runner_policy.ci_runners ORDER BY id;
SELECT runner_policy.reset_actor();
FETCH 1 FROM mine;
ROLLBACK;
BEGIN;
SELECT runner_policy.act_as(7002);
DECLARE mine CURSOR FOR SELECT id FROM runner_policy.ci_runners ORDER BY id;
FETCH 1 FROM mine;
SELECT runner_policy.act_as(7002);
FETCH 1 FROM mine;
ROLLBACK;
-- A WITH HOLD cursor outlives its transaction, but not the local actor that
-- ended with it.
BEGIN;
SELECT runner_policy.act_as(7002);
DECLARE held CURSOR WITH HOLD FOR SELECT id FROM runner_policy.ci_runners ORDER BY id;
COMMIT;
SELECT kind FROM runner_policy.current_actor();
FETCH 1 FROM held;
MOVE 1 IN held;
CLOSE held;
-- With the same session actor throughout, a held cursor works as usual.
SELECT runner_policy.act_as(7002, false);
BEGIN;
DECLARE held CURSOR WITH HOLD FOR SELECT id FROM runner_policy.ci_runners ORDER BY id;
COMMIT;
FETCH ALL FROM held;
CLOSE held;
-- A PL/pgSQL loop over rows read for one actor cannot go on for another.
DO $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT id FROM runner_policy.ci_runners ORDER BY id LOOP
		RAISE NOTICE 'runner %', r.id;
		PERFORM runner_policy.act_as(7003, false);
	END LOOP;
END $$;
-- Any cursor opened while an actor is set is pinned to it, whatever it
-- reads: a function can read the extension without naming its tables.
BEGIN;
SELECT runner_policy.act_as(7002);
DECLARE plain CURSOR FOR SELECT g FROM generate_series(1, 3) g;
FETCH 1 FROM plain;
SELECT runner_policy.act_as(7003);
FETCH 1 FROM plain;
ROLLBACK;
-- One opened with no actor over tables that are not the extension's is not.
SELECT runner_policy.reset_actor();
BEGIN;
DECLARE plain CURSOR FOR SELECT g FROM generate_series(1, 3) g;
FETCH 1 FROM plain;
SELECT runner_policy.act_as(7003);
FETCH 1 FROM plain;
ROLLBACK;

-- 4. Queue counts come from the stored rows: the maintainer of project 7101
-- sees her runner's counts and the shared runner's; runner 7202 with two
-- running jobs is nowhere, whatever she asks.
SELECT runner_policy.act_as(7002, false);
SELECT * FROM runner_policy.runner_queue_status ORDER BY runner_id;
SELECT * FROM runner_policy.runner_queue_counts() ORDER BY runner_id;
SELECT runner_policy.runner_queue_shared_pending();
SELECT * FROM runner_policy.runner_queue(7202, 1::smallint, NULL);
SELECT runner_policy.reset_actor();
SELECT * FROM runner_policy.runner_queue_counts();
SELECT runner_policy.runner_queue_shared_pending();
RESET ROLE;

-- 5. Instance tokens: at most 365 days, a description of at most 255
-- characters; nothing is stored when refused.
SELECT runner_policy.act_as(7001, false);
SELECT runner_policy.issue_instance_token('{read_runners}', now() + interval '366 days');
SELECT runner_policy.issue_instance_token('{read_runners}', 'infinity');
SELECT runner_policy.issue_instance_token('{read_runners}', now() + interval '1 day', repeat('x', 256));
SELECT runner_policy.issue_instance_token('{read_runners}', now() + interval '1 day', repeat('é', 255)) IS NOT NULL AS issued;
SELECT count(*) AS tokens FROM runner_policy.tokens WHERE kind = 'instance_token';
SELECT runner_policy.reset_actor();

RESET ROLE;

-- 6. The one rule for unknown ids: 23503 to whoever could read the row if
-- it existed (an administrator; the job service, trusted with every job),
-- and to anyone else the refusal a hidden row gets, so that no error tells
-- whether someone else's row exists.
CREATE FUNCTION pg_temp.try(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE statement;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SET ROLE regress_core_app;
SELECT runner_policy.act_as(7001, false);
SELECT pg_temp.try('SELECT runner_policy.revoke_token(999999)') AS admin_revokes_unknown,
	   pg_temp.try('SELECT runner_policy.reset_runner_token(999999)') AS admin_resets_unknown;
SELECT runner_policy.act_as(7002, false);
SELECT pg_temp.try('SELECT runner_policy.revoke_token(999999)') AS user_revokes_unknown,
	   pg_temp.try('SELECT runner_policy.reset_runner_token(999999)') AS user_resets_unknown,
	   pg_temp.try('SELECT runner_policy.reset_runner_token(7202)') AS user_resets_hidden;
SELECT runner_policy.reset_actor();
RESET ROLE;
SELECT pg_temp.try('SELECT runner_policy.issue_job_token(999999)') AS job_service_unknown_job;

-- 7. A token never reaches the server log (./test/run-all reads the log of
-- the whole run and fails on any token in it): not when the token function
-- fails, not when another part of the statement fails, not when every
-- statement is logged.  The client sees the error; the log sees the token
-- as rpi_[redacted].
SELECT substr(:'token', 5) AS token_hex \gset
SET log_statement = 'all';
SELECT runner_policy.authenticate(:'token', NULL);
SELECT runner_policy.authenticate(:'token', false), 1 / 0;
SELECT (:'token')::bigint;
-- However a literal spells it: the log sees 'rpi_' || '[redacted]'.
SELECT runner_policy.authenticate('rpi_' || :'token_hex', false);
SELECT runner_policy.authenticate(E'\x72pi_' || :'token_hex', NULL);
SELECT runner_policy.authenticate(U&'!0072pi_' UESCAPE '!' || :'token_hex', false), 1 / 0;
-- A utility statement keeps its text in statement statistics: one that
-- spells a token is refused before it runs.  A digest is no token.
EXPLAIN (COSTS OFF) SELECT runner_policy.authenticate('rpi_' || :'token_hex', false);
PREPARE regress_core_auth AS SELECT runner_policy.authenticate(E'\162pi_' || :'token_hex');
EXPLAIN (COSTS OFF) SELECT 1 FROM runner_policy.tokens
 WHERE digest = '\xdeadbeefcafef00ddeadbeefcafef00ddeadbeefcafef00ddeadbeefcafef00d';
-- On Citus the cluster key (rpk_) and an actor assertion (rpa_) are
-- secrets too.  The one statement that may carry an assertion is the SET
-- LOCAL by which a coordinator hands it to its workers (doc/citus.md),
-- and then only that.
DO $$BEGIN PERFORM 'rpk_00112233445566778899aabbccddeeff'; END$$;
DO $$BEGIN PERFORM 'rpa_00112233445566778899aabbccddeeff'; END$$;
BEGIN;
SET LOCAL runner_policy.assertion TO 'rpa_00112233445566778899aabbccddeeff';
SHOW runner_policy.assertion;
SET LOCAL runner_policy.assertion TO 'rpa_00112233445566778899aabbccddeeff' /* rpi_0011223344556677 */;
ROLLBACK;
BEGIN;
SET LOCAL runner_policy.assertion TO 'rpi_00112233445566778899aabbccddeeff';
ROLLBACK;
RESET log_statement;
SELECT runner_policy.reset_actor();

DELETE FROM runner_policy.tokens;
DELETE FROM runner_policy.ci_runners WHERE id = 7203;
DELETE FROM runner_policy.namespaces WHERE id IN (7001, 7002);
DELETE FROM runner_policy.users WHERE id IN (7001, 7002, 7003);
REVOKE ALL ON ALL TABLES IN SCHEMA runner_policy FROM regress_core_dashboard, regress_core_app;
REVOKE ALL ON runner_policy.runner_queue_status FROM regress_core_dashboard, regress_core_app;
REVOKE USAGE ON SCHEMA runner_policy FROM regress_core_dashboard, regress_core_app;
REVOKE ALL ON FUNCTION runner_policy.act_as(bigint, boolean) FROM regress_core_app;
DROP ROLE regress_core_dashboard, regress_core_app;
