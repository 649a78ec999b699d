-- ruvector benchmark, workload "filtered": a k-NN query restricted to one
-- category range.  The base table has cat = id % 1000 (a stored generated
-- column), so "cat < @CAT@" keeps @CAT@ rows in 1,000: cat < 500, 100, 10, 1
-- are 50 %, 10 %, 1 %, 0.1 % of the table.
--
-- A template: bench/run fills in @BASE@, @QUERY@, @OP@ (<->, <#>, <=>), @NQ@,
-- @LIMIT@ and @CAT@.  By hand (fashion-mnist, 1 % selectivity):
--   sed -e 's/@BASE@/train/; s/@QUERY@/test/; s/@OP@/<->/; s/@NQ@/1000/; s/@LIMIT@/10/; s/@CAT@/10/' \
--       bench/pgbench/filtered.sql > /tmp/filtered.sql
--   pgbench -n -M prepared -f /tmp/filtered.sql -T 10 -c 1 -j 1 -l
\set id random(1, @NQ@)
SELECT id FROM @BASE@ WHERE cat < @CAT@ ORDER BY v @OP@ (SELECT v FROM @QUERY@ WHERE id = :id) LIMIT @LIMIT@;
