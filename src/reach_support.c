/*-------------------------------------------------------------------------
 *
 * reach_support.c
 *	  Planner support for in_reach(set, id), the policies' per-row probe.
 *
 * A policy arm asks whether a column is in one of the actor's sets.  Two
 * shapes answer it, and which is better depends on the set's size, which
 * only the actor knows:
 *
 * - "id = ANY (reach(set))", the 1.0 form: an index condition whose array
 *   is computed once per scan, with estimates from the real ids.  But
 *   PostgreSQL estimates such an array one element at a time, and tests a
 *   row against it one element at a time (it hashes = ANY only for a
 *   constant): for a user in thousands of groups, milliseconds of planning
 *   and a linear search per row.
 * - in_reach(set, id) itself: a binary search per row, no index.
 *
 * So when a statement is planned, the support function asks the policy
 * core how big the set is (SupportRequestSimplify): up to
 * INLINE_MAX_IDS ids it writes the arm in the 1.0 form, and leaves the
 * probe otherwise, with a selectivity from the set's size and the column's
 * distinct values (SupportRequestSelectivity) and the cost of a search
 * (SupportRequestCost).  Both shapes are right for every actor: the ids
 * are read when the statement runs, never put in the plan, so the choice
 * is only about speed and a cached plan needs no guard for it.
 *
 * The 1.0 form pays only where it becomes an index condition, evaluated
 * once per scan.  Where the planner leaves it as a filter (a sequential
 * scan, the filter of an index or bitmap scan), it is evaluated for every
 * row: "= ANY" searches the array one element at a time, and "&&"
 * deconstructs the whole array and compares every pair, for each row.
 * A small set was rewritten because it is small, yet for a count of
 * 20,000 runners by a user of 381 projects that costs several times the
 * probe.  So once the plan is made (planner_hook), the rewritten arms
 * left in a plan node's filter are turned back into the probes they came
 * from; index and bitmap conditions, and their rechecks, keep the array.
 *
 * src/reach_support.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "parser/parse_oper.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/selfuncs.h"

#include "optimizer/planner.h"
#include "miscadmin.h"

#include "policy_core.h"
#include "reach_cache.h"
#include "runner_policy.h"

/* Sets up to this size are probed as an index condition (see above). */
#define INLINE_MAX_IDS	512

/*
 * What the rewrites of this backend made, so that a finished plan's
 * filters can be given their probes back: how many so far (a planning
 * that made none leaves its plan alone), and, for each form, the function
 * of its array and the probe it replaced.  A DROP and CREATE EXTENSION
 * makes new functions; the next rewrite records them.
 */
static uint64 rewrites = 0;
static Oid	any_reach_fn = InvalidOid;	/* "id = ANY (reach(set))" */
static Oid	any_probe_fn = InvalidOid;	/* in_reach(set, id) */
static Oid	overlap_reach_fn = InvalidOid;	/* "ids && reach(set)" */
static Oid	overlap_probe_fn = InvalidOid;	/* in_reach_any(set, ids) */

static planner_hook_type prev_planner = NULL;

/* The set an in_reach() call names, or -1 when it is not a constant. */
static int
call_set(List *args)
{
	Const	   *arg;
	char	   *name;
	int			kind;

	if (list_length(args) != 2 || !IsA(linitial(args), Const))
		return -1;
	arg = (Const *) linitial(args);
	if (arg->constisnull)
		return -1;
	name = TextDatumGetCString(arg->constvalue);
	kind = policy_reach_set_kind(name);
	pfree(name);
	return kind;
}

/*
 * A guarded id, "CASE WHEN condition THEN id END": the policies write a
 * probe that holds only for some rows that way (a runner picks up pending
 * jobs only), so that the condition is not a second copy of the query's
 * own, which PostgreSQL would count twice in its estimates.  Returns the
 * condition and the id, or false for any other expression.
 */
static bool
guarded_id(Node *arg, Node **condition, Node **id)
{
	CaseExpr   *c;
	CaseWhen   *w;

	*condition = NULL;
	*id = arg;
	if (!IsA(arg, CaseExpr))
		return false;
	c = (CaseExpr *) arg;
	if (c->arg != NULL || list_length(c->args) != 1 ||
		(c->defresult != NULL &&
		 !(IsA(c->defresult, Const) && ((Const *) c->defresult)->constisnull)))
		return false;
	w = (CaseWhen *) linitial(c->args);
	*condition = (Node *) w->expr;
	*id = (Node *) w->result;
	return true;
}

/*
 * reach(text), in the schema of the in_reach() being planned, and bigint =
 * bigint: looked up once per epoch of the decision cache (a DROP and
 * CREATE EXTENSION moves it), since planning asks once per policy arm.
 */
static Oid
reach_function(Oid in_reach_fn)
{
	static Oid	fn = InvalidOid;
	static Oid	for_fn = InvalidOid;
	static uint64 found_at = 0;
	Oid			argtype = TEXTOID;

	if (!OidIsValid(fn) || for_fn != in_reach_fn || found_at != reach_cache_epoch())
	{
		char	   *nspname = get_namespace_name(get_func_namespace(in_reach_fn));

		fn = nspname == NULL ? InvalidOid :
			LookupFuncName(list_make2(makeString(nspname), makeString("reach")),
						   1, &argtype, true);
		for_fn = in_reach_fn;
		found_at = reach_cache_epoch();
	}
	return fn;
}

static Oid
int8_equality(void)
{
	static Oid	eq = InvalidOid;

	if (!OidIsValid(eq))
		eq = LookupOperName(NULL, list_make2(makeString("pg_catalog"), makeString("=")),
							INT8OID, INT8OID, true, -1);
	return eq;
}

/* bigint[] && bigint[], the overlap a GIN index on an array column answers */
static Oid
int8_array_overlap(void)
{
	static Oid	op = InvalidOid;

	if (!OidIsValid(op))
		op = LookupOperName(NULL, list_make2(makeString("pg_catalog"), makeString("&&")),
							ANYARRAYOID, ANYARRAYOID, true, -1);
	return op;
}

/* "ids && runner_policy.reach(set)" for an in_reach_any(set, ids) call. */
static Node *
as_overlap_of_reach(FuncExpr *call)
{
	Oid			reach_fn = reach_function(call->funcid);
	Oid			op = int8_array_overlap();
	Node	   *ids = lsecond(call->args);

	if (!OidIsValid(reach_fn) || !OidIsValid(op) || exprType(ids) != INT8ARRAYOID)
		return NULL;
	return (Node *) make_opclause(op, BOOLOID, false, (Expr *) copyObject(ids),
								  (Expr *) makeFuncExpr(reach_fn, INT8ARRAYOID,
														list_make1(copyObject(linitial(call->args))),
														InvalidOid, InvalidOid,
														COERCE_EXPLICIT_CALL),
								  InvalidOid, InvalidOid);
}

/*
 * "id = ANY (runner_policy.reach(set))" for an in_reach(set, id) call, and
 * "condition AND id = ANY (...)" for a guarded id (the same rows: a false
 * condition gives false where the probe gives NULL, and a policy keeps
 * neither).
 */
static Node *
as_any_of_reach(FuncExpr *call)
{
	Oid			reach_fn = reach_function(call->funcid);
	Oid			eq = int8_equality();
	Node	   *condition;
	Node	   *id;
	bool		guarded = guarded_id(lsecond(call->args), &condition, &id);
	Node	   *any;

	if (!OidIsValid(reach_fn) || !OidIsValid(eq) || exprType(id) != INT8OID ||
		(guarded && exprType(condition) != BOOLOID))
		return NULL;
	any = any_of_function(eq, id, reach_fn, linitial(call->args), call->location);
	if (guarded)
		return (Node *) makeBoolExpr(AND_EXPR, list_make2(copyObject(condition), any),
									 call->location);
	return any;
}

PG_FUNCTION_INFO_V1(rp_in_reach_support);

/* in_reach_support(internal) */
Datum
rp_in_reach_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);

	if (IsA(rawreq, SupportRequestSimplify))
	{
		SupportRequestSimplify *req = (SupportRequestSimplify *) rawreq;
		int			kind = call_set(req->fcall->args);

		/* only while planning a statement: the size is this actor's */
		if (req->root == NULL || kind < 0 ||
			policy_reach_set_size(kind) > INLINE_MAX_IDS)
			PG_RETURN_POINTER(NULL);
		if (exprType(lsecond(req->fcall->args)) == INT8ARRAYOID)
		{
			/* in_reach_any() */
			Node	   *overlap = as_overlap_of_reach(req->fcall);

			if (overlap != NULL)
			{
				overlap_reach_fn = reach_function(req->fcall->funcid);
				overlap_probe_fn = req->fcall->funcid;
				rewrites++;
			}
			PG_RETURN_POINTER(overlap);
		}
		else
		{
			Node	   *any = as_any_of_reach(req->fcall);

			if (any != NULL)
			{
				any_reach_fn = reach_function(req->fcall->funcid);
				any_probe_fn = req->fcall->funcid;
				rewrites++;
			}
			PG_RETURN_POINTER(any);
		}
	}
	if (IsA(rawreq, SupportRequestSelectivity))
	{
		SupportRequestSelectivity *req = (SupportRequestSelectivity *) rawreq;
		int			kind = call_set(req->args);
		VariableStatData vardata;
		bool		isdefault;
		double		distinct;
		Node	   *condition;
		Node	   *id;

		if (req->is_join || kind < 0)
			PG_RETURN_POINTER(NULL);
		/* a guard's condition is the query's business: the id's share only */
		(void) guarded_id(lsecond(req->args), &condition, &id);
		examine_variable(req->root, id, req->varRelid, &vardata);
		distinct = get_variable_numdistinct(&vardata, &isdefault);
		ReleaseVariableStats(vardata);
		req->selectivity = Min(1.0, (double) policy_reach_set_size(kind) / Max(distinct, 1.0));
		PG_RETURN_POINTER(req);
	}
	if (IsA(rawreq, SupportRequestCost))
	{
		SupportRequestCost *req = (SupportRequestCost *) rawreq;

		/* a hash-free binary search: a few comparisons */
		req->startup = 0;
		req->per_tuple = 2 * cpu_operator_cost;
		PG_RETURN_POINTER(req);
	}
	PG_RETURN_POINTER(NULL);
}

/* ----------------------------------------------------------------------
 * Filters get their probes back
 * ---------------------------------------------------------------------- */

/* The set of "reach(set)" when expr is that call of fn, or NULL. */
static Const *
reach_call_set(Node *expr, Oid fn)
{
	FuncExpr   *call;

	if (!OidIsValid(fn) || expr == NULL || !IsA(expr, FuncExpr))
		return NULL;
	call = (FuncExpr *) expr;
	if (call->funcid != fn || list_length(call->args) != 1 ||
		!IsA(linitial(call->args), Const))
		return NULL;
	return (Const *) linitial(call->args);
}

static Node *
probe_call(Oid probe_fn, Const *set, Node *arg, int location)
{
	FuncExpr   *call = makeFuncExpr(probe_fn, BOOLOID,
									list_make2(copyObject(set), arg),
									InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);

	call->location = location;
	return (Node *) call;
}

/*
 * An arm rewritten by the support function, back to its probe: the same
 * answer for every row (NULL for a NULL id or array, as both forms give;
 * a set holds no NULL), found by a binary search.
 */
static Node *
filter_probes_mutator(Node *node, void *context)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) node;
		Const	   *set;

		if (saop->useOr && saop->opno == int8_equality() &&
			list_length(saop->args) == 2 &&
			exprType(linitial(saop->args)) == INT8OID &&
			(set = reach_call_set(lsecond(saop->args), any_reach_fn)) != NULL)
			return probe_call(any_probe_fn, set,
							  filter_probes_mutator(linitial(saop->args), context),
							  saop->location);
	}
	else if (IsA(node, OpExpr))
	{
		OpExpr	   *op = (OpExpr *) node;
		Const	   *set;

		if (op->opno == int8_array_overlap() && list_length(op->args) == 2 &&
			exprType(linitial(op->args)) == INT8ARRAYOID &&
			(set = reach_call_set(lsecond(op->args), overlap_reach_fn)) != NULL)
			return probe_call(overlap_probe_fn, set,
							  filter_probes_mutator(linitial(op->args), context),
							  op->location);
	}
	return expression_tree_mutator(node, filter_probes_mutator, context);
}

/*
 * Every node's filter (Plan.qual), in the plan tree and its subplans.
 * Index conditions (indexqual, indexqualorig), a bitmap heap scan's
 * recheck and join clauses are other fields, left as they are.
 */
static void
filter_probes(Plan *plan)
{
	ListCell   *lc;

	if (plan == NULL)
		return;
	check_stack_depth();
	plan->qual = (List *) filter_probes_mutator((Node *) plan->qual, NULL);
	filter_probes(plan->lefttree);
	filter_probes(plan->righttree);
	switch (nodeTag(plan))
	{
		case T_Append:
			foreach(lc, ((Append *) plan)->appendplans)
				filter_probes((Plan *) lfirst(lc));
			break;
		case T_MergeAppend:
			foreach(lc, ((MergeAppend *) plan)->mergeplans)
				filter_probes((Plan *) lfirst(lc));
			break;
		case T_BitmapAnd:
			foreach(lc, ((BitmapAnd *) plan)->bitmapplans)
				filter_probes((Plan *) lfirst(lc));
			break;
		case T_BitmapOr:
			foreach(lc, ((BitmapOr *) plan)->bitmapplans)
				filter_probes((Plan *) lfirst(lc));
			break;
		case T_SubqueryScan:
			filter_probes(((SubqueryScan *) plan)->subplan);
			break;
		case T_CustomScan:
			foreach(lc, ((CustomScan *) plan)->custom_plans)
				filter_probes((Plan *) lfirst(lc));
			break;
		default:
			break;
	}
}

static PlannedStmt *
rp_planner(Query *parse, const char *query_string, int cursorOptions,
		   ParamListInfo boundParams)
{
	uint64		before = rewrites;
	PlannedStmt *stmt;
	ListCell   *lc;

	if (prev_planner)
		stmt = prev_planner(parse, query_string, cursorOptions, boundParams);
	else
		stmt = standard_planner(parse, query_string, cursorOptions, boundParams);
	if (rewrites == before)
		return stmt;
	filter_probes(stmt->planTree);
	foreach(lc, stmt->subplans)
		filter_probes((Plan *) lfirst(lc));
	return stmt;
}

void
reach_support_init(void)
{
	prev_planner = planner_hook;
	planner_hook = rp_planner;
}
