#!/usr/bin/env bash
# bench/churn.sh: reads under churn, on a primary and on its hot standby
# (bench/README.md, "Reads under churn"); part "churn" of `make bench`,
# runnable by itself:
#
#   RP_PG_ROOT=/opt/pg-x BENCH_SCALE=0.02 BENCH_CHURN_SECONDS=4 ./bench/churn.sh
#
# One primary with the forge of bench/data.sql at BENCH_SCALE, and a hot
# standby of it (pg_basebackup, streaming replication), both with the
# library preloaded, as test/harness.sh starts every cluster.  Everything
# is timed in windows: BENCH_CHURN_WARMUP seconds in which the readers'
# sessions make their first reads (the first builds the session's reach
# and plan) with nobody writing, then BENCH_CHURN_SECONDS of reads:
#   - in a churn window a writer (bench/churn/writer.pgbench, one session,
#     as bench_app) commits project-runner registrations and deletions at
#     BENCH_CHURN_WRITE_RATE a second (pgbench -R) and a membership change
#     every BENCH_CHURN_MEMBER_EVERY-th of them (one a second by default),
#     from the end of the warm-up to a second after the readers stop; the
#     reads begun in its first second are left out; in an idle window
#     nobody writes;
#   - one read, on the primary or on the standby, by two readers at once,
#     each its own session, paced alike (pgbench -R BENCH_CHURN_READ_RATE,
#     -M prepared), so that whatever the machine and the writer do
#     meanwhile weighs on both sides:
#       rls   bench_app with a session actor (act_as(..., false) once)
#       hand  the superuser, by hand: the same rows by the join of
#             bench/queries/user_runners.sql, or the primary-key lookup
#     The reads: the heavy user's first page of 20 runners (page), its
#     count of the runners it sees (count), the maintainer's point read
#     of one runner (point);
#   - beside them, a witness reads one runner ten times a second as the
#     user the membership changes concern: its reach must be rebuilt after
#     each of them, and, on the primary, nobody else's.
# Each round runs every window once: the two states (churn first in odd
# rounds), on the primary then the standby, the three reads.  The decision
# cache's counters of the rls reader and the witness
# (runner_policy.stat_backends) are read a second after the warm-up and a
# second before the window ends.

# Environment:
#   BENCH_SCALE               forge size (default 1: 1M runners)
#   BENCH_CHURN_SECONDS       length of a window (default 10; >= 3)
#   BENCH_CHURN_ROUNDS        rounds (default 2)
#   BENCH_CHURN_READ_RATE     reads a second per reader (default 50: every
#                             20 ms; a read slower than that runs back to
#                             back, and its schedule lag is not counted)
#   BENCH_CHURN_WRITE_RATE    runner commits a second (default 20)
#   BENCH_CHURN_MEMBER_EVERY  a membership change every this many runner
#                             commits (default 20: one a second; 0: none,
#                             registrations and deletions only)
#   BENCH_CHURN_WARMUP        seconds the readers read before the writer
#                             starts, and whose reads are left out: the
#                             first read of a session builds its reach and
#                             its plan (default 2 + 10 x BENCH_SCALE,
#                             rounded up: 12 s at 1M runners)
#   BENCH_CHURN_STANDBY       1 (default); 0: no standby, primary only
#   BENCH_CHURN_FEEDBACK      1 (default): the standby runs with
#                             hot_standby_feedback = on, as a standby that
#                             serves reads should; 0: PostgreSQL's default
#                             (off)
#   BENCH_CHURN_PLANS         1 (default): EXPLAIN ANALYZE of the reads at
#                             the end, on the primary with nobody writing
#   BENCH_CHURN_KEEP          a directory to copy the raw figures into (the
#                             pgbench logs and outputs, the counters); by
#                             default they go with the cluster
#
# Exit status: 0 when it measured (whether or not targets are met, and
# whether or not a session failed: the table says), 2 when it could not.
# Never part of the test suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../test/harness.sh"
cd "$REPO_ROOT"

SCALE=${BENCH_SCALE:-1}
SECS=${BENCH_CHURN_SECONDS:-10}
ROUNDS=${BENCH_CHURN_ROUNDS:-2}
READ_RATE=${BENCH_CHURN_READ_RATE:-50}
WRITE_RATE=${BENCH_CHURN_WRITE_RATE:-20}
MEMBER_EVERY=${BENCH_CHURN_MEMBER_EVERY:-20}
WARMUP=${BENCH_CHURN_WARMUP:-$(awk -v s="$SCALE" 'BEGIN { w = 2 + 10 * s; print (w == int(w)) ? w : int(w) + 1 }')}
STANDBY=${BENCH_CHURN_STANDBY:-1}
FEEDBACK=${BENCH_CHURN_FEEDBACK:-1}
PLANS=${BENCH_CHURN_PLANS:-1}
KEEP=${BENCH_CHURN_KEEP:-}
[[ "$SCALE" =~ ^(0|[1-9][0-9]*)?(\.[0-9]+)?$ && "$SCALE" =~ [1-9] ]] ||
	harness_die "BENCH_SCALE must be a positive number (1 = 1M runners)"
for v in SECS ROUNDS READ_RATE WRITE_RATE; do
	[[ "${!v}" =~ ^[1-9][0-9]*$ ]] ||
		harness_die "BENCH_CHURN_SECONDS, _ROUNDS, _READ_RATE and _WRITE_RATE must be positive integers"
done
[[ "$MEMBER_EVERY" =~ ^[0-9]+$ ]] || harness_die "BENCH_CHURN_MEMBER_EVERY must be an integer"
# 0: no membership change (the writer's counter never gets that far)
[ "$MEMBER_EVERY" != 0 ] || MEMBER_EVERY=2000000000
[ "$SECS" -ge 3 ] || harness_die "BENCH_CHURN_SECONDS must be at least 3"
[[ "$WARMUP" =~ ^[1-9][0-9]*$ ]] || harness_die "BENCH_CHURN_WARMUP must be a positive integer (seconds)"
[[ "$STANDBY" =~ ^[01]$ && "$PLANS" =~ ^[01]$ && "$FEEDBACK" =~ ^[01]$ ]] ||
	harness_die "BENCH_CHURN_STANDBY, _PLANS and _FEEDBACK are 0 or 1"
START=$SECONDS
DB=runner_policy_churn
PRIMARY_PORT=5432
STANDBY_PORT=5433

# The settings of bench/run and bench/twin.sh: parallel query and JIT off
# (the policy side never runs in parallel; JIT compiles each side
# differently), buffers to hold the forge; the standby gets the same.
SETTINGS=(max_parallel_workers_per_gather=0 jit=off shared_buffers=2GB
	work_mem=16MB maintenance_work_mem=512MB max_wal_size=8GB
	checkpoint_timeout=1h max_connections=40)
harness_setup "${SETTINGS[@]}"
WORK=$HARNESS_DIR/churn
mkdir -p "$WORK"

port_of() { [ "$1" = standby ] && echo $STANDBY_PORT || echo $PRIMARY_PORT; }
psql_on() {	# primary | standby, then psql arguments
	local port
	port=$(port_of "$1")
	shift
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$HARNESS_DIR" -p "$port" -d "$DB" "$@"
}
pgbench_on() {	# primary | standby, then pgbench arguments
	local port
	port=$(port_of "$1")
	shift
	"$PG_BIN/pgbench" -h "$HARNESS_DIR" -p "$port" "$@" "$DB"
}
# A query file's text, without its comment block and trailing semicolon.
query_text() { sed -e '1,/^ \*\/$/d' -e 's/;[[:space:]]*$//' "$1"; }

harness_create_db "$DB"
harness_say "loading the forge at BENCH_SCALE=$SCALE (bench/data.sql)"
t=$SECONDS
psql_on primary -v scale="$SCALE" -f bench/data.sql >/dev/null
psql_on primary -c 'VACUUM (FREEZE, ANALYZE)'
broken=$(psql_on primary -At -c 'SELECT count(*) FROM runner_policy.check_invariants()')
[ "$broken" = 0 ] || harness_die "check_invariants() reports $broken broken rules after loading"
LOAD_S=$((SECONDS - t))
line=$(psql_on primary -At -f bench/churn/setup.sql | tail -n 1)
[[ "$line" == heavy=* ]] || harness_die "bench/churn/setup.sql printed no variables"
VARS=()
for v in $line; do VARS+=(-D "$v"); declare "${v%%=*}=${v#*=}"; done
RUNNERS=$(psql_on primary -At -c 'SELECT count(*) FROM runner_policy.ci_runners')
harness_say "forge of $RUNNERS runners loaded in ${LOAD_S}s; check_invariants() empty; $line"

PLACES=(primary)
STANDBY_S=0
if [ "$STANDBY" = 1 ]; then
	harness_say "copying the primary into a hot standby (pg_basebackup)"
	t=$SECONDS
	harness_as_server_user "$PG_BIN/pg_basebackup" -h "$HARNESS_DIR" -p $PRIMARY_PORT -U postgres \
		-D "$HARNESS_DIR/standby" -R --no-sync --checkpoint=fast >"$WORK/basebackup.log" 2>&1 ||
		{ cat "$WORK/basebackup.log" >&2; harness_die "pg_basebackup failed"; }
	opts="-c port=$STANDBY_PORT -c listen_addresses='' -c unix_socket_directories='$HARNESS_DIR'"
	opts+=" -c hot_standby=on -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	opts+=" -c max_prepared_transactions=10 -c lc_messages=C"
	# A standby that serves reads runs with hot_standby_feedback = on: the
	# primary's vacuum then keeps the rows the standby's readers may still
	# see, and replay does not stop to wait for (or cancel) their queries.
	# Off, replay stalls behind the readers' own statements, and while it
	# stalls every statement rebuilds its reach (README, "The decision
	# cache").
	[ "$FEEDBACK" = 1 ] && opts+=" -c hot_standby_feedback=on"
	opts+=" -c shared_preload_libraries=${RP_PRELOAD-runner_policy}"
	for s in "${SETTINGS[@]}"; do opts+=" -c $s"; done
	harness_as_server_user "$PG_BIN/pg_ctl" -D "$HARNESS_DIR/standby" -o "$opts" \
		-l "$HARNESS_DIR/standby.log" -w -t 600 start >/dev/null ||
		{ cat "$HARNESS_DIR/standby.log" >&2; harness_die "the standby did not start"; }
	[ "$(psql_on standby -At -c 'SELECT pg_is_in_recovery()')" = t ] || harness_die "the standby is not in recovery"
	STANDBY_S=$((SECONDS - t))
	PLACES+=(standby)
	harness_say "standby up on port $STANDBY_PORT in ${STANDBY_S}s"
fi

# The standby has replayed everything the primary has written so far.
catch_up() {
	[ "$STANDBY" = 1 ] || return 0
	local lsn i
	lsn=$(psql_on primary -At -c 'SELECT pg_current_wal_lsn()')
	for i in $(seq 1 600); do
		[ "$(psql_on standby -At -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ] && return 0
		sleep 0.1
	done
	harness_die "the standby did not catch up with the primary in 60 s"
}

# ---- the reads: one pgbench script per read and side ----
HEAVY_HAND=$(query_text bench/queries/user_runners.sql | sed 's/\$USER/4/g')
declare -A SQL=(
	[page.rls]='SELECT * FROM runner_policy.ci_runners ORDER BY id DESC LIMIT 20;'
	[page.hand]="SELECT * FROM ($HEAVY_HAND) AS q ORDER BY id DESC LIMIT 20;"
	[count.rls]='SELECT count(*) FROM runner_policy.ci_runners;'
	[count.hand]="SELECT count(*) FROM ($HEAVY_HAND) AS q;"
	[point.rls]='SELECT * FROM runner_policy.ci_runners WHERE id = :point;'
	[point.hand]='SELECT * FROM runner_policy.ci_runners WHERE id = :point;'
	[witness.rls]='SELECT * FROM runner_policy.ci_runners WHERE id = 1;'
)
declare -A ACTOR=([page]=$heavy [count]=$heavy [point]=$maint [witness]=$member)
declare -A LABEL=([page]="heavy user: first page of 20" [count]="heavy user: count"
	[point]="maintainer: point read" [witness]="witness (user $member): point read")
READS=(page count point)
for r in "${READS[@]}" witness; do
	# the session's actor, set once (is_local => false), in its first run
	{
		echo "\\if :acted = 0"
		echo "SELECT runner_policy.act_as(:actor, false);"
		echo "\\set acted 1"
		echo "\\endif"
		echo "${SQL[$r.rls]}"
	} >"$WORK/$r.rls.pgbench"
	[ -n "${SQL[$r.hand]:-}" ] && echo "${SQL[$r.hand]}" >"$WORK/$r.hand.pgbench"
done

# ---- the rows agree, and the caches are warm ----
# Each read's two sides return the same rows, on each cluster, with
# nobody writing; a disagreement is shown in the table, not fatal.
declare -A AGREE
harness_say "checking that both sides of each read return the same rows"
digest() {	# place side read
	local place=$1 side=$2 r=$3 sql q
	sql=${SQL[$r.$side]%;}
	sql=${sql//:point/$point}
	case $r in
	page) q="SELECT md5(string_agg(id::text, ',' ORDER BY id DESC)) FROM ($sql) AS d" ;;
	count) q="$sql" ;;
	point) q="SELECT md5(d::text) FROM ($sql) AS d" ;;
	esac
	if [ "$side" = rls ]; then
		psql_on "$place" -At -U bench_app -c "SELECT runner_policy.act_as(${ACTOR[$r]}, false)" -c "$q" | tail -n 1
	else
		psql_on "$place" -At -c "$q"
	fi
}
catch_up
for place in "${PLACES[@]}"; do
	for r in "${READS[@]}"; do
		a=$(digest "$place" rls "$r") b=$(digest "$place" hand "$r")
		if [ -n "$a" ] && [ "$a" = "$b" ]; then AGREE[$place.$r]=yes; else
			AGREE[$place.$r]=NO
			harness_say "$place, $r: the sides differ (rls '$a', hand '$b')"
		fi
	done
done

# ---- windows ----
# Puts the forge back as the writer found it: its runners gone, its member
# out of wp.  A window's writer stops wherever it is.
churn_reset() {
	psql_on primary -c "DELETE FROM runner_policy.ci_runners WHERE runner_type = 3 AND sharding_key_id = $wp AND description = 'bench: churn'" \
		-c "DELETE FROM runner_policy.project_members WHERE project_id = $wp AND user_id = $member" >/dev/null
}

# The decision cache's counters of the rls reader and the witness, a
# second after the writer starts and a second before it ends: one session,
# started with the readers (a connection made at the second moment could
# come late on a busy machine), that sleeps in between on the client side,
# idle: a statement that slept in the server would hold a snapshot, and on
# the standby the replay of the writer's changes would wait for it.
poller() {	# place window-id
	local q="SELECT '$2', %s, a.application_name, s.rebuilds, s.reuses, s.invalidations,
			   extract(epoch FROM clock_timestamp())
		  FROM runner_policy.stat_backends s JOIN pg_stat_activity a USING (pid)
		 WHERE a.application_name IN ('churn_rls', 'churn_witness');"
	# shellcheck disable=SC2059
	printf '\\! sleep %s\n%s\n\\! sleep %s\n%s\n' "$((WARMUP + 1))" "$(printf "$q" 1)" "$((SECS - 2))" "$(printf "$q" 2)" |
		psql_on "$1" -At -F ' ' | grep -v '^$' >"$WORK/$2.counters"
}

# ok_of NAME EXIT: whether a window's pgbench ran clean.
ok_of() {
	if [ "$2" = 0 ] && ! grep -q 'aborted' "$WORK/$id.out.$1"; then echo yes; else
		harness_say "$id: $1 failed (pgbench exit $2): $(grep -iE 'error|abort' "$WORK/$id.out.$1" | head -n 2 | tr '\n' ' ')"
		echo FAILED
	fi
}

# run_window STATE PLACE READ ROUND: one window, both sides of the read at
# once (each in its own session, paced alike), so that whatever the
# machine and the churn do meanwhile weighs on both.  Appends to
# $WORK/windows: id state place read round rls_ok hand_ok witness_ok writer_ok
run_window() {
	local state=$1 place=$2 r=$3 round=$4 id="$1.$2.$3.$4" side wpid= tpid ppid pids=()
	local oks=() wok=- pid rc
	catch_up
	rm -f "$WORK/$id".*
	[ "$state" = churn ] && { churn_reset; catch_up; }
	# the readers first: their first read (which builds the session's reach
	# and plan) is done before anybody writes, then they read for SECS
	PGAPPNAME=churn_witness pgbench_on "$place" -n -U bench_app -M prepared -c 1 -j 1 -R 10 -T "$((WARMUP + SECS))" \
		--log --log-prefix="$WORK/$id.log.witness" "${VARS[@]}" -D acted=0 -D actor="$member" \
		-f "$WORK/witness.rls.pgbench" >"$WORK/$id.out.witness" 2>&1 &
	tpid=$!
	for side in rls hand; do
		PGAPPNAME=churn_$side pgbench_on "$place" -n -U "$([ $side = rls ] && echo bench_app || echo postgres)" \
			-M prepared -c 1 -j 1 -R "$READ_RATE" -T "$((WARMUP + SECS))" --log --log-prefix="$WORK/$id.log.$side" \
			"${VARS[@]}" -D acted=0 -D actor="${ACTOR[$r]}" \
			-f "$WORK/$r.$side.pgbench" >"$WORK/$id.out.$side" 2>&1 &
		pids+=($!)
	done
	poller "$place" "$id" &
	ppid=$!
	if [ "$state" = churn ]; then
		sleep "$WARMUP"
		PGAPPNAME=churn_writer pgbench_on primary -n -U bench_app -M prepared -c 1 -j 1 \
			-R "$WRITE_RATE" -T $((SECS + 1)) --log --log-prefix="$WORK/$id.log.writer" \
			"${VARS[@]}" -D k=0 -D member_every="$MEMBER_EVERY" \
			-f bench/churn/writer.pgbench >"$WORK/$id.out.writer" 2>&1 &
		wpid=$!
	fi
	wait "$ppid" || harness_say "$id: reading the counters failed"
	cat "$WORK/$id.counters" >>"$WORK/counters" 2>/dev/null || true
	for side in rls hand witness writer; do
		case $side in rls) pid=${pids[0]} ;; hand) pid=${pids[1]} ;; witness) pid=$tpid ;; writer) pid=$wpid ;; esac
		[ -n "$pid" ] || continue
		rc=0
		wait "$pid" || rc=$?
		oks+=("$(ok_of "$side" "$rc")")
	done
	[ -z "$wpid" ] || { wok=${oks[3]}; unset 'oks[3]'; }
	echo "$id $state $place $r $round ${oks[*]} $wok" >>"$WORK/windows"
}

# The reads of pgbench logs (one file each) that count, in ms: a read's
# time is pgbench's latency less its schedule lag (the time it waited for
# an earlier, slower read); only the reads begun from a second after the
# writer started (WARMUP seconds after the readers) count: not the
# session's first read, which builds its reach and plan, nor any other
# read of the warm-up.
counted() {
	local f
	for f in "$@"; do
		[ -f "$f" ] || continue
		awk -v warm="$((WARMUP + 1))" '{ ms = ($3 - $7) / 1000; start = $5 + $6 / 1e6 - ms / 1000
			if (NR == 1) first = start; else if (start >= first + warm) print ms }' "$f"
	done
}

# mean ms of a window's side, for the progress line
window_mean() {
	counted "$WORK/$1".log."$2".* | awk '{ s += $1; n++ } END { if (n) printf "%.2f (%d reads)", s / n, n; else print "- (0 reads)" }'
}

: >"$WORK/windows"
: >"$WORK/counters"
t=$SECONDS
NWIN=$((ROUNDS * 2 * ${#PLACES[@]} * ${#READS[@]}))
harness_say "timing: $ROUNDS round(s) of $((NWIN / ROUNDS)) windows of ${WARMUP}s + ${SECS}s (about $((NWIN * (WARMUP + SECS + 3) / 60)) min)"
for ((round = 1; round <= ROUNDS; round++)); do
	states=(churn idle)
	[ $((round % 2)) = 0 ] && states=(idle churn)
	for state in "${states[@]}"; do
		for place in "${PLACES[@]}"; do
			for r in "${READS[@]}"; do
				run_window "$state" "$place" "$r" "$round"
				harness_say "round $round, $state, $place, $r: rls $(window_mean "$state.$place.$r.$round" rls) ms, hand $(window_mean "$state.$place.$r.$round" hand) ms"
			done
		done
	done
done
churn_reset
MEASURE_S=$((SECONDS - t))

# ---- report ----
# The counted reads of the windows matching state place read side, every
# round, in ms.
samples() { counted "$WORK/$1.$2.$3".*.log."$4".*; }
# mean p90 n of numbers on stdin
stats() { sort -g | awk '{ a[NR] = $1; s += $1 } END { if (NR == 0) { print "- - 0"; exit }
	i = int((90 * NR + 99) / 100); if (i < 1) i = 1; printf "%.6f %.6f %d\n", s / NR, a[i], NR }'; }
fmt() { awk -v x="$1" 'BEGIN { if (x == "" || x == "-") print "-"; else if (x >= 100) printf "%.0f", x; else if (x >= 10) printf "%.1f", x; else if (x >= 1) printf "%.2f", x; else printf "%.3f", x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2fx", a / b }'; }
cell() { [ "$1" = - ] && echo - || echo "$(fmt "$1") ($(fmt "$2"))"; }
failed_windows() {	# state place read
	awk -v s="$1" -v p="$2" -v r="$3" '$2 == s && $3 == p && $4 == r && ($6 $7 $8 $9) ~ /FAILED/ { n++ } END { print n + 0 }' "$WORK/windows"
}

# The writer: script runs (one runner commit each, and a membership change
# every MEMBER_EVERY-th) over the seconds it ran, every churn window.
WRITER_SECS=$((SECS + 1))
W_WINDOWS=$(awk '$2 == "churn" { n++ } END { print n + 0 }' "$WORK/windows")
writer_logs() { local f; for f in "$WORK"/churn.*.log.writer.*; do [ -f "$f" ] && cat "$f"; done; true; }
W_RUNS=$(writer_logs | wc -l)
W_MEMBER=$(writer_logs | awk -v every="$MEMBER_EVERY" '$2 % every == 0 { n++ } END { print n + 0 }')
read -r W_MEAN W_P90 _ <<<"$(writer_logs | awk '{ print ($3 - $7) / 1000 }' | stats)"
W_RATE=$(awk -v r="$W_RUNS" -v n="$W_WINDOWS" -v s="$WRITER_SECS" 'BEGIN { if (n) printf "%.1f", r / (n * s); else print "-" }')
M_RATE=$(awk -v r="$W_MEMBER" -v n="$W_WINDOWS" -v s="$WRITER_SECS" 'BEGIN { if (n) printf "%.2f", r / (n * s); else print "-" }')

met_abs() { awk -v a="$1" -v t="$2" 'BEGIN { if (a == "-") print "-"; else print (a < t) ? "yes" : "NO" }'; }
met_ratio() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else print (a / b <= t) ? "yes" : "NO" }'; }

echo
echo "Reads under churn: BENCH_SCALE=$SCALE ($RUNNERS runners), runner_policy $RP_VERSION at $(git rev-parse --short HEAD);"
echo "$ROUNDS round(s) of windows of ${WARMUP}s of warm-up and ${SECS}s of reads (those begun from a second after the"
echo "writer started), readers paced at $READ_RATE/s;"
echo "churn: $WRITE_RATE runner commits/s and a membership change every $MEMBER_EVERY of them, by one writer session."
[ "$STANDBY" = 1 ] && echo "standby: hot_standby_feedback $([ "$FEEDBACK" = 1 ] && echo on || echo "off (BENCH_CHURN_FEEDBACK=0)")."
echo "ms: mean (p90) of a read; rls: bench_app with a session actor; hand: the superuser, by hand"
echo "(bench/queries/user_runners.sql for user 4) or the primary-key lookup."
echo
{
	echo "# |figure|A ms|B ms|A/B mean|A/B p90|target|met?|rows agree|reads A, B"
	n=0
	row() {	# figure a-spec b-spec kind target-value target-text agree
		local fig=$1 am ap an bm bp bn met failed=0
		read -r am ap an <<<"$(samples $2 | stats)"
		read -r bm bp bn <<<"$(samples $3 | stats)"
		case $4 in
		abs) met=$(met_abs "$am" "$5") ;;
		ratio) met=$(met_ratio "$am" "$bm" "$5") ;;
		*) met=- ;;
		esac
		failed=$(($(failed_windows ${2% *}) + $(failed_windows ${3% *})))
		[ "$failed" -gt 0 ] && met="$met ($failed windows FAILED)"
		n=$((n + 1))
		printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s, %s\n' "$n" "$fig" "$(cell "$am" "$ap")" "$(cell "$bm" "$bp")" \
			"$(ratio "$am" "$bm")" "$(ratio "$ap" "$bp")" "${6:--}" "$met" "${7:--}" "$an" "$bn"
	}
	row "primary, churn: heavy first page (A rls, B hand)" "churn primary page rls" "churn primary page hand" abs 5 "A < 5 ms" "${AGREE[primary.page]}"
	row "primary, churn: heavy count (A rls, B hand join)" "churn primary count rls" "churn primary count hand" ratio 1.2 "<= 1.2x" "${AGREE[primary.count]}"
	row "primary, churn: maintainer point read (A rls, B PK lookup)" "churn primary point rls" "churn primary point hand" ratio 1.2 "<= 1.2x" "${AGREE[primary.point]}"
	n=$((n + 1))
	printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$n" "writer: runner commits/s (+ membership changes/s)" \
		"$W_RATE (+$M_RATE)" "-" "-" "-" ">= 15/s" "$(awk -v r="$W_RATE" 'BEGIN { if (r == "-") print "-"; else print (r >= 15) ? "yes" : "NO" }')" "-" \
		"commit ms $(fmt "$W_MEAN") ($(fmt "$W_P90"))"
	if [ "$STANDBY" = 1 ]; then
		row "standby, rls: heavy first page (A churn, B idle)" "churn standby page rls" "idle standby page rls" ratio 1.5 "<= 1.5x" "${AGREE[standby.page]}"
		row "standby, rls: heavy count (A churn, B idle)" "churn standby count rls" "idle standby count rls" ratio 1.5 "<= 1.5x" "${AGREE[standby.count]}"
		row "standby, rls: maintainer point read (A churn, B idle)" "churn standby point rls" "idle standby point rls" ratio 1.5 "<= 1.5x" "${AGREE[standby.point]}"
	fi
	for r in "${READS[@]}"; do
		row "ref: primary, idle: ${LABEL[$r]} (A rls, B hand)" "idle primary $r rls" "idle primary $r hand" ref
	done
	if [ "$STANDBY" = 1 ]; then
		for r in "${READS[@]}"; do
			row "ref: standby, churn: ${LABEL[$r]} (A rls, B hand)" "churn standby $r rls" "churn standby $r hand" ref
		done
		for r in "${READS[@]}"; do
			row "ref: standby, hand: ${LABEL[$r]} (A churn, B idle)" "churn standby $r hand" "idle standby $r hand" ref
		done
	fi
	for r in "${READS[@]}"; do
		row "ref: primary, rls: ${LABEL[$r]} (A churn, B idle)" "churn primary $r rls" "idle primary $r rls" ref
	done
} | column -t -s '|' -o ' | '

# The decision cache: per reader (its rls windows) and the witness (every
# window), summed over the windows of a state and place, between the two
# reads of the counters; with what the writer committed meanwhile.
echo
echo "The decision cache of the reader sessions (runner_policy.stat_backends), between a second after each warm-up"
echo "and a second before the window ends, summed over the windows; runner commits and membership changes: the"
echo "writer's, completed between the same two moments.  Expected: no rebuild on the primary but the witness's, one per"
echo "membership change (it acts as the user they concern); on a standby every change is coarse (README \"The decision cache\")."
echo
{
	echo "session|where|state|windows|reads|rebuilds|reuses|announcements|runner commits|membership changes|expected|met?"
	for state in churn idle; do
		for place in "${PLACES[@]}"; do
			for r in "${READS[@]}" witness; do
				awk -v state="$state" -v place="$place" -v r="$r" -v every="$MEMBER_EVERY" -v work="$WORK" -v label="${LABEL[$r]}" '
					FNR == 1 { file++ }
					# windows: id state place read side round
					file == 1 && $2 == state && $3 == place && (r == "witness" || $4 == r) { win[$1] = 1; nw++ }
					# counters: id tag app rebuilds reuses invalidations epoch
					file == 2 && ($1 in win) && $3 == (r == "witness" ? "churn_witness" : "churn_rls") {
						c[$1, $2, "rb"] = $4; c[$1, $2, "ru"] = $5; c[$1, $2, "iv"] = $6; c[$1, $2, "t"] = $7 }
					END {
						for (w in win) {
							if (!(((w, 1, "rb") in c) && ((w, 2, "rb") in c))) { missing++; continue }
							rb += c[w, 2, "rb"] - c[w, 1, "rb"]; ru += c[w, 2, "ru"] - c[w, 1, "ru"]
							iv += c[w, 2, "iv"] - c[w, 1, "iv"]
							t1 = c[w, 1, "t"]; t2 = c[w, 2, "t"]
							rd = (r == "witness") ? "witness" : "rls"
							cmd = "cat " work "/" w ".log." rd ".* 2>/dev/null"
							while ((cmd | getline line) > 0) { split(line, f, " "); e = f[5] + f[6] / 1e6; if (e >= t1 && e <= t2) reads++ }
							close(cmd)
							cmd = "cat " work "/" w ".log.writer.* 2>/dev/null"
							while ((cmd | getline line) > 0) { split(line, f, " "); e = f[5] + f[6] / 1e6
								if (e >= t1 && e <= t2) { commits++; if (f[2] % every == 0) members++ } }
							close(cmd)
						}
						if (nw == 0) exit
						if (state == "idle") { expect = "0"; ok = (rb == 0) ? "yes" : "NO" }
						else if (place == "primary" && r != "witness") { expect = "0"; ok = (rb == 0) ? "yes" : "NO" }
						else { expect = "<= " (members + 0) " (+1 a window)"; ok = (rb <= members + nw) ? "yes" : "NO" }
						if (missing) ok = ok " (" missing " windows unread)"
						printf "%s|%s|%s|%d|%d|%d|%d|%d|%d|%d|%s|%s\n", label, place, state, nw, reads, rb, ru, iv, commits, members, expect, ok
					}' "$WORK/windows" "$WORK/counters"
			done
		done
	done
} | column -t -s '|' -o ' | '

echo
echo "Times: forge load ${LOAD_S}s, standby ${STANDBY_S}s, timing ${MEASURE_S}s ($NWIN windows); in all $((SECONDS - START))s."

if [ "$PLANS" = 1 ]; then
	echo
	echo "EXPLAIN (ANALYZE, COSTS OFF, SUMMARY) on the primary, nobody writing (rls: bench_app acting, second run):"
	for r in "${READS[@]}"; do
		sql=${SQL[$r.rls]%;}
		sql=${sql//:point/$point}
		echo "-- $r, rls (user ${ACTOR[$r]}): $sql"
		psql_on primary -At -U bench_app -c '\o /dev/null' -c "SELECT runner_policy.act_as(${ACTOR[$r]}, false)" \
			-c "EXPLAIN (ANALYZE, COSTS OFF, SUMMARY) $sql" -c '\o' -c "EXPLAIN (ANALYZE, COSTS OFF, SUMMARY) $sql"
	done
fi
if [ -n "$KEEP" ]; then
	mkdir -p "$KEEP" && cp -a "$WORK"/. "$KEEP"/ && harness_say "raw figures copied to $KEEP"
fi
harness_say "churn done in $((SECONDS - START))s"
