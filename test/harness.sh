# test/harness.sh: shared by test/run-all, demo/run and bench/run.
#
# Installs what is missing (Debian packages, when run as root), builds and
# installs the extension, and starts a throwaway PostgreSQL 15 cluster as the
# postgres OS user on a Unix socket in a temporary directory.  The cluster
# and the directory are removed on exit, whether the caller succeeded or not.
#
# After harness_start: PGHOST, PGPORT, PGUSER point at the cluster,
# HARNESS_DIR is the temporary directory (exported, for test scripts run as
# children), and PG_BIN is the server's bin directory.  Source this file; do not run it.

PG_MAJOR=15
# RP_PG_ROOT: a copy of the PostgreSQL install laid out as under / (so
# $RP_PG_ROOT/usr/lib/postgresql/15/bin/postgres), for a developer who runs
# several checkouts at once: each installs the extension into its own copy.
# PostgreSQL finds its share and lib directories relative to its binaries.
PG_BIN=${RP_PG_ROOT:-}/usr/lib/postgresql/$PG_MAJOR/bin
PG_CONFIG=$PG_BIN/pg_config
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The version the tests, the demo and the bench install: the newest one that
# has a script (sql/runner_policy--X.sql or an upgrade to X).  While a release
# is being built this is newer than the control file's default_version.
RP_VERSION=$(ls "$REPO_ROOT"/sql/runner_policy--*.sql |
	sed -E 's/.*--([0-9.]+)\.sql$/\1/' | sort -V | tail -n 1)
HARNESS_PACKAGES=(
	"postgresql-$PG_MAJOR"
	"postgresql-server-dev-$PG_MAJOR"
	"postgresql-$PG_MAJOR-pgtap"
	libtap-parser-sourcehandler-pgtap-perl
	pgbouncer
	libpq-dev
	make
	gcc
	python3		# doc/readme-toc, which the README suite runs
)

harness_say() { printf '==> %s\n' "$*" >&2; }
harness_die() { printf 'error: %s\n' "$*" >&2; exit 2; }

harness_install_packages() {
	local missing=() pkg
	for pkg in "${HARNESS_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		harness_die "missing Debian packages: ${missing[*]} (run as root to install them)"
	fi
	harness_say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q "${missing[@]}" >/dev/null
}

harness_build() {
	harness_say "building and installing runner_policy"
	make -C "$REPO_ROOT" -s PG_CONFIG="$PG_CONFIG" >/dev/null
	make -C "$REPO_ROOT" -s PG_CONFIG="$PG_CONFIG" install >/dev/null ||
		harness_die "make install failed (run as root, or as a user who may write to $($PG_CONFIG --pkglibdir))"
}

# Runs a server binary as the postgres OS user when we are root (the server
# refuses to run as root), as ourselves otherwise.
harness_as_server_user() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# Stops every cluster under the temporary directory (the primary, and a
# standby if a test made one), and every PgBouncer a test started there
# (its pidfile is DIR/pgbouncer.pid), then removes the directory.
harness_stop() {
	local pidfile
	if [ -n "${HARNESS_DIR:-}" ] && [ -d "$HARNESS_DIR" ]; then
		for pidfile in "$HARNESS_DIR"/*/pgbouncer.pid; do
			[ -f "$pidfile" ] || continue
			harness_stop_pid "$(cat "$pidfile" 2>/dev/null)"
		done
		for pidfile in "$HARNESS_DIR"/*/postmaster.pid; do
			[ -f "$pidfile" ] || continue
			harness_as_server_user "$PG_BIN/pg_ctl" -D "$(dirname "$pidfile")" \
				-m immediate -w stop >/dev/null 2>&1 || true
		done
		rm -rf "$HARNESS_DIR"
	fi
}

# RP_VALGRIND=1: the server and every backend run under Valgrind's memcheck,
# with test/valgrind.supp; each process logs to $HARNESS_DIR/valgrind/.
# harness_valgrind_errors prints the errors found and returns how many.
harness_valgrind_wrapper() {
	command -v valgrind >/dev/null ||
		{ [ "$(id -u)" -eq 0 ] && apt-get install -y -q valgrind >/dev/null; } ||
		harness_die "valgrind is not installed"
	mkdir -p "$HARNESS_DIR/valgrind"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$HARNESS_DIR/valgrind"
	cat >"$HARNESS_DIR/postgres-valgrind" <<WRAPPER
#!/bin/sh
exec valgrind --quiet --trace-children=yes --error-limit=no --num-callers=30 \\
	--suppressions=$REPO_ROOT/test/valgrind.supp \\
	--error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END \\
	--log-file=$HARNESS_DIR/valgrind/%p.log "$PG_BIN/postgres" "\$@"
WRAPPER
	chmod 755 "$HARNESS_DIR/postgres-valgrind"
}

harness_valgrind_errors() {
	local n
	n=$(cat "$HARNESS_DIR"/valgrind/*.log 2>/dev/null | grep -c VALGRINDERROR-BEGIN || true)
	if [ "$n" -gt 0 ]; then
		harness_say "valgrind found $n errors:"
		sed -n '/VALGRINDERROR-BEGIN/,/VALGRINDERROR-END/p' "$HARNESS_DIR"/valgrind/*.log | head -n 300 >&2
		return 1
	fi
	return 0
}

# harness_stop_pid PID: ends a daemon a test started (SIGTERM, then SIGKILL
# after 10 s), and waits until it is gone.
harness_stop_pid() {
	local pid=$1 _
	[[ $pid =~ ^[0-9]+$ ]] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# harness_start [extra postgres -c settings...]
harness_start() {
	HARNESS_DIR=$(mktemp -d /tmp/runner_policy.XXXXXX)
	trap harness_stop EXIT
	trap 'exit 130' INT TERM
	[ "$(id -u)" -eq 0 ] && chown postgres: "$HARNESS_DIR"
	chmod 700 "$HARNESS_DIR"

	harness_say "starting a throwaway cluster in $HARNESS_DIR"
	harness_as_server_user "$PG_BIN/initdb" -D "$HARNESS_DIR/data" -U postgres \
		-A trust -E UTF8 --locale=C --no-sync >"$HARNESS_DIR/initdb.log" 2>&1 ||
		{ cat "$HARNESS_DIR/initdb.log" >&2; harness_die "initdb failed"; }
	local opts="-c listen_addresses='' -c unix_socket_directories='$HARNESS_DIR'"
	opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	opts+=" -c max_prepared_transactions=10 -c lc_messages=C"
	# the recommended set-up (README, "On an existing server"): the library
	# preloaded, so that its log hook runs from a session's first statement
	# and its shared memory narrows the announcements of changed rights
	opts+=" -c shared_preload_libraries=${RP_PRELOAD-runner_policy}"
	local extra
	for extra in "$@"; do opts+=" -c $extra"; done
	local postgres=()
	if [ -n "${RP_VALGRIND:-}" ]; then
		harness_valgrind_wrapper
		postgres=(-p "$HARNESS_DIR/postgres-valgrind")
		# Under Valgrind everything is some 20 times slower, and autovacuum
		# workers then hold locks long enough to make the tests' TRUNCATEs
		# of the audit log wait on them and time out into deadlock reports:
		# a matter of timing, not of the extension.
		opts+=" -c max_parallel_workers_per_gather=0 -c autovacuum=off"
	fi
	harness_as_server_user "$PG_BIN/pg_ctl" -D "$HARNESS_DIR/data" "${postgres[@]}" -o "$opts" \
		-l "$HARNESS_DIR/server.log" -w -t 600 start >/dev/null ||
		{ cat "$HARNESS_DIR/server.log" >&2; harness_die "the server did not start"; }

	export HARNESS_DIR PGHOST=$HARNESS_DIR PGPORT=5432 PGUSER=postgres
	unset PGDATABASE PGSERVICE PGOPTIONS
}

# harness_create_db NAME: a new database with the extension at $RP_VERSION
harness_create_db() {
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d postgres \
		-c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$1" \
		-c "CREATE EXTENSION runner_policy VERSION '$RP_VERSION'" >/dev/null
}

# harness_setup: everything a caller needs before its first psql
harness_setup() {
	harness_install_packages
	harness_build
	harness_start "$@"
}
