/*-------------------------------------------------------------------------
 *
 * row_origin.c
 *	  The extension, not the actor, writes who and when (doc/permissions.md).
 *
 * For a role subject to row-level security, on every table that has them:
 *	- created_at is now() and created_by_id the acting user (NULL for an
 *	  actor that is not a user), whatever the INSERT said; an UPDATE keeps
 *	  the stored values;
 *	- id comes from the table's identity sequence.  An INSERT that names an
 *	  id of its own is refused, and so is an UPDATE that changes one: an
 *	  actor that chose ids could take the ids other users' inserts will draw
 *	  and make them fail, or bring back the id of a deleted row.
 * A runner's contacted_at is never in the future, for every role: a later
 * time is clamped to the time of the write, so a runner with a fast clock
 * still reports in, and nobody makes a runner look online ahead of time.
 *
 * Superusers, BYPASSRLS roles and the tables' owner are exempt from the
 * first two: that is how a migration loads a legacy forge's rows with their
 * ids and history.  The extension's own writes run as the owner.
 *
 * An id drawn by the identity default is the value nextval() just returned
 * in this session, so the trigger compares it with currval() of the
 * sequence.  currval() fails when the session has not drawn from the
 * sequence yet; it runs in a subtransaction so that failure means "chosen".
 *
 * src/row_origin.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/timestamp.h"

#include "actor.h"
#include "policy_core.h"
#include "runner_policy.h"

/*
 * created_at: the transaction's start; on Citus (citus_assertion.c) the
 * distributed transaction's, so that every copy of a reference table gets
 * the same.
 */
RowOriginTimeHook row_origin_time_hook = NULL;

PG_FUNCTION_INFO_V1(rp_row_origin);

/* Up to three columns are rewritten; index by these. */
#define MAX_COLUMNS 3

typedef struct Rewrite
{
	int			ncols;
	int			cols[MAX_COLUMNS];
	Datum		values[MAX_COLUMNS];
	bool		nulls[MAX_COLUMNS];
} Rewrite;

static void
rewrite_add(Rewrite *rw, int attnum, Datum value, bool isnull)
{
	Assert(rw->ncols < MAX_COLUMNS);
	rw->cols[rw->ncols] = attnum;
	rw->values[rw->ncols] = value;
	rw->nulls[rw->ncols] = isnull;
	rw->ncols++;
}

/* The column's number, or 0 when the table has no such column. */
static int
column_number(TupleDesc desc, const char *name)
{
	int			attnum = SPI_fnumber(desc, name);

	return attnum > 0 ? attnum : 0;
}

/*
 * Is the write a migration's rather than an actor's: a role row-level
 * security does not apply to, or the tables' owner (whom FORCE ROW LEVEL
 * SECURITY otherwise subjects to the policies)?
 */
static bool
writer_is_migration(Relation rel)
{
	if (check_enable_rls(RelationGetRelid(rel), InvalidOid, true) != RLS_ENABLED)
		return true;
	return has_privs_of_role(GetUserId(), rel->rd_rel->relowner);
}

/*
 * Did this session's last nextval() of the sequence return id?  currval()
 * runs as the sequence's owner (the caller needs no right on it) in a
 * subtransaction; "not yet defined in this session" means no.
 */
static bool
drawn_in_this_session(Oid seqid, Oid owner, int64 id)
{
	MemoryContext caller = CurrentMemoryContext;
	ResourceOwner owner_before = CurrentResourceOwner;
	volatile bool drawn = false;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(caller);
	PG_TRY();
	{
		Oid			saved_userid;
		int			saved_sec_context;
		Datum		last;

		GetUserIdAndSecContext(&saved_userid, &saved_sec_context);
		SetUserIdAndSecContext(owner,
							   saved_sec_context | SECURITY_LOCAL_USERID_CHANGE);
		last = DirectFunctionCall1(currval_oid, ObjectIdGetDatum(seqid));
		SetUserIdAndSecContext(saved_userid, saved_sec_context);
		drawn = DatumGetInt64(last) == id;
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller);
		CurrentResourceOwner = owner_before;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(caller);
		edata = CopyErrorData();
		FlushErrorState();
		/* the subtransaction's abort puts the user id back */
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller);
		CurrentResourceOwner = owner_before;
		if (edata->sqlerrcode != ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE)
			ReThrowError(edata);
		FreeErrorData(edata);
		drawn = false;
	}
	PG_END_TRY();
	return drawn;
}

static void
check_new_id(Relation rel, TupleDesc desc, HeapTuple tuple, int id_att)
{
	Oid			seqid;
	bool		isnull;
	Datum		value;

	seqid = getIdentitySequence(RelationGetRelid(rel), id_att, true);
	if (!OidIsValid(seqid))
		return;
	value = heap_getattr(tuple, id_att, desc, &isnull);
	/* a NULL id is refused by its NOT NULL constraint right after us */
	if (isnull)
		return;
	if (!drawn_in_this_session(seqid, rel->rd_rel->relowner,
							   DatumGetInt64(value)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to choose the id of a new row in %s",
						RelationGetRelationName(rel)),
				 errdetail("Ids come from the table's identity sequence."),
				 errhint("Leave the id column out of the INSERT.")));
}

/* The live user the actor is, or 0 for none and for other kinds. */
static int64
acting_user(void)
{
	const Actor *actor;

	if (policy_actor_kind() != ACTOR_USER)
		return 0;
	actor = actor_current();
	if (actor == NULL || !policy_actor_is_user(actor->user_id))
		return 0;
	return actor->user_id;
}

Datum
rp_row_origin(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data_checked(fcinfo, "row_origin");
	Relation	rel = td->tg_relation;
	TupleDesc	desc = RelationGetDescr(rel);
	bool		is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	HeapTuple	oldtup = is_update ? td->tg_trigtuple : NULL;
	HeapTuple	tuple = is_update ? td->tg_newtuple : td->tg_trigtuple;
	int			id_att = column_number(desc, "id");
	int			created_at_att = column_number(desc, "created_at");
	int			created_by_att = column_number(desc, "created_by_id");
	int			contacted_att = column_number(desc, "contacted_at");
	Rewrite		rw = {0};

	if (!TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(is_update || TRIGGER_FIRED_BY_INSERT(td->tg_event)))
		elog(ERROR, "row_origin must fire BEFORE INSERT OR UPDATE, FOR EACH ROW");

	/* contacted_at: never in the future, whoever writes it */
	if (contacted_att > 0)
	{
		bool		isnull;
		Datum		value = heap_getattr(tuple, contacted_att, desc, &isnull);
		TimestampTz now = GetCurrentTimestamp();

		if (!isnull && DatumGetTimestampTz(value) > now)
			rewrite_add(&rw, contacted_att, TimestampTzGetDatum(now), false);
	}

	if (!writer_is_migration(rel))
	{
		if (!is_update)
		{
			int64		user_id;

			if (id_att > 0)
				check_new_id(rel, desc, tuple, id_att);
			if (created_at_att > 0)
				rewrite_add(&rw, created_at_att,
							TimestampTzGetDatum(row_origin_time_hook != NULL ?
												row_origin_time_hook() :
												GetCurrentTransactionStartTimestamp()),
							false);
			if (created_by_att > 0)
			{
				user_id = acting_user();
				rewrite_add(&rw, created_by_att, Int64GetDatum(user_id),
							user_id == 0);
			}
		}
		else
		{
			if (id_att > 0)
			{
				bool		oldnull,
							newnull;
				Datum		oldval = heap_getattr(oldtup, id_att, desc, &oldnull);
				Datum		newval = heap_getattr(tuple, id_att, desc, &newnull);

				if (oldnull != newnull ||
					(!oldnull && DatumGetInt64(oldval) != DatumGetInt64(newval)))
					ereport(ERROR,
							(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
							 errmsg("permission denied to change the id of a row in %s",
									RelationGetRelationName(rel)),
							 errdetail("Ids come from the table's identity sequence and never change.")));
			}
			/* who and when stay what they were */
			if (created_at_att > 0)
			{
				bool		isnull;
				Datum		value = heap_getattr(oldtup, created_at_att, desc, &isnull);

				rewrite_add(&rw, created_at_att, value, isnull);
			}
			if (created_by_att > 0)
			{
				bool		isnull;
				Datum		value = heap_getattr(oldtup, created_by_att, desc, &isnull);

				rewrite_add(&rw, created_by_att, value, isnull);
			}
		}
	}

	if (rw.ncols == 0)
		return PointerGetDatum(tuple);
	return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, rw.ncols,
													 rw.cols, rw.values,
													 rw.nulls));
}
