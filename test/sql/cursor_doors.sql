-- cursor_doors: a cursor, or any portal, returns rows only to the actor it
-- was opened for, whichever way it is read: SQL FETCH and MOVE, FETCH
-- ABSOLUTE on a SCROLL cursor, PL/pgSQL FETCH and FOR loops, SPI cursors,
-- cursors WITH HOLD (kept at commit, read without the executor), and
-- cursors that read the extension only through a function.  After the
-- actor changes, each one fails with 55000 (LAST_ERROR_SQLSTATE is echoed
-- after each refusal).
\set VERBOSITY terse
SET search_path = pg_catalog;

--   regress_doors_admin (7601), an administrator
--   regress_doors_maint (7602), maintainer of project 7651: runner 7701
--   regress_doors_other (7603), maintainer of project 7652: runners 7702,
--   with two running jobs and a pending one, and 7703
INSERT INTO runner_policy.users (id, username, admin) VALUES
	(7601, 'regress_doors_admin', true), (7602, 'regress_doors_maint', false),
	(7603, 'regress_doors_other', false);
INSERT INTO runner_policy.namespaces (id, parent_id, name) VALUES (7610, NULL, 'doors');
INSERT INTO runner_policy.projects (id, namespace_id, name) VALUES
	(7651, 7610, 'doors mine'), (7652, 7610, 'doors hidden');
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES
	(7651, 7602, 40), (7652, 7603, 40);
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description) VALUES
	(7701, 3, 7651, 'doors my runner'), (7702, 3, 7652, 'doors hidden runner'),
	(7703, 3, 7652, 'doors hidden idle runner');
INSERT INTO runner_policy.ci_builds (id, project_id, runner_id, status) VALUES
	(7801, 7652, 7702, 'running'), (7802, 7652, 7702, 'running'), (7803, 7652, NULL, 'pending');

CREATE ROLE regress_doors_app;
GRANT USAGE ON SCHEMA runner_policy TO regress_doors_app;
GRANT SELECT ON ALL TABLES IN SCHEMA runner_policy TO regress_doors_app;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO regress_doors_app;
-- a function of the forge's that reads the runners; it is not inlined (it
-- pins its search_path), so the cursor's plan names no table of the
-- extension, only the function
CREATE FUNCTION public.doors_runners() RETURNS SETOF bigint
	LANGUAGE sql STABLE SET search_path = pg_catalog
	AS $$ SELECT id FROM runner_policy.ci_runners WHERE id BETWEEN 7700 AND 7799 ORDER BY id $$;
GRANT EXECUTE ON FUNCTION public.doors_runners() TO regress_doors_app;
SET ROLE regress_doors_app;

-- 1. SQL FETCH, MOVE, and FETCH ABSOLUTE and BACKWARD on a SCROLL cursor.
BEGIN;
SELECT runner_policy.act_as(7603);
DECLARE c SCROLL CURSOR FOR SELECT id, description FROM runner_policy.ci_runners
	WHERE id BETWEEN 7700 AND 7799 ORDER BY id;
FETCH 1 FROM c;
SELECT runner_policy.act_as(7602);
FETCH ABSOLUTE 1 FROM c;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SELECT runner_policy.act_as(7603);
DECLARE c SCROLL CURSOR FOR SELECT id, description FROM runner_policy.ci_runners
	WHERE id BETWEEN 7700 AND 7799 ORDER BY id;
FETCH 1 FROM c;
SELECT runner_policy.act_as(7602);
FETCH BACKWARD 1 FROM c;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SELECT runner_policy.act_as(7603);
DECLARE c CURSOR FOR SELECT id FROM runner_policy.ci_runners WHERE id BETWEEN 7700 AND 7799;
SELECT runner_policy.act_as(7602);
MOVE 1 IN c;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- 2. PL/pgSQL: FETCH in a DO block from a cursor opened by SQL, and a SQL
-- FETCH from a cursor a function opened (SPI), and a FOR loop over a
-- bound cursor whose actor changes in the loop.
BEGIN;
SELECT runner_policy.act_as(7603);
DECLARE c CURSOR FOR SELECT id FROM runner_policy.ci_runners WHERE id BETWEEN 7700 AND 7799 ORDER BY id;
SELECT runner_policy.act_as(7602);
DO $$
DECLARE
	cur refcursor := 'c';
	id bigint;
BEGIN
	FETCH cur INTO id;
	RAISE NOTICE 'fetched %', id;
END $$;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
CREATE FUNCTION pg_temp.open_runners() RETURNS refcursor LANGUAGE plpgsql AS $$
DECLARE
	cur refcursor := 'opened';
BEGIN
	OPEN cur FOR SELECT id FROM runner_policy.ci_runners WHERE id BETWEEN 7700 AND 7799 ORDER BY id;
	RETURN cur;
END $$;
BEGIN;
SELECT runner_policy.act_as(7603);
SELECT pg_temp.open_runners();
SELECT runner_policy.act_as(7602);
FETCH ALL FROM opened;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SELECT runner_policy.act_as(7603);
DO $$
DECLARE
	cur CURSOR FOR SELECT id FROM runner_policy.ci_runners WHERE id BETWEEN 7700 AND 7799 ORDER BY id;
	n int := 0;
BEGIN
	FOR r IN cur LOOP
		n := n + 1;
		RAISE NOTICE 'row % of the loop: %', n, r.id;
		PERFORM runner_policy.act_as(7602);
	END LOOP;
END $$;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- 3. WITH HOLD: the rows are kept at commit and read without the executor.
-- The session actor changes: refused by SQL FETCH, and by PL/pgSQL FETCH
-- (which finds the portal failed).
SELECT runner_policy.act_as(7603, false);
DECLARE h CURSOR WITH HOLD FOR SELECT id FROM runner_policy.ci_runners WHERE id BETWEEN 7700 AND 7799 ORDER BY id;
FETCH 1 FROM h;
SELECT runner_policy.act_as(7602, false);
FETCH 1 FROM h;
\echo :LAST_ERROR_SQLSTATE
DO $$
DECLARE
	cur refcursor := 'h';
	id bigint;
BEGIN
	FETCH cur INTO id;
	RAISE NOTICE 'fetched %', id;
END $$;
\echo :LAST_ERROR_SQLSTATE
CLOSE h;
-- ... and when it only ends
SELECT runner_policy.act_as(7603, false);
DECLARE h CURSOR WITH HOLD FOR SELECT id FROM runner_policy.ci_runners WHERE id BETWEEN 7700 AND 7799 ORDER BY id;
SELECT runner_policy.reset_actor();
DO $$
DECLARE
	cur refcursor := 'h';
	id bigint;
BEGIN
	FETCH cur INTO id;
	RAISE NOTICE 'fetched %', id;
END $$;
\echo :LAST_ERROR_SQLSTATE
CLOSE h;
-- With the same session actor throughout, a held cursor works as usual, by
-- either door.
SELECT runner_policy.act_as(7603, false);
DECLARE h CURSOR WITH HOLD FOR SELECT id FROM runner_policy.ci_runners WHERE id BETWEEN 7700 AND 7799 ORDER BY id;
DO $$
DECLARE
	cur refcursor := 'h';
	id bigint;
BEGIN
	FETCH cur INTO id;
	RAISE NOTICE 'fetched %', id;
END $$;
FETCH ALL FROM h;
CLOSE h;
SELECT runner_policy.reset_actor();

-- 4. Cursors that read the extension only through its functions, or one
-- of the forge's: the queue counts (7603 sees his runner's two running
-- jobs; 7602 must not), the reach of an administrator, the runners read by
-- a function.  Each fetched once, then once the actor changed.
BEGIN;
SELECT runner_policy.act_as(7602);
SELECT * FROM runner_policy.runner_queue_counts() WHERE runner_id BETWEEN 7700 AND 7799;
COMMIT;
BEGIN;
SELECT runner_policy.act_as(7603);
DECLARE q CURSOR FOR SELECT * FROM runner_policy.runner_queue_counts()
	WHERE runner_id BETWEEN 7700 AND 7799 ORDER BY runner_id;
SELECT runner_policy.act_as(7602);
FETCH ALL FROM q;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SELECT runner_policy.act_as(7603);
DECLARE q CURSOR FOR SELECT * FROM runner_policy.runner_queue_counts()
	WHERE runner_id BETWEEN 7700 AND 7799 ORDER BY runner_id;
FETCH 1 FROM q;
SELECT runner_policy.act_as(7602);
FETCH ALL FROM q;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SELECT runner_policy.act_as(7601);
DECLARE t CURSOR FOR SELECT unnest(runner_policy.reach('runner_read_types')) AS runner_type;
FETCH 1 FROM t;
SELECT runner_policy.act_as(7602);
FETCH ALL FROM t;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SELECT runner_policy.act_as(7603);
DECLARE f CURSOR FOR SELECT * FROM public.doors_runners();
FETCH 1 FROM f;
SELECT runner_policy.act_as(7602);
FETCH ALL FROM f;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- ... and a PL/pgSQL loop over the function's rows (outside a transaction
-- block, where it fetches one row at a time)
SELECT runner_policy.act_as(7603, false);
DO $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT * FROM public.doors_runners() AS id LOOP
		RAISE NOTICE 'runner %', r.id;
		PERFORM runner_policy.act_as(7602, false);
	END LOOP;
END $$;
\echo :LAST_ERROR_SQLSTATE
SELECT runner_policy.reset_actor();

RESET ROLE;
DROP FUNCTION pg_temp.open_runners();
DROP FUNCTION public.doors_runners();
DELETE FROM runner_policy.namespaces WHERE id = 7610;
DELETE FROM runner_policy.users WHERE id BETWEEN 7601 AND 7603;
REVOKE ALL ON ALL TABLES IN SCHEMA runner_policy FROM regress_doors_app;
REVOKE ALL ON FUNCTION runner_policy.act_as(bigint, boolean) FROM regress_doors_app;
REVOKE USAGE ON SCHEMA runner_policy FROM regress_doors_app;
DROP ROLE regress_doors_app;
