/*-------------------------------------------------------------------------
 *
 * base.c
 *	  The small helpers every layer uses: rows, trigger calls, plan nodes.
 *
 * The bottom of src/: it calls no other file of the extension, so any file
 * may call it.  Its declarations are in runner_policy.h, with the numbers
 * the tables store.
 *
 * src/base.c
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

#include "runner_policy.h"

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
