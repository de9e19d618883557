/*-------------------------------------------------------------------------
 *
 * statement.h
 *	  What a client statement is, and which actor a portal belongs to.
 *
 * src/statement.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef STATEMENT_H
#define STATEMENT_H

#include "postgres.h"

#include "nodes/plannodes.h"

/* Installs the executor and utility hooks; from _PG_init. */
extern void statement_init(void);

/*
 * A number that changes at the end of every statement the client sends, and
 * not within one (the statements inside a function call share it).
 */
extern uint64 statement_number(void);

/*
 * What a pinned query or portal took from the actor's rights, kept by the
 * policy core for its later runs (query_rights.c); statement.c only
 * carries it, in the memory of what it pins.  The core registers what to
 * do with it, so that this file calls nothing above it.
 */
struct PinRights;

/* Whether what a query took still holds for its actor now. */
typedef enum PinRightsState
{
	PIN_RIGHTS_HOLD,
	PIN_RIGHTS_LOST,			/* a right it used was removed */
	PIN_ACTOR_DEAD				/* its actor is dead (only when "quiet") */
} PinRightsState;

typedef struct StatementRightsHooks
{
	/* ExecutorStart, before the plan runs: refuse a plan made for other rights */
	void		(*plan_check) (PlannedStmt *stmt);
	/* ExecutorStart of a pinned query: what its plan holds decided */
	void		(*started) (struct PinRights **rights, MemoryContext cxt, PlannedStmt *stmt);
	/* how deep the running queries are, to unwind to on error */
	int			(*depth) (void);
	/* a run of a pinned query or portal: what it takes goes to its record */
	void		(*run_begin) (struct PinRights **rights, MemoryContext cxt);
	void		(*unwind) (int depth);
	/*
	 * Whether what it took still holds for the actor now; a dead actor ends
	 * with 28000, or, "quiet", is said.
	 */
	PinRightsState (*still_hold) (struct PinRights *rights, bool quiet);
	/* a portal made of a query's rows (a cursor WITH HOLD): what it took */
	void		(*merge) (struct PinRights **into, MemoryContext cxt, struct PinRights *from);
} StatementRightsHooks;

extern void statement_set_rights_hooks(const StatementRightsHooks *hooks);

#endif							/* STATEMENT_H */
