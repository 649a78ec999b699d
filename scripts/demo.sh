#!/usr/bin/env bash
# The main job: set up ruvector on this machine and run a nearest-neighbour
# search over fashion-mnist (Debian bookworm, as root or as a user with sudo).
#
#   installs what is missing (PostgreSQL 15, its server headers, a compiler,
#   the dataset-fashion-mnist package), builds and installs ruvector, starts a
#   throwaway cluster, loads the 60,000 train and 10,000 test images as
#   ruvector(784), runs a k-NN query and shows its results and timing at each
#   SIMD level.  --keep leaves the cluster running (and prints how to reach it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

keep=0
[ "${1:-}" = "--keep" ] && keep=1

rv_install_deps dataset-fashion-mnist python3
rv_build_install
rv_cluster_start "shared_buffers = 2GB" "max_parallel_workers_per_gather = 0"
if [ $keep -eq 0 ]; then trap 'rv_cluster_stop; rv_private_prefix_remove' EXIT; fi

bench/load-fashion-mnist.sh

psql -X -v ON_ERROR_STOP=1 <<'SQL'
\echo
\echo == SIMD levels of this CPU
SELECT * FROM ruvector_simd_info();
\echo == the 10 train images nearest to test image 1 (L2 distance)
\timing on
SELECT id, round((v <-> (SELECT v FROM test WHERE id = 1))::numeric, 1) AS distance
FROM train
ORDER BY v <-> (SELECT v FROM test WHERE id = 1)
LIMIT 10;
\timing off
SQL

# mean time of an exact k-NN query (sequential scan, one backend) per level
for level in scalar avx2 avx512; do
	supported=$(psql -X -At -c "SELECT supported FROM ruvector_simd_info() WHERE level = '$level'")
	if [ "$supported" != t ]; then
		echo "== $level: not supported by this CPU"
		continue
	fi
	psql -X -At -v ON_ERROR_STOP=1 <<SQL
SET ruvector.simd = $level;
DO \$\$
DECLARE
	t0 timestamptz;
	n int := 20;
	r int;
BEGIN
	PERFORM id FROM train ORDER BY v <-> (SELECT v FROM test WHERE id = 1) LIMIT 10;  -- warm
	t0 := clock_timestamp();
	FOR i IN 1..n LOOP
		SELECT id INTO r FROM train ORDER BY v <-> (SELECT v FROM test WHERE id = i) LIMIT 10;
	END LOOP;
	RAISE NOTICE '== $level: exact 10-NN over 60,000 x 784: % ms per query (mean of % queries)',
		round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000 / n, 1), n;
END
\$\$;
SQL
done

# the same query through a ruivf index
psql -X -v ON_ERROR_STOP=1 <<'SQL'
\echo == building a ruivf index (lists = 250)
SET maintenance_work_mem = '512MB';
\timing on
CREATE INDEX train_v_ruivf ON train USING ruivf (v ruvector_l2_ops) WITH (lists = 250);
\timing off
SELECT pg_size_pretty(pg_relation_size('train_v_ruivf')) AS index_size;
SET ruvector.probes = 8;
\echo == the same 10 neighbours through the index (ruvector.probes = 8)
EXPLAIN (COSTS OFF) SELECT id FROM train ORDER BY v <-> (SELECT v FROM test WHERE id = 1) LIMIT 10;
\timing on
SELECT id, round((v <-> (SELECT v FROM test WHERE id = 1))::numeric, 1) AS distance
FROM train
ORDER BY v <-> (SELECT v FROM test WHERE id = 1)
LIMIT 10;
\timing off
\echo == recall@10 of the index over test images 1..100 (against the exact answer)
SELECT round(avg(hits) / 10, 3) AS recall_at_10
FROM (
	SELECT (SELECT count(*)
			FROM (SELECT t.id FROM train t ORDER BY t.v <-> q.v LIMIT 10) i
			WHERE i.id IN (SELECT t.id FROM train t	-- "+ 0": no index can serve it
						   ORDER BY (t.v <-> q.v) + 0 LIMIT 10)) AS hits
	FROM test q WHERE q.id <= 100
) s;
\echo == what the index is, and what its scans in this session did (ruvector_stats)
SELECT version, dimensions, metric, lists, lanes_per_block, pages_per_block, rerank, pages
FROM ruvector_index_info('train_v_ruivf');
SELECT queries, rows_returned, lists_scanned, distances, reranks,
       round(p50_ms::numeric, 3) AS p50_ms, round(p99_ms::numeric, 3) AS p99_ms, scope
FROM ruvector_stats WHERE index = 'train_v_ruivf'::regclass;
SQL

if [ $keep -eq 1 ]; then
	echo "cluster left running: PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER psql"
	echo "stop it with: $RV_PGBIN/pg_ctl -D $RV_PGDATA_DIR/data stop"
fi
