/*-------------------------------------------------------------------------
 *
 * reach_read.c
 *	  How the policy core reads: one call's SPI as the tables' owner, the
 *	  reach queries against two snapshots, and the facts every rule starts
 *	  from (the user's access levels, a job token's scope).
 *
 * The bottom of the policy core: rules.c, policy_core.c, queue.c and
 * access.c read through it, and it calls none of them.  What a running
 * query takes from a reach is noted upward through the hooks that
 * query_rights.c registers (reach_register_taken_hooks): the core below
 * it never calls it by name.
 *
 * src/reach_read.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "idset.h"
#include "owner_spi.h"
#include "reach.h"

/* How many reach queries were narrowed by an older snapshot (reach_query). */
static uint64 narrowings = 0;

/*
 * What the running queries take is noted by query_rights.c, above the
 * core: the innermost running query's frame (NULL when none runs), and
 * the hooks that note into it, registered from _PG_init.
 */
TakingFrame *taking = NULL;
const TakenHooks *taken_hooks = NULL;

/*
 * Sets being built, which the sets they are built from are not taken for
 * (query_rights.c): only what a caller of set_of() gets counts.  rules.c
 * counts them, restored on error, so that a failed build never stops the
 * noting.
 */
int			reach_building = 0;

void
reach_register_taken_hooks(const TakenHooks *hooks)
{
	taken_hooks = hooks;
}

/* The call into the policy core running now (WITH_REACH, WITH_CALL). */
ReachCall  *active_call = NULL;

/* The calls running, innermost last, with the subtransaction each began in. */
typedef struct CallFrame
{
	ReachCall  *call;
	SubTransactionId subid;
} CallFrame;

static CallFrame *call_stack = NULL;
static int	call_depth = 0;
static int	call_stack_size = 0;

void
reach_call_enter(ReachCall *call)
{
	if (call_depth == call_stack_size)
	{
		int			size = call_stack_size == 0 ? 16 : call_stack_size * 2;

		call_stack = call_stack == NULL ?
			MemoryContextAlloc(TopMemoryContext, size * sizeof(CallFrame)) :
			repalloc(call_stack, size * sizeof(CallFrame));
		call_stack_size = size;
	}
	call_stack[call_depth].call = call;
	call_stack[call_depth].subid = GetCurrentSubTransactionId();
	call_depth++;
	active_call = call;
}

void
reach_call_leave(ReachCall *call)
{
	Assert(call_depth > 0 && call_stack[call_depth - 1].call == call);
	if (call->started)
		owner_spi_end(&call->spi);
	call_depth--;
	active_call = call_depth > 0 ? call_stack[call_depth - 1].call : NULL;
}

/* A failed (sub)transaction takes the calls that began in it along. */
static void
calls_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	while (call_depth > 0 && call_stack[call_depth - 1].subid >= mySubid)
		call_depth--;
	active_call = call_depth > 0 ? call_stack[call_depth - 1].call : NULL;
}

static void
calls_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
	{
		call_depth = 0;
		active_call = NULL;
	}
}

/* From _PG_init (policy_core_init): an abort takes its calls along. */
void
reach_read_init(void)
{
	RegisterXactCallback(calls_xact_callback, NULL);
	RegisterSubXactCallback(calls_subxact_callback, NULL);
}

void
need_spi(void)
{
	Assert(active_call != NULL);
	if (!active_call->started)
	{
		owner_spi_begin(&active_call->spi, runner_policy_tables_owner());
		active_call->started = true;
	}
}

/*
 * Do two snapshots see exactly the same rows?  The same xmin and xmax, the
 * same number of transactions in progress and the same command of our own.
 * (With xmax equal, no transaction below it can have started in between, so
 * the in-progress set can only have shrunk; equal counts make it equal.)
 * snapXactCompletionCount would say it more directly, but a copied snapshot,
 * which the executor and SPI use, has it zeroed.  An overflowed subxact
 * cache cannot be compared this way: then the answer is no.
 */
static bool
same_visibility(Snapshot a, Snapshot b)
{
	return a->xmin == b->xmin && a->xmax == b->xmax &&
		a->xcnt == b->xcnt && a->subxcnt == b->subxcnt &&
		!a->suboverflowed && !b->suboverflowed &&
		a->curcid == b->curcid;
}

/* One row of the last SPI result as a string: its columns' text forms. */
static char *
spi_row_key(uint64 row)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int col = 1; col <= SPI_tuptable->tupdesc->natts; col++)
	{
		char	   *value = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);

		if (value == NULL)
			appendStringInfoChar(&buf, '\x02');
		else
			appendStringInfoString(&buf, value);
		appendStringInfoChar(&buf, '\x01');
	}
	return buf.data;
}

static int
cmp_cstring_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * A reach query, as the tables' owner: what the actor may do is read from
 * the newest committed state, and from the snapshot of the rows the
 * statement is reading, and only what both grant counts (a REPEATABLE
 * READ transaction must not combine old rows with new rights, nor new rows
 * with old ones).  When the two snapshots see the same rows,
 * one query answers for both; otherwise the query runs under each, and only
 * the result rows that both return, identical, are kept: a fact that
 * changed in between (an access level, an owner) counts as absent.
 */
uint64
reach_query(SavedQuery *query, Datum *args)
{
	Snapshot	statement;
	char	  **keys;
	uint64		nkeys;
	uint64		kept = 0;

	need_spi();
	if (!ActiveSnapshotSet() ||
		same_visibility(GetActiveSnapshot(), GetLatestSnapshot()))
		return saved_query_run_latest(query, args, NULL);

	statement = GetActiveSnapshot();
	nkeys = saved_query_run_snapshot(query, args, NULL, statement);
	keys = palloc(sizeof(char *) * Max(nkeys, 1));
	for (uint64 i = 0; i < nkeys; i++)
		keys[i] = spi_row_key(i);
	qsort(keys, nkeys, sizeof(char *), cmp_cstring_ptr);

	(void) saved_query_run_latest(query, args, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		char	   *key = spi_row_key(i);

		if (nkeys > 0 && bsearch(&key, keys, nkeys, sizeof(char *), cmp_cstring_ptr) != NULL)
			SPI_tuptable->vals[kept++] = SPI_tuptable->vals[i];
		pfree(key);
	}
	if (kept < SPI_processed)
		narrowings++;
	SPI_tuptable->numvals = kept;
	SPI_processed = kept;
	return kept;
}

uint64
reach_query_narrowings(void)
{
	return narrowings;
}

/* ----------------------------------------------------------------------
 * The facts the rules start from
 * ---------------------------------------------------------------------- */

/*
 * Effective access of a user: for every namespace the highest level of its
 * group memberships on that namespace or an ancestor, and for every project
 * the highest of that and its project membership.  The projects of the
 * user's groups are looked up group by group in the namespace_id index
 * (OFFSET 0 keeps the lookup a subquery): the planner guesses 50 groups
 * under each membership, where there are a few, and would otherwise hash
 * every project of the forge to join them.
 */
static SavedQuery user_levels = {
	"WITH groups AS ("
	"  SELECT n.id, max(gm.access_level) AS level"
	"    FROM runner_policy.group_members gm"
	"    JOIN runner_policy.namespaces n ON n.traversal_ids @> ARRAY[gm.namespace_id]"
	"   WHERE gm.user_id = $1 GROUP BY n.id)"
	" SELECT 'n'::text, id, level FROM groups"
	" UNION ALL"
	" SELECT 'p', id, max(level) FROM ("
	"   SELECT pm.project_id AS id, pm.access_level AS level"
	"     FROM runner_policy.project_members pm WHERE pm.user_id = $1"
	"   UNION ALL"
	"   SELECT p.id, g.level FROM groups g"
	"    CROSS JOIN LATERAL (SELECT p.id FROM runner_policy.projects p"
	"                         WHERE p.namespace_id = g.id OFFSET 0) AS p) AS x"
	" GROUP BY id ORDER BY 1, 2",
	1, {INT8OID}, NULL
};
static SavedQuery scope_link_targets = {
	"SELECT target_project_id FROM runner_policy.ci_job_token_scope_links"
	" WHERE source_project_id = $1", 1, {INT8OID}, NULL
};

static void
load_levels(Reach *r)
{
	MemoryContext old;
	int			np = 0,
				nn = 0;

	r->have_levels = true;
	memset(&r->project_levels, 0, sizeof(LevelMap));
	memset(&r->namespace_levels, 0, sizeof(LevelMap));
	if (r->actor.user_id == 0)
		return;

	{
		Datum		arg = Int64GetDatum(r->actor.user_id);
		uint64		n = reach_query(&user_levels, &arg);

		old = MemoryContextSwitchTo(r->cxt);
		r->project_levels.ids = palloc(sizeof(int64) * Max(n, 1));
		r->project_levels.levels = palloc(sizeof(int16) * Max(n, 1));
		r->namespace_levels.ids = palloc(sizeof(int64) * Max(n, 1));
		r->namespace_levels.levels = palloc(sizeof(int16) * Max(n, 1));
		MemoryContextSwitchTo(old);

		/* ordered by kind, then id: each map comes out sorted */
		for (uint64 i = 0; i < n; i++)
		{
			char	   *kind = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
			int64		id;
			int64		level;

			(void) spi_result_int64(i, 2, &id);
			(void) spi_result_int64(i, 3, &level);
			if (kind[0] == 'p')
			{
				r->project_levels.ids[np] = id;
				r->project_levels.levels[np++] = (int16) level;
			}
			else
			{
				r->namespace_levels.ids[nn] = id;
				r->namespace_levels.levels[nn++] = (int16) level;
			}
		}
	}
	r->project_levels.n = np;
	r->namespace_levels.n = nn;
}

const LevelMap *
projects_of(Reach *r)
{
	r->levels_asked = true;
	if (!r->have_levels)
		load_levels(r);
	take_more(r, TAKEN_PROJECT_LEVELS);
	return &r->project_levels;
}

const LevelMap *
namespaces_of(Reach *r)
{
	r->levels_asked = true;
	if (!r->have_levels)
		load_levels(r);
	take_more(r, TAKEN_NAMESPACE_LEVELS);
	return &r->namespace_levels;
}

/* The projects that let a job token's project in (job token scope links). */
void
load_job_scope(Reach *r)
{
	Datum		arg = Int64GetDatum(r->facts.job_project);

	r->have_job_scope = true;
	r->job_scope_targets = idset_empty(r->cxt);
	if (r->facts.job_project == 0)
		return;
	(void) reach_query(&scope_link_targets, &arg);
	r->job_scope_targets = idset_from_spi(r->cxt);
}

/* The saved queries of this file, for runner_policy.saved_queries() (saved_queries.c). */
const SavedQueryEntry reach_read_saved_queries[] = {
	SAVED_QUERY_ENTRY(user_levels),
	SAVED_QUERY_ENTRY(scope_link_targets),
	{NULL, NULL}
};
