/*-------------------------------------------------------------------------
 *
 * plan_binding.h
 *	  Decisions folded into plans, and keeping them right.
 *
 * src/plan_binding.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PLAN_BINDING_H
#define PLAN_BINDING_H

#include "postgres.h"

#include "nodes/plannodes.h"

/* From _PG_init: follows the changes of actor. */
extern void plan_binding_init(void);

/* Marks cached plans invalid if any may hold a decision (rights changed). */
extern void plan_binding_forget(void);

/* At ExecutorStart: fails with 40001 if a decision in the plan no longer holds. */
extern void plan_binding_check(PlannedStmt *stmt);

/* The kinds a plan holds folded as true, as bits (1 << kind). */
extern uint32 plan_binding_folded_true(PlannedStmt *stmt);

#endif							/* PLAN_BINDING_H */
