/* sql/runner_policy--1.0--1.1.sql: release 1.1 over 1.0 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "ALTER EXTENSION runner_policy UPDATE TO '1.1'" to load this file. \quit

/*
 * A fresh CREATE EXTENSION runner_policy VERSION '1.1' runs
 * runner_policy--1.0.sql and then this script, as pg_cron installs its
 * versions: there is one definition of every object, and the upgrade of a
 * 1.0 database with data in it is the path every install takes.
 * test/upgrade checks that both leave the same catalog.
 *
 * Functions whose behaviour changes are replaced with CREATE OR REPLACE:
 * they are already members of the extension (PostgreSQL refuses to replace
 * an object that is not), and replacing them in place keeps the grants a
 * DBA gave on them, which DROP and CREATE would lose.  Everything else
 * follows the rules of the 1.0 script: schema-qualified names, operators in
 * pg_catalog, nothing granted to PUBLIC that is not safe for anyone.
 *
 * One section per part of the release, in the order they landed.
 */

/* ------------------------------------------------------------------------
 * Hardening (issue 6)
 * ------------------------------------------------------------------------ */

/*
 * Fail closed: an actor ends with its transaction unless a session actor is
 * asked for (is_local => false), as PostgREST scopes each request.  A
 * transaction pooler that hands the connection on, or an application that
 * forgets to set the next request's actor, finds no actor.
 */
CREATE OR REPLACE FUNCTION runner_policy.authenticate(token text, is_local boolean DEFAULT true)
	RETURNS text LANGUAGE c VOLATILE PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'rp_authenticate';
CREATE OR REPLACE FUNCTION runner_policy.act_as(user_id bigint, is_local boolean DEFAULT true)
	RETURNS text LANGUAGE c VOLATILE PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'rp_act_as';
COMMENT ON FUNCTION runner_policy.authenticate(text, boolean) IS
	'Sets the actor from a token and returns its kind; the actor ends with the transaction unless is_local => false.';
COMMENT ON FUNCTION runner_policy.act_as(bigint, boolean) IS
	'Sets a user actor without a token, for the trusted application role only; ends with the transaction unless is_local => false.';

/*
 * The runner queue decides from stored rows only.  runner_queue() of 1.0
 * took the runner's type and owner as arguments and believed them, so
 * anyone could read the counts of any runner by calling it with made-up
 * facts.  Its replacements take no facts at all: runner_queue_counts()
 * returns a row for each runner with work that the actor may read, judged
 * on the runner's stored row, and runner_queue_shared_pending() the one
 * number every instance runner shares.  Both count once per statement.
 */
CREATE FUNCTION runner_policy.runner_queue_counts(
	OUT runner_id bigint, OUT running_jobs bigint, OUT pending_jobs bigint)
	RETURNS SETOF record LANGUAGE c STABLE PARALLEL RESTRICTED ROWS 100
	AS 'MODULE_PATHNAME', 'rp_runner_queue_counts';
COMMENT ON FUNCTION runner_policy.runner_queue_counts() IS
	'Running and pending job counts of each runner with work that the actor may read, judged on its stored row.';
CREATE FUNCTION runner_policy.runner_queue_shared_pending()
	RETURNS bigint LANGUAGE c STABLE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_runner_queue_shared_pending';
COMMENT ON FUNCTION runner_policy.runner_queue_shared_pending() IS
	'Pending jobs any instance runner could pick up; NULL for an actor that reads no instance runner.';

CREATE OR REPLACE VIEW runner_policy.runner_queue_status WITH (security_invoker = true) AS
SELECT r.id AS runner_id,
	   r.runner_type,
	   r.description,
	   r.paused,
	   COALESCE(r.contacted_at OPERATOR(pg_catalog.>)
				(pg_catalog.now() OPERATOR(pg_catalog.-) interval '2 hours'), false) AS online,
	   r.contacted_at,
	   COALESCE(q.running_jobs, 0) AS running_jobs,
	   CASE WHEN r.runner_type OPERATOR(pg_catalog.=) 1
			THEN COALESCE((SELECT runner_policy.runner_queue_shared_pending()), 0)
			ELSE COALESCE(q.pending_jobs, 0) END AS pending_jobs
  FROM runner_policy.ci_runners r
  LEFT JOIN runner_policy.runner_queue_counts() AS q ON q.runner_id OPERATOR(pg_catalog.=) r.id;
DROP FUNCTION runner_policy.runner_queue(bigint, smallint, bigint);

-- write-path guards

/*
 * A job's status moves only forward, and a finished job is final for every
 * role but a superuser (SPEC section 5): its tokens, which live while the
 * job is 'running', stay dead for good.
 */
CREATE FUNCTION runner_policy.ci_builds_status_guard() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_ci_builds_status_guard';
REVOKE ALL ON FUNCTION runner_policy.ci_builds_status_guard() FROM PUBLIC;
-- AFTER, so that row-level security has refused what the actor may not do.
CREATE TRIGGER ci_builds_status_guard
	AFTER UPDATE ON runner_policy.ci_builds
	FOR EACH ROW
	WHEN (OLD.status IS DISTINCT FROM NEW.status)
	EXECUTE FUNCTION runner_policy.ci_builds_status_guard();

/*
 * The extension writes who and when: for roles subject to row-level
 * security (the tables' owner excepted, for migrations) created_at is now(),
 * created_by_id the acting user, and ids come from the identity sequences;
 * a runner's contacted_at is never in the future.
 */
CREATE FUNCTION runner_policy.row_origin() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_row_origin';
REVOKE ALL ON FUNCTION runner_policy.row_origin() FROM PUBLIC;
CREATE TRIGGER users_row_origin
	BEFORE INSERT OR UPDATE ON runner_policy.users
	FOR EACH ROW EXECUTE FUNCTION runner_policy.row_origin();
CREATE TRIGGER namespaces_row_origin
	BEFORE INSERT OR UPDATE ON runner_policy.namespaces
	FOR EACH ROW EXECUTE FUNCTION runner_policy.row_origin();
CREATE TRIGGER projects_row_origin
	BEFORE INSERT OR UPDATE ON runner_policy.projects
	FOR EACH ROW EXECUTE FUNCTION runner_policy.row_origin();
CREATE TRIGGER ci_runners_row_origin
	BEFORE INSERT OR UPDATE ON runner_policy.ci_runners
	FOR EACH ROW EXECUTE FUNCTION runner_policy.row_origin();
CREATE TRIGGER ci_runner_projects_row_origin
	BEFORE INSERT OR UPDATE ON runner_policy.ci_runner_projects
	FOR EACH ROW EXECUTE FUNCTION runner_policy.row_origin();
CREATE TRIGGER ci_runner_namespaces_row_origin
	BEFORE INSERT OR UPDATE ON runner_policy.ci_runner_namespaces
	FOR EACH ROW EXECUTE FUNCTION runner_policy.row_origin();
CREATE TRIGGER ci_builds_row_origin
	BEFORE INSERT OR UPDATE ON runner_policy.ci_builds
	FOR EACH ROW EXECUTE FUNCTION runner_policy.row_origin();
CREATE TRIGGER ci_job_token_scope_links_row_origin
	BEFORE INSERT OR UPDATE ON runner_policy.ci_job_token_scope_links
	FOR EACH ROW EXECUTE FUNCTION runner_policy.row_origin();
CREATE TRIGGER tokens_row_origin
	BEFORE INSERT OR UPDATE ON runner_policy.tokens
	FOR EACH ROW EXECUTE FUNCTION runner_policy.row_origin();

/* ------------------------------------------------------------------------
 * Policy core 2 (issue 7)
 * ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------
 * Auditing (issue 8, SPEC section 9)
 * ------------------------------------------------------------------------ */

-- access explanations

/*
 * Why a user may or may not read, update, delete or link a runner, from the
 * policy core's own decision for that user (src/policy_core.c).  It names
 * other users' memberships, so it is the DBA's: EXECUTE is revoked from
 * PUBLIC.
 */
CREATE FUNCTION runner_policy.explain_access(user_id bigint, runner_id bigint, action text)
	RETURNS text LANGUAGE c STABLE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_explain_access';
REVOKE ALL ON FUNCTION runner_policy.explain_access(bigint, bigint, text) FROM PUBLIC;
COMMENT ON FUNCTION runner_policy.explain_access(bigint, bigint, text) IS
	'Why a user may or may not read, update, delete or link a runner: the rule and the membership, link or role that decides it.';

/* ------------------------------------------------------------------------
 * Operations (issue 9)
 * ------------------------------------------------------------------------ */
