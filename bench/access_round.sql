-- bench/access_round.sql: one round of bench/access_measure.sql (its
-- variables set there).
\o
\echo case: project runner linked to four projects
\o /dev/null
SELECT * FROM runner_policy.runner_access WHERE runner_id = :project_runner;
\o
\echo case: group runner of a top-level group
\o /dev/null
SELECT * FROM runner_policy.runner_access WHERE runner_id = :top_group_runner;
\o
\echo case: group runner five groups deep
\o /dev/null
SELECT * FROM runner_policy.runner_access WHERE runner_id = :deep_group_runner;
\o
\echo case: instance runner, first page; count; who may update it
\o /dev/null
SELECT * FROM runner_policy.runner_access WHERE runner_id = :instance_runner LIMIT 20;
SELECT count(*) FROM runner_policy.runner_access WHERE runner_id = :instance_runner;
SELECT * FROM runner_policy.runner_access WHERE runner_id = :instance_runner AND action = 'update';
\o
\echo case: ordinary user; maintainer of 20 projects
\o /dev/null
SELECT * FROM runner_policy.runner_access WHERE user_id = :ordinary_user;
SELECT * FROM runner_policy.runner_access WHERE user_id = 3;
\o
\echo case: first page of the heavy user, the auditor, the administrator
\o /dev/null
SELECT * FROM runner_policy.runner_access WHERE user_id = 4 LIMIT 20;
SELECT * FROM runner_policy.runner_access WHERE user_id = 2 LIMIT 20;
SELECT * FROM runner_policy.runner_access WHERE user_id = 1 LIMIT 20;
\if :slow
\o
\echo case: counts of the heavy user, the auditor; what the auditor may update; what the administrator may delete
\o /dev/null
SELECT count(*) FROM runner_policy.runner_access WHERE user_id = 4;
SELECT count(*) FROM runner_policy.runner_access WHERE user_id = 2;
SELECT * FROM runner_policy.runner_access WHERE user_id = 2 AND action = 'update';
SELECT count(*) FROM runner_policy.runner_access WHERE user_id = 1 AND action = 'delete';
\endif
