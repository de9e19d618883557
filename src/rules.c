/*-------------------------------------------------------------------------
 *
 * rules.c
 *	  Who reaches what: every rule of SPEC section 5, in one place.
 *
 * The policies, authorize(), the queue view, explain_access() and the
 * write-path guards all ask these functions, through the reach
 * (policy_core.c builds and keeps it, reach.h describes it):
 *
 * - decide_reaches_all(): who reaches every row of a kind (administrators,
 *   auditors, read tokens), the policies' first arm, decided once per
 *   reach and folded into plans (plan_binding.c);
 * - build_set(): the id sets the other arms probe, one case per set, each
 *   saying who has it and from what it is computed;
 * - runner_readable(), runner_manageable(), project_readable(),
 *   namespace_readable(): the same rules over one stored row, for the C
 *   guards and explain_access().
 *
 * Who may read a project runner, for instance: anyone who reaches all
 * runners_read (decide_reaches_all, RA_RUNNERS_READ); a runner, itself
 * (RS_RUNNER_READ_IDS); a user (or a token acting for one) who maintains
 * a project the runner is linked to (RS_RUNNER_READ_IDS, over
 * runners_linked_to) or the project that owns it (RS_RUNNER_READ_PROJECTS).
 * The ci_runners_read policy asks exactly those, and runner_readable()
 * states the same for one row.
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
#include "utils/array.h"
#include "utils/builtins.h"

#include "actor.h"
#include "idset.h"
#include "owner_spi.h"
#include "reach.h"
#include "runner_policy.h"

SavedQuery runners_linked_to = {
	"SELECT DISTINCT runner_id FROM runner_policy.ci_runner_projects"
	" WHERE project_id = ANY ($1)", 1, {INT8ARRAYOID}, NULL
};

SavedQuery unlocked_runners_linked_to = {
	"SELECT DISTINCT rp.runner_id FROM runner_policy.ci_runner_projects rp"
	" JOIN runner_policy.ci_runners r ON r.id = rp.runner_id"
	" WHERE rp.project_id = ANY ($1) AND NOT r.locked", 1, {INT8ARRAYOID}, NULL
};

SavedQuery runners_owned_by = {
	"SELECT id FROM runner_policy.ci_runners"
	" WHERE runner_type = " CppAsString2(RUNNER_TYPE_PROJECT) " AND sharding_key_id = ANY ($1)", 1, {INT8ARRAYOID}, NULL
};

SavedQuery ancestors_of_projects = {
	"SELECT DISTINCT unnest(n.traversal_ids) FROM runner_policy.projects p"
	" JOIN runner_policy.namespaces n ON n.id = p.namespace_id"
	" WHERE p.id = ANY ($1)", 1, {INT8ARRAYOID}, NULL
};

SavedQuery open_projects = {
	"SELECT id FROM runner_policy.projects WHERE visibility = ANY ($1)",
	1, {TEXTARRAYOID}, NULL
};

SavedQuery open_namespaces = {
	"SELECT id FROM runner_policy.namespaces WHERE visibility = ANY ($1)",
	1, {TEXTARRAYOID}, NULL
};

SavedQuery runner_kind = {
	"SELECT runner_type, sharding_key_id FROM runner_policy.ci_runners WHERE id = $1",
	1, {INT8OID}, NULL
};

SavedQuery projects_sharing_runners = {
	"SELECT id FROM runner_policy.projects WHERE shared_runners_enabled",
	0, {InvalidOid}, NULL
};

SavedQuery projects_under_namespace = {
	"SELECT p.id FROM runner_policy.namespaces n"
	" JOIN runner_policy.projects p ON p.namespace_id = n.id"
	" WHERE n.traversal_ids @> ARRAY[$1::bigint]", 1, {INT8OID}, NULL
};

SavedQuery projects_linked_to_runner = {
	"SELECT project_id FROM runner_policy.ci_runner_projects WHERE runner_id = $1",
	1, {INT8OID}, NULL
};

SavedQuery job_project = {
	"SELECT project_id FROM runner_policy.ci_builds WHERE id = $1",
	1, {INT8OID}, NULL
};

SavedQuery all_projects = {
	"SELECT id FROM runner_policy.projects", 0, {InvalidOid}, NULL
};

/* Runs an "= ANY ($1)" query over a set and collects its first column. */
static IdSet
query_over_set(Reach *r, SavedQuery *query, const IdSet *set)
{
	Datum		arg;

	if (set->n == 0)
		return idset_empty(r->cxt);
	arg = idset_array(set);
	(void) reach_query(query, &arg);
	return idset_from_spi(r->cxt);
}

/* A query over the projects the actor's user maintains. */
static IdSet
over_maintained(Reach *r, SavedQuery *query)
{
	IdSet		maintained = set_of(r, RS_PROJECT_MAINTAINED);

	return query_over_set(r, query, &maintained);
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
	return idset_from_spi(r->cxt);
}


/* ----------------------------------------------------------------------
 * The rules (SPEC section 5)
 * ---------------------------------------------------------------------- */

/* Reads as its user: a user, or a token acting for one within its scopes. */
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
	return r->admin || r->auditor;
}

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
	return r->all[which];
}

/* The projects a runner actor serves: where it may pick up pending jobs. */
static IdSet
pickup_projects(Reach *r)
{
	Datum		arg = Int64GetDatum(r->actor.runner_id);
	int64		type = 0;
	int64		owner = 0;

	if (reach_query(&runner_kind, &arg) == 0)
		return idset_empty(r->cxt);
	(void) spi_result_int64(0, 1, &type);
	(void) spi_result_int64(0, 2, &owner);
	if (type == RUNNER_TYPE_INSTANCE)
		(void) reach_query(&projects_sharing_runners, NULL);
	else if (type == RUNNER_TYPE_GROUP)
	{
		arg = Int64GetDatum(owner);
		(void) reach_query(&projects_under_namespace, &arg);
	}
	else
		(void) reach_query(&projects_linked_to_runner, &arg);
	return idset_from_spi(r->cxt);
}

static IdSet
build_set(Reach *r, ReachSet which)
{
	int64		one;

	if (!r->live)
		return idset_empty(r->cxt);

	switch (which)
	{
		case RS_RUNNER_READ_TYPES:
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
				return idset_of(r->cxt, types, n);
			}
		case RS_RUNNER_READ_IDS:
			if (KIND(r) == ACTOR_RUNNER)
				return idset_of(r->cxt, &r->actor.runner_id, 1);
			/* maintainer+ of any project the runner is linked to */
			if (!reads_runners_as_user(r) || sees_everything(r))
				return idset_empty(r->cxt);
			return over_maintained(r, &runners_linked_to);
		case RS_RUNNER_READ_PROJECTS:
			/*
			 * The owner project's runners, by owner: the same runners as
			 * through their owner links, but also a runner being registered
			 * right now, whose owner link is not there yet (INSERT ...
			 * RETURNING reads it back).
			 */
			if (!reads_runners_as_user(r) || sees_everything(r))
				return idset_empty(r->cxt);
			return set_of(r, RS_PROJECT_MAINTAINED);
		case RS_RUNNER_READ_GROUPS:
			{
				/*
				 * maintainer+ of the group or an ancestor (the levels map is
				 * already inherited down), or of a project in its subtree
				 */
				if (!reads_runners_as_user(r) || sees_everything(r))
					return idset_empty(r->cxt);
				return idset_union(r->cxt, levels_at_least(r->cxt, namespaces_of(r), LEVEL_MAINTAINER),
								   over_maintained(r, &ancestors_of_projects));
			}
		case RS_RUNNER_WRITE_TYPES:
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
				return idset_of(r->cxt, types, n);
			}
		case RS_RUNNER_WRITE_PROJECTS:
			if (!manages_runners_as_user(r))
				return idset_empty(r->cxt);
			return set_of(r, RS_PROJECT_MAINTAINED);
		case RS_RUNNER_WRITE_GROUPS:
			if (!manages_runners_as_user(r))
				return idset_empty(r->cxt);
			return levels_at_least(r->cxt, namespaces_of(r), LEVEL_OWNER);
		case RS_RUNNER_SELF:
			if (KIND(r) != ACTOR_RUNNER)
				return idset_empty(r->cxt);
			return idset_of(r->cxt, &r->actor.runner_id, 1);
		case RS_LINK_READ_PROJECTS:
			if (!reads_runners_as_user(r))
				return idset_empty(r->cxt);
			return set_of(r, RS_PROJECT_MAINTAINED);
		case RS_LINK_READ_RUNNERS:
			if (!reads_runners_as_user(r))
				return idset_empty(r->cxt);
			return over_maintained(r, &runners_owned_by);
		case RS_LINK_PROJECTS:
			/* users only: links are made and removed by people */
			if (KIND(r) != ACTOR_USER)
				return idset_empty(r->cxt);
			return set_of(r, RS_PROJECT_MAINTAINED);
		case RS_LINK_RUNNERS:
			/* unlocked, and linked to a project it maintains */
			if (KIND(r) != ACTOR_USER)
				return idset_empty(r->cxt);
			return over_maintained(r, &unlocked_runners_linked_to);
		case RS_UNLINK_RUNNERS:
			/* maintainer+ of the runner's owner project: the same runners */
			if (KIND(r) != ACTOR_USER)
				return idset_empty(r->cxt);
			return set_of(r, RS_LINK_READ_RUNNERS);
		case RS_JOB_READ_PROJECTS:
			if (!reads_jobs_as_user(r))
				return idset_empty(r->cxt);
			return levels_at_least(r->cxt, projects_of(r), LEVEL_REPORTER);
		case RS_JOB_READ_IDS:
			{
				/* a job token reads its own job, if its user may */
				Datum		arg = Int64GetDatum(r->actor.job_id);
				int64		project = 0;

				if (KIND(r) != ACTOR_JOB_TOKEN)
					return idset_empty(r->cxt);
				if (reach_query(&job_project, &arg) == 0 ||
					!spi_result_int64(0, 1, &project))
					return idset_empty(r->cxt);
				if (!sees_everything(r) &&
					level_of(projects_of(r), project) < LEVEL_REPORTER)
					return idset_empty(r->cxt);
				return idset_of(r->cxt, &r->actor.job_id, 1);
			}
		case RS_JOB_PICKUP_PROJECTS:
			if (KIND(r) != ACTOR_RUNNER)
				return idset_empty(r->cxt);
			return pickup_projects(r);
		case RS_JOB_WRITE_PROJECTS:
			if (KIND(r) != ACTOR_USER)
				return idset_empty(r->cxt);
			return levels_at_least(r->cxt, projects_of(r), LEVEL_DEVELOPER);
		case RS_PROJECT_READ_IDS:
			if (KIND(r) == ACTOR_JOB_TOKEN)
			{
				/* its own project and those that let it in, if its user may read them */
				IdSet		usable;

				if (!r->have_job_project)
					load_job_project(r);
				usable.ids = MemoryContextAlloc(r->cxt, sizeof(int64) * (r->job_scope_targets.n + 1));
				usable.n = 0;
				for (int i = -1; i < r->job_scope_targets.n; i++)
				{
					int64		project = i < 0 ? r->job_project : r->job_scope_targets.ids[i];

					if (project != 0 &&
						(sees_everything(r) || level_of(projects_of(r), project) >= LEVEL_REPORTER))
						usable.ids[usable.n++] = project;
				}
				idset_normalize(&usable);
				return usable;
			}
			if (!reads_projects_as_user(r))
				return idset_empty(r->cxt);
			return levels_at_least(r->cxt, projects_of(r), LEVEL_GUEST);
		case RS_PROJECT_READABLE_IDS:
			return idset_union(r->cxt, query_open(r, &open_projects), set_of(r, RS_PROJECT_READ_IDS));
		case RS_PROJECT_MAINTAINED:
			if (r->actor.user_id == 0)
				return idset_empty(r->cxt);
			return levels_at_least(r->cxt, projects_of(r), LEVEL_MAINTAINER);
		case RS_PROJECT_MANAGED:
			if (KIND(r) != ACTOR_USER)
				return idset_empty(r->cxt);
			return set_of(r, RS_PROJECT_MAINTAINED);
		case RS_NAMESPACE_READ_IDS:
			if (!reads_projects_as_user(r))
				return idset_empty(r->cxt);
			return levels_at_least(r->cxt, namespaces_of(r), LEVEL_GUEST);
		case RS_NAMESPACE_READABLE_IDS:
			return idset_union(r->cxt, query_open(r, &open_namespaces), set_of(r, RS_NAMESPACE_READ_IDS));
		case RS_NAMESPACE_OWNED:
			if (KIND(r) != ACTOR_USER)
				return idset_empty(r->cxt);
			return levels_at_least(r->cxt, namespaces_of(r), LEVEL_OWNER);
		case RS_PROJECTS_OPEN:
			return query_open(r, &open_projects);
		case RS_PROJECTS_ALL:
			if (!sees_everything(r) || !acts_for_user(r))
				return idset_empty(r->cxt);
			(void) reach_query(&all_projects, NULL);
			return idset_from_spi(r->cxt);
		case RS_USER_SELF:
			if (KIND(r) != ACTOR_USER)
				return idset_empty(r->cxt);
			r->levels_asked = true; /* the user's own: not its kind's */
			one = r->actor.user_id;
			return idset_of(r->cxt, &one, 1);
		case NUM_REACH_SETS:
			break;
	}
	elog(ERROR, "unknown reach set %d", (int) which);
	pg_unreachable();
}

IdSet
set_of(Reach *r, ReachSet which)
{
	if (!r->have_set[which])
	{
		IdSet		set;
		bool		asked_before = r->levels_asked;

		/* a builder may ask for the sets it builds on: set_of() nests */
		r->levels_asked = false;
		set = build_set(r, which);
		r->sets[which] = set;
		r->set_asked_levels[which] = r->levels_asked;
		r->levels_asked |= asked_before;
		r->have_set[which] = true;
	}
	else if (r->set_asked_levels[which])
		r->levels_asked = true;
	return r->sets[which];
}

/* ----------------------------------------------------------------------
 * Probes used by the C functions (same sets as the policies)
 * ---------------------------------------------------------------------- */

bool
stored_runner(int64 runner_id, StoredRunner *runner)
{
	Datum		arg = Int64GetDatum(runner_id);
	int64		type = 0;

	if (reach_query(&runner_kind, &arg) == 0)
		return false;
	(void) spi_result_int64(0, 1, &type);
	runner->type = (int) type;
	runner->owner = 0;
	runner->has_owner = spi_result_int64(0, 2, &runner->owner);
	return true;
}

/* The runner read rule, as the ci_runners SELECT policy states it. */
bool
runner_readable(Reach *r, int64 id, int type, bool has_owner, int64 owner)
{
	IdSet		set;

	/* each arm builds its set only when the arms before it said no */
	if (reaches_all(r, RA_RUNNERS_READ))
		return true;
	set = set_of(r, RS_RUNNER_READ_TYPES);
	if (idset_contains(&set, type))
		return true;
	if (type == RUNNER_TYPE_PROJECT && has_owner)
	{
		/* before the links: this arm needs no query beyond the levels */
		set = set_of(r, RS_RUNNER_READ_PROJECTS);
		if (idset_contains(&set, owner))
			return true;
	}
	set = set_of(r, RS_RUNNER_READ_IDS);
	if (idset_contains(&set, id))
		return true;
	if (type == RUNNER_TYPE_GROUP && has_owner)
	{
		set = set_of(r, RS_RUNNER_READ_GROUPS);
		return idset_contains(&set, owner);
	}
	return false;
}

/* The runner manage rule, as the ci_runners UPDATE/DELETE policies state it. */
bool
runner_manageable(Reach *r, int type, bool has_owner, int64 owner)
{
	IdSet		set = set_of(r, RS_RUNNER_WRITE_TYPES);

	if (idset_contains(&set, type))
		return true;
	if (type == RUNNER_TYPE_PROJECT && has_owner)
	{
		set = set_of(r, RS_RUNNER_WRITE_PROJECTS);
		return idset_contains(&set, owner);
	}
	if (type == RUNNER_TYPE_GROUP && has_owner)
	{
		set = set_of(r, RS_RUNNER_WRITE_GROUPS);
		return idset_contains(&set, owner);
	}
	return false;
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


/* The saved queries of this file, for runner_policy.saved_queries() (saved_queries.c). */
const SavedQueryEntry rules_saved_queries[] = {
	SAVED_QUERY_ENTRY(runners_linked_to),
	SAVED_QUERY_ENTRY(unlocked_runners_linked_to),
	SAVED_QUERY_ENTRY(runners_owned_by),
	SAVED_QUERY_ENTRY(ancestors_of_projects),
	SAVED_QUERY_ENTRY(open_projects),
	SAVED_QUERY_ENTRY(open_namespaces),
	SAVED_QUERY_ENTRY(runner_kind),
	SAVED_QUERY_ENTRY(projects_sharing_runners),
	SAVED_QUERY_ENTRY(projects_under_namespace),
	SAVED_QUERY_ENTRY(projects_linked_to_runner),
	SAVED_QUERY_ENTRY(job_project),
	SAVED_QUERY_ENTRY(all_projects),
	{NULL, NULL}
};
