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
COMMENT ON FUNCTION runner_policy.ci_builds_status_guard() IS
	'Trigger: a job''s status moves only forward, a finished job is final for all but superusers, and a job leaving running revokes its tokens.';
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
COMMENT ON FUNCTION runner_policy.row_origin() IS
	'Trigger: the extension writes created_at and created_by_id, ids come from the identity sequences, contacted_at is never in the future.';
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

-- runner_access

/*
 * Who may read, update, delete or link which runner (src/policy_core.c,
 * "the runner_access view").  Every yes is the policy core's own, for that
 * user.  access_candidate() has a planner support function that makes it an
 * index condition on either side, so that WHERE runner_id = X and WHERE
 * user_id = Y each become an index scan and a nested loop over a few
 * candidates, never all users x all runners.
 *
 * The functions are safe for PUBLIC: each checks the session first (an
 * administrator or auditor acting as themselves, or, with no actor, a role
 * that may run explain_access()).  The view itself is the DBA's to grant.
 */
CREATE FUNCTION runner_policy.runners_of_user(user_id bigint)
	RETURNS bigint[] LANGUAGE c STABLE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_runners_of_user';
COMMENT ON FUNCTION runner_policy.runners_of_user(bigint) IS
	'The runners on which a user may have a right (a superset, from the policy core''s sets): the index condition behind runner_access filtered by user.';

CREATE FUNCTION runner_policy.users_of_runner(runner_id bigint)
	RETURNS bigint[] LANGUAGE c STABLE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_users_of_runner';
COMMENT ON FUNCTION runner_policy.users_of_runner(bigint) IS
	'The users who may have a right on a runner (a superset): the index condition behind runner_access filtered by runner.';

CREATE FUNCTION runner_policy.access_candidate_support(internal)
	RETURNS internal LANGUAGE c STABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'rp_access_candidate_support';
REVOKE ALL ON FUNCTION runner_policy.access_candidate_support(internal) FROM PUBLIC;
COMMENT ON FUNCTION runner_policy.access_candidate_support(internal) IS
	'Planner support of access_candidate(): turns it into an index condition on users or runners.';

CREATE FUNCTION runner_policy.access_candidate(user_id bigint, user_admin boolean,
		user_auditor boolean, user_state text, runner_id bigint, runner_type smallint,
		runner_owner bigint, runner_locked boolean)
	RETURNS boolean LANGUAGE c STABLE PARALLEL RESTRICTED
	SUPPORT runner_policy.access_candidate_support
	AS 'MODULE_PATHNAME', 'rp_access_candidate';
COMMENT ON FUNCTION runner_policy.access_candidate(bigint, boolean, boolean, text, bigint, smallint, bigint, boolean) IS
	'The user (with its admin and auditor flags and state) may do something to the runner (with its type, owner and locked flag): the join of runner_access.';

CREATE FUNCTION runner_policy.access_actions(user_id bigint, user_admin boolean,
		user_auditor boolean, user_state text, runner_id bigint, runner_type smallint,
		runner_owner bigint, runner_locked boolean)
	RETURNS text[] LANGUAGE c STABLE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_access_actions';
COMMENT ON FUNCTION runner_policy.access_actions(bigint, boolean, boolean, text, bigint, smallint, bigint, boolean) IS
	'What the user may do to the runner (read, update, delete, link), as the policy core decides: the rows of runner_access.';

-- the administrators and auditors, candidates for every runner
CREATE INDEX users_admin_auditor_idx ON runner_policy.users (id)
	WHERE admin OR auditor;

/*
 * Not security_invoker: the view reads users and runners as its owner, and
 * the functions decide who may see the answer.
 */
CREATE VIEW runner_policy.runner_access AS
	SELECT r.id AS runner_id, r.runner_type, u.id AS user_id, u.username, a.action
	  FROM runner_policy.users u
	  JOIN runner_policy.ci_runners r
		ON runner_policy.access_candidate(u.id, u.admin, u.auditor, u.state,
										  r.id, r.runner_type, r.sharding_key_id, r.locked)
	 CROSS JOIN LATERAL pg_catalog.unnest(
			runner_policy.access_actions(u.id, u.admin, u.auditor, u.state,
										 r.id, r.runner_type, r.sharding_key_id, r.locked))
		   AS a (action);
REVOKE ALL ON runner_policy.runner_access FROM PUBLIC;
COMMENT ON VIEW runner_policy.runner_access IS
	'Who (user) may do what (read, update, delete, link) to which runner, decided by the policy core. Filter it by runner_id or user_id; runner_policy.explain_access() says why.';
COMMENT ON COLUMN runner_policy.runner_access.runner_id IS 'The runner (ci_runners.id).';
COMMENT ON COLUMN runner_policy.runner_access.runner_type IS 'Its type: 1 instance, 2 group, 3 project.';
COMMENT ON COLUMN runner_policy.runner_access.user_id IS 'The user (users.id).';
COMMENT ON COLUMN runner_policy.runner_access.username IS 'The user''s name.';
COMMENT ON COLUMN runner_policy.runner_access.action IS 'What the user may do to the runner: read, update, delete or link.';

/* ------------------------------------------------------------------------
 * Operations (issue 9)
 * ------------------------------------------------------------------------ */

/*
 * The extension owns its schema.  On PostgreSQL 15 the schema that CREATE
 * EXTENSION makes from the control file's "schema" is not recorded as a
 * member of the extension (pg_depend has no row for it), so membership
 * cannot tell a schema we made from one a role made before us.  Its owner
 * can: CREATE EXTENSION makes the schema as the role that runs it, which
 * is then the extension's owner, while a role that squatted the name owns
 * its schema and could later rename it or plant objects in it.  A schema of
 * another superuser is no squat (a superuser can do anything anyway), and
 * it is what a restore does: pg_dump writes the schema, which is not a
 * member, and its owner, before CREATE EXTENSION.  A schema holding
 * anything that is not ours was not made for us either.
 */
DO $operations_schema$
DECLARE
	ext_owner	pg_catalog.oid;
	nsp_owner	pg_catalog.oid;
	foreign_objects	bigint;
BEGIN
	SELECT e.extowner, n.nspowner INTO ext_owner, nsp_owner
	  FROM pg_catalog.pg_extension e
	  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
	 WHERE e.extname OPERATOR(pg_catalog.=) 'runner_policy';
	SELECT pg_catalog.count(*) INTO foreign_objects
	  FROM (SELECT 'pg_catalog.pg_class'::pg_catalog.regclass AS classid, c.oid AS objid
			  FROM pg_catalog.pg_class c
			 WHERE c.relnamespace OPERATOR(pg_catalog.=) 'runner_policy'::pg_catalog.regnamespace
			   AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'v', 'm', 'p', 'f']::"char"[])
			UNION ALL
			SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid
			  FROM pg_catalog.pg_proc p
			 WHERE p.pronamespace OPERATOR(pg_catalog.=) 'runner_policy'::pg_catalog.regnamespace) AS o
	 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
						WHERE d.classid OPERATOR(pg_catalog.=) o.classid
						  AND d.objid OPERATOR(pg_catalog.=) o.objid
						  AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
						  AND d.deptype OPERATOR(pg_catalog.=) 'e');
	IF nsp_owner OPERATOR(pg_catalog.<>) ext_owner
	   AND NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r
				 WHERE r.oid OPERATOR(pg_catalog.=) nsp_owner) THEN
		RAISE EXCEPTION 'schema "runner_policy" was not created by extension runner_policy'
			USING ERRCODE = 'duplicate_schema',
				  DETAIL = pg_catalog.format('The schema is owned by role %s, who made it before the extension and could rename it or plant objects in it.',
											 pg_catalog.quote_ident(nsp_owner::pg_catalog.regrole::pg_catalog.text)),
				  HINT = 'Drop or rename that schema, then create the extension again; for an installation that already uses it, see "Upgrades" in the README.';
	ELSIF foreign_objects OPERATOR(pg_catalog.>) 0 THEN
		RAISE EXCEPTION 'schema "runner_policy" was not created by extension runner_policy'
			USING ERRCODE = 'duplicate_schema',
				  DETAIL = pg_catalog.format('The schema holds %s tables, views or functions that are not the extension''s.', foreign_objects),
				  HINT = 'Drop or rename that schema, then create the extension again; for an installation that already uses it, see "Upgrades" in the README.';
	END IF;
END
$operations_schema$;

/*
 * version(): the SQL version of this database and the library's version.
 * Fails, saying which side to fix, when the library does not serve the SQL
 * (src/version.c); every other C entry point checks the same once per
 * transaction.  Safe for anyone.
 */
CREATE FUNCTION runner_policy.version(OUT extension_version text, OUT library_version text)
	RETURNS record LANGUAGE c STABLE PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'rp_version';

/*
 * DROP EXTENSION, and DROP SCHEMA ... CASCADE, while the tables hold rows,
 * and renames of the schema are refused before they start (src/ddl_guard.c).
 * The event trigger is a member of the extension: it is dropped with it and
 * not dumped.  Nobody calls the function but the event trigger manager.
 */
CREATE FUNCTION runner_policy.ddl_guard() RETURNS event_trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_ddl_guard';
REVOKE ALL ON FUNCTION runner_policy.ddl_guard() FROM PUBLIC;
CREATE EVENT TRIGGER runner_policy_ddl_guard ON ddl_command_start
	WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA', 'ALTER SCHEMA')
	EXECUTE FUNCTION runner_policy.ddl_guard();

/*
 * Catalog comments on everything, for \d+ and the DBA who reads it there.
 * test/sql/ops_comments.sql lists objects without one and expects none.
 */
COMMENT ON SCHEMA runner_policy IS
	'CI runner ownership, visibility and job token scopes, enforced by the database (extension runner_policy).';

COMMENT ON TABLE runner_policy.namespaces IS
	'Groups, nested through parent_id; runners of a group are reached by its subgroups and projects.';
COMMENT ON TABLE runner_policy.projects IS
	'Projects, each in one namespace; a project runner belongs to one project.';
COMMENT ON TABLE runner_policy.project_members IS
	'Members of a project and their access level (10 guest to 50 owner).';
COMMENT ON TABLE runner_policy.group_members IS
	'Members of a group and their access level (10 guest to 50 owner); inherited by subgroups and their projects.';
COMMENT ON TABLE runner_policy.ci_runners IS
	'CI runners: instance (type 1), group (type 2, owned by a namespace) or project (type 3, owned by a project).';
COMMENT ON TABLE runner_policy.ci_runner_projects IS
	'Projects a project runner may serve; the owner project''s link is made by the extension and cannot be removed.';
COMMENT ON TABLE runner_policy.ci_runner_namespaces IS
	'The one namespace of a group runner, made by the extension with the runner.';
COMMENT ON TABLE runner_policy.ci_builds IS
	'CI jobs of a project; a running job can be given a job token.';
COMMENT ON TABLE runner_policy.ci_job_token_scope_links IS
	'Allowlist of job tokens: jobs of source_project_id may reach target_project_id.';
COMMENT ON TABLE runner_policy.tokens IS
	'Issued instance and job tokens, stored as SHA-256 digests only; the plaintext is returned once.';

COMMENT ON COLUMN runner_policy.users.id IS 'User id; the actor of act_as().';
COMMENT ON COLUMN runner_policy.users.username IS 'Unique login name.';
COMMENT ON COLUMN runner_policy.users.admin IS 'An administrator reads and manages every runner.';
COMMENT ON COLUMN runner_policy.users.auditor IS 'An auditor reads every runner and changes none.';
COMMENT ON COLUMN runner_policy.users.state IS 'active or blocked; a blocked user acts as nobody.';
COMMENT ON COLUMN runner_policy.users.created_at IS 'When the user was created.';

COMMENT ON COLUMN runner_policy.namespaces.id IS 'Namespace (group) id.';
COMMENT ON COLUMN runner_policy.namespaces.parent_id IS 'The parent group, NULL for a top-level group; deleting a group deletes its subgroups.';
COMMENT ON COLUMN runner_policy.namespaces.name IS 'Display name of the group.';
COMMENT ON COLUMN runner_policy.namespaces.visibility IS 'private, internal or public.';
COMMENT ON COLUMN runner_policy.namespaces.created_at IS 'When the group was created.';

COMMENT ON COLUMN runner_policy.projects.id IS 'Project id.';
COMMENT ON COLUMN runner_policy.projects.namespace_id IS 'The group the project is in.';
COMMENT ON COLUMN runner_policy.projects.name IS 'Display name of the project.';
COMMENT ON COLUMN runner_policy.projects.visibility IS 'private, internal or public.';
COMMENT ON COLUMN runner_policy.projects.shared_runners_enabled IS 'Whether instance runners may run the project''s jobs.';
COMMENT ON COLUMN runner_policy.projects.created_at IS 'When the project was created.';

COMMENT ON COLUMN runner_policy.project_members.project_id IS 'The project.';
COMMENT ON COLUMN runner_policy.project_members.user_id IS 'The member.';
COMMENT ON COLUMN runner_policy.project_members.access_level IS '10 guest, 20 reporter, 30 developer, 40 maintainer, 50 owner.';

COMMENT ON COLUMN runner_policy.group_members.namespace_id IS 'The group.';
COMMENT ON COLUMN runner_policy.group_members.user_id IS 'The member.';
COMMENT ON COLUMN runner_policy.group_members.access_level IS '10 guest, 20 reporter, 30 developer, 40 maintainer, 50 owner.';

COMMENT ON COLUMN runner_policy.ci_runners.id IS 'Runner id.';
COMMENT ON COLUMN runner_policy.ci_runners.runner_type IS '1 instance, 2 group, 3 project; cannot change.';
COMMENT ON COLUMN runner_policy.ci_runners.sharding_key_id IS 'The owner: a project (type 3), a namespace (type 2), NULL (type 1); cannot change.';
COMMENT ON COLUMN runner_policy.ci_runners.description IS 'Free text shown in runner lists.';
COMMENT ON COLUMN runner_policy.ci_runners.tag_list IS 'Tags that select the jobs the runner takes.';
COMMENT ON COLUMN runner_policy.ci_runners.paused IS 'A paused runner takes no new jobs.';
COMMENT ON COLUMN runner_policy.ci_runners.locked IS 'A locked project runner cannot be linked to more projects, except by an admin.';
COMMENT ON COLUMN runner_policy.ci_runners.contacted_at IS 'When the runner last asked for jobs.';
COMMENT ON COLUMN runner_policy.ci_runners.created_by_id IS 'The user who registered the runner, NULL once that user is deleted.';
COMMENT ON COLUMN runner_policy.ci_runners.created_at IS 'When the runner was registered.';
COMMENT ON COLUMN runner_policy.ci_runners.token_digest IS 'SHA-256 of the runner token, set only by reset_runner_token(); never the token.';

COMMENT ON COLUMN runner_policy.ci_runner_projects.id IS 'Link id.';
COMMENT ON COLUMN runner_policy.ci_runner_projects.runner_id IS 'A project runner.';
COMMENT ON COLUMN runner_policy.ci_runner_projects.project_id IS 'A project the runner may serve.';
COMMENT ON COLUMN runner_policy.ci_runner_projects.created_at IS 'When the link was made.';

COMMENT ON COLUMN runner_policy.ci_runner_namespaces.id IS 'Link id.';
COMMENT ON COLUMN runner_policy.ci_runner_namespaces.runner_id IS 'A group runner.';
COMMENT ON COLUMN runner_policy.ci_runner_namespaces.namespace_id IS 'The group that owns the runner.';
COMMENT ON COLUMN runner_policy.ci_runner_namespaces.created_at IS 'When the link was made.';

COMMENT ON COLUMN runner_policy.ci_builds.id IS 'Job id.';
COMMENT ON COLUMN runner_policy.ci_builds.project_id IS 'The project the job belongs to; the job goes with it.';
COMMENT ON COLUMN runner_policy.ci_builds.runner_id IS 'The runner that took the job, NULL before that or once the runner is deleted.';
COMMENT ON COLUMN runner_policy.ci_builds.user_id IS 'The user the job runs for; its job token acts for that user.';
COMMENT ON COLUMN runner_policy.ci_builds.status IS 'created, pending, running, success, failed or canceled; only a running job has a valid job token.';
COMMENT ON COLUMN runner_policy.ci_builds.created_at IS 'When the job was created.';
COMMENT ON COLUMN runner_policy.ci_builds.started_at IS 'When the job started running.';
COMMENT ON COLUMN runner_policy.ci_builds.finished_at IS 'When the job finished.';

COMMENT ON COLUMN runner_policy.ci_job_token_scope_links.source_project_id IS 'The project whose job tokens are let in.';
COMMENT ON COLUMN runner_policy.ci_job_token_scope_links.target_project_id IS 'The project that lets them in.';
COMMENT ON COLUMN runner_policy.ci_job_token_scope_links.created_at IS 'When the link was made.';

COMMENT ON COLUMN runner_policy.tokens.id IS 'Token id, for revoke_token(); never the token.';
COMMENT ON COLUMN runner_policy.tokens.kind IS 'instance_token, job_token or extended_job_token.';
COMMENT ON COLUMN runner_policy.tokens.digest IS 'SHA-256 of the token; the token itself is never stored.';
COMMENT ON COLUMN runner_policy.tokens.user_id IS 'The user the token acts for.';
COMMENT ON COLUMN runner_policy.tokens.job_id IS 'The job of a job token; the token dies when the job stops running.';
COMMENT ON COLUMN runner_policy.tokens.scopes IS 'What the token may do; a job token''s scopes narrow its user''s rights.';
COMMENT ON COLUMN runner_policy.tokens.description IS 'Free text given when the token was issued.';
COMMENT ON COLUMN runner_policy.tokens.created_by_id IS 'The user who issued the token, NULL once that user is deleted.';
COMMENT ON COLUMN runner_policy.tokens.created_at IS 'When the token was issued.';
COMMENT ON COLUMN runner_policy.tokens.expires_at IS 'After this the token no longer authenticates; NULL for a job token, which ends with its job.';
COMMENT ON COLUMN runner_policy.tokens.revoked_at IS 'When the token was revoked; a revoked token no longer authenticates.';
COMMENT ON COLUMN runner_policy.tokens.last_used_at IS 'When the token last authenticated.';

COMMENT ON COLUMN runner_policy.runner_queue_status.runner_id IS 'A runner the actor may read.';
COMMENT ON COLUMN runner_policy.runner_queue_status.runner_type IS '1 instance, 2 group, 3 project.';
COMMENT ON COLUMN runner_policy.runner_queue_status.description IS 'The runner''s description.';
COMMENT ON COLUMN runner_policy.runner_queue_status.paused IS 'Whether the runner is paused.';
COMMENT ON COLUMN runner_policy.runner_queue_status.online IS 'Whether the runner asked for jobs in the last two hours.';
COMMENT ON COLUMN runner_policy.runner_queue_status.contacted_at IS 'When the runner last asked for jobs.';
COMMENT ON COLUMN runner_policy.runner_queue_status.running_jobs IS 'Jobs the runner is running now.';
COMMENT ON COLUMN runner_policy.runner_queue_status.pending_jobs IS 'Pending jobs the runner could take.';

COMMENT ON FUNCTION runner_policy.ci_runners_guard() IS
	'Trigger: checks the owner of a new runner, and refuses changes of its type, its owner and its token digest.';
COMMENT ON FUNCTION runner_policy.ci_runners_link_owner() IS
	'Trigger: links a new project or group runner to its owner.';
COMMENT ON FUNCTION runner_policy.ci_runner_projects_guard() IS
	'Trigger: refuses links of runners that are not project runners, moved links, and the removal of the owner link.';
COMMENT ON FUNCTION runner_policy.ci_runner_namespaces_guard() IS
	'Trigger: keeps a group runner linked to its owner namespace only.';
COMMENT ON FUNCTION runner_policy.delete_owned_runners() IS
	'Trigger: deletes the runners a deleted project or namespace owned.';
COMMENT ON FUNCTION runner_policy.truncate_guard() IS
	'Trigger: refuses a TRUNCATE that would leave runners without their owner or owner link.';
COMMENT ON FUNCTION runner_policy.namespaces_traversal() IS
	'Trigger: computes traversal_ids of a namespace and refuses cycles.';
COMMENT ON FUNCTION runner_policy.namespaces_traversal_cascade() IS
	'Trigger: recomputes traversal_ids of the subgroups of a moved namespace.';
COMMENT ON FUNCTION runner_policy.members_guard() IS
	'Trigger: refuses access levels other than 10, 20, 30, 40 and 50.';
COMMENT ON FUNCTION runner_policy.actor_write_guard() IS
	'Trigger: refuses changes of columns the actor may not change, where row-level security cannot say.';
COMMENT ON FUNCTION runner_policy.reset_actor() IS
	'Clears the actor of the session; the session then acts as nobody.';
COMMENT ON FUNCTION runner_policy.current_actor() IS
	'The actor of the session: its kind, user, token and scopes; all NULL when there is none.';
COMMENT ON FUNCTION runner_policy.issue_instance_token(text[], timestamptz, text) IS
	'Issues a token for the acting user with the given scopes and expiry; returns the token, which is not stored.';
COMMENT ON FUNCTION runner_policy.issue_job_token(bigint, text[]) IS
	'Issues the token of a running job, for the service that starts jobs; returns the token, which is not stored.';
COMMENT ON FUNCTION runner_policy.revoke_token(bigint) IS
	'Revokes a token the actor issued or may manage; it no longer authenticates.';
COMMENT ON FUNCTION runner_policy.reset_runner_token(bigint) IS
	'Sets a new token for a runner the actor may update; returns the token, which is not stored.';
COMMENT ON FUNCTION runner_policy.reach(text) IS
	'For policies: the ids of a set (projects, namespaces, runners, ...) the actor reaches, for the running statement.';
COMMENT ON FUNCTION runner_policy.reach_all(text) IS
	'For policies: the lowest bigint when the actor reaches every row of a kind, NULL otherwise.';
COMMENT ON FUNCTION runner_policy.reach_visibilities() IS
	'For policies: the visibilities (internal, public) whose projects and groups the actor reads.';
COMMENT ON FUNCTION runner_policy.member_change_allowed(text, bigint, integer) IS
	'For policies: whether the actor may add, change or remove a member of a project or group at that level.';
COMMENT ON FUNCTION runner_policy.version() IS
	'The SQL version installed in this database and the library''s version; fails when the library does not serve the SQL.';
COMMENT ON FUNCTION runner_policy.ddl_guard() IS
	'Event trigger: refuses DROP EXTENSION or DROP SCHEMA CASCADE while the tables hold rows, and renames of the schema.';
COMMENT ON EVENT TRIGGER runner_policy_ddl_guard IS
	'Refuses DDL that would lose the forge''s data or rename the extension''s schema (runner_policy.ddl_guard()).';

-- backup and restore

/*
 * pg_dump and pg_restore work with their default options and need no object
 * here.  The tables and identity sequences were registered with
 * pg_extension_config_dump in 1.0, so a dump holds CREATE EXTENSION and then
 * every table's rows as COPY ... FROM stdin.  The guards let such rows in as
 * they are when a superuser's COPY FROM STDIN loads them into the table
 * itself (src/restore.c); check_invariants() proves the result.  The backup
 * role needs pg_read_all_data and BYPASSRLS (README, "Backup and restore").
 */
