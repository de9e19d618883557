/*
 * bench/plans.sql: EXPLAIN ANALYZE of both sides of the listing of every
 * case in :cases (a comma-separated list of case names).
 */
\set ON_ERROR_STOP 1
SELECT s.stmt
  FROM bench.cases c
 CROSS JOIN LATERAL (VALUES
	(1, format('SELECT %L AS plan', '---- ' || c.name || ': with RLS, as bench_app ----')),
	(2, 'SET ROLE bench_app'),
	(3, 'SELECT FROM ' || c.actor_call),
	(4, 'EXPLAIN (ANALYZE, VERBOSE, BUFFERS) ' || c.rls_sql),
	(5, 'SELECT FROM runner_policy.reset_actor()'),
	(6, 'RESET ROLE'),
	(7, format('SELECT %L AS plan', '---- ' || c.name || ': baseline (' || c.base_label || '), as the superuser ----')),
	(8, 'EXPLAIN (ANALYZE, VERBOSE, BUFFERS) ' || c.base_sql)) AS s (step, stmt)
 WHERE c.name = ANY (string_to_array(:'cases', ','))
 ORDER BY c.ord, s.step
\gexec
