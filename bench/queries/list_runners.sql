/* Listing runners, as the application sends it: no filter of its own. */
SELECT * FROM runner_policy.ci_runners
