#!/usr/bin/env bash
# A ruivf index under churn: a table of BASE synthetic vectors and its
# index, then CYCLES cycles of: delete half the rows (at random), VACUUM,
# insert as many new rows.  Reports after the build and after every cycle
# the index's size, lists and generation, recall@10 of NQ queries against
# the exact answer and their QPS (one backend, default settings); at the
# end the same for an index built fresh on the final table, in the same
# run.  The rows come from bench/run's synthetic data set (loaded with
# --load-only into the server the PG* variables name: synth_base holds
# BASE + CYCLES * BASE / 2 rows, the first BASE are the table, the rest the
# rows inserted; synth_query the queries).
#
# --with 'k = v, ...' passes index options to both builds (say
# 'rerank = index', whose blocks VACUUM frees lanes of in place).
# --by-age deletes the oldest half (the lowest ids: a retention window)
# instead of a random half, which leaves whole blocks empty (VACUUM unlinks
# them and frees their pages, src/ivf/ivfvacuum.c); with --drift every
# query measured is then shifted as far as the last rows inserted (no row
# is left where the data was).
# --drift X moves the data: cycle c inserts its rows shifted by c * X in
# every dimension (so VACUUM finds the lists nearest to them grown, and
# splits them: src/ivf/ivftrain.c), and half the queries measured are
# shifted as far as the last rows inserted.  The report gives each cycle's
# VACUUM time and the index's generation too.
#
# Usage: bench/churn.sh [--base N] [--dim D] [--cycles C] [--nq Q] [--with OPTS] [--drift X] [--by-age]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/scratch-table.sh"
base=100000 dim=128 cycles=5 nq=200 with= drift=0 order='random()' qmod=2
while [ $# -gt 0 ]; do
	case "$1" in
		--base) base=$2; shift 2 ;;
		--dim) dim=$2; shift 2 ;;
		--cycles) cycles=$2; shift 2 ;;
		--nq) nq=$2; shift 2 ;;
		--with) with=$2; shift 2 ;;
		--drift) drift=$2; shift 2 ;;
		--by-age) order=id qmod=1; shift ;;
		*) echo "usage: $0 [--base N] [--dim D] [--cycles C] [--nq Q] [--with OPTS] [--drift X] [--by-age]" >&2; exit 2 ;;
	esac
done
half=$((base / 2))
withclause=
[ -n "$with" ] && withclause="WITH ($with)"
total=$((base + cycles * half))
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

"$here/run" --dataset synthetic --n "$total" --dim "$dim" --server existing --load-only >&2

# churn_t is this script's own table (its COMMENT says so)
rv_own_scratch_table churn_t bench/churn.sh
psql <<SQL
DROP TABLE IF EXISTS churn_t;
CREATE TABLE churn_t (id integer PRIMARY KEY, v ruvector($dim));
COMMENT ON TABLE churn_t IS 'rvbench scratch table of bench/churn.sh';
ALTER TABLE churn_t SET (autovacuum_enabled = off);
INSERT INTO churn_t SELECT id, v FROM synth_base ORDER BY id LIMIT $base;
CREATE INDEX churn_t_v ON churn_t USING ruivf (v ruvector_l2_ops) $withclause;
CREATE OR REPLACE FUNCTION churn_shift(c float8) RETURNS ruvector LANGUAGE sql AS
  \$\$ SELECT array_fill(c * $drift, ARRAY[$dim])::real[]::ruvector \$\$;
CREATE OR REPLACE FUNCTION churn_measure(nq int, shift ruvector, OUT recall float8, OUT qps float8)
LANGUAGE plpgsql AS \$\$
DECLARE
	q record;
	got int[];
	want int[];
	hits int := 0;
	t0 timestamptz;
	secs float8 := 0;
BEGIN
	FOR q IN SELECT CASE WHEN id % $qmod = 0 THEN v + shift ELSE v END AS v
			   FROM synth_query ORDER BY id LIMIT nq LOOP
		PERFORM set_config('enable_seqscan', 'off', true);
		t0 := clock_timestamp();
		EXECUTE 'SELECT array(SELECT id FROM churn_t ORDER BY v <-> \$1 LIMIT 10)' INTO got USING q.v;
		secs := secs + extract(epoch FROM clock_timestamp() - t0);
		PERFORM set_config('enable_seqscan', 'on', true);
		PERFORM set_config('enable_indexscan', 'off', true);
		EXECUTE 'SELECT array(SELECT id FROM churn_t ORDER BY v <-> \$1 LIMIT 10)' INTO want USING q.v;
		PERFORM set_config('enable_indexscan', 'on', true);
		hits := hits + (SELECT count(*) FROM unnest(got) g WHERE g = ANY (want));
	END LOOP;
	recall := hits / (10.0 * nq);
	qps := nq / secs;
END \$\$;
SQL

# report STEP INDEX CYCLE VACUUM_MS
report() {
	psql -At -F ' ' -c "SELECT '$1', (SELECT count(*) FROM churn_t), i.lists, i.generation,
		pg_relation_size('$2') / 8192, round(m.recall::numeric, 4), round(m.qps::numeric, 1), '$4'
		FROM ruvector_index_info('$2') i, churn_measure($nq, churn_shift($3)) m"
}
echo "# step rows lists generation index_pages recall@10 qps vacuum_ms"
report built churn_t_v 0 -
next=$((base + 1))
for c in $(seq 1 "$cycles"); do
	psql -c "DELETE FROM churn_t WHERE id IN (SELECT id FROM churn_t ORDER BY $order LIMIT $half)"
	t0=$(date +%s%N)
	psql -c "VACUUM churn_t"
	vs=$(( ($(date +%s%N) - t0) / 1000000 ))
	psql -c "INSERT INTO churn_t SELECT id, v + churn_shift($c) FROM synth_base WHERE id >= $next AND id < $((next + half))"
	next=$((next + half))
	report "cycle/$c" churn_t_v "$c" "$vs"
done
t0=$(date +%s%N)
psql -c "VACUUM churn_t"
vs=$(( ($(date +%s%N) - t0) / 1000000 ))
report "vacuum" churn_t_v "$cycles" "$vs"
psql -c "SELECT ruvector_index_check('churn_t_v', true)" >/dev/null && echo "# index check (heapallindexed): ok"
psql -c "DROP INDEX churn_t_v" -c "CREATE INDEX churn_t_fresh ON churn_t USING ruivf (v ruvector_l2_ops) $withclause"
report fresh churn_t_fresh "$cycles" -
psql -c "DROP TABLE churn_t" -c "DROP FUNCTION churn_measure(int, ruvector)" -c "DROP FUNCTION churn_shift(float8)"
