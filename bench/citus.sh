#!/usr/bin/env bash
# bench/citus.sh: a Citus coordinator and two workers against the single
# node, on the same machine (bench/README.md, part "citus"; the figures are
# recorded in doc/citus.md).
#
#   BENCH_SCALE=0.1 bench/citus.sh      (BENCH_SCALE: bench/data.sql's forge
#                                        scaled, default 0.1; BENCH_SECONDS:
#                                        how long each figure runs, default 5;
#                                        BENCH_CITUS_CACHED_CONNS: citus.
#                                        max_cached_conns_per_worker, default 1)
#
# Citus: as test/citus/run finds or builds it (installed, or built from
# ../shared/vendor/citus into RP_CITUS_CACHE).  Three servers (Unix sockets
# in a temporary directory, as the postgres OS user), each with
# shared_preload_libraries = 'citus, runner_policy', 8 shards.  The
# coordinator holds both databases: rp_single (no Citus) and rp, which
# runner_policy.citus_distribute() distributes after bench/data.sql loaded
# the same forge into both.
#
# Every figure is pgbench's per-statement latency (pgbench -r, one client,
# simple protocol) of a statement run as the application role bench_app in
# a transaction block, as the README recommends:
#   BEGIN; SELECT runner_policy.act_as(N); <statement>; <statement>; COMMIT;
# "ms" is the second <statement> (the actor's assertion is already on the
# workers), "first" the first one, which on Citus also ships it.  The
# assertion's cost per statement is first - ms with an actor, less the same
# difference for the superuser with no actor (which ships nothing): what
# Citus itself spends on a transaction's first statement.
#
# Cases, for the admin (1), the auditor (2), the maintainer of 20 projects
# (3), the heavy user (4) and a user with no memberships (5): count(*) of
# the runners, the first page (20 by id descending), a point read of a
# runner the actor sees.  Writes: a maintainer registers a project runner
# (committed; COMMIT's latency is shown apart: on Citus a write of a
# distributed table commits on one worker), an admin deletes a project with
# its runners and jobs (two private projects of the same shape, 23 and 33,
# rolled back, so that every round deletes the same ones).  Prints one table, ratios Citus / single node.  Never part of
# the tests.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../test/harness.sh"
cd "$REPO_ROOT"
scale=${BENCH_SCALE:-0.1}
seconds=${BENCH_SECONDS:-5}
# how many connections the coordinator keeps to each worker between
# transactions (Citus' default: 1); BENCH_CITUS_CACHED_CONNS=4 keeps one per
# shard of a worker, so that a transaction's first statement finds worker
# backends that already hold the actor's rights
cached_conns=${BENCH_CITUS_CACHED_CONNS:-1}

harness_install_packages
harness_build
HARNESS_DIR=$(mktemp -d /tmp/runner_policy-bench.XXXXXX)
export HARNESS_DIR
trap 'stop_nodes; harness_stop' EXIT
[ "$(id -u)" -eq 0 ] && chown postgres: "$HARNESS_DIR"
chmod 711 "$HARNESS_DIR"
out=$HARNESS_DIR/bench
mkdir -p "$out"

# Citus in the server, as the test finds or builds it
test/citus/run --provision || harness_die "no Citus (see test/citus/run)"

base_port=5460
port() { echo $((base_port + $1)); }
stop_nodes() {
	local n
	for n in 0 1 2; do
		[ -f "$HARNESS_DIR/node$n/postmaster.pid" ] &&
			harness_as_server_user "$PG_BIN/pg_ctl" -D "$HARNESS_DIR/node$n" -m fast -w stop >/dev/null 2>&1
	done
	return 0
}
psql_at() {	# psql_at NODE DB [args...]: as postgres
	local n=$1 db=$2
	shift 2
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$HARNESS_DIR" -p "$(port "$n")" -U postgres -d "$db" "$@"
}

harness_say "starting a coordinator and two workers (BENCH_SCALE=$scale)"
for n in 0 1 2; do
	harness_as_server_user "$PG_BIN/initdb" -D "$HARNESS_DIR/node$n" -U postgres -A trust -E UTF8 \
		--locale=C --no-sync >"$out/initdb$n.log" 2>&1 || { cat "$out/initdb$n.log"; exit 2; }
	harness_as_server_user "$PG_BIN/pg_ctl" -D "$HARNESS_DIR/node$n" -l "$HARNESS_DIR/node$n.log" \
		-w -t 120 start -o "-c port=$(port "$n") -c listen_addresses='' \
			-c unix_socket_directories='$HARNESS_DIR' \
			-c shared_preload_libraries='citus,runner_policy' -c fsync=off \
			-c synchronous_commit=off -c full_page_writes=off -c max_prepared_transactions=50 \
			-c lc_messages=C -c max_connections=80 -c shared_buffers=128MB \
			-c max_worker_processes=16 -c citus.max_background_task_executors_per_node=1 \
			-c log_min_messages=warning -c citus.shard_count=8 \
			-c citus.max_cached_conns_per_worker=$cached_conns" >/dev/null ||
		{ cat "$HARNESS_DIR/node$n.log"; exit 2; }
done

harness_say "loading the forge into rp_single and rp"
for n in 0 1 2; do psql_at "$n" postgres -c "CREATE DATABASE rp"; done
psql_at 0 postgres -c "CREATE DATABASE rp_single"
for n in 0 1 2; do psql_at "$n" rp -c "CREATE EXTENSION citus"; done
psql_at 0 rp <<SQL >/dev/null
SELECT citus_set_coordinator_host('$HARNESS_DIR', $(port 0));
SELECT citus_add_node('$HARNESS_DIR', $(port 1));
SELECT citus_add_node('$HARNESS_DIR', $(port 2));
CREATE ROLE bench_app LOGIN;
SQL
grants="GRANT USAGE ON SCHEMA runner_policy TO bench_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA runner_policy TO bench_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA runner_policy TO bench_app;
GRANT EXECUTE ON FUNCTION runner_policy.act_as(bigint, boolean) TO bench_app;"
for db in rp_single rp; do
	t=$SECONDS
	psql_at 0 "$db" -c "CREATE EXTENSION runner_policy" -c "$grants" >/dev/null
	psql_at 0 "$db" -v scale="$scale" -f bench/data.sql >/dev/null
	harness_say "  $db: loaded in $((SECONDS - t)) s"
done
t=$SECONDS
psql_at 0 rp -c "SELECT runner_policy.citus_distribute()" >/dev/null
harness_say "  citus_distribute() took $((SECONDS - t)) s"
for db in rp_single rp; do psql_at 0 "$db" -c "VACUUM ANALYZE" >/dev/null; done

# the ids the cases read: a runner of project 17 (user 3 maintains it), of
# project 3 (user 4 does), and instance runner 1 (everyone sees it)
pr0=$(psql_at 0 rp_single -At -c "SELECT min(id) - 1 FROM runner_policy.ci_runners WHERE runner_type = 3")
maint_runner=$((pr0 + 17))
heavy_runner=$((pr0 + 3))
for db in rp_single rp; do	# the same answers in both, before any timing
	psql_at 0 "$db" -At -c "SELECT count(*) FROM runner_policy.ci_runners" >"$out/$db.count"
done
cmp -s "$out/rp_single.count" "$out/rp.count" || harness_die "the two databases differ"

# measure NAME DB ROLE SCRIPT: runs SCRIPT with pgbench; prints
# "NAME DB ms1 ms2 ..." (each statement's latency, in order)
measure() {
	local name=$1 db=$2 role=$3 file=$out/$1.$2.sql
	cat >"$file"
	"$PG_BIN/pgbench" -n -r -M simple -c 1 -T "$seconds" -h "$HARNESS_DIR" -p "$(port 0)" \
		-U "$role" "$db" -f "$file" >"$out/$name.$db.out" 2>&1 ||
		{ cat "$out/$name.$db.out" >&2; return 1; }
	printf '%s %s' "$name" "$db"
	sed -n '/^statement latencies/,$p' "$out/$name.$db.out" | awk 'NR > 1 { printf " %s", $1 }'
	echo
}

reads=(
	"count|SELECT count(*) FROM runner_policy.ci_runners"
	"page|SELECT * FROM runner_policy.ci_runners ORDER BY id DESC LIMIT 20"
)
actors=("1 admin $maint_runner" "2 auditor $maint_runner" "3 maintainer $maint_runner"
	"4 heavy $heavy_runner" "5 nobody 1")
results=$out/results
: >"$results"
harness_say "measuring ($seconds s a figure, $((2 * (5 * 3 + 3) * seconds)) s in all)"
for db in rp_single rp; do
	for a in "${actors[@]}"; do
		read -r id who runner <<<"$a"
		for r in "${reads[@]}" "point|SELECT * FROM runner_policy.ci_runners WHERE id = $runner"; do
			measure "$who:${r%%|*}" "$db" bench_app <<SQL >>"$results"
BEGIN;
SELECT runner_policy.act_as($id);
${r#*|};
${r#*|};
COMMIT;
SQL
		done
	done
	# Citus' own cost of a first statement: no actor, nothing shipped
	measure "superuser:point" "$db" postgres <<SQL >>"$results"
BEGIN;
SELECT 1;
SELECT * FROM runner_policy.ci_runners WHERE id = $maint_runner;
SELECT * FROM runner_policy.ci_runners WHERE id = $maint_runner;
COMMIT;
SQL
	measure "maintainer:register" "$db" bench_app <<SQL >>"$results"
BEGIN;
SELECT runner_policy.act_as(3);
INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id, description) VALUES (3, 17, 'bench');
INSERT INTO runner_policy.ci_runners (runner_type, sharding_key_id, description) VALUES (3, 17, 'bench');
COMMIT;
SQL
	measure "admin:delete_project" "$db" bench_app <<SQL >>"$results"
BEGIN;
SELECT runner_policy.act_as(1);
DELETE FROM runner_policy.projects WHERE id = 23;
DELETE FROM runner_policy.projects WHERE id = 33;
ROLLBACK;
SQL
done

# one line a case: single node, Citus, ratio; first statements; COMMIT
printf '\nrunner_policy on Citus (coordinator + 2 workers, 8 shards) against one node; BENCH_SCALE=%s\n' "$scale"
printf 'ms: the second statement of its transaction block; first: the first one (ships the actor)\n\n'
awk '
	$2 == "rp_single" { s[$1] = $0; order[n++] = $1 }
	$2 == "rp"        { c[$1] = $0 }
	END {
		printf "%-22s %10s %10s %7s %12s %12s %10s %10s\n", "case", "single ms", "citus ms", "ratio",
			"single 1st", "citus 1st", "commit 1", "commit C"
		for (i = 0; i < n; i++) {
			k = order[i]; split(s[k], a, " "); split(c[k], b, " ")
			# fields: name db BEGIN act_as first second COMMIT
			sf = a[5]; ss = a[6]; cf = b[5]; cs = b[6]
			printf "%-22s %10.3f %10.3f %6.1fx %12.3f %12.3f %10.3f %10.3f\n", k, ss, cs, cs / ss, sf, cf,
				a[7], b[7]
			if (k == "superuser:point") { base_s = sf - ss; base_c = cf - cs }
			if (k == "maintainer:point") { act_s = sf - ss; act_c = cf - cs }
		}
		printf "\nthe assertion per statement (Citus): %.3f ms (first - second of a point read: %.3f ms as an actor, %.3f ms as the superuser)\n",
			act_c - base_c, act_c, base_c
		printf "the same difference on the single node: %.3f ms as an actor, %.3f ms as the superuser\n", act_s, base_s
	}' "$results" | tee "$out/table"
