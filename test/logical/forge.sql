-- test/logical/forge.sql: the same forge in the publisher's and the
-- subscriber's database (copy_data = false: the subscription replicates
-- only the changes made after it).
INSERT INTO runner_policy.users (id, username, admin) VALUES
	(1, 'root', true), (2, 'maintainer', false), (3, 'blocked later', false),
	(4, 'linked maintainer', false), (5, 'group maintainer', false);
INSERT INTO runner_policy.namespaces (id, name) VALUES (10, 'acme'), (11, 'other');
INSERT INTO runner_policy.projects (id, namespace_id, name) VALUES
	(100, 10, 'api'), (101, 11, 'web'), (102, 11, 'docs');
-- 2 maintains 100; 3 maintains group 10 (and so 100); 4 maintains 101;
-- 5 maintains group 11 (and so 101 and 102)
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES
	(100, 2, 40), (101, 4, 40);
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level) VALUES
	(10, 3, 40), (11, 5, 40);
-- project runners: 1001 of 100, also linked to 101 (link 50); 1002 of 101;
-- 1003 of 102
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description) VALUES
	(1001, 3, 100, 'api runner'), (1002, 3, 101, 'web runner'), (1003, 3, 102, 'docs runner');
INSERT INTO runner_policy.ci_runner_projects (id, runner_id, project_id) VALUES (50, 1001, 101);
-- regress_logical_app is made once for the cluster, by test/logical/run
GRANT USAGE ON SCHEMA runner_policy TO regress_logical_app;
GRANT SELECT ON ALL TABLES IN SCHEMA runner_policy TO regress_logical_app;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO regress_logical_app;
