/*-------------------------------------------------------------------------
 *
 * audit.c
 *	  The audit log: who changed which runner, link, membership or token,
 *	  and who granted or took away which rights.
 *
 * Every change to an audited table fires runner_policy.audit_row() (AFTER
 * ROW, and AFTER TRUNCATE), which appends one entry to
 * runner_policy.audit_log as the tables' owner: the time, the database
 * role, the actor of src/actor.h, the action, the object and its old and
 * new values as jsonb, with every token digest column left out.
 *
 * The actor named is the one current when the trigger fires, at the end of
 * the statement (or of the cascade's own statement).  It is the actor whose
 * rights applied to the change: statement.c refuses act_as(),
 * authenticate() and reset_actor() while a statement that writes the
 * extension's tables runs, so the actor cannot differ between the moment a
 * row was written and the moment its entry is.
 *
 * The entries form hash chains.  One chain for the whole database would
 * make every writing transaction wait for the one before it to commit,
 * because an entry must name the hash of the entry before it and that entry
 * is only final at commit.  So the log has AUDIT_LANES chains ("lanes"),
 * each serialized by its own lock:
 *
 *	- A transaction takes one lane the first time it writes an entry and
 *	  keeps it until it ends (a transaction-level lock, released after the
 *	  commit is visible, or at abort).  The entries of one lane are
 *	  therefore appended in commit order, and an aborted writer leaves no
 *	  hole: its entries and the lane head it moved roll back together.
 *	- It tries its backend's own lane first, then every other lane without
 *	  waiting, and waits only when all are busy.  Writers wait for one
 *	  another only when more transactions write at once than there are
 *	  lanes.
 *	- The lock is an advisory lock tag with a key space of its own (field 4
 *	  is 3; SQL's advisory lock functions use 1 and 2), so no SQL can take
 *	  or release it, and pg_locks shows it.
 *	- The head of each lane (last sequence number and hash) lives in
 *	  runner_policy.audit_lanes.  It moves once per transaction, at commit
 *	  (a deferred constraint trigger, audit_head), not with every entry:
 *	  updating one row per entry leaves a chain of row versions that every
 *	  later entry of a large transaction walks.  It moves only to an entry
 *	  this backend's writer made, never to one a superuser inserted by hand.
 *	- A transaction's first entry chains onto the head, or onto an entry
 *	  after it (which only this transaction can have written while it holds
 *	  the lane), read under the newest snapshot after the lock is held, so a
 *	  REPEATABLE READ writer chains onto what committed after its snapshot.
 *	  Its later entries chain onto the one before, kept in memory.  An entry
 *	  removed by hand from the end is therefore still found: the next entry
 *	  names the hash the head kept, not the hash of what is left.

 * The append-only trigger refuses UPDATE, DELETE and TRUNCATE of the log and
 * of the lane heads to every role, except the extension's own writes, named
 * by the internal-write mode of owner_spi.h that lives in backend memory
 * where no SQL can set it: the head trigger moving a lane head,
 * prune_audit_log() removing old entries and moving anchors, and the mark
 * on the entries of a deleted object (mark_deleted), the one column the
 * hash leaves out.
 *
 * src/audit.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "actor.h"
#include "citus.h"
#include "monitor.h"
#include "owner_spi.h"
#include "restore.h"
#include "runner_policy.h"

PG_FUNCTION_INFO_V1(rp_audit_row);
PG_FUNCTION_INFO_V1(rp_audit_append_only);
PG_FUNCTION_INFO_V1(rp_prune_audit_log);
PG_FUNCTION_INFO_V1(rp_audit_head);
PG_FUNCTION_INFO_V1(rp_adopt_unaudited);
PG_FUNCTION_INFO_V1(rp_audit_adopt_entry);
PG_FUNCTION_INFO_V1(rp_citus_audit_deleted);

/*
 * How many hash chains.  More lanes let more transactions write at once
 * without waiting; verify_audit_log() walks each, so they cost it nothing
 * but a partition each.  Changing it needs no migration: lanes are made on
 * first use.
 */
#define AUDIT_LANES			32

/*
 * On Citus each node keeps the lanes of what it writes (doc/citus.md,
 * "The audit log"): node group g numbers its lanes from g * AUDIT_NODE_LANES,
 * so that a lane number names one chain in the whole cluster.
 */
#define AUDIT_NODE_LANES	1000
StaticAssertDecl(AUDIT_LANES <= AUDIT_NODE_LANES, "a node's lanes must not reach the next node's");
#define AUDIT_LOCK_KEY		0x52504155	/* "RPAU" */
#define AUDIT_LOCK_SPACE	3			/* advisory field4 no SQL function uses */

#define MY_PROC_NUMBER	(MyProc->pgprocno)

/*
 * A query prepared on first use and kept for the backend's life, run
 * under the newest snapshot (see audit_append), which the saved-query
 * wrappers of owner_spi.h do not offer for writes.
 */

/*
 * The last entry this transaction's writer appended (lane and number), for
 * the commit-time head trigger: it moves a head only to an entry the writer
 * made, never to one a superuser inserted by hand with triggers on, and
 * skips the writer's earlier entries without a query while the hint is
 * good.  A subtransaction abort may have taken the last entry back, so the
 * hint is dropped then, and the trigger asks the table.
 */
static int	writer_lane = -1;
static int64 writer_seq = 0;
static uint8 writer_hash[32];	/* the hash of that entry */
static LocalTransactionId writer_lxid = InvalidLocalTransactionId;
static bool writer_hint_valid = false;
static bool callbacks_registered = false;

/* The lane the current transaction holds, checked against the lock table. */
static int	held_lane = -1;
static LocalTransactionId held_lane_lxid = InvalidLocalTransactionId;

/*
 * Appends one entry to a lane the caller holds: reads the lane's tail (its
 * head, or an entry of this transaction after it), computes the entry's
 * hash and inserts the entry, in one statement.  Old and new rows come in as records ($9, $10) and become
 * jsonb without their digest columns; $11 is a jsonb for entries that are
 * not about a row (pruning).
 */
static SavedQuery append_query = {
" INSERT INTO runner_policy.audit_log (id, at, db_role, actor_kind, actor_user_id,"
"        token_id, action, object_type, object_id, old, new, lane, lane_seq,"
"        prev_hash, hash)"
" SELECT e.id, e.at, $2, $3, $4, $5, $6, $7, $8, e.old, e.new, e.lane, e.lane_seq, e.prev_hash,"
"        runner_policy.audit_entry_hash(e.prev_hash, e.id, e.lane, e.lane_seq, e.at,"
"                                       $2, $3, $4, $5, $6, $7, $8, e.old, e.new)"
"   FROM (SELECT pg_catalog.nextval('runner_policy.audit_log_id_seq'::pg_catalog.regclass) AS id,"
"                l.lane, COALESCE(t.lane_seq, l.seq) OPERATOR(pg_catalog.+) 1 AS lane_seq,"
"                COALESCE(t.hash, l.hash) AS prev_hash,"
"                pg_catalog.statement_timestamp() AS at,"
"                pg_catalog.to_jsonb($9) OPERATOR(pg_catalog.-) '{token_digest,digest}'::text[] AS old,"
"                COALESCE(pg_catalog.to_jsonb($10) OPERATOR(pg_catalog.-) '{token_digest,digest}'::text[], $11) AS new"
"           FROM runner_policy.audit_lanes l"
"           LEFT JOIN LATERAL (SELECT x.lane_seq, x.hash FROM runner_policy.audit_log x"
"                               WHERE x.lane OPERATOR(pg_catalog.=) l.lane"
"                                 AND x.lane_seq OPERATOR(pg_catalog.>) l.seq"
"                               ORDER BY x.lane_seq DESC LIMIT 1) t ON true"
"          WHERE l.lane OPERATOR(pg_catalog.=) $1) e"
" RETURNING lane_seq, hash", 11, {INT4OID, TEXTOID, TEXTOID, INT8OID, INT8OID, TEXTOID, TEXTOID, INT8OID,
	RECORDOID, RECORDOID, JSONBOID}, NULL
};

/*
 * The same, for the second and later entries of a transaction: the lane's
 * tail is the writer's own last entry ($12, $13), known without a read.
 */
static SavedQuery append_next_query = {
" INSERT INTO runner_policy.audit_log (id, at, db_role, actor_kind, actor_user_id,"
"        token_id, action, object_type, object_id, old, new, lane, lane_seq,"
"        prev_hash, hash)"
" SELECT e.id, e.at, $2, $3, $4, $5, $6, $7, $8, e.old, e.new, $1,"
"        $12 OPERATOR(pg_catalog.+) 1, $13,"
"        runner_policy.audit_entry_hash($13, e.id, $1, $12 OPERATOR(pg_catalog.+) 1, e.at,"
"                                       $2, $3, $4, $5, $6, $7, $8, e.old, e.new)"
"   FROM (SELECT pg_catalog.nextval('runner_policy.audit_log_id_seq'::pg_catalog.regclass) AS id,"
"                pg_catalog.statement_timestamp() AS at,"
"                pg_catalog.to_jsonb($9) OPERATOR(pg_catalog.-) '{token_digest,digest}'::text[] AS old,"
"                COALESCE(pg_catalog.to_jsonb($10) OPERATOR(pg_catalog.-) '{token_digest,digest}'::text[], $11) AS new) e"
" RETURNING lane_seq, hash", 13, {INT4OID, TEXTOID, TEXTOID, INT8OID, INT8OID, TEXTOID, TEXTOID, INT8OID,
	RECORDOID, RECORDOID, JSONBOID, INT8OID, BYTEAOID}, NULL
};

/*
 * Moves a lane's head to an entry, at commit (audit_lanes_head, a deferred
 * constraint trigger), when it is the last entry of its lane: the head is
 * written once per transaction and lane, not once per entry.  "The last"
 * is asked as max(lane_seq), which PostgreSQL always answers with one
 * backward step of the (lane, lane_seq) index, also in the generic plan a
 * long session's sixth commit gets; "NOT EXISTS (... lane_seq > $2)" was
 * planned there as a scan of the whole log, expected to stop early and
 * never stopping, since no later entry exists.
 */
static SavedQuery move_head = {
	"UPDATE runner_policy.audit_lanes l SET seq = $2, hash = $3"
	" WHERE l.lane OPERATOR(pg_catalog.=) $1 AND l.seq OPERATOR(pg_catalog.<) $2"
	"   AND (SELECT pg_catalog.max(e.lane_seq) FROM runner_policy.audit_log e"
	"         WHERE e.lane OPERATOR(pg_catalog.=) $1) OPERATOR(pg_catalog.=) $2",
	3, {INT4OID, INT8OID, BYTEAOID}, NULL
};

static SavedQuery make_lane = {
	"INSERT INTO runner_policy.audit_lanes (lane, seq, hash) VALUES ($1, 0, '\\x'::bytea)"
	" ON CONFLICT (lane) DO NOTHING", 1, {INT4OID}, NULL
};

/*
 * Removes, per lane, the entries before its first entry at or after $1, and
 * moves the lane's anchor to the last entry removed (read before the delete:
 * every part of the statement sees one snapshot).
 */
static SavedQuery prune_query = {
	"WITH cut AS ("
	"  SELECT l.lane, COALESCE((SELECT pg_catalog.min(e.lane_seq) FROM runner_policy.audit_log e"
	"                            WHERE e.lane OPERATOR(pg_catalog.=) l.lane"
	"                              AND e.at OPERATOR(pg_catalog.>=) $1) OPERATOR(pg_catalog.-) 1,"
	"                           l.seq) AS upto"
	"    FROM runner_policy.audit_lanes l"
	"), anchor AS ("
	"  SELECT c.lane, c.upto, e.hash, e.at FROM cut c"
	"    JOIN runner_policy.audit_log e ON e.lane OPERATOR(pg_catalog.=) c.lane"
	"     AND e.lane_seq OPERATOR(pg_catalog.=) c.upto"
	"), gone AS ("
	"  DELETE FROM runner_policy.audit_log e USING cut c"
	"   WHERE e.lane OPERATOR(pg_catalog.=) c.lane AND e.lane_seq OPERATOR(pg_catalog.<=) c.upto"
	"  RETURNING e.id"
	"), moved AS ("
	"  UPDATE runner_policy.audit_lanes l"
	"     SET anchor_seq = a.upto, anchor_hash = a.hash, anchor_at = a.at"
	"    FROM anchor a WHERE l.lane OPERATOR(pg_catalog.=) a.lane"
	"     AND a.upto OPERATOR(pg_catalog.>) l.anchor_seq"
	")"
	" SELECT pg_catalog.count(*) FROM gone", 1, {TIMESTAMPTZOID}, NULL
};

/*
 * Entries of deleted objects (SQL 1.2 and later): marked object_deleted,
 * after which only admins and auditors read them.  An object's entries are
 * found by audit_log_object_idx, so marking costs what the object's own
 * history holds, never what the log holds.  The delete entry itself is
 * written unmarked and marked by the same statement.
 */
static SavedQuery mark_object_deleted = {
	"UPDATE runner_policy.audit_log SET object_deleted = true"
	" WHERE object_type OPERATOR(pg_catalog.=) ANY ($1)"
	"   AND object_id OPERATOR(pg_catalog.=) $2 AND NOT object_deleted",
	2, {TEXTARRAYOID, INT8OID}, NULL
};

/* One entry, by its place in its lane: a removal written after its owner went. */
static SavedQuery mark_entry_deleted = {
	"UPDATE runner_policy.audit_log SET object_deleted = true"
	" WHERE lane OPERATOR(pg_catalog.=) $1 AND lane_seq OPERATOR(pg_catalog.=) $2",
	2, {INT4OID, INT8OID}, NULL
};

/*
 * TRUNCATE deletes every object of a table at once, and marks every entry
 * of their types: like pruning, it costs what the log holds about what it
 * removes (test/sql/saved_query_plans.sql leaves it out for that reason).
 */
static SavedQuery mark_type_deleted = {
	"UPDATE runner_policy.audit_log SET object_deleted = true"
	" WHERE object_type OPERATOR(pg_catalog.=) ANY ($1) AND NOT object_deleted",
	1, {TEXTARRAYOID}, NULL
};

/* Is the project or group a membership or scope link belonged to gone? */
static SavedQuery project_gone = {
	"SELECT NOT EXISTS (SELECT FROM runner_policy.projects p"
	"                    WHERE p.id OPERATOR(pg_catalog.=) $1)",
	1, {INT8OID}, NULL
};
static SavedQuery namespace_gone = {
	"SELECT NOT EXISTS (SELECT FROM runner_policy.namespaces n"
	"                    WHERE n.id OPERATOR(pg_catalog.=) $1)",
	1, {INT8OID}, NULL
};

/*
 * The object types of the log, and what a deleted row takes with it.  A
 * runner, link, token, user, group or project is an object: deleting its
 * row marks the entries of its object_id, of its own type and, for a group
 * or project, of its memberships and scope links, whose object_id it is
 * (object_id_of).  A membership or scope link is no object of its own:
 * removing one changes the list of a project or group that stays, whose
 * readers read the entry.  Its entries go with the project or group; a
 * removal written after that went (a cascade's entries are written after
 * the deleted row's own) asks owner_gone and is marked alone.
 */
#define AUDIT_TAKES_MAX 3

typedef struct AuditObject
{
	const char *object_type;
	const char *takes[AUDIT_TAKES_MAX + 1];	/* the entry types its delete marks */
	SavedQuery *owner_gone;		/* for an entry type that is no object */
} AuditObject;

static const AuditObject audit_objects[] = {
	{"runner", {"runner"}, NULL},
	{"runner_project_link", {"runner_project_link"}, NULL},
	{"runner_namespace_link", {"runner_namespace_link"}, NULL},
	{"token", {"token"}, NULL},
	{"user", {"user"}, NULL},
	{"namespace", {"namespace", "group_member"}, NULL},
	{"project", {"project", "project_member", "scope_link"}, NULL},
	{"project_member", {NULL}, &project_gone},
	{"group_member", {NULL}, &namespace_gone},
	{"scope_link", {NULL}, &project_gone},
};

static const AuditObject *
audit_object(const char *object_type)
{
	for (int i = 0; i < (int) lengthof(audit_objects); i++)
		if (strcmp(audit_objects[i].object_type, object_type) == 0)
			return &audit_objects[i];
	return NULL;
}

static void
lane_locktag(LOCKTAG *tag, int lane)
{
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, AUDIT_LOCK_KEY, (uint32) lane,
						 AUDIT_LOCK_SPACE);
}

/*
 * The lane of the current transaction: the one it already holds (a
 * subtransaction that took it may have aborted and let it go, hence the
 * check against the lock table), else the first free one from the
 * backend's own, else its own after waiting.
 */
static void
audit_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		writer_hint_valid = false;
}

/* This node's first lane: 0 but on a Citus worker. */
static int
audit_lane_base(void)
{
	return citus_node_group() * AUDIT_NODE_LANES;
}

static int
audit_take_lane(void)
{
	LOCKTAG		tag;
	int			first;
	int			base = audit_lane_base();

	if (!callbacks_registered)
	{
		RegisterSubXactCallback(audit_subxact_callback, NULL);
		callbacks_registered = true;
	}

	if (held_lane >= 0 && held_lane_lxid == CURRENT_LXID)
	{
		lane_locktag(&tag, held_lane);
		if (LockHeldByMe(&tag, ExclusiveLock))
			return held_lane;
	}

	first = MY_PROC_NUMBER % AUDIT_LANES;
	held_lane = -1;
	for (int i = 0; i < AUDIT_LANES; i++)
	{
		int			lane = base + (first + i) % AUDIT_LANES;

		lane_locktag(&tag, lane);
		if (LockAcquire(&tag, ExclusiveLock, false, true) != LOCKACQUIRE_NOT_AVAIL)
		{
			held_lane = lane;
			break;
		}
	}
	if (held_lane < 0)
	{
		lane_locktag(&tag, base + first);
		(void) LockAcquire(&tag, ExclusiveLock, false, false);
		held_lane = base + first;
	}
	held_lane_lxid = CURRENT_LXID;
	return held_lane;
}

/* One entry; the caller is inside owner_spi_begin() and holds the lane. */
typedef struct AuditEntry
{
	const char *db_role;
	const char *action;
	const char *object_type;
	bool		has_object_id;
	int64		object_id;
	Datum		old_row;		/* a record, or 0 */
	Datum		new_row;
	Datum		extra;			/* a jsonb, or 0 */
} AuditEntry;

static void
audit_append(const AuditEntry *entry, int lane)
{
	const Actor *actor = actor_current();
	const char *kind = actor_kind_name(actor->kind);
	Datum		values[13];
	char		nulls[13];
	bool		know_tail;

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int32GetDatum(lane);
	values[1] = CStringGetTextDatum(entry->db_role);
	if (kind != NULL)
		values[2] = CStringGetTextDatum(kind);
	else
		nulls[2] = 'n';
	values[3] = Int64GetDatum(actor->user_id);
	if (actor->kind == ACTOR_NONE || actor->user_id == 0)
		nulls[3] = 'n';
	values[4] = Int64GetDatum(actor->token_id);
	if (actor->kind == ACTOR_NONE || actor->token_id == 0)
		nulls[4] = 'n';
	values[5] = CStringGetTextDatum(entry->action);
	values[6] = CStringGetTextDatum(entry->object_type);
	values[7] = Int64GetDatum(entry->object_id);
	if (!entry->has_object_id)
		nulls[7] = 'n';
	values[8] = entry->old_row;
	if (entry->old_row == (Datum) 0)
		nulls[8] = 'n';
	values[9] = entry->new_row;
	if (entry->new_row == (Datum) 0)
		nulls[9] = 'n';
	values[10] = entry->extra;
	if (entry->extra == (Datum) 0)
		nulls[10] = 'n';

	/*
	 * The lane's tail is this transaction's last entry when it wrote one in
	 * this lane and no subtransaction abort may have taken it back; then no
	 * read is needed.  Otherwise the first-entry query finds it.
	 */
	know_tail = writer_hint_valid && writer_lxid == CURRENT_LXID &&
		writer_lane == lane && writer_seq != PG_INT64_MAX;
	if (know_tail)
	{
		bytea	   *prev = palloc(VARHDRSZ + sizeof(writer_hash));

		SET_VARSIZE(prev, VARHDRSZ + sizeof(writer_hash));
		memcpy(VARDATA(prev), writer_hash, sizeof(writer_hash));
		values[11] = Int64GetDatum(writer_seq);
		values[12] = PointerGetDatum(prev);
	}

	/*
	 * While the entry is being written, its number is not known yet; the
	 * head trigger may fire inside (SET CONSTRAINTS ... IMMEDIATE), and must
	 * take it as the writer's and ask the table.
	 */
	writer_lane = lane;
	writer_seq = PG_INT64_MAX;
	writer_lxid = CURRENT_LXID;
	writer_hint_valid = false;

	for (int attempt = 0;; attempt++)
	{
		/*
		 * The newest snapshot, not the transaction's: the lane's head may
		 * have moved since a REPEATABLE READ snapshot was taken, and nobody
		 * but us moves it while we hold the lane.
		 */
		if (saved_query_run_latest_write(know_tail ? &append_next_query : &append_query,
										 values, nulls) == 1)
		{
			int64		seq = 0;
			bool		isnull;
			bytea	   *hash;

			(void) spi_result_int64(0, 1, &seq);
			hash = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0],
												  SPI_tuptable->tupdesc, 2, &isnull));
			if (isnull || VARSIZE_ANY_EXHDR(hash) != sizeof(writer_hash))
				elog(ERROR, "audit log entry has no hash");
			memcpy(writer_hash, VARDATA_ANY(hash), sizeof(writer_hash));
			writer_seq = seq;
			writer_hint_valid = true;
			monitor_count(MON_AUDIT_ENTRIES);
			break;
		}
		if (attempt > 0 || know_tail)
			elog(ERROR, "audit lane %d has no head", lane);
		/* the lane's first entry ever: make its head */
		(void) saved_query_run(&make_lane, values, NULL);
	}
}

/*
 * The action of an update that changed one column that grants or takes
 * away rights: "on" when the new value is on_value (NULL: whatever it is),
 * else "off".  An update that changed several at once is an "update", with
 * the old and new rows saying what changed.
 */
typedef struct ColumnAction
{
	const char *object_type;
	const char *column;
	const char *on_value;		/* the new value's text form, or NULL */
	const char *on;
	const char *off;
} ColumnAction;

static const ColumnAction column_actions[] = {
	{"user", "admin", "t", "grant_admin", "revoke_admin"},
	{"user", "auditor", "t", "grant_auditor", "revoke_auditor"},
	{"user", "state", "blocked", "block", "unblock"},
	{"namespace", "parent_id", NULL, "move", NULL},
	{"namespace", "visibility", NULL, "set_visibility", NULL},
	{"project", "namespace_id", NULL, "move", NULL},
	{"project", "visibility", NULL, "set_visibility", NULL},
	{"project", "shared_runners_enabled", "t", "enable_shared_runners", "disable_shared_runners"},
};

static const char *
column_action(const char *object_type, TupleDesc desc, HeapTuple new_row, int attnum)
{
	const char *name = NameStr(TupleDescAttr(desc, attnum - 1)->attname);

	for (int i = 0; i < (int) lengthof(column_actions); i++)
	{
		const ColumnAction *ca = &column_actions[i];
		char	   *value;

		if (strcmp(ca->object_type, object_type) != 0 || strcmp(ca->column, name) != 0)
			continue;
		if (ca->on_value == NULL)
			return ca->on;
		value = SPI_getvalue(new_row, desc, attnum);
		return value != NULL && strcmp(value, ca->on_value) == 0 ? ca->on : ca->off;
	}
	return "update";
}

/* Does the trigger's column list (UPDATE OF ...) name the column?  No list: all. */
static bool
trigger_lists_column(Trigger *trigger, int attnum)
{
	if (trigger->tgnattr == 0)
		return true;
	for (int i = 0; i < trigger->tgnattr; i++)
		if (trigger->tgattr[i] == attnum)
			return true;
	return false;
}

/*
 * What an UPDATE did, or NULL when it is not worth an entry: nothing
 * changed in the columns the trigger lists (the columns rights are read
 * from, on the tables of rights_columns(); every column elsewhere), only a
 * runner's contacted_at (a heartbeat, sent every few seconds by every
 * runner; it changes no setting and no right), or only a copy the
 * extension keeps of other rows (a runner's linked projects, a link's
 * owner project: the link's own entry records the change).
 */
static const char *
update_action(const char *object_type, Trigger *trigger, Relation rel,
			  HeapTuple old_row, HeapTuple new_row)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			changed = 0;
	int			last_changed = 0;
	bool		only_heartbeat = true;
	bool		digest = false;
	bool		revoked = false;

	for (int i = 1; i <= desc->natts; i++)
	{
		const char *name;

		if (TupleDescAttr(desc, i - 1)->attisdropped ||
			!trigger_lists_column(trigger, i) ||
			!row_column_changed(old_row, new_row, desc, i))
			continue;
		name = NameStr(TupleDescAttr(desc, i - 1)->attname);
		if (runner_copy_column(name))
			continue;
		changed++;
		last_changed = i;
		if (strcmp(name, "contacted_at") != 0)
			only_heartbeat = false;
		if (strcmp(name, "token_digest") == 0)
			digest = true;
		if (strcmp(name, "revoked_at") == 0 &&
			heap_attisnull(old_row, i, desc) && !heap_attisnull(new_row, i, desc))
			revoked = true;
	}
	if (changed == 0)
		return NULL;
	if (strcmp(object_type, "runner") == 0)
	{
		int64		id = 0;

		if (only_heartbeat)
			return NULL;
		if (row_get_int64(new_row, desc, "id", &id) &&
			id == backfill_placing_runner())
			return "backfill_owner";
		if (digest)
			return "reset_token";
		return "update";
	}
	if (strcmp(object_type, "token") == 0 && revoked)
		return "revoke";
	if (strcmp(object_type, "project_member") == 0 ||
		strcmp(object_type, "group_member") == 0)
		return "change_member";
	if (changed == 1)
		return column_action(object_type, desc, new_row, last_changed);
	return "update";
}

/*
 * The object an entry is about: the row's id; for a membership, the
 * project or group, and for a job token scope link, the project that lets
 * the tokens in (whose readers, or managers, read the entry: see the
 * policy).
 */
static bool
object_id_of(const char *object_type, Relation rel, HeapTuple row, int64 *id)
{
	TupleDesc	desc = RelationGetDescr(rel);

	if (strcmp(object_type, "project_member") == 0)
		return row_get_int64(row, desc, "project_id", id);
	if (strcmp(object_type, "group_member") == 0)
		return row_get_int64(row, desc, "namespace_id", id);
	if (strcmp(object_type, "scope_link") == 0)
		return row_get_int64(row, desc, "target_project_id", id);
	return row_get_int64(row, desc, "id", id);
}

/*
 * After the entry of a deleted row (or of a TRUNCATE) was appended, the
 * entries it takes are marked; the caller is inside owner_spi_begin().
 * Only the SQL of 1.2 and later has the mark.
 */
static void
mark_deleted(const AuditEntry *entry, bool truncate)
{
	const AuditObject *object = audit_object(entry->object_type);
	Datum		args[2];

	if (object == NULL || !runner_policy_sql_at_least(1, 2))
		return;
	if (object->takes[0] != NULL)
	{
		Datum		types[AUDIT_TAKES_MAX];
		int			n = 0;

		while (object->takes[n] != NULL)
		{
			types[n] = CStringGetTextDatum(object->takes[n]);
			n++;
		}
		args[0] = PointerGetDatum(construct_array(types, n, TEXTOID, -1, false, TYPALIGN_INT));
		args[1] = Int64GetDatum(entry->object_id);
		if (truncate)
			(void) saved_query_run_internal(INTERNAL_WRITE_AUDIT_DELETED,
											&mark_type_deleted, args, NULL, true);
		else if (entry->has_object_id)
			(void) saved_query_run_internal(INTERNAL_WRITE_AUDIT_DELETED,
											&mark_object_deleted, args, NULL, true);
	}
	else if (!truncate && entry->has_object_id)
	{
		bool		isnull;

		args[0] = Int64GetDatum(entry->object_id);
		if (saved_query_run_latest(object->owner_gone, args, NULL) != 1)
			elog(ERROR, "could not tell whether the owner of an audit entry is gone");
		if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
			return;
		args[0] = Int32GetDatum(writer_lane);
		args[1] = Int64GetDatum(writer_seq);
		(void) saved_query_run_internal(INTERNAL_WRITE_AUDIT_DELETED,
										&mark_entry_deleted, args, NULL, true);
	}
}

/*
 * The role the client acts as (its login role, or the role it SET ROLE
 * to), not the owner the extension's own triggers and functions switch
 * to while they write: the owner link of a new runner is made by whoever
 * registered the runner.  On a Citus worker acting for the coordinator's
 * actor, the coordinator's client, as its assertion says: Citus connects
 * as the role running the statement there, the owner when the extension
 * writes for the client.
 */
static const char *
audit_client_role(void)
{
	const char *asserted = citus_asserted_client_role();

	return asserted != NULL ? asserted : GetUserNameFromId(GetOuterUserId(), false);
}

/*
 * runner_policy.audit_row(object_type, insert_action, delete_action):
 * AFTER ROW INSERT/UPDATE/DELETE and AFTER TRUNCATE on an audited table.
 */
Datum
rp_audit_row(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = trigger_data_checked(fcinfo, "audit_row");
	Trigger    *trigger = trigdata->tg_trigger;
	Relation	rel = trigdata->tg_relation;
	TupleDesc	desc = RelationGetDescr(rel);
	AuditEntry	entry;
	HeapTuple	row = NULL;
	OwnerSpi	spi;
	int			lane;

	/* a restore loads history, it does not make any: restore.c */
	if (restore_copy_loads_row(trigdata))
		return PointerGetDatum(NULL);

	if (trigger->tgnargs != 3)
		elog(ERROR, "audit_row() needs 3 trigger arguments");
	if (!TRIGGER_FIRED_AFTER(trigdata->tg_event))
		elog(ERROR, "audit_row() must fire AFTER");

	memset(&entry, 0, sizeof(entry));
	entry.db_role = audit_client_role();
	entry.object_type = trigger->tgargs[0];

	if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		entry.action = "truncate";
	else if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		elog(ERROR, "audit_row() must fire for each row, or for TRUNCATE");
	else if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		entry.action = trigger->tgargs[1];
		row = trigdata->tg_trigtuple;
		entry.new_row = heap_copy_tuple_as_datum(row, desc);
	}
	else if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
	{
		entry.action = trigger->tgargs[2];
		row = trigdata->tg_trigtuple;
		entry.old_row = heap_copy_tuple_as_datum(row, desc);
	}
	else
	{
		entry.action = update_action(entry.object_type, trigger, rel,
									 trigdata->tg_trigtuple,
									 trigdata->tg_newtuple);
		if (entry.action == NULL)
			return PointerGetDatum(NULL);
		row = trigdata->tg_newtuple;
		entry.old_row = heap_copy_tuple_as_datum(trigdata->tg_trigtuple, desc);
		entry.new_row = heap_copy_tuple_as_datum(row, desc);
	}
	if (row != NULL)
		entry.has_object_id = object_id_of(entry.object_type, rel, row,
										   &entry.object_id);

	owner_spi_begin(&spi, runner_policy_tables_owner());
	/*
	 * A reference table's change is written on every node's copy; the
	 * coordinator's copy audits it, once (doc/citus.md, "The audit log").
	 */
	if (citus_change_audited_elsewhere(rel))
	{
		owner_spi_end(&spi);
		return PointerGetDatum(NULL);
	}
	lane = audit_take_lane();
	audit_append(&entry, lane);
	if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) ||
		TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		mark_deleted(&entry, TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event));
	owner_spi_end(&spi);

	return PointerGetDatum(NULL);
}

/*
 * runner_policy.audit_head(): the deferred constraint trigger on audit_log
 * (AFTER INSERT, fired at commit) that moves the lane's head to the last
 * entry the transaction wrote.  The lane is still ours (its lock goes only
 * after the commit), so nobody else moves the head meanwhile; the newest
 * snapshot sees the head the previous holder committed.
 */
Datum
rp_audit_head(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = trigger_data_checked(fcinfo, "audit_head");
	HeapTuple	row = trigdata->tg_trigtuple;
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);
	int64		lane = 0;
	int64		seq = 0;
	bool		isnull;
	Datum		args[3];
	OwnerSpi	spi;

	if (!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		elog(ERROR, "audit_head() must fire for each inserted row");
	if (!row_get_int64(row, desc, "lane", &lane) ||
		!row_get_int64(row, desc, "lane_seq", &seq))
		return PointerGetDatum(NULL);

	/* not made by this transaction's writer: never a head */
	if (writer_lxid != CURRENT_LXID || lane != writer_lane || seq > writer_seq)
		return PointerGetDatum(NULL);
	/* an entry before the last one the writer made: not the head */
	if (writer_hint_valid && seq < writer_seq)
		return PointerGetDatum(NULL);

	args[0] = Int32GetDatum((int32) lane);
	args[1] = Int64GetDatum(seq);
	args[2] = heap_getattr(row, SPI_fnumber(desc, "hash"), desc, &isnull);
	if (isnull)
		return PointerGetDatum(NULL);

	owner_spi_begin(&spi, runner_policy_tables_owner());
	(void) saved_query_run_internal(INTERNAL_WRITE_AUDIT_HEAD, &move_head,
									args, NULL, true);
	owner_spi_end(&spi);
	return PointerGetDatum(NULL);
}

/*
 * Whether audit_append_only() fires on the lanes rather than on the log:
 * its trigger's argument says ('lanes' or 'log'), whatever the table is
 * called (a shard's name is not the table's).  The SQL of releases before
 * 1.2 passes none: then the extension's audit_lanes, by oid.
 */
static bool
fired_on_lanes(TriggerData *trigdata)
{
	Trigger    *trigger = trigdata->tg_trigger;

	if (trigger->tgnargs == 0)
		return RelationGetRelid(trigdata->tg_relation) ==
			get_relname_relid("audit_lanes", runner_policy_extension_schema());
	if (trigger->tgnargs == 1 && strcmp(trigger->tgargs[0], "lanes") == 0)
		return true;
	if (trigger->tgnargs == 1 && strcmp(trigger->tgargs[0], "log") == 0)
		return false;
	elog(ERROR, "audit_append_only: unrecognized trigger arguments");
	pg_unreachable();
}

/*
 * BEFORE UPDATE OR DELETE OR TRUNCATE (statement) on audit_log and
 * audit_lanes: append-only for every role.  Row-level security already
 * refuses every role but superusers and the owner; this refuses those too.
 */
Datum
rp_audit_append_only(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = trigger_data_checked(fcinfo, "audit_append_only");
	TriggerEvent event = trigdata->tg_event;
	bool		lanes = fired_on_lanes(trigdata);
	InternalWrite mode = internal_write_current();
	const char *what;

	if (lanes && TRIGGER_FIRED_BY_UPDATE(event) &&
		(mode == INTERNAL_WRITE_AUDIT_HEAD || mode == INTERNAL_WRITE_AUDIT_PRUNE))
		return PointerGetDatum(NULL);
	if (!lanes && TRIGGER_FIRED_BY_DELETE(event) && mode == INTERNAL_WRITE_AUDIT_PRUNE)
		return PointerGetDatum(NULL);
	/* the mark on a deleted object's entries, outside the hash */
	if (!lanes && TRIGGER_FIRED_BY_UPDATE(event) && mode == INTERNAL_WRITE_AUDIT_DELETED)
		return PointerGetDatum(NULL);

	if (TRIGGER_FIRED_BY_UPDATE(event))
		what = "update";
	else if (TRIGGER_FIRED_BY_DELETE(event))
		what = "delete from";
	else
		what = "truncate";

	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("cannot %s %s.%s", what, RUNNER_POLICY_SCHEMA,
					RelationGetRelationName(trigdata->tg_relation)),
			 errdetail("The audit log is append-only, for every role."),
			 errhint("To remove old entries, use runner_policy.prune_audit_log(before), which leaves an anchor for runner_policy.verify_audit_log().")));
	return PointerGetDatum(NULL);	/* not reached */
}

/*
 * On a Citus coordinator, every worker prunes its own lanes too, each in a
 * transaction of its own (Citus' run_command_on_workers(), as the tables'
 * owner); how many they removed.  Nothing elsewhere.  Called inside owner
 * SPI.  The time travels as microseconds after 2000-01-01 UTC, free of
 * any DateStyle.
 */
static int64
prune_on_workers(TimestampTz before)
{
	char	   *when;
	char	   *command;
	Oid			argtype = TEXTOID;
	Datum		arg;
	bool		isnull;
	int64		removed = 0;

	if (!citus_in_database() || citus_node_group() != 0)
		return 0;
	if (TIMESTAMP_IS_NOBEGIN(before))
		when = pstrdup("'-infinity'::pg_catalog.timestamptz");
	else if (TIMESTAMP_IS_NOEND(before))
		when = pstrdup("'infinity'::pg_catalog.timestamptz");
	else
		/* exact: an interval is scaled in float8, exact below 2^53 us (year 2285) */
		when = psprintf("'2000-01-01 00:00:00+00'::pg_catalog.timestamptz"
						" OPERATOR(pg_catalog.+) (" INT64_FORMAT "::pg_catalog.float8"
						" OPERATOR(pg_catalog.*) '1 microsecond'::pg_catalog.interval)",
						(int64) before);
	command = psprintf("SELECT pg_catalog.to_json(runner_policy.prune_audit_log(%s))", when);
	arg = CStringGetTextDatum(command);
	if (SPI_execute_with_args("SELECT pg_catalog.sum((w OPERATOR(pg_catalog.#>>) '{}')::pg_catalog.int8)::pg_catalog.int8"
							  "  FROM runner_policy.citus_on_workers($1) w",
							  1, &argtype, &arg, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not prune the audit log of the Citus workers");
	if (SPI_processed == 1)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			removed = DatumGetInt64(d);
	}
	return removed;
}

/*
 * runner_policy.prune_audit_log(before timestamptz) -> bigint: removes the
 * entries older than "before" and returns how many.  It holds every lane
 * while it works, so no writer appends to a lane whose anchor moves, and
 * records itself as an entry.
 */
Datum
rp_prune_audit_log(PG_FUNCTION_ARGS)
{
	TimestampTz before;
	OwnerSpi	spi;
	Datum		args[1];
	int64		removed = 0;
	AuditEntry	entry;
	int			lane;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("prune_audit_log() needs a time, not NULL"),
				 errhint("Pass the time before which entries are removed, for example now() - interval '1 year'.")));
	before = PG_GETARG_TIMESTAMPTZ(0);
	args[0] = TimestampTzGetDatum(before);

	memset(&entry, 0, sizeof(entry));
	entry.db_role = audit_client_role();

	owner_spi_begin(&spi, runner_policy_tables_owner());
	for (int i = 0; i < AUDIT_LANES; i++)
	{
		LOCKTAG		tag;

		lane_locktag(&tag, audit_lane_base() + i);
		(void) LockAcquire(&tag, ExclusiveLock, false, false);
	}
	lane = audit_take_lane();

	if (saved_query_run_internal(INTERNAL_WRITE_AUDIT_PRUNE, &prune_query,
								 args, NULL, true) != 1)
		elog(ERROR, "pruning the audit log failed");
	(void) spi_result_int64(0, 1, &removed);

	{
		JsonbParseState *state = NULL;
		JsonbValue	key,
					val;
		JsonbValue *res;
		char	   *before_text = DatumGetCString(DirectFunctionCall1(timestamptz_out,
																	  TimestampTzGetDatum(before)));

		(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
		key.type = jbvString;
		key.val.string.val = "before";
		key.val.string.len = 6;
		(void) pushJsonbValue(&state, WJB_KEY, &key);
		val.type = jbvString;
		val.val.string.val = before_text;
		val.val.string.len = strlen(before_text);
		(void) pushJsonbValue(&state, WJB_VALUE, &val);
		key.val.string.val = "removed";
		key.val.string.len = 7;
		(void) pushJsonbValue(&state, WJB_KEY, &key);
		val.type = jbvNumeric;
		val.val.numeric = int64_to_numeric(removed);
		(void) pushJsonbValue(&state, WJB_VALUE, &val);
		res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
		entry.extra = JsonbPGetDatum(JsonbValueToJsonb(res));
	}
	entry.action = "prune";
	entry.object_type = "audit_log";
	audit_append(&entry, lane);
	removed += prune_on_workers(before);
	owner_spi_end(&spi);

	PG_RETURN_INT64(removed);
}

/*
 * citus_audit_deleted(object_types, object_ids): for citus_apply_deletions()
 * on a Citus coordinator, the mark a deletion on one node leaves on the
 * entries of a deleted runner or link (mark_deleted), for the entries this
 * node wrote before citus_distribute(); the workers mark theirs when they
 * delete.  Only objects that no longer exist are marked (each kind read
 * once, through Citus), so the caller cannot hide a live object's history.
 * Returns how many entries it marked.
 */
static const struct
{
	const char *type;
	const char *table;
}			deletable_objects[] = {
	{"runner", "ci_runners"},
	{"runner_project_link", "ci_runner_projects"},
	{"runner_namespace_link", "ci_runner_namespaces"},
};

Datum
rp_citus_audit_deleted(PG_FUNCTION_ARGS)
{
	Datum	   *types;
	Datum	   *ids;
	bool	   *type_nulls;
	bool	   *id_nulls;
	int			ntypes;
	int			nids;
	int64		marked = 0;
	OwnerSpi	spi;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_INT64(0);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(0), TEXTOID, -1, false, TYPALIGN_INT,
					  &types, &type_nulls, &ntypes);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &ids, &id_nulls, &nids);
	if (ntypes != nids)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("citus_audit_deleted() needs as many object types as ids")));

	owner_spi_begin(&spi, runner_policy_tables_owner());
	for (size_t k = 0; k < lengthof(deletable_objects); k++)
	{
		const AuditObject *object = audit_object(deletable_objects[k].type);
		Datum	   *mine = palloc(sizeof(Datum) * Max(nids, 1));
		int			n = 0;
		Datum		arg;
		Oid			argtype = INT8ARRAYOID;
		Datum		args[2];
		char	   *sql;

		for (int i = 0; i < nids; i++)
			if (!type_nulls[i] && !id_nulls[i] &&
				strcmp(TextDatumGetCString(types[i]), deletable_objects[k].type) == 0)
				mine[n++] = ids[i];
		if (n == 0 || object == NULL)
			continue;
		arg = PointerGetDatum(construct_array(mine, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		/* the ones still there are not marked */
		sql = psprintf("SELECT pg_catalog.array_agg(id) FROM %s.%s WHERE id OPERATOR(pg_catalog.=) ANY ($1)",
					   RUNNER_POLICY_SCHEMA, deletable_objects[k].table);
		if (SPI_execute_with_args(sql, 1, &argtype, &arg, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read %s", deletable_objects[k].table);
		{
			bool		isnull;
			Datum		alive = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
			Datum	   *still = NULL;
			int			nstill = 0;
			Datum		takes[AUDIT_TAKES_MAX];
			int			ntakes = 0;

			if (!isnull)
				deconstruct_array(DatumGetArrayTypePCopy(alive), INT8OID, 8, FLOAT8PASSBYVAL,
								  TYPALIGN_DOUBLE, &still, NULL, &nstill);
			while (ntakes < AUDIT_TAKES_MAX && object->takes[ntakes] != NULL)
			{
				takes[ntakes] = CStringGetTextDatum(object->takes[ntakes]);
				ntakes++;
			}
			args[0] = PointerGetDatum(construct_array(takes, ntakes, TEXTOID, -1, false, TYPALIGN_INT));
			for (int i = 0; i < n; i++)
			{
				bool		live = false;

				for (int j = 0; j < nstill && !live; j++)
					live = DatumGetInt64(still[j]) == DatumGetInt64(mine[i]);
				if (live)
					continue;
				args[1] = mine[i];
				marked += saved_query_run_internal(INTERNAL_WRITE_AUDIT_DELETED,
												   &mark_object_deleted, args, NULL, true);
			}
		}
	}
	owner_spi_end(&spi);
	PG_RETURN_INT64(marked);
}

/*
 * adopt_unaudited(): an "adopt" entry for every row unaudited_objects()
 * lists, in one statement that streams them (a forge adopting a million
 * runners holds none of them in memory): audit_adopt_entry() appends each.
 * The statement reads the log as it was when it started, so the entries it
 * writes do not change what it reads.
 */
static SavedQuery adopt_query = {
	"SELECT pg_catalog.count(runner_policy.audit_adopt_entry(u.object_type, u.object_id, u.\"row\"))"
	"  FROM runner_policy.unaudited_objects() u", 0, {0}, NULL
};

Datum
rp_adopt_unaudited(PG_FUNCTION_ARGS)
{
	OwnerSpi	spi;
	int64		adopted = 0;

	owner_spi_begin(&spi, runner_policy_tables_owner());
	if (saved_query_run_internal(INTERNAL_WRITE_AUDIT_ADOPT, &adopt_query,
								 NULL, NULL, true) != 1)
		elog(ERROR, "adopting unaudited rows failed");
	(void) spi_result_int64(0, 1, &adopted);
	owner_spi_end(&spi);

	PG_RETURN_INT64(adopted);
}

/*
 * runner_policy.audit_adopt_entry(object_type, object_id, row): appends one
 * adopt entry.  Only adopt_unaudited()'s own statement may call it (the
 * internal-write mode says so; no SQL can set it): what an entry says is
 * never taken from a caller.
 */
Datum
rp_audit_adopt_entry(PG_FUNCTION_ARGS)
{
	AuditEntry	entry;
	OwnerSpi	spi;
	int			lane;

	if (internal_write_current() != INTERNAL_WRITE_AUDIT_ADOPT)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("audit_adopt_entry() is called only by adopt_unaudited()"),
				 errhint("Run SELECT runner_policy.adopt_unaudited().")));
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		elog(ERROR, "audit_adopt_entry() needs an object type, an id and a row");

	memset(&entry, 0, sizeof(entry));
	entry.db_role = audit_client_role();
	entry.action = "adopt";
	entry.object_type = text_to_cstring(PG_GETARG_TEXT_PP(0));
	entry.has_object_id = true;
	entry.object_id = PG_GETARG_INT64(1);
	entry.extra = PG_GETARG_DATUM(2);

	lane = audit_take_lane();
	owner_spi_begin(&spi, runner_policy_tables_owner());
	audit_append(&entry, lane);
	owner_spi_end(&spi);

	PG_RETURN_BOOL(true);
}

/* The saved queries of this file, for runner_policy.saved_queries() (saved_queries.c). */
const SavedQueryEntry audit_saved_queries[] = {
	SAVED_QUERY_ENTRY(append_query),
	SAVED_QUERY_ENTRY(append_next_query),
	SAVED_QUERY_ENTRY(move_head),
	SAVED_QUERY_ENTRY(make_lane),
	SAVED_QUERY_ENTRY(prune_query),
	SAVED_QUERY_ENTRY(mark_object_deleted),
	SAVED_QUERY_ENTRY(mark_entry_deleted),
	SAVED_QUERY_ENTRY(mark_type_deleted),
	SAVED_QUERY_ENTRY(project_gone),
	SAVED_QUERY_ENTRY(namespace_gone),
	SAVED_QUERY_ENTRY(adopt_query),
	{NULL, NULL}
};
