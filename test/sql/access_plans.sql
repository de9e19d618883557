-- access_plans: runner_access filtered by runner or by user is an index
-- scan and a nested loop over the candidates, never all users x all
-- runners (doc/auditing.md).  access_candidate()'s planner support makes it
-- an index condition on either side.
\set VERBOSITY terse
SET client_min_messages = warning;

-- Enough rows that a scan of a whole table would cost more than an index.
INSERT INTO runner_policy.users (id, username, admin)
	SELECT g, 'regress_access_u' || g, g = 1 FROM generate_series(1, 2000) g;
INSERT INTO runner_policy.namespaces (id, parent_id, name, visibility)
	SELECT g, NULL, 'g' || g, 'private' FROM generate_series(1, 20) g;
INSERT INTO runner_policy.projects (id, namespace_id, name, visibility, shared_runners_enabled)
	SELECT g, 1 + g % 20, 'p' || g, 'private', true FROM generate_series(1, 200) g;
INSERT INTO runner_policy.project_members (project_id, user_id, access_level)
	SELECT 1 + g % 200, g, 40 FROM generate_series(2, 2000) g;
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id)
	SELECT g, 3, 1 + g % 200 FROM generate_series(1, 3000) g;
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id)
	VALUES (5001, 1, NULL), (5002, 2, 5);
-- Two runners linked to every project: nobody may link them any more, not
-- even an administrator (runner 7 is decided by its own links, runner 2500
-- by the one count over all links that takes over past 100 runners).
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id)
	SELECT r, p FROM unnest(ARRAY[7, 2500]) r, generate_series(1, 200) p
	 WHERE p <> 1 + r % 200;	-- the owner link is there
ANALYZE runner_policy.users, runner_policy.ci_runners, runner_policy.project_members,
	runner_policy.ci_runner_projects;

-- Filtered by runner: the runner by its key, then its candidate users.
EXPLAIN (COSTS OFF) SELECT * FROM runner_policy.runner_access WHERE runner_id = 42;
-- Filtered by user: the user by its key, then its candidate runners.
EXPLAIN (COSTS OFF) SELECT * FROM runner_policy.runner_access WHERE user_id = 42;
-- Both, and by action.
EXPLAIN (COSTS OFF) SELECT * FROM runner_policy.runner_access
 WHERE runner_id = 42 AND action = 'update';

-- And the answers (as a superuser with no actor, a DBA).
SELECT * FROM runner_policy.runner_access WHERE runner_id = 42 ORDER BY user_id, action;
SELECT action, count(*) FROM runner_policy.runner_access WHERE user_id = 42 GROUP BY 1 ORDER BY 1;
SELECT count(*) AS instance_runner_users FROM runner_policy.runner_access
 WHERE runner_id = 5001 AND action = 'read';
SELECT count(*) AS admin_rows FROM runner_policy.runner_access WHERE user_id = 1;
SELECT runner_id, array_agg(action ORDER BY action) FROM runner_policy.runner_access
 WHERE user_id = 1 AND runner_id IN (6, 7, 2499, 2500) GROUP BY 1 ORDER BY 1;
SELECT count(*) AS links_to_runner_2500 FROM runner_policy.runner_access
 WHERE runner_id = 2500 AND action = 'link';

-- Empty the tables again (their delete guards want an owner-less order).
DELETE FROM runner_policy.ci_runners;
DELETE FROM runner_policy.projects;
DELETE FROM runner_policy.namespaces;
DELETE FROM runner_policy.users;
