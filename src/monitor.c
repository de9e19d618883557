/*-------------------------------------------------------------------------
 *
 * monitor.c
 *	  The figures a DBA watches: each backend's actor and decision cache,
 *	  and the cluster's failed authentications and audit entries.
 *
 * Every backend counts what its decision cache does (reaches worked out,
 * kept reaches used again, announcements of changed rights received) and
 * knows its actor; the cluster counts failed authentications, by the kind
 * of token they claimed, and audit entries written.  runner_policy.
 * stat_backends and runner_policy.stat_counters show them to superusers and
 * to members of pg_read_all_stats.
 *
 * Figures about other backends need shared memory, which only a library in
 * shared_preload_libraries can have: then each backend that uses the
 * extension has a slot (by its PGPROC number), written by that backend
 * alone and read by anyone with a change count, the way pgstat_report_*
 * writes pg_stat_activity; the cluster's counters are atomics.  Without
 * preloading, stat_backends shows the calling backend alone and
 * stat_counters that backend's own counts (scope 'backend').
 *
 * src/monitor.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/dbcommands.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "actor.h"
#include "monitor.h"

PG_FUNCTION_INFO_V1(rp_stat_backends);
PG_FUNCTION_INFO_V1(rp_stat_counters);

/* The counts kept per backend: the cache's (the first three of MonitorCount). */
#define NUM_BACKEND_COUNTS	(MON_INVALIDATIONS + 1)

static const char *const count_names[NUM_MONITOR_COUNTS] = {
	[MON_REBUILDS] = "reach_rebuilds",
	[MON_REUSES] = "reach_reuses",
	[MON_INVALIDATIONS] = "invalidations_received",
	[MON_FAILED_AUTH_INSTANCE] = "failed_authentications_instance_token",
	[MON_FAILED_AUTH_JOB] = "failed_authentications_job_token",
	[MON_FAILED_AUTH_EXTENDED_JOB] = "failed_authentications_extended_job_token",
	[MON_FAILED_AUTH_RUNNER] = "failed_authentications_runner_token",
	[MON_FAILED_AUTH_UNKNOWN] = "failed_authentications_unknown",
	[MON_AUDIT_ENTRIES] = "audit_entries_written",
};

/* One backend's figures, written by that backend only. */
typedef struct BackendSlot
{
	uint32		changecount;	/* odd while being written */
	int			pid;			/* 0: a free slot */
	Oid			dboid;
	int			actor_kind;
	int64		actor_user_id;
	int64		actor_token_id;
	int64		actor_runner_id;
	int			kept_reaches;
	int64		kept_bytes;
	uint64		counts[NUM_BACKEND_COUNTS];
} BackendSlot;

typedef struct MonitorShared
{
	pg_atomic_uint64 cluster[NUM_MONITOR_COUNTS];
	int			nslots;
	BackendSlot slots[FLEXIBLE_ARRAY_MEMBER];
} MonitorShared;

static MonitorShared *shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* This backend: its slot (preloaded) and the same figures in local memory. */
static BackendSlot *my_slot = NULL;
static BackendSlot local;
static uint64 local_counts[NUM_MONITOR_COUNTS];

static Size
shared_size(void)
{
	return add_size(offsetof(MonitorShared, slots), mul_size(MaxBackends, sizeof(BackendSlot)));
}

static void
monitor_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(shared_size()));
}

static void
monitor_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct("runner_policy monitor", shared_size(), &found);
	if (!found)
	{
		memset(shared, 0, shared_size());
		for (int i = 0; i < NUM_MONITOR_COUNTS; i++)
			pg_atomic_init_u64(&shared->cluster[i], 0);
		shared->nslots = MaxBackends;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* ---- writing one's own slot ---- */

static void
slot_release(int code, Datum arg)
{
	BackendSlot *slot = (BackendSlot *) DatumGetPointer(arg);

	slot->changecount++;
	pg_write_barrier();
	slot->pid = 0;
	pg_write_barrier();
	slot->changecount++;
	my_slot = NULL;
}

/*
 * This backend's slot, taken at its first use of the extension; or NULL.
 * It is freed by an on_shmem_exit callback: a before_shmem_exit one,
 * registered at whatever point the extension is first used, could land
 * inside a PG_ENSURE_ERROR_CLEANUP section, which requires its own to be
 * the latest.
 */
static BackendSlot *
slot(void)
{
	if (my_slot != NULL || shared == NULL || MyProc == NULL ||
		MyProc->pgprocno < 0 || MyProc->pgprocno >= shared->nslots)
		return my_slot;
	my_slot = &shared->slots[MyProc->pgprocno];
	my_slot->changecount++;
	pg_write_barrier();
	memcpy(((char *) my_slot) + sizeof(uint32), ((char *) &local) + sizeof(uint32),
		   sizeof(BackendSlot) - sizeof(uint32));
	my_slot->pid = MyProcPid;
	my_slot->dboid = MyDatabaseId;
	pg_write_barrier();
	my_slot->changecount++;
	on_shmem_exit(slot_release, PointerGetDatum(my_slot));
	return my_slot;
}

/* Copies the local figures into the slot, under the change count. */
static void
publish(void)
{
	BackendSlot *s = slot();

	local.pid = MyProcPid;
	local.dboid = MyDatabaseId;
	if (s == NULL)
		return;
	s->changecount++;
	pg_write_barrier();
	s->actor_kind = local.actor_kind;
	s->actor_user_id = local.actor_user_id;
	s->actor_token_id = local.actor_token_id;
	s->actor_runner_id = local.actor_runner_id;
	s->kept_reaches = local.kept_reaches;
	s->kept_bytes = local.kept_bytes;
	memcpy(s->counts, local.counts, sizeof(local.counts));
	pg_write_barrier();
	s->changecount++;
}

void
monitor_count(MonitorCount what)
{
	local_counts[what]++;
	if (what < NUM_BACKEND_COUNTS)
	{
		local.counts[what]++;
		publish();
	}
	if (shared != NULL)
		pg_atomic_fetch_add_u64(&shared->cluster[what], 1);
}

uint64
monitor_local(MonitorCount what)
{
	return local_counts[what];
}

void
monitor_kept(int reaches, Size bytes)
{
	if (local.kept_reaches == reaches && local.kept_bytes == (int64) bytes)
		return;
	local.kept_reaches = reaches;
	local.kept_bytes = (int64) bytes;
	publish();
}

/* actor.c's change callback */
static void
actor_changed(const Actor *actor)
{
	local.actor_kind = actor->kind;
	local.actor_user_id = actor->user_id;
	local.actor_token_id = actor->token_id;
	local.actor_runner_id = actor->runner_id;
	publish();
}

void
monitor_init(void)
{
	actor_register_change_callback(actor_changed);
	if (process_shared_preload_libraries_in_progress)
	{
		prev_shmem_request_hook = shmem_request_hook;
		shmem_request_hook = monitor_shmem_request;
		prev_shmem_startup_hook = shmem_startup_hook;
		shmem_startup_hook = monitor_shmem_startup;
	}
}

/* ---- reading: the SQL functions ---- */

/* A consistent copy of a slot another backend may be writing. */
static bool
slot_read(const volatile BackendSlot *s, BackendSlot *copy)
{
	for (int tries = 0; tries < 1000; tries++)
	{
		uint32		before = s->changecount;

		pg_read_barrier();
		memcpy(copy, (const BackendSlot *) s, sizeof(BackendSlot));
		pg_read_barrier();
		if (before == s->changecount && (before & 1) == 0)
			return true;
		CHECK_FOR_INTERRUPTS();
	}
	return false;
}

static void
put_backend(ReturnSetInfo *rsinfo, const BackendSlot *s)
{
	Datum		values[11];
	bool		nulls[11] = {0};
	char	   *db = get_database_name(s->dboid);
	const char *kind = actor_kind_name((ActorKind) s->actor_kind);

	values[0] = Int32GetDatum(s->pid);
	if (db != NULL)
		values[1] = CStringGetTextDatum(db);
	else
		nulls[1] = true;
	if (kind != NULL)
		values[2] = CStringGetTextDatum(kind);
	else
		nulls[2] = true;
	values[3] = Int64GetDatum(s->actor_user_id);
	nulls[3] = s->actor_user_id == 0;
	values[4] = Int64GetDatum(s->actor_token_id);
	nulls[4] = s->actor_token_id == 0;
	values[5] = Int64GetDatum(s->actor_runner_id);
	nulls[5] = s->actor_runner_id == 0;
	values[6] = Int32GetDatum(s->kept_reaches);
	values[7] = Int64GetDatum(s->kept_bytes);
	for (int i = 0; i < NUM_BACKEND_COUNTS; i++)
		values[8 + i] = Int64GetDatum((int64) s->counts[i]);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * stat_backends() -> SETOF (pid, database, actor_kind, actor_user_id,
 * actor_token_id, actor_runner_id, kept_reaches, kept_bytes, rebuilds,
 * reuses, invalidations): every backend that has used the extension since
 * it started (preloaded), or the calling backend alone (not).  EXECUTE is
 * for superusers and pg_read_all_stats (the install script grants it).
 */
Datum
rp_stat_backends(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	if (shared == NULL)
	{
		local.pid = MyProcPid;
		local.dboid = MyDatabaseId;
		put_backend(rsinfo, &local);
		return (Datum) 0;
	}
	(void) slot();				/* the caller is one of them */
	for (int i = 0; i < shared->nslots; i++)
	{
		BackendSlot copy;

		if (shared->slots[i].pid == 0 || !slot_read(&shared->slots[i], &copy) || copy.pid == 0)
			continue;
		put_backend(rsinfo, &copy);
	}
	return (Datum) 0;
}

/*
 * stat_counters() -> SETOF (counter, value, scope): the cluster's counts
 * since the server started (scope 'cluster', preloaded), or this
 * backend's (scope 'backend', not).
 */
Datum
rp_stat_counters(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < NUM_MONITOR_COUNTS; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(count_names[i]);
		values[1] = Int64GetDatum((int64) (shared != NULL ?
										   pg_atomic_read_u64(&shared->cluster[i]) :
										   local_counts[i]));
		values[2] = CStringGetTextDatum(shared != NULL ? "cluster" : "backend");
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
