-- The per-backend cache of ruivf indexes' read-only parts (centroids, code
-- parameters): a query over more partitions than the cache's initial
-- slots reads each partition's index once, not once a query.
SET client_min_messages = warning;
CREATE TABLE rc (id int, v ruvector(4)) PARTITION BY HASH (id);
SELECT format('CREATE TABLE rc_%s PARTITION OF rc FOR VALUES WITH (MODULUS 12, REMAINDER %s)',
              lpad(i::text, 2, '0'), i)
FROM generate_series(0, 11) i \gexec
INSERT INTO rc
SELECT i, ARRAY[sin(i), cos(i), sin(2 * i), cos(3 * i)]::ruvector(4)
FROM generate_series(1, 1200) i;
CREATE INDEX rc_v ON rc USING ruivf (v ruvector_l2_ops) WITH (lists = 4);
ANALYZE rc;
\c
SET enable_seqscan = off;
SET ruvector.probes = 4;
EXPLAIN (COSTS OFF)
SELECT id FROM rc ORDER BY v <-> '[0.5, 0.5, 0.5, 0.5]' LIMIT 3;
-- the first query reads every partition's index (one message each) ...
SET client_min_messages = debug2;
SELECT id FROM rc ORDER BY v <-> '[0.5, 0.5, 0.5, 0.5]' LIMIT 3;
-- ... the next ones none
SELECT id FROM rc ORDER BY v <-> '[0.1, 0.2, 0.3, 0.4]' LIMIT 3;
SELECT id FROM rc ORDER BY v <-> '[0.5, 0.5, 0.5, 0.5]' LIMIT 3;
SET client_min_messages = warning;
-- the same answers as an exact scan
SET enable_indexscan = off;
SET enable_seqscan = on;
SELECT id FROM rc ORDER BY v <-> '[0.1, 0.2, 0.3, 0.4]' LIMIT 3;
SELECT id FROM rc ORDER BY v <-> '[0.5, 0.5, 0.5, 0.5]' LIMIT 3;
DROP TABLE rc;
