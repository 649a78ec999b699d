--
-- VACUUM and lane reuse in blocks VACUUM cannot compact: rerank = index
-- (a lane's vector pages would have to move with it) and blocks of more
-- than four pages (dimensions beyond ~4,000).  VACUUM marks their dead
-- lanes invalid; later inserts must fill those lanes, so that an index
-- under churn keeps its size, and scans stay exact through it.
--
CREATE FUNCTION pg_temp.vv(i int, d int) RETURNS ruvector LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY(SELECT ((i::bigint * 7919 + k * 104729 + (i::bigint * k) % 997) % 2003) / 100.0
               FROM generate_series(1, d) k)::real[]::ruvector
$$;
-- the answer of the index (every list probed) against an exact scan
CREATE FUNCTION pg_temp.vv_exact(tbl regclass, q ruvector, k int) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  got int[];
  want int[];
BEGIN
  SET LOCAL enable_seqscan = off;
  EXECUTE format('SELECT array(SELECT id FROM %s ORDER BY v <-> $1 LIMIT %s)', tbl, k) INTO got USING q;
  SET LOCAL enable_seqscan = on;
  SET LOCAL enable_indexscan = off;
  EXECUTE format('SELECT array(SELECT id FROM %s ORDER BY (v <-> $1) + 0, id LIMIT %s)', tbl, k) INTO want USING q;
  RETURN got = want;
END $$;

-- rerank = index, 40 dimensions: five cycles of delete half, VACUUM,
-- insert as many rows
CREATE TABLE vr (id int PRIMARY KEY, v ruvector(40)) WITH (autovacuum_enabled = off);
INSERT INTO vr SELECT i, pg_temp.vv(i, 40) FROM generate_series(1, 4000) i;
CREATE INDEX vr_v ON vr USING ruivf (v ruvector_l2_ops) WITH (lists = 8, rerank = index);
SELECT pages AS built_pages, vector_pages_per_block > 0 AS holds_vectors
  FROM ruvector_index_info('vr_v') \gset
SELECT :'holds_vectors' AS holds_vectors;
SELECT s FROM generate_series(1, 5) c,
  LATERAL (VALUES (1, format('DELETE FROM vr WHERE id IN (SELECT id FROM vr ORDER BY md5(id || %L) LIMIT 2000)', c)),
                  (2, 'VACUUM vr'),
                  (3, format('INSERT INTO vr SELECT i, pg_temp.vv(i, 40) FROM generate_series(%s, %s) i',
                             4001 + (c - 1) * 2000, 4000 + c * 2000))) x(o, s)
  ORDER BY c, o \gexec
SELECT count(*) AS rows_now FROM vr;
-- the index stayed within 1.25x of its built size, and no training was
-- needed to get there (without reuse each cycle adds blocks for the rows
-- inserted, until VACUUM finds the blocks half empty and trains anew)
SELECT pages <= 1.25 * :built_pages AS size_kept, generation AS trainings
  FROM ruvector_index_info('vr_v');
SET ruvector.probes = 8;
SELECT bool_and(pg_temp.vv_exact('vr', pg_temp.vv(i, 40), 20)) AS exact_after_churn
  FROM generate_series(20001, 20010) i;
SET enable_seqscan = off;
SELECT count(*) = (SELECT count(*) FROM vr) AS every_row_once,
       count(DISTINCT id) = count(*) AS no_row_twice
  FROM (SELECT id FROM vr ORDER BY v <-> pg_temp.vv(3, 40) LIMIT 100000) s;
RESET enable_seqscan;
SELECT ruvector_index_check('vr_v') IS NOT NULL AS checked;
-- a lane filled again and then deleted is freed again, and reused
DELETE FROM vr WHERE id % 3 = 0;
VACUUM vr;
INSERT INTO vr SELECT i, pg_temp.vv(i, 40) FROM generate_series(30001, 32000) i;
SELECT pages <= 1.25 * :built_pages AS size_kept_again FROM ruvector_index_info('vr_v');
SELECT bool_and(pg_temp.vv_exact('vr', pg_temp.vv(i, 40), 20)) AS exact_again
  FROM generate_series(20011, 20015) i;
SELECT ruvector_index_check('vr_v') IS NOT NULL AS checked_again;
DROP TABLE vr;

-- blocks of more than four pages (rerank = heap, 4,200 dimensions)
CREATE TABLE vb (id int PRIMARY KEY, v ruvector(4200)) WITH (autovacuum_enabled = off);
INSERT INTO vb SELECT i, pg_temp.vv(i, 4200) FROM generate_series(1, 240) i;
CREATE INDEX vb_v ON vb USING ruivf (v ruvector_l2_ops) WITH (lists = 2, rerank = heap);
SELECT pages AS built_pages, pages_per_block > 4 AS large_blocks
  FROM ruvector_index_info('vb_v') \gset
SELECT :'large_blocks' AS large_blocks;
SELECT s FROM generate_series(1, 3) c,
  LATERAL (VALUES (1, format('DELETE FROM vb WHERE id IN (SELECT id FROM vb ORDER BY md5(id || %L) LIMIT 120)', c)),
                  (2, 'VACUUM vb'),
                  (3, format('INSERT INTO vb SELECT i, pg_temp.vv(i, 4200) FROM generate_series(%s, %s) i',
                             241 + (c - 1) * 120, 240 + c * 120))) x(o, s)
  ORDER BY c, o \gexec
SELECT pages <= 1.25 * :built_pages AS size_kept FROM ruvector_index_info('vb_v');
SET ruvector.probes = 2;
SELECT bool_and(pg_temp.vv_exact('vb', pg_temp.vv(i, 4200), 10)) AS exact_after_churn
  FROM generate_series(1001, 1004) i;
SELECT ruvector_index_check('vb_v') IS NOT NULL AS checked;
DROP TABLE vb;
RESET ruvector.probes;
