/* sql/runner_policy--1.1--1.2.sql: the upgrade from release 1.1 to 1.2 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION runner_policy UPDATE TO '1.2'" to load this file. \quit

/*
 * What release 1.2 changes in a database at 1.1, and nothing else: a fresh
 * install runs runner_policy--1.2.sql alone, which holds the whole
 * definition.  Every change made here is made there too, and test/upgrade
 * checks that both leave the same catalog.  It changes nothing yet.
 */
