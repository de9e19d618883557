/*-------------------------------------------------------------------------
 *
 * idset.h
 *	  Sorted sets of ids, and sorted maps of ids to access levels.
 *
 * The policy core decides every row by probing such sets in memory (see
 * policy_core.c); this is their whole vocabulary.  A set is sorted and has
 * no duplicates, so that a probe is a binary search.  Every function that
 * makes a set allocates it in the memory context it is given.
 *
 * src/idset.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef IDSET_H
#define IDSET_H

#include "postgres.h"

/* A sorted set of ids, and a sorted map of ids to access levels. */
typedef struct IdSet
{
	int64	   *ids;
	int			n;
} IdSet;

typedef struct LevelMap
{
	int64	   *ids;
	int16	   *levels;
	int			n;
} LevelMap;

/* Sorts and removes duplicates, in place. */
extern void idset_normalize(IdSet *set);

/* The index of an id in a sorted array, or -1. */
extern int	idset_find(const int64 *ids, int n, int64 id);
extern bool idset_contains(const IdSet *set, int64 id);

/* A map's level for an id; 0 for an id it does not hold. */
extern int	level_of(const LevelMap *map, int64 id);

/* The ids of a map whose level is at least "min". */
extern IdSet levels_at_least(MemoryContext cxt, const LevelMap *map, int min);

/* A set of the given ids (any order, duplicates allowed), or of none. */
extern IdSet idset_of(MemoryContext cxt, const int64 *ids, int n);
extern IdSet idset_empty(MemoryContext cxt);

/* The union of two sets, as a new set. */
extern IdSet idset_union(MemoryContext cxt, IdSet a, IdSet b);

/* Every id of "part" is in "whole". */
extern bool idset_subset(const IdSet *part, const IdSet *whole);

/* Every id of "part" has at least its level in "whole". */
extern bool levels_covered(const LevelMap *part, const LevelMap *whole);

/* The non-NULL elements of a bigint[], as a set. */
extern IdSet idset_of_array(MemoryContext cxt, Datum array);

/* The first column (bigint) of every row of the last SPI result. */
extern IdSet idset_from_spi(MemoryContext cxt);

/* A set as a bigint[], in the current memory context. */
extern Datum idset_array(const IdSet *set);

#endif							/* IDSET_H */
