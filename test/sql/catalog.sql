-- catalog: what CREATE EXTENSION leaves behind, read off the catalogs.
\set VERBOSITY terse

SELECT extname, extversion, extrelocatable, extnamespace::regnamespace AS schema
  FROM pg_extension WHERE extname = 'runner_policy';

-- Every table of doc/permissions.md.
SELECT c.relname
  FROM pg_class c
 WHERE c.relnamespace = 'runner_policy'::regnamespace AND c.relkind = 'r'
 ORDER BY 1;

-- ON DELETE behaviour of every foreign key (doc/invariants.md): owners take
-- what they own, jobs keep their history without their runner.
SELECT conrelid::regclass AS "table", a.attname AS "column",
       confrelid::regclass AS "references",
       CASE confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL'
                        WHEN 'a' THEN 'NO ACTION' ELSE confdeltype::text END AS on_delete
  FROM pg_constraint co
  JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = co.conkey[1]
 WHERE co.contype = 'f' AND co.connamespace = 'runner_policy'::regnamespace
 ORDER BY 1, 2;

-- An index leads with the columns of every foreign key, so that deleting a
-- user, project, namespace or runner never scans a whole table.  Empty.
SELECT co.conrelid::regclass AS "table", co.conname
  FROM pg_constraint co
 WHERE co.contype = 'f' AND co.connamespace = 'runner_policy'::regnamespace
   AND NOT EXISTS (
       SELECT FROM pg_index i
        WHERE i.indrelid = co.conrelid
          AND (i.indkey::int2[])[0:array_length(co.conkey, 1) - 1] = co.conkey);

-- Nothing in the schema is granted to PUBLIC (the DBA grants), but EXECUTE
-- on the functions that are safe for anyone: they act only for the
-- session's own actor, or check it.  act_as, issue_job_token, the repairs
-- and the trigger functions are not among them.
SELECT c.oid::regclass::text AS object, acl.privilege_type
  FROM pg_class c, aclexplode(c.relacl) acl
 WHERE c.relnamespace = 'runner_policy'::regnamespace AND acl.grantee = 0
UNION ALL
SELECT p.oid::regprocedure::text, acl.privilege_type
  FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) acl
 WHERE p.pronamespace = 'runner_policy'::regnamespace AND acl.grantee = 0
UNION ALL
SELECT n.nspname::text, acl.privilege_type
  FROM pg_namespace n, aclexplode(n.nspacl) acl
 WHERE n.nspname = 'runner_policy' AND acl.grantee = 0
 ORDER BY 1, 2;

-- Row-level security is enabled and forced on every table.  Empty.
SELECT c.relname FROM pg_class c
 WHERE c.relnamespace = 'runner_policy'::regnamespace AND c.relkind = 'r'
   AND NOT (c.relrowsecurity AND c.relforcerowsecurity);

-- The policies, per table and command; every one asks the policy core.
SELECT polrelid::regclass AS "table", polname,
       CASE polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                   WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
       polpermissive AS permissive, polroles = '{0}' AS to_public,
       pg_get_expr(polqual, polrelid) ~ 'runner_policy\.(reach|member_change_allowed)'
         OR polqual IS NULL AS using_asks_core,
       pg_get_expr(polwithcheck, polrelid) ~ 'runner_policy\.(reach|member_change_allowed)'
         OR polwithcheck IS NULL AS check_asks_core
  FROM pg_policy
 WHERE polrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'runner_policy'::regnamespace)
 ORDER BY 1, 2;

-- No policy holds a subquery (Citus refuses them on distributed tables).  Empty.
SELECT polname FROM pg_policy
 WHERE polrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'runner_policy'::regnamespace)
   AND (pg_get_expr(polqual, polrelid) ~* '\mselect\M'
        OR coalesce(pg_get_expr(polwithcheck, polrelid), '') ~* '\mselect\M');

-- The queue and ownership views run with the caller's rights, so RLS
-- applies to them; runner_access reads as its owner, so it is a security
-- barrier.
SELECT relname, reloptions FROM pg_class
 WHERE relnamespace = 'runner_policy'::regnamespace AND relkind = 'v';

-- The invariant triggers: enabled in the ordinary way ('O'), so that only
-- session_replication_role = replica (a data-only restore) skips them.
SELECT tgrelid::regclass AS "table", tgname, tgenabled, tgfoid::regproc AS function
  FROM pg_trigger
 WHERE NOT tgisinternal AND tgrelid IN (
       SELECT oid FROM pg_class WHERE relnamespace = 'runner_policy'::regnamespace)
 ORDER BY 1, 2;

-- Every C function is in the library; the trigger functions cannot be
-- called outside a trigger.
SELECT p.proname, l.lanname, p.prosecdef AS security_definer
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'runner_policy'::regnamespace
 ORDER BY 1;
SELECT runner_policy.ci_runners_guard();

-- Dumped with the forge's data by pg_dump.
SELECT unnest(extconfig)::regclass AS dumped FROM pg_extension WHERE extname = 'runner_policy' ORDER BY 1;
