-- test/standby/primary.sql: data written on the primary, read on the standby.
INSERT INTO runner_policy.users (id, username, admin) VALUES (1, 'root', true), (2, 'maintainer', false);
INSERT INTO runner_policy.namespaces (id, name) VALUES (10, 'acme');
INSERT INTO runner_policy.projects (id, namespace_id, name) VALUES (100, 10, 'api'), (101, 10, 'web');
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (100, 2, 40);
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description) VALUES
	(1000, 1, NULL, 'shared'), (1001, 3, 100, 'api runner'), (1002, 3, 101, 'web runner');
INSERT INTO runner_policy.ci_builds (id, project_id, user_id, status) VALUES
	(5000, 100, 2, 'pending'), (5001, 101, 1, 'running');
CREATE ROLE regress_standby_app LOGIN;
GRANT USAGE ON SCHEMA runner_policy TO regress_standby_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA runner_policy TO regress_standby_app;
GRANT SELECT ON runner_policy.runner_queue_status TO regress_standby_app;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO regress_standby_app;
SELECT runner_policy.act_as(1, false);
-- Auditing: the log, verify_audit_log() and runner_ownership on the standby.
GRANT SELECT ON runner_policy.audit_log, runner_policy.runner_ownership TO regress_standby_app;
GRANT EXECUTE ON FUNCTION runner_policy.verify_audit_log() TO regress_standby_app;
-- The decision cache: users whose rights the primary changes
-- while a standby session acts for them (the end of standby.sql).
INSERT INTO runner_policy.users (id, username) VALUES (4, 'kept'), (5, 'blocked later');
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (101, 4, 40);
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level) VALUES (10, 5, 40);
