/*-------------------------------------------------------------------------
 *
 * policy_core.h
 *	  The one place that decides what the actor may read and do.
 *
 * src/policy_core.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef POLICY_CORE_H
#define POLICY_CORE_H

#include "postgres.h"

#include "actor.h"

/* From _PG_init: the cache's limits, as settings. */
extern void policy_core_init(void);

/*
 * From _PG_init: what a query took from the actor's rights is kept for its
 * later runs, and compared then (query_rights.c, through statement.c).
 */
extern void query_rights_init(void);

/*
 * From _PG_init: the arms reach_support.c wrote as index conditions for
 * small sets, and that a plan evaluates row by row, are probed instead.
 */
extern void reach_support_init(void);

/* The actor is a live user who is an administrator. */
extern bool policy_actor_is_admin(void);

/* The actor is the live user with this id. */
extern bool policy_actor_is_user(int64 user_id);

/* The actor may update and delete this runner (and reset its token). */
extern bool policy_may_manage_runner(int64 runner_id);

/*
 * Whether the actor may link this runner to another project, as far as the
 * runner goes (the project is the link policy's): refused, allowed, or
 * refused only because the runner is locked.
 */
typedef enum LinkDecision
{
	LINK_REFUSED,
	LINK_ALLOWED,
	LINK_LOCKED
} LinkDecision;

extern LinkDecision policy_runner_link_check(int64 runner_id);

/* The kind of the live actor (ACTOR_NONE with none, or a dead one). */
extern ActorKind policy_actor_kind(void);

/* A runner actor's own runner id; 0 for any other actor. */
extern int64 policy_actor_runner_id(void);

/* The actor is a user who owns this namespace (directly or inherited). */
extern bool policy_owns_namespace(int64 namespace_id);

/*
 * The actor may read this stored row (false for a missing one).  For the
 * write-path guards: a refusal about a row the actor cannot read answers as
 * row-level security does and names nothing.
 */
extern bool policy_may_read_runner(int64 runner_id);
extern bool policy_may_read_project(int64 project_id);
extern bool policy_may_read_namespace(int64 namespace_id);

/*
 * reaches_all(kind) for plan_binding.c: the index of a kind's name (-1 for
 * none), and whether the actor of the running statement reaches all of it.
 */
extern int	policy_reach_all_kind(const char *name);
extern bool policy_reaches_all(int kind);

/*
 * Which reaches_all() kinds are folded into plans, and the folded
 * decisions as bits (1 << kind): those of the actor of the running
 * statement, and those guessed for an actor from how it was set.
 */
extern bool policy_reach_all_folded(int kind);
extern uint32 policy_decision_bits(void);
extern uint32 policy_decision_bits_guessed(const Actor *actor);

/*
 * in_reach(set, id) for reach_support.c: the index of a set's name (-1 for
 * none), and how many ids the actor of the running statement has in it.
 */
extern int	policy_reach_set_kind(const char *name);
extern int	policy_reach_set_size(int kind);

#endif							/* POLICY_CORE_H */
