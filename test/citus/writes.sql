-- test/citus/writes.sql: the write paths of the single-node suite, run the
-- same way through the Citus coordinator and on the single node, as the
-- application role (regress_forge), each in a transaction block.  What a
-- case prints (rows, or the SQLSTATE of its error) must be the same on both;
-- test/citus/run compares them line by line.  Ids made by triggers on a
-- worker come from that worker's range (citus_sync_workers()), so the
-- cases print what a row is, not its id.
\set VERBOSITY sqlstate
\set ON_ERROR_STOP 0
SET client_min_messages = error;

\echo == a maintainer registers a project runner; its owner link comes with it
BEGIN;
SELECT runner_policy.act_as(3) \g /dev/null
INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id, description)
	VALUES (3, 100, 'registered') RETURNING runner_type, sharding_key_id, created_by_id, linked_project_ids;
SELECT r.description, l.project_id, l.owner_project_id
  FROM runner_policy.ci_runners r JOIN runner_policy.ci_runner_projects l ON l.runner_id = r.id
 WHERE r.description = 'registered';
COMMIT;

\echo == a developer cannot register one
BEGIN;
SELECT runner_policy.act_as(4) \g /dev/null
INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (3, 100);
ROLLBACK;

\echo == an admin registers a group runner; its namespace link comes with it
BEGIN;
SELECT runner_policy.act_as(1) \g /dev/null
INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id, description)
	VALUES (2, 12, 'open group 2') RETURNING runner_type, sharding_key_id;
SELECT n.namespace_id FROM runner_policy.ci_runner_namespaces n
  JOIN runner_policy.ci_runners r ON r.id = n.runner_id WHERE r.description = 'open group 2';
COMMIT;

\echo == link, rename, unlink
BEGIN;
SELECT runner_policy.act_as(1) \g /dev/null
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (4, 104)
	RETURNING runner_id, project_id, owner_project_id;
COMMIT;
BEGIN;
SELECT runner_policy.act_as(3) \g /dev/null
UPDATE runner_policy.ci_runners SET description = 'renamed' WHERE id = 4 RETURNING description;
DELETE FROM runner_policy.ci_runner_projects WHERE runner_id = 5 AND project_id = 100
	RETURNING runner_id, project_id;
SELECT id, linked_project_ids FROM runner_policy.ci_runners WHERE id IN (4, 5) ORDER BY id;
COMMIT;

\echo == a locked runner is not linked by a maintainer of its projects
BEGIN;
SELECT runner_policy.act_as(3) \g /dev/null
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (9, 102);
ROLLBACK;

\echo == the owner link stays, the owner stays, the type stays
BEGIN;
SELECT runner_policy.act_as(3) \g /dev/null
DELETE FROM runner_policy.ci_runner_projects WHERE runner_id = 4 AND project_id = 100;
ROLLBACK;
BEGIN;
SELECT runner_policy.act_as(3) \g /dev/null
UPDATE runner_policy.ci_runners SET sharding_key_id = 101 WHERE id = 4;
ROLLBACK;
BEGIN;
SELECT runner_policy.act_as(1) \g /dev/null
UPDATE runner_policy.ci_runners SET runner_type = 1 WHERE id = 4;
ROLLBACK;

\echo == a hidden runner is refused as row-level security refuses it
BEGIN;
SELECT runner_policy.act_as(6) \g /dev/null
UPDATE runner_policy.ci_runners SET description = 'x' WHERE id = 6 RETURNING id;
DELETE FROM runner_policy.ci_runners WHERE id = 6 RETURNING id;
ROLLBACK;

\echo == jobs: a developer creates one and cancels it; a reporter cannot
BEGIN;
SELECT runner_policy.act_as(4) \g /dev/null
INSERT INTO runner_policy.ci_builds (project_id, user_id, status) VALUES (100, 4, 'pending')
	RETURNING project_id, user_id, status, runner_id;
UPDATE runner_policy.ci_builds SET status = 'canceled' WHERE project_id = 100 AND user_id = 4
   AND status = 'pending' AND id > 100000 RETURNING status;
COMMIT;
BEGIN;
SELECT runner_policy.act_as(8) \g /dev/null
INSERT INTO runner_policy.ci_builds (project_id, user_id, status) VALUES (100, 8, 'pending');
ROLLBACK;

\echo == groups and members: a group owner makes a subgroup and a member
BEGIN;
SELECT runner_policy.act_as(5) \g /dev/null
INSERT INTO runner_policy.namespaces (parent_id, name) VALUES (10, 'sub')
	RETURNING parent_id, name, visibility, array_length(traversal_ids, 1);
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level) VALUES (10, 6, 30)
	RETURNING namespace_id, user_id, access_level;
COMMIT;
BEGIN;
SELECT runner_policy.act_as(6) \g /dev/null
SELECT count(*) FROM runner_policy.ci_runners;
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level) VALUES (10, 9, 50);
ROLLBACK;

\echo == a runner takes a pending job, runs it, finishes it; the token of the job dies with it
BEGIN;
SELECT runner_policy.act_as(1) \g /dev/null
SELECT runner_policy.reset_runner_token(4) AS runner_token \gset
COMMIT;
BEGIN;
SELECT runner_policy.authenticate(:'runner_token');
SELECT id, status FROM runner_policy.ci_builds WHERE status = 'pending' AND runner_id IS NULL ORDER BY id;
UPDATE runner_policy.ci_builds SET runner_id = 4, status = 'running', started_at = now()
 WHERE id = 5002 RETURNING id, runner_id, status;
COMMIT;
BEGIN;
SELECT runner_policy.act_as(4) \g /dev/null
SELECT runner_policy.issue_job_token(5002) AS job_token \gset
COMMIT;
BEGIN;
SELECT runner_policy.authenticate(:'job_token');
SELECT id FROM runner_policy.ci_builds ORDER BY id;
COMMIT;
BEGIN;
SELECT runner_policy.authenticate(:'runner_token');
UPDATE runner_policy.ci_builds SET status = 'success', finished_at = now() WHERE id = 5002
	RETURNING id, status;
UPDATE runner_policy.ci_runners SET contacted_at = now() WHERE id = 4 RETURNING id;
COMMIT;
BEGIN;
SELECT runner_policy.authenticate(:'job_token');
ROLLBACK;
BEGIN;
SELECT runner_policy.act_as(1) \g /dev/null
UPDATE runner_policy.ci_builds SET status = 'running' WHERE id = 5002;
ROLLBACK;

\echo == a runner changes nothing but its own row and jobs
BEGIN;
SELECT runner_policy.authenticate(:'runner_token');
UPDATE runner_policy.ci_runners SET description = 'mine' WHERE id = 4;
ROLLBACK;

\echo == tokens: reset, the old one dead; issued and revoked
BEGIN;
SELECT runner_policy.act_as(3) \g /dev/null
SELECT length(runner_policy.reset_runner_token(4));
COMMIT;
BEGIN;
SELECT runner_policy.authenticate(:'runner_token');
ROLLBACK;
BEGIN;
SELECT runner_policy.act_as(4) \g /dev/null
SELECT runner_policy.reset_runner_token(4);
ROLLBACK;
BEGIN;
SELECT runner_policy.act_as(1) \g /dev/null
SELECT runner_policy.issue_instance_token('{read_runners}', now() + interval '1 day') AS instance_token \gset
SELECT id AS instance_token_id FROM runner_policy.tokens WHERE kind = 'instance_token' ORDER BY id DESC LIMIT 1 \gset
COMMIT;
BEGIN;
SELECT runner_policy.authenticate(:'instance_token');
SELECT count(*) FROM runner_policy.ci_runners;
COMMIT;
BEGIN;
SELECT runner_policy.act_as(1) \g /dev/null
SELECT runner_policy.revoke_token(:instance_token_id);
COMMIT;
BEGIN;
SELECT runner_policy.authenticate(:'instance_token');
ROLLBACK;

\echo == rights change: a project made private, a member removed
BEGIN;
SELECT runner_policy.act_as(1) \g /dev/null
UPDATE runner_policy.projects SET visibility = 'private' WHERE id = 102 RETURNING id, visibility;
DELETE FROM runner_policy.project_members WHERE project_id = 100 AND user_id = 4
	RETURNING project_id, user_id;
COMMIT;
BEGIN;
SELECT runner_policy.act_as(4) \g /dev/null
SELECT count(*) FROM runner_policy.projects;
SELECT count(*) FROM runner_policy.ci_builds;
COMMIT;

\echo == deleting a project deletes its runners and links; a namespace, its group runners
BEGIN;
SELECT runner_policy.act_as(1) \g /dev/null
DELETE FROM runner_policy.projects WHERE id = 103 RETURNING id;
SELECT count(*) FROM runner_policy.ci_runners WHERE runner_type = 3 AND sharding_key_id = 103;
SELECT count(*) FROM runner_policy.ci_runner_projects WHERE project_id = 103;
SELECT count(*) FROM runner_policy.ci_builds WHERE project_id = 103;
COMMIT;
BEGIN;
SELECT runner_policy.act_as(1) \g /dev/null
DELETE FROM runner_policy.namespaces WHERE id = 14 RETURNING id;
DELETE FROM runner_policy.namespaces WHERE id = 12 RETURNING id;
SELECT count(*) FROM runner_policy.ci_runners WHERE runner_type = 2;
SELECT count(*) FROM runner_policy.projects WHERE id IN (102, 104);
COMMIT;

\echo == moving a project needs owner rights on both groups
BEGIN;
SELECT runner_policy.act_as(5) \g /dev/null
UPDATE runner_policy.projects SET namespace_id = 13 WHERE id = 101;
ROLLBACK;
BEGIN;
SELECT runner_policy.act_as(1) \g /dev/null
UPDATE runner_policy.projects SET namespace_id = 11 WHERE id = 101 RETURNING id, namespace_id;
COMMIT;

\echo == what everyone reads afterwards
BEGIN;
SELECT runner_policy.act_as(3) \g /dev/null
SELECT id, runner_type, sharding_key_id, description, linked_project_ids FROM runner_policy.ci_runners ORDER BY id;
COMMIT;
BEGIN;
SELECT runner_policy.act_as(5) \g /dev/null
SELECT runner_id, running_jobs, pending_jobs FROM runner_policy.runner_queue_status ORDER BY runner_id;
COMMIT;
