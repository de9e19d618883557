/*-------------------------------------------------------------------------
 *
 * log_redact.c
 *	  Keep tokens out of the server log.
 *
 * A token is a secret: it must not reach the server log, also when the
 * statement that carries it fails for another reason
 * ("SELECT runner_policy.authenticate('rpi_...'), 1/0"), and not through
 * log_statement either.  The token functions hide their statement from the
 * log on every error they raise; this hook covers everything else that goes
 * through ereport once the library is loaded.  For every report it reads
 * the text of the statement and of every field that can carry statement
 * text (message, detail, hint, context, internal query) for tokens,
 * however a literal spells them (token_text.c), and replaces the bytes
 * that spell a secret with "[redacted]":
 *
 *	statement: SELECT runner_policy.authenticate('rpr_' || '[redacted]')
 *
 * The STATEMENT line that follows an error is printed from
 * debug_query_string, which no field of the report holds: when that text
 * spells a token, the hook points debug_query_string at a redacted copy.
 * The copy lives in TopMemoryContext until the next one replaces it;
 * postgres.c points debug_query_string at the next statement's text
 * anyway, so the copy is only ever read for the statement it was made
 * for.  The original stays where postgres.c keeps it, and a field that
 * repeats it (log_statement's "statement: ..." line, a duration line) is
 * redacted where the original's secrets are.  If memory runs out, the
 * statement is hidden instead and a field that cannot be read is emptied.
 *
 * The hook exists from the moment the library is loaded.  A session loads
 * it at its first use of the extension, so a statement logged before that
 * (by log_statement = 'all', say) is not covered: the README tells the DBA
 * to put runner_policy in shared_preload_libraries, and to pass tokens as
 * bind parameters (pg_stat_activity shows the literal text of a statement,
 * which no hook can change, and a token computed at run time cannot be
 * seen in the text at all).
 *
 * src/log_redact.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "tcop/tcopprot.h"
#include "utils/elog.h"
#include "utils/memutils.h"

#include "runner_policy.h"
#include "token_text.h"

static emit_log_hook_type prev_emit_log_hook = NULL;

/*
 * The redacted copy debug_query_string points to, and the text it was made
 * from (alive while debug_query_string still points to the copy: postgres.c
 * moves it on before it frees the statement's text).
 */
static char *statement_redacted = NULL;
static const char *statement_original = NULL;

/* marks for len bytes, zeroed; NULL when memory ran out */
static char *
new_marks(int len)
{
	return palloc_extended(len + 1, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM | MCXT_ALLOC_ZERO);
}

/*
 * Points debug_query_string at a redacted copy of the statement, or hides
 * the statement when no copy can be made.
 */
static void
redact_statement(ErrorData *edata, const char *query, int len, const char *marks)
{
	char	   *copy = token_text_redacted(query, len, marks);
	char	   *kept = NULL;

	if (copy != NULL)
		kept = MemoryContextAllocExtended(TopMemoryContext, strlen(copy) + 1,
										  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
	if (kept == NULL)
	{
		edata->hide_stmt = true;
		return;
	}
	strcpy(kept, copy);
	if (statement_redacted != NULL)
		pfree(statement_redacted);
	statement_redacted = kept;
	statement_original = query;
	debug_query_string = kept;
}

/*
 * Replaces *field with a redacted copy when it spells a token, where the
 * field repeats the statement (marked in qmarks) included.
 */
static void
redact_field(char **field, const char *query, int qlen, const char *qmarks)
{
	int			len;
	char	   *marks;
	int			found;
	char	   *copy;

	if (*field == NULL)
		return;
	len = strlen(*field);
	marks = new_marks(len);
	found = marks ? token_text_mark(*field, len, marks) : -1;
	if (found >= 0 && qmarks != NULL && qlen > 0)
	{
		for (const char *p = strstr(*field, query); p != NULL; p = strstr(p + qlen, query))
			for (int i = 0; i < qlen; i++)
				if (qmarks[i])
				{
					marks[p - *field + i] = 1;
					found++;
				}
	}
	if (found == 0)
		return;
	copy = found > 0 ? token_text_redacted(*field, len, marks) : NULL;
	if (copy != NULL)
		*field = copy;
	else
		(*field)[0] = '\0';		/* unreadable: better empty than a token */
}

static void
rp_emit_log_hook(ErrorData *edata)
{
	const char *query = debug_query_string;
	int			qlen = 0;
	char	   *qmarks = NULL;
	int			qfound = 0;

	/*
	 * Runs in ErrorContext, inside error reporting: nothing here may raise
	 * an error of its own.  The copies are allocated there and go with the
	 * report (but the statement's copy: see above).
	 */
	if (query != NULL && query == statement_redacted)
		query = statement_original;
	if (query != NULL)
	{
		qlen = strlen(query);
		qmarks = new_marks(qlen);
		qfound = qmarks ? token_text_mark(query, qlen, qmarks) : -1;
		if (qfound < 0)
			edata->hide_stmt = true;
		else if (qfound > 0 && debug_query_string != statement_redacted)
			redact_statement(edata, query, qlen, qmarks);
		if (qfound <= 0)
			qmarks = NULL;
	}
	redact_field(&edata->message, query, qlen, qmarks);
	redact_field(&edata->detail, query, qlen, qmarks);
	redact_field(&edata->detail_log, query, qlen, qmarks);
	redact_field(&edata->hint, query, qlen, qmarks);
	redact_field(&edata->context, query, qlen, qmarks);
	redact_field(&edata->internalquery, query, qlen, qmarks);

	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

void
log_redact_init(void)
{
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = rp_emit_log_hook;
}
