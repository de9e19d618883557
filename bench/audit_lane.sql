/*
 * bench/audit_lane.sql: one lane of a preloaded audit log, chained exactly
 * as the writer chains it (src/audit.c: each entry's hash is
 * runner_policy.audit_entry_hash() of the previous entry's hash and its own
 * fields; a lane starts from the empty hash), so that verify_audit_log()
 * passes.  Run by bench/audit_load.sh, one psql per lane, as a superuser
 * with triggers off (session_replication_role = replica, as a restore
 * loads the log).  Variables: :lane (0-31), :per_lane (entries of a full
 * lane), :n (entries in all; the last lane may be shorter), :t0 (the
 * first entry's time, epoch seconds).
 *
 * A hash chain is sequential by nature, so a lane is one recursive query
 * that carries the previous hash, one step per entry, inserted by one
 * statement; lanes are independent and load in parallel.  Entries are
 * runner links by user actors, 1 second apart, with ids
 * lane * per_lane + lane_seq (each lane a block of ids, inserted in order).
 */
SET session_replication_role = replica;
SET synchronous_commit = off;
INSERT INTO runner_policy.audit_log (id, at, db_role, actor_kind, actor_user_id, token_id,
	action, object_type, object_id, old, new, lane, lane_seq, prev_hash, hash)
WITH RECURSIVE chain (seq, prev, hash) AS (
	SELECT 0::bigint, NULL::bytea, '\x'::bytea
	UNION ALL
	SELECT c.seq + 1, c.hash,
		   runner_policy.audit_entry_hash(c.hash, :lane * :per_lane + c.seq + 1, :lane, c.seq + 1,
			   to_timestamp(:t0 + c.seq + 1), 'forge_app', 'user', 1 + (c.seq % 50), NULL,
			   'link', 'runner_project_link', :lane * :per_lane + c.seq + 1, NULL,
			   jsonb_build_object('id', :lane * :per_lane + c.seq + 1, 'runner_id', 1 + c.seq % 1000,
								  'project_id', 1 + c.seq % 200))
	  FROM chain c
	 WHERE c.seq < :per_lane AND :lane * :per_lane + c.seq < :n
)
SELECT :lane * :per_lane + c.seq, to_timestamp(:t0 + c.seq), 'forge_app', 'user', 1 + ((c.seq - 1) % 50), NULL,
	   'link', 'runner_project_link', :lane * :per_lane + c.seq, NULL,
	   jsonb_build_object('id', :lane * :per_lane + c.seq, 'runner_id', 1 + (c.seq - 1) % 1000,
						  'project_id', 1 + (c.seq - 1) % 200),
	   :lane, c.seq, c.prev, c.hash
  FROM chain c
 WHERE c.seq > 0;
