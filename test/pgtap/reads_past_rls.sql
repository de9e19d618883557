-- Views and functions that read past row-level security decide who may
-- see their rows before any function of the caller's sees one.  A caller's
-- WHERE clause that fails on purpose (a cast of a name to an integer, a
-- division by zero, a function that raises with its argument) must meet
-- the refusal, not the rows; and where the caller may read, its functions
-- run on the rows it may read and no others (EXPLAIN ANALYZE counts the
-- rows each one saw).  Tried as a dashboard role with no actor, as the
-- same role with an instance read token, and as the application role
-- acting for a maintainer; runner_access, runner_ownership,
-- runner_queue_status and the functions behind them, check_invariants(),
-- verify_audit_log() and explain_access().
BEGIN;
\ir matrix_fixture.psql
SELECT plan(44);

-- What a caller can put into a WHERE clause: a function that raises with
-- its argument, and one that counts its calls (in a sequence, which a
-- failed statement does not roll back).
CREATE SEQUENCE pg_temp.probe_calls;
CREATE FUNCTION pg_temp.leak(value text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'leaked: %', value;
END $$;
CREATE FUNCTION pg_temp.probe(value text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM nextval('pg_temp.probe_calls');
	RETURN true;
END $$;
-- How many times probe() ran during a statement (which may fail).
CREATE FUNCTION pg_temp.probe_count(statement text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	before bigint := nextval('pg_temp.probe_calls');
BEGIN
	BEGIN
		EXECUTE statement;
	EXCEPTION WHEN insufficient_privilege THEN NULL;
	END;
	RETURN nextval('pg_temp.probe_calls') - before - 1;
END $$;
-- EXPLAIN ANALYZE of a statement: how many rows reached the filters that
-- name "needle" (the rows they kept and the rows they removed).
CREATE FUNCTION pg_temp.rows_filtered(statement text, needle text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	plan jsonb;
BEGIN
	EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF, FORMAT JSON) ' || statement INTO plan;
	RETURN (SELECT sum((n->>'Actual Rows')::bigint * (n->>'Actual Loops')::bigint
					   + coalesce((n->>'Rows Removed by Filter')::bigint, 0))
			  FROM jsonb_path_query(plan, 'strict $.**') AS n
			 WHERE jsonb_typeof(n) = 'object' AND n->>'Filter' LIKE '%' || needle || '%');
END $$;

-- A read-only dashboard as 1.1's README granted it: SELECT on every table
-- and view of the schema, runner_access among them.
CREATE ROLE regress_leak_dashboard;
GRANT USAGE ON SCHEMA runner_policy TO regress_leak_dashboard;
GRANT SELECT ON ALL TABLES IN SCHEMA runner_policy TO regress_leak_dashboard;
GRANT EXECUTE ON FUNCTION pg_temp.leak(text), pg_temp.probe(text), pg_temp.probe_count(text),
	pg_temp.rows_filtered(text, text) TO regress_leak_dashboard, regress_matrix_app;
GRANT USAGE ON SEQUENCE pg_temp.probe_calls TO regress_leak_dashboard, regress_matrix_app;
GRANT ALL ON ALL TABLES IN SCHEMA pg_temp TO regress_leak_dashboard;

-- ---- runner_access, refused before any row is read --------------------
-- Every way of failing on a row must meet the refusal: the error names
-- no user and no runner.
CREATE FUNCTION pg_temp.refused(who text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
BEGIN
	RETURN NEXT throws_ok('SELECT * FROM runner_policy.runner_access WHERE username::int = 0',
		'42501', 'permission denied to read runner_access', who || ': a cast of a name to an integer');
	RETURN NEXT throws_ok('SELECT * FROM runner_policy.runner_access WHERE pg_temp.leak(username)',
		'42501', 'permission denied to read runner_access', who || ': a function that raises with a name');
	RETURN NEXT throws_ok($q$SELECT * FROM runner_policy.runner_access
							  WHERE pg_temp.leak(runner_id || ':' || runner_type)$q$,
		'42501', 'permission denied to read runner_access', who || ': ... with a runner''s id and type');
	RETURN NEXT throws_ok('SELECT * FROM runner_policy.runner_access WHERE 1 / (runner_id - 1002) = 42',
		'42501', 'permission denied to read runner_access', who || ': a division by zero on one runner');
	RETURN NEXT is(pg_temp.probe_count('SELECT * FROM runner_policy.runner_access WHERE pg_temp.probe(username)'),
		0::bigint, who || ': no function of the caller''s ran on a row');
	RETURN NEXT throws_ok('SELECT runner_policy.users_of_runner(1002)',
		'42501', 'permission denied to read runner_access', who || ': nor through its functions');
	RETURN NEXT throws_ok('SELECT runner_policy.runner_access_allowed()',
		'42501', 'permission denied to read runner_access', who || ': the check itself refuses');
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.refused(text) TO regress_leak_dashboard, regress_matrix_app;

-- The views that are security_invoker read through the tables' row-level
-- security: the caller's function sees the rows its actor reads.
CREATE FUNCTION pg_temp.invoker_views(who text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
	runners bigint := (SELECT count(*) FROM runner_policy.ci_runners);
BEGIN
	RETURN NEXT is(pg_temp.probe_count('SELECT * FROM runner_policy.runner_ownership WHERE pg_temp.probe(description)'),
		runners, who || ': runner_ownership: the caller''s function ran on the runners it reads only');
	RETURN NEXT is(pg_temp.probe_count('SELECT * FROM runner_policy.runner_ownership WHERE pg_temp.probe(created_by)'),
		runners, who || ': ... also for a column read from users');
	RETURN NEXT is(pg_temp.probe_count('SELECT * FROM runner_policy.runner_queue_status WHERE pg_temp.probe(description)'),
		runners, who || ': runner_queue_status: the same');
	RETURN NEXT is(pg_temp.probe_count('SELECT * FROM runner_policy.runner_queue_counts() q WHERE pg_temp.probe(q.runner_id::text)'),
		(SELECT count(*) FROM runner_policy.runner_queue_counts() q
		  WHERE q.runner_id IN (SELECT id FROM runner_policy.ci_runners)),
		who || ': runner_queue_counts() returns only runners it reads');
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.invoker_views(text) TO regress_leak_dashboard, regress_matrix_app;

-- pgTAP's tables, for the application role too.
GRANT ALL ON ALL TABLES IN SCHEMA pg_temp TO regress_matrix_app;
GRANT ALL ON ALL SEQUENCES IN SCHEMA pg_temp TO regress_matrix_app;

\set actor_role regress_leak_dashboard
\ir as_role.psql


-- A dashboard role with no actor.
SELECT * FROM pg_temp.refused('no actor');
-- The same role with an instance read token: it reads every runner, but
-- not who may do what to them.
SELECT runner_policy.authenticate(:'inst_runners') \g /dev/null
SELECT * FROM pg_temp.refused('instance read token');
SELECT runner_policy.reset_actor() \g /dev/null
-- The application role acting for a maintainer (13).
RESET ROLE;
SET ROLE regress_matrix_app;
SELECT runner_policy.act_as(13) \g /dev/null
SELECT * FROM pg_temp.refused('maintainer');

-- ---- where the caller may read, its functions see only those rows -----
-- An administrator reads runner_access: a condition on one column of the
-- view (username) runs on the view's rows, not on every users row (the
-- blocked user 4, who may do nothing, is not among them).
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is(pg_temp.rows_filtered('SELECT * FROM runner_policy.runner_access WHERE pg_temp.probe(username)', 'probe'),
		  (SELECT count(*) FROM runner_policy.runner_access),
		  'administrator: EXPLAIN ANALYZE, the caller''s function saw the rows of runner_access and no others');
SELECT is(pg_temp.probe_count($q$SELECT * FROM runner_policy.runner_access
								 WHERE runner_id = 1002 AND pg_temp.probe(username)$q$),
		  (SELECT count(*) FROM runner_policy.runner_access WHERE runner_id = 1002),
		  'administrator: filtered by runner, the same');


SELECT runner_policy.act_as(13) \g /dev/null
SELECT cmp_ok((SELECT count(*) FROM runner_policy.ci_runners), '<', 7::bigint,
	'the maintainer reads some runners, not all seven');
SELECT * FROM pg_temp.invoker_views('maintainer');
SELECT runner_policy.reset_actor() \g /dev/null
RESET ROLE;
SET ROLE regress_leak_dashboard;
SELECT * FROM pg_temp.invoker_views('no actor');
SELECT runner_policy.authenticate(:'inst_runners') \g /dev/null
SELECT * FROM pg_temp.invoker_views('instance read token');
SELECT runner_policy.reset_actor() \g /dev/null

-- ---- the DBA's functions: refused before they read ---------------------
SELECT throws_ok('SELECT * FROM runner_policy.check_invariants() WHERE pg_temp.leak(detail)',
	'42501', 'permission denied for function check_invariants', 'check_invariants() is the DBA''s');
SELECT throws_ok('SELECT * FROM runner_policy.verify_audit_log() WHERE pg_temp.leak(problem)',
	'42501', 'permission denied for function verify_audit_log', 'verify_audit_log() is the DBA''s');
SELECT throws_ok($q$SELECT u.id FROM runner_policy.users u
					 WHERE pg_temp.leak(runner_policy.explain_access(u.id, 1002, 'read'))$q$,
	'42501', 'permission denied for function explain_access', 'explain_access() is the DBA''s');
SELECT is(pg_temp.probe_count($q$SELECT * FROM runner_policy.check_invariants()
								  WHERE pg_temp.probe(detail)$q$), 0::bigint,
	'and no function of the caller''s ran first');

-- A DBA with no actor may read runner_access: its function sees the rows.
RESET ROLE;
GRANT EXECUTE ON FUNCTION runner_policy.explain_access(bigint, bigint, text) TO regress_leak_dashboard;
SET ROLE regress_leak_dashboard;
SELECT is(pg_temp.rows_filtered('SELECT * FROM runner_policy.runner_access WHERE pg_temp.probe(username)', 'probe'),
		  (SELECT count(*) FROM runner_policy.runner_access),
		  'a role that may run explain_access(): the caller''s function saw the rows of runner_access only');
RESET ROLE;

-- The plan: the check is a one-time filter above the scans, the caller's
-- condition above the view, a leakproof one (runner_id = 1002) down at the
-- scans, where an index can take it.
CREATE FUNCTION pg_temp.plan_of(statement text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	line text;
	plan text := '';
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || statement LOOP
		plan := plan || line || E'\n';
	END LOOP;
	RETURN plan;
END $$;
SELECT pg_temp.plan_of('SELECT * FROM runner_policy.runner_access WHERE runner_id = 1002 AND pg_temp.leak(username)') AS plan \gset
SELECT ok(position('One-Time Filter: runner_policy.runner_access_allowed()' IN :'plan') > 0,
	'the check is a one-time filter');
SELECT ok(position('Filter: pg_temp.leak(' IN :'plan') BETWEEN 1 AND
		  position('One-Time Filter: runner_policy.runner_access_allowed()' IN :'plan'),
	'the caller''s function is above it');
SELECT ok(position('(id = 1002)' IN :'plan') >
		  position('One-Time Filter: runner_policy.runner_access_allowed()' IN :'plan'),
	'a leakproof condition still goes down to the scans');
SELECT * FROM finish();
ROLLBACK;
