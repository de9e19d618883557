-- test/citus/dba.sql: the DBA's functions that do not work on Citus yet
-- (doc/citus.md); test/citus/run reports what they do, as notes.
\set VERBOSITY terse
\set ON_ERROR_STOP 0
SELECT count(*) FROM runner_policy.backfill_owners();
SELECT count(*) FROM runner_policy.runner_access WHERE runner_id = 4;
