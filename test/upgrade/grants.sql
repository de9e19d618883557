-- test/upgrade/grants.sql: what a DBA grants at version 1.0 (README,
-- "Roles"), given to both databases; the upgrade must keep every grant.
SET search_path = pg_catalog;
GRANT USAGE ON SCHEMA runner_policy TO regress_upgrade_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA runner_policy
	TO regress_upgrade_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA runner_policy TO regress_upgrade_app;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO regress_upgrade_app;
GRANT EXECUTE ON FUNCTION runner_policy.issue_job_token(bigint, text[]) TO regress_upgrade_app;
-- runner_access is new in 1.1: a grant ON ALL TABLES given at 1.0 cannot
-- have covered it, so the fresh install must not hold one either.  The DBA
-- grants it on its own (README, "runner_access").
DO $$
BEGIN
	IF pg_catalog.to_regclass('runner_policy.runner_access') IS NOT NULL THEN
		REVOKE ALL ON runner_policy.runner_access FROM regress_upgrade_app;
	END IF;
END $$;
