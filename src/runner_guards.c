/*-------------------------------------------------------------------------
 *
 * runner_guards.c
 *	  The ownership invariants of doc/invariants.md, as trigger functions.
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
 * Hidden rows (doc/errors.md).  These triggers run before row-level
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

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/rel.h"

#include "idset.h"
#include "citus.h"
#include "owner_spi.h"
#include "policy_core.h"
#include "restore.h"
#include "runner_policy.h"
#include "token.h"
#include "version.h"
#include "write_rls.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
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
PG_FUNCTION_INFO_V1(rp_citus_note_deletion);
PG_FUNCTION_INFO_V1(rp_ci_runner_projects_copy);

/*
 * The columns the extension keeps as copies (release 1.2): a project
 * runner's linked projects, a link's owner project.  Only the extension
 * writes them: its copy trigger and repair (in INTERNAL_WRITE_RUNNER_COPIES,
 * owner_spi.h), and its own install and upgrade scripts; anyone else's write to them is
 * ignored, as a write to namespaces.traversal_ids is.
 */
#define LINKED_PROJECTS_COLUMN	"linked_project_ids"
#define OWNER_PROJECT_COLUMN	"owner_project_id"

/* On a Citus worker: the coordinator's backfill repairs copies (citus_assertion.c). */
CopiesRepairHook runner_copies_repair_hook = NULL;

static bool
copies_writable(void)
{
	/* our own scripts fill the copies when a release adds them */
	return internal_write_current() == INTERNAL_WRITE_RUNNER_COPIES ||
		(runner_copies_repair_hook != NULL && runner_copies_repair_hook()) ||
		(creating_extension &&
		 CurrentExtensionObject == get_extension_oid(RUNNER_POLICY_EXTENSION, true));
}

bool
runner_copy_column(const char *column)
{
	return strcmp(column, LINKED_PROJECTS_COLUMN) == 0 ||
		strcmp(column, OWNER_PROJECT_COLUMN) == 0;
}

/* A row with one column replaced. */
static HeapTuple
with_column(HeapTuple tuple, TupleDesc desc, int attnum, Datum value, bool isnull)
{
	int			cols[1] = {attnum};
	Datum		values[1] = {value};
	bool		nulls[1] = {isnull};

	return heap_modify_tuple_by_cols(tuple, desc, 1, cols, values, nulls);
}

/* A new row with the old row's value of a copy column, unless the extension writes it. */
static HeapTuple
keep_copy(HeapTuple oldtup, HeapTuple newtup, TupleDesc desc, const char *column)
{
	int			attnum = SPI_fnumber(desc, column);
	bool		isnull;
	Datum		old;

	if (attnum <= 0 || copies_writable() || !row_column_changed(oldtup, newtup, desc, attnum))
		return newtup;
	old = heap_getattr(oldtup, attnum, desc, &isnull);
	return with_column(newtup, desc, attnum, old, isnull);
}

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
/*
 * A link made or removed: the project goes into or out of the runner's
 * copy, relative to the row's current value (so that two links made at
 * once both count: the second update waits for the first and then works
 * on its result), kept sorted and without duplicates.
 */
static SavedQuery copy_add_project = {
	"UPDATE runner_policy.ci_runners SET linked_project_ids ="
	"       ARRAY(SELECT DISTINCT x.id FROM pg_catalog.unnest(linked_project_ids"
	"             OPERATOR(pg_catalog.||) $2) AS x (id) ORDER BY x.id)"
	" WHERE id = $1 AND NOT linked_project_ids OPERATOR(pg_catalog.@>) ARRAY[$2]",
	2, {INT8OID, INT8OID}, NULL
};
static SavedQuery copy_remove_project = {
	"UPDATE runner_policy.ci_runners"
	"   SET linked_project_ids = pg_catalog.array_remove(linked_project_ids, $2)"
	" WHERE id = $1 AND linked_project_ids OPERATOR(pg_catalog.@>) ARRAY[$2]",
	2, {INT8OID, INT8OID}, NULL
};
/*
 * Repairs after a load with triggers off (backfill_owners): each link's
 * owner copy, then each runner's copy of its links, where they differ
 * from the rows they copy.  Returns the runners repaired.
 */
static SavedQuery repair_link_owners = {
	"UPDATE runner_policy.ci_runner_projects rp SET owner_project_id = r.sharding_key_id"
	"  FROM runner_policy.ci_runners r"
	" WHERE r.id = rp.runner_id AND rp.owner_project_id IS DISTINCT FROM"
	"       (CASE WHEN r.runner_type = " CppAsString2(RUNNER_TYPE_PROJECT) " THEN r.sharding_key_id END)"
	/* a link to a project that is gone is check_invariants()' to report */
	"   AND EXISTS (SELECT FROM runner_policy.projects p WHERE p.id = rp.project_id)"
	" RETURNING rp.runner_id",
	0, {InvalidOid}, NULL
};
static SavedQuery repair_linked_projects = {
	"WITH want AS ("
	"  SELECT r.id, COALESCE(l.ids, '{}') AS ids FROM runner_policy.ci_runners r"
	"    LEFT JOIN (SELECT runner_id, pg_catalog.array_agg(project_id ORDER BY project_id) AS ids"
	"                 FROM runner_policy.ci_runner_projects GROUP BY runner_id) l"
	"      ON l.runner_id = r.id AND r.runner_type = " CppAsString2(RUNNER_TYPE_PROJECT) ")"
	" UPDATE runner_policy.ci_runners r SET linked_project_ids = w.ids FROM want w"
	"  WHERE r.id = w.id AND r.linked_project_ids IS DISTINCT FROM w.ids"
	" RETURNING r.id",
	0, {InvalidOid}, NULL
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
 * input is invalid_parameter_value (doc/errors.md).
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

/*
 * A new runner's copy of its links: its owner project, whose link the
 * extension makes at once (ci_runners_link_owner), for a project runner;
 * none for the others.  Whatever the INSERT said.
 */
static HeapTuple
set_linked_projects(HeapTuple tuple, TupleDesc desc)
{
	int			attnum = SPI_fnumber(desc, LINKED_PROJECTS_COLUMN);
	int64		type = 0;
	int64		owner = 0;
	Datum		elem;
	int			n = 0;

	if (attnum <= 0)
		return tuple;			/* the SQL of a release before 1.2 */
	if (row_get_int64(tuple, desc, "runner_type", &type) && type == RUNNER_TYPE_PROJECT &&
		row_get_int64(tuple, desc, "sharding_key_id", &owner))
	{
		elem = Int64GetDatum(owner);
		n = 1;
	}
	return with_column(tuple, desc, attnum,
					   PointerGetDatum(construct_array(&elem, n, INT8OID, sizeof(int64),
													   true, TYPALIGN_DOUBLE)),
					   false);
}

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
	if (!newnull && token_digest_write_allowed(id, newval))
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
		return PointerGetDatum(set_linked_projects(td->tg_trigtuple, desc));
	}
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		check_runner_update(td->tg_trigtuple, td->tg_newtuple, desc);
		check_token_digest(td->tg_trigtuple, td->tg_newtuple, desc);
		return PointerGetDatum(keep_copy(td->tg_trigtuple, td->tg_newtuple, desc,
										 LINKED_PROJECTS_COLUMN));
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

static RunnerRow
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
		return runner;
	args[0] = Int64GetDatum(runner_id);
	args[1] = Int64GetDatum(project_id);
	if (saved_query_run(&project_link_exists, args, NULL) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("runner %lld is already linked to project %lld",
						(long long) runner_id, (long long) project_id)));
	return runner;
}

/*
 * The runner's half of the link rule, for a writer subject to row-level
 * security (the project's half is the INSERT policy's): the policy core
 * decides on the stored runner (runner_linkable() in rules.c).  A locked
 * runner the actor reads is refused with row-level security's message and
 * a DETAIL that names the lock: it is a column the actor reads anyway, and
 * the bare message would leave them guessing.
 */
static void
check_runner_linkable(Relation rel, int64 runner_id)
{
	switch (policy_runner_link_check(runner_id))
	{
		case LINK_ALLOWED:
			return;
		case LINK_LOCKED:
			/* the refusal row-level security gives, and why */
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("new row violates row-level security policy for table \"%s\"",
							RelationGetRelationName(rel)),
					 errdetail("Runner %lld is locked: it serves only the projects it is linked to, and only an administrator links it to more.",
							   (long long) runner_id),
					 errhint("A maintainer of its owner project can unlock it (UPDATE runner_policy.ci_runners SET locked = false WHERE id = %lld).",
							 (long long) runner_id)));
			break;
		case LINK_REFUSED:
			refuse_as_rls(rel);
	}
}

/* A new link carries its runner's owner project (a copy column). */
static HeapTuple
set_owner_project(HeapTuple tuple, TupleDesc desc, const RunnerRow *runner)
{
	int			attnum = SPI_fnumber(desc, OWNER_PROJECT_COLUMN);

	if (attnum <= 0)
		return tuple;			/* the SQL of a release before 1.2 */
	return with_column(tuple, desc, attnum, Int64GetDatum(runner->owner_id),
					   !(runner->runner_type == RUNNER_TYPE_PROJECT && runner->has_owner));
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

/* A new link: the actor's rights first, then what the link must satisfy. */
static Datum
link_inserted(TriggerData *td, OwnerKind kind)
{
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	const char *target_column = (kind == OWNER_PROJECT) ? "project_id" : "namespace_id";
	const char *noun = owner_noun(kind);
	HeapTuple	oldtup = td->tg_trigtuple;
	OwnerSpi	spi;
	int64		runner_id = required_id(oldtup, desc, "runner_id", "runner");
	int64		target_id = required_id(oldtup, desc, target_column, noun);

	/*
	 * Rights first.  A namespace link is written by the extension with
	 * its runner, and by administrators only; a project link needs at
	 * least a runner and a project the actor can read.
	 */
	bool		full_messages = !writer_subject_to_rls(td->tg_relation) ||
		policy_actor_is_admin();

	RunnerRow	runner = {false, 0, false, 0};

	if (!full_messages &&
		(kind == OWNER_NAMESPACE ||
		 hidden_runner(td->tg_relation, runner_id) ||
		 hidden_project(td->tg_relation, target_id)))
		refuse_as_rls(td->tg_relation);
	if (!full_messages)
		check_runner_linkable(td->tg_relation, runner_id);

	owner_spi_begin(&spi, td->tg_relation->rd_rel->relowner);
	if (kind == OWNER_PROJECT)
		runner = check_new_project_link(runner_id, target_id, full_messages);
	else
		check_new_namespace_link(runner_id, target_id);
	owner_spi_end(&spi);
	if (kind == OWNER_PROJECT)
		return PointerGetDatum(set_owner_project(oldtup, desc, &runner));
	return PointerGetDatum(oldtup);
}

/* The runner and owner a link row names (0 for NULL); both not NULL? */
static bool
link_row_ids(TriggerData *td, HeapTuple tuple, OwnerKind kind, int64 *runner_id,
			 int64 *target_id)
{
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	const char *target_column = (kind == OWNER_PROJECT) ? "project_id" : "namespace_id";

	*runner_id = 0;
	*target_id = 0;
	return row_get_int64(tuple, desc, "runner_id", runner_id) &&
		row_get_int64(tuple, desc, target_column, target_id);
}

/* Is this link the live owner link?  Asked as the tables' owner. */
static bool
owner_link_now(TriggerData *td, OwnerKind kind, int64 runner_id, int64 target_id)
{
	OwnerSpi	spi;
	bool		owner_link;

	owner_spi_begin(&spi, td->tg_relation->rd_rel->relowner);
	owner_link = is_live_owner_link(kind, runner_id, target_id);
	owner_spi_end(&spi);
	return owner_link;
}

/* A link is never moved: refused, with a hint for the owner link. */
static Datum
link_updated(TriggerData *td, OwnerKind kind)
{
	const char *noun = owner_noun(kind);
	HeapTuple	oldtup = td->tg_trigtuple;
	HeapTuple	newtup = td->tg_newtuple;
	int64		old_runner,
				new_runner,
				old_target,
				new_target;
	bool		owner_link;

	(void) link_row_ids(td, oldtup, kind, &old_runner, &old_target);
	if (link_row_ids(td, newtup, kind, &new_runner, &new_target) &&
		new_runner == old_runner && new_target == old_target)
		return PointerGetDatum(kind == OWNER_PROJECT ?
							   keep_copy(oldtup, newtup, RelationGetDescr(td->tg_relation),
										 OWNER_PROJECT_COLUMN) :
							   newtup);

	/* whether it is the owner link is the runner's to tell */
	if (hidden_runner(td->tg_relation, old_runner))
		refuse_as_rls(td->tg_relation);
	owner_link = owner_link_now(td, kind, old_runner, old_target);
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("cannot move the link of runner %lld from %s %lld",
					(long long) old_runner, noun, (long long) old_target),
			 errdetail("Links are inserted and deleted, never moved."),
			 owner_link ?
			 errhint("This is the runner's owner link: it goes only with the runner or the %s.", noun) :
			 errhint("Delete this link and insert the one you need.")));
}

/* An owner link goes only with its runner or owner. */
static Datum
link_deleted(TriggerData *td, OwnerKind kind)
{
	const char *noun = owner_noun(kind);
	HeapTuple	oldtup = td->tg_trigtuple;
	int64		runner_id;
	int64		target_id;
	bool		owner_link;

	(void) link_row_ids(td, oldtup, kind, &runner_id, &target_id);
	owner_link = owner_link_now(td, kind, runner_id, target_id);
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

/*
 * One guard for both link tables: they differ in the owner they point at and
 * in what a new link must satisfy.  One function an event.
 */
static Datum
link_guard(FunctionCallInfo fcinfo, OwnerKind kind, const char *funcname)
{
	TriggerData *td = trigger_data_checked(fcinfo, funcname);

	if (!TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "%s must fire BEFORE, FOR EACH ROW", funcname);
	if (restore_copy_loads_row(td))
		return PointerGetDatum(td->tg_trigtuple);	/* a restore: restore.c */
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		return link_inserted(td, kind);
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		return link_updated(td, kind);
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		return link_deleted(td, kind);
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

	/*
	 * On Citus the owner tables are reference tables and this trigger fires
	 * on every node's copy: each node deletes the runners of its own shards
	 * (owner_spi.h).  On one node, the query as written.
	 */
	(void) saved_query_run_local_shards(kind == OWNER_PROJECT ?
										&delete_project_runners : &delete_group_runners,
										&arg, NULL);
	owner_spi_end(&spi);
	return PointerGetDatum(NULL);
}

/*
 * runner_policy.citus_note_deletion(kind): AFTER DELETE FOR EACH ROW on
 * ci_runners ('runner') and ci_builds ('job').  Where Citus distributes
 * them, the node of the deleted row's shard notes its id for
 * citus_apply_deletions(), which does what one node's foreign keys do at
 * once (a runner's jobs lose it, a job's tokens go): in the shard of the
 * notes table colocated with the row's, on this node, written as the
 * plain table it is (a trigger on a shard may not start a distributed
 * write).  Nothing where the table is not distributed.
 */
typedef struct DeletionNote
{
	const char *kind;			/* the trigger's argument */
	const char *table;			/* the deleted rows' table */
	const char *key;			/* its distribution column */
	const char *notes;			/* the notes table, colocated with it */
	const char *columns;		/* what a note says: its key, [kind, id] */
} DeletionNote;

static const DeletionNote deletion_notes[] = {
	{"runner", "ci_runners", "id", "ci_runner_deletions", "runner_id, object_type, object_id"},
	{"runner_project_link", "ci_runner_projects", "runner_id", "ci_runner_deletions",
	"runner_id, object_type, object_id"},
	{"runner_namespace_link", "ci_runner_namespaces", "runner_id", "ci_runner_deletions",
	"runner_id, object_type, object_id"},
	{"job", "ci_builds", "id", "ci_job_deletions", "job_id"},
};

Datum
rp_citus_note_deletion(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data_checked(fcinfo, "citus_note_deletion");
	Oid			schema = runner_policy_extension_schema();
	const DeletionNote *note = NULL;
	int64		id;
	int64		key;
	Datum		arg;
	Datum		args[3];
	Oid			argtype = INT8OID;
	Oid			argtypes[3] = {INT8OID, TEXTOID, INT8OID};
	bool		isnull;
	bool		one_column;
	int64		shard;
	char	   *sql;
	OwnerSpi	spi;

	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!TRIGGER_FIRED_BY_DELETE(td->tg_event))
		elog(ERROR, "citus_note_deletion must fire AFTER DELETE, FOR EACH ROW");
	for (size_t i = 0; i < lengthof(deletion_notes) && td->tg_trigger->tgnargs == 1; i++)
		if (strcmp(td->tg_trigger->tgargs[0], deletion_notes[i].kind) == 0)
			note = &deletion_notes[i];
	if (note == NULL)
		elog(ERROR, "citus_note_deletion: unrecognized trigger arguments");
	if (!citus_in_database() || !citus_is_table(get_relname_relid(note->table, schema)))
		return PointerGetDatum(NULL);
	if (!row_get_int64(td->tg_trigtuple, RelationGetDescr(td->tg_relation), "id", &id) ||
		!row_get_int64(td->tg_trigtuple, RelationGetDescr(td->tg_relation), note->key, &key))
		return PointerGetDatum(NULL);

	arg = Int64GetDatum(key);
	owner_spi_begin(&spi, td->tg_relation->rd_rel->relowner);
	sql = psprintf("SELECT pg_catalog.get_shard_id_for_distribution_column("
				   "'%s.%s'::pg_catalog.regclass, $1)",
				   RUNNER_POLICY_SCHEMA, note->notes);
	if (SPI_execute_with_args(sql, 1, &argtype, &arg, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not find the shard of %s for %s " INT64_FORMAT,
			 note->notes, note->kind, id);
	shard = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (isnull)
		elog(ERROR, "could not find the shard of %s for %s " INT64_FORMAT,
			 note->notes, note->kind, id);
	one_column = strchr(note->columns, ',') == NULL;
	sql = psprintf("INSERT INTO %s.%s (%s) VALUES (%s)",
				   quote_identifier(get_namespace_name(schema)),
				   quote_identifier(psprintf("%s_" INT64_FORMAT, note->notes, shard)),
				   note->columns, one_column ? "$1" : "$1, $2, $3");
	args[0] = Int64GetDatum(key);
	args[1] = CStringGetTextDatum(note->kind);
	args[2] = Int64GetDatum(id);
	if (SPI_execute_with_args(sql, one_column ? 1 : 3, argtypes, args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not note the deletion of %s " INT64_FORMAT, note->kind, id);
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

	/* on Citus: every node asks its own shards of the runners (owner_spi.h) */
	owner_spi_begin(&spi, td->tg_relation->rd_rel->relowner);
	runners_left = saved_query_run_local_shards(kind == OWNER_PROJECT ?
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

/* ----------------------------------------------------------------------
 * ci_runner_projects: AFTER INSERT OR DELETE, the runner's copy of its links
 * ---------------------------------------------------------------------- */

Datum
rp_ci_runner_projects_copy(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data_checked(fcinfo, "ci_runner_projects_copy");
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	int64		runner_id;
	int64		project_id;
	Datum		args[2];
	OwnerSpi	spi;

	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		elog(ERROR, "ci_runner_projects_copy must fire AFTER INSERT OR DELETE, FOR EACH ROW");
	if (restore_copy_loads_row(td))
		return PointerGetDatum(NULL);	/* the dump holds the copy: restore.c */
	if (!row_get_int64(td->tg_trigtuple, desc, "runner_id", &runner_id) ||
		!row_get_int64(td->tg_trigtuple, desc, "project_id", &project_id))
		return PointerGetDatum(NULL);

	args[0] = Int64GetDatum(runner_id);
	args[1] = Int64GetDatum(project_id);
	owner_spi_begin(&spi, td->tg_relation->rd_rel->relowner);
	(void) saved_query_run_internal(INTERNAL_WRITE_RUNNER_COPIES,
									TRIGGER_FIRED_BY_INSERT(td->tg_event) ?
									&copy_add_project : &copy_remove_project,
									args, NULL, false);
	owner_spi_end(&spi);
	return PointerGetDatum(NULL);
}

/*
 * backfill_owners()'s second part: the copies repaired, the runners whose
 * copy or whose links' copies changed (sorted, without duplicates).  Call
 * between owner_spi_begin() and _end(); with the SQL of a release before
 * 1.2, which has no copies, there is nothing to repair.
 */
/* repair_runner_copies() running in this backend, now */
static bool repairing_copies = false;

IdSet
repair_runner_copies(MemoryContext cxt)
{
	IdSet		out = idset_empty(cxt);

	if (!runner_policy_sql_at_least(1, 2))
		return out;
	/* said to Citus workers in the assertion (citus_assertion.c) */
	repairing_copies = true;
	PG_TRY();
	{
		(void) saved_query_run_internal(INTERNAL_WRITE_RUNNER_COPIES,
										&repair_link_owners, NULL, NULL, false);
		out = idset_union(cxt, out, idset_from_spi(cxt));
		(void) saved_query_run_internal(INTERNAL_WRITE_RUNNER_COPIES,
										&repair_linked_projects, NULL, NULL, false);
		out = idset_union(cxt, out, idset_from_spi(cxt));
	}
	PG_FINALLY();
	{
		repairing_copies = false;
	}
	PG_END_TRY();
	return out;
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
	SAVED_QUERY_ENTRY(copy_add_project),
	SAVED_QUERY_ENTRY(repair_link_owners),
	SAVED_QUERY_ENTRY(repair_linked_projects),
	SAVED_QUERY_ENTRY(copy_remove_project),
	SAVED_QUERY_ENTRY(any_project_runner),
	SAVED_QUERY_ENTRY(any_group_runner),
	{NULL, NULL}
};

/*
 * The runner backfill_owners() (backfill.c) is placing right now, or 0: the
 * one writer this file's ci_runners guard lets set an owner after creation.
 * Kept here, below backfill.c, so that the guard asks no file above it.
 */
static int64 placing_runner = 0;

/* On a Citus worker: the runner the coordinator's backfill places (citus_assertion.c). */
PlacingRunnerHook backfill_placing_runner_hook = NULL;

int64
backfill_placing_runner(void)
{
	if (placing_runner != 0 || backfill_placing_runner_hook == NULL)
		return placing_runner;
	return backfill_placing_runner_hook();
}

int64
backfill_placing_runner_here(void)
{
	return placing_runner;
}

bool
backfill_repairing_copies_here(void)
{
	return repairing_copies;
}

void
backfill_set_placing_runner(int64 runner_id)
{
	placing_runner = runner_id;
}
