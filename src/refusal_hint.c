/*-------------------------------------------------------------------------
 *
 * refusal_hint.c
 *	  A refusal with no actor set says so.
 *
 * With no actor, row-level security refuses every write the way it refuses
 * a write the actor may not make: "new row violates row-level security
 * policy for table ...", and nothing more.  A developer whose application
 * forgot act_as() is left guessing.  So when such a refusal (42501) reaches
 * a session that has no actor, this error hook adds a HINT that says so
 * (only a role subject to row-level security ever gets that refusal, and
 * the hook reads no catalog: it runs while an error is reported).  It names no row and
 * says nothing the session could not know: that it set no actor.
 *
 * The hook sees errors that go to the server log (emit_log_hook runs before
 * the message is sent to the client, and may add to it); with
 * log_min_messages above ERROR it sees none and adds nothing.
 *
 * src/refusal_hint.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/elog.h"

#include "actor.h"
#include "runner_policy.h"

static emit_log_hook_type prev_emit_log_hook = NULL;

static void
hint_no_actor(ErrorData *edata)
{
	if (edata->elevel == ERROR &&
		edata->sqlerrcode == ERRCODE_INSUFFICIENT_PRIVILEGE &&
		edata->hint == NULL && edata->message != NULL &&
		strncmp(edata->message, "new row violates row-level security policy",
				strlen("new row violates row-level security policy")) == 0 &&
		actor_current()->kind == ACTOR_NONE)
		edata->hint = pstrdup("No actor is set in this session: call runner_policy.act_as() or runner_policy.authenticate() first, after BEGIN.");
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

void
refusal_hint_init(void)
{
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = hint_no_actor;
}
