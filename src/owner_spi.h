/*-------------------------------------------------------------------------
 *
 * owner_spi.h
 *	  Run the extension's own queries as the owner of its tables.
 *
 * src/owner_spi.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef OWNER_SPI_H
#define OWNER_SPI_H

#include "postgres.h"

#include "executor/spi.h"
#include "utils/snapshot.h"

#include "version.h"			/* the extension's schema, owner and version */

/* What owner_spi_begin() changed, for owner_spi_end() to put back. */
typedef struct OwnerSpi
{
	Oid			saved_userid;
	int			saved_sec_context;
	int			guc_nestlevel;
	MemoryContext caller_context;	/* for results that outlive SPI */
} OwnerSpi;

/*
 * A query prepared on first use and kept for the life of the backend.  The
 * text must qualify every table as "runner_policy.name"; it is prepared with
 * the extension's actual schema in its place (and again if that changes).
 * search_path is pinned while it runs.
 */
typedef struct SavedQuery
{
	const char *sql;
	int			nargs;
	Oid			argtypes[16];
	SPIPlanPtr	plan;
} SavedQuery;

/*
 * On a Citus node (citus_local.c), a read-only run reads this node's own
 * copies of the reference tables (their local shards, plain tables) rather
 * than the tables Citus would plan as distributed queries: a policy
 * evaluated inside a shard query may not start one.  The rewriter returns
 * the text with such tables renamed, or NULL when nothing is renamed (the
 * query then runs as written).  The validator runs before every read-only
 * run, and calls owner_spi_forget_local_plans() to drop the plans made from
 * rewritten texts when the tables' placement has changed.
 */
typedef char *(*SavedQueryRewriter) (const char *sql);
typedef void (*SavedQueryValidator) (void);
extern void owner_spi_set_rewriter(SavedQueryValidator validate,
								   SavedQueryRewriter rewrite);
extern void owner_spi_forget_local_plans(void);

/*
 * A write of a distributed table by a trigger that fires on every copy of
 * a reference table (a project's runners, deleted with the project): on a
 * Citus node, the texts of the query for each of this node's shards of the
 * table it names (none on a node with no shard), so that each node writes
 * its own shards and Citus is not asked from inside a shard query; NULL
 * elsewhere, where the query runs as written.
 */
typedef char **(*SavedQueryShardTexts) (const char *sql, int *ntexts);
extern void owner_spi_set_shard_texts(SavedQueryShardTexts shard_texts);
extern uint64 saved_query_run_local_shards(SavedQuery *query, Datum *args,
										   const char *nulls);

/*
 * A read-only query of one distributed table, for a function Citus may run
 * inside a shard query (runner_access): on a Citus node that holds shards
 * of the table, read from those shards, which hold the rows the function
 * is asked about there; elsewhere the query as written.  A client
 * connected straight to a worker reads that worker's runners only: less,
 * never more.
 */
extern uint64 saved_query_run_readonly_here(SavedQuery *query, Datum *args,
											const char *nulls);

/*
 * Every saved query is listed, by name, in its file's NAME_saved_queries[]
 * (ended by {NULL, NULL}), and saved_queries.c lists those lists: so that
 * runner_policy.saved_queries() can show each statement the extension runs
 * (a test EXPLAINs all of them under generic plans), and a query that was
 * not listed refuses to run rather than escape that test.
 */
typedef struct SavedQueryEntry
{
	const char *name;
	SavedQuery *query;
} SavedQueryEntry;

#define SAVED_QUERY_ENTRY(q)	{#q, &(q)}

/*
 * Whether a query is listed: saved_queries.c, which knows every file's list,
 * registers it from _PG_init (saved_queries_init), so that this file, below
 * all of them, asks without calling up.
 */
typedef bool (*SavedQueryListed) (const SavedQuery *query);
extern void saved_query_register_listed(SavedQueryListed listed);
extern void saved_queries_init(void);

extern void owner_spi_begin(OwnerSpi *state, Oid owner);
extern void owner_spi_end(OwnerSpi *state);
extern uint64 saved_query_run(SavedQuery *query, Datum *args, const char *nulls);
extern uint64 saved_query_run_readonly(SavedQuery *query, Datum *args,
									   const char *nulls);
extern uint64 saved_query_run_latest(SavedQuery *query, Datum *args,
									 const char *nulls);
extern uint64 saved_query_run_snapshot(SavedQuery *query, Datum *args,
									   const char *nulls, Snapshot snapshot);
extern uint64 saved_query_run_latest_write(SavedQuery *query, Datum *args,
										   const char *nulls);
extern uint64 saved_query_run_crosscheck(SavedQuery *query, Datum *args,
										 const char *nulls);
extern bool spi_result_int64(uint64 row, int column, int64 *value);

/*
 * Which of the extension's own writes is running.  Some rows and columns
 * only the extension writes: the audit log's lane heads, its pruning, the
 * flag on a deleted object's entries, a runner's and a link's copies.  The
 * triggers that guard them let a write through only while this names it.
 * It lives in backend memory, where no SQL can set it, and is set only for
 * the length of one of the extension's saved queries
 * (saved_query_run_internal), and put back when that ends, also on error.
 */
typedef enum InternalWrite
{
	INTERNAL_WRITE_NONE = 0,
	INTERNAL_WRITE_AUDIT_HEAD,	/* a lane head moved to the last entry */
	INTERNAL_WRITE_AUDIT_PRUNE, /* old entries removed, anchors moved */
	INTERNAL_WRITE_AUDIT_DELETED,	/* a deleted object's entries flagged */
	INTERNAL_WRITE_AUDIT_ADOPT, /* adopt entries for rows the log never saw */
	INTERNAL_WRITE_RUNNER_COPIES	/* linked_project_ids, owner_project_id */
} InternalWrite;

extern InternalWrite internal_write_current(void);
extern uint64 saved_query_run_internal(InternalWrite mode, SavedQuery *query,
									   Datum *args, const char *nulls,
									   bool latest);

#endif							/* OWNER_SPI_H */
