/*
 * bench/setup.sql: the application role the policies apply to, the
 * in-server timer, the tokens and runners the scenarios use.  Run by a
 * superuser after bench/data.sql; needs :rounds.  Sets psql variables for
 * bench/cases.sql.
 */
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- The forge's application role: plain table privileges, act_as granted as
-- the README tells a DBA to; row-level security decides the rows.
CREATE ROLE bench_app NOLOGIN;
GRANT USAGE ON SCHEMA runner_policy TO bench_app;
GRANT SELECT ON ALL TABLES IN SCHEMA runner_policy TO bench_app;
GRANT INSERT, UPDATE ON runner_policy.ci_runners, runner_policy.ci_runner_projects,
	runner_policy.ci_builds TO bench_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA runner_policy TO bench_app;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO bench_app;

CREATE SCHEMA bench;
GRANT USAGE ON SCHEMA bench TO bench_app;

/*
 * bench.time_query(query): runs query once, in the server, under
 * EXPLAIN (ANALYZE, TIMING OFF, SUMMARY): every row is produced (and
 * dropped, as if sent to a client that discards it), writes are done, and
 * PostgreSQL reports planning and execution apart.  TIMING OFF: no clock
 * call per row and node, which would inflate a scan of a million rows; the
 * per-node row counters stay (a few percent on the cheapest scans, on both
 * sides alike).  total_ms is the wall clock around the whole statement
 * (parse, rewrite, planning, execution).  SECURITY INVOKER: the query runs
 * as whoever calls, so row-level security applies exactly as it would to
 * that role's own statement.
 */
CREATE FUNCTION bench.time_query(query text, OUT n_rows bigint, OUT plan_ms double precision,
								 OUT exec_ms double precision, OUT total_ms double precision)
	LANGUAGE plpgsql VOLATILE
AS $fn$
DECLARE
	t0		timestamptz;
	j		json;
BEGIN
	t0 := clock_timestamp();
	EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, SUMMARY, FORMAT JSON) ' || query INTO j;
	total_ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
	plan_ms := (j -> 0 ->> 'Planning Time')::double precision;
	exec_ms := (j -> 0 ->> 'Execution Time')::double precision;
	n_rows := (j -> 0 -> 'Plan' ->> 'Actual Rows')::bigint;
END
$fn$;
GRANT EXECUTE ON FUNCTION bench.time_query(text) TO bench_app;

-- One timed run whose failure is not the bench's: NULL if it fails.
CREATE FUNCTION bench.probe(query text) RETURNS double precision
	LANGUAGE plpgsql VOLATILE
AS $fn$
BEGIN
	RETURN (SELECT total_ms FROM bench.time_query(query));
EXCEPTION WHEN OTHERS THEN
	RETURN NULL;
END
$fn$;
GRANT EXECUTE ON FUNCTION bench.probe(text) TO bench_app;

/*
 * bench.rights_changed(actor): commits (in its caller's statement) an
 * update of a rights column that matches no row, which the extension
 * announces to every backend like any change of rights, and then acts as
 * the user.  For the "after a change" reference rows.
 */
CREATE FUNCTION bench.rights_changed(actor bigint) RETURNS void
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
	UPDATE runner_policy.users SET state = state WHERE id = -1;
	PERFORM runner_policy.act_as(actor, false);
END
$fn$;
GRANT EXECUTE ON FUNCTION bench.rights_changed(bigint) TO bench_app;

/*
 * bench.row_set(query, key): how many rows a query returns, the md5 of
 * their keys (an expression over the row "q"), sorted; a scenario's sides
 * must agree before they are timed.  WITH, so that writes (RETURNING) can
 * be checked too; bench/verify.sql rolls them back.
 */
CREATE FUNCTION bench.row_set(query text, key text,
							  OUT n_rows bigint, OUT digest text, OUT ms double precision,
							  OUT first_row text)
	LANGUAGE plpgsql VOLATILE
AS $fn$
DECLARE
	t0		timestamptz := clock_timestamp();
BEGIN
	BEGIN
		EXECUTE format('WITH q AS (%s) SELECT count(*), md5(coalesce(string_agg((%s)::text, %L ORDER BY (%s)::text), %L)), left(min(q::text), 40) FROM q',
					   query, key, ',', key, '')
		   INTO n_rows, digest, first_row;
	EXCEPTION WHEN OTHERS THEN
		-- a refused or broken statement fails its scenario, not the bench
		n_rows := -1;
		digest := 'error ' || SQLSTATE || ': ' || SQLERRM;
	END;
	ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
END
$fn$;
GRANT EXECUTE ON FUNCTION bench.row_set(text, text) TO bench_app;

-- Ids the scenarios use (psql variables for bench/cases.sql):
--   p1, p2: the first two projects user 3 maintains; proj_runner: the
--   first runner of p1 (user 3 reads it; it takes jobs of p1 in the write
--   scenarios); heavy_runner: the first runner of project 3, which the
--   heavy user maintains.
SELECT 17 AS p1, 17 + (SELECT count(*) FROM runner_policy.projects) / 20 AS p2 \gset
SELECT min(id) AS proj_runner FROM runner_policy.ci_runners
 WHERE runner_type = 3 AND sharding_key_id = 17 \gset
SELECT min(id) AS heavy_runner FROM runner_policy.ci_runners
 WHERE runner_type = 3 AND sharding_key_id = 3 \gset

-- Tokens, issued as the forge would; the plaintexts go to psql variables
-- and to bench.cases, readable by the superuser only.
SELECT runner_policy.act_as(1, false) AS acting \gset
SELECT runner_policy.issue_instance_token(ARRAY['read_runners'],
										  now() + interval '1 day',
										  'bench: read runners') AS token \gset
SELECT runner_policy.reset_runner_token(:proj_runner) AS runner_token \gset
SELECT runner_policy.reset_runner_token(1) AS inst_runner_token \gset
SELECT runner_policy.reset_actor() AS reset \gset
SELECT max(id) AS token_id FROM runner_policy.tokens \gset
-- The timed authentications read their token from here: EXPLAIN, which
-- times them, is a utility statement, and one whose text spells a token is
-- refused (README "Tokens in SQL text"), as a forge's would be; a token
-- passed as a value is the way the README asks for.
CREATE TABLE bench.secrets (name text PRIMARY KEY, token text NOT NULL);
INSERT INTO bench.secrets VALUES ('read', :'token'), ('runner', :'runner_token');
GRANT SELECT ON bench.secrets TO bench_app;

/*
 * Runners to link, one per side and round (round -1: the row check, rolled
 * back), registered by the superuser with the triggers on: project runners
 * of p1, unlocked, so that user 3 may link them to p2.
 */
CREATE TABLE bench.link_runners (side text, round int, id bigint, PRIMARY KEY (side, round));
WITH made AS (
	INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id, description, locked)
	SELECT 3, :p1, format('bench: to link (%s, round %s)', s, r), false
	  FROM unnest(ARRAY['rls', 'off']) AS s
	 CROSS JOIN generate_series(-1, :rounds) AS r
	RETURNING id, description
)
INSERT INTO bench.link_runners (side, round, id)
SELECT (regexp_match(description, '\((\w+), round (-?\d+)\)'))[1],
	   (regexp_match(description, '\((\w+), round (-?\d+)\)'))[2]::int, id
  FROM made;
