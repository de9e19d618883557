/*-------------------------------------------------------------------------
 *
 * policy_core.c
 *	  The reach: what the actor may read and do, worked out once and asked
 *	  by every policy, view and C function.
 *
 * The rules of doc/permissions.md are written once, in rules.c.  The row-level
 * security policies, the runner queue view, authorize(), explain_access()
 * and the token functions all ask them through the reach this file builds;
 * none decides by itself.
 *
 * The files of the policy core, one job each:
 *
 *	policy_core.c	the reach: built for the statement, handed to the SQL
 *					entry points reach(), reaches_all(), in_reach(),
 *					authorize() and to the C guards (policy_core.h)
 *	rules.c			who reaches what: every rule, and the queries behind it
 *	reach_read.c	how the core reads: a call's SPI, the reach queries, the
 *					user's levels; noting what a query took (hooks)
 *	reach.h			the reach and how a call starts SPI; private to the core
 *	idset.c			the sorted id sets and level maps that the rules probe
 *	reach_cache.c	the whole cache: the reaches kept, their limits, and
 *					when one may answer for a later statement
 *	plan_binding.c	the "everything" decision folded into plans, kept right
 *	reach_support.c	planner support for in_reach(): index form or probe
 *	query_rights.c	what a running query took from the reach, and whether it
 *					still holds when a cursor is fetched again
 *	credentials.c	digests, and whether the actor is still alive
 *	queue.c			the runner queue counts (runner_queue_status)
 *	access.c		explain_access(): other users' rights, and why
 *	access_view.c	the runner_access view: other users' rights, for all at once
 *
 * How a decision is made.  For a statement, this file finds the actor's
 * reach: whether the actor is still alive (its user active, its token
 * valid, its job running), the user's effective access level on every
 * project and group it can reach (the highest of its project membership and
 * its group memberships on the namespace or any ancestor), and from those,
 * lazily, the sets of ids each rule needs.  A handful of indexed queries,
 * run as the tables' owner; then every row is decided by probing those sets
 * in memory.  No decision runs a query per row.
 *
 * How policies ask.  A policy is an expression over the row's own columns
 * and calls of reaches_all(kind), in_reach(set, column) and reach(set) (no
 * subqueries, so that it also works on Citus).  reaches_all() is folded
 * into the plan (plan_binding.c); in_reach() becomes "column = ANY
 * (reach(set))", an index condition, when the set is small, and stays a
 * binary search per row when it is not (reach_support.c).
 *
 * Which state the reach reads.  The reach queries read the newest committed
 * state (and the transaction's own work), and, when the statement's
 * snapshot sees other rows, that snapshot too: only what both grant counts
 * (doc/actors.md).  A token dies the moment its job finishes and a
 * removed membership counts from the next statement, also inside a
 * REPEATABLE READ transaction whose rows are older.
 *
 * Cache lifetime.  A reach is current for one actor, local transaction,
 * client statement and statement snapshot (reach_matches, the per-row
 * test).  It is kept for later statements of the same actor, up to
 * runner_policy.cache_actors of them and runner_policy.cache_memory in
 * all, and reused when nothing that can alter it has changed since and the
 * statement's snapshot is no older (reach_cache.c, the whole cache: its
 * keys, limits and invalidation); a token's liveness is asked again for
 * every statement.  Nothing outside this file holds a pointer into a reach:
 * reach() and in_reach() hand out copies or answers, so a reach can be
 * freed as soon as it is neither kept nor the statement's.
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
#include "utils/guc.h"
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
#include "monitor.h"

PG_FUNCTION_INFO_V1(rp_reach);
PG_FUNCTION_INFO_V1(rp_reach_all);
PG_FUNCTION_INFO_V1(rp_reaches_all);
PG_FUNCTION_INFO_V1(rp_in_reach);
PG_FUNCTION_INFO_V1(rp_in_reach_any);
PG_FUNCTION_INFO_V1(rp_reach_cache_counters);
PG_FUNCTION_INFO_V1(rp_reach_visibilities);
PG_FUNCTION_INFO_V1(rp_member_change_allowed);
PG_FUNCTION_INFO_V1(rp_authorize);

/*
 * The reach of the running statement.  Nothing outside this file holds a
 * pointer into it: reach() hands out copies (see rp_reach), so a reach can
 * be freed as soon as it is not the statement's.
 */
static Reach *cached = NULL;
static uint64 builds = 0;

/* How many statements took a reach, for keeping the most recently used. */
static uint64 uses = 0;

void
policy_core_init(void)
{
	reach_read_init();
}

/* ----------------------------------------------------------------------
 * Queries, run as the tables' owner under the statement's snapshot
 * ---------------------------------------------------------------------- */

static SavedQuery project_facts = {
	"SELECT namespace_id, visibility FROM runner_policy.projects WHERE id = $1",
	1, {INT8OID}, NULL
};
static SavedQuery namespace_facts = {
	"SELECT parent_id, visibility FROM runner_policy.namespaces WHERE id = $1",
	1, {INT8OID}, NULL
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

/*
 * A new reach for an actor: whether it is alive, and what it reaches all of;
 * its sets are built lazily.  The session's actor gets one per statement
 * (current_reach); explain_access() builds one for any user.  The reach is
 * built in a context under the caller's, and moved under TopMemoryContext
 * only once complete, so that an error half-way leaks nothing.  Call within
 * WITH_REACH or WITH_CALL: its queries start SPI there.
 */
/* A new, empty reach for an actor, in a context of its own under the current one. */
static Reach *
reach_alloc(const Actor *actor)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "runner_policy reach",
											  ALLOCSET_SMALL_SIZES);
	Reach	   *r = MemoryContextAllocZero(cxt, sizeof(Reach));

	r->cxt = cxt;
	r->build = ++builds;
	r->actor = *actor;
	r->statement_cxt = AllocSetContextCreate(cxt, "runner_policy reach statement",
											 ALLOCSET_SMALL_SIZES);
	r->build_cxt = cxt;
	return r;
}

Reach *
reach_build(const Actor *actor)
{
	Reach	   *r = reach_alloc(actor);
	MemoryContext cxt = r->cxt;

	reach_cache_stamp(&r->stamp);	/* before it reads anything */
	r->narrowings = reach_query_narrowings();
	snapshot_image_take(&r->image, GetLatestSnapshot(), cxt);
	r->built_lxid = CURRENT_LXID;
	r->built_cid = GetCurrentCommandId(false);
	r->saw_own_changes = reach_cache_own_changes_now();
	if (r->actor.kind != ACTOR_NONE)
	{
		need_spi();
		r->live = actor_still_valid(&r->actor, &r->facts, r->statement_cxt);
		r->admin = r->facts.admin;
		r->auditor = r->facts.auditor;
	}
	for (int i = 0; i < NUM_REACH_ALL; i++)
		r->all[i] = decide_reaches_all(r, (ReachAll) i);
	MemoryContextSetParent(cxt, TopMemoryContext);
	return r;
}

/*
 * The reach of every active user of a kind (administrator, auditor, both or
 * neither) who is a member of nothing: what being of that kind gives, for
 * runner_access, which lists the rights of many users at once.  No row is
 * read: the caller says the kind (from the users rows it lists), and the
 * user is KIND_USER_ID, which no user has.  A decision made on it that did
 * not ask for a membership (levels_asked stays false) is the decision for
 * every user of the kind; one that did is made again for each user, on
 * its own reach or on a narrowed one (reach_build_narrowed).  Freed by
 * its caller, like reach_build()'s; it is never kept.
 */
Reach *
reach_build_kind(bool admin, bool auditor)
{
	Actor		actor;
	Reach	   *r;

	memset(&actor, 0, sizeof(actor));
	actor.kind = ACTOR_USER;
	actor.user_id = KIND_USER_ID;
	r = reach_alloc(&actor);
	r->live = true;
	r->admin = r->facts.admin = admin;
	r->auditor = r->facts.auditor = auditor;
	r->have_levels = true;		/* empty maps: a member of nothing */
	for (int i = 0; i < NUM_REACH_ALL; i++)
		r->all[i] = decide_reaches_all(r, (ReachAll) i);
	return r;
}

/*
 * A user's reach as far as some of its levels go: the kind's reach with
 * the user's id and the levels its caller loaded, for many users at once,
 * on the projects and groups a decision on one runner reads
 * (runner_access, by runner).  Every set is built from those levels by the
 * rule table's own builders, and every decision is made by the same
 * probes; a set reads only the levels it was given, so it holds for
 * decisions that read no other.  The maps and places are the caller's and
 * must outlive the reach; the caller frees the reach.
 */
Reach *
reach_build_narrowed(const Reach *kind, int64 user_id, const LevelMap *projects,
					 const LevelMap *namespaces, const ProjectPlaces *places)
{
	Actor		actor = kind->actor;
	Reach	   *r;

	actor.user_id = user_id;
	r = reach_alloc(&actor);
	r->live = kind->live;
	r->admin = kind->admin;
	r->auditor = kind->auditor;
	r->facts = kind->facts;
	memcpy(r->all, kind->all, sizeof(r->all));
	r->have_levels = true;
	r->project_levels = *projects;
	r->namespace_levels = *namespaces;
	r->places = places;
	return r;
}

bool
reach_is_current(const Reach *r)
{
	return r == cached;
}

/*
 * The reach of the current actor for the running statement: the kept one
 * when it may answer, else a new one.  Call it inside WITH_REACH: the sets
 * are built lazily, by queries that start SPI there.  A dead actor ends
 * with 28000; "quiet" (statement.c, checking held cursors before a
 * statement that may not touch a table at all) gets NULL instead, and the
 * actor is left for the next statement that does to end.
 */
static Reach *
statement_reach(bool quiet)
{
	/* checked: a Citus worker refuses an assertion it cannot verify here */
	const Actor *actor = actor_current_checked();
	Reach	   *r;
	bool		still_kept = false;

	if (reach_matches(cached))
		return cached;

	/* the statement's reach before is not freed while it is kept */
	if (cached != NULL && !reach_cache_keeps(cached))
		reach_let_go(cached);
	cached = NULL;

	r = (actor->kind == ACTOR_NONE || !reach_cache_keeping_allowed()) ? NULL :
		reach_cache_reuse(actor, &still_kept);
	if (r == NULL)
	{
		monitor_count(MON_REBUILDS);
		r = reach_build(actor);
		if (r->actor.kind != ACTOR_NONE && !r->live)
		{
			bool		was_token = r->actor.kind != ACTOR_USER;

			MemoryContextDelete(r->cxt);
			/* the statement that next touches a table says it, as below */
			if (quiet)
				return NULL;
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
		/* one built for an older snapshot serves this statement only */
		if (r->actor.kind != ACTOR_NONE && reach_cache_keeping_allowed() && !still_kept)
			reach_cache_keep(r);
	}
	r->last_used = ++uses;
	r->generation = actor_generation();
	r->lxid = CURRENT_LXID;
	r->statement = statement_number();
	r->snapshot = active_snapshot_key();
	cached = r;
	return r;
}

Reach *
current_reach(void)
{
	return statement_reach(false);
}

Reach *
current_reach_live(void)
{
	return statement_reach(true);
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
				   RunnerFacts runner;

				   if (r->live && stored_runner(runner_id, &runner))
					   result = runner_manageable(r, &runner);
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
			   int (*lookup) (const char *name), const char *what)
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
	{
		int			i = lookup(name);

		if (i >= 0)
		{
			Assert(len < NAMEDATALEN);
			memcpy(site->name, name, len);
			site->name_len = len;
			site->index = i;
			site->build = 0;
			return i;
		}
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
	ReachSet	which = (ReachSet) named_argument(fcinfo, site, reach_set_index,
												  "reach set");
	Reach	   *r;

	/* the per-row path of every policy arm, once the statement's set is out */
	if (site->build != 0 && reach_matches(cached) && cached->build == site->build)
	{
		take_set(cached, which);
		PG_RETURN_DATUM(site->array);
	}

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
	ReachAll	which = (ReachAll) named_argument(fcinfo, site, policy_reach_all_kind,
												  "reach kind");

	if (!policy_reaches_all((int) which))
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

					   if (!r->have_job_scope)
						   load_job_scope(r);
					   take_more(r, TAKEN_JOB_SCOPE);
					   by_token = (project == r->facts.job_project &&
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

LinkDecision
policy_runner_link_check(int64 runner_id)
{
	Reach	   *r;
	LinkDecision result = LINK_REFUSED;

	WITH_REACH(r,
			   {
				   RunnerFacts runner;

				   if (r->live && stored_runner(runner_id, &runner))
				   {
					   RunnerFacts unlocked = runner;

					   unlocked.locked = false;
					   if (runner_linkable(r, &runner))
						   result = LINK_ALLOWED;
					   else if (runner.locked && runner_readable(r, &runner) &&
								runner_linkable(r, &unlocked))
						   result = LINK_LOCKED;
				   }
			   });
	return result;
}

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
				   RunnerFacts runner;

				   if (r->live && stored_runner(runner_id, &runner))
					   result = runner_readable(r, &runner);
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
	ReachAll	which = (ReachAll) named_argument(fcinfo, site, policy_reach_all_kind,
												  "reach kind");

	PG_RETURN_BOOL(policy_reaches_all((int) which));
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
policy_reach_all_folded(int kind)
{
	Assert(kind >= 0 && kind < NUM_REACH_ALL);
	return reach_all_folded((ReachAll) kind);
}

uint32
policy_decision_bits(void)
{
	uint32		bits = 0;

	for (int i = 0; i < NUM_REACH_ALL; i++)
		if (reach_all_folded((ReachAll) i) && policy_reaches_all(i))
			bits |= 1u << i;
	return bits;
}

uint32
policy_decision_bits_guessed(const Actor *actor)
{
	return decisions_guessed(actor);
}

/* Also the per-row path of every "everything" arm: no query, no call setup. */
bool
policy_reaches_all(int kind)
{
	Reach	   *r;
	bool		all;

	Assert(kind >= 0 && kind < NUM_REACH_ALL);
	if (reach_matches(cached))
		return reaches_all(cached, (ReachAll) kind);
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
	ReachSet	which = (ReachSet) named_argument(fcinfo, site, reach_set_index,
												  "reach set");
	int64		id;
	Reach	   *r;
	bool		found;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	id = PG_GETARG_INT64(1);

	/* the per-row path: the statement's set is out */
	if (reach_matches(cached) && cached->have_set[which])
	{
		take_set(cached, which);
		PG_RETURN_BOOL(idset_contains(&cached->sets[which], id));
	}

	WITH_REACH(r,
			   {
				   IdSet set = set_of(r, which);

				   found = idset_contains(&set, id);
			   });
	PG_RETURN_BOOL(found);
}

/*
 * in_reach_any(set, ids): whether any id of an array is in one of the
 * actor's sets.  The per-row probe of a project runner's
 * linked_project_ids: a binary search per id.  reach_support.c replaces
 * the call by "ids && reach(set)" (a GIN index condition) when the set is
 * small.  NULL for a NULL array, false for an empty one.
 */
Datum
rp_in_reach_any(PG_FUNCTION_ARGS)
{
	CallSite   *site = call_site(fcinfo);
	ReachSet	which = (ReachSet) named_argument(fcinfo, site, reach_set_index,
												  "reach set");
	ArrayType  *ids;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	Reach	   *r;
	IdSet		set;
	bool		found = false;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	ids = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_ELEMTYPE(ids) != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("in_reach_any() takes an array of bigint")));
	deconstruct_array(ids, INT8OID, sizeof(int64), true, TYPALIGN_DOUBLE, &elems, &nulls, &n);
	if (n == 0)
		PG_RETURN_BOOL(false);

	/* the per-row path: the statement's set is out */
	if (reach_matches(cached) && cached->have_set[which])
	{
		take_set(cached, which);
		set = cached->sets[which];
	}
	else
		WITH_REACH(r, set = set_of(r, which));
	for (int i = 0; i < n && !found; i++)
		found = !nulls[i] && idset_contains(&set, DatumGetInt64(elems[i]));
	PG_RETURN_BOOL(found);
}

/* reach_cache_counters() -> (rebuilds, reuses, invalidations) of this backend */
Datum
rp_reach_cache_counters(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	desc = BlessTupleDesc(desc);
	values[0] = Int64GetDatum((int64) monitor_local(MON_REBUILDS));
	values[1] = Int64GetDatum((int64) monitor_local(MON_REUSES));
	values[2] = Int64GetDatum((int64) monitor_local(MON_INVALIDATIONS));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

int
policy_reach_set_kind(const char *name)
{
	return reach_set_index(name);
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

/* The saved queries of this file, for runner_policy.saved_queries() (saved_queries.c). */
const SavedQueryEntry policy_core_saved_queries[] = {
	SAVED_QUERY_ENTRY(project_facts),
	SAVED_QUERY_ENTRY(namespace_facts),
	{NULL, NULL}
};
