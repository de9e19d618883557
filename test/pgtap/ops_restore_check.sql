-- After a restore, check_restore() tells whether rows were lost: the audit
-- log names every object it saw made and not deleted, so an object it says
-- exists without a row is "missing", a live row it never saw is
-- "unaudited", and an empty job table whose sequence has handed out ids is
-- "jobs".  adopt_unaudited() writes one entry per row the log never saw
-- (a legacy load, rows older than the log's coverage), so that the next
-- check can tell.  Rows here are lost and loaded the way a failed restore
-- or a legacy load does it: with triggers off.
BEGIN;
SET CONSTRAINTS runner_policy.audit_lanes_head IMMEDIATE;
\ir fixture.psql
SELECT plan(20);
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (100, 2, 40);
INSERT INTO runner_policy.ci_job_token_scope_links (source_project_id, target_project_id) VALUES (100, 102);

SELECT is_empty($$SELECT * FROM runner_policy.check_restore()$$,
	'a forge written through its triggers: the log and the tables agree');

-- A restore that lost rows: deleted behind the triggers' back.
SET session_replication_role = replica;
DELETE FROM runner_policy.ci_runners WHERE id = 1003;
DELETE FROM runner_policy.ci_runner_projects WHERE runner_id = 1003;
DELETE FROM runner_policy.project_members WHERE project_id = 100 AND user_id = 2;
DELETE FROM runner_policy.ci_job_token_scope_links;
DELETE FROM runner_policy.ci_builds WHERE project_id = 102;
DELETE FROM runner_policy.projects WHERE id = 102;
RESET session_replication_role;
SELECT object_id AS link_1003 FROM runner_policy.audit_log
 WHERE object_type = 'runner_project_link' AND new->>'runner_id' = '1003' \gset
SELECT results_eq(
	$$SELECT problem, object_type, object_id FROM runner_policy.check_restore()$$,
	format($$VALUES ('missing', 'project', 102::bigint), ('missing', 'project_member', 100),
					('missing', 'runner', 1003), ('missing', 'runner_project_link', %s),
					('missing', 'scope_link', 102)$$, :link_1003),
	'every object the log says exists without a row is reported, memberships and scope links by pair');
SELECT is((SELECT detail FROM runner_policy.check_restore() WHERE object_type = 'runner'),
	'the audit log says runner 1003 exists (its last entry: register), but it has no row',
	'the detail says what the log says');
SELECT is((SELECT detail FROM runner_policy.check_restore() WHERE object_type = 'project_member'),
	'the audit log says project member 100 / 2 exists (its last entry: add_member), but it has no row',
	'a membership is named by its project and user');

-- Deleted through the triggers: the log knows, nothing is reported.
DELETE FROM runner_policy.ci_runners WHERE id = 1001;
SELECT is_empty($$SELECT * FROM runner_policy.check_restore() WHERE object_id IN (1001, 11)
				   AND object_type IN ('runner', 'runner_namespace_link')$$,
	'a runner deleted through the triggers is not missing');

-- A restore that lost the log, or a legacy load: rows the log never saw.
SET session_replication_role = replica;
INSERT INTO runner_policy.users (id, username) VALUES (7, 'legacy');
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, linked_project_ids)
	VALUES (1007, 3, 103, '{103}');
INSERT INTO runner_policy.ci_runner_projects (id, runner_id, project_id, owner_project_id)
	VALUES (9007, 1007, 103, 103);
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level) VALUES (20, 7, 30);
RESET session_replication_role;
SELECT results_eq(
	$$SELECT object_type, object_id FROM runner_policy.check_restore() WHERE problem = 'unaudited'$$,
	$$VALUES ('group_member', 20::bigint), ('runner', 1007), ('runner_project_link', 9007), ('user', 7)$$,
	'every live row the log never saw is reported');
SELECT ok((SELECT detail FROM runner_policy.check_restore() WHERE object_type = 'user' AND object_id = 7)
		  LIKE 'user 7 has a row, but no audit log entry names it (made %)',
	'its detail says when it was made');

-- Adopting them: one entry each, the chain still verifies, nothing left.
SELECT max(id) AS before_adopt FROM runner_policy.audit_log \gset
SELECT is(runner_policy.adopt_unaudited(), 4::bigint, 'adopt_unaudited() writes one entry per unaudited row');
SELECT results_eq(
	format($$SELECT action, object_type, object_id, new->>'user_id' FROM runner_policy.audit_log
			  WHERE id > %s ORDER BY object_type, object_id$$, :before_adopt),
	$$VALUES ('adopt', 'group_member', 20::bigint, '7'), ('adopt', 'runner', 1007, NULL),
			 ('adopt', 'runner_project_link', 9007, NULL), ('adopt', 'user', 7, NULL)$$,
	'the adopt entries hold the rows as they are');
SELECT ok(NOT EXISTS (SELECT FROM runner_policy.audit_log WHERE id > :before_adopt AND new ? 'token_digest'),
	'no digest in them');
SELECT is_empty($$SELECT * FROM runner_policy.check_restore() WHERE problem = 'unaudited'$$,
	'after adopting, nothing is unaudited');
SELECT is(runner_policy.adopt_unaudited(), 0::bigint, 'adopting again writes nothing');
SELECT is_empty($$SELECT * FROM runner_policy.verify_audit_log()$$, 'the chain verifies');

-- Jobs: the log does not cover them; an emptied table with a used sequence is reported.
SET session_replication_role = replica;
DELETE FROM runner_policy.ci_builds;
RESET session_replication_role;
SELECT results_eq(
	$$SELECT problem, detail FROM runner_policy.check_restore() WHERE problem = 'jobs'$$,
	$$VALUES ('jobs', 'ci_builds has no rows, but its sequence has handed out ids up to 100000')$$,
	'an empty ci_builds whose sequence has handed out ids is reported');

-- After pruning, a row older than the cut-off that the log no longer names
-- is not reported: the log's history starts there.
SET session_replication_role = replica;
INSERT INTO runner_policy.users (id, username, created_at) VALUES (8, 'old', now() - interval '2 days');
RESET session_replication_role;
SELECT ok(EXISTS (SELECT FROM runner_policy.check_restore() WHERE object_type = 'user' AND object_id = 8),
	'before pruning, a row the log never saw is reported');
SELECT runner_policy.prune_audit_log(now() - interval '1 hour') \g /dev/null
SELECT ok(NOT EXISTS (SELECT FROM runner_policy.check_restore() WHERE object_type = 'user' AND object_id = 8),
	'after pruning, one made before the prune is not');

-- Who may: the DBA; nobody else, and nobody writes an entry by hand.
SET ROLE regress_forge_app;
SELECT throws_ok($$SELECT * FROM runner_policy.check_restore()$$, '42501',
	'permission denied for function check_restore', 'check_restore() is the DBA''s');
SELECT throws_ok($$SELECT runner_policy.adopt_unaudited()$$, '42501',
	'permission denied for function adopt_unaudited', 'so is adopt_unaudited()');
RESET ROLE;
SELECT max(id) AS before_forge FROM runner_policy.audit_log \gset
SELECT throws_ok($$SELECT runner_policy.audit_adopt_entry('runner', 1000, '{"id": 1000}')$$, '42501',
	'audit_adopt_entry() is called only by adopt_unaudited()',
	'an adopt entry cannot be written by hand, not even by a superuser');
SELECT is((SELECT max(id) FROM runner_policy.audit_log), :before_forge::bigint, 'and nothing was written');

SELECT * FROM finish();
ROLLBACK;
