/*-------------------------------------------------------------------------
 *
 * policy_core.c
 *	  The one place that decides what the actor may read and do.
 *
 * Every rule of SPEC section 5 is written here, once.  The row-level
 * security policies of sql/runner_policy--1.0.sql, the runner queue view,
 * authorize() and the token functions all ask this file; none decides by
 * itself.
 *
 * How a decision is made.  Once per statement this file works out the
 * actor's reach: whether the actor is still alive (its user active, its
 * token valid, its job running), the user's effective access level on every
 * project and group it can reach (the highest of its project membership and
 * its group memberships on the namespace or any ancestor), and from those,
 * lazily, the sets of ids each rule needs: the runners it may read, the
 * projects whose runners it may manage, the groups whose group runners it
 * may read, and so on.  A handful of indexed queries, run as the tables'
 * owner under the statement's own snapshot, then every row is decided by
 * probing those sets in memory.  No decision runs a query per row.
 *
 * How policies ask.  A policy is an expression over the row's own columns
 * and calls of reach(set) and reach_all(set) (no subqueries, so that it also
 * works on Citus).  reach(set) returns one of the sets as a bigint[], so the
 * policy reads "id = ANY (reach('runner_read_ids'))": the planner can turn
 * that into an index scan whose keys are computed once, and, because the
 * functions are STABLE, it estimates the plan with the actor's real sets.
 * reach_all(set) returns the lowest bigint when the actor reaches every row
 * of a kind and NULL otherwise, so "id >= reach_all('jobs_read')" is an
 * index range that is either everything or nothing.
 *
 * Which state the reach reads.  The reach queries read the newest committed
 * state (and the transaction's own work), not the statement's snapshot: who
 * the actor is and what it may do is a question about now, so a token dies
 * the moment its job finishes and a removed membership counts from the next
 * statement, also inside a REPEATABLE READ transaction whose rows are older.
 *
 * Cache lifetime.  The reach is keyed on the actor (its generation), the
 * local transaction and the client statement (its start time): every new
 * statement rebuilds it, and nothing within one statement does, not even the
 * command counter increments of a bulk write's triggers.  reach() returns
 * arrays that live in the reach; a reach is freed only at the second rebuild
 * after it, and no expression holds such an array across statements.
 *
 * The read path never writes: all of this reads, and so works unchanged on a
 * hot standby.
 *
 * src/policy_core.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "actor.h"
#include "owner_spi.h"
#include "policy_core.h"
#include "runner_policy.h"
#include "token.h"

PG_FUNCTION_INFO_V1(rp_reach);
PG_FUNCTION_INFO_V1(rp_reach_all);
PG_FUNCTION_INFO_V1(rp_reach_visibilities);
PG_FUNCTION_INFO_V1(rp_member_change_allowed);
PG_FUNCTION_INFO_V1(rp_authorize);
PG_FUNCTION_INFO_V1(rp_runner_queue);

/* SPEC section 3: access levels */
#define LEVEL_GUEST			10
#define LEVEL_REPORTER		20
#define LEVEL_DEVELOPER		30
#define LEVEL_MAINTAINER	40
#define LEVEL_OWNER			50

/* ----------------------------------------------------------------------
 * The sets a policy can ask for
 * ---------------------------------------------------------------------- */

typedef enum ReachSet
{
	RS_RUNNER_READ_TYPES,		/* runner types the actor reads entirely */
	RS_RUNNER_READ_IDS,			/* project runners (and itself, a runner) it reads */
	RS_RUNNER_READ_PROJECTS,	/* projects whose own project runners it reads */
	RS_RUNNER_READ_GROUPS,		/* namespaces whose group runners it reads */
	RS_RUNNER_WRITE_TYPES,		/* runner types it manages entirely */
	RS_RUNNER_WRITE_PROJECTS,	/* projects whose project runners it manages */
	RS_RUNNER_WRITE_GROUPS,		/* namespaces whose group runners it manages */
	RS_RUNNER_SELF,				/* a runner actor's own id */
	RS_LINK_READ_PROJECTS,		/* projects whose runner links it reads */
	RS_LINK_READ_RUNNERS,		/* runners whose links it reads */
	RS_LINK_PROJECTS,			/* projects it may link runners to and unlink from */
	RS_LINK_RUNNERS,			/* runners it may link to another project */
	RS_UNLINK_RUNNERS,			/* runners it may unlink from any project */
	RS_JOB_READ_PROJECTS,		/* projects whose jobs it reads */
	RS_JOB_READ_IDS,			/* single jobs it reads (a job token's own) */
	RS_JOB_PICKUP_PROJECTS,		/* projects whose pending jobs a runner may take */
	RS_JOB_WRITE_PROJECTS,		/* projects whose jobs it creates and cancels */
	RS_PROJECT_READ_IDS,		/* projects it reads as a member */
	RS_PROJECT_READABLE_IDS,	/* every project it reads (members lists) */
	RS_PROJECT_MAINTAINED,		/* projects its user maintains (any kind) */
	RS_PROJECT_MANAGED,			/* projects a user actor maintains */
	RS_NAMESPACE_READ_IDS,		/* namespaces it reads as a member */
	RS_NAMESPACE_READABLE_IDS,	/* every namespace it reads (members lists) */
	RS_NAMESPACE_OWNED,			/* namespaces it owns (directly or inherited) */
	RS_USER_SELF,				/* its own user id */
	RS_PROJECTS_OPEN,			/* public (and, for users, internal) projects */
	RS_PROJECTS_ALL,			/* every project, for admins and auditors */
	NUM_REACH_SETS
} ReachSet;

static const char *const reach_set_names[NUM_REACH_SETS] = {
	"runner_read_types", "runner_read_ids", "runner_read_projects",
	"runner_read_groups",
	"runner_write_types", "runner_write_projects", "runner_write_groups",
	"runner_self", "link_read_projects", "link_read_runners", "link_projects",
	"link_runners", "unlink_runners", "job_read_projects", "job_read_ids",
	"job_pickup_projects", "job_write_projects", "project_read_ids",
	"project_readable_ids", "project_maintained", "project_managed",
	"namespace_read_ids",
	"namespace_readable_ids", "namespace_owned", "user_self",
	"projects_open", "projects_all"
};

/* The kinds of rows an actor may reach all of. */
typedef enum ReachAll
{
	RA_ADMIN,					/* every write an administrator may make */
	RA_RUNNERS_READ,
	RA_LINKS_READ,
	RA_JOBS_READ,
	RA_PROJECTS_READ,
	RA_NAMESPACES_READ,
	RA_USERS_READ,
	RA_MEMBERS_READ,
	RA_SCOPE_LINKS_READ,
	NUM_REACH_ALL
} ReachAll;

static const char *const reach_all_names[NUM_REACH_ALL] = {
	"admin", "runners_read", "links_read", "jobs_read", "projects_read", "namespaces_read",
	"users_read", "members_read", "scope_links_read"
};

/* A sorted set of ids, and a sorted map of ids to access levels. */
typedef struct IdSet
{
	int64	   *ids;
	int			n;
} IdSet;

typedef struct LevelMap
{
	int64	   *ids;
	int16	   *levels;
	int			n;
} LevelMap;

/* Job counts behind runner_queue_status, built once per statement. */
typedef struct QueueCounts
{
	IdSet		running_runners;	/* runner ids with running jobs ... */
	int64	   *running_counts;		/* ... and how many */
	int64		pending_shared;		/* pending jobs of shared-runner projects */
	IdSet		pending_groups;		/* namespaces with pending jobs below ... */
	int64	   *pending_group_counts;
	IdSet		pending_runners;	/* project runners with pending jobs ... */
	int64	   *pending_runner_counts;
} QueueCounts;

typedef struct Reach
{
	MemoryContext cxt;

	/* what it was built for */
	uint64		generation;
	LocalTransactionId lxid;
	TimestampTz statement;

	Actor		actor;
	bool		live;
	bool		admin;			/* the actor's user is an administrator */
	bool		auditor;		/* ... an auditor */

	bool		all[NUM_REACH_ALL];	/* reaches every row of that kind */

	bool		have_levels;
	LevelMap	project_levels;
	LevelMap	namespace_levels;

	bool		have_set[NUM_REACH_SETS];
	IdSet		sets[NUM_REACH_SETS];
	Datum		arrays[NUM_REACH_SETS];	/* the sets as bigint[], built once */

	bool		have_queue;
	QueueCounts queue;

	bool		have_job_project;
	int64		job_project;	/* a job token's project, 0 if gone */
	IdSet		job_scope_targets;	/* projects that let the job's project in */
} Reach;

static Reach *cached = NULL;
static Reach *previous = NULL;	/* kept one rebuild longer, see rp_reach() */

/*
 * One call into the policy core.  Elevation to the tables' owner and SPI
 * start only when a query must run (need_spi), so that a policy evaluated
 * for every row of a scan costs a few comparisons once the statement's
 * reach is built.  After an error the transaction abort has cleaned up SPI
 * and the user id, and the next call starts afresh.
 */
typedef struct ReachCall
{
	OwnerSpi	spi;
	bool		started;
} ReachCall;

static ReachCall *active_call = NULL;

static void
need_spi(void)
{
	Assert(active_call != NULL);
	if (!active_call->started)
	{
		owner_spi_begin(&active_call->spi, runner_policy_tables_owner());
		active_call->started = true;
	}
}

/* A reach query: under the newest state, as the tables' owner. */
static uint64
reach_query(SavedQuery *query, Datum *args)
{
	need_spi();
	return saved_query_run_latest(query, args, NULL);
}

#if PG_VERSION_NUM >= 170000
#define CURRENT_LXID	(MyProc->vxid.lxid)
#else
#define CURRENT_LXID	(MyProc->lxid)
#endif

/* ----------------------------------------------------------------------
 * Sets and maps
 * ---------------------------------------------------------------------- */

static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* Sorts and removes duplicates, in place. */
static void
idset_normalize(IdSet *set)
{
	int			out = 0;

	if (set->n <= 1)
		return;
	qsort(set->ids, set->n, sizeof(int64), cmp_int64);
	for (int i = 0; i < set->n; i++)
		if (out == 0 || set->ids[out - 1] != set->ids[i])
			set->ids[out++] = set->ids[i];
	set->n = out;
}

static int
idset_find(const int64 *ids, int n, int64 id)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (ids[mid] == id)
			return mid;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static bool
idset_contains(const IdSet *set, int64 id)
{
	return idset_find(set->ids, set->n, id) >= 0;
}

static int
level_of(const LevelMap *map, int64 id)
{
	int			i = idset_find(map->ids, map->n, id);

	return i < 0 ? 0 : map->levels[i];
}

/* The ids of a map whose level is at least "min". */
static IdSet
levels_at_least(Reach *r, const LevelMap *map, int min)
{
	IdSet		set;

	set.ids = MemoryContextAlloc(r->cxt, sizeof(int64) * Max(map->n, 1));
	set.n = 0;
	for (int i = 0; i < map->n; i++)
		if (map->levels[i] >= min)
			set.ids[set.n++] = map->ids[i];
	return set;
}

static IdSet
idset_of(Reach *r, const int64 *ids, int n)
{
	IdSet		set;

	set.ids = MemoryContextAlloc(r->cxt, sizeof(int64) * Max(n, 1));
	memcpy(set.ids, ids, sizeof(int64) * n);
	set.n = n;
	idset_normalize(&set);
	return set;
}

static IdSet
idset_empty(Reach *r)
{
	return idset_of(r, NULL, 0);
}

/* The first column (bigint) of every row of the last SPI result. */
static IdSet
idset_from_spi(Reach *r)
{
	IdSet		set;

	set.ids = MemoryContextAlloc(r->cxt, sizeof(int64) * Max(SPI_processed, 1));
	set.n = 0;
	for (uint64 i = 0; i < SPI_processed; i++)
		if (spi_result_int64(i, 1, &set.ids[set.n]))
			set.n++;
	idset_normalize(&set);
	return set;
}

static Datum
idset_array(const IdSet *set)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(set->n, 1));

	for (int i = 0; i < set->n; i++)
		elems[i] = Int64GetDatum(set->ids[i]);
	return PointerGetDatum(construct_array(elems, set->n, INT8OID, sizeof(int64),
										   true, TYPALIGN_DOUBLE));
}

/* ----------------------------------------------------------------------
 * Queries, run as the tables' owner under the statement's snapshot
 * ---------------------------------------------------------------------- */

/*
 * Effective access of a user: for every namespace the highest level of its
 * group memberships on that namespace or an ancestor, and for every project
 * the highest of that and its project membership.
 */
static SavedQuery user_levels = {
	"WITH groups AS ("
	"  SELECT n.id, max(gm.access_level) AS level"
	"    FROM runner_policy.group_members gm"
	"    JOIN runner_policy.namespaces n ON n.traversal_ids @> ARRAY[gm.namespace_id]"
	"   WHERE gm.user_id = $1 GROUP BY n.id)"
	" SELECT 'n'::text, id, level FROM groups"
	" UNION ALL"
	" SELECT 'p', id, max(level) FROM ("
	"   SELECT pm.project_id AS id, pm.access_level AS level"
	"     FROM runner_policy.project_members pm WHERE pm.user_id = $1"
	"   UNION ALL"
	"   SELECT p.id, g.level FROM groups g"
	"     JOIN runner_policy.projects p ON p.namespace_id = g.id) AS x"
	" GROUP BY id ORDER BY 1, 2",
	1, {INT8OID}, NULL
};
static SavedQuery runners_linked_to = {
	"SELECT DISTINCT runner_id FROM runner_policy.ci_runner_projects"
	" WHERE project_id = ANY ($1)", 1, {INT8ARRAYOID}, NULL
};
static SavedQuery unlocked_runners_linked_to = {
	"SELECT DISTINCT rp.runner_id FROM runner_policy.ci_runner_projects rp"
	" JOIN runner_policy.ci_runners r ON r.id = rp.runner_id"
	" WHERE rp.project_id = ANY ($1) AND NOT r.locked", 1, {INT8ARRAYOID}, NULL
};
static SavedQuery runners_owned_by = {
	"SELECT id FROM runner_policy.ci_runners"
	" WHERE runner_type = 3 AND sharding_key_id = ANY ($1)", 1, {INT8ARRAYOID}, NULL
};
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
static SavedQuery runner_kind = {
	"SELECT runner_type, sharding_key_id FROM runner_policy.ci_runners WHERE id = $1",
	1, {INT8OID}, NULL
};
static SavedQuery project_facts = {
	"SELECT namespace_id, visibility FROM runner_policy.projects WHERE id = $1",
	1, {INT8OID}, NULL
};
static SavedQuery namespace_facts = {
	"SELECT parent_id, visibility FROM runner_policy.namespaces WHERE id = $1",
	1, {INT8OID}, NULL
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
static SavedQuery projects_linked_to_runner = {
	"SELECT project_id FROM runner_policy.ci_runner_projects WHERE runner_id = $1",
	1, {INT8OID}, NULL
};
static SavedQuery job_project = {
	"SELECT project_id FROM runner_policy.ci_builds WHERE id = $1",
	1, {INT8OID}, NULL
};
static SavedQuery scope_link_targets = {
	"SELECT target_project_id FROM runner_policy.ci_job_token_scope_links"
	" WHERE source_project_id = $1", 1, {INT8OID}, NULL
};
static SavedQuery all_projects = {
	"SELECT id FROM runner_policy.projects", 0, {InvalidOid}, NULL
};
static SavedQuery running_per_runner = {
	"SELECT runner_id, count(*) FROM runner_policy.ci_builds"
	" WHERE status = 'running' AND runner_id IS NOT NULL"
	" GROUP BY runner_id ORDER BY runner_id", 0, {InvalidOid}, NULL
};
static SavedQuery pending_per_namespace_path = {
	"SELECT p.shared_runners_enabled, n.traversal_ids, count(*)"
	"  FROM runner_policy.ci_builds b"
	"  JOIN runner_policy.projects p ON p.id = b.project_id"
	"  JOIN runner_policy.namespaces n ON n.id = p.namespace_id"
	" WHERE b.status = 'pending' GROUP BY 1, 2", 0, {InvalidOid}, NULL
};
static SavedQuery pending_per_project_runner = {
	"SELECT rp.runner_id, count(*) FROM runner_policy.ci_runner_projects rp"
	"  JOIN runner_policy.ci_builds b ON b.project_id = rp.project_id"
	" WHERE b.status = 'pending' GROUP BY rp.runner_id ORDER BY 1",
	0, {InvalidOid}, NULL
};

/* ----------------------------------------------------------------------
 * Building the reach
 * ---------------------------------------------------------------------- */

static bool
reach_matches(const Reach *r)
{
	return r != NULL &&
		r->generation == actor_generation() &&
		r->lxid == CURRENT_LXID &&
		r->statement == GetCurrentStatementStartTimestamp();
}

static void
load_levels(Reach *r)
{
	MemoryContext old;
	int			np = 0,
				nn = 0;

	r->have_levels = true;
	memset(&r->project_levels, 0, sizeof(LevelMap));
	memset(&r->namespace_levels, 0, sizeof(LevelMap));
	if (r->actor.user_id == 0)
		return;

	{
		Datum		arg = Int64GetDatum(r->actor.user_id);
		uint64		n = reach_query(&user_levels, &arg);

		old = MemoryContextSwitchTo(r->cxt);
		r->project_levels.ids = palloc(sizeof(int64) * Max(n, 1));
		r->project_levels.levels = palloc(sizeof(int16) * Max(n, 1));
		r->namespace_levels.ids = palloc(sizeof(int64) * Max(n, 1));
		r->namespace_levels.levels = palloc(sizeof(int16) * Max(n, 1));
		MemoryContextSwitchTo(old);

		/* ordered by kind, then id: each map comes out sorted */
		for (uint64 i = 0; i < n; i++)
		{
			char	   *kind = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
			int64		id;
			int64		level;

			(void) spi_result_int64(i, 2, &id);
			(void) spi_result_int64(i, 3, &level);
			if (kind[0] == 'p')
			{
				r->project_levels.ids[np] = id;
				r->project_levels.levels[np++] = (int16) level;
			}
			else
			{
				r->namespace_levels.ids[nn] = id;
				r->namespace_levels.levels[nn++] = (int16) level;
			}
		}
	}
	r->project_levels.n = np;
	r->namespace_levels.n = nn;
}

static const LevelMap *
projects_of(Reach *r)
{
	if (!r->have_levels)
		load_levels(r);
	return &r->project_levels;
}

static const LevelMap *
namespaces_of(Reach *r)
{
	if (!r->have_levels)
		load_levels(r);
	return &r->namespace_levels;
}

static IdSet set_of(Reach *r, ReachSet which);

/* Runs an "= ANY ($1)" query over a set and collects its first column. */
static IdSet
query_over_set(Reach *r, SavedQuery *query, const IdSet *set)
{
	Datum		arg;

	if (set->n == 0)
		return idset_empty(r);
	arg = idset_array(set);
	(void) reach_query(query, &arg);
	return idset_from_spi(r);
}

/* A query over the projects the actor's user maintains. */
static IdSet
over_maintained(Reach *r, SavedQuery *query)
{
	IdSet		maintained = set_of(r, RS_PROJECT_MAINTAINED);

	return query_over_set(r, query, &maintained);
}

/* The union of two sets, as a new set. */
static IdSet
idset_union(Reach *r, IdSet a, IdSet b)
{
	IdSet		all;

	all.ids = MemoryContextAlloc(r->cxt, sizeof(int64) * Max(a.n + b.n, 1));
	memcpy(all.ids, a.ids, sizeof(int64) * a.n);
	memcpy(all.ids + a.n, b.ids, sizeof(int64) * b.n);
	all.n = a.n + b.n;
	idset_normalize(&all);
	return all;
}

static bool reads_projects_as_user(const Reach *r);

static IdSet
query_open(Reach *r, SavedQuery *query)
{
	Datum		vis[2] = {CStringGetTextDatum("public"), CStringGetTextDatum("internal")};
	Datum		arg;
	bool		user_like = reads_projects_as_user(r);

	arg = PointerGetDatum(construct_array(vis, user_like ? 2 : 1, TEXTOID, -1,
										  false, TYPALIGN_INT));
	(void) reach_query(query, &arg);
	return idset_from_spi(r);
}

static void load_job_project(Reach *r);

/* ----------------------------------------------------------------------
 * The rules (SPEC section 5)
 * ---------------------------------------------------------------------- */

#define KIND(r)			((r)->actor.kind)
#define HAS(r, scope)	(((r)->actor.scopes & (scope)) != 0)

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
static bool
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

static bool
sees_everything(const Reach *r)
{
	return r->admin || r->auditor;
}

static bool
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

/* Decided once, when the reach is built: asked for every row. */
static bool
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
		return idset_empty(r);
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
	return idset_from_spi(r);
}

static IdSet
build_set(Reach *r, ReachSet which)
{
	int64		one;

	if (!r->live)
		return idset_empty(r);

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
				return idset_of(r, types, n);
			}
		case RS_RUNNER_READ_IDS:
			if (KIND(r) == ACTOR_RUNNER)
				return idset_of(r, &r->actor.runner_id, 1);
			/* maintainer+ of any project the runner is linked to */
			if (!reads_runners_as_user(r) || sees_everything(r))
				return idset_empty(r);
			return over_maintained(r, &runners_linked_to);
		case RS_RUNNER_READ_PROJECTS:
			/*
			 * The owner project's runners, by owner: the same runners as
			 * through their owner links, but also a runner being registered
			 * right now, whose owner link is not there yet (INSERT ...
			 * RETURNING reads it back).
			 */
			if (!reads_runners_as_user(r) || sees_everything(r))
				return idset_empty(r);
			return set_of(r, RS_PROJECT_MAINTAINED);
		case RS_RUNNER_READ_GROUPS:
			{
				/*
				 * maintainer+ of the group or an ancestor (the levels map is
				 * already inherited down), or of a project in its subtree
				 */
				if (!reads_runners_as_user(r) || sees_everything(r))
					return idset_empty(r);
				return idset_union(r, levels_at_least(r, namespaces_of(r), LEVEL_MAINTAINER),
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
				return idset_of(r, types, n);
			}
		case RS_RUNNER_WRITE_PROJECTS:
			if (!manages_runners_as_user(r))
				return idset_empty(r);
			return set_of(r, RS_PROJECT_MAINTAINED);
		case RS_RUNNER_WRITE_GROUPS:
			if (!manages_runners_as_user(r))
				return idset_empty(r);
			return levels_at_least(r, namespaces_of(r), LEVEL_OWNER);
		case RS_RUNNER_SELF:
			if (KIND(r) != ACTOR_RUNNER)
				return idset_empty(r);
			return idset_of(r, &r->actor.runner_id, 1);
		case RS_LINK_READ_PROJECTS:
			if (!reads_runners_as_user(r))
				return idset_empty(r);
			return set_of(r, RS_PROJECT_MAINTAINED);
		case RS_LINK_READ_RUNNERS:
			if (!reads_runners_as_user(r))
				return idset_empty(r);
			return over_maintained(r, &runners_owned_by);
		case RS_LINK_PROJECTS:
			/* users only: links are made and removed by people */
			if (KIND(r) != ACTOR_USER)
				return idset_empty(r);
			return set_of(r, RS_PROJECT_MAINTAINED);
		case RS_LINK_RUNNERS:
			/* unlocked, and linked to a project it maintains */
			if (KIND(r) != ACTOR_USER)
				return idset_empty(r);
			return over_maintained(r, &unlocked_runners_linked_to);
		case RS_UNLINK_RUNNERS:
			/* maintainer+ of the runner's owner project: the same runners */
			if (KIND(r) != ACTOR_USER)
				return idset_empty(r);
			return set_of(r, RS_LINK_READ_RUNNERS);
		case RS_JOB_READ_PROJECTS:
			if (!reads_jobs_as_user(r))
				return idset_empty(r);
			return levels_at_least(r, projects_of(r), LEVEL_REPORTER);
		case RS_JOB_READ_IDS:
			{
				/* a job token reads its own job, if its user may */
				Datum		arg = Int64GetDatum(r->actor.job_id);
				int64		project = 0;

				if (KIND(r) != ACTOR_JOB_TOKEN)
					return idset_empty(r);
				if (reach_query(&job_project, &arg) == 0 ||
					!spi_result_int64(0, 1, &project))
					return idset_empty(r);
				if (!sees_everything(r) &&
					level_of(projects_of(r), project) < LEVEL_REPORTER)
					return idset_empty(r);
				return idset_of(r, &r->actor.job_id, 1);
			}
		case RS_JOB_PICKUP_PROJECTS:
			if (KIND(r) != ACTOR_RUNNER)
				return idset_empty(r);
			return pickup_projects(r);
		case RS_JOB_WRITE_PROJECTS:
			if (KIND(r) != ACTOR_USER)
				return idset_empty(r);
			return levels_at_least(r, projects_of(r), LEVEL_DEVELOPER);
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
				return idset_empty(r);
			return levels_at_least(r, projects_of(r), LEVEL_GUEST);
		case RS_PROJECT_READABLE_IDS:
			return idset_union(r, query_open(r, &open_projects), set_of(r, RS_PROJECT_READ_IDS));
		case RS_PROJECT_MAINTAINED:
			if (r->actor.user_id == 0)
				return idset_empty(r);
			return levels_at_least(r, projects_of(r), LEVEL_MAINTAINER);
		case RS_PROJECT_MANAGED:
			if (KIND(r) != ACTOR_USER)
				return idset_empty(r);
			return set_of(r, RS_PROJECT_MAINTAINED);
		case RS_NAMESPACE_READ_IDS:
			if (!reads_projects_as_user(r))
				return idset_empty(r);
			return levels_at_least(r, namespaces_of(r), LEVEL_GUEST);
		case RS_NAMESPACE_READABLE_IDS:
			return idset_union(r, query_open(r, &open_namespaces), set_of(r, RS_NAMESPACE_READ_IDS));
		case RS_NAMESPACE_OWNED:
			if (KIND(r) != ACTOR_USER)
				return idset_empty(r);
			return levels_at_least(r, namespaces_of(r), LEVEL_OWNER);
		case RS_PROJECTS_OPEN:
			return query_open(r, &open_projects);
		case RS_PROJECTS_ALL:
			if (!sees_everything(r) || !acts_for_user(r))
				return idset_empty(r);
			(void) reach_query(&all_projects, NULL);
			return idset_from_spi(r);
		case RS_USER_SELF:
			if (KIND(r) != ACTOR_USER)
				return idset_empty(r);
			one = r->actor.user_id;
			return idset_of(r, &one, 1);
		case NUM_REACH_SETS:
			break;
	}
	elog(ERROR, "unknown reach set %d", (int) which);
	pg_unreachable();
}

static IdSet
set_of(Reach *r, ReachSet which)
{
	if (!r->have_set[which])
	{
		IdSet		set;

		/* a builder may ask for the sets it builds on: set_of() nests */
		set = build_set(r, which);
		r->sets[which] = set;
		r->have_set[which] = true;
	}
	return r->sets[which];
}

/*
 * The reach of the current actor for the running statement.  Call it inside
 * WITH_REACH: the sets are built lazily, by queries that start SPI there.
 */
static Reach *
current_reach(void)
{
	Reach	   *r;
	MemoryContext cxt;

	if (reach_matches(cached))
		return cached;

	if (previous != NULL)
		MemoryContextDelete(previous->cxt);
	previous = cached;
	cached = NULL;

	cxt = AllocSetContextCreate(TopMemoryContext, "runner_policy reach",
								ALLOCSET_SMALL_SIZES);
	r = MemoryContextAllocZero(cxt, sizeof(Reach));
	r->cxt = cxt;
	r->generation = actor_generation();
	r->lxid = CURRENT_LXID;
	r->statement = GetCurrentStatementStartTimestamp();
	r->actor = *actor_current();
	if (r->actor.kind != ACTOR_NONE)
	{
		need_spi();
		r->live = actor_still_valid(&r->actor, &r->admin, &r->auditor);
		if (!r->live)
		{
			bool		was_token = r->actor.kind != ACTOR_USER;

			MemoryContextDelete(cxt);
			actor_clear();
			/* no reach is current now; the next call rebuilds */
			if (was_token)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
						 errmsg("invalid token"),
						 errdetail("The token is unknown, expired or revoked, or its job has finished."),
						 errhint("Authenticate again.")));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("the acting user is blocked or gone"),
					 errhint("Blocked users cannot be acted as.")));
		}
	}
	for (int i = 0; i < NUM_REACH_ALL; i++)
		r->all[i] = decide_reaches_all(r, (ReachAll) i);
	cached = r;
	return r;
}

/* Runs the statements after "r" with the reach of the current statement. */
#define WITH_REACH(r, ...) \
	do { \
		ReachCall	call_ = {0}; \
		active_call = &call_; \
		(r) = current_reach(); \
		__VA_ARGS__; \
		if (call_.started) \
			owner_spi_end(&call_.spi); \
		active_call = NULL; \
	} while (0)

/* ----------------------------------------------------------------------
 * Probes used by the C functions (same sets as the policies)
 * ---------------------------------------------------------------------- */

/* The runner read rule, as the ci_runners SELECT policy states it. */
static bool
runner_readable(Reach *r, int64 id, int type, bool has_owner, int64 owner)
{
	IdSet		types = set_of(r, RS_RUNNER_READ_TYPES);
	IdSet		ids = set_of(r, RS_RUNNER_READ_IDS);
	IdSet		projects = set_of(r, RS_RUNNER_READ_PROJECTS);
	IdSet		groups = set_of(r, RS_RUNNER_READ_GROUPS);

	return reaches_all(r, RA_RUNNERS_READ) ||
		idset_contains(&types, type) || idset_contains(&ids, id) ||
		(type == RUNNER_TYPE_PROJECT && has_owner && idset_contains(&projects, owner)) ||
		(type == RUNNER_TYPE_GROUP && has_owner && idset_contains(&groups, owner));
}

/* The runner manage rule, as the ci_runners UPDATE/DELETE policies state it. */
static bool
runner_manageable(Reach *r, int type, bool has_owner, int64 owner)
{
	IdSet		types = set_of(r, RS_RUNNER_WRITE_TYPES);
	IdSet		projects = set_of(r, RS_RUNNER_WRITE_PROJECTS);
	IdSet		groups = set_of(r, RS_RUNNER_WRITE_GROUPS);

	return idset_contains(&types, type) ||
		(type == RUNNER_TYPE_PROJECT && has_owner && idset_contains(&projects, owner)) ||
		(type == RUNNER_TYPE_GROUP && has_owner && idset_contains(&groups, owner));
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
static bool
project_readable(Reach *r, int64 id, int64 namespace_id, const char *visibility)
{
	IdSet		projects = set_of(r, RS_PROJECT_READ_IDS);
	IdSet		namespaces = set_of(r, RS_NAMESPACE_READ_IDS);

	return reaches_all(r, RA_PROJECTS_READ) ||
		visibility_readable(r, visibility) ||
		idset_contains(&projects, id) || idset_contains(&namespaces, namespace_id);
}

static bool
namespace_readable(Reach *r, int64 id, bool has_parent, int64 parent_id,
				   const char *visibility)
{
	IdSet		namespaces = set_of(r, RS_NAMESPACE_READ_IDS);

	return reaches_all(r, RA_NAMESPACES_READ) ||
		visibility_readable(r, visibility) ||
		idset_contains(&namespaces, id) ||
		(has_parent && idset_contains(&namespaces, parent_id));
}

bool
policy_actor_is_admin(void)
{
	Reach	   *r;
	bool		result;

	WITH_REACH(r, result = reaches_all(r, RA_ADMIN));
	return result;
}

bool
policy_actor_is_user(int64 user_id)
{
	Reach	   *r;
	bool		result;

	WITH_REACH(r, result = r->live && KIND(r) == ACTOR_USER && r->actor.user_id == user_id);
	return result;
}

bool
policy_may_manage_runner(int64 runner_id)
{
	Reach	   *r;
	bool		result = false;

	WITH_REACH(r,
			   {
				   Datum arg = Int64GetDatum(runner_id);

				   if (r->live && reach_query(&runner_kind, &arg) > 0)
				   {
					   int64 type = 0;
					   int64 owner = 0;
					   bool has_owner;

					   (void) spi_result_int64(0, 1, &type);
					   has_owner = spi_result_int64(0, 2, &owner);
					   result = runner_manageable(r, (int) type, has_owner, owner);
				   }
			   });
	return result;
}

/* ----------------------------------------------------------------------
 * SQL: reach(set text) -> bigint[], reach_all(set text) -> bigint
 * ---------------------------------------------------------------------- */

/*
 * The set a call site names.  A policy names it with a constant and calls it
 * for every row, so a constant name is parsed once per call site and kept in
 * fn_extra; any other argument is parsed on every call.
 */
static int
named_constant(FunctionCallInfo fcinfo, const char *const *names, int count,
			   const char *what)
{
	int		   *cached_index = (int *) fcinfo->flinfo->fn_extra;
	char	   *name;

	if (cached_index != NULL)
		return *cached_index;
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be null", what)));
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	for (int i = 0; i < count; i++)
		if (strcmp(name, names[i]) == 0)
		{
			if (get_fn_expr_arg_stable(fcinfo->flinfo, 0))
			{
				cached_index = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(int));
				*cached_index = i;
				fcinfo->flinfo->fn_extra = cached_index;
			}
			return i;
		}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown %s \"%s\"", what, name)));
	pg_unreachable();
}

Datum
rp_reach(PG_FUNCTION_ARGS)
{
	ReachSet	which = (ReachSet) named_constant(fcinfo, reach_set_names,
												  NUM_REACH_SETS, "reach set");
	Reach	   *r;
	Datum		array = (Datum) 0;

	/* the per-row path of every policy arm, once the statement's set is built */
	if (reach_matches(cached) && cached->arrays[which] != (Datum) 0)
		PG_RETURN_DATUM(cached->arrays[which]);

	WITH_REACH(r,
			   {
				   if (r->arrays[which] == (Datum) 0)
				   {
					   IdSet set = set_of(r, which);
					   MemoryContext old = MemoryContextSwitchTo(r->cxt);

					   r->arrays[which] = idset_array(&set);
					   MemoryContextSwitchTo(old);
				   }
				   array = r->arrays[which];
			   });
	/*
	 * Not a copy: the caller uses the array within this evaluation (a scan's
	 * array keys are copied out at scan start), and the reach it lives in
	 * outlives the next rebuild.  This is the per-row cost of a policy.
	 */
	PG_RETURN_DATUM(array);
}

Datum
rp_reach_all(PG_FUNCTION_ARGS)
{
	ReachAll	which = (ReachAll) named_constant(fcinfo, reach_all_names,
												  NUM_REACH_ALL, "reach kind");
	Reach	   *r;
	bool		all;

	/* the per-row path of every "everything" arm: no query, no call setup */
	if (reach_matches(cached))
		all = reaches_all(cached, which);
	else
		WITH_REACH(r, all = reaches_all(r, which));
	if (!all)
		PG_RETURN_NULL();
	PG_RETURN_INT64(PG_INT64_MIN);
}

/* reach_visibilities() -> text[]: the visibility levels the actor reads */
Datum
rp_reach_visibilities(PG_FUNCTION_ARGS)
{
	Reach	   *r;
	int			n = 0;
	Datum		vis[2];

	WITH_REACH(r,
			   {
				   if (r->live)
					   vis[n++] = CStringGetTextDatum("public");
				   if (r->live && reads_projects_as_user(r))
					   vis[n++] = CStringGetTextDatum("internal");
			   });
	PG_RETURN_DATUM(PointerGetDatum(construct_array(vis, n, TEXTOID, -1, false,
													TYPALIGN_INT)));
}

/*
 * member_change_allowed(target text, target_id bigint, access_level int)
 *
 * Maintainers+ add and remove members of their project up to their own
 * level; group owners likewise for their group; admins anything.
 */
Datum
rp_member_change_allowed(PG_FUNCTION_ARGS)
{
	Reach	   *r;
	bool		project;
	int64		target;
	int32		level;
	bool		allowed = false;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_BOOL(false);
	project = strcmp(text_to_cstring(PG_GETARG_TEXT_PP(0)), "project") == 0;
	target = PG_GETARG_INT64(1);
	level = PG_GETARG_INT32(2);

	WITH_REACH(r,
			   {
				   if (reaches_all(r, RA_ADMIN))
					   allowed = true;
				   else if (r->live && KIND(r) == ACTOR_USER)
				   {
					   int own = project ? level_of(projects_of(r), target) :
						   level_of(namespaces_of(r), target);

					   allowed = own >= (project ? LEVEL_MAINTAINER : LEVEL_OWNER) &&
						   level <= own;
				   }
			   });
	PG_RETURN_BOOL(allowed);
}

/* ----------------------------------------------------------------------
 * SQL: authorize(project_id bigint, scope text) -> bool
 * ---------------------------------------------------------------------- */

/*
 * What the actor's user may do with a scope on a project: sets only, so that
 * authorize() in a WHERE clause over many projects runs no query per row.
 */
static bool
user_may(Reach *r, uint32 scope, int64 project)
{
	int			level;

	if (sees_everything(r))
	{
		IdSet		all = set_of(r, RS_PROJECTS_ALL);

		if (!idset_contains(&all, project))
			return false;
		if (r->admin || (scope & READ_SCOPES))
			return true;
	}
	level = level_of(projects_of(r), project);
	if (scope & READ_SCOPES)
	{
		IdSet		open = set_of(r, RS_PROJECTS_OPEN);

		return level >= LEVEL_REPORTER || idset_contains(&open, project);
	}
	return level >= LEVEL_DEVELOPER;
}

static void
load_job_project(Reach *r)
{
	Datum		arg = Int64GetDatum(r->actor.job_id);

	r->have_job_project = true;
	r->job_project = 0;
	r->job_scope_targets = idset_empty(r);
	if (reach_query(&job_project, &arg) == 0 ||
		!spi_result_int64(0, 1, &r->job_project))
		return;
	arg = Int64GetDatum(r->job_project);
	(void) reach_query(&scope_link_targets, &arg);
	r->job_scope_targets = idset_from_spi(r);
}

Datum
rp_authorize(PG_FUNCTION_ARGS)
{
	int64		project;
	char	   *scope_text;
	uint32		scope;
	Reach	   *r;
	bool		allowed = false;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("project_id must not be null")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("scope must not be null")));
	project = PG_GETARG_INT64(0);
	scope_text = text_to_cstring(PG_GETARG_TEXT_PP(1));
	scope = scope_parse(scope_text);
	if ((scope & PROJECT_SCOPES) == 0)
	{
		int			cut = pg_mbcliplen(scope_text, strlen(scope_text), 40);

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown scope \"%.*s\"", cut, scope_text),
				 errhint("Scopes are read_api, api, read_repository, write_repository, read_registry, write_registry and write_releases.")));
	}

	WITH_REACH(r,
			   {
				   if (!r->live || r->actor.user_id == 0 || KIND(r) == ACTOR_INSTANCE_TOKEN)
					   allowed = false;
				   else if (KIND(r) == ACTOR_USER)
					   allowed = user_may(r, scope, project);
				   else if (KIND(r) == ACTOR_EXTENDED_JOB_TOKEN)
					   allowed = HAS(r, scope) && user_may(r, scope, project);
				   else if (KIND(r) == ACTOR_JOB_TOKEN)
				   {
					   bool by_token;

					   if (!r->have_job_project)
						   load_job_project(r);
					   by_token = (project == r->job_project &&
								   (scope & (READ_SCOPES | SCOPE_WRITE_REGISTRY))) ||
						   ((scope & READ_SCOPES) &&
							idset_contains(&r->job_scope_targets, project));
					   allowed = by_token && user_may(r, scope, project);
				   }
			   });
	PG_RETURN_BOOL(allowed);
}

/* ----------------------------------------------------------------------
 * SQL: runner_queue(runner_id, runner_type, sharding_key_id)
 *		-> (running_jobs bigint, pending_jobs bigint)
 * ---------------------------------------------------------------------- */

typedef struct CountEntry
{
	int64		id;
	int64		count;
} CountEntry;

static int
cmp_count_entry(const void *a, const void *b)
{
	return cmp_int64(&((const CountEntry *) a)->id, &((const CountEntry *) b)->id);
}

/* The last SPI result's (id, count) rows, sorted by id, into two arrays. */
static void
counts_from_spi(Reach *r, IdSet *ids, int64 **counts)
{
	ids->ids = MemoryContextAlloc(r->cxt, sizeof(int64) * Max(SPI_processed, 1));
	*counts = MemoryContextAlloc(r->cxt, sizeof(int64) * Max(SPI_processed, 1));
	ids->n = 0;
	for (uint64 i = 0; i < SPI_processed; i++)
		if (spi_result_int64(i, 1, &ids->ids[ids->n]))
		{
			(void) spi_result_int64(i, 2, &(*counts)[ids->n]);
			ids->n++;
		}
}

/*
 * Pending jobs counted once per statement: per project runner through its
 * links, per namespace for every project below it, and in all for projects
 * that let shared runners in.
 */
static void
load_queue(Reach *r)
{
	QueueCounts *q = &r->queue;
	CountEntry *entries = NULL;
	int			n = 0,
				size = 0;

	r->have_queue = true;
	(void) reach_query(&running_per_runner, NULL);
	counts_from_spi(r, &q->running_runners, &q->running_counts);
	(void) reach_query(&pending_per_project_runner, NULL);
	counts_from_spi(r, &q->pending_runners, &q->pending_runner_counts);

	(void) reach_query(&pending_per_namespace_path, NULL);
	q->pending_shared = 0;
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		bool		shared = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		ArrayType  *path = DatumGetArrayTypeP(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
		int64		count;
		Datum	   *elems;
		int			nelems;

		(void) spi_result_int64(i, 3, &count);
		if (shared)
			q->pending_shared += count;
		deconstruct_array(path, INT8OID, sizeof(int64), true, TYPALIGN_DOUBLE,
						  &elems, NULL, &nelems);
		for (int k = 0; k < nelems; k++)
		{
			if (n == size)
			{
				size = size == 0 ? 64 : size * 2;
				entries = entries == NULL ?
					MemoryContextAlloc(r->cxt, sizeof(CountEntry) * size) :
					repalloc(entries, sizeof(CountEntry) * size);
			}
			entries[n].id = DatumGetInt64(elems[k]);
			entries[n].count = count;
			n++;
		}
	}

	/* sum the entries of each namespace */
	if (n > 0)
		qsort(entries, n, sizeof(CountEntry), cmp_count_entry);
	q->pending_groups.ids = MemoryContextAlloc(r->cxt, sizeof(int64) * Max(n, 1));
	q->pending_group_counts = MemoryContextAlloc(r->cxt, sizeof(int64) * Max(n, 1));
	q->pending_groups.n = 0;
	for (int i = 0; i < n; i++)
	{
		int			last = q->pending_groups.n - 1;

		if (last >= 0 && q->pending_groups.ids[last] == entries[i].id)
			q->pending_group_counts[last] += entries[i].count;
		else
		{
			q->pending_groups.ids[last + 1] = entries[i].id;
			q->pending_group_counts[last + 1] = entries[i].count;
			q->pending_groups.n++;
		}
	}
}

static int64
count_for(const IdSet *ids, const int64 *counts, int64 id)
{
	int			i = idset_find(ids->ids, ids->n, id);

	return i < 0 ? 0 : counts[i];
}

Datum
rp_runner_queue(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[2];
	bool		nulls[2] = {true, true};
	Reach	   *r;
	int64		id;
	int			type;
	bool		has_owner = !PG_ARGISNULL(2);
	int64		owner = has_owner ? PG_GETARG_INT64(2) : 0;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	desc = BlessTupleDesc(desc);

	if (!PG_ARGISNULL(0) && !PG_ARGISNULL(1))
	{
		id = PG_GETARG_INT64(0);
		type = PG_GETARG_INT16(1);

		/* counts only for a runner the actor may read */
		WITH_REACH(r,
				   {
					   if (runner_readable(r, id, type, has_owner, owner))
					   {
						   QueueCounts *q = &r->queue;
						   int64 pending = 0;

						   if (!r->have_queue)
							   load_queue(r);
						   if (type == RUNNER_TYPE_INSTANCE)
							   pending = q->pending_shared;
						   else if (type == RUNNER_TYPE_GROUP)
							   pending = count_for(&q->pending_groups, q->pending_group_counts, owner);
						   else
							   pending = count_for(&q->pending_runners, q->pending_runner_counts, id);
						   values[0] = Int64GetDatum(count_for(&q->running_runners, q->running_counts, id));
						   values[1] = Int64GetDatum(pending);
						   nulls[0] = nulls[1] = false;
					   }
				   });
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/* ----------------------------------------------------------------------
 * What the C guards of other files ask (policy_core.h)
 * ---------------------------------------------------------------------- */

ActorKind
policy_actor_kind(void)
{
	Reach	   *r;
	ActorKind	kind;

	WITH_REACH(r, kind = r->live ? KIND(r) : ACTOR_NONE);
	return kind;
}

int64
policy_actor_runner_id(void)
{
	Reach	   *r;
	int64		id;

	WITH_REACH(r, id = (r->live && KIND(r) == ACTOR_RUNNER) ? r->actor.runner_id : 0);
	return id;
}

bool
policy_owns_namespace(int64 namespace_id)
{
	Reach	   *r;
	bool		owned;

	WITH_REACH(r,
			   {
				   IdSet set = set_of(r, RS_NAMESPACE_OWNED);

				   owned = idset_contains(&set, namespace_id);
			   });
	return owned;
}

/*
 * Whether the actor may read a stored row, for the write-path guards: a
 * refusal that concerns a row the actor cannot read must name nothing.  The
 * facts are read from the newest committed state, never from the caller.
 */
bool
policy_may_read_runner(int64 runner_id)
{
	Reach	   *r;
	bool		result = false;

	WITH_REACH(r,
			   {
				   Datum arg = Int64GetDatum(runner_id);

				   if (r->live && reach_query(&runner_kind, &arg) > 0)
				   {
					   int64 type = 0;
					   int64 owner = 0;
					   bool has_owner;

					   (void) spi_result_int64(0, 1, &type);
					   has_owner = spi_result_int64(0, 2, &owner);
					   result = runner_readable(r, runner_id, (int) type, has_owner, owner);
				   }
			   });
	return result;
}

bool
policy_may_read_project(int64 project_id)
{
	Reach	   *r;
	bool		result = false;

	WITH_REACH(r,
			   {
				   Datum arg = Int64GetDatum(project_id);

				   if (r->live && reach_query(&project_facts, &arg) > 0)
				   {
					   int64 ns = 0;
					   char *vis = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

					   (void) spi_result_int64(0, 1, &ns);
					   result = project_readable(r, project_id, ns, vis ? vis : "");
				   }
			   });
	return result;
}

bool
policy_may_read_namespace(int64 namespace_id)
{
	Reach	   *r;
	bool		result = false;

	WITH_REACH(r,
			   {
				   Datum arg = Int64GetDatum(namespace_id);

				   if (r->live && reach_query(&namespace_facts, &arg) > 0)
				   {
					   int64 parent = 0;
					   bool has_parent = spi_result_int64(0, 1, &parent);
					   char *vis = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

					   result = namespace_readable(r, namespace_id, has_parent, parent,
												   vis ? vis : "");
				   }
			   });
	return result;
}
