/*
 * bench/mix/setup.sql: what the pgbench mix needs, on either cluster
 * (release 1.0 and the current build run the same file after the same
 * bench/data.sql).  Run by a superuser once; bench/mix/refill.sql then
 * tops up the disposable projects before every run.  Prints one line of
 * name=value, the pgbench variables (-D) of bench/mix.sh:
 *   nu   users (readers act as a random active one of 6..nu)
 *   np   the forge's own projects, 1..np (writers use them; the deleter
 *        deletes only the disposable ones, whose ids are above np)
 */
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- the forge's application role
\ir ../app_role.sql

CREATE SCHEMA bench_mix;
CREATE TABLE bench_mix.forge AS
SELECT (SELECT max(id) FROM runner_policy.users) AS nu,
	   (SELECT max(id) FROM runner_policy.projects) AS np,
	   (SELECT max(id) FROM runner_policy.namespaces) AS ng;

SELECT format('nu=%s np=%s', nu, np) FROM bench_mix.forge;
