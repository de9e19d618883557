-- test/upgrade/catalog.sql: the catalog of the extension, as text that can
-- be compared between two databases (names, never OIDs).  Run by
-- test/upgrade/run in an upgraded and in a freshly installed database; the
-- two outputs must be the same, line for line.
\set QUIET on
\pset format unaligned
\pset tuples_only on
\pset null '(null)'
SET search_path = pg_catalog;
-- ACLs are sorted: their order is the order of the grants, which differs
-- between a fresh install and an upgraded database with the same grants.

CREATE TEMP VIEW members AS
SELECT d.classid, d.objid, d.objsubid
  FROM pg_depend d
  JOIN pg_extension e ON e.oid = d.refobjid
 WHERE d.refclassid = 'pg_extension'::regclass
   AND d.deptype = 'e'
   AND e.extname = 'runner_policy';

\echo '== extension'
SELECT e.extname, e.extversion, n.nspname, e.extowner::regrole, e.extrelocatable,
	   (SELECT string_agg(c::regclass::text, ', ' ORDER BY c::regclass::text)
		  FROM unnest(e.extconfig) AS c) AS config_dumped
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'runner_policy';

\echo '== schema (owner, ACL, comment)'
SELECT n.nspname, n.nspowner::regrole, (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(n.nspacl) AS x), obj_description(n.oid, 'pg_namespace')
  FROM pg_namespace n WHERE n.nspname = 'runner_policy';

\echo '== members'
SELECT pg_describe_object(classid, objid, objsubid) FROM members ORDER BY 1;

\echo '== relations (kind, owner, RLS, options, ACL, comment)'
SELECT c.oid::regclass, c.relkind, c.relowner::regrole, c.relrowsecurity,
	   c.relforcerowsecurity, c.reloptions, (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(c.relacl) AS x), obj_description(c.oid, 'pg_class')
  FROM members m JOIN pg_class c ON c.oid = m.objid
 WHERE m.classid = 'pg_class'::regclass
 ORDER BY c.oid::regclass::text;

\echo '== columns (type, not null, default, identity, ACL, comment), in order'
SELECT c.oid::regclass, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
	   a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
	   (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(a.attacl) AS x), col_description(c.oid, a.attnum)
  FROM members m
  JOIN pg_class c ON c.oid = m.objid
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
 WHERE m.classid = 'pg_class'::regclass AND c.relkind IN ('r', 'v', 'm', 'p')
 ORDER BY c.oid::regclass::text, a.attnum;

\echo '== constraints'
SELECT co.conrelid::regclass, co.conname, pg_get_constraintdef(co.oid)
  FROM members m JOIN pg_constraint co ON co.conrelid = m.objid
 WHERE m.classid = 'pg_class'::regclass
 ORDER BY co.conrelid::regclass::text, co.conname;

\echo '== indexes'
SELECT pg_get_indexdef(i.indexrelid)
  FROM members m JOIN pg_index i ON i.indrelid = m.objid
 WHERE m.classid = 'pg_class'::regclass
 ORDER BY 1;

\echo '== views'
SELECT c.oid::regclass, pg_get_viewdef(c.oid)
  FROM members m JOIN pg_class c ON c.oid = m.objid
 WHERE m.classid = 'pg_class'::regclass AND c.relkind IN ('v', 'm')
 ORDER BY c.oid::regclass::text;

\echo '== policies'
SELECT schemaname, tablename, policyname, permissive, roles, cmd, qual, with_check
  FROM pg_policies WHERE schemaname = 'runner_policy'
 ORDER BY tablename, policyname;

\echo '== triggers'
SELECT t.tgrelid::regclass, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid)
  FROM members m JOIN pg_trigger t ON t.tgrelid = m.objid
 WHERE m.classid = 'pg_class'::regclass AND NOT t.tgisinternal
 ORDER BY t.tgrelid::regclass::text, t.tgname;

\echo '== event triggers'
SELECT t.evtname, t.evtevent, t.evtowner::regrole, t.evtfoid::regprocedure,
	   t.evtenabled, t.evttags, obj_description(t.oid, 'pg_event_trigger')
  FROM members m JOIN pg_event_trigger t ON t.oid = m.objid
 WHERE m.classid = 'pg_event_trigger'::regclass
 ORDER BY 1;

\echo '== functions (definition, owner, ACL, comment)'
SELECT p.oid::regprocedure, p.proowner::regrole, (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(p.proacl) AS x),
	   obj_description(p.oid, 'pg_proc'), pg_get_functiondef(p.oid)
  FROM members m JOIN pg_proc p ON p.oid = m.objid
 WHERE m.classid = 'pg_proc'::regclass
 ORDER BY p.oid::regprocedure::text;

\echo '== sequences'
SELECT s.seqrelid::regclass, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
	   s.seqmax, s.seqmin, s.seqcache, s.seqcycle
  FROM members m JOIN pg_sequence s ON s.seqrelid = m.objid
 WHERE m.classid = 'pg_class'::regclass
 ORDER BY s.seqrelid::regclass::text;

-- on the member tables (CREATE STATISTICS makes no extension member)
\echo '== statistics objects'
SELECT pg_get_statisticsobjdef(s.oid), s.stxowner::regrole, s.stxstattarget,
	   obj_description(s.oid, 'pg_statistic_ext')
  FROM members m JOIN pg_statistic_ext s ON s.stxrelid = m.objid
 WHERE m.classid = 'pg_class'::regclass
 ORDER BY 1;

\echo '== types'
SELECT t.oid::regtype, t.typtype, obj_description(t.oid, 'pg_type')
  FROM members m JOIN pg_type t ON t.oid = m.objid
 WHERE m.classid = 'pg_type'::regclass
 ORDER BY t.oid::regtype::text;

-- What each member, and each part of a member table or view (its
-- constraints, indexes, defaults, triggers, policies, rules, statistics
-- objects), depends on: the functions a policy, trigger or view calls,
-- the columns a trigger fires on, the sequence a column owns.  The
-- internal triggers of foreign keys are named after their OIDs; the name
-- is cut to its kind.
\echo '== dependencies'
WITH parts AS (
	SELECT m.classid, m.objid FROM members m
	UNION
	SELECT 'pg_constraint'::regclass, co.oid
	  FROM members m JOIN pg_constraint co ON co.conrelid = m.objid
	 WHERE m.classid = 'pg_class'::regclass
	UNION
	SELECT 'pg_class'::regclass, i.indexrelid
	  FROM members m JOIN pg_index i ON i.indrelid = m.objid
	 WHERE m.classid = 'pg_class'::regclass
	UNION
	SELECT 'pg_attrdef'::regclass, ad.oid
	  FROM members m JOIN pg_attrdef ad ON ad.adrelid = m.objid
	 WHERE m.classid = 'pg_class'::regclass
	UNION
	SELECT 'pg_trigger'::regclass, t.oid
	  FROM members m JOIN pg_trigger t ON t.tgrelid = m.objid
	 WHERE m.classid = 'pg_class'::regclass
	UNION
	SELECT 'pg_policy'::regclass, p.oid
	  FROM members m JOIN pg_policy p ON p.polrelid = m.objid
	 WHERE m.classid = 'pg_class'::regclass
	UNION
	SELECT 'pg_rewrite'::regclass, r.oid
	  FROM members m JOIN pg_rewrite r ON r.ev_class = m.objid
	 WHERE m.classid = 'pg_class'::regclass
	UNION
	SELECT 'pg_statistic_ext'::regclass, s.oid
	  FROM members m JOIN pg_statistic_ext s ON s.stxrelid = m.objid
	 WHERE m.classid = 'pg_class'::regclass
)
SELECT regexp_replace(pg_describe_object(d.classid, d.objid, d.objsubid),
					  'RI_ConstraintTrigger_([ac])_[0-9]+', 'RI_ConstraintTrigger_\1', 'g') AS object,
	   regexp_replace(pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid),
					  'RI_ConstraintTrigger_([ac])_[0-9]+', 'RI_ConstraintTrigger_\1', 'g') AS depends_on,
	   d.deptype
  FROM pg_depend d
  JOIN parts p ON p.classid = d.classid AND p.objid = d.objid
 ORDER BY 1, 2, 3;
