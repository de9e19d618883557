/*
 * bench/verify.sql: for every case, the ids each side returns (count and
 * md5 of the sorted list), one line "verify|case|side|rows|md5" per side.
 * The policy side runs as bench_app with the case's actor; the baseline as
 * the superuser.  bench/run compares the two lines of each case.
 */
\set ON_ERROR_STOP 1
SELECT s.stmt
  FROM bench.cases c
 CROSS JOIN LATERAL (VALUES
	(1, 'SET ROLE bench_app'),
	(2, 'SELECT FROM ' || c.actor_call),
	(3, format('SELECT %L, %L, %L, n_rows, digest FROM bench.row_set(%L)',
			   'verify', c.name, 'rls', c.rls_sql)),
	(4, 'SELECT FROM runner_policy.reset_actor()'),
	(5, 'RESET ROLE'),
	(6, format('SELECT %L, %L, %L, n_rows, digest FROM bench.row_set(%L)',
			   'verify', c.name, 'base', c.base_sql))) AS s (step, stmt)
 ORDER BY c.ord, s.step
\gexec
