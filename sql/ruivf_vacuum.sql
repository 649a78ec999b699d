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

-- the statements of `cycles` churn cycles on table tbl of `rows` rows of
-- `dim` dimensions (ids 1 .. rows): delete half at random, VACUUM, insert
-- as many new rows (for \gexec: VACUUM runs outside a transaction)
CREATE FUNCTION pg_temp.churn(tbl text, dim int, rows int, cycles int) RETURNS SETOF text
LANGUAGE sql AS $$
  SELECT s FROM generate_series(1, cycles) c,
    LATERAL (VALUES
      (1, format('DELETE FROM %s WHERE id IN (SELECT id FROM %s ORDER BY md5(id || %L) LIMIT %s)',
                 tbl, tbl, c, rows / 2)),
      (2, format('VACUUM %s', tbl)),
      (3, format('INSERT INTO %s SELECT i, pg_temp.vv(i, %s) FROM generate_series(%s, %s) i',
                 tbl, dim, rows + 1 + (c - 1) * (rows / 2), rows + c * (rows / 2)))) x(o, s)
    ORDER BY c, o
$$;

-- rerank = index, 40 dimensions: five cycles of delete half, VACUUM,
-- insert as many rows
CREATE TABLE vr (id int PRIMARY KEY, v ruvector(40)) WITH (autovacuum_enabled = off);
INSERT INTO vr SELECT i, pg_temp.vv(i, 40) FROM generate_series(1, 4000) i;
CREATE INDEX vr_v ON vr USING ruivf (v ruvector_l2_ops) WITH (lists = 8, rerank = index);
SELECT pages AS built_pages, vector_pages_per_block > 0 AS holds_vectors
  FROM ruvector_index_info('vr_v') \gset
SELECT :'holds_vectors' AS holds_vectors;
SELECT pg_temp.churn('vr', 40, 4000, 5) \gexec
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
SELECT pg_temp.churn('vb', 4200, 240, 3) \gexec
SELECT pages <= 1.25 * :built_pages AS size_kept FROM ruvector_index_info('vb_v');
SET ruvector.probes = 2;
SELECT bool_and(pg_temp.vv_exact('vb', pg_temp.vv(i, 4200), 10)) AS exact_after_churn
  FROM generate_series(1001, 1004) i;
SELECT ruvector_index_check('vb_v') IS NOT NULL AS checked;
DROP TABLE vb;
RESET ruvector.probes;

--
-- Blocks left empty: rows deleted in a range (say, an expiry by age) leave
-- whole blocks of one list without a row.  VACUUM unlinks them from their
-- chain and frees their pages, so that scans no longer read them and any
-- list's inserts reuse them: here the rows inserted afterwards all go to
-- the other list, and the file does not grow.  Both code layouts: blocks
-- compacted (rerank = heap) and blocks whose dead lanes are marked in
-- place (rerank = index).
--
CREATE FUNCTION pg_temp.far(i int) RETURNS ruvector LANGUAGE sql IMMUTABLE AS $$
  SELECT pg_temp.vv(i, 64) + array_fill(100, ARRAY[64])::real[]::ruvector
$$;
CREATE TABLE ve (id int PRIMARY KEY, v ruvector(64)) WITH (autovacuum_enabled = off);
INSERT INTO ve SELECT i, pg_temp.vv(i, 64) FROM generate_series(1, 3000) i;
INSERT INTO ve SELECT i, pg_temp.far(i) FROM generate_series(3001, 6000) i;
CREATE INDEX ve_v ON ve USING ruivf (v ruvector_l2_ops) WITH (lists = 2);
SELECT lanes_per_block AS ve_lanes, pages AS ve_pages FROM ruvector_index_info('ve_v') \gset
DELETE FROM ve WHERE id <= 1500;
VACUUM ve;
-- every list probed: the blocks read are those the rows fill
SET ruvector.probes = 2;
SET enable_seqscan = off;
SELECT ruvector_stats_reset();
SELECT count(*) FROM (SELECT id FROM ve ORDER BY v <-> pg_temp.vv(1, 64) LIMIT 10) s;
SELECT blocks_scanned <= ceil(1500.0 / :ve_lanes) + ceil(3000.0 / :ve_lanes) + 2 AS empty_blocks_unread
  FROM ruvector_stats WHERE index = 've_v'::regclass;
CREATE INDEX ve_i ON ve USING ruivf (v ruvector_l2_ops) WITH (lists = 2, rerank = index);
SELECT pages AS vi_pages FROM ruvector_index_info('ve_i') \gset
DELETE FROM ve WHERE id <= 2500;
VACUUM ve;
-- the far list's new rows take the freed blocks; no training did it
INSERT INTO ve SELECT i, pg_temp.far(i) FROM generate_series(6001, 6900) i;
SELECT i.relname, generation, pages <= CASE i.relname WHEN 've_v' THEN :ve_pages ELSE :vi_pages END AS file_kept
  FROM pg_class i, ruvector_index_info(i.oid) WHERE i.relname LIKE 've\__' ORDER BY 1;
SELECT ruvector_index_check('ve_v', true) IS NOT NULL AS checked_v,
       ruvector_index_check('ve_i', true) IS NOT NULL AS checked_i;
SELECT bool_and(pg_temp.vv_exact('ve', q, 20)) AS exact_after_unlink
  FROM (SELECT pg_temp.vv(i, 64) FROM generate_series(2601, 2604) i
        UNION ALL SELECT pg_temp.far(i) FROM generate_series(7001, 7004) i) x(q);
RESET enable_seqscan;
RESET ruvector.probes;
DROP TABLE ve;

-- Two ruivf indexes on one table: a VACUUM runs every index's bulk delete
-- before any index's cleanup, and each index's empty blocks are unlinked
-- at its own cleanup (L2 and L1 each read by their own operator)
CREATE TABLE vw (id int PRIMARY KEY, v ruvector(64)) WITH (autovacuum_enabled = off);
INSERT INTO vw SELECT i, pg_temp.vv(i, 64) FROM generate_series(1, 3000) i;
INSERT INTO vw SELECT i, pg_temp.far(i) FROM generate_series(3001, 6000) i;
CREATE INDEX vw_l2 ON vw USING ruivf (v ruvector_l2_ops) WITH (lists = 2);
CREATE INDEX vw_l1 ON vw USING ruivf (v ruvector_l1_ops) WITH (lists = 2);
SELECT lanes_per_block AS vw_lanes FROM ruvector_index_info('vw_l2') \gset
DELETE FROM vw WHERE id <= 1500;
VACUUM (PARALLEL 0) vw;
SET ruvector.probes = 2;
SET enable_seqscan = off;
SELECT ruvector_stats_reset();
SELECT count(*) FROM (SELECT id FROM vw ORDER BY v <-> pg_temp.vv(1, 64) LIMIT 10) s;
SELECT count(*) FROM (SELECT id FROM vw ORDER BY v <+> pg_temp.vv(1, 64) LIMIT 10) s;
SELECT i.relname, s.blocks_scanned <= ceil(1500.0 / :vw_lanes) + ceil(3000.0 / :vw_lanes) + 2
       AS empty_blocks_unread
  FROM ruvector_stats s JOIN pg_class i ON i.oid = s.index
 WHERE i.relname LIKE 'vw\_%' ORDER BY 1;
SELECT ruvector_index_check('vw_l2', true) IS NOT NULL AS checked_l2,
       ruvector_index_check('vw_l1', true) IS NOT NULL AS checked_l1;
RESET enable_seqscan;
RESET ruvector.probes;
DROP TABLE vw;

--
-- Drift: the rows replaced by rows of a wider spread, over every list
-- alike (no list grows long, so no split is called for), so that they lie
-- farther from the centroids than the rows the index was trained with.
-- VACUUM samples the rows' distances to their nearest centroid against
-- those measured at the training and trains the index anew; the same
-- churn with rows like the old ones trains nothing.
--
CREATE FUNCTION pg_temp.wide(i int) RETURNS ruvector LANGUAGE sql IMMUTABLE AS $$
  SELECT pg_temp.vv(i, 12) + pg_temp.vv(i + 500000, 12) * array_fill(0.9, ARRAY[12])::real[]::ruvector
         - array_fill(9, ARRAY[12])::real[]::ruvector
$$;
CREATE TABLE vd (id int PRIMARY KEY, v ruvector(12)) WITH (autovacuum_enabled = off);
CREATE TABLE vc (id int PRIMARY KEY, v ruvector(12)) WITH (autovacuum_enabled = off);
INSERT INTO vd SELECT i, pg_temp.vv(i, 12) FROM generate_series(1, 20000) i;
INSERT INTO vc SELECT i, pg_temp.vv(i, 12) FROM generate_series(1, 20000) i;
CREATE INDEX vd_8 ON vd USING ruivf (v ruvector_l2_ops) WITH (lists = 8);
CREATE INDEX vd_1 ON vd USING ruivf (v ruvector_l2_ops) WITH (lists = 8, bits = 1);
CREATE INDEX vc_8 ON vc USING ruivf (v ruvector_l2_ops) WITH (lists = 8);
-- (for \gexec: the oldest 10,000 rows of both tables replaced, then VACUUM)
CREATE FUNCTION pg_temp.replace_oldest(step int) RETURNS SETOF text LANGUAGE sql AS $$
  SELECT s FROM (VALUES
    (1, format('DELETE FROM vd WHERE id <= %s', step * 10000)),
    (2, format('INSERT INTO vd SELECT i, pg_temp.wide(i) FROM generate_series(%s, %s) i',
               10001 + step * 10000, 20000 + step * 10000)),
    (3, format('DELETE FROM vc WHERE id <= %s', step * 10000)),
    (4, format('INSERT INTO vc SELECT i, pg_temp.vv(i, 12) FROM generate_series(%s, %s) i',
               10001 + step * 10000, 20000 + step * 10000)),
    (5, 'VACUUM vd'), (6, 'VACUUM vc')) x(o, s)
  ORDER BY o
$$;
SELECT pg_temp.replace_oldest(1) \gexec
SELECT pg_temp.replace_oldest(2) \gexec
SELECT i.relname, lists, generation
  FROM pg_class i, ruvector_index_info(i.oid) WHERE i.relname IN ('vd_8', 'vd_1', 'vc_8') ORDER BY 1;
SELECT ruvector_index_check('vd_8', true) IS NOT NULL AS checked_8,
       ruvector_index_check('vd_1', true) IS NOT NULL AS checked_1;
SET ruvector.probes = 8;
SELECT bool_and(pg_temp.vv_exact('vd', pg_temp.wide(i), 20)) AS exact_after_drift
  FROM generate_series(50001, 50004) i;
RESET ruvector.probes;
DROP TABLE vd, vc;

--
-- Splits: rows that drift to one place (a tenth of the rows deleted, 3,500
-- inserted far from the rest, all into the list nearest to them: under a
-- quarter of the rows, or VACUUM would train the index whole) make that
-- list many times the mean; VACUUM splits it by k-means on its own rows
-- into lists of a build's length and copies every other list as it is, in
-- a new generation.  Each code representation is copied right (the
-- checker compares every code with the table's vector; check_bounds
-- raises if a bound exceeds its row's exact distance, which for binary
-- codes holds always at this epsilon: ruivf_bits), and every answer with
-- every list probed is the exact one.
--
-- (on by default; set here so that the cases below stay splits)
SHOW ruvector.split_lists;
SET ruvector.split_lists = on;
CREATE TABLE vs (id int PRIMARY KEY, v ruvector(12)) WITH (autovacuum_enabled = off);
INSERT INTO vs SELECT i, pg_temp.vv(i, 12) FROM generate_series(1, 20000) i;
CREATE INDEX vs_8 ON vs USING ruivf (v ruvector_l2_ops) WITH (lists = 40);
CREATE INDEX vs_4 ON vs USING ruivf (v ruvector_l2_ops) WITH (lists = 40, bits = 4, rerank = index);
CREATE INDEX vs_1 ON vs USING ruivf (v ruvector_l2_ops) WITH (lists = 40, bits = 1);
CREATE INDEX vs_c ON vs USING ruivf (v ruvector_cosine_ops) WITH (lists = 40, bits = 1);
SELECT i.relname, lists, generation FROM pg_class i, ruvector_index_info(i.oid)
  WHERE i.relname LIKE 'vs\__' ORDER BY 1;
DELETE FROM vs WHERE id % 10 = 1;
INSERT INTO vs SELECT i, pg_temp.vv(i, 12) + '[-50,50,-50,50,-50,50,-50,50,-50,50,-50,50]'
  FROM generate_series(20001, 23500) i;
VACUUM vs;
-- the long list became several, the others stayed: more lists, one
-- generation; but the 8-bit codes (not residuals) of rows that drifted this
-- far out of their trained range would clamp, so that index was trained
-- whole (its lists option: 40)
SELECT i.relname, lists > 40 AS split, lists <= 40 + 32 AS bounded, generation
  FROM pg_class i, ruvector_index_info(i.oid)
  WHERE i.relname LIKE 'vs\__' ORDER BY 1;
SELECT ruvector_index_check('vs_8', true) IS NOT NULL AS checked_8,
       ruvector_index_check('vs_4', true) IS NOT NULL AS checked_4,
       ruvector_index_check('vs_1', true) IS NOT NULL AS checked_1,
       ruvector_index_check('vs_c', true) IS NOT NULL AS checked_c;
SET ruvector.check_bounds = on;
SET ruvector.epsilon = 1000;
SET ruvector.probes = 100;
CREATE FUNCTION pg_temp.vs_exact(op text, q ruvector) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  got int[];
  want int[];
BEGIN
  SET LOCAL enable_seqscan = off;
  EXECUTE format('SELECT array(SELECT id FROM vs ORDER BY v %s $1 LIMIT 20)', op) INTO got USING q;
  SET LOCAL enable_seqscan = on;
  SET LOCAL enable_indexscan = off;
  EXECUTE format('SELECT array(SELECT id FROM vs ORDER BY (v %s $1) + 0, id LIMIT 20)', op) INTO want USING q;
  RETURN got = want;
END $$;
-- queries: half near the drifted rows, half near the others
CREATE FUNCTION pg_temp.vs_q(q int) RETURNS ruvector LANGUAGE sql AS $$
  SELECT pg_temp.vv(q, 12) + CASE WHEN q % 2 = 0 THEN
    '[-50,50,-50,50,-50,50,-50,50,-50,50,-50,50]'::ruvector ELSE '[0,0,0,0,0,0,0,0,0,0,0,0]' END
$$;
-- one index at a time, the others dropped in a transaction that rolls back
BEGIN;
DROP INDEX vs_4, vs_1, vs_c;
SELECT bool_and(pg_temp.vs_exact('<->', pg_temp.vs_q(q)))
       AS exact_8 FROM generate_series(9001, 9010) q;
ROLLBACK;
BEGIN;
DROP INDEX vs_8, vs_1, vs_c;
SELECT bool_and(pg_temp.vs_exact('<->', pg_temp.vs_q(q)))
       AS exact_4 FROM generate_series(9001, 9010) q;
ROLLBACK;
BEGIN;
DROP INDEX vs_8, vs_4, vs_c;
SELECT bool_and(pg_temp.vs_exact('<->', pg_temp.vs_q(q)))
       AS exact_1 FROM generate_series(9001, 9010) q;
ROLLBACK;
BEGIN;
DROP INDEX vs_8, vs_4, vs_1;
SELECT bool_and(pg_temp.vs_exact('<=>', pg_temp.vs_q(q)))
       AS exact_c FROM generate_series(9001, 9010) q;
ROLLBACK;
RESET ruvector.probes;
-- a row finds itself with the default depth, in the split lists and the others
SET enable_seqscan = off;
SELECT count(*) FILTER (WHERE (SELECT s.id FROM vs s ORDER BY s.v <-> vs.v LIMIT 1) = vs.id) AS found,
       count(*) AS of
  FROM vs WHERE id % 250 = 7;
RESET enable_seqscan;
RESET ruvector.check_bounds;
RESET ruvector.epsilon;
-- inserts after the split go to the new lists, and the checker agrees
INSERT INTO vs SELECT i, pg_temp.vv(i, 12) + '[-50,50,-50,50,-50,50,-50,50,-50,50,-50,50]'
  FROM generate_series(30001, 30500) i;
SELECT ruvector_index_check('vs_8', true) IS NOT NULL AS checked_after_inserts;
DROP TABLE vs;

-- 8-bit codes split when the rows drift within their range: 3,500 rows in
-- one small region inside it (distinct vectors: no ties), rerank = index
-- (vectors copied too)
CREATE TABLE v8 (id int PRIMARY KEY, v ruvector(12)) WITH (autovacuum_enabled = off);
INSERT INTO v8 SELECT i, pg_temp.vv(i, 12) FROM generate_series(1, 20000) i;
CREATE INDEX v8_v ON v8 USING ruivf (v ruvector_l2_ops) WITH (lists = 40, rerank = index);
DELETE FROM v8 WHERE id % 10 = 1;
CREATE FUNCTION pg_temp.near(i int) RETURNS ruvector LANGUAGE sql IMMUTABLE AS $$
  SELECT pg_temp.vv(7, 12) +
         ARRAY(SELECT ((i::bigint * 7919 + k * 104729 + (i::bigint * k) % 997) % 2003) / 4006.0
               FROM generate_series(1, 12) k)::real[]::ruvector
$$;
INSERT INTO v8 SELECT i, pg_temp.near(i) FROM generate_series(20001, 23500) i;
VACUUM v8;
SELECT lists > 40 AS split, generation, bits FROM ruvector_index_info('v8_v');
SELECT ruvector_index_check('v8_v', true) IS NOT NULL AS checked;
SET ruvector.check_bounds = on;
SET ruvector.probes = 100;
SET enable_seqscan = off;
SELECT bool_and(array(SELECT id FROM v8 ORDER BY v <-> q LIMIT 20) =
                array(SELECT id FROM v8 ORDER BY (v <-> q) + 0, id LIMIT 20)) AS exact
  FROM (SELECT CASE WHEN i % 2 = 0 THEN pg_temp.vv(i, 12) ELSE pg_temp.near(i + 5000) END AS q
        FROM generate_series(9001, 9010) i) qs;
RESET ruvector.probes;
SELECT count(*) FILTER (WHERE (SELECT s.id FROM v8 s ORDER BY s.v <-> v8.v LIMIT 1) = v8.id) AS found,
       count(*) AS of
  FROM v8 WHERE id % 97 = 0;
RESET enable_seqscan;
RESET ruvector.check_bounds;
DROP TABLE v8;

-- A split also dissolves the lists the rows left (under an eighth of the
-- mean): the rows of one region deleted, as many inserted far away; the
-- far rows' list is split and the emptied region's lists go, their few
-- remaining rows to their nearest lists.  The lists do not only grow: the
-- emptied ones go, and the far rows make new ones of a build's length.
CREATE TABLE vm (id int PRIMARY KEY, v ruvector(12)) WITH (autovacuum_enabled = off);
INSERT INTO vm SELECT i, pg_temp.vv(i, 12) FROM generate_series(1, 20000) i;
CREATE INDEX vm_v ON vm USING ruivf (v ruvector_l2_ops) WITH (lists = 40, bits = 1);
-- the 2,500 rows nearest to one row, but for 1 in 50 of them
DELETE FROM vm WHERE id IN (SELECT id FROM vm ORDER BY v <-> pg_temp.vv(1, 12) LIMIT 2500)
  AND id % 50 <> 0;
INSERT INTO vm SELECT i, pg_temp.vv(i, 12) + '[-50,50,-50,50,-50,50,-50,50,-50,50,-50,50]'
  FROM generate_series(20001, 23500) i;
VACUUM vm;
SELECT lists, generation FROM ruvector_index_info('vm_v');
SELECT ruvector_index_check('vm_v', true) IS NOT NULL AS checked;
SET ruvector.check_bounds = on;
SET ruvector.epsilon = 1000;
SET ruvector.probes = 100;
SET enable_seqscan = off;
SELECT bool_and(array(SELECT id FROM vm ORDER BY v <-> q LIMIT 20) =
                array(SELECT id FROM vm ORDER BY (v <-> q) + 0, id LIMIT 20)) AS exact
  FROM (SELECT pg_temp.vv(i, 12) + CASE WHEN i % 2 = 0 THEN
          '[-50,50,-50,50,-50,50,-50,50,-50,50,-50,50]'::ruvector
          ELSE '[0,0,0,0,0,0,0,0,0,0,0,0]' END AS q
        FROM generate_series(9001, 9010) i) qs;
-- the rows of the dissolved lists, and the others, find themselves among
-- the first lists probed (3 of 46: a row left alone where the rows were
-- deleted is about as far from several centroids, which the probe order
-- ranks by their 8-bit codes)
SET ruvector.probes = 3;
SELECT count(*) FILTER (WHERE (SELECT s.id FROM vm s ORDER BY s.v <-> vm.v LIMIT 1) = vm.id) AS found,
       count(*) AS of
  FROM vm WHERE id % 50 = 0 OR id % 197 = 0;
RESET ruvector.probes;
RESET enable_seqscan;
RESET ruvector.check_bounds;
RESET ruvector.epsilon;
DROP TABLE vm;

-- Rows that drift land in whichever lists are nearest to them when they
-- come, not only in the one that grows: here 5,000 rows (of 23,000) into
-- one corner of the data, which fills one list past four times the mean
-- and leaves drifted rows in many others.  A split moves every row that a new list may be
-- nearer to (from any list), so each row is in its nearest list afterwards,
-- and a query equal to a row finds it within the first two lists it
-- probes; for binary, residual 4-bit and 8-bit codes (the 8-bit rows'
-- drift stays inside their codes' range).
CREATE FUNCTION pg_temp.vw(i int, a float8, b float8) RETURNS ruvector LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY(SELECT ((i::bigint * 7919 + k * 104729 + (i::bigint * k) % 997) % 2003) / 100.0 * a + b
               FROM generate_series(1, 12) k)::real[]::ruvector
$$;
CREATE FUNCTION pg_temp.spread(opts text, a float8, b float8) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  CREATE TABLE vd (id int PRIMARY KEY, v ruvector(12)) WITH (autovacuum_enabled = off);
  INSERT INTO vd SELECT i, pg_temp.vv(i, 12) FROM generate_series(1, 20000) i;
  EXECUTE format('CREATE INDEX vd_v ON vd USING ruivf (v ruvector_l2_ops) WITH (lists = 40, %s)', opts);
  DELETE FROM vd WHERE id % 10 = 1;
  INSERT INTO vd SELECT i, pg_temp.vw(i, a, b) FROM generate_series(20001, 25000) i;
END $$;
CREATE FUNCTION pg_temp.spread_found(OUT split bool, OUT generation int, OUT nfound bigint, OUT sampled bigint)
LANGUAGE plpgsql AS $$
BEGIN
  SELECT i.lists > 40, i.generation INTO split, generation FROM ruvector_index_info('vd_v') i;
  PERFORM ruvector_index_check('vd_v', true);
  SET LOCAL enable_seqscan = off;
  SET LOCAL ruvector.probes = 2;
  SELECT count(*) FILTER (WHERE (SELECT s.id FROM vd s ORDER BY s.v <-> vd.v LIMIT 1) = vd.id), count(*)
    INTO nfound, sampled FROM vd WHERE id % 21 = 0;
  DROP TABLE vd;
END $$;
SELECT pg_temp.spread('bits = 1', 0.5, 15);
VACUUM vd;
SELECT 'bits 1' AS codes, * FROM pg_temp.spread_found();
SELECT pg_temp.spread('bits = 4, rerank = index', 0.5, 15);
VACUUM vd;
SELECT 'bits 4' AS codes, * FROM pg_temp.spread_found();
SELECT pg_temp.spread('bits = 8', 0.2, 14);
VACUUM vd;
SELECT 'bits 8' AS codes, * FROM pg_temp.spread_found();
-- Over a quarter of the rows moving is the data moving as a whole: VACUUM
-- trains the index whole (the lists option's 40 lists) instead of splitting
CREATE TABLE vq (id int PRIMARY KEY, v ruvector(12)) WITH (autovacuum_enabled = off);
INSERT INTO vq SELECT i, pg_temp.vv(i, 12) FROM generate_series(1, 20000) i;
CREATE INDEX vq_v ON vq USING ruivf (v ruvector_l2_ops) WITH (lists = 40, bits = 1);
DELETE FROM vq WHERE id % 10 = 1;
INSERT INTO vq SELECT i, pg_temp.vv(i, 12) + '[-50,50,-50,50,-50,50,-50,50,-50,50,-50,50]'
  FROM generate_series(20001, 30000) i;
VACUUM vq;
SELECT lists, generation FROM ruvector_index_info('vq_v');
SELECT ruvector_index_check('vq_v', true) IS NOT NULL AS checked;
DROP TABLE vq;
RESET ruvector.split_lists;

-- The file shrinks back: a training writes its generation beside the
-- current one (about twice the size), VACUUM frees the older blocks once no
-- snapshot needs them, the next training writes on those, and the VACUUM
-- after it truncates the newer-but-retired blocks at the end of the file.
-- Not with the table's vacuum_truncate off.  (Blocks are freed once no
-- snapshot from before the switch can remain: a later transaction that
-- takes an ID, as any database that writes has, moves that horizon.)
CREATE TABLE vt (id int PRIMARY KEY, v ruvector(12)) WITH (autovacuum_enabled = off);
INSERT INTO vt SELECT i, pg_temp.vv(i, 12) FROM generate_series(1, 5000) i;
CREATE INDEX vt_v ON vt USING ruivf (v ruvector_l2_ops) WITH (lists = 20);
CREATE TEMP TABLE vt_size AS SELECT pg_relation_size('vt_v') AS built;
SELECT trained FROM ruvector_index_maintain('vt_v');
SELECT txid_current() > 0 AS xid;
VACUUM vt;
SELECT pg_relation_size('vt_v') > 1.8 * built AS twice FROM vt_size;
SELECT trained FROM ruvector_index_maintain('vt_v');
SELECT txid_current() > 0 AS xid;
-- a parallel VACUUM (here its leader, in parallel mode while workers run)
-- cannot take the lock, which would need a transaction ID: it frees the
-- blocks but does not truncate, and raises no error; the next VACUUM does
SET min_parallel_index_scan_size = 0;
VACUUM (PARALLEL 2) vt;
RESET min_parallel_index_scan_size;
SELECT pg_relation_size('vt_v') > 1.8 * built AS not_in_parallel FROM vt_size;
VACUUM vt;
SELECT pg_relation_size('vt_v') <= 1.1 * built AS shrunk, generation
  FROM vt_size, ruvector_index_info('vt_v');
SELECT ruvector_index_check('vt_v', true) IS NOT NULL AS checked;
SET ruvector.probes = 100;
SELECT bool_and(pg_temp.vv_exact('vt', pg_temp.vv(i, 12), 10)) AS exact
  FROM generate_series(7, 9) i;
RESET ruvector.probes;
INSERT INTO vt SELECT i, pg_temp.vv(i, 12) FROM generate_series(5001, 5500) i;
SELECT ruvector_index_check('vt_v', true) IS NOT NULL AS checked_after_inserts;
ALTER TABLE vt SET (vacuum_truncate = off);
SELECT trained FROM ruvector_index_maintain('vt_v');
SELECT txid_current() > 0 AS xid;
VACUUM vt;
SELECT trained FROM ruvector_index_maintain('vt_v');
SELECT txid_current() > 0 AS xid;
VACUUM vt;
SELECT pg_relation_size('vt_v') > 1.8 * built AS kept FROM vt_size;
DROP TABLE vt;
