-- test/upgrade/rows.sql: every table of the extension as a row count and a
-- digest of its rows, one line per table; every sequence as its state.
-- The columns a release added as copies of other rows (a runner's
-- linked_project_ids, a link's owner_project_id: the upgrade fills them,
-- and check_invariants() checks them) and the mark on the audit entries of
-- deleted objects (the upgrade sets it; test/upgrade/run checks it) are
-- left out of the digest, so that the rows of the older release compare
-- equal.
\set QUIET on
\pset format unaligned
\pset tuples_only on
SET search_path = pg_catalog;
SELECT format('SELECT %L || '' '' || count(*) || '' '' || coalesce(md5(string_agg(r, ''|'' ORDER BY r)), ''-'')'
			  ' FROM (SELECT (to_jsonb(t) - ''{linked_project_ids,owner_project_id,object_deleted}''::text[])::text AS r FROM %s AS t) AS x',
			  c.oid::regclass::text, c.oid::regclass)
  FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
 WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'runner_policy')
   AND d.deptype = 'e' AND c.relkind = 'r'
UNION ALL
SELECT format('SELECT %L || '' last_value '' || last_value || '' '' || is_called FROM %s',
			  c.oid::regclass::text, c.oid::regclass)
  FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
 WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'runner_policy')
   AND d.deptype = 'e' AND c.relkind = 'S'
ORDER BY 1
\gexec
