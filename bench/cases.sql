/*
 * bench/cases.sql: what is timed.  One row per case: the call that sets
 * the actor, the query the application sends (run as bench_app, so
 * row-level security applies), the baseline with row-level security not
 * applied (run by the superuser, who bypasses it), and the target ratio.
 * Needs the psql variables :token (an instance token with read_runners,
 * from bench/setup.sql), :list_runners and :maintainer_join (the texts of
 * files in bench/queries, passed by bench/run), and creates bench.cases,
 * readable by the superuser only (it holds the token).
 */
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE TABLE bench.cases (
	ord			int PRIMARY KEY,
	name		text NOT NULL UNIQUE,
	actor_call	text NOT NULL,
	rls_sql		text NOT NULL,
	base_sql	text NOT NULL,
	base_label	text NOT NULL,
	target		numeric			-- NULL: shown for reference, no target
);

-- The ci_runners SELECT policy as the admin sees it, with constants.
SELECT runner_policy.act_as(1, false) AS acting \gset
SELECT bench.inline_reach(qual) AS admin_qual
  FROM pg_policies
 WHERE schemaname = 'runner_policy' AND tablename = 'ci_runners'
   AND policyname = 'ci_runners_read' \gset
SELECT runner_policy.reset_actor() AS reset \gset

INSERT INTO bench.cases (ord, name, actor_call, rls_sql, base_sql, base_label, target) VALUES
	(1, 'admin',
	 'runner_policy.act_as(1, false)',
	 :'list_runners', :'list_runners', 'same query, RLS not applied', 1.2),
	(2, 'auditor',
	 'runner_policy.act_as(2, false)',
	 :'list_runners', :'list_runners', 'same query, RLS not applied', 1.2),
	(3, 'read token',
	 format('runner_policy.authenticate(%L)', :'token'),
	 :'list_runners', :'list_runners', 'same query, RLS not applied', 1.2),
	(4, 'maintainer',
	 'runner_policy.act_as(3, false)',
	 :'list_runners', :'maintainer_join', 'hand-written join, same rows', 2.0),
	-- For reference: the admin's listing against the policy's own qual with
	-- the admin's reach written in as constants, run without row-level
	-- security: the ratio is what the policy core itself costs (a function
	-- call per row, working out the reach, planning with policies) over the
	-- shape of the qual.
	(5, 'admin/consts',
	 'runner_policy.act_as(1, false)',
	 :'list_runners',
	 rtrim(:'list_runners', E'\n') || E'\n WHERE ' || :'admin_qual',
	 'the policy''s qual with the admin''s reach as constants, RLS not applied', NULL),
	-- For reference: the admin's listing against the cheapest row filter
	-- there is (one column, one constant, RLS not applied).  Any policy is
	-- a per-row filter on a sequential scan when every row is visible, so
	-- this baseline is what no policy can beat; the ratio is the policy's
	-- own cost over it.
	(6, 'admin/filter',
	 'runner_policy.act_as(1, false)',
	 :'list_runners',
	 rtrim(:'list_runners', E'\n') || E'\n WHERE id >= -9223372036854775808',
	 'cheapest row filter (id >= const), RLS not applied', NULL);
