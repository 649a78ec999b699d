-- shared_lists: the indexes of a hash-partitioned table's partitions take
-- the lists (centroids) the first one trained, and a query's scans order
-- those lists once (a DEBUG2 message each time a scan orders them).
SET client_min_messages = warning;
CREATE TABLE sl (id int, v ruvector(4)) PARTITION BY HASH (id);
SELECT format('CREATE TABLE sl_%s PARTITION OF sl FOR VALUES WITH (MODULUS 4, REMAINDER %s)', i, i)
FROM generate_series(0, 3) i \gexec
INSERT INTO sl
SELECT i, ARRAY[sin(i), cos(i), sin(2 * i), cos(3 * i)]::ruvector(4)
FROM generate_series(1, 2000) i;
CREATE INDEX sl_v ON sl USING ruivf (v ruvector_l2_ops) WITH (lists = 8);
ANALYZE sl;
SELECT c.relname, i.lists, i.rows > 0 AS has_rows
FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid,
     ruvector_index_info(h.inhrelid::regclass) i
WHERE h.inhparent = 'sl_v'::regclass ORDER BY 1;
SET enable_seqscan = off;
SET ruvector.probes = 2;
-- the lists are ordered once a query: one message, not four
SET client_min_messages = debug2;
SELECT id FROM sl ORDER BY v <-> '[0.5, 0.5, 0.5, 0.5]' LIMIT 3;
SELECT id FROM sl ORDER BY v <-> '[0.1, 0.2, 0.3, 0.4]' LIMIT 3;
SET client_min_messages = warning;
-- every list read: the exact answer
SET ruvector.probes = 8;
SELECT id FROM sl ORDER BY v <-> '[0.1, 0.2, 0.3, 0.4]' LIMIT 5;
SET enable_indexscan = off;
SET enable_seqscan = on;
SELECT id FROM sl ORDER BY v <-> '[0.1, 0.2, 0.3, 0.4]' LIMIT 5;
RESET enable_indexscan;
SET enable_seqscan = off;
SET ruvector.probes = 2;
-- a partition attached later takes the lists too (its index is built
-- with its rows; one made empty trains its own as it fills)
ALTER TABLE sl DETACH PARTITION sl_0;
CREATE TABLE sl_0b (LIKE sl);
INSERT INTO sl_0b SELECT * FROM sl_0;
ALTER TABLE sl ATTACH PARTITION sl_0b FOR VALUES WITH (MODULUS 4, REMAINDER 0);
SET client_min_messages = debug2;
SELECT id FROM sl ORDER BY v <-> '[0.5, 0.5, 0.5, 0.5]' LIMIT 3;
SET client_min_messages = warning;
-- REINDEX of the partitioned index: the first partition trains, the others take its lists
REINDEX INDEX sl_v;
SET client_min_messages = debug2;
SELECT id FROM sl ORDER BY v <-> '[0.5, 0.5, 0.5, 0.5]' LIMIT 3;
SET client_min_messages = warning;
-- REINDEX of one partition's index trains its own lists: its scan orders
-- them, and the next partition's scan its lists again
REINDEX INDEX sl_2_v_idx;
SET client_min_messages = debug2;
SELECT id FROM sl ORDER BY v <-> '[0.5, 0.5, 0.5, 0.5]' LIMIT 3;
SET client_min_messages = warning;
-- binary codes: the lists' order and the query prepared for each list, once
DROP INDEX sl_v;
CREATE INDEX sl_v ON sl USING ruivf (v ruvector_l2_ops) WITH (lists = 8, bits = 1);
SET client_min_messages = debug2;
SELECT id FROM sl ORDER BY v <-> '[0.5, 0.5, 0.5, 0.5]' LIMIT 3;
SELECT id FROM sl ORDER BY v <-> '[0.1, 0.2, 0.3, 0.4]' LIMIT 3;
SET client_min_messages = warning;
-- shared_lists = off: each partition's own lists
DROP INDEX sl_v;
CREATE INDEX sl_v ON sl USING ruivf (v ruvector_l2_ops) WITH (lists = 8, shared_lists = off);
SET client_min_messages = debug2;
SELECT id FROM sl ORDER BY v <-> '[0.5, 0.5, 0.5, 0.5]' LIMIT 3;
SET client_min_messages = warning;
-- list partitions: off unless asked for (auto), on when asked for
CREATE TABLE sk (id int, k int, v ruvector(4)) PARTITION BY LIST (k);
CREATE TABLE sk_0 PARTITION OF sk FOR VALUES IN (0);
CREATE TABLE sk_1 PARTITION OF sk FOR VALUES IN (1);
INSERT INTO sk SELECT id, id % 2, v FROM sl;
CREATE INDEX sk_v ON sk USING ruivf (v ruvector_l2_ops) WITH (lists = 8);
ANALYZE sk;
SET client_min_messages = debug2;
SELECT id FROM sk ORDER BY v <-> '[0.5, 0.5, 0.5, 0.5]' LIMIT 3;
SET client_min_messages = warning;
DROP INDEX sk_v;
CREATE INDEX sk_v ON sk USING ruivf (v ruvector_l2_ops) WITH (lists = 8, shared_lists = on);
SET client_min_messages = debug2;
SELECT id FROM sk ORDER BY v <-> '[0.5, 0.5, 0.5, 0.5]' LIMIT 3;
SET client_min_messages = warning;
-- a bad value
CREATE INDEX ON sk USING ruivf (v ruvector_l2_ops) WITH (shared_lists = maybe);
DROP TABLE sl, sl_0, sk;
