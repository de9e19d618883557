/*-------------------------------------------------------------------------
 *
 * token_text.h
 *	  Where the text of a statement spells a token, however its literals
 *	  spell it.
 *
 * src/token_text.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TOKEN_TEXT_H
#define TOKEN_TEXT_H

#include "postgres.h"

#include "nodes/nodes.h"

/*
 * Sets marks[i] (marks has len bytes, zeroed by the caller) for every byte
 * of text that spells part of the secret of a token shape, written out or
 * in a literal.  Returns how many shapes it found, or -1 when memory ran
 * out.  Raises no error: the log hook calls it inside error reporting.
 */
/* The value of a hex digit (either case), or -1 for any other character. */
extern int	hex_digit_value(char c);

extern int	token_text_mark(const char *text, int len, char *marks);

/*
 * A copy of text with each run of marked bytes replaced by "[redacted]";
 * NULL when memory ran out.  Raises no error.
 */
extern char *token_text_redacted(const char *text, int len, const char *marks);

/* Whether text spells a token (raises an error when memory runs out). */
extern bool token_text_carries(const char *text, int len);

/*
 * Refuses a utility statement whose own text spells a token: statement
 * statistics keep such a text as written.  query is the whole string the
 * statement came in; location and len are the statement's (len 0: to the
 * end; location -1: the whole string).
 */
extern void token_text_refuse_utility(const char *query, int location, int len,
									  Node *parsetree);

#endif							/* TOKEN_TEXT_H */
