#!/usr/bin/env bash
# The application flow that creates a table and its index first and inserts
# later (what the pgvector frameworks do), on fashion-mnist: a ruivf index
# created on an empty table, the 60,000 train images inserted in batches
# of 1,000 (one transaction each), and at every tenth of the way: the
# index's lists and size, whether the planner uses the index (EXPLAIN),
# recall@10 of NQ test queries against the exact answer over the rows
# inserted so far, and the queries' QPS (one backend, default settings).
# At the end the same for an index built on the full table, in the same
# run, and the two side by side.
#
# Usage: bench/grow.sh [--nq N] [--opclass OPS] [--with 'lists = 0, ...']
# Uses the server the PG* variables name, with the tables of
# bench/load-fashion-mnist.sh (train, test); creates and drops grow_t.
set -euo pipefail
. "$(cd "$(dirname "$0")" && pwd)/scratch-table.sh"
nq=200
opclass=ruvector_l2_ops
with=""
while [ $# -gt 0 ]; do
	case "$1" in
		--nq) nq=$2; shift 2 ;;
		--opclass) opclass=$2; shift 2 ;;
		--with) with="WITH ($2)"; shift 2 ;;
		*) echo "usage: $0 [--nq N] [--opclass OPS] [--with 'options']" >&2; exit 2 ;;
	esac
done
op='<->'
case "$opclass" in
	*cosine*) op='<=>' ;;
	*_ip_*) op='<#>' ;;
esac
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql -c "SELECT 1 FROM train LIMIT 1" >/dev/null 2>&1 || {
	echo "no table train: run bench/load-fashion-mnist.sh first" >&2
	exit 1
}

# grow_t is this script's own table (its COMMENT says so)
rv_own_scratch_table grow_t bench/grow.sh
psql <<SQL
DROP TABLE IF EXISTS grow_t;
CREATE TABLE grow_t (id integer PRIMARY KEY, v ruvector(784));
COMMENT ON TABLE grow_t IS 'rvbench scratch table of bench/grow.sh';
CREATE INDEX grow_t_v ON grow_t USING ruivf (v $opclass) $with;
-- recall@10 of the first nq test queries, index scan vs exact scan, and
-- the index scans' QPS; dynamic SQL so that each query is planned with
-- the settings of the moment
CREATE OR REPLACE FUNCTION grow_measure(nq int, OUT recall float8, OUT qps float8)
LANGUAGE plpgsql AS \$\$
DECLARE
	q record;
	got int[];
	want int[];
	hits int := 0;
	t0 timestamptz;
	secs float8 := 0;
BEGIN
	FOR q IN SELECT id, v FROM test ORDER BY id LIMIT nq LOOP
		PERFORM set_config('enable_seqscan', 'off', true);
		t0 := clock_timestamp();
		EXECUTE 'SELECT array(SELECT id FROM grow_t ORDER BY v $op \$1 LIMIT 10)' INTO got USING q.v;
		secs := secs + extract(epoch FROM clock_timestamp() - t0);
		PERFORM set_config('enable_seqscan', 'on', true);
		PERFORM set_config('enable_indexscan', 'off', true);
		EXECUTE 'SELECT array(SELECT id FROM grow_t ORDER BY v $op \$1 LIMIT 10)' INTO want USING q.v;
		PERFORM set_config('enable_indexscan', 'on', true);
		hits := hits + (SELECT count(*) FROM unnest(got) g WHERE g = ANY (want));
	END LOOP;
	recall := hits / (10.0 * nq);
	qps := nq / secs;
END \$\$;
SQL

report() {
	# $1: label, $2: index name
	psql -At -F ' ' <<SQL
ANALYZE grow_t;
SELECT '$1',
	(SELECT count(*) FROM grow_t),
	(SELECT lists FROM ruvector_index_info('$2')),
	pg_relation_size('$2') / 8192,
	(SELECT CASE WHEN p LIKE '%Index Scan using%' THEN 'index' ELSE 'seqscan' END
	   FROM (SELECT string_agg(l, ' ') p FROM grow_explain(
	     'SELECT id FROM grow_t ORDER BY v $op (SELECT v FROM test WHERE id = 1) LIMIT 10') l) e),
	round(m.recall::numeric, 4), round(m.qps::numeric, 1)
FROM grow_measure($nq) m;
SQL
}
psql <<'SQL'
CREATE OR REPLACE FUNCTION grow_explain(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE 'EXPLAIN ' || q;
END $$;
SQL

echo "# step rows lists index_pages plan recall@10 qps"
t0=$(date +%s.%N)
for b in $(seq 0 59); do
	psql -c "INSERT INTO grow_t SELECT id, v FROM train WHERE id > $((b * 1000)) AND id <= $(((b + 1) * 1000))"
	if [ $(((b + 1) % 6)) -eq 0 ]; then
		report "grown/$(((b + 1) / 6))" grow_t_v
	fi
done
t1=$(date +%s.%N)
echo "# inserts and measurements: $(echo "$t1 - $t0" | bc) s"
psql -c "SELECT * FROM ruvector_index_check('grow_t_v', true)" >/dev/null && echo "# index check (heapallindexed): ok"
psql -c "DROP INDEX grow_t_v" -c "CREATE INDEX grow_t_full ON grow_t USING ruivf (v $opclass) $with"
report "full-build" grow_t_full
psql -c "DROP TABLE grow_t" -c "DROP FUNCTION grow_measure(int)" -c "DROP FUNCTION grow_explain(text)"
