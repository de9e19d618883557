/*-------------------------------------------------------------------------
 *
 * statement.c
 *	  What a client statement is, and which actor a portal belongs to.
 *
 * Two promises of doc/actors.md need to know where statements begin and
 * end, which the executor does not say to a function:
 *
 * Rights are read per statement.  The policy core keys what the actor may
 * reach on statement_number(), which changes at the end of every statement
 * the client sends: each statement of a multi-statement message, each
 * Execute of the extended protocol, each top-level utility command.  The
 * statements that run inside a function call (nested executor or utility
 * calls) do not change it: they share the rights of the call.  Counting
 * the end rather than the start keeps the planning of a statement and its
 * execution on one number.  A portal the client runs in steps (Execute
 * with a row limit) is not ended by a step, so each later step starts a
 * statement of its own.
 *
 * A portal belongs to one actor, and reads with its rights.  Every query
 * that starts while an actor is set, and every one that reads the
 * extension's tables, is pinned to the actor generation (actor.c) current
 * when it started: a function can read the extension without naming its
 * tables, and no plan tells which do.  Every way a portal is read ends in
 * one of two places:
 *
 * - The executor (SQL FETCH and MOVE in any direction, PL/pgSQL and SPI
 *   cursors, the extended protocol's Execute): ExecutorRun checks the
 *   pin.  A run after the actor changed fails; a run in a later statement
 *   first asks the policy core whether what the query took from the
 *   actor's rights in its earlier runs (decisions folded into its plan,
 *   ids evaluated into its index keys, rows it materialized) still holds,
 *   and fails with 55000 when a right it used was removed since.  What a
 *   query takes is noted by the core into every query running at that
 *   moment (the frames of query_rights.c, pushed here for each run).
 * - A store, read without the executor: a cursor WITH HOLD after its
 *   transaction committed, and a portal whose query ran to the end at its
 *   first fetch (RETURNING, a data-modifying WITH, a utility statement such
 *   as EXECUTE).  What the runs that filled it took is kept with the
 *   portal.  SQL FETCH and MOVE check it in the utility hook; for the other
 *   doors, which reach the store with no hook in between, the portal is
 *   marked failed (PortalRunFetch and PortalRun then refuse it with 55000)
 *   as soon as its actor changes, and before any statement of the client
 *   that could read it (a DO block, a function call) once its rights are
 *   gone.
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
 * stack_push/stack_free).  What the core keeps with a pin lives in the
 * same memory.  The nesting depth and the running frames are restored by
 * PG_FINALLY.
 *
 * The hooks are installed when the library loads, which is before any
 * actor can exist (only this library's functions set one).
 *
 * src/statement.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "executor/executor.h"
#include "nodes/parsenodes.h"
#include "parser/parsetree.h"
#include "tcop/pquery.h"
#include "tcop/utility.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/snapmgr.h"

#include "actor.h"
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

/* The policy core's side of the pins (query_rights.c), once registered. */
static const StatementRightsHooks *rights_hooks = NULL;

uint64
statement_number(void)
{
	return statement_counter;
}

void
statement_set_rights_hooks(const StatementRightsHooks *hooks)
{
	rights_hooks = hooks;
}

/* ----------------------------------------------------------------------
 * Pins: a query or portal and the actor generation it belongs to
 * ---------------------------------------------------------------------- */

typedef struct ActorPin
{
	struct ActorPin *next;
	const void *key;			/* the QueryDesc or the Portal */
	bool		is_portal;
	bool		writes;			/* an execution that writes the extension's tables */
	uint64		generation;
	uint64		statement;		/* the statement its rights were checked for */
	bool		has_run;		/* a query that ran at least once */
	bool		running;		/* a portal being filled: its frame is up */
	bool		lost;			/* a portal whose rights went: refused */
	MemoryContext cxt;			/* the memory it lives in */
	struct PinRights *rights;	/* what it took, or NULL (query_rights.c) */
	MemoryContextCallback callback;
} ActorPin;

static ActorPin *pins = NULL;
static int	portal_pins = 0;

/* The statement before which the held portals were last checked. */
static uint64 portals_checked_at = 0;

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
			if (pin->is_portal)
				portal_pins--;
			break;
		}
}

static ActorPin *
pin_actor(MemoryContext cxt, const void *key, bool is_portal)
{
	ActorPin   *pin = MemoryContextAllocZero(cxt, sizeof(ActorPin));

	pin->key = key;
	pin->is_portal = is_portal;
	pin->generation = actor_generation();
	pin->statement = statement_counter;
	pin->cxt = cxt;
	pin->callback.func = unpin;
	pin->callback.arg = pin;
	MemoryContextRegisterResetCallback(cxt, &pin->callback);
	pin->next = pins;
	pins = pin;
	if (is_portal)
		portal_pins++;
	return pin;
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
check_actor(const ActorPin *pin)
{
	if (pin->generation != actor_generation())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot fetch rows for another actor"),
				 errdetail("The cursor or portal was opened for an actor that has changed or ended since."),
				 errhint("Close it and open it again as the current actor.")));
}

static void
refuse_lost_rights(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("cannot fetch rows with rights the actor no longer has"),
			 errdetail("The cursor or portal read rows with rights that were removed after it was opened."),
			 errhint("Close it and open it again; it then reads with the actor's current rights.")));
}

/* A portal whose rows are read from its store, without the executor. */
static bool
reads_from_store(Portal portal)
{
	return portal->holdStore != NULL && portal->queryDesc == NULL;
}

/*
 * No door may read a portal whose rights went: the ones without a hook
 * find it failed (PortalRunFetch and PortalRun refuse it with 55000), SQL
 * FETCH and MOVE find "lost" first and say why.
 */
static void
mark_lost(ActorPin *pin)
{
	Portal		portal = (Portal) pin->key;

	pin->lost = true;
	if (portal->status == PORTAL_READY)
		MarkPortalFailed(portal);
}

/*
 * A query that runs again in a later statement (a cursor fetched again): what
 * it took in its earlier runs must still be the actor's.  A dead actor ends
 * with 28000 here, as any statement would.
 */
static void
check_query_rights(ActorPin *pin)
{
	if (pin->statement == statement_counter)
		return;
	if (pin->rights != NULL && rights_hooks != NULL &&
		rights_hooks->still_hold(pin->rights, false) != PIN_RIGHTS_HOLD)
		refuse_lost_rights();
	pin->statement = statement_counter;
}

/* SQL FETCH and MOVE: the cursor's actor, and a store's rights. */
static void
check_portal(Portal portal)
{
	ActorPin   *pin = find_pin(portal);

	if (pin == NULL)
		return;
	check_actor(pin);
	if (pin->lost)
		refuse_lost_rights();
	if (reads_from_store(portal) && pin->rights != NULL && rights_hooks != NULL &&
		pin->statement != statement_counter)
	{
		PinRightsState state;

		/* FETCH takes no snapshot; the rights are the newest ones anyway */
		PushActiveSnapshot(GetTransactionSnapshot());
		state = rights_hooks->still_hold(pin->rights, false);
		PopActiveSnapshot();
		if (state != PIN_RIGHTS_HOLD)
		{
			mark_lost(pin);
			refuse_lost_rights();
		}
		pin->statement = statement_counter;
	}
}

/*
 * Before a client statement that could read a portal's store through a door
 * with no hook (PL/pgSQL or SPI in a DO block or a function, say): every
 * store whose rights went is marked failed first.  A dead actor only fails
 * them here (SQL FETCH still says 28000 then); the statement itself goes
 * on, and ends with 28000 only if it touches a table, as without cursors.
 */
static void
check_held_portals(void)
{
	if (portal_pins == 0 || rights_hooks == NULL ||
		portals_checked_at == statement_counter ||
		!IsTransactionState() || !ActiveSnapshotSet())
		return;
	portals_checked_at = statement_counter;
	for (ActorPin *pin = pins; pin != NULL; pin = pin->next)
	{
		Portal		portal = (Portal) pin->key;

		if (!pin->is_portal || pin->lost || pin->rights == NULL ||
			pin->statement == statement_counter ||
			pin->generation != actor_generation() ||
			portal->status != PORTAL_READY || !reads_from_store(portal))
			continue;
		switch (rights_hooks->still_hold(pin->rights, true))
		{
			case PIN_RIGHTS_HOLD:
				pin->statement = statement_counter;
				break;
			case PIN_RIGHTS_LOST:
				mark_lost(pin);
				break;
			case PIN_ACTOR_DEAD:
				MarkPortalFailed(portal);
				break;
		}
	}
}

/*
 * actor.c's change callback: a store read through a door with no hook must
 * not serve the new actor.  Every pin is older than the new generation.
 * This runs also in transaction callbacks; marking a portal failed runs
 * no query.
 */
static void
actor_changed(const Actor *actor)
{
	for (ActorPin *pin = pins; pin != NULL; pin = pin->next)
	{
		Portal		portal = (Portal) pin->key;

		if (pin->is_portal && portal->status == PORTAL_READY && reads_from_store(portal))
			MarkPortalFailed(portal);
	}
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

/* Does a plan write a table of the extension's schema (any result relation,
 * data-modifying WITH queries included)? */
static bool
plan_writes_extension(PlannedStmt *stmt)
{
	Oid			schema;
	ListCell   *lc;

	if (stmt == NULL || stmt->commandType == CMD_UTILITY)
		return false;
	schema = get_namespace_oid(RUNNER_POLICY_SCHEMA, true);
	if (!OidIsValid(schema))
		return false;
	foreach(lc, stmt->resultRelations)
	{
		RangeTblEntry *rte = rt_fetch(lfirst_int(lc), stmt->rtable);

		if (rte->rtekind == RTE_RELATION &&
			get_rel_namespace(rte->relid) == schema)
			return true;
	}
	return false;
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

static bool
pins_query(PlannedStmt *stmt)
{
	return actor_current()->kind != ACTOR_NONE || plan_reads_extension(stmt);
}

/*
 * A portal being filled by this run: a cursor WITH HOLD kept at commit (its
 * query runs to the end into the store), or a portal whose query runs to
 * the end at its first fetch.  Its own frame goes up around the run, so
 * that what the run takes stays with the portal after the query is gone,
 * with what the query took before.
 */
static ActorPin *
filling_portal(QueryDesc *queryDesc, ActorPin *pin)
{
	Portal		portal = ActivePortal;
	ActorPin   *portal_pin;

	if (portal == NULL || portal->status != PORTAL_ACTIVE || portal->holdStore == NULL ||
		!(portal->queryDesc == queryDesc ||
		  (portal->queryDesc == NULL && portal->strategy != PORTAL_ONE_SELECT)))
		return NULL;
	portal_pin = find_pin(portal);
	if (portal_pin == NULL)
		portal_pin = pin_actor(portal->portalContext, portal, true);
	if (portal_pin->running)
		return NULL;
	if (pin != NULL)
		rights_hooks->merge(&portal_pin->rights, portal_pin->cxt, pin->rights);
	rights_hooks->run_begin(&portal_pin->rights, portal_pin->cxt);
	portal_pin->running = true;
	return portal_pin;
}

/* ----------------------------------------------------------------------
 * Executor hooks
 * ---------------------------------------------------------------------- */

/*
 * What is checked before a query starts.  The checks may run queries of the
 * policy core, which must not count as statements of the client: they run
 * one level down.
 */
static pg_noinline void
check_start(QueryDesc *queryDesc, bool top)
{
	nesting++;
	PG_TRY();
	{
		if (top)
			check_held_portals();
		/* a plan with a decision folded in serves only the rights it was made for */
		if (rights_hooks != NULL)
			rights_hooks->plan_check(queryDesc->plannedstmt);
	}
	PG_FINALLY();
	{
		nesting--;
	}
	PG_END_TRY();
}

static void
rp_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	bool		explain_only = (eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0;

	/* at the client's level no query runs: nothing an error left behind */
	if (nesting == 0 && rights_hooks != NULL)
		rights_hooks->unwind(0);
	if (!explain_only)
		check_start(queryDesc, nesting == 0);

	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);

	if (!explain_only && pins_query(queryDesc->plannedstmt))
	{
		ActorPin   *pin = pin_actor(queryDesc->estate->es_query_cxt, queryDesc, false);

		pin->writes = plan_writes_extension(queryDesc->plannedstmt);
		if (rights_hooks != NULL)
			rights_hooks->started(&pin->rights, pin->cxt, queryDesc->plannedstmt);
	}
}

/*
 * The run itself, with the frames that note what it takes: its own, and a
 * portal's it fills.  Apart from rp_ExecutorRun so that nothing it keeps
 * in registers lives across the longjmp of an error.
 */
static pg_noinline void
run_noting(QueryDesc *queryDesc, ActorPin *pin, ScanDirection direction,
		   uint64 count, bool execute_once)
{
	ActorPin   *volatile filling = NULL;
	int			depth = rights_hooks != NULL ? rights_hooks->depth() : 0;

	nesting++;
	PG_TRY();
	{
		/* a later statement: what it took must still hold (queries, one level down) */
		if (pin != NULL)
			check_query_rights(pin);
		if (pin != NULL && rights_hooks != NULL)
		{
			filling = filling_portal(queryDesc, pin);
			rights_hooks->run_begin(&pin->rights, pin->cxt);
		}
		if (prev_ExecutorRun)
			prev_ExecutorRun(queryDesc, direction, count, execute_once);
		else
			standard_ExecutorRun(queryDesc, direction, count, execute_once);
	}
	PG_FINALLY();
	{
		if (filling != NULL)
			filling->running = false;
		if (rights_hooks != NULL)
			rights_hooks->unwind(depth);
		nesting--;
	}
	PG_END_TRY();
}

static void
rp_ExecutorRun(QueryDesc *queryDesc, ScanDirection direction, uint64 count,
			   bool execute_once)
{
	ActorPin   *pin = find_pin(queryDesc);

	/* at the client's level no query runs: nothing an error left behind */
	if (nesting == 0 && rights_hooks != NULL)
		rights_hooks->unwind(0);
	if (pin != NULL)
	{
		check_actor(pin);
		/* the client's next step of a portal it runs in steps */
		if (nesting == 0 && pin->has_run)
			statement_counter++;
		pin->has_run = true;
	}
	run_noting(queryDesc, pin, direction, count, execute_once);
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

/* A utility statement (EXECUTE, FETCH, ...) filling its portal's store. */
static ActorPin *
filling_utility_portal(void)
{
	Portal		portal = ActivePortal;
	ActorPin   *pin;

	if (rights_hooks == NULL || portal == NULL || portal->status != PORTAL_ACTIVE ||
		portal->strategy != PORTAL_UTIL_SELECT || !reads_from_store(portal))
		return NULL;
	pin = find_pin(portal);
	if (pin == NULL)
	{
		if (actor_current()->kind == ACTOR_NONE)
			return NULL;
		pin = pin_actor(portal->portalContext, portal, true);
	}
	if (pin->running)
		return NULL;
	rights_hooks->run_begin(&pin->rights, pin->cxt);
	pin->running = true;
	return pin;
}

/*
 * The utility statement itself, with the frame of a portal it fills, and
 * what is checked before it (queries of the policy core, which must not
 * count as statements of the client: they run one level down).
 */
static pg_noinline void
utility_noting(bool top, PlannedStmt *pstmt, const char *queryString,
			   bool readOnlyTree,
			   ProcessUtilityContext context, ParamListInfo params,
			   QueryEnvironment *queryEnv, DestReceiver *dest,
			   QueryCompletion *qc)
{
	ActorPin   *volatile filling = NULL;
	int			depth = rights_hooks != NULL ? rights_hooks->depth() : 0;

	nesting++;
	PG_TRY();
	{
		Node	   *parsetree = pstmt->utilityStmt;

		/* a WITH HOLD cursor's rows are fetched without the executor */
		if (IsA(parsetree, FetchStmt))
		{
			FetchStmt  *fetch = (FetchStmt *) parsetree;
			Portal		portal = fetch->portalname ? GetPortalByName(fetch->portalname) : NULL;

			if (PortalIsValid(portal))
				check_portal(portal);
		}
		else if (top && !IsA(parsetree, TransactionStmt))
			check_held_portals();

		filling = filling_utility_portal();
		if (prev_ProcessUtility)
			prev_ProcessUtility(pstmt, queryString,
								readOnlyTree,
								context, params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString,
									readOnlyTree,
									context, params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		if (filling != NULL)
			filling->running = false;
		if (rights_hooks != NULL)
			rights_hooks->unwind(depth);
		nesting--;
	}
	PG_END_TRY();
}

static void
rp_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
				  bool readOnlyTree,
				  ProcessUtilityContext context, ParamListInfo params,
				  QueryEnvironment *queryEnv, DestReceiver *dest,
				  QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	bool		top = nesting == 0;
	bool		writes;

	if (top && rights_hooks != NULL)
		rights_hooks->unwind(0);

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
	writes = utility_writes_extension(parsetree);

	/*
	 * DISCARD ALL is what session poolers send between clients: it ends any
	 * actor (actor.c), so that no client inherits the one before it.
	 */
	if (IsA(parsetree, DiscardStmt) &&
		((DiscardStmt *) parsetree)->target == DISCARD_ALL)
		actor_clear();

	if (writes)
		utility_writes++;
	PG_TRY();
	{
		utility_noting(top, pstmt, queryString,
					   readOnlyTree,
					   context, params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		if (writes)
			utility_writes--;
	}
	PG_END_TRY();

	if (IsA(parsetree, DeclareCursorStmt))
	{
		DeclareCursorStmt *declare = (DeclareCursorStmt *) parsetree;
		Portal		portal = GetPortalByName(declare->portalname);

		if (PortalIsValid(portal) && portal->stmts != NIL && find_pin(portal) == NULL &&
			pins_query(linitial_node(PlannedStmt, portal->stmts)))
			pin_actor(portal->portalContext, portal, true);
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
	actor_register_change_callback(actor_changed);
	actor_register_change_guard(refuse_actor_change_while_writing);
}
