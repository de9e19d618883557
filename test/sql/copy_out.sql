-- copy_out: COPY ... TO reads as SELECT does.  A table, a query and a view
-- copied out give the actor's rows and no others; with no actor, none; and
-- the actor ends with its transaction, for COPY as for every read.
SET search_path = pg_catalog;

--   regress_copy_maint (7901), maintainer of project 7951: runner 7971
--   project 7952 is someone else's: runner 7972, and its job 7981
INSERT INTO runner_policy.users (id, username) VALUES (7901, 'regress_copy_maint');
INSERT INTO runner_policy.namespaces (id, parent_id, name) VALUES (7910, NULL, 'copy out');
INSERT INTO runner_policy.projects (id, namespace_id, name) VALUES
	(7951, 7910, 'copy mine'), (7952, 7910, 'copy hidden');
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES
	(7951, 7901, 40);
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description) VALUES
	(7971, 3, 7951, 'copy my runner'), (7972, 3, 7952, 'copy hidden runner');
INSERT INTO runner_policy.ci_builds (id, project_id, runner_id, status) VALUES
	(7981, 7952, 7972, 'running'), (7982, 7951, 7971, 'success');

CREATE ROLE regress_copy_app;
GRANT USAGE ON SCHEMA runner_policy TO regress_copy_app;
GRANT SELECT ON ALL TABLES IN SCHEMA runner_policy TO regress_copy_app;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO regress_copy_app;
SET ROLE regress_copy_app;

-- With no actor: nothing, whichever way it is copied.
COPY runner_policy.ci_runners (id, description) TO STDOUT;
COPY (SELECT id FROM runner_policy.ci_builds WHERE id BETWEEN 7980 AND 7989) TO STDOUT;
COPY (SELECT runner_id, owner_id, linked_projects FROM runner_policy.runner_ownership
	   WHERE runner_id BETWEEN 7970 AND 7979) TO STDOUT;

-- As the maintainer: her runner and her project's job, not the others.
BEGIN;
SELECT runner_policy.act_as(7901);
COPY runner_policy.ci_runners (id, description) TO STDOUT;
COPY (SELECT id, project_id FROM runner_policy.ci_builds WHERE id BETWEEN 7980 AND 7989
	   ORDER BY id) TO STDOUT;
COPY (SELECT runner_id, owner_id, linked_projects FROM runner_policy.runner_ownership
	   WHERE runner_id BETWEEN 7970 AND 7979 ORDER BY runner_id) TO STDOUT;
COPY runner_policy.project_members (project_id, user_id) TO STDOUT;
COMMIT;

-- The actor ended with its transaction: nothing again.
COPY runner_policy.ci_runners (id) TO STDOUT;

RESET ROLE;
DROP OWNED BY regress_copy_app;
DROP ROLE regress_copy_app;
DELETE FROM runner_policy.ci_builds WHERE id BETWEEN 7980 AND 7989;
DELETE FROM runner_policy.projects WHERE id IN (7951, 7952);
DELETE FROM runner_policy.namespaces WHERE id = 7910;
