# bench/audit_load.sh: preloads the audit log with N chained entries spread
# evenly over LANES lanes (all 32 by default), consistent with their heads
# in audit_lanes, so that verify_audit_log() passes and the writer appends
# to them as to its own.  Sourced by bench/audit_write.sh and
# bench/write_pairs.sh; do not run.
#
#   audit_preload PSQL N [LANES [JOBS]]
#
# PSQL is a command (a shell function) that runs psql as a superuser on the
# database.  Each lane is one statement of bench/audit_lane.sql (a hash
# chain is sequential, so a lane is one recursive query); JOBS lanes load
# at once (default: the number of cores).  Then every lane's head is set to
# its last entry, the identity sequence is moved past the loaded ids, and
# the log is VACUUM ANALYZEd.  Everything already in the log goes first
# (TRUNCATE with triggers off, as a restore would).  Sets AUDIT_LOAD_MS.

audit_preload() {
	local psql=$1 n=$2 lanes=${3:-32} jobs=${4:-$(nproc)} per_lane t0 start
	per_lane=$(((n + lanes - 1) / lanes))
	t0=$(($(date +%s) - 40 * 86400))
	start=$(date +%s%N)
	"$psql" -c 'SET session_replication_role = replica' \
		-c 'TRUNCATE runner_policy.audit_log, runner_policy.audit_lanes' >/dev/null
	local lane running=0 failed=0
	for lane in $(seq 0 $((lanes - 1))); do
		if [ "$running" -ge "$jobs" ]; then
			wait -n || failed=1
			running=$((running - 1))
		fi
		"$psql" -q -v lane="$lane" -v per_lane="$per_lane" -v n="$n" -v t0="$t0" \
			-f "$REPO_ROOT/bench/audit_lane.sql" >/dev/null &
		running=$((running + 1))
	done
	while [ "$running" -gt 0 ]; do
		wait -n || failed=1
		running=$((running - 1))
	done
	[ "$failed" = 0 ] || harness_die "loading the audit log failed"
	"$psql" -q <<'SQL'
SET session_replication_role = replica;
INSERT INTO runner_policy.audit_lanes (lane, seq, hash)
SELECT l.lane, e.lane_seq, e.hash
  FROM generate_series(0, 31) AS l (lane)
 CROSS JOIN LATERAL (SELECT x.lane_seq, x.hash FROM runner_policy.audit_log x
					  WHERE x.lane = l.lane ORDER BY x.lane_seq DESC LIMIT 1) e;
SELECT setval('runner_policy.audit_log_id_seq',
			  (SELECT coalesce(max(id), 0) + 1 FROM runner_policy.audit_log), false) \g /dev/null
RESET session_replication_role;
VACUUM ANALYZE runner_policy.audit_log, runner_policy.audit_lanes;
SQL
	AUDIT_LOAD_MS=$((($(date +%s%N) - start) / 1000000))
}
