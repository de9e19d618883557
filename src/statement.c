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
 * One actor per write.  Every audit log entry names the actor whose rights
 * applied to its change, and the entry is written when the change's AFTER
 * ROW trigger fires, at the end of the statement: a statement that set
 * another actor on the way (an act_as() in its RETURNING list or in the
 * select list over a data-modifying WITH) would have its rows recorded as
 * that actor's.  So while any execution that writes a table of the
 * extension is running (its pin says so), and while a COPY FROM or
 * TRUNCATE of one runs, act_as(), authenticate() and reset_actor() are
 * refused (the guard actor.c asks).  The AFTER ROW triggers of a
 * statement, and the cascades they run (foreign keys, the extension's own
 * triggers), all fire before its executor ends, so one actor covers them;
 * DISCARD ALL cannot run inside a statement at all.
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
	bool		writes;			/* an execution that writes the extension's tables */
	MemoryContextCallback callback;
} ActorPin;

static ActorPin *pins = NULL;

/* COPY FROM and TRUNCATE of the extension's tables running now */
static int	utility_writes = 0;

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
pin_actor(MemoryContext cxt, const void *key, bool writes)
{
	ActorPin   *pin = MemoryContextAllocZero(cxt, sizeof(ActorPin));

	pin->key = key;
	pin->generation = actor_generation();
	pin->writes = writes;
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

/*
 * Does a plan read a table (or view) of the extension's schema, and does it
 * write one (any result relation, data-modifying WITH queries included)?
 */
static bool
plan_reads_extension(PlannedStmt *stmt, bool *writes)
{
	Oid			schema;
	ListCell   *lc;
	bool		reads = false;

	*writes = false;
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
		{
			reads = true;
			break;
		}
	}
	if (!reads)
		return false;
	foreach(lc, stmt->resultRelations)
	{
		RangeTblEntry *rte = rt_fetch(lfirst_int(lc), stmt->rtable);

		if (rte->rtekind == RTE_RELATION &&
			get_rel_namespace(rte->relid) == schema)
		{
			*writes = true;
			break;
		}
	}
	return true;
}

/* Is a relation named in a utility statement one of the extension's? */
static bool
names_extension_relation(RangeVar *relation, Oid schema)
{
	Oid			relid = RangeVarGetRelid(relation, NoLock, true);

	return OidIsValid(relid) && get_rel_namespace(relid) == schema;
}

/*
 * Does a utility statement write the extension's tables without the
 * executor (whose writes the pins see)?  COPY FROM runs its WHERE clause,
 * defaults and triggers row by row, TRUNCATE its triggers.
 */
static bool
utility_writes_extension(Node *parsetree)
{
	Oid			schema;
	ListCell   *lc;

	if (!IsA(parsetree, CopyStmt) && !IsA(parsetree, TruncateStmt))
		return false;
	schema = get_namespace_oid(RUNNER_POLICY_SCHEMA, true);
	if (!OidIsValid(schema))
		return false;
	if (IsA(parsetree, CopyStmt))
	{
		CopyStmt   *copy = (CopyStmt *) parsetree;

		return copy->is_from && copy->relation != NULL &&
			names_extension_relation(copy->relation, schema);
	}
	foreach(lc, ((TruncateStmt *) parsetree)->relations)
		if (names_extension_relation(lfirst_node(RangeVar, lc), schema))
			return true;
	return false;
}

/*
 * The guard of actor.c: no change of actor while a write to the
 * extension's tables runs (see "One actor per write" above).  The statement
 * is kept out of the server log, as authenticate()'s own errors keep it:
 * it may carry a token.
 */
static void
refuse_actor_change_while_writing(const char *function_name)
{
	bool		writing = utility_writes > 0;

	for (ActorPin *pin = pins; pin != NULL && !writing; pin = pin->next)
		writing = pin->writes;
	if (!writing)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("cannot change the actor inside a statement that writes the runner_policy tables"),
			 errdetail("%s() was called while an INSERT, UPDATE, DELETE, MERGE, COPY or TRUNCATE of the extension's tables was running; the audit log names one actor for each change, the actor whose rights applied to it.",
					   function_name),
			 errhint("Set the actor in a statement of its own, then write."),
			 errhidestmt(true)));
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

	if ((eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0)
	{
		bool		writes;

		if (plan_reads_extension(queryDesc->plannedstmt, &writes))
			pin_actor(queryDesc->estate->es_query_cxt, queryDesc, writes);
	}
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
	bool		writes = utility_writes_extension(parsetree);

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
	if (writes)
		utility_writes++;
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
		if (writes)
			utility_writes--;
	}
	PG_END_TRY();

	if (IsA(parsetree, DeclareCursorStmt))
	{
		DeclareCursorStmt *declare = (DeclareCursorStmt *) parsetree;
		Portal		portal = GetPortalByName(declare->portalname);
		bool		writes;

		if (PortalIsValid(portal) && portal->stmts != NIL &&
			plan_reads_extension(linitial_node(PlannedStmt, portal->stmts), &writes))
			pin_actor(portal->portalContext, portal, writes);
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
	actor_register_change_guard(refuse_actor_change_while_writing);
}
