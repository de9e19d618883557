/*-------------------------------------------------------------------------
 *
 * owner_spi.c
 *	  Run the extension's own queries as the owner of its tables.
 *
 * The invariants of SPEC section 6 hold for every role, so the checks behind
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
 * current_extension() below.
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
 * The extension as the running transaction sees it.
 *
 * Nothing of the C code names the schema: it asks pg_extension where the
 * extension lives, so that a schema renamed by a superuser (the DDL guard
 * refuses it, but a superuser can disable event triggers, and they do not
 * run in single-user mode) still leads to the same tables.  The answer is kept
 * for one transaction (keyed on its local transaction id), which costs one
 * index probe of pg_extension per transaction and still notices an ALTER
 * EXTENSION ... UPDATE or a new make install by the next transaction; a
 * change to a schema (syscache invalidation) forgets it at once.  The
 * same lookup checks that this library serves the installed SQL version.
 */
typedef struct ExtensionState
{
	LocalTransactionId lxid;	/* transaction the rest is valid in */
	Oid			extoid;
	Oid			extowner;
	Oid			nspoid;
	char		nspname[NAMEDATALEN];
	char		version[NAMEDATALEN];
	bool		version_checked;	/* the library serves it */
} ExtensionState;

static ExtensionState extension = {InvalidLocalTransactionId};
static bool callback_registered = false;

/*
 * The schema name the kept plans were prepared with, and the plans
 * themselves (in TopMemoryContext), so that a rename can drop them all:
 * a kept plan is replanned from its parse tree, which names the old schema.
 */
static char plans_schema[NAMEDATALEN];
static SavedQuery **prepared_queries;
static int	nprepared;
static int	maxprepared;

/* saved_queries.c's test of a query, registered from _PG_init. */
static SavedQueryListed saved_query_listed = NULL;

void
saved_query_register_listed(SavedQueryListed listed)
{
	saved_query_listed = listed;
}

/* Reads our row of pg_extension: oid, schema and version. */
static void
read_extension_row(ExtensionState *state)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum(RUNNER_POLICY_EXTENSION));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"%s\" is not installed in this database",
						RUNNER_POLICY_EXTENSION)));
	else
	{
		Form_pg_extension form = (Form_pg_extension) GETSTRUCT(tuple);
		bool		isnull;
		Datum		version;
		char	   *nspname;
		char	   *text_version;

		state->extoid = form->oid;
		state->extowner = form->extowner;
		state->nspoid = form->extnamespace;
		version = heap_getattr(tuple, Anum_pg_extension_extversion,
							   RelationGetDescr(rel), &isnull);
		if (isnull)
			elog(ERROR, "extversion is null");
		text_version = TextDatumGetCString(version);
		strlcpy(state->version, text_version, NAMEDATALEN);
		nspname = get_namespace_name(state->nspoid);
		if (nspname == NULL)
			elog(ERROR, "cache lookup failed for namespace %u", state->nspoid);
		strlcpy(state->nspname, nspname, NAMEDATALEN);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

/*
 * A change to any schema (a rename, a drop) may be ours: look the extension
 * up again at its next use, even within this transaction.
 */
static void
namespace_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	extension.lxid = InvalidLocalTransactionId;
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
}

/*
 * The extension of this transaction: looked up on first use, the kept plans
 * dropped if the schema is not the one they were prepared in, and, when
 * check_version, checked against the versions this library serves.  Only
 * the DDL guard looks without the check, so that a mismatched installation
 * can still be dropped.
 */
static const ExtensionState *
current_extension(bool check_version)
{
	if (extension.lxid != MyProc->lxid ||
		extension.lxid == InvalidLocalTransactionId)
	{
		if (!callback_registered)
		{
			CacheRegisterSyscacheCallback(NAMESPACEOID, namespace_changed, (Datum) 0);
			callback_registered = true;
		}
		extension.lxid = InvalidLocalTransactionId;
		read_extension_row(&extension);
		extension.version_checked = false;
		if (plans_schema[0] != '\0' && strcmp(plans_schema, extension.nspname) != 0)
			forget_saved_plans();
		strlcpy(plans_schema, extension.nspname, NAMEDATALEN);
		extension.lxid = MyProc->lxid;
	}
	if (check_version && !extension.version_checked)
	{
		runner_policy_check_version(extension.version);
		extension.version_checked = true;
	}
	return &extension;
}

Oid
runner_policy_extension_schema(void)
{
	return current_extension(false)->nspoid;
}

Oid
runner_policy_extension_owner(void)
{
	return current_extension(false)->extowner;
}

const char *
runner_policy_extension_version(void)
{
	return current_extension(true)->version;
}

/*
 * Whether the installed SQL is release major.minor or later.  The library
 * serves every release that has a script; what a newer release's SQL
 * added (a column, a trigger) is used only where it is installed.
 */
bool
runner_policy_sql_at_least(int major, int minor)
{
	const char *v = runner_policy_extension_version();
	int			have_major = 0;
	int			have_minor = 0;

	if (sscanf(v, "%d.%d", &have_major, &have_minor) < 1)
		return false;
	return have_major > major || (have_major == major && have_minor >= minor);
}

/* The owner of table ci_runners of the extension. */
static Oid
tables_owner(const ExtensionState *ext)
{
	Oid			relid = get_relname_relid("ci_runners", ext->nspoid);
	HeapTuple	tuple;
	Oid			owner;

	if (!OidIsValid(relid))
		elog(ERROR, "table ci_runners of extension %s does not exist",
			 RUNNER_POLICY_EXTENSION);
	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/*
 * The role that owns the extension's tables: the one that ran CREATE
 * EXTENSION.  Looked up each time (one syscache probe) rather than cached,
 * so that ALTER TABLE ... OWNER or a dump and restore never leaves a stale
 * role behind.
 */
Oid
runner_policy_tables_owner(void)
{
	return tables_owner(current_extension(true));
}

/* The same, without the version check: for the DDL guard only. */
Oid
runner_policy_tables_owner_unchecked(void)
{
	return tables_owner(current_extension(false));
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
static void
prepare_saved_query(SavedQuery *query)
{
	const ExtensionState *ext = current_extension(true);

	if (query->plan == NULL)
	{
		char	   *sql;
		SPIPlanPtr	plan;

		/* every saved query is listed (saved_queries.c), so the plan test sees it */
		if (saved_query_listed == NULL || !saved_query_listed(query))
			elog(ERROR, "saved query \"%s\" is not listed in saved_queries.c", query->sql);
		sql = query_text_for_schema(query->sql, ext->nspname);
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
		prepared_queries[nprepared++] = query;
		query->plan = plan;
		pfree(sql);
	}
}

/* The one way the saved queries run; the wrappers below say which state. */
static uint64
run_saved_query(SavedQuery *query, Datum *args, const char *nulls,
				bool read_only, Snapshot snapshot, Snapshot crosscheck)
{
	int			rc;

	prepare_saved_query(query);
	rc = SPI_execute_snapshot(query->plan, args, nulls, snapshot, crosscheck,
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
