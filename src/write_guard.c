/*-------------------------------------------------------------------------
 *
 * write_guard.c
 *	  The columns an actor may change, where row-level security cannot say.
 *
 * Row-level security decides which rows an actor may write; it cannot say
 * which columns.  For roles subject to row-level security:
 *	- a runner changes only its own contacted_at, and of jobs only runner_id
 *	  (taking a pending job for itself), status, started_at, finished_at;
 *	- a user who is not an administrator cancels jobs, and changes nothing
 *	  else of a job.  (What a new job may look like is the INSERT policy's.)
 *	- a user moves a group or project only out of a group they own and
 *	  into a group they own.
 *
 * Every decision is the policy core's (policy_core.h); this file only reads
 * the old and new rows.
 *
 * src/write_guard.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"

#include "actor.h"
#include "owner_spi.h"
#include "policy_core.h"
#include "runner_policy.h"

PG_FUNCTION_INFO_V1(rp_actor_write_guard);

/* The table a guard trigger is on, as its argument names it. */
typedef enum GuardedTable
{
	GUARD_RUNNERS,
	GUARD_JOBS,
	GUARD_NAMESPACES,
	GUARD_PROJECTS
} GuardedTable;

static GuardedTable
guarded_table(TriggerData *td)
{
	static const char *const names[] = {
		[GUARD_RUNNERS] = "runners",
		[GUARD_JOBS] = "jobs",
		[GUARD_NAMESPACES] = "namespaces",
		[GUARD_PROJECTS] = "projects",
	};
	Trigger    *trigger = td->tg_trigger;

	const char *name = trigger->tgnargs == 1 ? trigger->tgargs[0] : NULL;

	/* the SQL of releases before 1.2 passes none: the extension's tables, by oid */
	if (name == NULL)
	{
		Oid			relid = RelationGetRelid(td->tg_relation);
		Oid			nsp = runner_policy_extension_schema();

		return relid == get_relname_relid("ci_builds", nsp) ? GUARD_JOBS :
			relid == get_relname_relid("namespaces", nsp) ? GUARD_NAMESPACES :
			relid == get_relname_relid("projects", nsp) ? GUARD_PROJECTS : GUARD_RUNNERS;
	}
	for (int i = 0; i < (int) lengthof(names); i++)
		if (strcmp(name, names[i]) == 0)
			return (GuardedTable) i;
	elog(ERROR, "actor_write_guard: unrecognized table \"%s\"", name);
	pg_unreachable();
}

/* Refuses a change to any column but those listed. */
static void
only_columns(HeapTuple oldtup, HeapTuple newtup, TupleDesc desc,
			 const char *const *allowed, const char *who, const char *what)
{
	for (int i = 1; i <= desc->natts; i++)
	{
		const char *name = NameStr(TupleDescAttr(desc, i - 1)->attname);
		bool		ok = TupleDescAttr(desc, i - 1)->attisdropped;

		for (int k = 0; !ok && allowed[k] != NULL; k++)
			ok = strcmp(name, allowed[k]) == 0;
		if (!ok && row_column_changed(oldtup, newtup, desc, i))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("%s may not change %s of %s", who, name, what)));
	}
}

Datum
rp_actor_write_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data_checked(fcinfo, "actor_write_guard");
	Relation	rel = td->tg_relation;
	TupleDesc	desc = RelationGetDescr(rel);
	bool		is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	HeapTuple	newtup = is_update ? td->tg_newtuple : td->tg_trigtuple;
	GuardedTable table = guarded_table(td);
	bool		jobs = table == GUARD_JOBS;
	ActorKind	kind;
	int64		self;

	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "actor_write_guard must fire BEFORE, FOR EACH ROW");

	/* superusers and BYPASSRLS roles: row-level security does not apply */
	if (check_enable_rls(RelationGetRelid(rel), InvalidOid, true) != RLS_ENABLED)
		return PointerGetDatum(newtup);

	if (policy_actor_is_admin())
		return PointerGetDatum(newtup);
	kind = policy_actor_kind();
	self = policy_actor_runner_id();

	if (kind == ACTOR_RUNNER && is_update)
	{
		static const char *const runner_columns[] = {"contacted_at", NULL};
		static const char *const job_columns[] = {"runner_id", "status", "started_at", "finished_at", NULL};
		char		what[64];

		snprintf(what, sizeof(what), jobs ? "a job" : "runner %lld", (long long) self);
		only_columns(td->tg_trigtuple, newtup, desc,
					 jobs ? job_columns : runner_columns, "a runner", what);
		if (jobs)
		{
			int64		runner = 0;

			if (row_get_int64(newtup, desc, "runner_id", &runner) && runner != self)
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("runner %lld may take jobs only for itself", (long long) self)));
		}
	}
	else if (kind == ACTOR_USER && is_update &&
			 (table == GUARD_NAMESPACES || table == GUARD_PROJECTS))
	{
		/*
		 * Moving a group or project takes it out of one group and puts it
		 * into another: it needs owner rights on both (doc/permissions.md), or
		 * a maintainer of a project could carry it into a group of her own
		 * and own it from then on.  The top level is the admins' on either
		 * side.  The refusal names neither group: the actor may read
		 * neither.
		 */
		bool		group = table == GUARD_NAMESPACES;
		const char *column = group ? "parent_id" : "namespace_id";
		int			attnum = SPI_fnumber(desc, column);
		int64		source = 0;
		int64		target = 0;
		bool		leaves_ok = false;
		bool		enters_ok = false;

		if (!row_column_changed(td->tg_trigtuple, newtup, desc, attnum))
			return PointerGetDatum(newtup);
		if (row_get_int64(td->tg_trigtuple, desc, column, &source))
			leaves_ok = policy_owns_namespace(source);
		if (row_get_int64(newtup, desc, column, &target))
			enters_ok = policy_owns_namespace(target);
		if (!leaves_ok)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to move %s out of %s",
							group ? "a group" : "a project",
							source == 0 ? "the top level" : "its group"),
					 errdetail("A move needs owner rights on the group it leaves and on the group it enters."),
					 errhint("Ask an owner of its group to move it.")));
		if (!enters_ok)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to move %s into %s",
							group ? "a group" : "a project",
							target == 0 ? "the top level" : psprintf("namespace %lld", (long long) target)),
					 errhint("Move it into a group you own.")));
	}
	else if (kind == ACTOR_USER && jobs && is_update)
	{
		static const char *const cancel_columns[] = {"status", "finished_at", NULL};
		char	   *status = SPI_getvalue(newtup, desc, SPI_fnumber(desc, "status"));

		only_columns(td->tg_trigtuple, newtup, desc, cancel_columns, "a user", "a job");
		if (row_column_changed(td->tg_trigtuple, newtup, desc, SPI_fnumber(desc, "status")) &&
			(status == NULL || strcmp(status, "canceled") != 0))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("a user may only cancel a job"),
					 errhint("Set status to 'canceled'; runners report the other states.")));
	}
	return PointerGetDatum(newtup);
}
