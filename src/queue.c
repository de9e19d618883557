/*-------------------------------------------------------------------------
 *
 * queue.c
 *	  The runner queue: runner_queue_counts(), runner_queue_shared_pending()
 *	  and release 1.0's runner_queue().
 *
 * The job counts behind the runner_queue_status view: how many jobs each
 * runner is running and how many pending ones it could pick up.  The
 * counts are rows, not rights, so they read the statement's own snapshot,
 * once per statement (into the reach's statement memory, see QueueCounts
 * in reach.h), never once per runner.  Whether the actor may see a
 * runner's counts is the policy core's decision (runner_readable), asked
 * on the stored runner row, never on facts a caller passes in.
 *
 * src/queue.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"

#include "owner_spi.h"
#include "reach.h"
#include "runner_policy.h"

PG_FUNCTION_INFO_V1(rp_runner_queue);
PG_FUNCTION_INFO_V1(rp_runner_queue_counts);
PG_FUNCTION_INFO_V1(rp_runner_queue_shared_pending);

/*
 * The work of every runner, and the pending jobs of shared runners.
 * Pending jobs are counted per project first, then summed per runner.  A
 * runner comes with what decides whether the actor may see its counts:
 * its type, owner and (with the SQL of release 1.2, which keeps them on
 * the row) the projects it is linked to.
 */
#define QUEUE_WORK(runner_columns) \
	"WITH pend AS (" \
	"  SELECT project_id, count(*) AS n FROM runner_policy.ci_builds" \
	"   WHERE status = 'pending' GROUP BY project_id)," \
	" running AS (" \
	"  SELECT runner_id AS id, count(*) AS n FROM runner_policy.ci_builds" \
	"   WHERE status = 'running' AND runner_id IS NOT NULL GROUP BY runner_id)," \
	" pending_linked AS (" \
	"  SELECT rp.runner_id AS id, sum(pend.n) AS n FROM pend" \
	"    JOIN runner_policy.ci_runner_projects rp ON rp.project_id = pend.project_id" \
	"   GROUP BY rp.runner_id)," \
	" pending_below AS (" \
	"  SELECT a.id, sum(pend.n) AS n FROM pend" \
	"    JOIN runner_policy.projects p ON p.id = pend.project_id" \
	"    JOIN runner_policy.namespaces ns ON ns.id = p.namespace_id," \
	"         LATERAL unnest(ns.traversal_ids) AS a (id) GROUP BY a.id)," \
	" work AS (" \
	"  SELECT id, n::numeric AS running, 0::numeric AS pending FROM running" \
	"  UNION ALL SELECT id, 0, n FROM pending_linked" \
	"  UNION ALL SELECT r.id, 0, pb.n FROM pending_below pb" \
	"    JOIN runner_policy.ci_runners r" \
	"      ON r.runner_type = " CppAsString2(RUNNER_TYPE_GROUP) " AND r.sharding_key_id = pb.id)" \
	" SELECT r.id, r.runner_type, r.sharding_key_id, w.running, w.pending" runner_columns \
	"   FROM (SELECT id, sum(running)::bigint AS running, sum(pending)::bigint AS pending" \
	"           FROM work GROUP BY id) w" \
	"   JOIN runner_policy.ci_runners r ON r.id = w.id ORDER BY r.id"

static SavedQuery queue_work = {
	QUEUE_WORK(", r.linked_project_ids"), 0, {InvalidOid}, NULL
};
static SavedQuery queue_work_legacy = {
	QUEUE_WORK(""), 0, {InvalidOid}, NULL
};
/*
 * The same rows for an actor who reads no group or project runner (a user
 * with no memberships, a token of one): only instance runners can show
 * counts then, and they pick up only the shared pending jobs (counted
 * apart), so only their running jobs are counted.
 */
/*
 * The running jobs are counted per runner first (MATERIALIZED: on Citus the
 * jobs and the runners are not distributed alike, and the counts are
 * joined to the runners as a result of their own).
 */
static SavedQuery queue_work_instance = {
	"WITH running AS MATERIALIZED ("
	"  SELECT runner_id AS id, count(*) AS n FROM runner_policy.ci_builds"
	"   WHERE status = 'running' AND runner_id IS NOT NULL GROUP BY runner_id)"
	" SELECT r.id, r.runner_type, r.sharding_key_id, running.n, 0::bigint"
	"   FROM running JOIN runner_policy.ci_runners r ON r.id = running.id"
	"  WHERE r.runner_type = " CppAsString2(RUNNER_TYPE_INSTANCE) " ORDER BY r.id",
	0, {InvalidOid}, NULL
};
static SavedQuery queue_shared_pending = {
	"SELECT count(*) FROM runner_policy.ci_builds b"
	"  JOIN runner_policy.projects p ON p.id = b.project_id"
	" WHERE b.status = 'pending' AND p.shared_runners_enabled",
	0, {InvalidOid}, NULL
};

/* ----------------------------------------------------------------------
 * The runner queue: runner_queue_counts(), runner_queue_shared_pending()
 *
 * Every count is decided from the stored runner row, never from a fact a
 * caller passes in (doc/permissions.md), and counted once per statement, not
 * once per runner.
 * ---------------------------------------------------------------------- */

/* Rows, not rights: the counts read the statement's own snapshot. */
static uint64
queue_query(SavedQuery *query)
{
	need_spi();
	return saved_query_run_readonly(query, NULL, NULL);
}

static void
load_queue(Reach *r)
{
	QueueCounts *q = &r->queue;
	IdSet		projects = set_of(r, RS_RUNNER_READ_PROJECTS);
	IdSet		groups = set_of(r, RS_RUNNER_READ_GROUPS);
	IdSet		self = set_of(r, RS_RUNNER_SELF);
	IdSet		types = set_of(r, RS_RUNNER_READ_TYPES);
	bool		instance_only = !reaches_all(r, RA_RUNNERS_READ) &&
		self.n == 0 && projects.n == 0 && groups.n == 0;
	bool		linked_on_row = runner_policy_sql_at_least(1, 2);
	uint64		n;
	int			size;

	/* by type: an auditor's extended job token reads group and project runners */
	for (int i = 0; i < types.n; i++)
		instance_only &= types.ids[i] == RUNNER_TYPE_INSTANCE;
	n = queue_query(instance_only ? &queue_work_instance :
					linked_on_row ? &queue_work : &queue_work_legacy);
	size = (int) Max(n, 1);

	r->have_queue = true;
	q->runners.ids = MemoryContextAlloc(r->statement_cxt, sizeof(int64) * size);
	q->facts = MemoryContextAllocZero(r->statement_cxt, sizeof(RunnerFacts) * size);
	q->running = MemoryContextAlloc(r->statement_cxt, sizeof(int64) * size);
	q->pending = MemoryContextAlloc(r->statement_cxt, sizeof(int64) * size);
	q->runners.n = 0;
	/* ordered by runner id: the set comes out sorted */
	for (uint64 i = 0; i < n; i++)
	{
		int			k = q->runners.n;
		RunnerFacts *f = &q->facts[k];
		int64		type = 0;

		if (!spi_result_int64(i, 1, &q->runners.ids[k]))
			continue;
		f->id = q->runners.ids[k];
		(void) spi_result_int64(i, 2, &type);
		f->type = (int) type;
		f->has_owner = spi_result_int64(i, 3, &f->owner);
		q->running[k] = 0;
		q->pending[k] = 0;
		(void) spi_result_int64(i, 4, &q->running[k]);
		(void) spi_result_int64(i, 5, &q->pending[k]);
		f->linked_known = linked_on_row && !instance_only;
		if (f->linked_known)
		{
			bool		isnull;
			Datum		linked = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 6, &isnull);

			f->linked = isnull ? idset_empty(r->statement_cxt) :
				idset_of_array(r->statement_cxt, linked);
		}
		q->runners.n++;
	}
	q->shared_pending = 0;
	if (queue_query(&queue_shared_pending) == 1)
		(void) spi_result_int64(0, 1, &q->shared_pending);
}

static QueueCounts *
queue_of(Reach *r)
{
	if (!r->have_queue)
		load_queue(r);
	return &r->queue;
}

/* Whether the actor reads instance runners, and so their shared queue. */
static bool
reads_instance_runners(Reach *r)
{
	IdSet		types = set_of(r, RS_RUNNER_READ_TYPES);

	return reaches_all(r, RA_RUNNERS_READ) ||
		idset_contains(&types, RUNNER_TYPE_INSTANCE);
}

/*
 * runner_queue_counts() -> SETOF (runner_id, running_jobs, pending_jobs)
 *
 * One row per runner with work that the actor may read, judged on the
 * runner's stored type and owner.  runner_queue_status joins it to the
 * runners the actor reads; runners without a row have no work.
 */
Datum
rp_runner_queue_counts(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Reach	   *r;

	InitMaterializedSRF(fcinfo, 0);
	WITH_REACH(r,
			   {
				   if (r->live)
				   {
					   QueueCounts *q = queue_of(r);

					   for (int i = 0; i < q->runners.n; i++)
					   {
						   Datum values[3];
						   bool nulls[3] = {false, false, false};
						   int64 id = q->runners.ids[i];

						   if (!runner_readable(r, &q->facts[i]))
							   continue;
						   values[0] = Int64GetDatum(id);
						   values[1] = Int64GetDatum(q->running[i]);
						   values[2] = Int64GetDatum(q->pending[i]);
						   tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
					   }
				   }
			   });
	return (Datum) 0;
}

/*
 * runner_queue_shared_pending() -> bigint: the pending jobs any instance
 * runner could pick up (of projects with shared runners enabled); NULL for
 * an actor that reads no instance runner.
 */
Datum
rp_runner_queue_shared_pending(PG_FUNCTION_ARGS)
{
	Reach	   *r;
	bool		readable = false;
	int64		pending = 0;

	WITH_REACH(r,
			   {
				   readable = r->live && reads_instance_runners(r);
				   if (readable)
					   pending = queue_of(r)->shared_pending;
			   });
	if (!readable)
		PG_RETURN_NULL();
	PG_RETURN_INT64(pending);
}

/*
 * runner_queue(runner_id, runner_type, sharding_key_id) of release 1.0,
 * kept for a database not yet updated to 1.1.  It believed the type and
 * owner its caller passed; it now ignores both and reads the stored row,
 * one query per call (1.1's view no longer calls it).
 */
Datum
rp_runner_queue(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[2];
	bool		nulls[2] = {true, true};
	Reach	   *r;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	desc = BlessTupleDesc(desc);

	if (!PG_ARGISNULL(0))
	{
		int64		id = PG_GETARG_INT64(0);

		WITH_REACH(r,
				   {
					   RunnerFacts runner;

					   if (r->live && stored_runner(id, &runner))
					   {
						   if (runner_readable(r, &runner))
						   {
							   QueueCounts *q = queue_of(r);
							   int i = idset_find(q->runners.ids, q->runners.n, id);

							   values[0] = Int64GetDatum(i < 0 ? 0 : q->running[i]);
							   values[1] = Int64GetDatum(runner.type == RUNNER_TYPE_INSTANCE ?
														 q->shared_pending :
														 (i < 0 ? 0 : q->pending[i]));
							   nulls[0] = nulls[1] = false;
						   }
					   }
				   });
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/* The saved queries of this file, for runner_policy.saved_queries() (saved_queries.c). */
const SavedQueryEntry queue_saved_queries[] = {
	SAVED_QUERY_ENTRY(queue_work),
	SAVED_QUERY_ENTRY(queue_work_legacy),
	SAVED_QUERY_ENTRY(queue_work_instance),
	SAVED_QUERY_ENTRY(queue_shared_pending),
	{NULL, NULL}
};
