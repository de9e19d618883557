-- test/citus/writes_super.sql: what a superuser does, through the
-- coordinator and on the single node (compared by test/citus/run).
\set VERBOSITY sqlstate
\set ON_ERROR_STOP 0
SET client_min_messages = error;

\echo == a superuser deletes a project: its runners go, its jobs go
BEGIN;
DELETE FROM runner_policy.projects WHERE id = 1001 RETURNING id;
SELECT count(*) FROM runner_policy.ci_runners WHERE runner_type = 3 AND sharding_key_id = 1001;
SELECT count(*) FROM runner_policy.ci_builds WHERE project_id = 1001;
COMMIT;

\echo == a superuser finishes a job; finished stays finished
BEGIN;
UPDATE runner_policy.ci_builds SET status = 'success' WHERE id = 5005 RETURNING id, status;
COMMIT;
UPDATE runner_policy.ci_builds SET status = 'running' WHERE id = 6003 AND status = 'success' RETURNING id;

\echo == the TRUNCATE guard: owners of runners, refused; jobs, allowed
BEGIN;
TRUNCATE runner_policy.ci_runner_projects;
ROLLBACK;
BEGIN;
TRUNCATE runner_policy.projects CASCADE;
ROLLBACK;
BEGIN;
TRUNCATE runner_policy.ci_builds CASCADE;
SELECT count(*) FROM runner_policy.ci_builds;
ROLLBACK;

\echo == explain_access() says why, as on one node
SELECT runner_policy.explain_access(3, 4, 'update');
SELECT runner_policy.explain_access(6, 4, 'read');
SELECT runner_policy.explain_access(7, 2003, 'link');

\echo == a deleted user takes its tokens along; the tokens it issued forget it
BEGIN;
INSERT INTO runner_policy.users (id, username, admin) VALUES (9101, 'leaving-admin', true);
SELECT runner_policy.act_as(9101) \g /dev/null
SELECT runner_policy.issue_instance_token('{read_runners}', now() + interval '1 day') IS NOT NULL AS issued;
SELECT runner_policy.issue_job_token(5001) IS NOT NULL AS issued;
COMMIT;
SELECT kind, user_id = 9101 AS own, created_by_id FROM runner_policy.tokens
 WHERE user_id = 9101 OR created_by_id = 9101 ORDER BY kind;
SELECT max(id) AS job_token_id FROM runner_policy.tokens WHERE created_by_id = 9101 \gset
DELETE FROM runner_policy.users WHERE id = 9101 RETURNING id;
SELECT count(*) AS left_of_user FROM runner_policy.tokens WHERE user_id = 9101;
SELECT kind, created_by_id FROM runner_policy.tokens WHERE id = :job_token_id;

\echo == jobs outlive their deleted runner, without it; a deleted job takes its tokens (on Citus once citus_apply_deletions() ran)
SELECT count(*) AS jobs_of_2005 FROM runner_policy.ci_builds WHERE runner_id = 2005;
DELETE FROM runner_policy.ci_runners WHERE id = 2005 RETURNING id;
-- a project delete takes its runner 2010, which ran jobs of other projects
DELETE FROM runner_policy.projects WHERE id = 1210 RETURNING id;
-- a running job with a token, deleted
BEGIN;
SELECT runner_policy.act_as(1) \g /dev/null
SELECT runner_policy.issue_job_token(6006) IS NOT NULL AS issued;
COMMIT;
SELECT count(*) AS tokens_of_6006 FROM runner_policy.tokens WHERE job_id = 6006;
DELETE FROM runner_policy.ci_builds WHERE id = 6006 RETURNING id;
SELECT (runner_policy.citus_apply_deletions()).jobs_without_runner >= 0 AS applied;
SELECT count(*) AS naming_gone_runners FROM runner_policy.ci_builds WHERE runner_id IN (2005, 2010);
SELECT count(*) AS kept_without_runner FROM runner_policy.ci_builds
 WHERE runner_id IS NULL AND id IN (6005, 6010, 6405, 6410);
SELECT count(*) AS tokens_of_6006 FROM runner_policy.tokens WHERE job_id = 6006;
SELECT * FROM runner_policy.citus_apply_deletions();
