/*
 * The runner queue by hand: what runner_policy.runner_queue_status shows,
 * as sums a forge would write without the extension, for the runners in
 * $WHERE (bench/cases.sql: every runner for the auditor, the instance
 * runners for a user with no memberships).  running_jobs: jobs running on
 * the runner; pending_jobs: pending jobs it could take (a project runner:
 * of its linked projects; a group runner: of projects anywhere under its
 * group; an instance runner: of projects with shared runners enabled).
 */
WITH pend AS (
	SELECT b.project_id, count(*) AS n
	  FROM runner_policy.ci_builds b
	 WHERE b.status = 'pending'
	 GROUP BY b.project_id
), run AS (
	SELECT b.runner_id, count(*) AS n
	  FROM runner_policy.ci_builds b
	 WHERE b.status = 'running' AND b.runner_id IS NOT NULL
	 GROUP BY b.runner_id
), by_runner AS (
	SELECT rp.runner_id, sum(pend.n) AS n
	  FROM runner_policy.ci_runner_projects rp
	  JOIN pend USING (project_id)
	 GROUP BY rp.runner_id
), by_group AS (
	SELECT g.id, sum(pend.n) AS n
	  FROM pend
	  JOIN runner_policy.projects p ON p.id = pend.project_id
	  JOIN runner_policy.namespaces ns ON ns.id = p.namespace_id
	 CROSS JOIN LATERAL unnest(ns.traversal_ids) AS g (id)
	 GROUP BY g.id
), shared AS (
	SELECT coalesce(sum(pend.n), 0) AS n
	  FROM pend
	  JOIN runner_policy.projects p ON p.id = pend.project_id
	 WHERE p.shared_runners_enabled
)
SELECT r.id AS runner_id,
	   r.runner_type,
	   r.description,
	   r.paused,
	   coalesce(r.contacted_at > now() - interval '2 hours', false) AS online,
	   r.contacted_at,
	   coalesce(run.n, 0)::bigint AS running_jobs,
	   CASE r.runner_type
			WHEN 1 THEN (SELECT n FROM shared)
			WHEN 2 THEN coalesce(bg.n, 0)
			ELSE coalesce(br.n, 0) END::bigint AS pending_jobs
  FROM runner_policy.ci_runners r
  LEFT JOIN run ON run.runner_id = r.id
  LEFT JOIN by_runner br ON br.runner_id = r.id AND r.runner_type = 3
  LEFT JOIN by_group bg ON bg.id = r.sharding_key_id AND r.runner_type = 2
 $WHERE
