-- ops_drop: DROP EXTENSION runner_policy, with or without CASCADE, DROP
-- SCHEMA runner_policy CASCADE and DROP OWNED BY the role that owns the
-- extension (or, with CASCADE, its schema) are refused while the
-- extension's tables hold rows, also in replica mode and in a session that
-- has used nothing of the extension; after a backup, emptying the tables
-- or a superuser's runner_policy.allow_drop_with_data lets the drop
-- through.  Every drop here is rolled back.
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

-- Replica mode, which a legacy load sets (README, "Legacy loads"), fires no
-- event trigger that is not enabled ALWAYS: the guard is.
SELECT evtenabled FROM pg_event_trigger WHERE evtname = 'runner_policy_ddl_guard';
BEGIN;
INSERT INTO runner_policy.users (id, username) VALUES (1, 'alice');
SAVEPOINT fixture;
SET LOCAL session_replication_role = replica;
DROP EXTENSION runner_policy;
ROLLBACK TO fixture;
SET LOCAL session_replication_role = replica;
DROP SCHEMA runner_policy CASCADE;
ROLLBACK TO fixture;
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'runner_policy';
SET CONSTRAINTS ALL IMMEDIATE;
SET LOCAL session_replication_role = replica;
SET LOCAL runner_policy.allow_drop_with_data = on;
DROP SCHEMA runner_policy CASCADE;
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'runner_policy';
ROLLBACK;

-- DROP OWNED drops what a role owns: the extension, with its tables, when
-- the role created it.  A superuser other than the bootstrap one creates
-- it in a database of its own.
SELECT extversion AS version, current_database() AS home
  FROM pg_extension WHERE extname = 'runner_policy' \gset
CREATE DATABASE regress_ops_owned;
CREATE ROLE regress_ops_owner SUPERUSER;
\c regress_ops_owned
SET search_path = pg_catalog;
SET ROLE regress_ops_owner;
CREATE EXTENSION runner_policy VERSION :'version';
INSERT INTO runner_policy.users (id, username) VALUES (1, 'alice');
RESET ROLE;
SELECT e.extowner::regrole AS extension_owner, n.nspowner::regrole AS schema_owner
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'runner_policy';

-- A new session has used nothing of the extension: the guard loads the
-- library itself.
\c regress_ops_owned
SET search_path = pg_catalog;
BEGIN;
DROP OWNED BY regress_ops_owner;
ROLLBACK;
BEGIN;
SET LOCAL session_replication_role = replica;
DROP EXTENSION runner_policy;
ROLLBACK;
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'runner_policy';

BEGIN;
SAVEPOINT fixture;
SET LOCAL session_replication_role = replica;
DROP OWNED BY regress_ops_owner;
ROLLBACK TO fixture;
DROP OWNED BY regress_ops_owner CASCADE;
ROLLBACK TO fixture;
-- A role that owns the schema only: DROP OWNED drops the extension with
-- the schema only with CASCADE (and without, PostgreSQL refuses it).
CREATE ROLE regress_ops_schema_owner;
ALTER SCHEMA runner_policy OWNER TO regress_ops_schema_owner;
SAVEPOINT schema_owned;
DROP OWNED BY regress_ops_schema_owner CASCADE;
ROLLBACK TO schema_owned;
DROP OWNED BY regress_ops_schema_owner;
ROLLBACK TO fixture;
-- Roles that own nothing of the extension are none of its business.
CREATE ROLE regress_ops_bystander;
DROP OWNED BY regress_ops_bystander CASCADE;
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'runner_policy';
ROLLBACK TO fixture;
-- A superuser who has a backup says so.
SET CONSTRAINTS ALL IMMEDIATE;
SET LOCAL runner_policy.allow_drop_with_data = on;
DROP OWNED BY regress_ops_owner;
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'runner_policy';
ROLLBACK;
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'runner_policy';

\c :home
SET search_path = pg_catalog;
DROP DATABASE regress_ops_owned;
DROP ROLE regress_ops_owner;
