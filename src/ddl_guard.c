/*-------------------------------------------------------------------------
 *
 * ddl_guard.c
 *	  An event trigger that keeps DDL from losing the forge's data or
 *	  moving the extension's schema away.
 *
 * DROP EXTENSION runner_policy drops every table of the extension with its
 * rows, with or without CASCADE, because they are members of it; so does
 * DROP SCHEMA runner_policy CASCADE, through the extension's dependency on
 * its schema.  A forge's runners, tokens and memberships are not something
 * to lose to a typing mistake, so while any table of the extension holds a
 * row both are refused (the PostGIS experience: data first).  Someone who
 * means it backs up, then either empties the tables or sets
 * runner_policy.allow_drop_with_data, which only a superuser can.
 *
 * Renaming the schema is refused as well: the C code finds its tables
 * through pg_extension and follows a rename, but functions written in SQL,
 * the README, a DBA's grants scripts and every client name runner_policy.
 *
 * The guard does not insist that the library serves the installed SQL
 * version, so that a mismatched installation can still be dropped.
 *
 * The trigger runs at ddl_command_start, before anything is dropped, and
 * reads the parse tree: the names in it are the ones the command will
 * act on.  It fires for all DDL of the database, so everything but the
 * three statements above returns at once.
 *
 * src/ddl_guard.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "ddl_guard.h"
#include "owner_spi.h"
#include "version.h"

PG_FUNCTION_INFO_V1(rp_ddl_guard);

/* runner_policy.allow_drop_with_data: a superuser's "I have a backup" */
static bool allow_drop_with_data = false;

void
ddl_guard_init(void)
{
	DefineCustomBoolVariable("runner_policy.allow_drop_with_data",
							 "Lets DROP EXTENSION runner_policy drop tables that hold rows.",
							 "Set it only after a backup; only a superuser can.",
							 &allow_drop_with_data,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
}

/* Does the list of names (String nodes) of a DROP contain "name"? */
static bool
names_contain(List *objects, const char *name)
{
	ListCell   *lc;

	foreach(lc, objects)
	{
		Node	   *object = lfirst(lc);

		if (IsA(object, String) && strcmp(strVal(object), name) == 0)
			return true;
	}
	return false;
}

/*
 * The extension's tables that hold at least one row, as "a, b" (empty when
 * none).  Counted as the tables' owner, past row-level security, so that a
 * superuser and the owner get the same answer.  The audit log counts: its
 * history is data.  audit_lanes does not: it holds only the heads of the
 * log's hash chains, which go with the log.
 */
static char *
tables_with_rows(void)
{
	OwnerSpi	spi;
	StringInfoData names;
	uint64		ntables;
	char	  **tables;

	initStringInfo(&names);
	owner_spi_begin(&spi, runner_policy_tables_owner_unchecked());
	if (SPI_execute("SELECT c.oid::pg_catalog.regclass::pg_catalog.text"
					"  FROM pg_catalog.pg_depend d"
					"  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) d.objid"
					" WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
					"   AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass"
					"   AND d.refobjid OPERATOR(pg_catalog.=) (SELECT oid FROM pg_catalog.pg_extension"
					"        WHERE extname OPERATOR(pg_catalog.=) '" RUNNER_POLICY_EXTENSION "')"
					"   AND d.deptype OPERATOR(pg_catalog.=) 'e'"
					"   AND c.relkind OPERATOR(pg_catalog.=) 'r'"
					"   AND c.relname OPERATOR(pg_catalog.<>) 'audit_lanes'"
					" ORDER BY c.relname", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the tables of extension runner_policy");
	ntables = SPI_processed;
	tables = palloc(sizeof(char *) * (ntables + 1));
	for (uint64 i = 0; i < ntables; i++)
		tables[i] = MemoryContextStrdup(spi.caller_context,
										SPI_getvalue(SPI_tuptable->vals[i],
													 SPI_tuptable->tupdesc, 1));
	for (uint64 i = 0; i < ntables; i++)
	{
		/* regclass output is quoted and qualified as needed */
		char	   *sql = psprintf("SELECT 1 FROM %s LIMIT 1", tables[i]);

		if (SPI_execute(sql, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read table %s", tables[i]);
		if (SPI_processed > 0)
		{
			MemoryContext old = MemoryContextSwitchTo(spi.caller_context);

			appendStringInfo(&names, "%s%s", names.len > 0 ? ", " : "", tables[i]);
			MemoryContextSwitchTo(old);
		}
	}
	owner_spi_end(&spi);
	return names.data;
}

static void
refuse_drop_with_data(const char *command)
{
	char	   *tables;

	if (allow_drop_with_data)
		return;
	tables = tables_with_rows();
	if (tables[0] == '\0')
		return;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("cannot %s while its tables hold data", command),
			 errdetail("These tables of extension runner_policy have rows: %s.", tables),
			 errhint("Back up the database with pg_dump first. Then empty the tables, or run SET runner_policy.allow_drop_with_data = on as a superuser, and drop again.")));
}

/*
 * runner_policy.ddl_guard(): the ddl_command_start event trigger
 */
Datum
rp_ddl_guard(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	Node	   *tree;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by event trigger manager",
						"ddl_guard")));
	trigdata = (EventTriggerData *) fcinfo->context;
	tree = trigdata->parsetree;

	if (IsA(tree, DropStmt))
	{
		DropStmt   *stmt = (DropStmt *) tree;

		if (stmt->removeType == OBJECT_EXTENSION &&
			names_contain(stmt->objects, RUNNER_POLICY_EXTENSION))
			refuse_drop_with_data("drop extension runner_policy");
		else if (stmt->removeType == OBJECT_SCHEMA &&
				 stmt->behavior == DROP_CASCADE)
		{
			char	   *nspname = get_namespace_name(runner_policy_extension_schema());

			if (nspname != NULL && names_contain(stmt->objects, nspname))
				refuse_drop_with_data(psprintf("drop schema %s",
											   quote_identifier(nspname)));
		}
	}
	else if (IsA(tree, RenameStmt) &&
			 ((RenameStmt *) tree)->renameType == OBJECT_SCHEMA)
	{
		RenameStmt *stmt = (RenameStmt *) tree;
		char	   *nspname = get_namespace_name(runner_policy_extension_schema());

		if (nspname != NULL && strcmp(stmt->subname, nspname) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot rename schema %s of extension runner_policy",
							quote_identifier(nspname)),
					 errdetail("Functions of the extension, its documentation and its clients name the schema."),
					 errhint("Leave the schema's name as it is; grant access to it instead.")));
	}
	PG_RETURN_VOID();
}
