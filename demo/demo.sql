-- demo/demo.sql: the runner_policy walk-through, run by demo/run.
--
-- demo/run gives psql --echo-queries and ON_ERROR_STOP=1.  A statement that
-- is meant to fail sits between "\set ON_ERROR_STOP 0" and
-- "\set ON_ERROR_STOP 1", so any other error still stops the demo; then
-- expect_error.psql prints its SQLSTATE and stops the demo if it did not
-- fail with the SQLSTATE in :expect.
--
-- Sections are numbered; each starts with an \echo heading.  Ids are given
-- explicitly so that the output is the same on every run.
--
-- Sections 1-8 run as the superuser.  From section 9 on, every party
-- connects (\c) as its own plain role, created there, since row-level
-- security does not apply to superusers.  Every piece of work by an actor is
-- one transaction, as the README recommends ("Actors"): BEGIN, then
-- act_as() or authenticate() with the default is_local => true, then its
-- statements, then COMMIT; the actor ends with the transaction.  A refusal
-- aborts its transaction, so a refused statement is the last one of its
-- transaction, which then ends with ROLLBACK; where the transaction goes on
-- (the wrong token in section 10), the refusal follows a SAVEPOINT and
-- ROLLBACK TO SAVEPOINT comes after it.  expect_error.psql runs between the
-- refusal and that rollback, and sends no query.  No actor is set for the
-- session (is_local => false), which the README forbids behind a transaction
-- pooler.  Tokens are kept in psql variables (\gset) and only their first
-- 8 characters are printed.  psql echoes a statement after substituting
-- variables, so a statement that carries a token runs with ECHO off and is
-- printed as written instead, by \echo.
-- Section 12 starts a second psql (demo/runner_reports_success.psql) for a
-- connection of the runner's own; demo/run runs this file from the
-- repository root and sets DEMO_PSQL to its psql.

\set QUIET on
\pset null '(null)'
\set QUIET off
\set VERBOSITY default
\set SHOW_CONTEXT never

\echo
\echo '=============================================================='
\echo ' 1. A small forge: users, nested groups, projects'
\echo '=============================================================='
\echo
\echo 'Groups nest through parent_id; the extension fills in traversal_ids'
\echo '(the path from the root group down), which we never write ourselves.'
\echo

INSERT INTO runner_policy.users (id, username, admin) VALUES
	(1, 'root', true),
	(2, 'alice', false),
	(3, 'bob', false);

INSERT INTO runner_policy.namespaces (id, parent_id, name) VALUES
	(10, NULL, 'acme'),
	(11, 10, 'backend'),
	(12, 11, 'services'),
	(20, NULL, 'labs');

SELECT id, parent_id, name, traversal_ids
  FROM runner_policy.namespaces ORDER BY id;

INSERT INTO runner_policy.projects (id, namespace_id, name, visibility) VALUES
	(100, 12, 'api',    'private'),
	(101, 11, 'web',    'internal'),
	(102, 10, 'docs',   'public'),
	(103, 20, 'legacy', 'private');

SELECT p.id, p.name, n.name AS namespace, n.traversal_ids, p.visibility
  FROM runner_policy.projects p
  JOIN runner_policy.namespaces n ON n.id = p.namespace_id
 ORDER BY p.id;

INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level) VALUES
	(10, 2, 50);
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES
	(101, 3, 40);

\echo
\echo '=============================================================='
\echo ' 2. Registering a project runner links it to its owner at once'
\echo '=============================================================='
\echo
\echo 'Runner 1 is a project runner (runner_type 3) of project 100 "api".'
\echo 'We insert only the runner; its owner link appears in the same statement.'
\echo

INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description, created_by_id)
VALUES (1, 3, 100, 'api runner', 2);

SELECT id, runner_type, sharding_key_id, description
  FROM runner_policy.ci_runners ORDER BY id;
SELECT runner_id, project_id
  FROM runner_policy.ci_runner_projects ORDER BY runner_id, project_id;

\echo
\echo '=============================================================='
\echo ' 3. A project runner belongs to its owner project for life'
\echo '=============================================================='
\echo
\echo 'Giving runner 1 to project 101 is refused (check_violation, 23514):'
\echo

\set expect 23514
\set ON_ERROR_STOP 0
UPDATE runner_policy.ci_runners SET sharding_key_id = 101 WHERE id = 1;
\set ON_ERROR_STOP 1
\ir expect_error.psql

\echo
\echo 'Nothing changed:'
\echo

SELECT id, runner_type, sharding_key_id, description
  FROM runner_policy.ci_runners ORDER BY id;
SELECT runner_id, project_id
  FROM runner_policy.ci_runner_projects ORDER BY runner_id, project_id;

\echo
\echo '=============================================================='
\echo ' 4. Other projects subscribe; the owner link stays'
\echo '=============================================================='
\echo
\echo 'Project 101 "web" subscribes to runner 1:'
\echo

INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (1, 101);

SELECT runner_id, project_id
  FROM runner_policy.ci_runner_projects ORDER BY runner_id, project_id;

\echo
\echo 'Removing the owner link (runner 1, project 100) is refused:'
\echo

\set expect 23514
\set ON_ERROR_STOP 0
DELETE FROM runner_policy.ci_runner_projects WHERE runner_id = 1 AND project_id = 100;
\set ON_ERROR_STOP 1
\ir expect_error.psql

\echo
\echo 'Unsubscribing project 101 is allowed:'
\echo

DELETE FROM runner_policy.ci_runner_projects WHERE runner_id = 1 AND project_id = 101;

SELECT runner_id, project_id
  FROM runner_policy.ci_runner_projects ORDER BY runner_id, project_id;

\echo
\echo '=============================================================='
\echo ' 5. A group runner has exactly its owner namespace'
\echo '=============================================================='
\echo
\echo 'Runner 2 is a group runner (runner_type 2) of group 10 "acme";'
\echo 'its ci_runner_namespaces row is made with it.'
\echo

INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description, created_by_id)
VALUES (2, 2, 10, 'acme group runner', 2);

SELECT id, runner_type, sharding_key_id, description
  FROM runner_policy.ci_runners ORDER BY id;
SELECT runner_id, namespace_id
  FROM runner_policy.ci_runner_namespaces ORDER BY runner_id;

\echo
\echo 'Linking a group runner to a project is refused:'
\echo

\set expect 23514
\set ON_ERROR_STOP 0
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (2, 102);
\set ON_ERROR_STOP 1
\ir expect_error.psql

SELECT runner_id, project_id
  FROM runner_policy.ci_runner_projects ORDER BY runner_id, project_id;

\echo
\echo '=============================================================='
\echo ' 6. Deleting projects: a subscriber versus the owner'
\echo '=============================================================='
\echo
\echo 'Projects 101 "web" and 102 "docs" subscribe to runner 1, and job 1000'
\echo 'of project 102 ran on it.'
\echo

INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES
	(1, 101),
	(1, 102);
INSERT INTO runner_policy.ci_builds (id, project_id, runner_id, user_id, status)
VALUES (1000, 102, 1, 3, 'success');

SELECT runner_id, project_id
  FROM runner_policy.ci_runner_projects ORDER BY runner_id, project_id;
SELECT id, project_id, runner_id, user_id, status
  FROM runner_policy.ci_builds ORDER BY id;

\echo
\echo 'Deleting subscriber project 101: only its link goes, the runner stays.'
\echo

DELETE FROM runner_policy.projects WHERE id = 101;

SELECT id, runner_type, sharding_key_id, description
  FROM runner_policy.ci_runners ORDER BY id;
SELECT runner_id, project_id
  FROM runner_policy.ci_runner_projects ORDER BY runner_id, project_id;

\echo
\echo 'Deleting owner project 100: runner 1 and all its links go with it;'
\echo 'job 1000 of project 102 keeps its history, with runner_id NULL.'
\echo

DELETE FROM runner_policy.projects WHERE id = 100;

SELECT id, runner_type, sharding_key_id, description
  FROM runner_policy.ci_runners ORDER BY id;
SELECT runner_id, project_id
  FROM runner_policy.ci_runner_projects ORDER BY runner_id, project_id;
SELECT id, project_id, runner_id, user_id, status
  FROM runner_policy.ci_builds ORDER BY id;

\echo
\echo '=============================================================='
\echo ' 7. Moving a group moves its whole subtree'
\echo '=============================================================='
\echo
\echo 'Group 11 "backend" (with its subgroup 12 "services") moves under 20 "labs";'
\echo 'traversal_ids of the whole subtree follow.'
\echo

UPDATE runner_policy.namespaces SET parent_id = 20 WHERE id = 11;

SELECT id, parent_id, name, traversal_ids
  FROM runner_policy.namespaces ORDER BY id;

\echo
\echo 'Moving group 20 "labs" under its own subgroup 12 would make a cycle:'
\echo

\set expect 23514
\set ON_ERROR_STOP 0
UPDATE runner_policy.namespaces SET parent_id = 12 WHERE id = 20;
\set ON_ERROR_STOP 1
\ir expect_error.psql

SELECT id, parent_id, name, traversal_ids
  FROM runner_policy.namespaces ORDER BY id;

\echo
\echo '=============================================================='
\echo ' 8. Repairing a legacy load'
\echo '=============================================================='
\echo
\echo 'A data-only restore of an old forge runs with triggers off, so its rows'
\echo 'may break the rules: project runners 50 and 51 come without an owner.'
\echo 'Runner 50 was linked to project 103 first, then to 102; runner 51 has no links.'
\echo

SET session_replication_role = replica;
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description) VALUES
	(50, 3, NULL, 'legacy runner, two links'),
	(51, 3, NULL, 'legacy runner, no links');
INSERT INTO runner_policy.ci_runner_projects (id, runner_id, project_id) VALUES
	(500, 50, 103),
	(501, 50, 102);
RESET session_replication_role;

SELECT id, runner_type, sharding_key_id, description
  FROM runner_policy.ci_runners ORDER BY id;
SELECT id, runner_id, project_id
  FROM runner_policy.ci_runner_projects ORDER BY id;

\echo
\echo 'check_invariants() lists what is wrong:'
\echo

SELECT * FROM runner_policy.check_invariants();

\echo
\echo 'backfill_owners() gives each owner-less project runner its first linked'
\echo 'project (lowest ci_runner_projects.id), and reports what it could not place:'
\echo

SELECT * FROM runner_policy.backfill_owners();

SELECT id, runner_type, sharding_key_id, description
  FROM runner_policy.ci_runners ORDER BY id;

\echo
\echo 'Only the runner with no links is left; it serves no project, so delete it.'
\echo

SELECT * FROM runner_policy.check_invariants();

DELETE FROM runner_policy.ci_runners WHERE id = 51;

SELECT * FROM runner_policy.check_invariants();

\echo
\echo '=============================================================='
\echo ' 9. Roles: every party connects as its own plain role'
\echo '=============================================================='
\echo
\echo 'Row-level security does not apply to superusers, so from here on each'
\echo 'party connects as its own role, which the DBA creates and grants (README,'
\echo '"Roles"): act_as only to the forge application, issue_job_token only to the'
\echo 'job service, and SELECT only (the tables and the runner_queue_status view)'
\echo 'to the dashboard.'
\echo

CREATE ROLE forge_app LOGIN;
CREATE ROLE dashboard LOGIN;
CREATE ROLE job_service LOGIN;
GRANT USAGE ON SCHEMA runner_policy TO forge_app, dashboard, job_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA runner_policy TO forge_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA runner_policy TO forge_app;
GRANT SELECT ON ALL TABLES IN SCHEMA runner_policy TO dashboard;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO forge_app;
GRANT EXECUTE ON FUNCTION runner_policy.issue_job_token(bigint, text[]) TO job_service;

\echo
\echo 'Actors never choose ids: the identity sequences give them.  A migration'
\echo 'that loads rows with their ids, as the DBA did above, moves the sequences'
\echo 'past them:'
\echo

SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence('runner_policy.' || t, 'id'), v)
  FROM (VALUES ('users', 3), ('namespaces', 29), ('projects', 109), ('ci_runners', 2),
			   ('ci_runner_projects', 501), ('ci_builds', 1000)) AS s(t, v);

\echo
\echo 'The forge application, with no actor yet, sees no rows at all:'
\echo

\c - forge_app
SELECT count(*) AS runners_seen FROM runner_policy.ci_runners;

\echo
\echo 'It says who its user is with act_as, as the first statement of a transaction.'
\echo 'That actor lasts until COMMIT or ROLLBACK, so each piece of work below is'
\echo 'BEGIN; act_as(user) or authenticate(token); ...; COMMIT.  (act_as(user, false)'
\echo 'would keep the actor for the whole session instead; behind a transaction'
\echo 'pooler the next client would inherit it, so the demo never does that.)'
\echo
\echo 'As administrator root (user 1) the forge adds the people of the next stories,'
\echo 'a shared instance runner, and two jobs:'
\echo '  carol (4): maintainer of projects 110 "app" and 111 "lib"'
\echo '  dave  (5): developer of 110 "app", reporter of 112 "infra"'
\echo '  erin  (6): maintainer of 112 "infra"'
\echo

BEGIN;
SELECT runner_policy.act_as(1);
INSERT INTO runner_policy.users (username) VALUES
	('carol'),
	('dave'),
	('erin')
RETURNING id, username;
INSERT INTO runner_policy.namespaces (parent_id, name) VALUES (NULL, 'shop') RETURNING id;
INSERT INTO runner_policy.projects (namespace_id, name, visibility) VALUES
	(30, 'app',   'private'),
	(30, 'lib',   'private'),
	(30, 'infra', 'private')
RETURNING id, name;
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES
	(110, 4, 40),
	(111, 4, 40),
	(110, 5, 30),
	(112, 5, 20),
	(112, 6, 40);
INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id, description)
VALUES (1, NULL, 'shared runner') RETURNING id, created_by_id;
INSERT INTO runner_policy.ci_builds (project_id, runner_id, user_id, status) VALUES
	(110, NULL, 5, 'pending'),
	(103, 50, 1, 'running')
RETURNING id;
COMMIT;

\echo
\echo '=============================================================='
\echo ' 10. A read-only dashboard with an instance read token'
\echo '=============================================================='
\echo
\echo 'As root again, the forge issues a token for an engineer''s dashboard.  Its text'
\echo 'is returned once; we keep it in a psql variable and print only its prefix.'
\echo

BEGIN;
SELECT runner_policy.act_as(1);
SELECT t AS dashboard_token, left(t, 8) || '…' AS dashboard_token_shown
  FROM runner_policy.issue_instance_token('{read_runners,read_jobs}',
                                          now() + interval '30 days', 'team dashboard') AS t
\gset
\echo 'dashboard token:' :dashboard_token_shown

\echo
\echo 'The tokens table keeps its kind, scopes and expiry, and a 32-byte SHA-256'
\echo 'digest, never the text:'
\echo

SELECT kind, scopes, description, expires_at - created_at AS valid_for,
       length(digest) AS digest_bytes
  FROM runner_policy.tokens ORDER BY id;
COMMIT;

\echo
\echo 'The dashboard connects as its own role; each of its requests is a transaction'
\echo 'that starts by authenticating with the token.  (A statement that carries a'
\echo 'token is printed as written, with the psql variable, not as sent.)  It sees'
\echo 'every runner and its queue:'
\echo

\c - dashboard
BEGIN;
\set ECHO none
\echo 'SELECT runner_policy.authenticate(:''dashboard_token'');'
SELECT runner_policy.authenticate(:'dashboard_token');
\set ECHO queries
SELECT * FROM runner_policy.current_actor();
SELECT id, runner_type, sharding_key_id, description
  FROM runner_policy.ci_runners ORDER BY id;
SELECT runner_id, runner_type, description, paused, online, running_jobs, pending_jobs
  FROM runner_policy.runner_queue_status ORDER BY runner_id;
COMMIT;

\echo
\echo 'It changes nothing.  The dashboard role may only SELECT, so PostgreSQL'
\echo 'refuses a write before any policy is asked (42501).  The refusal aborts the'
\echo 'transaction, which ends with ROLLBACK:'
\echo

BEGIN;
\set ECHO none
\echo 'SELECT runner_policy.authenticate(:''dashboard_token'');'
SELECT runner_policy.authenticate(:'dashboard_token');
\set ECHO queries
\set expect 42501
\set ON_ERROR_STOP 0
UPDATE runner_policy.ci_runners SET paused = true WHERE id = 3;
\set ON_ERROR_STOP 1
\ir expect_error.psql
ROLLBACK;

\echo
\echo 'And through the forge application, which may write, the read token still'
\echo 'reaches no row to change:'
\echo

\c - forge_app
BEGIN;
\set ECHO none
\echo 'SELECT runner_policy.authenticate(:''dashboard_token'');'
SELECT runner_policy.authenticate(:'dashboard_token');
\set ECHO queries
UPDATE runner_policy.ci_runners SET paused = true;

\echo
\echo 'In the same transaction, a wrong token (here the real one with its last'
\echo 'character changed) gets the one error for every bad token, which echoes'
\echo 'nothing of it.  The failed attempt also ends the actor before it, for good:'
\echo 'it is tried after a SAVEPOINT, and rolling back to that savepoint does not'
\echo 'bring the dashboard token''s actor back.'
\echo

SAVEPOINT before_wrong_token;
\set expect 28000
\set ON_ERROR_STOP 0
\set ECHO none
\echo 'SELECT runner_policy.authenticate(left(:''dashboard_token'', -1) || ''x'');'
SELECT runner_policy.authenticate(left(:'dashboard_token', -1) || 'x');
\set ECHO queries
\set ON_ERROR_STOP 1
\ir expect_error.psql
ROLLBACK TO SAVEPOINT before_wrong_token;

SELECT * FROM runner_policy.current_actor();
COMMIT;

\echo
\echo '=============================================================='
\echo ' 11. A maintainer registers a project runner'
\echo '=============================================================='
\echo
\echo 'The forge acts as carol, maintainer of 110 "app".  In one transaction she'
\echo 'registers runner 4 for it, sees it (and the shared runner, which every active'
\echo 'user sees), and gets its runner token, returned once, for the runner machine.'
\echo

\c - forge_app
BEGIN;
SELECT runner_policy.act_as(4);
SELECT * FROM runner_policy.current_actor();
INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id, description)
VALUES (3, 110, 'app runner') RETURNING id, created_by_id;
SELECT id, runner_type, sharding_key_id, description
  FROM runner_policy.ci_runners ORDER BY id;
SELECT t AS runner_token, left(t, 8) || '…' AS runner_token_shown
  FROM runner_policy.reset_runner_token(4) AS t
\gset
\echo 'runner token:' :runner_token_shown
COMMIT;

\echo
\echo 'dave is only a developer of 110: he does not see runner 4 and cannot change it.'
\echo

BEGIN;
SELECT runner_policy.act_as(5);
SELECT id, description FROM runner_policy.ci_runners WHERE id = 4;
UPDATE runner_policy.ci_runners SET description = 'dave''s now' WHERE id = 4;
COMMIT;

\echo
\echo 'erin maintains another project, 112 "infra": she cannot delete runner 4,'
\echo 'nor link it to her project (42501); the refusal aborts her transaction:'
\echo

BEGIN;
SELECT runner_policy.act_as(6);
DELETE FROM runner_policy.ci_runners WHERE id = 4;
\set expect 42501
\set ON_ERROR_STOP 0
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (4, 112);
\set ON_ERROR_STOP 1
\ir expect_error.psql
ROLLBACK;

\echo
\echo 'carol links runner 4 to 111 "lib", which she also maintains:'
\echo

BEGIN;
SELECT runner_policy.act_as(4);
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (4, 111);
SELECT runner_id, project_id
  FROM runner_policy.ci_runner_projects WHERE runner_id = 4 ORDER BY project_id;
COMMIT;

\echo
\echo '=============================================================='
\echo ' 12. A CI job token'
\echo '=============================================================='
\echo
\echo 'dave''s pipeline creates job 1003 of 110 "app"; runner 4, authenticated with'
\echo 'its runner token, takes it.  Two requests, so two transactions.'
\echo

\c - forge_app
BEGIN;
SELECT runner_policy.act_as(5);
INSERT INTO runner_policy.ci_builds (project_id, user_id, status)
VALUES (110, 5, 'pending') RETURNING id;
COMMIT;
BEGIN;
\set ECHO none
\echo 'SELECT runner_policy.authenticate(:''runner_token'');'
SELECT runner_policy.authenticate(:'runner_token');
\set ECHO queries
UPDATE runner_policy.ci_builds SET runner_id = 4, status = 'running', started_at = now()
 WHERE id = 1003 AND status = 'pending';
COMMIT;

\echo
\echo 'The job service issues the running job its tokens: a job token, and an'
\echo 'extended job token for the read_api scope the job asks for.'
\echo

\c - job_service
SELECT t AS job_token, left(t, 8) || '…' AS job_token_shown
  FROM runner_policy.issue_job_token(1003) AS t
\gset
SELECT t AS api_token, left(t, 8) || '…' AS api_token_shown
  FROM runner_policy.issue_job_token(1003, '{read_api}') AS t
\gset
\echo 'job token:' :job_token_shown '  extended job token:' :api_token_shown

\echo
\echo 'The job calls the forge, which authenticates it.  It acts as dave, within'
\echo 'the job token''s scopes: on 110 it may read the code and push images, not'
\echo 'push code; it may not read 112 "infra" (dave may, but 112 has not let jobs'
\echo 'of 110 in).  Of the jobs, it sees its own only.'
\echo

\c - forge_app
BEGIN;
\set ECHO none
\echo 'SELECT runner_policy.authenticate(:''job_token'');'
SELECT runner_policy.authenticate(:'job_token');
\set ECHO queries
SELECT * FROM runner_policy.current_actor();
SELECT runner_policy.authorize(110, 'read_repository')  AS read_repository,
       runner_policy.authorize(110, 'write_registry')   AS write_registry,
       runner_policy.authorize(110, 'write_repository') AS write_repository,
       runner_policy.authorize(112, 'read_repository')  AS infra_read_repository;
SELECT id, project_id, runner_id, user_id, status
  FROM runner_policy.ci_builds ORDER BY id;
COMMIT;

\echo
\echo 'The extended job token has exactly its scope, within dave''s rights:'
\echo

BEGIN;
\set ECHO none
\echo 'SELECT runner_policy.authenticate(:''api_token'');'
SELECT runner_policy.authenticate(:'api_token');
\set ECHO queries
SELECT * FROM runner_policy.current_actor();
SELECT runner_policy.authorize(110, 'read_api')        AS read_api,
       runner_policy.authorize(110, 'api')             AS api,
       runner_policy.authorize(110, 'read_repository') AS read_repository;
COMMIT;

\echo
\echo 'erin, maintainer of 112 "infra", lets job tokens of 110 in; the job''s next'
\echo 'call may read 112:'
\echo

BEGIN;
SELECT runner_policy.act_as(6);
INSERT INTO runner_policy.ci_job_token_scope_links (source_project_id, target_project_id)
VALUES (110, 112);
COMMIT;
BEGIN;
\set ECHO none
\echo 'SELECT runner_policy.authenticate(:''job_token'');'
SELECT runner_policy.authenticate(:'job_token');
\set ECHO queries
SELECT runner_policy.authorize(112, 'read_repository')  AS infra_read_repository,
       runner_policy.authorize(112, 'write_repository') AS infra_write_repository;

\echo
\echo 'That call''s transaction is still open: this connection is acting as the job.'
\echo 'Meanwhile the runner reports the job done on its own connection, in a'
\echo 'transaction of its own (demo/runner_reports_success.psql, run by a second'
\echo 'psql):'
\echo

\setenv PGDATABASE :DBNAME
\setenv DEMO_RUNNER_TOKEN :runner_token
\! "${DEMO_PSQL:-psql}" -X --echo-queries -v ON_ERROR_STOP=1 -U forge_app -f demo/runner_reports_success.psql
\setenv DEMO_RUNNER_TOKEN

\echo
\echo 'Back on the job''s connection, its very next statement, in that same open'
\echo 'transaction, is refused: the token died with the job (28000), and the actor'
\echo 'with it, without waiting for the transaction to end.  The refusal aborts the'
\echo 'transaction, which ends with ROLLBACK.'
\echo

\set expect 28000
\set ON_ERROR_STOP 0
SELECT id, status FROM runner_policy.ci_builds WHERE id = 1003;
\set ON_ERROR_STOP 1
\ir expect_error.psql
ROLLBACK;

\echo
\echo 'The extended job token died with it: the job''s next call cannot authenticate.'
\echo

BEGIN;
\set expect 28000
\set ON_ERROR_STOP 0
\set ECHO none
\echo 'SELECT runner_policy.authenticate(:''api_token'');'
SELECT runner_policy.authenticate(:'api_token');
\set ECHO queries
\set ON_ERROR_STOP 1
\ir expect_error.psql
ROLLBACK;

\echo
\echo '=============================================================='
\echo ' 13. A DBA asks why'
\echo '=============================================================='
\echo
\echo 'A DBA role, granted the repair and explanation functions (README, "Roles"),'
\echo 'asks why each user may or may not touch runner 4.  The yes or no is the'
\echo 'policy core''s own decision for that user, the one the policies enforce; the'
\echo 'words name the membership, link or role it rests on, or what is missing.'
\echo

\c - postgres
CREATE ROLE dba LOGIN;
GRANT USAGE ON SCHEMA runner_policy TO dba;
GRANT EXECUTE ON FUNCTION runner_policy.check_invariants(), runner_policy.backfill_owners(),
	runner_policy.explain_access(bigint, bigint, text) TO dba;
\c - dba
SELECT u.name AS "user", a.action, runner_policy.explain_access(u.id, 4, a.action) AS why
  FROM (VALUES (4, 'carol'), (5, 'dave'), (6, 'erin'), (1, 'root')) AS u (id, name),
       (VALUES ('read'), ('update'), ('link')) AS a (action)
 ORDER BY u.id, a.action;
SELECT count(*) AS broken_rules FROM runner_policy.check_invariants();

\echo
\echo '=============================================================='
\echo ' 14. The audit trail: who did what to runner 4'
\echo '=============================================================='
\echo
\echo 'Every change to a runner, a link, a membership or a token, and every change'
\echo 'that grants or takes away rights (admin, auditor and blocked flags, moves,'
\echo 'visibility, scope links), wrote an entry in runner_policy.audit_log, in the'
\echo 'same transaction, through the extension''s triggers: time, database role,'
\echo 'the actor whose rights applied, action, object, old and new values.  Never'
\echo 'a token, never a digest.  The log is row-level secured like the tables:'
\echo 'admins and auditors read all of it.  The forge makes audrey an auditor;'
\echo 'carol pauses runner 4 first.  Then the forge acts as audrey, in one'
\echo 'transaction, for the three questions below.'
\echo

\c - postgres
GRANT SELECT ON runner_policy.audit_log, runner_policy.runner_ownership TO forge_app;
GRANT EXECUTE ON FUNCTION runner_policy.verify_audit_log() TO dba;
\c - forge_app
BEGIN;
SELECT runner_policy.act_as(4);
UPDATE runner_policy.ci_runners SET paused = true WHERE id = 4;
COMMIT;
BEGIN;
SELECT runner_policy.act_as(1);
INSERT INTO runner_policy.users (username, auditor) VALUES ('audrey', true) RETURNING id AS audrey
\gset
COMMIT;
BEGIN;
SELECT runner_policy.act_as(:audrey);

\echo
\echo 'Who registered runner 4, and who changed it and its links?'
\echo

SELECT e.id, e.db_role, e.actor_kind, u.username AS actor, e.action, e.object_type,
       coalesce(e.new, e.old)->>'project_id' AS project,
       CASE WHEN e.action = 'update'
            THEN (SELECT string_agg(k || ': ' || (e.old->k) || ' -> ' || (e.new->k), ', ')
                    FROM jsonb_object_keys(e.new) k WHERE e.old->k IS DISTINCT FROM e.new->k) END AS changed
  FROM runner_policy.audit_log e
  LEFT JOIN runner_policy.users u ON u.id = e.actor_user_id
 WHERE (e.object_type = 'runner' AND e.object_id = 4)
    OR (e.object_type = 'runner_project_link' AND (coalesce(e.new, e.old)->>'runner_id')::bigint = 4)
 ORDER BY e.id;

\echo
\echo 'Who made audrey an auditor?  Changes of rights are entries too:'
\echo

SELECT e.id, u.username AS actor, e.action, e.object_type, e.object_id,
       e.new->>'username' AS username, e.new->>'auditor' AS auditor
  FROM runner_policy.audit_log e
  LEFT JOIN runner_policy.users u ON u.id = e.actor_user_id
 WHERE e.object_type = 'user' AND e.object_id = :audrey;

\echo
\echo 'runner_policy.runner_ownership sums it up, for the runners the actor may read:'
\echo

SELECT runner_id, runner_type_name, owner_type, owner_id, owner_name, linked_projects, created_by
  FROM runner_policy.runner_ownership WHERE runner_id = 4;
COMMIT;

\echo
\echo 'A user reads the entries about what they may read now: carol those of her'
\echo 'runner, erin (maintainer of 112 "infra" only) none of them.'
\echo

BEGIN;
SELECT runner_policy.act_as(4);
SELECT count(*) AS entries_about_runner_4_for_carol FROM runner_policy.audit_log
 WHERE object_type = 'runner' AND object_id = 4;
COMMIT;
BEGIN;
SELECT runner_policy.act_as(6);
SELECT count(*) AS entries_about_runner_4_for_erin FROM runner_policy.audit_log
 WHERE object_type = 'runner' AND object_id = 4;
COMMIT;

\echo
\echo 'The log is append-only, for every role.  Even the superuser is refused (42501):'
\echo

\c - postgres
\set expect 42501
\set ON_ERROR_STOP 0
UPDATE runner_policy.audit_log SET actor_user_id = 6
 WHERE object_type = 'runner' AND object_id = 4 AND action = 'register';
\set ON_ERROR_STOP 1
\ir expect_error.psql

\echo
\echo 'A superuser can still turn triggers off (session_replication_role = replica,'
\echo 'or ALTER TABLE ... DISABLE TRIGGER) and blame erin for registering runner 4.'
\echo 'The entries are hash chains, and the DBA''s runner_policy.verify_audit_log()'
\echo 'walks them: one row per broken entry, none when the log is intact.'
\echo

\c - dba
SELECT count(*) AS broken_entries_before FROM runner_policy.verify_audit_log();
\c - postgres
SET session_replication_role = replica;
UPDATE runner_policy.audit_log SET actor_user_id = 6
 WHERE object_type = 'runner' AND object_id = 4 AND action = 'register';
RESET session_replication_role;
\c - dba
SELECT entry_id, problem FROM runner_policy.verify_audit_log();
