/*
 * bench/memory.sql: the backend memory an actor's reach takes, read from
 * pg_backend_memory_contexts (contexts named "runner_policy reach", with
 * their children) right after a statement that built it: the heavy user's
 * and the maintainer's runner count, the auditor's queue view (which adds
 * the queue counts).  The reach stays in the backend until the next
 * statement that needs one.
 */
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE TEMP TABLE reach_memory (actor text, statement text, contexts bigint, total_bytes bigint, used_bytes bigint);
\pset footer off

SET ROLE bench_app;
SELECT FROM runner_policy.act_as(4, false);
SELECT count(*) AS "heavy user: runners" FROM runner_policy.ci_runners;
SELECT count(*) AS "heavy user: runners, again" FROM runner_policy.ci_runners;
RESET ROLE;
INSERT INTO reach_memory
SELECT 'heavy user (4)', 'count runners', count(*), sum(total_bytes), sum(used_bytes)
  FROM pg_backend_memory_contexts WHERE name = 'runner_policy reach';
SELECT runner_policy.reset_actor() AS reset \gset

SET ROLE bench_app;
SELECT FROM runner_policy.act_as(3, false);
SELECT count(*) AS "maintainer: runners" FROM runner_policy.ci_runners;
SELECT count(*) AS "maintainer: runners, again" FROM runner_policy.ci_runners;
RESET ROLE;
INSERT INTO reach_memory
SELECT 'maintainer of 20 (3)', 'count runners', count(*), sum(total_bytes), sum(used_bytes)
  FROM pg_backend_memory_contexts WHERE name = 'runner_policy reach';
SELECT runner_policy.reset_actor() AS reset \gset

SET ROLE bench_app;
SELECT FROM runner_policy.act_as(2, false);
SELECT count(*) AS "auditor: queue rows" FROM runner_policy.runner_queue_status;
SELECT count(*) AS "auditor: queue rows, again" FROM runner_policy.runner_queue_status;
RESET ROLE;
INSERT INTO reach_memory
SELECT 'auditor (2)', 'queue view', count(*), sum(total_bytes), sum(used_bytes)
  FROM pg_backend_memory_contexts WHERE name = 'runner_policy reach';
SELECT runner_policy.reset_actor() AS reset \gset

\echo 'Reach memory in the backend (contexts "runner_policy reach": every reach the backend keeps, up to 8 actors and 64 MB, src/policy_core.c)'
SELECT actor, statement, contexts,
	   pg_size_pretty(total_bytes) AS total, pg_size_pretty(used_bytes) AS used,
	   pg_size_pretty(total_bytes / nullif(contexts, 0)) AS "one reach"
  FROM reach_memory;
