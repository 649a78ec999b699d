--
-- ruivf with binary codes (bits = 1): one bit per dimension of each row's
-- rotated residual from its list's centroid, scored by the fast-scan
-- kernel, with a lower bound that drives the exact re-rank.  The bound
-- holds always when ruvector.epsilon is at least sqrt(6 x dimensions):
-- every list read then gives exactly the rows and order of a sequential
-- scan.  At the default epsilon (1.9) it holds for all but a small share of
-- candidates.
--
\set SHOW_CONTEXT never
SET max_parallel_workers_per_gather = 0;
SET max_parallel_maintenance_workers = 0;

CREATE FUNCTION pg_temp.rv(i int, d int) RETURNS ruvector
  LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT array(SELECT ((i::bigint * i * 31 + i::bigint * j * 7919 + j::bigint * j * 104729 + 17)
                         % 10007) / 10007.0 - 0.5 + (i % 7) * 0.3
                   FROM generate_series(1, d) j ORDER BY j)::ruvector
$$;
-- The distances of the k nearest rows through the index with every list
-- read, and by a sequential scan: equal, position by position (distances,
-- not ids: rows at exactly the same distance come in either order).
CREATE FUNCTION pg_temp.same_as_exact(tbl text, op text, q ruvector, k int) RETURNS boolean
  LANGUAGE plpgsql AS $$
DECLARE
  got float8[];
  want float8[];
BEGIN
  PERFORM set_config('ruvector.probes', '32768', true);
  PERFORM set_config('enable_seqscan', 'off', true);
  EXECUTE format('SELECT array(SELECT v %s $1 FROM %I ORDER BY v %s $1 LIMIT %s)', op, tbl, op, k)
    INTO got USING q;
  PERFORM set_config('enable_seqscan', 'on', true);
  PERFORM set_config('enable_indexscan', 'off', true);
  PERFORM set_config('enable_bitmapscan', 'off', true);
  EXECUTE format('SELECT array(SELECT v %s $1 FROM %I ORDER BY v %s $1 LIMIT %s)', op, tbl, op, k)
    INTO want USING q;
  PERFORM set_config('enable_indexscan', 'on', true);
  PERFORM set_config('enable_bitmapscan', 'on', true);
  RETURN got = want AND cardinality(got) = k;
END $$;
-- Of 20 queries (points of the same kind, not in the table), how many get
-- exactly the k nearest of a sequential scan.
CREATE FUNCTION pg_temp.exact_queries(tbl text, op text, d int, k int) RETURNS int
  LANGUAGE sql AS $$
    SELECT count(*)::int FROM generate_series(1, 20) qi
     WHERE pg_temp.same_as_exact(tbl, op,
             pg_temp.rv(100000 + qi * 37, d), k)
$$;

-- the limit of binary codes: a block is one page (1,852 dimensions at BLCKSZ 8192)
CREATE TABLE bw (id int, v ruvector(1853));
CREATE INDEX ON bw USING ruivf (v ruvector_l2_ops) WITH (bits = 1);
CREATE TABLE bw2 (id int, v ruvector(1852));
CREATE INDEX bw2_v ON bw2 USING ruivf (v ruvector_l2_ops) WITH (bits = 1);
SELECT version, bits, lanes_per_block, dims_per_page, pages_per_block FROM ruvector_index_info('bw2_v');
DROP TABLE bw, bw2;

-- 37 dimensions (not a multiple of 4: the last group of the codes is part padding)
CREATE TABLE bt (id int, v ruvector(37));
INSERT INTO bt SELECT i, pg_temp.rv(i, 37) FROM generate_series(1, 3000) i;
CREATE INDEX bt_l2 ON bt USING ruivf (v ruvector_l2_ops) WITH (lists = 12, bits = 1);
CREATE INDEX bt_ip ON bt USING ruivf (v ruvector_ip_ops) WITH (lists = 12, bits = 1);
CREATE INDEX bt_cos ON bt USING ruivf (v ruvector_cosine_ops) WITH (lists = 12, bits = 1);
CREATE INDEX bt_l1 ON bt USING ruivf (v ruvector_l1_ops) WITH (lists = 12, bits = 1, rerank = index);
SELECT indexrelid::regclass AS index, i.version, i.metric, i.lists, i.bits, i.lanes_per_block,
       i.dims_per_page, i.rerank
  FROM pg_index, LATERAL ruvector_index_info(indexrelid) i
 WHERE indrelid = 'bt'::regclass ORDER BY 1::text;

-- the bound always holds: exact, and every bound checked
SET ruvector.epsilon = 1000;
SET ruvector.check_bounds = on;
SELECT pg_temp.exact_queries('bt', '<->', 37, 10) AS l2,
       pg_temp.exact_queries('bt', '<#>', 37, 10) AS ip,
       pg_temp.exact_queries('bt', '<=>', 37, 10) AS cosine,
       pg_temp.exact_queries('bt', '<+>', 37, 10) AS l1;
-- sqrt(6 x 37) = 14.9 is enough at 37 dimensions
SET ruvector.epsilon = 15;
SELECT pg_temp.exact_queries('bt', '<->', 37, 50) AS l2_50;
RESET ruvector.check_bounds;

-- the default epsilon: the bound may fail for a few candidates, and a
-- failure costs a row only when it is one of the nearest
RESET ruvector.epsilon;
SELECT pg_temp.exact_queries('bt', '<->', 37, 10) >= 18 AS l2_default,
       pg_temp.exact_queries('bt', '<#>', 37, 10) >= 18 AS ip_default,
       pg_temp.exact_queries('bt', '<=>', 37, 10) >= 18 AS cosine_default;

-- inserts after the build, then deletes and VACUUM (which compacts the
-- blocks: lanes move within their fast-scan blocks)
INSERT INTO bt SELECT i, pg_temp.rv(i, 37) FROM generate_series(3001, 4000) i;
DELETE FROM bt WHERE id % 3 = 0;
VACUUM bt;
SET ruvector.epsilon = 1000;
SELECT pg_temp.exact_queries('bt', '<->', 37, 10) AS l2,
       pg_temp.exact_queries('bt', '<#>', 37, 10) AS ip,
       pg_temp.exact_queries('bt', '<=>', 37, 10) AS cosine,
       pg_temp.exact_queries('bt', '<+>', 37, 10) AS l1;
SELECT ruvector_index_check('bt_l2', true), ruvector_index_check('bt_ip', true),
       ruvector_index_check('bt_cos', true), ruvector_index_check('bt_l1', true);
-- freed lanes are reused
INSERT INTO bt SELECT i, pg_temp.rv(i, 37) FROM generate_series(4001, 4500) i;
SELECT pg_temp.exact_queries('bt', '<->', 37, 10) AS l2;
SELECT ruvector_index_check('bt_l2', true);

-- created on an empty table: one list, exact; trained by hand
CREATE TABLE be (id int, v ruvector(64));
CREATE INDEX be_v ON be USING ruivf (v ruvector_l2_ops) WITH (bits = 1);
INSERT INTO be SELECT i, pg_temp.rv(i, 64) FROM generate_series(1, 700) i;
SELECT lists, bits FROM ruvector_index_info('be_v');
SELECT pg_temp.exact_queries('be', '<->', 64, 10) AS before_training;
SELECT ruvector_index_maintain('be_v') IS NOT NULL AS trained;
SELECT lists > 1 AS has_lists, bits, generation FROM ruvector_index_info('be_v');
SELECT pg_temp.exact_queries('be', '<->', 64, 10) AS after_training;
SELECT ruvector_index_check('be_v', true);

-- a wrong-dimension query is refused as for the other codes
SELECT id FROM bt ORDER BY v <-> '[1,2,3]' LIMIT 1;
RESET ruvector.epsilon;
DROP TABLE bt, be;

-- 256 lists or more, codes that keep their centroids (bits = 1, and the
-- residual bits = 4): the centroids are ranked by their SQ4 codes, then the
-- nearest probes + 16 of those again exactly (ivf.h,
-- RUIVF_CENTROID_SQ4_MIN).  Every list read gives the exact rows; a stored
-- row as the query finds itself first from its own list alone (probes = 1:
-- the nearest centroid must be ranked first); and a filter that passes one
-- row in 97 makes the scan go on far past the exactly ranked lists, into
-- those ordered by their SQ4 estimates, and still return its 10 rows.
CREATE TABLE bc (id int, v ruvector(13));
INSERT INTO bc SELECT i, pg_temp.rv(i, 13) FROM generate_series(1, 6000) i;
CREATE INDEX bc_l2 ON bc USING ruivf (v ruvector_l2_ops) WITH (lists = 300, bits = 1);
CREATE INDEX bc_ip ON bc USING ruivf (v ruvector_ip_ops) WITH (lists = 300, bits = 1);
SELECT indexrelid::regclass AS index, i.lists, i.bits
  FROM pg_index, LATERAL ruvector_index_info(indexrelid) i
 WHERE indrelid = 'bc'::regclass ORDER BY indexrelid::regclass::text;
SET ruvector.epsilon = 1000;
SELECT pg_temp.exact_queries('bc', '<->', 13, 10) AS l2,
       pg_temp.exact_queries('bc', '<#>', 13, 10) AS ip;
SET ruvector.probes = 1;
SET enable_seqscan = off;
SELECT count(*) AS finds_itself
  FROM generate_series(1, 6000, 120) q
 WHERE (SELECT id FROM bc ORDER BY v <-> (SELECT v FROM bc WHERE id = q) LIMIT 1) = q;
SET ruvector.probes = 2;
SELECT count(*) AS rows, bool_and(id % 97 = 0) AS all_match
  FROM (SELECT id FROM bc WHERE id % 97 = 0
         ORDER BY v <-> pg_temp.rv(100037, 13) LIMIT 10) s;
RESET ruvector.probes;
RESET enable_seqscan;
DROP INDEX bc_l2, bc_ip;
CREATE INDEX bc_4 ON bc USING ruivf (v ruvector_l2_ops) WITH (lists = 300, bits = 4);
SELECT pg_temp.exact_queries('bc', '<->', 13, 10) AS l2_bits4;
SET ruvector.probes = 1;
SET enable_seqscan = off;
SELECT count(*) AS finds_itself_bits4
  FROM generate_series(1, 6000, 120) q
 WHERE (SELECT id FROM bc ORDER BY v <-> (SELECT v FROM bc WHERE id = q) LIMIT 1) = q;
RESET ruvector.probes;
RESET enable_seqscan;
RESET ruvector.epsilon;
SELECT ruvector_index_check('bc_4', true);
DROP TABLE bc;

-- A row and a query far nearer each other than their centroid, on one ray
-- from it (in one dimension every pair is): their distance is the
-- difference of their residual norms, which binary codes keep as floats, so
-- the exact bound (epsilon above sqrt(6 dim)) must allow for that rounding.
-- With the self-check on, a bound above a row's exact distance is an error.
CREATE TABLE near1 (id int PRIMARY KEY, v ruvector(1));
INSERT INTO near1 SELECT i, ARRAY[0.9 + 1e-5 * i]::real[]::ruvector FROM generate_series(1, 200) i;
INSERT INTO near1 SELECT 1000 + i, ARRAY[-1.0 - 1e-3 * i]::real[]::ruvector FROM generate_series(1, 100) i;
CREATE INDEX near1_l2 ON near1 USING ruivf (v ruvector_l2_ops) WITH (lists = 1, bits = 1);
SET enable_seqscan = off;
SET ruvector.check_bounds = on;
SET ruvector.epsilon = 1000;
SELECT count(*) AS l2_rows, count(*) FILTER (WHERE n.rank = 1 AND n.id = j) AS own_row_first
  FROM generate_series(1, 200) j,
       LATERAL (SELECT id, row_number() OVER () AS rank
                  FROM (SELECT id FROM near1
                         ORDER BY v <-> ARRAY[0.9 + 1e-5 * j + 3e-8 * (j % 7 - 3)]::real[]::ruvector
                         LIMIT 2) s) n;
DROP INDEX near1_l2;
CREATE INDEX near1_l1 ON near1 USING ruivf (v ruvector_l1_ops) WITH (lists = 1, bits = 1);
SELECT count(*) AS l1_rows, count(*) FILTER (WHERE n.rank = 1 AND n.id = j) AS own_row_first
  FROM generate_series(1, 200) j,
       LATERAL (SELECT id, row_number() OVER () AS rank
                  FROM (SELECT id FROM near1
                         ORDER BY v <+> ARRAY[0.9 + 1e-5 * j + 3e-8 * (j % 7 - 3)]::real[]::ruvector
                         LIMIT 2) s) n;
RESET ruvector.check_bounds;
RESET ruvector.epsilon;
RESET enable_seqscan;
DROP TABLE near1;
