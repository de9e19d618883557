/*-------------------------------------------------------------------------
 *
 * actor.h
 *	  Who the session is acting for, held in backend memory.
 *
 * src/actor.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ACTOR_H
#define ACTOR_H

#include "postgres.h"

typedef enum ActorKind
{
	ACTOR_NONE = 0,
	ACTOR_USER,
	ACTOR_INSTANCE_TOKEN,
	ACTOR_JOB_TOKEN,
	ACTOR_EXTENDED_JOB_TOKEN,
	ACTOR_RUNNER
} ActorKind;

/* Token scopes (doc/permissions.md and doc/tokens.md), as bits. */
#define SCOPE_READ_RUNNERS		(1u << 0)
#define SCOPE_READ_JOBS			(1u << 1)
#define SCOPE_READ_API			(1u << 2)
#define SCOPE_API				(1u << 3)
#define SCOPE_READ_REPOSITORY	(1u << 4)
#define SCOPE_WRITE_REPOSITORY	(1u << 5)
#define SCOPE_READ_REGISTRY		(1u << 6)
#define SCOPE_WRITE_REGISTRY	(1u << 7)
#define SCOPE_WRITE_RELEASES	(1u << 8)
#define SCOPE_COUNT				9

/* the scopes of an instance read token, and of a project (authorize) */
#define INSTANCE_SCOPES		(SCOPE_READ_RUNNERS | SCOPE_READ_JOBS)
#define PROJECT_SCOPES		(SCOPE_READ_API | SCOPE_API | SCOPE_READ_REPOSITORY | \
							 SCOPE_WRITE_REPOSITORY | SCOPE_READ_REGISTRY | \
							 SCOPE_WRITE_REGISTRY | SCOPE_WRITE_RELEASES)
#define READ_SCOPES			(SCOPE_READ_API | SCOPE_READ_REPOSITORY | SCOPE_READ_REGISTRY)

typedef struct Actor
{
	ActorKind	kind;
	int64		user_id;		/* 0 for a runner */
	int64		token_id;		/* tokens.id; 0 for act_as and runners */
	int64		job_id;			/* job and extended job tokens */
	int64		runner_id;		/* runner actors */
	uint32		scopes;			/* SCOPE_* bits of a token */
	uint8		runner_digest[32];	/* runner actors: the digest they used */
	bool		is_local;		/* ends with the transaction */

	/*
	 * The user's admin and auditor flags when the actor was set.  Never a
	 * right: every decision reads them afresh.  Only a guess of which plans
	 * made for the actor before still hold (plan_binding.c), so that a
	 * connection that acts for one user after another replans only when
	 * the decisions folded into its plans differ.
	 */
	bool		admin_hint;
	bool		auditor_hint;

	/*
	 * Borrowed from a verified assertion of the coordinator of a Citus
	 * cluster (citus_assertion.c), not set in this backend: what only the
	 * coordinator can read about it (a job token's job, a runner's row)
	 * comes with the assertion.
	 */
	bool		asserted;
} Actor;

/*
 * Called after every change of actor, with the new one (ACTOR_NONE when it
 * ended).  The layers above register them (plan_binding.c, monitor.c,
 * statement.c), so that this file calls nothing above it.  They run also
 * from transaction callbacks, where no query may run, and must not fail.
 */
typedef void (*ActorChangeCallback) (const Actor *actor);
extern void actor_register_change_callback(ActorChangeCallback callback);

/*
 * A source of the actor for a backend that has none of its own: a Citus
 * worker acts for the actor of the coordinator's assertion
 * (citus_assertion.c), so that this file calls nothing above it.  The hook
 * returns that actor, or NULL for none; with may_error it reports an
 * assertion it refuses, without it the refusal is no actor.  It calls
 * actor_borrowed_changed() when what it returns changes.
 */
typedef const Actor *(*ActorBorrowHook) (bool may_error);
extern void actor_register_borrow_hook(ActorBorrowHook hook);
extern void actor_borrowed_changed(const Actor *actor);

/*
 * Asked by act_as(), authenticate() and reset_actor() before they change
 * the actor, with the function's name; it raises an error to refuse.  A
 * layer above registers it (statement.c refuses a change in the middle of
 * a statement that writes the extension's tables), as for the callback.
 */
typedef void (*ActorChangeGuard) (const char *function_name);
extern void actor_register_change_guard(ActorChangeGuard guard);
extern void actor_check_change(const char *function_name);

extern void actor_init(void);
extern const Actor *actor_current(void);
extern const Actor *actor_current_checked(void);
extern uint64 actor_generation(void);
extern void actor_set(const Actor *actor);
extern void actor_clear(void);
extern const char *actor_kind_name(ActorKind kind);

extern const char *scope_name(int bit);
extern uint32 scope_parse(const char *name);

#endif							/* ACTOR_H */
