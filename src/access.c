/*-------------------------------------------------------------------------
 *
 * access.c
 *	  Who may do what to a runner: explain_access() and the runner_access
 *	  view.
 *
 * Both answer questions about other users' rights, where the rest of the
 * policy core answers about the actor's own.  Neither decides anything
 * itself: every yes is runner_action_allowed() over a reach that the
 * policy core builds for the user in question (reach_build), asked with
 * the same probes the policies' sets stand for (runner_readable,
 * runner_manageable, the link sets).  What this file adds is the words of
 * explain_access() (which membership, group or link a yes rests on) and,
 * for runner_access, the candidates and caches that keep the view from
 * deciding all users x all runners (see the runner_access banner below).
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

typedef enum RunnerAction
{
	ACTION_READ,
	ACTION_UPDATE,
	ACTION_DELETE,
	ACTION_LINK
} RunnerAction;

static const char *const action_names[] = {"read", "update", "delete", "link"};

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

typedef struct LinkedCache
{
	MemoryContext cxt;			/* where the sets live */
	int64		runner_id;		/* whose links "linked" holds; 0 for none */
	IdSet		linked;
	int			lookups;
	uint64		full_key;		/* the targets "full" was counted for */
	int			full_min;
	IdSet		full;			/* the runners linked to all of them */
	bool		have_projects;
	int64		projects;		/* how many projects there are */
} LinkedCache;

static SavedQuery count_projects = {
	"SELECT count(*) FROM runner_policy.projects", 0, {InvalidOid}, NULL
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

/* How many projects there are (-1 if the two snapshots disagree). */
static int64
project_count(LinkedCache *lc)
{
	if (!lc->have_projects)
	{
		lc->projects = -1;
		if (reach_query(&count_projects, NULL) == 1)
			(void) spi_result_int64(0, 1, &lc->projects);
		lc->have_projects = true;
	}
	return lc->projects;
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
static bool
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
				if (admin && !r->have_set[RS_PROJECTS_ALL] && lc->lookups < LINKED_LOOKUPS)
				{
					int64		projects = project_count(lc);

					if (projects >= 0 && runner_links(lc, f)->n < projects)
						return true;
				}
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
	for (int i = 0; i < (int) lengthof(action_names); i++)
		if (strcmp(action_text, action_names[i]) == 0)
			action = i;
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

/* ----------------------------------------------------------------------
 * SQL: the runner_access view (SPEC section 9)
 *
 * Who may read, update, delete or link which runner.  The view is
 *
 *	 users u JOIN ci_runners r ON access_candidate(u..., r...)
 *	 CROSS JOIN LATERAL unnest(access_actions(u..., r...))
 *
 * and every yes in it is the policy core's: runner_action_allowed() on a
 * reach built for the user, as explain_access() asks.  Three things keep
 * it from ever deciding all users x all runners:
 *
 * - access_candidate() has a planner support function that turns it into
 *	 an index condition on either side: "r.id = ANY (runners_of_user(u.id))"
 *	 when users is the outer side, "u.id = ANY (users_of_runner(r.id))" when
 *	 runners is, so WHERE user_id = Y and WHERE runner_id = X each become an
 *	 index scan and a nested loop over the candidates.  runners_of_user()
 *	 is the union of the core's own runner sets for that user (every yes of
 *	 the rules goes through one of them); users_of_runner() is an indexed
 *	 query that only narrows (maintainers and owners of the runner's
 *	 projects and groups, administrators, auditors, and every active user
 *	 for an instance runner).  Candidates are then decided one by one.
 * - Users are decided by kind first.  A reach for a user of the same kind
 *	 (administrator, auditor, active) with no memberships is asked; if the
 *	 decision never looked at the memberships (the reach tracks it, see
 *	 levels_asked), it holds for every user of that kind, and no reach is
 *	 built for the user at all.  So an instance runner's 100,000 readers
 *	 cost one decision, not 100,000 reach builds.  The kind comes from the
 *	 users row the view reads.
 * - Everything is kept for the statement: the kind reaches, the last
 *	 user's reach, the last runner's links, the last pair's answer.
 *
 * Who may read it: SELECT is granted by the DBA, and every function checks
 * the session besides (access_check): an actor must be an administrator or
 * an auditor acting as themselves; with no actor, the role must hold
 * EXECUTE on explain_access(), the DBA's right to see others' rights.  So
 * an application role granted the view for its administrators reads
 * nothing when it forgets to name its user.
 * ---------------------------------------------------------------------- */

PG_FUNCTION_INFO_V1(rp_access_actions);
PG_FUNCTION_INFO_V1(rp_access_candidate);
PG_FUNCTION_INFO_V1(rp_access_candidate_support);
PG_FUNCTION_INFO_V1(rp_runners_of_user);
PG_FUNCTION_INFO_V1(rp_users_of_runner);

#define NUM_ACTIONS		((int) lengthof(action_names))

typedef struct AccessState
{
	MemoryContext cxt;
	LocalTransactionId lxid;
	uint64		statement;
	uint64		generation;

	bool		checked;		/* the session may read runner_access */

	Reach	   *kind[2][2];		/* by admin, auditor: no memberships */
	bool		kind_failed[2][2];	/* its representative was not of the kind */
	Reach	   *user;			/* the last user's own reach */
	LinkedCache links;

	bool		have_pair;		/* the last pair decided, and its answer */
	int64		pair_user;
	int64		pair_runner;
	uint8		pair_mask;

	int64		runners_user;	/* the last runners_of_user() answer */
	Datum		runners_array;
	int64		users_runner;	/* the last users_of_runner() answer */
	Datum		users_array;
} AccessState;

static AccessState *access_state = NULL;

/* The state of the running statement, made anew for every statement. */
static AccessState *
access_current(void)
{
	AccessState *st = access_state;

	if (st != NULL && st->lxid == CURRENT_LXID &&
		st->statement == statement_number() &&
		st->generation == actor_generation())
		return st;
	if (st != NULL)
		MemoryContextDelete(st->cxt);
	access_state = NULL;
	{
		MemoryContext cxt = AllocSetContextCreate(TopMemoryContext, "runner_policy access",
												  ALLOCSET_DEFAULT_SIZES);

		st = MemoryContextAllocZero(cxt, sizeof(AccessState));
		st->cxt = cxt;
	}
	st->lxid = CURRENT_LXID;
	st->statement = statement_number();
	st->generation = actor_generation();
	st->links.cxt = st->cxt;
	access_state = st;
	return st;
}

static Oid
explain_access_oid(void)
{
	Oid			argtypes[3] = {INT8OID, INT8OID, TEXTOID};
	char	   *schema = get_namespace_name(runner_policy_extension_schema());

	return LookupFuncName(list_make2(makeString(schema), makeString("explain_access")),
						  3, argtypes, true);
}

/* Refuses a session that may not see other users' rights. */
static void
access_check(AccessState *st)
{
	const Actor *actor;
	bool		ok = false;

	if (st->checked)
		return;
	actor = actor_current();
	if (actor->kind == ACTOR_NONE)
	{
		Oid			fn = explain_access_oid();

#if PG_VERSION_NUM >= 160000
		ok = OidIsValid(fn) && object_aclcheck(ProcedureRelationId, fn, GetUserId(),
											   ACL_EXECUTE) == ACLCHECK_OK;
#else
		ok = OidIsValid(fn) && pg_proc_aclcheck(fn, GetUserId(), ACL_EXECUTE) == ACLCHECK_OK;
#endif
	}
	else
	{
		Reach	   *r;

		WITH_REACH(r, ok = r->live && KIND(r) == ACTOR_USER && sees_everything(r));
	}
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to read runner_access"),
				 errdetail("Who may do what to runners is shown to administrators and auditors acting as themselves, and, with no actor, to roles that may run explain_access()."),
				 errhint("Ask a DBA, or use explain_access().")));
	st->checked = true;
}

/* A reach of the statement: freed with it. */
static Reach *
access_reach(AccessState *st, int64 user_id)
{
	Actor		actor;
	Reach	   *r;

	memset(&actor, 0, sizeof(actor));
	actor.kind = ACTOR_USER;
	actor.user_id = user_id;
	r = reach_build(&actor);
	MemoryContextSetParent(r->cxt, st->cxt);
	return r;
}

/*
 * The reach that answers for every active user of a kind with no
 * memberships: built for the first such user met, its own memberships
 * left out.  NULL when that user turned out not to be of the kind (the row
 * the view read and the newest state disagree): then each user is decided
 * by its own reach.
 */
static Reach *
kind_reach(AccessState *st, int64 user_id, bool admin, bool auditor)
{
	Reach	   *r = st->kind[admin][auditor];

	if (r != NULL || st->kind_failed[admin][auditor])
		return r;
	r = access_reach(st, user_id);
	if (!r->live || r->admin != admin || r->auditor != auditor)
	{
		MemoryContextDelete(r->cxt);
		return NULL;			/* try again with the next user of the kind */
	}
	r->have_levels = true;		/* no memberships: empty maps */
	st->kind[admin][auditor] = r;
	return r;
}

static Reach *
user_reach(AccessState *st, int64 user_id)
{
	if (st->user != NULL && st->user->actor.user_id == user_id)
		return st->user;
	if (st->user != NULL)
		MemoryContextDelete(st->user->cxt);
	st->user = NULL;
	st->user = access_reach(st, user_id);
	return st->user;
}

static uint8
decide_all(Reach *r, AccessState *st, const RunnerFacts *f)
{
	uint8		mask = 0;
	bool		no_target_left;

	for (int a = 0; a < NUM_ACTIONS; a++)
		if (runner_action_allowed(r, f, (RunnerAction) a, &st->links, &no_target_left))
			mask |= 1 << a;
	return mask;
}

/* What the user may do to the runner, one bit per action. */
static uint8
access_mask(AccessState *st, int64 user_id, bool admin, bool auditor, bool active,
			const RunnerFacts *f)
{
	uint8		mask = 0;
	bool		decided = false;

	if (st->have_pair && st->pair_user == user_id && st->pair_runner == f->id)
		return st->pair_mask;

	if (active)
	{
		Reach	   *k = kind_reach(st, user_id, admin, auditor);

		if (k != NULL)
		{
			k->levels_asked = false;
			mask = decide_all(k, st, f);
			decided = !k->levels_asked;
		}
	}
	if (!decided)
		mask = decide_all(user_reach(st, user_id), st, f);

	st->have_pair = true;
	st->pair_user = user_id;
	st->pair_runner = f->id;
	st->pair_mask = mask;
	return mask;
}

/*
 * The arguments of access_actions() and access_candidate(): the user's id,
 * admin, auditor and state, and the runner's id, type, owner and locked,
 * as the view reads them.  The facts are taken as given: a caller who
 * passes others gets the answer for those (it may read the truth anyway).
 */
static uint8
access_mask_of_args(FunctionCallInfo fcinfo)
{
	AccessState *st;
	RunnerFacts f;
	uint8		mask = 0;
	int64		user_id;
	bool		admin,
				auditor,
				active;

	memset(&f, 0, sizeof(f));
	for (int i = 0; i < 8; i++)
		if (PG_ARGISNULL(i) && i != 6)
			return 0;
	user_id = PG_GETARG_INT64(0);
	admin = PG_GETARG_BOOL(1);
	auditor = PG_GETARG_BOOL(2);
	{
		text	   *state = PG_GETARG_TEXT_PP(3);

		active = VARSIZE_ANY_EXHDR(state) == 6 &&
			memcmp(VARDATA_ANY(state), "active", 6) == 0;
	}
	f.id = PG_GETARG_INT64(4);
	f.type = PG_GETARG_INT16(5);
	f.has_owner = !PG_ARGISNULL(6);
	f.owner = f.has_owner ? PG_GETARG_INT64(6) : 0;
	f.locked = PG_GETARG_BOOL(7);

	st = access_current();
	access_check(st);
	WITH_CALL(mask = access_mask(st, user_id, admin, auditor, active, &f));
	return mask;
}

/* access_actions(...) -> text[]: the actions allowed, in the order of action_names */
Datum
rp_access_actions(PG_FUNCTION_ARGS)
{
	uint8		mask = access_mask_of_args(fcinfo);
	Datum		elems[NUM_ACTIONS];
	int			n = 0;

	for (int a = 0; a < NUM_ACTIONS; a++)
		if (mask & (1 << a))
			elems[n++] = CStringGetTextDatum(action_names[a]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* access_candidate(...) -> boolean: the user may do anything to the runner */
Datum
rp_access_candidate(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(access_mask_of_args(fcinfo) != 0);
}

/* ---- the candidates ---- */

static SavedQuery runners_of_types = {
	"SELECT id FROM runner_policy.ci_runners WHERE runner_type = ANY ($1)",
	1, {INT8ARRAYOID}, NULL
};
static SavedQuery group_runners_owned_by = {
	"SELECT id FROM runner_policy.ci_runners"
	" WHERE runner_type = " CppAsString2(RUNNER_TYPE_GROUP) " AND sharding_key_id = ANY ($1)", 1, {INT8ARRAYOID}, NULL
};
static SavedQuery active_users = {
	"SELECT id FROM runner_policy.users WHERE state = 'active'", 0, {InvalidOid}, NULL
};

/*
 * The users who may have a right on a project runner: maintainers and
 * owners of its owner project and linked projects, directly or through an
 * ancestor group; and administrators and auditors.  (SPEC section 5: every
 * right on a project runner needs maintainer of one of those.)
 */
static SavedQuery project_runner_users = {
	"WITH p AS ("
	"  SELECT $2::bigint AS id"
	"  UNION SELECT project_id FROM runner_policy.ci_runner_projects WHERE runner_id = $1)"
	" SELECT pm.user_id FROM p JOIN runner_policy.project_members pm ON pm.project_id = p.id"
	"  WHERE pm.access_level >= " CppAsString2(LEVEL_MAINTAINER)
	" UNION SELECT gm.user_id FROM p"
	"   JOIN runner_policy.projects pr ON pr.id = p.id"
	"   JOIN runner_policy.namespaces n ON n.id = pr.namespace_id"
	"   JOIN runner_policy.group_members gm ON gm.namespace_id = ANY (n.traversal_ids)"
	"  WHERE gm.access_level >= " CppAsString2(LEVEL_MAINTAINER)
	" UNION SELECT id FROM runner_policy.users WHERE admin OR auditor",
	2, {INT8OID, INT8OID}, NULL
};

/*
 * The users who may have a right on a group runner: maintainers and owners
 * of its group or an ancestor, of a group below it, or of a project below
 * it; and administrators and auditors.
 */
static SavedQuery group_runner_users = {
	"WITH below AS ("
	"  SELECT id FROM runner_policy.namespaces WHERE traversal_ids @> ARRAY[$1::bigint])"
	" SELECT gm.user_id FROM runner_policy.namespaces g"
	"   JOIN runner_policy.group_members gm ON gm.namespace_id = ANY (g.traversal_ids)"
	"  WHERE g.id = $1 AND gm.access_level >= " CppAsString2(LEVEL_MAINTAINER)
	" UNION SELECT gm.user_id FROM below"
	"   JOIN runner_policy.group_members gm ON gm.namespace_id = below.id"
	"  WHERE gm.access_level >= " CppAsString2(LEVEL_MAINTAINER)
	" UNION SELECT pm.user_id FROM below"
	"   JOIN runner_policy.projects p ON p.namespace_id = below.id"
	"   JOIN runner_policy.project_members pm ON pm.project_id = p.id"
	"  WHERE pm.access_level >= " CppAsString2(LEVEL_MAINTAINER)
	" UNION SELECT id FROM runner_policy.users WHERE admin OR auditor",
	1, {INT8OID}, NULL
};

static IdSet
access_query_ids(AccessState *st, SavedQuery *query, Datum *args)
{
	(void) reach_query(query, args);
	return idset_from_spi(st->cxt);
}

/*
 * The runners on which the user may have a right: the union of the core's
 * own sets that the runner probes ask (runner_readable, runner_manageable,
 * the link rule), turned into runner ids.  Every yes of those probes goes
 * through one of them, so no runner with a right is left out.
 */
static IdSet
candidate_runners(AccessState *st, int64 user_id)
{
	Reach	   *r = user_reach(st, user_id);
	IdSet		out = {NULL, 0};
	IdSet		types;
	IdSet		owners;
	Datum		arg;

	out.ids = MemoryContextAlloc(st->cxt, sizeof(int64));
	if (reaches_all(r, RA_RUNNERS_READ))
	{
		int64		every[3] = {RUNNER_TYPE_INSTANCE, RUNNER_TYPE_GROUP, RUNNER_TYPE_PROJECT};

		types = idset_of(r->cxt, every, 3);
	}
	else
		types = idset_union(r->cxt, set_of(r, RS_RUNNER_READ_TYPES), set_of(r, RS_RUNNER_WRITE_TYPES));
	if (types.n > 0)
	{
		arg = idset_array(&types);
		out = idset_union(st->cxt, out, access_query_ids(st, &runners_of_types, &arg));
	}
	if (types.n == 3)
		return out;				/* every runner */
	/* project runners linked to a project the user maintains, or owned by one */
	out = idset_union(st->cxt, out, set_of(r, RS_LEGACY_RUNNER_READ_IDS));
	out = idset_union(st->cxt, out, set_of(r, RS_LEGACY_LINK_RUNNERS));
	out = idset_union(st->cxt, out, set_of(r, RS_LEGACY_UNLINK_RUNNERS));
	out = idset_union(st->cxt, out, set_of(r, RS_LEGACY_LINK_READ_RUNNERS));
	owners = idset_union(r->cxt, set_of(r, RS_RUNNER_READ_GROUPS), set_of(r, RS_RUNNER_WRITE_GROUPS));
	if (owners.n > 0)
	{
		arg = idset_array(&owners);
		out = idset_union(st->cxt, out, access_query_ids(st, &group_runners_owned_by, &arg));
	}
	return out;
}

/* The users who may have a right on the runner (a superset: see above). */
static IdSet
candidate_users(AccessState *st, int64 runner_id)
{
	RunnerFacts runner;
	Datum		args[2];

	if (!stored_runner(runner_id, &runner))
	{
		IdSet		none = {MemoryContextAlloc(st->cxt, sizeof(int64)), 0};

		return none;
	}
	if (runner.type == RUNNER_TYPE_INSTANCE)
		return access_query_ids(st, &active_users, NULL);
	args[0] = Int64GetDatum(runner.type == RUNNER_TYPE_GROUP ? runner.owner : runner_id);
	args[1] = Int64GetDatum(runner.owner);
	if (runner.type == RUNNER_TYPE_GROUP)
	{
		if (!runner.has_owner)
			args[0] = Int64GetDatum(0);
		return access_query_ids(st, &group_runner_users, args);
	}
	if (!runner.has_owner)
		args[1] = Int64GetDatum(0);
	return access_query_ids(st, &project_runner_users, args);
}

/* runners_of_user(user_id bigint) -> bigint[]: the runner candidates of a user */
Datum
rp_runners_of_user(PG_FUNCTION_ARGS)
{
	AccessState *st;
	int64		user_id;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	user_id = PG_GETARG_INT64(0);
	st = access_current();
	access_check(st);
	if (st->runners_array == (Datum) 0 || st->runners_user != user_id)
		WITH_CALL(
				  {
					  IdSet set = candidate_runners(st, user_id);
					  MemoryContext old = MemoryContextSwitchTo(st->cxt);

					  st->runners_array = idset_array(&set);
					  st->runners_user = user_id;
					  MemoryContextSwitchTo(old);
				  });
	PG_RETURN_DATUM(datumCopy(st->runners_array, false, -1));
}

/* users_of_runner(runner_id bigint) -> bigint[]: the user candidates of a runner */
Datum
rp_users_of_runner(PG_FUNCTION_ARGS)
{
	AccessState *st;
	int64		runner_id;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	runner_id = PG_GETARG_INT64(0);
	st = access_current();
	access_check(st);
	if (st->users_array == (Datum) 0 || st->users_runner != runner_id)
		WITH_CALL(
				  {
					  IdSet set = candidate_users(st, runner_id);
					  MemoryContext old = MemoryContextSwitchTo(st->cxt);

					  st->users_array = idset_array(&set);
					  st->users_runner = runner_id;
					  MemoryContextSwitchTo(old);
				  });
	PG_RETURN_DATUM(datumCopy(st->users_array, false, -1));
}

/*
 * The planner support of access_candidate(user_id, admin, auditor, state,
 * runner_id, type, owner, locked), as PostGIS makes ST_Intersects indexable:
 *
 * - SupportRequestIndexCondition: on a btree index whose column is the
 *	 user_id argument, "user_id = ANY (users_of_runner(runner_id))"; on one
 *	 whose column is runner_id, "runner_id = ANY (runners_of_user(user_id))".
 *	 Lossy: the call itself is checked on every candidate.  The other side
 *	 must be another relation (a parameter of a nested loop) or a constant.
 * - SupportRequestSelectivity: a user reaches few runners, so that the
 *	 planner never prefers a cross join.
 */
#define ACCESS_ARG_USER		0
#define ACCESS_ARG_RUNNER	4

static Oid
access_function_oid(const char *name)
{
	Oid			argtypes[1] = {INT8OID};
	char	   *schema = get_namespace_name(runner_policy_extension_schema());

	return LookupFuncName(list_make2(makeString(schema), makeString(pstrdup(name))),
						  1, argtypes, false);
}

Datum
rp_access_candidate_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);

	if (IsA(rawreq, SupportRequestSelectivity))
	{
		SupportRequestSelectivity *req = (SupportRequestSelectivity *) rawreq;

		req->selectivity = req->is_join ? 1e-6 : 1e-3;
		PG_RETURN_POINTER(req);
	}
	if (IsA(rawreq, SupportRequestIndexCondition))
	{
		SupportRequestIndexCondition *req = (SupportRequestIndexCondition *) rawreq;
		FuncExpr   *clause = (FuncExpr *) req->node;
		Node	   *key;
		Node	   *other;
		Oid			eq;

		if (!is_funcclause(clause) || list_length(clause->args) != 8 ||
			(req->indexarg != ACCESS_ARG_USER && req->indexarg != ACCESS_ARG_RUNNER) ||
			req->index->relam != BTREE_AM_OID)
			PG_RETURN_POINTER(NULL);
		key = (Node *) list_nth(clause->args, req->indexarg);
		other = (Node *) list_nth(clause->args, req->indexarg == ACCESS_ARG_USER ?
								  ACCESS_ARG_RUNNER : ACCESS_ARG_USER);
		if (exprType(key) != INT8OID || exprType(other) != INT8OID ||
			!is_pseudo_constant_for_index(req->root, other, req->index))
			PG_RETURN_POINTER(NULL);
		eq = get_opfamily_member(req->opfamily, INT8OID, INT8OID, BTEqualStrategyNumber);
		if (!OidIsValid(eq))
			PG_RETURN_POINTER(NULL);

		req->lossy = true;
		PG_RETURN_POINTER(list_make1(any_of_function(eq, key,
													 access_function_oid(req->indexarg == ACCESS_ARG_USER ?
																		 "users_of_runner" : "runners_of_user"),
													 other, -1)));
	}
	PG_RETURN_POINTER(NULL);
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
	SAVED_QUERY_ENTRY(count_projects),
	SAVED_QUERY_ENTRY(runners_linked_at_least),
	SAVED_QUERY_ENTRY(runners_linked_to_all),
	SAVED_QUERY_ENTRY(runners_of_types),
	SAVED_QUERY_ENTRY(group_runners_owned_by),
	SAVED_QUERY_ENTRY(active_users),
	SAVED_QUERY_ENTRY(project_runner_users),
	SAVED_QUERY_ENTRY(group_runner_users),
	{NULL, NULL}
};
