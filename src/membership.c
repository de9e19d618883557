/*-------------------------------------------------------------------------
 *
 * membership.c
 *	  Access levels of project and group members.
 *
 * A trigger rather than a CHECK constraint, so that a bad level is reported
 * as invalid_parameter_value with the list of valid levels (doc/errors.md)
 * instead of as a broken constraint.
 *
 * src/membership.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "utils/rel.h"

#include "runner_policy.h"

PG_FUNCTION_INFO_V1(rp_members_guard);

#define VALID_LEVELS_DETAIL \
	"Access levels are " CppAsString2(LEVEL_GUEST) " (guest), " \
	CppAsString2(LEVEL_REPORTER) " (reporter), " \
	CppAsString2(LEVEL_DEVELOPER) " (developer), " \
	CppAsString2(LEVEL_MAINTAINER) " (maintainer) and " \
	CppAsString2(LEVEL_OWNER) " (owner)."

Datum
rp_members_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data_checked(fcinfo, "members_guard");
	HeapTuple	tuple;
	int64		level;

	if (!TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		TRIGGER_FIRED_BY_DELETE(td->tg_event))
		elog(ERROR, "members_guard must fire BEFORE INSERT OR UPDATE, FOR EACH ROW");

	tuple = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	if (!row_get_int64(tuple, RelationGetDescr(td->tg_relation), "access_level", &level))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("access_level must not be null"),
				 errdetail(VALID_LEVELS_DETAIL)));
	if (level != LEVEL_GUEST && level != LEVEL_REPORTER && level != LEVEL_DEVELOPER &&
		level != LEVEL_MAINTAINER && level != LEVEL_OWNER)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid access level %lld", (long long) level),
				 errdetail(VALID_LEVELS_DETAIL)));
	return PointerGetDatum(tuple);
}
