-- The rule table (src/rules.c, set_rules[], shown by reach_sets()) is the
-- only vocabulary the SQL may use, and every set it declares for the
-- policies is used by them; the change triggers are made from one list,
-- rights_columns(), and the catalog matches it.
\set VERBOSITY terse
SET search_path = pg_catalog, pg_temp;

-- Every set name the SQL of the extension passes to reach(), in_reach()
-- or in_reach_any(): in policies, views and SQL function bodies.
CREATE TEMP VIEW sql_texts AS
SELECT 'policy ' || tablename || '.' || policyname AS place, coalesce(qual, '') || ' ' || coalesce(with_check, '') AS body
  FROM pg_policies WHERE schemaname = 'runner_policy'
UNION ALL
SELECT 'view ' || viewname, definition FROM pg_views WHERE schemaname = 'runner_policy'
UNION ALL
SELECT 'function ' || p.proname, pg_get_functiondef(p.oid)
  FROM pg_proc p
 WHERE p.pronamespace = 'runner_policy'::regnamespace
   AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'sql');
CREATE TEMP VIEW sql_sets AS
SELECT DISTINCT t.place, m[2] AS name
  FROM sql_texts t, regexp_matches(t.body, '(reach|in_reach|in_reach_any)\(''([a-z_]+)''', 'g') AS m;

SELECT count(DISTINCT name) AS names_in_sql, count(DISTINCT place) AS places FROM sql_sets;

-- A name the SQL uses that the table does not have, or has only for
-- releases before 1.2: none.
SELECT s.place, s.name FROM sql_sets s
 WHERE NOT EXISTS (SELECT FROM runner_policy.reach_sets() r
					WHERE r.name = s.name AND r.used_in = 'policies')
 ORDER BY 1, 2;

-- A row of the table for the policies that no SQL uses, or a row for the
-- C code or for old releases that the SQL does use: none.
SELECT r.name, r.used_in FROM runner_policy.reach_sets() r
 WHERE (r.used_in = 'policies') <> EXISTS (SELECT FROM sql_sets s WHERE s.name = r.name)
 ORDER BY 1;

-- The table itself: one row per name, each saying who has it and from what.
SELECT count(*) AS sets, count(DISTINCT name) AS names,
	   count(*) FILTER (WHERE who = '' OR computed_from = '') AS undescribed
  FROM runner_policy.reach_sets();
SELECT used_in, count(*) FROM runner_policy.reach_sets() GROUP BY 1 ORDER BY 1;

-- The change triggers are the list: on each table of rights_columns(), a
-- BEFORE ROW trigger on INSERT, DELETE and UPDATE OF exactly the listed
-- columns, whose argument is the list's user column (none for the tables
-- whose changes concern everyone), and an AFTER TRUNCATE statement
-- trigger, both enabled always; reach_changed() fires nowhere else.
CREATE TEMP VIEW change_triggers AS
SELECT c.relname AS table_name, t.tgname, t.tgenabled,
	   (t.tgtype & 2) <> 0 AS before, (t.tgtype & 1) <> 0 AS per_row,
	   (t.tgtype & 4) <> 0 AS on_insert, (t.tgtype & 8) <> 0 AS on_delete,
	   (t.tgtype & 16) <> 0 AS on_update, (t.tgtype & 32) <> 0 AS on_truncate,
	   ARRAY(SELECT a.attname::text FROM unnest(t.tgattr) WITH ORDINALITY AS k(attnum, ord)
			   JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.attnum
			  ORDER BY a.attname) AS columns,
	   CASE WHEN t.tgnargs = 1
			THEN convert_from(substr(t.tgargs, 1, length(t.tgargs) - 1), 'UTF8') END AS user_column
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE t.tgfoid = 'runner_policy.reach_changed()'::regprocedure;
-- differences between the list and the catalog: none
(SELECT table_name, ARRAY(SELECT unnest(column_names) ORDER BY 1) AS columns, user_column
   FROM runner_policy.rights_columns()
 EXCEPT
 SELECT table_name, columns, user_column FROM change_triggers
  WHERE tgname = table_name || '_reach_changed' AND tgenabled = 'A'
	AND before AND per_row AND on_insert AND on_delete AND on_update AND NOT on_truncate)
UNION ALL
(SELECT table_name, NULL::text[], NULL FROM runner_policy.rights_columns()
 EXCEPT
 SELECT table_name, NULL::text[], NULL FROM change_triggers
  WHERE tgname = table_name || '_reach_changed_truncate' AND tgenabled = 'A'
	AND NOT before AND NOT per_row AND on_truncate AND NOT on_insert AND NOT on_update AND NOT on_delete);
-- triggers calling reach_changed() that the list does not name: none
SELECT table_name, tgname FROM change_triggers
 WHERE tgname NOT IN (table_name || '_reach_changed', table_name || '_reach_changed_truncate')
	OR table_name NOT IN (SELECT table_name FROM runner_policy.rights_columns())
 ORDER BY 1, 2;
SELECT count(*) AS change_triggers FROM change_triggers;

-- The audit triggers are made from the same list: on each table of
-- rights_columns(), an AFTER ROW trigger on INSERT, DELETE and UPDATE OF
-- exactly the listed columns less the derived ones, and an AFTER TRUNCATE
-- statement trigger, enabled as triggers are by default (a load in
-- replica mode writes no entries).  Elsewhere audit_row() fires on every
-- column: runners, their links and tokens.
CREATE TEMP VIEW audit_triggers AS
SELECT c.relname AS table_name, t.tgname, t.tgenabled,
	   (t.tgtype & 2) <> 0 AS before, (t.tgtype & 1) <> 0 AS per_row,
	   (t.tgtype & 4) <> 0 AS on_insert, (t.tgtype & 8) <> 0 AS on_delete,
	   (t.tgtype & 16) <> 0 AS on_update, (t.tgtype & 32) <> 0 AS on_truncate,
	   ARRAY(SELECT a.attname::text FROM unnest(t.tgattr) WITH ORDINALITY AS k(attnum, ord)
			   JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.attnum
			  ORDER BY a.attname) AS columns
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE t.tgfoid = 'runner_policy.audit_row()'::regprocedure;
-- derived columns the list does not name as columns: none
SELECT table_name, derived_columns FROM runner_policy.rights_columns()
 WHERE NOT derived_columns <@ column_names;
-- differences between the list and the catalog: none
(SELECT table_name, ARRAY(SELECT c FROM unnest(column_names) AS c
						   WHERE c <> ALL (derived_columns) ORDER BY 1) AS columns
   FROM runner_policy.rights_columns()
 EXCEPT
 SELECT table_name, columns FROM audit_triggers
  WHERE tgname = 'audit_' || table_name AND tgenabled = 'O'
	AND NOT before AND per_row AND on_insert AND on_delete AND on_update AND NOT on_truncate)
UNION ALL
(SELECT table_name, NULL::text[] FROM runner_policy.rights_columns()
 EXCEPT
 SELECT table_name, NULL::text[] FROM audit_triggers
  WHERE tgname = 'audit_' || table_name || '_truncate' AND tgenabled = 'O'
	AND NOT before AND NOT per_row AND on_truncate AND NOT on_insert AND NOT on_update AND NOT on_delete);
-- the other audited tables: every column, every change
SELECT table_name, tgname, on_insert AND on_delete AND on_update AND per_row AND NOT before AS every_change,
	   columns = '{}' AS every_column
  FROM audit_triggers
 WHERE table_name NOT IN (SELECT table_name FROM runner_policy.rights_columns()) AND per_row
 ORDER BY 1, 2;
SELECT count(*) AS audit_triggers FROM audit_triggers;
