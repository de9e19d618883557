/*-------------------------------------------------------------------------
 *
 * actor.c
 *	  Who the session is acting for, held in backend memory.
 *
 * The actor is the person, token or runner that every policy decision is
 * made for.  It lives in a static variable of this file and nowhere else: no
 * setting, no table and no function argument that SQL could write or replay
 * holds it.  Only authenticate() (with a token) and act_as() (for a role the
 * DBA trusts to name its user) set it; reset_actor() and DISCARD ALL (seen by
 * statement.c's utility hook) end it.  Those functions ask a guard first
 * (actor_check_change): statement.c refuses to let the actor change in the
 * middle of a statement that writes the extension's tables, so that every
 * audit log entry names the actor whose rights applied to its change.
 *
 * Lifetime.  An actor set inside a transaction that aborts is undone, like a
 * SET: a stack of (subtransaction, previous actor) entries restores the
 * actor as it was when the aborted (sub)transaction first changed it.  An
 * actor set with is_local ends when its transaction ends, committed or not,
 * so a transaction-pooled connection never hands it to the next client.
 * Clearing (reset_actor, DISCARD ALL, a failed authentication) is not undone
 * by a rollback: nothing may bring back an actor the session gave up.
 *
 * actor_generation() changes on every change of actor, so that caches of
 * what the actor may reach (policy_core.c) never outlive it.
 *
 * src/actor.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "actor.h"
#include "owner_spi.h"
#include "runner_policy.h"

PG_FUNCTION_INFO_V1(rp_act_as);
PG_FUNCTION_INFO_V1(rp_reset_actor);
PG_FUNCTION_INFO_V1(rp_current_actor);

static Actor current;
static uint64 generation = 1;

/* What to restore if the (sub)transaction that changed the actor aborts. */
typedef struct ActorUndo
{
	SubTransactionId subid;
	Actor		saved;
} ActorUndo;

static ActorUndo *undo_stack = NULL;
static int	undo_depth = 0;
static int	undo_size = 0;

static const char *const scope_names[SCOPE_COUNT] = {
	"read_runners", "read_jobs", "read_api", "api", "read_repository",
	"write_repository", "read_registry", "write_registry", "write_releases"
};

const char *
scope_name(int bit)
{
	Assert(bit >= 0 && bit < SCOPE_COUNT);
	return scope_names[bit];
}

/* The bit of a scope name, or 0 for a name that is not a scope. */
uint32
scope_parse(const char *name)
{
	for (int i = 0; i < SCOPE_COUNT; i++)
		if (strcmp(name, scope_names[i]) == 0)
			return 1u << i;
	return 0;
}

const char *
actor_kind_name(ActorKind kind)
{
	switch (kind)
	{
		case ACTOR_USER:
			return "user";
		case ACTOR_INSTANCE_TOKEN:
			return "instance_token";
		case ACTOR_JOB_TOKEN:
			return "job_token";
		case ACTOR_EXTENDED_JOB_TOKEN:
			return "extended_job_token";
		case ACTOR_RUNNER:
			return "runner";
		case ACTOR_NONE:
			break;
	}
	return NULL;
}

/*
 * Set by citus_assertion.c: the actor a Citus worker borrows from the
 * coordinator's verified assertion.  Asked only while this backend has no
 * actor of its own: an actor set here always wins.
 */
static ActorBorrowHook borrow_hook = NULL;

void
actor_register_borrow_hook(ActorBorrowHook hook)
{
	borrow_hook = hook;
}

const Actor *
actor_current(void)
{
	if (current.kind == ACTOR_NONE && borrow_hook != NULL)
	{
		const Actor *borrowed = borrow_hook(false);

		if (borrowed != NULL)
			return borrowed;
	}
	return &current;
}

/* The same, reporting an assertion that is refused: for the policy core. */
const Actor *
actor_current_checked(void)
{
	if (current.kind == ACTOR_NONE && borrow_hook != NULL)
	{
		const Actor *borrowed = borrow_hook(true);

		if (borrowed != NULL)
			return borrowed;
	}
	return &current;
}

uint64
actor_generation(void)
{
	/* a borrowed actor that came or went moves the generation first */
	if (current.kind == ACTOR_NONE && borrow_hook != NULL)
		(void) borrow_hook(false);
	return generation;
}

/* The layers above that follow the actor (plan_binding.c, monitor.c, statement.c). */
#define MAX_CHANGE_CALLBACKS	4
static ActorChangeCallback change_callbacks[MAX_CHANGE_CALLBACKS];
static int	nchange_callbacks = 0;

void
actor_register_change_callback(ActorChangeCallback callback)
{
	if (nchange_callbacks == MAX_CHANGE_CALLBACKS)
		elog(ERROR, "too many actor change callbacks");
	change_callbacks[nchange_callbacks++] = callback;
}

static ActorChangeGuard change_guard = NULL;

void
actor_register_change_guard(ActorChangeGuard guard)
{
	change_guard = guard;
}

/*
 * Only the SQL functions that set or end the actor ask: the transaction
 * callbacks, DISCARD ALL and the end of a dead actor must always succeed.
 */
void
actor_check_change(const char *function_name)
{
	if (change_guard != NULL)
		change_guard(function_name);
}

static void
replace_actor(const Actor *actor)
{
	current = *actor;
	generation++;
	for (int i = 0; i < nchange_callbacks; i++)
		change_callbacks[i] (&current);
}

/*
 * The borrowed actor (or none) changed: a new generation, and the layers
 * above are told, as for an actor set here.
 */
void
actor_borrowed_changed(const Actor *actor)
{
	Actor		none;

	if (actor == NULL)
	{
		memset(&none, 0, sizeof(none));
		actor = &none;
	}
	generation++;
	for (int i = 0; i < nchange_callbacks; i++)
		change_callbacks[i] (actor);
}

/* Clears the actor for good: no rollback brings it back. */
void
actor_clear(void)
{
	Actor		none;

	memset(&none, 0, sizeof(none));
	replace_actor(&none);
	undo_depth = 0;
}

void
actor_set(const Actor *actor)
{
	SubTransactionId subid = GetCurrentSubTransactionId();

	/*
	 * As SET LOCAL does: outside a transaction block it lasts one statement.
	 * The client hears it every time; the server log once per backend, for
	 * an application that does it on purpose would fill the log with it.
	 */
	if (actor->is_local && !IsTransactionBlock())
	{
		static bool logged = false;

		ereport(logged ? WARNING_CLIENT_ONLY : WARNING,
				(errcode(ERRCODE_NO_ACTIVE_SQL_TRANSACTION),
				 errmsg("the actor ends with this statement"),
				 errdetail("Outside a transaction block, an actor set with is_local => true lasts until the end of the statement."),
				 errhint("Set the actor after BEGIN, or pass is_local => false for an actor that lasts the session.")));
		logged = true;
	}

	if (undo_depth == 0 || undo_stack[undo_depth - 1].subid != subid)
	{
		if (undo_depth == undo_size)
		{
			int			newsize = undo_size == 0 ? 8 : undo_size * 2;

			undo_stack = undo_stack == NULL ?
				MemoryContextAlloc(TopMemoryContext, newsize * sizeof(ActorUndo)) :
				repalloc(undo_stack, newsize * sizeof(ActorUndo));
			undo_size = newsize;
		}
		undo_stack[undo_depth].subid = subid;
		undo_stack[undo_depth].saved = current;
		undo_depth++;
	}
	replace_actor(actor);
}

static void
actor_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			if (undo_depth > 0)
				replace_actor(&undo_stack[0].saved);
			/* FALLTHROUGH */
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PREPARE:
			undo_depth = 0;
			if (current.is_local)
				actor_clear();
			break;
		default:
			break;
	}
}

static void
actor_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (undo_depth == 0 || undo_stack[undo_depth - 1].subid != mySubid)
		return;

	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		replace_actor(&undo_stack[undo_depth - 1].saved);
		undo_depth--;
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		/* the parent now answers for the change; keep its older entry */
		if (undo_depth >= 2 && undo_stack[undo_depth - 2].subid == parentSubid)
			undo_depth--;
		else
			undo_stack[undo_depth - 1].subid = parentSubid;
	}
}

void
actor_init(void)
{
	memset(&current, 0, sizeof(current));
	RegisterXactCallback(actor_xact_callback, NULL);
	RegisterSubXactCallback(actor_subxact_callback, NULL);
}

/* ----------------------------------------------------------------------
 * SQL functions
 * ---------------------------------------------------------------------- */

static bool
is_local_argument(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("is_local must not be null")));
	return PG_GETARG_BOOL(argno);
}

static SavedQuery active_user = {
	"SELECT admin, auditor FROM runner_policy.users WHERE id = $1 AND state = 'active'",
	1, {INT8OID}, NULL
};

/*
 * act_as(user_id bigint, is_local boolean) -> text
 *
 * EXECUTE is revoked from PUBLIC: the DBA grants it to the forge's
 * application role, which is trusted to say who its user is.
 */
Datum
rp_act_as(PG_FUNCTION_ARGS)
{
	int64		user_id;
	bool		is_local;
	bool		found;
	OwnerSpi	spi;
	Datum		arg;
	Actor		actor;
	bool		admin = false;
	bool		auditor = false;

	actor_check_change("act_as");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("user_id must not be null")));
	user_id = PG_GETARG_INT64(0);
	is_local = is_local_argument(fcinfo, 1);

	arg = Int64GetDatum(user_id);
	owner_spi_begin(&spi, runner_policy_tables_owner());
	found = saved_query_run_latest(&active_user, &arg, NULL) > 0;
	if (found)
	{
		bool		isnull;

		admin = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		auditor = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	}
	owner_spi_end(&spi);

	if (!found)
	{
		actor_clear();
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("cannot act as user %lld", (long long) user_id),
				 errdetail("No active user has that id."),
				 errhint("Blocked users cannot be acted as.")));
	}

	memset(&actor, 0, sizeof(actor));
	actor.kind = ACTOR_USER;
	actor.user_id = user_id;
	actor.is_local = is_local;
	actor.admin_hint = admin;
	actor.auditor_hint = auditor;
	actor_set(&actor);
	PG_RETURN_TEXT_P(cstring_to_text(actor_kind_name(actor.kind)));
}

Datum
rp_reset_actor(PG_FUNCTION_ARGS)
{
	actor_check_change("reset_actor");
	actor_clear();
	PG_RETURN_VOID();
}

/* current_actor() -> (kind, user_id, token_id, scopes); all NULL with none */
Datum
rp_current_actor(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[4];
	bool		nulls[4] = {true, true, true, true};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	desc = BlessTupleDesc(desc);

	if (current.kind != ACTOR_NONE)
	{
		Datum		scopes[SCOPE_COUNT];
		int			n = 0;

		values[0] = CStringGetTextDatum(actor_kind_name(current.kind));
		nulls[0] = false;
		if (current.user_id != 0)
		{
			values[1] = Int64GetDatum(current.user_id);
			nulls[1] = false;
		}
		if (current.token_id != 0)
		{
			values[2] = Int64GetDatum(current.token_id);
			nulls[2] = false;
		}
		for (int i = 0; i < SCOPE_COUNT; i++)
			if (current.scopes & (1u << i))
				scopes[n++] = CStringGetTextDatum(scope_names[i]);
		if (current.kind != ACTOR_USER && current.kind != ACTOR_RUNNER)
		{
			values[3] = PointerGetDatum(construct_array(scopes, n, TEXTOID, -1,
														false, TYPALIGN_INT));
			nulls[3] = false;
		}
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/* The saved queries of this file, for runner_policy.saved_queries() (saved_queries.c). */
const SavedQueryEntry actor_saved_queries[] = {
	SAVED_QUERY_ENTRY(active_user),
	{NULL, NULL}
};
