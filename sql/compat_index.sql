--
-- pgvector's index recipes on the compatibility extension: Hamming indexes
-- on bit columns and on binary_quantize(), halfvec expression indexes, a
-- subvector() index, and the re-rank in SQL pgvector documents for binary
-- quantization.  With every list probed each scan must return the exact
-- answer: the checks compare the index's distances with a sequential scan's.
--
\set SHOW_CONTEXT never
SET max_parallel_workers_per_gather = 0;
CREATE EXTENSION vector;
SELECT setseed(0.75);
CREATE TABLE items (id int PRIMARY KEY, embedding vector(64), code bit(64));
INSERT INTO items (id, embedding)
SELECT i, array(SELECT (random() - 0.5)::real FROM generate_series(1, 64) j WHERE j > i * 0)::vector(64)
  FROM generate_series(1, 2000) i;
UPDATE items SET code = binary_quantize(embedding);
CREATE TABLE queries (qid int PRIMARY KEY, q vector(64));
INSERT INTO queries
SELECT i, array(SELECT (random() - 0.5)::real FROM generate_series(1, 64) j WHERE j > i * 0)::vector(64)
  FROM generate_series(1, 6) i;

CREATE INDEX items_code ON items USING ivfflat (code bit_hamming_ops) WITH (lists = 4);
CREATE INDEX items_bq ON items USING hnsw ((binary_quantize(embedding)::bit(64)) bit_hamming_ops);
CREATE INDEX items_half ON items USING hnsw ((embedding::halfvec(64)) halfvec_cosine_ops);
CREATE INDEX items_sub ON items USING ivfflat ((subvector(embedding, 1, 16)::vector(16)) vector_l2_ops)
  WITH (lists = 4);
CREATE INDEX items_l1 ON items USING hnsw (embedding vector_l1_ops) WITH (lists = 20);
SELECT c.relname, i.dimensions, i.metric, i.lists
  FROM pg_class c, ruvector_index_info(c.oid) i
 WHERE c.relname IN ('items_code', 'items_bq', 'items_half', 'items_sub', 'items_l1') ORDER BY 1;
-- every list: the scans are exact
SET ivfflat.probes = 100;
SET hnsw.ef_search = 1000;

-- the distances of a query's k nearest: through the index, or exactly
CREATE FUNCTION pg_temp.dists(expr text, op text, qexpr text, qv vector, k int, use_index bool)
  RETURNS float8[] LANGUAGE plpgsql AS $$
DECLARE
  r float8[];
BEGIN
  PERFORM set_config('enable_seqscan', CASE WHEN use_index THEN 'off' ELSE 'on' END, true);
  PERFORM set_config('enable_indexscan', CASE WHEN use_index THEN 'on' ELSE 'off' END, true);
  PERFORM set_config('enable_bitmapscan', 'off', true);
  EXECUTE format('SELECT array_agg(d) FROM (SELECT %1$s %2$s %3$s AS d FROM items
                    ORDER BY %1$s %2$s %3$s LIMIT $2) s', expr, op, qexpr)
    INTO r USING qv, k;
  RETURN r;
END $$;
CREATE TEMP TABLE cases (idx text, expr text, op text, qexpr text);
INSERT INTO cases VALUES
  ('items_code', 'code', '<~>', 'binary_quantize($1)'),
  ('items_bq', 'binary_quantize(embedding)::bit(64)', '<~>', 'binary_quantize($1)'),
  ('items_half', 'embedding::halfvec(64)', '<=>', '$1::halfvec(64)'),
  ('items_sub', 'subvector(embedding, 1, 16)::vector(16)', '<->', 'subvector($1, 1, 16)'),
  ('items_l1', 'embedding', '<+>', '$1');
-- each expression's plan is a scan of its index
BEGIN;
SET LOCAL enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY code <~> (SELECT binary_quantize(q) FROM queries WHERE qid = 1) LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM items
 ORDER BY binary_quantize(embedding)::bit(64) <~> (SELECT binary_quantize(q) FROM queries WHERE qid = 1) LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM items
 ORDER BY embedding::halfvec(64) <=> (SELECT q::halfvec(64) FROM queries WHERE qid = 1) LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM items
 ORDER BY subvector(embedding, 1, 16)::vector(16) <-> (SELECT subvector(q, 1, 16) FROM queries WHERE qid = 1) LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY embedding <+> (SELECT q FROM queries WHERE qid = 1) LIMIT 5;
COMMIT;
-- queries whose 40 nearest differ from the exact answer: none
SELECT c.idx, count(*) AS queries,
       count(*) FILTER (WHERE pg_temp.dists(c.expr, c.op, c.qexpr, q, 40, true)
                        IS DISTINCT FROM pg_temp.dists(c.expr, c.op, c.qexpr, q, 40, false)) AS differing
  FROM cases c, queries GROUP BY c.idx ORDER BY c.idx;
-- L1 at the default hnsw.ef_search (40: 8 of the 20 lists): the rows come
-- in non-decreasing <+> distance
RESET hnsw.ef_search;
SET enable_seqscan = off;
SELECT count(DISTINCT qid) AS queries, count(*) AS rows, bool_and(n.d >= n.prev) AS ordered
  FROM queries, LATERAL (SELECT d, lag(d, 1, 0::float8) OVER () AS prev
                           FROM (SELECT embedding <+> q AS d FROM items ORDER BY embedding <+> q LIMIT 30) s) n;
RESET enable_seqscan;
SET hnsw.ef_search = 1000;

-- rows added and removed after the build: still exact
INSERT INTO items (id, embedding)
SELECT i, array(SELECT (random() - 0.5)::real FROM generate_series(1, 64) j WHERE j > i * 0)::vector(64)
  FROM generate_series(2001, 2300) i;
UPDATE items SET code = binary_quantize(embedding) WHERE code IS NULL;
DELETE FROM items WHERE id % 5 = 0;
VACUUM items;
SELECT c.idx, count(*) AS queries,
       count(*) FILTER (WHERE pg_temp.dists(c.expr, c.op, c.qexpr, q, 40, true)
                        IS DISTINCT FROM pg_temp.dists(c.expr, c.op, c.qexpr, q, 40, false)) AS differing
  FROM cases c, queries GROUP BY c.idx ORDER BY c.idx;
SELECT c.relname, ruvector_index_check(c.oid, true) IS NOT NULL AS checked
  FROM pg_class c WHERE c.relname IN ('items_code', 'items_bq', 'items_half', 'items_sub', 'items_l1')
 ORDER BY 1;

-- binary quantization with a re-rank in SQL (pgvector's recipe): the
-- candidates come from the Hamming index, the answer by cosine distance;
-- with every list probed the 100 candidates are the 100 nearest codes (up
-- to which of the rows tied at the 100th distance come), and 5 rows come
CREATE FUNCTION pg_temp.bq_rerank(qv vector, use_index bool) RETURNS int[] LANGUAGE plpgsql AS $$
DECLARE
  r int[];
BEGIN
  PERFORM set_config('enable_seqscan', CASE WHEN use_index THEN 'off' ELSE 'on' END, true);
  PERFORM set_config('enable_indexscan', CASE WHEN use_index THEN 'on' ELSE 'off' END, true);
  EXECUTE 'SELECT array_agg(id) FROM (
             SELECT id FROM (SELECT id, embedding FROM items
                              ORDER BY binary_quantize(embedding)::bit(64) <~> binary_quantize($1)
                              LIMIT 100) c
              ORDER BY embedding <=> $1 LIMIT 5) s' INTO r USING qv;
  RETURN r;
END $$;
SELECT count(*) AS queries,
       count(*) FILTER (WHERE pg_temp.dists(c.expr, c.op, c.qexpr, q, 100, true)
                        IS DISTINCT FROM pg_temp.dists(c.expr, c.op, c.qexpr, q, 100, false))
         AS candidates_differing,
       count(*) FILTER (WHERE cardinality(pg_temp.bq_rerank(q, true)) = 5) AS with_5_rows
  FROM queries, cases c WHERE c.idx = 'items_bq';
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT id FROM (
  SELECT id, embedding FROM items
   ORDER BY binary_quantize(embedding)::bit(64) <~> binary_quantize('[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1]'::vector)
   LIMIT 100) c
 ORDER BY embedding <=> '[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1]'::vector
 LIMIT 5;
RESET enable_seqscan;

-- a query string of another length; Jaccard cannot be indexed
SET enable_seqscan = off;
SELECT id FROM items ORDER BY code <~> B'101' LIMIT 1;
RESET enable_seqscan;
CREATE INDEX ON items USING hnsw (code bit_jaccard_ops);
-- a bit varying column has no fixed length: 0A000
CREATE TABLE vb (b varbit(8));
CREATE INDEX ON vb USING hnsw (b bit_hamming_ops);
CREATE INDEX ON vb USING hnsw ((b::bit(8)) bit_hamming_ops);
DROP TABLE vb;
DROP TABLE items, queries;

-- bit strings up to 64,000 bits, as in pgvector: 300 rows of 40,000 bits
-- (deterministic, from md5), each block 8 lanes over 40 pages
CREATE FUNCTION pg_temp.bits(i int, n int) RETURNS bit varying LANGUAGE sql IMMUTABLE AS $$
  SELECT ('x' || substr(string_agg(md5(i || '.' || j), '' ORDER BY j), 1, n / 4))::bit varying
    FROM generate_series(1, (n + 127) / 128) j
$$;
CREATE TABLE wide (id int PRIMARY KEY, b bit(40000));
INSERT INTO wide SELECT i, pg_temp.bits(i, 40000)::bit(40000) FROM generate_series(1, 300) i;
CREATE INDEX wide_idx ON wide USING hnsw (b bit_hamming_ops);
SELECT dimensions, metric, lists, lanes_per_block, dims_per_page, pages_per_block, rerank
  FROM ruvector_index_info('wide_idx');
-- the 10 nearest by <~> of queries (rows and new strings), every list read:
-- the distances of a sequential scan, position by position
CREATE FUNCTION pg_temp.wdists(tbl text, qv bit, k int, use_index bool) RETURNS float8[]
  LANGUAGE plpgsql AS $$
DECLARE
  r float8[];
BEGIN
  PERFORM set_config('enable_seqscan', CASE WHEN use_index THEN 'off' ELSE 'on' END, true);
  PERFORM set_config('enable_indexscan', CASE WHEN use_index THEN 'on' ELSE 'off' END, true);
  PERFORM set_config('enable_bitmapscan', 'off', true);
  EXECUTE format('SELECT array_agg(d) FROM (SELECT b <~> $1 AS d FROM %I ORDER BY b <~> $1 LIMIT $2) s',
                 tbl)
    INTO r USING qv, k;
  RETURN r;
END $$;
BEGIN;
SET LOCAL enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM wide ORDER BY b <~> (SELECT b FROM wide WHERE id = 1) LIMIT 10;
COMMIT;
CREATE TEMP TABLE wq AS
  SELECT b AS q FROM wide WHERE id % 50 = 7
  UNION ALL SELECT pg_temp.bits(i, 40000)::bit(40000) FROM generate_series(1001, 1004) i;
SELECT count(*) AS queries,
       count(*) FILTER (WHERE pg_temp.wdists('wide', q, 10, true) = pg_temp.wdists('wide', q, 10, false))
         AS same
  FROM wq;
-- inserts (new blocks of 40 pages, logged 4 pages a record), deletes, VACUUM
INSERT INTO wide SELECT i, pg_temp.bits(i, 40000)::bit(40000) FROM generate_series(301, 340) i;
DELETE FROM wide WHERE id % 7 = 0;
VACUUM wide;
SELECT count(*) AS queries,
       count(*) FILTER (WHERE pg_temp.wdists('wide', q, 10, true) = pg_temp.wdists('wide', q, 10, false))
         AS same
  FROM wq;
SELECT ruvector_index_check('wide_idx'::regclass, true) IS NOT NULL AS checked;
-- a query of another length
SET enable_seqscan = off;
SELECT id FROM wide ORDER BY b <~> B'101' LIMIT 1;
RESET enable_seqscan;
-- rerank = index keeps a block's vectors as float4s: refused past 16,000 bits
CREATE INDEX ON wide USING hnsw (b bit_hamming_ops) WITH (rerank = index);
-- 64,000 bits: blocks of 64 pages, the most a block spans
CREATE TABLE widest (id int PRIMARY KEY, b bit(64000));
INSERT INTO widest SELECT i, pg_temp.bits(i, 64000)::bit(64000) FROM generate_series(1, 40) i;
CREATE INDEX widest_idx ON widest USING ivfflat (b bit_hamming_ops) WITH (lists = 2);
INSERT INTO widest SELECT i, pg_temp.bits(i, 64000)::bit(64000) FROM generate_series(41, 50) i;
SELECT dimensions, lists, lanes_per_block, dims_per_page, pages_per_block FROM ruvector_index_info('widest_idx');
SELECT count(*) AS queries,
       count(*) FILTER (WHERE pg_temp.wdists('widest', q, 10, true) = pg_temp.wdists('widest', q, 10, false))
         AS same
  FROM (SELECT b AS q FROM widest WHERE id % 10 = 3
        UNION ALL SELECT pg_temp.bits(2001, 64000)::bit(64000)) q;
SELECT ruvector_index_check('widest_idx'::regclass, true) IS NOT NULL AS checked;
-- longer bit strings than that cannot be indexed
CREATE TABLE wider (b bit(64001));
CREATE INDEX ON wider USING hnsw (b bit_hamming_ops);
DROP TABLE wide, widest, wider;
DROP FUNCTION pg_temp.dists, pg_temp.bq_rerank, pg_temp.wdists, pg_temp.bits;
DROP EXTENSION vector;
