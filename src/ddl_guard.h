/*-------------------------------------------------------------------------
 *
 * ddl_guard.h
 *	  The event trigger against DROP EXTENSION with data, and its setting.
 *
 * src/ddl_guard.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DDL_GUARD_H
#define DDL_GUARD_H

/* _PG_init: defines runner_policy.allow_drop_with_data */
extern void ddl_guard_init(void);

#endif							/* DDL_GUARD_H */
