-- What a DBA watches and sets (src/monitor.c, the cache's settings in
-- src/reach_cache.c): the cache's limits are settings only a superuser (or
-- the server's configuration) sets, within bounds; they decide how many
-- reaches a backend keeps; the figures are read by superusers and members
-- of pg_read_all_stats only.  Other backends' figures:
-- test/specs/iso_monitor.spec; the HINT of a refusal with no actor:
-- test/sql/errors.sql.
BEGIN;
\ir fixture.psql
SELECT plan(14);

-- The settings: in pg_settings, superuser-only, bounded.
SELECT results_eq($$SELECT name, context, unit, min_val, max_val, boot_val
					  FROM pg_settings WHERE name LIKE 'runner_policy.cache%' ORDER BY name$$,
	$$VALUES ('runner_policy.cache_actors'::text, 'superuser'::text, NULL::text, '0'::text, '64'::text, '8'::text),
			 ('runner_policy.cache_memory', 'superuser', 'kB', '0', '2147483647', '65536')$$,
	'the cache limits are superuser settings with bounds');
SET ROLE regress_forge_app;
SELECT throws_ok($$SET runner_policy.cache_actors = 2$$, '42501',
	'permission denied to set parameter "runner_policy.cache_actors"',
	'the application cannot change them');
RESET ROLE;
SELECT throws_ok($$SET runner_policy.cache_actors = 65$$, '22023', NULL, 'above the bound: refused');
SELECT throws_ok($$SET runner_policy.cache_memory = -1$$, '22023', NULL, 'below the bound: refused');

-- cache_actors decides how many actors' reaches are kept.
CREATE TEMP TABLE mark AS SELECT * FROM runner_policy.reach_cache_counters();
CREATE FUNCTION pg_temp.rebuilt() RETURNS bigint LANGUAGE sql AS $$
	SELECT c.rebuilds - m.rebuilds FROM runner_policy.reach_cache_counters() c, pg_temp.mark m $$;
GRANT SELECT ON mark TO regress_forge_app;
SET LOCAL runner_policy.cache_actors = 0;
SET ROLE regress_forge_app;
SELECT runner_policy.act_as(2, false) \g /dev/null
SELECT count(*) FROM runner_policy.ci_runners \g /dev/null
SELECT count(*) FROM runner_policy.ci_runners \g /dev/null
SELECT count(*) FROM runner_policy.ci_runners \g /dev/null
SELECT ok(pg_temp.rebuilt() >= 3, 'cache_actors = 0: every statement works its reach out afresh');
RESET ROLE;
SELECT is((SELECT kept_reaches FROM runner_policy.stat_backends WHERE pid = pg_backend_pid()), 0,
	'and keeps none');
SET LOCAL runner_policy.cache_actors = 2;
TRUNCATE mark;
INSERT INTO mark SELECT * FROM runner_policy.reach_cache_counters();
SET ROLE regress_forge_app;
SELECT count(*) FROM runner_policy.ci_runners \g /dev/null
SELECT count(*) FROM runner_policy.ci_runners \g /dev/null
SELECT count(*) FROM runner_policy.ci_runners \g /dev/null
SELECT is(pg_temp.rebuilt(), 1::bigint, 'cache_actors = 2: one reach worked out, then kept');
SELECT runner_policy.act_as(3, false) \g /dev/null
SELECT count(*) FROM runner_policy.ci_runners \g /dev/null
SELECT runner_policy.act_as(1, false) \g /dev/null
SELECT count(*) FROM runner_policy.ci_runners \g /dev/null
RESET ROLE;
SELECT is((SELECT kept_reaches FROM runner_policy.stat_backends WHERE pid = pg_backend_pid()), 2,
	'three actors in turn: two reaches kept, the least recently used gone');
SET LOCAL runner_policy.cache_memory = 0;
SET ROLE regress_forge_app;
SELECT runner_policy.act_as(2, false) \g /dev/null
SELECT count(*) FROM runner_policy.ci_runners \g /dev/null
RESET ROLE;
SELECT is((SELECT kept_reaches FROM runner_policy.stat_backends WHERE pid = pg_backend_pid()), 1,
	'cache_memory = 0: only the reach of the running actor is kept');
RESET runner_policy.cache_actors;
RESET runner_policy.cache_memory;

-- Who reads the figures.
SELECT ok(has_function_privilege('pg_read_all_stats', 'runner_policy.stat_backends()', 'EXECUTE')
		  AND has_function_privilege('pg_read_all_stats', 'runner_policy.stat_counters()', 'EXECUTE')
		  AND has_table_privilege('pg_read_all_stats', 'runner_policy.stat_backends', 'SELECT')
		  AND has_table_privilege('pg_read_all_stats', 'runner_policy.stat_counters', 'SELECT'),
	'pg_read_all_stats reads the figures');
SELECT ok(NOT has_function_privilege('regress_forge_app', 'runner_policy.stat_backends()', 'EXECUTE')
		  AND NOT has_function_privilege('regress_forge_app', 'runner_policy.stat_counters()', 'EXECUTE'),
	'the application does not');
SET ROLE regress_forge_app;
SELECT throws_ok($$SELECT * FROM runner_policy.stat_counters$$, '42501', NULL,
	'and is refused when it tries');
RESET ROLE;
SELECT is((SELECT array_agg(counter ORDER BY counter) FROM runner_policy.stat_counters),
	'{audit_entries_written,failed_authentications_extended_job_token,failed_authentications_instance_token,failed_authentications_job_token,failed_authentications_runner_token,failed_authentications_unknown,invalidations_received,reach_rebuilds,reach_reuses}'::text[],
	'the counters');
SELECT is((SELECT DISTINCT scope FROM runner_policy.stat_counters), 'cluster',
	'for the cluster: the library is preloaded');

SELECT * FROM finish();
ROLLBACK;
