/*-------------------------------------------------------------------------
 *
 * restore.h
 *	  A superuser's COPY FROM STDIN (a restore) loads rows as they are.
 *
 * src/restore.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RESTORE_H
#define RESTORE_H

#include "postgres.h"

#include "commands/trigger.h"

/*
 * Whether this row trigger fires for a row that a superuser's
 * COPY ... FROM STDIN into the trigger's own table is loading, as pg_restore
 * and psql -f of a dump do.  The guards then let the row in as it is.
 */
extern bool restore_copy_loads_row(TriggerData *td);

#endif							/* RESTORE_H */
