#!/usr/bin/env bash
# The training workload of `make pgo`: installs the instrumented build that
# the Makefile just made, then runs a short bench (throwaway cluster): the
# ruivf build, knn scans at two probe settings, inserts, and exact scans
# with the type's operators.  Every backend that exits adds its counters to
# the profile under PGO_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

rv_as_root make -s install PG_CONFIG="$RV_PGBIN/pg_config" >/dev/null
out=$(mktemp -d /tmp/ruvector-pgo-run.XXXXXX)
trap 'rm -rf "$out"' EXIT
common=(--server throwaway --dataset synthetic --n 50000 --dim 128 --queries 200
	--clients 1 --duration 5 --shared-buffers 256MB)
env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE \
	bench/run "${common[@]}" --index ruivf --with lists=100 --sweep probes=2,8 \
	--workload knn,insert --out "$out/knn"
env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE \
	bench/run "${common[@]}" --index none --out "$out/exact"
n=$(find "${PGO_DIR:-/tmp/ruvector-pgo}" -name '*.gcda' | wc -l)
echo "== pgo workload done: $n profile files"
[ "$n" -gt 0 ]
