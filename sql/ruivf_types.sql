--
-- ruivf on ruhalfvec columns and on expressions: every metric, both re-rank
-- representations, inserts and VACUUM after the build.  With every list
-- probed a scan must return the exact answer, so each check compares the
-- index's distances with a sequential scan's, position by position.
--
\set SHOW_CONTEXT never
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.5);

-- L1 indexes: the 30 nearest ids by <+> of a query through the index
-- (use_index) or a sequential scan, at the probes set by the caller ...
CREATE FUNCTION pg_temp.l1_ids(tbl text, col text, qv anyelement, use_index bool)
  RETURNS int[] LANGUAGE plpgsql AS $$
DECLARE
  r int[];
BEGIN
  PERFORM set_config('enable_seqscan', CASE WHEN use_index THEN 'off' ELSE 'on' END, true);
  PERFORM set_config('enable_indexscan', CASE WHEN use_index THEN 'on' ELSE 'off' END, true);
  PERFORM set_config('enable_bitmapscan', 'off', true);
  -- ids in order of distance, equal distances by id (their order is free)
  EXECUTE format('SELECT array_agg(id ORDER BY d, id) FROM (SELECT id, %2$I <+> $1 AS d FROM %1$I ORDER BY %2$I <+> $1 LIMIT 30) s',
                 tbl, col)
    INTO r USING qv;
  RETURN r;
END $$;
-- ... and whether the index returns them in non-decreasing <+> distance
CREATE FUNCTION pg_temp.l1_ordered(tbl text, col text, qv anyelement)
  RETURNS bool LANGUAGE plpgsql AS $$
DECLARE
  r bool;
BEGIN
  PERFORM set_config('enable_seqscan', 'off', true);
  PERFORM set_config('enable_indexscan', 'on', true);
  PERFORM set_config('enable_bitmapscan', 'off', true);
  EXECUTE format('SELECT count(*) = 30 AND bool_and(d >= prev)
                    FROM (SELECT d, lag(d, 1, 0::float8) OVER () AS prev
                            FROM (SELECT %2$I <+> $1 AS d FROM %1$I ORDER BY %2$I <+> $1 LIMIT 30) s) s2',
                 tbl, col)
    INTO r USING qv;
  RETURN r;
END $$;

CREATE TABLE hv (id int PRIMARY KEY, v ruvector(24), h ruhalfvec(24));
INSERT INTO hv
SELECT i, x, x::ruhalfvec(24)
  FROM (SELECT i, array(SELECT (random() - 0.3)::real FROM generate_series(1, 24) j
                         WHERE j > i * 0)::ruvector(24) AS x
          FROM generate_series(1, 3000) i) s;
CREATE TABLE hq (qid int PRIMARY KEY, q ruhalfvec(24));
INSERT INTO hq
SELECT i, array(SELECT (random() - 0.3)::real FROM generate_series(1, 24) j WHERE j > i * 0)::ruhalfvec(24)
  FROM generate_series(1, 8) i;
-- the halves take half the bytes of the float4s, in the table and in the heap re-rank
SELECT pg_column_size(h) AS half_bytes, pg_column_size(v) AS float4_bytes FROM hv WHERE id = 1;

CREATE INDEX hv_l2 ON hv USING ruivf (h ruhalfvec_l2_ops) WITH (lists = 8);
CREATE INDEX hv_ip ON hv USING ruivf (h ruhalfvec_ip_ops) WITH (lists = 8, bits = 4);
CREATE INDEX hv_cos ON hv USING ruivf (h ruhalfvec_cosine_ops) WITH (lists = 8, rerank = index);
-- an expression: the re-rank evaluates it on the table's row
CREATE INDEX hv_expr ON hv USING ruivf ((v::ruhalfvec(24)) ruhalfvec_l2_ops) WITH (lists = 8);
-- L1: coded and probed as L2, re-ranked in L1 (16 lists: the default 8
-- probes read half of them)
CREATE INDEX hv_l1 ON hv USING ruivf (h ruhalfvec_l1_ops) WITH (lists = 16, bits = 4, rerank = index);
CREATE INDEX hv_vl1 ON hv USING ruivf (v ruvector_l1_ops) WITH (lists = 16);
SELECT c.relname, i.dimensions, i.metric, i.lists, i.bits, i.rerank
  FROM pg_class c, ruvector_index_info(c.oid) i
 WHERE c.relname IN ('hv_l2', 'hv_ip', 'hv_cos', 'hv_expr', 'hv_l1', 'hv_vl1') ORDER BY 1;
SET ruvector.probes = 8;

-- the distances a query's rows come with: through the index, or exactly
CREATE FUNCTION pg_temp.dists(expr text, op text, qv ruhalfvec, k int, use_index bool)
  RETURNS float8[] LANGUAGE plpgsql AS $$
DECLARE
  r float8[];
BEGIN
  PERFORM set_config('enable_seqscan', CASE WHEN use_index THEN 'off' ELSE 'on' END, true);
  PERFORM set_config('enable_indexscan', CASE WHEN use_index THEN 'on' ELSE 'off' END, true);
  PERFORM set_config('enable_bitmapscan', 'off', true);
  EXECUTE format('SELECT array_agg(d) FROM (SELECT %1$s %2$s $1 AS d FROM hv ORDER BY %1$s %2$s $1 LIMIT $2) s',
                 expr, op)
    INTO r USING qv, k;
  RETURN r;
END $$;
-- per index: queries whose 30 nearest differ from the exact answer (none)
CREATE FUNCTION pg_temp.mismatches() RETURNS TABLE (idx text, queries bigint, differing bigint)
  LANGUAGE sql AS $$
  SELECT t.idx, count(*), count(*) FILTER (WHERE pg_temp.dists(t.expr, t.op, q, 30, true)
                                              IS DISTINCT FROM pg_temp.dists(t.expr, t.op, q, 30, false))
    FROM (VALUES ('hv_l2', 'h', '<->'), ('hv_ip', 'h', '<#>'), ('hv_cos', 'h', '<=>'),
                 ('hv_expr', 'v::ruhalfvec(24)', '<->')) t(idx, expr, op),
         hq
   GROUP BY t.idx ORDER BY t.idx
$$;
BEGIN;
SET LOCAL enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hv ORDER BY h <-> '[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM hv ORDER BY v::ruhalfvec(24) <-> (SELECT q FROM hq WHERE qid = 1) LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM hv ORDER BY h <+> (SELECT q FROM hq WHERE qid = 1) LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM hv ORDER BY v <+> (SELECT q::ruvector FROM hq WHERE qid = 1) LIMIT 5;
COMMIT;
SELECT * FROM pg_temp.mismatches();
-- L1: every list probed, the exact 30 nearest ids; 8 of 16 lists, in order
SET ruvector.probes = 32768;
SELECT count(*) AS queries,
       count(*) FILTER (WHERE pg_temp.l1_ids('hv', 'h', q, true) = pg_temp.l1_ids('hv', 'h', q, false))
         AS same_ids_half,
       count(*) FILTER (WHERE pg_temp.l1_ids('hv', 'v', q::ruvector, true)
                              = pg_temp.l1_ids('hv', 'v', q::ruvector, false)) AS same_ids_float4
  FROM hq;
SET ruvector.probes = 8;
SELECT count(*) AS queries, count(*) FILTER (WHERE pg_temp.l1_ordered('hv', 'h', q)) AS ordered_half,
       count(*) FILTER (WHERE pg_temp.l1_ordered('hv', 'v', q::ruvector)) AS ordered_float4
  FROM hq;

-- inserts after the build, deletes and VACUUM: still exact, and the checker agrees
INSERT INTO hv
SELECT i, x, x::ruhalfvec(24)
  FROM (SELECT i, array(SELECT (random() - 0.3)::real FROM generate_series(1, 24) j
                         WHERE j > i * 0)::ruvector(24) AS x
          FROM generate_series(3001, 3400) i) s;
DELETE FROM hv WHERE id % 7 = 0;
VACUUM hv;
SELECT * FROM pg_temp.mismatches();
SET ruvector.probes = 32768;
SELECT count(*) AS queries,
       count(*) FILTER (WHERE pg_temp.l1_ids('hv', 'h', q, true) = pg_temp.l1_ids('hv', 'h', q, false))
         AS same_ids_half,
       count(*) FILTER (WHERE pg_temp.l1_ids('hv', 'v', q::ruvector, true)
                              = pg_temp.l1_ids('hv', 'v', q::ruvector, false)) AS same_ids_float4
  FROM hq;
SET ruvector.probes = 8;
SELECT count(*) AS queries, count(*) FILTER (WHERE pg_temp.l1_ordered('hv', 'h', q)) AS ordered_half,
       count(*) FILTER (WHERE pg_temp.l1_ordered('hv', 'v', q::ruvector)) AS ordered_float4
  FROM hq;
SELECT c.relname, ruvector_index_check(c.oid, true) IS NOT NULL AS checked
  FROM pg_class c WHERE c.relname IN ('hv_l2', 'hv_ip', 'hv_cos', 'hv_expr', 'hv_l1', 'hv_vl1')
 ORDER BY 1;

-- a query of other dimensions
SET enable_seqscan = off;
SELECT id FROM hv ORDER BY h <-> '[1,2,3]'::ruhalfvec LIMIT 1;
RESET enable_seqscan;
-- an expression without dimensions cannot be indexed
CREATE INDEX ON hv USING ruivf ((h::ruhalfvec) ruhalfvec_l2_ops);
-- an operator class of another type
CREATE INDEX ON hv USING ruivf (h ruvector_l1_ops);
DROP TABLE hv, hq;

--
-- rusparsevec: coded in dense form, re-ranked with the sparse type's own
-- distances (so rows come in the order of the operator's values).  3,000
-- rows of 400 dimensions with 3 to 20 non-zeros each.
--
SELECT setseed(0.125);
CREATE TABLE sp (id int PRIMARY KEY, s rusparsevec(400));
INSERT INTO sp
SELECT i, ('{' || (SELECT string_agg(k || ':' || round((random() * 2 - 1)::numeric, 3), ',')
                     FROM (SELECT DISTINCT (1 + floor(random() * 400))::int AS k
                             FROM generate_series(1, 3 + i % 18) WHERE i > 0 ORDER BY 1) z)
          || '}/400')::rusparsevec
  FROM generate_series(1, 3000) i;
CREATE INDEX sp_l2 ON sp USING ruivf (s rusparsevec_l2_ops) WITH (lists = 8);
CREATE INDEX sp_ip ON sp USING ruivf (s rusparsevec_ip_ops) WITH (lists = 8, bits = 4);
CREATE INDEX sp_cos ON sp USING ruivf (s rusparsevec_cosine_ops) WITH (lists = 8);
CREATE INDEX sp_l1 ON sp USING ruivf (s rusparsevec_l1_ops) WITH (lists = 16);
SELECT c.relname, i.dimensions, i.metric, i.rerank
  FROM pg_class c, ruvector_index_info(c.oid) i
 WHERE c.relname IN ('sp_l2', 'sp_ip', 'sp_cos', 'sp_l1') ORDER BY 1;
CREATE FUNCTION pg_temp.sdists(op text, qv rusparsevec, k int, use_index bool)
  RETURNS float8[] LANGUAGE plpgsql AS $$
DECLARE
  r float8[];
BEGIN
  PERFORM set_config('enable_seqscan', CASE WHEN use_index THEN 'off' ELSE 'on' END, true);
  PERFORM set_config('enable_indexscan', CASE WHEN use_index THEN 'on' ELSE 'off' END, true);
  PERFORM set_config('enable_bitmapscan', 'off', true);
  EXECUTE format('SELECT array_agg(d) FROM (SELECT s %1$s $1 AS d FROM sp ORDER BY s %1$s $1 LIMIT $2) s', op)
    INTO r USING qv, k;
  RETURN r;
END $$;
CREATE FUNCTION pg_temp.smismatches() RETURNS TABLE (op text, queries bigint, differing bigint)
  LANGUAGE sql AS $$
  SELECT o.op, count(*), count(*) FILTER (WHERE pg_temp.sdists(o.op, q.s, 30, true)
                                            IS DISTINCT FROM pg_temp.sdists(o.op, q.s, 30, false))
    FROM (VALUES ('<->'), ('<#>'), ('<=>'), ('<+>')) o(op), (SELECT s FROM sp WHERE id % 400 = 7) q
   GROUP BY o.op ORDER BY o.op
$$;
BEGIN;
SET LOCAL enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM sp ORDER BY s <=> '{1:1,7:-2}/400' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM sp ORDER BY s <+> '{1:1,7:-2}/400' LIMIT 5;
COMMIT;
-- every list probed: each query's 30 nearest are the exact answer
SET ruvector.probes = 32768;
SELECT * FROM pg_temp.smismatches();
-- L1: the exact 30 nearest ids too; with 8 of 16 lists, in order
SELECT count(*) AS queries,
       count(*) FILTER (WHERE pg_temp.l1_ids('sp', 's', s, true) = pg_temp.l1_ids('sp', 's', s, false))
         AS same_ids
  FROM sp WHERE id % 400 = 7;
SET ruvector.probes = 8;
SELECT count(*) AS queries, count(*) FILTER (WHERE pg_temp.l1_ordered('sp', 's', s)) AS ordered
  FROM sp WHERE id % 400 = 7;
DELETE FROM sp WHERE id % 3 = 0;
VACUUM sp;
INSERT INTO sp SELECT id + 3000, s FROM sp WHERE id <= 600;
-- (the copies tie with their rows: distances compared, not ids)
SET ruvector.probes = 32768;
SELECT * FROM pg_temp.smismatches();
SET ruvector.probes = 8;
SELECT count(*) AS queries, count(*) FILTER (WHERE pg_temp.l1_ordered('sp', 's', s)) AS ordered
  FROM sp WHERE id % 400 = 7;
SELECT c.relname, ruvector_index_check(c.oid, true) IS NOT NULL AS checked
  FROM pg_class c WHERE c.relname IN ('sp_l2', 'sp_ip', 'sp_cos', 'sp_l1') ORDER BY 1;
-- a query of other dimensions, and one beyond what ruivf codes
SET enable_seqscan = off;
SELECT id FROM sp ORDER BY s <-> '{1:1}/3'::rusparsevec LIMIT 1;
SELECT id FROM sp ORDER BY s <-> '{1:1}/20000'::rusparsevec LIMIT 1;
RESET enable_seqscan;
DROP TABLE sp;
