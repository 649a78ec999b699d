#!/usr/bin/env bash
# The pg_regress suite against a ruvector built with AddressSanitizer and
# UndefinedBehaviorSanitizer (make SANITIZE=1).
#
#   scripts/sanitize.sh [TEST ...]       (default: the Makefile's REGRESS list)
#
# 1. copies the PostgreSQL installation that RV_PGBIN belongs to (default
#    /usr/lib/postgresql/15/bin: /usr/lib/postgresql/15, /usr/share/postgresql/15,
#    /usr/include/postgresql/15) into a temporary prefix, so that the
#    sanitized module is never installed where a normal build lives
#    (PostgreSQL finds its share and lib directories relative to its binaries);
# 2. builds a copy of the source tree there with SANITIZE=1 and installs it
#    into that prefix (the work tree's own objects are left alone);
# 3. starts a throwaway cluster from that prefix and runs pg_regress there;
# 4. fails if a test fails, or if the server log holds a sanitizer report
#    ("ERROR: AddressSanitizer", "runtime error:") or a backend that died.
#
# The ASan runtime comes into each backend with ruvector.so (DT_NEEDED),
# not preloaded: Debian's postgres hangs before main with gcc's (or clang's)
# libasan in LD_PRELOAD, in glibc's locale locks, by way of libp11-kit
# (libldap -> libgnutls -> libp11-kit); `LD_PRELOAD=$(gcc
# -print-file-name=libasan.so) postgres -V` shows it.  Loaded with the
# module, ASan checks ruvector's own stack and global objects, and UBSan
# all of ruvector's code (misaligned or null pointers, bad shifts,
# out-of-range conversions, bounds of fixed-size arrays); malloc stays
# glibc's, so PostgreSQL's heap (palloc) is not checked:
# profiling/valgrind-regress.sh is the slower complement for that.  The
# runtimes' options are compiled in (src/sanitize.c): a backend cannot see
# ASAN_OPTIONS.  test/sanitize/asan_longjmp.c, preloaded into the server,
# does what ASan's longjmp interceptor would: without it every ereport
# from ruvector's code leaves stale stack poison behind (false reports).
#
# Ends with "sanitizers: ok" or "sanitizers: FAILED" (exit status 0 / 1).
# RV_SAN_KEEP=1 keeps the temporary prefix and the server log.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
rv_install_deps

start=$(date +%s)
T=$(mktemp -d /tmp/ruvector-san.XXXXXX)
chmod 755 "$T"
fail() {
	echo "sanitize.sh: $*"
	echo "sanitizers: FAILED"
	exit 1
}
cleanup() {
	rv_cluster_stop
	if [ "${RV_SAN_KEEP:-0}" = 1 ]; then echo "== kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

echo "== private PostgreSQL prefix $T (copy of the installation of $RV_PGBIN)"
rv_copy_pg_install "$T" || fail "cannot copy the PostgreSQL installation (above)"
export RV_PGBIN=$T/lib/postgresql/15/bin
pgc=$RV_PGBIN/pg_config

echo "== building ruvector with SANITIZE=1"
mkdir -p "$T/build"
cp -a Makefile ruvector.control vector.control src sql expected "$T/build/" || fail "cannot copy the source tree"
# objects of an ordinary build came along with src/: never link those
make -C "$T/build" -s clean PG_CONFIG="$pgc" >/dev/null
make -C "$T/build" -s -j"$(nproc)" SANITIZE=1 PG_CONFIG="$pgc" || fail "build failed"
make -C "$T/build" -s install SANITIZE=1 PG_CONFIG="$pgc" >/dev/null || fail "install failed"
gcc -O2 -Wall -shared -fPIC -o "$T/asan_longjmp.so" test/sanitize/asan_longjmp.c -ldl ||
	fail "cannot build test/sanitize/asan_longjmp.c"
built=$(date +%s)

# A backend that hits a report exits (code 1); the server goes on and the
# log is read at the end.
export RV_SERVER_ENV="LD_PRELOAD=$T/asan_longjmp.so"
rv_cluster_start "max_connections = 20" || fail "the server did not start"
log=$RV_PGDATA_DIR/server.log

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
	read -r -a tests <<<"$(sed -n 's/^REGRESS = //p; s/^REGRESS += //p' Makefile | tr '\n' ' ')"
fi
echo "== pg_regress (${#tests[@]} tests) against the sanitized module"
make -C "$T/build" -s installcheck PG_CONFIG="$pgc" REGRESS="${tests[*]}"
rc=$?
if [ $rc -ne 0 ] && [ -f "$T/build/regression.diffs" ]; then
	head -100 "$T/build/regression.diffs"
fi

# A parallel worker that stops on an ERROR exits with code 1 as usual;
# a backend that exits with it has died.
dead="terminated by signal|server process \(PID [0-9]+\) exited with exit code"
reports=$(grep -c -E "AddressSanitizer|runtime error:|$dead" "$log")
if [ "$reports" -ne 0 ]; then
	echo "== sanitizer reports or dead backends in the server log:"
	grep -n -E -A40 "AddressSanitizer|runtime error:" "$log" | head -120
	grep -n -E "$dead" "$log" | head -20
	cp "$log" "$T/server.log"
	RV_SAN_KEEP=1
fi
echo "== $(($(date +%s) - start)) s in all ($((built - start)) s to copy and build)"
if [ $rc -ne 0 ] || [ "$reports" -ne 0 ]; then
	echo "sanitize: pg_regress exit $rc, $reports sanitizer report(s) or dead backend(s)"
	echo "sanitizers: FAILED"
	exit 1
fi
echo "sanitizers: ok"
