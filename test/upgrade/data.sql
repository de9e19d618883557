-- test/upgrade/data.sql: a small forge with a row in every table, loaded
-- into a database at each older version before it is upgraded.  Only
-- statements and functions of 1.0, so it loads at every version.
SET search_path = pg_catalog;
INSERT INTO runner_policy.users (id, username, admin) VALUES
	(1, 'root', true), (2, 'alice', false), (3, 'bob', false);
INSERT INTO runner_policy.namespaces (id, parent_id, name, visibility) VALUES
	(10, NULL, 'acme', 'internal'), (11, 10, 'platform', 'private'),
	(12, 11, 'ci', 'private'), (20, NULL, 'other', 'public');
INSERT INTO runner_policy.projects (id, namespace_id, name) VALUES
	(100, 12, 'api'), (101, 11, 'web'), (102, 20, 'tools'), (103, 10, 'docs');
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES
	(100, 2, 40), (102, 3, 50);
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level) VALUES
	(11, 2, 30);
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description, created_by_id) VALUES
	(1000, 1, NULL, 'shared', 1),
	(1001, 2, 11, 'platform', 2),
	(1002, 3, 100, 'api', 2),
	(1003, 3, 102, 'tools', 3);
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES
	(1002, 101), (1002, 103);
INSERT INTO runner_policy.ci_builds (id, project_id, runner_id, user_id, status) VALUES
	(5000, 103, 1002, 2, 'success'),
	(5001, 100, 1002, 2, 'running'),
	(5002, 102, 1003, 3, 'success');
INSERT INTO runner_policy.ci_job_token_scope_links (source_project_id, target_project_id) VALUES
	(100, 101);
-- a runner registered and deleted again: where the version keeps an audit
-- log, its entries are of a deleted object after the upgrade
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description, created_by_id) VALUES
	(1004, 3, 103, 'gone', 3);
DELETE FROM runner_policy.ci_runners WHERE id = 1004;
