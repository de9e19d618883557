/*-------------------------------------------------------------------------
 *
 * token.h
 *	  Tokens: issued once as plaintext, stored as SHA-256 digests.
 *
 * src/token.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TOKEN_H
#define TOKEN_H

#include "postgres.h"

#include "actor.h"

/*
 * Whether the actor is still alive, read under the running statement's
 * snapshot: its user active, its token unrevoked, unexpired and (job tokens)
 * its job running, a runner's token unchanged.  Also returns the user's
 * admin and auditor flags.  Call between owner_spi_begin() and _end().
 */
extern bool actor_still_valid(const Actor *actor, bool *admin, bool *auditor);

/* The runner whose token_digest reset_runner_token() is writing, or 0. */
extern int64 token_digest_writer_runner(void);

#endif							/* TOKEN_H */
