/*-------------------------------------------------------------------------
 *
 * runner_policy.c
 *	  The module itself, and the small helpers every C file of it uses.
 *
 * runner_policy makes a code forge's database enforce CI runner ownership by
 * itself.  The files of src/ have one job each:
 *
 *	owner_spi.c			run the extension's own queries as the tables' owner
 *	version.c			version(): the SQL and the library checked against each other
 *	ddl_guard.c			drops that would lose the data, and a schema rename, refused
 *	actor.c				who the session acts for, in backend memory
 *	statement.c			where client statements end; portals pinned to their actor
 *	token.c				tokens: issue, authenticate, revoke (digests only)
 *	credentials.c		digests, and whether an actor is still alive
 *	token_text.c		where a statement's text spells a token, however it does
 *	log_redact.c		tokens kept out of the server log
 *	policy_core.c		every access rule, asked by RLS policies and functions
 *	  reach.h			  the reach, shared by the policy core's files only
 *	  idset.c			  the sorted id sets and level maps the rules probe
 *	  reach_cache.c		  when a reach may answer for a later statement
	  query_rights.c	  what a query took from the rights, checked at its next fetch
 *	  queue.c			  the runner queue counts (runner_queue_status)
 *	  access.c			  explain_access() and runner_access
 *	runner_guards.c		the ownership invariants on runners and their links
 *	write_rls.c			refusals about hidden rows answer as row-level security
 *	write_guard.c		the columns an actor may change, and moves
 *	job_guard.c			a job's status moves only forward
 *	row_origin.c		the extension writes who and when, and ids
 *	namespace_tree.c	namespaces.traversal_ids, kept right on every write
 *	membership.c		access levels of project and group members
 *	backfill.c			backfill_owners(), the one repair of legacy rows
 *	restore.c			pg_dump's restore: a superuser's COPY FROM STDIN
 *	citus_local.c		on Citus: this node's copies of the reference tables
 *	citus_assertion.c	on Citus: the actor from the coordinator to the workers
 *
 * src/runner_policy.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "utils/lsyscache.h"
#include "utils/datum.h"

#include "utils/guc.h"

#include "actor.h"
#include "citus.h"
#include "ddl_guard.h"
#include "monitor.h"
#include "plan_binding.h"
#include "policy_core.h"
#include "reach_cache.h"
#include "runner_policy.h"
#include "statement.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * Module load: the actor's transaction callbacks and DISCARD ALL hook, and
 * the one setting, runner_policy.allow_drop_with_data (superuser only, and
 * nothing to do with who the session is).  The prefix is reserved so that
 * no other can be made up: nothing a session can SET is ever read as who it
 * is.
 */
void
_PG_init(void)
{
	actor_init();
	plan_binding_init();
	monitor_init();
	policy_core_init();
	statement_init();
	query_rights_init();
	reach_support_init();
	log_redact_init();
	refusal_hint_init();
	ddl_guard_init();
	reach_cache_init();
	/* on a Citus cluster only: this node's copies, the actor's assertion */
	citus_local_init();
	citus_assertion_init();
#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("runner_policy");
#else
	EmitWarningsOnPlaceholders("runner_policy");
#endif
}

const char *
runner_type_name(int runner_type)
{
	switch (runner_type)
	{
		case RUNNER_TYPE_INSTANCE:
			return "instance";
		case RUNNER_TYPE_GROUP:
			return "group";
		case RUNNER_TYPE_PROJECT:
			return "project";
	}
	return "unknown";
}

bool
row_get_int64(HeapTuple tuple, TupleDesc desc, const char *column,
			  int64 *value)
{
	int			attnum = SPI_fnumber(desc, column);
	bool		isnull;
	Datum		datum;

	if (attnum <= 0)
		elog(ERROR, "column \"%s\" does not exist", column);
	datum = heap_getattr(tuple, attnum, desc, &isnull);
	if (isnull)
		return false;
	*value = integer_datum_as_int64(datum, TupleDescAttr(desc, attnum - 1)->atttypid, column);
	return true;
}

int64
integer_datum_as_int64(Datum datum, Oid type, const char *what)
{
	switch (type)
	{
		case INT2OID:
			return DatumGetInt16(datum);
		case INT4OID:
			return DatumGetInt32(datum);
		case INT8OID:
			return DatumGetInt64(datum);
	}
	elog(ERROR, "%s is not an integer", what);
	pg_unreachable();
}

bool
row_column_changed(HeapTuple oldtup, HeapTuple newtup, TupleDesc desc, int attnum)
{
	Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
	bool		oldnull,
				newnull;
	Datum		oldval = heap_getattr(oldtup, attnum, desc, &oldnull);
	Datum		newval = heap_getattr(newtup, attnum, desc, &newnull);

	if (oldnull || newnull)
		return oldnull != newnull;
	return !datumIsEqual(oldval, newval, att->attbyval, att->attlen);
}

/*
 * The trigger functions are ordinary C functions that anyone holding EXECUTE
 * could call directly; refuse anything but a row or statement trigger call.
 */
TriggerData *
trigger_data_checked(FunctionCallInfo fcinfo, const char *funcname)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by trigger manager",
						funcname)));
	return (TriggerData *) fcinfo->context;
}

/*
 * "key = ANY (fn(arg))" with a bigint[] function: the index condition both
 * planner support functions write (reach_support.c for in_reach(),
 * access.c for runner_access).
 */
Node *
any_of_function(Oid eq, Node *key, Oid fn, Node *arg, int location)
{
	ScalarArrayOpExpr *saop = makeNode(ScalarArrayOpExpr);

	saop->opno = eq;
	saop->opfuncid = get_opcode(eq);
	saop->hashfuncid = InvalidOid;
	saop->negfuncid = InvalidOid;
	saop->useOr = true;
	saop->inputcollid = InvalidOid;
	saop->args = list_make2(copyObject(key),
							makeFuncExpr(fn, INT8ARRAYOID, list_make1(copyObject(arg)),
										 InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL));
	saop->location = location;
	return (Node *) saop;
}
