/*-------------------------------------------------------------------------
 *
 * token_text.c
 *	  Where the text of a statement spells a token, however its literals
 *	  spell it.
 *
 * A token must not reach the server log or statement statistics.  Looking
 * for "rpr_" and 64 hex digits in the text is not enough: SQL spells the
 * same string in many ways, and every one of these authenticates:
 *
 *	'rpr_0123...'					a plain literal
 *	'rpr_' || '0123...'				literals joined by ||, cast or not
 *	'rpr_'<newline>'0123...'		literals continued on the next line
 *	E'\x72pr_0123...'				escapes: \x72, \162, \u0072, \U00000072
 *	U&'\0072pr_...', U&'!0072pr_...' UESCAPE '!'
 *	$$rpr_0123...$$, $t$rpr_...$t$	dollar quotes
 *
 * and a DO block, a function body or an EXECUTE string holds SQL whose own
 * literals may spell one again.  So the text is read the way the SQL lexer
 * reads it: comments and quoted identifiers are skipped, each literal is
 * decoded, literals joined by || (or continued across a newline) are
 * joined, and the decoded string is searched for the token shape.  Every
 * decoded byte remembers which bytes of the original text spell it, so
 * that the bytes spelling a secret can be marked and replaced in the text
 * the log shows (log_redact.c), or the statement refused (statement.c).
 * The decoded string of each literal is read again as SQL, down to
 * MAX_DEPTH levels (a statement, a DO body, an EXECUTE string in it, ...),
 * and so is the content of a double-quoted span: log lines quote SQL that
 * way ("SQL statement "SELECT ...""), and reading an identifier as SQL can
 * only find more.
 *
 * The token shape: one of the kind prefixes rpi_, rpj_, rpx_, rpr_ (lower
 * case, as issued), or on Citus rpa_ (an actor assertion) and rpk_ (the
 * cluster key, doc/citus.md), followed directly by at least MIN_SECRET_HEX
 * hex digits (either case); the secret is that run of hex digits.  A token cut
 * short or one digit off still is a secret; a digest or an md5() without a
 * prefix ('\x' and 64 hex digits, say) is not, and is left as it is; so is
 * a prefix followed by anything but hex ('^rpr_[0-9a-f]{64}$').  Literals
 * that are not joined by || are never joined, so that a prefix in one
 * literal and a digest in the next are not taken for a token.
 *
 * A string computed at run time (decode(), chr(), reverse(), concat(),
 * format()) is not in the text, and cannot be found in it: the client
 * protects those by passing tokens as bind parameters.
 *
 * Nothing here raises an error but token_text_carries() and the refusal:
 * the log hook calls in from inside error reporting.  Memory comes from the
 * caller's context with MCXT_ALLOC_NO_OOM, and running out makes the scan
 * report failure rather than an error.
 *
 * src/token_text.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "nodes/nodes.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"
#include "utils/memutils.h"

#include "token_text.h"

#define MIN_SECRET_HEX	8
#define TOKEN_PREFIX_LEN	4
#define MAX_DEPTH		4
#define REDACTED		"[redacted]"
/* a spelling's first size: most literals are short, and a spelling grows */
#define SPELLING_START	64

/*
 * A string and, for each of its bytes, the bytes [from, to) of the original
 * text that spell it.  from == NULL: byte i is spelled by byte i itself
 * (the original text, or a part of it).
 */
typedef struct Spelling
{
	char	   *chars;
	int		   *from;
	int		   *to;
	int			len;
	int			cap;
} Spelling;

typedef struct TextScan
{
	char	   *marks;			/* one per byte of the original text */
	int			found;			/* token shapes marked */
	bool		failed;			/* memory ran out: marks are incomplete */
	bool		standard_strings;	/* standard_conforming_strings */
} TextScan;

typedef enum LiteralKind
{
	LITERAL_NONE,
	LITERAL_PLAIN,				/* '...', N'...', B'...', X'...' */
	LITERAL_ESCAPE,				/* E'...' (and '...' without standard strings) */
	LITERAL_UNICODE,			/* U&'...' [UESCAPE 'c'] */
	LITERAL_DOLLAR				/* $tag$...$tag$ */
} LiteralKind;

static void lex(TextScan *scan, const Spelling *s, int depth);

/* ----------------------------------------------------------------------
 * Spellings
 * ---------------------------------------------------------------------- */

static void *
scan_alloc(TextScan *scan, Size size)
{
	void	   *p;

	if (scan->failed)
		return NULL;
	p = palloc_extended(size, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
	if (p == NULL)
		scan->failed = true;
	return p;
}

static inline char
at(const Spelling *s, int i)
{
	return i >= 0 && i < s->len ? s->chars[i] : '\0';
}

static inline int
first_byte(const Spelling *s, int i)
{
	return s->from ? s->from[i] : i;
}

static inline int
end_byte(const Spelling *s, int i)
{
	return s->to ? s->to[i] : i + 1;
}

static bool
spelling_init(TextScan *scan, Spelling *s, int cap)
{
	s->cap = Max(cap, 4);
	s->len = 0;
	s->chars = scan_alloc(scan, s->cap);
	s->from = scan_alloc(scan, sizeof(int) * s->cap);
	s->to = scan_alloc(scan, sizeof(int) * s->cap);
	return !scan->failed;
}

static void
spelling_free(Spelling *s)
{
	if (s->chars)
		pfree(s->chars);
	if (s->from)
		pfree(s->from);
	if (s->to)
		pfree(s->to);
	s->chars = NULL;
	s->from = s->to = NULL;
	s->len = s->cap = 0;
}

/* Appends byte c, spelled by bytes [from, to) of the original text. */
static void
spelling_add(TextScan *scan, Spelling *s, char c, int from, int to)
{
	if (scan->failed)
		return;
	if (s->len == s->cap)
	{
		Spelling	bigger;

		if (s->cap > PG_INT32_MAX / 2)
		{
			scan->failed = true;	/* longer than any statement can be */
			return;
		}
		if (!spelling_init(scan, &bigger, s->cap * 2))
			return;
		memcpy(bigger.chars, s->chars, s->len);
		memcpy(bigger.from, s->from, sizeof(int) * s->len);
		memcpy(bigger.to, s->to, sizeof(int) * s->len);
		bigger.len = s->len;
		spelling_free(s);
		*s = bigger;
	}
	s->chars[s->len] = c;
	s->from[s->len] = from;
	s->to[s->len] = to;
	s->len++;
}

/* Appends byte i of src (with the bytes that spell it). */
static void
spelling_copy_byte(TextScan *scan, Spelling *s, const Spelling *src, int i)
{
	spelling_add(scan, s, src->chars[i], first_byte(src, i), end_byte(src, i));
}

/* Appends a code point spelled by bytes first..last of src, as UTF-8. */
static void
spelling_add_code_point(TextScan *scan, Spelling *s, pg_wchar cp,
						const Spelling *src, int first, int last)
{
	unsigned char utf8[8];
	int			n;

	if (cp == 0 || cp > 0x10FFFF)
	{
		/* not a character; nothing of a token either */
		spelling_add(scan, s, '?', first_byte(src, first), end_byte(src, last));
		return;
	}
	unicode_to_utf8(cp, utf8);
	n = pg_utf_mblen(utf8);
	for (int k = 0; k < n; k++)
		spelling_add(scan, s, (char) utf8[k], first_byte(src, first), end_byte(src, last));
}

/* ----------------------------------------------------------------------
 * Token shapes
 * ---------------------------------------------------------------------- */

static inline bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The value of a hex digit, or -1 (token_text.h). */
int
hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static inline bool
is_token_prefix(const Spelling *s, int i)
{
	return at(s, i) == 'r' && at(s, i + 1) == 'p' &&
		(at(s, i + 2) == 'i' || at(s, i + 2) == 'j' ||
		 at(s, i + 2) == 'x' || at(s, i + 2) == 'r' ||
		 at(s, i + 2) == 'a' || at(s, i + 2) == 'k') &&
		at(s, i + 3) == '_';
}

/* Marks the bytes that spell the secret of every token shape in s. */
static void
find_shapes(TextScan *scan, const Spelling *s)
{
	int			i = 0;

	while (i + TOKEN_PREFIX_LEN < s->len)
	{
		int			n = 0;

		if (is_token_prefix(s, i))
			while (is_hex(at(s, i + TOKEN_PREFIX_LEN + n)))
				n++;
		if (n < MIN_SECRET_HEX)
		{
			i++;
			continue;
		}
		for (int k = i + TOKEN_PREFIX_LEN; k < i + TOKEN_PREFIX_LEN + n; k++)
		{
			int			from = first_byte(s, k);

			memset(scan->marks + from, 1, end_byte(s, k) - from);
		}
		scan->found++;
		i += TOKEN_PREFIX_LEN + n;
	}
}

/* ----------------------------------------------------------------------
 * The lexer's pieces
 * ---------------------------------------------------------------------- */

static inline bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline bool
is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		IS_HIGHBIT_SET(c);
}

static inline bool
is_ident_char(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/* Past whitespace and comments from i; *newline: a line ended among them. */
static int
skip_blank(const Spelling *s, int i, bool *newline)
{
	*newline = false;
	while (i < s->len)
	{
		char		c = s->chars[i];

		if (is_space(c))
		{
			if (c == '\n' || c == '\r')
				*newline = true;
			i++;
		}
		else if (c == '-' && at(s, i + 1) == '-')
		{
			while (i < s->len && s->chars[i] != '\n' && s->chars[i] != '\r')
				i++;
		}
		else if (c == '/' && at(s, i + 1) == '*')
		{
			int			depth = 1;

			i += 2;
			while (i < s->len && depth > 0)
			{
				if (s->chars[i] == '/' && at(s, i + 1) == '*')
					depth++, i += 2;
				else if (s->chars[i] == '*' && at(s, i + 1) == '/')
					depth--, i += 2;
				else
					i++;
			}
		}
		else
			break;
	}
	return Min(i, s->len);
}

static int
skip_blank_only(const Spelling *s, int i)
{
	bool		newline;

	return skip_blank(s, i, &newline);
}

/* Does the keyword (upper case) stand at i, as a word of its own? */
static bool
keyword_at(const Spelling *s, int i, const char *keyword)
{
	int			n = strlen(keyword);

	if (i > 0 && is_ident_char(at(s, i - 1)))
		return false;
	for (int k = 0; k < n; k++)
		if (pg_ascii_toupper((unsigned char) at(s, i + k)) != keyword[k])
			return false;
	return !is_ident_char(at(s, i + n));
}

/*
 * The literal that starts at i, if any: its kind, where its opening quote
 * is, and for a dollar quote the length of its tag ("$tag$").
 */
static LiteralKind
literal_at(const TextScan *scan, const Spelling *s, int i, int *quote, int *taglen)
{
	char		c = at(s, i);

	if (i >= s->len)
		return LITERAL_NONE;
	if (c == '\'')
	{
		*quote = i;
		return scan->standard_strings ? LITERAL_PLAIN : LITERAL_ESCAPE;
	}
	if ((c == 'E' || c == 'e') && at(s, i + 1) == '\'')
	{
		*quote = i + 1;
		return LITERAL_ESCAPE;
	}
	if ((c == 'N' || c == 'n') && at(s, i + 1) == '\'')
	{
		*quote = i + 1;
		return scan->standard_strings ? LITERAL_PLAIN : LITERAL_ESCAPE;
	}
	if ((c == 'B' || c == 'b' || c == 'X' || c == 'x') && at(s, i + 1) == '\'')
	{
		*quote = i + 1;
		return LITERAL_PLAIN;
	}
	if ((c == 'U' || c == 'u') && at(s, i + 1) == '&' && at(s, i + 2) == '\'')
	{
		*quote = i + 2;
		return LITERAL_UNICODE;
	}
	if (c == '$')
	{
		int			j = i + 1;

		if (is_ident_start(at(s, j)))
			while (j < s->len && is_ident_char(s->chars[j]) && s->chars[j] != '$')
				j++;
		if (at(s, j) == '$')
		{
			*quote = i;
			*taglen = j - i + 1;
			return LITERAL_DOLLAR;
		}
	}
	return LITERAL_NONE;
}

/*
 * The string between quotes at s[quote], with '' read as one quote (and
 * with backslash escapes when escapes is set) into out; returns the index
 * past the closing quote (the end of s when there is none).
 */
static int
decode_quoted(TextScan *scan, const Spelling *s, int quote, bool escapes, Spelling *out)
{
	int			i = quote + 1;

	while (i < s->len && !scan->failed)
	{
		char		c = s->chars[i];
		int			first = i;

		if (c == '\'')
		{
			if (at(s, i + 1) != '\'')
				return i + 1;
			spelling_add(scan, out, '\'', first_byte(s, i), end_byte(s, i + 1));
			i += 2;
		}
		else if (c == '\\' && escapes && i + 1 < s->len)
		{
			char		d = s->chars[i + 1];
			int			value = 0;
			int			n = 0;

			i += 2;
			switch (d)
			{
				case 'b':
					spelling_add(scan, out, '\b', first_byte(s, first), end_byte(s, i - 1));
					break;
				case 'f':
					spelling_add(scan, out, '\f', first_byte(s, first), end_byte(s, i - 1));
					break;
				case 'n':
					spelling_add(scan, out, '\n', first_byte(s, first), end_byte(s, i - 1));
					break;
				case 'r':
					spelling_add(scan, out, '\r', first_byte(s, first), end_byte(s, i - 1));
					break;
				case 't':
					spelling_add(scan, out, '\t', first_byte(s, first), end_byte(s, i - 1));
					break;
				case 'x':
					while (n < 2 && hex_digit_value(at(s, i)) >= 0)
						value = value * 16 + hex_digit_value(at(s, i++)), n++;
					spelling_add(scan, out, n > 0 ? (char) value : 'x',
								 first_byte(s, first), end_byte(s, i - 1));
					break;
				case 'u':
				case 'U':
					{
						int			want = d == 'u' ? 4 : 8;

						while (n < want && hex_digit_value(at(s, i + n)) >= 0)
							value = value * 16 + hex_digit_value(at(s, i + n)), n++;
						if (n == want)
						{
							i += n;
							spelling_add_code_point(scan, out, (pg_wchar) value, s, first, i - 1);
						}
						else
							spelling_add(scan, out, d, first_byte(s, first), end_byte(s, i - 1));
					}
					break;
				default:
					if (d >= '0' && d <= '7')
					{
						value = d - '0';
						while (n < 2 && at(s, i) >= '0' && at(s, i) <= '7')
							value = value * 8 + (at(s, i++) - '0'), n++;
						spelling_add(scan, out, (char) (value & 0xFF),
									 first_byte(s, first), end_byte(s, i - 1));
					}
					else
						spelling_add(scan, out, d, first_byte(s, first), end_byte(s, i - 1));
					break;
			}
		}
		else
		{
			spelling_copy_byte(scan, out, s, i);
			i++;
		}
	}
	return s->len;
}

/*
 * U&'...': the escape character (backslash unless a UESCAPE clause after
 * the literal names another) followed by 4 hex digits, or by + and 6,
 * is a code point; twice, it is itself.
 */
static void
decode_unicode(TextScan *scan, const Spelling *body, char escape, Spelling *out)
{
	int			i = 0;

	while (i < body->len && !scan->failed)
	{
		int			value = 0;
		int			n = 0;
		int			digits = 0;
		int			start = i + 1;

		if (body->chars[i] != escape)
		{
			spelling_copy_byte(scan, out, body, i++);
			continue;
		}
		if (at(body, i + 1) == escape)
		{
			spelling_add(scan, out, escape, first_byte(body, i), end_byte(body, i + 1));
			i += 2;
			continue;
		}
		if (at(body, i + 1) == '+')
			digits = 6, start = i + 2;
		else
			digits = 4;
		while (n < digits && hex_digit_value(at(body, start + n)) >= 0)
			value = value * 16 + hex_digit_value(at(body, start + n)), n++;
		if (n < digits)
		{
			spelling_copy_byte(scan, out, body, i++);
			continue;
		}
		spelling_add_code_point(scan, out, (pg_wchar) value, body, i, start + n - 1);
		i = start + n;
	}
}

/*
 * Decodes the literal of the given kind that starts at i into out; returns
 * the index past it (and past its UESCAPE clause).
 */
static int
decode_literal(TextScan *scan, const Spelling *s, LiteralKind kind, int quote, int taglen,
			   Spelling *out)
{
	int			end;

	if (!spelling_init(scan, out, SPELLING_START))
		return s->len;
	switch (kind)
	{
		case LITERAL_PLAIN:
			return decode_quoted(scan, s, quote, false, out);
		case LITERAL_ESCAPE:
			return decode_quoted(scan, s, quote, true, out);
		case LITERAL_UNICODE:
			{
				Spelling	body;
				char		escape = '\\';
				int			k;

				if (!spelling_init(scan, &body, SPELLING_START))
					return s->len;
				end = decode_quoted(scan, s, quote, false, &body);
				k = skip_blank_only(s, end);
				if (keyword_at(s, k, "UESCAPE"))
				{
					Spelling	esc;

					k = skip_blank_only(s, k + strlen("UESCAPE"));
					if (at(s, k) == '\'' && spelling_init(scan, &esc, 4))
					{
						end = decode_quoted(scan, s, k, false, &esc);
						if (esc.len == 1)
							escape = esc.chars[0];
						spelling_free(&esc);
					}
				}
				decode_unicode(scan, &body, escape, out);
				spelling_free(&body);
				return end;
			}
		case LITERAL_DOLLAR:
			{
				const char *tag = s->chars + quote;

				for (int i = quote + taglen; i < s->len && !scan->failed; i++)
				{
					if (s->chars[i] == '$' && i + taglen <= s->len &&
						memcmp(s->chars + i, tag, taglen) == 0)
						return i + taglen;
					spelling_copy_byte(scan, out, s, i);
				}
				return s->len;
			}
		case LITERAL_NONE:
			break;
	}
	return s->len;
}

/* Past a type name at i ("text", pg_catalog.varchar(10), "my type"[]) */
static int
skip_type_name(const Spelling *s, int i)
{
	for (;;)
	{
		if (at(s, i) == '"')
		{
			for (i++; i < s->len; i++)
				if (s->chars[i] == '"' && at(s, ++i) != '"')
					break;
		}
		else if (is_ident_start(at(s, i)))
		{
			while (i < s->len && is_ident_char(s->chars[i]))
				i++;
		}
		else
			return i;
		if (at(s, i) != '.')
			break;
		i++;
	}
	i = skip_blank_only(s, i);
	if (at(s, i) == '(')
	{
		int			k = i + 1;

		while (k < s->len && ((s->chars[k] >= '0' && s->chars[k] <= '9') ||
							  s->chars[k] == ',' || is_space(s->chars[k])))
			k++;
		if (at(s, k) == ')')
			i = skip_blank_only(s, k + 1);
	}
	while (at(s, i) == '[' && at(s, i + 1) == ']')
		i = skip_blank_only(s, i + 2);
	return i;
}

/*
 * Where the next literal of a chain starts, after a literal that ends at
 * end, or -1.  A chain joins literals with || (each of them in parentheses,
 * cast with :: or CAST(... AS type), or typed as in text '...'), or
 * continues a literal with another after a line break, as SQL does.
 */
static int
next_in_chain(const TextScan *scan, const Spelling *s, int end)
{
	bool		newline;
	int			i = skip_blank(s, end, &newline);
	int			quote;
	int			taglen;

	if (newline && at(s, i) == '\'')
		return i;
	for (;;)
	{
		if (at(s, i) == ':' && at(s, i + 1) == ':')
			i = skip_type_name(s, skip_blank_only(s, i + 2));
		else if (keyword_at(s, i, "AS"))
			i = skip_type_name(s, skip_blank_only(s, i + 2));
		else if (at(s, i) == ')')
			i = skip_blank_only(s, i + 1);
		else
			break;
	}
	if (at(s, i) != '|' || at(s, i + 1) != '|')
		return -1;
	i = skip_blank_only(s, i + 2);
	for (;;)
	{
		if (at(s, i) == '(')
			i = skip_blank_only(s, i + 1);
		else if (keyword_at(s, i, "CAST"))
			i = skip_blank_only(s, i + strlen("CAST"));
		else
			break;
	}
	if (literal_at(scan, s, i, &quote, &taglen) != LITERAL_NONE)
		return i;
	if (is_ident_start(at(s, i)))
	{
		int			k = skip_type_name(s, i);

		if (k > i && is_space(at(s, k - 1)) &&
			literal_at(scan, s, k, &quote, &taglen) != LITERAL_NONE)
			return k;
	}
	return -1;
}

/*
 * The chain of literals that starts at i: each literal decoded (and read
 * again as SQL), all of them joined, and the joined string searched for
 * token shapes.  Returns the index past the last literal.
 */
static int
read_chain(TextScan *scan, const Spelling *s, int i, int depth)
{
	Spelling	joined;
	int			end = s->len;

	if (!spelling_init(scan, &joined, SPELLING_START))
		return s->len;
	while (i >= 0 && !scan->failed)
	{
		Spelling	value;
		int			quote = i;
		int			taglen = 0;
		LiteralKind kind = literal_at(scan, s, i, &quote, &taglen);

		end = decode_literal(scan, s, kind, quote, taglen, &value);
		if (scan->failed)
			break;
		for (int k = 0; k < value.len; k++)
			spelling_copy_byte(scan, &joined, &value, k);
		if (depth + 1 < MAX_DEPTH)
			lex(scan, &value, depth + 1);
		spelling_free(&value);
		i = next_in_chain(scan, s, end);
	}
	if (!scan->failed)
		find_shapes(scan, &joined);
	spelling_free(&joined);
	return end;
}

/* "...": its content ("" read as ") read as SQL; returns the index past it */
static int
read_quoted_identifier(TextScan *scan, const Spelling *s, int i, int depth)
{
	Spelling	content;

	if (depth + 1 >= MAX_DEPTH || !spelling_init(scan, &content, SPELLING_START))
	{
		for (i++; i < s->len; i++)
			if (s->chars[i] == '"' && at(s, ++i) != '"')
				return i;
		return s->len;
	}
	for (i++; i < s->len && !scan->failed; i++)
	{
		if (s->chars[i] == '"')
		{
			if (at(s, i + 1) != '"')
			{
				i++;
				break;
			}
			i++;
		}
		spelling_copy_byte(scan, &content, s, i);
	}
	lex(scan, &content, depth + 1);
	spelling_free(&content);
	return Min(i, s->len);
}

/* Reads s as SQL: every chain of literals in it, at any depth. */
static void
lex(TextScan *scan, const Spelling *s, int depth)
{
	int			i = 0;

	while (i < s->len && !scan->failed)
	{
		char		c = s->chars[i];
		int			quote;
		int			taglen;

		if ((c == '-' && at(s, i + 1) == '-') || (c == '/' && at(s, i + 1) == '*'))
			i = skip_blank_only(s, i);
		else if (literal_at(scan, s, i, &quote, &taglen) != LITERAL_NONE)
			i = read_chain(scan, s, i, depth);
		else if (c == '"')
			i = read_quoted_identifier(scan, s, i, depth);
		else if (is_ident_start(c))
		{
			while (i < s->len && is_ident_char(s->chars[i]))
				i++;
		}
		else
			i++;
	}
}

/* ----------------------------------------------------------------------
 * The interface
 * ---------------------------------------------------------------------- */

int
token_text_mark(const char *text, int len, char *marks)
{
	TextScan		scan;
	Spelling	whole;

	scan.marks = marks;
	scan.found = 0;
	scan.failed = false;
	scan.standard_strings = standard_conforming_strings;
	whole.chars = (char *) text;
	whole.from = whole.to = NULL;
	whole.len = whole.cap = len;

	find_shapes(&scan, &whole);
	lex(&scan, &whole, 0);
	return scan.failed ? -1 : scan.found;
}

char *
token_text_redacted(const char *text, int len, const char *marks)
{
	Size		size = 1;
	char	   *out;
	char	   *p;

	for (int i = 0; i < len; i++)
		if (!marks[i])
			size++;
		else if (i == 0 || !marks[i - 1])
			size += strlen(REDACTED);
	out = palloc_extended(size, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
	if (out == NULL)
		return NULL;
	p = out;
	for (int i = 0; i < len; i++)
		if (!marks[i])
			*p++ = text[i];
		else if (i == 0 || !marks[i - 1])
		{
			memcpy(p, REDACTED, strlen(REDACTED));
			p += strlen(REDACTED);
		}
	*p = '\0';
	return out;
}

bool
token_text_carries(const char *text, int len)
{
	char	   *marks = palloc_extended(len + 1, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	int			found = token_text_mark(text, len, marks);

	pfree(marks);
	if (found < 0)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Failed while reading a statement for tokens.")));
	return found > 0;
}

/*
 * SET LOCAL runner_policy.assertion TO 'rpa_...': how the coordinator hands
 * the actor to the Citus workers (citus_assertion.c), the one way Citus
 * passes a value along with a distributed transaction.  Its text may be
 * kept by statement statistics on every node; the assertion in it is good
 * only for its own distributed transaction and role, and refused after
 * that ends (doc/citus.md), where a token is good until revoked.  The log
 * still shows it redacted.  Any other token shape in such a statement is
 * refused as anywhere else.
 */
static bool
is_assertion_set(Node *parsetree, const char *text, int len)
{
	VariableSetStmt *set;
	A_Const    *value;
	const char *v;
	const char *at_value;
	char	   *marks;
	int			found;

	if (parsetree == NULL || !IsA(parsetree, VariableSetStmt))
		return false;
	set = (VariableSetStmt *) parsetree;
	if (set->kind != VAR_SET_VALUE || set->name == NULL ||
		strcmp(set->name, "runner_policy.assertion") != 0 ||
		list_length(set->args) != 1 || !IsA(linitial(set->args), A_Const))
		return false;
	value = (A_Const *) linitial(set->args);
	if (value->isnull || !IsA(&value->val, String))
		return false;
	v = strVal(&value->val);
	if (strncmp(v, "rpa_", TOKEN_PREFIX_LEN) != 0 ||
		strlen(v) < TOKEN_PREFIX_LEN + MIN_SECRET_HEX)
		return false;
	for (const char *p = v + TOKEN_PREFIX_LEN; *p; p++)
		if (!is_hex(*p))
			return false;

	/*
	 * The value written out plainly (as citus_assertion.c writes it), and
	 * nothing marked outside it: the text spells no other secret.
	 */
	at_value = strstr(text, v);
	if (at_value == NULL || at_value + strlen(v) > text + len)
		return false;
	marks = palloc_extended(len + 1, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	found = token_text_mark(text, len, marks);
	for (int i = 0; i < len && found > 0; i++)
		if (marks[i] &&
			(text + i < at_value || text + i >= at_value + strlen(v)))
			found = -1;
	pfree(marks);
	return found > 0;
}

void
token_text_refuse_utility(const char *query, int location, int len, Node *parsetree)
{
	if (query == NULL)
		return;
	if (location < 0)
	{
		location = 0;
		len = 0;
	}
	if (len <= 0)
		len = strlen(query + location);
	if (is_assertion_set(parsetree, query + location, len))
		return;
	if (!token_text_carries(query + location, len))
		return;

	/*
	 * pg_stat_statements stores a utility statement's text once the
	 * statement has run, as written: refused here, it never runs, and
	 * nothing is stored, whichever of the two hooks runs first.  The text
	 * reaches the server log only redacted (log_redact.c).
	 */
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("cannot run %s with a token written in its text",
					GetCommandTagName(CreateCommandTag(parsetree))),
			 errdetail("Statement statistics such as pg_stat_statements keep the text of a utility statement as it was written."),
			 errhint("Pass the token as a bind parameter, or authenticate in a plain SELECT: SELECT runner_policy.authenticate($1).")));
}
