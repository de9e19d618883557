/*
 * bench/setup.sql: the application role the policies apply to, and the
 * in-server timer.  Run by a superuser after bench/data.sql.
 */
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- The forge's application role: plain table privileges, act_as granted as
-- the README tells a DBA to; row-level security decides the rows.
CREATE ROLE bench_app NOLOGIN;
GRANT USAGE ON SCHEMA runner_policy TO bench_app;
GRANT SELECT ON ALL TABLES IN SCHEMA runner_policy TO bench_app;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO bench_app;

CREATE SCHEMA bench;
GRANT USAGE ON SCHEMA bench TO bench_app;

/*
 * bench.time_query(mode, query): runs query once, in the server, and
 * returns how many rows it gave and how long it took (planning included,
 * as for an application that does not prepare).
 *   mode 'list':  every row is fetched, all columns, through a cursor
 *                 (FOR ... IN EXECUTE), as a client's listing would be,
 *                 without the text conversion and the network;
 *   mode 'text':  every row is also turned into text (q::text calls every
 *                 column's output function, much as the server does for
 *                 each row it sends to a client), still no network;
 *   mode 'count': SELECT count(*) FROM (query): the scan and the policy
 *                 alone, no row leaves the executor.
 * SECURITY INVOKER: the query runs as whoever calls, so row-level security
 * applies exactly as it would to that role's own statement.
 */
CREATE FUNCTION bench.time_query(mode text, query text,
								 OUT n_rows bigint, OUT ms double precision)
	LANGUAGE plpgsql VOLATILE
AS $fn$
DECLARE
	t0		timestamptz;
	rec		record;
	n_bytes	bigint;
BEGIN
	n_rows := 0;
	IF mode = 'list' THEN
		t0 := clock_timestamp();
		FOR rec IN EXECUTE query LOOP
			n_rows := n_rows + 1;
		END LOOP;
	ELSIF mode = 'text' THEN
		t0 := clock_timestamp();
		EXECUTE 'SELECT count(*), sum(octet_length(q::text)) FROM (' || query || ') AS q'
		   INTO n_rows, n_bytes;
	ELSIF mode = 'count' THEN
		t0 := clock_timestamp();
		EXECUTE 'SELECT count(*) FROM (' || query || ') AS q' INTO n_rows;
	ELSE
		RAISE EXCEPTION 'unknown mode %', mode;
	END IF;
	ms := 1000 * extract(epoch FROM clock_timestamp() - t0);
END
$fn$;
GRANT EXECUTE ON FUNCTION bench.time_query(text, text) TO bench_app;

/*
 * bench.row_set(query): the md5 of the sorted ids a query returns, and how
 * many; both sides of a case must agree before they are timed.
 */
CREATE FUNCTION bench.row_set(query text, OUT n_rows bigint, OUT digest text)
	LANGUAGE plpgsql VOLATILE
AS $fn$
BEGIN
	EXECUTE 'SELECT count(*), md5(coalesce(string_agg(id::text, '','' ORDER BY id), ''''))'
		 || ' FROM (' || query || ') AS q'
	   INTO n_rows, digest;
END
$fn$;
GRANT EXECUTE ON FUNCTION bench.row_set(text) TO bench_app;

/*
 * bench.inline_reach(expr): a policy expression with every call of
 * reach(set) and reach_all(kind) replaced by its value for the current
 * actor, as constants: the same qual without the policy core, for the
 * reference case admin/consts.
 */
CREATE FUNCTION bench.inline_reach(expr text) RETURNS text
	LANGUAGE plpgsql VOLATILE
AS $fn$
DECLARE
	m	text[];
	v	text;
BEGIN
	FOR m IN SELECT regexp_matches(expr, 'runner_policy\.(reach|reach_all)\(''(\w+)''::text\)', 'g')
	LOOP
		-- one call site per name: reach() keeps the first name a call site
		-- passed it, so a varying argument would read the same set again
		IF m[1] = 'reach' THEN
			EXECUTE format('SELECT format(%L, runner_policy.reach(%L))', '%L::bigint[]', m[2])
			   INTO v;
		ELSE
			EXECUTE format('SELECT coalesce(format(%L, runner_policy.reach_all(%L)), %L)',
						   '%L::bigint', m[2], 'NULL::bigint')
			   INTO v;
		END IF;
		expr := replace(expr, format('runner_policy.%s(%L::text)', m[1], m[2]), v);
	END LOOP;
	IF expr ~ 'runner_policy\.' THEN
		RAISE EXCEPTION 'cannot inline every call of %', expr;
	END IF;
	RETURN expr;
END
$fn$;

-- An instance token with read_runners, issued by the admin as the forge
-- would; the plaintext goes to the psql variable :token for bench/cases.sql.
SELECT runner_policy.act_as(1, false) AS acting \gset
SELECT runner_policy.issue_instance_token(ARRAY['read_runners'],
										  now() + interval '1 day',
										  'bench: read runners') AS token \gset
SELECT runner_policy.reset_actor() AS reset \gset
