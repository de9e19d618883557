/*-------------------------------------------------------------------------
 *
 * statement.c
 *	  What a client statement is, and which actor a portal belongs to.
 *
 * Two promises of SPEC section 4 need to know where statements begin and
 * end, which the executor does not say to a function:
 *
 * Rights are read per statement.  The policy core keys what the actor may
 * reach on statement_number(), which changes at the end of every statement
 * the client sends: each statement of a multi-statement message, each
 * Execute of the extended protocol, each top-level utility command.  The
 * statements that run inside a function call (nested executor or utility
 * calls) do not change it: they share the rights of the call.  Counting
 * the end rather than the start keeps the planning of a statement (which
 * already asks the core, to estimate) and its execution on one number.
 *
 * A portal belongs to one actor.  A cursor, or any portal the client runs
 * in several steps, returns rows only to the actor it was opened for: every
 * execution of a query that reads the extension's tables is pinned to the
 * actor generation (actor.c) current when it started, and fetching from it
 * after the actor changed or ended fails.  Executor runs are checked in
 * ExecutorRun; a WITH HOLD cursor, whose rows were materialized at commit
 * and are fetched without the executor, is checked at FETCH and MOVE.
 *
 * Lifetimes.  A pin lives in the memory of what it pins (the executor
 * state's query context, or the portal's context), and a reset callback
 * unlinks it when that memory goes, also on error: no pin outlives its
 * portal, and no pointer here outlives its memory (the pattern of pgaudit's
 * stack_push/stack_free).  The nesting depth is restored by PG_FINALLY.
 *
 * The hooks are installed when the library loads, which is before any
 * actor can exist (only this library's functions set one).
 *
 * src/statement.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "executor/executor.h"
#include "nodes/parsenodes.h"
#include "parser/parsetree.h"
#include "tcop/utility.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"

#include "actor.h"
#include "plan_binding.h"
#include "runner_policy.h"
#include "statement.h"
#include "token_text.h"

static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;
static ExecutorEnd_hook_type prev_ExecutorEnd = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* How deep in executor and utility calls we are; 0 is the client's level. */
static int	nesting = 0;

/* Changes at the end of every top-level statement. */
static uint64 statement_counter = 1;

uint64
statement_number(void)
{
	return statement_counter;
}

/* ----------------------------------------------------------------------
 * Pins: a query or portal and the actor generation it belongs to
 * ---------------------------------------------------------------------- */

typedef struct ActorPin
{
	struct ActorPin *next;
	const void *key;			/* the QueryDesc or the Portal */
	uint64		generation;
	MemoryContextCallback callback;
} ActorPin;

static ActorPin *pins = NULL;

static void
unpin(void *arg)
{
	ActorPin   *pin = (ActorPin *) arg;

	for (ActorPin **p = &pins; *p != NULL; p = &(*p)->next)
		if (*p == pin)
		{
			*p = pin->next;
			break;
		}
}

static void
pin_actor(MemoryContext cxt, const void *key)
{
	ActorPin   *pin = MemoryContextAllocZero(cxt, sizeof(ActorPin));

	pin->key = key;
	pin->generation = actor_generation();
	pin->callback.func = unpin;
	pin->callback.arg = pin;
	MemoryContextRegisterResetCallback(cxt, &pin->callback);
	pin->next = pins;
	pins = pin;
}

static ActorPin *
find_pin(const void *key)
{
	for (ActorPin *pin = pins; pin != NULL; pin = pin->next)
		if (pin->key == key)
			return pin;
	return NULL;
}

static void
check_pin(const void *key)
{
	ActorPin   *pin = find_pin(key);

	if (pin != NULL && pin->generation != actor_generation())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot fetch rows for another actor"),
				 errdetail("The cursor or portal was opened for an actor that has changed or ended since."),
				 errhint("Close it and open it again as the current actor.")));
}

/* Does a plan read a table (or view) of the extension's schema? */
static bool
plan_reads_extension(PlannedStmt *stmt)
{
	Oid			schema;
	ListCell   *lc;

	if (stmt == NULL || stmt->commandType == CMD_UTILITY)
		return false;
	schema = get_namespace_oid(RUNNER_POLICY_SCHEMA, true);
	if (!OidIsValid(schema))
		return false;
	foreach(lc, stmt->rtable)
	{
		RangeTblEntry *rte = (RangeTblEntry *) lfirst(lc);

		if (rte->rtekind == RTE_RELATION &&
			get_rel_namespace(rte->relid) == schema)
			return true;
	}
	return false;
}

/* ----------------------------------------------------------------------
 * Executor hooks
 * ---------------------------------------------------------------------- */

static void
rp_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	/* a plan with a decision folded in serves only the rights it was made for */
	if ((eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0)
		plan_binding_check(queryDesc->plannedstmt);

	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);

	if ((eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0 &&
		plan_reads_extension(queryDesc->plannedstmt))
		pin_actor(queryDesc->estate->es_query_cxt, queryDesc);
}

static void
rp_ExecutorRun(QueryDesc *queryDesc, ScanDirection direction, uint64 count,
			   bool execute_once)
{
	check_pin(queryDesc);
	nesting++;
	PG_TRY();
	{
		if (prev_ExecutorRun)
			prev_ExecutorRun(queryDesc, direction, count, execute_once);
		else
			standard_ExecutorRun(queryDesc, direction, count, execute_once);
	}
	PG_FINALLY();
	{
		nesting--;
	}
	PG_END_TRY();
}

static void
rp_ExecutorFinish(QueryDesc *queryDesc)
{
	nesting++;
	PG_TRY();
	{
		if (prev_ExecutorFinish)
			prev_ExecutorFinish(queryDesc);
		else
			standard_ExecutorFinish(queryDesc);
	}
	PG_FINALLY();
	{
		nesting--;
	}
	PG_END_TRY();
}

static void
rp_ExecutorEnd(QueryDesc *queryDesc)
{
	if (prev_ExecutorEnd)
		prev_ExecutorEnd(queryDesc);
	else
		standard_ExecutorEnd(queryDesc);
	if (nesting == 0)
		statement_counter++;
}

/* ----------------------------------------------------------------------
 * Utility hook: tokens written in a utility statement, DISCARD ALL,
 * DECLARE and FETCH of SQL cursors, and the statement count
 * ---------------------------------------------------------------------- */

static void
rp_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
#if PG_VERSION_NUM >= 140000
				  bool readOnlyTree,
#endif
				  ProcessUtilityContext context, ParamListInfo params,
				  QueryEnvironment *queryEnv, DestReceiver *dest,
				  QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	bool		top = nesting == 0;

	/*
	 * Statement statistics keep the text of a utility statement (DO,
	 * EXPLAIN, CALL, ...) as written, where they keep a plannable one's
	 * with its constants replaced: a token written in one is refused before
	 * it runs, at every level.  pg_stat_statements stores a utility
	 * statement only once it has run, so nothing is stored whether its hook
	 * is called before this one or after.
	 */
	token_text_refuse_utility(queryString, pstmt->stmt_location, pstmt->stmt_len,
							  parsetree);

	/*
	 * DISCARD ALL is what session poolers send between clients: it ends any
	 * actor (actor.c), so that no client inherits the one before it.
	 */
	if (IsA(parsetree, DiscardStmt) &&
		((DiscardStmt *) parsetree)->target == DISCARD_ALL)
		actor_clear();

	/* a WITH HOLD cursor's rows are fetched without the executor */
	if (IsA(parsetree, FetchStmt))
	{
		FetchStmt  *fetch = (FetchStmt *) parsetree;
		Portal		portal = fetch->portalname ? GetPortalByName(fetch->portalname) : NULL;

		if (PortalIsValid(portal))
			check_pin(portal);
	}

	nesting++;
	PG_TRY();
	{
		if (prev_ProcessUtility)
			prev_ProcessUtility(pstmt, queryString,
#if PG_VERSION_NUM >= 140000
								readOnlyTree,
#endif
								context, params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString,
#if PG_VERSION_NUM >= 140000
									readOnlyTree,
#endif
									context, params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		nesting--;
	}
	PG_END_TRY();

	if (IsA(parsetree, DeclareCursorStmt))
	{
		DeclareCursorStmt *declare = (DeclareCursorStmt *) parsetree;
		Portal		portal = GetPortalByName(declare->portalname);

		if (PortalIsValid(portal) && portal->stmts != NIL &&
			plan_reads_extension(linitial_node(PlannedStmt, portal->stmts)))
			pin_actor(portal->portalContext, portal);
	}

	if (top)
		statement_counter++;
}

void
statement_init(void)
{
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = rp_ExecutorStart;
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = rp_ExecutorRun;
	prev_ExecutorFinish = ExecutorFinish_hook;
	ExecutorFinish_hook = rp_ExecutorFinish;
	prev_ExecutorEnd = ExecutorEnd_hook;
	ExecutorEnd_hook = rp_ExecutorEnd;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = rp_ProcessUtility;
}
