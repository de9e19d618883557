/*
 * bench/report.sql: loads the samples ("round|case|side|mode|rows|ms"
 * lines on psql's standard input) and prints, per case and mode, the
 * medians of the counted rounds and the ratio of the medians; the target
 * is judged on the listing (mode 'list').
 */
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE TABLE bench.samples (
	round	int,
	name	text,
	side	text,
	mode	text,
	n_rows	bigint,
	ms		double precision
);
\copy bench.samples FROM pstdin WITH (DELIMITER '|')

-- each round's policy time over the baseline time it was paired with
CREATE VIEW bench.pairs AS
SELECT r.round, r.name, r.mode, r.ms / b.ms AS ratio
  FROM bench.samples r
  JOIN bench.samples b ON b.round = r.round AND b.name = r.name AND b.mode = r.mode
 WHERE r.side = 'rls' AND b.side = 'base' AND r.round > 0;

CREATE VIEW bench.summary AS
SELECT c.ord, c.name, s.mode, c.target, c.base_label,
	   (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY p.ratio)
		  FROM bench.pairs p WHERE p.name = c.name AND p.mode = s.mode) AS pair_ratio,
	   max(s.n_rows) FILTER (WHERE s.side = 'rls') AS n_rows,
	   count(*) FILTER (WHERE s.side = 'rls') AS runs,
	   percentile_cont(0.5) WITHIN GROUP (ORDER BY s.ms) FILTER (WHERE s.side = 'rls') AS rls_ms,
	   percentile_cont(0.5) WITHIN GROUP (ORDER BY s.ms) FILTER (WHERE s.side = 'base') AS base_ms,
	   min(s.ms) FILTER (WHERE s.side = 'rls') AS rls_min,
	   max(s.ms) FILTER (WHERE s.side = 'rls') AS rls_max,
	   min(s.ms) FILTER (WHERE s.side = 'base') AS base_min,
	   max(s.ms) FILTER (WHERE s.side = 'base') AS base_max
  FROM bench.samples s
  JOIN bench.cases c ON c.name = s.name
 WHERE s.round > 0
 GROUP BY c.ord, c.name, s.mode, c.target, c.base_label;

\pset footer off
\pset null '-'
\echo
\echo 'Listing: SELECT * FROM runner_policy.ci_runners, every row and column fetched'
\echo '(medians of the counted rounds; ratio = RLS median / baseline median;'
\echo ' pair ratio = median over the rounds of RLS / the baseline run next to it)'
SELECT name AS "case",
	   n_rows AS "rows",
	   round(rls_ms::numeric, 2) AS "RLS ms",
	   round(base_ms::numeric, 2) AS "baseline ms",
	   round((rls_ms / base_ms)::numeric, 2) || 'x' AS "ratio",
	   round(pair_ratio::numeric, 2) || 'x' AS "pair ratio",
	   '<= ' || target || 'x' AS "target",
	   CASE WHEN target IS NULL THEN NULL
			WHEN rls_ms / base_ms <= target THEN 'yes' ELSE 'NO' END AS "met?",
	   base_label AS "baseline"
  FROM bench.summary WHERE mode = 'list' ORDER BY ord;

\echo 'Other measures of the same queries (no target):'
\echo '  text:  every row also turned into text (q::text), as the server does for a client'
\echo '  count: SELECT count(*) FROM (query), no row leaves the executor: the policy cost alone'
SELECT name AS "case",
	   mode,
	   n_rows AS "rows",
	   round(rls_ms::numeric, 2) AS "RLS ms",
	   round(base_ms::numeric, 2) AS "baseline ms",
	   round((rls_ms / base_ms)::numeric, 2) || 'x' AS "ratio",
	   round(pair_ratio::numeric, 2) || 'x' AS "pair ratio"
  FROM bench.summary WHERE mode <> 'list'
 ORDER BY ord, mode DESC;

\echo 'Spread (min .. max ms over the counted rounds)'
SELECT name AS "case", mode,
	   runs,
	   round(rls_min::numeric, 2) || ' .. ' || round(rls_max::numeric, 2) AS "RLS",
	   round(base_min::numeric, 2) || ' .. ' || round(base_max::numeric, 2) AS "baseline"
  FROM bench.summary
 ORDER BY ord, CASE mode WHEN 'list' THEN 1 WHEN 'text' THEN 2 ELSE 3 END;
