-- ops_drop: DROP EXTENSION runner_policy, with or without CASCADE, and DROP
-- SCHEMA runner_policy CASCADE are refused while the extension's tables
-- hold rows; after a backup, emptying the tables or a superuser's
-- runner_policy.allow_drop_with_data lets the drop through.  Every drop
-- here is rolled back.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET search_path = pg_catalog;

BEGIN;
INSERT INTO runner_policy.users (id, username) VALUES (1, 'alice');
INSERT INTO runner_policy.namespaces (id, parent_id, name) VALUES (1, NULL, 'acme');
INSERT INTO runner_policy.projects (id, namespace_id, name) VALUES (10, 1, 'api');
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id) VALUES (100, 3, 10);
SAVEPOINT fixture;

DROP EXTENSION runner_policy;
ROLLBACK TO fixture;
DROP EXTENSION runner_policy CASCADE;
ROLLBACK TO fixture;
DROP EXTENSION IF EXISTS runner_policy, regress_ops_no_such_extension;
ROLLBACK TO fixture;
DROP SCHEMA runner_policy CASCADE;
ROLLBACK TO fixture;
-- Nothing was dropped.
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'runner_policy';
SELECT count(*) AS runners FROM runner_policy.ci_runners;

-- Only a superuser may set the escape hatch.
CREATE ROLE regress_ops_dropper;
SET ROLE regress_ops_dropper;
SET runner_policy.allow_drop_with_data = on;
ROLLBACK TO fixture;
SELECT current_user = session_user AS role_reset;

-- A superuser who has a backup says so, and the drop goes through (once
-- the audit lanes' heads, which move at commit, have moved).
SET CONSTRAINTS ALL IMMEDIATE;
SET LOCAL runner_policy.allow_drop_with_data = on;
DROP EXTENSION runner_policy;
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'runner_policy';
ROLLBACK;

-- Empty tables: nothing to lose, the drop goes through.  Emptying the
-- forge's tables is not enough while the audit log holds their history
-- (append-only: only a superuser with its triggers off can empty it).
BEGIN;
DO $$
DECLARE
	tables text;
BEGIN
	SELECT string_agg(c.oid::regclass::text, ', ') INTO tables
	  FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
	 WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_extension'::regclass
	   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'runner_policy')
	   AND d.deptype = 'e' AND c.relkind = 'r'
	   AND c.relname NOT IN ('audit_log', 'audit_lanes');
	EXECUTE 'TRUNCATE ' || tables;
END
$$;
SAVEPOINT with_history;
DROP EXTENSION runner_policy;
ROLLBACK TO SAVEPOINT with_history;
SET CONSTRAINTS ALL IMMEDIATE;	-- the audit lanes' heads move now, not at commit
SET LOCAL session_replication_role = replica;
TRUNCATE runner_policy.audit_log, runner_policy.audit_lanes;
SET LOCAL session_replication_role = origin;
DROP EXTENSION runner_policy;
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'runner_policy';
ROLLBACK;
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'runner_policy';
