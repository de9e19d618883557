-- The audit log (doc/auditing.md): an entry for every audited
-- change, with its actor, never a token or a digest; append-only for every
-- role; who reads which entries.
BEGIN;
-- A lane's head moves when the transaction commits; these files never do,
-- so they move it at the end of every statement instead.
SET CONSTRAINTS runner_policy.audit_lanes_head IMMEDIATE;
\ir fixture.psql
SELECT plan(46);
GRANT EXECUTE ON FUNCTION runner_policy.issue_job_token(bigint, text[]) TO regress_forge_app;
INSERT INTO runner_policy.users (id, username, auditor) VALUES (4, 'audrey', true);
-- actors draw ids from the sequences: the runners below get 60 and 61
SELECT setval(pg_get_serial_sequence('runner_policy.ci_runners', 'id'), 59) \g /dev/null
SELECT coalesce(max(id), 0) AS fixture_end FROM runner_policy.audit_log \gset

-- The entries written since a mark, as (action, object_type, object_id,
-- actor_kind, actor_user_id), for comparisons.
CREATE FUNCTION pg_temp.entries_since(mark bigint)
RETURNS TABLE (action text, object_type text, object_id bigint, actor_kind text, actor_user_id bigint)
LANGUAGE sql AS $$
	SELECT action, object_type, object_id, actor_kind, actor_user_id
	  FROM runner_policy.audit_log WHERE id > mark ORDER BY id
$$;
-- the last entry of all, also when the actor may not read it
CREATE FUNCTION pg_temp.mark() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS $$
	SELECT coalesce(max(id), 0) FROM runner_policy.audit_log
$$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pg_temp TO regress_forge_app;

\set actor_role regress_forge_app
\ir as_role.psql

-- The fixture was loaded by the superuser with no actor: audited anyway.
RESET ROLE;
SELECT results_eq($$SELECT action, object_type, object_id, actor_kind, db_role
					  FROM runner_policy.audit_log WHERE object_type = 'runner' ORDER BY id$$,
	$$VALUES ('register', 'runner', 1000::bigint, NULL::text, 'postgres'::text),
			 ('register', 'runner', 1001, NULL, 'postgres'),
			 ('register', 'runner', 1002, NULL, 'postgres'),
			 ('register', 'runner', 1003, NULL, 'postgres')$$,
	'the fixture''s runners are in the log, made by the superuser with no actor');
SELECT results_eq($$SELECT action, object_type, (new->>'runner_id')::bigint, (new->>'project_id')::bigint
					  FROM runner_policy.audit_log WHERE object_type = 'runner_project_link' ORDER BY id$$,
	$$VALUES ('link', 'runner_project_link', 1002::bigint, 100::bigint),
			 ('link', 'runner_project_link', 1003, 102),
			 ('link', 'runner_project_link', 1002, 101),
			 ('link', 'runner_project_link', 1002, 103)$$,
	'owner links made with their runners are in the log, and so are later links');
SELECT results_eq($$SELECT action, (new->>'runner_id')::bigint, (new->>'namespace_id')::bigint
					  FROM runner_policy.audit_log WHERE object_type = 'runner_namespace_link'$$,
	$$VALUES ('link', 1001::bigint, 11::bigint)$$,
	'a group runner''s namespace link is in the log');
SET ROLE regress_forge_app;

-- Memberships, project and group, by an admin.
SELECT runner_policy.act_as(1) \g /dev/null
SELECT pg_temp.mark() AS m \gset
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (100, 2, 40), (101, 2, 40);
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level) VALUES (20, 3, 50);
UPDATE runner_policy.group_members SET access_level = 40 WHERE namespace_id = 20 AND user_id = 3;
UPDATE runner_policy.group_members SET access_level = 40 WHERE namespace_id = 20 AND user_id = 3;
DELETE FROM runner_policy.group_members WHERE namespace_id = 20 AND user_id = 3;
SELECT results_eq($$SELECT * FROM pg_temp.entries_since($$ || :m || $$)$$,
	$$VALUES ('add_member', 'project_member', 100::bigint, 'user'::text, 1::bigint),
			 ('add_member', 'project_member', 101, 'user', 1),
			 ('add_member', 'group_member', 20, 'user', 1),
			 ('change_member', 'group_member', 20, 'user', 1),
			 ('remove_member', 'group_member', 20, 'user', 1)$$,
	'memberships: add, change and remove, for projects and groups; an update that changes nothing writes nothing');
RESET ROLE;
SELECT results_eq($$SELECT old->>'access_level', new->>'access_level', db_role FROM runner_policy.audit_log
					 WHERE action = 'change_member'$$,
	$$VALUES ('50'::text, '40'::text, 'regress_forge_app'::text)$$,
	'an entry has the old and new values and the database role that made the change');
SET ROLE regress_forge_app;

-- A maintainer's runner: register, link, change, reset its token, unlink.
SELECT runner_policy.act_as(2) \g /dev/null
SELECT pg_temp.mark() AS m \gset
INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id, description) VALUES (3, 100, 'alice''s runner');
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (60, 101);
UPDATE runner_policy.ci_runners SET description = 'api builds', tag_list = '{docker}' WHERE id = 60;
SELECT runner_policy.reset_runner_token(60) AS runner_token \gset
DELETE FROM runner_policy.ci_runner_projects WHERE runner_id = 60 AND project_id = 101;
RESET ROLE;
SELECT results_eq($$SELECT action, object_type, CASE WHEN object_type = 'runner' THEN object_id END, actor_kind, actor_user_id
					  FROM runner_policy.audit_log WHERE id > $$ || :m || $$ ORDER BY id$$,
	$$VALUES ('register', 'runner', 60::bigint, 'user'::text, 2::bigint),
			 ('link', 'runner_project_link', NULL, 'user', 2),
			 ('link', 'runner_project_link', NULL, 'user', 2),
			 ('update', 'runner', 60, 'user', 2),
			 ('reset_token', 'runner', 60, 'user', 2),
			 ('unlink', 'runner_project_link', NULL, 'user', 2)$$,
	'a runner''s life: registered with its owner link, linked, changed, token reset, unlinked');
SELECT is((SELECT array_agg(DISTINCT db_role) FROM runner_policy.audit_log WHERE id > :m), '{regress_forge_app}'::text[],
	'each names the client''s role, also the owner link and the token reset the extension wrote as the tables'' owner');
SET ROLE regress_forge_app;

-- A heartbeat is no change of setting: no entry.
SELECT pg_temp.mark() AS m \gset
SELECT runner_policy.authenticate(:'runner_token') \g /dev/null
UPDATE runner_policy.ci_runners SET contacted_at = now() WHERE id = 60;
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is((SELECT count(*) FROM pg_temp.entries_since(:m)), 0::bigint,
	'a runner''s contacted_at heartbeat writes no entry');

-- Tokens: issue and revoke; a token actor is recorded with its token id.
SELECT pg_temp.mark() AS m \gset
SELECT runner_policy.issue_instance_token('{read_runners}', now() + interval '1 day', 'dash') AS instance_token \gset
SELECT max(id) AS instance_token_id FROM runner_policy.tokens \gset
SELECT runner_policy.revoke_token(:instance_token_id) \g /dev/null
SELECT runner_policy.issue_job_token(5001, '{api}') AS job_token \gset
SELECT max(id) AS job_token_id FROM runner_policy.tokens \gset
SELECT runner_policy.authenticate(:'job_token') \g /dev/null
UPDATE runner_policy.ci_runners SET paused = true WHERE id = 60;
SELECT runner_policy.act_as(1) \g /dev/null
SELECT results_eq($$SELECT action, object_type, object_id, actor_kind, actor_user_id, token_id
					  FROM runner_policy.audit_log WHERE id > $$ || :m || $$ ORDER BY id$$,
	format($$VALUES ('issue', 'token', %1$s::bigint, 'user'::text, 1::bigint, NULL::bigint),
			 ('revoke', 'token', %1$s, 'user', 1, NULL),
			 ('issue', 'token', %2$s, 'user', 1, NULL),
			 ('update', 'runner', 60, 'extended_job_token', 2, %2$s)$$, :instance_token_id, :job_token_id),
	'tokens issued and revoked; a change made with a token names its kind, user and token');

-- A group runner, registered by an admin, with its namespace link.
SELECT pg_temp.mark() AS m \gset
INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id) VALUES (2, 12);
SELECT results_eq($$SELECT action, object_type FROM pg_temp.entries_since($$ || :m || $$)$$,
	$$VALUES ('register', 'runner'), ('link', 'runner_namespace_link')$$,
	'a group runner and its namespace link');

-- Deleting a project records everything it took with it, in one statement.
SELECT pg_temp.mark() AS m \gset
DELETE FROM runner_policy.projects WHERE id = 100;
RESET ROLE;
SELECT set_eq($$SELECT action, object_type, coalesce(old->>'runner_id', old->>'id') FROM runner_policy.audit_log
				 WHERE id > $$ || :m || $$ AND object_type IN ('runner', 'runner_project_link')$$,
	$$VALUES ('delete', 'runner', '1002'), ('delete', 'runner', '60'),
			 ('unlink', 'runner_project_link', '1002'), ('unlink', 'runner_project_link', '60')$$,
	'deleting project 100 records its runners 1002 and 60 and all their links');
SELECT is((SELECT count(*) FROM runner_policy.audit_log WHERE id > :m AND object_type = 'runner_project_link'),
	4::bigint, 'each of the four links it took has its entry (1002 to 100, 101, 103; 60 to 100)');
SELECT set_eq($$SELECT action, object_type, object_id FROM runner_policy.audit_log
				 WHERE id > $$ || :m || $$ AND object_type IN ('project_member', 'token')$$,
	format($$VALUES ('remove_member', 'project_member', 100::bigint), ('delete', 'token', %s)$$, :job_token_id),
	'and the project''s memberships, and the tokens of its jobs');
SELECT is((SELECT count(DISTINCT (at, actor_user_id)) FROM runner_policy.audit_log WHERE id > :m),
	1::bigint, 'all of them carry the same time and actor: one statement');

-- backfill_owners() records each owner it places.
SET session_replication_role = replica;
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id) VALUES (70, 3, NULL);
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (70, 102);
RESET session_replication_role;
SELECT pg_temp.mark() AS m \gset
SELECT runner_id, placed FROM runner_policy.backfill_owners() \g /dev/null
SELECT results_eq($$SELECT action, object_id, old->>'sharding_key_id', new->>'sharding_key_id', db_role
					  FROM runner_policy.audit_log WHERE id > $$ || :m,
	$$VALUES ('backfill_owner', 70::bigint, NULL::text, '102'::text, 'postgres'::text)$$,
	'backfill_owners() records the owner it placed');

-- TRUNCATE skips row triggers; it leaves one entry.
SELECT pg_temp.mark() AS m \gset
TRUNCATE runner_policy.group_members;
SELECT results_eq($$SELECT action, object_type, object_id FROM runner_policy.audit_log WHERE id > $$ || :m,
	$$VALUES ('truncate', 'group_member', NULL::bigint)$$, 'a TRUNCATE leaves an entry');

-- No token and no digest, ever.
SELECT is_empty($$SELECT 1 FROM runner_policy.audit_log
				   WHERE old ? 'token_digest' OR new ? 'token_digest' OR old ? 'digest' OR new ? 'digest'$$,
	'no entry has a digest column');
SELECT is_empty(format($$SELECT 1 FROM runner_policy.audit_log a
						  WHERE a::text ~ %L OR a::text ~ %L OR a::text ~ %L$$,
		substr(:'runner_token', 5, 16), substr(:'instance_token', 5, 16), substr(:'job_token', 5, 16)),
	'no entry holds any part of a token');
SELECT is_empty($$SELECT 1 FROM runner_policy.audit_log a, runner_policy.tokens t
				   WHERE strpos(a::text, encode(t.digest, 'hex')) > 0
					  OR strpos(a::text, encode(t.digest, 'base64')) > 0
				  UNION ALL
				  SELECT 1 FROM runner_policy.audit_log a, runner_policy.ci_runners r
				   WHERE r.token_digest IS NOT NULL AND strpos(a::text, encode(r.token_digest, 'hex')) > 0$$,
	'no entry holds any digest, in hex or base64');
SELECT is((SELECT count(*) FROM runner_policy.audit_log WHERE action = 'reset_token' AND old = new), 1::bigint,
	'a token reset says so, and shows no before or after of the digest');

-- Every hash chain is whole after all that.
SELECT is_empty($$SELECT * FROM runner_policy.verify_audit_log()$$, 'verify_audit_log() finds the log intact');

-- Append-only, for every role: the superuser ...
SELECT pg_temp.tables_digest() AS before_digest, md5(string_agg(a::text, '' ORDER BY id)) AS log_before
  FROM runner_policy.audit_log a \gset
SELECT throws_ok($$UPDATE runner_policy.audit_log SET action = 'nothing' WHERE id = 1$$,
	'42501', 'cannot update runner_policy.audit_log', 'the superuser cannot update an entry');
SELECT throws_ok($$DELETE FROM runner_policy.audit_log WHERE id = 1$$,
	'42501', 'cannot delete from runner_policy.audit_log', 'the superuser cannot delete an entry');
SELECT throws_ok($$TRUNCATE runner_policy.audit_log$$,
	'42501', 'cannot truncate runner_policy.audit_log', 'the superuser cannot truncate the log');
SELECT throws_ok($$UPDATE runner_policy.audit_lanes SET seq = 0$$,
	'42501', 'cannot update runner_policy.audit_lanes', 'the superuser cannot move a lane''s head');
SELECT throws_ok($$DELETE FROM runner_policy.audit_lanes$$,
	'42501', 'cannot delete from runner_policy.audit_lanes', 'the superuser cannot delete a lane''s head');
SET ROLE regress_dba;
SELECT throws_ok($$UPDATE runner_policy.audit_log SET action = 'nothing'$$,
	'42501', 'cannot update runner_policy.audit_log', 'a second superuser cannot either');
-- ... and the application role, which was granted ALL on every table.
SET ROLE regress_forge_app;
SELECT runner_policy.act_as(1) \g /dev/null
SELECT throws_ok($$UPDATE runner_policy.audit_log SET action = 'nothing'$$,
	'42501', 'cannot update runner_policy.audit_log', 'an admin actor cannot update the log');
SELECT throws_ok($$DELETE FROM runner_policy.audit_log$$,
	'42501', 'cannot delete from runner_policy.audit_log', 'nor delete from it');
SELECT throws_ok($$TRUNCATE runner_policy.audit_log$$,
	'42501', 'cannot truncate runner_policy.audit_log', 'nor truncate it');
SELECT throws_ok($$INSERT INTO runner_policy.audit_log (at, db_role, action, object_type, lane, lane_seq, prev_hash, hash)
				   VALUES (now(), 'x', 'forged', 'runner', 0, 1000, '\x', '\x')$$,
	'42501', 'new row violates row-level security policy for table "audit_log"', 'nor write an entry by hand');
SELECT throws_ok($$SELECT runner_policy.verify_audit_log()$$, '42501',
	'permission denied for function verify_audit_log', 'verify_audit_log() is the DBA''s to grant');
SELECT throws_ok($$SELECT runner_policy.prune_audit_log(now())$$, '42501',
	'permission denied for function prune_audit_log', 'and so is prune_audit_log()');
RESET ROLE;
SELECT is(md5(string_agg(a::text, '' ORDER BY id)), :'log_before', 'the log is as it was after every refusal')
  FROM runner_policy.audit_log a;
SELECT is(pg_temp.tables_digest(), :'before_digest', 'and so are the tables');

-- Who reads what.
SELECT count(*) AS total FROM runner_policy.audit_log \gset
SET ROLE regress_forge_app;
SELECT runner_policy.reset_actor() \g /dev/null
SELECT is((SELECT count(*) FROM runner_policy.audit_log), 0::bigint, 'no actor reads no entry');
SELECT runner_policy.act_as(1) \g /dev/null
SELECT is((SELECT count(*) FROM runner_policy.audit_log), :total::bigint, 'an admin reads every entry');
SELECT runner_policy.act_as(4) \g /dev/null
SELECT is((SELECT count(*) FROM runner_policy.audit_log), :total::bigint, 'an auditor reads every entry');
SELECT runner_policy.act_as(1) \g /dev/null
-- bob maintains project 102 (runners 1003 and 70): he reads their entries
-- and those of the instance runner, not those of alice's runners or the
-- platform group's runner.
INSERT INTO runner_policy.project_members (project_id, user_id, access_level) VALUES (102, 3, 40);
SELECT runner_policy.act_as(3) \g /dev/null
SELECT set_eq($$SELECT DISTINCT object_id FROM runner_policy.audit_log WHERE object_type = 'runner'$$,
	ARRAY[1000, 1003, 70]::bigint[], 'a maintainer reads the entries of the runners he may read');
SELECT set_eq($$SELECT DISTINCT object_type || ':' || (coalesce(new, old)->>'project_id')
				  FROM runner_policy.audit_log
				 WHERE object_type IN ('runner_project_link', 'runner_namespace_link', 'project_member',
									   'group_member', 'token')$$,
	$$VALUES ('runner_project_link:102'), ('project_member:102')$$,
	'and of links and members of his project; no token, no other project, no group runner link');
SELECT runner_policy.act_as(2) \g /dev/null
SELECT is_empty($$SELECT 1 FROM runner_policy.audit_log WHERE object_id IN (1003, 70) AND object_type = 'runner'$$,
	'alice reads no entry of bob''s runners');
SELECT is_empty($$SELECT action, object_id FROM runner_policy.audit_log WHERE object_type = 'token'$$,
	'alice reads no token''s entries: not the admin''s, nor those of her job token, deleted with project 100');
SELECT ok(EXISTS (SELECT FROM runner_policy.audit_log WHERE object_type = 'runner' AND object_id = 1001),
	'alice reads the platform group runner''s entries (she maintains a project in its group)');

-- runner_ownership: type, owner, links, creator, for the runners one reads.
SELECT runner_policy.act_as(3) \g /dev/null
SELECT results_eq($$SELECT runner_id, runner_type_name, owner_type, owner_id, owner_name, linked_projects
					  FROM runner_policy.runner_ownership ORDER BY runner_id$$,
	$$VALUES (70::bigint, 'project'::text, 'project'::text, 102::bigint, 'tools'::text, '{102}'::bigint[]),
			 (1000, 'instance', NULL, NULL, NULL, '{}'),
			 (1003, 'project', 'project', 102, 'tools', '{102}')$$,
	'runner_ownership shows bob the runners he reads, with owner and links');
SELECT runner_policy.act_as(1) \g /dev/null
SELECT results_eq($$SELECT runner_id, owner_type, owner_id, owner_name, linked_projects, created_by_id, created_by
					  FROM runner_policy.runner_ownership WHERE runner_id IN (1001, 1003) ORDER BY runner_id$$,
	$$VALUES (1001::bigint, 'namespace'::text, 11::bigint, 'platform'::text, '{}'::bigint[], 2::bigint, 'alice'::text),
			 (1003, 'project', 102, 'tools', '{102}', 3, 'bob')$$,
	'and an admin every runner, with its creator');
RESET ROLE;
SELECT is((SELECT reloptions FROM pg_class WHERE oid = 'runner_policy.runner_ownership'::regclass),
	'{security_invoker=true}'::text[], 'runner_ownership reads through the caller''s row-level security');

SELECT * FROM finish();
ROLLBACK;
