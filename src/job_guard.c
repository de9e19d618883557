/*-------------------------------------------------------------------------
 *
 * job_guard.c
 *	  A job's status only moves forward, and a finished job is final.
 *
 * A job goes created -> pending -> running -> success, failed or canceled.
 * It may skip steps forward (a created job is canceled, a pending job fails
 * when no runner takes it), never back: a running job does not return to
 * the queue, and a finished job (success, failed, canceled) never changes
 * status again.  Job tokens live exactly while their job is 'running', so a
 * job that cannot go back to 'running' keeps its tokens dead for good.
 *
 * A job that leaves 'running' also revokes its tokens, for every role: a
 * superuser who sets a finished job back to 'running' by hand does not
 * bring its tokens back (doc/invariants.md: they are dead for good).
 *
 * The status rule holds for every role but a superuser (doc/permissions.md): not a runner
 * reporting on its own job, not an administrator, not the tables' owner.  A
 * retry is a new job, as in GitLab.  Other columns of a finished job
 * (runner_id set NULL when its runner goes, finished_at) may still change,
 * within what the write guard allows the actor.
 *
 * src/job_guard.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/rel.h"

#include "catalog/pg_type.h"

#include "owner_spi.h"
#include "runner_policy.h"

PG_FUNCTION_INFO_V1(rp_ci_builds_status_guard);

static SavedQuery revoke_job_tokens = {
	"UPDATE runner_policy.tokens SET revoked_at = pg_catalog.statement_timestamp()"
	" WHERE job_id = $1 AND revoked_at IS NULL", 1, {INT8OID}, NULL
};

/* The job left 'running': its tokens die for good, whoever set it back. */
static void
revoke_tokens_of(Relation rel, int64 job_id)
{
	Datum		arg = Int64GetDatum(job_id);
	OwnerSpi	spi;

	owner_spi_begin(&spi, rel->rd_rel->relowner);
	(void) saved_query_run(&revoke_job_tokens, &arg, NULL);
	owner_spi_end(&spi);
}

/* created 0, pending 1, running 2, finished 3; -1 for anything else */
static int
status_rank(const char *status)
{
	if (status == NULL)
		return -1;
	if (strcmp(status, "created") == 0)
		return 0;
	if (strcmp(status, "pending") == 0)
		return 1;
	if (strcmp(status, "running") == 0)
		return 2;
	if (strcmp(status, "success") == 0 || strcmp(status, "failed") == 0 ||
		strcmp(status, "canceled") == 0)
		return 3;
	return -1;
}

Datum
rp_ci_builds_status_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data_checked(fcinfo, "ci_builds_status_guard");
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	HeapTuple	oldtup = td->tg_trigtuple;
	HeapTuple	newtup = td->tg_newtuple;
	int			attnum;
	char	   *old_status;
	char	   *new_status;
	int			old_rank;
	int			new_rank;
	int64		id = 0;

	if (!TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		elog(ERROR, "ci_builds_status_guard must fire AFTER UPDATE, FOR EACH ROW");

	attnum = SPI_fnumber(desc, "status");
	if (attnum <= 0)
		elog(ERROR, "column \"status\" does not exist");
	old_status = SPI_getvalue(oldtup, desc, attnum);
	new_status = SPI_getvalue(newtup, desc, attnum);

	/* unchanged (the WHEN clause already skips most of these) */
	if (new_status == NULL ||
		(old_status != NULL && strcmp(old_status, new_status) == 0))
		return PointerGetDatum(NULL);

	(void) row_get_int64(oldtup, desc, "id", &id);
	if (old_status != NULL && strcmp(old_status, "running") == 0)
		revoke_tokens_of(td->tg_relation, id);

	/* the one exception of doc/permissions.md: a superuser repairs by hand */
	if (superuser())
		return PointerGetDatum(NULL);

	old_rank = status_rank(old_status);
	new_rank = status_rank(new_status);

	/*
	 * AFTER the row is written, so that row-level security (the actor's
	 * rights) has had its say first; the row is one the actor may update,
	 * so naming it tells nothing new.  The error undoes the update.
	 */
	if (old_rank == 3)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot change the status of finished job %lld",
						(long long) id),
				 errdetail("Job %lld is %s; a finished job keeps its status for good.",
						   (long long) id, old_status),
				 errhint("Create a new job to run it again.")));
	/* an unknown new status is the CHECK constraint's to refuse */
	if (new_rank >= 0 && old_rank >= 0 && new_rank < old_rank)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot move job %lld back from %s to %s",
						(long long) id, old_status, new_status),
				 errdetail("A job goes from created to pending to running to a finished status, never back."),
				 errhint("Cancel the job and create a new one to run it again.")));
	return PointerGetDatum(NULL);
}

/* The saved queries of this file, for runner_policy.saved_queries() (saved_queries.c). */
const SavedQueryEntry job_guard_saved_queries[] = {
	SAVED_QUERY_ENTRY(revoke_job_tokens),
	{NULL, NULL}
};
