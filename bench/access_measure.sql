-- bench/access_measure.sql: timings of runner_access on the bench forge
-- (bench/data.sql, any BENCH_SCALE), as a DBA (superuser, no actor).  The
-- cases of README "Who may do what: runner_access": by runner a project
-- runner linked to four projects, a group runner of a top-level group and
-- one of a group five deep, an instance runner; by user an ordinary user,
-- the maintainer of 20 projects (3), the heavy user (4), the auditor (2)
-- and the administrator (1).  Each query runs in five rounds
-- (bench/access_round.sql), the counts of hundreds of thousands of rows in
-- the last two only; the first round also pays for planning the saved
-- queries of a new backend.  Besides psql's \timing (wall time), the
-- server reports each query's CPU time (log_executor_stats, on stderr).
-- Row counts last.  bench/access_measure.sh runs it and prints the
-- medians:
--
--   bench/access_measure.sh DB
SELECT min(id) AS project_runner FROM runner_policy.ci_runners
 WHERE runner_type = 3 AND cardinality(linked_project_ids) = 4 \gset
SELECT min(r.id) AS top_group_runner FROM runner_policy.ci_runners r
  JOIN runner_policy.namespaces n ON n.id = r.sharding_key_id
 WHERE r.runner_type = 2 AND n.parent_id IS NULL \gset
SELECT max(r.id) AS deep_group_runner FROM runner_policy.ci_runners r
  JOIN runner_policy.namespaces n ON n.id = r.sharding_key_id
 WHERE r.runner_type = 2 AND cardinality(n.traversal_ids) = 5 \gset
SELECT min(r.id) AS maintained_runner FROM runner_policy.ci_runners r
  JOIN runner_policy.project_members pm ON pm.project_id = r.sharding_key_id
 WHERE r.runner_type = 3 AND pm.user_id = 3 AND pm.access_level >= 40 \gset
SELECT min(id) AS instance_runner FROM runner_policy.ci_runners WHERE runner_type = 1 \gset
SELECT min(u.id) AS ordinary_user FROM runner_policy.users u
 WHERE u.id > (SELECT max(id) / 20 FROM runner_policy.users) AND u.state = 'active'
   AND EXISTS (SELECT FROM runner_policy.project_members pm WHERE pm.user_id = u.id) \gset
SET log_executor_stats = on;
SET client_min_messages = log;
\timing on
\o /dev/null
-- five rounds of every case; the counts of hundreds of thousands of rows
-- (the heavy user, the auditor, the administrator) in the last two only
\set slow false
\ir access_round.sql
\ir access_round.sql
\ir access_round.sql
\set slow true
\ir access_round.sql
\ir access_round.sql
\o
\timing off
RESET client_min_messages;
RESET log_executor_stats;
SELECT :project_runner AS project_runner, :top_group_runner AS top_group_runner,
	   :deep_group_runner AS deep_group_runner, :instance_runner AS instance_runner,
	   :ordinary_user AS ordinary_user, :maintained_runner AS maintained_runner;
SELECT 'project runner' AS filter, count(*) FROM runner_policy.runner_access WHERE runner_id = :project_runner
UNION ALL SELECT 'top group runner', count(*) FROM runner_policy.runner_access WHERE runner_id = :top_group_runner
UNION ALL SELECT 'deep group runner', count(*) FROM runner_policy.runner_access WHERE runner_id = :deep_group_runner
UNION ALL SELECT 'instance runner', count(*) FROM runner_policy.runner_access WHERE runner_id = :instance_runner
UNION ALL SELECT 'ordinary user', count(*) FROM runner_policy.runner_access WHERE user_id = :ordinary_user
UNION ALL SELECT 'maintainer of 20', count(*) FROM runner_policy.runner_access WHERE user_id = 3
UNION ALL SELECT 'one user and one runner', count(*) FROM runner_policy.runner_access WHERE user_id = 3 AND runner_id = :maintained_runner;
