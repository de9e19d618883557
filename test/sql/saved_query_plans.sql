-- The statements the extension runs through SPI (runner_policy.saved_queries())
-- cost the same whatever the size of the tables that grow without bound: the
-- audit log, jobs and tokens.  A saved plan turns generic from its sixth run
-- in a long session, so each statement is EXPLAINed here with
-- plan_cache_mode = force_generic_plan, in a database where those tables
-- hold 100,000 rows each, and every scan of them must be an index scan
-- bounded by its condition: a condition on the index's leading column, or a
-- partial index over the unfinished jobs.  A sequential scan, or an index
-- walked whole, is a cost that grows with history.
--
-- Runs in a database of its own, dropped at the end, so that the big tables
-- change no other test's plans.
\set VERBOSITY terse
\set regress_db :DBNAME
SET client_min_messages = warning;
DROP DATABASE IF EXISTS regress_saved_plans;
CREATE DATABASE regress_saved_plans;
\c regress_saved_plans
SET client_min_messages = warning;
CREATE EXTENSION runner_policy;

-- A forge with a long history: 1,000 users, 100 projects, 100,000 jobs
-- (1% of them unfinished), 100,000 tokens and 100,000 audit entries in 32
-- lanes, loaded with triggers off (the audit entries need no valid hashes:
-- only their size matters here).
SET session_replication_role = replica;
INSERT INTO runner_policy.users (id, username) SELECT g, 'u' || g FROM generate_series(1, 1000) g;
INSERT INTO runner_policy.namespaces (id, name, traversal_ids) VALUES (1, 'g', '{1}');
INSERT INTO runner_policy.projects (id, namespace_id, name) SELECT g, 1, 'p' || g FROM generate_series(1, 100) g;
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, linked_project_ids)
SELECT g, 3, 1 + g % 100, ARRAY[1 + g % 100] FROM generate_series(1, 1000) g;
INSERT INTO runner_policy.ci_runner_projects (id, runner_id, project_id, owner_project_id)
SELECT g, g, 1 + g % 100, 1 + g % 100 FROM generate_series(1, 1000) g;
INSERT INTO runner_policy.ci_builds (id, project_id, runner_id, user_id, status)
SELECT g, 1 + g % 100, 1 + g % 1000, 1 + g % 1000,
	   CASE WHEN g % 100 = 0 THEN 'pending' WHEN g % 100 = 1 THEN 'running' ELSE 'success' END
  FROM generate_series(1, 100000) g;
INSERT INTO runner_policy.tokens (id, kind, digest, user_id, job_id, scopes, revoked_at)
SELECT g, 'job_token', sha256(g::text::bytea), 1 + g % 1000, g, '{}', now()
  FROM generate_series(1, 100000) g;
INSERT INTO runner_policy.audit_lanes (lane, seq, hash) SELECT l, 3125, '\x00' FROM generate_series(0, 31) l;
INSERT INTO runner_policy.audit_log (id, at, db_role, action, object_type, object_id, lane, lane_seq, prev_hash, hash)
SELECT g, now(), 'loader', 'register', 'runner', g, g % 32, g / 32 + 1, '\x00', '\x00'
  FROM generate_series(0, 99999) g;
RESET session_replication_role;
ANALYZE;

-- Every scan node of a statement's generic plan, with what bounds it.
SET search_path = pg_catalog, pg_temp;
CREATE TEMP TABLE scans (file text, name text, node text, tbl text, idx text, cond text);
CREATE FUNCTION pg_temp.plan_scans(file text, name text, query text, argtypes regtype[])
	RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	plan jsonb;
BEGIN
	EXECUTE format('PREPARE sq%s AS %s',
				   CASE WHEN cardinality(argtypes) > 0
						THEN '(' || array_to_string(argtypes::text[], ', ') || ')' ELSE '' END,
				   query);
	EXECUTE format('EXPLAIN (FORMAT JSON) EXECUTE sq%s',
				   CASE WHEN cardinality(argtypes) > 0
						THEN '(' || array_to_string(array_fill('NULL'::text, ARRAY[cardinality(argtypes)]), ', ') || ')'
						ELSE '' END)
		INTO plan;
	DEALLOCATE sq;
	INSERT INTO scans
	SELECT file, name, n->>'Node Type',
		   coalesce(to_regclass('runner_policy.' || (n->>'Relation Name'))::text,
					(SELECT i.indrelid::regclass::text FROM pg_index i
					  WHERE i.indexrelid = to_regclass('runner_policy.' || (n->>'Index Name')))),
		   n->>'Index Name',
		   coalesce(n->>'Index Cond', '')
	  FROM jsonb_path_query(plan, 'strict $.**') AS n
	 WHERE jsonb_typeof(n) = 'object' AND (n ? 'Relation Name' OR n ? 'Index Name');
END $$;
SET plan_cache_mode = force_generic_plan;

-- Is a scan bounded: an index scan whose condition names the index's
-- leading column, or any scan of a partial index?  (A ModifyTable node
-- writes the rows its input found, and a Bitmap Heap Scan reads those its
-- Bitmap Index Scans found; those inputs are checked themselves.)
CREATE FUNCTION pg_temp.bounded(node text, idx text, cond text) RETURNS boolean
	LANGUAGE sql AS $$
	SELECT node IN ('ModifyTable', 'Bitmap Heap Scan') OR
		   node <> 'Seq Scan' AND idx IS NOT NULL AND
		   (SELECT i.indpred IS NOT NULL OR
				   cond ~ ('\m' || (SELECT a.attname FROM pg_attribute a
									 WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[0]) || '\M')
			  FROM pg_index i WHERE i.indexrelid = to_regclass('runner_policy.' || idx))
$$;

-- The check catches what it is there for: release 1.1's commit-time
-- audit head update, whose generic plan scans the whole audit log.
SELECT pg_temp.plan_scans('1.1', 'audit head update',
	'UPDATE runner_policy.audit_lanes l SET seq = $2, hash = $3'
	' WHERE l.lane OPERATOR(pg_catalog.=) $1 AND l.seq OPERATOR(pg_catalog.<) $2'
	'   AND NOT EXISTS (SELECT FROM runner_policy.audit_log e'
	'                    WHERE e.lane OPERATOR(pg_catalog.=) $1'
	'                      AND e.lane_seq OPERATOR(pg_catalog.>) $2)',
	'{integer,bigint,bytea}');
SELECT node, tbl FROM scans WHERE file = '1.1' AND tbl = 'runner_policy.audit_log'
   AND NOT pg_temp.bounded(node, idx, cond);
TRUNCATE scans;

-- Every statement of this release.  prune_audit_log() is left out: it
-- removes the entries it is asked to remove, and costs what it removes.
-- So is the mark a TRUNCATE puts on every entry of the objects it
-- removes all at once (mark_type_deleted), for the same reason.
SELECT count(*) > 60 AS many_statements
  FROM runner_policy.saved_queries() q,
	   LATERAL pg_temp.plan_scans(q.file, q.name, q.query, q.argument_types)
 WHERE q.name NOT IN ('prune_query', 'mark_type_deleted');

-- Scans of the tables that grow without bound that are not bounded: none.
SELECT file, name, node, tbl, idx, cond FROM scans
 WHERE tbl IN ('runner_policy.audit_log', 'runner_policy.ci_builds', 'runner_policy.tokens')
   AND NOT pg_temp.bounded(node, idx, cond)
 ORDER BY 1, 2, 3, 4;

\c :regress_db
SET client_min_messages = warning;
DROP DATABASE regress_saved_plans;
