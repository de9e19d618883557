/*-------------------------------------------------------------------------
 *
 * version.h
 *	  The library's version, the SQL versions it serves, and their check.
 *
 * src/version.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RP_VERSION_H
#define RP_VERSION_H

/* The extension's name in pg_extension (runner_policy.control). */
#define RUNNER_POLICY_EXTENSION	"runner_policy"

/*
 * Errors unless this library serves the SQL version installed in the
 * database, saying which side is older and what to do.
 */
extern void runner_policy_check_version(const char *sql_version);

/* Compares dotted versions ("1.0" < "1.1" < "1.10"); strcmp-like sign. */
extern int	runner_policy_version_cmp(const char *a, const char *b);

#endif							/* RP_VERSION_H */
