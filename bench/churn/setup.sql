/*
 * bench/churn/setup.sql: what bench/churn.sh needs, after bench/data.sql.
 * Run by a superuser on the primary (the standby is copied from it
 * afterwards).  Prints one line of name=value, the pgbench variables (-D)
 * of the writer, the readers and the witness:
 *
 *   heavy      user 4, maintainer of 1.5k groups and 3k projects (scale 1)
 *   maint      user 3, maintainer of 20 projects
 *   admin      user 1
 *   wp         project 3, which the heavy user maintains (at every scale):
 *              the writer registers and deletes its project runners as the
 *              heavy user, so they come and go at the top of the heavy
 *              user's first page
 *   member     an active user with no membership of wp, whom the admin
 *              adds to wp as a developer and removes again; the witness
 *              reads as this user
 *   point      the first runner of project 17 (user 3 maintains it): the
 *              maintainer's point read
 */
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- the forge's application role
\ir ../app_role.sql

SELECT 3 AS wp \gset
SELECT min(u.id) AS member FROM runner_policy.users u
 WHERE u.id > 5 AND u.state = 'active'
   AND NOT EXISTS (SELECT FROM runner_policy.project_members m
					WHERE m.project_id = :wp AND m.user_id = u.id) \gset
SELECT min(id) AS point FROM runner_policy.ci_runners
 WHERE runner_type = 3 AND sharding_key_id = 17 \gset

-- the heavy user must maintain wp, and the maintainer read its runner
SELECT count(*) = 1 AS ok FROM runner_policy.project_members
 WHERE project_id = :wp AND user_id = 4 AND access_level >= 40 \gset
\if :ok
\else
\warn 'bench/churn/setup.sql: user 4 does not maintain project 3'
SELECT 1 / 0;
\endif

VACUUM ANALYZE;
SELECT format('heavy=4 maint=3 admin=1 wp=%s member=%s point=%s', :wp, :member, :point);
