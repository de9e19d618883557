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

/* Registers the invalidation callback and the cache's limits; from _PG_init. */
extern void reach_cache_init(void);

/*
 * Called on every announcement of changed rights, after the kept reaches
 * were dropped: plan_binding.c forgets the plans that hold a decision.
 * One callback; the layer above registers it from _PG_init.
 */
typedef void (*ReachCacheInvalidated) (void);
extern void reach_cache_register_invalidation(ReachCacheInvalidated callback);

/*
 * The reaches kept from statement to statement (struct Reach is reach.h's,
 * the policy core's): one per actor, at most runner_policy.cache_actors of
 * them and runner_policy.cache_memory in all.  reach_cache_reuse() finds
 * the actor's kept reach when it may answer for the running statement (or
 * lets it go and returns NULL); reach_cache_keep() keeps a new one; a reach
 * neither kept nor the statement's is let go (reach_let_go), and freed once
 * no query holds it (reach_hold, reach_release: query_rights.c).
 */
struct Reach;
struct Actor;
extern bool reach_cache_keeping_allowed(void);
extern struct Reach *reach_cache_reuse(const struct Actor *actor, bool *still_kept);
extern void reach_cache_keep(struct Reach *r);
extern bool reach_cache_keeps(const struct Reach *r);
extern void reach_let_go(struct Reach *r);
extern void reach_hold(struct Reach *r);
extern void reach_release(struct Reach *r);

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
