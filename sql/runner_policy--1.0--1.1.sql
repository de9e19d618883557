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
 * Hardening
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
 * role but a superuser (doc/permissions.md): its tokens, which live while the
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
 * Policy core 2
 * ------------------------------------------------------------------------ */

/*
 * The decision cache (src/reach_cache.c).  What an actor reaches is kept
 * from statement to statement, and every change that can alter it is
 * announced: these statement-level triggers, on the columns the rights are
 * read from only (a runner's heartbeat or a job's progress is no change),
 * send a relcache invalidation of their table at commit, which every
 * backend and every hot standby processes.  A session in replica mode
 * changes rights too (ENABLE ALWAYS), and so does a logical replication
 * apply worker, which fires row triggers only: the same function, BEFORE
 * ... FOR EACH ROW, enabled in replica mode only (BEFORE, so that a bulk
 * load in replica mode queues no after-trigger event per row).
 */
CREATE FUNCTION runner_policy.reach_changed() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_reach_changed';
REVOKE ALL ON FUNCTION runner_policy.reach_changed() FROM PUBLIC;
COMMENT ON FUNCTION runner_policy.reach_changed() IS
	'Trigger: announces a change to the rights tables, so that kept reaches are worked out again.';

CREATE TRIGGER users_reach_changed
	AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF id, admin, auditor, state
	ON runner_policy.users
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.reach_changed();
CREATE TRIGGER tokens_reach_changed
	AFTER DELETE OR TRUNCATE OR UPDATE OF id, kind, digest, user_id, job_id, scopes, expires_at, revoked_at
	ON runner_policy.tokens
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.reach_changed();
CREATE TRIGGER namespaces_reach_changed
	AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF id, parent_id, visibility, traversal_ids
	ON runner_policy.namespaces
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.reach_changed();
CREATE TRIGGER projects_reach_changed
	AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF id, namespace_id, visibility, shared_runners_enabled
	ON runner_policy.projects
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.reach_changed();
CREATE TRIGGER project_members_reach_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON runner_policy.project_members
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.reach_changed();
CREATE TRIGGER group_members_reach_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON runner_policy.group_members
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.reach_changed();
CREATE TRIGGER ci_runners_reach_changed
	AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF id, runner_type, sharding_key_id, locked, token_digest
	ON runner_policy.ci_runners
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.reach_changed();
CREATE TRIGGER ci_runner_projects_reach_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON runner_policy.ci_runner_projects
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.reach_changed();
CREATE TRIGGER ci_runner_namespaces_reach_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON runner_policy.ci_runner_namespaces
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.reach_changed();
CREATE TRIGGER ci_job_token_scope_links_reach_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON runner_policy.ci_job_token_scope_links
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.reach_changed();
-- a job's project (a job token reads by it); its status is asked per statement
CREATE TRIGGER ci_builds_reach_changed
	AFTER TRUNCATE OR UPDATE OF id, project_id ON runner_policy.ci_builds
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.reach_changed();

ALTER TABLE runner_policy.users ENABLE ALWAYS TRIGGER users_reach_changed;
ALTER TABLE runner_policy.tokens ENABLE ALWAYS TRIGGER tokens_reach_changed;
ALTER TABLE runner_policy.namespaces ENABLE ALWAYS TRIGGER namespaces_reach_changed;
ALTER TABLE runner_policy.projects ENABLE ALWAYS TRIGGER projects_reach_changed;
ALTER TABLE runner_policy.project_members ENABLE ALWAYS TRIGGER project_members_reach_changed;
ALTER TABLE runner_policy.group_members ENABLE ALWAYS TRIGGER group_members_reach_changed;
ALTER TABLE runner_policy.ci_runners ENABLE ALWAYS TRIGGER ci_runners_reach_changed;
ALTER TABLE runner_policy.ci_runner_projects ENABLE ALWAYS TRIGGER ci_runner_projects_reach_changed;
ALTER TABLE runner_policy.ci_runner_namespaces ENABLE ALWAYS TRIGGER ci_runner_namespaces_reach_changed;
ALTER TABLE runner_policy.ci_job_token_scope_links ENABLE ALWAYS TRIGGER ci_job_token_scope_links_reach_changed;
ALTER TABLE runner_policy.ci_builds ENABLE ALWAYS TRIGGER ci_builds_reach_changed;

CREATE TRIGGER users_reach_changed_replica
	BEFORE INSERT OR DELETE OR UPDATE OF id, admin, auditor, state
	ON runner_policy.users
	FOR EACH ROW EXECUTE FUNCTION runner_policy.reach_changed();
ALTER TABLE runner_policy.users ENABLE REPLICA TRIGGER users_reach_changed_replica;
CREATE TRIGGER tokens_reach_changed_replica
	BEFORE DELETE OR UPDATE OF id, kind, digest, user_id, job_id, scopes, expires_at, revoked_at
	ON runner_policy.tokens
	FOR EACH ROW EXECUTE FUNCTION runner_policy.reach_changed();
ALTER TABLE runner_policy.tokens ENABLE REPLICA TRIGGER tokens_reach_changed_replica;
CREATE TRIGGER namespaces_reach_changed_replica
	BEFORE INSERT OR DELETE OR UPDATE OF id, parent_id, visibility, traversal_ids
	ON runner_policy.namespaces
	FOR EACH ROW EXECUTE FUNCTION runner_policy.reach_changed();
ALTER TABLE runner_policy.namespaces ENABLE REPLICA TRIGGER namespaces_reach_changed_replica;
CREATE TRIGGER projects_reach_changed_replica
	BEFORE INSERT OR DELETE OR UPDATE OF id, namespace_id, visibility, shared_runners_enabled
	ON runner_policy.projects
	FOR EACH ROW EXECUTE FUNCTION runner_policy.reach_changed();
ALTER TABLE runner_policy.projects ENABLE REPLICA TRIGGER projects_reach_changed_replica;
CREATE TRIGGER project_members_reach_changed_replica
	BEFORE INSERT OR UPDATE OR DELETE ON runner_policy.project_members
	FOR EACH ROW EXECUTE FUNCTION runner_policy.reach_changed();
ALTER TABLE runner_policy.project_members ENABLE REPLICA TRIGGER project_members_reach_changed_replica;
CREATE TRIGGER group_members_reach_changed_replica
	BEFORE INSERT OR UPDATE OR DELETE ON runner_policy.group_members
	FOR EACH ROW EXECUTE FUNCTION runner_policy.reach_changed();
ALTER TABLE runner_policy.group_members ENABLE REPLICA TRIGGER group_members_reach_changed_replica;
CREATE TRIGGER ci_runners_reach_changed_replica
	BEFORE INSERT OR DELETE OR UPDATE OF id, runner_type, sharding_key_id, locked, token_digest
	ON runner_policy.ci_runners
	FOR EACH ROW EXECUTE FUNCTION runner_policy.reach_changed();
ALTER TABLE runner_policy.ci_runners ENABLE REPLICA TRIGGER ci_runners_reach_changed_replica;
CREATE TRIGGER ci_runner_projects_reach_changed_replica
	BEFORE INSERT OR UPDATE OR DELETE ON runner_policy.ci_runner_projects
	FOR EACH ROW EXECUTE FUNCTION runner_policy.reach_changed();
ALTER TABLE runner_policy.ci_runner_projects ENABLE REPLICA TRIGGER ci_runner_projects_reach_changed_replica;
CREATE TRIGGER ci_runner_namespaces_reach_changed_replica
	BEFORE INSERT OR UPDATE OR DELETE ON runner_policy.ci_runner_namespaces
	FOR EACH ROW EXECUTE FUNCTION runner_policy.reach_changed();
ALTER TABLE runner_policy.ci_runner_namespaces ENABLE REPLICA TRIGGER ci_runner_namespaces_reach_changed_replica;
CREATE TRIGGER ci_job_token_scope_links_reach_changed_replica
	BEFORE INSERT OR UPDATE OR DELETE ON runner_policy.ci_job_token_scope_links
	FOR EACH ROW EXECUTE FUNCTION runner_policy.reach_changed();
ALTER TABLE runner_policy.ci_job_token_scope_links ENABLE REPLICA TRIGGER ci_job_token_scope_links_reach_changed_replica;
CREATE TRIGGER ci_builds_reach_changed_replica
	BEFORE UPDATE OF id, project_id ON runner_policy.ci_builds
	FOR EACH ROW EXECUTE FUNCTION runner_policy.reach_changed();
ALTER TABLE runner_policy.ci_builds ENABLE REPLICA TRIGGER ci_builds_reach_changed_replica;

/*
 * A runner taking a job asks for "status = 'pending' AND runner_id IS NULL",
 * and the policies' pickup arms say it again; estimated as independent
 * columns, and then once more for the repeat, the planner expected one
 * row and sorted every pending job.  The combination is a few percent of
 * the jobs, and a most-common-values list over the two columns says so.
 */
CREATE STATISTICS runner_policy.ci_builds_status_runner_stats (mcv)
	ON status, runner_id FROM runner_policy.ci_builds;

/*
 * The "everything" arm of every policy, decided where the statement is
 * planned (src/plan_binding.c).  reaches_all(kind) is true when the actor
 * reaches every row of a kind; its support function replaces the call in a
 * plan by its value, so that for an administrator, an auditor or a read
 * token the policy folds to true and the plan is the plan without
 * row-level security, and for anyone else the arm is gone.  The 1.0 form,
 * "id >= reach_all(kind)", is a comparison on every row.  reach_all() stays
 * for SQL written against 1.0.
 */
CREATE FUNCTION runner_policy.reaches_all_support(internal)
	RETURNS internal LANGUAGE c
	AS 'MODULE_PATHNAME', 'rp_reaches_all_support';
REVOKE ALL ON FUNCTION runner_policy.reaches_all_support(internal) FROM PUBLIC;
COMMENT ON FUNCTION runner_policy.reaches_all_support(internal) IS
	'Planner support for reaches_all(): folds the decision into the plan (src/plan_binding.c).';
CREATE FUNCTION runner_policy.reaches_all(kind text)
	RETURNS boolean LANGUAGE c STABLE PARALLEL RESTRICTED
	SUPPORT runner_policy.reaches_all_support
	AS 'MODULE_PATHNAME', 'rp_reaches_all';
COMMENT ON FUNCTION runner_policy.reaches_all(text) IS
	'For policies: whether the actor reaches every row of a kind; folded into the plan when the statement is planned.';

/*
 * The per-row probe of a bigint column against one of the actor's sets
 * (src/reach_support.c): a binary search, so a row costs the same for a
 * user in thousands of groups as for one in two.  When the statement is
 * planned and the set is small, the support function writes the arm in its
 * 1.0 form, "id = ANY (reach(set))", an index condition.
 */
CREATE FUNCTION runner_policy.in_reach_support(internal)
	RETURNS internal LANGUAGE c
	AS 'MODULE_PATHNAME', 'rp_in_reach_support';
REVOKE ALL ON FUNCTION runner_policy.in_reach_support(internal) FROM PUBLIC;
COMMENT ON FUNCTION runner_policy.in_reach_support(internal) IS
	'Planner support for in_reach(): the 1.0 index form for small sets, estimates and cost otherwise (src/reach_support.c).';
CREATE FUNCTION runner_policy.in_reach(set text, id bigint)
	RETURNS boolean LANGUAGE c STABLE PARALLEL RESTRICTED
	SUPPORT runner_policy.in_reach_support
	AS 'MODULE_PATHNAME', 'rp_in_reach';
COMMENT ON FUNCTION runner_policy.in_reach(text, bigint) IS
	'For policies: whether an id is in one of the sets the actor reaches, for the running statement.';

/*
 * The policies again, with those arms; the eight whose WITH CHECK repeated
 * their USING lose it (PostgreSQL checks new rows with USING when there is
 * no WITH CHECK).  Nothing else changes: the sets are those of 1.0.
 */
DROP POLICY users_read ON runner_policy.users;
CREATE POLICY users_read ON runner_policy.users FOR SELECT
	USING (runner_policy.reaches_all('users_read')
		   OR runner_policy.in_reach('user_self', id));
DROP POLICY users_admin ON runner_policy.users;
CREATE POLICY users_admin ON runner_policy.users FOR ALL
	USING (runner_policy.reaches_all('admin'));
DROP POLICY namespaces_read ON runner_policy.namespaces;
CREATE POLICY namespaces_read ON runner_policy.namespaces FOR SELECT
	USING (runner_policy.reaches_all('namespaces_read')
		   OR visibility OPERATOR(pg_catalog.=) ANY (runner_policy.reach_visibilities())
		   OR runner_policy.in_reach('namespace_read_ids', id)
		   -- a member of the parent is a member here; this also reads back
		   -- a group just created (INSERT ... RETURNING)
		   OR runner_policy.in_reach('namespace_read_ids', parent_id));
DROP POLICY namespaces_insert ON runner_policy.namespaces;
CREATE POLICY namespaces_insert ON runner_policy.namespaces FOR INSERT
	WITH CHECK (runner_policy.reaches_all('admin')
				OR runner_policy.in_reach('namespace_owned', parent_id));
DROP POLICY namespaces_update ON runner_policy.namespaces;
CREATE POLICY namespaces_update ON runner_policy.namespaces FOR UPDATE
	USING (runner_policy.reaches_all('admin')
		   OR runner_policy.in_reach('namespace_owned', id));
DROP POLICY namespaces_delete ON runner_policy.namespaces;
CREATE POLICY namespaces_delete ON runner_policy.namespaces FOR DELETE
	USING (runner_policy.reaches_all('admin')
		   OR runner_policy.in_reach('namespace_owned', parent_id));
DROP POLICY projects_read ON runner_policy.projects;
CREATE POLICY projects_read ON runner_policy.projects FOR SELECT
	USING (runner_policy.reaches_all('projects_read')
		   OR visibility OPERATOR(pg_catalog.=) ANY (runner_policy.reach_visibilities())
		   OR runner_policy.in_reach('project_read_ids', id)
		   -- a member of the group is a member here; this also reads back
		   -- a project just created (INSERT ... RETURNING)
		   OR runner_policy.in_reach('namespace_read_ids', namespace_id));
DROP POLICY projects_insert ON runner_policy.projects;
CREATE POLICY projects_insert ON runner_policy.projects FOR INSERT
	WITH CHECK (runner_policy.reaches_all('admin')
				OR runner_policy.in_reach('namespace_owned', namespace_id));
DROP POLICY projects_update ON runner_policy.projects;
CREATE POLICY projects_update ON runner_policy.projects FOR UPDATE
	USING (runner_policy.reaches_all('admin')
		   OR runner_policy.in_reach('project_managed', id)
		   OR runner_policy.in_reach('namespace_owned', namespace_id));
DROP POLICY projects_delete ON runner_policy.projects;
CREATE POLICY projects_delete ON runner_policy.projects FOR DELETE
	USING (runner_policy.reaches_all('admin')
		   OR runner_policy.in_reach('namespace_owned', namespace_id));
DROP POLICY project_members_read ON runner_policy.project_members;
CREATE POLICY project_members_read ON runner_policy.project_members FOR SELECT
	USING (runner_policy.reaches_all('members_read')
		   OR runner_policy.in_reach('project_readable_ids', project_id));
DROP POLICY project_members_write ON runner_policy.project_members;
CREATE POLICY project_members_write ON runner_policy.project_members FOR ALL
	USING (runner_policy.member_change_allowed('project', project_id, access_level));
DROP POLICY group_members_read ON runner_policy.group_members;
CREATE POLICY group_members_read ON runner_policy.group_members FOR SELECT
	USING (runner_policy.reaches_all('members_read')
		   OR runner_policy.in_reach('namespace_readable_ids', namespace_id));
DROP POLICY group_members_write ON runner_policy.group_members;
CREATE POLICY group_members_write ON runner_policy.group_members FOR ALL
	USING (runner_policy.member_change_allowed('group', namespace_id, access_level));
DROP POLICY ci_runners_read ON runner_policy.ci_runners;
CREATE POLICY ci_runners_read ON runner_policy.ci_runners FOR SELECT
	USING (runner_policy.reaches_all('runners_read')
		   OR runner_type OPERATOR(pg_catalog.=) ANY (runner_policy.reach('runner_read_types'))
		   OR runner_policy.in_reach('runner_read_ids', id)
		   OR (runner_type OPERATOR(pg_catalog.=) 3
			   AND runner_policy.in_reach('runner_read_projects', sharding_key_id))
		   OR (runner_type OPERATOR(pg_catalog.=) 2
			   AND runner_policy.in_reach('runner_read_groups', sharding_key_id)));
DROP POLICY ci_runners_insert ON runner_policy.ci_runners;
CREATE POLICY ci_runners_insert ON runner_policy.ci_runners FOR INSERT
	WITH CHECK (runner_type OPERATOR(pg_catalog.=) ANY (runner_policy.reach('runner_write_types'))
				OR (runner_type OPERATOR(pg_catalog.=) 3
					AND runner_policy.in_reach('runner_write_projects', sharding_key_id))
				OR (runner_type OPERATOR(pg_catalog.=) 2
					AND runner_policy.in_reach('runner_write_groups', sharding_key_id)));
DROP POLICY ci_runners_update ON runner_policy.ci_runners;
CREATE POLICY ci_runners_update ON runner_policy.ci_runners FOR UPDATE
	USING (runner_type OPERATOR(pg_catalog.=) ANY (runner_policy.reach('runner_write_types'))
		   OR (runner_type OPERATOR(pg_catalog.=) 3
			   AND runner_policy.in_reach('runner_write_projects', sharding_key_id))
		   OR (runner_type OPERATOR(pg_catalog.=) 2
			   AND runner_policy.in_reach('runner_write_groups', sharding_key_id))
		   OR runner_policy.in_reach('runner_self', id));
DROP POLICY ci_runners_delete ON runner_policy.ci_runners;
CREATE POLICY ci_runners_delete ON runner_policy.ci_runners FOR DELETE
	USING (runner_type OPERATOR(pg_catalog.=) ANY (runner_policy.reach('runner_write_types'))
		   OR (runner_type OPERATOR(pg_catalog.=) 3
			   AND runner_policy.in_reach('runner_write_projects', sharding_key_id))
		   OR (runner_type OPERATOR(pg_catalog.=) 2
			   AND runner_policy.in_reach('runner_write_groups', sharding_key_id)));
DROP POLICY ci_runner_projects_read ON runner_policy.ci_runner_projects;
CREATE POLICY ci_runner_projects_read ON runner_policy.ci_runner_projects FOR SELECT
	USING (runner_policy.reaches_all('links_read')
		   OR runner_policy.in_reach('link_read_projects', project_id)
		   OR runner_policy.in_reach('link_read_runners', runner_id));
DROP POLICY ci_runner_projects_insert ON runner_policy.ci_runner_projects;
CREATE POLICY ci_runner_projects_insert ON runner_policy.ci_runner_projects FOR INSERT
	WITH CHECK (runner_policy.reaches_all('admin')
				OR (runner_policy.in_reach('link_runners', runner_id)
					AND runner_policy.in_reach('link_projects', project_id)));
DROP POLICY ci_runner_projects_delete ON runner_policy.ci_runner_projects;
CREATE POLICY ci_runner_projects_delete ON runner_policy.ci_runner_projects FOR DELETE
	USING (runner_policy.reaches_all('admin')
		   OR runner_policy.in_reach('link_projects', project_id)
		   OR runner_policy.in_reach('unlink_runners', runner_id));
DROP POLICY ci_runner_projects_update ON runner_policy.ci_runner_projects;
CREATE POLICY ci_runner_projects_update ON runner_policy.ci_runner_projects FOR UPDATE
	USING (runner_policy.reaches_all('admin')
		   OR runner_policy.in_reach('link_projects', project_id)
		   OR runner_policy.in_reach('unlink_runners', runner_id));
DROP POLICY ci_runner_namespaces_read ON runner_policy.ci_runner_namespaces;
CREATE POLICY ci_runner_namespaces_read ON runner_policy.ci_runner_namespaces FOR SELECT
	USING (runner_policy.reaches_all('links_read')
		   OR runner_policy.in_reach('runner_read_groups', namespace_id));
DROP POLICY ci_runner_namespaces_admin ON runner_policy.ci_runner_namespaces;
CREATE POLICY ci_runner_namespaces_admin ON runner_policy.ci_runner_namespaces FOR ALL
	USING (runner_policy.reaches_all('admin'));
DROP POLICY ci_builds_read ON runner_policy.ci_builds;
CREATE POLICY ci_builds_read ON runner_policy.ci_builds FOR SELECT
	USING (runner_policy.reaches_all('jobs_read')
		   OR runner_policy.in_reach('job_read_projects', project_id)
		   OR runner_policy.in_reach('job_read_ids', id)
		   -- a runner reads the pending jobs it may take (the guard is inside
		   -- the probe: see src/reach_support.c)
		   OR runner_policy.in_reach('job_pickup_projects',
				CASE WHEN status OPERATOR(pg_catalog.=) 'pending' THEN project_id END)
		   OR runner_policy.in_reach('runner_self', runner_id));
DROP POLICY ci_builds_insert ON runner_policy.ci_builds;
CREATE POLICY ci_builds_insert ON runner_policy.ci_builds FOR INSERT
	WITH CHECK (runner_policy.reaches_all('admin')
				OR (runner_policy.in_reach('job_write_projects', project_id)
					AND runner_policy.in_reach('user_self', user_id)
					AND runner_id IS NULL
					AND status OPERATOR(pg_catalog.=) ANY (ARRAY['created', 'pending'])));
DROP POLICY ci_builds_update ON runner_policy.ci_builds;
CREATE POLICY ci_builds_update ON runner_policy.ci_builds FOR UPDATE
	USING (runner_policy.reaches_all('admin')
		   OR runner_policy.in_reach('job_write_projects', project_id)
		   -- a runner takes a pending job nobody has taken
		   OR runner_policy.in_reach('job_pickup_projects',
				CASE WHEN status OPERATOR(pg_catalog.=) 'pending' AND runner_id IS NULL
					 THEN project_id END)
		   OR runner_policy.in_reach('runner_self', runner_id))
	WITH CHECK (runner_policy.reaches_all('admin')
				OR runner_policy.in_reach('job_write_projects', project_id)
				OR runner_policy.in_reach('runner_self', runner_id));
DROP POLICY ci_builds_delete ON runner_policy.ci_builds;
CREATE POLICY ci_builds_delete ON runner_policy.ci_builds FOR DELETE
	USING (runner_policy.reaches_all('admin'));
DROP POLICY ci_job_token_scope_links_read ON runner_policy.ci_job_token_scope_links;
CREATE POLICY ci_job_token_scope_links_read ON runner_policy.ci_job_token_scope_links FOR SELECT
	USING (runner_policy.reaches_all('scope_links_read')
		   OR runner_policy.in_reach('project_managed', source_project_id)
		   OR runner_policy.in_reach('project_managed', target_project_id));
DROP POLICY ci_job_token_scope_links_write ON runner_policy.ci_job_token_scope_links;
CREATE POLICY ci_job_token_scope_links_write ON runner_policy.ci_job_token_scope_links FOR ALL
	USING (runner_policy.reaches_all('admin')
		   OR runner_policy.in_reach('project_managed', target_project_id));
DROP POLICY tokens_read ON runner_policy.tokens;
CREATE POLICY tokens_read ON runner_policy.tokens FOR SELECT
	USING (runner_policy.reaches_all('admin')
		   OR runner_policy.in_reach('user_self', user_id));

/* ------------------------------------------------------------------------
 * Auditing (doc/auditing.md)
 * ------------------------------------------------------------------------ */

/*
 * The audit log: one row per change to a runner, a runner link, a
 * namespace link, a membership or a token, written by C triggers
 * (src/audit.c) as the tables' owner, with the actor of src/actor.h.
 *
 * Tamper evidence.  Entries form hash chains, one per *lane*.  A writing
 * transaction takes a lane for its whole life (a lock in backend memory,
 * preferring its backend's own lane and skipping lanes that are busy), so
 * the entries of one lane are in commit order and each names the hash of
 * the one before it; writers in other lanes never wait for it.  The head
 * of each lane (its last sequence number and hash, moved at each commit)
 * and the anchor left by pruning live in audit_lanes.  verify_audit_log() walks each lane from
 * its anchor to its head and recomputes every hash.
 *
 * Append-only for every role: nobody is granted UPDATE or DELETE, row-level
 * security lets nobody write by hand, and a statement trigger refuses
 * UPDATE, DELETE and TRUNCATE even to the owner and superusers.  Only
 * prune_audit_log() deletes, and it leaves an anchor.  A superuser who turns
 * triggers off can still write; verify_audit_log() finds what changed.
 */
CREATE TABLE runner_policy.audit_log (
	id				bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	at				timestamptz NOT NULL,
	db_role			text NOT NULL,
	actor_kind		text,
	actor_user_id	bigint,
	token_id		bigint,
	action			text NOT NULL,
	object_type		text NOT NULL,
	object_id		bigint,
	old				jsonb,
	new				jsonb,
	lane			integer NOT NULL,
	lane_seq		bigint NOT NULL,
	prev_hash		bytea NOT NULL,
	hash			bytea NOT NULL,
	CONSTRAINT audit_log_lane_seq_key UNIQUE (lane, lane_seq)
);
CREATE INDEX audit_log_object_idx ON runner_policy.audit_log (object_type, object_id);
COMMENT ON TABLE runner_policy.audit_log IS
	'Append-only, hash-chained record of every runner, link, membership and token change; never a token or digest.';
COMMENT ON COLUMN runner_policy.audit_log.lane IS
	'The hash chain the entry belongs to; a transaction writes all its entries into one lane.';

-- The head of each lane, and the anchor pruning leaves: where verification
-- of the lane starts.  Rows are made by the first entry of a lane.
CREATE TABLE runner_policy.audit_lanes (
	lane			integer PRIMARY KEY,
	seq				bigint NOT NULL,
	hash			bytea NOT NULL,
	anchor_seq		bigint NOT NULL DEFAULT 0,
	anchor_hash		bytea NOT NULL DEFAULT '\x'::bytea,
	anchor_at		timestamptz
);
COMMENT ON TABLE runner_policy.audit_lanes IS
	'Head and pruning anchor of each hash chain of the audit log; written by the extension only.';
COMMENT ON COLUMN runner_policy.audit_log.id IS
	'Entry number, from an identity sequence.';
COMMENT ON COLUMN runner_policy.audit_log.at IS
	'When the statement that made the change started (statement_timestamp()).';
COMMENT ON COLUMN runner_policy.audit_log.db_role IS
	'The database role of the client that made the change, also for what the extension wrote for it.';
COMMENT ON COLUMN runner_policy.audit_log.actor_kind IS
	'The actor that made the change: user, instance_token, job_token, extended_job_token, runner, or NULL with no actor.';
COMMENT ON COLUMN runner_policy.audit_log.actor_user_id IS
	'The user the actor acts for; NULL for a runner or with no actor.';
COMMENT ON COLUMN runner_policy.audit_log.token_id IS
	'The token the actor authenticated with; NULL for act_as.';
COMMENT ON COLUMN runner_policy.audit_log.action IS
	'What happened: register, update, reset_token, backfill_owner, delete, link, unlink, add_member, change_member, remove_member, issue, revoke, truncate, prune.';
COMMENT ON COLUMN runner_policy.audit_log.object_type IS
	'What it happened to: runner, runner_project_link, runner_namespace_link, project_member, group_member, token, audit_log.';
COMMENT ON COLUMN runner_policy.audit_log.object_id IS
	'The rows id; for a membership the projects or groups id.';
COMMENT ON COLUMN runner_policy.audit_log.old IS
	'The row before the change, as jsonb, without token digests; NULL for an insert.';
COMMENT ON COLUMN runner_policy.audit_log.new IS
	'The row after the change, as jsonb, without token digests; NULL for a delete.';
COMMENT ON COLUMN runner_policy.audit_log.lane_seq IS
	'The entrys position in its lane.';
COMMENT ON COLUMN runner_policy.audit_log.prev_hash IS
	'The hash of the entry before it in its lane (or the lanes anchor).';
COMMENT ON COLUMN runner_policy.audit_log.hash IS
	'SHA-256 of prev_hash and the entrys fields: runner_policy.audit_entry_hash().';
COMMENT ON COLUMN runner_policy.audit_lanes.lane IS
	'The hash chain.';
COMMENT ON COLUMN runner_policy.audit_lanes.seq IS
	'The lane_seq of its last entry.';
COMMENT ON COLUMN runner_policy.audit_lanes.hash IS
	'The hash of its last entry.';
COMMENT ON COLUMN runner_policy.audit_lanes.anchor_seq IS
	'The lane_seq of the last entry prune_audit_log() removed; verification starts after it.';
COMMENT ON COLUMN runner_policy.audit_lanes.anchor_hash IS
	'The hash of that entry.';
COMMENT ON COLUMN runner_policy.audit_lanes.anchor_at IS
	'When that entry was written.';

/*
 * The hash of an entry: SHA-256 of the previous entry's hash followed by the
 * entry's fields, each as a quoted literal or NULL, joined by '|'
 * (unambiguous: a quoted literal ends where its quotes say).  Values print
 * the same whatever the session's settings: numbers, the time as
 * microseconds since the epoch (not text that depends on TimeZone), jsonb in
 * its one text form.
 */
CREATE FUNCTION runner_policy.audit_entry_hash(
	prev_hash bytea, id bigint, lane integer, lane_seq bigint, at timestamptz,
	db_role text, actor_kind text, actor_user_id bigint, token_id bigint,
	action text, object_type text, object_id bigint, old jsonb, new jsonb)
	RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE
-- A standard SQL body is bound when it is created, under the script's
-- search_path, and stays inlinable (no SET clause) for verify's scan.
RETURN pg_catalog.sha256(prev_hash OPERATOR(pg_catalog.||) pg_catalog.convert_to(
	pg_catalog.concat_ws('|',
		pg_catalog.quote_nullable(id), pg_catalog.quote_nullable(lane),
		pg_catalog.quote_nullable(lane_seq),
		pg_catalog.quote_nullable(pg_catalog.trunc(EXTRACT(epoch FROM at) OPERATOR(pg_catalog.*) 1000000)),
		pg_catalog.quote_nullable(db_role), pg_catalog.quote_nullable(actor_kind),
		pg_catalog.quote_nullable(actor_user_id), pg_catalog.quote_nullable(token_id),
		pg_catalog.quote_nullable(action), pg_catalog.quote_nullable(object_type),
		pg_catalog.quote_nullable(object_id),
		pg_catalog.quote_nullable(old::text), pg_catalog.quote_nullable(new::text)), 'UTF8'));
-- Not secret, but nobody needs it but verify_audit_log() (SECURITY DEFINER)
-- and the DBA; grant it to a tool that checks entries outside the database.
REVOKE ALL ON FUNCTION runner_policy.audit_entry_hash(bytea, bigint, integer, bigint, timestamptz, text, text, bigint, bigint, text, text, bigint, jsonb, jsonb) FROM PUBLIC;
COMMENT ON FUNCTION runner_policy.audit_entry_hash(bytea, bigint, integer, bigint, timestamptz, text, text, bigint, bigint, text, text, bigint, jsonb, jsonb) IS
	'The hash of an audit log entry, chained to the previous entry of its lane.';

CREATE FUNCTION runner_policy.audit_row() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_audit_row';
COMMENT ON FUNCTION runner_policy.audit_row() IS
	'Trigger: writes the audit log entry of a change to a runner, link, membership or token.';
CREATE FUNCTION runner_policy.audit_append_only() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_audit_append_only';
COMMENT ON FUNCTION runner_policy.audit_append_only() IS
	'Trigger: refuses UPDATE, DELETE and TRUNCATE of the audit log and its lanes, for every role.';
CREATE FUNCTION runner_policy.audit_head() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_audit_head';
COMMENT ON FUNCTION runner_policy.audit_head() IS
	'Constraint trigger: moves the head of an audit lane to the last entry a transaction wrote, at commit.';
REVOKE ALL ON FUNCTION runner_policy.audit_head() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.audit_row() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.audit_append_only() FROM PUBLIC;

/*
 * AFTER ROW, so that an entry is written only for a row that really
 * changed, after every BEFORE trigger and check passed; cascades (the owner
 * link of a new runner, the runners and links a deleted project takes) fire
 * them too.  The arguments are the object type and the actions for insert
 * and delete.  TRUNCATE, which skips row triggers, leaves one entry.
 */
CREATE TRIGGER audit_ci_runners
	AFTER INSERT OR UPDATE OR DELETE ON runner_policy.ci_runners
	FOR EACH ROW EXECUTE FUNCTION runner_policy.audit_row('runner', 'register', 'delete');
CREATE TRIGGER audit_ci_runner_projects
	AFTER INSERT OR UPDATE OR DELETE ON runner_policy.ci_runner_projects
	FOR EACH ROW EXECUTE FUNCTION runner_policy.audit_row('runner_project_link', 'link', 'unlink');
CREATE TRIGGER audit_ci_runner_namespaces
	AFTER INSERT OR UPDATE OR DELETE ON runner_policy.ci_runner_namespaces
	FOR EACH ROW EXECUTE FUNCTION runner_policy.audit_row('runner_namespace_link', 'link', 'unlink');
CREATE TRIGGER audit_project_members
	AFTER INSERT OR UPDATE OR DELETE ON runner_policy.project_members
	FOR EACH ROW EXECUTE FUNCTION runner_policy.audit_row('project_member', 'add_member', 'remove_member');
CREATE TRIGGER audit_group_members
	AFTER INSERT OR UPDATE OR DELETE ON runner_policy.group_members
	FOR EACH ROW EXECUTE FUNCTION runner_policy.audit_row('group_member', 'add_member', 'remove_member');
CREATE TRIGGER audit_tokens
	AFTER INSERT OR UPDATE OR DELETE ON runner_policy.tokens
	FOR EACH ROW EXECUTE FUNCTION runner_policy.audit_row('token', 'issue', 'delete');
CREATE TRIGGER audit_ci_runners_truncate
	AFTER TRUNCATE ON runner_policy.ci_runners
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.audit_row('runner', 'register', 'delete');
CREATE TRIGGER audit_ci_runner_projects_truncate
	AFTER TRUNCATE ON runner_policy.ci_runner_projects
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.audit_row('runner_project_link', 'link', 'unlink');
CREATE TRIGGER audit_ci_runner_namespaces_truncate
	AFTER TRUNCATE ON runner_policy.ci_runner_namespaces
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.audit_row('runner_namespace_link', 'link', 'unlink');
CREATE TRIGGER audit_project_members_truncate
	AFTER TRUNCATE ON runner_policy.project_members
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.audit_row('project_member', 'add_member', 'remove_member');
CREATE TRIGGER audit_group_members_truncate
	AFTER TRUNCATE ON runner_policy.group_members
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.audit_row('group_member', 'add_member', 'remove_member');
CREATE TRIGGER audit_tokens_truncate
	AFTER TRUNCATE ON runner_policy.tokens
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.audit_row('token', 'issue', 'delete');

-- A lane's head moves once per transaction, at commit, to the last entry
-- it wrote (moving it with every entry would leave a chain of row versions
-- that each later entry of a large transaction walks).
CREATE CONSTRAINT TRIGGER audit_lanes_head
	AFTER INSERT ON runner_policy.audit_log
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION runner_policy.audit_head();

-- Append-only, also for the owner and superusers (with triggers on).
CREATE TRIGGER audit_log_append_only
	BEFORE UPDATE OR DELETE OR TRUNCATE ON runner_policy.audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.audit_append_only();
CREATE TRIGGER audit_lanes_append_only
	BEFORE UPDATE OR DELETE OR TRUNCATE ON runner_policy.audit_lanes
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.audit_append_only();

/*
 * Who reads the log: admins and auditors (user actors, not their tokens:
 * the same answer as reach_all('scope_links_read')) read every entry.
 * Other actors read the entries about objects they may read now, as far as
 * the policy core's sets go: runners they read, links of runners or
 * projects whose links they read, group runner links of groups whose
 * runners they read, members of projects and groups they read, their own
 * user's tokens.  Entries about rows that are gone (a deleted runner) are
 * for admins and auditors.  No INSERT, UPDATE or DELETE policy: nobody
 * writes by hand; the triggers write as the owner.
 */
ALTER TABLE runner_policy.audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.audit_log FORCE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.audit_lanes ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.audit_lanes FORCE ROW LEVEL SECURITY;

CREATE POLICY audit_log_read ON runner_policy.audit_log FOR SELECT
	USING (runner_policy.reaches_all('scope_links_read')
		   OR (object_type OPERATOR(pg_catalog.=) 'runner'
			   AND (object_id OPERATOR(pg_catalog.=) ANY (runner_policy.reach('runner_read_ids'))
					OR (COALESCE(new, old) OPERATOR(pg_catalog.->>) 'runner_type')::smallint
						OPERATOR(pg_catalog.=) ANY (runner_policy.reach('runner_read_types'))
					OR ((COALESCE(new, old) OPERATOR(pg_catalog.->>) 'runner_type') OPERATOR(pg_catalog.=) '3'
						AND (COALESCE(new, old) OPERATOR(pg_catalog.->>) 'sharding_key_id')::bigint
							OPERATOR(pg_catalog.=) ANY (runner_policy.reach('runner_read_projects')))
					OR ((COALESCE(new, old) OPERATOR(pg_catalog.->>) 'runner_type') OPERATOR(pg_catalog.=) '2'
						AND (COALESCE(new, old) OPERATOR(pg_catalog.->>) 'sharding_key_id')::bigint
							OPERATOR(pg_catalog.=) ANY (runner_policy.reach('runner_read_groups')))))
		   OR (object_type OPERATOR(pg_catalog.=) 'runner_project_link'
			   AND ((COALESCE(new, old) OPERATOR(pg_catalog.->>) 'runner_id')::bigint
						OPERATOR(pg_catalog.=) ANY (runner_policy.reach('link_read_runners'))
					OR (COALESCE(new, old) OPERATOR(pg_catalog.->>) 'project_id')::bigint
						OPERATOR(pg_catalog.=) ANY (runner_policy.reach('link_read_projects'))))
		   OR (object_type OPERATOR(pg_catalog.=) 'runner_namespace_link'
			   AND (COALESCE(new, old) OPERATOR(pg_catalog.->>) 'namespace_id')::bigint
					OPERATOR(pg_catalog.=) ANY (runner_policy.reach('runner_read_groups')))
		   OR (object_type OPERATOR(pg_catalog.=) 'project_member'
			   AND object_id OPERATOR(pg_catalog.=) ANY (runner_policy.reach('project_readable_ids')))
		   OR (object_type OPERATOR(pg_catalog.=) 'group_member'
			   AND object_id OPERATOR(pg_catalog.=) ANY (runner_policy.reach('namespace_readable_ids')))
		   OR (object_type OPERATOR(pg_catalog.=) 'token'
			   AND (COALESCE(new, old) OPERATOR(pg_catalog.->>) 'user_id')::bigint
					OPERATOR(pg_catalog.=) ANY (runner_policy.reach('user_self'))));

/*
 * One row per broken entry, none when every lane is whole.  Each lane is
 * walked from its anchor (what pruning left; the start of the lane before
 * any) in sequence order: an entry must follow the one before it (the next
 * number, naming its hash) and match its own hash; the last entry must be
 * the lane's head.  Read-only, so it runs on a hot standby; SECURITY
 * DEFINER so that it checks every entry, not those row-level security lets
 * the caller see (it returns positions and problems, no entry's content).
 */
CREATE FUNCTION runner_policy.verify_audit_log()
	RETURNS TABLE (lane integer, lane_seq bigint, entry_id bigint, problem text)
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $verify$
	WITH walk AS (
		SELECT e.lane, e.lane_seq, e.id, e.prev_hash, e.hash,
			   e.hash IS DISTINCT FROM runner_policy.audit_entry_hash(
				   e.prev_hash, e.id, e.lane, e.lane_seq, e.at, e.db_role, e.actor_kind,
				   e.actor_user_id, e.token_id, e.action, e.object_type, e.object_id,
				   e.old, e.new) AS altered,
			   lag(e.lane_seq) OVER w AS before_seq,
			   lag(e.hash) OVER w AS before_hash,
			   l.lane IS NULL AS no_head,
			   l.anchor_seq, l.anchor_hash
		  FROM runner_policy.audit_log e
		  LEFT JOIN runner_policy.audit_lanes l ON l.lane = e.lane
		WINDOW w AS (PARTITION BY e.lane ORDER BY e.lane_seq)
	), entries AS (
		SELECT w.lane, w.lane_seq, w.id,
			   CASE
				   WHEN w.no_head THEN 'entry in a lane that has no head'
				   WHEN w.altered THEN 'entry does not match its hash: it was changed or moved'
				   WHEN w.lane_seq <= w.anchor_seq THEN 'entry at or before the pruning anchor'
				   WHEN w.lane_seq = COALESCE(w.before_seq, w.anchor_seq) + 2 THEN
					   pg_catalog.format('entry %s of the lane is missing before this one', w.lane_seq - 1)
				   WHEN w.lane_seq <> COALESCE(w.before_seq, w.anchor_seq) + 1 THEN
					   pg_catalog.format('entries %s to %s of the lane are missing before this one',
										 COALESCE(w.before_seq, w.anchor_seq) + 1, w.lane_seq - 1)
				   WHEN w.prev_hash IS DISTINCT FROM COALESCE(w.before_hash, w.anchor_hash) THEN
					   'entry does not follow the entry before it: entries were inserted, removed or reordered'
			   END AS problem
		  FROM walk w
	), heads AS (
		SELECT l.lane, l.seq, l.hash, l.anchor_seq,
			   (SELECT e.lane_seq FROM runner_policy.audit_log e
				 WHERE e.lane = l.lane ORDER BY e.lane_seq DESC LIMIT 1) AS last_seq,
			   (SELECT e.hash FROM runner_policy.audit_log e
				 WHERE e.lane = l.lane ORDER BY e.lane_seq DESC LIMIT 1) AS last_hash
		  FROM runner_policy.audit_lanes l
	)
	SELECT lane, lane_seq, id, problem FROM entries WHERE problem IS NOT NULL
	UNION ALL
	SELECT h.lane, h.seq, NULL::bigint,
		   CASE WHEN COALESCE(h.last_seq, h.anchor_seq) = h.seq - 1
				THEN pg_catalog.format('entry %s at the end of the lane is missing', h.seq)
				WHEN COALESCE(h.last_seq, h.anchor_seq) < h.seq
				THEN pg_catalog.format('entries %s to %s at the end of the lane are missing',
									   COALESCE(h.last_seq, h.anchor_seq) + 1, h.seq)
				WHEN h.last_seq > h.seq
				THEN pg_catalog.format('entries after %s are not in the lane''s head: they were added by hand', h.seq)
				ELSE 'the last entry is not the lane''s head' END
	  FROM heads h
	 WHERE COALESCE(h.last_seq, h.anchor_seq) IS DISTINCT FROM h.seq
		OR (h.last_seq IS NOT NULL AND h.last_seq > h.anchor_seq AND h.last_hash IS DISTINCT FROM h.hash)
		OR (h.last_seq IS NULL AND h.seq > h.anchor_seq)
	ORDER BY 1, 2, 3
$verify$;
REVOKE ALL ON FUNCTION runner_policy.verify_audit_log() FROM PUBLIC;
COMMENT ON FUNCTION runner_policy.verify_audit_log() IS
	'One row per broken audit log entry (changed, removed, inserted, reordered); empty when the hash chains are whole.';

/*
 * Removes entries older than "before" and leaves an anchor per lane, so
 * that verify_audit_log() still proves the rest.  Each lane loses the
 * entries that come before its first entry at or after "before" (an entry
 * newer than "before" is never removed).  Records itself in the log.  In C:
 * the append-only trigger lets only it delete.  The DBA runs it or grants it.
 */
CREATE FUNCTION runner_policy.prune_audit_log(before timestamptz)
	RETURNS bigint LANGUAGE c VOLATILE
	AS 'MODULE_PATHNAME', 'rp_prune_audit_log';
REVOKE ALL ON FUNCTION runner_policy.prune_audit_log(timestamptz) FROM PUBLIC;
COMMENT ON FUNCTION runner_policy.prune_audit_log(timestamptz) IS
	'Removes audit log entries older than the given time, leaving an anchor per lane; returns how many it removed.';

/*
 * Each runner with its type, owner, linked projects and creator, for the
 * runners the actor may read (security_invoker: ci_runners' policies
 * decide).  Linked projects and names are those the actor may also read.
 */
CREATE VIEW runner_policy.runner_ownership WITH (security_invoker = true) AS
SELECT r.id AS runner_id,
	   r.runner_type,
	   CASE r.runner_type WHEN 1 THEN 'instance' WHEN 2 THEN 'group' WHEN 3 THEN 'project' END
		   AS runner_type_name,
	   r.description,
	   CASE r.runner_type WHEN 2 THEN 'namespace' WHEN 3 THEN 'project' END AS owner_type,
	   r.sharding_key_id AS owner_id,
	   CASE r.runner_type
		   WHEN 2 THEN (SELECT n.name FROM runner_policy.namespaces n
						 WHERE n.id OPERATOR(pg_catalog.=) r.sharding_key_id)
		   WHEN 3 THEN (SELECT p.name FROM runner_policy.projects p
						 WHERE p.id OPERATOR(pg_catalog.=) r.sharding_key_id)
	   END AS owner_name,
	   ARRAY(SELECT rp.project_id FROM runner_policy.ci_runner_projects rp
			  WHERE rp.runner_id OPERATOR(pg_catalog.=) r.id
			  ORDER BY rp.project_id) AS linked_projects,
	   r.created_by_id,
	   (SELECT u.username FROM runner_policy.users u
		 WHERE u.id OPERATOR(pg_catalog.=) r.created_by_id) AS created_by,
	   r.created_at
  FROM runner_policy.ci_runners r;
COMMENT ON VIEW runner_policy.runner_ownership IS
	'Each runner the actor may read: type, owner, linked projects, creator.';
COMMENT ON COLUMN runner_policy.runner_ownership.runner_id IS 'The runner.';
COMMENT ON COLUMN runner_policy.runner_ownership.runner_type IS '1 instance, 2 group, 3 project.';
COMMENT ON COLUMN runner_policy.runner_ownership.runner_type_name IS 'instance, group or project.';
COMMENT ON COLUMN runner_policy.runner_ownership.description IS 'The runner''s description.';
COMMENT ON COLUMN runner_policy.runner_ownership.owner_type IS 'project, namespace, or NULL for an instance runner.';
COMMENT ON COLUMN runner_policy.runner_ownership.owner_id IS 'The owner project or namespace.';
COMMENT ON COLUMN runner_policy.runner_ownership.owner_name IS 'The owner''s name, if the actor may read the owner.';
COMMENT ON COLUMN runner_policy.runner_ownership.linked_projects IS 'The projects the runner is linked to that the actor may read.';
COMMENT ON COLUMN runner_policy.runner_ownership.created_by_id IS 'The user who registered the runner.';
COMMENT ON COLUMN runner_policy.runner_ownership.created_by IS 'That user''s name, if the actor may read it.';
COMMENT ON COLUMN runner_policy.runner_ownership.created_at IS 'When the runner was registered.';

SELECT pg_catalog.pg_extension_config_dump('runner_policy.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.audit_lanes', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.audit_log_id_seq', '');

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
 * Operations
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
