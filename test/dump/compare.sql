-- test/dump/compare.sql: what must be identical after a restore, one line
-- each: every table's row count and the md5 of its rows in key order, the
-- identity sequences, check_invariants(), owner links.  Run as a superuser
-- (row-level security does not hide rows from it), with psql -At.
SELECT 'table ' || tbl || ' rows=' || n || ' md5=' || sum FROM (
	SELECT 1, 'users', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM runner_policy.users t
	UNION ALL SELECT 2, 'namespaces', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM runner_policy.namespaces t
	UNION ALL SELECT 3, 'projects', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM runner_policy.projects t
	UNION ALL SELECT 4, 'project_members', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.project_id, t.user_id), '')) FROM runner_policy.project_members t
	UNION ALL SELECT 5, 'group_members', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.namespace_id, t.user_id), '')) FROM runner_policy.group_members t
	UNION ALL SELECT 6, 'ci_runners', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM runner_policy.ci_runners t
	UNION ALL SELECT 7, 'ci_runner_projects', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM runner_policy.ci_runner_projects t
	UNION ALL SELECT 8, 'ci_runner_namespaces', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM runner_policy.ci_runner_namespaces t
	UNION ALL SELECT 9, 'ci_builds', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM runner_policy.ci_builds t
	UNION ALL SELECT 10, 'ci_job_token_scope_links', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.source_project_id, t.target_project_id), '')) FROM runner_policy.ci_job_token_scope_links t
	UNION ALL SELECT 11, 'tokens', count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t.id), '')) FROM runner_policy.tokens t
) AS s (o, tbl, n, sum) ORDER BY o;
-- no table of the schema left out of the list above
SELECT 'tables in schema ' || count(*) FROM pg_catalog.pg_class
 WHERE relnamespace = 'runner_policy'::regnamespace AND relkind = 'r';
SELECT 'sequence ' || sequencename || ' last_value=' || coalesce(last_value::text, 'unused')
  FROM pg_catalog.pg_sequences WHERE schemaname = 'runner_policy' ORDER BY sequencename;
SELECT 'check_invariants rows=' || count(*) FROM runner_policy.check_invariants();
-- every owning runner has exactly one link to its owner
SELECT 'project runners without exactly one owner link ' || count(*) FROM runner_policy.ci_runners r
 WHERE r.runner_type = 3 AND (SELECT count(*) FROM runner_policy.ci_runner_projects l
							   WHERE l.runner_id = r.id AND l.project_id = r.sharding_key_id) <> 1;
SELECT 'group runners without exactly one owner link ' || count(*) FROM runner_policy.ci_runners r
 WHERE r.runner_type = 2 AND (SELECT count(*) FROM runner_policy.ci_runner_namespaces l
							   WHERE l.runner_id = r.id AND l.namespace_id = r.sharding_key_id) <> 1;
-- the guards and row-level security are all still there and on
SELECT 'triggers enabled ' || count(*) FILTER (WHERE tgenabled = 'O') || '/' || count(*)
  FROM pg_catalog.pg_trigger WHERE NOT tgisinternal
   AND tgrelid IN (SELECT oid FROM pg_catalog.pg_class WHERE relnamespace = 'runner_policy'::regnamespace);
SELECT 'tables with forced row-level security ' || count(*) FROM pg_catalog.pg_class
 WHERE relnamespace = 'runner_policy'::regnamespace AND relkind = 'r' AND relrowsecurity AND relforcerowsecurity;
-- the audit log came back whole: its rows, and chains that still verify
SELECT 'table audit_log rows=' || count(*) || ' md5=' || md5(coalesce(string_agg(a::text, '|' ORDER BY id), ''))
  FROM runner_policy.audit_log a;
SELECT 'table audit_lanes rows=' || count(*) || ' md5=' || md5(coalesce(string_agg(l::text, '|' ORDER BY lane), ''))
  FROM runner_policy.audit_lanes l;
SELECT 'verify_audit_log broken entries ' || count(*) FROM runner_policy.verify_audit_log();
