/*-------------------------------------------------------------------------
 *
 * owner_spi.c
 *	  Run the extension's own queries as the owner of its tables.
 *
 * The invariants of SPEC section 6 hold for every role, so the checks behind
 * them must not depend on what the calling role may read: a role that can
 * insert a runner link but cannot see the runner must still be refused for
 * the right reason.  Like PostgreSQL's own foreign-key triggers, the checks
 * therefore switch to the owner of the tables for the duration of their
 * queries (SECURITY_LOCAL_USERID_CHANGE, and SECURITY_NOFORCE_RLS so that a
 * FORCEd row-level security policy does not hide rows from the owner), and
 * pin search_path so that no object a caller creates can stand in for ours.
 * Everything is undone by owner_spi_end(), or by transaction abort on error.
 *
 * src/owner_spi.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "owner_spi.h"
#include "runner_policy.h"

/*
 * The role that owns the extension's tables: the one that ran CREATE
 * EXTENSION.  Looked up each time (one syscache probe) rather than cached,
 * so that ALTER EXTENSION ... OWNER or a dump and restore never leaves a
 * stale role behind.
 */
Oid
runner_policy_tables_owner(void)
{
	Oid			nspid = get_namespace_oid(RUNNER_POLICY_SCHEMA, false);
	Oid			relid = get_relname_relid("ci_runners", nspid);
	HeapTuple	tuple;
	Oid			owner;

	if (!OidIsValid(relid))
		elog(ERROR, "table %s.ci_runners does not exist", RUNNER_POLICY_SCHEMA);
	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

void
owner_spi_begin(OwnerSpi *state, Oid owner)
{
	state->caller_context = CurrentMemoryContext;
	GetUserIdAndSecContext(&state->saved_userid, &state->saved_sec_context);
	SetUserIdAndSecContext(owner,
						   state->saved_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_NOFORCE_RLS);
	state->guc_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

void
owner_spi_end(OwnerSpi *state)
{
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
	AtEOXact_GUC(true, state->guc_nestlevel);
	SetUserIdAndSecContext(state->saved_userid, state->saved_sec_context);
}

/*
 * Runs a saved query and returns the number of rows it processed.  The plan
 * is prepared under the pinned search_path on first use and kept; a plan
 * invalidated by DDL is replanned by the plan cache under the same path.
 */
static void
prepare_saved_query(SavedQuery *query)
{
	if (query->plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(query->sql, query->nargs, query->argtypes);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s",
				 query->sql, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		query->plan = plan;
	}
}

/* The one way the saved queries run; the wrappers below say which state. */
static uint64
run_saved_query(SavedQuery *query, Datum *args, const char *nulls,
				bool read_only, Snapshot snapshot, Snapshot crosscheck)
{
	int			rc;

	prepare_saved_query(query);
	rc = SPI_execute_snapshot(query->plan, args, nulls, snapshot, crosscheck,
							  read_only, true, 0);
	if (rc < 0)
		elog(ERROR, "SPI failed for \"%s\": %s",
			 query->sql, SPI_result_code_string(rc));
	return SPI_processed;
}

/* A read or write under the usual snapshot rules; returns rows processed. */
uint64
saved_query_run(SavedQuery *query, Datum *args, const char *nulls)
{
	return run_saved_query(query, args, nulls, false, InvalidSnapshot, InvalidSnapshot);
}

/*
 * A read that sees exactly what the running statement sees: read-only SPI
 * runs under the active snapshot, without a new one or a command counter
 * increment, and works on a hot standby.
 */
uint64
saved_query_run_readonly(SavedQuery *query, Datum *args, const char *nulls)
{
	return run_saved_query(query, args, nulls, true, InvalidSnapshot, InvalidSnapshot);
}

/*
 * A read of the newest committed state (and the transaction's own work), not
 * of the running statement's snapshot: for the questions "is this actor
 * still alive, and what may it do now", which must not be answered from the
 * past, not even in a REPEATABLE READ transaction.  Read-only, so it works
 * on a hot standby.
 */
uint64
saved_query_run_latest(SavedQuery *query, Datum *args, const char *nulls)
{
	return run_saved_query(query, args, nulls, true, GetLatestSnapshot(), InvalidSnapshot);
}

/* A read under a snapshot the caller chooses. */
uint64
saved_query_run_snapshot(SavedQuery *query, Datum *args, const char *nulls,
						 Snapshot snapshot)
{
	return run_saved_query(query, args, nulls, true, snapshot, InvalidSnapshot);
}

/*
 * For a write that must reach rows committed after a REPEATABLE READ or
 * SERIALIZABLE transaction took its snapshot: it runs against the newest
 * snapshot, with the transaction's as crosscheck, so a row the transaction
 * cannot see makes it fail to serialize rather than be skipped (what
 * ri_triggers.c does for foreign-key cascades).
 */
uint64
saved_query_run_crosscheck(SavedQuery *query, Datum *args, const char *nulls)
{
	if (!IsolationUsesXactSnapshot())
		return saved_query_run(query, args, nulls);
	CommandCounterIncrement();	/* our own work must be visible */
	return run_saved_query(query, args, nulls, false, GetLatestSnapshot(),
						   GetTransactionSnapshot());
}

/*
 * Column "column" (1-based) of row "row" of the last result, as int64.
 * Returns false when it is NULL.
 */
bool
spi_result_int64(uint64 row, int column, int64 *value)
{
	bool		isnull;
	Datum		datum;
	Oid			type;

	Assert(SPI_tuptable != NULL && row < SPI_processed);
	datum = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
						  column, &isnull);
	if (isnull)
		return false;
	type = SPI_gettypeid(SPI_tuptable->tupdesc, column);
	switch (type)
	{
		case INT2OID:
			*value = DatumGetInt16(datum);
			break;
		case INT4OID:
			*value = DatumGetInt32(datum);
			break;
		case INT8OID:
			*value = DatumGetInt64(datum);
			break;
		default:
			elog(ERROR, "unexpected type %u in column %d", type, column);
	}
	return true;
}
