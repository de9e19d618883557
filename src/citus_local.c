/*-------------------------------------------------------------------------
 *
 * citus_local.c
 *	  Citus in this backend, and this node's own copies of the reference
 *	  tables.
 *
 * On a Citus cluster (doc/citus.md) the slow tables (users, namespaces,
 * projects, memberships, job token scope links) are reference tables: every
 * node holds a full copy, as a plain table named after its shard
 * ("users_102012").  The policy core computes an actor's rights from them
 * with its own queries, and those queries must read the copy of this node
 * directly:
 *
 *  - a policy is evaluated inside the query Citus sent for a shard, and
 *    Citus refuses to start a distributed query from there ("cannot
 *    execute a distributed query from a query on a shard"), also for a
 *    reference table whose only placement it would use is local;
 *  - on the coordinator, going through Citus' local execution for a lookup
 *    of rights would tie the transaction to local execution, which Citus
 *    then refuses to switch away from.
 *
 * So every read-only query the extension runs as its tables' owner
 * (owner_spi.c) is prepared a second time with the name of each such table
 * replaced by its local shard's, when this node holds one (a reference
 * table, or a Citus local table on the coordinator).  Queries that write,
 * and reads of distributed tables, keep their text and go through Citus,
 * which keeps every copy the same.  A shard is named by Citus' own rule
 * (table name, "_", shard id) and parsed by name: shards are created from
 * deparsed DDL and need not have their table's attribute numbers.
 *
 * Lifetime.  Which tables have local copies (the layout) is read from
 * Citus' catalogs on first use and kept until a relcache invalidation of
 * one of the extension's tables (Citus sends one when it distributes a
 * table) or of everything; the plans prepared from renamed texts are
 * dropped when the layout read next differs from the one they were made
 * for, before any of them runs again.
 *
 * Citus' own functions are looked up by name in citus.so, which must be
 * preloaded; a missing one (another Citus version) fails closed.
 *
 * src/citus_local.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "citus.h"
#include "owner_spi.h"
#include "runner_policy.h"
#include "version.h"

/* ----------------------------------------------------------------------
 * Citus in this backend
 * ---------------------------------------------------------------------- */

bool
citus_loaded(void)
{
	/* citus.so defines it in its _PG_init, which runs at preload only */
	return GetConfigOption("citus.version", true, false) != NULL;
}

/*
 * Whether this database has the citus extension and ours, and our schema:
 * kept per transaction.
 */
static LocalTransactionId citus_db_lxid = InvalidLocalTransactionId;
static bool citus_db = false;
static Oid	our_schema = InvalidOid;

bool
citus_in_database(void)
{
	if (!citus_loaded())
		return false;
	if (citus_db_lxid != CURRENT_LXID || citus_db_lxid == InvalidLocalTransactionId)
	{
		Oid			ours;

		if (!IsTransactionState())
			return false;
		ours = get_extension_oid(RUNNER_POLICY_EXTENSION, true);
		citus_db = OidIsValid(ours) && OidIsValid(get_extension_oid("citus", true));
		our_schema = citus_db ? runner_policy_extension_schema() : InvalidOid;
		citus_db_lxid = CURRENT_LXID;
	}
	return citus_db;
}

void *
citus_function(const char *name)
{
	if (!citus_loaded())
		return NULL;
	return (void *) load_external_function("$libdir/citus", name, false, NULL);
}

bool
citus_is_table(Oid relid)
{
	static bool (*is_citus_table) (Oid) = NULL;

	if (is_citus_table == NULL)
		is_citus_table = (bool (*) (Oid)) citus_function("IsCitusTable");
	if (is_citus_table == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("runner_policy cannot find IsCitusTable() in citus.so"),
				 errhint("runner_policy is tested with Citus 13.2.")));
	return is_citus_table(relid);
}

bool
citus_plan_touches_tables(PlannedStmt *stmt)
{
	ListCell   *lc;

	if (!citus_in_database())
		return false;
	foreach(lc, stmt->rtable)
	{
		RangeTblEntry *rte = (RangeTblEntry *) lfirst(lc);

		if (rte->rtekind == RTE_RELATION &&
			get_rel_namespace(rte->relid) == our_schema && citus_is_table(rte->relid))
			return true;
	}
	return false;
}

/*
 * Citus' DistributedTransactionId (transaction_identifier.h), as 13.2
 * lays it out; read through GetCurrentDistributedTransactionId(), which
 * copies it out of the backend's shared slot under its lock.
 */
typedef struct CitusDistributedTransactionId
{
	int			initiatorNodeIdentifier;
	bool		transactionOriginator;
	uint64		transactionNumber;
	TimestampTz timestamp;
} CitusDistributedTransactionId;

bool
citus_current_txn(CitusTxnId *id)
{
	static CitusDistributedTransactionId *(*get_current) (void) = NULL;
	CitusDistributedTransactionId *cur;

	memset(id, 0, sizeof(*id));
	if (get_current == NULL)
		get_current = (CitusDistributedTransactionId *(*) (void))
			citus_function("GetCurrentDistributedTransactionId");
	if (get_current == NULL)
		return false;
	cur = get_current();
	id->initiator = cur->initiatorNodeIdentifier;
	id->number = cur->transactionNumber;
	id->stamp = cur->timestamp;
	id->originator = cur->transactionOriginator;
	pfree(cur);
	return true;
}

/* ----------------------------------------------------------------------
 * This node's copies: the layout, and the rewriter of saved queries
 * ---------------------------------------------------------------------- */

#define MAX_LOCAL_TABLES	64

typedef struct LocalCopy
{
	char		table[NAMEDATALEN];
	char		shard[NAMEDATALEN];
} LocalCopy;

typedef struct Layout
{
	bool		valid;
	int			ncopies;
	LocalCopy	copies[MAX_LOCAL_TABLES];
	int			ndistributed;	/* tables with shards on several nodes */
	char		distributed[MAX_LOCAL_TABLES][NAMEDATALEN];
	char	   *local_shards[MAX_LOCAL_TABLES];	/* each one's here, space-separated */
	int			ntables;
	Oid			tables[MAX_LOCAL_TABLES];	/* every table of the schema */
} Layout;

static Layout layout;

/* The extension's tables, and what Citus made of each on this node. */
static const char *const layout_sql =
"SELECT c.oid, c.relname::text,"
"       EXISTS (SELECT FROM pg_catalog.pg_dist_partition p"
"                WHERE p.logicalrelid OPERATOR(pg_catalog.=) c.oid"
"                  AND p.partmethod OPERATOR(pg_catalog.<>) 'n'),"
"       (SELECT pg_catalog.string_agg(s.shardid::text, ' ' ORDER BY s.shardid)"
"          FROM pg_catalog.pg_dist_shard s"
"          JOIN pg_catalog.pg_dist_placement pl ON pl.shardid OPERATOR(pg_catalog.=) s.shardid"
"         WHERE s.logicalrelid OPERATOR(pg_catalog.=) c.oid"
"           AND pl.groupid OPERATOR(pg_catalog.=)"
"               (SELECT groupid FROM pg_catalog.pg_dist_local_group)),"
"       (SELECT s.shardid FROM pg_catalog.pg_dist_partition p"
"          JOIN pg_catalog.pg_dist_shard s ON s.logicalrelid OPERATOR(pg_catalog.=) p.logicalrelid"
"          JOIN pg_catalog.pg_dist_placement pl ON pl.shardid OPERATOR(pg_catalog.=) s.shardid"
"         WHERE p.logicalrelid OPERATOR(pg_catalog.=) c.oid"
"           AND p.partmethod OPERATOR(pg_catalog.=) 'n'"
"           AND pl.groupid OPERATOR(pg_catalog.=)"
"               (SELECT groupid FROM pg_catalog.pg_dist_local_group)"
"         LIMIT 1)"
"  FROM pg_catalog.pg_class c"
" WHERE c.relnamespace OPERATOR(pg_catalog.=) $1 AND c.relkind OPERATOR(pg_catalog.=) 'r'"
/* the extension's own tables, not the shards Citus keeps beside them */
"   AND EXISTS (SELECT FROM pg_catalog.pg_depend d"
"                WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
"                  AND d.objid OPERATOR(pg_catalog.=) c.oid"
"                  AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass"
"                  AND d.deptype OPERATOR(pg_catalog.=) 'e')"
" ORDER BY c.relname";

static void
read_layout(Layout *out)
{
	Oid			argtype = OIDOID;
	Datum		arg = ObjectIdGetDatum(runner_policy_extension_schema());
	Oid			nsp = DatumGetObjectId(arg);
	int			rc;

	memset(out, 0, sizeof(*out));
	rc = SPI_execute_with_args(layout_sql, 1, &argtype, &arg, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the Citus layout: %s", SPI_result_code_string(rc));
	for (uint64 i = 0; i < SPI_processed && out->ntables < MAX_LOCAL_TABLES; i++)
	{
		bool		isnull;
		char	   *name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		bool		distributed = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
															 SPI_tuptable->tupdesc, 3, &isnull));
		char	   *shard_ids = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 4);
		Datum		shard = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 5, &isnull);

		if (distributed)
		{
			out->local_shards[out->ndistributed] =
				MemoryContextStrdup(TopMemoryContext, shard_ids ? shard_ids : "");
			strlcpy(out->distributed[out->ndistributed++], name, NAMEDATALEN);
		}

		out->tables[out->ntables++] = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
																	 SPI_tuptable->tupdesc, 1,
																	 &isnull));
		if (!isnull && out->ncopies < MAX_LOCAL_TABLES)
		{
			LocalCopy  *copy = &out->copies[out->ncopies];

			strlcpy(copy->table, name, NAMEDATALEN);
			snprintf(copy->shard, NAMEDATALEN, "%s_" INT64_FORMAT, name,
					 DatumGetInt64(shard));
			/* a copy this node lists but does not have is no copy */
			if (OidIsValid(get_relname_relid(copy->shard, nsp)))
				out->ncopies++;
		}
	}
	out->valid = true;
}

static bool
same_copies(const Layout *a, const Layout *b)
{
	if (a->ncopies != b->ncopies || a->ndistributed != b->ndistributed)
		return false;
	for (int i = 0; i < a->ndistributed; i++)
		if (strcmp(a->distributed[i], b->distributed[i]) != 0)
			return false;
	for (int i = 0; i < a->ncopies; i++)
		if (strcmp(a->copies[i].table, b->copies[i].table) != 0 ||
			strcmp(a->copies[i].shard, b->copies[i].shard) != 0)
			return false;
	return true;
}

/*
 * Before a read-only saved query runs: the layout is current, and plans
 * made for another one are gone.  Runs inside owner SPI.
 */
static void
validate_layout(void)
{
	Layout		now;

	if (layout.valid)
		return;
	if (!citus_in_database())
		memset(&now, 0, sizeof(now));
	else
		read_layout(&now);
	now.valid = true;
	if (!same_copies(&layout, &now))
		owner_spi_forget_local_plans();
	for (int i = 0; i < layout.ndistributed; i++)
		if (layout.local_shards[i] != NULL)
			pfree(layout.local_shards[i]);
	layout = now;
}

static bool
is_ident_char(char c)
{
	return isalnum((unsigned char) c) || c == '_' || c == '$';
}

/*
 * Whether one of the extension's texts writes (then it goes through Citus,
 * which keeps every copy the same): anything but a SELECT, or a WITH whose
 * parts write.  The texts are our own constants, in upper case.
 */
static bool
text_writes(const char *sql)
{
	while (isspace((unsigned char) *sql))
		sql++;
	if (pg_strncasecmp(sql, "SELECT", 6) == 0)
		return false;
	if (pg_strncasecmp(sql, "WITH", 4) == 0)
		return strstr(sql, "INSERT") != NULL || strstr(sql, "UPDATE") != NULL ||
			strstr(sql, "DELETE") != NULL;
	return true;
}

/*
 * The texts of a write for each of this node's shards of the one
 * distributed table it names (owner_spi.h), or NULL when it names none.
 */
static char **
shard_texts(const char *sql, int *ntexts)
{
	static const char prefix[] = RUNNER_POLICY_SCHEMA ".";
	int			table = -1;
	const char *at = NULL;
	size_t		len = 0;
	char	  **texts;
	char	   *ids;
	char	   *id;
	char	   *save;
	int			n = 0;

	*ntexts = 0;
	if (!layout.valid || layout.ndistributed == 0)
		return NULL;
	for (int i = 0; i < layout.ndistributed && table < 0; i++)
	{
		char	   *name = psprintf("%s%s", prefix, layout.distributed[i]);
		const char *p = sql;

		while ((p = strstr(p, name)) != NULL)
		{
			if ((p == sql || !is_ident_char(p[-1])) && !is_ident_char(p[strlen(name)]))
			{
				table = i;
				at = p;
				len = strlen(name);
				break;
			}
			p += strlen(name);
		}
		pfree(name);
	}
	if (table < 0)
		return NULL;
	ids = pstrdup(layout.local_shards[table]);
	texts = palloc(sizeof(char *) * (strlen(ids) / 2 + 1));
	for (id = strtok_r(ids, " ", &save); id != NULL; id = strtok_r(NULL, " ", &save))
	{
		StringInfoData buf;

		initStringInfo(&buf);
		appendBinaryStringInfo(&buf, sql, at - sql + len);
		appendStringInfo(&buf, "_%s%s", id, at + len);
		texts[n++] = buf.data;
	}
	*ntexts = n;
	return texts;
}

/*
 * The text with "runner_policy.T" renamed to "runner_policy.T_<shard>" for
 * every T with a local copy, or NULL when there is none to rename.
 */
static char *
rewrite_for_local_copies(const char *sql)
{
	static const char prefix[] = RUNNER_POLICY_SCHEMA ".";
	const size_t prefix_len = sizeof(prefix) - 1;
	StringInfoData buf;
	const char *p = sql;
	bool		renamed = false;

	if (layout.ncopies == 0 || text_writes(sql))
		return NULL;
	initStringInfo(&buf);
	while (*p != '\0')
	{
		if (strncmp(p, prefix, prefix_len) == 0 &&
			(p == sql || !(is_ident_char(p[-1]) || p[-1] == '"' || p[-1] == '.')))
		{
			const char *name = p + prefix_len;
			size_t		len = 0;
			int			i;

			while (is_ident_char(name[len]))
				len++;
			/* a query that reads a distributed table is Citus' to plan, whole */
			for (i = 0; i < layout.ndistributed; i++)
				if (strlen(layout.distributed[i]) == len &&
					strncmp(layout.distributed[i], name, len) == 0)
				{
					pfree(buf.data);
					return NULL;
				}
			for (i = 0; i < layout.ncopies; i++)
				if (strlen(layout.copies[i].table) == len &&
					strncmp(layout.copies[i].table, name, len) == 0)
					break;
			appendStringInfoString(&buf, prefix);
			if (i < layout.ncopies)
			{
				appendStringInfoString(&buf, layout.copies[i].shard);
				renamed = true;
			}
			else
				appendBinaryStringInfo(&buf, name, len);
			p = name + len;
		}
		else
			appendStringInfoChar(&buf, *p++);
	}
	if (!renamed)
	{
		pfree(buf.data);
		return NULL;
	}
	return buf.data;
}

int32
citus_node_group(void)
{
	static int32 (*get_local_group) (void) = NULL;

	if (!citus_in_database())
		return 0;
	if (get_local_group == NULL)
		get_local_group = (int32 (*) (void)) citus_function("GetLocalGroupId");
	if (get_local_group == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("runner_policy cannot find GetLocalGroupId() in citus.so"),
				 errhint("runner_policy is tested with Citus 13.2.")));
	return get_local_group();
}

bool
citus_change_audited_elsewhere(Relation rel)
{
	const char *name = RelationGetRelationName(rel);
	CitusTxnId	txn;

	if (!citus_in_database() || citus_node_group() == 0)
		return false;
	/* a write of this copy alone (a client on the worker) is this node's own */
	if (!citus_current_txn(&txn) || txn.number == 0 || txn.originator)
		return false;
	validate_layout();
	for (int i = 0; i < layout.ncopies; i++)
		if (strcmp(layout.copies[i].shard, name) == 0 &&
			RelationGetNamespace(rel) == our_schema)
			return true;
	return false;
}

/* A change of one of the extension's tables (or of all) may move copies. */
static void
layout_relcache_callback(Datum arg, Oid relid)
{
	if (!layout.valid)
		return;
	if (!OidIsValid(relid))
	{
		layout.valid = false;
		return;
	}
	for (int i = 0; i < layout.ntables; i++)
		if (layout.tables[i] == relid)
		{
			layout.valid = false;
			return;
		}
}

void
citus_local_init(void)
{
	/*
	 * Only where Citus can be: it is preloaded or not at all, and loads
	 * before us when it is listed first, as it must be.
	 */
	if (!citus_loaded())
		return;
	CacheRegisterRelcacheCallback(layout_relcache_callback, (Datum) 0);
	owner_spi_set_rewriter(validate_layout, rewrite_for_local_copies);
	owner_spi_set_shard_texts(shard_texts);
}
