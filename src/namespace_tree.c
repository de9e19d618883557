/*-------------------------------------------------------------------------
 *
 * namespace_tree.c
 *	  namespaces.traversal_ids, kept right on every write.
 *
 * traversal_ids is the path of ids from the root group down to the group
 * itself.  The BEFORE trigger recomputes it from the parent's path on every
 * insert and update, whatever value the writer gave, so it cannot be set
 * wrong by hand; a move that would put a group under itself is refused.  When
 * a group's path changes, the AFTER trigger touches its direct children,
 * whose own triggers recompute their paths and touch theirs, down the tree.
 *
 * Concurrency.  Every write locks the parent row FOR SHARE before reading its
 * path.  That lock conflicts with the update a move makes to the moved group
 * and, through the cascade, to every group under it.  So a group inserted
 * under a subtree that is being moved waits for the move and then reads the
 * new path, and of two moves that together would close a cycle the second
 * waits for the first and then sees the cycle.  Under REPEATABLE READ the
 * waiter fails to serialize instead.  The cascade itself reads the children
 * with the newest snapshot and checks them against the transaction's, like
 * PostgreSQL's foreign-key cascades, so a REPEATABLE READ move cannot miss a
 * child committed after its snapshot: it fails to serialize.
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
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "owner_spi.h"
#include "restore.h"
#include "runner_policy.h"

PG_FUNCTION_INFO_V1(rp_namespaces_traversal);
PG_FUNCTION_INFO_V1(rp_namespaces_traversal_cascade);

static SavedQuery parent_path_share = {
	"SELECT traversal_ids FROM runner_policy.namespaces WHERE id = $1 FOR SHARE",
	1, {INT8OID}, NULL
};
static SavedQuery touch_children = {
	"UPDATE runner_policy.namespaces SET parent_id = parent_id WHERE parent_id = $1",
	1, {INT8OID}, NULL
};

/*
 * The parent's path, copied into the caller's memory context; errors if the
 * parent does not exist or the group is on it already (a cycle).
 */
static ArrayType *
parent_path(Oid owner, int64 id, int64 parent_id)
{
	MemoryContext caller = CurrentMemoryContext;
	OwnerSpi	spi;
	Datum		arg = Int64GetDatum(parent_id);
	Datum		datum;
	bool		isnull;
	ArrayType  *path;
	Datum	   *elems;
	int			nelems;

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

Datum
rp_namespaces_traversal(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data_checked(fcinfo, "namespaces_traversal");
	Relation	rel = td->tg_relation;
	TupleDesc	desc = RelationGetDescr(rel);
	bool		is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	HeapTuple	tuple = is_update ? td->tg_newtuple : td->tg_trigtuple;
	int64		id;
	int64		parent_id;
	ArrayType  *path = NULL;
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

	if (row_get_int64(tuple, desc, "parent_id", &parent_id))
	{
		if (parent_id == id)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("namespace %lld cannot be its own parent",
							(long long) id)));
		path = parent_path(rel->rd_rel->relowner, id, parent_id);
	}

	value = PointerGetDatum(append_id(path, id));
	column = SPI_fnumber(desc, "traversal_ids");
	if (column <= 0)
		elog(ERROR, "column \"traversal_ids\" does not exist");
	return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, 1, &column,
													 &value, &isnull));
}

/* AFTER UPDATE WHEN the path changed: have the children recompute theirs. */
Datum
rp_namespaces_traversal_cascade(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data_checked(fcinfo, "namespaces_traversal_cascade");
	int64		id;
	Datum		arg;
	OwnerSpi	spi;

	if (!TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		elog(ERROR, "namespaces_traversal_cascade must fire AFTER UPDATE, FOR EACH ROW");

	if (!row_get_int64(td->tg_newtuple, RelationGetDescr(td->tg_relation), "id", &id))
		return PointerGetDatum(NULL);
	arg = Int64GetDatum(id);
	owner_spi_begin(&spi, td->tg_relation->rd_rel->relowner);
	(void) saved_query_run_crosscheck(&touch_children, &arg, NULL);
	owner_spi_end(&spi);
	return PointerGetDatum(NULL);
}
