#!/usr/bin/env bash
# bench/access_measure.sh DB: runs bench/access_measure.sql on DB (the
# bench forge, PGHOST/PGPORT/PGUSER a superuser) and prints, per query, the
# median of its wall times (psql's \timing) and of its CPU times (the
# backend's user + system time, log_executor_stats), the rounds it ran, and
# the row counts.  The CPU time is what the query costs without the
# machine's other load; the wall time is what a caller waited.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
db=${1:?usage: bench/access_measure.sh DB}
out=$(mktemp -d /tmp/access_measure.XXXXXX)
trap 'rm -rf "$out"' EXIT
"${PSQL:-psql}" -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$here/access_measure.sql" \
	>"$out/stdout" 2>"$out/stderr"
# stdout: "q: NAME" then "Time: N ms" per query, row counts last; stderr:
# one EXECUTOR STATISTICS report per query, in the same order
awk '/^Time: / { print $2 }' "$out/stdout" >"$out/wall"
awk '/^q: / { sub(/^q: /, ""); print }' "$out/stdout" >"$out/names"
awk '/ s user, .* s system, / { print ($2 + $5) * 1000 }' "$out/stderr" >"$out/cpu"
n=$(wc -l <"$out/names")
if [ "$(wc -l <"$out/wall")" != "$n" ] || [ "$(wc -l <"$out/cpu")" != "$n" ]; then
	echo "error: $n queries, $(wc -l <"$out/wall") times, $(wc -l <"$out/cpu") CPU reports" >&2
	exit 1
fi
echo "runner_access: median wall time (median CPU time), ms"
paste -d '\t' "$out/names" "$out/wall" "$out/cpu" | awk -F '\t' '
	function median(list,   a, k, i, j, t) {
		k = split(list, a, " ")
		for (i = 2; i <= k; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	!($1 in wall) { order[++n] = $1 }
	{ wall[$1] = wall[$1] " " $2; cpu[$1] = cpu[$1] " " $3; runs[$1]++ }
	END {
		for (i = 1; i <= n; i++)
			printf "%-68s %9.1f (%7.1f)  %d runs\n", order[i], median(wall[order[i]]), median(cpu[order[i]]), runs[order[i]]
	}'
echo
sed -n '/^ project_runner /,$p' "$out/stdout"
