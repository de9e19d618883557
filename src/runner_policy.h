/*-------------------------------------------------------------------------
 *
 * runner_policy.h
 *	  Declarations shared by the runner_policy C files.
 *
 * src/runner_policy.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RUNNER_POLICY_H
#define RUNNER_POLICY_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "fmgr.h"
#include "datatype/timestamp.h"

/*
 * PostgreSQL 15 is the one server version built and tested (doc/operations.md,
 * "PostgreSQL versions"): the hooks and internals used here are 15's.
 */
#if PG_VERSION_NUM < 150000 || PG_VERSION_NUM >= 160000
#error "runner_policy is built and tested for PostgreSQL 15 only"
#endif

/*
 * doc/permissions.md: the numbers the tables store, named once.  SQL texts in C
 * splice them in with CppAsString2(), so that no bare 2 or 40 means one.
 */

/* ci_runners.runner_type */
#define RUNNER_TYPE_INSTANCE	1
#define RUNNER_TYPE_GROUP		2
#define RUNNER_TYPE_PROJECT		3

/* project_members.access_level and group_members.access_level */
#define LEVEL_GUEST			10
#define LEVEL_REPORTER		20
#define LEVEL_DEVELOPER		30
#define LEVEL_MAINTAINER	40
#define LEVEL_OWNER			50

/* The fixed schema of the extension (runner_policy.control). */
#define RUNNER_POLICY_SCHEMA	"runner_policy"

/* "instance", "group" or "project"; "unknown" for anything else */
extern const char *runner_type_name(int runner_type);

/*
 * Reads an integer column (smallint, integer or bigint) of a row by name.
 * Returns false when the value is NULL.
 */
extern bool row_get_int64(HeapTuple tuple, TupleDesc desc, const char *column,
						  int64 *value);

/* A smallint, integer or bigint datum as int64 (the one switch of both readers). */
extern int64 integer_datum_as_int64(Datum datum, Oid type, const char *what);

/* The local transaction, which every per-transaction cache is keyed on. */
#define CURRENT_LXID	(MyProc->lxid)

/* Whether column attnum (1-based) differs between two versions of a row. */
extern bool row_column_changed(HeapTuple oldtup, HeapTuple newtup, TupleDesc desc,
							   int attnum);

/* The trigger data of a call, after checking it really is that trigger. */
struct TriggerData;
extern struct TriggerData *trigger_data_checked(FunctionCallInfo fcinfo,
												const char *funcname);

/* "key = ANY (fn(arg))", fn returning bigint[]: for planner support functions */
struct Node;
extern struct Node *any_of_function(Oid eq, struct Node *key, Oid fn, struct Node *arg,
									int location);

/* row_origin.c: what it writes as created_at, when set (citus_assertion.c) */
typedef TimestampTz (*RowOriginTimeHook) (void);
extern RowOriginTimeHook row_origin_time_hook;

/* runner_guards.c: a column the extension keeps as a copy (linked_project_ids, owner_project_id) */
extern bool runner_copy_column(const char *column);

/* runner_guards.c: repairs the copies a load with triggers off left wrong; the runners repaired */
struct IdSet;
extern struct IdSet repair_runner_copies(MemoryContext cxt);

/*
 * runner_guards.c: the runner backfill_owners() (backfill.c) is placing
 * right now, or 0; backfill.c sets it for the length of one UPDATE
 */
extern int64 backfill_placing_runner(void);
extern void backfill_set_placing_runner(int64 runner_id);
/* the one this backend places (not a Citus coordinator's, which the hook gives) */
extern int64 backfill_placing_runner_here(void);
/* whether repair_runner_copies() runs in this backend now */
extern bool backfill_repairing_copies_here(void);
typedef int64 (*PlacingRunnerHook) (void);
extern PlacingRunnerHook backfill_placing_runner_hook;
/* and whether it repairs the runners' copies of their links */
typedef bool (*CopiesRepairHook) (void);
extern CopiesRepairHook runner_copies_repair_hook;

/* refusal_hint.c: a refusal with no actor set says so */
extern void refusal_hint_init(void);

/* log_redact.c: keeps tokens out of the server log */
extern void log_redact_init(void);

#endif							/* RUNNER_POLICY_H */
