-- test/pooler/fixture.sql: a small forge, and the roles of the README's
-- "Roles" section (named regress_pooler_*), for the pooler tests.
INSERT INTO runner_policy.users (id, username, admin) VALUES (1, 'root', true), (2, 'developer', false);
INSERT INTO runner_policy.namespaces (id, name) VALUES (10, 'acme');
INSERT INTO runner_policy.projects (id, namespace_id, name) VALUES (100, 10, 'api'), (101, 10, 'web');
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description) VALUES
	(1000, 1, NULL, 'shared'), (1001, 3, 100, 'api runner'), (1002, 3, 101, 'web runner');

-- the forge's application role: ordinary table privileges, and the right to name its user
CREATE ROLE regress_pooler_app LOGIN;
GRANT USAGE ON SCHEMA runner_policy TO regress_pooler_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA runner_policy TO regress_pooler_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA runner_policy TO regress_pooler_app;
GRANT SELECT ON runner_policy.runner_queue_status TO regress_pooler_app;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO regress_pooler_app;

-- a read-only dashboard: it authenticates with an instance read token
CREATE ROLE regress_pooler_dashboard LOGIN;
GRANT USAGE ON SCHEMA runner_policy TO regress_pooler_dashboard;
GRANT SELECT ON ALL TABLES IN SCHEMA runner_policy TO regress_pooler_dashboard;
GRANT SELECT ON runner_policy.runner_queue_status TO regress_pooler_dashboard;
