/*
 * bench/app_role.sql: bench_app, the forge's application role of the
 * benchmarks, granted as README "Roles" grants forge_app; included (\ir)
 * by the setup of each part that acts through it, on the current build
 * and on release 1.0 alike.  Run by a superuser; runs again harmlessly.
 */
DO $$ BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bench_app') THEN
		CREATE ROLE bench_app LOGIN;
	END IF;
END $$;
GRANT USAGE ON SCHEMA runner_policy TO bench_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA runner_policy TO bench_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA runner_policy TO bench_app;
GRANT SELECT ON runner_policy.runner_queue_status TO bench_app;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO bench_app;
