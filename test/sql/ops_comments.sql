-- ops_comments: every table, view, column, function and event trigger of
-- the extension has a catalog comment (\d+ and \df+ show them).  A new
-- object without one is listed here and fails the test.
SET search_path = pg_catalog;

WITH members AS (
	SELECT d.classid, d.objid
	  FROM pg_depend d
	  JOIN pg_extension e ON e.oid = d.refobjid
	 WHERE d.refclassid = 'pg_extension'::regclass
	   AND d.deptype = 'e'
	   AND e.extname = 'runner_policy'
)
SELECT 'relation' AS kind, m.objid::regclass::text AS object
  FROM members m JOIN pg_class c ON c.oid = m.objid
 WHERE m.classid = 'pg_class'::regclass AND c.relkind IN ('r', 'v', 'm', 'p')
   AND obj_description(c.oid, 'pg_class') IS NULL
UNION ALL
SELECT 'column', m.objid::regclass::text || '.' || quote_ident(a.attname)
  FROM members m
  JOIN pg_class c ON c.oid = m.objid
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE m.classid = 'pg_class'::regclass AND c.relkind IN ('r', 'v', 'm', 'p')
   AND col_description(c.oid, a.attnum) IS NULL
UNION ALL
SELECT 'function', m.objid::regprocedure::text
  FROM members m
 WHERE m.classid = 'pg_proc'::regclass
   AND obj_description(m.objid, 'pg_proc') IS NULL
UNION ALL
SELECT 'event trigger', t.evtname::text
  FROM members m JOIN pg_event_trigger t ON t.oid = m.objid
 WHERE m.classid = 'pg_event_trigger'::regclass
   AND obj_description(t.oid, 'pg_event_trigger') IS NULL
UNION ALL
SELECT 'schema', n.nspname::text
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'runner_policy'
   AND obj_description(n.oid, 'pg_namespace') IS NULL
ORDER BY 1, 2;

-- The list above looks at members of the extension; nothing in its schema
-- is outside it (a forgotten object would escape the check above).
SELECT 'not a member' AS kind, c.oid::regclass::text AS object
  FROM pg_class c
 WHERE c.relnamespace = 'runner_policy'::regnamespace
   AND c.relkind IN ('r', 'v', 'm', 'p')
   AND NOT EXISTS (SELECT FROM pg_depend d
					WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
					  AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e')
UNION ALL
SELECT 'not a member', p.oid::regprocedure::text
  FROM pg_proc p
 WHERE p.pronamespace = 'runner_policy'::regnamespace
   AND NOT EXISTS (SELECT FROM pg_depend d
					WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
					  AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e');
