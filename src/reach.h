/*-------------------------------------------------------------------------
 *
 * reach.h
 *	  The reach: what one actor may reach, for the running statement.
 *	  INTERNAL to the policy core (reach_read.c, rules.c, reach_cache.c,
 *	  policy_core.c, queue.c, access.c, access_view.c, query_rights.c).
 *
 * Nothing outside the policy core includes this header: the rest of the
 * extension asks policy_core.h, which answers yes or no and never hands out
 * a reach.  It is here only so that the files of the policy core share one
 * definition of the reach and of how a call starts SPI.  From the bottom
 * up: reach_read.c reads (calls, reach queries, levels), rules.c decides
 * every rule (the sets of build_set and the probes runner_readable and
 * runner_manageable), reach_cache.c keeps reaches for later statements,
 * policy_core.c builds them and answers the SQL; queue.c, access.c,
 * access_view.c and query_rights.c only ask.  No file calls one above it.
 *
 * src/reach.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef REACH_H
#define REACH_H

#include "postgres.h"

#include "storage/proc.h"

#include "actor.h"
#include "credentials.h"
#include "idset.h"
#include "owner_spi.h"
#include "reach_cache.h"

/* ----------------------------------------------------------------------
 * The sets a policy can ask for (reach(), in_reach(); rules.c's set_rules[])
 * ---------------------------------------------------------------------- */

typedef enum ReachSet
{
	RS_RUNNER_READ_TYPES,
	RS_RUNNER_READ_PROJECTS,
	RS_RUNNER_READ_GROUPS,
	RS_RUNNER_WRITE_TYPES,
	RS_RUNNER_WRITE_PROJECTS,
	RS_RUNNER_WRITE_GROUPS,
	RS_RUNNER_SELF,
	RS_LINK_READ_PROJECTS,
	RS_LINK_PROJECTS,
	RS_JOB_READ_PROJECTS,
	RS_JOB_READ_IDS,
	RS_JOB_PICKUP_PROJECTS,
	RS_JOB_WRITE_PROJECTS,
	RS_PROJECT_READ_IDS,
	RS_PROJECT_READABLE_IDS,
	RS_PROJECT_MAINTAINED,
	RS_PROJECT_MANAGED,
	RS_NAMESPACE_READ_IDS,
	RS_NAMESPACE_READABLE_IDS,
	RS_NAMESPACE_OWNED,
	RS_USER_SELF,
	RS_PROJECTS_OPEN,
	RS_PROJECTS_ALL,
	/* named only by the policies of releases 1.0 and 1.1 */
	RS_LEGACY_RUNNER_READ_IDS,
	RS_LEGACY_LINK_READ_RUNNERS,
	RS_LEGACY_LINK_RUNNERS,
	RS_LEGACY_UNLINK_RUNNERS,
	NUM_REACH_SETS
} ReachSet;

/* The kinds of rows an actor may reach all of (reach_all_names in rules.c). */
typedef enum ReachAll
{
	RA_ADMIN,					/* every write an administrator may make */
	RA_RUNNERS_READ,
	RA_LINKS_READ,
	RA_JOBS_READ,
	RA_PROJECTS_READ,
	RA_NAMESPACES_READ,
	RA_USERS_READ,
	RA_MEMBERS_READ,
	RA_SCOPE_LINKS_READ,
	NUM_REACH_ALL
} ReachAll;

extern const char *const reach_all_names[NUM_REACH_ALL];

struct Reach;

/* Where a set is asked (reach_sets(); test/sql/rule_table.sql checks it). */
typedef enum SetUse
{
	SET_IN_POLICIES,			/* named by this release's SQL */
	SET_IN_CORE,				/* asked by the C code only */
	SET_IN_LEGACY_POLICIES		/* named only by releases before 1.2 */
} SetUse;

/* One row of the rule table (rules.c). */
typedef struct SetRule
{
	const char *name;			/* as reach('name') and in_reach('name', ..) say it */
	SetUse		use;
	bool		(*who) (const struct Reach *r); /* has it at all (else: empty) */
	IdSet		(*build) (struct Reach *r);	/* what it holds, for one that has it */
	const char *who_text;		/* the same, in words (reach_sets()) */
	const char *from_text;
} SetRule;

extern const SetRule set_rules[NUM_REACH_SETS];

/*
 * Job counts behind runner_queue_status, counted once per statement from the
 * statement's own rows: for every runner with work, its stored type and
 * owner (which decide whether the actor may see the counts at all), its
 * running jobs and the pending jobs it could pick up through its links
 * (project runners) or its subtree (group runners).  Pending jobs an
 * instance runner could pick up are the same number for all of them.
 */
struct RunnerFacts;

typedef struct QueueCounts
{
	IdSet		runners;		/* runner ids with work, sorted */
	struct RunnerFacts *facts;	/* each one's stored row */
	int64	   *running;
	int64	   *pending;
	int64		shared_pending;
} QueueCounts;

/* The snapshot a reach was built against (active_snapshot_key). */
typedef struct SnapshotKey
{
	TransactionId xmin;
	TransactionId xmax;
	uint32		xcnt;
} SnapshotKey;

/*
 * Where some projects are, for a narrowed reach (reach_build_narrowed):
 * each project's path of namespaces from the root down to its own
 * (namespaces.traversal_ids), sorted by project id.  The ancestors of a
 * project it does not list are looked up in the tables.
 */
typedef struct ProjectPlaces
{
	int			n;
	int64	   *project_ids;
	IdSet	   *paths;
} ProjectPlaces;

/* The user of a kind's reach (reach_build_kind): ids are positive. */
#define KIND_USER_ID	INT64CONST(-1)

typedef struct Reach
{
	MemoryContext cxt;

	/* what it was built for (reach_matches) */
	uint64		generation;
	LocalTransactionId lxid;
	uint64		statement;
	SnapshotKey snapshot;

	uint64		build;			/* a serial number, unique per reach built */

	/*
	 * Queries that took rights from this reach and may run again hold it
	 * (query_rights.c), so that what they took can be compared with the
	 * rights of their next run; a reach no longer kept nor the statement's
	 * is freed when the last of them lets go (let_go).
	 */
	int			holders;
	bool		let_go;

	/*
	 * Whether a later statement may use it (reach_cache.c): the stamp of
	 * the announcements it has seen, what the newest state looked like
	 * then, and whether every
	 * query so far read exactly the newest state (none was narrowed by an
	 * older statement snapshot, see reach_query).
	 */
	ReachStamp	stamp;
	SnapshotImage image;
	uint64		narrowings;
	uint64		last_used;		/* for keeping the most recently used */
	LocalTransactionId built_lxid;	/* when it was built, for the */
	CommandId	built_cid;		/* transaction's own changes */
	bool		saw_own_changes;

	/* memory of what is counted per statement (the queue), reset for each */
	MemoryContext statement_cxt;

	Actor		actor;
	bool		live;
	bool		admin;			/* the actor's user is an administrator */
	bool		auditor;		/* ... an auditor */
	MemoryContext build_cxt;	/* where the set being built goes */

	bool		all[NUM_REACH_ALL];	/* reaches every row of that kind */

	bool		have_levels;
	LevelMap	project_levels;
	LevelMap	namespace_levels;
	const ProjectPlaces *places;	/* a narrowed reach's; NULL: ask the tables */

	bool		have_set[NUM_REACH_SETS];
	IdSet		sets[NUM_REACH_SETS];
	uint64		set_serial[NUM_REACH_SETS];	/* unique per set built (set_of) */

	/*
	 * Whether a decision read the user's own memberships (or id): set by
	 * projects_of(), namespaces_of() and the sets built on them.  A decision
	 * that did not holds for every user of the same kind (runner_access).
	 */
	bool		levels_asked;
	bool		set_asked_levels[NUM_REACH_SETS];

	bool		have_queue;
	QueueCounts queue;

	/*
	 * What the actor is now (credentials.c), read for every statement of a
	 * token or runner actor; a user's is announced.  A kept reach serves a
	 * token only while the facts its kept sets read (admin, auditor, the
	 * job's project) are the same.  runner_linked is in statement_cxt.
	 */
	ActorFacts	facts;

	/* sets that read the facts of one statement (rules.c: per_statement) */
	bool		building_per_statement;
	bool		set_per_statement[NUM_REACH_SETS];

	bool		have_job_scope;
	IdSet		job_scope_targets;	/* projects that let the job's project in */
} Reach;

/* ----------------------------------------------------------------------
 * One call into the policy core (reach_read.c)
 * ---------------------------------------------------------------------- */

/* From policy_core_init: the abort callbacks of the calls. */
extern void reach_read_init(void);

/*
 * One call into the policy core.  Elevation to the tables' owner and SPI
 * start only when a query must run (need_spi), so that a policy evaluated
 * for every row of a scan costs a few comparisons once the statement's
 * reach is built.  After an error the transaction abort has cleaned up SPI
 * and the user id, and the next call starts afresh.
 */
typedef struct ReachCall
{
	OwnerSpi	spi;
	bool		started;
} ReachCall;

extern ReachCall *active_call;	/* the innermost call running, or NULL */

/* Starts SPI as the tables' owner for the running call, once. */
extern void need_spi(void);

/*
 * Calls nest (a guard asks the core, whose query fires a trigger that asks
 * it again), and each has its own frame.  The frames are kept on a stack
 * with the subtransaction each began in: a call that fails is gone with
 * its subtransaction, and the abort pops its frame and every frame above
 * it, so that no pointer to a frame outlives the frame, also when the
 * error is caught further up (a PL/pgSQL exception block).  SPI and the
 * user id a failed call changed are put back by the abort itself.
 */
extern void reach_call_enter(ReachCall *call);
extern void reach_call_leave(ReachCall *call);

/* Runs the statements after "r" with the reach of the current statement. */
#define WITH_REACH(r, ...) \
	WITH_CALL((r) = current_reach(); __VA_ARGS__)

/* Runs the statements after it with SPI started on demand, as WITH_REACH. */
#define WITH_CALL(...) \
	do { \
		ReachCall	call_ = {0}; \
		reach_call_enter(&call_); \
		__VA_ARGS__; \
		reach_call_leave(&call_); \
	} while (0)


/* ----------------------------------------------------------------------
 * What the other files of the core ask (policy_core.c)
 * ---------------------------------------------------------------------- */

#define KIND(r)			((r)->actor.kind)
#define HAS(r, scope)	(((r)->actor.scopes & (scope)) != 0)

/*
 * reach_read.c: a reach query, as the tables' owner, read as the rights
 * are: what the newest committed state and the statement's snapshot both
 * return; and how many were narrowed by an older snapshot so far (a kept
 * reach built before a narrowing is not used again).
 */
extern uint64 reach_query(SavedQuery *query, Datum *args);
extern uint64 reach_query_narrowings(void);

/* The reach of the current actor for the running statement (WITH_REACH). */
extern Reach *current_reach(void);

/* A new reach for any actor, freed by its caller (explain_access). */
extern Reach *reach_build(const Actor *actor);

/* The reach of a kind of user, and one user's narrowed to given levels (runner_access). */
extern Reach *reach_build_kind(bool admin, bool auditor);
extern Reach *reach_build_narrowed(const Reach *kind, int64 user_id, const LevelMap *projects,
								   const LevelMap *namespaces, const ProjectPlaces *places);

/* A set of the reach, built on first use. */
extern IdSet set_of(Reach *r, ReachSet which);

/* Whether the reach covers every row of a kind. */
extern bool reaches_all(Reach *r, ReachAll which);

/* reach_read.c: the user's effective levels on projects and namespaces. */
extern const LevelMap *projects_of(Reach *r);
extern const LevelMap *namespaces_of(Reach *r);

/* The actor's user is an administrator or an auditor. */
extern bool sees_everything(const Reach *r);

/*
 * A runner's stored row, as the C callers decide on it (rules.c):
 * linked_known when the SQL keeps the projects it is linked to on the row
 * (release 1.2); before it the legacy sets stand for them.
 */
typedef struct RunnerFacts
{
	int64		id;
	int			type;
	bool		has_owner;
	int64		owner;
	bool		locked;
	bool		linked_known;
	IdSet		linked;
} RunnerFacts;

extern bool stored_runner(int64 runner_id, RunnerFacts *facts);

/* The runner rules over one stored row, as the ci_runners and link policies state them. */
extern bool runner_readable(Reach *r, const RunnerFacts *facts);
extern bool runner_manageable(Reach *r, const RunnerFacts *facts);
extern bool runner_linkable(Reach *r, const RunnerFacts *facts);

/* The runner types on which those rules can say yes without a membership. */
extern IdSet readable_types_by_kind(Reach *r);
extern IdSet manageable_types_by_kind(Reach *r);
extern IdSet linkable_types_by_kind(Reach *r);

/* rules.c: who reaches what */
extern bool decide_reaches_all(Reach *r, ReachAll which);
extern bool reach_all_folded(ReachAll which);
extern uint32 decisions_guessed(const Actor *actor);
extern int	reach_set_index(const char *name);
extern bool reads_projects_as_user(const Reach *r);
extern bool project_readable(Reach *r, int64 id, int64 namespace_id, const char *visibility);
extern bool namespace_readable(Reach *r, int64 id, bool has_parent, int64 parent_id,
							   const char *visibility);

/* reach_read.c: the projects that let a job token's project in */
extern void load_job_scope(Reach *r);

/*
 * policy_core.c: whether a reach is the running statement's; the reach of
 * the current actor, or NULL (no error, the actor left as it is) when the
 * actor is dead (holding a reach for a query: reach_cache.h).
 */
extern bool reach_is_current(const Reach *r);
extern Reach *current_reach_live(void);

/* ----------------------------------------------------------------------
 * What running queries take from the reach (query_rights.c)
 *
 * Every decision a query's rows are made with passes through the
 * primitives above (set_of, reaches_all, sees_everything, projects_of,
 * namespaces_of) or through the per-row paths of the SQL functions, and
 * each of them notes it here: into every query running now (a frame each,
 * innermost last), so that a cursor fetched again can tell whether what
 * it took still holds.  A frame remembers what it took in this run, so
 * that a row costs one comparison once its sets were noted.
 * ---------------------------------------------------------------------- */

/* What a query may take besides sets and "everything" decisions. */
typedef enum TakenMore
{
	TAKEN_PROJECT_LEVELS,		/* the user's access level on projects */
	TAKEN_NAMESPACE_LEVELS,		/* ... on groups */
	TAKEN_JOB_SCOPE,			/* projects that let a job token's project in */
	NUM_TAKEN_MORE
} TakenMore;

/* The bit after the ReachAll kinds: the user is an administrator or auditor. */
#define TAKEN_SEES_EVERYTHING	NUM_REACH_ALL

struct PinRights;

typedef struct TakingFrame
{
	struct PinRights **rights;	/* the running query's record, made on first use */
	MemoryContext cxt;			/* ... in its memory */
	uint64		seen[NUM_REACH_SETS];	/* set_serial of each set taken in this run */
	uint32		all_seen;		/* decisions taken as true in this run */
	uint64		more_seen[NUM_TAKEN_MORE];	/* build of the reach taken from */
} TakingFrame;

/* The innermost running query's frame, or NULL; nested set builders. */
extern TakingFrame *taking;
extern int	reach_building;

/*
 * How a frame is noted into: query_rights.c, above the core, registers
 * these from _PG_init (reach_register_taken_hooks, in reach_read.c), so
 * that the core notes what a query took without calling up.  "taking" is
 * set only by query_rights.c, after it registered them.
 */
typedef struct TakenHooks
{
	void		(*set) (const Reach *r, ReachSet which);
	void		(*all) (const Reach *r, int kind);
	void		(*more) (const Reach *r, TakenMore which);
} TakenHooks;

extern const TakenHooks *taken_hooks;
extern void reach_register_taken_hooks(const TakenHooks *hooks);

/* A set handed to the running query (a per-row path: one comparison). */
static inline void
take_set(const Reach *r, ReachSet which)
{
	if (taking != NULL && taking->seen[which] != r->set_serial[which] &&
		reach_building == 0)
		taken_hooks->set(r, which);
}

/* A decision the running query got as true (kind, or TAKEN_SEES_EVERYTHING). */
static inline void
take_all(const Reach *r, int kind)
{
	if (taking != NULL && (taking->all_seen & (1u << kind)) == 0 &&
		reach_building == 0)
		taken_hooks->all(r, kind);
}

static inline void
take_more(const Reach *r, TakenMore which)
{
	if (taking != NULL && taking->more_seen[which] != r->build &&
		reach_building == 0)
		taken_hooks->more(r, which);
}

#endif							/* REACH_H */
