/*-------------------------------------------------------------------------
 *
 * credentials.h
 *	  Digests, and whether an actor's credentials are still alive.
 *
 * Shared by token.c (which issues tokens and logs actors in) and the policy
 * core (which checks the actor again for every statement), so that
 * neither includes the other's header.
 *
 * src/credentials.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CREDENTIALS_H
#define CREDENTIALS_H

#include "postgres.h"

#include "actor.h"
#include "owner_spi.h"

/* A SHA-256 digest: all that the tables store of a token. */
#define DIGEST_LEN			32

/* The SHA-256 digest of "len" bytes of "data", into "out" (DIGEST_LEN). */
extern void digest_sha256(const char *data, size_t len, uint8 *out);

/* Bytes as a bytea datum, in the current memory context. */
extern Datum digest_bytea(const uint8 *bytes, size_t len);

/*
 * What makes a token alive, in the terms of a query over tokens t, users u
 * and the token's job b: its own row and its user's (TOKEN_ROW_LIVE), and
 * its job (TOKEN_JOB_LIVE).  Apart because on Citus the job is read apart
 * (citus_assertion.c).
 */
#define TOKEN_ROW_LIVE \
	" AND t.revoked_at IS NULL" \
	" AND (t.expires_at IS NULL OR t.expires_at > pg_catalog.statement_timestamp())" \
	" AND u.state = 'active'"
#define JOB_RUNNING		"b.status = 'running'"
#define TOKEN_JOB_LIVE \
	" AND (t.kind = 'instance_token' OR " JOB_RUNNING ")"

/*
 * A live token (unrevoked, unexpired, its user active, a job token's job
 * running) by its digest ($1) and tokens.kind ($2): id, user_id, job_id
 * and scopes.  The one definition of a live token that the login shares
 * with actor_still_valid().
 */
extern SavedQuery token_by_digest;

/*
 * What a live actor is now, read with its liveness: its user's admin and
 * auditor flags, a job token's job project, a runner's type, owner and the
 * projects it is linked to (runner_linked, in linked_cxt; known only with
 * the SQL of release 1.2 or later, which keeps them on the runner's row).
 */
typedef struct ActorFacts
{
	bool		admin;
	bool		auditor;
	int64		job_project;	/* 0: none, or the job is gone */
	int			runner_type;
	bool		runner_has_owner;
	int64		runner_owner;
	int64	   *runner_linked;
	int			runner_nlinked;
} ActorFacts;

/*
 * Whether the actor is still alive, read in the newest committed state:
 * its user active, its token unrevoked, unexpired and (job tokens) its job
 * running with its scopes unchanged, a runner's token unchanged.  Fills
 * "facts" (zeroed when it is not alive).  Call between owner_spi_begin()
 * and _end().
 */
extern bool actor_still_valid(const Actor *actor, ActorFacts *facts,
							  MemoryContext linked_cxt);

/*
 * On Citus (citus_assertion.c) some facts are not where the queries above
 * look: a worker takes a job token's job and a runner's row from the
 * coordinator's assertion, and the coordinator reads the job through Citus
 * once per statement.  The hook returns true when it answered (the actor
 * alive or not in *alive, the facts filled), false to let the queries
 * above answer.
 */
typedef bool (*ActorFactsHook) (const Actor *actor, ActorFacts *facts,
								MemoryContext linked_cxt, bool *alive);
extern ActorFactsHook actor_facts_hook;

/* The SCOPE_* bits of a stored text[] of scope names (unknown names: none). */
extern uint32 scopes_of_array(Datum array);

#endif							/* CREDENTIALS_H */
