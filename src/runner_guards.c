/*-------------------------------------------------------------------------
 *
 * runner_guards.c
 *	  The ownership invariants of SPEC section 6, as trigger functions.
 *
 * A project runner has one owner project for life, linked at once; a group
 * runner has exactly its owner namespace; runner_type and sharding_key_id
 * never change; the owner link goes only with the runner or its owner; and
 * deleting an owner takes its runners along.  These triggers fire for every
 * role, superusers included.  Only session_replication_role = replica, which
 * a data-only restore of a legacy forge uses, skips them; check_invariants()
 * and backfill_owners() repair what such a load leaves.
 *
 * Row locks.  Checks that let a row in lock what it depends on FOR KEY SHARE
 * (the lock a foreign key takes), so that a concurrent delete of the runner
 * or owner either waits for us or makes us fail cleanly with "does not
 * exist".  Checks that refuse a delete do not lock: a concurrent delete of
 * the runner already holds the link row we would wait on, and taking the
 * runner behind it would deadlock.
 *
 * Hidden rows (SPEC section 8).  These triggers run before row-level
 * security checks the new row.  For a writer subject to it, a write that
 * involves a runner, project or namespace the actor may not read is refused
 * first, as row-level security refuses a row (write_rls.h), before any check
 * that would name the row or tell whether it exists.  Superusers and
 * BYPASSRLS roles get the full messages.
 *
 * src/runner_guards.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/rel.h"

#include "owner_spi.h"
#include "policy_core.h"
#include "restore.h"
#include "runner_policy.h"
#include "token.h"
#include "write_rls.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#define VALID_RUNNER_TYPES_HINT \
	"Use " CppAsString2(RUNNER_TYPE_INSTANCE) " (instance_type), " \
	CppAsString2(RUNNER_TYPE_GROUP) " (group_type) or " \
	CppAsString2(RUNNER_TYPE_PROJECT) " (project_type)."

PG_FUNCTION_INFO_V1(rp_ci_runners_guard);
PG_FUNCTION_INFO_V1(rp_ci_runners_link_owner);
PG_FUNCTION_INFO_V1(rp_ci_runner_projects_guard);
PG_FUNCTION_INFO_V1(rp_ci_runner_namespaces_guard);
PG_FUNCTION_INFO_V1(rp_delete_owned_runners);
PG_FUNCTION_INFO_V1(rp_truncate_guard);

/* Which owner a trigger argument names: 'project' or 'namespace'. */
typedef enum OwnerKind
{
	OWNER_PROJECT,
	OWNER_NAMESPACE
} OwnerKind;

static SavedQuery runner_locked = {
	"SELECT runner_type, sharding_key_id FROM runner_policy.ci_runners"
	" WHERE id = $1 FOR KEY SHARE", 1, {INT8OID}, NULL
};
static SavedQuery runner_unlocked = {
	"SELECT runner_type, sharding_key_id FROM runner_policy.ci_runners"
	" WHERE id = $1", 1, {INT8OID}, NULL
};
static SavedQuery project_locked = {
	"SELECT 1 FROM runner_policy.projects WHERE id = $1 FOR KEY SHARE",
	1, {INT8OID}, NULL
};
static SavedQuery project_unlocked = {
	"SELECT 1 FROM runner_policy.projects WHERE id = $1", 1, {INT8OID}, NULL
};
static SavedQuery namespace_locked = {
	"SELECT 1 FROM runner_policy.namespaces WHERE id = $1 FOR KEY SHARE",
	1, {INT8OID}, NULL
};
static SavedQuery namespace_unlocked = {
	"SELECT 1 FROM runner_policy.namespaces WHERE id = $1", 1, {INT8OID}, NULL
};
static SavedQuery project_link_exists = {
	"SELECT 1 FROM runner_policy.ci_runner_projects"
	" WHERE runner_id = $1 AND project_id = $2", 2, {INT8OID, INT8OID}, NULL
};
static SavedQuery namespace_link_exists = {
	"SELECT 1 FROM runner_policy.ci_runner_namespaces WHERE runner_id = $1",
	1, {INT8OID}, NULL
};
static SavedQuery insert_project_link = {
	"INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id)"
	" VALUES ($1, $2)", 2, {INT8OID, INT8OID}, NULL
};
static SavedQuery insert_namespace_link = {
	"INSERT INTO runner_policy.ci_runner_namespaces (runner_id, namespace_id)"
	" VALUES ($1, $2)", 2, {INT8OID, INT8OID}, NULL
};
static SavedQuery delete_project_runners = {
	"DELETE FROM runner_policy.ci_runners"
	" WHERE runner_type = " CppAsString2(RUNNER_TYPE_PROJECT) " AND sharding_key_id = $1", 1, {INT8OID}, NULL
};
static SavedQuery delete_group_runners = {
	"DELETE FROM runner_policy.ci_runners"
	" WHERE runner_type = " CppAsString2(RUNNER_TYPE_GROUP) " AND sharding_key_id = $1", 1, {INT8OID}, NULL
};
static SavedQuery any_project_runner = {
	"SELECT 1 FROM runner_policy.ci_runners WHERE runner_type = " CppAsString2(RUNNER_TYPE_PROJECT) " LIMIT 1",
	0, {InvalidOid}, NULL
};
static SavedQuery any_group_runner = {
	"SELECT 1 FROM runner_policy.ci_runners WHERE runner_type = " CppAsString2(RUNNER_TYPE_GROUP) " LIMIT 1",
	0, {InvalidOid}, NULL
};

/* A runner as the checks see it. */
typedef struct RunnerRow
{
	bool		found;
	int			runner_type;
	bool		has_owner;
	int64		owner_id;
} RunnerRow;

/* --- lookups; all run between owner_spi_begin() and owner_spi_end() --- */

static RunnerRow
fetch_runner(int64 runner_id, bool lock)
{
	RunnerRow	row = {false, 0, false, 0};
	Datum		arg = Int64GetDatum(runner_id);
	int64		type;

	if (saved_query_run(lock ? &runner_locked : &runner_unlocked, &arg, NULL) == 0)
		return row;
	row.found = true;
	(void) spi_result_int64(0, 1, &type);
	row.runner_type = (int) type;
	row.has_owner = spi_result_int64(0, 2, &row.owner_id);
	return row;
}

static bool
owner_exists(OwnerKind kind, int64 id, bool lock)
{
	Datum		arg = Int64GetDatum(id);
	SavedQuery *query;

	if (kind == OWNER_PROJECT)
		query = lock ? &project_locked : &project_unlocked;
	else
		query = lock ? &namespace_locked : &namespace_unlocked;
	return saved_query_run(query, &arg, NULL) > 0;
}

static const char *
owner_noun(OwnerKind kind)
{
	return kind == OWNER_PROJECT ? "project" : "namespace";
}

/*
 * A column the rules read must be present and a positive id: malformed
 * input is invalid_parameter_value (SPEC section 8).
 */
static int64
required_id(HeapTuple tuple, TupleDesc desc, const char *column,
			const char *what)
{
	int64		value;

	if (!row_get_int64(tuple, desc, column, &value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be null", column),
				 errhint("Give the id of the %s.", what)));
	if (value <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s id %lld", what, (long long) value),
				 errdetail("Ids are positive numbers.")));
	return value;
}

/*
 * The owner a new runner names must exist; lock it like a foreign key.  The
 * messages about a new runner do not name it: its id is the identity
 * sequence's, which the writer did not choose and may not know.
 */
static void
check_owner_exists(OwnerKind kind, int64 owner_id)
{
	if (!owner_exists(kind, owner_id, true))
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("%s %lld does not exist", owner_noun(kind),
						(long long) owner_id),
				 errdetail("The new runner names it as its owner.")));
}

/* ----------------------------------------------------------------------
 * ci_runners: BEFORE INSERT OR UPDATE
 * ---------------------------------------------------------------------- */

static void
check_new_runner(Relation rel, HeapTuple tuple, TupleDesc desc)
{
	int64		type;
	int64		owner;
	bool		has_owner;

	if (!row_get_int64(tuple, desc, "runner_type", &type))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("runner_type must not be null"),
				 errhint(VALID_RUNNER_TYPES_HINT)));
	if (type < RUNNER_TYPE_INSTANCE || type > RUNNER_TYPE_PROJECT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid runner_type %lld", (long long) type),
				 errhint(VALID_RUNNER_TYPES_HINT)));

	has_owner = row_get_int64(tuple, desc, "sharding_key_id", &owner);

	if (type == RUNNER_TYPE_INSTANCE)
	{
		if (has_owner)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("an instance runner cannot have an owner"),
					 errdetail("sharding_key_id is %lld; an instance runner belongs to the whole instance.",
							   (long long) owner),
					 errhint("Leave sharding_key_id NULL, or register a group or project runner.")));
		return;
	}

	{
		OwnerKind	kind = (type == RUNNER_TYPE_PROJECT) ? OWNER_PROJECT : OWNER_NAMESPACE;
		OwnerSpi	spi;

		if (!has_owner)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a %s runner needs an owner %s",
							runner_type_name(type), owner_noun(kind)),
					 errhint("Set sharding_key_id to the id of the %s that registers the runner.",
							 owner_noun(kind))));
		if (owner <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid %s id %lld", owner_noun(kind),
							(long long) owner),
					 errdetail("Ids are positive numbers.")));

		/* an owner the actor cannot read is hidden, whether it exists or not */
		if (kind == OWNER_PROJECT ? hidden_project(rel, owner) :
			hidden_namespace(rel, owner))
			refuse_as_rls(rel);

		owner_spi_begin(&spi, runner_policy_tables_owner());
		check_owner_exists(kind, owner);
		owner_spi_end(&spi);
	}
}

static void
describe_owner(StringInfo buf, int type, bool has_owner, int64 owner)
{
	if (!has_owner)
		appendStringInfoString(buf, "no owner");
	else
		appendStringInfo(buf, "%s %lld",
						 type == RUNNER_TYPE_GROUP ? "namespace" : "project",
						 (long long) owner);
}

static void
check_runner_update(HeapTuple oldtup, HeapTuple newtup, TupleDesc desc)
{
	int64		id = 0;
	int64		old_type = 0;
	int64		new_type = 0;
	int64		old_owner = 0;
	int64		new_owner = 0;
	bool		old_has;
	bool		new_has;
	StringInfoData from;
	StringInfoData to;

	(void) row_get_int64(oldtup, desc, "id", &id);
	(void) row_get_int64(oldtup, desc, "runner_type", &old_type);
	if (!row_get_int64(newtup, desc, "runner_type", &new_type) ||
		new_type != old_type)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("cannot change the type of runner %lld", (long long) id),
				 errdetail("Runner %lld is a %s runner; a runner keeps the type it was registered with.",
						   (long long) id, runner_type_name(old_type)),
				 errhint("Register a new runner of the type you need, then delete this one.")));

	old_has = row_get_int64(oldtup, desc, "sharding_key_id", &old_owner);
	new_has = row_get_int64(newtup, desc, "sharding_key_id", &new_owner);
	if (old_has == new_has && (!old_has || old_owner == new_owner))
		return;

	/* the one way a legacy runner gets its owner after creation */
	if (!old_has && new_has && old_type == RUNNER_TYPE_PROJECT &&
		backfill_placing_runner() == id)
		return;

	if (old_type == RUNNER_TYPE_INSTANCE)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("instance runner %lld cannot have an owner", (long long) id),
				 errdetail("An instance runner belongs to the whole instance."),
				 errhint("Register a group or project runner where one is needed.")));

	initStringInfo(&from);
	initStringInfo(&to);
	describe_owner(&from, old_type, old_has, old_owner);
	describe_owner(&to, old_type, new_has, new_owner);

	if (!old_has)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("cannot set the owner of %s runner %lld by hand",
						runner_type_name(old_type), (long long) id),
				 errdetail("The runner was loaded without an owner; the update would give it %s.",
						   to.data),
				 old_type == RUNNER_TYPE_PROJECT ?
				 errhint("Run runner_policy.backfill_owners(), which gives a project runner the first project it was linked to.") :
				 errhint("Delete the runner and register it again in its namespace.")));

	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("cannot change the owner of %s runner %lld from %s to %s",
					runner_type_name(old_type), (long long) id,
					from.data, to.data),
			 errdetail("A runner belongs to the %s that registered it for life.",
					   old_type == RUNNER_TYPE_GROUP ? "namespace" : "project"),
			 old_type == RUNNER_TYPE_PROJECT ?
			 errhint("To let another project use the runner, link it from a project you maintain (insert into runner_policy.ci_runner_projects); to end it, delete the runner.") :
			 errhint("Register a runner where you need one; to end this one, delete the runner.")));
}

/*
 * token_digest is written only by reset_runner_token(): a digest set by hand
 * would be a runner token minted by whoever chose it.
 */
static void
check_token_digest(HeapTuple oldtup, HeapTuple newtup, TupleDesc desc)
{
	int			attnum = SPI_fnumber(desc, "token_digest");
	bool		oldnull = true;
	bool		newnull;
	Datum		oldval = (Datum) 0;
	Datum		newval = heap_getattr(newtup, attnum, desc, &newnull);
	int64		id = 0;

	if (oldtup != NULL)
		oldval = heap_getattr(oldtup, attnum, desc, &oldnull);
	if (oldnull && newnull)
		return;
	if (!oldnull && !newnull &&
		DatumGetBool(DirectFunctionCall2(byteaeq, oldval, newval)))
		return;
	(void) row_get_int64(newtup, desc, "id", &id);
	if (token_digest_writer_runner() == id && id != 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("cannot set the token of runner %lld directly", (long long) id),
			 errhint("Call runner_policy.reset_runner_token(%lld), which returns a new token and stores only its digest.",
					 (long long) id)));
}

Datum
rp_ci_runners_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data_checked(fcinfo, "ci_runners_guard");
	TupleDesc	desc = RelationGetDescr(td->tg_relation);

	if (!TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "ci_runners_guard must fire BEFORE, FOR EACH ROW");
	if (restore_copy_loads_row(td))
		return PointerGetDatum(td->tg_trigtuple);	/* a restore: restore.c */

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		check_new_runner(td->tg_relation, td->tg_trigtuple, desc);
		check_token_digest(NULL, td->tg_trigtuple, desc);
		return PointerGetDatum(td->tg_trigtuple);
	}
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		check_runner_update(td->tg_trigtuple, td->tg_newtuple, desc);
		check_token_digest(td->tg_trigtuple, td->tg_newtuple, desc);
		return PointerGetDatum(td->tg_newtuple);
	}
	elog(ERROR, "ci_runners_guard must fire on INSERT or UPDATE");
	pg_unreachable();
}

/* ----------------------------------------------------------------------
 * ci_runners: AFTER INSERT, the owner link
 * ---------------------------------------------------------------------- */

Datum
rp_ci_runners_link_owner(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data_checked(fcinfo, "ci_runners_link_owner");
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	int64		id;
	int64		type;
	int64		owner;
	Datum		args[2];
	OwnerSpi	spi;

	if (!TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!TRIGGER_FIRED_BY_INSERT(td->tg_event))
		elog(ERROR, "ci_runners_link_owner must fire AFTER INSERT, FOR EACH ROW");
	if (restore_copy_loads_row(td))
		return PointerGetDatum(NULL);	/* the dump holds the link: restore.c */

	if (!row_get_int64(td->tg_trigtuple, desc, "id", &id) ||
		!row_get_int64(td->tg_trigtuple, desc, "runner_type", &type) ||
		type == RUNNER_TYPE_INSTANCE ||
		!row_get_int64(td->tg_trigtuple, desc, "sharding_key_id", &owner))
		return PointerGetDatum(NULL);

	args[0] = Int64GetDatum(id);
	args[1] = Int64GetDatum(owner);
	owner_spi_begin(&spi, td->tg_relation->rd_rel->relowner);
	(void) saved_query_run(type == RUNNER_TYPE_PROJECT ?
						   &insert_project_link : &insert_namespace_link,
						   args, NULL);
	owner_spi_end(&spi);
	return PointerGetDatum(NULL);
}

/* ----------------------------------------------------------------------
 * ci_runner_projects and ci_runner_namespaces: BEFORE INSERT/UPDATE/DELETE
 * ---------------------------------------------------------------------- */

static void
check_new_project_link(int64 runner_id, int64 project_id, bool full_messages)
{
	RunnerRow	runner = fetch_runner(runner_id, true);
	Datum		args[2];

	if (!runner.found)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("runner %lld does not exist", (long long) runner_id)));
	if (runner.runner_type != RUNNER_TYPE_PROJECT)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("cannot link %s runner %lld to project %lld",
						runner_type_name(runner.runner_type),
						(long long) runner_id, (long long) project_id),
				 errdetail("Only project runners are linked to projects: a group runner serves the projects of its group, an instance runner serves every project."),
				 errhint("Register a project runner for project %lld instead.",
						 (long long) project_id)));
	if (!owner_exists(OWNER_PROJECT, project_id, true))
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("project %lld does not exist", (long long) project_id)));

	/*
	 * The unique constraint still decides races; this gives the message.
	 * Only to writers who may read every link: to an actor who reads the
	 * runner and the project but not a link between them, it would tell of
	 * the link.  For those the constraint answers, after row-level security
	 * has refused whoever may not make the link.
	 */
	if (!full_messages)
		return;
	args[0] = Int64GetDatum(runner_id);
	args[1] = Int64GetDatum(project_id);
	if (saved_query_run(&project_link_exists, args, NULL) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("runner %lld is already linked to project %lld",
						(long long) runner_id, (long long) project_id)));
}

static void
check_new_namespace_link(int64 runner_id, int64 namespace_id)
{
	RunnerRow	runner = fetch_runner(runner_id, true);
	Datum		arg = Int64GetDatum(runner_id);

	if (!runner.found)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("runner %lld does not exist", (long long) runner_id)));
	if (runner.runner_type != RUNNER_TYPE_GROUP)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("cannot link %s runner %lld to namespace %lld",
						runner_type_name(runner.runner_type),
						(long long) runner_id, (long long) namespace_id),
				 errdetail("Only a group runner has a namespace link, to its owner namespace."),
				 runner.runner_type == RUNNER_TYPE_PROJECT ?
				 errhint("Link the runner to projects in runner_policy.ci_runner_projects instead.") :
				 errhint("An instance runner already serves every project.")));
	if (!runner.has_owner || runner.owner_id != namespace_id)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("cannot link group runner %lld to namespace %lld",
						(long long) runner_id, (long long) namespace_id),
				 runner.has_owner ?
				 errdetail("Group runner %lld belongs to namespace %lld and serves exactly that namespace and what is under it.",
						   (long long) runner_id, (long long) runner.owner_id) :
				 errdetail("Group runner %lld has no owner namespace.",
						   (long long) runner_id),
				 errhint("Register a group runner in namespace %lld instead.",
						 (long long) namespace_id)));
	if (!owner_exists(OWNER_NAMESPACE, namespace_id, true))
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("namespace %lld does not exist", (long long) namespace_id)));
	if (saved_query_run(&namespace_link_exists, &arg, NULL) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("group runner %lld already has its namespace link",
						(long long) runner_id)));
}

/*
 * Is this link the owner link of a runner and owner that both still exist?
 * During the cascade of a runner or owner delete one of them is already
 * gone, and the link may go with it.
 */
static bool
is_live_owner_link(OwnerKind kind, int64 runner_id, int64 target_id)
{
	RunnerRow	runner = fetch_runner(runner_id, false);
	int			owning_type = (kind == OWNER_PROJECT) ?
		RUNNER_TYPE_PROJECT : RUNNER_TYPE_GROUP;

	return runner.found && runner.runner_type == owning_type &&
		runner.has_owner && runner.owner_id == target_id &&
		owner_exists(kind, target_id, false);
}

/*
 * One guard for both link tables: they differ in the owner they point at and
 * in what a new link must satisfy.
 */
static Datum
link_guard(FunctionCallInfo fcinfo, OwnerKind kind, const char *funcname)
{
	TriggerData *td = trigger_data_checked(fcinfo, funcname);
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	const char *target_column = (kind == OWNER_PROJECT) ? "project_id" : "namespace_id";
	const char *noun = owner_noun(kind);
	HeapTuple	oldtup = td->tg_trigtuple;
	OwnerSpi	spi;

	if (!TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "%s must fire BEFORE, FOR EACH ROW", funcname);
	if (restore_copy_loads_row(td))
		return PointerGetDatum(oldtup); /* a restore: restore.c */

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		int64		runner_id = required_id(oldtup, desc, "runner_id", "runner");
		int64		target_id = required_id(oldtup, desc, target_column, noun);

		/*
		 * Rights first.  A namespace link is written by the extension with
		 * its runner, and by administrators only; a project link needs at
		 * least a runner and a project the actor can read.
		 */
		bool		full_messages = !writer_subject_to_rls(td->tg_relation) ||
			policy_actor_is_admin();

		if (!full_messages &&
			(kind == OWNER_NAMESPACE ||
			 hidden_runner(td->tg_relation, runner_id) ||
			 hidden_project(td->tg_relation, target_id)))
			refuse_as_rls(td->tg_relation);

		owner_spi_begin(&spi, td->tg_relation->rd_rel->relowner);
		if (kind == OWNER_PROJECT)
			check_new_project_link(runner_id, target_id, full_messages);
		else
			check_new_namespace_link(runner_id, target_id);
		owner_spi_end(&spi);
		return PointerGetDatum(oldtup);
	}

	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		HeapTuple	newtup = td->tg_newtuple;
		int64		old_runner = 0,
					new_runner = 0,
					old_target = 0,
					new_target = 0;
		bool		owner_link;

		(void) row_get_int64(oldtup, desc, "runner_id", &old_runner);
		(void) row_get_int64(oldtup, desc, target_column, &old_target);
		if (row_get_int64(newtup, desc, "runner_id", &new_runner) &&
			row_get_int64(newtup, desc, target_column, &new_target) &&
			new_runner == old_runner && new_target == old_target)
			return PointerGetDatum(newtup);

		/* whether it is the owner link is the runner's to tell */
		if (hidden_runner(td->tg_relation, old_runner))
			refuse_as_rls(td->tg_relation);
		owner_spi_begin(&spi, td->tg_relation->rd_rel->relowner);
		owner_link = is_live_owner_link(kind, old_runner, old_target);
		owner_spi_end(&spi);
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("cannot move the link of runner %lld from %s %lld",
						(long long) old_runner, noun, (long long) old_target),
				 errdetail("Links are inserted and deleted, never moved."),
				 owner_link ?
				 errhint("This is the runner's owner link: it goes only with the runner or the %s.", noun) :
				 errhint("Delete this link and insert the one you need.")));
	}

	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
	{
		int64		runner_id = 0;
		int64		target_id = 0;
		bool		owner_link;

		(void) row_get_int64(oldtup, desc, "runner_id", &runner_id);
		(void) row_get_int64(oldtup, desc, target_column, &target_id);
		owner_spi_begin(&spi, td->tg_relation->rd_rel->relowner);
		owner_link = is_live_owner_link(kind, runner_id, target_id);
		owner_spi_end(&spi);
		/* whether it is the owner link is the runner's to tell */
		if (owner_link && hidden_runner(td->tg_relation, runner_id))
			refuse_as_rls(td->tg_relation);
		if (owner_link)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("cannot unlink runner %lld from its owner %s %lld",
							(long long) runner_id, noun, (long long) target_id),
					 errdetail("%s %lld registered runner %lld and owns it for life.",
							   kind == OWNER_PROJECT ? "Project" : "Namespace",
							   (long long) target_id, (long long) runner_id),
					 kind == OWNER_PROJECT ?
					 errhint("Delete the runner instead; to stop another project using it, unlink it from that project.") :
					 errhint("Delete the runner instead.")));
		return PointerGetDatum(oldtup);
	}

	elog(ERROR, "%s must fire on INSERT, UPDATE or DELETE", funcname);
	pg_unreachable();
}

Datum
rp_ci_runner_projects_guard(PG_FUNCTION_ARGS)
{
	return link_guard(fcinfo, OWNER_PROJECT, "ci_runner_projects_guard");
}

Datum
rp_ci_runner_namespaces_guard(PG_FUNCTION_ARGS)
{
	return link_guard(fcinfo, OWNER_NAMESPACE, "ci_runner_namespaces_guard");
}

/* ----------------------------------------------------------------------
 * projects and namespaces: deleting an owner deletes its runners
 * ---------------------------------------------------------------------- */

static OwnerKind
owner_kind_argument(TriggerData *td, const char *funcname)
{
	Trigger    *trigger = td->tg_trigger;

	if (trigger->tgnargs == 1 && strcmp(trigger->tgargs[0], "project") == 0)
		return OWNER_PROJECT;
	if (trigger->tgnargs == 1 && strcmp(trigger->tgargs[0], "namespace") == 0)
		return OWNER_NAMESPACE;
	elog(ERROR, "%s needs one argument, 'project' or 'namespace'", funcname);
	pg_unreachable();
}

/*
 * AFTER DELETE, so that only a row that really went takes its runners.  The
 * runners' links, tokens and the runner_id of their jobs follow through the
 * foreign keys.
 */
Datum
rp_delete_owned_runners(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data_checked(fcinfo, "delete_owned_runners");
	OwnerKind	kind = owner_kind_argument(td, "delete_owned_runners");
	int64		owner_id;
	Datum		arg;
	OwnerSpi	spi;

	if (!TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!TRIGGER_FIRED_BY_DELETE(td->tg_event))
		elog(ERROR, "delete_owned_runners must fire AFTER DELETE, FOR EACH ROW");

	if (!row_get_int64(td->tg_trigtuple, RelationGetDescr(td->tg_relation),
					   "id", &owner_id))
		return PointerGetDatum(NULL);

	arg = Int64GetDatum(owner_id);
	owner_spi_begin(&spi, td->tg_relation->rd_rel->relowner);
	(void) saved_query_run(kind == OWNER_PROJECT ?
						   &delete_project_runners : &delete_group_runners,
						   &arg, NULL);
	owner_spi_end(&spi);
	return PointerGetDatum(NULL);
}

/*
 * TRUNCATE fires no row triggers.  After truncating an owner table or a link
 * table, no runner of the owning type may be left, or it would have lost its
 * owner or its owner link; the error rolls the TRUNCATE back.
 */
Datum
rp_truncate_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data_checked(fcinfo, "truncate_guard");
	OwnerKind	kind = owner_kind_argument(td, "truncate_guard");
	bool		runners_left;
	OwnerSpi	spi;

	if (!TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		elog(ERROR, "truncate_guard must fire on TRUNCATE");

	owner_spi_begin(&spi, td->tg_relation->rd_rel->relowner);
	runners_left = saved_query_run(kind == OWNER_PROJECT ?
								   &any_project_runner : &any_group_runner,
								   NULL, NULL) > 0;
	owner_spi_end(&spi);

	if (runners_left)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("cannot truncate %s while %s runners exist",
						RelationGetRelationName(td->tg_relation),
						kind == OWNER_PROJECT ? "project" : "group"),
				 errdetail("The runners would lose their owner or their owner link."),
				 errhint("Truncate runner_policy.ci_runners in the same command, or delete the runners first.")));
	return PointerGetDatum(NULL);
}

/* The saved queries of this file, for runner_policy.saved_queries() (saved_queries.c). */
const SavedQueryEntry runner_guards_saved_queries[] = {
	SAVED_QUERY_ENTRY(runner_locked),
	SAVED_QUERY_ENTRY(runner_unlocked),
	SAVED_QUERY_ENTRY(project_locked),
	SAVED_QUERY_ENTRY(project_unlocked),
	SAVED_QUERY_ENTRY(namespace_locked),
	SAVED_QUERY_ENTRY(namespace_unlocked),
	SAVED_QUERY_ENTRY(project_link_exists),
	SAVED_QUERY_ENTRY(namespace_link_exists),
	SAVED_QUERY_ENTRY(insert_project_link),
	SAVED_QUERY_ENTRY(insert_namespace_link),
	SAVED_QUERY_ENTRY(delete_project_runners),
	SAVED_QUERY_ENTRY(delete_group_runners),
	SAVED_QUERY_ENTRY(any_project_runner),
	SAVED_QUERY_ENTRY(any_group_runner),
	{NULL, NULL}
};
