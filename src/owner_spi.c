/*-------------------------------------------------------------------------
 *
 * owner_spi.c
 *	  Run the extension's own queries as the owner of its tables.
 *
 * The invariants of doc/invariants.md hold for every role, so the checks behind
 * them must not depend on what the calling role may read: a role that can
 * insert a runner link but cannot see the runner must still be refused for
 * the right reason.  Like PostgreSQL's own foreign-key triggers, the checks
 * therefore switch to the owner of the tables for the duration of their
 * queries (SECURITY_LOCAL_USERID_CHANGE, and SECURITY_NOFORCE_RLS so that a
 * FORCEd row-level security policy does not hide rows from the owner), and
 * pin search_path so that no object a caller creates can stand in for ours.
 * Everything is undone by owner_spi_end(), or by transaction abort on error.
 *
 * The tables are found through the extension, not by a schema name: see
 * current_extension() in version.c.
 *
 * src/owner_spi.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "owner_spi.h"
#include "runner_policy.h"
#include "version.h"

/*
 * The schema name the kept plans were prepared with, and the plans
 * themselves (in TopMemoryContext), so that a rename can drop them all:
 * a kept plan is replanned from its parse tree, which names the old schema.
 */
static char plans_schema[NAMEDATALEN];
static SavedQuery **prepared_queries;
static int	nprepared;
static int	maxprepared;

/* citus_local.c's rewriter of read-only texts */
static SavedQueryRewriter local_rewriter = NULL;
static SavedQueryValidator local_validator = NULL;
static SavedQueryShardTexts local_shard_texts = NULL;

/* saved_queries.c's test of a query, registered from _PG_init. */
static SavedQueryListed saved_query_listed = NULL;

void
saved_query_register_listed(SavedQueryListed listed)
{
	saved_query_listed = listed;
}

/* Forgets every kept plan; the next run prepares it again. */
static void
forget_saved_plans(void)
{
	for (int i = 0; i < nprepared; i++)
	{
		SPIPlanPtr	plan = prepared_queries[i]->plan;

		prepared_queries[i]->plan = NULL;
		if (plan != NULL)
			SPI_freeplan(plan);
	}
	nprepared = 0;
	owner_spi_forget_local_plans();
}

void
owner_spi_set_rewriter(SavedQueryValidator validate, SavedQueryRewriter rewrite)
{
	local_validator = validate;
	local_rewriter = rewrite;
}

/*
 * The plans of rewritten texts (citus_local.c), by saved query: apart from
 * SavedQuery, so that a server without Citus never looks at them.
 */
typedef struct LocalPlan
{
	SavedQuery *query;			/* the key */
	SPIPlanPtr	plan;
	bool		as_written;		/* nothing renamed: plan is query->plan */
} LocalPlan;

static HTAB *local_plans = NULL;

/* Only the local plans go; the plans of the texts as written stay. */
void
owner_spi_forget_local_plans(void)
{
	HASH_SEQ_STATUS seq;
	LocalPlan  *lp;

	if (local_plans == NULL)
		return;
	hash_seq_init(&seq, local_plans);
	while ((lp = hash_seq_search(&seq)) != NULL)
	{
		if (lp->plan != NULL && !lp->as_written)
			SPI_freeplan(lp->plan);
		(void) hash_search(local_plans, &lp->query, HASH_REMOVE, NULL);
	}
}

void
owner_spi_begin(OwnerSpi *state, Oid owner)
{
	state->caller_context = CurrentMemoryContext;
	GetUserIdAndSecContext(&state->saved_userid, &state->saved_sec_context);
	SetUserIdAndSecContext(owner,
						   state->saved_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_NOFORCE_RLS);
	state->guc_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

void
owner_spi_end(OwnerSpi *state)
{
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
	AtEOXact_GUC(true, state->guc_nestlevel);
	SetUserIdAndSecContext(state->saved_userid, state->saved_sec_context);
}

/*
 * The text of a saved query names the schema as "runner_policy."; when the
 * extension lives in another schema, each such qualifier (at the start of
 * an identifier) is replaced with the actual one, quoted.  The texts are our
 * own constants, so a plain scan is enough.
 */
static char *
query_text_for_schema(const char *sql, const char *nspname)
{
	static const char prefix[] = RUNNER_POLICY_SCHEMA ".";
	const size_t prefix_len = sizeof(prefix) - 1;
	StringInfoData buf;
	const char *p = sql;

	if (strcmp(nspname, RUNNER_POLICY_SCHEMA) == 0)
		return pstrdup(sql);
	initStringInfo(&buf);
	while (*p != '\0')
	{
		bool		at_start = (p == sql ||
								!(isalnum((unsigned char) p[-1]) ||
								  p[-1] == '_' || p[-1] == '"' || p[-1] == '.'));

		if (at_start && strncmp(p, prefix, prefix_len) == 0)
		{
			appendStringInfo(&buf, "%s.", quote_identifier(nspname));
			p += prefix_len;
		}
		else
			appendStringInfoChar(&buf, *p++);
	}
	return buf.data;
}

/*
 * Prepares a saved query on first use, in the extension's current schema,
 * and keeps it; a plan invalidated by DDL is replanned by the plan cache
 * under the same pinned search_path.
 */
static SPIPlanPtr
prepare_saved_query(SavedQuery *query, bool local)
{
	const char *nspname = runner_policy_extension_schema_name();
	LocalPlan  *lp = NULL;
	SPIPlanPtr *slot = &query->plan;

	/* a kept plan names the schema it was prepared in: a renamed one drops them */
	if (strcmp(plans_schema, nspname) != 0)
	{
		if (plans_schema[0] != '\0')
			forget_saved_plans();
		strlcpy(plans_schema, nspname, NAMEDATALEN);
	}

	if (local)
	{
		bool		found;

		if (local_plans == NULL)
		{
			HASHCTL		info;

			memset(&info, 0, sizeof(info));
			info.keysize = sizeof(SavedQuery *);
			info.entrysize = sizeof(LocalPlan);
			info.hcxt = TopMemoryContext;
			local_plans = hash_create("runner_policy local plans", 64, &info,
									  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		}
		lp = hash_search(local_plans, &query, HASH_ENTER, &found);
		if (!found)
		{
			lp->plan = NULL;
			lp->as_written = false;
		}
		slot = &lp->plan;
	}

	if (*slot == NULL)
	{
		char	   *sql;
		char	   *rewritten = NULL;
		SPIPlanPtr	plan;

		/* every saved query is listed (saved_queries.c), so the plan test sees it */
		if (saved_query_listed == NULL || !saved_query_listed(query))
			elog(ERROR, "saved query \"%s\" is not listed in saved_queries.c", query->sql);
		if (local)
		{
			rewritten = local_rewriter(query->sql);
			if (rewritten == NULL)
			{
				/* nothing renamed: the plan of the text as written serves */
				SPIPlanPtr	written = prepare_saved_query(query, false);

				lp->plan = written;
				lp->as_written = true;
				return written;
			}
		}
		sql = query_text_for_schema(rewritten ? rewritten : query->sql, nspname);
		plan = SPI_prepare(sql, query->nargs, query->argtypes);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s",
				 sql, SPI_result_code_string(SPI_result));
		if (nprepared == maxprepared)
		{
			int			newmax = maxprepared == 0 ? 64 : maxprepared * 2;

			if (prepared_queries == NULL)
				prepared_queries = MemoryContextAlloc(TopMemoryContext,
													  newmax * sizeof(SavedQuery *));
			else
				prepared_queries = repalloc(prepared_queries,
											newmax * sizeof(SavedQuery *));
			maxprepared = newmax;
		}
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		if (!local)
			prepared_queries[nprepared++] = query;
		*slot = plan;
		pfree(sql);
	}
	return *slot;
}

void
owner_spi_set_shard_texts(SavedQueryShardTexts shard_texts)
{
	local_shard_texts = shard_texts;
}

/*
 * Per shard, the texts are prepared for the one run: such writes are rare
 * (an owner deleted) and a node holds a handful of shards.
 */
uint64
saved_query_run_local_shards(SavedQuery *query, Datum *args, const char *nulls)
{
	const char *nspname = runner_policy_extension_schema_name();
	char	  **texts;
	int			n = 0;
	uint64		processed = 0;

	if (local_shard_texts == NULL)
		return saved_query_run(query, args, nulls);
	if (saved_query_listed == NULL || !saved_query_listed(query))
		elog(ERROR, "saved query \"%s\" is not listed in saved_queries.c", query->sql);
	local_validator();
	texts = local_shard_texts(query->sql, &n);
	if (texts == NULL)
		return saved_query_run(query, args, nulls);
	for (int i = 0; i < n; i++)
	{
		char	   *sql = query_text_for_schema(texts[i], nspname);
		int			rc;

		rc = SPI_execute_with_args(sql, query->nargs, query->argtypes, args, nulls,
								   false, 0);
		if (rc < 0)
			elog(ERROR, "SPI failed for \"%s\": %s", sql, SPI_result_code_string(rc));
		processed += SPI_processed;
	}
	SPI_processed = processed;
	return processed;
}

/*
 * A read of one distributed table as this node's shards hold it, one
 * statement over all of them (UNION ALL); where this node holds none, or
 * off Citus, the saved query as it is.
 */
uint64
saved_query_run_readonly_here(SavedQuery *query, Datum *args, const char *nulls)
{
	const char *nspname = runner_policy_extension_schema_name();
	char	  **texts;
	int			n = 0;
	StringInfoData sql;
	int			rc;

	if (local_shard_texts == NULL)
		return saved_query_run_readonly(query, args, nulls);
	if (saved_query_listed == NULL || !saved_query_listed(query))
		elog(ERROR, "saved query \"%s\" is not listed in saved_queries.c", query->sql);
	local_validator();
	texts = local_shard_texts(query->sql, &n);
	if (texts == NULL || n == 0)
		return saved_query_run_readonly(query, args, nulls);
	initStringInfo(&sql);
	for (int i = 0; i < n; i++)
		appendStringInfo(&sql, "%s(%s)", i > 0 ? " UNION ALL " : "",
						 query_text_for_schema(texts[i], nspname));
	rc = SPI_execute_with_args(sql.data, query->nargs, query->argtypes, args, nulls,
							   true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI failed for \"%s\": %s", sql.data, SPI_result_code_string(rc));
	return SPI_processed;
}

/* The one way the saved queries run; the wrappers below say which state. */
static uint64
run_saved_query(SavedQuery *query, Datum *args, const char *nulls,
				bool read_only, Snapshot snapshot, Snapshot crosscheck)
{
	int			rc;
	SPIPlanPtr	plan;

	/*
	 * Reads of a Citus node's own copies, when there are some
	 * (citus_local.c): the rewriter leaves texts that write as they are.
	 */
	if (local_rewriter != NULL)
	{
		local_validator();
		plan = prepare_saved_query(query, true);
	}
	else
		plan = prepare_saved_query(query, false);
	rc = SPI_execute_snapshot(plan, args, nulls, snapshot, crosscheck,
							  read_only, true, 0);
	if (rc < 0)
		elog(ERROR, "SPI failed for \"%s\": %s",
			 query->sql, SPI_result_code_string(rc));
	return SPI_processed;
}

/* A read or write under the usual snapshot rules; returns rows processed. */
uint64
saved_query_run(SavedQuery *query, Datum *args, const char *nulls)
{
	return run_saved_query(query, args, nulls, false, InvalidSnapshot, InvalidSnapshot);
}

/*
 * A read that sees exactly what the running statement sees: read-only SPI
 * runs under the active snapshot, without a new one or a command counter
 * increment, and works on a hot standby.
 */
uint64
saved_query_run_readonly(SavedQuery *query, Datum *args, const char *nulls)
{
	return run_saved_query(query, args, nulls, true, InvalidSnapshot, InvalidSnapshot);
}

/*
 * A read of the newest committed state (and the transaction's own work), not
 * of the running statement's snapshot: for the questions "is this actor
 * still alive, and what may it do now", which must not be answered from the
 * past, not even in a REPEATABLE READ transaction.  Read-only, so it works
 * on a hot standby.
 */
uint64
saved_query_run_latest(SavedQuery *query, Datum *args, const char *nulls)
{
	return run_saved_query(query, args, nulls, true, GetLatestSnapshot(), InvalidSnapshot);
}

/* A read under a snapshot the caller chooses. */
uint64
saved_query_run_snapshot(SavedQuery *query, Datum *args, const char *nulls,
						 Snapshot snapshot)
{
	return run_saved_query(query, args, nulls, true, snapshot, InvalidSnapshot);
}

/*
 * A write against the newest committed state rather than the transaction's
 * snapshot (the audit log's lane heads, which only the writer holding the
 * lane moves, also under REPEATABLE READ).
 */
uint64
saved_query_run_latest_write(SavedQuery *query, Datum *args, const char *nulls)
{
	return run_saved_query(query, args, nulls, false, GetLatestSnapshot(), InvalidSnapshot);
}

/*
 * For a write that must reach rows committed after a REPEATABLE READ or
 * SERIALIZABLE transaction took its snapshot: it runs against the newest
 * snapshot, with the transaction's as crosscheck, so a row the transaction
 * cannot see makes it fail to serialize rather than be skipped (what
 * ri_triggers.c does for foreign-key cascades).
 */
uint64
saved_query_run_crosscheck(SavedQuery *query, Datum *args, const char *nulls)
{
	if (!IsolationUsesXactSnapshot())
		return saved_query_run(query, args, nulls);
	CommandCounterIncrement();	/* our own work must be visible */
	return run_saved_query(query, args, nulls, false, GetLatestSnapshot(),
						   GetTransactionSnapshot());
}

static InternalWrite internal_write = INTERNAL_WRITE_NONE;

InternalWrite
internal_write_current(void)
{
	return internal_write;
}

/*
 * One of the extension's own writes, in the mode the guards let through
 * (owner_spi.h), under the newest snapshot when "latest" (as
 * saved_query_run_latest_write) or the usual one.  The mode before is put
 * back afterwards: a write of one kind may fire triggers that make another.
 */
uint64
saved_query_run_internal(InternalWrite mode, SavedQuery *query, Datum *args,
						 const char *nulls, bool latest)
{
	InternalWrite before = internal_write;
	uint64		processed;

	internal_write = mode;
	PG_TRY();
	{
		processed = latest ? saved_query_run_latest_write(query, args, nulls) :
			saved_query_run(query, args, nulls);
	}
	PG_FINALLY();
	{
		internal_write = before;
	}
	PG_END_TRY();
	return processed;
}

/*
 * Column "column" (1-based) of row "row" of the last result, as int64.
 * Returns false when it is NULL.
 */
bool
spi_result_int64(uint64 row, int column, int64 *value)
{
	bool		isnull;
	Datum		datum;
	Oid			type;

	Assert(SPI_tuptable != NULL && row < SPI_processed);
	datum = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
						  column, &isnull);
	if (isnull)
		return false;
	type = SPI_gettypeid(SPI_tuptable->tupdesc, column);
	*value = integer_datum_as_int64(datum, type, "a result column");
	return true;
}
