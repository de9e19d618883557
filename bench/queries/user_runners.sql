/*
 * A user's runners, by hand: what a forge without row-level security would
 * write for the user $USER (bench/cases.sql puts in user 3, the maintainer
 * of 20 projects, and user 4, the heavy user), returning the rows
 * doc/permissions.md lets a user read:
 *   - every instance runner;
 *   - the group runners of each group G such that the user is maintainer+
 *     of G or of an ancestor of G (G in the subtree of a group it
 *     maintains), or of a project anywhere in G's subtree (G an ancestor of
 *     the namespace of a project it maintains);
 *   - the project runners linked to a project it maintains, directly or
 *     through a group above the project.
 * bench/verify.sql checks that it returns exactly the rows the policies
 * return.
 *
 * Written to be fast, so that the ratio is not flattered: the id sets are
 * collected once into arrays (InitPlans) and every runner arm is an index
 * scan on "= ANY (array)".  The same join with plain CTEs and IN (...)
 * was about 4 times slower at 100k runners (the planner could not
 * estimate the CTEs and scanned every ci_runner_projects row).
 */
WITH mine AS MATERIALIZED (
	SELECT g.groups,
		   ARRAY(SELECT pm.project_id
				   FROM runner_policy.project_members pm
				  WHERE pm.user_id = $USER AND pm.access_level >= 40
				 UNION
				 SELECT p.id
				   FROM runner_policy.projects p
				   JOIN runner_policy.namespaces n ON n.id = p.namespace_id
				  WHERE n.traversal_ids && g.groups) AS projects
	  FROM (SELECT ARRAY(SELECT gm.namespace_id
						   FROM runner_policy.group_members gm
						  WHERE gm.user_id = $USER AND gm.access_level >= 40) AS groups) AS g
)
SELECT r.* FROM runner_policy.ci_runners r
 WHERE r.runner_type = 1
UNION ALL
SELECT r.* FROM runner_policy.ci_runners r
 WHERE r.runner_type = 2
   AND r.sharding_key_id = ANY (ARRAY(
		SELECT n.id
		  FROM runner_policy.namespaces n
		 WHERE n.traversal_ids && (SELECT groups FROM mine)
		UNION
		SELECT unnest(n.traversal_ids)
		  FROM runner_policy.projects p
		  JOIN runner_policy.namespaces n ON n.id = p.namespace_id
		 WHERE p.id = ANY ((SELECT projects FROM mine)::bigint[])))
UNION ALL
SELECT r.* FROM runner_policy.ci_runners r
 WHERE r.runner_type = 3
   AND r.id = ANY (ARRAY(
		SELECT rp.runner_id
		  FROM runner_policy.ci_runner_projects rp
		 WHERE rp.project_id = ANY ((SELECT projects FROM mine)::bigint[])))
