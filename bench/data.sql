/*
 * bench/data.sql: the benchmark's forge, loaded by a superuser with the
 * extension's triggers on (traversal_ids and the runners' owner links are
 * written by the extension, as in production).
 *
 * Shape (ids are fixed, so that every run sees the same data):
 *   users        20,003: 1 admin, 2 auditor, 3 the maintainer, 4.. others
 *   namespaces    2,000: 100 roots, 300 at depth 2, 900 at depth 3,
 *                        700 at depth 4 (parents inserted before children)
 *   projects     10,000: 5 per namespace, 70% private, 20% internal, 10% public
 *   members      ~60k project memberships, ~10k group memberships of others;
 *                the maintainer: maintainer (40) of 20 projects in 20
 *                different namespaces, developer (30) of one root group,
 *                reporter (20) of another, guest (10) of a few projects
 *   ci_runners  100,000: 1,000 instance (1%), 9,000 group (9%, ~4.5 per
 *                namespace), 90,000 project (90%, 9 per project); one
 *                project runner in ten is also linked to 1-3 more projects
 *   ci_builds   200,000: 70% success, 10% failed, 5% canceled, 5% running,
 *                8% pending, 2% created
 *
 * Random choices are seeded (setseed) so the data is the same on every run.
 */
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT setseed(0.42);

/* ---- users ---- */
INSERT INTO runner_policy.users (id, username, admin, auditor, state)
VALUES (1, 'bench_admin', true, false, 'active'),
	   (2, 'bench_auditor', false, true, 'active'),
	   (3, 'bench_maintainer', false, false, 'active');
INSERT INTO runner_policy.users (id, username, state)
SELECT u, 'user' || u, CASE WHEN u % 100 = 0 THEN 'blocked' ELSE 'active' END
  FROM generate_series(4, 20003) AS u;

/* ---- namespaces, one level at a time (the trigger reads the parent) ---- */
INSERT INTO runner_policy.namespaces (id, parent_id, name, visibility)
SELECT g, NULL, 'group' || g,
	   CASE WHEN g % 10 = 0 THEN 'public' WHEN g % 10 IN (1, 2) THEN 'internal' ELSE 'private' END
  FROM generate_series(1, 100) AS g;
INSERT INTO runner_policy.namespaces (id, parent_id, name, visibility)
SELECT g, 1 + (g - 101) / 3, 'group' || g,
	   CASE WHEN g % 10 = 0 THEN 'public' WHEN g % 10 IN (1, 2) THEN 'internal' ELSE 'private' END
  FROM generate_series(101, 400) AS g;
INSERT INTO runner_policy.namespaces (id, parent_id, name, visibility)
SELECT g, 101 + (g - 401) / 3, 'group' || g,
	   CASE WHEN g % 10 = 0 THEN 'public' WHEN g % 10 IN (1, 2) THEN 'internal' ELSE 'private' END
  FROM generate_series(401, 1300) AS g;
INSERT INTO runner_policy.namespaces (id, parent_id, name, visibility)
SELECT g, 401 + (g - 1301), 'group' || g,
	   CASE WHEN g % 10 = 0 THEN 'public' WHEN g % 10 IN (1, 2) THEN 'internal' ELSE 'private' END
  FROM generate_series(1301, 2000) AS g;

/* ---- projects: 5 per namespace ---- */
INSERT INTO runner_policy.projects (id, namespace_id, name, visibility, shared_runners_enabled)
SELECT p, 1 + (p - 1) % 2000, 'project' || p,
	   CASE WHEN p % 10 = 0 THEN 'public' WHEN p % 10 IN (1, 2) THEN 'internal' ELSE 'private' END,
	   p % 10 <> 7
  FROM generate_series(1, 10000) AS p;

/* ---- memberships of everybody else ---- */
INSERT INTO runner_policy.project_members (project_id, user_id, access_level)
SELECT 1 + floor(random() * 10000)::bigint, 4 + floor(random() * 20000)::bigint,
	   (ARRAY[10, 20, 30, 30, 30, 40, 40, 50])[1 + floor(random() * 8)::int]
  FROM generate_series(1, 60000)
ON CONFLICT DO NOTHING;
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level)
SELECT 1 + floor(random() * 2000)::bigint, 4 + floor(random() * 20000)::bigint,
	   (ARRAY[10, 20, 30, 30, 40, 50])[1 + floor(random() * 6)::int]
  FROM generate_series(1, 10000)
ON CONFLICT DO NOTHING;

/* ---- the maintainer (user 3) ----
 * Maintainer of 20 projects: project 17 + 499k lies in namespace
 * 17 + 499k (mod 2000), so the 20 are in 20 different namespaces spread
 * over the tree (5 roots, 10 at depth 3, 5 at depth 4).  The developer and
 * reporter group memberships and the guest ones give the user an effective
 * level on many more projects, none of which lets it read their runners. */
INSERT INTO runner_policy.project_members (project_id, user_id, access_level)
SELECT 17 + 499 * k, 3, 40 FROM generate_series(0, 19) AS k;
INSERT INTO runner_policy.project_members (project_id, user_id, access_level)
SELECT 5003 + 211 * k, 3, 10 FROM generate_series(0, 4) AS k;
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level)
VALUES (7, 3, 30), (42, 3, 20);

/* ---- runners; the extension links each to its owner ---- */
INSERT INTO runner_policy.ci_runners
	(id, runner_type, sharding_key_id, description, tag_list, paused, locked,
	 contacted_at, created_by_id, created_at)
SELECT i,
	   CASE WHEN i <= 1000 THEN 1 WHEN i <= 10000 THEN 2 ELSE 3 END,
	   CASE WHEN i <= 1000 THEN NULL
			WHEN i <= 10000 THEN 1 + (i - 1001) % 2000
			ELSE 1 + (i - 10001) % 10000 END,
	   'runner ' || i || ' on host-' || (i % 977),
	   CASE i % 4 WHEN 0 THEN ARRAY['docker', 'linux']
				  WHEN 1 THEN ARRAY['shell', 'linux', 'x86_64']
				  WHEN 2 THEN ARRAY['macos', 'arm64']
				  ELSE ARRAY['windows', 'docker', 'gpu'] END,
	   i % 23 = 0,
	   i % 5 = 0,
	   CASE WHEN i % 11 = 0 THEN NULL
			ELSE now() - (i % 600) * interval '1 minute' END,
	   CASE WHEN i % 3 = 0 THEN 1 ELSE 4 + i % 20000 END,
	   now() - (i % 1000) * interval '1 hour'
  FROM generate_series(1, 100000) AS i;

-- every runner gets a token (only its digest is stored); the extension
-- writes digests only through reset_runner_token, as an actor who manages
-- the runner.  VACUUM FULL below drops the row versions this leaves.
SELECT runner_policy.act_as(1, false) AS "acting as the admin";
SELECT count(runner_policy.reset_runner_token(id)) AS "runner tokens set"
  FROM runner_policy.ci_runners;
SELECT runner_policy.reset_actor();

-- one project runner in ten is shared with 1-3 more projects
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id)
SELECT r.id, 1 + (r.sharding_key_id - 1 + k * 3331) % 10000
  FROM runner_policy.ci_runners r
 CROSS JOIN generate_series(1, 3) AS k
 WHERE r.runner_type = 3 AND r.id % 10 = 0 AND k <= 1 + (r.id / 10) % 3;

/* ---- jobs ---- */
INSERT INTO runner_policy.ci_builds
	(id, project_id, runner_id, user_id, status, created_at, started_at, finished_at)
SELECT j, x.p,
	   CASE WHEN x.status IN ('pending', 'created') THEN NULL
			ELSE 10001 + (x.p - 1) + 10000 * (j % 9) END,
	   4 + j % 20000,
	   x.status,
	   now() - j * interval '10 seconds',
	   CASE WHEN x.status IN ('pending', 'created') THEN NULL
			ELSE now() - j * interval '10 seconds' + interval '30 seconds' END,
	   CASE WHEN x.status IN ('success', 'failed', 'canceled')
			THEN now() - j * interval '10 seconds' + interval '5 minutes' END
  FROM generate_series(1, 200000) AS j
 CROSS JOIN LATERAL (
	SELECT 1 + (j * 7919) % 10000 AS p,
		   CASE WHEN j % 100 < 70 THEN 'success'
				WHEN j % 100 < 80 THEN 'failed'
				WHEN j % 100 < 85 THEN 'canceled'
				WHEN j % 100 < 90 THEN 'running'
				WHEN j % 100 < 98 THEN 'pending'
				ELSE 'created' END AS status) AS x;

VACUUM FULL runner_policy.ci_runners;

/* ---- identity sequences past the explicit ids ---- */
SELECT setval('runner_policy.users_id_seq', (SELECT max(id) FROM runner_policy.users));
SELECT setval('runner_policy.namespaces_id_seq', (SELECT max(id) FROM runner_policy.namespaces));
SELECT setval('runner_policy.projects_id_seq', (SELECT max(id) FROM runner_policy.projects));
SELECT setval('runner_policy.ci_runners_id_seq', (SELECT max(id) FROM runner_policy.ci_runners));
SELECT setval('runner_policy.ci_builds_id_seq', (SELECT max(id) FROM runner_policy.ci_builds));
