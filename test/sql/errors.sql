-- errors: every refusal of the ownership invariants, with its SQLSTATE,
-- message, DETAIL and HINT (doc/errors.md), and what is left afterwards.
-- pgTAP (test/pgtap) tries each one as superuser and as a plain role; this
-- file pins the words a user reads.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET search_path = pg_catalog;

BEGIN;
INSERT INTO runner_policy.users (id, username) VALUES (1, 'alice');
INSERT INTO runner_policy.namespaces (id, parent_id, name) VALUES
	(1, NULL, 'acme'), (2, 1, 'platform');
INSERT INTO runner_policy.projects (id, namespace_id, name) VALUES
	(10, 2, 'api'), (11, 1, 'web');
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description) VALUES
	(100, 3, 10, 'api runner'), (101, 2, 2, 'platform runner'), (102, 1, NULL, 'shared');
SAVEPOINT fixture;

-- The owner link is made with the runner.
SELECT runner_id, project_id FROM runner_policy.ci_runner_projects ORDER BY 1, 2;
SELECT runner_id, namespace_id FROM runner_policy.ci_runner_namespaces ORDER BY 1, 2;

-- runner_type and sharding_key_id never change.
UPDATE runner_policy.ci_runners SET runner_type = 2 WHERE id = 100;
ROLLBACK TO fixture;
UPDATE runner_policy.ci_runners SET sharding_key_id = 11 WHERE id = 100;
ROLLBACK TO fixture;
UPDATE runner_policy.ci_runners SET sharding_key_id = NULL WHERE id = 100;
ROLLBACK TO fixture;
UPDATE runner_policy.ci_runners SET sharding_key_id = 1 WHERE id = 101;
ROLLBACK TO fixture;
UPDATE runner_policy.ci_runners SET sharding_key_id = 10 WHERE id = 102;
ROLLBACK TO fixture;

-- The owner link stays.
DELETE FROM runner_policy.ci_runner_projects WHERE runner_id = 100 AND project_id = 10;
ROLLBACK TO fixture;
UPDATE runner_policy.ci_runner_projects SET project_id = 11 WHERE runner_id = 100;
ROLLBACK TO fixture;
DELETE FROM runner_policy.ci_runner_namespaces WHERE runner_id = 101;
ROLLBACK TO fixture;

-- Only project runners get project links; a group runner has exactly its namespace.
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (101, 11);
ROLLBACK TO fixture;
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (102, 11);
ROLLBACK TO fixture;
INSERT INTO runner_policy.ci_runner_namespaces (runner_id, namespace_id) VALUES (100, 2);
ROLLBACK TO fixture;
INSERT INTO runner_policy.ci_runner_namespaces (runner_id, namespace_id) VALUES (101, 1);
ROLLBACK TO fixture;

-- Duplicates.
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (100, 10);
ROLLBACK TO fixture;
INSERT INTO runner_policy.ci_runner_namespaces (runner_id, namespace_id) VALUES (101, 2);
ROLLBACK TO fixture;

-- Malformed input and unknown ids.
INSERT INTO runner_policy.ci_runners (id, runner_type) VALUES (200, NULL);
ROLLBACK TO fixture;
INSERT INTO runner_policy.ci_runners (id, runner_type) VALUES (200, 7);
ROLLBACK TO fixture;
INSERT INTO runner_policy.ci_runners (id, runner_type) VALUES (200, 3);
ROLLBACK TO fixture;
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id) VALUES (200, 3, -10);
ROLLBACK TO fixture;
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id) VALUES (200, 3, 999);
ROLLBACK TO fixture;
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id) VALUES (200, 2, 999);
ROLLBACK TO fixture;
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id) VALUES (200, 1, 10);
ROLLBACK TO fixture;
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (NULL, 11);
ROLLBACK TO fixture;
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (100, NULL);
ROLLBACK TO fixture;
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (-100, 11);
ROLLBACK TO fixture;
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (999, 11);
ROLLBACK TO fixture;
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (100, 999);
ROLLBACK TO fixture;
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (10, 1, 35);
ROLLBACK TO fixture;
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level) VALUES (1, 1, NULL);
ROLLBACK TO fixture;

-- A role subject to row-level security with no actor set: the refusal row
-- level security gives, and a HINT that says no actor is set (naming
-- nothing); with an actor that may not write, the bare refusal.
CREATE ROLE regress_errors_app;
GRANT USAGE ON SCHEMA runner_policy TO regress_errors_app;
GRANT SELECT, INSERT ON runner_policy.ci_runner_projects, runner_policy.users TO regress_errors_app;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO regress_errors_app;
SAVEPOINT app;
SET ROLE regress_errors_app;
INSERT INTO runner_policy.users (username) VALUES ('mallory');
ROLLBACK TO app;
SET ROLE regress_errors_app;
SELECT runner_policy.act_as(1) AS acting;
INSERT INTO runner_policy.users (username) VALUES ('mallory');
ROLLBACK TO fixture;

-- Refused writes changed nothing.
SELECT id, runner_type, sharding_key_id, description FROM runner_policy.ci_runners ORDER BY id;
SELECT runner_id, project_id FROM runner_policy.ci_runner_projects ORDER BY 1, 2;
SELECT runner_id, namespace_id FROM runner_policy.ci_runner_namespaces ORDER BY 1, 2;
SELECT count(*) AS members FROM runner_policy.project_members;
SELECT * FROM runner_policy.check_invariants();
ROLLBACK;
