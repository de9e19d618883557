-- ops_schema: the extension owns its schema.  CREATE EXTENSION refuses a
-- schema "runner_policy" that a role made first (a squatter could rename
-- it, or plant objects in it), renaming the schema is refused, and the C
-- code finds its tables through the extension, not by name, so that even a
-- rename made past the guard leaves runner inserts working.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET search_path = pg_catalog;

-- The version the tests install (the newest), and where we come back to.
SELECT extversion AS version, current_database() AS home
  FROM pg_extension WHERE extname = 'runner_policy' \gset

CREATE DATABASE regress_ops_squat;
CREATE ROLE regress_ops_squatter;
GRANT CREATE ON DATABASE regress_ops_squat TO regress_ops_squatter;
\c regress_ops_squat
SET search_path = pg_catalog;

-- A role with CREATE on the database squats the name.
SET ROLE regress_ops_squatter;
CREATE SCHEMA runner_policy;
RESET ROLE;
CREATE EXTENSION runner_policy VERSION :'version';
-- Nothing was installed.
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'runner_policy';
SELECT count(*) AS relations FROM pg_class WHERE relnamespace = 'runner_policy'::regnamespace;

-- A 1.0 installation in a squatted schema (1.0 did not check) is not
-- updated either, until a superuser has checked the schema and taken it
-- over (README, "Upgrades").
CREATE EXTENSION runner_policy VERSION '1.0';
ALTER EXTENSION runner_policy UPDATE TO :'version';
SELECT extversion FROM pg_extension WHERE extname = 'runner_policy';
ALTER SCHEMA runner_policy OWNER TO CURRENT_USER;
ALTER EXTENSION runner_policy UPDATE TO :'version';
SELECT extversion = :'version' AS updated FROM pg_extension WHERE extname = 'runner_policy';
DROP EXTENSION runner_policy;
ALTER SCHEMA runner_policy OWNER TO regress_ops_squatter;

-- A schema of the right owner that holds someone else's objects is not ours
-- either.
ALTER SCHEMA runner_policy OWNER TO CURRENT_USER;
CREATE TABLE runner_policy.planted (id int);
CREATE EXTENSION runner_policy VERSION :'version';
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'runner_policy';

-- Once the schema is gone, the extension makes its own.
DROP SCHEMA runner_policy CASCADE;
CREATE EXTENSION runner_policy VERSION :'version';
SELECT n.nspowner = e.extowner AS schema_owned_by_extension_owner
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'runner_policy';

-- A restore writes the schema and its owner before CREATE EXTENSION (on
-- PostgreSQL 15 the schema is not a member of the extension, so pg_dump
-- dumps it); a schema of another superuser is accepted.
DROP EXTENSION runner_policy;
DROP SCHEMA runner_policy;
CREATE ROLE regress_ops_restorer SUPERUSER;
CREATE SCHEMA runner_policy AUTHORIZATION regress_ops_restorer;
CREATE EXTENSION runner_policy VERSION :'version';
SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'runner_policy';
DROP EXTENSION runner_policy;
DROP SCHEMA runner_policy;
DROP ROLE regress_ops_restorer;

\c :home
SET search_path = pg_catalog;
DROP DATABASE regress_ops_squat;
DROP ROLE regress_ops_squatter;

-- Renaming the schema is refused, and nothing changed.
ALTER SCHEMA runner_policy RENAME TO forge;
SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'runner_policy';
-- Renaming other schemas is not our business.
CREATE SCHEMA regress_ops_other;
ALTER SCHEMA regress_ops_other RENAME TO regress_ops_other2;
DROP SCHEMA regress_ops_other2;

-- Past the guard (a superuser disables it), a rename to a name that needs
-- quoting leaves the C code working: it prepares its queries in the schema
-- the extension is in now, and again when that changes back.
BEGIN;
INSERT INTO runner_policy.users (id, username) VALUES (1, 'alice');
INSERT INTO runner_policy.namespaces (id, parent_id, name) VALUES (1, NULL, 'acme');
INSERT INTO runner_policy.projects (id, namespace_id, name) VALUES (10, 1, 'api');
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (10, 1, 40);
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id) VALUES (100, 3, 10);
ALTER EVENT TRIGGER runner_policy_ddl_guard DISABLE;
ALTER SCHEMA runner_policy RENAME TO "Forge Tables";
INSERT INTO "Forge Tables".ci_runners (id, runner_type, sharding_key_id) VALUES (101, 3, 10);
INSERT INTO "Forge Tables".ci_runners (id, runner_type, sharding_key_id) VALUES (102, 2, 1);
SELECT runner_id, project_id FROM "Forge Tables".ci_runner_projects ORDER BY 1;
SELECT runner_id, namespace_id FROM "Forge Tables".ci_runner_namespaces ORDER BY 1;
SELECT "Forge Tables".act_as(1, is_local => true);
SELECT count(*) AS runners_alice_reads FROM "Forge Tables".ci_runners;
ALTER SCHEMA "Forge Tables" RENAME TO runner_policy;
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id) VALUES (103, 3, 10);
SELECT count(*) AS owner_links FROM runner_policy.ci_runner_projects;
SELECT * FROM runner_policy.check_invariants();
ROLLBACK;
SELECT evtenabled FROM pg_event_trigger WHERE evtname = 'runner_policy_ddl_guard';
