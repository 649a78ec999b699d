#!/usr/bin/env bash
# Run every ruvector test on this machine (Debian bookworm, as root or as a
# user with sudo): installs what is missing, builds, installs, starts a
# throwaway PostgreSQL cluster, and runs
#   1. the standalone kernel tests (every compiled SIMD level),
#   2. the pg_regress suite (sql/, expected/),
#   2a. the SQL examples of README.md and docs/*.md (test/docs/run-examples.py),
#   2b. the differential test of the ruivf index against exact scans
#      (test/diff/ruivf_diff.py: random tables and queries, a random seed
#      printed first, a fixed time budget),
#   3. the TAP tests (test/t: recall, streaming standby, crash recovery),
#      run as the unprivileged server user,
#   4. the alternating-rounds tool's test (bench/alternate-test.sh) and the
#      pgvector-agreement comparer's self-test (bench/compat/compare.py),
#   5. the benchmark runner's smoke test,
#   6. "sanitizers": pg_regress against an ASan + UBSan build of ruvector in
#      a private copy of the PostgreSQL installation (scripts/sanitize.sh,
#      about 30 s; RV_SKIP_SANITIZE=1 skips it),
#   7. "fuzz": the libFuzzer targets of test/fuzz, 24 s in all
#      (RV_FUZZ_SECONDS changes that; test/fuzz/README.md),
#   8. "package test": the Debian package built (scripts/package.sh) and
#      its quick start run from it (scripts/package-test.sh);
#   and "clients" (after pg_regress): node-postgres and postgres.js with the
#   pgvector npm package, and psycopg 3, against the compatibility extension
#   `vector` (test/clients/run.sh).
# Ends with one line "N passed, N failed" (suites passed / failed).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

rv_install_deps gnuplot-nox libipc-run-perl python3 python3-psycopg
trap 'rv_cluster_stop; rv_private_prefix_remove' EXIT
rv_build_install || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
record() {
	if [ "$2" -eq 0 ]; then passed=$((passed + 1)); echo "== $1: ok"
	else failed=$((failed + 1)); echo "== $1: FAILED"; fi
}

echo "== kernel tests"
make -s -C test/kernels clean >/dev/null
make -s -C test/kernels check
record "kernel tests" $?

rv_cluster_start || { echo "0 passed, 1 failed"; exit 1; }

echo "== pg_regress"
make -s installcheck PG_CONFIG="$RV_PGBIN/pg_config"
rc=$?
[ $rc -ne 0 ] && [ -f regression.diffs ] && head -200 regression.diffs
record "pg_regress" $rc

echo "== docs examples"
# every SQL example of README.md and docs/*.md, each file in a database of
# its own (test/docs/run-examples.py)
/usr/bin/python3 test/docs/run-examples.py
record "docs examples" $?

# Debian's python3: python3-psycopg is installed for it, not for another
# python3 that may come first in PATH.  Its own database, dropped after.
echo "== differential test"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS ruivf_diff" -c "CREATE DATABASE ruivf_diff"
# a fixed seed, so that a run is repeatable (by hand: no --seed, a random one)
PGDATABASE=ruivf_diff /usr/bin/python3 test/diff/ruivf_diff.py --seed 20261205 --time-budget 90
rc=$?
# replays of failures found by random seeds, kept as regression tests:
# 606/114, an inner-product SQ4 lower bound above an exact distance of 0
# (q . (c + m) cancelling to ~0; ruvector.check_bounds raised XX000)
PGDATABASE=ruivf_diff /usr/bin/python3 test/diff/ruivf_diff.py --seed 606 --scenario 114 || rc=1
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS ruivf_diff"
record "differential test" $rc

echo "== clients"
# node-postgres and postgres.js + pgvector (npm) and psycopg 3 against the
# compatibility extension `vector`, dump and restore, and the install guard
# (test/clients/run.sh)
{ command -v node && command -v npm; } >/dev/null || rv_install_deps nodejs npm
rv_install_deps python3-psycopg
RV_PGBIN="$RV_PGBIN" bash test/clients/run.sh
record "clients" $?

echo "== bench/alternate test"
bash bench/alternate-test.sh
record "bench/alternate test" $?

echo "== bench/compat compare.py self-test"
python3 bench/compat/compare.py --self-test
record "bench/compat self-test" $?

echo "== TAP tests"
tapdir=$(mktemp -d /tmp/ruvector-tap.XXXXXX)
chmod 755 "$tapdir"
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$tapdir"; fi
rv_as_server_user env PATH="$RV_PGBIN:$PATH" \
	PERL5LIB=/usr/lib/postgresql/15/lib/pgxs/src/test/perl \
	PG_REGRESS=/usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress \
	TESTDIR="$tapdir" prove test/t/*.pl
rc=$?
[ $rc -ne 0 ] && tail -n 40 "$tapdir"/tmp_check/log/regress_log_*
record "TAP tests" $rc
rm -rf "$tapdir"

if [ -x bench/run ] && [ -f bench/smoke-test.sh ]; then
	echo "== bench smoke test"
	bash bench/smoke-test.sh
	record "bench smoke test" $?
fi

if [ "${RV_SKIP_SANITIZE:-0}" = 1 ]; then
	echo "== sanitizers: skipped (RV_SKIP_SANITIZE=1)"
else
	echo "== sanitizers"
	bash scripts/sanitize.sh
	record "sanitizers" $?
fi

echo "== fuzz"
bash test/fuzz/run.sh
record "fuzz" $?

echo "== package test"
# the Debian package built, unpacked into a private PostgreSQL, the quick
# start run there (scripts/package-test.sh)
bash scripts/package-test.sh
record "package test" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
