-- bench/access_round.sql: one round of bench/access_measure.sql (its
-- variables set there).  Each query is named by the "q:" line before it,
-- which bench/access_measure.sh reads.
\o
\echo q: project runner linked to four projects
\o /dev/null
SELECT * FROM runner_policy.runner_access WHERE runner_id = :project_runner;
\o
\echo q: group runner of a top-level group
\o /dev/null
SELECT * FROM runner_policy.runner_access WHERE runner_id = :top_group_runner;
\o
\echo q: group runner five groups deep
\o /dev/null
SELECT * FROM runner_policy.runner_access WHERE runner_id = :deep_group_runner;
\o
\echo q: instance runner, first 20 rows
\o /dev/null
SELECT * FROM runner_policy.runner_access WHERE runner_id = :instance_runner LIMIT 20;
\o
\echo q: instance runner, count
\o /dev/null
SELECT count(*) FROM runner_policy.runner_access WHERE runner_id = :instance_runner;
\o
\echo q: instance runner, who may update it
\o /dev/null
SELECT * FROM runner_policy.runner_access WHERE runner_id = :instance_runner AND action = 'update';
\o
\echo q: ordinary user
\o /dev/null
SELECT * FROM runner_policy.runner_access WHERE user_id = :ordinary_user;
\o
\echo q: maintainer of 20 projects
\o /dev/null
SELECT * FROM runner_policy.runner_access WHERE user_id = 3;
\o
\echo q: one user and one runner (3 and a runner of a project it maintains)
\o /dev/null
SELECT * FROM runner_policy.runner_access WHERE user_id = 3 AND runner_id = :maintained_runner;
\o
\echo q: heavy user, first 20 rows
\o /dev/null
SELECT * FROM runner_policy.runner_access WHERE user_id = 4 LIMIT 20;
\o
\echo q: auditor, first 20 rows
\o /dev/null
SELECT * FROM runner_policy.runner_access WHERE user_id = 2 LIMIT 20;
\o
\echo q: administrator, first 20 rows
\o /dev/null
SELECT * FROM runner_policy.runner_access WHERE user_id = 1 LIMIT 20;
\if :slow
\o
\echo q: heavy user, count
\o /dev/null
SELECT count(*) FROM runner_policy.runner_access WHERE user_id = 4;
\o
\echo q: auditor, count
\o /dev/null
SELECT count(*) FROM runner_policy.runner_access WHERE user_id = 2;
\o
\echo q: auditor, what it may update
\o /dev/null
SELECT * FROM runner_policy.runner_access WHERE user_id = 2 AND action = 'update';
\o
\echo q: administrator, count
\o /dev/null
SELECT count(*) FROM runner_policy.runner_access WHERE user_id = 1;
\o
\echo q: administrator, what it may delete (count)
\o /dev/null
SELECT count(*) FROM runner_policy.runner_access WHERE user_id = 1 AND action = 'delete';
\endif
