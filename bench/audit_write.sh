#!/usr/bin/env bash
# bench/audit_write.sh: what auditing costs, runnable by itself:
#
#   RP_PG_ROOT=/opt/pg-x ./bench/audit_write.sh
#
# 1. Write throughput of 8 concurrent clients (pgbench, bench/audit_write.pgbench:
#    register a project runner, link it to a second project, unlink it, as
#    an admin actor through an application role), with the audit triggers
#    on, against the same workload with them disabled (ALTER TABLE ...
#    DISABLE TRIGGER audit_*).  The two alternate, round by round, in one
#    cluster.  The figure is the median of the rounds' ratios (each round's
#    two runs are back to back, so they share whatever else the machine is
#    doing); the ratio of the median transactions per second is shown too.
#    Target: at least 0.7x.
# 2. verify_audit_log() over 1M entries in 32 lanes (loaded as the
#    superuser with triggers off, chained exactly as the writer chains
#    them, by bench/audit_load.sh): median time of a few runs.
#
# Environment: AUDIT_BENCH_CLIENTS (8), AUDIT_BENCH_SECONDS per round (15),
# AUDIT_BENCH_ROUNDS per side (3), AUDIT_BENCH_ENTRIES (1000000),
# AUDIT_BENCH_VERIFY_RUNS (3).
#
# Exit status: 0 when it measured (the table says whether the target is
# met), 2 when it could not.  Never part of the test suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../test/harness.sh"
source "$REPO_ROOT/bench/audit_load.sh"
cd "$REPO_ROOT"

CLIENTS=${AUDIT_BENCH_CLIENTS:-8}
DURATION=${AUDIT_BENCH_SECONDS:-15}
ROUNDS=${AUDIT_BENCH_ROUNDS:-3}
ENTRIES=${AUDIT_BENCH_ENTRIES:-1000000}
VERIFY_RUNS=${AUDIT_BENCH_VERIFY_RUNS:-3}
for v in "$CLIENTS" "$DURATION" "$ROUNDS" "$ENTRIES" "$VERIFY_RUNS"; do
	case "$v" in
		'' | *[!0-9]* | 0) harness_die "the AUDIT_BENCH_* settings must be positive integers" ;;
	esac
done
DB=runner_policy_audit_bench

harness_setup max_parallel_workers_per_gather=0 "max_connections=$((CLIENTS + 20))"
psql_db() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
harness_create_db "$DB"

harness_say "setting up: 200 projects, an application role, an admin"
psql_db <<'SQL'
INSERT INTO runner_policy.users (id, username, admin) VALUES (1, 'root', true);
INSERT INTO runner_policy.namespaces (id, name) VALUES (1, 'bench');
INSERT INTO runner_policy.projects (id, namespace_id, name)
SELECT g, 1, 'p' || g FROM generate_series(1, 200) g;
CREATE ROLE bench_app LOGIN;
GRANT USAGE ON SCHEMA runner_policy TO bench_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA runner_policy TO bench_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA runner_policy TO bench_app;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO bench_app;
VACUUM ANALYZE;
SQL

AUDIT_TABLES=(ci_runners ci_runner_projects ci_runner_namespaces project_members group_members tokens
	users namespaces projects ci_job_token_scope_links)
set_audit() {	# on | off
	local verb=ENABLE t sql=""
	[ "$1" = off ] && verb=DISABLE
	for t in "${AUDIT_TABLES[@]}"; do
		sql+="ALTER TABLE runner_policy.$t $verb TRIGGER audit_$t;"
	done
	psql_db -c "$sql"
}

run_round() {	# on | off -> prints tps
	set_audit "$1"
	"$PG_BIN/pgbench" -n -U bench_app -d "$DB" -c "$CLIENTS" -j "$CLIENTS" -T "$DURATION" \
		-f bench/audit_write.pgbench 2>&1 |
		sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

harness_say "write throughput: $CLIENTS clients, $ROUNDS rounds of ${DURATION}s per side, alternating"
run_round on >/dev/null	# warm-up, dropped
on_tps=() off_tps=()
for ((i = 1; i <= ROUNDS; i++)); do
	off_tps+=("$(run_round off)")
	on_tps+=("$(run_round on)")
	harness_say "round $i: audit off ${off_tps[-1]} tps, audit on ${on_tps[-1]} tps"
done
set_audit on
on_med=$(printf '%s\n' "${on_tps[@]}" | median)
off_med=$(printf '%s\n' "${off_tps[@]}" | median)
broken=$(psql_db -At -c 'SELECT count(*) FROM runner_policy.verify_audit_log()')
lanes=$(psql_db -At -c 'SELECT count(DISTINCT lane) FROM runner_policy.audit_log')
written=$(psql_db -At -c 'SELECT count(*) FROM runner_policy.audit_log')
[ "$broken" = 0 ] || harness_die "verify_audit_log() found $broken broken entries after the write benchmark"

harness_say "loading $ENTRIES chained entries in 32 lanes (triggers off, as a restore would)"
audit_preload psql_db "$ENTRIES"
harness_say "loaded in ${AUDIT_LOAD_MS} ms (bench/audit_load.sh)"
loaded=$(psql_db -At -c 'SELECT count(*) FROM runner_policy.audit_log')

harness_say "verify_audit_log() over $loaded entries, $VERIFY_RUNS runs"
verify_ms=()
for ((i = 1; i <= VERIFY_RUNS; i++)); do
	out=$(psql_db -At <<'SQL'
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) FROM runner_policy.verify_audit_log();
SELECT round(extract(epoch FROM clock_timestamp() - :'t0') * 1000);
SQL
)
	found=$(sed -n 1p <<<"$out")
	[ "$found" = 0 ] || harness_die "verify_audit_log() found $found broken entries in the loaded log"
	verify_ms+=("$(sed -n 2p <<<"$out")")
done
verify_med=$(printf '%s\n' "${verify_ms[@]}" | median)

ratios=()
for ((i = 0; i < ROUNDS; i++)); do
	ratios+=("$(awk -v a="${on_tps[$i]}" -v b="${off_tps[$i]}" 'BEGIN { printf "%.3f", a / b }')")
done
ratio_exact=$(printf '%s\n' "${ratios[@]}" | median)
ratio=$(awk -v r="$ratio_exact" 'BEGIN { printf "%.3f", r }')
ratio_of_medians=$(awk -v a="$on_med" -v b="$off_med" 'BEGIN { printf "%.3f", a / b }')
met=$(awk -v r="$ratio_exact" 'BEGIN { print (r >= 0.7) ? "yes" : "no" }')
echo
echo "Auditing: write throughput, $CLIENTS clients (register, link, unlink: 4 entries a transaction)"
echo
echo "| audit triggers | tps (median of $ROUNDS) | rounds |"
echo "|---|---|---|"
echo "| off | $off_med | ${off_tps[*]} |"
echo "| on | $on_med | ${on_tps[*]} |"
echo
echo "ratio on/off: ${ratio}x, median of the rounds' ratios ${ratios[*]} (target 0.7x: $met);"
echo "ratio of the medians ${ratio_of_medians}x; $written entries written in $lanes lanes, verify_audit_log() intact"
echo
echo "verify_audit_log() over $loaded entries in 32 lanes: ${verify_med} ms (median of ${verify_ms[*]} ms)"
