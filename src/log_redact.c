/*-------------------------------------------------------------------------
 *
 * log_redact.c
 *	  Keep tokens out of the server log.
 *
 * A token is a secret (SPEC section 7): it must not reach the server log,
 * also when the statement that carries it fails for another reason
 * ("SELECT runner_policy.authenticate('rpi_...'), 1/0"), and not through
 * log_statement either.  The token functions hide their statement from the
 * log on every error they raise; this hook covers everything else that goes
 * through ereport once the library is loaded: for every report, it hides the
 * statement when its text carries something shaped like a token, and
 * replaces the secret part of such a shape in the message, detail, hint,
 * context and internal query with "[redacted]".
 *
 * The hook exists from the moment the library is loaded.  A session loads it
 * at its first use of the extension, so a statement logged before that (by
 * log_statement = 'all', say) is not covered: the README tells the DBA to put
 * runner_policy in shared_preload_libraries, and to pass tokens as bind
 * parameters (pg_stat_activity shows the literal text of a statement, which
 * no hook can change).
 *
 * The shape: a kind prefix (rpi_, rpj_, rpx_, rpr_; on Citus also rpa_, an
 * actor assertion, and rpk_, the cluster key: citus_assertion.c) and at
 * least 8 hex digits.  Shorter runs or other prefixes are not secrets of ours; a token
 * cut short or one character off still is, and is caught.
 *
 * src/log_redact.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "tcop/tcopprot.h"
#include "utils/elog.h"

#include "runner_policy.h"

#define MIN_SECRET_HEX	8

static emit_log_hook_type prev_emit_log_hook = NULL;

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The length of the hex run of a token shape starting at s, or 0. */
static int
token_secret_length(const char *s)
{
	int			n = 0;

	if (s[0] != 'r' || s[1] != 'p' ||
		(s[2] != 'i' && s[2] != 'j' && s[2] != 'x' && s[2] != 'r' &&
		 s[2] != 'a' && s[2] != 'k') || s[3] != '_')
		return 0;
	while (is_hex(s[4 + n]))
		n++;
	return n >= MIN_SECRET_HEX ? n : 0;
}

bool
text_carries_token(const char *text)
{
	if (text == NULL)
		return false;
	for (const char *p = strstr(text, "rp"); p != NULL; p = strstr(p + 1, "rp"))
		if (token_secret_length(p) > 0)
			return true;
	return false;
}

/* A copy of text with the secret part of every token shape replaced. */
static char *
redacted(const char *text)
{
	StringInfoData buf;
	const char *p = text;

	initStringInfo(&buf);
	while (*p)
	{
		int			n = token_secret_length(p);

		if (n > 0)
		{
			appendBinaryStringInfo(&buf, p, 4);
			appendStringInfoString(&buf, "[redacted]");
			p += 4 + n;
		}
		else
			appendStringInfoChar(&buf, *p++);
	}
	return buf.data;
}

static void
redact_field(char **field)
{
	if (*field != NULL && text_carries_token(*field))
		*field = redacted(*field);
}

static void
rp_emit_log_hook(ErrorData *edata)
{
	/*
	 * Runs in ErrorContext, inside error reporting: nothing here may raise
	 * an error of its own.  The copies are allocated there and go with the
	 * report.
	 */
	if (text_carries_token(debug_query_string))
		edata->hide_stmt = true;
	redact_field(&edata->message);
	redact_field(&edata->detail);
	redact_field(&edata->detail_log);
	redact_field(&edata->hint);
	redact_field(&edata->context);
	redact_field(&edata->internalquery);

	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

void
log_redact_init(void)
{
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = rp_emit_log_hook;
}
