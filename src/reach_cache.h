/*-------------------------------------------------------------------------
 *
 * reach_cache.h
 *	  When a reach worked out for one statement may answer for the next.
 *
 * src/reach_cache.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef REACH_CACHE_H
#define REACH_CACHE_H

#include "postgres.h"

#include "utils/snapshot.h"

/* Registers the invalidation callback; from _PG_init. */
extern void reach_cache_init(void);

/*
 * Changes whenever a committed (or, in this transaction, a completed)
 * change may have altered any actor's reach.  A reach built under one epoch
 * is never used under another.
 */
extern uint64 reach_cache_epoch(void);

/*
 * When a reach was worked out, as far as announcements go: a kept reach
 * answers for a later statement only while reach_cache_stamp_valid() says
 * no announcement since concerns its actor's user (user 0: a runner, which
 * only announcements to everyone concern).  Take the stamp before the
 * reach reads anything.
 */
typedef struct ReachStamp
{
	uint64		epoch;
	uint64		signals;
	uint64		ring_seq;
} ReachStamp;

extern void reach_cache_stamp(ReachStamp *stamp);
extern bool reach_cache_stamp_valid(ReachStamp *stamp, int64 user_id);

/* Announcements of changed rights this backend received, since it started. */
extern uint64 reach_cache_invalidations(void);

/*
 * Whether a reach built earlier (under the same epoch) may answer for the
 * running statement as far as other sessions go: processes the pending
 * invalidations, and says false while a change to the rights tables may be
 * committed but not yet announced (see reach_cache.c).  Call it with a
 * transaction and a resource owner; the epoch is read after it.
 */
extern bool reach_cache_others_quiet(void);

/*
 * This transaction's own changes to the rights tables: whether it has made
 * any (a reach built now sees them), and whether a reach built in
 * built_lxid at built_cid may answer now as far as they go.
 */
extern bool reach_cache_own_changes_now(void);
extern bool reach_cache_own_changes_allow(LocalTransactionId built_lxid, CommandId built_cid,
										  bool saw_own_changes);

/*
 * What a snapshot saw, kept with a reach: a later statement's snapshot may
 * use the reach only if it sees at least every transaction this one saw
 * as committed, and this transaction's own changes to the rights tables.
 */
typedef struct SnapshotImage
{
	bool		valid;
	TransactionId xmin;
	TransactionId xmax;
	uint32		xcnt;
	TransactionId *xip;			/* sorted */
	uint32		subxcnt;
	TransactionId *subxip;		/* sorted */
	bool		suboverflowed;
} SnapshotImage;

extern void snapshot_image_take(SnapshotImage *image, Snapshot snap, MemoryContext cxt);
extern bool snapshot_image_covered_by(const SnapshotImage *image, Snapshot snap);

#endif							/* REACH_CACHE_H */
