/*-------------------------------------------------------------------------
 *
 * backfill.c
 *	  backfill_owners(): give legacy project runners their owner.
 *
 * A data-only restore of a legacy forge (session_replication_role = replica)
 * can load project runners with no sharding_key_id.  This function gives
 * each the first project it was linked to (lowest ci_runner_projects.id)
 * that still exists, and reports the runners it could not place.
 *
 * It is the only writer the ci_runners guard lets set an owner after
 * creation.  It says so through backfill_set_placing_runner(), which names
 * the one runner being placed for the length of one UPDATE; that lives in
 * backend memory (in runner_guards.c, the guard that honours it), where no
 * SQL can set it.
 *
 * src/backfill.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#include "citus.h"
#include "idset.h"
#include "owner_spi.h"
#include "runner_policy.h"

PG_FUNCTION_INFO_V1(rp_backfill_owners);

/* Owner-less project runners and their first linked, existing project. */
#define CANDIDATES_SQL \
	"SELECT r.id," \
	"       (SELECT rp.project_id" \
	"          FROM runner_policy.ci_runner_projects rp" \
	"          JOIN runner_policy.projects p ON p.id = rp.project_id" \
	"         WHERE rp.runner_id = r.id" \
	"         ORDER BY rp.id LIMIT 1)" \
	"  FROM runner_policy.ci_runners r" \
	" WHERE r.runner_type = " CppAsString2(RUNNER_TYPE_PROJECT) " AND r.sharding_key_id IS NULL" \
	" ORDER BY r.id"

static SavedQuery candidates = {
	CANDIDATES_SQL "   FOR UPDATE OF r", 0, {InvalidOid}, NULL
};
/*
 * On Citus, the same without the lock: Citus takes no FOR UPDATE across
 * shards.  The placing UPDATE names only an owner-less runner, so a
 * runner placed meanwhile is left as it is; the worker's owner guard lets
 * the UPDATE through because the coordinator's assertion names the runner
 * (citus_assertion.c).
 */
static SavedQuery candidates_citus = {
	CANDIDATES_SQL, 0, {InvalidOid}, NULL
};
static SavedQuery place = {
	"UPDATE runner_policy.ci_runners SET sharding_key_id = $2"
	" WHERE id = $1 AND sharding_key_id IS NULL", 2, {INT8OID, INT8OID}, NULL
};

/* Places one runner, named to the ci_runners guard for that UPDATE only. */
static void
place_runner(int64 runner_id, Datum *args)
{
	backfill_set_placing_runner(runner_id);
	PG_TRY();
	{
		(void) saved_query_run(&place, args, NULL);
	}
	PG_FINALLY();
	{
		backfill_set_placing_runner(0);
	}
	PG_END_TRY();
	/* on Citus, the workers' allowance ends with the UPDATE */
	citus_assertion_refresh();
}

/* A materialized-mode result set, built the long way. */
static Tuplestorestate *
begin_result_set(FunctionCallInfo fcinfo, TupleDesc *desc)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext oldcxt;
	Tuplestorestate *store;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	*desc = CreateTupleDescCopy(*desc);
	store = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(oldcxt);

	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = *desc;
	return store;
}

Datum
rp_backfill_owners(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Tuplestorestate *store;
	OwnerSpi	spi;
	SPITupleTable *found;
	uint64		nfound;

	store = begin_result_set(fcinfo, &desc);
	owner_spi_begin(&spi, runner_policy_tables_owner());
	nfound = saved_query_run(citus_in_database() &&
							 citus_is_table(get_relname_relid("ci_runners",
															  runner_policy_extension_schema())) ?
							 &candidates_citus : &candidates, NULL, NULL);
	found = SPI_tuptable;

	for (uint64 i = 0; i < nfound; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};
		int64		runner_id;
		int64		project_id;
		bool		isnull;

		runner_id = DatumGetInt64(SPI_getbinval(found->vals[i], found->tupdesc, 1, &isnull));
		project_id = DatumGetInt64(SPI_getbinval(found->vals[i], found->tupdesc, 2, &isnull));
		values[0] = Int64GetDatum(runner_id);

		if (isnull)
		{
			nulls[1] = true;
			values[2] = BoolGetDatum(false);
			values[3] = CStringGetTextDatum("not linked to any existing project: link it to its owner project and run again, or delete it");
		}
		else
		{
			Datum		args[2] = {Int64GetDatum(runner_id), Int64GetDatum(project_id)};

			place_runner(runner_id, args);

			values[1] = Int64GetDatum(project_id);
			values[2] = BoolGetDatum(true);
			values[3] = CStringGetTextDatum(psprintf("owned by project %lld, its first linked project",
													 (long long) project_id));
		}
		tuplestore_putvalues(store, desc, values, nulls);
	}

	/* then the copies of the links, which a load with triggers off leaves as loaded */
	{
		IdSet		repaired = repair_runner_copies(CurrentMemoryContext);

		citus_assertion_refresh();

		for (int i = 0; i < repaired.n; i++)
		{
			Datum		values[4];
			bool		nulls[4] = {false, true, false, false};

			values[0] = Int64GetDatum(repaired.ids[i]);
			values[2] = BoolGetDatum(true);
			values[3] = CStringGetTextDatum("its copies of its links (linked_project_ids, owner_project_id) rebuilt from its links");
			tuplestore_putvalues(store, desc, values, nulls);
		}
	}

	owner_spi_end(&spi);
	return (Datum) 0;
}

/* The saved queries of this file, for runner_policy.saved_queries() (saved_queries.c). */
const SavedQueryEntry backfill_saved_queries[] = {
	SAVED_QUERY_ENTRY(candidates),
	SAVED_QUERY_ENTRY(candidates_citus),
	SAVED_QUERY_ENTRY(place),
	{NULL, NULL}
};
