/*-------------------------------------------------------------------------
 *
 * runner_policy.c
 *	  The module's entry point: _PG_init, and nothing else.
 *
 * runner_policy makes a code forge's database enforce CI runner ownership by
 * itself.  The files of src/ have one job each:
 *
 *	owner_spi.c			run the extension's own queries as the tables' owner
 *	version.c			version(): the SQL and the library checked against each other
 *	ddl_guard.c			drops that would lose the data, and a schema rename, refused
 *	actor.c				who the session acts for, in backend memory
 *	statement.c			where client statements end; portals pinned to their actor
 *	token.c				tokens: issue, authenticate, revoke (digests only)
 *	credentials.c		digests, and whether an actor is still alive
 *	token_text.c		where a statement's text spells a token, however it does
 *	log_redact.c		tokens kept out of the server log
 *	policy_core.c		every access rule, asked by RLS policies and functions
 *	  reach.h			  the reach, shared by the policy core's files only
 *	  idset.c			  the sorted id sets and level maps the rules probe
 *	  reach_cache.c		  when a reach may answer for a later statement
	  query_rights.c	  what a query took from the rights, checked at its next fetch
 *	  queue.c			  the runner queue counts (runner_queue_status)
 *	  access.c			  explain_access() and runner_access
 *	runner_guards.c		the ownership invariants on runners and their links
 *	write_rls.c			refusals about hidden rows answer as row-level security
 *	write_guard.c		the columns an actor may change, and moves
 *	job_guard.c			a job's status moves only forward
 *	row_origin.c		the extension writes who and when, and ids
 *	namespace_tree.c	namespaces.traversal_ids, kept right on every write
 *	membership.c		access levels of project and group members
 *	backfill.c			backfill_owners(), the one repair of legacy rows
 *	restore.c			pg_dump's restore: a superuser's COPY FROM STDIN
 *
 * src/runner_policy.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "actor.h"
#include "ddl_guard.h"
#include "monitor.h"
#include "owner_spi.h"
#include "plan_binding.h"
#include "policy_core.h"
#include "reach_cache.h"
#include "runner_policy.h"
#include "statement.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * Module load: the actor's transaction callbacks and DISCARD ALL hook, and
 * the one setting, runner_policy.allow_drop_with_data (superuser only, and
 * nothing to do with who the session is).  The prefix is reserved so that
 * no other can be made up: nothing a session can SET is ever read as who it
 * is.
 */
void
_PG_init(void)
{
	saved_queries_init();
	actor_init();
	plan_binding_init();
	monitor_init();
	policy_core_init();
	statement_init();
	query_rights_init();
	log_redact_init();
	refusal_hint_init();
	ddl_guard_init();
	reach_cache_init();
#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("runner_policy");
#else
	EmitWarningsOnPlaceholders("runner_policy");
#endif
}
