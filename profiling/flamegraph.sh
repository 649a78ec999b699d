#!/usr/bin/env bash
# CPU flame graph of one PostgreSQL backend under a pgbench workload.
#
#   profiling/flamegraph.sh [-s SCRIPT] [-t SECONDS] [-o OUTDIR] [-- PGOPTIONS...]
#
# Runs pgbench (-M prepared, 1 client) with SCRIPT (default: the k-NN query of
# bench/pgbench/knn.sql on fashion-mnist's train/test tables) against the
# server the PG* variables name, records the serving backend with
# `perf record -g` for SECONDS (default 10), and writes into OUTDIR (default
# profiling/out): perf.data, flame.svg (profiling/flamegraph.py), folded
# stacks, and top.txt (perf report, flat).  Extra arguments after -- go to
# the backend as PGOPTIONS, e.g. -- -c ruvector.probes=8.
# Needs perf (Debian: linux-perf) and the right to trace the backend (root,
# or kernel.perf_event_paranoid <= 1 for the server's user).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
script=
secs=10
out=$here/out
while [ $# -gt 0 ]; do
	case "$1" in
		-s) script=$2; shift 2 ;;
		-t) secs=$2; shift 2 ;;
		-o) out=$2; shift 2 ;;
		--) shift; break ;;
		*) echo "usage: $0 [-s SCRIPT] [-t SECONDS] [-o OUTDIR] [-- PGOPTIONS...]" >&2; exit 2 ;;
	esac
done
export PGOPTIONS="${PGOPTIONS:-} $*"
command -v perf >/dev/null || { echo "perf not found: apt-get install linux-perf" >&2; exit 1; }
PGBENCH=${PGBENCH:-$(command -v pgbench || echo /usr/lib/postgresql/15/bin/pgbench)}
mkdir -p "$out"
if [ -z "$script" ]; then
	script=$out/knn.sql
	printf '\\set id random(1, 1000)\nSELECT id FROM train ORDER BY v <-> (SELECT v FROM test WHERE id = :id) LIMIT 10;\n' >"$script"
fi

"$PGBENCH" -n -M prepared -c 1 -T $((secs + 4)) -f "$script" >"$out/pgbench.txt" 2>&1 &
bench=$!
pid=
for _ in $(seq 50); do
	sleep 0.1
	pid=$(psql -X -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgbench' AND state IS NOT NULL LIMIT 1" 2>/dev/null || true)
	[ -n "$pid" ] && break
done
[ -n "$pid" ] || { echo "no pgbench backend found" >&2; kill $bench 2>/dev/null; exit 1; }
sleep 1
perf record -q -g -p "$pid" -o "$out/perf.data" -- sleep "$secs" >/dev/null 2>&1
wait $bench || true
perf script -i "$out/perf.data" 2>/dev/null |
	"$here/flamegraph.py" --title "backend $pid under pgbench ($(basename "$script"), ${secs}s${PGOPTIONS:+, $PGOPTIONS})" \
		--folded "$out/folded.txt" >"$out/flame.svg"
perf report -i "$out/perf.data" --no-children -g none --sort dso,symbol --stdio 2>/dev/null |
	grep -E '^ +[0-9]' | head -40 >"$out/top.txt" || true
grep -E '^(tps|latency)' "$out/pgbench.txt" || true
echo "flame graph: $out/flame.svg; flat profile: $out/top.txt"
