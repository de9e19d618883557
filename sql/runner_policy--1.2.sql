/* sql/runner_policy--1.2.sql: the whole definition of runner_policy, release 1.2 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION runner_policy" to load this file. \quit

/*
 * CREATE EXTENSION runner_policy VERSION '1.2' runs this script alone: every
 * object of the release, defined once, in the order one reads them.  A
 * database made at an older version reaches the same definition through the
 * upgrade scripts (runner_policy--1.0--1.1.sql, runner_policy--1.1--1.2.sql),
 * which keep its rows and the grants its DBA gave; test/upgrade checks that
 * every path leaves the catalog this script leaves.
 *
 * Every object below is schema-qualified and every operator resolves in
 * pg_catalog: the script must mean the same thing whatever search_path the
 * installing superuser has (see "Security Considerations for Extension
 * Scripts" in the PostgreSQL manual).  The SQL functions that run as their
 * owner pin search_path = pg_catalog, pg_temp.
 *
 * Who may touch what is the DBA's to grant (README, "Roles"): nothing here is
 * granted to PUBLIC but EXECUTE on the functions that are safe for anyone,
 * because they answer only for the session's own actor or check it first.
 * "Privileges", near the end, revokes everything else.
 *
 * Everything has a catalog comment, for \d+ and the DBA who reads it there;
 * test/sql/ops_comments.sql lists objects without one and expects none.
 *
 * The sections:
 *   1. the schema
 *   2. tables: people and places, runners and their links, jobs and
 *      tokens, the audit log
 *   3. functions: actors, tokens, the policy core, the runner queue,
 *      access explanations, repairs, the audit log, the version
 *   4. triggers: ownership invariants, what an actor may write, changes
 *      of rights announced, the audit log, the DDL guard
 *   5. row-level security on every table
 *   6. views
 *   7. privileges
 *   8. pg_dump, backup and restore
 */

/* ========================================================================
 * 1. The schema
 * ======================================================================== */

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
 * anything that is not ours was not made for us either.  Checked before
 * anything is created in it.
 */
DO $own_schema$
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
$own_schema$;

COMMENT ON SCHEMA runner_policy IS
	'CI runner ownership, visibility and job token scopes, enforced by the database (extension runner_policy).';

/* ========================================================================
 * 2. Tables
 *
 * The forge's data: pg_dump dumps their rows (section 8).  Every table has
 * row-level security (section 5) and C triggers (section 4).
 * ======================================================================== */

/* ------------------------------------------------------------------------
 * People and places
 * ------------------------------------------------------------------------ */

CREATE TABLE runner_policy.users (
	id			bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	username	text NOT NULL UNIQUE,
	admin		boolean NOT NULL DEFAULT false,
	auditor		boolean NOT NULL DEFAULT false,
	state		text NOT NULL DEFAULT 'active'
		CONSTRAINT users_state_check
		CHECK (state OPERATOR(pg_catalog.=) ANY (ARRAY['active', 'blocked'])),
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
-- the administrators and auditors, candidates for every runner in
-- runner_access
CREATE INDEX users_admin_auditor_idx ON runner_policy.users (id)
	WHERE admin OR auditor;
COMMENT ON TABLE runner_policy.users IS
	'Forge users; admin and auditor see every runner, blocked users act as nobody.';
COMMENT ON COLUMN runner_policy.users.id IS 'User id; the actor of act_as().';
COMMENT ON COLUMN runner_policy.users.username IS 'Unique login name.';
COMMENT ON COLUMN runner_policy.users.admin IS 'An administrator reads and manages every runner.';
COMMENT ON COLUMN runner_policy.users.auditor IS 'An auditor reads every runner and changes none.';
COMMENT ON COLUMN runner_policy.users.state IS 'active or blocked; a blocked user acts as nobody.';
COMMENT ON COLUMN runner_policy.users.created_at IS 'When the user was created.';

/*
 * Groups nest through parent_id.  traversal_ids is the path from the root
 * group down to this one (ancestors first, the group itself last); the
 * extension writes it on every insert and move, so "is A an ancestor of B" is
 * one array probe instead of a recursive query.
 */
CREATE TABLE runner_policy.namespaces (
	id				bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	parent_id		bigint REFERENCES runner_policy.namespaces (id) ON DELETE CASCADE,
	name			text NOT NULL,
	visibility		text NOT NULL DEFAULT 'private'
		CONSTRAINT namespaces_visibility_check
		CHECK (visibility OPERATOR(pg_catalog.=) ANY (ARRAY['private', 'internal', 'public'])),
	traversal_ids	bigint[] NOT NULL,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX namespaces_parent_id_idx ON runner_policy.namespaces (parent_id);
-- "every namespace under G": traversal_ids @> ARRAY[G]
CREATE INDEX namespaces_traversal_ids_idx ON runner_policy.namespaces
	USING gin (traversal_ids);
COMMENT ON TABLE runner_policy.namespaces IS
	'Groups, nested through parent_id; runners of a group are reached by its subgroups and projects.';
COMMENT ON COLUMN runner_policy.namespaces.id IS 'Namespace (group) id.';
COMMENT ON COLUMN runner_policy.namespaces.parent_id IS 'The parent group, NULL for a top-level group; deleting a group deletes its subgroups.';
COMMENT ON COLUMN runner_policy.namespaces.name IS 'Display name of the group.';
COMMENT ON COLUMN runner_policy.namespaces.visibility IS 'private, internal or public.';
COMMENT ON COLUMN runner_policy.namespaces.traversal_ids IS
	'Ids from the root group down to this one; maintained by the extension, writes to it are recomputed.';
COMMENT ON COLUMN runner_policy.namespaces.created_at IS 'When the group was created.';

CREATE TABLE runner_policy.projects (
	id						bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	namespace_id			bigint NOT NULL
		REFERENCES runner_policy.namespaces (id) ON DELETE CASCADE,
	name					text NOT NULL,
	visibility				text NOT NULL DEFAULT 'private'
		CONSTRAINT projects_visibility_check
		CHECK (visibility OPERATOR(pg_catalog.=) ANY (ARRAY['private', 'internal', 'public'])),
	shared_runners_enabled	boolean NOT NULL DEFAULT true,
	created_at				timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX projects_namespace_id_idx ON runner_policy.projects (namespace_id);
COMMENT ON TABLE runner_policy.projects IS
	'Projects, each in one namespace; a project runner belongs to one project.';
COMMENT ON COLUMN runner_policy.projects.id IS 'Project id.';
COMMENT ON COLUMN runner_policy.projects.namespace_id IS 'The group the project is in.';
COMMENT ON COLUMN runner_policy.projects.name IS 'Display name of the project.';
COMMENT ON COLUMN runner_policy.projects.visibility IS 'private, internal or public.';
COMMENT ON COLUMN runner_policy.projects.shared_runners_enabled IS 'Whether instance runners may run the project''s jobs.';
COMMENT ON COLUMN runner_policy.projects.created_at IS 'When the project was created.';

/*
 * Access levels: 10 guest, 20 reporter, 30 developer, 40 maintainer, 50 owner.
 * They are checked by a trigger rather than a CHECK constraint so that a bad
 * level is reported as invalid_parameter_value (22023), the code of every
 * malformed input, with the list of valid levels, rather than as a broken
 * constraint.
 */
CREATE TABLE runner_policy.project_members (
	project_id		bigint NOT NULL
		REFERENCES runner_policy.projects (id) ON DELETE CASCADE,
	user_id			bigint NOT NULL
		REFERENCES runner_policy.users (id) ON DELETE CASCADE,
	access_level	integer NOT NULL,
	PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user_id_idx ON runner_policy.project_members (user_id);
COMMENT ON TABLE runner_policy.project_members IS
	'Members of a project and their access level (10 guest to 50 owner).';
COMMENT ON COLUMN runner_policy.project_members.project_id IS 'The project.';
COMMENT ON COLUMN runner_policy.project_members.user_id IS 'The member.';
COMMENT ON COLUMN runner_policy.project_members.access_level IS '10 guest, 20 reporter, 30 developer, 40 maintainer, 50 owner.';

CREATE TABLE runner_policy.group_members (
	namespace_id	bigint NOT NULL
		REFERENCES runner_policy.namespaces (id) ON DELETE CASCADE,
	user_id			bigint NOT NULL
		REFERENCES runner_policy.users (id) ON DELETE CASCADE,
	access_level	integer NOT NULL,
	PRIMARY KEY (namespace_id, user_id)
);
CREATE INDEX group_members_user_id_idx ON runner_policy.group_members (user_id);
COMMENT ON TABLE runner_policy.group_members IS
	'Members of a group and their access level (10 guest to 50 owner); inherited by subgroups and their projects.';
COMMENT ON COLUMN runner_policy.group_members.namespace_id IS 'The group.';
COMMENT ON COLUMN runner_policy.group_members.user_id IS 'The member.';
COMMENT ON COLUMN runner_policy.group_members.access_level IS '10 guest, 20 reporter, 30 developer, 40 maintainer, 50 owner.';

/* ------------------------------------------------------------------------
 * Runners and their links
 * ------------------------------------------------------------------------ */

/*
 * runner_type: 1 instance_type, 2 group_type, 3 project_type.
 * sharding_key_id: the owner project (project_type), the owner namespace
 * (group_type), NULL (instance_type).  It cannot be a foreign key because
 * its target table depends on runner_type; the triggers of section 4 and
 * check_invariants() stand in for one.
 */
CREATE TABLE runner_policy.ci_runners (
	id				bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	runner_type		smallint NOT NULL
		CONSTRAINT ci_runners_runner_type_check
		CHECK (runner_type OPERATOR(pg_catalog.=) ANY (ARRAY[1, 2, 3]::smallint[])),
	sharding_key_id	bigint,
	description		text,
	tag_list		text[] NOT NULL DEFAULT '{}',
	paused			boolean NOT NULL DEFAULT false,
	locked			boolean NOT NULL DEFAULT false,
	contacted_at	timestamptz,
	created_by_id	bigint REFERENCES runner_policy.users (id) ON DELETE SET NULL,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	token_digest	bytea UNIQUE,	-- SHA-256 of the runner token, never the token
	-- the projects a project runner is linked to, its owner among them:
	-- a copy of its ci_runner_projects rows, kept by the extension, so
	-- that who may read the runner is decided from the row itself
	linked_project_ids	bigint[] NOT NULL DEFAULT '{}'
);
-- "the runners that project P (or namespace N) owns", used on every delete
CREATE INDEX ci_runners_owner_idx ON runner_policy.ci_runners (runner_type, sharding_key_id);
CREATE INDEX ci_runners_created_by_id_idx ON runner_policy.ci_runners (created_by_id);
-- "the runners linked to a project I maintain": linked_project_ids && ARRAY[...]
CREATE INDEX ci_runners_linked_project_ids_idx ON runner_policy.ci_runners
	USING gin (linked_project_ids);
COMMENT ON TABLE runner_policy.ci_runners IS
	'CI runners: instance (type 1), group (type 2, owned by a namespace) or project (type 3, owned by a project).';
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
COMMENT ON COLUMN runner_policy.ci_runners.linked_project_ids IS
	'The projects a project runner is linked to (its owner first among them), kept by the extension from ci_runner_projects; writes to it are ignored.';

-- Which projects may use a project runner; the owner project's row is made
-- by the extension when the runner is registered.
CREATE TABLE runner_policy.ci_runner_projects (
	id			bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	runner_id	bigint NOT NULL
		REFERENCES runner_policy.ci_runners (id) ON DELETE CASCADE,
	project_id	bigint NOT NULL
		REFERENCES runner_policy.projects (id) ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT ci_runner_projects_runner_project_key UNIQUE (runner_id, project_id),
	-- the runner's owner project, copied by the extension, so that who may
	-- read or remove the link is decided from the row itself
	owner_project_id	bigint
);
CREATE INDEX ci_runner_projects_project_id_idx ON runner_policy.ci_runner_projects (project_id);
CREATE INDEX ci_runner_projects_owner_project_id_idx ON runner_policy.ci_runner_projects (owner_project_id);
COMMENT ON TABLE runner_policy.ci_runner_projects IS
	'Projects a project runner may serve; the owner project''s link is made by the extension and cannot be removed.';
COMMENT ON COLUMN runner_policy.ci_runner_projects.id IS 'Link id.';
COMMENT ON COLUMN runner_policy.ci_runner_projects.runner_id IS 'A project runner.';
COMMENT ON COLUMN runner_policy.ci_runner_projects.project_id IS 'A project the runner may serve.';
COMMENT ON COLUMN runner_policy.ci_runner_projects.created_at IS 'When the link was made.';
COMMENT ON COLUMN runner_policy.ci_runner_projects.owner_project_id IS
	'The runner''s owner project, copied by the extension when the link is made; writes to it are ignored.';

-- The one namespace of a group runner, made by the extension with the runner.
CREATE TABLE runner_policy.ci_runner_namespaces (
	id				bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	runner_id		bigint NOT NULL
		REFERENCES runner_policy.ci_runners (id) ON DELETE CASCADE,
	namespace_id	bigint NOT NULL
		REFERENCES runner_policy.namespaces (id) ON DELETE CASCADE,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT ci_runner_namespaces_runner_key UNIQUE (runner_id)
);
CREATE INDEX ci_runner_namespaces_namespace_id_idx ON runner_policy.ci_runner_namespaces (namespace_id);
COMMENT ON TABLE runner_policy.ci_runner_namespaces IS
	'The one namespace of a group runner, made by the extension with the runner.';
COMMENT ON COLUMN runner_policy.ci_runner_namespaces.id IS 'Link id.';
COMMENT ON COLUMN runner_policy.ci_runner_namespaces.runner_id IS 'A group runner.';
COMMENT ON COLUMN runner_policy.ci_runner_namespaces.namespace_id IS 'The group that owns the runner.';
COMMENT ON COLUMN runner_policy.ci_runner_namespaces.created_at IS 'When the link was made.';

/* ------------------------------------------------------------------------
 * Jobs and tokens
 * ------------------------------------------------------------------------ */

-- A job belongs to its project (it goes with it); the runner that ran it may
-- go first, and the job keeps its history with runner_id NULL.
CREATE TABLE runner_policy.ci_builds (
	id			bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	project_id	bigint NOT NULL
		REFERENCES runner_policy.projects (id) ON DELETE CASCADE,
	runner_id	bigint REFERENCES runner_policy.ci_runners (id) ON DELETE SET NULL,
	user_id		bigint REFERENCES runner_policy.users (id) ON DELETE SET NULL,
	status		text NOT NULL DEFAULT 'created'
		CONSTRAINT ci_builds_status_check
		CHECK (status OPERATOR(pg_catalog.=) ANY
			   (ARRAY['created', 'pending', 'running', 'success', 'failed', 'canceled'])),
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	started_at	timestamptz,
	finished_at	timestamptz
);
CREATE INDEX ci_builds_project_id_status_idx ON runner_policy.ci_builds (project_id, status);
CREATE INDEX ci_builds_runner_id_status_idx ON runner_policy.ci_builds (runner_id, status);
CREATE INDEX ci_builds_user_id_idx ON runner_policy.ci_builds (user_id);
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
/*
 * A runner taking a job asks for "status = 'pending' AND runner_id IS NULL",
 * and the policies' pickup arms say it again; estimated as independent
 * columns, and then once more for the repeat, the planner would expect one
 * row and sort every pending job.  The combination is a few percent of
 * the jobs, and a most-common-values list over the two columns says so.
 */
CREATE STATISTICS runner_policy.ci_builds_status_runner_stats (mcv)
	ON status, runner_id FROM runner_policy.ci_builds;
COMMENT ON TABLE runner_policy.ci_builds IS
	'CI jobs of a project; a running job can be given a job token.';
COMMENT ON COLUMN runner_policy.ci_builds.id IS 'Job id.';
COMMENT ON COLUMN runner_policy.ci_builds.project_id IS 'The project the job belongs to; the job goes with it.';
COMMENT ON COLUMN runner_policy.ci_builds.runner_id IS 'The runner that took the job, NULL before that or once the runner is deleted.';
COMMENT ON COLUMN runner_policy.ci_builds.user_id IS 'The user the job runs for; its job token acts for that user.';
COMMENT ON COLUMN runner_policy.ci_builds.status IS 'created, pending, running, success, failed or canceled; only a running job has a valid job token.';
COMMENT ON COLUMN runner_policy.ci_builds.created_at IS 'When the job was created.';
COMMENT ON COLUMN runner_policy.ci_builds.started_at IS 'When the job started running.';
COMMENT ON COLUMN runner_policy.ci_builds.finished_at IS 'When the job finished.';

-- target_project_id lets job tokens of source_project_id in.
CREATE TABLE runner_policy.ci_job_token_scope_links (
	source_project_id	bigint NOT NULL
		REFERENCES runner_policy.projects (id) ON DELETE CASCADE,
	target_project_id	bigint NOT NULL
		REFERENCES runner_policy.projects (id) ON DELETE CASCADE,
	created_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (source_project_id, target_project_id)
);
CREATE INDEX ci_job_token_scope_links_target_idx
	ON runner_policy.ci_job_token_scope_links (target_project_id);
COMMENT ON TABLE runner_policy.ci_job_token_scope_links IS
	'Allowlist of job tokens: jobs of source_project_id may reach target_project_id.';
COMMENT ON COLUMN runner_policy.ci_job_token_scope_links.source_project_id IS 'The project whose job tokens are let in.';
COMMENT ON COLUMN runner_policy.ci_job_token_scope_links.target_project_id IS 'The project that lets them in.';
COMMENT ON COLUMN runner_policy.ci_job_token_scope_links.created_at IS 'When the link was made.';

-- Issued tokens, by digest only (the plaintext is returned once and never
-- stored).  Runner tokens live in ci_runners.token_digest.
CREATE TABLE runner_policy.tokens (
	id				bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	kind			text NOT NULL
		CONSTRAINT tokens_kind_check
		CHECK (kind OPERATOR(pg_catalog.=) ANY
			   (ARRAY['instance_token', 'job_token', 'extended_job_token'])),
	digest			bytea NOT NULL UNIQUE,
	user_id			bigint REFERENCES runner_policy.users (id) ON DELETE CASCADE,
	job_id			bigint REFERENCES runner_policy.ci_builds (id) ON DELETE CASCADE,
	scopes			text[] NOT NULL DEFAULT '{}',
	description		text,
	created_by_id	bigint REFERENCES runner_policy.users (id) ON DELETE SET NULL,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	expires_at		timestamptz,
	revoked_at		timestamptz,
	last_used_at	timestamptz
);
CREATE INDEX tokens_user_id_idx ON runner_policy.tokens (user_id);
CREATE INDEX tokens_job_id_idx ON runner_policy.tokens (job_id);
CREATE INDEX tokens_created_by_id_idx ON runner_policy.tokens (created_by_id);
-- the tokens not yet revoked of jobs: those whose job may stop (on Citus the
-- coordinator revokes them after a statement that writes jobs)
CREATE INDEX tokens_live_job_idx ON runner_policy.tokens (job_id)
	WHERE revoked_at IS NULL AND job_id IS NOT NULL;
COMMENT ON TABLE runner_policy.tokens IS
	'Issued instance and job tokens, stored as SHA-256 digests only; the plaintext is returned once.';
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

/* ------------------------------------------------------------------------
 * The audit log
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
 * and the anchor left by pruning live in audit_lanes.  verify_audit_log()
 * walks each lane from its anchor to its head and recomputes every hash.
 *
 * Append-only for every role: nobody is granted UPDATE or DELETE, row-level
 * security lets nobody write by hand, and a statement trigger refuses
 * UPDATE, DELETE and TRUNCATE even to the owner and superusers.  Only
 * prune_audit_log() deletes, and it leaves an anchor.  A superuser who turns
 * triggers off can still write; verify_audit_log() finds what changed.
 *
 * Entries of deleted objects.  When a runner, link, token, user, group or
 * project is deleted, its entries are marked object_deleted (one indexed
 * UPDATE of that object's entries, by audit_log_object_idx), and from then
 * on only admins and auditors read them: the read policy decides from the
 * entry's own columns, with no query per row.  The mark is the one thing
 * the extension changes in an entry; it is outside the hash, so the entry
 * still verifies.
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
	-- set by the extension when the object is deleted; not hashed
	object_deleted	boolean NOT NULL DEFAULT false,
	CONSTRAINT audit_log_lane_seq_key UNIQUE (lane, lane_seq)
);
CREATE INDEX audit_log_object_idx ON runner_policy.audit_log (object_type, object_id);
COMMENT ON TABLE runner_policy.audit_log IS
	'Append-only, hash-chained record of every runner, link, membership and token change and of every change of rights; never a token or digest.';
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
	'What happened: register, create, update, reset_token, backfill_owner, delete, link, unlink, add_member, change_member, remove_member, issue, revoke, grant_admin, revoke_admin, grant_auditor, revoke_auditor, block, unblock, move, set_visibility, enable_shared_runners, disable_shared_runners, truncate, prune.';
COMMENT ON COLUMN runner_policy.audit_log.object_type IS
	'What it happened to: runner, runner_project_link, runner_namespace_link, project_member, group_member, token, user, namespace, project, scope_link, audit_log.';
COMMENT ON COLUMN runner_policy.audit_log.object_id IS
	'The rows id; for a membership the projects or groups id, for a job token scope link its target project.';
COMMENT ON COLUMN runner_policy.audit_log.old IS
	'The row before the change, as jsonb, without token digests; NULL for an insert.';
COMMENT ON COLUMN runner_policy.audit_log.new IS
	'The row after the change, as jsonb, without token digests; NULL for a delete.';
COMMENT ON COLUMN runner_policy.audit_log.lane IS
	'The hash chain the entry belongs to; a transaction writes all its entries into one lane.';
COMMENT ON COLUMN runner_policy.audit_log.lane_seq IS
	'The entrys position in its lane.';
COMMENT ON COLUMN runner_policy.audit_log.prev_hash IS
	'The hash of the entry before it in its lane (or the lanes anchor).';
COMMENT ON COLUMN runner_policy.audit_log.hash IS
	'SHA-256 of prev_hash and the entrys fields: runner_policy.audit_entry_hash().';
COMMENT ON COLUMN runner_policy.audit_log.object_deleted IS
	'The object the entry is about was deleted: only admins and auditors read the entry.  Set by the extension only; not part of the hash.';

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

/* ========================================================================
 * 3. Functions
 *
 * Most are C (MODULE_PATHNAME).  Their queries run as the tables' owner,
 * in the extension's schema (src/owner_spi.c), once the library has
 * checked that it serves the SQL version installed (src/version.c).
 * EXECUTE is PUBLIC's unless section 7 revokes it.
 * ======================================================================== */

/* ------------------------------------------------------------------------
 * Actors
 *
 * The actor is held in backend memory by the C code (src/actor.c).  These
 * functions are the only way to set it; no setting or table is ever read
 * as who the session is.
 *
 * Fail closed: an actor ends with its transaction unless a session actor is
 * asked for (is_local => false), as PostgREST scopes each request.  A
 * transaction pooler that hands the connection on, or an application that
 * forgets to set the next request's actor, finds no actor.
 * ------------------------------------------------------------------------ */

CREATE FUNCTION runner_policy.authenticate(token text, is_local boolean DEFAULT true)
	RETURNS text LANGUAGE c VOLATILE PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'rp_authenticate';
COMMENT ON FUNCTION runner_policy.authenticate(text, boolean) IS
	'Sets the actor from a token and returns its kind; the actor ends with the transaction unless is_local => false.';

-- For the forge's application role only, which is trusted to say who its
-- user is (section 7).
CREATE FUNCTION runner_policy.act_as(user_id bigint, is_local boolean DEFAULT true)
	RETURNS text LANGUAGE c VOLATILE PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'rp_act_as';
COMMENT ON FUNCTION runner_policy.act_as(bigint, boolean) IS
	'Sets a user actor without a token, for the trusted application role only; ends with the transaction unless is_local => false.';

CREATE FUNCTION runner_policy.reset_actor()
	RETURNS void LANGUAGE c VOLATILE PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'rp_reset_actor';
COMMENT ON FUNCTION runner_policy.reset_actor() IS
	'Clears the actor of the session; the session then acts as nobody.';

CREATE FUNCTION runner_policy.current_actor(
	OUT kind text, OUT user_id bigint, OUT token_id bigint, OUT scopes text[])
	RETURNS record LANGUAGE c VOLATILE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_current_actor';
COMMENT ON FUNCTION runner_policy.current_actor() IS
	'The actor of the session: its kind, user, token and scopes; all NULL when there is none.';

/* ------------------------------------------------------------------------
 * Tokens: the plaintext is returned once, only digests are stored
 * ------------------------------------------------------------------------ */

CREATE FUNCTION runner_policy.issue_instance_token(
	scopes text[], expires_at timestamptz, description text DEFAULT NULL)
	RETURNS text LANGUAGE c VOLATILE PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'rp_issue_instance_token';
COMMENT ON FUNCTION runner_policy.issue_instance_token(text[], timestamptz, text) IS
	'Issues a token for the acting user with the given scopes and expiry; returns the token, which is not stored.';

-- For the service that starts jobs (section 7).
CREATE FUNCTION runner_policy.issue_job_token(job_id bigint, scopes text[] DEFAULT NULL)
	RETURNS text LANGUAGE c VOLATILE PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'rp_issue_job_token';
COMMENT ON FUNCTION runner_policy.issue_job_token(bigint, text[]) IS
	'Issues the token of a running job, for the service that starts jobs; returns the token, which is not stored.';

CREATE FUNCTION runner_policy.revoke_token(token_id bigint)
	RETURNS void LANGUAGE c VOLATILE PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'rp_revoke_token';
COMMENT ON FUNCTION runner_policy.revoke_token(bigint) IS
	'Revokes a token the actor issued or may manage; it no longer authenticates.';

CREATE FUNCTION runner_policy.reset_runner_token(runner_id bigint)
	RETURNS text LANGUAGE c VOLATILE PARALLEL UNSAFE
	AS 'MODULE_PATHNAME', 'rp_reset_runner_token';
COMMENT ON FUNCTION runner_policy.reset_runner_token(bigint) IS
	'Sets a new token for a runner the actor may update; returns the token, which is not stored.';

/* ------------------------------------------------------------------------
 * The policy core, asked by every policy of section 5
 *
 * Who reaches what is written once, in C (src/rules.c).  reach(set)
 * returns a set of ids the actor reaches, for the running statement;
 * reach_all(kind) returns the lowest bigint when the actor reaches every
 * row of that kind and NULL otherwise, so that "id >= reach_all(kind)" is
 * an index range of everything or nothing.  They are STABLE (one answer
 * per statement, so the planner may evaluate them once and use them as
 * index keys) and PARALLEL RESTRICTED (the actor lives in the leader's
 * memory only).  They are safe for anyone: they answer only for the
 * session's own actor.
 * ------------------------------------------------------------------------ */

CREATE FUNCTION runner_policy.reach(set_name text)
	RETURNS bigint[] LANGUAGE c STABLE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_reach';
COMMENT ON FUNCTION runner_policy.reach(text) IS
	'For policies: the ids of a set (projects, namespaces, runners, ...) the actor reaches, for the running statement.';
CREATE FUNCTION runner_policy.reach_all(kind text)
	RETURNS bigint LANGUAGE c STABLE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_reach_all';
COMMENT ON FUNCTION runner_policy.reach_all(text) IS
	'For policies: the lowest bigint when the actor reaches every row of a kind, NULL otherwise.';
CREATE FUNCTION runner_policy.reach_visibilities()
	RETURNS text[] LANGUAGE c STABLE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_reach_visibilities';
COMMENT ON FUNCTION runner_policy.reach_visibilities() IS
	'For policies: the visibilities (internal, public) whose projects and groups the actor reads.';
CREATE FUNCTION runner_policy.member_change_allowed(target text, target_id bigint, access_level integer)
	RETURNS boolean LANGUAGE c STABLE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_member_change_allowed';
COMMENT ON FUNCTION runner_policy.member_change_allowed(text, bigint, integer) IS
	'For policies: whether the actor may add, change or remove a member of a project or group at that level.';
CREATE FUNCTION runner_policy.authorize(project_id bigint, scope text)
	RETURNS boolean LANGUAGE c STABLE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_authorize';
COMMENT ON FUNCTION runner_policy.authorize(bigint, text) IS
	'Whether the current actor may use a scope (read_api, api, read_repository, ...) on a project.';

/*
 * The "everything" arm of every policy, decided where the statement is
 * planned (src/plan_binding.c).  reaches_all(kind) is true when the actor
 * reaches every row of a kind; its support function replaces the call in a
 * plan by its value, so that for an administrator, an auditor or a read
 * token the policy folds to true and the plan is the plan without
 * row-level security, and for anyone else the arm is gone.  The policies
 * use it rather than "id >= reach_all(kind)", which is a comparison on
 * every row; reach_all() is kept for SQL written against release 1.0.
 */
CREATE FUNCTION runner_policy.reaches_all_support(internal)
	RETURNS internal LANGUAGE c
	AS 'MODULE_PATHNAME', 'rp_reaches_all_support';
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
 * planned and the set is small, the support function writes the arm as
 * "id = ANY (reach(set))", an index condition.
 */
CREATE FUNCTION runner_policy.in_reach_support(internal)
	RETURNS internal LANGUAGE c
	AS 'MODULE_PATHNAME', 'rp_in_reach_support';
COMMENT ON FUNCTION runner_policy.in_reach_support(internal) IS
	'Planner support for in_reach(): the 1.0 index form for small sets, estimates and cost otherwise (src/reach_support.c).';
CREATE FUNCTION runner_policy.in_reach(set text, id bigint)
	RETURNS boolean LANGUAGE c STABLE PARALLEL RESTRICTED
	SUPPORT runner_policy.in_reach_support
	AS 'MODULE_PATHNAME', 'rp_in_reach';
COMMENT ON FUNCTION runner_policy.in_reach(text, bigint) IS
	'For policies: whether an id is in one of the sets the actor reaches, for the running statement.';

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

/* ------------------------------------------------------------------------
 * The runner queue
 *
 * The queue decides from stored rows only: no function takes a runner's
 * type or owner from its caller, who could make them up to read the counts
 * of any runner.  runner_queue_counts() returns a row for each runner with
 * work that the actor may read, judged on the runner's stored row, and
 * runner_queue_shared_pending() the one number every instance runner
 * shares.  Both count once per statement.  The view runner_queue_status
 * (section 6) puts them together.
 * ------------------------------------------------------------------------ */

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

/* ------------------------------------------------------------------------
 * Access explanations: other users' rights, for the DBA
 * ------------------------------------------------------------------------ */

/*
 * Why a user may or may not read, update, delete or link a runner, from the
 * policy core's own decision for that user (src/policy_core.c).  It names
 * other users' memberships, so it is the DBA's (section 7).
 */
CREATE FUNCTION runner_policy.explain_access(user_id bigint, runner_id bigint, action text)
	RETURNS text LANGUAGE c STABLE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_explain_access';
COMMENT ON FUNCTION runner_policy.explain_access(bigint, bigint, text) IS
	'Why a user may or may not read, update, delete or link a runner: the rule and the membership, link or role that decides it.';

/*
 * The functions behind the runner_access view (section 6): who may read,
 * update, delete or link which runner (src/access_view.c).  Every yes is
 * the policy core's own, for that user.  The view lists what a kind of
 * user (administrator, auditor, any other active user) may do by that
 * alone, decided once per kind and runner (access_kind_types(),
 * access_kind_actions()), and what a user may do beyond its kind through
 * its memberships (access_actions()).  access_candidate() has a planner
 * support function that makes it an index condition on either side, so
 * that WHERE runner_id = X and WHERE user_id = Y each become an index scan
 * and a nested loop over a few candidates, never all users x all runners.
 *
 * The functions are safe for PUBLIC: each checks the session first (an
 * administrator or auditor acting as themselves, or, with no actor, a role
 * that may run explain_access()).  The view itself is the DBA's to grant.
 */
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

CREATE FUNCTION runner_policy.runners_of_user(user_id bigint)
	RETURNS bigint[] LANGUAGE c STABLE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_member_runners_of_user';
COMMENT ON FUNCTION runner_policy.runners_of_user(bigint) IS
	'The group and project runners on which a user may have a right through its memberships (a superset, from the policy core''s sets): the index condition behind runner_access filtered by user.';

CREATE FUNCTION runner_policy.users_of_runner(runner_id bigint)
	RETURNS bigint[] LANGUAGE c STABLE PARALLEL RESTRICTED
	AS 'MODULE_PATHNAME', 'rp_member_users_of_runner';
COMMENT ON FUNCTION runner_policy.users_of_runner(bigint) IS
	'The users who may do something to a runner beyond what their kind gives: the index condition behind runner_access filtered by runner.';

CREATE FUNCTION runner_policy.access_candidate_support(internal)
	RETURNS internal LANGUAGE c STABLE STRICT PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'rp_access_candidate_support';
COMMENT ON FUNCTION runner_policy.access_candidate_support(internal) IS
	'Planner support of access_candidate(): turns it into an index condition on users or runners.';

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

/* ------------------------------------------------------------------------
 * Repairing rows loaded with triggers off
 * ------------------------------------------------------------------------ */

/*
 * One row per broken rule; none when the data is sound.  Plain SQL: it is a
 * report over the tables, and reads the same rows the triggers guard.
 * SECURITY DEFINER, so that a DBA role granted it sees every row rather than
 * what row-level security lets its (absent) actor see, which would report a
 * broken database as sound; search_path is pinned.
 */
CREATE FUNCTION runner_policy.check_invariants()
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

/*
 * Gives each project runner without an owner the first project it was linked
 * to that still exists (lowest ci_runner_projects.id), and returns one row
 * per runner it placed or could not place.  In C: it is the only writer the
 * ci_runners guard lets set an owner after creation.
 */
CREATE FUNCTION runner_policy.backfill_owners()
	RETURNS TABLE (runner_id bigint, project_id bigint, placed boolean, detail text)
	LANGUAGE c VOLATILE
	AS 'MODULE_PATHNAME', 'rp_backfill_owners';
COMMENT ON FUNCTION runner_policy.backfill_owners() IS
	'Sets the owner of legacy project runners to their first linked project; one row per runner handled.';

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

/* ------------------------------------------------------------------------
 * The audit log: hashing, verifying, pruning
 * ------------------------------------------------------------------------ */

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
COMMENT ON FUNCTION runner_policy.audit_entry_hash(bytea, bigint, integer, bigint, timestamptz, text, text, bigint, bigint, text, text, bigint, jsonb, jsonb) IS
	'The hash of an audit log entry, chained to the previous entry of its lane.';

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
 * Removes entries older than "before" and leaves an anchor per lane, so
 * that verify_audit_log() still proves the rest.  Each lane loses the
 * entries that come before its first entry at or after "before" (an entry
 * newer than "before" is never removed).  Records itself in the log.  In C:
 * the append-only trigger lets only it delete.  The DBA runs it or grants it.
 */
CREATE FUNCTION runner_policy.prune_audit_log(before timestamptz)
	RETURNS bigint LANGUAGE c VOLATILE
	AS 'MODULE_PATHNAME', 'rp_prune_audit_log';
COMMENT ON FUNCTION runner_policy.prune_audit_log(timestamptz) IS
	'Removes audit log entries older than the given time, leaving an anchor per lane; returns how many it removed.';

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
 * The version
 * ------------------------------------------------------------------------ */

/*
 * version(): the SQL version of this database and the library's version.
 * Fails, saying which side to fix, when the library does not serve the SQL
 * (src/version.c); every other C entry point checks the same once per
 * transaction.  Safe for anyone.
 */
CREATE FUNCTION runner_policy.version(OUT extension_version text, OUT library_version text)
	RETURNS record LANGUAGE c STABLE PARALLEL SAFE
	AS 'MODULE_PATHNAME', 'rp_version';
COMMENT ON FUNCTION runner_policy.version() IS
	'The SQL version installed in this database and the library''s version; fails when the library does not serve the SQL.';

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

/* ========================================================================
 * 4. Triggers
 *
 * The trigger functions are C; each refuses a call that does not come from
 * the trigger manager, and EXECUTE on them is revoked (section 7).
 * Triggers of the same kind on one table fire in the order of their names.
 * ======================================================================== */

/* ------------------------------------------------------------------------
 * Ownership invariants, enforced in C for every role
 *
 * A project runner has one owner project for life and is linked to it; a
 * group runner serves exactly its owner group; deleting a project or a
 * group deletes the runners it owns.  The trigger functions check their
 * caller's row and then read and write the runner tables as the tables'
 * owner with search_path pinned, so that what a role may see never changes
 * what the invariants are.
 * ------------------------------------------------------------------------ */

CREATE FUNCTION runner_policy.ci_runners_guard() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_ci_runners_guard';
COMMENT ON FUNCTION runner_policy.ci_runners_guard() IS
	'Trigger: checks the owner of a new runner, and refuses changes of its type, its owner and its token digest.';
CREATE FUNCTION runner_policy.ci_runners_link_owner() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_ci_runners_link_owner';
COMMENT ON FUNCTION runner_policy.ci_runners_link_owner() IS
	'Trigger: links a new project or group runner to its owner.';
CREATE FUNCTION runner_policy.ci_runner_projects_guard() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_ci_runner_projects_guard';
COMMENT ON FUNCTION runner_policy.ci_runner_projects_guard() IS
	'Trigger: refuses links of runners that are not project runners, moved links, and the removal of the owner link.';
CREATE FUNCTION runner_policy.ci_runner_namespaces_guard() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_ci_runner_namespaces_guard';
COMMENT ON FUNCTION runner_policy.ci_runner_namespaces_guard() IS
	'Trigger: keeps a group runner linked to its owner namespace only.';
CREATE FUNCTION runner_policy.delete_owned_runners() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_delete_owned_runners';
COMMENT ON FUNCTION runner_policy.delete_owned_runners() IS
	'Trigger: deletes the runners a deleted project or namespace owned.';
CREATE FUNCTION runner_policy.citus_user_tokens() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_citus_user_tokens';
COMMENT ON FUNCTION runner_policy.citus_user_tokens() IS
	'Trigger: on a Citus coordinator, what the tokens'' foreign keys to users do on one node (tokens of a deleted user go, its issued tokens forget it); nothing elsewhere.';
CREATE FUNCTION runner_policy.truncate_guard() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_truncate_guard';
COMMENT ON FUNCTION runner_policy.truncate_guard() IS
	'Trigger: refuses a TRUNCATE that would leave runners without their owner or owner link.';
CREATE FUNCTION runner_policy.namespaces_traversal() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_namespaces_traversal';
COMMENT ON FUNCTION runner_policy.namespaces_traversal() IS
	'Trigger: computes traversal_ids of a namespace and refuses cycles.';
CREATE FUNCTION runner_policy.namespaces_traversal_cascade() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_namespaces_traversal_cascade';
COMMENT ON FUNCTION runner_policy.namespaces_traversal_cascade() IS
	'Trigger: recomputes traversal_ids of the subgroups of a moved namespace.';
CREATE FUNCTION runner_policy.members_guard() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_members_guard';
COMMENT ON FUNCTION runner_policy.members_guard() IS
	'Trigger: refuses access levels other than 10, 20, 30, 40 and 50.';

-- Runner type and owner are fixed; a project or group runner names an owner
-- that exists.
CREATE TRIGGER ci_runners_guard
	BEFORE INSERT OR UPDATE ON runner_policy.ci_runners
	FOR EACH ROW EXECUTE FUNCTION runner_policy.ci_runners_guard();
-- The owner link is made with the runner, in the same statement.
CREATE TRIGGER ci_runners_link_owner
	AFTER INSERT ON runner_policy.ci_runners
	FOR EACH ROW EXECUTE FUNCTION runner_policy.ci_runners_link_owner();

-- Only project runners get project links; the owner link stays.
CREATE TRIGGER ci_runner_projects_guard
	BEFORE INSERT OR UPDATE OR DELETE ON runner_policy.ci_runner_projects
	FOR EACH ROW EXECUTE FUNCTION runner_policy.ci_runner_projects_guard();
-- A group runner has exactly its owner namespace; that link stays.
CREATE TRIGGER ci_runner_namespaces_guard
	BEFORE INSERT OR UPDATE OR DELETE ON runner_policy.ci_runner_namespaces
	FOR EACH ROW EXECUTE FUNCTION runner_policy.ci_runner_namespaces_guard();

-- A deleted project or namespace takes the runners it owns with it.  AFTER,
-- so that only a row that really went takes its runners.
CREATE TRIGGER projects_delete_owned_runners
	AFTER DELETE ON runner_policy.projects
	FOR EACH ROW EXECUTE FUNCTION runner_policy.delete_owned_runners('project');
CREATE TRIGGER namespaces_delete_owned_runners
	AFTER DELETE ON runner_policy.namespaces
	FOR EACH ROW EXECUTE FUNCTION runner_policy.delete_owned_runners('namespace');

-- On Citus the tokens may not reference the users (a reference table):
-- the coordinator's copy does what the keys did (src/token.c).  Nothing
-- on one node, where the keys are there.
CREATE TRIGGER users_tokens_on_citus
	AFTER DELETE ON runner_policy.users
	FOR EACH ROW EXECUTE FUNCTION runner_policy.citus_user_tokens();

-- TRUNCATE skips row triggers: refuse one that would leave runners without
-- their owner or owner link.
CREATE TRIGGER projects_truncate_guard
	AFTER TRUNCATE ON runner_policy.projects
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.truncate_guard('project');
CREATE TRIGGER ci_runner_projects_truncate_guard
	AFTER TRUNCATE ON runner_policy.ci_runner_projects
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.truncate_guard('project');
CREATE TRIGGER namespaces_truncate_guard
	AFTER TRUNCATE ON runner_policy.namespaces
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.truncate_guard('namespace');
CREATE TRIGGER ci_runner_namespaces_truncate_guard
	AFTER TRUNCATE ON runner_policy.ci_runner_namespaces
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.truncate_guard('namespace');

-- traversal_ids is recomputed from the parent on every write, and a move
-- recomputes the moved group's children, which recompute theirs.
CREATE TRIGGER namespaces_traversal
	BEFORE INSERT OR UPDATE ON runner_policy.namespaces
	FOR EACH ROW EXECUTE FUNCTION runner_policy.namespaces_traversal();
CREATE TRIGGER namespaces_traversal_cascade
	AFTER UPDATE ON runner_policy.namespaces
	FOR EACH ROW
	WHEN (OLD.traversal_ids IS DISTINCT FROM NEW.traversal_ids)
	EXECUTE FUNCTION runner_policy.namespaces_traversal_cascade();

CREATE TRIGGER project_members_guard
	BEFORE INSERT OR UPDATE ON runner_policy.project_members
	FOR EACH ROW EXECUTE FUNCTION runner_policy.members_guard();
CREATE TRIGGER group_members_guard
	BEFORE INSERT OR UPDATE ON runner_policy.group_members
	FOR EACH ROW EXECUTE FUNCTION runner_policy.members_guard();

/* ------------------------------------------------------------------------
 * What an actor may write, where row-level security cannot say
 * ------------------------------------------------------------------------ */

CREATE FUNCTION runner_policy.actor_write_guard() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_actor_write_guard';
COMMENT ON FUNCTION runner_policy.actor_write_guard() IS
	'Trigger: refuses changes of columns the actor may not change, where row-level security cannot say.';

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

/*
 * A job's status moves only forward, and a finished job is final for every
 * role but a superuser: its tokens, which live while the job is 'running',
 * stay dead for good.
 */
CREATE FUNCTION runner_policy.ci_builds_status_guard() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_ci_builds_status_guard';
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
 * Changes of rights, announced to the decision cache
 * ------------------------------------------------------------------------ */

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
CREATE FUNCTION runner_policy.reach_changed() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_reach_changed';
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

/* ------------------------------------------------------------------------
 * The audit log's writers and guards
 * ------------------------------------------------------------------------ */

CREATE FUNCTION runner_policy.audit_row() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_audit_row';
COMMENT ON FUNCTION runner_policy.audit_row() IS
	'Trigger: writes the audit log entry of a change to a runner, link, membership or token, or of a change of rights.';
CREATE FUNCTION runner_policy.audit_append_only() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_audit_append_only';
COMMENT ON FUNCTION runner_policy.audit_append_only() IS
	'Trigger: refuses UPDATE, DELETE and TRUNCATE of the audit log and its lanes, for every role.';
CREATE FUNCTION runner_policy.audit_head() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_audit_head';
COMMENT ON FUNCTION runner_policy.audit_head() IS
	'Constraint trigger: moves the head of an audit lane to the last entry a transaction wrote, at commit.';

/*
 * AFTER ROW, so that an entry is written only for a row that really
 * changed, after every BEFORE trigger and check passed; cascades (the owner
 * link of a new runner, the runners and links a deleted project takes) fire
 * them too.  The arguments are the object type and the actions for insert
 * and delete.  TRUNCATE, which skips row triggers, leaves one entry.
 *
 * Runners, their links and tokens: every change but a runner's heartbeat
 * and the extension's copies (src/audit.c decides which updates count).
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
CREATE TRIGGER audit_tokens_truncate
	AFTER TRUNCATE ON runner_policy.tokens
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.audit_row('token', 'issue', 'delete');

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

-- A lane's head moves once per transaction, at commit, to the last entry
-- it wrote (moving it with every entry would leave a chain of row versions
-- that each later entry of a large transaction walks).
CREATE CONSTRAINT TRIGGER audit_lanes_head
	AFTER INSERT ON runner_policy.audit_log
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION runner_policy.audit_head();

-- Append-only, also for the owner and superusers (with triggers on).  The
-- argument tells the log from its lanes, whatever the table is called.
CREATE TRIGGER audit_log_append_only
	BEFORE UPDATE OR DELETE OR TRUNCATE ON runner_policy.audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.audit_append_only('log');
CREATE TRIGGER audit_lanes_append_only
	BEFORE UPDATE OR DELETE OR TRUNCATE ON runner_policy.audit_lanes
	FOR EACH STATEMENT EXECUTE FUNCTION runner_policy.audit_append_only('lanes');

/* ------------------------------------------------------------------------
 * The DDL guard
 * ------------------------------------------------------------------------ */

/*
 * DROP EXTENSION, DROP SCHEMA ... CASCADE and DROP OWNED BY the role that
 * owns the extension or its schema, while the tables hold rows, and
 * renames of the schema are refused before they start (src/ddl_guard.c).
 * The event trigger is enabled ALWAYS, so that it fires also while
 * session_replication_role is replica, which a legacy load sets.  It is a
 * member of the extension: it is dropped with it and not dumped.  Nobody
 * calls the function but the event trigger manager.
 */
CREATE FUNCTION runner_policy.ddl_guard() RETURNS event_trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'rp_ddl_guard';
COMMENT ON FUNCTION runner_policy.ddl_guard() IS
	'Event trigger: refuses DROP EXTENSION, DROP SCHEMA CASCADE and DROP OWNED that would drop the extension while the tables hold rows, and renames of the schema.';
CREATE EVENT TRIGGER runner_policy_ddl_guard ON ddl_command_start
	WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA', 'DROP OWNED', 'ALTER SCHEMA')
	EXECUTE FUNCTION runner_policy.ddl_guard();
ALTER EVENT TRIGGER runner_policy_ddl_guard ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER runner_policy_ddl_guard IS
	'Refuses DDL that would lose the forge''s data or rename the extension''s schema, in every session_replication_role (runner_policy.ddl_guard()).';

/* ========================================================================
 * 5. Row-level security on every table, ENABLEd and FORCEd
 *
 * Every policy is an expression over the row's own columns and calls of the
 * policy core, with no subqueries.  Superusers and BYPASSRLS roles see every
 * row, as on any RLS table; with no actor, nobody else sees or writes any.
 *
 * The arms: reaches_all(kind), true when the actor reaches every row of a
 * kind, folds into the plan; in_reach(set, column) probes one of the
 * actor's sets; "= ANY (reach(set))" and "= ANY (reach_visibilities())"
 * compare with a set the core returns as an array.  A policy with no WITH
 * CHECK checks new rows with its USING, as PostgreSQL does, so none
 * repeats its USING as its WITH CHECK.
 * ======================================================================== */

-- users: every user actor reads the user list; only admins write it.
ALTER TABLE runner_policy.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_read ON runner_policy.users FOR SELECT
	USING (runner_policy.reaches_all('users_read')
		   OR runner_policy.in_reach('user_self', id));
CREATE POLICY users_admin ON runner_policy.users FOR ALL
	USING (runner_policy.reaches_all('admin'));

-- namespaces: public to any actor, internal to active users, private to
-- members; admins, and owners inside their group, create, change, delete.
ALTER TABLE runner_policy.namespaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.namespaces FORCE ROW LEVEL SECURITY;
CREATE POLICY namespaces_read ON runner_policy.namespaces FOR SELECT
	USING (runner_policy.reaches_all('namespaces_read')
		   OR visibility OPERATOR(pg_catalog.=) ANY (runner_policy.reach_visibilities())
		   OR runner_policy.in_reach('namespace_read_ids', id)
		   -- a member of the parent is a member here; this also reads back
		   -- a group just created (INSERT ... RETURNING)
		   OR runner_policy.in_reach('namespace_read_ids', parent_id));
CREATE POLICY namespaces_insert ON runner_policy.namespaces FOR INSERT
	WITH CHECK (runner_policy.reaches_all('admin')
				OR runner_policy.in_reach('namespace_owned', parent_id));
CREATE POLICY namespaces_update ON runner_policy.namespaces FOR UPDATE
	USING (runner_policy.reaches_all('admin')
		   OR runner_policy.in_reach('namespace_owned', id));
CREATE POLICY namespaces_delete ON runner_policy.namespaces FOR DELETE
	USING (runner_policy.reaches_all('admin')
		   OR runner_policy.in_reach('namespace_owned', parent_id));

-- projects: like namespaces; maintainers change their project.
ALTER TABLE runner_policy.projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.projects FORCE ROW LEVEL SECURITY;
CREATE POLICY projects_read ON runner_policy.projects FOR SELECT
	USING (runner_policy.reaches_all('projects_read')
		   OR visibility OPERATOR(pg_catalog.=) ANY (runner_policy.reach_visibilities())
		   OR runner_policy.in_reach('project_read_ids', id)
		   -- a member of the group is a member here; this also reads back
		   -- a project just created (INSERT ... RETURNING)
		   OR runner_policy.in_reach('namespace_read_ids', namespace_id));
CREATE POLICY projects_insert ON runner_policy.projects FOR INSERT
	WITH CHECK (runner_policy.reaches_all('admin')
				OR runner_policy.in_reach('namespace_owned', namespace_id));
CREATE POLICY projects_update ON runner_policy.projects FOR UPDATE
	USING (runner_policy.reaches_all('admin')
		   OR runner_policy.in_reach('project_managed', id)
		   OR runner_policy.in_reach('namespace_owned', namespace_id));
CREATE POLICY projects_delete ON runner_policy.projects FOR DELETE
	USING (runner_policy.reaches_all('admin')
		   OR runner_policy.in_reach('namespace_owned', namespace_id));

-- members: read by whoever reads the project or group; maintainers (group
-- owners) add and remove members up to their own level; admins anything.
ALTER TABLE runner_policy.project_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.project_members FORCE ROW LEVEL SECURITY;
CREATE POLICY project_members_read ON runner_policy.project_members FOR SELECT
	USING (runner_policy.reaches_all('members_read')
		   OR runner_policy.in_reach('project_readable_ids', project_id));
CREATE POLICY project_members_write ON runner_policy.project_members FOR ALL
	USING (runner_policy.member_change_allowed('project', project_id, access_level));
ALTER TABLE runner_policy.group_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.group_members FORCE ROW LEVEL SECURITY;
CREATE POLICY group_members_read ON runner_policy.group_members FOR SELECT
	USING (runner_policy.reaches_all('members_read')
		   OR runner_policy.in_reach('namespace_readable_ids', namespace_id));
CREATE POLICY group_members_write ON runner_policy.group_members FOR ALL
	USING (runner_policy.member_change_allowed('group', namespace_id, access_level));

-- ci_runners: all of them (admins, auditors, read tokens of one: the first
-- arm, folded into the plan), by runner type (instance runners for any
-- active user), by id (project runners linked to a project the actor
-- maintains; a runner itself), by owner project (the same, and a runner
-- being registered, read back by INSERT ... RETURNING before its owner link
-- exists), and by owner group (group runners).
ALTER TABLE runner_policy.ci_runners ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.ci_runners FORCE ROW LEVEL SECURITY;
CREATE POLICY ci_runners_read ON runner_policy.ci_runners FOR SELECT
	USING (runner_policy.reaches_all('runners_read')
		   OR runner_type OPERATOR(pg_catalog.=) ANY (runner_policy.reach('runner_read_types'))
		   -- maintainers of a project it is linked to, its owner included
		   OR (runner_type OPERATOR(pg_catalog.=) 3
			   AND runner_policy.in_reach_any('runner_read_projects', linked_project_ids))
		   OR (runner_type OPERATOR(pg_catalog.=) 2
			   AND runner_policy.in_reach('runner_read_groups', sharding_key_id))
		   OR runner_policy.in_reach('runner_self', id));
CREATE POLICY ci_runners_insert ON runner_policy.ci_runners FOR INSERT
	WITH CHECK (runner_type OPERATOR(pg_catalog.=) ANY (runner_policy.reach('runner_write_types'))
				OR (runner_type OPERATOR(pg_catalog.=) 3
					AND runner_policy.in_reach('runner_write_projects', sharding_key_id))
				OR (runner_type OPERATOR(pg_catalog.=) 2
					AND runner_policy.in_reach('runner_write_groups', sharding_key_id)));
CREATE POLICY ci_runners_update ON runner_policy.ci_runners FOR UPDATE
	USING (runner_type OPERATOR(pg_catalog.=) ANY (runner_policy.reach('runner_write_types'))
		   OR (runner_type OPERATOR(pg_catalog.=) 3
			   AND runner_policy.in_reach('runner_write_projects', sharding_key_id))
		   OR (runner_type OPERATOR(pg_catalog.=) 2
			   AND runner_policy.in_reach('runner_write_groups', sharding_key_id))
		   OR runner_policy.in_reach('runner_self', id));
CREATE POLICY ci_runners_delete ON runner_policy.ci_runners FOR DELETE
	USING (runner_type OPERATOR(pg_catalog.=) ANY (runner_policy.reach('runner_write_types'))
		   OR (runner_type OPERATOR(pg_catalog.=) 3
			   AND runner_policy.in_reach('runner_write_projects', sharding_key_id))
		   OR (runner_type OPERATOR(pg_catalog.=) 2
			   AND runner_policy.in_reach('runner_write_groups', sharding_key_id)));

-- ci_runner_projects: read by maintainers of the project or of the
-- runner's owner (owner_project_id, copied onto the link); linked by a
-- maintainer of the project and of a project the (unlocked) runner is
-- linked to, the runner's half checked by the link guard, which reads the
-- runner row (runner_linkable() in src/rules.c); unlinked by a maintainer
-- of the project or of the runner's owner.
ALTER TABLE runner_policy.ci_runner_projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.ci_runner_projects FORCE ROW LEVEL SECURITY;
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

-- ci_runner_namespaces: read with the group runner; made by the extension
-- with the runner.  Admins may write it, and meet the invariants.
ALTER TABLE runner_policy.ci_runner_namespaces ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.ci_runner_namespaces FORCE ROW LEVEL SECURITY;
CREATE POLICY ci_runner_namespaces_read ON runner_policy.ci_runner_namespaces FOR SELECT
	USING (runner_policy.reaches_all('links_read')
		   OR runner_policy.in_reach('runner_read_groups', namespace_id));
CREATE POLICY ci_runner_namespaces_admin ON runner_policy.ci_runner_namespaces FOR ALL
	USING (runner_policy.reaches_all('admin'));

-- ci_builds: reporters+ read the jobs of their project, a job token its own
-- job, a runner the pending jobs it may take and its own; developers+
-- create and cancel; admins anything.
ALTER TABLE runner_policy.ci_builds ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.ci_builds FORCE ROW LEVEL SECURITY;
CREATE POLICY ci_builds_read ON runner_policy.ci_builds FOR SELECT
	USING (runner_policy.reaches_all('jobs_read')
		   OR runner_policy.in_reach('job_read_projects', project_id)
		   OR runner_policy.in_reach('job_read_ids', id)
		   -- a runner reads the pending jobs it may take (the guard is inside
		   -- the probe: see src/reach_support.c)
		   OR runner_policy.in_reach('job_pickup_projects',
				CASE WHEN status OPERATOR(pg_catalog.=) 'pending' THEN project_id END)
		   OR runner_policy.in_reach('runner_self', runner_id));
-- A new job acts as its user once it runs (its tokens do), so nobody but an
-- admin creates one in another's name, running, or on a runner.
CREATE POLICY ci_builds_insert ON runner_policy.ci_builds FOR INSERT
	WITH CHECK (runner_policy.reaches_all('admin')
				OR (runner_policy.in_reach('job_write_projects', project_id)
					AND runner_policy.in_reach('user_self', user_id)
					AND runner_id IS NULL
					AND status OPERATOR(pg_catalog.=) ANY (ARRAY['created', 'pending'])));
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
CREATE POLICY ci_builds_delete ON runner_policy.ci_builds FOR DELETE
	USING (runner_policy.reaches_all('admin'));

-- ci_job_token_scope_links: maintainers of the target project decide who
-- gets in; maintainers of either side read.
ALTER TABLE runner_policy.ci_job_token_scope_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.ci_job_token_scope_links FORCE ROW LEVEL SECURITY;
CREATE POLICY ci_job_token_scope_links_read ON runner_policy.ci_job_token_scope_links FOR SELECT
	USING (runner_policy.reaches_all('scope_links_read')
		   OR runner_policy.in_reach('project_managed', source_project_id)
		   OR runner_policy.in_reach('project_managed', target_project_id));
CREATE POLICY ci_job_token_scope_links_write ON runner_policy.ci_job_token_scope_links FOR ALL
	USING (runner_policy.reaches_all('admin')
		   OR runner_policy.in_reach('project_managed', target_project_id));

-- tokens: admins and the token's own user read; only the token functions
-- write (a row written by hand would be a token minted by its writer).
ALTER TABLE runner_policy.tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tokens_read ON runner_policy.tokens FOR SELECT
	USING (runner_policy.reaches_all('admin')
		   OR runner_policy.in_reach('user_self', user_id));

/*
 * audit_log: admins and auditors (user actors, not their tokens: the same
 * answer as reach_all('scope_links_read')) read every entry.  Other actors
 * read an entry from its own columns and their rights, as the policies of
 * the tables decide a row: about a runner they would read as the entry
 * recorded it (its type, owner and linked projects then), a link of a
 * project or a runner owner whose links they read, the namespace link of
 * a group whose runners they read, members of projects and groups they
 * read now, their own user's tokens; of the changes of rights, their own
 * user's, those of the groups and projects they read now, and the job
 * token scope links of the projects they manage; never an entry of a
 * deleted object (object_deleted).  No INSERT, UPDATE or DELETE policy,
 * and none at all on audit_lanes: nobody writes by hand; the triggers
 * write as the owner.
 */
ALTER TABLE runner_policy.audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.audit_log FORCE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.audit_lanes ENABLE ROW LEVEL SECURITY;
ALTER TABLE runner_policy.audit_lanes FORCE ROW LEVEL SECURITY;
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

/* ========================================================================
 * 6. Views
 * ======================================================================== */

/*
 * The runner queue: one row per runner the actor may read (security_invoker:
 * ci_runners' policies decide), with counts only.  Instance runners all
 * share one pending count.
 */
CREATE VIEW runner_policy.runner_queue_status WITH (security_invoker = true) AS
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
COMMENT ON VIEW runner_policy.runner_queue_status IS
	'One row per runner the actor may read, with its running and pending job counts.';
COMMENT ON COLUMN runner_policy.runner_queue_status.runner_id IS 'A runner the actor may read.';
COMMENT ON COLUMN runner_policy.runner_queue_status.runner_type IS '1 instance, 2 group, 3 project.';
COMMENT ON COLUMN runner_policy.runner_queue_status.description IS 'The runner''s description.';
COMMENT ON COLUMN runner_policy.runner_queue_status.paused IS 'Whether the runner is paused.';
COMMENT ON COLUMN runner_policy.runner_queue_status.online IS 'Whether the runner asked for jobs in the last two hours.';
COMMENT ON COLUMN runner_policy.runner_queue_status.contacted_at IS 'When the runner last asked for jobs.';
COMMENT ON COLUMN runner_policy.runner_queue_status.running_jobs IS 'Jobs the runner is running now.';
COMMENT ON COLUMN runner_policy.runner_queue_status.pending_jobs IS 'Pending jobs the runner could take.';

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

/*
 * Who may read, update, delete or link which runner, decided by the policy
 * core (section 3).  Three parts split the pairs of users and runners:
 * what active users who are neither administrators nor auditors may do by
 * that alone (each runner decided once, then joined to all of them), what
 * administrators and auditors may do by that alone, and what anyone may
 * do beyond its kind, through memberships (access_candidate(), an index
 * condition from either side).  Not security_invoker: the view reads
 * users and runners as its owner, past row-level security, so it decides
 * first who may see the answer.  runner_access_allowed(), a condition with
 * no column, becomes a one-time filter above each part's scans and refuses
 * a session before a row is read; as a security barrier, the view keeps a
 * caller's condition above it unless the condition is leakproof (WHERE
 * runner_id = 42 still goes down to the index), so no function of the
 * caller's sees a row first.  The union is wrapped in a plain SELECT: the
 * planner flattens a view that is a bare UNION ALL into its parts, and the
 * barrier with it.
 */
CREATE VIEW runner_policy.runner_access WITH (security_barrier = true) AS
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
COMMENT ON VIEW runner_policy.runner_access IS
	'Who (user) may do what (read, update, delete, link) to which runner, decided by the policy core. Filter it by runner_id or user_id; runner_policy.explain_access() says why.';
COMMENT ON COLUMN runner_policy.runner_access.runner_id IS 'The runner (ci_runners.id).';
COMMENT ON COLUMN runner_policy.runner_access.runner_type IS 'Its type: 1 instance, 2 group, 3 project.';
COMMENT ON COLUMN runner_policy.runner_access.user_id IS 'The user (users.id).';
COMMENT ON COLUMN runner_policy.runner_access.username IS 'The user''s name.';
COMMENT ON COLUMN runner_policy.runner_access.action IS 'What the user may do to the runner: read, update, delete or link.';

/* ========================================================================
 * 7. Privileges
 *
 * What PUBLIC keeps: EXECUTE on the functions that are safe for anyone
 * (authenticate, reset_actor, current_actor, the token functions but
 * issue_job_token, the policy core, the runner queue, the functions behind
 * runner_access, version).  Everything below is the DBA's to grant
 * (README, "Roles").
 * ======================================================================== */

-- Nothing in the schema, not even USAGE.
REVOKE ALL ON SCHEMA runner_policy FROM PUBLIC;

-- Granted to the forge's application role, which is trusted to say who its
-- user is.  Nobody else may name an actor without a token.
REVOKE ALL ON FUNCTION runner_policy.act_as(bigint, boolean) FROM PUBLIC;
-- Granted to the service that starts jobs.
REVOKE ALL ON FUNCTION runner_policy.issue_job_token(bigint, text[]) FROM PUBLIC;

-- The DBA's tools: they read every row (check_invariants,
-- verify_audit_log), write as the owner (backfill_owners,
-- prune_audit_log), or name other users' rights (explain_access).
REVOKE ALL ON FUNCTION runner_policy.check_invariants() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.backfill_owners() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.explain_access(bigint, bigint, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.verify_audit_log() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.prune_audit_log(timestamptz) FROM PUBLIC;
-- Not secret, but nobody needs it but verify_audit_log() (SECURITY DEFINER)
-- and the DBA; grant it to a tool that checks entries outside the database.
REVOKE ALL ON FUNCTION runner_policy.audit_entry_hash(bytea, bigint, integer, bigint, timestamptz, text, text, bigint, bigint, text, text, bigint, jsonb, jsonb) FROM PUBLIC;
-- The statements the extension runs, for the DBA's EXPLAIN.
REVOKE ALL ON FUNCTION runner_policy.saved_queries() FROM PUBLIC;
-- The view names other users' rights.
REVOKE ALL ON runner_policy.runner_access FROM PUBLIC;

-- Planner support functions: only the planner calls them.
REVOKE ALL ON FUNCTION runner_policy.reaches_all_support(internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.in_reach_support(internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.access_candidate_support(internal) FROM PUBLIC;

-- Trigger functions.  Triggers do not check EXECUTE at fire time, so
-- revoking it only stops direct calls.
REVOKE ALL ON FUNCTION runner_policy.ci_runners_guard() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.ci_runners_link_owner() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.ci_runner_projects_guard() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.ci_runner_namespaces_guard() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.delete_owned_runners() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.truncate_guard() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.citus_user_tokens() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.namespaces_traversal() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.namespaces_traversal_cascade() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.members_guard() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.actor_write_guard() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.ci_builds_status_guard() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.row_origin() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.reach_changed() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.ci_runner_projects_copy() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.audit_row() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.audit_append_only() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.audit_head() FROM PUBLIC;
REVOKE ALL ON FUNCTION runner_policy.ddl_guard() FROM PUBLIC;

/* ========================================================================
 * 8. pg_dump, backup and restore
 *
 * The tables hold the forge's data, not the extension's: every table and
 * identity sequence is registered with pg_extension_config_dump, so a dump
 * holds CREATE EXTENSION and then every table's rows as COPY ... FROM
 * stdin, and a restore hands out ids where the source left off.  pg_dump
 * and pg_restore work with their default options.  The guards let such
 * rows in as they are when a superuser's COPY FROM STDIN loads them into
 * the table itself (src/restore.c); check_invariants() proves the result.
 * The backup role needs pg_read_all_data and BYPASSRLS (README, "Backup
 * and restore").
 * ======================================================================== */

SELECT pg_catalog.pg_extension_config_dump('runner_policy.users', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.namespaces', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.projects', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.project_members', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.group_members', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.ci_runners', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.ci_runner_projects', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.ci_runner_namespaces', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.ci_builds', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.ci_job_token_scope_links', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.tokens', '');
-- identity sequences too, or a restore would hand out ids again from 1
SELECT pg_catalog.pg_extension_config_dump('runner_policy.users_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.namespaces_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.projects_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.ci_runners_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.ci_runner_projects_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.ci_runner_namespaces_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.ci_builds_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.tokens_id_seq', '');
-- the audit log, its lanes and its sequence
SELECT pg_catalog.pg_extension_config_dump('runner_policy.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.audit_lanes', '');
SELECT pg_catalog.pg_extension_config_dump('runner_policy.audit_log_id_seq', '');
