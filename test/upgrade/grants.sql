-- test/upgrade/grants.sql: what a DBA grants at version 1.0 (README,
-- "Roles"), given to both databases; the upgrade must keep every grant.
SET search_path = pg_catalog;
GRANT USAGE ON SCHEMA runner_policy TO regress_upgrade_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA runner_policy
	TO regress_upgrade_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA runner_policy TO regress_upgrade_app;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO regress_upgrade_app;
GRANT EXECUTE ON FUNCTION runner_policy.issue_job_token(bigint, text[]) TO regress_upgrade_app;
