-- The audit log's hash chains: verify_audit_log() finds every
-- kind of tampering a superuser can stage with triggers off, and none when
-- the log is intact; prune_audit_log() leaves an anchor that keeps the rest
-- provable.
BEGIN;
-- A lane's head moves when the transaction commits; these files never do,
-- so they move it at the end of every statement instead.
SET CONSTRAINTS runner_policy.audit_lanes_head IMMEDIATE;
\ir fixture.psql
SELECT plan(33);

-- A few entries more: runner 60's life.
INSERT INTO runner_policy.ci_runners (id, runner_type, sharding_key_id, description) VALUES (60, 3, 100, 'r60');
UPDATE runner_policy.ci_runners SET description = 'r60 builds' WHERE id = 60;
UPDATE runner_policy.ci_runners SET paused = true WHERE id = 60;
INSERT INTO runner_policy.ci_runner_projects (runner_id, project_id) VALUES (60, 102);

-- The whole file is one transaction, so its entries are one lane.
SELECT is((SELECT count(DISTINCT lane) FROM runner_policy.audit_log), 1::bigint,
	'a transaction writes all its entries into one lane');
SELECT results_eq($$SELECT lane_seq FROM runner_policy.audit_log ORDER BY id$$,
	$$SELECT generate_series(1::bigint, (SELECT count(*) FROM runner_policy.audit_log))$$,
	'numbered 1, 2, 3, ... in the order they were written');
SELECT ok((SELECT bool_and(e.prev_hash = p.hash) FROM runner_policy.audit_log e
			JOIN runner_policy.audit_log p ON p.lane = e.lane AND p.lane_seq = e.lane_seq - 1),
	'each entry names the hash of the entry before it');
SELECT ok((SELECT bool_and(hash = runner_policy.audit_entry_hash(prev_hash, id, lane, lane_seq, at, db_role,
		actor_kind, actor_user_id, token_id, action, object_type, object_id, old, new))
		   FROM runner_policy.audit_log), 'and its own hash is that of its content');
SELECT results_eq($$SELECT seq, hash FROM runner_policy.audit_lanes$$,
	$$SELECT lane_seq, hash FROM runner_policy.audit_log ORDER BY lane_seq DESC LIMIT 1$$,
	'the lane''s head is its last entry');
SELECT is_empty($$SELECT * FROM runner_policy.verify_audit_log()$$, 'intact: verify_audit_log() returns nothing');

SELECT id AS e3, lane AS lane FROM runner_policy.audit_log WHERE lane_seq = 3 \gset
SELECT id AS e4 FROM runner_policy.audit_log WHERE lane_seq = 4 \gset
SELECT max(lane_seq) AS last_seq, max(id) AS last_id FROM runner_policy.audit_log \gset

-- Each tamper is staged by a superuser with triggers off, checked, and
-- rolled back.
SET session_replication_role = replica;

SAVEPOINT tamper;
UPDATE runner_policy.audit_log SET new = jsonb_set(new, '{description}', '"innocent"') WHERE id = :e3;
SELECT results_eq($$SELECT lane, lane_seq, entry_id, problem FROM runner_policy.verify_audit_log()$$,
	format($$VALUES (%s, 3::bigint, %s::bigint, 'entry does not match its hash: it was changed or moved'::text)$$, :lane, :e3),
	'an edited entry is found, and only that one');
ROLLBACK TO tamper;

SAVEPOINT tamper;
UPDATE runner_policy.audit_log SET actor_user_id = 3, db_role = 'regress_someone_else' WHERE id = :e3;
SELECT is((SELECT entry_id FROM runner_policy.verify_audit_log()), :e3::bigint,
	'an entry whose actor was changed is found');
ROLLBACK TO tamper;

SAVEPOINT tamper;
UPDATE runner_policy.audit_log SET at = at - interval '1 day' WHERE id = :e3;
SELECT is((SELECT entry_id FROM runner_policy.verify_audit_log()), :e3::bigint,
	'an entry whose time was changed is found');
ROLLBACK TO tamper;

SAVEPOINT tamper;
UPDATE runner_policy.audit_log SET new = jsonb_set(new, '{description}', '"innocent"') WHERE id = :e3;
UPDATE runner_policy.audit_log SET hash = runner_policy.audit_entry_hash(prev_hash, id, lane, lane_seq, at, db_role,
		actor_kind, actor_user_id, token_id, action, object_type, object_id, old, new) WHERE id = :e3;
SELECT results_eq($$SELECT lane_seq, entry_id, problem FROM runner_policy.verify_audit_log()$$,
	format($$VALUES (4::bigint, %s::bigint, 'entry does not follow the entry before it: entries were inserted, removed or reordered'::text)$$, :e4),
	'an edited entry given a new hash breaks the link to the next one');
ROLLBACK TO tamper;

SAVEPOINT tamper;
DELETE FROM runner_policy.audit_log WHERE id = :e3;
SELECT results_eq($$SELECT lane_seq, entry_id, problem FROM runner_policy.verify_audit_log()$$,
	format($$VALUES (4::bigint, %s::bigint, 'entry 3 of the lane is missing before this one'::text)$$, :e4),
	'a deleted entry is found');
ROLLBACK TO tamper;

SAVEPOINT tamper;
DELETE FROM runner_policy.audit_log WHERE lane_seq IN (3, 4);
SELECT results_eq($$SELECT lane_seq, problem FROM runner_policy.verify_audit_log()$$,
	$$VALUES (5::bigint, 'entries 3 to 4 of the lane are missing before this one'::text)$$,
	'two deleted entries are found');
ROLLBACK TO tamper;

SAVEPOINT tamper;
DELETE FROM runner_policy.audit_log WHERE id = :last_id;
SELECT results_eq($$SELECT lane_seq, entry_id, problem FROM runner_policy.verify_audit_log()$$,
	format($$VALUES (%s::bigint, NULL::bigint, 'entry %s at the end of the lane is missing'::text)$$, :last_seq, :last_seq),
	'a deleted last entry is found, against the lane''s head');
ROLLBACK TO tamper;

SAVEPOINT tamper;
DELETE FROM runner_policy.audit_log WHERE lane_seq <= 2;
SELECT results_eq($$SELECT lane_seq, problem FROM runner_policy.verify_audit_log()$$,
	$$VALUES (3::bigint, 'entries 1 to 2 of the lane are missing before this one'::text)$$,
	'deleted first entries are found');
ROLLBACK TO tamper;

-- Inserted: a forged entry in the middle, with a hash made properly for
-- its place; the entries after it are renumbered to make room.
SAVEPOINT tamper;
UPDATE runner_policy.audit_log SET lane_seq = -lane_seq WHERE lane_seq > 3;
UPDATE runner_policy.audit_log SET lane_seq = 1 - lane_seq WHERE lane_seq < 0;
INSERT INTO runner_policy.audit_log (id, at, db_role, action, object_type, object_id, lane, lane_seq, prev_hash, hash)
SELECT 9999, e.at, 'postgres', 'delete', 'runner', 1003, e.lane, 4, e.hash,
	   runner_policy.audit_entry_hash(e.hash, 9999, e.lane, 4, e.at, 'postgres', NULL, NULL, NULL,
									  'delete', 'runner', 1003, NULL, NULL)
  FROM runner_policy.audit_log e WHERE e.id = :e3;
SELECT results_eq($$SELECT count(*), min(lane_seq), bool_and(problem ~ 'does not match its hash'), count(*) FILTER (WHERE entry_id = 9999)
					  FROM runner_policy.verify_audit_log() WHERE entry_id IS NOT NULL$$,
	$$VALUES ((SELECT count(*) FROM runner_policy.audit_log WHERE lane_seq > 4), 5::bigint, true, 0::bigint)$$,
	'an entry inserted in the middle breaks every entry after it');
SELECT ok(EXISTS (SELECT FROM runner_policy.verify_audit_log() WHERE entry_id IS NULL AND problem ~ 'added by hand'),
	'and the lane is longer than its head says');
ROLLBACK TO tamper;

-- Inserted at the end, chained properly: the lane's head does not know it.
SAVEPOINT tamper;
INSERT INTO runner_policy.audit_log (id, at, db_role, action, object_type, object_id, lane, lane_seq, prev_hash, hash)
SELECT 9999, e.at, 'postgres', 'delete', 'runner', 1003, e.lane, e.lane_seq + 1, e.hash,
	   runner_policy.audit_entry_hash(e.hash, 9999, e.lane, e.lane_seq + 1, e.at, 'postgres', NULL, NULL, NULL,
									  'delete', 'runner', 1003, NULL, NULL)
  FROM runner_policy.audit_log e WHERE e.id = :last_id;
SELECT results_eq($$SELECT lane_seq, entry_id, problem FROM runner_policy.verify_audit_log()$$,
	format($$VALUES (%1$s::bigint, NULL::bigint, 'entries after %1$s are not in the lane''s head: they were added by hand'::text)$$, :last_seq),
	'an entry appended by hand is found');
ROLLBACK TO tamper;

-- The same with triggers on: a superuser passes row-level security, but the
-- head moves only to entries the extension wrote.
RESET session_replication_role;
SAVEPOINT tamper;
INSERT INTO runner_policy.audit_log (id, at, db_role, action, object_type, object_id, lane, lane_seq, prev_hash, hash)
SELECT 9999, e.at, 'postgres', 'delete', 'runner', 1003, e.lane, e.lane_seq + 1, e.hash,
	   runner_policy.audit_entry_hash(e.hash, 9999, e.lane, e.lane_seq + 1, e.at, 'postgres', NULL, NULL, NULL,
									  'delete', 'runner', 1003, NULL, NULL)
  FROM runner_policy.audit_log e WHERE e.id = :last_id;
SELECT results_eq($$SELECT lane_seq, entry_id, problem FROM runner_policy.verify_audit_log()$$,
	format($$VALUES (%1$s::bigint, NULL::bigint, 'entries after %1$s are not in the lane''s head: they were added by hand'::text)$$, :last_seq),
	'an entry appended by hand with triggers on is found too');
ROLLBACK TO tamper;

SET session_replication_role = replica;

-- Reordered: two entries swap places.
SAVEPOINT tamper;
UPDATE runner_policy.audit_log SET lane_seq = -lane_seq WHERE id IN (:e3, :e4);
UPDATE runner_policy.audit_log SET lane_seq = CASE WHEN lane_seq = -3 THEN 4 ELSE 3 END WHERE id IN (:e3, :e4);
SELECT results_eq($$SELECT lane_seq, entry_id FROM runner_policy.verify_audit_log()$$,
	format($$VALUES (3::bigint, %s::bigint), (4, %s), (5, (SELECT id FROM runner_policy.audit_log WHERE lane_seq = 5))$$, :e4, :e3),
	'two swapped entries are found, and the one after them');
ROLLBACK TO tamper;

-- A lane head removed: every entry of the lane is reported.
SAVEPOINT tamper;
DELETE FROM runner_policy.audit_lanes;
SELECT is((SELECT count(*) FROM runner_policy.verify_audit_log() WHERE problem = 'entry in a lane that has no head'),
	(SELECT count(*) FROM runner_policy.audit_log), 'entries of a lane whose head is gone are all reported');
ROLLBACK TO tamper;

RESET session_replication_role;
SELECT is_empty($$SELECT * FROM runner_policy.verify_audit_log()$$, 'rolled back: intact again');

-- Heads move at commit by default.  A subtransaction that rolls back takes
-- its entries with it; the next entry takes its place in the lane.
SET CONSTRAINTS runner_policy.audit_lanes_head DEFERRED;
SELECT seq AS head_before FROM runner_policy.audit_lanes \gset
UPDATE runner_policy.ci_runners SET description = 'a' WHERE id = 60;
SAVEPOINT sub;
UPDATE runner_policy.ci_runners SET description = 'b' WHERE id = 60;
ROLLBACK TO sub;
UPDATE runner_policy.ci_runners SET description = 'c' WHERE id = 60;
SELECT is((SELECT seq FROM runner_policy.audit_lanes), :head_before::bigint,
	'until the transaction ends, the lane''s head stays where it was');
SET CONSTRAINTS runner_policy.audit_lanes_head IMMEDIATE;
SELECT results_eq($$SELECT lane_seq, new->>'description' FROM runner_policy.audit_log WHERE lane_seq > $$ || :head_before || $$ ORDER BY lane_seq$$,
	format($$VALUES (%s::bigint, 'a'::text), (%s, 'c')$$, :head_before + 1, :head_before + 2),
	'the rolled-back entry left no hole');
SELECT is((SELECT seq FROM runner_policy.audit_lanes), :head_before + 2::bigint,
	'at the end, the head is the last entry that stayed');
SELECT is_empty($$SELECT * FROM runner_policy.verify_audit_log()$$, 'and the lane is intact');

-- Pruning: entries before a time go, an anchor stays, the rest verifies.
SELECT id AS cut_id, at AS cut_at FROM runner_policy.audit_log
 WHERE action = 'register' AND object_id = 60 \gset
SELECT throws_ok($$SELECT runner_policy.prune_audit_log(NULL)$$, '22023',
	'prune_audit_log() needs a time, not NULL', 'pruning needs a time');
SELECT ok((SELECT count(*) FROM runner_policy.audit_log WHERE at < :'cut_at') > 0, 'there is something to prune');
SELECT is(runner_policy.prune_audit_log(:'cut_at'), (SELECT count(*) FROM runner_policy.audit_log WHERE at < :'cut_at'),
	'prune_audit_log() removes the entries older than the time it is given');
SELECT is((SELECT min(at) FROM runner_policy.audit_log), :'cut_at'::timestamptz, 'and none newer');
SELECT results_eq($$SELECT action, new ? 'removed' FROM runner_policy.audit_log ORDER BY lane_seq DESC LIMIT 1$$,
	$$VALUES ('prune'::text, true)$$, 'and records itself');
SELECT results_eq($$SELECT anchor_seq, anchor_hash FROM runner_policy.audit_lanes$$,
	format($$SELECT lane_seq - 1, prev_hash FROM runner_policy.audit_log WHERE id = %s$$, :cut_id),
	'the lane''s anchor is the last entry removed');
SELECT is_empty($$SELECT * FROM runner_policy.verify_audit_log()$$, 'what is left verifies from the anchor');

SET session_replication_role = replica;
UPDATE runner_policy.audit_log SET prev_hash = '\x00' WHERE id = :cut_id;
SELECT is((SELECT entry_id FROM runner_policy.verify_audit_log() ORDER BY lane_seq LIMIT 1), :cut_id::bigint,
	'after pruning, a first entry that does not follow the anchor is found');
RESET session_replication_role;

SELECT * FROM finish();
ROLLBACK;
