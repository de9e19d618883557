-- rls_plans: how row-level security reaches the planner.  Policies are
-- "column = ANY (reach(set))" arms that the planner can turn into index
-- scans, evaluated once per scan; a maintainer's runner list is a bitmap OR
-- of index scans, an administrator's a plain scan.  Where an arm is left
-- as a filter, evaluated row by row, it is the binary search it was
-- written as (in_reach, in_reach_any), not the array.  A cheap leaky
-- function in WHERE never sees a row the actor may not read.
\set VERBOSITY terse
SET search_path = pg_catalog;

-- 40 groups, 400 projects, 4000 runners (40 instance, 360 group, 3600 project).
INSERT INTO runner_policy.users (id, username, admin, auditor) VALUES
	(8001, 'regress_admin', true, false), (8002, 'regress_auditor', false, true),
	(8003, 'regress_maintainer', false, false), (8004, 'regress_reporter', false, false),
	(8005, 'regress_heavy', false, false);
INSERT INTO runner_policy.namespaces (id, parent_id, name)
	SELECT g, NULL, 'group ' || g FROM generate_series(8001, 8040) g;
INSERT INTO runner_policy.projects (id, namespace_id, name)
	SELECT p, 8001 + (p % 40), 'project ' || p FROM generate_series(80001, 80400) p;
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description)
	SELECT r,
		   CASE WHEN r % 100 = 0 THEN 1 WHEN r % 10 = 0 THEN 2 ELSE 3 END,
		   CASE WHEN r % 100 = 0 THEN NULL WHEN r % 10 = 0 THEN 8001 + ((r / 10) % 40) ELSE 80001 + (r % 400) END,
		   'runner ' || r
	  FROM generate_series(800001, 804000) r;
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES
	(80002, 8003, 40), (80003, 8003, 40), (80004, 8004, 20);
-- regress_heavy maintains every project: 3,600 project runners by id.
INSERT INTO runner_policy.project_members (project_id, user_id, access_level)
	SELECT p, 8005, 40 FROM generate_series(80001, 80400) p;
INSERT INTO runner_policy.ci_builds (id, project_id, runner_id, status)
	SELECT b, 80001 + (b % 400), 800001 + (b % 4000), 'success' FROM generate_series(800001, 810000) b;
-- VACUUM too, so that the plans do not depend on what autovacuum has done
-- yet: the visibility map (index-only scans) and the GIN index's pending
-- list (linked_project_ids), which the planner costs.
VACUUM ANALYZE runner_policy.users, runner_policy.namespaces, runner_policy.projects,
	runner_policy.ci_runners, runner_policy.ci_runner_projects, runner_policy.project_members,
	runner_policy.ci_builds;

CREATE ROLE regress_plans_app;
GRANT USAGE ON SCHEMA runner_policy TO regress_plans_app;
GRANT SELECT ON ALL TABLES IN SCHEMA runner_policy TO regress_plans_app;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO regress_plans_app;
-- The leaky function writes down every value it is shown, in whatever order
-- the scan shows them (the order of the heap, which is not this test's to
-- fix), and the test reads what it saw, sorted.
CREATE TABLE public.regress_leaked (value text);
GRANT INSERT, SELECT, DELETE ON public.regress_leaked TO regress_plans_app;
CREATE FUNCTION public.regress_leak(text) RETURNS boolean
	LANGUAGE plpgsql COST 0.0000001 AS
	$$BEGIN INSERT INTO public.regress_leaked VALUES ($1); RETURN true; END$$;
CREATE FUNCTION public.regress_seen() RETURNS SETOF text
	LANGUAGE sql AS $$DELETE FROM public.regress_leaked RETURNING value$$;
SET ROLE regress_plans_app;

-- The maintainer of two projects: 40 instance runners, the 20 project
-- runners of her projects, the group runners of their groups; a bitmap OR
-- of three index scans.
SELECT runner_policy.act_as(8003, false);
SELECT count(*) FROM runner_policy.ci_runners;
EXPLAIN (COSTS OFF) SELECT * FROM runner_policy.ci_runners;
-- A leakproof user condition joins the index scan.
EXPLAIN (COSTS OFF) SELECT * FROM runner_policy.ci_runners WHERE id = 800003;
-- The leaky function sees only her rows, and only after the policy.
EXPLAIN (COSTS OFF) SELECT * FROM runner_policy.ci_runners WHERE public.regress_leak(description) AND runner_type = 3;
SELECT id FROM runner_policy.ci_runners WHERE public.regress_leak(description) AND runner_type = 3 ORDER BY id;
SELECT v AS leaked FROM public.regress_seen() AS v ORDER BY 1;
SELECT count(*) FROM runner_policy.ci_runners WHERE public.regress_leak(description) AND runner_type = 1 AND id < 800500;
SELECT v AS leaked FROM public.regress_seen() AS v ORDER BY 1;

-- Her jobs: reporter+ of the project, an index scan on (project_id, status).
EXPLAIN (COSTS OFF) SELECT * FROM runner_policy.ci_builds WHERE status = 'success';

-- A set too big to estimate id by id (over 512 ids) is probed per row
-- with a binary search (in_reach, reach_support.c); the small ones stay
-- index conditions.  The point read is still the primary key's.
SELECT runner_policy.act_as(8005, false);
SELECT count(*) FROM runner_policy.ci_runners;
SELECT cardinality(runner_policy.reach('runner_read_ids')) AS ids,
	   cardinality(runner_policy.reach('runner_read_projects')) AS projects;
EXPLAIN (COSTS OFF) SELECT * FROM runner_policy.ci_runners WHERE id = 800003;
EXPLAIN (COSTS OFF) SELECT id FROM runner_policy.ci_runners ORDER BY id DESC LIMIT 20;
SELECT id FROM runner_policy.ci_runners ORDER BY id DESC LIMIT 3;

-- An administrator and an auditor read everything: a plain scan.
SELECT runner_policy.act_as(8001, false);
SELECT count(*) FROM runner_policy.ci_runners;
EXPLAIN (COSTS OFF) SELECT * FROM runner_policy.ci_runners;
SELECT runner_policy.act_as(8002, false);
SELECT count(*) FROM runner_policy.ci_runners;

-- No actor: the policy still decides, and nothing comes back.
SELECT runner_policy.reset_actor();
SELECT count(*) FROM runner_policy.ci_runners WHERE public.regress_leak(description);
SELECT count(*) AS leaked FROM public.regress_seen();

-- The "everything" decision is folded into the plan where it is made
-- (plan_binding.c), and a cached plan never serves other rights: a generic
-- plan made for the administrator is planned again for the maintainer, for
-- nobody, and for the administrator again, and so is a PL/pgSQL function's.
SET plan_cache_mode = force_generic_plan;
SELECT runner_policy.act_as(8001, false);
PREPARE regress_all_runners AS SELECT count(*) FROM runner_policy.ci_runners WHERE id > $1;
EXECUTE regress_all_runners(0);
EXPLAIN (COSTS OFF) EXECUTE regress_all_runners(0);
SELECT runner_policy.act_as(8003, false);
EXECUTE regress_all_runners(0);
SELECT runner_policy.reset_actor();
EXECUTE regress_all_runners(0);
SELECT runner_policy.act_as(8001, false);
EXECUTE regress_all_runners(0);
DEALLOCATE regress_all_runners;
RESET plan_cache_mode;
RESET ROLE;
CREATE FUNCTION public.regress_count_runners() RETURNS bigint
	LANGUAGE plpgsql STABLE AS
	$$BEGIN RETURN (SELECT count(*) FROM runner_policy.ci_runners); END$$;
CREATE FUNCTION public.regress_count_runners_sql() RETURNS bigint
	LANGUAGE sql STABLE AS
	$$SELECT count(*) FROM runner_policy.ci_runners$$;
SET ROLE regress_plans_app;
SELECT runner_policy.act_as(8001, false);
SELECT public.regress_count_runners();
SELECT runner_policy.act_as(8003, false);
SELECT public.regress_count_runners();
-- A plan that lives inside one statement (a SQL function's, kept by its
-- call site) and meets another actor half-way fails rather than answer
-- with the rights it was made for: 40001, and nothing is returned.
\set VERBOSITY default
SELECT runner_policy.act_as(CASE WHEN i = 1 THEN 8001 ELSE 8003 END, false),
	   public.regress_count_runners_sql()
  FROM generate_series(1, 2) i;
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
SELECT runner_policy.reset_actor();
RESET ROLE;
DROP FUNCTION public.regress_count_runners();
DROP FUNCTION public.regress_count_runners_sql();
SET ROLE regress_plans_app;

RESET ROLE;
DROP FUNCTION public.regress_leak(text);
DROP FUNCTION public.regress_seen();
DROP TABLE public.regress_leaked;
REVOKE ALL ON ALL TABLES IN SCHEMA runner_policy FROM regress_plans_app;
REVOKE ALL ON FUNCTION runner_policy.act_as(bigint, boolean) FROM regress_plans_app;
REVOKE USAGE ON SCHEMA runner_policy FROM regress_plans_app;
DROP ROLE regress_plans_app;
DELETE FROM runner_policy.namespaces WHERE id BETWEEN 8001 AND 8040;
DELETE FROM runner_policy.ci_runners WHERE id BETWEEN 800001 AND 804000;
DELETE FROM runner_policy.users WHERE id BETWEEN 8001 AND 8005;
