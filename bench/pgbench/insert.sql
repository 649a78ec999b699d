-- ruvector benchmark, workload "insert": the writer's side.  Each
-- transaction inserts one row into the base table, a copy of a random query
-- vector under a new id from a sequence; bench/run runs it (1 client) next
-- to a querying pgbench (knn.sql, 1 client) for the same time, then deletes
-- the new rows (id > the data set's size) and vacuums.
--
-- A template: bench/run fills in @BASE@, @QUERY@, @NQ@ and @SEQ@.  By hand
-- (fashion-mnist, 60,000 rows):
--   psql -c "CREATE SEQUENCE train_ins_seq START 60001"
--   sed -e 's/@BASE@/train/; s/@QUERY@/test/; s/@NQ@/1000/; s/@SEQ@/train_ins_seq/' \
--       bench/pgbench/insert.sql > /tmp/insert.sql
--   pgbench -n -M prepared -f /tmp/insert.sql -T 10 -c 1 -j 1 &
--   pgbench -n -M prepared -f /tmp/knn.sql -T 10 -c 1 -j 1; wait
--   psql -c "DELETE FROM train WHERE id > 60000" -c "VACUUM train" -c "DROP SEQUENCE train_ins_seq"
\set id random(1, @NQ@)
INSERT INTO @BASE@ (id, v) SELECT nextval('@SEQ@'), v FROM @QUERY@ WHERE id = :id;
