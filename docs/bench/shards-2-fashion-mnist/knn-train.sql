-- ruvector benchmark, workloads "knn" and "exact": one k-NN query per
-- transaction, the query vector looked up by id in the query table (the
-- incumbent's query shape).
--
-- A template.  bench/run fills in train (base table), test (query
-- table), <-> (<-> for l2, <#> for ip, <=> for cosine), 1000 (number of
-- queries) and 10, and writes the filled-in script, with the exact
-- pgbench command, next to its results (pgbench/ in the run's directory).
-- By hand, on fashion-mnist loaded by bench/load-fashion-mnist.sh:
--   sed -e 's/train/train/; s/test/test/; s/<->/<->/; s/1000/1000/; s/10/10/' \
--       bench/pgbench/knn.sql > /tmp/knn.sql
--   pgbench -n -M prepared -f /tmp/knn.sql -T 10 -c 1 -j 1 -l
-- Search settings go in through PGOPTIONS, e.g. PGOPTIONS='-c hnsw.ef_search=40'.
\set id random(1, 1000)
SELECT id FROM train ORDER BY v <-> (SELECT v FROM test WHERE id = :id) LIMIT 10;
