/*-------------------------------------------------------------------------
 *
 * citus.h
 *	  runner_policy on a Citus cluster: what Citus is here, this node's own
 *	  copies of the reference tables, and the actor's assertion.
 *
 * doc/citus.md tells the design; the README section "Scale-out on Citus"
 * the operator's side.  Nothing here runs unless citus.so is loaded (it
 * must be preloaded, first) and the database has the citus extension.
 *
 * src/citus.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RP_CITUS_H
#define RP_CITUS_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "nodes/plannodes.h"
#include "utils/relcache.h"

/* ----------------------------------------------------------------------
 * citus_local.c: Citus in this backend, and this node's local copies
 * ---------------------------------------------------------------------- */

/* From _PG_init. */
extern void citus_local_init(void);

/* citus.so is loaded in this backend (it can only be preloaded). */
extern bool citus_loaded(void);

/* citus.so is loaded and this database has the citus extension. */
extern bool citus_in_database(void);

/*
 * A function of citus.so by name, or NULL when Citus is not loaded or has
 * no such function (another Citus version): callers then fail closed.
 */
extern void *citus_function(const char *name);

/* A relation is a table Citus knows (distributed, reference, local). */
extern bool citus_is_table(Oid relid);

/* A plan reads or writes a table of the extension that Citus knows. */
extern bool citus_plan_touches_tables(PlannedStmt *stmt);

/*
 * This node's Citus group: 0 on the coordinator, and where Citus is not
 * in the database.
 */
extern int32 citus_node_group(void);

/*
 * Inside owner SPI: the relation is this node's copy of a reference table,
 * this node is a worker, and this backend works for a distributed
 * transaction begun on another node, which writes every copy: the
 * coordinator's copy audits the change (audit.c).  A write of this copy
 * alone (a client connected to the worker) is audited here.
 */
extern bool citus_change_audited_elsewhere(Relation rel);

/*
 * The distributed transaction id of this backend, as Citus keeps it: the
 * node that began it, its number there (0: none yet), when it began, and
 * whether this backend began it.
 */
typedef struct CitusTxnId
{
	int32		initiator;
	uint64		number;
	TimestampTz stamp;
	bool		originator;
} CitusTxnId;

extern bool citus_current_txn(CitusTxnId *id);

/* ----------------------------------------------------------------------
 * citus_assertion.c: the actor from the coordinator to the workers
 * ---------------------------------------------------------------------- */

/* From _PG_init: the setting, the hooks, the registry's shared memory. */
extern void citus_assertion_init(void);

/*
 * On a worker acting from a verified assertion: the client's role on the
 * coordinator, for the audit log; NULL otherwise.
 */
extern const char *citus_asserted_client_role(void);

/*
 * After a statement whose assertion allowed a write only the extension may
 * make (backfill_owners() placing a runner, repairing copies): send the
 * assertion of what follows now, so that the allowance ends with the
 * statement on every connection of the transaction.
 */
extern void citus_assertion_refresh(void);

#endif							/* RP_CITUS_H */
