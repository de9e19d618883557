#!/usr/bin/env bash
# bench/mix.sh: a pgbench mix of readers, writers and a project deleter, 8
# clients, against release 1.0 in the same run (bench/README.md, "The
# mix"); part "mix" of `make bench`, runnable by itself:
#
#   RP_PG_ROOT=/opt/pg-x BENCH_MIX_SECONDS=20 ./bench/mix.sh
#
# For each forge size in BENCH_MIX_SCALES, two clusters with the same
# settings and the same forge (bench/data.sql): the current build and
# release 1.0 (bench/twin.sh).  Then BENCH_MIX_ROUNDS rounds; in each, one
# pgbench run per side (1.0 first in odd rounds, current first in even
# ones), as bench_app, -M prepared, with:
#   bench/mix/reader.pgbench   weight 6: a random active user counts the
#                              runners they see, reads the first page of
#                              20 and 20 rows of the queue view
#   bench/mix/writer.pgbench   weight 3: an admin registers a project
#                              runner, links it, pauses it, unlinks it and
#                              deletes it
#   bench/mix/deleter.pgbench  weight 1: an admin deletes a disposable
#                              project with a runner, links and jobs
# Before each run the disposable projects are topped up to BENCH_MIX_POOL
# on that side (bench/mix/refill.sql).
#
# Environment:
#   BENCH_MIX_SCALES    forge sizes (default "0.02 1": 20k and 1M runners)
#   BENCH_MIX_SECONDS   length of one run (default 60)
#   BENCH_MIX_CLIENTS   clients (default 8; pgbench threads: 2)
#   BENCH_MIX_ROUNDS    runs per side and size (default 2)
#   BENCH_MIX_POOL      disposable projects before each run (default 40 a
#                       second of a run)
#
# Exit status: 0 when it measured (whether or not targets are met), 2 when
# it could not.  Never part of the test suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../test/harness.sh"
source "$REPO_ROOT/bench/twin.sh"
cd "$REPO_ROOT"

SCALES=${BENCH_MIX_SCALES:-0.02 1}
SECS=${BENCH_MIX_SECONDS:-60}
CLIENTS=${BENCH_MIX_CLIENTS:-8}
ROUNDS=${BENCH_MIX_ROUNDS:-2}
POOL=${BENCH_MIX_POOL:-$((40 * SECS))}
for s in $SCALES; do
	[[ "$s" =~ ^(0|[1-9][0-9]*)?(\.[0-9]+)?$ && "$s" =~ [1-9] ]] ||
		harness_die "BENCH_MIX_SCALES must be positive numbers (1 = 1M runners)"
done
for v in SECS CLIENTS ROUNDS POOL; do
	[[ "${!v}" =~ ^[1-9][0-9]*$ ]] || harness_die "BENCH_MIX_SECONDS, _CLIENTS, _ROUNDS and _POOL must be positive integers"
done
TWIN_SETTINGS+=("max_connections=$((CLIENTS + 30))")
START=$SECONDS
SCRIPTS=(reader writer deleter)
WEIGHTS=(6 3 1)

TWIN_DB=runner_policy_mix
twin_setup
WORK=$HARNESS_DIR/mix
mkdir -p "$WORK"
: >"$WORK/runs"

# run_mix SCALE ROUND SIDE: one pgbench run; appends per script:
#   scale round side script transactions failed seconds aborted pool_left
run_mix() {
	local scale=$1 round=$2 side=$3 id="$1.$2.$3" vars=() v out rc=0 made left aborted i
	made=$(psql_side "$side" -At -v pool="$POOL" -f bench/mix/refill.sql | tail -n 1)
	psql_side "$side" -c 'CHECKPOINT' >/dev/null
	for v in ${VARS[$side]}; do vars+=(-D "$v"); done
	rm -f "$WORK/$id".log*
	out=$(pgbench_on "$side" -n -U bench_app -M prepared -c "$CLIENTS" -j 2 -T "$SECS" \
		--failures-detailed -r --log --log-prefix="$WORK/$id.log" "${vars[@]}" \
		-f bench/mix/reader.pgbench@6 -f bench/mix/writer.pgbench@3 -f bench/mix/deleter.pgbench@1 2>&1) || rc=$?
	echo "$out" >"$WORK/$id.out"
	aborted=$(grep -c 'aborted in command' <<<"$out" || true)
	[ "$rc" = 0 ] || [ "$aborted" -gt 0 ] ||
		harness_say "pgbench exited $rc on $side: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
	left=$(psql_side "$side" -At -c "SELECT count(*) FROM runner_policy.projects WHERE id > (SELECT np FROM bench_mix.forge)")
	# per script: transactions and failures from pgbench's summary
	for i in 0 1 2; do
		local n f
		n=$(awk -v s="SQL script $((i + 1)):" 'index($0, s) == 1 { on = 1; next } on && / transactions \(/ { gsub(/[^0-9 ].*/, "", $2); print $2; exit }' <<<"$out")
		f=$(awk -v s="SQL script $((i + 1)):" 'index($0, s) == 1 { on = 1; next } on && /number of failed transactions/ { print $6; exit }' <<<"$out")
		echo "$scale $round $side ${SCRIPTS[$i]} ${n:-0} ${f:-0} $SECS $aborted $left" >>"$WORK/runs"
	done
	printf '%s: %s tps (%s aborted clients, %s of %s disposable projects left)  ' "$side" \
		"$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out" | head -n 1)" "$aborted" "$left" "$POOL"
	[ "$aborted" -gt 0 ] && grep -E 'aborted in command|ERROR|error' <<<"$out" | head -n 3 >&2
	return 0
}

declare -A VARS LOAD_S
for scale in $SCALES; do
	t=$SECONDS
	# a fresh database for each size after the first, on both sides
	[ "$scale" = "$(echo $SCALES | cut -d' ' -f1)" ] || twin_create_db
	twin_load_forge "$scale"
	for side in cur base; do
		VARS[$side]=$(psql_side "$side" -At -f bench/mix/setup.sql | tail -n 1)
		[[ "${VARS[$side]}" == nu=* ]] || harness_die "bench/mix/setup.sql printed no variables ($side)"
	done
	LOAD_S[$scale]=$TWIN_LOAD_S
	harness_say "mix at BENCH_SCALE=$scale: $CLIENTS clients, ${SECS}s a run, $ROUNDS rounds, $POOL disposable projects before each run"
	for ((r = 1; r <= ROUNDS; r++)); do
		order=(base cur)
		[ $((r % 2)) = 0 ] && order=(cur base)
		printf '==> scale %s, round %s: ' "$scale" "$r" >&2
		for side in "${order[@]}"; do run_mix "$scale" "$r" "$side" >&2; done
		echo >&2
	done
	# latencies from the per-transaction logs: script number is field 4
	for side in cur base; do
		cat "$WORK/$scale".*".$side".log* 2>/dev/null | awk '$3 ~ /^[0-9]+$/ { print $4, $3 / 1000 }' >"$WORK/$scale.$side.lat"
	done
done

# ---- report ----
fmt() { awk -v x="$1" 'BEGIN { if (x == "") print "-"; else if (x >= 100) printf "%.0f", x; else if (x >= 10) printf "%.1f", x; else printf "%.2f", x }'; }
echo
echo "pgbench mix, $CLIENTS clients, $ROUNDS run(s) of ${SECS}s per side and size, -M prepared, as bench_app;"
echo "current: $TWIN_CUR_VERSION at $(git rev-parse --short HEAD); 1.0: $TWIN_BASE_SHA.  tps = transactions of the runs / their seconds;"
echo "latency: average and p90 of every transaction (ms); failed: pgbench's failed transactions (serialization,"
echo "deadlock), aborted: clients that stopped on another error.  Target: current/1.0 of tps >= 0.9x at 20k runners, 0 failed."
for scale in $SCALES; do
	echo
	runners=$(awk -v s="$scale" 'BEGIN { printf "%d", (1000000 * s < 1000 ? 1000 : 1000000 * s) }')
	echo "BENCH_SCALE=$scale (about $runners runners; forge loaded into both in ${LOAD_S[$scale]}s)"
	{
		echo "script|1.0 tps|current tps|current/1.0|1.0 latency avg (p90)|current latency avg (p90)|failed 1.0|failed current|met?"
		for i in 0 1 2 3; do
			name=${SCRIPTS[$i]:-all}
			sel=$name
			[ "$i" = 3 ] && sel='reader|writer|deleter'
			for side in base cur; do
				read -r tx fl secs ab <<<"$(awk -v sc="$scale" -v s="$side" -v re="^($sel)\$" '
					$1 == sc && $3 == s && $4 ~ re { tx += $5; fl += $6; if (!(($2) in seen)) { secs += $7; ab += $8; seen[$2] = 1 } }
					END { print tx + 0, fl + 0, secs + 0, ab + 0 }' "$WORK/runs")"
				tps=$(awk -v a="$tx" -v b="$secs" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "" }')
				scriptno=$((i + 1))
				lat=$(awk -v n="$scriptno" -v all="$([ "$i" = 3 ] && echo 1 || echo 0)" 'all || $1 == n - 1 { print $2 }' "$WORK/$scale.$side.lat")
				avg=$(awk '{ s += $1; n++ } END { if (n) print s / n }' <<<"$lat")
				p90=$(percentile 90 <<<"$lat")
				if [ "$side" = base ]; then b_tps=$tps b_avg=$avg b_p90=$p90 b_fail="$fl"; b_ab=$ab
				else c_tps=$tps c_avg=$avg c_p90=$p90 c_fail="$fl"; c_ab=$ab; fi
			done
			ratio=$(awk -v a="$c_tps" -v b="$b_tps" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
			met=-
			if [ "$i" = 3 ]; then
				met=$(awk -v r="${ratio%x}" -v f="$c_fail" -v a="$c_ab" 'BEGIN { print (r != "-" && r >= 0.9 && f == 0 && a == 0) ? "yes" : "NO" }')
				[ "$b_ab" -gt 0 ] && b_fail="$b_fail ($b_ab aborted)"
				[ "$c_ab" -gt 0 ] && c_fail="$c_fail ($c_ab aborted)"
			fi
			echo "$name|$(fmt "$b_tps")|$(fmt "$c_tps")|$ratio|$(fmt "$b_avg") ($(fmt "$b_p90"))|$(fmt "$c_avg") ($(fmt "$c_p90"))|$b_fail|$c_fail|$met"
		done
	} | column -t -s '|' -o ' | '
	left=$(awk -v sc="$scale" '$1 == sc && $9 == 0 { n++ } END { print n + 0 }' "$WORK/runs")
	[ "$left" = 0 ] || echo "note: the disposable projects ran out in some runs (BENCH_MIX_POOL=$POOL): the deleter deleted nothing after that"
	# where the time goes: pgbench -r of round 1, average ms per statement
	echo
	echo "Per statement (pgbench -r, round 1, average ms): 1.0, current"
	for i in 1 2 3; do
		for side in base cur; do
			awk -v s="SQL script $i:" 'index($0, s) == 1 { on = 1; next } /^SQL script/ { on = 0 }
				on && /^ +[0-9.]+ +[0-9]+ / { print }' "$WORK/$scale.1.$side.out" |
				grep -vE '\\(set|if|endif)' | awk '{ print $1 }' >"$WORK/$scale.$i.$side.stmts"
		done
		awk -v s="SQL script $i:" 'index($0, s) == 1 { on = 1; next } /^SQL script/ { on = 0 }
			on && /^ +[0-9.]+ +[0-9]+ / { print }' "$WORK/$scale.1.cur.out" |
			grep -vE '\\(set|if|endif)' | sed -E 's/^ *[0-9.]+ +[0-9]+ +//' | cut -c1-80 >"$WORK/$scale.$i.text"
		paste "$WORK/$scale.$i.base.stmts" "$WORK/$scale.$i.cur.stmts" "$WORK/$scale.$i.text" |
			awk -F '\t' '{ printf "%10s %10s  %s\n", $1, $2, $3 }'
	done
done
harness_say "mix done in $((SECONDS - START))s"
