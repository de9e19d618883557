/*-------------------------------------------------------------------------
 *
 * version.h
 *	  The installed extension, the library's version, the SQL versions it
 *	  serves, and their check.  Below owner_spi.h, which includes it.
 *
 * src/version.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RP_VERSION_H
#define RP_VERSION_H

#include "postgres.h"

/* The extension's name in pg_extension (runner_policy.control). */
#define RUNNER_POLICY_EXTENSION	"runner_policy"

/*
 * Errors unless this library serves the SQL version installed in the
 * database, saying which side is older and what to do.
 */
extern void runner_policy_check_version(const char *sql_version);

/* Compares dotted versions ("1.0" < "1.1" < "1.10"); strcmp-like sign. */
extern int	runner_policy_version_cmp(const char *a, const char *b);

/*
 * The extension's schema, owner and installed SQL version, looked up once
 * per transaction through pg_extension (never by name).  All but the
 * schema's oid, the extension's owner and the _unchecked owner fail when
 * this library does not serve the installed version.
 */
extern Oid	runner_policy_extension_schema(void);
extern const char *runner_policy_extension_schema_name(void);
extern Oid	runner_policy_extension_owner(void);
extern const char *runner_policy_extension_version(void);
extern bool runner_policy_sql_at_least(int major, int minor);
extern Oid	runner_policy_tables_owner(void);
extern Oid	runner_policy_tables_owner_unchecked(void);

#endif							/* RP_VERSION_H */
