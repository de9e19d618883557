#!/usr/bin/env bash
# bench/write_pairs.sh: committed write pairs in one long session each,
# against release 1.0 in the same run (bench/README.md, "Committed write
# pairs"); part "pairs" of `make bench`, runnable by itself:
#
#   RP_PG_ROOT=/opt/pg-x BENCH_SCALE=0.02 ./bench/write_pairs.sh
#
# Two clusters with the same settings and the same forge (bench/data.sql at
# BENCH_SCALE): the current build, and release 1.0 built from commit abbf1af
# into its own PostgreSQL tree (bench/twin.sh).  Each pair is a pgbench
# script of two committed transactions (bench/pairs/*.pgbench), run
# BENCH_PAIRS_N times by ONE client in ONE session (-M prepared, -t N), so
# that every statement the session or the extension prepares turns generic
# after five runs, as in an application's long-lived connection.  The time
# of a pair is pgbench's latency of one script run (--log), both
# transactions and their round trips.
#
# Phases: the current build's audit log preloaded with BENCH_AUDIT_SMALL
# (1,000) chained entries over all 32 lanes, reloaded before each of its
# runs; then with BENCH_AUDIT_ENTRIES (10M) over all 32 lanes, loaded once
# and timed; then with BENCH_AUDIT_FEW_ENTRIES (1M) in BENCH_AUDIT_FEW_LANES
# (2) lanes, the shape of a log written by a few long-lived connections
# (each backend writes into its own lane), with BENCH_PAIRS_FEW_N (50)
# pairs a session: the planner's generic plans see a log of few lanes very
# differently from one of 32 (bench/README.md).  In each phase and
# round every pair runs on three sides, in an order that rotates from pair
# to pair and round to round: 1.0 (bench_app, with an actor), current
# (bench_app, with the same actor) and superuser (no actor: row-level
# security is bypassed, the triggers and the audit trail are not).
#
# Environment:
#   BENCH_SCALE           forge size (default 1: 1M runners)
#   BENCH_PAIRS_N         pairs per session (default 200)
#   BENCH_PAIRS_WARMUP    of which the first are left out of the figures (10)
#   BENCH_PAIRS_ROUNDS    sessions per pair, side and phase (default 1)
#   BENCH_PAIRS           which pairs (default runner,link,member,job,token)
#   BENCH_AUDIT_SMALL     entries of the small audit log (default 1000)
#   BENCH_AUDIT_ENTRIES   entries of the big one (default 10000000; 0: no
#                         big phase)
#   BENCH_AUDIT_LANES     lanes those entries are spread over (32)
#   BENCH_AUDIT_FEW_ENTRIES  entries of the few-lanes log (1000000; 0: no
#                         few-lanes phase)
#   BENCH_AUDIT_FEW_LANES lanes they are in (default 2)
#   BENCH_PAIRS_FEW_N     pairs per session in that phase (default 50)
#   BENCH_AUDIT_VERIFY    1 (default): verify_audit_log() after each phase
#   BENCH_AUTO_EXPLAIN_MS auto_explain (nested statements) of the current
#                         cluster's statements slower than this; the plans
#                         are printed at the end (default: off)
#
# Exit status: 0 when it measured (whether or not targets are met, and
# whether or not a side failed: the table says), 2 when it could not.
# Never part of the test suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../test/harness.sh"
source "$REPO_ROOT/bench/twin.sh"
source "$REPO_ROOT/bench/audit_load.sh"
cd "$REPO_ROOT"

SCALE=${BENCH_SCALE:-1}
N=${BENCH_PAIRS_N:-200}
WARMUP=${BENCH_PAIRS_WARMUP:-10}
ROUNDS=${BENCH_PAIRS_ROUNDS:-1}
PAIRS=${BENCH_PAIRS:-runner,link,member,job,token}
SMALL=${BENCH_AUDIT_SMALL:-1000}
BIG=${BENCH_AUDIT_ENTRIES:-10000000}
LANES=${BENCH_AUDIT_LANES:-32}
FEW=${BENCH_AUDIT_FEW_ENTRIES:-1000000}
FEW_LANES=${BENCH_AUDIT_FEW_LANES:-2}
FEW_N=${BENCH_PAIRS_FEW_N:-50}
VERIFY=${BENCH_AUDIT_VERIFY:-1}
EXPLAIN_MS=${BENCH_AUTO_EXPLAIN_MS:-}
[[ "$SCALE" =~ ^(0|[1-9][0-9]*)?(\.[0-9]+)?$ && "$SCALE" =~ [1-9] ]] ||
	harness_die "BENCH_SCALE must be a positive number (1 = 1M runners)"
for v in N ROUNDS SMALL LANES FEW_LANES FEW_N; do
	[[ "${!v}" =~ ^[1-9][0-9]*$ ]] || harness_die "BENCH_PAIRS_N, _ROUNDS, _FEW_N, BENCH_AUDIT_SMALL, _LANES and _FEW_LANES must be positive integers"
done
[[ "$WARMUP" =~ ^[0-9]+$ && "$WARMUP" -lt "$N" && "$WARMUP" -lt "$FEW_N" ]] ||
	harness_die "BENCH_PAIRS_WARMUP must be an integer below BENCH_PAIRS_N and BENCH_PAIRS_FEW_N"
[[ "$BIG" =~ ^[0-9]+$ && "$FEW" =~ ^[0-9]+$ ]] || harness_die "BENCH_AUDIT_ENTRIES and _FEW_ENTRIES must be integers"
[ "$LANES" -le 32 ] && [ "$FEW_LANES" -le 32 ] || harness_die "BENCH_AUDIT_LANES and _FEW_LANES are at most 32"
[ -z "$EXPLAIN_MS" ] || [[ "$EXPLAIN_MS" =~ ^[0-9]+$ ]] || harness_die "BENCH_AUTO_EXPLAIN_MS must be an integer"
IFS=, read -r -a PAIR_LIST <<<"$PAIRS"
for p in "${PAIR_LIST[@]}"; do
	[ -f "bench/pairs/$p.pgbench" ] || harness_die "no pair '$p' (bench/pairs/$p.pgbench)"
done
START=$SECONDS

TWIN_DB=runner_policy_pairs
twin_setup
WORK=$HARNESS_DIR/pairs
mkdir -p "$WORK"
twin_load_forge "$SCALE"

# Pending jobs: one per runner pair, on either side, with room to spare.
JOBS=$((6 * ROUNDS * (N > FEW_N ? N : FEW_N) + 100))
declare -A VARS
for side in cur base; do
	line=$(psql_side "$side" -At -v jobs="$JOBS" -f bench/pairs/setup.sql | tail -n 1)
	[[ "$line" == maint=* ]] || harness_die "bench/pairs/setup.sql printed no variables ($side)"
	VARS[$side]=$line
done
if [ -n "$EXPLAIN_MS" ]; then
	# bench_app's sessions only: not the bench's own loads and checks
	psql_cur -c "ALTER ROLE bench_app SET session_preload_libraries = 'auto_explain'" \
		-c "ALTER ROLE bench_app SET auto_explain.log_min_duration = $EXPLAIN_MS" \
		-c "ALTER ROLE bench_app SET auto_explain.log_nested_statements = on" >/dev/null
fi

lane_total() { psql_cur -At -c 'SELECT coalesce(sum(seq), 0) FROM runner_policy.audit_lanes'; }
audit_rows() { psql_cur -At -c 'SELECT count(*) FROM runner_policy.audit_log'; }

verify_log() {	# what was run [quiet]
	local t=$SECONDS broken
	broken=$(psql_cur -At -c 'SELECT count(*) FROM runner_policy.verify_audit_log()')
	[ "$broken" = 0 ] ||
		{ psql_cur -c 'SELECT * FROM runner_policy.verify_audit_log() LIMIT 10' >&2;
		  harness_die "verify_audit_log() found $broken broken entries after $1"; }
	[ -n "${2:-}" ] || harness_say "verify_audit_log(): intact after $1 ($(audit_rows) entries, $((SECONDS - t))s)"
}

# run_pair PHASE ROUND PAIR SIDE: one session of $PHASE_N pairs.  SIDE: base (1.0,
# bench_app), cur (current, bench_app), su (current, superuser).  Appends
# one line to $WORK/runs: phase round pair side ok median p90 entries.
run_pair() {
	local phase=$1 round=$2 pair=$3 side=$4 cluster=cur role=bench_app app=1
	local id="$phase.$round.$pair.$side" before=0 after=0 out rc=0 ok=yes med p90 vars=()
	[ "$side" = base ] && cluster=base
	[ "$side" = su ] && { role=postgres; app=0; }
	if [ "$cluster" = cur ] && [ "$phase" = small ]; then
		audit_preload psql_cur "$SMALL" "$LANES"
	fi
	for v in ${VARS[$cluster]}; do vars+=(-D "$v"); done
	[ "$cluster" = cur ] && before=$(lane_total)
	rm -f "$WORK/$id".log*
	out=$(pgbench_on "$cluster" -n -U "$role" -M prepared -c 1 -t "$PHASE_N" -r \
		--log --log-prefix="$WORK/$id.log" "${vars[@]}" -D app="$app" \
		-f "bench/pairs/$pair.pgbench" 2>&1) || rc=$?
	echo "$out" >"$WORK/$id.out"
	grep -q "number of transactions actually processed: $PHASE_N/$PHASE_N" <<<"$out" && [ "$rc" = 0 ] || ok=FAILED
	if [ "$ok" = FAILED ]; then
		harness_say "$phase $pair $side: FAILED (pgbench exit $rc): $(grep -iE 'error|abort' <<<"$out" | head -n 3 | tr '\n' ' ')"
	fi
	[ "$cluster" = cur ] && after=$(lane_total)
	# latency in microseconds is the third field; the first WARMUP pairs are dropped
	tail -q -n +"$((WARMUP + 1))" "$WORK/$id".log* 2>/dev/null | awk '{ print $3 / 1000 }' >"$WORK/$id.ms"
	med=$(median <"$WORK/$id.ms")
	p90=$(percentile 90 <"$WORK/$id.ms")
	echo "$phase $round $pair $side $ok ${med:-0} ${p90:-0} $((after - before)) $PHASE_N" >>"$WORK/runs"
	if [ "$cluster" = cur ] && [ "$phase" = small ] && [ "$VERIFY" = 1 ] && [ "$ok" = yes ]; then
		verify_log "the $pair pair ($side, small log)" quiet
	fi
	printf '%s' "$side ${med:-?} ms  "
}

phase_runs() {	# phase label
	local phase=$1 label=$2 r i k sides order
	for ((r = 1; r <= ROUNDS; r++)); do
		for i in "${!PAIR_LIST[@]}"; do
			sides=(base cur su)
			k=$(((r - 1 + i) % 3))
			order=("${sides[@]:k}" "${sides[@]:0:k}")
			printf '==> %s, round %s, %s: ' "$label" "$r" "${PAIR_LIST[$i]}" >&2
			for side in "${order[@]}"; do
				run_pair "$phase" "$r" "${PAIR_LIST[$i]}" "$side" >&2
			done
			echo >&2
		done
	done
}

: >"$WORK/runs"
PHASE_N=$N
t=$SECONDS
harness_say "phase 1: audit log of $SMALL entries in $LANES lanes (reloaded before each current-side session); $N pairs a session, the first $WARMUP left out"
phase_runs small "audit $SMALL"
small_s=$((SECONDS - t))
big_load_s=0 big_s=0
if [ "$BIG" -gt 0 ]; then
	harness_say "loading $BIG chained audit entries in $LANES lanes"
	audit_preload psql_cur "$BIG" "$LANES"
	big_load_s=$((AUDIT_LOAD_MS / 1000))
	harness_say "loaded $(audit_rows) entries in ${AUDIT_LOAD_MS} ms (with VACUUM ANALYZE); audit_log is $(psql_cur -At -c "SELECT pg_size_pretty(pg_total_relation_size('runner_policy.audit_log'))")"
	t=$SECONDS
	phase_runs big "audit $BIG"
	big_s=$((SECONDS - t))
	[ "$VERIFY" = 1 ] && verify_log "the big phase"
fi
few_load_s=0 few_s=0
if [ "$FEW" -gt 0 ]; then
	harness_say "loading $FEW chained audit entries in $FEW_LANES lanes"
	audit_preload psql_cur "$FEW" "$FEW_LANES"
	few_load_s=$((AUDIT_LOAD_MS / 1000))
	harness_say "loaded $(audit_rows) entries in ${AUDIT_LOAD_MS} ms (with VACUUM ANALYZE)"
	PHASE_N=$FEW_N
	t=$SECONDS
	phase_runs few "audit $FEW in $FEW_LANES lanes"
	few_s=$((SECONDS - t))
	[ "$VERIFY" = 1 ] && verify_log "the few-lanes phase"
fi

# ---- report ----
fmt() { awk -v x="$1" 'BEGIN { if (x == "" || x == "-") print "-"; else if (x >= 100) printf "%.0f", x; else if (x >= 10) printf "%.1f", x; else printf "%.2f", x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2fx", a / b }'; }
pooled() {	# phase-regex pair side: median and p90 over every good run
	local files=() f
	while read -r ph r p s ok _; do
		[[ "$ph" =~ ^($1)$ && "$p" = "$2" && "$s" = "$3" && "$ok" = yes ]] && files+=("$WORK/$ph.$r.$p.$s.ms")
	done <"$WORK/runs"
	[ ${#files[@]} -gt 0 ] || { echo "- -"; return; }
	echo "$(cat "${files[@]}" | median) $(cat "${files[@]}" | percentile 90)"
}
failed() {	# phase-regex pair side
	awk -v ph="^($1)\$" -v p="$2" -v s="$3" '$1 ~ ph && $3 == p && $4 == s && $5 != "yes" { n++ } END { print n + 0 }' "$WORK/runs"
}
entries() {	# phase pair side: audit entries a pair wrote
	awk -v ph="$1" -v p="$2" -v s="$3" '$1 == ph && $3 == p && $4 == s && $5 == "yes" { e += $8 / $9; k++ } END { if (k) printf "%.0f", e / k; else print "-" }' "$WORK/runs"
}

BIG_LABEL=$(awk -v n="$BIG" 'BEGIN { if (n >= 1e6) printf "%gM", n / 1e6; else if (n >= 1e3) printf "%gk", n / 1e3; else print n }')
label() { awk -v n="$1" 'BEGIN { if (n >= 1e6) printf "%gM", n / 1e6; else if (n >= 1e3) printf "%gk", n / 1e3; else print n }'; }
FEW_LABEL="$(label "$FEW")/${FEW_LANES}l"
SMALL_LABEL=$(awk -v n="$SMALL" 'BEGIN { if (n >= 1e6) printf "%gM", n / 1e6; else if (n >= 1e3) printf "%gk", n / 1e3; else print n }')
echo
echo "Committed write pairs, one session of $N pairs per pair and side (first $WARMUP left out), $ROUNDS round(s);"
echo "forge at BENCH_SCALE=$SCALE ($(psql_cur -At -c 'SELECT count(*) FROM runner_policy.ci_runners') runners), loaded in ${TWIN_LOAD_S}s;"
echo "current: $TWIN_CUR_VERSION at $(git rev-parse --short HEAD); 1.0: $TWIN_BASE_SHA; audit log of $SMALL_LABEL and $BIG_LABEL entries over $LANES lanes,"
echo "and ($FEW_LABEL) of $FEW entries in $FEW_LANES lanes, $FEW_N pairs a session."
echo "ms = median per pair (two committed transactions), p90 in brackets; 1.0 over every phase.  1.0 and current:"
echo "bench_app acting as the pair's user (runner token for the job pair); su+audit: the superuser, no actor, audit on."
echo "cur/1.0: over the 1.0 sessions of the same phase (interleaved with it).  1.0 drift: 1.0's own $BIG_LABEL-phase"
echo "median over its $SMALL_LABEL-phase one (1.0 has no audit log: what the machine did).  Targets: current/1.0 <= 1.5x"
echo "(any log), $BIG_LABEL/$SMALL_LABEL <= 1.1x."
echo
hdr=(pair "1.0 ms" "cur $SMALL_LABEL ms" "cur $BIG_LABEL ms" "cur $FEW_LABEL ms" "su+audit $SMALL_LABEL" "su+audit $BIG_LABEL" "su+audit $FEW_LABEL"
	"cur/1.0 $SMALL_LABEL" "cur/1.0 $BIG_LABEL" "cur/1.0 $FEW_LABEL" "$BIG_LABEL/$SMALL_LABEL" "1.0 drift" "met?" "entries")
{
	printf '%s\n' "$(IFS='|'; echo "${hdr[*]}")"
	for p in "${PAIR_LIST[@]}"; do
		read -r b_med b_p90 <<<"$(pooled 'small|big|few' "$p" base)"
		read -r b1_med _ <<<"$(pooled small "$p" base)"
		read -r b2_med _ <<<"$(pooled big "$p" base)"
		read -r b3_med _ <<<"$(pooled few "$p" base)"
		read -r c1_med c1_p90 <<<"$(pooled small "$p" cur)"
		read -r c2_med c2_p90 <<<"$(pooled big "$p" cur)"
		read -r s1_med s1_p90 <<<"$(pooled small "$p" su)"
		read -r s2_med s2_p90 <<<"$(pooled big "$p" su)"
		read -r c3_med c3_p90 <<<"$(pooled few "$p" cur)"
		read -r s3_med s3_p90 <<<"$(pooled few "$p" su)"
		r4=$(ratio "$c3_med" "$b3_med")
		# current over the 1.0 sessions of the same phase, which ran
		# between them: what the machine did meanwhile weighs on both
		r1=$(ratio "$c1_med" "$b1_med")
		r2=$(ratio "$c2_med" "$b2_med")
		r3=$(ratio "$c2_med" "$c1_med")
		drift=$(ratio "$b2_med" "$b1_med")
		[ "$BIG" -gt 0 ] || { r2=-; r3=-; drift=-; }
		met=$(awk -v a="${r1%x}" -v b="${r2%x}" -v c="${r3%x}" -v d="${r4%x}" 'BEGIN {
			m = ""; if (a == "-" ) { print "-"; exit }
			if (a > 1.5) m = m "cur/1.0 "; if (b != "-" && b > 1.5) m = m "big/1.0 "; if (c != "-" && c > 1.1) m = m "growth "; if (d != "-" && d > 1.5) m = m "few/1.0 ";
			print (m == "") ? "yes" : "NO: " m }')
		nfail=$(($(failed 'small|big|few' "$p" base) + $(failed 'small|big|few' "$p" cur) + $(failed 'small|big|few' "$p" su)))
		[ "$nfail" -gt 0 ] && met="$met ($nfail FAILED)"
		cell() { [ "$1" = - ] && echo - || echo "$(fmt "$1") ($(fmt "$2"))"; }
		printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$p" "$(cell "$b_med" "$b_p90")" \
			"$(cell "$c1_med" "$c1_p90")" "$(cell "$c2_med" "$c2_p90")" "$(cell "$c3_med" "$c3_p90")" \
			"$(cell "$s1_med" "$s1_p90")" "$(cell "$s2_med" "$s2_p90")" "$(cell "$s3_med" "$s3_p90")" \
			"$r1" "$r2" "$r4" "$r3" "$drift" "$met" "$(entries small "$p" cur)"
	done
} | column -t -s '|' -o ' | '
echo
echo "entries: audit entries one pair commits (current build).  Times: forge load ${TWIN_LOAD_S}s (both clusters at once),"
echo "phase $SMALL_LABEL ${small_s}s (with its reloads), load of $BIG_LABEL entries ${big_load_s}s, phase $BIG_LABEL ${big_s}s,"
echo "load of $FEW_LABEL ${few_load_s}s, phase $FEW_LABEL ${few_s}s."

echo
echo "Sessions (phase round pair side ok median_ms p90_ms audit_entries pairs):"
sed 's/^/  /' "$WORK/runs"

# Where the time goes: pgbench -r, average ms per statement (round 1).
echo
echo "Per statement (pgbench -r, average ms, round 1; failures in the pgbench output under $WORK):"
for p in "${PAIR_LIST[@]}"; do
	cols=(base.small cur.small su.small)
	[ "$BIG" -gt 0 ] && cols+=(base.big cur.big su.big)
	[ "$FEW" -gt 0 ] && cols+=(cur.few su.few)
	files=()
	for c in "${cols[@]}"; do files+=("$WORK/${c#*.}.1.$p.${c%%.*}.out"); done
	echo "-- $p: $(for c in "${cols[@]}"; do printf '%s ' "${c%%.*}@${c#*.}"; done)"
	for f in "${files[@]}"; do
		[ -f "$f" ] || echo "(missing $f)"
	done
	stmts=$(sed -n '/^statement latencies/,$p' "${files[0]}" | tail -n +2 | grep -vE '\\(if|else|endif)' | sed -E 's/^ *[0-9.]+ +[0-9]+ +//' | cut -c1-70)
	nums=()
	for f in "${files[@]}"; do
		nums+=("$(sed -n '/^statement latencies/,$p' "$f" 2>/dev/null | tail -n +2 | grep -vE '\\(if|else|endif)' | awk '{ print $1 }' | paste -sd ' ')")
	done
	i=0
	while IFS= read -r s; do
		i=$((i + 1))
		row=""
		for n in "${nums[@]}"; do row+=$(printf '%9s' "$(cut -d' ' -f"$i" <<<"$n")"); done
		printf '%s  %s\n' "$row" "$s"
	done <<<"$stmts"
done

if [ -n "$EXPLAIN_MS" ]; then
	echo
	echo "auto_explain: statements of bench_app's sessions on the current cluster (nested ones too) slower than"
	echo "$EXPLAIN_MS ms: each distinct plan once, with how often and how slow (at most 20, most frequent first):"
	awk -v OFS='' '
		function flush() { if (plan != "") { key = plan; gsub(/ *\(cost=[^)]*\)/, "", key); n[key]++; if (ms > max[key]) max[key] = ms; } plan = "" }
		/LOG:  duration: [0-9.]+ ms  plan:/ { flush(); ms = $0; sub(/.*duration: /, "", ms); sub(/ ms.*/, "", ms); ms += 0; inplan = 1; next }
		/^\t/ && inplan { plan = plan $0 "\n"; next }
		{ flush(); inplan = 0 }
		END { flush(); for (p in n) printf "%d\t%.1f\t%s\001", n[p], max[p], p }' "$HARNESS_DIR/server.log" |
		tr '\001' '\000' | sort -z -t "$(printf '\t')" -k1,1nr | head -z -n 20 |
		while IFS=$'\t' read -r -d '' cnt mx plan; do
			printf -- '--- %s times, up to %s ms\n%s' "$cnt" "$mx" "$plan"
		done
fi

harness_say "write pairs done in $((SECONDS - START))s"
