/* sql/runner_policy--1.0--1.1.sql: release 1.1 over 1.0 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "ALTER EXTENSION runner_policy UPDATE TO '1.1'" to load this file. \quit

/*
 * A fresh CREATE EXTENSION runner_policy VERSION '1.1' runs
 * runner_policy--1.0.sql and then this script, as pg_cron installs its
 * versions: there is one definition of every object, and the upgrade of a
 * 1.0 database with data in it is the path every install takes.
 * test/upgrade checks that both leave the same catalog.
 *
 * Functions whose behaviour changes are replaced with CREATE OR REPLACE:
 * they are already members of the extension (PostgreSQL refuses to replace
 * an object that is not), and replacing them in place keeps the grants a
 * DBA gave on them, which DROP and CREATE would lose.  Everything else
 * follows the rules of the 1.0 script: schema-qualified names, operators in
 * pg_catalog, nothing granted to PUBLIC that is not safe for anyone.
 *
 * One section per part of the release, in the order they landed.
 */

/* ------------------------------------------------------------------------
 * Hardening (issue 6)
 * ------------------------------------------------------------------------ */

/*
 * Fail closed: an actor ends with its transaction unless a session actor is
 * asked for (is_local => false), as PostgREST scopes each request.  A
 * transaction pooler that hands the connection on, or an application that
 * forgets to set the next request's actor, finds no actor.
 */
CREATE OR REPLACE FUNCTION runner_policy.authenticate(token text, is_local boolean DEFAULT true)
	RETURNS text LANGUAGE c VOLATILE PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'rp_authenticate';
CREATE OR REPLACE FUNCTION runner_policy.act_as(user_id bigint, is_local boolean DEFAULT true)
	RETURNS text LANGUAGE c VOLATILE PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'rp_act_as';
COMMENT ON FUNCTION runner_policy.authenticate(text, boolean) IS
	'Sets the actor from a token and returns its kind; the actor ends with the transaction unless is_local => false.';
COMMENT ON FUNCTION runner_policy.act_as(bigint, boolean) IS
	'Sets a user actor without a token, for the trusted application role only; ends with the transaction unless is_local => false.';

/* ------------------------------------------------------------------------
 * Policy core 2 (issue 7)
 * ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------
 * Auditing (issue 8, SPEC section 9)
 * ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------
 * Operations (issue 9)
 * ------------------------------------------------------------------------ */

-- backup and restore

/*
 * pg_dump and pg_restore work with their default options and need no object
 * here.  The tables and identity sequences were registered with
 * pg_extension_config_dump in 1.0, so a dump holds CREATE EXTENSION and then
 * every table's rows as COPY ... FROM stdin.  The guards let such rows in as
 * they are when a superuser's COPY FROM STDIN loads them into the table
 * itself (src/restore.c); check_invariants() proves the result.  The backup
 * role needs pg_read_all_data and BYPASSRLS (README, "Backup and restore").
 */
