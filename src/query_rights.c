/*-------------------------------------------------------------------------
 *
 * query_rights.c
 *	  What a query took from the actor's rights, and whether it still holds
 *	  when the query runs again.
 *
 * A cursor is planned in one statement and fetched in others, and
 * doc/actors.md makes each fetch a statement of its own: it reads with the
 * actor's current rights, or fails.  Most of a query's decisions are made
 * again for every row, with the reach of the running statement; some are
 * not:
 *
 * - decisions folded into its plan (plan_binding.c: an administrator's
 *   policy folds to true), made when it was planned;
 * - ids evaluated into its index or bitmap keys ("id = ANY (reach(set))",
 *   reach_support.c), evaluated once, at its first fetch;
 * - rows decided in one fetch and returned by a later one: a sort, a hash
 *   or a function scan reads all its input at once, and a cursor WITH
 *   HOLD, or a portal run to the end at its first fetch, keeps its rows.
 *
 * No plan says which of these a query has.  So every decision a running
 * query gets from the reach is noted (reach.h: the primitives set_of,
 * reaches_all, sees_everything, projects_of and namespaces_of, and the
 * per-row paths of reach(), in_reach() and in_reach_any()), and so are the
 * decisions folded into its plan: into the query, and into every query
 * running around it, whose rows it makes.  When the query runs again in a
 * later statement (statement.c asks, through the hooks registered below),
 * the actor's reach for that statement is worked out and compared: every
 * "everything" decision it got as true must still be true, every set it
 * took must still hold every id it held, every access level it read must
 * be as high.  A right that was only added, or a change to another actor,
 * leaves it running; a right it used that is gone fails it (55000, in
 * statement.c), and a dead actor fails as any statement (28000).
 *
 * What is kept, and how long.  A query's record (PinRights) lives in the
 * memory of its pin (the executor state's, or a portal's), and holds the
 * reaches it took sets from (reach_cache.c frees a reach only when no
 * record holds it), so that the comparison needs no copy; a set worked
 * out for each statement (rules.c: per_statement) does not outlive its
 * statement, and is copied.  After a comparison that holds, the record
 * holds the new reach only: what it took before is a part of it.  A
 * reset callback lets the reaches go with the record's memory, also on
 * error.
 *
 * The cost.  A running query's frame says what it took in this run: a row
 * costs one comparison once its sets were noted.  A fetch whose actor's
 * kept reach answers again (no announced change) compares nothing; after
 * a change, each set the cursor took is worked out once and compared.
 *
 * src/query_rights.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "plan_binding.h"
#include "policy_core.h"
#include "reach.h"
#include "statement.h"

/* What one query took (see above). */
typedef struct PinRights
{
	MemoryContext cxt;
	uint32		all;			/* decisions taken as true: 1 << ReachAll, TAKEN_SEES_EVERYTHING */
	uint32		sets;			/* sets taken from the held reaches: 1 << ReachSet */
	uint32		more;			/* 1 << TakenMore, from the held reaches */
	uint32		copied;			/* per-statement sets, by value in copies[] */
	IdSet		copies[NUM_REACH_SETS];
	int			nheld;
	int			maxheld;
	Reach	  **held;			/* the reaches they came from, held */
	MemoryContextCallback callback;
} PinRights;

StaticAssertDecl(NUM_REACH_SETS <= 32 && NUM_REACH_ALL + 1 <= 32 && NUM_TAKEN_MORE <= 32,
				 "what a query took is kept in 32-bit masks");

/*
 * The running queries, outermost first, and the innermost one's frame for
 * the per-row paths (reach.h; "taking" is defined in reach_read.c, below the
 * core, which notes through the hooks registered here).  The array lives in TopMemoryContext and
 * only grows; statement.c unwinds it by depth, also on error.
 */
static TakingFrame *frames = NULL;
static int	nframes = 0;
static int	maxframes = 0;

/* While what a query took is compared, nothing is noted. */
static bool comparing = false;

/* ----------------------------------------------------------------------
 * Records
 * ---------------------------------------------------------------------- */

static void
let_reaches_go(void *arg)
{
	PinRights  *t = (PinRights *) arg;

	for (int i = 0; i < t->nheld; i++)
		reach_release(t->held[i]);
	t->nheld = 0;
}

static PinRights *
record_of(PinRights **slot, MemoryContext cxt)
{
	if (*slot == NULL)
	{
		PinRights  *t = MemoryContextAllocZero(cxt, sizeof(PinRights));

		t->cxt = cxt;
		t->callback.func = let_reaches_go;
		t->callback.arg = t;
		MemoryContextRegisterResetCallback(cxt, &t->callback);
		*slot = t;
	}
	return *slot;
}

static void
hold(PinRights *t, Reach *r)
{
	for (int i = 0; i < t->nheld; i++)
		if (t->held[i] == r)
			return;
	if (t->nheld == t->maxheld)
	{
		int			size = t->maxheld == 0 ? 2 : t->maxheld * 2;

		t->held = t->held == NULL ?
			MemoryContextAlloc(t->cxt, size * sizeof(Reach *)) :
			repalloc(t->held, size * sizeof(Reach *));
		t->maxheld = size;
	}
	/* counted only once it is in the array the callback reads */
	t->held[t->nheld++] = r;
	reach_hold(r);
}

static void
copy_set(PinRights *t, ReachSet which, IdSet set)
{
	t->copies[which] = idset_union(t->cxt, t->copies[which], set);
	t->copied |= 1u << which;
}

/* ----------------------------------------------------------------------
 * Noting what the running queries take (reach.h)
 * ---------------------------------------------------------------------- */

static void
taken_set(const Reach *r, ReachSet which)
{
	if (comparing || !reach_is_current(r))
		return;
	for (int i = nframes - 1; i >= 0; i--)
	{
		TakingFrame *f = &frames[i];
		PinRights  *t;

		if (f->seen[which] == r->set_serial[which])
			continue;
		f->seen[which] = r->set_serial[which];
		t = record_of(f->rights, f->cxt);
		if (r->set_per_statement[which])
			copy_set(t, which, r->sets[which]);
		else
		{
			hold(t, (Reach *) r);
			t->sets |= 1u << which;
		}
	}
}

static void
taken_all(const Reach *r, int kind)
{
	if (comparing || !reach_is_current(r))
		return;
	for (int i = nframes - 1; i >= 0; i--)
	{
		TakingFrame *f = &frames[i];

		if (f->all_seen & (1u << kind))
			continue;
		f->all_seen |= 1u << kind;
		record_of(f->rights, f->cxt)->all |= 1u << kind;
	}
}

static void
taken_more(const Reach *r, TakenMore which)
{
	if (comparing || !reach_is_current(r))
		return;
	for (int i = nframes - 1; i >= 0; i--)
	{
		TakingFrame *f = &frames[i];
		PinRights  *t;

		if (f->more_seen[which] == r->build)
			continue;
		f->more_seen[which] = r->build;
		t = record_of(f->rights, f->cxt);
		hold(t, (Reach *) r);
		t->more |= 1u << which;
	}
}

/* ----------------------------------------------------------------------
 * Whether it still holds
 * ---------------------------------------------------------------------- */

/* What the query took from "then" is still in "now". */
static bool
held_in(const PinRights *t, Reach *then, Reach *now)
{
	for (int s = 0; s < NUM_REACH_SETS; s++)
	{
		IdSet		current;

		if ((t->sets & (1u << s)) == 0 || !then->have_set[s] || then->set_per_statement[s])
			continue;
		current = set_of(now, (ReachSet) s);
		if (!idset_subset(&then->sets[s], &current))
			return false;
	}
	if (then->have_levels &&
		(((t->more & (1u << TAKEN_PROJECT_LEVELS)) != 0 &&
		  !levels_covered(&then->project_levels, projects_of(now))) ||
		 ((t->more & (1u << TAKEN_NAMESPACE_LEVELS)) != 0 &&
		  !levels_covered(&then->namespace_levels, namespaces_of(now)))))
		return false;
	if ((t->more & (1u << TAKEN_JOB_SCOPE)) != 0 && then->have_job_scope)
	{
		if (!now->have_job_scope)
			load_job_scope(now);
		if (!idset_subset(&then->job_scope_targets, &now->job_scope_targets))
			return false;
	}
	return true;
}

static bool
still_holds_in(PinRights *t, Reach *now)
{
	for (int k = 0; k < NUM_REACH_ALL; k++)
		if ((t->all & (1u << k)) != 0 && !reaches_all(now, (ReachAll) k))
			return false;
	if ((t->all & (1u << TAKEN_SEES_EVERYTHING)) != 0 && !sees_everything(now))
		return false;
	for (int i = 0; i < t->nheld; i++)
		if (t->held[i] != now && !held_in(t, t->held[i], now))
			return false;
	for (int s = 0; s < NUM_REACH_SETS; s++)
	{
		IdSet		current;

		if ((t->copied & (1u << s)) == 0)
			continue;
		current = set_of(now, (ReachSet) s);
		if (!idset_subset(&t->copies[s], &current))
			return false;
	}
	return true;
}

/*
 * It held: "now" has all the sets and levels compared, and what the query
 * took before is a part of them, so "now" alone answers from here on.
 */
static void
hold_only(PinRights *t, Reach *now)
{
	bool		had = false;

	for (int i = 0; i < t->nheld; i++)
		if (t->held[i] == now)
			had = true;
	if (had && t->nheld == 1)
		return;
	if (!had)
		hold(t, now);
	for (int i = 0; i < t->nheld;)
	{
		if (t->held[i] != now)
		{
			Reach	   *then = t->held[i];

			t->held[i] = t->held[--t->nheld];
			reach_release(then);
		}
		else
			i++;
	}
}

static PinRightsState
rights_still_hold(PinRights *t, bool quiet)
{
	volatile PinRightsState state = PIN_ACTOR_DEAD;
	bool		was_comparing = comparing;

	comparing = true;
	PG_TRY();
	{
		WITH_CALL(
				  {
					  Reach *now = quiet ? current_reach_live() : current_reach();

					  if (now != NULL && still_holds_in(t, now))
					  {
						  hold_only(t, now);
						  state = PIN_RIGHTS_HOLD;
					  }
					  else if (now != NULL)
						  state = PIN_RIGHTS_LOST;
				  });
	}
	PG_FINALLY();
	{
		comparing = was_comparing;
	}
	PG_END_TRY();
	return state;
}

/* ----------------------------------------------------------------------
 * The hooks statement.c calls
 * ---------------------------------------------------------------------- */

static void
query_started(PinRights **slot, MemoryContext cxt, PlannedStmt *stmt)
{
	uint32		folded = plan_binding_folded_true(stmt);

	if (folded == 0)
		return;
	record_of(slot, cxt)->all |= folded;
	/* a query started by one that runs (a function's) makes its rows */
	for (int i = nframes - 1; i >= 0; i--)
	{
		frames[i].all_seen |= folded;
		record_of(frames[i].rights, frames[i].cxt)->all |= folded;
	}
}

static int
running_depth(void)
{
	return nframes;
}

static void
run_begin(PinRights **slot, MemoryContext cxt)
{
	TakingFrame *f;

	if (nframes == maxframes)
	{
		int			size = maxframes == 0 ? 16 : maxframes * 2;

		frames = frames == NULL ?
			MemoryContextAlloc(TopMemoryContext, size * sizeof(TakingFrame)) :
			repalloc(frames, size * sizeof(TakingFrame));
		maxframes = size;
	}
	f = &frames[nframes];
	memset(f, 0, sizeof(TakingFrame));
	f->rights = slot;
	f->cxt = cxt;
	nframes++;
	taking = f;
}

static void
unwind(int depth)
{
	nframes = depth;
	taking = nframes > 0 ? &frames[nframes - 1] : NULL;
}

static PinRightsState
still_hold(PinRights *t, bool quiet)
{
	if (t->all == 0 && t->nheld == 0 && t->copied == 0)
		return PIN_RIGHTS_HOLD;
	return rights_still_hold(t, quiet);
}

static void
merge(PinRights **into, MemoryContext cxt, PinRights *from)
{
	PinRights  *t;

	if (from == NULL)
		return;
	t = record_of(into, cxt);
	t->all |= from->all;
	t->sets |= from->sets;
	t->more |= from->more;
	for (int i = 0; i < from->nheld; i++)
		hold(t, from->held[i]);
	for (int s = 0; s < NUM_REACH_SETS; s++)
		if (from->copied & (1u << s))
			copy_set(t, (ReachSet) s, from->copies[s]);
}

static const StatementRightsHooks hooks = {
	.plan_check = plan_binding_check,
	.started = query_started,
	.depth = running_depth,
	.run_begin = run_begin,
	.unwind = unwind,
	.still_hold = still_hold,
	.merge = merge,
};

static const TakenHooks taken = {
	.set = taken_set,
	.all = taken_all,
	.more = taken_more,
};

void
query_rights_init(void)
{
	reach_register_taken_hooks(&taken);
	statement_set_rights_hooks(&hooks);
}
