/*
 * bench/report.sql: loads the samples ("round|ord|side|rows|plan_ms|
 * exec_ms|total_ms" lines on psql's standard input) and prints one table:
 * per scenario, the medians over the counted rounds of each side's total
 * time, the ratio of the RLS side to the baseline the issue judges it
 * against, the target and whether it is met; then planning and execution
 * apart, and the spread.
 */
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE TABLE bench.samples (
	round		int,
	ord			int,
	side		text,
	n_rows		bigint,
	plan_ms		double precision,
	exec_ms		double precision,
	total_ms	double precision
);
\copy bench.samples FROM pstdin WITH (DELIMITER '|')

CREATE VIEW bench.side_summary AS
SELECT ord, side, count(*) AS runs, max(n_rows) AS n_rows,
	   percentile_cont(0.5) WITHIN GROUP (ORDER BY total_ms) AS total_ms,
	   percentile_cont(0.5) WITHIN GROUP (ORDER BY plan_ms) AS plan_ms,
	   percentile_cont(0.5) WITHIN GROUP (ORDER BY exec_ms) AS exec_ms,
	   min(total_ms) AS min_ms, max(total_ms) AS max_ms
  FROM bench.samples
 WHERE round > 0
 GROUP BY ord, side;

-- each round's RLS time over the judged baseline's time in the same round
CREATE VIEW bench.pairs AS
SELECT c.ord, r.round, r.total_ms / b.total_ms AS ratio
  FROM bench.cases c
  JOIN bench.samples r ON r.ord = c.ord AND r.side = 'rls' AND r.round > 0
  JOIN bench.samples b ON b.ord = c.ord AND b.round = r.round
   AND b.side = CASE c.judge WHEN 'ms' THEN 'hand' ELSE c.judge END;

CREATE VIEW bench.summary AS
SELECT c.ord, c.name, c.judge, c.target, c.issue, c.failed, c.reference,
	   r.runs, r.n_rows, r.total_ms AS rls_ms, r.plan_ms AS rls_plan, r.exec_ms AS rls_exec,
	   o.total_ms AS off_ms, o.plan_ms AS off_plan, o.exec_ms AS off_exec,
	   h.total_ms AS hand_ms, h.plan_ms AS hand_plan, h.exec_ms AS hand_exec,
	   r.total_ms / CASE c.judge WHEN 'off' THEN o.total_ms ELSE h.total_ms END AS ratio,
	   (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY p.ratio) FROM bench.pairs p
		 WHERE p.ord = c.ord) AS pair_ratio,
	   r.min_ms AS rls_min, r.max_ms AS rls_max,
	   CASE c.judge WHEN 'off' THEN o.min_ms ELSE h.min_ms END AS base_min,
	   CASE c.judge WHEN 'off' THEN o.max_ms ELSE h.max_ms END AS base_max
  FROM bench.cases c
  LEFT JOIN bench.side_summary r ON r.ord = c.ord AND r.side = 'rls'
  LEFT JOIN bench.side_summary o ON o.ord = c.ord AND o.side = 'off'
  LEFT JOIN bench.side_summary h ON h.ord = c.ord AND h.side = 'hand';

CREATE FUNCTION bench.ms(x double precision) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT CASE WHEN x IS NULL THEN NULL WHEN x >= 100 THEN round(x::numeric)::text
				  WHEN x >= 10 THEN round(x::numeric, 1)::text ELSE round(x::numeric, 2)::text END $$;
CREATE FUNCTION bench.x(x double precision) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT CASE WHEN x IS NULL THEN NULL WHEN x >= 10 THEN round(x::numeric)::text || 'x'
				  ELSE round(x::numeric, 2)::text || 'x' END $$;

\pset footer off
\pset null ''
\echo
\echo 'Reads scenarios: medians of the counted rounds, total ms per statement (parse, plan, execute), in the server'
\echo '  RLS: as bench_app with the actor; RLS off: the same statement (or a PK lookup, or the same write) by the superuser;'
\echo '  hand: a hand-written query returning the same rows, by the superuser.  ratio = RLS / the judged baseline (*);'
\echo '  pair = median over rounds of RLS / that baseline in the same round.  1.0: its figure when the table was first made.'
SELECT ord AS "#", name AS scenario, n_rows AS "rows",
	   bench.ms(rls_ms) AS "RLS ms", bench.ms(rls_plan) AS "(plan)",
	   bench.ms(off_ms) || CASE WHEN judge = 'off' THEN ' *' ELSE '' END AS "RLS off ms",
	   bench.ms(hand_ms) || CASE WHEN judge IN ('hand', 'ms') THEN ' *' ELSE '' END AS "hand ms",
	   bench.x(ratio) AS ratio, bench.x(pair_ratio) AS pair,
	   CASE WHEN reference THEN 'reference'
			WHEN judge = 'ms' THEN '< ' || target || ' ms'
			WHEN target IS NULL THEN 'as today'
			ELSE '<= ' || target || 'x' END AS target,
	   CASE WHEN failed IS NOT NULL THEN 'FAILED'
			WHEN rls_ms IS NULL THEN 'not run'
			WHEN judge = 'ms' THEN CASE WHEN rls_ms < target THEN 'yes' ELSE 'NO' END
			WHEN target IS NULL THEN '-'
			WHEN ratio <= target THEN 'yes' ELSE 'NO' END AS "met?",
	   CASE WHEN judge = 'ms' OR target IS NULL OR failed IS NOT NULL OR rls_ms IS NULL OR ratio <= target THEN ''
			ELSE 'by ' || round(((ratio / target - 1) * 100)::numeric) || '%' END AS "missed",
	   issue AS "1.0",
	   runs
  FROM bench.summary ORDER BY ord;

\echo 'Scenarios whose sides did not return the same rows (not timed):'
SELECT ord AS "#", name AS scenario, failed AS why FROM bench.summary WHERE failed IS NOT NULL ORDER BY ord;

\echo 'Planning and execution apart (medians, ms; EXPLAIN ANALYZE''s Planning Time and Execution Time).'
\echo '  Target: planning < 1 ms for any actor.'
SELECT ord AS "#", name AS scenario,
	   bench.ms(rls_plan) AS "RLS plan", bench.ms(rls_exec) AS "RLS exec",
	   bench.ms(off_plan) AS "off plan", bench.ms(off_exec) AS "off exec",
	   bench.ms(hand_plan) AS "hand plan", bench.ms(hand_exec) AS "hand exec",
	   CASE WHEN rls_plan IS NULL THEN '' WHEN rls_plan < 1 THEN 'yes' ELSE 'NO' END AS "plan < 1 ms?"
  FROM bench.summary ORDER BY ord;

\echo 'Spread (min .. max total ms over the counted rounds)'
SELECT ord AS "#", name AS scenario, runs,
	   bench.ms(rls_min) || ' .. ' || bench.ms(rls_max) AS "RLS",
	   bench.ms(base_min) || ' .. ' || bench.ms(base_max) AS "judged baseline"
  FROM bench.summary WHERE runs IS NOT NULL ORDER BY ord;
