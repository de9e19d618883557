/*-------------------------------------------------------------------------
 *
 * write_rls.c
 *	  Refusals in the write-path triggers that name nothing hidden.
 *
 * BEFORE triggers run before row-level security checks the new row.  A
 * trigger that refused with "runner 1003 is already linked to project 201"
 * would tell an actor about rows its policies hide, so when the write
 * involves a runner, project or namespace the actor may not read, the
 * triggers refuse first, with the very error row-level security gives
 * (doc/errors.md), and only then check the invariants that would say more.
 *
 * src/write_rls.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/rel.h"
#include "utils/rls.h"

#include "policy_core.h"
#include "write_rls.h"

bool
writer_subject_to_rls(Relation rel)
{
	return check_enable_rls(RelationGetRelid(rel), InvalidOid, true) == RLS_ENABLED;
}

bool
hidden_runner(Relation rel, int64 runner_id)
{
	return writer_subject_to_rls(rel) && !policy_actor_is_admin() &&
		!policy_may_read_runner(runner_id);
}

bool
hidden_project(Relation rel, int64 project_id)
{
	return writer_subject_to_rls(rel) && !policy_actor_is_admin() &&
		!policy_may_read_project(project_id);
}

bool
hidden_namespace(Relation rel, int64 namespace_id)
{
	return writer_subject_to_rls(rel) && !policy_actor_is_admin() &&
		!policy_may_read_namespace(namespace_id);
}

void
refuse_as_rls(Relation rel)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("new row violates row-level security policy for table \"%s\"",
					RelationGetRelationName(rel))));
	pg_unreachable();
}
