/*-------------------------------------------------------------------------
 *
 * ddl_guard.c
 *	  An event trigger that keeps DDL from losing the forge's data or
 *	  moving the extension's schema away.
 *
 * DROP EXTENSION runner_policy drops every table of the extension with its
 * rows, with or without CASCADE, because they are members of it.  So do
 * DROP SCHEMA runner_policy CASCADE, through the extension's dependency on
 * its schema, and DROP OWNED BY the role that owns the extension (the
 * role that created it), or with CASCADE the role that owns its schema.
 * A forge's runners, tokens and memberships are not something to lose to
 * a typing mistake, so while any table of the extension holds a row all
 * of these are refused (the PostGIS experience: data first).  Someone who
 * means it backs up, then either empties the tables or sets
 * runner_policy.allow_drop_with_data, which only a superuser can.  The
 * other ways to a member table are closed by PostgreSQL itself: DROP
 * TABLE of a member, also through DROP OWNED of a role that owns one, fails
 * because the extension requires it, and DROP SCHEMA without CASCADE
 * fails on the objects in the schema.
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
 * act on.  It fires only for the four command tags it handles.  It is
 * enabled ALWAYS, because an ordinary event trigger does not fire while
 * session_replication_role is replica, which a legacy load sets; and it
 * needs no preloading, because the event trigger manager loads this
 * library to call it, also in a session that has used nothing of the
 * extension yet.  What it cannot cover: a superuser who disables it
 * (ALTER EVENT TRIGGER ... DISABLE), single-user mode, where no event
 * trigger fires, and DROP DATABASE.
 *
 * src/ddl_guard.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_namespace.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

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

#define DROP_HINT \
	"Back up the database with pg_dump first. Then run SET runner_policy.allow_drop_with_data = on as a superuser, and drop again."

/*
 * The tables a drop would lose rows of, as "a, b", or NULL when it may go
 * on: none holds a row, or a superuser set the escape hatch.
 */
static char *
tables_at_stake(void)
{
	char	   *tables;

	if (allow_drop_with_data)
		return NULL;
	tables = tables_with_rows();
	return tables[0] != '\0' ? tables : NULL;
}

/*
 * The role of a DROP OWNED through which it would drop the extension, or
 * InvalidOid: a role that owns the extension (its members go with it), or
 * with CASCADE one that owns the extension's schema (*schema set).
 */
static Oid
drop_owned_takes_extension(DropOwnedStmt *stmt, bool *schema)
{
	Oid			extowner = runner_policy_extension_owner();
	Oid			nspowner = InvalidOid;
	HeapTuple	tuple;
	ListCell   *lc;

	tuple = SearchSysCache1(NAMESPACEOID,
							ObjectIdGetDatum(runner_policy_extension_schema()));
	if (HeapTupleIsValid(tuple))
	{
		nspowner = ((Form_pg_namespace) GETSTRUCT(tuple))->nspowner;
		ReleaseSysCache(tuple);
	}
	foreach(lc, stmt->roles)
	{
		Oid			role = get_rolespec_oid(lfirst(lc), true);

		*schema = role != extowner;
		if (OidIsValid(role) &&
			(role == extowner ||
			 (stmt->behavior == DROP_CASCADE && role == nspowner)))
			return role;
	}
	return InvalidOid;
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
		char	   *tables;

		if (stmt->removeType == OBJECT_EXTENSION &&
			names_contain(stmt->objects, RUNNER_POLICY_EXTENSION) &&
			(tables = tables_at_stake()) != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot drop extension runner_policy while its tables hold data"),
					 errdetail("These tables of extension runner_policy have rows: %s.", tables),
					 errhint(DROP_HINT)));
		else if (stmt->removeType == OBJECT_SCHEMA &&
				 stmt->behavior == DROP_CASCADE)
		{
			char	   *nspname = get_namespace_name(runner_policy_extension_schema());

			if (nspname != NULL && names_contain(stmt->objects, nspname) &&
				(tables = tables_at_stake()) != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("cannot drop schema %s while its tables hold data",
								quote_identifier(nspname)),
						 errdetail("These tables of extension runner_policy have rows: %s.", tables),
						 errhint(DROP_HINT)));
		}
	}
	else if (IsA(tree, DropOwnedStmt))
	{
		bool		schema = false;
		Oid			role = drop_owned_takes_extension((DropOwnedStmt *) tree, &schema);
		char	   *tables;
		const char *rolname;

		if (!OidIsValid(role) || (tables = tables_at_stake()) == NULL)
			PG_RETURN_VOID();
		rolname = quote_identifier(GetUserNameFromId(role, false));
		if (schema)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot drop the objects owned by role %s while the tables of extension runner_policy hold data",
							rolname),
					 errdetail("Role %s owns schema %s, which DROP OWNED ... CASCADE would drop with the extension and these tables of it that have rows: %s.",
							   rolname,
							   quote_identifier(get_namespace_name(runner_policy_extension_schema())),
							   tables),
					 errhint(DROP_HINT)));
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot drop the objects owned by role %s while the tables of extension runner_policy hold data",
						rolname),
				 errdetail("Role %s owns extension runner_policy, which DROP OWNED would drop with these tables of it that have rows: %s.",
						   rolname, tables),
				 errhint(DROP_HINT)));
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
