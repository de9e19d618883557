/*-------------------------------------------------------------------------
 *
 * plan_binding.c
 *	  Deciding "everything or not" where the statement is planned.
 *
 * Every read policy starts with an arm that lets an actor who reaches all
 * rows of a kind (an administrator, an auditor, a read token) read them:
 * reaches_all('runners_read') OR ...  Evaluated per row, that arm alone
 * costs an administrator's count of a million runners twice the count
 * without row-level security, because any per-row qual makes every row be
 * deformed.  So when a statement is planned, the support function of
 * reaches_all() (SupportRequestSimplify, the way PostGIS's support
 * functions rewrite their calls) replaces the call by its value for the
 * actor: true folds the whole policy to true, and the plan is the plan
 * without row-level security; false drops the arm.  A decision in the
 * plan is also what a distributed planner can ship to workers, where no
 * actor exists (doc/operations.md).
 *
 * A plan with a decision in it must never serve a statement for which the
 * decision is wrong:
 *
 * - Every plan that took one carries it, as a PlanInvalItem whose cacheId
 *   is no system cache's (the plan cache compares cacheIds and so never
 *   acts on it): the kind and the value.  ExecutorStart asks the policy
 *   core again, and a plan whose decision no longer holds fails with
 *   40001, after marking every cached plan invalid so that the retry plans
 *   afresh.  The check is exact: a plan serves any actor for whom the same
 *   decisions hold, and no other.
 * - So that this is never seen in practice, the cached plans that hold a
 *   decision are marked invalid when the actor changes to one whose
 *   decisions differ, and when a change of rights is announced
 *   (reach_cache.c), before any plan is taken from the cache again
 *   (PREPARE, the extended protocol, PL/pgSQL and SPI plans alike).  Such a
 *   plan also depends on reaches_all() in pg_proc, as if the folded call
 *   were still in it, and "forgetting" runs the plan cache's own callback
 *   for that pg_proc row, locally: only the plans with a decision are
 *   planned again, not every saved plan of the backend (ResetPlanCache
 *   would replan the extension's own queries after every act_as).
 * - All the decided plans of a backend were made with one set of
 *   decisions (plans_decisions: when they would differ, the old plans are
 *   forgotten first).  When the actor changes, the new actor's decisions
 *   are guessed from how it was set (its user's admin and auditor flags at
 *   act_as or authenticate, actor.h), without a query, since the actor
 *   also ends in transaction callbacks; the plans are forgotten only when
 *   the guess differs.  A connection that acts for one user after another
 *   (or for nobody between transactions) keeps its plans, as 1.0 did; one
 *   that alternates between an administrator and a user replans at each
 *   switch.  A wrong guess costs a 40001 at ExecutorStart, never a wrong
 *   answer; the user whose flags changed since had that change announced,
 *   which forgets every decided plan anyway.  users_read, which every user
 *   actor has, is not folded (rules.c), so that plans of users and of no
 *   actor are the same.
 * - Cursors and portals are pinned to their actor (statement.c), and a
 *   cursor fetched in a later statement fails if a decision folded into
 *   its plan as true no longer holds (query_rights.c): unlike a plan about
 *   to start, a cursor half read cannot be planned afresh.
 *
 * src/plan_binding.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "nodes/makefuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/plannodes.h"
#include "nodes/supportnodes.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/plancache.h"
#include "utils/syscache.h"

#include "actor.h"
#include "plan_binding.h"
#include "reach_cache.h"
#include "policy_core.h"

/* Not a system cache id (those are small and non-negative). */
#define DECISION_CACHE_ID	(-0x5250)

/*
 * Whether any plan may hold a decision since they were last forgotten, the
 * decisions they hold (bits, 1 << kind), and the hash of reaches_all()'s
 * pg_proc row, which such plans depend on.
 */
static bool plans_decided = false;
static uint32 plans_decisions = 0;
static uint32 decision_proc_hash = 0;

void
plan_binding_forget(void)
{
	if (plans_decided)
	{
		plans_decided = false;
		CallSyscacheCallbacks(PROCOID, decision_proc_hash);
	}
}

/* Adds an item to the plan's dependencies unless it is there. */
static void
add_inval_item(PlannerGlobal *glob, int cacheid, uint32 hash)
{
	ListCell   *lc;
	PlanInvalItem *item;

	foreach(lc, glob->invalItems)
	{
		item = (PlanInvalItem *) lfirst(lc);
		if (item->cacheId == cacheid && item->hashValue == hash)
			return;
	}
	item = makeNode(PlanInvalItem);
	item->cacheId = cacheid;
	item->hashValue = hash;
	glob->invalItems = lappend(glob->invalItems, item);
}

/*
 * Records in the plan being made that it holds this decision, and that it
 * depends on reaches_all()'s pg_proc row (see above).
 */
static void
record_decision(PlannerGlobal *glob, Oid funcid, int kind, bool value)
{
	uint32		proc_hash = GetSysCacheHashValue1(PROCOID, ObjectIdGetDatum(funcid));
	uint32		decisions = policy_decision_bits();

	add_inval_item(glob, DECISION_CACHE_ID, ((uint32) kind << 1) | (value ? 1 : 0));
	add_inval_item(glob, PROCOID, proc_hash);
	if (plans_decided && decision_proc_hash != proc_hash)
		ResetPlanCache();		/* the extension was made anew: forget all */
	else if (plans_decided && plans_decisions != decisions)
		plan_binding_forget();	/* plans made with other decisions */
	decision_proc_hash = proc_hash;
	plans_decisions = decisions;
	plans_decided = true;
}

/* actor.c's change callback: forget the plans the new actor cannot use. */
static void
actor_changed(const Actor *actor)
{
	if (plans_decided && policy_decision_bits_guessed(actor) != plans_decisions)
		plan_binding_forget();
}

void
plan_binding_init(void)
{
	actor_register_change_callback(actor_changed);
	reach_cache_register_invalidation(plan_binding_forget);
}

PG_FUNCTION_INFO_V1(rp_reaches_all_support);

/* reaches_all_support(internal): folds reaches_all('kind') in a plan. */
Datum
rp_reaches_all_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);
	SupportRequestSimplify *req;
	Const	   *arg;
	char	   *name;
	int			kind;
	bool		all;

	if (!IsA(rawreq, SupportRequestSimplify))
		PG_RETURN_POINTER(NULL);
	req = (SupportRequestSimplify *) rawreq;

	/* only while planning a statement, and only for a constant kind */
	if (req->root == NULL || req->root->glob == NULL ||
		list_length(req->fcall->args) != 1 ||
		!IsA(linitial(req->fcall->args), Const))
		PG_RETURN_POINTER(NULL);
	arg = (Const *) linitial(req->fcall->args);
	if (arg->constisnull)
		PG_RETURN_POINTER(NULL);
	name = TextDatumGetCString(arg->constvalue);
	kind = policy_reach_all_kind(name);
	pfree(name);
	if (kind < 0)
		PG_RETURN_POINTER(NULL);	/* the call itself reports the bad name */
	if (!policy_reach_all_folded(kind))
		PG_RETURN_POINTER(NULL);

	all = policy_reaches_all(kind);
	record_decision(req->root->glob, req->fcall->funcid, kind, all);
	PG_RETURN_POINTER(makeBoolConst(all, false));
}

uint32
plan_binding_folded_true(PlannedStmt *stmt)
{
	ListCell   *lc;
	uint32		bits = 0;

	if (stmt == NULL)
		return 0;
	foreach(lc, stmt->invalItems)
	{
		PlanInvalItem *item = (PlanInvalItem *) lfirst(lc);

		if (item->cacheId == DECISION_CACHE_ID && (item->hashValue & 1) != 0)
			bits |= 1u << (item->hashValue >> 1);
	}
	return bits;
}

void
plan_binding_check(PlannedStmt *stmt)
{
	ListCell   *lc;

	if (stmt == NULL)
		return;
	foreach(lc, stmt->invalItems)
	{
		PlanInvalItem *item = (PlanInvalItem *) lfirst(lc);
		int			kind;
		bool		value;

		if (item->cacheId != DECISION_CACHE_ID)
			continue;
		kind = (int) (item->hashValue >> 1);
		value = (item->hashValue & 1) != 0;
		if (policy_reaches_all(kind) != value)
		{
			plans_decided = true;
			plan_binding_forget();
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not use a plan made for other rights"),
					 errdetail("The actor's rights changed after the statement was planned."),
					 errhint("Run the statement again; it will be planned afresh.")));
		}
	}
}
