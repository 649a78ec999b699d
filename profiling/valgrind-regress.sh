#!/usr/bin/env bash
# The pg_regress suite with every backend under valgrind memcheck.
#
#   profiling/valgrind-regress.sh [TEST ...]      (default: the whole REGRESS list)
#
# Starts a throwaway cluster whose postmaster runs under
# `valgrind --tool=memcheck --trace-children=yes`, runs the tests against it,
# stops it, and reports the memcheck errors found in ruvector's code (stacks
# that pass through ruvector.so), with the full logs in profiling/out/valgrind.
# Debian's PostgreSQL is not built with USE_VALGRIND, so errors inside
# PostgreSQL alone (shared memory, its own allocator) are not ruvector's and
# are only counted.  Slow: expect minutes per test file.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
rv_install_deps valgrind
out=$PWD/profiling/out/valgrind
rm -rf "$out"
mkdir -p "$out"
chmod 777 "$out"
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
	read -r -a tests <<<"$(make -s -f Makefile print-regress 2>/dev/null || sed -n 's/^REGRESS = //p' Makefile)"
fi

rv_cluster_start "max_connections = 20" "shared_buffers = 64MB" || exit 1
trap rv_cluster_stop EXIT
# restart the postmaster under valgrind (same data directory and settings)
rv_as_server_user "$RV_PGBIN/pg_ctl" -D "$RV_PGDATA_DIR/data" -m fast -w stop >/dev/null
rv_as_server_user bash -c "valgrind --tool=memcheck --trace-children=yes --error-limit=no \
	--leak-check=no --read-var-info=no --log-file='$out/vg.%p.log' \
	'$RV_PGBIN/postgres' -D '$RV_PGDATA_DIR/data' >'$RV_PGDATA_DIR/server.log' 2>&1 &"
for _ in $(seq 120); do
	"$RV_PGBIN/pg_isready" -q && break
	sleep 1
done

make -s installcheck PG_CONFIG="$RV_PGBIN/pg_config" REGRESS="${tests[*]}" \
	EXTRA_REGRESS_OPTS="--max-connections=1"
rc=$?

ours=0
theirs=0
for f in "$out"/vg.*.log; do
	n=$(grep -c "^==[0-9]*== [A-Z].*\(Invalid\|uninitialised\|Mismatched\|overlap\|Syscall param\)" "$f" || true)
	[ "$n" -eq 0 ] && continue
	if grep -q "ruvector.so" "$f"; then
		ours=$((ours + n))
		echo "== errors in $f (stack through ruvector.so):"
		grep -B2 -A12 "ruvector.so" "$f" | head -60
	else
		theirs=$((theirs + n))
	fi
done
echo "memcheck: $ours error(s) with ruvector.so on the stack, $theirs elsewhere; pg_regress exit $rc; logs in $out"
[ "$ours" -eq 0 ] && [ $rc -eq 0 ]
