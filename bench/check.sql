/*
 * bench/check.sql: marks every scenario whose sides did not return the
 * same rows (bench.verified, from bench.steps('verify')) as failed, so it
 * is reported and not timed, and caps the rounds of scenarios that were
 * slow in their timed run (bench.probed).  Needs
 * :slow_ms and :slow_rounds.
 */
\set ON_ERROR_STOP 1
UPDATE bench.cases c
   SET failed = format('RLS %s rows (%s), %s %s rows (%s)',
					   r.n_rows, left(r.digest, 80), c.check_side, b.n_rows, left(b.digest, 80))
  FROM bench.verified r, bench.verified b
 WHERE r.ord = c.ord AND r.side = 'rls'
   AND b.ord = c.ord AND b.side = c.check_side
   AND (r.n_rows, r.digest) IS DISTINCT FROM (b.n_rows, b.digest);
UPDATE bench.cases c
   SET failed = format('%s side: %s', v.side, v.digest)
  FROM bench.verified v
 WHERE v.ord = c.ord AND v.n_rows < 0 AND c.failed IS NULL;
UPDATE bench.cases c
   SET max_rounds = :slow_rounds
 WHERE (SELECT max(total_ms) FROM bench.probed p WHERE p.ord = c.ord) > :slow_ms;
\pset footer off
SELECT c.ord AS "#", c.name AS scenario,
	   max(v.n_rows) FILTER (WHERE v.side = 'rls') AS "RLS rows",
	   max(v.n_rows) FILTER (WHERE v.side = c.check_side) AS "checked rows",
	   coalesce(c.check_side, '-') AS "against",
	   CASE WHEN c.failed IS NOT NULL THEN 'DIFFERENT: ' || c.failed
			WHEN c.check_side IS NULL THEN 'not checked'
			ELSE 'same' END AS "rows",
	   left(min(v.first_row) FILTER (WHERE v.side = 'rls'), 30) AS "RLS least row",
	   round((SELECT max(p.total_ms) FROM bench.probed p WHERE p.ord = c.ord)::numeric) AS "slowest side ms",
	   coalesce(c.max_rounds::text, '') AS "rounds cap"
  FROM bench.cases c
  LEFT JOIN bench.verified v ON v.ord = c.ord
 GROUP BY c.ord
 ORDER BY c.ord;
