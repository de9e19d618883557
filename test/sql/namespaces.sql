-- namespaces: traversal_ids is kept right on insert and move, cannot be set
-- by hand, and a group cannot move into its own subtree.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET search_path = pg_catalog;

BEGIN;
INSERT INTO runner_policy.namespaces (id, parent_id, name) VALUES
	(1, NULL, 'acme'), (2, 1, 'platform'), (3, 2, 'ci'), (4, 3, 'tools'),
	(5, NULL, 'other'), (6, 1, 'web');
SELECT id, parent_id, traversal_ids FROM runner_policy.namespaces ORDER BY id;

-- A move carries the whole subtree along.
UPDATE runner_policy.namespaces SET parent_id = 5 WHERE id = 2;
SELECT id, parent_id, traversal_ids FROM runner_policy.namespaces ORDER BY id;

-- Back to the root, and a move of several groups in one statement.
UPDATE runner_policy.namespaces SET parent_id = NULL WHERE id = 2;
UPDATE runner_policy.namespaces SET parent_id = 6 WHERE id IN (2, 5);
SELECT id, parent_id, traversal_ids FROM runner_policy.namespaces ORDER BY id;

-- traversal_ids written by hand is recomputed.
UPDATE runner_policy.namespaces SET traversal_ids = '{42}' WHERE id = 4;
INSERT INTO runner_policy.namespaces (id, parent_id, name, traversal_ids)
	VALUES (7, 4, 'forged', '{7}');
SELECT id, traversal_ids FROM runner_policy.namespaces WHERE id IN (4, 7) ORDER BY id;

SAVEPOINT tree;
-- No cycles, no unknown parent.
UPDATE runner_policy.namespaces SET parent_id = 4 WHERE id = 2;
ROLLBACK TO tree;
UPDATE runner_policy.namespaces SET parent_id = 3 WHERE id = 3;
ROLLBACK TO tree;
INSERT INTO runner_policy.namespaces (id, parent_id, name) VALUES (8, 999, 'orphan');
ROLLBACK TO tree;
SELECT id, parent_id, traversal_ids FROM runner_policy.namespaces ORDER BY id;

-- Deleting a group deletes its subgroups, their projects and group runners.
INSERT INTO runner_policy.projects (id, namespace_id, name) VALUES (10, 4, 'deep');
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id) VALUES
	(100, 2, 3), (101, 3, 10), (102, 2, 1);
DELETE FROM runner_policy.namespaces WHERE id = 2;
SELECT id, traversal_ids FROM runner_policy.namespaces ORDER BY id;
SELECT id, runner_type, sharding_key_id FROM runner_policy.ci_runners ORDER BY id;
SELECT count(*) AS projects FROM runner_policy.projects;
SELECT * FROM runner_policy.check_invariants();
ROLLBACK;
