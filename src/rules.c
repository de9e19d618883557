/*-------------------------------------------------------------------------
 *
 * rules.c
 *	  Who reaches what: every access rule, in one table.
 *
 * An actor's rights are sets of ids, worked out from the tables that say
 * who belongs where (users, namespaces, projects, memberships, job token
 * scope links) and from the actor itself.  A runner, link or job row is
 * then decided from those sets and the row's own columns: a project
 * runner's linked_project_ids, a link's project_id and owner_project_id, a
 * job's project_id.  So writing runners, links or jobs never changes
 * anyone's sets, and a reach worked out once serves the actor until a
 * change of those slow tables is announced (reach_cache.c).
 *
 * set_rules[] below is the vocabulary: one row per set, by the name the
 * policies use (reach('name'), in_reach('name', ...)), saying who has it,
 * what it is computed from, and where it is asked.  The row-level security
 * policies, authorize(), the write-path guards, the queue view,
 * explain_access() and runner_access all ask these sets, and
 * runner_readable(), runner_manageable() and runner_linkable() state the
 * runner rules over one stored row for the C callers.
 * runner_policy.reach_sets() shows the table to SQL, and
 * test/sql/rule_table.sql checks it against every set the SQL names.
 *
 * Who may read a project runner, for instance: anyone who reaches all
 * runners_read (decide_reaches_all, RA_RUNNERS_READ: administrators,
 * auditors and their read tokens); a runner, itself (runner_self); a user,
 * or a token acting for one, who is maintainer or owner of any project the
 * runner is linked to, its owner project included (runner_read_projects,
 * probed against the runner's linked_project_ids).  The ci_runners_read
 * policy asks exactly those, and runner_readable() states the same for one
 * row.
 *
 * A set lives as long as the reach (kept across statements) unless its
 * builder read something that is not announced: the actor's own row (a
 * runner's links, read for every statement with its token) or, for the
 * policies of releases before 1.2, the runner and link tables.  Such a set
 * is marked per_statement and worked out again for each statement.
 *
 * The queries below run as the tables' owner (reach_query: the newest
 * state, narrowed by the statement's snapshot when they differ).
 *
 * src/rules.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "actor.h"
#include "idset.h"
#include "owner_spi.h"
#include "reach.h"
#include "runner_policy.h"

static SavedQuery ancestors_of_projects = {
	"SELECT DISTINCT unnest(n.traversal_ids) FROM runner_policy.projects p"
	" JOIN runner_policy.namespaces n ON n.id = p.namespace_id"
	" WHERE p.id = ANY ($1)", 1, {INT8ARRAYOID}, NULL
};

static SavedQuery open_projects = {
	"SELECT id FROM runner_policy.projects WHERE visibility = ANY ($1)",
	1, {TEXTARRAYOID}, NULL
};

static SavedQuery open_namespaces = {
	"SELECT id FROM runner_policy.namespaces WHERE visibility = ANY ($1)",
	1, {TEXTARRAYOID}, NULL
};

static SavedQuery projects_sharing_runners = {
	"SELECT id FROM runner_policy.projects WHERE shared_runners_enabled",
	0, {InvalidOid}, NULL
};

static SavedQuery projects_under_namespace = {
	"SELECT p.id FROM runner_policy.namespaces n"
	" JOIN runner_policy.projects p ON p.namespace_id = n.id"
	" WHERE n.traversal_ids @> ARRAY[$1::bigint]", 1, {INT8OID}, NULL
};

static SavedQuery all_projects = {
	"SELECT id FROM runner_policy.projects", 0, {InvalidOid}, NULL
};

/*
 * A runner's stored row, as the C callers decide on it: release 1.2 keeps
 * the projects it is linked to on the row; before it, they were only in
 * the link table (and the legacy sets below read them there).
 */
static SavedQuery runner_facts = {
	"SELECT runner_type, sharding_key_id, locked, linked_project_ids"
	"  FROM runner_policy.ci_runners WHERE id = $1",
	1, {INT8OID}, NULL
};
static SavedQuery runner_facts_legacy = {
	"SELECT runner_type, sharding_key_id, locked FROM runner_policy.ci_runners WHERE id = $1",
	1, {INT8OID}, NULL
};

/* Release 1.0 and 1.1 policies: runner sets read from the link table. */
static SavedQuery legacy_runners_linked_to = {
	"SELECT DISTINCT runner_id FROM runner_policy.ci_runner_projects"
	" WHERE project_id = ANY ($1)", 1, {INT8ARRAYOID}, NULL
};
static SavedQuery legacy_unlocked_runners_linked_to = {
	"SELECT DISTINCT rp.runner_id FROM runner_policy.ci_runner_projects rp"
	" JOIN runner_policy.ci_runners r ON r.id = rp.runner_id"
	" WHERE rp.project_id = ANY ($1) AND NOT r.locked", 1, {INT8ARRAYOID}, NULL
};
static SavedQuery legacy_runners_owned_by = {
	"SELECT id FROM runner_policy.ci_runners"
	" WHERE runner_type = " CppAsString2(RUNNER_TYPE_PROJECT) " AND sharding_key_id = ANY ($1)",
	1, {INT8ARRAYOID}, NULL
};

/* ----------------------------------------------------------------------
 * Helpers of the builders
 * ---------------------------------------------------------------------- */

/* Runs an "= ANY ($1)" query over a set and collects its first column. */
static IdSet
query_over_set(Reach *r, SavedQuery *query, const IdSet *set)
{
	Datum		arg;

	if (set->n == 0)
		return idset_empty(r->build_cxt);
	arg = idset_array(set);
	(void) reach_query(query, &arg);
	return idset_from_spi(r->build_cxt);
}

static IdSet
query_open(Reach *r, SavedQuery *query)
{
	Datum		vis[2] = {CStringGetTextDatum("public"), CStringGetTextDatum("internal")};
	Datum		arg;
	bool		user_like = reads_projects_as_user(r);

	arg = PointerGetDatum(construct_array(vis, user_like ? 2 : 1, TEXTOID, -1,
										  false, TYPALIGN_INT));
	(void) reach_query(query, &arg);
	return idset_from_spi(r->build_cxt);
}

/*
 * The set being built reads what no announcement covers (the actor's own
 * row, or the runner and link tables): it is worked out again for each
 * statement (set_of).
 */
static void
per_statement(Reach *r)
{
	r->building_per_statement = true;
	r->build_cxt = r->statement_cxt;
}

/* ----------------------------------------------------------------------
 * Who: the kinds of actor, and how each reads and writes
 * ---------------------------------------------------------------------- */

/* Reads runners as its user: a user, or a token acting for one within its scopes. */
static bool
reads_runners_as_user(const Reach *r)
{
	return KIND(r) == ACTOR_USER ||
		(KIND(r) == ACTOR_INSTANCE_TOKEN && HAS(r, SCOPE_READ_RUNNERS)) ||
		KIND(r) == ACTOR_EXTENDED_JOB_TOKEN;
}

static bool
manages_runners_as_user(const Reach *r)
{
	return KIND(r) == ACTOR_USER ||
		(KIND(r) == ACTOR_EXTENDED_JOB_TOKEN && HAS(r, SCOPE_API));
}

static bool
reads_jobs_as_user(const Reach *r)
{
	return KIND(r) == ACTOR_USER ||
		(KIND(r) == ACTOR_INSTANCE_TOKEN && HAS(r, SCOPE_READ_JOBS)) ||
		(KIND(r) == ACTOR_EXTENDED_JOB_TOKEN && HAS(r, SCOPE_READ_API));
}

/*
 * Projects and groups as its user: a user, or an extended job token that may
 * read the API.  A plain job token reads only the projects it may use (its
 * own and those that let its project in), instance tokens and runners only
 * public ones.
 */
bool
reads_projects_as_user(const Reach *r)
{
	return KIND(r) == ACTOR_USER ||
		(KIND(r) == ACTOR_EXTENDED_JOB_TOKEN && HAS(r, SCOPE_READ_API | SCOPE_API));
}

/* Acts for a user at all (the users list is public to them). */
static bool
acts_for_user(const Reach *r)
{
	return KIND(r) == ACTOR_USER || KIND(r) == ACTOR_JOB_TOKEN ||
		KIND(r) == ACTOR_EXTENDED_JOB_TOKEN;
}

bool
sees_everything(const Reach *r)
{
	if (!r->admin && !r->auditor)
		return false;
	take_all(r, TAKEN_SEES_EVERYTHING);
	return true;
}

/* The "who" of the rule table: whether an actor has the set at all. */
static bool
who_any(const Reach *r)
{
	return true;
}

static bool
who_user(const Reach *r)
{
	return KIND(r) == ACTOR_USER;
}

static bool
who_runner(const Reach *r)
{
	return KIND(r) == ACTOR_RUNNER;
}

static bool
who_job_token(const Reach *r)
{
	return KIND(r) == ACTOR_JOB_TOKEN;
}

/* Reads runners as its user and does not already read every runner. */
static bool
who_reads_some_runners(const Reach *r)
{
	return reads_runners_as_user(r) && !sees_everything(r);
}

static bool
who_reads_runners_as_user(const Reach *r)
{
	return reads_runners_as_user(r);
}

static bool
who_manages_runners_as_user(const Reach *r)
{
	return manages_runners_as_user(r);
}

static bool
who_reads_jobs_as_user(const Reach *r)
{
	return reads_jobs_as_user(r);
}

static bool
who_reads_projects_as_user(const Reach *r)
{
	return reads_projects_as_user(r);
}

/* ... or is a plain job token, which reads the projects it may use */
static bool
who_reads_projects_as_user_or_job(const Reach *r)
{
	return reads_projects_as_user(r) || KIND(r) == ACTOR_JOB_TOKEN;
}

static bool
who_acts_for_user(const Reach *r)
{
	return r->actor.user_id != 0;
}

static bool
who_sees_everything_for_user(const Reach *r)
{
	return sees_everything(r) && acts_for_user(r);
}

/* ----------------------------------------------------------------------
 * What: the builders of the rule table
 * ---------------------------------------------------------------------- */

static IdSet
build_runner_read_types(Reach *r)
{
	int64		types[3];
	int			n = 0;

	/* instance runners: any active user; tokens need a read scope */
	if (KIND(r) == ACTOR_USER ||
		(KIND(r) == ACTOR_INSTANCE_TOKEN && HAS(r, SCOPE_READ_RUNNERS)) ||
		(KIND(r) == ACTOR_EXTENDED_JOB_TOKEN && HAS(r, SCOPE_READ_API | SCOPE_API)))
		types[n++] = RUNNER_TYPE_INSTANCE;
	if (reads_runners_as_user(r) && sees_everything(r))
	{
		types[n++] = RUNNER_TYPE_GROUP;
		types[n++] = RUNNER_TYPE_PROJECT;
	}
	return idset_of(r->build_cxt, types, n);
}

static IdSet
build_maintained(Reach *r)
{
	return levels_at_least(r->build_cxt, projects_of(r), LEVEL_MAINTAINER);
}

static IdSet
build_project_maintained_copy(Reach *r)
{
	return set_of(r, RS_PROJECT_MAINTAINED);
}

/*
 * The groups above some projects (their paths, their own groups
 * included): from the places a narrowed reach was given, and from the
 * tables for any project they do not list.
 */
static IdSet
groups_above(Reach *r, const IdSet *projects)
{
	IdSet		above = idset_empty(r->build_cxt);
	IdSet		unplaced = {palloc(sizeof(int64) * Max(projects->n, 1)), 0};

	if (r->places == NULL)
		return query_over_set(r, &ancestors_of_projects, projects);
	for (int i = 0; i < projects->n; i++)
	{
		int			at = idset_find(r->places->project_ids, r->places->n, projects->ids[i]);

		if (at >= 0)
			above = idset_union(r->build_cxt, above, r->places->paths[at]);
		else
			unplaced.ids[unplaced.n++] = projects->ids[i];
	}
	if (unplaced.n > 0)
		above = idset_union(r->build_cxt, above,
							query_over_set(r, &ancestors_of_projects, &unplaced));
	return above;
}

/*
 * maintainer+ of the group or an ancestor (the levels map is already
 * inherited down), or of a project in its subtree
 */
static IdSet
build_runner_read_groups(Reach *r)
{
	IdSet		maintained = set_of(r, RS_PROJECT_MAINTAINED);

	return idset_union(r->build_cxt, levels_at_least(r->build_cxt, namespaces_of(r), LEVEL_MAINTAINER),
					   groups_above(r, &maintained));
}

static IdSet
build_runner_write_types(Reach *r)
{
	int64		types[3];
	int			n = 0;

	if (KIND(r) == ACTOR_USER && r->admin)
		types[n++] = RUNNER_TYPE_INSTANCE;
	if (manages_runners_as_user(r) && r->admin)
	{
		types[n++] = RUNNER_TYPE_GROUP;
		types[n++] = RUNNER_TYPE_PROJECT;
	}
	return idset_of(r->build_cxt, types, n);
}

static IdSet
build_owned_namespaces(Reach *r)
{
	return levels_at_least(r->build_cxt, namespaces_of(r), LEVEL_OWNER);
}

static IdSet
build_runner_self(Reach *r)
{
	return idset_of(r->build_cxt, &r->actor.runner_id, 1);
}

static IdSet
build_user_self(Reach *r)
{
	int64		one = r->actor.user_id;

	r->levels_asked = true;		/* the user's own: not its kind's */
	return idset_of(r->build_cxt, &one, 1);
}

static IdSet
build_reporter_projects(Reach *r)
{
	return levels_at_least(r->build_cxt, projects_of(r), LEVEL_REPORTER);
}

static IdSet
build_developer_projects(Reach *r)
{
	return levels_at_least(r->build_cxt, projects_of(r), LEVEL_DEVELOPER);
}

/* a job token reads its own job, if its user may read the job's project */
static IdSet
build_job_read_ids(Reach *r)
{
	int64		project = r->facts.job_project;

	if (project == 0 ||
		(!sees_everything(r) && level_of(projects_of(r), project) < LEVEL_REPORTER))
		return idset_empty(r->build_cxt);
	return idset_of(r->build_cxt, &r->actor.job_id, 1);
}

/*
 * The projects a runner actor serves, where it may pick up pending jobs:
 * an instance runner those with shared runners enabled, a group runner
 * those in its group's subtree (both from the slow tables, kept), a
 * project runner those it is linked to (from its own row, read with its
 * token for every statement).
 */
static IdSet
build_job_pickup_projects(Reach *r)
{
	Datum		arg;

	switch (r->facts.runner_type)
	{
		case RUNNER_TYPE_INSTANCE:
			(void) reach_query(&projects_sharing_runners, NULL);
			return idset_from_spi(r->build_cxt);
		case RUNNER_TYPE_GROUP:
			if (!r->facts.runner_has_owner)
				return idset_empty(r->build_cxt);
			arg = Int64GetDatum(r->facts.runner_owner);
			(void) reach_query(&projects_under_namespace, &arg);
			return idset_from_spi(r->build_cxt);
		case RUNNER_TYPE_PROJECT:
			per_statement(r);
			return idset_of(r->build_cxt, r->facts.runner_linked, r->facts.runner_nlinked);
	}
	return idset_empty(r->build_cxt);
}

/*
 * The projects it reads as a member (guest or more); a plain job token its
 * own project and those that let it in, if its user may read them.
 */
static IdSet
build_project_read_ids(Reach *r)
{
	IdSet		usable;

	if (KIND(r) != ACTOR_JOB_TOKEN)
		return levels_at_least(r->build_cxt, projects_of(r), LEVEL_GUEST);
	if (!r->have_job_scope)
		load_job_scope(r);
	usable.ids = MemoryContextAlloc(r->build_cxt, sizeof(int64) * (r->job_scope_targets.n + 1));
	usable.n = 0;
	for (int i = -1; i < r->job_scope_targets.n; i++)
	{
		int64		project = i < 0 ? r->facts.job_project : r->job_scope_targets.ids[i];

		if (project != 0 &&
			(sees_everything(r) || level_of(projects_of(r), project) >= LEVEL_REPORTER))
			usable.ids[usable.n++] = project;
	}
	idset_normalize(&usable);
	return usable;
}

static IdSet
build_project_readable_ids(Reach *r)
{
	return idset_union(r->build_cxt, query_open(r, &open_projects), set_of(r, RS_PROJECT_READ_IDS));
}

static IdSet
build_namespace_read_ids(Reach *r)
{
	return levels_at_least(r->build_cxt, namespaces_of(r), LEVEL_GUEST);
}

static IdSet
build_namespace_readable_ids(Reach *r)
{
	return idset_union(r->build_cxt, query_open(r, &open_namespaces), set_of(r, RS_NAMESPACE_READ_IDS));
}

static IdSet
build_projects_open(Reach *r)
{
	return query_open(r, &open_projects);
}

static IdSet
build_projects_all(Reach *r)
{
	(void) reach_query(&all_projects, NULL);
	return idset_from_spi(r->build_cxt);
}

/* Releases 1.0 and 1.1: the same rules, with the runners looked up by link. */
static IdSet
build_legacy_runner_read_ids(Reach *r)
{
	IdSet		maintained = set_of(r, RS_PROJECT_MAINTAINED);

	per_statement(r);
	if (KIND(r) == ACTOR_RUNNER)
		return idset_of(r->build_cxt, &r->actor.runner_id, 1);
	if (!who_reads_some_runners(r))
		return idset_empty(r->build_cxt);
	return query_over_set(r, &legacy_runners_linked_to, &maintained);
}

static IdSet
build_legacy_runners_owned(Reach *r)
{
	IdSet		maintained = set_of(r, RS_PROJECT_MAINTAINED);

	per_statement(r);
	return query_over_set(r, &legacy_runners_owned_by, &maintained);
}

static IdSet
build_legacy_link_runners(Reach *r)
{
	IdSet		maintained = set_of(r, RS_PROJECT_MAINTAINED);

	per_statement(r);
	return query_over_set(r, &legacy_unlocked_runners_linked_to, &maintained);
}

/* ----------------------------------------------------------------------
 * The rule table
 * ---------------------------------------------------------------------- */

const SetRule set_rules[NUM_REACH_SETS] = {
	[RS_RUNNER_READ_TYPES] = {
		.name = "runner_read_types", .use = SET_IN_POLICIES,
		.who = who_any, .build = build_runner_read_types,
		.who_text = "any actor",
		.from_text = "instance runners for users and tokens that read runners; every type for administrators and auditors",
	},
	[RS_RUNNER_READ_PROJECTS] = {
		.name = "runner_read_projects", .use = SET_IN_POLICIES,
		.who = who_reads_some_runners, .build = build_project_maintained_copy,
		.who_text = "users, and read and extended job tokens as their user, who do not read every runner",
		.from_text = "projects the user is maintainer or owner of; a project runner linked to one of them is read",
	},
	[RS_RUNNER_READ_GROUPS] = {
		.name = "runner_read_groups", .use = SET_IN_POLICIES,
		.who = who_reads_some_runners, .build = build_runner_read_groups,
		.who_text = "users, and read and extended job tokens as their user, who do not read every runner",
		.from_text = "groups the user is maintainer or owner of (inherited down), and the groups above a project they maintain",
	},
	[RS_RUNNER_WRITE_TYPES] = {
		.name = "runner_write_types", .use = SET_IN_POLICIES,
		.who = who_any, .build = build_runner_write_types,
		.who_text = "administrators (instance runners: as users only)",
		.from_text = "every runner type an administrator manages",
	},
	[RS_RUNNER_WRITE_PROJECTS] = {
		.name = "runner_write_projects", .use = SET_IN_POLICIES,
		.who = who_manages_runners_as_user, .build = build_project_maintained_copy,
		.who_text = "users, and extended job tokens with api",
		.from_text = "projects the user is maintainer or owner of: their own project runners",
	},
	[RS_RUNNER_WRITE_GROUPS] = {
		.name = "runner_write_groups", .use = SET_IN_POLICIES,
		.who = who_manages_runners_as_user, .build = build_owned_namespaces,
		.who_text = "users, and extended job tokens with api",
		.from_text = "groups the user owns (inherited down): their group runners",
	},
	[RS_RUNNER_SELF] = {
		.name = "runner_self", .use = SET_IN_POLICIES,
		.who = who_runner, .build = build_runner_self,
		.who_text = "runners",
		.from_text = "the runner's own id",
	},
	[RS_LINK_READ_PROJECTS] = {
		.name = "link_read_projects", .use = SET_IN_POLICIES,
		.who = who_reads_runners_as_user, .build = build_project_maintained_copy,
		.who_text = "users, and read and extended job tokens as their user",
		.from_text = "projects the user is maintainer or owner of: links to them, and links of the runners they own",
	},
	[RS_LINK_PROJECTS] = {
		.name = "link_projects", .use = SET_IN_POLICIES,
		.who = who_user, .build = build_project_maintained_copy,
		.who_text = "users (links are made and removed by people)",
		.from_text = "projects the user is maintainer or owner of: runners are linked to and unlinked from them, and their own runners unlinked from others",
	},
	[RS_JOB_READ_PROJECTS] = {
		.name = "job_read_projects", .use = SET_IN_POLICIES,
		.who = who_reads_jobs_as_user, .build = build_reporter_projects,
		.who_text = "users, read tokens with read_jobs, extended job tokens with read_api",
		.from_text = "projects the user is reporter or more of",
	},
	[RS_JOB_READ_IDS] = {
		.name = "job_read_ids", .use = SET_IN_POLICIES,
		.who = who_job_token, .build = build_job_read_ids,
		.who_text = "job tokens",
		.from_text = "the token's own job, if its user may read the job's project",
	},
	[RS_JOB_PICKUP_PROJECTS] = {
		.name = "job_pickup_projects", .use = SET_IN_POLICIES,
		.who = who_runner, .build = build_job_pickup_projects,
		.who_text = "runners",
		.from_text = "the projects the runner serves: linked (project runner), in its group's subtree (group runner), with shared runners enabled (instance runner)",
	},
	[RS_JOB_WRITE_PROJECTS] = {
		.name = "job_write_projects", .use = SET_IN_POLICIES,
		.who = who_user, .build = build_developer_projects,
		.who_text = "users",
		.from_text = "projects the user is developer or more of",
	},
	[RS_PROJECT_READ_IDS] = {
		.name = "project_read_ids", .use = SET_IN_POLICIES,
		.who = who_reads_projects_as_user_or_job, .build = build_project_read_ids,
		.who_text = "users, extended job tokens with read_api or api, job tokens",
		.from_text = "projects the user is a member of (guest or more); for a job token, its project and those that let it in",
	},
	[RS_PROJECT_READABLE_IDS] = {
		.name = "project_readable_ids", .use = SET_IN_POLICIES,
		.who = who_any, .build = build_project_readable_ids,
		.who_text = "any actor",
		.from_text = "open projects (public; internal for users) and project_read_ids",
	},
	[RS_PROJECT_MAINTAINED] = {
		.name = "project_maintained", .use = SET_IN_CORE,
		.who = who_acts_for_user, .build = build_maintained,
		.who_text = "any actor that acts for a user",
		.from_text = "projects the user is maintainer or owner of (directly or by a group)",
	},
	[RS_PROJECT_MANAGED] = {
		.name = "project_managed", .use = SET_IN_POLICIES,
		.who = who_user, .build = build_project_maintained_copy,
		.who_text = "users",
		.from_text = "projects the user is maintainer or owner of: their settings and job token scopes",
	},
	[RS_NAMESPACE_READ_IDS] = {
		.name = "namespace_read_ids", .use = SET_IN_POLICIES,
		.who = who_reads_projects_as_user, .build = build_namespace_read_ids,
		.who_text = "users, extended job tokens with read_api or api",
		.from_text = "groups the user is a member of (guest or more, inherited down)",
	},
	[RS_NAMESPACE_READABLE_IDS] = {
		.name = "namespace_readable_ids", .use = SET_IN_POLICIES,
		.who = who_any, .build = build_namespace_readable_ids,
		.who_text = "any actor",
		.from_text = "open groups (public; internal for users) and namespace_read_ids",
	},
	[RS_NAMESPACE_OWNED] = {
		.name = "namespace_owned", .use = SET_IN_POLICIES,
		.who = who_user, .build = build_owned_namespaces,
		.who_text = "users",
		.from_text = "groups the user owns (inherited down)",
	},
	[RS_USER_SELF] = {
		.name = "user_self", .use = SET_IN_POLICIES,
		.who = who_user, .build = build_user_self,
		.who_text = "users",
		.from_text = "the user's own id",
	},
	[RS_PROJECTS_OPEN] = {
		.name = "projects_open", .use = SET_IN_CORE,
		.who = who_any, .build = build_projects_open,
		.who_text = "any actor",
		.from_text = "public projects, and internal ones for users (authorize)",
	},
	[RS_PROJECTS_ALL] = {
		.name = "projects_all", .use = SET_IN_CORE,
		.who = who_sees_everything_for_user, .build = build_projects_all,
		.who_text = "administrators and auditors, and tokens acting for them",
		.from_text = "every project (authorize)",
	},
	[RS_LEGACY_RUNNER_READ_IDS] = {
		.name = "runner_read_ids", .use = SET_IN_LEGACY_POLICIES,
		.who = who_any, .build = build_legacy_runner_read_ids,
		.who_text = "users and tokens as their user; runners",
		.from_text = "project runners linked to a project the user maintains, looked up in the link table; a runner itself",
	},
	[RS_LEGACY_LINK_READ_RUNNERS] = {
		.name = "link_read_runners", .use = SET_IN_LEGACY_POLICIES,
		.who = who_reads_runners_as_user, .build = build_legacy_runners_owned,
		.who_text = "users, and read and extended job tokens as their user",
		.from_text = "project runners owned by a project the user maintains",
	},
	[RS_LEGACY_LINK_RUNNERS] = {
		.name = "link_runners", .use = SET_IN_LEGACY_POLICIES,
		.who = who_user, .build = build_legacy_link_runners,
		.who_text = "users",
		.from_text = "unlocked runners linked to a project the user maintains",
	},
	[RS_LEGACY_UNLINK_RUNNERS] = {
		.name = "unlink_runners", .use = SET_IN_LEGACY_POLICIES,
		.who = who_user, .build = build_legacy_runners_owned,
		.who_text = "users",
		.from_text = "project runners owned by a project the user maintains",
	},
};

/* ----------------------------------------------------------------------
 * Decisions that fold into plans: who reaches every row of a kind
 * ---------------------------------------------------------------------- */

const char *const reach_all_names[NUM_REACH_ALL] = {
	[RA_ADMIN] = "admin",
	[RA_RUNNERS_READ] = "runners_read",
	[RA_LINKS_READ] = "links_read",
	[RA_JOBS_READ] = "jobs_read",
	[RA_PROJECTS_READ] = "projects_read",
	[RA_NAMESPACES_READ] = "namespaces_read",
	[RA_USERS_READ] = "users_read",
	[RA_MEMBERS_READ] = "members_read",
	[RA_SCOPE_LINKS_READ] = "scope_links_read",
};

bool
decide_reaches_all(Reach *r, ReachAll which)
{
	if (!r->live)
		return false;
	switch (which)
	{
		case RA_ADMIN:
			return KIND(r) == ACTOR_USER && r->admin;
		case RA_RUNNERS_READ:
			/* every runner includes the instance runners, see runner_read_types */
			return reads_runners_as_user(r) && sees_everything(r) &&
				(KIND(r) != ACTOR_EXTENDED_JOB_TOKEN || HAS(r, SCOPE_READ_API | SCOPE_API));
		case RA_LINKS_READ:
			return reads_runners_as_user(r) && sees_everything(r);
		case RA_JOBS_READ:
			return reads_jobs_as_user(r) && sees_everything(r);
		case RA_PROJECTS_READ:
		case RA_NAMESPACES_READ:
		case RA_MEMBERS_READ:
			return reads_projects_as_user(r) && sees_everything(r);
		case RA_USERS_READ:
			return acts_for_user(r);
		case RA_SCOPE_LINKS_READ:
			return KIND(r) == ACTOR_USER && sees_everything(r);
		case NUM_REACH_ALL:
			break;
	}
	return false;
}

/*
 * Which decisions are folded into plans (plan_binding.c): all but
 * users_read, which every user actor has and no actor lacks but the
 * absence of one.  Folded, it would make the plans of a user differ from
 * those of no actor, and every transaction of a pooled connection, whose
 * actor ends at commit, would plan its statements afresh.
 */
bool
reach_all_folded(ReachAll which)
{
	return which != RA_USERS_READ;
}

/*
 * The folded decisions of an actor, as bits (1 << ReachAll), from what was
 * known of it when it was set (actor.h: the hints).  A guess, for keeping
 * cached plans: every decision that counts is made again from the tables.
 */
uint32
decisions_guessed(const Actor *actor)
{
	Reach		r;
	uint32		bits = 0;

	memset(&r, 0, sizeof(r));
	r.actor = *actor;
	r.live = actor->kind != ACTOR_NONE;
	r.admin = actor->admin_hint;
	r.auditor = actor->auditor_hint;
	for (int i = 0; i < NUM_REACH_ALL; i++)
		if (reach_all_folded((ReachAll) i) && decide_reaches_all(&r, (ReachAll) i))
			bits |= 1u << i;
	return bits;
}

/* Decided once, when the reach is built: asked for every row. */
bool
reaches_all(Reach *r, ReachAll which)
{
	if (r->all[which])
		take_all(r, which);
	return r->all[which];
}

/* ----------------------------------------------------------------------
 * Sets, built on first use
 * ---------------------------------------------------------------------- */

/* Serial numbers of the sets built: one set's content, for ever. */
static uint64 set_serials = 0;

static void
build_set(Reach *r, const SetRule *rule, IdSet *set)
{
	reach_building++;
	PG_TRY();
	{
		*set = (r->live && rule->who(r)) ? rule->build(r) : idset_empty(r->cxt);
	}
	PG_FINALLY();
	{
		reach_building--;
	}
	PG_END_TRY();
}

IdSet
set_of(Reach *r, ReachSet which)
{
	if (!r->have_set[which])
	{
		const SetRule *rule = &set_rules[which];
		IdSet		set;
		bool		asked_before = r->levels_asked;
		bool		per_statement_before = r->building_per_statement;
		MemoryContext cxt_before = r->build_cxt;

		/* a builder may ask for the sets it builds on: set_of() nests */
		r->levels_asked = false;
		r->building_per_statement = false;
		r->build_cxt = r->cxt;
		build_set(r, rule, &set);
		r->build_cxt = cxt_before;
		r->sets[which] = set;
		r->set_serial[which] = ++set_serials;
		r->set_asked_levels[which] = r->levels_asked;
		r->set_per_statement[which] = r->building_per_statement;
		r->levels_asked |= asked_before;
		r->building_per_statement |= per_statement_before;
		r->have_set[which] = true;
	}
	else
	{
		if (r->set_asked_levels[which])
			r->levels_asked = true;
		if (r->set_per_statement[which])
			r->building_per_statement = true;
	}
	take_set(r, which);
	return r->sets[which];
}

/* The index of a set's name, or -1. */
int
reach_set_index(const char *name)
{
	for (int i = 0; i < NUM_REACH_SETS; i++)
		if (strcmp(name, set_rules[i].name) == 0)
			return i;
	return -1;
}

/* ----------------------------------------------------------------------
 * The runner rules over one stored row (same sets as the policies)
 * ---------------------------------------------------------------------- */

/*
 * A runner's stored row, read as the rights are (reach_query), with the
 * projects it is linked to from its own row (release 1.2's SQL) or, before
 * it, unknown (the legacy sets then stand for them).
 */
bool
stored_runner(int64 runner_id, RunnerFacts *f)
{
	Datum		arg = Int64GetDatum(runner_id);
	bool		linked_on_row = runner_policy_sql_at_least(1, 2);
	int64		type = 0;
	bool		isnull;
	Datum		locked;

	if (reach_query(linked_on_row ? &runner_facts : &runner_facts_legacy, &arg) == 0)
		return false;
	memset(f, 0, sizeof(*f));
	f->id = runner_id;
	(void) spi_result_int64(0, 1, &type);
	f->type = (int) type;
	f->has_owner = spi_result_int64(0, 2, &f->owner);
	locked = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull);
	f->locked = !isnull && DatumGetBool(locked);
	f->linked_known = linked_on_row;
	if (linked_on_row)
	{
		Datum		linked = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull);

		f->linked = isnull ? idset_empty(CurrentMemoryContext) :
			idset_of_array(CurrentMemoryContext, linked);
	}
	return true;
}

/* Is any project the runner is linked to in a set of the reach? */
static bool
linked_to_any(Reach *r, const RunnerFacts *f, ReachSet which, ReachSet legacy)
{
	IdSet		set;

	if (!f->linked_known)
	{
		set = set_of(r, legacy);
		return idset_contains(&set, f->id);
	}
	set = set_of(r, which);
	for (int i = 0; i < f->linked.n; i++)
		if (idset_contains(&set, f->linked.ids[i]))
			return true;
	return false;
}

/*
 * runner_access decides many users at once on reaches narrowed to the
 * levels these probes read on one runner (access_view.c): on a project
 * runner, the projects it is linked to and its owner, and to link it, one
 * project it is not linked to; on a group runner, its group and the
 * projects below it.  A probe that comes to read another level must be
 * narrowed there too.  It also keeps a kind of user's decision for runners
 * whose rows differ by id alone: for a user, only the legacy sets read a
 * runner's id (runner_self is a runner actor's own).
 */

/* The runner read rule, as the ci_runners SELECT policy states it. */
bool
runner_readable(Reach *r, const RunnerFacts *f)
{
	IdSet		set;

	/* each arm builds its set only when the arms before it said no */
	if (reaches_all(r, RA_RUNNERS_READ))
		return true;
	set = set_of(r, RS_RUNNER_READ_TYPES);
	if (idset_contains(&set, f->type))
		return true;
	set = set_of(r, RS_RUNNER_SELF);
	if (idset_contains(&set, f->id))
		return true;
	if (f->type == RUNNER_TYPE_PROJECT)
	{
		/* the owner link may not be there yet (INSERT ... RETURNING) */
		set = set_of(r, RS_RUNNER_READ_PROJECTS);
		if (!f->linked_known && f->has_owner && idset_contains(&set, f->owner))
			return true;
		return linked_to_any(r, f, RS_RUNNER_READ_PROJECTS, RS_LEGACY_RUNNER_READ_IDS);
	}
	if (f->type == RUNNER_TYPE_GROUP && f->has_owner)
	{
		set = set_of(r, RS_RUNNER_READ_GROUPS);
		return idset_contains(&set, f->owner);
	}
	return false;
}

/* The runner manage rule, as the ci_runners UPDATE/DELETE policies state it. */
bool
runner_manageable(Reach *r, const RunnerFacts *f)
{
	IdSet		set = set_of(r, RS_RUNNER_WRITE_TYPES);

	if (idset_contains(&set, f->type))
		return true;
	if (f->type == RUNNER_TYPE_PROJECT && f->has_owner)
	{
		set = set_of(r, RS_RUNNER_WRITE_PROJECTS);
		return idset_contains(&set, f->owner);
	}
	if (f->type == RUNNER_TYPE_GROUP && f->has_owner)
	{
		set = set_of(r, RS_RUNNER_WRITE_GROUPS);
		return idset_contains(&set, f->owner);
	}
	return false;
}

/*
 * The runner half of the link rule (the project half is the
 * ci_runner_projects INSERT policy's, link_projects): an administrator
 * links any runner; a user links an unlocked runner that is linked to a
 * project they maintain.
 */
bool
runner_linkable(Reach *r, const RunnerFacts *f)
{
	if (reaches_all(r, RA_ADMIN))
		return true;
	if (f->type != RUNNER_TYPE_PROJECT || f->locked)
		return false;
	if (!f->linked_known)
	{
		IdSet		set = set_of(r, RS_LEGACY_LINK_RUNNERS);

		return idset_contains(&set, f->id);
	}
	return linked_to_any(r, f, RS_LINK_PROJECTS, RS_LEGACY_LINK_RUNNERS);
}

/*
 * The runner types on which runner_readable(), runner_manageable() and
 * runner_linkable() can say yes without asking for a membership: their
 * arms that ask only what the actor is (reaches_all, the type sets).  On
 * a runner of another type a yes comes through a set built from
 * memberships, or not at all.  runner_access lists what each kind of user
 * may do by these types, and what a user may do beyond that through its
 * memberships (access.c): a probe that gains an arm asking no membership
 * must be listed here too.
 */
IdSet
readable_types_by_kind(Reach *r)
{
	int64		every[3] = {RUNNER_TYPE_INSTANCE, RUNNER_TYPE_GROUP, RUNNER_TYPE_PROJECT};

	if (reaches_all(r, RA_RUNNERS_READ))
		return idset_of(CurrentMemoryContext, every, 3);
	return set_of(r, RS_RUNNER_READ_TYPES);
}

IdSet
manageable_types_by_kind(Reach *r)
{
	return set_of(r, RS_RUNNER_WRITE_TYPES);
}

IdSet
linkable_types_by_kind(Reach *r)
{
	int64		every[3] = {RUNNER_TYPE_INSTANCE, RUNNER_TYPE_GROUP, RUNNER_TYPE_PROJECT};

	if (reaches_all(r, RA_ADMIN))
		return idset_of(CurrentMemoryContext, every, 3);
	return idset_empty(CurrentMemoryContext);
}

/* The visibility levels the actor reads (reach_visibilities()). */
static bool
visibility_readable(Reach *r, const char *visibility)
{
	if (!r->live)
		return false;
	if (strcmp(visibility, "public") == 0)
		return true;
	return strcmp(visibility, "internal") == 0 && reads_projects_as_user(r);
}

/*
 * The project and namespace read rules, as the projects_read and
 * namespaces_read policies state them, over a row's stored facts.
 */
bool
project_readable(Reach *r, int64 id, int64 namespace_id, const char *visibility)
{
	IdSet		projects = set_of(r, RS_PROJECT_READ_IDS);
	IdSet		namespaces = set_of(r, RS_NAMESPACE_READ_IDS);

	return reaches_all(r, RA_PROJECTS_READ) ||
		visibility_readable(r, visibility) ||
		idset_contains(&projects, id) || idset_contains(&namespaces, namespace_id);
}

bool
namespace_readable(Reach *r, int64 id, bool has_parent, int64 parent_id,
				   const char *visibility)
{
	IdSet		namespaces = set_of(r, RS_NAMESPACE_READ_IDS);

	return reaches_all(r, RA_NAMESPACES_READ) ||
		visibility_readable(r, visibility) ||
		idset_contains(&namespaces, id) ||
		(has_parent && idset_contains(&namespaces, parent_id));
}

/* ----------------------------------------------------------------------
 * SQL: reach_sets(), the rule table for tests and DBAs
 * ---------------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(rp_reach_sets);

/*
 * reach_sets() -> SETOF (name text, used_in text, who text, computed_from
 * text): one row per set; used_in is 'policies' (named by the SQL of this
 * release), 'core' (asked by the C code only) or 'legacy' (named only by
 * the policies of releases before 1.2).
 */
Datum
rp_reach_sets(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	static const char *const uses[] = {
		[SET_IN_POLICIES] = "policies",
		[SET_IN_CORE] = "core",
		[SET_IN_LEGACY_POLICIES] = "legacy",
	};

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < NUM_REACH_SETS; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = CStringGetTextDatum(set_rules[i].name);
		values[1] = CStringGetTextDatum(uses[set_rules[i].use]);
		values[2] = CStringGetTextDatum(set_rules[i].who_text);
		values[3] = CStringGetTextDatum(set_rules[i].from_text);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* The saved queries of this file, for runner_policy.saved_queries() (saved_queries.c). */
const SavedQueryEntry rules_saved_queries[] = {
	SAVED_QUERY_ENTRY(ancestors_of_projects),
	SAVED_QUERY_ENTRY(open_projects),
	SAVED_QUERY_ENTRY(open_namespaces),
	SAVED_QUERY_ENTRY(projects_sharing_runners),
	SAVED_QUERY_ENTRY(projects_under_namespace),
	SAVED_QUERY_ENTRY(all_projects),
	SAVED_QUERY_ENTRY(runner_facts),
	SAVED_QUERY_ENTRY(runner_facts_legacy),
	SAVED_QUERY_ENTRY(legacy_runners_linked_to),
	SAVED_QUERY_ENTRY(legacy_unlocked_runners_linked_to),
	SAVED_QUERY_ENTRY(legacy_runners_owned_by),
	{NULL, NULL}
};
