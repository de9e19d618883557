-- test/logical/subscriber.sql: a session on the subscriber keeps its actor
-- (is_local => false) while the publisher changes rights.  The decision
-- cache keeps the actor's reach from statement to statement; a change the
-- apply worker commits must count from the session's next statement.  The
-- worker fires row triggers only, which is why the reach_changed triggers
-- have FOR EACH ROW twins enabled in replica mode.
--
-- Each change is committed on the publisher by a shell command; the next
-- one waits, in a connection of its own, until the subscriber's superuser
-- sees it.  Each actor reads twice before the change: the second read is
-- answered by the kept reach.
\set VERBOSITY terse
SELECT current_database() AS subscriber, (SELECT count(*) FROM pg_subscription) AS subscriptions;
SET ROLE regress_logical_app;
-- (a) a project membership removed: 2 no longer maintains 100
SELECT runner_policy.act_as(2, false);
SELECT array_agg(id ORDER BY id) AS runners_of_2 FROM runner_policy.ci_runners;
SELECT array_agg(id ORDER BY id) AS runners_of_2 FROM runner_policy.ci_runners;
\! psql -X -q -v ON_ERROR_STOP=1 -d rp_logical_pub -c 'DELETE FROM runner_policy.project_members WHERE user_id = 2'
\! for i in $(seq 200); do [ "$(psql -X -At -d rp_logical_sub -c 'SELECT count(*) FROM runner_policy.project_members WHERE user_id = 2')" = 0 ] && exit 0; sleep 0.1; done; echo 'the removal was not replicated'
SELECT array_agg(id ORDER BY id) AS runners_of_2 FROM runner_policy.ci_runners;
-- (b) a user blocked: 3's actor ends at its next statement
SELECT runner_policy.act_as(3, false);
SELECT array_agg(id ORDER BY id) AS runners_of_3 FROM runner_policy.ci_runners;
SELECT array_agg(id ORDER BY id) AS runners_of_3 FROM runner_policy.ci_runners;
\! psql -X -q -v ON_ERROR_STOP=1 -d rp_logical_pub -c "UPDATE runner_policy.users SET state = 'blocked' WHERE id = 3"
\! for i in $(seq 200); do [ "$(psql -X -At -d rp_logical_sub -c 'SELECT state FROM runner_policy.users WHERE id = 3')" = blocked ] && exit 0; sleep 0.1; done; echo 'the block was not replicated'
SELECT array_agg(id ORDER BY id) AS runners_of_3 FROM runner_policy.ci_runners;
\echo :LAST_ERROR_SQLSTATE
SELECT kind FROM runner_policy.current_actor();
-- (c) a runner unlinked: 1001 of 100 no longer serves 101, which 4 maintains
SELECT runner_policy.act_as(4, false);
SELECT array_agg(id ORDER BY id) AS runners_of_4 FROM runner_policy.ci_runners;
SELECT array_agg(id ORDER BY id) AS runners_of_4 FROM runner_policy.ci_runners;
\! psql -X -q -v ON_ERROR_STOP=1 -d rp_logical_pub -c 'DELETE FROM runner_policy.ci_runner_projects WHERE id = 50'
\! for i in $(seq 200); do [ "$(psql -X -At -d rp_logical_sub -c 'SELECT count(*) FROM runner_policy.ci_runner_projects WHERE id = 50')" = 0 ] && exit 0; sleep 0.1; done; echo 'the unlink was not replicated'
SELECT array_agg(id ORDER BY id) AS runners_of_4 FROM runner_policy.ci_runners;
-- (d) a group membership removed: 5 no longer maintains group 11
SELECT runner_policy.act_as(5, false);
SELECT array_agg(id ORDER BY id) AS runners_of_5 FROM runner_policy.ci_runners;
SELECT array_agg(id ORDER BY id) AS runners_of_5 FROM runner_policy.ci_runners;
\! psql -X -q -v ON_ERROR_STOP=1 -d rp_logical_pub -c 'DELETE FROM runner_policy.group_members WHERE user_id = 5'
\! for i in $(seq 200); do [ "$(psql -X -At -d rp_logical_sub -c 'SELECT count(*) FROM runner_policy.group_members WHERE user_id = 5')" = 0 ] && exit 0; sleep 0.1; done; echo 'the group removal was not replicated'
SELECT array_agg(id ORDER BY id) AS runners_of_5 FROM runner_policy.ci_runners;
-- (e) a token issued on the publisher and replicated authenticates here;
-- its scopes changed on the publisher end it at the next statement, and
-- authenticating again gives the new scopes
SELECT runner_policy.authenticate(:'token', false);
SELECT count(*) AS runners_through_token FROM runner_policy.ci_runners;
SELECT count(*) AS runners_through_token FROM runner_policy.ci_runners;
\! psql -X -q -v ON_ERROR_STOP=1 -d rp_logical_pub -c "UPDATE runner_policy.tokens SET scopes = '{read_jobs}' WHERE description = 'logical dashboard'"
\! for i in $(seq 200); do [ "$(psql -X -At -d rp_logical_sub -c "SELECT scopes FROM runner_policy.tokens WHERE description = 'logical dashboard'")" = '{read_jobs}' ] && exit 0; sleep 0.1; done; echo 'the scopes were not replicated'
SELECT count(*) AS runners_through_token FROM runner_policy.ci_runners;
\echo :LAST_ERROR_SQLSTATE
SELECT kind FROM runner_policy.current_actor();
SELECT runner_policy.authenticate(:'token', false);
SELECT kind, user_id, scopes FROM runner_policy.current_actor();
SELECT count(*) AS runners_through_token FROM runner_policy.ci_runners;
RESET ROLE;
