/*-------------------------------------------------------------------------
 *
 * namespace_tree.c
 *	  namespaces.traversal_ids, kept right on every write.
 *
 * traversal_ids is the path of ids from the root group down to the group
 * itself.  The BEFORE trigger recomputes it from the parent's path on every
 * insert and update, whatever value the writer gave, so it cannot be set
 * wrong by hand; a move that would put a group under itself is refused.  When
 * a group's path changes, the AFTER trigger rewrites the paths of its whole
 * subtree in one set-based UPDATE (a recursive query walks parent_id), not
 * one trigger level per tree level: the stack does not grow with the depth
 * of the tree, so even a legacy tree loaded deeper than the limit with
 * triggers off can be moved (up).
 *
 * Depth.  A group nests at most MAX_NAMESPACE_DEPTH (20) levels deep, as in
 * GitLab: an insert below that depth, or a move that would put the group or
 * anything under it below it, is refused with check_violation.  A move that
 * makes a legacy tree shallower is allowed, so that it can be repaired.
 *
 * Hidden rows.  For a writer subject to row-level security, a parent the
 * actor may not read is refused as row-level security refuses a new row,
 * before the checks (missing parent, cycle, depth) that would say more.
 *
 * Concurrency.  Every write locks the parent row FOR SHARE before reading its
 * path.  That lock conflicts with the update a move makes to the moved group
 * and, through the cascade, to every group under it.  So a group inserted
 * under a subtree that is being moved waits for the move and then reads the
 * new path, and of two moves that together would close a cycle the second
 * waits for the first and then sees the cycle.  Under REPEATABLE READ the
 * waiter fails to serialize instead.  The cascade itself reads the subtree
 * with the newest snapshot and checks it against the transaction's, like
 * PostgreSQL's foreign-key cascades, so a REPEATABLE READ move cannot miss a
 * child committed after its snapshot: it fails to serialize.  Under READ
 * COMMITTED it runs again until it finds nothing left to rewrite, so a child
 * committed under a row it waited for gets its path too.  A group
 * inserted under the subtree between the move's depth check and its cascade
 * is caught by the depth check the cascade makes on every row.
 *
 * src/namespace_tree.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "owner_spi.h"
#include "restore.h"
#include "runner_policy.h"
#include "write_rls.h"

PG_FUNCTION_INFO_V1(rp_namespaces_traversal);
PG_FUNCTION_INFO_V1(rp_namespaces_traversal_cascade);

/* GitLab's limit: a root group and 19 levels of sub-groups */
#define MAX_NAMESPACE_DEPTH 20

static SavedQuery parent_path_share = {
	"SELECT traversal_ids FROM runner_policy.namespaces WHERE id = $1 FOR SHARE",
	1, {INT8OID}, NULL
};
/*
 * The new paths of the whole subtree under $1, whose new path is $2, written
 * in one statement.  The recursion is the executor's, not the C stack's; a
 * legacy cycle (loaded with triggers off) ends where an id repeats.
 */
static SavedQuery rewrite_subtree = {
	"WITH RECURSIVE sub (id, path) AS ("
	"  SELECT n.id, $2 || n.id FROM runner_policy.namespaces n"
	"   WHERE n.parent_id = $1"
	"  UNION ALL"
	"  SELECT n.id, s.path || n.id FROM runner_policy.namespaces n"
	"    JOIN sub s ON n.parent_id = s.id"
	"   WHERE n.id <> ALL (s.path))"
	" UPDATE runner_policy.namespaces t SET traversal_ids = s.path"
	"   FROM sub s"
	"  WHERE t.id = s.id AND t.traversal_ids IS DISTINCT FROM s.path",
	2, {INT8OID, INT8ARRAYOID}, NULL
};

/*
 * How many levels hang below $1, counted up to $2 (enough to know the limit
 * is passed, without walking a legacy tree to its end).
 */
static SavedQuery subtree_height = {
	"WITH RECURSIVE sub (id, depth, path) AS ("
	"  SELECT n.id, 1, ARRAY[n.id] FROM runner_policy.namespaces n"
	"   WHERE n.parent_id = $1"
	"  UNION ALL"
	"  SELECT n.id, s.depth + 1, s.path || n.id FROM runner_policy.namespaces n"
	"    JOIN sub s ON n.parent_id = s.id"
	"   WHERE n.id <> ALL (s.path) AND s.depth < $2)"
	" SELECT COALESCE(max(depth), 0)::bigint FROM sub",
	2, {INT8OID, INT4OID}, NULL
};

/*
 * Set while rewrite_subtree runs: the rows it updates carry their new paths,
 * and their own AFTER triggers must not start another cascade.  Backend
 * memory, where no SQL can set it.
 */
static int	cascade_level = 0;

/*
 * The parent's path, copied into the caller's memory context; errors if the
 * parent does not exist or the group is on it already (a cycle).
 */
static ArrayType *
parent_path(Relation rel, int64 id, int64 parent_id, bool new_parent)
{
	Oid			owner = rel->rd_rel->relowner;
	MemoryContext caller = CurrentMemoryContext;
	OwnerSpi	spi;
	Datum		arg = Int64GetDatum(parent_id);
	Datum		datum;
	bool		isnull;
	ArrayType  *path;
	Datum	   *elems;
	int			nelems;

	/*
	 * Rights before the checks that say more: a new parent must be one the
	 * actor reads.  A group that stays where it is (renamed, say) keeps its
	 * parent, whose id its own row already shows.
	 */
	if (new_parent && hidden_namespace(rel, parent_id))
		refuse_as_rls(rel);

	owner_spi_begin(&spi, owner);
	if (saved_query_run(&parent_path_share, &arg, NULL) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("parent namespace %lld does not exist",
						(long long) parent_id)));
	datum = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		elog(ERROR, "namespace %lld has no traversal_ids", (long long) parent_id);
	{
		MemoryContext spicxt = MemoryContextSwitchTo(caller);

		path = DatumGetArrayTypePCopy(datum);
		MemoryContextSwitchTo(spicxt);
	}
	owner_spi_end(&spi);

	deconstruct_array(path, INT8OID, sizeof(int64), true, TYPALIGN_DOUBLE,
					  &elems, NULL, &nelems);
	for (int i = 0; i < nelems; i++)
		if (DatumGetInt64(elems[i]) == id)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("cannot move namespace %lld under namespace %lld",
							(long long) id, (long long) parent_id),
					 errdetail("Namespace %lld is inside namespace %lld; the move would make a cycle.",
							   (long long) parent_id, (long long) id),
					 errhint("Move it under a namespace outside its own subtree.")));
	return path;
}

static ArrayType *
append_id(ArrayType *path, int64 id)
{
	Datum	   *elems;
	int			nelems;
	Datum	   *out;

	if (path == NULL)
	{
		Datum		only = Int64GetDatum(id);

		return construct_array(&only, 1, INT8OID, sizeof(int64), true,
							   TYPALIGN_DOUBLE);
	}
	deconstruct_array(path, INT8OID, sizeof(int64), true, TYPALIGN_DOUBLE,
					  &elems, NULL, &nelems);
	out = palloc((nelems + 1) * sizeof(Datum));
	memcpy(out, elems, nelems * sizeof(Datum));
	out[nelems] = Int64GetDatum(id);
	return construct_array(out, nelems + 1, INT8OID, sizeof(int64), true,
						   TYPALIGN_DOUBLE);
}

static int
path_length(ArrayType *path)
{
	return ArrayGetNItems(ARR_NDIM(path), ARR_DIMS(path));
}

static void
refuse_too_deep(int depth)
{
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("cannot nest a group %d levels deep", depth),
			 errdetail("Groups nest at most %d levels deep.", MAX_NAMESPACE_DEPTH),
			 errhint("Put the group higher up in the tree.")));
}

/*
 * A move (the parent changed) that makes the group deeper: the group and
 * everything under it must stay within the limit.
 */
static void
check_move_depth(Oid owner, int64 id, int new_length)
{
	OwnerSpi	spi;
	Datum		args[2];
	int64		height = 0;

	args[0] = Int64GetDatum(id);
	args[1] = Int32GetDatum(MAX_NAMESPACE_DEPTH + 1);
	owner_spi_begin(&spi, owner);
	if (saved_query_run(&subtree_height, args, NULL) > 0)
		(void) spi_result_int64(0, 1, &height);
	owner_spi_end(&spi);
	if (new_length + height > MAX_NAMESPACE_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("cannot move namespace %lld that deep", (long long) id),
				 errdetail("Groups nest at most %d levels deep; the group would be at level %d with %lld levels below it.",
						   MAX_NAMESPACE_DEPTH, new_length, (long long) height),
				 errhint("Move it higher up in the tree, or flatten what is under it first.")));
}

/*
 * A row of the cascade: its new path was computed by rewrite_subtree from
 * the moved group's.  Check its shape, not its parent's row, which the same
 * statement may not have reached yet.
 */
static HeapTuple
cascaded_row(TriggerData *td, TupleDesc desc, int64 id)
{
	HeapTuple	oldtup = td->tg_trigtuple;
	HeapTuple	newtup = td->tg_newtuple;
	int64		old_parent = 0;
	int64		new_parent = 0;
	bool		old_has = row_get_int64(oldtup, desc, "parent_id", &old_parent);
	bool		new_has = row_get_int64(newtup, desc, "parent_id", &new_parent);
	int			column = SPI_fnumber(desc, "traversal_ids");
	Datum		value;
	bool		isnull;
	ArrayType  *path;
	ArrayType  *old_path;
	Datum	   *elems;
	int			nelems;

	if (old_has != new_has || old_parent != new_parent || !new_has)
		elog(ERROR, "namespace %lld changed its parent during a cascade", (long long) id);
	value = heap_getattr(newtup, column, desc, &isnull);
	if (isnull)
		elog(ERROR, "namespace %lld has no traversal_ids", (long long) id);
	path = DatumGetArrayTypeP(value);
	deconstruct_array(path, INT8OID, sizeof(int64), true, TYPALIGN_DOUBLE,
					  &elems, NULL, &nelems);
	if (nelems < 2 || DatumGetInt64(elems[nelems - 1]) != id)
		elog(ERROR, "cascade gave namespace %lld a wrong path", (long long) id);

	/*
	 * The group was moved by another transaction while the cascade waited
	 * for it: the path computed before the wait is not where it is now.
	 * Fail as a serialization failure, which the client retries.
	 */
	if (DatumGetInt64(elems[nelems - 2]) != new_parent)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not move the group: a group under it was moved at the same time"),
				 errhint("Retry the move.")));

	/* a group inserted under the subtree since the move checked its depth */
	value = heap_getattr(oldtup, column, desc, &isnull);
	old_path = isnull ? NULL : DatumGetArrayTypeP(value);
	if (nelems > MAX_NAMESPACE_DEPTH &&
		(old_path == NULL || nelems > path_length(old_path)))
		refuse_too_deep(nelems);
	return newtup;
}

Datum
rp_namespaces_traversal(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data_checked(fcinfo, "namespaces_traversal");
	Relation	rel = td->tg_relation;
	TupleDesc	desc = RelationGetDescr(rel);
	bool		is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	HeapTuple	tuple = is_update ? td->tg_newtuple : td->tg_trigtuple;
	int64		id;
	int64		parent_id = 0;
	bool		has_parent;
	int64		old_parent = 0;
	bool		old_has = false;
	bool		moved;
	ArrayType  *path = NULL;
	ArrayType  *new_path;
	int			column;
	Datum		value;
	bool		isnull = false;

	if (!TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(is_update || TRIGGER_FIRED_BY_INSERT(td->tg_event)))
		elog(ERROR, "namespaces_traversal must fire BEFORE INSERT OR UPDATE, FOR EACH ROW");
	if (restore_copy_loads_row(td))
		return PointerGetDatum(tuple);	/* a restore: restore.c */

	/* a NULL id is refused by its NOT NULL constraint right after us */
	if (!row_get_int64(tuple, desc, "id", &id))
		return PointerGetDatum(tuple);

	if (is_update && cascade_level > 0)
		return PointerGetDatum(cascaded_row(td, desc, id));

	has_parent = row_get_int64(tuple, desc, "parent_id", &parent_id);
	if (is_update)
		old_has = row_get_int64(td->tg_trigtuple, desc, "parent_id", &old_parent);
	moved = !is_update || old_has != has_parent || old_parent != parent_id;
	if (has_parent)
	{
		if (parent_id == id)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("namespace %lld cannot be its own parent",
							(long long) id)));
		path = parent_path(rel, id, parent_id, moved);
	}

	new_path = append_id(path, id);
	column = SPI_fnumber(desc, "traversal_ids");
	if (column <= 0)
		elog(ERROR, "column \"traversal_ids\" does not exist");

	if (!is_update)
	{
		if (path_length(new_path) > MAX_NAMESPACE_DEPTH)
			refuse_too_deep(path_length(new_path));
	}
	else
	{
		Datum		old_value = heap_getattr(td->tg_trigtuple, column, desc, &isnull);
		int			old_length = isnull ? 0 : path_length(DatumGetArrayTypeP(old_value));

		/* a move that makes it deeper; a legacy tree may move up */
		if (moved && path_length(new_path) > old_length)
			check_move_depth(rel->rd_rel->relowner, id, path_length(new_path));
		isnull = false;
	}

	value = PointerGetDatum(new_path);
	return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, 1, &column,
													 &value, &isnull));
}

/*
 * AFTER UPDATE WHEN the path changed: rewrite the paths of the whole subtree
 * in one statement.  The rows that statement updates fire this trigger too;
 * they have nothing left to do.
 */
Datum
rp_namespaces_traversal_cascade(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data_checked(fcinfo, "namespaces_traversal_cascade");
	TupleDesc	desc;
	int64		id;
	Datum		args[2];
	bool		isnull;
	int			column;
	OwnerSpi	spi;

	if (!TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		elog(ERROR, "namespaces_traversal_cascade must fire AFTER UPDATE, FOR EACH ROW");

	if (cascade_level > 0)
		return PointerGetDatum(NULL);

	desc = RelationGetDescr(td->tg_relation);
	if (!row_get_int64(td->tg_newtuple, desc, "id", &id))
		return PointerGetDatum(NULL);
	column = SPI_fnumber(desc, "traversal_ids");
	args[0] = Int64GetDatum(id);
	args[1] = heap_getattr(td->tg_newtuple, column, desc, &isnull);
	if (isnull)
		return PointerGetDatum(NULL);

	owner_spi_begin(&spi, td->tg_relation->rd_rel->relowner);
	cascade_level++;
	PG_TRY();
	{
		/*
		 * Until nothing is left to rewrite: a row the statement had to wait
		 * for may have had a child committed under it meanwhile, which the
		 * statement's snapshot did not see and the next run's does.
		 */
		while (saved_query_run_crosscheck(&rewrite_subtree, args, NULL) > 0)
			CHECK_FOR_INTERRUPTS();
	}
	PG_FINALLY();
	{
		cascade_level--;
	}
	PG_END_TRY();
	owner_spi_end(&spi);
	return PointerGetDatum(NULL);
}

/* The saved queries of this file, for runner_policy.saved_queries() (saved_queries.c). */
const SavedQueryEntry namespace_tree_saved_queries[] = {
	SAVED_QUERY_ENTRY(parent_path_share),
	SAVED_QUERY_ENTRY(rewrite_subtree),
	SAVED_QUERY_ENTRY(subtree_height),
	{NULL, NULL}
};
