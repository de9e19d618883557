/*-------------------------------------------------------------------------
 *
 * monitor.h
 *	  The figures a DBA watches: each backend's actor and decision cache,
 *	  and the cluster's failed authentications and audit entries.
 *
 * src/monitor.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MONITOR_H
#define MONITOR_H

#include "postgres.h"

#include "actor.h"

/* What is counted, per backend and for the cluster. */
typedef enum MonitorCount
{
	MON_REBUILDS,				/* reaches worked out afresh */
	MON_REUSES,					/* kept reaches used again */
	MON_INVALIDATIONS,			/* announcements of changed rights received */
	MON_FAILED_AUTH_INSTANCE,	/* failed authentications, by the kind the token claims */
	MON_FAILED_AUTH_JOB,
	MON_FAILED_AUTH_EXTENDED_JOB,
	MON_FAILED_AUTH_RUNNER,
	MON_FAILED_AUTH_UNKNOWN,
	MON_AUDIT_ENTRIES,			/* audit log entries written */
	NUM_MONITOR_COUNTS
} MonitorCount;

/* From _PG_init: shared memory when preloaded, and the actor's changes. */
extern void monitor_init(void);

/* One more of a kind, in this backend and (preloaded) the cluster. */
extern void monitor_count(MonitorCount what);

/* This backend's count so far (reach_cache_counters()). */
extern uint64 monitor_local(MonitorCount what);

/* This backend's kept reaches now: how many, and their memory. */
extern void monitor_kept(int reaches, Size bytes);

#endif							/* MONITOR_H */
