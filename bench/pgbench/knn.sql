-- ruvector benchmark, workloads "knn" and "exact": one k-NN query per
-- transaction, the query vector looked up by id in the query table (the
-- incumbent's query shape).
--
-- A template.  bench/run fills in @BASE@ (base table), @QUERY@ (query
-- table), @OP@ (<-> for l2, <#> for ip, <=> for cosine), @NQ@ (number of
-- queries) and @LIMIT@, and writes the filled-in script, with the exact
-- pgbench command, next to its results (pgbench/ in the run's directory).
-- By hand, on fashion-mnist loaded by bench/load-fashion-mnist.sh:
--   sed -e 's/@BASE@/train/; s/@QUERY@/test/; s/@OP@/<->/; s/@NQ@/1000/; s/@LIMIT@/10/' \
--       bench/pgbench/knn.sql > /tmp/knn.sql
--   pgbench -n -M prepared -f /tmp/knn.sql -T 10 -c 1 -j 1 -l
-- Search settings go in through PGOPTIONS, e.g. PGOPTIONS='-c hnsw.ef_search=40'.
\set id random(1, @NQ@)
SELECT id FROM @BASE@ ORDER BY v @OP@ (SELECT v FROM @QUERY@ WHERE id = :id) LIMIT @LIMIT@;
