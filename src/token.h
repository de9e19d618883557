/*-------------------------------------------------------------------------
 *
 * token.h
 *	  Tokens: issued once as plaintext, stored as SHA-256 digests.
 *
 * What the write guards need from token.c.  Digests and whether an actor
 * is still alive are credentials.h's: the policy core includes that one,
 * never this, since token.c asks the policy core (policy_core.h).
 *
 * src/token.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TOKEN_H
#define TOKEN_H

#include "postgres.h"

/* The runner whose token_digest reset_runner_token() is writing, or 0. */
extern int64 token_digest_writer_runner(void);

#endif							/* TOKEN_H */
