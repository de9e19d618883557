-- Entries of deleted objects are for admins and auditors.  Deleting a
-- runner, a link, a token, a user, a group or a project marks its entries
-- object_deleted (a group's or project's memberships and scope links with
-- it); row-level security then shows them to admins and auditors only,
-- decided from the entry's own columns.  The mark is outside the hash, and
-- only the extension writes it.
BEGIN;
-- A lane's head moves when the transaction commits; these files never do,
-- so they move it at the end of every statement instead.
SET CONSTRAINTS runner_policy.audit_lanes_head IMMEDIATE;
\ir fixture.psql
SELECT plan(25);
GRANT EXECUTE ON FUNCTION runner_policy.issue_job_token(bigint, text[]) TO regress_forge_app;
INSERT INTO runner_policy.users (id, username, auditor) VALUES (4, 'audrey', true), (5, 'erin', false);
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES
	(100, 2, 40), (101, 2, 40), (102, 3, 40), (103, 3, 40);
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level) VALUES (20, 5, 30);
INSERT INTO runner_policy.ci_job_token_scope_links (source_project_id, target_project_id) VALUES (100, 102), (102, 100);

-- the entries an actor reads of one object (type and id)
CREATE FUNCTION pg_temp.seen(object_type text, object_id bigint) RETURNS text[]
LANGUAGE sql AS $$
	SELECT coalesce(array_agg(e.action ORDER BY e.id), '{}') FROM runner_policy.audit_log e
	 WHERE e.object_type = seen.object_type AND e.object_id = seen.object_id
$$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pg_temp TO regress_forge_app;

\set actor_role regress_forge_app
\ir as_role.psql
SELECT runner_policy.act_as(1) \g /dev/null
SELECT runner_policy.issue_instance_token('{read_runners}', now() + interval '1 day', 'dash') AS instance_token \gset
SELECT runner_policy.issue_job_token(5001) AS job_token \gset
SELECT max(id) AS job_token_id FROM runner_policy.tokens \gset
-- the link of runner 1002 to project 103, which 1002 keeps below
SELECT id AS link_1002_103 FROM runner_policy.ci_runner_projects WHERE runner_id = 1002 AND project_id = 103 \gset
SELECT id AS link_1002_101 FROM runner_policy.ci_runner_projects WHERE runner_id = 1002 AND project_id = 101 \gset
SELECT id AS link_1003_102 FROM runner_policy.ci_runner_projects WHERE runner_id = 1003 AND project_id = 102 \gset

-- Before: the read token reads runner 1003's entries, bob his runner's
-- and its link's, alice her job token's and project 100's.
SELECT runner_policy.authenticate(:'instance_token') \g /dev/null
SELECT is(pg_temp.seen('runner', 1003), '{register}', 'an instance read token reads a runner''s entries');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is(pg_temp.seen('runner', 1003), '{register}', 'bob reads the entries of his runner');
SELECT is(pg_temp.seen('runner_project_link', :link_1003_102), '{link}', 'and of its owner link');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is(pg_temp.seen('token', :job_token_id), '{issue}', 'alice reads the entries of her job token');
SELECT is(pg_temp.seen('project_member', 100), '{add_member}', 'and of project 100''s members');
SELECT is(pg_temp.seen('project', 100), '{create}', 'and of project 100');

-- An admin deletes runner 1003: its entries, its link's, and the delete
-- entries themselves are for admins and auditors only.
SELECT runner_policy.act_as(1) \g /dev/null
DELETE FROM runner_policy.ci_runners WHERE id = 1003;
SELECT is(pg_temp.seen('runner', 1003), '{register,delete}', 'the admin reads the deleted runner''s entries');
SELECT runner_policy.act_as(4) \g /dev/null
SELECT is(pg_temp.seen('runner_project_link', :link_1003_102), '{link,unlink}', 'so does the auditor, and of its link');
SELECT runner_policy.authenticate(:'instance_token') \g /dev/null
SELECT is(pg_temp.seen('runner', 1003), '{}', 'the instance read token reads none of them any more');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is(pg_temp.seen('runner', 1003), '{}', 'nor does bob, who maintains project 102');
SELECT is(pg_temp.seen('runner_project_link', :link_1003_102), '{}', 'nor the entries of the link deleted with it');

-- Unlinking: the link is a deleted object; the runner is not.
SELECT runner_policy.act_as(1) \g /dev/null
DELETE FROM runner_policy.ci_runner_projects WHERE id = :link_1002_103;
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is(pg_temp.seen('runner_project_link', :link_1002_103), '{}', 'an unlinked link''s entries are gone for alice');
SELECT is(pg_temp.seen('runner_project_link', :link_1002_101), '{link}', 'the runner''s other links'' entries are not');
SELECT is(pg_temp.seen('runner', 1002), '{register}', 'nor the runner''s own');

-- Removing a member from a project that stays: the project's history, read
-- by its readers.
SELECT runner_policy.act_as(1) \g /dev/null
DELETE FROM runner_policy.project_members WHERE project_id = 101 AND user_id = 2;
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (101, 3, 30);
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is(pg_temp.seen('project_member', 101), '{add_member,remove_member,add_member}',
	'a member removed from a project that stays: its entries stay the project''s');

-- Deleting project 100 takes its runner 1002 (and links), its jobs and
-- their tokens, its memberships and scope links: every entry of them.
SELECT runner_policy.act_as(1) \g /dev/null
DELETE FROM runner_policy.projects WHERE id = 100;
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is(pg_temp.seen('token', :job_token_id), '{}', 'alice reads nothing more of her job token, deleted with its job');
SELECT is(pg_temp.seen('runner', 1002), '{}', 'nor of the project''s runner');
SELECT is(pg_temp.seen('runner_project_link', :link_1002_101), '{}', 'nor of its link to project 101, which stays');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT is(pg_temp.seen('scope_link', 102), '{link,unlink}',
	'bob reads the scope link into project 102, which stays, and its removal with project 100');
RESET ROLE;
SELECT results_eq($$SELECT action, object_type, object_id, object_deleted FROM runner_policy.audit_log
					 WHERE object_type IN ('project', 'project_member', 'scope_link') AND object_id = 100 ORDER BY id$$,
	$$VALUES ('create', 'project', 100::bigint, true), ('add_member', 'project_member', 100, true),
			 ('link', 'scope_link', 100, true), ('delete', 'project', 100, true),
			 ('remove_member', 'project_member', 100, true), ('unlink', 'scope_link', 100, true)$$,
	'the project''s entries and those of its memberships and scope links are marked, also those its cascade wrote after it');

-- Groups and users.
SET ROLE regress_forge_app;
SELECT runner_policy.act_as(1) \g /dev/null
DELETE FROM runner_policy.namespaces WHERE id = 20;
DELETE FROM runner_policy.users WHERE id = 5;
RESET ROLE;
SELECT is((SELECT array_agg(DISTINCT object_type || ':' || object_id || ':' || object_deleted)
			 FROM runner_policy.audit_log WHERE object_type IN ('namespace', 'group_member', 'user') AND object_id IN (20, 5)),
	'{group_member:20:true,namespace:20:true,user:5:true}',
	'a deleted group''s entries and its memberships'', a deleted user''s');

-- TRUNCATE deletes every row at once: every entry of the table's objects.
TRUNCATE runner_policy.tokens;
SELECT is((SELECT count(*) FROM runner_policy.audit_log WHERE object_type = 'token' AND NOT object_deleted), 0::bigint,
	'a TRUNCATE marks every entry of its objects');

-- The mark is outside the hash: the log is whole.
SELECT is_empty($$SELECT * FROM runner_policy.verify_audit_log()$$, 'the marked entries verify');
-- Only the extension writes it.
SELECT throws_ok($$UPDATE runner_policy.audit_log SET object_deleted = false WHERE object_deleted$$,
	'42501', 'cannot update runner_policy.audit_log', 'a superuser cannot unmark an entry');
SET ROLE regress_forge_app;
SELECT runner_policy.act_as(1) \g /dev/null
SELECT throws_ok($$UPDATE runner_policy.audit_log SET object_deleted = true WHERE NOT object_deleted$$,
	'42501', 'cannot update runner_policy.audit_log', 'an admin actor cannot mark one');

SELECT * FROM finish();
ROLLBACK;
