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

#include "policy_core.h"
#include "reach_cache.h"
#include "runner_policy.h"

/* Sets up to this size are probed as an index condition (see above). */
#define INLINE_MAX_IDS	512

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
			PG_RETURN_POINTER(as_overlap_of_reach(req->fcall));	/* in_reach_any() */
		PG_RETURN_POINTER(as_any_of_reach(req->fcall));
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
