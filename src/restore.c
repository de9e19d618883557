/*-------------------------------------------------------------------------
 *
 * restore.c
 *	  Let a superuser's COPY FROM STDIN load the forge's rows as they are.
 *
 * pg_dump writes the data of the extension's tables (they are registered
 * with pg_extension_config_dump) as COPY ... FROM stdin, after CREATE
 * EXTENSION has made the tables and their triggers.  Through the triggers
 * no restore can succeed:
 *	- the tables come in the order of their foreign keys, and ci_runners has
 *	  none to its owner, so a runner may arrive before its owner project or
 *	  namespace; and a parent group may sit after its children in
 *	  namespaces, whose rows come in their physical order;
 *	- the AFTER INSERT trigger would make an owner link that the dump also
 *	  holds, with another id;
 *	- a runner's token digest may be written only by reset_runner_token().
 *
 * A restore needs the rows exactly as they were, and a superuser could get
 * that anyway with session_replication_role = replica.  So the guards let a
 * row in unchecked when, and only when, all of these hold:
 *	- the row is being inserted, and the statement the client sent (the
 *	  active portal's) is COPY ... FROM STDIN into the trigger's own table:
 *	  not a file or a program, not INSERT, not a row some other trigger or
 *	  function writes during the COPY into another table;
 *	- the role that runs it, both the current user and the user the session
 *	  has SET ROLE to, is a superuser.  The extension's own checks switch to
 *	  the tables' owner (a superuser) while they run; requiring the outer
 *	  role too means no such switch, and no SECURITY DEFINER function, can
 *	  turn a non-superuser's COPY into a restore.
 * Everything else (CHECK, NOT NULL, UNIQUE and foreign keys) still applies,
 * and runner_policy.check_invariants() proves the result.  pg_dump --inserts
 * is not a COPY and goes through the triggers.
 *
 * src/restore.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "tcop/pquery.h"
#include "utils/rel.h"

#include "restore.h"

bool
restore_copy_loads_row(TriggerData *td)
{
	PlannedStmt *stmt;
	CopyStmt   *copy;

	if (!TRIGGER_FIRED_BY_INSERT(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		return false;
	if (!superuser() || !superuser_arg(GetOuterUserId()))
		return false;

	/* the statement the client sent, not one run inside it */
	if (ActivePortal == NULL || list_length(ActivePortal->stmts) != 1)
		return false;
	stmt = linitial_node(PlannedStmt, ActivePortal->stmts);
	if (stmt->commandType != CMD_UTILITY || stmt->utilityStmt == NULL ||
		!IsA(stmt->utilityStmt, CopyStmt))
		return false;
	copy = (CopyStmt *) stmt->utilityStmt;
	if (!copy->is_from || copy->filename != NULL || copy->is_program ||
		copy->relation == NULL)
		return false;

	/* into this very table; the COPY holds its lock, so the name resolves */
	return RangeVarGetRelid(copy->relation, NoLock, true) ==
		RelationGetRelid(td->tg_relation);
}
