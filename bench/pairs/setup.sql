/*
 * bench/pairs/setup.sql: what the committed write pairs need, on either
 * cluster (release 1.0 and the current build run the same file after the
 * same bench/data.sql).  Run by a superuser; :jobs is how many pending jobs
 * the runner pair may take (one per pair).  Prints one line of
 * name=value, the pgbench variables (-D) of bench/write_pairs.sh.
 *
 *   bench_app  the forge's application role, as README "Roles" makes it
 *              (LOGIN: pgbench connects as it); row-level security applies
 *   maint      user 3, maintainer of 20 projects, among them p1 and p2
 *   admin      user 1
 *   p1, p2     the first two projects user 3 maintains
 *   link_runner  an unlocked project runner of p1 not linked to p2 (user 3
 *              may link it to p2)
 *   member     an active user who is no member of p1 (user 3 adds them
 *              as a developer)
 *   proj_runner  the first runner of p1, with a fresh runner token
 *              (runner_token); it takes p1's pending jobs
 *              :jobs more pending jobs of p1 are made, so that the runner
 *              pair never runs dry
 *   running_job  a running job, for the superuser's token pair
 */
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- the forge's application role
\ir ../app_role.sql

SELECT 17 AS p1, 17 + (SELECT count(*) FROM runner_policy.projects) / 20 AS p2 \gset
SELECT min(r.id) AS link_runner FROM runner_policy.ci_runners r
 WHERE r.runner_type = 3 AND r.sharding_key_id = :p1 AND NOT r.locked
   AND NOT EXISTS (SELECT FROM runner_policy.ci_runner_projects l
					WHERE l.runner_id = r.id AND l.project_id = :p2) \gset
SELECT min(u.id) AS member FROM runner_policy.users u
 WHERE u.id > 5 AND u.state = 'active'
   AND NOT EXISTS (SELECT FROM runner_policy.project_members m
					WHERE m.project_id = :p1 AND m.user_id = u.id) \gset
SELECT min(id) AS proj_runner FROM runner_policy.ci_runners
 WHERE runner_type = 3 AND sharding_key_id = :p1 \gset
SELECT min(id) AS running_job FROM runner_policy.ci_builds WHERE status = 'running' \gset

-- pending jobs for the runner pair, the newest of p1
SET session_replication_role = replica;
INSERT INTO runner_policy.ci_builds (id, project_id, user_id, status, created_at)
SELECT m.top + k, :p1, 6, 'pending', now() - (:jobs - k) * interval '1 millisecond'
  FROM (SELECT max(id) AS top FROM runner_policy.ci_builds) m
 CROSS JOIN generate_series(1, :jobs) AS k;
RESET session_replication_role;
SELECT setval('runner_policy.ci_builds_id_seq', (SELECT max(id) FROM runner_policy.ci_builds)) \g /dev/null

-- a runner token, issued as the forge would (user 3 may reset it)
SELECT runner_policy.act_as(3, false) AS acting \gset
SELECT runner_policy.reset_runner_token(:proj_runner) AS runner_token \gset
SELECT runner_policy.reset_actor() AS reset \gset

VACUUM ANALYZE;
SELECT format('maint=3 admin=1 p1=%s p2=%s link_runner=%s member=%s proj_runner=%s running_job=%s runner_token=%s',
			  :p1, :p2, :link_runner, :member, :proj_runner, :running_job, :'runner_token');
