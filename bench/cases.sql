/*
 * bench/cases.sql: the scenarios of the reads table, one row each.
 *
 *   actor_call	how the application sets the actor before the statement
 *				(as bench_app), or NULL
 *   rls_sql	what the application sends, as bench_app: row-level
 *				security applies
 *   off_sql	the same statement, or the same lookup by primary key, by
 *				the superuser: row-level security not applied (for writes:
 *				the same write by the superuser, with the triggers on)
 *   hand_sql	a hand-written query returning the same rows, by the
 *				superuser
 *   judge		which baseline the target is a ratio of ('off' or 'hand'),
 *				or 'ms' for an absolute target on the RLS side
 *   target		the issue's target (a ratio, or ms); NULL: "no worse than
 *				today", shown against the 1.0 figure of the issue
 *   check		'off' or 'hand': the side whose rows must equal the RLS
 *				side's (key: an expression over the row "q"); NULL: none
 *   issue		the 1.0 figure of the reads table, for reference
 *   reference	not a scenario of the issue: a measure that shows where the
 *				time of another goes (no target)
 *
 * Needs the psql variables set by bench/setup.sql and, from bench/run, the
 * texts of the files in bench/queries.  bench.cases is readable by the superuser
 * only: it holds tokens.
 */
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE TABLE bench.cases (
	ord			int PRIMARY KEY,
	name		text NOT NULL UNIQUE,
	actor_call	text,
	rls_sql		text NOT NULL,
	off_sql		text,
	hand_sql	text,
	judge		text NOT NULL CHECK (judge IN ('off', 'hand', 'ms')),
	target		numeric,
	check_side	text CHECK (check_side IN ('off', 'hand')),
	key			text NOT NULL DEFAULT 'q',
	issue		text,
	is_write	boolean NOT NULL DEFAULT false,
	reference	boolean NOT NULL DEFAULT false,
	max_rounds	int,
	failed		text
);

SELECT replace(:'user_runners', '$USER', '3') AS maint_runners,
	   replace(:'user_runners', '$USER', '4') AS heavy_runners,
	   replace(:'queue_sums', '$WHERE', '') AS queue_all,
	   replace(:'queue_sums', '$WHERE', 'WHERE r.runner_type = 1') AS queue_instance \gset

\set count_all 'SELECT count(*) FROM runner_policy.ci_runners'
\set list_all 'SELECT * FROM runner_policy.ci_runners'
\set page 'SELECT * FROM runner_policy.ci_runners ORDER BY id DESC LIMIT 20'
\set admin 'runner_policy.act_as(1, false)'
\set auditor 'runner_policy.act_as(2, false)'
\set maint 'runner_policy.act_as(3, false)'
\set heavy 'runner_policy.act_as(4, false)'
\set nobody 'runner_policy.act_as(5, false)'

INSERT INTO bench.cases (ord, name, actor_call, rls_sql, off_sql, hand_sql, judge, target, check_side, issue) VALUES
	(1, 'admin: count', :'admin', :'count_all', :'count_all', NULL, 'off', 1.05, 'off', '1.79x'),
	(2, 'admin: list', :'admin', :'list_all', :'list_all', NULL, 'off', 1.05, 'off', NULL),
	(3, 'auditor: count', :'auditor', :'count_all', :'count_all', NULL, 'off', 1.05, 'off', '1.38x'),
	(4, 'auditor: list', :'auditor', :'list_all', :'list_all', NULL, 'off', 1.05, 'off', NULL),
	(5, 'read token: count', format('runner_policy.authenticate(%L, false)', :'token'),
	 :'count_all', :'count_all', NULL, 'off', 1.05, 'off', NULL),
	(6, 'read token: list', format('runner_policy.authenticate(%L, false)', :'token'),
	 :'list_all', :'list_all', NULL, 'off', 1.05, 'off', NULL),
	(7, 'auditor: tag @> filter', :'auditor',
	 $$SELECT * FROM runner_policy.ci_runners WHERE tag_list @> ARRAY['gpu']$$,
	 $$SELECT * FROM runner_policy.ci_runners WHERE tag_list @> ARRAY['gpu']$$,
	 NULL, 'off', 1.1, 'off', '1.65x'),
	(8, 'auditor: LIKE filter', :'auditor',
	 $$SELECT * FROM runner_policy.ci_runners WHERE description LIKE '%on host-97%'$$,
	 $$SELECT * FROM runner_policy.ci_runners WHERE description LIKE '%on host-97%'$$,
	 NULL, 'off', 1.1, 'off', '1.17x'),
	(9, 'maintainer of 20: count', :'maint', :'count_all', :'count_all',
	 'SELECT count(*) FROM (' || :'maint_runners' || ') AS q', 'hand', NULL, 'hand', '0.13x'),
	(10, 'maintainer of 20: page', :'maint', :'page', :'page',
	 'SELECT * FROM (' || :'maint_runners' || ') AS q ORDER BY id DESC LIMIT 20', 'hand', NULL, 'hand', '0.04x'),
	(11, 'heavy user: count', :'heavy', :'count_all', :'count_all',
	 'SELECT count(*) FROM (' || :'heavy_runners' || ') AS q', 'hand', 1.1, 'hand', '4.39x (2.0 s)'),
	(12, 'heavy user: page', :'heavy', :'page', :'page',
	 'SELECT * FROM (' || :'heavy_runners' || ') AS q ORDER BY id DESC LIMIT 20', 'ms', 5, 'hand', '3.42x (1.7 s)'),
	(13, 'no memberships: count', :'nobody', :'count_all', :'count_all',
	 'SELECT count(*) FROM runner_policy.ci_runners WHERE runner_type = 1', 'hand', NULL, 'hand', '0.19x'),
	(14, 'no memberships: page', :'nobody', :'page', :'page',
	 'SELECT * FROM runner_policy.ci_runners WHERE runner_type = 1 ORDER BY id DESC LIMIT 20',
	 'hand', NULL, 'hand', '0.19x'),
	(15, 'point read (maintainer)', :'maint',
	 format('SELECT * FROM runner_policy.ci_runners WHERE id = %s', :proj_runner),
	 format('SELECT * FROM runner_policy.ci_runners WHERE id = %s', :proj_runner),
	 NULL, 'off', 1.2, 'off', '5.75x'),
	(16, 'point read (heavy user)', :'heavy',
	 format('SELECT * FROM runner_policy.ci_runners WHERE id = %s', :heavy_runner),
	 format('SELECT * FROM runner_policy.ci_runners WHERE id = %s', :heavy_runner),
	 NULL, 'off', 1.2, 'off', NULL),
	-- authenticate: the PK lookup of the token's row; the hand-written side
	-- is the least authenticate must do (digest, unique index probe); both
	-- read the token from bench.secrets, as a bound value
	(17, 'authenticate (read token)', NULL,
	 $$SELECT runner_policy.authenticate((SELECT token FROM bench.secrets WHERE name = 'read'), false)$$,
	 format('SELECT * FROM runner_policy.tokens WHERE id = %s', :token_id),
	 $$SELECT id FROM runner_policy.tokens WHERE digest = sha256(convert_to((SELECT token FROM bench.secrets WHERE name = 'read'), 'UTF8'))$$,
	 'off', 1.0, NULL, '0.64x'),
	(18, 'authenticate (runner token)', NULL,
	 $$SELECT runner_policy.authenticate((SELECT token FROM bench.secrets WHERE name = 'runner'), false)$$,
	 format('SELECT * FROM runner_policy.ci_runners WHERE id = %s', :proj_runner),
	 $$SELECT id FROM runner_policy.ci_runners WHERE token_digest = sha256(convert_to((SELECT token FROM bench.secrets WHERE name = 'runner'), 'UTF8'))$$,
	 'off', 1.0, NULL, NULL),
	-- authorize: the PK lookup of the project; the hand-written side is the
	-- membership probe that answers this one case
	(19, 'authorize (maintainer)', :'maint',
	 format($$SELECT runner_policy.authorize(%s, 'read_api')$$, :p1),
	 format('SELECT * FROM runner_policy.projects WHERE id = %s', :p1),
	 format('SELECT EXISTS (SELECT FROM runner_policy.project_members WHERE project_id = %s AND user_id = 3 AND access_level >= 20)', :p1),
	 'off', 1.2, 'hand', NULL),
	(20, 'authorize (heavy user)', :'heavy',
	 $$SELECT runner_policy.authorize(3, 'api')$$,
	 'SELECT * FROM runner_policy.projects WHERE id = 3',
	 'SELECT EXISTS (SELECT FROM runner_policy.project_members WHERE project_id = 3 AND user_id = 4 AND access_level >= 30)',
	 'off', 1.2, 'hand', NULL),
	(21, 'queue view (auditor)', :'auditor',
	 'SELECT * FROM runner_policy.runner_queue_status', NULL, :'queue_all',
	 'hand', 1.2, 'hand', '2.70x (at 100k)'),
	(22, 'queue view (no memberships)', :'nobody',
	 'SELECT * FROM runner_policy.runner_queue_status', NULL, :'queue_instance',
	 'hand', 1.2, 'hand', NULL);
UPDATE bench.cases SET key = '(q.runner_id, q.running_jobs, q.pending_jobs)' WHERE ord IN (21, 22);

-- Writes.  The superuser's side is the same write with the triggers on; a
-- runner's take names by hand the projects the policy lets it take from,
-- so that both sides take the same job (the row check rolls back between
-- them).  $LINK is each side's runner to link in each round
-- (bench.link_runners).
INSERT INTO bench.cases (ord, name, actor_call, rls_sql, off_sql, judge, target, check_side, key, is_write) VALUES
	(23, 'write: register a runner', :'maint',
	 format($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id, description, tag_list) VALUES (3, %s, 'bench: registered', ARRAY['docker']) RETURNING runner_type, sharding_key_id, description$$, :p1),
	 format($$INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id, description, tag_list) VALUES (3, %s, 'bench: registered', ARRAY['docker']) RETURNING runner_type, sharding_key_id, description$$, :p1),
	 'off', 1.3, 'off', 'q', true),
	(24, 'write: link a runner', :'maint',
	 format('INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES ($LINK, %s) RETURNING project_id', :p2),
	 format('INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES ($LINK, %s) RETURNING project_id', :p2),
	 'off', 1.3, 'off', 'q', true),
	(25, 'write: project runner takes a job', format('runner_policy.authenticate(%L, false)', :'runner_token'),
	 format($$UPDATE runner_policy.ci_builds SET runner_id = %s, status = 'running', started_at = now() WHERE id = (SELECT id FROM runner_policy.ci_builds WHERE status = 'pending' AND runner_id IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id, project_id$$, :proj_runner),
	 format($$UPDATE runner_policy.ci_builds SET runner_id = %s, status = 'running', started_at = now() WHERE id = (SELECT id FROM runner_policy.ci_builds WHERE status = 'pending' AND runner_id IS NULL AND project_id IN (SELECT project_id FROM runner_policy.ci_runner_projects WHERE runner_id = %s) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id, project_id$$, :proj_runner, :proj_runner),
	 'off', 1.3, 'off', 'q', true),
	(26, 'write: instance runner takes a job', format('runner_policy.authenticate(%L, false)', :'inst_runner_token'),
	 $$UPDATE runner_policy.ci_builds SET runner_id = 1, status = 'running', started_at = now() WHERE id = (SELECT id FROM runner_policy.ci_builds WHERE status = 'pending' AND runner_id IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id, project_id$$,
	 $$UPDATE runner_policy.ci_builds SET runner_id = 1, status = 'running', started_at = now() WHERE id = (SELECT id FROM runner_policy.ci_builds WHERE status = 'pending' AND runner_id IS NULL AND project_id IN (SELECT id FROM runner_policy.projects WHERE shared_runners_enabled) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id, project_id$$,
	 'off', 1.3, 'off', 'q', true);

-- For reference (no target): the admin's count against the cheapest row
-- filter there is, one column against one constant, RLS off.  A count
-- with no filter at all never looks at a row's columns; any filter, and so
-- any policy, must.  This splits the admin's cost into "having a per-row
-- filter at all" and the policy's own.
INSERT INTO bench.cases (ord, name, actor_call, rls_sql, off_sql, judge, check_side, reference) VALUES
	(27, 'ref: admin count vs id >= const', :'admin', :'count_all',
	 'SELECT count(*) FROM runner_policy.ci_runners WHERE id >= -9223372036854775808',
	 'off', 'off', true);

-- For reference (no target): the first statement after a change of
-- rights was committed anywhere, when every backend works the actor's
-- reach out again (src/reach_cache.c).  bench.rights_changed() commits a
-- change that alters nobody's rights but is announced like any other.
INSERT INTO bench.cases (ord, name, actor_call, rls_sql, off_sql, hand_sql, judge, check_side, reference) VALUES
	(28, 'ref: maintainer point read, after a change', 'bench.rights_changed(3)',
	 format('SELECT * FROM runner_policy.ci_runners WHERE id = %s', :proj_runner),
	 format('SELECT * FROM runner_policy.ci_runners WHERE id = %s', :proj_runner),
	 NULL, 'off', 'off', true),
	(29, 'ref: heavy user count, after a change', 'bench.rights_changed(4)', :'count_all', :'count_all',
	 'SELECT count(*) FROM (' || :'heavy_runners' || ') AS q', 'hand', 'hand', true),
	(30, 'ref: heavy user point read, after a change', 'bench.rights_changed(4)',
	 format('SELECT * FROM runner_policy.ci_runners WHERE id = %s', :heavy_runner),
	 format('SELECT * FROM runner_policy.ci_runners WHERE id = %s', :heavy_runner),
	 NULL, 'off', 'off', true);
