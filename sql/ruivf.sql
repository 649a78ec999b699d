--
-- ruivf: the IVF index access method
--
\set SHOW_CONTEXT never
\set VERBOSITY default
-- plans without parallel workers, so that EXPLAIN output is stable
SET max_parallel_workers_per_gather = 0;

-- Deterministic test vectors: element j of vector i is an integer hash of
-- (i, j) scaled to [-0.5, 0.5), so every platform builds the same data.
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

--
-- DDL
--
CREATE TABLE t (id int PRIMARY KEY, v ruvector(8));
INSERT INTO t SELECT i, pg_temp.rv(i, 8) FROM generate_series(1, 1000) i;
CREATE INDEX t_l2 ON t USING ruivf (v ruvector_l2_ops) WITH (lists = 10);
CREATE INDEX t_ip ON t USING ruivf (v ruvector_ip_ops) WITH (lists = 10);
CREATE INDEX t_cos ON t USING ruivf (v ruvector_cosine_ops) WITH (lists = 10);
-- L1: coded and probed as L2, re-ranked in L1
CREATE INDEX t_l1 ON t USING ruivf (v ruvector_l1_ops) WITH (lists = 10);
-- lists = 0 chooses from the row count
CREATE INDEX t_auto ON t USING ruivf (v ruvector_l2_ops) WITH (lists = 0);
SELECT c.relname, c.reloptions, a.amname
  FROM pg_class c JOIN pg_am a ON a.oid = c.relam
 WHERE c.relname IN ('t_l2', 't_ip', 't_cos', 't_l1', 't_auto') ORDER BY c.relname;
SELECT c.relname, i.metric, i.lists
  FROM pg_class c, ruvector_index_info(c.oid) i
 WHERE c.relname IN ('t_l2', 't_ip', 't_cos', 't_l1') ORDER BY c.relname;
DROP INDEX t_auto;
-- out of range and unknown options
CREATE INDEX ON t USING ruivf (v ruvector_l2_ops) WITH (lists = -1);
CREATE INDEX ON t USING ruivf (v ruvector_l2_ops) WITH (lists = 40000);
CREATE INDEX ON t USING ruivf (v ruvector_l2_ops) WITH (probes = 4);
-- there is no default operator class
CREATE INDEX ON t USING ruivf (v);
-- an expression without dimensions cannot be indexed (ruivf_types indexes
-- expressions cast to a type with dimensions)
CREATE INDEX ON t USING ruivf ((v + v) ruvector_l2_ops);
SELECT pg_temp.err('CREATE INDEX ON t USING ruivf ((v + v) ruvector_l2_ops)') AS error;
-- nor a column without dimensions
CREATE TABLE nodim (id int, v ruvector);
INSERT INTO nodim VALUES (1, '[1,2,3]');
CREATE INDEX ON nodim USING ruivf (v ruvector_l2_ops);
SELECT pg_temp.err('CREATE INDEX ON nodim USING ruivf (v ruvector_l2_ops)') AS error;
-- nor two columns
CREATE INDEX ON t USING ruivf (v ruvector_l2_ops, v ruvector_l2_ops);
DROP TABLE nodim;
-- more lists than rows: fewer lists, with a NOTICE
CREATE TABLE few (id int, v ruvector(8));
INSERT INTO few SELECT i, pg_temp.rv(i, 8) FROM generate_series(1, 5) i;
CREATE INDEX few_idx ON few USING ruivf (v ruvector_l2_ops) WITH (lists = 20);
SET enable_seqscan = off;
SELECT id FROM few ORDER BY v <-> pg_temp.rv(3, 8) LIMIT 3;
RESET enable_seqscan;
DROP TABLE few;

--
-- settings
--
SHOW ruvector.probes;
SHOW ruvector.max_probes;
SHOW ruvector.rerank_factor;
SET ruvector.probes = 0;
SET ruvector.max_probes = -2;
SET ruvector.rerank_factor = 0;

--
-- an index built on an empty table: one list, every row found
--
CREATE TABLE e (id int, v ruvector(8));
CREATE INDEX e_idx ON e USING ruivf (v ruvector_l2_ops) WITH (lists = 4);
INSERT INTO e SELECT i, pg_temp.rv(i, 8) FROM generate_series(1, 300) i;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM e ORDER BY v <-> pg_temp.rv(7, 8) LIMIT 5;
SELECT count(*) FROM (SELECT id FROM e ORDER BY v <-> pg_temp.rv(7, 8) LIMIT 1000) s;
SELECT array(SELECT id FROM e ORDER BY v <-> pg_temp.rv(7, 8) LIMIT 5) AS ids;
SET enable_indexscan = off;
SET enable_seqscan = on;
SELECT array(SELECT id FROM e ORDER BY v <-> pg_temp.rv(7, 8) LIMIT 5) AS exact_ids;
RESET enable_indexscan;
RESET enable_seqscan;
-- REINDEX now trains on the rows
REINDEX INDEX e_idx;
SET enable_seqscan = off;
SET ruvector.probes = 4;
SELECT count(*) FROM (SELECT id FROM e ORDER BY v <-> pg_temp.rv(7, 8) LIMIT 1000) s;
SELECT array(SELECT id FROM e ORDER BY v <-> pg_temp.rv(7, 8) LIMIT 5) AS ids;
RESET ruvector.probes;
RESET enable_seqscan;
-- TRUNCATE rebuilds the index empty
TRUNCATE e;
INSERT INTO e SELECT i, pg_temp.rv(i, 8) FROM generate_series(1, 50) i;
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM e ORDER BY v <-> pg_temp.rv(7, 8) LIMIT 1000) s;
RESET enable_seqscan;
DROP TABLE e;

--
-- plans
--
CREATE TABLE big (id int, v ruvector(8));
INSERT INTO big SELECT i, pg_temp.rv(i, 8) FROM generate_series(1, 10000) i;
CREATE INDEX big_idx ON big USING ruivf (v ruvector_l2_ops) WITH (lists = 100);
ANALYZE big;
-- ORDER BY the indexed operator with a LIMIT: the index
EXPLAIN (COSTS OFF) SELECT id FROM big ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 10;
-- another operator: not the index
EXPLAIN (COSTS OFF) SELECT id FROM big ORDER BY v <#> '[0,0,0,0,0,0,0,0]' LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM big ORDER BY v <+> '[0,0,0,0,0,0,0,0]' LIMIT 10;
-- no ORDER BY: not the index
EXPLAIN (COSTS OFF) SELECT id FROM big WHERE v <-> '[0,0,0,0,0,0,0,0]' < 0.1;
-- a tiny table: a sequential scan and a sort
CREATE TABLE tiny (id int, v ruvector(8));
INSERT INTO tiny SELECT i, pg_temp.rv(i, 8) FROM generate_series(1, 50) i;
CREATE INDEX tiny_idx ON tiny USING ruivf (v ruvector_l2_ops) WITH (lists = 2);
ANALYZE tiny;
EXPLAIN (COSTS OFF) SELECT id FROM tiny ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 10;
DROP TABLE tiny;

--
-- results equal an exact scan when every list is probed
--
CREATE TABLE q (id int PRIMARY KEY, v ruvector(8));
INSERT INTO q SELECT i, pg_temp.rv(i + 5000, 8) FROM generate_series(1, 20) i;
INSERT INTO q VALUES (999, NULL);
ANALYZE t, q;
SET ruvector.probes = 10;
-- exact answers, without the index
SET enable_indexscan = off;
CREATE TEMP TABLE exact_l2 AS
  SELECT q.id, array(SELECT t.id FROM t ORDER BY t.v <-> q.v LIMIT 10) AS ids FROM q WHERE q.v IS NOT NULL;
CREATE TEMP TABLE exact_ip AS
  SELECT q.id, array(SELECT t.id FROM t ORDER BY t.v <#> q.v LIMIT 10) AS ids FROM q WHERE q.v IS NOT NULL;
CREATE TEMP TABLE exact_cos AS
  SELECT q.id, array(SELECT t.id FROM t ORDER BY t.v <=> q.v LIMIT 10) AS ids FROM q WHERE q.v IS NOT NULL;
CREATE TEMP TABLE exact_l1 AS
  SELECT q.id, array(SELECT t.v <+> q.v FROM t ORDER BY t.v <+> q.v LIMIT 30) AS dists
    FROM q WHERE q.v IS NOT NULL;
RESET enable_indexscan;
-- through the index
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
  SELECT q.id, array(SELECT t.id FROM t ORDER BY t.v <-> q.v LIMIT 10) AS ids FROM q WHERE q.v IS NOT NULL;
SELECT count(*) AS queries,
       count(*) FILTER (WHERE e.ids = array(SELECT t.id FROM t ORDER BY t.v <-> q.v LIMIT 10)) AS same_l2
  FROM q JOIN exact_l2 e USING (id);
SELECT count(*) AS queries,
       count(*) FILTER (WHERE e.ids = array(SELECT t.id FROM t ORDER BY t.v <#> q.v LIMIT 10)) AS same_ip
  FROM q JOIN exact_ip e USING (id);
SELECT count(*) AS queries,
       count(*) FILTER (WHERE e.ids = array(SELECT t.id FROM t ORDER BY t.v <=> q.v LIMIT 10)) AS same_cos
  FROM q JOIN exact_cos e USING (id);
EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <#> pg_temp.rv(1, 8) LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <=> pg_temp.rv(1, 8) LIMIT 3;
-- L1: with every list probed the 30 nearest are the exact answer, position
-- by position (their distances: some of these rows tie exactly, which
-- sql/ruivf_types.sql avoids to compare ids)
EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <+> pg_temp.rv(1, 8) LIMIT 3;
SET ruvector.probes = 32768;
SELECT count(*) AS queries,
       count(*) FILTER (WHERE e.dists = array(SELECT t.v <+> q.v FROM t ORDER BY t.v <+> q.v LIMIT 30))
         AS same_l1
  FROM q JOIN exact_l1 e USING (id);
-- and with 8 of 10 lists the rows come in non-decreasing L1 distance, the
-- operator's
SET ruvector.probes = 8;
SELECT count(DISTINCT q.id) AS queries, count(*) AS rows,
       bool_and(n.d = n.v <+> q.v) AS exact_distances, bool_and(n.d >= n.prev) AS ordered
  FROM q, LATERAL (SELECT v, d, lag(d, 1, 0::float8) OVER () AS prev
                     FROM (SELECT t.v, t.v <+> q.v AS d FROM t ORDER BY t.v <+> q.v LIMIT 30) s) n
 WHERE q.v IS NOT NULL;
SET ruvector.probes = 10;
-- the distances come out in order, and are the operator's
SELECT count(*) AS rows,
       bool_and(d = v <-> (SELECT v FROM q WHERE id = 1)) AS exact_distances,
       bool_and(d >= prev) AS ordered
  FROM (SELECT v, v <-> (SELECT v FROM q WHERE id = 1) AS d,
               lag(v <-> (SELECT v FROM q WHERE id = 1), 1, 0) OVER () AS prev
          FROM (SELECT v FROM t ORDER BY v <-> (SELECT v FROM q WHERE id = 1) LIMIT 30) s) s2;

-- the query vector as a parameter of a prepared statement
SET plan_cache_mode = force_generic_plan;
PREPARE knn(ruvector) AS SELECT id FROM t ORDER BY v <-> $1 LIMIT 5;
EXPLAIN (COSTS OFF) EXECUTE knn(pg_temp.rv(5001, 8));
EXECUTE knn(pg_temp.rv(5001, 8));
EXECUTE knn(pg_temp.rv(5002, 8));
SELECT array(SELECT id FROM t ORDER BY v <-> (SELECT v FROM q WHERE id = 1) LIMIT 5) AS ids_q1,
       array(SELECT id FROM t ORDER BY v <-> (SELECT v FROM q WHERE id = 2) LIMIT 5) AS ids_q2;
-- a NULL query vector: the rows the plan without the index returns (every
-- distance NULL, so in no particular order; ruivf_results tests more)
PREPARE knn_count(ruvector) AS
  SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM t ORDER BY v <-> $1 LIMIT 5) s;
EXPLAIN (COSTS OFF) EXECUTE knn_count(NULL);
EXECUTE knn_count(NULL);
DEALLOCATE knn;
DEALLOCATE knn_count;
RESET plan_cache_mode;
-- a subquery
EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <-> (SELECT v FROM q WHERE id = 1) LIMIT 5;
SELECT id FROM t ORDER BY v <-> (SELECT v FROM q WHERE id = 1) LIMIT 5;
SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> (SELECT v FROM q WHERE id = 999) LIMIT 5) s;
-- a LATERAL join
EXPLAIN (COSTS OFF)
SELECT q.id AS q, n.id AS n FROM q,
       LATERAL (SELECT t.id, t.v <-> q.v AS d FROM t ORDER BY t.v <-> q.v LIMIT 3) n
 WHERE q.id <= 4 ORDER BY q.id, n.d;
SELECT q.id AS q, n.id AS n FROM q,
       LATERAL (SELECT t.id, t.v <-> q.v AS d FROM t ORDER BY t.v <-> q.v LIMIT 3) n
 WHERE q.id <= 4 ORDER BY q.id, n.d;
SELECT q.id, array(SELECT id FROM t ORDER BY v <-> q.v LIMIT 3) FROM q WHERE q.id <= 4 ORDER BY q.id;
-- a query of other dimensions
SELECT id FROM t ORDER BY v <-> '[1,2,3]' LIMIT 1;
RESET enable_seqscan;
RESET ruvector.probes;

--
-- fewer probes: a LIMIT or a WHERE filter still gets its rows
--
CREATE TABLE m (id int, v ruvector(8));
INSERT INTO m SELECT i, pg_temp.rv(i, 8) FROM generate_series(1, 2000) i;
CREATE INDEX m_idx ON m USING ruivf (v ruvector_l2_ops) WITH (lists = 20);
ANALYZE m;
SET enable_seqscan = off;
SET ruvector.probes = 1;
EXPLAIN (COSTS OFF) SELECT id FROM m ORDER BY v <-> pg_temp.rv(1, 8) LIMIT 500;
SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM m ORDER BY v <-> pg_temp.rv(1, 8) LIMIT 500) s;
SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM m ORDER BY v <-> pg_temp.rv(1, 8) LIMIT 5000) s;
EXPLAIN (COSTS OFF) SELECT id FROM m WHERE id % 10 = 0 ORDER BY v <-> pg_temp.rv(1, 8) LIMIT 50;
SELECT count(*), count(*) FILTER (WHERE id % 10 = 0) AS filtered
  FROM (SELECT id FROM m WHERE id % 10 = 0 ORDER BY v <-> pg_temp.rv(1, 8) LIMIT 50) s;
-- the nearest row is its own nearest neighbour even with one probe
SELECT id FROM m ORDER BY v <-> pg_temp.rv(1234, 8) LIMIT 1;
-- ruvector.max_probes caps the lists read: results may then be short
SET ruvector.max_probes = 1;
SELECT count(*) < 500 AS short FROM (SELECT id FROM m ORDER BY v <-> pg_temp.rv(1, 8) LIMIT 500) s;
RESET ruvector.max_probes;
-- a small re-rank window still returns every row
SET ruvector.rerank_factor = 1;
SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM m ORDER BY v <-> pg_temp.rv(1, 8) LIMIT 2000) s;
RESET ruvector.rerank_factor;
RESET ruvector.probes;
RESET enable_seqscan;
DROP TABLE m;

--
-- inserts, deletes, VACUUM, REINDEX
--
SET ruvector.probes = 10;
INSERT INTO t SELECT i, pg_temp.rv(i, 8) FROM generate_series(1001, 1500) i;
SET enable_seqscan = off;
-- every new row is its own nearest neighbour, through each index
SELECT count(*) AS rows,
       count(*) FILTER (WHERE (SELECT t2.id FROM t t2 ORDER BY t2.v <-> t.v LIMIT 1) = t.id) AS found_l2,
       count(*) FILTER (WHERE (SELECT t2.id FROM t t2 ORDER BY t2.v <=> t.v LIMIT 1) = t.id) AS found_cos
  FROM t WHERE id > 1000 AND id % 10 = 0;
SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> pg_temp.rv(1, 8) LIMIT 100000) s;
SELECT count(*) FROM (SELECT id FROM t ORDER BY v <#> pg_temp.rv(1, 8) LIMIT 100000) s;
SELECT count(*) FROM (SELECT id FROM t ORDER BY v <=> pg_temp.rv(1, 8) LIMIT 100000) s;
SELECT count(*) FROM (SELECT id FROM t ORDER BY v <+> pg_temp.rv(1, 8) LIMIT 100000) s;
RESET enable_seqscan;
DELETE FROM t WHERE id % 3 = 0;
VACUUM t;
SET enable_seqscan = off;
SELECT count(*), count(*) FILTER (WHERE id % 3 = 0) AS deleted
  FROM (SELECT id FROM t ORDER BY v <-> pg_temp.rv(1, 8) LIMIT 100000) s;
SELECT count(*), count(*) FILTER (WHERE id % 3 = 0) AS deleted
  FROM (SELECT id FROM t ORDER BY v <#> pg_temp.rv(1, 8) LIMIT 100000) s;
SELECT count(*), count(*) FILTER (WHERE id % 3 = 0) AS deleted
  FROM (SELECT id FROM t ORDER BY v <=> pg_temp.rv(1, 8) LIMIT 100000) s;
SELECT count(*), count(*) FILTER (WHERE id % 3 = 0) AS deleted
  FROM (SELECT id FROM t ORDER BY v <+> pg_temp.rv(1, 8) LIMIT 100000) s;
RESET enable_seqscan;
-- inserts fill the freed lanes
INSERT INTO t SELECT i, pg_temp.rv(i, 8) FROM generate_series(1501, 1700) i;
-- compare with exact answers again
SET enable_indexscan = off;
CREATE TEMP TABLE exact2 AS
  SELECT q.id, array(SELECT t.id FROM t ORDER BY t.v <-> q.v LIMIT 10) AS l2,
         array(SELECT t.id FROM t ORDER BY t.v <#> q.v LIMIT 10) AS ip,
         array(SELECT t.id FROM t ORDER BY t.v <=> q.v LIMIT 10) AS cos,
         array(SELECT t.id FROM t ORDER BY t.v <+> q.v LIMIT 10) AS l1
    FROM q WHERE q.v IS NOT NULL;
RESET enable_indexscan;
CREATE FUNCTION pg_temp.check_exact()
  RETURNS TABLE (queries bigint, same_l2 bigint, same_ip bigint, same_cos bigint, same_l1 bigint)
  LANGUAGE sql AS $$
  SELECT count(*),
         count(*) FILTER (WHERE e.l2 = array(SELECT t.id FROM t ORDER BY t.v <-> q.v LIMIT 10)),
         count(*) FILTER (WHERE e.ip = array(SELECT t.id FROM t ORDER BY t.v <#> q.v LIMIT 10)),
         count(*) FILTER (WHERE e.cos = array(SELECT t.id FROM t ORDER BY t.v <=> q.v LIMIT 10)),
         count(*) FILTER (WHERE e.l1 = array(SELECT t.id FROM t ORDER BY t.v <+> q.v LIMIT 10))
    FROM q JOIN exact2 e USING (id)
$$;
SET enable_seqscan = off;
SELECT * FROM pg_temp.check_exact();
RESET enable_seqscan;
REINDEX TABLE t;
SET enable_seqscan = off;
SELECT * FROM pg_temp.check_exact();
RESET enable_seqscan;
REINDEX TABLE CONCURRENTLY t;
SET enable_seqscan = off;
SELECT * FROM pg_temp.check_exact();
SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> pg_temp.rv(1, 8) LIMIT 100000) s;
RESET enable_seqscan;
SELECT count(*) FROM t;

--
-- NULL vectors are not indexed
--
INSERT INTO t VALUES (5001, NULL), (5002, NULL);
SET enable_seqscan = off;
SELECT count(*), count(*) FILTER (WHERE id > 5000) AS nulls
  FROM (SELECT id FROM t ORDER BY v <-> pg_temp.rv(1, 8) LIMIT 100000) s;
RESET enable_seqscan;
VACUUM t;
REINDEX INDEX t_l2;
SET enable_seqscan = off;
SELECT count(*), count(*) FILTER (WHERE id > 5000) AS nulls
  FROM (SELECT id FROM t ORDER BY v <-> pg_temp.rv(1, 8) LIMIT 100000) s;
RESET enable_seqscan;
RESET ruvector.probes;

--
-- an unlogged table
--
CREATE UNLOGGED TABLE u (id int, v ruvector(8));
INSERT INTO u SELECT i, pg_temp.rv(i, 8) FROM generate_series(1, 200) i;
CREATE INDEX u_idx ON u USING ruivf (v ruvector_l2_ops) WITH (lists = 4);
SET enable_seqscan = off;
SET ruvector.probes = 4;
SELECT id FROM u ORDER BY v <-> pg_temp.rv(17, 8) LIMIT 1;
RESET ruvector.probes;
RESET enable_seqscan;
DROP TABLE u;

--
-- multi-page blocks: 784 dimensions (32 lanes over 4 pages) and 1536
-- (16 lanes over 4 pages)
--
CREATE TABLE w784 (id int, v ruvector(784));
INSERT INTO w784 SELECT i, pg_temp.rv(i, 784) FROM generate_series(1, 300) i;
CREATE INDEX w784_idx ON w784 USING ruivf (v ruvector_l2_ops) WITH (lists = 3);
CREATE TABLE w1536 (id int, v ruvector(1536));
INSERT INTO w1536 SELECT i, pg_temp.rv(i, 1536) FROM generate_series(1, 150) i;
CREATE INDEX w1536_idx ON w1536 USING ruivf (v ruvector_cosine_ops) WITH (lists = 2);
-- inserts after the build
INSERT INTO w784 SELECT i, pg_temp.rv(i, 784) FROM generate_series(301, 400) i;
INSERT INTO w1536 SELECT i, pg_temp.rv(i, 1536) FROM generate_series(151, 200) i;
SET enable_seqscan = off;
SET ruvector.probes = 3;
EXPLAIN (COSTS OFF) SELECT id FROM w784 ORDER BY v <-> (SELECT v FROM w784 WHERE id = 10) LIMIT 3;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE (SELECT w.id FROM w784 w ORDER BY w.v <-> w784.v LIMIT 1) = w784.id) AS found
  FROM w784;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE (SELECT w.id FROM w1536 w ORDER BY w.v <=> w1536.v LIMIT 1) = w1536.id) AS found
  FROM w1536;
RESET enable_seqscan;
-- VACUUM compacts the blocks (all of their pages)
DELETE FROM w784 WHERE id % 4 = 0;
DELETE FROM w1536 WHERE id % 4 = 0;
VACUUM w784, w1536;
INSERT INTO w784 SELECT i, pg_temp.rv(i, 784) FROM generate_series(401, 450) i;
SET enable_seqscan = off;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE (SELECT w.id FROM w784 w ORDER BY w.v <-> w784.v LIMIT 1) = w784.id) AS found
  FROM w784;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE (SELECT w.id FROM w1536 w ORDER BY w.v <=> w1536.v LIMIT 1) = w1536.id) AS found
  FROM w1536;
SELECT count(*), count(*) FILTER (WHERE id % 4 = 0 AND id <= 400) AS deleted
  FROM (SELECT id FROM w784 ORDER BY v <-> pg_temp.rv(1, 784) LIMIT 1000) s;
RESET enable_seqscan;
-- against the exact scan
SET enable_indexscan = off;
CREATE TEMP TABLE exact_w AS
  SELECT array(SELECT id FROM w784 ORDER BY v <-> pg_temp.rv(1000, 784) LIMIT 10) AS a,
         array(SELECT id FROM w1536 ORDER BY v <=> pg_temp.rv(1000, 1536) LIMIT 10) AS b;
RESET enable_indexscan;
SET enable_seqscan = off;
SELECT a = array(SELECT id FROM w784 ORDER BY v <-> pg_temp.rv(1000, 784) LIMIT 10) AS same_784,
       b = array(SELECT id FROM w1536 ORDER BY v <=> pg_temp.rv(1000, 1536) LIMIT 10) AS same_1536
  FROM exact_w;
RESET enable_seqscan;
RESET ruvector.probes;
DROP TABLE w784, w1536;

--
-- 16,000 dimensions: blocks of 8 lanes over 16 pages
--
CREATE TABLE huge (id int, v ruvector(16000));
INSERT INTO huge SELECT i, pg_temp.rv(i, 16000) FROM generate_series(1, 12) i;
SELECT attstorage FROM pg_attribute WHERE attrelid = 'huge'::regclass AND attname = 'v';
CREATE INDEX huge_idx ON huge USING ruivf (v ruvector_l2_ops) WITH (lists = 2);
INSERT INTO huge SELECT i, pg_temp.rv(i, 16000) FROM generate_series(13, 20) i;
SET enable_seqscan = off;
SET ruvector.probes = 2;
EXPLAIN (COSTS OFF) SELECT id FROM huge ORDER BY v <-> (SELECT v FROM huge WHERE id = 3) LIMIT 1;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE (SELECT h.id FROM huge h ORDER BY h.v <-> huge.v LIMIT 1) = huge.id) AS found
  FROM huge;
RESET enable_seqscan;
-- VACUUM marks the lanes of dead rows
DELETE FROM huge WHERE id % 2 = 0;
VACUUM huge;
INSERT INTO huge SELECT i, pg_temp.rv(i, 16000) FROM generate_series(21, 24) i;
SET enable_seqscan = off;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE (SELECT h.id FROM huge h ORDER BY h.v <-> huge.v LIMIT 1) = huge.id) AS found
  FROM huge;
SELECT array(SELECT id FROM huge ORDER BY v <-> pg_temp.rv(3, 16000) LIMIT 100) AS ids;
RESET enable_seqscan;
RESET ruvector.probes;
DROP TABLE huge;

--
-- rerank: where the exact re-rank reads vectors (heap, index; auto = index
-- above 2,000 dimensions, as for huge above)
--
CREATE TABLE rr (id int, v ruvector(40));
INSERT INTO rr SELECT i, pg_temp.rv(i, 40) FROM generate_series(1, 3000) i;
CREATE INDEX rr_bad ON rr USING ruivf (v ruvector_l2_ops) WITH (rerank = disk);
CREATE INDEX rr_heap ON rr USING ruivf (v ruvector_l2_ops) WITH (lists = 5, rerank = heap);
CREATE INDEX rr_auto ON rr USING ruivf (v ruvector_l2_ops) WITH (lists = 5);
CREATE INDEX rr_index ON rr USING ruivf (v ruvector_l2_ops) WITH (lists = 5, rerank = index);
SELECT pg_relation_size('rr_auto') = pg_relation_size('rr_heap') AS auto_is_heap_at_40_dims,
       pg_relation_size('rr_index') >= pg_relation_size('rr_heap') + 3000 * 160 AS index_holds_vectors;
DROP INDEX rr_heap, rr_auto;
CREATE FUNCTION pg_temp.rr_check(q ruvector) RETURNS boolean LANGUAGE sql AS $$
  SELECT array(SELECT id FROM rr ORDER BY v <-> q LIMIT 20) =
         (SELECT array_agg(id ORDER BY d) FROM
            (SELECT id, v <-> q AS d FROM rr ORDER BY (v <-> q) + 0 LIMIT 20) e)
$$;
SET ruvector.probes = 5;
SET enable_seqscan = off;
SELECT bool_and(pg_temp.rr_check(pg_temp.rv(i, 40))) AS index_rerank_exact
  FROM generate_series(5000, 5020) i;
-- inserts (into the blocks' free lanes and new blocks), deletes, VACUUM
INSERT INTO rr SELECT i, pg_temp.rv(i, 40) FROM generate_series(3001, 4000) i;
DELETE FROM rr WHERE id % 3 = 0;
VACUUM rr;
INSERT INTO rr SELECT i, pg_temp.rv(i, 40) FROM generate_series(4001, 4500) i;
SELECT bool_and(pg_temp.rr_check(pg_temp.rv(i, 40))) AS after_changes
  FROM generate_series(5000, 5020) i;
SELECT count(*) = (SELECT count(*) FROM rr) AS every_row_once
  FROM (SELECT DISTINCT id FROM (SELECT id FROM rr ORDER BY v <-> pg_temp.rv(1, 40) LIMIT 10000) s) t;
-- a row deleted in this transaction is not returned (the executor checks)
BEGIN;
DELETE FROM rr WHERE id = (SELECT id FROM rr ORDER BY v <-> pg_temp.rv(7, 40) LIMIT 1);
SELECT pg_temp.rr_check(pg_temp.rv(7, 40)) AS without_deleted_row;
ROLLBACK;
-- strict order: rows this transaction deleted (invisible) must not set the
-- bar for the next rows; both representations give the same rows
DROP INDEX rr_index;
CREATE INDEX rr_index ON rr USING ruivf (v ruvector_l2_ops) WITH (lists = 5, rerank = index);
CREATE INDEX rr_heap2 ON rr USING ruivf (v ruvector_l2_ops) WITH (lists = 5, rerank = heap);
SET ruvector.iterative_scan = strict_order;
SET ruvector.probes = 1;
BEGIN;
DELETE FROM rr WHERE id % 4 <> 0;
DROP INDEX rr_index;
SELECT array(SELECT id FROM rr ORDER BY v <-> pg_temp.rv(13, 40) LIMIT 300)::text AS heap_ans \gset
ROLLBACK;
BEGIN;
DELETE FROM rr WHERE id % 4 <> 0;
DROP INDEX rr_heap2;
SELECT array(SELECT id FROM rr ORDER BY v <-> pg_temp.rv(13, 40) LIMIT 300)::text = :'heap_ans' AS same_rows,
       cardinality(array(SELECT id FROM rr ORDER BY v <-> pg_temp.rv(13, 40) LIMIT 300)) > 50 AS many_rows;
ROLLBACK;
DROP INDEX rr_heap2;
RESET ruvector.iterative_scan;
SET ruvector.probes = 5;
-- inner product and cosine
CREATE INDEX rr_ip ON rr USING ruivf (v ruvector_ip_ops) WITH (lists = 5, rerank = index);
SELECT array(SELECT id FROM rr ORDER BY v <#> pg_temp.rv(9, 40) LIMIT 20) =
       (SELECT array_agg(id ORDER BY d) FROM (SELECT id, v <#> pg_temp.rv(9, 40) AS d FROM rr ORDER BY (v <#> pg_temp.rv(9, 40)) + 0 LIMIT 20) e) AS ip_exact;
DROP INDEX rr_ip;
CREATE INDEX rr_cos ON rr USING ruivf (v ruvector_cosine_ops) WITH (lists = 5, rerank = index);
SELECT array(SELECT id FROM rr ORDER BY v <=> pg_temp.rv(9, 40) LIMIT 20) =
       (SELECT array_agg(id ORDER BY d) FROM (SELECT id, v <=> pg_temp.rv(9, 40) AS d FROM rr ORDER BY (v <=> pg_temp.rv(9, 40)) + 0 LIMIT 20) e) AS cosine_exact;
RESET enable_seqscan;
RESET ruvector.probes;
DROP TABLE rr;

DROP TABLE t, q, big;

-- a long scan with one probe reaches every list: re-rank windows grow but
-- never overflow, so nothing is silently dropped
CREATE TABLE longscan (id int, v ruvector(2));
INSERT INTO longscan SELECT i, ARRAY[i % 100, i / 100] FROM generate_series(0, 19999) i;
CREATE INDEX ON longscan USING ruivf (v ruvector_l2_ops) WITH (lists = 50);
SET enable_seqscan = off;
SET ruvector.probes = 1;
SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM longscan ORDER BY v <-> '[0,0]' LIMIT 100000) s;
SELECT count(*) FROM (SELECT id FROM longscan WHERE id % 1000 = 999 ORDER BY v <-> '[0,0]' LIMIT 20) s;
RESET ruvector.probes;
RESET enable_seqscan;
DROP TABLE longscan;

-- the recall probe: an index's answer against an exact scan
CREATE TABLE rp (id int, v ruvector(8));
INSERT INTO rp SELECT i, ARRAY(SELECT ((i::bigint * i * 31 + i::bigint * d * 7919 + d * 104729) % 1000) / 100.0 FROM generate_series(1, 8) d)::real[]
FROM generate_series(1, 3000) i;
CREATE INDEX rp_idx ON rp USING ruivf (v ruvector_l2_ops) WITH (lists = 60);
SET ruvector.probes = 60;
SELECT ruvector_recall('rp_idx', (SELECT v FROM rp WHERE id = 17), 10) AS recall_all_lists;
SELECT setseed(0.25);
SELECT ruvector_recall('rp_idx', 10, 20) AS sampled_recall_all_lists;
SET ruvector.probes = 1;
SELECT ruvector_recall('rp_idx', 10, 50) < 1 AS one_list_misses_some;
RESET ruvector.probes;
SELECT ruvector_recall('rp_idx', '[1,2,3,4,5,6,7,8]'::ruvector, 0);
SELECT ruvector_recall('rp', '[1,2,3,4,5,6,7,8]'::ruvector, 10);
DROP TABLE rp;

-- ruvector.iterative_scan and ruvector.max_scan_tuples
CREATE TABLE its (id int, v ruvector(2));
INSERT INTO its SELECT i, ARRAY[i % 100, i / 100] FROM generate_series(0, 19999) i;
CREATE INDEX ON its USING ruivf (v ruvector_l2_ops) WITH (lists = 50);
SET enable_seqscan = off;
SET ruvector.probes = 1;
-- relaxed_order (the default): the LIMIT is filled
SHOW ruvector.iterative_scan;
SELECT count(*) FROM (SELECT id FROM its ORDER BY v <-> '[0,0]' LIMIT 5000) s;
-- off: one list's rows, no more
SET ruvector.iterative_scan = off;
SELECT count(*) < 5000 AS short, count(*) > 0 AS some FROM (SELECT id FROM its ORDER BY v <-> '[0,0]' LIMIT 5000) s;
RESET ruvector.iterative_scan;
-- a cap on the codes scored stops the scan early, but never inside the first lists
SET ruvector.max_scan_tuples = 1000;
SELECT count(*) < 5000 AS short, count(*) >= 1000 AS capped_late FROM (SELECT id FROM its ORDER BY v <-> '[0,0]' LIMIT 5000) s;
SET ruvector.max_scan_tuples = 1;
SELECT count(*) > 0 AS first_list_read FROM (SELECT id FROM its ORDER BY v <-> '[0,0]' LIMIT 5000) s;
RESET ruvector.max_scan_tuples;
-- relaxed_order: the rows come in non-decreasing distance, a row of a later
-- list nearer than rows already returned kept for the end, so that a scan
-- of every row returns every row; strict_order: the LIMIT is still filled
-- from further lists, and such rows are dropped
CREATE FUNCTION its_order(q ruvector, lim int, OUT n bigint, OUT sorted boolean) LANGUAGE sql AS $$
  SELECT count(*), coalesce(bool_and(d >= prev), true)
  FROM (SELECT d, lag(d) OVER (ORDER BY rn) AS prev
        FROM (SELECT v <-> q AS d, row_number() OVER () AS rn
              FROM (SELECT v FROM its ORDER BY v <-> q LIMIT lim) s) t) u
$$;
SELECT * FROM its_order('[0,0]', 5000);
SELECT n = (SELECT count(*) FROM its) AS every_row FROM its_order('[99,199]', 30000);
SET ruvector.iterative_scan = strict_order;
SELECT n > 0 AS some, n <= 5000 AS at_most_limit, sorted FROM its_order('[0,0]', 5000);
SELECT n <= 20000 AS at_most_all, sorted FROM its_order('[99,199]', 20000);
SELECT count(*) AS limit_filled FROM (SELECT id FROM its ORDER BY v <-> '[50,100]' LIMIT 300) s;
RESET ruvector.iterative_scan;
DROP FUNCTION its_order;
RESET ruvector.probes;
RESET enable_seqscan;
DROP TABLE its;

-- the re-rank follows HOT chains and sees only the scan's snapshot
CREATE TABLE hot (id int, tag int, v ruvector(3)) WITH (fillfactor = 50);
INSERT INTO hot SELECT i, 0, ARRAY[i % 17, i % 13, i % 11]::real[] FROM generate_series(1, 2000) i;
CREATE INDEX hot_idx ON hot USING ruivf (v ruvector_l2_ops) WITH (lists = 10);
UPDATE hot SET tag = 1 WHERE id % 3 = 0;                                          -- HOT updates
UPDATE hot SET v = ARRAY[(id * 5) % 17, (id * 3) % 13, id % 11]::real[] WHERE id % 7 = 0;  -- moved vectors
DELETE FROM hot WHERE id % 11 = 0;
SET enable_seqscan = off;
SET ruvector.probes = 10;
SELECT count(*) = (SELECT count(*) FROM hot) AS all_rows_once,
       count(DISTINCT id) = count(*) AS distinct_ids
FROM (SELECT id FROM hot ORDER BY v <-> '[1,2,3]' LIMIT 5000) s;
SELECT ruvector_recall('hot_idx', '[5,5,5]'::ruvector, 10) AS recall_after_updates,
       ruvector_recall('hot_idx', '[10,2,4]'::ruvector, 10) AS recall_at_a_moved_row;
BEGIN;
DELETE FROM hot WHERE id = 70;
SELECT count(*) AS deleted_row_seen FROM (SELECT id FROM hot ORDER BY v <-> '[10,2,4]' LIMIT 5000) s WHERE id = 70;
ROLLBACK;
SELECT count(*) AS row_back FROM (SELECT id FROM hot ORDER BY v <-> '[10,2,4]' LIMIT 5000) s WHERE id = 70;
RESET ruvector.probes;
RESET enable_seqscan;
DROP TABLE hot;

-- ruvector_index_info: what the metapage says
CREATE TABLE ii (id int, v ruvector(3), w ruvector(2500));
INSERT INTO ii SELECT i, ARRAY[i, i % 7, i % 11], array_fill((i % 5)::real, ARRAY[2500]) FROM generate_series(1, 500) i;
CREATE INDEX ii_l2 ON ii USING ruivf (v ruvector_l2_ops) WITH (lists = 4);
CREATE INDEX ii_cos ON ii USING ruivf (v ruvector_cosine_ops) WITH (lists = 4, rerank = index);
CREATE INDEX ii_wide ON ii USING ruivf (w ruvector_l2_ops) WITH (lists = 2);
SELECT version, dimensions, metric, lists, lanes_per_block, dims_per_page, pages_per_block,
       vector_pages_per_block, rerank, pages = pg_relation_size('ii_l2') / current_setting('block_size')::int AS pages_ok
  FROM ruvector_index_info('ii_l2');
SELECT metric, rerank, vector_pages_per_block FROM ruvector_index_info('ii_cos');
-- the training's residual, kept for VACUUM's drift check (the mean squared
-- distance of sampled rows to their nearest centroid); no row norm for L2
SELECT row_norm IS NULL AS no_row_norm, trained_residual > 0 AS residual_kept,
       trained_residual < (SELECT avg((v <-> '[250,3,5]')^2) FROM ii) AS below_one_centroid
  FROM ruvector_index_info('ii_l2');
SELECT dimensions, lanes_per_block, pages_per_block, vector_pages_per_block, rerank FROM ruvector_index_info('ii_wide');
CREATE INDEX ii_btree ON ii (id);
SELECT * FROM ruvector_index_info('ii_btree');
SELECT * FROM ruvector_index_info('ii');
DROP TABLE ii;
-- lists = 0 (the default): sqrt(rows) / 2 (at least rows / 1000) up to a
-- million rows, from the rows the build reads
CREATE TABLE idl (v ruvector(4));
INSERT INTO idl SELECT ARRAY[i % 7, i % 11, i % 13, i % 17]::real[] FROM generate_series(1, 2500) i;
CREATE INDEX idl_2500 ON idl USING ruivf (v ruvector_l2_ops);
SELECT lists FROM ruvector_index_info('idl_2500');
INSERT INTO idl SELECT ARRAY[i % 5, i % 3, i % 19, i % 23]::real[] FROM generate_series(1, 7500) i;
CREATE INDEX idl_10000 ON idl USING ruivf (v ruvector_l2_ops) WITH (lists = 0);
SELECT lists FROM ruvector_index_info('idl_10000');
-- the first index trained its lists again as its rows doubled (ivftrain.c)
SELECT lists > 25 AS retrained FROM ruvector_index_info('idl_2500');
DROP TABLE idl;

-- Lazy re-rank.  Each lane stores its coding error, which bounds the exact
-- distance around the estimate, and a window is re-ranked only as far as
-- the bounds require.  With a window covering every row (rerank_factor
-- 1000) the answers must equal an exact scan's, in the same order, also
-- for rows inserted after the build far outside the build's value range
-- (their codes are clamped, their errors large).
CREATE TABLE lz (id int, v ruvector(8));
INSERT INTO lz SELECT i, (SELECT array_agg(0.5 + 0.5 * sin(i * 0.37 * d + d))::real[]
                            FROM generate_series(1, 8) d)
  FROM generate_series(1, 2000) i;
CREATE INDEX lz_l2 ON lz USING ruivf (v ruvector_l2_ops) WITH (lists = 8);
CREATE INDEX lz_ip ON lz USING ruivf (v ruvector_ip_ops) WITH (lists = 8);
CREATE INDEX lz_cos ON lz USING ruivf (v ruvector_cosine_ops) WITH (lists = 8);
-- and the same rows with 4-bit codes (bits = 4)
CREATE TABLE lz4 AS SELECT * FROM lz;
CREATE INDEX lz_l2_4 ON lz4 USING ruivf (v ruvector_l2_ops) WITH (lists = 8, bits = 4);
CREATE INDEX lz_ip_4 ON lz4 USING ruivf (v ruvector_ip_ops) WITH (lists = 8, bits = 4);
CREATE INDEX lz_cos_4 ON lz4 USING ruivf (v ruvector_cosine_ops) WITH (lists = 8, bits = 4);
SELECT bits, lanes_per_block, dims_per_page, pages_per_block FROM ruvector_index_info('lz_l2');
SELECT bits, lanes_per_block, dims_per_page, pages_per_block FROM ruvector_index_info('lz_l2_4');
CREATE INDEX lz_bad ON lz4 USING ruivf (v ruvector_l2_ops) WITH (bits = 3);
SET ruvector.probes = 8;
SET enable_seqscan = off;
SET enable_indexscan = on;
-- precise codes: a LIMIT 10 query re-ranks about 10 of the 40 the first
-- window holds
SELECT ruvector_stats_reset();
SELECT count(*) FROM (SELECT id FROM lz ORDER BY v <-> '[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8]' LIMIT 10) s;
SELECT rows_returned, reranks BETWEEN 10 AND 20 AS few_reranks, distances AS scored
  FROM ruvector_stats WHERE index = 'lz_l2'::regclass;
INSERT INTO lz SELECT 10000 + i, (SELECT array_agg(3.0 * sin(i * 1.3 * d) - 1.0)::real[]
                                    FROM generate_series(1, 8) d)
  FROM generate_series(1, 300) i;
INSERT INTO lz4 SELECT * FROM lz WHERE id > 10000;
CREATE TABLE lzq (qid int, q ruvector(8));
INSERT INTO lzq SELECT j, (SELECT array_agg(2.0 * cos(j * 0.71 * d + 0.3) - 0.5)::real[]
                             FROM generate_series(1, 8) d)
  FROM generate_series(1, 12) j;
SET ruvector.rerank_factor = 1000;
-- the top 10 of every query of lzq in tbl, for each operator, as the
-- session's settings plan it (index scans here), and the exact top 10
CREATE FUNCTION lz_top10(tbl regclass) RETURNS TABLE (op text, qid int, ids int[])
LANGUAGE plpgsql AS $$
DECLARE o record;
BEGIN
  FOR o IN SELECT * FROM (VALUES ('l2', '<->'), ('ip', '<#>'), ('cos', '<=>')) v(name, opr) LOOP
    RETURN QUERY EXECUTE format(
      'SELECT %L::text, qid, array(SELECT id FROM %s ORDER BY v %s q LIMIT 10) FROM lzq',
      o.name, tbl, o.opr);
  END LOOP;
END $$;
CREATE FUNCTION lz_mismatches(tbl regclass, answers text)
  RETURNS TABLE (op text, qid int, index_order int[], exact_order int[])
LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL enable_indexscan = off;
  SET LOCAL enable_seqscan = on;
  RETURN QUERY EXECUTE format(
    'SELECT a.op, a.qid, a.ids, e.exact FROM %s a JOIN lzq USING (qid), LATERAL ('
    '  SELECT array_agg(id ORDER BY d) AS exact FROM ('
    '    SELECT id, CASE a.op WHEN ''l2'' THEN v <-> q WHEN ''ip'' THEN v <#> q ELSE v <=> q END AS d'
    '      FROM %s ORDER BY d LIMIT 10) x) e'
    ' WHERE a.ids <> e.exact', answers, tbl);
END $$;
CREATE TEMP TABLE lz_index AS SELECT * FROM lz_top10('lz');
SELECT op, count(*) AS queries, count(*) FILTER (WHERE ids && ARRAY(SELECT generate_series(10001, 10300))) AS with_clamped_rows
  FROM lz_index GROUP BY op ORDER BY op;
SELECT * FROM lz_mismatches('lz', 'lz_index');
-- 4-bit codes: the same answers, also after VACUUM has compacted blocks
DELETE FROM lz4 WHERE id % 7 = 3;
VACUUM lz4;
CREATE TEMP TABLE lz_index4 AS SELECT * FROM lz_top10('lz4');
-- the same answers with the scalar kernels and operand
SET ruvector.simd = scalar;
CREATE TEMP TABLE lz_index4s AS SELECT * FROM lz_top10('lz4');
RESET ruvector.simd;
SELECT count(*) AS rows, count(*) FILTER (WHERE a.ids <> b.ids) AS differ
  FROM lz_index4 a JOIN lz_index4s b USING (op, qid);
SELECT op, count(*) AS queries, count(*) FILTER (WHERE ids && ARRAY(SELECT generate_series(10001, 10300))) AS with_clamped_rows
  FROM lz_index4 GROUP BY op ORDER BY op;
SELECT * FROM lz_mismatches('lz4', 'lz_index4');
-- 4-bit codes with the re-rank copy in the index (rerank = index)
CREATE INDEX lz_l2_4x ON lz4 USING ruivf (v ruvector_l2_ops) WITH (lists = 8, bits = 4, rerank = index);
DROP INDEX lz_l2_4;
SELECT bits, rerank, vector_pages_per_block > 0 AS has_vector_pages FROM ruvector_index_info('lz_l2_4x');
SELECT ruvector_stats_reset();
CREATE TEMP TABLE lz_index4x AS SELECT * FROM lz_top10('lz4') WHERE op = 'l2';
SELECT queries AS index_scans FROM ruvector_stats WHERE index = 'lz_l2_4x'::regclass;
SELECT count(*) AS mismatches FROM lz_mismatches('lz4', 'lz_index4x');
-- 4-bit codes at an odd dimension count (the last pair padded) and more
-- dimensions than fit one page's pairs for many lanes: still exact answers
CREATE TABLE lz9 (id int, v ruvector(9));
INSERT INTO lz9 SELECT i, (SELECT array_agg(cos(i * 0.53 * d + 2 * d))::real[] FROM generate_series(1, 9) d)
  FROM generate_series(1, 1500) i;
CREATE INDEX lz9_idx ON lz9 USING ruivf (v ruvector_l2_ops) WITH (lists = 4, bits = 4);
SET enable_seqscan = off;
CREATE TEMP TABLE lz9_index AS
SELECT g, array(SELECT id FROM lz9 ORDER BY v <-> (SELECT v FROM lz9 WHERE id = g) LIMIT 10) AS ids
  FROM generate_series(1, 1500, 150) g;
RESET enable_seqscan;
SET enable_indexscan = off;
SELECT count(*) AS queries, count(*) FILTER (WHERE ids <> exact) AS differ
  FROM lz9_index,
       LATERAL (SELECT array(SELECT id FROM lz9 ORDER BY v <-> (SELECT v FROM lz9 WHERE id = g)
                              LIMIT 10) AS exact) e;
RESET enable_indexscan;
-- ruvector.check_bounds re-ranks every candidate of a window and fails on
-- a lower bound above its exact distance: every bound of these queries
-- holds (8 and 4 bits, three metrics, clamped rows, an odd dimension
-- count, and 33-d random data whose estimates lean on the query operand's
-- rounding bound)
SET ruvector.check_bounds = on;
SET enable_seqscan = off;
SELECT op, count(*) AS queries FROM lz_top10('lz') GROUP BY op ORDER BY op;
SELECT op, count(*) AS queries FROM lz_top10('lz4') GROUP BY op ORDER BY op;
SELECT count(*) AS queries, sum(cardinality(ids)) AS rows
  FROM generate_series(1, 1500, 150) g,
       LATERAL (SELECT array(SELECT id FROM lz9 ORDER BY v <-> (SELECT v FROM lz9 WHERE id = g) LIMIT 10) AS ids) x;
SELECT ruvector_stats_reset();
SELECT setseed(0.25);
CREATE TABLE lzr (id int, v ruvector(33));
INSERT INTO lzr SELECT i, (SELECT array_agg((random() - 0.3) * (1 + d % 5))::real[] FROM generate_series(1, 33) d)
  FROM generate_series(1, 3000) i;
CREATE INDEX lzr_l2_8 ON lzr USING ruivf (v ruvector_l2_ops) WITH (lists = 6);
CREATE INDEX lzr_ip_4 ON lzr USING ruivf (v ruvector_ip_ops) WITH (lists = 6, bits = 4);
CREATE INDEX lzr_cos_4 ON lzr USING ruivf (v ruvector_cosine_ops) WITH (lists = 6, bits = 4);
SELECT count(*) AS queries, sum(x.n + y.n + z.n) AS rows
  FROM generate_series(1, 3000, 100) g,
       LATERAL (SELECT count(*) AS n FROM (SELECT id FROM lzr ORDER BY v <-> (SELECT v FROM lzr WHERE id = g) LIMIT 10) a) x,
       LATERAL (SELECT count(*) AS n FROM (SELECT id FROM lzr ORDER BY v <#> (SELECT v FROM lzr WHERE id = g) LIMIT 10) a) y,
       LATERAL (SELECT count(*) AS n FROM (SELECT id FROM lzr ORDER BY v <=> (SELECT v FROM lzr WHERE id = g) LIMIT 10) a) z
;
DROP INDEX lzr_l2_8;
CREATE INDEX lzr_l2_4 ON lzr USING ruivf (v ruvector_l2_ops) WITH (lists = 6, bits = 4);
SELECT count(*) AS queries, sum(cardinality(ids)) AS rows
  FROM generate_series(1, 3000, 100) g,
       LATERAL (SELECT array(SELECT id FROM lzr ORDER BY v <-> (SELECT v FROM lzr WHERE id = g) LIMIT 10) AS ids) x;
-- every code of every query was scored and checked
SELECT index, queries, reranks = distances AS all_checked FROM ruvector_stats
 WHERE index::text LIKE 'lzr%' ORDER BY index::text;
-- the same check with small windows (rerank_factor 1: the 10 best
-- estimates, chosen by the bounded heap), two lists a round (the nearest
-- lists chosen likewise), a filter that sends the scan on into further
-- rounds, duplicate vectors (ties at the window's edge), and 1536-d
-- vectors (blocks of several pages, their pages' partial sums added)
SET ruvector.rerank_factor = 1;
SET ruvector.probes = 2;
CREATE TABLE lzd (id int, v ruvector(1536));
INSERT INTO lzd SELECT i, (SELECT array_agg(sin(d * (1 + i % 97) * 0.01) + (i % 97) * 0.02)::real[]
                             FROM generate_series(1, 1536) d)
  FROM generate_series(1, 1200) i;
CREATE INDEX lzd_l2 ON lzd USING ruivf (v ruvector_l2_ops) WITH (lists = 8);
CREATE INDEX lzd_ip ON lzd USING ruivf (v ruvector_ip_ops) WITH (lists = 8, bits = 4);
SELECT pages_per_block > 1 AS multi_page FROM ruvector_index_info('lzd_l2');
SELECT pages_per_block > 1 AS multi_page FROM ruvector_index_info('lzd_ip');
SELECT ruvector_stats_reset();
SELECT count(*) AS queries, sum(cardinality(a)) AS l2_rows, sum(cardinality(b)) AS ip_rows
  FROM generate_series(1, 1200, 60) g,
       LATERAL (SELECT array(SELECT id FROM lzd WHERE id % 50 = 0
                              ORDER BY v <-> (SELECT v FROM lzd WHERE id = g) LIMIT 10) AS a,
                       array(SELECT id FROM lzd WHERE id % 50 = 0
                              ORDER BY v <#> (SELECT v FROM lzd WHERE id = g) LIMIT 10) AS b) x;
SELECT index, queries, lists_scanned > 2 * queries AS went_on FROM ruvector_stats
 WHERE index::text LIKE 'lzd%' ORDER BY index::text;
DROP TABLE lzd;
SET ruvector.rerank_factor = 1000;
SET ruvector.probes = 8;
RESET enable_seqscan;
RESET ruvector.check_bounds;
DROP TABLE lz9, lzr;
RESET enable_seqscan;
RESET enable_indexscan;
RESET ruvector.probes;
RESET ruvector.rerank_factor;
DROP TABLE lz, lz4, lzq;
DROP FUNCTION lz_top10(regclass), lz_mismatches(regclass, text);

--
-- A scan checks each chain against the index's block count as this backend
-- last read it (no system call each query); blocks added since, by inserts
-- that start new head blocks past that count, are read after the count is
-- read anew, not refused: every row is found, each once.
--
CREATE TABLE gr (id int PRIMARY KEY, v ruvector(8));
INSERT INTO gr SELECT i, array(SELECT sin(i * 0.7 + j) FROM generate_series(1, 8) j)::ruvector
  FROM generate_series(1, 2000) i;
CREATE INDEX gr_v ON gr USING ruivf (v ruvector_l2_ops) WITH (lists = 4);
SET enable_seqscan = off;
SET ruvector.probes = 4;
SELECT count(*) FROM (SELECT id FROM gr ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 100000) s;
SELECT pg_relation_size('gr_v') / 8192 AS pages_before \gset
INSERT INTO gr SELECT i, array(SELECT sin(i * 0.7 + j) FROM generate_series(1, 8) j)::ruvector
  FROM generate_series(2001, 3900) i;
-- (under twice the rows it was built with: the same generation, no training)
SELECT pg_relation_size('gr_v') / 8192 > :pages_before AS grew, generation
  FROM ruvector_index_info('gr_v');
SELECT count(*) AS every_row, count(DISTINCT id) AS each_once
  FROM (SELECT id FROM gr ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 100000) s;
RESET ruvector.probes;
RESET enable_seqscan;
DROP TABLE gr;
