/*-------------------------------------------------------------------------
 *
 * credentials.c
 *	  Digests, and whether an actor's credentials are still alive.
 *
 * What both the token functions (token.c) and the policy core need to know
 * about a credential, and nothing else: how a token becomes the SHA-256
 * digest that is all the tables store, and whether an actor is still
 * alive (its user active, its token unrevoked, unexpired and, for a job
 * token, its job running; a runner's token unchanged).  The login
 * (authenticate) and the check the policy core repeats for every statement
 * read the same definition of a live token, TOKEN_LIVE below.
 *
 * It sits apart from token.c so that neither token.c nor the policy core
 * includes the other's header: token.c asks the policy core who may issue
 * and revoke, and the policy core asks only this file.
 *
 * src/credentials.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "actor.h"
#include "credentials.h"
#include "idset.h"
#include "owner_spi.h"

/*
 * What makes a token in the tokens table alive (credentials.h: its row and
 * its job); one definition for the login and the per-statement check.
 */
#define TOKEN_LIVE	TOKEN_ROW_LIVE TOKEN_JOB_LIVE
#define TOKEN_FROM \
	" FROM runner_policy.tokens t" \
	" JOIN runner_policy.users u ON u.id = t.user_id" \
	" LEFT JOIN runner_policy.ci_builds b ON b.id = t.job_id"

/* A live token by its digest and kind: the login, authenticate() (token.c). */
SavedQuery token_by_digest = {
	"SELECT t.id, t.user_id, t.job_id, t.scopes, u.admin, u.auditor" TOKEN_FROM
	" WHERE t.digest = $1 AND t.kind = $2" TOKEN_LIVE,
	2, {BYTEAOID, TEXTOID}, NULL
};
/* The same token again, for every statement after it (actor_still_valid). */
static SavedQuery token_by_id = {
	"SELECT u.admin, u.auditor, t.scopes, b.project_id" TOKEN_FROM " WHERE t.id = $1" TOKEN_LIVE,
	1, {INT8OID}, NULL
};
static SavedQuery user_by_id = {
	"SELECT admin, auditor FROM runner_policy.users WHERE id = $1 AND state = 'active'",
	1, {INT8OID}, NULL
};
/* A runner with the token it used, and what it serves (release 1.2, and before) */
static SavedQuery runner_still_has_digest = {
	"SELECT runner_type, sharding_key_id, linked_project_ids FROM runner_policy.ci_runners"
	" WHERE id = $1 AND token_digest = $2",
	2, {INT8OID, BYTEAOID}, NULL
};
static SavedQuery runner_still_has_digest_legacy = {
	"SELECT runner_type, sharding_key_id FROM runner_policy.ci_runners"
	" WHERE id = $1 AND token_digest = $2",
	2, {INT8OID, BYTEAOID}, NULL
};

/* ----------------------------------------------------------------------
 * Digests
 * ---------------------------------------------------------------------- */

void
digest_sha256(const char *data, size_t len, uint8 *out)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (ctx == NULL ||
		pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, out, DIGEST_LEN) < 0)
	{
		pg_cryptohash_free(ctx);
		elog(ERROR, "could not compute a SHA-256 digest");
	}
	pg_cryptohash_free(ctx);
}

Datum
digest_bytea(const uint8 *bytes, size_t len)
{
	bytea	   *b = palloc(VARHDRSZ + len);

	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), bytes, len);
	return PointerGetDatum(b);
}

/* ----------------------------------------------------------------------
 * Liveness
 * ---------------------------------------------------------------------- */

/* A runner actor's row: alive while its token is the one it used. */
static bool
runner_still_valid(const Actor *actor, ActorFacts *facts, MemoryContext linked_cxt)
{
	bool		linked_on_row = runner_policy_sql_at_least(1, 2);
	Datum		args[2];
	int64		type = 0;
	bool		isnull;

	args[0] = Int64GetDatum(actor->runner_id);
	args[1] = digest_bytea(actor->runner_digest, DIGEST_LEN);
	if (saved_query_run_latest(linked_on_row ? &runner_still_has_digest :
							   &runner_still_has_digest_legacy, args, NULL) == 0)
		return false;
	(void) spi_result_int64(0, 1, &type);
	facts->runner_type = (int) type;
	facts->runner_has_owner = spi_result_int64(0, 2, &facts->runner_owner);
	if (linked_on_row)
	{
		Datum		linked = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull);

		if (!isnull)
		{
			IdSet		set = idset_of_array(linked_cxt, linked);

			facts->runner_linked = set.ids;
			facts->runner_nlinked = set.n;
		}
	}
	return true;
}

ActorFactsHook actor_facts_hook = NULL;

bool
actor_still_valid(const Actor *actor, ActorFacts *facts, MemoryContext linked_cxt)
{
	Datum		args[2];
	uint64		n;
	bool		isnull;
	bool		alive;

	memset(facts, 0, sizeof(*facts));
	if (actor_facts_hook != NULL && actor_facts_hook(actor, facts, linked_cxt, &alive))
		return alive;
	switch (actor->kind)
	{
		case ACTOR_NONE:
			return false;
		case ACTOR_RUNNER:
			return runner_still_valid(actor, facts, linked_cxt);
		case ACTOR_USER:
			args[0] = Int64GetDatum(actor->user_id);
			n = saved_query_run_latest(&user_by_id, args, NULL);
			break;
		default:
			args[0] = Int64GetDatum(actor->token_id);
			n = saved_query_run_latest(&token_by_id, args, NULL);
			break;
	}
	if (n == 0)
		return false;
	/* a token whose scopes were changed since is not the token it was */
	if (actor->kind != ACTOR_USER &&
		scopes_of_array(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull)) !=
		actor->scopes)
		return false;
	facts->admin = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	facts->auditor = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	if (actor->kind != ACTOR_USER)
		(void) spi_result_int64(0, 4, &facts->job_project);
	return true;
}

/* The SCOPE_* bits of a stored text[] of scope names. */
uint32
scopes_of_array(Datum array)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	uint32		scopes = 0;

	deconstruct_array(DatumGetArrayTypeP(array), TEXTOID, -1, false,
					  TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		if (!nulls[i])
			scopes |= scope_parse(TextDatumGetCString(elems[i]));
	return scopes;
}

/* The saved queries of this file, for runner_policy.saved_queries() (saved_queries.c). */
const SavedQueryEntry credentials_saved_queries[] = {
	SAVED_QUERY_ENTRY(token_by_digest),
	SAVED_QUERY_ENTRY(token_by_id),
	SAVED_QUERY_ENTRY(user_by_id),
	SAVED_QUERY_ENTRY(runner_still_has_digest),
	SAVED_QUERY_ENTRY(runner_still_has_digest_legacy),
	{NULL, NULL}
};
