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

/*
 * Whether a runner's token_digest may be set to this digest (a bytea
 * datum) now: by reset_runner_token() of this backend, or, on a Citus
 * worker, by the coordinator's, as its verified assertion says
 * (token_digest_writer_hook, citus_assertion.c).
 */
extern bool token_digest_write_allowed(int64 runner_id, Datum digest);
typedef bool (*DigestWriterHook) (int64 runner_id, const uint8 *digest, int len);
extern DigestWriterHook token_digest_writer_hook;

/* The runner whose token reset_runner_token() is writing now (0: none), and its digest. */
extern int64 token_digest_writer(uint8 *digest);

#endif							/* TOKEN_H */
