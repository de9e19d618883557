/*-------------------------------------------------------------------------
 *
 * runner_policy.c
 *	  The module's entry point: _PG_init, and nothing else.
 *
 * runner_policy makes a code forge's database enforce CI runner ownership by
 * itself.  The files of src/ have one job each, in layers: a file calls
 * only files listed before it in its layer or in the layers below, and a
 * lower layer that must tell a higher one calls a callback the higher one
 * registered here, from _PG_init (test/callgraph fails on any cycle).
 *
 *	runner_policy.c		_PG_init: settings, hooks, callbacks registered
 *	saved_queries.c		every saved query of every file, in one list
 *
 * The base, which calls nothing above it:
 *	base.c				row and trigger helpers (runner_policy.h)
 *	version.c			the installed extension, checked against the library
 *	restore.c			pg_dump's restore: a superuser's COPY FROM STDIN
 *	token_text.c		where a statement's text spells a token, however it does
 *	owner_spi.c			run the extension's own queries as the tables' owner
 *	citus_local.c		on Citus: this node's copies of the reference tables,
 *						read through a rewriter it registers with owner_spi.c
 *	idset.c				the sorted id sets and level maps the rules probe
 *
 * Who the session is:
 *	actor.c				who the session acts for, in backend memory
 *	monitor.c			the figures a DBA watches
 *	refusal_hint.c		a refusal with no actor set says so
 *	log_redact.c		tokens kept out of the server log
 *	statement.c			where client statements end; portals pinned to their actor
 *	credentials.c		digests, and whether an actor is still alive
 *
 * The rights (the policy core; policy_core.c has its own map):
 *	reach_read.c, rules.c, reach_cache.c, policy_core.c, plan_binding.c,
 *	reach_support.c, query_rights.c, queue.c, access.c, access_view.c
 *
 * The guards, which ask the rights:
 *	token.c				tokens: issue, authenticate, revoke (digests only)
 *	write_rls.c			refusals about hidden rows answer as row-level security
 *	runner_guards.c		the ownership invariants on runners and their links
 *	write_guard.c		the columns an actor may change, and moves
 *	job_guard.c			a job's status moves only forward
 *	row_origin.c		the extension writes who and when, and ids
 *	namespace_tree.c	namespaces.traversal_ids, kept right on every write
 *	membership.c		access levels of project and group members
 *	ddl_guard.c			drops that would lose the data, and a schema rename, refused
 *
 * Above the guards:
 *	backfill.c			backfill_owners(), the one repair of legacy rows
 *	audit.c				the audit log
 *	citus_assertion.c	on Citus: the actor from the coordinator to the workers
 *
 * src/runner_policy.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "actor.h"
#include "citus.h"
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
	reach_support_init();
	log_redact_init();
	refusal_hint_init();
	ddl_guard_init();
	reach_cache_init();
	/* on a Citus cluster only: this node's copies, the actor's assertion */
	citus_local_init();
	citus_assertion_init();
	MarkGUCPrefixReserved("runner_policy");
}
