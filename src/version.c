/*-------------------------------------------------------------------------
 *
 * version.c
 *	  The installed extension (its oid, schema, owner and SQL version,
 *	  looked up once per transaction), runner_policy.version(), and the
 *	  check that this library serves that SQL version.
 *
 * The SQL scripts and the library are installed by one make install, but
 * nothing forces them to match: a backend keeps the library it loaded
 * before a new make install, a server preloads the old one until it is
 * restarted, and a package may ship the SQL of one release with the library
 * of another.  Functions of a newer script may then name C symbols or
 * expect behaviour this library lacks, and an older script's functions may
 * be missing ones it relies on.  So every transaction that runs one of the
 * extension's queries checks pg_extension.extversion against the versions
 * the library was built for (current_extension below, asked by owner_spi.c
 * for every query), and stops with an error that says which side is older
 * rather than running a mixture.  This file calls no other of the
 * extension's: owner_spi.c and everything above it ask it.
 *
 * Both versions come from the source tree the library was built from (the
 * Makefile passes them): RUNNER_POLICY_VERSION is the newest version that
 * has a script in sql/, RUNNER_POLICY_SERVED every version that has one.
 * The library keeps every C symbol an older script names, so it serves all
 * of them; the upgrade scripts bring the SQL to the newest.
 *
 * src/version.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "fmgr.h"
#include "funcapi.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "version.h"

#ifndef RUNNER_POLICY_VERSION
#error "RUNNER_POLICY_VERSION must be defined by the Makefile"
#endif
#ifndef RUNNER_POLICY_SERVED
#error "RUNNER_POLICY_SERVED must be defined by the Makefile"
#endif

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
 * same lookup checks that this library serves the installed SQL version
 * (runner_policy_check_version, below).
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


static const ExtensionState *current_extension(bool check_version);

PG_FUNCTION_INFO_V1(rp_version);

/* Is "version" one of the space-separated words of RUNNER_POLICY_SERVED? */
static bool
library_serves(const char *version)
{
	const char *p = RUNNER_POLICY_SERVED;
	size_t		len = strlen(version);

	while (*p != '\0')
	{
		const char *end = strchr(p, ' ');
		size_t		wordlen = end ? (size_t) (end - p) : strlen(p);

		if (wordlen == len && strncmp(p, version, len) == 0)
			return true;
		if (end == NULL)
			break;
		p = end + 1;
	}
	return false;
}

int
runner_policy_version_cmp(const char *a, const char *b)
{
	while (*a != '\0' || *b != '\0')
	{
		long		na = 0;
		long		nb = 0;

		while (isdigit((unsigned char) *a))
			na = na * 10 + (*a++ - '0');
		while (isdigit((unsigned char) *b))
			nb = nb * 10 + (*b++ - '0');
		if (na != nb)
			return na < nb ? -1 : 1;
		/* anything but a digit separates the parts */
		if (*a != '\0')
			a++;
		if (*b != '\0')
			b++;
	}
	return 0;
}

void
runner_policy_check_version(const char *sql_version)
{
	if (library_serves(sql_version))
		return;
	if (runner_policy_version_cmp(sql_version, RUNNER_POLICY_VERSION) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension runner_policy %s is newer than its library %s",
						sql_version, RUNNER_POLICY_VERSION),
				 errdetail("The library serves versions %s of the SQL.",
						   RUNNER_POLICY_SERVED),
				 errhint("Install the library of release %s (make install from the same source tree as the SQL), then start a new session; restart the server if shared_preload_libraries names runner_policy.",
						 sql_version)));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("extension runner_policy %s is not served by its library %s",
					sql_version, RUNNER_POLICY_VERSION),
			 errdetail("The library serves versions %s of the SQL.",
					   RUNNER_POLICY_SERVED),
			 errhint("Update the extension with ALTER EXTENSION runner_policy UPDATE, or install the library of release %s.",
					 sql_version)));
}

/*
 * runner_policy.version(OUT extension_version text, OUT library_version text)
 *
 * The SQL version installed in this database and the version of the loaded
 * library; fails, saying what to do, when the library does not serve the
 * SQL version.
 */
Datum
rp_version(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = CStringGetTextDatum(runner_policy_extension_version());
	values[1] = CStringGetTextDatum(RUNNER_POLICY_VERSION);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}

/*
 * The extension of this transaction: looked up on first use and, when
 * check_version, checked against the versions this library serves
 * (owner_spi.c drops its kept plans when the schema is another).  Only
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

const char *
runner_policy_extension_schema_name(void)
{
	return current_extension(true)->nspname;
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
