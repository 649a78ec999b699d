#!/usr/bin/env bash
# A pgvector framework's flow, unchanged, on pgvector and on ruvector's
# compatibility extension side by side: CREATE EXTENSION IF NOT EXISTS vector,
# a vector(DIM) table, CREATE INDEX ... USING hnsw (embedding vector_cosine_ops),
# SET hnsw.ef_search = 40, top-10 queries.  Reports each side's build time,
# recall@10 against the exact answer, how many of the two sides' top-10 rows
# agree, and QPS in alternating pgbench rounds (both servers up at once, one
# client, so that drift on a shared machine hits both alike).  It builds
# nothing: pgvector and ruvector must be installed in the two prefixes (see
# bench/compat/README.md).  The ruvector server preloads ruvector's library,
# so the framework's CREATE EXTENSION vector (without CASCADE) works alone.
#
# Usage:
#   bench/compat/framework-flow.sh [options] PGVECTOR_BIN RUVECTOR_BIN
#
# Options:
#   --rows N         base vectors (default 20000)
#   --dim D          dimensions (default 1536)
#   --queries Q      query vectors (default 200)
#   --ef-search E    hnsw.ef_search on both sides (default 40)
#   --index-first    create the index on the empty table and insert after it
#                    (default: insert, then create the index)
#   --rounds R       alternating pgbench rounds (default 3)
#   --duration S     seconds per round and side (default 10)
#
# Data: bench/bin/rvdata's Gaussian mixture (100 clusters, unit vectors,
# seed 7); `make -C bench` builds rvdata.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=20000 dim=1536 nq=200 ef=40 first=0 rounds=3 dur=10 args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--rows) rows=$2; shift 2 ;;
	--dim) dim=$2; shift 2 ;;
	--queries) nq=$2; shift 2 ;;
	--ef-search) ef=$2; shift 2 ;;
	--index-first) first=1; shift ;;
	--rounds) rounds=$2; shift 2 ;;
	--duration) dur=$2; shift 2 ;;
	-h | --help) sed -n '/^# Usage:/,/^# Data:/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "framework-flow: unknown option $1" >&2; exit 1 ;;
	*) args+=("$1"); shift ;;
	esac
done
[ ${#args[@]} -eq 2 ] || { echo "usage: $0 [options] PGVECTOR_BIN RUVECTOR_BIN" >&2; exit 1; }
pgv_bin=${args[0]} ru_bin=${args[1]}
rvdata=$root/bench/bin/rvdata
[ -x "$rvdata" ] || make -s -C "$root/bench" >/dev/null
work=$(mktemp -d /tmp/ruvector-flow.XXXXXX)
chmod 755 "$work"

# shellcheck source=../../scripts/common.sh
source "$root/scripts/common.sh"
declare -A dir port
start() {		# start SIDE BIN [setting ...]
	local side=$1 bin=$2
	shift 2
	RV_PGBIN=$bin rv_cluster_start "shared_buffers=1GB" "maintenance_work_mem=1GB" \
		"max_parallel_maintenance_workers=0" "max_parallel_workers_per_gather=0" "$@" >/dev/null
	dir[$side]=$RV_PGDATA_DIR port[$side]=$PGPORT
}
stop_all() {
	for side in "${!dir[@]}"; do
		rv_as_server_user "${bin_of[$side]}/pg_ctl" -D "${dir[$side]}/data" -m fast -w stop >/dev/null 2>&1 || true
		rm -rf "${dir[$side]}"
	done
	rm -rf "$work"
}
declare -A bin_of=([pgvector]=$pgv_bin [ruvector]=$ru_bin)
trap stop_all EXIT
start pgvector "$pgv_bin"
start ruvector "$ru_bin" "shared_preload_libraries = 'ruvector'"

psql_on() {		# psql_on SIDE psql-args...
	local side=$1
	shift
	PGHOST=${dir[$side]} PGPORT=${port[$side]} "${bin_of[$side]}/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

"$rvdata" synth --n "$rows" --dim "$dim" --clusters 100 --sigma 0.5 --seed 7 --normalize \
	-o "$work/base.fvecs" 2>/dev/null
"$rvdata" synth --n "$nq" --dim "$dim" --clusters 100 --sigma 0.5 --seed 7 --normalize \
	--stream query -o "$work/query.fvecs" 2>/dev/null

echo "# framework flow: $rows x $dim (unit vectors), $nq queries, cosine, hnsw.ef_search = $ef," \
	"$([ $first -eq 1 ] && echo 'index created first' || echo 'index created after the load')"
for side in pgvector ruvector; do
	psql_on $side -c "CREATE EXTENSION IF NOT EXISTS vector" \
		-c "CREATE TABLE items (id int PRIMARY KEY, embedding vector($dim))" \
		-c "CREATE TABLE queries (id int PRIMARY KEY, embedding vector($dim))" 2>&1 | grep -v '^$' || true
	"$rvdata" copy "$work/query.fvecs" 2>/dev/null | psql_on $side -c "COPY queries FROM STDIN (FORMAT binary)"
	t0=$(date +%s.%N)
	if [ $first -eq 1 ]; then
		psql_on $side -c "CREATE INDEX ON items USING hnsw (embedding vector_cosine_ops)" 2>/dev/null
		"$rvdata" copy "$work/base.fvecs" 2>/dev/null | psql_on $side -c "COPY items FROM STDIN (FORMAT binary)"
	else
		"$rvdata" copy "$work/base.fvecs" 2>/dev/null | psql_on $side -c "COPY items FROM STDIN (FORMAT binary)"
		psql_on $side -c "CREATE INDEX ON items USING hnsw (embedding vector_cosine_ops)" 2>/dev/null
	fi
	t1=$(date +%s.%N)
	psql_on $side -c "VACUUM ANALYZE items"
	ver=$(psql_on $side -At -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'")
	printf '%-9s vector %s, %s: %.1f s\n' $side "$ver" \
		"$([ $first -eq 1 ] && echo 'index + load' || echo 'index build')" "$(echo "$t1 - $t0" | bc)"
	q="SELECT q.id, (SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY embedding <=> q.embedding LIMIT 10) s) FROM queries q ORDER BY q.id"
	psql_on $side -At -c "SET hnsw.ef_search = $ef" -c "$q" >"$work/$side.ann"
	psql_on $side -At -c "SET enable_indexscan = off" -c "$q" >"$work/$side.exact"
	plan=$(psql_on $side -At -c "SET hnsw.ef_search = $ef" \
		-c "EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY embedding <=> (SELECT embedding FROM queries WHERE id = 1) LIMIT 10" |
		grep -o 'Index Scan using [a-z_]* on items\|Seq Scan on items' | head -1)
	echo "          plan: ${plan:-?}"
done

python3 - "$work" <<'EOF'
import sys
w = sys.argv[1]
def load(p):
    return {int(l.split('|')[0]): set(l.strip().split('|')[1].split(','))
            for l in open(p) if l.strip()}
ex = load(w + '/pgvector.exact')
ex2 = load(w + '/ruvector.exact')
pg = load(w + '/pgvector.ann')
ru = load(w + '/ruvector.ann')
n = len(ex)
print('exact answers identical on both sides: %d of %d queries' % (sum(ex[q] == ex2[q] for q in ex), n))
for name, a in (('pgvector', pg), ('ruvector', ru)):
    print('%-9s recall@10 against the exact answer: %.4f' % (name, sum(len(a[q] & ex[q]) for q in ex) / (10.0 * n)))
print('top-10 rows the two sides share: %.4f; queries with the same 10 rows: %d of %d'
      % (sum(len(ru[q] & pg[q]) for q in ex) / (10.0 * n), sum(ru[q] == pg[q] for q in ex), n))
EOF

cat >"$work/q.sql" <<EOF
\set id random(1, $nq)
SELECT id FROM items ORDER BY embedding <=> (SELECT embedding FROM queries WHERE id = :id) LIMIT 10;
EOF
chmod 644 "$work/q.sql"
declare -A sum=([pgvector]=0 [ruvector]=0)
for r in $(seq 1 "$rounds"); do
	line="round $r:"
	for side in pgvector ruvector; do
		tps=$(PGHOST=${dir[$side]} PGPORT=${port[$side]} PGOPTIONS="-c hnsw.ef_search=$ef" \
			"${bin_of[$side]}/pgbench" -n -M prepared -f "$work/q.sql" -T "$dur" -c 1 2>/dev/null |
			sed -n 's/^tps = \([0-9.]*\).*/\1/p')
		sum[$side]=$(echo "${sum[$side]} + $tps" | bc)
		line="$line $side $(printf '%.0f' "$tps") QPS"
	done
	echo "$line"
done
awk -v a="${sum[pgvector]}" -v b="${sum[ruvector]}" -v r="$rounds" \
	'BEGIN { printf "mean QPS: pgvector %.0f, ruvector %.0f (%.2fx)\n", a / r, b / r, b / a }'
