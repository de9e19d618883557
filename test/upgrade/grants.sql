-- test/upgrade/grants.sql: what a DBA grants at version 1.0 (README,
-- "Roles"), given to every database of the test, the fresh install's too;
-- an upgrade must keep every grant.
-- The tables and sequences of 1.0 are named one by one: a grant "ON ALL
-- TABLES" given at 1.0 does not reach the tables a later release adds, so
-- given to a fresh install it would differ from the upgrade for a reason
-- that is the DBA's, not the upgrade's.  (After an update, a DBA grants
-- what it wants on the new objects; README, "Upgrades".)
SET search_path = pg_catalog;
GRANT USAGE ON SCHEMA runner_policy TO regress_upgrade_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON
	runner_policy.users, runner_policy.namespaces, runner_policy.projects,
	runner_policy.project_members, runner_policy.group_members,
	runner_policy.ci_runners, runner_policy.ci_runner_projects,
	runner_policy.ci_runner_namespaces, runner_policy.ci_builds,
	runner_policy.ci_job_token_scope_links, runner_policy.tokens
	TO regress_upgrade_app;
GRANT USAGE ON SEQUENCE
	runner_policy.users_id_seq, runner_policy.namespaces_id_seq,
	runner_policy.projects_id_seq, runner_policy.ci_runners_id_seq,
	runner_policy.ci_runner_projects_id_seq, runner_policy.ci_runner_namespaces_id_seq,
	runner_policy.ci_builds_id_seq, runner_policy.tokens_id_seq
	TO regress_upgrade_app;
GRANT SELECT ON runner_policy.runner_queue_status TO regress_upgrade_app;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO regress_upgrade_app;
GRANT EXECUTE ON FUNCTION runner_policy.issue_job_token(bigint, text[]) TO regress_upgrade_app;
