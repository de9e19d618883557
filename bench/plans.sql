/*
 * bench/plans.sql: EXPLAIN (ANALYZE, VERBOSE, BUFFERS, SUMMARY) of the RLS
 * side and of the judged baseline of every scenario in :cases (numbers,
 * comma-separated).  Writes are rolled back.  Per-node timing is on here,
 * which inflates scans of many rows: quote the table for times, and these
 * for shapes and where the time goes.
 */
\set ON_ERROR_STOP 1
SELECT x.stmt
  FROM bench.cases c
 CROSS JOIN LATERAL (VALUES ('rls', 1), (CASE c.judge WHEN 'ms' THEN 'hand' ELSE c.judge END, 2)) AS s (side, pos)
 CROSS JOIN LATERAL (VALUES
	(1, format('SELECT %L AS plan', format('---- #%s %s: %s ----', c.ord, c.name,
		 CASE s.side WHEN 'rls' THEN 'with RLS, as bench_app' WHEN 'off' THEN 'RLS off, by the superuser'
			  ELSE 'hand-written, by the superuser' END))),
	(2, 'BEGIN'),
	(3, CASE WHEN s.side = 'rls' THEN 'SET ROLE bench_app' END),
	(4, CASE WHEN s.side = 'rls' AND c.actor_call IS NOT NULL THEN 'SELECT FROM ' || c.actor_call END),
	(5, 'EXPLAIN (ANALYZE, VERBOSE, BUFFERS, SUMMARY) ' || bench.side_sql(c, s.side, -1)),
	(6, CASE WHEN s.side = 'rls' THEN 'SELECT FROM runner_policy.reset_actor()' END),
	(7, 'ROLLBACK')) AS x (step, stmt)
 WHERE c.ord = ANY (string_to_array(:'cases', ',')::int[])
   AND x.stmt IS NOT NULL
 ORDER BY c.ord, s.pos, x.step
\gexec
