-- bench/access_measure.sql: timings of runner_access at scale (after
-- access_data.sql), as a DBA (superuser, no actor).  Each query twice; the
-- second is the figure.
\timing on
\o /dev/null
-- a project runner, a group runner, an instance runner
SELECT * FROM runner_policy.runner_access WHERE runner_id = 500000;
SELECT * FROM runner_policy.runner_access WHERE runner_id = 500000;
SELECT * FROM runner_policy.runner_access WHERE runner_id = 5000;
SELECT * FROM runner_policy.runner_access WHERE runner_id = 5000;
SELECT * FROM runner_policy.runner_access WHERE runner_id = 50;
SELECT * FROM runner_policy.runner_access WHERE runner_id = 50;
-- an ordinary user, a heavy user (maintainer of 2,000 projects), an admin
SELECT * FROM runner_policy.runner_access WHERE user_id = 5000;
SELECT * FROM runner_policy.runner_access WHERE user_id = 5000;
SELECT * FROM runner_policy.runner_access WHERE user_id = 99999;
SELECT * FROM runner_policy.runner_access WHERE user_id = 99999;
SELECT * FROM runner_policy.runner_access WHERE user_id = 1 LIMIT 100;
SELECT count(*) FROM runner_policy.runner_access WHERE user_id = 1;
\o
SELECT count(*) FILTER (WHERE runner_id = 500000) AS project_runner_rows FROM runner_policy.runner_access WHERE runner_id = 500000;
SELECT count(*) AS instance_runner_rows FROM runner_policy.runner_access WHERE runner_id = 50;
SELECT count(*) AS heavy_user_rows FROM runner_policy.runner_access WHERE user_id = 99999;
