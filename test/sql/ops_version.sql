-- ops_version: runner_policy.version() gives the SQL version installed in
-- the database and the library's, and a library that does not serve the
-- installed SQL says so, in version() and in every other entry point.  The
-- mismatch is made real by changing pg_extension.extversion (as a
-- mismatched make install leaves it) inside a transaction that is rolled
-- back.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET search_path = pg_catalog;

-- The same versions: the SQL is the newest the library serves.
SELECT v.extension_version OPERATOR(pg_catalog.=) e.extversion AS is_installed_version,
	   v.library_version OPERATOR(pg_catalog.=) v.extension_version AS library_matches
  FROM runner_policy.version() AS v, pg_extension e
 WHERE e.extname = 'runner_policy';
-- Anyone who may use the schema may ask.
BEGIN;
CREATE ROLE regress_ops_version;
GRANT USAGE ON SCHEMA runner_policy TO regress_ops_version;
SET ROLE regress_ops_version;
SELECT count(*) FROM runner_policy.version();
ROLLBACK;

-- SQL newer than the library (the library of an older release is loaded).
BEGIN;
UPDATE pg_extension SET extversion = '99.0' WHERE extname = 'runner_policy';
SELECT * FROM runner_policy.version();
ROLLBACK;
-- The same for any C function that reads the tables.
BEGIN;
UPDATE pg_extension SET extversion = '99.0' WHERE extname = 'runner_policy';
SELECT runner_policy.act_as(1, is_local => true);
ROLLBACK;
-- SQL older than any version the library serves.
BEGIN;
UPDATE pg_extension SET extversion = '0.9' WHERE extname = 'runner_policy';
SELECT * FROM runner_policy.version();
ROLLBACK;
-- Back to the installed version, everything works again.
SELECT count(*) FROM runner_policy.version();

-- A mismatched installation can still be dropped: the DDL guard looks at
-- the data (the audit log of the earlier tests holds entries, so this drop
-- says it knows), not at the version.
BEGIN;
UPDATE pg_extension SET extversion = '99.0' WHERE extname = 'runner_policy';
SET LOCAL runner_policy.allow_drop_with_data = on;
DROP EXTENSION runner_policy;
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'runner_policy';
ROLLBACK;
