/*
 * bench/mix/refill.sql: tops the disposable projects up to :pool, by the
 * superuser with the triggers on (so the owner links and, on the current
 * build, the audit entries are made as for any project).  Each disposable
 * project has what a deleted project takes with it:
 *   - a project runner it owns (with its owner link), also linked to one
 *     of the forge's projects;
 *   - a link of a forge project's runner to it;
 *   - 3 jobs of its own (one ran on its runner, one on instance runner 1,
 *     one pending), and a job of a forge project that ran on its runner
 *     (which keeps its history with runner_id NULL).
 * Prints how many it made.
 */
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT nu, np, ng FROM bench_mix.forge \gset
SELECT greatest(0, :pool - count(*)) AS missing FROM runner_policy.projects WHERE id > :np \gset

CREATE TEMP TABLE made (project bigint, runner bigint, other bigint);
WITH p AS (
	INSERT INTO runner_policy.projects (namespace_id, name, visibility)
	SELECT 1 + (k % :ng), 'disposable', 'private' FROM generate_series(1, :missing) AS k
	RETURNING id
)
INSERT INTO made (project, other) SELECT id, 1 + (id * 7919) % :np FROM p;
WITH r AS (
	INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id, description, locked)
	SELECT 3, project, 'disposable', false FROM made
	RETURNING id, sharding_key_id
)
UPDATE made SET runner = r.id FROM r WHERE made.project = r.sharding_key_id;
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id)
SELECT runner, other FROM made;
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id)
SELECT (SELECT min(r.id) FROM runner_policy.ci_runners r
		 WHERE r.runner_type = 3 AND r.sharding_key_id = made.other), project
  FROM made;
INSERT INTO runner_policy.ci_builds (project_id, runner_id, user_id, status, created_at, started_at, finished_at)
SELECT m.project, x.runner, 6, x.status, now(), x.started, x.finished
  FROM made m
 CROSS JOIN LATERAL (VALUES (m.runner, 'success', now(), now()),
							(1::bigint, 'success', now(), now()),
							(NULL::bigint, 'pending', NULL::timestamptz, NULL::timestamptz)) AS x (runner, status, started, finished);
INSERT INTO runner_policy.ci_builds (project_id, runner_id, user_id, status, created_at, started_at, finished_at)
SELECT other, runner, 6, 'success', now(), now(), now() FROM made;
ANALYZE runner_policy.projects, runner_policy.ci_runners, runner_policy.ci_runner_projects, runner_policy.ci_builds;
SELECT count(*) FROM made;
