/*-------------------------------------------------------------------------
 *
 * token.c
 *	  Tokens: issued once as plaintext, stored as SHA-256 digests.
 *
 * A token is a kind prefix and 32 bytes from pg_strong_random(), in hex:
 *
 *	rpi_...  instance read token (read_runners, read_jobs; admins issue it)
 *	rpj_...  job token (acts as the job's user while the job runs)
 *	rpx_...  extended job token (a job token with explicit scopes)
 *	rpr_...  runner token (stored in ci_runners.token_digest)
 *
 * Only the SHA-256 digest of the whole text is stored.  The plaintext is
 * returned once by the issuing function and appears in no table, error
 * message or log line.  authenticate() answers every bad token with the same
 * invalid_authorization_specification error, which echoes nothing, logs
 * the attempt (role, client and the kind its prefix claims) to the server
 * log only, and hides the statement text from the log, which would contain
 * the token.
 *
 * How a plaintext becomes its digest, and whether a logged-in actor is still
 * alive, are credentials.c's, which the policy core asks as well.
 *
 * src/token.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "port.h"
#include "utils/array.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "actor.h"
#include "citus.h"
#include "credentials.h"
#include "monitor.h"
#include "owner_spi.h"
#include "policy_core.h"
#include "runner_policy.h"
#include "token.h"

PG_FUNCTION_INFO_V1(rp_authenticate);
PG_FUNCTION_INFO_V1(rp_issue_instance_token);
PG_FUNCTION_INFO_V1(rp_issue_job_token);
PG_FUNCTION_INFO_V1(rp_revoke_token);
PG_FUNCTION_INFO_V1(rp_reset_runner_token);

#define TOKEN_RANDOM_BYTES	32
#define TOKEN_PREFIX_LEN	4
#define TOKEN_TEXT_LEN		(TOKEN_PREFIX_LEN + 2 * TOKEN_RANDOM_BYTES)
#define MAX_INSTANCE_TOKEN_DAYS	365
#define MAX_DESCRIPTION_CHARS	255

typedef struct TokenKind
{
	const char *prefix;
	ActorKind	actor_kind;
	const char *table_kind;		/* tokens.kind; NULL for runner tokens */
} TokenKind;

static const TokenKind token_kinds[] = {
	{"rpi_", ACTOR_INSTANCE_TOKEN, "instance_token"},
	{"rpj_", ACTOR_JOB_TOKEN, "job_token"},
	{"rpx_", ACTOR_EXTENDED_JOB_TOKEN, "extended_job_token"},
	{"rpr_", ACTOR_RUNNER, NULL},
};

static int64 digest_writer_runner = 0;
static uint8 digest_writer_digest[DIGEST_LEN];
DigestWriterHook token_digest_writer_hook = NULL;

int64
token_digest_writer(uint8 *digest)
{
	if (digest_writer_runner != 0)
		memcpy(digest, digest_writer_digest, DIGEST_LEN);
	return digest_writer_runner;
}

bool
token_digest_write_allowed(int64 runner_id, Datum digest)
{
	bytea	   *b = DatumGetByteaPP(digest);

	if (runner_id == 0)
		return false;
	if (digest_writer_runner == runner_id)
		return true;
	return token_digest_writer_hook != NULL &&
		token_digest_writer_hook(runner_id, (const uint8 *) VARDATA_ANY(b),
								 VARSIZE_ANY_EXHDR(b));
}

static SavedQuery runner_by_digest = {
	"SELECT id FROM runner_policy.ci_runners WHERE token_digest = $1",
	1, {BYTEAOID}, NULL
};
static SavedQuery insert_token = {
	"INSERT INTO runner_policy.tokens"
	" (kind, digest, user_id, job_id, scopes, description, created_by_id, expires_at)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
	8, {TEXTOID, BYTEAOID, INT8OID, INT8OID, TEXTARRAYOID, TEXTOID, INT8OID,
		TIMESTAMPTZOID}, NULL
};
static SavedQuery job_for_token = {
	"SELECT b.status, b.user_id, u.state FROM runner_policy.ci_builds b"
	" LEFT JOIN runner_policy.users u ON u.id = b.user_id"
	" WHERE b.id = $1 FOR SHARE OF b",
	1, {INT8OID}, NULL
};
static SavedQuery token_owner = {
	"SELECT user_id FROM runner_policy.tokens WHERE id = $1",
	1, {INT8OID}, NULL
};
static SavedQuery revoke_query = {
	"UPDATE runner_policy.tokens SET revoked_at = pg_catalog.statement_timestamp()"
	" WHERE id = $1 AND revoked_at IS NULL",
	1, {INT8OID}, NULL
};
static SavedQuery set_runner_digest = {
	"UPDATE runner_policy.ci_runners SET token_digest = $2 WHERE id = $1",
	2, {INT8OID, BYTEAOID}, NULL
};

/* ----------------------------------------------------------------------
 * Plaintexts and scopes (digests: credentials.c)
 * ---------------------------------------------------------------------- */

/*
 * A new token of the given prefix: its plaintext (returned to the caller
 * once) and its digest (the only thing stored).
 */
static char *
new_token(const char *prefix, uint8 *digest)
{
	uint8		random[TOKEN_RANDOM_BYTES];
	char	   *plain = palloc(TOKEN_TEXT_LEN + 1);
	static const char hex[] = "0123456789abcdef";

	if (!pg_strong_random(random, sizeof(random)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random token")));
	memcpy(plain, prefix, TOKEN_PREFIX_LEN);
	for (int i = 0; i < TOKEN_RANDOM_BYTES; i++)
	{
		plain[TOKEN_PREFIX_LEN + 2 * i] = hex[random[i] >> 4];
		plain[TOKEN_PREFIX_LEN + 2 * i + 1] = hex[random[i] & 0x0f];
	}
	plain[TOKEN_TEXT_LEN] = '\0';
	digest_sha256(plain, TOKEN_TEXT_LEN, digest);
	explicit_bzero(random, sizeof(random));
	return plain;
}

static Datum
scopes_array(uint32 scopes)
{
	Datum		elems[SCOPE_COUNT];
	int			n = 0;

	for (int i = 0; i < SCOPE_COUNT; i++)
		if (scopes & (1u << i))
			elems[n++] = CStringGetTextDatum(scope_name(i));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false,
										   TYPALIGN_INT));
}


/*
 * Parses a scopes argument: every element must be one of "allowed".  The
 * message quotes at most a short prefix of a bad element.
 */
static uint32
scopes_argument(ArrayType *array, uint32 allowed, const char *what)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	uint32		scopes = 0;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("scopes must be a one-dimensional array")));
	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs at least one scope", what)));
	for (int i = 0; i < n; i++)
	{
		char	   *name;
		uint32		bit;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("scopes must not contain NULL")));
		name = TextDatumGetCString(elems[i]);
		bit = scope_parse(name);
		if ((bit & allowed) == 0)
		{
			int			cut = pg_mbcliplen(name, strlen(name), 40);

			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid scope \"%.*s\" for %s", cut, name, what),
					 errhint(allowed == INSTANCE_SCOPES ?
							 "Instance tokens take read_runners and read_jobs." :
							 "Job tokens take read_api, api, read_repository, write_repository, read_registry, write_registry and write_releases.")));
		}
		scopes |= bit;
	}
	return scopes;
}

/* ----------------------------------------------------------------------
 * authenticate(token text, is_local boolean) -> text
 * ---------------------------------------------------------------------- */

static const TokenKind *
kind_of_prefix(const char *text, int len)
{
	if (len < TOKEN_PREFIX_LEN)
		return NULL;
	for (int i = 0; i < (int) lengthof(token_kinds); i++)
		if (memcmp(text, token_kinds[i].prefix, TOKEN_PREFIX_LEN) == 0)
			return &token_kinds[i];
	return NULL;
}

/*
 * One answer for every token that does not open the door.  The server log
 * gets who tried and the kind the prefix claims; the client gets nothing it
 * could learn from, and no actor: a failed attempt also ends the one before.
 */
static SavedQuery client_address = {
	"SELECT coalesce(pg_catalog.inet_client_addr()::text, 'local')",
	0, {InvalidOid}, NULL
};

static void
pg_attribute_noreturn()
authentication_failed(const TokenKind *claimed)
{
	OwnerSpi	spi;
	char	   *client = "unknown";

	owner_spi_begin(&spi, runner_policy_tables_owner());
	if (saved_query_run_readonly(&client_address, NULL, NULL) == 1)
		client = MemoryContextStrdup(spi.caller_context,
									 SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	owner_spi_end(&spi);

	actor_clear();
	monitor_count(claimed == NULL ? MON_FAILED_AUTH_UNKNOWN :
				  claimed->actor_kind == ACTOR_INSTANCE_TOKEN ? MON_FAILED_AUTH_INSTANCE :
				  claimed->actor_kind == ACTOR_JOB_TOKEN ? MON_FAILED_AUTH_JOB :
				  claimed->actor_kind == ACTOR_EXTENDED_JOB_TOKEN ? MON_FAILED_AUTH_EXTENDED_JOB :
				  MON_FAILED_AUTH_RUNNER);
	ereport(LOG,
			(errmsg("runner_policy: authentication failed"),
			 errdetail_log("Role \"%s\", client %s, token kind \"%s\".",
						   GetUserNameFromId(GetUserId(), true) ?
						   GetUserNameFromId(GetUserId(), true) : "?",
						   client,
						   claimed ? (claimed->table_kind ? claimed->table_kind : "runner") : "unknown"),
			 errhidestmt(true),
			 errhidecontext(true)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
			 errmsg("invalid token"),
			 errdetail("The token is unknown, expired or revoked, or its job has finished."),
			 errhidestmt(true),
			 errhidecontext(true)));
	pg_unreachable();
}

Datum
rp_authenticate(PG_FUNCTION_ARGS)
{
	const TokenKind *kind = NULL;
	bool		is_local;
	uint8		digest[DIGEST_LEN];
	Actor		actor;
	OwnerSpi	spi;
	bool		found = false;

	actor_check_change("authenticate");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("is_local must not be null")));
	is_local = PG_GETARG_BOOL(1);

	if (PG_ARGISNULL(0))
		authentication_failed(NULL);
	else
	{
		text	   *token = PG_GETARG_TEXT_PP(0);
		int			len = VARSIZE_ANY_EXHDR(token);

		kind = kind_of_prefix(VARDATA_ANY(token), len);
		if (kind == NULL || len != TOKEN_TEXT_LEN)
			authentication_failed(kind);
		digest_sha256(VARDATA_ANY(token), len, digest);
	}

	memset(&actor, 0, sizeof(actor));
	actor.kind = kind->actor_kind;
	actor.is_local = is_local;

	owner_spi_begin(&spi, runner_policy_tables_owner());
	if (kind->actor_kind == ACTOR_RUNNER)
	{
		Datum		arg = digest_bytea(digest, DIGEST_LEN);

		if (saved_query_run_latest(&runner_by_digest, &arg, NULL) > 0)
		{
			found = spi_result_int64(0, 1, &actor.runner_id);
			memcpy(actor.runner_digest, digest, DIGEST_LEN);
		}
	}
	else
	{
		Datum		args[2] = {digest_bytea(digest, DIGEST_LEN),
		CStringGetTextDatum(kind->table_kind)};

		if (saved_query_run_latest(&token_by_digest, args, NULL) > 0)
		{
			bool		isnull;

			found = spi_result_int64(0, 1, &actor.token_id) &&
				spi_result_int64(0, 2, &actor.user_id);
			(void) spi_result_int64(0, 3, &actor.job_id);
			actor.scopes = scopes_of_array(SPI_getbinval(SPI_tuptable->vals[0],
														   SPI_tuptable->tupdesc,
														   4, &isnull));
			actor.admin_hint = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
														  SPI_tuptable->tupdesc, 5, &isnull));
			actor.auditor_hint = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
															SPI_tuptable->tupdesc, 6, &isnull));
		}
	}
	owner_spi_end(&spi);
	explicit_bzero(digest, sizeof(digest));

	if (!found)
		authentication_failed(kind);
	actor_set(&actor);
	PG_RETURN_TEXT_P(cstring_to_text(actor_kind_name(actor.kind)));
}

/* ----------------------------------------------------------------------
 * Issuing and revoking
 * ---------------------------------------------------------------------- */

static int64
store_token(const char *kind, const uint8 *digest, int64 user_id, int64 job_id,
			uint32 scopes, text *description, int64 created_by,
			TimestampTz expires_at, bool expires)
{
	Datum		args[8];
	char		nulls[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	int64		id = 0;

	args[0] = CStringGetTextDatum(kind);
	args[1] = digest_bytea(digest, DIGEST_LEN);
	args[2] = Int64GetDatum(user_id);
	args[3] = Int64GetDatum(job_id);
	if (job_id == 0)
		nulls[3] = 'n';
	args[4] = scopes_array(scopes);
	args[5] = PointerGetDatum(description);
	if (description == NULL)
		nulls[5] = 'n';
	args[6] = Int64GetDatum(created_by);
	if (created_by == 0)
		nulls[6] = 'n';
	args[7] = TimestampTzGetDatum(expires_at);
	if (!expires)
		nulls[7] = 'n';
	if (saved_query_run(&insert_token, args, nulls) != 1 ||
		!spi_result_int64(0, 1, &id))
		elog(ERROR, "could not store the token");
	return id;
}

/* issue_instance_token(scopes text[], expires_at timestamptz, description text) */
Datum
rp_issue_instance_token(PG_FUNCTION_ARGS)
{
	const Actor *actor = actor_current();
	uint32		scopes;
	TimestampTz expires_at;
	uint8		digest[DIGEST_LEN];
	char	   *plain;
	OwnerSpi	spi;

	if (!policy_actor_is_admin())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only administrators can issue instance tokens"),
				 errhint("Act as an administrator (runner_policy.act_as) first.")));
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("scopes must not be null"),
				 errhint("Instance tokens take read_runners and read_jobs.")));
	scopes = scopes_argument(PG_GETARG_ARRAYTYPE_P(0), INSTANCE_SCOPES,
							 "an instance token");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an instance token must expire"),
				 errhint("Give expires_at, for example now() + interval '30 days'.")));
	expires_at = PG_GETARG_TIMESTAMPTZ(1);
	if (expires_at <= GetCurrentStatementStartTimestamp() ||
		TIMESTAMP_NOT_FINITE(expires_at))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("expires_at must be a finite time in the future")));
	/* GitLab's longest token lifetime (doc/tokens.md) */
	if (expires_at > GetCurrentStatementStartTimestamp() +
		(int64) MAX_INSTANCE_TOKEN_DAYS * USECS_PER_DAY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("expires_at must be at most %d days ahead", MAX_INSTANCE_TOKEN_DAYS),
				 errhint("Issue a new token before this one expires.")));
	if (!PG_ARGISNULL(2) &&
		pg_mbstrlen_with_len(VARDATA_ANY(PG_GETARG_TEXT_PP(2)),
							 VARSIZE_ANY_EXHDR(PG_GETARG_TEXT_PP(2))) > MAX_DESCRIPTION_CHARS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("description must be at most %d characters", MAX_DESCRIPTION_CHARS)));

	plain = new_token("rpi_", digest);
	owner_spi_begin(&spi, runner_policy_tables_owner());
	(void) store_token("instance_token", digest, actor->user_id, 0, scopes,
					   PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2),
					   actor->user_id, expires_at, true);
	owner_spi_end(&spi);
	PG_RETURN_TEXT_P(cstring_to_text(plain));
}

/*
 * issue_job_token(job_id bigint, scopes text[]) -> text
 *
 * EXECUTE is revoked from PUBLIC: the DBA grants it to the service that
 * starts jobs.  NULL scopes give a job token, a list an extended job token.
 */
Datum
rp_issue_job_token(PG_FUNCTION_ARGS)
{
	int64		job_id;
	uint32		scopes = 0;
	bool		extended = !PG_ARGISNULL(1);
	uint8		digest[DIGEST_LEN];
	char	   *plain;
	OwnerSpi	spi;
	Datum		arg;
	char	   *status;
	int64		user_id = 0;
	bool		user_active;
	bool		isnull;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("job_id must not be null")));
	job_id = PG_GETARG_INT64(0);
	if (extended)
		scopes = scopes_argument(PG_GETARG_ARRAYTYPE_P(1), PROJECT_SCOPES,
								 "an extended job token");

	arg = Int64GetDatum(job_id);
	owner_spi_begin(&spi, runner_policy_tables_owner());
	if (saved_query_run(&job_for_token, &arg, NULL) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("job %lld does not exist", (long long) job_id)));
	status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	(void) spi_result_int64(0, 2, &user_id);
	(void) SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull);
	user_active = !isnull &&
		strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3), "active") == 0;
	if (strcmp(status, "running") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("job %lld is not running", (long long) job_id),
				 errdetail("Its status is \"%s\".", status),
				 errhint("Job tokens are issued only for running jobs.")));
	if (!user_active)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("job %lld has no active user to act as", (long long) job_id)));

	plain = new_token(extended ? "rpx_" : "rpj_", digest);
	(void) store_token(extended ? "extended_job_token" : "job_token", digest,
					   user_id, job_id, scopes, NULL,
					   actor_current()->kind == ACTOR_USER ? actor_current()->user_id : 0,
					   0, false);
	owner_spi_end(&spi);
	PG_RETURN_TEXT_P(cstring_to_text(plain));
}

/* revoke_token(token_id bigint): admins, and the token's own user */
Datum
rp_revoke_token(PG_FUNCTION_ARGS)
{
	int64		token_id;
	int64		owner_id = 0;
	bool		found;
	bool		allowed = false;
	OwnerSpi	spi;
	Datum		arg;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("token_id must not be null")));
	token_id = PG_GETARG_INT64(0);
	arg = Int64GetDatum(token_id);

	owner_spi_begin(&spi, runner_policy_tables_owner());
	found = saved_query_run(&token_owner, &arg, NULL) > 0;
	if (found && spi_result_int64(0, 1, &owner_id))
		allowed = policy_actor_is_admin() || policy_actor_is_user(owner_id);
	if (allowed)
		(void) saved_query_run(&revoke_query, &arg, NULL);
	owner_spi_end(&spi);

	/*
	 * The rule for unknown ids: 23503 to whoever could read the row if it
	 * existed (an administrator reads every token), and to anyone else the
	 * same refusal as for a row it may not touch, so that the error never
	 * tells whether someone else's token exists.
	 */
	if (!found && policy_actor_is_admin())
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("token %lld does not exist", (long long) token_id)));
	if (!allowed)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to revoke token %lld", (long long) token_id),
				 errdetail("Only administrators and the token's own user can revoke a token.")));
	PG_RETURN_VOID();
}

/* reset_runner_token(runner_id bigint) -> text: whoever may update the runner */
Datum
rp_reset_runner_token(PG_FUNCTION_ARGS)
{
	int64		runner_id;
	uint8		digest[DIGEST_LEN];
	char	   *plain;
	OwnerSpi	spi;
	Datum		args[2];

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("runner_id must not be null")));
	runner_id = PG_GETARG_INT64(0);
	/* unknown ids: as in revoke_token() */
	if (!policy_may_manage_runner(runner_id) && policy_actor_is_admin())
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("runner %lld does not exist", (long long) runner_id)));
	if (!policy_may_manage_runner(runner_id))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to reset the token of runner %lld",
						(long long) runner_id),
				 errdetail("Only those who may update a runner can reset its token.")));

	plain = new_token("rpr_", digest);
	args[0] = Int64GetDatum(runner_id);
	args[1] = digest_bytea(digest, DIGEST_LEN);
	owner_spi_begin(&spi, runner_policy_tables_owner());
	digest_writer_runner = runner_id;
	memcpy(digest_writer_digest, digest, DIGEST_LEN);
	PG_TRY();
	{
		(void) saved_query_run(&set_runner_digest, args, NULL);
	}
	PG_FINALLY();
	{
		digest_writer_runner = 0;
	}
	PG_END_TRY();
	owner_spi_end(&spi);
	PG_RETURN_TEXT_P(cstring_to_text(plain));
}

/* ----------------------------------------------------------------------
 * On Citus: what the tokens' foreign keys to users did on one node
 *
 * On one node a deleted user takes its tokens along, and the tokens it
 * issued forget it (tokens.user_id ON DELETE CASCADE, created_by_id ON
 * DELETE SET NULL).  On Citus the users are a reference table and the
 * tokens a plain table of the coordinator, which may not reference it
 * (citus_distribute() drops those keys).  So the coordinator's copy of
 * users does it, row by row, by index, with what the keys did: the same
 * rows, the same triggers (audit, guards), as the tables' owner, as a
 * key's action runs.  The workers' copies do nothing; nor does any copy
 * anywhere else, where the keys are there.
 * ---------------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(rp_citus_user_tokens);

static SavedQuery delete_user_tokens = {
	"DELETE FROM runner_policy.tokens WHERE user_id = $1", 1, {INT8OID}, NULL
};
static SavedQuery forget_token_creator = {
	"UPDATE runner_policy.tokens SET created_by_id = NULL WHERE created_by_id = $1",
	1, {INT8OID}, NULL
};

/* runner_policy.citus_user_tokens(): AFTER DELETE FOR EACH ROW on users. */
Datum
rp_citus_user_tokens(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data_checked(fcinfo, "citus_user_tokens");
	int64		user_id;
	Datum		arg;
	OwnerSpi	spi;

	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!TRIGGER_FIRED_BY_DELETE(td->tg_event))
		elog(ERROR, "citus_user_tokens must fire AFTER DELETE, FOR EACH ROW");
	if (!citus_in_database() || citus_node_group() != 0 ||
		!citus_is_table(get_relname_relid("users", runner_policy_extension_schema())))
		return PointerGetDatum(NULL);
	if (!row_get_int64(td->tg_trigtuple, RelationGetDescr(td->tg_relation), "id", &user_id))
		return PointerGetDatum(NULL);
	arg = Int64GetDatum(user_id);
	owner_spi_begin(&spi, runner_policy_tables_owner());
	(void) saved_query_run(&delete_user_tokens, &arg, NULL);
	(void) saved_query_run(&forget_token_creator, &arg, NULL);
	owner_spi_end(&spi);
	return PointerGetDatum(NULL);
}

/* The saved queries of this file, for runner_policy.saved_queries() (saved_queries.c). */
const SavedQueryEntry token_saved_queries[] = {
	SAVED_QUERY_ENTRY(delete_user_tokens),
	SAVED_QUERY_ENTRY(forget_token_creator),
	SAVED_QUERY_ENTRY(runner_by_digest),
	SAVED_QUERY_ENTRY(insert_token),
	SAVED_QUERY_ENTRY(job_for_token),
	SAVED_QUERY_ENTRY(token_owner),
	SAVED_QUERY_ENTRY(revoke_query),
	SAVED_QUERY_ENTRY(set_runner_digest),
	SAVED_QUERY_ENTRY(client_address),
	{NULL, NULL}
};
