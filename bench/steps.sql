/*
 * bench/steps.sql: the statements that run the scenarios, for psql's
 * \gexec.  Every timed or checked statement is a statement, and a
 * transaction, of its own, as an application's request would be, so the
 * policy core works out the actor's reach afresh for it.  The RLS side runs
 * as bench_app after its actor_call; the baselines run as the superuser.
 */
\set ON_ERROR_STOP 1

-- A side's statement text in a round: $LINK is that side's runner to link.
CREATE FUNCTION bench.side_sql(c bench.cases, which text, in_round int) RETURNS text
	LANGUAGE sql STABLE
AS $fn$
	SELECT replace(CASE which WHEN 'rls' THEN c.rls_sql WHEN 'off' THEN c.off_sql ELSE c.hand_sql END,
				   '$LINK',
				   coalesce((SELECT l.id::text FROM bench.link_runners l
							  WHERE l.side = CASE which WHEN 'rls' THEN 'rls' ELSE 'off' END
								AND l.round = in_round), '$LINK'))
$fn$;

-- The sides a scenario has, in the order they run in round r: rotated from
-- round to round, so that drift and caching favour none of them.
CREATE FUNCTION bench.sides(c bench.cases, r int) RETURNS TABLE (pos int, side text)
	LANGUAGE sql STABLE
AS $fn$
	WITH s AS (
		SELECT row_number() OVER () - 1 AS i, x AS side
		  FROM unnest(ARRAY['rls'] || CASE WHEN c.off_sql IS NULL THEN '{}'::text[] ELSE ARRAY['off'] END
							|| CASE WHEN c.hand_sql IS NULL THEN '{}'::text[] ELSE ARRAY['hand'] END) AS x
	)
	SELECT ((i + r + c.ord) % (SELECT count(*) FROM s))::int, side FROM s
$fn$;

/*
 * One statement a row, in order.  kind 'verify': every side once, its row
 * count and key digest ("verify|ord|side|rows|md5|ms|least row")
 * and one timed run ("probe|ord|side|total_ms"), writes rolled back.
 * kind 'measure': rounds 0 (warm-up, dropped) to max_rounds, every side
 * timed ("sample|round|ord|side|rows|plan_ms|exec_ms|total_ms"); scenarios
 * whose rows differed are left out.
 */
CREATE FUNCTION bench.steps(kind text, rounds int) RETURNS TABLE (phase int, r int, ord int, pos int, step int, stmt text)
	LANGUAGE sql STABLE
AS $fn$
	-- phase 1, after every other round: the scenarios that announce a
	-- change of rights, which makes every actor's next statement work its
	-- reach out again, and so must not precede the others' rounds
	SELECT CASE WHEN c.actor_call LIKE 'bench.rights_changed(%' THEN 1 ELSE 0 END,
		   rr, c.ord, s.pos, x.step, x.stmt
	  FROM bench.cases c
	 CROSS JOIN LATERAL generate_series(CASE kind WHEN 'verify' THEN -1 ELSE 0 END,
										CASE kind WHEN 'verify' THEN -1
											 ELSE least(rounds, coalesce(c.max_rounds, rounds)) END) AS rr
	 CROSS JOIN LATERAL bench.sides(c, rr) AS s
	 CROSS JOIN LATERAL (
		SELECT bench.side_sql(c, s.side, rr) AS q,
			   CASE kind
					WHEN 'verify' THEN
						format('SELECT %L, %s, %L, n_rows, digest, ms, first_row FROM bench.row_set(%L, %L)',
							   'verify', c.ord, s.side, bench.side_sql(c, s.side, rr), c.key)
					ELSE
						format('SELECT %L, %s, %s, %L, n_rows, plan_ms, exec_ms, total_ms FROM bench.time_query(%L)',
							   'sample', rr, c.ord, s.side, bench.side_sql(c, s.side, rr))
			   END AS timed) AS t
	 CROSS JOIN LATERAL (VALUES
		-- writes are timed in a transaction that rolls back: the forge stays
		-- the same from round to round, and a rolled-back write announces no
		-- change of rights (the "after a change" rows measure that apart)
		(1, CASE WHEN kind = 'verify' OR c.is_write THEN 'BEGIN' END),
		(2, CASE WHEN s.side = 'rls' THEN 'SET ROLE bench_app' END),
		(3, CASE WHEN s.side = 'rls' AND c.actor_call IS NOT NULL THEN 'SELECT FROM ' || c.actor_call END),
		(4, CASE WHEN kind = 'verify' THEN 'SAVEPOINT checked' END),
		(5, t.timed),
		-- the row check also times each side once, after undoing its
		-- write: bench/check.sql caps the rounds of a scenario that is slow
		-- by this time
		(6, CASE WHEN kind = 'verify' THEN 'ROLLBACK TO SAVEPOINT checked' END),
		(7, CASE WHEN kind = 'verify' THEN
				format('SELECT %L, %s, %L, bench.probe(%L)', 'probe', c.ord, s.side, t.q) END),
		(8, CASE WHEN s.side = 'rls' THEN 'SELECT FROM runner_policy.reset_actor()' END),
		(9, CASE WHEN s.side = 'rls' THEN 'RESET ROLE' END),
		(10, CASE WHEN kind = 'verify' OR c.is_write THEN 'ROLLBACK' END)) AS x (step, stmt)
	 WHERE x.stmt IS NOT NULL
	   AND (kind = 'verify' OR c.failed IS NULL)
$fn$;
