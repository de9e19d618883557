/*-------------------------------------------------------------------------
 *
 * access.c
 *	  Who may do what to a runner: explain_access(), and the decision it
 *	  shares with the runner_access view (access_view.c).
 *
 * Both answer questions about other users' rights, where the rest of the
 * policy core answers about the actor's own.  Neither decides anything
 * itself: every yes is runner_action_allowed() over a reach that the
 * policy core builds for the user in question (reach_build, or for
 * runner_access the reach of a kind of user, or one narrowed to what a
 * decision reads), asked with the same probes the policies' sets stand for
 * (runner_readable, runner_manageable, runner_linkable).  What this file
 * adds is the words of explain_access(): which membership, group or link a
 * yes rests on, or what is missing.
 *
 * src/access.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "access.h"
#include "actor.h"
#include "owner_spi.h"
#include "reach.h"
#include "runner_policy.h"
#include "statement.h"

PG_FUNCTION_INFO_V1(rp_explain_access);

/* ----------------------------------------------------------------------
 * SQL: explain_access(user_id bigint, runner_id bigint, action text) -> text
 *
 * Why a user may or may not read, update, delete or link a runner.  The
 * answer, yes or no, is the policy core's own: a reach is built for that
 * user exactly as for an actor, and asked with the same probes the
 * policies' sets stand for (runner_readable, runner_manageable, the link
 * set).  Only the words are added here: which membership, group, link or
 * role the yes rests on, or what is missing.  For a DBA: EXECUTE is revoked
 * from PUBLIC, since it names other users' memberships.
 * ---------------------------------------------------------------------- */

const char *const action_names[NUM_ACTIONS] = {
	[ACTION_READ] = "read",
	[ACTION_UPDATE] = "update",
	[ACTION_DELETE] = "delete",
	[ACTION_LINK] = "link",
};

int
action_index(const char *name, int len)
{
	for (int i = 0; i < NUM_ACTIONS; i++)
		if ((int) strlen(action_names[i]) == len && memcmp(name, action_names[i], len) == 0)
			return i;
	return -1;
}

static SavedQuery explain_user = {
	"SELECT username, state FROM runner_policy.users WHERE id = $1",
	1, {INT8OID}, NULL
};
static SavedQuery explain_runner = {
	"SELECT runner_type, sharding_key_id, locked FROM runner_policy.ci_runners WHERE id = $1",
	1, {INT8OID}, NULL
};
static SavedQuery explain_project_path = {
	"SELECT (SELECT pg_catalog.string_agg(n.name, '/' ORDER BY pg_catalog.array_position(pn.traversal_ids, n.id))"
	"          FROM runner_policy.namespaces n WHERE n.id = ANY (pn.traversal_ids))"
	"       OPERATOR(pg_catalog.||) '/' OPERATOR(pg_catalog.||) p.name"
	"  FROM runner_policy.projects p JOIN runner_policy.namespaces pn ON pn.id = p.namespace_id"
	" WHERE p.id = $1", 1, {INT8OID}, NULL
};
static SavedQuery explain_namespace_path = {
	"SELECT (SELECT pg_catalog.string_agg(n.name, '/' ORDER BY pg_catalog.array_position(g.traversal_ids, n.id))"
	"          FROM runner_policy.namespaces n WHERE n.id = ANY (g.traversal_ids))"
	"  FROM runner_policy.namespaces g WHERE g.id = $1", 1, {INT8OID}, NULL
};
static SavedQuery explain_linked_projects = {
	"SELECT project_id FROM runner_policy.ci_runner_projects WHERE runner_id = $1 ORDER BY project_id",
	1, {INT8OID}, NULL
};
/* the membership that gives a user its level on a project: direct first */
static SavedQuery explain_project_membership = {
	"SELECT kind, id, level FROM ("
	"  SELECT 'project'::text AS kind, pm.project_id AS id, pm.access_level AS level"
	"    FROM runner_policy.project_members pm WHERE pm.user_id = $1 AND pm.project_id = $2"
	"  UNION ALL"
	"  SELECT 'group', gm.namespace_id, gm.access_level"
	"    FROM runner_policy.projects p"
	"    JOIN runner_policy.namespaces pn ON pn.id = p.namespace_id"
	"    JOIN runner_policy.group_members gm"
	"      ON gm.user_id = $1 AND gm.namespace_id = ANY (pn.traversal_ids)"
	"   WHERE p.id = $2) m"
	" ORDER BY level DESC, kind DESC, id LIMIT 1", 2, {INT8OID, INT8OID}, NULL
};
static SavedQuery explain_namespace_membership = {
	"SELECT gm.namespace_id, gm.access_level FROM runner_policy.namespaces g"
	"  JOIN runner_policy.group_members gm"
	"    ON gm.user_id = $1 AND gm.namespace_id = ANY (g.traversal_ids)"
	" WHERE g.id = $2 ORDER BY gm.access_level DESC, gm.namespace_id LIMIT 1",
	2, {INT8OID, INT8OID}, NULL
};
static SavedQuery explain_project_below = {
	"SELECT p.id FROM runner_policy.projects p"
	"  JOIN runner_policy.namespaces n ON n.id = p.namespace_id"
	" WHERE p.id = ANY ($1) AND n.traversal_ids @> ARRAY[$2::bigint] ORDER BY p.id LIMIT 1",
	2, {INT8ARRAYOID, INT8OID}, NULL
};

static const char *
level_name(int level)
{
	switch (level)
	{
		case LEVEL_GUEST:
			return "guest";
		case LEVEL_REPORTER:
			return "reporter";
		case LEVEL_DEVELOPER:
			return "developer";
		case LEVEL_MAINTAINER:
			return "maintainer";
		case LEVEL_OWNER:
			return "owner";
	}
	return "member";
}

/* "project 110 (acme/api)" or "group 10 (acme)" */
static void
append_place(StringInfo buf, bool project, int64 id)
{
	Datum		arg = Int64GetDatum(id);
	char	   *path = NULL;

	if (reach_query(project ? &explain_project_path : &explain_namespace_path, &arg) == 1)
		path = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	appendStringInfo(buf, "%s %lld", project ? "project" : "group", (long long) id);
	if (path != NULL)
		appendStringInfo(buf, " (%s)", path);
}

/*
 * "<user> is maintainer (40) of project 110 (acme/api)" or "<user> is owner
 * (50) of group 10 (acme), which contains project 110 (acme/api)": the
 * membership behind the user's level on a project or group.
 */
static void
append_membership(StringInfo buf, const char *username, int64 user_id,
				  bool project, int64 id)
{
	Datum		args[2] = {Int64GetDatum(user_id), Int64GetDatum(id)};
	bool		direct = false;
	int64		from = 0;
	int64		level = 0;

	if (project)
	{
		if (reach_query(&explain_project_membership, args) == 1)
		{
			char	   *kind = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

			direct = strcmp(kind, "project") == 0;
			(void) spi_result_int64(0, 2, &from);
			(void) spi_result_int64(0, 3, &level);
		}
	}
	else if (reach_query(&explain_namespace_membership, args) == 1)
	{
		(void) spi_result_int64(0, 1, &from);
		(void) spi_result_int64(0, 2, &level);
	}
	appendStringInfo(buf, "%s is %s (%d) of ", username, level_name((int) level), (int) level);
	if (project && direct)
		append_place(buf, true, id);
	else
	{
		append_place(buf, false, from);
		if (project || from != id)
		{
			appendStringInfoString(buf, ", which contains ");
			append_place(buf, project, id);
		}
	}
}

/* The first project of "candidates" (sorted) on which the user is level+. */
static int64
first_with_level(Reach *r, const IdSet *candidates, int level)
{
	for (int i = 0; i < candidates->n; i++)
		if (level_of(projects_of(r), candidates->ids[i]) >= level)
			return candidates->ids[i];
	return 0;
}


/*
 * The projects linked to a runner, as the link rule needs them: fetched for
 * one runner at a time and kept while the same runner is asked again (the
 * runner_access view asks for one runner's users in a row).  Past
 * LINKED_LOOKUPS runners (a user's many runners), one count answers for
 * all runners at once: for a few targets, an indexed count over the
 * targets' links (runners_linked_to_all) gives the runners linked to all of
 * them; for many (an administrator's: every project), a count over all
 * links (runners_linked_at_least) leaves only the runners linked to as
 * many projects as there are targets to look at, since any other leaves a
 * target free.
 */
#define LINKED_LOOKUPS		100
#define LINKED_FEW_TARGETS	10000

/* How many projects there are, up to $1: enough to know there are more than n. */
static SavedQuery count_projects_up_to = {
	"SELECT count(*) FROM (SELECT FROM runner_policy.projects LIMIT $1) AS p",
	1, {INT8OID}, NULL
};
static SavedQuery runners_linked_at_least = {
	"SELECT runner_id FROM runner_policy.ci_runner_projects"
	" GROUP BY runner_id HAVING count(*) >= $1", 1, {INT8OID}, NULL
};
static SavedQuery runners_linked_to_all = {
	"SELECT runner_id FROM runner_policy.ci_runner_projects"
	" WHERE project_id = ANY ($1) GROUP BY runner_id HAVING count(*) >= $2",
	2, {INT8ARRAYOID, INT8OID}, NULL
};

/* The projects linked to the runner, kept while it is asked again. */
static const IdSet *
runner_links(LinkedCache *lc, const RunnerFacts *f)
{
	int64		runner_id = f->id;

	if (f->linked_known)
		return &f->linked;		/* on the runner's own row */
	if (lc->runner_id != runner_id)
	{
		Datum		arg = Int64GetDatum(runner_id);

		(void) reach_query(&explain_linked_projects, &arg);
		lc->linked = idset_from_spi(lc->cxt);
		lc->runner_id = runner_id;
		lc->lookups++;
	}
	return &lc->linked;
}

/*
 * Are there more projects than n?  Counted up to a bound, never all of
 * them (a count of 100,000 projects cost a runner's row 10 ms): the most
 * known to exist is kept for the statement, so a user's many runners ask
 * once or twice.  False also when the two snapshots disagree on the count:
 * then the caller looks at the projects themselves.
 */
#define PROJECTS_COUNTED_AT_ONCE	1024

static bool
more_projects_than(LinkedCache *lc, int n)
{
	int64		counted = -1;
	int64		bound = Max((int64) n + 1, PROJECTS_COUNTED_AT_ONCE);
	Datum		arg = Int64GetDatum(bound);

	if (lc->projects_at_least > n)
		return true;
	if (lc->have_projects)
		return false;			/* counted them all: n or fewer */
	if (reach_query(&count_projects_up_to, &arg) == 1)
		(void) spi_result_int64(0, 1, &counted);
	if (counted < 0)
		return false;
	lc->projects_at_least = counted;
	lc->have_projects = counted < bound;
	return counted > n;
}

/*
 * Is the runner linked to every one of "targets"?  targets_key names the
 * set (its reach's build and which set it is), never reused for another.
 */
static bool
all_targets_linked(LinkedCache *lc, const RunnerFacts *f, const IdSet *targets,
				   uint64 targets_key)
{
	int64		runner_id = f->id;
	const IdSet *linked;
	Datum		arg;

	if (targets->n == 0)
		return true;
	if (!f->linked_known && lc->runner_id != runner_id && lc->lookups >= LINKED_LOOKUPS)
	{
		bool		few = targets->n <= LINKED_FEW_TARGETS;

		if (lc->full_key != targets_key || lc->full_min != targets->n)
		{
			if (few)
			{
				Datum		args[2] = {idset_array(targets), Int64GetDatum((int64) targets->n)};

				(void) reach_query(&runners_linked_to_all, args);
			}
			else
			{
				arg = Int64GetDatum((int64) targets->n);
				(void) reach_query(&runners_linked_at_least, &arg);
			}
			lc->full = idset_from_spi(lc->cxt);
			lc->full_key = targets_key;
			lc->full_min = targets->n;
		}
		if (!idset_contains(&lc->full, runner_id))
			return false;
		if (few)
			return true;
	}
	linked = runner_links(lc, f);
	if (linked->n < targets->n)
		return false;
	for (int i = 0; i < targets->n; i++)
		if (!idset_contains(linked, targets->ids[i]))
			return false;
	return true;
}

/*
 * May the reach's actor do "action" to the runner?  The probes the policies'
 * sets stand for, and for link the rule of the ci_runner_projects INSERT
 * policy and guard: a project runner it may link (any, for an
 * administrator) and a project it may link it to that has no link yet.
 * explain_access() and runner_access both decide here.
 */
bool
runner_action_allowed(Reach *r, const RunnerFacts *f, RunnerAction action,
					  LinkedCache *lc, bool *no_target_left)
{
	*no_target_left = false;
	switch (action)
	{
		case ACTION_READ:
			return runner_readable(r, f);
		case ACTION_UPDATE:
		case ACTION_DELETE:
			return runner_manageable(r, f);
		case ACTION_LINK:
			{
				bool		admin = reaches_all(r, RA_ADMIN);
				ReachSet	which = admin ? RS_PROJECTS_ALL : RS_LINK_PROJECTS;
				IdSet		targets;

				if (f->type != RUNNER_TYPE_PROJECT || !runner_linkable(r, f))
					return false;
				/*
				 * An administrator's targets are every project: a runner
				 * linked to fewer projects than there are leaves one free,
				 * known from a count without the 100,000 ids of the set.
				 */
				if (admin && !r->have_set[RS_PROJECTS_ALL] && lc->lookups < LINKED_LOOKUPS &&
					more_projects_than(lc, runner_links(lc, f)->n))
					return true;
				targets = set_of(r, which);
				*no_target_left = all_targets_linked(lc, f, &targets,
													 r->build * NUM_REACH_SETS + which + 1);
				return !*no_target_left;
			}
	}
	return false;
}

/* Whom explain_runner_access() is about, for the words of its answer. */
typedef struct Explained
{
	const char *username;
	int64		user_id;
	int64		runner_id;
	RunnerAction action;
} Explained;

/* A group runner: the membership on its owner namespace, or what is missing. */
static void
explain_group_runner(StringInfo buf, Reach *r, const Explained *who, bool allowed,
					 int64 owner)
{
	int			need = who->action == ACTION_READ ? LEVEL_MAINTAINER : LEVEL_OWNER;

	if (allowed && level_of(namespaces_of(r), owner) >= need)
		append_membership(buf, who->username, who->user_id, false, owner);
	else if (allowed)
	{
		/* maintainer+ of a project in the group's subtree */
		IdSet		maintained = set_of(r, RS_PROJECT_MAINTAINED);
		Datum		args[2] = {idset_array(&maintained), Int64GetDatum(owner)};
		int64		project = 0;

		if (reach_query(&explain_project_below, args) == 1)
			(void) spi_result_int64(0, 1, &project);
		append_membership(buf, who->username, who->user_id, true, project);
		appendStringInfoString(buf, ", which is in ");
		append_place(buf, false, owner);
	}
	else
	{
		appendStringInfo(buf, "%s is not %s (%d) or more of ", who->username, level_name(need), need);
		append_place(buf, false, owner);
		appendStringInfo(buf, who->action == ACTION_READ ?
						 ", an ancestor of it or a project in it" : " or an ancestor of it");
	}
	appendStringInfo(buf, ", which owns runner %lld", (long long) who->runner_id);
}

/* A project runner updated or deleted: maintainer+ of its owner project. */
static void
explain_owned_runner(StringInfo buf, const Explained *who, bool allowed, int64 owner)
{
	if (allowed)
		append_membership(buf, who->username, who->user_id, true, owner);
	else
	{
		appendStringInfo(buf, "%s is not maintainer (" CppAsString2(LEVEL_MAINTAINER) ") or more of ", who->username);
		append_place(buf, true, owner);
	}
	appendStringInfo(buf, ", which owns runner %lld", (long long) who->runner_id);
}

/*
 * A project runner read or linked: maintainer+ of a project the runner is
 * linked to, or what is missing.
 */
static void
explain_linked_runner(StringInfo buf, Reach *r, const Explained *who, bool locked,
					  int64 owner)
{
	IdSet		linked;
	int64		project;
	Datum		arg = Int64GetDatum(who->runner_id);

	(void) reach_query(&explain_linked_projects, &arg);
	linked = idset_from_spi(r->cxt);
	project = first_with_level(r, &linked, LEVEL_MAINTAINER);
	if (who->action == ACTION_LINK && locked)
	{
		buf->len = 0;
		appendStringInfo(buf, "no: runner %lld is locked to the projects it is linked to",
						 (long long) who->runner_id);
	}
	else if (project != 0)
	{
		append_membership(buf, who->username, who->user_id, true, project);
		appendStringInfo(buf, project == owner ? ", which owns runner %lld" :
						 ", which is linked to runner %lld", (long long) who->runner_id);
		if (who->action == ACTION_LINK)
			appendStringInfo(buf, "; %s may link it to any project of which %s is maintainer (" CppAsString2(LEVEL_MAINTAINER) ") or more",
							 who->username, who->username);
	}
	else
	{
		appendStringInfo(buf, "%s is not maintainer (" CppAsString2(LEVEL_MAINTAINER) ") or more of ", who->username);
		append_place(buf, true, owner);
		appendStringInfo(buf, ", which owns runner %lld", (long long) who->runner_id);
		if (linked.n == 2)
			appendStringInfoString(buf, ", or of the other project linked to it");
		else if (linked.n > 2)
			appendStringInfo(buf, ", or of any of the %d other projects linked to it",
							 linked.n - 1);
	}
}

static char *
explain_runner_access(int64 user_id, int64 runner_id, RunnerAction action)
{
	StringInfoData buf;
	Datum		arg;
	char	   *username;
	char	   *state;
	int64		type = 0;
	int64		owner = 0;
	bool		has_owner;
	bool		locked;
	bool		isnull;
	Actor		actor;
	Reach	   *r;
	RunnerFacts facts;
	LinkedCache links;
	bool		allowed = false;
	bool		no_target_left = false;
	const char *verb = action_names[action];
	Explained	who = {NULL, user_id, runner_id, action};

	initStringInfo(&buf);

	arg = Int64GetDatum(user_id);
	if (reach_query(&explain_user, &arg) == 0)
	{
		appendStringInfo(&buf, "no: there is no user %lld", (long long) user_id);
		return buf.data;
	}
	username = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	state = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	who.username = username;

	arg = Int64GetDatum(runner_id);
	if (reach_query(&explain_runner, &arg) == 0)
	{
		appendStringInfo(&buf, "no: there is no runner %lld", (long long) runner_id);
		return buf.data;
	}
	(void) spi_result_int64(0, 1, &type);
	has_owner = spi_result_int64(0, 2, &owner);
	locked = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));

	if (strcmp(state, "active") != 0)
	{
		appendStringInfo(&buf, "no: %s is %s, and a blocked user may do nothing", username, state);
		return buf.data;
	}

	/* the decision: the policy core's, for this user as an actor */
	memset(&actor, 0, sizeof(actor));
	actor.kind = ACTOR_USER;
	actor.user_id = user_id;
	r = reach_build(&actor);
	if (!stored_runner(runner_id, &facts))
	{
		facts.id = runner_id;
		facts.type = (int) type;
		facts.has_owner = has_owner;
		facts.owner = owner;
		facts.locked = locked;
	}
	memset(&links, 0, sizeof(links));
	links.cxt = CurrentMemoryContext;
	allowed = runner_action_allowed(r, &facts, action, &links, &no_target_left);

	/* the words: what the yes rests on, or what is missing */
	appendStringInfoString(&buf, allowed ? "yes: " : "no: ");
	if (action == ACTION_LINK && type != RUNNER_TYPE_PROJECT)
		appendStringInfo(&buf, "runner %lld is an %s runner, and only project runners are linked to projects",
						 (long long) runner_id, type == RUNNER_TYPE_INSTANCE ? "instance" : "group");
	else if (action == ACTION_LINK && no_target_left &&
			 (r->admin || (!locked && runner_linkable(r, &facts))))
		appendStringInfo(&buf, "runner %lld is already linked to every project %s could link it to",
						 (long long) runner_id, username);
	else if (r->admin)
		appendStringInfo(&buf, "%s is an administrator, who may %s every runner", username, verb);
	else if (r->auditor && action == ACTION_READ)
		appendStringInfo(&buf, "%s is an auditor, who reads every runner", username);
	else if (type == RUNNER_TYPE_INSTANCE)
	{
		if (action == ACTION_READ)
			appendStringInfo(&buf, "runner %lld is an instance runner, which every active user reads",
							 (long long) runner_id);
		else
			appendStringInfo(&buf, "runner %lld is an instance runner, and only administrators %s instance runners",
							 (long long) runner_id, verb);
	}
	else if (type == RUNNER_TYPE_GROUP && !has_owner)
		appendStringInfo(&buf, "group runner %lld has no owner namespace", (long long) runner_id);
	else if (type == RUNNER_TYPE_GROUP)
		explain_group_runner(&buf, r, &who, allowed, owner);
	else if (!has_owner)
		appendStringInfo(&buf, "project runner %lld has no owner project", (long long) runner_id);
	else if (action == ACTION_UPDATE || action == ACTION_DELETE)
		explain_owned_runner(&buf, &who, allowed, owner);
	else
		explain_linked_runner(&buf, r, &who, locked, owner);

	MemoryContextDelete(r->cxt);
	return buf.data;
}

Datum
rp_explain_access(PG_FUNCTION_ARGS)
{
	int64		user_id;
	int64		runner_id;
	char	   *action_text;
	int			action = -1;
	char	   *answer = NULL;
	MemoryContext caller = CurrentMemoryContext;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("user_id, runner_id and action must not be null")));
	user_id = PG_GETARG_INT64(0);
	runner_id = PG_GETARG_INT64(1);
	action_text = text_to_cstring(PG_GETARG_TEXT_PP(2));
	action = action_index(action_text, strlen(action_text));
	if (action < 0)
	{
		int			cut = pg_mbcliplen(action_text, strlen(action_text), 40);

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unrecognized action \"%.*s\"", cut, action_text),
				 errhint("Actions are read, update, delete and link.")));
	}

	WITH_CALL(
			  {
				  char *text = explain_runner_access(user_id, runner_id, (RunnerAction) action);

				  answer = MemoryContextStrdup(caller, text);
			  });
	PG_RETURN_TEXT_P(cstring_to_text(answer));
}

/* The saved queries of this file, for runner_policy.saved_queries() (saved_queries.c). */
const SavedQueryEntry access_saved_queries[] = {
	SAVED_QUERY_ENTRY(explain_user),
	SAVED_QUERY_ENTRY(explain_runner),
	SAVED_QUERY_ENTRY(explain_project_path),
	SAVED_QUERY_ENTRY(explain_namespace_path),
	SAVED_QUERY_ENTRY(explain_linked_projects),
	SAVED_QUERY_ENTRY(explain_project_membership),
	SAVED_QUERY_ENTRY(explain_namespace_membership),
	SAVED_QUERY_ENTRY(explain_project_below),
	SAVED_QUERY_ENTRY(count_projects_up_to),
	SAVED_QUERY_ENTRY(runners_linked_at_least),
	SAVED_QUERY_ENTRY(runners_linked_to_all),
	{NULL, NULL}
};
