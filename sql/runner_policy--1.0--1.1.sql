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

/* ------------------------------------------------------------------------
 * Policy core 2 (issue 7)
 * ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------
 * Auditing (issue 8, SPEC section 9)
 * ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------
 * Operations (issue 9)
 * ------------------------------------------------------------------------ */
