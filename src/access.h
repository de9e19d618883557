/*-------------------------------------------------------------------------
 *
 * access.h
 *	  Other users' rights on runners: what explain_access() (access.c) and
 *	  the runner_access view (access_view.c) share.  INTERNAL to the
 *	  policy core, like reach.h.
 *
 * Both decide with runner_action_allowed(): the probes of rules.c over a
 * reach, and for link the rule of the ci_runner_projects INSERT policy and
 * guard (a project runner the user may link, and a project to link it to
 * that has no link yet).
 *
 * src/access.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef ACCESS_H
#define ACCESS_H

#include "postgres.h"

#include "reach.h"

/* What one may do to a runner, in the order runner_access lists them. */
typedef enum RunnerAction
{
	ACTION_READ,
	ACTION_UPDATE,
	ACTION_DELETE,
	ACTION_LINK
} RunnerAction;

#define NUM_ACTIONS		4

extern const char *const action_names[NUM_ACTIONS];

/* The action of that name, or -1. */
extern int	action_index(const char *name, int len);

/*
 * What the link rule reads besides the reach, for runners whose links are
 * not on their row (releases before 1.2) and for an administrator's
 * targets (every project): kept for one statement by the caller.  See
 * runner_links() in access.c.
 */
typedef struct LinkedCache
{
	MemoryContext cxt;			/* where the sets live */
	int64		runner_id;		/* whose links "linked" holds; 0 for none */
	IdSet		linked;
	int			lookups;
	uint64		full_key;		/* the targets "full" was counted for */
	int			full_min;
	IdSet		full;			/* the runners linked to all of them */
	int64		projects_at_least;	/* projects known to exist */
	bool		have_projects;	/* that is all of them */
} LinkedCache;

/*
 * May the reach's actor do "action" to the runner?  no_target_left: the
 * runner is already linked to every project the actor could link it to.
 */
extern bool runner_action_allowed(Reach *r, const RunnerFacts *f, RunnerAction action,
								  LinkedCache *lc, bool *no_target_left);

#endif							/* ACCESS_H */
