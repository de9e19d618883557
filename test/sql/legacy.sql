-- legacy: rows loaded with triggers off (a data-only restore of a legacy
-- forge) are found by check_invariants() and repaired by backfill_owners().
\set VERBOSITY default
\set SHOW_CONTEXT never
SET search_path = pg_catalog;

BEGIN;
INSERT INTO runner_policy.namespaces (id, parent_id, name) VALUES (1, NULL, 'acme'), (2, 1, 'ci');
INSERT INTO runner_policy.projects (id, namespace_id, name) VALUES (10, 1, 'api'), (11, 1, 'web'), (12, 2, 'docs');

SET LOCAL session_replication_role = replica;
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id) VALUES
	(100, 3, NULL),		-- linked to 11 then 10: placed with 11
	(101, 3, NULL),		-- linked nowhere: cannot be placed
	(102, 3, NULL),		-- first link to a project that is gone, then to 12
	(103, 3, 10),		-- owner set, owner link missing
	(104, 2, 2),		-- group runner without its namespace link
	(105, 1, 10),		-- instance runner with an owner
	(106, 3, 999),		-- owner does not exist
	(107, 2, NULL);		-- group runner without an owner
INSERT INTO runner_policy.ci_runner_projects (id, runner_id, project_id) VALUES
	(1, 100, 11), (2, 100, 10), (3, 102, 998), (4, 102, 12), (5, 104, 10), (6, 999, 10);
INSERT INTO runner_policy.ci_runner_namespaces (id, runner_id, namespace_id) VALUES (1, 105, 1);
UPDATE runner_policy.namespaces SET traversal_ids = '{2}' WHERE id = 2;
INSERT INTO runner_policy.ci_builds (id, project_id, runner_id, status) VALUES (1, 10, 555, 'success');
RESET session_replication_role;

SELECT * FROM runner_policy.check_invariants();

-- The owner cannot be set by hand, not even on a legacy runner.
SAVEPOINT loaded;
UPDATE runner_policy.ci_runners SET sharding_key_id = 10 WHERE id = 100;
ROLLBACK TO loaded;

SELECT * FROM runner_policy.backfill_owners();
SELECT id, sharding_key_id FROM runner_policy.ci_runners WHERE runner_type = 3 ORDER BY id;
-- Nothing left to place: a second run does nothing.
SELECT * FROM runner_policy.backfill_owners();
-- Placed runners are owned for life like any other.
UPDATE runner_policy.ci_runners SET sharding_key_id = 10 WHERE id = 100;
ROLLBACK TO loaded;

-- What the backfill could not place is still reported, and goes when fixed.
SELECT * FROM runner_policy.backfill_owners() \g /dev/null
SELECT invariant, object_type, object_id FROM runner_policy.check_invariants();
DELETE FROM runner_policy.ci_runners WHERE id IN (101, 105, 106, 107);
DELETE FROM runner_policy.ci_runner_projects WHERE id IN (3, 5, 6);
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (103, 10);
INSERT INTO runner_policy.ci_runner_namespaces (runner_id, namespace_id) VALUES (104, 2);
UPDATE runner_policy.namespaces SET name = name WHERE id = 2;
UPDATE runner_policy.ci_builds SET runner_id = NULL WHERE id = 1;
SELECT * FROM runner_policy.check_invariants();
ROLLBACK;

-- Only whoever the DBA grants it to may run the repair.
CREATE ROLE regress_legacy_app;
GRANT USAGE ON SCHEMA runner_policy TO regress_legacy_app;
SET ROLE regress_legacy_app;
SELECT * FROM runner_policy.backfill_owners();
SELECT * FROM runner_policy.check_invariants();
RESET ROLE;
-- Granted it, a DBA role that is no superuser and has no actor still sees
-- every violation: row-level security does not hide them from the check.
BEGIN;
INSERT INTO runner_policy.namespaces (id, name) VALUES (1, 'acme');
INSERT INTO runner_policy.projects (id, namespace_id, name) VALUES (10, 1, 'api');
SET LOCAL session_replication_role = replica;
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id) VALUES (100, 3, NULL);
RESET session_replication_role;
GRANT EXECUTE ON FUNCTION runner_policy.check_invariants() TO regress_legacy_app;
SET LOCAL ROLE regress_legacy_app;
SELECT invariant, object_id FROM runner_policy.check_invariants();
ROLLBACK;
REVOKE USAGE ON SCHEMA runner_policy FROM regress_legacy_app;
DROP ROLE regress_legacy_app;
