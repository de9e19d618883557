/*-------------------------------------------------------------------------
 *
 * reach_cache.c
 *	  The whole decision cache: the reaches kept from statement to
 *	  statement, their limits, and when one may answer for the next.
 *
 * Working out what an actor reaches takes a handful of indexed queries; for
 * a user in thousands of groups, tens of milliseconds.  This file keeps the
 * reaches policy_core.c built (one per actor, the most recently used first
 * to stay, within runner_policy.cache_actors and runner_policy.cache_memory)
 * and says when one may answer for a later statement: never after a change
 * that can alter a reach, and never for a statement whose snapshot is older
 * than the reach.  What else must forget on an announcement (plan_binding.c's
 * folded plans) registers a callback: this file calls nothing above it.  The model
 * is pg_cron's job cache and sepgsql's access vector cache: a change is
 * announced through the relation cache invalidation messages, which every
 * backend reads (and a hot standby replays from the WAL), and a callback
 * drops what it knew.
 *
 * What counts as a change.  Statement-level triggers on the tables the
 * rights are read from (users, tokens, groups, projects, memberships,
 * runners, their links, job token scope links; only the columns that
 * matter: a runner's heartbeat is not a change) call reach_changed(),
 * which notes the change; just before the transaction commits (or is
 * prepared), a relcache invalidation of runner_policy.rights_epoch is
 * registered, and goes out with the commit.  That relation has no columns
 * and no rows, and no plan reads it: it exists to carry the announcement.
 * Invalidating the changed tables themselves, as before, made every
 * backend rebuild their relation cache entries (policies and triggers
 * parsed again) and replan every cached plan that reads them, the
 * extension's own saved queries included, after every committed write.
 * (With the SQL of a release before rights_epoch, installed under this
 * library until ALTER EXTENSION UPDATE, the changed tables are
 * invalidated as before.)  A transaction that rolls back announces
 * nothing, to anyone.  Any relcache invalidation of rights_epoch, and a
 * reset of the whole cache (relid 0, after the invalidation queue
 * overflowed), moves the epoch, and a reach of an older epoch is never
 * used.  Within the changing transaction, a reach is reused only if it was
 * built after the transaction's last change (reach_cache_own_changes_allow),
 * and a reach that saw the transaction's own changes is never reused
 * after it.
 *
 * The commit window.  A committing transaction becomes visible to new
 * snapshots before it sends its invalidations (ProcArrayEndTransaction
 * comes before AtEOXact_Inval), so for a moment a statement could see a
 * removed membership as gone in its rows and still find the old reach.
 * So a transaction that changed rights also takes a lock on a database
 * object of the extension in RowExclusiveLock, just before it commits
 * (XACT_EVENT_PRE_COMMIT, so before its commit is visible), and holds it
 * until after its invalidations are out.  A statement that wants to reuse a reach first
 * tries a ShareLock on it without waiting, and lets go at once: when it
 * gets it, no writer of the rights tables is anywhere between commit and
 * announcement, and the invalidations it then accepts are all there are.
 * When it does not (a writer is committing right now), the statement
 * builds its reach afresh, as every statement did before the cache.  An
 * open transaction that changed rights but has not started to commit does
 * not hold the lock, so it holds up no reuse.  On a hot standby
 * locks are not replayed; there the statement reuses a reach only once the
 * record the startup process was replaying when it asked has finished (a
 * commit made visible has then also sent its invalidations; a record begun
 * later made nothing visible to the statement's snapshot, taken before).
 * While the primary writes, a statement often asks in the middle of some
 * record, and a record takes microseconds, so the statement waits for it,
 * up to STANDBY_REPLAY_WAIT_US: not waiting made up to one statement in
 * thirty rebuild for nothing on a standby of a primary committing twenty
 * writes a second.  Replay that is held up longer (by a recovery
 * conflict, say, perhaps with this very backend) is not waited for: the
 * statement builds its reach afresh.
 *
 * Snapshots.  The reach reads the newest state, the statement's rows its
 * snapshot (doc/actors.md asks for no more than both allow).  A reach
 * keeps an image of the snapshot it was built after; a statement may reuse
 * it only if its own snapshot sees as committed every transaction the image
 * did (snapshot_image_covered_by), and this transaction's own changes to
 * the rights tables.  A REPEATABLE READ transaction or a cursor older than
 * the reach builds its own, as before, for itself: the kept reach stays
 * kept for later statements (an older snapshot says nothing of the rights).
 *
 * The read path never writes: the lock is only tried, the callback only
 * counts, and all of it runs on a standby.
 *
 * src/reach_cache.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "access/xlogrecovery.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lmgr.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "monitor.h"
#include "owner_spi.h"
#include "reach.h"
#include "reach_cache.h"
#include "runner_policy.h"
#include "version.h"


/*
 * The limits, settings a superuser or the server's configuration sets
 * (PGC_SUSET): how many actors' reaches a backend keeps, and how much
 * memory they may take in all (kB).  Lowered, they apply at the next
 * reach kept.  The kept reaches themselves are at the end of this file.
 */
#define KEPT_REACHES		64	/* at most runner_policy.cache_actors of them used */
static int	cache_actors = 8;
static int	cache_memory_kb = 64 * 1024;

/*
 * How long a statement on a hot standby waits for the record being
 * replayed to finish before it builds its reach afresh (see "The commit
 * window"), and how often it looks, in microseconds.
 */
#define STANDBY_REPLAY_WAIT_US	5000
#define STANDBY_REPLAY_POLL_US	50

/* The relation whose invalidation announces a change of rights. */
#define RIGHTS_EPOCH_RELATION	"rights_epoch"
/* ... and the one whose invalidation drops every reach (a prepared change) */
#define RIGHTS_RESET_RELATION	"rights_reset"

/* The tables whose changes move the epoch (the ones with reach_changed). */
static const char *const rights_tables[] = {
	"users", "tokens", "namespaces", "projects", "project_members",
	"group_members", "ci_runners", "ci_runner_projects",
	"ci_runner_namespaces", "ci_job_token_scope_links", "ci_builds"
};
#define NUM_RIGHTS_TABLES lengthof(rights_tables)

/*
 * epoch moves on every change that drops every kept reach; signals on
 * every announcement that the ring below can narrow (see "Who changed").
 */
static uint64 epoch = 1;
static uint64 signals = 0;

/*
 * The oids of the rights tables, looked up outside the callback (which must
 * not read the catalogs).  Until they are known, every relcache
 * invalidation moves the epoch.
 */
static Oid	rights_oids[NUM_RIGHTS_TABLES];
static Oid	rights_epoch_oid = InvalidOid;	/* InvalidOid in SQL before 1.2 */
static Oid	rights_reset_oid = InvalidOid;	/* InvalidOid in SQL before 1.2 */
static bool rights_oids_known = false;

/* This transaction's last command that changed a rights table. */
static LocalTransactionId own_change_lxid = InvalidLocalTransactionId;
static CommandId own_change_cid = InvalidCommandId;

/*
 * The rights tables this transaction changed, to announce at commit, and
 * the outermost subtransaction that noted a change still standing: when it
 * aborts, every change noted since goes with it (subtransaction ids only
 * grow, and all that began after it are inside it).
 */
static Oid	changed[NUM_RIGHTS_TABLES];
static int	nchanged = 0;
static SubTransactionId changed_subid = InvalidSubTransactionId;

/* Announcements received by this backend (reach_cache_counters()). */
static uint64 invalidations = 0;

/* The object writers lock until their invalidations are out (see above). */
#define WRITERS_LOCK_SUBID	1

/*
 * The extension's oid, or InvalidOid while it is not installed.  Asked on
 * every statement that reuses a reach, so kept for the epoch: dropping the
 * extension drops the rights tables, which moves it.
 */
static Oid
extension_oid(void)
{
	static Oid	ext = InvalidOid;
	static uint64 found_at = 0;

	if (!OidIsValid(ext) || found_at != epoch)
	{
		ext = get_extension_oid(RUNNER_POLICY_EXTENSION, true);
		found_at = epoch;
	}
	return ext;
}

/* ----------------------------------------------------------------------
 * Who changed: announcements narrowed to the users they concern
 *
 * A membership row concerns its user only, and a users row that user: a
 * change to one drops only the reaches of that user's actors (a user, or
 * a token acting for one).  A relcache invalidation carries no such
 * detail, so a committing transaction also writes whom it changed into a
 * ring in shared memory, and a backend that receives the announcement
 * reads the ring before it drops anything.  The entry is written at
 * XACT_EVENT_COMMIT, after the commit is visible and before the
 * invalidation is sent and the writers' lock let go; a reach remembers the
 * ring's head from before it read anything (reach_cache_stamp), so a
 * commit its reads missed has an entry after that head.  Everything else
 * stays coarse: changes to groups, projects and scope links concern
 * everyone; a transaction that changed more users than an entry holds, or
 * an entry the ring has already overwritten, counts as everyone; so do a
 * prepared transaction (COMMIT PREPARED runs no callback of ours: its
 * announcement is a relcache invalidation of runner_policy.rights_reset,
 * which drops every reach) and a hot standby, which replays the
 * invalidation and nothing else.  Without the library in
 * shared_preload_libraries there is no ring, and every announcement is
 * coarse.
 * ---------------------------------------------------------------------- */

#define RING_ENTRIES	1024
#define RING_USERS		8

typedef struct RingEntry
{
	uint64		seq;			/* its position, from 1 */
	Oid			dboid;
	bool		everyone;
	int			nusers;
	int64		users[RING_USERS];
} RingEntry;

typedef struct RightsRing
{
	LWLock	   *lock;
	uint64		head;			/* the last entry's seq; 0 for none */
	RingEntry	entries[RING_ENTRIES];
} RightsRing;

static RightsRing *ring = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* Whom this transaction changed, for its entry. */
static bool changed_everyone = false;
static int	changed_nusers = 0;
static int64 changed_users[RING_USERS];
static bool entry_due = false;	/* announced at PRE_COMMIT: write the entry at COMMIT */

static void
ring_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(RightsRing)));
	RequestNamedLWLockTranche("runner_policy rights ring", 1);
}

static void
ring_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	ring = ShmemInitStruct("runner_policy rights ring", sizeof(RightsRing), &found);
	if (!found)
	{
		memset(ring, 0, sizeof(RightsRing));
		ring->lock = &(GetNamedLWLockTranche("runner_policy rights ring"))->lock;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Notes a user the transaction's change concerns, or everyone (user 0). */
static void
note_user(int64 user_id)
{
	if (user_id == 0 || changed_nusers == RING_USERS)
	{
		changed_everyone = true;
		return;
	}
	for (int i = 0; i < changed_nusers; i++)
		if (changed_users[i] == user_id)
			return;
	changed_users[changed_nusers++] = user_id;
}

static void
forget_users(void)
{
	changed_everyone = false;
	changed_nusers = 0;
}

/* After the commit is visible: whom it changed, for the backends it tells. */
static void
ring_append(void)
{
	RingEntry  *e;

	if (ring == NULL)
		return;
	LWLockAcquire(ring->lock, LW_EXCLUSIVE);
	e = &ring->entries[ring->head % RING_ENTRIES];
	e->seq = ++ring->head;
	e->dboid = MyDatabaseId;
	e->everyone = changed_everyone;
	e->nusers = changed_nusers;
	memcpy(e->users, changed_users, sizeof(int64) * changed_nusers);
	LWLockRelease(ring->lock);
}

/* The ring's head now; 0 without a ring. */
static uint64
ring_head(void)
{
	uint64		head;

	if (ring == NULL)
		return 0;
	LWLockAcquire(ring->lock, LW_SHARED);
	head = ring->head;
	LWLockRelease(ring->lock);
	return head;
}

/*
 * Do the entries after "since", up to "upto", leave a reach of this user's
 * actor as it was?  Not if one concerns everyone or the user, or the ring
 * has overwritten one of them.
 */
static bool
ring_spares(uint64 since, uint64 upto, int64 user_id)
{
	bool		spared = true;

	if (ring == NULL || upto - since > RING_ENTRIES)
		return false;
	LWLockAcquire(ring->lock, LW_SHARED);
	for (uint64 seq = since + 1; seq <= upto && spared; seq++)
	{
		RingEntry  *e = &ring->entries[(seq - 1) % RING_ENTRIES];

		if (e->seq != seq)
			spared = false;		/* overwritten since */
		else if (e->dboid != MyDatabaseId)
			continue;
		else if (e->everyone)
			spared = false;
		else					/* a runner (user 0) has no memberships */
			for (int i = 0; i < e->nusers && spared; i++)
				spared = e->users[i] != user_id;
	}
	LWLockRelease(ring->lock);
	return spared;
}

void
reach_cache_stamp(ReachStamp *stamp)
{
	/* the head first: a commit the reach's reads miss comes after it */
	stamp->ring_seq = ring_head();
	stamp->epoch = epoch;
	stamp->signals = signals;
}

bool
reach_cache_stamp_valid(ReachStamp *stamp, int64 user_id)
{
	uint64		head;

	if (stamp->epoch != epoch)
		return false;
	if (stamp->signals == signals)
		return true;
	head = ring_head();
	if (!ring_spares(stamp->ring_seq, head, user_id))
		return false;
	stamp->signals = signals;
	stamp->ring_seq = head;
	return true;
}

/*
 * Who else must forget what a kept reach told it: plan_binding.c, whose
 * cached plans keep decisions, registers it from _PG_init.
 */
static ReachCacheInvalidated invalidation_callback = NULL;

void
reach_cache_register_invalidation(ReachCacheInvalidated callback)
{
	invalidation_callback = callback;
}

/*
 * A rights table changed (or every relation did): no kept reach holds, and
 * no cached plan may keep a decision made with one (the callback above).
 */
static void
rights_relcache_callback(Datum arg, Oid relid)
{
	bool		rights = !OidIsValid(relid) || !rights_oids_known ||
		relid == rights_epoch_oid ||
		(OidIsValid(rights_reset_oid) && relid == rights_reset_oid);

	for (int i = 0; i < (int) NUM_RIGHTS_TABLES && !rights && !OidIsValid(rights_epoch_oid); i++)
		rights = rights_oids[i] == relid;
#ifdef RP_NO_INVALIDATION
	/* make check-invalidation: the tests that see other sessions' changes must fail */
	rights = false;
#endif
	if (rights)
	{
		/* an announcement the ring can narrow, or one that drops every reach */
		if (relid == rights_epoch_oid && OidIsValid(relid) && ring != NULL &&
			!RecoveryInProgress())
			signals++;
		else
			epoch++;
		invalidations++;
		monitor_count(MON_INVALIDATIONS);
		if (invalidation_callback != NULL)
			invalidation_callback();
	}
}

/*
 * Announces this transaction's changes with its commit: the invalidations
 * registered now are sent by AtEOXact_Inval, after the commit is visible
 * and before the writers' lock is let go; a prepared transaction keeps
 * them for COMMIT PREPARED.
 */
static void
rights_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (nchanged > 0)
			{
				Oid			ext = extension_oid();
				Oid			announce = OidIsValid(ext) ?
					get_relname_relid(RIGHTS_EPOCH_RELATION, runner_policy_extension_schema()) :
					InvalidOid;

				/* held from before the commit is visible to after it is announced */
				if (OidIsValid(ext))
					LockDatabaseObject(ExtensionRelationId, ext, WRITERS_LOCK_SUBID,
									   RowExclusiveLock);
				if (OidIsValid(announce))
					CacheInvalidateRelcacheByRelid(announce);
				/*
				 * No ring entry after COMMIT PREPARED: announce it coarsely,
				 * by rights_reset, which drops every kept reach (on a Citus
				 * worker the changed tables are shards of the reference
				 * tables, which nobody takes for rights tables; Citus commits
				 * every write of them this way).  With the SQL of a release
				 * before it, by the changed tables, as before.
				 */
				if (!OidIsValid(announce) || event == XACT_EVENT_PRE_PREPARE)
				{
					Oid			reset = OidIsValid(announce) ?
						get_relname_relid(RIGHTS_RESET_RELATION, runner_policy_extension_schema()) :
						InvalidOid;

					if (OidIsValid(reset))
						CacheInvalidateRelcacheByRelid(reset);
					else
						for (int i = 0; i < nchanged; i++)
							CacheInvalidateRelcacheByRelid(changed[i]);
				}
				entry_due = OidIsValid(announce) && event == XACT_EVENT_PRE_COMMIT;
			}
			nchanged = 0;
			break;
		case XACT_EVENT_COMMIT:
			if (entry_due)
				ring_append();
			/* FALLTHROUGH */
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
			nchanged = 0;
			entry_due = false;
			forget_users();
			break;
		default:
			break;
	}
}

/*
 * A subtransaction that rolls back takes the changes it noted with it, and
 * a reach built since this transaction's own changes may have seen rows
 * that are gone now: none built before is used again.
 */
static void
rights_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	if (nchanged > 0 && changed_subid >= mySubid)
	{
		nchanged = 0;
		forget_users();
	}
	if (own_change_lxid == CURRENT_LXID)
		epoch++;
}

void
reach_cache_init(void)
{
	DefineCustomIntVariable("runner_policy.cache_actors",
							"How many actors' reaches a backend keeps from statement to statement.",
							"0 keeps none: every statement works its reach out afresh.",
							&cache_actors, 8, 0, KEPT_REACHES,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("runner_policy.cache_memory",
							"How much memory the reaches a backend keeps may take in all.",
							"The reach of the running statement is kept whatever its size.",
							&cache_memory_kb, 64 * 1024, 0, MAX_KILOBYTES,
							PGC_SUSET, GUC_UNIT_KB, NULL, NULL, NULL);
	CacheRegisterRelcacheCallback(rights_relcache_callback, (Datum) 0);
	RegisterXactCallback(rights_xact_callback, NULL);
	RegisterSubXactCallback(rights_subxact_callback, NULL);
	if (process_shared_preload_libraries_in_progress)
	{
		prev_shmem_request_hook = shmem_request_hook;
		shmem_request_hook = ring_shmem_request;
		prev_shmem_startup_hook = shmem_startup_hook;
		shmem_startup_hook = ring_shmem_startup;
	}
}

uint64
reach_cache_invalidations(void)
{
	return invalidations;
}

bool
reach_cache_own_changes_now(void)
{
	return own_change_lxid == CURRENT_LXID;
}

bool
reach_cache_own_changes_allow(LocalTransactionId built_lxid, CommandId built_cid,
							  bool saw_own_changes)
{
	if (own_change_lxid == CURRENT_LXID)
		return built_lxid == CURRENT_LXID && built_cid > own_change_cid;
	return !saw_own_changes || built_lxid == CURRENT_LXID;
}

uint64
reach_cache_epoch(void)
{
	return epoch;
}


/*
 * Looks the rights tables up (once per epoch: a DROP and CREATE EXTENSION
 * gives them new oids, and moves the epoch on the way).
 */
static void
learn_rights_oids(void)
{
	static uint64 learned_at = 0;
	Oid			nsp;

	if (rights_oids_known && learned_at == epoch)
		return;
	nsp = OidIsValid(extension_oid()) ? runner_policy_extension_schema() : InvalidOid;
	for (int i = 0; i < (int) NUM_RIGHTS_TABLES; i++)
		rights_oids[i] = OidIsValid(nsp) ? get_relname_relid(rights_tables[i], nsp) : InvalidOid;
	rights_epoch_oid = OidIsValid(nsp) ? get_relname_relid(RIGHTS_EPOCH_RELATION, nsp) : InvalidOid;
	rights_reset_oid = OidIsValid(nsp) ? get_relname_relid(RIGHTS_RESET_RELATION, nsp) : InvalidOid;
	rights_oids_known = OidIsValid(nsp);
	learned_at = epoch;
}


bool
reach_cache_others_quiet(void)
{
	bool		quiet;

	if (RecoveryInProgress())
	{
		/*
		 * The record being replayed now has finished: the end of the last
		 * record replayed has reached its end, read first (both are the
		 * same when the startup process is between records).
		 */
		XLogRecPtr	replaying = GetCurrentReplayRecPtr(NULL);
		long		waited = 0;

		while (!(quiet = GetXLogReplayRecPtr(NULL) >= replaying) &&
			   waited < STANDBY_REPLAY_WAIT_US)
		{
			CHECK_FOR_INTERRUPTS();
			pg_usleep(STANDBY_REPLAY_POLL_US);
			waited += STANDBY_REPLAY_POLL_US;
		}
	}
	else
	{
		Oid			ext = extension_oid();

		quiet = OidIsValid(ext) &&
			ConditionalLockDatabaseObject(ExtensionRelationId, ext,
										  WRITERS_LOCK_SUBID, ShareLock);
		if (quiet)
			UnlockDatabaseObject(ExtensionRelationId, ext, WRITERS_LOCK_SUBID, ShareLock);
	}
	AcceptInvalidationMessages();
	learn_rights_oids();
	return quiet;
}

/* ----------------------------------------------------------------------
 * Snapshot images
 * ---------------------------------------------------------------------- */

static int
cmp_xid(const void *a, const void *b)
{
	TransactionId x = *(const TransactionId *) a;
	TransactionId y = *(const TransactionId *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

static TransactionId *
sorted_copy(const TransactionId *xids, uint32 n, MemoryContext cxt)
{
	TransactionId *copy = MemoryContextAlloc(cxt, sizeof(TransactionId) * Max(n, 1));

	if (n > 0)
	{
		memcpy(copy, xids, sizeof(TransactionId) * n);
		qsort(copy, n, sizeof(TransactionId), cmp_xid);
	}
	return copy;
}

static bool
xid_in(TransactionId xid, const TransactionId *sorted, uint32 n)
{
	return n > 0 && bsearch(&xid, sorted, n, sizeof(TransactionId), cmp_xid) != NULL;
}

void
snapshot_image_take(SnapshotImage *image, Snapshot snap, MemoryContext cxt)
{
	image->valid = true;
	image->xmin = snap->xmin;
	image->xmax = snap->xmax;
	image->xcnt = snap->xcnt;
	image->xip = sorted_copy(snap->xip, snap->xcnt, cxt);
	image->subxcnt = (uint32) snap->subxcnt;
	image->subxip = sorted_copy(snap->subxip, snap->subxcnt, cxt);
	image->suboverflowed = snap->suboverflowed;
}

/*
 * Does "snap" see as committed every transaction the image saw so?  The
 * image saw as committed every transaction below its xmax that was not in
 * progress; "snap" must reach at least as far, and whatever it still finds
 * in progress below the image's xmax must have been in progress for the
 * image too.  An overflowed subtransaction cache cannot be compared this
 * way: then the answer is no.  And within this transaction, a snapshot
 * taken before our own last change to a rights table does not see it.
 */
bool
snapshot_image_covered_by(const SnapshotImage *image, Snapshot snap)
{
	if (!image->valid || image->suboverflowed || snap->suboverflowed)
		return false;
	if (TransactionIdPrecedes(snap->xmax, image->xmax))
		return false;
	for (uint32 i = 0; i < snap->xcnt; i++)
		if (TransactionIdPrecedes(snap->xip[i], image->xmax) &&
			!xid_in(snap->xip[i], image->xip, image->xcnt))
			return false;
	for (int32 i = 0; i < snap->subxcnt; i++)
		if (TransactionIdPrecedes(snap->subxip[i], image->xmax) &&
			!xid_in(snap->subxip[i], image->subxip, image->subxcnt) &&
			!xid_in(snap->subxip[i], image->xip, image->xcnt))
			return false;
	if (own_change_lxid == CURRENT_LXID && snap->curcid <= own_change_cid)
		return false;
	return true;
}

/* ----------------------------------------------------------------------
 * SQL: the trigger on the rights tables
 * ---------------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(rp_reach_changed);

/*
 * Did an UPDATE change any of the columns the trigger lists (UPDATE OF
 * ...)?  A trigger that lists none counts every update.
 */
static bool
listed_columns_changed(TriggerData *td)
{
	Trigger    *trigger = td->tg_trigger;
	TupleDesc	desc = RelationGetDescr(td->tg_relation);

	if (trigger->tgnattr == 0)
		return true;
	for (int i = 0; i < trigger->tgnattr; i++)
		if (row_column_changed(td->tg_trigtuple, td->tg_newtuple, desc, trigger->tgattr[i]))
			return true;
	return false;
}

/* Notes a change of rights, to be announced when the transaction commits. */
static void
note_change(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	SubTransactionId subid = GetCurrentSubTransactionId();
	int			i;

	if (nchanged == 0 || subid < changed_subid)
		changed_subid = subid;
	for (i = 0; i < nchanged && changed[i] != relid; i++)
		;
	if (i == nchanged && nchanged < (int) NUM_RIGHTS_TABLES)
		changed[nchanged++] = relid;
	else if (i == nchanged)
		CacheInvalidateRelcache(rel);	/* not ours: now */
	own_change_lxid = CURRENT_LXID;
	own_change_cid = GetCurrentCommandId(false);
}

/*
 * Whom the change concerns: the user named by the column the trigger's
 * argument gives (a membership's user_id, a users row's id), in the old
 * row and the new; everyone for a trigger without one, and for TRUNCATE.
 */
static void
note_users_of(TriggerData *td, bool row)
{
	Trigger    *trigger = td->tg_trigger;
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	int64		user_id;

	if (!row || trigger->tgnargs != 1)
	{
		note_user(0);
		return;
	}
	if (row_get_int64(td->tg_trigtuple, desc, trigger->tgargs[0], &user_id))
		note_user(user_id);
	else
		note_user(0);
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		if (row_get_int64(td->tg_newtuple, desc, trigger->tgargs[0], &user_id))
			note_user(user_id);
		else
			note_user(0);
	}
}

/*
 * reach_changed(): BEFORE ... FOR EACH ROW on the tables rights are read
 * from (an UPDATE counts only if a column the trigger lists changed), and
 * AFTER TRUNCATE.  Notes the change, to announce it to every backend at
 * commit (rights_xact_callback, which also takes the writers' lock).  The
 * SQL of release 1.1 fires it AFTER ... FOR EACH STATEMENT, which notes a
 * change whatever the statement did.
 */
Datum
rp_reach_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = trigger_data_checked(fcinfo, "reach_changed");
	bool		row = TRIGGER_FIRED_FOR_ROW(trigdata->tg_event);
	bool		update = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event);

	if (row ? !TRIGGER_FIRED_BEFORE(trigdata->tg_event) : !TRIGGER_FIRED_AFTER(trigdata->tg_event))
		elog(ERROR, "reach_changed() must fire BEFORE ... FOR EACH ROW or AFTER ... FOR EACH STATEMENT");

	if (!row || !update || listed_columns_changed(trigdata))
	{
		note_change(trigdata->tg_relation);
		note_users_of(trigdata, row);
	}
	if (!row)
		return PointerGetDatum(NULL);
	/* the row goes on as it came */
	return PointerGetDatum(update ? trigdata->tg_newtuple : trigdata->tg_trigtuple);
}

/* ----------------------------------------------------------------------
 * The reaches kept: keys, limits, and their lifetime
 * ---------------------------------------------------------------------- */

/*
 * Reaches kept for later statements, one per actor, the most recently used
 * first to stay: a backend behind a pooler serves many actors in turn.
 * Bounded in number and in memory (a user in thousands of groups holds
 * megabytes); the statement's own reach is never the one let go.
 */
static Reach *kept_reaches[KEPT_REACHES];


/* Is it the same actor (is_local aside)? */
static bool
same_actor(const Actor *a, const Actor *b)
{
	return a->kind == b->kind && a->user_id == b->user_id &&
		a->token_id == b->token_id && a->job_id == b->job_id &&
		a->runner_id == b->runner_id && a->scopes == b->scopes &&
		memcmp(a->runner_digest, b->runner_digest, sizeof(a->runner_digest)) == 0;
}

/* The kept reaches' number and memory, for the DBA (monitor.c). */
static void
report_kept(void)
{
	int			n = 0;
	Size		bytes = 0;

	for (int i = 0; i < KEPT_REACHES; i++)
		if (kept_reaches[i] != NULL)
		{
			n++;
			bytes += MemoryContextMemAllocated(kept_reaches[i]->cxt, true);
		}
	monitor_kept(n, bytes);
}

/*
 * A reach that is neither kept nor the statement's goes, unless a query that
 * may run again took rights from it (query_rights.c): then the last one to
 * let go frees it.
 */
void
reach_let_go(Reach *r)
{
	if (r->holders > 0)
		r->let_go = true;
	else
		MemoryContextDelete(r->cxt);
}

void
reach_hold(Reach *r)
{
	r->holders++;
}

void
reach_release(Reach *r)
{
	Assert(r->holders > 0);
	if (--r->holders == 0 && r->let_go)
		MemoryContextDelete(r->cxt);
}

static void
forget_kept(int i)
{
	Reach	   *r = kept_reaches[i];

	kept_reaches[i] = NULL;
	/* never the statement's: policy_core.c calls in between statements' reaches */
	if (r != NULL)
		reach_let_go(r);
	report_kept();
}

/*
 * Keeps a reach for later statements: in a free place, or the least
 * recently used one's; then lets the least recently used go until the kept
 * reaches fit in KEPT_REACH_BYTES (the new one stays, whatever its size).
 */
void
reach_cache_keep(Reach *r)
{
	int			slot = -1;
	Size		total;

	/* the limit may have been lowered since: what lies past it goes */
	for (int i = cache_actors; i < KEPT_REACHES; i++)
		if (kept_reaches[i] != NULL)
			forget_kept(i);
	if (cache_actors == 0)
		return;

	/* the place of the same actor's, a free one, or the least recently used */
	for (int i = 0; i < cache_actors && slot < 0; i++)
		if (kept_reaches[i] != NULL && same_actor(&kept_reaches[i]->actor, &r->actor))
			slot = i;
	for (int i = 0; i < cache_actors && slot < 0; i++)
		if (kept_reaches[i] == NULL)
			slot = i;
	if (slot < 0)
		for (int i = 0; i < cache_actors; i++)
			if (slot < 0 || kept_reaches[i]->last_used < kept_reaches[slot]->last_used)
				slot = i;
	forget_kept(slot);
	kept_reaches[slot] = r;

	for (;;)
	{
		int			oldest = -1;

		total = 0;
		for (int i = 0; i < KEPT_REACHES; i++)
			if (kept_reaches[i] != NULL)
			{
				total += MemoryContextMemAllocated(kept_reaches[i]->cxt, true);
				if (kept_reaches[i] != r &&
					(oldest < 0 || kept_reaches[i]->last_used < kept_reaches[oldest]->last_used))
					oldest = i;
			}
		if (total <= (Size) cache_memory_kb * 1024 || oldest < 0)
			break;
		forget_kept(oldest);
	}
	report_kept();
}

/*
 * Whether the facts of a token or runner actor read now leave the kept
 * sets as they were: the user's flags and a job token's project.  (A
 * runner's links feed only sets worked out for each statement.)
 */
static bool
same_kept_facts(const ActorFacts *then, const ActorFacts *now)
{
	return then->admin == now->admin && then->auditor == now->auditor &&
		then->job_project == now->job_project &&
		then->runner_type == now->runner_type &&
		then->runner_has_owner == now->runner_has_owner &&
		then->runner_owner == now->runner_owner;
}

/*
 * A kept reach of this actor that may answer for the running statement
 * (the stamps above say when), or NULL.  One that may not is let go, unless
 * all that stands against it is the statement's snapshot, older than the
 * one the reach was built after (a REPEATABLE READ transaction, a cursor
 * opened before): that says nothing of the rights, so the reach stays kept
 * for the statements after, "*still_kept" is set, and this statement
 * builds a reach of its own, which is not kept.  (Should that reach's
 * queries be narrowed, reach_query counts it, and every kept reach goes at
 * the next lookup, as before.)  A token's and a runner's own row is read
 * again for every statement (an instance token may expire, a job token's
 * job finish, a runner's links change, with no change announced); a
 * user's changes are announced.
 */
Reach *
reach_cache_reuse(const Actor *actor, bool *still_kept)
{
	int			i;
	Reach	   *r;

	*still_kept = false;
	for (i = 0; i < KEPT_REACHES; i++)
		if (kept_reaches[i] != NULL && same_actor(&kept_reaches[i]->actor, actor))
			break;
	if (i == KEPT_REACHES)
		return NULL;
	r = kept_reaches[i];

	if (!ActiveSnapshotSet() || !reach_cache_others_quiet())
		return NULL;
	if (!reach_cache_stamp_valid(&r->stamp, r->actor.user_id) || r->narrowings != reach_query_narrowings() ||
		!reach_cache_own_changes_allow(r->built_lxid, r->built_cid, r->saw_own_changes))
	{
		forget_kept(i);
		return NULL;
	}
	if (!snapshot_image_covered_by(&r->image, GetActiveSnapshot()))
	{
		*still_kept = true;
		return NULL;
	}
	MemoryContextReset(r->statement_cxt);
	if (actor->kind != ACTOR_USER)
	{
		ActorFacts	now;

		need_spi();
		if (!actor_still_valid(actor, &now, r->statement_cxt) ||
			!same_kept_facts(&r->facts, &now))
		{
			forget_kept(i);
			return NULL;
		}
		r->facts = now;
	}
	/* what one statement read goes with it */
	for (int s = 0; s < NUM_REACH_SETS; s++)
		if (r->set_per_statement[s])
			r->have_set[s] = false;
	r->have_queue = false;
	monitor_count(MON_REUSES);
	return r;
}

/* Whether the statement's reach is one of the kept (then it is not let go). */
bool
reach_cache_keeps(const Reach *r)
{
	for (int i = 0; i < KEPT_REACHES; i++)
		if (kept_reaches[i] == r)
			return true;
	return false;
}

/*
 * Kept reaches serve later statements only under the SQL of this release:
 * the triggers that announce changes of rights are its own.  Between a
 * new library and ALTER EXTENSION UPDATE, every statement works its reach
 * out afresh, as release 1.0 did.
 */
bool
reach_cache_keeping_allowed(void)
{
	return runner_policy_sql_at_least(1, 2);
}
