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

/* Installs the executor and utility hooks; from _PG_init. */
extern void statement_init(void);

/*
 * A number that changes at the end of every statement the client sends, and
 * not within one (the statements inside a function call share it).
 */
extern uint64 statement_number(void);

#endif							/* STATEMENT_H */
