/*
 * bench/data.sql: the benchmark's forge, at the shape of the reads table's forge, scaled by
 * the psql variable :scale (BENCH_SCALE; 1 = the issue's forge).
 *
 * Shape at scale 1 (ids are fixed and every random choice is seeded, so
 * that every run at a scale sees the same data):
 *   users        100,000: 1 admin, 2 auditor, 3 maintainer of 20 projects,
 *                4 the heavy user, 5 a user with no memberships, 6.. others
 *                (1% of them blocked)
 *   namespaces    10,000 groups 5 deep: 500 roots, then 1,000, 2,000,
 *                3,000, 3,500 (each level's groups spread over the level
 *                above)
 *   projects     100,000: 10 per group; 70% private, 20% internal, 10%
 *                public; 90% with shared runners enabled
 *   members      others: ~6 project and ~1 group membership each;
 *                user 3: maintainer of 20 projects spread over the tree,
 *                developer of a group, reporter of another, guest of 5
 *                projects;
 *                user 4 (heavy): maintainer of 1,500 groups (levels 4 and
 *                5) and of 3,000 projects spread over the forge
 *   ci_runners 1,000,000: 10,000 instance (1%), 90,000 group (9%, 9 per
 *                group), 900,000 project (90%, 9 per project); one project
 *                runner in ten is also linked to 1-3 more projects; every
 *                runner has a token digest
 *   ci_builds  2,000,000: 84% success, 9% failed, 4% canceled, 1% running,
 *                1.5% pending, 0.5% created; 30% of the jobs that ran ran on
 *                an instance runner, the rest on one of their project's
 *                runners; plus 300 pending jobs of project :p1 for the
 *                runners that take jobs in the write scenarios
 *
 * Loading.  Users, groups, projects and memberships go in with the
 * extension's triggers on (traversal_ids is written by the extension, the
 * member guards check every level).  Runners, their links and jobs, 95% of
 * the rows, go in with triggers off (session_replication_role = replica),
 * so that the owner links and token digests of a million runners are
 * written in a few set-based statements instead of a million trigger calls;
 * bench/run then requires check_invariants() to be empty and every foreign
 * key to hold (bench/integrity.sql) before it measures anything.  The token
 * digests are SHA-256 of the runner id: unique 32-byte values like the real
 * ones, whose plaintexts nobody has; the runners the bench authenticates as
 * get real tokens from reset_runner_token() in bench/setup.sql.
 */
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT setseed(0.42);

/* ---- sizes ---- */
SELECT greatest(1000, round(100000 * :scale))::bigint AS nu,
	   greatest(100, round(10000 * :scale))::bigint AS ng,
	   greatest(1000, round(100000 * :scale))::bigint AS np,
	   greatest(15, round(1500 * :scale))::bigint AS heavy_groups,
	   greatest(30, round(3000 * :scale))::bigint AS heavy_projects,
	   greatest(2000, round(2000000 * :scale))::bigint AS nj \gset
-- group levels: 5%, 10%, 20%, 30%, and the rest
SELECT :ng * 5 / 100 AS l1, :ng * 10 / 100 AS l2, :ng * 20 / 100 AS l3,
	   :ng * 30 / 100 AS l4 \gset
SELECT :l1 + 1 AS s2, :l1 + :l2 + 1 AS s3, :l1 + :l2 + :l3 + 1 AS s4,
	   :l1 + :l2 + :l3 + :l4 + 1 AS s5 \gset
-- runners: 9 per project, 9 per group, one instance runner per 10 projects
SELECT :np / 10 AS ni, 9 * :ng AS ngr, 9 * :np AS npr \gset
SELECT :ni + :ngr AS pr0, :ni + :ngr + :npr AS nr \gset

/* ---- users ---- */
INSERT INTO runner_policy.users (id, username, admin, auditor, state)
VALUES (1, 'bench_admin', true, false, 'active'),
	   (2, 'bench_auditor', false, true, 'active'),
	   (3, 'bench_maintainer', false, false, 'active'),
	   (4, 'bench_heavy', false, false, 'active'),
	   (5, 'bench_nobody', false, false, 'active');
INSERT INTO runner_policy.users (id, username, state)
SELECT u, 'user' || u, CASE WHEN u % 100 = 0 THEN 'blocked' ELSE 'active' END
  FROM generate_series(6, :nu) AS u;

/* ---- groups, one level at a time (the trigger reads the parent) ---- */
CREATE TEMP TABLE levels (lvl int, first bigint, last bigint);
INSERT INTO levels VALUES (1, 1, :l1), (2, :s2, :s3 - 1), (3, :s3, :s4 - 1),
						  (4, :s4, :s5 - 1), (5, :s5, :ng);
INSERT INTO runner_policy.namespaces (id, parent_id, name, visibility)
SELECT g, NULL, 'group' || g,
	   CASE WHEN g % 10 = 0 THEN 'public' WHEN g % 10 IN (1, 2) THEN 'internal' ELSE 'private' END
  FROM generate_series(1, :l1) AS g;
SELECT format($$INSERT INTO runner_policy.namespaces (id, parent_id, name, visibility)
				SELECT g, %s + (g - %s) %% %s, 'group' || g,
					   CASE WHEN g %% 10 = 0 THEN 'public' WHEN g %% 10 IN (1, 2) THEN 'internal'
							ELSE 'private' END
				  FROM generate_series(%s, %s) AS g$$,
			  p.first, c.first, p.last - p.first + 1, c.first, c.last)
  FROM levels c JOIN levels p ON p.lvl = c.lvl - 1
 ORDER BY c.lvl
\gexec

/* ---- projects: 10 per group ---- */
INSERT INTO runner_policy.projects (id, namespace_id, name, visibility, shared_runners_enabled)
SELECT p, 1 + (p - 1) % :ng, 'project' || p,
	   CASE WHEN p % 10 = 0 THEN 'public' WHEN p % 10 IN (1, 2) THEN 'internal' ELSE 'private' END,
	   p % 10 <> 7
  FROM generate_series(1, :np) AS p;

/* ---- memberships of everybody else (users 6..) ---- */
INSERT INTO runner_policy.project_members (project_id, user_id, access_level)
SELECT 1 + floor(random() * :np)::bigint, 6 + floor(random() * (:nu - 5))::bigint,
	   (ARRAY[10, 20, 30, 30, 30, 40, 40, 50])[1 + floor(random() * 8)::int]
  FROM generate_series(1, 6 * :nu)
ON CONFLICT DO NOTHING;
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level)
SELECT 1 + floor(random() * :ng)::bigint, 6 + floor(random() * (:nu - 5))::bigint,
	   (ARRAY[10, 20, 30, 30, 40, 50])[1 + floor(random() * 6)::int]
  FROM generate_series(1, :nu)
ON CONFLICT DO NOTHING;

/* ---- user 3, the maintainer of 20 projects spread over the forge ---- */
SELECT :np / 20 AS mstep \gset
INSERT INTO runner_policy.project_members (project_id, user_id, access_level)
SELECT 17 + :mstep * k, 3, 40 FROM generate_series(0, 19) AS k;
INSERT INTO runner_policy.project_members (project_id, user_id, access_level)
SELECT 23 + :mstep * k + :mstep / 2, 3, 10 FROM generate_series(0, 4) AS k;
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level)
VALUES (7, 3, 30), (42, 3, 20);

/* ---- user 4, the heavy user: maintainer of many groups (levels 4 and 5,
 * where a forge's teams live) and of many projects anywhere ---- */
INSERT INTO runner_policy.group_members (namespace_id, user_id, access_level)
SELECT :s4 + k * ((:ng - :s4 + 1) / :heavy_groups), 4, 40
  FROM generate_series(0, :heavy_groups - 1) AS k;
INSERT INTO runner_policy.project_members (project_id, user_id, access_level)
SELECT 3 + k * (:np / :heavy_projects), 4, 40
  FROM generate_series(0, :heavy_projects - 1) AS k;

/* ---- runners, links and jobs: triggers off, checked by bench/run ---- */
SET session_replication_role = replica;

-- Release 1.2 keeps a copy of each runner's links on the runner and the
-- owner on each link (README "The rights model"); release 1.0, the
-- baseline of bench/write_pairs.sh and bench/mix.sh, has neither.  The
-- runners are staged with their copies and go in with the columns the
-- installed release has.
SELECT EXISTS (SELECT FROM pg_catalog.pg_attribute
				WHERE attrelid = 'runner_policy.ci_runners'::pg_catalog.regclass
				  AND attname = 'linked_project_ids' AND NOT attisdropped) AS has_copies \gset

CREATE TEMPORARY TABLE bench_runners AS
SELECT i AS id, t AS runner_type, sk AS sharding_key_id,
	   'runner ' || i || ' on host-' || (i % 977) AS description,
	   CASE i % 4 WHEN 0 THEN ARRAY['docker', 'linux']
				  WHEN 1 THEN ARRAY['shell', 'linux', 'x86_64']
				  WHEN 2 THEN ARRAY['macos', 'arm64']
				  ELSE ARRAY['windows', 'docker', 'gpu'] END AS tag_list,
	   i % 23 = 0 AS paused,
	   i % 5 = 0 AS locked,
	   CASE WHEN i % 11 = 0 THEN NULL
			ELSE now() - (i % 600) * interval '1 minute' END AS contacted_at,
	   CASE WHEN i % 3 = 0 THEN 1 ELSE 6 + i % (:nu - 5) END AS created_by_id,
	   now() - (i % 1000) * interval '1 hour' AS created_at,
	   sha256(int8send(i)) AS token_digest,
	   -- the copy of its links the extension keeps on a project runner
	   -- (release 1.2): its owner, and for one in ten the projects below
	   CASE WHEN t <> 3 THEN '{}'::bigint[]
			WHEN i % 10 <> 0 THEN ARRAY[sk]
			ELSE ARRAY(SELECT DISTINCT p FROM unnest(ARRAY[sk] || ARRAY(
					 SELECT 1 + (sk - 1 + k * 3331) % :np
					   FROM generate_series(1, 1 + (i / 10) % 3) AS k)) AS p ORDER BY p) END
		 AS linked_project_ids
  FROM (SELECT i,
			   CASE WHEN i <= :ni THEN 1 WHEN i <= :pr0 THEN 2 ELSE 3 END AS t,
			   CASE WHEN i <= :ni THEN NULL
					WHEN i <= :pr0 THEN 1 + (i - :ni - 1) % :ng
					ELSE 1 + (i - :pr0 - 1) % :np END AS sk
		  FROM generate_series(1::bigint, :nr) AS i) AS r (i, t, sk)
 ORDER BY i;

-- the owner links the extension's trigger would have made, and one
-- project runner in ten shared with 1-3 more projects
CREATE TEMPORARY TABLE bench_links AS
SELECT runner_id, project_id, owner_project_id
  FROM (SELECT id, sharding_key_id, sharding_key_id
		  FROM bench_runners WHERE runner_type = 3
		UNION
		SELECT r.id, 1 + (r.sharding_key_id - 1 + k * 3331) % :np, r.sharding_key_id
		  FROM bench_runners r
		 CROSS JOIN generate_series(1, 3) AS k
		 WHERE r.runner_type = 3 AND r.id % 10 = 0 AND k <= 1 + (r.id / 10) % 3)
	   AS l (runner_id, project_id, owner_project_id)
 ORDER BY project_id <> owner_project_id, runner_id, project_id;

\if :has_copies
INSERT INTO runner_policy.ci_runners
	(id, runner_type, sharding_key_id, description, tag_list, paused, locked,
	 contacted_at, created_by_id, created_at, token_digest, linked_project_ids)
SELECT id, runner_type, sharding_key_id, description, tag_list, paused, locked,
	   contacted_at, created_by_id, created_at, token_digest, linked_project_ids
  FROM bench_runners ORDER BY id;
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id, owner_project_id)
SELECT runner_id, project_id, owner_project_id FROM bench_links;
\else
INSERT INTO runner_policy.ci_runners
	(id, runner_type, sharding_key_id, description, tag_list, paused, locked,
	 contacted_at, created_by_id, created_at, token_digest)
SELECT id, runner_type, sharding_key_id, description, tag_list, paused, locked,
	   contacted_at, created_by_id, created_at, token_digest
  FROM bench_runners ORDER BY id;
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id)
SELECT runner_id, project_id FROM bench_links;
\endif
INSERT INTO runner_policy.ci_runner_namespaces (runner_id, namespace_id)
SELECT id, sharding_key_id FROM bench_runners WHERE runner_type = 2 ORDER BY id;
DROP TABLE bench_runners, bench_links;

/* ---- jobs ---- */
INSERT INTO runner_policy.ci_builds
	(id, project_id, runner_id, user_id, status, created_at, started_at, finished_at)
SELECT j, x.p,
	   CASE WHEN x.status IN ('pending', 'created') THEN NULL
			WHEN j % 10 < 3 THEN 1 + j % :ni
			ELSE :pr0 + x.p + :np * (j % 9) END,
	   6 + j % (:nu - 5),
	   x.status,
	   now() - (:nj - j) * interval '1 second',
	   CASE WHEN x.status IN ('pending', 'created') THEN NULL
			ELSE now() - (:nj - j) * interval '1 second' + interval '30 seconds' END,
	   CASE WHEN x.status IN ('success', 'failed', 'canceled')
			THEN now() - (:nj - j) * interval '1 second' + interval '5 minutes' END
  FROM generate_series(1::bigint, :nj) AS j
 CROSS JOIN LATERAL (
	SELECT 1 + (j * 7919) % :np AS p,
		   CASE WHEN j % 1000 < 840 THEN 'success'
				WHEN j % 1000 < 930 THEN 'failed'
				WHEN j % 1000 < 970 THEN 'canceled'
				WHEN j % 1000 < 980 THEN 'running'
				WHEN j % 1000 < 995 THEN 'pending'
				ELSE 'created' END AS status) AS x;
-- work for the runners that take jobs in the write scenarios: the first
-- project user 3 maintains, whose first runner is the bench's project runner
INSERT INTO runner_policy.ci_builds (id, project_id, user_id, status, created_at)
SELECT :nj + k, 17, 6, 'pending', now() - (300 - k) * interval '1 second'
  FROM generate_series(1, 300) AS k;

RESET session_replication_role;

/* ---- identity sequences past the explicit ids ---- */
SELECT setval('runner_policy.users_id_seq', (SELECT max(id) FROM runner_policy.users));
SELECT setval('runner_policy.namespaces_id_seq', (SELECT max(id) FROM runner_policy.namespaces));
SELECT setval('runner_policy.projects_id_seq', (SELECT max(id) FROM runner_policy.projects));
SELECT setval('runner_policy.ci_runners_id_seq', (SELECT max(id) FROM runner_policy.ci_runners));
SELECT setval('runner_policy.ci_builds_id_seq', (SELECT max(id) FROM runner_policy.ci_builds));
