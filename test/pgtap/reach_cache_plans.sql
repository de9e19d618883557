-- The decision cache and cached plans: what an actor reaches is
-- kept from statement to statement, and no plan, PL/pgSQL plan cache or
-- cursor made for one actor ever serves another.  Alice (2) maintains
-- project 100, bob (3) project 102, root (1) is an admin.
BEGIN;
\ir fixture.psql
SELECT plan(37);
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES
	(100, 2, 40), (102, 3, 40);
\set actor_role regress_forge_app
\ir as_role.psql

\set alice '{1000,1001,1002}'
\set bob '{1000,1003}'
\set everyone '{1000,1001,1002,1003}'

-- 1. A prepared statement past the switch to a generic plan (five custom
-- plans first), as alice, then as bob, alice again and root.
PREPARE runners_from (bigint) AS
	SELECT coalesce(array_agg(id ORDER BY id)::text, '{}') AS ids FROM runner_policy.ci_runners WHERE id >= $1;
SELECT runner_policy.act_as(2) \g /dev/null
EXECUTE runners_from(0) \g /dev/null
EXECUTE runners_from(0) \g /dev/null
EXECUTE runners_from(0) \g /dev/null
EXECUTE runners_from(0) \g /dev/null
EXECUTE runners_from(0) \g /dev/null
EXECUTE runners_from(0) \g /dev/null
EXECUTE runners_from(0) \gset
SELECT is(:'ids'::text, :'alice'::text, 'alice reads her runners through a prepared statement, seven times');
SELECT cmp_ok((SELECT generic_plans FROM pg_prepared_statements WHERE name = 'runners_from'), '>', 0::bigint,
	'the prepared statement runs on a generic plan by now');
SELECT runner_policy.act_as(3) \g /dev/null
EXECUTE runners_from(0) \gset
SELECT is(:'ids'::text, :'bob'::text, 'the same generic plan, executed for bob, returns bob''s runners');
EXECUTE runners_from(1001) \gset
SELECT is(:'ids'::text, '{1003}'::text, '... also with another parameter');
SELECT runner_policy.act_as(2) \g /dev/null
EXECUTE runners_from(0) \gset
SELECT is(:'ids'::text, :'alice'::text, 'and alice''s again for alice');
SELECT runner_policy.act_as(1) \g /dev/null
EXECUTE runners_from(0) \gset
SELECT is(:'ids'::text, :'everyone'::text, 'and every runner for an admin');
SELECT runner_policy.reset_actor() \g /dev/null
EXECUTE runners_from(0) \gset
SELECT is(:'ids'::text, '{}'::text, 'and none without an actor');
DEALLOCATE runners_from;

-- 2. The same with plan_cache_mode = force_generic_plan, with and without a
-- parameter, prepared while bob acts.
SET plan_cache_mode = force_generic_plan;
SELECT runner_policy.act_as(3) \g /dev/null
PREPARE runners_generic (bigint) AS
	SELECT coalesce(array_agg(id ORDER BY id)::text, '{}') AS ids FROM runner_policy.ci_runners WHERE id >= $1;
PREPARE runners_plain AS
	SELECT coalesce(array_agg(id ORDER BY id)::text, '{}') AS ids FROM runner_policy.ci_runners;
EXECUTE runners_generic(0) \gset
SELECT is(:'ids'::text, :'bob'::text, 'force_generic_plan: bob reads his runners');
EXECUTE runners_plain \gset
SELECT is(:'ids'::text, :'bob'::text, 'force_generic_plan, no parameter: bob reads his runners');
SELECT runner_policy.act_as(2) \g /dev/null
EXECUTE runners_generic(0) \gset
SELECT is(:'ids'::text, :'alice'::text, 'force_generic_plan: the plan made while bob acted serves alice her runners');
EXECUTE runners_plain \gset
SELECT is(:'ids'::text, :'alice'::text, 'force_generic_plan, no parameter: alice''s runners');
SELECT cmp_ok((SELECT sum(generic_plans) FROM pg_prepared_statements
				WHERE name IN ('runners_generic', 'runners_plain')), '>=', 4::numeric,
	'both ran on generic plans');
SELECT runner_policy.act_as(3) \g /dev/null
EXECUTE runners_plain \gset
SELECT is(:'ids'::text, :'bob'::text, 'force_generic_plan: bob''s again');
-- a generic plan made for an admin, who reads everything, and then
-- executed for others
DEALLOCATE runners_plain;
SELECT runner_policy.act_as(1) \g /dev/null
PREPARE runners_plain AS
	SELECT coalesce(array_agg(id ORDER BY id)::text, '{}') AS ids FROM runner_policy.ci_runners;
EXECUTE runners_plain \gset
SELECT is(:'ids'::text, :'everyone'::text, 'force_generic_plan: prepared for an admin, every runner');
SELECT runner_policy.act_as(2) \g /dev/null
EXECUTE runners_plain \gset
SELECT is(:'ids'::text, :'alice'::text, 'the admin''s plan serves alice only her runners');
EXECUTE runners_generic(0) \gset
SELECT is(:'ids'::text, :'alice'::text, '... and the other plan too');
SELECT runner_policy.reset_actor() \g /dev/null
EXECUTE runners_plain \gset
SELECT is(:'ids'::text, '{}'::text, '... and none without an actor');
DEALLOCATE runners_generic;
DEALLOCATE runners_plain;
RESET plan_cache_mode;

-- 3. PL/pgSQL caches the plans of its statements for the session.
CREATE FUNCTION pg_temp.runners_seen() RETURNS bigint[] LANGUAGE plpgsql AS $$
BEGIN
	RETURN (SELECT array_agg(id ORDER BY id) FROM runner_policy.ci_runners);
END $$;
CREATE FUNCTION pg_temp.runners_from(first bigint) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
	ids bigint[];
BEGIN
	SELECT array_agg(id ORDER BY id) INTO ids FROM runner_policy.ci_runners WHERE id >= first;
	RETURN ids;
END $$;
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is((SELECT array_agg(pg_temp.runners_seen()::text) FROM generate_series(1, 7)),
		  array_fill(:'alice'::text, ARRAY[7]), 'a PL/pgSQL function as alice, seven times');
SELECT is((SELECT array_agg(pg_temp.runners_from(0)::text) FROM generate_series(1, 7)),
		  array_fill(:'alice'::text, ARRAY[7]), 'one with a parameter, seven times');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is(pg_temp.runners_seen(), :'bob'::bigint[], 'the same function called as bob returns bob''s runners');
SELECT is(pg_temp.runners_from(0), :'bob'::bigint[], '... and the one with a parameter too');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is(pg_temp.runners_seen(), :'alice'::bigint[], 'and alice''s again for alice');
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is(pg_temp.runners_seen(), :'everyone'::bigint[], 'every runner for an admin');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is(pg_temp.runners_seen(), :'bob'::bigint[], 'and bob''s for bob right after');
SET plan_cache_mode = force_generic_plan;
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is(pg_temp.runners_from(0), :'alice'::bigint[], 'force_generic_plan: the function as alice');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is(pg_temp.runners_from(0), :'bob'::bigint[], 'force_generic_plan: the function as bob');
RESET plan_cache_mode;

-- 4. A cursor returns rows only to the actor it was opened for, though
-- alice's reach is kept for her while bob acts.
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is((SELECT array_agg(id ORDER BY id) FROM runner_policy.ci_runners), :'alice'::bigint[],
	'alice''s reach is warm');
DECLARE alices CURSOR FOR SELECT id FROM runner_policy.ci_runners ORDER BY id;
FETCH 1 FROM alices \gset
SELECT is(:'id'::bigint, 1000::bigint, 'alice fetches from her cursor');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT throws_ok('FETCH 1 FROM alices', '55000', 'cannot fetch rows for another actor',
	'bob cannot fetch from alice''s cursor');
SELECT is((SELECT array_agg(id ORDER BY id) FROM runner_policy.ci_runners), :'bob'::bigint[],
	'bob reads his own runners meanwhile');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT throws_ok('FETCH 1 FROM alices', '55000', 'cannot fetch rows for another actor',
	'nor alice, once the actor changed in between');
CLOSE alices;
-- pgTAP reads a prepared statement through a cursor: one over a generic
-- plan made while alice acted, opened as bob
PREPARE runners_all AS SELECT id FROM runner_policy.ci_runners ORDER BY id;
EXECUTE runners_all \g /dev/null
SELECT runner_policy.act_as(3) \g /dev/null
SELECT results_eq('runners_all', ARRAY[1000, 1003]::bigint[],
	'a cursor over alice''s prepared statement, opened as bob, fetches bob''s runners');
DEALLOCATE runners_all;
DECLARE bobs CURSOR FOR SELECT id FROM runner_policy.ci_runners ORDER BY id;
SELECT runner_policy.act_as(2) \g /dev/null
SELECT throws_ok('MOVE 1 IN bobs', '55000', 'cannot fetch rows for another actor',
	'and alice cannot move in bob''s cursor');
CLOSE bobs;

-- 5. Bob's own change to his rights counts from his next statement, but not
-- for a cursor he opened before it: its snapshot does not see the change,
-- so a kept reach built after it must not answer there.
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is((SELECT array_agg(id ORDER BY id) FROM runner_policy.ci_runners), :'bob'::bigint[],
	'bob''s reach is warm');
DECLARE before_change CURSOR FOR SELECT id FROM runner_policy.ci_runners ORDER BY id;
RESET ROLE;
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (100, 3, 40);
SET ROLE regress_forge_app;
SELECT is((SELECT array_agg(id ORDER BY id) FROM runner_policy.ci_runners), :'everyone'::bigint[],
	'bob''s new membership counts from his next statement');
SELECT results_eq('FETCH ALL FROM before_change', ARRAY[1000, 1003]::bigint[],
	'a cursor bob opened before the change reads with the rights of its snapshot');
SELECT is((SELECT array_agg(id ORDER BY id) FROM runner_policy.ci_runners), :'everyone'::bigint[],
	'and his next statement with the new ones again');
CLOSE before_change;

SELECT * FROM finish();
ROLLBACK;
