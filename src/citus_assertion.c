/*-------------------------------------------------------------------------
 *
 * citus_assertion.c
 *	  The actor from a Citus coordinator to its workers: signed, bound to one
 *	  distributed transaction, claimed once.
 *
 * On Citus each worker applies its own copy of every policy to the shard
 * queries it gets, in a backend that has no actor (doc/citus.md).  The
 * actor stays in the coordinator's memory (actor.c); what travels is an
 * *assertion* of who it is, which the worker can verify and nobody can
 * forge or replay:
 *
 *	coordinator: an ExecutorStart hook, for every plan over the extension's
 *	  Citus tables while the session has an actor: checks the actor is
 *	  alive (the policy core, once per statement, as on one node), makes
 *	  sure the distributed transaction has its id, and when the assertion in
 *	  effect does not say the same, signs a new one (HMAC-SHA256 under the
 *	  cluster key) and sends it with SET LOCAL runner_policy.assertion,
 *	  which Citus propagates (citus.propagate_set_commands forced to
 *	  'local' for that command).  Outside a transaction block Citus sends
 *	  no SET, so such a statement is refused with a hint.
 *	worker: the actor is borrowed from the setting (actor.c's borrow hook)
 *	  once it is verified: the signature under one of the node's keys, the
 *	  database, the role, the expiry, the distributed transaction id of
 *	  this backend, and a claim on that id in the registry below.  Rights
 *	  are then worked out from the node's own copies of the reference
 *	  tables; only what those cannot tell (a job token's job, a runner's
 *	  row) comes from the assertion.
 *
 * The registry (shared memory, so the library must be preloaded on every
 * node) counts the backends of this node that hold a claim on each
 * distributed transaction id.  A claim ends with its backend's local
 * transaction; the last one marks the id ended, and an ended id is never
 * claimed again: a replay after the transaction, from any session, fails.
 * Ended ids are kept up to REGISTRY_SIZE; when they do not fit, the oldest
 * (by their distributed transaction's start) go and the floor rises to
 * them: no id at or below the floor can begin a claim.  The floor starts at
 * the server's start.  While the transaction is open, a client of the same
 * role connected straight to the node could claim the same id with the
 * text it read in pg_stat_activity: the deployment closes that (the README,
 * "Scale-out on Citus": only the coordinator can connect as the
 * application's roles).
 *
 * The assertion and the key never reach a log or an error: they have the
 * shapes log_redact.c hides ("rpa_" and "rpk_" and hex), the setting
 * shows as "(set)", and a refusal says why without echoing either.
 *
 * Lifetimes.  The keys are read from the data directory's key file on
 * first use and again when the file changes (its inode, size or time).
 * What a worker verified holds for its local transaction and that value of
 * the setting.  What the coordinator shipped holds while the setting keeps
 * the value it set (a savepoint rollback or RESET undoes it), for that
 * transaction.
 *
 * src/citus_assertion.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "common/cryptohash.h"
#include "common/hmac.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "actor.h"
#include "citus.h"
#include "credentials.h"
#include "idset.h"
#include "owner_spi.h"
#include "policy_core.h"
#include "runner_policy.h"
#include "statement.h"
#include "token.h"
#include "token_text.h"

PG_FUNCTION_INFO_V1(rp_citus_new_key);
PG_FUNCTION_INFO_V1(rp_citus_install_key);
PG_FUNCTION_INFO_V1(rp_citus_node_check);

#define ASSERTION_PREFIX	"rpa_"
#define KEY_PREFIX			"rpk_"
#define KEY_FILE			"runner_policy_citus.key"
#define KEY_BYTES			32
#define MAX_KEYS			4
#define MAC_BYTES			32
#define ASSERTION_VERSION	2
#define MAX_ROLES			8
#define MAX_LINKED			100000
#define MAX_ASSERTION_CHARS	(4 * 1024 * 1024)

/* How long an assertion is good for; re-signed when half of it is gone. */
#define ASSERTION_LIFETIME_USECS	(300 * USECS_PER_SEC)

/* Distributed transaction ids the registry keeps, live and ended. */
#define REGISTRY_SIZE		8192

/* ----------------------------------------------------------------------
 * The cluster key
 * ---------------------------------------------------------------------- */

typedef struct Keys
{
	bool		loaded;
	ino_t		ino;
	time_t		mtime;
	off_t		size;
	int			n;				/* 0: no key file */
	uint8		key[MAX_KEYS][KEY_BYTES];
	uint32		id[MAX_KEYS];
} Keys;

static Keys keys;

static char *
key_file_path(void)
{
	return psprintf("%s/%s", DataDir, KEY_FILE);
}

/* Decodes exactly len bytes of hex; false on anything else. */
static bool
hex_to_bytes(const char *hex, size_t hexlen, uint8 *out)
{
	if (hexlen % 2 != 0)
		return false;
	for (size_t i = 0; i < hexlen / 2; i++)
	{
		int			hi = hex_digit_value(hex[2 * i]);
		int			lo = hex_digit_value(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8) ((hi << 4) | lo);
	}
	return true;
}

static void
bytes_to_hex(const uint8 *bytes, size_t len, StringInfo out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++)
	{
		appendStringInfoChar(out, digits[bytes[i] >> 4]);
		appendStringInfoChar(out, digits[bytes[i] & 0x0f]);
	}
}

/* A key's id: the first four bytes of its SHA-256, which say nothing of it. */
static uint32
key_id_of(const uint8 *key)
{
	uint8		digest[DIGEST_LEN];

	digest_sha256((const char *) key, KEY_BYTES, digest);
	return ((uint32) digest[0] << 24) | ((uint32) digest[1] << 16) |
		((uint32) digest[2] << 8) | digest[3];
}

/* One line of the key file: "rpk_" (optional) and 64 hex digits. */
static bool
parse_key(const char *text, uint8 *key)
{
	size_t		len;

	if (strncmp(text, KEY_PREFIX, strlen(KEY_PREFIX)) == 0)
		text += strlen(KEY_PREFIX);
	len = strlen(text);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
					   text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	return len == 2 * KEY_BYTES && hex_to_bytes(text, len, key);
}

/*
 * The node's keys, read again when the file changed.  Returns how many
 * there are (0: no file, or none readable in it).
 */
static int
load_keys(void)
{
	char	   *path = key_file_path();
	struct stat st;
	FILE	   *file;
	char		line[256];

	if (stat(path, &st) != 0)
	{
		memset(&keys, 0, sizeof(keys));
		keys.loaded = true;
		pfree(path);
		return 0;
	}
	if (keys.loaded && keys.ino == st.st_ino && keys.mtime == st.st_mtime &&
		keys.size == st.st_size)
	{
		pfree(path);
		return keys.n;
	}
	memset(&keys, 0, sizeof(keys));
	file = AllocateFile(path, "r");
	if (file == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read the runner_policy cluster key file \"%s\": %m", path)));
	while (keys.n < MAX_KEYS && fgets(line, sizeof(line), file) != NULL)
	{
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (parse_key(line, keys.key[keys.n]))
		{
			keys.id[keys.n] = key_id_of(keys.key[keys.n]);
			keys.n++;
		}
	}
	FreeFile(file);
	explicit_bzero(line, sizeof(line));
	keys.loaded = true;
	keys.ino = st.st_ino;
	keys.mtime = st.st_mtime;
	keys.size = st.st_size;
	pfree(path);
	return keys.n;
}

static void
hmac_sha256(const uint8 *key, const uint8 *data, size_t len, uint8 *out)
{
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);

	if (ctx == NULL ||
		pg_hmac_init(ctx, key, KEY_BYTES) < 0 ||
		pg_hmac_update(ctx, data, len) < 0 ||
		pg_hmac_final(ctx, out, MAC_BYTES) < 0)
	{
		pg_hmac_free(ctx);
		elog(ERROR, "could not compute an HMAC");
	}
	pg_hmac_free(ctx);
}

static bool
same_mac(const uint8 *a, const uint8 *b)
{
	uint8		diff = 0;

	for (int i = 0; i < MAC_BYTES; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

/* ----------------------------------------------------------------------
 * The assertion
 * ---------------------------------------------------------------------- */

/* What one assertion says. */
typedef struct Assertion
{
	uint32		key_id;
	char		dbname[NAMEDATALEN];
	int			nroles;
	char		roles[MAX_ROLES][NAMEDATALEN];
	CitusTxnId	txn;
	TimestampTz issued_at;
	TimestampTz expires_at;
	/* the actor */
	int			kind;
	int64		user_id;
	int64		token_id;
	int64		job_id;
	int64		runner_id;
	uint32		scopes;
	bool		admin_hint;
	bool		auditor_hint;
	/* what only the coordinator reads: a job token's job, a runner's row */
	int64		job_project;
	int			runner_type;
	bool		runner_has_owner;
	int64		runner_owner;
	int			nlinked;
	int64	   *linked;
	/* reset_runner_token() writing a runner's digest now (token.c), or 0 */
	int64		digest_writer;
	uint8		writer_digest[DIGEST_LEN];
	/*
	 * The client's role on the coordinator (GetOuterUserId()), which the
	 * audit log names: Citus connects as the role running the statement,
	 * the tables' owner when the extension writes for the client.
	 */
	char		client_role[NAMEDATALEN];
	/*
	 * backfill_owners() placing this runner now (runner_guards.c), or 0.
	 * The one assertion made with no actor: it names no actor on the
	 * worker, only the runner the owner guard lets get its owner.
	 */
	int64		placing_runner;
	/* backfill_owners() repairing the runners' copies of their links now */
	bool		repairing_copies;
} Assertion;

static void
put_u8(StringInfo b, uint8 v)
{
	appendStringInfoChar(b, (char) v);
}

static void
put_u32(StringInfo b, uint32 v)
{
	uint32		n = pg_hton32(v);

	appendBinaryStringInfo(b, (char *) &n, 4);
}

static void
put_i64(StringInfo b, int64 v)
{
	uint64		n = pg_hton64((uint64) v);

	appendBinaryStringInfo(b, (char *) &n, 8);
}

static void
put_str(StringInfo b, const char *s)
{
	size_t		len = strlen(s);

	put_u32(b, (uint32) len);
	appendBinaryStringInfo(b, s, len);
}

typedef struct Reader
{
	const uint8 *p;
	size_t		left;
	bool		ok;
} Reader;

static const uint8 *
take(Reader *r, size_t n)
{
	const uint8 *at = r->p;

	if (!r->ok || r->left < n)
	{
		r->ok = false;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return at;
}

static uint8
get_u8(Reader *r)
{
	const uint8 *p = take(r, 1);

	return p ? p[0] : 0;
}

static uint32
get_u32(Reader *r)
{
	const uint8 *p = take(r, 4);
	uint32		n;

	if (p == NULL)
		return 0;
	memcpy(&n, p, 4);
	return pg_ntoh32(n);
}

static int64
get_i64(Reader *r)
{
	const uint8 *p = take(r, 8);
	uint64		n;

	if (p == NULL)
		return 0;
	memcpy(&n, p, 8);
	return (int64) pg_ntoh64(n);
}

static void
get_str(Reader *r, char *out)
{
	uint32		len = get_u32(r);
	const uint8 *p;

	if (len >= NAMEDATALEN)
	{
		r->ok = false;
		len = 0;
	}
	p = take(r, len);
	if (p != NULL)
		memcpy(out, p, len);
	out[p ? len : 0] = '\0';
}

/* The signed bytes of an assertion (the version and key id first). */
static void
encode_payload(const Assertion *a, StringInfo b)
{
	put_u8(b, ASSERTION_VERSION);
	put_u32(b, a->key_id);
	put_str(b, a->dbname);
	put_u8(b, (uint8) a->nroles);
	for (int i = 0; i < a->nroles; i++)
		put_str(b, a->roles[i]);
	put_u32(b, (uint32) a->txn.initiator);
	put_i64(b, (int64) a->txn.number);
	put_i64(b, a->txn.stamp);
	put_i64(b, a->issued_at);
	put_i64(b, a->expires_at);
	put_u8(b, (uint8) a->kind);
	put_i64(b, a->user_id);
	put_i64(b, a->token_id);
	put_i64(b, a->job_id);
	put_i64(b, a->runner_id);
	put_u32(b, a->scopes);
	put_str(b, a->client_role);
	put_u8(b, (a->admin_hint ? 1 : 0) | (a->auditor_hint ? 2 : 0));
	put_i64(b, a->job_project);
	put_u32(b, (uint32) a->runner_type);
	put_u8(b, a->runner_has_owner ? 1 : 0);
	put_i64(b, a->runner_owner);
	put_i64(b, a->digest_writer);
	appendBinaryStringInfo(b, (const char *) a->writer_digest, DIGEST_LEN);
	put_i64(b, a->placing_runner);
	put_u8(b, a->repairing_copies ? 1 : 0);
	put_u32(b, (uint32) a->nlinked);
	for (int i = 0; i < a->nlinked; i++)
		put_i64(b, a->linked[i]);
}

static bool
decode_payload(const uint8 *bytes, size_t len, Assertion *a, MemoryContext cxt)
{
	Reader		r = {bytes, len, true};
	uint8		flags;

	memset(a, 0, sizeof(*a));
	if (get_u8(&r) != ASSERTION_VERSION)
		return false;
	a->key_id = get_u32(&r);
	get_str(&r, a->dbname);
	a->nroles = get_u8(&r);
	if (a->nroles > MAX_ROLES)
		return false;
	for (int i = 0; i < a->nroles; i++)
		get_str(&r, a->roles[i]);
	a->txn.initiator = (int32) get_u32(&r);
	a->txn.number = (uint64) get_i64(&r);
	a->txn.stamp = get_i64(&r);
	a->issued_at = get_i64(&r);
	a->expires_at = get_i64(&r);
	a->kind = get_u8(&r);
	a->user_id = get_i64(&r);
	a->token_id = get_i64(&r);
	a->job_id = get_i64(&r);
	a->runner_id = get_i64(&r);
	a->scopes = get_u32(&r);
	get_str(&r, a->client_role);
	flags = get_u8(&r);
	a->admin_hint = (flags & 1) != 0;
	a->auditor_hint = (flags & 2) != 0;
	a->job_project = get_i64(&r);
	a->runner_type = (int) get_u32(&r);
	a->runner_has_owner = get_u8(&r) != 0;
	a->runner_owner = get_i64(&r);
	a->digest_writer = get_i64(&r);
	{
		const uint8 *d = take(&r, DIGEST_LEN);

		if (d != NULL)
			memcpy(a->writer_digest, d, DIGEST_LEN);
	}
	a->placing_runner = get_i64(&r);
	a->repairing_copies = get_u8(&r) != 0;
	a->nlinked = (int) get_u32(&r);
	if (!r.ok || a->nlinked < 0 || a->nlinked > MAX_LINKED ||
		r.left != (size_t) a->nlinked * 8)
		return false;
	a->linked = MemoryContextAlloc(cxt, sizeof(int64) * Max(a->nlinked, 1));
	for (int i = 0; i < a->nlinked; i++)
		a->linked[i] = get_i64(&r);
	return r.ok && r.left == 0 && a->kind <= ACTOR_RUNNER &&
		(a->kind > ACTOR_NONE ||
		 (a->kind == ACTOR_NONE && (a->placing_runner > 0 || a->repairing_copies)));
}

/* "rpa_" and the hex of the payload and its HMAC under the signing key. */
static char *
sign_assertion(Assertion *a)
{
	StringInfoData payload;
	StringInfoData text;
	uint8		mac[MAC_BYTES];

	a->key_id = keys.id[0];
	initStringInfo(&payload);
	encode_payload(a, &payload);
	hmac_sha256(keys.key[0], (uint8 *) payload.data, payload.len, mac);
	initStringInfo(&text);
	appendStringInfoString(&text, ASSERTION_PREFIX);
	bytes_to_hex((uint8 *) payload.data, payload.len, &text);
	bytes_to_hex(mac, MAC_BYTES, &text);
	pfree(payload.data);
	return text.data;
}

/*
 * The assertion a text says, if one of this node's keys signed it; NULL
 * and the reason otherwise.  Nothing of the text goes into the reason.
 */
static bool
open_assertion(const char *text, Assertion *a, MemoryContext cxt, const char **reason)
{
	size_t		hexlen;
	size_t		nbytes;
	uint8	   *bytes;
	uint8		mac[MAC_BYTES];
	uint32		key_id;
	int			k;

	*reason = "it is malformed";
	if (strncmp(text, ASSERTION_PREFIX, strlen(ASSERTION_PREFIX)) != 0)
		return false;
	text += strlen(ASSERTION_PREFIX);
	hexlen = strlen(text);
	if (hexlen % 2 != 0 || hexlen < 2 * (MAC_BYTES + 5))
		return false;
	nbytes = hexlen / 2;
	bytes = palloc(nbytes);
	if (!hex_to_bytes(text, hexlen, bytes))
		return false;
	if (load_keys() == 0)
	{
		*reason = "this node has no runner_policy cluster key";
		return false;
	}
	key_id = ((uint32) bytes[1] << 24) | ((uint32) bytes[2] << 16) |
		((uint32) bytes[3] << 8) | bytes[4];
	for (k = 0; k < keys.n; k++)
		if (keys.id[k] == key_id)
			break;
	*reason = "it is not signed with a key of this node";
	if (k == keys.n)
		return false;
	hmac_sha256(keys.key[k], bytes, nbytes - MAC_BYTES, mac);
	if (!same_mac(mac, bytes + nbytes - MAC_BYTES))
		return false;
	*reason = "it is malformed";
	if (!decode_payload(bytes, nbytes - MAC_BYTES, a, cxt))
		return false;
	pfree(bytes);
	return true;
}

/* ----------------------------------------------------------------------
 * The registry of distributed transaction ids (shared memory)
 * ---------------------------------------------------------------------- */

typedef struct RegKey
{
	int32		initiator;
	int32		pad;			/* zero: the key is hashed as bytes */
	uint64		number;
	TimestampTz stamp;
} RegKey;

typedef struct RegEntry
{
	RegKey		key;
	int			holders;		/* backends of this node with a claim */
	bool		ended;
} RegEntry;

typedef struct Registry
{
	LWLock	   *lock;
	TimestampTz floor;			/* no claim begins at or below it */
} Registry;

static Registry *registry = NULL;
static HTAB *registry_hash = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* This backend's claim, released when its local transaction ends. */
static bool claim_held = false;
static RegKey claim_key;

static void
registry_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(add_size(MAXALIGN(sizeof(Registry)),
									hash_estimate_size(REGISTRY_SIZE, sizeof(RegEntry))));
	RequestNamedLWLockTranche("runner_policy assertions", 1);
}

static void
registry_shmem_startup(void)
{
	bool		found;
	HASHCTL		info;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	registry = ShmemInitStruct("runner_policy assertions", sizeof(Registry), &found);
	if (!found)
	{
		registry->lock = &(GetNamedLWLockTranche("runner_policy assertions"))->lock;
		/* nothing begun before the server started can be claimed */
		registry->floor = GetCurrentTimestamp();
	}
	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(RegKey);
	info.entrysize = sizeof(RegEntry);
	registry_hash = ShmemInitHash("runner_policy assertion ids", REGISTRY_SIZE,
								  REGISTRY_SIZE, &info, HASH_ELEM | HASH_BLOBS);
	LWLockRelease(AddinShmemInitLock);
}

static int
cmp_timestamp(const void *a, const void *b)
{
	TimestampTz x = *(const TimestampTz *) a;
	TimestampTz y = *(const TimestampTz *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * Makes room: the oldest eighth of the ended ids go, and the floor rises
 * to the newest of them.  Under the lock, exclusive.
 */
static void
registry_evict(void)
{
	HASH_SEQ_STATUS seq;
	RegEntry   *e;
	TimestampTz *stamps = palloc(sizeof(TimestampTz) * REGISTRY_SIZE);
	int			n = 0;
	TimestampTz threshold;

	hash_seq_init(&seq, registry_hash);
	while ((e = hash_seq_search(&seq)) != NULL)
		if (e->ended && n < REGISTRY_SIZE)
			stamps[n++] = e->key.stamp;
	if (n == 0)
	{
		pfree(stamps);
		return;
	}
	qsort(stamps, n, sizeof(TimestampTz), cmp_timestamp);
	threshold = stamps[Min(n, Max(REGISTRY_SIZE / 8, 1)) - 1];
	pfree(stamps);
	hash_seq_init(&seq, registry_hash);
	while ((e = hash_seq_search(&seq)) != NULL)
		if (e->ended && e->key.stamp <= threshold)
			(void) hash_search(registry_hash, &e->key, HASH_REMOVE, NULL);
	if (threshold > registry->floor)
		registry->floor = threshold;
}

/* Claims an id for this backend: false when it ended or is too old. */
static bool
registry_claim(const RegKey *key)
{
	RegEntry   *e;
	bool		ok = false;

	LWLockAcquire(registry->lock, LW_EXCLUSIVE);
	e = hash_search(registry_hash, key, HASH_FIND, NULL);
	if (e != NULL)
	{
		if (!e->ended)
		{
			e->holders++;
			ok = true;
		}
	}
	else if (key->stamp > registry->floor)
	{
		if (hash_get_num_entries(registry_hash) >= REGISTRY_SIZE)
			registry_evict();
		if (hash_get_num_entries(registry_hash) < REGISTRY_SIZE &&
			key->stamp > registry->floor)
		{
			bool		found;

			e = hash_search(registry_hash, key, HASH_ENTER_NULL, &found);
			if (e != NULL)
			{
				e->holders = 1;
				e->ended = false;
				ok = true;
			}
		}
	}
	LWLockRelease(registry->lock);
	return ok;
}

static void
registry_release(void)
{
	RegEntry   *e;

	if (!claim_held)
		return;
	claim_held = false;
	if (registry == NULL)
		return;
	LWLockAcquire(registry->lock, LW_EXCLUSIVE);
	e = hash_search(registry_hash, &claim_key, HASH_FIND, NULL);
	if (e != NULL && !e->ended && --e->holders <= 0)
		e->ended = true;
	LWLockRelease(registry->lock);
}

/* ----------------------------------------------------------------------
 * The setting
 * ---------------------------------------------------------------------- */

static char *assertion_text = NULL;
static uint64 assertion_version = 1;	/* moves with every new value */

static bool
check_assertion(char **newval, void **extra, GucSource source)
{
	const char *v = *newval;
	size_t		len;

	if (v == NULL || v[0] == '\0')
		return true;
	len = strlen(v);
	if (len > MAX_ASSERTION_CHARS || strncmp(v, ASSERTION_PREFIX, strlen(ASSERTION_PREFIX)) != 0)
	{
		GUC_check_errmsg("invalid actor assertion");
		GUC_check_errdetail("It is set by runner_policy on a Citus coordinator, never by hand.");
		return false;
	}
	for (size_t i = strlen(ASSERTION_PREFIX); i < len; i++)
		if (hex_digit_value(v[i]) < 0)
		{
			GUC_check_errmsg("invalid actor assertion");
			GUC_check_errdetail("It is set by runner_policy on a Citus coordinator, never by hand.");
			return false;
		}
	return true;
}

static void
assign_assertion(const char *newval, void *extra)
{
	assertion_version++;
}

/* What SHOW and current_setting() say: whether there is one, not what. */
static const char *
show_assertion(void)
{
	return (assertion_text != NULL && assertion_text[0] != '\0') ? "(set)" : "";
}

/* ----------------------------------------------------------------------
 * A worker: the borrowed actor
 * ---------------------------------------------------------------------- */

typedef enum BorrowState
{
	BORROW_NONE,				/* no assertion, or this backend began the transaction */
	BORROW_OK,
	BORROW_REFUSED
} BorrowState;

typedef struct Borrowed
{
	LocalTransactionId lxid;	/* what it was worked out for */
	uint64		version;
	BorrowState state;
	const char *reason;
	Assertion	assertion;		/* linked in borrow_cxt */
	Actor		actor;
} Borrowed;

static Borrowed borrowed;
static MemoryContext borrow_cxt = NULL;

/* What the hook last returned, so that a change moves the actor generation. */
static bool returned_some = false;
static Actor returned;

static bool
same_identity(const Actor *a, const Actor *b)
{
	return a->kind == b->kind && a->user_id == b->user_id &&
		a->token_id == b->token_id && a->job_id == b->job_id &&
		a->runner_id == b->runner_id && a->scopes == b->scopes;
}

static void
note_returned(const Actor *actor)
{
	if (actor == NULL)
	{
		if (returned_some)
		{
			returned_some = false;
			actor_borrowed_changed(NULL);
		}
		return;
	}
	if (!returned_some || !same_identity(&returned, actor))
	{
		returned = *actor;
		returned_some = true;
		actor_borrowed_changed(actor);
	}
}

static bool
role_allowed(const Assertion *a)
{
	const char *name;

	/* superusers are outside the threat model, and cascades run as the owner */
	if (superuser())
		return true;
	name = GetUserNameFromId(GetUserId(), true);
	if (name == NULL)
		return false;
	for (int i = 0; i < a->nroles; i++)
		if (strcmp(a->roles[i], name) == 0)
			return true;
	return false;
}

/*
 * Works the setting out for this backend's local transaction.  Leaves
 * borrowed.lxid invalid while the distributed transaction has no id yet
 * (Citus sends the SET before assign_distributed_transaction_id()), so
 * that the next call tries again.
 */
static void
verify_setting(void)
{
	Assertion	a;
	CitusTxnId	txn;
	const char *reason;
	char	   *dbname;

	if (borrow_cxt == NULL)
		borrow_cxt = AllocSetContextCreate(TopMemoryContext, "runner_policy assertion",
										   ALLOCSET_SMALL_SIZES);
	MemoryContextReset(borrow_cxt);
	memset(&borrowed, 0, sizeof(borrowed));
	borrowed.lxid = InvalidLocalTransactionId;
	borrowed.state = BORROW_REFUSED;

	if (!citus_current_txn(&txn))
	{
		borrowed.reason = "Citus is not loaded on this node";
		goto done;
	}
	if (txn.number == 0)
	{
		borrowed.state = BORROW_NONE;
		return;					/* not yet: asked again */
	}
	if (txn.originator)
	{
		/* this backend began the transaction: its actor is its own */
		borrowed.state = BORROW_NONE;
		goto done;
	}
	if (!open_assertion(assertion_text, &a, borrow_cxt, &reason))
	{
		borrowed.reason = reason;
		goto done;
	}
	borrowed.reason = "it was made for another distributed transaction";
	if (a.txn.initiator != txn.initiator || a.txn.number != txn.number ||
		a.txn.stamp != txn.stamp)
		goto done;
	borrowed.reason = "it was made for another database";
	dbname = get_database_name(MyDatabaseId);
	if (dbname == NULL || strcmp(dbname, a.dbname) != 0)
		goto done;
	borrowed.reason = "it was made for another role";
	if (!role_allowed(&a))
		goto done;
	borrowed.reason = "it has expired";
	if (GetCurrentStatementStartTimestamp() > a.expires_at)
		goto done;
	borrowed.reason = "runner_policy is not in shared_preload_libraries on this node";
	if (registry == NULL)
		goto done;
	{
		RegKey		key;

		memset(&key, 0, sizeof(key));
		key.initiator = txn.initiator;
		key.number = txn.number;
		key.stamp = txn.stamp;
		borrowed.reason = "its distributed transaction has ended here, or is too old";
		if (claim_held)
		{
			if (memcmp(&key, &claim_key, sizeof(key)) != 0)
				goto done;
		}
		else
		{
			if (!registry_claim(&key))
				goto done;
			claim_key = key;
			claim_held = true;
		}
	}
	borrowed.reason = NULL;
	borrowed.state = BORROW_OK;
	borrowed.assertion = a;
	memset(&borrowed.actor, 0, sizeof(Actor));
	borrowed.actor.kind = (ActorKind) a.kind;
	borrowed.actor.user_id = a.user_id;
	borrowed.actor.token_id = a.token_id;
	borrowed.actor.job_id = a.job_id;
	borrowed.actor.runner_id = a.runner_id;
	borrowed.actor.scopes = a.scopes;
	borrowed.actor.is_local = true;
	borrowed.actor.admin_hint = a.admin_hint;
	borrowed.actor.auditor_hint = a.auditor_hint;
	borrowed.actor.asserted = true;

done:
	borrowed.lxid = CURRENT_LXID;
	borrowed.version = assertion_version;
}

static const Actor *
borrow_actor(bool may_error)
{
	if (assertion_text == NULL || assertion_text[0] == '\0' || !IsTransactionState())
	{
		note_returned(NULL);
		return NULL;
	}
	if (borrowed.lxid != CURRENT_LXID || borrowed.version != assertion_version ||
		borrowed.lxid == InvalidLocalTransactionId)
		verify_setting();
	if (borrowed.state == BORROW_OK &&
		GetCurrentStatementStartTimestamp() > borrowed.assertion.expires_at)
	{
		borrowed.state = BORROW_REFUSED;
		borrowed.reason = "it has expired";
	}
	if (borrowed.state == BORROW_OK && borrowed.actor.kind != ACTOR_NONE)
	{
		note_returned(&borrowed.actor);
		return &borrowed.actor;
	}
	if (borrowed.state == BORROW_OK)
	{
		/* backfill's placing, with no actor: nobody to act for */
		note_returned(NULL);
		return NULL;
	}
	note_returned(NULL);
	if (borrowed.state == BORROW_REFUSED && may_error)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("invalid actor assertion"),
				 errdetail("The actor assertion of the Citus coordinator was refused on this node: %s.",
						   borrowed.reason),
				 errhint("Each node needs the same runner_policy cluster key, and runner_policy in shared_preload_libraries.")));
	return NULL;
}

/* ----------------------------------------------------------------------
 * Facts the policy core cannot read on a Citus node (credentials.h)
 * ---------------------------------------------------------------------- */

/* A token's own row and its user's, from this node's copies. */
static SavedQuery citus_token_row = {
	"SELECT u.admin, u.auditor, t.scopes, t.kind, t.job_id"
	"  FROM runner_policy.tokens t JOIN runner_policy.users u ON u.id = t.user_id"
	" WHERE t.id = $1" TOKEN_ROW_LIVE,
	1, {INT8OID}, NULL
};
/* A job token's job, through Citus. */
static SavedQuery citus_token_job = {
	"SELECT b.project_id FROM runner_policy.ci_builds b WHERE b.id = $1 AND " JOB_RUNNING,
	1, {INT8OID}, NULL
};
/* The user of a borrowed token actor, from this node's copy. */
static SavedQuery citus_active_user = {
	"SELECT admin, auditor FROM runner_policy.users WHERE id = $1 AND state = 'active'",
	1, {INT8OID}, NULL
};

/*
 * The coordinator's facts of its token or runner actor, read once per
 * statement, before Citus runs any of it: later in the statement the
 * policy core may ask from inside a shard query (Citus' local execution),
 * where a distributed query cannot start.
 */
typedef struct StatementFacts
{
	bool		valid;
	Actor		actor;
	LocalTransactionId lxid;
	uint64		statement;
	bool		alive;
	ActorFacts	facts;			/* runner_linked in facts_cxt */
} StatementFacts;

static StatementFacts statement_facts;
static MemoryContext facts_cxt = NULL;
static bool facts_delegated = false;

static void
copy_linked(ActorFacts *to, const ActorFacts *from, MemoryContext cxt)
{
	to->runner_linked = NULL;
	if (from->runner_nlinked > 0)
	{
		to->runner_linked = MemoryContextAlloc(cxt, sizeof(int64) * from->runner_nlinked);
		memcpy(to->runner_linked, from->runner_linked, sizeof(int64) * from->runner_nlinked);
	}
}

static bool
token_facts_through_citus(const Actor *actor, ActorFacts *facts)
{
	Datum		arg = Int64GetDatum(actor->token_id);
	bool		isnull;
	char	   *kind;
	int64		job_id = 0;

	if (saved_query_run_latest(&citus_token_row, &arg, NULL) == 0)
		return false;
	if (scopes_of_array(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull)) !=
		actor->scopes)
		return false;
	facts->admin = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	facts->auditor = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	kind = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4);
	(void) spi_result_int64(0, 5, &job_id);
	if (kind != NULL && strcmp(kind, "instance_token") == 0)
		return true;
	arg = Int64GetDatum(job_id);
	if (saved_query_run_latest(&citus_token_job, &arg, NULL) == 0)
		return false;
	(void) spi_result_int64(0, 1, &facts->job_project);
	return true;
}

static bool
citus_actor_facts(const Actor *actor, ActorFacts *facts, MemoryContext linked_cxt,
				  bool *alive)
{
	if (facts_delegated)
		return false;

	if (actor->asserted)
	{
		const Assertion *a = &borrowed.assertion;
		Datum		arg;
		bool		isnull;

		*alive = false;
		if (borrowed.state != BORROW_OK || !same_identity(actor, &borrowed.actor))
			return true;
		if (actor->user_id != 0)
		{
			arg = Int64GetDatum(actor->user_id);
			if (saved_query_run_latest(&citus_active_user, &arg, NULL) == 0)
				return true;
			facts->admin = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
													  SPI_tuptable->tupdesc, 1, &isnull));
			facts->auditor = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
														SPI_tuptable->tupdesc, 2, &isnull));
		}
		facts->job_project = a->job_project;
		facts->runner_type = a->runner_type;
		facts->runner_has_owner = a->runner_has_owner;
		facts->runner_owner = a->runner_owner;
		facts->runner_nlinked = a->nlinked;
		if (a->nlinked > 0)
		{
			facts->runner_linked = MemoryContextAlloc(linked_cxt, sizeof(int64) * a->nlinked);
			memcpy(facts->runner_linked, a->linked, sizeof(int64) * a->nlinked);
		}
		*alive = true;
		return true;
	}

	/* the coordinator: a user's own row is in this node's copy, as on one node */
	if (actor->kind != ACTOR_JOB_TOKEN && actor->kind != ACTOR_EXTENDED_JOB_TOKEN &&
		actor->kind != ACTOR_INSTANCE_TOKEN && actor->kind != ACTOR_RUNNER)
		return false;
	if (!citus_in_database())
		return false;

	if (statement_facts.valid && same_identity(&statement_facts.actor, actor) &&
		statement_facts.lxid == CURRENT_LXID &&
		statement_facts.statement == statement_number())
	{
		*facts = statement_facts.facts;
		copy_linked(facts, &statement_facts.facts, linked_cxt);
		*alive = statement_facts.alive;
		return true;
	}

	if (actor->kind == ACTOR_RUNNER)
	{
		/* the runner's row through Citus, by the query of one node */
		facts_delegated = true;
		PG_TRY();
		{
			*alive = actor_still_valid(actor, facts, linked_cxt);
		}
		PG_FINALLY();
		{
			facts_delegated = false;
		}
		PG_END_TRY();
	}
	else
		*alive = token_facts_through_citus(actor, facts);
	if (!*alive)
		memset(facts, 0, sizeof(*facts));

	if (facts_cxt == NULL)
		facts_cxt = AllocSetContextCreate(TopMemoryContext, "runner_policy statement facts",
										  ALLOCSET_SMALL_SIZES);
	MemoryContextReset(facts_cxt);
	statement_facts.valid = true;
	statement_facts.actor = *actor;
	statement_facts.lxid = CURRENT_LXID;
	statement_facts.statement = statement_number();
	statement_facts.alive = *alive;
	statement_facts.facts = *facts;
	copy_linked(&statement_facts.facts, facts, facts_cxt);
	return true;
}

/*
 * A worker's answer to the ci_runners guard (token.h): the coordinator's
 * reset_runner_token() is writing exactly this digest of this runner, as
 * its verified assertion says.  Only that digest: the token behind it is
 * the coordinator's fresh random one.
 */
static bool
asserted_digest_writer(int64 runner_id, const uint8 *digest, int len)
{
	if (borrow_actor(false) == NULL || borrowed.state != BORROW_OK)
		return false;
	return borrowed.assertion.digest_writer == runner_id && len == DIGEST_LEN &&
		memcmp(borrowed.assertion.writer_digest, digest, DIGEST_LEN) == 0;
}

/*
 * A worker's answer to the owner guard (runner_guards.c): the runner the
 * coordinator's backfill_owners() is placing now, as its verified
 * assertion says, or 0.
 */
static const Assertion *
verified_assertion(void)
{
	if (assertion_text == NULL || assertion_text[0] == '\0' || !IsTransactionState())
		return NULL;
	(void) borrow_actor(false);
	if (borrowed.state != BORROW_OK || borrowed.lxid != CURRENT_LXID ||
		borrowed.version != assertion_version)
		return NULL;
	return &borrowed.assertion;
}

static int64
asserted_placing_runner(void)
{
	const Assertion *a = verified_assertion();

	return a != NULL ? a->placing_runner : 0;
}

/* The same for the runners' copies of their links (runner_guards.c). */
static bool
asserted_repairing_copies(void)
{
	const Assertion *a = verified_assertion();

	return a != NULL && a->repairing_copies;
}

const char *
citus_asserted_client_role(void)
{
	const Assertion *a;

	if (!citus_loaded() || (a = verified_assertion()) == NULL || a->client_role[0] == '\0')
		return NULL;
	return a->client_role;
}

/* ----------------------------------------------------------------------
 * The coordinator: what it sends
 * ---------------------------------------------------------------------- */

/* The assertion this backend set, while the setting still holds it. */
typedef struct Shipped
{
	LocalTransactionId lxid;
	uint64		version;		/* assertion_version right after our SET */
	bool		cleared;		/* we set it to nothing */
	Assertion	assertion;		/* linked in shipped_cxt */
} Shipped;

static Shipped shipped;
static MemoryContext shipped_cxt = NULL;
static bool shipping = false;

static ExecutorStart_hook_type prev_ExecutorStart = NULL;

static bool
shipped_in_effect(void)
{
	return shipped.lxid == CURRENT_LXID && shipped.lxid != InvalidLocalTransactionId &&
		shipped.version == assertion_version;
}

static bool
same_content(const Assertion *a, const Assertion *b)
{
	if (a->kind != b->kind || a->user_id != b->user_id || a->token_id != b->token_id ||
		a->job_id != b->job_id || a->runner_id != b->runner_id || a->scopes != b->scopes ||
		a->job_project != b->job_project || a->runner_type != b->runner_type ||
		a->runner_has_owner != b->runner_has_owner || a->runner_owner != b->runner_owner ||
		a->nlinked != b->nlinked || a->nroles != b->nroles ||
		a->txn.initiator != b->txn.initiator || a->txn.number != b->txn.number ||
		a->txn.stamp != b->txn.stamp || strcmp(a->dbname, b->dbname) != 0 ||
		a->admin_hint != b->admin_hint || a->auditor_hint != b->auditor_hint ||
		a->digest_writer != b->digest_writer ||
		strcmp(a->client_role, b->client_role) != 0 ||
		a->placing_runner != b->placing_runner ||
		a->repairing_copies != b->repairing_copies ||
		memcmp(a->writer_digest, b->writer_digest, DIGEST_LEN) != 0)
		return false;
	for (int i = 0; i < a->nroles; i++)
		if (strcmp(a->roles[i], b->roles[i]) != 0)
			return false;
	return a->nlinked == 0 ||
		memcmp(a->linked, b->linked, sizeof(int64) * a->nlinked) == 0;
}

/*
 * SET LOCAL runner_policy.assertion, through SPI so that Citus sees it
 * and sends it to the workers (its utility hook), with
 * citus.propagate_set_commands = 'local' for that command only.
 */
/*
 * Citus' own counters (multi_executor.c, transaction_management.c): how
 * deep in executors it is, and whether a statement run from a function
 * opens transaction blocks on the workers (citus.function_opens_
 * transaction_block).  A statement run from a function is at its
 * ExecutorStart one level shallower than when Citus runs it.
 */
static int *citus_executor_level = NULL;
static bool *citus_function_opens_block = NULL;
static bool nested_in_function = false;

static void
set_local_assertion(const char *text)
{
	int			nestlevel = NewGUCNestLevel();
	char	   *sql;

	(void) set_config_option("citus.propagate_set_commands", "local",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	sql = text != NULL ?
		psprintf("SET LOCAL runner_policy.assertion TO '%s'", text) :
		pstrdup("SET LOCAL runner_policy.assertion TO DEFAULT");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	shipping = true;
	/* Citus decides whether to send it as it will decide for the statement */
	if (nested_in_function)
		(*citus_executor_level)++;
	PG_TRY();
	{
		if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not send the actor assertion");
	}
	PG_FINALLY();
	{
		shipping = false;
		if (nested_in_function)
			(*citus_executor_level)--;
	}
	PG_END_TRY();
	SPI_finish();
	AtEOXact_GUC(true, nestlevel);
	pfree(sql);
}

/*
 * Citus sends SET LOCAL only to the workers of a multi-statement
 * transaction: a transaction block, or a statement run from a function
 * (which at its ExecutorStart is one executor level short of what Citus
 * will see).  Anything else is refused before Citus sends anything.
 */
static void
require_multi_statement(void)
{
	static bool (*is_multi) (void) = NULL;

	if (is_multi == NULL)
	{
		is_multi = (bool (*) (void)) citus_function("IsMultiStatementTransaction");
		citus_executor_level = (int *) citus_function("ExecutorLevel");
		citus_function_opens_block = (bool *) citus_function("FunctionOpensTransactionBlock");
	}
	nested_in_function = false;
	if (is_multi != NULL && !is_multi() && citus_executor_level != NULL &&
		citus_function_opens_block != NULL &&
		*citus_executor_level >= 1 && *citus_function_opens_block)
		nested_in_function = true;
	if (is_multi == NULL || !(is_multi() || nested_in_function))
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("cannot act for the actor on the Citus workers outside a transaction block"),
				 errdetail("Citus sends the actor's assertion to the workers only inside a transaction block."),
				 errhint("Run the statement between BEGIN and COMMIT, after act_as() or authenticate().")));
}

/* What the assertion says of the actor, and the facts only distributed tables hold. */
static void
assertion_of_actor(const Actor *actor, const CitusTxnId *txn, Assertion *a)
{
	char	   *dbname;

	memset(a, 0, sizeof(*a));
	dbname = get_database_name(MyDatabaseId);
	strlcpy(a->dbname, dbname ? dbname : "", NAMEDATALEN);
	a->txn = *txn;
	a->kind = actor->kind;
	a->user_id = actor->user_id;
	a->token_id = actor->token_id;
	a->job_id = actor->job_id;
	a->runner_id = actor->runner_id;
	a->scopes = actor->scopes;
	a->admin_hint = actor->admin_hint;
	a->auditor_hint = actor->auditor_hint;
	strlcpy(a->client_role, GetUserNameFromId(GetOuterUserId(), false), NAMEDATALEN);
	a->placing_runner = backfill_placing_runner_here();
	a->repairing_copies = backfill_repairing_copies_here();
	a->digest_writer = token_digest_writer(a->writer_digest);
	if (statement_facts.valid && same_identity(&statement_facts.actor, actor) &&
		statement_facts.lxid == CURRENT_LXID && statement_facts.statement == statement_number())
	{
		const ActorFacts *f = &statement_facts.facts;

		a->job_project = f->job_project;
		a->runner_type = f->runner_type;
		a->runner_has_owner = f->runner_has_owner;
		a->runner_owner = f->runner_owner;
		a->nlinked = f->runner_nlinked;
		a->linked = f->runner_linked;
	}
}

/*
 * The roles the assertion may be used by: those it was sent for in this
 * transaction, and ours.
 */
static void
assertion_add_role(Assertion *a, uint64 txn_number)
{
	char	   *role;
	bool		listed = false;

	/*
	 * An assertion that allows backfill_owners()' writes is for the role
	 * that makes them alone (the tables' owner), not for the client's
	 * connections the transaction has too.
	 */
	if (shipped_in_effect() && !shipped.cleared &&
		shipped.assertion.txn.number == txn_number &&
		a->placing_runner == 0 && !a->repairing_copies)
	{
		a->nroles = shipped.assertion.nroles;
		memcpy(a->roles, shipped.assertion.roles, sizeof(a->roles));
	}
	role = GetUserNameFromId(GetUserId(), false);
	for (int i = 0; i < a->nroles; i++)
		listed |= strcmp(a->roles[i], role) == 0;
	if (!listed)
	{
		if (a->nroles == MAX_ROLES)
			a->nroles = 0;		/* a fresh list; roles before need a new one */
		strlcpy(a->roles[a->nroles++], role, NAMEDATALEN);
	}
}

/* The assertion now in effect, kept to compare the next statement's with. */
static void
remember_shipped(const Assertion *a)
{
	if (shipped_cxt == NULL)
		shipped_cxt = AllocSetContextCreate(TopMemoryContext, "runner_policy shipped assertion",
											ALLOCSET_SMALL_SIZES);
	MemoryContextReset(shipped_cxt);
	shipped.assertion = *a;
	shipped.assertion.linked = NULL;
	if (a->nlinked > 0)
	{
		shipped.assertion.linked = MemoryContextAlloc(shipped_cxt, sizeof(int64) * a->nlinked);
		memcpy(shipped.assertion.linked, a->linked, sizeof(int64) * a->nlinked);
	}
	shipped.lxid = CURRENT_LXID;
	shipped.version = assertion_version;
	shipped.cleared = false;
}

/* Makes sure the workers act for the session's actor in this statement. */
/*
 * backfill_owners() is writing what only it may write, in this backend:
 * an owner (placing a runner) or the runners' copies of their links.
 */
static bool
backfill_writing_here(void)
{
	return backfill_placing_runner_here() != 0 || backfill_repairing_copies_here();
}

static void
ship_for_statement(void)
{
	const Actor *actor = actor_current();
	static void (*ensure_txn_id) (void) = NULL;
	Assertion	a;
	CitusTxnId	txn;
	CitusTxnId	task;
	TimestampTz now;

	if (actor->asserted || verified_assertion() != NULL)
		return;					/* a worker running a local task: not ours to send */
	if (citus_current_txn(&task) && task.number != 0 && !task.originator)
		return;					/* a task of another node's transaction */
	if (actor->kind == ACTOR_NONE && !backfill_writing_here())
	{
		/* an actor that ended in this transaction ends on the workers too */
		if (shipped_in_effect() && !shipped.cleared)
		{
			set_local_assertion(NULL);
			shipped.version = assertion_version;
			shipped.cleared = true;
		}
		return;
	}

	require_multi_statement();

	/* alive, as on one node: 28000 and no actor when it is not */
	if (actor->kind != ACTOR_NONE)
		(void) policy_actor_kind();
	actor = actor_current();
	if (actor->kind == ACTOR_NONE && !backfill_writing_here())
		return;

	if (load_keys() == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("this Citus node has no runner_policy cluster key"),
				 errhint("SELECT runner_policy.citus_distribute() installs one on every node; see \"Scale-out on Citus\" in the README.")));

	if (ensure_txn_id == NULL)
		ensure_txn_id = (void (*) (void)) citus_function("EnsureDistributedTransactionId");
	if (ensure_txn_id == NULL || !citus_current_txn(&txn))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("runner_policy cannot read the Citus distributed transaction id"),
				 errhint("runner_policy is tested with Citus 13.2.")));
	ensure_txn_id();
	(void) citus_current_txn(&txn);

	assertion_of_actor(actor, &txn, &a);
	assertion_add_role(&a, txn.number);

	now = GetCurrentTimestamp();
	if (shipped_in_effect() && !shipped.cleared && same_content(&shipped.assertion, &a) &&
		now < shipped.assertion.issued_at + ASSERTION_LIFETIME_USECS / 2)
		return;

	a.issued_at = now;
	a.expires_at = now + ASSERTION_LIFETIME_USECS;
	{
		char	   *text = sign_assertion(&a);

		set_local_assertion(text);
		explicit_bzero(text, strlen(text));
		pfree(text);
	}

	remember_shipped(&a);
}

void
citus_assertion_refresh(void)
{
	if (!citus_in_database() || shipping || !shipped_in_effect() || shipped.cleared)
		return;
	ship_for_statement();
}

static void
citus_executor_start(QueryDesc *queryDesc, int eflags)
{
	/*
	 * Not for the extension's own queries, which run as the tables' owner
	 * (owner_spi.c, SECURITY_NOFORCE_RLS), a superuser on every node; but
	 * for reset_runner_token()'s write of a digest, which the workers'
	 * guard must see allowed (token.c).
	 */
	uint8		digest[DIGEST_LEN];

	/* EXPLAIN too: a worker plans its shard query for the actor */
	if (!shipping &&
		(!InNoForceRLSOperation() || token_digest_writer(digest) != 0 ||
		 backfill_writing_here()) &&
		citus_in_database() &&
		citus_plan_touches_tables(queryDesc->plannedstmt))
		ship_for_statement();

	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/* ----------------------------------------------------------------------
 * The coordinator: after a statement, what the tokens' foreign keys did
 *
 * On one node, a job that leaves 'running' revokes its tokens (job_guard.c)
 * and a deleted job takes its tokens along (tokens.job_id's foreign key).
 * On Citus the jobs are distributed and the tokens stay on the coordinator:
 * the guard fires on a worker, where the tokens are not, and the foreign
 * key cannot be.  So after every statement that writes jobs (or projects
 * and groups, which take jobs along), the coordinator looks at the jobs of
 * the tokens not yet revoked (the running jobs' few) and revokes those of
 * jobs no longer running, in the same transaction.  A token whose job is
 * not running is dead anyway (liveness reads the job); this keeps it dead
 * for good, as on one node.  Tokens of a deleted job are not deleted: they
 * stay, dead, until pruned.
 * ---------------------------------------------------------------------- */

static SavedQuery citus_live_token_jobs = {
	"SELECT pg_catalog.array_agg(DISTINCT job_id) FROM runner_policy.tokens"
	" WHERE revoked_at IS NULL AND job_id IS NOT NULL",
	0, {InvalidOid}, NULL
};
static SavedQuery citus_revoke_stopped = {
	"UPDATE runner_policy.tokens SET revoked_at = pg_catalog.statement_timestamp()"
	" WHERE job_id = ANY ($1) AND revoked_at IS NULL",
	1, {INT8ARRAYOID}, NULL
};

static Datum
first_array_or_empty(void)
{
	bool		isnull = true;
	Datum		value = (Datum) 0;

	if (SPI_processed > 0)
		value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		return PointerGetDatum(construct_empty_array(INT8OID));
	return PointerGetDatum(DatumGetArrayTypePCopy(value));
}

/*
 * Which of these jobs are not running, as the statement's role reads them:
 * not as the tables' owner, because Citus lets no other role read the
 * placements a role modified in a transaction.  That role reads every job
 * it could have changed (a policy that lets it update a job lets it read
 * it), a superuser all of them.
 */
static Datum
stopped_jobs(Datum jobs)
{
	Oid			argtype = INT8ARRAYOID;
	char	   *sql;
	Datum		result;

	sql = psprintf("SELECT pg_catalog.array_agg(b.id) FROM %s.ci_builds b"
				   " WHERE b.id OPERATOR(pg_catalog.=) ANY ($1) AND NOT (%s)",
				   quote_identifier(get_namespace_name(runner_policy_extension_schema())),
				   JOB_RUNNING);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql, 1, &argtype, &jobs, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the jobs of live tokens");
	result = SPI_processed > 0 ? first_array_or_empty() : PointerGetDatum(construct_empty_array(INT8OID));
	result = SPI_datumTransfer(result, false, -1);
	SPI_finish();
	return result;
}

static bool
array_empty(Datum array)
{
	ArrayType  *a = DatumGetArrayTypeP(array);

	return ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a)) == 0;
}

static void
tokens_follow_jobs(void)
{
	OwnerSpi	spi;
	Datum		jobs;

	owner_spi_begin(&spi, runner_policy_tables_owner());
	(void) saved_query_run_latest(&citus_live_token_jobs, NULL, NULL);
	jobs = first_array_or_empty();
	jobs = SPI_datumTransfer(jobs, false, -1);
	owner_spi_end(&spi);
	if (array_empty(jobs) ||
		pg_class_aclcheck(get_relname_relid("ci_builds", runner_policy_extension_schema()),
						  GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		return;
	jobs = stopped_jobs(jobs);
	if (array_empty(jobs))
		return;
	owner_spi_begin(&spi, runner_policy_tables_owner());
	(void) saved_query_run(&citus_revoke_stopped, &jobs, NULL);
	owner_spi_end(&spi);
}

static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;

/*
 * Whether a statement writes jobs, or rows whose deletion takes jobs along
 * (projects, namespaces): one of them is its target (RowExclusiveLock).
 */
static bool
writes_jobs(PlannedStmt *stmt)
{
	ListCell   *lc;
	Oid			schema = InvalidOid;

	foreach(lc, stmt->rtable)
	{
		RangeTblEntry *rte = (RangeTblEntry *) lfirst(lc);
		char	   *name;

		if (rte->rtekind != RTE_RELATION || rte->rellockmode < RowExclusiveLock)
			continue;
		if (!OidIsValid(schema))
			schema = runner_policy_extension_schema();
		if (get_rel_namespace(rte->relid) != schema)
			continue;
		name = get_rel_name(rte->relid);
		if (name != NULL && (strcmp(name, "ci_builds") == 0 || strcmp(name, "projects") == 0 ||
							 strcmp(name, "namespaces") == 0))
			return true;
	}
	return false;
}

static void
citus_executor_finish(QueryDesc *queryDesc)
{
	static int32 (*local_group) (void) = NULL;

	if (prev_ExecutorFinish)
		prev_ExecutorFinish(queryDesc);
	else
		standard_ExecutorFinish(queryDesc);

	if (queryDesc->operation == CMD_SELECT || InNoForceRLSOperation() ||
		!citus_in_database() || !writes_jobs(queryDesc->plannedstmt))
		return;
	/* the tokens are the coordinator's (group 0) */
	if (local_group == NULL)
		local_group = (int32 (*) (void)) citus_function("GetLocalGroupId");
	if (local_group == NULL || local_group() != 0)
		return;
	tokens_follow_jobs();
}

/* created_at on Citus (row_origin.c): the distributed transaction's start */
static TimestampTz
distributed_transaction_time(void)
{
	CitusTxnId	txn;

	if (citus_in_database() && citus_current_txn(&txn) && txn.number != 0)
		return txn.stamp;
	return GetCurrentTransactionStartTimestamp();
}

/* ----------------------------------------------------------------------
 * Transaction ends
 * ---------------------------------------------------------------------- */

static void
assertion_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			registry_release();
			borrowed.lxid = InvalidLocalTransactionId;
			borrowed.state = BORROW_NONE;
			shipped.lxid = InvalidLocalTransactionId;
			statement_facts.valid = false;
			break;
		default:
			break;
	}
}

/* ----------------------------------------------------------------------
 * SQL: the cluster key
 * ---------------------------------------------------------------------- */

static void
require_superuser(const char *what)
{
	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s", what),
				 errdetail("Only superusers may handle the runner_policy cluster key.")));
}

/* citus_new_key() -> text: a new key, "rpk_" and 64 hex digits */
Datum
rp_citus_new_key(PG_FUNCTION_ARGS)
{
	uint8		key[KEY_BYTES];
	StringInfoData text;

	require_superuser("make a cluster key");
	if (!pg_strong_random(key, KEY_BYTES))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random cluster key")));
	initStringInfo(&text);
	appendStringInfoString(&text, KEY_PREFIX);
	bytes_to_hex(key, KEY_BYTES, &text);
	explicit_bzero(key, sizeof(key));
	PG_RETURN_TEXT_P(cstring_to_text(text.data));
}

static void
write_key_file(const uint8 (*lines)[KEY_BYTES], int n)
{
	char	   *path = key_file_path();
	char	   *tmp = psprintf("%s.tmp", path);
	StringInfoData buf;
	int			fd;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "# runner_policy cluster key: the first line signs, every line verifies\n");
	for (int i = 0; i < n; i++)
	{
		appendStringInfoString(&buf, KEY_PREFIX);
		bytes_to_hex(lines[i], KEY_BYTES, &buf);
		appendStringInfoChar(&buf, '\n');
	}
	fd = OpenTransientFilePerm(tmp, O_WRONLY | O_CREAT | O_TRUNC | PG_BINARY, S_IRUSR | S_IWUSR);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create file \"%s\": %m", tmp)));
	if (write(fd, buf.data, buf.len) != buf.len || pg_fsync(fd) != 0)
	{
		int			save_errno = errno;

		CloseTransientFile(fd);
		errno = save_errno ? save_errno : ENOSPC;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not write file \"%s\": %m", tmp)));
	}
	explicit_bzero(buf.data, buf.len);
	if (CloseTransientFile(fd) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not close file \"%s\": %m", tmp)));
	(void) durable_rename(tmp, path, ERROR);
	keys.loaded = false;
}

/*
 * citus_install_key(key text, replace boolean) -> void
 *
 * Writes the key into this node's key file.  With no file, the key is its
 * one line.  With the same key signing already, nothing changes.  With
 * another, replace => true makes the new key sign and keeps the old ones
 * verifying (a rotation's first step); without it, an error.
 */
Datum
rp_citus_install_key(PG_FUNCTION_ARGS)
{
	uint8		key[KEY_BYTES];
	uint8		lines[MAX_KEYS][KEY_BYTES];
	int			n = 0;
	bool		replace;

	require_superuser("install a cluster key");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("key and replace must not be null")));
	if (!parse_key(text_to_cstring(PG_GETARG_TEXT_PP(0)), key))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid cluster key"),
				 errhint("A cluster key is \"rpk_\" and 64 hex digits, from runner_policy.citus_new_key().")));
	replace = PG_GETARG_BOOL(1);

	keys.loaded = false;
	if (load_keys() > 0)
	{
		if (memcmp(keys.key[0], key, KEY_BYTES) == 0)
			PG_RETURN_VOID();
		if (!replace)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("this node already has another runner_policy cluster key"),
					 errhint("Pass replace => true to make the new key sign while the old one keeps verifying.")));
	}
	memcpy(lines[n++], key, KEY_BYTES);
	for (int i = 0; i < keys.n && n < MAX_KEYS; i++)
		if (memcmp(keys.key[i], key, KEY_BYTES) != 0)
			memcpy(lines[n++], keys.key[i], KEY_BYTES);
	write_key_file((const uint8 (*)[KEY_BYTES]) lines, n);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(lines, sizeof(lines));
	PG_RETURN_VOID();
}

/*
 * citus_node_check() -> void: whether this node can carry actors on Citus.
 * citus_distribute() runs it on every node.
 */
static bool hooks_installed = false;

Datum
rp_citus_node_check(PG_FUNCTION_ARGS)
{
	if (!citus_loaded())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("citus is not loaded on this node"),
				 errhint("Set shared_preload_libraries = 'citus, runner_policy' and restart.")));
	if (!hooks_installed)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("runner_policy was loaded before citus on this node"),
				 errhint("List citus first: shared_preload_libraries = 'citus, runner_policy'.")));
	if (registry == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("runner_policy is not in shared_preload_libraries on this node"),
				 errdetail("A Citus node keeps the distributed transactions it has acted for in shared memory."),
				 errhint("Set shared_preload_libraries = 'citus, runner_policy' and restart.")));
	PG_RETURN_VOID();
}

/* The saved queries of this file, for runner_policy.saved_queries() (saved_queries.c). */
const SavedQueryEntry citus_assertion_saved_queries[] = {
	SAVED_QUERY_ENTRY(citus_token_row),
	SAVED_QUERY_ENTRY(citus_token_job),
	SAVED_QUERY_ENTRY(citus_active_user),
	SAVED_QUERY_ENTRY(citus_live_token_jobs),
	SAVED_QUERY_ENTRY(citus_revoke_stopped),
	{NULL, NULL}
};

/* ----------------------------------------------------------------------
 * Start-up
 * ---------------------------------------------------------------------- */

void
citus_assertion_init(void)
{
	/*
	 * The setting exists everywhere (a value never counts before it is
	 * verified); the rest only where Citus is loaded.
	 */
	DefineCustomStringVariable("runner_policy.assertion",
							   "The actor's assertion from a Citus coordinator; set by runner_policy only.",
							   "A worker acts for it only once it has verified it.",
							   &assertion_text, "",
							   PGC_USERSET,
							   GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE,
							   check_assertion, assign_assertion, show_assertion);
	if (!citus_loaded())
		return;
	hooks_installed = true;
	actor_register_borrow_hook(borrow_actor);
	actor_facts_hook = citus_actor_facts;
	token_digest_writer_hook = asserted_digest_writer;
	backfill_placing_runner_hook = asserted_placing_runner;
	runner_copies_repair_hook = asserted_repairing_copies;
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = citus_executor_start;
	prev_ExecutorFinish = ExecutorFinish_hook;
	ExecutorFinish_hook = citus_executor_finish;
	row_origin_time_hook = distributed_transaction_time;
	RegisterXactCallback(assertion_xact_callback, NULL);
	if (process_shared_preload_libraries_in_progress)
	{
		prev_shmem_request_hook = shmem_request_hook;
		shmem_request_hook = registry_shmem_request;
		prev_shmem_startup_hook = shmem_startup_hook;
		shmem_startup_hook = registry_shmem_startup;
	}
}
