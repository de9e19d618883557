-- Every change that grants or takes away rights writes an audit log entry:
-- users' admin, auditor and blocked flags, moves and visibility of groups
-- and projects, shared runners, job token scope links, memberships.  The
-- audited columns are those of rights_columns() less the derived ones
-- (traversal_ids): a group's move is one entry, however deep its subtree.
-- An update that changes none of them writes nothing.
BEGIN;
-- A lane's head moves when the transaction commits; these files never do,
-- so they move it at the end of every statement instead.
SET CONSTRAINTS runner_policy.audit_lanes_head IMMEDIATE;
\ir fixture.psql
SELECT plan(25);

CREATE FUNCTION pg_temp.mark() RETURNS bigint LANGUAGE sql AS $$
	SELECT coalesce(max(id), 0) FROM runner_policy.audit_log
$$;
CREATE FUNCTION pg_temp.entries_since(mark bigint)
RETURNS TABLE (action text, object_type text, object_id bigint, actor_user_id bigint)
LANGUAGE sql AS $$
	SELECT action, object_type, object_id, actor_user_id
	  FROM runner_policy.audit_log WHERE id > mark ORDER BY id
$$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pg_temp TO regress_forge_app;
INSERT INTO runner_policy.users (id, username, auditor) VALUES (4, 'audrey', true), (5, 'erin', false);
INSERT INTO runner_policy.namespaces (id, parent_id, name) VALUES (13, 12, 'deep'), (14, 13, 'deeper');
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (102, 3, 40);
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level) VALUES (10, 2, 50);

\set actor_role regress_forge_app
\ir as_role.psql
SELECT runner_policy.act_as(1) \g /dev/null

-- The four changes release 1.1 did not record.
SELECT pg_temp.mark() AS m \gset
INSERT INTO runner_policy.ci_job_token_scope_links (source_project_id, target_project_id) VALUES (100, 102);
UPDATE runner_policy.users SET admin = true WHERE id = 5;
UPDATE runner_policy.projects SET namespace_id = 20 WHERE id = 101;
UPDATE runner_policy.projects SET visibility = 'public' WHERE id = 102;
SELECT results_eq(format('SELECT * FROM pg_temp.entries_since(%s)', :m),
	$$VALUES ('link', 'scope_link', 102::bigint, 1::bigint),
			 ('grant_admin', 'user', 5, 1),
			 ('move', 'project', 101, 1),
			 ('set_visibility', 'project', 102, 1)$$,
	'a scope link, an admin flag, a project move and a project made public each write an entry');
RESET ROLE;
SELECT results_eq($$SELECT old->>'namespace_id', new->>'namespace_id' FROM runner_policy.audit_log
					 WHERE action = 'move' AND object_type = 'project'$$,
	$$VALUES ('11'::text, '20'::text)$$, 'a move has the group before and after');
SELECT results_eq($$SELECT old->>'admin', new->>'admin', db_role FROM runner_policy.audit_log
					 WHERE action = 'grant_admin'$$,
	$$VALUES ('false'::text, 'true'::text, 'regress_forge_app'::text)$$,
	'the admin flag before and after, and the role that changed it');
SET ROLE regress_forge_app;

-- Users' flags, each way.
SELECT pg_temp.mark() AS m \gset
UPDATE runner_policy.users SET admin = false WHERE id = 5;
UPDATE runner_policy.users SET auditor = true WHERE id = 5;
UPDATE runner_policy.users SET auditor = false WHERE id = 5;
UPDATE runner_policy.users SET state = 'blocked' WHERE id = 5;
UPDATE runner_policy.users SET state = 'active' WHERE id = 5;
UPDATE runner_policy.users SET admin = true, auditor = true WHERE id = 5;
SELECT results_eq(format('SELECT action FROM pg_temp.entries_since(%s)', :m),
	$$VALUES ('revoke_admin'), ('grant_auditor'), ('revoke_auditor'), ('block'), ('unblock'), ('update')$$,
	'admin, auditor, blocked: each way its own action; several at once an update');

-- Groups and projects.
SELECT pg_temp.mark() AS m \gset
UPDATE runner_policy.namespaces SET visibility = 'internal' WHERE id = 11;
UPDATE runner_policy.projects SET shared_runners_enabled = false WHERE id = 100;
UPDATE runner_policy.projects SET shared_runners_enabled = true WHERE id = 100;
UPDATE runner_policy.projects SET visibility = 'internal', namespace_id = 10 WHERE id = 101;
SELECT results_eq(format('SELECT action, object_type, object_id FROM pg_temp.entries_since(%s)', :m),
	$$VALUES ('set_visibility', 'namespace', 11::bigint),
			 ('disable_shared_runners', 'project', 100),
			 ('enable_shared_runners', 'project', 100),
			 ('update', 'project', 101)$$,
	'group visibility, shared runners each way, and a project moved and opened at once');

-- A group's move rewrites its subtree's paths: one entry, for the group.
SELECT pg_temp.mark() AS m \gset
UPDATE runner_policy.namespaces SET parent_id = 20 WHERE id = 12;
SELECT results_eq(format('SELECT action, object_type, object_id FROM pg_temp.entries_since(%s)', :m),
	$$VALUES ('move', 'namespace', 12::bigint)$$,
	'moving a group three levels deep writes one entry');
SELECT is((SELECT traversal_ids FROM runner_policy.namespaces WHERE id = 14), '{20,12,13,14}'::bigint[],
	'although the paths under it changed');
RESET ROLE;
SELECT results_eq($$SELECT old->>'parent_id', new->>'parent_id', new->'traversal_ids'
					  FROM runner_policy.audit_log WHERE action = 'move' AND object_type = 'namespace'$$,
	$$VALUES ('11'::text, '20'::text, '[20, 12]'::jsonb)$$, 'the entry has the old and the new parent and path');
SET ROLE regress_forge_app;

-- Creating and deleting users, groups, projects and scope links.
SELECT pg_temp.mark() AS m \gset
INSERT INTO runner_policy.users (username) VALUES ('frank');
INSERT INTO runner_policy.namespaces (parent_id, name) VALUES (20, 'new group');
INSERT INTO runner_policy.projects (namespace_id, name) VALUES (100001, 'new project');
DELETE FROM runner_policy.ci_job_token_scope_links WHERE source_project_id = 100;
DELETE FROM runner_policy.projects WHERE id = 100001;
DELETE FROM runner_policy.namespaces WHERE id = 100001;
DELETE FROM runner_policy.users WHERE id = 100001;
SELECT results_eq(format('SELECT * FROM pg_temp.entries_since(%s)', :m),
	$$VALUES ('create', 'user', 100001::bigint, 1::bigint),
			 ('create', 'namespace', 100001, 1),
			 ('create', 'project', 100001, 1),
			 ('unlink', 'scope_link', 102, 1),
			 ('delete', 'project', 100001, 1),
			 ('delete', 'namespace', 100001, 1),
			 ('delete', 'user', 100001, 1)$$,
	'users, groups, projects and scope links created and deleted');

-- Changes of nothing that rights are read from write nothing.
SELECT pg_temp.mark() AS m \gset
UPDATE runner_policy.users SET username = 'erin2' WHERE id = 5;
UPDATE runner_policy.users SET admin = admin, state = state WHERE id = 5;
UPDATE runner_policy.namespaces SET name = 'platform!' WHERE id = 11;
UPDATE runner_policy.namespaces SET traversal_ids = '{1}' WHERE id = 11;
UPDATE runner_policy.projects SET name = 'tools!' WHERE id = 102;
UPDATE runner_policy.projects SET visibility = visibility WHERE id = 102;
UPDATE runner_policy.project_members SET access_level = 40 WHERE project_id = 102 AND user_id = 3;
SELECT is((SELECT count(*) FROM pg_temp.entries_since(:m)), 0::bigint,
	'names, a path written by hand (recomputed), values set to themselves: no entry');

-- Memberships: every column.
SELECT pg_temp.mark() AS m \gset
UPDATE runner_policy.project_members SET access_level = 30 WHERE project_id = 102 AND user_id = 3;
UPDATE runner_policy.project_members SET project_id = 103 WHERE project_id = 102 AND user_id = 3;
UPDATE runner_policy.group_members SET user_id = 5 WHERE namespace_id = 10 AND user_id = 2;
SELECT results_eq(format('SELECT action, object_type, object_id FROM pg_temp.entries_since(%s)', :m),
	$$VALUES ('change_member', 'project_member', 102::bigint),
			 ('change_member', 'project_member', 103),
			 ('change_member', 'group_member', 10)$$,
	'a membership''s level, project or user changed: an entry each');

-- Every audited column of the list writes an entry when it alone changes,
-- whatever the table: one change per column, made as the superuser (who
-- may also change ids), each checked for its entry.  A column added to
-- rights_columns() without a case here fails the count below.
RESET ROLE;
INSERT INTO runner_policy.users (id, username) VALUES (50, 'ids'), (51, 'bare');
INSERT INTO runner_policy.namespaces (id, name) VALUES (50, 'ids'), (55, 'empty');
INSERT INTO runner_policy.projects (id, namespace_id, name) VALUES (50, 50, 'ids'), (51, 50, 'ids2'), (56, 50, 'bare');
INSERT INTO runner_policy.ci_job_token_scope_links (source_project_id, target_project_id) VALUES (50, 51);
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (50, 50, 30);
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level) VALUES (50, 50, 30);
CREATE TEMP TABLE column_cases (table_name text, column_name text, change text, object_type text, action text);
INSERT INTO column_cases VALUES
	('users', 'id', 'UPDATE runner_policy.users SET id = 52 WHERE id = 51', 'user', 'update'),
	('users', 'admin', 'UPDATE runner_policy.users SET admin = true WHERE id = 50', 'user', 'grant_admin'),
	('users', 'auditor', 'UPDATE runner_policy.users SET auditor = true WHERE id = 50', 'user', 'grant_auditor'),
	('users', 'state', 'UPDATE runner_policy.users SET state = ''blocked'' WHERE id = 50', 'user', 'block'),
	('namespaces', 'parent_id', 'UPDATE runner_policy.namespaces SET parent_id = 20 WHERE id = 50', 'namespace', 'move'),
	('namespaces', 'visibility', 'UPDATE runner_policy.namespaces SET visibility = ''public'' WHERE id = 50', 'namespace', 'set_visibility'),
	('projects', 'namespace_id', 'UPDATE runner_policy.projects SET namespace_id = 20 WHERE id = 51', 'project', 'move'),
	('projects', 'visibility', 'UPDATE runner_policy.projects SET visibility = ''public'' WHERE id = 51', 'project', 'set_visibility'),
	('projects', 'shared_runners_enabled', 'UPDATE runner_policy.projects SET shared_runners_enabled = false WHERE id = 51', 'project', 'disable_shared_runners'),
	('project_members', 'access_level', 'UPDATE runner_policy.project_members SET access_level = 40 WHERE project_id = 50', 'project_member', 'change_member'),
	('project_members', 'user_id', 'UPDATE runner_policy.project_members SET user_id = 5 WHERE project_id = 50', 'project_member', 'change_member'),
	('project_members', 'project_id', 'UPDATE runner_policy.project_members SET project_id = 51 WHERE project_id = 50', 'project_member', 'change_member'),
	('group_members', 'access_level', 'UPDATE runner_policy.group_members SET access_level = 40 WHERE namespace_id = 50', 'group_member', 'change_member'),
	('group_members', 'user_id', 'UPDATE runner_policy.group_members SET user_id = 5 WHERE namespace_id = 50', 'group_member', 'change_member'),
	('ci_job_token_scope_links', 'source_project_id', 'UPDATE runner_policy.ci_job_token_scope_links SET source_project_id = 102 WHERE target_project_id = 51', 'scope_link', 'update'),
	('ci_job_token_scope_links', 'target_project_id', 'UPDATE runner_policy.ci_job_token_scope_links SET target_project_id = 103 WHERE target_project_id = 51', 'scope_link', 'update'),
	-- the rest move a row to another id, whose rows must exist
	('group_members', 'namespace_id', 'UPDATE runner_policy.group_members SET namespace_id = 20 WHERE namespace_id = 50', 'group_member', 'change_member'),
	('projects', 'id', 'UPDATE runner_policy.projects SET id = 53 WHERE id = 56', 'project', 'update'),
	('namespaces', 'id', 'UPDATE runner_policy.namespaces SET id = 54 WHERE id = 55', 'namespace', 'update');
CREATE TEMP TABLE column_results AS
SELECT c.table_name, c.column_name, c.action, c.object_type, NULL::text AS got_action, NULL::text AS got_type
  FROM column_cases c WHERE false;
DO $$
DECLARE
	c record;
	before bigint;
	got record;
BEGIN
	FOR c IN SELECT * FROM column_cases LOOP
		SELECT coalesce(max(id), 0) INTO before FROM runner_policy.audit_log;
		EXECUTE c.change;
		FOR got IN SELECT action, object_type FROM runner_policy.audit_log WHERE id > before LOOP
			INSERT INTO column_results VALUES (c.table_name, c.column_name, c.action, c.object_type,
											   got.action, got.object_type);
		END LOOP;
	END LOOP;
END $$;
SELECT set_eq($$SELECT table_name, column_name, got_type, got_action FROM column_results$$,
	$$SELECT table_name, column_name, object_type, action FROM column_cases$$,
	'every column of the list, changed alone, writes one entry with its action');
SELECT is((SELECT count(*) FROM column_results), (SELECT count(*) FROM column_cases),
	'and only one');
SELECT set_eq($$SELECT table_name, column_name FROM column_cases$$,
	$$SELECT r.table_name, c FROM runner_policy.rights_columns() r, unnest(r.column_names) AS c
	   WHERE c <> ALL (r.derived_columns)$$,
	'the cases are exactly the audited columns of rights_columns(), less the derived ones');
SET ROLE regress_forge_app;

-- TRUNCATE leaves one entry here too.
SELECT pg_temp.mark() AS m \gset
TRUNCATE runner_policy.ci_job_token_scope_links;
SELECT results_eq(format('SELECT action, object_type, object_id FROM pg_temp.entries_since(%s)', :m),
	$$VALUES ('truncate', 'scope_link', NULL::bigint)$$, 'a TRUNCATE of the scope links leaves an entry');

-- Who reads these entries: admins and auditors all; others their own
-- user's, those of the groups and projects they read, and the scope
-- links of projects they manage.
SELECT runner_policy.act_as(1) \g /dev/null
INSERT INTO runner_policy.ci_job_token_scope_links (source_project_id, target_project_id) VALUES (103, 102), (102, 101);
UPDATE runner_policy.users SET admin = false, auditor = false WHERE id = 5;
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (102, 3, 40);
SELECT count(*) AS total FROM runner_policy.audit_log WHERE object_type IN ('user', 'namespace', 'project', 'scope_link') \gset
SELECT runner_policy.act_as(4) \g /dev/null
SELECT is((SELECT count(*) FROM runner_policy.audit_log WHERE object_type IN ('user', 'namespace', 'project', 'scope_link')),
	:total::bigint, 'an auditor reads every entry of a change of rights');
SELECT runner_policy.act_as(5) \g /dev/null
SELECT ok((SELECT count(*) FROM runner_policy.audit_log WHERE object_type = 'user') > 0
		  AND (SELECT bool_and(object_id = 5) FROM runner_policy.audit_log WHERE object_type = 'user'),
	'a user reads the entries of their own flags, not other users''');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT set_eq($$SELECT DISTINCT object_id FROM runner_policy.audit_log WHERE object_type = 'user'$$,
	ARRAY[2]::bigint[], 'alice reads her own user''s entries only');
SELECT set_eq($$SELECT DISTINCT object_id FROM runner_policy.audit_log WHERE object_type = 'project'$$,
	$$SELECT id FROM runner_policy.projects$$,
	'she reads the entries of the projects she reads, and of those only');
SELECT set_eq($$SELECT DISTINCT object_id FROM runner_policy.audit_log WHERE object_type = 'namespace'$$,
	$$SELECT id FROM runner_policy.namespaces$$,
	'and of the groups she reads');
SELECT runner_policy.act_as(3) \g /dev/null
SELECT set_eq($$SELECT (new->>'source_project_id')::bigint AS source, (new->>'target_project_id')::bigint AS target
				  FROM runner_policy.audit_log WHERE object_type = 'scope_link' AND action = 'link'$$,
	$$VALUES (100::bigint, 102::bigint), (103, 102), (102, 101)$$,
	'bob, who maintains project 102, reads the scope links it lets in and those that let it in');
SELECT set_eq($$SELECT DISTINCT object_id FROM runner_policy.audit_log WHERE object_type = 'project'$$,
	$$SELECT id FROM runner_policy.projects$$,
	'and the entries of the projects he reads');
SELECT ok(NOT EXISTS (SELECT FROM runner_policy.audit_log WHERE object_type = 'project' AND object_id = 100),
	'not of project 100, which is private and not his');
RESET ROLE;
SELECT is_empty($$SELECT * FROM runner_policy.verify_audit_log()$$, 'the log is intact');
SELECT is_empty($$SELECT 1 FROM runner_policy.audit_log
				   WHERE old ? 'token_digest' OR new ? 'token_digest' OR old ? 'digest' OR new ? 'digest'$$,
	'no entry has a digest column');

SELECT * FROM finish();
ROLLBACK;
