-- bench/access_data.sql: runner_access at forge scale, as a superuser on an
-- empty database with the extension: 100k users, 1k groups, 50k projects,
-- 1M runners (990k project, 9.9k group, 100 instance), 200k members.
SET client_min_messages = warning;
ALTER TABLE runner_policy.ci_runners DISABLE TRIGGER USER;
ALTER TABLE runner_policy.ci_runner_projects DISABLE TRIGGER USER;
ALTER TABLE runner_policy.project_members DISABLE TRIGGER USER;
ALTER TABLE runner_policy.group_members DISABLE TRIGGER USER;
INSERT INTO runner_policy.users (id, username, admin, auditor)
	SELECT g, 'u' || g, g <= 5, g BETWEEN 6 AND 10 FROM generate_series(1, 100000) g;
INSERT INTO runner_policy.namespaces (id, parent_id, name, visibility)
	SELECT g, NULL, 'g' || g, 'private' FROM generate_series(1, 1000) g;
INSERT INTO runner_policy.projects (id, namespace_id, name, visibility, shared_runners_enabled)
	SELECT g, 1 + g % 1000, 'p' || g, 'private', true FROM generate_series(1, 50000) g;
INSERT INTO runner_policy.project_members (project_id, user_id, access_level)
	SELECT 1 + g % 50000, g, (ARRAY[10, 20, 30, 40, 50])[1 + g % 5] FROM generate_series(11, 100000) g;
INSERT INTO runner_policy.project_members (project_id, user_id, access_level)
	SELECT 1 + (g * 7) % 50000, g, 40 FROM generate_series(11, 100000) g
	ON CONFLICT DO NOTHING;
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level)
	SELECT 1 + g % 1000, g, (ARRAY[10, 40, 50])[1 + g % 3] FROM generate_series(11, 20000) g;
-- a heavy user: maintainer of 2,000 projects
INSERT INTO runner_policy.project_members (project_id, user_id, access_level)
	SELECT g, 99999, 40 FROM generate_series(1, 2000) g ON CONFLICT DO NOTHING;
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id)
	SELECT g, CASE WHEN g <= 100 THEN 1 WHEN g <= 10000 THEN 2 ELSE 3 END,
		   CASE WHEN g <= 100 THEN NULL WHEN g <= 10000 THEN 1 + g % 1000 ELSE 1 + g % 50000 END
	  FROM generate_series(1, 1000000) g;
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id)
	SELECT g, 1 + g % 50000 FROM generate_series(10001, 1000000) g;
ALTER TABLE runner_policy.ci_runners ENABLE TRIGGER USER;
ALTER TABLE runner_policy.ci_runner_projects ENABLE TRIGGER USER;
ALTER TABLE runner_policy.project_members ENABLE TRIGGER USER;
ALTER TABLE runner_policy.group_members ENABLE TRIGGER USER;
VACUUM ANALYZE;
