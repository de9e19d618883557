-- demo/demo.sql: the runner_policy walk-through, run by demo/run.
--
-- demo/run gives psql --echo-queries and ON_ERROR_STOP=1.  A statement that
-- is meant to fail sits between "\set ON_ERROR_STOP 0" and
-- "\set ON_ERROR_STOP 1", so any other error still stops the demo; then
-- expect_error.psql prints its SQLSTATE and stops the demo if it did not
-- fail with the SQLSTATE in :expect.
--
-- Sections are numbered; each starts with an \echo heading.  Ids are given
-- explicitly so that the output is the same on every run.

\set QUIET on
\pset null '(null)'
\set QUIET off
\set VERBOSITY default
\set SHOW_CONTEXT never

\echo
\echo '=============================================================='
\echo ' 1. A small forge: users, nested groups, projects'
\echo '=============================================================='
\echo
\echo 'Groups nest through parent_id; the extension fills in traversal_ids'
\echo '(the path from the root group down), which we never write ourselves.'
\echo

INSERT INTO runner_policy.users (id, username, admin) VALUES
	(1, 'root', true),
	(2, 'alice', false),
	(3, 'bob', false);

INSERT INTO runner_policy.namespaces (id, parent_id, name) VALUES
	(10, NULL, 'acme'),
	(11, 10, 'backend'),
	(12, 11, 'services'),
	(20, NULL, 'labs');

SELECT id, parent_id, name, traversal_ids
  FROM runner_policy.namespaces ORDER BY id;

INSERT INTO runner_policy.projects (id, namespace_id, name, visibility) VALUES
	(100, 12, 'api',    'private'),
	(101, 11, 'web',    'internal'),
	(102, 10, 'docs',   'public'),
	(103, 20, 'legacy', 'private');

SELECT p.id, p.name, n.name AS namespace, n.traversal_ids, p.visibility
  FROM runner_policy.projects p
  JOIN runner_policy.namespaces n ON n.id = p.namespace_id
 ORDER BY p.id;

INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level) VALUES
	(10, 2, 50);
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES
	(101, 3, 40);

\echo
\echo '=============================================================='
\echo ' 2. Registering a project runner links it to its owner at once'
\echo '=============================================================='
\echo
\echo 'Runner 1 is a project runner (runner_type 3) of project 100 "api".'
\echo 'We insert only the runner; its owner link appears in the same statement.'
\echo

INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description, created_by_id)
VALUES (1, 3, 100, 'api runner', 2);

SELECT id, runner_type, sharding_key_id, description
  FROM runner_policy.ci_runners ORDER BY id;
SELECT runner_id, project_id
  FROM runner_policy.ci_runner_projects ORDER BY runner_id, project_id;

\echo
\echo '=============================================================='
\echo ' 3. A project runner belongs to its owner project for life'
\echo '=============================================================='
\echo
\echo 'Giving runner 1 to project 101 is refused (check_violation, 23514):'
\echo

\set expect 23514
\set ON_ERROR_STOP 0
UPDATE runner_policy.ci_runners SET sharding_key_id = 101 WHERE id = 1;
\set ON_ERROR_STOP 1
\ir expect_error.psql

\echo
\echo 'Nothing changed:'
\echo

SELECT id, runner_type, sharding_key_id, description
  FROM runner_policy.ci_runners ORDER BY id;
SELECT runner_id, project_id
  FROM runner_policy.ci_runner_projects ORDER BY runner_id, project_id;

\echo
\echo '=============================================================='
\echo ' 4. Other projects subscribe; the owner link stays'
\echo '=============================================================='
\echo
\echo 'Project 101 "web" subscribes to runner 1:'
\echo

INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1, 101);

SELECT runner_id, project_id
  FROM runner_policy.ci_runner_projects ORDER BY runner_id, project_id;

\echo
\echo 'Removing the owner link (runner 1, project 100) is refused:'
\echo

\set expect 23514
\set ON_ERROR_STOP 0
DELETE FROM runner_policy.ci_runner_projects WHERE runner_id = 1 AND project_id = 100;
\set ON_ERROR_STOP 1
\ir expect_error.psql

\echo
\echo 'Unsubscribing project 101 is allowed:'
\echo

DELETE FROM runner_policy.ci_runner_projects WHERE runner_id = 1 AND project_id = 101;

SELECT runner_id, project_id
  FROM runner_policy.ci_runner_projects ORDER BY runner_id, project_id;

\echo
\echo '=============================================================='
\echo ' 5. A group runner has exactly its owner namespace'
\echo '=============================================================='
\echo
\echo 'Runner 2 is a group runner (runner_type 2) of group 10 "acme";'
\echo 'its ci_runner_namespaces row is made with it.'
\echo

INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description, created_by_id)
VALUES (2, 2, 10, 'acme group runner', 2);

SELECT id, runner_type, sharding_key_id, description
  FROM runner_policy.ci_runners ORDER BY id;
SELECT runner_id, namespace_id
  FROM runner_policy.ci_runner_namespaces ORDER BY runner_id;

\echo
\echo 'Linking a group runner to a project is refused:'
\echo

\set expect 23514
\set ON_ERROR_STOP 0
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (2, 102);
\set ON_ERROR_STOP 1
\ir expect_error.psql

SELECT runner_id, project_id
  FROM runner_policy.ci_runner_projects ORDER BY runner_id, project_id;

\echo
\echo '=============================================================='
\echo ' 6. Deleting projects: a subscriber versus the owner'
\echo '=============================================================='
\echo
\echo 'Projects 101 "web" and 102 "docs" subscribe to runner 1, and job 1000'
\echo 'of project 102 ran on it.'
\echo

INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES
	(1, 101),
	(1, 102);
INSERT INTO runner_policy.ci_builds (id, project_id, runner_id, user_id, status)
VALUES (1000, 102, 1, 3, 'success');

SELECT runner_id, project_id
  FROM runner_policy.ci_runner_projects ORDER BY runner_id, project_id;
SELECT id, project_id, runner_id, user_id, status
  FROM runner_policy.ci_builds ORDER BY id;

\echo
\echo 'Deleting subscriber project 101: only its link goes, the runner stays.'
\echo

DELETE FROM runner_policy.projects WHERE id = 101;

SELECT id, runner_type, sharding_key_id, description
  FROM runner_policy.ci_runners ORDER BY id;
SELECT runner_id, project_id
  FROM runner_policy.ci_runner_projects ORDER BY runner_id, project_id;

\echo
\echo 'Deleting owner project 100: runner 1 and all its links go with it;'
\echo 'job 1000 of project 102 keeps its history, with runner_id NULL.'
\echo

DELETE FROM runner_policy.projects WHERE id = 100;

SELECT id, runner_type, sharding_key_id, description
  FROM runner_policy.ci_runners ORDER BY id;
SELECT runner_id, project_id
  FROM runner_policy.ci_runner_projects ORDER BY runner_id, project_id;
SELECT id, project_id, runner_id, user_id, status
  FROM runner_policy.ci_builds ORDER BY id;

\echo
\echo '=============================================================='
\echo ' 7. Moving a group moves its whole subtree'
\echo '=============================================================='
\echo
\echo 'Group 11 "backend" (with its subgroup 12 "services") moves under 20 "labs";'
\echo 'traversal_ids of the whole subtree follow.'
\echo

UPDATE runner_policy.namespaces SET parent_id = 20 WHERE id = 11;

SELECT id, parent_id, name, traversal_ids
  FROM runner_policy.namespaces ORDER BY id;

\echo
\echo 'Moving group 20 "labs" under its own subgroup 12 would make a cycle:'
\echo

\set expect 23514
\set ON_ERROR_STOP 0
UPDATE runner_policy.namespaces SET parent_id = 12 WHERE id = 20;
\set ON_ERROR_STOP 1
\ir expect_error.psql

SELECT id, parent_id, name, traversal_ids
  FROM runner_policy.namespaces ORDER BY id;

\echo
\echo '=============================================================='
\echo ' 8. Repairing a legacy load'
\echo '=============================================================='
\echo
\echo 'A data-only restore of an old forge runs with triggers off, so its rows'
\echo 'may break the rules: project runners 50 and 51 come without an owner.'
\echo 'Runner 50 was linked to project 103 first, then to 102; runner 51 has no links.'
\echo

SET session_replication_role = replica;
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description) VALUES
	(50, 3, NULL, 'legacy runner, two links'),
	(51, 3, NULL, 'legacy runner, no links');
INSERT INTO runner_policy.ci_runner_projects (id, runner_id, project_id) VALUES
	(500, 50, 103),
	(501, 50, 102);
RESET session_replication_role;

SELECT id, runner_type, sharding_key_id, description
  FROM runner_policy.ci_runners ORDER BY id;
SELECT id, runner_id, project_id
  FROM runner_policy.ci_runner_projects ORDER BY id;

\echo
\echo 'check_invariants() lists what is wrong:'
\echo

SELECT * FROM runner_policy.check_invariants();

\echo
\echo 'backfill_owners() gives each owner-less project runner its first linked'
\echo 'project (lowest ci_runner_projects.id), and reports what it could not place:'
\echo

SELECT * FROM runner_policy.backfill_owners();

SELECT id, runner_type, sharding_key_id, description
  FROM runner_policy.ci_runners ORDER BY id;

\echo
\echo 'Only the runner with no links is left; it serves no project, so delete it.'
\echo

SELECT * FROM runner_policy.check_invariants();

DELETE FROM runner_policy.ci_runners WHERE id = 51;

SELECT * FROM runner_policy.check_invariants();
