# bench/twin.sh: the current build and release 1.0, side by side.  Sourced
# by bench/write_pairs.sh and bench/mix.sh after test/harness.sh; do not run.
#
# Both builds are runner_policy.so, so they cannot live in one PostgreSQL
# install.  The current build goes where test/harness.sh puts it (the system
# install, or RP_PG_ROOT); release 1.0 is built from commit $TWIN_BASE_COMMIT
# (git archive) into a private copy of the PostgreSQL install laid out as
# under / (like /work/mkroot.sh makes), kept in BENCH_CACHE
# (/var/tmp/runner_policy-bench by default, outside the repository), reused
# across runs and rebuilt when missing or made from something else.
#
# twin_setup starts both clusters with the same server settings: the
# current one through harness_setup (socket $HARNESS_DIR, database
# $TWIN_DB) and the baseline in $HARNESS_DIR/base (its socket directory is
# $HARNESS_DIR/base_sock); on exit, also after a failure, both are stopped
# and the directory removed.
#
# After twin_setup:
#   psql_cur ARGS / psql_base ARGS     psql on $TWIN_DB of either cluster
#   pgbench_on SIDE ARGS               pgbench against a side (cur | base)
#   twin_load_forge SCALE              bench/data.sql on both, in parallel

TWIN_BASE_COMMIT=${BENCH_BASE_COMMIT:-abbf1af}
TWIN_CACHE=${BENCH_CACHE:-/var/tmp/runner_policy-bench}
TWIN_DB=${TWIN_DB:-runner_policy_twin}

# The server settings both clusters get (test/harness.sh adds fsync=off,
# synchronous_commit=off, full_page_writes=off, max_prepared_transactions).
# Parallel query and JIT off, as in bench/run: what is measured is the
# extension, not parallel workers or compilation; buffers to hold the forge.
TWIN_SETTINGS=(max_parallel_workers_per_gather=0 jit=off shared_buffers=2GB
	work_mem=16MB maintenance_work_mem=512MB max_wal_size=8GB
	checkpoint_timeout=1h max_connections=40)

# The baseline's PostgreSQL tree and where its source is unpacked.
twin_base_root() { echo "$TWIN_CACHE/pg-$PG_MAJOR-rp-$TWIN_BASE_SHA"; }

# Builds release 1.0 into its own PostgreSQL tree unless it is already
# there.  A stamp file, written last, says the tree is complete.
twin_build_base() {
	TWIN_BASE_SHA=$(git -C "$REPO_ROOT" rev-parse --verify -q "$TWIN_BASE_COMMIT^{commit}") ||
		harness_die "baseline commit $TWIN_BASE_COMMIT is not in this repository's history"
	TWIN_BASE_SHA=${TWIN_BASE_SHA:0:12}
	local root stamp src want
	root=$(twin_base_root)
	stamp=$root/.runner_policy-baseline
	want="$TWIN_BASE_SHA $("/usr/lib/postgresql/$PG_MAJOR/bin/postgres" --version)"
	TWIN_BASE_BIN=$root/usr/lib/postgresql/$PG_MAJOR/bin
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$TWIN_BASE_BIN/postgres" ]; then
		harness_say "baseline: release 1.0 ($TWIN_BASE_SHA) from the cache, $root"
		return 0
	fi
	harness_say "baseline: building release 1.0 ($TWIN_BASE_SHA) into $root"
	rm -rf "$root"
	mkdir -p "$root/usr/lib/postgresql" "$root/usr/share/postgresql" "$root/usr/include"
	# a copy of the system install (what /work/mkroot.sh does), without any
	# runner_policy that may have been installed there
	cp -a "/usr/lib/postgresql/$PG_MAJOR" "$root/usr/lib/postgresql/"
	cp -a "/usr/share/postgresql/$PG_MAJOR" "$root/usr/share/postgresql/"
	cp -a /usr/include/postgresql "$root/usr/include/"
	rm -f "$root/usr/lib/postgresql/$PG_MAJOR/lib/runner_policy.so" \
		"$root/usr/share/postgresql/$PG_MAJOR/extension/runner_policy"*
	rm -rf "$root/usr/lib/postgresql/$PG_MAJOR/lib/bitcode/runner_policy"*
	src=$root/src
	mkdir -p "$src"
	git -C "$REPO_ROOT" archive "$TWIN_BASE_SHA" | tar -x -C "$src"
	# WERROR=: a baseline is built to be measured, whatever this compiler warns
	make -C "$src" -s WERROR= PG_CONFIG="$TWIN_BASE_BIN/pg_config" >"$root/build.log" 2>&1 &&
		make -C "$src" -s WERROR= PG_CONFIG="$TWIN_BASE_BIN/pg_config" install >>"$root/build.log" 2>&1 ||
		{ tail -n 30 "$root/build.log" >&2; harness_die "building the baseline failed ($root/build.log)"; }
	[ -f "$root/usr/share/postgresql/$PG_MAJOR/extension/runner_policy--1.0.sql" ] ||
		harness_die "the baseline build installed no runner_policy--1.0.sql"
	chmod -R a+rX "$TWIN_CACHE"
	echo "$want" >"$stamp"
}

# Starts the baseline cluster with the settings the current one got: data
# in $HARNESS_DIR/base, socket in $HARNESS_DIR/base_sock.
twin_start_base() {
	local dir=$HARNESS_DIR/base sock=$HARNESS_DIR/base_sock
	mkdir -p "$sock"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$sock"
	harness_as_server_user "$TWIN_BASE_BIN/initdb" -D "$dir" -U postgres \
		-A trust -E UTF8 --locale=C --no-sync >"$HARNESS_DIR/base_initdb.log" 2>&1 ||
		{ cat "$HARNESS_DIR/base_initdb.log" >&2; harness_die "initdb of the baseline failed"; }
	local opts="-c listen_addresses='' -c unix_socket_directories='$sock'"
	opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	opts+=" -c max_prepared_transactions=10 -c lc_messages=C"
	local s
	for s in "${TWIN_SETTINGS[@]}"; do opts+=" -c $s"; done
	harness_as_server_user "$TWIN_BASE_BIN/pg_ctl" -D "$dir" -o "$opts" \
		-l "$HARNESS_DIR/base_server.log" -w -t 600 start >/dev/null ||
		{ cat "$HARNESS_DIR/base_server.log" >&2; harness_die "the baseline server did not start"; }
	TWIN_BASE_HOST=$sock
	harness_say "baseline cluster (release 1.0) on socket $TWIN_BASE_HOST"
}

# On exit: the baseline cluster first (harness_stop would find it too, by
# its postmaster.pid under $HARNESS_DIR), then the harness's cluster and
# directory.
twin_stop() {
	if [ -n "${HARNESS_DIR:-}" ] && [ -f "$HARNESS_DIR/base/postmaster.pid" ]; then
		harness_as_server_user "$TWIN_BASE_BIN/pg_ctl" -D "$HARNESS_DIR/base" \
			-m immediate -w stop >/dev/null 2>&1 || true
	fi
	harness_stop
}

psql_cur() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$HARNESS_DIR" -d "$TWIN_DB" "$@"; }
psql_base() { "$TWIN_BASE_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$TWIN_BASE_HOST" -d "$TWIN_DB" "$@"; }
psql_side() {	# cur | base, then psql arguments
	local side=$1
	shift
	if [ "$side" = base ]; then psql_base "$@"; else psql_cur "$@"; fi
}
pgbench_on() {	# cur | base, then pgbench arguments (database $TWIN_DB)
	local side=$1 host=$HARNESS_DIR
	shift
	[ "$side" = base ] && host=$TWIN_BASE_HOST
	"$PG_BIN/pgbench" -h "$host" "$@" "$TWIN_DB"
}

# twin_create_db: $TWIN_DB with the extension on both clusters (the
# newest version on the current one, 1.0 on the baseline)
twin_create_db() {
	harness_create_db "$TWIN_DB"
	"$TWIN_BASE_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$TWIN_BASE_HOST" -d postgres \
		-c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $TWIN_DB" -c "CREATE DATABASE $TWIN_DB" >/dev/null
	psql_base -c "CREATE EXTENSION runner_policy VERSION '1.0'" >/dev/null
}

twin_setup() {
	harness_install_packages
	twin_build_base
	harness_build
	harness_start "${TWIN_SETTINGS[@]}"
	trap twin_stop EXIT
	twin_start_base
	twin_create_db
	TWIN_CUR_VERSION=$(psql_cur -At -c "SELECT extversion FROM pg_extension WHERE extname = 'runner_policy'")
	TWIN_BASE_VERSION=$(psql_base -At -c "SELECT extversion FROM pg_extension WHERE extname = 'runner_policy'")
	harness_say "current: runner_policy $TWIN_CUR_VERSION ($(git -C "$REPO_ROOT" rev-parse --short HEAD)); baseline: runner_policy $TWIN_BASE_VERSION ($TWIN_BASE_SHA)"
}

# twin_load_forge SCALE: bench/data.sql into both clusters at once (one
# core each), then VACUUM (FREEZE, ANALYZE) and check_invariants() on both.
# Sets TWIN_LOAD_S (seconds, both together).
twin_load_forge() {
	local scale=$1 t=$SECONDS side pids=() rc=0
	harness_say "loading the forge at BENCH_SCALE=$scale (bench/data.sql) into both clusters"
	for side in cur base; do
		( psql_side "$side" -v scale="$scale" -f "$REPO_ROOT/bench/data.sql" >/dev/null &&
			psql_side "$side" -c 'VACUUM (FREEZE, ANALYZE)' ) &
		pids+=($!)
	done
	for side in "${pids[@]}"; do wait "$side" || rc=1; done
	[ $rc = 0 ] || harness_die "loading the forge failed"
	for side in cur base; do
		local broken
		broken=$(psql_side "$side" -At -c 'SELECT count(*) FROM runner_policy.check_invariants()')
		[ "$broken" = 0 ] || harness_die "check_invariants() reports $broken broken rules after loading ($side)"
	done
	TWIN_LOAD_S=$((SECONDS - t))
	harness_say "forge loaded into both in ${TWIN_LOAD_S}s; check_invariants() empty on both"
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print ""; else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# the p-th percentile (nearest rank) of numbers on stdin
percentile() { sort -g | awk -v p="$1" '{ a[NR] = $1 } END { if (NR == 0) print ""; else { i = int((p * NR + 99) / 100); if (i < 1) i = 1; print a[i] } }'; }
