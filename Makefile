# Makefile for runner_policy, built with PGXS.
#
#   make && make install        build and install into the server of pg_config
#   ./test/run-all              everything, on a throwaway cluster (README)
#   make installcheck           pg_regress + isolation against a running server
#   make bench                  benchmarks (bench/README.md); never part of tests
#   make check-invalidation     the cache tests fail with invalidation built out
#   make check-callgraph        no call or include cycle among the files of src/

EXTENSION = runner_policy
# Versions have one source each: default_version in the control file is what
# CREATE EXTENSION installs; the scripts in sql/ are the versions there are.
EXTVERSION := $(shell sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\(.*\)'/\1/p" runner_policy.control)

MODULE_big = runner_policy
OBJS = \
	src/runner_policy.o \
	src/base.o \
	src/owner_spi.o \
	src/runner_guards.o \
	src/namespace_tree.o \
	src/membership.o \
	src/backfill.o \
	src/restore.o \
	src/actor.o \
	src/token.o \
	src/credentials.o \
	src/idset.o \
	src/reach_read.o \
	src/policy_core.o \
	src/queue.o \
	src/access.o \
	src/access_view.o \
	src/reach_cache.o \
	src/rules.o \
	src/plan_binding.o \
	src/reach_support.o \
	src/query_rights.o \
	src/write_guard.o \
	src/job_guard.o \
	src/row_origin.o \
	src/write_rls.o \
	src/statement.o \
	src/token_text.o \
	src/log_redact.o \
	src/version.o \
	src/ddl_guard.o \
	src/audit.o \
	src/saved_queries.o \
	src/monitor.o \
	src/refusal_hint.o \
	src/citus_local.o \
	src/citus_assertion.o

# sql/runner_policy--X.sql installs version X whole; sql/runner_policy--X--Y.sql
# updates X to Y.  PostgreSQL installs a version that has no install script
# of its own (1.1) as an older one followed by its upgrades.
DATA = $(wildcard sql/runner_policy--*.sql)

# Warnings are errors by default; WERROR= turns that off for a compiler newer
# than the one this was tested with.
WERROR ?= -Werror
# The library is built for every version that has a script in sql/ (an
# install script or an upgrade to it), and calls the newest its own; that is
# newer than default_version while a release is being built.  src/version.c
# checks the installed SQL against these.
SQL_VERSIONS := $(sort $(foreach f,$(notdir $(wildcard sql/runner_policy--*.sql)),$(lastword $(subst --, ,$(patsubst runner_policy--%.sql,%,$(f))))))
LIBRARY_VERSION := $(lastword $(shell printf '%s\n' $(SQL_VERSIONS) | sort -V))
PG_CPPFLAGS = -I$(srcdir)/src -DRUNNER_POLICY_VERSION=\"$(LIBRARY_VERSION)\" \
	-DRUNNER_POLICY_SERVED='"$(SQL_VERSIONS)"'
PG_CFLAGS = -Wall -Wextra $(WERROR) -Wno-unused-parameter
ifeq ($(filter $(EXTVERSION),$(SQL_VERSIONS)),)
$(error runner_policy.control: default_version '$(EXTVERSION)' has no script in sql/)
endif

# pg_regress tests: test/sql/*.sql against test/expected/*.out
REGRESS = $(sort $(notdir $(basename $(wildcard test/sql/*.sql))))
# The tests run in databases made beforehand (installcheck-db) with the
# extension at the newest version that has a script, which is newer than
# default_version while a release is being built.
TEST_VERSION := $(lastword $(sort $(patsubst runner_policy--%.sql,%,$(notdir $(wildcard sql/runner_policy--*.sql)))))
TEST_VERSION := $(lastword $(subst --, ,$(TEST_VERSION)))
REGRESS_OPTS = --inputdir=test --outputdir=test --use-existing
# isolation specs: test/specs/*.spec against test/expected/*.out
ISOLATION = $(sort $(notdir $(basename $(wildcard test/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test --outputdir=test/output_iso --use-existing

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The two halves of installcheck, so that the harness can count each.
.PHONY: installcheck-db installcheck-regress installcheck-isolation bench check-invalidation check-callgraph
installcheck-db:
	for db in $(CONTRIB_TESTDB) $(ISOLATION_TESTDB); do \
		psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $$db" \
			-c "CREATE DATABASE $$db" && \
		psql -X -q -v ON_ERROR_STOP=1 -d $$db \
			-c "CREATE EXTENSION runner_policy VERSION '$(TEST_VERSION)'" || exit 1; \
	done
installcheck: installcheck-db
installcheck-regress: installcheck-db
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS)
installcheck-isolation: installcheck-db
	$(pg_isolation_regress_installcheck) $(ISOLATION_OPTS) $(ISOLATION)

# The cache tests can fail: with invalidation built out, they must.
check-invalidation:
	./test/check-invalidation

# The layers of src/ (test/callgraph): read off the built objects.
check-callgraph: all
	./test/callgraph -v

# BENCH_PARTS=reads,audit,pairs,mix,churn chooses the parts (bench/README.md)
bench:
	./bench/all

# PGXS does not track headers; every object depends on all of ours.
$(OBJS): $(wildcard src/*.h)
# The versions the library serves are the scripts in sql/.
src/version.o: $(wildcard sql/runner_policy--*.sql)
