--
-- Parallel scans of one ruivf index: the leader and its workers split the
-- lists a query reads, each returns its own lists' rows in exact order, and
-- Gather Merge merges them.  The answers must be those of a scan alone at
-- the same probes, every row must come once, and a query vector the workers
-- cannot see (a correlated subquery's) must keep the scan out of them.
--
\set SHOW_CONTEXT never
SELECT setseed(0.5);
CREATE TABLE par (id int PRIMARY KEY, cat int, v ruvector(24));
INSERT INTO par
SELECT i, i % 7, array(SELECT random()::real FROM generate_series(1, 24) j WHERE j > i * 0)::ruvector
  FROM generate_series(1, 6000) i;
CREATE TABLE parq (qid int PRIMARY KEY, q ruvector(24));
INSERT INTO parq
SELECT i, array(SELECT random()::real FROM generate_series(1, 24) j WHERE j > i * 0)::ruvector
  FROM generate_series(1, 30) i;
CREATE INDEX par_l2 ON par USING ruivf (v ruvector_l2_ops) WITH (lists = 24, bits = 1);
ANALYZE par;

-- every parallel plan the planner can make, whatever it costs
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_index_scan_size = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;	-- the workers do the scanning
SET enable_seqscan = off;
SET ruvector.probes = 4;

EXPLAIN (COSTS OFF)
SELECT id FROM par ORDER BY v <-> (SELECT q FROM parq WHERE qid = 1) LIMIT 10;

-- a query's ids as the index returns them (the vector a parameter, which
-- workers receive, unlike a correlated subquery's)
CREATE FUNCTION pg_temp.knn(qid int, k int, modulus int) RETURNS int[] LANGUAGE plpgsql AS $$
DECLARE
  qv ruvector;
  r int[];
BEGIN
  SELECT q INTO qv FROM parq WHERE parq.qid = knn.qid;
  EXECUTE 'SELECT array(SELECT id FROM par WHERE cat % $3 = 0 ORDER BY v <-> $1 LIMIT $2)'
    INTO r USING qv, k, modulus;
  RETURN r;
END $$;
-- ... and the plan that gives them
CREATE FUNCTION pg_temp.knn_plan(qid int) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  qv ruvector;
BEGIN
  SELECT q INTO qv FROM parq WHERE parq.qid = knn_plan.qid;
  RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) SELECT array(SELECT id FROM par WHERE cat % $3 = 0 ORDER BY v <-> $1 LIMIT $2)'
    USING qv, 10, 1;
END $$;
SELECT * FROM pg_temp.knn_plan(1);

-- LIMIT 10, LIMIT 100 (past the first window) and a filter passing 1 row in
-- 7 (the scans go deeper).  The participants split the lists a scan alone
-- reads first: LIMIT 10 finds what the scan alone finds (within 2 %: the
-- re-rank windows are chosen per participant).  Deeper, each goes deeper
-- at its own 11th row, then by the rows all returned, so which lists each
-- reads depends on timing; and a row of a deeper list nearer than the
-- last row returned goes to the end, as in a scan alone, but the bar is
-- the participant's own 10th row, not the merged 10th: within 15 % of the
-- scan alone's rows (measured: 2-11 % fewer here with workers alone, the
-- same with the leader).  Every row once.
CREATE TEMP TABLE parallel_ids AS
SELECT qid, pg_temp.knn(qid, 10, 1) a, pg_temp.knn(qid, 100, 1) b, pg_temp.knn(qid, 10, 7) c
  FROM parq;
-- workers ran the scan (without the leader's participation: it only merges)
CREATE FUNCTION pg_temp.workers_launched(qid int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  qv ruvector;
  plan json;
BEGIN
  SELECT q INTO qv FROM parq WHERE parq.qid = workers_launched.qid;
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) SELECT id FROM par ORDER BY v <-> $1 LIMIT 10'
    INTO plan USING qv;
  RETURN (plan -> 0 -> 'Plan' -> 'Plans' -> 0 ->> 'Workers Launched')::int;
END $$;
SELECT pg_temp.workers_launched(2) > 0 AS workers_ran;
SET parallel_leader_participation = on;
CREATE TEMP TABLE leader_ids AS
SELECT qid, pg_temp.knn(qid, 10, 1) a, pg_temp.knn(qid, 100, 1) b, pg_temp.knn(qid, 10, 7) c
  FROM parq;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial_ids AS
SELECT qid, pg_temp.knn(qid, 10, 1) a, pg_temp.knn(qid, 100, 1) b, pg_temp.knn(qid, 10, 7) c
  FROM parq;
SET enable_indexscan = off;
SET enable_seqscan = on;
CREATE TEMP TABLE exact_ids AS
SELECT qid, pg_temp.knn(qid, 10, 1) a, pg_temp.knn(qid, 100, 1) b, pg_temp.knn(qid, 10, 7) c FROM parq;
RESET enable_indexscan;
SET enable_seqscan = off;
-- how many of x's ids are in y; how many distinct ids x has
CREATE FUNCTION pg_temp.found(x int[], y int[]) RETURNS int LANGUAGE sql
  AS $$ SELECT count(*)::int FROM unnest(x) i WHERE i = ANY (y) $$;
CREATE FUNCTION pg_temp.distinct_ids(x int[]) RETURNS int LANGUAGE sql
  AS $$ SELECT count(DISTINCT i)::int FROM unnest(x) i $$;
SELECT count(*) AS queries,
       count(*) FILTER (WHERE pg_temp.distinct_ids(p.a) = 10 AND pg_temp.distinct_ids(l.a) = 10
                          AND pg_temp.distinct_ids(p.b) = 100 AND pg_temp.distinct_ids(l.b) = 100
                          AND pg_temp.distinct_ids(p.c) = 10 AND pg_temp.distinct_ids(l.c) = 10) AS whole,
       sum(pg_temp.found(p.a, e.a)) >= 0.98 * sum(pg_temp.found(s.a, e.a)) AS recall_10,
       sum(pg_temp.found(l.a, e.a)) >= 0.98 * sum(pg_temp.found(s.a, e.a)) AS recall_10_with_leader,
       sum(pg_temp.found(p.b, e.b)) >= 0.85 * sum(pg_temp.found(s.b, e.b)) AS recall_100,
       sum(pg_temp.found(l.b, e.b)) >= 0.85 * sum(pg_temp.found(s.b, e.b)) AS recall_100_with_leader,
       sum(pg_temp.found(p.c, e.c)) >= 0.85 * sum(pg_temp.found(s.c, e.c)) AS recall_filtered,
       sum(pg_temp.found(l.c, e.c)) >= 0.85 * sum(pg_temp.found(s.c, e.c)) AS recall_filtered_with_leader,
       sum(pg_temp.found(s.b, e.b)) BETWEEN 1000 AND 2990 AS serial_not_exact
  FROM serial_ids s JOIN parallel_ids p USING (qid) JOIN leader_ids l USING (qid)
  JOIN exact_ids e USING (qid);
SET max_parallel_workers_per_gather = 2;

-- every list probed: the exact answer (ids equal those of a sequential scan)
SET ruvector.probes = 24;
CREATE TEMP TABLE all_lists AS SELECT qid, pg_temp.knn(qid, 20, 1) a FROM parq;
SET enable_indexscan = off;
SET enable_seqscan = on;
CREATE TEMP TABLE exact AS SELECT qid, pg_temp.knn(qid, 20, 1) a FROM parq;
RESET enable_indexscan;
SET enable_seqscan = off;
SELECT count(*) FILTER (WHERE e.a = x.a) AS exact, count(*) FROM all_lists x JOIN exact e USING (qid);
SET ruvector.probes = 4;

-- a NULL query vector (a generic plan's parameter): every row once, spread
-- over the participants
SET plan_cache_mode = force_generic_plan;
PREPARE nullq(ruvector) AS SELECT id FROM par ORDER BY v <-> $1 LIMIT 100000;
EXPLAIN (COSTS OFF) EXECUTE nullq(NULL);
CREATE TEMP TABLE null_ids AS EXECUTE nullq(NULL);
SELECT count(*), count(DISTINCT id) FROM null_ids;
DEALLOCATE nullq;
RESET plan_cache_mode;

-- a correlated subquery's vector: no parallel scan under the SubPlan (its
-- workers would not have the outer row's vector), with or without the hook
EXPLAIN (COSTS OFF)
SELECT qid, array(SELECT id FROM par ORDER BY v <-> parq.q LIMIT 5) FROM parq WHERE qid <= 3;
SET ruvector.enable_hook = off;
EXPLAIN (COSTS OFF)
SELECT qid, array(SELECT id FROM par ORDER BY v <-> parq.q LIMIT 5) FROM parq WHERE qid <= 3;
SELECT count(*) FILTER (WHERE a = pg_temp.knn(qid, 5, 1)) AS same, count(*)
  FROM (SELECT qid, array(SELECT id FROM par ORDER BY v <-> parq.q LIMIT 5) a FROM parq) s;
RESET ruvector.enable_hook;

-- a parallel scan run again with new parameters (the OFFSET a correlated
-- one, evaluated above Gather Merge): the participants claim from the start
EXPLAIN (COSTS OFF)
SELECT g, (SELECT array_agg(id) FROM (SELECT id FROM par ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 3 OFFSET g) s)
  FROM generate_series(0, 2) g;
CREATE TEMP TABLE rescans AS
SELECT g, (SELECT array_agg(id) FROM (SELECT id FROM par ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 3 OFFSET g) s) a
  FROM generate_series(0, 2) g;
SET max_parallel_workers_per_gather = 0;
SELECT count(*) FILTER (WHERE r.a = (SELECT array_agg(id) FROM (SELECT id FROM par ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 3 OFFSET r.g) s)) AS same,
       count(*)
  FROM rescans r;

-- default costs: a small index is not worth the workers' start
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT id FROM par ORDER BY v <-> (SELECT q FROM parq WHERE qid = 1) LIMIT 10;

DROP TABLE par, parq;
