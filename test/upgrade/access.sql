-- test/upgrade/access.sql: runner_access agrees with explain_access() on
-- every user, runner and action of the forge (data.sql): read whole,
-- filtered by runner and filtered by user.  Run as a superuser, who may
-- read both; prints how many rows disagree (0), or "none" where the
-- version has no runner_access yet.  Used before an upgrade (the older
-- SQL served by this library's entry points for it) and after.
SET search_path = pg_catalog;
SELECT to_regclass('runner_policy.runner_access') IS NULL AS skip \gset
\if :skip
SELECT 'none';
\else
WITH yes AS (
	SELECT u.id AS user_id, r.id AS runner_id, a.action
	  FROM runner_policy.users u, runner_policy.ci_runners r,
		   unnest(ARRAY['read', 'update', 'delete', 'link']) AS a (action)
	 WHERE runner_policy.explain_access(u.id, r.id, a.action) LIKE 'yes:%'),
whole AS (
	SELECT user_id, runner_id, action FROM runner_policy.runner_access),
by_runner AS (
	SELECT v.user_id, v.runner_id, v.action FROM runner_policy.ci_runners r
	 CROSS JOIN LATERAL (SELECT * FROM runner_policy.runner_access x WHERE x.runner_id = r.id) v),
by_user AS (
	SELECT v.user_id, v.runner_id, v.action FROM runner_policy.users u
	 CROSS JOIN LATERAL (SELECT * FROM runner_policy.runner_access x WHERE x.user_id = u.id) v)
SELECT (SELECT count(*) FROM ((TABLE yes EXCEPT ALL TABLE whole) UNION ALL (TABLE whole EXCEPT ALL TABLE yes)) d)
	 + (SELECT count(*) FROM ((TABLE yes EXCEPT ALL TABLE by_runner) UNION ALL (TABLE by_runner EXCEPT ALL TABLE yes)) d)
	 + (SELECT count(*) FROM ((TABLE yes EXCEPT ALL TABLE by_user) UNION ALL (TABLE by_user EXCEPT ALL TABLE yes)) d)
	 AS disagreements;
\endif
