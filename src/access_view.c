/*-------------------------------------------------------------------------
 *
 * access_view.c
 *	  The runner_access view: who may read, update, delete or link which
 *	  runner, for every user at once.
 *
 * Every row is the policy core's decision for that user and runner:
 * runner_action_allowed() (access.c) on a reach the policy core builds,
 * with the probes the policies use.  What this file adds is how the view
 * gets to few decisions, filtered by runner or by user, at forge scale
 * (1M runners, 100k users), and never by deciding all users x all runners.
 *
 * Kinds first.  What a user may do by being what it is, with no
 * membership (every active user reads the instance runners; an
 * administrator does everything to every runner; an auditor reads every
 * runner) is decided once per kind of user and runner, on the kind's reach
 * (reach_build_kind): a decision that asked for no membership (the reach
 * tracks it, levels_asked) holds for every user of the kind.  rules.c
 * says, next to the probes, on which runner types a kind can have such
 * rights (readable_types_by_kind() and the like), so the view looks only
 * at runners of those types.  Release 1.2's view (sql, section 6) is
 * a union of three parts that split the pairs (user, runner) between them:
 *
 *	1. active users who are neither administrators nor auditors, by kind:
 *	   each runner of the types access_kind_types(false, false) lists (the
 *	   instance runners; the planner folds the call and ranges over the
 *	   owner index) is decided once by access_kind_actions(), and the
 *	   users of the kind are joined to the rows that come out.  An
 *	   instance runner's 100,000 readers cost one decision and a scan of
 *	   users; a runner of another type costs no scan of users at all.
 *	2. administrators and auditors, by kind, user by user (they are few).
 *	3. what users may do beyond their kind, through memberships:
 *	   access_actions() lists the actions a kind's reach could not answer
 *	   without the user's memberships, decided on the user's reach, and
 *	   access_candidate() says whether there is one.  Its planner support
 *	   makes it an index condition from whichever side the WHERE clause
 *	   names: "u.id = ANY (users_of_runner(r.id))" or "r.id = ANY
 *	   (runners_of_user(u.id))".
 *
 * Filtered by user: runners_of_user() builds the user's whole reach once
 * and turns its sets into the runners whose rules read them (a project
 * runner linked to a project the user maintains, through the GIN index on
 * linked_project_ids; a group runner of a group whose runners it reads or
 * manages, through the owner index): a superset, each decided on that one
 * reach.
 *
 * Filtered by runner: users_of_runner() reads in one query the levels of
 * every user on what a decision on that runner reads (a project runner:
 * the projects it is linked to and its owner; a group runner: its group,
 * and the projects below it, of which the best one per user is enough),
 * decides each of them on a reach narrowed to those levels
 * (reach_build_narrowed), and returns the users who may do something
 * beyond their kind, with their answers kept for access_actions().  A
 * project runner's link needs one more fact, whether the user maintains a
 * project the runner is not linked to yet: one indexed question for the
 * users the rest left able to link it.  No query runs per user.
 *
 * Who may read it: SELECT is granted by the DBA, and every function checks
 * the session besides (access_check): an actor must be an administrator or
 * an auditor acting as themselves; with no actor, the role must hold
 * EXECUTE on explain_access(), the DBA's right to see others' rights.  The
 * view's first condition, runner_access_allowed(), makes that check before
 * any row is read, and the view is a security barrier.
 *
 * Release 1.1's SQL (8-argument access_actions() and access_candidate(),
 * runners' links looked up in the link table) is served by the functions
 * at the end of this file, until ALTER EXTENSION UPDATE.
 *
 * src/access_view.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "access.h"
#include "actor.h"
#include "owner_spi.h"
#include "reach.h"
#include "runner_policy.h"
#include "statement.h"

PG_FUNCTION_INFO_V1(rp_runner_access_allowed);
PG_FUNCTION_INFO_V1(rp_access_kind_actions);
PG_FUNCTION_INFO_V1(rp_access_kind_types);
PG_FUNCTION_INFO_V1(rp_access_member_actions);
PG_FUNCTION_INFO_V1(rp_access_member_candidate);
PG_FUNCTION_INFO_V1(rp_member_runners_of_user);
PG_FUNCTION_INFO_V1(rp_member_users_of_runner);
PG_FUNCTION_INFO_V1(rp_access_candidate_support);
/* release 1.1's */
PG_FUNCTION_INFO_V1(rp_access_actions);
PG_FUNCTION_INFO_V1(rp_access_candidate);
PG_FUNCTION_INFO_V1(rp_runners_of_user);
PG_FUNCTION_INFO_V1(rp_users_of_runner);

#define ALL_ACTIONS		((uint8) ((1 << NUM_ACTIONS) - 1))
#define ACTION_BIT(a)	((uint8) (1 << (a)))
/* a kind of user, as a bit: administrator, auditor, both or neither */
#define KIND_BIT(admin, auditor)	((uint8) (1 << ((admin) * 2 + (auditor))))

/* ----------------------------------------------------------------------
 * The statement's state
 * ---------------------------------------------------------------------- */

/*
 * Which runner row a decision was made on: its columns, as the view passed
 * them (a sum of its linked projects stands for the array).
 */
typedef struct RunnerKey
{
	int64		id;
	int			type;
	bool		has_owner;
	int64		owner;
	bool		locked;
	bool		linked_known;
	int			nlinked;
	int64		linked_sum;
} RunnerKey;

/* What a kind's reach decided on the last runner it was asked about. */
typedef struct KindDecision
{
	bool		valid;
	RunnerKey	key;
	uint8		decided;		/* the actions asked so far */
	uint8		yes;
	uint8		by_kind;		/* decided without asking for a membership */
	uint8		listed;			/* yes by kind, on a type listed by kind */
} KindDecision;

/* A kind of active user: administrator, auditor, both or neither. */
typedef struct KindState
{
	Reach	   *reach;			/* reach_build_kind(); NULL until asked */
	IdSet		types[NUM_ACTIONS]; /* the runner types listed by kind */
	KindDecision last;
} KindState;

/*
 * One user of users_of_runner(): what it may do to that runner, in each
 * kind of user whose decisions on it read memberships (its users row is
 * not read: the view passes its kind, and a kind whose reach decides every
 * action by itself needs no user's levels).
 */
typedef struct RunnerUser
{
	int64		user_id;
	LevelMap	projects;		/* its levels on what decisions read */
	LevelMap	namespaces;
	ProjectPlaces places;
	uint8		yes[2][2];		/* its decision in each kind, every action */
	uint8		linkable;		/* kinds (bits) in which it could link the runner */
} RunnerUser;

/* users_of_runner()'s users of one runner, decided in one go. */
typedef struct RunnerUsers
{
	MemoryContext cxt;			/* reset for every runner */
	bool		valid;
	RunnerKey	key;
	RunnerFacts facts;
	int			n;
	RunnerUser *users;			/* sorted by user id */
	uint8		member_kinds;	/* the kinds decided per user (KIND_BIT) */
	Datum		candidates;		/* users who may do more than their kind, as bigint[] */
} RunnerUsers;

typedef struct AccessState
{
	MemoryContext cxt;
	LocalTransactionId lxid;
	uint64		statement;
	uint64		generation;

	bool		checked;		/* the session may read runner_access */

	KindState	kinds[2][2];	/* by admin, auditor */
	Reach	   *user;			/* the last user's whole reach */
	RunnerUsers runner;			/* users_of_runner()'s last runner */
	int64		last_runner;	/* the runner and user of the last decision */
	int64		last_user;
	LinkedCache links;

	bool		have_pair;		/* the last pair decided, and its answer */
	int64		pair_user;
	bool		pair_kind[3];	/* admin, auditor, active */
	RunnerKey	pair_runner;
	uint8		pair_mask;

	int64		runners_user;	/* the last runners_of_user() answer */
	Datum		runners_array;
	int64		users_runner;	/* the last users_of_runner() answer */
	Datum		users_array;
} AccessState;

static AccessState *access_state = NULL;

/* The state of the running statement, made anew for every statement. */
static AccessState *
access_current(void)
{
	AccessState *st = access_state;

	if (st != NULL && st->lxid == CURRENT_LXID &&
		st->statement == statement_number() &&
		st->generation == actor_generation())
		return st;
	if (st != NULL)
		MemoryContextDelete(st->cxt);
	access_state = NULL;
	{
		MemoryContext cxt = AllocSetContextCreate(TopMemoryContext, "runner_policy access",
												  ALLOCSET_DEFAULT_SIZES);

		st = MemoryContextAllocZero(cxt, sizeof(AccessState));
		st->cxt = cxt;
	}
	st->lxid = CURRENT_LXID;
	st->statement = statement_number();
	st->generation = actor_generation();
	st->links.cxt = st->cxt;
	st->runner.cxt = AllocSetContextCreate(st->cxt, "runner_policy access runner",
										   ALLOCSET_DEFAULT_SIZES);
	access_state = st;
	return st;
}

static Oid
explain_access_oid(void)
{
	Oid			argtypes[3] = {INT8OID, INT8OID, TEXTOID};
	char	   *schema = get_namespace_name(runner_policy_extension_schema());

	return LookupFuncName(list_make2(makeString(schema), makeString("explain_access")),
						  3, argtypes, true);
}

/* Refuses a session that may not see other users' rights. */
static void
access_check(AccessState *st)
{
	const Actor *actor;
	bool		ok = false;

	if (st->checked)
		return;
	actor = actor_current();
	if (actor->kind == ACTOR_NONE)
	{
		Oid			fn = explain_access_oid();

		ok = OidIsValid(fn) && pg_proc_aclcheck(fn, GetUserId(), ACL_EXECUTE) == ACLCHECK_OK;
	}
	else
	{
		Reach	   *r;

		WITH_REACH(r, ok = r->live && KIND(r) == ACTOR_USER && sees_everything(r));
	}
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to read runner_access"),
				 errdetail("Who may do what to runners is shown to administrators and auditors acting as themselves, and, with no actor, to roles that may run explain_access()."),
				 errhint("Ask a DBA, or use explain_access().")));
	st->checked = true;
}

/*
 * runner_access_allowed() -> boolean: true, or the refusal of
 * access_check().  The first condition of every part of the view, with no
 * column in it: the planner makes it a one-time filter above the part's
 * scans, so the session is refused before any row is read, and before any
 * condition of the caller's (which the security barrier keeps above the
 * view) sees one.
 */
Datum
rp_runner_access_allowed(PG_FUNCTION_ARGS)
{
	access_check(access_current());
	PG_RETURN_BOOL(true);
}

/* ----------------------------------------------------------------------
 * Runner rows and reaches
 * ---------------------------------------------------------------------- */

static RunnerKey
runner_key(const RunnerFacts *f)
{
	RunnerKey	key;

	memset(&key, 0, sizeof(key));
	key.id = f->id;
	key.type = f->type;
	key.has_owner = f->has_owner;
	key.owner = f->has_owner ? f->owner : 0;
	key.locked = f->locked;
	key.linked_known = f->linked_known;
	if (f->linked_known)
	{
		key.nlinked = f->linked.n;
		for (int i = 0; i < f->linked.n; i++)
			key.linked_sum += f->linked.ids[i];
	}
	return key;
}

static bool
runner_key_equal(const RunnerKey *a, const RunnerKey *b)
{
	return a->id == b->id && a->type == b->type && a->has_owner == b->has_owner &&
		a->owner == b->owner && a->locked == b->locked &&
		a->linked_known == b->linked_known && a->nlinked == b->nlinked &&
		a->linked_sum == b->linked_sum;
}

/*
 * A runner's facts from the arguments of a view function, starting at
 * "first": id, type, owner, locked and, from release 1.2's SQL on, the
 * projects it is linked to.  False when one that must be there is NULL.
 * The facts are taken as given: a caller who passes others gets the answer
 * for those (it may read the truth anyway).
 */
static bool
runner_facts_of_args(FunctionCallInfo fcinfo, int first, bool with_linked, RunnerFacts *f)
{
	memset(f, 0, sizeof(*f));
	if (PG_ARGISNULL(first) || PG_ARGISNULL(first + 1) || PG_ARGISNULL(first + 3) ||
		(with_linked && PG_ARGISNULL(first + 4)))
		return false;
	f->id = PG_GETARG_INT64(first);
	f->type = PG_GETARG_INT16(first + 1);
	f->has_owner = !PG_ARGISNULL(first + 2);
	f->owner = f->has_owner ? PG_GETARG_INT64(first + 2) : 0;
	f->locked = PG_GETARG_BOOL(first + 3);
	f->linked_known = with_linked;
	if (with_linked)
	{
		ArrayType  *linked = PG_GETARG_ARRAYTYPE_P(first + 4);

		/* an instance or group runner's is empty: nothing to sort */
		if (ArrayGetNItems(ARR_NDIM(linked), ARR_DIMS(linked)) > 0)
			f->linked = idset_of_array(CurrentMemoryContext, PointerGetDatum(linked));
	}
	return true;
}

/*
 * A user's facts from the arguments of a view function: id, admin, auditor
 * and whether its state is active.  False when one is NULL.
 */
static bool
user_facts_of_args(FunctionCallInfo fcinfo, int64 *user_id, bool *admin, bool *auditor,
				   bool *active)
{
	text	   *state;

	for (int i = 0; i < 4; i++)
		if (PG_ARGISNULL(i))
			return false;
	*user_id = PG_GETARG_INT64(0);
	*admin = PG_GETARG_BOOL(1);
	*auditor = PG_GETARG_BOOL(2);
	state = PG_GETARG_TEXT_PP(3);
	*active = VARSIZE_ANY_EXHDR(state) == 6 && memcmp(VARDATA_ANY(state), "active", 6) == 0;
	return true;
}

/* The reach of a kind of user, built on first use, with its listed types. */
static KindState *
kind_state(AccessState *st, bool admin, bool auditor)
{
	KindState  *ks = &st->kinds[admin][auditor];

	if (ks->reach == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(st->cxt);
		Reach	   *k = reach_build_kind(admin, auditor);
		IdSet		project = idset_of(st->cxt, &(int64) {RUNNER_TYPE_PROJECT}, 1);
		IdSet		linkable = linkable_types_by_kind(k);

		ks->types[ACTION_READ] = readable_types_by_kind(k);
		ks->types[ACTION_UPDATE] = manageable_types_by_kind(k);
		ks->types[ACTION_DELETE] = ks->types[ACTION_UPDATE];
		/* only project runners are linked to projects */
		ks->types[ACTION_LINK] = idset_empty(st->cxt);
		if (idset_contains(&linkable, RUNNER_TYPE_PROJECT))
			ks->types[ACTION_LINK] = project;
		MemoryContextSwitchTo(old);
		ks->reach = k;
	}
	return ks;
}

/*
 * What a kind's reach decides on a runner, for the actions "wanted": kept
 * for the last runner, so that the users of one runner ask once.
 */
static const KindDecision *
kind_decide(AccessState *st, KindState *ks, const RunnerFacts *f, uint8 wanted)
{
	KindDecision *d = &ks->last;
	RunnerKey	key = runner_key(f);

	/*
	 * A user's decision reads a runner's id only where the runner's links
	 * are not on its row (the legacy sets; runner_self is a runner
	 * actor's): otherwise runners that differ by id alone, a user's ten
	 * thousand instance runners, are one decision.
	 */
	if (f->linked_known)
		key.id = 0;

	if (!d->valid || !runner_key_equal(&d->key, &key))
	{
		memset(d, 0, sizeof(*d));
		d->valid = true;
		d->key = key;
	}
	for (int a = 0; a < NUM_ACTIONS; a++)
	{
		uint8		bit = ACTION_BIT(a);
		bool		no_target_left;

		if (!(wanted & bit) || (d->decided & bit))
			continue;
		ks->reach->levels_asked = false;
		if (runner_action_allowed(ks->reach, f, (RunnerAction) a, &st->links, &no_target_left))
			d->yes |= bit;
		if (!ks->reach->levels_asked)
			d->by_kind |= bit;
		if ((d->yes & d->by_kind & bit) && idset_contains(&ks->types[a], f->type))
			d->listed |= bit;
		d->decided |= bit;
	}
	return d;
}

/* Every action the reach may do to the runner, one bit each. */
static uint8
decide_all(Reach *r, AccessState *st, const RunnerFacts *f)
{
	uint8		mask = 0;
	bool		no_target_left;

	for (int a = 0; a < NUM_ACTIONS; a++)
		if (runner_action_allowed(r, f, (RunnerAction) a, &st->links, &no_target_left))
			mask |= ACTION_BIT(a);
	return mask;
}

/* A user's whole reach, kept while the same user is asked again. */
static Reach *
user_reach(AccessState *st, int64 user_id)
{
	Actor		actor;
	MemoryContext old;

	if (st->user != NULL && st->user->actor.user_id == user_id)
		return st->user;
	if (st->user != NULL)
		MemoryContextDelete(st->user->cxt);
	st->user = NULL;
	memset(&actor, 0, sizeof(actor));
	actor.kind = ACTOR_USER;
	actor.user_id = user_id;
	old = MemoryContextSwitchTo(st->cxt);
	st->user = reach_build(&actor);
	MemoryContextSwitchTo(old);
	MemoryContextSetParent(st->user->cxt, st->cxt);
	return st->user;
}

/*
 * Release 1.2 lists instance runners by kind alone, and runs no membership
 * query for them (users_of_runner(), runners_of_user()): a rule that came
 * to read memberships for them would leave rows out.  So say it rather
 * than list less.
 */
static void
instance_runner_by_kind(const RunnerFacts *f, const KindDecision *d)
{
	if (f->type == RUNNER_TYPE_INSTANCE && (d->decided & ~d->by_kind) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("runner_access cannot list who may act on instance runner %lld",
						(long long) f->id),
				 errdetail("The rules decide it from memberships, and runner_access lists instance runners by kind of user."),
				 errhint("Use explain_access() for one user.")));
}

/* The actions of a mask, as text[] in the order of action_names. */
static Datum
actions_array(uint8 mask)
{
	Datum		elems[NUM_ACTIONS];
	int			n = 0;

	for (int a = 0; a < NUM_ACTIONS; a++)
		if (mask & ACTION_BIT(a))
			elems[n++] = CStringGetTextDatum(action_names[a]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* ----------------------------------------------------------------------
 * Parts 1 and 2: what a kind of user may do by that alone
 * ---------------------------------------------------------------------- */

/*
 * access_kind_actions(user_admin, user_auditor, runner_id, runner_type,
 * runner_owner, runner_locked, runner_linked) -> SETOF text
 *
 * What every active user of that kind may do to the runner by its kind
 * alone, on a type listed by kind: the rows of parts 1 and 2, one action
 * per row.  A set-returning function in the view's target list (ROWS 1):
 * the planner then counts one row per runner, not ten, and starts from
 * the runners when the WHERE clause names one.
 */
Datum
rp_access_kind_actions(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	uint8	   *left;

	if (SRF_IS_FIRSTCALL())
	{
		AccessState *st;
		RunnerFacts f;
		uint8		listed = 0;

		funcctx = SRF_FIRSTCALL_INIT();
		st = access_current();
		access_check(st);
		if (!PG_ARGISNULL(0) && !PG_ARGISNULL(1) && runner_facts_of_args(fcinfo, 2, true, &f))
			WITH_CALL(
					  {
						  KindState *ks = kind_state(st, PG_GETARG_BOOL(0), PG_GETARG_BOOL(1));
						  const KindDecision *d = kind_decide(st, ks, &f, ALL_ACTIONS);

						  instance_runner_by_kind(&f, d);
						  listed = d->listed;
					  });
		left = MemoryContextAlloc(funcctx->multi_call_memory_ctx, sizeof(uint8));
		*left = listed;
		funcctx->user_fctx = left;
	}
	funcctx = SRF_PERCALL_SETUP();
	left = (uint8 *) funcctx->user_fctx;
	for (int a = 0; a < NUM_ACTIONS; a++)
		if (*left & ACTION_BIT(a))
		{
			*left &= ~ACTION_BIT(a);
			SRF_RETURN_NEXT(funcctx, CStringGetTextDatum(action_names[a]));
		}
	SRF_RETURN_DONE(funcctx);
}

/*
 * access_kind_types(user_admin, user_auditor) -> smallint[]
 *
 * The runner types on which an active user of that kind may do something
 * by its kind alone.  IMMUTABLE: it reads no table and no session, only
 * the rules built into the library, so the planner folds it into the plan
 * and estimates the runners of those types from the table's statistics
 * (part 1 of the view: the instance runners, an index range).  It names
 * no one's rights, so it checks no session.
 */
Datum
rp_access_kind_types(PG_FUNCTION_ARGS)
{
	bool		admin = PG_GETARG_BOOL(0);
	bool		auditor = PG_GETARG_BOOL(1);
	Datum	   *kept = (Datum *) fcinfo->flinfo->fn_extra;

	/* kept for the call site (part 2 asks it for every runner) */
	if (kept == NULL)
	{
		kept = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(Datum) * 4);
		fcinfo->flinfo->fn_extra = kept;
	}
	if (kept[admin * 2 + auditor] == (Datum) 0)
	{
		Datum		elems[3];
		int			n = 0;
		MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "runner_policy kind types",
												  ALLOCSET_SMALL_SIZES);
		MemoryContext old = MemoryContextSwitchTo(cxt);
		IdSet		types = {NULL, 0};

		WITH_CALL(
				  {
					  Reach *k = reach_build_kind(admin, auditor);

					  types = idset_union(cxt, readable_types_by_kind(k),
										  idset_union(cxt, manageable_types_by_kind(k),
													  linkable_types_by_kind(k)));
				  });
		for (int i = 0; i < types.n; i++)
			elems[n++] = Int16GetDatum((int16) types.ids[i]);
		MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		kept[admin * 2 + auditor] = PointerGetDatum(construct_array(elems, n, INT2OID, 2, true,
																	TYPALIGN_SHORT));
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
	}
	PG_RETURN_DATUM(kept[admin * 2 + auditor]);
}

/* ----------------------------------------------------------------------
 * Part 3: what a user may do beyond its kind
 * ---------------------------------------------------------------------- */

/*
 * The levels every user has on what a decision on a project runner reads:
 * the projects it is linked to and its owner.  A project membership, or a
 * group membership on the project's group or one above it.
 */
static SavedQuery runner_project_levels = {
	"SELECT pm.user_id, pm.project_id, pm.access_level"
	"  FROM runner_policy.project_members pm WHERE pm.project_id = ANY ($1)"
	" UNION ALL"
	" SELECT gm.user_id, p.id, gm.access_level"
	"  FROM runner_policy.projects p"
	"  JOIN runner_policy.namespaces n ON n.id = p.namespace_id"
	"  JOIN runner_policy.group_members gm ON gm.namespace_id = ANY (n.traversal_ids)"
	" WHERE p.id = ANY ($1)"
	" ORDER BY 1, 2",
	1, {INT8ARRAYOID}, NULL
};

/*
 * The levels every user has on what a decision on a group runner reads:
 * its group ('n': a membership on it or a group above it), and the
 * projects below it ('p', each with its path of groups): a project
 * membership, or a group membership on a group above one of those
 * projects (above the runner's group, on it, or below it).  For the group
 * memberships one project below the member's group stands for all.
 */
static SavedQuery runner_group_levels = {
	"WITH below AS ("
	"  SELECT p.id, n.traversal_ids FROM runner_policy.namespaces n"
	"    JOIN runner_policy.projects p ON p.namespace_id = n.id"
	"   WHERE n.traversal_ids @> ARRAY[$1::bigint]),"
	" first_below AS ("
	"  SELECT DISTINCT ON (g.id) g.id AS namespace_id, b.id, b.traversal_ids"
	"    FROM below b CROSS JOIN LATERAL unnest(b.traversal_ids) AS g (id)"
	"   ORDER BY g.id, b.id)"
	" SELECT 'n'::text, gm.user_id, g.id, gm.access_level, NULL::bigint[]"
	"  FROM runner_policy.namespaces g"
	"  JOIN runner_policy.group_members gm ON gm.namespace_id = ANY (g.traversal_ids)"
	" WHERE g.id = $1"
	" UNION ALL"
	" SELECT 'p', pm.user_id, b.id, pm.access_level, b.traversal_ids"
	"  FROM below b JOIN runner_policy.project_members pm ON pm.project_id = b.id"
	" UNION ALL"
	" SELECT 'p', gm.user_id, f.id, gm.access_level, f.traversal_ids"
	"  FROM first_below f JOIN runner_policy.group_members gm ON gm.namespace_id = f.namespace_id"
	" ORDER BY 2",
	1, {INT8OID}, NULL
};

/*
 * For each user: the project it has the highest level on among those the
 * runner is not linked to, with that level (a project membership, or a
 * group membership on a group with such a project below it, the highest
 * first, so that the first group found is the answer).
 */
static SavedQuery runner_link_witness = {
	"SELECT u.id, w.project_id, w.level FROM unnest($1::bigint[]) AS u (id)"
	" CROSS JOIN LATERAL ("
	"  SELECT x.project_id, x.level FROM ("
	"    (SELECT pm.project_id, pm.access_level AS level"
	"       FROM runner_policy.project_members pm"
	"      WHERE pm.user_id = u.id AND pm.project_id <> ALL ($2)"
	"      ORDER BY pm.access_level DESC LIMIT 1)"
	"    UNION ALL"
	"    (SELECT b.id, gm.access_level"
	"       FROM (SELECT g.namespace_id, g.access_level FROM runner_policy.group_members g"
	"              WHERE g.user_id = u.id ORDER BY g.access_level DESC) gm"
	"      CROSS JOIN LATERAL (SELECT p.id FROM runner_policy.namespaces n"
	"                            JOIN runner_policy.projects p ON p.namespace_id = n.id"
	"                           WHERE n.traversal_ids @> ARRAY[gm.namespace_id]"
	"                             AND p.id <> ALL ($2) LIMIT 1) b"
	"      LIMIT 1)) x"
	"  ORDER BY x.level DESC LIMIT 1) w",
	2, {INT8ARRAYOID, INT8ARRAYOID}, NULL
};

/* The runners a user's sets name (runners_of_user()). */
static SavedQuery member_project_runners = {
	"SELECT id FROM runner_policy.ci_runners"
	" WHERE runner_type = " CppAsString2(RUNNER_TYPE_PROJECT) " AND linked_project_ids && $1",
	1, {INT8ARRAYOID}, NULL
};
static SavedQuery member_group_runners = {
	"SELECT id FROM runner_policy.ci_runners"
	" WHERE runner_type = " CppAsString2(RUNNER_TYPE_GROUP) " AND sharding_key_id = ANY ($1)",
	1, {INT8ARRAYOID}, NULL
};

/* The projects a decision on a project runner reads: its links and its owner. */
static IdSet
runner_projects(const RunnerFacts *f, MemoryContext cxt)
{
	IdSet		owner = idset_empty(cxt);

	if (f->has_owner)
		owner = idset_of(cxt, &f->owner, 1);
	return idset_union(cxt, f->linked, owner);
}

/* Adds (id, level) to a map under construction, keeping the higher level. */
static void
map_put(LevelMap *map, int64 id, int level)
{
	if (map->n > 0 && map->ids[map->n - 1] == id)
	{
		if (level > map->levels[map->n - 1])
			map->levels[map->n - 1] = (int16) level;
		return;
	}
	map->ids[map->n] = id;
	map->levels[map->n++] = (int16) level;
}

/* A map of one id, or of none. */
static LevelMap
map_of_one(MemoryContext cxt, bool present, int64 id, int level)
{
	LevelMap	map;

	map.ids = MemoryContextAlloc(cxt, sizeof(int64));
	map.levels = MemoryContextAlloc(cxt, sizeof(int16));
	map.n = 0;
	if (present)
	{
		map.ids[0] = id;
		map.levels[0] = (int16) level;
		map.n = 1;
	}
	return map;
}

/* The same map with one more id (sorted), in cxt. */
static LevelMap
map_with(MemoryContext cxt, const LevelMap *map, int64 id, int level)
{
	LevelMap	out;
	int			j = 0;
	bool		put = false;

	out.ids = MemoryContextAlloc(cxt, sizeof(int64) * (map->n + 1));
	out.levels = MemoryContextAlloc(cxt, sizeof(int16) * (map->n + 1));
	for (int i = 0; i <= map->n; i++)
	{
		if (!put && (i == map->n || map->ids[i] > id))
		{
			out.ids[j] = id;
			out.levels[j++] = (int16) level;
			put = true;
		}
		if (i < map->n && map->ids[i] != id)
		{
			out.ids[j] = map->ids[i];
			out.levels[j++] = map->levels[i];
		}
	}
	out.n = j;
	return out;
}

/* A project runner: every linked project the user has a level on, the highest. */
static void
project_runner_user(RunnerUsers *ru, RunnerUser *u, uint64 first, uint64 end)
{
	u->projects.ids = MemoryContextAlloc(ru->cxt, sizeof(int64) * (end - first));
	u->projects.levels = MemoryContextAlloc(ru->cxt, sizeof(int16) * (end - first));
	for (uint64 k = first; k < end; k++)
	{
		int64		project = 0,
					level = 0;

		(void) spi_result_int64(k, 2, &project);
		(void) spi_result_int64(k, 3, &level);
		map_put(&u->projects, project, (int) level);
	}
	u->namespaces = map_of_one(ru->cxt, false, 0, 0);
}

/*
 * A group runner: the level on the group, and the project below it with
 * the highest level, with its path: the decisions on a group runner read
 * no more than that.
 */
static void
group_runner_user(RunnerUsers *ru, const RunnerFacts *f, RunnerUser *u,
				  uint64 first, uint64 end)
{
	int64		group_level = 0,
				best_level = 0,
				best = 0;
	bool		have_group = false,
				have_best = false;
	Datum		best_path = (Datum) 0;

	for (uint64 k = first; k < end; k++)
	{
		char	   *kind = SPI_getvalue(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 1);
		int64		id = 0,
					level = 0;

		(void) spi_result_int64(k, 3, &id);
		(void) spi_result_int64(k, 4, &level);
		if (kind[0] == 'n')
		{
			group_level = have_group ? Max(group_level, level) : level;
			have_group = true;
		}
		else if (!have_best || level > best_level)
		{
			bool		isnull;

			best = id;
			best_level = level;
			best_path = SPI_getbinval(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 5, &isnull);
			have_best = true;
		}
	}
	u->namespaces = map_of_one(ru->cxt, have_group, f->owner, (int) group_level);
	u->projects = map_of_one(ru->cxt, have_best, best, (int) best_level);
	if (have_best)
	{
		u->places.n = 1;
		u->places.project_ids = MemoryContextAlloc(ru->cxt, sizeof(int64));
		u->places.project_ids[0] = best;
		u->places.paths = MemoryContextAlloc(ru->cxt, sizeof(IdSet));
		u->places.paths[0] = idset_of_array(ru->cxt, best_path);
	}
}

/*
 * Reads the levels of every user on what a decision on the runner reads,
 * one RunnerUser each (sorted by user id).
 */
static void
runner_users_levels(AccessState *st, const RunnerFacts *f)
{
	RunnerUsers *ru = &st->runner;
	uint64		rows;
	Datum		arg;

	ru->n = 0;
	ru->users = NULL;
	if (f->type == RUNNER_TYPE_PROJECT)
	{
		IdSet		projects = runner_projects(f, ru->cxt);

		if (projects.n == 0)
			return;
		arg = idset_array(&projects);
		rows = reach_query(&runner_project_levels, &arg);
	}
	else if (f->type == RUNNER_TYPE_GROUP && f->has_owner)
	{
		arg = Int64GetDatum(f->owner);
		rows = reach_query(&runner_group_levels, &arg);
	}
	else
		return;

	ru->users = MemoryContextAllocZero(ru->cxt, sizeof(RunnerUser) * Max(rows, 1));
	for (uint64 i = 0; i < rows;)
	{
		RunnerUser *u = &ru->users[ru->n++];
		uint64		end = i;
		int64		user_id = 0;

		(void) spi_result_int64(i, f->type == RUNNER_TYPE_PROJECT ? 1 : 2, &user_id);
		u->user_id = user_id;
		while (end < rows)
		{
			int64		next = 0;

			(void) spi_result_int64(end, f->type == RUNNER_TYPE_PROJECT ? 1 : 2, &next);
			if (next != user_id)
				break;
			end++;
		}
		if (f->type == RUNNER_TYPE_PROJECT)
			project_runner_user(ru, u, i, end);
		else
			group_runner_user(ru, f, u, i, end);
		i = end;
	}
}

/* The user's decision on the runner, on a reach narrowed to its levels. */
static uint8
runner_user_decide(AccessState *st, RunnerUser *u, bool admin, bool auditor,
				   const RunnerFacts *f, bool *may_need_witness)
{
	KindState  *ks = kind_state(st, admin, auditor);
	Reach	   *r;
	uint8		yes;
	MemoryContext old = MemoryContextSwitchTo(st->runner.cxt);

	r = reach_build_narrowed(ks->reach, u->user_id, &u->projects, &u->namespaces,
							 u->places.n > 0 ? &u->places : NULL);
	MemoryContextSwitchTo(old);
	yes = decide_all(r, st, f);
	/*
	 * Linking needs a project to link the runner to: one the user
	 * maintains that the runner is not linked to yet, which the levels
	 * read so far do not show.
	 */
	if (may_need_witness != NULL)
		*may_need_witness = f->type == RUNNER_TYPE_PROJECT && !(yes & ACTION_BIT(ACTION_LINK)) &&
			runner_linkable(r, f);
	MemoryContextDelete(r->cxt);
	return yes;
}

/* What a user may do to a runner beyond its kind, given its decision. */
static uint8
beyond_kind(AccessState *st, bool admin, bool auditor, const RunnerFacts *f, uint8 yes)
{
	const KindDecision *d = kind_decide(st, kind_state(st, admin, auditor), f, ALL_ACTIONS);

	instance_runner_by_kind(f, d);
	/* by kind and listed by kind: parts 1 and 2 have them */
	return yes & ~(d->by_kind & d->listed);
}

/* The RunnerUser of a user id, by binary search (they are sorted by id), or NULL. */
static RunnerUser *
runner_user_find(RunnerUsers *ru, int64 id)
{
	for (int lo = 0, hi = ru->n - 1; lo <= hi;)
	{
		int			mid = (lo + hi) / 2;

		if (ru->users[mid].user_id == id)
			return &ru->users[mid];
		if (ru->users[mid].user_id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/*
 * Each user's decisions, in each kind of member_kinds, on its narrowed
 * reach; a user whose "may link" needs a witness (a project it maintains
 * that the runner is linked to) is decided again with those projects read.
 */
static void
runner_users_decide(AccessState *st, const RunnerFacts *f, uint8 member_kinds)
{
	RunnerUsers *ru = &st->runner;
	int64	   *witness_ids;
	int			nwitness = 0;
	uint64		rows;

	witness_ids = MemoryContextAlloc(ru->cxt, sizeof(int64) * Max(ru->n, 1));
	for (int i = 0; i < ru->n; i++)
	{
		RunnerUser *u = &ru->users[i];

		for (int admin = 0; admin < 2; admin++)
			for (int auditor = 0; auditor < 2; auditor++)
			{
				bool		needs_witness = false;

				if (!(member_kinds & KIND_BIT(admin, auditor)))
					continue;
				u->yes[admin][auditor] = runner_user_decide(st, u, admin, auditor, f,
															&needs_witness);
				if (needs_witness)
					u->linkable |= KIND_BIT(admin, auditor);
			}
		if (u->linkable)
			witness_ids[nwitness++] = u->user_id;
	}
	if (nwitness > 0)
	{
		IdSet		set = {witness_ids, nwitness};
		Datum		args[2] = {idset_array(&set), idset_array(&ru->facts.linked)};

		rows = reach_query(&runner_link_witness, args);
		for (uint64 k = 0; k < rows; k++)
		{
			int64		id = 0,
						project = 0,
						level = 0;
			RunnerUser *u;

			(void) spi_result_int64(k, 1, &id);
			(void) spi_result_int64(k, 2, &project);
			(void) spi_result_int64(k, 3, &level);
			u = runner_user_find(ru, id);
			if (u == NULL)
				continue;
			u->projects = map_with(ru->cxt, &u->projects, project, (int) level);
			for (int admin = 0; admin < 2; admin++)
				for (int auditor = 0; auditor < 2; auditor++)
					if (u->linkable & KIND_BIT(admin, auditor))
						u->yes[admin][auditor] = runner_user_decide(st, u, admin, auditor, f, NULL);
		}
	}
}

/*
 * users_of_runner()'s work: every user with a level on what decisions on
 * the runner read, its decision in each kind whose decisions read
 * memberships, on a reach narrowed to its levels, and the users who may do
 * something beyond their kind in one of those kinds.
 */
static void
runner_users_build(AccessState *st, const RunnerFacts *f)
{
	RunnerUsers *ru = &st->runner;
	uint8		member_kinds = 0;
	int			ncandidates = 0;
	int64	   *candidates;

	MemoryContextReset(ru->cxt);
	ru->valid = false;
	ru->key = runner_key(f);
	ru->facts = *f;
	ru->facts.linked = idset_union(ru->cxt, f->linked, idset_empty(ru->cxt));

	/*
	 * The kinds whose users may do something to it beyond their kind: those
	 * whose decisions on it read memberships.  (An instance runner must
	 * need none.)
	 */
	for (int admin = 0; admin < 2; admin++)
		for (int auditor = 0; auditor < 2; auditor++)
		{
			const KindDecision *d = kind_decide(st, kind_state(st, admin, auditor), f,
												ALL_ACTIONS);

			instance_runner_by_kind(f, d);
			if ((d->by_kind & ALL_ACTIONS) != ALL_ACTIONS)
				member_kinds |= KIND_BIT(admin, auditor);
		}
	if (member_kinds != 0)
		runner_users_levels(st, f);
	else
		ru->n = 0;

	runner_users_decide(st, f, member_kinds);

	/* the candidates: users who may do something beyond their kind in one */
	candidates = MemoryContextAlloc(ru->cxt, sizeof(int64) * Max(ru->n, 1));
	for (int i = 0; i < ru->n; i++)
	{
		RunnerUser *u = &ru->users[i];
		bool		beyond = false;

		for (int admin = 0; admin < 2; admin++)
			for (int auditor = 0; auditor < 2; auditor++)
				if (member_kinds & KIND_BIT(admin, auditor))
					beyond |= beyond_kind(st, admin, auditor, f, u->yes[admin][auditor]) != 0;
		if (beyond)
			candidates[ncandidates++] = u->user_id;
	}
	{
		IdSet		set = {candidates, ncandidates};
		MemoryContext old = MemoryContextSwitchTo(ru->cxt);

		ru->candidates = idset_array(&set);
		MemoryContextSwitchTo(old);
	}
	ru->member_kinds = member_kinds;
	ru->valid = true;
}

static bool
runner_users_match(AccessState *st, const RunnerFacts *f)
{
	RunnerKey	key = runner_key(f);

	return st->runner.valid && runner_key_equal(&st->runner.key, &key);
}

/* users_of_runner()'s answer for a user of its runner, in the kind given. */
static uint8
runner_user_yes(AccessState *st, int64 user_id, bool admin, bool auditor,
				const RunnerFacts *f)
{
	RunnerUsers *ru = &st->runner;
	int			lo = 0,
				hi = ru->n - 1;

	if (ru->member_kinds & KIND_BIT(admin, auditor))
		while (lo <= hi)
		{
			int			mid = (lo + hi) / 2;
			RunnerUser *u = &ru->users[mid];

			if (u->user_id == user_id)
				return u->yes[admin][auditor];
			if (u->user_id < user_id)
				lo = mid + 1;
			else
				hi = mid - 1;
		}
	/*
	 * No level on what a decision on this runner reads, or a kind that
	 * decides every action by itself: the kind's answer.
	 */
	return kind_decide(st, kind_state(st, admin, auditor), f, ALL_ACTIONS)->yes;
}

/*
 * Every action the user may do to the runner: from users_of_runner()'s
 * answers for this runner, or on the user's whole reach (runners_of_user()
 * built it).
 */
static uint8
user_yes(AccessState *st, int64 user_id, bool admin, bool auditor, const RunnerFacts *f)
{
	bool		same_user = st->user != NULL && st->user->actor.user_id == user_id;
	uint8		yes;

	/*
	 * A user asked about one runner after another (the whole view, users
	 * outside) gets its whole reach at the second runner; anything else
	 * starts from the runner's users, one query for all of them.
	 */
	if (!same_user && st->last_user == user_id && st->last_runner != f->id)
		same_user = user_reach(st, user_id) != NULL;
	else if (!same_user && !runner_users_match(st, f))
		runner_users_build(st, f);
	st->last_runner = f->id;
	st->last_user = user_id;
	if (!same_user && runner_users_match(st, f))
		yes = runner_user_yes(st, user_id, admin, auditor, f);
	else
		yes = decide_all(user_reach(st, user_id), st, f);
	return yes;
}

/*
 * The last user and runner decided, and the answer: the view asks the same
 * pair twice in a row (the candidate test, then its actions).
 */
static bool
pair_remembered(AccessState *st, int64 user_id, bool admin, bool auditor, bool active,
				const RunnerFacts *f, uint8 *mask)
{
	RunnerKey	key;

	if (!st->have_pair || st->pair_user != user_id || st->pair_kind[0] != admin ||
		st->pair_kind[1] != auditor || st->pair_kind[2] != active)
		return false;
	key = runner_key(f);
	if (!runner_key_equal(&st->pair_runner, &key))
		return false;
	*mask = st->pair_mask;
	return true;
}

static uint8
remember_pair(AccessState *st, int64 user_id, bool admin, bool auditor, bool active,
			  const RunnerFacts *f, uint8 mask)
{
	st->have_pair = true;
	st->pair_user = user_id;
	st->pair_kind[0] = admin;
	st->pair_kind[1] = auditor;
	st->pair_kind[2] = active;
	st->pair_runner = runner_key(f);
	st->pair_mask = mask;
	return mask;
}

/* What a user (its row) may do to a runner (its row) beyond its kind. */
static uint8
member_mask(AccessState *st, int64 user_id, bool admin, bool auditor, bool active,
			const RunnerFacts *f)
{
	const KindDecision *d;
	uint8		by_kind;
	uint8		kind_yes;
	uint8		mask;

	if (!active)
		return 0;				/* a blocked user may do nothing */
	if (pair_remembered(st, user_id, admin, auditor, active, f, &mask))
		return mask;
	d = kind_decide(st, kind_state(st, admin, auditor), f, ALL_ACTIONS);
	instance_runner_by_kind(f, d);
	by_kind = d->by_kind;
	kind_yes = d->yes;
	mask = beyond_kind(st, admin, auditor, f, kind_yes & by_kind);
	if ((by_kind & ALL_ACTIONS) != ALL_ACTIONS)
		mask |= user_yes(st, user_id, admin, auditor, f) & ~by_kind;

	return remember_pair(st, user_id, admin, auditor, active, f, mask);
}

/*
 * The arguments of access_actions() and access_candidate(): the user's id,
 * admin, auditor and state, and the runner's id, type, owner, locked and
 * (linked: as the 1.2 view passes them) its linked projects; decided by
 * decide, the view's mask or the 1.1 view's.
 */
typedef uint8 (*MaskOf) (AccessState *st, int64 user_id, bool admin, bool auditor,
						 bool active, const RunnerFacts *f);

static uint8
mask_of_args(FunctionCallInfo fcinfo, bool linked, MaskOf decide)
{
	AccessState *st = access_current();
	RunnerFacts f;
	int64		user_id;
	bool		admin,
				auditor,
				active;
	uint8		mask = 0;

	access_check(st);
	if (!user_facts_of_args(fcinfo, &user_id, &admin, &auditor, &active) ||
		!runner_facts_of_args(fcinfo, 4, linked, &f))
		return 0;
	WITH_CALL(mask = decide(st, user_id, admin, auditor, active, &f));
	return mask;
}

static uint8
member_mask_of_args(FunctionCallInfo fcinfo)
{
	return mask_of_args(fcinfo, true, member_mask);
}


/* access_actions(user..., runner..., runner_linked) -> text[]: beyond its kind */
Datum
rp_access_member_actions(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(actions_array(member_mask_of_args(fcinfo)));
}

/* access_candidate(user..., runner..., runner_linked) -> boolean */
Datum
rp_access_member_candidate(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(member_mask_of_args(fcinfo) != 0);
}

/*
 * The runners a query over a set of ids names, through its index.  The
 * planner costs "linked_project_ids && $1" as one comparison a row, while
 * each row's test walks the whole array: for a few hundred projects it
 * would scan every runner, seconds where the GIN index takes
 * milliseconds.  So the query runs with sequential scans disfavoured, and
 * the ids go CANDIDATES_AT_ONCE at a time, to keep each bitmap exact.
 */
#define CANDIDATES_AT_ONCE	64

static void
runners_named_by(AccessState *st, SavedQuery *query, const IdSet *ids, IdSet *out,
				 int *room)
{
	need_spi();
	for (int first = 0; first < ids->n; first += CANDIDATES_AT_ONCE)
	{
		IdSet		part = {ids->ids + first, Min(CANDIDATES_AT_ONCE, ids->n - first)};
		Datum		arg = idset_array(&part);
		int			nest = NewGUCNestLevel();
		uint64		rows;

		(void) set_config_option("enable_seqscan", "off", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		rows = saved_query_run_readonly_here(query, &arg, NULL);
		AtEOXact_GUC(true, nest);

		if (out->n + (int64) rows > *room)
		{
			*room = Max(*room * 2, out->n + (int) rows);
			out->ids = repalloc(out->ids, sizeof(int64) * *room);
		}
		for (uint64 i = 0; i < rows; i++)
			if (spi_result_int64(i, 1, &out->ids[out->n]))
				out->n++;
	}
}

/*
 * runners_of_user(user_id) -> bigint[]: the group and project runners on
 * which the user may have a right through its memberships (a superset):
 * those the rules would decide through the user's sets, found by index.
 * Instance runners are listed by kind, never here.
 */
static IdSet
member_runners(AccessState *st, int64 user_id)
{
	Reach	   *r = user_reach(st, user_id);
	IdSet		projects;
	IdSet		groups;
	IdSet		out = {NULL, 0};
	int			room = 1024;

	if (!r->live)
		return idset_empty(st->cxt);
	projects = idset_union(st->cxt, set_of(r, RS_RUNNER_READ_PROJECTS),
						   idset_union(st->cxt, set_of(r, RS_RUNNER_WRITE_PROJECTS),
									   set_of(r, RS_LINK_PROJECTS)));
	groups = idset_union(st->cxt, set_of(r, RS_RUNNER_READ_GROUPS),
						 set_of(r, RS_RUNNER_WRITE_GROUPS));
	out.ids = MemoryContextAlloc(st->cxt, sizeof(int64) * room);
	runners_named_by(st, &member_project_runners, &projects, &out, &room);
	runners_named_by(st, &member_group_runners, &groups, &out, &room);
	idset_normalize(&out);
	return out;
}

/*
 * The runners a user may do something to, as an array, worked out by
 * "runners" once for each user in a row (the view asks user by user).
 */
static Datum
runners_of_user_array(FunctionCallInfo fcinfo, IdSet (*runners) (AccessState *st, int64 user_id))
{
	AccessState *st = access_current();
	int64		user_id = PG_GETARG_INT64(0);

	access_check(st);
	if (st->runners_array == (Datum) 0 || st->runners_user != user_id)
		WITH_CALL(
				  {
					  IdSet set = runners(st, user_id);
					  MemoryContext old = MemoryContextSwitchTo(st->cxt);

					  st->runners_array = idset_array(&set);
					  st->runners_user = user_id;
					  MemoryContextSwitchTo(old);
				  });
	return datumCopy(st->runners_array, false, -1);
}

Datum
rp_member_runners_of_user(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(runners_of_user_array(fcinfo, member_runners));
}

/* The runner's row as the statement reads it. */
static SavedQuery access_runner_row = {
	"SELECT runner_type, sharding_key_id, locked, linked_project_ids"
	"  FROM runner_policy.ci_runners WHERE id = $1",
	1, {INT8OID}, NULL
};

/*
 * users_of_runner(runner_id) -> bigint[]: the users who may do something
 * to the runner beyond their kind, all decided (runner_users_build).
 */
Datum
rp_member_users_of_runner(PG_FUNCTION_ARGS)
{
	AccessState *st;
	int64		runner_id;
	Datum		answer = (Datum) 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	runner_id = PG_GETARG_INT64(0);
	st = access_current();
	access_check(st);
	WITH_CALL(
			  {
				  Datum arg = Int64GetDatum(runner_id);
				  RunnerFacts f;
				  bool isnull;

				  memset(&f, 0, sizeof(f));
				  need_spi();
				  if (saved_query_run_readonly_here(&access_runner_row, &arg, NULL) == 1)
				  {
					  int64 type = 0;
					  Datum linked;

					  f.id = runner_id;
					  (void) spi_result_int64(0, 1, &type);
					  f.type = (int) type;
					  f.has_owner = spi_result_int64(0, 2, &f.owner);
					  f.locked = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
															SPI_tuptable->tupdesc, 3, &isnull));
					  linked = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull);
					  f.linked_known = true;
					  f.linked = isnull ? idset_empty(CurrentMemoryContext) :
						  idset_of_array(CurrentMemoryContext, linked);
					  if (!runner_users_match(st, &f))
						  runner_users_build(st, &f);
					  st->last_runner = runner_id;
					  answer = st->runner.candidates;
				  }
			  });
	if (answer == (Datum) 0)
	{
		IdSet		none = {NULL, 0};

		PG_RETURN_DATUM(idset_array(&none));
	}
	PG_RETURN_DATUM(datumCopy(answer, false, -1));
}

/* ----------------------------------------------------------------------
 * Planner support of access_candidate()
 * ---------------------------------------------------------------------- */

/*
 * The planner support of access_candidate(user_id, admin, auditor, state,
 * runner_id, type, owner, locked[, linked]), as PostGIS makes ST_Intersects
 * indexable:
 *
 * - SupportRequestIndexCondition: on a btree index whose column is the
 *	 user_id argument, "user_id = ANY (users_of_runner(runner_id))"; on one
 *	 whose column is runner_id, "runner_id = ANY (runners_of_user(user_id))".
 *	 The other side must be another relation (a parameter of a nested loop)
 *	 or a constant.  Release 1.2's (nine arguments) is exact: the condition
 *	 holds every pair of which access_candidate() is true, and what it
 *	 holds besides, access_actions() lists nothing for, so the planner may
 *	 drop the call.  Release 1.1's is lossy, and the call checks each
 *	 candidate.
 * - SupportRequestSelectivity: a user reaches few runners, so that the
 *	 planner never prefers a cross join.
 */
#define ACCESS_ARG_USER		0
#define ACCESS_ARG_RUNNER	4

static Oid
access_function_oid(const char *name)
{
	Oid			argtypes[1] = {INT8OID};
	char	   *schema = get_namespace_name(runner_policy_extension_schema());

	return LookupFuncName(list_make2(makeString(schema), makeString(pstrdup(name))),
						  1, argtypes, false);
}

/*
 * Does the relation's own WHERE clause already fix the key to one value
 * ("runner_id = 42" with "user_id = 7")?  Then the candidates of the other
 * side would only be worked out to be narrowed to that one row: the call
 * decides the pair by itself, on the runner's narrowed levels.
 */
static bool
fixed_by_constant(RelOptInfo *rel, Node *key, Oid eq)
{
	ListCell   *lc;

	foreach(lc, rel->baserestrictinfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		OpExpr	   *op = (OpExpr *) rinfo->clause;

		if (IsA(op, OpExpr) && op->opno == eq && list_length(op->args) == 2 &&
			((equal(linitial(op->args), key) && IsA(lsecond(op->args), Const)) ||
			 (equal(lsecond(op->args), key) && IsA(linitial(op->args), Const))))
			return true;
	}
	return false;
}

Datum
rp_access_candidate_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);

	if (IsA(rawreq, SupportRequestSelectivity))
	{
		SupportRequestSelectivity *req = (SupportRequestSelectivity *) rawreq;

		req->selectivity = req->is_join ? 1e-6 : 1e-3;
		PG_RETURN_POINTER(req);
	}
	if (IsA(rawreq, SupportRequestIndexCondition))
	{
		SupportRequestIndexCondition *req = (SupportRequestIndexCondition *) rawreq;
		FuncExpr   *clause = (FuncExpr *) req->node;
		Node	   *key;
		Node	   *other;
		Oid			eq;

		if (!is_funcclause(clause) ||
			(list_length(clause->args) != 8 && list_length(clause->args) != 9) ||
			(req->indexarg != ACCESS_ARG_USER && req->indexarg != ACCESS_ARG_RUNNER) ||
			req->index->relam != BTREE_AM_OID)
			PG_RETURN_POINTER(NULL);
		key = (Node *) list_nth(clause->args, req->indexarg);
		other = (Node *) list_nth(clause->args, req->indexarg == ACCESS_ARG_USER ?
								  ACCESS_ARG_RUNNER : ACCESS_ARG_USER);
		if (exprType(key) != INT8OID || exprType(other) != INT8OID ||
			!is_pseudo_constant_for_index(req->root, other, req->index))
			PG_RETURN_POINTER(NULL);
		eq = get_opfamily_member(req->opfamily, INT8OID, INT8OID, BTEqualStrategyNumber);
		if (!OidIsValid(eq) || fixed_by_constant(req->index->rel, key, eq))
			PG_RETURN_POINTER(NULL);

		req->lossy = list_length(clause->args) == 8;
		PG_RETURN_POINTER(list_make1(any_of_function(eq, key,
													 access_function_oid(req->indexarg == ACCESS_ARG_USER ?
																		 "users_of_runner" : "runners_of_user"),
													 other, -1)));
	}
	PG_RETURN_POINTER(NULL);
}

/* ----------------------------------------------------------------------
 * Release 1.1's SQL
 *
 * Its view joins users and runners on the 8-argument access_candidate()
 * and lists the 8-argument access_actions(): every action, of every user,
 * administrators and instance runners included, each decided on the
 * kind's reach or the user's own; its candidates come from the link table
 * (the legacy sets of rules.c), as 1.1 did.
 * ---------------------------------------------------------------------- */

/* Every action a user may do to a runner (release 1.1's view). */
static uint8
legacy_mask(AccessState *st, int64 user_id, bool admin, bool auditor, bool active,
			const RunnerFacts *f)
{
	const KindDecision *d;
	uint8		mask;

	if (!active)
		return 0;
	if (pair_remembered(st, user_id, admin, auditor, active, f, &mask))
		return mask;
	d = kind_decide(st, kind_state(st, admin, auditor), f, ALL_ACTIONS);
	mask = d->by_kind == ALL_ACTIONS ? d->yes : decide_all(user_reach(st, user_id), st, f);
	return remember_pair(st, user_id, admin, auditor, active, f, mask);
}

static uint8
legacy_mask_of_args(FunctionCallInfo fcinfo)
{
	return mask_of_args(fcinfo, false, legacy_mask);
}

/* access_actions(8 arguments) -> text[]: every action, in the order of action_names */
Datum
rp_access_actions(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(actions_array(legacy_mask_of_args(fcinfo)));
}

/* access_candidate(8 arguments) -> boolean: the user may do anything to the runner */
Datum
rp_access_candidate(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(legacy_mask_of_args(fcinfo) != 0);
}

static SavedQuery runners_of_types = {
	"SELECT id FROM runner_policy.ci_runners WHERE runner_type = ANY ($1)",
	1, {INT8ARRAYOID}, NULL
};
static SavedQuery group_runners_owned_by = {
	"SELECT id FROM runner_policy.ci_runners"
	" WHERE runner_type = " CppAsString2(RUNNER_TYPE_GROUP) " AND sharding_key_id = ANY ($1)", 1, {INT8ARRAYOID}, NULL
};
static SavedQuery active_users = {
	"SELECT id FROM runner_policy.users WHERE state = 'active'", 0, {InvalidOid}, NULL
};

/*
 * The users who may have a right on a project runner: maintainers and
 * owners of its owner project and linked projects, directly or through an
 * ancestor group; and administrators and auditors.
 */
static SavedQuery project_runner_users = {
	"WITH p AS ("
	"  SELECT $2::bigint AS id"
	"  UNION SELECT project_id FROM runner_policy.ci_runner_projects WHERE runner_id = $1)"
	" SELECT pm.user_id FROM p JOIN runner_policy.project_members pm ON pm.project_id = p.id"
	"  WHERE pm.access_level >= " CppAsString2(LEVEL_MAINTAINER)
	" UNION SELECT gm.user_id FROM p"
	"   JOIN runner_policy.projects pr ON pr.id = p.id"
	"   JOIN runner_policy.namespaces n ON n.id = pr.namespace_id"
	"   JOIN runner_policy.group_members gm ON gm.namespace_id = ANY (n.traversal_ids)"
	"  WHERE gm.access_level >= " CppAsString2(LEVEL_MAINTAINER)
	" UNION SELECT id FROM runner_policy.users WHERE admin OR auditor",
	2, {INT8OID, INT8OID}, NULL
};

/*
 * The users who may have a right on a group runner: maintainers and owners
 * of its group or an ancestor, of a group below it, or of a project below
 * it; and administrators and auditors.
 */
static SavedQuery group_runner_users = {
	"WITH below AS ("
	"  SELECT id FROM runner_policy.namespaces WHERE traversal_ids @> ARRAY[$1::bigint])"
	" SELECT gm.user_id FROM runner_policy.namespaces g"
	"   JOIN runner_policy.group_members gm ON gm.namespace_id = ANY (g.traversal_ids)"
	"  WHERE g.id = $1 AND gm.access_level >= " CppAsString2(LEVEL_MAINTAINER)
	" UNION SELECT gm.user_id FROM below"
	"   JOIN runner_policy.group_members gm ON gm.namespace_id = below.id"
	"  WHERE gm.access_level >= " CppAsString2(LEVEL_MAINTAINER)
	" UNION SELECT pm.user_id FROM below"
	"   JOIN runner_policy.projects p ON p.namespace_id = below.id"
	"   JOIN runner_policy.project_members pm ON pm.project_id = p.id"
	"  WHERE pm.access_level >= " CppAsString2(LEVEL_MAINTAINER)
	" UNION SELECT id FROM runner_policy.users WHERE admin OR auditor",
	1, {INT8OID}, NULL
};

static IdSet
access_query_ids(AccessState *st, SavedQuery *query, Datum *args)
{
	(void) reach_query(query, args);
	return idset_from_spi(st->cxt);
}

/*
 * The runners on which the user may have a right: the union of the core's
 * own sets that the runner probes ask (runner_readable, runner_manageable,
 * the link rule), turned into runner ids.
 */
static IdSet
legacy_candidate_runners(AccessState *st, int64 user_id)
{
	Reach	   *r = user_reach(st, user_id);
	IdSet		out = {NULL, 0};
	IdSet		types;
	IdSet		owners;
	Datum		arg;

	out.ids = MemoryContextAlloc(st->cxt, sizeof(int64));
	if (reaches_all(r, RA_RUNNERS_READ))
	{
		int64		every[3] = {RUNNER_TYPE_INSTANCE, RUNNER_TYPE_GROUP, RUNNER_TYPE_PROJECT};

		types = idset_of(r->cxt, every, 3);
	}
	else
		types = idset_union(r->cxt, set_of(r, RS_RUNNER_READ_TYPES), set_of(r, RS_RUNNER_WRITE_TYPES));
	if (types.n > 0)
	{
		arg = idset_array(&types);
		out = idset_union(st->cxt, out, access_query_ids(st, &runners_of_types, &arg));
	}
	if (types.n == 3)
		return out;				/* every runner */
	/* project runners linked to a project the user maintains, or owned by one */
	out = idset_union(st->cxt, out, set_of(r, RS_LEGACY_RUNNER_READ_IDS));
	out = idset_union(st->cxt, out, set_of(r, RS_LEGACY_LINK_RUNNERS));
	out = idset_union(st->cxt, out, set_of(r, RS_LEGACY_UNLINK_RUNNERS));
	out = idset_union(st->cxt, out, set_of(r, RS_LEGACY_LINK_READ_RUNNERS));
	owners = idset_union(r->cxt, set_of(r, RS_RUNNER_READ_GROUPS), set_of(r, RS_RUNNER_WRITE_GROUPS));
	if (owners.n > 0)
	{
		arg = idset_array(&owners);
		out = idset_union(st->cxt, out, access_query_ids(st, &group_runners_owned_by, &arg));
	}
	return out;
}

/* The users who may have a right on the runner (a superset: see above). */
static IdSet
legacy_candidate_users(AccessState *st, int64 runner_id)
{
	RunnerFacts runner;
	Datum		args[2];

	if (!stored_runner(runner_id, &runner))
	{
		IdSet		none = {MemoryContextAlloc(st->cxt, sizeof(int64)), 0};

		return none;
	}
	if (runner.type == RUNNER_TYPE_INSTANCE)
		return access_query_ids(st, &active_users, NULL);
	args[0] = Int64GetDatum(runner.type == RUNNER_TYPE_GROUP ? runner.owner : runner_id);
	args[1] = Int64GetDatum(runner.owner);
	if (runner.type == RUNNER_TYPE_GROUP)
	{
		if (!runner.has_owner)
			args[0] = Int64GetDatum(0);
		return access_query_ids(st, &group_runner_users, args);
	}
	if (!runner.has_owner)
		args[1] = Int64GetDatum(0);
	return access_query_ids(st, &project_runner_users, args);
}

/* runners_of_user(user_id bigint) -> bigint[] (release 1.1) */
Datum
rp_runners_of_user(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(runners_of_user_array(fcinfo, legacy_candidate_runners));
}

/* users_of_runner(runner_id bigint) -> bigint[] (release 1.1) */
Datum
rp_users_of_runner(PG_FUNCTION_ARGS)
{
	AccessState *st;
	int64		runner_id;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	runner_id = PG_GETARG_INT64(0);
	st = access_current();
	access_check(st);
	if (st->users_array == (Datum) 0 || st->users_runner != runner_id)
		WITH_CALL(
				  {
					  IdSet set = legacy_candidate_users(st, runner_id);
					  MemoryContext old = MemoryContextSwitchTo(st->cxt);

					  st->users_array = idset_array(&set);
					  st->users_runner = runner_id;
					  MemoryContextSwitchTo(old);
				  });
	PG_RETURN_DATUM(datumCopy(st->users_array, false, -1));
}

/* The saved queries of this file, for runner_policy.saved_queries() (saved_queries.c). */
const SavedQueryEntry access_view_saved_queries[] = {
	SAVED_QUERY_ENTRY(runner_project_levels),
	SAVED_QUERY_ENTRY(runner_group_levels),
	SAVED_QUERY_ENTRY(runner_link_witness),
	SAVED_QUERY_ENTRY(member_project_runners),
	SAVED_QUERY_ENTRY(member_group_runners),
	SAVED_QUERY_ENTRY(access_runner_row),
	SAVED_QUERY_ENTRY(runners_of_types),
	SAVED_QUERY_ENTRY(group_runners_owned_by),
	SAVED_QUERY_ENTRY(active_users),
	SAVED_QUERY_ENTRY(project_runner_users),
	SAVED_QUERY_ENTRY(group_runner_users),
	{NULL, NULL}
};
