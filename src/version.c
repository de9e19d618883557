/*-------------------------------------------------------------------------
 *
 * version.c
 *	  runner_policy.version(), and the check that this library serves the
 *	  SQL version installed in the database.
 *
 * The SQL scripts and the library are installed by one make install, but
 * nothing forces them to match: a backend keeps the library it loaded
 * before a new make install, a server preloads the old one until it is
 * restarted, and a package may ship the SQL of one release with the library
 * of another.  Functions of a newer script may then name C symbols or
 * expect behaviour this library lacks, and an older script's functions may
 * be missing ones it relies on.  So every transaction that runs one of the
 * extension's queries checks pg_extension.extversion against the versions
 * the library was built for (owner_spi.c), and stops with an error that
 * says which side is older rather than running a mixture.
 *
 * Both versions come from the source tree the library was built from (the
 * Makefile passes them): RUNNER_POLICY_VERSION is the newest version that
 * has a script in sql/, RUNNER_POLICY_SERVED every version that has one.
 * The library keeps every C symbol an older script names, so it serves all
 * of them; the upgrade scripts bring the SQL to the newest.
 *
 * src/version.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "owner_spi.h"
#include "version.h"

#ifndef RUNNER_POLICY_VERSION
#error "RUNNER_POLICY_VERSION must be defined by the Makefile"
#endif
#ifndef RUNNER_POLICY_SERVED
#error "RUNNER_POLICY_SERVED must be defined by the Makefile"
#endif

PG_FUNCTION_INFO_V1(rp_version);

/* Is "version" one of the space-separated words of RUNNER_POLICY_SERVED? */
static bool
library_serves(const char *version)
{
	const char *p = RUNNER_POLICY_SERVED;
	size_t		len = strlen(version);

	while (*p != '\0')
	{
		const char *end = strchr(p, ' ');
		size_t		wordlen = end ? (size_t) (end - p) : strlen(p);

		if (wordlen == len && strncmp(p, version, len) == 0)
			return true;
		if (end == NULL)
			break;
		p = end + 1;
	}
	return false;
}

int
runner_policy_version_cmp(const char *a, const char *b)
{
	while (*a != '\0' || *b != '\0')
	{
		long		na = 0;
		long		nb = 0;

		while (isdigit((unsigned char) *a))
			na = na * 10 + (*a++ - '0');
		while (isdigit((unsigned char) *b))
			nb = nb * 10 + (*b++ - '0');
		if (na != nb)
			return na < nb ? -1 : 1;
		/* anything but a digit separates the parts */
		if (*a != '\0')
			a++;
		if (*b != '\0')
			b++;
	}
	return 0;
}

void
runner_policy_check_version(const char *sql_version)
{
	if (library_serves(sql_version))
		return;
	if (runner_policy_version_cmp(sql_version, RUNNER_POLICY_VERSION) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension runner_policy %s is newer than its library %s",
						sql_version, RUNNER_POLICY_VERSION),
				 errdetail("The library serves versions %s of the SQL.",
						   RUNNER_POLICY_SERVED),
				 errhint("Install the library of release %s (make install from the same source tree as the SQL), then start a new session; restart the server if shared_preload_libraries names runner_policy.",
						 sql_version)));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("extension runner_policy %s is not served by its library %s",
					sql_version, RUNNER_POLICY_VERSION),
			 errdetail("The library serves versions %s of the SQL.",
					   RUNNER_POLICY_SERVED),
			 errhint("Update the extension with ALTER EXTENSION runner_policy UPDATE, or install the library of release %s.",
					 sql_version)));
}

/*
 * runner_policy.version(OUT extension_version text, OUT library_version text)
 *
 * The SQL version installed in this database and the version of the loaded
 * library; fails, saying what to do, when the library does not serve the
 * SQL version.
 */
Datum
rp_version(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = CStringGetTextDatum(runner_policy_extension_version());
	values[1] = CStringGetTextDatum(RUNNER_POLICY_VERSION);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}
