/*-------------------------------------------------------------------------
 *
 * saved_queries.c
 *	  Every statement the extension runs through SPI, in one list.
 *
 * The C code runs its queries as saved plans (owner_spi.c), prepared on
 * first use and kept for the life of the backend.  From its sixth run a
 * saved plan may be a generic one, planned without the parameters' values,
 * and a generic plan that scans a table which grows without bound (the
 * audit log, jobs, tokens) makes every write cost more as the forge ages.
 * So every saved query is listed here, and runner_policy.saved_queries()
 * shows them all, by file and name, with the text that runs and the types
 * of its parameters: test/sql/saved_query_plans.sql EXPLAINs each one
 * under plan_cache_mode = force_generic_plan and fails on a plan that
 * scans such a table without an index condition.  A query missing from
 * the list refuses to run (saved_query_listed, which _PG_init hands to
 * owner_spi.c), so none escapes the test.
 *
 * src/saved_queries.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "owner_spi.h"

extern const SavedQueryEntry access_saved_queries[];
extern const SavedQueryEntry access_view_saved_queries[];
extern const SavedQueryEntry actor_saved_queries[];
extern const SavedQueryEntry audit_saved_queries[];
extern const SavedQueryEntry backfill_saved_queries[];
extern const SavedQueryEntry citus_assertion_saved_queries[];
extern const SavedQueryEntry credentials_saved_queries[];
extern const SavedQueryEntry job_guard_saved_queries[];
extern const SavedQueryEntry namespace_tree_saved_queries[];
extern const SavedQueryEntry policy_core_saved_queries[];
extern const SavedQueryEntry queue_saved_queries[];
extern const SavedQueryEntry reach_read_saved_queries[];
extern const SavedQueryEntry rules_saved_queries[];
extern const SavedQueryEntry runner_guards_saved_queries[];
extern const SavedQueryEntry token_saved_queries[];

static const struct
{
	const char *file;
	const SavedQueryEntry *entries;
}			saved_query_files[] = {
	{"access.c", access_saved_queries},
	{"access_view.c", access_view_saved_queries},
	{"actor.c", actor_saved_queries},
	{"audit.c", audit_saved_queries},
	{"backfill.c", backfill_saved_queries},
	{"citus_assertion.c", citus_assertion_saved_queries},
	{"credentials.c", credentials_saved_queries},
	{"job_guard.c", job_guard_saved_queries},
	{"namespace_tree.c", namespace_tree_saved_queries},
	{"policy_core.c", policy_core_saved_queries},
	{"queue.c", queue_saved_queries},
	{"reach_read.c", reach_read_saved_queries},
	{"rules.c", rules_saved_queries},
	{"runner_guards.c", runner_guards_saved_queries},
	{"token.c", token_saved_queries},
};

static bool
saved_query_listed(const SavedQuery *query)
{
	for (int f = 0; f < (int) lengthof(saved_query_files); f++)
		for (const SavedQueryEntry *e = saved_query_files[f].entries; e->name != NULL; e++)
			if (e->query == query)
				return true;
	return false;
}

/* From _PG_init: owner_spi.c asks the list before it prepares a query. */
void
saved_queries_init(void)
{
	saved_query_register_listed(saved_query_listed);
}

PG_FUNCTION_INFO_V1(rp_saved_queries);

/*
 * saved_queries() -> SETOF (file text, name text, query text,
 * argument_types regtype[]): the text as written in the C code (its
 * tables qualified with runner_policy., which owner_spi.c replaces by the
 * extension's schema when it is elsewhere).
 */
Datum
rp_saved_queries(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int f = 0; f < (int) lengthof(saved_query_files); f++)
		for (const SavedQueryEntry *e = saved_query_files[f].entries; e->name != NULL; e++)
		{
			Datum		values[4];
			bool		nulls[4] = {false, false, false, false};
			Datum	   *types = palloc(sizeof(Datum) * Max(e->query->nargs, 1));

			for (int i = 0; i < e->query->nargs; i++)
				types[i] = ObjectIdGetDatum(e->query->argtypes[i]);
			values[0] = CStringGetTextDatum(saved_query_files[f].file);
			values[1] = CStringGetTextDatum(e->name);
			values[2] = CStringGetTextDatum(e->query->sql);
			values[3] = PointerGetDatum(construct_array(types, e->query->nargs, REGTYPEOID,
														sizeof(Oid), true, TYPALIGN_INT));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	return (Datum) 0;
}
