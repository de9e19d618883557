-- truncate: TRUNCATE skips row triggers, so a guard refuses one that would
-- leave runners without their owner or owner link.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET search_path = pg_catalog;

BEGIN;
INSERT INTO runner_policy.namespaces (id, parent_id, name) VALUES (1, NULL, 'acme');
INSERT INTO runner_policy.projects (id, namespace_id, name) VALUES (10, 1, 'api');
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id) VALUES (100, 3, 10), (101, 2, 1);
SAVEPOINT fixture;
TRUNCATE runner_policy.ci_runner_projects;
ROLLBACK TO fixture;
TRUNCATE runner_policy.ci_runner_namespaces;
ROLLBACK TO fixture;
TRUNCATE runner_policy.projects CASCADE;
ROLLBACK TO fixture;
SELECT count(*) AS runners, (SELECT count(*) FROM runner_policy.ci_runner_projects) AS links
  FROM runner_policy.ci_runners;
-- With the runners in the same command, the tables may be emptied.
TRUNCATE runner_policy.ci_runners, runner_policy.ci_runner_projects,
	runner_policy.ci_runner_namespaces, runner_policy.ci_builds, runner_policy.tokens;
SELECT count(*) AS runners FROM runner_policy.ci_runners;
TRUNCATE runner_policy.namespaces CASCADE;
SELECT count(*) AS projects FROM runner_policy.projects;
ROLLBACK;
