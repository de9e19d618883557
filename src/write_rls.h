/*-------------------------------------------------------------------------
 *
 * write_rls.h
 *	  Refusals in the write-path triggers that name nothing hidden.
 *
 * src/write_rls.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef WRITE_RLS_H
#define WRITE_RLS_H

#include "postgres.h"

#include "utils/relcache.h"

/*
 * Row-level security applies to the writer of this table: not a superuser,
 * not a BYPASSRLS role, and not the extension's own work as the owner.
 * Only such writers get the refusals below; the others keep the full
 * messages.
 */
extern bool writer_subject_to_rls(Relation rel);

/*
 * For a writer subject to row-level security whose actor is not an
 * administrator (who reads every row, so that "does not exist" tells an
 * administrator nothing new): the actor may not read this stored row, or
 * there is none.  The write must then be refused with refuse_as_rls().
 */
extern bool hidden_runner(Relation rel, int64 runner_id);
extern bool hidden_project(Relation rel, int64 project_id);
extern bool hidden_namespace(Relation rel, int64 namespace_id);

/*
 * Refuses the write the way row-level security refuses a new row (42501,
 * "new row violates row-level security policy for table ..."), naming no row.
 */
extern void refuse_as_rls(Relation rel) pg_attribute_noreturn();

#endif							/* WRITE_RLS_H */
