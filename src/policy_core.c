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
 * The files of the policy core.  This one owns the reach (builds, caches
 * and frees it), writes the rules (build_set, and the probes after it) and
 * has the SQL entry points reach(), reach_all() and authorize().  Around
 * it, one job each:
 *
 *	reach.h			the reach and how a call starts SPI; private to the core
 *	idset.c			the sorted id sets and level maps that the rules probe
 *	reach_cache.c	when a reach may answer for a later statement
 *	credentials.c	digests, and whether the actor is still alive
 *	queue.c			the runner queue counts (runner_queue_status)
 *	access.c		explain_access() and runner_access: other users' rights
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
#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_proc.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "actor.h"
#include "idset.h"
#include "owner_spi.h"
#include "policy_core.h"
#include "reach.h"
#include "runner_policy.h"
#include "statement.h"
#include "reach_cache.h"
#include "credentials.h"

PG_FUNCTION_INFO_V1(rp_reach);
PG_FUNCTION_INFO_V1(rp_reach_all);
PG_FUNCTION_INFO_V1(rp_reaches_all);
PG_FUNCTION_INFO_V1(rp_in_reach);
PG_FUNCTION_INFO_V1(rp_reach_visibilities);
PG_FUNCTION_INFO_V1(rp_member_change_allowed);
PG_FUNCTION_INFO_V1(rp_authorize);

/* ----------------------------------------------------------------------
 * The names of the sets a policy can ask for (ReachSet, ReachAll: reach.h)
 * ---------------------------------------------------------------------- */

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

static const char *const reach_all_names[NUM_REACH_ALL] = {
	"admin", "runners_read", "links_read", "jobs_read", "projects_read", "namespaces_read",
	"users_read", "members_read", "scope_links_read"
};

/*
 * The reach of the running statement.  Nothing outside this file holds a
 * pointer into it: reach() hands out copies (see rp_reach), so a reach can
 * be freed as soon as it is not the statement's.
 */
static Reach *cached = NULL;
static uint64 builds = 0;

/*
 * Reaches kept for later statements, one per actor, the most recently used
 * first to stay: a backend behind a pooler serves many actors in turn.
 * Bounded in number and in memory (a user in thousands of groups holds
 * megabytes); the statement's own reach is never the one let go.
 */
#define KEPT_REACHES		8
#define KEPT_REACH_BYTES	(64 * 1024 * 1024)
static Reach *kept_reaches[KEPT_REACHES];
static uint64 uses = 0;

/* How many reach queries were narrowed by an older snapshot (reach_query). */
static uint64 narrowings = 0;

/* The call into the policy core running now (WITH_REACH, WITH_CALL). */
ReachCall  *active_call = NULL;

void
need_spi(void)
{
	Assert(active_call != NULL);
	if (!active_call->started)
	{
		owner_spi_begin(&active_call->spi, runner_policy_tables_owner());
		active_call->started = true;
	}
}

/*
 * Do two snapshots see exactly the same rows?  The same xmin and xmax, the
 * same number of transactions in progress and the same command of our own.
 * (With xmax equal, no transaction below it can have started in between, so
 * the in-progress set can only have shrunk; equal counts make it equal.)
 * snapXactCompletionCount would say it more directly, but a copied snapshot,
 * which the executor and SPI use, has it zeroed.  An overflowed subxact
 * cache cannot be compared this way: then the answer is no.
 */
static bool
same_visibility(Snapshot a, Snapshot b)
{
	return a->xmin == b->xmin && a->xmax == b->xmax &&
		a->xcnt == b->xcnt && a->subxcnt == b->subxcnt &&
		!a->suboverflowed && !b->suboverflowed &&
		a->curcid == b->curcid;
}

/* One row of the last SPI result as a string: its columns' text forms. */
static char *
spi_row_key(uint64 row)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int col = 1; col <= SPI_tuptable->tupdesc->natts; col++)
	{
		char	   *value = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);

		if (value == NULL)
			appendStringInfoChar(&buf, '\x02');
		else
			appendStringInfoString(&buf, value);
		appendStringInfoChar(&buf, '\x01');
	}
	return buf.data;
}

static int
cmp_cstring_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * A reach query, as the tables' owner: what the actor may do is read from
 * the newest committed state, and from the snapshot of the rows the
 * statement is reading, and only what both grant counts (SPEC section 4:
 * a REPEATABLE READ transaction must not combine old rows with new rights,
 * nor new rows with old ones).  When the two snapshots see the same rows,
 * one query answers for both; otherwise the query runs under each, and only
 * the result rows that both return, identical, are kept: a fact that
 * changed in between (an access level, an owner) counts as absent.
 */
uint64
reach_query(SavedQuery *query, Datum *args)
{
	Snapshot	statement;
	char	  **keys;
	uint64		nkeys;
	uint64		kept = 0;

	need_spi();
	if (!ActiveSnapshotSet() ||
		same_visibility(GetActiveSnapshot(), GetLatestSnapshot()))
		return saved_query_run_latest(query, args, NULL);

	statement = GetActiveSnapshot();
	nkeys = saved_query_run_snapshot(query, args, NULL, statement);
	keys = palloc(sizeof(char *) * Max(nkeys, 1));
	for (uint64 i = 0; i < nkeys; i++)
		keys[i] = spi_row_key(i);
	qsort(keys, nkeys, sizeof(char *), cmp_cstring_ptr);

	(void) saved_query_run_latest(query, args, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		char	   *key = spi_row_key(i);

		if (nkeys > 0 && bsearch(&key, keys, nkeys, sizeof(char *), cmp_cstring_ptr) != NULL)
			SPI_tuptable->vals[kept++] = SPI_tuptable->vals[i];
		pfree(key);
	}
	if (kept < SPI_processed)
		narrowings++;
	SPI_tuptable->numvals = kept;
	SPI_processed = kept;
	return kept;
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
SavedQuery runners_owned_by = {
	"SELECT id FROM runner_policy.ci_runners"
	" WHERE runner_type = " CppAsString2(RUNNER_TYPE_PROJECT) " AND sharding_key_id = ANY ($1)", 1, {INT8ARRAYOID}, NULL
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
SavedQuery runner_kind = {
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

/* ----------------------------------------------------------------------
 * Building the reach
 * ---------------------------------------------------------------------- */

/*
 * Which snapshot the statement reads rows with, as far as the reach cares:
 * its xmin, xmax and number of transactions in progress (see
 * same_visibility; our own commands are left out, so that the command
 * counter increments of a bulk write's triggers do not rebuild the reach).
 * A statement whose rows come from a newer snapshot than the reach's (READ
 * COMMITTED planning and then executing, say) gets a new reach.
 */
static inline SnapshotKey
active_snapshot_key(void)
{
	SnapshotKey key = {InvalidTransactionId, InvalidTransactionId, 0};

	if (ActiveSnapshotSet())
	{
		Snapshot	snap = GetActiveSnapshot();

		key.xmin = snap->xmin;
		key.xmax = snap->xmax;
		key.xcnt = snap->xcnt;
	}
	return key;
}

static inline bool
snapshot_key_equal(SnapshotKey a, SnapshotKey b)
{
	return a.xmin == b.xmin && a.xmax == b.xmax && a.xcnt == b.xcnt;
}

/*
 * A reach answers for one actor (its generation), one transaction and one
 * client statement (statement.c), read against one statement snapshot.
 * This is the per-row test of every policy: a few comparisons.
 */
static bool
reach_matches(const Reach *r)
{
	return r != NULL &&
		r->generation == actor_generation() &&
		r->lxid == CURRENT_LXID &&
		r->statement == statement_number() &&
		snapshot_key_equal(r->snapshot, active_snapshot_key());
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

const LevelMap *
projects_of(Reach *r)
{
	r->levels_asked = true;
	if (!r->have_levels)
		load_levels(r);
	return &r->project_levels;
}

const LevelMap *
namespaces_of(Reach *r)
{
	r->levels_asked = true;
	if (!r->have_levels)
		load_levels(r);
	return &r->namespace_levels;
}

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
	return idset_from_spi(r->cxt);
}

static void load_job_project(Reach *r);

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

bool
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

/*
 * A new reach for an actor: whether it is alive, and what it reaches all of;
 * its sets are built lazily.  The session's actor gets one per statement
 * (current_reach); explain_access() builds one for any user.  The reach is
 * built in a context under the caller's, and moved under TopMemoryContext
 * only once complete, so that an error half-way leaks nothing.  Call within
 * WITH_REACH or WITH_CALL: its queries start SPI there.
 */
Reach *
reach_build(const Actor *actor)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "runner_policy reach",
											  ALLOCSET_SMALL_SIZES);
	Reach	   *r = MemoryContextAllocZero(cxt, sizeof(Reach));

	r->cxt = cxt;
	r->build = ++builds;
	r->actor = *actor;
	r->epoch = reach_cache_epoch();
	r->narrowings = narrowings;
	r->statement_cxt = AllocSetContextCreate(cxt, "runner_policy reach statement",
											 ALLOCSET_SMALL_SIZES);
	snapshot_image_take(&r->image, GetLatestSnapshot(), cxt);
	r->built_lxid = CURRENT_LXID;
	r->built_cid = GetCurrentCommandId(false);
	r->saw_own_changes = reach_cache_own_changes_now();
	if (r->actor.kind != ACTOR_NONE)
	{
		need_spi();
		r->live = actor_still_valid(&r->actor, &r->admin, &r->auditor);
	}
	for (int i = 0; i < NUM_REACH_ALL; i++)
		r->all[i] = decide_reaches_all(r, (ReachAll) i);
	MemoryContextSetParent(cxt, TopMemoryContext);
	return r;
}

/* Is it the same actor (is_local aside)? */
static bool
same_actor(const Actor *a, const Actor *b)
{
	return a->kind == b->kind && a->user_id == b->user_id &&
		a->token_id == b->token_id && a->job_id == b->job_id &&
		a->runner_id == b->runner_id && a->scopes == b->scopes &&
		memcmp(a->runner_digest, b->runner_digest, sizeof(a->runner_digest)) == 0;
}

static void
forget_kept(int i)
{
	Reach	   *r = kept_reaches[i];

	kept_reaches[i] = NULL;
	if (r != NULL && r != cached)
		MemoryContextDelete(r->cxt);
}

/*
 * Keeps a reach for later statements: in a free place, or the least
 * recently used one's; then lets the least recently used go until the kept
 * reaches fit in KEPT_REACH_BYTES (the new one stays, whatever its size).
 */
static void
keep_reach(Reach *r)
{
	int			slot = -1;
	Size		total;

	/* the place of the same actor's, a free one, or the least recently used */
	for (int i = 0; i < KEPT_REACHES && slot < 0; i++)
		if (kept_reaches[i] != NULL && same_actor(&kept_reaches[i]->actor, &r->actor))
			slot = i;
	for (int i = 0; i < KEPT_REACHES && slot < 0; i++)
		if (kept_reaches[i] == NULL)
			slot = i;
	if (slot < 0)
		for (int i = 0; i < KEPT_REACHES; i++)
			if (slot < 0 || kept_reaches[i]->last_used < kept_reaches[slot]->last_used)
				slot = i;
	forget_kept(slot);
	kept_reaches[slot] = r;

	for (;;)
	{
		int			oldest = -1;

		total = 0;
		for (int i = 0; i < KEPT_REACHES; i++)
			if (kept_reaches[i] != NULL)
			{
				total += MemoryContextMemAllocated(kept_reaches[i]->cxt, true);
				if (kept_reaches[i] != r &&
					(oldest < 0 || kept_reaches[i]->last_used < kept_reaches[oldest]->last_used))
					oldest = i;
			}
		if (total <= KEPT_REACH_BYTES || oldest < 0)
			break;
		forget_kept(oldest);
	}
}

/*
 * A kept reach of this actor that may answer for the running statement
 * (reach_cache.c says when), or NULL.  One that may not is let go.  A
 * token's liveness is asked again for every statement (an instance token
 * may expire, a job token's job finish, with no change announced); a user's
 * and a runner's changes are announced.
 */
static Reach *
reusable_reach(const Actor *actor)
{
	int			i;
	Reach	   *r;

	for (i = 0; i < KEPT_REACHES; i++)
		if (kept_reaches[i] != NULL && same_actor(&kept_reaches[i]->actor, actor))
			break;
	if (i == KEPT_REACHES)
		return NULL;
	r = kept_reaches[i];

	if (!ActiveSnapshotSet() || !reach_cache_others_quiet())
		return NULL;
	if (r->epoch != reach_cache_epoch() || r->narrowings != narrowings ||
		!reach_cache_own_changes_allow(r->built_lxid, r->built_cid, r->saw_own_changes) ||
		!snapshot_image_covered_by(&r->image, GetActiveSnapshot()))
	{
		forget_kept(i);
		return NULL;
	}
	if (actor->kind != ACTOR_USER && actor->kind != ACTOR_RUNNER)
	{
		bool		admin,
					auditor;

		need_spi();
		if (!actor_still_valid(actor, &admin, &auditor) ||
			admin != r->admin || auditor != r->auditor)
		{
			forget_kept(i);
			return NULL;
		}
	}
	MemoryContextReset(r->statement_cxt);
	r->have_queue = false;
	return r;
}

/*
 * The reach of the current actor for the running statement: the kept one
 * when it may answer, else a new one.  Call it inside WITH_REACH: the sets
 * are built lazily, by queries that start SPI there.
 */
Reach *
current_reach(void)
{
	const Actor *actor = actor_current();
	Reach	   *r;

	if (reach_matches(cached))
		return cached;

	/* the statement's reach before is not freed while it is kept */
	if (cached != NULL)
	{
		bool		is_kept = false;

		for (int i = 0; i < KEPT_REACHES; i++)
			is_kept |= kept_reaches[i] == cached;
		if (!is_kept)
			MemoryContextDelete(cached->cxt);
	}
	cached = NULL;

	r = actor->kind == ACTOR_NONE ? NULL : reusable_reach(actor);
	if (r == NULL)
	{
		r = reach_build(actor);
		if (r->actor.kind != ACTOR_NONE && !r->live)
		{
			bool		was_token = r->actor.kind != ACTOR_USER;

			MemoryContextDelete(r->cxt);
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
		if (r->actor.kind != ACTOR_NONE)
			keep_reach(r);
	}
	r->last_used = ++uses;
	r->generation = actor_generation();
	r->lxid = CURRENT_LXID;
	r->statement = statement_number();
	r->snapshot = active_snapshot_key();
	cached = r;
	return r;
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
				   StoredRunner runner;

				   if (r->live && stored_runner(runner_id, &runner))
					   result = runner_manageable(r, runner.type, runner.has_owner, runner.owner);
			   });
	return result;
}

/* ----------------------------------------------------------------------
 * SQL: reach(set text) -> bigint[], reach_all(set text) -> bigint
 * ---------------------------------------------------------------------- */

/*
 * What a call site of reach() or reach_all() keeps in fn_extra, in the
 * memory of its expression (fn_mcxt), which lives as long as the caller.
 *
 * The name it asked for last, so that a policy's constant name is parsed
 * once, while any other argument (a PL/pgSQL variable, a column) is still
 * compared on every call: the name is checked, never assumed.
 *
 * The array it returned last, and the reach it came from.  reach() returns
 * this copy, never a pointer into the reach: a statement may end the actor
 * in the middle (reset_actor() in a target list), the reach is rebuilt and
 * the old one freed, and an array the caller still holds stays valid until
 * the expression itself goes.  A rebuild with the same ids keeps the copy,
 * so a cursor fetched over many statements does not pile up copies.
 */
typedef struct CallSite
{
	int			index;			/* -1 until a name is parsed */
	int			name_len;
	char		name[NAMEDATALEN];
	uint64		build;			/* the reach "array" came from, or 0 */
	Datum		array;
} CallSite;

static CallSite *
call_site(FunctionCallInfo fcinfo)
{
	CallSite   *site = (CallSite *) fcinfo->flinfo->fn_extra;

	if (site == NULL)
	{
		site = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CallSite));
		site->index = -1;
		fcinfo->flinfo->fn_extra = site;
	}
	return site;
}

/* The index of the name the call passes, among "names". */
static int
named_argument(FunctionCallInfo fcinfo, CallSite *site,
			   const char *const *names, int count, const char *what)
{
	text	   *arg;
	int			len;
	char	   *name;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be null", what)));
	arg = PG_GETARG_TEXT_PP(0);
	len = VARSIZE_ANY_EXHDR(arg);
	if (site->index >= 0 && len == site->name_len &&
		memcmp(VARDATA_ANY(arg), site->name, len) == 0)
		return site->index;

	name = text_to_cstring(arg);
	for (int i = 0; i < count; i++)
		if (strcmp(name, names[i]) == 0)
		{
			Assert(len < NAMEDATALEN);
			memcpy(site->name, name, len);
			site->name_len = len;
			site->index = i;
			site->build = 0;
			return i;
		}
	{
		int			cut = pg_mbcliplen(name, len, 40);

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unrecognized %s \"%.*s\"", what, cut, name)));
	}
	pg_unreachable();
}

/* Does a bigint[] hold exactly the ids of a set, in order? */
static bool
array_equals_set(Datum array, const IdSet *set)
{
	ArrayType  *a = DatumGetArrayTypeP(array);

	/* arrays of ours: one dimension, no NULLs, so the data follows the header */
	if (ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a)) != set->n || ARR_HASNULL(a))
		return false;
	return set->n == 0 ||
		memcmp((char *) a + ARR_OVERHEAD_NONULLS(ARR_NDIM(a)), set->ids,
			   sizeof(int64) * set->n) == 0;
}

Datum
rp_reach(PG_FUNCTION_ARGS)
{
	CallSite   *site = call_site(fcinfo);
	ReachSet	which = (ReachSet) named_argument(fcinfo, site, reach_set_names,
												  NUM_REACH_SETS, "reach set");
	Reach	   *r;

	/* the per-row path of every policy arm, once the statement's set is out */
	if (site->build != 0 && reach_matches(cached) && cached->build == site->build)
		PG_RETURN_DATUM(site->array);

	WITH_REACH(r,
			   {
				   IdSet set = set_of(r, which);

				   if (site->build == 0 || !array_equals_set(site->array, &set))
				   {
					   MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

					   site->array = idset_array(&set);
					   MemoryContextSwitchTo(old);
				   }
				   site->build = r->build;
			   });
	PG_RETURN_DATUM(site->array);
}

Datum
rp_reach_all(PG_FUNCTION_ARGS)
{
	CallSite   *site = call_site(fcinfo);
	ReachAll	which = (ReachAll) named_argument(fcinfo, site, reach_all_names,
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
	r->job_scope_targets = idset_empty(r->cxt);
	if (reach_query(&job_project, &arg) == 0 ||
		!spi_result_int64(0, 1, &r->job_project))
		return;
	arg = Int64GetDatum(r->job_project);
	(void) reach_query(&scope_link_targets, &arg);
	r->job_scope_targets = idset_from_spi(r->cxt);
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
				 errmsg("unrecognized scope \"%.*s\"", cut, scope_text),
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
				   StoredRunner runner;

				   if (r->live && stored_runner(runner_id, &runner))
					   result = runner_readable(r, runner_id, runner.type,
												runner.has_owner, runner.owner);
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
/* ----------------------------------------------------------------------
 * SQL: reaches_all(kind text) -> boolean, and what plan_binding.c asks
 * ---------------------------------------------------------------------- */

/*
 * reaches_all(kind): whether the actor reaches every row of a kind.  The
 * policies' "everything" arm.  When a statement is planned,
 * plan_binding.c's support function replaces the call by its value, so
 * that for an administrator the whole policy folds to true and costs
 * nothing per row; this function answers when the call is not folded (a
 * name that is not a constant, an expression evaluated outside a plan).
 */
Datum
rp_reaches_all(PG_FUNCTION_ARGS)
{
	CallSite   *site = call_site(fcinfo);
	ReachAll	which = (ReachAll) named_argument(fcinfo, site, reach_all_names,
												  NUM_REACH_ALL, "reach kind");
	Reach	   *r;
	bool		all;

	if (reach_matches(cached))
		all = reaches_all(cached, which);
	else
		WITH_REACH(r, all = reaches_all(r, which));
	PG_RETURN_BOOL(all);
}

int
policy_reach_all_kind(const char *name)
{
	for (int i = 0; i < NUM_REACH_ALL; i++)
		if (strcmp(name, reach_all_names[i]) == 0)
			return i;
	return -1;
}

bool
policy_reaches_all(int kind)
{
	Reach	   *r;
	bool		all;

	Assert(kind >= 0 && kind < NUM_REACH_ALL);
	WITH_REACH(r, all = reaches_all(r, (ReachAll) kind));
	return all;
}

/* ----------------------------------------------------------------------
 * SQL: in_reach(set text, id bigint) -> boolean, and its planner support
 * ---------------------------------------------------------------------- */

/*
 * in_reach(set, id): whether an id is in one of the actor's sets.  The
 * policies' per-row probe for a bigint column: a binary search of the
 * sorted set, so that a row costs the same for a user in thousands of
 * groups as for one in two.  reach_support.c replaces the call by
 * "id = ANY (reach(set))" when the statement is planned and the set is
 * small, which is the 1.0 form: an index condition with exact estimates.
 * NULL for a NULL id, as = ANY would say.
 */
Datum
rp_in_reach(PG_FUNCTION_ARGS)
{
	CallSite   *site = call_site(fcinfo);
	ReachSet	which = (ReachSet) named_argument(fcinfo, site, reach_set_names,
												  NUM_REACH_SETS, "reach set");
	int64		id;
	Reach	   *r;
	bool		found;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	id = PG_GETARG_INT64(1);

	/* the per-row path: the statement's set is out */
	if (reach_matches(cached) && cached->have_set[which])
		PG_RETURN_BOOL(idset_contains(&cached->sets[which], id));

	WITH_REACH(r,
			   {
				   IdSet set = set_of(r, which);

				   found = idset_contains(&set, id);
			   });
	PG_RETURN_BOOL(found);
}

int
policy_reach_set_kind(const char *name)
{
	for (int i = 0; i < NUM_REACH_SETS; i++)
		if (strcmp(name, reach_set_names[i]) == 0)
			return i;
	return -1;
}

int
policy_reach_set_size(int kind)
{
	Reach	   *r;
	int			n;

	Assert(kind >= 0 && kind < NUM_REACH_SETS);
	WITH_REACH(r, n = set_of(r, (ReachSet) kind).n);
	return n;
}
