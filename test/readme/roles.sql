-- test/readme/roles.sql: what each role of the README's "Roles" snippet may
-- do, object by object, after the snippet ran as printed on a fresh
-- install.  One row per role and object it has a privilege on, with the
-- privileges; functions only where EXECUTE is not PUBLIC's anyway.  What
-- a role may not do is what is not listed.
SET search_path = pg_catalog;
\pset footer off
WITH roles (role, ord) AS (
	VALUES ('forge_app', 1), ('dashboard', 2), ('job_service', 3), ('backup', 4), ('dba', 5)),
relations AS (
	SELECT c.oid, c.oid::regclass::text AS relname,
		   CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'S' THEN 'sequence' END AS kind,
		   CASE WHEN c.relkind = 'S' THEN ARRAY['USAGE', 'SELECT', 'UPDATE']
				ELSE ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] END AS privs
	  FROM pg_class c
	 WHERE c.relnamespace = 'runner_policy'::regnamespace AND c.relkind IN ('r', 'v', 'S')),
granted AS (
	SELECT r.role, r.ord, 'schema' AS kind, 'runner_policy' AS object, 'USAGE' AS priv
	  FROM roles r WHERE has_schema_privilege(r.role, 'runner_policy', 'USAGE')
	UNION ALL
	SELECT r.role, r.ord, o.kind, o.relname, p.priv
	  FROM roles r, relations o, unnest(o.privs) AS p (priv)
	 WHERE CASE o.kind WHEN 'sequence' THEN has_sequence_privilege(r.role, o.oid, p.priv)
					   ELSE has_table_privilege(r.role, o.oid, p.priv) END
	UNION ALL
	SELECT r.role, r.ord, 'function', f.oid::regprocedure::text, 'EXECUTE'
	  FROM roles r, pg_proc f
	 WHERE f.pronamespace = 'runner_policy'::regnamespace
	   AND has_function_privilege(r.role, f.oid, 'EXECUTE')
	   AND NOT has_function_privilege('public', f.oid, 'EXECUTE'))
SELECT role, kind, object, string_agg(priv, ', ' ORDER BY priv) AS privileges
  FROM granted
 GROUP BY role, ord, kind, object
 ORDER BY ord, kind, object;

-- What the roles are besides: who logs in, who bypasses row-level security.
SELECT rolname AS role, rolcanlogin AS login, rolbypassrls AS bypassrls, rolsuper AS superuser,
	   rolcreaterole AS createrole, rolcreatedb AS createdb,
	   ARRAY(SELECT b.rolname FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid
			  WHERE m.member = r.oid ORDER BY 1) AS member_of
  FROM pg_roles r
 WHERE rolname IN ('forge_app', 'dashboard', 'job_service', 'backup', 'dba')
 ORDER BY array_position(ARRAY['forge_app', 'dashboard', 'job_service', 'backup', 'dba'], rolname::text);

-- What every role may run anyway: the functions EXECUTE is PUBLIC's on,
-- which the README lists before the snippet (trigger functions aside).
SELECT f.oid::regprocedure AS executable_by_public
  FROM pg_proc f
 WHERE f.pronamespace = 'runner_policy'::regnamespace
   AND f.prorettype <> 'trigger'::regtype
   AND has_function_privilege('public', f.oid, 'EXECUTE')
 ORDER BY f.oid::regprocedure::text;
