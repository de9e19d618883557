-- test/citus/fixture.sql: the forge both databases hold, loaded the same way
-- into the single node and, before runner_policy.citus_distribute(), into
-- the Citus coordinator (a legacy load as the tables' owner: ids and times
-- as given).
--
-- users: 1 admin, 2 auditor, 3 maintainer of 100 (and reporter of 102),
-- 4 developer of 100, 5 owner of group 10, 6 no memberships, 7 maintainer
-- of 300 projects, 8 developer of 101 (the jobs' user), 9 blocked
INSERT INTO runner_policy.users (id, username, admin, auditor, state, created_at) VALUES
	(1, 'root', true, false, 'active', '2024-01-01'),
	(2, 'auditor', false, true, 'active', '2024-01-01'),
	(3, 'maint', false, false, 'active', '2024-01-01'),
	(4, 'dev', false, false, 'active', '2024-01-01'),
	(5, 'gowner', false, false, 'active', '2024-01-01'),
	(6, 'nobody', false, false, 'active', '2024-01-01'),
	(7, 'many', false, false, 'active', '2024-01-01'),
	(8, 'jobuser', false, false, 'active', '2024-01-01'),
	(9, 'blocked', false, false, 'blocked', '2024-01-01');

-- namespaces: 10 acme (private) > 11 backend (internal) > 14 deep (private);
-- 12 open (public); 13 big (private, 300 projects)
INSERT INTO runner_policy.namespaces (id, parent_id, name, visibility, traversal_ids, created_at) VALUES
	(10, NULL, 'acme', 'private', '{10}', '2024-01-01'),
	(11, 10, 'backend', 'internal', '{10,11}', '2024-01-01'),
	(12, NULL, 'open', 'public', '{12}', '2024-01-01'),
	(13, NULL, 'big', 'private', '{13}', '2024-01-01'),
	(14, 11, 'deep', 'private', '{10,11,14}', '2024-01-01');

INSERT INTO runner_policy.projects (id, namespace_id, name, visibility, shared_runners_enabled, created_at) VALUES
	(100, 11, 'api', 'private', true, '2024-01-01'),
	(101, 10, 'web', 'internal', true, '2024-01-01'),
	(102, 12, 'docs', 'public', false, '2024-01-01'),
	(103, 12, 'secret', 'private', true, '2024-01-01'),
	(104, 14, 'core', 'private', true, '2024-01-01');
INSERT INTO runner_policy.projects (id, namespace_id, name, visibility, shared_runners_enabled, created_at)
	SELECT g, 13, 'p' || g, 'private', g % 3 <> 0, '2024-01-01' FROM generate_series(1000, 1299) g;

INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES
	(100, 3, 40), (100, 4, 30), (102, 3, 20), (101, 8, 30), (100, 8, 20);
INSERT INTO runner_policy.project_members (project_id, user_id, access_level)
	SELECT g, 7, 40 FROM generate_series(1000, 1299) g;
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level) VALUES
	(10, 5, 50), (12, 4, 10);

-- job tokens of 101 may reach 100
INSERT INTO runner_policy.ci_job_token_scope_links (source_project_id, target_project_id, created_at) VALUES
	(101, 100, '2024-01-01');

-- runners: 1 instance; 2, 3 group (acme, open); project runners 4 (api),
-- 5 (web, linked to api too), 6 (secret), 8 (docs), 9 (api, locked);
-- 2000.. project runners of the big group, some linked to more projects
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description, locked, contacted_at, created_by_id, created_at) VALUES
	(1, 1, NULL, 'shared', false, now(), 1, '2024-01-01'),
	(2, 2, 10, 'acme group', false, NULL, 1, '2024-01-01'),
	(3, 2, 12, 'open group', false, now() - interval '3 hours', 1, '2024-01-01'),
	(4, 3, 100, 'api', false, now(), 3, '2024-01-01'),
	(5, 3, 101, 'web', false, NULL, 1, '2024-01-01'),
	(6, 3, 103, 'secret', false, NULL, 1, '2024-01-01'),
	(8, 3, 102, 'docs', false, NULL, 1, '2024-01-01'),
	(9, 3, 100, 'api locked', true, NULL, 3, '2024-01-01');
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description, created_by_id, created_at)
	SELECT g, 3, 1000 + (g % 300), 'big ' || g, 7, '2024-01-01' FROM generate_series(2000, 2399) g;
-- the owner links (and the group runners' namespace links) are made by the
-- extension with the runners; these are the other projects' links
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id, created_at) VALUES
	(5, 100, '2024-01-01');
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id, created_at)
	SELECT g, 1000 + ((g + 7) % 300), '2024-01-01' FROM generate_series(2000, 2399, 4) g;
-- a runner of the big group linked to a project outside it
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id, created_at) VALUES
	(2003, 103, '2024-01-01');

-- jobs: 5001 running on runner 4 for user 8 in project 101 (the job token's),
-- pending and finished jobs all over
INSERT INTO runner_policy.ci_builds (id, project_id, runner_id, user_id, status, created_at) VALUES
	(5001, 101, 4, 8, 'running', '2024-01-01'),
	(5002, 100, NULL, 4, 'pending', '2024-01-01'),
	(5003, 100, 4, 4, 'success', '2024-01-01'),
	(5004, 102, NULL, 3, 'pending', '2024-01-01'),
	(5005, 103, 6, 1, 'running', '2024-01-01'),
	(5006, 104, NULL, 5, 'pending', '2024-01-01'),
	(5007, 101, NULL, 8, 'created', '2024-01-01');
INSERT INTO runner_policy.ci_builds (id, project_id, runner_id, user_id, status, created_at)
	SELECT 6000 + g, 1000 + (g % 300),
		   CASE WHEN g % 5 = 0 THEN 2000 + (g % 400) END, 7,
		   (ARRAY['pending', 'running', 'success', 'failed', 'canceled'])[1 + g % 5],
		   '2024-01-01'
	  FROM generate_series(0, 1999) g;

SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence('runner_policy.' || t, 'id'), 100000)
  FROM unnest(ARRAY['users', 'namespaces', 'projects', 'ci_runners', 'ci_runner_projects',
					'ci_runner_namespaces', 'ci_builds', 'tokens']) t;

GRANT USAGE ON SCHEMA runner_policy TO regress_forge;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA runner_policy TO regress_forge;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA runner_policy TO regress_forge;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO regress_forge;
GRANT EXECUTE ON FUNCTION runner_policy.issue_job_token(bigint, text[]) TO regress_forge;
