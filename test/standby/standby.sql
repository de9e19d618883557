-- test/standby/standby.sql: the read path on a hot standby.  Acting,
-- authenticating, every policy, authorize() and the queue view only read,
-- so they work unchanged on a standby; writes are refused by the standby.
\set VERBOSITY terse
SELECT pg_is_in_recovery() AS on_standby;
SET ROLE regress_standby_app;
SELECT count(*) AS rows_without_actor FROM runner_policy.ci_runners;
SELECT runner_policy.act_as(2, false);
SELECT id, description FROM runner_policy.ci_runners ORDER BY id;
SELECT runner_id, running_jobs, pending_jobs FROM runner_policy.runner_queue_status ORDER BY runner_id;
SELECT runner_policy.authorize(100, 'read_api') AS read_api_100, runner_policy.authorize(101, 'api') AS api_101;
SELECT runner_policy.authenticate(:'instance_token', false);
SELECT kind, user_id, scopes FROM runner_policy.current_actor();
SELECT count(*) AS runners_through_token FROM runner_policy.ci_runners;
SELECT runner_policy.authenticate(:'job_token', false);
SELECT id, status FROM runner_policy.ci_builds;
SELECT runner_policy.authenticate('rpi_' || repeat('0', 64));
SELECT kind FROM runner_policy.current_actor();
SELECT runner_policy.act_as(1, false);
UPDATE runner_policy.ci_runners SET description = 'written on a standby';
SELECT runner_policy.reset_runner_token(1001);
RESET ROLE;
-- Auditing: reading the log, verifying its chains and the
-- ownership view only read, so they work on a standby.
SET ROLE regress_standby_app;
SELECT runner_policy.act_as(1, false);
SELECT action, object_type, object_id, actor_kind FROM runner_policy.audit_log WHERE object_type = 'runner' ORDER BY id;
SELECT count(*) AS broken_entries FROM runner_policy.verify_audit_log();
SELECT runner_policy.act_as(2, false);
SELECT count(*) AS entries_read_by_maintainer FROM runner_policy.audit_log;
SELECT runner_id, runner_type_name, owner_id, linked_projects FROM runner_policy.runner_ownership ORDER BY runner_id;
RESET ROLE;
-- explain_access() asks the policy core for another user: it only reads.
SELECT runner_policy.explain_access(2, 1001, 'update') AS maintainer_updates,
	   runner_policy.explain_access(2, 1002, 'read') AS maintainer_reads_other;
-- The decision cache: a session actor's reach is kept from
-- statement to statement on a standby too, and a change the primary
-- commits counts from the session's next statement once the standby has
-- replayed it.  Shell commands change the primary ($RP_PRIMARY_PORT) and
-- wait, in a connection of their own, until the standby ($RP_STANDBY_PORT)
-- shows the change to its superuser.
SET ROLE regress_standby_app;
SELECT runner_policy.act_as(4, false);
SELECT array_agg(id ORDER BY id) AS runners_of_4 FROM runner_policy.ci_runners;
SELECT array_agg(id ORDER BY id) AS runners_of_4 FROM runner_policy.ci_runners;
\! psql -X -q -p "$RP_PRIMARY_PORT" -d runner_policy_standby -c 'DELETE FROM runner_policy.project_members WHERE user_id = 4'
\! for i in $(seq 600); do [ "$(psql -X -At -p "$RP_STANDBY_PORT" -d runner_policy_standby -c 'SELECT count(*) FROM runner_policy.project_members WHERE user_id = 4')" = 0 ] && exit 0; sleep 0.1; done; echo 'the standby did not replay the removal'
SELECT array_agg(id ORDER BY id) AS runners_of_4 FROM runner_policy.ci_runners;
SELECT runner_policy.act_as(5, false);
SELECT array_agg(id ORDER BY id) AS runners_of_5 FROM runner_policy.ci_runners;
SELECT array_agg(id ORDER BY id) AS runners_of_5 FROM runner_policy.ci_runners;
\! psql -X -q -p "$RP_PRIMARY_PORT" -d runner_policy_standby -c "UPDATE runner_policy.users SET state = 'blocked' WHERE id = 5"
\! for i in $(seq 600); do [ "$(psql -X -At -p "$RP_STANDBY_PORT" -d runner_policy_standby -c 'SELECT state FROM runner_policy.users WHERE id = 5')" = blocked ] && exit 0; sleep 0.1; done; echo 'the standby did not replay the block'
SELECT array_agg(id ORDER BY id) AS runners_of_5 FROM runner_policy.ci_runners;
SELECT kind FROM runner_policy.current_actor();
RESET ROLE;
