/*-------------------------------------------------------------------------
 *
 * idset.c
 *	  Sorted sets of ids, and sorted maps of ids to access levels.
 *
 * Pure C over arrays of int64, apart from two conversions at the edges (the
 * rows of an SPI result in, a bigint[] out): the set algorithms of the
 * policy core, kept apart from the rules that use them so that each can be
 * read alone.  Sets are small sorted arrays, probed by binary search; a
 * function that makes one allocates it in the memory context it is given
 * (a reach's, or a statement's), never in whatever context is current.
 *
 * src/idset.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"

#include "idset.h"
#include "owner_spi.h"

static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* Sorts and removes duplicates, in place. */
void
idset_normalize(IdSet *set)
{
	int			out = 0;

	if (set->n <= 1)
		return;
	qsort(set->ids, set->n, sizeof(int64), cmp_int64);
	for (int i = 0; i < set->n; i++)
		if (out == 0 || set->ids[out - 1] != set->ids[i])
			set->ids[out++] = set->ids[i];
	set->n = out;
}

int
idset_find(const int64 *ids, int n, int64 id)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (ids[mid] == id)
			return mid;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

bool
idset_contains(const IdSet *set, int64 id)
{
	return idset_find(set->ids, set->n, id) >= 0;
}

int
level_of(const LevelMap *map, int64 id)
{
	int			i = idset_find(map->ids, map->n, id);

	return i < 0 ? 0 : map->levels[i];
}

/* The ids of a map whose level is at least "min". */
IdSet
levels_at_least(MemoryContext cxt, const LevelMap *map, int min)
{
	IdSet		set;

	set.ids = MemoryContextAlloc(cxt, sizeof(int64) * Max(map->n, 1));
	set.n = 0;
	for (int i = 0; i < map->n; i++)
		if (map->levels[i] >= min)
			set.ids[set.n++] = map->ids[i];
	return set;
}

IdSet
idset_of(MemoryContext cxt, const int64 *ids, int n)
{
	IdSet		set;

	set.ids = MemoryContextAlloc(cxt, sizeof(int64) * Max(n, 1));
	memcpy(set.ids, ids, sizeof(int64) * n);
	set.n = n;
	idset_normalize(&set);
	return set;
}

IdSet
idset_empty(MemoryContext cxt)
{
	return idset_of(cxt, NULL, 0);
}

/* The non-NULL elements of a bigint[] (of any shape), as a set. */
IdSet
idset_of_array(MemoryContext cxt, Datum array)
{
	ArrayType  *a = DatumGetArrayTypeP(array);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	IdSet		set;

	deconstruct_array(a, INT8OID, sizeof(int64), true, TYPALIGN_DOUBLE, &elems, &nulls, &n);
	set.ids = MemoryContextAlloc(cxt, sizeof(int64) * Max(n, 1));
	set.n = 0;
	for (int i = 0; i < n; i++)
		if (!nulls[i])
			set.ids[set.n++] = DatumGetInt64(elems[i]);
	idset_normalize(&set);
	return set;
}

/* The first column (bigint) of every row of the last SPI result. */
IdSet
idset_from_spi(MemoryContext cxt)
{
	IdSet		set;

	set.ids = MemoryContextAlloc(cxt, sizeof(int64) * Max(SPI_processed, 1));
	set.n = 0;
	for (uint64 i = 0; i < SPI_processed; i++)
		if (spi_result_int64(i, 1, &set.ids[set.n]))
			set.n++;
	idset_normalize(&set);
	return set;
}

Datum
idset_array(const IdSet *set)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(set->n, 1));

	for (int i = 0; i < set->n; i++)
		elems[i] = Int64GetDatum(set->ids[i]);
	return PointerGetDatum(construct_array(elems, set->n, INT8OID, sizeof(int64),
										   true, TYPALIGN_DOUBLE));
}

/* The union of two sets, as a new set. */
IdSet
idset_union(MemoryContext cxt, IdSet a, IdSet b)
{
	IdSet		all;

	all.ids = MemoryContextAlloc(cxt, sizeof(int64) * Max(a.n + b.n, 1));
	memcpy(all.ids, a.ids, sizeof(int64) * a.n);
	memcpy(all.ids + a.n, b.ids, sizeof(int64) * b.n);
	all.n = a.n + b.n;
	idset_normalize(&all);
	return all;
}

/* Both sorted: one walk of each. */
bool
idset_subset(const IdSet *part, const IdSet *whole)
{
	int			j = 0;

	for (int i = 0; i < part->n; i++)
	{
		while (j < whole->n && whole->ids[j] < part->ids[i])
			j++;
		if (j == whole->n || whole->ids[j] != part->ids[i])
			return false;
	}
	return true;
}

bool
levels_covered(const LevelMap *part, const LevelMap *whole)
{
	int			j = 0;

	for (int i = 0; i < part->n; i++)
	{
		while (j < whole->n && whole->ids[j] < part->ids[i])
			j++;
		if (j == whole->n || whole->ids[j] != part->ids[i] ||
			whole->levels[j] < part->levels[i])
			return false;
	}
	return true;
}
