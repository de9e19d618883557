/*
 * bench/measure.sql: the timed runs, one line
 * "sample|round|case|side|mode|rows|ms" each.  Needs :rounds.
 *
 * Round 0 warms up and is not counted.  Within a round every case is timed
 * in both modes, each time on both sides back to back (the policy side as
 * bench_app with the case's actor, the baseline as the superuser), and
 * which side goes first alternates, so that drift and caching favour
 * neither.  Every timed query is a statement of its own, in its own
 * transaction, as an application's request would be: the policy core
 * works out the actor's reach afresh for it.
 */
\set ON_ERROR_STOP 1
WITH steps AS (
	SELECT r, c.ord AS case_ord, m.ord AS mode_ord, c.name, m.mode,
		   c.actor_call, c.rls_sql, c.base_sql,
		   (r + c.ord + m.ord) % 2 = 0 AS rls_first
	  FROM generate_series(0, :rounds) AS r
	 CROSS JOIN bench.cases c
	 CROSS JOIN (VALUES (1, 'list'), (2, 'text'), (3, 'count')) AS m (ord, mode)
)
SELECT x.stmt
  FROM steps
 CROSS JOIN LATERAL (VALUES
	(1, 'SET ROLE bench_app'),
	(2, 'SELECT FROM ' || actor_call),
	(3, format('SELECT %L, %s, %L, %L, %L, n_rows, ms FROM bench.time_query(%L, %L)',
			   'sample', r, name, 'rls', mode, mode, rls_sql)),
	(4, 'SELECT FROM runner_policy.reset_actor()'),
	(5, 'RESET ROLE'),
	(CASE WHEN rls_first THEN 6 ELSE 0 END,
	 format('SELECT %L, %s, %L, %L, %L, n_rows, ms FROM bench.time_query(%L, %L)',
			'sample', r, name, 'base', mode, mode, base_sql))) AS x (step, stmt)
 ORDER BY r, case_ord, mode_ord, x.step
\gexec
