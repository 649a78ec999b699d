--
-- ruvector_index_check: structural check of ruivf indexes
--
\set SHOW_CONTEXT never
\set VERBOSITY default
SET max_parallel_workers_per_gather = 0;
SET max_parallel_maintenance_workers = 0;

-- Deterministic test vectors (as in ruivf.sql).
CREATE FUNCTION pg_temp.rv(i int, d int) RETURNS ruvector
  LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT array(SELECT ((i::bigint * i * 31 + i::bigint * j * 7919 + j::bigint * j * 104729 + 17)
                         % 10007) / 10007.0 - 0.5
                   FROM generate_series(1, d) j ORDER BY j)::ruvector
$$;
-- Runs a statement; prints its SQLSTATE and message if it fails.
CREATE FUNCTION pg_temp.err(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- Checks every ruivf index of the tables named, with heapallindexed false
-- and true, next to the shape of each index.
CREATE FUNCTION pg_temp.check_all(tables text[])
  RETURNS TABLE (index text, dim int, metric text, lists int, bits int, lanes int,
                 pages_per_block int, vector_pages int, rerank text, plain text,
                 heapallindexed text)
  LANGUAGE sql AS $$
    SELECT c.relname::text, i.dimensions, i.metric, i.lists, i.bits, i.lanes_per_block,
           i.pages_per_block, i.vector_pages_per_block, i.rerank,
           pg_temp.err(format('SELECT ruvector_index_check(%s, false)', c.oid)),
           pg_temp.err(format('SELECT ruvector_index_check(%s, true)', c.oid))
      FROM pg_index x
      JOIN pg_class c ON c.oid = x.indexrelid
      JOIN pg_am a ON a.oid = c.relam AND a.amname = 'ruivf'
      CROSS JOIN LATERAL ruvector_index_info(c.oid) i
     WHERE x.indrelid::regclass::text = ANY (tables)
     ORDER BY c.relname
$$;

--
-- Every shape: L2 / IP / cosine, 8 and 4 bits, rerank heap and index,
-- 9, 33 and 1,200 dimensions (one-page blocks with an odd pad, 4-page
-- blocks with vector pages), NULL vectors, a partial index.
--
CREATE TABLE ck9 (id int PRIMARY KEY, tag int, v ruvector(9));
INSERT INTO ck9 SELECT i, 0, CASE WHEN i % 50 = 0 THEN NULL ELSE pg_temp.rv(i, 9) END
  FROM generate_series(1, 3000) i;
CREATE INDEX ck9_l2 ON ck9 USING ruivf (v ruvector_l2_ops) WITH (lists = 8);
CREATE INDEX ck9_ip ON ck9 USING ruivf (v ruvector_ip_ops) WITH (lists = 8);
CREATE INDEX ck9_cos ON ck9 USING ruivf (v ruvector_cosine_ops) WITH (lists = 8);
CREATE INDEX ck9_l2_4 ON ck9 USING ruivf (v ruvector_l2_ops) WITH (lists = 8, bits = 4);
CREATE INDEX ck9_ip_4 ON ck9 USING ruivf (v ruvector_ip_ops) WITH (lists = 8, bits = 4);
CREATE INDEX ck9_cos_4 ON ck9 USING ruivf (v ruvector_cosine_ops) WITH (lists = 8, bits = 4);
CREATE INDEX ck9_l2_idx ON ck9 USING ruivf (v ruvector_l2_ops) WITH (lists = 8, rerank = index);
CREATE INDEX ck9_cos_4_idx ON ck9 USING ruivf (v ruvector_cosine_ops)
  WITH (lists = 8, bits = 4, rerank = index);
CREATE INDEX ck9_part ON ck9 USING ruivf (v ruvector_l2_ops) WITH (lists = 4) WHERE id % 3 = 0;

CREATE TABLE ck33 (id int PRIMARY KEY, v ruvector(33));
INSERT INTO ck33 SELECT i, pg_temp.rv(i, 33) FROM generate_series(1, 800) i;
CREATE INDEX ck33_l2 ON ck33 USING ruivf (v ruvector_l2_ops) WITH (lists = 6);
CREATE INDEX ck33_l2_4 ON ck33 USING ruivf (v ruvector_l2_ops) WITH (lists = 6, bits = 4);
CREATE INDEX ck33_ip_idx ON ck33 USING ruivf (v ruvector_ip_ops) WITH (lists = 6, rerank = index);
CREATE INDEX ck33_cos_4_idx ON ck33 USING ruivf (v ruvector_cosine_ops)
  WITH (lists = 6, bits = 4, rerank = index);

CREATE TABLE ck1200 (id int PRIMARY KEY, v ruvector(1200));
INSERT INTO ck1200 SELECT i, pg_temp.rv(i, 1200) FROM generate_series(1, 120) i;
CREATE INDEX ck1200_l2 ON ck1200 USING ruivf (v ruvector_l2_ops) WITH (lists = 3);
CREATE INDEX ck1200_cos_4 ON ck1200 USING ruivf (v ruvector_cosine_ops) WITH (lists = 3, bits = 4);
CREATE INDEX ck1200_ip_idx ON ck1200 USING ruivf (v ruvector_ip_ops) WITH (lists = 3, rerank = index);
CREATE INDEX ck1200_l2_4_idx ON ck1200 USING ruivf (v ruvector_l2_ops)
  WITH (lists = 3, bits = 4, rerank = index);

-- 5,000 dimensions with rerank = heap: blocks of 5 code pages, whose dead
-- lanes VACUUM marks instead of compacting
CREATE TABLE ck5000 (id int PRIMARY KEY, v ruvector(5000));
INSERT INTO ck5000 SELECT i, pg_temp.rv(i, 5000) FROM generate_series(1, 40) i;
CREATE INDEX ck5000_l2 ON ck5000 USING ruivf (v ruvector_l2_ops) WITH (lists = 2, rerank = heap);

SELECT * FROM pg_temp.check_all('{ck9,ck33,ck1200,ck5000}');

--
-- Built on an empty table (lists = 0: one list, no centroids), then
-- filled by inserts; an unlogged table's index.
--
CREATE TABLE ckempty (id int, v ruvector(9));
CREATE INDEX ckempty_l2 ON ckempty USING ruivf (v ruvector_l2_ops);
CREATE INDEX ckempty_cos_4 ON ckempty USING ruivf (v ruvector_cosine_ops) WITH (bits = 4);
CREATE INDEX ckempty_ip_idx ON ckempty USING ruivf (v ruvector_ip_ops) WITH (rerank = index);
CREATE UNLOGGED TABLE ckunlogged (id int, v ruvector(33));
CREATE INDEX ckunlogged_l2 ON ckunlogged USING ruivf (v ruvector_l2_ops);
SELECT * FROM pg_temp.check_all('{ckempty,ckunlogged}');
INSERT INTO ckempty SELECT i, pg_temp.rv(i, 9) FROM generate_series(1, 700) i;
INSERT INTO ckunlogged SELECT i, pg_temp.rv(i, 33) FROM generate_series(1, 300) i;
SELECT * FROM pg_temp.check_all('{ckempty,ckunlogged}');

--
-- After inserts (new head blocks), HOT updates, deletes (their TIDs stay
-- in the index until VACUUM: allowed), then VACUUM (compaction; with
-- rerank = index and in blocks of more than 4 pages, deleted lanes).
--
INSERT INTO ck9 SELECT i, 0, pg_temp.rv(i, 9) FROM generate_series(3001, 4000) i;
INSERT INTO ck33 SELECT i, pg_temp.rv(i, 33) FROM generate_series(801, 1200) i;
INSERT INTO ck1200 SELECT i, pg_temp.rv(i, 1200) FROM generate_series(121, 200) i;
UPDATE ck9 SET tag = 1 WHERE id % 7 = 0;
DELETE FROM ck9 WHERE id % 5 = 0;
DELETE FROM ck33 WHERE id % 4 = 0;
DELETE FROM ck1200 WHERE id % 3 = 0;
DELETE FROM ck5000 WHERE id % 3 = 0;
SELECT * FROM pg_temp.check_all('{ck9,ck33,ck1200,ck5000}');
VACUUM ck9, ck33, ck1200, ck5000;
SELECT * FROM pg_temp.check_all('{ck9,ck33,ck1200,ck5000}');
-- a row whose vector changes (a new TID in another list) and more inserts after VACUUM
UPDATE ck9 SET v = pg_temp.rv(id + 10000, 9) WHERE id % 11 = 0;
INSERT INTO ck1200 SELECT i, pg_temp.rv(i, 1200) FROM generate_series(201, 230) i;
SELECT * FROM pg_temp.check_all('{ck9,ck1200}');

-- The walk reaches every lane, and the table scan every row: the DEBUG1
-- summary (lanes in use, VACUUM-deleted lanes, unreached pages, rows).
SET client_min_messages = debug1;
SELECT ruvector_index_check('ck1200_ip_idx', true);
SELECT ruvector_index_check('ckempty_l2', true);
SELECT ruvector_index_check('ck5000_l2', true);
SELECT ruvector_index_check('ck9_part', true);
RESET client_min_messages;

-- Inside the transaction that inserted and deleted rows.
BEGIN;
INSERT INTO ck33 SELECT i, pg_temp.rv(i, 33) FROM generate_series(2001, 2100) i;
DELETE FROM ck33 WHERE id BETWEEN 900 AND 950;
SELECT ruvector_index_check('ck33_l2_4', true), ruvector_index_check('ck33_cos_4_idx', true);
ROLLBACK;
SELECT ruvector_index_check('ck33_l2_4', true), ruvector_index_check('ck33_cos_4_idx');

--
-- What it refuses: a table, another access method's index, a partitioned
-- index; and who may run it: EXECUTE is revoked from PUBLIC, and a role
-- granted it needs no privilege on the table.
--
SELECT ruvector_index_check('ck9');
SELECT ruvector_index_check('ck9_pkey');
CREATE TABLE ckpart (id int, v ruvector(3)) PARTITION BY RANGE (id);
CREATE TABLE ckpart_1 PARTITION OF ckpart FOR VALUES FROM (0) TO (100);
CREATE INDEX ckpart_v ON ckpart USING ruivf (v ruvector_l2_ops);
SELECT ruvector_index_check('ckpart_v');
SELECT ruvector_index_check(NULL);

CREATE ROLE regress_ruvector_checker;
SET ROLE regress_ruvector_checker;
SELECT pg_temp.err($$SELECT ruvector_index_check('ck9_l2')$$);
RESET ROLE;
GRANT EXECUTE ON FUNCTION ruvector_index_check(regclass, boolean) TO regress_ruvector_checker;
SET ROLE regress_ruvector_checker;
SELECT ruvector_index_check('ck9_l2'), ruvector_index_check('ck9_l2', heapallindexed => true);
RESET ROLE;
REVOKE EXECUTE ON FUNCTION ruvector_index_check(regclass, boolean) FROM regress_ruvector_checker;
DROP ROLE regress_ruvector_checker;

DROP TABLE ck9, ck33, ck1200, ck5000, ckempty, ckunlogged, ckpart;
