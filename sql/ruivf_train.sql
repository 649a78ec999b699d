--
-- ruivf trains itself (src/ivf/ivftrain.c): an index created on an empty
-- table starts with one list, scanned exactly, trains its lists at 1,000
-- rows and again each time its rows double; ruvector_index_maintain trains
-- now.  Each training writes a new generation beside the old one and
-- retires the old blocks, which VACUUM frees for reuse.
--
\set SHOW_CONTEXT never
SET max_parallel_workers_per_gather = 0;
SET max_parallel_maintenance_workers = 0;

CREATE FUNCTION pg_temp.rv(i int, d int) RETURNS ruvector
  LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT array(SELECT ((i::bigint * i * 31 + i::bigint * j * 7919 + j::bigint * j * 104729 + 17)
                         % 10007) / 10007.0 - 0.5
                   FROM generate_series(1, d) j ORDER BY j)::ruvector
$$;
-- The ids of the k nearest rows, through the index with every list read,
-- and by an exact (sequential) scan: equal, position by position.
CREATE FUNCTION pg_temp.same_as_exact(tbl text, op text, q ruvector, k int) RETURNS boolean
  LANGUAGE plpgsql AS $$
DECLARE
  got int[];
  want int[];
BEGIN
  PERFORM set_config('ruvector.probes', '32768', true);
  PERFORM set_config('enable_seqscan', 'off', true);
  EXECUTE format('SELECT array(SELECT id FROM %I ORDER BY v %s $1 LIMIT %s)', tbl, op, k)
    INTO got USING q;
  PERFORM set_config('enable_seqscan', 'on', true);
  PERFORM set_config('enable_indexscan', 'off', true);
  PERFORM set_config('enable_bitmapscan', 'off', true);
  EXECUTE format('SELECT array(SELECT id FROM %I ORDER BY v %s $1 LIMIT %s)', tbl, op, k)
    INTO want USING q;
  PERFORM set_config('enable_indexscan', 'on', true);
  PERFORM set_config('enable_bitmapscan', 'on', true);
  RETURN got = want AND cardinality(got) = k;
END $$;

-- An index created on an empty table: lists 0, then trained at 1,000 rows
CREATE TABLE tr (id int PRIMARY KEY, v ruvector(12));
CREATE INDEX tr_v ON tr USING ruivf (v ruvector_l2_ops);
SELECT version, lists FROM ruvector_index_info('tr_v');
INSERT INTO tr SELECT i, pg_temp.rv(i, 12) FROM generate_series(1, 900) i;
SELECT lists FROM ruvector_index_info('tr_v');
INSERT INTO tr SELECT i, pg_temp.rv(i, 12) FROM generate_series(901, 1500) i;
SELECT lists > 1 AS trained FROM ruvector_index_info('tr_v');
SELECT ruvector_index_check('tr_v', true);
SELECT pg_temp.same_as_exact('tr', '<->', pg_temp.rv(q, 12), 30) FROM generate_series(7, 9) q;
-- and again as the rows double (a second generation)
INSERT INTO tr SELECT i, pg_temp.rv(i, 12) FROM generate_series(1501, 4000) i;
SELECT ruvector_index_check('tr_v', true);
SELECT pg_temp.same_as_exact('tr', '<->', pg_temp.rv(q, 12), 30) FROM generate_series(7, 9) q;
-- by hand: trained, lists, rows, generation
SELECT trained, lists = (SELECT lists FROM ruvector_index_info('tr_v')) AS lists_shown, rows
  FROM ruvector_index_maintain('tr_v');
SELECT ruvector_index_check('tr_v', true);
-- deletes, VACUUM (which frees the retired blocks), inserts: no row lost
DELETE FROM tr WHERE id % 3 = 0;
VACUUM tr;
SELECT ruvector_index_check('tr_v', true);
INSERT INTO tr SELECT i, pg_temp.rv(i, 12) FROM generate_series(4001, 6000) i;
SELECT ruvector_index_check('tr_v', true);
SELECT pg_temp.same_as_exact('tr', '<->', pg_temp.rv(q, 12), 40) FROM generate_series(7, 9) q;
SET enable_seqscan = off;
SET ruvector.probes = 32768;
SELECT count(*) FROM (SELECT id FROM tr ORDER BY v <-> pg_temp.rv(1, 12) LIMIT 100000) s;
RESET enable_seqscan;
RESET ruvector.probes;
SELECT count(*) FROM tr;

-- cosine with the vectors in the index (rerank = index), 4-bit codes, and an
-- expression index: each trains from the rows' values in the table
CREATE TABLE tr2 (id int PRIMARY KEY, v ruvector(20));
CREATE INDEX tr2_cos ON tr2 USING ruivf (v ruvector_cosine_ops) WITH (rerank = index);
CREATE INDEX tr2_q4 ON tr2 USING ruivf (v ruvector_l2_ops) WITH (bits = 4, lists = 8);
CREATE INDEX tr2_half ON tr2 USING ruivf ((v::ruhalfvec(20)) ruhalfvec_l2_ops);
INSERT INTO tr2 SELECT i, pg_temp.rv(i, 20) FROM generate_series(1, 2500) i;
SELECT i.relname, lists > 1 AS trained
  FROM pg_class i, ruvector_index_info(i.oid) WHERE i.relname LIKE 'tr2\_%' AND i.relname <> 'tr2_pkey'
  ORDER BY 1;
SELECT ruvector_index_check('tr2_cos', true), ruvector_index_check('tr2_q4', true),
       ruvector_index_check('tr2_half', false);
SELECT pg_temp.same_as_exact('tr2', '<=>', pg_temp.rv(q, 20), 25) FROM generate_series(3, 4) q;
DROP INDEX tr2_cos, tr2_half;
SELECT pg_temp.same_as_exact('tr2', '<->', pg_temp.rv(q, 20), 25) FROM generate_series(3, 4) q;
-- the lists option holds: 8 lists, trained with those rows
SELECT lists FROM ruvector_index_info('tr2_q4');

-- errors
CREATE INDEX tr_btree ON tr (id);
SELECT * FROM ruvector_index_maintain('tr_btree');
SELECT * FROM ruvector_index_maintain('tr');
CREATE ROLE ruivf_train_other;
SET ROLE ruivf_train_other;
SELECT * FROM ruvector_index_maintain('tr_v');
RESET ROLE;
DROP ROLE ruivf_train_other;

-- an index built on a full table trains again as its rows double too
CREATE TABLE tr3 (id int PRIMARY KEY, v ruvector(8));
INSERT INTO tr3 SELECT i, pg_temp.rv(i, 8) FROM generate_series(1, 2000) i;
CREATE INDEX tr3_v ON tr3 USING ruivf (v ruvector_l2_ops);
SELECT lists AS built_lists FROM ruvector_index_info('tr3_v');
INSERT INTO tr3 SELECT i, pg_temp.rv(i, 8) FROM generate_series(2001, 4500) i;
SELECT lists > 22 AS more_lists FROM ruvector_index_info('tr3_v');
SELECT ruvector_index_check('tr3_v', true);

-- the data moves away from the centroids at a constant row count: the rows
-- that replace the deleted ones all go to the lists nearest to them, and
-- VACUUM, finding a list four times the others, trains again: these rows
-- lie outside the range the 8-bit codes were trained for, which a split
-- would keep (ruivf_vacuum tests splits)
CREATE TABLE tr4 (id int PRIMARY KEY, v ruvector(8));
ALTER TABLE tr4 SET (autovacuum_enabled = off);
INSERT INTO tr4 SELECT i, pg_temp.rv(i, 8) FROM generate_series(1, 4000) i;
CREATE INDEX tr4_v ON tr4 USING ruivf (v ruvector_l2_ops);
SELECT lists, generation, rows FROM ruvector_index_info('tr4_v');
DELETE FROM tr4 WHERE id <= 3000;
INSERT INTO tr4 SELECT i, pg_temp.rv(i, 8) + '[20,20,20,20,20,20,20,20]' FROM generate_series(4001, 7000) i;
SELECT generation, rows > 4000 AS more_rows FROM ruvector_index_info('tr4_v');
VACUUM tr4;
SELECT lists, generation, rows FROM ruvector_index_info('tr4_v');
SELECT ruvector_index_check('tr4_v', true);
SELECT pg_temp.same_as_exact('tr4', '<->', pg_temp.rv(q, 8) + '[20,20,20,20,20,20,20,20]', 30)
  FROM generate_series(5001, 5002) q;

-- lists uneven from the start (three rows in four are one value, all in one
-- list) are no reason to train again: after deleting half, VACUUM keeps
-- the generation, because no list grew since the training
CREATE TABLE tr5 (id int PRIMARY KEY, v ruvector(8));
ALTER TABLE tr5 SET (autovacuum_enabled = off);
INSERT INTO tr5 SELECT i, CASE WHEN i % 4 = 0
    THEN array(SELECT sin(i * 0.7 + j) FROM generate_series(1, 8) j)::ruvector
    ELSE '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' END
  FROM generate_series(1, 20000) i;
CREATE INDEX tr5_v ON tr5 USING ruivf (v ruvector_l2_ops);
SELECT lists, generation FROM ruvector_index_info('tr5_v');
DELETE FROM tr5 WHERE id % 2 = 0;
VACUUM tr5;
SELECT lists, generation FROM ruvector_index_info('tr5_v');
SELECT ruvector_index_check('tr5_v', true);

-- a partitioned index has no storage: info and maintain say so and how to
-- reach the partitions' indexes; a partition's own index works
CREATE TABLE trp (id int, v ruvector(4)) PARTITION BY RANGE (id);
CREATE TABLE trp_1 PARTITION OF trp FOR VALUES FROM (0) TO (1000);
CREATE TABLE trp_2 PARTITION OF trp FOR VALUES FROM (1000) TO (2000);
CREATE INDEX trp_v ON trp USING ruivf (v ruvector_l2_ops);
INSERT INTO trp SELECT i, pg_temp.rv(i, 4) FROM generate_series(0, 1999) i;
SELECT * FROM ruvector_index_info('trp_v');
SELECT * FROM ruvector_index_maintain('trp_v');
SELECT c.relname, m.trained, m.generation
  FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid,
       ruvector_index_maintain(h.inhrelid::regclass) m
  WHERE h.inhparent = 'trp_v'::regclass ORDER BY 1;
SELECT count(*) FROM pg_inherits h, ruvector_index_info(h.inhrelid::regclass) i
  WHERE h.inhparent = 'trp_v'::regclass AND i.generation >= 1;

DROP TABLE tr, tr2, tr3, tr4, tr5, trp;
