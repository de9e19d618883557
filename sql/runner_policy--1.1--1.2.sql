/* sql/runner_policy--1.1--1.2.sql: the upgrade from release 1.1 to 1.2 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION runner_policy UPDATE TO '1.2'" to load this file. \quit

/*
 * What release 1.2 changes in a database at 1.1, and nothing else: a fresh
 * install runs runner_policy--1.2.sql alone, which holds the whole
 * definition.  Every change made here is made there too, and test/upgrade
 * checks that both leave the same catalog.
 */

/* ------------------------------------------------------------------------
 * Rights from the slow tables
 *
 * 1.1 announced every change to runners, links, jobs and tokens, and every
 * backend worked every actor's rights out again after each registration.
 * 1.2 reads rights only from the tables that say who belongs where, and
 * decides a runner or link row from those rights and the row's own
 * columns: a project runner carries the projects it is linked to, a link
 * its runner's owner project.
 * ------------------------------------------------------------------------ */

-- 1.1's change triggers, on every table the rights were read from
DROP TRIGGER users_reach_changed ON runner_policy.users;
DROP TRIGGER users_reach_changed_replica ON runner_policy.users;
DROP TRIGGER tokens_reach_changed ON runner_policy.tokens;
DROP TRIGGER tokens_reach_changed_replica ON runner_policy.tokens;
DROP TRIGGER namespaces_reach_changed ON runner_policy.namespaces;
DROP TRIGGER namespaces_reach_changed_replica ON runner_policy.namespaces;
DROP TRIGGER projects_reach_changed ON runner_policy.projects;
DROP TRIGGER projects_reach_changed_replica ON runner_policy.projects;
DROP TRIGGER project_members_reach_changed ON runner_policy.project_members;
DROP TRIGGER project_members_reach_changed_replica ON runner_policy.project_members;
DROP TRIGGER group_members_reach_changed ON runner_policy.group_members;
DROP TRIGGER group_members_reach_changed_replica ON runner_policy.group_members;
DROP TRIGGER ci_runners_reach_changed ON runner_policy.ci_runners;
DROP TRIGGER ci_runners_reach_changed_replica ON runner_policy.ci_runners;
DROP TRIGGER ci_runner_projects_reach_changed ON runner_policy.ci_runner_projects;
DROP TRIGGER ci_runner_projects_reach_changed_replica ON runner_policy.ci_runner_projects;
DROP TRIGGER ci_runner_namespaces_reach_changed ON runner_policy.ci_runner_namespaces;
DROP TRIGGER ci_runner_namespaces_reach_changed_replica ON runner_policy.ci_runner_namespaces;
DROP TRIGGER ci_job_token_scope_links_reach_changed ON runner_policy.ci_job_token_scope_links;
DROP TRIGGER ci_job_token_scope_links_reach_changed_replica ON runner_policy.ci_job_token_scope_links;
DROP TRIGGER ci_builds_reach_changed ON runner_policy.ci_builds;
DROP TRIGGER ci_builds_reach_changed_replica ON runner_policy.ci_builds;

ALTER TABLE runner_policy.ci_runners
	ADD COLUMN linked_project_ids bigint[] NOT NULL DEFAULT '{}';
CREATE INDEX ci_runners_linked_project_ids_idx ON runner_policy.ci_runners
	USING gin (linked_project_ids);
COMMENT ON COLUMN runner_policy.ci_runners.linked_project_ids IS
	'The projects a project runner is linked to (its owner first among them), kept by the extension from ci_runner_projects; writes to it are ignored.';

ALTER TABLE runner_policy.ci_runner_projects ADD COLUMN owner_project_id bigint;
CREATE INDEX ci_runner_projects_owner_project_id_idx ON runner_policy.ci_runner_projects (owner_project_id);
COMMENT ON COLUMN runner_policy.ci_runner_projects.owner_project_id IS
	'The runner''s owner project, copied by the extension when the link is made; writes to it are ignored.';

/*
 * The same probe for an array column: whether any of its ids is in the
 * set (a project runner's linked_project_ids against the projects whose
 * runners the actor reads).  For a small set the support function writes
 * "ids && reach(set)", an index condition of a GIN index.
 */
CREATE FUNCTION runner_policy.in_reach_any(set text, ids bigint[])
	RETURNS boolean LANGUAGE c STABLE PARALLEL RESTRICTED
	SUPPORT runner_policy.in_reach_support
	AS 'MODULE_PATHNAME', 'rp_in_reach_any';
COMMENT ON FUNCTION runner_policy.in_reach_any(text, bigint[]) IS
	'For policies: whether any id of an array is in one of the sets the actor reaches, for the running statement.';

/*
 * The vocabulary of the policies: one row per set the policy core works
 * out (src/rules.c, set_rules[]), where it is asked (policies, core,
 * legacy: named only by the policies of releases before 1.2), who has it
 * and what it is computed from.  Safe for anyone: it is the rule book,
 * not anyone's rights.
 */
CREATE FUNCTION runner_policy.reach_sets(
	OUT name text, OUT used_in text, OUT who text, OUT computed_from text)
	RETURNS SETOF record LANGUAGE c IMMUTABLE PARALLEL SAFE ROWS 30
	AS 'MODULE_PATHNAME', 'rp_reach_sets';
COMMENT ON FUNCTION runner_policy.reach_sets() IS
	'The sets the policies ask the policy core for: name, where asked, who has it, what it is computed from.';

/*
 * What this backend's decision cache did since it started: reaches worked
 * out afresh, kept reaches used again, and announcements of changed
 * rights received (src/reach_cache.c).  The calling backend's own figures.
 */
CREATE FUNCTION runner_policy.reach_cache_counters(
	OUT rebuilds bigint, OUT reuses bigint, OUT invalidations bigint)
	RETURNS record LANGUAGE c VOLATILE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_reach_cache_counters';
COMMENT ON FUNCTION runner_policy.reach_cache_counters() IS
	'This backend''s decision cache: reaches worked out, kept reaches used again, announcements of changed rights received.';

/*
 * Every statement the C code runs through SPI (src/saved_queries.c), with
 * the types of its parameters: for EXPLAIN, and for the test that checks
 * their generic plans.  Nothing secret, but nobody's business but the
 * DBA's.
 */
CREATE FUNCTION runner_policy.saved_queries(
	OUT file text, OUT name text, OUT query text, OUT argument_types regtype[])
	RETURNS SETOF record LANGUAGE c IMMUTABLE PARALLEL SAFE ROWS 100
	AS 'MODULE_PATHNAME', 'rp_saved_queries';
COMMENT ON FUNCTION runner_policy.saved_queries() IS
	'The statements the extension runs through SPI, with their parameter types, for EXPLAIN.';

/*
 * The decision cache (src/reach_cache.c).  What an actor reaches is kept
 * from statement to statement.  It is read from the tables that say who
 * belongs where, and only from them: users, namespaces, projects, the two
 * membership tables and the job token scope links (rights_columns() names
 * them, and the columns that count).  A committed change to one of those
 * rows is announced, at commit, as a relation cache invalidation of
 * runner_policy.rights_epoch, which every backend reads and every hot
 * standby replays from the WAL; a backend that reads it works its reaches
 * out again.  Runners, their links, jobs and tokens are never announced:
 * a row of theirs is decided from the actor's rights and the row's own
 * columns, and a token's or runner's own row is read for each statement.
 *
 * rights_epoch has no columns and no rows, and no plan reads it: it
 * exists so that its invalidation carries the announcement.  Invalidating
 * the changed table itself would make every backend rebuild that table's
 * relation cache entry and replan every cached plan that reads it.
 */
CREATE TABLE runner_policy.rights_epoch ();
ALTER TABLE runner_policy.rights_epoch ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.rights_epoch FORCE ROW LEVEL SECURITY;
COMMENT ON TABLE runner_policy.rights_epoch IS
	'Never holds a row: a commit that changed rights invalidates its relation cache entry, which every backend reads as "work your reaches out again".';

/*
 * rights_reset: the announcement no backend can narrow to the users it
 * concerns.  A prepared transaction writes no entry into the ring that
 * names them (COMMIT PREPARED may run in another backend), and Citus
 * commits every write of a reference table that way: its change of rights
 * invalidates this relation too, and every backend drops every reach it
 * keeps.  Like rights_epoch, no columns, no rows, never read; nothing but
 * such a commit (or DDL on it) invalidates it, where statistics of a
 * rights table would.
 */
CREATE TABLE runner_policy.rights_reset ();
ALTER TABLE runner_policy.rights_reset ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.rights_reset FORCE ROW LEVEL SECURITY;
COMMENT ON TABLE runner_policy.rights_reset IS
	'Never holds a row: a prepared transaction that changed rights invalidates its relation cache entry, which every backend reads as "drop every reach".';

/*
 * The tables and columns rights are read from, in one list: the change
 * triggers below and the audit triggers of section 4 are made from it, and
 * test/sql/rule_table.sql checks the catalog against it.  user_column
 * names the user a row concerns (a membership's, a user's own): a change
 * to such a row is announced as concerning that user alone, and the other
 * backends keep the reaches of everyone else (src/reach_cache.c, "Who
 * changed").  A change to the other tables concerns everyone.
 * derived_columns are those the extension computes from the others
 * (traversal_ids, from parent_id): announced, since rights are read from
 * them, but not audited, since the change they follow from is (a move
 * rewrites the paths of a whole subtree, and is one entry).
 */
CREATE FUNCTION runner_policy.rights_columns(
	OUT table_name text, OUT column_names text[], OUT user_column text,
	OUT derived_columns text[])
	RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT v.table_name, v.column_names, v.user_column, v.derived_columns FROM (VALUES
		-- who exists, who is an administrator or an auditor, who is blocked
		('users', ARRAY['id', 'admin', 'auditor', 'state'], 'id', '{}'::text[]),
		-- the tree of groups, and who may see each
		('namespaces', ARRAY['id', 'parent_id', 'visibility', 'traversal_ids'], NULL, ARRAY['traversal_ids']),
		-- where each project is, who may see it, whether instance runners serve it
		('projects', ARRAY['id', 'namespace_id', 'visibility', 'shared_runners_enabled'], NULL, '{}'),
		-- memberships and scope links: every column
		('project_members', ARRAY['project_id', 'user_id', 'access_level'], 'user_id', '{}'),
		('group_members', ARRAY['namespace_id', 'user_id', 'access_level'], 'user_id', '{}'),
		('ci_job_token_scope_links', ARRAY['source_project_id', 'target_project_id'], NULL, '{}'))
		AS v (table_name, column_names, user_column, derived_columns);
END;
COMMENT ON FUNCTION runner_policy.rights_columns() IS
	'The tables and columns rights are read from: a committed change to them is announced to every backend, and audited (but for derived columns).';

/*
 * On each of those tables, reach_changed() fires BEFORE each inserted or
 * deleted row and each updated row whose listed columns changed (it
 * compares them), and AFTER TRUNCATE: a statement that changes no row, a
 * write that is refused, a rolled-back (sub)transaction and a heartbeat
 * announce nothing.  BEFORE, so that a bulk load queues nothing per row.
 * ENABLE ALWAYS: a session in replica mode and a logical replication apply
 * worker change rights too.
 */
COMMENT ON FUNCTION runner_policy.reach_changed() IS
	'Trigger: notes a change of rights, announced to every backend when the transaction commits.';

DO $triggers$
DECLARE
	t record;
BEGIN
	FOR t IN SELECT * FROM runner_policy.rights_columns() LOOP
		EXECUTE pg_catalog.format(
			'CREATE TRIGGER %I BEFORE INSERT OR DELETE OR UPDATE OF %s ON runner_policy.%I'
			' FOR EACH ROW EXECUTE FUNCTION runner_policy.reach_changed(%s)',
			t.table_name || '_reach_changed',
			pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(c)
											 FROM pg_catalog.unnest(t.column_names) AS c), ', '),
			t.table_name, COALESCE(pg_catalog.quote_literal(t.user_column), ''));
		EXECUTE pg_catalog.format(
			'CREATE TRIGGER %I AFTER TRUNCATE ON runner_policy.%I'
			' FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.reach_changed()',
			t.table_name || '_reach_changed_truncate', t.table_name);
		EXECUTE pg_catalog.format('ALTER TABLE runner_policy.%I ENABLE ALWAYS TRIGGER %I',
								  t.table_name, t.table_name || '_reach_changed');
		EXECUTE pg_catalog.format('ALTER TABLE runner_policy.%I ENABLE ALWAYS TRIGGER %I',
								  t.table_name, t.table_name || '_reach_changed_truncate');
	END LOOP;
END
$triggers$;

/* ------------------------------------------------------------------------
 * A project runner's links, kept on its row
 * ------------------------------------------------------------------------ */

/*
 * ci_runners.linked_project_ids is a copy of the runner's ci_runner_projects
 * rows, so that whether a maintainer reads the runner is decided from the
 * runner row alone.  The runner is registered with its owner in it
 * (ci_runners_guard); after each link is made or removed, this trigger
 * adds or removes the project, relative to the row's current value, so
 * that links made at the same time by two transactions both count.  A
 * load with triggers off leaves it as loaded: check_invariants() reports
 * a copy that differs from the links, backfill_owners() repairs it.
 */
CREATE FUNCTION runner_policy.ci_runner_projects_copy() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_ci_runner_projects_copy';
COMMENT ON FUNCTION runner_policy.ci_runner_projects_copy() IS
	'Trigger: keeps ci_runners.linked_project_ids equal to the runner''s links.';
CREATE TRIGGER ci_runner_projects_copy
	AFTER INSERT OR DELETE ON runner_policy.ci_runner_projects
	FOR EACH ROW EXECUTE FUNCTION runner_policy.ci_runner_projects_copy();


-- The copies, for the rows that are there (the extension's own script may
-- write them; the triggers ignore writes to them by anyone else).
UPDATE runner_policy.ci_runner_projects rp
   SET owner_project_id = r.sharding_key_id
  FROM runner_policy.ci_runners r
 WHERE r.id OPERATOR(pg_catalog.=) rp.runner_id
   AND r.runner_type OPERATOR(pg_catalog.=) 3
   AND r.sharding_key_id IS NOT NULL;
UPDATE runner_policy.ci_runners r
   SET linked_project_ids = l.ids
  FROM (SELECT rp.runner_id,
			   pg_catalog.array_agg(rp.project_id ORDER BY rp.project_id) AS ids
		  FROM runner_policy.ci_runner_projects rp
		 GROUP BY rp.runner_id) AS l
 WHERE r.id OPERATOR(pg_catalog.=) l.runner_id;

DROP POLICY ci_runners_read ON runner_policy.ci_runners;
CREATE POLICY ci_runners_read ON runner_policy.ci_runners FOR SELECT
	USING (runner_policy.reaches_all('runners_read')
		   OR runner_type OPERATOR(pg_catalog.=) ANY (runner_policy.reach('runner_read_types'))
		   -- maintainers of a project it is linked to, its owner included
		   OR (runner_type OPERATOR(pg_catalog.=) 3
			   AND runner_policy.in_reach_any('runner_read_projects', linked_project_ids))
		   OR (runner_type OPERATOR(pg_catalog.=) 2
			   AND runner_policy.in_reach('runner_read_groups', sharding_key_id))
		   OR runner_policy.in_reach('runner_self', id));
DROP POLICY ci_runner_projects_read ON runner_policy.ci_runner_projects;
DROP POLICY ci_runner_projects_insert ON runner_policy.ci_runner_projects;
DROP POLICY ci_runner_projects_delete ON runner_policy.ci_runner_projects;
DROP POLICY ci_runner_projects_update ON runner_policy.ci_runner_projects;
CREATE POLICY ci_runner_projects_read ON runner_policy.ci_runner_projects FOR SELECT
	USING (runner_policy.reaches_all('links_read')
		   OR runner_policy.in_reach('link_read_projects', project_id)
		   OR runner_policy.in_reach('link_read_projects', owner_project_id));
CREATE POLICY ci_runner_projects_insert ON runner_policy.ci_runner_projects FOR INSERT
	WITH CHECK (runner_policy.reaches_all('admin')
				OR runner_policy.in_reach('link_projects', project_id));
CREATE POLICY ci_runner_projects_delete ON runner_policy.ci_runner_projects FOR DELETE
	USING (runner_policy.reaches_all('admin')
		   OR runner_policy.in_reach('link_projects', project_id)
		   OR runner_policy.in_reach('link_projects', owner_project_id));
-- Links are never moved (the guard refuses it), but whoever may delete a
-- link may try, and is told why not rather than finding no row.
CREATE POLICY ci_runner_projects_update ON runner_policy.ci_runner_projects FOR UPDATE
	USING (runner_policy.reaches_all('admin')
		   OR runner_policy.in_reach('link_projects', project_id)
		   OR runner_policy.in_reach('link_projects', owner_project_id));

/*
 * check_invariants() also reports copies that differ from the rows they
 * copy (a load with triggers off); backfill_owners() repairs them.
 */
CREATE OR REPLACE FUNCTION runner_policy.check_invariants()
	RETURNS TABLE (invariant text, object_type text, object_id bigint, detail text)
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $check$
	/*
	 * The runners' ids once, for the jobs that name one: on Citus the jobs
	 * and the runners are distributed apart, and Citus joins them only
	 * through a result it has materialized (doc/citus.md).
	 */
	WITH runner_ids AS MATERIALIZED (SELECT r.id FROM runner_policy.ci_runners r)
	SELECT v.invariant, v.object_type, v.object_id, v.detail
	FROM (
		SELECT 'project runner has no owner', 'runner', r.id,
			   pg_catalog.format('project runner %s has no owner project; %s', r.id,
				   CASE WHEN EXISTS (SELECT FROM runner_policy.ci_runner_projects rp
									   JOIN runner_policy.projects p ON p.id = rp.project_id
									  WHERE rp.runner_id = r.id)
						THEN 'runner_policy.backfill_owners() can place it'
						ELSE 'it is linked to no existing project, so link it to its owner or delete it' END)
		  FROM runner_policy.ci_runners r
		 WHERE r.runner_type = 3 AND r.sharding_key_id IS NULL
		UNION ALL
		SELECT 'group runner has no owner', 'runner', r.id,
			   pg_catalog.format('group runner %s has no owner namespace', r.id)
		  FROM runner_policy.ci_runners r
		 WHERE r.runner_type = 2 AND r.sharding_key_id IS NULL
		UNION ALL
		SELECT 'instance runner has an owner', 'runner', r.id,
			   pg_catalog.format('instance runner %s names owner %s', r.id, r.sharding_key_id)
		  FROM runner_policy.ci_runners r
		 WHERE r.runner_type = 1 AND r.sharding_key_id IS NOT NULL
		UNION ALL
		SELECT 'owner does not exist', 'runner', r.id,
			   pg_catalog.format('project runner %s is owned by project %s, which does not exist', r.id, r.sharding_key_id)
		  FROM runner_policy.ci_runners r
		 WHERE r.runner_type = 3 AND r.sharding_key_id IS NOT NULL
		   AND NOT EXISTS (SELECT FROM runner_policy.projects p WHERE p.id = r.sharding_key_id)
		UNION ALL
		SELECT 'owner does not exist', 'runner', r.id,
			   pg_catalog.format('group runner %s is owned by namespace %s, which does not exist', r.id, r.sharding_key_id)
		  FROM runner_policy.ci_runners r
		 WHERE r.runner_type = 2 AND r.sharding_key_id IS NOT NULL
		   AND NOT EXISTS (SELECT FROM runner_policy.namespaces n WHERE n.id = r.sharding_key_id)
		UNION ALL
		SELECT 'owner link missing', 'runner', r.id,
			   pg_catalog.format('project runner %s is not linked to its owner project %s', r.id, r.sharding_key_id)
		  FROM runner_policy.ci_runners r
		 WHERE r.runner_type = 3 AND r.sharding_key_id IS NOT NULL
		   AND NOT EXISTS (SELECT FROM runner_policy.ci_runner_projects rp
						   WHERE rp.runner_id = r.id AND rp.project_id = r.sharding_key_id)
		UNION ALL
		SELECT 'owner link missing', 'runner', r.id,
			   pg_catalog.format('group runner %s is not linked to its owner namespace %s', r.id, r.sharding_key_id)
		  FROM runner_policy.ci_runners r
		 WHERE r.runner_type = 2 AND r.sharding_key_id IS NOT NULL
		   AND NOT EXISTS (SELECT FROM runner_policy.ci_runner_namespaces rn
						   WHERE rn.runner_id = r.id AND rn.namespace_id = r.sharding_key_id)
		UNION ALL
		SELECT 'project link on a runner that is not a project runner', 'ci_runner_projects', rp.id,
			   pg_catalog.format('runner %s (type %s) is linked to project %s', rp.runner_id, r.runner_type, rp.project_id)
		  FROM runner_policy.ci_runner_projects rp
		  JOIN runner_policy.ci_runners r ON r.id = rp.runner_id
		 WHERE r.runner_type <> 3
		UNION ALL
		SELECT 'namespace link is not the owner namespace', 'ci_runner_namespaces', rn.id,
			   pg_catalog.format('runner %s (type %s, owner %s) is linked to namespace %s',
								 rn.runner_id, r.runner_type, r.sharding_key_id, rn.namespace_id)
		  FROM runner_policy.ci_runner_namespaces rn
		  JOIN runner_policy.ci_runners r ON r.id = rn.runner_id
		 WHERE r.runner_type <> 2 OR r.sharding_key_id IS DISTINCT FROM rn.namespace_id
		UNION ALL
		SELECT 'link to a missing row', 'ci_runner_projects', rp.id,
			   pg_catalog.format('link of runner %s to project %s points at a row that does not exist', rp.runner_id, rp.project_id)
		  FROM runner_policy.ci_runner_projects rp
		 WHERE NOT EXISTS (SELECT FROM runner_policy.ci_runners r WHERE r.id = rp.runner_id)
			OR NOT EXISTS (SELECT FROM runner_policy.projects p WHERE p.id = rp.project_id)
		UNION ALL
		SELECT 'link to a missing row', 'ci_runner_namespaces', rn.id,
			   pg_catalog.format('link of runner %s to namespace %s points at a row that does not exist', rn.runner_id, rn.namespace_id)
		  FROM runner_policy.ci_runner_namespaces rn
		 WHERE NOT EXISTS (SELECT FROM runner_policy.ci_runners r WHERE r.id = rn.runner_id)
			OR NOT EXISTS (SELECT FROM runner_policy.namespaces n WHERE n.id = rn.namespace_id)
		UNION ALL
		SELECT 'job on a missing runner', 'ci_builds', b.id,
			   pg_catalog.format('job %s names runner %s, which does not exist', b.id, b.runner_id)
		  FROM runner_policy.ci_builds b
		 WHERE b.runner_id IS NOT NULL
		   AND NOT EXISTS (SELECT FROM runner_ids r WHERE r.id = b.runner_id)
		UNION ALL
		SELECT 'traversal_ids wrong', 'namespace', n.id,
			   pg_catalog.format('namespace %s has traversal_ids %s, expected %s', n.id, n.traversal_ids,
								 COALESCE(p.traversal_ids, '{}') || n.id)
		  FROM runner_policy.namespaces n
		  LEFT JOIN runner_policy.namespaces p ON p.id = n.parent_id
		 WHERE n.traversal_ids IS DISTINCT FROM (COALESCE(p.traversal_ids, '{}') || n.id)
		UNION ALL
		SELECT 'linked projects differ from the links', 'runner', r.id,
			   pg_catalog.format('runner %s has linked_project_ids %s, its links say %s; runner_policy.backfill_owners() repairs it',
								 r.id, r.linked_project_ids, COALESCE(l.ids, '{}'))
		  FROM runner_policy.ci_runners r
		  LEFT JOIN (SELECT rp.runner_id, pg_catalog.array_agg(rp.project_id ORDER BY rp.project_id) AS ids
					   FROM runner_policy.ci_runner_projects rp GROUP BY rp.runner_id) l
			ON l.runner_id = r.id AND r.runner_type OPERATOR(pg_catalog.=) 3
		 WHERE r.linked_project_ids IS DISTINCT FROM COALESCE(l.ids, '{}')
		UNION ALL
		SELECT 'link owner differs from the runner''s', 'ci_runner_projects', rp.id,
			   pg_catalog.format('link of runner %s to project %s has owner_project_id %s, the runner is owned by %s; runner_policy.backfill_owners() repairs it',
								 rp.runner_id, rp.project_id, COALESCE(rp.owner_project_id::text, 'NULL'),
								 COALESCE(r.sharding_key_id::text, 'nobody'))
		  FROM runner_policy.ci_runner_projects rp
		  JOIN runner_policy.ci_runners r ON r.id = rp.runner_id
		 WHERE rp.owner_project_id IS DISTINCT FROM
			   (CASE WHEN r.runner_type OPERATOR(pg_catalog.=) 3 THEN r.sharding_key_id END)
		   AND EXISTS (SELECT FROM runner_policy.projects p WHERE p.id = rp.project_id)
	) AS v (invariant, object_type, object_id, detail)
	ORDER BY v.object_type, v.object_id, v.invariant
$check$;
COMMENT ON FUNCTION runner_policy.check_invariants() IS
	'One row per broken ownership or tree rule (rows loaded with triggers off); empty when sound.';

/* ------------------------------------------------------------------------
 * The audit log: every change of rights, and entries of deleted objects
 *
 * 1.1 audited runners, links, memberships and tokens.  1.2 also audits
 * every change that grants or takes away rights: users' flags, moves and
 * visibility of groups and projects, job token scope links.  And the
 * entries of a deleted object are for admins and auditors only.
 * ------------------------------------------------------------------------ */

COMMENT ON TABLE runner_policy.audit_log IS
	'Append-only, hash-chained record of every runner, link, membership and token change and of every change of rights; never a token or digest.';
COMMENT ON COLUMN runner_policy.audit_log.action IS
	'What happened: register, create, update, reset_token, backfill_owner, delete, link, unlink, add_member, change_member, remove_member, issue, revoke, grant_admin, revoke_admin, grant_auditor, revoke_auditor, block, unblock, move, set_visibility, enable_shared_runners, disable_shared_runners, truncate, prune.';
COMMENT ON COLUMN runner_policy.audit_log.object_type IS
	'What it happened to: runner, runner_project_link, runner_namespace_link, project_member, group_member, token, user, namespace, project, scope_link, audit_log.';
COMMENT ON COLUMN runner_policy.audit_log.object_id IS
	'The rows id; for a membership the projects or groups id, for a job token scope link its target project.';
COMMENT ON FUNCTION runner_policy.audit_row() IS
	'Trigger: writes the audit log entry of a change to a runner, link, membership or token, or of a change of rights.';

-- 1.1's membership triggers, on every column; made again from the list
DROP TRIGGER audit_project_members ON runner_policy.project_members;
DROP TRIGGER audit_project_members_truncate ON runner_policy.project_members;
DROP TRIGGER audit_group_members ON runner_policy.group_members;
DROP TRIGGER audit_group_members_truncate ON runner_policy.group_members;

/*
 * Every change that grants or takes away rights: on each table of
 * rights_columns(), an insert, a delete, and an update of the columns
 * rights are read from, less the derived ones (UPDATE OF them; src/audit.c
 * compares them, so an update that changes none writes nothing).  The
 * list names the columns; here they get the audit log's words for the
 * table's rows and for their insert and delete.
 */
DO $audit_triggers$
DECLARE
	t record;
BEGIN
	FOR t IN
		SELECT r.table_name, a.object_type, a.insert_action, a.delete_action,
			   ARRAY(SELECT c FROM pg_catalog.unnest(r.column_names) AS c
					  WHERE c OPERATOR(pg_catalog.<>) ALL (r.derived_columns)) AS audited
		  FROM runner_policy.rights_columns() r
		  JOIN (VALUES ('users', 'user', 'create', 'delete'),
					   ('namespaces', 'namespace', 'create', 'delete'),
					   ('projects', 'project', 'create', 'delete'),
					   ('project_members', 'project_member', 'add_member', 'remove_member'),
					   ('group_members', 'group_member', 'add_member', 'remove_member'),
					   ('ci_job_token_scope_links', 'scope_link', 'link', 'unlink'))
			AS a (table_name, object_type, insert_action, delete_action)
			ON a.table_name OPERATOR(pg_catalog.=) r.table_name
	LOOP
		EXECUTE pg_catalog.format(
			'CREATE TRIGGER %I AFTER INSERT OR DELETE OR UPDATE OF %s ON runner_policy.%I'
			' FOR EACH ROW EXECUTE FUNCTION runner_policy.audit_row(%L, %L, %L)',
			'audit_' || t.table_name,
			pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(c)
											 FROM pg_catalog.unnest(t.audited) AS c), ', '),
			t.table_name, t.object_type, t.insert_action, t.delete_action);
		EXECUTE pg_catalog.format(
			'CREATE TRIGGER %I AFTER TRUNCATE ON runner_policy.%I'
			' FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.audit_row(%L, %L, %L)',
			'audit_' || t.table_name || '_truncate', t.table_name,
			t.object_type, t.insert_action, t.delete_action);
	END LOOP;
END
$audit_triggers$;

/*
 * Entries of deleted objects.  1.1 let whoever could have read a deleted
 * runner, link or token read its entries, decided from the entry's own
 * columns.  In 1.2 a runner, link, token, user, group or project that is
 * deleted marks its entries object_deleted, and only admins and auditors
 * read those.  The mark is outside the hash.  Entries written before the
 * upgrade about objects that are gone are marked here, by the extension's
 * own script, with the append-only trigger off for it.
 */
ALTER TABLE runner_policy.audit_log
	ADD COLUMN object_deleted boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN runner_policy.audit_log.object_deleted IS
	'The object the entry is about was deleted: only admins and auditors read the entry.  Set by the extension only; not part of the hash.';
ALTER TABLE runner_policy.audit_log DISABLE TRIGGER audit_log_append_only;
UPDATE runner_policy.audit_log e SET object_deleted = true
 WHERE e.object_id IS NOT NULL
   AND CASE e.object_type
		   WHEN 'runner' THEN NOT EXISTS (SELECT FROM runner_policy.ci_runners r
										   WHERE r.id OPERATOR(pg_catalog.=) e.object_id)
		   WHEN 'runner_project_link' THEN NOT EXISTS (SELECT FROM runner_policy.ci_runner_projects l
														WHERE l.id OPERATOR(pg_catalog.=) e.object_id)
		   WHEN 'runner_namespace_link' THEN NOT EXISTS (SELECT FROM runner_policy.ci_runner_namespaces l
														  WHERE l.id OPERATOR(pg_catalog.=) e.object_id)
		   WHEN 'token' THEN NOT EXISTS (SELECT FROM runner_policy.tokens t
										  WHERE t.id OPERATOR(pg_catalog.=) e.object_id)
		   WHEN 'project_member' THEN NOT EXISTS (SELECT FROM runner_policy.projects p
												   WHERE p.id OPERATOR(pg_catalog.=) e.object_id)
		   WHEN 'group_member' THEN NOT EXISTS (SELECT FROM runner_policy.namespaces n
												 WHERE n.id OPERATOR(pg_catalog.=) e.object_id)
		   ELSE false
	   END;
ALTER TABLE runner_policy.audit_log ENABLE TRIGGER audit_log_append_only;

DROP POLICY audit_log_read ON runner_policy.audit_log;
CREATE POLICY audit_log_read ON runner_policy.audit_log FOR SELECT
	USING (runner_policy.reaches_all('scope_links_read')
		   -- anyone else: never an entry of a deleted object
		   OR (NOT object_deleted
			   AND ((object_type OPERATOR(pg_catalog.=) 'runner'
						AND ((COALESCE(new, old) OPERATOR(pg_catalog.->>) 'runner_type')::smallint
								 OPERATOR(pg_catalog.=) ANY (runner_policy.reach('runner_read_types'))
							 -- a project runner's owner and linked projects, as the entry recorded them
							 OR ((COALESCE(new, old) OPERATOR(pg_catalog.->>) 'runner_type') OPERATOR(pg_catalog.=) '3'
								 AND ((COALESCE(new, old) OPERATOR(pg_catalog.->>) 'sharding_key_id')::bigint
										 OPERATOR(pg_catalog.=) ANY (runner_policy.reach('runner_read_projects'))
									  OR runner_policy.in_reach_any('runner_read_projects',
										 pg_catalog.translate(COALESCE(new, old) OPERATOR(pg_catalog.->>) 'linked_project_ids',
															  '[]', '{}')::bigint[])))
							 OR ((COALESCE(new, old) OPERATOR(pg_catalog.->>) 'runner_type') OPERATOR(pg_catalog.=) '2'
								 AND (COALESCE(new, old) OPERATOR(pg_catalog.->>) 'sharding_key_id')::bigint
									 OPERATOR(pg_catalog.=) ANY (runner_policy.reach('runner_read_groups')))))
					OR (object_type OPERATOR(pg_catalog.=) 'runner_project_link'
						AND ((COALESCE(new, old) OPERATOR(pg_catalog.->>) 'owner_project_id')::bigint
								 OPERATOR(pg_catalog.=) ANY (runner_policy.reach('link_read_projects'))
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
							 OPERATOR(pg_catalog.=) ANY (runner_policy.reach('user_self')))
					-- changes of rights: a user's own flags, the groups and projects
					-- they read now, the scope links of projects they manage
					OR (object_type OPERATOR(pg_catalog.=) 'user'
						AND object_id OPERATOR(pg_catalog.=) ANY (runner_policy.reach('user_self')))
					OR (object_type OPERATOR(pg_catalog.=) 'namespace'
						AND object_id OPERATOR(pg_catalog.=) ANY (runner_policy.reach('namespace_readable_ids')))
					OR (object_type OPERATOR(pg_catalog.=) 'project'
						AND object_id OPERATOR(pg_catalog.=) ANY (runner_policy.reach('project_readable_ids')))
					OR (object_type OPERATOR(pg_catalog.=) 'scope_link'
						AND ((COALESCE(new, old) OPERATOR(pg_catalog.->>) 'source_project_id')::bigint
								 OPERATOR(pg_catalog.=) ANY (runner_policy.reach('project_managed'))
							 OR object_id OPERATOR(pg_catalog.=) ANY (runner_policy.reach('project_managed')))))));

/* ------------------------------------------------------------------------
 * Writes that do not grow with history
 * ------------------------------------------------------------------------ */

/*
 * The jobs that are not finished, the few a forge's queue works on among
 * all the history it keeps: a runner looking for the next pending job
 * (status, id), the queue counting pending jobs per project and running
 * ones per runner (the INCLUDE columns, from the index alone).  Its size
 * follows the queue, not the history.
 */
CREATE INDEX ci_builds_active_idx ON runner_policy.ci_builds (status, id)
	INCLUDE (project_id, runner_id)
	WHERE status OPERATOR(pg_catalog.=) ANY (ARRAY['created', 'pending', 'running']);

-- The statements the extension runs, for the DBA's EXPLAIN.
REVOKE ALL ON FUNCTION runner_policy.saved_queries() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.ci_runner_projects_copy() FROM PUBLIC;

/* ------------------------------------------------------------------------
 * runner_access: refused before a row is read, and fast by runner and by
 * user
 *
 * 1.1's view read users and runners as its owner and checked the session
 * inside its join, after a caller's own conditions had run on those rows:
 * "WHERE username::int = 0" put a username into the error.  The view is a
 * security barrier now, and each of its parts starts with a condition
 * that refuses the session.
 *
 * It decides from the runner's own row (linked_project_ids) rather than the
 * link table, and in three parts: what a kind of user (administrator,
 * auditor, any other active user) may do by that alone, decided once per
 * kind and runner, and what a user may do beyond its kind through its
 * memberships.  The 8-argument access_candidate() and access_actions() of
 * 1.1 go; runners_of_user() and users_of_runner() keep their names and
 * grants and answer for the membership part.  CREATE OR REPLACE keeps the
 * grants a DBA gave on the view and functions.
 * ------------------------------------------------------------------------ */

CREATE FUNCTION runner_policy.runner_access_allowed()
	RETURNS boolean LANGUAGE c STABLE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_runner_access_allowed';
COMMENT ON FUNCTION runner_policy.runner_access_allowed() IS
	'True when the session may read runner_access (an administrator or auditor acting as themselves, or no actor and EXECUTE on explain_access()); refuses otherwise.';

-- IMMUTABLE: it reads no table and no session, only the rules built into
-- the library, so the planner folds it into the plan; it names no one's
-- rights.
CREATE FUNCTION runner_policy.access_kind_types(user_admin boolean, user_auditor boolean)
	RETURNS smallint[] LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'rp_access_kind_types';
COMMENT ON FUNCTION runner_policy.access_kind_types(boolean, boolean) IS
	'The runner types on which an active user of that kind (administrator, auditor) may do something by its kind alone.';

CREATE FUNCTION runner_policy.access_kind_actions(user_admin boolean, user_auditor boolean,
		runner_id bigint, runner_type smallint, runner_owner bigint, runner_locked boolean,
		runner_linked bigint[])
	RETURNS SETOF text LANGUAGE c STABLE PARALLEL RESTRICTED ROWS 1
	AS 'MODULE_PATHNAME', 'rp_access_kind_actions';
COMMENT ON FUNCTION runner_policy.access_kind_actions(boolean, boolean, bigint, smallint, bigint, boolean, bigint[]) IS
	'What every active user of that kind may do to the runner (read, update, delete, link) by its kind alone, as the policy core decides: rows of runner_access.';

CREATE OR REPLACE FUNCTION runner_policy.runners_of_user(user_id bigint)
	RETURNS bigint[] LANGUAGE c STABLE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_member_runners_of_user';
COMMENT ON FUNCTION runner_policy.runners_of_user(bigint) IS
	'The group and project runners on which a user may have a right through its memberships (a superset, from the policy core''s sets): the index condition behind runner_access filtered by user.';

CREATE OR REPLACE FUNCTION runner_policy.users_of_runner(runner_id bigint)
	RETURNS bigint[] LANGUAGE c STABLE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_member_users_of_runner';
COMMENT ON FUNCTION runner_policy.users_of_runner(bigint) IS
	'The users who may do something to a runner beyond what their kind gives: the index condition behind runner_access filtered by runner.';

CREATE FUNCTION runner_policy.access_candidate(user_id bigint, user_admin boolean,
		user_auditor boolean, user_state text, runner_id bigint, runner_type smallint,
		runner_owner bigint, runner_locked boolean, runner_linked bigint[])
	RETURNS boolean LANGUAGE c STABLE PARALLEL RESTRICTED
	SUPPORT runner_policy.access_candidate_support
	AS 'MODULE_PATHNAME', 'rp_access_member_candidate';
COMMENT ON FUNCTION runner_policy.access_candidate(bigint, boolean, boolean, text, bigint, smallint, bigint, boolean, bigint[]) IS
	'The user (with its admin and auditor flags and state) may do something to the runner (with its type, owner, locked flag and linked projects) beyond what its kind gives: the join of runner_access.';

CREATE FUNCTION runner_policy.access_actions(user_id bigint, user_admin boolean,
		user_auditor boolean, user_state text, runner_id bigint, runner_type smallint,
		runner_owner bigint, runner_locked boolean, runner_linked bigint[])
	RETURNS text[] LANGUAGE c STABLE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_access_member_actions';
COMMENT ON FUNCTION runner_policy.access_actions(bigint, boolean, boolean, text, bigint, smallint, bigint, boolean, bigint[]) IS
	'What the user may do to the runner (read, update, delete, link) beyond what its kind gives, as the policy core decides: rows of runner_access.';

CREATE OR REPLACE VIEW runner_policy.runner_access WITH (security_barrier = true) AS
SELECT p.runner_id, p.runner_type, p.user_id, p.username, p.action FROM (
	SELECT k.runner_id, k.runner_type, u.id AS user_id, u.username, k.action
	  FROM (SELECT r.id AS runner_id, r.runner_type,
				   runner_policy.access_kind_actions(false, false, r.id, r.runner_type,
						r.sharding_key_id, r.locked, r.linked_project_ids) AS action
			  FROM runner_policy.ci_runners r
			 WHERE r.runner_type OPERATOR(pg_catalog.=)
				   ANY (runner_policy.access_kind_types(false, false))) AS k
	 CROSS JOIN runner_policy.users u
	 WHERE runner_policy.runner_access_allowed()
	   AND u.state OPERATOR(pg_catalog.=) 'active' AND NOT u.admin AND NOT u.auditor
	UNION ALL
	SELECT k.runner_id, k.runner_type, u.id, u.username, k.action
	  FROM runner_policy.users u
	 CROSS JOIN LATERAL (
			SELECT r.id AS runner_id, r.runner_type,
				   runner_policy.access_kind_actions(u.admin, u.auditor, r.id, r.runner_type,
						r.sharding_key_id, r.locked, r.linked_project_ids) AS action
			  FROM runner_policy.ci_runners r
			 WHERE r.runner_type OPERATOR(pg_catalog.=)
				   ANY (runner_policy.access_kind_types(u.admin, u.auditor))) AS k
	 WHERE runner_policy.runner_access_allowed()
	   AND u.state OPERATOR(pg_catalog.=) 'active' AND (u.admin OR u.auditor)
	UNION ALL
	SELECT r.id, r.runner_type, u.id, u.username,
		   pg_catalog.unnest(runner_policy.access_actions(u.id, u.admin, u.auditor, u.state,
				r.id, r.runner_type, r.sharding_key_id, r.locked, r.linked_project_ids))
	  FROM runner_policy.users u
	  JOIN runner_policy.ci_runners r
		ON runner_policy.access_candidate(u.id, u.admin, u.auditor, u.state,
				r.id, r.runner_type, r.sharding_key_id, r.locked, r.linked_project_ids)
	 WHERE runner_policy.runner_access_allowed()
) AS p;

DROP FUNCTION runner_policy.access_candidate(bigint, boolean, boolean, text, bigint, smallint, bigint, boolean);
DROP FUNCTION runner_policy.access_actions(bigint, boolean, boolean, text, bigint, smallint, bigint, boolean);

/* ------------------------------------------------------------------------
 * What a DBA watches
 * ------------------------------------------------------------------------ */

/*
 * stat_backends(): one row per backend that has used the extension since it
 * started: its actor (kind and ids; nothing secret), its decision cache
 * (kept reaches and their memory, reaches worked out, kept reaches used
 * again, announcements of changed rights received).  stat_counters(): the
 * cluster's failed authentications, by the kind of token they claimed, and
 * audit entries written, since the server started.  Both need the library
 * in shared_preload_libraries to see other backends (src/monitor.c);
 * without it they show the calling backend's own figures (scope
 * 'backend').  For superusers and pg_read_all_stats: who acts in which
 * backend is the DBA's business.
 */
CREATE FUNCTION runner_policy.stat_backends(
	OUT pid integer, OUT database text, OUT actor_kind text, OUT actor_user_id bigint,
	OUT actor_token_id bigint, OUT actor_runner_id bigint, OUT kept_reaches integer,
	OUT kept_bytes bigint, OUT rebuilds bigint, OUT reuses bigint, OUT invalidations bigint)
	RETURNS SETOF record LANGUAGE c VOLATILE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_stat_backends';
COMMENT ON FUNCTION runner_policy.stat_backends() IS
	'Each backend that has used the extension: its actor and its decision cache (preloaded; else the calling backend).';
CREATE FUNCTION runner_policy.stat_counters(OUT counter text, OUT value bigint, OUT scope text)
	RETURNS SETOF record LANGUAGE c VOLATILE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_stat_counters';
COMMENT ON FUNCTION runner_policy.stat_counters() IS
	'Failed authentications by token kind, audit entries written, cache figures: for the cluster (preloaded) or this backend.';
CREATE VIEW runner_policy.stat_backends WITH (security_invoker = true) AS
	SELECT * FROM runner_policy.stat_backends();
COMMENT ON VIEW runner_policy.stat_backends IS
	'Each backend that has used the extension: its actor and its decision cache.';
CREATE VIEW runner_policy.stat_counters WITH (security_invoker = true) AS
	SELECT * FROM runner_policy.stat_counters();
COMMENT ON VIEW runner_policy.stat_counters IS
	'Failed authentications by token kind, audit entries written, cache figures, since the server started.';
COMMENT ON COLUMN runner_policy.stat_backends.pid IS 'The backend''s process id.';
COMMENT ON COLUMN runner_policy.stat_backends.database IS 'The database it is connected to.';
COMMENT ON COLUMN runner_policy.stat_backends.actor_kind IS 'The kind of its actor now: user, instance_token, job_token, extended_job_token, runner; NULL with none.';
COMMENT ON COLUMN runner_policy.stat_backends.actor_user_id IS 'The user its actor acts for.';
COMMENT ON COLUMN runner_policy.stat_backends.actor_token_id IS 'The token its actor authenticated with.';
COMMENT ON COLUMN runner_policy.stat_backends.actor_runner_id IS 'The runner its actor is.';
COMMENT ON COLUMN runner_policy.stat_backends.kept_reaches IS 'How many actors'' reaches it keeps (runner_policy.cache_actors bounds it).';
COMMENT ON COLUMN runner_policy.stat_backends.kept_bytes IS 'The memory of those reaches (runner_policy.cache_memory bounds it).';
COMMENT ON COLUMN runner_policy.stat_backends.rebuilds IS 'Reaches it worked out afresh since it started.';
COMMENT ON COLUMN runner_policy.stat_backends.reuses IS 'Kept reaches it used again since it started.';
COMMENT ON COLUMN runner_policy.stat_backends.invalidations IS 'Announcements of changed rights it received since it started.';
COMMENT ON COLUMN runner_policy.stat_counters.counter IS 'What is counted.';
COMMENT ON COLUMN runner_policy.stat_counters.value IS 'How many since the server started (scope cluster) or the backend started (scope backend).';
COMMENT ON COLUMN runner_policy.stat_counters.scope IS 'cluster with the library preloaded; backend without.';
REVOKE ALL ON FUNCTION runner_policy.stat_backends() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.stat_counters() FROM PUBLIC;
GRANT USAGE ON SCHEMA runner_policy TO pg_read_all_stats;
GRANT EXECUTE ON FUNCTION runner_policy.stat_backends(), runner_policy.stat_counters() TO pg_read_all_stats;
GRANT SELECT ON runner_policy.stat_backends, runner_policy.stat_counters TO pg_read_all_stats;

/* ------------------------------------------------------------------------
 * Tables told apart by trigger argument, never by name
 * ------------------------------------------------------------------------ */

DROP TRIGGER ci_runners_actor_write_guard ON runner_policy.ci_runners;
DROP TRIGGER ci_builds_actor_write_guard ON runner_policy.ci_builds;
DROP TRIGGER namespaces_actor_write_guard ON runner_policy.namespaces;
DROP TRIGGER projects_actor_write_guard ON runner_policy.projects;
-- Which columns an actor may change.  The argument says which table it
-- guards (a table is never told by its name, which a shard of a
-- distributed table does not keep).
CREATE TRIGGER ci_runners_actor_write_guard
	BEFORE INSERT OR UPDATE ON runner_policy.ci_runners
	FOR EACH ROW EXECUTE FUNCTION runner_policy.actor_write_guard('runners');
CREATE TRIGGER ci_builds_actor_write_guard
	BEFORE INSERT OR UPDATE ON runner_policy.ci_builds
	FOR EACH ROW EXECUTE FUNCTION runner_policy.actor_write_guard('jobs');
CREATE TRIGGER namespaces_actor_write_guard
	BEFORE UPDATE ON runner_policy.namespaces
	FOR EACH ROW EXECUTE FUNCTION runner_policy.actor_write_guard('namespaces');
CREATE TRIGGER projects_actor_write_guard
	BEFORE UPDATE ON runner_policy.projects
	FOR EACH ROW EXECUTE FUNCTION runner_policy.actor_write_guard('projects');

-- the tokens not yet revoked of jobs: those whose job may stop (on Citus the
-- coordinator revokes them after a statement that writes jobs)
CREATE INDEX tokens_live_job_idx ON runner_policy.tokens (job_id)
	WHERE revoked_at IS NULL AND job_id IS NOT NULL;

/* ------------------------------------------------------------------------
 * Scale-out on Citus
 *
 * doc/citus.md has the design, the README ("Scale-out on Citus") the
 * operator's side.  citus_distribute() is the one set-up step, run once on
 * the coordinator after CREATE EXTENSION citus and CREATE EXTENSION
 * runner_policy: the slow tables become reference tables, the runner tables
 * are distributed by runner id and colocated, the jobs by id, the tokens
 * stay a plain table on the coordinator; every node gets the same cluster key, with
 * which the coordinator signs the actor's assertion (src/citus_assertion.c).
 * The key functions are for superusers; they write a file in the data
 * directory and never show a key but the one they make.
 * ------------------------------------------------------------------------ */

CREATE FUNCTION runner_policy.citus_new_key()
	RETURNS text LANGUAGE c VOLATILE PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'rp_citus_new_key';
COMMENT ON FUNCTION runner_policy.citus_new_key() IS
	'A new runner_policy cluster key (rpk_ and 64 hex digits), for citus_install_key(); superusers only.';
CREATE FUNCTION runner_policy.citus_install_key(key text, replace boolean DEFAULT false)
	RETURNS void LANGUAGE c VOLATILE PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'rp_citus_install_key';
COMMENT ON FUNCTION runner_policy.citus_install_key(text, boolean) IS
	'Writes the cluster key into this node''s data directory; replace => true makes it sign while older keys keep verifying. Superusers only.';
CREATE FUNCTION runner_policy.citus_node_check()
	RETURNS void LANGUAGE c VOLATILE PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'rp_citus_node_check';
COMMENT ON FUNCTION runner_policy.citus_node_check() IS
	'Fails, saying what to fix, unless this node can carry actors on Citus: citus preloaded, runner_policy preloaded after it.';

/*
 * citus_distribute(): run once, on the coordinator, by a superuser.
 * Fails with 55000 and a hint where Citus or a node is not ready, and with
 * the table named where Citus cannot take a table's rows; all of it is one
 * transaction, so a failure leaves the tables as they were (the key files
 * written on the nodes stay, unused).
 */
CREATE FUNCTION runner_policy.citus_distribute()
	RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	SET client_min_messages = warning
	AS $citus_distribute$
DECLARE
	key text;
	failed record;
	tbl text;
	rel pg_catalog.regclass;
	con record;
	acl record;
BEGIN
	IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r
			 WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER) THEN
		RAISE EXCEPTION 'permission denied to distribute the runner_policy tables'
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'Run runner_policy.citus_distribute() as a superuser.';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e
					WHERE e.extname OPERATOR(pg_catalog.=) 'citus') THEN
		RAISE EXCEPTION 'citus_distribute() needs the citus extension in this database'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Put citus first in shared_preload_libraries on every node, then CREATE EXTENSION citus and add the nodes.';
	END IF;
	PERFORM runner_policy.citus_node_check();
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_dist_node n
					WHERE n.groupid OPERATOR(pg_catalog.=) 0) THEN
		RAISE EXCEPTION 'the coordinator is not in the Citus metadata'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'The coordinator keeps a copy of the reference tables and the tokens.',
				  HINT = 'Run citus_distribute() on the coordinator, after SELECT citus_set_coordinator_host(host, port).';
	END IF;
	IF EXISTS (SELECT FROM pg_catalog.pg_dist_local_group g
				WHERE g.groupid OPERATOR(pg_catalog.<>) 0) THEN
		RAISE EXCEPTION 'citus_distribute() runs on the coordinator'
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	IF EXISTS (SELECT FROM pg_catalog.pg_dist_partition p
				 JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) p.logicalrelid
				WHERE c.relnamespace OPERATOR(pg_catalog.=) 'runner_policy'::pg_catalog.regnamespace) THEN
		RAISE EXCEPTION 'the runner_policy tables are already distributed'
			USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;

	-- every worker carries actors: citus, then runner_policy, preloaded
	FOR failed IN
		SELECT r.nodename, r.nodeport, r.result
		  FROM pg_catalog.run_command_on_workers('SELECT runner_policy.citus_node_check()') AS r
		 WHERE NOT r.success
	LOOP
		RAISE EXCEPTION 'Citus node %:% cannot carry actors', failed.nodename, failed.nodeport
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = failed.result,
				  HINT = 'Every node needs shared_preload_libraries = ''citus, runner_policy'' and the runner_policy extension of this version.';
	END LOOP;

	-- the same cluster key on every node (src/citus_assertion.c)
	key := runner_policy.citus_new_key();
	PERFORM runner_policy.citus_install_key(key, true);
	FOR failed IN
		SELECT r.nodename, r.nodeport, r.result
		  FROM pg_catalog.run_command_on_workers(
				pg_catalog.format('SELECT runner_policy.citus_install_key(%L, true)', key)) AS r
		 WHERE NOT r.success
	LOOP
		RAISE EXCEPTION 'could not install the cluster key on Citus node %:%', failed.nodename, failed.nodeport
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = failed.result;
	END LOOP;
	key := NULL;

	/*
	 * Keys Citus cannot keep (doc/citus.md, "Keys and foreign keys"): a
	 * unique constraint must include the distribution column, a primary
	 * key too, and a foreign key from a table to a distributed table must
	 * go between colocated tables on the distribution column; a plain table
	 * cannot reference a Citus table.  Found by what they are, not by name.
	 */
	FOR con IN
		SELECT c.conrelid::pg_catalog.regclass AS rel, c.conname
		  FROM pg_catalog.pg_constraint c
		 WHERE (c.conrelid OPERATOR(pg_catalog.=) 'runner_policy.ci_runners'::pg_catalog.regclass
				AND c.contype OPERATOR(pg_catalog.=) 'u')
			OR (c.conrelid OPERATOR(pg_catalog.=) ANY (ARRAY['runner_policy.ci_runner_projects',
															 'runner_policy.ci_runner_namespaces']::pg_catalog.regclass[])
				AND c.contype OPERATOR(pg_catalog.=) 'p')
			OR (c.conrelid OPERATOR(pg_catalog.=) 'runner_policy.ci_builds'::pg_catalog.regclass
				AND c.contype OPERATOR(pg_catalog.=) 'f'
				AND c.confrelid OPERATOR(pg_catalog.=) 'runner_policy.ci_runners'::pg_catalog.regclass)
			-- the tokens stay a plain table of the coordinator, which
			-- references no Citus table
			OR (c.conrelid OPERATOR(pg_catalog.=) 'runner_policy.tokens'::pg_catalog.regclass
				AND c.contype OPERATOR(pg_catalog.=) 'f')
	LOOP
		EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', con.rel, con.conname);
	END LOOP;
	-- a runner token is found by its digest: an index, no longer unique
	CREATE INDEX ci_runners_token_digest_idx ON runner_policy.ci_runners (token_digest);
	ALTER TABLE runner_policy.ci_runner_projects ADD PRIMARY KEY (runner_id, id);
	ALTER TABLE runner_policy.ci_runner_namespaces ADD PRIMARY KEY (runner_id, id);

	-- triggers on distributed tables are the extension's own, and stay on the shard
	PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);
	/*
	 * The rows move as they are: Citus copies them into the shards on every
	 * node, where the triggers would work on the node's own, empty tables
	 * (and on the coordinator start distributed queries in the middle of the
	 * copy).  Replica mode keeps the guards out of it, here and, sent by
	 * Citus with the copy, on the workers; the rows were checked when they
	 * were written (check_invariants() says whether a legacy load was).
	 */
	PERFORM pg_catalog.set_config('citus.propagate_set_commands', 'local', true);
	SET LOCAL session_replication_role = replica;
	-- the tables are made Citus tables one by one, here: while the members
	-- still reference a users table that is already a reference table,
	-- Citus must not turn them into Citus local tables itself (the
	-- extension has made them on every node already)
	PERFORM pg_catalog.set_config('citus.enable_local_reference_table_foreign_keys', 'off', true);

	FOREACH tbl IN ARRAY ARRAY['users', 'namespaces', 'projects', 'project_members',
							   'group_members', 'ci_job_token_scope_links']
	LOOP
		rel := pg_catalog.format('runner_policy.%I', tbl)::pg_catalog.regclass;
		PERFORM runner_policy.citus_call_on(rel, 'SELECT pg_catalog.create_reference_table(%L)');
	END LOOP;
	PERFORM runner_policy.citus_call_on('runner_policy.ci_runners',
		'SELECT pg_catalog.create_distributed_table(%L, ''id'', colocate_with => ''none'')');
	PERFORM runner_policy.citus_call_on('runner_policy.ci_runner_projects',
		'SELECT pg_catalog.create_distributed_table(%L, ''runner_id'', colocate_with => ''runner_policy.ci_runners'')');
	PERFORM runner_policy.citus_call_on('runner_policy.ci_runner_namespaces',
		'SELECT pg_catalog.create_distributed_table(%L, ''runner_id'', colocate_with => ''runner_policy.ci_runners'')');
	PERFORM runner_policy.citus_call_on('runner_policy.ci_builds',
		'SELECT pg_catalog.create_distributed_table(%L, ''id'', colocate_with => ''none'')');
	PERFORM runner_policy.citus_call_on('runner_policy.ci_runner_deletions',
		'SELECT pg_catalog.create_distributed_table(%L, ''runner_id'', colocate_with => ''runner_policy.ci_runners'')');
	PERFORM runner_policy.citus_call_on('runner_policy.ci_job_deletions',
		'SELECT pg_catalog.create_distributed_table(%L, ''job_id'', colocate_with => ''runner_policy.ci_builds'')');
	PERFORM runner_policy.citus_call_on('runner_policy.citus_audit_nodes',
		'SELECT pg_catalog.create_distributed_table(%L, ''node_key'', colocate_with => ''runner_policy.ci_runners'')');
	-- one row per shard, the lowest value of its range found
	INSERT INTO runner_policy.citus_audit_nodes (node_key)
	SELECT DISTINCT ON (x.shard) x.v
	  FROM (SELECT v, pg_catalog.get_shard_id_for_distribution_column(
					'runner_policy.citus_audit_nodes'::pg_catalog.regclass, v) AS shard
			  FROM pg_catalog.generate_series(0::bigint, 100000::bigint) AS v) AS x
	 ORDER BY x.shard, x.v;
	PERFORM runner_policy.citus_sync_workers();
END
$citus_distribute$;
COMMENT ON FUNCTION runner_policy.citus_distribute() IS
	'Makes the runner_policy tables Citus tables (reference, distributed by runner id, coordinator-local) and installs the cluster key on every node; once, on the coordinator, by a superuser.';

-- one Citus call on one table, failing with the table named
CREATE FUNCTION runner_policy.citus_call_on(rel pg_catalog.regclass, command text)
	RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	AS $citus_call_on$
DECLARE
	msg text;
	detail text;
	hint text;
BEGIN
	EXECUTE pg_catalog.format(command, rel::pg_catalog.text);
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
		hint = PG_EXCEPTION_HINT;
	RAISE EXCEPTION 'cannot make % a Citus table: %', rel, msg
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = pg_catalog.concat_ws(' ', NULLIF(detail, ''), NULLIF(hint, '')),
			  HINT = 'Fix what Citus names, or check the rows with runner_policy.check_invariants(), then run citus_distribute() again.';
END
$citus_call_on$;
COMMENT ON FUNCTION runner_policy.citus_call_on(pg_catalog.regclass, text) IS
	'For citus_distribute(): one Citus call on one table, failing with the table named.';
/*
 * citus_sync_workers(): the privileges the DBA granted on the extension's
 * tables, views and sequences, granted again on every worker, and each
 * worker's sequences moved to its own range of ids.  Citus keeps
 * the shards' privileges with their tables', but not those of an
 * extension's own tables on the workers, which it reads there too (a write
 * of a reference table locks its shards on a worker as the writing role).
 * citus_distribute() runs it; run it again after granting more, and after
 * adding a node.  It only adds privileges: revoke on every node yourself.
 */
CREATE FUNCTION runner_policy.citus_sync_workers()
	RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	AS $citus_sync_workers$
DECLARE
	grants text;
	failed record;
BEGIN
	IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r
			 WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER) THEN
		RAISE EXCEPTION 'permission denied to copy the runner_policy grants to the Citus workers'
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'Run runner_policy.citus_sync_workers() as a superuser.';
	END IF;
	SELECT pg_catalog.string_agg(pg_catalog.format('GRANT %s ON %s %s TO %s%s',
			   a.privilege_type,
			   CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
			   c.oid::pg_catalog.regclass,
			   CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
					ELSE pg_catalog.quote_ident(r.rolname) END,
			   CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END), '; ')
	  INTO grants
	  FROM pg_catalog.pg_class c
	 CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
	  LEFT JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) a.grantee
	 WHERE c.relnamespace OPERATOR(pg_catalog.=) 'runner_policy'::pg_catalog.regnamespace
	   AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'v', 'S']::"char"[])
	   AND a.grantee OPERATOR(pg_catalog.<>) c.relowner
	   AND EXISTS (SELECT FROM pg_catalog.pg_depend d
				   WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
					 AND d.objid OPERATOR(pg_catalog.=) c.oid
					 AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
					 AND d.deptype OPERATOR(pg_catalog.=) 'e');
	/*
	 * Ids made on a worker (the owner link a trigger inserts there) come
	 * from the worker's copy of the sequence: each worker's starts at its
	 * group id times 2^48, as Citus starts the sequences it makes itself,
	 * so that ids are unique in the cluster (the coordinator's, group 0,
	 * stay below 2^48).
	 */
	grants := pg_catalog.concat_ws('; ', grants,
		'DO $ranges$ DECLARE s pg_catalog.regclass; floor bigint; BEGIN'
		' floor := (SELECT g.groupid::bigint FROM pg_catalog.pg_dist_local_group g) OPERATOR(pg_catalog.<<) 48;'
		' FOR s IN SELECT d.objid::pg_catalog.regclass FROM pg_catalog.pg_depend d'
		'  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) d.objid'
		'  WHERE d.classid OPERATOR(pg_catalog.=) ''pg_catalog.pg_class''::pg_catalog.regclass'
		'    AND d.refclassid OPERATOR(pg_catalog.=) ''pg_catalog.pg_extension''::pg_catalog.regclass'
		'    AND d.deptype OPERATOR(pg_catalog.=) ''e'' AND c.relkind OPERATOR(pg_catalog.=) ''S'''
		'    AND c.relnamespace OPERATOR(pg_catalog.=) ''runner_policy''::pg_catalog.regnamespace LOOP'
		'  IF pg_catalog.nextval(s) OPERATOR(pg_catalog.<) floor THEN PERFORM pg_catalog.setval(s, floor); END IF;'
		' END LOOP; END $ranges$');
	FOR failed IN
		SELECT w.nodename, w.nodeport, w.result
		  FROM pg_catalog.run_command_on_workers(
				'SET LOCAL citus.enable_ddl_propagation = off; ' OPERATOR(pg_catalog.||) grants) AS w
		 WHERE NOT w.success
	LOOP
		RAISE EXCEPTION 'could not prepare Citus node %:%', failed.nodename, failed.nodeport
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = failed.result;
	END LOOP;
END
$citus_sync_workers$;
COMMENT ON FUNCTION runner_policy.citus_sync_workers() IS
	'Grants again on every Citus worker what is granted on the extension''s tables, views and sequences here, and gives each worker its own range of ids; superusers only.';

-- a superuser's: they write key files, read the cluster's layout, change tables
REVOKE ALL ON FUNCTION runner_policy.citus_new_key() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.citus_install_key(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.citus_node_check() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.citus_distribute() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.citus_call_on(pg_catalog.regclass, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.citus_sync_workers() FROM PUBLIC;

/*
 * The audit log on Citus (doc/citus.md, "The audit log"): each node keeps
 * the lanes of what it writes (a runner's and its links' entries where the
 * runner's shard is, a reference table's and the tokens' on the
 * coordinator), numbered so that a lane names one chain in the cluster.
 * On the coordinator, verify_audit_log() checks every node's lanes and
 * cluster_audit_log() reads every node's entries.
 *
 * citus_on_workers(command): each worker's answer to a command that
 * returns one json value, as the current role; nothing unless this is the
 * coordinator of a cluster whose runner_policy tables are distributed.  A
 * worker that fails fails the call: a check that skipped a node would say
 * the log is whole when it does not know.
 */
CREATE FUNCTION runner_policy.citus_on_workers(command text)
	RETURNS SETOF json LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
	SET search_path = pg_catalog, pg_temp
	AS $citus_on_workers$
DECLARE
	answer record;
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e
					WHERE e.extname OPERATOR(pg_catalog.=) 'citus') THEN
		RETURN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_dist_partition p
					WHERE p.logicalrelid OPERATOR(pg_catalog.=) 'runner_policy.ci_runners'::pg_catalog.regclass)
	   OR EXISTS (SELECT FROM pg_catalog.pg_dist_local_group g
				   WHERE g.groupid OPERATOR(pg_catalog.<>) 0) THEN
		RETURN;
	END IF;
	FOR answer IN
		SELECT w.nodename, w.nodeport, w.success, w.result
		  FROM pg_catalog.run_command_on_workers(command) AS w
	LOOP
		IF NOT answer.success THEN
			RAISE EXCEPTION 'Citus node %:% did not answer', answer.nodename, answer.nodeport
				USING ERRCODE = 'connection_failure',
					  DETAIL = answer.result;
		END IF;
		RETURN NEXT answer.result::json;
	END LOOP;
END
$citus_on_workers$;
COMMENT ON FUNCTION runner_policy.citus_on_workers(text) IS
	'Internal: each Citus worker''s json answer to a command, on the coordinator; nothing elsewhere.';
REVOKE ALL ON FUNCTION runner_policy.citus_on_workers(text) FROM PUBLIC;

-- verify_audit_log() checks every node of a Citus cluster too
/*
 * One row per broken entry, none when every lane is whole.  Each lane is
 * walked from its anchor (what pruning left; the start of the lane before
 * any) in sequence order: an entry must follow the one before it (the next
 * number, naming its hash) and match its own hash; the last entry must be
 * the lane's head.  Read-only, so it runs on a hot standby; SECURITY
 * DEFINER so that it checks every entry, not those row-level security lets
 * the caller see (it returns positions and problems, no entry's content).
 * On a Citus coordinator it checks every node's lanes.
 */
CREATE OR REPLACE FUNCTION runner_policy.verify_audit_log()
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
	UNION ALL
	-- on a Citus coordinator, every worker's lanes, checked there
	SELECT v.lane, v.lane_seq, v.entry_id, v.problem
	  FROM runner_policy.citus_on_workers(
			'SELECT COALESCE(pg_catalog.json_agg(v), ''[]'') FROM runner_policy.verify_audit_log() v') AS w
	 CROSS JOIN LATERAL pg_catalog.json_to_recordset(w)
		   AS v (lane integer, lane_seq bigint, entry_id bigint, problem text)
	ORDER BY 1, 2, 3
$verify$;
COMMENT ON FUNCTION runner_policy.verify_audit_log() IS
	'One row per broken audit log entry (changed, removed, inserted, reordered); empty when the hash chains are whole.';


/*
 * cluster_audit_log(since, until): the entries written from "since" up to
 * (not including) "until" that the caller may read, on every node of a
 * Citus cluster, in time order; on one node, this node's: what reading
 * audit_log gives there.  The workers' entries are read where they are,
 * by the caller, inside the distributed transaction, so each worker
 * applies audit_log's row-level security for the actor the coordinator's
 * assertion names there: Citus runs node_audit_entries() in the query it
 * sends for each shard of citus_audit_nodes (one row per shard, colocated
 * with the runners, so on every worker that holds runners), and each
 * worker answers once.  Like any read of distributed tables, it needs a
 * transaction block after act_as() or authenticate() (or a superuser).
 */
CREATE TABLE runner_policy.citus_audit_nodes (
	node_key	bigint PRIMARY KEY
);
COMMENT ON TABLE runner_policy.citus_audit_nodes IS
	'On Citus: one row per shard, colocated with ci_runners, through which cluster_audit_log() reads each worker''s audit log; empty on one node.';
COMMENT ON COLUMN runner_policy.citus_audit_nodes.node_key IS
	'A value of the shard''s hash range.';
-- numbers that say nothing about the forge; read by every caller of
-- cluster_audit_log(), so the one table whose policy lets every row through
ALTER TABLE runner_policy.citus_audit_nodes ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.citus_audit_nodes FORCE ROW LEVEL SECURITY;
CREATE POLICY citus_audit_nodes_read ON runner_policy.citus_audit_nodes FOR SELECT USING (true);
GRANT SELECT ON runner_policy.citus_audit_nodes TO PUBLIC;

CREATE FUNCTION runner_policy.node_audit_entries(node_key bigint, since timestamptz,
		until timestamptz)
	RETURNS SETOF runner_policy.audit_log LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	AS $node_audit_entries$
BEGIN
	-- once per worker: for the lowest of its shards of citus_audit_nodes
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e
					WHERE e.extname OPERATOR(pg_catalog.=) 'citus') THEN
		RETURN;
	END IF;
	IF (SELECT g.groupid FROM pg_catalog.pg_dist_local_group g) OPERATOR(pg_catalog.=) 0
	   OR pg_catalog.get_shard_id_for_distribution_column(
			'runner_policy.citus_audit_nodes'::pg_catalog.regclass, node_key)
		  IS DISTINCT FROM
		  (SELECT pg_catalog.min(s.shardid)
			 FROM pg_catalog.pg_dist_shard s
			 JOIN pg_catalog.pg_dist_placement p ON p.shardid OPERATOR(pg_catalog.=) s.shardid
			WHERE s.logicalrelid OPERATOR(pg_catalog.=) 'runner_policy.citus_audit_nodes'::pg_catalog.regclass
			  AND p.groupid OPERATOR(pg_catalog.=) (SELECT g.groupid FROM pg_catalog.pg_dist_local_group g)) THEN
		RETURN;
	END IF;
	RETURN QUERY SELECT l.* FROM runner_policy.audit_log l
				  WHERE l.at OPERATOR(pg_catalog.>=) since AND l.at OPERATOR(pg_catalog.<) until;
END
$node_audit_entries$;
COMMENT ON FUNCTION runner_policy.node_audit_entries(bigint, timestamptz, timestamptz) IS
	'For cluster_audit_log(): on a Citus worker, the entries of its audit log the caller may read, once per worker; nothing elsewhere.';

CREATE FUNCTION runner_policy.cluster_audit_log(since timestamptz,
		until timestamptz DEFAULT 'infinity')
	RETURNS SETOF runner_policy.audit_log LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
	-- PL/pgSQL: Citus plans no SQL function's parameters
AS $cluster_audit_log$
BEGIN
	RETURN QUERY
	SELECT e.* FROM (
		SELECT l.* FROM runner_policy.audit_log l
		 WHERE l.at OPERATOR(pg_catalog.>=) since AND l.at OPERATOR(pg_catalog.<) until
		UNION ALL
		SELECT (x.e).*
		  FROM (SELECT runner_policy.node_audit_entries(n.node_key, since, until) AS e
				  FROM runner_policy.citus_audit_nodes n) AS x
	) AS e
	ORDER BY e.at, e.lane, e.lane_seq;
END
$cluster_audit_log$;
COMMENT ON FUNCTION runner_policy.cluster_audit_log(timestamptz, timestamptz) IS
	'The audit log entries the caller may read, of every Citus node (of this node elsewhere), written in [since, until), in time order.';

/*
 * On Citus two foreign keys of one node cannot be (doc/citus.md, "What a
 * deletion takes along"): a job's runner (the jobs are distributed by
 * their own id, apart from the runners: ON DELETE SET NULL) and a token's
 * job (the tokens are the coordinator's plain table: ON DELETE CASCADE).
 * So what they do at once on one node is done in two steps: the worker
 * that deletes a runner or a job notes its id (in the shard of a notes
 * table colocated with the deleted row's, so that the note commits or
 * rolls back with the deletion), and citus_apply_deletions(), run on the
 * coordinator by the DBA's schedule, does what the keys did and drops the
 * notes.  Its cost is the rows deleted since its last run, never the
 * jobs' history.  On one node the notes stay empty and it finds nothing.
 */
CREATE TABLE runner_policy.ci_runner_deletions (
	runner_id	bigint NOT NULL,
	object_type	text NOT NULL,
	object_id	bigint NOT NULL,
	deleted_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX ci_runner_deletions_runner_idx ON runner_policy.ci_runner_deletions (runner_id);
ALTER TABLE runner_policy.ci_runner_deletions ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.ci_runner_deletions FORCE ROW LEVEL SECURITY;
COMMENT ON TABLE runner_policy.ci_runner_deletions IS
	'On Citus: runners and links deleted, until citus_apply_deletions() runs; written by the extension only, empty on one node.';
COMMENT ON COLUMN runner_policy.ci_runner_deletions.runner_id IS 'The deleted runner, or the runner of the deleted link.';
COMMENT ON COLUMN runner_policy.ci_runner_deletions.object_type IS 'runner, runner_project_link or runner_namespace_link, as the audit log names them.';
COMMENT ON COLUMN runner_policy.ci_runner_deletions.object_id IS 'The deleted row''s id.';
COMMENT ON COLUMN runner_policy.ci_runner_deletions.deleted_at IS 'When its deletion began.';
CREATE TABLE runner_policy.ci_job_deletions (
	job_id		bigint NOT NULL,
	deleted_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX ci_job_deletions_job_idx ON runner_policy.ci_job_deletions (job_id);
ALTER TABLE runner_policy.ci_job_deletions ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.ci_job_deletions FORCE ROW LEVEL SECURITY;
COMMENT ON TABLE runner_policy.ci_job_deletions IS
	'On Citus: jobs deleted whose tokens are still there, until citus_apply_deletions() runs; written by the extension only, empty on one node.';
COMMENT ON COLUMN runner_policy.ci_job_deletions.job_id IS 'The deleted job.';
COMMENT ON COLUMN runner_policy.ci_job_deletions.deleted_at IS 'When its deletion began.';

CREATE FUNCTION runner_policy.citus_note_deletion() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_citus_note_deletion';
COMMENT ON FUNCTION runner_policy.citus_note_deletion() IS
	'Trigger: on a Citus worker, notes a deleted runner or job for citus_apply_deletions(); nothing elsewhere.';
CREATE TRIGGER ci_runners_citus_deleted
	AFTER DELETE ON runner_policy.ci_runners
	FOR EACH ROW EXECUTE FUNCTION runner_policy.citus_note_deletion('runner');
CREATE TRIGGER ci_runner_projects_citus_deleted
	AFTER DELETE ON runner_policy.ci_runner_projects
	FOR EACH ROW EXECUTE FUNCTION runner_policy.citus_note_deletion('runner_project_link');
CREATE TRIGGER ci_runner_namespaces_citus_deleted
	AFTER DELETE ON runner_policy.ci_runner_namespaces
	FOR EACH ROW EXECUTE FUNCTION runner_policy.citus_note_deletion('runner_namespace_link');
CREATE TRIGGER ci_builds_citus_deleted
	AFTER DELETE ON runner_policy.ci_builds
	FOR EACH ROW EXECUTE FUNCTION runner_policy.citus_note_deletion('job');

/*
 * For citus_apply_deletions(): marks the coordinator's audit entries of
 * runners and links deleted on the workers, as a deletion on one node
 * marks them (audit_log.object_deleted).  Only entries written before
 * citus_distribute() are there; the workers mark their own at once.  It
 * marks only objects that no longer exist.
 */
CREATE FUNCTION runner_policy.citus_audit_deleted(object_types text[], object_ids bigint[])
	RETURNS bigint LANGUAGE c VOLATILE PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'rp_citus_audit_deleted';
COMMENT ON FUNCTION runner_policy.citus_audit_deleted(text[], bigint[]) IS
	'For citus_apply_deletions(): marks the audit entries of runners and links that no longer exist as deleted; returns how many entries.';
REVOKE ALL ON FUNCTION runner_policy.citus_audit_deleted(text[], bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.citus_note_deletion() FROM PUBLIC;

CREATE FUNCTION runner_policy.citus_apply_deletions(
		OUT jobs_without_runner bigint, OUT tokens_deleted bigint)
	LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $citus_apply_deletions$
DECLARE
	gone bigint[];
	types text[];
	ids bigint[];
BEGIN
	jobs_without_runner := 0;
	tokens_deleted := 0;
	WITH noted AS (DELETE FROM runner_policy.ci_runner_deletions d
					RETURNING d.object_type, d.object_id)
	SELECT pg_catalog.array_agg(n.object_type), pg_catalog.array_agg(n.object_id)
	  INTO types, ids FROM noted n;
	IF ids IS NOT NULL THEN
		gone := ARRAY(SELECT u.id FROM ROWS FROM (pg_catalog.unnest(types), pg_catalog.unnest(ids)) AS u (t, id)
					   WHERE u.t OPERATOR(pg_catalog.=) 'runner');
		UPDATE runner_policy.ci_builds b SET runner_id = NULL
		 WHERE b.runner_id OPERATOR(pg_catalog.=) ANY (gone);
		GET DIAGNOSTICS jobs_without_runner = ROW_COUNT;
		PERFORM runner_policy.citus_audit_deleted(types, ids);
	END IF;
	WITH noted AS (DELETE FROM runner_policy.ci_job_deletions d RETURNING d.job_id)
	SELECT pg_catalog.array_agg(DISTINCT n.job_id) INTO gone FROM noted n;
	IF gone IS NOT NULL THEN
		DELETE FROM runner_policy.tokens t
		 WHERE t.job_id OPERATOR(pg_catalog.=) ANY (gone);
		GET DIAGNOSTICS tokens_deleted = ROW_COUNT;
	END IF;
END
$citus_apply_deletions$;
COMMENT ON FUNCTION runner_policy.citus_apply_deletions() IS
	'On Citus: what one node''s foreign keys do at once, for the runners and jobs deleted since its last run: their jobs lose the runner, their tokens go. Schedule it on the coordinator (pg_cron, say, every minute).';
REVOKE ALL ON FUNCTION runner_policy.citus_apply_deletions() FROM PUBLIC;

/* ------------------------------------------------------------------------
 * The DDL guard in every replication role, and against DROP OWNED
 *
 * 1.1's event trigger did not fire while session_replication_role was
 * replica (a legacy load sets it), nor for DROP OWNED BY the role that owns
 * the extension: either dropped a forge with its data.  The trigger's tags
 * cannot be altered, so it is made again.
 * ------------------------------------------------------------------------ */

DROP EVENT TRIGGER runner_policy_ddl_guard;
CREATE EVENT TRIGGER runner_policy_ddl_guard ON ddl_command_start
	WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA', 'DROP OWNED', 'ALTER SCHEMA')
	EXECUTE FUNCTION runner_policy.ddl_guard();
ALTER EVENT TRIGGER runner_policy_ddl_guard ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER runner_policy_ddl_guard IS
	'Refuses DDL that would lose the forge''s data or rename the extension''s schema, in every session_replication_role (runner_policy.ddl_guard()).';
COMMENT ON FUNCTION runner_policy.ddl_guard() IS
	'Event trigger: refuses DROP EXTENSION, DROP SCHEMA CASCADE and DROP OWNED that would drop the extension while the tables hold rows, and renames of the schema.';

/* ------------------------------------------------------------------------
 * After a restore: what the audit log says exists, and what it never saw
 * ------------------------------------------------------------------------ */

/*
 * unaudited_objects(): every live row of an audited table that no entry of
 * the audit log names: a row loaded with triggers off (a legacy load), or
 * one made before the log covered its table (runners before 1.1; users,
 * groups, projects and scope links before 1.2), or one whose every entry
 * was pruned.  Rows are named as the log names them: by id, and a
 * membership or scope link by its project or group and the other id in the
 * entry.  "row" is the row as an entry would hold it (no digest).  Read by
 * check_restore() and adopt_unaudited(); SECURITY DEFINER for the same
 * reason as check_invariants().
 */
CREATE FUNCTION runner_policy.unaudited_objects()
	RETURNS TABLE (object_type text, object_id bigint, "row" jsonb, created_at timestamptz)
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $unaudited$
	SELECT 'runner', t.id, pg_catalog.to_jsonb(t) OPERATOR(pg_catalog.-) 'token_digest', t.created_at
	  FROM runner_policy.ci_runners t
	 WHERE NOT EXISTS (SELECT FROM runner_policy.audit_log e
						WHERE e.object_type OPERATOR(pg_catalog.=) 'runner'
						  AND e.object_id OPERATOR(pg_catalog.=) t.id)
	UNION ALL
	SELECT 'runner_project_link', t.id, pg_catalog.to_jsonb(t), t.created_at
	  FROM runner_policy.ci_runner_projects t
	 WHERE NOT EXISTS (SELECT FROM runner_policy.audit_log e
						WHERE e.object_type OPERATOR(pg_catalog.=) 'runner_project_link'
						  AND e.object_id OPERATOR(pg_catalog.=) t.id)
	UNION ALL
	SELECT 'runner_namespace_link', t.id, pg_catalog.to_jsonb(t), t.created_at
	  FROM runner_policy.ci_runner_namespaces t
	 WHERE NOT EXISTS (SELECT FROM runner_policy.audit_log e
						WHERE e.object_type OPERATOR(pg_catalog.=) 'runner_namespace_link'
						  AND e.object_id OPERATOR(pg_catalog.=) t.id)
	UNION ALL
	SELECT 'token', t.id, pg_catalog.to_jsonb(t) OPERATOR(pg_catalog.-) 'digest', t.created_at
	  FROM runner_policy.tokens t
	 WHERE NOT EXISTS (SELECT FROM runner_policy.audit_log e
						WHERE e.object_type OPERATOR(pg_catalog.=) 'token'
						  AND e.object_id OPERATOR(pg_catalog.=) t.id)
	UNION ALL
	SELECT 'user', t.id, pg_catalog.to_jsonb(t), t.created_at
	  FROM runner_policy.users t
	 WHERE NOT EXISTS (SELECT FROM runner_policy.audit_log e
						WHERE e.object_type OPERATOR(pg_catalog.=) 'user'
						  AND e.object_id OPERATOR(pg_catalog.=) t.id)
	UNION ALL
	SELECT 'namespace', t.id, pg_catalog.to_jsonb(t), t.created_at
	  FROM runner_policy.namespaces t
	 WHERE NOT EXISTS (SELECT FROM runner_policy.audit_log e
						WHERE e.object_type OPERATOR(pg_catalog.=) 'namespace'
						  AND e.object_id OPERATOR(pg_catalog.=) t.id)
	UNION ALL
	SELECT 'project', t.id, pg_catalog.to_jsonb(t), t.created_at
	  FROM runner_policy.projects t
	 WHERE NOT EXISTS (SELECT FROM runner_policy.audit_log e
						WHERE e.object_type OPERATOR(pg_catalog.=) 'project'
						  AND e.object_id OPERATOR(pg_catalog.=) t.id)
	UNION ALL
	SELECT 'project_member', t.project_id, pg_catalog.to_jsonb(t), NULL
	  FROM runner_policy.project_members t
	 WHERE NOT EXISTS (SELECT FROM runner_policy.audit_log e
						WHERE e.object_type OPERATOR(pg_catalog.=) 'project_member'
						  AND e.object_id OPERATOR(pg_catalog.=) t.project_id
						  AND COALESCE(e.new, e.old) OPERATOR(pg_catalog.->>) 'user_id'
							  OPERATOR(pg_catalog.=) t.user_id::text)
	UNION ALL
	SELECT 'group_member', t.namespace_id, pg_catalog.to_jsonb(t), NULL
	  FROM runner_policy.group_members t
	 WHERE NOT EXISTS (SELECT FROM runner_policy.audit_log e
						WHERE e.object_type OPERATOR(pg_catalog.=) 'group_member'
						  AND e.object_id OPERATOR(pg_catalog.=) t.namespace_id
						  AND COALESCE(e.new, e.old) OPERATOR(pg_catalog.->>) 'user_id'
							  OPERATOR(pg_catalog.=) t.user_id::text)
	UNION ALL
	SELECT 'scope_link', t.target_project_id, pg_catalog.to_jsonb(t), t.created_at
	  FROM runner_policy.ci_job_token_scope_links t
	 WHERE NOT EXISTS (SELECT FROM runner_policy.audit_log e
						WHERE e.object_type OPERATOR(pg_catalog.=) 'scope_link'
						  AND e.object_id OPERATOR(pg_catalog.=) t.target_project_id
						  AND COALESCE(e.new, e.old) OPERATOR(pg_catalog.->>) 'source_project_id'
							  OPERATOR(pg_catalog.=) t.source_project_id::text)
$unaudited$;
COMMENT ON FUNCTION runner_policy.unaudited_objects() IS
	'Live rows of audited tables that no audit log entry names (legacy loads, rows older than the log''s coverage, pruned history).';

/*
 * check_restore(): one row per sign that a restore lost rows; none when the
 * tables and the audit log agree.  A restore that fails part-way (pg_restore
 * -j, a --inserts dump replayed without ON_ERROR_STOP) leaves tables empty
 * while the log, restored in full, still names their rows, or the reverse:
 *
 *   missing    an object whose entries say it exists (its last membership
 *              or scope link entry is no removal, and no delete marked its
 *              entries) has no row;
 *   unaudited  a live row the log never saw, made after the log's oldest
 *              remaining history (made after the newest prune ran): the log was
 *              lost, or the row was loaded with triggers off.  Rows older
 *              than the log's coverage are adopted once with
 *              adopt_unaudited();
 *   jobs       ci_builds, which the log does not cover (a forge makes jobs
 *              all the time), is empty while its sequence has handed out
 *              ids.
 *
 * Reads the whole log: a check for after a restore, not for every day.
 */
CREATE FUNCTION runner_policy.check_restore()
	RETURNS TABLE (problem text, object_type text, object_id bigint, detail text)
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS $check$
	WITH last_entry AS (
		-- each object's newest entry; memberships and scope links by pair
		SELECT DISTINCT ON (e.object_type, e.object_id, e.other)
			   e.object_type, e.object_id, e.other, e.action, e.object_deleted
		  FROM (SELECT x.id, x.object_type, x.object_id, x.action, x.object_deleted,
					   CASE x.object_type
							WHEN 'project_member' THEN COALESCE(x.new, x.old) OPERATOR(pg_catalog.->>) 'user_id'
							WHEN 'group_member' THEN COALESCE(x.new, x.old) OPERATOR(pg_catalog.->>) 'user_id'
							WHEN 'scope_link' THEN COALESCE(x.new, x.old) OPERATOR(pg_catalog.->>) 'source_project_id'
					   END AS other
				  FROM runner_policy.audit_log x
				 WHERE x.object_id IS NOT NULL
				   AND x.object_type OPERATOR(pg_catalog.=) ANY (ARRAY[
						'runner', 'runner_project_link', 'runner_namespace_link', 'token',
						'user', 'namespace', 'project', 'project_member', 'group_member',
						'scope_link'])) e
		 ORDER BY e.object_type, e.object_id, e.other, e.id DESC
	), cut_off AS (
		SELECT max(p.at) AS at
		  FROM runner_policy.audit_log p
		 WHERE p.object_type OPERATOR(pg_catalog.=) 'audit_log'
		   AND p.action OPERATOR(pg_catalog.=) 'prune'
	), jobs AS (
		SELECT s.last_value
		  FROM pg_catalog.pg_sequences s
		 WHERE s.schemaname OPERATOR(pg_catalog.=) 'runner_policy'
		   AND s.sequencename OPERATOR(pg_catalog.=) 'ci_builds_id_seq'
	)
	SELECT 'missing', l.object_type, l.object_id,
		   pg_catalog.format('the audit log says %s %s exists (its last entry: %s), but it has no row',
							 pg_catalog.replace(l.object_type, '_', ' '),
							 l.object_id OPERATOR(pg_catalog.||) COALESCE(' / ' OPERATOR(pg_catalog.||) l.other, ''),
							 l.action)
	  FROM last_entry l
	 WHERE NOT l.object_deleted
	   AND l.action OPERATOR(pg_catalog.<>) ALL (ARRAY['delete', 'unlink', 'remove_member'])
	   AND NOT CASE l.object_type
			WHEN 'runner' THEN EXISTS (SELECT FROM runner_policy.ci_runners t WHERE t.id OPERATOR(pg_catalog.=) l.object_id)
			WHEN 'runner_project_link' THEN EXISTS (SELECT FROM runner_policy.ci_runner_projects t WHERE t.id OPERATOR(pg_catalog.=) l.object_id)
			WHEN 'runner_namespace_link' THEN EXISTS (SELECT FROM runner_policy.ci_runner_namespaces t WHERE t.id OPERATOR(pg_catalog.=) l.object_id)
			WHEN 'token' THEN EXISTS (SELECT FROM runner_policy.tokens t WHERE t.id OPERATOR(pg_catalog.=) l.object_id)
			WHEN 'user' THEN EXISTS (SELECT FROM runner_policy.users t WHERE t.id OPERATOR(pg_catalog.=) l.object_id)
			WHEN 'namespace' THEN EXISTS (SELECT FROM runner_policy.namespaces t WHERE t.id OPERATOR(pg_catalog.=) l.object_id)
			WHEN 'project' THEN EXISTS (SELECT FROM runner_policy.projects t WHERE t.id OPERATOR(pg_catalog.=) l.object_id)
			WHEN 'project_member' THEN EXISTS (SELECT FROM runner_policy.project_members t
												WHERE t.project_id OPERATOR(pg_catalog.=) l.object_id
												  AND t.user_id::text OPERATOR(pg_catalog.=) l.other)
			WHEN 'group_member' THEN EXISTS (SELECT FROM runner_policy.group_members t
											  WHERE t.namespace_id OPERATOR(pg_catalog.=) l.object_id
												AND t.user_id::text OPERATOR(pg_catalog.=) l.other)
			WHEN 'scope_link' THEN EXISTS (SELECT FROM runner_policy.ci_job_token_scope_links t
											WHERE t.target_project_id OPERATOR(pg_catalog.=) l.object_id
											  AND t.source_project_id::text OPERATOR(pg_catalog.=) l.other)
		   END
	UNION ALL
	SELECT 'unaudited', u.object_type, u.object_id,
		   pg_catalog.format('%s %s has a row, but no audit log entry names it%s',
							 pg_catalog.replace(u.object_type, '_', ' '), u.object_id,
							 CASE WHEN u.created_at IS NOT NULL
								  THEN pg_catalog.format(' (made %s)', u.created_at) ELSE '' END)
	  FROM runner_policy.unaudited_objects() u, cut_off c
	 WHERE c.at IS NULL OR u.created_at OPERATOR(pg_catalog.>=) c.at
	UNION ALL
	SELECT 'jobs', 'job', NULL,
		   pg_catalog.format('ci_builds has no rows, but its sequence has handed out ids up to %s', j.last_value)
	  FROM jobs j
	 WHERE j.last_value IS NOT NULL
	   AND NOT EXISTS (SELECT FROM runner_policy.ci_builds)
	ORDER BY 1, 2, 3
$check$;
COMMENT ON FUNCTION runner_policy.check_restore() IS
	'After a restore: objects the audit log says exist that have no row, live rows it never saw, an emptied job table; no rows when they agree.';

/*
 * adopt_unaudited(): writes one "adopt" entry for each row
 * unaudited_objects() lists, as its "new" row, so that the log covers it
 * from then on; returns how many.  Once after upgrading a forge whose rows
 * predate the log's coverage, or after a legacy load with triggers off
 * (after backfill_owners()).  In C: only the extension writes the log.
 */
CREATE FUNCTION runner_policy.adopt_unaudited()
	RETURNS bigint LANGUAGE c VOLATILE
	AS 'MODULE_PATHNAME', 'rp_adopt_unaudited';
COMMENT ON FUNCTION runner_policy.adopt_unaudited() IS
	'Writes an adopt entry for every live row no audit log entry names; returns how many.';

/*
 * Appends one adopt entry; refused unless adopt_unaudited()'s own statement
 * is running (src/audit.c).
 */
CREATE FUNCTION runner_policy.audit_adopt_entry(object_type text, object_id bigint, "row" jsonb)
	RETURNS boolean LANGUAGE c VOLATILE
	AS 'MODULE_PATHNAME', 'rp_audit_adopt_entry';
COMMENT ON FUNCTION runner_policy.audit_adopt_entry(text, bigint, jsonb) IS
	'Internal: one entry of adopt_unaudited(); refused anywhere else.';

REVOKE ALL ON FUNCTION runner_policy.unaudited_objects() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.audit_adopt_entry(text, bigint, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.check_restore() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.adopt_unaudited() FROM PUBLIC;

-- audit_append_only() tells the audit log from its lanes by its trigger's
-- argument, not by the table's name (a shard's name is another).
DROP TRIGGER audit_log_append_only ON runner_policy.audit_log;
CREATE TRIGGER audit_log_append_only
	BEFORE UPDATE OR DELETE OR TRUNCATE ON runner_policy.audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.audit_append_only('log');
DROP TRIGGER audit_lanes_append_only ON runner_policy.audit_lanes;
CREATE TRIGGER audit_lanes_append_only
	BEFORE UPDATE OR DELETE OR TRUNCATE ON runner_policy.audit_lanes
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.audit_append_only('lanes');

-- the tokens' keys to users, on Citus (src/token.c)
CREATE FUNCTION runner_policy.citus_user_tokens() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_citus_user_tokens';
COMMENT ON FUNCTION runner_policy.citus_user_tokens() IS
	'Trigger: on a Citus coordinator, what the tokens'' foreign keys to users do on one node (tokens of a deleted user go, its issued tokens forget it); nothing elsewhere.';

-- On Citus the tokens may not reference the users (a reference table):
-- the coordinator's copy does what the keys did (src/token.c).  Nothing
-- on one node, where the keys are there.
CREATE TRIGGER users_tokens_on_citus
	AFTER DELETE ON runner_policy.users
	FOR EACH ROW EXECUTE FUNCTION runner_policy.citus_user_tokens();
REVOKE ALL ON FUNCTION runner_policy.citus_user_tokens() FROM PUBLIC;
